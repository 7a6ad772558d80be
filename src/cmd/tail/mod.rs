//! `tootwatch tail`: the streams as lines on stdout, connection changes on stderr. What is
//! printed is what the live core (`crate::live`) admits, exactly as the live view shows it;
//! this file only carries out the core's needs and prints.

mod hold;
mod output;
mod print;
mod resume;
mod tasks;

use output::Output;
use tasks::Tasks;

use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use clap::{Args, ValueEnum};
use jiff::Timestamp;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

pub use print::{marked_text_line, text_line, write_json_line, write_record};

use crate::api::ApiError;
use crate::api::timeline::{CatchUp, History};
use crate::cmd::live::WatchOpts;
use crate::cmd::setup::{self, ServerOpts, parse_stream_arg, stream_failure};
use crate::exit::Failure;
use crate::filter::Verdict;
use crate::live::{self, Admit, Cadence, CaughtUp, LiveCore, Origin, Subscription};
use crate::matching::{TagMatch, TagRule};
use crate::model::Filter;
use crate::stream::light::{Decoding, decode_event_as};
use crate::stream::{
    ConnectionState, RawEvent, StreamEvent, StreamId, StreamMessage, StreamSettings, StreamSpec,
    spawn_stream,
};

/// Everything `tail`'s loop hears: the streams, and the answers to what the core needed.
enum Heard {
    Stream(StreamMessage),
    /// The latest page of a stream's timeline at start (`None`: it failed).
    Opened {
        stream: StreamId,
        page: Result<History, ApiError>,
    },
    /// The newest notification at start (`None`: the request failed).
    OpenedNotifications {
        newest: Option<Option<String>>,
    },
    Filters(Result<Vec<Filter>, String>),
    CaughtUp {
        stream: StreamId,
        /// The account's notifications, on behalf of the stream.
        notifications: bool,
        found: Result<CatchUp, ApiError>,
    },
    Verified {
        stream: StreamId,
        page: Result<History, String>,
    },
    PollDue,
    VerifyDue,
    /// Writing stdout failed (its reader went away).
    StdoutFailed,
}

impl From<StreamMessage> for Heard {
    fn from(m: StreamMessage) -> Self {
        Heard::Stream(m)
    }
}

/// A subscription as the command line named it.
struct Member {
    name: String,
}

/// Where lines go, and how.
struct Printer {
    out: Output,
    record: Option<BufWriter<std::fs::File>>,
    format: Format,
    no_filter: bool,
    printed: u64,
    count: Option<u64>,
    hook: Option<crate::hooks::Hook>,
    highlights: crate::matching::Highlights,
    /// Each stream's group's hashtag rule (`--match`, `--without-tag`).
    tag_rules: Vec<TagRule>,
    /// Lines, records or the hook carry what the server sent (REST keeps it too:
    /// `setup::connect`).
    keep_raw: bool,
    /// With `--resume`: the account whose archive keeps what is printed, and what waits
    /// for the next save.
    archive_account: Option<String>,
    kept: Vec<crate::archive::Write>,
    /// The run loop's last reading of the clock: what the core judges by.
    now: Timestamp,
}

/// What waits for a save at most; past it only deletes are kept (the archive falls behind
/// only when it cannot be written, and the lines are printed all the same).
const KEPT_MAX: usize = 10_000;

/// About the longest a printed line waits in the output buffer during a burst.
const BURST_FLUSH: std::time::Duration = std::time::Duration::from_millis(100);

/// Why the loop stops.
enum Stop {
    Done,
    Failed(Failure),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum Format {
    /// One human-readable line per event
    #[default]
    Text,
    /// One JSON object per line (JSON Lines)
    Json,
}

#[derive(Debug, Args)]
pub struct TailArgs {
    #[command(flatten)]
    pub server: ServerOpts,
    /// Streams to follow; several, or comma-joined groups
    #[arg(value_name = "STREAM", required = true, value_parser = parse_stream_arg)]
    pub streams: Vec<Vec<StreamSpec>>,
    /// Output format
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Exit after this many events
    #[arg(long, value_name = "N", value_parser = count_arg)]
    pub count: Option<u64>,
    /// Also append every raw event, with its arrival time and stream, to FILE (for `replay`)
    #[arg(long, value_name = "FILE")]
    pub record: Option<PathBuf>,
    /// Print statuses and notifications that your filters hide
    #[arg(long)]
    pub no_filter: bool,
    /// Do not report connection changes on stderr
    #[arg(long, short)]
    pub quiet: bool,
    /// First print what arrived since the previous `tail --resume` of the same account and
    /// STREAMs (from the local archive's cursor, over REST), then go live
    #[arg(long)]
    pub resume: bool,
    /// For a group of hashtag streams: posts with any of its tags (default), or all of them
    #[arg(long = "match", value_name = "any|all", value_parser = crate::cmd::live::tag_match_arg())]
    pub tag_match: Option<TagMatch>,
    /// Leave out posts carrying this tag (repeatable)
    #[arg(long, value_name = "TAG")]
    pub without_tag: Vec<String>,
    #[command(flatten)]
    pub watch: WatchOpts,
}

pub async fn run(args: TailArgs) -> Result<ExitCode, Failure> {
    let resolved = setup::resolve(&args.server)?;
    if args.resume && !resolved.config.archive.enabled {
        return Err(Failure::usage(
            "--resume keeps its place in the archive, which the config switches off ([archive] enabled = false)",
        ));
    }
    let mut patterns = resolved.config.watch.highlights.clone();
    patterns.extend(args.watch.highlight.iter().cloned());
    let highlights =
        crate::matching::Highlights::new(&patterns).map_err(|e| Failure::usage(e.to_string()))?;
    let hook = crate::cmd::live::watch_hook(&args.watch, &resolved.config.watch)?;
    // JSON lines, record lines and the hook's stdin carry what the server sent.
    let keep_raw = args.format == Format::Json || args.record.is_some() || hook.is_some();
    let connected = setup::connect(&resolved, keep_raw).await?;
    let mut groups = args.streams.clone();
    setup::resolve_lists(&connected.api, &mut groups).await?;

    let mut subs = Vec::new();
    let mut members = Vec::new();
    // Lines name a STREAM as the user gave it (`list:Friends`, not the id it resolved to);
    // the archive's cursors of `--resume` go by the id, which a renamed list keeps.
    let mut resolved_names = Vec::new();
    let mut tag_rules = Vec::new();
    for (group, (specs, given)) in groups.iter().zip(&args.streams).enumerate() {
        let mode = args.tag_match.unwrap_or_default();
        let rule = crate::cmd::live::tag_rule(specs, mode, &args.without_tag);
        for (spec, given) in specs.iter().zip(given) {
            tag_rules.push(rule.clone());
            members.push(Member {
                name: given.to_string(),
            });
            resolved_names.push(spec.to_string());
            subs.push(Subscription {
                spec: spec.clone(),
                group,
                account: 0,
                unstreamable: connected
                    .instance
                    .as_ref()
                    .and_then(|i| crate::api::unstreamable(i, spec)),
            });
        }
    }
    let transport = &resolved.config.transport;
    let cadence = Cadence {
        poll_every: transport.poll_every(),
        verify_every: transport.verify_every(),
    };
    let mut core = LiveCore::new(subs, cadence, Timestamp::now());
    let mut resume = match args.resume {
        true => Some(resume::Resume::open(
            &resolved,
            &groups,
            &resolved_names,
            &mut core,
        )?),
        false => None,
    };

    let (tx, mut rx) = mpsc::channel::<Heard>(resolved.limits.channel_capacity);
    let told = tx.downgrade();
    let stdout_failed = move || {
        // A full inbox is being read: the flush at the end of the burst finds the failure.
        if let Some(tx) = told.upgrade() {
            let _ = tx.try_send(Heard::StdoutFailed);
        }
    };
    let pipe = print::widen_stdout_pipe();
    let mut printer = Printer {
        out: Output::new(
            io::stdout(),
            print::output_buffer_bytes(pipe),
            stdout_failed,
        )
        .map_err(|e| Failure::other(format!("cannot start writing stdout: {e}")))?,
        record: match &args.record {
            Some(path) => Some(open_record(path)?),
            None => None,
        },
        format: args.format,
        no_filter: args.no_filter,
        printed: 0,
        count: args.count,
        hook,
        highlights,
        tag_rules,
        keep_raw,
        archive_account: resume.as_ref().map(|r| r.account().to_string()),
        kept: Vec::new(),
        now: Timestamp::now(),
    };
    let mut held = hold::Held::default();

    let api = connected.api.clone();
    let tasks = Tasks {
        api: api.clone(),
        tx: tx.downgrade(),
        catch_up_posts: resolved.limits.catch_up_posts,
    };
    // Statuses are decoded only as far as the lines and the core read them (JSON lines print
    // the payload: their texts only while a keyword filter reads them); an `--exec` hook gets
    // the whole post (its highlights look at tags, its JSON at every field), and so does the
    // archive of `--resume`.
    let settings = Arc::new(StreamSettings {
        // A hashtag rule reads the posts' tags.
        decoding: match (&printer.hook, &printer.archive_account, args.format) {
            _ if printer.tag_rules.iter().any(|r| !r.is_trivial()) => Decoding::Full,
            (None, None, Format::Json) => Decoding::Ids,
            (None, None, Format::Text) => Decoding::Tail,
            _ => Decoding::Full,
        },
        ..(*connected.settings).clone()
    });
    let texts_wanted = settings.texts_wanted.clone();
    let mut streams: Vec<JoinHandle<()>> = Vec::new();
    for (id, spec) in core.streamed() {
        streams.push(spawn_stream(
            id,
            spec.clone(),
            settings.clone(),
            api.http().clone(),
            tx.clone(),
        ));
    }
    let notifications = (0..members.len()).any(|i| {
        matches!(
            core.spec(StreamId(i)),
            Some(StreamSpec::User | StreamSpec::UserNotification)
        )
    });
    tasks.open(&core, notifications, resume.as_ref());
    for (stream, state) in core.polled_states() {
        say_state(&args, &members[stream.0].name, &state);
    }
    core.start();
    tasks.carry_out(core.take_needs());
    spawn_every(cadence.poll_every, tx.downgrade(), || Heard::PollDue);
    spawn_every(cadence.verify_every, tx.downgrade(), || Heard::VerifyDue);

    // One listener each for the whole run: a signal that lands while a burst is printed is
    // kept for the next turn (a listener made per turn would miss it, and tokio's handler has
    // replaced the default action, so `tail` would not stop).
    let mut interrupt = crate::cmd::signals::interrupt();
    let mut terminate = crate::cmd::signals::terminate();
    let stop = 'events: loop {
        let checkpoint = resume
            .as_ref()
            .and_then(|r| r.due(&core, !printer.kept.is_empty()));
        let first = tokio::select! {
            m = rx.recv() => m,
            _ = &mut interrupt => break 'events Stop::Done,
            _ = &mut terminate => break 'events Stop::Done,
            _ = sleep_until_some(checkpoint) => {
                // What the archive keeps as printed is on stdout first.
                if let Err(stop) = printer.out.sync().map_err(closed_stdout) {
                    break 'events stop;
                }
                if let Some(r) = resume.as_mut() {
                    r.save(&core, std::mem::take(&mut printer.kept));
                }
                continue;
            }
        };
        // `tx` lives as long as this loop: the channel cannot close under it.
        let Some(first) = first else {
            break Stop::Failed(Failure::other("every stream has ended"));
        };
        // Drain what is queued, then flush once: a burst costs one write, a lone event is
        // still on stdout at once.
        let mut next = Some(first);
        // The clock is read for every message that is not a post and every 256 posts (a
        // firehose read it twice per post): a burst under backpressure may last minutes, and
        // filters expire and reconnects are timed by it.
        let mut now = Timestamp::now();
        let mut posts_since_reading = 0u32;
        // A burst that never drains (tail behind a firehose whose posts the filters mostly
        // hide) would hold a rare line until the buffer fills: it is flushed about this often
        // (looked at with the clock).
        let mut flushed_at = std::time::Instant::now();
        while let Some(heard) = next {
            let post = matches!(heard, Heard::Stream(StreamMessage::Event { .. }));
            if !post || posts_since_reading == 256 {
                now = Timestamp::now();
                posts_since_reading = 0;
                if flushed_at.elapsed() >= BURST_FLUSH {
                    if let Err(stop) = printer.flush() {
                        break 'events stop;
                    }
                    flushed_at = std::time::Instant::now();
                }
            }
            posts_since_reading += u32::from(post);
            printer.now = now;
            let outcome = match heard {
                Heard::Stream(StreamMessage::State { stream, state }) => {
                    let shown = core.on_state(stream, &state, now);
                    if let ConnectionState::Failed { reason, cause } = &shown {
                        let name = &members[stream.0].name;
                        break 'events Stop::Failed(stream_failure(
                            name,
                            reason,
                            *cause,
                            connected.settings.transport,
                        ));
                    }
                    say_state(&args, &members[stream.0].name, &shown);
                    Ok(false)
                }
                Heard::Stream(StreamMessage::Event { stream, event, raw }) => {
                    let event = with_texts_if_read(&core, event, raw.as_ref());
                    if held.holds(&core, stream) {
                        let overflow = held.hold((stream, event, raw));
                        printer.released(&mut core, &members, overflow)
                    } else {
                        let name = &members[stream.0].name;
                        printer.event(&mut core, name, stream, event, raw, Origin::Stream)
                    }
                }
                Heard::Opened { stream, page } => {
                    match &page {
                        Ok(page) => core.opened(stream, Some(page)),
                        Err(e) => core.open_failed(stream, e),
                    }
                    Ok(false)
                }
                Heard::OpenedNotifications { newest } => {
                    core.opened_notifications(0, newest.as_ref().map(|n| n.as_deref()));
                    Ok(false)
                }
                Heard::Filters(Ok(filters)) => {
                    core.set_filters(0, filters);
                    texts_wanted.store(core.reads_texts(0), Ordering::Relaxed);
                    Ok(false)
                }
                Heard::Filters(Err(e)) => {
                    tracing::warn!("fetching filters failed: {e}");
                    core.filters_failed(0);
                    Ok(false)
                }
                Heard::CaughtUp {
                    stream,
                    notifications,
                    found,
                } => {
                    let name = &members[stream.0].name;
                    let (outcome, printed) = match found {
                        Ok(found) => {
                            tracing::debug!("{name}: caught up {} items", found.items.len());
                            if !notifications {
                                core.judge_spells(stream, &found.items, printer.now);
                            }
                            // More was missed than one catch-up takes: the core goes on from
                            // where it stopped, in order (tail never skips what it can fetch).
                            let outcome = match found.complete || found.resume_from.is_empty() {
                                true => CaughtUp::Done,
                                false => CaughtUp::GoesOn(found.resume_from.clone()),
                            };
                            (
                                outcome,
                                printer.history(&mut core, name, stream, found.items),
                            )
                        }
                        Err(e) => {
                            tracing::warn!("{name}: catching up failed: {e}");
                            (CaughtUp::after(&e), Ok(false))
                        }
                    };
                    // Only once what it found is printed does the gap count as filled.
                    match notifications {
                        true => core.notifications_caught_up(0, outcome),
                        false => core.caught_up(stream, outcome),
                    }
                    match printed {
                        Ok(false) => {
                            let waited = held.release(&core, stream);
                            printer.released(&mut core, &members, waited)
                        }
                        done => done,
                    }
                }
                Heard::Verified { stream, page } => match page {
                    Ok(page) => {
                        let missed = core.verified(stream, &page, now);
                        printer.history(&mut core, &members[stream.0].name, stream, missed)
                    }
                    Err(e) => {
                        tracing::warn!("{}: verifying failed: {e}", members[stream.0].name);
                        Ok(false)
                    }
                },
                Heard::PollDue => {
                    core.poll_due();
                    Ok(false)
                }
                Heard::VerifyDue => {
                    core.verify_due();
                    Ok(false)
                }
                Heard::StdoutFailed => printer.out.sync().map(|()| false).map_err(closed_stdout),
            };
            for (stream, state) in core.take_notices() {
                let name = &members[stream.0].name;
                // A polled stream whose timeline the server refused.
                if let ConnectionState::Failed { reason, cause } = &state {
                    let transport = connected.settings.transport;
                    break 'events Stop::Failed(stream_failure(name, reason, *cause, transport));
                }
                say_state(&args, name, &state);
            }
            tasks.carry_out(core.take_needs());
            match outcome {
                Ok(false) => {}
                Ok(true) => break 'events Stop::Done,
                Err(stop) => break 'events stop,
            }
            next = rx.try_recv().ok();
        }
        if let Err(stop) = printer.flush() {
            break stop;
        }
    };
    let flushed = printer
        .flush()
        .and_then(|()| printer.out.finish().map_err(closed_stdout));
    // What could not be written (a full disk) is not saved as printed: the last save stands,
    // and the next `--resume` prints again from there (a line twice rather than none). A
    // reader that went away (`| head`) chose to stop: the next run goes on after this one.
    let written = !matches!(flushed, Err(Stop::Failed(_)));
    if let (Some(r), true) = (resume.as_mut(), written) {
        r.save(&core, std::mem::take(&mut printer.kept));
    }
    // Streams close their sockets politely once nobody listens; give them a moment.
    drop(rx);
    let closing = futures_util::future::join_all(streams);
    let _ = tokio::time::timeout(Duration::from_secs(1), closing).await;
    if let Some(hook) = &printer.hook {
        hook.finish().await;
    }
    match (stop, flushed) {
        (Stop::Failed(f), _) | (Stop::Done, Err(Stop::Failed(f))) => Err(f),
        (Stop::Done, _) => Ok(ExitCode::SUCCESS),
    }
}

/// `--count N`: one event or more (none would still connect, and print one).
fn count_arg(s: &str) -> Result<u64, String> {
    match s.parse::<u64>() {
        Ok(0) => Err("at least 1: tail exits after N events".into()),
        Ok(n) => Ok(n),
        Err(_) => Err("a whole number of events, e.g. --count 10".into()),
    }
}

/// A status decoded without its texts (`Decoding::Ids`, before a keyword filter arrived) is
/// decoded again from its payload once the filters read them, so that the core judges it
/// whole.
fn with_texts_if_read(core: &LiveCore, event: StreamEvent, raw: Option<&RawEvent>) -> StreamEvent {
    match raw {
        Some(raw)
            if raw.decoded == Decoding::Ids
                && matches!(event, StreamEvent::Update(_) | StreamEvent::StatusUpdate(_))
                && core.reads_texts(0) =>
        {
            decode_event_as(Decoding::Tail, &raw.name, raw.payload.as_deref()).unwrap_or(event)
        }
        _ => event,
    }
}

fn say_state(args: &TailArgs, name: &str, state: &ConnectionState) {
    if !args.quiet {
        crate::exit::notice(format_args!("{name}: {state}"));
    }
}

impl Printer {
    /// One event, printed if the core admits it. `Ok(true)`: `--count` is reached.
    fn event(
        &mut self,
        core: &mut LiveCore,
        name: &str,
        stream: StreamId,
        event: StreamEvent,
        raw: Option<RawEvent>,
        origin: Origin,
    ) -> Result<bool, Stop> {
        let verdict = match core.admit(stream, &event, origin, self.now) {
            Admit::New(verdict) => verdict,
            Admit::Duplicate | Admit::Deleted | Admit::Outside => return Ok(false),
        };
        // Each event once, as the core admitted it (a post the stream and a catch-up both
        // brought was recorded twice); what the filters hide too: it is a recording of the
        // streams, not of the lines.
        if let (Some(file), Some(raw)) = (self.record.as_mut(), raw.as_ref()) {
            write_record(file, name, raw).map_err(|e| {
                Stop::Failed(Failure::other(format!("cannot write the record file: {e}")))
            })?;
        }
        // The core saw it (the stream delivered it), the record keeps it; the lines leave out
        // what the group's hashtag rule does.
        if let StreamEvent::Update(s) | StreamEvent::StatusUpdate(s) = &event
            && self.tag_rules.get(stream.0).is_some_and(|r| !r.admits(s))
        {
            return Ok(false);
        }
        if verdict == Verdict::Hide && !self.no_filter {
            return Ok(false);
        }
        let written = match self.format {
            Format::Json => match &raw {
                Some(raw) => write_json_line(&mut self.out, name, &event, raw),
                None => Ok(()),
            },
            Format::Text => {
                let mut line = marked_text_line(name, &event, &verdict);
                line.push('\n');
                self.out.write_all(line.as_bytes())
            }
        };
        written.map_err(closed_stdout)?;
        let post = match &event {
            StreamEvent::Update(status) => Some(status),
            StreamEvent::StatusUpdate(status) if core.edit_brought_post() => Some(status),
            _ => None,
        };
        if let (Some(hook), Some(status)) = (&self.hook, post)
            && live::wants_hook(&self.highlights, status, &verdict)
        {
            let json = match raw.as_ref().and_then(|r| r.payload.clone()) {
                Some(p) => p,
                None => serde_json::to_string(status).unwrap_or_default(),
            };
            hook.fire(json);
        }
        self.keep(name, event);
        self.printed += 1;
        Ok(self.count.is_some_and(|n| self.printed >= n))
    }

    /// What was printed goes to the archive at the next save (`--resume` only).
    fn keep(&mut self, stream: &str, event: StreamEvent) {
        use crate::archive::Write;
        let Some(account) = self.archive_account.clone() else {
            return;
        };
        let write = match event {
            StreamEvent::Update(status) => Write::Status {
                account,
                stream: stream.to_string(),
                status,
            },
            StreamEvent::StatusUpdate(status) => Write::Edit { account, status },
            StreamEvent::Delete(id) => Write::Delete { account, id },
            StreamEvent::Notification(notification) => Write::Notification {
                account,
                notification,
            },
            StreamEvent::Conversation(conversation) => Write::Conversation {
                account,
                stream: stream.to_string(),
                conversation,
            },
            _ => return,
        };
        if self.kept.len() >= KEPT_MAX && !matches!(write, Write::Delete { .. }) {
            tracing::debug!("--resume: the archive falls behind; a printed post is not kept");
            return;
        }
        self.kept.push(write);
    }

    /// What REST found (a catch-up, a poll, a verification), oldest first, as if it had
    /// arrived live.
    fn history(
        &mut self,
        core: &mut LiveCore,
        name: &str,
        stream: StreamId,
        items: History,
    ) -> Result<bool, Stop> {
        let events: Vec<StreamEvent> = match items {
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
            History::Conversations(v) => v
                .into_iter()
                .rev()
                .map(|c| StreamEvent::Conversation(Box::new(c)))
                .collect(),
        };
        // As the server sent it (REST kept it), else as the model has it.
        fn json<T: serde::Serialize>(item: &T, kept: &crate::model::ServerJson) -> Option<String> {
            match kept.get() {
                Some(json) => Some(json.to_string()),
                None => serde_json::to_string(item).ok(),
            }
        }
        for event in events {
            let raw = self.keep_raw.then(|| RawEvent {
                name: event.name().to_string(),
                payload: match &event {
                    StreamEvent::Update(s) => json(s, &s.server_json),
                    StreamEvent::Notification(n) => json(n, &n.server_json),
                    StreamEvent::Conversation(c) => json(c, &c.server_json),
                    _ => None,
                },
                decoded: Decoding::Full,
            });
            if self.event(core, name, stream, event, raw, Origin::Rest)? {
                return Ok(true);
            }
        }
        Ok(false)
    }

    fn flush(&mut self) -> Result<(), Stop> {
        self.out.flush().map_err(closed_stdout)?;
        if let Some(file) = self.record.as_mut() {
            file.flush().map_err(|e| {
                Stop::Failed(Failure::other(format!("cannot write the record file: {e}")))
            })?;
        }
        Ok(())
    }
}

/// A reader that went away (`tail | head`) is a normal end, not an error.
fn closed_stdout(e: io::Error) -> Stop {
    if e.kind() == io::ErrorKind::BrokenPipe {
        Stop::Done
    } else {
        Stop::Failed(Failure::other(format!("cannot write to stdout: {e}")))
    }
}

async fn sleep_until_some(at: Option<tokio::time::Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// A timer into the loop, minutes apart; it ends with the loop.
fn spawn_every(every: Duration, tx: mpsc::WeakSender<Heard>, heard: fn() -> Heard) {
    tokio::spawn(async move {
        let start = tokio::time::Instant::now() + every;
        let mut interval = tokio::time::interval_at(start, every);
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            interval.tick().await;
            let Some(tx) = tx.upgrade() else {
                return;
            };
            if tx.send(heard()).await.is_err() {
                return;
            }
        }
    });
}

fn open_record(path: &Path) -> Result<BufWriter<std::fs::File>, Failure> {
    let mut options = std::fs::OpenOptions::new();
    options.create(true).append(true);
    // It holds what the streams carried, direct messages too: the owner's alone.
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path).map(BufWriter::new).map_err(|e| {
        Failure::other(format!(
            "cannot open the record file {}: {e}",
            path.display()
        ))
    })
}

#[cfg(test)]
mod tests;
