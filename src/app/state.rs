//! Everything the live view knows. Only the reducer changes it; the UI reads it.

use std::collections::{HashSet, VecDeque};

use jiff::Timestamp;

use crate::filter::{Verdict, verdict};
use crate::model::{
    Announcement, Conversation, Filter, FilterContext, Notification, NotificationType, Status,
};
use crate::stream::{ConnectionState, StreamId, StreamSpec, Transport};

#[derive(Debug, Clone, PartialEq)]
pub struct UiSettings {
    /// Entries kept per tab; the oldest go first.
    pub timeline_len: usize,
    pub notifications_len: usize,
    /// Show the body of posts with a content warning without a key press.
    pub expand_spoilers: bool,
    pub bell_on_mention: bool,
    /// `o` opens a local browser; over ssh it copies instead (OSC 52).
    pub open_locally: bool,
    /// Links are written as OSC 8 hyperlinks over the drawn frame.
    pub hyperlinks: bool,
}

impl Default for UiSettings {
    fn default() -> Self {
        UiSettings {
            timeline_len: 1000,
            notifications_len: 500,
            expand_spoilers: false,
            bell_on_mention: false,
            open_locally: true,
            hyperlinks: true,
        }
    }
}

fn item_time(item: &Item) -> Option<jiff::Timestamp> {
    let s = match item {
        Item::Status(s) => Some(s.as_ref()),
        Item::Conversation(c) => c.last_status.as_deref(),
        Item::Gap { .. } => None,
    }?;
    s.created_at.parse().ok()
}

/// A gap marker sorts with its neighbours: it never moves what is around it.
fn entry_time(e: &Entry) -> Option<jiff::Timestamp> {
    item_time(&e.item)
}

/// One subscription of a tab, with what we last heard of its connection.
#[derive(Debug, Clone, PartialEq)]
pub struct TabStream {
    pub id: StreamId,
    pub spec: StreamSpec,
    pub state: ConnectionState,
    /// Was live at least once: a later `Live` is a reconnect.
    pub ever_live: bool,
    /// The newest status this stream delivered: where catching up after a reconnect starts.
    pub newest_seen: Option<String>,
    /// When the stream last delivered an event (heartbeats aside).
    pub last_event: Option<Timestamp>,
    /// When the stream last went live, or last stopped being live.
    pub state_since: Timestamp,
    /// The monitor view has already sounded the alarm for the current silence or outage.
    pub alerted: bool,
}

impl TabStream {
    /// Down or silent for longer than `limit` (the monitor view's alarm): silence counts from
    /// the last event, or from when the stream went live if none came since.
    pub fn is_stale(&self, now: Timestamp, limit: std::time::Duration) -> bool {
        let since = match self.state {
            ConnectionState::Live { .. } => self
                .last_event
                .map_or(self.state_since, |t| t.max(self.state_since)),
            _ => self.state_since,
        };
        now.duration_since(since).as_secs_f64() > limit.as_secs_f64()
    }
}

/// The side-screen view: one column, no chrome, loud when a stream goes quiet.
#[derive(Debug, Clone, PartialEq)]
pub struct Monitor {
    /// A stream down or silent this long is shown as a warning (and rings the bell if asked).
    pub stale_after: std::time::Duration,
    /// Ring the terminal bell for stale streams and highlighted posts.
    pub bell: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    Status(Box<Status>),
    /// A direct conversation (the `direct` stream); updated in place.
    Conversation(Box<Conversation>),
    /// Posts were missed here and not fetched yet (the catch-up bound was hit).
    Gap {
        id: String,
        stream: StreamId,
        /// The newest id fetched below the gap: loading goes on from it.
        resume_from: String,
    },
}

impl Item {
    /// The id that identifies this entry in its timeline.
    pub fn id(&self) -> &str {
        match self {
            Item::Status(s) => &s.id,
            Item::Conversation(c) => &c.id,
            Item::Gap { id, .. } => id,
        }
    }

    /// The status shown (a boost shows what it boosts; a conversation its last status).
    pub fn status(&self) -> Option<&Status> {
        match self {
            Item::Status(s) => Some(s.original()),
            Item::Conversation(c) => c.last_status.as_deref().map(Status::original),
            Item::Gap { .. } => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub item: Item,
    pub verdict: Verdict,
    /// Indices into the tab's `streams` that carried this entry (a merged tab says which).
    pub via: Vec<usize>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Tab {
    pub title: String,
    pub streams: Vec<TabStream>,
    pub context: FilterContext,
    /// Newest first.
    pub entries: VecDeque<Entry>,
    /// Index into `entries` of the selected entry; 0 follows the newest.
    pub selected: usize,
    /// Entries that arrived since the tab was last looked at.
    pub unread: usize,
    /// Entries that arrived above the reader while they were scrolled away from the top.
    pub new_above: usize,
    /// Which posts a column of hashtag streams admits (any / all / none of its tags).
    pub tag_rule: crate::matching::TagRule,
}

impl Tab {
    pub fn new(title: String, streams: Vec<(StreamId, StreamSpec)>) -> Tab {
        let context = streams
            .first()
            .map_or(FilterContext::Home, |(_, s)| s.filter_context());
        Tab {
            title,
            streams: streams
                .into_iter()
                .map(|(id, spec)| TabStream {
                    id,
                    spec,
                    state: ConnectionState::Connecting {
                        transport: Transport::Ws,
                    },
                    ever_live: false,
                    newest_seen: None,
                    last_event: None,
                    state_since: Timestamp::UNIX_EPOCH,
                    alerted: false,
                })
                .collect(),
            context,
            entries: VecDeque::new(),
            selected: 0,
            unread: 0,
            new_above: 0,
            tag_rule: Default::default(),
        }
    }

    /// Inserts older posts (newest first) where they belong by time: history pages go below
    /// what arrived live, a merged tab's pages interleave. Returns how many were new.
    pub fn insert_history(
        &mut self,
        items: Vec<(Item, Verdict)>,
        via: usize,
        limit: usize,
    ) -> usize {
        let mut added = 0;
        for (item, verdict) in items {
            if let Some(i) = self.position(item.id()) {
                if !self.entries[i].via.contains(&via) {
                    self.entries[i].via.push(via);
                }
                continue;
            }
            let at = item_time(&item);
            // From the oldest end: the first entry from the back that is newer stays above.
            let mut pos = self.entries.len();
            while pos > 0 && at.is_some() && entry_time(&self.entries[pos - 1]) < at {
                pos -= 1;
            }
            if pos >= limit {
                continue;
            }
            self.insert_at(pos, item, verdict, via);
            added += 1;
        }
        self.enforce_limit(limit);
        added
    }

    /// Inserts at `pos`, keeping the reader on what they were reading.
    pub fn insert_at(&mut self, pos: usize, item: Item, verdict: Verdict, via: usize) {
        let following = self.is_following();
        let hidden = verdict == Verdict::Hide;
        let pos = pos.min(self.entries.len());
        self.entries.insert(
            pos,
            Entry {
                item,
                verdict,
                via: vec![via],
            },
        );
        if following && pos == 0 {
            self.selected = 0;
        } else if pos <= self.selected && !self.entries.is_empty() && self.entries.len() > 1 {
            self.selected += 1;
            if !hidden {
                self.new_above += 1;
            }
        }
    }

    pub fn position_of(&self, id: &str) -> Option<usize> {
        self.position(id)
    }

    pub fn remove_entry(&mut self, i: usize) {
        self.remove_at(i);
    }

    /// Entries a reader can see (not hidden by a filter), with their indices.
    pub fn visible(&self) -> impl DoubleEndedIterator<Item = (usize, &Entry)> + use<'_> {
        self.entries
            .iter()
            .enumerate()
            .filter(|(_, e)| e.verdict != Verdict::Hide)
    }

    pub fn selected_entry(&self) -> Option<&Entry> {
        self.entries
            .get(self.selected)
            .filter(|e| e.verdict != Verdict::Hide)
    }

    pub fn is_following(&self) -> bool {
        self.visible()
            .next()
            .is_none_or(|(i, _)| i >= self.selected)
    }

    /// The worst connection state of the tab's streams: what its tab label shows.
    pub fn connection(&self) -> Option<&ConnectionState> {
        let rank = |s: &ConnectionState| match s {
            ConnectionState::Live { .. } => 0,
            ConnectionState::Connecting { .. } => 1,
            ConnectionState::Reconnecting { .. } => 2,
            ConnectionState::Failed { .. } => 3,
        };
        self.streams
            .iter()
            .map(|s| &s.state)
            .max_by_key(|s| rank(s))
    }

    fn position(&self, id: &str) -> Option<usize> {
        self.entries.iter().position(|e| e.item.id() == id)
    }

    /// Puts a new entry on top, keeping the reader's place when they are not at the top.
    /// Returns whether it was new (not a duplicate carried by another stream of the tab).
    pub fn push_newest(&mut self, item: Item, verdict: Verdict, via: usize, limit: usize) -> bool {
        if let Some(i) = self.position(item.id()) {
            let entry = &mut self.entries[i];
            if !entry.via.contains(&via) {
                entry.via.push(via);
            }
            return false;
        }
        let following = self.is_following();
        let hidden = verdict == Verdict::Hide;
        self.entries.push_front(Entry {
            item,
            verdict,
            via: vec![via],
        });
        if following {
            self.selected = 0;
        } else {
            self.selected += 1;
            if !hidden {
                self.new_above += 1;
            }
        }
        if !hidden {
            self.unread += 1;
        }
        self.enforce_limit(limit);
        true
    }

    /// Removes an entry, keeping the selection on the same neighbourhood.
    fn remove_at(&mut self, i: usize) {
        self.entries.remove(i);
        if i < self.selected {
            self.selected -= 1;
        }
        self.selected = self.selected.min(self.entries.len().saturating_sub(1));
        self.settle_selection();
    }

    /// The selection always rests on a visible entry when there is one.
    pub fn settle_selection(&mut self) {
        if self
            .entries
            .get(self.selected)
            .is_some_and(|e| e.verdict != Verdict::Hide)
        {
            return;
        }
        let below = self
            .visible()
            .find(|(i, _)| *i > self.selected)
            .map(|(i, _)| i);
        let above = self
            .visible()
            .rev()
            .find(|(i, _)| *i < self.selected)
            .map(|(i, _)| i);
        if let Some(i) = below.or(above) {
            self.selected = i;
        }
    }

    /// Moves `steps` entries among `candidates` (indices into `entries`, newest first): what
    /// the reader can see, narrowed by a search. Reaching the top clears the "N new" marker.
    pub fn move_within(&mut self, candidates: &[usize], steps: isize) {
        if candidates.is_empty() {
            return;
        }
        let here = candidates
            .iter()
            .position(|&i| i >= self.selected)
            .unwrap_or(candidates.len() - 1);
        let there = here.saturating_add_signed(steps).min(candidates.len() - 1);
        self.selected = candidates[there];
        if there == 0 {
            self.new_above = 0;
        }
    }

    pub fn move_selection(&mut self, steps: isize) {
        let visible: Vec<usize> = self.visible().map(|(i, _)| i).collect();
        self.move_within(&visible, steps);
    }

    pub fn jump_to_top(&mut self) {
        self.move_selection(isize::MIN / 2);
    }

    pub fn jump_to_bottom(&mut self) {
        self.move_selection(isize::MAX / 2);
    }

    /// Drops the oldest entries past `limit`, keeping the selection in range.
    fn enforce_limit(&mut self, limit: usize) {
        while self.entries.len() > limit.max(1) {
            self.entries.pop_back();
        }
        self.selected = self.selected.min(self.entries.len().saturating_sub(1));
        self.settle_selection();
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct NotificationEntry {
    pub notification: Box<Notification>,
    pub verdict: Verdict,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Notifications {
    /// Newest first.
    pub entries: VecDeque<NotificationEntry>,
    pub unread: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Overlay {
    None,
    /// The full view of one status: the tab and the entry id.
    Detail {
        tab: usize,
        id: String,
    },
    Help,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Search {
    pub query: String,
    /// Typing the query; Enter ends typing and keeps it, Esc clears it.
    pub editing: bool,
}

/// Ids of deleted statuses, so that a late event cannot bring one back. Bounded.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DeletedIds {
    order: VecDeque<String>,
    set: HashSet<String>,
}

impl DeletedIds {
    const CAP: usize = 10_000;

    pub fn insert(&mut self, id: &str) {
        if self.set.insert(id.to_string()) {
            self.order.push_back(id.to_string());
            if self.order.len() > Self::CAP
                && let Some(old) = self.order.pop_front()
            {
                self.set.remove(&old);
            }
        }
    }

    pub fn contains(&self, id: &str) -> bool {
        self.set.contains(id)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct State {
    pub tabs: Vec<Tab>,
    pub active: usize,
    pub notifications: Notifications,
    pub show_notifications: bool,
    /// `None` until fetched: the server's own `filtered` results are all we have then.
    pub filters: Option<Vec<Filter>>,
    /// Active announcements, newest first; dismissed ones are removed.
    pub announcements: Vec<Announcement>,
    pub overlay: Overlay,
    pub search: Search,
    /// Original-status ids whose content warning or `warn` filter the reader opened.
    pub revealed: HashSet<String>,
    pub deleted: DeletedIds,
    /// The newest notification the stream delivered: where catching up starts.
    pub newest_notification: Option<String>,
    /// A short message for the footer ("link copied").
    pub flash: Option<String>,
    pub now: Timestamp,
    pub settings: UiSettings,
    /// Where each stream's events go: `StreamId.0` → tab index.
    pub stream_tab: Vec<usize>,
    /// Patterns highlighted in post text; a matching post can ring the bell or run the hook.
    pub highlights: crate::matching::Highlights,
    /// Set for `--monitor`: the side-screen view.
    pub monitor: Option<Monitor>,
    /// An `--exec` hook is configured: matching posts are handed to it.
    pub has_hook: bool,
    /// Entries of the active timeline on one screen (the PgUp/PgDn step), as last drawn.
    pub page_len: usize,
    /// Something visible changed since the last frame.
    pub dirty: bool,
    pub quit: bool,
}

impl State {
    /// One tab per group of streams; stream ids are numbered in order across the tabs.
    pub fn new(
        groups: Vec<(String, Vec<StreamSpec>)>,
        settings: UiSettings,
        now: Timestamp,
    ) -> State {
        let mut tabs = Vec::new();
        let mut stream_tab = Vec::new();
        for (title, specs) in groups {
            let streams = specs
                .into_iter()
                .map(|spec| {
                    let id = StreamId(stream_tab.len());
                    stream_tab.push(tabs.len());
                    (id, spec)
                })
                .collect();
            let mut tab = Tab::new(title, streams);
            for s in &mut tab.streams {
                s.state_since = now;
            }
            tabs.push(tab);
        }
        State {
            tabs,
            active: 0,
            notifications: Notifications::default(),
            show_notifications: true,
            filters: None,
            announcements: Vec::new(),
            overlay: Overlay::None,
            search: Search::default(),
            revealed: HashSet::new(),
            deleted: DeletedIds::default(),
            flash: None,
            newest_notification: None,
            now,
            settings,
            stream_tab,
            highlights: Default::default(),
            monitor: None,
            has_hook: false,
            page_len: 5,
            dirty: true,
            quit: false,
        }
    }

    /// What to load when the view opens: each stream's latest page, and the notifications when
    /// a stream carries them.
    pub fn initial_fetches(&self) -> Vec<super::Command> {
        use super::Command;
        let mut commands = Vec::new();
        let mut notifications = false;
        for (stream, spec) in self.subscriptions() {
            notifications |= matches!(spec, StreamSpec::User | StreamSpec::UserNotification);
            if spec != StreamSpec::UserNotification {
                commands.push(Command::FetchHistory {
                    stream,
                    spec,
                    since: None,
                });
            }
        }
        if notifications {
            commands.push(Command::FetchNotifications { since: None });
        }
        commands
    }

    /// Merges a history page or a catch-up into the stream's tab. A catch-up goes right above
    /// the newest post seen before the disconnect (or into the gap marker it closes); when it
    /// was cut short, a gap marker stays above it.
    pub fn merge_history(
        &mut self,
        stream: StreamId,
        since: Option<&str>,
        found: crate::api::timeline::CatchUp,
    ) {
        use crate::api::timeline::History;
        let Some(&tab) = self.stream_tab.get(stream.0) else {
            return;
        };
        let via = self.tabs[tab]
            .streams
            .iter()
            .position(|s| s.id == stream)
            .unwrap_or(0);
        let context = self.tabs[tab].context.clone();
        let limit = self.settings.timeline_len;
        let items: Vec<(Item, Verdict)> = match found.items {
            History::Statuses(v) => v
                .into_iter()
                .filter(|s| {
                    !self.deleted.contains(&s.id)
                        && !s
                            .reblog
                            .as_deref()
                            .is_some_and(|r| self.deleted.contains(&r.id))
                })
                .map(|s| {
                    let v = self.verdict_for(&s, &context);
                    (Item::Status(Box::new(s)), v)
                })
                .collect(),
            History::Conversations(v) => {
                // Conversations change in place: the page's newest ends on top, updated ones
                // replace what was held.
                for c in v.into_iter().rev() {
                    self.upsert_conversation(tab, via, Box::new(c));
                }
                return;
            }
            History::Notifications(v) => {
                self.merge_notifications(since, v);
                return;
            }
        };
        let t = &mut self.tabs[tab];
        let Some(since) = since else {
            t.insert_history(items, via, limit);
            return;
        };
        let gap = t.entries.iter().position(|e| matches!(&e.item, Item::Gap { stream: s, resume_from, .. } if *s == stream && resume_from == since));
        let at = match gap {
            Some(i) => {
                t.remove_entry(i);
                Some(i)
            }
            None => t.position_of(since),
        };
        let Some(mut at) = at else {
            t.insert_history(items, via, limit);
            return;
        };
        if !found.complete {
            let id = format!("gap:{}:{}", stream.0, found.resume_from);
            t.insert_at(
                at,
                Item::Gap {
                    id,
                    stream,
                    resume_from: found.resume_from,
                },
                Verdict::Show,
                via,
            );
            at += 1;
        }
        for (item, verdict) in items {
            if t.position_of(item.id()).is_some() {
                continue;
            }
            t.insert_at(at, item, verdict, via);
            at += 1;
        }
        t.enforce_limit(limit);
    }

    /// Notifications from REST: the latest page goes below what arrived live; a catch-up goes
    /// right above the newest one seen before the disconnect.
    pub fn merge_notifications(&mut self, since: Option<&str>, found: Vec<Notification>) {
        let mut at = match since {
            None => self.notifications.entries.len(),
            Some(id) => self
                .notifications
                .entries
                .iter()
                .position(|e| e.notification.id == id)
                .unwrap_or(0),
        };
        for n in found {
            if self
                .notifications
                .entries
                .iter()
                .any(|e| e.notification.id == n.id)
                || n.status
                    .as_deref()
                    .is_some_and(|s| self.deleted.contains(&s.id))
            {
                continue;
            }
            let verdict = n.status.as_deref().map_or(Verdict::Show, |s| {
                self.verdict_for(s, &FilterContext::Notifications)
            });
            if since.is_some() && verdict != Verdict::Hide && !self.show_notifications {
                self.notifications.unread += 1;
            }
            self.notifications.entries.insert(
                at,
                NotificationEntry {
                    notification: Box::new(n),
                    verdict,
                },
            );
            at += 1;
        }
        self.notifications
            .entries
            .truncate(self.settings.notifications_len.max(1));
    }

    /// Marks a stream as ended for good before it ever connects (a feed the server switched off).
    pub fn stream_failed(&mut self, stream: StreamId, reason: String) {
        let Some(&tab) = self.stream_tab.get(stream.0) else {
            return;
        };
        if let Some(s) = self.tabs[tab].streams.iter_mut().find(|s| s.id == stream) {
            s.state = ConnectionState::Failed {
                reason,
                cause: crate::stream::FailureCause::StreamRefused,
            };
        }
    }

    /// Every stream of every tab with its id, for whoever spawns the stream tasks.
    pub fn subscriptions(&self) -> Vec<(StreamId, StreamSpec)> {
        self.tabs
            .iter()
            .flat_map(|t| t.streams.iter().map(|s| (s.id, s.spec.clone())))
            .collect()
    }

    pub fn active_tab(&self) -> Option<&Tab> {
        self.tabs.get(self.active)
    }

    pub fn verdict_for(&self, status: &Status, context: &FilterContext) -> Verdict {
        verdict(status, self.filters.as_deref(), context, self.now)
    }

    /// Re-applies the filters to everything held, after they changed.
    pub fn refilter(&mut self) {
        let filters = self.filters.clone();
        let now = self.now;
        for tab in &mut self.tabs {
            let context = tab.context.clone();
            for entry in &mut tab.entries {
                entry.verdict = entry.item.status().map_or(Verdict::Show, |s| {
                    verdict(s, filters.as_deref(), &context, now)
                });
            }
            tab.settle_selection();
        }
        for entry in &mut self.notifications.entries {
            entry.verdict = entry
                .notification
                .status
                .as_deref()
                .map_or(Verdict::Show, |s| {
                    verdict(s, filters.as_deref(), &FilterContext::Notifications, now)
                });
        }
    }

    /// A deleted status goes from every tab, with boosts of it, and from notifications.
    pub fn delete_status(&mut self, id: &str) {
        self.deleted.insert(id);
        let gone = |s: &Status| s.id == id || s.reblog.as_deref().is_some_and(|r| r.id == id);
        for tab in &mut self.tabs {
            while let Some(i) = tab.entries.iter().position(|e| match &e.item {
                Item::Status(s) => gone(s),
                Item::Conversation(_) | Item::Gap { .. } => false,
            }) {
                tab.remove_at(i);
            }
            for entry in &mut tab.entries {
                if let Item::Conversation(c) = &mut entry.item
                    && c.last_status.as_deref().is_some_and(gone)
                {
                    c.last_status = None;
                }
            }
        }
        self.notifications
            .entries
            .retain(|n| !n.notification.status.as_deref().is_some_and(gone));
        if let Overlay::Detail { id: shown, .. } = &self.overlay
            && shown == id
        {
            self.overlay = Overlay::None;
        }
    }

    /// An edit replaces the status wherever it appears: in timelines, inside boosts,
    /// conversations and notifications.
    pub fn edit_status(&mut self, edited: &Status) {
        fn replace(slot: &mut Status, edited: &Status) -> bool {
            if slot.id == edited.id {
                // A boost's wrapper keeps its own id; only the status itself is replaced.
                *slot = edited.clone();
                return true;
            }
            match slot.reblog.as_deref_mut() {
                Some(inner) => replace(inner, edited),
                None => false,
            }
        }
        let filters = self.filters.clone();
        let now = self.now;
        for tab in &mut self.tabs {
            let context = tab.context.clone();
            for entry in &mut tab.entries {
                let changed = match &mut entry.item {
                    Item::Gap { .. } => false,
                    Item::Status(s) => replace(s, edited),
                    Item::Conversation(c) => c
                        .last_status
                        .as_deref_mut()
                        .is_some_and(|s| replace(s, edited)),
                };
                if changed {
                    entry.verdict = entry.item.status().map_or(Verdict::Show, |s| {
                        verdict(s, filters.as_deref(), &context, now)
                    });
                }
            }
            tab.settle_selection();
        }
        for n in &mut self.notifications.entries {
            if let Some(s) = n.notification.status.as_deref_mut() {
                replace(s, edited);
            }
        }
    }

    /// A notification on top of the pane. Returns whether it is a mention (for the bell).
    pub fn add_notification(&mut self, n: Box<Notification>) -> bool {
        if self
            .notifications
            .entries
            .iter()
            .any(|e| e.notification.id == n.id)
        {
            return false;
        }
        if n.status
            .as_deref()
            .is_some_and(|s| self.deleted.contains(&s.id))
        {
            return false;
        }
        let verdict = n.status.as_deref().map_or(Verdict::Show, |s| {
            self.verdict_for(s, &FilterContext::Notifications)
        });
        let mention = n.kind == NotificationType::Mention && verdict != Verdict::Hide;
        if verdict != Verdict::Hide && !self.show_notifications {
            self.notifications.unread += 1;
        }
        self.notifications.entries.push_front(NotificationEntry {
            notification: n,
            verdict,
        });
        self.notifications
            .entries
            .truncate(self.settings.notifications_len.max(1));
        mention
    }

    /// Conversations are updated in place and move to the top.
    pub fn upsert_conversation(&mut self, tab: usize, via: usize, c: Box<Conversation>) {
        let limit = self.settings.timeline_len;
        let verdict = c
            .last_status
            .as_deref()
            .map_or(Verdict::Show, |s| self.verdict_for(s, &FilterContext::Home));
        let Some(t) = self.tabs.get_mut(tab) else {
            return;
        };
        if let Some(i) = t.position(&c.id) {
            let selected_here = t.selected == i;
            t.remove_at(i);
            t.push_newest(Item::Conversation(c), verdict, via, limit);
            if selected_here && t.selected != 0 {
                t.selected = 0;
            }
        } else {
            t.push_newest(Item::Conversation(c), verdict, via, limit);
        }
    }

    /// Entries of the active tab matching the search, if one is set.
    pub fn matches_search(&self, entry: &Entry) -> bool {
        let q = self.search.query.trim();
        if q.is_empty() {
            return true;
        }
        let Some(s) = entry.item.status() else {
            return false;
        };
        let q = q.to_lowercase();
        crate::filter::searchable_text(s)
            .to_lowercase()
            .contains(&q)
            || s.account.acct.to_lowercase().contains(&q)
            || s.account.display_name.to_lowercase().contains(&q)
    }
}
