//! The vocabulary the transports share with the supervisor: where a connection sends what it
//! reads, how it ended, and what an HTTP refusal means for a stream.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use tokio::sync::mpsc;

use super::light::{Decoding, decode_event_as};
use super::supervisor::StreamSettings;
use super::{
    ConnectionState, FailureCause, RawEvent, StreamEvent, StreamId, StreamMessage, Transport,
};

/// How a connection ended, as the transports report it.
#[derive(Debug)]
pub(crate) enum Ended {
    /// Retrying cannot help.
    Fatal { reason: String, cause: FailureCause },
    /// This transport is missing on the server; the other one may work.
    Unsupported { reason: String },
    /// The WebSocket handshake refused our way of sending the token; try the next way.
    AuthStyleRefused { reason: String },
    Retry {
        reason: String,
        retry_after: Option<Duration>,
    },
    /// The receiver is gone: nobody listens any more.
    Closed,
}

/// How the token travels on a WebSocket handshake, in the order we try them: the header
/// first; a URL parameter only when the server accepts nothing else (it lands in logs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum WsAuth {
    Header,
    Protocol,
    Query,
}

/// What a transport needs while it runs: where to send, and what it has achieved.
pub(crate) struct Link<E> {
    pub id: StreamId,
    pub tx: mpsc::Sender<E>,
    pub settings: Arc<StreamSettings>,
    pub http: reqwest::Client,
    pub live_since: Option<Instant>,
    /// Events the server sent on this connection (decodable or not): proof it streams to us.
    pub events_this_connection: u64,
    pub ws_auth: WsAuth,
    pub(super) label: String,
}

impl<E: From<StreamMessage> + Send + 'static> Link<E> {
    pub(super) async fn state(&self, state: ConnectionState) -> Result<(), Ended> {
        tracing::info!(stream = %self.label, "{state}");
        self.tx
            .send(
                StreamMessage::State {
                    stream: self.id,
                    state,
                }
                .into(),
            )
            .await
            .map_err(|_| Ended::Closed)
    }

    pub(crate) async fn live(&mut self, transport: Transport) -> Result<(), Ended> {
        self.live_since = Some(Instant::now());
        self.state(ConnectionState::Live { transport }).await
    }

    /// Decodes and sends one event. A payload that does not decode is logged and skipped:
    /// one bad event must not end the stream.
    pub(crate) async fn deliver(
        &mut self,
        name: String,
        payload: Option<String>,
    ) -> Result<(), Ended> {
        self.events_this_connection = self.events_this_connection.saturating_add(1);
        let decoding = match self.settings.decoding {
            Decoding::Ids if self.settings.texts_wanted.load(Ordering::Relaxed) => Decoding::Tail,
            decoding => decoding,
        };
        let event = match decode_event_as(decoding, &name, payload.as_deref()) {
            Ok(event) => event,
            Err(e) => {
                tracing::warn!(stream = %self.label, "skipped an event: {e}");
                return Ok(());
            }
        };
        if let StreamEvent::Unknown { name, payload } = &event {
            let len = payload.as_ref().map_or(0, String::len);
            tracing::info!(stream = %self.label, "unknown event `{name}` ({len} bytes of payload)");
        }
        let raw = self.settings.keep_raw.then_some(RawEvent {
            name,
            payload,
            decoded: decoding,
        });
        self.tx
            .send(
                StreamMessage::Event {
                    stream: self.id,
                    event,
                    raw,
                }
                .into(),
            )
            .await
            .map_err(|_| Ended::Closed)
    }

    pub(crate) fn label(&self) -> &str {
        &self.label
    }
}

/// Whether a refusal (401/403, or an error frame of any status) is about the token rather than
/// the stream: Mastodon answers `401` both for a token ("Invalid access token", "... does not
/// have the required scopes") and for a list that is not ours ("Not authorized to stream this
/// list"); the words tell them apart.
pub(crate) fn refusal_is_about_the_token(status: Option<u16>, message: &str) -> bool {
    let lower = message.to_ascii_lowercase();
    if lower.contains("token") || lower.contains("scope") {
        return true;
    }
    let about_stream = ["stream", "list", "tag", "channel"]
        .iter()
        .any(|word| lower.contains(word));
    matches!(status, Some(401 | 403)) && !about_stream
}

/// What an HTTP status that refused a stream means for the stream.
pub(crate) fn classify_refusal(
    status: u16,
    message: String,
    retry_after: Option<Duration>,
    transport: Transport,
) -> Ended {
    match status {
        401 | 403 if !refusal_is_about_the_token(Some(status), &message) => Ended::Fatal {
            reason: format!("the server refused the stream ({status} {message})"),
            cause: FailureCause::StreamRefused,
        },
        401 | 403 => Ended::Fatal {
            reason: format!("the server refused the access token ({status} {message})"),
            cause: FailureCause::Credentials,
        },
        404 | 405 | 501 => Ended::Unsupported {
            reason: format!("no {transport} endpoint ({status} {message})"),
        },
        408 | 429 | 500..=599 => Ended::Retry {
            reason: format!("the server answered {status} {message}"),
            retry_after,
        },
        100..=399 => Ended::Unsupported {
            reason: format!("the {transport} endpoint answered {status}, not a stream"),
        },
        _ => Ended::Fatal {
            reason: format!("the server refused the stream ({status} {message})"),
            cause: FailureCause::StreamRefused,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_are_classified() {
        let c = |s| classify_refusal(s, "x".into(), None, Transport::Sse);
        assert!(matches!(
            c(401),
            Ended::Fatal {
                cause: FailureCause::Credentials,
                ..
            }
        ));
        assert!(matches!(
            c(403),
            Ended::Fatal {
                cause: FailureCause::Credentials,
                ..
            }
        ));
        assert!(matches!(
            c(400),
            Ended::Fatal {
                cause: FailureCause::StreamRefused,
                ..
            }
        ));
        // Mastodon's 401 for a list that is not ours is about the stream, not the token.
        let list = classify_refusal(
            401,
            "Not authorized to stream this list".into(),
            None,
            Transport::Sse,
        );
        assert!(matches!(
            list,
            Ended::Fatal {
                cause: FailureCause::StreamRefused,
                ..
            }
        ));
        assert!(matches!(c(404), Ended::Unsupported { .. }));
        assert!(matches!(c(429), Ended::Retry { .. }));
        assert!(matches!(c(503), Ended::Retry { .. }));
        assert!(matches!(c(200), Ended::Unsupported { .. }));
    }
}
