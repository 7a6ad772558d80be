//! The local archive through the binary: `tail --resume` between runs, and `tootwatch archive`.

#![allow(clippy::unwrap_used)] // test helpers: a panic is a failing test

mod common;

use common::*;

/// A status created now with an id the fake's timelines order after the generator's.
fn status(n: u64, text: &str) -> String {
    serde_json::json!({
        "id": format!("1140000000000{n:05}"),
        "created_at": jiff::Timestamp::now().to_string(),
        "content": format!("<p>{text}</p>"),
        "account": {"id": "1", "username": "alice", "acct": "alice"},
        "tags": [{"name": "rust"}],
    })
    .to_string()
}

fn id(n: u64) -> String {
    format!("1140000000000{n:05}")
}

/// `tail --resume` with a data dir shared between runs.
fn resume_run(server: &FakeServer, data: &std::path::Path, count: &str) -> Run {
    tootwatch_with(
        server,
        &server.token(),
        &[
            "tail", "--resume", "--format", "json", "--count", count, "#rust",
        ],
        &[("TOOTWATCH_DATA_DIR", data)],
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tail_resume_prints_exactly_what_was_posted_between_two_runs() {
    let server = server(Flavor::Mastodon).await;
    let data = tempfile::tempdir().unwrap();
    // Something older than any run: never printed.
    server.store(&["hashtag:rust"], &status(1, "before everything"));

    // First run: no place kept yet, so it starts from now.
    let mut run = resume_run(&server, data.path(), "1");
    within("subscriber", server.wait_subscribers("hashtag:rust", 1)).await;
    within(
        "the start page",
        server.wait_requests("/api/v1/timelines/tag/rust", 1),
    )
    .await;
    server.post(&["hashtag:rust"], &status(2, "while the first run ran"));
    assert_eq!(run.json_line().await["payload"]["id"], id(2));
    assert_eq!(run.exit_code().await, 0);

    // Posted while no tail ran.
    server.store(&["hashtag:rust"], &status(3, "between runs"));
    server.store(&["hashtag:rust"], &status(4, "between runs too"));

    let mut run = resume_run(&server, data.path(), "3");
    assert_eq!(run.json_line().await["payload"]["id"], id(3));
    assert_eq!(run.json_line().await["payload"]["id"], id(4));
    within("subscriber", server.wait_subscribers("hashtag:rust", 1)).await;
    server.post(&["hashtag:rust"], &status(5, "live again"));
    assert_eq!(run.json_line().await["payload"]["id"], id(5));
    assert_eq!(run.exit_code().await, 0);

    // Nothing between these runs: nothing old comes back.
    let mut run = resume_run(&server, data.path(), "1");
    within("subscriber", server.wait_subscribers("hashtag:rust", 1)).await;
    // The resumed catch-up asked from the last post printed, and found nothing.
    within(
        "the catch-up",
        server.wait_requests("/api/v1/timelines/tag/rust", 3),
    )
    .await;
    server.post(&["hashtag:rust"], &status(6, "the only new one"));
    assert_eq!(run.json_line().await["payload"]["id"], id(6));
    assert_eq!(run.exit_code().await, 0);

    // Another set of streams is another reader, with a place of its own.
    let mut run = tootwatch_with(
        &server,
        &server.token(),
        &["tail", "--resume", "--count", "1", "#rust", "public"],
        &[("TOOTWATCH_DATA_DIR", data.path())],
    );
    within("subscriber", server.wait_subscribers("public", 1)).await;
    server.publish("public", "delete", Some("77"));
    assert_eq!(run.line().await, "[public] delete 77");
    assert_eq!(run.exit_code().await, 0);

    let stats = archive_cmd(data.path(), &["archive", "stats"]).await;
    assert_eq!(stats.0, 0, "{stats:?}");
    // What the runs printed is kept, as the live view keeps what it shows.
    assert!(
        stats
            .1
            .contains("5 posts, 0 notifications, 0 conversations"),
        "{stats:?}"
    );
    assert!(stats.1.contains("1 delete remembered"), "{stats:?}");
    assert!(
        stats
            .1
            .contains("stream cursors of 2 `tail --resume` readers"),
        "{stats:?}"
    );
}

async fn archive_cmd(data: &std::path::Path, args: &[&str]) -> (i32, String, String) {
    std::fs::write(data.join("config.toml"), "").unwrap();
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_tootwatch"))
        .args(args)
        .env("TOOTWATCH_DATA_DIR", data)
        .env("TOOTWATCH_CONFIG", data.join("config.toml"))
        .env("TOOTWATCH_LOG_FILE", data.join("log"))
        .output()
        .await
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_archive_command_reports_prunes_and_forgets() {
    let server = server(Flavor::Mastodon).await;
    let data = tempfile::tempdir().unwrap();
    let (code, out, _) = archive_cmd(data.path(), &["archive", "stats"]).await;
    assert_eq!(code, 0);
    assert!(out.contains("archive.sqlite3"), "{out}");
    assert!(out.contains("nothing kept yet"), "{out}");

    let mut run = tootwatch_with(
        &server,
        &server.token(),
        &["tail", "--resume", "--count", "1", "public"],
        &[("TOOTWATCH_DATA_DIR", data.path())],
    );
    within("subscriber", server.wait_subscribers("public", 1)).await;
    server.publish("public", "delete", Some("1"));
    run.line().await;
    assert_eq!(run.exit_code().await, 0);

    let (code, out, _) = archive_cmd(data.path(), &["archive", "stats"]).await;
    assert_eq!(code, 0);
    let account = server.base_url();
    assert!(
        out.contains(&format!(
            "{account}: 1 delete remembered; 1 stream cursor of 1 `tail --resume` reader"
        )),
        "{out}"
    );
    let (code, out, _) = archive_cmd(data.path(), &["archive", "prune"]).await;
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("0 entries removed"), "under 200 MB: {out}");

    let (code, _, err) = archive_cmd(data.path(), &["archive", "forget", "nobody@nowhere"]).await;
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("keeps nothing for `nobody@nowhere`"), "{err}");
    // The URL as typed for --instance, with its slash.
    let (code, out, _) =
        archive_cmd(data.path(), &["archive", "forget", &format!("{account}/")]).await;
    assert_eq!(code, 0);
    assert!(
        out.contains("forgot 2 entries"),
        "a delete and a cursor: {out}"
    );
    let (_, out, _) = archive_cmd(data.path(), &["archive", "stats"]).await;
    assert!(out.contains("nothing kept yet"), "{out}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_damaged_archive_is_moved_aside_and_resume_starts_over() {
    let server = server(Flavor::Mastodon).await;
    let data = tempfile::tempdir().unwrap();
    std::fs::write(
        data.path().join("archive.sqlite3"),
        b"not a database at all, really",
    )
    .unwrap();
    let mut run = tootwatch_with(
        &server,
        &server.token(),
        &["tail", "--resume", "--count", "1", "public"],
        &[("TOOTWATCH_DATA_DIR", data.path())],
    );
    let notice = run.stderr_until("archive").await;
    assert!(notice.contains("is not a database"), "{notice}");
    assert!(notice.contains("a new one started"), "{notice}");
    within("subscriber", server.wait_subscribers("public", 1)).await;
    server.publish("public", "delete", Some("1"));
    assert_eq!(run.line().await, "[public] delete 1");
    assert_eq!(run.exit_code().await, 0);
}

#[test]
fn resume_without_the_archive_is_a_usage_error() {
    let data = tempfile::tempdir().unwrap();
    let config = data.path().join("config.toml");
    std::fs::write(&config, "[archive]\nenabled = false\n").unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_tootwatch"))
        .args(["tail", "--resume", "public"])
        .env("TOOTWATCH_CONFIG", &config)
        .env("TOOTWATCH_DATA_DIR", data.path())
        .env("TOOTWATCH_INSTANCE", "http://127.0.0.1:9")
        .env("TOOTWATCH_TOKEN", "t")
        .env("TOOTWATCH_LOG_FILE", data.path().join("log"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("[archive] enabled = false"), "{err}");
}
