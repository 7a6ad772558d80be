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

/// Conversation `id` whose last post is `last` (unread).
pub(super) fn conversation(id: &str, last: &str) -> Box<Conversation> {
    Box::new(Conversation {
        id: id.into(),
        unread: true,
        accounts: vec![],
        last_status: Some(status(last, last)),
        ..Default::default()
    })
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

/// Stream `stream` reports a new connection state.
pub(super) fn connection(state: &mut State, stream: usize, new: ConnectionState) -> Vec<Command> {
    update(
        state,
        AppEvent::Stream(StreamMessage::State {
            stream: StreamId(stream),
            state: new,
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
fn an_older_edit_heard_late_on_another_tab_replaces_no_later_one() {
    let mut s = state();
    event(&mut s, 0, StreamEvent::Update(status("1", "first")));
    event(&mut s, 1, StreamEvent::Update(status("1", "first")));
    let edit = |text, at: &str| {
        let mut edited = status("1", text);
        edited.edited_at = Some(at.into());
        edited
    };
    event(
        &mut s,
        0,
        StreamEvent::StatusUpdate(edit("third", "2026-11-28T12:02:00Z")),
    );
    // The Rust tab's streams had seen no edit of it: theirs is news to them, and older than
    // what both tabs show.
    event(
        &mut s,
        1,
        StreamEvent::StatusUpdate(edit("second", "2026-11-28T12:01:00.5Z")),
    );
    for tab in [0, 1] {
        let shown = s.tabs[tab].entries[0].item.status().unwrap();
        assert_eq!(shown.content, "<p>third</p>", "tab {tab}");
    }
    // A tab that holds it only inside a boost showing a later edit holds it all the same: the
    // older edit is no post of its own there.
    let mut s = state();
    event(&mut s, 1, StreamEvent::Update(status("1", "first")));
    event(
        &mut s,
        0,
        StreamEvent::Update(boost("b1", status("1", "first"))),
    );
    event(
        &mut s,
        1,
        StreamEvent::StatusUpdate(edit("third", "2026-11-28T12:02:00Z")),
    );
    event(
        &mut s,
        0,
        StreamEvent::StatusUpdate(edit("second", "2026-11-28T12:01:00Z")),
    );
    assert_eq!(ids(&s, 0), ["b1"]);
    let Item::Status(b) = &s.tabs[0].entries[0].item else {
        panic!()
    };
    assert_eq!(b.reblog.as_ref().unwrap().content, "<p>third</p>");
}

#[test]
fn an_edit_that_overtakes_its_post_is_shown_and_the_late_post_does_not_undo_it() {
    let mut s = state();
    event(&mut s, 0, StreamEvent::Update(status("1", "older")));
    let mut edited = status("5", "fixed");
    edited.created_at = "2026-11-28T12:00:00Z".into();
    edited.edited_at = Some("2026-11-28T12:01:00Z".into());
    s.has_hook = true;
    let commands = event(&mut s, 0, StreamEvent::StatusUpdate(edited));
    assert!(
        commands
            .iter()
            .any(|c| matches!(c, Command::RunHook(json) if json.contains("fixed"))),
        "the hook hears of the post as of a new one: {commands:?}"
    );
    let mut original = status("5", "typo");
    original.created_at = "2026-11-28T12:00:00Z".into();
    event(&mut s, 0, StreamEvent::Update(original));
    assert_eq!(ids(&s, 0), ["5", "1"]);
    let shown = s.tabs[0].entries[0].item.status().unwrap();
    assert_eq!(shown.content, "<p>fixed</p>");
    assert!(shown.edited_at.is_some(), "shown as edited");
    // An edit of a post older than all the tab holds is not dug out.
    let mut old = status("0", "ancient");
    old.created_at = "2020-01-01T00:00:00Z".into();
    old.edited_at = Some("2026-11-28T12:02:00Z".into());
    event(&mut s, 0, StreamEvent::StatusUpdate(old));
    assert_eq!(ids(&s, 0), ["5", "1"]);
}

#[test]
fn conversations_update_in_place_and_rise_to_the_top() {
    let mut s = state();
    event(
        &mut s,
        3,
        StreamEvent::Conversation(conversation("c1", "10")),
    );
    event(
        &mut s,
        3,
        StreamEvent::Conversation(conversation("c2", "11")),
    );
    event(
        &mut s,
        3,
        StreamEvent::Conversation(conversation("c1", "12")),
    );
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
    assert_eq!(s.notifications.unread(), 1);
    key(&mut s, KeyCode::Char('n'));
    assert_eq!(s.notifications.unread(), 0);
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
fn a_post_that_left_the_bounded_timeline_does_not_come_back_on_top() {
    // The core remembers more of a group than its timeline holds (as `tail` does): the same
    // post arriving again, late or from another stream, is not news.
    let mut s = state();
    s.settings.timeline_len = 2;
    for id in ["1", "2", "3"] {
        event(&mut s, 0, StreamEvent::Update(status(id, "x")));
    }
    assert_eq!(ids(&s, 0), ["3", "2"]);
    event(&mut s, 0, StreamEvent::Update(status("1", "x")));
    assert_eq!(ids(&s, 0), ["3", "2"]);
    // while one still held is not doubled
    event(&mut s, 0, StreamEvent::Update(status("3", "x")));
    assert_eq!(ids(&s, 0), ["3", "2"]);
    // a new one is news
    event(&mut s, 0, StreamEvent::Update(status("4", "x")));
    assert_eq!(ids(&s, 0), ["4", "3"]);
}

#[test]
fn a_reconnect_counts_down_once_a_second() {
    let mut s = state();
    let t0 = s.now;
    update(
        &mut s,
        AppEvent::Stream(StreamMessage::State {
            stream: StreamId(0),
            state: ConnectionState::Reconnecting {
                after: std::time::Duration::from_secs(44),
                reason: "x".into(),
            },
        }),
    );
    assert!(s.counting_down());
    let later = t0.checked_add(jiff::SignedDuration::from_secs(10)).unwrap();
    s.dirty = false;
    update(&mut s, AppEvent::Tick(later));
    assert!(s.dirty, "the countdown is redrawn");
    assert_eq!(
        s.tabs[0].streams[0].retry_in(later),
        Some(std::time::Duration::from_secs(34))
    );
    let much_later = t0
        .checked_add(jiff::SignedDuration::from_secs(100))
        .unwrap();
    assert_eq!(
        s.tabs[0].streams[0].retry_in(much_later),
        Some(std::time::Duration::ZERO)
    );
}

#[test]
fn a_remapped_quit_key_quits_and_the_old_one_does_nothing() {
    let config = crate::config::Config::parse(
        "[keys]\nquit = \"Q\"\n",
        std::path::Path::new("config.toml"),
    )
    .unwrap();
    let mut s = state();
    s.settings.keys = config.keymap();
    assert!(key(&mut s, KeyCode::Char('q')).is_empty());
    assert!(!s.quit);
    // Terminals send an upper-case letter with Shift, or without.
    let shift_q = AppEvent::Key(KeyEvent::new(KeyCode::Char('Q'), KeyModifiers::SHIFT));
    assert_eq!(update(&mut s, shift_q), vec![Command::Quit]);
    assert!(s.quit);
    let mut s = state();
    s.settings.keys = config.keymap();
    assert_eq!(key(&mut s, KeyCode::Char('Q')), vec![Command::Quit]);
    // The help says so.
    key(&mut s, KeyCode::Char('?'));
    assert_eq!(s.overlay, Overlay::Help);
    let help = crate::keys::ROWS
        .iter()
        .map(|r| (s.settings.keys.row_label(r), r.help))
        .collect::<Vec<_>>();
    assert!(help.contains(&("Q".to_string(), "quit")), "{help:?}");
    assert!(!help.contains(&("q".to_string(), "quit")), "{help:?}");
    // Ctrl-C quits whatever the table says.
    let mut s = state();
    s.settings.keys = config.keymap();
    let ctrl_c = AppEvent::Key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL));
    assert_eq!(update(&mut s, ctrl_c), vec![Command::Quit]);
    // The monitor's one key follows the table too.
    let mut s = state();
    s.settings.keys = config.keymap();
    s.monitor = Some(crate::app::state::Monitor {
        stale_after: std::time::Duration::from_secs(60),
        bell: false,
        ..Default::default()
    });
    assert!(key(&mut s, KeyCode::Char('q')).is_empty());
    assert!(!s.quit);
    assert_eq!(key(&mut s, KeyCode::Char('Q')), vec![Command::Quit]);
}

#[test]
fn remapped_keys_do_their_actions_and_free_the_defaults() {
    let config = crate::config::Config::parse(
        "[keys]\ndown = [\"ctrl-n\", \"down\"]\nup = [\"ctrl-p\", \"up\"]\nnext_tab = \"l\"\nback = [\"esc\", \"h\"]\n",
        std::path::Path::new("config.toml"),
    )
    .unwrap();
    let mut s = state();
    s.settings.keys = config.keymap();
    for id in ["1", "2", "3"] {
        event(&mut s, 0, StreamEvent::Update(status(id, "x")));
    }
    let ctrl = |c| AppEvent::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL));
    assert_eq!(s.tabs[0].selected_entry().unwrap().item.id(), "3");
    update(&mut s, ctrl('n'));
    assert_eq!(s.tabs[0].selected_entry().unwrap().item.id(), "2");
    key(&mut s, KeyCode::Char('j'));
    assert_eq!(s.tabs[0].selected_entry().unwrap().item.id(), "2");
    update(&mut s, ctrl('p'));
    assert_eq!(s.tabs[0].selected_entry().unwrap().item.id(), "3");
    key(&mut s, KeyCode::Tab);
    assert_eq!(s.active, 0);
    key(&mut s, KeyCode::Char('l'));
    assert_eq!(s.active, 1);
    key(&mut s, KeyCode::Char('?'));
    key(&mut s, KeyCode::Char('h'));
    assert_eq!(s.overlay, Overlay::None);
}

#[test]
fn filters_that_fail_offline_leave_the_footer_to_the_streams_and_come_when_live() {
    let mut s = state();
    let failed = || AppEvent::FiltersFetched {
        account: 0,
        result: Err("connection refused (is the server up?)".into()),
    };
    update(&mut s, failed());
    assert_eq!(s.flash, None, "the streams' states say what is wrong");
    let commands = connection(
        &mut s,
        0,
        ConnectionState::Live {
            transport: Transport::Ws,
        },
    );
    assert!(
        commands.contains(&Command::FetchFilters { account: 0 }),
        "{commands:?}"
    );
    // With a stream live, a failure is news.
    update(&mut s, failed());
    assert!(s.flash.as_deref().is_some_and(|f| f.contains("filters")));
}
