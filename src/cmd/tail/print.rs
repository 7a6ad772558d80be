//! `tail`'s output: JSON Lines, the text form, and the record file.

use std::io::{self, Write};

use crate::filter::Verdict;
use crate::model::Status;
use crate::sanitize::escape_json_for_terminal;
use crate::stream::{RawEvent, StreamEvent};
use crate::text::{plain_line, push_html_line, push_plain_line};

/// The pipe `tail` writes into, when stdout is one (Linux): a megabyte, not the default
/// 64 KB. A firehose of JSON lines fills 64 KB in the time its reader takes to wake, and
/// each full pipe stops `tail` until the reader has read. A pipe already that large stays as
/// it is; where stdout is no pipe or the system refuses (its limit per user), nothing
/// changes. The size of the pipe now, if stdout is one.
pub fn widen_stdout_pipe() -> Option<usize> {
    #[cfg(any(target_os = "linux", target_os = "android"))]
    {
        const PIPE_BYTES: usize = 1 << 20;
        let stdout = io::stdout();
        let size = rustix::pipe::fcntl_getpipe_size(&stdout).ok()?;
        if size >= PIPE_BYTES {
            return Some(size);
        }
        match rustix::pipe::fcntl_setpipe_size(&stdout, PIPE_BYTES) {
            Ok(widened) => Some(widened),
            Err(e) => {
                tracing::debug!("stdout's pipe stays at {size} bytes: {e}");
                Some(size)
            }
        }
    }
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    None
}

/// Output is written a buffer at a time: a quarter of the pipe, so a write seldom waits for
/// room, within 64 KB (also for a terminal or a file) and 256 KB.
pub fn output_buffer_bytes(pipe: Option<usize>) -> usize {
    pipe.map_or(0, |bytes| bytes / 4).clamp(64 << 10, 256 << 10)
}

/// One record line: `{"at_ms":…,"stream":"…","event":"…","payload":"<raw text>"|null}`.
pub fn write_record(out: &mut impl Write, stream: &str, raw: &RawEvent) -> io::Result<()> {
    let at_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64);
    #[derive(serde::Serialize)]
    struct Line<'a> {
        at_ms: u64,
        stream: &'a str,
        event: &'a str,
        payload: Option<&'a str>,
    }
    serde_json::to_writer(
        &mut *out,
        &Line {
            at_ms,
            stream,
            event: &raw.name,
            payload: raw.payload.as_deref(),
        },
    )?;
    out.write_all(b"\n")
}

/// The JSON Lines form of docs/cli.md. The payload's own JSON text is written as it came, so
/// nothing is parsed twice or re-encoded; only line breaks (whitespace between JSON tokens,
/// as multi-line SSE data joins them) are turned into spaces so each event stays on one line.
pub fn write_json_line(
    out: &mut impl Write,
    stream: &str,
    event: &StreamEvent,
    raw: &RawEvent,
) -> io::Result<()> {
    out.write_all(b"{\"stream\":")?;
    write_json_string(out, stream)?;
    out.write_all(b",\"event\":")?;
    write_json_string(out, &raw.name)?;
    out.write_all(b",\"payload\":")?;
    let payload = raw
        .payload
        .as_deref()
        .map(str::trim)
        .filter(|p| !p.is_empty() && *p != "undefined" && *p != "null");
    match (event, payload) {
        (_, None) => out.write_all(b"null")?,
        (StreamEvent::Delete(id) | StreamEvent::AnnouncementDelete(id), _) => {
            write_json_string(out, id)?
        }
        // Events whose payload was not decoded: it may be anything, so only JSON is written
        // as JSON.
        (
            StreamEvent::Unknown { .. }
            | StreamEvent::FiltersChanged
            | StreamEvent::NotificationsMerged,
            Some(p),
        ) if !is_json(p) => write_json_string(out, p)?,
        (_, Some(p)) => write_one_line(out, &escape_json_for_terminal(p))?,
    }
    out.write_all(b"}\n")
}

/// A JSON string, with what a terminal would act on escaped (JSON escapes only C0 controls).
fn write_json_string(out: &mut impl Write, s: &str) -> io::Result<()> {
    // Stream and event names: printable ASCII with nothing to escape, as they are.
    if s.bytes()
        .all(|b| (0x20..0x7f).contains(&b) && b != b'"' && b != b'\\')
    {
        out.write_all(b"\"")?;
        out.write_all(s.as_bytes())?;
        return out.write_all(b"\"");
    }
    let json = serde_json::to_string(s)?;
    out.write_all(escape_json_for_terminal(&json).as_bytes())
}

fn is_json(text: &str) -> bool {
    serde_json::from_str::<serde::de::IgnoredAny>(text).is_ok()
}

fn write_one_line(out: &mut impl Write, json: &str) -> io::Result<()> {
    let bytes = json.as_bytes();
    if memchr::memchr2(b'\n', b'\r', bytes).is_none() {
        return out.write_all(bytes);
    }
    let flat: Vec<u8> = bytes
        .iter()
        .map(|&b| if b == b'\n' || b == b'\r' { b' ' } else { b })
        .collect();
    out.write_all(&flat)
}

/// The human-readable form: `[stream] event details`, all remote text made safe.
pub fn text_line(stream: &str, event: &StreamEvent) -> String {
    marked_text_line(stream, event, &Verdict::Show)
}

/// The text form with what a filter says of the post: a `warn` filter's title (and media a
/// `blur` filter hides are not counted as shown).
pub fn marked_text_line(stream: &str, event: &StreamEvent, verdict: &Verdict) -> String {
    let mark = match verdict {
        Verdict::Warn { title } => format!("[filtered: {}] ", plain_line(title, 60)),
        Verdict::Blur => "[media hidden by a filter] ".to_string(),
        Verdict::Show | Verdict::Hide => String::new(),
    };
    // One string for the line (one line per post of a firehose).
    let mut line = String::with_capacity(256);
    line.push('[');
    line.push_str(&crate::sanitize::sanitize_line(stream));
    line.push_str("] ");
    line.push_str(&crate::sanitize::sanitize_line(event.name()));
    let before_detail = line.len();
    line.push(' ');
    match event {
        StreamEvent::Update(s) => push_status_summary(&mut line, s, &mark),
        StreamEvent::StatusUpdate(s) => {
            line.push_str("(edited) ");
            push_status_summary(&mut line, s, &mark);
        }
        StreamEvent::Delete(id) | StreamEvent::AnnouncementDelete(id) => {
            push_plain_line(&mut line, id, 40);
        }
        StreamEvent::Notification(n) => {
            push_plain_line(&mut line, n.kind.as_str(), 40);
            // A reaction's emoji (Pleroma, Akkoma), or its `:shortcode:`.
            if let Some(emoji) = n.emoji.as_deref().filter(|e| !e.trim().is_empty()) {
                line.push(' ');
                push_plain_line(&mut line, emoji, 40);
            }
            line.push_str(" from ");
            push_acct(&mut line, &n.account);
            if let Some(s) = n.status.as_deref() {
                line.push_str(": ");
                push_body(&mut line, s);
            }
        }
        StreamEvent::Conversation(c) => {
            push_plain_line(&mut line, &c.id, 40);
            line.push_str(" with ");
            for (i, a) in c.accounts.iter().take(5).enumerate() {
                if i > 0 {
                    line.push_str(", ");
                }
                push_acct(&mut line, a);
            }
            if let Some(s) = c.last_status.as_deref() {
                line.push_str(": ");
                push_body(&mut line, s);
            }
        }
        StreamEvent::Announcement(a) => push_html_line(&mut line, &a.content, 200),
        StreamEvent::AnnouncementReaction(r) => line.push_str(&format!(
            "{} ×{} on announcement {}",
            plain_line(&r.name, 40),
            r.count,
            plain_line(r.announcement_id.as_deref().unwrap_or("?"), 40)
        )),
        StreamEvent::FiltersChanged | StreamEvent::NotificationsMerged => {}
        StreamEvent::Unknown { payload, .. } => {
            line.push_str(&format!(
                "({} bytes)",
                payload.as_ref().map_or(0, String::len)
            ));
        }
    }
    if line.len() == before_detail + 1 {
        // No detail: no space after the event's name.
        line.truncate(before_detail);
    }
    line
}

fn push_acct(line: &mut String, a: &crate::model::Account) {
    line.push('@');
    push_plain_line(line, &a.acct, 80);
}

/// A post's text: its content warning, or its content and how many media it has.
fn push_body(line: &mut String, s: &Status) {
    let s = s.original();
    if !s.spoiler_text.trim().is_empty() {
        line.push_str("CW: ");
        push_plain_line(line, &s.spoiler_text, 120);
        return;
    }
    push_html_line(line, &s.content, 200);
    let media = s.media_attachments.len();
    if media > 0 {
        line.push_str(" [");
        line.push_str(&media.to_string());
        line.push_str(" media]");
    }
}

/// `ID @who: TEXT`, or `ID @who boosted @whom: TEXT`. Without `--exec` or `--resume`,
/// `tail --format text` decodes statuses light (`Decoding::Tail`): a field read here must be
/// kept by `stream::light`'s `tail_view` and by `stream/fast.rs`, or it prints empty (the
/// tests below decode as such a `tail` does).
fn push_status_summary(line: &mut String, s: &Status, mark: &str) {
    push_plain_line(line, &s.id, 40);
    line.push(' ');
    push_acct(line, &s.account);
    if let Some(inner) = s.reblog.as_deref() {
        line.push_str(" boosted ");
        push_acct(line, &inner.account);
    }
    line.push_str(": ");
    line.push_str(mark);
    push_body(line, s);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stream::decode::DecodeError;
    use crate::stream::light::{Decoding, decode_event_as};

    /// The event as a recording keeps it (`decoded` matters only for a text line's second
    /// look, `Printer::event`).
    fn raw(name: &str, payload: Option<&str>) -> RawEvent {
        RawEvent {
            name: name.into(),
            payload: payload.map(str::to_string),
            decoded: Decoding::Full,
        }
    }

    /// Decoded as `tail --format text` decodes: light, with the texts.
    fn tail_decode(name: &str, payload: Option<&str>) -> Result<StreamEvent, DecodeError> {
        decode_event_as(Decoding::Tail, name, payload)
    }

    fn json_line(stream: &str, name: &str, payload: Option<&str>) -> String {
        let event = decode_event_as(Decoding::Ids, name, payload).unwrap();
        let mut out = Vec::new();
        write_json_line(&mut out, stream, &event, &raw(name, payload)).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn json_lines_follow_cli_md() {
        let status = "{\"id\":\"1\",\n\"content\":\"<p>a\\nb</p>\"}";
        let line = json_line("hashtag:rust", "update", Some(status));
        assert_eq!(
            line,
            "{\"stream\":\"hashtag:rust\",\"event\":\"update\",\"payload\":{\"id\":\"1\", \"content\":\"<p>a\\nb</p>\"}}\n"
        );
        let v: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(v["payload"]["id"], "1");
        assert_eq!(
            json_line("public", "delete", Some("113000000000000001")),
            "{\"stream\":\"public\",\"event\":\"delete\",\"payload\":\"113000000000000001\"}\n"
        );
        assert_eq!(
            json_line("user", "filters_changed", Some("undefined")),
            "{\"stream\":\"user\",\"event\":\"filters_changed\",\"payload\":null}\n"
        );
        assert_eq!(
            json_line("user", "weird.new", Some("not json")),
            "{\"stream\":\"user\",\"event\":\"weird.new\",\"payload\":\"not json\"}\n"
        );
        assert_eq!(
            json_line("user", "weird.new", Some("{\"a\":1}")),
            "{\"stream\":\"user\",\"event\":\"weird.new\",\"payload\":{\"a\":1}}\n"
        );
    }

    #[test]
    fn text_lines_are_safe_and_readable() {
        let status = r#"{"id":"7","account":{"acct":"eve\u001b]0;pwned\u0007@evil.example"},"content":"<p>hi <b>there</b>\u001b[2J</p>","media_attachments":[{"id":"1","type":"image"}]}"#;
        let event = tail_decode("update", Some(status)).unwrap();
        let line = text_line("hashtag:rust", &event);
        assert!(!line.chars().any(|c| c.is_control()), "{line:?}");
        assert!(line.starts_with("[hashtag:rust] update 7 @eve"), "{line}");
        assert!(line.ends_with("hi there [1 media]"), "{line}");
        let del = text_line("public", &StreamEvent::Delete("9".into()));
        assert_eq!(del, "[public] delete 9");
    }

    #[test]
    fn posts_notifications_and_conversations_have_their_text_lines() {
        let line = |name: &str, payload: Option<&str>| {
            let event = tail_decode(name, payload).unwrap();
            text_line("user", &event)
        };
        let post = r#"{"id":"7","account":{"acct":"eve"},"content":"<p>hi</p>","media_attachments":[{"id":"1","type":"image"},{"id":"2","type":"image"}]}"#;
        let boost = format!(r#"{{"id":"8","account":{{"acct":"bob"}},"reblog":{post}}}"#);
        let warned =
            r#"{"id":"9","account":{"acct":"eve"},"spoiler_text":"food","content":"<p>x</p>"}"#;
        let mention =
            format!(r#"{{"id":"3","type":"mention","account":{{"acct":"ann"}},"status":{post}}}"#);
        let reaction = format!(
            r#"{{"id":"4","type":"pleroma:emoji_reaction","emoji":"🔥","account":{{"acct":"ann"}},"status":{post}}}"#
        );
        let conversation = format!(
            r#"{{"id":"5","unread":true,"accounts":[{{"acct":"ann"}},{{"acct":"bob"}}],"last_status":{warned}}}"#
        );
        for (name, payload, want) in [
            ("update", Some(post), "[user] update 7 @eve: hi [2 media]"),
            (
                "update",
                Some(boost.as_str()),
                "[user] update 8 @bob boosted @eve: hi [2 media]",
            ),
            (
                "status.update",
                Some(warned),
                "[user] status.update (edited) 9 @eve: CW: food",
            ),
            (
                "notification",
                Some(mention.as_str()),
                "[user] notification mention from @ann: hi [2 media]",
            ),
            (
                "notification",
                Some(reaction.as_str()),
                "[user] notification pleroma:emoji_reaction 🔥 from @ann: hi [2 media]",
            ),
            (
                "conversation",
                Some(conversation.as_str()),
                "[user] conversation 5 with @ann, @bob: CW: food",
            ),
            ("delete", Some("7"), "[user] delete 7"),
            ("filters_changed", None, "[user] filters_changed"),
        ] {
            assert_eq!(line(name, payload), want);
        }
    }

    #[test]
    fn the_output_buffer_is_a_quarter_of_the_pipe_within_bounds() {
        assert_eq!(output_buffer_bytes(None), 64 << 10);
        assert_eq!(output_buffer_bytes(Some(64 << 10)), 64 << 10);
        assert_eq!(output_buffer_bytes(Some(512 << 10)), 128 << 10);
        assert_eq!(output_buffer_bytes(Some(1 << 20)), 256 << 10);
        assert_eq!(output_buffer_bytes(Some(16 << 20)), 256 << 10);
    }

    #[test]
    fn a_warn_filter_is_marked_in_text() {
        let status = r#"{"id":"7","account":{"acct":"eve"},"content":"<p>the finale</p>"}"#;
        let event = tail_decode("update", Some(status)).unwrap();
        let warn = Verdict::Warn {
            title: "Spoilers".into(),
        };
        assert_eq!(
            marked_text_line("public", &event, &warn),
            "[public] update 7 @eve: [filtered: Spoilers] the finale"
        );
    }

    #[test]
    fn records_are_one_json_object_per_line() {
        let mut out = Vec::new();
        write_record(&mut out, "user", &raw("update", Some("{\"id\":\"1\"}"))).unwrap();
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(v["stream"], "user");
        assert_eq!(v["payload"], "{\"id\":\"1\"}");
        assert!(v["at_ms"].as_u64().unwrap() > 1_700_000_000_000);
    }
}
