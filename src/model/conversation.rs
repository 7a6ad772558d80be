//! Direct conversations.

use super::*;

#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct Conversation {
    #[serde(deserialize_with = "de::id")]
    pub id: String,
    #[serde(deserialize_with = "de::null_as_default")]
    pub unread: bool,
    #[serde(deserialize_with = "de::null_as_default")]
    pub accounts: Vec<Account>,
    pub last_status: Option<Box<Status>>,
    #[serde(skip)]
    pub server_json: ServerJson,
}

impl KeepsServerJson for Conversation {
    fn server_json_mut(&mut self) -> &mut ServerJson {
        &mut self.server_json
    }
}

#[cfg(test)]
#[path = "conversation_tests.rs"]
mod tests;
