//! The live view's side of the server's markers (`app/markers.rs` decides): reads and
//! posts as tasks that report to the inbox.

use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::api::markers::Markers;
use crate::api::{Api, ApiError};
use crate::app::AppEvent;
use crate::app::markers::MarkerFailure;

/// Reads the account's markers.
pub(super) fn fetch(api: &Api, account: usize, tx: &mpsc::Sender<AppEvent>) {
    let (api, tx) = (api.clone(), tx.clone());
    tokio::spawn(async move {
        let result = api.markers().await.map_err(failure);
        let _ = tx.send(AppEvent::MarkersFetched { account, result }).await;
    });
}

/// Posts the positions that moved, after the account's previous post (`before`) landed:
/// the last to land is the newest.
pub(super) fn save(
    api: &Api,
    account: usize,
    markers: Markers,
    before: Option<JoinHandle<()>>,
    tx: &mpsc::Sender<AppEvent>,
) -> JoinHandle<()> {
    let (api, tx) = (api.clone(), tx.clone());
    tokio::spawn(async move {
        if let Some(before) = before {
            let _ = before.await;
        }
        let result = api.save_markers(&markers).await.map_err(failure);
        let event = AppEvent::MarkersSaved {
            account,
            posted: markers,
            result,
        };
        let _ = tx.send(event).await;
    })
}

/// A 4xx is the server's answer for the whole run (but for a timeout, a conflict or a rate
/// limit).
fn failure(e: ApiError) -> MarkerFailure {
    match e.status() {
        // 409: another client moved the marker at the same moment; 408, 429: try later.
        Some(s) if (400..500).contains(&s) && !matches!(s, 408 | 409 | 429) => {
            MarkerFailure::Refused(e.to_string())
        }
        _ => MarkerFailure::Failed(e.to_string()),
    }
}
