//! Running the real binary against the fake server.

#![allow(clippy::unwrap_used)] // test scaffolding: a panic is a failing test
#![allow(dead_code)] // each test file uses a different part of this

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader, Lines};
use tokio::process::{Child, ChildStderr, ChildStdout, Command};

pub mod tmux;

#[allow(unused_imports)]
pub use fake_mastodon::{FakeServer, Fault, Flavor, Options};

/// A guard against a hung test, never a synchronisation: every wait in these tests ends on an
/// event (a line, a subscription, an exit) long before this.
pub const GUARD: Duration = Duration::from_secs(20);

pub async fn server(flavor: Flavor) -> FakeServer {
    FakeServer::start(Options {
        flavor,
        ..Options::default()
    })
    .await
}

/// A config file with fast reconnects, so tests of reconnecting take milliseconds.
pub fn fast_config(dir: &tempfile::TempDir) -> PathBuf {
    let path = dir.path().join("config.toml");
    std::fs::write(
        &path,
        "[transport]\nbackoff_initial_secs = 0.05\nbackoff_max_secs = 0.2\nconnect_timeout_secs = 5\nhealthy_after_secs = 0.5\naccept_grace_secs = 0.2\n",
    )
    .unwrap();
    path
}

pub struct Run {
    pub child: Child,
    pub stdout: Lines<BufReader<ChildStdout>>,
    pub stderr: Lines<BufReader<ChildStderr>>,
    pub dir: tempfile::TempDir,
}

/// `tootwatch ARGS --instance <fake> --token <token>` with a private config and log file
/// (`DEBUG_LOG=FILE` keeps the log there instead, to read after a failure).
pub fn tootwatch(server: &FakeServer, token: &str, args: &[&str]) -> Run {
    tootwatch_with(server, token, args, &[])
}

/// [`tootwatch`] with more environment (set last, so it overrides): e.g. a data dir that
/// two runs share. By default each run has its own data dir, never the user's.
pub fn tootwatch_with(
    server: &FakeServer,
    token: &str,
    args: &[&str],
    env: &[(&str, &std::path::Path)],
) -> Run {
    let dir = tempfile::tempdir().unwrap();
    let config = fast_config(&dir);
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tootwatch"));
    cmd.args(args)
        .env("TOOTWATCH_CONFIG", &config)
        .env("TOOTWATCH_INSTANCE", server.base_url())
        .env("TOOTWATCH_TOKEN", token)
        .env(
            "TOOTWATCH_LOG_FILE",
            std::env::var("DEBUG_LOG")
                .map(PathBuf::from)
                .unwrap_or_else(|_| dir.path().join("tootwatch.log")),
        )
        .env_remove("TOOTWATCH_ACCOUNT")
        .env("TOOTWATCH_DATA_DIR", dir.path().join("data"))
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    let mut child = cmd.spawn().expect("the tootwatch binary runs");
    let stdout = BufReader::new(child.stdout.take().unwrap()).lines();
    let stderr = BufReader::new(child.stderr.take().unwrap()).lines();
    Run {
        child,
        stdout,
        stderr,
        dir,
    }
}

impl Run {
    pub async fn line(&mut self) -> String {
        tokio::time::timeout(GUARD, self.stdout.next_line())
            .await
            .expect("a line on stdout in time")
            .unwrap()
            .expect("stdout still open")
    }

    pub async fn json_line(&mut self) -> serde_json::Value {
        let line = self.line().await;
        serde_json::from_str(&line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"))
    }

    /// Reads stderr until a line contains `needle`; returns that line.
    pub async fn stderr_until(&mut self, needle: &str) -> String {
        tokio::time::timeout(GUARD, async {
            loop {
                match self.stderr.next_line().await.unwrap() {
                    Some(l) if l.contains(needle) => return l,
                    Some(_) => {}
                    None => panic!("stderr ended before `{needle}`"),
                }
            }
        })
        .await
        .unwrap_or_else(|_| panic!("no `{needle}` on stderr in time"))
    }

    pub async fn exit_code(&mut self) -> i32 {
        tokio::time::timeout(GUARD, self.child.wait())
            .await
            .expect("exits in time")
            .unwrap()
            .code()
            .unwrap_or(-1)
    }

    /// Every line of stdout to its end, and the exit code.
    pub async fn all_lines_and_exit(&mut self) -> (Vec<String>, i32) {
        let mut lines = Vec::new();
        while let Ok(Some(l)) = self.stdout.next_line().await {
            lines.push(l);
        }
        (lines, self.exit_code().await)
    }

    pub async fn rest_of_stderr(&mut self) -> Vec<String> {
        let mut out = Vec::new();
        while let Ok(Ok(Some(l))) = tokio::time::timeout(GUARD, self.stderr.next_line()).await {
            out.push(l);
        }
        out
    }
}

pub async fn within<T>(what: &str, f: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(GUARD, f)
        .await
        .unwrap_or_else(|_| panic!("timed out waiting for {what}"))
}

/// Publishes `event` on `stream` until a connection takes it. A stalled connection still counts
/// as a subscriber but takes nothing, so after a stall ends, wait for a fresh connection.
pub async fn publish_until_taken(server: &FakeServer, stream: &str, event: &str, payload: &str) {
    loop {
        let made = server.connections(stream);
        if server.publish(stream, event, Some(payload)) > 0 {
            return;
        }
        within(
            "a fresh connection",
            server.wait_connections(stream, made + 1),
        )
        .await;
    }
}

/// `tootwatch ARGS` with the config file `config` alone: no instance, token or account from
/// the environment; data and log in `dir`. Its exit code and stderr.
pub fn tootwatch_with_config(
    dir: &std::path::Path,
    config: &std::path::Path,
    args: &[&str],
) -> (Option<i32>, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_tootwatch"))
        .args(args)
        .env("TOOTWATCH_CONFIG", config)
        .env("TOOTWATCH_DATA_DIR", dir.join("data"))
        .env("TOOTWATCH_LOG_FILE", dir.join("log"))
        .env_remove("TOOTWATCH_INSTANCE")
        .env_remove("TOOTWATCH_TOKEN")
        .env_remove("TOOTWATCH_ACCOUNT")
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}
