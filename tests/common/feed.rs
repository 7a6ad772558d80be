//! The firehose as the live view receives it: `AppEvent`s for a deck of 9 tabs, built from the
//! generator's JSON decoded once per template (a decode per event would make a debug-build
//! test of 100,000 events take minutes; the reducer is what is under test).
#![allow(dead_code)] // the memory test and the memory example use different parts

use fake_mastodon::r#gen::{self, Firehose, FirehoseKind};
use tootwatch::app::AppEvent;
use tootwatch::model::{Notification, Status};
use tootwatch::stream::{StreamEvent, StreamId, StreamMessage, StreamSpec};

/// The deck: 8 timelines and the notifications stream.
pub const STREAMS: [&str; 9] = [
    "user",
    "public",
    "public:local",
    "public:remote",
    "#rust",
    "#tokio",
    "list:42",
    "list:43",
    "user:notification",
];

/// One tab per stream.
pub fn groups() -> Vec<(String, Vec<StreamSpec>)> {
    STREAMS
        .iter()
        .map(|s| (s.to_string(), vec![s.parse().expect("a valid STREAM")]))
        .collect()
}

pub struct Feed {
    statuses: Vec<Status>,
    notification: Notification,
}

impl Feed {
    pub fn new(approx_bytes: usize) -> Feed {
        let hose = Firehose::new(approx_bytes);
        Feed {
            statuses: (0..1000)
                .map(|i| serde_json::from_str(&hose.status(i)).expect("generated status"))
                .collect(),
            notification: serde_json::from_str(&r#gen::notification_json(0, "mention"))
                .expect("generated notification"),
        }
    }

    /// Firehose event `i` as it reaches the view: new statuses spread over the 8 timelines,
    /// edits and deletes on `user` (they apply to every tab of the account), notifications
    /// on `user:notification`.
    pub fn event(&self, i: u64) -> AppEvent {
        let (stream, event) = match Firehose::kind(i) {
            FirehoseKind::Update => ((i % 8) as usize, StreamEvent::Update(self.status(i, i))),
            FirehoseKind::Edit => {
                let target = update_before(i.saturating_sub(5));
                let mut s = self.status(target, target);
                s.edited_at = Some(r#gen::rfc3339(1_730_419_200 + i));
                (0, StreamEvent::StatusUpdate(s))
            }
            FirehoseKind::Delete => (
                0,
                StreamEvent::Delete(Firehose::status_id(update_before(i.saturating_sub(10)))),
            ),
            FirehoseKind::Notification => {
                let mut n = self.notification.clone();
                n.id = (50_000_000 + i).to_string();
                (8, StreamEvent::Notification(Box::new(n)))
            }
        };
        AppEvent::Stream(StreamMessage::Event {
            stream: StreamId(stream),
            event,
            raw: None,
        })
    }

    /// The status of event `id_of`, with `content` of template `template`.
    fn status(&self, id_of: u64, template: u64) -> Box<Status> {
        let mut s = self.statuses[(template % 1000) as usize].clone();
        s.id = Firehose::status_id(id_of);
        Box::new(s)
    }
}

/// The newest new status at or before event `i`.
pub fn update_before(i: u64) -> u64 {
    (0..=i)
        .rev()
        .find(|&j| Firehose::kind(j) == FirehoseKind::Update)
        .unwrap_or(0)
}

/// `tootwatch::app::AppEvent` of a delete of `id` on the `user` stream.
pub fn delete(id: String) -> AppEvent {
    AppEvent::Stream(StreamMessage::Event {
        stream: StreamId(0),
        event: StreamEvent::Delete(id),
        raw: None,
    })
}
