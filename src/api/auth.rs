//! OAuth 2 with a Mastodon server: app registration, the authorize URL (with PKCE S256), the
//! loopback redirect listener, the code exchange and token revocation. No terminal, no files:
//! `crate::accounts` drives the sign-in and keeps what it yields.

use std::fmt;
use std::time::Duration;

use serde::Deserialize;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use url::Url;

use super::{ApiError, MAX_BODY_BYTES};
use crate::http::describe_reqwest;

/// The out-of-band redirect: the server shows the code for the user to paste.
pub(crate) const OOB_REDIRECT: &str = "urn:ietf:wg:oauth:2.0:oob";

/// The path of the loopback redirect (`http://127.0.0.1:PORT/callback`).
const CALLBACK_PATH: &str = "/callback";

const CLIENT_NAME: &str = "tootwatch";
const WEBSITE: &str = "https://github.com/tootwatch/tootwatch";

/// A registered application: what `POST /api/v1/apps` answered.
#[derive(Clone, PartialEq, Eq, serde::Serialize, Deserialize)]
pub(crate) struct App {
    pub client_id: String,
    pub client_secret: String,
    /// The redirect URIs it was registered with.
    pub redirect_uris: Vec<String>,
    /// Space-separated, as registered.
    pub scopes: String,
}

impl fmt::Debug for App {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("App")
            .field("client_id", &self.client_id)
            .field("client_secret", &"<redacted>")
            .field("redirect_uris", &self.redirect_uris)
            .field("scopes", &self.scopes)
            .finish()
    }
}

impl App {
    /// The loopback redirect URI it was registered with, if any.
    pub(crate) fn loopback_redirect(&self) -> Option<&str> {
        self.redirect_uris
            .iter()
            .map(String::as_str)
            .find(|u| loopback_port(u).is_some())
    }
}

/// `http://127.0.0.1:PORT/callback` for a port.
pub(crate) fn loopback_redirect_uri(port: u16) -> String {
    format!("http://127.0.0.1:{port}{CALLBACK_PATH}")
}

/// The port of a loopback redirect URI of ours.
pub(crate) fn loopback_port(uri: &str) -> Option<u16> {
    let url = Url::parse(uri).ok()?;
    (url.scheme() == "http" && url.host_str() == Some("127.0.0.1") && url.path() == CALLBACK_PATH)
        .then(|| url.port())
        .flatten()
}

/// What `POST /oauth/token` grants. The token never appears in `Debug`.
#[derive(Clone, Deserialize)]
pub struct Grant {
    pub access_token: String,
    #[serde(default)]
    pub scope: Option<String>,
}

impl fmt::Debug for Grant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Grant")
            .field("access_token", &"<redacted>")
            .field("scope", &self.scope)
            .finish()
    }
}

/// One sign-in attempt: the state checked on the redirect and the PKCE verifier.
pub(crate) struct Attempt {
    pub state: String,
    pub verifier: String,
}

impl Attempt {
    pub(crate) fn new() -> Result<Attempt, ApiError> {
        Ok(Attempt {
            state: random_string(24)?,
            verifier: random_string(48)?,
        })
    }
}

/// The OAuth client for one server.
pub(crate) struct OAuth {
    pub base: Url,
    http: reqwest::Client,
    timeout: Duration,
}

impl OAuth {
    pub(crate) fn new(base: Url, http: reqwest::Client, timeout: Duration) -> OAuth {
        OAuth {
            base,
            http,
            timeout,
        }
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

    async fn post_form<T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        form: &[(&str, &str)],
    ) -> Result<T, ApiError> {
        let response = self
            .http
            .post(self.url(path))
            .timeout(self.timeout)
            .header(reqwest::header::ACCEPT, "application/json")
            .form(form)
            .send()
            .await
            .map_err(|e| ApiError::Network(describe_reqwest(e)))?;
        let status = response.status();
        let body = crate::http::read_body(response, MAX_BODY_BYTES).await?;
        if !status.is_success() {
            return Err(ApiError::Status {
                status: status.as_u16(),
                message: oauth_error_message(status.as_u16(), &body),
            });
        }
        serde_json::from_slice(&body).map_err(|e| ApiError::Decode(e.to_string()))
    }

    /// `POST /api/v1/apps` with several redirect URIs (one per line, as Mastodon takes them).
    pub(crate) async fn register(
        &self,
        redirect_uris: &[String],
        scopes: &str,
    ) -> Result<App, ApiError> {
        #[derive(Deserialize)]
        struct Registered {
            client_id: Option<String>,
            client_secret: Option<String>,
        }
        let joined = redirect_uris.join("\n");
        let registered: Registered = self
            .post_form(
                "api/v1/apps",
                &[
                    ("client_name", CLIENT_NAME),
                    ("redirect_uris", &joined),
                    ("scopes", scopes),
                    ("website", WEBSITE),
                ],
            )
            .await?;
        match (registered.client_id, registered.client_secret) {
            (Some(client_id), Some(client_secret))
                if !client_id.is_empty() && !client_secret.is_empty() =>
            {
                Ok(App {
                    client_id,
                    client_secret,
                    redirect_uris: redirect_uris.to_vec(),
                    scopes: scopes.to_string(),
                })
            }
            _ => Err(ApiError::Decode(
                "the registered app has no client_id or client_secret".into(),
            )),
        }
    }

    /// `/oauth/authorize?response_type=code&...` with PKCE S256.
    pub(crate) fn authorize_url(&self, app: &App, redirect_uri: &str, attempt: &Attempt) -> Url {
        let mut url = self.url("oauth/authorize");
        url.query_pairs_mut()
            .append_pair("response_type", "code")
            .append_pair("client_id", &app.client_id)
            .append_pair("redirect_uri", redirect_uri)
            .append_pair("scope", &app.scopes)
            .append_pair("state", &attempt.state)
            .append_pair("code_challenge", &pkce_challenge(&attempt.verifier))
            .append_pair("code_challenge_method", "S256");
        url
    }

    /// `POST /oauth/token` with `grant_type=authorization_code`.
    pub(crate) async fn exchange(
        &self,
        app: &App,
        code: &str,
        redirect_uri: &str,
        attempt: &Attempt,
    ) -> Result<Grant, ApiError> {
        let grant: Grant = self
            .post_form(
                "oauth/token",
                &[
                    ("grant_type", "authorization_code"),
                    ("code", code),
                    ("client_id", &app.client_id),
                    ("client_secret", &app.client_secret),
                    ("redirect_uri", redirect_uri),
                    ("scope", &app.scopes),
                    ("code_verifier", &attempt.verifier),
                ],
            )
            .await?;
        if grant.access_token.trim().is_empty() {
            return Err(ApiError::Decode("the server granted an empty token".into()));
        }
        Ok(grant)
    }

    /// `POST /oauth/revoke`.
    pub(crate) async fn revoke(
        &self,
        client_id: &str,
        client_secret: &str,
        token: &str,
    ) -> Result<(), ApiError> {
        self.post_form::<serde::de::IgnoredAny>(
            "oauth/revoke",
            &[
                ("client_id", client_id),
                ("client_secret", client_secret),
                ("token", token),
            ],
        )
        .await
        .map(|_| ())
    }
}

/// OAuth errors come as `{"error": "invalid_grant", "error_description": "..."}`.
fn oauth_error_message(status: u16, body: &[u8]) -> String {
    #[derive(Deserialize)]
    struct OAuthError {
        error: String,
        #[serde(default)]
        error_description: Option<String>,
    }
    match serde_json::from_slice::<OAuthError>(body) {
        Ok(OAuthError {
            error,
            error_description: Some(d),
        }) if !d.trim().is_empty() => {
            crate::sanitize::sanitize_line(&format!("{error}: {d}")).into_owned()
        }
        _ => crate::http::refusal_message(status, None, body),
    }
}

/// Scopes as the user typed them (`"read write"`, `"read,write:statuses"`): checked, deduplicated,
/// space-separated.
pub(crate) fn normalize_scopes(text: &str) -> Result<String, String> {
    let mut out: Vec<&str> = Vec::new();
    for scope in text.split(|c: char| c.is_whitespace() || c == ',') {
        if scope.is_empty() {
            continue;
        }
        if !scope
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, ':' | '_' | '-'))
        {
            return Err(format!(
                "`{scope}` is not an OAuth scope (such as read, write, read:statuses)"
            ));
        }
        if !out.contains(&scope) {
            out.push(scope);
        }
    }
    if out.is_empty() {
        return Err("no scopes given (tootwatch needs at least `read`)".into());
    }
    Ok(out.join(" "))
}

/// The PKCE S256 challenge of a verifier: base64url(SHA-256(verifier)) without padding.
pub fn pkce_challenge(verifier: &str) -> String {
    crate::platform::base64url(&sha256(verifier.as_bytes()))
}

fn sha256(data: &[u8]) -> Vec<u8> {
    // rustls' ring provider is already in the binary; its SHA-256 is the one of this suite.
    let suite = rustls::crypto::ring::cipher_suite::TLS13_AES_128_GCM_SHA256;
    let tls13 = suite.tls13().expect("a TLS 1.3 suite");
    tls13.common.hash_provider.hash(data).as_ref().to_vec()
}

/// `len` characters of base64url from the operating system's secure random source.
fn random_string(len: usize) -> Result<String, ApiError> {
    let mut bytes = vec![0u8; len.div_ceil(4) * 3];
    rustls::crypto::ring::default_provider()
        .secure_random
        .fill(&mut bytes)
        .map_err(|_| ApiError::Network("no secure random numbers on this system".into()))?;
    let mut s = crate::platform::base64url(&bytes);
    s.truncate(len);
    Ok(s)
}

/// What arrived on the loopback redirect.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Callback {
    Code(String),
    /// The server (or the user) refused: `error` and its description.
    Refused(String),
}

/// Serves `GET /callback?code=..&state=..` on a bound loopback listener and sends the first
/// callback whose `state` matches. Other requests get a 404 or 400 page; it keeps listening.
pub(crate) async fn serve_callbacks(
    listener: TcpListener,
    state: String,
    tx: mpsc::Sender<Callback>,
) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let state = state.clone();
        let tx = tx.clone();
        tokio::spawn(async move {
            let _ = tokio::time::timeout(
                Duration::from_secs(10),
                answer_callback(stream, &state, &tx),
            )
            .await;
        });
    }
}

async fn answer_callback(
    mut stream: TcpStream,
    state: &str,
    tx: &mpsc::Sender<Callback>,
) -> std::io::Result<()> {
    let mut head = Vec::new();
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = stream.read(&mut buf).await?;
        if n == 0 || head.len() > 16 * 1024 {
            return Ok(());
        }
        head.extend_from_slice(&buf[..n]);
    }
    let head = String::from_utf8_lossy(&head);
    let target = head
        .lines()
        .next()
        .and_then(|l| l.strip_prefix("GET "))
        .and_then(|l| l.split(' ').next())
        .unwrap_or("");
    let (status, body) = match parse_callback(target, state) {
        Some(Ok(callback)) => {
            let page = match &callback {
                Callback::Code(_) => "Signed in. tootwatch has the code: you can close this tab.",
                Callback::Refused(_) => {
                    "The sign-in was refused. You can close this tab; tootwatch says why."
                }
            };
            let _ = tx.send(callback).await;
            ("200 OK", page)
        }
        Some(Err(())) => (
            "400 Bad Request",
            "This link is not from the sign-in that tootwatch is waiting for (its state does not match).",
        ),
        None => ("404 Not Found", "Nothing here."),
    };
    let html = format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>tootwatch</title></head><body><p>{body}</p></body></html>"
    );
    let response = format!(
        "HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n{html}",
        html.len()
    );
    stream.write_all(response.as_bytes()).await?;
    stream.shutdown().await
}

/// `None`: not the callback path. `Some(Err)`: the state does not match.
pub(crate) fn parse_callback(target: &str, state: &str) -> Option<Result<Callback, ()>> {
    let url = Url::parse(&format!("http://127.0.0.1{target}")).ok()?;
    if url.path() != CALLBACK_PATH {
        return None;
    }
    let get = |name: &str| {
        url.query_pairs()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    };
    if get("state").as_deref() != Some(state) {
        return Some(Err(()));
    }
    if let Some(code) = get("code").filter(|c| !c.is_empty()) {
        return Some(Ok(Callback::Code(code)));
    }
    let error = get("error").unwrap_or_else(|| "no code".into());
    let text = match get("error_description") {
        Some(d) => format!("{error}: {d}"),
        None => error,
    };
    Some(Ok(Callback::Refused(
        crate::sanitize::sanitize_line(&text).into_owned(),
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pkce_matches_rfc_7636_appendix_b() {
        assert_eq!(
            pkce_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn random_strings_are_long_and_differ() {
        let a = random_string(48).unwrap();
        let b = random_string(48).unwrap();
        assert_eq!(a.len(), 48);
        assert_ne!(a, b);
        assert!(
            a.bytes()
                .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
        );
    }

    #[test]
    fn callbacks_need_the_state() {
        assert_eq!(
            parse_callback("/callback?code=abc&state=s1", "s1"),
            Some(Ok(Callback::Code("abc".into())))
        );
        assert_eq!(
            parse_callback("/callback?code=abc&state=s2", "s1"),
            Some(Err(()))
        );
        assert_eq!(parse_callback("/callback?code=abc", "s1"), Some(Err(())));
        assert_eq!(parse_callback("/favicon.ico", "s1"), None);
        assert_eq!(
            parse_callback(
                "/callback?error=access_denied&error_description=The+user+said+no&state=s1",
                "s1"
            ),
            Some(Ok(Callback::Refused(
                "access_denied: The user said no".into()
            )))
        );
    }

    #[test]
    fn loopback_uris_carry_their_port() {
        assert_eq!(loopback_port(&loopback_redirect_uri(4567)), Some(4567));
        assert_eq!(loopback_port(OOB_REDIRECT), None);
        assert_eq!(loopback_port("http://127.0.0.1/callback"), None);
        assert_eq!(loopback_port("https://127.0.0.1:3/callback"), None);
    }

    #[test]
    fn the_authorize_url_has_everything() {
        let http = super::super::http_client(Duration::from_secs(1)).unwrap();
        let oauth = OAuth::new(
            "https://ex.com/".parse().unwrap(),
            http,
            Duration::from_secs(1),
        );
        let app = App {
            client_id: "cid".into(),
            client_secret: "secret".into(),
            redirect_uris: vec![OOB_REDIRECT.into()],
            scopes: "read write".into(),
        };
        let attempt = Attempt {
            state: "st".into(),
            verifier: "v".into(),
        };
        let url = oauth.authorize_url(&app, OOB_REDIRECT, &attempt);
        assert_eq!(url.path(), "/oauth/authorize");
        let q: std::collections::HashMap<_, _> = url.query_pairs().into_owned().collect();
        assert_eq!(q["response_type"], "code");
        assert_eq!(q["client_id"], "cid");
        assert_eq!(q["redirect_uri"], OOB_REDIRECT);
        assert_eq!(q["scope"], "read write");
        assert_eq!(q["state"], "st");
        assert_eq!(q["code_challenge"], pkce_challenge("v"));
        assert_eq!(q["code_challenge_method"], "S256");
        assert!(!url.as_str().contains("secret"));
        assert!(!format!("{app:?}").contains("secret\""));
    }
}
