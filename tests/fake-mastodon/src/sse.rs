//! Server-sent events: `GET /api/v1/streaming/<channel>` (Mastodon flavor only).

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use bytes::{Bytes, BytesMut};
use tokio::time::{Interval, MissedTickBehavior};

use crate::hub::{Conn, Kind};
use crate::rest::{self, json_error, query_map};
use crate::{Fault, Flavor, Shared};

/// Largest chunk built by batching queued events together.
const MAX_BATCH: usize = 64 * 1024;

/// Formats one event as SSE text, honouring `crlf` and `split_data_lines`.
pub(crate) fn format_event(s: &Shared, event: &str, payload: Option<&str>) -> String {
    let eol = if s.crlf { "\r\n" } else { "\n" };
    let len = payload.map_or(9, str::len);
    let mut out = String::with_capacity(event.len() + len + 32);
    out.push_str("event: ");
    out.push_str(event);
    out.push_str(eol);
    match payload {
        None => {
            out.push_str("data: undefined");
            out.push_str(eol);
        }
        Some(p) => {
            for line in p.split('\n') {
                let line = line.strip_suffix('\r').unwrap_or(line);
                if s.split_data_lines {
                    for part in split_json_commas(line) {
                        push_data_line(&mut out, part, eol);
                    }
                } else {
                    push_data_line(&mut out, line, eol);
                }
            }
        }
    }
    out.push_str(eol);
    out
}

fn push_data_line(out: &mut String, line: &str, eol: &str) {
    // A bare `\r` would end the line for the client: split there too.
    for part in line.split('\r') {
        out.push_str("data: ");
        out.push_str(part);
        out.push_str(eol);
    }
}

/// Splits after every `,` that is outside a JSON string, so that joining the parts with `\n`
/// yields an equivalent JSON text.
fn split_json_commas(text: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut start = 0;
    let mut in_string = false;
    let mut escaped = false;
    for (i, b) in text.bytes().enumerate() {
        if in_string {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
            }
        } else if b == b'"' {
            in_string = true;
        } else if b == b',' {
            parts.push(&text[start..=i]);
            start = i + 1;
        }
    }
    parts.push(&text[start..]);
    parts
}

/// Maps an SSE path (after `/api/v1/streaming/`) and its query to a stream key.
fn channel_key(
    s: &Shared,
    path: &str,
    q: &HashMap<String, String>,
) -> Result<String, (u16, &'static str)> {
    let media = q
        .get("only_media")
        .is_some_and(|v| matches!(v.as_str(), "true" | "1"));
    let media_suffix = if media { ":media" } else { "" };
    let path = path.trim_end_matches('/');
    let key = match path {
        "user" => "user".to_owned(),
        "user/notification" => "user:notification".to_owned(),
        "public" => format!("public{media_suffix}"),
        "public/local" => format!("public:local{media_suffix}"),
        "public/remote" => format!("public:remote{media_suffix}"),
        "direct" => "direct".to_owned(),
        "hashtag" | "hashtag/local" => {
            let tag = q
                .get("tag")
                .filter(|t| !t.is_empty())
                .ok_or((400, "Missing tag name parameter"))?;
            let local = if path == "hashtag/local" {
                "local:"
            } else {
                ""
            };
            format!("hashtag:{local}{}", tag.to_lowercase())
        }
        "list" => {
            let list = q
                .get("list")
                .filter(|t| !t.is_empty())
                .ok_or((400, "Missing list name parameter"))?;
            if !rest::list_exists(s, list) {
                return Err((401, "Not authorized to stream this list"));
            }
            format!("list:{list}")
        }
        _ => return Err((400, "Unknown channel requested")),
    };
    Ok(key)
}

pub(crate) async fn handler(
    State(s): State<Arc<Shared>>,
    Path(path): Path<String>,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    if s.flavor != Flavor::Mastodon {
        return rest::not_found();
    }
    let fault = s.fault();
    if let Fault::Status {
        status,
        error,
        retry_after,
    } = &fault
    {
        let mut resp = json_error(*status, error);
        if let Some(secs) = retry_after {
            resp.headers_mut()
                .insert(header::RETRY_AFTER, (*secs).into());
        }
        return resp;
    }
    if let Fault::Redirect { status, location } = &fault {
        return rest::redirect(*status, location, &uri);
    }
    if fault == Fault::Maintenance {
        return rest::maintenance();
    }
    let q = query_map(&uri);
    if let Err(msg) = rest::check_auth(&s, &headers, &q, false) {
        return json_error(401, msg);
    }
    // Over SSE the scopes are checked before streaming starts: a plain refusal.
    if let Fault::RefuseAfterUpgrade { status, error } = &fault {
        return json_error(*status, error);
    }
    let key = match channel_key(&s, &path, &q) {
        Ok(k) => k,
        Err((status, msg)) => return json_error(status, msg),
    };
    let stalled = fault == Fault::Stall;
    let conn = s.hub.register(&s, Kind::Sse, stalled, vec![key]);
    let eol = if s.crlf { "\r\n" } else { "\n" };
    let first = match &fault {
        Fault::Stall => None,
        Fault::GarbageFirst(g) => Some(Bytes::from(format!(":){eol}{g}"))),
        _ => Some(Bytes::from(format!(":){eol}"))),
    };
    let heartbeat = if stalled { None } else { s.heartbeat };
    let hb = heartbeat.map(|d| {
        let mut i = tokio::time::interval_at(tokio::time::Instant::now() + d, d);
        i.set_missed_tick_behavior(MissedTickBehavior::Delay);
        i
    });
    let body = SseBody {
        conn,
        hb,
        first,
        thump: Bytes::from(format!(":thump{eol}")),
        drop_after: match fault {
            Fault::DropAfter(n) => Some(n),
            _ => None,
        },
        delivered: 0,
        done: false,
    };
    let stream = futures_util::stream::unfold(body, |mut b| async move {
        let chunk = b.next_chunk().await?;
        Some((chunk, b))
    });
    (
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, "text/event-stream"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        Body::from_stream(stream),
    )
        .into_response()
}

struct SseBody {
    conn: Conn,
    hb: Option<Interval>,
    first: Option<Bytes>,
    thump: Bytes,
    drop_after: Option<usize>,
    delivered: usize,
    done: bool,
}

pub(crate) async fn tick(hb: &mut Option<Interval>) {
    match hb {
        Some(i) => {
            i.tick().await;
        }
        None => std::future::pending().await,
    }
}

impl SseBody {
    /// An error ends the body without the terminating chunk: the client sees an abrupt end.
    /// Yields once first, so hyper flushes what it was already given before it aborts.
    async fn abort(&mut self) -> Option<Result<Bytes, std::io::Error>> {
        self.done = true;
        tokio::task::yield_now().await;
        Some(Err(std::io::Error::new(
            std::io::ErrorKind::ConnectionAborted,
            "fake-mastodon dropped the connection",
        )))
    }

    fn drop_due(&self) -> bool {
        self.drop_after.is_some_and(|n| self.delivered >= n)
    }

    async fn next_chunk(&mut self) -> Option<Result<Bytes, std::io::Error>> {
        if self.done {
            return None;
        }
        if let Some(first) = self.first.take() {
            return Some(Ok(first));
        }
        if self.drop_due() || self.conn.killed() {
            return self.abort().await;
        }
        let item = tokio::select! {
            biased;
            m = self.conn.rx.recv() => m,
            _ = tick(&mut self.hb) => return Some(Ok(self.thump.clone())),
        };
        let Some(item) = item else {
            return self.abort().await;
        };
        if self.conn.killed() {
            return self.abort().await;
        }
        self.delivered += usize::from(item.event);
        let first = Bytes::from(item.text);
        if self.drop_due() {
            return Some(Ok(first));
        }
        let Ok(next) = self.conn.rx.try_recv() else {
            return Some(Ok(first));
        };
        // More are queued: batch them into one chunk.
        let mut buf = BytesMut::with_capacity((first.len() * 8).min(MAX_BATCH));
        buf.extend_from_slice(&first);
        self.delivered += usize::from(next.event);
        buf.extend_from_slice(next.text.as_bytes());
        while buf.len() < MAX_BATCH && !self.drop_due() {
            match self.conn.rx.try_recv() {
                Ok(item) => {
                    self.delivered += usize::from(item.event);
                    buf.extend_from_slice(item.text.as_bytes());
                }
                Err(_) => break,
            }
        }
        Some(Ok(buf.freeze()))
    }
}

#[cfg(test)]
mod tests {
    use super::split_json_commas;

    #[test]
    fn split_keeps_strings_intact() {
        let text = r#"{"a":"x, y","b":[1,2],"c":"q\",r"}"#;
        let parts = split_json_commas(text);
        assert_eq!(
            parts,
            vec![r#"{"a":"x, y","#, r#""b":[1,"#, r#"2],"#, r#""c":"q\",r"}"#]
        );
        let joined = parts.join("\n");
        let a: serde_json::Value = serde_json::from_str(text).unwrap();
        let b: serde_json::Value = serde_json::from_str(&joined).unwrap();
        assert_eq!(a, b);
    }
}
