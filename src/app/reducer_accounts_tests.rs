//! One deck, two accounts on two servers: what belongs to one account never touches the other,
//! even where the servers' ids coincide.

use super::tests::{connection, event, filter, ids, notification, now, status};
use super::*;
use crate::api::timeline::{CatchUp, History};
use crate::app::state::{State, UiSettings};
use crate::stream::{StreamId, StreamSpec, Transport};

/// Tab 0: home of the default account (stream 0); tab 1: home of "bob@gts.example" (stream 1);
/// tab 2: #rust of the default account (stream 2).
fn deck() -> State {
    let mut s = State::new(
        vec![
            ("Home".into(), vec![StreamSpec::User]),
            ("Home · bob".into(), vec![StreamSpec::User]),
            ("Rust".into(), vec!["#rust".parse().unwrap()]),
        ],
        UiSettings::default(),
        now(),
    );
    s.set_accounts(
        vec!["me@mastodon.example".into(), "bob@gts.example".into()],
        &[0, 1, 0],
    );
    s
}

fn notification_ids(s: &State) -> Vec<(usize, String)> {
    s.notifications
        .entries
        .iter()
        .map(|e| (e.account, e.notification.id.clone()))
        .collect()
}

#[test]
fn the_same_id_on_two_servers_is_two_posts() {
    let mut s = deck();
    event(&mut s, 0, StreamEvent::Update(status("5", "mine")));
    event(&mut s, 2, StreamEvent::Update(status("5", "mine")));
    event(&mut s, 1, StreamEvent::Update(status("5", "bob's")));
    // bob's server deletes its 5: ours stays
    event(&mut s, 1, StreamEvent::Delete("5".into()));
    assert_eq!(ids(&s, 1), Vec::<String>::new());
    assert_eq!(ids(&s, 0), ["5"]);
    assert_eq!(ids(&s, 2), ["5"]);
    // and a late 5 on bob's server stays deleted, while ours still arrive
    event(&mut s, 1, StreamEvent::Update(status("5", "late")));
    assert!(ids(&s, 1).is_empty());
    event(&mut s, 0, StreamEvent::Delete("5".into()));
    assert!(ids(&s, 0).is_empty() && ids(&s, 2).is_empty());
}

#[test]
fn an_edit_replaces_only_its_own_servers_status() {
    let mut s = deck();
    event(&mut s, 0, StreamEvent::Update(status("5", "mine")));
    event(&mut s, 1, StreamEvent::Update(status("5", "bob's")));
    let mut edited = status("5", "bob's, edited");
    edited.edited_at = Some("2026-11-28T11:59:30Z".into());
    event(&mut s, 1, StreamEvent::StatusUpdate(edited));
    let text = |tab: usize| {
        s.tabs[tab].entries[0]
            .item
            .status()
            .unwrap()
            .content
            .clone()
    };
    assert_eq!(text(0), "<p>mine</p>");
    assert_eq!(text(1), "<p>bob's, edited</p>");
}

#[test]
fn filters_are_each_accounts_own() {
    let mut s = deck();
    assert_eq!(
        event(&mut s, 1, StreamEvent::FiltersChanged),
        vec![Command::FetchFilters { account: 1 }]
    );
    event(&mut s, 0, StreamEvent::Update(status("1", "crypto news")));
    event(&mut s, 1, StreamEvent::Update(status("2", "crypto news")));
    update(
        &mut s,
        AppEvent::FiltersFetched {
            account: 1,
            result: Ok(vec![filter("1", "hide", "crypto")]),
        },
    );
    assert_eq!(ids(&s, 0), ["1"]);
    assert!(ids(&s, 1).is_empty());
    // new arrivals follow their own account's filters
    event(&mut s, 0, StreamEvent::Update(status("3", "more crypto")));
    event(&mut s, 1, StreamEvent::Update(status("4", "more crypto")));
    assert_eq!(ids(&s, 0), ["3", "1"]);
    assert!(ids(&s, 1).is_empty());
}

#[test]
fn notifications_of_both_accounts_share_the_pane_and_keep_apart() {
    let mut s = deck();
    event(
        &mut s,
        0,
        StreamEvent::Notification(notification("n1", "mention", Some(status("7", "hi")))),
    );
    // the same ids on bob's server are other notifications about another post
    event(
        &mut s,
        1,
        StreamEvent::Notification(notification("n1", "mention", Some(status("7", "yo")))),
    );
    assert_eq!(
        notification_ids(&s),
        [(1, "n1".to_string()), (0, "n1".to_string())]
    );
    // a repeat on one account is still a repeat
    event(
        &mut s,
        1,
        StreamEvent::Notification(notification("n1", "mention", None)),
    );
    assert_eq!(s.notifications.entries.len(), 2);
    event(&mut s, 1, StreamEvent::Delete("7".into()));
    assert_eq!(notification_ids(&s), [(0, "n1".to_string())]);
    update(
        &mut s,
        AppEvent::NotificationsFetched {
            account: 1,
            since: None,
            result: Ok(CatchUp {
                items: History::Notifications(vec![*notification("n0", "follow", None)]),
                complete: true,
                resume_from: "n0".into(),
            }),
        },
    );
    assert_eq!(
        notification_ids(&s),
        [(0, "n1".to_string()), (1, "n0".to_string())]
    );
}

#[test]
fn fetches_go_to_the_account_of_the_stream() {
    let s = deck();
    let commands = s.initial_fetches();
    for expected in [
        Command::FetchFilters { account: 0 },
        Command::FetchFilters { account: 1 },
        Command::FetchHistory {
            account: 1,
            stream: StreamId(1),
            spec: StreamSpec::User,
            since: None,
        },
        Command::FetchHistory {
            account: 0,
            stream: StreamId(2),
            spec: "#rust".parse().unwrap(),
            since: None,
        },
        Command::FetchNotifications {
            account: 0,
            since: None,
        },
        Command::FetchNotifications {
            account: 1,
            since: None,
        },
    ] {
        assert!(commands.contains(&expected), "{expected:?} in {commands:?}");
    }
    // a reconnect of bob's stream catches up on bob's server
    let mut s = deck();
    let live = || ConnectionState::Live {
        transport: Transport::Ws,
    };
    connection(&mut s, 1, live());
    event(&mut s, 1, StreamEvent::Update(status("40", "x")));
    event(
        &mut s,
        1,
        StreamEvent::Notification(notification("b9", "follow", None)),
    );
    let reconnecting = ConnectionState::Reconnecting {
        after: std::time::Duration::from_secs(1),
        reason: "x".into(),
    };
    connection(&mut s, 1, reconnecting);
    assert_eq!(
        connection(&mut s, 1, live()),
        vec![
            Command::FetchFilters { account: 1 },
            Command::FetchHistory {
                account: 1,
                stream: StreamId(1),
                spec: StreamSpec::User,
                since: Some("40".into()),
            },
            Command::FetchNotifications {
                account: 1,
                since: Some("b9".into()),
            },
        ]
    );
}

#[test]
fn an_unknown_account_index_falls_back_to_the_default() {
    let mut s = State::new(
        vec![("Home".into(), vec![StreamSpec::User])],
        UiSettings::default(),
        now(),
    );
    s.set_accounts(Vec::new(), &[7]);
    assert_eq!((s.accounts.len(), s.tabs[0].account), (1, 0));
    event(&mut s, 0, StreamEvent::Update(status("1", "x")));
    event(&mut s, 0, StreamEvent::Delete("1".into()));
    assert!(ids(&s, 0).is_empty());
}
