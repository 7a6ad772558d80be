//! Width-aware text helpers. Widths are terminal cells as ratatui's buffer counts them
//! (graphemes, so CJK and emoji take two cells); nothing here slices a string at a byte offset
//! that is not a grapheme boundary.

use jiff::Timestamp;
use ratatui::buffer::CellWidth;
use ratatui::style::Style;
use ratatui::text::{Line, Span};

use crate::sanitize::{sanitize_line, sanitize_text};

/// Safe one-line text from the server.
pub fn clean(s: &str) -> String {
    sanitize_line(s).into_owned()
}

/// Safe multi-line text from the server; lines are trimmed at the end.
pub fn clean_lines(s: &str) -> Vec<String> {
    sanitize_text(s)
        .split('\n')
        .map(|l| l.trim_end().to_string())
        .collect()
}

/// Graphemes of `s` with their widths, skipping what the buffer would not draw.
fn graphemes(s: &str) -> Vec<(&str, usize)> {
    let span = Span::raw(s);
    let mut out = Vec::new();
    for g in span.styled_graphemes(Style::new()) {
        let w = g.symbol.cell_width() as usize;
        if w > 0 {
            // The grapheme borrows from `s`; find it there to return it with `s`'s lifetime.
            let start = g.symbol.as_ptr() as usize - s.as_ptr() as usize;
            out.push((&s[start..start + g.symbol.len()], w));
        }
    }
    out
}

pub fn width(s: &str) -> usize {
    Span::raw(s)
        .styled_graphemes(Style::new())
        .map(|g| g.symbol.cell_width() as usize)
        .sum()
}

pub fn line_width(line: &Line<'_>) -> usize {
    line.spans.iter().map(|s| width(&s.content)).sum()
}

/// `s` cut to `max` cells, ending in `…` when cut.
pub fn truncate(s: &str, max: usize) -> String {
    if width(s) <= max {
        return s.to_string();
    }
    if max == 0 {
        return String::new();
    }
    let mut out = String::new();
    let mut used = 0;
    for (g, w) in graphemes(s) {
        if used + w > max - 1 {
            break;
        }
        out.push_str(g);
        used += w;
    }
    out.push('…');
    out
}

/// `s` cut to `max` cells in its middle: what tells two long names apart is often at their
/// end (`Home · alice@mastodon.social` and `….online`).
pub fn truncate_middle(s: &str, max: usize) -> String {
    if width(s) <= max || max < 3 {
        return truncate(s, max);
    }
    let parts = graphemes(s);
    let tail_room = (max - 1) / 2;
    let mut tail = Vec::new();
    let mut used = 0;
    for &(g, w) in parts.iter().rev() {
        if used + w > tail_room {
            break;
        }
        tail.push(g);
        used += w;
    }
    let mut out = truncate(s, max - used);
    out.extend(tail.into_iter().rev());
    out
}

/// Spans cut to `max` cells; the last one kept ends in `…` when anything was cut.
pub fn truncate_spans(spans: Vec<Span<'static>>, max: usize) -> Vec<Span<'static>> {
    let total: usize = spans.iter().map(|s| width(&s.content)).sum();
    if total <= max {
        return spans;
    }
    let mut out = Vec::new();
    let mut left = max;
    for span in spans {
        let w = width(&span.content);
        if w < left {
            left -= w;
            out.push(span);
        } else {
            let cut = truncate(&span.content, left);
            if !cut.is_empty() {
                out.push(Span::styled(cut, span.style));
            } else if let Some(last) = out.pop() {
                let lw = width(&last.content);
                out.push(Span::styled(
                    truncate(&last.content, lw.saturating_sub(1)),
                    last.style,
                ));
            }
            break;
        }
    }
    out
}

/// `left` and `right` on one line of `width` cells: `right` flush right, `left` cut to fit.
pub fn left_right(
    left: Vec<Span<'static>>,
    right: Vec<Span<'static>>,
    width: usize,
) -> Line<'static> {
    let rw: usize = right.iter().map(|s| self::width(&s.content)).sum();
    if rw + 1 >= width {
        return Line::from(truncate_spans(left, width));
    }
    let mut spans = truncate_spans(left, width - rw - 1);
    let lw: usize = spans.iter().map(|s| self::width(&s.content)).sum();
    spans.push(Span::raw(" ".repeat(width - rw - lw)));
    spans.extend(right);
    Line::from(spans)
}

/// Greedy word wrap of styled text to `width` cells. Words longer than a line are broken
/// between graphemes; `\n` starts a new line.
pub fn wrap_spans(spans: &[Span<'_>], width: usize) -> Vec<Line<'static>> {
    wrap_with(spans.iter().map(|s| (s, ())), width).lines
}

/// [`wrap_spans`] for spans that each carry a tag (a link target): pieces of one span keep its
/// tag, and only pieces with equal style and tag merge. Returns each line with the tags of its
/// spans.
pub fn wrap_tagged<T: Copy + PartialEq>(
    spans: &[(Span<'_>, T)],
    width: usize,
) -> Vec<(Line<'static>, Vec<T>)> {
    let w = wrap_with(spans.iter().map(|(s, t)| (s, *t)), width);
    w.lines.into_iter().zip(w.tags).collect()
}

fn wrap_with<'a, 'b: 'a, T: Copy + PartialEq>(
    spans: impl Iterator<Item = (&'a Span<'b>, T)>,
    width: usize,
) -> Wrapper<T> {
    let mut w = Wrapper::new(width.max(1));
    for (span, tag) in spans {
        for (i, part) in span.content.split('\n').enumerate() {
            if i > 0 {
                w.place_word();
                w.flush_line();
            }
            for (g, gw) in graphemes(part) {
                if g == " " {
                    w.place_word();
                    if w.used > 0 && w.used < w.width {
                        w.push_piece(" ", span.style, tag);
                        w.used += 1;
                    }
                } else {
                    match w.word.last_mut() {
                        Some((t, s, k)) if *s == span.style && *k == tag => t.push_str(g),
                        _ => w.word.push((g.to_string(), span.style, tag)),
                    }
                    w.word_w += gw;
                }
            }
        }
    }
    w.place_word();
    if !w.cur.is_empty() || w.lines.is_empty() {
        w.flush_line();
    }
    w
}

struct Wrapper<T> {
    width: usize,
    lines: Vec<Line<'static>>,
    /// Per line, the tag of each span (no allocation when `T` is `()`).
    tags: Vec<Vec<T>>,
    cur: Vec<Span<'static>>,
    cur_tags: Vec<T>,
    used: usize,
    /// The word being read: one piece per style (and tag) run, and its width.
    word: Vec<(String, Style, T)>,
    word_w: usize,
}

impl<T: Copy + PartialEq> Wrapper<T> {
    fn new(width: usize) -> Self {
        Wrapper {
            width,
            lines: Vec::new(),
            tags: Vec::new(),
            cur: Vec::new(),
            cur_tags: Vec::new(),
            used: 0,
            word: Vec::new(),
            word_w: 0,
        }
    }

    fn push_piece(&mut self, text: &str, style: Style, tag: T) {
        match (self.cur.last_mut(), self.cur_tags.last()) {
            (Some(last), Some(t)) if last.style == style && *t == tag => {
                last.content.to_mut().push_str(text)
            }
            _ => {
                self.cur.push(Span::styled(text.to_string(), style));
                self.cur_tags.push(tag);
            }
        }
    }

    fn flush_line(&mut self) {
        // Trailing spaces are noise at a wrap point. Only the last span can end up empty:
        // every piece pushed is a non-empty grapheme or a space.
        if let Some(last) = self.cur.last_mut() {
            let t = last.content.trim_end().to_string();
            last.content = t.into();
            if last.content.is_empty() {
                self.cur.pop();
                self.cur_tags.pop();
            }
        }
        self.lines.push(Line::from(std::mem::take(&mut self.cur)));
        self.tags.push(std::mem::take(&mut self.cur_tags));
        self.used = 0;
    }

    fn place_word(&mut self) {
        if self.word.is_empty() {
            return;
        }
        if self.used + self.word_w > self.width && self.used > 0 {
            self.flush_line();
        }
        for (text, style, tag) in std::mem::take(&mut self.word) {
            for (g, w) in graphemes(&text) {
                if self.used + w > self.width && self.used > 0 {
                    self.flush_line();
                }
                self.push_piece(g, style, tag);
                self.used += w;
            }
        }
        self.word_w = 0;
    }
}

/// Plain text (possibly several lines) wrapped in one style.
pub fn wrap_text(text: &str, style: Style, width: usize) -> Vec<Line<'static>> {
    text.split('\n')
        .flat_map(|l| wrap_spans(&[Span::styled(l.to_string(), style)], width))
        .collect()
}

/// Lines wider than `width` (which html2text should not produce, but sanitising and odd
/// graphemes can shift widths) are wrapped again so nothing is silently cut. Each line comes
/// with the tags of its spans, and keeps them.
pub fn refit<T: Copy + PartialEq>(
    lines: Vec<(Line<'static>, Vec<T>)>,
    width: usize,
) -> Vec<(Line<'static>, Vec<T>)> {
    let mut out = Vec::with_capacity(lines.len());
    for (line, tags) in lines {
        if line_width(&line) <= width {
            out.push((line, tags));
        } else {
            let tagged: Vec<(Span<'static>, T)> = line.spans.into_iter().zip(tags).collect();
            out.extend(wrap_tagged(&tagged, width));
        }
    }
    out
}

pub fn parse_time(s: &str) -> Option<Timestamp> {
    s.trim().parse().ok()
}

/// `now`, `45s`, `12m`, `3h`, `5d`, or the date for anything older (or in the future).
pub fn relative_time(created_at: &str, now: Timestamp) -> String {
    let Some(t) = parse_time(created_at) else {
        return String::new();
    };
    let secs = now.as_second() - t.as_second();
    match secs {
        // A little clock skew between server and client reads as "now".
        -60..5 => "now".into(),
        5..60 => format!("{secs}s"),
        60..3600 => format!("{}m", secs / 60),
        3600..86_400 => format!("{}h", secs / 3600),
        86_400..604_800 => format!("{}d", secs / 86_400),
        _ => t
            .to_zoned_datetime(jiff::tz::TimeZone::UTC)
            .date()
            .to_string(),
    }
}

/// A full timestamp for the detail view, in UTC so that it reads the same everywhere.
pub fn full_time(s: &str) -> String {
    match parse_time(s) {
        Some(t) => t
            .to_zoned_datetime(jiff::tz::TimeZone::UTC)
            .strftime("%Y-%m-%d %H:%M UTC")
            .to_string(),
        None => clean(s),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(lines: &[Line<'_>]) -> Vec<String> {
        lines
            .iter()
            .map(|l| l.spans.iter().map(|s| s.content.as_ref()).collect())
            .collect()
    }

    #[test]
    fn wraps_words_and_long_words() {
        let l = wrap_text("hello wide world abcdefghij", Style::new(), 8);
        assert_eq!(text(&l), ["hello", "wide", "world", "abcdefgh", "ij"]);
        let l = wrap_text("日本語のテキスト", Style::new(), 5);
        assert_eq!(text(&l), ["日本", "語の", "テキ", "スト"]);
        assert!(l.iter().all(|l| line_width(l) <= 5));
    }

    #[test]
    fn wrapping_keeps_tags_and_does_not_merge_across_them() {
        let spans = [
            (Span::raw("see "), None),
            (Span::raw("one two"), Some(0)),
            (Span::raw("three"), Some(1)),
        ];
        let l = wrap_tagged(&spans, 9);
        let got: Vec<Vec<(&str, Option<u8>)>> = l
            .iter()
            .map(|(line, tags)| {
                line.spans
                    .iter()
                    .map(|s| s.content.as_ref())
                    .zip(tags.iter().copied())
                    .collect()
            })
            .collect();
        assert_eq!(
            got,
            [
                vec![("see ", None), ("one", Some(0))],
                vec![("two", Some(0)), ("three", Some(1))],
            ]
        );
    }

    #[test]
    fn truncates_on_graphemes() {
        assert_eq!(truncate("日本語", 4), "日…");
        assert_eq!(truncate("abc", 3), "abc");
        assert_eq!(truncate("👩‍💻👩‍💻", 3), "👩‍💻…");
    }

    #[test]
    fn middle_truncation_keeps_both_ends() {
        let social = truncate_middle("Home · alice@mastodon.social", 24);
        let online = truncate_middle("Home · alice@mastodon.online", 24);
        assert_eq!(social, "Home · alice…odon.social");
        assert_ne!(social, online, "the ends tell them apart");
        assert_eq!(width(&social), 24);
        assert_eq!(truncate_middle("short", 24), "short");
        assert_eq!(truncate_middle("日本語日本語", 5), "日…語");
    }

    #[test]
    fn relative_times() {
        let now: Timestamp = "2026-11-28T12:00:00Z".parse().unwrap();
        assert_eq!(relative_time("2026-11-28T11:59:58Z", now), "now");
        assert_eq!(relative_time("2026-11-28T11:59:15.000Z", now), "45s");
        assert_eq!(relative_time("2026-11-28T11:48:00Z", now), "12m");
        assert_eq!(relative_time("2026-11-28T09:00:00Z", now), "3h");
        assert_eq!(relative_time("2026-11-23T12:00:00Z", now), "5d");
        assert_eq!(relative_time("2026-11-02T08:00:00Z", now), "2026-11-02");
        assert_eq!(relative_time("garbage", now), "");
    }
}
