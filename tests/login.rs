//! `tootwatch login` / `logout` against the fake server's OAuth: the pasted code, the loopback
//! redirect, the token store (mode, refusal of a loose one), account selection and revocation.
//! Every run gets its own data dir (`TOOTWATCH_DATA_DIR`) and config (`TOOTWATCH_CONFIG`).

#![allow(clippy::unwrap_used)] // test helpers: a panic is a failing test

mod common;

use std::path::{Path, PathBuf};
use std::process::Stdio;

use common::*;
use fake_mastodon::oauth::{OOB_REDIRECT, code_from_page};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::process::{ChildStdin, Command};

/// A user's machine: a config file and a data dir.
struct Home {
    dir: tempfile::TempDir,
    config: PathBuf,
    data: PathBuf,
    /// Everything any run printed, to check that no token ever shows.
    printed: Vec<String>,
}

fn home() -> Home {
    let dir = tempfile::tempdir().unwrap();
    let config = fast_config(&dir);
    let data = dir.path().join("data");
    Home {
        dir,
        config,
        data,
        printed: Vec::new(),
    }
}

impl Home {
    fn accounts_file(&self) -> PathBuf {
        self.data.join("accounts.json")
    }

    /// `tootwatch ARGS` with this home and nothing else: no instance, token or account given.
    fn run(&self, args: &[&str]) -> (Run, ChildStdin) {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_tootwatch"));
        cmd.args(args)
            .env("TOOTWATCH_CONFIG", &self.config)
            .env("TOOTWATCH_DATA_DIR", &self.data)
            .env("TOOTWATCH_LOG_FILE", self.dir.path().join("tootwatch.log"))
            .env_remove("TOOTWATCH_INSTANCE")
            .env_remove("TOOTWATCH_TOKEN")
            .env_remove("TOOTWATCH_ACCOUNT")
            .env_remove("DISPLAY")
            .env_remove("WAYLAND_DISPLAY")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        let mut child = cmd.spawn().expect("the tootwatch binary runs");
        let stdin = child.stdin.take().unwrap();
        let stdout = BufReader::new(child.stdout.take().unwrap()).lines();
        let stderr = BufReader::new(child.stderr.take().unwrap()).lines();
        let run = Run {
            child,
            stdout,
            stderr,
            dir: tempfile::tempdir().unwrap(),
        };
        (run, stdin)
    }

    /// Runs to the end; returns (exit code, stdout, stderr).
    async fn finish(&mut self, mut run: Run) -> (i32, String, String) {
        let code = run.exit_code().await;
        let mut out = Vec::new();
        while let Ok(Some(l)) = run.stdout.next_line().await {
            out.push(l);
        }
        let err = run.rest_of_stderr().await;
        let (out, err) = (out.join("\n"), err.join("\n"));
        self.printed.push(out.clone());
        self.printed.push(err.clone());
        (code, out, err)
    }

    async fn command(&mut self, args: &[&str]) -> (i32, String, String) {
        let (run, stdin) = self.run(args);
        drop(stdin);
        self.finish(run).await
    }

    fn assert_never_printed(&self, token: &str) {
        assert!(!token.is_empty());
        for text in &self.printed {
            assert!(!text.contains(token), "a token was printed:\n{text}");
        }
    }
}

fn http() -> reqwest::Client {
    tootwatch::api::init_tls();
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// The authorize URLs that `login` prints: (out-of-band, loopback if `loopback`).
async fn printed_urls(run: &mut Run, loopback: bool) -> (String, Option<String>) {
    let mut oob = None;
    let mut lo = None;
    while oob.is_none() || (loopback && lo.is_none()) {
        let line = run.line().await;
        if !line.starts_with("http") {
            continue;
        }
        let url = url::Url::parse(&line).unwrap();
        let redirect = url
            .query_pairs()
            .find(|(k, _)| k == "redirect_uri")
            .map(|(_, v)| v.into_owned())
            .unwrap();
        if redirect == OOB_REDIRECT {
            oob = Some(line);
        } else {
            assert!(redirect.starts_with("http://127.0.0.1:"), "{redirect}");
            lo = Some(line);
        }
    }
    (oob.unwrap(), lo)
}

/// What the user does in the browser for the out-of-band redirect: approve, copy the code.
async fn code_from_server(url: &str) -> String {
    let response = http().get(url).send().await.unwrap();
    assert_eq!(response.status(), 200);
    code_from_page(&response.text().await.unwrap()).expect("a code on the page")
}

/// `tootwatch login --no-browser SERVER`, with the code pasted on stdin.
async fn login_pasting(home: &mut Home, server: &FakeServer, loopback: bool) -> String {
    let base = server.base_url();
    let (mut run, mut stdin) = home.run(&["login", "--no-browser", &base]);
    let (oob, _) = printed_urls(&mut run, loopback).await;
    let code = code_from_server(&oob).await;
    stdin
        .write_all(format!("{code}\n").as_bytes())
        .await
        .unwrap();
    let (code, out, err) = home.finish(run).await;
    assert_eq!(code, 0, "stdout: {out}\nstderr: {err}");
    assert!(out.contains("Logged in as tester@127.0.0.1:"), "{out}");
    out
}

fn name_of(server: &FakeServer) -> String {
    format!("tester@127.0.0.1:{}", server.addr().port())
}

fn stored_accounts(home: &Home) -> serde_json::Value {
    let text = std::fs::read_to_string(home.accounts_file()).unwrap();
    serde_json::from_str::<serde_json::Value>(&text).unwrap()["accounts"].clone()
}

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

async fn token_works(server: &FakeServer, token: &str) -> bool {
    let response = http()
        .get(format!(
            "{}/api/v1/accounts/verify_credentials",
            server.base_url()
        ))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    response.status() == 200
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_with_a_pasted_code_then_check_then_logout() {
    let server = server(Flavor::Mastodon).await;
    let mut home = home();
    let out = login_pasting(&mut home, &server, true).await;
    let name = name_of(&server);
    assert!(out.contains(&name), "{out}");

    // The app: both redirects, `read` only.
    let apps = server.registered_apps();
    assert_eq!(apps.len(), 1);
    assert_eq!(apps[0].name, "tootwatch");
    assert_eq!(apps[0].scopes, ["read"]);
    assert_eq!(apps[0].redirect_uris[0], OOB_REDIRECT);
    assert!(apps[0].redirect_uris[1].starts_with("http://127.0.0.1:"));
    // PKCE S256 was used and the verifier matches the challenge.
    let pkce = server.pkce_pairs();
    assert_eq!(pkce.len(), 1);
    assert_eq!(tootwatch::api::auth::pkce_challenge(&pkce[0].1), pkce[0].0);

    // The token is stored, privately, and nowhere else.
    let tokens = server.issued_tokens();
    assert_eq!(tokens.len(), 1);
    let token = tokens[0].clone();
    let stored = stored_accounts(&home);
    assert_eq!(stored[&name]["token"], token.as_str());
    assert_eq!(stored[&name]["scopes"], "read");
    assert_eq!(stored[&name]["instance"], format!("{}/", server.base_url()));
    #[cfg(unix)]
    {
        assert_eq!(mode(&home.accounts_file()), 0o600);
        assert_eq!(mode(&home.data.join("apps.json")), 0o600);
    }
    assert!(
        !std::fs::read_to_string(&home.config)
            .unwrap()
            .contains(&token)
    );

    // Every command now uses the stored account: no --instance, no --token.
    let (code, out, err) = home.command(&["check"]).await;
    assert_eq!(code, 0, "stdout: {out}\nstderr: {err}");
    assert!(out.contains("valid for @tester"), "{out}");
    let bearer = format!("Bearer {token}");
    assert!(
        server
            .requests()
            .iter()
            .any(|r| r.path == "/api/v1/accounts/verify_credentials"
                && r.header("authorization") == Some(bearer.as_str())),
        "check used the stored token"
    );

    // Logout revokes and forgets.
    assert!(token_works(&server, &token).await);
    let (code, out, err) = home.command(&["logout"]).await;
    assert_eq!(code, 0, "stdout: {out}\nstderr: {err}");
    assert!(out.contains(&format!("Logged out of {name}")), "{out}");
    assert_eq!(server.revoked_tokens(), vec![token.clone()]);
    assert!(!token_works(&server, &token).await);
    assert_eq!(stored_accounts(&home), serde_json::json!({}));
    let (code, _, err) = home.command(&["logout"]).await;
    assert_eq!(code, 2);
    assert!(err.contains("no account is logged in"), "{err}");
    home.assert_never_printed(&token);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_through_the_loopback_redirect_then_again_with_the_same_app() {
    let server = server(Flavor::Mastodon).await;
    let mut home = home();
    let (mut run, _stdin) = home.run(&["login", "--no-browser", &server.base_url()]);
    let (_, loopback) = printed_urls(&mut run, true).await;
    // The browser: the server approves and redirects to tootwatch's listener.
    let client = http();
    let response = client.get(loopback.unwrap()).send().await.unwrap();
    assert_eq!(response.status(), 302);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.starts_with("http://127.0.0.1:"), "{location}");
    assert!(location.contains("state="), "{location}");
    // A forged callback (wrong state) is turned away and does not end the login.
    let forged = format!(
        "{}?code=stolen&state=wrong",
        location.split('?').next().unwrap()
    );
    let response = client.get(&forged).send().await.unwrap();
    assert_eq!(response.status(), 400);
    let response = client.get(&location).send().await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("you can close this tab")
    );
    let (code, out, err) = home.finish(run).await;
    assert_eq!(code, 0, "stdout: {out}\nstderr: {err}");
    assert!(
        out.contains(&format!("Logged in as {}", name_of(&server))),
        "{out}"
    );
    let first = server.issued_tokens();
    assert_eq!(first.len(), 1);

    // Logging in again reuses the cached app, replaces the token and revokes the old one.
    login_pasting(&mut home, &server, true).await;
    assert_eq!(server.registered_apps().len(), 1, "the app is reused");
    let second = server.issued_tokens();
    assert_eq!(second.len(), 1);
    assert_ne!(second, first);
    assert_eq!(server.revoked_tokens(), first);
    let stored = stored_accounts(&home);
    assert_eq!(stored.as_object().unwrap().len(), 1);
    assert_eq!(stored[&name_of(&server)]["token"], second[0].as_str());
    home.assert_never_printed(&first[0]);
    home.assert_never_printed(&second[0]);
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_token_file_others_can_read_is_refused() {
    use std::os::unix::fs::PermissionsExt;
    let server = server(Flavor::Mastodon).await;
    let mut home = home();
    login_pasting(&mut home, &server, true).await;
    let path = home.accounts_file();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    for args in [&["check"][..], &["logout"][..], &["tail", "user"][..]] {
        let (code, out, err) = home.command(args).await;
        assert_eq!(code, 2, "{args:?}: stdout: {out}\nstderr: {err}");
        assert!(err.contains(&path.display().to_string()), "{err}");
        assert!(err.contains("chmod 600"), "{err}");
    }
    assert_eq!(server.revoked_tokens().len(), 0, "nothing was used");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    let (code, out, _) = home.command(&["check"]).await;
    assert_eq!(code, 0, "{out}");
    home.assert_never_printed(&server.issued_tokens()[0]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn several_accounts_need_a_name() {
    let one = server(Flavor::Mastodon).await;
    let two = server(Flavor::Mastodon).await;
    let mut home = home();
    login_pasting(&mut home, &one, true).await;
    login_pasting(&mut home, &two, true).await;
    let (name1, name2) = (name_of(&one), name_of(&two));

    let (code, _, err) = home.command(&["logout"]).await;
    assert_eq!(code, 2);
    assert!(err.contains(&name1) && err.contains(&name2), "{err}");
    let (code, _, err) = home.command(&["check"]).await;
    assert_eq!(code, 2);
    assert!(err.contains(&name1) && err.contains(&name2), "{err}");
    assert!(err.contains("--account"), "{err}");

    let (code, out, err) = home.command(&["check", "--account", &name2]).await;
    assert_eq!(code, 0, "stdout: {out}\nstderr: {err}");
    assert!(out.contains(&two.base_url()), "{out}");

    // The config's default may name a stored account.
    let config = std::fs::read_to_string(&home.config).unwrap();
    std::fs::write(
        &home.config,
        format!("default_account = \"{name1}\"\n{config}"),
    )
    .unwrap();
    let (code, out, _) = home.command(&["check"]).await;
    assert_eq!(code, 0, "{out}");
    assert!(out.contains(&one.base_url()), "{out}");
    // So does logout without a name.
    let (code, out, err) = home.command(&["logout"]).await;
    assert_eq!(code, 0, "stdout: {out}\nstderr: {err}");
    assert!(out.contains(&name1), "{out}");
    assert_eq!(one.revoked_tokens().len(), 1);
    assert_eq!(two.revoked_tokens().len(), 0);
    std::fs::write(&home.config, config).unwrap();

    login_pasting(&mut home, &one, true).await;
    let (code, out, err) = home.command(&["logout", &name1]).await;
    assert_eq!(code, 0, "stdout: {out}\nstderr: {err}");
    assert_eq!(one.revoked_tokens().len(), 2);
    assert_eq!(two.revoked_tokens().len(), 0);
    let (code, _, err) = home.command(&["logout", &name1]).await;
    assert_eq!(code, 2);
    assert!(err.contains(&name2), "lists who is logged in: {err}");
    // One left: it is used without a name.
    let (code, out, _) = home.command(&["check"]).await;
    assert_eq!(code, 0, "{out}");
    assert!(out.contains(&two.base_url()), "{out}");
    for token in one.revoked_tokens() {
        home.assert_never_printed(&token);
    }
    home.assert_never_printed(&two.issued_tokens()[0]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_taking_one_redirect_uri_still_signs_in_by_pasting() {
    let server = server(Flavor::Mastodon).await;
    server.set_single_redirect_uri(true);
    let mut home = home();
    let out = login_pasting(&mut home, &server, false).await;
    assert!(!out.contains("finishes by itself"), "{out}");
    let apps = server.registered_apps();
    assert_eq!(apps.len(), 1);
    assert_eq!(apps[0].redirect_uris, [OOB_REDIRECT]);
    // The next login reuses that app as it is.
    login_pasting(&mut home, &server, false).await;
    assert_eq!(server.registered_apps().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_code_is_refused_and_nothing_is_stored() {
    let server = server(Flavor::Mastodon).await;
    let mut home = home();
    let (mut run, mut stdin) = home.run(&["login", "--no-browser", &server.base_url()]);
    printed_urls(&mut run, true).await;
    stdin.write_all(b"two words\nnot-a-code\n").await.unwrap();
    let (code, _, err) = home.finish(run).await;
    assert_eq!(code, 3, "{err}");
    assert!(err.contains("does not look like a code"), "{err}");
    assert!(err.contains("did not accept the code"), "{err}");
    assert!(!home.accounts_file().exists());
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_c_while_waiting_for_the_code_says_nothing_was_stored() {
    let server = server(Flavor::Mastodon).await;
    let mut home = home();
    let (mut run, _stdin) = home.run(&["login", "--no-browser", &server.base_url()]);
    printed_urls(&mut run, true).await;
    let pid = run.child.id().expect("running").to_string();
    let kill = std::process::Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .unwrap();
    assert!(kill.success());
    let (code, _, err) = home.finish(run).await;
    assert_eq!(code, 1, "{err}");
    assert_eq!(err, "tootwatch: login interrupted: no account was stored");
    assert!(!home.accounts_file().exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logout_without_the_server_forgets_and_says_so() {
    let server = server(Flavor::Mastodon).await;
    let mut home = home();
    login_pasting(&mut home, &server, true).await;
    let token = server.issued_tokens()[0].clone();
    server.shutdown().await;
    let (code, _, err) = home.command(&["logout"]).await;
    assert_eq!(code, 1);
    assert!(err.contains("could not revoke"), "{err}");
    assert!(err.contains("Authorized apps"), "{err}");
    assert_eq!(stored_accounts(&home), serde_json::json!({}));
    home.assert_never_printed(&token);
}
