use crate::model::fixtures::*;
use crate::model::*;
use serde_json::json;

#[test]
fn pleroma_emoji_reaction_notification() {
    let n: Notification = decode(json!({
        "id": "1234",
        "type": "pleroma:emoji_reaction",
        "created_at": "2024-10-08T12:00:00.000Z",
        "emoji": "🔥",
        "emoji_url": null,
        "account": {"id": "9zQ8rB4l0DaVEb0jLE", "username": "dave", "acct": "dave"},
        "status": akkoma_status(),
        "pleroma": {"is_seen": false, "is_muted": false}
    }));
    assert_eq!(
        n.kind,
        NotificationType::Other("pleroma:emoji_reaction".into())
    );
    assert_eq!(n.kind.as_str(), "pleroma:emoji_reaction");
    assert_eq!(n.emoji.as_deref(), Some("🔥"));
    assert_eq!(n.status.as_ref().unwrap().id, "AbC123xYz");
}

#[test]
fn every_notification_type() {
    let known = [
        ("mention", NotificationType::Mention),
        ("status", NotificationType::Status),
        ("reblog", NotificationType::Reblog),
        ("follow", NotificationType::Follow),
        ("follow_request", NotificationType::FollowRequest),
        ("favourite", NotificationType::Favourite),
        ("poll", NotificationType::Poll),
        ("update", NotificationType::Update),
        ("admin.sign_up", NotificationType::AdminSignUp),
        ("admin.report", NotificationType::AdminReport),
        (
            "severed_relationships",
            NotificationType::SeveredRelationships,
        ),
        ("moderation_warning", NotificationType::ModerationWarning),
        ("quote", NotificationType::Other("quote".into())),
    ];
    for (text, kind) in known {
        let n: Notification = decode(json!({
            "id": "900",
            "type": text,
            "created_at": "2024-10-08T12:00:00.000Z",
            "account": {"id": "1", "username": "u", "acct": "u"}
        }));
        assert_eq!(n.kind, kind);
        assert_eq!(n.kind.as_str(), text);
        assert_eq!(serde_json::to_value(&n).unwrap()["type"], text);
    }
}

#[test]
fn mastodon_notifications_with_extras() {
    let n: Notification = decode(json!({
        "id": "34975861",
        "type": "mention",
        "group_key": "ungrouped-34975861",
        "created_at": "2024-10-08T12:00:00.000Z",
        "account": mastodon_account(),
        "status": mastodon_status()
    }));
    assert_eq!(n.kind, NotificationType::Mention);
    assert_eq!(n.group_key.as_deref(), Some("ungrouped-34975861"));
    assert_eq!(n.status.unwrap().poll.unwrap().options.len(), 3);

    let n: Notification = decode(json!({
        "id": "38",
        "type": "severed_relationships",
        "created_at": "2024-10-08T12:00:00.000Z",
        "account": mastodon_account(),
        "relationship_severance_event": {
            "id": "1", "type": "domain_block", "purged": false, "target_name": "bad.example",
            "followers_count": 1, "following_count": 2, "created_at": "2024-10-08T12:00:00.000Z"
        }
    }));
    assert_eq!(n.kind, NotificationType::SeveredRelationships);
    assert_eq!(
        n.relationship_severance_event.unwrap()["target_name"],
        "bad.example"
    );
    assert!(n.status.is_none());

    let n: Notification = decode(json!({
        "id": "39",
        "type": "moderation_warning",
        "created_at": "2024-10-08T12:00:00.000Z",
        "account": mastodon_account(),
        "moderation_warning": {"id": "2", "action": "silence", "text": "", "status_ids": [], "target_account": mastodon_account(), "appeal": null, "created_at": "2024-10-08T12:00:00.000Z"}
    }));
    assert_eq!(n.moderation_warning.unwrap()["action"], "silence");

    let n: Notification = decode(json!({
        "id": "40",
        "type": "admin.report",
        "created_at": "2024-10-08T12:00:00.000Z",
        "account": mastodon_account(),
        "report": {"id": "3", "action_taken": false, "category": "spam", "comment": "", "status_ids": null}
    }));
    assert_eq!(n.kind, NotificationType::AdminReport);
    assert_eq!(n.report.unwrap()["category"], "spam");
}
