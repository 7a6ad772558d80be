//! The monitor through the reducer: its bell for highlighted posts and for a silence, once per
//! silence, and the keys it takes.

use ratatui::crossterm::event::KeyCode;

use super::tests::*;
use super::*;
use crate::stream::{StreamId, Transport};

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
        ..Default::default()
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

/// Akkoma's fields, which no model here reads, reach the hook: it gets the post as the
/// server sent it (the payload beside the decoded post), for a post and for an edit that
/// brings its post.
#[test]
fn the_hook_gets_the_post_as_the_server_sent_it() {
    let mut s = state();
    s.has_hook = true;
    let sent = |id: &str| {
        format!(
            r#"{{"id":"{id}","content":"<p>hi</p>","account":{{"id":"1","acct":"alice"}},"pleroma":{{"local":true,"emoji_reactions":[]}}}}"#
        )
    };
    let streamed = |event, payload: String| {
        AppEvent::Stream(StreamMessage::Event {
            stream: StreamId(0),
            event,
            raw: Some(crate::stream::RawEvent {
                name: "update".into(),
                payload: Some(payload),
                decoded: crate::stream::light::Decoding::Full,
            }),
        })
    };
    let commands = update(
        &mut s,
        streamed(StreamEvent::Update(status("2", "hi")), sent("2")),
    );
    assert_eq!(commands, [Command::RunHook(sent("2"))]);
    let mut edited = status("3", "hi");
    edited.edited_at = Some("2026-11-28T12:01:00Z".into());
    let commands = update(
        &mut s,
        streamed(StreamEvent::StatusUpdate(edited), sent("3")),
    );
    assert_eq!(commands, [Command::RunHook(sent("3"))]);
}

#[test]
fn the_monitor_warns_once_per_silence_and_takes_no_keys_but_quit() {
    let mut s = state();
    s.monitor = Some(crate::app::state::Monitor {
        stale_after: std::time::Duration::from_secs(60),
        bell: true,
        ..Default::default()
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
        let live = ConnectionState::Live {
            transport: Transport::Ws,
        };
        connection(&mut s, stream, live);
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
    // An outage and a reconnect end no silence: no second bell, still stale.
    let down = ConnectionState::Reconnecting {
        after: std::time::Duration::from_secs(1),
        reason: "x".into(),
    };
    update(&mut s, st(down));
    update(
        &mut s,
        st(ConnectionState::Live {
            transport: Transport::Ws,
        }),
    );
    assert!(update(&mut s, AppEvent::Tick(at(140))).is_empty());
    assert!(s.tabs[0].streams[0].is_stale(at(140), std::time::Duration::from_secs(60)));
    assert!(key(&mut s, KeyCode::Char('j')).is_empty());
    assert!(key(&mut s, KeyCode::Char('?')).is_empty());
    assert_eq!(s.overlay, Overlay::None);
    assert_eq!(key(&mut s, KeyCode::Char('q')), vec![Command::Quit]);
}

#[test]
fn only_posts_end_a_silence_not_deletes() {
    let mut s = state();
    let stamp = |s: &State| s.tabs[0].streams[0].last_event;
    // A feed switched off sends deletes and nothing else.
    event(&mut s, 0, StreamEvent::Delete("99".into()));
    assert_eq!(stamp(&s), None);
    event(&mut s, 0, StreamEvent::Update(status("1", "a post")));
    assert_eq!(stamp(&s), Some(s.now));
}

#[test]
fn a_poll_that_brings_only_what_its_stream_leaves_out_ends_no_silence() {
    use crate::api::timeline::{CatchUp, History};
    // GoToSocial cannot stream media-only feeds and ignores `only_media` over REST.
    let mut s = State::new(
        vec![("Media".into(), vec!["public:media".parse().unwrap()])],
        crate::app::state::UiSettings::default(),
        now(),
    );
    s.set_accounts(vec!["me@example.social".into()], &[0]);
    s.set_streaming(
        crate::live::Cadence::default(),
        &[(
            StreamId(0),
            "this server does not stream media-only feeds".into(),
        )],
    );
    // A poll: what came after the last post known.
    let page = |items| AppEvent::HistoryFetched {
        stream: StreamId(0),
        since: Some(crate::api::timeline::Since::Id("0".into())),
        result: Ok(CatchUp {
            items: History::Statuses(items),
            complete: true,
            resume_from: String::new(),
        }),
    };
    update(&mut s, page(vec![*status("1", "no picture")]));
    assert_eq!(s.tabs[0].streams[0].last_event, None, "nothing it shows");
    let mut pictured = status("2", "a picture");
    pictured.media_attachments =
        serde_json::from_value(serde_json::json!([{"id": "m", "type": "image"}])).unwrap();
    update(&mut s, page(vec![*pictured]));
    assert_eq!(s.tabs[0].streams[0].last_event, Some(s.now));
}

/// Highlighted posts a catch-up brings ring the monitor's bell once for the lot.
#[test]
fn a_catch_up_of_highlighted_posts_rings_the_bell_once() {
    let mut s = state();
    s.highlights = crate::matching::Highlights::new(&["ferris".into()]).unwrap();
    s.monitor = Some(crate::app::state::Monitor {
        stale_after: std::time::Duration::from_secs(60),
        bell: true,
        ..Default::default()
    });
    let posts = ["3", "2", "1"].map(|id| {
        let mut s = *status(id, "ferris");
        s.created_at = format!("2026-11-28T12:0{id}:00Z");
        s
    });
    let commands = update(
        &mut s,
        AppEvent::HistoryFetched {
            stream: StreamId(0),
            since: Some(crate::api::timeline::Since::from("0")),
            result: Ok(crate::api::timeline::CatchUp {
                items: crate::api::timeline::History::Statuses(posts.to_vec()),
                complete: true,
                resume_from: String::new(),
            }),
        },
    );
    let bells = commands.iter().filter(|c| **c == Command::Bell).count();
    assert_eq!(bells, 1, "{commands:?}");
}
