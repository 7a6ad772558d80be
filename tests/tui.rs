//! The live view end to end: the real binary in tmux against the fake server, read back with
//! `capture-pane` as a person would read the screen.

#![allow(clippy::unwrap_used)] // test helpers: a panic is a failing test

mod common;

use std::process::Command;
use std::time::{Duration, Instant};

use common::tmux::Tmux;
use common::*;
use fake_mastodon::r#gen;

fn live_view_command(server: &FakeServer, dir: &tempfile::TempDir, args: &str) -> String {
    let config = fast_config(dir);
    format!(
        "env TOOTWATCH_CONFIG={} TOOTWATCH_INSTANCE={} TOOTWATCH_TOKEN={} TOOTWATCH_LOG_FILE={} TOOTWATCH_DATA_DIR={} {} {}",
        config.display(),
        server.base_url(),
        server.token(),
        dir.path().join("tootwatch.log").display(),
        dir.path().join("data").display(),
        env!("CARGO_BIN_EXE_tootwatch"),
        args
    )
}

fn status(id: u64, who: &str, text: &str) -> String {
    serde_json::json!({
        "id": id.to_string(), "created_at": "2026-11-28T12:00:00.000Z",
        "content": format!("<p>{text}</p>"), "visibility": "public",
        "url": format!("https://social.example/@{who}/{id}"),
        "account": {"id": "7", "username": who, "acct": who, "display_name": who.to_uppercase()},
    })
    .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_live_view_follows_the_streams_as_they_change() {
    let server = server(Flavor::Mastodon).await;
    let dir = tempfile::tempdir().unwrap();
    let tmux = Tmux::start(
        120,
        40,
        &live_view_command(&server, &dir, "user hashtag:rust"),
    );
    within("user", server.wait_subscribers("user", 1)).await;
    within("rust", server.wait_subscribers("hashtag:rust", 1)).await;
    let screen = tmux.wait_for("two tabs", |s| s.contains("Home") && s.contains("#rust"));
    assert!(
        screen.contains("Notifications"),
        "the notification pane is on by default:\n{screen}"
    );

    server.publish(
        "user",
        "update",
        Some(&status(900, "alice", "Hello from the end to end test")),
    );
    tmux.wait_for("the new post", |s| {
        s.contains("Hello from the end to end test")
    });

    let mut edited: serde_json::Value =
        serde_json::from_str(&status(900, "alice", "Edited words here")).unwrap();
    edited["edited_at"] = "2026-11-28T12:00:05.000Z".into();
    server.publish("user", "status.update", Some(&edited.to_string()));
    let screen = tmux.wait_for("the edit", |s| s.contains("Edited words here"));
    assert!(!screen.contains("Hello from the end to end test"));

    server.publish("user", "delete", Some("900"));
    tmux.wait_for("the delete", |s| !s.contains("Edited words here"));

    // A filter added on the server re-filters what is on screen when it says so.
    server.publish(
        "user",
        "update",
        Some(&status(901, "bob", "talking about the finale")),
    );
    tmux.wait_for("a post to filter", |s| {
        s.contains("talking about the finale")
    });
    server.set_filters(
        r#"[{"id":"1","title":"Finale","context":["home"],"filter_action":"hide","keywords":[{"id":"1","keyword":"finale","whole_word":true}],"statuses":[]}]"#,
    );
    server.publish("user", "filters_changed", None);
    tmux.wait_for("the post hidden by the new filter", |s| {
        !s.contains("talking about the finale")
    });

    // Notifications land in their pane.
    server.publish(
        "user",
        "notification",
        Some(&r#gen::notification_json(5, "follow")),
    );
    tmux.wait_for("a follow", |s| s.contains("followed you"));

    // A hostile post changes nothing on the terminal but its own cells.
    let hostile = serde_json::json!({
        "id": "902", "created_at": "2026-11-28T12:00:00.000Z",
        "content": "<p>evil \u{1b}]0;pwned\u{7}\u{1b}]52;c;aGk=\u{7}\u{1b}[2J\u{202e}text</p>",
        "account": {"id": "8", "username": "mallory", "acct": "mallory", "display_name": "\u{1b}[31mMallory\u{1b}[0m"},
    });
    server.publish("hashtag:rust", "update", Some(&hostile.to_string()));
    tmux.keys(&["2"]);
    let screen = tmux.wait_for("the hostile post", |s| {
        s.contains("Mallory") && s.contains("evil")
    });
    assert!(
        !screen.contains("pwned") && !screen.contains("aGk="),
        "escape payloads leaked:\n{screen}"
    );
    let title = tmux.tmux(&[
        "display-message",
        "-p",
        "-t",
        &tmux.session,
        "#{pane_title}",
    ]);
    assert!(
        !title.contains("pwned"),
        "the pane title was changed: {title}"
    );
    // tmux interprets the controls it is sent; what it keeps in the pane is text, and with it
    // the bidi overrides and invisible format characters a leak would carry (the U+202E above).
    assert!(
        !screen
            .chars()
            .any(|c| tootwatch::fuzzing::is_forbidden(c, true)),
        "{screen:?}"
    );

    tmux.keys(&["?"]);
    tmux.wait_for("the help", |s| s.contains("dismiss") && s.contains("quit"));
    tmux.keys(&["Escape"]);
    tmux.wait_for("the help closed", |s| !s.contains("dismiss announcement"));
    tmux.quit();
    let after = tmux.screen();
    assert!(
        !after.contains("Notifications"),
        "the alternate screen is gone after quitting:\n{after}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_reads_well_at_80x24() {
    let dir = tempfile::tempdir().unwrap();
    let command = format!(
        "env TOOTWATCH_CONFIG=/dev/null TOOTWATCH_LOG_FILE={} {} demo --speed 20",
        dir.path().join("log").display(),
        env!("CARGO_BIN_EXE_tootwatch")
    );
    let tmux = Tmux::start(80, 24, &command);
    let screen = tmux.wait_for("the demo's tabs and posts", |s| {
        s.contains("Home") && s.contains("#rust") && s.lines().count() >= 20
    });
    // tmux clips what it shows to the pane; `-J` joins the lines the terminal wrapped, so a
    // line drawn past the right edge comes back wider than the pane.
    let joined = tmux.tmux(&["capture-pane", "-p", "-J", "-t", &tmux.session]);
    assert!(
        !joined
            .lines()
            .any(|l| ratatui::text::Line::raw(l).width() > 80),
        "{screen}\n{joined}"
    );
    tmux.quit();
}

#[test]
fn the_live_view_without_a_terminal_is_a_usage_error_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    // The demo, and the live view (told of a server nothing listens on: it says so before
    // connecting, or the error would be the connection's).
    for args in [&["demo", "--speed", "20"][..], &["user"]] {
        let out = Command::new(env!("CARGO_BIN_EXE_tootwatch"))
            .args(args)
            .env("TOOTWATCH_CONFIG", "/dev/null")
            .env("TOOTWATCH_INSTANCE", "http://127.0.0.1:9")
            .env("TOOTWATCH_TOKEN", "unused")
            .env("TOOTWATCH_LOG_FILE", dir.path().join("log"))
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert_eq!(
            stderr.lines().collect::<Vec<_>>(),
            [
                "tootwatch: the live view needs a terminal, and this is not one: \
              `tootwatch tail STREAM` prints streams as lines to a pipe or a file"
            ],
            "{args:?}"
        );
        // Not one escape code went down the pipe.
        assert!(
            out.stdout.is_empty(),
            "{args:?}: {:?}",
            String::from_utf8_lossy(&out.stdout)
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_remapped_quit_key_is_the_one_that_quits_and_the_help_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(&config, "[keys]\nquit = \"Q\"\n").unwrap();
    let command = format!(
        "env TOOTWATCH_CONFIG={} TOOTWATCH_LOG_FILE={} {} demo --speed 20",
        config.display(),
        dir.path().join("log").display(),
        env!("CARGO_BIN_EXE_tootwatch")
    );
    let tmux = Tmux::start(80, 24, &command);
    tmux.wait_for("the demo", |s| s.contains("Home") && s.contains("Q quit"));
    // `q` does nothing now: the keys after it are still read, and the help comes up.
    tmux.keys(&["q"]);
    tmux.keys(&["?"]);
    let screen = tmux.wait_for("the help", |s| s.contains("this help"));
    assert!(!tmux.pane_dead(), "q quit:\n{screen}");
    let quit = screen
        .lines()
        .find(|l| l.contains(" quit "))
        .unwrap_or_else(|| panic!("no quit line in the help:\n{screen}"));
    let keys = quit
        .split('│')
        .nth(1)
        .unwrap_or_else(|| panic!("not a help line: {quit}"));
    assert_eq!(keys.split_whitespace().next(), Some("Q"), "{quit}");
    tmux.keys(&["Escape"]);
    tmux.wait_for("the help closed", |s| !s.contains("this help"));
    tmux.keys(&["Q"]);
    tmux.wait_until_dead("Q to quit");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tabs_open_with_history_and_a_reconnect_fills_the_gap() {
    let server = server(Flavor::Mastodon).await;
    server.store(
        &["user"],
        &status(100, "olga", "Home history before the start"),
    );
    server.store(
        &["hashtag:rust"],
        &status(101, "pat", "Rust history before the start"),
    );
    server.store_notification(&r#gen::notification_json(7, "favourite"));
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        "[transport]\nbackoff_initial_secs = 0.05\nbackoff_max_secs = 0.2\n[limits]\ncatch_up_posts = 2\n",
    )
    .unwrap();
    let command = format!(
        "env TOOTWATCH_CONFIG={} TOOTWATCH_INSTANCE={} TOOTWATCH_TOKEN={} TOOTWATCH_LOG_FILE={} TOOTWATCH_DATA_DIR={} {} user hashtag:rust",
        config.display(),
        server.base_url(),
        server.token(),
        dir.path().join("log").display(),
        dir.path().join("data").display(),
        env!("CARGO_BIN_EXE_tootwatch"),
    );
    let tmux = Tmux::start(120, 40, &command);
    tmux.wait_for("home history and notifications", |s| {
        s.contains("Home history before the start") && s.contains("favourited")
    });
    within("user", server.wait_subscribers("user", 1)).await;
    server.post(&["user"], &status(102, "olga", "Live before the drop"));
    tmux.wait_for("the live post", |s| s.contains("Live before the drop"));

    server.set_fault(Fault::Status {
        status: 503,
        error: "down".into(),
        retry_after: None,
    });
    server.drop_connections();
    tmux.wait_for("the reconnecting state", |s| s.contains("reconnecting"));
    for (n, text) in [
        (103, "Missed one"),
        (104, "Missed two"),
        (105, "Missed three"),
    ] {
        server.store(&["user"], &status(n, "olga", text));
    }
    server.set_fault(Fault::None);
    // The bound is 2: the two oldest missed posts come back, with a marker above them.
    let screen = tmux.wait_for("the caught-up posts and the gap", |s| {
        s.contains("Missed one")
            && s.contains("Missed two")
            && s.contains("more posts were missed here")
    });
    assert!(!screen.contains("Missed three"), "{screen}");
    let order = |s: &str, a: &str, b: &str| s.find(a).unwrap() < s.find(b).unwrap();
    assert!(
        order(&screen, "more posts were missed", "Missed two"),
        "{screen}"
    );
    assert!(order(&screen, "Missed two", "Missed one"), "{screen}");
    assert!(
        order(&screen, "Missed one", "Live before the drop"),
        "{screen}"
    );
    // The marker is on top and selected: Enter loads the rest in its place.
    tmux.keys(&["g", "Enter"]);
    let screen = tmux.wait_for("the rest", |s| {
        s.contains("Missed three") && !s.contains("more posts were missed")
    });
    assert!(order(&screen, "Missed three", "Missed two"), "{screen}");
    tmux.keys(&["2"]);
    tmux.wait_for("the hashtag tab's history", |s| {
        s.contains("Rust history before the start")
    });
    tmux.keys(&["q"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_monitor_merges_tags_and_warns_when_a_stream_dies() {
    let server = server(Flavor::Mastodon).await;
    let dir = tempfile::tempdir().unwrap();
    let tmux = Tmux::start(
        40,
        20,
        &live_view_command(
            &server,
            &dir,
            "--monitor --stale-after 2 hashtag:rust,hashtag:tokio",
        ),
    );
    within("rust", server.wait_subscribers("hashtag:rust", 1)).await;
    within("tokio", server.wait_subscribers("hashtag:tokio", 1)).await;
    let both = r#gen::status_with_tags(50, &["rust", "tokio"], "Carries both tags");
    server.post(&["hashtag:rust", "hashtag:tokio"], &both);
    let screen = tmux.wait_for("the merged post", |s| s.contains("Carries both"));
    assert_eq!(
        screen.matches("Carries both").count(),
        1,
        "shown once:\n{screen}"
    );
    assert!(!screen.lines().any(|l| l.chars().count() > 40), "{screen}");
    // Kill #tokio's connection and keep it down: its footer line must say so.
    server.set_fault(Fault::Status {
        status: 503,
        error: "down".into(),
        retry_after: None,
    });
    server.drop_connections();
    let screen = tmux.wait_for("the warning", |s| s.contains("down for"));
    assert!(screen.contains("tokio"), "{screen}");
    tmux.keys(&["q"]);
}

/// One deck, two accounts on two servers (one of them WebSocket-only): each tab streams and
/// loads from its own account's server with its own token, and a delete on one server leaves
/// the other server's post of the same id alone.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_deck_mixes_accounts_on_two_instances() {
    let a = server(Flavor::Mastodon).await;
    let b = server(Flavor::GoToSocial).await;
    b.set_token("token-of-bob");
    a.store(&["user"], &status(500, "alice", "Alpha history on A"));
    b.store(&["user"], &status(500, "bob", "Bravo history on B"));
    b.store_notification(&r#gen::notification_json(3, "follow"));
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        format!(
            r#"default_account = "me@a.example"
[accounts."me@a.example"]
instance = "{}"
token = "{}"
[accounts."bob@b.example"]
instance = "{}"
token = "token-of-bob"
[[tabs]]
streams = ["user"]
[[tabs]]
streams = ["user"]
account = "bob@b.example"
[transport]
backoff_initial_secs = 0.05
backoff_max_secs = 0.2
"#,
            a.base_url(),
            a.token(),
            b.base_url()
        ),
    )
    .unwrap();
    let command = format!(
        "env -u TOOTWATCH_INSTANCE -u TOOTWATCH_TOKEN -u TOOTWATCH_ACCOUNT TOOTWATCH_CONFIG={} TOOTWATCH_DATA_DIR={} TOOTWATCH_LOG_FILE={} {}",
        config.display(),
        dir.path().join("data").display(),
        dir.path().join("log").display(),
        env!("CARGO_BIN_EXE_tootwatch"),
    );
    let tmux = Tmux::start(120, 40, &command);
    let screen = tmux.wait_for("both tabs, A's history, B's notification", |s| {
        s.contains("Home · bob@b.example")
            && s.contains("Alpha history on A")
            && s.contains("bob@b.example ·")
    });
    assert!(!screen.contains("Bravo history on B"), "{screen}");
    within("A's stream", a.wait_subscribers("user", 1)).await;
    within("B's stream", b.wait_subscribers("user", 1)).await;
    tmux.keys(&["2"]);
    tmux.wait_for("B's history in the second tab", |s| {
        s.contains("Bravo history on B")
    });
    b.post(&["user"], &status(501, "bob", "Bravo live on B"));
    tmux.wait_for("B's live post", |s| s.contains("Bravo live on B"));
    // B deletes its 500; A's 500 is another post and stays.
    b.publish("user", "delete", Some("500"));
    tmux.wait_for("B's 500 gone", |s| !s.contains("Bravo history on B"));
    tmux.keys(&["1"]);
    tmux.wait_for("A's 500 still there", |s| s.contains("Alpha history on A"));
    tmux.keys(&["q"]);
    // Each server saw only its own account's token.
    let bearer = |r: &fake_mastodon::RecordedRequest| {
        r.header("authorization")
            .or(r.header("sec-websocket-protocol"))
            .map(str::to_string)
    };
    let on_b: Vec<_> = b.requests().iter().filter_map(bearer).collect();
    assert!(!on_b.is_empty());
    assert!(on_b.iter().all(|h| h.contains("token-of-bob")), "{on_b:?}");
    let on_a: Vec<_> = a.requests().iter().filter_map(bearer).collect();
    assert!(!on_a.is_empty());
    assert!(on_a.iter().all(|h| !h.contains("token-of-bob")), "{on_a:?}");
}

/// A token the server refuses ends the live view before it opens, with exit 3 and one line,
/// as it ends `tail`: the archive of whoever used that server before stays unseen.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_token_exits_3_before_the_view_opens() {
    let server = server(Flavor::Mastodon).await;
    let dir = tempfile::tempdir().unwrap();
    let command = live_view_command(&server, &dir, "user").replace(
        &format!("TOOTWATCH_TOKEN={}", server.token()),
        "TOOTWATCH_TOKEN=wrong",
    );
    let tmux = Tmux::start(120, 20, &format!("sh -c '{command}; echo exit $?'"));
    tmux.wait_for("the exit", |s| s.contains("exit "));
    let screen = tmux.tmux(&["capture-pane", "-p", "-S", "-50", "-t", &tmux.session]);
    assert!(screen.contains("exit 3"), "{screen}");
    let unwrapped = screen.replace('\n', "");
    assert!(
        unwrapped.contains("the server refused the access token (401 Invalid access token)"),
        "{screen}"
    );
    assert!(!screen.contains("Home"), "no view was drawn:\n{screen}");
}

/// A tab naming an account nobody configured or logged in, and a monitor asked to merge tabs of
/// two accounts: each a usage error (exit 2) saying what is wrong, before any network.
#[test]
fn tab_accounts_that_cannot_be_used_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        "[accounts.a]\ninstance = \"http://127.0.0.1:9\"\ntoken = \"t\"\n[[tabs]]\nstreams = [\"user\"]\naccount = \"nobody@x.example\"\n",
    )
    .unwrap();
    let run = |args: &[&str]| tootwatch_with_config(dir.path(), &config, args);
    let (code, stderr) = run(&[]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("a tab names the account `nobody@x.example`")
            && stderr.contains("accounts: a"),
        "{stderr}"
    );
    let (code, stderr) = run(&["--monitor"]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("--monitor shows the streams of one account"),
        "{stderr}"
    );
}

/// GoToSocial accepts hashtag subscriptions and never feeds them: the tab says it is polled
/// and why, and what the tag timeline gets shows up; a list tab is titled by the list's name.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_polled_hashtag_says_so_and_a_list_tab_has_its_title() {
    let server = server(Flavor::GoToSocial).await;
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("poll.toml");
    std::fs::write(
        &config,
        "[transport]\nbackoff_initial_secs = 0.05\nbackoff_max_secs = 0.2\npoll_secs = 0.3\n",
    )
    .unwrap();
    let args = format!("--config {} '#rust' list:Friends", config.display());
    let tmux = Tmux::start(120, 40, &live_view_command(&server, &dir, &args));
    let screen = tmux.wait_for("the polled state", |s| {
        s.contains("polling every 0.3 s (this server does not stream hashtags)")
    });
    let tabs = screen.lines().next().unwrap_or_default();
    assert!(tabs.contains("#rust ↻"), "{screen}");
    assert!(tabs.contains("Friends"), "{screen}");
    assert!(!tabs.contains("List 42"), "{screen}");
    // Only the list has a socket: nothing is opened for a stream the server never feeds.
    within("the list's socket", server.wait_subscribers("list:42", 1)).await;
    assert_eq!(server.connections("hashtag:rust"), 0);
    within(
        "a poll after the start page",
        server.wait_requests("/api/v1/timelines/tag/rust", 2),
    )
    .await;
    let fresh = serde_json::json!({
        "id": "990", "created_at": jiff::Timestamp::now().to_string(),
        "content": "<p>Found by polling</p>", "visibility": "public",
        "account": {"id": "7", "username": "pat", "acct": "pat", "display_name": "Pat"},
    });
    server.store(&["hashtag:rust"], &fresh.to_string());
    tmux.wait_for("the polled post", |s| s.contains("Found by polling"));
    tmux.keys(&["q"]);
}

/// The live view's `--exec` hook gets a post as the server sent it: Akkoma's fields, which no
/// model here reads, included.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_live_views_hook_gets_the_post_as_the_server_sent_it() {
    let server = server(Flavor::Pleroma).await;
    let dir = tempfile::tempdir().unwrap();
    // Written whole, then renamed: the file is there only once the hook is done.
    let (part, out) = (dir.path().join("hook.part"), dir.path().join("hook.json"));
    let args = format!(
        "--exec \"sh -c 'cat > {} && mv {} {}'\" public",
        part.display(),
        part.display(),
        out.display()
    );
    let tmux = Tmux::start(120, 40, &live_view_command(&server, &dir, &args));
    within("public", server.wait_subscribers("public", 1)).await;
    let mut post: serde_json::Value =
        serde_json::from_str(&status(950, "heidi", "From an Akkoma server")).unwrap();
    post["account"]["fqn"] = "heidi@pleroma.example".into();
    post["pleroma"] = serde_json::json!({"local": false, "emoji_reactions": [{"name": "🦀", "count": 2, "me": false}]});
    let sent = post.to_string();
    server.publish("public", "update", Some(&sent));
    tmux.wait_for("the post", |s| s.contains("From an Akkoma server"));
    let start = Instant::now();
    let handed = loop {
        if let Ok(text) = std::fs::read_to_string(&out) {
            break text;
        }
        assert!(start.elapsed() < GUARD, "the hook never ran");
        std::thread::sleep(Duration::from_millis(30));
    };
    assert_eq!(handed.trim_end(), sent, "as the server sent it");
    tmux.quit();
}

/// A hook still running when the reader quits finishes (within a few seconds) rather than
/// dying with the program.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hook_running_at_quit_finishes() {
    let server = server(Flavor::Mastodon).await;
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("hook.json");
    // Slower than the quit that follows the post on screen.
    let args = format!("--exec \"sh -c 'sleep 2; cat > {}'\" public", out.display());
    let tmux = Tmux::start(120, 40, &live_view_command(&server, &dir, &args));
    within("public", server.wait_subscribers("public", 1)).await;
    server.publish(
        "public",
        "update",
        Some(&status(951, "heidi", "Quit right after me")),
    );
    tmux.wait_for("the post", |s| s.contains("Quit right after me"));
    tmux.quit();
    let handed = std::fs::read_to_string(&out).unwrap_or_default();
    assert!(
        handed.contains("Quit right after me"),
        "the hook was cut off: {handed:?}"
    );
}

/// A post with pictures served by the fake server itself.
fn picture_status(id: u64, who: &str, text: &str, picture: &str, sensitive: bool) -> String {
    let mut s: serde_json::Value = serde_json::from_str(&status(id, who, text)).unwrap();
    s["sensitive"] = serde_json::json!(sensitive);
    s["media_attachments"] = serde_json::json!([{
        "id": format!("m{id}"), "type": "image",
        "url": picture, "preview_url": picture,
        "meta": {"original": {"width": 64, "height": 36}},
        "description": format!("picture of post {id}"),
        "blurhash": "LEHV6nWB2yk8pyo0adR*.7kCMdnj",
    }]);
    s.to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pictures_show_in_half_blocks_in_tmux_and_sensitive_ones_wait_for_reveal() {
    let server = server(Flavor::Mastodon).await;
    let base = server.base_url();
    let base = base.trim_end_matches('/');
    server.store(
        &["user"],
        &picture_status(
            201,
            "sam",
            "Behind a sensitive mark",
            &format!("{base}/media/green.png"),
            true,
        ),
    );
    server.store(
        &["user"],
        &picture_status(
            202,
            "ria",
            "Red over blue",
            &format!("{base}/media/red-blue.png"),
            false,
        ),
    );
    let dir = tempfile::tempdir().unwrap();
    let tmux = Tmux::start(80, 24, &live_view_command(&server, &dir, "user"));
    tmux.wait_for("both posts", |s| {
        s.contains("Red over blue") && s.contains("Behind a sensitive mark")
    });
    // The picture itself, in its own colours: red upper pixels, blue lower ones.
    let coloured = || tmux.tmux(&["capture-pane", "-p", "-e", "-t", &tmux.session]);
    let start = Instant::now();
    loop {
        let screen = coloured();
        if screen.contains("38;2;255;0;0") && screen.contains("48;2;0;0;255") {
            break;
        }
        assert!(start.elapsed() < GUARD, "no picture drawn:\n{screen}");
        std::thread::sleep(Duration::from_millis(50));
    }
    let screen = tmux.screen();
    // What it looks like (`cargo test --test tui pictures -- --nocapture`).
    eprintln!("{screen}");
    assert!(screen.contains("▀▀▀▀▀▀▀▀"), "{screen}");
    assert!(screen.contains("[image: picture of post 202]"), "{screen}");
    assert!(
        screen.contains("[sensitive] [image: picture of post 201]"),
        "{screen}"
    );
    let fetched = |path: &str| server.requests().iter().filter(|r| r.path == path).count();
    assert_eq!(
        fetched("/media/red-blue.png"),
        1,
        "once, then from the cache"
    );
    assert_eq!(
        fetched("/media/green.png"),
        0,
        "sensitive media wait for `c`"
    );
    let green = "38;2;0;255;0m";
    assert!(!coloured().contains(green));
    // Select the sensitive post (the older one, below) and reveal it.
    tmux.keys(&["j", "c"]);
    within(
        "the sensitive picture",
        server.wait_requests("/media/green.png", 1),
    )
    .await;
    let start = Instant::now();
    while !coloured().contains(green) {
        assert!(start.elapsed() < GUARD, "the revealed picture is not drawn");
        std::thread::sleep(Duration::from_millis(50));
    }
    tmux.keys(&["q"]);
}

/// `[ui] avatars` and the monitor's previews: both in half blocks, in tmux.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_monitor_previews_pictures_and_avatars_show_when_asked_for() {
    let server = server(Flavor::Mastodon).await;
    let base = server.base_url();
    let base = base.trim_end_matches('/');
    let mut post: serde_json::Value = serde_json::from_str(&picture_status(
        701,
        "ria",
        "A picture in the monitor",
        &format!("{base}/media/red-blue.png"),
        false,
    ))
    .unwrap();
    post["account"]["avatar_static"] = serde_json::json!(format!("{base}/media/green.png"));
    post["media_attachments"][0]["type"] = serde_json::json!("video");
    server.store(&["user"], &post.to_string());
    let dir = tempfile::tempdir().unwrap();
    let command = live_view_command(&server, &dir, "--monitor user");
    let config = dir.path().join("config.toml");
    let mut text = std::fs::read_to_string(&config).unwrap();
    text.push_str("[ui]\navatars = true\n");
    std::fs::write(&config, text).unwrap();
    let tmux = Tmux::start(80, 24, &command);
    let coloured = || tmux.tmux(&["capture-pane", "-p", "-e", "-t", &tmux.session]);
    let start = Instant::now();
    // The preview (red over blue) and the avatar (green), both downloaded and drawn.
    while !(coloured().contains("38;2;255;0;0") && coloured().contains("38;2;0;255;0")) {
        assert!(
            start.elapsed() < GUARD,
            "no preview or avatar:\n{}",
            coloured()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let screen = tmux.screen();
    eprintln!("{screen}");
    // A video shows its preview image and says what it is.
    assert!(
        screen.contains("▀▀▀▀▀▀▀▀ [video: picture of post 701]"),
        "{screen}"
    );
    assert!(
        screen.contains("▀▀ RIA @ria"),
        "the avatar before the name:\n{screen}"
    );
    tmux.keys(&["q"]);
}
