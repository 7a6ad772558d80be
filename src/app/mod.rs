//! The live view's core: one inbox of events, one owner of the state, a synchronous reducer
//! whose commands run as tasks that report back through the inbox.

pub mod reducer;
pub mod state;

use ratatui::crossterm::event::{KeyEvent, MouseEvent};

use crate::api::timeline::CatchUp;
use crate::model::Filter;
use crate::stream::{StreamId, StreamMessage};

/// Everything that can happen to the live view: the one inbox's message type.
#[derive(Debug, Clone, PartialEq)]
pub enum AppEvent {
    Stream(StreamMessage),
    Key(KeyEvent),
    Mouse(MouseEvent),
    /// A click on the tab bar, already resolved to a tab by the UI's hit areas.
    TabClicked(usize),
    Resized,
    /// Relative times are due for a refresh.
    Tick(jiff::Timestamp),
    FiltersFetched(Result<Vec<Filter>, String>),
    /// A stream's timeline over REST: its latest page (`since: None`), or what it missed after
    /// `since` while disconnected.
    HistoryFetched {
        stream: StreamId,
        since: Option<String>,
        result: Result<CatchUp, String>,
    },
    NotificationsFetched {
        since: Option<String>,
        result: Result<CatchUp, String>,
    },
    /// SIGINT/SIGTERM/SIGHUP, or the end of a replay.
    Terminate,
}

impl From<StreamMessage> for AppEvent {
    fn from(m: StreamMessage) -> Self {
        AppEvent::Stream(m)
    }
}

/// Intents the reducer hands back; the runtime carries them out as tasks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    FetchFilters,
    /// Load a stream's timeline: the latest page, or everything after `since`.
    FetchHistory {
        stream: StreamId,
        spec: crate::stream::StreamSpec,
        since: Option<String>,
    },
    FetchNotifications {
        since: Option<String>,
    },
    /// Open in a local browser.
    OpenUrl(String),
    /// Put on the user's clipboard through the terminal (OSC 52), which works over ssh and tmux.
    CopyToClipboard(String),
    Bell,
    /// Hand a matching post (as JSON) to the `--exec` hook.
    RunHook(String),
    Quit,
}

pub mod replay;
pub mod run;

use std::process::ExitCode;

use crate::cli::{MonitorOpts, ServerOpts, WatchOpts};
use crate::config::UiConfig;
use crate::matching::{Highlights, TagMatch, TagRule};
use crate::setup::{self, Failure};
use crate::stream::StreamSpec;
use state::UiSettings;

/// A tab's default title: what a reader calls the stream.
pub fn tab_title(specs: &[StreamSpec]) -> String {
    let one = |s: &StreamSpec| match s {
        StreamSpec::User => "Home".to_string(),
        StreamSpec::UserNotification => "Notifications".to_string(),
        StreamSpec::Direct => "Direct".to_string(),
        StreamSpec::Public { .. } => match s.ws_name() {
            "public" => "Federated".to_string(),
            "public:media" => "Federated media".to_string(),
            "public:local" => "Local".to_string(),
            "public:local:media" => "Local media".to_string(),
            "public:remote" => "Remote".to_string(),
            _ => "Remote media".to_string(),
        },
        StreamSpec::Hashtag { tag, local: false } => format!("#{tag}"),
        StreamSpec::Hashtag { tag, local: true } => format!("#{tag} (local)"),
        StreamSpec::List { list } => format!("List {list}"),
    };
    specs.iter().map(one).collect::<Vec<_>>().join(" + ")
}

fn ui_settings(ui: &UiConfig) -> UiSettings {
    UiSettings {
        timeline_len: ui.timeline_len,
        notifications_len: ui.notifications_len,
        expand_spoilers: ui.expand_spoilers,
        bell_on_mention: ui.bell_on_mention,
        open_locally: match ui.open_links {
            crate::config::OpenLinks::Auto => run::can_open_locally(),
            crate::config::OpenLinks::Browser => true,
            crate::config::OpenLinks::Clipboard => false,
        },
        hyperlinks: ui.hyperlinks,
    }
}

/// The `--exec` hook (the flag, else the config's), ready to run.
pub fn watch_hook(
    watch: &WatchOpts,
    config: &crate::config::WatchConfig,
) -> Result<Option<crate::hooks::Hook>, Failure> {
    let Some(command) = watch.exec.as_ref().or(config.exec.as_ref()) else {
        return Ok(None);
    };
    crate::hooks::Hook::parse(
        command,
        config.exec_concurrency,
        std::time::Duration::from_secs_f64(config.exec_timeout_secs),
    )
    .map(Some)
    .map_err(|e| Failure::usage(e.to_string()))
}

fn no_color() -> bool {
    std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
}

/// `tootwatch [STREAM...]`: the live view of the given streams, else the config's tabs, else
/// the home timeline.
pub async fn live(
    server: ServerOpts,
    streams: Vec<Vec<StreamSpec>>,
    monitor: MonitorOpts,
    watch: WatchOpts,
) -> Result<ExitCode, Failure> {
    let resolved = setup::resolve(&server)?;
    let config = &resolved.config;
    // (title, streams, any/all, tags left out) per tab
    type Group = (String, Vec<StreamSpec>, TagMatch, Vec<String>);
    let cli_rule = (
        monitor.tag_match.unwrap_or_default(),
        monitor.without_tag.clone(),
    );
    let mut groups: Vec<Group> = if !streams.is_empty() {
        streams
            .into_iter()
            .map(|g| (String::new(), g, cli_rule.0, cli_rule.1.clone()))
            .collect()
    } else if !config.tabs.is_empty() {
        config
            .tabs
            .iter()
            .zip(config.tab_streams())
            .map(|(t, specs)| {
                let mut without = t.without_tags.clone();
                without.extend(cli_rule.1.iter().cloned());
                let mode = monitor.tag_match.unwrap_or(t.tag_match);
                (t.name.clone().unwrap_or_default(), specs, mode, without)
            })
            .collect()
    } else {
        vec![(
            String::new(),
            vec![StreamSpec::User],
            cli_rule.0,
            cli_rule.1.clone(),
        )]
    };
    if monitor.monitor {
        // One column: every stream, merged.
        let mut all: Vec<StreamSpec> = Vec::new();
        for spec in groups.iter().flat_map(|g| g.1.iter()) {
            if !all.contains(spec) {
                all.push(spec.clone());
            }
        }
        let (mode, without) = (
            groups[0].2,
            groups.iter().flat_map(|g| g.3.clone()).collect(),
        );
        groups = vec![(String::new(), all, mode, without)];
    }
    let mut patterns = config.watch.highlights.clone();
    patterns.extend(watch.highlight.iter().cloned());
    let highlights = Highlights::new(&patterns).map_err(|e| Failure::usage(e.to_string()))?;
    let hook = watch_hook(&watch, &config.watch)?;
    let connected = setup::connect(&resolved, false).await?;
    let mut specs: Vec<Vec<StreamSpec>> = groups.iter().map(|g| g.1.clone()).collect();
    setup::resolve_lists(&connected.api, &mut specs).await?;
    for ((title, group, ..), resolved_specs) in groups.iter_mut().zip(specs) {
        *group = resolved_specs;
        if title.is_empty() {
            *title = tab_title(group);
        }
    }
    let tag_rules = groups
        .iter()
        .map(|(_, specs, mode, without)| {
            let tags: Vec<String> = specs
                .iter()
                .filter_map(|s| match s {
                    StreamSpec::Hashtag { tag, .. } => Some(tag.clone()),
                    _ => None,
                })
                .collect();
            TagRule::new(&tags, *mode, without)
        })
        .collect();
    let options = run::Options {
        settings: ui_settings(&resolved.config.ui),
        channel_capacity: resolved.limits.channel_capacity,
        catch_up_posts: resolved.limits.catch_up_posts,
        disabled_feeds: match &connected.instance {
            Some(instance) => groups
                .iter()
                .flat_map(|g| g.1.iter())
                .filter_map(|s| crate::api::disabled_feed(instance, s).map(|why| (s.clone(), why)))
                .collect(),
            None => Vec::new(),
        },
        no_color: no_color(),
        hook,
        monitor: monitor.monitor.then(|| state::Monitor {
            stale_after: std::time::Duration::from_secs_f64(
                monitor
                    .stale_after
                    .unwrap_or(config.monitor.stale_after_secs)
                    .clamp(1.0, 1e7),
            ),
            bell: monitor.bell || config.monitor.bell,
        }),
        highlights,
        tag_rules,
    };
    let groups = groups
        .into_iter()
        .map(|(title, specs, ..)| (title, specs))
        .collect();
    let source = run::Source::Live {
        api: connected.api,
        settings: connected.settings,
    };
    run::run(groups, source, options).await
}

/// `tootwatch demo` and `tootwatch replay FILE`: the live view on a recording, no network.
pub async fn replay(
    recording: replay::Replay,
    config: &crate::config::Config,
) -> Result<ExitCode, Failure> {
    let groups = recording.groups();
    let options = run::Options {
        settings: ui_settings(&config.ui),
        channel_capacity: config.limits.channel_capacity,
        catch_up_posts: config.limits.catch_up_posts,
        disabled_feeds: Vec::new(),
        hook: None,
        monitor: None,
        highlights: Highlights::new(&config.watch.highlights).unwrap_or_default(),
        tag_rules: Vec::new(),
        no_color: no_color(),
    };
    run::run(groups, run::Source::Replay(recording), options).await
}
