//! Everything the live view knows. Only the reducer changes it; the UI reads it.

use std::collections::{HashSet, VecDeque};

use jiff::Timestamp;

pub use super::tab::{Entry, Item, Tab, TabStream};
use crate::filter::{Verdict, verdict};
use crate::live::{Cadence, LiveCore, Subscription};
use crate::model::{
    Announcement, Conversation, Filter, FilterContext, Notification, NotificationType, Status,
};
use crate::stream::{ConnectionState, StreamId, StreamSpec};

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
    /// What each key does, and what the help shows.
    pub keys: crate::keys::Keymap,
    /// How pictures are drawn (`[ui] images`, `--images`).
    pub images: crate::config::Images,
    /// Small avatars before authors' names (`[ui] avatars`).
    pub avatars: bool,
    /// The largest picture download; bigger ones keep their placeholder.
    pub max_image_bytes: u64,
    /// Read and write the server's markers (`[ui] markers`, `app/markers.rs`).
    pub markers: bool,
}

impl UiSettings {
    /// Whether media may be drawn as pictures at all (`--images off` keeps them text).
    pub fn draws_pictures(&self) -> bool {
        self.images != crate::config::Images::Off
    }
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
            keys: crate::keys::Keymap::default(),
            images: crate::config::Images::Auto,
            avatars: false,
            max_image_bytes: crate::config::DEFAULT_MAX_IMAGE_BYTES,
            markers: true,
        }
    }
}

/// The side-screen view: one column, no chrome, loud when a stream goes quiet.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Monitor {
    /// A stream down or silent this long is shown as a warning (and rings the bell if asked).
    pub stale_after: std::time::Duration,
    /// Ring the terminal bell for stale streams and highlighted posts.
    pub bell: bool,
    /// The titles of the lists it follows (by id): a footer says `list Friends`, not `list:42`.
    pub lists: super::ListTitles,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NotificationEntry {
    pub notification: Box<Notification>,
    pub verdict: Verdict,
    /// Index into `State::accounts`: whose notification it is.
    pub account: usize,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Notifications {
    /// Newest first.
    pub entries: VecDeque<NotificationEntry>,
    /// Per account, what arrived while the pane was hidden (`unread()` sums them).
    pub unread_of: Vec<usize>,
    /// Per account (index into `State::accounts`), its read position.
    pub read: Vec<super::read::NotificationsRead>,
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

/// An account of the view. Tabs of several accounts (one deck mixing instances) keep their
/// deletes, filters and notifications apart (in the core): a status id means something only
/// on the server that gave it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct AccountView {
    /// `user@host`; shown where the view mixes accounts.
    pub name: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct State {
    pub tabs: Vec<Tab>,
    pub active: usize,
    pub notifications: Notifications,
    pub show_notifications: bool,
    /// Never empty; tabs name theirs by index, the first is the one picked by default.
    pub accounts: Vec<AccountView>,
    /// The live semantics shared with `tail`: dedupe, tombstones, filters, catch-up anchors,
    /// polled and verified streams. Stream ids are its subscriptions' indices.
    pub core: LiveCore,
    /// Active announcements, newest first; dismissed ones are removed.
    pub announcements: Vec<Announcement>,
    pub overlay: Overlay,
    pub search: Search,
    /// Original-status ids whose content warning or `warn` filter the reader opened.
    pub revealed: HashSet<String>,
    /// A short message for the footer ("link copied").
    pub flash: Option<String>,
    pub now: Timestamp,
    /// The reader's last key or click: read positions move only while they are there.
    pub last_input: Timestamp,
    pub settings: UiSettings,
    /// Where each stream's events go: `StreamId.0` → tab index.
    pub stream_tab: Vec<usize>,
    /// Patterns highlighted in post text; a matching post can ring the bell or run the hook.
    pub highlights: crate::matching::Highlights,
    /// Set for `--monitor`: the side-screen view.
    pub monitor: Option<Monitor>,
    /// An `--exec` hook is configured: matching posts are handed to it.
    pub has_hook: bool,
    /// When the view opened. Posts REST brings that are older (since the last run, from the
    /// archive's place) are not news for the hook and the bell; those of an outage are.
    pub opened_at: Timestamp,
    /// Set for a replay or the demo: the footer says a recording plays (`false`) or has
    /// ended (`true`), where a live view says how its streams are.
    pub recording_ended: Option<bool>,
    /// Entries of the active timeline on one screen (the PgUp/PgDn step), as last drawn.
    pub page_len: usize,
    /// How far the open overlay (the full post, the help) is scrolled, in lines; how far it
    /// can be and how many lines show at once, as last drawn (a post taller than the window,
    /// the help on a small one).
    pub overlay_scroll: usize,
    pub overlay_scroll_max: usize,
    pub overlay_page: usize,
    /// The last frame showed the notification pane: what is at its top is read.
    pub notifications_drawn: bool,
    /// Something visible changed since the last frame.
    pub dirty: bool,
    pub quit: bool,
    /// Per account, its name in the archive (`app/archive.rs`); empty: no archive.
    pub archive_accounts: Vec<String>,
    /// What the view shows goes to the archive (this process is its writer).
    pub archive_writing: bool,
    /// The archive's answer to a search, shown in its tab (`app/search.rs`).
    pub found: Option<super::search::Found>,
    /// Pictures held, being fetched, and failed.
    pub pictures: super::pictures::Pictures,
    /// Per account, the server's markers as the view knows them.
    pub markers: Vec<super::markers::MarkerSync>,
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
        let core = LiveCore::new(core_subscriptions(&tabs, &[]), Cadence::default(), now);
        // Notifications come on the home stream and its notification-only form: without
        // either the pane would stay empty, and it starts hidden (`n` shows it).
        let notified = tabs
            .iter()
            .flat_map(|t| &t.streams)
            .any(|s| matches!(s.spec, StreamSpec::User | StreamSpec::UserNotification));
        State {
            core,
            tabs,
            active: 0,
            notifications: Notifications::default(),
            show_notifications: notified,
            accounts: vec![AccountView::default()],
            announcements: Vec::new(),
            overlay: Overlay::None,
            search: Search::default(),
            revealed: HashSet::new(),
            flash: None,
            now,
            last_input: now,
            settings,
            stream_tab,
            highlights: Default::default(),
            monitor: None,
            has_hook: false,
            opened_at: now,
            recording_ended: None,
            page_len: 5,
            overlay_scroll: 0,
            overlay_scroll_max: 0,
            overlay_page: 1,
            notifications_drawn: false,
            dirty: true,
            quit: false,
            archive_accounts: Vec::new(),
            archive_writing: false,
            found: None,
            pictures: Default::default(),
            markers: Vec::new(),
        }
    }

    /// Names the accounts (the first is the default one) and which account each tab, in
    /// order, streams from; an index out of range means the first.
    pub fn set_accounts(&mut self, names: Vec<String>, tab_accounts: &[usize]) {
        self.accounts = names.into_iter().map(|name| AccountView { name }).collect();
        if self.accounts.is_empty() {
            self.accounts.push(AccountView::default());
        }
        for (tab, &account) in self.tabs.iter_mut().zip(tab_accounts) {
            tab.account = if account < self.accounts.len() {
                account
            } else {
                0
            };
            for s in &tab.streams {
                self.core.assign_account(s.id, tab.account);
            }
        }
    }

    /// How often to poll and verify, and which streams the servers cannot stream (they are
    /// polled from the start and shown so).
    pub fn set_streaming(&mut self, cadence: Cadence, unstreamable: &[(StreamId, String)]) {
        self.core = LiveCore::new(
            core_subscriptions(&self.tabs, unstreamable),
            cadence,
            self.now,
        );
        for (stream, shown) in self.core.polled_states() {
            self.show_state(stream, shown);
        }
    }

    /// Puts a stream's state on screen.
    pub fn show_state(&mut self, stream: StreamId, shown: ConnectionState) {
        let now = self.now;
        let Some(slot) = self
            .stream_tab
            .get(stream.0)
            .and_then(|&t| self.tabs.get_mut(t))
            .and_then(|t| t.streams.iter_mut().find(|s| s.id == stream))
        else {
            return;
        };
        // An outage lasts from leaving "up" to being up again, through every retry between.
        // The alarm is not sounded again for it: a silence goes on through outages and ends
        // only with a post (which clears `alerted`).
        if super::tab::is_up(&slot.state) != super::tab::is_up(&shown) {
            slot.state_since = now;
        }
        if super::tab::is_up(&shown) && slot.up_since.is_none() {
            slot.up_since = Some(now);
        }
        slot.state = shown;
        slot.state_at = now;
    }

    /// The account a stream belongs to (through its tab).
    pub fn account_of(&self, stream: StreamId) -> usize {
        self.stream_tab
            .get(stream.0)
            .and_then(|&t| self.tabs.get(t))
            .map_or(0, |t| t.account)
    }

    /// The view shows more than one account: entries say whose they are.
    pub fn mixes_accounts(&self) -> bool {
        self.accounts.len() > 1
    }

    /// What to load when the view opens: every account's filters, each stream's latest page,
    /// and the notifications of each account that has a stream carrying them.
    pub fn initial_fetches(&self) -> Vec<super::Command> {
        use super::Command;
        let mut commands: Vec<Command> = (0..self.accounts.len())
            .map(|account| Command::FetchFilters { account })
            .collect();
        let mut notifications = vec![false; self.accounts.len()];
        for (stream, spec) in self.subscriptions() {
            let account = self.account_of(stream);
            notifications[account] |=
                matches!(spec, StreamSpec::User | StreamSpec::UserNotification);
            if spec != StreamSpec::UserNotification {
                commands.push(Command::FetchHistory {
                    account,
                    stream,
                    spec,
                    since: None,
                });
            }
        }
        for (account, wanted) in notifications.into_iter().enumerate() {
            if wanted {
                commands.push(Command::FetchNotifications {
                    account,
                    since: None,
                });
            }
        }
        commands
    }

    /// Deleted on this account's server (a boost of a deleted status is gone too).
    pub fn is_deleted(&self, account: usize, status: &Status) -> bool {
        self.core.is_deleted(account, status)
    }

    pub fn stream_slot_mut(&mut self, stream: StreamId) -> Option<&mut TabStream> {
        let tab = *self.stream_tab.get(stream.0)?;
        self.tabs
            .get_mut(tab)?
            .streams
            .iter_mut()
            .find(|s| s.id == stream)
    }

    /// Marks a stream as ended for good before it ever connects (a feed the server switched off).
    pub fn stream_failed(&mut self, stream: StreamId, reason: String) {
        let Some(&tab) = self.stream_tab.get(stream.0) else {
            return;
        };
        if self.tabs[tab].streams.iter().any(|s| s.id == stream) {
            let failed = ConnectionState::Failed {
                reason,
                cause: crate::stream::FailureCause::StreamRefused,
            };
            self.show_state(stream, failed);
        }
    }

    /// Every stream of every tab with its id, for whoever spawns the stream tasks.
    pub fn subscriptions(&self) -> Vec<(StreamId, StreamSpec)> {
        self.tabs
            .iter()
            .flat_map(|t| t.streams.iter().map(|s| (s.id, s.spec.clone())))
            .collect()
    }

    /// A reconnect is counting down somewhere on screen (every tab label shows its worst
    /// stream): the clock must tick each second.
    pub fn counting_down(&self) -> bool {
        self.tabs.iter().any(|t| {
            t.streams
                .iter()
                .any(|s| matches!(s.state, ConnectionState::Reconnecting { .. }))
        })
    }

    /// The tab on screen: the archive's search results while they are shown in it.
    pub fn active_tab(&self) -> Option<&Tab> {
        self.tab_view(self.active)
    }

    /// A tab as it is drawn: its search results while they are shown, else its timeline.
    pub fn tab_view(&self, tab: usize) -> Option<&Tab> {
        match &self.found {
            Some(found) if found.tab == tab => Some(&found.view),
            _ => self.tabs.get(tab),
        }
    }

    pub fn active_tab_mut(&mut self) -> Option<&mut Tab> {
        match &mut self.found {
            Some(found) if found.tab == self.active => Some(&mut found.view),
            _ => self.tabs.get_mut(self.active),
        }
    }

    /// Where the timeline's viewport is remembered: search results have a place of their own,
    /// so that going back finds the reader where they were.
    pub fn view_key(&self) -> usize {
        match &self.found {
            Some(found) if found.tab == self.active => usize::MAX - self.active,
            _ => self.active,
        }
    }

    /// What the account's filters make of a status in a context.
    pub fn verdict_for(&self, account: usize, status: &Status, context: &FilterContext) -> Verdict {
        self.core.verdict(account, status, context, self.now)
    }

    /// Re-applies an account's filters to everything of it held, after they changed.
    pub fn refilter(&mut self, account: usize) {
        let filters = self.core.filters(account).map(<[Filter]>::to_vec);
        let now = self.now;
        for tab in self.tabs.iter_mut().filter(|t| t.account == account) {
            let context = tab.context.clone();
            for entry in &mut tab.entries {
                entry.verdict = entry.item.status().map_or(Verdict::Show, |s| {
                    verdict(s, filters.as_deref(), &context, now)
                });
            }
            tab.settle_selection();
        }
        for entry in self
            .notifications
            .entries
            .iter_mut()
            .filter(|e| e.account == account)
        {
            entry.verdict = entry
                .notification
                .status
                .as_deref()
                .map_or(Verdict::Show, |s| {
                    verdict(s, filters.as_deref(), &FilterContext::Notifications, now)
                });
        }
    }

    /// A deleted status goes from every tab of its account, with boosts of it, and from
    /// notifications.
    pub fn delete_status(&mut self, account: usize, id: &str) {
        if account >= self.accounts.len() {
            return;
        }
        self.core.bury(account, id);
        let gone = |s: &Status| s.id == id || s.reblog.as_deref().is_some_and(|r| r.id == id);
        for tab in self.tabs.iter_mut().filter(|t| t.account == account) {
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
        self.notifications.entries.retain(|n| {
            n.account != account || !n.notification.status.as_deref().is_some_and(gone)
        });
        if let Some(found) = &mut self.found
            && found.view.account == account
        {
            while let Some(i) = found.view.entries.iter().position(|e| match &e.item {
                Item::Status(s) => gone(s),
                _ => false,
            }) {
                found.view.remove_entry(i);
            }
        }
        if let Overlay::Detail { id: shown, tab } = &self.overlay
            && shown == id
            && self.tabs.get(*tab).is_some_and(|t| t.account == account)
        {
            self.overlay = Overlay::None;
        }
    }

    /// An edit replaces the status wherever it appears on its account: in timelines, inside
    /// boosts, conversations and notifications, unless what is there is a later edit (the
    /// core keeps the newest edit per stream group, and another tab may already show a later
    /// one). Returns the tabs that hold the status, replaced or not.
    pub fn edit_status(&mut self, account: usize, edited: &Status) -> Vec<usize> {
        #[derive(PartialEq)]
        enum Found {
            Absent,
            Replaced,
            Later,
        }
        fn replace(slot: &mut Status, edited: &Status) -> Found {
            if slot.id == edited.id {
                if let (Some(shown), Some(new)) = (&slot.edited_at, &edited.edited_at)
                    && crate::live::edited_later(shown, new)
                {
                    return Found::Later;
                }
                // A boost's wrapper keeps its own id; only the status itself is replaced.
                *slot = edited.clone();
                return Found::Replaced;
            }
            match slot.reblog.as_deref_mut() {
                Some(inner) => replace(inner, edited),
                None => Found::Absent,
            }
        }
        let filters = self.core.filters(account).map(<[Filter]>::to_vec);
        let now = self.now;
        let mut held = Vec::new();
        for (i, tab) in self.tabs.iter_mut().enumerate() {
            if tab.account != account {
                continue;
            }
            let context = tab.context.clone();
            for entry in &mut tab.entries {
                let found = match &mut entry.item {
                    Item::Gap { .. } => Found::Absent,
                    Item::Status(s) => replace(s, edited),
                    Item::Conversation(c) => c
                        .last_status
                        .as_deref_mut()
                        .map_or(Found::Absent, |s| replace(s, edited)),
                };
                if found == Found::Replaced {
                    entry.verdict = entry.item.status().map_or(Verdict::Show, |s| {
                        verdict(s, filters.as_deref(), &context, now)
                    });
                }
                if found != Found::Absent && held.last() != Some(&i) {
                    held.push(i);
                }
            }
            tab.settle_selection();
        }
        for n in self
            .notifications
            .entries
            .iter_mut()
            .filter(|e| e.account == account)
        {
            if let Some(s) = n.notification.status.as_deref_mut() {
                replace(s, edited);
            }
        }
        held
    }

    /// A notification on top of the pane. Returns whether it is a mention (for the bell).
    pub fn add_notification(&mut self, account: usize, n: Box<Notification>) -> bool {
        if self
            .notifications
            .entries
            .iter()
            .any(|e| e.account == account && e.notification.id == n.id)
        {
            return false;
        }
        if n.status
            .as_deref()
            .is_some_and(|s| self.is_deleted(account, s))
        {
            return false;
        }
        let verdict = n.status.as_deref().map_or(Verdict::Show, |s| {
            self.verdict_for(account, s, &FilterContext::Notifications)
        });
        let mention = n.kind == NotificationType::Mention && verdict != Verdict::Hide;
        if verdict != Verdict::Hide && !self.show_notifications {
            self.notifications.count_new(account);
        }
        self.notifications.entries.push_front(NotificationEntry {
            notification: n,
            verdict,
            account,
        });
        self.notifications
            .entries
            .truncate(self.settings.notifications_len.max(1));
        mention
    }

    /// Conversations are updated in place and move to the top.
    pub fn upsert_conversation(&mut self, tab: usize, via: usize, c: Box<Conversation>) {
        let limit = self.settings.timeline_len;
        let account = self.tabs.get(tab).map_or(0, |t| t.account);
        let verdict = c.last_status.as_deref().map_or(Verdict::Show, |s| {
            self.verdict_for(account, s, &FilterContext::Home)
        });
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
        // The archive's results matched already (by words, which a substring may not).
        if q.is_empty() || self.found.as_ref().is_some_and(|f| f.tab == self.active) {
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

/// The core's subscriptions: one group per tab, stream ids in order across the tabs.
fn core_subscriptions(tabs: &[Tab], unstreamable: &[(StreamId, String)]) -> Vec<Subscription> {
    tabs.iter()
        .enumerate()
        .flat_map(|(group, tab)| {
            tab.streams.iter().map(move |s| Subscription {
                spec: s.spec.clone(),
                group,
                account: tab.account,
                unstreamable: unstreamable
                    .iter()
                    .find(|(id, _)| *id == s.id)
                    .map(|(_, why)| why.clone()),
            })
        })
        .collect()
}
