//! Live events that arrive while a catch-up fills the gap before them wait for it, so that
//! `tail` prints in order: what was missed, oldest first, then what came live (docs/cli.md).
//! The core judges each event when it prints: a post the catch-up brought is a duplicate by
//! then, and a post deleted before it came stays buried.

use super::{Member, Printer, Stop};
use crate::live::{LiveCore, Origin};
use crate::stream::{RawEvent, StreamEvent, StreamId};

/// How many events wait at most (about 3 MB of a firehose's). A catch-up slower than that
/// must not hold memory without bound: past it everything waiting prints, and what follows
/// prints as it comes.
const HELD_MAX: usize = 2_000;

type Post = (StreamId, StreamEvent, Option<RawEvent>);

#[derive(Default)]
pub(super) struct Held {
    waiting: Vec<Post>,
}

impl Held {
    /// Whether a live event waits: every event of a stream whose gap is being filled, in
    /// the order it came. A delete waits too: printed before the catch-up, it would come
    /// before the post it deletes; after it, the post is printed and then deleted, in order.
    pub(super) fn holds(&self, core: &LiveCore, stream: StreamId) -> bool {
        core.filling_gap(stream)
    }

    /// Keeps `post` back; when full, hands back everything (`post` last) to print now.
    pub(super) fn hold(&mut self, post: Post) -> Vec<Post> {
        self.waiting.push(post);
        match self.waiting.len() >= HELD_MAX {
            true => std::mem::take(&mut self.waiting),
            false => Vec::new(),
        }
    }

    /// The events of `stream`, in arrival order, once its gap is filled (or its catch-up
    /// failed, to be asked again at the next poll: they do not wait that long).
    pub(super) fn release(&mut self, core: &LiveCore, stream: StreamId) -> Vec<Post> {
        if core.filling_gap(stream) || self.waiting.is_empty() {
            return Vec::new();
        }
        let (go, stay) = std::mem::take(&mut self.waiting)
            .into_iter()
            .partition(|(s, ..)| *s == stream);
        self.waiting = stay;
        go
    }
}

impl Printer {
    /// Live events that waited, printed in order. `Ok(true)`: `--count` is reached.
    pub(super) fn released(
        &mut self,
        core: &mut LiveCore,
        members: &[Member],
        posts: Vec<Post>,
    ) -> Result<bool, Stop> {
        for (stream, event, raw) in posts {
            let name = &members[stream.0].name;
            if self.event(core, name, stream, event, raw, Origin::Held)? {
                return Ok(true);
            }
        }
        Ok(false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::live::Cadence;

    fn delete(stream: usize, id: &str) -> Post {
        (StreamId(stream), StreamEvent::Delete(id.into()), None)
    }

    fn ids(posts: &[Post]) -> Vec<(usize, String)> {
        posts
            .iter()
            .map(|(s, e, _)| match e {
                StreamEvent::Delete(id) => (s.0, id.clone()),
                other => panic!("{other:?}"),
            })
            .collect()
    }

    #[test]
    fn what_waits_goes_in_order_per_stream_and_all_of_it_when_full() {
        // No stream of this core has a gap open: whatever waits may go.
        let core = LiveCore::new(Vec::new(), Cadence::default(), jiff::Timestamp::now());
        let mut held = Held::default();
        assert!(held.hold(delete(0, "a")).is_empty());
        assert!(held.hold(delete(1, "b")).is_empty());
        assert!(held.hold(delete(0, "c")).is_empty());
        assert_eq!(
            ids(&held.release(&core, StreamId(0))),
            [(0, "a".into()), (0, "c".into())]
        );
        assert_eq!(ids(&held.release(&core, StreamId(1))), [(1, "b".into())]);
        assert!(held.release(&core, StreamId(1)).is_empty());
        // Bounded: the event that fills it hands everything back, in the order it came.
        for i in 0..HELD_MAX - 1 {
            assert!(held.hold(delete(i % 2, &i.to_string())).is_empty());
        }
        let all = held.hold(delete(0, "last"));
        assert_eq!(all.len(), HELD_MAX);
        let order = ids(&all);
        assert_eq!(order[0], (0, "0".into()));
        assert_eq!(order[HELD_MAX - 1], (0, "last".into()));
        assert!(held.release(&core, StreamId(0)).is_empty());
    }
}
