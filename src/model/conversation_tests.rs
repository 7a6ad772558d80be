use crate::model::fixtures::*;
use crate::model::*;
use serde_json::json;

#[test]
fn conversation() {
    let c: Conversation = decode(json!({
        "id": "418450",
        "unread": true,
        "accounts": [mastodon_account()],
        "last_status": mastodon_status()
    }));
    assert_eq!(c.id, "418450");
    assert!(c.unread);
    assert_eq!(c.accounts[0].username, "alice");
    assert_eq!(c.last_status.unwrap().id, "113257461720347655");

    let c: Conversation =
        decode(json!({"id": 7, "unread": null, "accounts": null, "last_status": null}));
    assert_eq!(c.id, "7");
    assert!(!c.unread && c.accounts.is_empty() && c.last_status.is_none());
}
