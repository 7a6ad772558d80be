//! Read positions through the reducer: where they move, what counts as unread, where the
//! "read up to here" line goes, and what the archive is given.

use ratatui::crossterm::event::KeyCode;

use super::tests::*;
use super::*;
use crate::archive::{Batch, Write};

fn post(s: &mut State, stream: usize, id: &str) -> Vec<Command> {
    event(s, stream, StreamEvent::Update(status(id, "x")))
}

fn read_writes(commands: &[Command]) -> Vec<(String, String)> {
    commands
        .iter()
        .filter_map(|c| match c {
            Command::ArchiveWrite(Batch(w)) => Some(w),
            _ => None,
        })
        .flatten()
        .filter_map(|w| match w {
            Write::ReadPosition { tab, id, .. } => Some((tab.clone(), id.clone())),
            _ => None,
        })
        .collect()
}

/// A tab's start page: read before anything came live (never counted unread).
fn start_page(s: &mut State, stream: usize, id: &str) -> Vec<Command> {
    update(
        s,
        AppEvent::HistoryFetched {
            stream: crate::stream::StreamId(stream),
            since: None,
            result: Ok(crate::api::timeline::CatchUp {
                items: crate::api::timeline::History::Statuses(vec![*status(id, "x")]),
                complete: true,
                resume_from: id.into(),
            }),
        },
    )
}

#[test]
fn the_active_tab_is_read_up_to_the_top_while_it_follows_it() {
    let mut s = state();
    post(&mut s, 0, "10");
    post(&mut s, 0, "11");
    assert_eq!(s.tabs[0].read_id.as_deref(), Some("11"));
    assert_eq!(s.tabs[0].unread, 0);
}

#[test]
fn unread_counts_posts_newer_than_the_position_and_it_only_moves_forward() {
    let mut s = state();
    for id in ["1", "2", "3"] {
        post(&mut s, 0, id);
    }
    key(&mut s, KeyCode::Char('j'));
    key(&mut s, KeyCode::Char('j'));
    // Scrolling down to older posts does not take the position back.
    assert_eq!(s.tabs[0].read_id.as_deref(), Some("3"));
    post(&mut s, 0, "4");
    post(&mut s, 0, "5");
    assert_eq!(s.tabs[0].unread, 2, "two posts came above the reader");
    key(&mut s, KeyCode::Char('2'));
    post(&mut s, 0, "6");
    assert_eq!(s.tabs[0].unread, 3);
    key(&mut s, KeyCode::Char('1'));
    // Coming back, the reader is where they were (on "1"): the three stay unread.
    assert_eq!(s.tabs[0].unread, 3);
    key(&mut s, KeyCode::Char('g'));
    assert_eq!(s.tabs[0].read_id.as_deref(), Some("6"));
    assert_eq!(s.tabs[0].unread, 0);
}

#[test]
fn the_line_stays_where_the_position_was_when_the_reader_came_to_the_tab() {
    let mut s = state();
    post(&mut s, 1, "1");
    key(&mut s, KeyCode::Char('2'));
    assert_eq!(s.tabs[1].read_id.as_deref(), Some("1"));
    key(&mut s, KeyCode::Char('1'));
    post(&mut s, 1, "2");
    post(&mut s, 1, "3");
    assert_eq!(s.tabs[1].unread, 2);
    key(&mut s, KeyCode::Char('2'));
    assert_eq!(
        s.tabs[1].divider_id.as_deref(),
        Some("1"),
        "the line is below the two new posts"
    );
    assert_eq!(
        s.tabs[1].read_id.as_deref(),
        Some("3"),
        "and they are read now"
    );
    assert_eq!(s.tabs[1].unread, 0);
}

#[test]
fn a_kept_position_comes_back_only_if_newer() {
    let mut s = state();
    post(&mut s, 1, "5");
    s.tabs[1].restore_read("3".into());
    assert_eq!(s.tabs[1].unread, 1);
    assert_eq!(s.tabs[1].divider_id.as_deref(), Some("3"));
    s.tabs[1].restore_read("2".into());
    assert_eq!(s.tabs[1].read_id.as_deref(), Some("3"));
}

#[test]
fn positions_go_to_the_archive_when_the_reader_leaves_a_tab_and_on_quit() {
    let mut s = state();
    s.archive_writing = true;
    s.archive_accounts = vec!["alice@example.social".into()];
    let first = post(&mut s, 0, "1");
    assert_eq!(
        read_writes(&first),
        [("user".to_string(), "1".to_string())],
        "the first position is kept at once"
    );
    let soon = post(&mut s, 0, "2");
    assert!(read_writes(&soon).is_empty(), "at most every few seconds");
    let left = key(&mut s, KeyCode::Char('2'));
    assert_eq!(read_writes(&left), [("user".to_string(), "2".to_string())]);
    key(&mut s, KeyCode::Char('1'));
    post(&mut s, 0, "3");
    let quit = key(&mut s, KeyCode::Char('q'));
    assert_eq!(read_writes(&quit), [("user".to_string(), "3".to_string())]);
    assert!(
        matches!(quit.first(), Some(Command::ArchiveWrite(_))),
        "written before the run loop ends: {quit:?}"
    );
}

#[test]
fn nothing_goes_to_the_archive_when_it_is_not_written() {
    let mut s = state();
    assert!(read_writes(&post(&mut s, 0, "1")).is_empty());
    assert!(read_writes(&key(&mut s, KeyCode::Char('q'))).is_empty());
}

#[test]
fn a_tab_first_visited_draws_its_line_below_what_it_counted_unread() {
    let mut s = state();
    start_page(&mut s, 1, "1");
    post(&mut s, 1, "2");
    post(&mut s, 1, "3");
    assert_eq!(s.tabs[1].read_id, None, "never visited");
    assert_eq!(s.tabs[1].unread, 2);
    key(&mut s, KeyCode::Char('2'));
    assert_eq!(
        s.tabs[1].divider_id.as_deref(),
        Some("1"),
        "the line sits below the two counted unread"
    );
}

#[test]
fn a_deleted_unread_post_is_no_longer_counted() {
    let mut s = state();
    for id in ["1", "2", "3"] {
        post(&mut s, 1, id);
    }
    assert_eq!(s.tabs[1].unread, 3, "no position yet: counted as they came");
    event(&mut s, 1, StreamEvent::Delete("2".into()));
    assert_eq!(s.tabs[1].unread, 2);
    s.tabs[1].restore_read("1".into());
    assert_eq!(s.tabs[1].unread, 1);
    event(&mut s, 1, StreamEvent::Delete("3".into()));
    assert_eq!(s.tabs[1].unread, 0);
}

#[test]
fn a_tab_never_visited_keeps_what_it_opened_with_as_read_for_the_next_start() {
    let mut s = state();
    s.archive_writing = true;
    s.archive_accounts = vec!["alice@example.social".into()];
    let key_of_tab = crate::app::read::read_key(&s.tabs[1]);
    let opened = start_page(&mut s, 1, "1");
    assert_eq!(s.tabs[1].read_id, None, "never visited");
    assert_eq!(
        read_writes(&opened),
        [(key_of_tab.clone(), "1".to_string())]
    );
    post(&mut s, 1, "2");
    // Looked at again `SAVE_EVERY` later, and not at every post between.
    s.now += jiff::SignedDuration::from_secs(11);
    post(&mut s, 1, "3");
    let looked = s.now;
    assert_eq!(s.tabs[1].read_looked_at, looked);
    s.now += jiff::SignedDuration::from_secs(1);
    post(&mut s, 1, "4");
    assert_eq!(s.tabs[1].read_looked_at, looked, "not at every post");
    assert_eq!(s.tabs[1].unread, 3);
    let quit = key(&mut s, KeyCode::Char('q'));
    assert!(
        read_writes(&quit).iter().all(|(tab, _)| *tab != key_of_tab),
        "written once: {quit:?}"
    );
    // The next start: the two that came are unread, and the line sits below them.
    let mut next = state();
    for id in ["1", "2", "3"] {
        post(&mut next, 1, id);
    }
    next.tabs[1].restore_read("1".into());
    assert_eq!(next.tabs[1].unread, 2);
    assert_eq!(next.tabs[1].divider_id.as_deref(), Some("1"));
}

#[test]
fn unread_never_counts_more_than_the_tab_holds() {
    let mut s = state();
    s.settings.timeline_len = 3;
    for id in 1..=10 {
        post(&mut s, 1, &id.to_string());
    }
    assert_eq!(
        s.tabs[1].read_id, None,
        "never visited: counted as they came"
    );
    assert_eq!(s.tabs[1].entries.len(), 3);
    assert_eq!(s.tabs[1].unread, 3);
}

#[test]
fn reading_the_conversations_clears_their_count() {
    let mut s = state();
    // Tab 2 holds the conversations (stream 3); the reader is on tab 0.
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
    assert_eq!(s.tabs[2].unread, 2);
    key(&mut s, KeyCode::Char('3'));
    assert_eq!(s.tabs[2].unread, 0, "read on arrival at the top");
    key(&mut s, KeyCode::Char('1'));
    assert_eq!(s.tabs[2].unread, 0, "and it stays read");
    event(
        &mut s,
        3,
        StreamEvent::Conversation(conversation("c1", "12")),
    );
    assert_eq!(s.tabs[2].unread, 1, "a change is news again");
}
