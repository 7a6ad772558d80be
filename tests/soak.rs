//! Soak: 1,000 drop/reconnect cycles, each a connection that the server drops right after
//! one event, with a backoff of a millisecond or two from the config. File descriptors,
//! tokio tasks and memory must be where they were: a leak of one socket, task or buffer per
//! reconnect would show as 1,000 of them.
//!
//! In-process through the stream supervisor (fds and RSS of this process, tasks of its
//! runtime), and through the real `tootwatch tail` binary (its /proc/PID). This file holds the
//! only test of its binary, so nothing else runs in the process while it counts.

#![allow(clippy::unwrap_used)] // test helpers: a panic is a failing test

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::*;
use tokio::sync::mpsc;
use tootwatch::stream::{
    StreamEvent, StreamId, StreamMessage, StreamSettings, Timing, TransportChoice, spawn_stream,
};

const CYCLES: usize = 1000;
const WARM_UP: usize = 50;

#[derive(Debug, Clone, Copy)]
struct Reading {
    fds: usize,
    tasks: Option<usize>,
    rss_kib: u64,
}

fn fds_of(pid: &str) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd"))
        .map(|d| d.count())
        .unwrap_or(0)
}

fn rss_kib_of(pid: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

fn reading_here() -> Reading {
    Reading {
        fds: fds_of("self"),
        tasks: Some(
            tokio::runtime::Handle::current()
                .metrics()
                .num_alive_tasks(),
        ),
        rss_kib: rss_kib_of("self"),
    }
}

fn assert_flat(what: &str, elapsed: Duration, before: Reading, after: Reading) {
    println!("{what}: {CYCLES} cycles in {elapsed:.1?}; before {before:?}, after {after:?}");
    // A socket being torn down on either side may still be open at the moment of counting.
    assert!(
        after.fds <= before.fds + 4,
        "{what}: fds {} -> {}",
        before.fds,
        after.fds
    );
    if let (Some(b), Some(a)) = (before.tasks, after.tasks) {
        assert!(a <= b + 4, "{what}: tasks {b} -> {a}");
    }
    // 1,000 leaked connections would be far more (each holds buffers of several KiB).
    assert!(
        after.rss_kib <= before.rss_kib + 8 * 1024,
        "{what}: RSS {} KiB -> {} KiB",
        before.rss_kib,
        after.rss_kib
    );
}

/// The server drops each connection after one event; the supervisor reconnects at once.
async fn soak_supervisor(transport: TransportChoice) {
    let server = FakeServer::start(Options::default()).await;
    server.set_fault(Fault::DropAfter(1));
    let timing = Timing {
        read_timeout: Duration::from_secs(10),
        connect_timeout: Duration::from_secs(5),
        backoff_initial: Duration::from_millis(1),
        backoff_max: Duration::from_millis(2),
        healthy_after: Duration::from_secs(60),
        accept_grace: Duration::from_millis(200),
    };
    let settings = Arc::new(StreamSettings {
        base: server.base_url().parse().unwrap(),
        token: Some(server.token()),
        transport,
        timing,
        max_event_bytes: 1 << 20,
        keep_raw: true,
        decoding: tootwatch::stream::light::Decoding::Full,
        texts_wanted: Default::default(),
        user_agent: "tootwatch/soak".into(),
    });
    let http = tootwatch::api::http_client(timing.connect_timeout).unwrap();
    let tasks_at_start = tokio::runtime::Handle::current()
        .metrics()
        .num_alive_tasks();
    let (tx, mut rx) = mpsc::channel::<StreamMessage>(64);
    let task = spawn_stream(StreamId(0), "public".parse().unwrap(), settings, http, tx);
    let payload = fake_mastodon::r#gen::status_json(1, 2000);
    let mut before = None;
    let start = std::time::Instant::now();
    for cycle in 1..=WARM_UP + CYCLES {
        within(
            "the next connection",
            server.wait_connections("public", cycle),
        )
        .await;
        if cycle == WARM_UP + 1 {
            before = Some(reading_here());
        }
        // An update (decoded into a Status, raw text kept) and nothing else on this connection.
        assert_eq!(server.publish("public", "update", Some(&payload)), 1);
        loop {
            let message = within("the event", rx.recv()).await.expect("the task runs");
            if let StreamMessage::Event { event, .. } = message {
                assert!(matches!(event, StreamEvent::Update(_)), "{event:?}");
                break;
            }
        }
    }
    // Count at the same point of a cycle as before: the next connection is up.
    within(
        "the next connection",
        server.wait_connections("public", WARM_UP + CYCLES + 1),
    )
    .await;
    let after = reading_here();
    assert_flat(
        &format!("supervisor over {transport:?}"),
        start.elapsed(),
        before.unwrap(),
        after,
    );
    assert!(!task.is_finished());
    // Gone with its receiver, at once (its connection is quiet: no deadline would end it),
    // and the runtime is back to its task count from before the stream.
    drop(rx);
    within("the task to end", task).await.unwrap();
    server.shutdown().await;
    let tasks = tokio::runtime::Handle::current()
        .metrics()
        .num_alive_tasks();
    println!("tasks: {tasks_at_start} before the stream, {tasks} after it and the server");
    assert!(tasks <= tasks_at_start, "{tasks_at_start} -> {tasks}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_reconnects_leave_no_fds_tasks_or_memory_behind() {
    soak_supervisor(TransportChoice::Sse).await;
    soak_supervisor(TransportChoice::Ws).await;
    soak_tail("sse").await;
}

/// The same through `tootwatch tail` (which also runs a REST catch-up after each reconnect).
async fn soak_tail(transport: &str) {
    let server = FakeServer::start(Options::default()).await;
    server.set_fault(Fault::DropAfter(1));
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        "[transport]\nbackoff_initial_secs = 0.001\nbackoff_max_secs = 0.002\nconnect_timeout_secs = 5\nhealthy_after_secs = 60\n",
    )
    .unwrap();
    let count = (WARM_UP + CYCLES).to_string();
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_tootwatch"));
    cmd.args([
        "tail",
        "--quiet",
        "--transport",
        transport,
        "--count",
        &count,
    ])
    .arg("public")
    .env("TOOTWATCH_CONFIG", &config)
    .env("TOOTWATCH_INSTANCE", server.base_url())
    .env("TOOTWATCH_TOKEN", server.token())
    .env("TOOTWATCH_LOG_FILE", dir.path().join("tootwatch.log"))
    .env_remove("TOOTWATCH_ACCOUNT")
    .stdin(std::process::Stdio::null())
    .stdout(std::process::Stdio::piped())
    .stderr(std::process::Stdio::null())
    .kill_on_drop(true);
    let mut child = cmd.spawn().unwrap();
    let pid = child.id().unwrap().to_string();
    let mut lines =
        tokio::io::AsyncBufReadExt::lines(tokio::io::BufReader::new(child.stdout.take().unwrap()));
    let reading = || Reading {
        fds: fds_of(&pid),
        tasks: None,
        rss_kib: rss_kib_of(&pid),
    };
    let mut before = None;
    let mut after = None;
    let start = std::time::Instant::now();
    for cycle in 1..=WARM_UP + CYCLES {
        within(
            "the next connection",
            server.wait_connections("public", cycle),
        )
        .await;
        if cycle == WARM_UP + 1 {
            before = Some(reading());
        }
        if cycle == WARM_UP + CYCLES {
            after = Some(reading());
        }
        let id = format!("{}", 113_000_000_000_000_000u64 + cycle as u64);
        assert_eq!(server.publish("public", "delete", Some(&id)), 1);
        let line = within("a line", lines.next_line()).await.unwrap().unwrap();
        assert_eq!(line, format!("[public] delete {id}"));
    }
    assert_flat(
        &format!("tail over {transport}"),
        start.elapsed(),
        before.unwrap(),
        after.unwrap(),
    );
    let status = within("tail to exit", child.wait()).await.unwrap();
    assert!(status.success());
}
