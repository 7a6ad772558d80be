//! Where catching up starts and what it has covered: the anchors of timelines and notifications,
//! the catch-ups asked for on going live, on a poll, and the verifications.

use jiff::Timestamp;

use super::*;

impl LiveCore {
    /// The latest page of a stream's timeline at start answered (`None`: it failed). Its
    /// newest id is where catching up will start; an empty or failed page means "everything
    /// newer than the start".
    pub fn opened(&mut self, stream: StreamId, page: Option<&History>) {
        let started = self.started;
        let Some(t) = self.tracks.get_mut(stream.0) else {
            return;
        };
        // Conversations catch up by time: servers page them by ids of their own (Pleroma's
        // participations), not by their last posts' ids.
        let newest = page
            .filter(|p| !matches!(p, History::Conversations(_)))
            .and_then(History::newest_id);
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
    pub(crate) fn opened_notifications(&mut self, account: usize, newest: Option<Option<&str>>) {
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
    /// there instead of from the start page, which the front end then does not ask for. A
    /// polled stream has no first connection: it catches up at once, not a poll later.
    pub fn resume(&mut self, stream: StreamId, since: Since) {
        if let Some(t) = self.tracks.get_mut(stream.0) {
            t.anchor = Anchor::from_since(since);
            if matches!(t.mode, Mode::Polled { .. }) && t.open.is_none() {
                self.queue_catch_up(stream);
            }
        }
    }

    /// The same for an account's notifications.
    pub(crate) fn resume_notifications(&mut self, account: usize, since: Since) {
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
    pub(crate) fn notification_cursor(&self, account: usize) -> Option<Since> {
        let a = self.accounts.get(account)?;
        Some(
            a.open
                .clone()
                .unwrap_or_else(|| a.notifications.since(self.started)),
        )
    }

    /// Asks for what a stream's timeline got after where it is known to be: after the open
    /// catch-up's start if one is open (it is not filled yet), else after its anchor.
    pub(super) fn queue_catch_up(&mut self, stream: StreamId) {
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

    /// The latest page at start did not answer. A refusal (401 or 403) is final for a polled
    /// stream, as its catch-ups' are.
    pub(crate) fn open_failed(&mut self, stream: StreamId, error: &ApiError) {
        if let refused @ CaughtUp::Refused { .. } = CaughtUp::after(error) {
            self.caught_up(stream, refused);
        }
        self.opened(stream, None);
    }

    /// A catch-up of the stream is asked for and has not answered in full: what it brings
    /// is older than anything the stream delivers meanwhile.
    pub(crate) fn filling_gap(&self, stream: StreamId) -> bool {
        self.tracks
            .get(stream.0)
            .is_some_and(|t| t.open.is_some() && !t.open_failed)
    }

    /// A catch-up of a stream's timeline answered.
    pub(crate) fn caught_up(&mut self, stream: StreamId, outcome: CaughtUp) {
        let Some(t) = self.tracks.get_mut(stream.0) else {
            return;
        };
        // The server answers again (a polled stream has no "live" to say so).
        if matches!(outcome, CaughtUp::Done | CaughtUp::GoesOn(_)) {
            let account = t.sub.account;
            self.refetch_failed_filters(account);
        }
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
            CaughtUp::Refused { reason, cause }
                if matches!(
                    t.mode,
                    Mode::Polled {
                        not_delivering: false,
                        ..
                    }
                ) =>
            {
                t.open = None;
                t.refused = true;
                self.notices
                    .push((stream, ConnectionState::Failed { reason, cause }));
            }
            CaughtUp::Failed | CaughtUp::Refused { .. } => t.open_failed = true,
        }
    }

    /// A catch-up of an account's notifications answered.
    pub(crate) fn notifications_caught_up(&mut self, account: usize, outcome: CaughtUp) {
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
            CaughtUp::Failed | CaughtUp::Refused { .. } => a.open_failed = true,
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

    /// A connection state from a stream task; returns the state to show. Going live again
    /// after an outage queues what the outage may have hidden: the filters (the server tells
    /// only live listeners they changed) and a catch-up of the timeline and notifications.
    pub(crate) fn on_state(
        &mut self,
        stream: StreamId,
        state: &ConnectionState,
        now: Timestamp,
    ) -> ConnectionState {
        let Some(t) = self.tracks.get_mut(stream.0) else {
            return state.clone();
        };
        if !matches!(state, ConnectionState::Live { .. }) {
            if let Some((since, _)) = t.live.take() {
                if t.spells.len() == super::MAX_SPELLS {
                    t.spells.pop_front();
                }
                t.spells.push_back(super::Spell {
                    from: since,
                    to: now,
                    delivered: std::mem::take(&mut t.delivered_in_spell),
                });
            }
            return state.clone();
        }
        t.delivered_in_spell = 0;
        let reconnected = t.ever_live;
        t.ever_live = true;
        t.live = Some((now, state.clone()));
        let account = t.sub.account;
        let spec = t.sub.spec.clone();
        // On the first connection a start page still on its way covers the time before.
        let first_and_covered = !reconnected && t.anchor == Anchor::Pending;
        tracing::debug!(
            "{}: live ({}), catching up from {:?}",
            t.sub.spec,
            if reconnected { "again" } else { "first" },
            t.anchor
        );
        if reconnected {
            self.needs.push(Need::Filters { account });
        } else {
            self.refetch_failed_filters(account);
        }
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

    /// Catch-ups for the streams served by polling: called every `poll_every`.
    /// Also asks again for catch-ups that failed; a poll still on its way is not doubled.
    pub(crate) fn poll_due(&mut self) {
        let due: Vec<StreamId> = self
            .tracks
            .iter()
            .enumerate()
            .filter(|(_, t)| {
                let polled = matches!(t.mode, Mode::Polled { .. }) && !t.refused;
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
    pub(crate) fn verify_due(&mut self) {
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
