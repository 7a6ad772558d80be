//! Snapshot tests of whole screens (TestBackend), and the fixtures `view_tests` shares.

use std::time::Duration;

use jiff::Timestamp;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use serde_json::{Value, json};

use super::{Theme, ViewState, draw};
use crate::app::state::{Item, Overlay, State, UiSettings};
use crate::filter::Verdict;
use crate::model::{Announcement, Conversation, Notification, Status};
use crate::stream::{ConnectionState, FailureCause, StreamSpec, Transport};

const NOW: &str = "2026-11-28T12:00:00Z";

pub(super) fn now() -> Timestamp {
    NOW.parse().unwrap()
}

pub(super) fn account(id: &str, name: &str, acct: &str) -> Value {
    json!({"id": id, "username": acct.split('@').next().unwrap(), "acct": acct, "display_name": name,
           "url": format!("https://example.social/@{acct}")})
}

pub(super) fn status_json(id: &str, who: (&str, &str), at: &str, content: &str) -> Value {
    json!({
        "id": id,
        "uri": format!("https://example.social/users/x/statuses/{id}"),
        "url": format!("https://example.social/@{}/{id}", who.1),
        "created_at": at,
        "account": account(&format!("a{id}"), who.0, who.1),
        "content": content,
        "visibility": "public",
        "replies_count": 3, "reblogs_count": 5, "favourites_count": 12,
        "language": "en",
    })
}

pub(super) fn status(v: Value) -> Status {
    serde_json::from_value(v).unwrap()
}

pub(super) fn push(state: &mut State, tab: usize, s: Status, verdict: Verdict) {
    state.tabs[tab].push_newest(Item::Status(Box::new(s)), verdict, 0, 1000);
}

const RICH: &str = r#"<p>Shipping <a href="https://fosstodon.org/tags/rust" class="mention hashtag" rel="tag">#<span>rust</span></a> 1.95 today with <span class="h-card"><a href="https://hachyderm.io/@ferris" class="u-url mention">@<span>ferris</span></a></span>! Notes: <a href="https://blog.rust-lang.org/2026/11/28/Rust-1.95.0.html" rel="nofollow noopener" target="_blank"><span class="invisible">https://</span><span class="ellipsis">blog.rust-lang.org/2026/11/28/</span><span class="invisible">Rust-1.95.0.html</span></a> :ferris_happy:</p><p>Second paragraph &amp; more.</p>"#;

/// The three tabs and a timeline of varied posts, oldest pushed first.
pub(super) fn sample_state() -> State {
    let mut state = State::new(
        vec![
            ("Home".into(), vec![StreamSpec::User]),
            (
                "Rust".into(),
                vec![
                    StreamSpec::Hashtag {
                        tag: "rust".into(),
                        local: false,
                    },
                    StreamSpec::Hashtag {
                        tag: "tokio".into(),
                        local: false,
                    },
                ],
            ),
            ("Lists".into(), vec![StreamSpec::List { list: "42".into() }]),
        ],
        UiSettings::default(),
        now(),
    );
    state.tabs[0].streams[0].state = ConnectionState::Live {
        transport: Transport::Ws,
    };
    state.tabs[1].streams[0].state = ConnectionState::Live {
        transport: Transport::Sse,
    };
    state.tabs[1].streams[1].state = ConnectionState::Reconnecting {
        after: Duration::from_millis(3200),
        reason: "the server closed the stream".into(),
    };
    state.tabs[1].streams[1].state_at = now();
    state.tabs[2].streams[0].state = ConnectionState::Failed {
        reason: "the server refused this stream (404 Not Found)".into(),
        cause: FailureCause::StreamRefused,
    };
    state.tabs[1].unread = 7;

    let mut poll = status_json(
        "105",
        ("Poll Person", "poller@example.social"),
        "2026-11-23T12:00:00Z",
        "<p>Which async runtime do you use?</p>",
    );
    poll["poll"] = json!({"id": "p1", "expired": true, "multiple": false, "votes_count": 152,
        "options": [{"title": "tokio", "votes_count": 120}, {"title": "smol", "votes_count": 20},
                    {"title": "none, threads are fine", "votes_count": 12}], "own_votes": [0]});
    push(&mut state, 0, status(poll), Verdict::Show);

    let mut media = status_json(
        "106",
        ("Photo Fan", "photos@pixel.example"),
        "2026-11-28T09:00:00Z",
        "<p>Sunset over the harbour</p>",
    );
    media["sensitive"] = json!(true);
    media["media_attachments"] = json!([
        {"id": "m1", "type": "image", "description": "A red sun sinking behind cranes, the water orange and calm, two small boats in the foreground"},
        {"id": "m2", "type": "video", "description": null}
    ]);
    push(&mut state, 0, status(media), Verdict::Show);

    let mut edited = status_json(
        "107",
        ("Private Pat", "pat"),
        "2026-11-28T11:00:00Z",
        "<p>Followers only, and I fixed a typo.</p>",
    );
    edited["visibility"] = json!("private");
    edited["in_reply_to_id"] = json!("100");
    edited["edited_at"] = json!("2026-11-28T11:05:00Z");
    push(&mut state, 0, status(edited), Verdict::Show);

    let mut card = status_json(
        "108",
        ("Link Sharer", "links@example.social"),
        "2026-11-28T11:30:00Z",
        r#"<p>Good read: <a href="https://lwn.net/Articles/1/">lwn.net/Articles/1/</a></p>"#,
    );
    card["card"] = json!({"url": "https://lwn.net/Articles/1/", "title": "The state of the kernel", "provider_name": "LWN.net", "type": "link"});
    push(&mut state, 0, status(card), Verdict::Show);

    let cjk = status_json(
        "109",
        ("山田太郎 🍣", "yamada@mstdn.jp"),
        "2026-11-28T11:59:15Z",
        "<p>今日は寿司を食べました🍣🍣 とても美味しかったです。東京の天気は晴れ☀️ #日本語</p>",
    );
    push(&mut state, 0, status(cjk), Verdict::Show);

    let mut cw = status_json(
        "110",
        ("Spoiler Sam", "sam@example.social"),
        "2026-11-28T11:50:00Z",
        "<p>The butler did it.</p>",
    );
    cw["spoiler_text"] = json!("Spoilers for the finale");
    push(&mut state, 0, status(cw), Verdict::Show);

    let inner = status_json(
        "111",
        ("Ferris 🦀", "ferris@hachyderm.io"),
        "2026-11-28T11:48:00Z",
        RICH,
    );
    let mut boost = status_json("112", ("Bob Booster", "bob"), "2026-11-28T11:58:00Z", "");
    boost["reblog"] = inner;
    push(&mut state, 0, status(boost), Verdict::Show);
    state
}

pub(super) fn notification(
    id: &str,
    kind: &str,
    who: (&str, &str),
    at: &str,
    status: Option<Value>,
) -> Box<Notification> {
    let mut v =
        json!({"id": id, "type": kind, "created_at": at, "account": account(id, who.0, who.1)});
    if let Some(s) = status {
        v["status"] = s;
    }
    Box::new(serde_json::from_value(v).unwrap())
}

pub(super) fn add_notifications(state: &mut State) {
    let mine = status_json(
        "200",
        ("Me", "me"),
        "2026-11-27T10:00:00Z",
        "<p>My post about borrow checking and lifetimes in practice</p>",
    );
    let list = [
        notification(
            "n1",
            "follow",
            ("New Friend", "friend@example.social"),
            "2026-11-28T08:00:00Z",
            None,
        ),
        notification(
            "n2",
            "poll",
            ("Poll Person", "poller@example.social"),
            "2026-11-28T09:00:00Z",
            Some(mine.clone()),
        ),
        notification(
            "n3",
            "admin.report",
            ("Moderator", "mod"),
            "2026-11-28T10:00:00Z",
            None,
        ),
        {
            let mut n = notification(
                "n4",
                "pleroma:emoji_reaction",
                ("Akko", "akko@akkoma.example"),
                "2026-11-28T10:30:00Z",
                Some(mine.clone()),
            );
            n.emoji = Some("🎉".into());
            n
        },
        notification(
            "n5",
            "reblog",
            ("Bob Booster", "bob"),
            "2026-11-28T11:00:00Z",
            Some(mine.clone()),
        ),
        notification(
            "n6",
            "favourite",
            ("Alice", "alice@example.social"),
            "2026-11-28T11:40:00Z",
            Some(mine),
        ),
        notification(
            "n7",
            "mention",
            ("Ferris 🦀", "ferris@hachyderm.io"),
            "2026-11-28T11:55:00Z",
            Some(status_json(
                "201",
                ("Ferris 🦀", "ferris@hachyderm.io"),
                "2026-11-28T11:55:00Z",
                r#"<p><span class="h-card"><a href="https://example.social/@me" class="u-url mention">@<span>me</span></a></span> have you tried the new borrow checker? It accepts so much more code now, it is wonderful.</p>"#,
            )),
        ),
    ];
    for n in list {
        state.add_notification(0, n);
    }
    state.notifications.unread_of = vec![2];
}

pub(super) fn render(state: &State, view: &mut ViewState, w: u16, h: u16) -> Terminal<TestBackend> {
    let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
    terminal
        .draw(|f| draw(f, state, view, &Theme::new(false)))
        .unwrap();
    terminal
}

pub(super) fn snapshot(name: &str, state: &State, w: u16, h: u16) -> Terminal<TestBackend> {
    let t = render(state, &mut ViewState::default(), w, h);
    insta::assert_snapshot!(name, t.backend());
    t
}

pub(super) fn screen_text(t: &Terminal<TestBackend>) -> String {
    t.backend().to_string()
}

#[test]
fn main_screen_wide_with_notifications_beside() {
    let mut state = sample_state();
    add_notifications(&mut state);
    snapshot("main_wide", &state, 200, 50);
}

#[test]
fn main_screen_narrow_with_notifications_below() {
    let mut state = sample_state();
    add_notifications(&mut state);
    snapshot("main_narrow", &state, 80, 24);
}

#[test]
fn main_screen_without_pane_shows_more_posts() {
    let mut state = sample_state();
    state.show_notifications = false;
    snapshot("main_no_pane", &state, 80, 50);
}

#[test]
fn tab_bar_shows_connection_states() {
    let mut state = sample_state();
    state.active = 1;
    state.tabs[1].unread = 0;
    state.tabs[0].unread = 3;
    let t = snapshot("tabs_reconnecting_active", &state, 80, 24);
    let text = screen_text(&t);
    assert!(text.contains("⟳ 3 s"), "{text}");
    assert!(
        text.contains("reconnecting in 3 s because the server closed the stream"),
        "{text}"
    );
    state.active = 2;
    snapshot("tabs_failed_active", &state, 80, 24);
}

#[test]
fn help_overlay() {
    let mut state = sample_state();
    state.overlay = Overlay::Help;
    snapshot("help_80x24", &state, 80, 24);
    snapshot("help_200x50", &state, 200, 50);
    snapshot("help_50x20", &state, 50, 20);
}

#[test]
fn a_narrow_help_wraps_what_it_cannot_fit_and_cuts_nothing() {
    let mut state = sample_state();
    state.overlay = Overlay::Help;
    // Tall enough for every line: only the width is tried, beside the keys (50) and under
    // them (34, 24).
    for w in [50, 34, 24] {
        let t = render(&state, &mut ViewState::default(), w, 120);
        let lines: Vec<String> = screen_text(&t)
            .lines()
            .filter_map(|l| {
                Some(
                    l.get(l.find('│')? + '│'.len_utf8()..l.rfind('│')?)?
                        .trim()
                        .to_owned(),
                )
            })
            .collect();
        let inside = lines
            .iter()
            .flat_map(|l| l.split_whitespace())
            .collect::<Vec<_>>()
            .join(" ");
        for (keys, text) in crate::ui::help::help_lines(&state.settings.keys) {
            let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
            assert!(
                inside.contains(&text),
                "{w} columns cut {text:?}:\n{inside}"
            );
            // The keys of a row on one line, whole.
            assert!(
                lines.iter().any(|l| l.starts_with(keys.as_str())),
                "{w}: {keys:?}"
            );
        }
        // Each marker with its word, on one line.
        for entry in [
            "… connecting",
            "● live",
            "↻ polled",
            "↻! not delivering",
            "⟳ reconnecting",
            "✗ failed",
        ] {
            assert!(
                lines.iter().any(|l| l.contains(entry)),
                "{w}: {entry:?} split:\n{lines:#?}"
            );
        }
    }
}

#[test]
fn detail_view() {
    let mut state = sample_state();
    state.overlay = Overlay::Detail {
        tab: 0,
        id: "106".into(),
    };
    snapshot("detail_media_80x24", &state, 80, 24);
    state.overlay = Overlay::Detail {
        tab: 0,
        id: "112".into(),
    };
    snapshot("detail_boost_200x50", &state, 200, 50);
    state.overlay = Overlay::Detail {
        tab: 0,
        id: "105".into(),
    };
    snapshot("detail_poll_80x24", &state, 80, 24);
}

#[test]
fn filtered_and_content_warning_entries() {
    let mut state = State::new(
        vec![("Home".into(), vec![StreamSpec::User])],
        UiSettings::default(),
        now(),
    );
    state.show_notifications = false;
    let mut blur = status_json(
        "1",
        ("Blurry", "blur"),
        "2026-11-28T11:00:00Z",
        "<p>Look at this</p>",
    );
    blur["media_attachments"] =
        json!([{"id": "m", "type": "image", "description": "something upsetting"}]);
    push(&mut state, 0, status(blur), Verdict::Blur);
    let mut cw = status_json(
        "2",
        ("Spoiler Sam", "sam"),
        "2026-11-28T11:10:00Z",
        "<p>Hidden body</p>",
    );
    cw["spoiler_text"] = json!("Politics (US)");
    push(&mut state, 0, status(cw), Verdict::Show);
    let warn = status_json(
        "3",
        ("Someone", "someone"),
        "2026-11-28T11:20:00Z",
        "<p>Spoilery stuff</p>",
    );
    push(
        &mut state,
        0,
        status(warn),
        Verdict::Warn {
            title: "Show spoilers".into(),
        },
    );
    let hidden = status_json(
        "4",
        ("Hidden", "hidden"),
        "2026-11-28T11:30:00Z",
        "<p>never shown</p>",
    );
    push(&mut state, 0, status(hidden), Verdict::Hide);
    let t = snapshot("filtered_and_cw", &state, 80, 24);
    let text = screen_text(&t);
    assert!(
        !text.contains("Hidden body")
            && !text.contains("never shown")
            && !text.contains("Spoilery")
    );

    state.revealed.insert("2".into());
    state.revealed.insert("3".into());
    let t = snapshot("filtered_and_cw_revealed", &state, 80, 24);
    let text = screen_text(&t);
    assert!(text.contains("Hidden body") && text.contains("Spoilery stuff"));
}

#[test]
fn empty_timeline_hints() {
    let mut state = State::new(
        vec![(
            "Rust".into(),
            vec![StreamSpec::Hashtag {
                tag: "rust".into(),
                local: false,
            }],
        )],
        UiSettings::default(),
        now(),
    );
    state.show_notifications = false;
    snapshot("empty_waiting", &state, 80, 24);
    state.tabs[0].streams[0].state = ConnectionState::Failed {
        reason: "the server refused the credentials (401)".into(),
        cause: FailureCause::Credentials,
    };
    snapshot("empty_failed", &state, 80, 24);
}

#[test]
fn hostile_status_cannot_reach_the_terminal() {
    let mut state = State::new(
        vec![("Home\u{1b}[31m".into(), vec![StreamSpec::User])],
        UiSettings::default(),
        now(),
    );
    let mut s = status_json(
        "666",
        (
            "\u{1b}]52;c;ZXZpbA==\u{7}Mallory\u{202e}lanigiro\u{9b}31m\u{85}",
            "mallory@evil.example\u{1b}[2J",
        ),
        "2026-11-28T11:59:00Z",
        "<p>hello \u{1b}[2J\u{1b}]0;pwned\u{7} &#27;]52;c;ZXZpbA==&#7; \u{202e}fdp.exe \u{2066}iso\u{2069} \u{90}dcs\u{9c} \u{9d}8;;http://evil\u{9c}link &#x9b;1;1H end</p>",
    );
    s["spoiler_text"] = json!("");
    s["media_attachments"] = json!([{"id": "m", "type": "image", "description": "alt \u{1b}]8;;http://evil\u{1b}\\click\u{1b}]8;;\u{1b}\\ \u{7}"}]);
    s["card"] = json!({"url": "https://evil.example/\u{1b}[1m", "title": "Card \u{1b}[5mblink", "provider_name": "\u{202e}evil"});
    push(&mut state, 0, status(s.clone()), Verdict::Show);
    state.add_notification(
        0,
        notification(
            "n",
            "mention",
            ("\u{1b}[8mMallory", "mallory"),
            "2026-11-28T11:59:00Z",
            Some(s),
        ),
    );
    state.flash = Some("copied \u{1b}]52;c;eA==\u{7}".into());
    state.announcements = vec![
        serde_json::from_value::<Announcement>(json!({
        "id": "1", "content": "<p>Maintenance \u{1b}[2J&#27;[31m tonight</p>"}))
        .unwrap(),
    ];

    let forbidden = |c: char| {
        c.is_control()
            || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
    };
    for (w, h) in [(80, 24), (200, 50)] {
        let t = render(&state, &mut ViewState::default(), w, h);
        for cell in t.backend().buffer().content.iter() {
            assert!(!cell.symbol().chars().any(forbidden), "{:?}", cell.symbol());
        }
        if w == 80 {
            insta::assert_snapshot!("hostile_80x24", t.backend());
        }
    }
    state.overlay = Overlay::Detail {
        tab: 0,
        id: "666".into(),
    };
    let t = render(&state, &mut ViewState::default(), 80, 24);
    for cell in t.backend().buffer().content.iter() {
        assert!(!cell.symbol().chars().any(forbidden), "{:?}", cell.symbol());
    }
    insta::assert_snapshot!("hostile_detail_80x24", t.backend());
}

#[test]
fn banner_search_and_conversation() {
    let mut state = State::new(
        vec![("Direct".into(), vec![StreamSpec::Direct])],
        UiSettings::default(),
        now(),
    );
    state.show_notifications = false;
    state.tabs[0].streams[0].state = ConnectionState::Live {
        transport: Transport::Ws,
    };
    state.announcements = vec![serde_json::from_value::<Announcement>(json!({
        "id": "1",
        "content": "<p>Scheduled maintenance on <strong>Sunday 02:00 UTC</strong>: the server will be down for about an hour while we upgrade the database. Thanks for your patience!</p>"
    })).unwrap()];
    let mut last = status_json(
        "300",
        ("Alice", "alice@example.social"),
        "2026-11-28T11:57:00Z",
        r#"<p><span class="h-card"><a href="https://example.social/@me" class="u-url mention">@<span>me</span></a></span> lunch tomorrow?</p>"#,
    );
    last["visibility"] = json!("direct");
    let conv: Conversation = serde_json::from_value(json!({
        "id": "c1", "unread": true,
        "accounts": [account("1", "Alice", "alice@example.social"), account("2", "Carol", "carol")],
        "last_status": last,
    }))
    .unwrap();
    state.upsert_conversation(0, 0, Box::new(conv));
    snapshot("banner_and_conversation", &state, 80, 24);

    state.search.query = "lunch".into();
    state.search.editing = true;
    let t = snapshot("search_editing", &state, 80, 24);
    assert_eq!(t.backend().cursor_position().x, 6);
    state.search.editing = false;
    state.search.query = "nothing matches".into();
    snapshot("search_no_match", &state, 80, 24);
}

#[test]
fn a_deck_of_two_accounts_says_whose_notification_is_whose() {
    let mut state = sample_state();
    let tabs = vec![0; state.tabs.len()];
    state.set_accounts(
        vec!["me@example.social".into(), "bob@gts.example".into()],
        &tabs,
    );
    state.add_notification(
        1,
        notification(
            "n1",
            "follow",
            ("Carol", "carol@gts.example"),
            "2026-11-28T11:58:00Z",
            None,
        ),
    );
    state.add_notification(
        0,
        notification(
            "n1",
            "favourite",
            ("Dave", "dave@example.social"),
            "2026-11-28T11:59:00Z",
            None,
        ),
    );
    let t = snapshot("notifications_two_accounts", &state, 120, 30);
    let text = screen_text(&t);
    assert!(text.contains("bob@gts.example · 2m"), "{text}");
    assert!(text.contains("me@example.social · 1m"), "{text}");
    // one account: no labels
    let mut single = sample_state();
    add_notifications(&mut single);
    let text = screen_text(&render(&single, &mut ViewState::default(), 120, 30));
    assert!(!text.contains("me@example.social ·"), "{text}");
}

#[test]
fn remapped_keys_show_in_the_help_and_the_footer() {
    let mut state = sample_state();
    state.settings.keys = crate::config::Config::parse(
        "[keys]\nquit = \"Q\"\nhelp = \"f1\"\nback = \"h\"\n",
        std::path::Path::new("config.toml"),
    )
    .unwrap()
    .keymap();
    let text = screen_text(&render(&state, &mut ViewState::default(), 80, 24));
    assert!(text.contains("F1 help  Q quit"), "{text}");
    state.overlay = Overlay::Help;
    let text = screen_text(&render(&state, &mut ViewState::default(), 80, 24));
    let quit = text
        .lines()
        .find(|l| l.contains(" quit "))
        .expect("a quit line");
    assert!(quit.contains("│ Q "), "{quit}");
    assert!(text.contains("F1 ") && text.contains("h: close"), "{text}");
}

#[test]
fn other_servers_notification_kinds_read_as_words() {
    let mut state = sample_state();
    let mut add = |id: &str, kind: &str| {
        let n = notification(
            id,
            kind,
            ("Gee", "gee@gts.example"),
            "2026-11-28T11:00:00Z",
            None,
        );
        state.add_notification(0, n);
    };
    add("g1", "pending.favourite");
    add("g2", "pleroma:chat_mention");
    add("g3", "weird.new.kind");
    let text = screen_text(&render(&state, &mut ViewState::default(), 200, 50));
    assert!(text.contains("would favourite your post"), "{text}");
    assert!(text.contains("sent you a chat message"), "{text}");
    assert!(
        text.contains("• weird.new.kind"),
        "an unknown kind keeps its name: {text}"
    );
}
