//! Failing networks: the stream supervisor (and `tootwatch tail` where exit codes and stderr
//! matter) against the fake server's faults and raw TCP listeners that misbehave below HTTP.
//! Each test shows the outcome: the task lives on (or ends with the documented failure),
//! later good events still arrive, and every state change is reported.
//!
//! Durations come from `Timing` (or the config file of the binary): milliseconds here. The
//! only waits are on events, states and the servers' counters; `GUARD` only catches a hang.

mod common;
mod probe;

use std::time::{Duration, Instant};

use common::{publish_until_taken, within};
use fake_mastodon::faults::{RawFault, RawServer, sse_event, ws_text_frame};
use fake_mastodon::{FakeServer, Fault, Options};
use probe::*;
use tootwatch::stream::{FailureCause, Timing, TransportChoice};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connection_refused_is_retried_until_the_server_comes_up() {
    for transport in TRANSPORTS {
        let port = closed_port();
        let mut p = probe(&format!("http://127.0.0.1:{port}"), transport, timing());
        for _ in 0..3 {
            let (_, reason) = p.reconnecting().await;
            assert!(reason.contains("connection refused"), "{reason}");
        }
        let server = FakeServer::start_on_port(Options::default(), port)
            .await
            .expect("the port is still free");
        p.live().await;
        within("subscriber", server.wait_subscribers("public", 1)).await;
        server.publish("public", "delete", Some("1"));
        assert_eq!(p.event().await, delete("1"));
        p.assert_never_failed();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_name_that_does_not_resolve_is_retried_not_fatal() {
    for transport in TRANSPORTS {
        let mut p = probe("http://tootwatch-test.invalid", transport, timing());
        for _ in 0..3 {
            let (_, reason) = p.reconnecting().await;
            let lower = reason.to_lowercase();
            assert!(
                lower.contains("dns") || lower.contains("lookup") || lower.contains("resolve"),
                "{reason}"
            );
        }
        p.assert_never_failed();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_failures_are_retried_and_no_request_goes_out_in_clear() {
    let not_tls = b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\n\r\n".to_vec();
    for fault in [RawFault::CloseAfterRequest, RawFault::Reply(not_tls)] {
        for transport in TRANSPORTS {
            let raw = RawServer::start(fault.clone()).await;
            let base = format!("https://{}", raw.addr());
            let mut p = probe(&base, transport, timing());
            for _ in 0..2 {
                let (_, reason) = p.reconnecting().await;
                assert!(!reason.is_empty());
            }
            p.assert_never_failed();
            for head in raw.heads() {
                assert_eq!(head.as_bytes()[0], 0x16, "a TLS handshake record: {head:?}");
                assert!(!head.contains(TOKEN), "{head:?}");
                assert!(!head.contains("GET "), "{head:?}");
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reset_in_the_middle_of_an_event_loses_only_that_event() {
    // SSE: a whole event, then half of the next one, then RST.
    let mut first = sse_event("delete", "1");
    first.extend_from_slice(b"event: delete\ndata: 2");
    let raw = RawServer::start(RawFault::Silent).await;
    raw.set_faults(vec![
        RawFault::SseResetAfter(first),
        RawFault::Sse(sse_event("delete", "3")),
    ]);
    let mut p = probe(&raw.base_url(), TransportChoice::Sse, timing());
    assert_eq!(p.event().await, delete("1"));
    let (_, reason) = p.reconnecting().await;
    assert!(
        reason.contains("broke") || reason.contains("closed"),
        "{reason}"
    );
    assert_eq!(p.event().await, delete("3"), "the half event is dropped");
    p.assert_never_failed();

    // WebSocket: a whole frame, then the first 20 bytes of a 100-byte one, then RST.
    let mut bytes = ws_text_frame(&ws_frame("delete", "1"));
    let long = ws_frame("delete", &"2".repeat(60));
    bytes.extend_from_slice(&ws_text_frame(&long)[..20]);
    let raw = RawServer::start(RawFault::Silent).await;
    raw.set_faults(vec![
        RawFault::WsResetAfter(bytes),
        RawFault::Ws(vec![ws_frame("delete", "3")]),
    ]);
    let mut p = probe(&raw.base_url(), TransportChoice::Ws, timing());
    assert_eq!(p.event().await, delete("1"));
    let (_, reason) = p.reconnecting().await;
    assert!(
        reason.contains("broke") || reason.contains("closed"),
        "{reason}"
    );
    assert_eq!(p.event().await, delete("3"), "the half frame is dropped");
    p.assert_never_failed();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_that_accepts_and_never_answers_meets_the_connect_timeout() {
    for transport in TRANSPORTS {
        let raw = RawServer::start(RawFault::Silent).await;
        let t = Timing {
            connect_timeout: Duration::from_millis(300),
            ..timing()
        };
        let mut p = probe(&raw.base_url(), transport, t);
        for _ in 0..2 {
            let (_, reason) = p.reconnecting().await;
            assert_eq!(reason, "no answer within 0.3 s");
        }
        // Then it speaks: the stream goes live on the next attempt.
        let good = match transport {
            TransportChoice::Sse => RawFault::Sse(sse_event("delete", "4")),
            _ => RawFault::Ws(vec![ws_frame("delete", "4")]),
        };
        raw.set_fault(good);
        assert_eq!(p.event().await, delete("4"));
        p.assert_never_failed();
    }
}

/// A server that accepts and never answers is given one connect timeout at start, not one
/// per path of the instance's discovery.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tail_gives_a_silent_server_one_timeout_at_start() {
    let raw = RawServer::start(RawFault::Silent).await;
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("slow.toml");
    std::fs::write(&config, "[transport]\nconnect_timeout_secs = 0.3\n").unwrap();
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_tootwatch"))
        .args([
            "tail",
            "--instance",
            &raw.base_url(),
            "--token",
            "t",
            "user",
        ])
        .env("TOOTWATCH_CONFIG", &config)
        .env("TOOTWATCH_DATA_DIR", dir.path().join("data"))
        .env("TOOTWATCH_LOG_FILE", dir.path().join("log"))
        .env_remove("TOOTWATCH_ACCOUNT")
        .output();
    let out = within("the exit", out).await.unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("cannot reach"), "{stderr}");
    assert!(
        stderr.contains("the server did not answer in time"),
        "the request went out: {stderr}"
    );
    assert_eq!(
        raw.accepted(),
        1,
        "/api/v1/instance was not asked after v2 timed out"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stream_that_goes_silent_after_the_headers_meets_the_read_timeout() {
    // Headers (SSE) or the upgrade (WS), then nothing: not even a heartbeat or a ping.
    for transport in TRANSPORTS {
        // Heartbeats (pings) keep a healthy connection well inside the 0.3 s deadline.
        let server = FakeServer::start(Options {
            heartbeat: Some(Duration::from_millis(50)),
            ..Options::default()
        })
        .await;
        server.set_fault(Fault::Stall);
        let t = Timing {
            read_timeout: Duration::from_millis(300),
            ..timing()
        };
        let mut p = probe(&server.base_url(), transport, t);
        p.live().await;
        let (_, reason) = p.reconnecting().await;
        assert!(reason.starts_with("nothing arrived for 0.3 s"), "{reason}");
        server.set_fault(Fault::None);
        publish_until_taken(&server, "public", "delete", "5").await;
        assert_eq!(p.event().await, delete("5"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_trickle_without_line_ends_is_cut_at_the_read_timeout() {
    // One byte every 10 ms of an event line 5,000 bytes long: 50 s for the line if we waited.
    // The deadline counts from the last complete line, so the stream is renewed after 0.3 s.
    let mut body = b"event: update\ndata: ".to_vec();
    body.extend(std::iter::repeat_n(b'x', 5000));
    let raw = RawServer::start(RawFault::Silent).await;
    raw.set_faults(vec![
        RawFault::SseTrickle {
            body,
            every: Duration::from_millis(10),
        },
        RawFault::Sse(sse_event("delete", "6")),
    ]);
    let t = Timing {
        read_timeout: Duration::from_millis(300),
        ..timing()
    };
    let mut p = probe(&raw.base_url(), TransportChoice::Sse, t);
    let (_, reason) = p.reconnecting().await;
    assert!(
        reason.starts_with("no complete line for 0.3 s, only a trickle of"),
        "{reason}"
    );
    assert_eq!(p.event().await, delete("6"));

    // WebSocket: a 2,000-byte frame a byte every 10 ms; the deadline is per message.
    let raw = RawServer::start(RawFault::Silent).await;
    let frame = ws_text_frame(&ws_frame("delete", &"7".repeat(2000)));
    raw.set_faults(vec![
        RawFault::WsTrickle {
            bytes: frame,
            every: Duration::from_millis(10),
        },
        RawFault::Ws(vec![ws_frame("delete", "8")]),
    ]);
    let mut p = probe(&raw.base_url(), TransportChoice::Ws, t);
    let (_, reason) = p.reconnecting().await;
    assert!(reason.starts_with("nothing arrived for 0.3 s"), "{reason}");
    assert_eq!(p.event().await, delete("8"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_without_line_ends_is_cut_at_the_read_timeout() {
    // Bytes always waiting to be read, never a line end: the stream is renewed all the same
    // (tokio's timeout is looked at once the task's budget for ready reads is spent).
    let raw = RawServer::start(RawFault::Silent).await;
    raw.set_faults(vec![
        RawFault::SseFlood(b"event: update\ndata: ".to_vec()),
        RawFault::Sse(sse_event("delete", "6")),
    ]);
    let t = Timing {
        read_timeout: Duration::from_millis(300),
        ..timing()
    };
    let mut p = probe(&raw.base_url(), TransportChoice::Sse, t);
    let (_, reason) = p.reconnecting().await;
    assert!(reason.starts_with("no complete line for 0.3 s"), "{reason}");
    assert_eq!(p.event().await, delete("6"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_stream_of_whole_lines_is_alive() {
    // Heartbeats trickled a byte every 5 ms: each line completes in ~35 ms, well within the
    // 0.5 s deadline, though the whole body takes 1 s. Nothing is renewed; the event arrives.
    let mut body = b":thump\n".repeat(29);
    body.extend_from_slice(&sse_event("delete", "9"));
    let raw = RawServer::start(RawFault::SseTrickle {
        body,
        every: Duration::from_millis(5),
    })
    .await;
    let t = Timing {
        read_timeout: Duration::from_millis(500),
        ..timing()
    };
    let mut p = probe(&raw.base_url(), TransportChoice::Sse, t);
    assert_eq!(p.event().await, delete("9"));
    assert_eq!(p.reconnects(), 0, "{:#?}", p.states);
    assert_eq!(raw.accepted(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redirect_loops_are_bounded() {
    let server = FakeServer::start(Options::default()).await;
    server.set_fault(Fault::Redirect {
        status: 302,
        location: "{self}".into(),
    });
    // SSE (reqwest): at most 5 redirects per attempt, then a retry with backoff.
    let mut p = probe(&server.base_url(), TransportChoice::Sse, timing());
    for _ in 0..2 {
        let (_, reason) = p.reconnecting().await;
        assert!(reason.contains("more than 5 redirects"), "{reason}");
    }
    let path = "/api/v1/streaming/public";
    let asked = server.requests().iter().filter(|r| r.path == path).count();
    assert!(
        asked <= 3 * 6,
        "{asked} requests for 2 (or 3) attempts of 1 + 5 redirects"
    );
    server.set_fault(Fault::None);
    within("subscriber", server.wait_subscribers("public", 1)).await;
    server.publish("public", "delete", Some("10"));
    assert_eq!(p.event().await, delete("10"));

    // WebSocket: a handshake is never redirected; a 3xx means no socket here.
    server.set_fault(Fault::Redirect {
        status: 302,
        location: "{self}".into(),
    });
    let mut p = probe(&server.base_url(), TransportChoice::Ws, timing());
    let (reason, cause) = p.failure().await;
    assert_eq!(cause, FailureCause::NoStreaming);
    assert!(reason.contains("answered 302"), "{reason}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_revoked_mid_stream_ends_the_stream_without_retrying() {
    // SSE: Mastodon closes the streams of a revoked token; the reconnect meets 401.
    let server = FakeServer::start(Options::default()).await;
    let mut p = probe(&server.base_url(), TransportChoice::Sse, timing());
    within("subscriber", server.wait_subscribers("public", 1)).await;
    server.publish("public", "delete", Some("11"));
    assert_eq!(p.event().await, delete("11"));
    server.set_token("rotated");
    server.drop_connections();
    let (reason, cause) = p.failure().await;
    assert_eq!(cause, FailureCause::Revoked);
    assert!(reason.contains("401 Invalid access token"), "{reason}");
    let path = "/api/v1/streaming/public";
    let asked = server.requests().iter().filter(|r| r.path == path).count();
    assert_eq!(asked, 2, "one refused attempt, no retry loop");

    // WebSocket: the server says so in an error frame on the open socket.
    let server = FakeServer::start(Options::default()).await;
    let mut p = probe(&server.base_url(), TransportChoice::Ws, timing());
    within("subscriber", server.wait_subscribers("public", 1)).await;
    server.publish("public", "delete", Some("12"));
    assert_eq!(p.event().await, delete("12"));
    server.publish_raw("public", r#"{"error":"Invalid access token","status":401}"#);
    let (reason, cause) = p.failure().await;
    assert_eq!(cause, FailureCause::Revoked);
    assert!(reason.contains("Invalid access token"), "{reason}");
    assert_eq!(server.total_connections(), 1, "no retry loop");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_429_storm_is_met_with_the_pause_the_server_asks_for() {
    // Both transports at once: `Retry-After` counts in whole seconds.
    tokio::join!(
        storm_of_429(TransportChoice::Sse),
        storm_of_429(TransportChoice::Ws)
    );
}

async fn storm_of_429(transport: TransportChoice) {
    let server = FakeServer::start(Options::default()).await;
    server.set_fault(Fault::Status {
        status: 429,
        error: "Too many requests".into(),
        retry_after: Some(1),
    });
    // `Retry-After` is honoured up to the longest backoff: room for the second asked for,
    // while the first steps of the backoff itself stay at 5 and 10 ms.
    let t = Timing {
        backoff_max: Duration::from_secs(2),
        ..timing()
    };
    // Before the task starts: its first refusal may come before this thread runs again.
    let start = Instant::now();
    let mut p = probe(&server.base_url(), transport, t);
    for _ in 0..2 {
        let (after, reason) = p.reconnecting().await;
        assert!(after >= Duration::from_secs(1), "{after:?}: Retry-After: 1");
        assert!(reason.contains("429 Too many requests"), "{reason}");
    }
    // Two refusals with the pause asked for between them (backoff alone would wait at most
    // 10 ms), and no request in between.
    assert!(start.elapsed() >= Duration::from_secs(1));
    let path = match transport {
        TransportChoice::Sse => "/api/v1/streaming/public",
        _ => "/api/v1/streaming",
    };
    let asked = server.requests().iter().filter(|r| r.path == path).count();
    assert!((2..=3).contains(&asked), "{asked} requests in the storm");
    server.set_fault(Fault::None);
    within("subscriber", server.wait_subscribers("public", 1)).await;
    server.publish("public", "delete", Some("13"));
    assert_eq!(p.event().await, delete("13"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_errors_back_off_exponentially_with_jitter() {
    for transport in TRANSPORTS {
        let server = FakeServer::start(Options::default()).await;
        server.set_fault(Fault::Status {
            status: 503,
            error: "Service Unavailable".into(),
            retry_after: None,
        });
        let t = Timing {
            backoff_initial: Duration::from_millis(10),
            backoff_max: Duration::from_millis(160),
            ..timing()
        };
        let mut p = probe(&server.base_url(), transport, t);
        let mut delays = Vec::new();
        for attempt in 0..8u32 {
            let (after, reason) = p.reconnecting().await;
            assert!(reason.contains("503"), "{reason}");
            let ceiling = (Duration::from_millis(10) * (1 << attempt)).min(t.backoff_max);
            assert!(
                after <= ceiling,
                "attempt {attempt}: {after:?} > {ceiling:?}"
            );
            delays.push(after);
        }
        // The ceiling grew: later delays go past the first attempt's 10 ms (the chance that
        // five uniform draws below 80..160 ms all stay under 10 ms is ~1e-6).
        assert!(
            delays[3..].iter().any(|d| *d > Duration::from_millis(10)),
            "{delays:?}"
        );
        server.set_fault(Fault::None);
        within("subscriber", server.wait_subscribers("public", 1)).await;
        server.publish("public", "delete", Some("14"));
        assert_eq!(p.event().await, delete("14"));
        p.assert_never_failed();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hundreds_of_clients_come_back_spread_out_after_a_drop() {
    // 200 streams lose their server at once. Each picks its own delay in 0..1 s (full jitter
    // of the first attempt); they come back spread over that second, not in one burst.
    const CLIENTS: usize = 200;
    let server = FakeServer::start(Options::default()).await;
    let t = Timing {
        backoff_initial: Duration::from_secs(1),
        backoff_max: Duration::from_secs(1),
        ..timing()
    };
    let http = tootwatch::api::http_client(t.connect_timeout).unwrap();
    let base = server.base_url();
    let mut probes: Vec<Probe> = (0..CLIENTS)
        .map(|_| probe_with(http.clone(), &base, TransportChoice::Sse, t, "public", 8))
        .collect();
    within("every client", server.wait_subscribers("public", CLIENTS)).await;
    for p in &mut probes {
        p.live().await;
    }
    server.drop_connections();
    let mut delays = Vec::new();
    for p in &mut probes {
        delays.push(p.reconnecting().await.0);
    }
    within(
        "every client back",
        server.wait_subscribers("public", CLIENTS),
    )
    .await;
    let mut tenths = [0usize; 10];
    for d in &delays {
        tenths[((d.as_secs_f64() * 10.0) as usize).min(9)] += 1;
    }
    // 20 expected in each tenth of the second.
    assert!(tenths.iter().all(|n| *n <= 50), "{tenths:?}");
    assert!(tenths.iter().filter(|n| **n > 0).count() >= 9, "{tenths:?}");
    server.publish("public", "delete", Some("15"));
    for p in &mut probes {
        assert_eq!(p.event().await, delete("15"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stream_task_ends_with_its_receiver_even_on_a_quiet_connection() {
    // No event, no heartbeat and a 60 s read timeout: only the receiver's going away can end
    // the task (and free its socket) before the guard.
    for transport in TRANSPORTS {
        let server = FakeServer::start(Options {
            heartbeat: None,
            ..Options::default()
        })
        .await;
        let t = Timing {
            read_timeout: Duration::from_secs(60),
            ..timing()
        };
        let mut p = probe(&server.base_url(), transport, t);
        p.live().await;
        let Probe { rx, task, .. } = p;
        drop(rx);
        within("the task to end", task).await.unwrap();
        within(
            "the server to see it go",
            server.wait_subscribers_at_most("public", 0),
        )
        .await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tail_exits_3_once_when_the_token_is_revoked_mid_stream() {
    for transport in ["sse", "ws"] {
        let server = common::server(common::Flavor::Mastodon).await;
        let mut run = common::tootwatch(
            &server,
            &server.token(),
            &["tail", "--transport", transport, "public"],
        );
        within("subscriber", server.wait_subscribers("public", 1)).await;
        server.publish("public", "delete", Some("21"));
        assert_eq!(run.line().await, "[public] delete 21");
        if transport == "sse" {
            server.set_token("rotated");
            server.drop_connections();
        } else {
            server.publish_raw("public", r#"{"error":"Invalid access token","status":401}"#);
        }
        assert_eq!(run.exit_code().await, 3, "{transport}");
        let stderr = run.rest_of_stderr().await;
        let last = stderr.last().cloned().unwrap_or_default();
        assert!(
            last.starts_with("tootwatch: public: failed: the server refused the access token")
                && last.contains("revoked while streaming"),
            "{transport}: {stderr:?}"
        );
        let reconnects = stderr.iter().filter(|l| l.contains("reconnecting")).count();
        assert!(reconnects <= 1, "no retry loop: {stderr:?}");
        assert!(server.total_connections() <= 2, "{transport}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tail_reports_each_state_change_on_stderr_and_goes_on() {
    // The streaming host refuses connections, then comes up: tail says so, line by line.
    let server = common::server(common::Flavor::Mastodon).await;
    let port = closed_port();
    let streaming = format!("http://127.0.0.1:{port}");
    let mut run = common::tootwatch(
        &server,
        &server.token(),
        &[
            "tail",
            "--transport",
            "sse",
            "--streaming-url",
            &streaming,
            "--count",
            "1",
            "public",
        ],
    );
    let line = run.stderr_until("reconnecting in").await;
    assert!(
        line.starts_with("tootwatch: public: reconnecting in ") && line.contains("refused"),
        "{line}"
    );
    let streaming_server = FakeServer::start_on_port(Options::default(), port)
        .await
        .expect("the port is still free");
    assert_eq!(
        run.stderr_until(": live").await,
        "tootwatch: public: live (server-sent events)"
    );
    within("subscriber", streaming_server.wait_subscribers("public", 1)).await;
    streaming_server.publish("public", "delete", Some("22"));
    assert_eq!(run.line().await, "[public] delete 22");
    assert_eq!(run.exit_code().await, 0);
}
