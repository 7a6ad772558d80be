//! Placeholders: sizes, colours, hostile hashes, and whole screens with pictures on and off.

use ratatui::style::Color;
use serde_json::json;

use super::*;
use crate::app::state::{Overlay, State, UiSettings};
use crate::config::Images;
use crate::filter::Verdict;
use crate::stream::StreamSpec;
use crate::ui::tests::{now, push, render, status, status_json};
use crate::ui::{Theme, ViewState};

/// The reference implementation's own example: warm browns over a lighter top.
const HASH: &str = "LEHV6nWB2yk8pyo0adR*.7kCMdnj";
/// A cool blue-green scene from the demo recording.
const HASH2: &str = "LH5=*JMaRNo$ogaxayj[MbtTo#ad";

fn attachment(v: serde_json::Value) -> MediaAttachment {
    serde_json::from_value(v).unwrap()
}

#[test]
fn pictures_keep_their_shape_in_the_cells_they_get() {
    // Two square-ish pixels per cell, stacked: 4 rows are 8 pixels high.
    assert_eq!(fit(16.0 / 9.0, 80, 4), (14, 4));
    assert_eq!(fit(1.0, 80, 4), (8, 4));
    // A panorama is cut to the widest allowed, and loses rows instead.
    assert_eq!(fit(4.0, 16, 4), (16, 2));
    // A tall picture is narrow.
    assert_eq!(fit(0.25, 80, 12), (6, 12));
    // Degenerate rooms still give a cell.
    assert_eq!(fit(1.0, 0, 0), (1, 1));
}

#[test]
fn the_aspect_comes_from_meta_and_is_clamped() {
    let with = |meta| attachment(json!({"id": "m", "type": "image", "meta": meta}));
    let a = aspect(&with(json!({"original": {"width": 1200, "height": 600}})));
    assert!((a - 2.0).abs() < 1e-9);
    let a = aspect(&with(json!({"small": {"aspect": 0.75}})));
    assert!((a - 0.75).abs() < 1e-9);
    // Hostile or missing sizes: never zero, never absurd.
    for meta in [
        json!({"original": {"width": 1, "height": 0}}),
        json!({"original": {"aspect": -3}}),
        json!({"original": {"aspect": "wide"}}),
        json!(null),
        json!([1, 2]),
    ] {
        assert_eq!(aspect(&with(meta)), 16.0 / 9.0);
    }
    assert_eq!(aspect(&with(json!({"original": {"aspect": 1e300}}))), 4.0);
    assert_eq!(
        aspect(&with(json!({"original": {"width": 1, "height": 1e9}}))),
        0.25
    );
    assert_eq!(
        aspect(&attachment(json!({"id": "m", "type": "image"}))),
        16.0 / 9.0
    );
}

#[test]
fn a_placeholder_is_half_blocks_with_two_colours_per_cell() {
    let rows = blurhash_rows(HASH, 6, 3).unwrap();
    assert_eq!(rows.len(), 3);
    for row in &rows {
        assert_eq!(row.width(), 6);
        for span in &row.spans {
            assert!(span.content.chars().all(|c| c == '▀'));
            assert!(matches!(span.style.fg, Some(Color::Rgb(..))));
            assert!(matches!(span.style.bg, Some(Color::Rgb(..))));
        }
    }
    // The colours, cell by cell (upper pixel / lower pixel): a blurred picture, not a flat fill.
    let grid: String = rows
        .iter()
        .map(|row| {
            let mut cells = Vec::new();
            for span in &row.spans {
                let hex = |c: Option<Color>| match c {
                    Some(Color::Rgb(r, g, b)) => format!("{r:02x}{g:02x}{b:02x}"),
                    other => format!("{other:?}"),
                };
                for _ in span.content.chars() {
                    cells.push(format!("{}/{}", hex(span.style.fg), hex(span.style.bg)));
                }
            }
            cells.join(" ") + "\n"
        })
        .collect();
    insta::assert_snapshot!("blurhash_colours_6x3", grid);
}

#[test]
fn hostile_hashes_are_refused_not_decoded() {
    let long = "L".repeat(10_000);
    // `|` is 9×9 components; `~` claims 9×10, which is no blurhash.
    let nine_by_nine = format!("|{}", "0".repeat(MAX_HASH - 1));
    let nine_by_ten = format!("~{}", "0".repeat(4 + 2 * 90 - 1));
    assert!(
        blurhash_rows(&nine_by_nine, 4, 2).is_some(),
        "the largest valid hash"
    );
    for hash in [
        "",
        "L",
        "LEHV6",
        "LEHV6nWB2yk8pyo0adR*.7kCMdn",
        "LEHV6nWB2yk8pyo0adR*.7kCMdnjX",
        "LEHV6nWB2yk8pyo0adR*.7kCMd\u{e9}",
        "\u{1b}[31mLEHV6nWB2yk8pyo0adR*.7kC",
        "LEHV6nWB2yk8pyo0adR*.7kCMd j",
        long.as_str(),
        nine_by_ten.as_str(),
    ] {
        assert!(blurhash_rows(hash, 4, 2).is_none(), "{hash:?}");
    }
    assert!(blurhash_rows(HASH, 0, 2).is_none());
}

fn picture_state(images: Images) -> State {
    let mut state = State::new(
        vec![("Home".into(), vec![StreamSpec::User])],
        UiSettings {
            images,
            ..UiSettings::default()
        },
        now(),
    );
    state.show_notifications = false;
    let mut text = status_json(
        "1",
        ("Plain Text", "text"),
        "2026-11-28T11:00:00Z",
        "<p>No pictures here.</p>",
    );
    text["media_attachments"] = json!([]);
    push(&mut state, 0, status(text), Verdict::Show);
    let mut photo = status_json(
        "2",
        ("Photo Fan", "photos@pixel.example"),
        "2026-11-28T11:30:00Z",
        "<p>Sunset over the harbour</p>",
    );
    photo["media_attachments"] = json!([
        {"id": "m1", "type": "image", "blurhash": HASH,
         "meta": {"original": {"width": 1600, "height": 900}},
         "description": "A red sun sinking behind cranes, the water orange and calm, two small boats in the foreground"},
        {"id": "m2", "type": "image", "blurhash": HASH2,
         "meta": {"original": {"width": 800, "height": 800}}, "description": "The same harbour at night"},
        {"id": "m3", "type": "audio", "description": "Gulls"}
    ]);
    push(&mut state, 0, status(photo), Verdict::Show);
    let mut sensitive = status_json(
        "3",
        ("Careful Poster", "careful"),
        "2026-11-28T11:50:00Z",
        "<p>Medical photo, marked sensitive</p>",
    );
    sensitive["sensitive"] = json!(true);
    sensitive["media_attachments"] = json!([
        {"id": "m4", "type": "image", "blurhash": HASH2, "description": "An X-ray of a hand"}
    ]);
    push(&mut state, 0, status(sensitive), Verdict::Show);
    let mut blurred = status_json(
        "4",
        ("Blurry", "blur"),
        "2026-11-28T11:55:00Z",
        "<p>Look at this</p>",
    );
    blurred["media_attachments"] = json!([
        {"id": "m5", "type": "image", "blurhash": HASH, "description": "something upsetting"}
    ]);
    push(&mut state, 0, status(blurred), Verdict::Blur);
    state
}

fn open_detail(state: &mut State, id: &str) {
    state.overlay = Overlay::Detail {
        tab: 0,
        id: id.into(),
    };
}

#[test]
fn the_timeline_previews_the_first_picture_with_a_count_of_the_rest() {
    let state = picture_state(Images::Auto);
    let t = render(&state, &mut ViewState::default(), 80, 30);
    insta::assert_snapshot!("pictures_timeline_80x30", t.backend());
    let screen = t.backend().to_string();
    assert!(screen.contains("+2 more"), "{screen}");
    // Sensitive and blurred media show their placeholder only, with what hides them.
    assert!(screen.contains("[sensitive] [image: An X-ray of a hand]"));
    assert!(screen.contains("[media hidden by a filter]"));
    assert!(!screen.contains("something upsetting"));
    // The picture's cells carry its colours.
    let buf = t.backend().buffer();
    let coloured = buf
        .content()
        .iter()
        .filter(|c| c.symbol() == "▀" && matches!(c.bg, Color::Rgb(..)))
        .count();
    assert_eq!(coloured, 3 * 14 * 4, "three previews of 14×4 cells");
}

#[test]
fn the_detail_view_shows_every_picture_large_with_its_whole_alt_text() {
    let mut state = picture_state(Images::Halfblocks);
    open_detail(&mut state, "2");
    let t = render(&state, &mut ViewState::default(), 80, 50);
    insta::assert_snapshot!("pictures_detail_80x50", t.backend());
    let screen = t.backend().to_string();
    assert!(
        screen.contains("small boats in the foreground]"),
        "the whole alt text"
    );
    assert!(screen.contains("[image: The same harbour at night]"));
    assert!(
        screen.contains("[audio: Gulls]"),
        "media without a placeholder keep their label"
    );

    open_detail(&mut state, "4");
    let t = render(&state, &mut ViewState::default(), 80, 30);
    let screen = t.backend().to_string();
    assert!(screen.contains("[media hidden by a filter]"));
    assert!(!screen.contains("something upsetting"));
    assert!(screen.contains("▀▀▀▀"), "the placeholder only");
}

#[test]
fn images_off_and_no_color_keep_media_as_text() {
    let off = picture_state(Images::Off);
    let t = render(&off, &mut ViewState::default(), 80, 30);
    insta::assert_snapshot!("pictures_off_80x30", t.backend());
    let screen = t.backend().to_string();
    assert!(!screen.contains('▀'));
    assert!(screen.contains("[image: A red sun"));

    let on = picture_state(Images::Auto);
    let mut terminal = ratatui::Terminal::new(ratatui::backend::TestBackend::new(80, 30)).unwrap();
    let mut view = ViewState::default();
    terminal
        .draw(|f| crate::ui::draw(f, &on, &mut view, &Theme::new(true)))
        .unwrap();
    assert_eq!(
        terminal.backend().to_string(),
        screen,
        "under NO_COLOR a half block would show nothing of a picture"
    );
}

#[test]
fn narrow_timelines_fall_back_to_text() {
    let state = picture_state(Images::Auto);
    let t = render(&state, &mut ViewState::default(), 20, 30);
    let screen = t.backend().to_string();
    assert!(!screen.contains('▀'), "{screen}");
}

#[test]
fn a_placeholder_is_decoded_once_per_width_not_per_frame() {
    let state = picture_state(Images::Auto);
    let mut view = ViewState::default();
    let mut terminal = ratatui::Terminal::new(ratatui::backend::TestBackend::new(80, 30)).unwrap();
    let theme = Theme::new(false);
    terminal
        .draw(|f| crate::ui::draw(f, &state, &mut view, &theme))
        .unwrap();
    let held = view.cached_bodies();
    for _ in 0..5 {
        terminal
            .draw(|f| crate::ui::draw(f, &state, &mut view, &theme))
            .unwrap();
    }
    assert_eq!(view.cached_bodies(), held, "the laid-out bodies are reused");
}

/// A 4×4 picture: the upper half red, the lower half blue.
fn red_blue() -> std::sync::Arc<Picture> {
    let mut rgba = Vec::new();
    for y in 0..4 {
        for _ in 0..4 {
            rgba.extend_from_slice(if y < 2 {
                &[255, 0, 0, 255]
            } else {
                &[0, 0, 255, 255]
            });
        }
    }
    std::sync::Arc::new(Picture {
        width: 4,
        height: 4,
        rgba,
    })
}

fn with_urls(mut state: State) -> State {
    for entry in &mut state.tabs[0].entries {
        if let crate::app::state::Item::Status(s) = &mut entry.item {
            for m in &mut s.media_attachments {
                m.preview_url = Some(format!("https://media.example/{}.png", m.id));
            }
        }
    }
    state
}

fn deliver(state: &mut State, url: &str) {
    use crate::app::AppEvent;
    use crate::app::reducer::update;
    update(state, AppEvent::PicturesOnScreen(vec![url.to_string()]));
    let result = Ok(red_blue());
    update(
        state,
        AppEvent::ImageFetched {
            url: url.into(),
            result,
        },
    );
}

#[test]
fn the_view_asks_for_what_it_shows_and_never_for_withheld_media() {
    let mut state = with_urls(picture_state(Images::Auto));
    let mut view = ViewState::default();
    render(&state, &mut view, 80, 30);
    // The first attachment of each post shown, not the sensitive or the blurred one.
    assert_eq!(view.pictures(), ["https://media.example/m1.png"]);
    state.revealed.insert("3".into());
    state.revealed.insert("4".into());
    render(&state, &mut view, 80, 30);
    assert_eq!(
        view.pictures(),
        [
            "https://media.example/m5.png",
            "https://media.example/m4.png",
            "https://media.example/m1.png"
        ]
    );
    // The detail view asks for every attachment with a picture.
    open_detail(&mut state, "2");
    render(&state, &mut view, 80, 30);
    assert_eq!(
        view.pictures(),
        [
            "https://media.example/m1.png",
            "https://media.example/m2.png",
            "https://media.example/m3.png"
        ]
    );
    // Behind a folded content warning (not marked sensitive): not in the timeline.
    let mut cw = with_urls(picture_state(Images::Auto));
    if let crate::app::state::Item::Status(s) = &mut cw.tabs[0].entries[2].item {
        assert_eq!(s.id, "2");
        s.spoiler_text = "harbour".into();
    }
    render(&cw, &mut view, 80, 30);
    assert!(view.pictures().is_empty(), "{:?}", view.pictures());
    // Off: nothing is asked for.
    let mut off = with_urls(picture_state(Images::Off));
    render(&off, &mut view, 80, 30);
    assert!(view.pictures().is_empty());
    open_detail(&mut off, "2");
    render(&off, &mut view, 80, 30);
    assert!(view.pictures().is_empty());
}

#[test]
fn a_fetched_picture_replaces_its_placeholder() {
    let mut state = with_urls(picture_state(Images::Auto));
    deliver(&mut state, "https://media.example/m1.png");
    let t = render(&state, &mut ViewState::default(), 80, 30);
    let cells = t.backend().buffer().content();
    // The picture's own colours: pure red above, pure blue below (upper and lower pixels).
    assert!(
        cells
            .iter()
            .any(|c| c.symbol() == "▀" && c.fg == Color::Rgb(255, 0, 0))
    );
    assert!(
        cells
            .iter()
            .any(|c| c.symbol() == "▀" && c.bg == Color::Rgb(0, 0, 255))
    );
    // A square picture 4 rows high is 8 cells wide.
    let row = (0..30u16)
        .find(|&y| t.backend().buffer()[(2, y)].fg == Color::Rgb(255, 0, 0))
        .expect("a row of the picture");
    let width = (2..80u16)
        .take_while(|&x| t.backend().buffer()[(x, row)].symbol() == "▀")
        .count();
    assert_eq!(width, 8);
    // Withheld media keep their placeholder even when a picture is held for them.
    let mut state = with_urls(picture_state(Images::Auto));
    deliver(&mut state, "https://media.example/m4.png");
    let t = render(&state, &mut ViewState::default(), 80, 30);
    assert!(
        !t.backend()
            .buffer()
            .content()
            .iter()
            .any(|c| c.fg == Color::Rgb(255, 0, 0))
    );
    state.revealed.insert("3".into());
    let t = render(&state, &mut ViewState::default(), 80, 30);
    assert!(
        t.backend()
            .buffer()
            .content()
            .iter()
            .any(|c| c.fg == Color::Rgb(255, 0, 0))
    );
}

/// Bytes a real terminal backend writes for each frame, through ratatui's diff.
fn frames_written(states: &[&State], w: u16, h: u16) -> Vec<Vec<u8>> {
    use ratatui::backend::CrosstermBackend;
    use ratatui::layout::Rect;
    use ratatui::{Terminal, TerminalOptions, Viewport};
    use std::cell::RefCell;
    use std::rc::Rc;
    #[derive(Clone, Default)]
    struct Shared(Rc<RefCell<Vec<u8>>>);
    impl std::io::Write for Shared {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.borrow_mut().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let written = Shared::default();
    let backend = CrosstermBackend::new(written.clone());
    let options = TerminalOptions {
        viewport: Viewport::Fixed(Rect::new(0, 0, w, h)),
    };
    let mut terminal = Terminal::with_options(backend, options).unwrap();
    let mut view = ViewState::default();
    let theme = Theme::new(false);
    let mut out = Vec::new();
    for state in states {
        terminal
            .draw(|f| crate::ui::draw(f, state, &mut view, &theme))
            .unwrap();
        out.push(std::mem::take(&mut *written.0.borrow_mut()));
    }
    out
}

#[test]
fn frames_that_change_no_picture_write_no_picture_cells() {
    let mut with_picture = with_urls(picture_state(Images::Auto));
    deliver(&mut with_picture, "https://media.example/m1.png");
    let mut later = with_picture.clone();
    // Time passes: the relative times change, the pictures do not.
    later.now = "2026-11-28T12:30:00Z".parse().unwrap();
    let frames = frames_written(&[&with_picture, &later], 120, 40);
    let red = b"38;2;255;0;0";
    let has = |frame: &[u8], pattern: &[u8]| frame.windows(pattern.len()).any(|w| w == pattern);
    assert!(has(&frames[0], red), "the first frame draws the picture");
    assert!(!has(&frames[1], red), "the next one leaves it alone");
    assert!(!frames[1].is_empty(), "but it does redraw the times");
}

/// BENCHMARKS.md: bytes written to the terminal when a post with a picture arrives at 120x40
/// (`cargo test --lib bytes_per_new_post_with_a_picture -- --nocapture`).
#[test]
fn bytes_per_new_post_with_a_picture() {
    let mut before = State::new(
        vec![("Home".into(), vec![StreamSpec::User])],
        UiSettings::default(),
        now(),
    );
    before.show_notifications = false;
    for i in 0..6 {
        let s = status_json(
            &format!("{i}"),
            ("Text Poster", "text"),
            "2026-11-28T11:00:00Z",
            "<p>Words only, a line of them.</p>",
        );
        push(&mut before, 0, status(s), Verdict::Show);
    }
    let mut after = before.clone();
    let mut photo = status_json(
        "9",
        ("Photo Fan", "photos"),
        "2026-11-28T11:59:00Z",
        "<p>A picture</p>",
    );
    photo["media_attachments"] = json!([{"id": "m1", "type": "image", "blurhash": HASH,
        "preview_url": "https://media.example/m1.png", "description": "a gradient",
        "meta": {"original": {"width": 1600, "height": 900}}}]);
    push(&mut after, 0, status(photo.clone()), Verdict::Show);
    let mut loaded = after.clone();
    loaded.pictures = Default::default();
    crate::app::pictures::on_screen(&mut loaded, vec!["https://media.example/m1.png".into()]);
    // A photo-like picture: every pixel its own colour, nothing for spans to merge.
    let mut rgba = Vec::new();
    for y in 0..48u32 {
        for x in 0..85u32 {
            rgba.extend_from_slice(&[(x * 3) as u8, (y * 5) as u8, ((x * y) % 256) as u8, 255]);
        }
    }
    let photo = std::sync::Arc::new(Picture {
        width: 85,
        height: 48,
        rgba,
    });
    let url = "https://media.example/m1.png".to_string();
    crate::app::pictures::fetched(&mut loaded, url, Ok(photo));
    let frames = frames_written(&[&before, &after, &loaded], 120, 40);
    eprintln!(
        "120x40, half blocks: new post with its placeholder {} bytes; the picture replacing it {} bytes",
        frames[1].len(),
        frames[2].len()
    );
    // A 14×4 preview is 56 cells; each costs at most two colours, a glyph and a move.
    assert!(frames[2].len() < 56 * 48, "{}", frames[2].len());
    assert!(
        frames[2].len() > 56 * 20,
        "every cell changed: {}",
        frames[2].len()
    );
}

#[test]
fn the_detail_view_shows_a_link_cards_picture() {
    let mut state = picture_state(Images::Auto);
    let mut s = status_json(
        "5",
        ("Link Sharer", "links"),
        "2026-11-28T11:58:00Z",
        "<p>Read this</p>",
    );
    s["card"] = json!({"url": "https://news.example/a", "title": "A harbour story",
        "provider_name": "News", "image": "https://media.example/card.png", "blurhash": HASH2});
    push(&mut state, 0, status(s), Verdict::Show);
    let mut view = ViewState::default();
    // The timeline keeps the card to its line, and asks for nothing.
    let t = render(&state, &mut view, 80, 30);
    assert!(t.backend().to_string().contains("🔗 A harbour story"));
    assert!(
        !view
            .pictures()
            .contains(&"https://media.example/card.png".to_string())
    );
    open_detail(&mut state, "5");
    let t = render(&state, &mut view, 80, 30);
    let screen = t.backend().to_string();
    assert!(screen.contains("▀▀▀▀▀▀▀▀▀▀▀"), "its placeholder:\n{screen}");
    assert_eq!(view.pictures(), ["https://media.example/card.png"]);
    deliver(&mut state, "https://media.example/card.png");
    let t = render(&state, &mut view, 80, 30);
    let cells = t.backend().buffer().content();
    assert!(
        cells
            .iter()
            .any(|c| c.symbol() == "▀" && c.fg == Color::Rgb(255, 0, 0))
    );
}

#[test]
fn a_post_with_many_attachments_draws_and_fetches_a_few_and_lists_the_rest() {
    let mut state = picture_state(Images::Halfblocks);
    let mut many = status_json(
        "9",
        ("Hoarder", "hoard"),
        "2026-11-28T11:59:00Z",
        "<p>Everything I have</p>",
    );
    many["media_attachments"] = (0..40)
        .map(|i| {
            json!({"id": format!("a{i}"), "type": "image", "blurhash": HASH,
                   "preview_url": format!("https://media.example/a{i}.png"),
                   "meta": {"original": {"width": 800, "height": 800}},
                   "description": format!("picture number {i}")})
        })
        .collect();
    push(&mut state, 0, status(many), Verdict::Show);
    open_detail(&mut state, "9");
    let mut view = ViewState::default();
    render(&state, &mut view, 80, 30);
    let asked: Vec<String> = (0..DETAIL_PICTURES)
        .map(|i| format!("https://media.example/a{i}.png"))
        .collect();
    assert_eq!(view.pictures(), asked, "the first few, not all forty");
    // Pictures arriving one by one replace the post's layout instead of adding copies of it.
    let bodies = view.cached_bodies();
    for url in &asked {
        deliver(&mut state, url);
        render(&state, &mut view, 80, 30);
        assert_eq!(view.cached_bodies(), bodies);
    }
    let t = render(&state, &mut view, 80, 900);
    let screen = t.backend().to_string();
    assert!(screen.contains("[image: picture number 39]"), "every label");
    let picture_rows = screen.lines().filter(|l| l.contains('▀')).count();
    assert!(
        (DETAIL_PICTURES..=DETAIL_PICTURES * DETAIL_ROWS as usize).contains(&picture_rows),
        "{picture_rows} rows of pictures"
    );
}
