//! The tab bar: `1 Home 3 ●` per tab (3: posts newer than the tab's read position), the active one reversed, scrolled so that the active
//! tab is always on screen. The drawn label areas are kept for mouse clicks.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use super::theme::Theme;
use super::wrap::{clean, line_width, truncate_middle};
use crate::app::state::{State, Tab, TabStream};
use crate::stream::{ConnectionState, format_delay};

/// The short connection marker of a tab label.
pub fn connection_marker(
    stream: Option<&TabStream>,
    now: jiff::Timestamp,
    theme: &Theme,
) -> Option<Span<'static>> {
    let stream = stream?;
    Some(match &stream.state {
        ConnectionState::Live { .. } => Span::styled("●", theme.live),
        ConnectionState::Polling {
            not_delivering: false,
            ..
        } => Span::styled("↻", theme.pending),
        ConnectionState::Polling { .. } => Span::styled("↻!", theme.pending),
        ConnectionState::Connecting { .. } => Span::styled("…", theme.pending),
        ConnectionState::Reconnecting { after, .. } => {
            let left = stream.retry_in(now).unwrap_or(*after);
            Span::styled(format!("⟳ {}", format_delay(left)), theme.pending)
        }
        ConnectionState::Failed { .. } => Span::styled("✗", theme.failed),
    })
}

fn label(i: usize, tab: &Tab, active: bool, now: jiff::Timestamp, theme: &Theme) -> Line<'static> {
    let mut spans = vec![Span::raw(" ")];
    if i < 9 {
        spans.push(Span::styled(format!("{} ", i + 1), theme.dim));
    }
    spans.push(Span::raw(truncate_middle(&clean(&tab.title), 24)));
    // The active tab's unread posts are above the reader, and its "↑ N new" line counts
    // them: one number, where it is read.
    if tab.unread > 0 && !active {
        spans.push(Span::styled(format!(" {}", tab.unread), theme.unread));
    }
    if let Some(marker) = connection_marker(tab.worst_stream(), now, theme) {
        spans.push(Span::raw(" "));
        spans.push(marker);
    }
    spans.push(Span::raw(" "));
    let mut line = Line::from(spans);
    if active {
        line = line.style(theme.tab_active);
        // Dim digits would be unreadable on the reversed label.
        for s in &mut line.spans {
            s.style = s.style.remove_modifier(ratatui::style::Modifier::DIM);
        }
    } else {
        line = line.style(theme.tab);
    }
    line
}

/// Draws the bar into `area` (one row) and returns each drawn label's area with its tab.
pub fn draw_tabs(buf: &mut Buffer, area: Rect, state: &State, theme: &Theme) -> Vec<(Rect, usize)> {
    let mut hits = Vec::new();
    if area.width == 0 || area.height == 0 {
        return hits;
    }
    let labels: Vec<Line<'static>> = state
        .tabs
        .iter()
        .enumerate()
        .map(|(i, t)| label(i, t, i == state.active, state.now, theme))
        .collect();
    let widths: Vec<usize> = labels.iter().map(line_width).collect();
    let sep = 1;
    let total: usize = widths.iter().sum::<usize>() + sep * labels.len().saturating_sub(1);
    let avail = area.width as usize;
    let active = state.active.min(labels.len().saturating_sub(1));
    // Scroll right just far enough that the active label fits, with room for the `‹` marker.
    let mut start = 0;
    if total > avail {
        while start < active {
            let span: usize =
                widths[start..=active].iter().sum::<usize>() + sep * (active - start) + 1;
            if span <= avail.saturating_sub(1) {
                break;
            }
            start += 1;
        }
    }
    let mut x = area.x;
    let right = area.x + area.width;
    if start > 0 {
        buf.set_span(x, area.y, &Span::styled("‹", theme.dim), 1);
        x += 1;
    }
    let mut cut = false;
    for (i, line) in labels.iter().enumerate().skip(start) {
        if x >= right {
            break;
        }
        if i > start {
            buf.set_span(x, area.y, &Span::styled("│", theme.border), 1);
            x += 1;
            if x >= right {
                break;
            }
        }
        let room = right - x;
        let w = (widths[i] as u16).min(room);
        cut = widths[i] as u16 > room;
        buf.set_line(x, area.y, line, w);
        hits.push((Rect::new(x, area.y, w, 1), i));
        x += w;
    }
    // A label cut at the edge, or tabs past it (also when the last label fit to the cell, or
    // its separator took the last one), are said by a marker in the last cell.
    let hidden = hits.last().is_some_and(|&(_, i)| i + 1 < labels.len());
    if cut || hidden {
        buf.set_span(right - 1, area.y, &Span::styled("›", theme.dim), 1);
        if let Some((r, _)) = hits.last_mut()
            && r.right() > right - 1
        {
            r.width -= 1;
        }
    }
    hits
}
