//! The REST side: instance discovery, credentials, filters, lists and timelines. Like
//! `stream`, it knows nothing of the terminal.

pub mod auth;

pub mod markers;

pub mod timeline;

use std::fmt;
use std::time::Duration;

use serde::de::DeserializeOwned;
use url::Url;

use crate::http::{BodyError, describe_reqwest, read_body, refusal_message};
use crate::model::{Account, Filter, Instance, List};

pub(crate) const USER_AGENT: &str = concat!(
    "tootwatch/",
    env!("CARGO_PKG_VERSION"),
    " (+https://github.com/tootwatch/tootwatch)"
);

/// Bodies of REST answers are small; a server that sends more is not one we want to parse.
const MAX_BODY_BYTES: u64 = 8 << 20;

/// Installs the one TLS crypto provider (ring) for reqwest and tokio-tungstenite alike.
pub fn init_tls() {
    // Err means it is installed already, which is what we want.
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// One HTTP client for the process: REST and server-sent events share its connection pool.
pub fn http_client(connect_timeout: Duration) -> Result<reqwest::Client, ApiError> {
    init_tls();
    reqwest::Client::builder()
        .user_agent(USER_AGENT)
        .connect_timeout(connect_timeout)
        .redirect(redirect_policy())
        .build()
        .map_err(|e| ApiError::Network(describe_reqwest(e)))
}

/// Redirects followed per request; a loop ends with an error after this many.
const MAX_REDIRECTS: usize = 5;

/// At most [`MAX_REDIRECTS`], and none from a safe URL to an unsafe one (see
/// [`redirect_refusal`]). reqwest itself drops `Authorization` whenever a redirect changes
/// scheme, host or port.
fn redirect_policy() -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(|attempt| {
        match redirect_refusal(attempt.url(), attempt.previous()) {
            Some(why) => attempt.error(why),
            None => attempt.follow(),
        }
    })
}

/// Why a redirect to `next` must not be followed, after `previous` (the first being the URL
/// asked for): too many of them, or one that leaves https (or loopback http) for plain http to
/// another machine, where what we send and what we read would cross the network unencrypted.
fn redirect_refusal(next: &Url, previous: &[Url]) -> Option<String> {
    if previous.len() > MAX_REDIRECTS {
        return Some(format!("more than {MAX_REDIRECTS} redirects (a loop?)"));
    }
    let from = previous.last()?;
    if leaves_safety(from, next) {
        return Some(format!(
            "refused a redirect to {}://{}: not https",
            next.scheme(),
            next.host_str().unwrap_or("")
        ));
    }
    None
}

/// Going from `from` to `to` leaves https (or loopback http) for plain http to another machine.
/// A base already unsafe was chosen with `--insecure`, and may go on as it is.
fn leaves_safety(from: &Url, to: &Url) -> bool {
    is_safe_base(from) && !is_safe_base(to)
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    Network(String),
    #[error("HTTP {status}: {message}")]
    Status { status: u16, message: String },
    #[error("the answer did not decode: {0}")]
    Decode(String),
    #[error("the answer is larger than {MAX_BODY_BYTES} bytes")]
    TooLarge,
}

impl ApiError {
    pub(crate) fn status(&self) -> Option<u16> {
        match self {
            ApiError::Status { status, .. } => Some(*status),
            _ => None,
        }
    }

    pub(crate) fn is_auth(&self) -> bool {
        matches!(self.status(), Some(401 | 403))
    }
}

/// A client for one account on one instance.
#[derive(Clone)]
pub struct Api {
    pub base: Url,
    token: Option<String>,
    http: reqwest::Client,
    timeout: Duration,
    /// Shared by every clone: all tabs of one account draw on one rate-limit budget.
    limiter: std::sync::Arc<timeline::RateLimiter>,
    /// The server answered 404 for v2 filters once: every clone asks for v1 from then on.
    v1_filters: std::sync::Arc<std::sync::atomic::AtomicBool>,
    /// Items of timeline pages keep the JSON the server sent (see [`Api::keeping_server_json`]).
    keep_server_json: bool,
}

impl fmt::Debug for Api {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Api")
            .field("base", &self.base.as_str())
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

impl Api {
    pub fn new(base: Url, token: Option<String>, http: reqwest::Client, timeout: Duration) -> Self {
        Api {
            base,
            token,
            http,
            timeout,
            limiter: Default::default(),
            v1_filters: Default::default(),
            keep_server_json: false,
        }
    }

    /// This client's timeline pages keep each item's JSON as the server sent it
    /// ([`crate::model::ServerJson`]), for consumers that print it.
    pub fn keeping_server_json(mut self) -> Self {
        self.keep_server_json = true;
        self
    }

    pub(crate) fn http(&self) -> &reqwest::Client {
        &self.http
    }

    fn url(&self, path: &str) -> Url {
        let mut url = self.base.clone();
        url.path_segments_mut()
            .map(|mut p| {
                p.pop_if_empty().extend(path.split('/'));
            })
            .ok();
        url
    }

    /// The account's token on a request, when it has one.
    fn authed(&self, request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        match &self.token {
            Some(token) => request.bearer_auth(token),
            None => request,
        }
    }

    async fn get<T: DeserializeOwned>(&self, path: &str, authed: bool) -> Result<T, ApiError> {
        let mut request = self.http.get(self.url(path)).timeout(self.timeout);
        if authed {
            request = self.authed(request);
        }
        let response = request
            .send()
            .await
            .map_err(|e| ApiError::Network(describe_reqwest(e)))?;
        let (value, _) = read_json(response).await?;
        Ok(value)
    }

    /// `/api/v2/instance`, falling back to v1 for servers that lack v2.
    pub(crate) async fn instance(&self) -> Result<Instance, ApiError> {
        match self.get::<Instance>("api/v2/instance", false).await {
            Ok(i) => Ok(i),
            // A server that cannot be reached (or does not answer in time) would not answer
            // the older path either: asking would double the wait.
            Err(e @ ApiError::Network(_)) => Err(e),
            Err(v2) => match self.get::<Instance>("api/v1/instance", false).await {
                Ok(i) => Ok(i),
                Err(ApiError::Status { status: 404, .. }) => Err(v2),
                Err(e) => Err(e),
            },
        }
    }

    pub(crate) async fn verify_credentials(&self) -> Result<Account, ApiError> {
        self.get("api/v1/accounts/verify_credentials", true).await
    }

    /// The scopes of the token's app, where the server says (Mastodon 4.3+
    /// `apps/verify_credentials`): what the app may ask for, not what this token holds.
    pub(crate) async fn scopes(&self) -> Option<Vec<String>> {
        #[derive(serde::Deserialize)]
        struct App {
            #[serde(default)]
            scopes: Option<Vec<String>>,
        }
        let app: App = self
            .get("api/v1/apps/verify_credentials", true)
            .await
            .ok()?;
        app.scopes
    }

    /// The user's filters: v2, else (a server without them: Pleroma, Akkoma, an older
    /// GoToSocial) v1 as the v2 filters they stand for.
    pub(crate) async fn filters(&self) -> Result<Vec<Filter>, ApiError> {
        use std::sync::atomic::Ordering;
        if !self.v1_filters.load(Ordering::Relaxed) {
            match self.get("api/v2/filters", true).await {
                Err(e) if e.status() == Some(404) => self.v1_filters.store(true, Ordering::Relaxed),
                v2 => return v2,
            }
        }
        let v1: Vec<crate::model::FilterV1> = self.get("api/v1/filters", true).await?;
        Ok(v1.into_iter().map(Filter::from).collect())
    }

    pub(crate) async fn lists(&self) -> Result<Vec<List>, ApiError> {
        self.get("api/v1/lists", true).await
    }

    /// `GET /api/v1/streaming/health` on a streaming base.
    pub(crate) async fn streaming_health(&self, base: &Url) -> Result<(), ApiError> {
        let mut url = base.clone();
        url.path_segments_mut()
            .map(|mut p| {
                p.pop_if_empty()
                    .extend(["api", "v1", "streaming", "health"]);
            })
            .ok();
        let response = self
            .http
            .get(url)
            .timeout(self.timeout)
            .send()
            .await
            .map_err(|e| ApiError::Network(describe_reqwest(e)))?;
        let status = response.status();
        if status.is_success() {
            Ok(())
        } else {
            Err(ApiError::Status {
                status: status.as_u16(),
                message: status.canonical_reason().unwrap_or("").to_string(),
            })
        }
    }

    /// The streaming base URL: the override, else what the instance advertises (as http(s)),
    /// else the instance itself. A discovered host that cannot be reached is not used.
    pub(crate) async fn streaming_base(&self, instance: Option<&Instance>) -> Url {
        let Some(advertised) = instance.and_then(|i| i.streaming_url()) else {
            return self.base.clone();
        };
        let url = match advertised_streaming(&self.base, advertised) {
            Ok(Some(url)) => url,
            Ok(None) => return self.base.clone(),
            Err(why) => {
                tracing::warn!("ignoring the advertised streaming URL: {why}");
                return self.base.clone();
            }
        };
        match self.streaming_health(&url).await {
            Err(ApiError::Network(e)) => {
                tracing::warn!(
                    "the advertised streaming host {} cannot be reached ({e}); using {}",
                    url.host_str().unwrap_or(""),
                    self.base.host_str().unwrap_or("")
                );
                self.base.clone()
            }
            _ => url,
        }
    }
}

impl From<BodyError> for ApiError {
    fn from(e: BodyError) -> Self {
        match e {
            BodyError::Network(message) => ApiError::Network(message),
            BodyError::TooLarge => ApiError::TooLarge,
        }
    }
}

/// Reads a bounded JSON answer; a refusal becomes `ApiError::Status` with the server's words.
pub(crate) async fn read_json<T: DeserializeOwned>(
    response: reqwest::Response,
) -> Result<(T, reqwest::header::HeaderMap), ApiError> {
    let status = response.status();
    let headers = response.headers().clone();
    let body = read_body(response, MAX_BODY_BYTES).await?;
    if !status.is_success() {
        return Err(ApiError::Status {
            status: status.as_u16(),
            message: refusal_message(status.as_u16(), None, &body),
        });
    }
    let value = serde_json::from_slice(&body).map_err(|e| ApiError::Decode(e.to_string()))?;
    Ok((value, headers))
}

/// `wss://streaming.example` → `https://streaming.example`; the path is kept.
pub(crate) fn streaming_http_url(advertised: &str) -> Option<Url> {
    let url = Url::parse(advertised.trim()).ok()?;
    let scheme = match url.scheme() {
        "wss" | "https" => "https",
        "ws" | "http" => "http",
        _ => return None,
    };
    let rebuilt = format!("{scheme}{}", &url.as_str()[url.scheme().len()..]);
    let mut url = Url::parse(&rebuilt).ok()?;
    // An advertised URL that already names the API path would otherwise get it twice.
    if let Some(stripped) = url
        .path()
        .strip_suffix("/api/v1/streaming")
        .map(str::to_string)
    {
        url.set_path(&stripped);
    }
    url.set_query(None);
    Some(url)
}

/// The streaming base a server advertises, as an http(s) URL to try instead of `base`: none
/// when it is `base` itself, an error when it is not a streaming URL or would take the token
/// from https (or loopback http) to plain http elsewhere, as a redirect may not.
pub(crate) fn advertised_streaming(base: &Url, advertised: &str) -> Result<Option<Url>, String> {
    let url = streaming_http_url(advertised).ok_or("not a ws(s)/http(s) URL")?;
    if same_origin(&url, base) {
        return Ok(None);
    }
    if leaves_safety(base, &url) {
        return Err(format!(
            "`{}` is not https, and the token would cross the network unencrypted",
            advertised.trim()
        ));
    }
    Ok(Some(url))
}

pub(crate) fn same_origin(a: &Url, b: &Url) -> bool {
    a.scheme() == b.scheme()
        && a.host_str() == b.host_str()
        && a.port_or_known_default() == b.port_or_known_default()
        && a.path().trim_end_matches('/') == b.path().trim_end_matches('/')
}

/// Mastodon 4.5 can switch live and hashtag feeds off (`configuration.timelines_access`); such
/// a stream then delivers nothing but deletes. Says which feed, when this stream's is off.
pub(crate) fn disabled_feed(
    instance: &Instance,
    spec: &crate::stream::StreamSpec,
) -> Option<String> {
    use crate::stream::StreamSpec;
    use crate::stream::spec::Scope;
    let access = instance.configuration.timelines_access.as_ref()?;
    let off = |feeds: &str, side: &str| access[feeds][side].as_str() == Some("disabled");
    let (feeds, what, local, remote) = match spec {
        StreamSpec::Public { scope, .. } => (
            "live_feeds",
            "live feed",
            *scope != Scope::Remote,
            *scope != Scope::Local,
        ),
        StreamSpec::Hashtag { local, .. } => ("hashtag_feeds", "hashtag feed", true, !*local),
        _ => return None,
    };
    let disabled = (!local || off(feeds, "local")) && (!remote || off(feeds, "remote"));
    disabled.then(|| {
        let side = match (local, remote) {
            (true, false) => "local ",
            (false, true) => "remote ",
            _ => "",
        };
        format!("the server has switched its {side}{what} off: only deletes would arrive")
    })
}

/// Which server software answers, as far as its instance endpoint tells.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ServerKind {
    Mastodon,
    GoToSocial,
    Pleroma,
    Other,
}

pub(crate) fn server_kind(instance: &Instance) -> ServerKind {
    let version = instance.version.to_ascii_lowercase();
    let source = instance
        .source_url
        .as_deref()
        .unwrap_or_default()
        .to_ascii_lowercase();
    // GoToSocial says `0.17.3 git-1a2b3c` (or `+git-`); Pleroma and Akkoma name themselves
    // in a Mastodon-compatible version string.
    let gts_version = version
        .split_once("git-")
        .is_some_and(|(release, _)| release.trim_end_matches([' ', '+']).split('.').count() == 3);
    if source.contains("gotosocial") || version.contains("gotosocial") || gts_version {
        ServerKind::GoToSocial
    } else if version.contains("pleroma") || version.contains("akkoma") {
        ServerKind::Pleroma
    } else if source.contains("mastodon") || version.starts_with(|c: char| c.is_ascii_digit()) {
        ServerKind::Mastodon
    } else {
        ServerKind::Other
    }
}

/// Streams a server accepts and never feeds, as known of each server: they are polled over
/// REST instead. Says why, for the stream's state.
pub(crate) fn unstreamable(
    instance: &Instance,
    spec: &crate::stream::StreamSpec,
) -> Option<String> {
    use crate::stream::StreamSpec;
    use crate::stream::spec::Scope;
    match (server_kind(instance), spec) {
        (ServerKind::GoToSocial, StreamSpec::Hashtag { .. }) => {
            Some("this server does not stream hashtags".into())
        }
        (ServerKind::GoToSocial, StreamSpec::Public { scope, media })
            if *scope == Scope::Remote || *media =>
        {
            Some("this server does not stream remote or media-only feeds".into())
        }
        // Pleroma and Akkoma refuse these topics with a 404 before the upgrade (`remote` only
        // streams with an `instance` named); their REST timelines answer.
        (ServerKind::Pleroma, StreamSpec::Hashtag { local: true, .. }) => {
            Some("this server does not stream local hashtags".into())
        }
        (ServerKind::Pleroma, StreamSpec::Public { scope, .. }) if *scope == Scope::Remote => {
            Some("this server does not stream remote feeds".into())
        }
        _ => None,
    }
}

/// Is this base URL allowed without `--insecure`? https anywhere, http only on loopback.
pub(crate) fn is_safe_base(url: &Url) -> bool {
    match url.scheme() {
        "https" => true,
        "http" => match url.host() {
            Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
            Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
            Some(url::Host::Domain(d)) => d == "localhost" || d.ends_with(".localhost"),
            None => false,
        },
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_each_server_cannot_stream_is_polled() {
        let instance = |version: &str| -> Instance {
            serde_json::from_value(serde_json::json!({"version": version})).unwrap()
        };
        let spec = |s: &str| s.parse::<crate::stream::StreamSpec>().unwrap();
        let pleroma = instance("2.7.2 (compatible; Akkoma 3.13.2)");
        let gts = instance("0.17.3 git-1a2b3c");
        let mastodon = instance("4.3.1");
        for (server, stream, polled) in [
            (&pleroma, "hashtag:local:rust", true),
            (&pleroma, "public:remote", true),
            (&pleroma, "public:remote:media", true),
            (&pleroma, "#rust", false),
            (&pleroma, "public:local:media", false),
            (&gts, "hashtag:local:rust", true),
            (&gts, "#rust", true),
            (&gts, "public:media", true),
            (&gts, "public:local", false),
            (&mastodon, "hashtag:local:rust", false),
            (&mastodon, "public:remote", false),
        ] {
            assert_eq!(
                unstreamable(server, &spec(stream)).is_some(),
                polled,
                "{} {stream}",
                server.version
            );
        }
    }

    #[test]
    fn advertised_streaming_urls_become_http() {
        let u = |s| streaming_http_url(s).map(|u| u.to_string());
        assert_eq!(
            u("wss://streaming.example.com"),
            Some("https://streaming.example.com/".into())
        );
        assert_eq!(
            u("ws://127.0.0.1:4000"),
            Some("http://127.0.0.1:4000/".into())
        );
        assert_eq!(
            u("wss://example.com/api/v1/streaming"),
            Some("https://example.com/".into())
        );
        assert_eq!(u("ftp://example.com"), None);
        assert_eq!(u("not a url"), None);
    }

    #[test]
    fn an_advertised_streaming_url_never_leaves_https_for_plain_http() {
        let base = |s: &str| -> Url { s.parse().unwrap() };
        let https = base("https://mastodon.example/");
        let to = |b: &Url, a: &str| advertised_streaming(b, a).map(|u| u.map(|u| u.to_string()));
        assert_eq!(
            to(&https, "wss://streaming.mastodon.example"),
            Ok(Some("https://streaming.mastodon.example/".into()))
        );
        assert_eq!(to(&https, "wss://mastodon.example"), Ok(None));
        for downgrade in ["ws://streaming.mastodon.example", "ws://mastodon.example"] {
            let e = to(&https, downgrade).unwrap_err();
            assert_eq!(
                e,
                format!(
                    "`{downgrade}` is not https, and the token would cross the network unencrypted"
                )
            );
        }
        let local = base("http://127.0.0.1:3000/");
        assert_eq!(
            to(&local, "ws://127.0.0.1:4000"),
            Ok(Some("http://127.0.0.1:4000/".into()))
        );
        assert!(to(&local, "ws://192.0.2.2:4000").is_err());
        // An instance chosen with --insecure is plain http already.
        let insecure = base("http://10.0.0.1/");
        assert_eq!(
            to(&insecure, "ws://10.0.0.2"),
            Ok(Some("http://10.0.0.2/".into()))
        );
        assert_eq!(
            to(&https, "ftp://x.example"),
            Err("not a ws(s)/http(s) URL".into())
        );
    }

    #[test]
    fn feeds_switched_off_are_recognised() {
        let instance: Instance =
            serde_json::from_value(serde_json::json!({"configuration": {"timelines_access": {
                "live_feeds": {"local": "public", "remote": "disabled"},
                "hashtag_feeds": {"local": "disabled", "remote": "disabled"}
            }}}))
            .unwrap();
        let off = |s: &str| disabled_feed(&instance, &s.parse().unwrap());
        assert_eq!(off("public"), None, "the local half still flows");
        assert_eq!(off("public:local"), None);
        assert_eq!(
            off("public:remote").as_deref(),
            Some("the server has switched its remote live feed off: only deletes would arrive")
        );
        assert!(off("#rust").is_some());
        assert!(
            off("hashtag:local:rust")
                .unwrap()
                .contains("local hashtag feed")
        );
        assert_eq!(off("user"), None);
        assert_eq!(
            disabled_feed(&Instance::default(), &"public".parse().unwrap()),
            None
        );
    }

    #[test]
    fn plain_http_only_on_loopback() {
        let safe = |s: &str| is_safe_base(&s.parse().unwrap());
        assert!(safe("https://mastodon.example"));
        assert!(safe("http://127.0.0.1:3000"));
        assert!(safe("http://[::1]:3000"));
        assert!(safe("http://localhost:3000"));
        assert!(!safe("http://mastodon.example"));
        assert!(!safe("http://10.0.0.1"));
    }

    #[test]
    fn redirects_are_bounded_and_never_leave_https_for_plain_http() {
        let u = |s: &str| -> Url { s.parse().unwrap() };
        let from = [u("https://a.example/api/v1/streaming/user")];
        assert_eq!(redirect_refusal(&u("https://b.example/x"), &from), None);
        let e = redirect_refusal(&u("http://b.example/x"), &from).unwrap();
        assert_eq!(e, "refused a redirect to http://b.example: not https");
        let e = redirect_refusal(&u("http://a.example/x"), &from).unwrap();
        assert!(e.contains("not https"), "a downgrade on the same host: {e}");
        // loopback http may go to loopback; one chosen with --insecure may go on as it is
        let local = [u("http://127.0.0.1:3000/")];
        assert_eq!(redirect_refusal(&u("http://localhost:4000/"), &local), None);
        assert!(redirect_refusal(&u("http://10.0.0.1/"), &local).is_some());
        let insecure = [u("http://10.0.0.1/")];
        assert_eq!(redirect_refusal(&u("http://10.0.0.2/"), &insecure), None);
        let chain: Vec<Url> = (0..=MAX_REDIRECTS)
            .map(|i| u(&format!("https://a.example/{i}")))
            .collect();
        assert_eq!(
            redirect_refusal(&u("https://a.example/"), &chain[..MAX_REDIRECTS]),
            None
        );
        assert!(
            redirect_refusal(&u("https://a.example/"), &chain)
                .unwrap()
                .contains("more than 5 redirects")
        );
    }

    #[test]
    fn urls_join_paths_under_the_base() {
        let http = http_client(Duration::from_secs(1)).unwrap();
        let api = Api::new(
            "https://ex.com/".parse().unwrap(),
            None,
            http,
            Duration::from_secs(1),
        );
        assert_eq!(
            api.url("api/v2/instance").as_str(),
            "https://ex.com/api/v2/instance"
        );
        assert!(!format!("{api:?}").contains("token\": Some(\""));
    }
}
