//! The core's delivery rules: streams a server cannot stream (polled), and streams that are
//! accepted and do not deliver (verification against REST, silent spells).

use super::tests::*;
use super::*;
use serde_json::json;

#[test]
fn streams_a_server_cannot_stream_are_polled() {
    let mut c = core(vec![polled_rust(), sub("user", 1)]);
    let streamed: Vec<StreamId> = c.streamed().map(|(id, _)| id).collect();
    assert_eq!(streamed, [StreamId(1)]);
    let states = c.polled_states();
    assert_eq!(states.len(), 1);
    assert_eq!(
        states[0].1.to_string(),
        "polling every 60 s (this server does not stream hashtags)"
    );
    c.opened(
        StreamId(0),
        Some(&History::Statuses(vec![*status("3", START)])),
    );
    c.poll_due();
    assert_eq!(c.take_needs(), vec![rust_catch_up(Since::Id("3".into()))]);
}

#[test]
fn a_polled_stream_the_server_refuses_has_failed_and_is_polled_no_more() {
    let mut c = core(vec![polled_rust(), sub("user", 1)]);
    c.opened(StreamId(0), None);
    c.opened(StreamId(1), None);
    c.on_state(StreamId(1), &live(), t(START));
    c.take_needs();
    let refused = ApiError::Status {
        status: 401,
        message: "Invalid access token".into(),
    };
    for stream in [0, 1] {
        c.caught_up(StreamId(stream), CaughtUp::after(&refused));
    }
    // Its timeline is all a polled stream has: it failed, and says why.
    assert_eq!(
        c.take_notices(),
        vec![(
            StreamId(0),
            ConnectionState::Failed {
                reason: "the server refused the access token (401 Invalid access token)".into(),
                cause: FailureCause::Credentials,
            }
        )]
    );
    // A streamed one hears it from its socket; its catch-up is asked again, as after any
    // failure. The refused poll is not.
    c.poll_due();
    let asked: Vec<StreamId> = c
        .take_needs()
        .into_iter()
        .filter_map(|n| match n {
            Need::CatchUp { stream, .. } => Some(stream),
            _ => None,
        })
        .collect();
    assert_eq!(asked, [StreamId(1)]);
    // A server that refuses the timeline itself (a tag it hides, say) is named so.
    let hidden = ApiError::Status {
        status: 403,
        message: "This tag is not available".into(),
    };
    assert_eq!(
        CaughtUp::after(&hidden),
        CaughtUp::Refused {
            reason: "the server refused the timeline (403 This tag is not available)".into(),
            cause: FailureCause::StreamRefused,
        }
    );
    assert_eq!(
        CaughtUp::after(&ApiError::Network("connection refused".into())),
        CaughtUp::Failed
    );
    // The page at start, refused, says as much before the first poll.
    let mut c = core(vec![polled_rust()]);
    c.open_failed(StreamId(0), &refused);
    assert!(matches!(
        &c.take_notices()[..],
        [(StreamId(0), ConnectionState::Failed { .. })]
    ));
    c.poll_due();
    assert_eq!(c.take_needs(), vec![]);
}

#[test]
fn remote_and_media_feeds_are_narrowed_on_the_client() {
    let remote: StreamSpec = "public:remote".parse().unwrap();
    let media: StreamSpec = "public:media".parse().unwrap();
    let local = status("1", START);
    let mut far = status("2", START);
    far.account.acct = "bob@far.example".into();
    assert!(!admits(&remote, &local));
    assert!(admits(&remote, &far));
    assert!(!admits(&media, &far));
    far.media_attachments = serde_json::from_value(json!([{"id": "1", "type": "image"}])).unwrap();
    assert!(admits(&media, &far));
    let mut c = core(vec![Subscription {
        unstreamable: Some("this server does not stream remote or media-only feeds".into()),
        ..sub("public:remote", 0)
    }]);
    assert_eq!(
        c.admit(
            StreamId(0),
            &StreamEvent::Update(local),
            Origin::Rest,
            t(START)
        ),
        Admit::Outside
    );
}

#[test]
fn a_stream_that_keeps_missing_posts_is_polled_until_it_delivers() {
    let mut c = core(vec![sub("#rust", 0)]);
    let went_live = t(START);
    c.on_state(StreamId(0), &live(), went_live);
    c.take_needs();
    c.verify_due();
    assert_eq!(
        c.take_needs(),
        vec![Need::Verify {
            stream: StreamId(0),
            spec: "#rust".parse().unwrap()
        }]
    );
    // Grace is 30 s with the default 300 s interval.
    let now = t("2026-12-01T12:05:00Z");
    let delivered = status("10", "2026-12-01T12:01:00Z");
    update(&mut c, 0, delivered.clone());
    let before_live = status("5", "2026-12-01T11:59:00Z");
    let too_fresh = status("12", "2026-12-01T12:04:50Z");
    let missed = status("11", "2026-12-01T12:02:00Z");
    let page = History::Statuses(vec![*too_fresh, *missed.clone(), *delivered, *before_live]);
    let found = c.verified(StreamId(0), &page, now);
    assert_eq!(found, History::Statuses(vec![*missed.clone()]));
    assert!(c.take_notices().is_empty(), "one miss is not yet a pattern");
    // The missed post is shown through the catch-up path: once.
    let e = StreamEvent::Update(missed);
    assert_eq!(
        c.admit(StreamId(0), &e, Origin::Rest, now),
        Admit::New(Verdict::Show)
    );
    let found = c.verified(StreamId(0), &page, now);
    assert!(!found.is_empty());
    let notices = c.take_notices();
    assert_eq!(notices.len(), 1);
    assert!(
        notices[0]
            .1
            .to_string()
            .starts_with("not delivering: polling every 60 s"),
        "{}",
        notices[0].1
    );
    c.poll_due();
    assert!(matches!(c.take_needs()[..], [Need::CatchUp { .. }]));
    c.verify_due();
    assert!(c.take_needs().is_empty(), "a polled stream is not verified");
    // The stream delivers again: live, and no more polling.
    update(&mut c, 0, status("20", "2026-12-01T12:06:00Z"));
    assert_eq!(c.take_notices(), vec![(StreamId(0), live())]);
    c.poll_due();
    assert!(c.take_needs().is_empty());
}

#[test]
fn a_stream_found_not_delivering_is_caught_up_from_before_its_first_misses() {
    let mut c = core(vec![sub("#rust", 0)]);
    c.on_state(StreamId(0), &live(), t(START));
    update(&mut c, 0, status("10", "2026-12-01T12:00:05Z"));
    // Too soon after going live for a verification to count it, and never sent.
    let early = status("11", "2026-12-01T12:00:20Z");
    let first = status("12", "2026-12-01T12:02:00Z");
    let page = History::Statuses(vec![*first.clone(), *early.clone()]);
    let now = t("2026-12-01T12:05:00Z");
    assert_eq!(c.verified(StreamId(0), &page, now).len(), 1);
    // Shown at once, from REST: it moves the anchor past the early one.
    c.admit(StreamId(0), &StreamEvent::Update(first), Origin::Rest, now);
    let later = status("13", "2026-12-01T12:06:00Z");
    let page = History::Statuses(vec![*later, *status("12", "2026-12-01T12:02:00Z"), *early]);
    c.take_needs();
    assert!(
        !c.verified(StreamId(0), &page, t("2026-12-01T12:10:00Z"))
            .is_empty()
    );
    assert_eq!(c.take_notices().len(), 1, "not delivering");
    // The catch-up starts where the stream was before the misses, so the early post comes.
    let since = c.take_needs().into_iter().find_map(|n| match n {
        Need::CatchUp { since, .. } => Some(since),
        _ => None,
    });
    assert_eq!(since, Some(Since::Id("10".into())));
}

#[test]
fn a_polled_local_hashtag_keeps_only_local_posts() {
    // GoToSocial's tag timeline ignores `local`: the core narrows what a poll brings.
    let mut local = status("1", START);
    local.account.acct = "alice".into();
    let mut remote = status("2", START);
    remote.account.acct = "dora@far.example".into();
    let tag = |s: &str| s.parse::<StreamSpec>().unwrap();
    assert!(admits(&tag("hashtag:local:rust"), &local));
    assert!(!admits(&tag("hashtag:local:rust"), &remote));
    assert!(admits(&tag("#rust"), &remote));
}

#[test]
fn a_polled_stream_resumed_catches_up_at_once() {
    let mut polled = sub("#rust", 0);
    polled.unstreamable = Some("this server does not stream hashtags".into());
    let mut c = core(vec![polled, sub("public", 1)]);
    c.resume(StreamId(0), Since::Id("50".into()));
    c.resume(StreamId(1), Since::Id("60".into()));
    // The streamed one waits for its connection; the polled one has none to wait for.
    assert_eq!(c.take_needs(), vec![rust_catch_up(Since::Id("50".into()))]);
}

#[test]
fn a_silent_stream_is_caught_at_the_first_verification() {
    let mut c = core(vec![sub("#rust", 0)]);
    c.on_state(StreamId(0), &live(), t(START));
    let page = posts_one_to_three();
    let found = c.verified(StreamId(0), &page, t("2026-12-01T12:05:00Z"));
    assert_eq!(found.len(), 3);
    assert_eq!(c.take_notices().len(), 1);
}

#[test]
fn hidden_and_deleted_posts_are_not_misses() {
    let mut c = core(vec![sub("#rust", 0)]);
    c.on_state(StreamId(0), &live(), t(START));
    let mut hidden = status("1", "2026-12-01T12:01:00Z");
    hidden.filtered = serde_json::from_value(json!([{"filter": {"id": "f", "title": "x",
        "context": ["public"], "filter_action": "hide"}}]))
    .unwrap();
    c.bury(0, "2");
    let page = History::Statuses(vec![*hidden, *status("2", "2026-12-01T12:02:00Z")]);
    assert!(
        c.verified(StreamId(0), &page, t("2026-12-01T12:05:00Z"))
            .is_empty()
    );
}

#[test]
fn a_stream_accepted_and_then_silent_at_every_connection_is_not_delivering() {
    // A middlebox passes the upgrade and nothing after it: each connection is live for a
    // minute, then renewed by the read timeout; its catch-up brings what the spell missed.
    let spell = |c: &mut LiveCore, from: &str, to: &str| {
        c.on_state(StreamId(0), &live(), t(from));
        c.on_state(StreamId(0), &down(), t(to));
        c.on_state(StreamId(0), &live(), t(to));
    };
    let page = |times: &[&str]| {
        History::Statuses(
            times
                .iter()
                .enumerate()
                .map(|(i, at)| *status(&(100 + i).to_string(), at))
                .collect(),
        )
    };
    let inside = page(&[
        "2026-12-01T12:00:35Z",
        "2026-12-01T12:00:45Z",
        "2026-12-01T12:00:50Z",
    ]);
    let second = page(&[
        "2026-12-01T12:01:35Z",
        "2026-12-01T12:01:45Z",
        "2026-12-01T12:01:50Z",
    ]);
    let mut c = core(vec![sub("#rust", 0)]);
    spell(&mut c, START, "2026-12-01T12:01:00Z");
    c.take_notices();
    c.judge_spells(StreamId(0), &inside, t(START));
    assert!(
        c.take_notices().is_empty(),
        "one silent spell may be a link that died unseen, or a laptop asleep"
    );
    spell(&mut c, "2026-12-01T12:01:00Z", "2026-12-01T12:02:00Z");
    c.judge_spells(StreamId(0), &second, t(START));
    let notices = c.take_notices();
    assert_eq!(notices.len(), 1, "two in a row: {notices:?}");
    assert!(
        notices[0]
            .1
            .to_string()
            .starts_with("not delivering: polling every 60 s"),
        "{}",
        notices[0].1
    );

    // After one silent spell (judged), the second decides.
    let primed = || {
        let mut c = core(vec![sub("#rust", 0)]);
        spell(&mut c, START, "2026-12-01T12:01:00Z");
        c.judge_spells(StreamId(0), &inside, t(START));
        c.on_state(StreamId(0), &down(), t("2026-12-01T12:02:00Z"));
        c.on_state(StreamId(0), &live(), t("2026-12-01T12:02:00Z"));
        c.take_notices();
        c
    };
    let mut c = primed();
    c.judge_spells(StreamId(0), &second, t(START));
    assert_eq!(
        c.take_notices().len(),
        1,
        "the pattern the rest departs from"
    );

    // Posts from the outage itself, or from the spell's first moments (the grace), or from
    // just before its connection ended, are not the stream's to have sent.
    let mut c = primed();
    let outside = page(&[
        "2026-12-01T12:01:10Z",
        "2026-12-01T12:01:20Z",
        "2026-12-01T12:01:57Z",
        "2026-12-01T12:02:00Z",
    ]);
    c.judge_spells(StreamId(0), &outside, t(START));
    assert!(c.take_notices().is_empty());

    // Deleted posts are not the stream's to have sent.
    let mut c = primed();
    for id in ["100", "101"] {
        c.bury(0, id);
    }
    c.judge_spells(StreamId(0), &second, t(START));
    assert!(c.take_notices().is_empty(), "one left is not a pattern");

    // A stream that delivered in its spell is only quiet in parts: a verification judges it.
    let mut c = core(vec![sub("#rust", 0)]);
    spell(&mut c, START, "2026-12-01T12:01:00Z");
    c.judge_spells(StreamId(0), &inside, t(START));
    update(&mut c, 0, status("90", "2026-12-01T12:01:40Z"));
    c.on_state(StreamId(0), &down(), t("2026-12-01T12:02:00Z"));
    c.on_state(StreamId(0), &live(), t("2026-12-01T12:02:00Z"));
    c.take_notices();
    c.judge_spells(StreamId(0), &second, t(START));
    assert!(c.take_notices().is_empty());
    // Each catch-up judges the spells before it once.
    c.judge_spells(StreamId(0), &second, t(START));
    assert!(c.take_notices().is_empty());
}
