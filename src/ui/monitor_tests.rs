//! Snapshots of the monitor view at 40x20, 80x24 and 200x60, and checks of what a snapshot
//! cannot show: styles of the stale footer and of highlights, widths, the cache.

use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::style::{Color, Modifier};
use serde_json::json;

use super::super::tests::{now, status, status_json};
use super::super::{Theme, ViewState, draw};
use super::*;
use crate::app::state::{Item, Monitor, State, UiSettings};
use crate::filter::Verdict;
use crate::matching::Highlights;
use crate::stream::{ConnectionState, FailureCause, StreamSpec, Transport};

fn ago(secs: i64) -> Timestamp {
    now() - SignedDuration::from_secs(secs)
}

fn tag(t: &str) -> StreamSpec {
    StreamSpec::Hashtag {
        tag: t.into(),
        local: false,
    }
}

fn push(state: &mut State, s: serde_json::Value, verdict: Verdict, via: &[usize]) {
    let s = status(s);
    for &v in via {
        state.tabs[0].push_newest(Item::Status(Box::new(s.clone())), verdict.clone(), v, 1000);
    }
}

/// A column of `#rust` and `#tokio`: `#rust` live (last post 12 s ago), `#tokio` reconnecting
/// for 30 s; posts oldest pushed first.
fn monitor_state() -> State {
    let mut state = State::new(
        vec![("#rust + #tokio".into(), vec![tag("rust"), tag("tokio")])],
        UiSettings::default(),
        now(),
    );
    state.monitor = Some(Monitor {
        stale_after: Duration::from_secs(120),
        bell: false,
        ..Default::default()
    });
    state.highlights = Highlights::new(&["ferris".into()]).unwrap();
    let rust = &mut state.tabs[0].streams[0];
    rust.state = ConnectionState::Live {
        transport: Transport::Ws,
    };
    rust.state_since = ago(3600);
    rust.last_event = Some(ago(12));
    let tokio = &mut state.tabs[0].streams[1];
    tokio.state = ConnectionState::Reconnecting {
        after: Duration::from_secs(3),
        reason: "the connection was reset".into(),
    };
    tokio.state_since = ago(30);
    // It went down again a second ago: the countdown has one second less to go.
    tokio.state_at = ago(1);

    let mut cw = status_json(
        "102",
        ("Spoiler Sam", "sam@example.social"),
        "2026-11-28T11:30:00Z",
        "<p>tokio 2.0 drops the old runtime.</p>",
    );
    cw["spoiler_text"] = json!("Release spoilers");
    push(&mut state, cw, Verdict::Show, &[1]);
    push(
        &mut state,
        status_json(
            "103",
            ("Hidden Hank", "hank@example.social"),
            "2026-11-28T11:31:00Z",
            "<p>Buy my coin</p>",
        ),
        Verdict::Hide,
        &[0],
    );
    let mut media = status_json(
        "104",
        ("Photo Fan", "photos@pixel.example"),
        "2026-11-28T11:40:00Z",
        "<p>Our <a href=\"https://pixel.example/tags/rust\" class=\"mention hashtag\" rel=\"tag\">#<span>rust</span></a> meetup, in pictures</p>",
    );
    media["media_attachments"] = json!([
        {"id": "m1", "type": "image", "description": "The room"},
        {"id": "m2", "type": "image", "description": null},
        {"id": "m3", "type": "video", "description": null}
    ]);
    push(&mut state, media, Verdict::Show, &[0]);
    push(
        &mut state,
        status_json(
            "105",
            ("Warned Walt", "walt@example.social"),
            "2026-11-28T11:45:00Z",
            "<p>Politics again</p>",
        ),
        Verdict::Warn {
            title: "Politics".into(),
        },
        &[1],
    );
    let inner = status_json(
        "106",
        ("Tokio Team", "tokio@fosstodon.org"),
        "2026-11-28T11:50:00Z",
        "<p>tokio 1.50 is out, with faster timers and a new <code>JoinMap</code>.</p>",
    );
    let mut boost = status_json("107", ("Bob Booster", "bob"), "2026-11-28T11:55:00Z", "");
    boost["reblog"] = inner;
    push(&mut state, boost, Verdict::Show, &[1]);
    push(
        &mut state,
        status_json(
            "101",
            ("Long Writer", "writer@example.social"),
            "2026-11-28T11:56:00Z",
            "<p>A long post about ownership. Borrowing lets a function use a value without taking it; \
             the borrow checker makes sure no reference outlives what it points to, and that \
             shared and mutable borrows never overlap. That is the whole trick, and it goes a \
             long way: no data races, no use after free, and no garbage collector.</p>\
             <p>Second paragraph that only tall panes get to.</p>",
        ),
        Verdict::Show,
        &[0],
    );
    push(
        &mut state,
        status_json(
            "108",
            ("Async Ann", "ann@hachyderm.io"),
            "2026-11-28T11:58:00Z",
            "<p>Async traits everywhere now: <a href=\"https://hachyderm.io/tags/rust\" class=\"mention hashtag\" rel=\"tag\">#<span>rust</span></a> <a href=\"https://hachyderm.io/tags/tokio\" class=\"mention hashtag\" rel=\"tag\">#<span>tokio</span></a></p>",
        ),
        Verdict::Show,
        // The same post on both streams: one entry, both tags in its `via` line.
        &[1, 0],
    );
    push(
        &mut state,
        status_json(
            "109",
            ("Crab Fan 🦀", "crabs@example.social"),
            "2026-11-28T11:59:48Z",
            "<p>Ferris turns ten today! Happy birthday, ferris.</p>",
        ),
        Verdict::Show,
        &[0],
    );
    state
}

fn render_with(state: &State, w: u16, h: u16, theme: &Theme) -> Terminal<TestBackend> {
    let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
    terminal
        .draw(|f| draw(f, state, &mut ViewState::default(), theme))
        .unwrap();
    terminal
}

fn snapshot(name: &str, state: &State, w: u16, h: u16) -> Terminal<TestBackend> {
    let t = render_with(state, w, h, &Theme::new(false));
    insta::assert_snapshot!(name, t.backend());
    t
}

fn row_text(buf: &Buffer, y: u16) -> String {
    (0..buf.area.width).map(|x| buf[(x, y)].symbol()).collect()
}

/// The cells where `word` starts, searched cell by cell (wide graphemes take two cells).
fn find(buf: &Buffer, word: &str) -> Vec<(u16, u16)> {
    let n = word.chars().count() as u16;
    let mut out = Vec::new();
    for y in 0..buf.area.height {
        for x in 0..buf.area.width.saturating_sub(n - 1) {
            let s: String = (x..x + n).map(|x| buf[(x, y)].symbol()).collect();
            if s == word {
                out.push((x, y));
            }
        }
    }
    out
}

#[test]
fn monitor_40x20() {
    snapshot("monitor_40x20", &monitor_state(), 40, 20);
}

#[test]
fn monitor_80x24() {
    let t = snapshot("monitor_80x24", &monitor_state(), 80, 24);
    let text = t.backend().to_string();
    assert!(
        text.contains("#rust #tokio"),
        "the merged post says which tags carried it"
    );
    assert!(text.contains("⟳ Bob Booster boosted"));
    assert!(text.contains("[2 images, 1 video]"));
    assert!(text.contains("Filtered: Politics"));
    assert!(text.contains("That is the whole …"), "cut after 3 lines");
    assert!(text.contains("last post 12 s ago"));
    assert!(text.contains("reconnecting in 2 s because the connection was reset"));
    assert!(!text.contains("help"), "no chrome");
}

#[test]
fn monitor_200x60_shows_more_of_each_post() {
    let t = snapshot("monitor_200x60", &monitor_state(), 200, 60);
    let text = t.backend().to_string();
    assert!(text.contains("Long Writer"));
    assert!(
        text.contains("Second paragraph"),
        "tall panes show more lines"
    );
    assert!(text.contains("CW: Release spoilers"));
    assert!(
        !text.contains("drops the old runtime"),
        "a CW hides the text"
    );
    assert!(!text.contains("Buy my coin"), "hidden posts are skipped");
}

#[test]
fn stale_stream_footer_is_loud_over_the_whole_width() {
    let mut state = monitor_state();
    state.tabs[0].streams[0].last_event = Some(ago(5 * 60));
    state.tabs[0].streams[1].state_since = ago(2 * 60 + 5);
    let t = snapshot("monitor_stale_80x24", &state, 80, 24);
    let buf = t.backend().buffer();
    let rust_row = 22;
    let tokio_row = 23;
    assert!(row_text(buf, rust_row).contains("#rust  no post for 5 min"));
    assert!(
        row_text(buf, tokio_row)
            .contains("down for 2 min: the connection was reset (retry in 2 s)")
    );
    for y in [rust_row, tokio_row] {
        for x in [0, 40, 79] {
            let cell = &buf[(x, y)];
            assert_eq!(cell.fg, Color::Red, "({x}, {y})");
            assert!(
                cell.modifier.contains(Modifier::REVERSED | Modifier::BOLD),
                "({x}, {y}): {:?}",
                cell.modifier
            );
        }
    }
    // The post above the footer is not painted.
    assert!(!buf[(0, 20)].modifier.contains(Modifier::REVERSED));

    snapshot("monitor_stale_40x20", &state, 40, 20);

    // NO_COLOR: modifiers only.
    let t = render_with(&state, 80, 24, &Theme::new(true));
    let buf = t.backend().buffer();
    for x in [0, 79] {
        let cell = &buf[(x, tokio_row)];
        assert_eq!(cell.fg, Color::Reset);
        assert_eq!(cell.bg, Color::Reset);
        assert!(cell.modifier.contains(Modifier::REVERSED | Modifier::BOLD));
    }
    for cell in buf.content() {
        assert_eq!((cell.fg, cell.bg), (Color::Reset, Color::Reset), "{cell:?}");
    }
}

#[test]
fn a_silent_stream_that_goes_down_stays_loud_and_says_both() {
    let mut state = monitor_state();
    // #tokio had no post for 19 minutes, then its server went away 34 s ago.
    state.tabs[0].streams[1].last_event = Some(ago(19 * 60));
    state.tabs[0].streams[1].state_since = ago(34);
    let t = render_with(&state, 100, 24, &Theme::new(false));
    let row = row_text(t.backend().buffer(), 23);
    assert!(
        row.contains("#tokio  no post for 19 min, down for 34 s: the connection was reset"),
        "{row}"
    );
    assert_eq!(t.backend().buffer()[(0, 23)].fg, Color::Red, "loud");
    // Back live, it stays loud until a post comes: a reconnect is not a post.
    state.tabs[0].streams[1].state = ConnectionState::Live {
        transport: crate::stream::Transport::Ws,
    };
    let t = render_with(&state, 100, 24, &Theme::new(false));
    let row = row_text(t.backend().buffer(), 23);
    assert!(row.contains("#tokio  no post for 19 min"), "{row}");
}

#[test]
fn a_pane_too_low_for_every_stream_counts_the_ones_left_out() {
    let state = monitor_state();
    // Two streams, one row for posts: one footer line, the other counted on it.
    let t = render_with(&state, 40, 2, &Theme::new(false));
    let last = row_text(t.backend().buffer(), 1);
    assert!(last.trim_end().ends_with("+1"), "{last:?}");
    let t = render_with(&state, 40, 3, &Theme::new(false));
    assert!(!row_text(t.backend().buffer(), 2).contains("+1"), "all fit");
}

#[test]
fn a_list_is_named_by_its_title() {
    let mut state = State::new(
        vec![(
            "lists".into(),
            vec![
                StreamSpec::List { list: "42".into() },
                StreamSpec::List { list: "7".into() },
            ],
        )],
        UiSettings::default(),
        now(),
    );
    state.monitor = Some(Monitor {
        stale_after: Duration::from_secs(120),
        lists: [("42".to_string(), "Friends".to_string())].into(),
        ..Default::default()
    });
    let t = render_with(&state, 60, 10, &Theme::new(false));
    let text = t.backend().to_string();
    assert!(text.contains("list Friends  connecting"), "{text}");
    assert!(
        text.contains("list:7  connecting"),
        "no title known: {text}"
    );
}

#[test]
fn failed_stream() {
    let mut state = monitor_state();
    state.tabs[0].streams[1].state = ConnectionState::Failed {
        reason: "the server refused this stream (404 Not Found)".into(),
        cause: FailureCause::StreamRefused,
    };
    let t = snapshot("monitor_failed_80x24", &state, 80, 24);
    let buf = t.backend().buffer();
    assert!(row_text(buf, 23).contains("✗ #tokio  failed: the server refused this stream"));
    let (x, y) = find(buf, "failed")[0];
    assert_eq!(buf[(x, y)].fg, Color::Red);
    assert!(
        !buf[(0, y)].modifier.contains(Modifier::REVERSED),
        "not stale yet"
    );
    snapshot("monitor_failed_40x20", &state, 40, 20);
}

#[test]
fn empty_column_waits() {
    let mut state = monitor_state();
    state.tabs[0].clear();
    let t = snapshot("monitor_empty_80x24", &state, 80, 24);
    let text = t.backend().to_string();
    assert!(text.contains("Waiting for posts on #rust, #tokio…"));
}

#[test]
fn highlighted_cells_carry_the_highlight_style() {
    let state = monitor_state();
    for (w, h) in [(40, 20), (80, 24), (200, 60)] {
        let t = render_with(&state, w, h, &Theme::new(false));
        let buf = t.backend().buffer();
        let hits: Vec<_> = find(buf, "Ferris")
            .into_iter()
            .chain(find(buf, "ferris"))
            .collect();
        assert_eq!(hits.len(), 2, "{w}x{h}: both mentions of ferris");
        for (x, y) in hits {
            for dx in 0..6 {
                let cell = &buf[(x + dx, y)];
                assert_eq!(cell.bg, Color::Yellow, "{w}x{h} ({}, {y})", x + dx);
                assert!(cell.modifier.contains(Modifier::BOLD));
            }
            // The word after it is plain.
            assert_eq!(buf[(x + 7, y)].bg, Color::Reset);
        }
    }
    // The display name "Crab Fan" and other posts are not highlighted.
    let t = render_with(&state, 80, 24, &Theme::new(true));
    let buf = t.backend().buffer();
    let (x, y) = find(buf, "Ferris")[0];
    assert!(buf[(x, y)].modifier.contains(Modifier::REVERSED));
}

#[test]
fn a_phrase_wrapped_over_two_lines_is_highlighted_on_both() {
    let h = Highlights::new(&["happy birthday".into()]).unwrap();
    let theme = Theme::new(false);
    let mut lines = vec![
        Line::from("ten today! Happy"),
        Line::from("birthday, ferris."),
    ];
    apply_highlights(&mut lines, &h, theme.highlight);
    let styled: Vec<Vec<(String, bool)>> = lines
        .iter()
        .map(|l| {
            l.spans
                .iter()
                .map(|s| (s.content.to_string(), s.style == theme.highlight))
                .collect()
        })
        .collect();
    assert_eq!(
        styled,
        [
            vec![("ten today! ".into(), false), ("Happy".into(), true)],
            vec![("birthday".into(), true), (", ferris.".into(), false)],
        ]
    );
}

#[test]
fn nothing_is_wider_than_40_columns() {
    let mut state = monitor_state();
    state.tabs[0].streams[1].state = ConnectionState::Failed {
        reason: "the server refused this stream (404 Not Found) and said a lot more about it"
            .into(),
        cause: FailureCause::StreamRefused,
    };
    state.tabs[0].streams[1].state_since = ago(600);
    let theme = Theme::new(false);
    let monitor = state.monitor.clone().unwrap();
    let mut cache = LayoutCache::default();
    let tab = &state.tabs[0];
    for width in [40usize, 12, 3, 1] {
        for e in &tab.entries {
            if let Some(p) = post_lines(&mut cache, &state, tab, e, width, 6, &theme) {
                for l in &p.lines {
                    assert!(line_width(l) <= width, "{width}: {l:?}");
                }
            }
        }
        for s in &tab.streams {
            let (l, _) = stream_line(s, &state, &monitor, width, &theme);
            assert!(line_width(&l) <= width, "{width}: {l:?}");
        }
    }
    let t = render_with(&state, 40, 20, &Theme::new(false));
    let text = t.backend().to_string();
    assert!(text.contains('…'), "long lines are cut with an ellipsis");
    // Tiny panes draw without panicking.
    for (w, h) in [(1, 1), (5, 2), (40, 3), (2, 20)] {
        render_with(&state, w, h, &theme);
    }
}

#[test]
fn same_state_same_cells_and_text_laid_out_once() {
    let state = monitor_state();
    let theme = Theme::new(false);
    let mut view = ViewState::default();
    let mut terminal = Terminal::new(TestBackend::new(80, 24)).unwrap();
    terminal
        .draw(|f| draw(f, &state, &mut view, &theme))
        .unwrap();
    let first = terminal.backend().buffer().clone();
    let calls = super::super::html::HTML2TEXT_CALLS.with(|c| c.get());
    terminal
        .draw(|f| draw(f, &state, &mut view, &theme))
        .unwrap();
    assert_eq!(terminal.backend().buffer(), &first);
    assert_eq!(
        super::super::html::HTML2TEXT_CALLS.with(|c| c.get()),
        calls,
        "the second frame reuses the laid-out text"
    );
    // Links in posts are recorded for OSC 8.
    assert!(
        view.links()
            .iter()
            .any(|l| l.url == "https://hachyderm.io/tags/tokio"),
        "{:?}",
        view.links()
    );
}
