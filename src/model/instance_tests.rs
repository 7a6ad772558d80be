use crate::model::fixtures::*;
use crate::model::*;
use serde_json::json;

#[test]
fn instance_v2() {
    let i: Instance = decode(json!({
        "domain": "mastodon.social",
        "title": "Mastodon",
        "version": "4.5.0",
        "source_url": "https://github.com/mastodon/mastodon",
        "description": "The original server operated by the Mastodon gGmbH non-profit",
        "usage": {"users": {"active_month": 123122}},
        "thumbnail": {"url": "https://files.mastodon.social/site_uploads/files/000/000/001/@1x/57c12f441d083cde.png"},
        "languages": ["en"],
        "configuration": {
            "urls": {"streaming": "wss://streaming.mastodon.social", "status": "https://status.mastodon.social"},
            "vapid": {"public_key": "BCk-QqERU0q-CfYZjcuB6lnyyOYfJ2AifKqfeGIm7Z-HiTU5T9eTG5GxVA0_OH5mMlI4UkkDTpaZwozy0TzdZ2M="},
            "accounts": {"max_featured_tags": 10, "max_pinned_statuses": 5},
            "statuses": {"max_characters": 500, "max_media_attachments": 4, "characters_reserved_per_url": 23},
            "media_attachments": {"supported_mime_types": ["image/jpeg"]},
            "polls": {"max_options": 4},
            "translation": {"enabled": true},
            "timelines_access": {
                "live_feeds": {"local": "public", "remote": "authenticated"},
                "hashtag_feeds": {"local": "public", "remote": "disabled"},
                "trending_link_feeds": {"local": "public", "remote": "public"}
            }
        },
        "registrations": {"enabled": false, "approval_required": false, "message": null},
        "contact": {"email": "staff@mastodon.social", "account": null},
        "rules": []
    }));
    assert_eq!(i.host(), Some("mastodon.social"));
    assert_eq!(i.version, "4.5.0");
    assert_eq!(i.title, "Mastodon");
    assert_eq!(i.streaming_url(), Some("wss://streaming.mastodon.social"));
    assert_eq!(i.max_characters(), Some(500));
    let access = i.configuration.timelines_access.as_ref().unwrap();
    assert_eq!(access["hashtag_feeds"]["remote"], "disabled");
}

#[test]
fn instance_v1() {
    let i: Instance = decode(json!({
        "uri": "mastodon.example",
        "title": "Example",
        "short_description": "",
        "version": "4.3.1",
        "urls": {"streaming_api": "wss://mastodon.example"},
        "stats": {"user_count": 10, "status_count": 100, "domain_count": 1000},
        "configuration": {"statuses": {"max_characters": "1000"}},
        "contact_account": null
    }));
    assert_eq!(i.host(), Some("mastodon.example"));
    assert_eq!(i.streaming_url(), Some("wss://mastodon.example"));
    assert_eq!(i.max_characters(), Some(1000));
    assert_eq!(i.configuration.timelines_access, None);

    // Akkoma v1: no configuration, its own character limit, an empty streaming url.
    let i: Instance = decode(json!({
        "uri": "https://akkoma.example",
        "title": "Akkoma",
        "version": "2.7.2 (compatible; Akkoma 3.13.2)",
        "urls": {"streaming_api": ""},
        "max_toot_chars": 5000,
        "configuration": null,
        "pleroma": {"metadata": {"features": ["pleroma_api"]}}
    }));
    assert_eq!(i.streaming_url(), None);
    assert_eq!(i.max_characters(), Some(5000));
    assert!(i.version.contains("Akkoma"));

    // GoToSocial v2 without streaming url or limits.
    let i: Instance = decode(
        json!({"domain": "gts.example", "title": "gts", "version": "0.17.0 git-abc", "configuration": {"urls": {"streaming": null}}}),
    );
    assert_eq!(i.streaming_url(), None);
    assert_eq!(i.max_characters(), None);
}
