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
    Quit,
}

pub mod replay;
pub mod run;

use std::process::ExitCode;

use crate::cli::ServerOpts;
use crate::config::UiConfig;
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

fn no_color() -> bool {
    std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
}

/// `tootwatch [STREAM...]`: the live view of the given streams, else the config's tabs, else
/// the home timeline.
pub async fn live(server: ServerOpts, streams: Vec<Vec<StreamSpec>>) -> Result<ExitCode, Failure> {
    let resolved = setup::resolve(&server)?;
    let mut groups: Vec<(String, Vec<StreamSpec>)> = if !streams.is_empty() {
        streams.into_iter().map(|g| (String::new(), g)).collect()
    } else if !resolved.config.tabs.is_empty() {
        resolved
            .config
            .tabs
            .iter()
            .zip(resolved.config.tab_streams())
            .map(|(t, specs)| (t.name.clone().unwrap_or_default(), specs))
            .collect()
    } else {
        vec![(String::new(), vec![StreamSpec::User])]
    };
    let connected = setup::connect(&resolved, false).await?;
    let mut specs: Vec<Vec<StreamSpec>> = groups.iter().map(|(_, g)| g.clone()).collect();
    setup::resolve_lists(&connected.api, &mut specs).await?;
    for ((title, group), resolved_specs) in groups.iter_mut().zip(specs) {
        *group = resolved_specs;
        if title.is_empty() {
            *title = tab_title(group);
        }
    }
    let options = run::Options {
        settings: ui_settings(&resolved.config.ui),
        channel_capacity: resolved.limits.channel_capacity,
        catch_up_posts: resolved.limits.catch_up_posts,
        disabled_feeds: match &connected.instance {
            Some(instance) => groups
                .iter()
                .flat_map(|(_, g)| g.iter())
                .filter_map(|s| crate::api::disabled_feed(instance, s).map(|why| (s.clone(), why)))
                .collect(),
            None => Vec::new(),
        },
        no_color: no_color(),
    };
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
        no_color: no_color(),
    };
    run::run(groups, run::Source::Replay(recording), options).await
}
