//! The admit path: one event, from a stream or from REST, is new, a duplicate, deleted or outside
//! its stream, and what the filters make of it.

use jiff::Timestamp;

use crate::model::Conversation;

use super::*;

impl LiveCore {
    /// Whether a post from REST belongs on this stream: a server that cannot stream it may
    /// not narrow its timeline either.
    pub(crate) fn admits_rest(&self, stream: StreamId, status: &Status) -> bool {
        self.tracks
            .get(stream.0)
            .is_none_or(|t| t.sub.unstreamable.is_none() || admits(&t.sub.spec, status))
    }

    /// Decides one event, from a stream or from REST (a catch-up, a poll, a verification).
    pub(crate) fn admit(
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
        if origin.streamed() && content {
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
                let group = &mut self.groups[group];
                // An edit older than one shown is stale. A newer one also stands for the
                // post itself: the post arriving after it (servers reorder) is older still.
                if !group.edits.is_newest(&s.id, edited) {
                    return Admit::Duplicate;
                }
                key.push_str("s:");
                key.push_str(&s.id);
                self.edit_brought_post = group.seen.insert(key);
                key.clear();
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
                // A conversation changes in place: what the stream sends is news (a read mark
                // set elsewhere; `conversation_state` says what is not); what REST brings, or
                // what waited behind it, is news unless that last post was seen already. The
                // anchor stays: servers page conversations by ids of their own (Pleroma's
                // participations), so `direct` catches up by time.
                let seen = &mut self.groups[group].conversations;
                if let Some(not_news) = conversation_state(seen, &a.tombstones, c, origin) {
                    return not_news;
                }
                let last = c.last_status.as_deref();
                key.push_str("c:");
                key.push_str(&c.id);
                key.push(':');
                key.push_str(last.map_or("", |s| s.id.as_str()));
                let new = self.groups[group].seen.insert(key);
                if origin != Origin::Stream && !new {
                    return Admit::Duplicate;
                }
                return Admit::New(last.map_or(Verdict::Show, |s| {
                    verdict(s, a.filters.as_deref(), &FilterContext::Home, now)
                }));
            }
            StreamEvent::FiltersChanged => {
                self.needs.push(Need::Filters { account });
                return Admit::New(Verdict::Show);
            }
            _ => return Admit::New(Verdict::Show),
        };
        if origin.streamed()
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

    /// Whether the `status.update` just admitted as new was the first the group saw of its
    /// post: its post, arriving later, is a duplicate, so what a front end does for a new post
    /// (the `--exec` hook) it does for this edit.
    pub(crate) fn edit_brought_post(&self) -> bool {
        self.edit_brought_post
    }

    /// An event arrived on the stream itself: a stream thought not delivering delivers again.
    fn delivering(&mut self, stream: StreamId) {
        let t = &mut self.tracks[stream.0];
        t.misses = 0;
        if t.suspect_since.is_some() {
            t.suspect_since = None;
        }
        t.delivered_in_spell += 1;
        t.silent_spells = 0;
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
    pub(crate) fn note_history(&mut self, stream: StreamId, items: &History) {
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

    /// Whether a conversation from REST may be shown: its last post not deleted, its state
    /// no older than one the stream's group has shown (see [`conversation_state`]).
    pub(crate) fn admits_rest_conversation(&mut self, stream: StreamId, c: &Conversation) -> bool {
        let Some(t) = self.tracks.get(stream.0) else {
            return true;
        };
        let Some(a) = self.accounts.get(t.sub.account) else {
            return true;
        };
        let seen = &mut self.groups[t.sub.group].conversations;
        conversation_state(seen, &a.tombstones, c, Origin::Rest).is_none()
    }

    /// Whether a conversation from REST would not be shown (see
    /// [`LiveCore::admits_rest_conversation`]), without taking it as the newest: what the
    /// archive keeps of a page is what the view shows of it.
    pub(crate) fn outdated_rest_conversation(&self, stream: StreamId, c: &Conversation) -> bool {
        let Some(t) = self.tracks.get(stream.0) else {
            return false;
        };
        let Some(a) = self.accounts.get(t.sub.account) else {
            return false;
        };
        let seen = &self.groups[t.sub.group].conversations;
        outdated(seen, &a.tombstones, c, Origin::Rest).is_some()
    }

    /// A notification the live view put in its pane from REST: catching up goes on after it.
    pub(crate) fn note_notification(&mut self, account: usize, id: &str) {
        if let Some(a) = self.accounts.get_mut(account) {
            a.notifications.advance(id);
        }
    }
}

/// What the group knows already makes of a conversation's state. One whose last post was
/// deleted is gone. One fetched whose last post is older than that of a state seen since is
/// stale, and so is one the stream sent while a catch-up ran, older than the state that
/// catch-up brought; unless that newer post was deleted since (then the older is the last
/// again). What the stream sends is otherwise the conversation now, also with an older last
/// post: a delete this run never heard (it happened while the stream was down, or the server
/// sent it on no stream followed here) made it the last. `None`: the state is news as far as
/// this goes, and the newest now.
fn conversation_state(
    seen: &mut RecentConversations,
    tombstones: &Tombstones,
    c: &Conversation,
    origin: Origin,
) -> Option<Admit> {
    let last = c.last_status.as_deref()?;
    if let Some(not_news) = outdated(seen, tombstones, c, origin) {
        return Some(not_news);
    }
    seen.set_last(&c.id, &last.id, origin == Origin::Rest);
    None
}

/// [`conversation_state`]'s judgement, without taking the state as the newest.
fn outdated(
    seen: &RecentConversations,
    tombstones: &Tombstones,
    c: &Conversation,
    origin: Origin,
) -> Option<Admit> {
    let last = c.last_status.as_deref()?;
    if tombstones.buries(last) {
        return Some(Admit::Deleted);
    }
    let newer_seen = seen
        .newest_last(&c.id)
        .filter(|(newest, _)| is_newer(newest, &last.id) && !tombstones.contains(newest));
    let stale = match (origin, newer_seen) {
        (Origin::Rest, Some(_)) => true,
        (Origin::Held, Some((_, fetched))) => fetched,
        _ => false,
    };
    stale.then_some(Admit::Duplicate)
}
