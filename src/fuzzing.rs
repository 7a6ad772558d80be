//! The properties the fuzz targets check, shared with `cargo test`.
//!
//! Each `check_*` function takes arbitrary bytes, runs them through one of the parsers or
//! renderers that face remote input, and panics when an invariant breaks. The cargo-fuzz
//! targets in `fuzz/` call these functions; `tests/fuzz_corpus.rs` runs every file of the
//! minimised corpus and of `fuzz/regressions/` through the same functions, so a crash found
//! once stays fixed. Not part of the API.

use jiff::Timestamp;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::style::Style;
use serde_json::json;

use crate::app::state::{Item, Overlay, State, UiSettings};
use crate::filter::Verdict;
use crate::model::{Notification, Status};
use crate::sanitize::{MAX_COMBINING, sanitize_line, sanitize_text, truncate_chars};
use crate::stream::decode::{WsFrame, decode_event, parse_ws_frame};
use crate::stream::sse::{SseFrame, SseParser};
use crate::stream::{RawEvent, StreamSpec};
use crate::ui::{Theme, ViewState, draw, hyperlink_overlay};

/// A property check: panics when `data` breaks it.
pub type Check = fn(&[u8]);

/// The fuzz targets by name, for the corpus test: `fuzz/corpus/<name>/` holds their inputs.
pub const TARGETS: &[(&str, Check)] = &[
    ("sse", check_sse),
    ("ws_frame", check_ws_frame),
    ("decode", check_decode),
    ("html", check_html),
    ("layout", check_layout),
    ("sanitize", check_sanitize),
    ("picture", check_picture),
];

/// What must never reach a terminal: controls (C0 but `\n` where lines are kept, DEL, C1),
/// bidi overrides and isolates, and the invisible format characters `sanitize` removes.
pub fn is_forbidden(c: char, newline_allowed: bool) -> bool {
    (c.is_control() && !(newline_allowed && c == '\n'))
        || matches!(c,
            '\u{ad}' | '\u{61c}' | '\u{180e}' | '\u{200b}' | '\u{200e}' | '\u{200f}'
            | '\u{2028}' | '\u{2029}' | '\u{202a}'..='\u{202e}' | '\u{2060}'..='\u{206f}'
            | '\u{feff}' | '\u{fff9}'..='\u{fffb}')
}

fn assert_clean(what: &str, s: &str, newline_allowed: bool) {
    if let Some(c) = s.chars().find(|&c| is_forbidden(c, newline_allowed)) {
        panic!("{what}: {c:?} in {s:?}");
    }
}

/// A small deterministic generator: chunk sizes and widths come from the input itself (and
/// the fast pass's tests mutate statuses with it).
pub(crate) struct XorShift(pub(crate) u64);

impl XorShift {
    pub(crate) fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// One of `items`, drawn at random.
    #[cfg(test)]
    pub(crate) fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[(self.next() % items.len() as u64) as usize]
    }

    /// Fewer than `count` of `pieces`, each drawn at random, one after the other.
    #[cfg(test)]
    pub(crate) fn pieces(&mut self, pieces: &[&str], count: u64) -> String {
        let len = self.next() % count;
        (0..len).map(|_| *self.pick(pieces)).collect()
    }
}

fn parse_sse(chunks: &mut dyn Iterator<Item = &[u8]>, max: usize) -> Vec<SseFrame> {
    let mut parser = SseParser::new(max);
    let mut out = Vec::new();
    for chunk in chunks {
        parser.push(chunk, &mut |f| out.push(f));
    }
    // How many bytes were dropped depends on where the chunks split: only that it happened is
    // part of the contract.
    for f in &mut out {
        if let SseFrame::Oversized { bytes, .. } = f {
            assert!(*bytes > 0, "an oversized event of 0 bytes");
            *bytes = 0;
        }
    }
    out
}

/// SSE: `[seed, cap, stream...]`. The same bytes in one chunk, in random chunks (empty ones
/// included) and byte by byte give the same events; no event is larger than the cap.
pub fn check_sse(data: &[u8]) {
    let [seed, cap, stream @ ..] = data else {
        return;
    };
    let max = 8 + *cap as usize * 4;
    let whole = parse_sse(&mut std::iter::once(stream), max);
    for f in &whole {
        match f {
            SseFrame::Event { name, data } => {
                assert!(data.len() <= max, "data of {} bytes past {max}", data.len());
                assert!(name.len() <= max, "name of {} bytes past {max}", name.len());
            }
            SseFrame::Oversized { .. } => {}
        }
    }
    let mut rng = XorShift(u64::from(*seed).wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
    let mut rest = stream;
    let mut chunks = Vec::new();
    while !rest.is_empty() {
        let n = (rng.next() % 17) as usize;
        let (a, b) = rest.split_at(n.min(rest.len()));
        chunks.push(a);
        rest = b;
    }
    assert_eq!(
        parse_sse(&mut chunks.into_iter(), max),
        whole,
        "random chunks"
    );
    if stream.len() <= 4096 {
        assert_eq!(parse_sse(&mut stream.chunks(1), max), whole, "byte by byte");
    }
}

/// A WebSocket text frame: parsed, its event decoded and printed, without a panic; what is
/// printed is clean.
pub fn check_ws_frame(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    // The one-pass scanner reads what serde reads, or leaves the frame to it.
    if let Some(scanned) = crate::stream::scan::scan_ws_frame(&text) {
        let serde = crate::stream::decode::parse_ws_frame_with_serde(&text);
        assert!(
            serde.as_ref().is_ok_and(|f| *f == scanned),
            "the scanner read {scanned:?}, serde {serde:?}"
        );
    }
    match parse_ws_frame(&text) {
        Ok(WsFrame::Event { name, payload }) => {
            assert!(!name.is_empty(), "an event without a name");
            decode_and_print(&name, payload.as_deref());
        }
        Ok(WsFrame::Error { .. }) | Err(_) => {}
    }
}

/// A picture's bytes as a media host sends them: decoded with limits (or refused) without a
/// panic, within what is kept, and what is decoded is drawn by every protocol without one.
pub fn check_picture(data: &[u8]) {
    use crate::media::decode::{KEEP_H, KEEP_W, PIXELS_KEEP_H, PIXELS_KEEP_W, decode_to};
    use crate::ui::graphics::{Graphics, PictureArea};

    for keep in [(KEEP_W, KEEP_H), (PIXELS_KEEP_W, PIXELS_KEEP_H)] {
        let Ok(p) = decode_to(data, keep) else {
            return;
        };
        assert!(p.width > 0 && p.height > 0, "{p:?}");
        assert!(
            p.width <= keep.0 && p.height <= keep.1,
            "{p:?} over {keep:?}"
        );
        assert_eq!(p.rgba.len(), p.width as usize * p.height as usize * 4);
        if keep.0 != KEEP_W {
            continue;
        }
        let p = std::sync::Arc::new(p);
        let areas = [PictureArea {
            rect: ratatui::layout::Rect::new(1, 1, 6, 3),
            url: "https://m/p".into(),
        }];
        for protocol in [
            crate::config::Images::Kitty,
            crate::config::Images::Sixel,
            crate::config::Images::Iterm2,
        ] {
            let mut graphics = Graphics::forced(protocol, (8, 16));
            let mut terminal = Terminal::new(TestBackend::new(10, 5)).expect("a test backend");
            terminal
                .draw(|f| graphics.draw(f.buffer_mut(), &areas, |_| Some(&p)))
                .expect("a test backend draws");
        }
    }
}

/// Event name and payload, as either transport hands them over: `name \n payload`, no
/// newline meaning no payload.
pub fn check_decode(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let (name, payload) = match text.split_once('\n') {
        Some((n, p)) => (n, Some(p)),
        None => (&*text, None),
    };
    decode_and_print(name, payload);
}

fn decode_and_print(name: &str, payload: Option<&str>) {
    if let Some(text) = crate::stream::decode::normalise_payload(payload) {
        let _ = check_light_agrees(text);
    }
    let Ok(event) = decode_event(name, payload) else {
        return;
    };
    let line = crate::cmd::tail::text_line("hashtag:x", &event);
    assert_clean("tail text line", &line, false);
    let raw = RawEvent {
        name: name.to_string(),
        payload: payload.map(str::to_string),
        decoded: crate::stream::light::Decoding::Full,
    };
    let mut json = Vec::new();
    crate::cmd::tail::write_json_line(&mut json, "hashtag:x", &event, &raw)
        .expect("a Vec takes it");
    // One line of JSON; no control byte a terminal would act on (JSON cannot carry raw C0
    // controls in strings, and line breaks between tokens are flattened).
    assert_eq!(json.last(), Some(&b'\n'));
    let body = &json[..json.len() - 1];
    assert!(
        !body.iter().any(|&b| b < 0x20 && b != b'\t'),
        "a control byte in {:?}",
        String::from_utf8_lossy(&json)
    );
    match serde_json::from_slice::<serde_json::Value>(body) {
        Ok(value) => assert_eq!(value["event"], name),
        // The payload is written as the server sent it. serde_json decodes entities leniently
        // (a lone surrogate escape in a field it skips, nesting past its depth limit): then the
        // line is exactly as valid as the payload was.
        Err(e) => assert!(
            payload.is_some_and(|p| serde_json::from_str::<serde_json::Value>(p).is_err()),
            "not JSON ({e}): {:?}",
            String::from_utf8_lossy(&json)
        ),
    }
}

/// `tail`'s light status decode accepts a payload exactly when the full model does, and
/// keeps what the full decode has in the fields `tail` reads; its fast pass answers only
/// as the twins do, with the texts or without them (`Decoding::Ids`), and for the same
/// documents. Whether the fast pass answered.
pub fn check_light_agrees(text: &str) -> bool {
    use crate::stream::light::{ids_view, tail_view, twin_status};
    let full = serde_json::from_str::<Status>(text);
    let twin = twin_status(text);
    match (&full, &twin) {
        (Ok(full), Ok(twin)) => assert_eq!(**twin, tail_view(full), "{text:?}"),
        (Err(_), Err(_)) => {}
        _ => panic!("the full decode says {full:?}, the twins {twin:?}: {text:?}"),
    }
    // The fast pass may leave a document to the twins, never read it otherwise.
    let fast = crate::stream::fast::tail_status(text, true);
    if let Some(fast) = &fast {
        assert!(
            twin.as_ref().is_ok_and(|twin| twin == fast),
            "the fast pass read {fast:?}, the twins {twin:?}: {text:?}"
        );
    }
    let without_texts = crate::stream::fast::tail_status(text, false);
    assert_eq!(
        without_texts.is_some(),
        fast.is_some(),
        "the fast pass decides alike with and without the texts: {text:?}"
    );
    if let (Some(ids), Ok(twin)) = (&without_texts, &twin) {
        assert_eq!(**ids, ids_view(twin), "{text:?}");
    }
    fast.is_some()
}

/// Post HTML at the width the first byte gives: every line fits, nothing unsafe in a span,
/// every link run inside the lines; the one-line form is clean and cut to its length.
pub fn check_html(data: &[u8]) {
    let [w, html @ ..] = data else {
        return;
    };
    let width = 1 + *w as usize % 120;
    let html = String::from_utf8_lossy(html);
    let theme = Theme::new(false);
    let (lines, runs) = crate::ui::html::render_html(&html, width, None, &theme);
    for line in &lines {
        for span in &line.spans {
            assert_clean("a rendered span", &span.content, false);
        }
        let lw = crate::ui::wrap::line_width(line);
        // A grapheme wider than the width cannot be split: it stands alone on its line (and
        // the buffer leaves it out).
        let graphemes: usize = line
            .spans
            .iter()
            .map(|s| s.styled_graphemes(Style::new()).count())
            .sum();
        assert!(
            lw <= width || graphemes == 1,
            "a line of {lw} cells at width {width}: {line:?}"
        );
    }
    for run in &runs {
        assert!(run.line < lines.len(), "a link on a line that is not there");
    }
    let one = crate::text::html_to_line(&html, width);
    assert_clean("html_to_line", &one, false);
    assert!(
        one.chars().count() <= width + 1,
        "{one:?} longer than {width}"
    );
    let plain = crate::text::plain_line(&html, width);
    assert_clean("plain_line", &plain, false);
    for line in crate::ui::wrap::wrap_text(&sanitize_text(&html), Style::new(), width) {
        let lw = crate::ui::wrap::line_width(&line);
        let graphemes: usize = line
            .spans
            .iter()
            .map(|s| s.styled_graphemes(Style::new()).count())
            .sum();
        assert!(lw <= width || graphemes == 1, "{line:?} at {width}");
    }
}

fn now() -> Timestamp {
    Timestamp::from_second(1_795_867_200).expect("a valid time")
}

/// A status whose remote fields come from the input (split at NUL): display name, acct,
/// content, spoiler, media description, card title, poll option, drawn on whole screens at
/// several sizes (timeline, notification pane, detail view). Every cell is clean, and the
/// hyperlink overlay writes nothing but its own OSC 8 sequences.
pub fn check_layout(data: &[u8]) {
    let [w, h, fields @ ..] = data else {
        return;
    };
    let text = String::from_utf8_lossy(fields);
    let mut parts = text.split('\0');
    let mut next = || parts.next().unwrap_or("").to_string();
    let (name, acct, content, spoiler, alt, card, option) =
        (next(), next(), next(), next(), next(), next(), next());
    let status = json!({
        "id": "1", "created_at": "2026-11-28T11:59:00Z", "content": content,
        "spoiler_text": spoiler, "visibility": "public",
        "url": "https://example.social/@a/1",
        "account": {"id": "a", "username": "a", "acct": acct, "display_name": name},
        "media_attachments": [{"id": "m", "type": "image", "description": alt}],
        "card": {"url": "https://example.social/c", "title": card, "provider_name": option},
        "poll": {"id": "p", "expired": false, "multiple": false, "votes_count": 1,
                 "options": [{"title": option, "votes_count": 1}]},
        "tags": [{"name": option, "url": "https://example.social/tags/x"}],
    });
    let Ok(status) = serde_json::from_value::<Status>(status) else {
        return;
    };
    let mut state = State::new(
        vec![(name.clone(), vec![StreamSpec::User])],
        UiSettings::default(),
        now(),
    );
    state.tabs[0].push_newest(
        Item::Status(Box::new(status.clone())),
        Verdict::Show,
        0,
        100,
    );
    let notification = json!({"id": "n", "type": "mention", "created_at": "2026-11-28T11:59:00Z",
        "account": {"id": "b", "username": "b", "acct": acct, "display_name": name}});
    if let Ok(mut n) = serde_json::from_value::<Notification>(notification) {
        n.status = Some(Box::new(status));
        state.add_notification(0, Box::new(n));
    }
    state.revealed.insert("1".into());
    let width = 1 + u16::from(*w) % 160;
    let height = 1 + u16::from(*h) % 40;
    let sizes = [(width, height), (80, 24), (30, 12)];
    for overlay in [
        Overlay::None,
        Overlay::Detail {
            tab: 0,
            id: "1".into(),
        },
    ] {
        state.overlay = overlay;
        for (w, h) in sizes {
            check_screen(&state, w, h);
        }
    }
}

fn check_screen(state: &State, w: u16, h: u16) {
    assert_screen_clean(state, w, h);
}

/// Draws `state` on a `w`×`h` test terminal; panics when a cell holds anything but clean
/// text, or the hyperlink overlay writes an escape of its own making that it should not.
/// Returns the screen's text, row by row.
pub fn assert_screen_clean(state: &State, w: u16, h: u16) -> String {
    assert_screen_clean_in(&mut ViewState::default(), state, w, h)
}

/// [`assert_screen_clean`] with a view state that lives on between frames, as in the app:
/// its layout cache saves laying out the same posts again.
pub fn assert_screen_clean_in(view: &mut ViewState, state: &State, w: u16, h: u16) -> String {
    let theme = Theme::new(false);
    let mut terminal = Terminal::new(TestBackend::new(w, h)).expect("a test terminal");
    terminal
        .draw(|f| draw(f, state, view, &theme))
        .expect("drawing into a buffer");
    let buffer = terminal.backend().buffer();
    for cell in buffer.content.iter() {
        assert_clean("a cell", cell.symbol(), false);
    }
    let overlay = hyperlink_overlay(buffer, view.links());
    check_overlay(&overlay);
    let mut text = String::new();
    for row in buffer.content.chunks(usize::from(w.max(1))) {
        for cell in row {
            text.push_str(cell.symbol());
        }
        text.push('\n');
    }
    text
}

/// The overlay's escape sequences are its own: cursor moves, SGR, and OSC 8 with a URL of
/// printable ASCII; between them only clean cell text.
fn check_overlay(bytes: &[u8]) {
    let text = String::from_utf8_lossy(bytes);
    let mut rest = &*text;
    while let Some(i) = rest.find('\x1b') {
        assert_clean("hyperlink text", &rest[..i], false);
        rest = &rest[i + 1..];
        if let Some(r) = rest.strip_prefix('[') {
            // CSI: parameters, then one final letter.
            let end = r
                .find(|c: char| !(c.is_ascii_digit() || c == ';'))
                .expect("a CSI ends");
            assert!(
                matches!(&r[end..end + 1], "H" | "m"),
                "CSI {:?}",
                &r[..=end]
            );
            rest = &r[end + 1..];
        } else if let Some(r) = rest.strip_prefix("]8;;") {
            let end = r.find("\x1b\\").expect("an OSC 8 ends with ST");
            let url = &r[..end];
            assert!(
                url.bytes().all(|b| (0x21..0x7f).contains(&b)),
                "a hyperlink target {url:?}"
            );
            rest = &r[end + 2..];
        } else {
            panic!("an escape the overlay does not write: {rest:?}");
        }
    }
    assert_clean("hyperlink text", rest, false);
}

/// The sanitiser: nothing forbidden survives, combining marks stay capped, sanitising twice
/// changes nothing, the output is never longer than the input (in characters) nor wider than
/// two cells per character, and truncation stays on character boundaries.
pub fn check_sanitize(data: &[u8]) {
    let input = String::from_utf8_lossy(data);
    for multiline in [false, true] {
        let out = if multiline {
            sanitize_text(&input)
        } else {
            sanitize_line(&input)
        };
        assert_clean("sanitised", &out, multiline);
        let mut run = 0;
        for c in out.chars() {
            if is_capped_mark(c) {
                run += 1;
                assert!(run <= MAX_COMBINING, "{run} marks in {out:?}");
            } else if !matches!(c, '\u{200c}' | '\u{200d}' | '\u{fe00}'..='\u{fe0f}' | '\u{e0020}'..='\u{e007f}')
            {
                run = 0;
            }
        }
        let again = if multiline {
            sanitize_text(&out)
        } else {
            sanitize_line(&out)
        };
        assert_eq!(again, out, "not idempotent");
        let chars = out.chars().count();
        assert!(chars <= input.chars().count(), "longer than the input");
        let cells = crate::ui::wrap::width(&out);
        assert!(cells <= 2 * chars, "{cells} cells for {chars} chars");
    }
    let cut = truncate_chars(&input, data.len() / 2);
    assert!(cut.chars().count() <= data.len() / 2);
    assert!(input.starts_with(cut));
}

/// The marks `sanitize` caps (same ranges as its own table: a mark it does not know passes as
/// a base character).
fn is_capped_mark(c: char) -> bool {
    let mut probe = String::from("a");
    for _ in 0..=MAX_COMBINING {
        probe.push(c);
    }
    // A mark it caps comes out with exactly MAX_COMBINING copies.
    sanitize_line(&probe).chars().count() == 1 + MAX_COMBINING && c != 'a'
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checks_accept_ordinary_input() {
        check_sse(b"\x01\x40event: update\ndata: {}\n\n");
        check_decode(b"delete\n123");
        check_ws_frame(br#"{"event":"delete","payload":"1"}"#);
        check_html(b"\x28<p>hello <a href=\"https://x.example/\">x</a></p>");
        check_layout(b"\x50\x18Alice\0alice\0<p>hi</p>\0\0alt\0card\0opt");
        check_sanitize("a\u{1b}[31mb\u{202e}c".as_bytes());
    }

    #[test]
    fn the_forbidden_set_catches_what_it_must() {
        for c in [
            '\u{1b}', '\u{7}', '\u{9b}', '\u{85}', '\u{202e}', '\u{2066}', '\u{7f}',
        ] {
            assert!(is_forbidden(c, true), "{c:?}");
        }
        assert!(!is_forbidden('\n', true));
        assert!(is_forbidden('\n', false));
        assert!(is_capped_mark('\u{301}'));
        assert!(!is_capped_mark('x'));
    }

    #[test]
    #[should_panic(expected = "an escape the overlay does not write")]
    fn the_overlay_check_fails_on_a_foreign_escape() {
        check_overlay(b"\x1b]52;c;eA==\x07");
    }
}
