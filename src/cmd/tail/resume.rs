//! `tail --resume`: where the previous run of the same account and STREAMs left off (the
//! archive's cursors), and where this run gets to, saved at most once a second and at the end.
//! A run killed between two saves prints its last second again next time: at least once, never
//! lost.

use std::time::Duration;

use tokio::time::Instant;

use crate::api::timeline::Since;
use crate::archive::Archive;
use crate::cmd::setup::Resolved;
use crate::exit::Failure;
use crate::live::LiveCore;
use crate::stream::{StreamId, StreamSpec};

/// The cursor of an account's notifications, beside its streams'.
const NOTIFICATIONS: &str = "notifications";
const SAVE_EVERY: Duration = Duration::from_secs(1);
/// What each group printed last, kept for the next run: more than a catch-up can overlap.
const PRINTED_KEPT: usize = 1000;

pub(super) struct Resume {
    archive: Option<Archive>,
    /// A write failed (a full disk, a lock held too long): said once, tried again later.
    failing: bool,
    account: String,
    /// The STREAMs as given, normalised: another set of streams is another reader.
    scope: String,
    /// Per stream id, its name in the archive.
    names: Vec<String>,
    resumed: Vec<bool>,
    resumed_notifications: bool,
    notifications: bool,
    saved: Vec<(String, Since)>,
    /// The newest key each group had printed at the last save.
    saved_newest: Vec<Option<String>>,
    last_save: Instant,
    /// `[archive] max_mb`, kept as the live view's writer keeps it: checked every
    /// `TRIM_EVERY` posts written.
    max_bytes: u64,
    since_trim: usize,
}

const TRIM_EVERY: usize = 2_000;

impl Resume {
    /// Opens the archive and puts the previous run's cursors into the core.
    pub(super) fn open(
        resolved: &Resolved,
        groups: &[Vec<StreamSpec>],
        names: &[String],
        core: &mut LiveCore,
    ) -> Result<Resume, Failure> {
        let dir = crate::accounts::data_dir()
            .ok_or_else(|| Failure::other("--resume: no data dir: set TOOTWATCH_DATA_DIR"))?;
        let (archive, notice) = Archive::open_in(&dir)
            .map_err(|e| Failure::other(format!("--resume: cannot open the archive: {e}")))?;
        if let Some(notice) = notice {
            crate::exit::notice(notice);
        }
        let account = crate::archive::account_name(resolved.account.as_deref(), &resolved.instance);
        let scope = groups
            .iter()
            .map(|g| {
                g.iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(",")
            })
            .collect::<Vec<_>>()
            .join(" ");
        let cursors = archive
            .cursors(&account, &scope)
            .map_err(|e| Failure::other(format!("--resume: cannot read the archive: {e}")))?;
        let printed = archive
            .printed(&account, &scope)
            .map_err(|e| Failure::other(format!("--resume: cannot read the archive: {e}")))?;
        for (group, keys) in &printed {
            core.seed_shown(*group, keys);
        }
        let mut resumed = vec![false; names.len()];
        let mut resumed_notifications = false;
        for (name, since) in &cursors {
            if name == NOTIFICATIONS {
                core.resume_notifications(0, since.clone());
                resumed_notifications = true;
                continue;
            }
            for (i, _) in names.iter().enumerate().filter(|(_, n)| *n == name) {
                core.resume(StreamId(i), since.clone());
                resumed[i] = true;
            }
        }
        if cursors.is_empty() {
            tracing::info!("--resume: a first run for {scope}: from now on");
        }
        let notifications = (0..names.len()).any(|i| {
            matches!(
                core.spec(StreamId(i)),
                Some(StreamSpec::User | StreamSpec::UserNotification)
            )
        });
        Ok(Resume {
            archive: Some(archive),
            failing: false,
            account,
            scope,
            names: names.to_vec(),
            resumed,
            resumed_notifications,
            notifications,
            saved: cursors,
            saved_newest: newest_shown(core),
            last_save: Instant::now(),
            max_bytes: resolved.config.archive.max_mb.saturating_mul(1024 * 1024),
            since_trim: 0,
        })
    }

    /// The account's name in the archive.
    pub(super) fn account(&self) -> &str {
        &self.account
    }

    pub(super) fn resumed(&self, stream: StreamId) -> bool {
        self.resumed.get(stream.0).copied().unwrap_or(false)
    }

    pub(super) fn resumed_notifications(&self) -> bool {
        self.resumed_notifications
    }

    fn current(&self, core: &LiveCore) -> Vec<(String, Since)> {
        let mut cursors: Vec<(String, Since)> = self
            .names
            .iter()
            .enumerate()
            .filter_map(|(i, name)| Some((name.clone(), core.cursor(StreamId(i))?)))
            .collect();
        if self.notifications
            && let Some(since) = core.notification_cursor(0)
        {
            cursors.push((NOTIFICATIONS.to_string(), since));
        }
        cursors.sort_by(|a, b| a.0.cmp(&b.0));
        cursors
    }

    /// When the cursors that moved (or what was printed, `kept`) should be saved (`None`:
    /// nothing moved).
    pub(super) fn due(&self, core: &LiveCore, kept: bool) -> Option<Instant> {
        self.archive.as_ref()?;
        if kept {
            return Some(self.last_save + SAVE_EVERY);
        }
        let mut saved = self.saved.clone();
        saved.sort_by(|a, b| a.0.cmp(&b.0));
        let moved = self.current(core) != saved || newest_shown(core) != self.saved_newest;
        moved.then(|| self.last_save + SAVE_EVERY)
    }

    /// Keeps what was printed, then the cursors: a run killed between the two prints its
    /// last second again next time, and the archive keeps each post once.
    pub(super) fn save(&mut self, core: &LiveCore, printed_posts: Vec<crate::archive::Write>) {
        let cursors = self.current(core);
        self.last_save = Instant::now();
        let Some(archive) = self.archive.as_mut() else {
            return;
        };
        if !printed_posts.is_empty() {
            match archive.write(&printed_posts) {
                Ok(()) => self.since_trim += printed_posts.len(),
                // The cursors below fail the same way and say so; the lines were printed.
                Err(e) => tracing::warn!("--resume: the printed posts are not kept: {e}"),
            }
        }
        if self.since_trim >= TRIM_EVERY {
            self.since_trim = 0;
            if let Err(e) = archive.trim(self.max_bytes) {
                tracing::warn!("--resume: trimming the archive failed: {e}");
            }
        }
        let printed: Vec<(usize, Vec<String>)> = (0..core.groups())
            .map(|g| (g, core.shown(g, PRINTED_KEPT)))
            .collect();
        match archive.save_resume(&self.account, &self.scope, &cursors, &printed) {
            Ok(()) => {
                if self.failing {
                    crate::exit::notice("the archive takes writes again");
                }
                self.failing = false;
                self.saved = cursors;
                self.saved_newest = newest_shown(core);
            }
            Err(e) if !self.failing => {
                crate::exit::notice(format_args!(
                    "cannot write to the archive ({e}); trying again each second, and the next --resume goes on from the last place kept"
                ));
                self.failing = true;
            }
            Err(e) => tracing::debug!("the archive still takes no writes: {e}"),
        }
    }
}

fn newest_shown(core: &LiveCore) -> Vec<Option<String>> {
    (0..core.groups()).map(|g| core.shown(g, 1).pop()).collect()
}
