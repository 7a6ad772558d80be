//! `tootwatch check` against the fake server: a line per part, what a failure says, and which
//! tabs it tries.

#![allow(clippy::unwrap_used)] // test helpers: a panic is a failing test

mod common;

use common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_reports_each_part() {
    let server = server(Flavor::Mastodon).await;
    let mut run = tootwatch(
        &server,
        &server.token(),
        &["check", "user", "#rust", "list:Friends"],
    );
    let (lines, code) = run.all_lines_and_exit().await;
    assert_eq!(code, 0, "{lines:#?}");
    assert!(lines[0].starts_with("OK   instance"), "{lines:#?}");
    assert!(
        lines[1].starts_with(&format!(
            "OK   token      valid for @tester@127.0.0.1:{} (",
            server.addr().port()
        )),
        "{lines:#?}"
    );
    // A bare token: markers are read, not written.
    assert!(
        lines[2].starts_with(
            "NOTE markers    read from the server, not written: what this token may do is unknown"
        ),
        "{lines:#?}"
    );
    assert!(lines[3].starts_with("OK   streaming"), "{lines:#?}");
    assert!(
        lines[4].starts_with("OK   stream     user: subscribed over"),
        "{lines:#?}"
    );
    assert!(
        lines[5].starts_with("OK   stream     hashtag:rust"),
        "{lines:#?}"
    );
    assert!(
        lines[6].starts_with("OK   stream     list:42"),
        "{lines:#?}"
    );
    assert_eq!(lines.len(), 7);

    let mut run = tootwatch(&server, "bad", &["check"]);
    let (lines, code) = run.all_lines_and_exit().await;
    assert_eq!(code, 3);
    assert!(lines[1].starts_with("FAIL token"), "{lines:#?}");
    // Like every failing run, one line on stderr.
    assert_eq!(
        run.rest_of_stderr().await,
        ["tootwatch: 2 checks failed: the FAIL lines say what is wrong and what to do"]
    );
}

/// `tootwatch check` with the config file `config`: its lines and exit code.
async fn check_with(server: &FakeServer, config: &std::path::Path) -> (Vec<String>, i32) {
    tootwatch_with(
        server,
        &server.token(),
        &["check"],
        &[("TOOTWATCH_CONFIG", config)],
    )
    .all_lines_and_exit()
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_tries_the_tabs_of_its_account_and_names_the_others() {
    let server = server(Flavor::Mastodon).await;
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("tabs.toml");
    std::fs::write(
        &config,
        "[accounts.\"bob@gts.example\"]\ninstance = \"http://127.0.0.1:9\"\ntoken = \"t\"\n\
         [[tabs]]\nstreams = [\"#rust\"]\n\
         [[tabs]]\nname = \"Bob's home\"\nstreams = [\"user\"]\naccount = \"bob@gts.example\"\n",
    )
    .unwrap();
    let (lines, code) = check_with(&server, &config).await;
    assert_eq!(code, 0, "{lines:#?}");
    assert!(
        lines.iter().any(|l| l.starts_with("NOTE tab")
            && l.contains("`Bob's home` is of bob@gts.example")
            && l.contains("tootwatch check --account bob@gts.example")),
        "{lines:#?}"
    );
    let at = |prefix: &str| lines.iter().position(|l| l.starts_with(prefix));
    assert!(
        at("NOTE tab") > at("OK   streaming"),
        "in the order the parts are checked: {lines:#?}"
    );
    let streams: Vec<&String> = lines.iter().filter(|l| l.contains(" stream ")).collect();
    assert_eq!(streams.len(), 1, "{lines:#?}");
    assert!(
        streams[0].starts_with("OK   stream     hashtag:rust"),
        "{lines:#?}"
    );

    // A tab of an account that is not here (logged out): the live view would not open.
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(
        &config,
        format!("{text}[[tabs]]\nstreams = [\"user\"]\naccount = \"gone@x.example\"\n"),
    )
    .unwrap();
    let (lines, code) = check_with(&server, &config).await;
    assert_eq!(code, 1, "{lines:#?}");
    let gone = lines
        .iter()
        .find(|l| l.starts_with("FAIL tab"))
        .expect("a FAIL line");
    assert!(
        gone.contains("user names the account `gone@x.example`")
            && gone.contains("tootwatch login")
            && gone.contains(&config.display().to_string()),
        "{gone}"
    );
}
