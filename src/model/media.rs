//! Media attachments.

use super::*;

string_enum! {
    MediaType, default Unknown {
        Image = "image",
        Video = "video",
        Gifv = "gifv",
        Audio = "audio",
        Unknown = "unknown",
    }
}

#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct MediaAttachment {
    #[serde(deserialize_with = "de::id")]
    pub id: String,
    #[serde(rename = "type", deserialize_with = "de::null_as_default")]
    pub kind: MediaType,
    /// `None` while a remote file is not fetched yet.
    pub url: Option<String>,
    pub preview_url: Option<String>,
    pub remote_url: Option<String>,
    /// Alt text.
    pub description: Option<String>,
    pub blurhash: Option<String>,
    /// Sizes and focus point, kept as the server's JSON text: nothing here reads it, and a
    /// tree of it cost a tenth of a status's decode.
    pub meta: Option<RawJson>,
}

/// A free-form JSON value kept as its text: one allocation, no tree, no recursion (however
/// deep it nests). [`RawJson::value`] parses it when something needs to look inside.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RawJson(Box<serde_json::value::RawValue>);

impl RawJson {
    /// The JSON text, as the server sent it.
    pub fn get(&self) -> &str {
        self.0.get()
    }

    /// The parsed value; `None` when it nests past serde_json's recursion limit.
    pub fn value(&self) -> Option<Value> {
        serde_json::from_str(self.0.get()).ok()
    }
}

impl PartialEq for RawJson {
    fn eq(&self, other: &Self) -> bool {
        self.get() == other.get()
    }
}

#[cfg(test)]
#[path = "media_tests.rs"]
mod tests;
