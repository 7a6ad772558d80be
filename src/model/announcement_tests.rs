use crate::model::fixtures::*;
use crate::model::*;
use serde_json::json;

#[test]
fn announcement_and_reaction_event() {
    let a: Announcement = decode(json!({
        "id": "8",
        "content": "<p>Maintenance tonight, see <a href=\"https://example.social/@admin/1\">this</a> #status</p>",
        "starts_at": null,
        "ends_at": null,
        "all_day": false,
        "published_at": "2024-10-08T12:00:00.000Z",
        "updated_at": "2024-10-08T12:30:00.000Z",
        "read": true,
        "mentions": [{"id": "1", "username": "admin", "url": "https://example.social/@admin", "acct": "admin"}],
        "statuses": [{"id": "1", "url": "https://example.social/@admin/1"}],
        "tags": [{"name": "status", "url": "https://example.social/tags/status"}],
        "emojis": [],
        "reactions": [
            {"name": "bongoCat", "count": 9, "me": false, "url": "https://files.example.social/e/bongo.png", "static_url": "https://files.example.social/e/bongo_s.png"},
            {"name": "🤔", "count": 1, "me": true}
        ]
    }));
    assert_eq!(a.id, "8");
    assert!(a.read && !a.all_day);
    assert_eq!(a.starts_at, None);
    assert_eq!(a.updated_at, "2024-10-08T12:30:00.000Z");
    assert_eq!(a.mentions[0].acct, "admin");
    assert_eq!(a.statuses[0].url, "https://example.social/@admin/1");
    assert_eq!(a.tags[0].name, "status");
    assert_eq!(a.reactions[0].count, 9);
    assert!(a.reactions[0].url.is_some());
    assert_eq!(
        (a.reactions[1].name.as_str(), a.reactions[1].me),
        ("🤔", true)
    );

    // The `announcement.reaction` streaming payload.
    let r: AnnouncementReaction =
        decode_str(r#"{"name":"bongoCat","count":10,"announcement_id":"8"}"#);
    assert_eq!(r.name, "bongoCat");
    assert_eq!(r.count, 10);
    assert_eq!(r.announcement_id.as_deref(), Some("8"));
    assert!(!r.me && r.url.is_none());
}
