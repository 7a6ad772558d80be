//! The server's markers through the reducer: read at start, moving positions forward only,
//! posted on quit and at most once a minute, and only with a token that may write them.

use ratatui::crossterm::event::KeyCode;

use super::tests::*;
use super::*;
use crate::api::markers::Markers;
use crate::app::markers::{self, MarkerFailure};
use crate::stream::StreamSpec;

fn post(s: &mut State, stream: usize, id: &str) -> Vec<Command> {
    event(s, stream, StreamEvent::Update(status(id, "x")))
}

/// The markers arrive; `writable`: the token store said the token may write them.
fn fetched(s: &mut State, home: Option<&str>, notifications: Option<&str>, writable: bool) {
    markers::sync_mut(s, 0).writable = writable;
    update(
        s,
        AppEvent::MarkersFetched {
            account: 0,
            result: Ok(Markers {
                home: home.map(str::to_string),
                notifications: notifications.map(str::to_string),
            }),
        },
    );
}

/// The answer to a post of `posted`.
fn saved(s: &mut State, posted: Markers, result: Result<(), MarkerFailure>) {
    update(
        s,
        AppEvent::MarkersSaved {
            account: 0,
            posted,
            result,
        },
    );
}

fn saves(commands: &[Command]) -> Vec<Markers> {
    commands
        .iter()
        .filter_map(|c| match c {
            Command::SaveMarkers {
                account: 0,
                markers,
            } => Some(markers.clone()),
            _ => None,
        })
        .collect()
}

fn home(id: &str) -> Markers {
    Markers {
        home: Some(id.into()),
        notifications: None,
    }
}

#[test]
fn markers_are_read_at_start_whatever_the_token_may_write() {
    let mut s = state();
    assert_eq!(
        markers::initial(&mut s),
        [Command::FetchMarkers { account: 0 }]
    );
    // Without a home tab or notifications there is nothing to read; nor when switched off.
    let mut s = State::new(
        vec![("Rust".into(), vec!["#rust".parse().unwrap()])],
        Default::default(),
        now(),
    );
    assert!(markers::initial(&mut s).is_empty());
    let mut s = state();
    s.settings.markers = false;
    assert!(markers::initial(&mut s).is_empty());
    // A side screen is not reading.
    let mut s = state();
    s.monitor = Some(crate::app::state::Monitor {
        stale_after: std::time::Duration::from_secs(60),
        bell: false,
        ..Default::default()
    });
    assert!(markers::initial(&mut s).is_empty());
    markers::sync_mut(&mut s, 0).writable = true;
    markers::sync_mut(&mut s, 0).fetched = true;
    post(&mut s, 0, "10");
    assert!(saves(&key(&mut s, KeyCode::Char('q'))).is_empty());
}

#[test]
fn a_marker_moves_the_home_position_and_its_line_forward_never_back() {
    let mut s = state();
    key(&mut s, KeyCode::Char('2'));
    for id in ["10", "11", "12"] {
        post(&mut s, 0, id);
    }
    assert_eq!(s.tabs[0].unread, 3);
    fetched(&mut s, Some("11"), None, false);
    assert_eq!(s.tabs[0].read_id.as_deref(), Some("11"));
    assert_eq!(s.tabs[0].unread, 1, "12 is all that was not read elsewhere");
    fetched(&mut s, Some("5"), None, false);
    assert_eq!(s.tabs[0].read_id.as_deref(), Some("11"), "an older marker");
    key(&mut s, KeyCode::Char('1'));
    assert_eq!(s.tabs[0].divider_id.as_deref(), Some("11"));
}

#[test]
fn the_marker_of_the_tab_being_read_moves_its_line() {
    let mut s = state();
    for id in ["10", "11", "12"] {
        post(&mut s, 0, id);
    }
    s.tabs[0].divider_id = Some("9".into());
    fetched(&mut s, Some("11"), None, false);
    assert_eq!(
        s.tabs[0].divider_id.as_deref(),
        Some("11"),
        "what was read on another device is above the line"
    );
}

#[test]
fn positions_are_posted_on_quit_and_at_most_once_a_minute_with_a_write_token() {
    let mut s = state();
    markers::initial(&mut s);
    fetched(&mut s, Some("5"), None, true);
    let soon = post(&mut s, 0, "10");
    assert!(saves(&soon).is_empty(), "not within a minute of the read");
    s.now = now() + jiff::SignedDuration::from_secs(61);
    let due = post(&mut s, 0, "11");
    assert_eq!(saves(&due), [home("11")]);
    saved(&mut s, home("11"), Ok(()));
    post(&mut s, 0, "12");
    let quit = key(&mut s, KeyCode::Char('q'));
    assert_eq!(saves(&quit), [home("12")]);
}

#[test]
fn nothing_is_posted_with_a_read_token_nor_before_the_markers_were_read() {
    let mut s = state();
    markers::initial(&mut s);
    fetched(&mut s, None, None, false);
    post(&mut s, 0, "10");
    assert!(saves(&key(&mut s, KeyCode::Char('q'))).is_empty());

    let mut s = state();
    markers::sync_mut(&mut s, 0).writable = true;
    markers::initial(&mut s);
    post(&mut s, 0, "10");
    assert!(
        saves(&key(&mut s, KeyCode::Char('q'))).is_empty(),
        "a position posted blind could take the server's back"
    );
}

#[test]
fn a_position_older_than_the_servers_is_not_posted() {
    let mut s = state();
    markers::initial(&mut s);
    post(&mut s, 0, "10");
    fetched(&mut s, Some("20"), None, true);
    assert!(saves(&key(&mut s, KeyCode::Char('q'))).is_empty());
}

#[test]
fn a_refused_post_ends_the_posting_and_a_failed_one_is_tried_again() {
    let mut s = state();
    markers::initial(&mut s);
    fetched(&mut s, None, None, true);
    s.now = now() + jiff::SignedDuration::from_secs(61);
    assert_eq!(saves(&post(&mut s, 0, "10")), [home("10")]);
    saved(
        &mut s,
        home("10"),
        Err(MarkerFailure::Failed("timed out".into())),
    );
    s.now = now() + jiff::SignedDuration::from_secs(122);
    assert_eq!(saves(&key(&mut s, KeyCode::Char('j'))), [home("10")]);
    saved(
        &mut s,
        home("10"),
        Err(MarkerFailure::Refused("HTTP 403".into())),
    );
    post(&mut s, 0, "11");
    assert!(saves(&key(&mut s, KeyCode::Char('q'))).is_empty());
}

#[test]
fn a_failed_read_is_tried_again_a_minute_later_with_any_token() {
    for writable in [true, false] {
        let mut s = state();
        markers::sync_mut(&mut s, 0).writable = writable;
        markers::initial(&mut s);
        update(
            &mut s,
            AppEvent::MarkersFetched {
                account: 0,
                result: Err(MarkerFailure::Failed("cannot reach the server".into())),
            },
        );
        assert!(
            post(&mut s, 0, "10")
                .iter()
                .all(|c| !matches!(c, Command::FetchMarkers { .. }))
        );
        s.now = now() + jiff::SignedDuration::from_secs(61);
        assert!(
            post(&mut s, 0, "11").contains(&Command::FetchMarkers { account: 0 }),
            "writable: {writable}"
        );
    }
}

#[test]
fn notifications_are_read_while_the_pane_shows_and_counted_from_the_marker_when_hidden() {
    let mut s = state();
    event(
        &mut s,
        0,
        StreamEvent::Notification(notification("6", "favourite", None)),
    );
    assert_eq!(
        s.notifications.read.first().and_then(|r| r.id.clone()),
        None,
        "not drawn yet"
    );
    s.notifications_drawn = true;
    markers::initial(&mut s);
    event(
        &mut s,
        0,
        StreamEvent::Notification(notification("7", "favourite", None)),
    );
    assert_eq!(s.notifications.read[0].id.as_deref(), Some("7"));
    fetched(&mut s, None, Some("3"), true);
    assert_eq!(
        s.notifications.read[0].id.as_deref(),
        Some("7"),
        "ours is newer"
    );
    assert_eq!(s.notifications.read[0].divider.as_deref(), Some("3"));
    let quit = key(&mut s, KeyCode::Char('q'));
    assert_eq!(
        saves(&quit),
        [Markers {
            home: None,
            notifications: Some("7".into())
        }]
    );

    let mut s = state();
    s.show_notifications = false;
    for id in ["7", "8", "9"] {
        event(
            &mut s,
            0,
            StreamEvent::Notification(notification(id, "favourite", None)),
        );
    }
    fetched(&mut s, None, Some("8"), false);
    assert_eq!(s.notifications.unread(), 1, "9 was not read anywhere");
    assert!(s.notifications.read[0].id.as_deref() == Some("8"));
}

#[test]
fn a_server_without_markers_is_not_asked_again_nor_posted_to() {
    let mut s = state();
    markers::sync_mut(&mut s, 0).writable = true;
    markers::initial(&mut s);
    update(
        &mut s,
        AppEvent::MarkersFetched {
            account: 0,
            result: Err(MarkerFailure::Refused("HTTP 404: Record not found".into())),
        },
    );
    s.now = now() + jiff::SignedDuration::from_secs(61);
    let later = post(&mut s, 0, "10");
    assert!(
        later
            .iter()
            .all(|c| !matches!(c, Command::FetchMarkers { .. }))
    );
    assert!(saves(&key(&mut s, KeyCode::Char('q'))).is_empty());
}

#[test]
fn a_view_left_alone_moves_no_position_until_the_reader_is_back() {
    let mut s = state();
    markers::initial(&mut s);
    fetched(&mut s, None, None, true);
    post(&mut s, 0, "10");
    assert_eq!(s.tabs[0].read_id.as_deref(), Some("10"));
    // Ten minutes without a key: posts still come in, unread.
    s.now = now() + jiff::SignedDuration::from_mins(11);
    let away = post(&mut s, 0, "11");
    assert_eq!(s.tabs[0].read_id.as_deref(), Some("10"));
    assert_eq!(saves(&away), [home("10")], "what was read before, not more");
    saved(&mut s, home("10"), Ok(()));
    // Back: a key, and what is on screen is read.
    key(&mut s, KeyCode::Char('k'));
    assert_eq!(s.tabs[0].read_id.as_deref(), Some("11"));
}

#[test]
fn a_marker_recounts_only_its_own_accounts_unread_notifications() {
    let mut s = State::new(
        vec![
            ("Home".into(), vec![StreamSpec::User]),
            ("Other".into(), vec![StreamSpec::User]),
        ],
        Default::default(),
        now(),
    );
    s.set_accounts(vec!["a@x".into(), "b@y".into()], &[0, 1]);
    s.show_notifications = false;
    for id in ["1", "2"] {
        event(
            &mut s,
            0,
            StreamEvent::Notification(notification(id, "favourite", None)),
        );
        event(
            &mut s,
            1,
            StreamEvent::Notification(notification(id, "favourite", None)),
        );
    }
    assert_eq!(s.notifications.unread(), 4);
    // Account 0 had read up to 1 elsewhere: its 2 is unread; account 1's two stay counted.
    update(
        &mut s,
        AppEvent::MarkersFetched {
            account: 0,
            result: Ok(Markers {
                home: None,
                notifications: Some("1".into()),
            }),
        },
    );
    assert_eq!(s.notifications.unread(), 3);
}
