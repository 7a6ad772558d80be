//! Pictures from servers: download with bounds (`fetch`), decode with limits (`decode`). This
//! is the network side: it never imports the terminal's crates. The live view asks for a
//! picture with `Command::FetchImage`, [`load`] runs as a task, and the answer comes back
//! through the one inbox as `AppEvent::ImageFetched`.
//!
//! An image is bytes from a stranger: its size, its dimensions and the time it takes are all
//! bounded before anything is allocated for it, and only decoded pixels leave this module.

pub mod decode;
pub mod fetch;

use std::sync::Arc;

pub use decode::Picture;
pub use fetch::{FetchLimits, media_client};

/// Downloads and decodes one picture; the error says what went wrong, for the log.
pub async fn load(
    client: &reqwest::Client,
    url: &str,
    limits: FetchLimits,
) -> Result<Arc<Picture>, String> {
    let bytes = fetch::fetch(client, url, &limits)
        .await
        .map_err(|e| e.to_string())?;
    // Decoding is CPU work: off the runtime's threads.
    let keep = limits.keep;
    tokio::task::spawn_blocking(move || decode::decode_to(&bytes, keep))
        .await
        .map_err(|e| format!("the decoder stopped: {e}"))?
        .map(Arc::new)
        .map_err(|e| e.to_string())
}

/// The file to show for an attachment: its preview (small, and an image also for videos and
/// GIFs), else the original when that is a picture.
pub(crate) fn picture_url(m: &crate::model::MediaAttachment) -> Option<&str> {
    use crate::model::MediaType;
    let ok = |u: &&str| !u.is_empty();
    m.preview_url
        .as_deref()
        .filter(ok)
        .or_else(|| match m.kind {
            MediaType::Image => m.url.as_deref().filter(ok),
            _ => None,
        })
}

#[cfg(test)]
mod tests;
