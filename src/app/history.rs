//! History from REST merged into the live view: pages of a timeline, catch-ups after a
//! disconnect, and notifications, each put where its posts belong among what arrived live.

use jiff::Timestamp;

use super::state::{Item, NotificationEntry, State};
use crate::api::timeline::{CatchUp, History, Since};
use crate::filter::Verdict;
use crate::model::{FilterContext, KeepsServerJson, Notification, ServerJson};
use crate::stream::StreamId;

/// What REST kept of the server's JSON (for the `--exec` hook: `setup::connect_live`) is not
/// kept on screen: the view holds the model alone.
fn model_only<T: KeepsServerJson>(mut item: T) -> T {
    *item.server_json_mut() = ServerJson::default();
    item
}

impl State {
    /// Merges a history page or a catch-up into the stream's tab. A catch-up goes above the
    /// newest post seen before the disconnect (or into the gap marker it closes), among what
    /// other streams brought since by time; when it was cut short, a gap marker stays above
    /// its newest post.
    pub fn merge_history(&mut self, stream: StreamId, since: Option<&Since>, found: CatchUp) {
        let Some(&tab) = self.stream_tab.get(stream.0) else {
            return;
        };
        self.core.note_history(stream, &found.items);
        let via = self.tabs[tab]
            .streams
            .iter()
            .position(|s| s.id == stream)
            .unwrap_or(0);
        let context = self.tabs[tab].context.clone();
        let account = self.tabs[tab].account;
        let limit = self.settings.timeline_len;
        let items: Vec<(Item, Verdict)> = match found.items {
            History::Statuses(v) => v
                .into_iter()
                .filter(|s| {
                    !self.is_deleted(account, s)
                        && self.core.admits_rest(stream, s)
                        && self.tabs[tab].tag_rule.admits(s)
                })
                .map(|s| {
                    let v = self.verdict_for(account, &s, &context);
                    (Item::Status(Box::new(model_only(s))), v)
                })
                .collect(),
            History::Conversations(v) => {
                // Conversations change in place: the page's newest ends on top, updated ones
                // replace what was held (not with an older state than the stream brought, nor
                // with a deleted last post).
                for c in v.into_iter().rev() {
                    if !self.core.admits_rest_conversation(stream, &c) {
                        continue;
                    }
                    self.upsert_conversation(tab, via, Box::new(model_only(c)));
                }
                return;
            }
            History::Notifications(v) => {
                self.merge_notifications(account, since, v);
                return;
            }
        };
        let t = &mut self.tabs[tab];
        // A catch-up from an id goes where that id is; one by time goes where its posts'
        // times say, as a page does.
        let Some(since) = since.and_then(|s| match s {
            Since::Id(id) => Some(id.as_str()),
            Since::Time(_) => None,
        }) else {
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
        let Some(at) = at else {
            t.insert_history(items, via, limit);
            return;
        };
        let newest = t.insert_caught_up(items, at, stream, via);
        if !found.complete {
            // What is missing is newer than the newest post the catch-up brought.
            let id = format!("gap:{}:{}", stream.0, found.resume_from);
            t.insert_at(
                newest,
                Item::Gap {
                    id,
                    stream,
                    resume_from: found.resume_from,
                },
                Verdict::Show,
                via,
            );
        }
        t.enforce_limit(limit);
    }

    /// Notifications from REST: the latest page goes where it belongs by time (below what
    /// arrived live); a catch-up goes right above the newest one seen before the disconnect.
    pub fn merge_notifications(
        &mut self,
        account: usize,
        since: Option<&Since>,
        found: Vec<Notification>,
    ) {
        let entries = &self.notifications.entries;
        let mut at = since.map(|since| match since {
            Since::Id(id) => entries
                .iter()
                .position(|e| e.account == account && e.notification.id == *id)
                .unwrap_or(0),
            Since::Time(_) => 0,
        });
        for n in found.into_iter().map(model_only) {
            let entries = &self.notifications.entries;
            if entries
                .iter()
                .any(|e| e.account == account && e.notification.id == n.id)
                || n.status
                    .as_deref()
                    .is_some_and(|s| self.is_deleted(account, s))
            {
                continue;
            }
            let pos = match at {
                Some(pos) => pos,
                None => {
                    // A page is newest first: each one goes below every entry newer than it.
                    let time = n.created_at.parse::<Timestamp>().ok();
                    let mut pos = entries.len();
                    while pos > 0
                        && time.is_some()
                        && entries[pos - 1]
                            .notification
                            .created_at
                            .parse::<Timestamp>()
                            .ok()
                            < time
                    {
                        pos -= 1;
                    }
                    pos
                }
            };
            let verdict = n.status.as_deref().map_or(Verdict::Show, |s| {
                self.verdict_for(account, s, &FilterContext::Notifications)
            });
            if since.is_some() && verdict != Verdict::Hide && !self.show_notifications {
                self.notifications.count_new(account);
            }
            self.notifications.entries.insert(
                pos,
                NotificationEntry {
                    notification: Box::new(n),
                    verdict,
                    account,
                },
            );
            if let Some(at) = &mut at {
                *at += 1;
            }
        }
        self.notifications
            .entries
            .truncate(self.settings.notifications_len.max(1));
    }
}
