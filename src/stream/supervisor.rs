//! The task per stream: connect, read until the connection ends, decide whether and when to
//! reconnect, and say so. Every state change is an event for whoever shows it.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use url::Url;

use super::decode::decode_event;
use super::{
    ConnectionState, FailureCause, RawEvent, StreamEvent, StreamId, StreamMessage, StreamSpec,
    Transport, TransportChoice,
};

/// Durations of the reconnect policy; tests shrink them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Timing {
    /// A connection silent this long (no event, heartbeat or ping) is dead.
    pub read_timeout: Duration,
    pub connect_timeout: Duration,
    pub backoff_initial: Duration,
    pub backoff_max: Duration,
    /// A connection that stayed up this long resets the backoff.
    pub healthy_after: Duration,
    /// A WebSocket subscription is checked by the server after the upgrade: it counts as
    /// accepted after the first frame, or after this long without an error frame.
    pub accept_grace: Duration,
}

impl Default for Timing {
    fn default() -> Self {
        Timing {
            read_timeout: Duration::from_secs(60),
            connect_timeout: Duration::from_secs(15),
            backoff_initial: Duration::from_secs(1),
            backoff_max: Duration::from_secs(60),
            healthy_after: Duration::from_secs(30),
            accept_grace: Duration::from_secs(2),
        }
    }
}

#[derive(Clone)]
pub struct StreamSettings {
    /// Base URL of the streaming API (`http(s)://host[:port]`), without `/api/v1/streaming`.
    pub base: Url,
    pub token: Option<String>,
    pub transport: TransportChoice,
    pub timing: Timing,
    /// Cap on one event's size (an SSE line or data, a WebSocket message).
    pub max_event_bytes: usize,
    /// Keep the raw name and payload with each event (for printing or recording them).
    pub keep_raw: bool,
    pub user_agent: String,
}

impl fmt::Debug for StreamSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StreamSettings")
            .field("base", &self.base.as_str())
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .field("transport", &self.transport)
            .field("timing", &self.timing)
            .field("max_event_bytes", &self.max_event_bytes)
            .finish()
    }
}

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
    pub ws_auth: WsAuth,
    label: String,
}

impl<E: From<StreamMessage> + Send + 'static> Link<E> {
    async fn state(&self, state: ConnectionState) -> Result<(), Ended> {
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
    pub(crate) async fn deliver(&self, name: String, payload: Option<String>) -> Result<(), Ended> {
        let event = match decode_event(&name, payload.as_deref()) {
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
        let raw = self.settings.keep_raw.then_some(RawEvent { name, payload });
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

/// Starts the task that keeps one stream connected until it fails for good or the receiver
/// of `tx` goes away.
pub fn spawn_stream<E>(
    id: StreamId,
    spec: StreamSpec,
    settings: Arc<StreamSettings>,
    http: reqwest::Client,
    tx: mpsc::Sender<E>,
) -> JoinHandle<()>
where
    E: From<StreamMessage> + Send + 'static,
{
    let link = Link {
        id,
        tx,
        settings,
        http,
        live_since: None,
        ws_auth: WsAuth::Header,
        label: spec.to_string(),
    };
    tokio::spawn(run(link, spec))
}

async fn run<E: From<StreamMessage> + Send + 'static>(mut link: Link<E>, spec: StreamSpec) {
    let timing = link.settings.timing;
    let mut transport = match link.settings.transport {
        TransportChoice::Sse => Transport::Sse,
        TransportChoice::Auto | TransportChoice::Ws => Transport::Ws,
    };
    let may_switch = link.settings.transport == TransportChoice::Auto;
    let mut other_unsupported: Option<String> = None;
    let mut ever_live = false;
    let mut attempt: u32 = 0;
    let receiver_gone = link.tx.clone();
    loop {
        if link
            .state(ConnectionState::Connecting { transport })
            .await
            .is_err()
        {
            return;
        }
        link.live_since = None;
        let reading = async {
            match transport {
                Transport::Sse => super::sse::connect_and_read(&mut link, &spec).await,
                Transport::Ws => super::ws::connect_and_read(&mut link, &spec).await,
            }
        };
        // A receiver that goes away ends the task at once, not at the next event or deadline
        // of a quiet connection (which would hold its socket for up to a read timeout).
        let ended = tokio::select! {
            ended = reading => ended,
            _ = receiver_gone.closed() => Ended::Closed,
        };
        let was_live_for = link.live_since.map(|t| t.elapsed());
        if was_live_for.is_some() {
            ever_live = true;
            other_unsupported = None;
        }
        if was_live_for.is_some_and(|d| d >= timing.healthy_after) {
            attempt = 0;
        }
        let (reason, retry_after) = match ended {
            Ended::Closed => return,
            Ended::Fatal { reason, cause } => {
                let cause = if ever_live && cause == FailureCause::Credentials {
                    FailureCause::Revoked
                } else {
                    cause
                };
                let _ = link.state(ConnectionState::Failed { reason, cause }).await;
                return;
            }
            Ended::AuthStyleRefused { reason } => {
                link.ws_auth = match link.ws_auth {
                    WsAuth::Header => WsAuth::Protocol,
                    WsAuth::Protocol | WsAuth::Query => WsAuth::Query,
                };
                tracing::info!(stream = %link.label, "{reason}; sending the token another way");
                continue;
            }
            Ended::Unsupported { reason } => {
                if may_switch && !ever_live && other_unsupported.is_none() {
                    tracing::info!(stream = %link.label, "{reason}; trying the other transport");
                    other_unsupported = Some(reason);
                    transport = match transport {
                        Transport::Sse => Transport::Ws,
                        Transport::Ws => Transport::Sse,
                    };
                    continue;
                }
                let reason = match other_unsupported.take() {
                    Some(first) => format!("{first}; {reason}"),
                    None => reason,
                };
                let _ = link
                    .state(ConnectionState::Failed {
                        reason,
                        cause: FailureCause::NoStreaming,
                    })
                    .await;
                return;
            }
            Ended::Retry {
                reason,
                retry_after,
            } => (reason, retry_after),
        };
        let delay = backoff_delay(&timing, attempt, retry_after);
        attempt = attempt.saturating_add(1);
        let state = ConnectionState::Reconnecting {
            after: delay,
            reason,
        };
        if link.state(state).await.is_err() {
            return;
        }
        tokio::select! {
            _ = tokio::time::sleep(delay) => {}
            _ = link.tx.closed() => return,
        }
    }
}

/// Exponential backoff with full jitter: a restarted server meets its clients spread out.
/// `Retry-After` is a floor, capped so that a hostile value cannot park us for days.
pub(crate) fn backoff_delay(
    timing: &Timing,
    attempt: u32,
    retry_after: Option<Duration>,
) -> Duration {
    let ceiling = timing
        .backoff_initial
        .saturating_mul(1u32.checked_shl(attempt.min(20)).unwrap_or(u32::MAX))
        .min(timing.backoff_max);
    let jittered = ceiling.mul_f64(fastrand::f64());
    match retry_after {
        Some(after) => jittered.max(after.min(Duration::from_secs(3600))),
        None => jittered,
    }
}

/// The part of an HTTP refusal that explains it: Mastodon's `{"error": "..."}`, a header, or
/// the start of whatever text came back.
pub(crate) fn refusal_message(status: u16, header: Option<&str>, body: &[u8]) -> String {
    if let Some(h) = header.filter(|h| !h.trim().is_empty()) {
        return crate::sanitize::sanitize_line(h.trim()).into_owned();
    }
    #[derive(serde::Deserialize)]
    struct ErrorBody {
        error: String,
    }
    if let Ok(b) = serde_json::from_slice::<ErrorBody>(body) {
        return crate::sanitize::sanitize_line(&b.error).into_owned();
    }
    let text = String::from_utf8_lossy(&body[..body.len().min(200)]);
    let text = crate::sanitize::sanitize_line(text.trim());
    if text.is_empty() || text.starts_with('<') {
        format!("HTTP {status}")
    } else {
        text.into_owned()
    }
}

/// What an HTTP status that refused a stream means for the stream.
pub(crate) fn classify_refusal(
    status: u16,
    message: String,
    retry_after: Option<Duration>,
    transport: Transport,
) -> Ended {
    match status {
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

/// `Retry-After` in seconds; the HTTP-date form is rare on APIs and treated as absent.
pub(crate) fn parse_retry_after(value: Option<&str>) -> Option<Duration> {
    value?.trim().parse::<u64>().ok().map(Duration::from_secs)
}

/// Describes a network error without the URL (which may carry a token as a last resort),
/// with its causes, which say what actually happened ("connection refused").
pub(crate) fn describe_reqwest(e: reqwest::Error) -> String {
    describe_error(&e.without_url())
}

pub(crate) fn describe_error(e: &(dyn std::error::Error + 'static)) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let part = s.to_string();
        if !text.contains(&part) {
            text.push_str(": ");
            text.push_str(&part);
        }
        source = s.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn timing() -> Timing {
        Timing {
            backoff_initial: Duration::from_secs(1),
            backoff_max: Duration::from_secs(60),
            ..Timing::default()
        }
    }

    #[test]
    fn backoff_doubles_to_the_cap_with_full_jitter() {
        let t = timing();
        for attempt in 0..40 {
            let ceiling = Duration::from_secs(1u64 << attempt.min(6)).min(Duration::from_secs(60));
            for _ in 0..50 {
                let d = backoff_delay(&t, attempt, None);
                assert!(d <= ceiling, "attempt {attempt}: {d:?} > {ceiling:?}");
            }
        }
        // full jitter spreads: not every delay of a late attempt is near the cap
        let spread: Vec<_> = (0..200).map(|_| backoff_delay(&t, 10, None)).collect();
        assert!(spread.iter().any(|d| *d < Duration::from_secs(30)));
        assert!(spread.iter().any(|d| *d > Duration::from_secs(30)));
    }

    /// How many of `delays` fall in each of `n` equal slices of `0..ceiling`.
    fn histogram(delays: &[Duration], ceiling: Duration, n: usize) -> Vec<usize> {
        let mut buckets = vec![0; n];
        for d in delays {
            let i = (d.as_secs_f64() / ceiling.as_secs_f64() * n as f64) as usize;
            buckets[i.min(n - 1)] += 1;
        }
        buckets
    }

    #[test]
    fn jitter_spreads_many_clients_evenly() {
        // 1,000 clients that lost the same server at the same moment, at the first attempt
        // and at a late one: their delays cover the whole window, evenly (full jitter is
        // uniform on 0..ceiling; each tenth expects 100 clients, sd ~9.5).
        let t = timing();
        for (attempt, ceiling) in [(0, 1), (3, 8), (12, 60)] {
            let ceiling = Duration::from_secs(ceiling);
            let delays: Vec<_> = (0..1000)
                .map(|_| backoff_delay(&t, attempt, None))
                .collect();
            let tenths = histogram(&delays, ceiling, 10);
            assert!(
                tenths.iter().all(|n| (50..=150).contains(n)),
                "attempt {attempt}: {tenths:?}"
            );
            let hundredths = histogram(&delays, ceiling, 100);
            let peak = hundredths.iter().max().copied().unwrap_or(0);
            // 10 expected; 40 would be a herd (the no-jitter policy puts all 1000 in one)
            assert!(
                peak <= 40,
                "attempt {attempt}: {peak} of 1000 in one hundredth"
            );
        }
    }

    #[test]
    fn a_restarted_server_meets_its_clients_spread_out() {
        // 500 clients lose a server that stays down for 10 s; each retries on its own
        // schedule (connection refused costs nothing) until the server is back. They come
        // back over many seconds, not in one burst: at most 7 % of them in any 100 ms.
        let t = timing();
        let down = Duration::from_secs(10);
        let mut arrivals = Vec::new();
        for _ in 0..500 {
            let mut at = Duration::ZERO;
            let mut attempt = 0;
            loop {
                at += backoff_delay(&t, attempt, None);
                attempt += 1;
                if at >= down {
                    break;
                }
            }
            arrivals.push(at - down);
        }
        let span = arrivals.iter().max().copied().unwrap_or_default();
        assert!(span > Duration::from_secs(10), "spread over {span:?}");
        let mut windows = std::collections::HashMap::<u128, usize>::new();
        for a in &arrivals {
            *windows.entry(a.as_millis() / 100).or_default() += 1;
        }
        let peak = windows.values().max().copied().unwrap_or(0);
        // ~3 expected per window over ~30 s; without jitter all 500 would share one
        assert!(peak <= 35, "{peak} of 500 clients in one 100 ms window");
    }

    #[test]
    fn retry_after_is_a_floor_with_a_cap() {
        let t = timing();
        let d = backoff_delay(&t, 0, Some(Duration::from_secs(120)));
        assert_eq!(d, Duration::from_secs(120));
        let d = backoff_delay(&t, 0, Some(Duration::from_secs(10_000_000)));
        assert_eq!(d, Duration::from_secs(3600));
        assert_eq!(parse_retry_after(Some(" 7 ")), Some(Duration::from_secs(7)));
        assert_eq!(
            parse_retry_after(Some("Wed, 21 Oct 2015 07:28:00 GMT")),
            None
        );
    }

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
        assert!(matches!(c(404), Ended::Unsupported { .. }));
        assert!(matches!(c(429), Ended::Retry { .. }));
        assert!(matches!(c(503), Ended::Retry { .. }));
        assert!(matches!(c(200), Ended::Unsupported { .. }));
    }

    #[test]
    fn refusal_messages_come_from_where_servers_put_them() {
        assert_eq!(
            refusal_message(401, None, br#"{"error":"Invalid access token"}"#),
            "Invalid access token"
        );
        assert_eq!(
            refusal_message(401, Some("Missing access token"), b""),
            "Missing access token"
        );
        assert_eq!(
            refusal_message(502, None, b"<html>bad gateway</html>"),
            "HTTP 502"
        );
        assert_eq!(refusal_message(500, None, b"oops\x1b[31m"), "oops");
    }
}
