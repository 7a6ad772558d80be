//! What `tail` asks of the server for the core, as tasks that answer through the run loop's
//! channel: the latest page at start, catch-ups, filters and verifications.

use tokio::sync::mpsc;

use super::{Heard, resume};
use crate::api::Api;
use crate::api::timeline::{PAGE, Paging};
use crate::live::{self, LiveCore, Need};
use crate::stream::{StreamId, StreamSpec};

/// Carries out the core's needs as tasks that answer through the loop's channel. They hold a
/// weak sender: nothing here keeps the loop alive.
pub(super) struct Tasks {
    pub(super) api: Api,
    pub(super) tx: mpsc::WeakSender<Heard>,
    pub(super) catch_up_posts: usize,
}

impl Tasks {
    fn send_later(&self, work: impl std::future::Future<Output = Heard> + Send + 'static) {
        let Some(tx) = self.tx.upgrade() else {
            return;
        };
        tokio::spawn(async move {
            let _ = tx.send(work.await).await;
        });
    }

    /// The newest id of each timeline at start: catching up after a reconnect starts there,
    /// even when nothing was printed before it. A stream resumed from a previous run's
    /// cursor starts there instead.
    pub(super) fn open(
        &self,
        core: &LiveCore,
        notifications: bool,
        resume: Option<&resume::Resume>,
    ) {
        for (i, spec) in (0..).map_while(|i| Some((i, core.spec(StreamId(i))?.clone()))) {
            // Conversations catch up by time (see `LiveCore::admit`): no start page to anchor.
            if matches!(spec, StreamSpec::UserNotification | StreamSpec::Direct)
                || resume.is_some_and(|r| r.resumed(StreamId(i)))
            {
                continue;
            }
            let api = self.api.clone();
            self.send_later(async move {
                let page = api.history(&spec, &Paging::Latest, 1).await;
                if let Err(e) = &page {
                    tracing::warn!("{spec}: reading the timeline at start failed: {e}");
                }
                Heard::Opened {
                    stream: StreamId(i),
                    page: page.map(|(p, _)| p),
                }
            });
        }
        if notifications && !resume.is_some_and(resume::Resume::resumed_notifications) {
            let api = self.api.clone();
            self.send_later(async move {
                let newest = api.notifications(&Paging::Latest, 1).await;
                Heard::OpenedNotifications {
                    newest: newest.ok().map(|v| v.first().map(|n| n.id.clone())),
                }
            });
        }
    }

    pub(super) fn carry_out(&self, needs: Vec<Need>) {
        for need in needs {
            let api = self.api.clone();
            let bound = self.catch_up_posts;
            match need {
                Need::Filters { .. } => self.send_later(async move {
                    Heard::Filters(api.filters().await.map_err(|e| e.to_string()))
                }),
                Need::CatchUp {
                    stream,
                    spec,
                    since,
                } => self.send_later(async move {
                    let found = api.catch_up_since(&spec, &since, bound).await;
                    Heard::CaughtUp {
                        stream,
                        notifications: false,
                        found,
                    }
                }),
                Need::CatchUpNotifications { stream, since } => self.send_later(async move {
                    let spec = StreamSpec::UserNotification;
                    let found = api.catch_up_since(&spec, &since, bound).await;
                    Heard::CaughtUp {
                        stream,
                        notifications: true,
                        found,
                    }
                }),
                Need::Verify { stream, spec } => self.send_later(async move {
                    let page = api.history(&spec, &Paging::Latest, live::VERIFY_PAGE.min(PAGE));
                    Heard::Verified {
                        stream,
                        page: page.await.map(|(p, _)| p).map_err(|e| e.to_string()),
                    }
                }),
            }
        }
    }
}
