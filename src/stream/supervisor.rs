//! The task per stream: connect, read until the connection ends, decide whether and when to
//! reconnect, and say so. Every state change is an event for whoever shows it.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use url::Url;

use super::light::Decoding;
use super::link::{Ended, Link, WsAuth};
use super::{
    ConnectionState, FailureCause, StreamId, StreamMessage, StreamSpec, Transport, TransportChoice,
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
    /// Keep the raw name and payload with each event (for printing, recording or handing
    /// them to a hook).
    pub keep_raw: bool,
    /// How much of a status the consumer reads.
    pub decoding: Decoding,
    /// With [`Decoding::Ids`]: set by the consumer while a keyword filter reads posts' texts;
    /// statuses are then decoded as [`Decoding::Tail`]. A hint only: an event decoded before
    /// it was set says so ([`super::RawEvent::decoded`]) and the consumer decodes it again.
    pub texts_wanted: Arc<std::sync::atomic::AtomicBool>,
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::parse_retry_after;

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
}
