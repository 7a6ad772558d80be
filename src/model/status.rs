//! Statuses and what they carry: polls, tags, mentions, custom emoji, link previews.

use super::*;

string_enum! {
    Visibility, default Public {
        Public = "public",
        Unlisted = "unlisted",
        Private = "private",
        Direct = "direct",
    }
}

#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct Status {
    #[serde(deserialize_with = "de::id")]
    pub id: String,
    #[serde(deserialize_with = "de::null_as_default")]
    pub uri: String,
    pub url: Option<String>,
    #[serde(deserialize_with = "de::null_as_default")]
    pub created_at: String,
    pub edited_at: Option<String>,
    #[serde(deserialize_with = "de::null_as_default")]
    pub account: Account,
    /// HTML.
    #[serde(deserialize_with = "de::null_as_default")]
    pub content: String,
    #[serde(deserialize_with = "de::null_as_default")]
    pub spoiler_text: String,
    #[serde(deserialize_with = "de::null_as_default")]
    pub sensitive: bool,
    #[serde(deserialize_with = "de::null_as_default")]
    pub visibility: Visibility,
    #[serde(deserialize_with = "de::opt_id")]
    pub in_reply_to_id: Option<String>,
    #[serde(deserialize_with = "de::opt_id")]
    pub in_reply_to_account_id: Option<String>,
    #[serde(deserialize_with = "de::nested")]
    pub reblog: Option<Box<Status>>,
    #[serde(deserialize_with = "de::null_as_default")]
    pub media_attachments: Vec<MediaAttachment>,
    #[serde(deserialize_with = "de::null_as_default")]
    pub mentions: Vec<Mention>,
    #[serde(deserialize_with = "de::null_as_default")]
    pub tags: Vec<Tag>,
    #[serde(deserialize_with = "de::null_as_default")]
    pub emojis: Vec<CustomEmoji>,
    // Boxed: most posts have neither, and a smaller status (under a kilobyte) stays in the
    // allocator's per-thread cache, which a firehose allocates and frees one per event from.
    pub poll: Option<Box<Poll>>,
    pub card: Option<Box<Card>>,
    #[serde(deserialize_with = "de::count")]
    pub replies_count: u64,
    #[serde(deserialize_with = "de::count")]
    pub reblogs_count: u64,
    #[serde(deserialize_with = "de::count")]
    pub favourites_count: u64,
    pub language: Option<String>,
    /// Filters of the viewer that matched (sent on authenticated timelines and streams).
    #[serde(deserialize_with = "de::null_as_default")]
    pub filtered: Vec<FilterResult>,
    pub favourited: Option<bool>,
    pub reblogged: Option<bool>,
    pub bookmarked: Option<bool>,
    pub application: Option<Application>,
    #[serde(skip)]
    pub server_json: ServerJson,
}

impl KeepsServerJson for Status {
    fn server_json_mut(&mut self) -> &mut ServerJson {
        &mut self.server_json
    }
}

impl Status {
    /// The status that was boosted, or this one when it is not a boost.
    pub fn original(&self) -> &Status {
        self.reblog.as_deref().unwrap_or(self)
    }
}

#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct Application {
    #[serde(deserialize_with = "de::null_as_default")]
    pub name: String,
    pub website: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct Poll {
    #[serde(deserialize_with = "de::id")]
    pub id: String,
    pub expires_at: Option<String>,
    #[serde(deserialize_with = "de::null_as_default")]
    pub expired: bool,
    #[serde(deserialize_with = "de::null_as_default")]
    pub multiple: bool,
    #[serde(deserialize_with = "de::count")]
    pub votes_count: u64,
    /// `None` on single-choice polls of some servers.
    #[serde(deserialize_with = "de::opt_count")]
    pub voters_count: Option<u64>,
    #[serde(deserialize_with = "de::null_as_default")]
    pub options: Vec<PollOption>,
    #[serde(deserialize_with = "de::null_as_default")]
    pub emojis: Vec<CustomEmoji>,
    pub voted: Option<bool>,
    pub own_votes: Option<Vec<u32>>,
}

#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct PollOption {
    #[serde(deserialize_with = "de::null_as_default")]
    pub title: String,
    /// `None` while the results are hidden.
    #[serde(deserialize_with = "de::opt_count")]
    pub votes_count: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct Tag {
    #[serde(deserialize_with = "de::null_as_default")]
    pub name: String,
    #[serde(deserialize_with = "de::null_as_default")]
    pub url: String,
    pub history: Option<Vec<TagHistory>>,
}

/// Daily use of a tag; Mastodon sends these numbers as strings.
#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct TagHistory {
    /// UNIX timestamp of the day's midnight.
    #[serde(deserialize_with = "de::id")]
    pub day: String,
    #[serde(deserialize_with = "de::count")]
    pub uses: u64,
    #[serde(deserialize_with = "de::count")]
    pub accounts: u64,
}

#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct Mention {
    #[serde(deserialize_with = "de::id")]
    pub id: String,
    #[serde(deserialize_with = "de::null_as_default")]
    pub username: String,
    #[serde(deserialize_with = "de::null_as_default")]
    pub url: String,
    #[serde(deserialize_with = "de::null_as_default")]
    pub acct: String,
}

#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct CustomEmoji {
    #[serde(deserialize_with = "de::null_as_default")]
    pub shortcode: String,
    #[serde(deserialize_with = "de::null_as_default")]
    pub url: String,
    #[serde(deserialize_with = "de::null_as_default")]
    pub static_url: String,
    #[serde(deserialize_with = "de::null_as_default")]
    pub visible_in_picker: bool,
    pub category: Option<String>,
}

/// A link preview.
#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct Card {
    #[serde(deserialize_with = "de::null_as_default")]
    pub url: String,
    #[serde(deserialize_with = "de::null_as_default")]
    pub title: String,
    #[serde(deserialize_with = "de::null_as_default")]
    pub description: String,
    /// `link`, `photo`, `video` or `rich`.
    #[serde(rename = "type", deserialize_with = "de::null_as_default")]
    pub kind: String,
    #[serde(deserialize_with = "de::null_as_default")]
    pub author_name: String,
    #[serde(deserialize_with = "de::null_as_default")]
    pub author_url: String,
    #[serde(deserialize_with = "de::null_as_default")]
    pub provider_name: String,
    #[serde(deserialize_with = "de::null_as_default")]
    pub provider_url: String,
    pub image: Option<String>,
    pub image_description: Option<String>,
    pub blurhash: Option<String>,
}

#[cfg(test)]
#[path = "status_tests.rs"]
mod tests;
