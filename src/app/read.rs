//! Read positions: per tab, the newest post the reader had selected (the top while they
//! follow it). The tab bar counts what is newer; the timeline draws a "read up to here"
//! line where the position was when the reader came to the tab. Positions go to the archive
//! (`Write::ReadPosition`), at most every `SAVE_EVERY` while they move, and at once when
//! the reader leaves a tab or quits.

use super::Command;
use super::state::{Item, Overlay, State};
use crate::archive::{Batch, Write};

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

/// After each event: the active tab's position moves to what the reader has selected, and
/// positions that moved are kept.
pub fn after(state: &mut State, commands: &mut Vec<Command>) {
    let active = state.active;
    if state.found.is_none()
        && matches!(state.overlay, Overlay::None)
        && let Some(tab) = state.tabs.get_mut(active)
        && tab
            .selected_entry()
            .is_some_and(|e| matches!(e.item, Item::Status(_)))
    {
        tab.mark_read();
    }
    if !state.archive_writing {
        return;
    }
    let quitting = state.quit || commands.contains(&Command::Quit);
    let now = state.now;
    let mut writes = Vec::new();
    for (i, tab) in state.tabs.iter_mut().enumerate() {
        let Some(id) = tab.read_id.clone() else {
            continue;
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
    if !writes.is_empty() {
        // Before a quit, which ends the run loop.
        commands.insert(0, Command::ArchiveWrite(Batch(writes)));
    }
}
