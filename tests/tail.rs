//! `tootwatch tail` against the fake server: every STREAM kind over both transports,
//! reconnects, deadlines, fallbacks and the output contract of docs/cli.md. (Catching up on
//! what a reconnect missed is in truth.rs; refusals and usage errors in tail_errors.rs.)

#![allow(clippy::unwrap_used)] // test helpers: a panic is a failing test

mod common;

use common::*;
use fake_mastodon::r#gen;

/// (what the user types, the server's stream key, the long form tail prints)
const KINDS: &[(&str, &str, &str)] = &[
    ("user", "user", "user"),
    (
        "user:notification",
        "user:notification",
        "user:notification",
    ),
    ("public", "public", "public"),
    ("public:local", "public:local", "public:local"),
    ("public:remote", "public:remote", "public:remote"),
    ("public:media", "public:media", "public:media"),
    (
        "public:local:media",
        "public:local:media",
        "public:local:media",
    ),
    ("direct", "direct", "direct"),
    ("#rust", "hashtag:rust", "hashtag:rust"),
    (
        "hashtag:local:rust",
        "hashtag:local:rust",
        "hashtag:local:rust",
    ),
    ("list:42", "list:42", "list:42"),
];

async fn every_stream_kind(transport: &str) {
    let server = server(Flavor::Mastodon).await;
    let mut args = vec!["tail", "--format", "json", "--transport", transport];
    let count = (KINDS.len() * 2).to_string();
    args.extend(["--count", &count]);
    args.extend(KINDS.iter().map(|k| k.0));
    let mut run = tootwatch(&server, &server.token(), &args);
    for (_, key, _) in KINDS {
        within(key, server.wait_subscribers(key, 1)).await;
    }
    for (i, (_, key, long)) in KINDS.iter().enumerate() {
        let n = i as u64;
        let (event, payload) = match *key {
            "user:notification" => ("notification", r#gen::notification_json(n, "mention")),
            "direct" => ("conversation", r#gen::conversation_json(n)),
            _ => ("update", r#gen::status_json(n, 1500)),
        };
        assert_eq!(server.publish(key, event, Some(&payload)), 1);
        let line = run.json_line().await;
        assert_eq!(line["stream"], *long, "{line}");
        assert_eq!(line["event"], event);
        let expected: serde_json::Value = serde_json::from_str(&payload).unwrap();
        assert_eq!(
            line["payload"], expected,
            "the payload is the decoded JSON value"
        );

        let id = format!("11300000000000{i:04}");
        server.publish(key, "delete", Some(&id));
        let line = run.json_line().await;
        assert_eq!(line["event"], "delete");
        assert_eq!(line["payload"], serde_json::Value::String(id));
    }
    assert_eq!(run.exit_code().await, 0, "--count reached is a normal end");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_stream_kind_over_server_sent_events() {
    every_stream_kind("sse").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_stream_kind_over_websocket() {
    every_stream_kind("ws").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_token_travels_in_a_header_never_in_a_url() {
    let server = server(Flavor::Mastodon).await;
    for transport in ["sse", "ws"] {
        let mut run = tootwatch(
            &server,
            &server.token(),
            &["tail", "--count", "1", "--transport", transport, "public"],
        );
        within("subscriber", server.wait_subscribers("public", 1)).await;
        server.publish("public", "delete", Some("1"));
        assert_eq!(run.line().await, "[public] delete 1");
        assert_eq!(run.exit_code().await, 0);
        // Else the next run's wait could be met by this run's subscription, not yet gone.
        within("unsubscribed", server.wait_subscribers_at_most("public", 0)).await;
    }
    let requests = server.requests();
    let streaming: Vec<_> = requests
        .iter()
        .filter(|r| r.path.starts_with("/api/v1/streaming"))
        .collect();
    assert!(streaming.len() >= 2);
    for r in &requests {
        assert!(
            !r.query.as_deref().unwrap_or("").contains("access_token"),
            "token in a URL: {r:?}"
        );
        let ua = r.header("user-agent").unwrap_or("");
        assert!(ua.starts_with("tootwatch/"), "User-Agent: {ua}");
    }
    for r in streaming {
        assert_eq!(
            r.header("authorization"),
            Some(format!("Bearer {}", server.token()).as_str())
        );
    }
}

async fn reconnects_after_a_drop(transport: &str) {
    let server = server(Flavor::Mastodon).await;
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
            "#rust",
        ],
    );
    within(
        "first subscription",
        server.wait_subscribers("hashtag:rust", 1),
    )
    .await;
    server.publish("hashtag:rust", "update", Some(&r#gen::status_json(1, 1500)));
    assert_eq!(run.json_line().await["event"], "update");

    server.drop_connections();
    run.stderr_until("reconnecting").await;
    within(
        "second connection",
        server.wait_connections("hashtag:rust", 2),
    )
    .await;
    within("resubscription", server.wait_subscribers("hashtag:rust", 1)).await;
    run.stderr_until("live").await;
    server.publish("hashtag:rust", "delete", Some("77"));
    let line = run.json_line().await;
    assert_eq!(line["payload"], "77");
    assert_eq!(run.exit_code().await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reconnects_after_a_drop_over_sse() {
    reconnects_after_a_drop("sse").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reconnects_after_a_drop_over_websocket() {
    reconnects_after_a_drop("ws").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_connection_is_renewed_after_the_read_timeout() {
    for transport in ["sse", "ws"] {
        let server = server(Flavor::Mastodon).await;
        server.set_fault(Fault::Stall);
        let mut run = tootwatch(
            &server,
            &server.token(),
            &[
                "tail",
                "--read-timeout",
                "0.3",
                "--transport",
                transport,
                "--count",
                "1",
                "public",
            ],
        );
        let line = run.stderr_until("reconnecting").await;
        assert!(line.contains("nothing arrived for 0.3 s"), "{line}");
        server.set_fault(Fault::None);
        run.stderr_until("live").await;
        publish_until_taken(&server, "public", "delete", "5").await;
        assert_eq!(run.line().await, "[public] delete 5");
        assert_eq!(run.exit_code().await, 0);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_events_pass_through_and_bad_payloads_are_skipped() {
    let server = server(Flavor::Mastodon).await;
    let mut run = tootwatch(
        &server,
        &server.token(),
        &["tail", "--format", "json", "--count", "3", "user"],
    );
    within("subscriber", server.wait_subscribers("user", 1)).await;
    server.publish("user", "something.new", Some(r#"{"x":1}"#));
    server.publish("user", "update", Some("{this is not json"));
    server.publish("user", "update", Some("[1,2,3]"));
    server.publish("user", "filters_changed", None);
    server.publish("user", "update", Some(&r#gen::status_json(3, 2000)));
    let l = run.json_line().await;
    assert_eq!(l["event"], "something.new");
    assert_eq!(l["payload"]["x"], 1);
    let l = run.json_line().await;
    assert_eq!(l["event"], "filters_changed");
    assert_eq!(l["payload"], serde_json::Value::Null);
    let l = run.json_line().await;
    assert_eq!(l["event"], "update");
    assert_eq!(run.exit_code().await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_oversized_event_is_dropped_and_the_stream_goes_on() {
    let server = server(Flavor::Mastodon).await;
    let mut run = tootwatch(
        &server,
        &server.token(),
        &["tail", "--transport", "sse", "--count", "1", "public"],
    );
    within("subscriber", server.wait_subscribers("public", 1)).await;
    let huge = format!("event: update\ndata: {}\n\n", "x".repeat(5 << 20));
    server.publish_raw("public", &huge);
    server.publish("public", "delete", Some("6"));
    assert_eq!(run.line().await, "[public] delete 6");
    assert_eq!(run.exit_code().await, 0);
}

#[cfg(target_os = "linux")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pipe_on_stdout_is_widened_for_a_firehose() {
    // A user past the system's pages for pipes (or a lowered pipe-max-size) gets no wider
    // pipe, from tail or from anyone: nothing to check there.
    let (_, probe) = rustix::pipe::pipe().unwrap();
    if let Err(e) = rustix::pipe::fcntl_setpipe_size(&probe, 1 << 20) {
        eprintln!("skipped: this system widens no pipe to 1 MiB ({e})");
        return;
    }
    let server = server(Flavor::Mastodon).await;
    let mut run = tootwatch(
        &server,
        &server.token(),
        &["tail", "--transport", "sse", "--count", "1", "public"],
    );
    within("subscriber", server.wait_subscribers("public", 1)).await;
    server.publish("public", "delete", Some("6"));
    assert_eq!(run.line().await, "[public] delete 6");
    let pipe = run.stdout.get_ref().get_ref();
    let size = rustix::pipe::fcntl_getpipe_size(pipe).unwrap();
    assert!(size >= 1 << 20, "stdout's pipe holds {size} bytes");
    assert_eq!(run.exit_code().await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn merged_streams_print_a_status_once() {
    let server = server(Flavor::Mastodon).await;
    let mut run = tootwatch(
        &server,
        &server.token(),
        &["tail", "--format", "json", "--count", "2", "#rust,#tokio"],
    );
    within("rust", server.wait_subscribers("hashtag:rust", 1)).await;
    within("tokio", server.wait_subscribers("hashtag:tokio", 1)).await;
    let both = r#gen::status_with_tags(10, &["rust", "tokio"], "both tags");
    server.publish("hashtag:rust", "update", Some(&both));
    server.publish("hashtag:tokio", "update", Some(&both));
    server.publish(
        "hashtag:tokio",
        "update",
        Some(&r#gen::status_with_tags(11, &["tokio"], "one")),
    );
    let first = run.json_line().await;
    let second = run.json_line().await;
    assert_ne!(first["payload"]["id"], second["payload"]["id"]);
    assert_eq!(run.exit_code().await, 0);
}

/// `--match all` prints a merged group's posts that carry every one of its tags, and
/// `--without-tag` leaves out those carrying one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_merged_groups_posts_can_need_all_its_tags_and_leave_some_out() {
    let server = server(Flavor::Mastodon).await;
    let args = [
        "tail",
        "--count",
        "1",
        "--match",
        "all",
        "--without-tag",
        "crypto",
        "#rust,#tokio",
    ];
    let mut run = tootwatch(&server, &server.token(), &args);
    within("rust", server.wait_subscribers("hashtag:rust", 1)).await;
    within("tokio", server.wait_subscribers("hashtag:tokio", 1)).await;
    let post = |id, tags: &[&str], text| r#gen::status_with_tags(id, tags, text);
    // All on one stream, in order: what is left out comes first.
    let one = post(20, &["tokio"], "only tokio");
    server.publish("hashtag:tokio", "update", Some(&one));
    let coins = post(21, &["rust", "tokio", "crypto"], "coins");
    server.publish("hashtag:tokio", "update", Some(&coins));
    let both = post(22, &["rust", "tokio"], "both tags");
    server.publish("hashtag:tokio", "update", Some(&both));
    let line = run.line().await;
    assert!(line.contains("both tags"), "{line}");
    assert_eq!(run.exit_code().await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_closed_stderr_does_not_end_the_run() {
    // `tail … 2>&1 | head -1`: the reader of stderr is gone before `live` is said.
    let server = server(Flavor::Mastodon).await;
    let run = tootwatch(
        &server,
        &server.token(),
        &["tail", "--count", "1", "public"],
    );
    let Run {
        mut child,
        mut stdout,
        stderr,
        dir: _dir,
    } = run;
    drop(stderr);
    within("the subscription", server.wait_subscribers("public", 1)).await;
    server.publish(
        "public",
        "update",
        Some(&r#gen::status_with_tags(7, &[], "after the reader left")),
    );
    let line = within("a line", stdout.next_line()).await.unwrap();
    assert!(line.unwrap().contains("after the reader left"));
    let status = within("the exit", child.wait()).await.unwrap();
    assert_eq!(status.code(), Some(0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn statuses_hidden_by_filters_print_only_with_no_filter() {
    let server = server(Flavor::Mastodon).await;
    let hidden = serde_json::json!({
        "id": "500", "content": "<p>spoilers</p>", "account": {"id": "1", "acct": "a"},
        "filtered": [{"filter": {"id": "1", "title": "Spoilers", "context": ["public"], "filter_action": "hide"}, "keyword_matches": ["spoilers"]}]
    })
    .to_string();
    // The filter the server applied is still one of the user's filters.
    server.set_filters(
        r#"[{"id": "1", "title": "Spoilers", "context": ["public"], "filter_action": "hide", "keywords": []}]"#,
    );
    for (flag, expect_hidden) in [(None, true), (Some("--no-filter"), false)] {
        let mut args = vec!["tail", "--format", "json", "--count", "1", "public"];
        args.extend(flag);
        let mut run = tootwatch(&server, &server.token(), &args);
        within("subscriber", server.wait_subscribers("public", 1)).await;
        server.publish("public", "update", Some(&hidden));
        server.publish("public", "delete", Some("1"));
        let line = run.json_line().await;
        assert_eq!(line["event"] == "delete", expect_hidden, "{line}");
        assert_eq!(run.exit_code().await, 0);
        within("unsubscribed", async {
            while server.subscribers("public") > 0 {
                tokio::task::yield_now().await;
            }
        })
        .await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn record_appends_raw_events_with_time_and_stream() {
    let server = server(Flavor::Mastodon).await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("rec.jsonl");
    let file_arg = file.to_str().unwrap();
    let mut run = tootwatch(
        &server,
        &server.token(),
        &["tail", "--record", file_arg, "--count", "2", "public"],
    );
    within("subscriber", server.wait_subscribers("public", 1)).await;
    let status = r#gen::status_json(1, 1500);
    server.publish("public", "update", Some(&status));
    server.publish("public", "delete", Some("3"));
    run.line().await;
    run.line().await;
    assert_eq!(run.exit_code().await, 0);
    let text = std::fs::read_to_string(&file).unwrap();
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["stream"], "public");
    assert_eq!(lines[0]["event"], "update");
    assert_eq!(lines[0]["payload"], status.as_str());
    assert_eq!(lines[1]["payload"], "3");
    assert!(lines[0]["at_ms"].as_u64().unwrap() > 0);
    // It holds what the streams carried (direct messages too): its owner's alone.
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&file).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600, "{mode:o}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gotosocial_quirks_over_auto_transport() {
    let server = server(Flavor::GoToSocial).await;
    let mut run = tootwatch(
        &server,
        &server.token(),
        &["tail", "--format", "json", "--count", "2", "list:Friends"],
    );
    within("subscriber", server.wait_subscribers("list:42", 1)).await;
    server.publish("list:42", "update", Some(&r#gen::status_json(1, 1500)));
    server.publish("list:42", "filters_changed", None);
    let l = run.json_line().await;
    assert_eq!(
        l["stream"], "list:Friends",
        "the STREAM as given, not its id"
    );
    assert_eq!(l["event"], "update");
    let l = run.json_line().await;
    assert_eq!(l["event"], "filters_changed");
    assert_eq!(l["payload"], serde_json::Value::Null);
    assert_eq!(run.exit_code().await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn auto_falls_back_to_server_sent_events_without_websocket() {
    let server = FakeServer::start(Options {
        websocket: false,
        ..Options::default()
    })
    .await;
    let mut run = tootwatch(
        &server,
        &server.token(),
        &["tail", "--count", "1", "public:local"],
    );
    within("subscriber", server.wait_subscribers("public:local", 1)).await;
    let live = run.stderr_until("live").await;
    assert_eq!(live, "tootwatch: public:local: live (server-sent events)");
    server.publish("public:local", "delete", Some("12"));
    assert_eq!(run.line().await, "[public:local] delete 12");
    assert_eq!(run.exit_code().await, 0);

    let mut run = tootwatch(
        &server,
        &server.token(),
        &["tail", "--transport", "ws", "user"],
    );
    assert_eq!(run.exit_code().await, 1);
    let stderr = run.rest_of_stderr().await;
    assert!(
        stderr
            .last()
            .unwrap()
            .contains("no WebSocket endpoint (404"),
        "{stderr:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn too_many_requests_backs_off_as_the_server_asks() {
    let server = server(Flavor::Mastodon).await;
    server.set_fault(Fault::Status {
        status: 429,
        error: "Too many requests".into(),
        retry_after: Some(1),
    });
    // Retry-After is honoured up to the longest backoff: give it room.
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("patient.toml");
    std::fs::write(
        &config,
        "[transport]\nbackoff_initial_secs = 0.05\nbackoff_max_secs = 2\n",
    )
    .unwrap();
    let mut run = tootwatch(
        &server,
        &server.token(),
        &[
            "tail",
            "--config",
            config.to_str().unwrap(),
            "--transport",
            "sse",
            "--count",
            "1",
            "public",
        ],
    );
    let line = run.stderr_until("reconnecting").await;
    assert!(
        line.contains("reconnecting in 1 s because the server answered 429 Too many requests"),
        "{line}"
    );
    server.set_fault(Fault::None);
    within("subscriber", server.wait_subscribers("public", 1)).await;
    server.publish("public", "delete", Some("8"));
    assert_eq!(run.line().await, "[public] delete 8");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_advertised_streaming_host_falls_back_to_the_instance() {
    let server = FakeServer::start(Options {
        advertised_streaming_url: Some("wss://127.0.0.1:1".into()),
        ..Options::default()
    })
    .await;
    let mut run = tootwatch(
        &server,
        &server.token(),
        &["tail", "--count", "1", "public"],
    );
    within("subscriber", server.wait_subscribers("public", 1)).await;
    server.publish("public", "delete", Some("4"));
    assert_eq!(run.line().await, "[public] delete 4");
    assert_eq!(run.exit_code().await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exec_hands_highlighted_posts_to_a_program_without_a_shell() {
    let server = server(Flavor::Mastodon).await;
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("hook.jsonl");
    let exec = format!("sh -c 'cat >> {}'", out.display());
    let mut run = tootwatch(
        &server,
        &server.token(),
        &[
            "tail",
            "--count",
            "5",
            "--highlight",
            "ferris",
            "--exec",
            &exec,
            "public",
        ],
    );
    within("subscriber", server.wait_subscribers("public", 1)).await;
    // Akkoma's fields, which no model here reads, reach the hook too.
    let post = |id: &str, text: &str| {
        serde_json::json!({"id": id, "content": format!("<p>{text}</p>"), "account": {"id": "1", "acct": "a"}, "pleroma": {"local": true}}).to_string()
    };
    server.publish("public", "update", Some(&post("1", "nothing to see")));
    server.publish("public", "update", Some(&post("2", "hello Ferris")));
    server.publish(
        "public",
        "update",
        Some(&post("3", "$(touch /tmp/pwned) ferris")),
    );
    // An edit that overtook its post brings the post: the hook hears of it once, and not
    // of the late post, nor of an edit of a post it already had.
    let mut edited: serde_json::Value = serde_json::from_str(&post("4", "ferris, edited")).unwrap();
    edited["edited_at"] = "2026-12-01T12:00:00Z".into();
    server.publish("public", "status.update", Some(&edited.to_string()));
    server.publish("public", "update", Some(&post("4", "ferris")));
    let mut again: serde_json::Value = serde_json::from_str(&post("2", "hello Ferris!")).unwrap();
    again["edited_at"] = "2026-12-01T12:00:00Z".into();
    server.publish("public", "status.update", Some(&again.to_string()));
    for _ in 0..5 {
        run.line().await;
    }
    assert_eq!(run.exit_code().await, 0);
    // tail waits for its hooks before it exits.
    let text = std::fs::read_to_string(&out).unwrap();
    let posts: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(
        posts.iter().all(|p| p["pleroma"]["local"] == true),
        "{text}"
    );
    let ids: Vec<String> = posts
        .iter()
        .map(|p| p["id"].as_str().unwrap().to_string())
        .collect();
    let mut sorted = ids.clone();
    sorted.sort();
    assert_eq!(
        sorted,
        ["2", "3", "4"],
        "only the highlighted posts: {text}"
    );
}

/// JSON lines decode a post's texts only while a keyword filter reads them
/// (`Decoding::Ids`): the filter still hides what it matches, in a boost too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_lines_honour_keyword_filters_that_read_the_text() {
    let (server, mut run) = tail_hiding_secrets(Flavor::Mastodon).await;
    let post = |n: u64, text: &str| -> serde_json::Value {
        serde_json::from_str(&r#gen::status_with_tags(n, &[], text)).unwrap()
    };
    let publish = |status: &serde_json::Value| {
        server.publish("public", "update", Some(&status.to_string()));
        status["id"].clone()
    };
    let n = until_a_secret_is_hidden(&server, &mut run, 100).await;
    // Once the filters are in, every secret stays hidden, a boosted one too.
    let secret = post(n, "another secret");
    publish(&secret);
    publish(&serde_json::json!({
        "id": "9000", "content": "", "account": {"id": "9", "acct": "booster"},
        "reblog": secret,
    }));
    let plain = publish(&post(n + 1, "still nothing"));
    let line = within("the plain post", run.json_line()).await;
    assert_eq!(line["payload"]["id"], plain, "{line}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn record_holds_each_event_once_when_rest_brings_it_too() {
    let server = server(Flavor::Mastodon).await;
    let status = r#gen::status_json(1, 1500);
    // Every REST look at the timeline (the start, a catch-up) finds the post the stream brings.
    server.set_rest_response("/api/v1/timelines/public", &format!("[{status}]"));
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("rec.jsonl");
    let file_arg = file.to_str().unwrap();
    let mut run = tootwatch(
        &server,
        &server.token(),
        &[
            "tail",
            "--transport",
            "ws",
            "--record",
            file_arg,
            "--count",
            "2",
            "public",
        ],
    );
    within("subscriber", server.wait_subscribers("public", 1)).await;
    server.publish("public", "update", Some(&status));
    server.publish("public", "delete", Some("3"));
    run.line().await;
    run.line().await;
    assert_eq!(run.exit_code().await, 0);
    let text = std::fs::read_to_string(&file).unwrap();
    let events: Vec<String> = text
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["event"].to_string())
        .collect();
    assert_eq!(events, ["\"update\"", "\"delete\""], "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pleroma_filters_are_read_from_v1_and_hide_what_they_name() {
    // Pleroma and Akkoma have no v2 filters, and their statuses carry no `filtered`.
    let (server, mut run) = tail_hiding_secrets(Flavor::Pleroma).await;
    within("v1 filters", server.wait_requests("/api/v1/filters", 1)).await;
    until_a_secret_is_hidden(&server, &mut run, 100).await;
    // Asked again (`filters_changed`), v1 at once: the 404 of v2 is not paid each time.
    server.publish("public", "filters_changed", None);
    within(
        "v1 filters again",
        server.wait_requests("/api/v1/filters", 2),
    )
    .await;
    let v2 = server
        .requests()
        .iter()
        .filter(|r| r.path == "/api/v2/filters")
        .count();
    assert_eq!(v2, 1);
}

/// `tail --format json public` against a `flavor` server whose user hides posts with the
/// whole word "secret", once it is subscribed.
async fn tail_hiding_secrets(flavor: Flavor) -> (FakeServer, Run) {
    let server = server(flavor).await;
    server.set_filters(
        r#"[{"id": "1", "title": "Plans", "context": ["public"], "filter_action": "hide",
            "keywords": [{"id": "k", "keyword": "secret", "whole_word": true}]}]"#,
    );
    let run = tootwatch(
        &server,
        &server.token(),
        &["tail", "--format", "json", "--quiet", "public"],
    );
    within("subscriber", server.wait_subscribers("public", 1)).await;
    (server, run)
}

/// A post that comes before the filters is judged without them: pairs of a secret and a plain
/// post go out on `public` from id `n` on until a secret is hidden (the plain one says it was
/// judged). The next free `n`.
async fn until_a_secret_is_hidden(server: &FakeServer, run: &mut Run, mut n: u64) -> u64 {
    let post = |n: u64, text: &str| -> serde_json::Value {
        serde_json::from_str(&r#gen::status_with_tags(n, &[], text)).unwrap()
    };
    within("a secret hidden", async {
        loop {
            let (secret, plain) = (post(n, "a secret plan"), post(n + 1, "nothing to see"));
            server.publish("public", "update", Some(&secret.to_string()));
            server.publish("public", "update", Some(&plain.to_string()));
            n += 2;
            let mut printed_secret = false;
            loop {
                let id = run.json_line().await["payload"]["id"].clone();
                printed_secret |= id == secret["id"];
                if id == plain["id"] {
                    break;
                }
            }
            if !printed_secret {
                return n;
            }
        }
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_post_a_catch_up_brings_prints_as_the_server_sent_it() {
    // Akkoma's statuses carry fields no Mastodon client reads: a post REST brings (here the
    // catch-up after a reconnect) prints them as a streamed one does.
    let server = server(Flavor::Mastodon).await;
    let mut run = tootwatch(
        &server,
        &server.token(),
        &["tail", "--format", "json", "--count", "2", "public"],
    );
    within("subscription", server.wait_subscribers("public", 1)).await;
    let akkoma = |n| {
        let mut status: serde_json::Value =
            serde_json::from_str(&r#gen::status_json(n, 0)).unwrap();
        status["pleroma"] =
            serde_json::json!({"local": true, "emoji_reactions": [{"name": "🎉", "count": 2}]});
        status.to_string()
    };
    // The start page is asked for before post 2 is stored, or it would be the anchor.
    within(
        "the start page",
        server.wait_requests("/api/v1/timelines/public", 1),
    )
    .await;
    server.post(&["public"], &akkoma(1));
    let streamed = run.json_line().await;
    // Stored while the stream is up and never sent on it: the reconnect's catch-up finds it.
    server.store(&["public"], &akkoma(2));
    server.drop_connections();
    let caught_up = run.json_line().await;
    assert_ne!(caught_up["payload"]["id"], streamed["payload"]["id"]);
    assert_eq!(
        caught_up["payload"]["pleroma"]["emoji_reactions"][0]["count"],
        2
    );
    assert_eq!(run.exit_code().await, 0);
}
