//! `config.toml`: accounts, tabs, transport and limits. Every key is documented in
//! `config.example.toml`, which a test parses.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use crate::stream::{StreamSpec, Timing, TransportChoice, parse_group};

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// The account used when several are configured (or stored by `login`) and none is chosen.
    /// It may name an account of `[accounts]` or one stored by `tootwatch login`; `setup::resolve`
    /// checks that it exists.
    pub default_account: Option<String>,
    pub accounts: BTreeMap<String, AccountConfig>,
    pub login: LoginConfig,
    pub tabs: Vec<TabConfig>,
    pub transport: TransportConfig,
    pub limits: Limits,
    pub ui: UiConfig,
    pub watch: WatchConfig,
    pub monitor: MonitorConfig,
    pub archive: ArchiveConfig,
    /// `[keys]`: action = key or list of keys (see `keys.rs`).
    pub keys: crate::keys::KeysConfig,
}

/// Highlights and the hook, for the live view, the monitor and `tail`.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct WatchConfig {
    /// Keywords (literal, case-insensitive) or `/regular expressions/` to highlight.
    pub highlights: Vec<String>,
    /// A program run for each new highlighted post (each new post, if there are no
    /// highlights), with the post as the server sent it on stdin; split like a shell would,
    /// but run without one.
    pub exec: Option<String>,
    pub exec_concurrency: usize,
    pub exec_timeout_secs: f64,
}

impl Default for WatchConfig {
    fn default() -> Self {
        WatchConfig {
            highlights: Vec::new(),
            exec: None,
            exec_concurrency: 4,
            exec_timeout_secs: 30.0,
        }
    }
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct MonitorConfig {
    /// A stream down, or without a post, this long is shown as a warning.
    pub stale_after_secs: f64,
    /// Ring the terminal bell when a stream goes stale and for highlighted posts.
    pub bell: bool,
}

impl Default for MonitorConfig {
    fn default() -> Self {
        MonitorConfig {
            stale_after_secs: 300.0,
            bell: false,
        }
    }
}

/// `[archive]`: the local archive in the data dir.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct ArchiveConfig {
    pub enabled: bool,
    /// The file is kept under this size (`tootwatch archive prune`); oldest first.
    pub max_mb: u64,
}

impl Default for ArchiveConfig {
    fn default() -> Self {
        ArchiveConfig {
            enabled: true,
            max_mb: 200,
        }
    }
}

/// `[login]`: what `tootwatch login` asks for.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct LoginConfig {
    /// OAuth scopes, space-separated; `read` is all a viewer needs.
    pub scopes: String,
}

impl Default for LoginConfig {
    fn default() -> Self {
        LoginConfig {
            scopes: "read".to_owned(),
        }
    }
}

#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum OpenLinks {
    /// A local browser when there is one (not over ssh, a display present), else the clipboard.
    #[default]
    Auto,
    Browser,
    /// Copy with OSC 52, which reaches your own clipboard through ssh and tmux.
    Clipboard,
}

/// How pictures are drawn (`[ui] images`, `--images`).
#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Images {
    /// The best this terminal can show: a pixel protocol when it answers for one (or its
    /// variables name a terminal that has one), else coloured half blocks (none under
    /// NO_COLOR).
    #[default]
    Auto,
    /// Kitty's graphics protocol (kitty, Ghostty).
    Kitty,
    /// Sixel (foot, WezTerm, xterm with sixel, mlterm, Windows Terminal).
    Sixel,
    /// iTerm2's inline images (iTerm2, WezTerm, mintty).
    Iterm2,
    /// Coloured Unicode half blocks, which every colour terminal and tmux can show.
    Halfblocks,
    /// No pictures: media are the `[image: alt]` text lines.
    Off,
}

impl Images {
    /// Whether pictures are drawn in real pixels (and so are kept at a higher resolution).
    pub fn is_pixels(self) -> bool {
        matches!(self, Images::Kitty | Images::Sixel | Images::Iterm2)
    }
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct UiConfig {
    /// Posts kept per tab; the oldest are dropped.
    pub timeline_len: usize,
    pub notifications_len: usize,
    /// Show the body of posts with a content warning without pressing `c`.
    pub expand_spoilers: bool,
    /// Ring the terminal bell when someone mentions you.
    pub bell_on_mention: bool,
    /// What `o` does.
    pub open_links: OpenLinks,
    /// Links as OSC 8 hyperlinks (clickable in terminals that support them; others ignore
    /// them).
    pub hyperlinks: bool,
    /// How pictures are drawn; `off` keeps media as text.
    pub images: Images,
    /// A small picture of each author before the name (downloaded like media).
    pub avatars: bool,
    /// The largest picture downloaded, in bytes; larger ones keep their placeholder.
    pub max_image_bytes: u64,
    /// Share the read position of the home tab and the notifications with the server's
    /// markers (read at start; written when the token may, `write:statuses`).
    pub markers: bool,
}

/// `[ui] max_image_bytes` unless set: 8 MB.
pub(crate) const DEFAULT_MAX_IMAGE_BYTES: u64 = 8 * 1024 * 1024;

impl Default for UiConfig {
    fn default() -> Self {
        UiConfig {
            timeline_len: 1000,
            notifications_len: 500,
            expand_spoilers: false,
            bell_on_mention: false,
            open_links: OpenLinks::Auto,
            hyperlinks: true,
            images: Images::Auto,
            avatars: false,
            max_image_bytes: DEFAULT_MAX_IMAGE_BYTES,
            markers: true,
        }
    }
}

#[derive(Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct AccountConfig {
    pub instance: String,
    #[serde(default)]
    pub token: Option<String>,
    #[serde(default)]
    pub streaming_url: Option<String>,
}

impl std::fmt::Debug for AccountConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccountConfig")
            .field("instance", &self.instance)
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .field("streaming_url", &self.streaming_url)
            .finish()
    }
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct TabConfig {
    #[serde(default)]
    pub name: Option<String>,
    /// STREAMs merged into this tab (each may itself be a comma-joined group).
    pub streams: Vec<String>,
    #[serde(default)]
    pub account: Option<String>,
    /// For hashtag streams: `any` (default) of the tab's tags, or `all` of them on one post.
    #[serde(default, rename = "match")]
    pub tag_match: crate::matching::TagMatch,
    /// Posts carrying any of these tags are left out.
    #[serde(default)]
    pub without_tags: Vec<String>,
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct TransportConfig {
    pub transport: TransportChoice,
    pub read_timeout_secs: f64,
    pub connect_timeout_secs: f64,
    pub backoff_initial_secs: f64,
    pub backoff_max_secs: f64,
    pub healthy_after_secs: f64,
    /// A WebSocket stream counts as accepted after its first frame, or after this long
    /// without an error frame (servers check a subscription after the upgrade).
    pub accept_grace_secs: f64,
    /// How often a stream the server cannot stream (or one that stopped delivering) is
    /// polled over REST.
    pub poll_secs: f64,
    /// How often each stream is compared with its REST timeline.
    pub verify_secs: f64,
}

impl Default for TransportConfig {
    fn default() -> Self {
        let t = Timing::default();
        let c = crate::live::Cadence::default();
        TransportConfig {
            transport: TransportChoice::Auto,
            read_timeout_secs: t.read_timeout.as_secs_f64(),
            connect_timeout_secs: t.connect_timeout.as_secs_f64(),
            backoff_initial_secs: t.backoff_initial.as_secs_f64(),
            backoff_max_secs: t.backoff_max.as_secs_f64(),
            healthy_after_secs: t.healthy_after.as_secs_f64(),
            accept_grace_secs: t.accept_grace.as_secs_f64(),
            poll_secs: c.poll_every.as_secs_f64(),
            verify_secs: c.verify_every.as_secs_f64(),
        }
    }
}

impl TransportConfig {
    pub fn timing(&self) -> Timing {
        let d = Duration::from_secs_f64;
        Timing {
            read_timeout: d(self.read_timeout_secs),
            connect_timeout: d(self.connect_timeout_secs),
            backoff_initial: d(self.backoff_initial_secs),
            backoff_max: d(self.backoff_max_secs),
            healthy_after: d(self.healthy_after_secs),
            accept_grace: d(self.accept_grace_secs),
        }
    }

    pub(crate) fn poll_every(&self) -> Duration {
        Duration::from_secs_f64(self.poll_secs)
    }

    pub(crate) fn verify_every(&self) -> Duration {
        Duration::from_secs_f64(self.verify_secs)
    }
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Limits {
    /// Largest event accepted from a server, in bytes; larger ones are logged and dropped.
    pub max_event_bytes: usize,
    /// Events queued between the stream tasks and their consumer before the tasks wait.
    pub channel_capacity: usize,
    /// Posts fetched per stream after a reconnect to fill what was missed; past this a gap
    /// marker offers to load more.
    pub catch_up_posts: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_event_bytes: 1 << 20,
            channel_capacity: 1024,
            catch_up_posts: 200,
        }
    }
}

#[derive(Debug, thiserror::Error, PartialEq)]
#[error("config error in {}{}{}: {message}", path.display(), line.map(|l| format!(", line {l}")).unwrap_or_default(), key.as_ref().map(|k| format!(", key `{k}`")).unwrap_or_default())]
pub struct ConfigError {
    pub path: PathBuf,
    pub line: Option<usize>,
    pub key: Option<String>,
    pub message: String,
}

/// `config.toml` in the platform config dir (e.g. `~/.config/tootwatch/config.toml`).
pub(crate) fn default_path() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "tootwatch").map(|d| d.config_dir().join("config.toml"))
}

impl Config {
    /// Loads `explicit` (which must exist), or the default path if it exists, or defaults.
    pub fn load(explicit: Option<&Path>) -> Result<(Config, Option<PathBuf>), ConfigError> {
        let path = match explicit {
            Some(p) => p.to_path_buf(),
            None => match default_path() {
                Some(p) if p.exists() => p,
                _ => return Ok((Config::default(), None)),
            },
        };
        let text = std::fs::read_to_string(&path).map_err(|e| ConfigError {
            path: path.clone(),
            line: None,
            key: None,
            message: format!("cannot read it: {e}"),
        })?;
        let config = Config::parse(&text, &path)?;
        Ok((config, Some(path)))
    }

    pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
        let config: Config = toml::from_str(text).map_err(|e| {
            let (line, key) = match e.span() {
                Some(span) => locate(text, span.start),
                None => (None, None),
            };
            let key = key.or_else(|| backticked(e.message()));
            ConfigError {
                path: path.to_path_buf(),
                line,
                key,
                message: plain_types(e.message().trim()),
            }
        })?;
        config.validate(text, path)?;
        Ok(config)
    }

    fn validate(&self, text: &str, path: &Path) -> Result<(), ConfigError> {
        let err = |key: String, line: Option<usize>, message: String| ConfigError {
            path: path.to_path_buf(),
            line,
            key: Some(key),
            message,
        };
        for (i, tab) in self.tabs.iter().enumerate() {
            let place = Place {
                table: "tabs",
                nth: i,
            };
            if tab.streams.is_empty() {
                return Err(err(
                    format!("tabs[{i}].streams"),
                    place.key_line(text, "streams"),
                    "a tab needs at least one STREAM".into(),
                ));
            }
            for s in &tab.streams {
                parse_group(s).map_err(|e| {
                    let line = place.value_line(text, "streams", s);
                    err(format!("tabs[{i}].streams"), line, e.to_string())
                })?;
            }
            // `tabs[].account` may also name an account stored by `tootwatch login`: the live
            // view checks it when it opens the tab.
        }
        for (name, account) in &self.accounts {
            if let Err(e) = url::Url::parse(&account.instance) {
                let line = [format!("accounts.{name}"), format!("accounts.\"{name}\"")]
                    .iter()
                    .find_map(|table| key_line(text, table, "instance"));
                return Err(err(
                    format!("accounts.{name}.instance"),
                    line,
                    format!("`{}` is not a URL: {e}", account.instance),
                ));
            }
        }
        if let Err(e) = crate::api::auth::normalize_scopes(&self.login.scopes) {
            return Err(err(
                "login.scopes".into(),
                key_line(text, "login", "scopes"),
                e,
            ));
        }
        let t = &self.transport;
        for (key, value) in [
            ("read_timeout_secs", t.read_timeout_secs),
            ("connect_timeout_secs", t.connect_timeout_secs),
            ("backoff_initial_secs", t.backoff_initial_secs),
            ("backoff_max_secs", t.backoff_max_secs),
            ("healthy_after_secs", t.healthy_after_secs),
            ("accept_grace_secs", t.accept_grace_secs),
            ("poll_secs", t.poll_secs),
            ("verify_secs", t.verify_secs),
        ] {
            if !(value.is_finite() && value > 0.0 && value < 1e7) {
                return Err(err(
                    format!("transport.{key}"),
                    key_line(text, "transport", key),
                    "must be a positive number of seconds".into(),
                ));
            }
        }
        if let Err(e) = crate::matching::Highlights::new(&self.watch.highlights) {
            let line = Place {
                table: "watch",
                nth: 0,
            }
            .value_line(text, "highlights", &e.pattern);
            return Err(err("watch.highlights".into(), line, e.to_string()));
        }
        for (key, value) in [
            ("watch.exec_timeout_secs", self.watch.exec_timeout_secs),
            ("monitor.stale_after_secs", self.monitor.stale_after_secs),
        ] {
            if !(value.is_finite() && value > 0.0 && value < 1e7) {
                return Err(err(
                    key.into(),
                    dotted_line(text, key),
                    "must be a positive number of seconds".into(),
                ));
            }
        }
        if let Err(e) = crate::keys::Keymap::with(&self.keys) {
            return Err(ConfigError {
                path: path.to_path_buf(),
                line: key_line(text, "keys", &e.action),
                key: Some(format!("keys.{}", e.action)),
                message: e.message,
            });
        }
        // Each bound names its own key and line.
        for (key, value, least) in [
            ("ui.timeline_len", self.ui.timeline_len as u64, 1),
            ("ui.notifications_len", self.ui.notifications_len as u64, 1),
            (
                "limits.max_event_bytes",
                self.limits.max_event_bytes as u64,
                1024,
            ),
            (
                "limits.channel_capacity",
                self.limits.channel_capacity as u64,
                1,
            ),
            // 0 would prune the whole archive away.
            ("archive.max_mb", self.archive.max_mb, 1),
            (
                "watch.exec_concurrency",
                self.watch.exec_concurrency as u64,
                1,
            ),
        ] {
            if value < least {
                return Err(err(
                    key.into(),
                    dotted_line(text, key),
                    format!("must be at least {least}"),
                ));
            }
        }
        if self.ui.max_image_bytes < 1024 {
            return Err(err(
                "ui.max_image_bytes".into(),
                key_line(text, "ui", "max_image_bytes"),
                "must be at least 1024".into(),
            ));
        }
        Ok(())
    }

    /// The key table: the defaults with `[keys]` applied.
    pub(crate) fn keymap(&self) -> crate::keys::Keymap {
        // validate() has built it once already
        crate::keys::Keymap::with(&self.keys).unwrap_or_default()
    }

    /// The configured tabs as parsed STREAM groups.
    pub(crate) fn tab_streams(&self) -> Vec<Vec<StreamSpec>> {
        self.tabs
            .iter()
            .map(|t| {
                let mut specs: Vec<StreamSpec> = Vec::new();
                for s in &t.streams {
                    // validate() has parsed every entry already
                    for spec in parse_group(s).unwrap_or_default() {
                        if !specs.contains(&spec) {
                            specs.push(spec);
                        }
                    }
                }
                specs
            })
            .collect()
    }
}

/// Line (1-based) of a byte offset, and the key written on that line.
fn locate(text: &str, offset: usize) -> (Option<usize>, Option<String>) {
    let offset = offset.min(text.len());
    let line_no = text[..offset].matches('\n').count() + 1;
    let line = text.lines().nth(line_no - 1).unwrap_or("");
    let key = line
        .split_once('=')
        .map(|(k, _)| k.trim().trim_matches('"').to_string())
        .filter(|k| !k.is_empty() && !k.starts_with('['));
    (Some(line_no), key)
}

/// Where a setting is, by the tables the file declares: `[table]`, or the `nth` (from 0)
/// `[[table]]` of an array of tables (`nth` is 0 for a plain one). Comments never match.
struct Place<'a> {
    table: &'a str,
    nth: usize,
}

impl Place<'_> {
    /// The lines (1-based, with their text) inside the table, its header first; outside any
    /// table, `table.key = …` lines count too (dotted keys), as do keys of a top-level table.
    fn lines<'t>(&self, text: &'t str) -> impl Iterator<Item = (usize, &'t str)> + use<'t, '_> {
        let (single, array) = (format!("[{}]", self.table), format!("[[{}]]", self.table));
        let dotted = format!("{}.", self.table);
        let mut inside = self.table.is_empty();
        let mut top = true;
        let mut seen = 0usize;
        text.lines().enumerate().filter_map(move |(i, line)| {
            let trimmed = line.trim();
            if trimmed.starts_with('#') || trimmed.is_empty() {
                return None;
            }
            if trimmed.starts_with('[') {
                top = false;
                let header = trimmed.split('#').next().map(str::trim).unwrap_or("");
                inside = if header == array {
                    seen += 1;
                    seen == self.nth + 1
                } else {
                    header == single
                };
                return inside.then_some((i + 1, ""));
            }
            if inside {
                return Some((i + 1, trimmed));
            }
            let rest = trimmed.strip_prefix(&dotted)?;
            top.then_some((i + 1, rest))
        })
    }

    /// The line that sets `key` here, else the table's header.
    fn key_line(&self, text: &str, key: &str) -> Option<usize> {
        let sets = |line: &str| {
            line.split_once('=')
                .is_some_and(|(name, _)| name.trim().trim_matches(|c| c == '"' || c == '\'') == key)
        };
        let mut header = None;
        for (n, line) in self.lines(text) {
            if line.is_empty() {
                header = header.or(Some(n));
            } else if sets(line) {
                return Some(n);
            }
        }
        header
    }

    /// The line here that holds the string `value` (an array may span lines), else the one
    /// that sets `key`.
    fn value_line(&self, text: &str, key: &str, value: &str) -> Option<usize> {
        let quoted = [format!("\"{value}\""), format!("'{value}'")];
        self.lines(text)
            .find(|(_, line)| quoted.iter().any(|q| line.contains(q.as_str())))
            .map(|(n, _)| n)
            .or_else(|| self.key_line(text, key))
    }
}

/// A parser's message in the user's words: `expected usize` says nothing to someone editing
/// a config file.
fn plain_types(message: &str) -> String {
    let mut out = message.to_string();
    for (rust, plain) in [
        ("usize", "a whole number"),
        ("u64", "a whole number"),
        ("u32", "a whole number"),
        ("u16", "a whole number"),
        ("u8", "a whole number"),
        ("f64", "a number"),
        ("f32", "a number"),
    ] {
        out = out.replace(&format!("expected {rust}"), &format!("expected {plain}"));
    }
    out
}

/// The line of `table.key`, named so.
fn dotted_line(text: &str, dotted: &str) -> Option<usize> {
    let (table, key) = dotted.rsplit_once('.').unwrap_or(("", dotted));
    key_line(text, table, key)
}

/// The line (1-based) where `key` is set in the table `[table]` (or as `table.key` outside it).
fn key_line(text: &str, table: &str, key: &str) -> Option<usize> {
    Place { table, nth: 0 }.key_line(text, key)
}

/// The field a serde message names, "unknown field `foo`, expected ..." or "missing field
/// `foo`" (not what a syntax error expects: "expected `=`").
fn backticked(message: &str) -> Option<String> {
    if !message.contains("field `") {
        return None;
    }
    let start = message.find('`')? + 1;
    let len = message[start..].find('`')?;
    Some(message[start..start + len].to_string())
}

#[cfg(test)]
#[path = "config_tests.rs"]
mod tests;
