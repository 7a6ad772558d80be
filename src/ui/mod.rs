//! Rendering: widgets read `&State`; only ratatui's view state (scroll anchors, layout caches,
//! hit areas) is mutable here.
//!
//! Screen: the tab bar on the first row, an announcement banner under it when there is one,
//! then the active timeline (with the notification pane right of it on wide terminals, below
//! it on narrow ones) or the detail view, and the status line on the last row. Help is an
//! overlay on top of it all.
//!
//! In monitor mode (`state.monitor`) the whole frame is the monitor view instead
//! ([`monitor`]): one column, no chrome, a footer line per stream.

mod detail;
mod footer;
pub mod graphics;
mod help;
pub(crate) mod html;
mod links;
mod monitor;
mod notifications;
mod picture;
mod status;
mod tabs;
mod theme;
mod timeline;
pub(crate) mod wrap;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod view_tests;

use std::collections::HashMap;

use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};

pub use links::{LinkArea, hyperlink_overlay};
pub use theme::Theme;

use crate::app::state::{Overlay, State};
use status::LayoutCache;
use timeline::Anchor;

/// The layout cache never holds more post bodies than this.
pub const LAYOUT_CACHE_CAP: usize = LayoutCache::CAP;

/// Terminals at least this wide get the notification pane beside the timeline.
const WIDE: u16 = 120;
const PANE_MIN_WIDTH: u16 = 36;

/// Everything the view remembers between frames.
#[derive(Debug)]
pub struct ViewState {
    /// Label areas of the last drawn tab bar.
    tab_hits: Vec<(Rect, usize)>,
    page_len: usize,
    /// Per tab index: the first entry on screen.
    anchors: HashMap<usize, Anchor>,
    cache: LayoutCache,
    /// Where the links of the last drawn frame are, for [`hyperlink_overlay`].
    links: Vec<LinkArea>,
    /// The picture URLs the last frame showed or came near, in screen order.
    pictures: Vec<String>,
    /// Where the last frame drew downloaded pictures whole.
    picture_areas: Vec<graphics::PictureArea>,
    /// The pixel protocol, if any, and its encoded pictures.
    graphics: graphics::Graphics,
    /// The last frame drew the notification pane (with room for it, not under the help).
    notifications_drawn: bool,
    /// How the overlay of the last frame fit (nothing to scroll when none was drawn).
    overlay: OverlayFit,
}

impl Default for ViewState {
    fn default() -> Self {
        ViewState {
            tab_hits: Vec::new(),
            page_len: 1,
            anchors: HashMap::new(),
            cache: LayoutCache::default(),
            links: Vec::new(),
            pictures: Vec::new(),
            picture_areas: Vec::new(),
            graphics: graphics::Graphics::default(),
            notifications_drawn: false,
            overlay: OverlayFit::default(),
        }
    }
}

impl ViewState {
    /// The tab whose label covers this cell of the last drawn frame (for mouse clicks).
    pub fn tab_at(&self, column: u16, row: u16) -> Option<usize> {
        let p = Position::new(column, row);
        self.tab_hits
            .iter()
            .find(|(r, _)| r.contains(p))
            .map(|(_, i)| *i)
    }

    /// How many entries of the active timeline fit on the last drawn screen (PgUp/PgDn step),
    /// at least 1.
    pub fn page_len(&self) -> usize {
        self.page_len.max(1)
    }

    /// How the overlay of the last frame fit: how far it could scroll, a page of it.
    pub fn overlay_fit(&self) -> OverlayFit {
        self.overlay
    }

    /// Whether the reader could see the notification pane in the last frame.
    pub fn notifications_drawn(&self) -> bool {
        self.notifications_drawn
    }

    /// Laid-out post bodies held in the layout cache (at most [`LAYOUT_CACHE_CAP`]).
    pub fn cached_bodies(&self) -> usize {
        self.cache.len()
    }

    /// The links of the last drawn frame, on screen and visible: what
    /// [`hyperlink_overlay`] turns into OSC 8 hyperlinks.
    pub fn links(&self) -> &[LinkArea] {
        &self.links
    }

    /// The pictures the last frame showed or came near (none while pictures are off): what the
    /// run loop reports to the reducer so that they are fetched.
    pub fn pictures(&self) -> &[String] {
        &self.pictures
    }

    /// Draws pictures with `graphics`' pixel protocol from now on.
    pub fn set_graphics(&mut self, graphics: graphics::Graphics) {
        self.graphics = graphics;
    }

    /// The pixel protocol's state: what it draws with, how many pictures it holds encoded.
    pub fn graphics(&self) -> &graphics::Graphics {
        &self.graphics
    }

    /// Where the last frame drew downloaded pictures whole.
    pub fn picture_areas(&self) -> &[graphics::PictureArea] {
        &self.picture_areas
    }
}

pub fn draw(frame: &mut Frame, state: &State, view: &mut ViewState, theme: &Theme) {
    view.cache.begin_frame();
    let area = frame.area();
    view.tab_hits.clear();
    view.links.clear();
    view.pictures.clear();
    view.picture_areas.clear();
    view.notifications_drawn = false;
    if area.width == 0 || area.height == 0 {
        view.graphics.draw(frame.buffer_mut(), &[], |_| None);
        return;
    }
    if let Some(m) = &state.monitor {
        view.links = monitor::draw_monitor(
            frame.buffer_mut(),
            area,
            state,
            m,
            &mut view.cache,
            theme,
            &mut view.pictures,
            &mut view.picture_areas,
        );
        view.graphics
            .draw(frame.buffer_mut(), &view.picture_areas, |url| {
                state.pictures.get(url)
            });
        return;
    }
    let tab_row = Rect::new(area.x, area.y, area.width, 1);
    view.tab_hits = tabs::draw_tabs(frame.buffer_mut(), tab_row, state, theme);
    let mut body = Rect::new(area.x, area.y + 1, area.width, area.height - 1);
    if body.height >= 2 {
        let footer = Rect::new(area.x, area.bottom() - 1, area.width, 1);
        footer::draw_footer(frame, footer, state, theme);
        body.height -= 1;
    }
    // The banner only when it leaves room for a few lines of timeline.
    let banner = footer::banner_lines(state, area.width as usize, theme);
    if !banner.is_empty() && body.height as usize >= banner.len() + 6 {
        let h = banner.len() as u16;
        Paragraph::new(banner).render(Rect::new(body.x, body.y, body.width, h), frame.buffer_mut());
        body.y += h;
        body.height -= h;
    }
    view.overlay = OverlayFit::default();
    match &state.overlay {
        Overlay::Detail { tab, id } => {
            view.links = detail::draw_detail(
                frame.buffer_mut(),
                body,
                state,
                *tab,
                id,
                &mut view.cache,
                theme,
                &mut view.pictures,
                &mut view.picture_areas,
                &mut view.overlay,
            );
        }
        _ => draw_main(frame, body, state, view, theme),
    }
    if state.overlay == Overlay::Help {
        // It covers the links and pictures under it; the rest can wait until it is closed.
        view.links.clear();
        view.picture_areas.clear();
        view.notifications_drawn = false;
    }
    view.graphics
        .draw(frame.buffer_mut(), &view.picture_areas, |url| {
            state.pictures.get(url)
        });
    if state.overlay == Overlay::Help {
        view.overlay = help::draw_help(
            frame.buffer_mut(),
            area,
            theme,
            &state.settings.keys,
            state.overlay_scroll,
        );
    }
}

/// How an overlay (the full post, the help) fit its window.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OverlayFit {
    /// How many lines it can scroll by (0: it fits).
    pub scroll_max: usize,
    /// How many of its lines show at once: the step of PgDn / PgUp.
    pub page: usize,
}

/// How far an overlay of `total` lines in `height` rows is scrolled when `wanted`, and how it
/// fits.
fn scroll_window(total: usize, height: usize, wanted: usize) -> (usize, OverlayFit) {
    let scroll_max = total.saturating_sub(height);
    let fit = OverlayFit {
        scroll_max,
        page: height,
    };
    (wanted.min(scroll_max), fit)
}

/// The mark of an overlay that scrolls, at the left of its bottom border: where more is.
fn scroll_mark(scroll: usize, max: usize, theme: &Theme) -> Option<Line<'static>> {
    let mark = match (scroll, max) {
        (_, 0) => return None,
        (s, m) if s < m => " ↓ more ",
        _ => " ↑ more ",
    };
    Some(Line::from(Span::styled(mark, theme.dim)).left_aligned())
}

/// The timeline and, when shown, the notification pane.
fn draw_main(frame: &mut Frame, body: Rect, state: &State, view: &mut ViewState, theme: &Theme) {
    let (timeline, pane) = split_body(body, state.show_notifications);
    let buf = frame.buffer_mut();
    view.page_len = timeline::draw_timeline(
        buf,
        timeline,
        state,
        &mut view.anchors,
        &mut view.cache,
        &mut view.links,
        theme,
        &mut view.pictures,
        &mut view.picture_areas,
    );
    if let Some((pane, side)) = pane {
        notifications::draw_notifications(buf, pane, state, side, theme);
        view.notifications_drawn = true;
    }
}

/// The timeline's area, and the pane's with whether it is beside (true) or below.
fn split_body(body: Rect, show_pane: bool) -> (Rect, Option<(Rect, bool)>) {
    if !show_pane {
        return (body, None);
    }
    if body.width >= WIDE {
        let pane_w = (body.width * 2 / 5).max(PANE_MIN_WIDTH);
        let timeline = Rect::new(body.x, body.y, body.width - pane_w, body.height);
        let pane = Rect::new(body.x + timeline.width, body.y, pane_w, body.height);
        (timeline, Some((pane, true)))
    } else if body.height >= 12 {
        let pane_h = (body.height * 35 / 100).max(4);
        let timeline = Rect::new(body.x, body.y, body.width, body.height - pane_h);
        let pane = Rect::new(body.x, body.y + timeline.height, body.width, pane_h);
        (timeline, Some((pane, false)))
    } else {
        // Too short to share: the timeline matters more.
        (body, None)
    }
}
