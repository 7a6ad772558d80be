//! The live view and the archive through the reducer: what a run showed is what the next one
//! opens with, and its streams catch up from the newest archived id.

use serde_json::json;

use super::*;
use crate::api::timeline::{CatchUp, History};
use crate::app::AppEvent;
use crate::app::reducer::update;
use crate::app::state::UiSettings;
use crate::model::{Notification, Status};
use crate::stream::{ConnectionState, StreamMessage, Transport};

const ME: &str = "alice@example.social";

fn now() -> jiff::Timestamp {
    "2026-12-06T12:00:00Z".parse().unwrap()
}

/// Tab 0 home (stream 0); tab 1 #rust + #tokio (1, 2); tab 2 direct (3).
fn state(archiving: bool) -> State {
    let mut s = State::new(
        vec![
            ("Home".into(), vec![StreamSpec::User]),
            (
                "Rust".into(),
                vec!["#rust".parse().unwrap(), "#tokio".parse().unwrap()],
            ),
            ("DMs".into(), vec![StreamSpec::Direct]),
        ],
        UiSettings::default(),
        now(),
    );
    s.set_accounts(vec![ME.into()], &[0, 0, 0]);
    if archiving {
        s.archive_accounts = vec![ME.into()];
        s.archive_writing = true;
    }
    s
}

fn status(id: &str, minute: u32) -> Box<Status> {
    Box::new(
        serde_json::from_value(json!({
            "id": id, "content": format!("<p>post {id}</p>"),
            "created_at": format!("2026-12-06T11:{minute:02}:00Z"),
            "account": {"id": "1", "acct": "bob", "username": "bob"},
        }))
        .unwrap(),
    )
}

fn event(s: &mut State, stream: usize, e: StreamEvent) -> Vec<Command> {
    update(
        s,
        AppEvent::Stream(StreamMessage::Event {
            stream: StreamId(stream),
            event: e,
            raw: None,
        }),
    )
}

fn live(s: &mut State, stream: usize) -> Vec<Command> {
    update(
        s,
        AppEvent::Stream(StreamMessage::State {
            stream: StreamId(stream),
            state: ConnectionState::Live {
                transport: Transport::Ws,
            },
        }),
    )
}

fn ids(s: &State, tab: usize) -> Vec<String> {
    s.tabs[tab]
        .entries
        .iter()
        .map(|e| e.item.id().to_string())
        .collect()
}

/// Carries out the commands' writes, as the writer thread would.
fn keep(archive: &mut Archive, commands: &[Command]) -> usize {
    let mut n = 0;
    for c in commands {
        if let Command::ArchiveWrite(batch) = c {
            archive.write(&batch.0).unwrap();
            n += batch.0.len();
        }
    }
    n
}

#[test]
fn nothing_is_written_unless_archiving() {
    let mut s = state(false);
    let commands = event(&mut s, 0, StreamEvent::Update(status("1", 1)));
    assert!(
        !commands
            .iter()
            .any(|c| matches!(c, Command::ArchiveWrite(_))),
        "{commands:?}"
    );
}

#[test]
fn what_one_run_showed_the_next_opens_with_then_catches_up_from() {
    let dir = tempfile::tempdir().unwrap();
    let (mut archive, _) = Archive::open_in(dir.path()).unwrap();

    // The first run: posts that came only over streams, a delete, a notification.
    let mut first = state(true);
    let mut written = 0;
    written += keep(
        &mut archive,
        &event(&mut first, 1, StreamEvent::Update(status("10", 10))),
    );
    written += keep(
        &mut archive,
        &event(&mut first, 1, StreamEvent::Update(status("11", 11))),
    );
    written += keep(
        &mut archive,
        &event(&mut first, 0, StreamEvent::Update(status("20", 20))),
    );
    written += keep(
        &mut archive,
        &event(&mut first, 0, StreamEvent::Update(status("21", 21))),
    );
    written += keep(
        &mut archive,
        &event(&mut first, 0, StreamEvent::Delete("21".into())),
    );
    let n: Box<Notification> = Box::new(
        serde_json::from_value(json!({"id": "n5", "type": "mention", "created_at": "2026-12-06T11:30:00Z", "account": {"acct": "bob"}, "status": status("30", 30)}))
            .unwrap(),
    );
    written += keep(
        &mut archive,
        &event(&mut first, 0, StreamEvent::Notification(n)),
    );
    // Six posts and deletes, and where the reader of the home tab got to.
    assert_eq!(written, 7);

    // The next run opens from the archive before any network.
    let mut next = state(true);
    let Loaded {
        resumed,
        resumed_notifications: notifications,
        rest,
    } = load(&mut next, &archive, &[ME.into()], usize::MAX).unwrap();
    assert!(rest.is_empty(), "all of it loaded at once");
    assert_eq!(ids(&next, 0), ["20"], "the deleted post stays deleted");
    assert_eq!(
        next.tabs[0].read_id.as_deref(),
        Some("20"),
        "the place is back"
    );
    assert_eq!(next.tabs[0].divider_id.as_deref(), Some("20"));
    assert_eq!(next.tabs[1].read_id, None, "a tab never looked at has none");
    assert_eq!(ids(&next, 1), ["11", "10"]);
    assert!(ids(&next, 2).is_empty());
    assert_eq!(next.notifications.entries.len(), 1);
    assert_eq!(resumed, [StreamId(0), StreamId(1)]);
    assert_eq!(notifications, [0]);
    let opened = Opened {
        writer: None,
        reader: None,
        resumed,
        resumed_notifications: notifications,
        rest: Vec::new(),
        _lock: None,
    };
    let first_fetches: Vec<Command> = next
        .initial_fetches()
        .into_iter()
        .filter(|c| opened.wants(c))
        .collect();
    assert!(
        first_fetches.iter().all(|c| !matches!(
            c,
            Command::FetchHistory {
                stream: StreamId(0 | 1),
                ..
            } | Command::FetchNotifications { .. }
        )),
        "what opened from the archive catches up instead: {first_fetches:?}"
    );
    assert!(first_fetches.contains(&Command::FetchHistory {
        account: 0,
        stream: StreamId(2),
        spec: "#tokio".parse().unwrap(),
        since: None
    }));

    // Going live, the tab catches up from the newest archived id, and the notifications too.
    let commands = live(&mut next, 1);
    assert!(
        commands.contains(&Command::FetchHistory {
            account: 0,
            stream: StreamId(1),
            spec: "#rust".parse().unwrap(),
            since: Some(Since::Id("11".into())),
        }),
        "{commands:?}"
    );
    let commands = live(&mut next, 0);
    assert!(
        commands.contains(&Command::FetchNotifications {
            account: 0,
            since: Some(Since::Id("n5".into())),
        }),
        "{commands:?}"
    );
    // What was posted while closed appears once, above the archive's posts, and is kept.
    let found = CatchUp {
        items: History::Statuses(vec![*status("12", 40), *status("11", 11)]),
        complete: true,
        resume_from: String::new(),
    };
    let commands = update(
        &mut next,
        AppEvent::HistoryFetched {
            stream: StreamId(1),
            since: Some(Since::Id("11".into())),
            result: Ok(found),
        },
    );
    assert_eq!(ids(&next, 1), ["12", "11", "10"]);
    keep(&mut archive, &commands);
    // A post the stream sends again after the catch-up is not shown twice.
    event(&mut next, 1, StreamEvent::Update(status("12", 40)));
    assert_eq!(ids(&next, 1), ["12", "11", "10"]);
    assert_eq!(
        archive.newest_id(ME, "hashtag:rust").unwrap().as_deref(),
        Some("12")
    );
}

#[test]
fn a_tab_opens_at_the_top_with_nothing_unread() {
    let dir = tempfile::tempdir().unwrap();
    let (mut archive, _) = Archive::open_in(dir.path()).unwrap();
    let mut first = state(true);
    for i in 0..5u32 {
        let id = (100 + i).to_string();
        keep(
            &mut archive,
            &event(&mut first, 0, StreamEvent::Update(status(&id, i))),
        );
    }
    let mut next = state(true);
    next.settings.timeline_len = 4;
    // The first screens at once, the rest from a task.
    let loaded = load(&mut next, &archive, &[ME.into()], 2).unwrap();
    assert_eq!(ids(&next, 0), ["104", "103"]);
    let [
        Command::LoadArchive {
            target,
            account,
            stream,
            limit: 4,
        },
    ] = &loaded.rest[..]
    else {
        panic!("{:?}", loaded.rest)
    };
    assert_eq!((account.as_str(), stream.as_str()), (ME, "user"));
    let kept = archive.recent(account, stream, 4).unwrap();
    update(
        &mut next,
        AppEvent::ArchiveLoaded {
            target: target.clone(),
            kept,
        },
    );
    assert_eq!(
        ids(&next, 0),
        ["104", "103", "102", "101"],
        "the newest timeline_len"
    );
    assert_eq!(next.tabs[0].selected, 0);
    assert_eq!(next.tabs[0].unread, 0);
    assert_eq!(next.tabs[0].new_above, 0);
}

fn key(s: &mut State, code: ratatui::crossterm::event::KeyCode) -> Vec<Command> {
    use ratatui::crossterm::event::{KeyEvent, KeyModifiers};
    update(s, AppEvent::Key(KeyEvent::new(code, KeyModifiers::NONE)))
}

fn type_query(s: &mut State, text: &str) -> Vec<Command> {
    use ratatui::crossterm::event::KeyCode;
    key(s, KeyCode::Char('/'));
    for c in text.chars() {
        key(s, KeyCode::Char(c));
    }
    key(s, KeyCode::Enter)
}

#[test]
fn a_search_asks_the_archive_and_its_results_replace_the_tab_until_esc() {
    use ratatui::crossterm::event::KeyCode;
    let mut s = state(true);
    s.active = 1;
    for i in 0..3u32 {
        event(
            &mut s,
            1,
            StreamEvent::Update(status(&(10 + i).to_string(), i)),
        );
    }
    key(&mut s, KeyCode::Char('j'));
    let live_selected = s.tabs[1].selected;
    assert_eq!(live_selected, 1);

    let commands = type_query(&mut s, "old post");
    assert_eq!(
        commands,
        [Command::SearchArchive {
            tab: 1,
            account: ME.into(),
            streams: vec!["hashtag:rust".into(), "hashtag:tokio".into()],
            query: "old post".into(),
        }]
    );
    // An answer to another query (typed since) is not shown.
    let results = vec![Kept::Status(status("3", 1)), Kept::Status(status("2", 0))];
    update(
        &mut s,
        AppEvent::ArchiveSearched {
            tab: 1,
            query: "older".into(),
            result: Ok(results.clone()),
        },
    );
    assert!(s.found.is_none());
    update(
        &mut s,
        AppEvent::ArchiveSearched {
            tab: 1,
            query: "old post".into(),
            result: Ok(results),
        },
    );
    let shown: Vec<&str> = s
        .active_tab()
        .unwrap()
        .entries
        .iter()
        .map(|e| e.item.id())
        .collect();
    assert_eq!(shown, ["3", "2"], "the results, not the loaded posts");
    assert!(
        s.flash
            .as_deref()
            .unwrap()
            .contains("2 posts in the archive")
    );

    // The live timeline goes on filling underneath.
    event(&mut s, 1, StreamEvent::Update(status("13", 5)));
    assert_eq!(ids(&s, 1), ["13", "12", "11", "10"]);

    // Down, Enter: the second result in the detail view; Esc closes it, Esc again goes back.
    key(&mut s, KeyCode::Char('j'));
    key(&mut s, KeyCode::Enter);
    assert_eq!(
        s.overlay,
        crate::app::state::Overlay::Detail {
            tab: 1,
            id: "2".into()
        }
    );
    key(&mut s, KeyCode::Esc);
    assert!(s.found.is_some());
    key(&mut s, KeyCode::Esc);
    assert!(s.found.is_none());
    assert!(s.search.query.is_empty());
    assert_eq!(
        s.active_tab().unwrap().selected_entry().unwrap().item.id(),
        "11",
        "back where the reader was (one post arrived above)"
    );
}

#[test]
fn without_the_archive_a_search_filters_the_loaded_posts_only() {
    let mut s = state(false);
    event(&mut s, 0, StreamEvent::Update(status("1", 1)));
    assert!(type_query(&mut s, "post").is_empty());
    assert_eq!(s.search.query, "post");
}

#[test]
fn a_restart_remembers_every_delete_the_core_kept_and_forgets_the_oldest_first() {
    let dir = tempfile::tempdir().unwrap();
    let (mut archive, _) = Archive::open_in(dir.path()).unwrap();
    let cap = crate::live::Tombstones::CAP;
    // Written in one second, oldest first: the order is the archive's to keep.
    let deletes: Vec<Write> = (0..cap)
        .map(|i| Write::Delete {
            account: ME.into(),
            id: i.to_string(),
        })
        .collect();
    archive.write(&deletes).unwrap();

    let mut next = state(true);
    load(&mut next, &archive, &[ME.into()], usize::MAX).unwrap();
    let deleted = |s: &State, id: usize| s.is_deleted(0, &status(&id.to_string(), 1));
    assert!(deleted(&next, 0) && deleted(&next, cap - 1), "all of them");
    // One more delete makes room: the oldest goes, as it would have without the restart.
    event(&mut next, 0, StreamEvent::Delete("new".into()));
    assert!(!deleted(&next, 0), "the oldest is forgotten");
    assert!(
        deleted(&next, 1) && deleted(&next, cap - 1),
        "the rest are kept"
    );
}

#[test]
fn conversations_the_view_would_not_show_are_neither_kept_nor_shown_again() {
    let dir = tempfile::tempdir().unwrap();
    let (mut archive, _) = Archive::open_in(dir.path()).unwrap();
    let conversation = |id: &str, last: &str, minute| crate::model::Conversation {
        id: id.into(),
        last_status: Some(status(last, minute)),
        ..Default::default()
    };
    let mut first = state(true);
    for e in [
        StreamEvent::Conversation(Box::new(conversation("c1", "41", 41))),
        StreamEvent::Conversation(Box::new(conversation("c3", "43", 43))),
        StreamEvent::Delete("42".into()),
        StreamEvent::Delete("43".into()),
    ] {
        let stream = if matches!(e, StreamEvent::Delete(_)) {
            0
        } else {
            3
        };
        keep(&mut archive, &event(&mut first, stream, e));
    }
    // A page fetched before c1's newer post came, and one whose last post was deleted.
    let page = CatchUp {
        items: History::Conversations(vec![
            conversation("c2", "42", 42),
            conversation("c1", "40", 40),
        ]),
        complete: true,
        resume_from: String::new(),
    };
    let commands = update(
        &mut first,
        AppEvent::HistoryFetched {
            stream: StreamId(3),
            since: None,
            result: Ok(page),
        },
    );
    assert_eq!(keep(&mut archive, &commands), 0, "{commands:?}");

    let mut next = state(true);
    load(&mut next, &archive, &[ME.into()], usize::MAX).unwrap();
    // c3's last post was deleted after it was kept.
    assert_eq!(ids(&next, 2), ["c1"]);
    assert_eq!(next.tabs[2].entries[0].item.status().unwrap().id, "41");
}
