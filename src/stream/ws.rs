//! The WebSocket transport: one socket per stream, subscribed through the URL's `stream=`.

use futures_util::StreamExt;
use tokio::time::timeout;
use tokio_tungstenite::tungstenite::{self, Message, client::IntoClientRequest, http};

use super::decode::{WsFrame, parse_ws_frame};
use super::supervisor::{
    Ended, Link, StreamSettings, WsAuth, classify_refusal, describe_error, parse_retry_after,
    refusal_message,
};
use super::{FailureCause, StreamMessage, StreamSpec, Transport};

/// The socket URL: `ws(s)://host/api/v1/streaming?stream=...`, with the token only when the
/// server accepts it nowhere else.
pub fn ws_url(settings: &StreamSettings, spec: &StreamSpec, auth: WsAuthInUrl) -> url::Url {
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
pub enum WsAuthInUrl {
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
    let mut socket = match timeout(timing.connect_timeout, connecting).await {
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
    link.live(Transport::Ws).await?;
    loop {
        let message = match timeout(timing.read_timeout, socket.next()).await {
            Err(_) => {
                return Err(Ended::Retry {
                    reason: format!(
                        "nothing arrived for {} s, not even a ping",
                        timing.read_timeout.as_secs_f32()
                    ),
                    retry_after: None,
                });
            }
            Ok(None) => {
                return Err(Ended::Retry {
                    reason: "the server closed the socket".into(),
                    retry_after: None,
                });
            }
            Ok(Some(Err(e))) => {
                return Err(Ended::Retry {
                    reason: format!("the socket broke: {}", describe_error(&e)),
                    retry_after: None,
                });
            }
            Ok(Some(Ok(message))) => message,
        };
        match message {
            Message::Text(text) => match parse_ws_frame(text.as_str()) {
                Ok(WsFrame::Event { name, payload }) => link.deliver(name, payload).await?,
                Ok(WsFrame::Error { message, status }) => {
                    let message = crate::sanitize::sanitize_line(&message).into_owned();
                    match status {
                        Some(401 | 403) => {
                            return Err(Ended::Fatal {
                                reason: format!("the server refused the access token ({message})"),
                                cause: FailureCause::Credentials,
                            });
                        }
                        Some(400..=499) | None => {
                            return Err(Ended::Fatal {
                                reason: format!("the server refused the stream ({message})"),
                                cause: FailureCause::StreamRefused,
                            });
                        }
                        Some(status) => {
                            tracing::warn!(stream = %link.label(), "server error {status}: {message}")
                        }
                    }
                }
                Err(e) => tracing::warn!(stream = %link.label(), "skipped a frame: {e}"),
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
                return Err(Ended::Retry {
                    reason: format!("the server closed the socket{why}"),
                    retry_after: None,
                });
            }
            Message::Binary(_) => {
                tracing::warn!(stream = %link.label(), "skipped a binary frame: the API sends text")
            }
            // Pings are answered by tungstenite on the next read; any frame proves liveness.
            Message::Ping(_) | Message::Pong(_) | Message::Frame(_) => {}
        }
    }
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
