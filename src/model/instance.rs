//! What a server says about itself.

use super::*;

/// What a client needs from `GET /api/v2/instance` or `GET /api/v1/instance`; one struct
/// decodes either.
#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct Instance {
    /// v2.
    pub domain: Option<String>,
    /// v1 (a bare domain on Mastodon).
    pub uri: Option<String>,
    #[serde(deserialize_with = "de::null_as_default")]
    pub title: String,
    #[serde(deserialize_with = "de::null_as_default")]
    pub version: String,
    /// v2: where the server's code lives, which names the software.
    pub source_url: Option<String>,
    /// v1.
    #[serde(deserialize_with = "de::null_as_default")]
    pub urls: InstanceUrls,
    #[serde(deserialize_with = "de::null_as_default")]
    pub configuration: InstanceConfiguration,
    /// Pleroma/Akkoma v1.
    #[serde(deserialize_with = "de::opt_count")]
    pub max_toot_chars: Option<u64>,
}

impl Instance {
    /// The streaming server's base URL (`wss://…`), when the server names one.
    pub(crate) fn streaming_url(&self) -> Option<&str> {
        [&self.configuration.urls.streaming, &self.urls.streaming_api]
            .into_iter()
            .flatten()
            .map(|s| s.trim())
            .find(|s| !s.is_empty())
    }

    /// The v2 `domain`, else the v1 `uri`.
    pub fn host(&self) -> Option<&str> {
        self.domain.as_deref().or(self.uri.as_deref())
    }

    pub fn max_characters(&self) -> Option<u64> {
        self.configuration
            .statuses
            .max_characters
            .or(self.max_toot_chars)
    }
}

#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct InstanceConfiguration {
    /// v2.
    #[serde(deserialize_with = "de::null_as_default")]
    pub urls: InstanceUrls,
    #[serde(deserialize_with = "de::null_as_default")]
    pub statuses: StatusesConfiguration,
    /// Mastodon 4.5: who may see live and hashtag feeds; kept as sent.
    pub timelines_access: Option<Value>,
}

#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct InstanceUrls {
    /// v2 `configuration.urls.streaming`.
    pub streaming: Option<String>,
    /// v1 `urls.streaming_api`.
    pub streaming_api: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Default, Deserialize, Serialize)]
#[serde(default)]
pub struct StatusesConfiguration {
    #[serde(deserialize_with = "de::opt_count")]
    pub max_characters: Option<u64>,
}

#[cfg(test)]
#[path = "instance_tests.rs"]
mod tests;
