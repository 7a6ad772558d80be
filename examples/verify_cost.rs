//! Benchmark (not a test): what verifying streams against REST costs a deck of 9 streams. Runs
//! the real `tootwatch tail` against the fake server with `verify_secs` shortened, counts the
//! REST requests the server saw per kind, and scales them to the default interval (300 s).
//!
//!     cargo build --release && cargo run --release --example verify_cost [SECONDS]
//!
//! Results go to stdout; BENCHMARKS.md records them.

use std::time::Duration;

use fake_mastodon::{FakeServer, Options};

const STREAMS: &[&str] = &[
    "user",
    "user:notification",
    "public",
    "public:local",
    "#rust",
    "#tokio",
    "#linux",
    "hashtag:local:rust",
    "list:42",
];

/// Shortened so that a short run sees many intervals; the figures are scaled back.
const VERIFY_SECS: f64 = 1.0;
const DEFAULT_VERIFY_SECS: f64 = 300.0;

#[tokio::main]
async fn main() {
    let secs: u64 = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(20);
    let server = FakeServer::start(Options::default()).await;
    let dir = std::env::temp_dir().join(format!("tootwatch-verify-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temp dir");
    let config = dir.join("config.toml");
    std::fs::write(
        &config,
        format!("[transport]\nverify_secs = {VERIFY_SECS}\n"),
    )
    .expect("config");
    let binary = std::env::current_exe()
        .ok()
        .and_then(|p| Some(p.parent()?.parent()?.join("tootwatch")))
        .expect("the tootwatch binary beside the examples");
    let mut child = tokio::process::Command::new(&binary)
        .arg("tail")
        .args(STREAMS)
        .env("TOOTWATCH_CONFIG", &config)
        .env("TOOTWATCH_INSTANCE", server.base_url())
        .env("TOOTWATCH_TOKEN", server.token())
        .env("TOOTWATCH_LOG_FILE", dir.join("tootwatch.log"))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("tootwatch runs (cargo build --release first)");
    // Count from the moment every stream is subscribed: what comes before is the start.
    for key in [
        "user",
        "public",
        "public:local",
        "hashtag:rust",
        "hashtag:tokio",
        "hashtag:linux",
        "hashtag:local:rust",
        "list:42",
    ] {
        server.wait_subscribers(key, 1).await;
    }
    let before = server.requests().len();
    tokio::time::sleep(Duration::from_secs(secs)).await;
    let requests = server.requests();
    let _ = child.kill().await;
    let during = &requests[before..];
    let rest: Vec<_> = during
        .iter()
        .filter(|r| !r.path.starts_with("/api/v1/streaming"))
        .collect();
    let mut by_path = std::collections::BTreeMap::<&str, usize>::new();
    for r in &rest {
        *by_path.entry(r.path.as_str()).or_default() += 1;
    }
    let per_hour = |n: usize| n as f64 * 3600.0 / secs as f64 * VERIFY_SECS / DEFAULT_VERIFY_SECS;
    println!(
        "{} streams, {secs} s at verify_secs = {VERIFY_SECS}: {} REST requests",
        STREAMS.len(),
        rest.len()
    );
    for (path, n) in &by_path {
        println!("  {path}: {n}");
    }
    println!(
        "at the default verify_secs = {DEFAULT_VERIFY_SECS}: {:.0} requests an hour ({:.1} per 5 minutes; Mastodon allows 300)",
        per_hour(rest.len()),
        per_hour(rest.len()) / 12.0
    );
    let _ = std::fs::remove_dir_all(&dir);
}
