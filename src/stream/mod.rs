//! The network side of live updates: one task per subscribed stream, each owning its
//! connection and sending owned events and connection-state changes into one channel.
//! Nothing here knows about the terminal.

pub mod decode;
pub(crate) mod fast;
pub mod light;
pub(crate) mod link;
pub(crate) mod scan;
pub(crate) mod spec;
pub mod sse;
pub(crate) mod supervisor;
pub(crate) mod ws;

use std::fmt;
use std::time::Duration;

use crate::model::{Announcement, AnnouncementReaction, Conversation, Notification, Status};

pub use spec::{StreamSpec, parse_group};
pub use supervisor::{StreamSettings, Timing, spawn_stream};

/// Which subscription an event or state change belongs to; the spawner chooses the numbers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct StreamId(pub usize);

/// One decoded event of the streaming API.
#[derive(Debug, Clone, PartialEq)]
pub enum StreamEvent {
    Update(Box<Status>),
    /// An edit: the whole new status.
    StatusUpdate(Box<Status>),
    Delete(String),
    Notification(Box<Notification>),
    Conversation(Box<Conversation>),
    FiltersChanged,
    Announcement(Box<Announcement>),
    AnnouncementReaction(AnnouncementReaction),
    AnnouncementDelete(String),
    NotificationsMerged,
    /// An event this version does not know; servers add new ones over time.
    Unknown {
        name: String,
        payload: Option<String>,
    },
}

impl StreamEvent {
    pub(crate) fn name(&self) -> &str {
        match self {
            StreamEvent::Update(_) => "update",
            StreamEvent::StatusUpdate(_) => "status.update",
            StreamEvent::Delete(_) => "delete",
            StreamEvent::Notification(_) => "notification",
            StreamEvent::Conversation(_) => "conversation",
            StreamEvent::FiltersChanged => "filters_changed",
            StreamEvent::Announcement(_) => "announcement",
            StreamEvent::AnnouncementReaction(_) => "announcement.reaction",
            StreamEvent::AnnouncementDelete(_) => "announcement.delete",
            StreamEvent::NotificationsMerged => "notifications_merged",
            StreamEvent::Unknown { name, .. } => name,
        }
    }
}

/// The event as it came off the wire, kept only for consumers that print or record it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawEvent {
    pub name: String,
    /// The payload text with its transport framing removed; `None` when absent or empty.
    pub payload: Option<String>,
    /// How far the event's status was decoded from it: a status decoded as
    /// [`light::Decoding::Ids`] has no texts.
    pub decoded: light::Decoding,
}

/// What a stream task sends.
#[derive(Debug, Clone, PartialEq)]
pub enum StreamMessage {
    Event {
        stream: StreamId,
        event: StreamEvent,
        raw: Option<RawEvent>,
    },
    State {
        stream: StreamId,
        state: ConnectionState,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Deserialize, serde::Serialize)]
pub enum Transport {
    Sse,
    Ws,
}

impl fmt::Display for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Transport::Sse => "server-sent events",
            Transport::Ws => "WebSocket",
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TransportChoice {
    /// WebSocket, falling back to server-sent events (and the other way round) when one is missing.
    #[default]
    Auto,
    /// Server-sent events only
    Sse,
    /// WebSocket only
    Ws,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConnectionState {
    Connecting {
        transport: Transport,
    },
    Live {
        transport: Transport,
    },
    Reconnecting {
        after: Duration,
        reason: String,
    },
    /// Served by reading its REST timeline every `every`: the server cannot stream it, or
    /// (`not_delivering`) the stream stopped delivering what its timeline shows.
    Polling {
        every: Duration,
        reason: String,
        not_delivering: bool,
    },
    /// The stream has ended for good; retrying cannot help.
    Failed {
        reason: String,
        cause: FailureCause,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureCause {
    /// The server refused the credentials (401/403).
    Credentials,
    /// The token delivered events on this stream and was then refused: revoked meanwhile.
    Revoked,
    /// The server refused this stream (400/404, unknown stream, a list that is not ours).
    StreamRefused,
    /// The server offers no streaming endpoint over any transport we may use.
    NoStreaming,
}

impl fmt::Display for ConnectionState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConnectionState::Connecting { transport } => write!(f, "connecting ({transport})"),
            ConnectionState::Live { transport } => write!(f, "live ({transport})"),
            ConnectionState::Reconnecting { after, reason } => {
                write!(
                    f,
                    "reconnecting in {} because {reason}",
                    format_delay(*after)
                )
            }
            ConnectionState::Polling {
                every,
                reason,
                not_delivering: false,
            } => write!(f, "polling every {} ({reason})", format_delay(*every)),
            ConnectionState::Polling { every, reason, .. } => write!(
                f,
                "not delivering: polling every {} ({reason})",
                format_delay(*every)
            ),
            ConnectionState::Failed { reason, .. } => write!(f, "failed: {reason}"),
        }
    }
}

/// "3 s", "0.4 s", "2 min": short enough for a tab bar.
pub(crate) fn format_delay(d: Duration) -> String {
    let secs = d.as_secs_f64();
    if secs < 1.0 {
        // Tenths rounded up: a wait still running never reads "0.0 s".
        match d.as_millis().div_ceil(100).max(1) {
            10 => "1 s".into(),
            tenths => format!("0.{tenths} s"),
        }
    } else if secs < 120.0 {
        format!("{} s", secs.round() as u64)
    } else {
        format!("{} min", (secs / 60.0).round() as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_read_well() {
        let s = ConnectionState::Reconnecting {
            after: Duration::from_millis(3200),
            reason: "the server closed the stream".into(),
        };
        assert_eq!(
            s.to_string(),
            "reconnecting in 3 s because the server closed the stream"
        );
        assert_eq!(format_delay(Duration::from_millis(400)), "0.4 s");
        assert_eq!(format_delay(Duration::from_millis(3)), "0.1 s");
        assert_eq!(format_delay(Duration::from_millis(300)), "0.3 s");
        assert_eq!(format_delay(Duration::from_millis(999)), "1 s");
        assert_eq!(format_delay(Duration::ZERO), "0.1 s");
        assert_eq!(format_delay(Duration::from_secs(600)), "10 min");
    }
}
