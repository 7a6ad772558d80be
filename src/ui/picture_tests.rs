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
