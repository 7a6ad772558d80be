//! The monitor view (`--monitor`): one chrome-less column that follows the newest post, and
//! one footer line per stream that turns loud (red, reversed, over the whole width) when the
//! stream has been down or silent for longer than the configured time.
//!
//! Nothing here animates: the same state and `now` give the same cells, so ratatui's diff
//! writes only what a new post or a changed relative time touches. Post text is laid out once
//! per width (highlights included) and kept in the shared [`LayoutCache`].

use std::ops::Range;

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};

use super::footer::stream_name;
use super::graphics::{self, PictureArea, PictureRun};
use super::html::render_html;
use super::links::{self, LinkArea, LinkRun};
use super::status::{LayoutCache, is_revealed, preview_body, view_body};
use super::theme::Theme;
use super::wrap::{
    clean, left_right, line_width, relative_time, truncate, truncate_spans, width as text_width,
    wrap_spans,
};
use crate::app::state::{Entry, Item, Monitor, State, Tab, TabStream};
use crate::filter::Verdict;
use crate::matching::Highlights;
use crate::model::{MediaType, Status};
use crate::stream::{ConnectionState, StreamSpec, format_delay};

/// Panes at least this tall show more of each post, to be read from a distance.
const TALL: u16 = 40;
/// Text lines of a post on small panes and on tall ones.
const LINES_SMALL: usize = 3;
const LINES_TALL: usize = 6;
/// Panes at least this wide get one column of air on each side.
const PADDED: u16 = 50;

/// Cache variants of a post's text (see [`view_body`]): with or without highlights applied.
const VARIANT_PLAIN: u8 = 1;
const VARIANT_HIGHLIGHTED: u8 = 2;
/// Columns at least this wide show a preview of a post's first picture.
pub const PREVIEW_MIN_WIDTH: usize = 48;

/// Draws the monitor over `area` (the whole frame) and returns where its links are; the
/// pictures it shows go into `wanted`, and where it drew downloaded ones whole into `drawn`.
#[allow(clippy::too_many_arguments)]
pub fn draw_monitor(
    buf: &mut Buffer,
    area: Rect,
    state: &State,
    monitor: &Monitor,
    cache: &mut LayoutCache,
    theme: &Theme,
    wanted: &mut Vec<String>,
    drawn: &mut Vec<PictureArea>,
) -> Vec<LinkArea> {
    let mut links = Vec::new();
    if area.width == 0 || area.height == 0 {
        return links;
    }
    let Some(tab) = state.active_tab() else {
        return links;
    };
    let shown = footer_streams(tab, state, monitor, area.height);
    let footer_h = shown.len() as u16;
    for (row, &i) in shown.iter().enumerate() {
        let r = Rect::new(area.x, area.bottom() - footer_h + row as u16, area.width, 1);
        draw_stream_line(buf, r, &tab.streams[i], state, monitor, theme);
    }
    // Streams without a line (a pane too low for all) are counted at the end of the last.
    let hidden = tab.streams.len().saturating_sub(shown.len());
    if hidden > 0 && footer_h > 0 {
        let mark = format!(" +{hidden} ");
        let w = (mark.chars().count() as u16).min(area.width);
        let r = Rect::new(area.right() - w, area.bottom() - 1, w, 1);
        Paragraph::new(Line::from(Span::styled(mark, theme.pending))).render(r, buf);
    }
    let mut column = Rect::new(area.x, area.y, area.width, area.height - footer_h);
    // A thin rule keeps the last post's text apart from the footer, when there is room.
    if column.height >= 8 && footer_h > 0 {
        let rule = Rect::new(column.x, column.bottom() - 1, column.width, 1);
        Paragraph::new(Line::from(Span::styled(
            "─".repeat(column.width as usize),
            theme.border,
        )))
        .render(rule, buf);
        column.height -= 1;
    }
    let max_lines = if area.height >= TALL {
        LINES_TALL
    } else {
        LINES_SMALL
    };
    let mut out = (&mut links, wanted, drawn);
    draw_column(buf, column, state, tab, max_lines, cache, &mut out, theme);
    links
}

/// Columns of air on each side of a pane this wide.
fn pad(width: u16) -> u16 {
    if width >= PADDED { 1 } else { 0 }
}

/// Which streams get a footer line (indices into `tab.streams`, in the tab's order): all of
/// them, leaving at least one row for posts; when they do not all fit, those in trouble first.
fn footer_streams(tab: &Tab, state: &State, monitor: &Monitor, height: u16) -> Vec<usize> {
    let room = if height > 1 { height as usize - 1 } else { 1 };
    let mut order: Vec<usize> = (0..tab.streams.len()).collect();
    if order.len() > room {
        order.sort_by_key(|&i| {
            let s = &tab.streams[i];
            let stale = s.is_stale(state.now, monitor.stale_after);
            (!stale, rank(&s.state), i)
        });
        order.truncate(room);
        order.sort_unstable();
    }
    order
}

/// Worst first.
fn rank(s: &ConnectionState) -> u8 {
    u8::MAX - crate::app::tab::badness(s)
}

/// A stream as the monitor names it: `#rust`, `#rust (local)`, `list Friends`, `home`.
pub fn short_name(spec: &StreamSpec, monitor: &Monitor) -> String {
    match spec {
        StreamSpec::Hashtag { tag, local: false } => format!("#{}", clean(tag)),
        StreamSpec::Hashtag { tag, local: true } => format!("#{} (local)", clean(tag)),
        StreamSpec::List { list } if monitor.lists.contains_key(list) => {
            format!("list {}", clean(&monitor.lists[list]))
        }
        other => stream_name(other),
    }
}

/// `12 s`, `5 min`, `3 h`, `2 d`: how long ago, rounded down (so it changes rarely).
fn ago(secs: i64) -> String {
    let secs = secs.max(0);
    match secs {
        0..60 => format!("{secs} s"),
        60..3600 => format!("{} min", secs / 60),
        3600..86_400 => format!("{} h", secs / 3600),
        _ => format!("{} d", secs / 86_400),
    }
}

/// One stream's footer line, and whether it is the loud (stale) kind.
pub fn stream_line(
    s: &TabStream,
    state: &State,
    monitor: &Monitor,
    width: usize,
    theme: &Theme,
) -> (Line<'static>, bool) {
    let now = state.now;
    let stale = s.is_stale(now, monitor.stale_after);
    let since = |t: jiff::Timestamp| ago(now.as_second() - t.as_second());
    let name = short_name(&s.spec, monitor);
    let lead = " ".repeat(pad(width.min(u16::MAX as usize) as u16) as usize);
    let (icon, icon_style) = match &s.state {
        ConnectionState::Live { .. } => ("●", theme.live),
        ConnectionState::Polling { .. } => ("↻", theme.pending),
        ConnectionState::Connecting { .. } => ("○", theme.pending),
        ConnectionState::Reconnecting { .. } => ("⟳", theme.pending),
        ConnectionState::Failed { .. } => ("✗", theme.failed),
    };
    let spans = if stale {
        // A silence that began before the outage is said first: it is the longer.
        let down = if s.quiet_since() < s.state_since {
            format!(
                "no post for {}, down for {}",
                since(s.quiet_since()),
                since(s.state_since)
            )
        } else {
            format!("down for {}", since(s.state_since))
        };
        let text = match &s.state {
            ConnectionState::Live { .. } => format!("no post for {}", since(s.quiet_since())),
            ConnectionState::Polling { .. } => format!(
                "no post for {}: {}",
                since(s.quiet_since()),
                clean(&s.state.to_string())
            ),
            ConnectionState::Connecting { .. } => format!("{down}: still connecting"),
            ConnectionState::Reconnecting { after, reason } => format!(
                "{down}: {} (retry in {})",
                clean(reason),
                format_delay(s.retry_in(now).unwrap_or(*after))
            ),
            ConnectionState::Failed { reason, .. } => {
                format!("{down}: failed: {}", clean(reason))
            }
        };
        // One style over the whole line: the row is painted with it.
        vec![Span::raw(format!("{lead}{icon} {name}  {text}"))]
    } else {
        let mut v = vec![
            Span::raw(lead),
            Span::styled(icon, icon_style),
            Span::raw(" "),
            Span::styled(name, theme.name),
            Span::raw("  "),
        ];
        match &s.state {
            ConnectionState::Live { .. } => {
                v.push(Span::styled("live", theme.live));
                let tail = match s.last_event {
                    Some(t) => format!(" · last post {} ago", since(t)),
                    None => " · no post yet".to_string(),
                };
                v.push(Span::styled(tail, theme.dim));
            }
            ConnectionState::Polling { .. } => {
                v.push(Span::styled(clean(&s.state.to_string()), theme.pending));
                let tail = match s.last_event {
                    Some(t) => format!(" · last post {} ago", since(t)),
                    None => " · no post yet".to_string(),
                };
                v.push(Span::styled(tail, theme.dim));
            }
            ConnectionState::Connecting { .. } => {
                v.push(Span::styled("connecting", theme.pending));
            }
            ConnectionState::Reconnecting { after, reason } => {
                v.push(Span::styled(
                    format!(
                        "reconnecting in {}",
                        format_delay(s.retry_in(now).unwrap_or(*after))
                    ),
                    theme.pending,
                ));
                v.push(Span::styled(
                    format!(" because {}", clean(reason)),
                    theme.dim,
                ));
            }
            ConnectionState::Failed { reason, .. } => {
                v.push(Span::styled(
                    format!("failed: {}", clean(reason)),
                    theme.failed,
                ));
            }
        }
        v
    };
    (Line::from(truncate_spans(spans, width)), stale)
}

fn draw_stream_line(
    buf: &mut Buffer,
    row: Rect,
    s: &TabStream,
    state: &State,
    monitor: &Monitor,
    theme: &Theme,
) {
    let (line, stale) = stream_line(s, state, monitor, row.width as usize, theme);
    let mut p = Paragraph::new(line);
    if stale {
        // Reverse video over the whole width: noticeable from across the room.
        p = p.style(theme.stale);
    }
    p.render(row, buf);
}

#[allow(clippy::too_many_arguments)]
fn draw_column(
    buf: &mut Buffer,
    area: Rect,
    state: &State,
    tab: &Tab,
    max_lines: usize,
    cache: &mut LayoutCache,
    (links, wanted, drawn): &mut (&mut Vec<LinkArea>, &mut Vec<String>, &mut Vec<PictureArea>),
    theme: &Theme,
) {
    let pad = pad(area.width);
    if area.height == 0 || area.width <= 2 * pad {
        return;
    }
    let inner = Rect::new(area.x + pad, area.y, area.width - 2 * pad, area.height);
    let width = inner.width as usize;
    let height = inner.height as usize;
    let mut lines: Vec<Line<'static>> = Vec::new();
    let mut any = false;
    for (_, entry) in tab.visible() {
        let Some(post) = post_lines(cache, state, tab, entry, width, max_lines, theme) else {
            continue;
        };
        let gap = usize::from(any);
        // Whole posts only, except the newest: it shows even when it is cut.
        if any && lines.len() + gap + post.lines.len() > height {
            break;
        }
        if any {
            lines.push(Line::default());
        }
        links::place(links, &post.links, inner, 0, lines.len());
        graphics::place(drawn, &post.pictures, inner, 0, lines.len());
        if !super::status::pictures_on(state, theme) {
        } else if width >= PREVIEW_MIN_WIDTH {
            super::picture::wanted(state, entry, false, wanted);
        } else {
            super::picture::wanted_avatar(state, entry, wanted);
        }
        lines.extend(post.lines);
        any = true;
        if lines.len() >= height {
            break;
        }
    }
    if !any {
        let none = Monitor::default();
        draw_waiting(
            buf,
            inner,
            tab,
            state.monitor.as_ref().unwrap_or(&none),
            theme,
        );
        return;
    }
    Paragraph::new(lines).render(inner, buf);
}

/// `Waiting for posts on #rust, #tokio…`, centred.
fn draw_waiting(buf: &mut Buffer, area: Rect, tab: &Tab, monitor: &Monitor, theme: &Theme) {
    let names: Vec<String> = tab
        .streams
        .iter()
        .map(|s| short_name(&s.spec, monitor))
        .collect();
    let text = format!("Waiting for posts on {}…", names.join(", "));
    let width = (area.width as usize).saturating_sub(4).max(1);
    let lines: Vec<Line<'static>> = wrap_spans(&[Span::styled(text, theme.dim)], width)
        .into_iter()
        .map(|l| l.centered())
        .collect();
    let y = area.y + area.height.saturating_sub(lines.len() as u16) / 2;
    let h = (lines.len() as u16).min(area.bottom() - y);
    Paragraph::new(lines).render(Rect::new(area.x, y, area.width, h), buf);
}

/// One post as the monitor shows it, every line at most `width` cells; `links` count lines
/// from its first.
#[derive(Debug, Default)]
pub struct PostLines {
    pub lines: Vec<Line<'static>>,
    pub links: Vec<LinkRun>,
    /// Where its downloaded picture is.
    pub pictures: Vec<PictureRun>,
}

/// The compact lines of one entry, or `None` for what the monitor does not show (a
/// conversation without a status).
pub fn post_lines(
    cache: &mut LayoutCache,
    state: &State,
    tab: &Tab,
    entry: &Entry,
    width: usize,
    max_lines: usize,
    theme: &Theme,
) -> Option<PostLines> {
    let width = width.max(1);
    let mut out = PostLines::default();
    if let Item::Gap { .. } = entry.item {
        out.lines.push(Line::from(Span::styled(
            truncate("┄┄ some posts were missed here ┄┄", width),
            theme.dim,
        )));
        return Some(out);
    }
    let status = entry.item.status()?;
    let revealed = is_revealed(state, status);
    if let Verdict::Warn { title } = &entry.verdict
        && !revealed
    {
        out.lines.push(Line::from(truncate_spans(
            vec![
                Span::styled("Filtered: ", theme.warning),
                Span::styled(clean(title), theme.warning),
            ],
            width,
        )));
        return Some(out);
    }
    if let Item::Status(s) = &entry.item
        && s.reblog.is_some()
    {
        let name = clean(s.account.display_name_or_username());
        out.lines.push(Line::from(Span::styled(
            truncate(&format!("⟳ {name} boosted"), width),
            theme.dim,
        )));
    }
    out.lines.push(header(status, state, width, theme));

    let expanded = revealed || state.settings.expand_spoilers;
    let variant = if state.highlights.is_empty() {
        VARIANT_PLAIN
    } else {
        VARIANT_HIGHLIGHTED
    };
    let body = view_body(cache, status, expanded, width, variant, || {
        build_text(status, expanded, &state.highlights, width, theme)
    });
    let first = out.lines.len();
    let shown = body.lines.len().min(max_lines.max(1));
    out.lines.extend(body.lines[..shown].iter().cloned());
    let mut cut_at = None;
    if body.lines.len() > shown
        && let Some(last) = out.lines.last_mut()
    {
        // Room for ` …`: a line cut to make it already ends in `…`.
        let mut spans = truncate_spans(std::mem::take(&mut last.spans), width.saturating_sub(2));
        if !spans.last().is_some_and(|s| s.content.ends_with('…')) {
            spans.push(Span::styled(" …", theme.dim));
        }
        *last = Line::from(truncate_spans(spans, width));
        // The ellipsis is no part of a link.
        cut_at = Some(line_width(last).saturating_sub(1));
    }
    for run in body.links.iter().filter(|r| r.line < shown) {
        let mut run = run.clone();
        if run.line + 1 == shown
            && let Some(cut) = cut_at
        {
            let end = (run.col as usize + run.width as usize).min(cut);
            if end <= run.col as usize {
                continue;
            }
            run.width = (end - run.col as usize) as u16;
        }
        run.line += first;
        out.links.push(run);
    }

    // A preview of the first picture where the column has room for it and its label.
    if width >= PREVIEW_MIN_WIDTH
        && super::status::pictures_on(state, theme)
        && !folded_cw(status, expanded)
    {
        let shown = super::picture::Shown::new(state, status, &entry.verdict, revealed);
        let blurred = entry.verdict == Verdict::Blur;
        let preview = preview_body(cache, status, &shown, blurred, width, theme);
        let first = out.lines.len();
        out.pictures
            .extend(preview.pictures.iter().map(|r| PictureRun {
                line: r.line + first,
                ..r.clone()
            }));
        out.lines.extend(preview.lines.iter().cloned());
    }
    let media = media_summary(status)
        .map(|m| vec![Span::styled(m, theme.dim)])
        .unwrap_or_default();
    let via = if tab.streams.len() > 1 {
        let mut via = entry.via.clone();
        // By the tab's order, not by arrival: the same post reads the same on every frame.
        via.sort_unstable();
        via.dedup();
        let names: Vec<String> = via
            .iter()
            .filter_map(|&i| tab.streams.get(i))
            .map(|s| {
                short_name(
                    &s.spec,
                    state.monitor.as_ref().unwrap_or(&Monitor::default()),
                )
            })
            .collect();
        if names.is_empty() {
            vec![]
        } else {
            vec![Span::styled(names.join(" "), theme.dim)]
        }
    } else {
        vec![]
    };
    let via_w: usize = via.iter().map(|s| text_width(&s.content)).sum();
    match out.lines.last_mut() {
        // Without media, the tags go right of the last line of text when they fit there.
        Some(last)
            if media.is_empty()
                && !via.is_empty()
                && shown > 0
                && line_width(last) + via_w + 2 <= width =>
        {
            *last = left_right(std::mem::take(&mut last.spans), via, width);
        }
        _ if !media.is_empty() || !via.is_empty() => {
            out.lines.push(meta_line(media, via, width));
        }
        _ => {}
    }
    Some(out)
}

/// Whether the post's content warning is closed (its media are not shown then).
fn folded_cw(s: &Status, expanded: bool) -> bool {
    !s.spoiler_text.trim().is_empty() && !expanded
}

/// `Name @acct                12m`
fn header(s: &Status, state: &State, width: usize, theme: &Theme) -> Line<'static> {
    let mut left = if super::status::pictures_on(state, theme) {
        super::picture::avatar(state, s)
    } else {
        Vec::new()
    };
    left.extend([
        Span::styled(clean(s.account.display_name_or_username()), theme.name),
        Span::raw(" "),
        Span::styled(format!("@{}", clean(&s.account.acct)), theme.dim),
    ]);
    let right = vec![Span::styled(
        relative_time(&s.created_at, state.now),
        theme.dim,
    )];
    left_right(left, right, width)
}

/// `left` and `right` flush right when both fit, else one after the other, cut.
fn meta_line(left: Vec<Span<'static>>, right: Vec<Span<'static>>, width: usize) -> Line<'static> {
    let w = |v: &[Span<'_>]| v.iter().map(|s| text_width(&s.content)).sum::<usize>();
    if w(&left) + w(&right) + 1 < width {
        return left_right(left, right, width);
    }
    let mut spans = left;
    if !spans.is_empty() && !right.is_empty() {
        spans.push(Span::raw(" "));
    }
    spans.extend(right);
    Line::from(truncate_spans(spans, width))
}

/// `[2 images, 1 video]`, `[1 image, sensitive]`, `[poll]`; `None` without attachments.
pub fn media_summary(s: &Status) -> Option<String> {
    let mut counts: Vec<(&'static str, &'static str, usize)> = Vec::new();
    for m in &s.media_attachments {
        let (one, many) = match m.kind {
            MediaType::Image => ("image", "images"),
            MediaType::Video => ("video", "videos"),
            MediaType::Gifv => ("gif", "gifs"),
            MediaType::Audio => ("audio", "audio"),
            _ => ("attachment", "attachments"),
        };
        match counts.iter_mut().find(|(o, _, _)| *o == one) {
            Some(c) => c.2 += 1,
            None => counts.push((one, many, 1)),
        }
    }
    let mut parts: Vec<String> = counts
        .into_iter()
        .map(|(one, many, n)| format!("{n} {}", if n == 1 { one } else { many }))
        .collect();
    if !parts.is_empty() && s.sensitive {
        parts.push("sensitive".into());
    }
    if s.poll.is_some() {
        parts.push("poll".into());
    }
    (!parts.is_empty()).then(|| format!("[{}]", parts.join(", ")))
}

/// A post's text for the monitor: `CW: …` (alone unless `expanded`), then the content without
/// blank lines, highlights applied. Built once per width and kept in the cache.
fn build_text(
    s: &Status,
    expanded: bool,
    highlights: &Highlights,
    width: usize,
    theme: &Theme,
) -> (Vec<Line<'static>>, Vec<LinkRun>) {
    let mut lines = Vec::new();
    let mut runs = Vec::new();
    let spoiler = clean(&s.spoiler_text);
    let spoiler = spoiler.trim();
    if !spoiler.is_empty() {
        lines.extend(wrap_spans(
            &[
                Span::styled("CW: ", theme.warning),
                Span::styled(spoiler.to_string(), theme.warning),
            ],
            width,
        ));
    }
    if spoiler.is_empty() || expanded {
        let (content, content_runs) = render_html(&s.content, width, Some(s), theme);
        // Compact: paragraphs follow each other without blank lines between them.
        let mut kept: Vec<Option<usize>> = Vec::with_capacity(content.len());
        for line in content {
            if line_text(&line).trim().is_empty() {
                kept.push(None);
            } else {
                kept.push(Some(lines.len()));
                lines.push(line);
            }
        }
        for mut run in content_runs {
            if let Some(Some(at)) = kept.get(run.line) {
                run.line = *at;
                runs.push(run);
            }
        }
    }
    apply_highlights(&mut lines, highlights, theme.highlight);
    (lines, runs)
}

fn line_text(line: &Line<'_>) -> String {
    line.spans.iter().map(|s| s.content.as_ref()).collect()
}

/// Restyles the parts of `lines` that `highlights` match. The lines are matched as one text
/// (joined by spaces, as wrapping split them), so a phrase wrapped over two lines still
/// matches. Cells do not move: link runs stay valid.
pub fn apply_highlights(lines: &mut [Line<'static>], highlights: &Highlights, style: Style) {
    if highlights.is_empty() || lines.is_empty() {
        return;
    }
    let texts: Vec<String> = lines.iter().map(|l| line_text(l)).collect();
    let joined = texts.join(" ");
    let ranges = highlights.ranges(&joined);
    if ranges.is_empty() {
        return;
    }
    let mut start = 0;
    for (line, text) in lines.iter_mut().zip(&texts) {
        let end = start + text.len();
        let local: Vec<Range<usize>> = ranges
            .iter()
            .filter_map(|r| {
                let (a, b) = (r.start.max(start), r.end.min(end));
                (a < b).then(|| a - start..b - start)
            })
            .collect();
        if !local.is_empty() {
            highlight_line(line, &local, style);
        }
        start = end + 1;
    }
}

/// Splits the spans of `line` at the edges of `ranges` (byte offsets into the line's text,
/// sorted, disjoint) and patches `style` onto the parts inside them.
fn highlight_line(line: &mut Line<'static>, ranges: &[Range<usize>], style: Style) {
    let mut out = Vec::with_capacity(line.spans.len() + 2 * ranges.len());
    let mut off = 0;
    for span in &line.spans {
        let text = span.content.as_ref();
        let len = text.len();
        let mut cut = 0;
        for r in ranges {
            let a = r.start.clamp(off, off + len) - off;
            let b = r.end.clamp(off, off + len) - off;
            if a >= b || !text.is_char_boundary(a) || !text.is_char_boundary(b) {
                continue;
            }
            if a > cut {
                out.push(Span::styled(text[cut..a].to_string(), span.style));
            }
            out.push(Span::styled(
                text[a..b].to_string(),
                span.style.patch(style),
            ));
            cut = b;
        }
        if cut == 0 {
            out.push(span.clone());
        } else if cut < len {
            out.push(Span::styled(text[cut..].to_string(), span.style));
        }
        off += len;
    }
    line.spans = out;
}

#[cfg(test)]
#[path = "monitor_tests.rs"]
mod tests;
