//! A stress test of `tootwatch tail`: a firehose of thousands of events (new posts, edits,
//! deletes, notifications), published as fast as the binary takes them, must come out
//! complete, in order and byte for byte, over both transports. The benchmark
//! (`examples/throughput.rs`) draws from the same generator.

mod common;

use common::*;
use fake_mastodon::r#gen::{Firehose, FirehoseKind};

const EVENTS: u64 = 3000;

async fn firehose_through_tail(transport: &str) {
    let server = server(Flavor::Mastodon).await;
    let count = EVENTS.to_string();
    let mut run = tootwatch(
        &server,
        &server.token(),
        &[
            "tail",
            "--format",
            "json",
            "--quiet",
            "--transport",
            transport,
            "--count",
            &count,
            "user",
        ],
    );
    within("subscribed", server.wait_subscribers("user", 1)).await;
    let hose = Firehose::new(2500);
    let events: Vec<(FirehoseKind, String)> = (0..EVENTS).map(|i| hose.event(i)).collect();
    let publisher = async {
        for (kind, payload) in &events {
            // Waits for queue space: nothing is dropped on the server's side.
            server
                .publish_async("user", kind.event(), Some(payload))
                .await;
        }
    };
    let reader = async {
        let mut lines = Vec::with_capacity(events.len());
        for _ in 0..events.len() {
            lines.push(run.line().await);
        }
        lines
    };
    let ((), lines) = within("the firehose", async { tokio::join!(publisher, reader) }).await;
    for (i, ((kind, payload), line)) in events.iter().zip(&lines).enumerate() {
        let payload = match kind {
            FirehoseKind::Delete => format!("\"{payload}\""),
            _ => payload.clone(),
        };
        let expected = format!(
            "{{\"stream\":\"user\",\"event\":\"{}\",\"payload\":{payload}}}",
            kind.event()
        );
        assert!(
            *line == expected,
            "event {i} ({kind:?}) came out as {}…",
            line.chars().take(120).collect::<String>()
        );
    }
    assert_eq!(run.exit_code().await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_firehose_comes_out_whole_over_server_sent_events() {
    firehose_through_tail("sse").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_firehose_comes_out_whole_over_websocket() {
    firehose_through_tail("ws").await;
}
