//! `/` in a tab with the archive: typing filters the loaded posts as before; Enter searches
//! everything the archive kept of the tab's streams (`archive/search.rs`, off the run loop)
//! and shows the results as a list in the tab. Enter opens one, Esc goes back to the live
//! timeline where the reader was (it went on filling meanwhile).

use super::Command;
use super::state::{Item, State, Tab};
use crate::archive::Kept;
use crate::filter::Verdict;

/// Results shown at most.
pub const RESULTS: usize = 200;

/// The archive's answer to a search, shown in its tab instead of the live timeline.
#[derive(Debug, Clone, PartialEq)]
pub struct Found {
    pub tab: usize,
    pub query: String,
    /// The results as a timeline of their own: drawn, moved through and opened as one.
    pub view: Tab,
}

/// Enter after typing a query: the search to run, if the archive can answer it.
pub fn submit(state: &mut State) -> Option<Command> {
    let query = state.search.query.trim().to_string();
    let tab = state.tabs.get(state.active)?;
    let account = state.archive_accounts.get(tab.account)?.clone();
    crate::archive::search::fts_query(&query)?;
    let streams = tab.streams.iter().map(|s| s.spec.to_string()).collect();
    state.flash = Some(format!("searching the archive for “{query}”…"));
    Some(Command::SearchArchive {
        tab: state.active,
        account,
        streams,
        query,
    })
}

/// The archive answered: the results replace the tab's timeline on screen, if the reader
/// still waits for them.
pub fn found(state: &mut State, tab: usize, query: String, result: Result<Vec<Kept>, String>) {
    state.dirty = true;
    if tab != state.active || query != state.search.query.trim() {
        return;
    }
    let kept = match result {
        Ok(kept) => kept,
        Err(e) => {
            tracing::warn!("searching the archive failed: {e}");
            state.flash = Some(format!("could not search the archive: {e}"));
            return;
        }
    };
    let Some(live) = state.tabs.get(tab) else {
        return;
    };
    let mut view = Tab::new(
        live.title.clone(),
        live.streams
            .iter()
            .map(|s| (s.id, s.spec.clone()))
            .collect(),
    );
    view.account = live.account;
    let (account, context) = (live.account, live.context.clone());
    for k in kept {
        let (item, verdict) = match k {
            Kept::Status(s) => {
                if state.is_deleted(account, &s) {
                    continue;
                }
                let verdict = state.verdict_for(account, s.original(), &context);
                (Item::Status(s), verdict)
            }
            Kept::Conversation(c) => {
                let verdict = c.last_status.as_deref().map_or(Verdict::Show, |s| {
                    state.verdict_for(account, s, &crate::model::FilterContext::Home)
                });
                (Item::Conversation(c), verdict)
            }
            Kept::Notification(_) => continue,
        };
        let at = view.entries.len();
        view.insert_at(at, item, verdict, 0);
    }
    view.selected = 0;
    view.new_above = 0;
    let n = view.visible().count();
    state.flash = Some(match n {
        0 => format!("the archive has nothing for “{query}” here"),
        1 => format!("1 post in the archive for “{query}” (Esc: back to the timeline)"),
        n => format!("{n} posts in the archive for “{query}” (Esc: back to the timeline)"),
    });
    if n > 0 {
        state.found = Some(Found { tab, query, view });
    }
}
