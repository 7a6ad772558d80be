//! Downloads of media files: their own client (no bearer token ever goes to a media host),
//! https only (http for this machine's loopback), a few redirects, a timeout over the whole
//! exchange, and a byte cap enforced while the body streams in.

use std::time::Duration;

use url::Url;

use crate::api::is_safe_base;

/// Redirects followed for one media file (object stores redirect once or twice).
const MAX_REDIRECTS: usize = 3;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FetchLimits {
    /// A body larger than this is cut off and the picture given up (`[ui] max_image_bytes`).
    pub max_bytes: u64,
    /// The whole exchange, body included: a slow or endless body ends here.
    pub timeout: Duration,
    /// The decoded picture is shrunk to fit in this many pixels (width, height).
    pub keep: (u32, u32),
}

impl Default for FetchLimits {
    fn default() -> Self {
        FetchLimits {
            max_bytes: 8 * 1024 * 1024,
            timeout: Duration::from_secs(20),
            keep: (super::decode::KEEP_W, super::decode::KEEP_H),
        }
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum FetchError {
    #[error("not a media URL tootwatch fetches: {0}")]
    Refused(String),
    #[error("{0}")]
    Network(String),
    #[error("HTTP {0}")]
    Status(u16),
    #[error("larger than {0} bytes: cut off")]
    TooLarge(u64),
    #[error("timed out")]
    TimedOut,
}

/// The client for media files: separate from the API's, so that no default header, cookie
/// or token of the API can reach a media host. Redirects stay on safe URLs.
pub fn media_client(connect_timeout: Duration) -> reqwest::Client {
    crate::api::init_tls();
    let policy = reqwest::redirect::Policy::custom(|attempt| {
        if attempt.previous().len() > MAX_REDIRECTS {
            attempt.error(format!("more than {MAX_REDIRECTS} redirects"))
        } else if !is_safe_base(attempt.url()) {
            attempt.error("a redirect to a URL that is not https")
        } else {
            attempt.follow()
        }
    });
    reqwest::Client::builder()
        .user_agent(crate::api::USER_AGENT)
        .connect_timeout(connect_timeout)
        .redirect(policy)
        .build()
        // The builder fails only when the TLS backend cannot start, and the API's client,
        // built the same way before the view opens, has failed on that already (a replay
        // builds no API client, but the same ring provider). reqwest's default client is the
        // same build without options.
        .unwrap_or_default()
}

/// The body of `url`, at most `limits.max_bytes` of it, within `limits.timeout`.
pub async fn fetch(
    client: &reqwest::Client,
    url: &str,
    limits: &FetchLimits,
) -> Result<Vec<u8>, FetchError> {
    let parsed = Url::parse(url).map_err(|e| FetchError::Refused(e.to_string()))?;
    if !is_safe_base(&parsed) {
        return Err(FetchError::Refused(format!(
            "{}:// to {}",
            parsed.scheme(),
            parsed.host_str().unwrap_or("")
        )));
    }
    match tokio::time::timeout(
        limits.timeout,
        fetch_capped(client, parsed, limits.max_bytes),
    )
    .await
    {
        Ok(result) => result,
        Err(_) => Err(FetchError::TimedOut),
    }
}

async fn fetch_capped(
    client: &reqwest::Client,
    url: Url,
    max_bytes: u64,
) -> Result<Vec<u8>, FetchError> {
    let network = |e: reqwest::Error| FetchError::Network(crate::http::describe_reqwest(e));
    let response = client.get(url).send().await.map_err(network)?;
    if !response.status().is_success() {
        return Err(FetchError::Status(response.status().as_u16()));
    }
    crate::http::read_body(response, max_bytes)
        .await
        .map_err(|e| match e {
            crate::http::BodyError::Network(message) => FetchError::Network(message),
            crate::http::BodyError::TooLarge => FetchError::TooLarge(max_bytes),
        })
}
