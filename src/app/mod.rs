//! The live view's core: one inbox of events, one owner of the state, a synchronous reducer
//! whose commands run as tasks that report back through the inbox.

pub mod pictures;
pub mod reducer;
pub mod state;
pub mod tab;

use ratatui::crossterm::event::{KeyEvent, MouseEvent};

use crate::api::timeline::{CatchUp, History, Since};
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
    /// An account's filters.
    FiltersFetched {
        account: usize,
        result: Result<Vec<Filter>, String>,
    },
    /// A stream's timeline over REST: its latest page (`since: None`), or what it missed after
    /// `since` while disconnected.
    HistoryFetched {
        stream: StreamId,
        since: Option<Since>,
        result: Result<CatchUp, String>,
    },
    NotificationsFetched {
        account: usize,
        since: Option<Since>,
        result: Result<CatchUp, String>,
    },
    /// The latest page of a stream's timeline, to compare with what the stream delivered.
    Verified {
        stream: StreamId,
        result: Result<History, String>,
    },
    /// Time to read the streams served by polling.
    PollDue,
    /// Time to compare the streams with their timelines.
    VerifyDue,
    /// SIGINT/SIGTERM/SIGHUP, or the end of a replay.
    Terminate,
    /// The picture URLs the last frame showed or came near (the view's, resolved as clicks
    /// are), in screen order.
    PicturesOnScreen(Vec<String>),
    /// A picture downloaded and decoded, or why not.
    ImageFetched {
        url: String,
        result: Result<std::sync::Arc<crate::media::Picture>, String>,
    },
}

impl From<StreamMessage> for AppEvent {
    fn from(m: StreamMessage) -> Self {
        AppEvent::Stream(m)
    }
}

/// Intents the reducer hands back; the runtime carries them out as tasks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// An account's filters (indices into `State::accounts`, as for every account below).
    FetchFilters {
        account: usize,
    },
    /// Load a stream's timeline: the latest page, or everything after `since`.
    FetchHistory {
        account: usize,
        stream: StreamId,
        spec: crate::stream::StreamSpec,
        since: Option<Since>,
    },
    FetchNotifications {
        account: usize,
        since: Option<Since>,
    },
    /// The latest page of a stream's timeline, to verify the stream against.
    VerifyStream {
        account: usize,
        stream: StreamId,
        spec: crate::stream::StreamSpec,
    },
    /// Open in a local browser.
    OpenUrl(String),
    /// Put on the user's clipboard through the terminal (OSC 52), which works over ssh and tmux.
    CopyToClipboard(String),
    Bell,
    /// Hand a matching post (as JSON) to the `--exec` hook.
    RunHook(String),
    Quit,
    /// Download and decode a picture (never with the account's token), at most `max_bytes`.
    FetchImage {
        url: String,
        max_bytes: u64,
    },
}

pub mod replay;
pub mod run;

use std::process::ExitCode;

use crate::cli::{MonitorOpts, ServerOpts, WatchOpts};
use crate::config::UiConfig;
use crate::exit::Failure;
use crate::matching::{Highlights, TagMatch, TagRule};
use crate::setup;
use crate::stream::StreamSpec;
use state::UiSettings;

/// A tab's default title: what a reader calls the stream (a list by its title, when known).
pub fn tab_title(specs: &[StreamSpec], lists: &setup::ListTitles) -> String {
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
        StreamSpec::List { list } => match lists.get(list) {
            Some(title) => crate::text::plain_line(title, 40),
            None => format!("List {list}"),
        },
    };
    specs.iter().map(one).collect::<Vec<_>>().join(" + ")
}

fn ui_settings(ui: &UiConfig, keys: crate::keys::Keymap) -> UiSettings {
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
        keys,
        images: ui.images,
        max_image_bytes: ui.max_image_bytes,
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

/// A tab to open: its title (empty: named after its streams), its streams, its hashtag rule,
/// and the account it streams from (`None`: the default one).
struct TabPlan {
    title: String,
    specs: Vec<StreamSpec>,
    mode: TagMatch,
    without: Vec<String>,
    account: Option<String>,
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
    let cli_mode = monitor.tag_match.unwrap_or_default();
    let plan = |specs, mode, without, account| TabPlan {
        title: String::new(),
        specs,
        mode,
        without,
        account,
    };
    let mut plans: Vec<TabPlan> = if !streams.is_empty() {
        streams
            .into_iter()
            .map(|g| plan(g, cli_mode, monitor.without_tag.clone(), None))
            .collect()
    } else if !config.tabs.is_empty() {
        config
            .tabs
            .iter()
            .zip(config.tab_streams())
            .map(|(t, specs)| {
                let mut without = t.without_tags.clone();
                without.extend(monitor.without_tag.iter().cloned());
                let mode = monitor.tag_match.unwrap_or(t.tag_match);
                let mut p = plan(specs, mode, without, t.account.clone());
                p.title = t.name.clone().unwrap_or_default();
                p
            })
            .collect()
    } else {
        vec![plan(
            vec![StreamSpec::User],
            cli_mode,
            monitor.without_tag.clone(),
            None,
        )]
    };
    // A tab naming the default account is a tab of the default account.
    for p in &mut plans {
        if p.account.is_some() && p.account == resolved.account {
            p.account = None;
        }
    }
    if monitor.monitor {
        if let Some(other) = plans.iter().find_map(|p| p.account.as_deref()) {
            return Err(Failure::usage(format!(
                "--monitor shows the streams of one account, and the config's tabs also name `{other}`: give the streams on the command line (and --account to pick the account)"
            )));
        }
        // One column: every stream, merged.
        let mut all: Vec<StreamSpec> = Vec::new();
        for spec in plans.iter().flat_map(|p| p.specs.iter()) {
            if !all.contains(spec) {
                all.push(spec.clone());
            }
        }
        let without = plans.iter().flat_map(|p| p.without.clone()).collect();
        plans = vec![plan(all, plans[0].mode, without, None)];
    }
    let mut patterns = config.watch.highlights.clone();
    patterns.extend(watch.highlight.iter().cloned());
    let highlights = Highlights::new(&patterns).map_err(|e| Failure::usage(e.to_string()))?;
    let hook = watch_hook(&watch, &config.watch)?;

    // The accounts in order of first use, the default one first.
    let mut wanted: Vec<Option<String>> = vec![None];
    let tab_accounts: Vec<usize> = plans
        .iter()
        .map(|p| match wanted.iter().position(|a| *a == p.account) {
            Some(i) => i,
            None => {
                wanted.push(p.account.clone());
                wanted.len() - 1
            }
        })
        .collect();
    let mut others = Vec::new();
    for name in wanted.iter().flatten() {
        others.push(setup::resolve_named(&server, name).map_err(|e| Failure {
            message: format!("a tab names the account `{name}`: {}", e.message),
            ..e
        })?);
    }
    let all_resolved: Vec<&setup::Resolved> = std::iter::once(&resolved).chain(&others).collect();
    let connected =
        futures_util::future::try_join_all(all_resolved.iter().map(|r| setup::connect(r, false)))
            .await?;
    let names: Vec<String> = all_resolved
        .iter()
        .map(|r| {
            r.account
                .clone()
                .unwrap_or_else(|| r.instance.host_str().unwrap_or_default().to_string())
        })
        .collect();

    // A list id means something on its own server only: titles are kept per account.
    let mut list_titles: Vec<setup::ListTitles> = vec![Default::default(); connected.len()];
    let mut disabled_feeds = Vec::new();
    let mut unstreamable = Vec::new();
    for (account, c) in connected.iter().enumerate() {
        let mut specs: Vec<Vec<StreamSpec>> = plans
            .iter()
            .zip(&tab_accounts)
            .filter(|(_, a)| **a == account)
            .map(|(p, _)| p.specs.clone())
            .collect();
        list_titles[account] = setup::resolve_lists(&c.api, &mut specs).await?;
        let mut resolved_specs = specs.into_iter();
        for (p, _) in plans
            .iter_mut()
            .zip(&tab_accounts)
            .filter(|(_, a)| **a == account)
        {
            p.specs = resolved_specs.next().unwrap_or_default();
            if let Some(instance) = &c.instance {
                disabled_feeds.extend(p.specs.iter().filter_map(|s| {
                    crate::api::disabled_feed(instance, s).map(|why| (account, s.clone(), why))
                }));
                unstreamable.extend(p.specs.iter().filter_map(|s| {
                    crate::api::unstreamable(instance, s).map(|why| (account, s.clone(), why))
                }));
            }
        }
    }
    for (p, &account) in plans.iter_mut().zip(&tab_accounts) {
        if p.title.is_empty() {
            p.title = tab_title(&p.specs, &list_titles[account]);
            if account != 0 {
                p.title = format!("{} · {}", p.title, names[account]);
            }
        }
    }
    let tag_rules = plans
        .iter()
        .map(|p| {
            let tags: Vec<String> = p
                .specs
                .iter()
                .filter_map(|s| match s {
                    StreamSpec::Hashtag { tag, .. } => Some(tag.clone()),
                    _ => None,
                })
                .collect();
            TagRule::new(&tags, p.mode, &p.without)
        })
        .collect();
    let mut settings = ui_settings(&resolved.config.ui, resolved.config.keymap());
    settings.images = monitor.images.unwrap_or(settings.images);
    let options = run::Options {
        settings,
        channel_capacity: resolved.limits.channel_capacity,
        catch_up_posts: resolved.limits.catch_up_posts,
        disabled_feeds,
        unstreamable,
        cadence: crate::live::Cadence {
            poll_every: config.transport.poll_every(),
            verify_every: config.transport.verify_every(),
        },
        accounts: names,
        tab_accounts,
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
    let groups = plans.into_iter().map(|p| (p.title, p.specs)).collect();
    let source = run::Source::Live(
        connected
            .into_iter()
            .map(|c| run::LiveAccount {
                api: c.api,
                settings: c.settings,
            })
            .collect(),
    );
    run::run(groups, source, options).await
}

/// `tootwatch demo` and `tootwatch replay FILE`: the live view on a recording, no network.
pub async fn replay(
    recording: replay::Replay,
    config: &crate::config::Config,
) -> Result<ExitCode, Failure> {
    let groups = recording.groups();
    let options = run::Options {
        settings: ui_settings(&config.ui, config.keymap()),
        channel_capacity: config.limits.channel_capacity,
        catch_up_posts: config.limits.catch_up_posts,
        disabled_feeds: Vec::new(),
        unstreamable: Vec::new(),
        cadence: crate::live::Cadence::default(),
        accounts: Vec::new(),
        tab_accounts: Vec::new(),
        hook: None,
        monitor: None,
        highlights: Highlights::new(&config.watch.highlights).unwrap_or_default(),
        tag_rules: Vec::new(),
        no_color: no_color(),
    };
    run::run(groups, run::Source::Replay(recording), options).await
}
