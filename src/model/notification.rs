//! Notifications.

use super::*;

string_enum! {
    NotificationType, default Mention {
        Mention = "mention",
        Status = "status",
        Reblog = "reblog",
        Follow = "follow",
        FollowRequest = "follow_request",
        Favourite = "favourite",
        Poll = "poll",
        Update = "update",
        AdminSignUp = "admin.sign_up",
        AdminReport = "admin.report",
        SeveredRelationships = "severed_relationships",
        ModerationWarning = "moderation_warning",
    }
}

#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct Notification {
    #[serde(deserialize_with = "de::id")]
    pub id: String,
    #[serde(rename = "type", deserialize_with = "de::null_as_default")]
    pub kind: NotificationType,
    #[serde(deserialize_with = "de::null_as_default")]
    pub created_at: String,
    #[serde(deserialize_with = "de::null_as_default")]
    pub account: Account,
    pub status: Option<Box<Status>>,
    pub report: Option<Value>,
    pub relationship_severance_event: Option<Value>,
    pub moderation_warning: Option<Value>,
    pub group_key: Option<String>,
    /// The reaction of a Pleroma/Akkoma `pleroma:emoji_reaction` notification.
    pub emoji: Option<String>,
    #[serde(skip)]
    pub server_json: ServerJson,
}

impl KeepsServerJson for Notification {
    fn server_json_mut(&mut self) -> &mut ServerJson {
        &mut self.server_json
    }
}

#[cfg(test)]
#[path = "notification_tests.rs"]
mod tests;
