//! The WebSocket transport: one socket per stream, subscribed through the URL's `stream=`.

use std::time::Duration;

use futures_util::{FutureExt, StreamExt};
use tokio::time::{Instant, timeout, timeout_at};
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::{self, Message, client::IntoClientRequest, http};

use super::decode::{WsFrame, parse_ws_frame};
use super::link::{Ended, Link, WsAuth, classify_refusal, refusal_is_about_the_token};
use super::supervisor::StreamSettings;
use super::{FailureCause, StreamMessage, StreamSpec, Transport};
use crate::http::{describe_error, parse_retry_after, refusal_message};

/// The socket URL: `ws(s)://host/api/v1/streaming?stream=...`, with the token only when the
/// server accepts it nowhere else.
fn ws_url(settings: &StreamSettings, spec: &StreamSpec, auth: WsAuthInUrl) -> url::Url {
    let mut url = settings.base.clone();
    let scheme = if url.scheme() == "https" { "wss" } else { "ws" };
    // Only http(s) bases reach here; set_scheme cannot fail between these special schemes.
    let _ = url.set_scheme(scheme);
    url.path_segments_mut()
        .map(|mut p| {
            p.pop_if_empty().extend(["api", "v1", "streaming"]);
        })
        .ok();
    {
        let mut q = url.query_pairs_mut();
        q.append_pair("stream", spec.ws_name());
        q.extend_pairs(spec.params());
        if let (WsAuthInUrl::Yes, Some(token)) = (auth, &settings.token) {
            q.append_pair("access_token", token);
        }
    }
    url
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum WsAuthInUrl {
    No,
    Yes,
}

pub(crate) async fn connect_and_read<E: From<StreamMessage> + Send + 'static>(
    link: &mut Link<E>,
    spec: &StreamSpec,
) -> Ended {
    match read_socket(link, spec).await {
        Ok(never) => match never {},
        Err(ended) => ended,
    }
}

fn handshake_request(
    settings: &StreamSettings,
    spec: &StreamSpec,
    auth: WsAuth,
) -> Result<http::Request<()>, String> {
    let in_url = if auth == WsAuth::Query {
        WsAuthInUrl::Yes
    } else {
        WsAuthInUrl::No
    };
    let url = ws_url(settings, spec, in_url);
    let mut request = url
        .as_str()
        .into_client_request()
        .map_err(|e| format!("cannot build the WebSocket request: {e}"))?;
    let headers = request.headers_mut();
    let value = |s: &str| {
        http::HeaderValue::from_str(s).map_err(|_| "the token has characters a header cannot carry")
    };
    headers.insert(http::header::USER_AGENT, value(&settings.user_agent)?);
    if let Some(token) = &settings.token {
        match auth {
            WsAuth::Header => {
                headers.insert(
                    http::header::AUTHORIZATION,
                    value(&format!("Bearer {token}"))?,
                );
            }
            WsAuth::Protocol => {
                headers.insert(http::header::SEC_WEBSOCKET_PROTOCOL, value(token)?);
            }
            WsAuth::Query => {}
        }
    }
    Ok(request)
}

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// How long a goodbye may take: our close frame out and the server's answer back.
const CLOSE_WAIT: Duration = Duration::from_millis(500);

async fn read_socket<E: From<StreamMessage> + Send + 'static>(
    link: &mut Link<E>,
    spec: &StreamSpec,
) -> Result<std::convert::Infallible, Ended> {
    let settings = link.settings.clone();
    let timing = settings.timing;
    let request =
        handshake_request(&settings, spec, link.ws_auth).map_err(|reason| Ended::Fatal {
            reason,
            cause: FailureCause::Credentials,
        })?;
    let config = tungstenite::protocol::WebSocketConfig::default()
        .max_message_size(Some(settings.max_event_bytes))
        .max_frame_size(Some(settings.max_event_bytes));
    let connecting = tokio_tungstenite::connect_async_with_config(request, Some(config), false);
    let handshake = tokio::select! {
        biased;
        _ = link.tx.closed() => return Err(Ended::Closed),
        handshake = timeout(timing.connect_timeout, connecting) => handshake,
    };
    let mut socket = match handshake {
        Err(_) => {
            return Err(Ended::Retry {
                reason: format!(
                    "no answer within {} s",
                    timing.connect_timeout.as_secs_f32()
                ),
                retry_after: None,
            });
        }
        Ok(Err(tungstenite::Error::Http(response))) => {
            let status = response.status().as_u16();
            let header = |name: &str| response.headers().get(name).and_then(|v| v.to_str().ok());
            let retry_after = parse_retry_after(header("retry-after"));
            let body = response.body().as_deref().unwrap_or(&[]);
            let message = refusal_message(status, header("x-error-message"), body);
            // A server that says the token is missing did not look where we put it: try the
            // next place. One that read it and refused it (invalid, lacking scopes) gets no
            // second copy of it, least of all in a URL.
            let token_unseen = status == 401 && message.to_ascii_lowercase().contains("missing");
            let ended = classify_refusal(status, message, retry_after, Transport::Ws);
            return Err(match ended {
                Ended::Fatal {
                    reason,
                    cause: FailureCause::Credentials,
                } if token_unseen && link.ws_auth != WsAuth::Query && settings.token.is_some() => {
                    Ended::AuthStyleRefused { reason }
                }
                other => other,
            });
        }
        Ok(Err(e)) => {
            return Err(Ended::Retry {
                reason: describe_error(&e),
                retry_after: None,
            });
        }
        Ok(Ok((socket, _response))) => socket,
    };
    let ended = match read_frames(link, &mut socket).await {
        Ok(never) => match never {},
        Err(ended) => ended,
    };
    // Leaving a socket the server still holds open (our consumer quit, or the server refused
    // the stream on it and waits for more subscriptions): say goodbye rather than vanish.
    if matches!(ended, Ended::Closed | Ended::Fatal { .. }) {
        close_politely(&mut socket).await;
    }
    Err(ended)
}

/// Reads frames until the connection ends. The server checks the subscription only after the
/// upgrade, so the stream is live on the first frame that is not an error (an event, a ping,
/// a pong), or once `accept_grace` passed without an error frame; not when the socket opens.
async fn read_frames<E: From<StreamMessage> + Send + 'static>(
    link: &mut Link<E>,
    socket: &mut Socket,
) -> Result<std::convert::Infallible, Ended> {
    let timing = link.settings.timing;
    let accept_by = Instant::now() + timing.accept_grace;
    let mut accepted = false;
    let mut read_by = Instant::now() + timing.read_timeout;
    loop {
        let wake_at = if accepted {
            read_by
        } else {
            read_by.min(accept_by)
        };
        let next = tokio::select! {
            biased;
            // Watched here rather than by the supervisor, which would drop the socket unsaid.
            _ = link.tx.closed() => return Err(Ended::Closed),
            next = timeout_at(wake_at, socket.next()) => next,
        };
        let next = match next {
            Err(_) if !accepted && wake_at < read_by => {
                accepted = true;
                link.live(Transport::Ws).await?;
                continue;
            }
            Err(_) => {
                return Err(Ended::Retry {
                    reason: format!(
                        "nothing arrived for {} s, not even a ping",
                        timing.read_timeout.as_secs_f32()
                    ),
                    retry_after: None,
                });
            }
            Ok(next) => next,
        };
        on_frame(link, next, &mut accepted).await?;
        // Frames the socket already holds (a firehose's read brings dozens) are taken without
        // a timer or a watch on the receiver each: a send to a receiver gone still ends the
        // stream, a send to a full channel waits there (and spends the task's budget), and
        // at most READY_FRAMES go by before both are looked at again.
        for _ in 0..READY_FRAMES {
            match socket.next().now_or_never() {
                Some(next) => on_frame(link, next, &mut accepted).await?,
                None => break,
            }
        }
        // The silence allowed counts from here, once the frames are handed over: time spent
        // waiting on a full channel is not the server's silence.
        read_by = Instant::now() + timing.read_timeout;
    }
}

/// At most this many frames the socket holds are taken before the receiver and the timers
/// are looked at again.
const READY_FRAMES: usize = 256;

/// One frame (or the socket's end) as the server sent it: an event is delivered, an error
/// frame may end the stream, and the first frame that is not an error makes it live.
async fn on_frame<E: From<StreamMessage> + Send + 'static>(
    link: &mut Link<E>,
    next: Option<Result<Message, tungstenite::Error>>,
    accepted: &mut bool,
) -> Result<(), Ended> {
    let message = match next {
        None => {
            return Err(Ended::Retry {
                reason: "the server closed the socket".into(),
                retry_after: None,
            });
        }
        Some(Err(e)) => {
            return Err(Ended::Retry {
                reason: format!("the socket broke: {}", describe_error(&e)),
                retry_after: None,
            });
        }
        Some(Ok(message)) => message,
    };
    match message {
        Message::Text(text) => match parse_ws_frame(text.as_str()) {
            Ok(WsFrame::Event { name, payload }) => {
                if !*accepted {
                    *accepted = true;
                    link.live(Transport::Ws).await?;
                }
                link.deliver(name, payload).await
            }
            Ok(WsFrame::Error { message, status }) => {
                match error_frame_ending(status, &message, *accepted) {
                    Some(ended) => Err(ended),
                    None => {
                        tracing::warn!(
                            stream = %link.label(),
                            "the server reported an error: {}",
                            crate::sanitize::sanitize_line(&message)
                        );
                        Ok(())
                    }
                }
            }
            Err(e) => {
                tracing::warn!(stream = %link.label(), "skipped a frame: {e}");
                Ok(())
            }
        },
        Message::Close(frame) => {
            let why = frame
                .map(|f| {
                    format!(
                        " ({} {})",
                        u16::from(f.code),
                        crate::sanitize::sanitize_line(&f.reason)
                    )
                })
                .unwrap_or_default();
            Err(Ended::Retry {
                reason: format!("the server closed the socket{why}"),
                retry_after: None,
            })
        }
        Message::Binary(_) => {
            tracing::warn!(stream = %link.label(), "skipped a binary frame: the API sends text");
            Ok(())
        }
        // Pings are answered by tungstenite on the next read; any frame proves liveness,
        // and a ping before any error frame shows the server kept the subscription.
        Message::Ping(_) | Message::Pong(_) => {
            if !*accepted {
                *accepted = true;
                link.live(Transport::Ws).await?;
            }
            Ok(())
        }
        Message::Frame(_) => Ok(()),
    }
}

/// What an error frame on the open socket means, in the server's words; `None` when the
/// stream goes on. Mastodon sends `{"error":"...","status":401}` for a token without the
/// scope, `401` "Not authorized to stream this list", `400` "Unknown stream type" or a missing
/// tag; a refused token, before acceptance or after (the supervisor tells a revoked one apart).
fn error_frame_ending(status: Option<u16>, message: &str, accepted: bool) -> Option<Ended> {
    let message = crate::text::plain_line(message, 79);
    // Not a refusal of ours but the server failing (a 5xx, a status outside 4xx).
    let server_failed = status.is_some_and(|s| !(400..=499).contains(&s));
    Some(match status {
        // A live stream goes on; one that never started is tried again.
        _ if server_failed && accepted => return None,
        Some(status) if server_failed => Ended::Retry {
            reason: format!("the server could not start the stream ({status} {message})"),
            retry_after: None,
        },
        _ if refusal_is_about_the_token(status, &message) => Ended::Fatal {
            reason: format!("the server refused the access token for this stream ({message})"),
            cause: FailureCause::Credentials,
        },
        _ => Ended::Fatal {
            reason: format!("the server refused the stream ({message})"),
            cause: FailureCause::StreamRefused,
        },
    })
}

/// Sends a close frame (1000, normal closure) and waits for the server's, within
/// [`CLOSE_WAIT`]: a server that sees a socket vanish logs an abnormal closure (1006).
async fn close_politely(socket: &mut Socket) {
    let frame = CloseFrame {
        code: CloseCode::Normal,
        reason: "".into(),
    };
    let goodbye = async {
        if socket.close(Some(frame)).await.is_err() {
            return;
        }
        while let Some(Ok(_)) = socket.next().await {}
    };
    let _ = timeout(CLOSE_WAIT, goodbye).await;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stream::{Timing, TransportChoice};

    fn settings(base: &str) -> StreamSettings {
        StreamSettings {
            base: base.parse().unwrap(),
            token: Some("s3cret".into()),
            transport: TransportChoice::Auto,
            timing: Timing::default(),
            max_event_bytes: 1 << 20,
            keep_raw: false,
            decoding: crate::stream::light::Decoding::Full,
            texts_wanted: Default::default(),
            user_agent: "tootwatch/test".into(),
        }
    }

    #[test]
    fn socket_urls_keep_the_token_out_unless_asked() {
        let s = settings("https://example.com");
        let spec: StreamSpec = "hashtag:local:rust".parse().unwrap();
        assert_eq!(
            ws_url(&s, &spec, WsAuthInUrl::No).as_str(),
            "wss://example.com/api/v1/streaming?stream=hashtag%3Alocal&tag=rust"
        );
        assert!(
            ws_url(&s, &spec, WsAuthInUrl::Yes)
                .as_str()
                .ends_with("&access_token=s3cret")
        );
        let s = settings("http://127.0.0.1:4000/");
        let spec: StreamSpec = "list:42".parse().unwrap();
        assert_eq!(
            ws_url(&s, &spec, WsAuthInUrl::No).as_str(),
            "ws://127.0.0.1:4000/api/v1/streaming?stream=list&list=42"
        );
    }

    /// The cause and reason of a fatal ending; "retry" or "goes on" otherwise.
    fn verdict(status: Option<u16>, message: &str, accepted: bool) -> String {
        match error_frame_ending(status, message, accepted) {
            Some(Ended::Fatal { reason, cause }) => format!("{cause:?}: {reason}"),
            Some(Ended::Retry { reason, .. }) => format!("retry: {reason}"),
            Some(other) => format!("{other:?}"),
            None => "goes on".into(),
        }
    }

    #[test]
    fn error_frames_say_whose_refusal_it_is() {
        assert_eq!(
            verdict(
                Some(401),
                "Access token does not have the required scopes",
                false
            ),
            "Credentials: the server refused the access token for this stream \
             (Access token does not have the required scopes)"
        );
        assert_eq!(
            verdict(Some(401), "Not authorized to stream this list", false),
            "StreamRefused: the server refused the stream (Not authorized to stream this list)"
        );
        assert_eq!(
            verdict(Some(400), "Unknown stream type", false),
            "StreamRefused: the server refused the stream (Unknown stream type)"
        );
        assert_eq!(
            verdict(Some(400), "Missing tag name parameter", true),
            "StreamRefused: the server refused the stream (Missing tag name parameter)"
        );
        assert_eq!(
            verdict(None, "Invalid access token", true),
            "Credentials: the server refused the access token for this stream (Invalid access token)"
        );
        assert_eq!(
            verdict(Some(403), "Forbidden", false),
            "Credentials: the server refused the access token for this stream (Forbidden)"
        );
        assert_eq!(verdict(Some(500), "Redis is down", true), "goes on");
        assert_eq!(
            verdict(Some(500), "Redis is down", false),
            "retry: the server could not start the stream (500 Redis is down)"
        );
        let hostile = format!("\u{1b}[2J{}", "x".repeat(500));
        let line = verdict(Some(400), &hostile, false);
        assert!(
            !line.contains('\u{1b}') && line.chars().count() < 140,
            "{line}"
        );
    }

    #[test]
    fn handshake_carries_the_token_in_a_header_first() {
        let s = settings("https://example.com");
        let spec = StreamSpec::User;
        let r = handshake_request(&s, &spec, WsAuth::Header).unwrap();
        assert_eq!(r.headers()["authorization"], "Bearer s3cret");
        assert_eq!(r.headers()["user-agent"], "tootwatch/test");
        assert!(!r.uri().to_string().contains("s3cret"));
        let r = handshake_request(&s, &spec, WsAuth::Protocol).unwrap();
        assert_eq!(r.headers()["sec-websocket-protocol"], "s3cret");
        assert!(r.headers().get("authorization").is_none());
    }
}
