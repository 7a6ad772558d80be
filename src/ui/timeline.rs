//! The active tab's timeline: which entries show, where the viewport starts, and the lines
//! drawn. The viewport is anchored to an entry id, so posts arriving on top do not move what
//! the reader is looking at.

use std::collections::HashMap;

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};

use super::footer::stream_name;
use super::graphics::{self, PictureArea};
use super::links::{self, LinkArea};
use super::status::{LayoutCache, layout_entry};
use super::theme::Theme;
use super::wrap::{clean, wrap_spans};
use crate::app::state::{State, Tab};
use crate::stream::ConnectionState;

/// The first entry drawn, remembered by id (and by position, for when it disappears).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Anchor {
    pub id: String,
    pub pos: usize,
}

/// Indices into `tab.entries` of what the reader can see: not hidden, matching the search.
pub fn visible_entries(state: &State, tab: &Tab) -> Vec<usize> {
    tab.visible()
        .filter(|(_, e)| state.matches_search(e))
        .map(|(i, _)| i)
        .collect()
}

const GUTTER: u16 = 2;
/// Entries below the screen whose pictures are fetched ahead.
const NEAR: usize = 3;

/// Draws the timeline, recording where its links are in `links`; returns how many entries
/// were fully on screen.
#[allow(clippy::too_many_arguments)]
pub fn draw_timeline(
    buf: &mut Buffer,
    area: Rect,
    state: &State,
    anchors: &mut HashMap<usize, Anchor>,
    cache: &mut LayoutCache,
    links: &mut Vec<LinkArea>,
    theme: &Theme,
    // The pictures of the entries drawn and of the next few: fetched before they scroll in.
    wanted: &mut Vec<String>,
    // Where downloaded pictures were drawn whole, for a pixel protocol.
    drawn: &mut Vec<PictureArea>,
) -> usize {
    let Some(tab) = state.active_tab() else {
        return 1;
    };
    if area.width <= GUTTER || area.height == 0 {
        return 1;
    }
    let vis = visible_entries(state, tab);
    if vis.is_empty() {
        anchors.remove(&state.view_key());
        draw_empty(buf, area, state, tab, theme);
        return 1;
    }
    // One column of air on the right, so right-aligned times do not touch the pane border.
    let width = (area.width - GUTTER).saturating_sub(1).max(1) as usize;
    let mut lines: Vec<Line<'static>> = Vec::new();
    if tab.new_above > 0 {
        lines.push(Line::from(Span::styled(
            format!("↑ {} new — g to jump", tab.new_above),
            theme.new_marker,
        )));
    }
    let height = (area.height as usize).saturating_sub(lines.len()).max(1);
    let selected = vis
        .iter()
        .position(|&i| i >= tab.selected)
        .unwrap_or(vis.len() - 1);
    let mut h = |p: usize| layout_entry(cache, state, &tab.entries[vis[p]], width, theme).height();

    let anchor = anchors.get(&state.view_key());
    let mut top = if selected == 0 {
        0
    } else {
        anchor
            .and_then(|a| vis.iter().position(|&i| tab.entries[i].item.id() == a.id))
            .or_else(|| anchor.map(|a| a.pos.min(vis.len() - 1)))
            .unwrap_or(0)
    };
    if selected < top {
        top = selected;
    }
    // Is the selected entry's first line on screen, and (unless it is at the top) all of it?
    let mut y = 0;
    let mut fits = true;
    for p in top..selected {
        y += h(p) + 1;
        if y >= height {
            fits = false;
            break;
        }
    }
    if fits && selected > top && y + h(selected) > height {
        fits = false;
    }
    if !fits {
        // Bring the selected entry up from the bottom edge.
        top = selected;
        let mut used = h(selected);
        while top > 0 {
            let above = h(top - 1) + 1;
            if used + above > height {
                break;
            }
            used += above;
            top -= 1;
        }
    }
    anchors.insert(
        state.view_key(),
        Anchor {
            id: tab.entries[vis[top]].item.id().to_string(),
            pos: top,
        },
    );

    let pictures = super::status::pictures_on(state, theme);
    let mut shown = 0;
    let mut used = 0;
    let mut below = 0;
    for (p, &i) in vis.iter().enumerate().skip(top) {
        if used >= height {
            below += 1;
            if !pictures || below > NEAR {
                break;
            }
            super::picture::wanted(state, &tab.entries[i], false, wanted);
            continue;
        }
        if pictures {
            super::picture::wanted(state, &tab.entries[i], false, wanted);
        }
        let e = layout_entry(cache, state, &tab.entries[i], width, theme);
        let bar = if p == selected {
            Span::styled("▌ ", theme.selected_bar)
        } else {
            Span::raw("  ")
        };
        let entry_h = e.height();
        // Lines past the bottom are not drawn, and `place` skips their links.
        links::place(
            links,
            e.body.links,
            area,
            GUTTER,
            lines.len() + e.head.len(),
        );
        graphics::place(
            drawn,
            e.body.pictures,
            area,
            GUTTER,
            lines.len() + e.head.len(),
        );
        for line in e.head.into_iter().chain(e.body.lines.iter().cloned()) {
            let mut spans = Vec::with_capacity(line.spans.len() + 1);
            spans.push(bar.clone());
            spans.extend(line.spans);
            lines.push(Line::from(spans));
        }
        if used + entry_h <= height {
            shown += 1;
        }
        used += entry_h + 1;
        // The gap below the last unread post, when read ones follow, says so.
        let read_below = tab.divider_id.as_deref().is_some_and(|d| {
            crate::live::is_newer(tab.entries[i].item.id(), d)
                && vis
                    .get(p + 1)
                    .is_some_and(|&n| !crate::live::is_newer(tab.entries[n].item.id(), d))
        });
        if read_below {
            lines.push(read_line(width + GUTTER as usize, theme));
        } else {
            lines.push(Line::default());
        }
    }
    Paragraph::new(lines).render(area, buf);
    shown.max(1)
}

/// The "read up to here" line, across the timeline.
pub(super) fn read_line(width: usize, theme: &Theme) -> Line<'static> {
    let label = " read up to here ";
    let side = width.saturating_sub(label.chars().count()) / 2;
    Line::from(Span::styled(
        format!("{}{label}{}", "─".repeat(side), "─".repeat(side)),
        theme.new_marker,
    ))
}

fn draw_empty(buf: &mut Buffer, area: Rect, state: &State, tab: &Tab, theme: &Theme) {
    let failed: Vec<String> = tab
        .streams
        .iter()
        .filter_map(|s| match &s.state {
            ConnectionState::Failed { reason, .. } => {
                Some(format!("{}: {}", stream_name(&s.spec), clean(reason)))
            }
            _ => None,
        })
        .collect();
    let (text, style) = if !failed.is_empty() {
        (failed.join(" · "), theme.failed)
    } else if !state.search.query.trim().is_empty() && tab.visible().next().is_some() {
        (
            format!("No posts match “{}”", clean(state.search.query.trim())),
            theme.dim,
        )
    } else {
        let names: Vec<String> = tab
            .streams
            .iter()
            .map(|s| super::footer::stream_label(tab, &s.spec))
            .collect();
        (
            format!("Waiting for posts on {}…", names.join(", ")),
            theme.dim,
        )
    };
    let width = (area.width as usize).saturating_sub(4).max(1);
    let lines: Vec<Line<'static>> = wrap_spans(&[Span::styled(text, style)], width)
        .into_iter()
        .map(|l| l.centered())
        .collect();
    let y = area.y + area.height.saturating_sub(lines.len() as u16) / 2;
    let h = (lines.len() as u16).min(area.bottom() - y);
    Paragraph::new(lines).render(Rect::new(area.x, y, area.width, h), buf);
}
