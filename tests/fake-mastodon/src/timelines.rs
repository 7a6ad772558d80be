//! Stored timelines, notifications and conversations, served by the REST API with Mastodon's
//! paging (`limit`, `max_id`, `since_id`, `min_id`, `Link`) and rate limiting.
//!
//! Every timeline is a list in insertion order (later stored = newer), keyed like the streams:
//! `user` (the home timeline), `public`, `public:local`, `public:remote`, `hashtag:TAG`,
//! `hashtag:local:TAG`, `list:ID`, `direct` (conversations) and `user:notification`
//! (notifications). The media stream keys (`public:media`, …) store into their base timeline;
//! `only_media=true` filters by `media_attachments`. The GoToSocial flavour's public timeline
//! ignores `remote` and `only_media`, as GoToSocial does.

use std::cmp::Ordering;
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::Response;
use axum::routing::get;
use serde_json::{Value, json};

use crate::rest::{check_auth, json_error, json_response, list_exists, query_map};
use crate::{FakeServer, Shared, hub, lock};

/// How many items each stored timeline keeps; storing more drops the oldest.
pub const TIMELINE_CAPACITY: usize = 10_000;

const NOTIFICATIONS: &str = "user:notification";
const DIRECT: &str = "direct";
/// `X-RateLimit-Limit` and window when no rate limit is set.
const UNLIMITED: u32 = 1_000_000;
const DEFAULT_WINDOW: Duration = Duration::from_secs(300);

/// The timeline a stream key (or an alias) stores into.
fn timeline_key(stream: &str) -> String {
    let key = hub::normalize_key(stream);
    match key.as_str() {
        "notifications" => NOTIFICATIONS.to_owned(),
        "public:media" => "public".to_owned(),
        "public:local:media" => "public:local".to_owned(),
        "public:remote:media" => "public:remote".to_owned(),
        _ => key,
    }
}

/// Mastodon's id order: shorter ids are older; equal lengths compare lexically.
fn cmp_ids(a: &str, b: &str) -> Ordering {
    a.len().cmp(&b.len()).then_with(|| a.cmp(b))
}

fn id_of(v: &Value) -> Option<String> {
    match v.get("id")? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

struct Entry {
    seq: u64,
    /// The entity's own id (a second store with the same id replaces it).
    uid: String,
    /// The id paging compares and `Link` carries (conversations: `last_status.id`, as Mastodon).
    cursor: String,
    /// Status ids whose deletion removes this entry (a reblog's original, a notification's or a
    /// conversation's status).
    refs: Vec<String>,
    media: bool,
    /// A notification's `type`.
    kind: Option<String>,
    json: Arc<str>,
}

#[derive(Default)]
struct Line {
    /// Oldest first; `seq` strictly increasing.
    entries: VecDeque<Entry>,
    /// uid → seq
    index: HashMap<String, u64>,
}

impl Line {
    fn pos(&self, seq: u64) -> Option<usize> {
        self.entries.binary_search_by_key(&seq, |e| e.seq).ok()
    }

    /// Appends `e`, or replaces the entry with the same uid: in place (a status edit), or
    /// moved to the newest position when `move_to_newest` (a conversation with a new status).
    fn insert(&mut self, e: Entry, move_to_newest: bool) {
        if let Some(p) = self.index.get(&e.uid).and_then(|&seq| self.pos(seq)) {
            if !move_to_newest {
                let seq = self.entries[p].seq;
                self.entries[p] = Entry { seq, ..e };
                return;
            }
            self.entries.remove(p);
        }
        self.index.insert(e.uid.clone(), e.seq);
        self.entries.push_back(e);
        while self.entries.len() > TIMELINE_CAPACITY {
            if let Some(old) = self.entries.pop_front()
                && self.index.get(&old.uid) == Some(&old.seq)
            {
                self.index.remove(&old.uid);
            }
        }
    }

    fn remove_where(&mut self, f: impl Fn(&Entry) -> bool) {
        let Line { entries, index } = self;
        entries.retain(|e| {
            if !f(e) {
                return true;
            }
            if index.get(&e.uid) == Some(&e.seq) {
                index.remove(&e.uid);
            }
            false
        });
    }
}

#[derive(Default)]
struct Inner {
    seq: u64,
    lines: HashMap<String, Line>,
}

#[derive(Default)]
struct Rate {
    /// (requests, window, Retry-After seconds)
    config: Option<(u32, Duration, u64)>,
    window_start: Option<Instant>,
    count: u32,
}

/// The outcome of counting one request against the rate limit.
struct RateCheck {
    limit: u32,
    remaining: u32,
    reset: String,
    /// `Some(Retry-After)` when the request is refused.
    refused: Option<u64>,
}

impl RateCheck {
    fn apply(&self, resp: &mut Response) {
        let h = resp.headers_mut();
        h.insert("x-ratelimit-limit", self.limit.into());
        h.insert("x-ratelimit-remaining", self.remaining.into());
        if let Ok(v) = HeaderValue::from_str(&self.reset) {
            h.insert("x-ratelimit-reset", v);
        }
        if let Some(secs) = self.refused {
            h.insert(header::RETRY_AFTER, secs.into());
        }
    }
}

/// The stored timelines and the REST rate limiter.
pub(crate) struct Timelines {
    /// `http://127.0.0.1:PORT`, for `Link` headers.
    base: String,
    inner: Mutex<Inner>,
    rate: Mutex<Rate>,
}

impl Timelines {
    pub(crate) fn new(base: String) -> Timelines {
        Timelines {
            base,
            inner: Mutex::default(),
            rate: Mutex::default(),
        }
    }

    /// Stores `json` into the timelines of `streams`; returns, per stream, the event a live
    /// server would stream and its payload.
    fn store(&self, streams: &[&str], json: &str) -> Vec<(&'static str, Arc<str>)> {
        let v: Value = serde_json::from_str(json)
            .unwrap_or_else(|e| panic!("fake-mastodon: store(): not JSON ({e}): {json}"));
        let text: Arc<str> = Arc::from(json);
        let mut out = Vec::with_capacity(streams.len());
        let mut inner = lock(&self.inner);
        for stream in streams {
            let key = timeline_key(stream);
            inner.seq += 1;
            let seq = inner.seq;
            let (event, entry) = match key.as_str() {
                NOTIFICATIONS => ("notification", notification_entry(seq, &v, &text)),
                DIRECT => ("conversation", conversation_entry(seq, &v, &text)),
                _ => ("update", status_entry(seq, &v, &text)),
            };
            out.push((event, entry.json.clone()));
            inner
                .lines
                .entry(key)
                .or_default()
                .insert(entry, event == "conversation");
        }
        out
    }

    fn stored(&self, stream: &str) -> usize {
        lock(&self.inner)
            .lines
            .get(&timeline_key(stream))
            .map_or(0, |l| l.entries.len())
    }

    fn delete(&self, id: &str) {
        let mut inner = lock(&self.inner);
        for (key, line) in inner.lines.iter_mut() {
            let own = key != NOTIFICATIONS && key != DIRECT;
            line.remove_where(|e| (own && e.uid == id) || e.refs.iter().any(|r| r == id));
        }
    }

    fn set_rate_limit(&self, config: Option<(u32, Duration, u64)>) {
        *lock(&self.rate) = Rate {
            config,
            ..Rate::default()
        };
    }

    /// Counts one request against the (fixed) window that began with the first request in it.
    fn hit(&self) -> RateCheck {
        let mut r = lock(&self.rate);
        let (limit, window, retry_after) = r.config.unwrap_or((UNLIMITED, DEFAULT_WINDOW, 0));
        let now = Instant::now();
        let start = match r.window_start {
            Some(s) if now.duration_since(s) < window => s,
            _ => {
                r.count = 0;
                r.window_start = Some(now);
                now
            }
        };
        r.count = r.count.saturating_add(1);
        let left = (start + window).saturating_duration_since(now);
        let reset_at = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default()
            .saturating_add(left);
        let reset_secs = reset_at.as_secs() + u64::from(reset_at.subsec_nanos() > 0);
        RateCheck {
            limit,
            remaining: limit.saturating_sub(r.count),
            reset: crate::r#gen::rfc3339(reset_secs),
            refused: (r.config.is_some() && r.count > limit).then_some(retry_after),
        }
    }

    /// One page of timeline `key`, newest first.
    fn page(&self, key: &str, p: &PageParams) -> Vec<(Arc<str>, String)> {
        let inner = lock(&self.inner);
        let Some(line) = inner.lines.get(key) else {
            return Vec::new();
        };
        let bound = |x: &Option<String>| {
            x.as_deref().filter(|x| !x.is_empty()).map(|x| {
                match line.entries.iter().rev().find(|e| e.cursor == x) {
                    Some(e) => Bound::Seq(e.seq),
                    None => Bound::Id(x.to_owned()),
                }
            })
        };
        let max = bound(&p.max_id);
        let since = bound(&p.since_id);
        let min = bound(&p.min_id);
        let wanted = |e: &Entry| {
            (!p.only_media || e.media)
                && (p.types.is_empty() || e.kind.as_ref().is_some_and(|k| p.types.contains(k)))
                && !e.kind.as_ref().is_some_and(|k| p.exclude_types.contains(k))
                && max.as_ref().is_none_or(|b| b.cmp(e) == Ordering::Less)
        };
        let out: Vec<&Entry> = match &min {
            // Mastodon: with min_id, since_id is ignored; the page right above min_id.
            Some(min) => {
                let mut v: Vec<&Entry> = line
                    .entries
                    .iter()
                    .filter(|e| min.cmp(e) == Ordering::Greater && wanted(e))
                    .take(p.limit)
                    .collect();
                v.reverse();
                v
            }
            None => line
                .entries
                .iter()
                .rev()
                .filter(|e| {
                    since.as_ref().is_none_or(|b| b.cmp(e) == Ordering::Greater) && wanted(e)
                })
                .take(p.limit)
                .collect(),
        };
        out.into_iter()
            .map(|e| (e.json.clone(), e.cursor.clone()))
            .collect()
    }
}

/// A paging bound: a stored item (compared by position) or an id not in the timeline
/// (compared as Mastodon compares ids).
enum Bound {
    Seq(u64),
    Id(String),
}

impl Bound {
    /// How `e` compares to the bound: `Less` = older, `Greater` = newer.
    fn cmp(&self, e: &Entry) -> Ordering {
        match self {
            Bound::Seq(s) => e.seq.cmp(s),
            Bound::Id(x) => cmp_ids(&e.cursor, x),
        }
    }
}

fn status_entry(seq: u64, v: &Value, text: &Arc<str>) -> Entry {
    let id = id_of(v).unwrap_or_else(|| panic!("fake-mastodon: store(): a status needs an id"));
    let refs = v.get("reblog").and_then(id_of).into_iter().collect();
    let media = v
        .get("media_attachments")
        .and_then(Value::as_array)
        .is_some_and(|a| !a.is_empty());
    Entry {
        seq,
        cursor: id.clone(),
        uid: id,
        refs,
        media,
        kind: None,
        json: text.clone(),
    }
}

fn notification_entry(seq: u64, v: &Value, text: &Arc<str>) -> Entry {
    let id =
        id_of(v).unwrap_or_else(|| panic!("fake-mastodon: store(): a notification needs an id"));
    Entry {
        seq,
        cursor: id.clone(),
        uid: id,
        refs: v.get("status").and_then(id_of).into_iter().collect(),
        media: false,
        kind: v.get("type").and_then(Value::as_str).map(str::to_owned),
        json: text.clone(),
    }
}

/// A Conversation; a Status is wrapped into one (id `"c" + status id`).
fn conversation_entry(seq: u64, v: &Value, text: &Arc<str>) -> Entry {
    let (conv, json) = if v.get("last_status").is_none() && v.get("content").is_some() {
        let sid = id_of(v).unwrap_or_default();
        let accounts: Vec<Value> = v.get("account").cloned().into_iter().collect();
        let c = json!({
            "id": format!("c{sid}"),
            "unread": true,
            "accounts": accounts,
            "last_status": v,
        });
        let s: Arc<str> = Arc::from(c.to_string());
        (c, s)
    } else {
        (v.clone(), text.clone())
    };
    let id = id_of(&conv)
        .unwrap_or_else(|| panic!("fake-mastodon: store(): a conversation needs an id"));
    let last = conv.get("last_status").and_then(id_of);
    Entry {
        seq,
        cursor: last.clone().unwrap_or_else(|| id.clone()),
        uid: id,
        refs: last.into_iter().collect(),
        media: false,
        kind: None,
        json,
    }
}

struct PageParams {
    limit: usize,
    max_id: Option<String>,
    since_id: Option<String>,
    min_id: Option<String>,
    only_media: bool,
    types: Vec<String>,
    exclude_types: Vec<String>,
}

/// Ruby's `String#to_i`: optional sign and leading digits; anything else is 0.
fn ruby_to_i(s: &str) -> i64 {
    let s = s.trim_start();
    let (neg, digits) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    let n = digits
        .bytes()
        .take_while(u8::is_ascii_digit)
        .fold(0i64, |acc, d| {
            acc.saturating_mul(10).saturating_add(i64::from(d - b'0'))
        });
    if neg { -n } else { n }
}

/// Rails' boolean parameter: absent, empty, `0`, `f`, `false`, `off` are false.
fn truthy(v: Option<&String>) -> bool {
    v.is_some_and(|s| {
        !matches!(
            s.to_ascii_lowercase().as_str(),
            "" | "0" | "f" | "false" | "off"
        )
    })
}

/// application/x-www-form-urlencoded, as Rails writes query strings.
fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Which endpoint is served.
enum What {
    Home,
    Public,
    Tag(String),
    List(String),
    Conversations,
    Notifications,
}

impl What {
    /// `(default limit, permitted parameters kept in Link)`, as Mastodon 4.3.
    fn params(&self) -> (i64, &'static [&'static str]) {
        match self {
            What::Home => (20, &["local", "limit"]),
            What::Public => (20, &["local", "remote", "limit", "only_media"]),
            What::Tag(_) => (20, &["local", "limit", "only_media"]),
            What::List(_) | What::Conversations => (20, &["limit"]),
            What::Notifications => (
                40,
                &[
                    "limit",
                    "types[]",
                    "exclude_types[]",
                    "account_id",
                    "include_filtered",
                ],
            ),
        }
    }
}

pub(crate) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/api/v1/timelines/home", get(home))
        .route("/api/v1/timelines/public", get(public))
        .route("/api/v1/timelines/tag/{tag}", get(tag))
        .route("/api/v1/timelines/list/{id}", get(list))
        .route("/api/v1/conversations", get(conversations))
        .route("/api/v1/notifications", get(notifications))
}

async fn home(State(s): State<Arc<Shared>>, uri: Uri, headers: HeaderMap) -> Response {
    unheld(&s).await;
    serve(&s, &uri, &headers, What::Home)
}

async fn public(State(s): State<Arc<Shared>>, uri: Uri, headers: HeaderMap) -> Response {
    unheld(&s).await;
    serve(&s, &uri, &headers, What::Public)
}

async fn tag(
    State(s): State<Arc<Shared>>,
    Path(tag): Path<String>,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    unheld(&s).await;
    serve(&s, &uri, &headers, What::Tag(tag))
}

async fn list(
    State(s): State<Arc<Shared>>,
    Path(id): Path<String>,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    unheld(&s).await;
    serve(&s, &uri, &headers, What::List(id))
}

async fn conversations(State(s): State<Arc<Shared>>, uri: Uri, headers: HeaderMap) -> Response {
    serve(&s, &uri, &headers, What::Conversations)
}

async fn notifications(State(s): State<Arc<Shared>>, uri: Uri, headers: HeaderMap) -> Response {
    serve(&s, &uri, &headers, What::Notifications)
}

/// Waits while the timelines are held ([`FakeServer::hold_timelines`]).
async fn unheld(s: &Shared) {
    let mut held = s.timelines_held.subscribe();
    let _ = held.wait_for(|held| !held).await;
}

fn serve(s: &Shared, uri: &Uri, headers: &HeaderMap, what: What) -> Response {
    let q = query_map(uri);
    if let Err(msg) = check_auth(s, headers, &q, false) {
        return json_error(401, msg);
    }
    let rate = s.timelines.hit();
    let mut resp = if rate.refused.is_some() {
        json_error(429, "Too many requests")
    } else {
        answer(s, uri, &q, &what)
    };
    rate.apply(&mut resp);
    resp
}

fn answer(s: &Shared, uri: &Uri, q: &HashMap<String, String>, what: &What) -> Response {
    let path = uri.path();
    if let Some(body) = lock(&s.rest_overrides).get(path).cloned() {
        return json_response(StatusCode::OK, body);
    }
    let gotosocial = s.flavor == crate::Flavor::GoToSocial;
    let local = truthy(q.get("local"));
    // GoToSocial's public timeline knows `local` only.
    let remote = !gotosocial && truthy(q.get("remote"));
    let key = match what {
        What::Home => "user".to_owned(),
        What::Public if local && !remote => "public:local".to_owned(),
        What::Public if remote && !local => "public:remote".to_owned(),
        What::Public => "public".to_owned(),
        What::Tag(t) if local => format!("hashtag:local:{}", t.to_lowercase()),
        What::Tag(t) => format!("hashtag:{}", t.to_lowercase()),
        What::List(id) if !list_exists(s, id) => return crate::rest::not_found(),
        What::List(id) => format!("list:{id}"),
        What::Conversations => DIRECT.to_owned(),
        What::Notifications => NOTIFICATIONS.to_owned(),
    };
    let (default_limit, permitted) = what.params();
    let pairs: Vec<(String, String)> = Query::<Vec<(String, String)>>::try_from_uri(uri)
        .map(|q| q.0)
        .unwrap_or_default();
    let multi = |name: &str| -> Vec<String> {
        pairs
            .iter()
            .filter(|(k, _)| k == name || k.strip_suffix("[]") == Some(name))
            .map(|(_, v)| v.clone())
            .collect()
    };
    let is_notifications = matches!(what, What::Notifications);
    let p = PageParams {
        limit: q.get("limit").map_or(default_limit, |l| {
            ruby_to_i(l).saturating_abs().min(default_limit * 2)
        }) as usize,
        max_id: q.get("max_id").cloned(),
        since_id: q.get("since_id").cloned(),
        min_id: q.get("min_id").cloned(),
        only_media: matches!(what, What::Public | What::Tag(_))
            && !(gotosocial && matches!(what, What::Public))
            && truthy(q.get("only_media")),
        types: if is_notifications {
            multi("types")
        } else {
            Vec::new()
        },
        exclude_types: if is_notifications {
            multi("exclude_types")
        } else {
            Vec::new()
        },
    };
    let page = s.timelines.page(&key, &p);
    let mut body = String::with_capacity(2 + page.iter().map(|(j, _)| j.len() + 1).sum::<usize>());
    body.push('[');
    for (i, (j, _)) in page.iter().enumerate() {
        if i > 0 {
            body.push(',');
        }
        body.push_str(j);
    }
    body.push(']');
    let mut resp = json_response(StatusCode::OK, body);
    if let (Some((_, newest)), Some((_, oldest))) = (page.first(), page.last()) {
        let kept: Vec<String> = pairs
            .iter()
            .filter(|(k, _)| permitted.contains(&k.as_str()))
            .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
            .collect();
        let link = |cursor: &str, id: &str| {
            let mut parts = kept.clone();
            parts.push(format!("{cursor}={}", encode(id)));
            parts.sort();
            format!("{}{path}?{}", s.timelines.base, parts.join("&"))
        };
        let value = format!(
            "<{}>; rel=\"next\", <{}>; rel=\"prev\"",
            link("max_id", oldest),
            link("min_id", newest)
        );
        if let Ok(v) = HeaderValue::from_str(&value) {
            resp.headers_mut().insert(header::LINK, v);
        }
    }
    resp
}

fn is_timeline_path(path: &str) -> bool {
    [
        "/api/v1/timelines",
        "/api/v1/notifications",
        "/api/v1/conversations",
    ]
    .iter()
    .any(|p| {
        path.strip_prefix(p)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
    })
}

/// Stored timelines (served by `GET /api/v1/timelines/…`, `/api/v1/conversations` and
/// `/api/v1/notifications` with Mastodon's paging) and the REST rate limit.
impl FakeServer {
    /// Stores `json` (a Status) in the timelines of these stream keys without streaming it, as
    /// happens while a client is disconnected. Keys as for [`publish`](Self::publish): `user`
    /// (the home timeline), `public`, `public:local`, `public:remote`, `hashtag:TAG`,
    /// `hashtag:local:TAG`, `list:ID`; the media keys (`public:media`, …) store into their base
    /// timeline. `direct` takes a Conversation (a Status is wrapped into one with id
    /// `"c" + status id`); `user:notification` (or `notifications`) takes a Notification.
    ///
    /// A later store of the same id into the same timeline replaces the item in place (an edit);
    /// a conversation with a known id moves to the newest position (it has a new status).
    /// Each timeline keeps the newest [`TIMELINE_CAPACITY`] items. Panics if `json` is not JSON
    /// with an `id`.
    pub fn store(&self, streams: &[&str], json: &str) {
        self.shared.timelines.store(streams, json);
    }

    /// [`store`](Self::store) plus what a live server streams: on each stream key, `update`
    /// (`direct`: `conversation` with the stored Conversation; `user:notification`:
    /// `notification`). Returns the total number of connections the events were queued for.
    pub fn post(&self, streams: &[&str], json: &str) -> usize {
        let events = self.shared.timelines.store(streams, json);
        streams
            .iter()
            .zip(events)
            .map(|(stream, (event, payload))| self.publish(stream, event, Some(&payload)))
            .sum()
    }

    /// Stores a Notification for `GET /api/v1/notifications` without streaming it.
    pub fn store_notification(&self, json: &str) {
        self.store(&[NOTIFICATIONS], json);
    }

    /// [`store_notification`](Self::store_notification) plus a `notification` event on `user`
    /// and on `user:notification` (as Mastodon streams it). Returns the number of connections
    /// the events were queued for.
    pub fn notify_and_store(&self, json: &str) -> usize {
        self.store_notification(json);
        self.publish("user", "notification", Some(json))
            + self.publish(NOTIFICATIONS, "notification", Some(json))
    }

    /// How many items the timeline of `stream` holds (`user:notification` or `notifications`:
    /// stored notifications; `direct`: conversations).
    pub fn stored(&self, stream: &str) -> usize {
        self.shared.timelines.stored(stream)
    }

    /// Removes status `id` from every timeline, with its reblogs and the notifications and
    /// conversations whose status it is. Publishes nothing.
    pub fn delete_stored(&self, id: &str) {
        self.shared.timelines.delete(id);
    }

    /// Rate-limits authenticated `GET`s of timelines, notifications and conversations: `Some((n,
    /// window, retry_after_secs))` allows `n` requests per fixed window (which begins with the
    /// first request after the previous one ended); further requests in the window get 429
    /// `{"error":"Too many requests"}` with `Retry-After: retry_after_secs`. Every such answer
    /// carries `X-RateLimit-Limit`, `X-RateLimit-Remaining` and `X-RateLimit-Reset` (RFC 3339);
    /// `None` (the default) = unlimited, with a limit of 1,000,000 per 5 minutes in the headers.
    /// Each call starts a fresh window (so a test can lift a block without waiting).
    pub fn set_rate_limit(&self, limit: Option<(u32, Duration, u64)>) {
        self.shared.timelines.set_rate_limit(limit);
    }

    /// Requests (any method, rejected ones included) received so far under
    /// `/api/v1/timelines`, `/api/v1/notifications` and `/api/v1/conversations`.
    pub fn timeline_requests(&self) -> usize {
        lock(&self.shared.requests)
            .iter()
            .filter(|r| is_timeline_path(&r.path))
            .count()
    }

    /// Waits until [`timeline_requests`](Self::timeline_requests) is at least `n`.
    pub async fn wait_timeline_requests(&self, n: usize) {
        self.wait_until(|s| {
            lock(&s.requests)
                .iter()
                .filter(|r| is_timeline_path(&r.path))
                .count()
                >= n
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn helpers() {
        assert_eq!(cmp_ids("9", "10"), Ordering::Less);
        assert_eq!(cmp_ids("11", "10"), Ordering::Greater);
        assert_eq!(ruby_to_i(" 40abc"), 40);
        assert_eq!(ruby_to_i("-5"), -5);
        assert_eq!(ruby_to_i("x"), 0);
        assert!(truthy(Some(&"true".to_owned())) && truthy(Some(&"1".to_owned())));
        assert!(!truthy(Some(&"false".to_owned())) && !truthy(None));
        assert_eq!(encode("types[]"), "types%5B%5D");
        assert_eq!(timeline_key("hashtag:local:Rust"), "hashtag:local:rust");
        assert_eq!(timeline_key("public:media"), "public");
        assert!(is_timeline_path("/api/v1/timelines/home"));
        assert!(is_timeline_path("/api/v1/notifications"));
        assert!(!is_timeline_path("/api/v1/notificationsx"));
    }

    #[test]
    fn capacity_replace_and_delete() {
        let t = Timelines::new("http://x".to_owned());
        for i in 0..TIMELINE_CAPACITY + 5 {
            t.store(&["user"], &format!(r#"{{"id":"{}"}}"#, 1000 + i));
        }
        assert_eq!(t.stored("user"), TIMELINE_CAPACITY);
        t.store(&["user"], r#"{"id":"1010","content":"edited"}"#);
        assert_eq!(t.stored("user"), TIMELINE_CAPACITY);
        t.store(&["user"], r#"{"id":"x","reblog":{"id":"1011"}}"#);
        t.delete("1011");
        assert_eq!(t.stored("user"), TIMELINE_CAPACITY - 2);
        t.store(&["direct"], r#"{"id":"c1","last_status":{"id":"5"}}"#);
        t.store(&["direct"], r#"{"id":"c1","last_status":{"id":"6"}}"#);
        assert_eq!(t.stored("direct"), 1);
        t.delete("6");
        assert_eq!(t.stored("direct"), 0);
    }
}
