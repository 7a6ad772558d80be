//! The live semantics, once. What the live view shows and what `tail` prints are decided here:
//! merged-group dedupe, tombstones (a deleted id never comes back), filters, where catching up
//! starts after a reconnect, which streams are polled over REST and which are checked against
//! it. Pure and synchronous: the front ends feed it facts and carry out the `Need`s it queues.

pub mod ids;
mod verify;

use std::time::Duration;

use jiff::Timestamp;

pub use ids::{RecentIds, Tombstones, is_newer};

use crate::api::timeline::{History, Since};
use crate::filter::{Verdict, verdict};
use crate::matching::Highlights;
use crate::model::{Filter, FilterContext, Notification, Status};
use crate::stream::spec::Scope;
use crate::stream::{ConnectionState, StreamEvent, StreamId, StreamSpec};

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
pub enum Origin {
    Stream,
    Rest,
}

/// What the core makes of one event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Admit {
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
pub enum Need {
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
pub enum CaughtUp {
    /// Everything up to now was fetched (or a gap marker now holds the rest, in the view).
    Done,
    /// More was missed than one catch-up takes: it goes on after this id.
    GoesOn(String),
    Failed,
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
    /// A catch-up asked for and not answered in full yet: until it is, nothing before it may
    /// be taken as seen (live posts move the anchor past the gap it is filling).
    open: Option<Since>,
    /// That catch-up failed: it is asked again at the next poll or reconnect.
    open_failed: bool,
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
}

impl Default for AccountTrack {
    fn default() -> Self {
        AccountTrack {
            tombstones: Tombstones::default(),
            filters: None,
            notifications: Anchor::Pending,
            open: None,
            open_failed: false,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
struct Group {
    seen: RecentIds,
    /// Filters apply in the context of the group's first stream, as its tab shows it.
    context: FilterContext,
}

/// Posts read per verification: one small request per stream per interval.
pub const VERIFY_PAGE: usize = 20;

/// How many ids a group remembers for dedupe, and a stream for verification.
const GROUP_MEMORY: usize = 4096;
const DELIVERED_MEMORY: usize = 2048;

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
                open: None,
                open_failed: false,
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
        }
    }

    pub fn spec(&self, stream: StreamId) -> Option<&StreamSpec> {
        self.tracks.get(stream.0).map(|t| &t.sub.spec)
    }

    pub fn account_of(&self, stream: StreamId) -> usize {
        self.tracks.get(stream.0).map_or(0, |t| t.sub.account)
    }

    /// Makes room for `n` accounts and moves a stream to one of them (the live view learns its
    /// accounts after its tabs).
    pub fn assign_account(&mut self, stream: StreamId, account: usize) {
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
    pub fn polled_states(&self) -> Vec<(StreamId, ConnectionState)> {
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
    pub fn take_needs(&mut self) -> Vec<Need> {
        std::mem::take(&mut self.needs)
    }

    /// Streams whose shown state the core changed (polling, delivering again).
    pub fn take_notices(&mut self) -> Vec<(StreamId, ConnectionState)> {
        std::mem::take(&mut self.notices)
    }

    /// Every account's filters, fetched when a front end starts.
    pub fn start(&mut self) {
        for account in 0..self.accounts.len() {
            self.needs.push(Need::Filters { account });
        }
    }

    /// The latest page of a stream's timeline at start answered (`None`: it failed). Its
    /// newest id is where catching up will start; an empty or failed page means "everything
    /// newer than the start".
    pub fn opened(&mut self, stream: StreamId, page: Option<&History>) {
        let started = self.started;
        let Some(t) = self.tracks.get_mut(stream.0) else {
            return;
        };
        let newest = page.and_then(History::newest_id);
        let was_pending = t.anchor == Anchor::Pending;
        match newest {
            Some(id) => t.anchor.advance(id),
            None if was_pending => t.anchor = Anchor::Time(started),
            None => {}
        }
        // A first connection that came before the page counted on it to cover the time
        // before; but the server may have built the page before the stream was subscribed:
        // one cheap catch-up from the page's newest (or by time, without a page) closes that.
        if was_pending && t.live.is_some() {
            self.queue_catch_up(stream);
        }
    }

    /// The same for an account's notifications.
    pub fn opened_notifications(&mut self, account: usize, newest: Option<Option<&str>>) {
        let started = self.started;
        let Some(a) = self.accounts.get_mut(account) else {
            return;
        };
        let was_pending = a.notifications == Anchor::Pending;
        match (newest.flatten(), &a.notifications) {
            (Some(id), _) => a.notifications.advance(id),
            (None, Anchor::Pending) => a.notifications = Anchor::Time(started),
            (None, _) => {}
        }
        // As for a timeline: a stream carrying them that went live first is caught up once.
        let live_carrier = self.tracks.iter().position(|t| {
            t.sub.account == account
                && t.live.is_some()
                && matches!(t.sub.spec, StreamSpec::User | StreamSpec::UserNotification)
        });
        if let (true, Some(i)) = (was_pending, live_carrier) {
            self.queue_notifications(StreamId(i));
        }
    }

    /// Where a previous run left off (`tail --resume`): the first connection catches up from
    /// there instead of from the start page, which the front end then does not ask for.
    pub fn resume(&mut self, stream: StreamId, since: Since) {
        if let Some(t) = self.tracks.get_mut(stream.0) {
            t.anchor = Anchor::from_since(since);
        }
    }

    /// The same for an account's notifications.
    pub fn resume_notifications(&mut self, account: usize, since: Since) {
        if let Some(a) = self.accounts.get_mut(account) {
            a.notifications = Anchor::from_since(since);
        }
    }

    /// Where a reader of this stream has got to, for the next run to go on from.
    pub fn cursor(&self, stream: StreamId) -> Option<Since> {
        let t = self.tracks.get(stream.0)?;
        Some(
            t.open
                .clone()
                .unwrap_or_else(|| t.anchor.since(self.started)),
        )
    }

    /// The same for an account's notifications.
    pub fn notification_cursor(&self, account: usize) -> Option<Since> {
        let a = self.accounts.get(account)?;
        Some(
            a.open
                .clone()
                .unwrap_or_else(|| a.notifications.since(self.started)),
        )
    }

    /// Asks for what a stream's timeline got after where it is known to be: after the open
    /// catch-up's start if one is open (it is not filled yet), else after its anchor.
    fn queue_catch_up(&mut self, stream: StreamId) {
        let started = self.started;
        let Some(t) = self.tracks.get_mut(stream.0) else {
            return;
        };
        let since = t.open.clone().unwrap_or_else(|| t.anchor.since(started));
        t.open = Some(since.clone());
        t.open_failed = false;
        self.needs.push(Need::CatchUp {
            stream,
            spec: t.sub.spec.clone(),
            since,
        });
    }

    fn queue_notifications(&mut self, stream: StreamId) {
        let started = self.started;
        let account = self.account_of(stream);
        let Some(a) = self.accounts.get_mut(account) else {
            return;
        };
        let since = a
            .open
            .clone()
            .unwrap_or_else(|| a.notifications.since(started));
        a.open = Some(since.clone());
        a.open_failed = false;
        self.needs
            .push(Need::CatchUpNotifications { stream, since });
    }

    /// A catch-up of a stream's timeline answered.
    pub fn caught_up(&mut self, stream: StreamId, outcome: CaughtUp) {
        let Some(t) = self.tracks.get_mut(stream.0) else {
            return;
        };
        match outcome {
            CaughtUp::Done => t.open = None,
            CaughtUp::GoesOn(id) => {
                t.anchor.advance(&id);
                let since = Since::Id(id);
                t.open = Some(since.clone());
                self.needs.push(Need::CatchUp {
                    stream,
                    spec: t.sub.spec.clone(),
                    since,
                });
            }
            CaughtUp::Failed => t.open_failed = true,
        }
    }

    /// A catch-up of an account's notifications answered.
    pub fn notifications_caught_up(&mut self, account: usize, outcome: CaughtUp) {
        let carrier = self.carrier(account);
        let Some(a) = self.accounts.get_mut(account) else {
            return;
        };
        match outcome {
            CaughtUp::Done => a.open = None,
            CaughtUp::GoesOn(id) => {
                a.notifications.advance(&id);
                let since = Since::Id(id);
                a.open = Some(since.clone());
                if let Some(stream) = carrier {
                    self.needs
                        .push(Need::CatchUpNotifications { stream, since });
                }
            }
            CaughtUp::Failed => a.open_failed = true,
        }
    }

    /// A stream that carries the account's notifications.
    fn carrier(&self, account: usize) -> Option<StreamId> {
        self.tracks
            .iter()
            .position(|t| {
                t.sub.account == account
                    && matches!(t.sub.spec, StreamSpec::User | StreamSpec::UserNotification)
            })
            .map(StreamId)
    }

    /// Whether a post from REST belongs on this stream: a server that cannot stream it may
    /// not narrow its timeline either.
    pub fn admits_rest(&self, stream: StreamId, status: &Status) -> bool {
        self.tracks
            .get(stream.0)
            .is_none_or(|t| t.sub.unstreamable.is_none() || admits(&t.sub.spec, status))
    }

    /// A connection state from a stream task; returns the state to show. Going live again
    /// after an outage queues what the outage may have hidden: the filters (the server tells
    /// only live listeners they changed) and a catch-up of the timeline and notifications.
    pub fn on_state(
        &mut self,
        stream: StreamId,
        state: &ConnectionState,
        now: Timestamp,
    ) -> ConnectionState {
        let Some(t) = self.tracks.get_mut(stream.0) else {
            return state.clone();
        };
        if !matches!(state, ConnectionState::Live { .. }) {
            t.live = None;
            return state.clone();
        }
        let reconnected = t.ever_live;
        t.ever_live = true;
        t.live = Some((now, state.clone()));
        let account = t.sub.account;
        let spec = t.sub.spec.clone();
        if reconnected {
            self.needs.push(Need::Filters { account });
        }
        // On the first connection a start page still on its way covers the time before.
        let first_and_covered = !reconnected && t.anchor == Anchor::Pending;
        tracing::debug!(
            "{}: live ({}), catching up from {:?}",
            t.sub.spec,
            if reconnected { "again" } else { "first" },
            t.anchor
        );
        if spec != StreamSpec::UserNotification && !first_and_covered {
            self.queue_catch_up(stream);
        }
        if matches!(spec, StreamSpec::User | StreamSpec::UserNotification)
            && let Some(a) = self.accounts.get(account)
            && (reconnected || a.notifications != Anchor::Pending)
        {
            self.queue_notifications(stream);
        }
        self.polling_state(stream.0)
            .unwrap_or_else(|| state.clone())
    }

    /// Decides one event, from a stream or from REST (a catch-up, a poll, a verification).
    pub fn admit(
        &mut self,
        stream: StreamId,
        event: &StreamEvent,
        origin: Origin,
        now: Timestamp,
    ) -> Admit {
        let Some(t) = self.tracks.get_mut(stream.0) else {
            return Admit::Outside;
        };
        let (account, group) = (t.sub.account, t.sub.group);
        // Posts prove a stream delivers; deletes alone do not (a feed switched off sends them).
        let content = matches!(
            event,
            StreamEvent::Update(_)
                | StreamEvent::StatusUpdate(_)
                | StreamEvent::Notification(_)
                | StreamEvent::Conversation(_)
        );
        if origin == Origin::Stream && content {
            self.delivering(stream);
        }
        let t = &mut self.tracks[stream.0];
        let Some(a) = self.accounts.get_mut(account) else {
            return Admit::Outside;
        };
        let key = &mut self.key;
        key.clear();
        // The status the filters judge, and whether in the notifications' context.
        let verdict_of: Option<(&Status, bool)> = match event {
            StreamEvent::Update(s) => {
                if a.tombstones.buries(s) {
                    return Admit::Deleted;
                }
                // A stream is narrowed by its server; the REST timeline of a server that
                // cannot stream it may not be (GoToSocial ignores `remote` and `only_media`).
                // Even what is left out moves the anchor: the next poll starts after it.
                t.anchor.advance(&s.id);
                let narrow = origin == Origin::Rest && t.sub.unstreamable.is_some();
                if narrow && !admits(&t.sub.spec, s) {
                    return Admit::Outside;
                }
                key.push_str("s:");
                key.push_str(&s.id);
                Some((s, false))
            }
            StreamEvent::StatusUpdate(s) => {
                if a.tombstones.buries(s) {
                    return Admit::Deleted;
                }
                let edited = s.edited_at.as_deref().unwrap_or_default();
                key.push_str("e:");
                key.push_str(&s.id);
                key.push(':');
                key.push_str(edited);
                Some((s, false))
            }
            StreamEvent::Delete(id) => {
                a.tombstones.insert(id);
                key.push_str("d:");
                key.push_str(id);
                None
            }
            StreamEvent::Notification(n) => {
                if n.status.as_deref().is_some_and(|s| a.tombstones.buries(s)) {
                    return Admit::Deleted;
                }
                a.notifications.advance(&n.id);
                key.push_str("n:");
                key.push_str(&n.id);
                n.status.as_deref().map(|s| (s, true))
            }
            StreamEvent::Conversation(c) => {
                // A conversation changes in place: each event is news, a deleted last
                // status included (it is simply not shown).
                return Admit::New(c.last_status.as_deref().map_or(Verdict::Show, |s| {
                    verdict(s, a.filters.as_deref(), &FilterContext::Home, now)
                }));
            }
            StreamEvent::FiltersChanged => {
                self.needs.push(Need::Filters { account });
                return Admit::New(Verdict::Show);
            }
            _ => return Admit::New(Verdict::Show),
        };
        if origin == Origin::Stream
            && matches!(event, StreamEvent::Update(_) | StreamEvent::Notification(_))
        {
            t.delivered.insert(key);
        }
        let group = &mut self.groups[group];
        if !group.seen.insert(key) {
            return Admit::Duplicate;
        }
        Admit::New(verdict_of.map_or(Verdict::Show, |(s, notifications)| {
            let context = if notifications {
                &FilterContext::Notifications
            } else {
                &group.context
            };
            verdict(s, a.filters.as_deref(), context, now)
        }))
    }

    /// An event arrived on the stream itself: a stream thought not delivering delivers again.
    fn delivering(&mut self, stream: StreamId) {
        let t = &mut self.tracks[stream.0];
        t.misses = 0;
        if let Mode::Polled {
            not_delivering: true,
            ..
        } = t.mode
        {
            t.mode = Mode::Streaming;
            if let Some((_, live)) = &t.live {
                self.notices.push((stream, live.clone()));
            }
        }
    }

    /// A page the live view put on screen without admitting it event by event (the latest
    /// page, a catch-up): it moves the anchor and counts as shown in the group.
    pub fn note_history(&mut self, stream: StreamId, items: &History) {
        let Some(t) = self.tracks.get_mut(stream.0) else {
            return;
        };
        let group = t.sub.group;
        match items {
            History::Statuses(v) => {
                for s in v {
                    t.anchor.advance(&s.id);
                    self.groups[group].seen.insert(&format!("s:{}", s.id));
                }
            }
            History::Notifications(v) => {
                if let Some(a) = self.accounts.get_mut(t.sub.account) {
                    for n in v {
                        a.notifications.advance(&n.id);
                    }
                }
            }
            History::Conversations(_) => {}
        }
    }

    /// A notification the live view put in its pane from REST: catching up goes on after it.
    pub fn note_notification(&mut self, account: usize, id: &str) {
        if let Some(a) = self.accounts.get_mut(account) {
            a.notifications.advance(id);
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
    pub fn seed_shown(&mut self, group: usize, keys: &[String]) {
        if let Some(g) = self.groups.get_mut(group) {
            for key in keys {
                g.seen.insert(key);
            }
        }
    }

    pub fn groups(&self) -> usize {
        self.groups.len()
    }

    pub fn set_filters(&mut self, account: usize, filters: Vec<Filter>) {
        if let Some(a) = self.accounts.get_mut(account) {
            a.filters = Some(filters);
        }
    }

    pub fn filters(&self, account: usize) -> Option<&[Filter]> {
        self.accounts.get(account)?.filters.as_deref()
    }

    /// What an account's filters make of a status in a context.
    pub fn verdict(
        &self,
        account: usize,
        status: &Status,
        context: &FilterContext,
        now: Timestamp,
    ) -> Verdict {
        verdict(status, self.filters(account), context, now)
    }

    /// What an account's filters make of a notification (by the status it carries).
    pub fn notification_verdict(
        &self,
        account: usize,
        n: &Notification,
        now: Timestamp,
    ) -> Verdict {
        n.status.as_deref().map_or(Verdict::Show, |s| {
            self.verdict(account, s, &FilterContext::Notifications, now)
        })
    }

    /// Deleted on this account's server (a boost of a deleted status is gone too).
    pub fn is_deleted(&self, account: usize, status: &Status) -> bool {
        self.accounts
            .get(account)
            .is_some_and(|a| a.tombstones.buries(status))
    }

    pub fn tombstones(&self, account: usize) -> Option<&Tombstones> {
        self.accounts.get(account).map(|a| &a.tombstones)
    }

    /// Records a delete that did not come as an event of a stream (for the live view).
    pub fn bury(&mut self, account: usize, id: &str) {
        if let Some(a) = self.accounts.get_mut(account) {
            a.tombstones.insert(id);
        }
    }

    /// Catch-ups for the streams served by polling: called every `poll_every`.
    /// Also asks again for catch-ups that failed; a poll still on its way is not doubled.
    pub fn poll_due(&mut self) {
        let due: Vec<StreamId> = self
            .tracks
            .iter()
            .enumerate()
            .filter(|(_, t)| {
                let polled = matches!(t.mode, Mode::Polled { .. });
                (polled && t.open.is_none()) || (t.open.is_some() && t.open_failed)
            })
            .map(|(i, _)| StreamId(i))
            .collect();
        for stream in due {
            self.queue_catch_up(stream);
        }
        let failed: Vec<StreamId> = (0..self.accounts.len())
            .filter(|&a| self.accounts[a].open.is_some() && self.accounts[a].open_failed)
            .filter_map(|a| self.carrier(a))
            .collect();
        for stream in failed {
            self.queue_notifications(stream);
        }
    }

    /// Verifications of the streams live now: called every `verify_every`.
    pub fn verify_due(&mut self) {
        for (i, t) in self.tracks.iter().enumerate() {
            let checkable = !matches!(t.sub.spec, StreamSpec::Direct);
            if checkable && t.mode == Mode::Streaming && t.live.is_some() {
                self.needs.push(Need::Verify {
                    stream: StreamId(i),
                    spec: t.sub.spec.clone(),
                });
            }
        }
    }
}

/// What a stream is about, where a server does not narrow its REST timeline for us
/// (GoToSocial ignores `remote` and `only_media`).
pub fn admits(spec: &StreamSpec, status: &Status) -> bool {
    let StreamSpec::Public { scope, media } = spec else {
        return true;
    };
    // A local account's `acct` is its bare username.
    let remote = status.account.acct.contains('@');
    let scope_ok = match scope {
        Scope::All => true,
        Scope::Local => !remote,
        Scope::Remote => remote,
    };
    scope_ok && (!media || !status.original().media_attachments.is_empty())
}

/// The `--exec` hook's rule: every visible new post, or only highlighted ones when there are
/// highlights.
pub fn wants_hook(highlights: &Highlights, status: &Status, verdict: &Verdict) -> bool {
    *verdict != Verdict::Hide && (highlights.is_empty() || highlights.matches_status(status))
}

#[cfg(test)]
mod tests;
