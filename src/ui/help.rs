//! The key reference (`?`), centered over everything: the key table as remapped.

use ratatui::buffer::{Buffer, CellWidth};
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph, Widget};

use super::theme::Theme;
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
    let key_w = rows
        .iter()
        .map(|(k, _)| k.chars().count())
        .max()
        .unwrap_or(0);
    let text_w = rows
        .iter()
        .map(|(_, t)| t.chars().count())
        .max()
        .unwrap_or(0);
    let legend_w = LEGEND.chars().count() + 4;
    let w = ((key_w + text_w + 6).max(legend_w) as u16).min(area.width);
    let h = (rows.len() as u16 + 4).min(area.height);
    let x = area.x + (area.width - w) / 2;
    let y = area.y + (area.height - h) / 2;
    let rect = Rect::new(x, y, w, h);
    let block = Block::bordered()
        .border_style(theme.border)
        .title(Span::styled(" Keys ", theme.title))
        .title_bottom(Line::from(Span::styled(close, theme.dim)).right_aligned());
    let mut lines: Vec<Line<'static>> = rows
        .into_iter()
        .map(|(k, t)| {
            Line::from(vec![
                Span::raw(" "),
                Span::styled(format!("{k:<key_w$}"), theme.key),
                Span::raw("  "),
                Span::raw(t),
            ])
        })
        .collect();
    lines.push(Line::raw(""));
    lines.push(Line::from(vec![
        Span::raw(" "),
        Span::styled(LEGEND, theme.dim),
    ]));
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
