//! One status → lines: the header (fresh every frame: it holds the relative time), and the
//! body (content, media, poll, card), laid out once per width and kept in [`LayoutCache`].

use std::collections::HashMap;
use std::collections::hash_map::Entry as Slot;
use std::hash::{DefaultHasher, Hash, Hasher};

use ratatui::text::{Line, Span};

use super::graphics::PictureRun;
use super::html::render_html;
use super::links::{LinkRun, whole_line_runs};
use super::picture::Shown;
use super::theme::Theme;
use super::wrap::{clean, clean_lines, left_right, relative_time, truncate, wrap_spans, wrap_text};
use crate::app::state::{Entry, Item, State};
use crate::filter::Verdict;
use crate::keys::Action;
use crate::model::{MediaAttachment, MediaType, Poll, Status, Visibility};

/// What a cached body depends on. The relative time is deliberately not part of it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct BodyKey {
    id: String,
    hash: u64,
    width: u16,
    revealed: bool,
    verdict: u8,
    detail: bool,
    /// Which view laid it out: 0 the timeline and detail view, others see [`view_body`].
    variant: u8,
}

#[derive(Debug, Default)]
pub struct LayoutCache {
    map: HashMap<BodyKey, Cached>,
    frame: u64,
}

#[derive(Debug)]
struct Cached {
    /// 0: media as text lines; else which pictures are held and shown ([`Shown::key`]). Not
    /// part of the key: a picture that arrives replaces the layout instead of adding one, so
    /// a post's pictures arriving one by one never pile up copies of it.
    pictures_key: u64,
    lines: Vec<Line<'static>>,
    /// Where the links of `lines` are.
    links: Vec<LinkRun>,
    /// Where its downloaded pictures are.
    pictures: Vec<PictureRun>,
    used: u64,
}

impl Cached {
    fn new(pictures_key: u64, (lines, links, pictures): Built, frame: u64) -> Cached {
        Cached {
            pictures_key,
            lines,
            links,
            pictures,
            used: frame,
        }
    }
}

/// A laid-out body: its lines and where their links and downloaded pictures are (line
/// numbers count from its first line).
#[derive(Debug, Clone, Copy)]
pub struct Body<'c> {
    pub lines: &'c [Line<'static>],
    pub links: &'c [LinkRun],
    pub pictures: &'c [PictureRun],
}

/// What a body's layout makes.
type Built = (Vec<Line<'static>>, Vec<LinkRun>, Vec<PictureRun>);

impl Body<'_> {
    const EMPTY: Body<'static> = Body {
        lines: &[],
        links: &[],
        pictures: &[],
    };
}

impl LayoutCache {
    /// Bodies not drawn or measured for this many frames are dropped.
    const IDLE_FRAMES: u64 = 240;
    /// A hard bound, for a reader who scrolls through thousands of posts quickly.
    pub const CAP: usize = 3000;

    pub fn begin_frame(&mut self) {
        self.frame += 1;
        if self.frame.is_multiple_of(32) || self.map.len() > Self::CAP {
            let frame = self.frame;
            self.map.retain(|_, c| c.used + Self::IDLE_FRAMES >= frame);
            if self.map.len() > Self::CAP {
                self.map.clear();
            }
        }
    }

    /// Bodies held (the memory test checks the bounds).
    pub fn len(&self) -> usize {
        self.map.len()
    }

    fn get_or_build(
        &mut self,
        key: BodyKey,
        pictures_key: u64,
        build: impl FnOnce() -> Built,
    ) -> Body<'_> {
        let frame = self.frame;
        let cached = match self.map.entry(key) {
            Slot::Occupied(o) => {
                let cached = o.into_mut();
                if cached.pictures_key != pictures_key {
                    *cached = Cached::new(pictures_key, build(), frame);
                }
                cached
            }
            Slot::Vacant(v) => v.insert(Cached::new(pictures_key, build(), frame)),
        };
        cached.used = frame;
        Body {
            lines: &cached.lines,
            links: &cached.links,
            pictures: &cached.pictures,
        }
    }
}

/// Everything of a status that its body's layout depends on.
fn body_hash(s: &Status) -> u64 {
    let mut h = DefaultHasher::new();
    s.id.hash(&mut h);
    s.content.hash(&mut h);
    s.spoiler_text.hash(&mut h);
    s.edited_at.hash(&mut h);
    s.sensitive.hash(&mut h);
    s.url.hash(&mut h);
    s.uri.hash(&mut h);
    s.language.hash(&mut h);
    (s.replies_count, s.reblogs_count, s.favourites_count).hash(&mut h);
    for m in &s.media_attachments {
        (m.kind.as_str(), &m.description, &m.url, &m.blurhash).hash(&mut h);
        m.meta.as_ref().map(|r| r.get()).hash(&mut h);
    }
    if let Some(p) = &s.poll {
        (p.expired, p.votes_count, p.voters_count, &p.own_votes).hash(&mut h);
        for o in &p.options {
            (&o.title, o.votes_count).hash(&mut h);
        }
    }
    if let Some(c) = &s.card {
        (&c.title, &c.provider_name, &c.url, &c.image, &c.blurhash).hash(&mut h);
    }
    h.finish()
}

/// The lines of one timeline entry: `head` built now, `body` from the cache.
pub struct EntryLines<'c> {
    pub head: Vec<Line<'static>>,
    pub body: Body<'c>,
}

impl EntryLines<'_> {
    pub fn height(&self) -> usize {
        self.head.len() + self.body.lines.len()
    }
}

/// Whether the reader opened this status's content warning or `warn` filter.
pub fn is_revealed(state: &State, status: &Status) -> bool {
    state.revealed.contains(&status.original().id)
}

pub fn layout_entry<'c>(
    cache: &'c mut LayoutCache,
    state: &State,
    entry: &Entry,
    width: usize,
    theme: &Theme,
) -> EntryLines<'c> {
    let status = entry.item.status();
    let revealed = status.is_some_and(|s| is_revealed(state, s));
    let keys = &state.settings.keys;
    let reveal = keys.label(Action::Reveal).unwrap_or_default();
    if let Verdict::Warn { title } = &entry.verdict
        && !revealed
    {
        let mut spans = vec![
            Span::styled("Filtered: ", theme.warning),
            Span::styled(clean(title), theme.warning),
        ];
        if !reveal.is_empty() {
            spans.push(Span::styled(format!("  [{reveal}: show]"), theme.dim));
        }
        return EntryLines {
            head: wrap_spans(&spans, width),
            body: Body::EMPTY,
        };
    }
    let mut head = Vec::new();
    match &entry.item {
        Item::Gap { .. } => {
            let text = match keys.label(Action::OpenDetail) {
                Some(k) => format!("┄┄ more posts were missed here — {k} loads them ┄┄"),
                None => "┄┄ more posts were missed here ┄┄".to_string(),
            };
            return EntryLines {
                head: vec![Line::from(Span::styled(
                    truncate(&text, width),
                    theme.warning,
                ))],
                body: Body::EMPTY,
            };
        }
        Item::Status(s) => {
            if s.reblog.is_some() {
                let name = clean(s.account.display_name_or_username());
                let text = format!("⟳ {name} boosted");
                head.push(Line::from(Span::styled(truncate(&text, width), theme.dim)));
            }
        }
        Item::Conversation(c) => {
            let with: Vec<String> = c
                .accounts
                .iter()
                .map(|a| format!("@{}", clean(&a.acct)))
                .collect();
            let spans = vec![Span::styled(
                format!("✉ with {}", with.join(", ")),
                theme.dim,
            )];
            let right = if c.unread {
                vec![Span::styled("unread", theme.unread)]
            } else {
                vec![]
            };
            head.push(left_right(spans, right, width));
        }
    }
    let Some(status) = status else {
        head.push(Line::from(Span::styled("(no messages)", theme.dim)));
        return EntryLines {
            head,
            body: Body::EMPTY,
        };
    };
    head.push(header_line(status, state, width, theme));
    let expanded = revealed || state.settings.expand_spoilers;
    let folded = (!expanded).then_some(reveal.as_str());
    let shown = Shown::new(state, status, &entry.verdict, revealed);
    let pictures = pictures_on(state, theme).then_some(&shown);
    let body = body_lines(
        cache,
        status,
        &entry.verdict,
        folded,
        false,
        pictures,
        width,
        theme,
    );
    EntryLines { head, body }
}

/// Whether media are drawn as pictures: not when switched off, nor under NO_COLOR (a half
/// block without its colours shows nothing of a picture).
pub fn pictures_on(state: &State, theme: &Theme) -> bool {
    state.settings.draws_pictures() && !theme.no_color
}

/// `Name @acct            ↩ 🔒 private (edited) 12m`
pub fn header_line(s: &Status, state: &State, width: usize, theme: &Theme) -> Line<'static> {
    let mut left = if pictures_on(state, theme) {
        super::picture::avatar(state, s)
    } else {
        Vec::new()
    };
    left.extend([
        Span::styled(clean(s.account.display_name_or_username()), theme.name),
        Span::raw(" "),
        Span::styled(format!("@{}", clean(&s.account.acct)), theme.dim),
    ]);
    let mut right = Vec::new();
    if s.in_reply_to_id.is_some() {
        right.push(Span::styled("↩ ", theme.dim));
    }
    if let Some(v) = visibility_label(&s.visibility) {
        right.push(Span::styled(format!("{v} "), theme.dim));
    }
    if s.edited_at.is_some() {
        right.push(Span::styled("(edited) ", theme.dim));
    }
    right.push(Span::styled(
        relative_time(&s.created_at, state.now),
        theme.dim,
    ));
    left_right(left, right, width)
}

pub fn visibility_label(v: &Visibility) -> Option<String> {
    match v {
        Visibility::Public => None,
        Visibility::Unlisted => Some("unlisted".into()),
        Visibility::Private => Some("🔒 private".into()),
        Visibility::Direct => Some("✉ direct".into()),
        Visibility::Other(o) => Some(clean(o)),
    }
}

/// The body of `s` from the cache, laid out when missing.
#[allow(clippy::too_many_arguments)]
pub fn body_lines<'c>(
    cache: &'c mut LayoutCache,
    s: &Status,
    verdict: &Verdict,
    // Folded behind its content warning, with the reveal key for the `[c: show]` hint (one key
    // table per run: no part of the cache key); `None` when expanded.
    folded: Option<&str>,
    detail: bool,
    pictures: Option<&Shown>,
    width: usize,
    theme: &Theme,
) -> Body<'c> {
    let expanded = folded.is_none();
    let key = BodyKey {
        id: s.id.clone(),
        hash: body_hash(s),
        width: width.min(u16::MAX as usize) as u16,
        revealed: expanded,
        verdict: match verdict {
            Verdict::Show => 0,
            Verdict::Blur => 1,
            Verdict::Warn { .. } => 2,
            Verdict::Hide => 3,
        },
        detail,
        variant: 0,
    };
    cache.get_or_build(key, pictures.map_or(0, |p| p.key(s)), || {
        build_body(s, verdict, folded, detail, pictures, width, theme)
    })
}

/// The timeline's preview of a post's first attachment, for another view (the monitor),
/// cached like bodies; empty when it has none.
pub fn preview_body<'c>(
    cache: &'c mut LayoutCache,
    s: &Status,
    shown: &Shown,
    blurred: bool,
    width: usize,
    theme: &Theme,
) -> Body<'c> {
    let key = BodyKey {
        id: s.id.clone(),
        hash: body_hash(s),
        width: width.min(u16::MAX as usize) as u16,
        revealed: false,
        verdict: u8::from(blurred),
        detail: false,
        variant: PREVIEW_VARIANT,
    };
    cache.get_or_build(key, shown.key(s), || {
        let mut runs = Vec::new();
        let lines = super::picture::timeline_preview(s, blurred, shown, width, theme, &mut runs)
            .unwrap_or_default();
        (lines, Vec::new(), runs)
    })
}

/// [`preview_body`]'s cache variant.
const PREVIEW_VARIANT: u8 = u8::MAX;

/// A body laid out by another view (the monitor) with its own `build`, cached by the same
/// rules as the timeline's. `variant` (not 0) tells its layouts apart from the timeline's and
/// must change with anything else `build` depends on.
pub fn view_body<'c>(
    cache: &'c mut LayoutCache,
    s: &Status,
    expanded: bool,
    width: usize,
    variant: u8,
    build: impl FnOnce() -> (Vec<Line<'static>>, Vec<LinkRun>),
) -> Body<'c> {
    debug_assert_ne!(variant, 0, "variant 0 is the timeline's");
    let key = BodyKey {
        id: s.id.clone(),
        hash: body_hash(s),
        width: width.min(u16::MAX as usize) as u16,
        revealed: expanded,
        verdict: 0,
        detail: false,
        variant,
    };
    cache.get_or_build(key, 0, || {
        let (lines, links) = build();
        (lines, links, Vec::new())
    })
}

fn build_body(
    s: &Status,
    verdict: &Verdict,
    folded: Option<&str>,
    detail: bool,
    pictures: Option<&Shown>,
    width: usize,
    theme: &Theme,
) -> Built {
    let mut out = Vec::new();
    let mut runs = Vec::new();
    let spoiler = clean(&s.spoiler_text);
    if !spoiler.trim().is_empty() {
        let mut spans = vec![
            Span::styled("CW: ", theme.warning),
            Span::styled(spoiler.trim().to_string(), theme.warning),
        ];
        if let Some(reveal) = folded {
            if !reveal.is_empty() {
                spans.push(Span::styled(format!("  [{reveal}: show]"), theme.dim));
            }
            out.extend(wrap_spans(&spans, width));
            return (out, Vec::new(), runs);
        }
        out.extend(wrap_spans(&spans, width));
    }
    let (content, mut links) = render_html(&s.content, width, Some(s), theme);
    for run in &mut links {
        run.line += out.len();
    }
    out.extend(content);
    let blurred = *verdict == Verdict::Blur;
    let mut media_runs = Vec::new();
    let drawn = pictures.map(|shown| {
        if detail {
            super::picture::detail_pictures(s, blurred, shown, width, theme, &mut media_runs)
        } else {
            super::picture::timeline_preview(s, blurred, shown, width, theme, &mut media_runs)
        }
    });
    if let Some(Some(media)) = drawn {
        runs.extend(media_runs.into_iter().map(|r| PictureRun {
            line: r.line + out.len(),
            ..r
        }));
        out.extend(media);
    } else if blurred && !s.media_attachments.is_empty() {
        out.push(Line::from(Span::styled(
            "[media hidden by a filter]",
            theme.dim,
        )));
    } else {
        for m in &s.media_attachments {
            out.extend(media_lines(m, s.sensitive, detail, width, theme));
        }
    }
    if let Some(p) = &s.poll {
        out.extend(poll_lines(p, width, theme));
    }
    if let Some(c) = &s.card {
        let title = clean(if c.title.trim().is_empty() {
            &c.url
        } else {
            &c.title
        });
        let mut text = format!("🔗 {}", title.trim());
        let provider = clean(&c.provider_name);
        if !provider.trim().is_empty() {
            text.push_str(" — ");
            text.push_str(provider.trim());
        }
        if detail {
            let mut card_runs = Vec::new();
            if let Some(card) =
                pictures.and_then(|p| super::picture::card_picture(s, p, width, &mut card_runs))
            {
                runs.extend(card_runs.into_iter().map(|r| PictureRun {
                    line: r.line + out.len(),
                    ..r
                }));
                out.extend(card);
            }
            out.extend(wrap_text(&text, theme.dim, width));
            if !c.url.is_empty() {
                let url = wrap_text(&format!("   {}", clean(&c.url)), theme.link, width);
                links.extend(whole_line_runs(&url, out.len(), &c.url));
                out.extend(url);
            }
        } else {
            out.push(Line::from(Span::styled(truncate(&text, width), theme.dim)));
        }
    }
    (out, links, runs)
}

fn media_kind(m: &MediaAttachment) -> &'static str {
    match m.kind {
        MediaType::Image => "image",
        MediaType::Video => "video",
        MediaType::Gifv => "gif",
        MediaType::Audio => "audio",
        _ => "media",
    }
}

/// `[image: alt text]`, the alt text made safe and on one line.
pub fn media_text(m: &MediaAttachment) -> String {
    let alt = m
        .description
        .as_deref()
        .map(|d| clean_lines(d).join(" ").trim().to_string())
        .filter(|d| !d.is_empty());
    match alt {
        Some(alt) => format!("[{}: {alt}]", media_kind(m)),
        None => format!("[{}]", media_kind(m)),
    }
}

fn media_lines(
    m: &MediaAttachment,
    sensitive: bool,
    detail: bool,
    width: usize,
    theme: &Theme,
) -> Vec<Line<'static>> {
    let text = media_text(m);
    let mut spans = Vec::new();
    if sensitive {
        spans.push(Span::styled("[sensitive] ", theme.warning));
    }
    if detail {
        spans.push(Span::styled(text, theme.dim));
        wrap_spans(&spans, width)
    } else {
        let room = width.saturating_sub(if sensitive { 12 } else { 0 });
        let mut t = truncate(&text, room);
        if t.ends_with('…') && text.ends_with(']') {
            // Keep the bracket closed so a cut alt text still reads as one item.
            t = format!("{}]", truncate(&text, room.saturating_sub(1)));
        }
        spans.push(Span::styled(t, theme.dim));
        vec![Line::from(spans)]
    }
}

fn poll_lines(p: &Poll, width: usize, theme: &Theme) -> Vec<Line<'static>> {
    let denominator = match (p.multiple, p.voters_count) {
        (true, Some(v)) if v > 0 => v,
        _ => p.votes_count,
    };
    let bar_w = if width >= 40 { 10 } else { 5 };
    let own = p.own_votes.clone().unwrap_or_default();
    let mut out = Vec::new();
    for (i, o) in p.options.iter().enumerate() {
        let pct = match o.votes_count {
            Some(v) if denominator > 0 => Some((v * 100 + denominator / 2) / denominator),
            Some(_) => Some(0),
            None => None,
        };
        let filled = pct.map_or(0, |p| ((p as usize * bar_w + 50) / 100).min(bar_w));
        let mark = if own.contains(&(i as u32)) {
            " ✓"
        } else {
            ""
        };
        let pct_text = pct.map_or("  ?%".to_string(), |p| format!("{p:>3}%"));
        let prefix_w = bar_w + 1 + 4 + 1;
        let title = truncate(
            &format!("{}{mark}", clean(&o.title)),
            width.saturating_sub(prefix_w),
        );
        out.push(Line::from(vec![
            Span::styled("█".repeat(filled), theme.poll_bar),
            Span::styled("░".repeat(bar_w - filled), theme.dim),
            Span::raw(" "),
            Span::styled(pct_text, theme.text),
            Span::raw(" "),
            Span::raw(title),
        ]));
    }
    let mut summary = format!(
        "{} vote{}",
        p.votes_count,
        if p.votes_count == 1 { "" } else { "s" }
    );
    if let Some(v) = p.voters_count.filter(|_| p.multiple) {
        summary.push_str(&format!(" · {v} voter{}", if v == 1 { "" } else { "s" }));
    }
    if p.expired {
        summary.push_str(" (closed)");
    }
    out.push(Line::from(Span::styled(
        truncate(&summary, width),
        theme.dim,
    )));
    out
}
