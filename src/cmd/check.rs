//! `tootwatch check`: one line per check, OK or what is wrong and what to do.

use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use clap::Args;
use tokio::sync::mpsc;

use crate::api::ApiError;
use crate::cmd::setup::{self, ServerOpts, parse_stream_arg};
use crate::exit::Failure;
use crate::stream::{
    ConnectionState, FailureCause, StreamId, StreamMessage, StreamSpec, spawn_stream,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Outcome {
    Ok,
    Note,
    Fail,
    /// Credentials or a stream refused: exit 3.
    Refused,
}

struct Report {
    worst: Outcome,
    failed: usize,
}

impl Report {
    fn line(&mut self, outcome: Outcome, what: &str, text: &str) {
        let tag = match outcome {
            Outcome::Ok => "OK  ",
            Outcome::Note => "NOTE",
            Outcome::Fail | Outcome::Refused => "FAIL",
        };
        // A reader gone (`check | head -1`) must not turn the verdict into a panic.
        let _ = writeln!(std::io::stdout(), "{tag} {what:<10} {text}");
        self.worst = self.worst.max(outcome);
        self.failed += usize::from(outcome >= Outcome::Fail);
    }

    /// The exit code, and for a failure the one line on stderr every failing run gives.
    fn exit(&self) -> ExitCode {
        if self.failed > 0 {
            crate::exit::notice(format_args!(
                "{} failed: the FAIL lines say what is wrong and what to do",
                crate::text::counted(self.failed as u64, "check")
            ));
        }
        ExitCode::from(match self.worst {
            Outcome::Ok | Outcome::Note => 0,
            Outcome::Fail => 1,
            Outcome::Refused => 3,
        })
    }
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    #[command(flatten)]
    pub server: ServerOpts,
    /// Streams to try (default: the config's tabs, else `user`)
    #[arg(value_name = "STREAM", value_parser = parse_stream_arg)]
    pub streams: Vec<Vec<StreamSpec>>,
}

pub async fn run(args: CheckArgs) -> Result<ExitCode, Failure> {
    let resolved = setup::resolve(&args.server)?;
    let mut report = Report {
        worst: Outcome::Ok,
        failed: 0,
    };
    let connected = match setup::connect(&resolved, false).await {
        Ok(c) => c,
        Err(f) => {
            report.line(Outcome::Fail, "instance", &f.message);
            return Ok(report.exit());
        }
    };
    match &connected.instance {
        Some(i) => report.line(
            Outcome::Ok,
            "instance",
            &format!(
                "{} answers: {} {}",
                resolved.instance,
                crate::text::plain_line(&i.title, 60),
                crate::text::plain_line(&i.version, 60)
            ),
        ),
        None => report.line(
            Outcome::Note,
            "instance",
            &format!("{} answers, but not /api/v2/instance nor /api/v1/instance; streaming from the instance itself", resolved.instance),
        ),
    }

    // Said after the token and the streaming lines, in the order the parts are checked.
    let mut tab_lines: Vec<(Outcome, String)> = Vec::new();
    let mut groups = if args.streams.is_empty() {
        // The tabs of this account; another account's tabs are checked with it.
        let mut mine = Vec::new();
        let tabs = &resolved.config.tabs;
        for (tab, specs) in tabs.iter().zip(resolved.config.tab_streams()) {
            let title = tab.name.as_deref().map_or_else(
                || {
                    specs
                        .iter()
                        .map(|s| s.to_string())
                        .collect::<Vec<_>>()
                        .join(",")
                },
                |n| format!("`{}`", crate::text::plain_line(n, 40)),
            );
            match &tab.account {
                // The live view refuses to open with such a tab: so does the check.
                Some(other) if Some(other) != resolved.account.as_ref() => {
                    tab_lines.push(match setup::resolve_named(&args.server, other) {
                        Ok(_) => (
                            Outcome::Note,
                            format!(
                                "{title} is of {other}: `tootwatch check --account {other}` checks it"
                            ),
                        ),
                        Err(e) => (
                            Outcome::Fail,
                            format!(
                                "{title} names the account `{other}`: {}; {}",
                                e.message,
                                setup::missing_account_advice(&resolved)
                            ),
                        ),
                    })
                }
                _ => mine.push(specs),
            }
        }
        if tabs.is_empty() {
            vec![vec![StreamSpec::User]]
        } else {
            mine
        }
    } else {
        args.streams.clone()
    };
    // The live view shares read positions of home and notifications only.
    let uses_markers = groups
        .iter()
        .flatten()
        .any(|s| matches!(s, StreamSpec::User | StreamSpec::UserNotification));
    match &resolved.token {
        None => report.line(
            Outcome::Fail,
            "token",
            "none given: run `tootwatch login INSTANCE`, or pass --token (or TOOTWATCH_TOKEN)",
        ),
        Some(_) => match connected.api.verify_credentials().await {
            Ok(account) => {
                // The server lists its app's scopes, not the token's (which may be fewer).
                let scopes = match connected.api.scopes().await {
                    Some(s) => format!(
                        "the app's scopes: {}",
                        crate::text::plain_line(&s.join(" "), 80)
                    ),
                    None => "the server does not list the app's scopes".to_string(),
                };
                report.line(
                    Outcome::Ok,
                    "token",
                    &format!(
                        "valid for @{} ({scopes})",
                        // Its server's own accounts come without a host: two servers can
                        // each have an @alice.
                        crate::text::plain_line(
                            &if account.acct.contains('@') {
                                account.acct.clone()
                            } else {
                                crate::accounts::account_name(&account.acct, &resolved.instance)
                            },
                            80
                        )
                    ),
                );
                if uses_markers {
                    let (outcome, text) = markers_line(&resolved, &connected.api).await;
                    report.line(outcome, "markers", &text);
                }
            }
            Err(e) if e.is_auth() => report.line(
                Outcome::Refused,
                "token",
                &format!("refused ({e}): get a new token with the `read` scope"),
            ),
            Err(e) => report.line(Outcome::Fail, "token", &format!("cannot verify it: {e}")),
        },
    }

    let base = &connected.settings.base;
    let source = streaming_source(&resolved, &connected);
    match connected.api.streaming_health(base).await {
        Ok(()) => report.line(
            Outcome::Ok,
            "streaming",
            &format!("{base} ({source}), health OK"),
        ),
        Err(ApiError::Status { status: 404, .. }) => report.line(
            Outcome::Note,
            "streaming",
            &format!("{base} ({source}); no health endpoint (normal on GoToSocial and Pleroma)"),
        ),
        Err(e) => report.line(
            Outcome::Fail,
            "streaming",
            &format!("{base} ({source}): health check failed: {e}; try --streaming-url"),
        ),
    }

    for (outcome, text) in tab_lines {
        report.line(outcome, "tab", &text);
    }
    if let Err(f) = setup::resolve_lists(&connected.api, &mut groups)
        .await
        .map(drop)
    {
        report.line(
            if f.code == 3 {
                Outcome::Refused
            } else {
                Outcome::Fail
            },
            "lists",
            &f.message,
        );
        // The other streams are still worth checking.
        for group in &mut groups {
            group.retain(|s| !matches!(s, StreamSpec::List { .. }));
        }
    }
    let mut specs: Vec<StreamSpec> = Vec::new();
    for spec in groups.into_iter().flatten() {
        if !specs.contains(&spec) {
            specs.push(spec);
        }
    }
    for spec in specs {
        if let Some(why) = connected
            .instance
            .as_ref()
            .and_then(|i| crate::api::disabled_feed(i, &spec))
        {
            report.line(Outcome::Fail, "stream", &format!("{spec}: {why}"));
            continue;
        }
        // A subscription this server accepts and never feeds would look fine here; say what
        // tootwatch does instead, and whether the timeline it reads answers.
        if let Some(why) = connected
            .instance
            .as_ref()
            .and_then(|i| crate::api::unstreamable(i, &spec))
        {
            let every = crate::stream::format_delay(resolved.config.transport.poll_every());
            let page = connected
                .api
                .history(&spec, &crate::api::timeline::Paging::Latest, 1)
                .await;
            match page {
                Ok(_) => report.line(
                    Outcome::Note,
                    "stream",
                    &format!("{spec}: {why}; polled over REST every {every}, which answers"),
                ),
                Err(e) => report.line(
                    Outcome::Fail,
                    "stream",
                    &format!("{spec}: {why}, and its REST timeline failed: {e}"),
                ),
            }
            continue;
        }
        let (outcome, text) = try_stream(&connected, &spec).await;
        report.line(outcome, "stream", &format!("{spec}: {text}"));
    }
    Ok(report.exit())
}

/// Where the streaming base came from, truthfully: discovery falls back to the instance itself
/// when the advertised host does not answer or would get the token unencrypted, and then it is
/// not "advertised".
fn streaming_source(resolved: &setup::Resolved, connected: &setup::Connected) -> String {
    if resolved.streaming_url.is_some() {
        return "given".into();
    }
    let Some(advertised) = connected.instance.as_ref().and_then(|i| i.streaming_url()) else {
        return "the instance itself".into();
    };
    match crate::api::advertised_streaming(&connected.api.base, advertised) {
        Err(why) => format!("the instance itself; ignored the advertised URL: {why}"),
        Ok(None) => "advertised".into(),
        Ok(Some(url)) if crate::api::same_origin(&url, &connected.settings.base) => {
            "advertised".into()
        }
        Ok(Some(_)) => "the instance itself; the advertised URL did not answer".into(),
    }
}

/// Subscribes and waits for the first verdict: live (which, over WebSocket, comes only once
/// the server kept the subscription), refused in the server's words, or failing to connect.
async fn try_stream(connected: &setup::Connected, spec: &StreamSpec) -> (Outcome, String) {
    let (tx, mut rx) = mpsc::channel::<StreamMessage>(64);
    let task = spawn_stream(
        StreamId(0),
        spec.clone(),
        connected.settings.clone(),
        connected.api.http().clone(),
        tx,
    );
    // A quiet WebSocket gets its verdict only after the acceptance grace.
    let timing = connected.settings.timing;
    let limit = timing.connect_timeout * 3 + timing.accept_grace + Duration::from_secs(1);
    let verdict = tokio::time::timeout(limit, async {
        while let Some(message) = rx.recv().await {
            let StreamMessage::State { state, .. } = message else {
                continue;
            };
            match state {
                ConnectionState::Connecting { .. } | ConnectionState::Polling { .. } => {}
                ConnectionState::Live { transport } => {
                    return (Outcome::Ok, format!("subscribed over {transport}"));
                }
                ConnectionState::Reconnecting { reason, .. } => {
                    return (Outcome::Fail, format!("{reason}; it would be retried"));
                }
                ConnectionState::Failed { reason, cause } => {
                    let outcome = match cause {
                        FailureCause::NoStreaming => Outcome::Fail,
                        _ => Outcome::Refused,
                    };
                    return (outcome, reason);
                }
            }
        }
        (
            Outcome::Fail,
            "the stream task ended without a word".to_string(),
        )
    })
    .await
    .unwrap_or((
        Outcome::Fail,
        format!("no verdict within {} s", limit.as_secs()),
    ));
    task.abort();
    verdict
}

/// Whether the live view shares its read positions with the server's markers, and if not,
/// what would make it.
async fn markers_line(resolved: &setup::Resolved, api: &crate::api::Api) -> (Outcome, String) {
    if !resolved.config.ui.markers {
        return (
            Outcome::Note,
            "switched off in the config ([ui] markers = false): read positions stay here".into(),
        );
    }
    match api.markers().await {
        Ok(_) => {}
        Err(ApiError::Status { status, message })
            if (400..500).contains(&status) && !matches!(status, 408 | 409 | 429) =>
        {
            return (
                Outcome::Note,
                format!(
                    "the server keeps none ({status} {}): read positions stay here",
                    crate::text::plain_line(&message, 80)
                ),
            );
        }
        Err(e) => {
            return (
                Outcome::Note,
                format!("cannot read them: {e}; the live view tries again each minute"),
            );
        }
    }
    let writes = resolved
        .scopes
        .as_deref()
        .map(crate::api::markers::scopes_write_markers);
    match writes {
        Some(true) => (
            Outcome::Ok,
            "read positions of home and notifications are shared with the server's markers"
                .into(),
        ),
        Some(false) => (
            Outcome::Note,
            "read from the server, not written: the token may not (tootwatch login --scopes \"read write:statuses\")".into(),
        ),
        None => (
            Outcome::Note,
            "read from the server, not written: what this token may do is unknown (`tootwatch login` records it)".into(),
        ),
    }
}
