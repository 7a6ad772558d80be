//! The full view of one status (Enter): everything the timeline shortens.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Widget};

use super::graphics::{self, PictureArea};
use super::links::{self, LinkArea};
use super::status::{LayoutCache, body_lines, header_line, pictures_on, visibility_label};
use super::theme::Theme;
use super::wrap::{clean, full_time, truncate, wrap_text};
use crate::app::state::{Item, State};
use crate::filter::Verdict;
use crate::keys::Action;

#[allow(clippy::too_many_arguments)]
pub fn draw_detail(
    buf: &mut Buffer,
    area: Rect,
    state: &State,
    tab: usize,
    id: &str,
    cache: &mut LayoutCache,
    theme: &Theme,
    // The pictures drawn, for the view to report.
    wanted: &mut Vec<String>,
    // Where downloaded pictures were drawn whole, for a pixel protocol.
    drawn: &mut Vec<PictureArea>,
    // How the post fit `area` (it scrolls by `state.overlay_scroll`).
    fit: &mut super::OverlayFit,
) -> Vec<LinkArea> {
    let mut links = Vec::new();
    let entry = state
        .tab_view(tab)
        .and_then(|t| t.entries.iter().find(|e| e.item.id() == id));
    let status = entry.and_then(|e| e.item.status());
    let title = match status {
        Some(s) => format!(
            " Post by {} ",
            truncate(
                &clean(s.account.display_name_or_username()),
                (area.width as usize).saturating_sub(24)
            )
        ),
        None => " Post ".into(),
    };
    let back = state
        .settings
        .keys
        .label(Action::Back)
        .map(|k| format!(" {k}: back "))
        .unwrap_or_default();
    let block = Block::bordered()
        .border_style(theme.border)
        .title(Span::styled(title, theme.title))
        .title_bottom(Line::from(Span::styled(back, theme.dim)).right_aligned());
    let inner = block.inner(area);
    if inner.width < 4 || inner.height == 0 {
        block.render(area, buf);
        return links;
    }
    let inner = Rect::new(inner.x + 1, inner.y, inner.width - 2, inner.height);
    let width = inner.width as usize;
    let (Some(entry), Some(s)) = (entry, status) else {
        let lines = vec![Line::from(Span::styled(
            "This post is no longer here.",
            theme.dim,
        ))];
        Paragraph::new(lines).render(inner, buf);
        block.render(area, buf);
        return links;
    };
    let mut lines: Vec<Line<'static>> = Vec::new();
    if let Verdict::Warn { title } = &entry.verdict {
        lines.push(Line::from(Span::styled(
            format!("Filtered: {}", clean(title)),
            theme.warning,
        )));
    }
    match &entry.item {
        Item::Status(wrapper) if wrapper.reblog.is_some() => {
            let name = clean(wrapper.account.display_name_or_username());
            lines.push(Line::from(Span::styled(
                truncate(&format!("⟳ {name} boosted"), width),
                theme.dim,
            )));
        }
        Item::Conversation(c) => {
            let with: Vec<String> = c
                .accounts
                .iter()
                .map(|a| format!("@{}", clean(&a.acct)))
                .collect();
            lines.extend(wrap_text(
                &format!("✉ with {}", with.join(", ")),
                theme.dim,
                width,
            ));
        }
        Item::Status(_) | Item::Gap { .. } => {}
    }
    lines.push(header_line(s, state, width, theme));

    let mut meta = vec![format!("posted {}", full_time(&s.created_at))];
    if let Some(edited) = &s.edited_at {
        meta.push(format!("edited {}", full_time(edited)));
    }
    meta.push(visibility_label(&s.visibility).unwrap_or_else(|| "public".into()));
    if let Some(lang) = s.language.as_deref().filter(|l| !l.is_empty()) {
        meta.push(format!("language {}", clean(lang)));
    }
    if s.in_reply_to_id.is_some() {
        meta.push("↩ a reply".into());
    }
    lines.extend(wrap_text(&meta.join(" · "), theme.dim, width));
    lines.push(Line::default());
    let revealed = super::status::is_revealed(state, s);
    let shown = super::picture::Shown::new(state, s, &entry.verdict, revealed);
    let pictures = pictures_on(state, theme).then_some(&shown);
    if pictures.is_some() {
        super::picture::wanted(state, entry, true, wanted);
    }
    let body = body_lines(cache, s, &entry.verdict, None, true, pictures, width, theme);
    let body_first = lines.len();
    lines.extend(body.lines.iter().cloned());
    lines.push(Line::default());
    lines.push(Line::from(vec![
        Span::styled("↩ ", theme.dim),
        Span::raw(s.replies_count.to_string()),
        Span::styled("  ⟳ ", theme.dim),
        Span::raw(s.reblogs_count.to_string()),
        Span::styled("  ★ ", theme.dim),
        Span::raw(s.favourites_count.to_string()),
    ]));
    let url = s.url.as_deref().filter(|u| !u.is_empty()).unwrap_or(&s.uri);
    let mut url_runs = Vec::new();
    if !url.is_empty() {
        let url_lines = wrap_text(&clean(url), theme.link, width);
        url_runs = links::whole_line_runs(&url_lines, lines.len(), url);
        lines.extend(url_lines);
    }
    // Taller than the window: it scrolls, and the border says where more is.
    let (scroll, fitted) =
        super::scroll_window(lines.len(), usize::from(inner.height), state.overlay_scroll);
    *fit = fitted;
    links::place_scrolled(&mut links, body.links, inner, 0, body_first, scroll);
    graphics::place_scrolled(drawn, body.pictures, inner, 0, body_first, scroll);
    links::place_scrolled(&mut links, &url_runs, inner, 0, 0, scroll);
    Paragraph::new(lines)
        .scroll((u16::try_from(scroll).unwrap_or(u16::MAX), 0))
        .render(inner, buf);
    let block = match super::scroll_mark(scroll, fit.scroll_max, theme) {
        Some(mark) => block.title_bottom(mark),
        None => block,
    };
    block.render(area, buf);
    links
}
