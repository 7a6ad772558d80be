//! `tootwatch login` (the OAuth authorization-code flow, through a loopback redirect or a pasted
//! code) and `tootwatch logout` (revoke, then forget); what they keep goes to the store of
//! `accounts.rs`.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Args;
use tokio::io::AsyncBufReadExt;
use tokio::net::TcpListener;
use tokio::sync::mpsc;
use url::Url;

use crate::accounts::{Store, StoredAccount, account_name};
use crate::api::auth::{self, App, Attempt, Callback, OAuth, OOB_REDIRECT, normalize_scopes};
use crate::api::{self, Api, ApiError};
use crate::exit::Failure;

/// How long `login` waits for a code: authorization codes expire after ten minutes.
const CODE_WAIT: Duration = Duration::from_secs(600);

/// What a pasted line means.
#[derive(Debug, PartialEq, Eq)]
enum Pasted {
    /// A code for this redirect URI.
    Code {
        code: String,
        redirect: String,
    },
    Invalid(String),
}

/// A bare code (from the out-of-band page), or a whole URL holding `code=` (such as the address
/// of the loopback redirect, copied from a browser on another machine).
fn parse_pasted(text: &str, state: &str, loopback: Option<&str>) -> Pasted {
    let text = text.trim();
    if text.contains("code=") {
        let url = Url::parse(text)
            .or_else(|_| Url::parse(&format!("http://x/?{}", text.trim_start_matches('?'))));
        let Ok(url) = url else {
            return Pasted::Invalid("that is not a code nor a URL with one".into());
        };
        let get = |name: &str| {
            url.query_pairs()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.into_owned())
        };
        let Some(code) = get("code").filter(|c| !c.is_empty()) else {
            return Pasted::Invalid("that URL holds no code".into());
        };
        if get("state").is_some_and(|s| s != state) {
            return Pasted::Invalid("that URL is from another sign-in (its state differs)".into());
        }
        let redirect = match loopback {
            Some(l) if text.starts_with(l) => l.to_string(),
            _ => OOB_REDIRECT.to_string(),
        };
        return Pasted::Code { code, redirect };
    }
    if text.is_empty()
        || text.len() > 512
        || text.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        return Pasted::Invalid("that does not look like a code".into());
    }
    Pasted::Code {
        code: text.to_string(),
        redirect: OOB_REDIRECT.to_string(),
    }
}

async fn bind_loopback(port: u16) -> Option<TcpListener> {
    match TcpListener::bind((std::net::Ipv4Addr::LOCALHOST, port)).await {
        Ok(l) => Some(l),
        Err(e) => {
            tracing::info!("cannot listen on 127.0.0.1:{port}: {e}");
            None
        }
    }
}

/// `work`, unless Ctrl-C comes first.
async fn until_interrupted<T>(
    work: impl std::future::Future<Output = T>,
    interrupted: &mut crate::cmd::signals::Signal,
) -> Result<T, Failure> {
    tokio::select! {
        done = work => Ok(done),
        _ = interrupted => {
            println!();
            Err(Failure::other("login interrupted: no account was stored"))
        }
    }
}

fn registration_failure(base: &Url, e: ApiError) -> Failure {
    match e {
        ApiError::Network(e) => Failure::other(format!(
            "cannot reach {base}: {e}; check the address and your network"
        )),
        ApiError::Status { status: 404, .. } => {
            // A profile's or a post's address pasted whole: the server is at its root.
            let hint = match base.path().trim_matches('/') {
                "" => "check the address".to_string(),
                path => format!(
                    "the address has a path (/{path}): a server's is usually just {}",
                    base.origin().ascii_serialization()
                ),
            };
            Failure::usage(format!(
                "{base} does not look like a Mastodon-compatible server (no /api/v1/apps); {hint}"
            ))
        }
        e => Failure::other(format!("{base} did not register tootwatch as an app: {e}")),
    }
}

/// The app to sign in with and the loopback listener for its redirect, if any.
async fn app_and_listener(
    store: &Store,
    oauth: &OAuth,
    scopes: &str,
) -> Result<(App, Option<TcpListener>), Failure> {
    let base = &oauth.base;
    if let Some(app) = store.cached_app(base, scopes) {
        match app.loopback_redirect().and_then(auth::loopback_port) {
            // The server took only the out-of-band redirect last time.
            None => return Ok((app, None)),
            Some(port) => {
                if let Some(listener) = bind_loopback(port).await {
                    tracing::info!("reusing the app registered on {base}");
                    return Ok((app, Some(listener)));
                }
            }
        }
    }
    let listener = bind_loopback(0).await;
    let port = listener
        .as_ref()
        .and_then(|l| l.local_addr().ok())
        .map(|a| a.port());
    let mut uris = vec![OOB_REDIRECT.to_string()];
    if let Some(port) = port {
        uris.push(auth::loopback_redirect_uri(port));
    }
    let (app, listener) = match oauth.register(&uris, scopes).await {
        Ok(app) => (app, listener),
        // Some servers take one redirect URI only: then pasting is the way.
        Err(ApiError::Status { status, .. })
            if uris.len() > 1 && (400..500).contains(&status) && status != 404 =>
        {
            let app = oauth
                .register(&uris[..1], scopes)
                .await
                .map_err(|e| registration_failure(base, e))?;
            (app, None)
        }
        Err(e) => return Err(registration_failure(base, e)),
    };
    if let Err(e) = store.cache_app(base, &app) {
        tracing::warn!("cannot cache the app registration: {e}");
    }
    Ok((app, listener))
}

fn prompt() {
    let mut out = std::io::stdout().lock();
    let _ = write!(out, "Code: ");
    let _ = out.flush();
}

/// `tootwatch login INSTANCE`.
#[derive(Debug, Args)]
pub struct LoginArgs {
    /// The server: a URL or a host name, e.g. mastodon.social
    #[arg(value_name = "INSTANCE")]
    pub instance: String,
    /// OAuth scopes to ask for, e.g. "read write" [default: the config's [login] scopes, else read]
    #[arg(long, value_name = "SCOPES")]
    pub scopes: Option<String>,
    /// Print the sign-in URL only; do not open a browser
    #[arg(long)]
    pub no_browser: bool,
    /// Allow plain http:// to a host that is not on this machine
    #[arg(long)]
    pub insecure: bool,
    /// Config file (default: config.toml in the platform config dir)
    #[arg(long, env = "TOOTWATCH_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct LogoutArgs {
    /// A logged-in account, e.g. alice@mastodon.social (needed when several are)
    #[arg(value_name = "ACCOUNT")]
    pub account: Option<String>,
    /// Config file, for its default_account (default: config.toml in the platform config dir)
    #[arg(long, env = "TOOTWATCH_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
}

pub async fn login(args: LoginArgs) -> Result<ExitCode, Failure> {
    let (config, _) = crate::config::Config::load(args.config.as_deref())
        .map_err(|e| Failure::usage(e.to_string()))?;
    let base = crate::cmd::setup::parse_base_url(&args.instance, "INSTANCE", args.insecure)?;
    let scopes = normalize_scopes(args.scopes.as_deref().unwrap_or(&config.login.scopes))
        .map_err(|e| Failure::usage(format!("--scopes: {e}")))?;
    let store = Store::open_default()?;
    // A store that cannot be used is better found before the browser dance than after it.
    store.accounts()?;
    let timeout = config.transport.timing().connect_timeout;
    let http = api::http_client(timeout)
        .map_err(|e| Failure::other(format!("cannot set up HTTP: {e}")))?;
    let oauth = OAuth::new(base.clone(), http.clone(), timeout);
    let (app, listener) = app_and_listener(&store, &oauth, &scopes).await?;
    let attempt = Attempt::new().map_err(|e| Failure::other(e.to_string()))?;
    let loopback = listener
        .as_ref()
        .and_then(|_| app.loopback_redirect())
        .map(str::to_string);
    let oob_url = oauth.authorize_url(&app, OOB_REDIRECT, &attempt);
    let loopback_url = loopback
        .as_deref()
        .map(|redirect| oauth.authorize_url(&app, redirect, &attempt));
    let host = base.host_str().unwrap_or("the server");
    // From here on the wait is the user's: Ctrl-C ends it with a word (not before, where it
    // must still stop a slow server's answer at once).
    let mut interrupted = crate::cmd::signals::interrupt();

    let browser_opened = match &loopback_url {
        Some(url) if !args.no_browser && crate::platform::can_open_locally() => {
            match crate::platform::open_in_browser(url.as_str()) {
                Ok(()) => true,
                Err(e) => {
                    tracing::warn!("cannot open a browser: {e}");
                    false
                }
            }
        }
        _ => false,
    };
    if browser_opened {
        println!("Sign in to {host} in the browser that just opened; this finishes by itself.");
        println!("Elsewhere (over ssh, say), open this URL, approve, and paste the code it shows:");
        println!("{oob_url}");
    } else {
        println!(
            "Sign in to {host}: open this URL in a browser, approve, and paste the code it shows:"
        );
        println!("{oob_url}");
        if let Some(url) = &loopback_url {
            println!("With a browser on this machine, this link finishes by itself instead:");
            println!("{url}");
        }
    }
    prompt();

    let (callback_tx, mut callback_rx) = mpsc::channel::<Callback>(4);
    let server = listener
        .map(|l| tokio::spawn(auth::serve_callbacks(l, attempt.state.clone(), callback_tx)));
    let (line_tx, mut line_rx) = mpsc::channel::<String>(4);
    tokio::spawn(async move {
        let mut lines = tokio::io::BufReader::new(tokio::io::stdin()).lines();
        while let Ok(Some(line)) = lines.next_line().await {
            if line_tx.send(line).await.is_err() {
                break;
            }
        }
    });
    let deadline = tokio::time::sleep(CODE_WAIT);
    tokio::pin!(deadline);
    let mut stdin_open = true;
    let (code, redirect) = loop {
        tokio::select! {
            Some(callback) = callback_rx.recv() => {
                println!();
                match callback {
                    Callback::Code(code) => break (code, loopback.clone().unwrap_or_default()),
                    Callback::Refused(why) => {
                        return Err(Failure::refused(format!("the sign-in was refused: {why}")));
                    }
                }
            }
            line = line_rx.recv(), if stdin_open => match line {
                None => {
                    stdin_open = false;
                    if server.is_none() {
                        return Err(Failure::usage(
                            "stdin ended before a code was pasted; run login again and paste the code",
                        ));
                    }
                }
                Some(line) if line.trim().is_empty() => prompt(),
                Some(line) => match parse_pasted(&line, &attempt.state, loopback.as_deref()) {
                    Pasted::Code { code, redirect } => break (code, redirect),
                    Pasted::Invalid(why) => {
                        crate::exit::notice(format_args!(
                            "{why}; paste the code the server shows after you approve"
                        ));
                        prompt();
                    }
                },
            },
            _ = &mut deadline => {
                println!();
                return Err(Failure::other(
                    "no code arrived within ten minutes, and codes expire; run login again",
                ));
            }
            _ = &mut interrupted => {
                println!();
                return Err(Failure::other("login interrupted: no account was stored"));
            }
        }
    };
    if let Some(server) = server {
        server.abort();
    }

    // Ctrl-C is ours now (a listener stays for the run): the requests that are left end with it.
    let grant = until_interrupted(
        oauth.exchange(&app, &code, &redirect, &attempt),
        &mut interrupted,
    )
    .await?
    .map_err(|e| match e {
        ApiError::Network(e) => Failure::other(format!("cannot reach {base}: {e}")),
        ApiError::Status { status: 400..=499, .. } => Failure::refused(format!(
            "the server did not accept the code ({e}); a code works once and expires after ten minutes: run `tootwatch login {}` again",
            args.instance.trim()
        )),
        e => Failure::other(format!("the server did not grant a token: {e}")),
    })?;
    let api = Api::new(
        base.clone(),
        Some(grant.access_token.clone()),
        http,
        timeout,
    );
    let me = until_interrupted(api.verify_credentials(), &mut interrupted)
        .await?
        .map_err(|e| {
            if e.is_auth() {
                Failure::refused(format!(
                    "the server refused its own new token ({e}); try login again"
                ))
            } else {
                Failure::other(format!("cannot check the new token: {e}"))
            }
        })?;
    let username = if me.username.is_empty() {
        me.acct.split('@').next().unwrap_or("").to_string()
    } else {
        me.username.clone()
    };
    let username = crate::sanitize::sanitize_line(&username).into_owned();
    if username.is_empty() {
        return Err(Failure::other("the server did not say whose token this is"));
    }
    let name = account_name(&username, &base);
    let previous = store.accounts()?.remove(&name);
    store.save_account(
        &name,
        StoredAccount {
            instance: base.to_string(),
            token: grant.access_token.clone(),
            scopes: grant
                .scope
                .clone()
                .filter(|s| !s.trim().is_empty())
                .unwrap_or(scopes),
            client_id: app.client_id.clone(),
            client_secret: app.client_secret.clone(),
            created_at: jiff::Timestamp::now().to_string(),
        },
    )?;
    // Logging in again replaces the old token: it should not stay valid on the server. The
    // new one is stored: Ctrl-C here only leaves the old one to expire.
    if let Some(old) = previous.filter(|p| p.token != grant.access_token && !p.client_id.is_empty())
        && let Ok(Err(e)) = until_interrupted(
            oauth.revoke(&old.client_id, &old.client_secret, &old.token),
            &mut interrupted,
        )
        .await
    {
        tracing::warn!("cannot revoke the replaced token of {name}: {e}");
    }
    println!(
        "Logged in as {name}. The token is in {}, readable only by you.",
        store.accounts_path().display()
    );
    let others = store.accounts()?.len() - 1 + config.accounts.len();
    if others > 0 {
        println!("Pick this account with --account {name} (or default_account in the config).");
    }
    Ok(ExitCode::SUCCESS)
}

// ---------------------------------------------------------------------------------------------
// tootwatch logout

/// `tootwatch logout [ACCOUNT]`.
pub async fn logout(args: LogoutArgs) -> Result<ExitCode, Failure> {
    let store = Store::open_default()?;
    let accounts = store.accounts()?;
    let names = || {
        accounts
            .keys()
            .map(String::as_str)
            .collect::<Vec<_>>()
            .join(", ")
    };
    let name = match &args.account {
        Some(name) if accounts.contains_key(name) => name.clone(),
        Some(name) => {
            return Err(Failure::usage(if accounts.is_empty() {
                format!("`{name}` is not logged in: no account is")
            } else {
                format!("`{name}` is not logged in; logged-in accounts: {}", names())
            }));
        }
        None => match accounts.len() {
            0 => return Err(Failure::usage("no account is logged in")),
            1 => accounts.keys().next().cloned().unwrap_or_default(),
            _ => {
                let (config, _) = crate::config::Config::load(args.config.as_deref())
                    .map_err(|e| Failure::usage(e.to_string()))?;
                match config.default_account {
                    Some(name) if accounts.contains_key(&name) => name,
                    _ => {
                        return Err(Failure::usage(format!(
                            "several accounts are logged in ({}); say which: tootwatch logout NAME",
                            names()
                        )));
                    }
                }
            }
        },
    };
    let account = &accounts[&name];
    let revoked = match Url::parse(&account.instance) {
        Err(e) => Err(format!(
            "its instance `{}` is not a URL: {e}",
            account.instance
        )),
        Ok(base) => {
            let timeout = crate::stream::Timing::default().connect_timeout;
            match api::http_client(timeout) {
                Err(e) => Err(e.to_string()),
                Ok(http) => OAuth::new(base, http, timeout)
                    .revoke(&account.client_id, &account.client_secret, &account.token)
                    .await
                    .map_err(|e| e.to_string()),
            }
        }
    };
    store.remove_account(&name)?;
    match revoked {
        Ok(()) => {
            println!("Logged out of {name}: the token is revoked and forgotten.");
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => Err(Failure::other(format!(
            "forgot {name} here, but could not revoke its token on the server ({e}); revoke `tootwatch` under Preferences > Account > Authorized apps there"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_server_without_the_apps_api_is_named_with_a_hint() {
        let not_found = || ApiError::Status {
            status: 404,
            message: "Not Found".into(),
        };
        let at = |u: &str| registration_failure(&u.parse().unwrap(), not_found()).message;
        assert!(at("https://x.example/").ends_with("check the address"));
        assert!(
            at("http://127.0.0.1:3000/@alice/").ends_with(
                "the address has a path (/@alice): a server's is usually just http://127.0.0.1:3000"
            ),
            "{}",
            at("http://127.0.0.1:3000/@alice/")
        );
    }

    #[test]
    fn pasted_codes_and_urls() {
        let lo = "http://127.0.0.1:4000/callback";
        assert_eq!(
            parse_pasted("  abc123 \n", "st", Some(lo)),
            Pasted::Code {
                code: "abc123".into(),
                redirect: OOB_REDIRECT.into()
            }
        );
        assert_eq!(
            parse_pasted(
                "http://127.0.0.1:4000/callback?code=xyz&state=st",
                "st",
                Some(lo)
            ),
            Pasted::Code {
                code: "xyz".into(),
                redirect: lo.into()
            }
        );
        assert_eq!(
            parse_pasted(
                "https://x.example/oauth/authorize/native?code=n1",
                "st",
                Some(lo)
            ),
            Pasted::Code {
                code: "n1".into(),
                redirect: OOB_REDIRECT.into()
            }
        );
        assert!(matches!(
            parse_pasted(
                "http://127.0.0.1:4000/callback?code=xyz&state=other",
                "st",
                Some(lo)
            ),
            Pasted::Invalid(_)
        ));
        assert!(matches!(
            parse_pasted("two words", "st", None),
            Pasted::Invalid(_)
        ));
    }
}
