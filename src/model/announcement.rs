//! Server announcements and their reactions.

use super::*;

#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct Announcement {
    #[serde(deserialize_with = "de::id")]
    pub id: String,
    /// HTML.
    #[serde(deserialize_with = "de::null_as_default")]
    pub content: String,
    pub starts_at: Option<String>,
    pub ends_at: Option<String>,
    #[serde(deserialize_with = "de::null_as_default")]
    pub all_day: bool,
    #[serde(deserialize_with = "de::null_as_default")]
    pub published_at: String,
    #[serde(deserialize_with = "de::null_as_default")]
    pub updated_at: String,
    #[serde(deserialize_with = "de::null_as_default")]
    pub read: bool,
    #[serde(deserialize_with = "de::null_as_default")]
    pub mentions: Vec<Mention>,
    #[serde(deserialize_with = "de::null_as_default")]
    pub statuses: Vec<AnnouncementStatus>,
    #[serde(deserialize_with = "de::null_as_default")]
    pub tags: Vec<Tag>,
    #[serde(deserialize_with = "de::null_as_default")]
    pub emojis: Vec<CustomEmoji>,
    #[serde(deserialize_with = "de::null_as_default")]
    pub reactions: Vec<AnnouncementReaction>,
}

/// A status linked from an announcement.
#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct AnnouncementStatus {
    #[serde(deserialize_with = "de::id")]
    pub id: String,
    #[serde(deserialize_with = "de::null_as_default")]
    pub url: String,
}

/// A reaction in an [`Announcement`], and also the payload of the `announcement.reaction`
/// streaming event (`{name, count, announcement_id}`).
#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct AnnouncementReaction {
    /// A Unicode emoji or a custom emoji's shortcode.
    #[serde(deserialize_with = "de::null_as_default")]
    pub name: String,
    #[serde(deserialize_with = "de::count")]
    pub count: u64,
    #[serde(deserialize_with = "de::null_as_default")]
    pub me: bool,
    /// Custom emoji only.
    pub url: Option<String>,
    pub static_url: Option<String>,
    /// Streaming event only.
    #[serde(deserialize_with = "de::opt_id")]
    pub announcement_id: Option<String>,
}

#[cfg(test)]
#[path = "announcement_tests.rs"]
mod tests;
