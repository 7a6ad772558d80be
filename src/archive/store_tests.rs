use serde_json::json;

use super::*;
use crate::archive::{Archive, MIGRATIONS};

fn open(dir: &tempfile::TempDir) -> Archive {
    Archive::open_in(dir.path()).unwrap().0
}

fn status(id: &str, text: &str) -> Box<Status> {
    Box::new(
        serde_json::from_value(json!({
            "id": id,
            "created_at": format!("2026-12-06T10:00:{:02}Z", id.len()),
            "content": format!("<p>{text}</p>"),
            "account": {"id": "1", "acct": "alice@example.social", "display_name": "Alice"},
            "tags": [{"name": "rust"}],
            "media_attachments": [{"id": "m", "type": "image", "description": "a red kite"}],
        }))
        .unwrap(),
    )
}

fn boost(id: &str, of: Box<Status>) -> Box<Status> {
    let mut b = status(id, "");
    b.reblog = Some(of);
    b
}

fn post(stream: &str, s: Box<Status>) -> Write {
    Write::Status {
        account: "alice".into(),
        stream: stream.into(),
        status: s,
    }
}

fn ids(kept: &[Kept]) -> Vec<String> {
    kept.iter()
        .map(|k| match k {
            Kept::Status(s) => s.id.clone(),
            Kept::Notification(n) => n.id.clone(),
            Kept::Conversation(c) => c.id.clone(),
        })
        .collect()
}

fn found(a: &Archive, query: &str) -> Vec<String> {
    let mut stmt = a
        .conn
        .prepare("SELECT i.id FROM items_fts f JOIN items i ON i.rowid = f.rowid WHERE items_fts MATCH ?1 ORDER BY i.id")
        .unwrap();
    stmt.query_map([query], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

#[test]
fn a_stream_reads_back_its_newest_posts_in_id_order() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = open(&dir);
    // A catch-up brings older ids after newer ones; "10" is newer than "9".
    a.write(&[
        post("hashtag:rust", status("9", "nine")),
        post("hashtag:rust", status("11", "eleven")),
        post("public", status("11", "eleven")),
        post("hashtag:rust", status("10", "ten")),
    ])
    .unwrap();
    assert_eq!(
        ids(&a.recent("alice", "hashtag:rust", 10).unwrap()),
        ["11", "10", "9"]
    );
    assert_eq!(
        ids(&a.recent("alice", "hashtag:rust", 2).unwrap()),
        ["11", "10"]
    );
    assert_eq!(ids(&a.recent("alice", "public", 10).unwrap()), ["11"]);
    assert!(
        a.recent("bob", "public", 10).unwrap().is_empty(),
        "per account"
    );
    assert_eq!(
        a.newest_id("alice", "hashtag:rust").unwrap().as_deref(),
        Some("11")
    );
    assert_eq!(a.newest_id("alice", "user").unwrap(), None);
    let stats = a.stats().unwrap();
    assert_eq!(
        stats.accounts[0].statuses, 3,
        "one row per status, two streams"
    );
}

#[test]
fn a_delete_takes_the_post_its_boosts_and_notifications_and_stays() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = open(&dir);
    let n: Box<Notification> = Box::new(
        serde_json::from_value(json!({"id": "n1", "type": "favourite", "account": {"acct": "bob"}, "status": status("5", "five")})).unwrap(),
    );
    a.write(&[
        post("user", status("5", "five")),
        post("user", boost("6", status("5", "five"))),
        post("user", status("7", "seven")),
        Write::Notification {
            account: "alice".into(),
            notification: n,
        },
    ])
    .unwrap();
    assert_eq!(found(&a, "five"), ["5", "6", "n1"]);
    a.write(&[Write::Delete {
        account: "alice".into(),
        id: "5".into(),
    }])
    .unwrap();
    assert_eq!(ids(&a.recent("alice", "user", 10).unwrap()), ["7"]);
    assert!(a.recent("alice", NOTIFICATIONS, 10).unwrap().is_empty());
    assert!(found(&a, "five").is_empty(), "gone from the index too");
    // A stream that reorders sends the post after its delete: it stays deleted.
    a.write(&[post("public", status("5", "five"))]).unwrap();
    assert!(a.recent("alice", "public", 10).unwrap().is_empty());
    assert_eq!(a.tombstones("alice", 10).unwrap(), ["5"]);
}

#[test]
fn an_edit_replaces_the_post_wherever_it_is_kept() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = open(&dir);
    a.write(&[
        post("user", status("5", "before")),
        post("public", boost("6", status("5", "before"))),
    ])
    .unwrap();
    let mut edited = status("5", "after");
    edited.edited_at = Some("2026-12-06T11:00:00Z".into());
    a.write(&[Write::Edit {
        account: "alice".into(),
        status: edited,
    }])
    .unwrap();
    let Kept::Status(s) = &a.recent("alice", "user", 1).unwrap()[0] else {
        panic!()
    };
    assert_eq!(s.content, "<p>after</p>");
    let Kept::Status(b) = &a.recent("alice", "public", 1).unwrap()[0] else {
        panic!()
    };
    assert_eq!(b.id, "6");
    assert_eq!(b.reblog.as_ref().unwrap().content, "<p>after</p>");
    assert!(found(&a, "before").is_empty());
    assert_eq!(found(&a, "after"), ["5", "6"]);
}

#[test]
fn the_index_covers_text_warnings_names_tags_and_alt_text() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = open(&dir);
    let mut s = status("1", "plain words");
    s.spoiler_text = "spoilers ahead".into();
    a.write(&[post("user", s)]).unwrap();
    for query in [
        "plain",
        "spoilers",
        "alice",
        "Alice",
        "rust",
        "kite",
        "cw:spoilers",
    ] {
        assert_eq!(found(&a, query), ["1"], "{query}");
    }
    assert!(found(&a, "missing").is_empty());
}

#[test]
fn a_conversation_is_replaced_and_moves_to_its_newest_status() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = open(&dir);
    let conv = |last: &str| Write::Conversation {
        account: "alice".into(),
        stream: "direct".into(),
        conversation: Box::new(Conversation {
            id: "c1".into(),
            last_status: Some(status(last, last)),
            ..Default::default()
        }),
    };
    a.write(&[conv("3"), conv("8")]).unwrap();
    let kept = a.recent("alice", "direct", 10).unwrap();
    assert_eq!(ids(&kept), ["c1"]);
    let Kept::Conversation(c) = &kept[0] else {
        panic!()
    };
    assert_eq!(c.last_status.as_ref().unwrap().id, "8");
    assert_eq!(
        a.newest_id("alice", "direct").unwrap().as_deref(),
        Some("8")
    );
}

#[test]
fn a_file_of_schema_two_is_migrated_and_keeps_its_cursors() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join(crate::archive::FILE_NAME);
    {
        // A file as the previous release wrote it.
        let c = rusqlite::Connection::open(&p).unwrap();
        c.execute_batch("PRAGMA journal_mode = WAL;").unwrap();
        for step in &MIGRATIONS[..2] {
            c.execute_batch(step).unwrap();
        }
        c.execute_batch(
            "INSERT INTO cursors VALUES ('alice', 'public', 'public', 'id:7', 0);
             INSERT INTO printed VALUES ('alice', 'public', 0, 0, 's:7');
             PRAGMA user_version = 2;",
        )
        .unwrap();
    }
    let (mut a, notice) = Archive::open(&p).unwrap();
    assert_eq!(notice, None, "migrated, not moved aside");
    assert_eq!(
        a.cursors("alice", "public").unwrap(),
        vec![(
            "public".to_string(),
            crate::api::timeline::Since::Id("7".into())
        )]
    );
    assert_eq!(
        a.printed("alice", "public").unwrap(),
        vec![(0, vec!["s:7".to_string()])]
    );
    a.write(&[post("public", status("8", "eight"))]).unwrap();
    assert_eq!(ids(&a.recent("alice", "public", 10).unwrap()), ["8"]);
    let version: i64 = a
        .conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .unwrap();
    assert_eq!(version, crate::archive::SCHEMA_VERSION);
}

#[test]
fn trimming_lets_the_oldest_posts_go_first_and_tombstones_last() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = open(&dir);
    let long = "word ".repeat(400);
    let batch: Vec<Write> = (1000..1600)
        .map(|i| post("public", status(&i.to_string(), &long)))
        .chain(std::iter::once(Write::Delete {
            account: "alice".into(),
            id: "1".into(),
        }))
        .collect();
    a.write(&batch).unwrap();
    let before = a.used_bytes().unwrap();
    let gone = a.trim(before / 2).unwrap();
    assert!(gone > 0);
    assert!(a.used_bytes().unwrap() <= before / 2);
    let kept = ids(&a.recent("alice", "public", 1000).unwrap());
    assert!(kept.len() < 600 && !kept.is_empty(), "{}", kept.len());
    assert_eq!(kept[0], "1599", "the newest stay");
    assert_eq!(
        a.tombstones("alice", 10).unwrap(),
        ["1"],
        "the tombstone stays"
    );
    // Past every post, the tombstones go too.
    a.trim(0).unwrap();
    assert!(a.recent("alice", "public", 1000).unwrap().is_empty());
    assert!(a.tombstones("alice", 10).unwrap().is_empty());
}

#[test]
fn the_writer_thread_writes_what_it_is_sent_and_finishes_on_quit() {
    let dir = tempfile::tempdir().unwrap();
    let a = open(&dir);
    let notices = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let said = notices.clone();
    let mut w = crate::archive::writer::Writer::spawn(
        a,
        u64::MAX,
        Box::new(move |n| said.lock().unwrap().push(n)),
        false,
    )
    .unwrap();
    for i in 0..100 {
        w.send(vec![post("public", status(&(100 + i).to_string(), "x"))]);
    }
    w.finish(std::time::Duration::from_secs(20));
    let a = open(&dir);
    assert_eq!(a.recent("alice", "public", 1000).unwrap().len(), 100);
    assert!(notices.lock().unwrap().is_empty());
}

#[test]
fn writes_wait_to_be_handed_over_together() {
    let dir = tempfile::tempdir().unwrap();
    let mut w =
        crate::archive::writer::Writer::spawn(open(&dir), u64::MAX, Box::new(|_| {}), false)
            .unwrap();
    assert_eq!(w.handoff_due(), None);
    let before = std::time::Instant::now();
    w.send(vec![post("public", status("100", "x"))]);
    let due = w.handoff_due().expect("held for a handoff");
    w.send(vec![post("public", status("101", "x"))]);
    assert_eq!(
        w.handoff_due(),
        Some(due),
        "a second send does not postpone it"
    );
    assert!(
        due > before && due <= std::time::Instant::now() + std::time::Duration::from_millis(50)
    );
    w.handoff();
    assert_eq!(w.handoff_due(), None);
    w.finish(std::time::Duration::from_secs(20));
    assert_eq!(open(&dir).recent("alice", "public", 10).unwrap().len(), 2);
}

#[test]
fn search_finds_every_word_as_a_prefix_in_the_streams_asked_newest_first() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = open(&dir);
    let mut warned = status("14", "behind the warning");
    warned.spoiler_text = "Finale spoilers".into();
    a.write(&[
        post("hashtag:rust", status("10", "async closures landed")),
        post("hashtag:rust", status("12", "Async traits, finally")),
        post("public", status("13", "async elsewhere")),
        post("hashtag:rust", warned),
    ])
    .unwrap();
    let search = |streams: &[&str], q: &str| {
        let streams: Vec<String> = streams.iter().map(|s| s.to_string()).collect();
        ids(&a.search("alice", &streams, q, 50).unwrap())
    };
    assert_eq!(search(&["hashtag:rust"], "async"), ["12", "10"]);
    assert_eq!(
        search(&["hashtag:rust", "public"], "asy"),
        ["13", "12", "10"]
    );
    assert_eq!(search(&["hashtag:rust"], "async final"), ["12"]);
    assert_eq!(search(&["hashtag:rust"], "spoilers"), ["14"], "the CW");
    assert_eq!(
        search(&["hashtag:rust"], "kite"),
        ["14", "12", "10"],
        "alt text"
    );
    // What FTS5 would read as syntax is only words.
    assert!(search(&["hashtag:rust"], "\"unbalanced (NEAR OR").is_empty());
    assert!(search(&["hashtag:rust"], "  ").is_empty());
    assert!(
        a.search("bob", &["hashtag:rust".into()], "async", 50)
            .unwrap()
            .is_empty()
    );
    // A reader beside the writer sees what was committed.
    let reader = Archive::open_reader(dir.path()).unwrap().unwrap();
    assert_eq!(
        ids(&reader
            .search("alice", &["public".into()], "async", 50)
            .unwrap()),
        ["13"]
    );
}

#[test]
fn a_full_disk_is_said_once_and_the_writer_goes_on_without() {
    let dir = tempfile::tempdir().unwrap();
    let notices = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let said = notices.clone();
    let mut w = crate::archive::writer::Writer::spawn(
        open(&dir),
        u64::MAX,
        Box::new(move |n| said.lock().unwrap().push(n)),
        true,
    )
    .unwrap();
    for i in 0..50 {
        w.send(vec![post("public", status(&(100 + i).to_string(), "x"))]);
    }
    w.finish(std::time::Duration::from_secs(20));
    let notices = notices.lock().unwrap();
    assert_eq!(notices.len(), 1, "{notices:?}");
    assert!(notices[0].contains("disk is full"), "{notices:?}");
    assert!(notices[0].contains("going on without it"), "{notices:?}");
    assert!(open(&dir).recent("alice", "public", 10).unwrap().is_empty());
}

fn read(id: &str) -> Write {
    Write::ReadPosition {
        account: "alice".into(),
        tab: "user".into(),
        id: id.into(),
    }
}

#[test]
fn a_read_position_only_moves_forward_and_is_kept_per_tab() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = open(&dir);
    assert_eq!(a.read_position("alice", "user").unwrap(), None);
    a.write(&[read("100"), read("99")]).unwrap();
    assert_eq!(
        a.read_position("alice", "user").unwrap().as_deref(),
        Some("100")
    );
    a.write(&[read("1000")]).unwrap();
    assert_eq!(
        a.read_position("alice", "user").unwrap().as_deref(),
        Some("1000")
    );
    assert_eq!(a.read_position("alice", "public").unwrap(), None);
    assert_eq!(a.read_position("bob", "user").unwrap(), None);
}

#[test]
fn a_file_of_schema_three_gains_read_positions_and_keeps_its_posts() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("archive.sqlite3");
    {
        let c = rusqlite::Connection::open(&p).unwrap();
        for m in &MIGRATIONS[..3] {
            c.execute_batch(m).unwrap();
        }
        c.execute_batch("PRAGMA user_version = 3;").unwrap();
    }
    {
        let mut a = Archive::open(&p).unwrap().0;
        a.write(&[post("public", status("5", "kept"))]).unwrap();
    }
    let (mut a, notice) = Archive::open(&p).unwrap();
    assert_eq!(notice, None);
    a.write(&[read("5")]).unwrap();
    assert_eq!(
        a.read_position("alice", "user").unwrap().as_deref(),
        Some("5")
    );
    assert_eq!(ids(&a.recent("alice", "public", 10).unwrap()), vec!["5"]);
}

#[test]
fn items_are_kept_deflated_and_the_text_rows_of_schema_four_still_read() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("archive.sqlite3");
    let old = serde_json::to_string(&status("5", "written as text by schema four")).unwrap();
    {
        let c = rusqlite::Connection::open(&p).unwrap();
        for m in &MIGRATIONS[..4] {
            c.execute_batch(m).unwrap();
        }
        c.execute_batch("PRAGMA user_version = 4;").unwrap();
        c.execute(
            "INSERT INTO items (account, kind, id, status_id, created_at, seen_at, json)
             VALUES ('alice', 'status', '5', '5', '2026-12-06T10:00:01Z', 0, ?1)",
            [&old],
        )
        .unwrap();
        let item = c.last_insert_rowid();
        c.execute(
            "INSERT INTO carried (account, stream, sort, item) VALUES ('alice', 'public', ?1, ?2)",
            rusqlite::params![sort_key("5"), item],
        )
        .unwrap();
    }
    let (mut a, notice) = Archive::open(&p).unwrap();
    assert_eq!(notice, None);
    let long = "a long post that says the same things again and again ".repeat(20);
    a.write(&[post("public", status("6", &long))]).unwrap();
    assert_eq!(ids(&a.recent("alice", "public", 10).unwrap()), ["6", "5"]);
    let (kind, bytes, text): (String, i64, i64) = a
        .conn
        .query_row(
            "SELECT typeof(json), length(json), ?1 FROM items WHERE id = '6'",
            [serde_json::to_string(&status("6", &long)).unwrap().len() as i64],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert_eq!(kind, "blob");
    assert!(bytes * 2 < text, "{bytes} bytes kept for {text} of text");
    // An edit of the old row writes it anew, deflated, and it reads back edited.
    a.write(&[Write::Edit {
        account: "alice".into(),
        status: status("5", "edited"),
    }])
    .unwrap();
    let kept = a.recent("alice", "public", 10).unwrap();
    assert!(
        matches!(&kept[1], Kept::Status(s) if s.content.contains("edited")),
        "{kept:?}"
    );
    // A row that does not inflate is skipped, not the whole timeline.
    a.conn
        .execute("UPDATE items SET json = x'00ff00ff' WHERE id = '6'", [])
        .unwrap();
    assert_eq!(ids(&a.recent("alice", "public", 10).unwrap()), ["5"]);
}

#[test]
fn an_accounts_newest_deletes_come_from_an_index_in_the_order_written() {
    let dir = tempfile::tempdir().unwrap();
    let mut a = open(&dir);
    // One batch: the same second for all, so the order written decides.
    let deletes: Vec<Write> = ["3", "1", "2"]
        .into_iter()
        .map(|id| Write::Delete {
            account: "alice".into(),
            id: id.into(),
        })
        .collect();
    a.write(&deletes).unwrap();
    assert_eq!(a.tombstones("alice", 10).unwrap(), ["2", "1", "3"]);
    assert_eq!(a.tombstones("alice", 2).unwrap(), ["2", "1"]);
    assert!(a.tombstones("bob", 10).unwrap().is_empty());
    // Read at every start, for up to `Tombstones::CAP` of an account's many: not sorted.
    let plan: Vec<String> = a
        .conn
        .prepare(
            "EXPLAIN QUERY PLAN SELECT id FROM tombstones WHERE account = 'alice'
             ORDER BY deleted_at DESC, rowid DESC LIMIT 10",
        )
        .unwrap()
        .query_map([], |r| r.get::<_, String>(3))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert!(
        plan.iter().any(|p| p.contains("tombstones_account_age"))
            && !plan.iter().any(|p| p.contains("TEMP B-TREE")),
        "{plan:?}"
    );
}
