use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use serde_json::json;

use super::*;
use crate::app::state::{State, UiSettings};
use crate::model::{Conversation, Filter, Notification, Status};
use crate::stream::{StreamId, StreamSpec, Transport};

pub(super) fn now() -> jiff::Timestamp {
    "2026-11-28T12:00:00Z".parse().unwrap()
}

/// Tab 0 "Home" = user (stream 0); tab 1 "Rust" = #rust + #tokio (streams 1, 2); tab 2 direct (3).
pub(super) fn state() -> State {
    State::new(
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
    )
}

pub(super) fn status(id: &str, text: &str) -> Box<Status> {
    Box::new(
        serde_json::from_value(json!({
            "id": id, "content": format!("<p>{text}</p>"), "created_at": "2026-11-28T11:59:00Z",
            "account": {"id": "1", "acct": "alice", "username": "alice"},
            "url": format!("https://example.com/@alice/{id}"),
        }))
        .unwrap(),
    )
}

pub(super) fn boost(id: &str, of: Box<Status>) -> Box<Status> {
    let mut b = status(id, "");
    b.reblog = Some(of);
    b
}

pub(super) fn event(state: &mut State, stream: usize, e: StreamEvent) -> Vec<Command> {
    update(
        state,
        AppEvent::Stream(StreamMessage::Event {
            stream: StreamId(stream),
            event: e,
            raw: None,
        }),
    )
}

pub(super) fn key(state: &mut State, code: KeyCode) -> Vec<Command> {
    update(
        state,
        AppEvent::Key(KeyEvent::new(code, KeyModifiers::NONE)),
    )
}

pub(super) fn ids(state: &State, tab: usize) -> Vec<String> {
    state.tabs[tab]
        .visible()
        .map(|(_, e)| e.item.id().to_string())
        .collect()
}

pub(super) fn notification(id: &str, kind: &str, s: Option<Box<Status>>) -> Box<Notification> {
    let mut n: Notification = serde_json::from_value(json!({
        "id": id, "type": kind, "created_at": "2026-11-28T11:59:00Z",
        "account": {"id": "2", "acct": "bob"},
    }))
    .unwrap();
    n.status = s;
    Box::new(n)
}

pub(super) fn filter(id: &str, action: &str, keyword: &str) -> Filter {
    serde_json::from_value(json!({
        "id": id, "title": format!("F{id}"), "context": ["home", "public", "notifications"],
        "filter_action": action, "keywords": [{"id": "1", "keyword": keyword, "whole_word": true}],
    }))
    .unwrap()
}

#[test]
fn updates_land_newest_first_in_their_tab() {
    let mut s = state();
    event(&mut s, 0, StreamEvent::Update(status("1", "a")));
    event(&mut s, 0, StreamEvent::Update(status("2", "b")));
    event(&mut s, 1, StreamEvent::Update(status("3", "c")));
    assert_eq!(ids(&s, 0), ["2", "1"]);
    assert_eq!(ids(&s, 1), ["3"]);
    assert_eq!(
        s.tabs[0].unread, 0,
        "the active tab, read at the top, has nothing unread"
    );
    assert_eq!(s.tabs[1].unread, 1);
    key(&mut s, KeyCode::Char('2'));
    assert_eq!(s.active, 1);
    assert_eq!(s.tabs[1].unread, 0);
}

#[test]
fn merged_streams_show_a_status_once_and_remember_both() {
    let mut s = state();
    event(&mut s, 1, StreamEvent::Update(status("7", "#rust #tokio")));
    event(&mut s, 2, StreamEvent::Update(status("7", "#rust #tokio")));
    assert_eq!(ids(&s, 1), ["7"]);
    assert_eq!(s.tabs[1].entries[0].via, [0, 1]);
    assert_eq!(s.tabs[1].unread, 1);
}

#[test]
fn a_delete_removes_the_status_its_boosts_and_notifications_everywhere() {
    let mut s = state();
    event(&mut s, 0, StreamEvent::Update(status("1", "original")));
    event(
        &mut s,
        0,
        StreamEvent::Update(boost("2", status("1", "original"))),
    );
    event(
        &mut s,
        1,
        StreamEvent::Update(boost("3", status("1", "original"))),
    );
    event(&mut s, 0, StreamEvent::Update(status("4", "other")));
    event(
        &mut s,
        0,
        StreamEvent::Notification(notification(
            "n1",
            "favourite",
            Some(status("1", "original")),
        )),
    );
    event(
        &mut s,
        0,
        StreamEvent::Notification(notification("n2", "follow", None)),
    );
    event(&mut s, 0, StreamEvent::Delete("1".into()));
    assert_eq!(ids(&s, 0), ["4"]);
    assert!(ids(&s, 1).is_empty());
    assert_eq!(s.notifications.entries.len(), 1);
    assert_eq!(s.notifications.entries[0].notification.id, "n2");
    // a late event for a deleted id does not bring it back
    event(&mut s, 0, StreamEvent::Update(status("1", "original")));
    event(
        &mut s,
        1,
        StreamEvent::Update(boost("5", status("1", "original"))),
    );
    event(
        &mut s,
        0,
        StreamEvent::Notification(notification("n3", "reblog", Some(status("1", "x")))),
    );
    assert_eq!(ids(&s, 0), ["4"]);
    assert!(ids(&s, 1).is_empty());
    assert_eq!(s.notifications.entries.len(), 1);
}

#[test]
fn an_edit_replaces_the_status_wherever_it_appears() {
    let mut s = state();
    event(&mut s, 0, StreamEvent::Update(status("1", "typo")));
    event(
        &mut s,
        1,
        StreamEvent::Update(boost("2", status("1", "typo"))),
    );
    event(
        &mut s,
        0,
        StreamEvent::Notification(notification("n1", "mention", Some(status("1", "typo")))),
    );
    let mut edited = status("1", "fixed");
    edited.edited_at = Some("2026-11-28T11:59:30Z".into());
    event(&mut s, 0, StreamEvent::StatusUpdate(edited));
    let home = s.tabs[0].entries[0].item.status().unwrap();
    assert_eq!(home.content, "<p>fixed</p>");
    assert!(home.edited_at.is_some());
    let Item::Status(b) = &s.tabs[1].entries[0].item else {
        panic!()
    };
    assert_eq!(b.id, "2", "the boost keeps its own id");
    assert_eq!(b.reblog.as_ref().unwrap().content, "<p>fixed</p>");
    let n = &s.notifications.entries[0].notification;
    assert_eq!(n.status.as_ref().unwrap().content, "<p>fixed</p>");
}

#[test]
fn conversations_update_in_place_and_rise_to_the_top() {
    let mut s = state();
    let conv = |id: &str, last: &str| -> Box<Conversation> {
        Box::new(Conversation {
            id: id.into(),
            unread: true,
            accounts: vec![],
            last_status: Some(status(last, last)),
        })
    };
    event(&mut s, 3, StreamEvent::Conversation(conv("c1", "10")));
    event(&mut s, 3, StreamEvent::Conversation(conv("c2", "11")));
    event(&mut s, 3, StreamEvent::Conversation(conv("c1", "12")));
    assert_eq!(ids(&s, 2), ["c1", "c2"]);
    assert_eq!(s.tabs[2].entries[0].item.status().unwrap().id, "12");
}

#[test]
fn filters_change_refilters_what_is_held() {
    let mut s = state();
    event(
        &mut s,
        0,
        StreamEvent::Update(status("1", "the finale was great")),
    );
    event(
        &mut s,
        0,
        StreamEvent::Update(status("2", "buy crypto now")),
    );
    event(&mut s, 0, StreamEvent::Update(status("3", "hello")));
    event(
        &mut s,
        0,
        StreamEvent::Notification(notification(
            "n1",
            "mention",
            Some(status("9", "crypto again")),
        )),
    );
    let commands = event(&mut s, 0, StreamEvent::FiltersChanged);
    assert_eq!(commands, vec![Command::FetchFilters { account: 0 }]);
    update(
        &mut s,
        AppEvent::FiltersFetched {
            account: 0,
            result: Ok(vec![
                filter("1", "warn", "finale"),
                filter("2", "hide", "crypto"),
            ]),
        },
    );
    assert_eq!(ids(&s, 0), ["3", "1"]);
    assert_eq!(
        s.tabs[0].entries[2].verdict,
        Verdict::Warn { title: "F1".into() }
    );
    assert_eq!(s.notifications.entries[0].verdict, Verdict::Hide);
    // new arrivals are filtered too
    event(&mut s, 0, StreamEvent::Update(status("4", "more crypto")));
    assert_eq!(ids(&s, 0), ["3", "1"]);
    // and a filter removed lets them back
    update(
        &mut s,
        AppEvent::FiltersFetched {
            account: 0,
            result: Ok(vec![]),
        },
    );
    assert_eq!(ids(&s, 0), ["4", "3", "2", "1"]);
}

#[test]
fn warn_and_spoilers_are_revealed_by_c() {
    let mut s = state();
    let mut cw = status("1", "body");
    cw.spoiler_text = "tv finale".into();
    event(&mut s, 0, StreamEvent::Update(cw));
    key(&mut s, KeyCode::Char('c'));
    assert!(s.revealed.contains("1"));
    key(&mut s, KeyCode::Char(' '));
    assert!(!s.revealed.contains("1"));
    event(&mut s, 0, StreamEvent::Update(status("2", "plain")));
    key(&mut s, KeyCode::Char('c'));
    assert!(!s.revealed.contains("2"), "nothing to reveal");
}

#[test]
fn timelines_are_bounded_and_drop_the_oldest() {
    let mut s = state();
    s.settings.timeline_len = 3;
    for i in 0..10 {
        event(&mut s, 0, StreamEvent::Update(status(&i.to_string(), "x")));
    }
    assert_eq!(ids(&s, 0), ["9", "8", "7"]);
}

#[test]
fn new_posts_do_not_move_a_reader_who_scrolled_away() {
    let mut s = state();
    for i in 1..=5 {
        event(&mut s, 0, StreamEvent::Update(status(&i.to_string(), "x")));
    }
    key(&mut s, KeyCode::Char('j'));
    key(&mut s, KeyCode::Char('j'));
    let reading = s.tabs[0].selected_entry().unwrap().item.id().to_string();
    assert_eq!(reading, "3");
    event(&mut s, 0, StreamEvent::Update(status("6", "x")));
    event(&mut s, 0, StreamEvent::Update(status("7", "x")));
    assert_eq!(s.tabs[0].selected_entry().unwrap().item.id(), "3");
    assert_eq!(s.tabs[0].new_above, 2);
    key(&mut s, KeyCode::Char('g'));
    assert_eq!(s.tabs[0].selected_entry().unwrap().item.id(), "7");
    assert_eq!(s.tabs[0].new_above, 0);
    // at the top, the view follows the newest
    event(&mut s, 0, StreamEvent::Update(status("8", "x")));
    assert_eq!(s.tabs[0].selected_entry().unwrap().item.id(), "8");
}

#[test]
fn deleting_the_selected_post_keeps_the_place() {
    let mut s = state();
    for i in 1..=4 {
        event(&mut s, 0, StreamEvent::Update(status(&i.to_string(), "x")));
    }
    key(&mut s, KeyCode::Down);
    assert_eq!(s.tabs[0].selected_entry().unwrap().item.id(), "3");
    event(&mut s, 0, StreamEvent::Delete("4".into()));
    assert_eq!(s.tabs[0].selected_entry().unwrap().item.id(), "3");
    event(&mut s, 0, StreamEvent::Delete("3".into()));
    assert_eq!(s.tabs[0].selected_entry().unwrap().item.id(), "2");
}

#[test]
fn reconnecting_refetches_filters() {
    let mut s = state();
    let st = |state| {
        AppEvent::Stream(StreamMessage::State {
            stream: StreamId(0),
            state,
        })
    };
    let live = || ConnectionState::Live {
        transport: Transport::Ws,
    };
    assert!(
        update(&mut s, st(live())).is_empty(),
        "the first connection: filters come at start"
    );
    update(
        &mut s,
        st(ConnectionState::Reconnecting {
            after: std::time::Duration::from_secs(1),
            reason: "x".into(),
        }),
    );
    assert!(matches!(
        s.tabs[0].connection(),
        Some(ConnectionState::Reconnecting { .. })
    ));
    update(
        &mut s,
        st(ConnectionState::Connecting {
            transport: Transport::Ws,
        }),
    );
    assert!(update(&mut s, st(live())).contains(&Command::FetchFilters { account: 0 }));
}

#[test]
fn keys_do_what_the_help_says() {
    let mut s = state();
    event(&mut s, 0, StreamEvent::Update(status("1", "x")));
    assert_eq!(
        key(&mut s, KeyCode::Char('o')),
        vec![Command::OpenUrl("https://example.com/@alice/1".into())]
    );
    s.settings.open_locally = false;
    assert_eq!(
        key(&mut s, KeyCode::Char('o')),
        vec![Command::CopyToClipboard(
            "https://example.com/@alice/1".into()
        )]
    );
    assert_eq!(
        key(&mut s, KeyCode::Char('y')),
        vec![Command::CopyToClipboard(
            "https://example.com/@alice/1".into()
        )]
    );
    assert!(s.flash.is_some());
    key(&mut s, KeyCode::Enter);
    assert_eq!(
        s.overlay,
        Overlay::Detail {
            tab: 0,
            id: "1".into()
        }
    );
    key(&mut s, KeyCode::Esc);
    assert_eq!(s.overlay, Overlay::None);
    key(&mut s, KeyCode::Char('?'));
    assert_eq!(s.overlay, Overlay::Help);
    key(&mut s, KeyCode::Char('?'));
    key(&mut s, KeyCode::Tab);
    assert_eq!(s.active, 1);
    key(&mut s, KeyCode::BackTab);
    key(&mut s, KeyCode::BackTab);
    assert_eq!(s.active, 2);
    key(&mut s, KeyCode::Char('n'));
    assert!(!s.show_notifications);
    event(
        &mut s,
        0,
        StreamEvent::Notification(notification("n1", "follow", None)),
    );
    assert_eq!(s.notifications.unread, 1);
    key(&mut s, KeyCode::Char('n'));
    assert_eq!(s.notifications.unread, 0);
    assert_eq!(key(&mut s, KeyCode::Char('q')), vec![Command::Quit]);
    assert!(s.quit);
}

#[test]
fn search_narrows_navigation_to_matches() {
    let mut s = state();
    for (id, text) in [
        ("1", "alpha"),
        ("2", "beta"),
        ("3", "alphabet"),
        ("4", "gamma"),
    ] {
        event(&mut s, 0, StreamEvent::Update(status(id, text)));
    }
    key(&mut s, KeyCode::Char('/'));
    for c in "alpha".chars() {
        key(&mut s, KeyCode::Char(c));
    }
    key(&mut s, KeyCode::Enter);
    assert_eq!(s.search.query, "alpha");
    assert!(!s.search.editing);
    assert_eq!(s.tabs[0].selected_entry().unwrap().item.id(), "3");
    key(&mut s, KeyCode::Char('j'));
    assert_eq!(s.tabs[0].selected_entry().unwrap().item.id(), "1");
    key(&mut s, KeyCode::Esc);
    assert!(s.search.query.is_empty());
}

#[test]
fn mentions_ring_the_bell_when_asked() {
    let mut s = state();
    assert!(
        event(
            &mut s,
            0,
            StreamEvent::Notification(notification("n1", "mention", Some(status("1", "hi"))))
        )
        .is_empty()
    );
    s.settings.bell_on_mention = true;
    assert_eq!(
        event(
            &mut s,
            0,
            StreamEvent::Notification(notification("n2", "mention", Some(status("2", "hi"))))
        ),
        vec![Command::Bell]
    );
    assert!(
        event(
            &mut s,
            0,
            StreamEvent::Notification(notification("n3", "follow", None))
        )
        .is_empty()
    );
}

#[test]
fn announcements_show_until_dismissed() {
    let mut s = state();
    let a: crate::model::Announcement =
        serde_json::from_value(json!({"id": "1", "content": "<p>hi</p>"})).unwrap();
    event(&mut s, 0, StreamEvent::Announcement(Box::new(a.clone())));
    event(&mut s, 0, StreamEvent::Announcement(Box::new(a)));
    assert_eq!(s.announcements.len(), 1);
    key(&mut s, KeyCode::Char('x'));
    assert!(s.announcements.is_empty());
}

#[test]
fn idle_ticks_redraw_only_what_shows_time() {
    let mut s = state();
    s.dirty = false;
    update(&mut s, AppEvent::Tick(now()));
    assert!(!s.dirty, "an empty screen has no relative times");
    event(&mut s, 0, StreamEvent::Update(status("1", "x")));
    s.dirty = false;
    update(&mut s, AppEvent::Tick(now()));
    assert!(s.dirty);
    s.dirty = false;
    key(&mut s, KeyCode::Char('z'));
    assert!(!s.dirty, "an unbound key changes nothing");
}

fn timed(id: &str, at: &str) -> Box<Status> {
    let mut s = status(id, id);
    s.created_at = at.into();
    s
}

#[allow(clippy::vec_box)] // the fixtures make boxed statuses, as events carry them
fn page(items: Vec<Box<Status>>, complete: bool) -> crate::api::timeline::CatchUp {
    let resume_from = items.first().map(|s| s.id.clone()).unwrap_or_default();
    crate::api::timeline::CatchUp {
        items: crate::api::timeline::History::Statuses(items.into_iter().map(|b| *b).collect()),
        complete,
        resume_from,
    }
}

fn history(
    state: &mut State,
    stream: usize,
    since: Option<&str>,
    found: crate::api::timeline::CatchUp,
) {
    update(
        state,
        AppEvent::HistoryFetched {
            stream: StreamId(stream),
            since: since.map(str::to_string),
            result: Ok(found),
        },
    );
}

#[test]
fn history_on_open_goes_below_live_posts_without_duplicates() {
    let mut s = state();
    event(
        &mut s,
        0,
        StreamEvent::Update(timed("5", "2026-11-28T11:59:50Z")),
    );
    let latest = page(
        vec![
            timed("5", "2026-11-28T11:59:50Z"),
            timed("4", "2026-11-28T11:50:00Z"),
            timed("3", "2026-11-28T11:40:00Z"),
        ],
        true,
    );
    history(&mut s, 0, None, latest);
    assert_eq!(ids(&s, 0), ["5", "4", "3"]);
    assert_eq!(
        s.tabs[0].selected_entry().unwrap().item.id(),
        "5",
        "the reader stays at the top"
    );
}

#[test]
fn merged_history_pages_interleave_by_time() {
    let mut s = state();
    history(
        &mut s,
        1,
        None,
        page(
            vec![
                timed("r2", "2026-11-28T11:30:00Z"),
                timed("r1", "2026-11-28T11:10:00Z"),
            ],
            true,
        ),
    );
    history(
        &mut s,
        2,
        None,
        page(
            vec![
                timed("t2", "2026-11-28T11:20:00Z"),
                timed("t1", "2026-11-28T11:00:00Z"),
            ],
            true,
        ),
    );
    assert_eq!(ids(&s, 1), ["r2", "t2", "r1", "t1"]);
}

#[test]
fn a_reconnect_fetches_what_was_missed_and_puts_it_in_place() {
    let mut s = state();
    let st = |state| {
        AppEvent::Stream(StreamMessage::State {
            stream: StreamId(0),
            state,
        })
    };
    update(
        &mut s,
        st(ConnectionState::Live {
            transport: Transport::Ws,
        }),
    );
    event(&mut s, 0, StreamEvent::Update(status("10", "before")));
    event(
        &mut s,
        0,
        StreamEvent::Notification(notification("n10", "follow", None)),
    );
    update(
        &mut s,
        st(ConnectionState::Reconnecting {
            after: std::time::Duration::from_secs(1),
            reason: "x".into(),
        }),
    );
    let commands = update(
        &mut s,
        st(ConnectionState::Live {
            transport: Transport::Ws,
        }),
    );
    assert_eq!(
        commands,
        vec![
            Command::FetchFilters { account: 0 },
            Command::FetchHistory {
                account: 0,
                stream: StreamId(0),
                spec: StreamSpec::User,
                since: Some("10".into())
            },
            Command::FetchNotifications {
                account: 0,
                since: Some("n10".into())
            },
        ]
    );
    // a live post arrives before the catch-up answers
    event(&mut s, 0, StreamEvent::Update(status("14", "after")));
    history(
        &mut s,
        0,
        Some("10"),
        page(
            vec![status("13", "m"), status("12", "m"), status("11", "m")],
            true,
        ),
    );
    assert_eq!(ids(&s, 0), ["14", "13", "12", "11", "10"]);
    // overlapping results do not duplicate
    history(
        &mut s,
        0,
        Some("10"),
        page(vec![status("14", "m"), status("11", "m")], true),
    );
    assert_eq!(ids(&s, 0), ["14", "13", "12", "11", "10"]);
}

#[test]
fn a_catch_up_cut_short_leaves_a_gap_marker_that_loads_the_rest() {
    let mut s = state();
    event(&mut s, 0, StreamEvent::Update(status("10", "before")));
    event(&mut s, 0, StreamEvent::Update(status("20", "after")));
    history(
        &mut s,
        0,
        Some("10"),
        page(vec![status("12", "m"), status("11", "m")], false),
    );
    assert_eq!(ids(&s, 0), ["20", "gap:0:12", "12", "11", "10"]);
    // select the gap and press Enter: it loads from where the catch-up stopped
    key(&mut s, KeyCode::Char('j'));
    let commands = key(&mut s, KeyCode::Enter);
    assert_eq!(
        commands,
        vec![Command::FetchHistory {
            account: 0,
            stream: StreamId(0),
            spec: StreamSpec::User,
            since: Some("12".into())
        }]
    );
    assert_eq!(s.overlay, Overlay::None);
    history(
        &mut s,
        0,
        Some("12"),
        page(vec![status("14", "m"), status("13", "m")], true),
    );
    assert_eq!(ids(&s, 0), ["20", "14", "13", "12", "11", "10"]);
}

#[test]
fn caught_up_notifications_go_above_the_last_one_seen() {
    let mut s = state();
    event(
        &mut s,
        0,
        StreamEvent::Notification(notification("n1", "follow", None)),
    );
    event(
        &mut s,
        0,
        StreamEvent::Notification(notification("n4", "follow", None)),
    );
    let found = crate::api::timeline::CatchUp {
        items: crate::api::timeline::History::Notifications(vec![
            *notification("n3", "follow", None),
            *notification("n2", "follow", None),
        ]),
        complete: true,
        resume_from: "n3".into(),
    };
    update(
        &mut s,
        AppEvent::NotificationsFetched {
            account: 0,
            since: Some("n1".into()),
            result: Ok(found),
        },
    );
    let order: Vec<&str> = s
        .notifications
        .entries
        .iter()
        .map(|e| e.notification.id.as_str())
        .collect();
    assert_eq!(order, ["n4", "n3", "n2", "n1"]);
}

#[test]
fn a_feed_the_server_switched_off_shows_as_failed_with_the_reason() {
    let mut s = state();
    s.stream_failed(
        StreamId(1),
        "the server has switched its hashtag feed off".into(),
    );
    match s.tabs[1].connection() {
        Some(ConnectionState::Failed { reason, .. }) => assert!(reason.contains("switched")),
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        s.tabs[0].connection(),
        Some(ConnectionState::Connecting { .. })
    ));
}

#[test]
fn conversation_pages_update_what_is_held() {
    let mut s = state();
    let conv = |id: &str, last: &str| Conversation {
        id: id.into(),
        unread: false,
        accounts: vec![],
        last_status: Some(status(last, last)),
    };
    event(
        &mut s,
        3,
        StreamEvent::Conversation(Box::new(conv("c1", "1"))),
    );
    let page = crate::api::timeline::CatchUp {
        items: crate::api::timeline::History::Conversations(vec![conv("c1", "5"), conv("c2", "4")]),
        complete: true,
        resume_from: String::new(),
    };
    update(
        &mut s,
        AppEvent::HistoryFetched {
            stream: StreamId(3),
            since: None,
            result: Ok(page),
        },
    );
    assert_eq!(ids(&s, 2), ["c1", "c2"]);
    assert_eq!(s.tabs[2].entries[0].item.status().unwrap().id, "5");
}

fn tagged_status(id: &str, tags: &[&str], text: &str) -> Box<Status> {
    let mut s = status(id, text);
    s.tags = tags
        .iter()
        .map(|t| serde_json::from_value(json!({"name": t})).unwrap())
        .collect();
    s
}

#[test]
fn a_column_of_all_tags_shows_only_posts_with_every_one() {
    let mut s = state();
    s.tabs[1].tag_rule = crate::matching::TagRule::new(
        &["rust".into(), "tokio".into()],
        crate::matching::TagMatch::All,
        &["crypto".into()],
    );
    event(
        &mut s,
        1,
        StreamEvent::Update(tagged_status("1", &["rust"], "one tag")),
    );
    event(
        &mut s,
        1,
        StreamEvent::Update(tagged_status("2", &["Rust", "TOKIO"], "both")),
    );
    event(
        &mut s,
        2,
        StreamEvent::Update(tagged_status("2", &["Rust", "TOKIO"], "both")),
    );
    event(
        &mut s,
        2,
        StreamEvent::Update(tagged_status("3", &["rust", "tokio", "crypto"], "spam")),
    );
    assert_eq!(ids(&s, 1), ["2"]);
    assert_eq!(
        s.tabs[1].entries[0].via,
        [0, 1],
        "it says which streams carried it"
    );
}

#[test]
fn highlighted_posts_go_to_the_hook_and_the_monitor_bell() {
    let mut s = state();
    s.highlights = crate::matching::Highlights::new(&["ferris".into()]).unwrap();
    s.has_hook = true;
    assert!(event(&mut s, 0, StreamEvent::Update(status("1", "nothing here"))).is_empty());
    let commands = event(&mut s, 0, StreamEvent::Update(status("2", "hello Ferris")));
    assert!(
        matches!(commands.as_slice(), [Command::RunHook(json)] if json.contains("\"id\":\"2\""))
    );
    s.monitor = Some(crate::app::state::Monitor {
        stale_after: std::time::Duration::from_secs(60),
        bell: true,
    });
    let commands = event(&mut s, 0, StreamEvent::Update(status("3", "ferris again")));
    assert_eq!(commands.len(), 2);
    assert_eq!(commands[0], Command::Bell);
    // without highlights the hook gets every post
    s.highlights = Default::default();
    assert!(matches!(
        event(&mut s, 0, StreamEvent::Update(status("4", "x"))).as_slice(),
        [Command::RunHook(_)]
    ));
}

#[test]
fn the_monitor_warns_once_per_silence_and_takes_no_keys_but_quit() {
    let mut s = state();
    s.monitor = Some(crate::app::state::Monitor {
        stale_after: std::time::Duration::from_secs(60),
        bell: true,
    });
    let at = |secs: i64| {
        now()
            .checked_add(jiff::SignedDuration::from_secs(secs))
            .unwrap()
    };
    let st = |state| {
        AppEvent::Stream(StreamMessage::State {
            stream: StreamId(0),
            state,
        })
    };
    update(
        &mut s,
        st(ConnectionState::Live {
            transport: Transport::Ws,
        }),
    );
    for stream in 1..4 {
        let live = AppEvent::Stream(StreamMessage::State {
            stream: StreamId(stream),
            state: ConnectionState::Live {
                transport: Transport::Ws,
            },
        });
        update(&mut s, live);
    }
    assert!(update(&mut s, AppEvent::Tick(at(30))).is_empty());
    s.now = at(30);
    for stream in 1..4 {
        event(&mut s, stream, StreamEvent::Delete("x".into()));
    }
    assert_eq!(
        update(&mut s, AppEvent::Tick(at(61))),
        vec![Command::Bell],
        "stream 0 has been silent 61 s"
    );
    assert!(s.tabs[0].streams[0].is_stale(at(61), std::time::Duration::from_secs(60)));
    assert!(
        update(&mut s, AppEvent::Tick(at(62))).is_empty(),
        "once per silence"
    );
    s.now = at(70);
    event(&mut s, 0, StreamEvent::Update(status("9", "back")));
    assert!(!s.tabs[0].streams[0].is_stale(at(71), std::time::Duration::from_secs(60)));
    for stream in 1..4 {
        event(&mut s, stream, StreamEvent::Delete("y".into()));
    }
    assert!(update(&mut s, AppEvent::Tick(at(100))).is_empty());
    assert_eq!(
        update(&mut s, AppEvent::Tick(at(131))),
        vec![Command::Bell],
        "a new silence warns again"
    );
    assert!(key(&mut s, KeyCode::Char('j')).is_empty());
    assert!(key(&mut s, KeyCode::Char('?')).is_empty());
    assert_eq!(s.overlay, Overlay::None);
    assert_eq!(key(&mut s, KeyCode::Char('q')), vec![Command::Quit]);
}
