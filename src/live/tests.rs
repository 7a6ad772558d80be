use super::*;
use crate::model::FilterAction;
use crate::stream::Transport;
use serde_json::json;

pub(super) fn t(s: &str) -> Timestamp {
    s.parse().unwrap()
}

pub(super) const START: &str = "2026-12-01T12:00:00Z";

pub(super) fn status(id: &str, created_at: &str) -> Box<Status> {
    Box::new(
        serde_json::from_value(
            json!({"id": id, "created_at": created_at, "content": "<p>hi</p>",
            "account": {"id": "1", "acct": "alice"}}),
        )
        .unwrap(),
    )
}

pub(super) fn boost(id: &str, of: &str) -> Box<Status> {
    Box::new(
        serde_json::from_value(json!({"id": id, "created_at": START,
            "reblog": {"id": of, "created_at": START, "content": "x"}}))
        .unwrap(),
    )
}

pub(super) fn sub(spec: &str, group: usize) -> Subscription {
    Subscription {
        spec: spec.parse().unwrap(),
        group,
        account: 0,
        unstreamable: None,
    }
}

/// `#rust` on a server that cannot stream hashtags (GoToSocial): polled.
pub(super) fn polled_rust() -> Subscription {
    Subscription {
        unstreamable: Some("this server does not stream hashtags".into()),
        ..sub("#rust", 0)
    }
}

/// The catch-up of stream 0, `#rust`, from `since`.
pub(super) fn rust_catch_up(since: Since) -> Need {
    Need::CatchUp {
        stream: StreamId(0),
        spec: "#rust".parse().unwrap(),
        since,
    }
}

/// A page of posts 1 to 3, made 12:01 to 12:03.
pub(super) fn posts_one_to_three() -> History {
    History::Statuses(
        (1..=3)
            .map(|i| *status(&i.to_string(), &format!("2026-12-01T12:0{i}:00Z")))
            .collect(),
    )
}

pub(super) fn core(subs: Vec<Subscription>) -> LiveCore {
    LiveCore::new(subs, Cadence::default(), t(START))
}

pub(super) fn live() -> ConnectionState {
    ConnectionState::Live {
        transport: Transport::Ws,
    }
}

pub(super) fn down() -> ConnectionState {
    ConnectionState::Reconnecting {
        after: Duration::from_secs(1),
        reason: "x".into(),
    }
}

pub(super) fn update(c: &mut LiveCore, stream: usize, s: Box<Status>) -> Admit {
    c.admit(
        StreamId(stream),
        &StreamEvent::Update(s),
        Origin::Stream,
        t(START),
    )
}

#[test]
fn a_deleted_status_never_comes_back_whatever_the_order() {
    let mut c = core(vec![sub("public", 0)]);
    let now = t(START);
    let delete = StreamEvent::Delete("7".into());
    assert_eq!(
        c.admit(StreamId(0), &delete, Origin::Stream, now),
        Admit::New(Verdict::Show)
    );
    // The upstream server sends the delete first, the update and the edit after.
    assert_eq!(update(&mut c, 0, status("7", START)), Admit::Deleted);
    let edit = StreamEvent::StatusUpdate(status("7", START));
    assert_eq!(
        c.admit(StreamId(0), &edit, Origin::Stream, now),
        Admit::Deleted
    );
    assert_eq!(update(&mut c, 0, boost("8", "7")), Admit::Deleted);
    // ... and a catch-up over REST cannot bring it back either.
    let late = StreamEvent::Update(status("7", START));
    assert_eq!(
        c.admit(StreamId(0), &late, Origin::Rest, now),
        Admit::Deleted
    );
    assert_eq!(
        update(&mut c, 0, status("9", START)),
        Admit::New(Verdict::Show)
    );
}

#[test]
fn an_edit_that_overtakes_its_post_or_a_newer_edit_wins() {
    let mut c = core(vec![sub("public", 0)]);
    let now = t(START);
    let edit = |at: &str| {
        let mut s = status("7", START);
        s.edited_at = Some(at.into());
        StreamEvent::StatusUpdate(s)
    };
    let admit = |c: &mut LiveCore, e: &StreamEvent| c.admit(StreamId(0), e, Origin::Stream, now);
    // The second edit comes first, then the first, then the post itself.
    assert_eq!(
        admit(&mut c, &edit("2026-12-01T12:02:00Z")),
        Admit::New(Verdict::Show)
    );
    assert!(c.edit_brought_post(), "the first the group saw of post 7");
    assert_eq!(
        admit(&mut c, &edit("2026-12-01T12:01:00.000Z")),
        Admit::Duplicate
    );
    assert_eq!(update(&mut c, 0, status("7", START)), Admit::Duplicate);
    // A newer edit still comes through, in either way of writing the time.
    assert_eq!(
        admit(&mut c, &edit("2026-12-01T12:03:00.000Z")),
        Admit::New(Verdict::Show)
    );
    assert!(!c.edit_brought_post(), "post 7 was known");
    assert_eq!(
        admit(&mut c, &edit("2026-12-01T12:03:00Z")),
        Admit::Duplicate
    );
    // In order, each is news.
    let mut other = status("8", START);
    assert_eq!(update(&mut c, 0, other.clone()), Admit::New(Verdict::Show));
    other.edited_at = Some("2026-12-01T12:01:00Z".into());
    assert_eq!(
        admit(&mut c, &StreamEvent::StatusUpdate(other)),
        Admit::New(Verdict::Show)
    );
    assert!(!c.edit_brought_post());
}

#[test]
fn a_conversation_is_news_once_per_last_post() {
    let mut c = core(vec![sub("direct", 0)]);
    let now = t(START);
    let conversation = |last: &str| {
        let c: crate::model::Conversation = serde_json::from_value(json!({
            "id": "c1", "accounts": [], "last_status": *status(last, START),
        }))
        .unwrap();
        StreamEvent::Conversation(Box::new(c))
    };
    let admit = |c: &mut LiveCore, e: &StreamEvent, origin| c.admit(StreamId(0), e, origin, now);
    assert_eq!(
        admit(&mut c, &conversation("5"), Origin::Stream),
        Admit::New(Verdict::Show)
    );
    // A catch-up that overlaps what the stream brought.
    assert_eq!(
        admit(&mut c, &conversation("5"), Origin::Rest),
        Admit::Duplicate
    );
    assert_eq!(
        admit(&mut c, &conversation("6"), Origin::Rest),
        Admit::New(Verdict::Show)
    );
    // What the stream sends is news, the same last post too (a read mark set elsewhere).
    assert_eq!(
        admit(&mut c, &conversation("6"), Origin::Stream),
        Admit::New(Verdict::Show)
    );
    // One that waited behind a catch-up is stale when older than what the catch-up brought;
    // one fetched, when older than any seen.
    let new = Admit::New(Verdict::Show);
    assert_eq!(admit(&mut c, &conversation("9"), Origin::Rest), new);
    for origin in [Origin::Held, Origin::Rest] {
        assert_eq!(
            admit(&mut c, &conversation("8"), origin),
            Admit::Duplicate,
            "{origin:?}"
        );
    }
    // Unless its newer last post was deleted: the older one is the last again.
    admit(&mut c, &StreamEvent::Delete("9".into()), Origin::Stream);
    assert_eq!(admit(&mut c, &conversation("8"), Origin::Held), new);
    // Older than a state the stream itself sent, one that waited is the stream's word too (a
    // delete not heard here may have made it the last); one fetched is stale.
    assert_eq!(admit(&mut c, &conversation("7"), Origin::Held), new);
    assert_eq!(
        admit(&mut c, &conversation("6"), Origin::Rest),
        Admit::Duplicate
    );
    // A deleted last post is gone, whatever brings it.
    for origin in [Origin::Stream, Origin::Held, Origin::Rest] {
        assert_eq!(
            admit(&mut c, &conversation("9"), origin),
            Admit::Deleted,
            "{origin:?}"
        );
    }
    // What the stream sends as it comes is the conversation now, with an older last post too.
    assert_eq!(admit(&mut c, &conversation("12"), Origin::Stream), new);
    assert_eq!(admit(&mut c, &conversation("11"), Origin::Stream), new);
    // What waited behind a catch-up that brought the same state is printed once.
    assert_eq!(admit(&mut c, &conversation("13"), Origin::Rest), new);
    assert_eq!(
        admit(&mut c, &conversation("13"), Origin::Held),
        Admit::Duplicate
    );
}

#[test]
fn conversations_catch_up_by_time_not_by_their_posts_ids() {
    let mut c = core(vec![sub("direct", 0)]);
    let page = History::Conversations(vec![
        serde_json::from_value(json!({"id": "c1", "last_status": *status("50", START)})).unwrap(),
    ]);
    c.opened(StreamId(0), Some(&page));
    let now = t(START);
    c.on_state(StreamId(0), &live(), now);
    c.take_needs();
    c.on_state(StreamId(0), &down(), now);
    c.on_state(StreamId(0), &live(), now);
    let since = c.take_needs().into_iter().find_map(|n| match n {
        Need::CatchUp { since, .. } => Some(since),
        _ => None,
    });
    assert_eq!(since, Some(Since::Time(now)));
}

#[test]
fn a_merged_group_shows_each_post_once_and_other_groups_their_own() {
    let mut c = core(vec![sub("#rust", 0), sub("#tokio", 0), sub("public", 1)]);
    assert_eq!(
        update(&mut c, 0, status("1", START)),
        Admit::New(Verdict::Show)
    );
    assert_eq!(update(&mut c, 1, status("1", START)), Admit::Duplicate);
    assert_eq!(
        update(&mut c, 2, status("1", START)),
        Admit::New(Verdict::Show)
    );
    // One edit prints once per group, a later edit again.
    let mut edit = status("1", START);
    edit.edited_at = Some("2026-12-01T12:01:00Z".into());
    let e = StreamEvent::StatusUpdate(edit.clone());
    let now = t(START);
    assert_eq!(
        c.admit(StreamId(0), &e, Origin::Stream, now),
        Admit::New(Verdict::Show)
    );
    assert_eq!(
        c.admit(StreamId(1), &e, Origin::Stream, now),
        Admit::Duplicate
    );
    edit.edited_at = Some("2026-12-01T12:02:00Z".into());
    let e = StreamEvent::StatusUpdate(edit);
    assert_eq!(
        c.admit(StreamId(1), &e, Origin::Stream, now),
        Admit::New(Verdict::Show)
    );
    // A delete carried by both streams of a group prints once.
    let d = StreamEvent::Delete("1".into());
    assert_eq!(
        c.admit(StreamId(0), &d, Origin::Stream, now),
        Admit::New(Verdict::Show)
    );
    assert_eq!(
        c.admit(StreamId(1), &d, Origin::Stream, now),
        Admit::Duplicate
    );
}

#[test]
fn the_catch_up_anchor_exists_before_the_first_post() {
    let mut c = core(vec![sub("#quiet", 0), sub("#empty", 1), sub("#slow", 2)]);
    let page = History::Statuses(vec![*status("50", START), *status("40", START)]);
    c.opened(StreamId(0), Some(&page));
    c.opened(StreamId(1), Some(&History::Statuses(vec![])));
    let now = t(START);
    for i in 0..3 {
        c.on_state(StreamId(i), &live(), now);
    }
    // First connection: a catch-up from what the start page showed; the stream whose page
    // has not answered yet waits for the page.
    let needs = c.take_needs();
    assert!(needs.contains(&Need::CatchUp {
        stream: StreamId(0),
        spec: "#quiet".parse().unwrap(),
        since: Since::Id("50".into()),
    }));
    assert!(needs.contains(&Need::CatchUp {
        stream: StreamId(1),
        spec: "#empty".parse().unwrap(),
        since: Since::Time(now),
    }));
    assert!(!needs.iter().any(|n| matches!(
        n,
        Need::CatchUp {
            stream: StreamId(2),
            ..
        }
    )));
    // Nothing printed on any of them; the connection drops and comes back.
    for i in 0..3 {
        c.on_state(StreamId(i), &down(), now);
        c.on_state(StreamId(i), &live(), now);
    }
    let needs = c.take_needs();
    let since = |s: usize| {
        needs.iter().find_map(|n| match n {
            Need::CatchUp { stream, since, .. } if *stream == StreamId(s) => Some(since.clone()),
            _ => None,
        })
    };
    assert_eq!(since(0), Some(Since::Id("50".into())));
    assert_eq!(since(1), Some(Since::Time(now)));
    assert_eq!(since(2), Some(Since::Time(now)), "a page that never came");
    assert!(needs.contains(&Need::Filters { account: 0 }));
}

#[test]
fn a_failed_start_page_after_going_live_is_covered_by_time() {
    let mut c = core(vec![sub("#rust", 0)]);
    c.on_state(StreamId(0), &live(), t(START));
    assert!(c.take_needs().is_empty());
    c.opened(StreamId(0), None);
    assert_eq!(c.take_needs(), vec![rust_catch_up(Since::Time(t(START)))]);
}

#[test]
fn the_anchor_is_the_newest_id_not_the_last_to_arrive() {
    let mut c = core(vec![sub("public", 0)]);
    c.opened(
        StreamId(0),
        Some(&History::Statuses(vec![*status("100", START)])),
    );
    c.on_state(StreamId(0), &live(), t(START));
    c.caught_up(StreamId(0), CaughtUp::Done);
    update(&mut c, 0, status("120", START));
    update(&mut c, 0, status("110", START)); // overtaken
    c.on_state(StreamId(0), &down(), t(START));
    c.take_needs();
    c.on_state(StreamId(0), &live(), t(START));
    assert!(c.take_needs().contains(&Need::CatchUp {
        stream: StreamId(0),
        spec: StreamSpec::Public {
            scope: Scope::All,
            media: false
        },
        since: Since::Id("120".into()),
    }));
}

#[test]
fn a_home_stream_catches_up_its_notifications_too() {
    let mut c = core(vec![sub("user", 0)]);
    c.opened_notifications(0, Some(Some("5")));
    c.on_state(StreamId(0), &live(), t(START));
    let needs = c.take_needs();
    assert!(needs.contains(&Need::CatchUpNotifications {
        stream: StreamId(0),
        since: Since::Id("5".into()),
    }));
    let n: Box<Notification> = Box::new(
        serde_json::from_value(json!({"id": "9", "type": "mention", "created_at": START,
            "account": {"id": "2", "acct": "bob"}}))
        .unwrap(),
    );
    let e = StreamEvent::Notification(n);
    assert_eq!(
        c.admit(StreamId(0), &e, Origin::Stream, t(START)),
        Admit::New(Verdict::Show)
    );
    assert_eq!(
        c.admit(StreamId(0), &e, Origin::Rest, t(START)),
        Admit::Duplicate
    );
    c.notifications_caught_up(0, CaughtUp::Done);
    c.on_state(StreamId(0), &down(), t(START));
    c.on_state(StreamId(0), &live(), t(START));
    assert!(c.take_needs().contains(&Need::CatchUpNotifications {
        stream: StreamId(0),
        since: Since::Id("9".into()),
    }));
}

#[test]
fn fetched_filters_decide_what_is_hidden_or_marked() {
    let mut c = core(vec![sub("public", 0)]);
    c.start();
    assert_eq!(c.take_needs(), vec![Need::Filters { account: 0 }]);
    let filter = |title: &str, action: &str, keyword: &str| -> Filter {
        serde_json::from_value(json!({"id": title, "title": title, "context": ["public"],
            "filter_action": action, "keywords": [{"keyword": keyword, "whole_word": false}]}))
        .unwrap()
    };
    c.set_filters(
        0,
        vec![
            filter("Spoilers", "warn", "finale"),
            filter("Crypto", "hide", "nft"),
        ],
    );
    let mut s = status("1", START);
    s.content = "<p>the finale!</p>".into();
    assert_eq!(
        update(&mut c, 0, s),
        Admit::New(Verdict::Warn {
            title: "Spoilers".into()
        })
    );
    let mut s = status("2", START);
    s.content = "<p>buy my NFT</p>".into();
    assert_eq!(update(&mut c, 0, s), Admit::New(Verdict::Hide));
    assert_eq!(c.filters(0).map(<[Filter]>::len), Some(2));
    assert!(matches!(
        c.filters(0).unwrap()[1].filter_action,
        FilterAction::Hide
    ));
    // The server says they changed: fetch them again.
    c.admit(
        StreamId(0),
        &StreamEvent::FiltersChanged,
        Origin::Stream,
        t(START),
    );
    assert_eq!(c.take_needs(), vec![Need::Filters { account: 0 }]);
}

#[test]
fn the_hook_takes_visible_posts_or_highlighted_ones() {
    let s = status("1", START);
    let none = Highlights::default();
    assert!(wants_hook(&none, &s, &Verdict::Show));
    assert!(!wants_hook(&none, &s, &Verdict::Hide));
    let some = Highlights::new(&["ferris".to_string()]).unwrap();
    assert!(!wants_hook(&some, &s, &Verdict::Show));
}

#[test]
fn a_resumed_stream_catches_up_from_the_previous_run_at_its_first_connection() {
    let mut c = core(vec![sub("#rust", 0), sub("user", 1)]);
    c.resume(StreamId(0), Since::Id("500".into()));
    c.resume_notifications(0, Since::Time(t("2026-11-30T00:00:00Z")));
    c.on_state(StreamId(0), &live(), t(START));
    c.on_state(StreamId(1), &live(), t(START));
    let needs = c.take_needs();
    assert!(needs.contains(&rust_catch_up(Since::Id("500".into()))));
    assert!(needs.contains(&Need::CatchUpNotifications {
        stream: StreamId(1),
        since: Since::Time(t("2026-11-30T00:00:00Z")),
    }));
    // Where this run gets to is the next run's cursor, once the catch-up from the previous
    // one is in: until then a live post does not count the gap as read.
    update(&mut c, 0, status("510", START));
    assert_eq!(c.cursor(StreamId(0)), Some(Since::Id("500".into())));
    c.caught_up(StreamId(0), CaughtUp::Done);
    assert_eq!(c.cursor(StreamId(0)), Some(Since::Id("510".into())));
    // A stream that saw nothing keeps the moment this run started.
    assert_eq!(c.cursor(StreamId(1)), Some(Since::Time(t(START))));
}

#[test]
fn a_gap_stays_open_until_its_catch_up_is_in() {
    let mut c = core(vec![sub("#rust", 0)]);
    let page = History::Statuses(vec![*status("100", START)]);
    c.opened(StreamId(0), Some(&page));
    c.on_state(StreamId(0), &live(), t(START));
    c.caught_up(StreamId(0), CaughtUp::Done);
    c.on_state(StreamId(0), &down(), t(START));
    c.on_state(StreamId(0), &live(), t(START));
    c.take_needs();
    // Live posts arrive while the catch-up of the outage is on its way, and it fails.
    update(&mut c, 0, status("150", START));
    c.caught_up(StreamId(0), CaughtUp::Failed);
    assert_eq!(c.cursor(StreamId(0)), Some(Since::Id("100".into())));
    // It is asked again at the next poll, from the same place, and only once.
    c.poll_due();
    let again = rust_catch_up(Since::Id("100".into()));
    assert_eq!(c.take_needs(), vec![again]);
    c.poll_due();
    assert!(c.take_needs().is_empty(), "one on its way is not doubled");
    // More than one catch-up takes: it goes on after the last one fetched.
    c.caught_up(StreamId(0), CaughtUp::GoesOn("140".into()));
    assert_eq!(c.take_needs(), vec![rust_catch_up(Since::Id("140".into()))]);
    c.caught_up(StreamId(0), CaughtUp::Done);
    assert_eq!(c.cursor(StreamId(0)), Some(Since::Id("150".into())));
}

#[test]
fn a_start_page_that_answers_after_the_first_connection_is_followed_by_a_catch_up() {
    let mut c = core(vec![sub("#rust", 0)]);
    c.on_state(StreamId(0), &live(), t(START));
    assert!(c.take_needs().is_empty());
    let page = History::Statuses(vec![*status("100", START)]);
    c.opened(StreamId(0), Some(&page));
    assert_eq!(c.take_needs(), vec![rust_catch_up(Since::Id("100".into()))]);
}

#[test]
fn deletes_alone_do_not_prove_a_stream_delivers() {
    let mut c = core(vec![sub("#rust", 0)]);
    c.on_state(StreamId(0), &live(), t(START));
    let page = posts_one_to_three();
    c.verified(StreamId(0), &page, t("2026-12-01T12:05:00Z"));
    assert_eq!(c.take_notices().len(), 1, "not delivering");
    let d = StreamEvent::Delete("9".into());
    c.admit(StreamId(0), &d, Origin::Stream, t(START));
    assert!(c.take_notices().is_empty(), "still not delivering");
}

#[test]
fn filters_that_failed_to_load_are_fetched_when_a_stream_is_next_live() {
    // A first live without a failure fetches nothing more (the start's fetch covers it).
    let mut c = core(vec![sub("#rust", 0)]);
    c.on_state(StreamId(0), &live(), t(START));
    assert!(!c.take_needs().contains(&Need::Filters { account: 0 }));

    // A start without the network: the fetch fails before any stream was live.
    let mut c = core(vec![sub("#rust", 0)]);
    c.filters_failed(0);
    c.on_state(StreamId(0), &live(), t(START));
    assert!(c.take_needs().contains(&Need::Filters { account: 0 }));
    // A fetch that then succeeds clears it: the next going live is a reconnect's.
    let mut c = core(vec![sub("#rust", 0), sub("#tokio", 0)]);
    c.filters_failed(0);
    c.set_filters(0, Vec::new());
    c.on_state(StreamId(1), &live(), t(START));
    assert!(!c.take_needs().contains(&Need::Filters { account: 0 }));
}
