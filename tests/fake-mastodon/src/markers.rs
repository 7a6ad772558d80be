//! `/api/v1/markers` (read and write the home and notifications read positions) and
//! `/api/v1/apps/verify_credentials` (the token's scopes, when a test sets them).

use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::Response;
use axum::routing::get;

use crate::rest::{check_auth, json_error, json_response, not_found, query_map};
use crate::{FakeServer, Shared, lock};

/// What the server keeps of markers, and every post it took.
#[derive(Debug, Clone, Default)]
pub(crate) struct MarkerState {
    home: Option<String>,
    notifications: Option<String>,
    /// The form fields of each accepted `POST /api/v1/markers`, in order.
    posts: Vec<Vec<(String, String)>>,
    /// The main token's scopes: `None` lists none (404, as before Mastodon 4.3) and lets it
    /// write; `Some` lists them as the app's (`apps/verify_credentials`) and refuses a post
    /// without `write` or `write:statuses`.
    scopes: Option<Vec<String>>,
    /// How long a post takes to be answered; it counts only if the client waits that long.
    delay: std::time::Duration,
}

pub(crate) fn routes() -> Router<Arc<Shared>> {
    Router::new()
        .route("/api/v1/markers", get(read).post(write))
        .route("/api/v1/apps/verify_credentials", get(app))
}

fn refuse(s: &Shared, uri: &Uri, headers: &HeaderMap) -> Option<Response> {
    check_auth(s, headers, &query_map(uri), false)
        .err()
        .map(|msg| json_error(401, msg))
}

async fn read(State(s): State<Arc<Shared>>, uri: Uri, headers: HeaderMap) -> Response {
    if let Some(r) = refuse(&s, &uri, &headers) {
        return r;
    }
    let m = lock(&s.markers).clone();
    let mut body = serde_json::Map::new();
    let marker = |id: &str| {
        serde_json::json!({
            "last_read_id": id, "version": 1, "updated_at": "2026-12-06T12:00:00.000Z"
        })
    };
    if let Some(id) = &m.home {
        body.insert("home".into(), marker(id));
    }
    if let Some(id) = &m.notifications {
        body.insert("notifications".into(), marker(id));
    }
    json_response(StatusCode::OK, serde_json::Value::Object(body).to_string())
}

async fn write(
    State(s): State<Arc<Shared>>,
    uri: Uri,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    if let Some(r) = refuse(&s, &uri, &headers) {
        return r;
    }
    // A client that goes away meanwhile drops this handler: its post is not kept.
    let delay = lock(&s.markers).delay;
    tokio::time::sleep(delay).await;
    let mut m = lock(&s.markers);
    if let Some(scopes) = &m.scopes
        && !scopes.iter().any(|s| s == "write" || s == "write:statuses")
    {
        return json_error(403, "This action is outside the authorized scopes");
    }
    let Ok(fields) = form_pairs(&body) else {
        return json_error(422, "Validation failed");
    };
    for (k, v) in &fields {
        match k.as_str() {
            "home[last_read_id]" => m.home = Some(v.clone()),
            "notifications[last_read_id]" => m.notifications = Some(v.clone()),
            _ => {}
        }
    }
    m.posts.push(fields);
    drop(m);
    s.hub.notify_change();
    json_response(StatusCode::OK, "{}".to_owned())
}

/// `application/x-www-form-urlencoded` pairs, decoded.
fn form_pairs(body: &[u8]) -> Result<Vec<(String, String)>, ()> {
    let uri: Uri = format!("/?{}", std::str::from_utf8(body).map_err(|_| ())?)
        .parse()
        .map_err(|_| ())?;
    Ok(
        axum::extract::Query::<Vec<(String, String)>>::try_from_uri(&uri)
            .map_err(|_| ())?
            .0,
    )
}

async fn app(State(s): State<Arc<Shared>>, uri: Uri, headers: HeaderMap) -> Response {
    if let Some(r) = refuse(&s, &uri, &headers) {
        return r;
    }
    match lock(&s.markers).scopes.clone() {
        Some(scopes) => json_response(
            StatusCode::OK,
            serde_json::json!({ "name": "tootwatch", "scopes": scopes }).to_string(),
        ),
        None => not_found(),
    }
}

impl FakeServer {
    /// What `GET /api/v1/markers` answers (`None`: no marker of that timeline).
    pub fn set_markers(&self, home: Option<&str>, notifications: Option<&str>) {
        let mut m = lock(&self.shared.markers);
        m.home = home.map(str::to_owned);
        m.notifications = notifications.map(str::to_owned);
    }

    /// The markers as posted so far: (home, notifications).
    pub fn markers(&self) -> (Option<String>, Option<String>) {
        let m = lock(&self.shared.markers);
        (m.home.clone(), m.notifications.clone())
    }

    /// The form fields of every accepted `POST /api/v1/markers`.
    pub fn marker_posts(&self) -> Vec<Vec<(String, String)>> {
        lock(&self.shared.markers).posts.clone()
    }

    /// The main token's scopes, listed by `/api/v1/apps/verify_credentials` as Mastodon
    /// lists its app's; a post of markers without a write scope is refused (403).
    pub fn set_token_scopes(&self, scopes: &str) {
        lock(&self.shared.markers).scopes =
            Some(scopes.split_whitespace().map(str::to_owned).collect());
    }

    /// Posts of markers are answered (and kept) only after `delay`, if the client still waits.
    pub fn set_markers_delay(&self, delay: std::time::Duration) {
        lock(&self.shared.markers).delay = delay;
    }

    /// Waits until `n` posts of markers were accepted.
    pub async fn wait_marker_posts(&self, n: usize) {
        self.wait_until(|s| lock(&s.markers).posts.len() >= n).await
    }
}
