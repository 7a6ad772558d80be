//! `tootwatch tail` when it cannot go on: refused credentials and streams (exit 3), usage and
//! config errors (exit 2), a server that offers neither transport (exit 1), each said in one
//! line on stderr that names the problem, as docs/cli.md's exit codes promise.

#![allow(clippy::unwrap_used)] // test helpers: a panic is a failing test

mod common;

use common::*;
use fake_mastodon::r#gen;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_token_exits_3_with_one_clear_line() {
    let server = server(Flavor::Mastodon).await;
    for transport in ["auto", "sse", "ws"] {
        let mut run = tootwatch(
            &server,
            "wrong",
            &["tail", "--transport", transport, "user"],
        );
        assert_eq!(run.exit_code().await, 3, "transport {transport}");
        let stderr = run.rest_of_stderr().await;
        // Connecting, then the one line of the failure.
        assert_eq!(stderr.len(), 2, "{stderr:?}");
        assert!(
            stderr[0].starts_with("tootwatch: user: connecting ("),
            "{stderr:?}"
        );
        assert!(
            stderr[1].starts_with(
                "tootwatch: user: failed: the server refused the access token (401 Invalid access token)"
            ),
            "{}",
            stderr[1]
        );
        assert!(
            stderr[1].contains("--token"),
            "says what to do: {}",
            stderr[1]
        );
    }
    // The token the server refused was never repeated in a URL.
    assert!(
        server
            .requests()
            .iter()
            .all(|r| !r.query.as_deref().unwrap_or("").contains("wrong"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_stream_exits_3_and_names_it() {
    let server = server(Flavor::Mastodon).await;
    server.set_fault(Fault::Status {
        status: 400,
        error: "Unknown channel requested".into(),
        retry_after: None,
    });
    for transport in ["sse", "ws"] {
        let mut run = tootwatch(
            &server,
            &server.token(),
            &["tail", "--transport", transport, "public:remote"],
        );
        assert_eq!(run.exit_code().await, 3);
        let stderr = run.rest_of_stderr().await;
        assert_eq!(stderr.len(), 2, "{stderr:?}");
        assert!(
            stderr[1].starts_with("tootwatch: public:remote: failed: the server refused the stream (400 Unknown channel requested)"),
            "{stderr:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_list_is_a_usage_error_listing_the_lists() {
    let server = server(Flavor::Mastodon).await;
    let mut run = tootwatch(&server, &server.token(), &["tail", "list:Family"]);
    assert_eq!(run.exit_code().await, 2);
    let stderr = run.rest_of_stderr().await;
    assert_eq!(
        stderr,
        vec!["tootwatch: no list `Family`; your lists: Friends (list:42)".to_string()]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_token_on_a_polled_stream_exits_3_too() {
    // GoToSocial streams no hashtags: the timeline, polled, is all the stream there is.
    let server = server(Flavor::GoToSocial).await;
    let mut run = tootwatch(&server, "wrong", &["tail", "#rust"]);
    assert_eq!(run.exit_code().await, 3);
    let stderr = run.rest_of_stderr().await;
    assert!(stderr[0].contains("polling every"), "{stderr:?}");
    assert_eq!(stderr.len(), 2, "{stderr:?}");
    assert!(
        stderr[1].starts_with(
            "tootwatch: hashtag:rust: failed: the server refused the access token (401 Invalid access token); sign in again"
        ),
        "{stderr:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forcing_sse_on_a_websocket_only_server_fails_clearly() {
    let server = server(Flavor::GoToSocial).await;
    let mut run = tootwatch(
        &server,
        &server.token(),
        &["tail", "--transport", "sse", "user"],
    );
    assert_eq!(run.exit_code().await, 1);
    let stderr = run.rest_of_stderr().await;
    assert!(
        stderr
            .last()
            .unwrap()
            .contains("no server-sent events endpoint (404"),
        "{stderr:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn usage_errors_exit_2_naming_the_problem() {
    let server = server(Flavor::Mastodon).await;
    let mut run = tootwatch(&server, &server.token(), &["tail", "pubic"]);
    assert_eq!(run.exit_code().await, 2);
    let stderr = run.rest_of_stderr().await.join("\n");
    assert!(stderr.contains("`pubic` is not a STREAM"), "{stderr}");

    // `--count 0` would connect and print one event: it is refused.
    let mut run = tootwatch(
        &server,
        &server.token(),
        &["tail", "--count", "0", "public"],
    );
    assert_eq!(run.exit_code().await, 2);
    let stderr = run.rest_of_stderr().await.join("\n");
    assert!(stderr.contains("at least 1"), "{stderr}");

    let mut run = tootwatch(
        &server,
        &server.token(),
        &["tail", "--instance", "http://mastodon.example", "user"],
    );
    assert_eq!(run.exit_code().await, 2);
    assert!(run.rest_of_stderr().await[0].contains("--insecure"));

    // A bad hook or pattern is said before anything is asked of the server.
    for (option, bad, said) in [
        ("--exec", "notify-send 'unclosed", "quote"),
        ("--highlight", "/(/", "/(/"),
    ] {
        let before = server.requests().len();
        let mut run = tootwatch(&server, &server.token(), &["tail", option, bad, "user"]);
        assert_eq!(run.exit_code().await, 2, "{option}");
        let stderr = run.rest_of_stderr().await.join("\n");
        assert!(stderr.contains(said), "{option}: {stderr}");
        assert_eq!(server.requests().len(), before, "{option}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_config_file_exits_2_with_file_line_and_key() {
    let server = server(Flavor::Mastodon).await;
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "[transport]\nread_timeout_secs = \"never\"\n").unwrap();
    let mut run = tootwatch(
        &server,
        &server.token(),
        &["tail", "--config", bad.to_str().unwrap(), "user"],
    );
    assert_eq!(run.exit_code().await, 2);
    let stderr = run.rest_of_stderr().await;
    assert_eq!(stderr.len(), 1);
    assert!(
        stderr[0].contains("bad.toml, line 2, key `read_timeout_secs`"),
        "{}",
        stderr[0]
    );
}

#[test]
fn a_bad_instance_in_the_config_is_named_there_not_as_a_flag() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("accounts.toml");
    std::fs::write(
        &config,
        "[accounts.a]\ninstance = \"ftp://x\"\ntoken = \"t\"\n",
    )
    .unwrap();
    let (code, stderr) = tootwatch_with_config(dir.path(), &config, &["tail", "user"]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("the `instance` of account `a` (in ")
            && stderr.contains("accounts.toml")
            && !stderr.contains("--instance"),
        "{stderr}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reader_that_went_away_ends_the_run_with_exit_0_at_the_next_line() {
    // `tail public | head -1` on a quiet stream: the line after the reader left ends the run,
    // not a line after that (which may be hours away).
    let server = server(Flavor::Mastodon).await;
    let Run {
        mut child,
        mut stdout,
        stderr: _stderr,
        dir: _dir,
    } = tootwatch(&server, &server.token(), &["tail", "public"]);
    within("the subscription", server.wait_subscribers("public", 1)).await;
    let post = |id| r#gen::status_with_tags(id, &[], "a quiet stream");
    server.publish("public", "update", Some(&post(1)));
    let line = within("a line", stdout.next_line()).await.unwrap();
    assert!(line.unwrap().contains("a quiet stream"));
    drop(stdout);
    server.publish("public", "update", Some(&post(2)));
    let status = within("the exit", child.wait()).await.unwrap();
    assert_eq!(status.code(), Some(0));
}
