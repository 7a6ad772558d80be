//! Read positions: per tab, the newest post the reader had selected (the top while they
//! follow it); per account, the newest notification the pane showed. They move only while
//! the reader is there (a key or a click within `AWAY_AFTER`). The tab bar counts what is
//! newer; the timeline draws a "read up to here" line where the position was when the reader
//! came to the tab, the pane where it was at start. Positions go to the archive
//! (`Write::ReadPosition`), at most every `SAVE_EVERY` while they move, and at once when
//! the reader leaves a tab or quits; the home tab's and the notifications' also go to the
//! server's markers (`markers.rs`).

use super::Command;
use super::state::{Item, Notifications, Overlay, State};
use crate::archive::store::NOTIFICATIONS;
use crate::archive::{Batch, Write};
use crate::filter::Verdict;

/// An account's read position in the notifications: the newest one on screen while the pane
/// shows; the line stays where the position was at start (the archive's, the server's
/// marker) for the session.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct NotificationsRead {
    pub id: Option<String>,
    pub divider: Option<String>,
    /// What the archive has last been given, and when.
    pub saved: Option<String>,
    pub saved_at: Option<jiff::Timestamp>,
}

/// How often a moving read position is handed to the archive.
const SAVE_EVERY: jiff::SignedDuration = jiff::SignedDuration::from_secs(10);

/// What the archive files a tab's read position under: its streams, in the tab's order.
pub fn read_key(tab: &super::state::Tab) -> String {
    tab.streams
        .iter()
        .map(|s| s.spec.to_string())
        .collect::<Vec<_>>()
        .join(" ")
}

/// A view left alone this long (no key, no click) is not being read: its positions stay
/// where the reader left them, and the server's markers with them.
const AWAY_AFTER: jiff::SignedDuration = jiff::SignedDuration::from_mins(10);

/// After each event: the active tab's position moves to what the reader has selected, and
/// positions that moved are kept.
pub fn after(state: &mut State, commands: &mut Vec<Command>) {
    let active = state.active;
    let present = state.now.duration_since(state.last_input) < AWAY_AFTER;
    if present
        && state.found.is_none()
        && matches!(state.overlay, Overlay::None)
        && let Some(tab) = state.tabs.get_mut(active)
    {
        match tab.selected_entry().map(|e| &e.item) {
            Some(Item::Status(_)) => tab.mark_read(),
            Some(Item::Conversation(_)) => tab.conversations_seen(),
            _ => {}
        }
    }
    if present && state.show_notifications && state.notifications_drawn {
        notifications_seen(state);
    }
    let quitting = state.quit || commands.contains(&Command::Quit);
    super::markers::after(state, quitting, commands);
    if !state.archive_writing {
        return;
    }
    let now = state.now;
    let mut writes = Vec::new();
    for (i, tab) in state.tabs.iter_mut().enumerate() {
        // A tab never visited looks for what it opened with at most every `SAVE_EVERY` (a walk
        // down its timeline, not for every event of a firehose).
        let id = match tab.read_id.clone() {
            Some(id) => id,
            None if quitting || now.duration_since(tab.read_looked_at) >= SAVE_EVERY => {
                tab.read_looked_at = now;
                match tab.unvisited_read() {
                    Some(id) => id,
                    None => continue,
                }
            }
            None => continue,
        };
        if tab.read_saved.as_deref() == Some(id.as_str()) {
            continue;
        }
        let due = quitting || i != active || now.duration_since(tab.read_saved_at) >= SAVE_EVERY;
        if !due {
            continue;
        }
        let Some(account) = state.archive_accounts.get(tab.account).cloned() else {
            continue;
        };
        writes.push(Write::ReadPosition {
            account,
            tab: read_key(tab),
            id: id.clone(),
        });
        tab.read_saved = Some(id);
        tab.read_saved_at = now;
    }
    for (account, read) in state.notifications.read.iter_mut().enumerate() {
        let Some(id) = read.id.clone() else {
            continue;
        };
        let due = quitting
            || read
                .saved_at
                .is_none_or(|at| now.duration_since(at) >= SAVE_EVERY);
        if read.saved.as_deref() == Some(id.as_str()) || !due {
            continue;
        }
        let Some(name) = state.archive_accounts.get(account).cloned() else {
            continue;
        };
        writes.push(Write::ReadPosition {
            account: name,
            tab: NOTIFICATIONS.to_string(),
            id: id.clone(),
        });
        read.saved = Some(id);
        read.saved_at = Some(now);
    }
    if !writes.is_empty() {
        // Before a quit, which ends the run loop.
        commands.insert(0, Command::ArchiveWrite(Batch(writes)));
    }
}

/// The pane shows: each account's newest notification there (the first of its, newest
/// first) is read. After every event, so it stops as soon as each account has its own and
/// copies an id only when a position moves.
fn notifications_seen(state: &mut State) {
    let accounts = state.accounts.len();
    let n = &mut state.notifications;
    let mut looked = vec![false; accounts];
    let mut moved: Vec<(usize, String)> = Vec::new();
    let mut found = 0;
    for e in &n.entries {
        if e.verdict == Verdict::Hide || looked.get(e.account) != Some(&false) {
            continue;
        }
        looked[e.account] = true;
        found += 1;
        let read = n.read.get(e.account).and_then(|r| r.id.as_deref());
        if read.is_none_or(|r| crate::live::is_newer(&e.notification.id, r)) {
            moved.push((e.account, e.notification.id.clone()));
        }
        if found == accounts {
            break;
        }
    }
    for (account, id) in moved {
        n.read_mut(account).id = Some(id);
    }
}

impl Notifications {
    pub fn read_mut(&mut self, account: usize) -> &mut NotificationsRead {
        if self.read.len() <= account {
            self.read.resize(account + 1, Default::default());
        }
        &mut self.read[account]
    }

    /// Whether the entry is above its account's "read up to here" line.
    pub fn above_divider(&self, e: &super::state::NotificationEntry) -> bool {
        self.read
            .get(e.account)
            .and_then(|r| r.divider.as_deref())
            .is_some_and(|d| crate::live::is_newer(&e.notification.id, d))
    }

    /// A notification of `account` arrived while the pane was hidden.
    pub fn count_new(&mut self, account: usize) {
        if self.unread_of.len() <= account {
            self.unread_of.resize(account + 1, 0);
        }
        self.unread_of[account] += 1;
    }

    /// What arrived while the pane was hidden, all accounts together.
    pub fn unread(&self) -> usize {
        self.unread_of.iter().sum()
    }
}

impl State {
    /// Unread notifications of an account after its position came from before (the archive,
    /// the markers): those newer than it, while the pane is hidden. Other accounts' counts
    /// stay as they are.
    pub fn recount_notifications_unread(&mut self, account: usize) {
        let n = &mut self.notifications;
        let count = match n.read.get(account).and_then(|r| r.id.as_deref()) {
            Some(read) if !self.show_notifications => n
                .entries
                .iter()
                .filter(|e| e.account == account && e.verdict != Verdict::Hide)
                .filter(|e| crate::live::is_newer(&e.notification.id, read))
                .count(),
            Some(_) => 0,
            None => return,
        };
        if n.unread_of.len() <= account {
            n.unread_of.resize(account + 1, 0);
        }
        n.unread_of[account] = count;
    }
}
