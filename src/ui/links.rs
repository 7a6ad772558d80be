//! OSC 8 hyperlinks. Escape sequences never go into the buffer's cells (ratatui measures
//! their symbols and would mis-diff); instead drawing records where the links of the frame
//! ended up ([`LinkArea`]), and after ratatui has flushed the frame [`hyperlink_overlay`]
//! writes those same cells again, with their own style, inside `ESC ] 8 ; ; URL ESC \` …
//! `ESC ] 8 ; ; ESC \`. Nothing visible changes; terminals that know OSC 8 make the text
//! clickable, the others ignore the sequence.

use ratatui::backend::IntoCrossterm;
use ratatui::buffer::{Buffer, CellDiffOption, CellWidth};
use ratatui::crossterm::cursor::MoveTo;
use ratatui::crossterm::queue;
use ratatui::crossterm::style::{Attribute, SetAttribute, SetStyle};
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::Line;

use super::wrap::width;
use crate::sanitize::sanitize_line;

/// Longer link targets are not linked (their text still shows).
pub const MAX_URL: usize = 2000;

const OSC8_CLOSE: &[u8] = b"\x1b]8;;\x1b\\";

/// Cells of one laid-out line that belong to a link: `line` counts from the first line of
/// what was laid out, `col` from its left edge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkRun {
    pub line: usize,
    pub col: u16,
    pub width: u16,
    pub url: String,
}

/// Where a link was drawn in the last frame: `width` cells from (`x`, `y`) on one row (a link
/// wrapped over two lines is two areas), clipped to what is visible.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkArea {
    pub x: u16,
    pub y: u16,
    pub width: u16,
    pub url: String,
}

/// The link target as it may go into an OSC 8 sequence, or `None`: only `http` and `https`
/// URLs with a host, nothing a terminal could read as the end of the sequence (no controls,
/// no spaces, no ESC, nothing [`sanitize_line`] would change), at most [`MAX_URL`] bytes.
/// What comes back is the URL's ASCII serialisation (non-ASCII percent-encoded, IDN hosts
/// in punycode).
pub fn safe_url(raw: &str) -> Option<String> {
    if raw.len() > MAX_URL
        || raw.is_empty()
        || raw
            .chars()
            .any(|c| c.is_control() || c.is_whitespace() || c == '\u{1b}')
        || sanitize_line(raw) != raw
    {
        return None;
    }
    let has_prefix = |p: &str| {
        raw.get(..p.len())
            .is_some_and(|s| s.eq_ignore_ascii_case(p))
    };
    if !has_prefix("http://") && !has_prefix("https://") {
        return None;
    }
    let url = url::Url::parse(raw).ok()?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none_or(str::is_empty) {
        return None;
    }
    let s = String::from(url);
    (s.len() <= MAX_URL && s.bytes().all(|b| (0x21..0x7f).contains(&b))).then_some(s)
}

/// Appends the link runs of `line` (line number `index`), whose spans carry `tags`: an index
/// into `urls` for the spans of a link. Neighbouring spans of one link make one run.
pub fn line_runs(
    index: usize,
    line: &Line<'_>,
    tags: &[Option<usize>],
    urls: &[String],
    out: &mut Vec<LinkRun>,
) {
    let mut col = 0usize;
    let mut open: Option<(usize, usize, usize)> = None; // (url index, start, width)
    let mut flush = |open: &mut Option<(usize, usize, usize)>| {
        if let Some((k, start, w)) = open.take()
            && w > 0
            && let (Ok(col), Ok(width)) = (u16::try_from(start), u16::try_from(w))
        {
            out.push(LinkRun {
                line: index,
                col,
                width,
                url: urls[k].clone(),
            });
        }
    };
    for (span, tag) in line.spans.iter().zip(tags) {
        let w = width(&span.content);
        match (*tag, open.as_mut()) {
            (Some(k), Some((open_k, _, open_w))) if *open_k == k => *open_w += w,
            (Some(k), _) => {
                flush(&mut open);
                open = Some((k, col, w));
            }
            (None, _) => flush(&mut open),
        }
        col += w;
    }
    flush(&mut open);
}

/// Runs covering the text of each of `lines` (numbered from `first`), leading spaces left
/// out: a URL shown on lines of its own. Nothing when `raw` is not a [`safe_url`].
pub fn whole_line_runs(lines: &[Line<'_>], first: usize, raw: &str) -> Vec<LinkRun> {
    let Some(url) = safe_url(raw) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let text: String = line.spans.iter().map(|s| s.content.as_ref()).collect();
        let lead = text.len() - text.trim_start_matches(' ').len();
        let w = width(text[lead..].trim_end_matches(' '));
        if w > 0
            && let (Ok(col), Ok(width)) = (u16::try_from(lead), u16::try_from(w))
        {
            out.push(LinkRun {
                line: first + i,
                col,
                width,
                url: url.clone(),
            });
        }
    }
    out
}

/// Records where `runs` land when the lines they count from are drawn top-down in `area`,
/// line 0 at row `first_row` of it and column 0 at `dx` cells from its left: lines below
/// the area are skipped, runs cut at its right edge.
pub fn place(out: &mut Vec<LinkArea>, runs: &[LinkRun], area: Rect, dx: u16, first_row: usize) {
    place_scrolled(out, runs, area, dx, first_row, 0);
}

/// As [`place`], with the first `scroll` lines scrolled off the top.
pub fn place_scrolled(
    out: &mut Vec<LinkArea>,
    runs: &[LinkRun],
    area: Rect,
    dx: u16,
    first_row: usize,
    scroll: usize,
) {
    for run in runs {
        let Some(row) = (first_row + run.line).checked_sub(scroll) else {
            continue;
        };
        if row >= area.height as usize {
            continue;
        }
        let x = area.x as usize + dx as usize + run.col as usize;
        let end = (x + run.width as usize).min(area.right() as usize);
        if x >= end {
            continue;
        }
        out.push(LinkArea {
            x: x as u16,
            y: area.y + row as u16,
            width: (end - x) as u16,
            url: run.url.clone(),
        });
    }
}

/// The bytes that turn the drawn text of `links` into OSC 8 hyperlinks: for each area the
/// cursor moves there, and the cells of `buffer` (the frame just drawn) are written again,
/// in their own style, inside the hyperlink. Empty when there are no links. The cursor is
/// left after the last link and the style reset.
pub fn hyperlink_overlay(buffer: &Buffer, links: &[LinkArea]) -> Vec<u8> {
    let mut out = Vec::new();
    let area = buffer.area;
    for link in links {
        if link.y < area.y
            || link.y >= area.bottom()
            || link.x < area.x
            || link.x >= area.right()
            || !link.url.bytes().all(|b| (0x21..0x7f).contains(&b))
        {
            continue;
        }
        let end = (link.x as usize + link.width as usize).min(area.right() as usize);
        let mut style = None;
        let mut opened = false;
        let mut x = link.x as usize;
        while x < end {
            let cell = &buffer[(x as u16, link.y)];
            if matches!(cell.diff_option, CellDiffOption::Skip) {
                break;
            }
            if !opened {
                let _ = queue!(out, MoveTo(link.x, link.y));
            }
            let s = (cell.fg, cell.bg, cell.modifier);
            if style != Some(s) {
                let content = Style::new()
                    .fg(cell.fg)
                    .bg(cell.bg)
                    .add_modifier(cell.modifier)
                    .into_crossterm();
                let _ = queue!(out, SetAttribute(Attribute::Reset), SetStyle(content));
                style = Some(s);
            }
            if !opened {
                out.extend_from_slice(b"\x1b]8;;");
                out.extend_from_slice(link.url.as_bytes());
                out.extend_from_slice(b"\x1b\\");
                opened = true;
            }
            let symbol = cell.symbol();
            if symbol.chars().any(char::is_control) {
                out.push(b' ');
            } else {
                out.extend_from_slice(symbol.as_bytes());
            }
            x += cell.cell_width().max(1) as usize;
        }
        if opened {
            out.extend_from_slice(OSC8_CLOSE);
        }
    }
    if !out.is_empty() {
        let _ = queue!(out, SetAttribute(Attribute::Reset));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_web_urls_are_links() {
        assert_eq!(
            safe_url("https://example.social/@ferris").as_deref(),
            Some("https://example.social/@ferris")
        );
        assert_eq!(
            safe_url("HTTP://Example.org/a?b=c;d#e").as_deref(),
            Some("http://example.org/a?b=c;d#e")
        );
        assert_eq!(
            safe_url("https://example.org/日本").as_deref(),
            Some("https://example.org/%E6%97%A5%E6%9C%AC")
        );
        for bad in [
            "javascript:alert(1)",
            "JavaScript://example.org/%0aalert(1)",
            "data:text/html,hi",
            "file:///etc/passwd",
            "/tags/rust",
            "https://",
            "https://example.org/\x1b]8;;https://evil\x1b\\",
            "https://example.org/\x07",
            "https://example.org/a b",
            "https://example.org/\u{202e}gpj.exe",
            "https://example.org/\u{9d}x",
            " https://example.org/",
        ] {
            assert_eq!(safe_url(bad), None, "{bad:?}");
        }
        let long = format!("https://example.org/{}", "a".repeat(MAX_URL));
        assert_eq!(safe_url(&long), None);
    }

    #[test]
    fn runs_are_placed_and_clipped() {
        let runs = vec![
            LinkRun {
                line: 0,
                col: 4,
                width: 10,
                url: "https://a.example/".into(),
            },
            LinkRun {
                line: 3,
                col: 0,
                width: 2,
                url: "https://b.example/".into(),
            },
        ];
        let mut out = Vec::new();
        place(&mut out, &runs, Rect::new(1, 5, 10, 3), 2, 0);
        // The first is cut at the right edge (x 1 + 2 + 4 = 7, area ends at 11); the second is
        // below the area.
        assert_eq!(
            out,
            [LinkArea {
                x: 7,
                y: 5,
                width: 4,
                url: "https://a.example/".into()
            }]
        );
    }

    #[test]
    fn overlay_rewrites_the_cells_inside_the_link() {
        use ratatui::style::Color;
        let mut buf = Buffer::empty(Rect::new(0, 0, 20, 2));
        buf.set_string(3, 1, "see 日本 here", Style::new().blue().underlined());
        let links = [LinkArea {
            x: 7,
            y: 1,
            width: 4,
            url: "https://example.org/x".into(),
        }];
        let bytes = hyperlink_overlay(&buf, &links);
        let s = String::from_utf8(bytes).unwrap();
        assert!(s.starts_with("\x1b[2;8H"), "{s:?}");
        assert!(
            s.contains("\x1b]8;;https://example.org/x\x1b\\日本\x1b]8;;\x1b\\"),
            "{s:?}"
        );
        // The cells keep their style: blue, underlined.
        assert!(
            s.contains("\x1b[34m") || s.contains("\x1b[38;5;4m"),
            "{s:?}"
        );
        assert!(s.contains("\x1b[4m"), "{s:?}");
        assert!(s.ends_with("\x1b[0m"));
        assert_eq!(buf[(7, 1)].fg, Color::Blue);
        assert!(hyperlink_overlay(&buf, &[]).is_empty());
    }

    use crate::app::state::{Overlay, State};
    use crate::filter::Verdict;
    use crate::ui::ViewState;
    use crate::ui::tests::{push, render, sample_state, status, status_json};
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;
    use ratatui::style::Color;

    /// The text of the cells of `a` as drawn.
    fn text_at(t: &Terminal<TestBackend>, a: &LinkArea) -> String {
        let buf = t.backend().buffer();
        let mut s = String::new();
        let mut x = a.x;
        while x < a.x + a.width {
            let cell = &buf[(x, a.y)];
            s.push_str(cell.symbol());
            x += cell.cell_width().max(1);
        }
        s
    }

    fn area_of<'a>(view: &'a ViewState, url: &str) -> Option<&'a LinkArea> {
        view.links().iter().find(|a| a.url == url)
    }

    fn one_post(content: &str) -> State {
        let mut state = sample_state();
        state.show_notifications = false;
        for tab in &mut state.tabs {
            tab.clear();
        }
        let s = status_json(
            "900",
            ("Poster", "poster@example.social"),
            "2026-11-28T11:00:00Z",
            content,
        );
        push(&mut state, 0, status(s), Verdict::Show);
        state
    }

    #[test]
    fn links_of_the_timeline_are_recorded_where_drawn() {
        let mut state = sample_state();
        state.show_notifications = false;
        let mut view = ViewState::default();
        let t = render(&state, &mut view, 80, 24);
        let expect = [
            ("https://fosstodon.org/tags/rust", "#rust"),
            ("https://hachyderm.io/@ferris", "@ferris"),
        ];
        for (url, text) in expect {
            let a = area_of(&view, url).unwrap_or_else(|| panic!("{url}: {:?}", view.links()));
            assert_eq!(text_at(&t, a), text);
        }
        let blog = area_of(
            &view,
            "https://blog.rust-lang.org/2026/11/28/Rust-1.95.0.html",
        )
        .unwrap();
        assert!(text_at(&t, blog).starts_with("blog.rust-lang.org"));
        // Every area is on screen, inside the timeline, and covers link-styled text.
        let buf = t.backend().buffer();
        for a in view.links() {
            assert!(
                a.x >= 2 && a.x + a.width <= 80 && a.y >= 1 && a.y < 23,
                "{a:?}"
            );
            let fg = buf[(a.x, a.y)].fg;
            assert!(
                [Color::Magenta, Color::Cyan, Color::Blue].contains(&fg),
                "{a:?} {fg:?}"
            );
            assert!(!text_at(&t, a).trim().is_empty());
        }

        // The overlay writes exactly that text inside the hyperlink.
        let bytes = hyperlink_overlay(buf, view.links());
        let s = String::from_utf8(bytes).unwrap();
        assert!(
            s.contains("\x1b]8;;https://fosstodon.org/tags/rust\x1b\\#rust\x1b]8;;\x1b\\"),
            "{s:?}"
        );
        assert!(
            s.contains("\x1b]8;;https://hachyderm.io/@ferris\x1b\\@ferris\x1b]8;;\x1b\\"),
            "{s:?}"
        );
        assert_eq!(
            s.matches("\x1b]8;;\x1b\\").count(),
            view.links().len(),
            "every link is closed"
        );
    }

    #[test]
    fn a_link_wrapped_over_two_lines_is_two_areas() {
        let url =
            "https://example.org/a/very/long/path/that/does/not/fit/on/one/line/at/all/really";
        let state = one_post(&format!(r#"<p>see <a href="{url}">{url}</a></p>"#));
        let mut view = ViewState::default();
        let t = render(&state, &mut view, 50, 24);
        let areas: Vec<&LinkArea> = view.links().iter().filter(|a| a.url == url).collect();
        assert!(areas.len() >= 2, "{:?}", view.links());
        let text: String = areas.iter().map(|a| text_at(&t, a)).collect();
        assert_eq!(text, url);
        assert!(areas.windows(2).all(|w| w[1].y == w[0].y + 1));
    }

    #[test]
    fn hostile_targets_are_not_links() {
        let state = one_post(concat!(
            r#"<p><a href="https://evil.example/&#27;]52;c;eA==&#7;">one</a> "#,
            r#"<a href="https://evil.example/&#7;x">two</a> "#,
            r#"<a href="javascript:alert(1)">three</a> "#,
            r#"<a href="https://evil.example/a&#x9d;b">four</a> "#,
            r#"<a href="https://ok.example/">fine</a></p>"#
        ));
        let mut view = ViewState::default();
        let t = render(&state, &mut view, 80, 24);
        let screen = t.backend().to_string();
        assert!(screen.contains("one two three four fine"), "{screen}");
        assert_eq!(
            view.links()
                .iter()
                .map(|a| (a.url.as_str(), text_at(&t, a)))
                .collect::<Vec<_>>(),
            [("https://ok.example/", "fine".to_string())]
        );
    }

    #[test]
    fn links_below_the_bottom_are_not_recorded() {
        let mut content = String::from(r#"<p><a href="https://top.example/">top</a></p>"#);
        for i in 0..30 {
            content.push_str(&format!("<p>paragraph {i}</p>"));
        }
        content.push_str(r#"<p><a href="https://bottom.example/">bottom</a></p>"#);
        let state = one_post(&content);
        let mut view = ViewState::default();
        let t = render(&state, &mut view, 80, 24);
        assert!(!t.backend().to_string().contains("bottom"));
        assert!(area_of(&view, "https://top.example/").is_some());
        assert!(area_of(&view, "https://bottom.example/").is_none());
        // Taller, it shows and is recorded.
        let t = render(&state, &mut view, 80, 90);
        let a = area_of(&view, "https://bottom.example/").unwrap();
        assert_eq!(text_at(&t, a), "bottom");
    }

    #[test]
    fn detail_view_links_the_status_url_and_help_hides_links() {
        let mut state = one_post(r#"<p>hi <a href="https://ok.example/">fine</a></p>"#);
        state.overlay = Overlay::Detail {
            tab: 0,
            id: "900".into(),
        };
        let mut view = ViewState::default();
        let t = render(&state, &mut view, 80, 24);
        let url = "https://example.social/@poster@example.social/900";
        let a = area_of(&view, url).unwrap_or_else(|| panic!("{:?}", view.links()));
        assert_eq!(text_at(&t, a), url);
        assert_eq!(
            text_at(&t, area_of(&view, "https://ok.example/").unwrap()),
            "fine"
        );

        state.overlay = Overlay::Help;
        render(&state, &mut view, 80, 24);
        assert!(view.links().is_empty());
        let t = render(&state, &mut view, 80, 24);
        assert!(hyperlink_overlay(t.backend().buffer(), view.links()).is_empty());
    }
}
