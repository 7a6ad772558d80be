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
    /// A connection that stayed up this long resets the backoff (as does one that delivered
    /// an event).
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
    /// Events the server sent on this connection (decodable or not): proof it streams to us.
    pub events_this_connection: u64,
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
    pub(crate) async fn deliver(
        &mut self,
        name: String,
        payload: Option<String>,
    ) -> Result<(), Ended> {
        self.events_this_connection = self.events_this_connection.saturating_add(1);
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
        events_this_connection: 0,
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
    // Some connection of this stream delivered events: its token was accepted for it.
    let mut ever_delivered = false;
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
        link.events_this_connection = 0;
        // A receiver that goes away ends the task at once, not at the next event or deadline
        // of a quiet connection (which would hold its socket for up to a read timeout).
        let ended = match transport {
            // Dropping an SSE request is all the goodbye it needs.
            Transport::Sse => tokio::select! {
                ended = super::sse::connect_and_read(&mut link, &spec) => ended,
                _ = receiver_gone.closed() => Ended::Closed,
            },
            // The WebSocket transport watches the receiver itself, to send a close frame.
            Transport::Ws => super::ws::connect_and_read(&mut link, &spec).await,
        };
        let was_live_for = link.live_since.map(|t| t.elapsed());
        let delivered = link.events_this_connection > 0;
        ever_delivered |= delivered;
        if was_live_for.is_some() {
            ever_live = true;
            other_unsupported = None;
        }
        // A connection that delivered worked: whatever ended it is a new trouble, met from
        // the first step (a drop after 19 s of events must not wait out the old backoff).
        if delivered || was_live_for.is_some_and(|d| d >= timing.healthy_after) {
            attempt = 0;
        }
        let (reason, retry_after) = match ended {
            Ended::Closed => return,
            Ended::Fatal { reason, cause } => {
                // Revoked only if the token streamed events before it was refused. A socket
                // that opened, or even went live by the grace period, and was then refused
                // never had the token accepted for this stream (a missing scope).
                let cause = if ever_delivered && cause == FailureCause::Credentials {
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
/// `Retry-After` is a floor, honoured up to `backoff_max`: a server that asks for two minutes
/// while it restarts in five seconds (GoToSocial sends `Retry-After: 120` while starting) must
/// not keep the stream down longer than our own longest pause, and a hostile value cannot park
/// us for days.
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
        Some(after) => jittered.max(after.min(timing.backoff_max)),
        None => jittered,
    }
}

/// A refusal's text is shown on one line beside the rest of a state: at most this many chars.
const REFUSAL_CHARS: usize = 80;
/// How much of a refusal's body is read for its text: an HTML page's `<title>` comes early.
const REFUSAL_SCAN_BYTES: usize = 8192;

/// The part of an HTTP refusal that explains it, as one short line of plain text: Mastodon's
/// `{"error": "..."}`, a header, an HTML page's title or first words, or the start of whatever
/// text came back. Never markup, never more than [`REFUSAL_CHARS`].
pub(crate) fn refusal_message(status: u16, header: Option<&str>, body: &[u8]) -> String {
    // `cut` adds an ellipsis after this many chars.
    let one_line = |text: &str| crate::text::plain_line(text, REFUSAL_CHARS - 1);
    if let Some(h) = header.filter(|h| !h.trim().is_empty()) {
        return one_line(h);
    }
    // A refused WebSocket handshake hands us the raw bytes after the head, chunk sizes included.
    let dechunked = strip_chunk_framing(body);
    let body = dechunked.as_deref().unwrap_or(body);
    #[derive(serde::Deserialize)]
    struct ErrorBody {
        error: String,
    }
    if let Ok(b) = serde_json::from_slice::<ErrorBody>(body) {
        return one_line(&b.error);
    }
    let text = String::from_utf8_lossy(&body[..body.len().min(REFUSAL_SCAN_BYTES)]);
    let line = if looks_like_html(&text) {
        html_summary(&text, REFUSAL_CHARS - 1)
    } else {
        one_line(&text)
    };
    if !line.is_empty() {
        return line;
    }
    reqwest::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .map_or_else(|| format!("HTTP {status}"), str::to_string)
}

/// The payload of a chunked body (`<hex size>[;ext]\r\n<data>\r\n`..., possibly cut short),
/// or `None` when `body` does not start like one.
fn strip_chunk_framing(body: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let mut rest = body;
    let mut first = true;
    while !rest.is_empty() {
        let size = memchr::memmem::find(rest, b"\r\n").and_then(|end| {
            let line = &rest[..end];
            let hex = line.split(|b| *b == b';').next().unwrap_or(line);
            let hex = std::str::from_utf8(hex).ok()?.trim();
            let valid = (1..=16).contains(&hex.len()) && hex.bytes().all(|b| b.is_ascii_hexdigit());
            let size = usize::from_str_radix(hex, 16).ok().filter(|_| valid)?;
            Some((end, size))
        });
        let Some((end, size)) = size else {
            // Not chunked at all, or framing that stops making sense: keep what was decoded.
            return if first { None } else { Some(out) };
        };
        first = false;
        rest = &rest[end + 2..];
        if size == 0 {
            break;
        }
        let take = size.min(rest.len());
        out.extend_from_slice(&rest[..take]);
        rest = &rest[take..];
        rest = rest.strip_prefix(b"\r\n").unwrap_or(rest);
    }
    Some(out)
}

fn looks_like_html(text: &str) -> bool {
    let start = text.trim_start();
    let lower = start[..start.len().min(512)].to_ascii_lowercase();
    start.starts_with('<') || lower.contains("<html") || lower.contains("<!doctype")
}

/// An HTML page as one line: its `<title>`, else the first words of what it shows (the text
/// outside `head`, `script`, `style` and comments).
fn html_summary(html: &str, max_chars: usize) -> String {
    // ASCII lowercasing keeps byte offsets, so positions found in `lower` index `html`.
    let lower = html.to_ascii_lowercase();
    if let Some(open) = find_tag(&lower, 0, "title")
        && let Some(gt) = lower[open..].find('>').map(|i| open + i + 1)
    {
        let end = lower[gt..].find("</title").map_or(html.len(), |i| gt + i);
        let title = crate::text::html_to_line(&html[gt..end], max_chars);
        if !title.is_empty() {
            return title;
        }
    }
    let mut shown = String::with_capacity(html.len());
    let mut at = 0;
    while at < html.len() {
        let next = [
            ("head", "</head"),
            ("script", "</script"),
            ("style", "</style"),
        ]
        .into_iter()
        .filter_map(|(name, close)| find_tag(&lower, at, name).map(|i| (i, close)))
        .chain(lower[at..].find("<!--").map(|i| (at + i, "-->")))
        .min_by_key(|(i, _)| *i);
        let Some((start, close)) = next else {
            shown.push_str(&html[at..]);
            break;
        };
        shown.push_str(&html[at..start]);
        shown.push(' ');
        at = match lower[start..].find(close) {
            Some(i) => {
                let after = start + i;
                lower[after..]
                    .find('>')
                    .map_or(html.len(), |j| after + j + 1)
            }
            None => html.len(),
        };
    }
    crate::text::html_to_line(&shown, max_chars)
}

/// Where the opening tag `<name` starts in `lower` at or after `from` (`<head>`, not `<header>`).
fn find_tag(lower: &str, from: usize, name: &str) -> Option<usize> {
    let pattern = format!("<{name}");
    let mut at = from;
    while let Some(i) = lower[at..].find(&pattern) {
        let start = at + i;
        let after = lower.as_bytes().get(start + pattern.len());
        if after.is_none_or(|b| *b == b'>' || *b == b'/' || b.is_ascii_whitespace()) {
            return Some(start);
        }
        at = start + pattern.len();
    }
    None
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
    fn retry_after_is_a_floor_up_to_the_longest_backoff() {
        let t = timing();
        let d = backoff_delay(&t, 0, Some(Duration::from_secs(7)));
        assert_eq!(d, Duration::from_secs(7));
        // GoToSocial starting up asks for 120 s; our longest pause is 60 s.
        let d = backoff_delay(&t, 0, Some(Duration::from_secs(120)));
        assert_eq!(d, t.backoff_max);
        let d = backoff_delay(&t, 3, Some(Duration::from_secs(10_000_000)));
        assert_eq!(d, t.backoff_max);
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
            "bad gateway"
        );
        assert_eq!(refusal_message(500, None, b"oops\x1b[31m"), "oops");
    }

    /// What a refused WebSocket handshake hands over: the raw bytes after the head.
    fn chunked(parts: &[&str]) -> Vec<u8> {
        let mut out = String::new();
        for p in parts {
            out.push_str(&format!("{:x}\r\n{p}\r\n", p.len()));
        }
        out.push_str("0\r\n\r\n");
        out.into_bytes()
    }

    #[test]
    fn a_chunked_html_page_gives_its_title() {
        // GoToSocial starting up, as tungstenite keeps it: the chunk size leaked into the text.
        let page = format!(
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
             <title>503 Service Unavailable - GoToSocial</title>\n<style>{}</style>",
            "p { color: red; }\n".repeat(120)
        );
        let raw = format!("800\r\n{}", &page[..page.len().min(2048)]);
        assert_eq!(
            refusal_message(503, None, raw.as_bytes()),
            "503 Service Unavailable - GoToSocial"
        );
        // Split across chunks, mid-tag, and cut short before the title ends.
        let body = chunked(&["<html><he", "ad><tit", "le>Starting up"]);
        assert_eq!(refusal_message(503, None, &body), "Starting up");
        let raw = b"40\r\n<html><head><title>Back &amp; soon\x1b[31m</title>";
        assert_eq!(refusal_message(503, None, raw), "Back & soon");
    }

    #[test]
    fn an_html_page_without_a_title_gives_its_first_words() {
        let page = "<html><head><meta charset=utf-8><style>body { color: red }</style></head>\
                    <body><script>alert('x')</script><!-- nginx --><header>Bad</header>\
                    <h1>Gateway</h1><p>The upstream did not answer.</p></body></html>";
        assert_eq!(
            refusal_message(502, None, page.as_bytes()),
            "Bad Gateway The upstream did not answer."
        );
        assert_eq!(
            refusal_message(502, None, &chunked(&[page])),
            "Bad Gateway The upstream did not answer."
        );
        let long = format!("<p>{}</p>", "down for maintenance ".repeat(20));
        let line = refusal_message(503, None, long.as_bytes());
        assert!(line.chars().count() <= 80, "{line}");
        assert!(line.starts_with("down for maintenance down") && line.ends_with('…'));
    }

    #[test]
    fn refusal_text_is_one_short_line_of_text() {
        let text = "Service\nUnavailable:\r\n".repeat(30);
        let line = refusal_message(503, None, text.as_bytes());
        assert!(line.starts_with("Service Unavailable: Service"), "{line}");
        assert!(line.chars().count() <= 80 && !line.contains('\n'), "{line}");
        let json = r#"{"error":"Too many requests"}"#;
        assert_eq!(
            refusal_message(429, None, &chunked(&[json])),
            "Too many requests"
        );
        let huge = format!(r#"{{"error":"{}"}}"#, "x".repeat(5000));
        assert!(refusal_message(400, None, huge.as_bytes()).chars().count() <= 80);
        // Hex-looking text without chunk framing is text.
        assert_eq!(refusal_message(500, None, b"cafe"), "cafe");
        assert_eq!(refusal_message(503, None, b""), "Service Unavailable");
        assert_eq!(
            refusal_message(503, None, b"<html></html>"),
            "Service Unavailable"
        );
        assert_eq!(refusal_message(599, None, b"\r\n"), "HTTP 599");
        for body in [&b"<b>"[..], b"800\r\n<", b"<!--", b"<title>", b"5\r\n<html"] {
            let line = refusal_message(503, None, body);
            assert!(!line.contains('<'), "{body:?}: {line}");
        }
    }
}
