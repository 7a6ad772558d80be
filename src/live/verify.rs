//! Verification: each stream compared with its REST timeline, the only way to tell a stream
//! that is quiet from one the server stopped feeding (or never fed: GoToSocial accepts
//! subscriptions it never serves; heartbeats go on either way).

use std::time::Duration;

use jiff::{SignedDuration, Timestamp};

use super::{LiveCore, Mode};
use crate::api::timeline::History;
use crate::filter::Verdict;
use crate::stream::{ConnectionState, StreamId};

/// Verifications in a row that must find misses before a stream counts as not delivering;
/// one is enough when it finds this many and the stream delivered none of the window.
const MISSES_IN_A_ROW: u32 = 2;
const MISSES_AT_ONCE: usize = 3;
/// A live spell that ended counts up to this long before its connection did: what was created
/// just before may have been lost with it.
const SPELL_END: SignedDuration = SignedDuration::from_secs(5);

impl LiveCore {
    /// Posts younger than this are still on their way: a tenth of the interval, at most a
    /// minute.
    fn grace(&self) -> SignedDuration {
        let d = (self.cadence.verify_every / 10).min(Duration::from_secs(60));
        SignedDuration::try_from(d).unwrap_or(SignedDuration::ZERO)
    }

    /// The latest page of a stream's timeline (a `Verify` answered). Returns, newest first,
    /// what the stream should have delivered and did not, for the front end to show or print
    /// as it does a catch-up; a stream that keeps missing posts is polled until it delivers.
    pub fn verified(&mut self, stream: StreamId, page: &History, now: Timestamp) -> History {
        let grace = self.grace();
        let reason = "posts reached its REST timeline that the stream never sent".to_string();
        let Some(t) = self.tracks.get(stream.0) else {
            return History::Statuses(Vec::new());
        };
        let (Some((live_since, _)), Mode::Streaming) = (&t.live, &t.mode) else {
            return History::Statuses(Vec::new());
        };
        let account = t.sub.account;
        // Only what was created while the stream was live, and long enough ago to have
        // arrived; the grace also absorbs a server clock a little ahead of ours.
        let from = live_since.saturating_add(grace).unwrap_or(*live_since);
        let until = now.saturating_sub(grace).unwrap_or(now);
        let in_window = |created: &str| {
            created
                .parse::<Timestamp>()
                .is_ok_and(|c| c > from && c <= until)
        };
        let mut delivered_in_window = 0;
        let missed = match page {
            History::Statuses(v) => History::Statuses(
                v.iter()
                    .filter(|s| in_window(&s.created_at))
                    .filter(|s| {
                        let context = &self.groups[t.sub.group].context;
                        // Hidden posts are never streamed (GoToSocial), deleted ones are gone.
                        !self.is_deleted(account, s)
                            && super::admits(&t.sub.spec, s)
                            && self.verdict(account, s, context, now) != Verdict::Hide
                    })
                    .filter(|s| {
                        let got = t.delivered.contains(&format!("s:{}", s.id));
                        delivered_in_window += usize::from(got);
                        !got
                    })
                    .cloned()
                    .collect(),
            ),
            History::Notifications(v) => History::Notifications(
                v.iter()
                    .filter(|n| in_window(&n.created_at))
                    .filter(|n| {
                        let got = t.delivered.contains(&format!("n:{}", n.id));
                        delivered_in_window += usize::from(got);
                        !got
                    })
                    .cloned()
                    .collect(),
            ),
            History::Conversations(_) => History::Conversations(Vec::new()),
        };
        let started = self.started;
        let t = &mut self.tracks[stream.0];
        if missed.is_empty() {
            t.misses = 0;
            t.suspect_since = None;
            return missed;
        }
        if t.suspect_since.is_none() && matches!(missed, History::Statuses(_)) {
            t.suspect_since = Some(t.anchor.since(started));
        }
        t.misses += 1;
        let starved = missed.len() >= MISSES_AT_ONCE && delivered_in_window == 0;
        if t.misses >= MISSES_IN_A_ROW || starved {
            self.not_delivering(stream, missed.len(), reason);
        }
        missed
    }

    /// A catch-up after a reconnect (a page of it, before it is shown): what it brings from
    /// inside the spells the stream was live and delivered nothing, it missed. When two
    /// catch-ups in a row find a few such posts, the stream is not delivering, though each
    /// connection was accepted: a middlebox that passes the upgrade and nothing after it looks
    /// so (one alone may be a link that died before the read timeout said so, or a laptop put
    /// to sleep).
    pub fn judge_spells(&mut self, stream: StreamId, page: &History, now: Timestamp) {
        let grace = self.grace();
        let (Some(t), History::Statuses(page)) = (self.tracks.get_mut(stream.0), page) else {
            return;
        };
        let spells = std::mem::take(&mut t.spells);
        if spells.is_empty() || t.mode != Mode::Streaming {
            return;
        }
        let t = &self.tracks[stream.0];
        let (account, context) = (t.sub.account, &self.groups[t.sub.group].context);
        let inside = |created: &str| {
            created.parse::<Timestamp>().is_ok_and(|c| {
                spells.iter().filter(|s| s.delivered == 0).any(|s| {
                    c > s.from.saturating_add(grace).unwrap_or(s.from)
                        && c <= s.to.saturating_sub(SPELL_END).unwrap_or(s.to)
                })
            })
        };
        let missed = page
            .iter()
            .filter(|s| inside(&s.created_at))
            // As a verification counts: hidden posts are never streamed (GoToSocial),
            // deleted ones are gone.
            .filter(|s| {
                super::admits(&t.sub.spec, s)
                    && !self.is_deleted(account, s)
                    && self.verdict(account, s, context, now) != Verdict::Hide
            })
            .filter(|s| !t.delivered.contains(&format!("s:{}", s.id)))
            .count();
        let t = &mut self.tracks[stream.0];
        if missed < MISSES_AT_ONCE {
            t.silent_spells = 0;
            return;
        }
        t.silent_spells += 1;
        if t.silent_spells >= MISSES_IN_A_ROW {
            t.silent_spells = 0;
            let reason = "it was accepted, then sent nothing while its timeline got posts".into();
            self.not_delivering(stream, missed, reason);
        }
    }

    /// Polled from now on, until it delivers again.
    fn not_delivering(&mut self, stream: StreamId, missed: usize, reason: String) {
        let t = &mut self.tracks[stream.0];
        tracing::warn!(
            "{}: {missed} posts reached REST that the stream never sent; polling it",
            t.sub.spec
        );
        t.mode = Mode::Polled {
            reason,
            not_delivering: true,
        };
        // What it missed may reach further back than the page: fetch from where it was when
        // the first verification found it missing posts, before those moved the anchor (the
        // page's own items are shown once, whichever comes first).
        if t.open.is_none() {
            t.open = t.suspect_since.take();
            self.queue_catch_up(stream);
        }
        let t = &self.tracks[stream.0];
        let every = self.cadence.poll_every;
        if let Mode::Polled { reason, .. } = &t.mode {
            self.notices.push((
                stream,
                ConnectionState::Polling {
                    every,
                    reason: reason.clone(),
                    not_delivering: true,
                },
            ));
        }
    }
}
