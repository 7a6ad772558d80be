//! Secrets: the token never appears in logs (at trace level), `--record` files, stdout or
//! stderr of failing commands, Debug output (what panics print), nor in URLs while a header
//! works; redirects never carry it elsewhere; plain http to another machine is refused
//! without `--insecure`; a token store that others may open is refused.
//!
//! `tests/login.rs` covers `login` / `logout` (the token never printed, the store 0600, a
//! 0644 store refused); this file covers the rest.

#![allow(clippy::unwrap_used)] // test helpers: a panic is a failing test

mod common;

use std::path::Path;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{GUARD, within};
use fake_mastodon::faults::{RawFault, RawServer};
use fake_mastodon::{FakeServer, Fault, Options};
use tokio::io::AsyncReadExt;
use tokio::sync::mpsc;
use tootwatch::stream::{
    ConnectionState, FailureCause, StreamEvent, StreamId, StreamMessage, StreamSettings, Timing,
    TransportChoice, spawn_stream,
};

/// Long and unusual enough that finding it anywhere means it leaked.
const TOKEN: &str = "Zq7-secret-token-8XkP2";

async fn server() -> FakeServer {
    FakeServer::start(Options {
        token: TOKEN.into(),
        ..Options::default()
    })
    .await
}

/// What a finished (or killed) run of the binary left behind.
struct Output {
    code: i32,
    stdout: String,
    stderr: String,
    log: String,
}

impl Output {
    fn assert_no_token(&self, what: &str) {
        for (name, text) in [
            ("stdout", &self.stdout),
            ("stderr", &self.stderr),
            ("log", &self.log),
        ] {
            assert!(
                !text.contains(TOKEN),
                "{what}: the token is in the {name}:\n{text}"
            );
        }
    }
}

/// A running `tootwatch ARGS` with `env` (TOOTWATCH_CONFIG, a private data dir and a
/// trace-level log file added).
struct Running {
    child: tokio::process::Child,
    stdout: tokio::io::Lines<tokio::io::BufReader<tokio::process::ChildStdout>>,
    seen_stdout: Vec<String>,
    stderr: tokio::process::ChildStderr,
    seen_stderr: Vec<u8>,
    log: std::path::PathBuf,
    _dir: tempfile::TempDir,
}

fn spawn(args: &[&str], env: &[(&str, &str)]) -> Running {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        "[transport]\nbackoff_initial_secs = 0.01\nbackoff_max_secs = 0.05\nconnect_timeout_secs = 5\n",
    )
    .unwrap();
    let log = dir.path().join("tootwatch.log");
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_tootwatch"));
    cmd.args(args)
        .env("TOOTWATCH_CONFIG", &config)
        .env("TOOTWATCH_DATA_DIR", dir.path().join("data"))
        .env("TOOTWATCH_LOG_FILE", &log)
        .env("TOOTWATCH_LOG", "trace")
        .env_remove("TOOTWATCH_ACCOUNT")
        .env_remove("TOOTWATCH_INSTANCE")
        .env_remove("TOOTWATCH_TOKEN")
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    let mut child = cmd.spawn().unwrap();
    let stdout =
        tokio::io::AsyncBufReadExt::lines(tokio::io::BufReader::new(child.stdout.take().unwrap()));
    let stderr = child.stderr.take().unwrap();
    Running {
        child,
        stdout,
        seen_stdout: Vec::new(),
        stderr,
        seen_stderr: Vec::new(),
        log,
        _dir: dir,
    }
}

impl Running {
    async fn line(&mut self) -> String {
        let line = within("a line on stdout", self.stdout.next_line())
            .await
            .unwrap()
            .expect("stdout open");
        self.seen_stdout.push(line.clone());
        line
    }

    /// Reads stderr until `needle` appears.
    async fn stderr_until(&mut self, needle: &str) {
        let mut buf = [0u8; 4096];
        let found = tokio::time::timeout(GUARD, async {
            while !String::from_utf8_lossy(&self.seen_stderr).contains(needle) {
                match self.stderr.read(&mut buf).await.unwrap() {
                    0 => return false,
                    n => self.seen_stderr.extend_from_slice(&buf[..n]),
                }
            }
            true
        })
        .await;
        assert!(
            found == Ok(true),
            "no `{needle}` on stderr: {}",
            String::from_utf8_lossy(&self.seen_stderr)
        );
    }

    /// Waits for the exit (killing first if `kill`), and collects everything.
    async fn finish(mut self, kill: bool) -> Output {
        if kill {
            self.child.start_kill().unwrap();
        }
        let status = match tokio::time::timeout(GUARD, self.child.wait()).await {
            Ok(status) => status.unwrap(),
            Err(_) => {
                self.child.start_kill().unwrap();
                panic!(
                    "no exit in time; stdout: {:?}\nstderr: {}",
                    self.seen_stdout,
                    String::from_utf8_lossy(&self.seen_stderr)
                );
            }
        };
        let mut rest = Vec::new();
        self.stderr.read_to_end(&mut rest).await.unwrap();
        self.seen_stderr.extend_from_slice(&rest);
        while let Ok(Some(line)) = self.stdout.next_line().await {
            self.seen_stdout.push(line);
        }
        Output {
            code: status.code().unwrap_or(-1),
            stdout: self.seen_stdout.join("\n"),
            stderr: String::from_utf8_lossy(&self.seen_stderr).into_owned(),
            log: std::fs::read_to_string(&self.log).unwrap_or_default(),
        }
    }
}

/// Runs `tootwatch ARGS` until it exits, or until `until` is on stderr (then it is killed).
async fn run(args: &[&str], env: &[(&str, &str)], until: Option<&str>) -> Output {
    let mut running = spawn(args, env);
    if let Some(needle) = until {
        running.stderr_until(needle).await;
    }
    running.finish(until.is_some()).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_token_stays_out_of_trace_logs_records_and_output() {
    let record = tempfile::NamedTempFile::new().unwrap();
    for transport in ["sse", "ws"] {
        // A server per run: a connection of the previous run may count as a subscriber
        // until the server notices that it is gone.
        let server = server().await;
        let env = [
            ("TOOTWATCH_INSTANCE", server.base_url()),
            ("TOOTWATCH_TOKEN", TOKEN.to_string()),
        ];
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let record_path = record.path().to_str().unwrap().to_string();
        let args = [
            "tail",
            "--format",
            "json",
            "--transport",
            transport,
            "--count",
            "3",
            "--record",
            &record_path,
            "user",
        ];
        let mut running = spawn(&args, &env);
        // An event, a drop, a 429 and its retry, a reconnect (with its REST catch-up), then
        // two more events: every path that talks to the server.
        within("subscriber", server.wait_subscribers("user", 1)).await;
        server.publish(
            "user",
            "update",
            Some(&fake_mastodon::r#gen::status_json(1, 500)),
        );
        running.line().await;
        server.set_fault(Fault::Status {
            status: 429,
            error: "slow down".into(),
            retry_after: None,
        });
        server.drop_connections();
        // The refusal is on stderr before the fault is cleared (the server records a request
        // before it reads the fault).
        running.stderr_until("429 slow down").await;
        server.set_fault(Fault::None);
        within("resubscription", server.wait_subscribers("user", 1)).await;
        let notification = fake_mastodon::r#gen::notification_json(2, "mention");
        server.publish("user", "notification", Some(&notification));
        server.publish("user", "delete", Some("3"));
        let out = running.finish(false).await;
        assert_eq!(out.code, 0, "{}", out.stderr);
        assert_eq!(out.stdout.lines().count(), 3, "{}", out.stdout);
        assert!(
            out.log.contains("TRACE") || out.log.contains("DEBUG"),
            "the log is at trace level"
        );
        out.assert_no_token(transport);
        // Every streaming request carried the token in its header only.
        let streaming: Vec<_> = server
            .requests()
            .into_iter()
            .filter(|r| r.path.starts_with("/api/v1/streaming"))
            .collect();
        assert!(streaming.len() >= 3);
        for r in streaming {
            assert!(!r.query.unwrap_or_default().contains("access_token"));
        }
    }
    let recorded = std::fs::read_to_string(record.path()).unwrap();
    assert_eq!(recorded.lines().count(), 6, "{recorded}");
    assert!(!recorded.contains(TOKEN));
}

/// A server for the failing commands: refused, unresolvable, not TLS, wrong token.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failing_commands_never_print_the_token() {
    let other = FakeServer::start(Options {
        token: "another-token".into(),
        ..Options::default()
    })
    .await;
    let not_tls = RawServer::start(RawFault::CloseAfterRequest).await;
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", l.local_addr().unwrap())
    };
    let tls = format!("https://{}", not_tls.addr());
    let cases: [(&str, &str, i32, &str); 5] = [
        ("connection refused", closed.as_str(), 1, "cannot reach"),
        (
            "no such host",
            "https://tootwatch-test.invalid",
            1,
            "cannot reach",
        ),
        ("not TLS", tls.as_str(), 1, "cannot reach"),
        (
            "wrong token",
            &other.base_url(),
            3,
            "refused the access token",
        ),
        (
            "plain http elsewhere",
            "http://mastodon.example",
            2,
            "--insecure",
        ),
    ];
    for (what, instance, code, says) in cases {
        for command in [&["tail", "user"][..], &["check", "user"][..]] {
            let env = [("TOOTWATCH_INSTANCE", instance), ("TOOTWATCH_TOKEN", TOKEN)];
            let out = run(command, &env, None).await;
            out.assert_no_token(what);
            if command[0] == "tail" {
                assert_eq!(out.code, code, "{what}: {}", out.stderr);
                // The one line of the failure, after the stream's `connecting` if it got so far.
                let lines: Vec<&str> = out.stderr.lines().collect();
                let (last, before) = lines.split_last().unwrap_or((&"", &[]));
                assert!(
                    before
                        .iter()
                        .all(|l| l.ends_with(": connecting (WebSocket)")),
                    "{what}: {}",
                    out.stderr
                );
                assert!(last.contains(says), "{what}: {}", out.stderr);
                assert!(out.stderr.contains(says), "{what}: {}", out.stderr);
            } else {
                assert_ne!(out.code, 0, "{what}: check fails");
            }
        }
    }
    // The wrong server saw the token in headers only (it is someone else's server).
    for r in other.requests() {
        assert!(!r.query.unwrap_or_default().contains(TOKEN), "{}", r.path);
    }
    // The listener that was no TLS server received a ClientHello, never a request in clear.
    for head in not_tls.heads() {
        assert!(!head.contains(TOKEN));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plain_http_to_another_machine_is_refused_without_insecure() {
    let server = server().await;
    let env = [
        ("TOOTWATCH_INSTANCE", server.base_url()),
        ("TOOTWATCH_TOKEN", TOKEN.to_string()),
    ];
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    for (flag, url) in [
        ("--instance", "http://mastodon.example"),
        ("--streaming-url", "http://streaming.example"),
        ("--streaming-url", "ws://streaming.example"),
    ] {
        let out = run(&["tail", flag, url, "user"], &env, None).await;
        assert_eq!(out.code, 2, "{flag} {url}: {}", out.stderr);
        assert!(
            out.stderr.contains(flag) && out.stderr.contains("--insecure"),
            "{}",
            out.stderr
        );
        out.assert_no_token(url);
    }
    assert!(server.requests().is_empty(), "nothing was sent anywhere");

    // With --insecure it is the user's choice: the run goes on (here, to a name that does
    // not resolve, reported as a reconnect, not a refusal).
    let out = run(
        &[
            "tail",
            "--insecure",
            "--transport",
            "sse",
            "--streaming-url",
            "http://tootwatch-test.invalid",
            "user",
        ],
        &env,
        Some("reconnecting"),
    )
    .await;
    out.assert_no_token("--insecure");
}

fn settings(base: &str, transport: TransportChoice) -> Arc<StreamSettings> {
    Arc::new(StreamSettings {
        base: base.parse().unwrap(),
        token: Some(TOKEN.into()),
        transport,
        timing: Timing {
            read_timeout: Duration::from_secs(10),
            connect_timeout: Duration::from_secs(5),
            backoff_initial: Duration::from_millis(5),
            backoff_max: Duration::from_millis(20),
            healthy_after: Duration::from_secs(60),
            accept_grace: Duration::from_millis(200),
        },
        max_event_bytes: 1 << 20,
        keep_raw: false,
        decoding: tootwatch::stream::light::Decoding::Full,
        texts_wanted: Default::default(),
        user_agent: "tootwatch/test".into(),
    })
}

/// Spawns a stream of `public`; returns its receiver.
fn stream(base: &str, transport: TransportChoice) -> mpsc::Receiver<StreamMessage> {
    let settings = settings(base, transport);
    let http = tootwatch::api::http_client(settings.timing.connect_timeout).unwrap();
    let (tx, rx) = mpsc::channel(64);
    spawn_stream(StreamId(0), "public".parse().unwrap(), settings, http, tx);
    rx
}

async fn next_state(rx: &mut mpsc::Receiver<StreamMessage>) -> ConnectionState {
    loop {
        match within("a state", rx.recv()).await {
            Some(StreamMessage::State { state, .. }) => return state,
            Some(_) => {}
            None => panic!("the stream ended"),
        }
    }
}

async fn next_event(rx: &mut mpsc::Receiver<StreamMessage>) -> StreamEvent {
    within("an event", async {
        loop {
            match rx.recv().await {
                Some(StreamMessage::Event { event, .. }) => return event,
                Some(_) => {}
                None => panic!("the stream ended"),
            }
        }
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redirects_never_carry_the_token_to_another_server() {
    // A redirect to another origin (another port here): reqwest drops Authorization, so the
    // other server (which would take the same token) sees none, and refuses.
    let elsewhere = server().await;
    let server = server().await;
    server.set_fault(Fault::Redirect {
        status: 307,
        location: format!("{}{{self}}", elsewhere.base_url()),
    });
    let mut rx = stream(&server.base_url(), TransportChoice::Sse);
    let failed = within("the failure", async {
        loop {
            if let ConnectionState::Failed { reason, cause } = next_state(&mut rx).await {
                break (reason, cause);
            }
        }
    })
    .await;
    assert_eq!(failed.1, FailureCause::Credentials, "{}", failed.0);
    assert!(failed.0.contains("Missing access token"), "{}", failed.0);
    let seen = elsewhere.requests();
    assert!(!seen.is_empty(), "the redirect was followed");
    for r in seen {
        assert_eq!(r.header("authorization"), None, "{r:?}");
        assert!(!r.query.unwrap_or_default().contains(TOKEN));
    }

    // A redirect from loopback (or https) to plain http on another machine is not followed.
    server.set_fault(Fault::Redirect {
        status: 302,
        location: "http://10.255.255.1/api/v1/streaming/public".into(),
    });
    let mut rx = stream(&server.base_url(), TransportChoice::Sse);
    let reason = within("a reconnect", async {
        loop {
            if let ConnectionState::Reconnecting { reason, .. } = next_state(&mut rx).await {
                break reason;
            }
        }
    })
    .await;
    assert!(
        reason.contains("refused a redirect to http://10.255.255.1: not https"),
        "{reason}"
    );
}

/// A WebSocket endpoint that ignores `Authorization`: it takes the token from
/// `Sec-WebSocket-Protocol` (if `protocol_ok`) or from the query, else answers 401
/// "Missing access token" as Mastodon does. Records how each handshake carried the token.
#[derive(Clone, Default)]
struct Picky {
    protocol_ok: bool,
    seen: Arc<Mutex<Vec<(bool, bool, bool)>>>,
}

async fn picky_socket(
    axum::extract::State(p): axum::extract::State<Picky>,
    uri: axum::http::Uri,
    headers: axum::http::HeaderMap,
    ws: axum::extract::ws::WebSocketUpgrade,
) -> axum::response::Response {
    use axum::extract::ws::Message;
    use axum::response::IntoResponse;
    let in_header = headers.get("authorization").is_some();
    let in_protocol = headers
        .get("sec-websocket-protocol")
        .is_some_and(|v| v.as_bytes() == TOKEN.as_bytes());
    let in_query = uri.query().unwrap_or("").contains(TOKEN);
    p.seen
        .lock()
        .unwrap()
        .push((in_header, in_protocol, in_query));
    if !(in_query || (p.protocol_ok && in_protocol)) {
        return (
            axum::http::StatusCode::UNAUTHORIZED,
            [("x-error-message", "Missing access token")],
        )
            .into_response();
    }
    ws.protocols([TOKEN])
        .on_upgrade(|mut socket| async move {
            let frame = r#"{"stream":["public"],"event":"delete","payload":"1"}"#;
            let _ = socket.send(Message::Text(frame.into())).await;
            while let Some(Ok(_)) = socket.recv().await {}
        })
        .into_response()
}

async fn picky_server(protocol_ok: bool) -> (String, Picky) {
    let picky = Picky {
        protocol_ok,
        ..Picky::default()
    };
    let app = axum::Router::new()
        .route("/api/v1/streaming", axum::routing::get(picky_socket))
        .with_state(picky.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (base, picky)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_token_goes_in_a_websocket_url_only_when_nothing_else_is_taken() {
    // (in Authorization, in Sec-WebSocket-Protocol, in the query) per handshake, in order.
    for (protocol_ok, expected) in [
        (true, vec![(true, false, false), (false, true, false)]),
        (
            false,
            vec![
                (true, false, false),
                (false, true, false),
                (false, false, true),
            ],
        ),
    ] {
        let (base, picky) = picky_server(protocol_ok).await;
        let mut rx = stream(&base, TransportChoice::Ws);
        assert_eq!(next_event(&mut rx).await, StreamEvent::Delete("1".into()));
        assert_eq!(*picky.seen.lock().unwrap(), expected);
    }
    // Even when the URL must carry it, no log line does (at trace level), nor any output.
    let (base, picky) = picky_server(false).await;
    let env = [
        ("TOOTWATCH_INSTANCE", base.as_str()),
        ("TOOTWATCH_TOKEN", TOKEN),
    ];
    let args = ["tail", "--transport", "ws", "--count", "1", "public"];
    let out = run(&args, &env, None).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(out.stdout, "[public] delete 1");
    assert!(out.log.contains("TRACE"));
    out.assert_no_token("the token in a WebSocket URL");
    assert_eq!(
        picky.seen.lock().unwrap().last(),
        Some(&(false, false, true))
    );
}

#[test]
fn debug_output_never_shows_the_token() {
    use clap::Parser;
    let cli = tootwatch::cli::Cli::try_parse_from([
        "tootwatch",
        "tail",
        "--token",
        TOKEN,
        "--instance",
        "https://mastodon.example",
        "user",
    ])
    .unwrap();
    let text = format!("{cli:?}");
    assert!(
        text.contains("<redacted>") && !text.contains(TOKEN),
        "{text}"
    );

    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        format!("[accounts.me]\ninstance = \"https://a.example\"\ntoken = \"{TOKEN}\"\n"),
    )
    .unwrap();
    let opts = tootwatch::cmd::setup::ServerOpts {
        config: Some(config),
        account: Some("me".into()),
        ..Default::default()
    };
    let resolved = tootwatch::cmd::setup::resolve(&opts).unwrap();
    assert_eq!(resolved.token.as_deref(), Some(TOKEN));
    let text = format!("{resolved:?}");
    assert!(
        text.contains("<redacted>") && !text.contains(TOKEN),
        "{text}"
    );
    // What a panic on an `unwrap` of it would print.
    let text = format!("{:?}", Err::<(), _>(&resolved));
    assert!(!text.contains(TOKEN));

    let settings = settings("https://a.example", TransportChoice::Auto);
    let text = format!("{settings:?}");
    assert!(
        text.contains("<redacted>") && !text.contains(TOKEN),
        "{text}"
    );

    let api = tootwatch::api::Api::new(
        "https://a.example".parse().unwrap(),
        Some(TOKEN.into()),
        tootwatch::api::http_client(Duration::from_secs(1)).unwrap(),
        Duration::from_secs(1),
    );
    let text = format!("{api:?}");
    assert!(
        text.contains("<redacted>") && !text.contains(TOKEN),
        "{text}"
    );

    let grant: tootwatch::api::auth::Grant =
        serde_json::from_value(serde_json::json!({"access_token": TOKEN})).unwrap();
    assert!(!format!("{grant:?}").contains(TOKEN));
    let stored = tootwatch::accounts::StoredAccount {
        instance: "https://a.example".into(),
        token: TOKEN.into(),
        scopes: "read".into(),
        client_id: "id".into(),
        client_secret: "cs".into(),
        created_at: String::new(),
    };
    assert!(!format!("{stored:?}").contains(TOKEN));
}

fn write_store(data: &Path, instance: &str, mode: u32) -> std::path::PathBuf {
    std::fs::create_dir_all(data).unwrap();
    let path = data.join("accounts.json");
    let json = serde_json::json!({"accounts": {"tester@127.0.0.1": {
        "instance": instance, "token": TOKEN, "scopes": "read",
        "client_id": "", "client_secret": "", "created_at": ""
    }}});
    std::fs::write(&path, json.to_string()).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
    }
    path
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_store_open_to_others_in_any_way_is_refused() {
    // login.rs refuses 0644 after a real login; here every mode that lets group or others
    // read or change the file, and the modes that are fine.
    let server = server().await;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let data_env = data.to_str().unwrap().to_string();
    for (mode, ok) in [
        (0o640, false),
        (0o604, false),
        (0o620, false),
        (0o602, false),
        (0o660, false),
        (0o600, true),
        (0o400, true),
    ] {
        let path = write_store(&data, &format!("{}/", server.base_url()), mode);
        let out = run(&["check"], &[("TOOTWATCH_DATA_DIR", &data_env)], None).await;
        out.assert_no_token(&format!("mode {mode:o}"));
        if ok {
            assert_eq!(out.code, 0, "mode {mode:o}: {}{}", out.stdout, out.stderr);
        } else {
            assert_eq!(out.code, 2, "mode {mode:o}: {}", out.stderr);
            assert!(
                out.stderr
                    .contains(&format!("chmod 600 {}", path.display())),
                "{}",
                out.stderr
            );
            let says = format!("is open to other users (mode {mode:o}");
            assert!(out.stderr.contains(&says), "{}", out.stderr);
        }
    }
}
