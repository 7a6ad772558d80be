//! Choosing the protocol, placing pictures, and encoding each once; the bytes a terminal
//! receives are checked end to end in tests/graphics.rs.

use std::collections::HashMap;
use std::sync::Arc;

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui_image::picker::ProtocolType;
use ratatui_image::picker::cap_parser::Parser;

use super::*;

fn env(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
    let vars: HashMap<String, String> = vars
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    move |name| vars.get(name).cloned()
}

#[test]
fn the_environment_names_the_protocol_when_the_terminal_does_not_answer() {
    let cases: &[(&[(&str, &str)], Images)] = &[
        (&[("TERM", "xterm-kitty")], Images::Kitty),
        (
            &[("TERM", "xterm-256color"), ("KITTY_WINDOW_ID", "3")],
            Images::Kitty,
        ),
        (&[("TERM", "xterm-ghostty")], Images::Kitty),
        (&[("TERM_PROGRAM", "ghostty")], Images::Kitty),
        (&[("TERM_PROGRAM", "iTerm.app")], Images::Iterm2),
        (&[("LC_TERMINAL", "iTerm2")], Images::Iterm2),
        (&[("TERM_PROGRAM", "WezTerm")], Images::Iterm2),
        (
            &[("WEZTERM_EXECUTABLE", "/usr/bin/wezterm")],
            Images::Iterm2,
        ),
        (&[("TERM", "foot")], Images::Sixel),
        (&[("TERM", "foot-extra")], Images::Sixel),
        (&[("TERM", "mlterm")], Images::Sixel),
        (&[("WT_SESSION", "a-guid")], Images::Sixel),
        (&[("TERM", "xterm-256color")], Images::Halfblocks),
        (&[("TERM", "linux")], Images::Halfblocks),
        (&[], Images::Halfblocks),
    ];
    for (vars, want) in cases {
        assert_eq!(guess_from_env(&env(vars)), *want, "{vars:?}");
    }
}

#[test]
fn multiplexers_are_told_by_their_variables() {
    assert_eq!(
        multiplexer(&env(&[("TMUX", "/tmp/tmux-0/default,1,0")])),
        Some(Multiplexer::Tmux)
    );
    assert_eq!(
        multiplexer(&env(&[("STY", "1234.pts-0")])),
        Some(Multiplexer::Screen)
    );
    assert_eq!(multiplexer(&env(&[("TERM", "tmux-256color")])), None);
    assert!(passthrough_enabled("on\n"));
    assert!(passthrough_enabled("all"));
    assert!(!passthrough_enabled("off\n"));
    assert!(!passthrough_enabled(""));
}

#[test]
fn off_and_half_blocks_ask_the_terminal_nothing_and_forced_protocols_have_a_picker() {
    assert!(resolve(Images::Off).1.is_none());
    assert!(resolve(Images::Halfblocks).1.is_none());
    for (images, protocol) in [
        (Images::Kitty, ProtocolType::Kitty),
        (Images::Sixel, ProtocolType::Sixel),
        (Images::Iterm2, ProtocolType::Iterm2),
    ] {
        let g = Graphics::forced(images, (8, 16));
        assert_eq!(g.protocol(), Some(protocol));
    }
}

#[test]
fn the_terminal_s_answer_is_read_up_to_its_status_report() {
    let mut answer = Answer::default();
    let mut parser = Parser::new();
    // Kitty's graphics reply, device attributes with sixel (4), the cell size, the status.
    let reply = b"\x1b_Gi=31;OK\x1b\\\x1b[?62;4;22c\x1b[6;20;9t";
    assert!(!read_answer(reply, &mut parser, &mut answer));
    assert!(read_answer(b"\x1b[0n", &mut parser, &mut answer));
    assert_eq!(
        answer.protocol,
        Some(Images::Kitty),
        "kitty wins over sixel"
    );
    assert_eq!(answer.cell, Some((9, 20)));

    let mut answer = Answer::default();
    let mut parser = Parser::new();
    assert!(read_answer(b"\x1b[?62;4c\x1b[0n", &mut parser, &mut answer));
    assert_eq!(answer.protocol, Some(Images::Sixel));

    // A terminal that knows neither: only the status report.
    let mut answer = Answer::default();
    let mut parser = Parser::new();
    assert!(read_answer(b"\x1b[?1;2c\x1b[0n", &mut parser, &mut answer));
    assert_eq!(answer, Answer::default());
}

fn run(line: usize, col: u16, cols: u16, rows: u16) -> PictureRun {
    PictureRun {
        line,
        col,
        cols,
        rows,
        url: format!("https://m/{line}.png"),
    }
}

#[test]
fn only_whole_pictures_are_placed() {
    let area = Rect::new(2, 3, 40, 10);
    let mut out = Vec::new();
    place(
        &mut out,
        &[
            run(0, 0, 8, 4),
            run(5, 1, 8, 4),
            // Its last row is past the bottom.
            run(7, 0, 8, 4),
            // Past the right edge.
            run(0, 35, 8, 2),
        ],
        area,
        2,
        1,
    );
    assert_eq!(
        out,
        vec![
            PictureArea {
                rect: Rect::new(4, 4, 8, 4),
                url: "https://m/0.png".into()
            },
            PictureArea {
                rect: Rect::new(5, 9, 8, 4),
                url: "https://m/5.png".into()
            },
        ]
    );
}

fn picture() -> Arc<Picture> {
    coloured([255, 0, 0, 255])
}

/// Its upper half `top`, its lower half blue.
fn coloured(top: [u8; 4]) -> Arc<Picture> {
    let (w, h) = (32u32, 16u32);
    let rgba = (0..w * h)
        .flat_map(|i| if i < w * h / 2 { top } else { [0, 0, 255, 255] })
        .collect();
    Arc::new(Picture {
        width: w,
        height: h,
        rgba,
    })
}

/// What drawing `areas` with `graphics` changes in a frame, as (x, y, symbol) of the cells the
/// diff would send.
fn frame_diff(
    terminal: &mut Terminal<TestBackend>,
    graphics: &mut Graphics,
    areas: &[PictureArea],
    held: &HashMap<String, Arc<Picture>>,
) -> Vec<(u16, u16, String)> {
    let before: Buffer = terminal.backend().buffer().clone();
    terminal
        .draw(|f| graphics.draw(f.buffer_mut(), areas, |u| held.get(u)))
        .unwrap();
    let after = terminal.backend().buffer();
    before
        .diff(after)
        .into_iter()
        .map(|(x, y, c)| (x, y, c.symbol().to_string()))
        .collect()
}

#[test]
fn a_picture_is_encoded_once_and_an_unchanged_frame_sends_none_of_it() {
    let url = "https://m/p.png".to_string();
    let held = HashMap::from([(url.clone(), picture())]);
    let areas = vec![PictureArea {
        rect: Rect::new(2, 1, 12, 4),
        url: url.clone(),
    }];
    for protocol in [Images::Kitty, Images::Sixel, Images::Iterm2] {
        let mut terminal = Terminal::new(TestBackend::new(40, 10)).unwrap();
        let mut graphics = Graphics::forced(protocol, (8, 16));
        let first = frame_diff(&mut terminal, &mut graphics, &areas, &held);
        let escape = |d: &[(u16, u16, String)]| d.iter().any(|(.., s)| s.contains('\x1b'));
        assert!(escape(&first), "{protocol:?}: the picture is drawn");
        assert_eq!(graphics.encoded(), 1);
        let again = frame_diff(&mut terminal, &mut graphics, &areas, &held);
        assert!(
            !escape(&again),
            "{protocol:?}: a frame without a changed picture sends no image bytes: {again:?}"
        );
        // Scrolled away: the encoding is dropped, and the cells become text again.
        let gone = frame_diff(&mut terminal, &mut graphics, &[], &held);
        assert_eq!(graphics.encoded(), 0, "{protocol:?}");
        assert!(!escape(&gone));
    }
}

#[test]
fn a_new_size_or_a_new_picture_is_encoded_again() {
    let url = "https://m/p.png".to_string();
    let mut held = HashMap::from([(url.clone(), picture())]);
    let mut terminal = Terminal::new(TestBackend::new(40, 10)).unwrap();
    let mut graphics = Graphics::forced(Images::Sixel, (8, 16));
    let at = |w: u16, h: u16| {
        vec![PictureArea {
            rect: Rect::new(0, 0, w, h),
            url: url.clone(),
        }]
    };
    let escape = |d: &[(u16, u16, String)]| d.iter().any(|(.., s)| s.contains("\x1bP"));
    assert!(escape(&frame_diff(
        &mut terminal,
        &mut graphics,
        &at(12, 4),
        &held
    )));
    // A resize: another cell size, encoded from the same pixels.
    assert!(escape(&frame_diff(
        &mut terminal,
        &mut graphics,
        &at(8, 3),
        &held
    )));
    assert_eq!(graphics.encoded(), 1, "the old size is dropped");
    // Other pixels at the same URL.
    held.insert(url.clone(), coloured([0, 255, 0, 255]));
    assert!(escape(&frame_diff(
        &mut terminal,
        &mut graphics,
        &at(8, 3),
        &held
    )));
}

#[test]
fn without_a_pixel_protocol_nothing_is_drawn() {
    let url = "https://m/p.png".to_string();
    let held = HashMap::from([(url.clone(), picture())]);
    let mut terminal = Terminal::new(TestBackend::new(20, 6)).unwrap();
    let mut graphics = Graphics::default();
    let areas = vec![PictureArea {
        rect: Rect::new(0, 0, 8, 3),
        url,
    }];
    assert!(frame_diff(&mut terminal, &mut graphics, &areas, &held).is_empty());
    assert_eq!(graphics.encoded(), 0);
}
