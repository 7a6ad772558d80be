//! Hostile servers: what a malicious or broken server sends goes through the real decoding and
//! rendering paths. Each time the process lives, later good events still arrive, nothing but
//! sanitised text reaches the terminal, and memory stays bounded by the size caps.
//!
//! - the live view's path: decode → reducer → every cell of a TestBackend frame, and the
//!   hyperlink overlay written after it;
//! - `tootwatch tail` (the real binary) against the fake server, over both transports, and
//!   against a raw event stream that writes bytes no UTF-8 frame can carry;
//! - nothing lost: deletes through a one-slot channel under a flood of updates.

#![allow(clippy::unwrap_used)] // test helpers: a panic is a failing test

mod common;

use std::collections::HashSet;

use common::{FakeServer, Flavor, Options, Run, server, tootwatch, within};
use fake_mastodon::r#gen;
use fake_mastodon::inject::RawStream;
use serde_json::{Value, json};
use std::time::Duration;
use tootwatch::app::AppEvent;
use tootwatch::app::reducer::update;

use tootwatch::app::state::{Monitor, State, UiSettings};
use tootwatch::fuzzing::{assert_screen_clean_in, is_forbidden};
use tootwatch::stream::decode::decode_event;
use tootwatch::stream::{ConnectionState, FailureCause, StreamId, StreamMessage, StreamSpec};
use tootwatch::ui::ViewState;

/// Every terminal trick in one string: CSI (colour, clear screen, cursor moves, alternate
/// screen), OSC (window title, clipboard write, hyperlink), DCS, C0 controls and BEL, C1
/// controls in their UTF-8 form (8-bit CSI, OSC, NEL), DEL, bidi overrides and isolates,
/// zero-width characters.
const TRICKS: &str = "\u{1b}[31mred\u{1b}[0m\u{1b}[2J\u{1b}[1;1H\u{1b}[?1049h\
    \u{1b}]0;pwned title\u{7}\u{1b}]2;title\u{1b}\\\u{1b}]52;c;cm0gLXJmIH4=\u{7}\
    \u{1b}]8;;https://evil.example/\u{1b}\\click\u{1b}]8;;\u{1b}\\\u{1b}P1$qm\u{1b}\\\
    bell\u{7}\u{7}\u{0}\u{8}\u{b}\u{c}\u{7f}\u{9b}31m\u{9d}0;c1 title\u{9c}\u{85}\u{90}x\u{9c}\
    invoice\u{202e}fdp.exe\u{2066}iso\u{2069}\u{200f}\u{200b}\u{feff}\u{2060}\u{ad}";

fn floods() -> String {
    format!(
        "Z{}\u{200b}{}{}",
        "\u{301}\u{36b}".repeat(5_000),
        "\u{200d}\u{200c}".repeat(5_000),
        "\u{e47}".repeat(2_000)
    )
}

fn status(id: &str, name: &str, acct: &str, content: &str) -> Value {
    json!({
        "id": id, "created_at": "2026-11-28T11:59:00Z", "content": content,
        "visibility": "public", "url": format!("https://example.social/@x/{id}"),
        "account": {"id": "a1", "username": "m", "acct": acct, "display_name": name},
    })
}

/// The hostile events, as (event name, payload) the way either transport hands them over.
/// None of them is the good post `GOOD_ID`.
fn hostile_events() -> Vec<(String, Option<String>)> {
    let mut v: Vec<(String, Option<String>)> = Vec::new();
    fn add(v: &mut Vec<(String, Option<String>)>, name: &str, payload: Value) {
        v.push((name.into(), Some(payload.to_string())));
    }
    let mut s = status(
        "666",
        &format!("Mallory {TRICKS}"),
        &format!("mallory@evil.example{TRICKS}"),
        &format!(
            "<p>{TRICKS} &#27;[2J &#x9b;31m &#7; &#x202e;x &#8238;y</p><p>{}</p>",
            floods()
        ),
    );
    s["spoiler_text"] = json!("");
    s["media_attachments"] = json!([{"id": "m", "type": "image", "description": TRICKS}]);
    s["card"] = json!({"url": format!("https://evil.example/{TRICKS}"), "title": TRICKS, "provider_name": TRICKS});
    s["poll"] = json!({"id": "p", "options": [{"title": TRICKS, "votes_count": 1}]});
    s["tags"] = json!([{"name": TRICKS, "url": "https://example.social/tags/x"}]);
    add(&mut v, "update", s.clone());
    let mut cw = status("667", "cw", "cw", "<p>hidden</p>");
    cw["spoiler_text"] = json!(TRICKS);
    add(&mut v, "update", cw);
    // 100,000 characters of content, and a name of 10,000.
    add(
        &mut v,
        "update",
        status(
            "668",
            &"N".repeat(10_000),
            "long",
            &format!("<p>{}</p>", "word ".repeat(20_000)),
        ),
    );
    // Markup nested 20,000 deep: lists, quotes, tables (quadratic for the HTML layout).
    add(
        &mut v,
        "update",
        status(
            "670",
            "nested",
            "nested",
            &format!(
                "<p>{}{}{}nested</p>",
                "<ol><li>".repeat(20_000),
                "<blockquote>".repeat(20_000),
                "<table><tr><td>".repeat(5_000)
            ),
        ),
    );
    // Ids that are not numbers.
    add(
        &mut v,
        "update",
        status(&format!("not-a-number{TRICKS}"), "ids", "ids", "<p>x</p>"),
    );
    v.push(("delete".into(), Some(format!("abc{TRICKS}"))));
    // Ids of 100 kB: deleted ids are kept (`Tombstones::CAP` of them), so each must stay small.
    v.push(("delete".into(), Some("7".repeat(100_000))));
    add(
        &mut v,
        "update",
        status(&"8".repeat(100_000), "long id", "id", "<p>x</p>"),
    );
    v.push(("delete".into(), Some(r#"{"id":"1"}"#.into())));
    v.push(("announcement.delete".into(), Some("[1,2]".into())));
    // Payloads of the wrong type.
    for p in [
        r#""a string""#,
        "true",
        "42",
        "[1,2,3]",
        r#"{"id":{"x":1},"content":7,"account":"nobody"}"#,
        r#"{"id":"5","created_at":[],"content":{"a":1},"account":{"id":[]}}"#,
        "{not json",
    ] {
        for name in [
            "update",
            "status.update",
            "notification",
            "conversation",
            "announcement",
        ] {
            v.push((name.into(), Some(p.into())));
        }
    }
    // Deeply nested JSON: in a field the model ignores, and as the whole payload.
    let deep = format!("{}1{}", "[".repeat(50_000), "]".repeat(50_000));
    let mut nested = status("669", "deep", "deep", "<p>deep</p>");
    nested["extra"] = json!(null);
    let nested = nested
        .to_string()
        .replace("\"extra\":null", &format!("\"extra\":{deep}"));
    v.push(("update".into(), Some(nested)));
    v.push(("update".into(), Some(deep)));
    // Other entities carrying the tricks.
    add(
        &mut v,
        "notification",
        json!({"id": "n1", "type": format!("mention{TRICKS}"), "created_at": "2026-11-28T11:59:00Z",
               "account": {"id": "a2", "username": "m", "acct": TRICKS, "display_name": TRICKS},
               "status": s}),
    );
    add(
        &mut v,
        "conversation",
        json!({"id": TRICKS, "unread": true,
               "accounts": [{"id": "a3", "username": "m", "acct": TRICKS, "display_name": TRICKS}],
               "last_status": s}),
    );
    add(
        &mut v,
        "announcement",
        json!({"id": "an1", "content": format!("<p>{TRICKS}</p>"),
               "published_at": "2026-11-28T11:00:00Z", "updated_at": "2026-11-28T11:00:00Z"}),
    );
    add(
        &mut v,
        "announcement.reaction",
        json!({"name": TRICKS, "count": 1, "announcement_id": TRICKS}),
    );
    add(&mut v, "status.update", s);
    // Unknown events with names that are themselves escape sequences.
    v.push((format!("evil{TRICKS}"), Some(TRICKS.into())));
    v.push(("x\u{1b}]0;t\u{7}".to_string(), None));
    v
}

const GOOD_ID: &str = "777";

fn good_status() -> String {
    status(
        GOOD_ID,
        "Good Person",
        "good@example.social",
        "<p>still here</p>",
    )
    .to_string()
}

fn stream_event(name: &str, payload: Option<&str>) -> Option<AppEvent> {
    let event = decode_event(name, payload).ok()?;
    Some(AppEvent::Stream(StreamMessage::Event {
        stream: StreamId(0),
        event,
        raw: None,
    }))
}

#[test]
fn hostile_events_through_the_reducer_draw_only_clean_cells() {
    let now = "2026-11-28T12:00:00Z".parse().unwrap();
    let mut state = State::new(
        vec![("Home".into(), vec![StreamSpec::User])],
        UiSettings {
            expand_spoilers: true,
            ..UiSettings::default()
        },
        now,
    );
    let mut decoded = 0;
    let mut view = ViewState::default();
    for (name, payload) in hostile_events() {
        if let Some(e) = stream_event(&name, payload.as_deref()) {
            update(&mut state, e);
            decoded += 1;
        }
        assert_screen_clean_in(&mut view, &state, 80, 24);
    }
    // The events that decode (the others are skipped) are on screen: the posts, the
    // notification, the conversation, the announcement banner.
    assert!(decoded >= 10, "only {decoded} hostile events decoded");
    assert!(state.tabs[0].position_of("666").is_some());
    assert!(!state.announcements.is_empty());
    // Over-long ids were refused, not remembered.
    assert!(
        !state
            .core
            .tombstones(0)
            .unwrap()
            .contains(&"7".repeat(100_000))
    );
    assert!(state.tabs[0].position_of(&"8".repeat(100_000)).is_none());
    for (w, h) in [(1, 1), (40, 12), (250, 60)] {
        assert_screen_clean_in(&mut view, &state, w, h);
    }
    // The detail view of the worst post, the longest and the deepest.
    for id in ["666", "668", "670"] {
        state.overlay = tootwatch::app::state::Overlay::Detail {
            tab: 0,
            id: id.into(),
        };
        for (w, h) in [(30, 10), (120, 40)] {
            assert_screen_clean_in(&mut view, &state, w, h);
        }
    }
    state.overlay = tootwatch::app::state::Overlay::None;
    // Connection states carry the server's words (refusal bodies, close reasons).
    for state_change in [
        ConnectionState::Reconnecting {
            after: Duration::from_secs(3),
            reason: format!("the server closed the socket (1011 {TRICKS})"),
        },
        ConnectionState::Failed {
            reason: format!("the server refused the stream ({TRICKS})"),
            cause: FailureCause::StreamRefused,
        },
    ] {
        update(
            &mut state,
            AppEvent::Stream(StreamMessage::State {
                stream: StreamId(0),
                state: state_change,
            }),
        );
        assert_screen_clean_in(&mut view, &state, 80, 24);
    }
    // The monitor view of the same timeline.
    state.monitor = Some(Monitor {
        stale_after: Duration::from_secs(60),
        ..Monitor::default()
    });
    for (w, h) in [(40, 20), (200, 60)] {
        assert_screen_clean_in(&mut view, &state, w, h);
    }
    state.monitor = None;
    // A good post after all that still arrives and shows.
    update(
        &mut state,
        stream_event("update", Some(&good_status())).unwrap(),
    );
    state.tabs[0].jump_to_top();
    let screen = assert_screen_clean_in(&mut view, &state, 100, 30);
    assert!(screen.contains("still here"), "{screen}");
}

/// Every line `tail` printed is clean text.
fn assert_clean_output(lines: &[String]) {
    for line in lines {
        if let Some((at, c)) = line.char_indices().find(|&(_, c)| is_forbidden(c, false)) {
            let before: String = line[..at].chars().rev().take(80).collect();
            let before: String = before.chars().rev().collect();
            panic!("{c:?} reached stdout after …{before:?}");
        }
    }
}

/// Reads stdout until a line contains `needle`; returns every line read.
async fn lines_until(run: &mut Run, needle: &str) -> Vec<String> {
    let mut lines = Vec::new();
    loop {
        let line = run.line().await;
        let done = line.contains(needle);
        lines.push(line);
        if done {
            return lines;
        }
    }
}

fn log_of(run: &Run) -> String {
    std::fs::read_to_string(run.dir.path().join("tootwatch.log")).unwrap_or_default()
}

async fn tail_prints_only_clean_text(transport: &str, format: &str) {
    let server = server(Flavor::Mastodon).await;
    server.set_queue_capacity(20_000);
    let mut run = tootwatch(
        &server,
        &server.token(),
        &[
            "tail",
            "--transport",
            transport,
            "--format",
            format,
            "public",
        ],
    );
    within("subscriber", server.wait_subscribers("public", 1)).await;
    let events = hostile_events();
    for (name, payload) in &events {
        server.publish("public", name, payload.as_deref());
    }
    // 10,000 unknown events in a row.
    for i in 0..10_000 {
        server.publish("public", &format!("new.kind.{i}"), Some("{}"));
    }
    server.publish("public", "update", Some(&good_status()));
    server.publish("public", "delete", Some("424242"));
    let lines = lines_until(&mut run, "424242").await;
    assert_clean_output(&lines);
    let unknown = lines.iter().filter(|l| l.contains("new.kind.")).count();
    assert_eq!(unknown, 10_000);
    if format == "text" {
        assert!(
            lines
                .iter()
                .any(|l| l.starts_with("[public] update 777 @good@example.social: still here")),
            "{lines:#?}"
        );
        let worst = lines
            .iter()
            .find(|l| l.starts_with("[public] update 666 "))
            .expect("the hostile post printed");
        assert!(
            worst.contains("redpwned") || worst.contains("red"),
            "{worst}"
        );
    } else {
        for l in &lines {
            assert!(l.starts_with(r#"{"stream":"public","event":"#), "{l:.200}");
            // Lines are JSON, the payload as the server sent it: 50,000 levels deep for one of
            // them, past what serde_json parses by default.
            match serde_json::from_str::<Value>(l) {
                Ok(v) => assert_eq!(v["stream"], "public"),
                Err(e) => assert!(e.to_string().contains("recursion limit"), "{e}: {l:.200}"),
            }
        }
    }
    // Every skipped payload was logged with its reason, and the process still runs.
    assert!(log_of(&run).contains("skipped an event"));
    assert!(run.child.try_wait().unwrap().is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tail_text_over_sse_prints_only_clean_text() {
    tail_prints_only_clean_text("sse", "text").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tail_text_over_websocket_prints_only_clean_text() {
    tail_prints_only_clean_text("ws", "text").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tail_json_lines_carry_no_terminal_controls() {
    tail_prints_only_clean_text("ws", "json").await;
}

/// The child's peak resident memory, in KiB (Linux).
fn peak_rss_kib(run: &Run) -> Option<u64> {
    let pid = run.child.id()?;
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// A raw event stream (no UTF-8 guarantee, no framing help): invalid UTF-8 in names and
/// data, a 5 MB line, a line that never ends until 6 MB later, 10,000 unknown events in a
/// row. The good events after each still print, the oversized ones are logged as dropped,
/// and the peak memory stays far below what buffering them would take.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_raw_stream_of_garbage_cannot_stop_or_bloat_tail() {
    let raw = RawStream::start().await;
    let server = FakeServer::start(Options {
        advertised_streaming_url: Some(raw.url()),
        ..Options::default()
    })
    .await;
    let mut run = tootwatch(
        &server,
        &server.token(),
        &["tail", "--transport", "sse", "public"],
    );
    within("the raw stream", raw.wait_accepted(1)).await;
    let good = |id: u32| format!("event: delete\ndata: {id}\n\n").into_bytes();

    // Invalid UTF-8 in an event name, in a delete id, inside a JSON string, and as JSON.
    let mut bytes = b"event: del\xffete\ndata: 1\n\n".to_vec();
    bytes.extend_from_slice(b"event: delete\ndata: 12\xc3\x28\xa0\xa1\n\n");
    let status = good_status().replace("still here", "bad \u{1}\u{2} utf8");
    let mut broken = status.into_bytes();
    let at = broken.windows(3).position(|w| w == b"bad").unwrap();
    broken.splice(at..at + 3, *b"\xed\xa0\x80");
    bytes.extend_from_slice(b"event: update\ndata: ");
    bytes.extend_from_slice(&broken);
    bytes.extend_from_slice(b"\n\nevent: update\ndata: \xfe\xff{\n\n");
    bytes.extend(good(1001));
    raw.send(&bytes).await;
    let lines = lines_until(&mut run, "delete 1001").await;
    assert_clean_output(&lines);
    assert!(
        lines
            .iter()
            .any(|l| l == "[public] delete 12\u{fffd}(\u{fffd}\u{fffd}"),
        "{lines:#?}"
    );

    let baseline = peak_rss_kib(&run);

    // A 5 MB single event line, then a line that does not end for 6 MB.
    let five = format!("event: update\ndata: {}\n\n", "x".repeat(5 << 20));
    raw.send(five.as_bytes()).await;
    raw.send(&good(1002)).await;
    assert_eq!(run.line().await, "[public] delete 1002");
    raw.send(b"event: update\ndata: ").await;
    let chunk = vec![b'y'; 64 << 10];
    for _ in 0..96 {
        raw.send(&chunk).await;
    }
    raw.send(b"\n\n").await;
    raw.send(&good(1003)).await;
    assert_eq!(run.line().await, "[public] delete 1003");

    // 10,000 unknown events in a row, each with a hostile name.
    let mut flood = Vec::new();
    for i in 0..10_000 {
        flood.extend_from_slice(
            format!("event: new.kind.{i}\u{1b}]0;t{i}\u{7}\ndata: {{}}\n\n").as_bytes(),
        );
    }
    raw.send(&flood).await;
    raw.send(&good(1004)).await;
    let lines = lines_until(&mut run, "delete 1004").await;
    assert_eq!(lines.len(), 10_001);
    assert_clean_output(&lines);

    let log = log_of(&run);
    assert_eq!(
        log.matches("over the 1048576 byte cap").count(),
        2,
        "both oversized events logged with their reason"
    );
    // Buffering either big line would add 5 MB or more; the cap keeps what is held to the
    // 1 MiB line cap and read buffers (growth measured: 2-3 MiB, in a debug build).
    if let (Some(before), Some(after)) = (baseline, peak_rss_kib(&run)) {
        eprintln!("peak RSS of tail: {before} KiB before the big lines, {after} KiB after");
        assert!(after < before + 5 * 1024, "{before} KiB → {after} KiB");
    }
    assert!(run.child.try_wait().unwrap().is_none());
}

/// A WebSocket message past the cap ends that connection (the message is never buffered
/// whole); the reason is logged, the stream reconnects and later events arrive.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_five_megabyte_websocket_message_is_refused_and_the_stream_goes_on() {
    let server = server(Flavor::Mastodon).await;
    let mut run = tootwatch(
        &server,
        &server.token(),
        &["tail", "--transport", "ws", "public"],
    );
    within("subscriber", server.wait_subscribers("public", 1)).await;
    let payload = serde_json::to_string(&"x".repeat(5 << 20)).unwrap();
    server.publish_raw(
        "public",
        &format!(r#"{{"stream":["public"],"event":"update","payload":{payload}}}"#),
    );
    within("the reconnection", server.wait_connections("public", 2)).await;
    within("subscriber", server.wait_subscribers("public", 1)).await;
    server.publish("public", "delete", Some("5"));
    assert_eq!(run.line().await, "[public] delete 5");
    let log = log_of(&run);
    assert!(
        log.lines()
            .any(|l| l.contains("reconnecting") && l.to_lowercase().contains("too long")),
        "{log}"
    );
}

/// Backpressure may slow updates down, never drop a delete: a flood of updates with deletes
/// between them goes through the real stream task into a one-slot channel read by the
/// reducer, and every delete is applied.
async fn deletes_survive_a_flood(transport: tootwatch::stream::TransportChoice) {
    use std::sync::Arc;
    use tootwatch::stream::{StreamSettings, Timing, spawn_stream};

    let server = server(Flavor::Mastodon).await;
    server.set_queue_capacity(20_000);
    let settings = Arc::new(StreamSettings {
        base: server.base_url().parse().unwrap(),
        token: Some(server.token()),
        transport,
        timing: Timing {
            backoff_initial: Duration::from_millis(50),
            backoff_max: Duration::from_millis(200),
            ..Timing::default()
        },
        max_event_bytes: 1 << 20,
        keep_raw: false,
        decoding: tootwatch::stream::light::Decoding::Full,
        texts_wanted: Default::default(),
        user_agent: "tootwatch-test".into(),
    });
    let http = tootwatch::api::http_client(Duration::from_secs(5)).unwrap();
    let (tx, mut rx) = tokio::sync::mpsc::channel::<AppEvent>(1);
    let task = spawn_stream(
        StreamId(0),
        "public".parse::<StreamSpec>().unwrap(),
        settings,
        http,
        tx,
    );
    within("subscriber", server.wait_subscribers("public", 1)).await;

    let mut state = State::new(
        vec![(
            "Public".into(),
            vec!["public".parse::<StreamSpec>().unwrap()],
        )],
        UiSettings::default(),
        "2026-11-28T12:00:00Z".parse().unwrap(),
    );
    const N: u64 = 3_000;
    let posts: Vec<(String, String)> = (1..=N)
        .map(|n| {
            let json = r#gen::status_json(n, 300);
            let id = serde_json::from_str::<Value>(&json).unwrap()["id"]
                .as_str()
                .unwrap()
                .to_string();
            (id, json)
        })
        .collect();
    let mut deleted = HashSet::new();
    let mut deletes_sent = 0;
    for (i, (id, json)) in posts.iter().enumerate() {
        // Every seventh post is deleted before it arrives (a late update must not bring it
        // back), every third right after.
        if i % 7 == 6 {
            server.publish("public", "delete", Some(id));
            deleted.insert(id.clone());
            deletes_sent += 1;
        }
        server.publish("public", "update", Some(json));
        if i % 3 == 2 {
            server.publish("public", "delete", Some(id));
            deleted.insert(id.clone());
            deletes_sent += 1;
        }
    }
    server.publish("public", "delete", Some("end"));
    let mut deletes_seen = 0;
    loop {
        let event = within("the flood", rx.recv())
            .await
            .expect("the stream runs");
        if let AppEvent::Stream(StreamMessage::Event {
            event: tootwatch::stream::StreamEvent::Delete(id),
            ..
        }) = &event
        {
            if id == "end" {
                break;
            }
            deletes_seen += 1;
        }
        update(&mut state, event);
        // The reader is slower than the stream: the channel is full most of the time.
        tokio::task::yield_now().await;
    }
    assert_eq!(deletes_seen, deletes_sent, "every delete arrived");
    for id in &deleted {
        assert!(
            state.tabs[0].position_of(id).is_none(),
            "post {id} was deleted"
        );
    }
    let kept = posts
        .iter()
        .filter(|(id, _)| !deleted.contains(id))
        .filter(|(id, _)| state.tabs[0].position_of(id).is_some())
        .count();
    assert!(
        kept > 500,
        "the newest posts that were never deleted are shown"
    );
    assert_eq!(
        kept,
        state.tabs[0].entries.len(),
        "only posts never deleted remain"
    );
    task.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_delete_is_lost_under_load_over_sse() {
    deletes_survive_a_flood(tootwatch::stream::TransportChoice::Sse).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_delete_is_lost_under_load_over_websocket() {
    deletes_survive_a_flood(tootwatch::stream::TransportChoice::Ws).await;
}

/// A refusal's body is the server's text too: the one line `tail` prints about it is clean.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hostile_refusal_prints_one_clean_line() {
    let server = server(Flavor::Mastodon).await;
    server.set_fault(common::Fault::Status {
        status: 400,
        error: format!("No such stream {TRICKS}"),
        retry_after: None,
    });
    let mut run = tootwatch(
        &server,
        &server.token(),
        &["tail", "--transport", "sse", "public"],
    );
    let code = run.exit_code().await;
    let stderr = run.rest_of_stderr().await;
    assert_eq!(code, 3, "{stderr:?}");
    assert_clean_output(&stderr);
    assert_eq!(stderr.len(), 2, "{stderr:?}");
    assert_eq!(
        stderr[0],
        "tootwatch: public: connecting (server-sent events)"
    );
    // The escape sequences and controls are gone; their printable remains are inert text.
    assert!(
        stderr[1].starts_with(
            "tootwatch: public: failed: the server refused the stream \
             (400 No such stream redclickbellinvoicefdp.exeiso)"
        ),
        "{stderr:?}"
    );
}
