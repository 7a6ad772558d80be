//! The status line at the bottom and the announcement banner at the top.

use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};

use super::html::html_plain_lines;
use super::theme::Theme;
use super::wrap::{clean, left_right, truncate, width};
use crate::app::state::State;
use crate::keys::Action;
use crate::stream::{ConnectionState, StreamSpec, format_delay};

/// A stream as the reader named it (`hashtag:rust`), with the home timeline called `home`.
pub fn stream_name(spec: &StreamSpec) -> String {
    match spec {
        StreamSpec::User => "home".into(),
        other => clean(&other.to_string()),
    }
}

/// A stream of `tab` as the footer and the empty timeline name it: a list alone in its tab by
/// the tab's title (the list's, `Friends`: its id `list:42` says nothing), else by its name.
pub fn stream_label(tab: &crate::app::tab::Tab, spec: &StreamSpec) -> String {
    match spec {
        StreamSpec::List { .. } if tab.streams.len() == 1 && !tab.title.trim().is_empty() => {
            clean(&tab.title)
        }
        _ => stream_name(spec),
    }
}

/// `live`, `connecting`, `reconnecting in 3 s because …`, `polling every 60 s (…)`,
/// `failed: …`; a reconnect counts down from `retry_in`.
pub fn state_spans(
    state: &ConnectionState,
    retry_in: Option<std::time::Duration>,
    theme: &Theme,
) -> Vec<Span<'static>> {
    match state {
        ConnectionState::Live { .. } => vec![Span::styled("live", theme.live)],
        ConnectionState::Connecting { .. } => vec![Span::styled("connecting", theme.pending)],
        ConnectionState::Polling { .. } => {
            vec![Span::styled(clean(&state.to_string()), theme.pending)]
        }
        ConnectionState::Reconnecting { after, reason } => vec![Span::styled(
            format!(
                "reconnecting in {} because {}",
                format_delay(retry_in.unwrap_or(*after)),
                clean(reason)
            ),
            theme.pending,
        )],
        ConnectionState::Failed { reason, .. } => {
            vec![Span::styled(
                format!("failed: {}", clean(reason)),
                theme.failed,
            )]
        }
    }
}

/// `? help  q quit`, with the keys of the key table.
fn hint(state: &State) -> String {
    let keys = &state.settings.keys;
    [(Action::Help, "help"), (Action::Quit, "quit")]
        .into_iter()
        .filter_map(|(action, what)| keys.label(action).map(|k| format!("{k} {what}")))
        .collect::<Vec<_>>()
        .join("  ")
}

pub fn draw_footer(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    if area.height == 0 || area.width == 0 {
        return;
    }
    let w = area.width as usize;
    // While a query is typed, `?` and `q` are letters of it.
    let hint = match state.search.editing {
        true => "Enter: search the archive  Esc: cancel".to_string(),
        false => hint(state),
    };
    let mut left: Vec<Span<'static>> = Vec::new();
    let mut cursor = None;
    if state.search.editing {
        let query = clean(&state.search.query);
        // Keep the end of a long query in view: that is where the typing happens.
        let room = w.saturating_sub(width(&hint) + 3);
        let shown = tail_to_width(&query, room.saturating_sub(1));
        cursor = Some(area.x + 1 + width(&shown) as u16);
        left.push(Span::styled("/", theme.search));
        left.push(Span::raw(shown));
    } else if let Some(flash) = &state.flash {
        left.push(Span::styled(clean(flash), theme.warning));
    } else {
        if !state.search.query.trim().is_empty() {
            left.push(Span::styled(
                format!(
                    "search: {} (Esc clears)",
                    truncate(&clean(state.search.query.trim()), 30)
                ),
                theme.search,
            ));
            left.push(Span::styled(" · ", theme.dim));
        }
        if let Some(ended) = state.recording_ended {
            // A recording has no connection to speak of: what it is says more.
            let text = match ended {
                false => "playing a recording, not live",
                true => "the recording has ended",
            };
            left.push(Span::styled(text, theme.dim));
        } else if let Some(tab) = state.active_tab() {
            // Streams in trouble first: their reasons are what a narrow footer must not cut.
            let mut streams: Vec<_> = tab.streams.iter().collect();
            streams.sort_by_key(|s| std::cmp::Reverse(crate::app::tab::badness(&s.state)));
            for (i, s) in streams.into_iter().enumerate() {
                if i > 0 {
                    left.push(Span::styled(" · ", theme.dim));
                }
                left.push(Span::raw(format!("{} ", stream_label(tab, &s.spec))));
                left.extend(state_spans(&s.state, s.retry_in(state.now), theme));
            }
        }
    }
    // The key hint yields to a message that needs the room (a reason, a flash).
    let left_w: usize = left.iter().map(|s| width(&s.content)).sum();
    let right = if left_w + width(&hint) + 2 > w && !state.search.editing {
        Vec::new()
    } else {
        vec![Span::styled(hint, theme.dim)]
    };
    let line = left_right(left, right, w);
    Paragraph::new(line).render(area, frame.buffer_mut());
    if let Some(x) = cursor {
        frame.set_cursor_position(Position::new(x.min(area.right().saturating_sub(1)), area.y));
    }
}

/// The last graphemes of `s` that fit in `max` cells.
fn tail_to_width(s: &str, max: usize) -> String {
    let mut parts: Vec<&str> = Vec::new();
    let mut used = 0;
    let graphemes: Vec<String> = Span::raw(s)
        .styled_graphemes(ratatui::style::Style::new())
        .map(|g| g.symbol.to_string())
        .collect();
    for g in graphemes.iter().rev() {
        let gw = width(g);
        if used + gw > max {
            break;
        }
        used += gw;
        parts.push(g);
    }
    parts.reverse();
    parts.concat()
}

/// The newest announcement in up to three lines, with its dismiss key; empty without one.
pub fn banner_lines(state: &State, w: usize, theme: &Theme) -> Vec<Line<'static>> {
    let Some(a) = state.announcements.first() else {
        return Vec::new();
    };
    if w < 20 {
        return Vec::new();
    }
    let dismiss = match state.settings.keys.label(Action::DismissAnnouncement) {
        Some(k) => format!("{k}: dismiss"),
        None => "dismiss".to_string(),
    };
    let key = if state.announcements.len() > 1 {
        format!("[{dismiss} · 1/{}]", state.announcements.len())
    } else {
        format!("[{dismiss}]")
    };
    let room = w.saturating_sub(3 + width(&key) + 1).max(8);
    let mut text: Vec<String> = html_plain_lines(&a.content, room, theme)
        .into_iter()
        .filter(|l| !l.trim().is_empty())
        .collect();
    if text.is_empty() {
        text.push(String::new());
    }
    if text.len() > 3 {
        text.truncate(3);
        let last = &mut text[2];
        *last = truncate(&format!("{last} …"), room);
    }
    text.into_iter()
        .enumerate()
        .map(|(i, t)| {
            let lead = if i == 0 { "📣 " } else { "   " };
            let left = vec![Span::styled(format!("{lead}{t}"), theme.banner)];
            let right = if i == 0 {
                vec![Span::styled(key.clone(), theme.dim)]
            } else {
                vec![]
            };
            left_right(left, right, w)
        })
        .collect()
}
