//! WebSocket streaming: `GET /api/v1/streaming` upgraded (all flavors).

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::State;
use axum::extract::ws::{
    CloseFrame, Message, Utf8Bytes, WebSocket, WebSocketUpgrade,
    rejection::WebSocketUpgradeRejection,
};
use axum::http::{HeaderMap, HeaderValue, Uri};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use futures_util::SinkExt;
use tokio::time::MissedTickBehavior;

use crate::hub::Kind;
use crate::rest::{self, query_map};
use crate::sse::tick;
use crate::{Fault, Flavor, Shared};

/// Frames written before a flush when several events are queued.
const MAX_BATCH: usize = 256;

/// Appends `s` as a JSON string literal.
pub(crate) fn push_json_str(out: &mut String, s: &str) {
    out.push('"');
    let bytes = s.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let esc: &str = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0..=0x1f => "",
            _ => continue,
        };
        out.push_str(&s[start..i]);
        if esc.is_empty() {
            out.push_str(&format!("\\u{b:04x}"));
        } else {
            out.push_str(esc);
        }
        start = i + 1;
    }
    out.push_str(&s[start..]);
    out.push('"');
}

/// The `"stream"` array of a frame for stream key `key`.
fn push_stream_array(out: &mut String, flavor: Flavor, key: &str) {
    out.push('[');
    let split = if let Some(tag) = key.strip_prefix("hashtag:local:") {
        Some(("hashtag:local", tag))
    } else if let Some(tag) = key.strip_prefix("hashtag:") {
        Some(("hashtag", tag))
    } else if flavor == Flavor::GoToSocial {
        None
    } else {
        key.strip_prefix("list:").map(|id| ("list", id))
    };
    match split {
        Some((name, param)) => {
            push_json_str(out, name);
            out.push(',');
            push_json_str(out, param);
        }
        None => push_json_str(out, key),
    }
    out.push(']');
}

/// Formats one event as a WebSocket text frame for this server's flavor and options.
pub(crate) fn format_event(s: &Shared, key: &str, event: &str, payload: Option<&str>) -> String {
    let len = payload.map_or(0, str::len);
    let mut out = String::with_capacity(len + len / 16 + key.len() + event.len() + 48);
    out.push_str("{\"stream\":");
    push_stream_array(&mut out, s.flavor, key);
    out.push_str(",\"event\":");
    push_json_str(&mut out, event);
    match payload {
        None if s.flavor == Flavor::GoToSocial => out.push_str(",\"payload\":\"\""),
        None => {}
        Some(p) => {
            out.push_str(",\"payload\":");
            if s.ws_payload_as_object && is_json_container(p) {
                out.push_str(p.trim());
            } else {
                push_json_str(&mut out, p);
            }
        }
    }
    out.push('}');
    if s.flavor == Flavor::GoToSocial {
        out.push('\n');
    }
    out
}

fn is_json_container(p: &str) -> bool {
    let t = p.trim_start();
    (t.starts_with('{') || t.starts_with('['))
        && serde_json::from_str::<serde::de::IgnoredAny>(p).is_ok()
}

fn error_frame(s: &Shared, status: u16, msg: &str) -> Message {
    let mut out = String::from("{\"error\":");
    push_json_str(&mut out, msg);
    out.push_str(&format!(",\"status\":{status}}}"));
    if s.flavor == Flavor::GoToSocial {
        out.push('\n');
    }
    Message::Text(out.into())
}

/// Resolves a WebSocket stream name (+ `tag` / `list` / `only_media`) to a stream key.
fn resolve(
    s: &Shared,
    stream: &str,
    tag: Option<&str>,
    list: Option<&str>,
    only_media: bool,
) -> Result<String, (u16, &'static str)> {
    const UNKNOWN: (u16, &str) = (400, "Unknown stream type");
    let media = if only_media { ":media" } else { "" };
    Ok(match stream {
        "user"
        | "user:notification"
        | "direct"
        | "public:media"
        | "public:local:media"
        | "public:remote:media" => stream.to_owned(),
        "public" | "public:local" | "public:remote" => format!("{stream}{media}"),
        "hashtag" | "hashtag:local" => {
            let tag = tag
                .filter(|t| !t.is_empty())
                .ok_or((400, "Missing tag name parameter"))?;
            format!("{stream}:{}", tag.to_lowercase())
        }
        "list" => {
            let list = list
                .filter(|t| !t.is_empty())
                .ok_or((400, "Missing list name parameter"))?;
            if !rest::list_exists(s, list) {
                return Err((401, "Not authorized to stream this list"));
            }
            format!("list:{list}")
        }
        _ => return Err(UNKNOWN),
    })
}

/// The streams GoToSocial accepts a subscription to and then never feeds.
pub(crate) fn gotosocial_never_streams(key: &str) -> bool {
    key.starts_with("hashtag:")
        || matches!(
            key,
            "public:remote" | "public:media" | "public:local:media" | "public:remote:media"
        )
}

fn resolve_query(
    s: &Shared,
    q: &HashMap<String, String>,
) -> Option<Result<String, (u16, &'static str)>> {
    let stream = q.get("stream")?;
    let media = q
        .get("only_media")
        .is_some_and(|v| matches!(v.as_str(), "true" | "1"));
    Some(resolve(
        s,
        stream,
        q.get("tag").map(String::as_str),
        q.get("list").map(String::as_str),
        media,
    ))
}

pub(crate) async fn handler(
    State(s): State<Arc<Shared>>,
    uri: Uri,
    headers: HeaderMap,
    upgrade: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Response {
    if !s.websocket {
        return rest::ws_refusal(404, "Not found", None);
    }
    let fault = s.fault();
    if let Fault::Status {
        status,
        error,
        retry_after,
    } = &fault
    {
        return rest::ws_refusal(*status, error, *retry_after);
    }
    if let Fault::Redirect { status, location } = &fault {
        return rest::redirect(*status, location, &uri);
    }
    if fault == Fault::Maintenance {
        return rest::maintenance();
    }
    let q = query_map(&uri);
    let protocol = match rest::check_auth(&s, &headers, &q, true) {
        Ok(p) => p,
        Err(msg) => return rest::ws_refusal(401, msg, None),
    };
    let mut upgrade = match upgrade {
        Ok(u) => u,
        Err(rejection) => return rejection.into_response(),
    };
    if let Some(p) = protocol.and_then(|p| HeaderValue::from_str(&p).ok()) {
        upgrade.set_selected_protocol(p);
    }
    let initial = resolve_query(&s, &q);
    upgrade.on_upgrade(move |socket| run(s, socket, initial, fault))
}

async fn run(
    s: Arc<Shared>,
    mut socket: WebSocket,
    initial: Option<Result<String, (u16, &'static str)>>,
    fault: Fault,
) {
    let stalled = fault == Fault::Stall;
    let refused = matches!(fault, Fault::RefuseAfterUpgrade { .. });
    let keys = match &initial {
        Some(Ok(k)) if !refused => vec![k.clone()],
        _ => Vec::new(),
    };
    let mut conn = s.hub.register(&s, Kind::Ws, stalled, keys);
    if stalled {
        // Hold the socket, never read nor write (reading would answer pings), until dropped.
        conn.kill_switch().wait().await;
        return;
    }
    let kill = conn.kill_switch();
    // When the hub drops the connection, stop even in the middle of a blocked write; returning
    // drops the socket without a close frame.
    tokio::select! {
        biased;
        _ = kill.wait() => {}
        _ = pump(&s, &mut socket, &mut conn.rx, conn.id, initial, fault) => {}
    }
}

async fn pump(
    s: &Shared,
    socket: &mut WebSocket,
    rx: &mut tokio::sync::mpsc::Receiver<crate::hub::Item>,
    id: u64,
    initial: Option<Result<String, (u16, &'static str)>>,
    fault: Fault,
) {
    let refusal = match &fault {
        Fault::RefuseAfterUpgrade { status, error } => Some((*status, error.as_str())),
        _ => None,
    };
    // Mastodon checks the token's scopes before the stream's own parameters.
    let first_error = match (refusal, &initial) {
        (Some(refusal), Some(_)) => Some(refusal),
        (None, Some(Err((status, msg)))) => Some((*status, *msg)),
        _ => None,
    };
    if let Some((status, msg)) = first_error
        && socket.send(error_frame(s, status, msg)).await.is_err()
    {
        return;
    }
    if let Fault::GarbageFirst(g) = &fault
        && socket.send(Message::Text(g.as_str().into())).await.is_err()
    {
        return;
    }
    let drop_after = match &fault {
        Fault::DropAfter(n) => Some(*n),
        _ => None,
    };
    let mut delivered = 0usize;
    if drop_after == Some(0) {
        return;
    }
    let mut hb = s.heartbeat.map(|d| {
        let mut i = tokio::time::interval_at(tokio::time::Instant::now() + d, d);
        i.set_missed_tick_behavior(MissedTickBehavior::Delay);
        i
    });
    loop {
        tokio::select! {
            biased;
            m = rx.recv() => {
                // None: dropped by the hub. Return without a close frame: the socket is dropped.
                let Some(mut item) = m else { return };
                let mut n = 0;
                loop {
                    delivered += usize::from(item.event);
                    if socket.feed(Message::Text(item.text)).await.is_err() {
                        return;
                    }
                    n += 1;
                    if drop_after.is_some_and(|d| delivered >= d) || n >= MAX_BATCH {
                        break;
                    }
                    match rx.try_recv() {
                        Ok(next) => item = next,
                        Err(_) => break,
                    }
                }
                if socket.flush().await.is_err() {
                    return;
                }
                if drop_after.is_some_and(|d| delivered >= d) {
                    return;
                }
            }
            _ = tick(&mut hb) => {
                if socket.send(Message::Ping(Bytes::new())).await.is_err() {
                    return;
                }
            }
            incoming = socket.recv() => {
                match incoming {
                    None | Some(Err(_)) => return,
                    Some(Ok(Message::Text(t))) => {
                        if let Some(reply) = client_message(s, id, &t, refusal)
                            && socket.send(reply).await.is_err()
                        {
                            return;
                        }
                    }
                    Some(Ok(Message::Binary(_))) => {
                        let close = CloseFrame {
                            code: 1003,
                            reason: Utf8Bytes::from_static("binary frames are not supported"),
                        };
                        let _ = socket.send(Message::Close(Some(close))).await;
                        return;
                    }
                    Some(Ok(Message::Close(frame))) => {
                        crate::lock(&s.close_frames).push(frame.map(|f| f.code));
                        s.hub.notify_change();
                        // tungstenite queued the close reply; write it out.
                        let _ = socket.flush().await;
                        return;
                    }
                    Some(Ok(Message::Ping(_))) => {
                        // tungstenite queued the pong; write it out now.
                        if socket.flush().await.is_err() {
                            return;
                        }
                    }
                    Some(Ok(Message::Pong(_))) => {}
                }
            }
        }
    }
}

/// Handles `{"type":"subscribe"|"unsubscribe","stream":...}`. Returns an error frame to send, if
/// any; `refusal` refuses every subscription (a token without the scope to read streams).
fn client_message(
    s: &Shared,
    id: u64,
    text: &str,
    refusal: Option<(u16, &str)>,
) -> Option<Message> {
    let v: serde_json::Value = serde_json::from_str(text).ok()?;
    let kind = v.get("type")?.as_str()?;
    let stream = v.get("stream").and_then(|x| x.as_str()).unwrap_or("");
    let tag = v.get("tag").and_then(|x| x.as_str());
    let list = match v.get("list") {
        Some(serde_json::Value::String(l)) => Some(l.clone()),
        Some(serde_json::Value::Number(n)) => Some(n.to_string()),
        _ => None,
    };
    let only_media = matches!(v.get("only_media"), Some(serde_json::Value::Bool(true)))
        || v.get("only_media").and_then(|x| x.as_str()) == Some("true");
    match kind {
        "subscribe" if refusal.is_some() => {
            let (status, msg) = refusal?;
            Some(error_frame(s, status, msg))
        }
        "subscribe" => match resolve(s, stream, tag, list.as_deref(), only_media) {
            Ok(key) => {
                s.hub.subscribe(id, key);
                None
            }
            Err((status, msg)) => Some(error_frame(s, status, msg)),
        },
        "unsubscribe" => {
            // Unsubscribing needs no permission check: resolve leniently.
            let key = match stream {
                "hashtag" | "hashtag:local" => {
                    format!("{stream}:{}", tag.unwrap_or("").to_lowercase())
                }
                "list" => format!("list:{}", list.unwrap_or_default()),
                "public" | "public:local" | "public:remote" if only_media => {
                    format!("{stream}:media")
                }
                other => other.to_owned(),
            };
            s.hub.unsubscribe(id, &key);
            None
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::push_json_str;

    #[test]
    fn json_string_escaping_roundtrips() {
        let input = "a\"b\\c\nd\re\tf\u{1}g é 🦀";
        let mut out = String::new();
        push_json_str(&mut out, input);
        let back: String = serde_json::from_str(&out).unwrap();
        assert_eq!(back, input);
    }
}
