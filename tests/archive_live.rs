//! The live view and the archive, through the real binary in tmux against the fake server:
//! what a run showed is back after a restart, what was posted meanwhile appears once, and a
//! start without the server shows the archive with the connection saying so.

#![allow(clippy::unwrap_used)] // test helpers: a panic is a failing test

mod common;

use std::process::Command;
use std::time::{Duration, Instant};

use common::tmux::Tmux;
use common::*;

fn command(base_url: &str, token: &str, dir: &tempfile::TempDir, args: &str) -> String {
    let config = fast_config(dir);
    format!(
        "env TOOTWATCH_CONFIG={} TOOTWATCH_INSTANCE={base_url} TOOTWATCH_TOKEN={token} TOOTWATCH_LOG_FILE={} TOOTWATCH_DATA_DIR={} {} {args}",
        config.display(),
        dir.path().join("tootwatch.log").display(),
        dir.path().join("data").display(),
        env!("CARGO_BIN_EXE_tootwatch"),
    )
}

fn status(id: u64, text: &str) -> String {
    serde_json::json!({
        "id": id.to_string(), "created_at": "2026-12-06T12:00:00.000Z",
        "content": format!("<p>{text}</p>"), "visibility": "public",
        "tags": [{"name": "rust"}],
        "account": {"id": "7", "username": "olga", "acct": "olga", "display_name": "Olga"},
    })
    .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_a_run_showed_is_back_after_a_restart_even_without_the_server() {
    let server = server(Flavor::Mastodon).await;
    let (base, token) = (server.base_url(), server.token());
    let dir = tempfile::tempdir().unwrap();
    let run = || command(&base, &token, &dir, "hashtag:rust");

    // The first run sees a post that only ever came over the stream.
    let first = Tmux::start(120, 40, &run());
    within("rust", server.wait_subscribers("hashtag:rust", 1)).await;
    server.publish(
        "hashtag:rust",
        "update",
        Some(&status(500, "Only over the stream")),
    );
    first.wait_for("the streamed post", |s| s.contains("Only over the stream"));
    first.quit();
    drop(first);

    // Posted while closed: the next run shows it once, above what the archive kept.
    server.store(&["hashtag:rust"], &status(501, "Posted while closed"));
    let second = Tmux::start(120, 40, &run());
    within("rust again", server.wait_subscribers("hashtag:rust", 1)).await;
    let screen = second.wait_for("the archive and the catch-up, live", |s| {
        s.contains("Only over the stream")
            && s.contains("Posted while closed")
            && s.contains("hashtag:rust live")
            && s.contains("read up to here")
    });
    assert_eq!(screen.matches("Posted while closed").count(), 1, "{screen}");
    assert_eq!(
        screen.matches("Only over the stream").count(),
        1,
        "{screen}"
    );
    let closed_at = screen.find("Posted while closed").unwrap();
    assert!(
        closed_at < screen.find("Only over the stream").unwrap(),
        "newest on top:\n{screen}"
    );
    // The first run had read up to the streamed post: the line is between it and what came.
    let line_at = screen.find("read up to here").unwrap();
    assert!(
        closed_at < line_at && line_at < screen.find("Only over the stream").unwrap(),
        "the read line below the new post:\n{screen}"
    );
    second.quit();
    drop(second);

    // The server is gone: the archive still shows, and the tab says it is not connected.
    server.shutdown().await;
    let third = Tmux::start(120, 40, &run());
    // The tab bar's marker: ⟳ reconnecting (● would be live).
    let screen = third.wait_for("the archive offline, reconnecting", |s| {
        s.contains("Only over the stream")
            && s.contains("Posted while closed")
            && s.lines().next().is_some_and(|l| l.contains('⟳'))
    });
    assert!(!screen.contains('●'), "{screen}");
    assert!(
        !screen.contains("read up to here"),
        "everything was read in the second run:\n{screen}"
    );
    third.quit();
}

/// `archive stats` of a data dir, through the binary.
fn stats(dir: &tempfile::TempDir) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_tootwatch"))
        .args(["archive", "stats"])
        .env("TOOTWATCH_DATA_DIR", dir.path().join("data"))
        .env("TOOTWATCH_CONFIG", fast_config(dir))
        .env("TOOTWATCH_LOG_FILE", dir.path().join("stats.log"))
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Posts on `stream` as fast as the server takes them, until dropped.
fn firehose(
    server: &std::sync::Arc<FakeServer>,
    stream: &'static str,
) -> tokio::task::JoinHandle<()> {
    let server = server.clone();
    tokio::spawn(async move {
        let mut interval = tokio::time::interval(Duration::from_millis(1));
        for id in 10_000u64.. {
            interval.tick().await;
            server.publish(
                stream,
                "update",
                Some(&status(id, &format!("Firehose {id}"))),
            );
        }
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_archive_killed_mid_write_opens_clean_with_what_it_had() {
    let server = std::sync::Arc::new(server(Flavor::Mastodon).await);
    let (base, token) = (server.base_url(), server.token());
    let dir = tempfile::tempdir().unwrap();
    let run = || command(&base, &token, &dir, "hashtag:rust");
    let first = Tmux::start(120, 40, &run());
    within("rust", server.wait_subscribers("hashtag:rust", 1)).await;
    let hose = firehose(&server, "hashtag:rust");
    first.wait_for("the firehose", |s| s.contains("Firehose"));
    // Writes are going on: some batches are committed (a reader sees posts) and the log has
    // grown past its first pages. The size of the log alone is no proof: a large first batch
    // can fill it before its commit, and kill -9 then leaves nothing to find.
    let data = dir.path().join("data");
    let wal = data.join("archive.sqlite3-wal");
    let committed = || {
        rusqlite::Connection::open_with_flags(
            data.join("archive.sqlite3"),
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
        )
        .and_then(|c| c.query_row("SELECT count(*) FROM items", [], |r| r.get::<_, i64>(0)))
        .unwrap_or(0)
    };
    let start = Instant::now();
    while committed() == 0 || std::fs::metadata(&wal).map_or(0, |m| m.len()) < 64 * 1024 {
        assert!(start.elapsed() < GUARD, "the archive was never written");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let killed = Command::new("kill")
        .args(["-9", &first.pid()])
        .status()
        .unwrap();
    assert!(killed.success());
    hose.abort();
    drop(first);

    let second = Tmux::start(120, 40, &run());
    let screen = second.wait_for("the archive after kill -9", |s| s.contains("Firehose"));
    assert!(!screen.contains("moved to"), "{screen}");
    second.quit();
    let stats = stats(&dir);
    assert!(
        stats.contains(" posts, ") || stats.contains(" post, "),
        "{stats}"
    );
    let names: Vec<String> = std::fs::read_dir(dir.path().join("data"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        !names.iter().any(|n| n.contains("unusable")),
        "nothing was moved aside: {names:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_is_said_and_the_view_goes_on_without_the_archive() {
    let server = server(Flavor::Mastodon).await;
    let (base, token) = (server.base_url(), server.token());
    let dir = tempfile::tempdir().unwrap();
    let tmux = Tmux::start(
        120,
        40,
        &format!(
            "env TOOTWATCH_ARCHIVE_FAIL=full {}",
            command(&base, &token, &dir, "hashtag:rust")
        ),
    );
    within("rust", server.wait_subscribers("hashtag:rust", 1)).await;
    server.publish("hashtag:rust", "update", Some(&status(600, "First")));
    tmux.wait_for("the failure said", |s| {
        s.contains("cannot write to the archive") && s.contains("going on without it")
    });
    server.publish("hashtag:rust", "update", Some(&status(601, "Still live")));
    tmux.wait_for("posts still shown", |s| {
        s.contains("Still live") && s.contains("First")
    });
    tmux.quit();
    let stats = stats(&dir);
    assert!(
        !stats.contains(" posts, ") && !stats.contains(" post, "),
        "nothing was kept: {stats}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn of_two_views_at_once_one_writes_and_the_other_says_it_does_not() {
    let server = server(Flavor::Mastodon).await;
    let (base, token) = (server.base_url(), server.token());
    let dir = tempfile::tempdir().unwrap();
    let run = || command(&base, &token, &dir, "hashtag:rust");
    let writer = Tmux::start(120, 40, &run());
    within("rust", server.wait_subscribers("hashtag:rust", 1)).await;
    // The archive is opened (and its lock taken) before the first frame.
    writer.wait_for("the first view", |s| s.contains("#rust"));
    let other = Tmux::start(120, 40, &run());
    within("rust twice", server.wait_subscribers("hashtag:rust", 2)).await;
    other.wait_for("the second view says it keeps nothing", |s| {
        s.contains("another tootwatch is writing the archive")
    });
    server.publish("hashtag:rust", "update", Some(&status(700, "Seen by both")));
    writer.wait_for("the post", |s| s.contains("Seen by both"));
    other.wait_for("the post", |s| s.contains("Seen by both"));
    other.quit();
    writer.quit();
    let stats = stats(&dir);
    assert!(stats.contains(": 1 post, "), "kept once: {stats}");
}

/// The live view on the account stored in `dir`'s data dir with `scopes` (no --token), as a
/// `tootwatch login` leaves it.
fn stored_command(base_url: &str, token: &str, scopes: &str, dir: &tempfile::TempDir) -> String {
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    let store = data.join("accounts.json");
    let json = serde_json::json!({"accounts": {"tester@127.0.0.1": {
        "instance": base_url, "token": token, "scopes": scopes,
        "client_id": "", "client_secret": "", "created_at": ""
    }}});
    std::fs::write(&store, json.to_string()).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&store, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    format!(
        "env TOOTWATCH_CONFIG={} TOOTWATCH_LOG_FILE={} TOOTWATCH_DATA_DIR={} {} user",
        fast_config(dir).display(),
        dir.path().join("tootwatch.log").display(),
        data.display(),
        env!("CARGO_BIN_EXE_tootwatch"),
    )
}

fn home_posts(server: &FakeServer) {
    for id in 1..=3 {
        server.store(&["user"], &status(id, &format!("Home post {id}")));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn markers_are_read_at_start_and_written_on_quit_with_a_write_token() {
    let server = server(Flavor::Mastodon).await;
    home_posts(&server);
    // Read up to 2 in another app.
    server.set_markers(Some("2"), None);
    // The view waits for the answer before it exits (a post is kept only if it does).
    server.set_markers_delay(Duration::from_millis(300));
    let dir = tempfile::tempdir().unwrap();
    let run = stored_command(
        &server.base_url(),
        &server.token(),
        "read write:statuses",
        &dir,
    );
    let view = Tmux::start(120, 40, &run);
    let screen = view.wait_for("the home timeline with the marker's line", |s| {
        s.contains("Home post 1") && s.contains("read up to here")
    });
    let line_at = screen.find("read up to here").unwrap();
    assert!(
        screen.find("Home post 3").unwrap() < line_at
            && line_at < screen.find("Home post 2").unwrap(),
        "what came after the marker is above the line:\n{screen}"
    );
    assert!(
        server.marker_posts().is_empty(),
        "nothing posted while it ran"
    );
    within("user", server.wait_subscribers("user", 1)).await;
    server.post(&["user"], &status(4, "Home post 4"));
    view.wait_for("the streamed post", |s| s.contains("Home post 4"));
    view.quit();
    within("the post of the markers", server.wait_marker_posts(1)).await;
    assert_eq!(
        server.marker_posts(),
        [vec![("home[last_read_id]".to_string(), "4".to_string())]],
        "the top of the home tab, once"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_token_reads_the_markers_and_posts_nothing() {
    let server = server(Flavor::Mastodon).await;
    home_posts(&server);
    server.set_markers(Some("2"), None);
    let dir = tempfile::tempdir().unwrap();
    let run = stored_command(&server.base_url(), &server.token(), "read", &dir);
    let view = Tmux::start(120, 40, &run);
    view.wait_for("the marker's line", |s| {
        s.contains("Home post 1") && s.contains("read up to here")
    });
    view.quit();
    let asked = server
        .requests()
        .iter()
        .filter(|r| r.path == "/api/v1/markers")
        .map(|r| r.method.clone())
        .collect::<Vec<_>>();
    assert_eq!(asked, ["GET"], "read once, never posted");
    assert!(server.marker_posts().is_empty());
    let log = std::fs::read_to_string(dir.path().join("tootwatch.log")).unwrap_or_default();
    assert!(
        !log.contains("markers of account"),
        "nothing complained of:\n{log}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bare_token_reads_the_markers_and_posts_nothing_whatever_the_app_may() {
    let server = server(Flavor::Mastodon).await;
    home_posts(&server);
    // What the server lists is its app's scopes; the token may have fewer.
    server.set_token_scopes("read write");
    let dir = tempfile::tempdir().unwrap();
    let view = Tmux::start(
        120,
        40,
        &command(&server.base_url(), &server.token(), &dir, "user"),
    );
    view.wait_for("the home timeline", |s| s.contains("Home post 3"));
    within("the read", server.wait_requests("/api/v1/markers", 1)).await;
    view.quit();
    let markers: Vec<String> = server
        .requests()
        .iter()
        .filter(|r| r.path == "/api/v1/markers")
        .map(|r| r.method.clone())
        .collect();
    assert_eq!(markers, ["GET"], "read, never posted");
}

/// `tootwatch check` with the account stored with `scopes`.
fn check_stored(base_url: &str, token: &str, scopes: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    // The live view's command line names the data dir and the config; check gets the same.
    let line = stored_command(base_url, token, scopes, &dir);
    let out = Command::new(env!("CARGO_BIN_EXE_tootwatch"))
        .arg("check")
        .env("TOOTWATCH_CONFIG", fast_config(&dir))
        .env("TOOTWATCH_LOG_FILE", dir.path().join("check.log"))
        .env("TOOTWATCH_DATA_DIR", dir.path().join("data"))
        .env_remove("TOOTWATCH_INSTANCE")
        .env_remove("TOOTWATCH_TOKEN")
        .output()
        .unwrap();
    assert!(out.status.success(), "{line}: {out:?}");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_says_whether_read_positions_are_shared_with_the_servers_markers() {
    let server = server(Flavor::Mastodon).await;
    let (base, token) = (server.base_url(), server.token());
    let write = tokio::task::spawn_blocking({
        let (base, token) = (base.clone(), token.clone());
        move || check_stored(&base, &token, "read write:statuses")
    })
    .await
    .unwrap();
    assert!(
        write.contains("OK   markers    read positions of home and notifications are shared"),
        "{write}"
    );
    let read = tokio::task::spawn_blocking(move || check_stored(&base, &token, "read"))
        .await
        .unwrap();
    assert!(
        read.contains("NOTE markers    read from the server, not written: the token may not (tootwatch login --scopes \"read write:statuses\")"),
        "{read}"
    );
}
