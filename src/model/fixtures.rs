//! Payloads shaped like what Mastodon 4.3, GoToSocial and Pleroma/Akkoma really send, shared by
//! the entities' tests.

use serde_json::json;

pub(super) fn decode<T: serde::de::DeserializeOwned>(v: serde_json::Value) -> T {
    serde_json::from_value(v).expect("decodes")
}

pub(super) fn decode_str<T: serde::de::DeserializeOwned>(s: &str) -> T {
    serde_json::from_str(s).expect("decodes")
}

pub(super) fn mastodon_account() -> serde_json::Value {
    json!({
        "id": "109302521960312338",
        "username": "alice",
        "acct": "alice@example.social",
        "display_name": "Alice :blobcat:",
        "locked": false,
        "bot": false,
        "discoverable": true,
        "indexable": true,
        "group": false,
        "created_at": "2022-11-07T00:00:00.000Z",
        "note": "<p>Hi</p>",
        "url": "https://example.social/@alice",
        "uri": "https://example.social/users/alice",
        "avatar": "https://files.example.social/a.png",
        "avatar_static": "https://files.example.social/a.png",
        "header": "https://files.example.social/h.png",
        "header_static": "https://files.example.social/h.png",
        "followers_count": 1200,
        "following_count": 300,
        "statuses_count": 4567,
        "last_status_at": "2024-10-08",
        "hide_collections": null,
        "noindex": false,
        "emojis": [{
            "shortcode": "blobcat",
            "url": "https://files.example.social/e/blobcat.png",
            "static_url": "https://files.example.social/e/blobcat_s.png",
            "visible_in_picker": true
        }],
        "roles": [],
        "fields": [{
            "name": "Web",
            "value": "<a href=\"https://alice.example\">alice.example</a>",
            "verified_at": "2023-01-01T00:00:00.000+00:00"
        }]
    })
}

/// A Mastodon 4.3 status, `account` filled in by [`mastodon_status`].
pub(super) const MASTODON_STATUS: &str = r##"{
    "id": "113257461720347655",
    "created_at": "2024-10-08T12:00:00.000Z",
    "in_reply_to_id": "113257461720340000",
    "in_reply_to_account_id": "109302521960300000",
    "sensitive": true,
    "spoiler_text": "cats",
    "visibility": "unlisted",
    "language": "en",
    "uri": "https://example.social/users/alice/statuses/113257461720347655",
    "url": "https://example.social/@alice/113257461720347655",
    "replies_count": 2,
    "reblogs_count": 5,
    "favourites_count": 17,
    "edited_at": "2024-10-08T12:05:00.000Z",
    "favourited": true,
    "reblogged": false,
    "muted": false,
    "bookmarked": false,
    "pinned": false,
    "content": "<p>Hello <span class=\"h-card\"><a href=\"https://b.example/@bob\" class=\"u-url mention\">@<span>bob</span></a></span> <a href=\"https://example.social/tags/rust\" class=\"mention hashtag\" rel=\"tag\">#<span>rust</span></a> :blobcat:</p>",
    "filtered": [{
        "filter": {
            "id": "42",
            "title": "Spoilers",
            "context": ["home", "public"],
            "expires_at": null,
            "filter_action": "blur"
        },
        "keyword_matches": ["cats"],
        "status_matches": null
    }],
    "reblog": null,
    "application": {"name": "Elk", "website": "https://elk.zone"},
    "media_attachments": [{
        "id": "113257461000000001",
        "type": "image",
        "url": "https://files.example.social/m/original/1.jpg",
        "preview_url": "https://files.example.social/m/small/1.jpg",
        "remote_url": null,
        "preview_remote_url": null,
        "text_url": null,
        "meta": {
            "original": {"width": 1024, "height": 768, "size": "1024x768", "aspect": 1.3333},
            "small": {"width": 400, "height": 300},
            "focus": {"x": 0.0, "y": 0.0}
        },
        "description": "A cat asleep on a keyboard",
        "blurhash": "UKO2?U%2Tw=w]~RBVZRi};RPxuwH%3s8tLOt"
    }],
    "mentions": [{
        "id": "109302521960300000",
        "username": "bob",
        "url": "https://b.example/@bob",
        "acct": "bob@b.example"
    }],
    "tags": [{"name": "rust", "url": "https://example.social/tags/rust"}],
    "emojis": [{
        "shortcode": "blobcat",
        "url": "https://files.example.social/e/blobcat.png",
        "static_url": "https://files.example.social/e/blobcat_s.png",
        "visible_in_picker": true,
        "category": "blobs"
    }],
    "card": {
        "url": "https://blog.example/post",
        "title": "A post",
        "description": "About things",
        "language": "en",
        "type": "link",
        "author_name": "",
        "author_url": "",
        "provider_name": "Blog",
        "provider_url": "",
        "html": "",
        "width": 400,
        "height": 200,
        "image": "https://files.example.social/c/1.png",
        "image_description": "",
        "embed_url": "",
        "blurhash": "UCAd",
        "published_at": null,
        "authors": []
    },
    "poll": {
        "id": "34830",
        "expires_at": "2024-10-09T12:00:00.000Z",
        "expired": false,
        "multiple": true,
        "votes_count": 10,
        "voters_count": 6,
        "voted": true,
        "own_votes": [0, 2],
        "options": [
            {"title": "tabs", "votes_count": 6},
            {"title": "spaces", "votes_count": 1},
            {"title": "both", "votes_count": 3}
        ],
        "emojis": []
    }
}"##;

pub(super) fn mastodon_status() -> serde_json::Value {
    let mut v: serde_json::Value = serde_json::from_str(MASTODON_STATUS).unwrap();
    v["account"] = mastodon_account();
    v
}

pub(super) fn akkoma_status() -> serde_json::Value {
    json!({
        "id": "AbC123xYz",
        "uri": "https://akkoma.example/objects/6b8a1c2d",
        "url": "https://akkoma.example/notice/AbC123xYz",
        "created_at": "2024-10-08T12:00:00.000Z",
        "visibility": "local",
        "sensitive": false,
        "spoiler_text": "",
        "content": "hi <span class=\"h-card\">@dave</span>",
        "in_reply_to_id": "AbC122aaa",
        "in_reply_to_account_id": "9zQ8rB4l0DaVEb0jLE",
        "replies_count": 0,
        "reblogs_count": "3",
        "favourites_count": 1,
        "account": {
            "id": "9zQ8rB4l0DaVEb0jLE",
            "username": "dave",
            "acct": "dave",
            "display_name": "Dave",
            "fqn": "dave@akkoma.example",
            "pleroma": {"is_admin": false, "ap_id": "https://akkoma.example/users/dave"},
            "followers_count": 5,
            "following_count": 7,
            "statuses_count": 99
        },
        "media_attachments": [{
            "id": "1337",
            "type": "image",
            "url": "https://akkoma.example/media/x.png",
            "preview_url": "https://akkoma.example/media/x.png",
            "remote_url": "https://akkoma.example/media/x.png",
            "description": "x",
            "pleroma": {"mime_type": "image/png"}
        }],
        "mentions": [{"id": "A1b2", "username": "erin", "acct": "erin@other.example", "url": "https://other.example/erin"}],
        "tags": [],
        "emojis": [],
        "pleroma": {
            "local": true,
            "conversation_id": 123456,
            "context": "https://akkoma.example/contexts/abc",
            "emoji_reactions": [{"name": "👍", "count": 2, "me": false}],
            "content": {"text/plain": "hi @dave"},
            "expires_at": null,
            "thread_muted": false
        },
        "akkoma": {"source": {"content": "hi @dave", "mediaType": "text/x.misskeymarkdown"}}
    })
}
