//! The archive's writer: a thread owning the connection, fed batches through a bounded
//! channel that the run loop never waits on. What the thread has not taken yet waits in a
//! bounded backlog; past it posts are let go (counted, said once) but deletes never are.
//! A failing write (a full disk) is said once; writes are tried again a while later.

use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::{Archive, Write};

/// Batches in flight between the run loop and the thread.
const CHANNEL: usize = 256;
/// Writes held while the thread is busy, before posts are let go.
const BACKLOG: usize = 50_000;
/// How long writes wait in the run loop's backlog before they are handed over: the thread
/// wakes for a handoff, and under a firehose the run loop has something for it after
/// nearly every event.
const HANDOFF: Duration = Duration::from_millis(50);
/// After a failed write, how long to go without before trying again.
const RETRY_AFTER: Duration = Duration::from_secs(30);
/// How long, and up to how many writes, one transaction gathers.
const GATHER: Duration = Duration::from_millis(250);
const GATHER_MAX: usize = 5_000;
/// Writes between two checks of the size limit.
const TRIM_EVERY: usize = 2_000;

/// Said to the user through the notice callback.
pub(crate) type Notify = Box<dyn Fn(String) + Send>;

pub struct Writer {
    tx: Option<SyncSender<Vec<Write>>>,
    thread: Option<JoinHandle<()>>,
    backlog: Vec<Write>,
    /// Since when the backlog holds writes not yet handed over.
    pending_since: Option<Instant>,
    dropped: u64,
}

impl std::fmt::Debug for Writer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Writer")
            .field("backlog", &self.backlog.len())
            .field("dropped", &self.dropped)
            .finish()
    }
}

/// A full disk, for tests: `TOOTWATCH_ARCHIVE_FAIL=full` in the environment makes every
/// write of the live view fail as a full disk would.
pub(crate) fn full_disk_injected() -> bool {
    std::env::var("TOOTWATCH_ARCHIVE_FAIL").as_deref() == Ok("full")
}

fn full_disk() -> super::ArchiveError {
    rusqlite::Error::SqliteFailure(
        rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_FULL),
        Some("database or disk is full (injected)".into()),
    )
    .into()
}

impl Writer {
    /// Starts the thread; the archive moves into it. With `full`, every write fails as on a
    /// full disk (tests).
    pub(crate) fn spawn(
        archive: Archive,
        max_bytes: u64,
        notify: Notify,
        full: bool,
    ) -> std::io::Result<Writer> {
        let (tx, rx) = sync_channel(CHANNEL);
        let thread = std::thread::Builder::new()
            .name("archive".into())
            .spawn(move || write_loop(archive, rx, max_bytes, notify, full))?;
        Ok(Writer {
            tx: Some(tx),
            thread: Some(thread),
            backlog: Vec::new(),
            pending_since: None,
            dropped: 0,
        })
    }

    /// Takes a batch for the thread without waiting; it is handed over within `HANDOFF`
    /// (when [`handoff_due`](Self::handoff_due) says, the run loop calls
    /// [`handoff`](Self::handoff)).
    pub(crate) fn send(&mut self, batch: Vec<Write>) {
        if self.backlog.len() + batch.len() > BACKLOG {
            let before = batch.len();
            self.backlog.extend(
                batch
                    .into_iter()
                    .filter(|w| matches!(w, Write::Delete { .. })),
            );
            if self.dropped == 0 {
                tracing::warn!("the archive falls behind: posts are let go until it catches up");
            }
            self.dropped += before as u64;
        } else {
            self.backlog.extend(batch);
        }
        if self.pending_since.is_none() {
            self.pending_since = Some(Instant::now());
        }
        if self.backlog.len() >= GATHER_MAX {
            self.handoff();
        }
    }

    /// When the backlog is due to be handed over, if it holds anything.
    pub(crate) fn handoff_due(&self) -> Option<Instant> {
        self.pending_since.map(|t| t + HANDOFF)
    }

    /// Hands the backlog to the thread (kept for the next handoff if the thread is busy).
    pub(crate) fn handoff(&mut self) {
        let Some(tx) = &self.tx else {
            self.backlog.clear();
            self.pending_since = None;
            return;
        };
        if self.backlog.is_empty() {
            self.pending_since = None;
            return;
        }
        match tx.try_send(std::mem::take(&mut self.backlog)) {
            Ok(()) => self.pending_since = None,
            Err(TrySendError::Full(batch)) => {
                self.backlog = batch;
                self.pending_since = Some(Instant::now());
            }
            Err(TrySendError::Disconnected(_)) => {
                self.tx = None;
                self.pending_since = None;
            }
        }
    }

    /// Hands over what is left and waits up to `wait` for the thread to write it.
    pub(crate) fn finish(mut self, wait: Duration) {
        let Some(tx) = self.tx.take() else {
            return;
        };
        let backlog = std::mem::take(&mut self.backlog);
        let deadline = Instant::now() + wait;
        let mut pending = Some(backlog).filter(|b| !b.is_empty());
        while let Some(batch) = pending.take() {
            match tx.try_send(batch) {
                Ok(()) => {}
                Err(TrySendError::Full(batch)) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(5));
                    pending = Some(batch);
                }
                Err(_) => break,
            }
        }
        drop(tx);
        if let Some(thread) = self.thread.take() {
            while !thread.is_finished() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(5));
            }
            if thread.is_finished() {
                let _ = thread.join();
            } else {
                tracing::warn!("the archive's last writes did not finish in time");
            }
        }
    }
}

fn write_loop(
    mut archive: Archive,
    rx: Receiver<Vec<Write>>,
    max_bytes: u64,
    notify: Notify,
    full: bool,
) {
    // The start did not read the whole file: it is checked here, off the run loop.
    if let Err(why) = archive.check() {
        notify(format!(
            "the archive is damaged ({why}): nothing more is kept; the next start moves it aside"
        ));
        while rx.recv().is_ok() {}
        return;
    }
    let mut failing_since: Option<Instant> = None;
    let mut since_trim = 0usize;
    while let Ok(mut batch) = rx.recv() {
        // What arrives within a moment goes in the same transaction: a commit (and the
        // full-text index's new segment) costs as much as ten posts, so a firehose is
        // written a few times a second, not once per post. A kill -9 loses that moment.
        let deadline = Instant::now() + GATHER;
        while batch.len() < GATHER_MAX {
            let left = deadline.saturating_duration_since(Instant::now());
            match rx.recv_timeout(left) {
                Ok(more) => batch.extend(more),
                Err(_) => break,
            }
        }
        if failing_since.is_some_and(|t| t.elapsed() < RETRY_AFTER) {
            continue;
        }
        let result = if full {
            Err(full_disk())
        } else {
            archive.write(&batch)
        };
        match result {
            Ok(()) => {
                if failing_since.take().is_some() {
                    notify("the archive takes writes again".into());
                }
                since_trim += batch.len();
                if since_trim >= TRIM_EVERY {
                    since_trim = 0;
                    match archive.trim(max_bytes) {
                        Ok(0) => {}
                        Ok(n) => tracing::info!("the archive let go of its {n} oldest rows"),
                        Err(e) => tracing::warn!("trimming the archive failed: {e}"),
                    }
                }
            }
            Err(e) => {
                tracing::warn!("writing to the archive failed: {e}");
                if failing_since.is_none() {
                    notify(format!(
                        "cannot write to the archive ({e}): going on without it"
                    ));
                }
                failing_since = Some(Instant::now());
            }
        }
    }
}
