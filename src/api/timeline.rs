//! Timelines over REST: the latest page when a view opens, and the pages a reconnect missed.
//! Paging follows the server's own order (its `Link` header, ids kept opaque), and every request
//! of one account draws on one rate-limit budget.

use std::time::Duration;

use jiff::Timestamp;
use reqwest::header::HeaderMap;
use serde::de::DeserializeOwned;
use serde_json::value::RawValue;
use tokio::sync::Semaphore;

use super::{Api, ApiError, read_json};
use crate::http::{describe_reqwest, parse_retry_after};
use crate::model::{Conversation, KeepsServerJson, Notification, ServerJson, Status};
use crate::stream::StreamSpec;
use crate::stream::spec::Scope;

/// Mastodon's largest page.
pub const PAGE: usize = 40;

/// Where a page starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Paging {
    Latest,
    /// The page right after this id (`min_id`): what came next, oldest first in time.
    After(String),
}

/// One page (or several, joined) of what a stream's timeline holds, newest first.
#[derive(Debug, Clone, PartialEq)]
pub enum History {
    Statuses(Vec<Status>),
    Conversations(Vec<Conversation>),
    Notifications(Vec<Notification>),
}

impl History {
    pub(crate) fn len(&self) -> usize {
        match self {
            History::Statuses(v) => v.len(),
            History::Conversations(v) => v.len(),
            History::Notifications(v) => v.len(),
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub(crate) fn newest_id(&self) -> Option<&str> {
        match self {
            History::Statuses(v) => v.first().map(|s| s.id.as_str()),
            History::Conversations(v) => v
                .first()
                .and_then(|c| c.last_status.as_deref())
                .map(|s| s.id.as_str()),
            History::Notifications(v) => v.first().map(|n| n.id.as_str()),
        }
    }

    /// Puts `newer` (also newest first) in front of what is here.
    fn prepend(&mut self, newer: History) {
        fn join<T>(old: &mut Vec<T>, mut new: Vec<T>) {
            new.append(old);
            *old = new;
        }
        match (self, newer) {
            (History::Statuses(a), History::Statuses(b)) => join(a, b),
            (History::Conversations(a), History::Conversations(b)) => join(a, b),
            (History::Notifications(a), History::Notifications(b)) => join(a, b),
            _ => {}
        }
    }
}

/// Where catching up starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Since {
    /// Everything after this id (`min_id` paging).
    Id(String),
    /// Everything created after this moment: the timeline was empty when we looked, or we
    /// never learnt what it held.
    Time(Timestamp),
}

impl From<&str> for Since {
    fn from(id: &str) -> Since {
        Since::Id(id.to_string())
    }
}

impl History {
    /// Newest first and each item once: GoToSocial's home timeline repeats items on `min_id`
    /// pages, and a catch-up is printed oldest first from this order. Ids sort by length,
    /// then by their characters (`live::is_newer`); conversations keep the server's order.
    fn newest_first(&mut self) {
        fn by_id<T>(v: &mut Vec<T>, id: impl Fn(&T) -> &str) {
            v.sort_by(|a, b| {
                let (a, b) = (id(a), id(b));
                (b.len(), b).cmp(&(a.len(), a))
            });
            v.dedup_by(|a, b| id(a) == id(b));
        }
        match self {
            History::Statuses(v) => by_id(v, |s| s.id.as_str()),
            History::Notifications(v) => by_id(v, |n| n.id.as_str()),
            History::Conversations(v) => {
                let mut seen = std::collections::HashSet::new();
                v.retain(|c| seen.insert(c.id.clone()));
            }
        }
    }

    /// Keeps what was created after `t` (items without a readable time are kept).
    fn retain_created_after(&mut self, t: Timestamp) {
        let after = |created: &str| created.parse::<Timestamp>().map_or(true, |c| c > t);
        match self {
            History::Statuses(v) => v.retain(|s| after(&s.created_at)),
            History::Notifications(v) => v.retain(|n| after(&n.created_at)),
            History::Conversations(v) => v.retain(|c| {
                c.last_status
                    .as_deref()
                    .is_none_or(|s| after(&s.created_at))
            }),
        }
    }
}

/// What catching up after a reconnect found.
#[derive(Debug, Clone, PartialEq)]
pub struct CatchUp {
    /// Newest first.
    pub items: History,
    /// Everything up to now was fetched; otherwise a gap remains above `items`.
    pub complete: bool,
    /// Where to go on from when the gap is to be closed: the newest id fetched.
    pub resume_from: String,
}

/// Which timeline a view of this stream reads.
fn endpoint(spec: &StreamSpec) -> (String, Vec<(&'static str, String)>) {
    let t = |s: &str| s.to_string();
    match spec {
        StreamSpec::User => (t("api/v1/timelines/home"), vec![]),
        StreamSpec::UserNotification => (t("api/v1/notifications"), vec![]),
        StreamSpec::Direct => (t("api/v1/conversations"), vec![]),
        StreamSpec::Public { scope, media } => {
            let mut q = Vec::new();
            match scope {
                Scope::All => {}
                Scope::Local => q.push(("local", t("true"))),
                Scope::Remote => q.push(("remote", t("true"))),
            }
            if *media {
                q.push(("only_media", t("true")));
            }
            (t("api/v1/timelines/public"), q)
        }
        StreamSpec::Hashtag { tag, local } => {
            let path = format!("api/v1/timelines/tag/{}", percent_encode(tag));
            (
                path,
                if *local {
                    vec![("local", t("true"))]
                } else {
                    vec![]
                },
            )
        }
        StreamSpec::List { list } => (
            format!("api/v1/timelines/list/{}", percent_encode(list)),
            vec![],
        ),
    }
}

fn percent_encode(segment: &str) -> String {
    url::form_urlencoded::byte_serialize(segment.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}

/// The `min_id` of the `rel="prev"` link: where the next newer page starts.
fn prev_min_id(headers: &HeaderMap) -> Option<String> {
    let link = headers.get(reqwest::header::LINK)?.to_str().ok()?;
    link.split(',').find_map(|part| {
        let (target, params) = part.split_once(';')?;
        if !params.contains("rel=\"prev\"") {
            return None;
        }
        let url =
            url::Url::parse(target.trim().trim_start_matches('<').trim_end_matches('>')).ok()?;
        url.query_pairs()
            .find(|(k, _)| k == "min_id" || k == "since_id")
            .map(|(_, v)| v.into_owned())
    })
}

impl Api {
    pub(super) async fn limited_get<T: DeserializeOwned>(
        &self,
        path: &str,
        query: &[(&str, String)],
    ) -> Result<(T, HeaderMap), ApiError> {
        // Tabs catch up one or two at a time, never as a burst.
        let _permit = self.limiter.permits.acquire().await;
        let mut attempts = 0;
        loop {
            if let Some(wait) = self.limiter.wait_needed() {
                tracing::info!("rate limit: waiting {} s before {path}", wait.as_secs());
                tokio::time::sleep(wait).await;
            }
            let request = self
                .http
                .get(self.url(path))
                .timeout(self.timeout)
                .query(query);
            let response = self
                .authed(request)
                .send()
                .await
                .map_err(|e| ApiError::Network(describe_reqwest(e)))?;
            self.limiter.observe(response.headers());
            if response.status().as_u16() == 429 && attempts < 3 {
                attempts += 1;
                let after = parse_retry_after(
                    response
                        .headers()
                        .get(reqwest::header::RETRY_AFTER)
                        .and_then(|v| v.to_str().ok()),
                )
                .unwrap_or(Duration::from_secs(5))
                .min(Duration::from_secs(300));
                self.limiter.block_for(after);
                continue;
            }
            return read_json(response).await;
        }
    }

    /// One page of the timeline behind `spec`, newest first.
    pub async fn history(
        &self,
        spec: &StreamSpec,
        paging: &Paging,
        limit: usize,
    ) -> Result<(History, Option<String>), ApiError> {
        let (path, mut query) = endpoint(spec);
        query.push(("limit", limit.clamp(1, PAGE).to_string()));
        if let Paging::After(id) = paging {
            query.push(("min_id", id.clone()));
        }
        Ok(match spec {
            StreamSpec::UserNotification => {
                let (v, h) = self.page(&path, &query).await?;
                (History::Notifications(v), prev_min_id(&h))
            }
            StreamSpec::Direct => {
                let (v, h) = self.page(&path, &query).await?;
                (History::Conversations(v), prev_min_id(&h))
            }
            _ => {
                let (v, h) = self.page(&path, &query).await?;
                (History::Statuses(v), prev_min_id(&h))
            }
        })
    }

    /// A page of items, each with the JSON the server sent for it when this client keeps it.
    async fn page<T: DeserializeOwned + KeepsServerJson>(
        &self,
        path: &str,
        query: &[(&str, String)],
    ) -> Result<(Vec<T>, HeaderMap), ApiError> {
        if !self.keep_server_json {
            return self.limited_get(path, query).await;
        }
        let (raw, headers): (Vec<Box<RawValue>>, _) = self.limited_get(path, query).await?;
        let items = raw
            .iter()
            .map(|json| {
                let mut item: T = serde_json::from_str(json.get())
                    .map_err(|e| ApiError::Decode(e.to_string()))?;
                *item.server_json_mut() = ServerJson::new(json.get());
                Ok(item)
            })
            .collect::<Result<_, ApiError>>()?;
        Ok((items, headers))
    }

    /// Everything newer than `since`, up to `bound` items, newest first: page after page from
    /// `since` forwards, each page starting where the server's `Link` says the last one ended.
    async fn catch_up(
        &self,
        spec: &StreamSpec,
        since: &str,
        bound: usize,
    ) -> Result<CatchUp, ApiError> {
        let mut cursor = since.to_string();
        let mut all: Option<History> = None;
        let mut complete = false;
        loop {
            let fetched = all.as_ref().map_or(0, History::len);
            if fetched >= bound {
                break;
            }
            let want = (bound - fetched).min(PAGE);
            let (page, prev) = self
                .history(spec, &Paging::After(cursor.clone()), want)
                .await?;
            let got = page.len();
            let next = prev.or_else(|| page.newest_id().map(str::to_string));
            match &mut all {
                None => all = Some(page),
                Some(a) => a.prepend(page),
            }
            if got < want || got == 0 {
                complete = true;
                break;
            }
            match next {
                Some(n) if n != cursor => cursor = n,
                _ => {
                    complete = true;
                    break;
                }
            }
        }
        let mut items = all.unwrap_or(History::Statuses(Vec::new()));
        items.newest_first();
        let resume_from = items
            .newest_id()
            .map_or_else(|| since.to_string(), str::to_string);
        Ok(CatchUp {
            items,
            complete,
            resume_from,
        })
    }

    /// Everything after `since`: by id where we know one, else the latest page, cut at the
    /// moment (a timeline empty at start has only new posts; a full page is all we take).
    pub(crate) async fn catch_up_since(
        &self,
        spec: &StreamSpec,
        since: &Since,
        bound: usize,
    ) -> Result<CatchUp, ApiError> {
        match since {
            Since::Id(id) => self.catch_up(spec, id, bound).await,
            Since::Time(t) => {
                let (mut items, _) = self.history(spec, &Paging::Latest, bound.min(PAGE)).await?;
                items.retain_created_after(*t);
                items.newest_first();
                let resume_from = items.newest_id().unwrap_or_default().to_string();
                Ok(CatchUp {
                    items,
                    complete: true,
                    resume_from,
                })
            }
        }
    }

    /// The newest notifications, for the notification pane when it opens.
    pub(crate) async fn notifications(
        &self,
        paging: &Paging,
        limit: usize,
    ) -> Result<Vec<Notification>, ApiError> {
        match self
            .history(&StreamSpec::UserNotification, paging, limit)
            .await?
        {
            (History::Notifications(v), _) => Ok(v),
            _ => Ok(Vec::new()),
        }
    }
}

/// One budget per account: `X-RateLimit-Remaining` / `-Reset` from every answer, a pause when
/// little is left, and `Retry-After` honoured after a 429.
#[derive(Debug)]
pub(crate) struct RateLimiter {
    permits: Semaphore,
    state: std::sync::Mutex<LimitState>,
}

#[derive(Debug, Default)]
struct LimitState {
    remaining: Option<u64>,
    reset: Option<Timestamp>,
    blocked_until: Option<std::time::Instant>,
}

/// Requests kept in reserve for what the user does while catch-up runs.
const RESERVE: u64 = 5;

impl Default for RateLimiter {
    fn default() -> Self {
        RateLimiter {
            permits: Semaphore::new(2),
            state: Default::default(),
        }
    }
}

impl RateLimiter {
    fn lock(&self) -> std::sync::MutexGuard<'_, LimitState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn observe(&self, headers: &HeaderMap) {
        let get = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
        let mut s = self.lock();
        if let Some(r) = get("x-ratelimit-remaining").and_then(|v| v.trim().parse().ok()) {
            s.remaining = Some(r);
        }
        if let Some(t) = get("x-ratelimit-reset").and_then(|v| v.trim().parse::<Timestamp>().ok()) {
            s.reset = Some(t);
        }
    }

    fn block_for(&self, d: Duration) {
        self.lock().blocked_until = Some(std::time::Instant::now() + d);
    }

    pub(crate) fn wait_needed(&self) -> Option<Duration> {
        let s = self.lock();
        if let Some(until) = s.blocked_until {
            let now = std::time::Instant::now();
            if until > now {
                return Some(until - now);
            }
        }
        let (Some(remaining), Some(reset)) = (s.remaining, s.reset) else {
            return None;
        };
        if remaining > RESERVE {
            return None;
        }
        let wait = reset.duration_since(Timestamp::now());
        (wait.is_positive()).then(|| Duration::from_secs_f64(wait.as_secs_f64().min(300.0)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_catch_up_is_newest_first_with_each_item_once() {
        let status = |id: &str| -> Status {
            serde_json::from_value(serde_json::json!({"id": id, "account": {"acct": "a"}})).unwrap()
        };
        // GoToSocial's `min_id` page with its newest item again at the end.
        let mut h = History::Statuses(["03", "01", "02", "03", "9"].map(status).to_vec());
        h.newest_first();
        let History::Statuses(v) = h else { panic!() };
        let ids: Vec<&str> = v.iter().map(|s| s.id.as_str()).collect();
        assert_eq!(ids, ["03", "02", "01", "9"]);
    }

    #[test]
    fn endpoints_for_every_stream_kind() {
        let e = |s: &str| endpoint(&s.parse().unwrap());
        assert_eq!(e("user").0, "api/v1/timelines/home");
        assert_eq!(
            e("public:local:media"),
            (
                "api/v1/timelines/public".into(),
                vec![("local", "true".into()), ("only_media", "true".into())]
            )
        );
        assert_eq!(
            e("hashtag:local:Rust"),
            (
                "api/v1/timelines/tag/Rust".into(),
                vec![("local", "true".into())]
            )
        );
        assert_eq!(e("#café").0, "api/v1/timelines/tag/caf%C3%A9");
        assert_eq!(e("list:42").0, "api/v1/timelines/list/42");
        assert_eq!(e("direct").0, "api/v1/conversations");
        assert_eq!(e("user:notification").0, "api/v1/notifications");
    }

    #[test]
    fn the_prev_link_names_the_next_newer_page() {
        let mut h = HeaderMap::new();
        h.insert(
            reqwest::header::LINK,
            "<https://ex.com/api/v1/timelines/home?max_id=10>; rel=\"next\", <https://ex.com/api/v1/timelines/home?min_id=50>; rel=\"prev\""
                .parse()
                .unwrap(),
        );
        assert_eq!(prev_min_id(&h).as_deref(), Some("50"));
        assert_eq!(prev_min_id(&HeaderMap::new()), None);
    }

    #[test]
    fn the_limiter_waits_when_the_budget_is_low() {
        let l = RateLimiter::default();
        assert_eq!(l.wait_needed(), None);
        let mut h = HeaderMap::new();
        h.insert("x-ratelimit-remaining", "100".parse().unwrap());
        h.insert(
            "x-ratelimit-reset",
            Timestamp::now()
                .checked_add(jiff::SignedDuration::from_secs(60))
                .unwrap()
                .to_string()
                .parse()
                .unwrap(),
        );
        l.observe(&h);
        assert_eq!(l.wait_needed(), None);
        h.insert("x-ratelimit-remaining", "2".parse().unwrap());
        l.observe(&h);
        let wait = l.wait_needed().unwrap();
        assert!(
            wait > Duration::from_secs(50) && wait <= Duration::from_secs(60),
            "{wait:?}"
        );
        let l = RateLimiter::default();
        l.block_for(Duration::from_secs(7));
        assert!(l.wait_needed().unwrap() > Duration::from_secs(6));
    }

    #[test]
    fn pages_join_newest_first() {
        let s = |id: &str| Status {
            id: id.into(),
            ..Status::default()
        };
        let mut h = History::Statuses(vec![s("2"), s("1")]);
        h.prepend(History::Statuses(vec![s("4"), s("3")]));
        let History::Statuses(v) = &h else { panic!() };
        let ids: Vec<&str> = v.iter().map(|s| s.id.as_str()).collect();
        assert_eq!(ids, ["4", "3", "2", "1"]);
        assert_eq!(h.newest_id(), Some("4"));
    }
}
