//! Bounded sets of ids: what a group has shown, what was deleted, what a stream delivered.

use std::collections::{HashSet, VecDeque};
use std::sync::Arc;

/// Whether `a` is a newer id than `b`. Ids are opaque, but every server we know makes them
/// sort by length, then by their characters (Mastodon's numbers, GoToSocial's ULIDs,
/// Pleroma's flake ids).
pub(crate) fn is_newer(a: &str, b: &str) -> bool {
    (a.len(), a) > (b.len(), b)
}

/// Ids seen lately, the oldest forgotten first. One allocation per new id, shared by the set
/// and the queue. Hashed with foldhash, seeded per process: std's SipHash cost more than the
/// rest of `LiveCore::admit` under a firehose, and a random seed still keeps a server from
/// choosing ids that collide.
#[derive(Debug, Clone, PartialEq)]
pub struct RecentIds {
    order: VecDeque<Arc<str>>,
    set: HashSet<Arc<str>, foldhash::fast::RandomState>,
    cap: usize,
}

impl RecentIds {
    pub fn new(cap: usize) -> Self {
        RecentIds {
            order: VecDeque::new(),
            set: HashSet::default(),
            cap: cap.max(1),
        }
    }

    /// False when the id was there already.
    pub fn insert(&mut self, id: &str) -> bool {
        if self.set.contains(id) {
            return false;
        }
        if self.order.len() == self.cap
            && let Some(old) = self.order.pop_front()
        {
            self.set.remove(&old);
        }
        let id: Arc<str> = Arc::from(id);
        self.order.push_back(id.clone());
        self.set.insert(id);
        true
    }

    pub fn contains(&self, id: &str) -> bool {
        self.set.contains(id)
    }

    /// The newest `n`, oldest first.
    pub fn newest(&self, n: usize) -> impl Iterator<Item = &str> {
        self.order
            .iter()
            .skip(self.order.len().saturating_sub(n))
            .map(|k| k.as_ref())
    }

    pub fn len(&self) -> usize {
        self.order.len()
    }

    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }
}

/// Deleted status ids of one account, so that a late `update` or `status.update` (servers
/// send deletes at once and updates after a database check) cannot bring one back. Kept
/// longer than anything else: a delete must outlive the posts that might still arrive.
#[derive(Debug, Clone, PartialEq)]
pub struct Tombstones(RecentIds);

impl Default for Tombstones {
    fn default() -> Self {
        Tombstones(RecentIds::new(Self::CAP))
    }
}

impl Tombstones {
    pub const CAP: usize = 10_000;

    pub fn insert(&mut self, id: &str) {
        self.0.insert(id);
    }

    pub fn contains(&self, id: &str) -> bool {
        self.0.contains(id)
    }

    /// A status is gone when it or the status it boosts was deleted.
    pub(crate) fn buries(&self, status: &crate::model::Status) -> bool {
        self.contains(&status.id)
            || status
                .reblog
                .as_deref()
                .is_some_and(|r| self.contains(&r.id))
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recent_ids_forget_the_oldest() {
        let mut r = RecentIds::new(2);
        assert!(r.insert("a"));
        assert!(!r.insert("a"));
        assert!(r.insert("b"));
        assert!(r.insert("c"));
        assert!(r.insert("a"));
        assert_eq!(r.len(), 2);
        assert!(!r.contains("b"));
    }

    #[test]
    fn ids_sort_by_length_then_characters() {
        assert!(is_newer("113000000000000010", "113000000000000009"));
        assert!(is_newer("100", "99"));
        assert!(!is_newer("99", "100"));
        assert!(!is_newer("5", "5"));
        assert!(is_newer("01HZZZ", "01HAAA"));
    }

    #[test]
    fn tombstones_are_bounded() {
        let mut t = Tombstones::default();
        for i in 0..Tombstones::CAP + 5 {
            t.insert(&i.to_string());
        }
        assert_eq!(t.len(), Tombstones::CAP);
        assert!(!t.contains("0"));
        assert!(t.contains(&(Tombstones::CAP + 4).to_string()));
    }
}
