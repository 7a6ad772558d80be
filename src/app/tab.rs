//! A tab: its streams and their connection states, and its timeline (bounded, deduplicated,
//! keeping the reader's place while posts arrive above).

use std::collections::{HashSet, VecDeque};

use jiff::Timestamp;

use crate::filter::Verdict;
use crate::model::{Conversation, FilterContext, Status};
use crate::stream::{ConnectionState, StreamId, StreamSpec, Transport};

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
    /// As shown: the core may say "polling" where the socket says "live".
    pub state: ConnectionState,
    /// When the stream last delivered an event (heartbeats aside).
    pub last_event: Option<Timestamp>,
    /// When it was first up: a silence without any post counts from there, not from the last
    /// reconnect.
    pub up_since: Option<Timestamp>,
    /// When the stream last went live, or last stopped being live.
    pub state_since: Timestamp,
    /// When the current state arrived: a reconnect counts down from it.
    pub state_at: Timestamp,
    /// The monitor view has already sounded the alarm for the current silence or outage.
    pub alerted: bool,
}

impl TabStream {
    /// Since when nothing came: the last event, else when the stream went live (or down). A
    /// reconnect does not end a silence; only a post does.
    pub fn quiet_since(&self) -> Timestamp {
        self.last_event
            .or(self.up_since)
            .unwrap_or(self.state_since)
    }

    /// Down or silent for longer than `limit` (the monitor view's alarm). A stream that goes
    /// down after a long silence stays stale: it is both.
    pub fn is_stale(&self, now: Timestamp, limit: std::time::Duration) -> bool {
        now.duration_since(self.troubled_since()).as_secs_f64() > limit.as_secs_f64()
    }

    /// When it turns stale if nothing changes.
    pub fn stale_at(&self, limit: std::time::Duration) -> Timestamp {
        let limit = jiff::SignedDuration::try_from(limit).unwrap_or(jiff::SignedDuration::MAX);
        self.troubled_since()
            .checked_add(limit)
            .unwrap_or(Timestamp::MAX)
    }

    /// Since when it has been silent, or down (whichever began first).
    fn troubled_since(&self) -> Timestamp {
        match self.state {
            ConnectionState::Live { .. } | ConnectionState::Polling { .. } => self.quiet_since(),
            _ => self.quiet_since().min(self.state_since),
        }
    }

    /// For a stream waiting to reconnect: how long it still waits.
    pub fn retry_in(&self, now: Timestamp) -> Option<std::time::Duration> {
        let ConnectionState::Reconnecting { after, .. } = &self.state else {
            return None;
        };
        let waited = now.duration_since(self.state_at).as_secs_f64().max(0.0);
        Some(std::time::Duration::from_secs_f64(
            (after.as_secs_f64() - waited).max(0.0),
        ))
    }
}

/// Worse states rank higher: what a tab label or a footer shows first.
pub fn badness(state: &ConnectionState) -> u8 {
    match state {
        ConnectionState::Live { .. } => 0,
        ConnectionState::Polling {
            not_delivering: false,
            ..
        } => 1,
        ConnectionState::Polling { .. } => 2,
        ConnectionState::Connecting { .. } => 3,
        ConnectionState::Reconnecting { .. } => 4,
        ConnectionState::Failed { .. } => 5,
    }
}

/// Up: delivering, over its stream or by polling.
pub fn is_up(state: &ConnectionState) -> bool {
    matches!(
        state,
        ConnectionState::Live { .. } | ConnectionState::Polling { .. }
    )
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
    /// Change it only through the methods below, which keep `ids` in step.
    pub entries: VecDeque<Entry>,
    /// The ids in `entries`: under a firehose, nearly every post is new, and a scan of a full
    /// timeline to learn that cost more than everything else done per post.
    ids: HashSet<String>,
    /// Index into `entries` of the selected entry; 0 follows the newest.
    pub selected: usize,
    /// Entries that arrived since the tab was last looked at.
    pub unread: usize,
    /// Entries that arrived above the reader while they were scrolled away from the top.
    pub new_above: usize,
    /// Which posts a column of hashtag streams admits (any / all / none of its tags).
    pub tag_rule: crate::matching::TagRule,
    /// Index into `State::accounts`: whose server the tab streams from.
    pub account: usize,
    /// The read position: the newest post the reader had selected on this tab (it only
    /// moves forward; kept in the archive across restarts).
    pub read_id: Option<String>,
    /// Where the "read up to here" line is drawn: the read position when the reader came to
    /// the tab, so that it stays put while they read on.
    pub divider_id: Option<String>,
    /// The read position the archive has last been given, and when.
    pub read_saved: Option<String>,
    pub read_saved_at: Timestamp,
    /// When a tab never visited last looked for what it opened with (`read::after`).
    pub read_looked_at: Timestamp,
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
                    last_event: None,
                    up_since: None,
                    state_since: Timestamp::UNIX_EPOCH,
                    state_at: Timestamp::UNIX_EPOCH,
                    alerted: false,
                })
                .collect(),
            context,
            entries: VecDeque::new(),
            ids: HashSet::new(),
            selected: 0,
            unread: 0,
            new_above: 0,
            tag_rule: Default::default(),
            account: 0,
            read_id: None,
            divider_id: None,
            read_saved: None,
            read_saved_at: Timestamp::UNIX_EPOCH,
            read_looked_at: Timestamp::UNIX_EPOCH,
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

    /// A stream's catch-up (newest first), put above `anchor` (the stream's newest post from
    /// before it went down, or its gap marker's place): each post where its time says among
    /// what is above, newer above older, so that in a merged tab it interleaves with what the
    /// other streams brought meanwhile. A post rises past older entries and other streams'
    /// gap markers, never past its own stream's gap (what is missing there is newer than it)
    /// nor past an entry whose time is unknown. Posts already held are not inserted again,
    /// only marked as this stream's too. Returns where the newest of them went (`anchor` if
    /// none did).
    pub fn insert_caught_up(
        &mut self,
        items: Vec<(Item, Verdict)>,
        anchor: usize,
        stream: StreamId,
        via: usize,
    ) -> usize {
        let rises_past = |e: &Entry, at: Timestamp| match &e.item {
            Item::Gap { stream: s, .. } => *s != stream,
            _ => entry_time(e).is_some_and(|t| t < at),
        };
        let mut floor = anchor.min(self.entries.len());
        for (item, verdict) in items.into_iter().rev() {
            if self.position(item.id()).is_some() {
                self.add_via(item.id(), via);
                continue;
            }
            let mut pos = floor;
            if let Some(at) = item_time(&item) {
                while pos > 0 && rises_past(&self.entries[pos - 1], at) {
                    pos -= 1;
                }
            }
            self.insert_at(pos, item, verdict, via);
            floor = pos;
        }
        floor
    }

    /// An edit of a post the tab does not hold, put where its time says among what it holds
    /// (servers let an edit overtake its post, which then comes as a duplicate); an edit of
    /// a post older than all of them is left out, as the post itself would have been.
    /// Whether it went in.
    pub fn insert_edited(
        &mut self,
        item: Item,
        verdict: Verdict,
        via: usize,
        limit: usize,
    ) -> bool {
        let older_than_all = self
            .entries
            .back()
            .is_some_and(|oldest| item_time(&item) < entry_time(oldest));
        !older_than_all && self.insert_history(vec![(item, verdict)], via, limit) > 0
    }

    /// Inserts at `pos`, keeping the reader on what they were reading.
    pub fn insert_at(&mut self, pos: usize, item: Item, verdict: Verdict, via: usize) {
        let following = self.is_following();
        let hidden = verdict == Verdict::Hide;
        let pos = pos.min(self.entries.len());
        self.ids.insert(item.id().to_string());
        self.entries.insert(
            pos,
            Entry {
                item,
                verdict,
                via: vec![via],
            },
        );
        if following && pos <= self.selected {
            // Above a reader who follows the newest: they go on to it, unless it is hidden
            // (then they stay on what they read, the first post shown).
            if !hidden {
                self.selected = pos;
            } else if self.entries.len() > 1 {
                self.selected += 1;
            }
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
        self.worst_stream().map(|s| &s.state)
    }

    /// The stream in the worst state.
    pub fn worst_stream(&self) -> Option<&TabStream> {
        self.streams.iter().max_by_key(|s| badness(&s.state))
    }

    pub(super) fn position(&self, id: &str) -> Option<usize> {
        if !self.ids.contains(id) {
            return None;
        }
        self.entries.iter().position(|e| e.item.id() == id)
    }

    /// Empties the timeline (the reader's place goes back to the top).
    pub fn clear(&mut self) {
        self.entries.clear();
        self.ids.clear();
        self.selected = 0;
        self.new_above = 0;
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
        self.ids.insert(item.id().to_string());
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

    /// Another of the tab's streams carried an entry it holds.
    pub fn add_via(&mut self, id: &str, via: usize) {
        if let Some(i) = self.position(id)
            && !self.entries[i].via.contains(&via)
        {
            self.entries[i].via.push(via);
        }
    }

    /// Removes an entry, keeping the selection on the same neighbourhood.
    pub(super) fn remove_at(&mut self, i: usize) {
        // A deleted post that was counted unread is not any more.
        let counted =
            self.read_id.is_none() && self.visible().take(self.unread).any(|(at, _)| at == i);
        if let Some(gone) = self.entries.remove(i) {
            self.ids.remove(gone.item.id());
        }
        if counted {
            self.unread -= 1;
        } else {
            self.count_unread();
        }
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

    /// Moves the read position forward to the selected entry (the newest one the reader has
    /// on screen when they follow the top) and counts what is unread from it.
    pub fn mark_read(&mut self) {
        // After every event: the id is copied, and unread counted again, only when it moved
        // (a reader scrolled away under a firehose has a timeline of unread posts above them;
        // new ones are counted as they come, in `push_newest`).
        let Some(id) = self.selected_entry().map(|e| e.item.id()) else {
            return;
        };
        if self
            .read_id
            .as_deref()
            .is_none_or(|r| crate::live::is_newer(id, r))
        {
            let id = id.to_string();
            self.move_read(&id);
        }
    }

    /// Conversations rise to the top when they change, and their ids say nothing of when: a
    /// tab of them has no read position, only the count of changes as they came, which the
    /// reader clears down to what is above the selection.
    pub fn conversations_seen(&mut self) {
        self.unread = self.unread.min(self.selected);
    }

    /// The archive's position from the last run, unless the tab's own is newer; the line
    /// goes with it (the reader has not come to the tab yet).
    pub fn restore_read(&mut self, id: String) {
        if self.move_read(&id) {
            self.divider_id = Some(id.clone());
            self.read_saved = Some(id);
        }
    }

    /// The server's marker (read on another device, perhaps): the position moves forward to
    /// it, and so does the line, so that what was read elsewhere is above it. Not marked
    /// saved: the archive is given it, for the next start without a network.
    pub fn restore_server_read(&mut self, id: String) {
        if self
            .divider_id
            .as_deref()
            .is_none_or(|d| crate::live::is_newer(&id, d))
        {
            self.divider_id = Some(id.clone());
        }
        self.move_read(&id);
    }

    /// Moves the position to `id` if that is newer; whether it moved.
    fn move_read(&mut self, id: &str) -> bool {
        let newer = self
            .read_id
            .as_deref()
            .is_none_or(|r| crate::live::is_newer(id, r));
        if newer {
            self.read_id = Some(id.to_string());
            self.count_unread();
        }
        newer
    }

    /// Without a read position (a tab not yet visited, nothing kept from before): the newest
    /// entry below the ones counted unread as they came, where the line goes when the reader
    /// first comes, so the count in the tab bar and the line agree.
    pub fn first_read_below_unread(&self) -> Option<String> {
        if self.unread == 0 {
            return None;
        }
        self.unvisited_read()
    }

    /// What a tab never visited has read, to keep for the next start: all but the posts it
    /// counted unread as they came (what it opened with, then the newest of those). Without
    /// it, a tab never opened would start each run with nothing unread, and what came while
    /// tootwatch was off would pass as read.
    pub fn unvisited_read(&self) -> Option<String> {
        if self.read_id.is_some() {
            return None;
        }
        self.visible()
            .skip(self.unread)
            .find(|(_, e)| matches!(e.item, Item::Status(_)))
            .map(|(_, e)| e.item.id().to_string())
    }

    /// Unread: the visible entries newer than the read position (newest first, so the count
    /// stops at the first one that is not). Without a position, the count kept as they came.
    pub fn count_unread(&mut self) {
        let Some(read) = self.read_id.as_deref() else {
            return;
        };
        self.unread = self
            .entries
            .iter()
            .take_while(|e| crate::live::is_newer(e.item.id(), read))
            .filter(|e| e.verdict != Verdict::Hide)
            .count();
    }

    /// Drops the oldest entries past `limit`, keeping the selection in range.
    pub(super) fn enforce_limit(&mut self, limit: usize) {
        while self.entries.len() > limit.max(1) {
            if let Some(gone) = self.entries.pop_back() {
                self.ids.remove(gone.item.id());
            }
        }
        // Unread counts what the tab holds to be read: posts dropped off its end are not.
        // (Hidden posts are in `entries` too: a bound, not a count, without a walk per post.)
        self.unread = self.unread.min(self.entries.len());
        self.selected = self.selected.min(self.entries.len().saturating_sub(1));
        self.settle_selection();
    }
}
