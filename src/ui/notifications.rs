//! The notification pane: newest on top, one compact entry per notification.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Widget};

use super::status::is_revealed;
use super::theme::Theme;
use super::wrap::{clean, left_right, relative_time, truncate, wrap_text};
use crate::app::state::{NotificationEntry, State};
use crate::filter::Verdict;
use crate::model::NotificationType;

/// How a notification reads: `icon Name verb` for what someone did, `icon verb · Name` for
/// events where the account is only context.
fn describe(kind: &NotificationType) -> (&'static str, String, bool) {
    use NotificationType as N;
    let (icon, verb, actor) = match kind {
        N::Mention => ("@", "mentioned you", true),
        N::Status => ("✎", "posted", true),
        N::Reblog => ("⟳", "boosted your post", true),
        N::Follow => ("+", "followed you", true),
        N::FollowRequest => ("?", "requested to follow you", true),
        N::Favourite => ("★", "favourited", true),
        N::Poll => ("▤", "a poll ended", false),
        N::Update => ("✎", "edited a post", true),
        N::AdminSignUp => ("+", "new sign-up", false),
        N::AdminReport => ("⚑", "new report", false),
        N::SeveredRelationships => ("✂", "relationships severed", false),
        N::ModerationWarning => ("⚠", "moderation warning", false),
        // Other servers' own kinds, by the names they send.
        N::Other(other) => match other.as_str() {
            "pleroma:emoji_reaction" | "emoji_reaction" | "reaction" => ("☺", "reacted", true),
            "pending.favourite" => ("★", "would favourite your post (yours to approve)", true),
            "pending.reblog" => ("⟳", "would boost your post (yours to approve)", true),
            "pending.reply" => ("↩", "replied (yours to approve)", true),
            "pleroma:chat_mention" => ("@", "sent you a chat message", true),
            "move" => ("→", "moved to a new account", true),
            "quote" => ("❝", "quoted your post", true),
            _ => return ("•", clean(other), false),
        },
    };
    (icon, verb.to_string(), actor)
}

fn entry_lines(
    state: &State,
    e: &NotificationEntry,
    width: usize,
    theme: &Theme,
) -> Vec<Line<'static>> {
    let n = &e.notification;
    let (icon, verb, actor) = describe(&n.kind);
    let name = clean(n.account.display_name_or_username());
    let mut left = vec![Span::styled(format!("{icon} "), theme.title)];
    if actor {
        left.push(Span::styled(name, theme.name));
        left.push(Span::raw(format!(" {verb}")));
    } else {
        left.push(Span::raw(verb));
        if !name.is_empty() {
            left.push(Span::styled(" · ", theme.dim));
            left.push(Span::styled(name, theme.name));
        }
    }
    if let Some(emoji) = n.emoji.as_deref().filter(|e| !e.is_empty()) {
        left.push(Span::raw(format!(" {}", clean(emoji))));
    }
    let mut right = Vec::new();
    if state.mixes_accounts()
        && let Some(account) = state.accounts.get(e.account)
    {
        // Whose notification it is, when the deck mixes accounts.
        right.push(Span::styled(
            format!("{} · ", truncate(&clean(&account.name), 24)),
            theme.dim,
        ));
    }
    right.push(Span::styled(
        relative_time(&n.created_at, state.now),
        theme.dim,
    ));
    let mut lines = vec![left_right(left, right, width)];
    let indent = 2;
    let text_w = width.saturating_sub(indent).max(1);
    let Some(status) = n.status.as_deref() else {
        return lines;
    };
    let s = status.original();
    let (text, style) = match &e.verdict {
        Verdict::Warn { title } if !is_revealed(state, s) => {
            (format!("Filtered: {}", clean(title)), theme.warning)
        }
        _ if !s.spoiler_text.trim().is_empty()
            && !is_revealed(state, s)
            && !state.settings.expand_spoilers =>
        {
            (
                format!("CW: {}", clean(s.spoiler_text.trim())),
                theme.warning,
            )
        }
        _ => {
            let style = if n.kind == NotificationType::Mention {
                theme.text
            } else {
                theme.dim
            };
            (crate::text::html_to_line(&s.content, text_w * 2 + 8), style)
        }
    };
    let mut body = wrap_text(&text, style, text_w);
    if body.len() > 2 {
        body.truncate(2);
        let last: String = body[1].spans.iter().map(|s| s.content.as_ref()).collect();
        body[1] = Line::from(Span::styled(truncate(&format!("{last} …"), text_w), style));
    }
    for l in body {
        let mut spans = vec![Span::raw(" ".repeat(indent))];
        spans.extend(l.spans);
        lines.push(Line::from(spans));
    }
    lines
}

/// `side`: the pane is right of the timeline (a left border) rather than below it (a top one).
pub fn draw_notifications(buf: &mut Buffer, area: Rect, state: &State, side: bool, theme: &Theme) {
    let unread = state.notifications.unread();
    let mut title = vec![Span::styled(" Notifications", theme.title)];
    if unread > 0 {
        title.push(Span::styled(format!(" (unread {unread})"), theme.unread));
    }
    title.push(Span::raw(" "));
    let block = Block::new()
        .borders(if side { Borders::LEFT } else { Borders::TOP })
        .border_style(theme.border)
        .title(Line::from(title));
    let inner = block.inner(area);
    block.render(area, buf);
    if inner.width < 4 || inner.height == 0 {
        return;
    }
    // One column of air after the border.
    let inner = Rect::new(inner.x + 1, inner.y, inner.width - 1, inner.height);
    let width = inner.width as usize;
    let mut lines: Vec<Line<'static>> = Vec::new();
    // Once, below the first run of what came since (accounts' positions may interleave).
    let (mut above, mut line_drawn) = (false, false);
    for e in state
        .notifications
        .entries
        .iter()
        .filter(|e| e.verdict != Verdict::Hide)
    {
        if lines.len() >= inner.height as usize {
            break;
        }
        // Where the read position was at start: what came since is above the line.
        let now_above = state.notifications.above_divider(e);
        if above && !now_above && !line_drawn {
            lines.push(super::timeline::read_line(width, theme));
            line_drawn = true;
        } else if !lines.is_empty() {
            lines.push(Line::default());
        }
        above = now_above;
        lines.extend(entry_lines(state, e, width, theme));
    }
    if lines.is_empty() {
        lines.push(Line::from(Span::styled("No notifications yet", theme.dim)));
    }
    Paragraph::new(lines).render(inner, buf);
}
