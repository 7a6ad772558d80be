//! Bounded sets of ids: what a group has shown, what was deleted, what a stream delivered.

use std::hash::BuildHasher;

use hashbrown::HashTable;

/// Whether `a` is a newer id than `b`. Ids are opaque, but every server we know makes them
/// sort by length, then by their characters (Mastodon's numbers, GoToSocial's ULIDs,
/// Pleroma's flake ids).
pub(crate) fn is_newer(a: &str, b: &str) -> bool {
    (a.len(), a) > (b.len(), b)
}

/// Ids seen lately, the oldest forgotten first: a ring of the ids and a table of their places
/// in it. Under a firehose every event goes through two of these sets: each id is hashed
/// once, and the ring's strings are reused once it is full, so a steady stream allocates
/// nothing here. Hashed with foldhash, seeded per process: std's SipHash cost more than the
/// rest of `LiveCore::admit`, and a random seed still keeps a server from choosing ids that
/// collide.
#[derive(Clone)]
pub struct RecentIds {
    /// Each id with its hash, in arrival order from `oldest` on (wrapping) once full.
    ring: Vec<(u64, String)>,
    oldest: usize,
    /// Places in `ring`.
    table: HashTable<usize>,
    hasher: foldhash::fast::RandomState,
    cap: usize,
}

impl RecentIds {
    pub fn new(cap: usize) -> Self {
        RecentIds {
            ring: Vec::new(),
            oldest: 0,
            table: HashTable::new(),
            hasher: foldhash::fast::RandomState::default(),
            cap: cap.max(1),
        }
    }

    fn find(&self, hash: u64, id: &str) -> Option<usize> {
        self.table.find(hash, |&i| self.ring[i].1 == id).copied()
    }

    /// False when the id was there already.
    pub fn insert(&mut self, id: &str) -> bool {
        let hash = self.hasher.hash_one(id);
        if self.find(hash, id).is_some() {
            return false;
        }
        let slot = if self.ring.len() < self.cap {
            self.ring.push((hash, id.to_owned()));
            self.ring.len() - 1
        } else {
            let slot = self.oldest;
            let (old_hash, old) = &mut self.ring[slot];
            if let Ok(place) = self.table.find_entry(*old_hash, |&i| i == slot) {
                place.remove();
            }
            *old_hash = hash;
            // Reused unless it once held a far longer id (an edit's key holds the server's
            // `edited_at`): one burst of huge keys must not stay allocated for the run.
            if old.capacity() > 4 * id.len().max(64) {
                *old = id.to_owned();
            } else {
                old.clear();
                old.push_str(id);
            }
            self.oldest = (slot + 1) % self.cap;
            slot
        };
        let ring = &self.ring;
        self.table.insert_unique(hash, slot, |&i| ring[i].0);
        true
    }

    pub fn contains(&self, id: &str) -> bool {
        self.find(self.hasher.hash_one(id), id).is_some()
    }

    /// The newest `n`, oldest first.
    pub fn newest(&self, n: usize) -> impl Iterator<Item = &str> {
        let (newer, older) = self.ring.split_at(self.oldest);
        older
            .iter()
            .chain(newer)
            .skip(self.ring.len().saturating_sub(n))
            .map(|(_, id)| id.as_str())
    }

    pub fn len(&self) -> usize {
        self.ring.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ring.is_empty()
    }
}

/// Two sets are equal when they hold the same ids in the same order (hashes are seeded per
/// set).
impl PartialEq for RecentIds {
    fn eq(&self, other: &Self) -> bool {
        self.cap == other.cap && self.newest(self.len()).eq(other.newest(other.len()))
    }
}

impl std::fmt::Debug for RecentIds {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.newest(self.len())).finish()
    }
}

/// The newest of something seen per id lately (a status's edit time, a conversation's last
/// post), the oldest id forgotten first. What a server chose is kept small: an odd id or value
/// is not kept.
#[derive(Debug, Clone, PartialEq)]
struct NewestPerId<V> {
    newest: std::collections::HashMap<String, V>,
    order: std::collections::VecDeque<String>,
}

impl<V> Default for NewestPerId<V> {
    fn default() -> Self {
        NewestPerId {
            newest: Default::default(),
            order: Default::default(),
        }
    }
}

/// The longest value of a server's that is kept (a time is ~30 bytes, an id at most
/// `MAX_ID_BYTES`).
const VALUE_BYTES: usize = 64;

fn keepable(id: &str, value: &str) -> bool {
    id.len() <= crate::model::de::MAX_ID_BYTES && value.len() <= VALUE_BYTES
}

impl<V> NewestPerId<V> {
    const CAP: usize = 1024;

    fn get(&self, id: &str) -> Option<&V> {
        self.newest.get(id)
    }

    /// For a `keepable` id and value.
    fn set(&mut self, id: &str, value: V) {
        if let Some(kept) = self.newest.get_mut(id) {
            *kept = value;
            return;
        }
        if self.order.len() >= Self::CAP
            && let Some(old) = self.order.pop_front()
        {
            self.newest.remove(&old);
        }
        self.order.push_back(id.to_owned());
        self.newest.insert(id.to_owned(), value);
    }
}

/// The newest edit seen of each status lately (its `edited_at`): servers let edits overtake
/// each other and the post they edit, and a version older than one already shown must not
/// replace it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RecentEdits(NewestPerId<String>);

impl RecentEdits {
    /// Whether `edited_at` is newer than every edit of `id` seen before ([`edited_later`]);
    /// if so it is kept as the newest. An odd one is taken as news and not kept.
    pub fn is_newest(&mut self, id: &str, edited_at: &str) -> bool {
        if !keepable(id, edited_at) {
            return true;
        }
        if self
            .0
            .get(id)
            .is_some_and(|seen| !edited_later(edited_at, seen))
        {
            return false;
        }
        self.0.set(id, edited_at.to_owned());
        true
    }
}

/// The newest last post seen of each conversation lately, and whether REST brought that
/// state: a state held back behind a catch-up, or fetched, may be older than one shown since.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RecentConversations(NewestPerId<(String, bool)>);

impl RecentConversations {
    /// The newest last post seen of conversation `id`, and whether REST brought it.
    pub fn newest_last(&self, id: &str) -> Option<(&str, bool)> {
        self.0
            .get(id)
            .map(|(last, fetched)| (last.as_str(), *fetched))
    }

    /// `last` is the conversation's last post now (a newer one may have been deleted).
    pub fn set_last(&mut self, id: &str, last: &str, fetched: bool) {
        if keepable(id, last) {
            self.0.set(id, (last.to_owned(), fetched));
        }
    }
}

/// Whether the edit of `edited_at` came after that of `than`. Times are compared as times
/// (servers write them with and without fractions); text that is none, as text.
pub(crate) fn edited_later(edited_at: &str, than: &str) -> bool {
    match (
        edited_at.parse::<jiff::Timestamp>(),
        than.parse::<jiff::Timestamp>(),
    ) {
        (Ok(new), Ok(old)) => new > old,
        _ => edited_at > than,
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
    fn edits_are_remembered_within_bounds() {
        let mut e = RecentEdits::default();
        assert!(e.is_newest("1", "2026-12-01T12:00:00Z"));
        assert!(
            !e.is_newest("1", "2026-12-01T12:00:00.000Z"),
            "the same time"
        );
        assert!(e.is_newest("1", "2026-12-01T12:00:01Z"));
        // A server's odd strings are not kept: news each time.
        let huge = "9".repeat(100_000);
        assert!(e.is_newest(&huge, "2026-12-01T12:00:00Z"));
        assert!(e.is_newest(&huge, "2026-12-01T12:00:00Z"));
        for i in 0..NewestPerId::<String>::CAP + 10 {
            e.is_newest(&i.to_string(), "2026-12-01T12:00:00Z");
        }
        assert_eq!(e.0.newest.len(), NewestPerId::<String>::CAP);
        assert_eq!(e.0.order.len(), NewestPerId::<String>::CAP);
    }

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
    fn recent_ids_keep_their_order_as_the_ring_wraps() {
        let mut r = RecentIds::new(3);
        for id in ["1", "2", "3", "4", "5"] {
            assert!(r.insert(id));
        }
        assert_eq!(r.newest(9).collect::<Vec<_>>(), ["3", "4", "5"]);
        assert_eq!(r.newest(2).collect::<Vec<_>>(), ["4", "5"]);
        assert!(!r.insert("4"));
        assert!(!r.contains("2"));
        // A forgotten id is new again, and a longer id reuses an evicted slot.
        assert!(r.insert("1"));
        assert!(r.insert("a much longer id than the slot held"));
        assert_eq!(
            r.newest(3).collect::<Vec<_>>(),
            ["5", "1", "a much longer id than the slot held"]
        );
        assert!(r.contains("5") && !r.contains("3") && !r.contains("4"));
        let mut same = RecentIds::new(3);
        for id in ["5", "1", "a much longer id than the slot held"] {
            same.insert(id);
        }
        assert_eq!(r, same);
        // Many times round: the table forgets what the ring forgets.
        let mut r = RecentIds::new(7);
        for i in 0..100_000 {
            r.insert(&i.to_string());
        }
        assert_eq!((r.table.len(), r.ring.len()), (7, 7));
        assert!((99_993..100_000).all(|i| r.contains(&i.to_string())));
        assert!(!r.contains("99992") && !r.contains("0"));
        // A huge id does not keep its slot's memory once it is forgotten.
        let mut r = RecentIds::new(1);
        r.insert(&"x".repeat(1 << 20));
        r.insert("1");
        assert!(r.ring[0].1.capacity() < 1024);
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
