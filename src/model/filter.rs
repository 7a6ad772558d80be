//! Server-side (v2) filters and the results the server attaches to statuses.

use super::*;

string_enum! {
    FilterAction, default Warn {
        Warn = "warn",
        Hide = "hide",
        Blur = "blur",
    }
}

string_enum! {
    FilterContext, default Home {
        Home = "home",
        Notifications = "notifications",
        Public = "public",
        Thread = "thread",
        Account = "account",
    }
}

/// A v2 filter.
#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct Filter {
    #[serde(deserialize_with = "de::id")]
    pub id: String,
    #[serde(deserialize_with = "de::null_as_default")]
    pub title: String,
    #[serde(deserialize_with = "de::null_as_default")]
    pub context: Vec<FilterContext>,
    pub expires_at: Option<String>,
    #[serde(deserialize_with = "de::null_as_default")]
    pub filter_action: FilterAction,
    /// Absent inside a [`FilterResult`].
    #[serde(deserialize_with = "de::null_as_default")]
    pub keywords: Vec<FilterKeyword>,
    /// Absent inside a [`FilterResult`].
    #[serde(deserialize_with = "de::null_as_default")]
    pub statuses: Vec<FilterStatus>,
}

#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct FilterKeyword {
    #[serde(deserialize_with = "de::id")]
    pub id: String,
    #[serde(deserialize_with = "de::null_as_default")]
    pub keyword: String,
    #[serde(deserialize_with = "de::null_as_default")]
    pub whole_word: bool,
}

#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct FilterStatus {
    #[serde(deserialize_with = "de::id")]
    pub id: String,
    #[serde(deserialize_with = "de::id")]
    pub status_id: String,
}

#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct FilterResult {
    #[serde(deserialize_with = "de::null_as_default")]
    pub filter: Filter,
    pub keyword_matches: Option<Vec<String>>,
    pub status_matches: Option<Vec<String>>,
}

/// A v1 filter: one phrase. All Pleroma and Akkoma have (and GoToSocial before 0.16): taken
/// as the v2 filter it stands for, so that it is matched here as the server would.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(default)]
pub struct FilterV1 {
    #[serde(deserialize_with = "de::id")]
    pub id: String,
    #[serde(deserialize_with = "de::null_as_default")]
    pub phrase: String,
    #[serde(deserialize_with = "de::null_as_default")]
    pub context: Vec<FilterContext>,
    pub expires_at: Option<String>,
    /// Dropped by the server from home and notifications; hidden here everywhere.
    #[serde(deserialize_with = "de::null_as_default")]
    pub irreversible: bool,
    #[serde(deserialize_with = "de::null_as_default")]
    pub whole_word: bool,
}

impl From<FilterV1> for Filter {
    fn from(v1: FilterV1) -> Filter {
        Filter {
            keywords: vec![FilterKeyword {
                id: v1.id.clone(),
                keyword: v1.phrase.clone(),
                whole_word: v1.whole_word,
            }],
            id: v1.id,
            title: v1.phrase,
            context: v1.context,
            expires_at: v1.expires_at,
            filter_action: if v1.irreversible {
                FilterAction::Hide
            } else {
                FilterAction::Warn
            },
            statuses: Vec::new(),
        }
    }
}

#[cfg(test)]
#[path = "filter_tests.rs"]
mod tests;
