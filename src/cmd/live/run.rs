//! The runtime of the live view: the one inbox, the loop that owns the state, frame pacing,
//! and the commands carried out as tasks. Sources of events (live streams or a replay) and
//! the terminal are wired here and nowhere else.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::time::Duration;

use futures_util::StreamExt;
use jiff::{SignedDuration, Timestamp};
use ratatui::crossterm::event::{self as term, Event, EventStream, MouseButton, MouseEventKind};
use tokio::sync::mpsc;
use tokio::time::Instant;

use crate::api::timeline::{CatchUp, PAGE, Paging, Since};
use crate::api::{Api, ApiError};
use crate::app::reducer::update;
use crate::app::state::{State, UiSettings};
use crate::app::{AppEvent, Command};
use crate::exit::Failure;
use crate::stream::{StreamSettings, StreamSpec, spawn_stream};
use crate::ui::{self, Theme, ViewState};

const NOT_A_TERMINAL: &str = "the live view needs a terminal, and this is not one: \
    `tootwatch tail STREAM` prints streams as lines to a pipe or a file";

/// Nothing to draw on: say so, before any escape code goes into a pipe or a file (and, for the
/// live view, before connecting).
pub fn require_terminal() -> Result<(), Failure> {
    if std::io::stdout().is_terminal() {
        Ok(())
    } else {
        Err(Failure::usage(NOT_A_TERMINAL))
    }
}

/// At most this many frames a second: a firehose must not turn into a flicker.
const FRAME: Duration = Duration::from_millis(33);

/// One account's connection: its REST client, and where and how its streams connect.
pub struct LiveAccount {
    pub api: Api,
    pub settings: std::sync::Arc<StreamSettings>,
    /// The token may write markers (its stored scopes say so).
    pub writes_markers: bool,
}

/// Where the live view's events come from.
pub enum Source {
    /// Indexed as `State::accounts`: the first is the default account.
    Live(Vec<LiveAccount>),
    Replay(crate::app::replay::Replay),
}

impl Source {
    fn api(&self, account: usize) -> Option<&Api> {
        match self {
            Source::Live(accounts) => accounts.get(account).map(|a| &a.api),
            Source::Replay(_) => None,
        }
    }
}

pub struct Options {
    pub settings: UiSettings,
    /// Posts fetched per stream after a reconnect before a gap marker is shown instead.
    pub catch_up_posts: usize,
    /// Streams whose feed the account's server has switched off, and why: shown as failed,
    /// not opened. (account, stream, why)
    pub disabled_feeds: Vec<(usize, StreamSpec, String)>,
    /// Streams the account's server cannot stream, and why: polled instead.
    pub unstreamable: Vec<(usize, StreamSpec, String)>,
    /// How often polled streams are read and every stream is checked against REST.
    pub cadence: crate::live::Cadence,
    /// The accounts' names (the default one first) and, per tab in order, its account.
    pub accounts: Vec<String>,
    pub tab_accounts: Vec<usize>,
    /// `--exec`: run for each highlighted post.
    pub hook: Option<crate::hooks::Hook>,
    /// The side-screen view, its highlights and its hashtag rule.
    pub monitor: Option<crate::app::state::Monitor>,
    pub highlights: crate::matching::Highlights,
    /// Per tab, in order: which posts a hashtag column admits.
    pub tag_rules: Vec<crate::matching::TagRule>,
    pub channel_capacity: usize,
    pub no_color: bool,
    /// The archive (`None`: switched off, or a replay).
    pub archive: Option<crate::app::archive::ArchiveOptions>,
}

/// How long the view waits after quitting for what it started (markers posted, hooks).
const AFTER_QUIT: Duration = Duration::from_secs(5);

pub async fn run(
    groups: Vec<(String, Vec<StreamSpec>)>,
    source: Source,
    options: Options,
) -> Result<ExitCode, Failure> {
    require_terminal()?;
    let (tx, mut rx) = mpsc::channel::<AppEvent>(options.channel_capacity.max(16));
    let catch_up_posts = options.catch_up_posts;
    let clock_offset = match &source {
        Source::Replay(r) => r.clock_offset(),
        Source::Live(_) => SignedDuration::ZERO,
    };
    let now = || {
        Timestamp::now()
            .saturating_add(clock_offset)
            .unwrap_or_else(|_| Timestamp::now())
    };
    let mut state = State::new(groups, options.settings, now());
    state.monitor = options.monitor;
    if let Source::Replay(_) = &source {
        state.recording_ended = Some(false);
    }
    state.highlights = options.highlights;
    state.has_hook = options.hook.is_some();
    state.set_accounts(options.accounts, &options.tab_accounts);
    for (tab, rule) in state.tabs.iter_mut().zip(options.tag_rules) {
        tab.tag_rule = rule;
    }
    let unstreamable: Vec<(crate::stream::StreamId, String)> = state
        .subscriptions()
        .into_iter()
        .filter_map(|(id, spec)| {
            let account = state.account_of(id);
            let (.., why) = options
                .unstreamable
                .iter()
                .find(|(a, s, _)| *a == account && *s == spec)?;
            Some((id, why.clone()))
        })
        .collect();
    state.set_streaming(options.cadence, &unstreamable);
    let hook = options.hook;
    let disabled = |account: usize, spec: &StreamSpec| {
        options
            .disabled_feeds
            .iter()
            .find(|(a, s, _)| *a == account && s == spec)
            .map(|(.., why)| why.clone())
    };
    match &source {
        Source::Live(accounts) => {
            let streamed: Vec<_> = state
                .core
                .streamed()
                .map(|(id, spec)| (id, spec.clone()))
                .collect();
            for (id, spec) in streamed {
                let account = state.account_of(id);
                let Some(live) = accounts.get(account) else {
                    continue;
                };
                match disabled(account, &spec) {
                    Some(why) => state.stream_failed(id, why),
                    None => {
                        let (settings, http) = (live.settings.clone(), live.api.http().clone());
                        spawn_stream(id, spec, settings, http, tx.clone());
                    }
                }
            }
            spawn_every(options.cadence.poll_every, tx.clone(), || AppEvent::PollDue);
            spawn_every(options.cadence.verify_every, tx.clone(), || {
                AppEvent::VerifyDue
            });
        }
        Source::Replay(replay) => replay.spawn(&state.subscriptions(), tx.clone()),
    }
    // Before the network answers: each tab opens from what the archive kept.
    let mut archive = options.archive.as_ref().and_then(|archive| {
        let tx = tx.clone();
        let notify = Box::new(move |notice: String| {
            let _ = tx.blocking_send(AppEvent::ArchiveNotice(notice));
        });
        crate::app::archive::open(&mut state, archive, notify)
    });
    let commands = state.initial_fetches().into_iter().filter(|c| match c {
        _ if archive.as_ref().is_some_and(|a| !a.wants(c)) => false,
        Command::FetchHistory { account, spec, .. } => {
            matches!(source, Source::Live(_)) && disabled(*account, spec).is_none()
        }
        Command::FetchNotifications { .. } => matches!(source, Source::Live(_)),
        _ => true,
    });
    let mut commands: Vec<Command> = commands.collect();
    if let Source::Live(accounts) = &source {
        for (account, live) in accounts.iter().enumerate() {
            crate::app::markers::sync_mut(&mut state, account).writable = live.writes_markers;
        }
        commands.extend(crate::app::markers::initial(&mut state));
    }
    commands.extend(
        archive
            .as_mut()
            .map(|a| std::mem::take(&mut a.rest))
            .unwrap_or_default(),
    );

    let mut terminal =
        ratatui::try_init().map_err(|e| Failure::usage(format!("{NOT_A_TERMINAL} ({e})")))?;
    let _ = ratatui::crossterm::execute!(std::io::stdout(), term::EnableMouseCapture);
    install_mouse_release_on_panic();
    // Asked before anything reads the terminal's input: the answer comes on it.
    let graphics = if options.no_color {
        ui::graphics::Graphics::default()
    } else {
        let (images, picker) = ui::graphics::resolve(state.settings.images);
        tracing::debug!("pictures: {images:?}");
        state.settings.images = images;
        ui::graphics::Graphics::new(picker)
    };
    let key_read = KeyClock::default();
    spawn_terminal_input(tx.clone(), key_read.clone());
    spawn_signals(tx.clone());
    let mut pacing = Pacing::new(key_read);

    let theme = Theme::new(options.no_color);
    let mut view = ViewState::default();
    view.set_graphics(graphics);
    let mut last_draw: Option<Instant> = None;
    let mut next_tick = Instant::now() + crate::app::ticks::tick_interval(&state);
    // Media hosts get their own client: the API's token never goes with a picture request.
    let media = crate::media::media_client(Duration::from_secs(10));
    let mut pictures_shown: Vec<String> = Vec::new();
    // Per account, its latest post of markers: the last ones must land before the process
    // ends.
    let mut saving: std::collections::HashMap<usize, tokio::task::JoinHandle<()>> =
        Default::default();
    let result = loop {
        for command in commands.drain(..) {
            if let Command::ArchiveWrite(batch) = command {
                if let Some(writer) = archive.as_mut().and_then(|a| a.writer.as_mut()) {
                    writer.send(batch.0);
                }
                continue;
            }
            if let Command::SearchArchive { .. } = command {
                crate::app::archive::search(archive.as_ref(), command, &tx);
                continue;
            }
            if let Command::LoadArchive { .. } = command {
                crate::app::archive::load_rest(archive.as_ref(), command, &tx);
                continue;
            }
            if let Command::SaveMarkers { account, markers } = command {
                // One account's posts go one after the other: the last to land is the newest.
                let before = saving.remove(&account);
                if let Some(api) = source.api(account) {
                    let task = super::markers::save(api, account, markers, before, &tx);
                    saving.insert(account, task);
                }
                continue;
            }
            execute(
                command,
                &source,
                &tx,
                catch_up_posts,
                hook.as_ref(),
                terminal.backend_mut(),
                &media,
            );
        }
        if state.quit {
            break Ok(ExitCode::SUCCESS);
        }
        let draw_due = state
            .dirty
            .then(|| last_draw.map_or_else(Instant::now, |t| t + FRAME));
        let handoff_due = archive
            .as_ref()
            .and_then(|a| a.writer.as_ref())
            .and_then(|w| w.handoff_due())
            .map(Instant::from_std);
        // A post arriving may need faster ticks; a stream of events must not postpone them.
        next_tick = next_tick.min(Instant::now() + crate::app::ticks::tick_interval(&state));
        let event = tokio::select! {
            biased;
            _ = sleep_until_some(draw_due) => {
                let started = Instant::now();
                if let Err(e) = draw(&mut terminal, &mut state, &mut view, &theme) {
                    break Err(Failure::other(format!("cannot draw on the terminal: {e}")));
                }
                last_draw = Some(Instant::now());
                pacing.drew(started);
                // Pictures are fetched for what the reader sees, as it changes.
                if view.pictures() != pictures_shown.as_slice() {
                    pictures_shown = view.pictures().to_vec();
                    let shown = AppEvent::PicturesOnScreen(pictures_shown.clone());
                    commands.extend(update(&mut state, shown));
                }
                continue;
            }
            _ = sleep_until_some(handoff_due) => {
                if let Some(writer) = archive.as_mut().and_then(|a| a.writer.as_mut()) {
                    writer.handoff();
                }
                continue;
            }
            event = rx.recv() => event,
            _ = tokio::time::sleep_until(next_tick) => {
                next_tick = Instant::now() + crate::app::ticks::tick_interval(&state);
                Some(AppEvent::Tick(now()))
            }
        };
        let Some(event) = event else {
            break Ok(ExitCode::SUCCESS);
        };
        pacing.handling(&event);
        commands.extend(handle(&mut state, &view, event, now()));
        // Take everything already queued before drawing: a burst costs one frame. Not past
        // a quit: what comes after it would move the read positions it posts.
        for _ in 0..4096 {
            if state.quit {
                break;
            }
            match rx.try_recv() {
                Ok(event) => {
                    pacing.handling(&event);
                    commands.extend(handle(&mut state, &view, event, now()));
                }
                Err(_) => break,
            }
        }
    };
    let _ = ratatui::crossterm::execute!(std::io::stdout(), term::DisableMouseCapture);
    ratatui::restore();
    // The lock is held until the last writes are in.
    if let Some(writer) = archive.as_mut().and_then(|a| a.writer.take()) {
        writer.finish(Duration::from_secs(5));
    }
    drop(archive);
    // Nobody reads the inbox any more: a task's report fails at once instead of waiting.
    drop(rx);
    // Hooks started for the last posts finish rather than die with the runtime, as in `tail`,
    // but within the same few seconds as the markers: the reader asked to quit.
    let posts = tokio::time::timeout(
        AFTER_QUIT,
        futures_util::future::join_all(saving.into_values()),
    );
    let hooks = tokio::time::timeout(AFTER_QUIT, async {
        if let Some(hook) = &hook {
            hook.finish().await;
        }
    });
    let (posted, hooked) = tokio::join!(posts, hooks);
    if posted.is_err() {
        tracing::warn!("the markers were not posted within 5 s of quitting");
    }
    if hooked.is_err() {
        tracing::warn!("--exec: hooks still running 5 s after quitting were stopped");
    }
    result
}

fn handle(state: &mut State, view: &ViewState, event: AppEvent, now: Timestamp) -> Vec<Command> {
    // Arrival times ("last post 3 s ago", also of posts a poll or a catch-up brought) and the
    // reader's last key are read off the state's clock: every event sets it, as an idle view
    // ticks only once a minute or an hour.
    state.now = now;
    // Clicks are resolved against what was drawn; the reducer sees tabs, not cells.
    let event = match event {
        AppEvent::Mouse(m) if m.kind == MouseEventKind::Down(MouseButton::Left) => {
            match view.tab_at(m.column, m.row) {
                Some(tab) => AppEvent::TabClicked(tab),
                None => return Vec::new(),
            }
        }
        other => other,
    };
    update(state, event)
}

fn draw(
    terminal: &mut ratatui::DefaultTerminal,
    state: &mut State,
    view: &mut ViewState,
    theme: &Theme,
) -> std::io::Result<()> {
    let frame = terminal.draw(|frame| ui::draw(frame, state, view, theme))?;
    // The links just drawn, written again as OSC 8 hyperlinks (nothing when there are none).
    let links = if state.settings.hyperlinks {
        ui::hyperlink_overlay(frame.buffer, view.links())
    } else {
        Vec::new()
    };
    if !links.is_empty() {
        terminal.backend_mut().write_all(&links)?;
        terminal.backend_mut().flush()?;
    }
    state.dirty = false;
    state.page_len = view.page_len();
    let fit = view.overlay_fit();
    (state.overlay_scroll_max, state.overlay_page) = (fit.scroll_max, fit.page);
    state.notifications_drawn = view.notifications_drawn();
    Ok(())
}

async fn sleep_until_some(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// When the oldest key not yet on screen was read from the terminal.
type KeyClock = std::sync::Arc<std::sync::Mutex<Option<Instant>>>;

/// Frame pacing figures for BENCHMARKS.md, logged at debug level every 10 s (to the log file,
/// never the terminal): frames drawn, events handled, the longest frame, and the time from a
/// key read off the terminal to the end of the frame that shows its effect.
struct Pacing {
    since: Instant,
    draws: u32,
    events: u32,
    longest_draw: Duration,
    key_read: KeyClock,
    /// A key was handled; the next frame shows it.
    key_pending: Option<Instant>,
    key_to_screen: Vec<Duration>,
}

impl Pacing {
    const EVERY: Duration = Duration::from_secs(10);

    fn new(key_read: KeyClock) -> Pacing {
        Pacing {
            since: Instant::now(),
            draws: 0,
            events: 0,
            longest_draw: Duration::ZERO,
            key_read,
            key_pending: None,
            key_to_screen: Vec::new(),
        }
    }

    fn handling(&mut self, event: &AppEvent) {
        self.events += 1;
        if matches!(event, AppEvent::Key(_))
            && self.key_pending.is_none()
            && let Ok(mut read) = self.key_read.lock()
        {
            self.key_pending = read.take();
        }
    }

    fn drew(&mut self, started: Instant) {
        let end = Instant::now();
        self.draws += 1;
        self.longest_draw = self.longest_draw.max(end - started);
        if let Some(read) = self.key_pending.take() {
            self.key_to_screen.push(end - read);
        }
        let span = end - self.since;
        if span < Self::EVERY || !tracing::enabled!(tracing::Level::DEBUG) {
            return;
        }
        let keys = &mut self.key_to_screen;
        keys.sort();
        tracing::debug!(
            "pacing: {} frames/s, {} events/s, longest frame {:.1} ms; key to screen: {} keys, median {:.1} ms, max {:.1} ms",
            (f64::from(self.draws) / span.as_secs_f64()).round(),
            (f64::from(self.events) / span.as_secs_f64()).round(),
            self.longest_draw.as_secs_f64() * 1e3,
            keys.len(),
            keys.get(keys.len() / 2)
                .map_or(0.0, |d| d.as_secs_f64() * 1e3),
            keys.last().map_or(0.0, |d| d.as_secs_f64() * 1e3),
        );
        *self = Pacing::new(self.key_read.clone());
    }
}

fn spawn_terminal_input(tx: mpsc::Sender<AppEvent>, key_read: KeyClock) {
    tokio::spawn(async move {
        let mut events = EventStream::new();
        while let Some(event) = events.next().await {
            let event = match event {
                Ok(Event::Key(k)) => {
                    if let Ok(mut read) = key_read.lock() {
                        read.get_or_insert_with(Instant::now);
                    }
                    AppEvent::Key(k)
                }
                Ok(Event::Mouse(m)) => AppEvent::Mouse(m),
                Ok(Event::Resize(..)) => AppEvent::Resized,
                Ok(_) => continue,
                Err(e) => {
                    tracing::error!("terminal input failed: {e}");
                    AppEvent::Terminate
                }
            };
            if tx.send(event).await.is_err() {
                return;
            }
        }
    });
}

/// A timer into the inbox: polling and verification, minutes apart.
fn spawn_every(every: Duration, tx: mpsc::Sender<AppEvent>, event: fn() -> AppEvent) {
    tokio::spawn(async move {
        let mut interval = tokio::time::interval_at(Instant::now() + every, every);
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            interval.tick().await;
            if tx.send(event()).await.is_err() {
                return;
            }
        }
    });
}

fn spawn_signals(tx: mpsc::Sender<AppEvent>) {
    #[cfg(unix)]
    tokio::spawn(async move {
        use tokio::signal::unix::{SignalKind, signal};
        let (Ok(mut term), Ok(mut hup)) = (
            signal(SignalKind::terminate()),
            signal(SignalKind::hangup()),
        ) else {
            return;
        };
        tokio::select! {
            _ = term.recv() => {}
            _ = hup.recv() => {}
        }
        let _ = tx.send(AppEvent::Terminate).await;
    });
    #[cfg(not(unix))]
    drop(tx);
}

/// ratatui's panic hook restores the screen; mouse reporting must be switched off as well or
/// the shell receives escape codes for every mouse move.
fn install_mouse_release_on_panic() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let _ = ratatui::crossterm::execute!(std::io::stdout(), term::DisableMouseCapture);
        previous(info);
    }));
}

fn execute(
    command: Command,
    source: &Source,
    tx: &mpsc::Sender<AppEvent>,
    catch_up_posts: usize,
    hook: Option<&crate::hooks::Hook>,
    terminal: &mut impl Write,
    media: &reqwest::Client,
) {
    match command {
        Command::FetchFilters { account } => match source {
            Source::Live(_) => {
                let Some(api) = source.api(account).cloned() else {
                    return;
                };
                let tx = tx.clone();
                tokio::spawn(async move {
                    let result = api.filters().await.map_err(|e| e.to_string());
                    let _ = tx.send(AppEvent::FiltersFetched { account, result }).await;
                });
            }
            Source::Replay(replay) => {
                if let Some(filters) = replay.current_filters() {
                    let result = Ok(filters);
                    let _ = tx.try_send(AppEvent::FiltersFetched { account, result });
                }
            }
        },
        Command::FetchHistory {
            account,
            stream,
            spec,
            since,
        } => {
            let Some(api) = source.api(account) else {
                return;
            };
            let (api, tx) = (api.clone(), tx.clone());
            tokio::spawn(async move {
                let result = load(&api, &spec, since.as_ref(), catch_up_posts).await;
                let _ = tx
                    .send(AppEvent::HistoryFetched {
                        stream,
                        since,
                        result,
                    })
                    .await;
            });
        }
        Command::VerifyStream {
            account,
            stream,
            spec,
        } => {
            let Some(api) = source.api(account) else {
                return;
            };
            let (api, tx) = (api.clone(), tx.clone());
            tokio::spawn(async move {
                let result = api
                    .history(&spec, &Paging::Latest, crate::live::VERIFY_PAGE)
                    .await
                    .map(|(page, _)| page)
                    .map_err(|e| e.to_string());
                let _ = tx.send(AppEvent::Verified { stream, result }).await;
            });
        }
        Command::FetchNotifications { account, since } => {
            let Some(api) = source.api(account) else {
                return;
            };
            let (api, tx) = (api.clone(), tx.clone());
            tokio::spawn(async move {
                let spec = StreamSpec::UserNotification;
                let result = load(&api, &spec, since.as_ref(), catch_up_posts).await;
                let result = result.map_err(|e| e.to_string());
                let _ = tx
                    .send(AppEvent::NotificationsFetched {
                        account,
                        since,
                        result,
                    })
                    .await;
            });
        }
        Command::OpenUrl(url) => {
            tokio::task::spawn_blocking(move || {
                if let Err(e) = crate::platform::open_in_browser(&url) {
                    tracing::warn!("cannot open a browser: {e}");
                }
            });
        }
        Command::CopyToClipboard(text) => {
            let _ = terminal.write_all(
                crate::platform::osc52(&text, std::env::var_os("TMUX").is_some()).as_bytes(),
            );
            let _ = terminal.flush();
        }
        Command::RunHook(json) => {
            if let Some(hook) = hook {
                hook.fire(json);
            }
        }
        Command::Bell => {
            let _ = terminal.write_all(b"\x07");
            let _ = terminal.flush();
        }
        Command::FetchMarkers { account } => {
            if let Some(api) = source.api(account) {
                super::markers::fetch(api, account, tx);
            }
        }
        Command::Quit
        | Command::SaveMarkers { .. }
        | Command::ArchiveWrite(_)
        | Command::SearchArchive { .. }
        | Command::LoadArchive { .. } => {}
        Command::FetchImage {
            url,
            max_bytes,
            keep,
        } => {
            let tx = tx.clone();
            if let Source::Replay(_) = source {
                // A recording plays without a network: its pictures keep their placeholders.
                let result = Err("no network in a replay".to_string());
                let _ = tx.try_send(AppEvent::ImageFetched { url, result });
                return;
            }
            let (media, limits) = (
                media.clone(),
                crate::media::FetchLimits {
                    max_bytes,
                    keep,
                    ..Default::default()
                },
            );
            tokio::spawn(async move {
                let result = crate::media::load(&media, &url, limits).await;
                let _ = tx.send(AppEvent::ImageFetched { url, result }).await;
            });
        }
    }
}

/// The latest page of a stream's timeline, or everything after `since` up to `bound`.
async fn load(
    api: &Api,
    spec: &StreamSpec,
    since: Option<&Since>,
    bound: usize,
) -> Result<CatchUp, ApiError> {
    match since {
        None => api
            .history(spec, &Paging::Latest, PAGE)
            .await
            .map(|(items, _)| CatchUp {
                items,
                complete: true,
                resume_from: String::new(),
            }),
        Some(since) => api.catch_up_since(spec, since, bound).await,
    }
}
