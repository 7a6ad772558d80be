//! "Live" means the server is delivering, not that a socket is open: a WebSocket is live once
//! the server kept the subscription (a first frame, or the grace period without an error
//! frame); a refusal on the open socket is shown in the server's words and is never called a
//! revocation unless the token had streamed events; refusal pages are reduced to one line;
//! `Retry-After` and the backoff serve the user; a socket is closed politely on exit.
//!
//! Through the supervisor (`spawn_stream`) and through the binary where the user sees it
//! (`tail`, `check`). The only waits are on states, events and the fake server's counters;
//! durations come from `Timing` or the fast config.

mod common;
mod probe;

use std::time::{Duration, Instant};

use common::{Flavor, within};
use fake_mastodon::faults::{RawFault, RawServer};
use fake_mastodon::{FakeServer, Fault, MAINTENANCE_TITLE, Options};
use probe::*;
use tootwatch::stream::{ConnectionState, FailureCause, Timing, TransportChoice};

const NO_SCOPE: &str = "Access token does not have the required scopes";

fn refuse_scope() -> Fault {
    Fault::RefuseAfterUpgrade {
        status: 401,
        error: NO_SCOPE.into(),
    }
}

fn quiet_server() -> Options {
    Options {
        heartbeat: None,
        ..Options::default()
    }
}

fn went_live(p: &Probe) -> bool {
    p.states
        .iter()
        .any(|s| matches!(s, ConnectionState::Live { .. }))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_websocket_is_live_only_after_the_grace() {
    // No event, no ping: only the grace period without an error frame makes it live.
    let server = FakeServer::start(quiet_server()).await;
    let t = Timing {
        accept_grace: Duration::from_millis(300),
        ..timing()
    };
    let start = Instant::now();
    let mut p = probe(&server.base_url(), TransportChoice::Ws, t);
    within("the upgrade", server.wait_connections("public", 1)).await;
    p.live().await;
    assert!(
        start.elapsed() >= t.accept_grace,
        "live after {:?}, before the grace ended",
        start.elapsed()
    );
    server.publish("public", "delete", Some("1"));
    assert_eq!(p.event().await, delete("1"));
    p.assert_never_failed();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_first_ping_or_event_makes_a_websocket_live_at_once() {
    let long_grace = Timing {
        accept_grace: Duration::from_secs(10),
        ..timing()
    };
    // A ping.
    let server = FakeServer::start(Options {
        heartbeat: Some(Duration::from_millis(30)),
        ..Options::default()
    })
    .await;
    let start = Instant::now();
    let mut p = probe(&server.base_url(), TransportChoice::Ws, long_grace);
    p.live().await;
    assert!(start.elapsed() < long_grace.accept_grace);

    // An event: live first, then the event.
    let server = FakeServer::start(quiet_server()).await;
    let start = Instant::now();
    let mut p = probe(&server.base_url(), TransportChoice::Ws, long_grace);
    within("subscriber", server.wait_subscribers("public", 1)).await;
    server.publish("public", "delete", Some("2"));
    assert_eq!(p.event().await, delete("2"));
    assert!(start.elapsed() < long_grace.accept_grace);
    assert!(
        matches!(p.states.last(), Some(ConnectionState::Live { .. })),
        "{:#?}",
        p.states
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_without_the_scope_is_refused_in_the_servers_words_not_revoked() {
    // WebSocket: the upgrade succeeds, then an error frame (and pings, which must not count).
    let server = FakeServer::start(Options {
        heartbeat: Some(Duration::from_millis(20)),
        ..Options::default()
    })
    .await;
    server.set_fault(refuse_scope());
    let mut p = probe(&server.base_url(), TransportChoice::Ws, timing());
    let (reason, cause) = p.failure().await;
    assert_eq!(cause, FailureCause::Credentials);
    assert_eq!(
        reason,
        format!("the server refused the access token for this stream ({NO_SCOPE})")
    );
    assert!(!went_live(&p), "{:#?}", p.states);
    assert_eq!(server.total_connections(), 1, "no retry");
    // The socket the server left open is closed, not abandoned.
    within("the close frame", server.wait_close_frames(1)).await;
    assert_eq!(server.close_frames(), vec![Some(1000)]);

    // Server-sent events: the same refusal before streaming starts.
    let server = FakeServer::start(Options::default()).await;
    server.set_fault(refuse_scope());
    let mut p = probe(&server.base_url(), TransportChoice::Sse, timing());
    let (reason, cause) = p.failure().await;
    assert_eq!(cause, FailureCause::Credentials);
    assert!(reason.contains(NO_SCOPE), "{reason}");
    assert!(!went_live(&p), "{:#?}", p.states);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_list_that_is_not_ours_is_a_refused_stream_on_both_transports() {
    let server = FakeServer::start(Options::default()).await;
    for transport in TRANSPORTS {
        let mut p = probe_stream(&server.base_url(), transport, timing(), "list:99", 8);
        let (reason, cause) = p.failure().await;
        assert_eq!(
            cause,
            FailureCause::StreamRefused,
            "{transport:?}: {reason}"
        );
        assert!(
            reason.starts_with("the server refused the stream (")
                && reason.contains("Not authorized to stream this list"),
            "{reason}"
        );
        assert!(!went_live(&p), "{:#?}", p.states);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_stream_type_on_the_socket_is_a_refused_stream() {
    let raw = RawServer::start(RawFault::Ws(vec![
        r#"{"error":"Unknown stream type","status":400}"#.into(),
    ]))
    .await;
    let mut p = probe(&raw.base_url(), TransportChoice::Ws, timing());
    let (reason, cause) = p.failure().await;
    assert_eq!(cause, FailureCause::StreamRefused);
    assert_eq!(
        reason,
        "the server refused the stream (Unknown stream type)"
    );
    assert!(!went_live(&p), "{:#?}", p.states);
    assert_eq!(raw.accepted(), 1, "no retry");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_refused_after_going_live_without_events_is_not_called_revoked() {
    // WebSocket: live by the grace period, then refused on the same socket (a slow check).
    let server = FakeServer::start(quiet_server()).await;
    let mut p = probe(&server.base_url(), TransportChoice::Ws, timing());
    p.live().await;
    server.publish_raw("public", r#"{"error":"Invalid access token","status":401}"#);
    let (reason, cause) = p.failure().await;
    assert_eq!(cause, FailureCause::Credentials, "{reason}");
    assert!(reason.contains("Invalid access token"), "{reason}");

    // Server-sent events: live, dropped, and the reconnect refused; nothing was delivered.
    let server = FakeServer::start(Options::default()).await;
    let mut p = probe(&server.base_url(), TransportChoice::Sse, timing());
    p.live().await;
    server.set_token("rotated");
    server.drop_connections();
    let (reason, cause) = p.failure().await;
    assert_eq!(cause, FailureCause::Credentials, "{reason}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_refused_on_a_reconnect_after_events_is_revoked() {
    // The events came on an earlier connection; the refusal is the reconnect's 401.
    let server = FakeServer::start(Options::default()).await;
    let mut p = probe(&server.base_url(), TransportChoice::Ws, timing());
    within("subscriber", server.wait_subscribers("public", 1)).await;
    server.publish("public", "delete", Some("3"));
    assert_eq!(p.event().await, delete("3"));
    server.set_token("rotated");
    server.drop_connections();
    let (reason, cause) = p.failure().await;
    assert_eq!(cause, FailureCause::Revoked, "{reason}");
    assert!(reason.contains("401 Invalid access token"), "{reason}");
    assert_eq!(
        server.total_connections(),
        1,
        "the refused upgrade opened nothing"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_starting_server_is_waited_for_no_longer_than_the_longest_backoff() {
    // 503 with a chunked HTML page and `Retry-After: 120`: the reason is the page's title,
    // and the pause is the longest backoff (0.3 s), not two minutes.
    for transport in TRANSPORTS {
        let server = FakeServer::start(Options::default()).await;
        server.set_fault(Fault::Maintenance);
        let t = Timing {
            backoff_max: Duration::from_millis(300),
            ..timing()
        };
        let mut p = probe(&server.base_url(), transport, t);
        let (after, reason) = p.reconnecting().await;
        assert_eq!(
            reason,
            // The title starts with the status: said once.
            format!("the server answered {MAINTENANCE_TITLE}"),
            "{transport:?}"
        );
        assert_eq!(after, t.backoff_max, "{transport:?}");
        server.set_fault(Fault::None);
        within("subscriber", server.wait_subscribers("public", 1)).await;
        server.publish("public", "delete", Some("4"));
        assert_eq!(p.event().await, delete("4"));
        p.assert_never_failed();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_that_delivered_events_resets_the_backoff() {
    // Eight refusals raise the ceiling to 1.28 s; then a connection delivers an event and
    // drops long before `healthy_after`. The next delay is from the first step (5 ms).
    for transport in TRANSPORTS {
        let server = FakeServer::start(Options::default()).await;
        server.set_fault(Fault::Status {
            status: 503,
            error: "Service Unavailable".into(),
            retry_after: None,
        });
        let t = Timing {
            backoff_max: Duration::from_secs(10),
            healthy_after: Duration::from_secs(60),
            ..timing()
        };
        let mut p = probe(&server.base_url(), transport, t);
        for _ in 0..8 {
            p.reconnecting().await;
        }
        server.set_fault(Fault::None);
        within("subscriber", server.wait_subscribers("public", 1)).await;
        server.publish("public", "delete", Some("5"));
        assert_eq!(p.event().await, delete("5"));
        server.drop_connections();
        let (after, reason) = p.reconnecting().await;
        assert!(
            after <= t.backoff_initial,
            "{transport:?}: {after:?} after a connection that delivered ({reason})"
        );
        within("the reconnect", server.wait_connections("public", 2)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_websocket_says_goodbye_when_its_consumer_quits() {
    let server = FakeServer::start(quiet_server()).await;
    let mut p = probe(&server.base_url(), TransportChoice::Ws, timing());
    within("subscriber", server.wait_subscribers("public", 1)).await;
    server.publish("public", "delete", Some("6"));
    assert_eq!(p.event().await, delete("6"));
    let Probe { rx, task, .. } = p;
    drop(rx);
    within("the task to end", task).await.unwrap();
    within("the close frame", server.wait_close_frames(1)).await;
    assert_eq!(server.close_frames(), vec![Some(1000)]);
    within(
        "the server to see it go",
        server.wait_subscribers_at_most("public", 0),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tail_exits_3_with_the_servers_words_when_the_token_lacks_the_scope() {
    let server = common::server(Flavor::Mastodon).await;
    server.set_fault(refuse_scope());
    let mut run = common::tootwatch(&server, &server.token(), &["tail", "public"]);
    assert_eq!(run.exit_code().await, 3);
    let stderr = run.rest_of_stderr().await;
    assert!(
        !stderr.iter().any(|l| l.contains(": live")),
        "never live: {stderr:?}"
    );
    let last = stderr.last().cloned().unwrap_or_default();
    assert!(
        last.starts_with(&format!(
            "tootwatch: public: failed: the server refused the access token for this stream ({NO_SCOPE}); sign in again"
        )),
        "{stderr:?}"
    );
    assert!(!last.contains("revoked"), "{last}");
}

/// `tootwatch check ARGS` to its end: stdout lines and the exit code.
async fn check(server: &FakeServer, args: &[&str]) -> (Vec<String>, i32) {
    let mut all = vec!["check"];
    all.extend_from_slice(args);
    common::tootwatch(server, &server.token(), &all)
        .all_lines_and_exit()
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_fails_a_stream_refused_after_the_upgrade() {
    let server = common::server(Flavor::Mastodon).await;
    server.set_fault(refuse_scope());
    let (lines, code) = check(&server, &["public"]).await;
    assert_eq!(code, 3, "{lines:#?}");
    assert_eq!(
        lines.last().map(String::as_str),
        Some(
            format!(
                "FAIL stream     public: the server refused the access token for this stream ({NO_SCOPE})"
            )
            .as_str()
        ),
        "{lines:#?}"
    );
    assert!(lines[1].starts_with("OK   token"), "{lines:#?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_says_where_the_streaming_url_came_from() {
    // Advertised and unreachable: the instance itself is used, and said to be.
    let server = FakeServer::start(Options {
        advertised_streaming_url: Some("wss://127.0.0.1:1".into()),
        ..Options::default()
    })
    .await;
    let (lines, code) = check(&server, &["public"]).await;
    assert_eq!(code, 0, "{lines:#?}");
    assert_eq!(
        lines[2],
        format!(
            "OK   streaming  {}/ (the instance itself; the advertised URL did not answer), health OK",
            server.base_url()
        ),
        "{lines:#?}"
    );

    // Advertised as plain http to another machine: never asked, the token stays off it.
    let server = FakeServer::start(Options {
        advertised_streaming_url: Some("ws://192.0.2.2:9".into()),
        ..Options::default()
    })
    .await;
    let (lines, code) = check(&server, &["public"]).await;
    assert_eq!(code, 0, "{lines:#?}");
    assert_eq!(
        lines[2],
        format!(
            "OK   streaming  {}/ (the instance itself; ignored the advertised URL: `ws://192.0.2.2:9` is not https, and the token would cross the network unencrypted), health OK",
            server.base_url()
        ),
        "{lines:#?}"
    );

    // Advertised on another host that answers: that host.
    let streaming = FakeServer::start(Options::default()).await;
    let server = FakeServer::start(Options {
        advertised_streaming_url: Some(streaming.ws_url()),
        ..Options::default()
    })
    .await;
    let (lines, code) = check(&server, &["public"]).await;
    assert_eq!(code, 0, "{lines:#?}");
    assert_eq!(
        lines[2],
        format!(
            "OK   streaming  {}/ (advertised), health OK",
            streaming.base_url()
        ),
        "{lines:#?}"
    );
}
