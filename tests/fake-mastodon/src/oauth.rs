//! OAuth as Mastodon does it: `POST /api/v1/apps`, `GET /oauth/authorize` (approved at once,
//! as the test user), `POST /oauth/token` (authorization code, PKCE S256 checked for presence)
//! and `POST /oauth/revoke`. Tokens granted here are valid on the whole server, alongside
//! [`Options::token`](crate::Options::token), until revoked.
//!
//! `GET /oauth/authorize` answers a `302` to `redirect_uri?code=CODE&state=STATE`, or, for the
//! out-of-band redirect `urn:ietf:wg:oauth:2.0:oob`, an HTML page with the code in
//! `<code class="oauth-code">CODE</code>` (see [`code_from_page`]).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};

use crate::rest::{json_error, json_response, query_map};
use crate::{FakeServer, Shared, lock};

pub const OOB_REDIRECT: &str = "urn:ietf:wg:oauth:2.0:oob";

/// An app registered with `POST /api/v1/apps`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OAuthApp {
    pub name: String,
    pub client_id: String,
    pub client_secret: String,
    pub redirect_uris: Vec<String>,
    pub scopes: Vec<String>,
}

struct PendingCode {
    client_id: String,
    redirect_uri: String,
    scopes: String,
    challenge: Option<String>,
}

#[derive(Default)]
pub(crate) struct OAuthState {
    next: u64,
    /// Refuse registrations with more than one redirect URI, as some servers do.
    single_redirect_uri: bool,
    apps: Vec<OAuthApp>,
    codes: HashMap<String, PendingCode>,
    issued: Vec<String>,
    revoked: Vec<String>,
    pkce: Vec<(String, String)>,
}

impl OAuthState {
    fn next(&mut self) -> u64 {
        self.next += 1;
        self.next
    }
}

/// Whether `token` was granted by `/oauth/token` and not revoked since.
pub(crate) fn token_is_valid(s: &Shared, token: &str) -> bool {
    lock(&s.oauth).issued.iter().any(|t| t == token)
}

/// The code of the out-of-band page that `GET /oauth/authorize` answers.
pub fn code_from_page(html: &str) -> Option<String> {
    let start = html.find("<code class=\"oauth-code\">")? + "<code class=\"oauth-code\">".len();
    let len = html[start..].find("</code>")?;
    Some(html[start..start + len].to_owned())
}

impl FakeServer {
    /// Apps registered so far, in order.
    pub fn registered_apps(&self) -> Vec<OAuthApp> {
        lock(&self.shared.oauth).apps.clone()
    }

    /// Tokens granted by `/oauth/token` and still valid, in order.
    pub fn issued_tokens(&self) -> Vec<String> {
        lock(&self.shared.oauth).issued.clone()
    }

    /// Tokens named in a `POST /oauth/revoke` by their app, in order.
    pub fn revoked_tokens(&self) -> Vec<String> {
        lock(&self.shared.oauth).revoked.clone()
    }

    /// `(code_challenge, code_verifier)` of every code exchanged with PKCE.
    pub fn pkce_pairs(&self) -> Vec<(String, String)> {
        lock(&self.shared.oauth).pkce.clone()
    }

    /// Makes `POST /api/v1/apps` refuse (422) more than one redirect URI.
    pub fn set_single_redirect_uri(&self, single: bool) {
        lock(&self.shared.oauth).single_redirect_uri = single;
    }
}

/// Parameters of a form or JSON body; arrays become lines (as Mastodon joins redirect URIs).
fn params(headers: &HeaderMap, body: &Bytes) -> HashMap<String, String> {
    let json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if json {
        let Ok(serde_json::Value::Object(map)) = serde_json::from_slice(body) else {
            return HashMap::new();
        };
        return map
            .into_iter()
            .map(|(k, v)| {
                let v = match v {
                    serde_json::Value::String(s) => s,
                    serde_json::Value::Array(items) => items
                        .iter()
                        .filter_map(|i| i.as_str())
                        .collect::<Vec<_>>()
                        .join("\n"),
                    other => other.to_string(),
                };
                (k, v)
            })
            .collect();
    }
    let text = String::from_utf8_lossy(body);
    let Ok(uri) = Uri::try_from(format!("/?{}", text.trim())) else {
        return HashMap::new();
    };
    let mut out: HashMap<String, String> = HashMap::new();
    for (k, v) in Query::<Vec<(String, String)>>::try_from_uri(&uri)
        .map(|q| q.0)
        .unwrap_or_default()
    {
        // `redirect_uris[]=a&redirect_uris[]=b` as well as one value with newlines.
        let k = k.trim_end_matches("[]").to_owned();
        match out.get_mut(&k) {
            Some(existing) => {
                existing.push('\n');
                existing.push_str(&v);
            }
            None => {
                out.insert(k, v);
            }
        }
    }
    out
}

fn oauth_error(status: u16, error: &str, description: &str) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST);
    let body = serde_json::json!({ "error": error, "error_description": description });
    json_response(status, body.to_string())
}

fn percent_encode(s: &str) -> String {
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

/// `POST /api/v1/apps`
pub(crate) async fn register_app(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let p = params(&headers, &body);
    let name = p.get("client_name").cloned().unwrap_or_default();
    let uris: Vec<String> = p
        .get("redirect_uris")
        .or_else(|| p.get("redirect_uri"))
        .map(|u| {
            u.lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default();
    if name.trim().is_empty() {
        return json_error(422, "Validation failed: Application name can't be blank");
    }
    if uris.is_empty() || uris.iter().any(|u| !u.contains(':')) {
        return json_error(
            422,
            "Validation failed: Redirect URI must be an absolute URI.",
        );
    }
    let mut state = lock(&s.oauth);
    if state.single_redirect_uri && uris.len() > 1 {
        return json_error(422, "Validation failed: Redirect URI must be a single URI.");
    }
    let scopes: Vec<String> = p
        .get("scopes")
        .map(|s| s.split_whitespace().map(str::to_owned).collect())
        .filter(|v: &Vec<String>| !v.is_empty())
        .unwrap_or_else(|| vec!["read".to_owned()]);
    let n = state.next();
    let app = OAuthApp {
        name: name.clone(),
        client_id: format!("fake-client-{n}"),
        client_secret: format!("fake-secret-{n}-{}", nonce()),
        redirect_uris: uris.clone(),
        scopes: scopes.clone(),
    };
    state.apps.push(app.clone());
    let body = serde_json::json!({
        "id": n.to_string(),
        "name": name,
        "website": p.get("website"),
        "scopes": scopes,
        "redirect_uri": uris.join("\n"),
        "redirect_uris": uris,
        "client_id": app.client_id,
        "client_secret": app.client_secret,
        "vapid_key": "",
    });
    json_response(StatusCode::OK, body.to_string())
}

/// `GET /oauth/authorize`: approved at once.
pub(crate) async fn authorize(State(s): State<Arc<Shared>>, uri: Uri) -> Response {
    let q = query_map(&uri);
    let get = |k: &str| q.get(k).cloned().unwrap_or_default();
    if get("response_type") != "code" {
        return oauth_error(
            400,
            "unsupported_response_type",
            "response_type must be code",
        );
    }
    let mut state = lock(&s.oauth);
    let Some(app) = state
        .apps
        .iter()
        .find(|a| a.client_id == get("client_id"))
        .cloned()
    else {
        return oauth_error(401, "invalid_client", "Client authentication failed");
    };
    let redirect_uri = get("redirect_uri");
    if !app.redirect_uris.contains(&redirect_uri) {
        return oauth_error(
            400,
            "invalid_redirect_uri",
            "The redirect uri included is not valid.",
        );
    }
    let scopes = q
        .get("scope")
        .map(|s| s.split_whitespace().map(str::to_owned).collect::<Vec<_>>())
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| app.scopes.clone());
    if scopes.iter().any(|s| !app.scopes.contains(s)) {
        return oauth_error(400, "invalid_scope", "The requested scope is invalid.");
    }
    let challenge = q.get("code_challenge").filter(|c| !c.is_empty()).cloned();
    if challenge.is_some() && get("code_challenge_method") != "S256" {
        return oauth_error(400, "invalid_request", "code_challenge_method must be S256");
    }
    let code = format!("fake-code-{}-{}", state.next(), nonce());
    state.codes.insert(
        code.clone(),
        PendingCode {
            client_id: app.client_id.clone(),
            redirect_uri: redirect_uri.clone(),
            scopes: scopes.join(" "),
            challenge,
        },
    );
    drop(state);
    if redirect_uri == OOB_REDIRECT {
        let html = format!(
            "<!DOCTYPE html><html><head><title>Authorization code</title></head><body><p>Copy this authorization code and paste it into the application.</p><code class=\"oauth-code\">{code}</code></body></html>"
        );
        return (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            html,
        )
            .into_response();
    }
    let sep = if redirect_uri.contains('?') { '&' } else { '?' };
    let mut location = format!("{redirect_uri}{sep}code={}", percent_encode(&code));
    if let Some(st) = q.get("state") {
        location.push_str(&format!("&state={}", percent_encode(st)));
    }
    (StatusCode::FOUND, [(header::LOCATION, location)]).into_response()
}

/// `POST /oauth/token`
pub(crate) async fn token(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let p = params(&headers, &body);
    let get = |k: &str| p.get(k).cloned().unwrap_or_default();
    if get("grant_type") != "authorization_code" {
        return oauth_error(
            400,
            "unsupported_grant_type",
            "only authorization_code here",
        );
    }
    let mut state = lock(&s.oauth);
    let client_ok = state
        .apps
        .iter()
        .any(|a| a.client_id == get("client_id") && a.client_secret == get("client_secret"));
    if !client_ok {
        return oauth_error(401, "invalid_client", "Client authentication failed");
    }
    let invalid_grant = || {
        oauth_error(
            400,
            "invalid_grant",
            "The provided authorization grant is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client.",
        )
    };
    // A code works once, even when the attempt fails.
    let Some(pending) = state.codes.remove(&get("code")) else {
        return invalid_grant();
    };
    if pending.client_id != get("client_id") || pending.redirect_uri != get("redirect_uri") {
        return invalid_grant();
    }
    if let Some(challenge) = &pending.challenge {
        let verifier = get("code_verifier");
        if verifier.len() < 43 {
            return invalid_grant();
        }
        state.pkce.push((challenge.clone(), verifier));
    }
    let token = format!("fake-oauth-token-{}-{}", state.next(), nonce());
    state.issued.push(token.clone());
    let created_at = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let body = serde_json::json!({
        "access_token": token,
        "token_type": "Bearer",
        "scope": pending.scopes,
        "created_at": created_at,
    });
    json_response(StatusCode::OK, body.to_string())
}

/// `POST /oauth/revoke`
pub(crate) async fn revoke(
    State(s): State<Arc<Shared>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let p = params(&headers, &body);
    let get = |k: &str| p.get(k).cloned().unwrap_or_default();
    let mut state = lock(&s.oauth);
    let client_ok = state
        .apps
        .iter()
        .any(|a| a.client_id == get("client_id") && a.client_secret == get("client_secret"));
    if !client_ok {
        return oauth_error(
            403,
            "unauthorized_client",
            "You are not authorized to revoke this token",
        );
    }
    let token = get("token");
    state.issued.retain(|t| *t != token);
    state.revoked.push(token);
    json_response(StatusCode::OK, "{}".to_owned())
}

/// A few unpredictable characters, so tokens of different runs differ.
fn nonce() -> String {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0),
    );
    format!("{:016x}", h.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_come_out_of_the_page() {
        let html = "<p>x</p><code class=\"oauth-code\">fake-code-1-ab</code></body>";
        assert_eq!(code_from_page(html).as_deref(), Some("fake-code-1-ab"));
        assert_eq!(code_from_page("<p>nothing</p>"), None);
    }

    #[test]
    fn form_and_json_bodies() {
        let mut form = HeaderMap::new();
        form.insert(
            header::CONTENT_TYPE,
            "application/x-www-form-urlencoded".parse().unwrap(),
        );
        let p = params(
            &form,
            &Bytes::from("client_name=tw&redirect_uris=urn%3Aa%0Ahttp%3A%2F%2Fx&scopes=read+write"),
        );
        assert_eq!(p["redirect_uris"], "urn:a\nhttp://x");
        assert_eq!(p["scopes"], "read write");
        let p = params(
            &form,
            &Bytes::from("redirect_uris[]=urn%3Aa&redirect_uris[]=http%3A%2F%2Fx"),
        );
        assert_eq!(p["redirect_uris"], "urn:a\nhttp://x");
        let mut json = HeaderMap::new();
        json.insert(header::CONTENT_TYPE, "application/json".parse().unwrap());
        let p = params(
            &json,
            &Bytes::from(r#"{"client_name":"tw","redirect_uris":["urn:a","http://x"]}"#),
        );
        assert_eq!(p["redirect_uris"], "urn:a\nhttp://x");
        assert_eq!(percent_encode("a b/c"), "a%20b%2Fc");
    }
}
