//! Accounts, their profile fields, and lists of them.

use super::*;

#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct Account {
    #[serde(deserialize_with = "de::id")]
    pub id: String,
    #[serde(deserialize_with = "de::null_as_default")]
    pub username: String,
    /// `user` for local accounts, `user@domain` for remote ones.
    #[serde(deserialize_with = "de::null_as_default")]
    pub acct: String,
    #[serde(deserialize_with = "de::null_as_default")]
    pub display_name: String,
    #[serde(deserialize_with = "de::null_as_default")]
    pub url: String,
    #[serde(deserialize_with = "de::null_as_default")]
    pub uri: String,
    #[serde(deserialize_with = "de::null_as_default")]
    pub avatar: String,
    #[serde(deserialize_with = "de::null_as_default")]
    pub avatar_static: String,
    #[serde(deserialize_with = "de::null_as_default")]
    pub header: String,
    #[serde(deserialize_with = "de::null_as_default")]
    pub header_static: String,
    /// HTML.
    #[serde(deserialize_with = "de::null_as_default")]
    pub note: String,
    #[serde(deserialize_with = "de::null_as_default")]
    pub bot: bool,
    #[serde(deserialize_with = "de::null_as_default")]
    pub locked: bool,
    #[serde(deserialize_with = "de::null_as_default")]
    pub group: bool,
    pub discoverable: Option<bool>,
    #[serde(deserialize_with = "de::null_as_default")]
    pub emojis: Vec<CustomEmoji>,
    #[serde(deserialize_with = "de::null_as_default")]
    pub fields: Vec<AccountField>,
    #[serde(deserialize_with = "de::count")]
    pub followers_count: u64,
    #[serde(deserialize_with = "de::count")]
    pub following_count: u64,
    #[serde(deserialize_with = "de::count")]
    pub statuses_count: u64,
    #[serde(deserialize_with = "de::null_as_default")]
    pub created_at: String,
    pub last_status_at: Option<String>,
    #[serde(deserialize_with = "de::nested")]
    pub moved: Option<Box<Account>>,
}

impl Account {
    /// The display name, or the username when the display name is blank (as it often is).
    pub(crate) fn display_name_or_username(&self) -> &str {
        [&self.display_name, &self.username, &self.acct]
            .into_iter()
            .find(|s| !s.trim().is_empty())
            .map_or("", |s| s.as_str())
    }
}

/// A profile metadata row.
#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct AccountField {
    #[serde(deserialize_with = "de::null_as_default")]
    pub name: String,
    /// HTML.
    #[serde(deserialize_with = "de::null_as_default")]
    pub value: String,
    pub verified_at: Option<String>,
}

/// A list of accounts (`GET /api/v1/lists`).
#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct List {
    #[serde(deserialize_with = "de::id")]
    pub id: String,
    #[serde(deserialize_with = "de::null_as_default")]
    pub title: String,
}

#[cfg(test)]
#[path = "account_tests.rs"]
mod tests;
