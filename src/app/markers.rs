//! The server's markers (`api::markers`): the read position of the home tab and of the
//! notifications, shared with the account's other clients. Read once at start (each moves a
//! position forward, never back); written on quit and at most every `POST_EVERY` while a
//! position moves, only when the token may write them (`write:statuses`) and only after they
//! were read, so that a position from before is never posted over a newer one.

use jiff::{SignedDuration, Timestamp};

use super::Command;
use super::state::State;
use crate::api::markers::Markers;
use crate::live::is_newer;
use crate::stream::StreamSpec;

/// How often a moving position is posted while the view runs.
const POST_EVERY: SignedDuration = SignedDuration::from_secs(60);

/// One account's markers, as the view knows them.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct MarkerSync {
    /// The token may write markers: only a stored token says so (`tootwatch login` keeps its
    /// scopes). The server lists its app's scopes, not the token's, so any other token
    /// reads the markers and posts nothing.
    pub writable: bool,
    /// The server answered a read or a post with a refusal: not asked again in this run.
    pub refused: bool,
    /// The server's markers were read: from then on the view may post its own.
    pub fetched: bool,
    /// A read (or a post) is on its way.
    pub in_flight: bool,
    /// What the server has, as far as the view knows: fetched, then posted.
    pub server: Markers,
    /// When the last post (or read) went out.
    pub sent_at: Option<Timestamp>,
}

/// Why a read or a post of markers did not land.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MarkerFailure {
    /// The server answered no (a 4xx: the token may not, or the server has no markers):
    /// asking again in this run would get the same answer.
    Refused(String),
    /// Anything else (no network, a timeout, a server error): worth another try.
    Failed(String),
}

/// The tab that is the account's home timeline: the one of its tabs streaming `user` alone.
pub fn home_tab(state: &State, account: usize) -> Option<usize> {
    state.tabs.iter().position(|t| {
        t.account == account
            && t.streams.len() == 1
            && t.streams
                .first()
                .is_some_and(|s| s.spec == StreamSpec::User)
    })
}

/// Whether the account's notifications are in the view (a stream of its carries them).
fn has_notifications(state: &State, account: usize) -> bool {
    state.tabs.iter().any(|t| {
        t.account == account
            && t.streams
                .iter()
                .any(|s| matches!(s.spec, StreamSpec::User | StreamSpec::UserNotification))
    })
}

/// At start: the markers of each account with a home tab or notifications.
pub fn initial(state: &mut State) -> Vec<Command> {
    // A side screen shows posts go by; nobody reads them there.
    if !state.settings.markers || state.monitor.is_some() {
        return Vec::new();
    }
    let now = state.now;
    let mut commands = Vec::new();
    for account in 0..state.accounts.len() {
        if home_tab(state, account).is_none() && !has_notifications(state, account) {
            continue;
        }
        let sync = sync_mut(state, account);
        sync.in_flight = true;
        sync.sent_at = Some(now);
        commands.push(Command::FetchMarkers { account });
    }
    commands
}

pub fn sync_mut(state: &mut State, account: usize) -> &mut MarkerSync {
    if state.markers.len() <= account {
        state.markers.resize(account + 1, MarkerSync::default());
    }
    &mut state.markers[account]
}

/// The server's markers arrived: each moves its position forward (the line with it, so that
/// what was read on another device is above the line).
pub fn fetched(state: &mut State, account: usize, result: Result<Markers, MarkerFailure>) {
    let sync = sync_mut(state, account);
    sync.in_flight = false;
    let markers = match result {
        Ok(m) => m,
        Err(MarkerFailure::Refused(e)) => {
            // A server without markers (or a token that may not read them): the local
            // positions are all there is, and nothing is posted.
            tracing::info!("markers of account {account}: {e}; not used in this run");
            sync.refused = true;
            return;
        }
        Err(MarkerFailure::Failed(e)) => {
            // Offline: the local positions stand; the next attempt is when a post would be.
            tracing::info!("markers of account {account}: {e}");
            return;
        }
    };
    sync.fetched = true;
    sync.server = markers.clone();
    if let Some(id) = markers.home
        && let Some(tab) = home_tab(state, account)
    {
        state.tabs[tab].restore_server_read(id);
    }
    if let Some(id) = markers.notifications {
        // Not marked saved: the archive is given it, for the next start without a network.
        let read = state.notifications.read_mut(account);
        if read.divider.as_deref().is_none_or(|d| is_newer(&id, d)) {
            read.divider = Some(id.clone());
        }
        if read.id.as_deref().is_none_or(|r| is_newer(&id, r)) {
            read.id = Some(id);
        }
        state.recount_notifications_unread(account);
    }
    state.dirty = true;
}

/// A post's answer. A refusal (the token may not write markers after all) ends the posting
/// for the account; anything else tries again when the next post is due.
pub fn saved(
    state: &mut State,
    account: usize,
    posted: Markers,
    result: Result<(), MarkerFailure>,
) {
    let sync = sync_mut(state, account);
    sync.in_flight = false;
    match result {
        Ok(()) => {}
        Err(MarkerFailure::Refused(e)) => {
            tracing::info!("markers of account {account} not kept on the server: {e}");
            sync.refused = true;
        }
        Err(MarkerFailure::Failed(e)) => {
            tracing::info!("markers of account {account}: {e}");
            // Posted again when due, unless the position moved on (then the newer goes).
            if sync.server.home == posted.home && posted.home.is_some() {
                sync.server.home = None;
            }
            if sync.server.notifications == posted.notifications && posted.notifications.is_some() {
                sync.server.notifications = None;
            }
        }
    }
}

/// After each event: the positions that moved since the server last heard of them, when a
/// post is due (quitting, or `POST_EVERY` since the last).
pub fn after(state: &mut State, quitting: bool, commands: &mut Vec<Command>) {
    if !state.settings.markers || state.monitor.is_some() {
        return;
    }
    let now = state.now;
    for account in 0..state.markers.len() {
        let sync = &state.markers[account];
        // A quit posts what moved even with an earlier post still on its way (the run loop
        // sends it after that one).
        let busy = sync.in_flight && !(quitting && sync.fetched);
        let due = quitting
            || sync
                .sent_at
                .is_none_or(|at| now.duration_since(at) >= POST_EVERY);
        if sync.refused || busy || !due || (sync.fetched && !sync.writable) {
            continue;
        }
        if !sync.fetched {
            // The read at start failed (offline?): try it again rather than post blindly.
            if !quitting {
                let sync = &mut state.markers[account];
                sync.in_flight = true;
                sync.sent_at = Some(now);
                commands.push(Command::FetchMarkers { account });
            }
            continue;
        }
        let home = home_tab(state, account).and_then(|t| state.tabs[t].read_id.as_ref());
        let notifications = state
            .notifications
            .read
            .get(account)
            .and_then(|r| r.id.as_ref());
        let moved = |ours: Option<&String>, theirs: &Option<String>| {
            ours.filter(|id| theirs.as_deref().is_none_or(|t| is_newer(id, t)))
                .cloned()
        };
        let post = Markers {
            home: moved(home, &sync.server.home),
            notifications: moved(notifications, &sync.server.notifications),
        };
        if post == Markers::default() {
            continue;
        }
        let sync = &mut state.markers[account];
        if let Some(id) = &post.home {
            sync.server.home = Some(id.clone());
        }
        if let Some(id) = &post.notifications {
            sync.server.notifications = Some(id.clone());
        }
        sync.in_flight = true;
        sync.sent_at = Some(now);
        commands.push(Command::SaveMarkers {
            account,
            markers: post,
        });
    }
}
