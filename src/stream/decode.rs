//! From an event name and its payload text (however the transport framed them) to one
//! `StreamEvent`. Both transports end here, so both decode alike.
//!
//! ```
//! use tootwatch::stream::StreamEvent;
//! use tootwatch::stream::decode::{WsFrame, decode_event, parse_ws_frame};
//!
//! let frame = r#"{"stream":["public"],"event":"delete","payload":"113000000000000001"}"#;
//! let WsFrame::Event { name, payload } = parse_ws_frame(frame).unwrap() else { panic!() };
//! let event = decode_event(&name, payload.as_deref()).unwrap();
//! assert_eq!(event, StreamEvent::Delete("113000000000000001".into()));
//! ```

use serde::Deserialize;
use serde_json::value::RawValue;

use super::StreamEvent;

#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    #[error("`{event}` payload is not valid: {source}")]
    Payload {
        event: String,
        source: serde_json::Error,
    },
    #[error("`{event}` without the payload it needs")]
    MissingPayload { event: String },
    #[error("the frame is not a JSON object of the streaming API: {0}")]
    Frame(serde_json::Error),
    #[error("the frame names no event")]
    NoEvent,
    #[error("`{event}` with an id of {bytes} bytes")]
    IdTooLong { event: String, bytes: usize },
}

/// The payload as a server sent it, made uniform: `None` for absent, empty or `undefined`.
pub(crate) fn normalise_payload(payload: Option<&str>) -> Option<&str> {
    let p = payload?.trim_matches(|c: char| c.is_ascii_whitespace());
    if p.is_empty() || p == "undefined" || p == "null" {
        None
    } else {
        Some(p)
    }
}

/// Decodes one event. `payload` is the text of the payload (JSON text for entities, a bare id
/// for deletes), already taken out of its transport framing.
pub fn decode_event(name: &str, payload: Option<&str>) -> Result<StreamEvent, DecodeError> {
    let payload = normalise_payload(payload);
    fn json<'a, T: Deserialize<'a>>(
        name: &str,
        payload: Option<&'a str>,
    ) -> Result<T, DecodeError> {
        let text = payload.ok_or_else(|| DecodeError::MissingPayload {
            event: name.to_string(),
        })?;
        serde_json::from_str(text).map_err(|source| DecodeError::Payload {
            event: name.to_string(),
            source,
        })
    }
    let id = |payload: Option<&str>| -> Result<String, DecodeError> {
        let text = payload.ok_or_else(|| DecodeError::MissingPayload {
            event: name.to_string(),
        })?;
        // A bare id; some servers quote it as a JSON string.
        let id = match serde_json::from_str::<String>(text) {
            Ok(s) => s,
            Err(_) => text.to_string(),
        };
        // Deleted ids are remembered (by count): each must stay small.
        if id.len() > crate::model::de::MAX_ID_BYTES {
            return Err(DecodeError::IdTooLong {
                event: name.to_string(),
                bytes: id.len(),
            });
        }
        Ok(id)
    };
    Ok(match name {
        "update" => StreamEvent::Update(Box::new(json(name, payload)?)),
        "status.update" => StreamEvent::StatusUpdate(Box::new(json(name, payload)?)),
        "delete" => StreamEvent::Delete(id(payload)?),
        "notification" => StreamEvent::Notification(Box::new(json(name, payload)?)),
        "conversation" => StreamEvent::Conversation(Box::new(json(name, payload)?)),
        "filters_changed" => StreamEvent::FiltersChanged,
        "announcement" => StreamEvent::Announcement(Box::new(json(name, payload)?)),
        "announcement.reaction" => StreamEvent::AnnouncementReaction(json(name, payload)?),
        "announcement.delete" => StreamEvent::AnnouncementDelete(id(payload)?),
        "notifications_merged" => StreamEvent::NotificationsMerged,
        _ => StreamEvent::Unknown {
            name: name.to_string(),
            payload: payload.map(str::to_string),
        },
    })
}

/// One WebSocket text frame of the streaming API, before its payload is decoded.
#[derive(Debug, PartialEq)]
pub enum WsFrame {
    Event {
        name: String,
        /// The payload text: a JSON string's contents, or the raw JSON of an object.
        payload: Option<String>,
    },
    /// `{"error":"Unknown stream type","status":400}`
    Error {
        message: String,
        status: Option<u16>,
    },
}

/// The frame with a payload that is a JSON string (Mastodon's form, nearly every frame): the
/// string is unescaped in the same pass that reads the frame.
#[derive(Deserialize)]
struct TextFrame {
    #[serde(default)]
    event: Option<String>,
    #[serde(default)]
    payload: Option<PayloadText>,
    #[serde(default)]
    error: Option<serde_json::Value>,
}

/// A payload read as text, or a note that it was something else (an object, a number).
enum PayloadText {
    Text(String),
    Null,
    Other,
}

impl<'de> Deserialize<'de> for PayloadText {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = PayloadText;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a payload")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<PayloadText, E> {
                Ok(PayloadText::Text(v.to_owned()))
            }
            fn visit_string<E: serde::de::Error>(self, v: String) -> Result<PayloadText, E> {
                Ok(PayloadText::Text(v))
            }
            fn visit_unit<E: serde::de::Error>(self) -> Result<PayloadText, E> {
                Ok(PayloadText::Null)
            }
            fn visit_none<E: serde::de::Error>(self) -> Result<PayloadText, E> {
                Ok(PayloadText::Null)
            }
            fn visit_bool<E: serde::de::Error>(self, _: bool) -> Result<PayloadText, E> {
                Ok(PayloadText::Other)
            }
            fn visit_i64<E: serde::de::Error>(self, _: i64) -> Result<PayloadText, E> {
                Ok(PayloadText::Other)
            }
            fn visit_u64<E: serde::de::Error>(self, _: u64) -> Result<PayloadText, E> {
                Ok(PayloadText::Other)
            }
            fn visit_f64<E: serde::de::Error>(self, _: f64) -> Result<PayloadText, E> {
                Ok(PayloadText::Other)
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut a: A,
            ) -> Result<PayloadText, A::Error> {
                while a.next_element::<serde::de::IgnoredAny>()?.is_some() {}
                Ok(PayloadText::Other)
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut a: A,
            ) -> Result<PayloadText, A::Error> {
                while a
                    .next_entry::<serde::de::IgnoredAny, serde::de::IgnoredAny>()?
                    .is_some()
                {}
                Ok(PayloadText::Other)
            }
        }
        d.deserialize_any(Visitor)
    }
}

/// The frame in any shape: the payload kept as the raw JSON text it was sent as.
#[derive(Deserialize)]
struct RawFrame<'a> {
    #[serde(default)]
    event: Option<String>,
    #[serde(default, borrow)]
    payload: Option<&'a RawValue>,
    #[serde(default)]
    error: Option<serde_json::Value>,
    #[serde(default)]
    status: Option<serde_json::Value>,
}

/// Parses a text frame. The payload may be a string holding JSON (Mastodon), an object
/// (some servers), an empty string, `null` or absent; trailing whitespace is allowed.
pub fn parse_ws_frame(text: &str) -> Result<WsFrame, DecodeError> {
    // Nearly every frame has the one shape the scanner reads in one pass.
    match super::scan::scan_ws_frame(text) {
        Some(frame) => Ok(frame),
        None => parse_ws_frame_with_serde(text),
    }
}

/// `parse_ws_frame` without the scanner: every shape, through serde (public for the fuzzing
/// checks, which hold the scanner to the same results).
pub(crate) fn parse_ws_frame_with_serde(text: &str) -> Result<WsFrame, DecodeError> {
    // One pass over the frame for Mastodon's string payloads; other shapes (an object
    // payload, an error frame) are read again, rarely.
    if let Ok(TextFrame {
        event: Some(name),
        payload,
        error: None,
    }) = serde_json::from_str::<TextFrame>(text)
        && !name.is_empty()
    {
        match payload {
            None | Some(PayloadText::Null) => {
                return Ok(WsFrame::Event {
                    name,
                    payload: None,
                });
            }
            Some(PayloadText::Text(p)) => {
                return Ok(WsFrame::Event {
                    name,
                    payload: Some(p),
                });
            }
            Some(PayloadText::Other) => {}
        }
    }
    let raw: RawFrame<'_> = serde_json::from_str(text).map_err(DecodeError::Frame)?;
    if let Some(error) = raw.error {
        let message = match error {
            serde_json::Value::String(s) => s,
            other => other.to_string(),
        };
        let status = raw.status.and_then(|s| match s {
            serde_json::Value::Number(n) => n.as_u64().and_then(|n| u16::try_from(n).ok()),
            serde_json::Value::String(s) => s.parse().ok(),
            _ => None,
        });
        return Ok(WsFrame::Error { message, status });
    }
    let name = raw
        .event
        .filter(|e| !e.is_empty())
        .ok_or(DecodeError::NoEvent)?;
    let payload = match raw.payload {
        None => None,
        Some(p) => {
            let text = p.get();
            if text.starts_with('"') {
                Some(serde_json::from_str::<String>(text).map_err(DecodeError::Frame)?)
            } else if text == "null" {
                None
            } else {
                Some(text.to_string())
            }
        }
    };
    Ok(WsFrame::Event { name, payload })
}

#[cfg(test)]
mod tests {
    use super::*;

    const STATUS: &str = r#"{"id":"113000000000000001","created_at":"2026-11-28T10:00:00.000Z","content":"<p>hi</p>","account":{"id":"1","username":"alice","acct":"alice@example.com","display_name":"Alice"},"visibility":"public","media_attachments":[],"mentions":[],"tags":[{"name":"rust","url":"https://example.com/tags/rust"}],"emojis":[]}"#;

    #[test]
    fn every_event_type_of_servers_md() {
        assert!(
            matches!(decode_event("update", Some(STATUS)).unwrap(), StreamEvent::Update(s) if s.id == "113000000000000001")
        );
        assert!(
            matches!(decode_event("status.update", Some(STATUS)).unwrap(), StreamEvent::StatusUpdate(s) if s.tags[0].name == "rust")
        );
        assert!(
            matches!(decode_event("delete", Some("113000000000000001")).unwrap(), StreamEvent::Delete(id) if id == "113000000000000001")
        );
        assert!(
            matches!(decode_event("delete", Some("\"AbC\"")).unwrap(), StreamEvent::Delete(id) if id == "AbC")
        );
        let notif = format!(
            r#"{{"id":"5","type":"mention","created_at":"2026-11-28T10:00:00Z","account":{{"id":"2","username":"bob","acct":"bob"}},"status":{STATUS}}}"#
        );
        assert!(
            matches!(decode_event("notification", Some(&notif)).unwrap(), StreamEvent::Notification(n) if n.status.is_some())
        );
        let conv = format!(r#"{{"id":"9","unread":true,"accounts":[],"last_status":{STATUS}}}"#);
        assert!(
            matches!(decode_event("conversation", Some(&conv)).unwrap(), StreamEvent::Conversation(c) if c.id == "9")
        );
        for p in [None, Some(""), Some("undefined"), Some("null")] {
            assert!(matches!(
                decode_event("filters_changed", p).unwrap(),
                StreamEvent::FiltersChanged
            ));
        }
        let ann = r#"{"id":"3","content":"<p>Maintenance</p>","starts_at":null,"ends_at":null,"all_day":false,"published_at":"2026-11-28T10:00:00Z","updated_at":"2026-11-28T10:00:00Z","mentions":[],"statuses":[],"tags":[],"emojis":[],"reactions":[]}"#;
        assert!(
            matches!(decode_event("announcement", Some(ann)).unwrap(), StreamEvent::Announcement(a) if a.id == "3")
        );
        let reaction = r#"{"name":"👍","count":2,"announcement_id":"3"}"#;
        assert!(
            matches!(decode_event("announcement.reaction", Some(reaction)).unwrap(), StreamEvent::AnnouncementReaction(r) if r.count == 2)
        );
        assert!(
            matches!(decode_event("announcement.delete", Some("3")).unwrap(), StreamEvent::AnnouncementDelete(id) if id == "3")
        );
        assert!(matches!(
            decode_event("notifications_merged", None).unwrap(),
            StreamEvent::NotificationsMerged
        ));
        assert!(
            matches!(decode_event("something.new", Some("{}")).unwrap(), StreamEvent::Unknown { name, payload } if name == "something.new" && payload.as_deref() == Some("{}"))
        );
    }

    #[test]
    fn bad_payloads_are_errors_not_panics() {
        assert!(matches!(
            decode_event("update", Some("{not json")),
            Err(DecodeError::Payload { .. })
        ));
        assert!(matches!(
            decode_event("update", Some("[1,2]")),
            Err(DecodeError::Payload { .. })
        ));
        assert!(matches!(
            decode_event("update", None),
            Err(DecodeError::MissingPayload { .. })
        ));
        assert!(matches!(
            decode_event("delete", Some("")),
            Err(DecodeError::MissingPayload { .. })
        ));
        let long = "9".repeat(300);
        assert!(matches!(
            decode_event("delete", Some(&long)),
            Err(DecodeError::IdTooLong { bytes: 300, .. })
        ));
        let status = STATUS.replace("113000000000000001", &long);
        assert!(matches!(
            decode_event("update", Some(&status)),
            Err(DecodeError::Payload { .. })
        ));
        let deep = "[".repeat(100_000);
        assert!(decode_event("update", Some(&deep)).is_err());
    }

    #[test]
    fn ws_frames_in_every_shape_servers_send() {
        let escaped = serde_json::to_string(STATUS).unwrap();
        let mastodon =
            format!(r#"{{"stream":["hashtag","rust"],"event":"update","payload":{escaped}}}"#);
        let object = format!(r#"{{"stream":["public"],"event":"update","payload":{STATUS}}}"#);
        let gts =
            format!("{{\"stream\":[\"list:42\"],\"event\":\"update\",\"payload\":{escaped}}}\n");
        for text in [&mastodon, &object, &gts] {
            match parse_ws_frame(text).unwrap() {
                WsFrame::Event { name, payload } => {
                    assert_eq!(name, "update");
                    let ev = decode_event(&name, payload.as_deref()).unwrap();
                    assert!(matches!(ev, StreamEvent::Update(_)));
                }
                other => panic!("{other:?}"),
            }
        }
        for text in [
            r#"{"stream":["user"],"event":"filters_changed"}"#,
            r#"{"stream":["user"],"event":"filters_changed","payload":""}"#,
            r#"{"stream":["user"],"event":"filters_changed","payload":null}"#,
        ] {
            let WsFrame::Event { name, payload } = parse_ws_frame(text).unwrap() else {
                panic!()
            };
            assert!(matches!(
                decode_event(&name, payload.as_deref()).unwrap(),
                StreamEvent::FiltersChanged
            ));
        }
        let WsFrame::Event { payload, .. } =
            parse_ws_frame(r#"{"stream":["public"],"event":"delete","payload":"1130"}"#).unwrap()
        else {
            panic!()
        };
        assert_eq!(payload.as_deref(), Some("1130"));
        let WsFrame::Event { payload, .. } =
            parse_ws_frame(r#"{"stream":["public"],"event":"delete","payload":1130}"#).unwrap()
        else {
            panic!()
        };
        assert_eq!(payload.as_deref(), Some("1130"));
    }

    #[test]
    fn ws_error_frames() {
        match parse_ws_frame(r#"{"error":"Unknown stream type","status":400}"#).unwrap() {
            WsFrame::Error { message, status } => {
                assert_eq!(message, "Unknown stream type");
                assert_eq!(status, Some(400));
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            parse_ws_frame("garbage"),
            Err(DecodeError::Frame(_))
        ));
        assert!(matches!(parse_ws_frame("[]"), Err(DecodeError::NoEvent)));
        assert!(matches!(parse_ws_frame("{}"), Err(DecodeError::NoEvent)));
    }
}
