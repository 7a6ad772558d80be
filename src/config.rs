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
    /// A program run for each highlighted post (each post, if there are no highlights), with
    /// the post as JSON on stdin; split like a shell would, but run without one.
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
        TransportConfig {
            transport: TransportChoice::Auto,
            read_timeout_secs: t.read_timeout.as_secs_f64(),
            connect_timeout_secs: t.connect_timeout.as_secs_f64(),
            backoff_initial_secs: t.backoff_initial.as_secs_f64(),
            backoff_max_secs: t.backoff_max.as_secs_f64(),
            healthy_after_secs: t.healthy_after.as_secs_f64(),
            accept_grace_secs: t.accept_grace.as_secs_f64(),
            poll_secs: 60.0,
            verify_secs: 300.0,
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
                message: e.message().trim().to_string(),
            }
        })?;
        config.validate(text, path)?;
        Ok(config)
    }

    fn validate(&self, text: &str, path: &Path) -> Result<(), ConfigError> {
        let err = |key: String, needle: &str, message: String| ConfigError {
            path: path.to_path_buf(),
            line: find_line(text, needle),
            key: Some(key),
            message,
        };
        for (i, tab) in self.tabs.iter().enumerate() {
            if tab.streams.is_empty() {
                return Err(err(
                    format!("tabs[{i}].streams"),
                    "streams",
                    "a tab needs at least one STREAM".into(),
                ));
            }
            for s in &tab.streams {
                parse_group(s).map_err(|e| err(format!("tabs[{i}].streams"), s, e.to_string()))?;
            }
            // `tabs[].account` may also name an account stored by `tootwatch login`: the live
            // view checks it when it opens the tab.
        }
        for (name, account) in &self.accounts {
            if let Err(e) = url::Url::parse(&account.instance) {
                return Err(err(
                    format!("accounts.{name}.instance"),
                    &account.instance,
                    format!("`{}` is not a URL: {e}", account.instance),
                ));
            }
        }
        if let Err(e) = crate::api::auth::normalize_scopes(&self.login.scopes) {
            return Err(err("login.scopes".into(), "scopes", e));
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
                    key,
                    "must be a positive number of seconds".into(),
                ));
            }
        }
        if let Err(e) = crate::matching::Highlights::new(&self.watch.highlights) {
            return Err(err("watch.highlights".into(), &e.pattern, e.to_string()));
        }
        for (key, value) in [
            ("watch.exec_timeout_secs", self.watch.exec_timeout_secs),
            ("monitor.stale_after_secs", self.monitor.stale_after_secs),
        ] {
            if !(value.is_finite() && value > 0.0 && value < 1e7) {
                return Err(err(
                    key.into(),
                    key.rsplit('.').next().unwrap_or(key),
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
        ] {
            if value < least {
                return Err(err(
                    key.into(),
                    key.rsplit('.').next().unwrap_or(key),
                    format!("must be at least {least}"),
                ));
            }
        }
        if self.ui.max_image_bytes < 1024 {
            return Err(err(
                "ui.max_image_bytes".into(),
                "max_image_bytes",
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

/// The line (1-based) where `key` is set in the table `[table]` (or as `table.key` outside it).
fn key_line(text: &str, table: &str, key: &str) -> Option<usize> {
    let header = format!("[{table}]");
    let dotted = format!("{table}.");
    let mut inside = false;
    let sets = |line: &str, key: &str| {
        let line = line.trim_start();
        let Some((name, _)) = line.split_once('=') else {
            return false;
        };
        name.trim().trim_matches(|c| c == '"' || c == '\'') == key
    };
    for (i, line) in text.lines().enumerate() {
        let trimmed = line.trim();
        if trimmed.starts_with('[') {
            inside = trimmed.split('#').next().map(str::trim) == Some(header.as_str());
            continue;
        }
        if inside && sets(line, key) {
            return Some(i + 1);
        }
        if let Some(rest) = trimmed.strip_prefix(&dotted)
            && sets(rest, key)
        {
            return Some(i + 1);
        }
    }
    find_line(text, &header)
}

fn find_line(text: &str, needle: &str) -> Option<usize> {
    text.lines().position(|l| l.contains(needle)).map(|i| i + 1)
}

/// The first `name` in backticks of a serde message such as "unknown field `foo`, expected ...".
fn backticked(message: &str) -> Option<String> {
    let start = message.find('`')? + 1;
    let len = message[start..].find('`')?;
    Some(message[start..start + len].to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, ConfigError> {
        Config::parse(text, Path::new("/home/u/.config/tootwatch/config.toml"))
    }

    #[test]
    fn a_value_below_its_bound_is_named_with_its_line() {
        for (text, line, key, least) in [
            (
                "[limits]\nchannel_capacity = 8\nmax_event_bytes = 10\n",
                3,
                "limits.max_event_bytes",
                "1024",
            ),
            (
                "[limits]\nchannel_capacity = 0\n",
                2,
                "limits.channel_capacity",
                "1",
            ),
            (
                "[ui]\n\nnotifications_len = 0\n",
                3,
                "ui.notifications_len",
                "1",
            ),
        ] {
            let e = parse(text).unwrap_err();
            assert_eq!(e.line, Some(line), "{text}");
            assert_eq!(e.key.as_deref(), Some(key), "{text}");
            assert!(
                e.to_string().contains(&format!("must be at least {least}")),
                "{e}"
            );
        }
    }

    #[test]
    fn the_example_config_parses_and_says_what_it_shows() {
        let text = include_str!("../config.example.toml");
        let c = parse(text).unwrap();
        assert!(!c.accounts.is_empty());
        assert!(!c.tabs.is_empty());
        assert!(c.default_account.is_some());
        assert_eq!(c.tab_streams().len(), c.tabs.len());
    }

    #[test]
    fn empty_config_is_all_defaults() {
        let c = parse("").unwrap();
        assert_eq!(c, Config::default());
        assert_eq!(c.transport.timing(), Timing::default());
    }

    #[test]
    fn a_wrong_type_names_file_line_and_key() {
        let e = parse("[transport]\n\nread_timeout_secs = \"soon\"\n").unwrap_err();
        assert_eq!(e.line, Some(3));
        assert_eq!(e.key.as_deref(), Some("read_timeout_secs"));
        let text = e.to_string();
        assert!(text.starts_with("config error in /home/u/.config/tootwatch/config.toml, line 3, key `read_timeout_secs`:"), "{text}");
    }

    #[test]
    fn an_unknown_key_is_named() {
        let e = parse("[transport]\nread_timeout = 5\n").unwrap_err();
        assert_eq!(e.key.as_deref(), Some("read_timeout"));
        assert_eq!(e.line, Some(2));
    }

    #[test]
    fn images_takes_only_the_ways_pictures_can_be_drawn() {
        assert_eq!(parse("").unwrap().ui.images, Images::Auto);
        let c = parse("[ui]\nimages = \"off\"\n").unwrap();
        assert_eq!(c.ui.images, Images::Off);
        // A way tootwatch does not know is refused, not quietly drawn some other way.
        let c = parse("[ui]\nimages = \"sixel\"\n").unwrap();
        assert_eq!(c.ui.images, Images::Sixel);
        let e = parse("[ui]\nimages = \"chafa\"\n").unwrap_err();
        assert_eq!(e.line, Some(2));
        assert!(e.to_string().contains("halfblocks"), "{e}");
    }

    #[test]
    fn broken_toml_names_the_line() {
        let e = parse("default_account = \"a\"\n[accounts\n").unwrap_err();
        assert_eq!(e.line, Some(2));
    }

    #[test]
    fn a_bad_stream_in_a_tab_names_it() {
        let e = parse("[[tabs]]\nstreams = [\"#rust\", \"pubic\"]\n").unwrap_err();
        assert_eq!(e.key.as_deref(), Some("tabs[0].streams"));
        assert_eq!(e.line, Some(2));
        assert!(e.message.contains("`pubic`"), "{}", e.message);
    }

    #[test]
    fn references_to_accounts_must_exist() {
        // default_account may name an account stored by `login`: resolve() checks it.
        assert!(parse("default_account = \"nobody@x.example\"\n").is_ok());
        let e = parse("[login]\nscopes = \"read;drop\"\n").unwrap_err();
        assert_eq!(e.key.as_deref(), Some("login.scopes"));
        assert_eq!(e.line, Some(2));
        let e = parse("[transport]\nbackoff_max_secs = -1\n").unwrap_err();
        assert_eq!(e.key.as_deref(), Some("transport.backoff_max_secs"));
    }

    #[test]
    fn keys_remap_actions_and_conflicts_name_file_line_and_key() {
        let c = parse("[keys]\nquit = \"Q\"\npage_down = [\"ctrl-d\", \"pgdn\"]\n").unwrap();
        assert_eq!(
            c.keymap().label(crate::keys::Action::Quit).as_deref(),
            Some("Q")
        );
        let e = parse(
            "[ui]\nbell_on_mention = true # quit\n\n[keys]\n# quit\nsearch = \"f\"\nhelp = \"q\"\n",
        )
        .unwrap_err();
        assert_eq!(e.line, Some(7));
        assert_eq!(e.key.as_deref(), Some("keys.help"));
        assert!(
            e.to_string().starts_with(
                "config error in /home/u/.config/tootwatch/config.toml, line 7, key `keys.help`: `q` is bound to both `help` and `quit`"
            ),
            "{e}"
        );
        let e = parse("[keys]\nquit = \"Q\"\n  \"open\" = \"enter\"\n").unwrap_err();
        assert_eq!(e.line, Some(3));
        assert_eq!(e.key.as_deref(), Some("keys.open"));
        assert!(
            e.message.contains("`open` is not an action"),
            "{}",
            e.message
        );
        let e = parse("keys.quit = \"ctrl-\"\n").unwrap_err();
        assert_eq!(e.line, Some(1));
        let e = parse("[keys]\nquit = 3\n").unwrap_err();
        assert_eq!(e.line, Some(2));
        assert_eq!(e.key.as_deref(), Some("quit"));
        assert!(e.message.contains("a key such as"), "{}", e.message);
        let e = parse("[keys]\nquit = [\"Q\", 3]\n").unwrap_err();
        assert_eq!(e.line, Some(2));
    }

    #[test]
    fn tokens_stay_out_of_debug_output() {
        let c =
            parse("[accounts.\"me@ex.com\"]\ninstance = \"https://ex.com\"\ntoken = \"s3cret\"\n")
                .unwrap();
        assert!(!format!("{c:?}").contains("s3cret"));
    }
}
