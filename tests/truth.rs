//! What real servers do at the edges, through `tootwatch tail`: reordered deletes, reconnects
//! before anything was printed, posts published while disconnected (caught up once, in order,
//! past the catch-up's bound and through rate limits), streams a server cannot stream,
//! streams that stop delivering while their connection stays up. `tail` prints what the shared
//! live core admits.

#![allow(clippy::unwrap_used)] // test helpers: a panic is a failing test

mod common;

use std::path::PathBuf;

use common::*;
use fake_mastodon::r#gen;

/// A status created now (the generator's are years old), for catch-ups by time.
fn fresh_status(id: &str, text: &str) -> String {
    status_created_in(id, text, 0)
}

/// A status created `secs` from now.
fn status_created_in(id: &str, text: &str, secs: i64) -> String {
    let at = jiff::Timestamp::now()
        .checked_add(jiff::SignedDuration::from_secs(secs))
        .unwrap();
    serde_json::json!({
        "id": id,
        "created_at": at.to_string(),
        "content": format!("<p>{text}</p>"),
        "account": {"id": "1", "username": "alice", "acct": "alice"},
        "tags": [{"name": "rust"}],
    })
    .to_string()
}

/// The fast test config plus `extra` lines under `[transport]`.
/// The server goes away (its connections dropped, new ones refused with a 502) and `tail`
/// says it is reconnecting; `Fault::None` brings it back.
async fn away(server: &FakeServer, run: &mut Run) {
    server.set_fault(Fault::Status {
        status: 502,
        error: "bad gateway".into(),
        retry_after: None,
    });
    server.drop_connections();
    run.stderr_until("reconnecting").await;
}

fn config_with(dir: &tempfile::TempDir, extra: &str) -> PathBuf {
    let path = dir.path().join("truth.toml");
    std::fs::write(
        &path,
        format!(
            "[transport]\nbackoff_initial_secs = 0.05\nbackoff_max_secs = 0.2\nconnect_timeout_secs = 5\nhealthy_after_secs = 0.5\naccept_grace_secs = 0.2\n{extra}"
        ),
    )
    .unwrap();
    path
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reconnect_catches_up_streams_that_printed_nothing_yet() {
    for transport in ["sse", "ws"] {
        let server = server(Flavor::Mastodon).await;
        // `#old` has history at start (its newest id is the anchor); `#new` is empty (the
        // anchor is the moment tail started).
        let old = r#gen::status_with_tags(1, &["old"], "before tail started");
        server.store(&["hashtag:old"], &old);
        let mut run = tootwatch(
            &server,
            &server.token(),
            &[
                "tail",
                "--format",
                "json",
                "--count",
                "2",
                "--transport",
                transport,
                "#old",
                "#new",
            ],
        );
        for key in ["hashtag:old", "hashtag:new"] {
            within(key, server.wait_subscribers(key, 1)).await;
        }
        // Both start pages were read (the anchors exist) before anything was printed.
        for path in ["/api/v1/timelines/tag/old", "/api/v1/timelines/tag/new"] {
            within(path, server.wait_requests(path, 1)).await;
        }
        // Both streams went live (a WebSocket after its acceptance grace): what follows is a
        // reconnect, not a first connection.
        let mut live = 0;
        while live < 2 {
            live += usize::from(run.stderr_until(": live").await.contains("live"));
        }
        away(&server, &mut run).await;
        // Posted while tail was away: the streams will never send them.
        // (Dated now: had the start page been slow to answer, catching up goes by time.)
        let missed_old = status_created_in("113000000000000002", "missed on #old", 0);
        server.store(&["hashtag:old"], &missed_old);
        server.store(&["hashtag:new"], &fresh_status("990", "missed on #new"));
        server.set_fault(Fault::None);
        let mut got = [run.json_line().await, run.json_line().await];
        got.sort_by_key(|l| l["stream"].as_str().unwrap_or_default().to_string());
        assert_eq!(got[0]["stream"], "hashtag:new", "{transport}");
        assert_eq!(got[0]["payload"]["id"], "990");
        assert_eq!(got[1]["stream"], "hashtag:old");
        let expected: serde_json::Value = serde_json::from_str(&missed_old).unwrap();
        assert_eq!(got[1]["payload"]["id"], expected["id"]);
        assert_eq!(run.exit_code().await, 0);
        server.shutdown().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_status_deleted_before_its_update_arrives_is_never_printed() {
    for format in ["json", "text"] {
        let server = server(Flavor::Mastodon).await;
        let mut run = tootwatch(
            &server,
            &server.token(),
            &["tail", "--format", format, "--count", "3", "public"],
        );
        within("subscriber", server.wait_subscribers("public", 1)).await;
        let doomed = r#gen::status_json(7, 0);
        let id = serde_json::from_str::<serde_json::Value>(&doomed).unwrap()["id"]
            .as_str()
            .unwrap()
            .to_string();
        // The upstream server's order: the delete at once, the update and the edit after
        // their database check; a boost of it too.
        server.publish("public", "delete", Some(&id));
        server.publish("public", "update", Some(&doomed));
        server.publish("public", "status.update", Some(&doomed));
        let boost = serde_json::json!({
            "id": "990000000000000001", "created_at": "2026-12-01T12:00:00Z",
            "account": {"id": "9", "acct": "bob"},
            "reblog": serde_json::from_str::<serde_json::Value>(&doomed).unwrap(),
        });
        server.publish("public", "update", Some(&boost.to_string()));
        server.publish("public", "update", Some(&r#gen::status_json(8, 0)));
        server.publish("public", "delete", Some("1"));
        let lines = [run.line().await, run.line().await, run.line().await];
        assert_eq!(run.exit_code().await, 0);
        let updates: Vec<&String> = lines.iter().filter(|l| l.contains("update")).collect();
        assert_eq!(updates.len(), 1, "{format}: {lines:#?}");
        assert!(
            !updates[0].contains(&id),
            "{format}: printed back: {lines:#?}"
        );
        assert!(lines[0].contains("delete"), "{lines:#?}");
        server.shutdown().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_warn_filter_is_marked_and_a_hide_filter_hides() {
    let server = server(Flavor::Mastodon).await;
    server.set_filters(
        r#"[{"id": "1", "title": "Spoilers", "context": ["public"], "filter_action": "warn", "keywords": [{"keyword": "finale", "whole_word": true}]},
            {"id": "2", "title": "Crypto", "context": ["public"], "filter_action": "hide", "keywords": [{"keyword": "nft", "whole_word": true}]}]"#,
    );
    let mut run = tootwatch(
        &server,
        &server.token(),
        &["tail", "--count", "2", "public"],
    );
    within("subscriber", server.wait_subscribers("public", 1)).await;
    // The filters are fetched at start; the server also marks what it filtered.
    within("filters", server.wait_requests("/api/v2/filters", 1)).await;
    // (Titles as the server's filters have them: the same verdict before and after tail has
    // read the filters.)
    let marked = |id: &str, text: &str, filter: &str, title: &str, action: &str| {
        serde_json::json!({
            "id": id, "created_at": "2026-12-01T12:00:00Z", "content": format!("<p>{text}</p>"),
            "account": {"id": "1", "acct": "alice"},
            "filtered": [{"filter": {"id": filter, "title": title, "context": ["public"],
                "filter_action": action}, "keyword_matches": []}],
        })
        .to_string()
    };
    server.publish(
        "public",
        "update",
        Some(&marked("31", "buy my nft", "2", "Crypto", "hide")),
    );
    server.publish(
        "public",
        "update",
        Some(&marked("32", "the finale!", "1", "Spoilers", "warn")),
    );
    server.publish("public", "delete", Some("33"));
    let warned = run.line().await;
    assert!(
        warned.contains("32") && warned.contains("[filtered: Spoilers]"),
        "{warned}"
    );
    assert_eq!(run.line().await, "[public] delete 33");
    assert_eq!(run.exit_code().await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hashtag_gotosocial_cannot_stream_is_polled_and_says_so() {
    let server = server(Flavor::GoToSocial).await;
    let dir = tempfile::tempdir().unwrap();
    let config = config_with(&dir, "poll_secs = 0.2\n");
    let mut run = tootwatch(
        &server,
        &server.token(),
        &[
            "tail",
            "--config",
            config.to_str().unwrap(),
            "--format",
            "json",
            "--count",
            "1",
            "#rust",
        ],
    );
    let state = run.stderr_until("polling").await;
    assert!(
        state.contains("hashtag:rust: polling every 0.2 s (this server does not stream hashtags)"),
        "{state}"
    );
    // The start page set the anchor and a first poll came; what the tag timeline gets
    // afterwards is printed.
    within(
        "the start page and a poll",
        server.wait_requests("/api/v1/timelines/tag/rust", 2),
    )
    .await;
    server.store(&["hashtag:rust"], &fresh_status("990", "polled"));
    let line = run.json_line().await;
    assert_eq!(line["stream"], "hashtag:rust");
    assert_eq!(line["payload"]["id"], "990");
    assert_eq!(run.exit_code().await, 0);
    assert_eq!(
        server.connections("hashtag:rust"),
        0,
        "no socket opened for a stream the server never feeds"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stream_whose_posts_reach_only_rest_is_caught_and_polled_until_it_delivers() {
    let server = server(Flavor::Mastodon).await;
    let dir = tempfile::tempdir().unwrap();
    let config = config_with(&dir, "verify_secs = 0.5\npoll_secs = 0.2\n");
    let mut run = tootwatch(
        &server,
        &server.token(),
        &[
            "tail",
            "--config",
            config.to_str().unwrap(),
            "--format",
            "json",
            "--count",
            "4",
            "#rust",
        ],
    );
    within("subscriber", server.wait_subscribers("hashtag:rust", 1)).await;
    run.stderr_until("live").await;
    // The server takes posts into the tag timeline and never streams them (its streaming
    // side stopped; the connection stays up). They are dated a second ahead: verification
    // leaves alone what was created within its grace of the stream going live.
    for id in ["991", "992", "993"] {
        server.store(
            &["hashtag:rust"],
            &status_created_in(id, "only over REST", 1),
        );
    }
    let mut ids: Vec<String> = Vec::new();
    for _ in 0..3 {
        ids.push(
            run.json_line().await["payload"]["id"]
                .as_str()
                .unwrap()
                .to_string(),
        );
    }
    ids.sort();
    assert_eq!(ids, ["991", "992", "993"]);
    let state = run.stderr_until("not delivering").await;
    assert!(
        state.contains("hashtag:rust: not delivering: polling every 0.2 s"),
        "{state}"
    );
    // It delivers again: live, and the post prints once.
    server.publish(
        "hashtag:rust",
        "update",
        Some(&fresh_status("994", "streamed")),
    );
    assert_eq!(run.json_line().await["payload"]["id"], "994");
    let state = run.stderr_until("hashtag:rust").await;
    assert!(state.contains("live"), "{state}");
    assert_eq!(run.exit_code().await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_says_a_stream_the_server_cannot_stream_is_polled() {
    let server = server(Flavor::GoToSocial).await;
    let mut run = tootwatch(&server, &server.token(), &["check", "#rust", "user"]);
    let mut lines = Vec::new();
    while let Ok(Ok(Some(line))) = tokio::time::timeout(GUARD, run.stdout.next_line()).await {
        lines.push(line);
    }
    assert_eq!(run.exit_code().await, 0, "{lines:#?}");
    let tag = lines
        .iter()
        .find(|l| l.contains("hashtag:rust"))
        .unwrap_or_else(|| panic!("{lines:#?}"));
    assert!(tag.starts_with("NOTE"), "{tag}");
    assert!(
        tag.contains("this server does not stream hashtags; polled over REST every 60 s"),
        "{tag}"
    );
    let user = lines.iter().find(|l| l.contains(" user:")).unwrap();
    assert!(user.starts_with("OK"), "{user}");
    assert_eq!(server.connections("hashtag:rust"), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_c_closes_websockets_with_a_close_frame() {
    let server = server(Flavor::Mastodon).await;
    let mut run = tootwatch(
        &server,
        &server.token(),
        &["tail", "--transport", "ws", "public", "#rust"],
    );
    for key in ["public", "hashtag:rust"] {
        within(key, server.wait_subscribers(key, 1)).await;
    }
    // Both sockets are past their handshake (a socket still opening has nothing to close).
    let mut live = 0;
    while live < 2 {
        live += usize::from(run.stderr_until(": live").await.contains("live"));
    }
    let pid = run.child.id().expect("running").to_string();
    let sent = std::process::Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .unwrap();
    assert!(sent.success());
    assert_eq!(run.exit_code().await, 0);
    within("both close frames", server.wait_close_frames(2)).await;
    assert!(server.close_frames().iter().all(|code| *code == Some(1000)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forcing_a_transport_the_server_lacks_suggests_the_other_one() {
    // GoToSocial streams over WebSocket only.
    let server = server(Flavor::GoToSocial).await;
    let mut run = tootwatch(
        &server,
        &server.token(),
        &["tail", "--transport", "sse", "user"],
    );
    let line = run.stderr_until("user: failed").await;
    assert!(line.contains("try --transport auto"), "{line}");
    assert!(!line.contains("--streaming-url"), "{line}");
    assert_eq!(run.exit_code().await, 1, "{line}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_maintenance_page_is_reported_by_its_title_and_waited_out_briefly() {
    for transport in ["sse", "ws"] {
        let server = server(Flavor::Mastodon).await;
        server.set_fault(Fault::Maintenance);
        let mut run = tootwatch(
            &server,
            &server.token(),
            &["tail", "--count", "1", "--transport", transport, "public"],
        );
        let line = run.stderr_until("reconnecting").await;
        assert!(
            line.contains(fake_mastodon::MAINTENANCE_TITLE),
            "{transport}: {line}"
        );
        assert!(!line.contains('<'), "{transport}: markup leaked: {line}");
        // Retry-After: 120 is capped at the longest backoff (0.2 s in the test config).
        assert!(!line.contains("min"), "{transport}: {line}");
        server.set_fault(Fault::None);
        within("subscriber", server.wait_subscribers("public", 1)).await;
        server.publish("public", "delete", Some("5"));
        assert_eq!(run.line().await, "[public] delete 5");
        assert_eq!(run.exit_code().await, 0);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn posts_published_while_disconnected_are_caught_up_once_and_in_order() {
    for transport in ["sse", "ws"] {
        let server = server(Flavor::Mastodon).await;
        let mut run = tootwatch(
            &server,
            &server.token(),
            &[
                "tail",
                "--format",
                "json",
                "--count",
                "8",
                "--transport",
                transport,
                "#rust",
            ],
        );
        within("subscriber", server.wait_subscribers("hashtag:rust", 1)).await;
        let status = |n: u64| r#gen::status_with_tags(n, &["rust"], &format!("post {n}"));
        let expect = |n: u64| {
            serde_json::from_str::<serde_json::Value>(&status(n)).unwrap()["id"]
                .as_str()
                .unwrap()
                .to_string()
        };
        server.post(&["hashtag:rust"], &status(1));
        assert_eq!(run.json_line().await["payload"]["id"], expect(1));
        // Refuse new connections, drop the live one, publish over REST only.
        server.set_fault(Fault::Status {
            status: 503,
            error: "down".into(),
            retry_after: Some(0),
        });
        server.drop_connections();
        run.stderr_until("reconnecting").await;
        for n in 2..=6 {
            server.store(&["hashtag:rust"], &status(n));
        }
        // The catch-up is slow: a post comes live while it is on its way.
        let asked = server
            .requests()
            .iter()
            .filter(|r| r.path == "/api/v1/timelines/tag/rust")
            .count();
        server.hold_timelines(true);
        server.set_fault(Fault::None);
        within("resubscription", server.wait_subscribers("hashtag:rust", 1)).await;
        within(
            "the catch-up",
            server.wait_requests("/api/v1/timelines/tag/rust", asked + 1),
        )
        .await;
        publish_until_taken(&server, "hashtag:rust", "update", &status(7)).await;
        server.hold_timelines(false);
        let mut ids = Vec::new();
        for _ in 0..6 {
            let line = run.json_line().await;
            ids.push(line["payload"]["id"].as_str().unwrap().to_string());
        }
        assert_eq!(
            ids,
            (2..=7).map(expect).collect::<Vec<_>>(),
            "every missed post once, oldest first, then the live one ({transport})"
        );
        server.post(&["hashtag:rust"], &status(8));
        let last = run.json_line().await;
        assert_eq!(last["payload"]["id"], expect(8));
        assert_eq!(run.exit_code().await, 0);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn catch_up_goes_on_past_its_bound_in_order_and_waits_out_rate_limits() {
    let server = server(Flavor::Mastodon).await;
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("bound.toml");
    std::fs::write(
        &config,
        "[transport]\nbackoff_initial_secs = 0.05\nbackoff_max_secs = 0.2\n[limits]\ncatch_up_posts = 3\n",
    )
    .unwrap();
    let config_arg = config.to_str().unwrap();
    let mut run = tootwatch(
        &server,
        &server.token(),
        &[
            "tail",
            "--config",
            config_arg,
            "--format",
            "json",
            "--count",
            "11",
            "--transport",
            "sse",
            "public:local",
        ],
    );
    within("subscriber", server.wait_subscribers("public:local", 1)).await;
    let id = |n: u64| {
        serde_json::from_str::<serde_json::Value>(&r#gen::status_json(n, 0)).unwrap()["id"]
            .as_str()
            .unwrap()
            .to_string()
    };
    server.post(&["public:local"], &r#gen::status_json(1, 0));
    assert_eq!(run.json_line().await["payload"]["id"], id(1));
    away(&server, &mut run).await;
    for n in 2..=10 {
        server.store(&["public:local"], &r#gen::status_json(n, 0));
    }
    // Catch-up requests are refused with 429 and Retry-After: 1 until lifted. A second request
    // can only come after the first was refused and its Retry-After waited out. (The timeline
    // was read at start too, for the anchor, before the stream dropped.)
    let before = server
        .requests()
        .iter()
        .filter(|r| r.path == "/api/v1/timelines/public")
        .count();
    server.set_rate_limit(Some((0, std::time::Duration::from_secs(60), 1)));
    server.set_fault(Fault::None);
    within(
        "a retried catch-up",
        server.wait_timeline_requests(before + 2),
    )
    .await;
    server.set_rate_limit(None);
    let got: Vec<String> = {
        let mut v = Vec::new();
        for _ in 2..=10 {
            v.push(
                run.json_line().await["payload"]["id"]
                    .as_str()
                    .unwrap()
                    .to_string(),
            );
        }
        v
    };
    // Each catch-up takes 3 (the bound); tail goes on from where one stopped until nothing
    // missed is left, in order.
    assert_eq!(
        got,
        (2..=10).map(id).collect::<Vec<_>>(),
        "every missed post, in order, past the bound"
    );
    server.post(&["public:local"], &r#gen::status_json(11, 0));
    assert_eq!(run.json_line().await["payload"]["id"], id(11));
    assert_eq!(run.exit_code().await, 0);
    let catch_ups = server
        .requests()
        .into_iter()
        .filter(|r| r.path == "/api/v1/timelines/public")
        .count();
    assert!(catch_ups >= 2, "the 429 was retried: {catch_ups} requests");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn direct_messages_missed_while_away_are_caught_up_once() {
    let server = server(Flavor::Mastodon).await;
    let mut run = tootwatch(
        &server,
        &server.token(),
        &["tail", "--format", "json", "--count", "2", "direct"],
    );
    within("subscriber", server.wait_subscribers("direct", 1)).await;
    run.stderr_until(": live").await;
    server.post(&["direct"], &fresh_status("500", "before"));
    let first = run.json_line().await;
    assert_eq!(first["event"], "conversation");
    assert_eq!(first["payload"]["last_status"]["id"], "500");
    away(&server, &mut run).await;
    // Sent while tail was away: the stream will never carry it.
    server.store(&["direct"], &fresh_status("501", "while away"));
    server.set_fault(Fault::None);
    // The catch-up brings the missed one, and not the one printed before again.
    let second = run.json_line().await;
    assert_eq!(second["stream"], "direct");
    assert_eq!(second["event"], "conversation");
    assert_eq!(second["payload"]["last_status"]["id"], "501");
    assert_eq!(run.exit_code().await, 0);
    server.shutdown().await;
}
