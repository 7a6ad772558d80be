//! Resolving the account, instance and token a command runs with; parsing base URLs.

use super::*;

#[test]
fn base_urls_are_checked_for_safety() {
    assert_eq!(
        parse_base_url("mastodon.example", "--instance", false)
            .unwrap()
            .as_str(),
        "https://mastodon.example/"
    );
    assert!(parse_base_url("http://127.0.0.1:3000", "--instance", false).is_ok());
    let e = parse_base_url("http://mastodon.example", "--instance", false).unwrap_err();
    assert_eq!(e.code, 2);
    assert!(e.message.contains("--insecure"));
    assert!(parse_base_url("http://mastodon.example", "--instance", true).is_ok());
    assert!(parse_base_url("ftp://x", "--instance", true).is_err());
}

fn opts(config: &std::path::Path) -> ServerOpts {
    ServerOpts {
        config: Some(config.to_path_buf()),
        ..ServerOpts::default()
    }
}

/// `resolve` with a store in an empty dir of its own, whatever the machine has logged in.
fn resolve(opts: &ServerOpts) -> Result<Resolved, Failure> {
    let dir = tempfile::tempdir().unwrap();
    resolve_in(opts, Some(&Store::new(dir.path())))
}

fn stored(instance: &str, token: &str) -> crate::accounts::StoredAccount {
    crate::accounts::StoredAccount {
        instance: instance.into(),
        token: token.into(),
        scopes: "read".into(),
        client_id: "cid".into(),
        client_secret: "cs".into(),
        created_at: String::new(),
    }
}

#[test]
fn the_only_stored_account_is_used() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::new(dir.path().join("data"));
    let path = dir.path().join("c.toml");
    std::fs::write(&path, "").unwrap();
    store
        .save_account("me@x.example", stored("https://x.example/", "tx"))
        .unwrap();
    let r = resolve_in(&opts(&path), Some(&store)).unwrap();
    assert_eq!(r.account.as_deref(), Some("me@x.example"));
    assert_eq!(r.instance.as_str(), "https://x.example/");
    assert_eq!(r.token.as_deref(), Some("tx"));
    // --instance or --token means "not a stored account".
    let mut o = opts(&path);
    o.instance = Some("https://other.example".into());
    let r = resolve_in(&o, Some(&store)).unwrap();
    assert_eq!((r.account, r.token), (None, None));
}

#[test]
fn several_accounts_need_a_choice_or_a_default() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::new(dir.path().join("data"));
    let path = dir.path().join("c.toml");
    std::fs::write(&path, "").unwrap();
    store
        .save_account("me@x.example", stored("https://x.example/", "tx"))
        .unwrap();
    store
        .save_account("me@y.example", stored("https://y.example/", "ty"))
        .unwrap();
    let e = resolve_in(&opts(&path), Some(&store)).unwrap_err();
    assert_eq!(e.code, 2);
    assert!(
        e.message.contains("me@x.example, me@y.example"),
        "{}",
        e.message
    );
    let mut o = opts(&path);
    o.account = Some("me@y.example".into());
    let r = resolve_in(&o, Some(&store)).unwrap();
    assert_eq!(r.token.as_deref(), Some("ty"));
    assert_eq!(r.instance.as_str(), "https://y.example/");

    // The config's default may name a stored account.
    std::fs::write(&path, "default_account = \"me@x.example\"\n").unwrap();
    let r = resolve_in(&opts(&path), Some(&store)).unwrap();
    assert_eq!(r.token.as_deref(), Some("tx"));
    // ... but not a missing one.
    std::fs::write(&path, "default_account = \"gone@z.example\"\n").unwrap();
    let e = resolve_in(&opts(&path), Some(&store)).unwrap_err();
    assert!(
        e.message.contains(&format!(
            "no account `gone@z.example` (the default_account in {})",
            path.display()
        )),
        "{}",
        e.message
    );
    assert!(
        e.message.contains("me@x.example, me@y.example"),
        "{}",
        e.message
    );

    // A config account counts too: one configured and one stored are two.
    std::fs::write(
        &path,
        "[accounts.c]\ninstance = \"https://c.example\"\ntoken = \"tc\"\n",
    )
    .unwrap();
    store.remove_account("me@y.example").unwrap();
    let e = resolve_in(&opts(&path), Some(&store)).unwrap_err();
    assert!(e.message.contains("c, me@x.example"), "{}", e.message);
}

#[test]
fn a_config_account_without_a_token_uses_the_stored_one() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::new(dir.path().join("data"));
    let path = dir.path().join("c.toml");
    std::fs::write(
        &path,
        "[accounts.\"me@x.example\"]\ninstance = \"https://x.example\"\nstreaming_url = \"wss://s.x.example\"\n",
    )
    .unwrap();
    store
        .save_account("me@x.example", stored("https://x.example/", "tx"))
        .unwrap();
    let r = resolve_in(&opts(&path), Some(&store)).unwrap();
    assert_eq!(r.token.as_deref(), Some("tx"));
    assert_eq!(
        r.streaming_url.map(|u| u.to_string()).as_deref(),
        Some("https://s.x.example/")
    );
    // Never a stored token for another server under the same name.
    store
        .save_account("me@x.example", stored("https://elsewhere.example/", "te"))
        .unwrap();
    let r = resolve_in(&opts(&path), Some(&store)).unwrap();
    assert_eq!(r.token, None);
    // A token in the config wins, and then the store is not even read.
    std::fs::write(
        &path,
        "[accounts.\"me@x.example\"]\ninstance = \"https://x.example\"\ntoken = \"tconf\"\n",
    )
    .unwrap();
    let r = resolve_in(&opts(&path), Some(&store)).unwrap();
    assert_eq!(r.token.as_deref(), Some("tconf"));
}

#[test]
fn a_config_account_named_its_own_way_uses_the_one_login_of_its_server() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::new(dir.path().join("data"));
    let path = dir.path().join("c.toml");
    std::fs::write(
        &path,
        "default_account = \"work\"\n[accounts.work]\ninstance = \"https://x.example\"\n",
    )
    .unwrap();
    store
        .save_account("me@x.example", stored("https://x.example/", "tx"))
        .unwrap();
    store
        .save_account("me@y.example", stored("https://y.example/", "ty"))
        .unwrap();
    let r = resolve_in(&opts(&path), Some(&store)).unwrap();
    assert_eq!(r.token.as_deref(), Some("tx"));
    // Two logins on that server: which one is not ours to guess.
    store
        .save_account("you@x.example", stored("https://x.example/", "tx2"))
        .unwrap();
    let r = resolve_in(&opts(&path), Some(&store)).unwrap();
    assert_eq!(r.token, None);
}

#[cfg(unix)]
#[test]
fn a_store_others_can_read_is_refused_when_needed() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let store = Store::new(dir.path().join("data"));
    let path = dir.path().join("c.toml");
    std::fs::write(&path, "").unwrap();
    store
        .save_account("me@x.example", stored("https://x.example/", "tx"))
        .unwrap();
    std::fs::set_permissions(
        store.accounts_path(),
        std::fs::Permissions::from_mode(0o644),
    )
    .unwrap();
    let e = resolve_in(&opts(&path), Some(&store)).unwrap_err();
    assert_eq!(e.code, 2);
    assert!(e.message.contains("chmod 600"), "{}", e.message);
    assert!(!e.message.contains("tx"));
    // Explicit --instance and --token do not need the store.
    let mut o = opts(&path);
    o.instance = Some("https://x.example".into());
    o.token = Some("given".into());
    assert_eq!(
        resolve_in(&o, Some(&store)).unwrap().token.as_deref(),
        Some("given")
    );
}

#[test]
fn accounts_are_picked_as_cli_md_says() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.toml");
    std::fs::write(
        &path,
        "[accounts.a]\ninstance = \"https://a.example\"\ntoken = \"ta\"\n[accounts.b]\ninstance = \"https://b.example\"\n",
    )
    .unwrap();
    let e = resolve(&opts(&path)).unwrap_err();
    assert_eq!(e.code, 2);
    assert!(e.message.contains("a, b"), "{}", e.message);
    let mut o = opts(&path);
    o.account = Some("a".into());
    let r = resolve(&o).unwrap();
    assert_eq!(r.instance.as_str(), "https://a.example/");
    assert_eq!(r.token.as_deref(), Some("ta"));
    o.token = Some("override".into());
    assert_eq!(resolve(&o).unwrap().token.as_deref(), Some("override"));
    o.account = Some("zz".into());
    assert!(
        resolve(&o)
            .unwrap_err()
            .message
            .contains("no account `zz`; accounts: a, b")
    );

    std::fs::write(&path, "[accounts.only]\ninstance = \"https://o.example\"\n").unwrap();
    let r = resolve(&opts(&path)).unwrap();
    assert_eq!(r.account.as_deref(), Some("only"));
}

#[test]
fn no_instance_says_how_to_give_one() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.toml");
    std::fs::write(&path, "").unwrap();
    let e = resolve(&opts(&path)).unwrap_err();
    assert_eq!(e.code, 2);
    assert!(e.message.contains("--instance"));
}
