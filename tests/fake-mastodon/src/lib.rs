//! A Mastodon-compatible fake server for tootwatch's integration tests and benchmarks.
//!
//! The server binds to `127.0.0.1` (loopback only) on an ephemeral port and speaks enough of the
//! Mastodon REST and streaming APIs (server-sent events and WebSocket) for a streaming client:
//! instance discovery, credential checks, filters, lists and every streaming channel.
//! It can imitate GoToSocial and Pleroma quirks ([`Flavor`]) and inject faults ([`Fault`]).
//!
//! Tests never need to sleep: [`FakeServer::wait_subscribers`], [`FakeServer::wait_connections`],
//! [`FakeServer::wait_requests`] and [`FakeServer::wait_close_frames`] are awaitable
//! synchronisation points.
//!
//! # Delivery model
//!
//! Every streaming connection owns a bounded queue of [`QUEUE_CAPACITY`] frames (changeable with
//! [`FakeServer::set_queue_capacity`]). [`FakeServer::publish`]
//! formats the frame once and never blocks: it `try_send`s the shared frame to every subscribed
//! connection, and a connection whose queue is full is treated as too slow and **dropped** (it is
//! ended abruptly, as by [`FakeServer::drop_connections`]). Benchmarks that publish faster than the
//! client reads should use [`FakeServer::publish_async`], which waits for queue space instead.
//!
//! ```no_run
//! # async fn demo() {
//! use fake_mastodon::{FakeServer, Options, generate};
//! let server = FakeServer::start(Options::default()).await;
//! // ... point the client at server.base_url() with token "test-token" ...
//! server.wait_subscribers("public", 1).await;
//! server.publish("public", "update", Some(&generate::status_json(1, 2000)));
//! server.shutdown().await;
//! # }
//! ```

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// Entity generators. `gen` is a reserved keyword in edition 2024: write `fake_mastodon::r#gen::…`
/// or use the alias [`generate`].
pub mod r#gen;
pub use self::r#gen as generate;
/// Raw TCP servers for faults below HTTP: silence, resets, trickles, TLS failures.
pub mod faults;
mod hub;
pub use hub::Encoded;
/// A raw event-stream endpoint that writes any bytes, for hostile-input tests.
pub mod inject;
mod markers;
pub mod media;
/// OAuth: app registration, authorize, token, revoke.
pub mod oauth;
mod rest;
mod sse;
mod timelines;
mod ws;

pub use hub::QUEUE_CAPACITY;
pub use timelines::TIMELINE_CAPACITY;

/// Which server implementation the fake imitates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Flavor {
    /// Mastodon 4.3: server-sent events and WebSocket.
    #[default]
    Mastodon,
    /// GoToSocial 0.17: WebSocket only, frames end with `\n`, `"stream":["list:42"]`,
    /// `filters_changed` with `"payload":""`, no `/api/v1/streaming/health`. It accepts
    /// `hashtag`, `hashtag:local`, `public:remote` and the `public:*media` subscriptions and never
    /// sends anything on them (pings go on); its REST public timeline ignores `remote` and
    /// `only_media`.
    GoToSocial,
    /// Pleroma 2.6 / Akkoma: WebSocket only, no `/api/v2/instance`, no `/api/v1/streaming/health`.
    Pleroma,
}

impl Flavor {
    /// Parses `mastodon`, `gotosocial` (or `gts`), `pleroma` (or `akkoma`), case-insensitively.
    pub fn parse(s: &str) -> Option<Flavor> {
        match s.to_ascii_lowercase().as_str() {
            "mastodon" => Some(Flavor::Mastodon),
            "gotosocial" | "gts" => Some(Flavor::GoToSocial),
            "pleroma" | "akkoma" => Some(Flavor::Pleroma),
            _ => None,
        }
    }
}

/// Server configuration. Fixed for the server's lifetime (except the token: [`FakeServer::set_token`]).
#[derive(Debug, Clone)]
pub struct Options {
    /// Default [`Flavor::Mastodon`].
    pub flavor: Flavor,
    /// The one valid bearer token; default `"test-token"`.
    pub token: String,
    /// Interval of SSE `:thump` comments and WebSocket ping frames; default 15 s; `None` = never.
    pub heartbeat: Option<Duration>,
    /// What the instance endpoints advertise as the streaming URL; default this server's own
    /// `ws://127.0.0.1:PORT`.
    pub advertised_streaming_url: Option<String>,
    /// WebSocket frames carry `payload` as a JSON object (when the payload is JSON) instead of a
    /// string holding JSON.
    pub ws_payload_as_object: bool,
    /// Server-sent events use `\r\n` line endings.
    pub crlf: bool,
    /// Server-sent events split each payload over several `data:` lines (after each `,` that is
    /// outside a JSON string, so the joined lines are still the same JSON value).
    pub split_data_lines: bool,
    /// Offer the WebSocket endpoint at all; `false` answers its upgrades with 404, as a server
    /// (or a proxy in front of it) without WebSocket streaming does.
    pub websocket: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            flavor: Flavor::Mastodon,
            token: "test-token".to_owned(),
            heartbeat: Some(Duration::from_secs(15)),
            advertised_streaming_url: None,
            ws_payload_as_object: false,
            crlf: false,
            split_data_lines: false,
            websocket: true,
        }
    }
}

/// A fault applied to new streaming connections (SSE requests and WebSocket upgrades) until changed.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Fault {
    /// Behave normally.
    #[default]
    None,
    /// Refuse: SSE gets `status` with the JSON body `{"error": error}`; a WebSocket upgrade gets
    /// `status`, an empty body and `X-Error-Message: error`. `Retry-After: secs` when `Some`.
    /// Checked before authentication, like a proxy in front of the server would.
    Status {
        status: u16,
        error: String,
        retry_after: Option<u64>,
    },
    /// Accept (SSE: 200 and headers; WS: the upgrade completes), then never send a single byte or
    /// frame: no `:)`, no heartbeats, no pings, no events. Stalled connections count as
    /// subscribers and connections but `publish` does not deliver to (nor count) them.
    /// They end on [`FakeServer::drop_connections`] or shutdown.
    Stall,
    /// Accept, send this raw text first (SSE: raw bytes right after `:)\n`; WS: one text frame),
    /// then behave normally.
    GarbageFirst(String),
    /// Accept, deliver this many events (from `publish`; `publish_raw` does not count) normally,
    /// then drop the connection abruptly.
    DropAfter(usize),
    /// Redirect: `status` (301, 302, 307, 308) with `Location: location`, where the location
    /// `{self}` is replaced by the request's own path and query (a redirect loop).
    Redirect { status: u16, location: String },
    /// A token that authenticates but may not read the stream (a missing scope): Mastodon checks
    /// that after the WebSocket upgrade, so the upgrade completes and the socket then carries
    /// one text frame `{"error": error, "status": status}` and nothing else but pings (every
    /// `subscribe` on it gets the same frame). SSE gets `status` with `{"error": error}` before
    /// streaming, as Mastodon answers there. Checked after authentication.
    RefuseAfterUpgrade { status: u16, error: String },
    /// A server starting up (GoToSocial): `503` with `Retry-After: 120` and an HTML page
    /// ([`MAINTENANCE_TITLE`] in its `<title>`) sent with `Transfer-Encoding: chunked` in chunks
    /// of 2,048 bytes, to the WebSocket upgrade and the SSE endpoint alike.
    Maintenance,
}

/// The `<title>` of the page that [`Fault::Maintenance`] serves.
pub const MAINTENANCE_TITLE: &str = "503 Service Unavailable - GoToSocial";

/// One HTTP request as received (rejected ones included).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedRequest {
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    /// Header names are lowercase; values are lossily decoded as UTF-8.
    pub headers: Vec<(String, String)>,
}

impl RecordedRequest {
    /// The first value of header `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// State shared by all handlers.
pub(crate) struct Shared {
    pub(crate) flavor: Flavor,
    pub(crate) heartbeat: Option<Duration>,
    pub(crate) ws_payload_as_object: bool,
    pub(crate) crlf: bool,
    pub(crate) split_data_lines: bool,
    pub(crate) websocket: bool,
    pub(crate) advertised: String,
    pub(crate) token: Mutex<String>,
    pub(crate) fault: Mutex<Fault>,
    pub(crate) filters: Mutex<String>,
    pub(crate) lists: Mutex<String>,
    pub(crate) rest_overrides: Mutex<HashMap<String, String>>,
    pub(crate) requests: Mutex<Vec<RecordedRequest>>,
    /// The close codes of the WebSocket close frames clients sent (`None`: a frame without one).
    pub(crate) close_frames: Mutex<Vec<Option<u16>>>,
    pub(crate) timelines: timelines::Timelines,
    pub(crate) hub: hub::Hub,
    pub(crate) oauth: Mutex<oauth::OAuthState>,
    pub(crate) markers: Mutex<markers::MarkerState>,
    /// While true, the stored timelines' answers wait (a slow catch-up).
    pub(crate) timelines_held: watch::Sender<bool>,
}

/// Locks a mutex, ignoring poisoning (a panicking test must not cascade into the server).
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Shared {
    pub(crate) fn fault(&self) -> Fault {
        lock(&self.fault).clone()
    }

    pub(crate) fn record(&self, req: RecordedRequest) {
        lock(&self.requests).push(req);
        self.hub.notify_change();
    }
}

/// A running fake server. Dropping it stops accepting connections and ends open streams
/// (the same as [`FakeServer::shutdown`], without waiting).
pub struct FakeServer {
    shared: Arc<Shared>,
    addr: SocketAddr,
    stop: watch::Sender<bool>,
    task: Option<JoinHandle<()>>,
}

const DEFAULT_LISTS: &str = r#"[{"id":"42","title":"Friends","replies_policy":"list"}]"#;

impl FakeServer {
    /// Starts the server on `127.0.0.1`, on an ephemeral port.
    pub async fn start(opts: Options) -> FakeServer {
        Self::start_on_port(opts, 0)
            .await
            .expect("fake-mastodon: cannot bind 127.0.0.1:0")
    }

    /// Starts the server on `127.0.0.1:port` (0 = ephemeral). Loopback only, always.
    pub async fn start_on_port(opts: Options, port: u16) -> std::io::Result<FakeServer> {
        let listener = TcpListener::bind((std::net::Ipv4Addr::LOCALHOST, port)).await?;
        let addr = listener.local_addr()?;
        let advertised = opts
            .advertised_streaming_url
            .clone()
            .unwrap_or_else(|| format!("ws://{addr}"));
        let shared = Arc::new(Shared {
            flavor: opts.flavor,
            heartbeat: opts.heartbeat.filter(|d| !d.is_zero()),
            ws_payload_as_object: opts.ws_payload_as_object,
            crlf: opts.crlf,
            split_data_lines: opts.split_data_lines,
            websocket: opts.websocket,
            advertised,
            token: Mutex::new(opts.token),
            fault: Mutex::new(Fault::None),
            filters: Mutex::new("[]".to_owned()),
            lists: Mutex::new(DEFAULT_LISTS.to_owned()),
            rest_overrides: Mutex::new(HashMap::new()),
            requests: Mutex::new(Vec::new()),
            close_frames: Mutex::new(Vec::new()),
            timelines: timelines::Timelines::new(format!("http://{addr}")),
            hub: hub::Hub::new(),
            oauth: Mutex::new(oauth::OAuthState::default()),
            markers: Mutex::new(Default::default()),
            timelines_held: watch::channel(false).0,
        });
        let app = rest::router(shared.clone());
        let (stop, mut stop_rx) = watch::channel(false);
        let task = tokio::spawn(async move {
            let signal = async move {
                let _ = stop_rx.wait_for(|s| *s).await;
            };
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(signal)
                .await;
        });
        Ok(FakeServer {
            shared,
            addr,
            stop,
            task: Some(task),
        })
    }

    /// `http://127.0.0.1:PORT`
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// `ws://127.0.0.1:PORT`
    pub fn ws_url(&self) -> String {
        format!("ws://{}", self.addr)
    }

    /// The bound address (always on 127.0.0.1).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The currently valid token.
    pub fn token(&self) -> String {
        lock(&self.shared.token).clone()
    }

    /// Delivers one event to every open connection subscribed to `stream` (exact key match after
    /// lowercasing hashtag names: `"user"` does not reach `"user:notification"` subscribers).
    /// Keys: `user`, `user:notification`, `public`, `public:local`, `public:remote`, `public:media`,
    /// `public:local:media`, `public:remote:media`, `hashtag:TAG`, `hashtag:local:TAG`, `list:ID`,
    /// `direct`. `payload`: `None` = no payload (SSE `data: undefined`); `Some(text)` = exactly that
    /// text. Never blocks; a connection whose queue is full is dropped. Returns the number of
    /// connections the event was queued for.
    pub fn publish(&self, stream: &str, event: &str, payload: Option<&str>) -> usize {
        self.shared
            .hub
            .publish(&self.shared, stream, event, payload)
    }

    /// Like [`publish`](Self::publish) but waits for queue space on slow connections instead of
    /// dropping them (for benchmarks that publish faster than the client reads).
    pub async fn publish_async(&self, stream: &str, event: &str, payload: Option<&str>) -> usize {
        self.shared
            .hub
            .publish_async(&self.shared, stream, event, payload)
            .await
    }

    /// Encodes an event for `stream` once, as [`publish`](Self::publish) would frame it on
    /// each transport, for [`publish_encoded_async`](Self::publish_encoded_async): a benchmark
    /// then measures its reader, not the encoding.
    pub fn encode(&self, stream: &str, event: &str, payload: Option<&str>) -> hub::Encoded {
        self.shared.hub.encode(&self.shared, stream, event, payload)
    }

    /// Like [`publish_async`](Self::publish_async), with frames from [`encode`](Self::encode).
    pub async fn publish_encoded_async(&self, stream: &str, encoded: &hub::Encoded) -> usize {
        self.shared
            .hub
            .publish_encoded_async(&self.shared, stream, encoded)
            .await
    }

    /// Writes `raw` as is to every connection on `stream` (SSE: raw bytes into the body; WS: one
    /// text frame). Does not count as an event for [`Fault::DropAfter`].
    pub fn publish_raw(&self, stream: &str, raw: &str) -> usize {
        self.shared.hub.publish_raw(stream, raw)
    }

    /// Waits until at least `n` open streaming connections are subscribed to `stream`.
    pub async fn wait_subscribers(&self, stream: &str, n: usize) {
        let key = hub::normalize_key(stream);
        self.wait_until(|s| s.hub.subscribers_key(&key) >= n).await
    }

    /// Waits until at most `n` open streaming connections are subscribed to `stream` (e.g. `0`
    /// after an unsubscribe or a disconnect; see the caveat on [`subscribers`](Self::subscribers)).
    pub async fn wait_subscribers_at_most(&self, stream: &str, n: usize) {
        let key = hub::normalize_key(stream);
        self.wait_until(|s| s.hub.subscribers_key(&key) <= n).await
    }

    /// Open streaming connections subscribed to `stream` now. A connection the client abandoned
    /// stays counted until the server notices (at its next write, e.g. a heartbeat or an event).
    pub fn subscribers(&self, stream: &str) -> usize {
        self.shared.hub.subscribers_key(&hub::normalize_key(stream))
    }

    /// Ends every open streaming connection now: SSE bodies end abruptly (no terminating chunk),
    /// WebSockets are dropped without a close frame. Queued, undelivered events are discarded.
    pub fn drop_connections(&self) {
        self.shared.hub.drop_all();
    }

    /// Waits until at least `n` streaming subscriptions to `stream` have been accepted in total
    /// (SSE connections, WS connections with `?stream=`, and WS `subscribe` messages).
    pub async fn wait_connections(&self, stream: &str, n: usize) {
        let key = hub::normalize_key(stream);
        self.wait_until(|s| s.hub.connections_key(&key) >= n).await
    }

    /// Streaming subscriptions to `stream` accepted so far (see [`wait_connections`](Self::wait_connections)).
    pub fn connections(&self, stream: &str) -> usize {
        self.shared.hub.connections_key(&hub::normalize_key(stream))
    }

    /// Streaming connections (SSE and WS, subscribed to anything or not) accepted so far.
    pub fn total_connections(&self) -> usize {
        self.shared.hub.total_connections()
    }

    /// Mutes `stream` (a key as for [`publish`](Self::publish)) or unmutes it: while muted, events
    /// published to it reach none of its connections (`publish` counts none), while heartbeats
    /// and pings go on and the connections stay subscribed; a stream that stopped delivering
    /// without anything on the wire showing it. [`publish_raw`](Self::publish_raw) is not muted.
    pub fn set_mute(&self, stream: &str, muted: bool) {
        self.shared.hub.set_mute(&hub::normalize_key(stream), muted);
    }

    /// The close codes of the WebSocket close frames received from clients so far, in order
    /// (`None` for a close frame without a code).
    pub fn close_frames(&self) -> Vec<Option<u16>> {
        lock(&self.shared.close_frames).clone()
    }

    /// Waits until at least `n` WebSocket close frames were received from clients.
    pub async fn wait_close_frames(&self, n: usize) {
        self.wait_until(|s| lock(&s.close_frames).len() >= n).await
    }

    /// Sets the queue capacity (in frames, default [`QUEUE_CAPACITY`]) of streaming connections
    /// opened from now on. A larger queue lets a burst of `publish` calls outrun the client
    /// without the connection being dropped, at the cost of memory (each queued frame holds a
    /// reference to its publish's shared bytes).
    pub fn set_queue_capacity(&self, capacity: usize) {
        self.shared.hub.set_capacity(capacity);
    }

    /// Sets the fault applied to new streaming connections.
    pub fn set_fault(&self, fault: Fault) {
        *lock(&self.shared.fault) = fault;
    }

    /// Every HTTP request received so far, in order (rejected ones included).
    pub fn requests(&self) -> Vec<RecordedRequest> {
        lock(&self.shared.requests).clone()
    }

    /// Waits until at least `n` requests for exactly `path` (e.g. `"/api/v1/streaming"`) were received.
    pub async fn wait_requests(&self, path: &str, n: usize) {
        self.wait_until(|s| lock(&s.requests).iter().filter(|r| r.path == path).count() >= n)
            .await
    }

    /// Body of `GET /api/v2/filters` (default `[]`).
    pub fn set_filters(&self, filters_json: &str) {
        *lock(&self.shared.filters) = filters_json.to_owned();
    }

    /// Body of `GET /api/v1/lists`; also decides which `list` ids may be streamed.
    pub fn set_lists(&self, lists_json: &str) {
        *lock(&self.shared.lists) = lists_json.to_owned();
    }

    /// Changes the valid token; the old one becomes invalid for new requests. Open streams are
    /// left alone (call [`drop_connections`](Self::drop_connections) to end them as Mastodon would).
    pub fn set_token(&self, token: &str) {
        *lock(&self.shared.token) = token.to_owned();
    }

    /// While `held`, requests for the timelines (`GET /api/v1/timelines/…`) are taken (and
    /// recorded) but answered only once it is released: a catch-up as slow as a test needs.
    pub fn hold_timelines(&self, held: bool) {
        self.shared.timelines_held.send_replace(held);
    }

    /// Makes an authenticated `GET path` (e.g. `/api/v1/timelines/home`) answer 200 with `json`.
    /// Without an override, the timelines, `/api/v1/conversations` and `/api/v1/notifications`
    /// serve what [`store`](Self::store) stored (other `/api/v1/timelines/*` answer `[]`).
    pub fn set_rest_response(&self, path: &str, json: &str) {
        lock(&self.shared.rest_overrides).insert(path.to_owned(), json.to_owned());
    }

    /// Stops the server: ends every open stream, stops accepting, and waits (at most ~2 s) for
    /// in-flight requests.
    pub async fn shutdown(mut self) {
        self.stop_now();
        if let Some(mut task) = self.task.take()
            && tokio::time::timeout(Duration::from_secs(2), &mut task)
                .await
                .is_err()
        {
            task.abort();
        }
    }

    fn stop_now(&self) {
        self.shared.hub.close();
        let _ = self.stop.send(true);
    }

    async fn wait_until(&self, cond: impl Fn(&Shared) -> bool) {
        let mut rx = self.shared.hub.changes();
        loop {
            if cond(&self.shared) {
                return;
            }
            if rx.changed().await.is_err() {
                // The hub lives as long as `self`; this cannot happen.
                std::future::pending::<()>().await;
            }
        }
    }
}

impl Drop for FakeServer {
    fn drop(&mut self) {
        if self.task.is_some() {
            self.stop_now();
        }
    }
}
