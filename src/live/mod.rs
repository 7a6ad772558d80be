//! The live semantics, once. What the live view shows and what `tail` prints are decided here:
//! merged-group dedupe, tombstones (a deleted id never comes back), filters, where catching up
//! starts after a reconnect, which streams are polled over REST and which are checked against
//! it. Pure and synchronous: the front ends feed it facts and carry out the `Need`s it queues.

mod admit;
mod catchup;
mod filters;
pub mod ids;
mod verify;

use std::collections::VecDeque;
use std::time::Duration;

use jiff::Timestamp;

pub use ids::{RecentConversations, RecentEdits, RecentIds, Tombstones};
pub(crate) use ids::{edited_later, is_newer};

use crate::api::ApiError;
use crate::api::timeline::{History, Since};
use crate::filter::{Verdict, verdict};
use crate::matching::Highlights;
use crate::model::{Filter, FilterContext, Status};
// The tests (`use super::*`) build notifications.
#[cfg(test)]
use crate::model::Notification;
use crate::stream::link::refusal_is_about_the_token;
use crate::stream::spec::Scope;
use crate::stream::{ConnectionState, FailureCause, StreamEvent, StreamId, StreamSpec};

/// One subscription as a front end opened it.
#[derive(Debug, Clone, PartialEq)]
pub struct Subscription {
    pub spec: StreamSpec,
    /// Streams of one group (a merged tab, a comma-joined STREAM) show each post once.
    pub group: usize,
    /// Whose server the stream is on (an index the front end chose).
    pub account: usize,
    /// Why the server cannot stream this, when it cannot: it is polled instead.
    pub unstreamable: Option<String>,
}

/// How often polled streams are read and every stream is verified.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Cadence {
    pub poll_every: Duration,
    pub verify_every: Duration,
}

impl Default for Cadence {
    fn default() -> Self {
        Cadence {
            poll_every: Duration::from_secs(60),
            verify_every: Duration::from_secs(300),
        }
    }
}

/// Where an event came from: only what the stream delivered itself proves it is delivering.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Origin {
    Stream,
    /// The stream's, held back while a catch-up filled the gap before it (`tail`): a stream
    /// event in every way but one: what the catch-up brought may be newer.
    Held,
    Rest,
}

impl Origin {
    pub(crate) fn streamed(self) -> bool {
        self != Origin::Rest
    }
}

/// What the core makes of one event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Admit {
    /// New to its group: show or print it, as the filters say.
    New(Verdict),
    /// Already shown in the group: another of its streams carried it, or REST overlapped.
    Duplicate,
    /// Deleted before it arrived (servers reorder): never shown again.
    Deleted,
    /// Not what the stream is about: a server that ignores `remote` / `only_media` on REST.
    Outside,
}

/// Work the core needs done; the front ends carry it out and report back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Need {
    Filters {
        account: usize,
    },
    /// What the stream's timeline holds after `since` (for `direct`: its conversations).
    CatchUp {
        stream: StreamId,
        spec: StreamSpec,
        since: Since,
    },
    /// The notifications of the stream's account after `since`.
    CatchUpNotifications {
        stream: StreamId,
        since: Since,
    },
    /// The latest page of the stream's timeline, to compare with what the stream delivered.
    Verify {
        stream: StreamId,
        spec: StreamSpec,
    },
}

/// How a catch-up ended, as the front end reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum CaughtUp {
    /// Everything up to now was fetched (or a gap marker now holds the rest, in the view).
    Done,
    /// More was missed than one catch-up takes: it goes on after this id.
    GoesOn(String),
    Failed,
    /// The server refused the token or the timeline (401 or 403): asking again cannot help.
    /// A polled stream has nothing but its timeline, so it has failed; a streamed one
    /// hears the same from its socket, and this counts as [`CaughtUp::Failed`].
    Refused {
        reason: String,
        cause: FailureCause,
    },
}

impl CaughtUp {
    /// How a catch-up that did not answer ended: refused for good, or failed for now.
    pub(crate) fn after(error: &ApiError) -> CaughtUp {
        match error {
            ApiError::Status {
                status: status @ (401 | 403),
                message,
            } => {
                let (what, cause) = match refusal_is_about_the_token(Some(*status), message) {
                    true => ("the access token", FailureCause::Credentials),
                    false => ("the timeline", FailureCause::StreamRefused),
                };
                CaughtUp::Refused {
                    reason: format!("the server refused {what} ({status} {message})"),
                    cause,
                }
            }
            _ => CaughtUp::Failed,
        }
    }
}

/// Where the next catch-up of a timeline starts.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Anchor {
    /// The latest page asked for at start has not answered: when the stream goes live for
    /// the first time, that page will hold everything before it.
    Pending,
    /// After this id: the newest the timeline or the stream has shown us.
    After(String),
    /// Everything created after this moment: the timeline was empty at start (or we never
    /// learnt what it held), or a previous run left off there.
    Time(Timestamp),
}

impl Anchor {
    fn advance(&mut self, id: &str) {
        match self {
            Anchor::After(current) if !is_newer(id, current) => {}
            // Its string reused: a firehose moves it on every post.
            Anchor::After(current) => {
                current.clear();
                current.push_str(id);
            }
            _ => *self = Anchor::After(id.to_string()),
        }
    }

    fn since(&self, started: Timestamp) -> Since {
        match self {
            Anchor::After(id) => Since::Id(id.clone()),
            Anchor::Time(t) => Since::Time(*t),
            Anchor::Pending => Since::Time(started),
        }
    }

    fn from_since(since: Since) -> Anchor {
        match since {
            Since::Id(id) => Anchor::After(id),
            Since::Time(t) => Anchor::Time(t),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Mode {
    Streaming,
    /// Served over REST every `poll_every`: the server cannot stream it (`not_delivering` is
    /// false), or it stopped delivering what its timeline shows.
    Polled {
        reason: String,
        not_delivering: bool,
    },
}

#[derive(Debug, Clone, PartialEq)]
struct Track {
    sub: Subscription,
    anchor: Anchor,
    ever_live: bool,
    /// The socket is live now: since when, and the state that said so.
    live: Option<(Timestamp, ConnectionState)>,
    mode: Mode,
    /// What the stream itself delivered, for verification.
    delivered: RecentIds,
    /// Verifications in a row that found posts the stream never sent.
    misses: u32,
    /// Where the stream was known to be when a verification first found it missing posts:
    /// those posts go on screen at once and move the anchor, but what it missed before them
    /// (created too soon after it went live for a verification to count) is fetched from
    /// here once it turns out not to deliver.
    suspect_since: Option<Since>,
    /// The stream's live spells that ended since the catch-up after them was judged (oldest
    /// first, a few): a stream renewed every minute because nothing at all arrives is live
    /// only for short spells, too short for a verification, and what its catch-ups bring
    /// from inside them is what it should have sent.
    spells: VecDeque<Spell>,
    /// Posts the stream delivered in its current live spell.
    delivered_in_spell: usize,
    /// Catch-ups in a row that found posts a silent spell should have brought: one may be a
    /// link that died before the read timeout said so, or a laptop put to sleep; a middlebox
    /// that passes the upgrade and nothing after it does it at every connection.
    silent_spells: u32,
    /// A catch-up asked for and not answered in full yet: until it is, nothing before it may
    /// be taken as seen (live posts move the anchor past the gap it is filling).
    open: Option<Since>,
    /// That catch-up failed: it is asked again at the next poll or reconnect.
    open_failed: bool,
    /// A polled stream whose timeline the server refused: polled no more.
    refused: bool,
}

#[derive(Debug, Clone, PartialEq)]
struct AccountTrack {
    tombstones: Tombstones,
    /// `None` until fetched: the server's own `filtered` results are all there is until then.
    filters: Option<Vec<Filter>>,
    notifications: Anchor,
    /// As `Track::open`, for the account's notifications.
    open: Option<Since>,
    open_failed: bool,
    /// The last fetch of the filters failed: the next stream to go live fetches them again.
    filters_failed: bool,
}

impl Default for AccountTrack {
    fn default() -> Self {
        AccountTrack {
            tombstones: Tombstones::default(),
            filters: None,
            notifications: Anchor::Pending,
            open: None,
            open_failed: false,
            filters_failed: false,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
struct Group {
    seen: RecentIds,
    edits: RecentEdits,
    conversations: RecentConversations,
    /// Filters apply in the context of the group's first stream, as its tab shows it.
    context: FilterContext,
}

/// Posts read per verification: one small request per stream per interval.
pub(crate) const VERIFY_PAGE: usize = 20;

/// How many ids a group remembers for dedupe, and a stream for verification.
const GROUP_MEMORY: usize = 4096;
const DELIVERED_MEMORY: usize = 2048;
/// Earlier live spells of a stream kept for the catch-up after them.
const MAX_SPELLS: usize = 16;

/// A live spell that ended: from, to, and how many posts the stream delivered in it.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Spell {
    from: Timestamp,
    to: Timestamp,
    delivered: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub struct LiveCore {
    tracks: Vec<Track>,
    groups: Vec<Group>,
    accounts: Vec<AccountTrack>,
    cadence: Cadence,
    started: Timestamp,
    needs: Vec<Need>,
    notices: Vec<(StreamId, ConnectionState)>,
    /// The dedupe key of the event being admitted, built here so that no event allocates one.
    key: String,
    /// The last `status.update` admitted was the first the group saw of its post (the edit
    /// overtook it): see [`LiveCore::edit_brought_post`].
    edit_brought_post: bool,
}

impl LiveCore {
    /// Stream ids are the subscriptions' indices.
    pub fn new(subs: Vec<Subscription>, cadence: Cadence, now: Timestamp) -> LiveCore {
        let mut groups: Vec<Group> = Vec::new();
        let mut accounts = Vec::new();
        for sub in &subs {
            while groups.len() <= sub.group {
                groups.push(Group {
                    seen: RecentIds::new(GROUP_MEMORY),
                    edits: RecentEdits::default(),
                    conversations: RecentConversations::default(),
                    context: sub.spec.filter_context(),
                });
            }
            while accounts.len() <= sub.account {
                accounts.push(AccountTrack::default());
            }
        }
        // A group's context is its first stream's, whatever order the groups were numbered in.
        for (i, group) in groups.iter_mut().enumerate() {
            if let Some(first) = subs.iter().find(|s| s.group == i) {
                group.context = first.spec.filter_context();
            }
        }
        if accounts.is_empty() {
            accounts.push(AccountTrack::default());
        }
        let tracks = subs
            .into_iter()
            .map(|sub| Track {
                mode: match &sub.unstreamable {
                    Some(reason) => Mode::Polled {
                        reason: reason.clone(),
                        not_delivering: false,
                    },
                    None => Mode::Streaming,
                },
                sub,
                anchor: Anchor::Pending,
                ever_live: false,
                live: None,
                delivered: RecentIds::new(DELIVERED_MEMORY),
                misses: 0,
                suspect_since: None,
                spells: VecDeque::new(),
                delivered_in_spell: 0,
                silent_spells: 0,
                open: None,
                open_failed: false,
                refused: false,
            })
            .collect();
        LiveCore {
            tracks,
            groups,
            accounts,
            cadence,
            started: now,
            needs: Vec::new(),
            notices: Vec::new(),
            key: String::new(),
            edit_brought_post: false,
        }
    }

    pub fn spec(&self, stream: StreamId) -> Option<&StreamSpec> {
        self.tracks.get(stream.0).map(|t| &t.sub.spec)
    }

    pub(crate) fn account_of(&self, stream: StreamId) -> usize {
        self.tracks.get(stream.0).map_or(0, |t| t.sub.account)
    }

    /// Makes room for `n` accounts and moves a stream to one of them (the live view learns its
    /// accounts after its tabs).
    pub(crate) fn assign_account(&mut self, stream: StreamId, account: usize) {
        while self.accounts.len() <= account {
            self.accounts.push(AccountTrack::default());
        }
        if let Some(t) = self.tracks.get_mut(stream.0) {
            t.sub.account = account;
        }
    }

    /// Streams to open a socket for: every one the server can stream.
    pub fn streamed(&self) -> impl Iterator<Item = (StreamId, &StreamSpec)> {
        self.tracks
            .iter()
            .enumerate()
            .filter(|(_, t)| t.sub.unstreamable.is_none())
            .map(|(i, t)| (StreamId(i), &t.sub.spec))
    }

    /// The state to show, from the start, for streams served by polling.
    pub(crate) fn polled_states(&self) -> Vec<(StreamId, ConnectionState)> {
        (0..self.tracks.len())
            .filter_map(|i| Some((StreamId(i), self.polling_state(i)?)))
            .collect()
    }

    fn polling_state(&self, i: usize) -> Option<ConnectionState> {
        match &self.tracks.get(i)?.mode {
            Mode::Streaming => None,
            Mode::Polled {
                reason,
                not_delivering,
            } => Some(ConnectionState::Polling {
                every: self.cadence.poll_every,
                reason: reason.clone(),
                not_delivering: *not_delivering,
            }),
        }
    }

    /// Work queued by the calls since the last take.
    pub(crate) fn take_needs(&mut self) -> Vec<Need> {
        std::mem::take(&mut self.needs)
    }

    /// Streams whose shown state the core changed (polling, delivering again).
    pub(crate) fn take_notices(&mut self) -> Vec<(StreamId, ConnectionState)> {
        std::mem::take(&mut self.notices)
    }

    /// Every account's filters, fetched when a front end starts.
    pub fn start(&mut self) {
        for account in 0..self.accounts.len() {
            self.needs.push(Need::Filters { account });
        }
    }
    /// What a group showed last (its dedupe keys, oldest first), for a later run to know.
    pub fn shown(&self, group: usize, n: usize) -> Vec<String> {
        self.groups
            .get(group)
            .map(|g| g.seen.newest(n).map(str::to_string).collect())
            .unwrap_or_default()
    }

    /// What a previous run of the same reader showed: not shown again.
    pub(crate) fn seed_shown(&mut self, group: usize, keys: &[String]) {
        if let Some(g) = self.groups.get_mut(group) {
            for key in keys {
                g.seen.insert(key);
            }
        }
    }

    pub fn groups(&self) -> usize {
        self.groups.len()
    }
}

/// What a stream is about, where a server does not narrow its REST timeline for us
/// (GoToSocial ignores `remote` and `only_media`, and `local` on a tag's timeline).
pub fn admits(spec: &StreamSpec, status: &Status) -> bool {
    // A local account's `acct` is its bare username.
    let remote = status.account.acct.contains('@');
    match spec {
        StreamSpec::Public { scope, media } => {
            let scope_ok = match scope {
                Scope::All => true,
                Scope::Local => !remote,
                Scope::Remote => remote,
            };
            scope_ok && (!media || !status.original().media_attachments.is_empty())
        }
        StreamSpec::Hashtag { local: true, .. } => !remote,
        _ => true,
    }
}

/// The `--exec` hook's rule: every visible new post, or only highlighted ones when there are
/// highlights.
pub(crate) fn wants_hook(highlights: &Highlights, status: &Status, verdict: &Verdict) -> bool {
    *verdict != Verdict::Hide && (highlights.is_empty() || highlights.matches_status(status))
}

#[cfg(test)]
mod delivery_tests;
#[cfg(test)]
mod tests;
