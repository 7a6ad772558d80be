//! What every command that talks to a server does first: load the config, pick the account,
//! check the URLs, discover the instance. Errors here are the user's to fix, so they say how.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use clap::Args;
use url::Url;

use crate::accounts::Store;
use crate::api::{self, Api, ApiError};
use crate::config::{AccountConfig, Config, Limits};
use crate::exit::Failure;
use crate::model::Instance;
use crate::stream::{
    FailureCause, StreamSettings, StreamSpec, Timing, TransportChoice, parse_group,
};

/// Logs go to a file in the platform state dir, never to the terminal. `TOOTWATCH_LOG`
/// sets the level (`warn`, `info`, `debug`, ...); the default is `info`.
pub fn init_logging() {
    let Some(path) = log_path() else { return };
    if let Some(dir) = path.parent()
        && std::fs::create_dir_all(dir).is_err()
    {
        return;
    }
    // Keep the log bounded across long runs: start afresh past a few MB, keeping one old file.
    if std::fs::metadata(&path).is_ok_and(|m| m.len() > 8 << 20) {
        let _ = std::fs::rename(&path, path.with_extension("log.old"));
    }
    let Ok(file) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
    else {
        return;
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("TOOTWATCH_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(Arc::new(file))
        .with_ansi(false)
        .try_init();
}

/// `tootwatch.log` in the state dir (`~/.local/state/tootwatch` on Linux), or the cache dir
/// where a platform has no state dir.
pub fn log_path() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("TOOTWATCH_LOG_FILE") {
        return Some(PathBuf::from(p));
    }
    let dirs = directories::ProjectDirs::from("", "", "tootwatch")?;
    let dir = dirs.state_dir().unwrap_or_else(|| dirs.cache_dir());
    Some(dir.join("tootwatch.log"))
}

/// Options shared by the commands that talk to a server. `Debug` leaves the token out.
#[derive(Clone, Default, Args)]
pub struct ServerOpts {
    /// Base URL of the server, e.g. https://mastodon.social
    #[arg(long, env = "TOOTWATCH_INSTANCE", value_name = "URL")]
    pub instance: Option<String>,
    /// OAuth bearer token (default: the selected account's)
    #[arg(
        long,
        env = "TOOTWATCH_TOKEN",
        value_name = "TOKEN",
        hide_env_values = true
    )]
    pub token: Option<String>,
    /// An account from the config or one stored by `tootwatch login`
    #[arg(long, env = "TOOTWATCH_ACCOUNT", value_name = "NAME")]
    pub account: Option<String>,
    /// Config file (default: config.toml in the platform config dir)
    #[arg(long, env = "TOOTWATCH_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// auto: WebSocket, falling back to server-sent events; sse or ws force one
    #[arg(long, value_name = "TRANSPORT", value_parser = transport_arg())]
    pub transport: Option<TransportChoice>,
    /// Streaming base URL, overriding what the server advertises
    #[arg(long, value_name = "URL")]
    pub streaming_url: Option<String>,
    /// Seconds of silence (no event, heartbeat or ping) after which a connection is renewed [default: 60]
    #[arg(long, value_name = "SECONDS")]
    pub read_timeout: Option<f64>,
    /// Allow plain http:// to a host that is not on this machine
    #[arg(long)]
    pub insecure: bool,
}

impl std::fmt::Debug for ServerOpts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerOpts")
            .field("instance", &self.instance)
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .field("account", &self.account)
            .field("config", &self.config)
            .field("transport", &self.transport)
            .field("streaming_url", &self.streaming_url)
            .field("read_timeout", &self.read_timeout)
            .field("insecure", &self.insecure)
            .finish()
    }
}

/// `--transport`: the flag's values for the stream layer's [`TransportChoice`], which knows no clap.
fn transport_arg() -> impl clap::builder::TypedValueParser<Value = TransportChoice> {
    use clap::builder::{PossibleValue, PossibleValuesParser, TypedValueParser};
    PossibleValuesParser::new([
        PossibleValue::new("auto").help(
            "WebSocket, falling back to server-sent events (and the other way round) when one is missing",
        ),
        PossibleValue::new("sse").help("Server-sent events only"),
        PossibleValue::new("ws").help("WebSocket only"),
    ])
    .map(|value| match value.as_str() {
        "sse" => TransportChoice::Sse,
        "ws" => TransportChoice::Ws,
        _ => TransportChoice::Auto,
    })
}

/// A STREAM argument: one stream, or a comma-joined group.
pub fn parse_stream_arg(s: &str) -> Result<Vec<StreamSpec>, String> {
    parse_group(s).map_err(|e| e.to_string())
}

/// The config file alone, for the commands that need no server.
pub fn load_config(path: Option<&std::path::Path>) -> Result<crate::config::Config, Failure> {
    crate::config::Config::load(path)
        .map(|(c, _)| c)
        .map_err(|e| Failure::usage(e.to_string()))
}

/// Everything a command needs to know before it touches the network. `Debug` leaves the
/// token out.
pub struct Resolved {
    pub config: Config,
    pub config_path: Option<PathBuf>,
    pub account: Option<String>,
    pub instance: Url,
    pub token: Option<String>,
    /// The token's scopes where the token store kept them (a token from `tootwatch login`).
    pub scopes: Option<String>,
    pub streaming_url: Option<Url>,
    pub transport: TransportChoice,
    pub timing: Timing,
    pub limits: Limits,
}

impl std::fmt::Debug for Resolved {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Resolved")
            .field("config", &self.config)
            .field("config_path", &self.config_path)
            .field("account", &self.account)
            .field("instance", &self.instance.as_str())
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .field("scopes", &self.scopes)
            .field(
                "streaming_url",
                &self.streaming_url.as_ref().map(Url::as_str),
            )
            .field("transport", &self.transport)
            .field("timing", &self.timing)
            .field("limits", &self.limits)
            .finish()
    }
}

pub fn resolve(opts: &ServerOpts) -> Result<Resolved, Failure> {
    resolve_in(opts, crate::accounts::data_dir().map(Store::new).as_ref())
}

/// An account named by a tab (`tabs[].account`), beside the one `opts` picks: the same config
/// and transport flags, but that account's own instance, token and streaming URL.
pub fn resolve_named(opts: &ServerOpts, name: &str) -> Result<Resolved, Failure> {
    let opts = ServerOpts {
        account: Some(name.to_string()),
        instance: None,
        token: None,
        streaming_url: None,
        ..opts.clone()
    };
    resolve(&opts)
}

/// [`resolve`] with the accounts stored by `tootwatch login` in `store` (`None`: no data dir).
///
/// Accounts come from the config's `[accounts]` and from the store, one name space: a config
/// account without a token uses the stored token of the same name (on the same instance).
/// `--account` picks one; else, without `--instance` / `--token`, the config's
/// `default_account`, else the only account there is; several and no default is a usage error.
fn resolve_in(opts: &ServerOpts, store: Option<&Store>) -> Result<Resolved, Failure> {
    let (config, config_path) =
        Config::load(opts.config.as_deref()).map_err(|e| Failure::usage(e.to_string()))?;
    let where_config = || match &config_path {
        Some(p) => format!("in {}", p.display()),
        None => match crate::config::default_path() {
            Some(p) => format!("in {} (see config.example.toml)", p.display()),
            None => "in a config file".to_string(),
        },
    };
    let explicit = opts.instance.is_some() || opts.token.is_some();
    let requested = opts.account.clone().or_else(|| {
        if explicit {
            None
        } else {
            config.default_account.clone()
        }
    });
    let config_token = |name: &str| {
        config
            .accounts
            .get(name)
            .and_then(|a| a.token.clone())
            .filter(|t| !t.trim().is_empty())
    };
    // The store is read only when it may matter (and refused then if others can read it).
    let needs_store = match &requested {
        Some(name) => config_token(name).is_none(),
        None => !explicit,
    };
    let stored = match store {
        Some(store) if needs_store => store.accounts()?,
        _ => BTreeMap::new(),
    };
    let names: BTreeSet<&str> = config
        .accounts
        .keys()
        .chain(stored.keys())
        .map(String::as_str)
        .collect();
    let listed = || names.iter().copied().collect::<Vec<_>>().join(", ");
    let account_name = match requested {
        Some(name) => Some(name),
        None if explicit => None,
        None if names.len() > 1 => {
            return Err(Failure::usage(format!(
                "several accounts ({}); pick one with --account or set default_account {}",
                listed(),
                where_config()
            )));
        }
        None => names.first().map(|n| n.to_string()),
    };
    let mut stored_scopes = None;
    let account = match &account_name {
        None => None,
        Some(name) => Some(match (config.accounts.get(name), stored.get(name)) {
            (Some(configured), by_name) => {
                let mut account = configured.clone();
                // Stored under this name, else the one account `login` stored for the same
                // server (it names them `user@host`; a config may name them as it likes).
                let same_server: Vec<_> = stored
                    .values()
                    .filter(|s| crate::accounts::same_instance(&s.instance, &configured.instance))
                    .collect();
                let stored = by_name.or(match same_server[..] {
                    [only] => Some(only),
                    _ => None,
                });
                account.token = config_token(name).or_else(|| {
                    let stored = stored?;
                    if crate::accounts::same_instance(&stored.instance, &configured.instance) {
                        stored_scopes = Some(stored.scopes.clone());
                        Some(stored.token.clone())
                    } else {
                        tracing::warn!(
                            "the stored token of {name} is for {}, not {}: not using it",
                            stored.instance,
                            configured.instance
                        );
                        None
                    }
                });
                account
            }
            (None, Some(stored)) => {
                stored_scopes = Some(stored.scopes.clone());
                AccountConfig {
                    instance: stored.instance.clone(),
                    token: Some(stored.token.clone()),
                    streaming_url: None,
                }
            }
            (None, None) => {
                return Err(Failure::usage(if names.is_empty() {
                    format!(
                        "no account `{name}`: none is configured {} nor logged in (tootwatch login INSTANCE)",
                        where_config()
                    )
                } else {
                    let from_config = opts.account.is_none();
                    format!(
                        "no account `{name}`{}; accounts: {}",
                        if from_config {
                            format!(" (the default_account {})", where_config())
                        } else {
                            String::new()
                        },
                        listed()
                    )
                }));
            }
        }),
    };
    let account = account.as_ref();
    let instance_text = opts
        .instance
        .clone()
        .or_else(|| account.map(|a| a.instance.clone()))
        .ok_or_else(|| {
            Failure::usage(format!(
                "no instance given: run `tootwatch login your.server`, pass --instance https://your.server (or set TOOTWATCH_INSTANCE), or add an account {}",
                where_config()
            ))
        })?;
    // Named where it was written: the flag, or the account's entry in the config.
    let instance_source = match (&opts.instance, &account_name) {
        (None, Some(name)) if config.accounts.contains_key(name) => {
            format!("the `instance` of account `{name}` ({})", where_config())
        }
        _ => "--instance".to_string(),
    };
    let instance = parse_base_url(&instance_text, &instance_source, opts.insecure)?;
    let streaming_text = opts
        .streaming_url
        .clone()
        .or_else(|| account.and_then(|a| a.streaming_url.clone()));
    let streaming_url = match streaming_text {
        None => None,
        Some(text) => {
            let url = api::streaming_http_url(&text).ok_or_else(|| {
                Failure::usage(format!(
                    "--streaming-url `{text}` is not a ws://, wss://, http:// or https:// URL"
                ))
            })?;
            Some(parse_base_url(
                url.as_str(),
                "--streaming-url",
                opts.insecure,
            )?)
        }
    };
    let token = opts
        .token
        .clone()
        .or_else(|| account.and_then(|a| a.token.clone()))
        .filter(|t| !t.trim().is_empty());
    let mut timing = config.transport.timing();
    if let Some(secs) = opts.read_timeout {
        if !(secs.is_finite() && secs > 0.0 && secs < 1e7) {
            return Err(Failure::usage(
                "--read-timeout must be a positive number of seconds",
            ));
        }
        timing.read_timeout = Duration::from_secs_f64(secs);
    }
    Ok(Resolved {
        transport: opts.transport.unwrap_or(config.transport.transport),
        limits: config.limits.clone(),
        timing,
        config,
        config_path,
        account: account_name,
        instance,
        // Scopes say something only of the stored token, not of one given with --token.
        scopes: stored_scopes.filter(|_| opts.token.is_none()),
        token,
        streaming_url,
    })
}

pub(crate) fn parse_base_url(text: &str, what: &str, insecure: bool) -> Result<Url, Failure> {
    let trimmed = text.trim();
    // A bare host name is what people type; https is what they mean.
    let with_scheme = if trimmed.contains("://") {
        trimmed.to_string()
    } else {
        format!("https://{trimmed}")
    };
    let url = Url::parse(&with_scheme)
        .map_err(|e| Failure::usage(format!("{what} `{text}` is not a URL: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err(Failure::usage(format!(
            "{what} `{text}` must be an http:// or https:// URL with a host"
        )));
    }
    if !insecure && !api::is_safe_base(&url) {
        return Err(Failure::usage(format!(
            "{what} `{text}` is plain http to another machine: your token would cross the network unencrypted; use https:// (or --insecure if you really mean it)"
        )));
    }
    Ok(url)
}

/// A server to stream from: the REST client and what discovery found out.
pub struct Connected {
    pub api: Api,
    pub instance: Option<Instance>,
    pub settings: Arc<StreamSettings>,
    /// The server could not be reached (only with `offline_ok`): the message `connect` gives.
    pub offline: Option<String>,
    /// The server refused the token (401), in its words (only from [`connect_live`]).
    pub token_refused: Option<String>,
}

pub async fn connect(resolved: &Resolved, keep_raw: bool) -> Result<Connected, Failure> {
    open(resolved, keep_raw, false, false).await
}

/// For the live view: a server that cannot be reached is not an error when `offline_ok` (the
/// view shows what the archive kept and its streams keep trying); and the token is asked
/// about alongside the discovery, for the view not to open on a refused one.
/// `for_hook` keeps what the server sends as it sent it, for the `--exec` hook.
pub async fn connect_live(
    resolved: &Resolved,
    offline_ok: bool,
    for_hook: bool,
) -> Result<Connected, Failure> {
    open(resolved, for_hook, offline_ok, true).await
}

async fn open(
    resolved: &Resolved,
    keep_raw: bool,
    offline_ok: bool,
    check_token: bool,
) -> Result<Connected, Failure> {
    let http = api::http_client(resolved.timing.connect_timeout)
        .map_err(|e| Failure::other(format!("cannot set up HTTP: {e}")))?;
    let api = Api::new(
        resolved.instance.clone(),
        resolved.token.clone(),
        http,
        resolved.timing.connect_timeout,
    );
    // What REST brings keeps the server's own JSON too, for lines and hooks that hand it on
    // (Akkoma's `pleroma` and `emoji_reactions`, fields no model here reads).
    let api = match keep_raw {
        true => api.keeping_server_json(),
        false => api,
    };
    let mut offline = None;
    let verify = async {
        match check_token && resolved.token.is_some() {
            true => Some(api.verify_credentials().await),
            false => None,
        }
    };
    let (instance, verified) = tokio::join!(api.instance(), verify);
    // A token that may not read accounts (403) may still read its streams: 401 alone counts.
    let token_refused = match verified {
        Some(Err(ApiError::Status {
            status: 401,
            message,
        })) => Some(message),
        Some(Err(e)) => {
            tracing::warn!("verifying the token failed: {e}");
            None
        }
        _ => None,
    };
    let instance = match instance {
        Ok(i) => Some(i),
        Err(ApiError::Network(e)) => {
            let message = format!(
                "cannot reach {}: {e}; check --instance and your network",
                resolved.instance
            );
            if !offline_ok {
                return Err(Failure::other(message));
            }
            tracing::warn!("{message}");
            offline = Some(message);
            None
        }
        Err(e) => {
            tracing::warn!("instance discovery failed: {e}");
            None
        }
    };
    let base = match &resolved.streaming_url {
        Some(url) => url.clone(),
        None => api.streaming_base(instance.as_ref()).await,
    };
    tracing::info!("streaming from {base}");
    let settings = Arc::new(StreamSettings {
        base,
        token: resolved.token.clone(),
        transport: resolved.transport,
        timing: resolved.timing,
        max_event_bytes: resolved.limits.max_event_bytes,
        keep_raw,
        decoding: crate::stream::light::Decoding::Full,
        texts_wanted: Default::default(),
        user_agent: api::USER_AGENT.to_string(),
    });
    Ok(Connected {
        api,
        instance,
        settings,
        offline,
        token_refused,
    })
}

/// What to do about a tab whose account is gone (logged out, say).
pub fn missing_account_advice(resolved: &Resolved) -> String {
    let config = resolved
        .config_path
        .as_ref()
        .map_or_else(|| "the config".to_string(), |p| p.display().to_string());
    format!("sign in with `tootwatch login INSTANCE`, or change the tab's `account` in {config}")
}

pub use crate::app::ListTitles;

/// Replaces `list:NAME` by `list:ID` through the lists API; ids pass unchanged. Returns the
/// titles of the lists it learnt (none when no STREAM is a list).
pub async fn resolve_lists(
    api: &Api,
    groups: &mut [Vec<StreamSpec>],
) -> Result<ListTitles, Failure> {
    let wanted = groups
        .iter()
        .flatten()
        .any(|s| matches!(s, StreamSpec::List { .. }));
    if !wanted {
        return Ok(ListTitles::new());
    }
    let lists = match api.lists().await {
        Ok(l) => l,
        Err(e) if e.is_auth() => {
            return Err(Failure::refused(format!(
                "the server refused to show your lists ({e}); check the token"
            )));
        }
        Err(e) => {
            tracing::warn!("cannot fetch lists, using list names as ids: {e}");
            return Ok(ListTitles::new());
        }
    };
    for spec in groups.iter_mut().flatten() {
        let StreamSpec::List { list } = spec else {
            continue;
        };
        if lists.iter().any(|l| &l.id == list) {
            continue;
        }
        match lists.iter().find(|l| l.title.eq_ignore_ascii_case(list)) {
            Some(found) => *list = found.id.clone(),
            None => {
                let names: Vec<String> = lists
                    .iter()
                    .map(|l| {
                        format!(
                            "{} (list:{})",
                            crate::sanitize::sanitize_line(&l.title),
                            l.id
                        )
                    })
                    .collect();
                return Err(Failure::usage(if names.is_empty() {
                    format!("no list `{list}`: you have no lists")
                } else {
                    format!("no list `{list}`; your lists: {}", names.join(", "))
                }));
            }
        }
    }
    Ok(lists.into_iter().map(|l| (l.id, l.title)).collect())
}

/// How a stream that ended for good ends the run: `STREAM: failed: why; what to do`, with
/// the exit code of docs/cli.md (3 when the server refused, 1 when it cannot stream).
pub(crate) fn stream_failure(
    stream: &str,
    reason: &str,
    cause: FailureCause,
    transport: TransportChoice,
) -> Failure {
    let (code, advice) = match cause {
        FailureCause::Credentials => (
            3,
            "sign in again with `tootwatch login`, or check --token / TOOTWATCH_TOKEN (it needs the `read` scope)".to_string(),
        ),
        FailureCause::Revoked => (
            3,
            "the token was revoked while streaming: get a new one".to_string(),
        ),
        FailureCause::StreamRefused => (
            3,
            format!("check the STREAM (`tootwatch check {stream}` explains more)"),
        ),
        FailureCause::NoStreaming if transport != TransportChoice::Auto => (
            1,
            "the server may stream over the other transport: try --transport auto".to_string(),
        ),
        FailureCause::NoStreaming => (
            1,
            "the server offers no streaming API we can use (try --streaming-url)".to_string(),
        ),
    };
    Failure {
        code,
        message: format!("{stream}: failed: {reason}; {advice}"),
    }
}

#[cfg(test)]
#[path = "setup_tests.rs"]
mod tests;
