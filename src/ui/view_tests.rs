//! The view-state behaviour the run loop relies on: tab hit areas, page length, scroll
//! anchoring, the layout cache, and NO_COLOR.

use ratatui::Terminal;
use ratatui::backend::TestBackend;

use super::tests::{
    add_notifications, now, push, render, sample_state, screen_text, status, status_json,
};
use super::{Theme, ViewState, draw};
use crate::app::state::{State, UiSettings};
use crate::filter::Verdict;
use crate::stream::StreamSpec;

#[test]
fn tab_bar_scrolls_to_keep_the_active_tab() {
    let mut state = State::new(
        (1..=12)
            .map(|i| (format!("Tab number {i}"), vec![StreamSpec::User]))
            .collect(),
        UiSettings::default(),
        now(),
    );
    state.active = 10;
    let mut view = ViewState::default();
    let t = render(&state, &mut view, 60, 6);
    insta::assert_snapshot!("tabs_scrolled", t.backend());
    let first = t
        .backend()
        .buffer()
        .content
        .iter()
        .take(60)
        .map(|c| c.symbol())
        .collect::<String>();
    assert!(first.contains("Tab number 11"), "{first}");
    // Every drawn label is clickable, and only there.
    let (col, _) = (0..60)
        .map(|x| (x, view.tab_at(x, 0)))
        .find(|(_, t)| *t == Some(10))
        .unwrap();
    assert_eq!(view.tab_at(col, 1), None);
    assert_eq!(view.tab_at(59, 5), None);
}

#[test]
fn tab_at_maps_label_cells() {
    let state = sample_state();
    let mut view = ViewState::default();
    render(&state, &mut view, 80, 24);
    assert_eq!(view.tab_at(1, 0), Some(0));
    let row: String = (0..80)
        .map(|x| {
            view.tab_at(x, 0)
                .map_or('.', |t| char::from(b'0' + t as u8))
        })
        .collect();
    assert!(row.starts_with("0000"), "{row}");
    assert!(row.contains('1') && row.contains('2'), "{row}");
}

/// A home tab without the notification pane.
fn home_alone() -> State {
    let mut state = State::new(
        vec![("Home".into(), vec![StreamSpec::User])],
        UiSettings::default(),
        now(),
    );
    state.show_notifications = false;
    state
}

/// "Post number i" by Poster, with id 100 + i, for each i in `numbers`, newest last.
fn push_posts(state: &mut State, numbers: std::ops::Range<u64>, created_at: &str) {
    for i in numbers {
        let s = status_json(
            &format!("{}", 100 + i),
            ("Poster", "poster"),
            created_at,
            &format!("<p>Post number {i}</p>"),
        );
        push(state, 0, status(s), Verdict::Show);
    }
}

#[test]
fn new_posts_marker_and_stable_viewport() {
    let mut state = home_alone();
    push_posts(&mut state, 0..10, "2026-11-28T11:00:00Z");
    let mut view = ViewState::default();
    state.tabs[0].move_selection(4);
    let before = render(&state, &mut view, 80, 24);
    let top_before: String = before.backend().buffer().content[80..160]
        .iter()
        .map(|c| c.symbol())
        .collect();
    assert!(top_before.contains("Poster"), "{top_before}");
    push_posts(&mut state, 10..13, "2026-11-28T11:59:00Z");
    assert_eq!(state.tabs[0].new_above, 3);
    let after = render(&state, &mut view, 80, 24);
    insta::assert_snapshot!("new_posts_marker", after.backend());
    let text = screen_text(&after);
    assert!(text.contains("↑ 3 new — g to jump"), "{text}");
    // What the reader was looking at did not move (one row lower, under the marker).
    let body_before: Vec<String> = rows(&before)[1..10].to_vec();
    let body_after: Vec<String> = rows(&after)[2..11].to_vec();
    assert_eq!(body_before, body_after);
    assert!(view.page_len() >= 4, "{}", view.page_len());

    // Jumping back to the top starts the view at the top.
    state.tabs[0].jump_to_top();
    let top = render(&state, &mut view, 80, 24);
    assert!(screen_text(&top).contains("Post number 12"));
}

#[test]
fn selection_stays_visible_when_moving_down() {
    let mut state = home_alone();
    push_posts(&mut state, 0..40, "2026-11-28T11:00:00Z");
    let mut view = ViewState::default();
    for step in 0..39 {
        let t = render(&state, &mut view, 80, 24);
        let sel_text = format!("Post number {}", 39 - step);
        assert!(screen_text(&t).contains(&sel_text), "step {step}");
        state.tabs[0].move_selection(1);
    }
    state.tabs[0].jump_to_bottom();
    let t = render(&state, &mut view, 80, 24);
    assert!(screen_text(&t).contains("Post number 0"));
}

fn rows(t: &Terminal<TestBackend>) -> Vec<String> {
    let buf = t.backend().buffer();
    let w = buf.area.width as usize;
    buf.content
        .chunks(w)
        .map(|r| r.iter().map(|c| c.symbol()).collect())
        .collect()
}

#[test]
fn layout_is_cached_between_frames() {
    let mut state = sample_state();
    add_notifications(&mut state);
    let mut view = ViewState::default();
    let calls = || super::html::HTML2TEXT_CALLS.with(|c| c.get());
    render(&state, &mut view, 80, 40);
    let first = calls();
    assert!(first > 0);
    assert!(view.cache.len() > 0);
    // A new frame with only the clock moved: relative times change, nothing is laid out again.
    state.now = "2026-11-28T12:05:00Z".parse().unwrap();
    let t = render(&state, &mut view, 80, 40);
    assert_eq!(calls(), first);
    assert!(screen_text(&t).contains("17m"));
    // A new width lays out again.
    render(&state, &mut view, 100, 40);
    assert!(calls() > first);
}

#[test]
fn no_color_theme_has_no_colours() {
    use ratatui::style::Color;
    let mut state = sample_state();
    add_notifications(&mut state);
    let mut terminal = Terminal::new(TestBackend::new(200, 50)).unwrap();
    terminal
        .draw(|f| draw(f, &state, &mut ViewState::default(), &Theme::new(true)))
        .unwrap();
    for cell in terminal.backend().buffer().content.iter() {
        assert_eq!((cell.fg, cell.bg), (Color::Reset, Color::Reset), "{cell:?}");
    }
}

#[test]
fn mentions_hashtags_and_links_are_styled() {
    use ratatui::style::{Color, Modifier};
    let mut state = sample_state();
    state.show_notifications = false;
    let t = render(&state, &mut ViewState::default(), 120, 30);
    let buf = t.backend().buffer();
    let w = buf.area.width as usize;
    let find = |needle: &str| {
        let rows: Vec<String> = buf
            .content
            .chunks(w)
            .map(|r| {
                r.iter()
                    .map(|c| {
                        if c.symbol().len() == 1 {
                            c.symbol()
                        } else {
                            "?"
                        }
                    })
                    .collect()
            })
            .collect();
        let (y, x) = rows
            .iter()
            .enumerate()
            .find_map(|(y, r)| r.find(needle).map(|x| (y, x)))
            .unwrap_or_else(|| panic!("{needle} not on screen"));
        &buf.content[y * w + x]
    };
    assert_eq!(find("#rust").fg, Color::Magenta);
    assert_eq!(find("@ferris!").fg, Color::Cyan);
    let link = find("blog.rust-lang.org");
    assert_eq!(link.fg, Color::Blue);
    assert!(link.modifier.contains(Modifier::UNDERLINED));
    assert!(find("Ferris").modifier.contains(Modifier::BOLD));
}

#[test]
fn tiny_terminals_do_not_panic() {
    use crate::app::state::Overlay;
    let mut state = sample_state();
    add_notifications(&mut state);
    state.announcements = vec![
        serde_json::from_value(serde_json::json!({"id": "1", "content": "<p>Hello there</p>"}))
            .unwrap(),
    ];
    state.flash = Some("link copied".into());
    for overlay in [
        Overlay::None,
        Overlay::Help,
        Overlay::Detail {
            tab: 0,
            id: "112".into(),
        },
        Overlay::Detail {
            tab: 9,
            id: "gone".into(),
        },
    ] {
        state.overlay = overlay;
        for (w, h) in [
            (1, 1),
            (2, 2),
            (3, 1),
            (5, 3),
            (12, 4),
            (20, 5),
            (40, 8),
            (119, 10),
            (120, 12),
            (300, 3),
        ] {
            let mut view = ViewState::default();
            render(&state, &mut view, w, h);
            // A page is the entries wholly on screen, each a line or more and a blank one
            // after: never more than half the rows (paging by more would skip unseen posts).
            assert!(
                view.page_len() <= (h as usize).div_ceil(2).max(1),
                "{w}x{h}: a page of {}",
                view.page_len()
            );
        }
    }
}

#[test]
fn the_read_line_sits_below_the_unread_posts_and_only_when_there_are_some() {
    let mut state = home_alone();
    push_posts(&mut state, 0..4, "2026-11-28T11:00:00Z");
    let mut view = ViewState::default();
    let text = |t: &Terminal<TestBackend>| rows(t).join("\n");
    let none = text(&render(&state, &mut view, 80, 24));
    assert!(!none.contains("read up to here"), "{none}");
    state.tabs[0].divider_id = Some("101".into());
    let t = render(&state, &mut view, 80, 24);
    let lines = rows(&t);
    let line = lines
        .iter()
        .position(|l| l.contains("read up to here"))
        .unwrap_or_else(|| panic!("{}", lines.join("\n")));
    let newer = lines
        .iter()
        .position(|l| l.contains("Post number 2"))
        .unwrap();
    let read = lines
        .iter()
        .position(|l| l.contains("Post number 1"))
        .unwrap();
    assert!(newer < line && line < read, "{}", lines.join("\n"));
    state.tabs[0].divider_id = Some("103".into());
    let all_read = text(&render(&state, &mut view, 80, 24));
    assert!(!all_read.contains("read up to here"), "{all_read}");
}

#[test]
fn the_notification_pane_draws_its_read_line_below_what_came_since_the_start() {
    let mut state = sample_state();
    add_notifications(&mut state);
    let mut view = ViewState::default();
    let pane = |t: &Terminal<TestBackend>| -> Vec<String> {
        rows(t)
            .iter()
            .map(|r| r.chars().skip(120).collect::<String>())
            .collect()
    };
    let before = pane(&render(&state, &mut view, 200, 50)).join("\n");
    assert!(!before.contains("read up to here"), "{before}");
    assert!(view.notifications_drawn());
    state.notifications.read_mut(0).divider = Some("n5".into());
    let lines = pane(&render(&state, &mut view, 200, 50));
    let at = |what: &str| {
        lines
            .iter()
            .position(|l| l.contains(what))
            .unwrap_or_else(|| panic!("no {what}:\n{}", lines.join("\n")))
    };
    // n6 (Alice's favourite) came since; n5 and older were read.
    let line = at("read up to here");
    assert!(at("Ferris") < line, "{}", lines.join("\n"));
    assert!(line < at("boosted your post"), "{}", lines.join("\n"));
    state.show_notifications = false;
    render(&state, &mut view, 200, 50);
    assert!(!view.notifications_drawn());
}

/// A post taller than the window scrolls with the moving keys, and its border says where more
/// is; the timeline it covers stays where it was. The help does the same on a small screen.
#[test]
fn overlays_taller_than_the_window_scroll_and_say_so() {
    use crate::app::AppEvent;
    use crate::app::reducer::update;
    use crate::app::state::Overlay;
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    let key = |state: &mut State, code| {
        update(
            state,
            AppEvent::Key(KeyEvent::new(code, KeyModifiers::NONE)),
        );
    };
    let mut state = sample_state();
    let selected = state.tabs[0]
        .selected_entry()
        .map(|e| e.item.id().to_string());
    state.overlay = Overlay::Detail {
        tab: 0,
        id: "106".into(),
    };
    let mut view = ViewState::default();
    let screen = screen_text(&render(&state, &mut view, 80, 8));
    let fit = view.overlay_fit();
    // Taller than two windows, and a window unlike a page of the timeline.
    assert!(fit.scroll_max > 1 + fit.page, "{fit:?} {screen}");
    state.page_len = 1;
    assert!(
        screen.contains("↓ more") && !screen.contains("★"),
        "{screen}"
    );
    (state.overlay_scroll_max, state.overlay_page) = (fit.scroll_max, fit.page);
    key(&mut state, KeyCode::Char('j'));
    assert_eq!(state.overlay_scroll, 1);
    // A page is what the window shows of the post, not a page of the timeline.
    key(&mut state, KeyCode::PageDown);
    assert_eq!(state.overlay_scroll, 1 + fit.page);
    key(&mut state, KeyCode::PageUp);
    assert_eq!(state.overlay_scroll, 1);
    key(&mut state, KeyCode::End);
    let screen = screen_text(&render(&state, &mut view, 80, 8));
    assert!(
        screen.contains("★") && screen.contains("↑ more"),
        "{screen}"
    );
    assert!(screen.contains("https://"), "the post's address: {screen}");
    let still = state.tabs[0]
        .selected_entry()
        .map(|e| e.item.id().to_string());
    assert_eq!(still, selected, "the timeline under it did not move");
    // From the end, one line up.
    key(&mut state, KeyCode::Char('k'));
    assert_eq!(state.overlay_scroll, fit.scroll_max - 1);
    // Opened again, a post starts at its top.
    key(&mut state, KeyCode::Esc);
    key(&mut state, KeyCode::Enter);
    assert_eq!(state.overlay_scroll, 0);

    key(&mut state, KeyCode::Esc);
    key(&mut state, KeyCode::Char('?'));
    assert_eq!(state.overlay, Overlay::Help);
    let screen = screen_text(&render(&state, &mut view, 80, 10));
    assert!(
        screen.contains("↓ more") && !screen.contains("✗ failed"),
        "{screen}"
    );
    state.overlay_scroll_max = view.overlay_fit().scroll_max;
    key(&mut state, KeyCode::End);
    let screen = screen_text(&render(&state, &mut view, 80, 10));
    assert!(
        screen.contains("✗ failed"),
        "the legend at the end: {screen}"
    );
}

/// However the labels fall against the right edge, tabs past it are marked `›`.
#[test]
fn tabs_past_the_edge_are_always_marked() {
    let titles = [
        "Home",
        "Federated",
        "#rust",
        "Local + #tokio",
        "Direct",
        "Notifications",
    ];
    let state = State::new(
        titles
            .iter()
            .map(|t| (t.to_string(), vec![StreamSpec::User]))
            .collect(),
        UiSettings::default(),
        now(),
    );
    for width in 20..=90u16 {
        let mut view = ViewState::default();
        let t = render(&state, &mut view, width, 6);
        let shown: Vec<usize> = (0..width).filter_map(|x| view.tab_at(x, 0)).collect();
        let last_cell = t.backend().buffer()[(width - 1, 0)].symbol().to_string();
        if !shown.contains(&(titles.len() - 1)) {
            assert_eq!(last_cell, "›", "width {width}");
        }
    }
}

/// A replay or the demo says it is a recording, and when it has ended, where a live view
/// says how its streams are.
#[test]
fn a_recording_says_so_and_when_it_has_ended() {
    use crate::app::AppEvent;
    use crate::app::reducer::update;
    let mut state = sample_state();
    state.recording_ended = Some(false);
    let mut view = ViewState::default();
    let screen = screen_text(&render(&state, &mut view, 80, 24));
    assert!(screen.contains("playing a recording, not live"), "{screen}");
    assert!(!screen.contains("home live"), "{screen}");
    update(&mut state, AppEvent::RecordingEnded);
    let screen = screen_text(&render(&state, &mut view, 80, 24));
    assert!(screen.contains("the recording has ended"), "{screen}");
}

/// Notifications come on the home stream only: a view without one starts without the pane.
#[test]
fn the_notification_pane_starts_hidden_where_nothing_can_fill_it() {
    let tags = State::new(
        vec![("#rust".into(), vec!["#rust".parse().unwrap()])],
        UiSettings::default(),
        now(),
    );
    assert!(!tags.show_notifications);
    let screen = screen_text(&render(&tags, &mut ViewState::default(), 80, 24));
    assert!(!screen.contains("Notifications"), "{screen}");
    for home in [StreamSpec::User, StreamSpec::UserNotification] {
        let state = State::new(
            vec![("#rust".into(), vec!["#rust".parse().unwrap(), home])],
            UiSettings::default(),
            now(),
        );
        assert!(state.show_notifications);
    }
}
