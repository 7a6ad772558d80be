//! Throughput benchmark (not a test): decode speed in memory, and `tootwatch tail --format
//! json` end to end against the fake server on loopback, next to a raw read of the same bytes
//! by `curl -sN`.
//!
//!     cargo build --release && cargo run --release --example throughput -- [EVENTS] [BYTES]
//!
//! EVENTS defaults to 100000, BYTES (approximate status size) to 2500. Results go to stdout;
//! BENCHMARKS.md records them.

use std::process::Stdio;
use std::time::{Duration, Instant};

use fake_mastodon::{FakeServer, Options, r#gen};
use tokio::io::AsyncReadExt;
use tootwatch::stream::decode::{WsFrame, decode_event, parse_ws_frame};
use tootwatch::stream::sse::{SseFrame, SseParser};

fn main() {
    let mut args = std::env::args().skip(1);
    let events: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(100_000);
    let size: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(2500);
    let statuses: Vec<String> = (0..1000).map(|n| r#gen::status_json(n, size)).collect();
    let avg = statuses.iter().map(String::len).sum::<usize>() / statuses.len();
    println!("{events} events, statuses of {avg} bytes on average");

    decode_in_memory(&statuses, events);
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(end_to_end(&statuses, events));
}

fn report(what: &str, events: usize, bytes: usize, took: Duration) {
    let secs = took.as_secs_f64();
    println!(
        "{what:<44} {:>10.0} events/s {:>8.1} MB/s ({:.3} s)",
        events as f64 / secs,
        bytes as f64 / secs / 1e6,
        secs
    );
}

fn decode_in_memory(statuses: &[String], events: usize) {
    let mut sse = String::new();
    for i in 0..events {
        sse.push_str("event: update\ndata: ");
        sse.push_str(&statuses[i % statuses.len()]);
        sse.push_str("\n\n");
    }
    let start = Instant::now();
    let mut parser = SseParser::new(1 << 20);
    let mut decoded = 0usize;
    for chunk in sse.as_bytes().chunks(16 * 1024) {
        parser.push(chunk, &mut |f| {
            if let SseFrame::Event { name, data } = f
                && decode_event(&name, Some(&data)).is_ok()
            {
                decoded += 1;
            }
        });
    }
    assert_eq!(decoded, events);
    report(
        "decode, SSE framing (parse + Status)",
        events,
        sse.len(),
        start.elapsed(),
    );

    let frames: Vec<String> = statuses
        .iter()
        .map(|s| {
            serde_json::json!({"stream": ["public"], "event": "update", "payload": s}).to_string()
        })
        .collect();
    let bytes: usize = (0..events).map(|i| frames[i % frames.len()].len()).sum();
    let start = Instant::now();
    let mut decoded = 0usize;
    for i in 0..events {
        if let Ok(WsFrame::Event { name, payload }) = parse_ws_frame(&frames[i % frames.len()])
            && decode_event(&name, payload.as_deref()).is_ok()
        {
            decoded += 1;
        }
    }
    assert_eq!(decoded, events);
    report(
        "decode, WebSocket framing (frame + Status)",
        events,
        bytes,
        start.elapsed(),
    );
}

/// Publishes `events` statuses to `public` once a reader is subscribed. Each gets an id of
/// its own: a client rightly prints a status it has already seen only once.
async fn publish_all(server: &FakeServer, statuses: &[String], events: usize) {
    server.wait_subscribers("public", 1).await;
    for i in 0..events {
        let n = i % statuses.len();
        let original = format!("\"id\":\"{}\"", r#gen::STATUS_ID_BASE + n as u64);
        let unique = format!("\"id\":\"{}\"", r#gen::STATUS_ID_BASE + i as u64);
        let payload = statuses[n].replacen(&original, &unique, 1);
        server
            .publish_async("public", "update", Some(&payload))
            .await;
    }
}

async fn end_to_end(statuses: &[String], events: usize) {
    let bin = std::env::current_exe()
        .ok()
        .and_then(|p| Some(p.parent()?.parent()?.join("tootwatch")))
        .filter(|p| p.exists())
        .expect("build the binary first: cargo build --release");
    let sse_bytes: usize = (0..events)
        .map(|i| "event: update\ndata: \n\n".len() + statuses[i % statuses.len()].len())
        .sum();

    for transport in ["sse", "ws"] {
        let server = FakeServer::start(Options {
            heartbeat: None,
            ..Options::default()
        })
        .await;
        let mut child = tokio::process::Command::new(&bin)
            .args([
                "tail",
                "--format",
                "json",
                "--quiet",
                "--transport",
                transport,
            ])
            .args(["--count", &events.to_string(), "public"])
            .env("TOOTWATCH_INSTANCE", server.base_url())
            .env("TOOTWATCH_TOKEN", server.token())
            .env("TOOTWATCH_CONFIG", "/dev/null")
            .env("TOOTWATCH_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("tootwatch runs");
        let mut stdout = child.stdout.take().expect("stdout");
        let counter = tokio::spawn(async move {
            let mut buf = vec![0u8; 1 << 16];
            let mut total = 0usize;
            loop {
                match stdout.read(&mut buf).await {
                    Ok(0) | Err(_) => return total,
                    Ok(n) => total += n,
                }
            }
        });
        server.wait_subscribers("public", 1).await;
        let start = Instant::now();
        publish_all(&server, statuses, events).await;
        let status = child.wait().await.expect("tootwatch exits");
        let took = start.elapsed();
        let out = counter.await.unwrap_or(0);
        assert!(status.success(), "tail failed: {status}");
        report(
            &format!("tail --format json, {transport}"),
            events,
            sse_bytes,
            took,
        );
        println!("{:<44} {out} bytes of JSON Lines", "");
        server.shutdown().await;
    }

    // The same bytes read by curl and thrown away: the floor any client can reach.
    let server = FakeServer::start(Options {
        heartbeat: None,
        ..Options::default()
    })
    .await;
    let url = format!("{}/api/v1/streaming/public", server.base_url());
    let mut curl = match tokio::process::Command::new("curl")
        .args([
            "-sN",
            "-H",
            &format!("Authorization: Bearer {}", server.token()),
            &url,
        ])
        .stdout(Stdio::piped())
        .spawn()
    {
        Ok(c) => c,
        Err(e) => {
            println!("curl not available ({e}): no raw-read comparison");
            return;
        }
    };
    let mut stdout = curl.stdout.take().expect("stdout");
    server.wait_subscribers("public", 1).await;
    let start = Instant::now();
    let publisher = publish_all(&server, statuses, events);
    let reader = async {
        let mut buf = vec![0u8; 1 << 16];
        let mut total = 0usize;
        // `:)` opens the stream; count until every event's bytes are through.
        while total < sse_bytes + 3 {
            match stdout.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => total += n,
            }
        }
        total
    };
    let ((), total) = tokio::join!(publisher, reader);
    let took = start.elapsed();
    let _ = curl.kill().await;
    report(
        "raw read: curl -sN > pipe (same SSE bytes)",
        events,
        total,
        took,
    );
}
