//! Fan-out of events to streaming connections.
//!
//! Each connection has a bounded mpsc queue; the hub keeps the only `Sender`. Removing a
//! connection from the hub drops its sender and fires its kill switch, so the connection's task
//! ends (abruptly) at its next wake-up.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use axum::extract::ws::Utf8Bytes;
use tokio::sync::{Notify, mpsc, watch};

use crate::{Flavor, Shared, lock, sse, ws};

/// Default capacity of every connection's queue, in frames. A `publish` that finds a queue full
/// drops that connection. See `FakeServer::set_queue_capacity`.
pub const QUEUE_CAPACITY: usize = 4096;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Sse,
    Ws,
}

/// An event's frames on both transports, encoded once (see `FakeServer::encode`).
#[derive(Debug, Clone)]
pub struct Encoded {
    sse: Utf8Bytes,
    ws: Utf8Bytes,
}

/// One queued frame: the exact text to write (SSE bytes or one WS text frame).
#[derive(Debug, Clone)]
pub(crate) struct Item {
    pub(crate) text: Utf8Bytes,
    /// `true` for `publish`, `false` for `publish_raw` (matters for `Fault::DropAfter`).
    pub(crate) event: bool,
}

/// A connection's kill switch: a flag to check plus a notification to await.
#[derive(Default)]
pub(crate) struct Kill {
    flag: AtomicBool,
    notify: Notify,
}

impl Kill {
    fn fire(&self) {
        self.flag.store(true, Ordering::Release);
        // Stores a permit if nobody waits yet.
        self.notify.notify_one();
    }

    pub(crate) fn is_fired(&self) -> bool {
        self.flag.load(Ordering::Acquire)
    }

    /// Resolves once fired.
    pub(crate) async fn wait(&self) {
        while !self.is_fired() {
            self.notify.notified().await;
        }
    }
}

struct Entry {
    tx: mpsc::Sender<Item>,
    kind: Kind,
    stalled: bool,
    keys: Vec<String>,
    kill: Arc<Kill>,
}

#[derive(Default)]
struct Inner {
    next_id: u64,
    conns: HashMap<u64, Entry>,
    subs: HashMap<String, Vec<u64>>,
    accepted: HashMap<String, usize>,
    total_accepted: usize,
    closed: bool,
    /// Stream keys whose events reach nobody (`FakeServer::set_mute`).
    muted: HashSet<String>,
}

impl Inner {
    fn remove(&mut self, id: u64) {
        if let Some(e) = self.conns.remove(&id) {
            e.kill.fire();
            for k in &e.keys {
                if let Some(v) = self.subs.get_mut(k) {
                    v.retain(|x| *x != id);
                    if v.is_empty() {
                        self.subs.remove(k);
                    }
                }
            }
        }
    }
}

pub(crate) struct Hub {
    inner: std::sync::Mutex<Inner>,
    capacity: AtomicUsize,
    changes: watch::Sender<u64>,
}

/// The receiving side of a registered connection. Dropping it unregisters the connection.
pub(crate) struct Conn {
    pub(crate) id: u64,
    pub(crate) rx: mpsc::Receiver<Item>,
    kill: Arc<Kill>,
    shared: Arc<Shared>,
}

impl Conn {
    /// Whether the hub dropped this connection.
    pub(crate) fn killed(&self) -> bool {
        self.kill.is_fired()
    }

    /// The kill switch, fired when the hub drops this connection.
    pub(crate) fn kill_switch(&self) -> Arc<Kill> {
        self.kill.clone()
    }
}

impl Drop for Conn {
    fn drop(&mut self) {
        self.shared.hub.remove(self.id);
    }
}

/// Normalises a stream key: hashtag names are lowercased, everything else is kept.
pub(crate) fn normalize_key(stream: &str) -> String {
    if let Some(tag) = stream.strip_prefix("hashtag:local:") {
        format!("hashtag:local:{}", tag.to_lowercase())
    } else if let Some(tag) = stream.strip_prefix("hashtag:") {
        format!("hashtag:{}", tag.to_lowercase())
    } else {
        stream.to_owned()
    }
}

/// Lazily formatted frames of one publish, shared by all its recipients.
struct Frames<'a> {
    shared: &'a Shared,
    key: &'a str,
    event: &'a str,
    payload: Option<&'a str>,
    sse: Option<Utf8Bytes>,
    ws: Option<Utf8Bytes>,
}

impl Frames<'_> {
    fn get(&mut self, kind: Kind) -> Utf8Bytes {
        let (shared, key, event, payload) = (self.shared, self.key, self.event, self.payload);
        let slot = match kind {
            Kind::Sse => &mut self.sse,
            Kind::Ws => &mut self.ws,
        };
        slot.get_or_insert_with(|| match kind {
            Kind::Sse => sse::format_event(shared, event, payload).into(),
            Kind::Ws => ws::format_event(shared, key, event, payload).into(),
        })
        .clone()
    }
}

impl Hub {
    pub(crate) fn new() -> Hub {
        Hub {
            inner: Default::default(),
            capacity: AtomicUsize::new(QUEUE_CAPACITY),
            changes: watch::Sender::new(0),
        }
    }

    pub(crate) fn set_mute(&self, key: &str, muted: bool) {
        let mut inner = lock(&self.inner);
        if muted {
            inner.muted.insert(key.to_owned());
        } else {
            inner.muted.remove(key);
        }
    }

    /// Whether events published to `key` reach nobody: muted, or a stream GoToSocial accepts
    /// but never feeds.
    fn silent(&self, shared: &Shared, key: &str) -> bool {
        (shared.flavor == Flavor::GoToSocial && ws::gotosocial_never_streams(key))
            || lock(&self.inner).muted.contains(key)
    }

    pub(crate) fn set_capacity(&self, capacity: usize) {
        self.capacity.store(capacity.max(1), Ordering::Relaxed);
    }

    pub(crate) fn changes(&self) -> watch::Receiver<u64> {
        self.changes.subscribe()
    }

    pub(crate) fn notify_change(&self) {
        self.changes.send_modify(|v| *v = v.wrapping_add(1));
    }

    /// Registers a new connection subscribed to `keys` (already normalised).
    pub(crate) fn register(
        &self,
        shared: &Arc<Shared>,
        kind: Kind,
        stalled: bool,
        keys: Vec<String>,
    ) -> Conn {
        let (tx, rx) = mpsc::channel(self.capacity.load(Ordering::Relaxed));
        let kill = Arc::new(Kill::default());
        let id;
        {
            let mut inner = lock(&self.inner);
            inner.next_id += 1;
            id = inner.next_id;
            inner.total_accepted += 1;
            if inner.closed {
                kill.fire();
                drop(tx);
            } else {
                let mut uniq: Vec<String> = Vec::with_capacity(keys.len());
                for k in keys {
                    if !uniq.contains(&k) {
                        *inner.accepted.entry(k.clone()).or_default() += 1;
                        inner.subs.entry(k.clone()).or_default().push(id);
                        uniq.push(k);
                    }
                }
                inner.conns.insert(
                    id,
                    Entry {
                        tx,
                        kind,
                        stalled,
                        keys: uniq,
                        kill: kill.clone(),
                    },
                );
            }
        }
        self.notify_change();
        Conn {
            id,
            rx,
            kill,
            shared: shared.clone(),
        }
    }

    /// Adds a subscription to an open connection. Returns false if it already had it (or is gone).
    pub(crate) fn subscribe(&self, id: u64, key: String) -> bool {
        let added = {
            let mut inner = lock(&self.inner);
            let inner = &mut *inner;
            match inner.conns.get_mut(&id) {
                Some(e) if !e.keys.contains(&key) => {
                    e.keys.push(key.clone());
                    *inner.accepted.entry(key.clone()).or_default() += 1;
                    inner.subs.entry(key).or_default().push(id);
                    true
                }
                _ => false,
            }
        };
        if added {
            self.notify_change();
        }
        added
    }

    pub(crate) fn unsubscribe(&self, id: u64, key: &str) {
        {
            let mut inner = lock(&self.inner);
            let inner = &mut *inner;
            if let Some(e) = inner.conns.get_mut(&id) {
                e.keys.retain(|k| k != key);
            }
            if let Some(v) = inner.subs.get_mut(key) {
                v.retain(|x| *x != id);
                if v.is_empty() {
                    inner.subs.remove(key);
                }
            }
        }
        self.notify_change();
    }

    pub(crate) fn remove(&self, id: u64) {
        lock(&self.inner).remove(id);
        self.notify_change();
    }

    pub(crate) fn drop_all(&self) {
        {
            let mut inner = lock(&self.inner);
            let ids: Vec<u64> = inner.conns.keys().copied().collect();
            for id in ids {
                inner.remove(id);
            }
        }
        self.notify_change();
    }

    /// Drops every connection and refuses (kills) new ones.
    pub(crate) fn close(&self) {
        lock(&self.inner).closed = true;
        self.drop_all();
    }

    pub(crate) fn subscribers_key(&self, key: &str) -> usize {
        lock(&self.inner).subs.get(key).map_or(0, Vec::len)
    }

    pub(crate) fn connections_key(&self, key: &str) -> usize {
        lock(&self.inner).accepted.get(key).copied().unwrap_or(0)
    }

    pub(crate) fn total_connections(&self) -> usize {
        lock(&self.inner).total_accepted
    }

    pub(crate) fn publish(
        &self,
        shared: &Shared,
        stream: &str,
        event: &str,
        payload: Option<&str>,
    ) -> usize {
        let key = normalize_key(stream);
        if self.silent(shared, &key) {
            return 0;
        }
        let mut frames = Frames {
            shared,
            key: &key,
            event,
            payload,
            sse: None,
            ws: None,
        };
        self.fan_out(&key, |kind| Item {
            text: frames.get(kind),
            event: true,
        })
    }

    pub(crate) fn publish_raw(&self, stream: &str, raw: &str) -> usize {
        let key = normalize_key(stream);
        let text = Utf8Bytes::from(raw);
        self.fan_out(&key, |_| Item {
            text: text.clone(),
            event: false,
        })
    }

    fn fan_out(&self, key: &str, mut make: impl FnMut(Kind) -> Item) -> usize {
        let mut delivered = 0;
        let mut dead: Vec<u64> = Vec::new();
        {
            let mut inner = lock(&self.inner);
            let Inner { subs, conns, .. } = &mut *inner;
            let Some(ids) = subs.get(key) else {
                return 0;
            };
            for id in ids {
                let Some(e) = conns.get(id) else { continue };
                if e.stalled {
                    continue;
                }
                match e.tx.try_send(make(e.kind)) {
                    Ok(()) => delivered += 1,
                    // Full: the connection is too slow; drop it. Closed: it is gone.
                    Err(_) => dead.push(*id),
                }
            }
            for id in &dead {
                inner.remove(*id);
            }
        }
        if !dead.is_empty() {
            self.notify_change();
        }
        delivered
    }

    /// The frames `publish` would queue for `stream`, encoded once for every later publish.
    pub(crate) fn encode(
        &self,
        shared: &Shared,
        stream: &str,
        event: &str,
        payload: Option<&str>,
    ) -> Encoded {
        let key = normalize_key(stream);
        let mut frames = Frames {
            shared,
            key: &key,
            event,
            payload,
            sse: None,
            ws: None,
        };
        Encoded {
            sse: frames.get(Kind::Sse),
            ws: frames.get(Kind::Ws),
        }
    }

    /// `publish_async` of frames encoded before: the publisher costs a queue push.
    pub(crate) async fn publish_encoded_async(
        &self,
        shared: &Shared,
        stream: &str,
        encoded: &Encoded,
    ) -> usize {
        let key = normalize_key(stream);
        if self.silent(shared, &key) {
            return 0;
        }
        let targets: Vec<(mpsc::Sender<Item>, Kind)> = {
            let inner = lock(&self.inner);
            let Some(ids) = inner.subs.get(&key) else {
                return 0;
            };
            ids.iter()
                .filter_map(|id| inner.conns.get(id))
                .filter(|e| !e.stalled)
                .map(|e| (e.tx.clone(), e.kind))
                .collect()
        };
        let mut delivered = 0;
        for (tx, kind) in targets {
            let text = match kind {
                Kind::Sse => encoded.sse.clone(),
                Kind::Ws => encoded.ws.clone(),
            };
            if tx.send(Item { text, event: true }).await.is_ok() {
                delivered += 1;
            }
        }
        delivered
    }

    pub(crate) async fn publish_async(
        &self,
        shared: &Shared,
        stream: &str,
        event: &str,
        payload: Option<&str>,
    ) -> usize {
        let key = normalize_key(stream);
        if self.silent(shared, &key) {
            return 0;
        }
        let targets: Vec<(mpsc::Sender<Item>, Kind)> = {
            let inner = lock(&self.inner);
            let Some(ids) = inner.subs.get(&key) else {
                return 0;
            };
            ids.iter()
                .filter_map(|id| inner.conns.get(id))
                .filter(|e| !e.stalled)
                .map(|e| (e.tx.clone(), e.kind))
                .collect()
        };
        let mut frames = Frames {
            shared,
            key: &key,
            event,
            payload,
            sse: None,
            ws: None,
        };
        let mut delivered = 0;
        for (tx, kind) in targets {
            let item = Item {
                text: frames.get(kind),
                event: true,
            };
            if tx.send(item).await.is_ok() {
                delivered += 1;
            }
        }
        delivered
    }
}
