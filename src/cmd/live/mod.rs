//! `tootwatch [STREAM...]`, `demo` and `replay`: the live view's wiring, from the command line
//! and the config to the run loop.

mod markers;
pub mod run;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;

use crate::app::replay;
use crate::app::state::{self, UiSettings};
use crate::app::tab_title;
use crate::cmd::setup::{self, ServerOpts};
use crate::config::{Images, UiConfig};
use crate::exit::Failure;
use crate::matching::{Highlights, TagMatch, TagRule};
use crate::stream::{FailureCause, StreamSpec};

/// The side-screen view.
#[derive(Debug, Clone, Default, Args)]
pub struct MonitorOpts {
    /// The side-screen view: one column of all STREAMs, following the newest post, with a
    /// footer line per stream that turns into a warning when it goes quiet
    #[arg(long)]
    pub monitor: bool,
    /// With --monitor: seconds a stream may be down or without a post before it warns [default: 300]
    #[arg(long, value_name = "SECONDS", requires = "monitor")]
    pub stale_after: Option<f64>,
    /// With --monitor: ring the bell when a stream goes stale and for highlighted posts
    #[arg(long, requires = "monitor")]
    pub bell: bool,
    /// For hashtag streams: posts with any of the tags (default), or all of them
    #[arg(long = "match", value_name = "any|all", value_parser = tag_match_arg())]
    pub tag_match: Option<crate::matching::TagMatch>,
    /// Leave out posts carrying this tag (repeatable)
    #[arg(long, value_name = "TAG")]
    pub without_tag: Vec<String>,
    /// How pictures are drawn: auto, kitty, sixel, iterm2, halfblocks, or off for text only [default: [ui] images, else auto]
    #[arg(
        long,
        value_name = "auto|kitty|sixel|iterm2|halfblocks|off",
        value_parser = images_arg()
    )]
    pub images: Option<crate::config::Images>,
}

/// Highlights and the hook, for the live view, the monitor and `tail`.
#[derive(Debug, Clone, Default, Args)]
pub struct WatchOpts {
    /// Highlight a keyword (literal, case-insensitive) or a /regular expression/ (repeatable)
    #[arg(long, value_name = "PATTERN")]
    pub highlight: Vec<String>,
    /// Run CMD for each new highlighted post (each new post, without highlights), the post
    /// on its stdin as the JSON the server sent; quoted like a shell command, run without a
    /// shell
    #[arg(long, value_name = "CMD")]
    pub exec: Option<String>,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    #[command(flatten)]
    pub playback: PlaybackOpts,
}

#[derive(Debug, Args)]
pub struct ReplayArgs {
    /// A file written by `tootwatch tail --record FILE`
    pub file: PathBuf,
    #[command(flatten)]
    pub playback: PlaybackOpts,
}

/// What `demo` and `replay` both take: how fast, and the config's [ui] with its pictures.
#[derive(Debug, Args)]
pub struct PlaybackOpts {
    /// Playback speed (2 = twice as fast)
    #[arg(long, default_value_t = 1.0, value_name = "X")]
    pub speed: f64,
    /// Config file, for its [ui], [watch], [limits] and [keys] settings
    #[arg(long, env = "TOOTWATCH_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// How pictures are drawn: auto, kitty, sixel, iterm2, halfblocks, or off for text only [default: [ui] images, else auto]
    #[arg(
        long,
        value_name = "auto|kitty|sixel|iterm2|halfblocks|off",
        value_parser = images_arg()
    )]
    pub images: Option<crate::config::Images>,
}

/// The hashtag rule of a group of streams (a tab, a column, a group of `tail`): its hashtags'
/// `mode`, and posts carrying a tag of `without` left out.
pub(crate) fn tag_rule(specs: &[StreamSpec], mode: TagMatch, without: &[String]) -> TagRule {
    let tags: Vec<String> = specs
        .iter()
        .filter_map(|s| match s {
            StreamSpec::Hashtag { tag, .. } => Some(tag.clone()),
            _ => None,
        })
        .collect();
    TagRule::new(&tags, mode, without)
}

/// `--match`: the flag's values for [`TagMatch`], which knows no clap.
pub(crate) fn tag_match_arg() -> impl clap::builder::TypedValueParser<Value = TagMatch> {
    use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
    PossibleValuesParser::new([
        PossibleValue::new("any")
            .help("A post with any of the column's tags (what the streams deliver anyway)"),
        PossibleValue::new("all").help("Only posts carrying every one of the column's tags"),
    ])
    .map(|value| match value.as_str() {
        "all" => TagMatch::All,
        _ => TagMatch::Any,
    })
}

/// `--images`: the flag's values for the config's [`Images`], which knows no clap.
fn images_arg() -> impl clap::builder::TypedValueParser<Value = Images> {
    use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
    PossibleValuesParser::new([
        PossibleValue::new("auto").help(
            "The best this terminal can show: a pixel protocol when it answers for one (or its variables name a terminal that has one), else coloured half blocks (none under NO_COLOR)",
        ),
        PossibleValue::new("kitty").help("Kitty's graphics protocol (kitty, Ghostty)"),
        PossibleValue::new("sixel")
            .help("Sixel (foot, WezTerm, xterm with sixel, mlterm, Windows Terminal)"),
        PossibleValue::new("iterm2").help("iTerm2's inline images (iTerm2, WezTerm, mintty)"),
        PossibleValue::new("halfblocks")
            .help("Coloured Unicode half blocks, which every colour terminal and tmux can show"),
        PossibleValue::new("off").help("No pictures: media are the `[image: alt]` text lines"),
    ])
    .map(|value| match value.as_str() {
        "kitty" => Images::Kitty,
        "sixel" => Images::Sixel,
        "iterm2" => Images::Iterm2,
        "halfblocks" => Images::Halfblocks,
        "off" => Images::Off,
        _ => Images::Auto,
    })
}

fn ui_settings(ui: &UiConfig, keys: crate::keys::Keymap) -> UiSettings {
    UiSettings {
        timeline_len: ui.timeline_len,
        notifications_len: ui.notifications_len,
        expand_spoilers: ui.expand_spoilers,
        bell_on_mention: ui.bell_on_mention,
        open_locally: match ui.open_links {
            crate::config::OpenLinks::Auto => crate::platform::can_open_locally(),
            crate::config::OpenLinks::Browser => true,
            crate::config::OpenLinks::Clipboard => false,
        },
        hyperlinks: ui.hyperlinks,
        keys,
        images: ui.images,
        avatars: ui.avatars,
        max_image_bytes: ui.max_image_bytes,
        markers: ui.markers,
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
            message: format!(
                "a tab names the account `{name}`: {}; {}",
                e.message,
                setup::missing_account_advice(&resolved)
            ),
            ..e
        })?);
    }
    let all_resolved: Vec<&setup::Resolved> = std::iter::once(&resolved).chain(&others).collect();
    // Every usage error above comes first; the terminal is checked before connecting.
    run::require_terminal()?;
    // An unreachable server is no reason to stop when the archive has its timelines.
    let archive_names: Vec<String> = all_resolved
        .iter()
        .map(|r| crate::archive::account_name(r.account.as_deref(), &r.instance))
        .collect();
    let offline_ok = config.archive.enabled;
    // A server that does not answer holds the start for a connect timeout: say what the
    // blank terminal waits for, and wipe the line once the answer (or the error) is in.
    let waiting = std::io::IsTerminal::is_terminal(&std::io::stderr());
    if waiting {
        let hosts: Vec<&str> = all_resolved
            .iter()
            .filter_map(|r| r.instance.host_str())
            .collect();
        eprint!("tootwatch: connecting to {}…", hosts.join(", "));
    }
    let connected = futures_util::future::try_join_all(
        all_resolved
            .iter()
            .map(|r| setup::connect_live(r, offline_ok, hook.is_some())),
    )
    .await;
    if waiting {
        eprint!("\r\x1b[2K");
    }
    let connected = connected?;
    for (c, name) in connected.iter().zip(&archive_names) {
        if let Some(message) = &c.offline
            && !crate::app::archive::keeps(name)
        {
            return Err(Failure::other(message.clone()));
        }
    }
    // A refused token ends the run before the view opens, as it ends `tail`: the archive of
    // whoever used the server before is not shown to it.
    for (r, c) in all_resolved.iter().zip(&connected) {
        if let Some(message) = &c.token_refused {
            let who = r.account.as_deref().unwrap_or(r.instance.as_str());
            let reason = format!("the server refused the access token (401 {message})");
            return Err(setup::stream_failure(
                who,
                &reason,
                FailureCause::Credentials,
                r.transport,
            ));
        }
    }
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
        .map(|p| tag_rule(&p.specs, p.mode, &p.without))
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
            // The monitor follows one account's streams.
            lists: list_titles.first().cloned().unwrap_or_default(),
        }),
        highlights,
        tag_rules,
        archive: config
            .archive
            .enabled
            .then(crate::accounts::data_dir)
            .flatten()
            .map(|dir| crate::app::archive::ArchiveOptions {
                dir,
                max_bytes: config.archive.max_mb.saturating_mul(1024 * 1024),
                accounts: archive_names,
            }),
    };
    let groups = plans.into_iter().map(|p| (p.title, p.specs)).collect();
    let source = run::Source::Live(
        connected
            .into_iter()
            .zip(&all_resolved)
            .map(|(c, r)| run::LiveAccount {
                api: c.api,
                settings: c.settings,
                writes_markers: r
                    .scopes
                    .as_deref()
                    .is_some_and(crate::api::markers::scopes_write_markers),
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
        archive: None,
    };
    run::run(groups, run::Source::Replay(recording), options).await
}

/// `tootwatch demo`: the bundled recording.
pub async fn demo(args: DemoArgs) -> Result<ExitCode, Failure> {
    let (config, speed) = args.playback.settings()?;
    replay(replay::demo(speed), &config).await
}

/// `tootwatch replay FILE`: a recording made with `tail --record`.
pub async fn replay_file(args: ReplayArgs) -> Result<ExitCode, Failure> {
    let (config, speed) = args.playback.settings()?;
    let text = std::fs::read_to_string(&args.file)
        .map_err(|e| Failure::usage(format!("cannot read {}: {e}", args.file.display())))?;
    let recording = replay::Replay::parse(&text, speed)
        .map_err(|e| Failure::usage(format!("{}: {e}", args.file.display())))?;
    replay(recording, &config).await
}

impl PlaybackOpts {
    /// The config with `--images` applied, and the speed checked.
    fn settings(&self) -> Result<(crate::config::Config, f64), Failure> {
        let mut config = setup::load_config(self.config.as_deref())?;
        config.ui.images = self.images.unwrap_or(config.ui.images);
        Ok((config, valid_speed(self.speed)?))
    }
}

fn valid_speed(speed: f64) -> Result<f64, Failure> {
    if speed.is_finite() && speed > 0.0 && speed <= 1000.0 {
        Ok(speed)
    } else {
        Err(Failure::usage(
            "--speed must be a number above 0 and at most 1000 (1 = as recorded)",
        ))
    }
}
