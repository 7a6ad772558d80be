//! Signals a command waits for, each listened to from the moment it is asked for: once a
//! listener exists the signal no longer ends the process, so one that lands before the first
//! wait is kept, not lost.

use std::future::Future;
use std::pin::Pin;

pub type Signal = Pin<Box<dyn Future<Output = ()> + Send>>;

/// Ctrl-C (SIGINT).
pub fn interrupt() -> Signal {
    #[cfg(unix)]
    return unix(tokio::signal::unix::SignalKind::interrupt());
    #[cfg(not(unix))]
    return Box::pin(async {
        let _ = tokio::signal::ctrl_c().await;
    });
}

/// SIGTERM, where there is one.
pub fn terminate() -> Signal {
    #[cfg(unix)]
    return unix(tokio::signal::unix::SignalKind::terminate());
    #[cfg(not(unix))]
    return Box::pin(std::future::pending());
}

#[cfg(unix)]
fn unix(kind: tokio::signal::unix::SignalKind) -> Signal {
    match tokio::signal::unix::signal(kind) {
        Ok(mut s) => Box::pin(async move {
            s.recv().await;
        }),
        Err(_) => Box::pin(std::future::pending()),
    }
}
