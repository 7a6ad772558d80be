//! Pictures drawn as text: Mastodon's blurhash placeholders as coloured Unicode half blocks.
//!
//! Every attachment comes with a `blurhash`, a few dozen characters describing a blurred
//! version of the picture. It is decoded here, locally (nothing is downloaded), at exactly the
//! size of the cells it fills: each cell is `▀` with the upper pixel as its foreground colour
//! and the lower one as its background, which every colour terminal and tmux can show.
//!
//! Once a picture is downloaded (`media/`, through the reducer: never from here) it replaces
//! its placeholder, drawn the same way from its own pixels.
//!
//! The lines built here are ordinary styled text, so they go through the layout cache with
//! the rest of a post's body: built once per post, width and loaded picture, never per frame;
//! a frame that changes no picture writes no picture cells.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::Arc;

use ratatui::style::{Color, Style};
use ratatui::text::{Line, Span};

use super::graphics::PictureRun;
use super::status::media_text;
use super::theme::Theme;
use super::wrap::{truncate, width as text_width, wrap_spans};
use crate::app::state::{Entry, State};
use crate::filter::Verdict;
use crate::media::{Picture, picture_url};
use crate::model::{MediaAttachment, Status};

/// The pictures the state holds for one post's attachments, as the view may show them: none
/// while the post's media are sensitive or under a `blur` filter and not revealed (`c`).
#[derive(Clone, Copy)]
pub struct Shown<'a> {
    state: &'a State,
    withheld: bool,
}

impl<'a> Shown<'a> {
    pub fn new(state: &'a State, s: &Status, verdict: &Verdict, revealed: bool) -> Shown<'a> {
        Shown {
            state,
            withheld: withheld(s, verdict, revealed),
        }
    }

    pub fn get(&self, m: &MediaAttachment) -> Option<&'a Arc<Picture>> {
        picture_url(m).and_then(|url| self.get_url(url))
    }

    fn get_url(&self, url: &str) -> Option<&'a Arc<Picture>> {
        if self.withheld {
            return None;
        }
        self.state.pictures.get(url)
    }

    /// Changes whenever a picture of `s` arrives, goes, or is revealed: part of the layout
    /// cache's key.
    pub fn key(&self, s: &Status) -> u64 {
        let mut h = DefaultHasher::new();
        self.withheld.hash(&mut h);
        for m in s.media_attachments.iter().take(DETAIL_PICTURES) {
            self.get(m).map(Arc::as_ptr).hash(&mut h);
        }
        card_url(s)
            .and_then(|u| self.get_url(u))
            .map(Arc::as_ptr)
            .hash(&mut h);
        h.finish() | 1
    }
}

fn withheld(s: &Status, verdict: &Verdict, revealed: bool) -> bool {
    (s.sensitive || *verdict == Verdict::Blur) && !revealed
}

/// Cells of an author's avatar, before the name (`[ui] avatars`).
pub const AVATAR_COLS: u16 = 2;

/// The author's avatar, small (its still version first).
pub fn avatar_url(s: &Status) -> Option<&str> {
    [&s.account.avatar_static, &s.account.avatar]
        .into_iter()
        .map(String::as_str)
        .find(|u| !u.is_empty())
}

/// The spans of the author's avatar before the name: its picture in half blocks once held,
/// blank cells of the same width before; nothing unless `[ui] avatars` is on.
pub fn avatar(state: &State, s: &Status) -> Vec<Span<'static>> {
    if !state.settings.avatars {
        return Vec::new();
    }
    let held = avatar_url(s).and_then(|u| state.pictures.get(u));
    let mut spans = held
        .and_then(|p| picture_rows(p, AVATAR_COLS, 1))
        .and_then(|lines| lines.into_iter().next())
        .map(|line| line.spans)
        .unwrap_or_else(|| vec![Span::raw(" ".repeat(usize::from(AVATAR_COLS)))]);
    spans.push(Span::raw(" "));
    spans
}

/// The author's avatar, when `[ui] avatars` is on.
pub fn wanted_avatar(state: &State, entry: &Entry, out: &mut Vec<String>) {
    if let Some(s) = entry.item.status()
        && state.settings.avatars
        && entry.verdict != Verdict::Hide
    {
        out.extend(avatar_url(s).map(str::to_string));
    }
}

/// The pictures an entry shows, in order (the author's avatar when `[ui] avatars` is on, then
/// the media; the timeline's preview is the first attachment): what the view reports so that
/// they are fetched. Withheld media are not asked for.
pub fn wanted(state: &State, entry: &Entry, detail: bool, out: &mut Vec<String>) {
    wanted_avatar(state, entry, out);
    let Some(s) = entry.item.status() else {
        return;
    };
    let revealed = super::status::is_revealed(state, s);
    if withheld(s, &entry.verdict, revealed) || entry.verdict == Verdict::Hide {
        return;
    }
    if matches!(entry.verdict, Verdict::Warn { .. }) && !revealed {
        return;
    }
    // Behind a folded content warning the timeline shows no media (the full post does).
    let folded = !s.spoiler_text.trim().is_empty() && !revealed && !state.settings.expand_spoilers;
    if folded && !detail {
        return;
    }
    let take = if detail { DETAIL_PICTURES } else { 1 };
    out.extend(
        s.media_attachments
            .iter()
            .take(take)
            .filter_map(picture_url)
            .map(str::to_string),
    );
    if detail {
        out.extend(card_url(s).map(str::to_string));
    }
}

/// The preview image of the post's link card.
fn card_url(s: &Status) -> Option<&str> {
    s.card.as_ref()?.image.as_deref().filter(|u| !u.is_empty())
}

/// Rows of a link card's picture in the detail view.
const CARD_ROWS: u16 = 6;

/// The detail view's picture of the post's link card (its preview image once held, else its
/// blurhash), above the card's title; `None` without either or without room. A held picture's
/// cells go into `runs` (line 0 is the first returned).
pub fn card_picture(
    s: &Status,
    shown: &Shown,
    width: usize,
    runs: &mut Vec<PictureRun>,
) -> Option<Vec<Line<'static>>> {
    let max_cols = u16::try_from(width).unwrap_or(u16::MAX);
    if max_cols < 8 {
        return None;
    }
    let card = s.card.as_ref()?;
    if let Some((url, p)) = card_url(s).and_then(|u| Some((u, shown.get_url(u)?))) {
        let (cols, rows) = fit(picture_aspect(p), max_cols, CARD_ROWS);
        let lines = picture_rows(p, cols, rows)?;
        runs.push(run(0, url, &lines));
        return Some(lines);
    }
    let (cols, rows) = fit(DEFAULT_ASPECT, max_cols, CARD_ROWS);
    blurhash_rows(card.blurhash.as_deref()?, cols, rows)
}

/// Rows of the timeline's preview of a post's first attachment.
pub const PREVIEW_ROWS: u16 = 4;
/// Widest timeline preview, in cells: a panorama stays a strip, not the whole row.
const PREVIEW_MAX_COLS: u16 = 24;
/// The timeline shows a preview only when this much room is left beside it for its label.
const PREVIEW_LABEL_MIN: usize = 12;
/// Rows of each picture in the detail view.
pub const DETAIL_ROWS: u16 = 12;

/// Attachments the full post draws as pictures (and downloads); the rest show as their
/// `[image: alt]` lines. Mastodon allows four, other servers more, a hostile one thousands:
/// each would be a download and rows of cells.
pub const DETAIL_PICTURES: usize = 8;
/// The longest valid blurhash: 9×9 components take 4 + 2·81 characters. Anything longer is
/// refused before it is decoded.
const MAX_HASH: usize = 4 + 2 * 81;
/// Used when the server says nothing usable about the picture's shape.
const DEFAULT_ASPECT: f64 = 16.0 / 9.0;

/// Width over height of the attachment's picture, from the server's `meta` (the original's
/// size first, then the preview's); clamped, since a hostile server may claim anything.
pub fn aspect(m: &MediaAttachment) -> f64 {
    let value = m.meta.as_ref().and_then(|r| r.value());
    let found = value.as_ref().and_then(|meta| {
        ["original", "small"].iter().find_map(|size| {
            let size = meta.get(size)?;
            let from_sides = || {
                let w = size.get("width")?.as_f64()?;
                let h = size.get("height")?.as_f64()?;
                (h > 0.0).then(|| w / h)
            };
            from_sides().or_else(|| size.get("aspect")?.as_f64())
        })
    });
    match found {
        Some(a) if a.is_finite() && a > 0.0 => a.clamp(0.25, 4.0),
        _ => DEFAULT_ASPECT,
    }
}

/// The cells (columns, rows) a picture of `aspect` takes within `max_cols` × `max_rows`. A
/// half-block cell shows two pixels, one above the other, and a terminal cell is about twice
/// as tall as wide: so the pixels are about square and a row holds two of them.
pub fn fit(aspect: f64, max_cols: u16, max_rows: u16) -> (u16, u16) {
    let max_cols = max_cols.max(1);
    let max_rows = max_rows.max(1);
    let cols = (f64::from(max_rows) * 2.0 * aspect).round();
    if cols <= f64::from(max_cols) {
        return ((cols as u16).max(1), max_rows);
    }
    let rows = (f64::from(max_cols) / aspect / 2.0).round();
    (max_cols, (rows as u16).clamp(1, max_rows))
}

/// The placeholder of `hash` as rows of `cols` cells; `None` when the hash does not decode.
pub fn blurhash_rows(hash: &str, cols: u16, rows: u16) -> Option<Vec<Line<'static>>> {
    if hash.len() > MAX_HASH || cols == 0 || rows == 0 {
        return None;
    }
    let (w, h) = (u32::from(cols), u32::from(rows) * 2);
    let pixels = blurhash::decode(hash, w, h, 1.0).ok()?;
    Some(half_blocks(&pixels, w, h))
}

/// A downloaded picture shrunk to `cols` × `rows` cells of half blocks.
pub fn picture_rows(p: &Picture, cols: u16, rows: u16) -> Option<Vec<Line<'static>>> {
    if cols == 0 || rows == 0 {
        return None;
    }
    let image = image::RgbaImage::from_raw(p.width, p.height, p.rgba.clone())?;
    let (w, h) = (u32::from(cols), u32::from(rows) * 2);
    let small = image::imageops::resize(&image, w, h, image::imageops::FilterType::Triangle);
    Some(half_blocks(small.as_raw(), w, h))
}

/// RGBA pixels, `w` × `h` (`h` even), as rows of `▀` cells: the upper pixel the foreground,
/// the lower one the background. Transparency shows the terminal's black.
fn half_blocks(pixels: &[u8], w: u32, h: u32) -> Vec<Line<'static>> {
    let at = |x: u32, y: u32| {
        let i = ((y * w + x) * 4) as usize;
        let a = u16::from(pixels[i + 3]);
        let c = |v: u8| (u16::from(v) * a / 255) as u8;
        Color::Rgb(c(pixels[i]), c(pixels[i + 1]), c(pixels[i + 2]))
    };
    (0..h)
        .step_by(2)
        .map(|y| {
            let mut spans: Vec<Span<'static>> = Vec::new();
            for x in 0..w {
                let style = Style::new().fg(at(x, y)).bg(at(x, y + 1));
                // Neighbours of one colour share a span: fewer spans to keep and to draw.
                match spans.last_mut() {
                    Some(last) if last.style == style => last.content.to_mut().push('▀'),
                    _ => spans.push(Span::styled("▀", style)),
                }
            }
            Line::from(spans)
        })
        .collect()
}

/// The cells of one attachment within `max_cols` × `max_rows`: its picture when held (with its
/// URL), else its placeholder; `None` when it has neither.
fn cells<'m>(
    m: &'m MediaAttachment,
    shown: &Shown,
    max_cols: u16,
    max_rows: u16,
) -> Option<(Vec<Line<'static>>, Option<&'m str>)> {
    if let Some(p) = shown.get(m) {
        let (cols, rows) = fit(picture_aspect(p), max_cols, max_rows);
        return Some((picture_rows(p, cols, rows)?, picture_url(m)));
    }
    let (cols, rows) = fit(aspect(m), max_cols, max_rows);
    Some((blurhash_rows(m.blurhash.as_deref()?, cols, rows)?, None))
}

/// Where the picture of `url` drawn as `lines` is, its first line numbered `line`.
fn run(line: usize, url: &str, lines: &[Line<'static>]) -> PictureRun {
    let cols = lines.first().map_or(0, Line::width);
    PictureRun {
        line,
        col: 0,
        cols: u16::try_from(cols).unwrap_or(u16::MAX),
        rows: u16::try_from(lines.len()).unwrap_or(u16::MAX),
        url: url.to_string(),
    }
}

fn picture_aspect(p: &Picture) -> f64 {
    (f64::from(p.width) / f64::from(p.height.max(1))).clamp(0.25, 4.0)
}

/// What a picture's label says: `[sensitive] [image: alt]`, or that a filter hides it.
fn label(m: &MediaAttachment, sensitive: bool, blurred: bool, theme: &Theme) -> Vec<Span<'static>> {
    if blurred {
        return vec![Span::styled("[media hidden by a filter]", theme.dim)];
    }
    let mut spans = Vec::new();
    if sensitive {
        spans.push(Span::styled("[sensitive] ", theme.warning));
    }
    spans.push(Span::styled(media_text(m), theme.dim));
    spans
}

/// The timeline's media: a preview a few rows high of the first attachment, with its label
/// and how many more there are beside it. `None` (the caller writes text lines instead) when
/// the first attachment has no placeholder or there is no room for one. A held picture's
/// cells go into `runs` (line 0 is the first returned).
pub fn timeline_preview(
    s: &Status,
    blurred: bool,
    shown: &Shown,
    width: usize,
    theme: &Theme,
    runs: &mut Vec<PictureRun>,
) -> Option<Vec<Line<'static>>> {
    let first = s.media_attachments.first()?;
    let room = u16::try_from(width.saturating_sub(PREVIEW_LABEL_MIN + 1)).unwrap_or(u16::MAX);
    // A sliver of colour says nothing: narrow timelines keep the text line.
    if room < 8 {
        return None;
    }
    let (mut lines, held) = cells(first, shown, room.min(PREVIEW_MAX_COLS), PREVIEW_ROWS)?;
    if let Some(url) = held {
        runs.push(run(0, url, &lines));
    }
    let cols = lines.first().map_or(0, Line::width);
    let beside = width - cols - 1;
    let mut labels = vec![label(first, s.sensitive, blurred, theme)];
    let more = s.media_attachments.len() - 1;
    if more > 0 {
        labels.push(vec![Span::styled(format!("+{more} more"), theme.dim)]);
    }
    for (line, spans) in lines.iter_mut().zip(labels) {
        line.spans.push(Span::raw(" "));
        line.spans.extend(fit_spans(spans, beside));
    }
    Some(lines)
}

/// The detail view's media: the first [`DETAIL_PICTURES`] attachments as large as
/// [`DETAIL_ROWS`] allows, each with its label (the whole alt text) under it. Attachments past
/// those or without a placeholder are their label alone.
/// `None` when there is no room for pictures. Held pictures' cells go into `runs` (line 0 is
/// the first returned).
pub fn detail_pictures(
    s: &Status,
    blurred: bool,
    shown: &Shown,
    width: usize,
    theme: &Theme,
    runs: &mut Vec<PictureRun>,
) -> Option<Vec<Line<'static>>> {
    let max_cols = u16::try_from(width).unwrap_or(u16::MAX);
    if max_cols < 8 || s.media_attachments.is_empty() {
        return None;
    }
    let mut out = Vec::new();
    for (i, m) in s.media_attachments.iter().enumerate() {
        if i < DETAIL_PICTURES
            && let Some((picture, held)) = cells(m, shown, max_cols, DETAIL_ROWS)
        {
            if let Some(url) = held {
                runs.push(run(out.len(), url, &picture));
            }
            out.extend(picture);
        }
        if !blurred {
            out.extend(wrap_spans(&label(m, s.sensitive, false, theme), width));
        }
    }
    if blurred {
        out.push(Line::from(Span::styled(
            "[media hidden by a filter]",
            theme.dim,
        )));
    }
    Some(out)
}

/// `spans` cut to `width` cells, the last one shortened with an ellipsis; a cut `[… alt]`
/// keeps its closing bracket so it still reads as one item.
fn fit_spans(spans: Vec<Span<'static>>, width: usize) -> Vec<Span<'static>> {
    let mut left = width;
    let mut out = Vec::new();
    for span in spans {
        if left == 0 {
            break;
        }
        let w = text_width(&span.content);
        if w <= left {
            left -= w;
            out.push(span);
            continue;
        }
        let text = span.content.as_ref();
        let mut cut = truncate(text, left);
        if cut.ends_with('…') && text.ends_with(']') {
            cut = format!("{}]", truncate(text, left.saturating_sub(1)));
        }
        out.push(Span::styled(cut, span.style));
        break;
    }
    out
}

#[cfg(test)]
#[path = "picture_tests.rs"]
mod tests;
