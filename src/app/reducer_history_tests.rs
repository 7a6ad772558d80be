//! History on open, catch-up after reconnects and gap markers, through the reducer.

use super::tests::*;
use super::*;
use crate::model::{Conversation, Status};
use crate::stream::{StreamId, StreamSpec, Transport};

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
            since: since.map(Since::from),
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

/// The Rust tab merges #rust (stream 1) and #tokio (stream 2): #rust brought r1, then went
/// down while #tokio brought its posts; the catch-up of #rust since r1 answers with `found`.
#[allow(clippy::vec_box)] // the fixtures make boxed statuses, as events carry them
fn merged_catch_up(found: Vec<Box<Status>>, complete: bool) -> State {
    let mut s = state();
    event(
        &mut s,
        1,
        StreamEvent::Update(timed("r1", "2026-11-28T11:00:00Z")),
    );
    event(
        &mut s,
        2,
        StreamEvent::Update(timed("t1", "2026-11-28T11:05:00Z")),
    );
    event(
        &mut s,
        2,
        StreamEvent::Update(timed("t2", "2026-11-28T11:20:00Z")),
    );
    event(
        &mut s,
        2,
        StreamEvent::Update(timed("t3", "2026-11-28T11:40:00Z")),
    );
    history(&mut s, 1, Some("r1"), page(found, complete));
    s
}

#[test]
fn a_merged_tabs_catch_up_goes_among_the_other_streams_posts_by_time() {
    let found = vec![
        timed("r3", "2026-11-28T11:30:00Z"),
        timed("r2", "2026-11-28T11:10:00Z"),
    ];
    let s = merged_catch_up(found, true);
    assert_eq!(ids(&s, 1), ["t3", "r3", "t2", "r2", "t1", "r1"]);
}

#[test]
fn a_post_held_that_a_catch_up_brings_counts_as_its_streams_too() {
    // #rust's catch-up brings t2 too (it carries both tags): held once, carried by both.
    let found = vec![
        timed("t2", "2026-11-28T11:20:00Z"),
        timed("r2", "2026-11-28T11:10:00Z"),
    ];
    let s = merged_catch_up(found, true);
    assert_eq!(ids(&s, 1), ["t3", "t2", "r2", "t1", "r1"]);
    let t2 = s.tabs[1].entries.iter().find(|e| e.item.id() == "t2");
    assert_eq!(t2.map(|e| e.via.clone()), Some(vec![1, 0]));
}

#[test]
fn a_merged_tabs_catch_up_cut_short_has_its_gap_above_its_newest_post() {
    let found = vec![
        timed("r3", "2026-11-28T11:30:00Z"),
        timed("r2", "2026-11-28T11:10:00Z"),
    ];
    let mut s = merged_catch_up(found, false);
    assert_eq!(ids(&s, 1), ["t3", "gap:1:r3", "r3", "t2", "r2", "t1", "r1"]);
    // The rest, loaded from the gap, goes above it by time, and no higher than a newer post.
    history(
        &mut s,
        1,
        Some("r3"),
        page(vec![timed("r4", "2026-11-28T11:35:00Z")], true),
    );
    assert_eq!(ids(&s, 1), ["t3", "r4", "r3", "t2", "r2", "t1", "r1"]);
}

#[test]
fn a_catch_up_rises_past_other_streams_gaps_but_not_its_own() {
    let found = vec![
        timed("r3", "2026-11-28T11:30:00Z"),
        timed("r2", "2026-11-28T11:10:00Z"),
    ];
    let mut s = merged_catch_up(found, false);
    // #rust's posts newer than its gap's are what the gap stands for: they stay below it.
    history(
        &mut s,
        1,
        Some("r2"),
        page(vec![timed("r2b", "2026-11-28T11:45:00Z")], true),
    );
    assert_eq!(
        ids(&s, 1),
        ["t3", "gap:1:r3", "r2b", "r3", "t2", "r2", "t1", "r1"]
    );
    // #tokio's catch-up goes where its time says, past #rust's gap.
    history(
        &mut s,
        2,
        Some("t1"),
        page(vec![timed("t4", "2026-11-28T11:50:00Z")], true),
    );
    assert_eq!(
        ids(&s, 1),
        ["t4", "t3", "gap:1:r3", "r2b", "r3", "t2", "r2", "t1", "r1"]
    );
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
        ..Default::default()
    };
    let streamed = |s: &mut State, c| event(s, 3, StreamEvent::Conversation(Box::new(c)));
    let fetched = |s: &mut State, page: Vec<Conversation>| {
        let found = crate::api::timeline::CatchUp {
            items: crate::api::timeline::History::Conversations(page),
            complete: true,
            resume_from: String::new(),
        };
        update(
            s,
            AppEvent::HistoryFetched {
                stream: StreamId(3),
                since: None,
                result: Ok(found),
            },
        );
    };
    streamed(&mut s, conv("c1", "1"));
    fetched(&mut s, vec![conv("c1", "5"), conv("c2", "4")]);
    assert_eq!(ids(&s, 2), ["c1", "c2"]);
    assert_eq!(s.tabs[2].entries[0].item.status().unwrap().id, "5");
    // A page fetched before the stream brought c2's newer post does not undo it.
    streamed(&mut s, conv("c2", "6"));
    fetched(&mut s, vec![conv("c2", "4")]);
    assert_eq!(ids(&s, 2), ["c2", "c1"]);
    assert_eq!(s.tabs[2].entries[0].item.status().unwrap().id, "6");
}

/// What a catch-up brings is news as streamed posts are: the hook gets each new post (oldest
/// first, as the server sent it), and the timeline keeps the model alone. A start page, old
/// posts, is not news, nor what was posted before the view opened (the first catch-up from
/// where the archive left off brings the night's posts).
#[test]
fn a_catch_ups_new_posts_go_to_the_hook_as_the_server_sent_them() {
    let mut s = state();
    s.has_hook = true;
    let sent = |id: &str| format!(r#"{{"id":"{id}","pleroma":{{"local":true}}}}"#);
    // Posts at hh:mm; the view opened at noon (`now()`).
    let kept = |posts: &[(&str, &str)]| {
        let items = posts.iter().map(|&(id, at)| {
            let mut s = *timed(id, &format!("2026-11-28T{at}:00Z"));
            s.server_json = crate::model::ServerJson::new(&sent(id));
            s
        });
        crate::api::timeline::CatchUp {
            items: crate::api::timeline::History::Statuses(items.collect()),
            complete: true,
            resume_from: String::new(),
        }
    };
    let fetched = |since: Option<&str>, found| AppEvent::HistoryFetched {
        stream: StreamId(0),
        since: since.map(Since::from),
        result: Ok(found),
    };
    let hooked = |commands: &[Command]| -> Vec<String> {
        let run = commands.iter().filter_map(|c| match c {
            Command::RunHook(json) => Some(json.clone()),
            _ => None,
        });
        run.collect()
    };
    let commands = update(
        &mut s,
        fetched(None, kept(&[("10", "12:02"), ("9", "12:01")])),
    );
    assert_eq!(hooked(&commands), [""; 0], "a start page is not news");
    let commands = update(
        &mut s,
        fetched(
            Some("10"),
            kept(&[("12", "12:05"), ("11", "12:04"), ("10", "12:02")]),
        ),
    );
    assert_eq!(hooked(&commands), [sent("11"), sent("12")], "10 was held");
    assert_eq!(ids(&s, 0), ["12", "11", "10", "9"]);
    assert!(
        s.tabs[0]
            .entries
            .iter()
            .all(|e| matches!(&e.item, Item::Status(s) if s.server_json.get().is_none())),
        "the timeline holds the model alone"
    );
    // From before the view opened (a catch-up from the archive's place): not news.
    let mut s = state();
    s.has_hook = true;
    let night = kept(&[("13", "12:01"), ("8", "11:00")]);
    let commands = update(&mut s, fetched(Some("7"), night));
    assert_eq!(hooked(&commands), [sent("13")]);
}

/// A reader following the newest while hidden posts sit on top (a filter's) goes on following
/// a post put just above them, as a catch-up now may.
#[test]
fn a_reader_following_the_newest_follows_past_hidden_posts_on_top() {
    let mut s = state();
    let t = &mut s.tabs[0];
    t.insert_at(0, Item::Status(status("1", "x")), Verdict::Show, 0);
    t.insert_at(0, Item::Status(status("2", "x")), Verdict::Hide, 0);
    assert_eq!(t.selected_entry().map(|e| e.item.id()), Some("1"));
    t.insert_at(1, Item::Status(status("3", "x")), Verdict::Show, 0);
    assert_eq!(t.selected_entry().map(|e| e.item.id()), Some("3"));
    assert_eq!(t.new_above, 0);
}
