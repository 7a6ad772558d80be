use super::*;

fn path(dir: &tempfile::TempDir) -> PathBuf {
    dir.path().join("data").join("archive.sqlite3")
}

fn t(s: &str) -> Timestamp {
    s.parse().unwrap()
}

#[test]
fn cursors_survive_a_reopen_per_account_and_scope() {
    let dir = tempfile::tempdir().unwrap();
    let (mut a, notice) = Archive::open(&path(&dir)).unwrap();
    assert_eq!(notice, None);
    let cursors = vec![
        ("hashtag:rust".to_string(), Since::Id("113".into())),
        (
            "notifications".to_string(),
            Since::Time(t("2026-12-01T12:00:00Z")),
        ),
    ];
    a.save_resume("alice@example.social", "hashtag:rust user", &cursors, &[])
        .unwrap();
    a.save_resume(
        "alice@example.social",
        "public",
        &[("public".into(), Since::Id("9".into()))],
        &[],
    )
    .unwrap();
    // A later save moves a cursor on.
    a.save_resume(
        "alice@example.social",
        "public",
        &[("public".into(), Since::Id("10".into()))],
        &[],
    )
    .unwrap();
    drop(a);
    let (a, _) = Archive::open(&path(&dir)).unwrap();
    let mut got = a
        .cursors("alice@example.social", "hashtag:rust user")
        .unwrap();
    got.sort_by(|x, y| x.0.cmp(&y.0));
    assert_eq!(got, cursors);
    assert_eq!(
        a.cursors("alice@example.social", "public").unwrap(),
        vec![("public".to_string(), Since::Id("10".into()))]
    );
    assert!(a.cursors("bob@elsewhere", "public").unwrap().is_empty());
    let stats = a.stats().unwrap();
    assert_eq!(
        stats.accounts,
        vec![AccountStats {
            account: "alice@example.social".to_string(),
            readers: 2,
            cursors: 3,
            ..Default::default()
        }]
    );
    assert!(stats.bytes > 0);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.path().join("data"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o077, 0, "the data dir is private: {mode:o}");
    }
}

#[test]
fn a_file_that_is_not_a_database_is_moved_aside() {
    let dir = tempfile::tempdir().unwrap();
    let p = path(&dir);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(&p, vec![0x42; 8192]).unwrap();
    let (mut a, notice) = Archive::open(&p).unwrap();
    let notice = notice.expect("the user is told");
    assert!(notice.contains("is not a database"), "{notice}");
    assert!(notice.contains("moved to"), "{notice}");
    a.save_resume("a", "s", &[("s".into(), Since::Id("1".into()))], &[])
        .unwrap();
    let aside: Vec<_> = std::fs::read_dir(p.parent().unwrap())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().contains(".unusable-"))
        .collect();
    assert_eq!(aside.len(), 1);
    assert_eq!(std::fs::read(aside[0].path()).unwrap(), vec![0x42; 8192]);
}

#[test]
fn a_file_from_a_newer_tootwatch_is_moved_aside_not_damaged() {
    let dir = tempfile::tempdir().unwrap();
    let p = path(&dir);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    {
        let c = Connection::open(&p).unwrap();
        c.execute_batch("CREATE TABLE future (x); PRAGMA user_version = 99;")
            .unwrap();
    }
    let (a, notice) = Archive::open(&p).unwrap();
    assert!(notice.unwrap().contains("newer tootwatch (schema 99"));
    assert!(a.cursors("a", "s").unwrap().is_empty());
}

#[test]
fn two_processes_share_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let (mut one, _) = Archive::open(&path(&dir)).unwrap();
    let (mut two, _) = Archive::open(&path(&dir)).unwrap();
    one.save_resume("a", "s", &[("s".into(), Since::Id("1".into()))], &[])
        .unwrap();
    two.save_resume("a", "t", &[("t".into(), Since::Id("2".into()))], &[])
        .unwrap();
    assert_eq!(one.cursors("a", "t").unwrap().len(), 1);
    assert_eq!(two.cursors("a", "s").unwrap().len(), 1);
}

#[test]
fn forget_and_prune_free_what_they_say() {
    let dir = tempfile::tempdir().unwrap();
    let (mut a, _) = Archive::open(&path(&dir)).unwrap();
    for account in ["alice", "bob"] {
        let cursors: Vec<(String, Since)> = (0..200)
            .map(|i| (format!("hashtag:t{i}"), Since::Id(i.to_string())))
            .collect();
        a.save_resume(account, "many", &cursors, &[]).unwrap();
    }
    assert_eq!(a.forget("alice").unwrap(), 200);
    assert!(a.cursors("alice", "many").unwrap().is_empty());
    assert_eq!(a.cursors("bob", "many").unwrap().len(), 200);
    let gone = a.prune(1).unwrap();
    assert_eq!(gone, 200, "everything goes to fit one byte");
    assert!(a.stats().unwrap().accounts.is_empty());
    // What is left is the file alone: the vacuum's copy of it is out of the log again, so
    // the size prune reports is what the disk holds.
    let file = std::fs::metadata(path(&dir)).unwrap().len();
    assert_eq!(a.bytes(), file);
    // Within its limit, nothing goes and nothing grows.
    assert_eq!(a.prune(u64::MAX).unwrap(), 0);
    assert_eq!(a.bytes(), file);
}

#[test]
fn cursors_read_back_what_was_written() {
    for since in [
        Since::Id("01HZZZ".into()),
        Since::Time(t("2026-12-06T20:00:00.5Z")),
    ] {
        assert_eq!(decode_since(&encode_since(&since)), Some(since));
    }
    assert_eq!(decode_since("garbage"), None);
}

#[test]
fn a_damaged_database_is_moved_aside() {
    let dir = tempfile::tempdir().unwrap();
    let p = path(&dir);
    {
        let (mut a, _) = Archive::open(&p).unwrap();
        let many: Vec<(String, Since)> = (0..2000)
            .map(|i| (format!("hashtag:t{i}"), Since::Id(format!("{i:030}"))))
            .collect();
        a.save_resume("alice", "many", &many, &[]).unwrap();
        a.compact().unwrap();
    }
    // Scribble over the middle of the file, past the header.
    let mut bytes = std::fs::read(&p).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid..mid + 4096].fill(0xA5);
    std::fs::write(&p, &bytes).unwrap();
    let (a, notice) = Archive::open(&p).unwrap();
    let notice = notice.expect("the user is told");
    assert!(notice.contains("is damaged"), "{notice}");
    assert!(a.cursors("alice", "many").unwrap().is_empty(), "a new one");
    let names: Vec<String> = std::fs::read_dir(p.parent().unwrap())
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".unusable-"))
        .collect();
    assert_eq!(names.len(), 1, "{names:?}");
}

#[test]
fn a_file_of_the_first_schema_is_migrated_and_keeps_its_cursors() {
    let dir = tempfile::tempdir().unwrap();
    let p = path(&dir);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    {
        let c = Connection::open(&p).unwrap();
        c.execute_batch(MIGRATIONS[0]).unwrap();
        c.execute_batch(
            "INSERT INTO cursors VALUES ('a', 's', 'public', 'id:7', 0); PRAGMA user_version = 1;",
        )
        .unwrap();
    }
    let (mut a, notice) = Archive::open(&p).unwrap();
    assert_eq!(notice, None);
    assert_eq!(
        a.cursors("a", "s").unwrap(),
        vec![("public".to_string(), Since::Id("7".into()))]
    );
    let printed = vec![
        (0, vec!["s:1".to_string(), "s:2".to_string()]),
        (1, vec!["d:3".to_string()]),
    ];
    a.save_resume("a", "s", &[], &printed).unwrap();
    assert_eq!(a.printed("a", "s").unwrap(), printed);
    let version: i64 = a
        .conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, SCHEMA_VERSION);
}

#[test]
fn damage_found_in_the_background_moves_the_file_aside_at_the_next_start() {
    let dir = tempfile::tempdir().unwrap();
    let p = path(&dir);
    {
        let (mut a, _) = Archive::open(&p).unwrap();
        let many: Vec<(String, Since)> = (0..2000)
            .map(|i| (format!("hashtag:t{i}"), Since::Id(format!("{i:030}"))))
            .collect();
        a.save_resume("alice", "many", &many, &[]).unwrap();
        a.compact().unwrap();
    }
    let mut bytes = std::fs::read(&p).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid..mid + 4096].fill(0xA5);
    std::fs::write(&p, &bytes).unwrap();
    // The live view's start does not read the whole file…
    let (a, notice) = Archive::open_unchecked_in(p.parent().unwrap()).unwrap();
    assert_eq!(notice, None);
    // …its writer does, and marks it.
    assert!(a.check().is_err());
    drop(a);
    let (a, notice) = Archive::open_unchecked_in(p.parent().unwrap()).unwrap();
    let notice = notice.expect("the user is told");
    assert!(notice.contains("found damaged while in use"), "{notice}");
    assert!(a.cursors("alice", "many").unwrap().is_empty(), "a new one");
    assert!(a.check().is_ok());
    drop(a);
    let (_, notice) = Archive::open(&p).unwrap();
    assert_eq!(notice, None, "the mark went with the file");
}

#[cfg(unix)]
#[test]
fn the_file_and_its_log_are_the_owners_alone() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    let (archive, _) = Archive::open(&path(&dir)).unwrap();
    archive
        .conn
        .execute_batch("CREATE TABLE IF NOT EXISTS t (x); INSERT INTO t VALUES (1);")
        .unwrap();
    assert_eq!(mode(&path(&dir)), 0o600);
    let wal = path(&dir).with_file_name(format!("{FILE_NAME}-wal"));
    assert_eq!(mode(&wal), 0o600, "SQLite gives its log the file's mode");
    drop(archive);
    // One made before (readable by all), and its log, are made private when opened.
    std::fs::set_permissions(path(&dir), std::fs::Permissions::from_mode(0o644)).unwrap();
    std::fs::write(&wal, b"").unwrap();
    std::fs::set_permissions(&wal, std::fs::Permissions::from_mode(0o644)).unwrap();
    let (_open, _) = Archive::open(&path(&dir)).unwrap();
    assert_eq!(mode(&path(&dir)), 0o600);
    assert_eq!(mode(&wal), 0o600);
}
