//! Mastodon's markers (`/api/v1/markers`): where the account last read its home timeline and
//! its notifications, shared by every client of the account. Reading needs `read:statuses`;
//! writing needs `write:statuses` (docs/cli.md, "Read positions").

use serde::Deserialize;

use super::{Api, ApiError, read_json};
use crate::http::describe_reqwest;

/// The last read ids the server keeps; `None` where it keeps none (or cannot say).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Markers {
    pub home: Option<String>,
    pub notifications: Option<String>,
}

#[derive(Deserialize)]
struct Marker {
    #[serde(default, deserialize_with = "crate::model::de::opt_id")]
    last_read_id: Option<String>,
}

#[derive(Deserialize)]
struct Answer {
    // A marker that does not decode is as good as none: the local position stands.
    #[serde(default, deserialize_with = "lenient")]
    home: Option<Marker>,
    #[serde(default, deserialize_with = "lenient")]
    notifications: Option<Marker>,
}

impl Answer {
    fn markers(self) -> Markers {
        let id = |m: Option<Marker>| m.and_then(|m| m.last_read_id).filter(|id| !id.is_empty());
        Markers {
            home: id(self.home),
            notifications: id(self.notifications),
        }
    }
}

fn lenient<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Marker>, D::Error> {
    let value = serde_json::Value::deserialize(d)?;
    Ok(serde_json::from_value(value).ok())
}

/// Whether scopes as the token store keeps them (separated by spaces) let a token write
/// markers.
pub fn scopes_write_markers(scopes: &str) -> bool {
    scopes
        .split_whitespace()
        .any(|s| matches!(s, "write" | "write:statuses"))
}

impl Api {
    /// `GET /api/v1/markers` for home and notifications.
    pub(crate) async fn markers(&self) -> Result<Markers, ApiError> {
        let query = [
            ("timeline[]", "home".to_string()),
            ("timeline[]", "notifications".to_string()),
        ];
        let (answer, _) = self.limited_get::<Answer>("api/v1/markers", &query).await?;
        Ok(answer.markers())
    }

    /// `POST /api/v1/markers` with the positions that moved.
    pub(crate) async fn save_markers(&self, markers: &Markers) -> Result<(), ApiError> {
        let mut form = Vec::new();
        if let Some(id) = &markers.home {
            form.push(("home[last_read_id]", id.as_str()));
        }
        if let Some(id) = &markers.notifications {
            form.push(("notifications[last_read_id]", id.as_str()));
        }
        if form.is_empty() {
            return Ok(());
        }
        let request = self
            .http
            .post(self.url("api/v1/markers"))
            .timeout(self.timeout)
            .form(&form);
        let response = self
            .authed(request)
            .send()
            .await
            .map_err(|e| ApiError::Network(describe_reqwest(e)))?;
        read_json::<serde_json::Value>(response).await.map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(json: &str) -> Markers {
        serde_json::from_str::<Answer>(json).unwrap().markers()
    }

    #[test]
    fn markers_decode_as_servers_send_them() {
        let m = parse(
            r#"{"home":{"last_read_id":"103194548672408537","version":462,"updated_at":"2019-11-24T19:39:39.337Z"},
                "notifications":{"last_read_id":"35098814","version":361,"updated_at":"2019-11-26T22:37:25.239Z"}}"#,
        );
        assert_eq!(m.home.as_deref(), Some("103194548672408537"));
        assert_eq!(m.notifications.as_deref(), Some("35098814"));
        // None kept yet, a number for an id, a marker that is not one.
        assert_eq!(parse("{}"), Markers::default());
        assert_eq!(
            parse(r#"{"home":{"last_read_id":42},"notifications":"x"}"#).home,
            Some("42".into())
        );
        assert_eq!(
            parse(r#"{"notifications":{"last_read_id":""}}"#),
            Markers::default()
        );
        let long = format!(r#"{{"home":{{"last_read_id":"{}"}}}}"#, "9".repeat(300));
        assert_eq!(parse(&long).home, None);
    }

    #[test]
    fn only_write_scopes_write_markers() {
        assert!(scopes_write_markers("read write:statuses"));
        assert!(scopes_write_markers(" read  write "));
        assert!(!scopes_write_markers("read"));
        assert!(!scopes_write_markers("read write:notifications follow"));
        assert!(!scopes_write_markers(""));
    }
}
