//! Server-sent events: an incremental parser that follows the parsing rules of the SSE
//! specification (WHATWG HTML, "Server-sent events"), with size caps because the bytes come
//! from a server we do not trust; and the connection that feeds it.

use tokio::time::{Instant, timeout, timeout_at};

use super::StreamSpec;
use super::link::{Ended, Link, classify_refusal};
use super::supervisor::StreamSettings;
use super::{StreamMessage, Transport};
use crate::http::{describe_reqwest, parse_retry_after, refusal_message};

/// What the parser hands out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SseFrame {
    /// A dispatched event: its type (`message` when the server named none) and its data.
    Event { name: String, data: String },
    /// An event whose lines or data passed the size cap; it was dropped.
    Oversized { name: String, bytes: usize },
}

#[derive(Debug)]
pub struct SseParser {
    max_bytes: usize,
    /// The start of a line that has not ended yet.
    partial: Vec<u8>,
    /// Skipping the rest of a line that passed the cap.
    discarding_line: bool,
    /// The last chunk ended in CR: a LF at the start of the next one belongs to it.
    after_cr: bool,
    at_stream_start: bool,
    name: String,
    data: String,
    has_data: bool,
    oversized: usize,
}

impl SseParser {
    pub fn new(max_bytes: usize) -> Self {
        SseParser {
            max_bytes,
            partial: Vec::new(),
            discarding_line: false,
            after_cr: false,
            at_stream_start: true,
            name: String::new(),
            data: String::new(),
            has_data: false,
            oversized: 0,
        }
    }

    /// Feeds one chunk; every frame completed by it goes to `emit`, in order.
    pub fn push(&mut self, mut chunk: &[u8], emit: &mut impl FnMut(SseFrame)) {
        if self.at_stream_start && !chunk.is_empty() {
            // A UTF-8 BOM may start the stream (and only there); a chunk can split it.
            const BOM: &[u8] = b"\xEF\xBB\xBF";
            let have = self.partial.len();
            let take = (BOM.len() - have).min(chunk.len());
            if BOM[have..have + take] == chunk[..take] {
                if have + take < BOM.len() {
                    self.partial.extend_from_slice(&chunk[..take]);
                    return;
                }
                self.partial.clear();
                chunk = &chunk[take..];
            } else if have > 0 {
                let held = std::mem::take(&mut self.partial);
                self.at_stream_start = false;
                self.push(&held, emit);
            }
            self.at_stream_start = false;
        }
        // An empty chunk between the CR and its LF changes nothing.
        if self.after_cr && !chunk.is_empty() {
            self.after_cr = false;
            if let Some(rest) = chunk.strip_prefix(b"\n") {
                chunk = rest;
            }
        }
        while !chunk.is_empty() {
            let Some(end) = memchr::memchr2(b'\n', b'\r', chunk) else {
                self.keep_partial(chunk);
                return;
            };
            let mut next = end + 1;
            if chunk[end] == b'\r' {
                match chunk.get(next) {
                    Some(b'\n') => next += 1,
                    Some(_) => {}
                    None => self.after_cr = true,
                }
            }
            if self.discarding_line {
                self.discarding_line = false;
                self.partial.clear();
            } else if self.partial.is_empty() && end <= self.max_bytes {
                self.line(&chunk[..end], emit);
            } else if self.partial.is_empty() {
                // The same cap as for a line that arrives in pieces, wherever chunks split.
                self.mark_oversized(end);
            } else if self.partial.len() + end > self.max_bytes {
                self.partial.clear();
                self.mark_oversized(end);
            } else {
                let mut line = std::mem::take(&mut self.partial);
                line.extend_from_slice(&chunk[..end]);
                self.line(&line, emit);
                line.clear();
                self.partial = line;
            }
            chunk = &chunk[next..];
        }
    }

    fn keep_partial(&mut self, bytes: &[u8]) {
        if self.discarding_line {
            return;
        }
        if self.partial.len() + bytes.len() > self.max_bytes {
            let len = self.partial.len() + bytes.len();
            self.partial = Vec::new();
            self.discarding_line = true;
            self.mark_oversized(len);
        } else {
            self.partial.extend_from_slice(bytes);
        }
    }

    fn mark_oversized(&mut self, bytes: usize) {
        self.oversized = self.oversized.saturating_add(bytes.max(1));
        self.data = String::new();
        self.has_data = false;
    }

    fn line(&mut self, line: &[u8], emit: &mut impl FnMut(SseFrame)) {
        if line.is_empty() {
            self.dispatch(emit);
            return;
        }
        if line[0] == b':' {
            return; // a comment: heartbeats such as `:thump`
        }
        let (field, value) = match memchr::memchr(b':', line) {
            Some(i) => {
                let v = &line[i + 1..];
                (&line[..i], v.strip_prefix(b" ").unwrap_or(v))
            }
            None => (line, &b""[..]),
        };
        match field {
            // Invalid UTF-8 becomes U+FFFD, three bytes for each bad byte: the caps count
            // what is kept, not what arrived (found by fuzzing).
            b"event" => {
                let name = utf8(value);
                if name.len() > self.max_bytes {
                    self.mark_oversized(name.len());
                } else {
                    self.name = name.into_owned();
                }
            }
            b"data" => {
                if self.oversized > 0 {
                    self.oversized = self.oversized.saturating_add(value.len());
                    return;
                }
                let text = utf8(value);
                if self.data.len() + text.len() + 1 > self.max_bytes {
                    let len = self.data.len() + text.len();
                    self.mark_oversized(len);
                    return;
                }
                if self.has_data {
                    self.data.push('\n');
                }
                self.has_data = true;
                self.data.push_str(&text);
            }
            // `id` and `retry` steer a browser's own reconnection; our supervisor has its own.
            _ => {}
        }
    }

    fn dispatch(&mut self, emit: &mut impl FnMut(SseFrame)) {
        let name = std::mem::take(&mut self.name);
        if self.oversized > 0 {
            let bytes = std::mem::take(&mut self.oversized);
            emit(SseFrame::Oversized {
                name: if name.is_empty() {
                    "message".into()
                } else {
                    name
                },
                bytes,
            });
            return;
        }
        if !self.has_data && name.is_empty() {
            return;
        }
        // The specification drops an event with no data; servers send `filters_changed`
        // both with `data: undefined` and without data, so a named event without data counts.
        self.has_data = false;
        emit(SseFrame::Event {
            name: if name.is_empty() {
                "message".into()
            } else {
                name
            },
            data: std::mem::take(&mut self.data),
        });
    }
}

/// The URL of a stream's event source.
/// The text of a field. `from_utf8_lossy` walks its input a byte at a time (12,000
/// instructions for a 1.7 KB status, more than its typed decode's string scanning); the
/// validation of `from_utf8` passes ASCII a word at a time, and only invalid input pays for
/// the replacement.
fn utf8(value: &[u8]) -> std::borrow::Cow<'_, str> {
    match std::str::from_utf8(value) {
        Ok(text) => std::borrow::Cow::Borrowed(text),
        Err(_) => String::from_utf8_lossy(value),
    }
}

fn sse_url(settings: &StreamSettings, spec: &StreamSpec) -> url::Url {
    let (path, params) = spec.sse_path();
    let mut url = settings.base.clone();
    url.path_segments_mut()
        .map(|mut p| {
            p.pop_if_empty()
                .extend(["api", "v1", "streaming"])
                .extend(path.split('/'));
        })
        .ok();
    if !params.is_empty() {
        url.query_pairs_mut().extend_pairs(params);
    }
    url
}

/// Reads at most this much of a refusal's body: enough for `{"error": ...}`.
const REFUSAL_BODY_LIMIT: usize = 4096;

pub(crate) async fn connect_and_read<E: From<StreamMessage> + Send + 'static>(
    link: &mut Link<E>,
    spec: &StreamSpec,
) -> Ended {
    match read_stream(link, spec).await {
        Ok(never) => match never {},
        Err(ended) => ended,
    }
}

async fn read_stream<E: From<StreamMessage> + Send + 'static>(
    link: &mut Link<E>,
    spec: &StreamSpec,
) -> Result<std::convert::Infallible, Ended> {
    let settings = link.settings.clone();
    let timing = settings.timing;
    let mut request = link
        .http
        .get(sse_url(&settings, spec))
        .header(reqwest::header::ACCEPT, "text/event-stream")
        .header(reqwest::header::CACHE_CONTROL, "no-cache");
    if let Some(token) = &settings.token {
        request = request.bearer_auth(token);
    }
    let mut response = match timeout(timing.connect_timeout, request.send()).await {
        Err(_) => {
            return Err(Ended::Retry {
                reason: format!(
                    "no answer within {} s",
                    timing.connect_timeout.as_secs_f32()
                ),
                retry_after: None,
            });
        }
        Ok(Err(e)) => {
            return Err(Ended::Retry {
                reason: describe_reqwest(e),
                retry_after: None,
            });
        }
        Ok(Ok(r)) => r,
    };
    let status = response.status();
    if !status.is_success() {
        let retry_after = parse_retry_after(
            response
                .headers()
                .get(reqwest::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok()),
        );
        let mut body = Vec::new();
        // One deadline for the whole body: a trickling refusal must not hold us either.
        let deadline = Instant::now() + timing.connect_timeout;
        while body.len() < REFUSAL_BODY_LIMIT {
            match timeout_at(deadline, response.chunk()).await {
                Ok(Ok(Some(chunk))) => body.extend_from_slice(&chunk),
                _ => break,
            }
        }
        let message = refusal_message(status.as_u16(), None, &body);
        return Err(classify_refusal(
            status.as_u16(),
            message,
            retry_after,
            Transport::Sse,
        ));
    }
    let content_type = response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !content_type.starts_with("text/event-stream") {
        return Err(Ended::Unsupported {
            reason: format!(
                "the event-stream endpoint answered with `{}`, not an event stream",
                crate::sanitize::sanitize_line(content_type)
            ),
        });
    }
    link.live(Transport::Sse).await?;
    let mut parser = SseParser::new(settings.max_event_bytes);
    let mut frames = Vec::new();
    // The read deadline counts from the last complete line (an event's line or a heartbeat),
    // not the last byte: a server trickling a byte at a time must not hold us forever.
    let mut deadline = Instant::now() + timing.read_timeout;
    let mut trickled = 0usize;
    let no_line = |trickled: usize| Ended::Retry {
        reason: format!(
            "no complete line for {} s, only {}",
            timing.read_timeout.as_secs_f32(),
            if trickled < 1 << 20 {
                format!("a trickle of {trickled} bytes")
            } else {
                format!("{} MB without a line end", trickled >> 20)
            }
        ),
        retry_after: None,
    };
    loop {
        let chunk = match timeout_at(deadline, response.chunk()).await {
            Err(_) if trickled > 0 => return Err(no_line(trickled)),
            Err(_) => {
                return Err(Ended::Retry {
                    reason: format!(
                        "nothing arrived for {} s, not even a heartbeat",
                        timing.read_timeout.as_secs_f32()
                    ),
                    retry_after: None,
                });
            }
            Ok(Ok(None)) => {
                return Err(Ended::Retry {
                    reason: "the server closed the stream".into(),
                    retry_after: None,
                });
            }
            Ok(Err(e)) => {
                return Err(Ended::Retry {
                    reason: format!("the stream broke: {}", describe_reqwest(e)),
                    retry_after: None,
                });
            }
            Ok(Ok(Some(chunk))) => chunk,
        };
        if memchr::memchr2(b'\n', b'\r', &chunk).is_some() {
            deadline = Instant::now() + timing.read_timeout;
            trickled = 0;
        } else {
            trickled = trickled.saturating_add(chunk.len());
        }
        parser.push(&chunk, &mut |frame| frames.push(frame));
        for frame in frames.drain(..) {
            match frame {
                SseFrame::Event { name, data } => link.deliver(name, Some(data)).await?,
                SseFrame::Oversized { name, bytes } => tracing::warn!(
                    stream = %link.label(),
                    "dropped a `{}` event of {bytes} bytes: over the {} byte cap",
                    crate::sanitize::sanitize_line(&name),
                    settings.max_event_bytes
                ),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_chunks(chunks: &[&[u8]], max: usize) -> Vec<SseFrame> {
        let mut p = SseParser::new(max);
        let mut out = Vec::new();
        for c in chunks {
            p.push(c, &mut |f| out.push(f));
        }
        out
    }

    fn ev(name: &str, data: &str) -> SseFrame {
        SseFrame::Event {
            name: name.into(),
            data: data.into(),
        }
    }

    /// Every split point of the input must give the same frames as the whole input.
    fn parse_every_split(input: &[u8]) -> Vec<SseFrame> {
        let whole = parse_chunks(&[input], 1 << 20);
        for i in 0..=input.len() {
            let (a, b) = input.split_at(i);
            assert_eq!(parse_chunks(&[a, b], 1 << 20), whole, "split at {i}");
        }
        let bytes: Vec<&[u8]> = input.chunks(1).collect();
        assert_eq!(parse_chunks(&bytes, 1 << 20), whole, "byte by byte");
        whole
    }

    #[test]
    fn mastodon_stream_with_heartbeats() {
        let input = b":)\nevent: update\ndata: {\"id\":\"1\"}\n\n:thump\nevent: delete\ndata: 113000000000000001\n\n";
        assert_eq!(
            parse_every_split(input),
            vec![
                ev("update", "{\"id\":\"1\"}"),
                ev("delete", "113000000000000001")
            ]
        );
    }

    #[test]
    fn crlf_and_lone_cr_line_ends() {
        let input = b"event: update\r\ndata: a\r\n\r\nevent: delete\rdata: 7\r\r";
        assert_eq!(
            parse_every_split(input),
            vec![ev("update", "a"), ev("delete", "7")]
        );
    }

    #[test]
    fn multi_line_data_joins_with_newlines() {
        let input = b"event: update\ndata: {\"id\":\ndata:\"1\"}\ndata\n\n";
        assert_eq!(
            parse_every_split(input),
            vec![ev("update", "{\"id\":\n\"1\"}\n")]
        );
    }

    #[test]
    fn field_rules_of_the_specification() {
        // only one leading space is stripped; unknown fields and id/retry are ignored
        let input = b"event:update\nid: 5\nretry: 100\nfoo: bar\ndata:  two spaces\n\n";
        assert_eq!(parse_every_split(input), vec![ev("update", " two spaces")]);
    }

    #[test]
    fn unnamed_event_is_message_and_empty_events_are_skipped() {
        let input = b"data: x\n\n\n\n: only a comment\n\n";
        assert_eq!(parse_every_split(input), vec![ev("message", "x")]);
    }

    #[test]
    fn named_event_without_data_and_undefined_data() {
        let input = b"event: filters_changed\n\nevent: filters_changed\ndata: undefined\n\n";
        assert_eq!(
            parse_every_split(input),
            vec![
                ev("filters_changed", ""),
                ev("filters_changed", "undefined")
            ]
        );
    }

    #[test]
    fn bom_at_start_is_ignored() {
        let input = b"\xEF\xBB\xBFevent: delete\ndata: 1\n\n";
        assert_eq!(parse_every_split(input), vec![ev("delete", "1")]);
        // a BOM-like prefix that is not a BOM is kept, making `\xEFevent` an unknown field
        let input = b"\xEFevent: delete\ndata: 1\n\n";
        assert_eq!(parse_every_split(input), vec![ev("message", "1")]);
    }

    #[test]
    fn invalid_utf8_is_replaced_not_fatal() {
        let input = b"event: delete\ndata: 1\xFF2\n\nevent: delete\ndata: 3\n\n";
        assert_eq!(
            parse_every_split(input),
            vec![ev("delete", "1\u{FFFD}2"), ev("delete", "3")]
        );
    }

    #[test]
    fn an_oversized_line_is_dropped_and_the_stream_goes_on() {
        let big = "x".repeat(5000);
        let input = format!("event: update\ndata: {big}\n\nevent: delete\ndata: 9\n\n");
        let bytes = input.as_bytes();
        let chunks: Vec<&[u8]> = bytes.chunks(700).collect();
        let out = parse_chunks(&chunks, 1000);
        assert!(
            matches!(&out[0], SseFrame::Oversized { name, bytes } if name == "update" && *bytes >= 1000)
        );
        assert_eq!(out[1], ev("delete", "9"));
        assert_eq!(out.len(), 2);
        // and as one chunk
        let out = parse_chunks(&[bytes], 1000);
        assert!(matches!(&out[0], SseFrame::Oversized { .. }));
        assert_eq!(out[1], ev("delete", "9"));
    }

    #[test]
    fn many_data_lines_past_the_cap_are_dropped() {
        let mut input = String::from("event: update\n");
        for _ in 0..100 {
            input.push_str("data: 0123456789\n");
        }
        input.push_str("\nevent: delete\ndata: 1\n\n");
        let out = parse_chunks(&[input.as_bytes()], 500);
        assert!(matches!(&out[0], SseFrame::Oversized { .. }));
        assert_eq!(out[1], ev("delete", "1"));
    }

    #[test]
    fn the_line_cap_does_not_depend_on_chunking() {
        // Found by fuzzing: a long `event:` line in one chunk passed, split it was dropped.
        let name = "n".repeat(40);
        let input = format!("event: {name}\ndata: x\n\nevent: delete\ndata: 1\n\n");
        let whole = parse_chunks(&[input.as_bytes()], 32);
        let split: Vec<&[u8]> = input.as_bytes().chunks(5).collect();
        let split = parse_chunks(&split, 32);
        assert!(matches!(&whole[0], SseFrame::Oversized { .. }), "{whole:?}");
        assert!(matches!(&split[0], SseFrame::Oversized { .. }), "{split:?}");
        assert_eq!(whole[1], ev("delete", "1"));
        assert_eq!(split[1], ev("delete", "1"));
    }

    #[test]
    fn invalid_utf8_cannot_grow_an_event_past_the_cap() {
        // 20 bad bytes become 60 bytes of U+FFFD: past a cap of 40.
        let mut input = b"event: delete\ndata: ".to_vec();
        input.extend([0xff; 20]);
        input.extend(b"\n\nevent: \xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\n\n");
        let out = parse_chunks(&[&input], 40);
        assert!(matches!(&out[0], SseFrame::Oversized { .. }), "{out:?}");
        assert!(matches!(&out[1], SseFrame::Oversized { .. }), "{out:?}");
    }

    #[test]
    fn an_empty_chunk_between_cr_and_lf_is_nothing() {
        let out = parse_chunks(&[b"event: delete\ndata: 1\r", b"", b"\ndata: 2\n\n"], 1000);
        assert_eq!(out, vec![ev("delete", "1\n2")]);
    }

    #[test]
    fn partial_buffer_stays_bounded() {
        let mut p = SseParser::new(1000);
        let chunk = vec![b'a'; 4096];
        for _ in 0..1000 {
            p.push(&chunk, &mut |_| {});
        }
        assert!(p.partial.capacity() <= 1000 + 4096);
        let mut out = Vec::new();
        p.push(b"\n\nevent: delete\ndata: 2\n\n", &mut |f| out.push(f));
        assert_eq!(out.last(), Some(&ev("delete", "2")));
    }
}
