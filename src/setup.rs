//! What every command that talks to a server does first: load the config, pick the account,
//! check the URLs, discover the instance. Errors here are the user's to fix, so they say how.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use url::Url;

use crate::api::{self, Api, ApiError};
use crate::cli::ServerOpts;
use crate::config::{Config, Limits};
use crate::model::Instance;
use crate::stream::{StreamSettings, StreamSpec, Timing, TransportChoice};

/// A run that ends early: the exit code of cli.md and the one line that explains it.
#[derive(Debug, PartialEq, Eq)]
pub struct Failure {
    pub code: u8,
    pub message: String,
}

impl Failure {
    pub fn usage(message: impl Into<String>) -> Self {
        Failure {
            code: 2,
            message: message.into(),
        }
    }
    pub fn refused(message: impl Into<String>) -> Self {
        Failure {
            code: 3,
            message: message.into(),
        }
    }
    pub fn other(message: impl Into<String>) -> Self {
        Failure {
            code: 1,
            message: message.into(),
        }
    }

    pub fn report(self) -> ExitCode {
        let _ = writeln!(std::io::stderr(), "tootwatch: {}", self.message);
        ExitCode::from(self.code)
    }
}

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

/// Everything a command needs to know before it touches the network.
#[derive(Debug)]
pub struct Resolved {
    pub config: Config,
    pub config_path: Option<PathBuf>,
    pub account: Option<String>,
    pub instance: Url,
    pub token: Option<String>,
    pub streaming_url: Option<Url>,
    pub transport: TransportChoice,
    pub timing: Timing,
    pub limits: Limits,
}

pub fn resolve(opts: &ServerOpts) -> Result<Resolved, Failure> {
    let (config, config_path) =
        Config::load(opts.config.as_deref()).map_err(|e| Failure::usage(e.to_string()))?;
    let where_config = || match &config_path {
        Some(p) => format!("in {}", p.display()),
        None => match crate::config::default_path() {
            Some(p) => format!("in {} (see config.example.toml)", p.display()),
            None => "in a config file".to_string(),
        },
    };
    let account_name = if opts.account.is_some() {
        opts.account.clone()
    } else if opts.instance.is_some() || opts.token.is_some() {
        None
    } else if config.accounts.len() == 1 {
        config.accounts.keys().next().cloned()
    } else if config.accounts.len() > 1 {
        match &config.default_account {
            Some(d) => Some(d.clone()),
            None => {
                let names: Vec<_> = config.accounts.keys().map(String::as_str).collect();
                return Err(Failure::usage(format!(
                    "several accounts are configured ({}); pick one with --account or set default_account {}",
                    names.join(", "),
                    where_config()
                )));
            }
        }
    } else {
        None
    };
    let account = match &account_name {
        Some(name) => Some(config.accounts.get(name).ok_or_else(|| {
            let names: Vec<_> = config.accounts.keys().map(String::as_str).collect();
            Failure::usage(if names.is_empty() {
                format!(
                    "no account `{name}`: no accounts are configured {}",
                    where_config()
                )
            } else {
                format!(
                    "no account `{name}`; configured accounts: {}",
                    names.join(", ")
                )
            })
        })?),
        None => None,
    };
    let instance_text = opts
        .instance
        .clone()
        .or_else(|| account.map(|a| a.instance.clone()))
        .ok_or_else(|| {
            Failure::usage(format!(
                "no instance given: pass --instance https://your.server (or set TOOTWATCH_INSTANCE), or add an account {}",
                where_config()
            ))
        })?;
    let instance = parse_base_url(&instance_text, "--instance", opts.insecure)?;
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
        token,
        streaming_url,
    })
}

fn parse_base_url(text: &str, what: &str, insecure: bool) -> Result<Url, Failure> {
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
}

pub async fn connect(resolved: &Resolved, keep_raw: bool) -> Result<Connected, Failure> {
    let http = api::http_client(resolved.timing.connect_timeout)
        .map_err(|e| Failure::other(format!("cannot set up HTTP: {e}")))?;
    let api = Api::new(
        resolved.instance.clone(),
        resolved.token.clone(),
        http,
        resolved.timing.connect_timeout,
    );
    let instance = match api.instance().await {
        Ok(i) => Some(i),
        Err(ApiError::Network(e)) => {
            return Err(Failure::other(format!(
                "cannot reach {}: {e}; check --instance and your network",
                resolved.instance
            )));
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
        user_agent: api::USER_AGENT.to_string(),
    });
    Ok(Connected {
        api,
        instance,
        settings,
    })
}

/// Replaces `list:NAME` by `list:ID` through the lists API; ids pass unchanged.
pub async fn resolve_lists(api: &Api, groups: &mut [Vec<StreamSpec>]) -> Result<(), Failure> {
    let wanted = groups
        .iter()
        .flatten()
        .any(|s| matches!(s, StreamSpec::List { .. }));
    if !wanted {
        return Ok(());
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
            return Ok(());
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
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls_are_checked_for_safety() {
        assert_eq!(
            parse_base_url("mastodon.example", "--instance", false)
                .unwrap()
                .as_str(),
            "https://mastodon.example/"
        );
        assert!(parse_base_url("http://127.0.0.1:3000", "--instance", false).is_ok());
        let e = parse_base_url("http://mastodon.example", "--instance", false).unwrap_err();
        assert_eq!(e.code, 2);
        assert!(e.message.contains("--insecure"));
        assert!(parse_base_url("http://mastodon.example", "--instance", true).is_ok());
        assert!(parse_base_url("ftp://x", "--instance", true).is_err());
    }

    fn opts(config: &std::path::Path) -> ServerOpts {
        ServerOpts {
            config: Some(config.to_path_buf()),
            ..ServerOpts::default()
        }
    }

    #[test]
    fn accounts_are_picked_as_cli_md_says() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.toml");
        std::fs::write(
            &path,
            "[accounts.a]\ninstance = \"https://a.example\"\ntoken = \"ta\"\n[accounts.b]\ninstance = \"https://b.example\"\n",
        )
        .unwrap();
        let e = resolve(&opts(&path)).unwrap_err();
        assert_eq!(e.code, 2);
        assert!(e.message.contains("a, b"), "{}", e.message);
        let mut o = opts(&path);
        o.account = Some("a".into());
        let r = resolve(&o).unwrap();
        assert_eq!(r.instance.as_str(), "https://a.example/");
        assert_eq!(r.token.as_deref(), Some("ta"));
        o.token = Some("override".into());
        assert_eq!(resolve(&o).unwrap().token.as_deref(), Some("override"));
        o.account = Some("zz".into());
        assert!(
            resolve(&o)
                .unwrap_err()
                .message
                .contains("configured accounts: a, b")
        );

        std::fs::write(&path, "[accounts.only]\ninstance = \"https://o.example\"\n").unwrap();
        let r = resolve(&opts(&path)).unwrap();
        assert_eq!(r.account.as_deref(), Some("only"));
    }

    #[test]
    fn no_instance_says_how_to_give_one() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.toml");
        std::fs::write(&path, "").unwrap();
        let e = resolve(&opts(&path)).unwrap_err();
        assert_eq!(e.code, 2);
        assert!(e.message.contains("--instance"));
    }
}
