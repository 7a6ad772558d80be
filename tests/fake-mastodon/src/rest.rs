//! Routing, authentication, request recording and the REST endpoints.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::extract::{Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::{Flavor, RecordedRequest, Shared, lock, sse, ws};

pub(crate) fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/api/v1/streaming", get(ws::handler))
        .route("/api/v1/streaming/health", get(health))
        .route("/api/v1/streaming/{*path}", get(sse::handler))
        .route("/api/v1/instance", get(instance_v1))
        .route("/api/v2/instance", get(instance_v2))
        .route(
            "/api/v1/accounts/verify_credentials",
            get(verify_credentials),
        )
        .route("/api/v2/filters", get(filters))
        .route("/api/v1/filters", get(filters_v1))
        .merge(crate::timelines::routes())
        .merge(crate::media::routes())
        .merge(crate::markers::routes())
        .route("/api/v1/lists", get(lists))
        .route(
            "/api/v1/apps",
            axum::routing::post(crate::oauth::register_app),
        )
        .route("/oauth/authorize", get(crate::oauth::authorize))
        .route("/oauth/token", axum::routing::post(crate::oauth::token))
        .route("/oauth/revoke", axum::routing::post(crate::oauth::revoke))
        .fallback(fallback)
        .layer(middleware::from_fn_with_state(shared.clone(), record))
        .with_state(shared)
}

async fn record(State(s): State<Arc<Shared>>, req: Request, next: Next) -> Response {
    let headers = req
        .headers()
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_ascii_lowercase(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    s.record(RecordedRequest {
        method: req.method().as_str().to_owned(),
        path: req.uri().path().to_owned(),
        query: req.uri().query().map(str::to_owned),
        headers,
    });
    next.run(req).await
}

/// A JSON error response `{"error": msg}`.
pub(crate) fn json_error(status: u16, msg: &str) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let body = serde_json::json!({ "error": msg }).to_string();
    json_response(status, body)
}

pub(crate) fn json_response(status: StatusCode, body: String) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json; charset=utf-8")],
        body,
    )
        .into_response()
}

pub(crate) fn not_found() -> Response {
    json_error(404, "Record not found")
}

/// The page of [`crate::Fault::Maintenance`]: GoToSocial's answer while it starts up.
fn maintenance_page() -> String {
    let mut page = format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<style>\n",
        crate::MAINTENANCE_TITLE
    );
    // Enough style to need more than one chunk, as the real page does.
    for i in 0..40 {
        page.push_str(&format!(
            ".notice-{i} {{ margin: 0 auto; padding: 1rem; color: #2b2b2b; }}\n"
        ));
    }
    page.push_str(
        "</style>\n</head>\n<body>\n<main>\n<h1>503: Service Unavailable</h1>\n\
         <p>This instance is starting up. Please try again in a couple of minutes.</p>\n\
         </main>\n</body>\n</html>\n",
    );
    page
}

/// `503`, `Retry-After: 120` and an HTML page in chunks of 2,048 bytes (`800` in hex), with
/// `Transfer-Encoding: chunked` (a streamed body of unknown length).
pub(crate) fn maintenance() -> Response {
    const CHUNK: usize = 2048;
    let page = bytes::Bytes::from(maintenance_page());
    let chunks: Vec<Result<bytes::Bytes, std::io::Error>> = (0..page.len())
        .step_by(CHUNK)
        .map(|at| Ok(page.slice(at..(at + CHUNK).min(page.len()))))
        .collect();
    let mut resp = (
        StatusCode::SERVICE_UNAVAILABLE,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        axum::body::Body::from_stream(futures_util::stream::iter(chunks)),
    )
        .into_response();
    resp.headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from_static("120"));
    resp
}

/// A refused WebSocket upgrade: the status, an empty body and `X-Error-Message`.
pub(crate) fn ws_refusal(status: u16, msg: &str, retry_after: Option<u64>) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut resp = status.into_response();
    let h = resp.headers_mut();
    if let Ok(v) = HeaderValue::from_str(msg) {
        h.insert("x-error-message", v);
    }
    if let Some(secs) = retry_after {
        h.insert(header::RETRY_AFTER, secs.into());
    }
    resp
}

/// The answer of [`crate::Fault::Redirect`]; `{self}` in `location` is the request's own URI.
pub(crate) fn redirect(status: u16, location: &str, uri: &Uri) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::FOUND);
    let own = uri.path_and_query().map_or("/", |p| p.as_str());
    let location = location.replace("{self}", own);
    let mut resp = status.into_response();
    if let Ok(v) = HeaderValue::from_str(&location) {
        resp.headers_mut().insert(header::LOCATION, v);
    }
    resp
}

/// Decoded query parameters (the last value wins for repeated names).
pub(crate) fn query_map(uri: &Uri) -> HashMap<String, String> {
    Query::<Vec<(String, String)>>::try_from_uri(uri)
        .map(|q| q.0.into_iter().collect())
        .unwrap_or_default()
}

/// Checks the token: `Authorization: Bearer` first, then `access_token`, then (WebSocket only)
/// `Sec-WebSocket-Protocol`. On success returns the protocol to echo back, if the token came
/// from there.
pub(crate) fn check_auth(
    s: &Shared,
    headers: &HeaderMap,
    q: &HashMap<String, String>,
    websocket: bool,
) -> Result<Option<String>, &'static str> {
    let mut from_protocol = None;
    let presented = if let Some(h) = headers.get(header::AUTHORIZATION) {
        let v = String::from_utf8_lossy(h.as_bytes()).trim().to_owned();
        match v.split_once(' ') {
            Some((scheme, rest)) if scheme.eq_ignore_ascii_case("bearer") => rest.trim().to_owned(),
            _ => v,
        }
    } else if let Some(t) = q.get("access_token") {
        t.clone()
    } else if let Some(p) = headers
        .get(header::SEC_WEBSOCKET_PROTOCOL)
        .filter(|_| websocket)
    {
        let v = String::from_utf8_lossy(p.as_bytes());
        let first = v.split(',').next().unwrap_or("").trim().to_owned();
        from_protocol = Some(first.clone());
        first
    } else {
        return Err("Missing access token");
    };
    if presented.is_empty() {
        return Err("Missing access token");
    }
    if presented != *lock(&s.token) && !crate::oauth::token_is_valid(s, &presented) {
        return Err("Invalid access token");
    }
    Ok(from_protocol)
}

/// Whether `id` appears as an `"id"` in the lists data.
pub(crate) fn list_exists(s: &Shared, id: &str) -> bool {
    let lists = lock(&s.lists).clone();
    let Ok(serde_json::Value::Array(items)) = serde_json::from_str(&lists) else {
        return false;
    };
    items.iter().any(|l| match l.get("id") {
        Some(serde_json::Value::String(x)) => x == id,
        Some(serde_json::Value::Number(n)) => n.to_string() == id,
        _ => false,
    })
}

/// `None` when authenticated, else the 401 response.
fn refuse_unauthenticated(s: &Shared, uri: &Uri, headers: &HeaderMap) -> Option<Response> {
    check_auth(s, headers, &query_map(uri), false)
        .err()
        .map(|msg| json_error(401, msg))
}

async fn health(State(s): State<Arc<Shared>>) -> Response {
    match s.flavor {
        Flavor::Mastodon => {
            (StatusCode::OK, [(header::CONTENT_TYPE, "text/plain")], "OK").into_response()
        }
        _ => not_found(),
    }
}

fn version(flavor: Flavor) -> &'static str {
    match flavor {
        Flavor::Mastodon => "4.3.0",
        Flavor::GoToSocial => "0.17.0 git-abc",
        Flavor::Pleroma => "2.7.2 (compatible; Pleroma 2.6.0)",
    }
}

async fn instance_v1(State(s): State<Arc<Shared>>) -> Response {
    let body = serde_json::json!({
        "uri": "127.0.0.1",
        "title": "Fake",
        "short_description": "A fake Mastodon server for tests",
        "description": "",
        "email": "admin@127.0.0.1",
        "version": version(s.flavor),
        "urls": { "streaming_api": s.advertised },
        "stats": { "user_count": 1, "status_count": 1, "domain_count": 1 },
        "languages": ["en"],
        "registrations": false,
        "approval_required": false,
        "invites_enabled": false,
        "configuration": {
            "statuses": { "max_characters": 500, "max_media_attachments": 4 }
        },
    });
    json_response(StatusCode::OK, body.to_string())
}

async fn instance_v2(State(s): State<Arc<Shared>>) -> Response {
    if s.flavor == Flavor::Pleroma {
        return not_found();
    }
    let body = serde_json::json!({
        "domain": "127.0.0.1",
        "title": "Fake",
        "version": version(s.flavor),
        "source_url": "https://github.com/mastodon/mastodon",
        "description": "A fake Mastodon server for tests",
        "languages": ["en"],
        "configuration": {
            "urls": { "streaming": s.advertised },
            "statuses": { "max_characters": 500, "max_media_attachments": 4 },
        },
        "registrations": { "enabled": false, "approval_required": false },
    });
    json_response(StatusCode::OK, body.to_string())
}

async fn verify_credentials(
    State(s): State<Arc<Shared>>,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    if let Some(r) = refuse_unauthenticated(&s, &uri, &headers) {
        return r;
    }
    let body = serde_json::json!({
        "id": "1",
        "username": "tester",
        "acct": "tester",
        "display_name": "Test User",
        "locked": false,
        "bot": false,
        "discoverable": true,
        "group": false,
        "created_at": "2024-01-01T00:00:00.000Z",
        "note": "<p>I test things.</p>",
        "url": "http://127.0.0.1/@tester",
        "uri": "http://127.0.0.1/users/tester",
        "avatar": "http://127.0.0.1/avatars/original/missing.png",
        "avatar_static": "http://127.0.0.1/avatars/original/missing.png",
        "header": "http://127.0.0.1/headers/original/missing.png",
        "header_static": "http://127.0.0.1/headers/original/missing.png",
        "followers_count": 3,
        "following_count": 5,
        "statuses_count": 7,
        "last_status_at": "2024-11-01",
        "emojis": [],
        "fields": [],
        "source": { "privacy": "public", "sensitive": false, "language": "en", "note": "I test things.", "fields": [] },
    });
    json_response(StatusCode::OK, body.to_string())
}

async fn filters(State(s): State<Arc<Shared>>, uri: Uri, headers: HeaderMap) -> Response {
    if let Some(r) = refuse_unauthenticated(&s, &uri, &headers) {
        return r;
    }
    // Pleroma and Akkoma have only v1 filters.
    if s.flavor == Flavor::Pleroma {
        return not_found();
    }
    let body = lock(&s.filters).clone();
    json_response(StatusCode::OK, body)
}

/// The v2 filters set ([`crate::FakeServer::set_filters`]) as v1 has them: one per keyword,
/// `irreversible` for a `hide` action.
async fn filters_v1(State(s): State<Arc<Shared>>, uri: Uri, headers: HeaderMap) -> Response {
    if let Some(r) = refuse_unauthenticated(&s, &uri, &headers) {
        return r;
    }
    let v2: Vec<serde_json::Value> = serde_json::from_str(&lock(&s.filters)).unwrap_or_default();
    let v1: Vec<serde_json::Value> = v2
        .iter()
        .flat_map(|f| {
            let keywords = f["keywords"].as_array().cloned().unwrap_or_default();
            keywords.into_iter().map(move |k| {
                serde_json::json!({
                    "id": k["id"],
                    "phrase": k["keyword"],
                    "context": f["context"],
                    "expires_at": f["expires_at"],
                    "irreversible": f["filter_action"] == "hide",
                    "whole_word": k["whole_word"],
                })
            })
        })
        .collect();
    json_response(StatusCode::OK, serde_json::Value::from(v1).to_string())
}

async fn lists(State(s): State<Arc<Shared>>, uri: Uri, headers: HeaderMap) -> Response {
    if let Some(r) = refuse_unauthenticated(&s, &uri, &headers) {
        return r;
    }
    let body = lock(&s.lists).clone();
    json_response(StatusCode::OK, body)
}

/// Overrides set with `set_rest_response`, then empty timelines / notifications, else 404.
async fn fallback(
    State(s): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let path = uri.path();
    if !path.starts_with("/api/") {
        return not_found();
    }
    if let Some(r) = refuse_unauthenticated(&s, &uri, &headers) {
        return r;
    }
    if method == Method::GET {
        if let Some(body) = lock(&s.rest_overrides).get(path).cloned() {
            return json_response(StatusCode::OK, body);
        }
        if path.starts_with("/api/v1/timelines/") || path == "/api/v1/notifications" {
            return json_response(StatusCode::OK, "[]".to_owned());
        }
    }
    not_found()
}
