//! `tootwatch tail`: the streams as lines on stdout, connection changes on stderr.

use std::collections::{HashSet, VecDeque};
use std::io::{self, BufWriter, Write};
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use tokio::sync::mpsc;

use crate::cli::{Format, TailArgs};
use crate::filter;
use crate::model::Status;
use crate::sanitize::escape_json_for_terminal;
use crate::setup::{self, Failure};
use crate::stream::{
    ConnectionState, FailureCause, RawEvent, StreamEvent, StreamId, StreamMessage, StreamSpec,
    spawn_stream,
};
use crate::text::{html_to_line, plain_line};

/// One subscription of the command line: which group (merged tab) it belongs to.
struct Member {
    name: String,
    context: crate::model::FilterContext,
    group: usize,
}

pub async fn run(args: TailArgs) -> Result<ExitCode, Failure> {
    let resolved = setup::resolve(&args.server)?;
    let keep_raw = args.format == Format::Json || args.record.is_some();
    let connected = setup::connect(&resolved, keep_raw).await?;
    let mut groups = args.streams.clone();
    setup::resolve_lists(&connected.api, &mut groups).await?;

    let mut record = match &args.record {
        Some(path) => Some(open_record(path)?),
        None => None,
    };
    let (tx, mut rx) = mpsc::channel::<StreamMessage>(resolved.limits.channel_capacity);
    let mut members = Vec::new();
    for (group, specs) in groups.iter().enumerate() {
        for spec in specs {
            let id = StreamId(members.len());
            members.push(Member {
                name: spec.to_string(),
                context: spec.filter_context(),
                group,
            });
            spawn_stream(
                id,
                spec.clone(),
                connected.settings.clone(),
                connected.api.http().clone(),
                tx.clone(),
            );
        }
    }
    // Catch-up tasks feed the same channel; a weak handle lets the channel close when every
    // stream task has ended.
    let catch_up_tx = tx.downgrade();
    drop(tx);
    let specs: Vec<StreamSpec> = groups.iter().flatten().cloned().collect();
    let mut progress: Vec<Progress> = specs.iter().map(|_| Progress::default()).collect();
    let mut seen: Vec<RecentIds> = groups.iter().map(|_| RecentIds::new(4096)).collect();

    let mut patterns = resolved.config.watch.highlights.clone();
    patterns.extend(args.watch.highlight.iter().cloned());
    let highlights =
        crate::matching::Highlights::new(&patterns).map_err(|e| Failure::usage(e.to_string()))?;
    let hook = crate::app::watch_hook(&args.watch, &resolved.config.watch)?;

    let mut out = BufWriter::with_capacity(64 * 1024, io::stdout());
    let mut printed: u64 = 0;
    let mut key_buffer = String::new();
    let mut terminate = terminate_signal();
    'events: loop {
        let first = tokio::select! {
            m = rx.recv() => m,
            _ = tokio::signal::ctrl_c() => break 'events,
            _ = &mut terminate => break 'events,
        };
        let Some(first) = first else {
            return Err(Failure::other("every stream has ended"));
        };
        // Drain what is queued, then flush once: a burst costs one write, a lone event is
        // still on stdout at once.
        let mut next = Some(first);
        while let Some(message) = next {
            match message {
                StreamMessage::State { stream, state } => {
                    let member = &members[stream.0];
                    if matches!(state, ConnectionState::Live { .. }) {
                        let p = &mut progress[stream.0];
                        if p.ever_live
                            && let Some(tx) = catch_up_tx.upgrade()
                        {
                            spawn_catch_up(
                                connected.api.clone(),
                                stream,
                                specs[stream.0].clone(),
                                p.clone(),
                                resolved.limits.catch_up_posts,
                                keep_raw,
                                tx,
                            );
                        }
                        p.ever_live = true;
                    }
                    if let ConnectionState::Failed { reason, cause } = &state {
                        finish(&mut out, &mut record);
                        return Err(stream_failure(&member.name, reason, *cause));
                    }
                    // "connecting" is noise on a terminal; live, reconnecting and failed matter.
                    let worth_saying = !matches!(state, ConnectionState::Connecting { .. });
                    if !args.quiet && worth_saying {
                        eprintln!("tootwatch: {}: {state}", member.name);
                    }
                }
                StreamMessage::Event { stream, event, raw } => {
                    let member = &members[stream.0];
                    progress[stream.0].saw(&event);
                    if let (Some(file), Some(raw)) = (record.as_mut(), raw.as_ref()) {
                        write_record(file, &member.name, raw).map_err(|e| {
                            Failure::other(format!("cannot write the record file: {e}"))
                        })?;
                    }
                    if !args.no_filter && is_filtered(&event, &member.context) {
                        next = rx.try_recv().ok();
                        continue;
                    }
                    // Merged streams carry one post twice; a catch-up may overlap the live stream.
                    if let Some(key) = dedupe_key(&event, &mut key_buffer)
                        && !seen[member.group].insert(key)
                    {
                        next = rx.try_recv().ok();
                        continue;
                    }
                    let written = match args.format {
                        Format::Json => match &raw {
                            Some(raw) => write_json_line(&mut out, &member.name, &event, raw),
                            None => Ok(()),
                        },
                        Format::Text => writeln!(out, "{}", text_line(&member.name, &event)),
                    };
                    if let Err(e) = written {
                        return closed_stdout(e);
                    }
                    if let (Some(hook), StreamEvent::Update(status)) = (&hook, &event)
                        && (highlights.is_empty() || highlights.matches_status(status))
                    {
                        let json = match raw.as_ref().and_then(|r| r.payload.clone()) {
                            Some(p) => p,
                            None => serde_json::to_string(status).unwrap_or_default(),
                        };
                        hook.fire(json);
                    }
                    printed += 1;
                    if args.count.is_some_and(|n| printed >= n) {
                        if let Err(e) = out.flush() {
                            return closed_stdout(e);
                        }
                        break 'events;
                    }
                }
            }
            next = rx.try_recv().ok();
        }
        if let Err(e) = out.flush() {
            return closed_stdout(e);
        }
        if let Some(file) = record.as_mut() {
            file.flush()
                .map_err(|e| Failure::other(format!("cannot write the record file: {e}")))?;
        }
    }
    let code = finish(&mut out, &mut record);
    if let Some(hook) = &hook {
        hook.finish().await;
    }
    Ok(code)
}

/// A reader that went away (`tail | head`) is a normal end, not an error.
fn closed_stdout(e: io::Error) -> Result<ExitCode, Failure> {
    if e.kind() == io::ErrorKind::BrokenPipe {
        Ok(ExitCode::SUCCESS)
    } else {
        Err(Failure::other(format!("cannot write to stdout: {e}")))
    }
}

fn finish(out: &mut impl Write, record: &mut Option<BufWriter<std::fs::File>>) -> ExitCode {
    let _ = out.flush();
    if let Some(r) = record {
        let _ = r.flush();
    }
    ExitCode::SUCCESS
}

#[cfg(unix)]
fn terminate_signal() -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>> {
    match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        Ok(mut s) => Box::pin(async move {
            s.recv().await;
        }),
        Err(_) => Box::pin(std::future::pending()),
    }
}

#[cfg(not(unix))]
fn terminate_signal() -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>> {
    Box::pin(std::future::pending())
}

pub(crate) fn stream_failure(stream: &str, reason: &str, cause: FailureCause) -> Failure {
    match cause {
        FailureCause::Credentials => Failure::refused(format!(
            "{stream}: {reason}; sign in again with `tootwatch login`, or check --token / TOOTWATCH_TOKEN (it needs the `read` scope)"
        )),
        FailureCause::Revoked => Failure::refused(format!(
            "{stream}: {reason}; the token was revoked while streaming: get a new one"
        )),
        FailureCause::StreamRefused => Failure::refused(format!(
            "{stream}: {reason}; check the STREAM (`tootwatch check {stream}` explains more)"
        )),
        FailureCause::NoStreaming => Failure::other(format!(
            "{stream}: {reason}; the server offers no streaming API we can use (try --streaming-url)"
        )),
    }
}

fn open_record(path: &Path) -> Result<BufWriter<std::fs::File>, Failure> {
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map(BufWriter::new)
        .map_err(|e| {
            Failure::other(format!(
                "cannot open the record file {}: {e}",
                path.display()
            ))
        })
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

fn is_filtered(event: &StreamEvent, context: &crate::model::FilterContext) -> bool {
    let now = jiff::Timestamp::now();
    match event {
        StreamEvent::Update(s) | StreamEvent::StatusUpdate(s) => {
            filter::hides_status(s, context, now)
        }
        StreamEvent::Notification(n) => filter::hides_notification(n, now),
        _ => false,
    }
}

/// Statuses and notifications number their ids separately: keep them apart. `key` is a
/// buffer reused from event to event.
fn dedupe_key<'k>(event: &StreamEvent, key: &'k mut String) -> Option<&'k str> {
    let (prefix, id) = match event {
        StreamEvent::Update(s) => ("s:", &s.id),
        StreamEvent::Notification(n) => ("n:", &n.id),
        _ => return None,
    };
    key.clear();
    key.push_str(prefix);
    key.push_str(id);
    Some(key)
}

/// What one stream has delivered: where a catch-up after a reconnect starts.
#[derive(Debug, Clone, Default)]
struct Progress {
    ever_live: bool,
    newest_status: Option<String>,
    newest_notification: Option<String>,
}

impl Progress {
    fn saw(&mut self, event: &StreamEvent) {
        // Kept in place: a firehose costs no allocation here.
        let (newest, id) = match event {
            StreamEvent::Update(s) => (&mut self.newest_status, &s.id),
            StreamEvent::Notification(n) => (&mut self.newest_notification, &n.id),
            _ => return,
        };
        let newest = newest.get_or_insert_with(String::new);
        newest.clear();
        newest.push_str(id);
    }
}

/// Fetches what a stream missed while it was away and feeds it, oldest first, into the same
/// channel as live events, so it prints exactly as if it had arrived live.
fn spawn_catch_up(
    api: crate::api::Api,
    stream: StreamId,
    spec: StreamSpec,
    progress: Progress,
    bound: usize,
    keep_raw: bool,
    tx: mpsc::Sender<StreamMessage>,
) {
    use crate::api::timeline::History;
    tokio::spawn(async move {
        let mut batches = Vec::new();
        let timeline = match spec {
            StreamSpec::UserNotification | StreamSpec::Direct => None,
            _ => progress.newest_status.map(|id| (spec.clone(), id)),
        };
        let notifications = match spec {
            StreamSpec::User | StreamSpec::UserNotification => progress
                .newest_notification
                .map(|id| (StreamSpec::UserNotification, id)),
            _ => None,
        };
        for (what, since) in timeline.into_iter().chain(notifications) {
            match api.catch_up(&what, &since, bound).await {
                Ok(found) => {
                    if !found.complete {
                        tracing::warn!(
                            "{spec}: more than {bound} posts were missed; printing the oldest {bound}"
                        );
                    }
                    batches.push(found.items);
                }
                Err(e) => tracing::warn!("{spec}: catching up failed: {e}"),
            }
        }
        for batch in batches {
            let events: Vec<StreamEvent> = match batch {
                History::Statuses(v) => v
                    .into_iter()
                    .rev()
                    .map(|s| StreamEvent::Update(Box::new(s)))
                    .collect(),
                History::Notifications(v) => v
                    .into_iter()
                    .rev()
                    .map(|n| StreamEvent::Notification(Box::new(n)))
                    .collect(),
                History::Conversations(_) => Vec::new(),
            };
            for event in events {
                let raw = keep_raw.then(|| RawEvent {
                    name: event.name().to_string(),
                    payload: match &event {
                        StreamEvent::Update(s) => serde_json::to_string(s).ok(),
                        StreamEvent::Notification(n) => serde_json::to_string(n).ok(),
                        _ => None,
                    },
                });
                if tx
                    .send(StreamMessage::Event { stream, event, raw })
                    .await
                    .is_err()
                {
                    return;
                }
            }
        }
    });
}

/// The JSON Lines form of cli.md. The payload's own JSON text is written as it came, so
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
    let name = crate::sanitize::sanitize_line(event.name()).into_owned();
    let detail = match event {
        StreamEvent::Update(s) => status_summary(s),
        StreamEvent::StatusUpdate(s) => format!("(edited) {}", status_summary(s)),
        StreamEvent::Delete(id) | StreamEvent::AnnouncementDelete(id) => plain_line(id, 40),
        StreamEvent::Notification(n) => {
            let who = acct(&n.account);
            let what = n
                .status
                .as_deref()
                .map(|s| format!(": {}", body(s)))
                .unwrap_or_default();
            format!("{} from {who}{what}", plain_line(n.kind.as_str(), 40))
        }
        StreamEvent::Conversation(c) => {
            let with: Vec<String> = c.accounts.iter().take(5).map(acct).collect();
            let last = c
                .last_status
                .as_deref()
                .map(|s| format!(": {}", body(s)))
                .unwrap_or_default();
            format!("{} with {}{last}", plain_line(&c.id, 40), with.join(", "))
        }
        StreamEvent::Announcement(a) => html_to_line(&a.content, 200),
        StreamEvent::AnnouncementReaction(r) => format!(
            "{} ×{} on announcement {}",
            plain_line(&r.name, 40),
            r.count,
            plain_line(r.announcement_id.as_deref().unwrap_or("?"), 40)
        ),
        StreamEvent::FiltersChanged | StreamEvent::NotificationsMerged => String::new(),
        StreamEvent::Unknown { payload, .. } => {
            format!("({} bytes)", payload.as_ref().map_or(0, String::len))
        }
    };
    let stream = crate::sanitize::sanitize_line(stream);
    if detail.is_empty() {
        format!("[{stream}] {name}")
    } else {
        format!("[{stream}] {name} {detail}")
    }
}

fn acct(a: &crate::model::Account) -> String {
    format!("@{}", plain_line(&a.acct, 80))
}

fn body(s: &Status) -> String {
    let s = s.original();
    if !s.spoiler_text.trim().is_empty() {
        return format!("CW: {}", plain_line(&s.spoiler_text, 120));
    }
    let mut text = html_to_line(&s.content, 200);
    let media = s.media_attachments.len();
    if media > 0 {
        text.push_str(&format!(" [{media} media]"));
    }
    text
}

fn status_summary(s: &Status) -> String {
    let id = plain_line(&s.id, 40);
    match s.reblog.as_deref() {
        Some(inner) => format!(
            "{id} {} boosted {}: {}",
            acct(&s.account),
            acct(&inner.account),
            body(s)
        ),
        None => format!("{id} {}: {}", acct(&s.account), body(s)),
    }
}

/// Status ids seen lately in one merged group, so a post carried by two of its streams
/// prints once. Bounded: the oldest ids are forgotten first. One allocation per new id,
/// shared by the set and the queue.
struct RecentIds {
    order: VecDeque<Arc<str>>,
    set: HashSet<Arc<str>>,
    cap: usize,
}

impl RecentIds {
    fn new(cap: usize) -> Self {
        RecentIds {
            order: VecDeque::with_capacity(cap),
            set: HashSet::with_capacity(cap),
            cap,
        }
    }

    /// False when the id was seen already.
    fn insert(&mut self, id: &str) -> bool {
        if self.set.contains(id) {
            return false;
        }
        if self.order.len() == self.cap
            && let Some(old) = self.order.pop_front()
        {
            self.set.remove(&old);
        }
        let id: Arc<str> = Arc::from(id);
        self.order.push_back(id.clone());
        self.set.insert(id);
        true
    }
}

#[allow(dead_code)]
fn _assert_spec_is_send(s: StreamSpec) -> impl Send {
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(name: &str, payload: Option<&str>) -> RawEvent {
        RawEvent {
            name: name.into(),
            payload: payload.map(str::to_string),
        }
    }

    fn json_line(stream: &str, name: &str, payload: Option<&str>) -> String {
        let event = crate::stream::decode::decode_event(name, payload).unwrap();
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
        let event = crate::stream::decode::decode_event("update", Some(status)).unwrap();
        let line = text_line("hashtag:rust", &event);
        assert!(!line.chars().any(|c| c.is_control()), "{line:?}");
        assert!(line.starts_with("[hashtag:rust] update 7 @eve"), "{line}");
        assert!(line.ends_with("hi there [1 media]"), "{line}");
        let del = text_line("public", &StreamEvent::Delete("9".into()));
        assert_eq!(del, "[public] delete 9");
    }

    #[test]
    fn recent_ids_forget_the_oldest() {
        let mut r = RecentIds::new(2);
        assert!(r.insert("a"));
        assert!(!r.insert("a"));
        assert!(r.insert("b"));
        assert!(r.insert("c"));
        assert!(r.insert("a"));
        assert_eq!(r.set.len(), 2);
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
