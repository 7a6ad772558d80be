//! The key reference (`?`), centered over everything: the key table as remapped.

use ratatui::buffer::{Buffer, CellWidth};
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Widget};

use super::theme::Theme;
use super::wrap::{width, wrap_text};
use crate::keys::{Action, Keymap, ROWS};

/// The help's lines: the keys of each row of the key table (as remapped) and what they do.
pub fn help_lines(keys: &Keymap) -> Vec<(String, &'static str)> {
    ROWS.iter()
        .map(|row| (keys.row_label(row), row.help))
        .filter(|(k, _)| !k.is_empty())
        .collect()
}

/// What the tab bar's connection markers mean (the footer says it in words).
const LEGEND: &str = "… connecting  ● live  ↻ polled  ↻! not delivering  ⟳ reconnecting  ✗ failed";

/// Draws the help scrolled by `scroll` lines (as far as it goes); returns how it fit.
pub fn draw_help(
    buf: &mut Buffer,
    area: Rect,
    theme: &Theme,
    keys: &Keymap,
    scroll: usize,
) -> super::OverlayFit {
    let rows = help_lines(keys);
    let close = keys
        .label(Action::Back)
        .or_else(|| keys.label(Action::Help))
        .map(|k| format!(" {k}: close "))
        .unwrap_or_default();
    let key_w = rows.iter().map(|(k, _)| width(k)).max().unwrap_or(0);
    let text_w = rows.iter().map(|(_, t)| width(t)).max().unwrap_or(0);
    let legend_w = width(LEGEND) + 4;
    let w = ((key_w + text_w + 6).max(legend_w) as u16).min(area.width);
    // A margin of a column or two would show slivers of what is behind: take the width.
    let w = if area.width - w <= 2 { area.width } else { w };
    // Inside the border, a space on each side.
    let inner_w = usize::from(w.saturating_sub(4)).max(1);
    let mut lines = Vec::new();
    for (k, t) in rows {
        lines.extend(help_row(&k, t, key_w, inner_w, theme));
    }
    lines.push(Line::raw(""));
    lines.extend(legend_lines(inner_w, theme));
    let h = (lines.len() as u16 + 2).min(area.height);
    let x = area.x + (area.width - w) / 2;
    let y = area.y + (area.height - h) / 2;
    let rect = Rect::new(x, y, w, h);
    let block = Block::bordered()
        .border_style(theme.border)
        .title(Span::styled(" Keys ", theme.title))
        .title_bottom(Line::from(Span::styled(close, theme.dim)).right_aligned());
    let inner_h = usize::from(h.saturating_sub(2));
    let (scroll, fit) = super::scroll_window(lines.len(), inner_h, scroll);
    let block = match super::scroll_mark(scroll, fit.scroll_max, theme) {
        Some(mark) => block.title_bottom(mark),
        None => block,
    };
    clear_overlay(rect, buf);
    Paragraph::new(lines)
        .block(block)
        .scroll((u16::try_from(scroll).unwrap_or(u16::MAX), 0))
        .render(rect, buf);
    fit
}

/// Narrower than this beside the keys, what a key does goes under it.
const LEAST_TEXT: usize = 16;

/// One row of the table: its keys, then what they do, wrapped under itself where the overlay
/// is narrower than the row (a side pane); narrower still, under the keys.
fn help_row(
    keys: &str,
    text: &'static str,
    key_w: usize,
    inner_w: usize,
    theme: &Theme,
) -> Vec<Line<'static>> {
    // Padded by display width: a remapped key may be a wide character.
    let pad = " ".repeat(key_w.saturating_sub(width(keys)));
    let key = Span::styled(format!("{keys}{pad}"), theme.key);
    let beside = inner_w.saturating_sub(key_w + 2);
    if beside < LEAST_TEXT {
        // Every row so, not only the long ones: the column of keys stays one column.
        let mut lines = vec![Line::from(vec![Span::raw(" "), key])];
        lines.extend(
            wrap_text(text, Style::default(), inner_w.saturating_sub(2).max(1))
                .into_iter()
                .map(|line| {
                    let mut spans = vec![Span::raw("   ")];
                    spans.extend(line.spans);
                    Line::from(spans)
                }),
        );
        return lines;
    }
    if key_w + 2 + width(text) <= inner_w {
        return vec![Line::from(vec![
            Span::raw(" "),
            key,
            Span::raw("  "),
            Span::raw(text),
        ])];
    }
    let indent = " ".repeat(key_w + 3);
    wrap_text(text, Style::default(), beside)
        .into_iter()
        .enumerate()
        .map(|(i, line)| {
            let mut spans = if i == 0 {
                vec![Span::raw(" "), key.clone(), Span::raw("  ")]
            } else {
                vec![Span::raw(indent.clone())]
            };
            spans.extend(line.spans);
            Line::from(spans)
        })
        .collect()
}

/// The legend, its entries kept whole (a marker with its word) and put on as few lines as fit.
fn legend_lines(inner_w: usize, theme: &Theme) -> Vec<Line<'static>> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for entry in LEGEND.split("  ") {
        if !line.is_empty() && width(&line) + 2 + width(entry) > inner_w {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push_str("  ");
        }
        line.push_str(entry);
    }
    lines.push(line);
    lines
        .into_iter()
        .map(|l| Line::from(vec![Span::raw(" "), Span::styled(l, theme.dim)]))
        .collect()
}

/// Clears `rect` for an overlay. A wide character just left of it would reach into the
/// overlay's first column (and, on a real terminal, swallow its border), so it goes too.
pub fn clear_overlay(rect: Rect, buf: &mut Buffer) {
    Clear.render(rect, buf);
    if rect.x > buf.area.x {
        for y in rect.top()..rect.bottom() {
            let cell = &mut buf[(rect.x - 1, y)];
            if cell.symbol().cell_width() > 1 {
                cell.set_symbol(" ");
            }
        }
    }
}
