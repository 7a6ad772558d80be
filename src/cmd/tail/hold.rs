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
            if self.event(core, name, stream, event, raw, Origin::Stream)? {
                return Ok(true);
            }
        }
        Ok(false)
    }
}
