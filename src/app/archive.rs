//! The live view and the archive: at start each tab opens from what the archive kept (the
//! newest `timeline_len` posts of its streams, deletes and filters applied) and its streams
//! catch up from the newest archived id; while it runs, what it shows is handed to the
//! archive's writer as `Command::ArchiveWrite` batches (`archive/writer.rs`), never written
//! on the run loop.

use std::path::{Path, PathBuf};

use super::state::{Item, State};
use super::{AppEvent, Command};
use crate::api::timeline::{CatchUp, History, Since};
use crate::archive::store::NOTIFICATIONS;
use crate::archive::writer::{Notify, Writer};
use crate::archive::{Archive, Batch, Kept, Write};
use crate::live::Admit;
use crate::stream::{StreamEvent, StreamId, StreamSpec};

/// Deletes read back into the live core at start: as many as it keeps, so a restart forgets
/// none it would have remembered.
const TOMBSTONES_LOADED: usize = crate::live::Tombstones::CAP;

/// Where the archive is and what it keeps the accounts under.
#[derive(Debug, Clone, PartialEq)]
pub struct ArchiveOptions {
    pub dir: PathBuf,
    pub max_bytes: u64,
    /// Per account (as `State::accounts`): its name in the archive, as `tail --resume` files
    /// it (`user@host`, or the server's URL for a bare token).
    pub accounts: Vec<String>,
}

/// The archive as the live view has it open.
#[derive(Debug)]
pub struct Opened {
    /// `None`: another tootwatch writes the archive (this one only read it), or it failed.
    pub writer: Option<Writer>,
    /// A connection of its own for searches, which run as blocking tasks.
    pub reader: Option<std::sync::Arc<std::sync::Mutex<Archive>>>,
    /// Streams and accounts that opened from the archive: they catch up from it instead of
    /// asking for the latest page.
    pub resumed: Vec<StreamId>,
    pub resumed_notifications: Vec<usize>,
    /// The rest of what opened from the archive, to load off the run loop.
    pub rest: Vec<Command>,
    /// Held while this process is the archive's writer.
    _lock: Option<std::fs::File>,
}

impl Opened {
    /// Whether the view's first fetches still include this one.
    pub fn wants(&self, command: &Command) -> bool {
        match command {
            Command::FetchHistory {
                stream,
                since: None,
                ..
            } => !self.resumed.contains(stream),
            Command::FetchNotifications {
                account,
                since: None,
            } => !self.resumed_notifications.contains(account),
            _ => true,
        }
    }
}

/// Opens the archive in `dir`, puts what it kept on screen and in the core, and starts the
/// writer (unless another process holds it). Failures are said in the view's flash line; the
/// view goes on without the archive.
pub fn open(state: &mut State, options: &ArchiveOptions, notify: Notify) -> Option<Opened> {
    let dir = options.dir.as_path();
    let (archive, notice) = match Archive::open_unchecked_in(dir) {
        Ok(opened) => opened,
        Err(e) => {
            tracing::warn!("cannot open the archive: {e}");
            state.flash = Some(format!(
                "cannot open the archive ({e}): going on without it"
            ));
            return None;
        }
    };
    if let Some(notice) = notice {
        state.flash = Some(notice);
    }
    let loaded = match load(state, &archive, &options.accounts, FIRST) {
        Ok(loaded) => loaded,
        Err(e) => {
            tracing::warn!("cannot read the archive: {e}");
            state.flash = Some(format!("cannot read the archive ({e})"));
            Loaded::default()
        }
    };
    let lock = lock_file(dir);
    let writer = match &lock {
        Some(_) => match Writer::spawn(
            archive,
            options.max_bytes,
            notify,
            crate::archive::writer::full_disk_injected(),
        ) {
            Ok(w) => Some(w),
            Err(e) => {
                tracing::warn!("cannot start the archive's writer: {e}");
                None
            }
        },
        None => {
            state.flash = Some(
                "another tootwatch is writing the archive: this one shows it but keeps nothing new"
                    .into(),
            );
            None
        }
    };
    state.archive_accounts = options.accounts.clone();
    state.archive_writing = writer.is_some();
    let reader = match Archive::open_reader(dir) {
        Ok(reader) => reader.map(|r| std::sync::Arc::new(std::sync::Mutex::new(r))),
        Err(e) => {
            tracing::warn!("cannot open the archive for searches: {e}");
            None
        }
    };
    Some(Opened {
        writer,
        reader,
        resumed: loaded.resumed,
        resumed_notifications: loaded.resumed_notifications,
        rest: loaded.rest,
        _lock: lock,
    })
}

/// Runs `Command::SearchArchive` on a blocking task; the answer comes back as
/// `AppEvent::ArchiveSearched`.
pub fn search(opened: Option<&Opened>, command: Command, tx: &tokio::sync::mpsc::Sender<AppEvent>) {
    let Command::SearchArchive {
        tab,
        account,
        streams,
        query,
    } = command
    else {
        return;
    };
    let reader = opened.and_then(|o| o.reader.clone());
    let tx = tx.clone();
    tokio::task::spawn_blocking(move || {
        let result = match reader {
            Some(reader) => match reader.lock() {
                Ok(archive) => archive
                    .search(&account, &streams, &query, super::search::RESULTS)
                    .map_err(|e| e.to_string()),
                Err(_) => Err("the archive's reader failed earlier".to_string()),
            },
            None => Err("the archive cannot be read".to_string()),
        };
        let _ = tx.blocking_send(AppEvent::ArchiveSearched { tab, query, result });
    });
}

/// Whether the archive keeps timelines of an account (a start without its server shows them).
pub fn keeps(account: &str) -> bool {
    let Some(dir) = crate::accounts::data_dir() else {
        return false;
    };
    if !dir.join(crate::archive::FILE_NAME).exists() {
        return false;
    }
    Archive::open_reader(&dir)
        .ok()
        .flatten()
        .is_some_and(|a| a.keeps(account).unwrap_or(false))
}

/// One writer per archive: the first live view holds `archive.sqlite3.lock` until it quits.
fn lock_file(dir: &Path) -> Option<std::fs::File> {
    let path = dir.join(format!("{}.lock", crate::archive::FILE_NAME));
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .ok()?;
    match file.try_lock() {
        Ok(()) => Some(file),
        Err(e) => {
            tracing::info!("the archive's lock {} is held: {e}", path.display());
            None
        }
    }
}

/// What each tab and notification pane opens with before the first frame: a few screens.
/// The rest (up to `timeline_len`) follows from a blocking task (`Command::LoadArchive`):
/// decoding nine full tabs takes longer than a start may.
pub const FIRST: usize = 60;

/// Where posts loaded from the archive go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoadTarget {
    /// A stream of a tab (`via`: its index in the tab).
    Stream {
        tab: usize,
        via: usize,
    },
    Notifications {
        account: usize,
    },
}

/// What the archive had for the view at start.
#[derive(Debug, Default, PartialEq)]
pub struct Loaded {
    /// Streams and accounts whose timelines opened from the archive.
    pub resumed: Vec<StreamId>,
    pub resumed_notifications: Vec<usize>,
    /// The rest of each, to load off the run loop.
    pub rest: Vec<Command>,
}

/// Puts the archive's newest `first` posts of each tab's streams, and of each account's
/// notifications, into the state (deletes and filters applied), and sets the core's catch-up
/// anchors at the newest archived ids.
pub fn load(
    state: &mut State,
    archive: &Archive,
    accounts: &[String],
    first: usize,
) -> Result<Loaded, crate::archive::ArchiveError> {
    for (account, name) in accounts.iter().enumerate() {
        // Newest first from the archive; buried oldest first, so the core forgets the oldest
        // first, as it would have.
        for id in archive.tombstones(name, TOMBSTONES_LOADED)?.iter().rev() {
            state.core.bury(account, id);
        }
    }
    let mut loaded = Loaded::default();
    let (timeline_len, notifications_len) = (
        state.settings.timeline_len.max(1),
        state.settings.notifications_len.max(1),
    );
    for tab in 0..state.tabs.len() {
        let account = state.tabs[tab].account;
        let Some(name) = accounts.get(account).cloned() else {
            continue;
        };
        let streams: Vec<(usize, StreamId, StreamSpec)> = state.tabs[tab]
            .streams
            .iter()
            .enumerate()
            .map(|(via, s)| (via, s.id, s.spec.clone()))
            .collect();
        for (via, stream, spec) in streams {
            if spec == StreamSpec::UserNotification {
                continue;
            }
            let stream_name = spec.to_string();
            let Some(newest) = archive.newest_id(&name, &stream_name)? else {
                continue;
            };
            let kept = archive.recent(&name, &stream_name, first.min(timeline_len))?;
            let target = LoadTarget::Stream { tab, via };
            show_kept(state, &target, kept);
            state.core.resume(stream, Since::Id(newest));
            loaded.resumed.push(stream);
            if first < timeline_len {
                loaded.rest.push(Command::LoadArchive {
                    target,
                    account: name.clone(),
                    stream: stream_name,
                    limit: timeline_len,
                });
            }
        }
        let carries = state.tabs[tab]
            .streams
            .iter()
            .any(|s| matches!(s.spec, StreamSpec::User | StreamSpec::UserNotification));
        if carries && !loaded.resumed_notifications.contains(&account) {
            let Some(newest) = archive.newest_id(&name, NOTIFICATIONS)? else {
                continue;
            };
            let kept = archive.recent(&name, NOTIFICATIONS, first.min(notifications_len))?;
            let target = LoadTarget::Notifications { account };
            show_kept(state, &target, kept);
            state.core.resume_notifications(account, Since::Id(newest));
            loaded.resumed_notifications.push(account);
            if first < notifications_len {
                loaded.rest.push(Command::LoadArchive {
                    target,
                    account: name.clone(),
                    stream: NOTIFICATIONS.to_string(),
                    limit: notifications_len,
                });
            }
        }
    }
    for tab in &mut state.tabs {
        tab.selected = 0;
        tab.new_above = 0;
        tab.unread = 0;
        if let Some(name) = accounts.get(tab.account)
            && let Some(id) = archive.read_position(name, &super::read::read_key(tab))?
        {
            tab.restore_read(id);
        }
    }
    for (account, name) in accounts.iter().enumerate() {
        if let Some(id) = archive.read_position(name, NOTIFICATIONS)? {
            let read = state.notifications.read_mut(account);
            read.divider = Some(id.clone());
            read.saved = Some(id.clone());
            read.id = Some(id);
        }
    }
    state.notifications.unread_of.clear();
    for account in 0..accounts.len() {
        state.recount_notifications_unread(account);
    }
    Ok(loaded)
}

/// Puts posts from the archive where they belong (by time, below what is newer; each once).
pub fn show_kept(state: &mut State, target: &LoadTarget, kept: Vec<Kept>) {
    match *target {
        LoadTarget::Stream { tab, via } => {
            let Some(t) = state.tabs.get(tab) else {
                return;
            };
            let (account, context) = (t.account, t.context.clone());
            let mut shown = Vec::new();
            let mut items = Vec::new();
            let mut conversations = Vec::new();
            for k in kept {
                match k {
                    Kept::Status(s) => {
                        if state.is_deleted(account, &s) || !state.tabs[tab].tag_rule.admits(&s) {
                            continue;
                        }
                        shown.push(format!("s:{}", s.id));
                        let verdict = state.verdict_for(account, &s, &context);
                        items.push((Item::Status(s), verdict));
                    }
                    Kept::Conversation(c) => {
                        // Its last post deleted since it was kept: not shown again.
                        if c.last_status
                            .as_deref()
                            .is_some_and(|s| state.is_deleted(account, s))
                        {
                            continue;
                        }
                        conversations.push(c)
                    }
                    Kept::Notification(_) => {}
                }
            }
            // Oldest first: the newest ends on top; one already held is not moved.
            for c in conversations.into_iter().rev() {
                if state.tabs[tab].position_of(&c.id).is_none() {
                    state.upsert_conversation(tab, via, c);
                }
            }
            let limit = state.settings.timeline_len;
            state.tabs[tab].insert_history(items, via, limit);
            state.core.seed_shown(tab, &shown);
        }
        LoadTarget::Notifications { account } => {
            let found = kept
                .into_iter()
                .filter_map(|k| match k {
                    Kept::Notification(n) => Some(*n),
                    _ => None,
                })
                .collect();
            state.merge_notifications(account, None, found);
        }
    }
}

/// Runs `Command::LoadArchive` on a blocking task; the posts come back as
/// `AppEvent::ArchiveLoaded`.
pub fn load_rest(
    opened: Option<&Opened>,
    command: Command,
    tx: &tokio::sync::mpsc::Sender<AppEvent>,
) {
    let Command::LoadArchive {
        target,
        account,
        stream,
        limit,
    } = command
    else {
        return;
    };
    let Some(reader) = opened.and_then(|o| o.reader.clone()) else {
        return;
    };
    let tx = tx.clone();
    tokio::task::spawn_blocking(move || {
        let kept = match reader.lock() {
            Ok(archive) => archive.recent(&account, &stream, limit),
            Err(_) => return,
        };
        match kept {
            Ok(kept) => {
                let _ = tx.blocking_send(AppEvent::ArchiveLoaded { target, kept });
            }
            Err(e) => tracing::warn!("cannot read the archive: {e}"),
        }
    });
}

fn account_name(state: &State, account: usize) -> String {
    state
        .archive_accounts
        .get(account)
        .cloned()
        .unwrap_or_default()
}

fn stream_name(state: &State, stream: StreamId) -> Option<String> {
    let tab = *state.stream_tab.get(stream.0)?;
    let spec = &state
        .tabs
        .get(tab)?
        .streams
        .iter()
        .find(|s| s.id == stream)?
        .spec;
    Some(spec.to_string())
}

/// What the archive keeps of one event the view took (`admit` is what the core made of it).
pub(crate) fn record(
    state: &State,
    stream: StreamId,
    event: &StreamEvent,
    admit: &Admit,
) -> Option<Command> {
    if !state.archive_writing || matches!(admit, Admit::Deleted | Admit::Outside) {
        return None;
    }
    let account = account_name(state, state.account_of(stream));
    let write = match (event, admit) {
        (StreamEvent::Update(s), _) => Write::Status {
            account,
            stream: stream_name(state, stream)?,
            status: s.clone(),
        },
        (_, Admit::Duplicate) => return None,
        (StreamEvent::StatusUpdate(s), _) => Write::Edit {
            account,
            status: s.clone(),
        },
        (StreamEvent::Delete(id), _) => Write::Delete {
            account,
            id: id.clone(),
        },
        (StreamEvent::Notification(n), _) => Write::Notification {
            account,
            notification: n.clone(),
        },
        (StreamEvent::Conversation(c), _) => Write::Conversation {
            account,
            stream: stream_name(state, stream)?,
            conversation: c.clone(),
        },
        _ => return None,
    };
    Some(Command::ArchiveWrite(Batch(vec![write])))
}

/// What the archive keeps of a page from REST (a start page, a catch-up, a verification's
/// finds), as the view will show it.
pub fn record_page(state: &State, stream: StreamId, found: &CatchUp) -> Option<Command> {
    if !state.archive_writing {
        return None;
    }
    let tab = state.tabs.get(*state.stream_tab.get(stream.0)?)?;
    let account = account_name(state, tab.account);
    let name = stream_name(state, stream)?;
    let writes: Vec<Write> = match &found.items {
        History::Statuses(v) => v
            .iter()
            .filter(|s| tab.tag_rule.admits(s) && state.core.admits_rest(stream, s))
            .map(|s| Write::Status {
                account: account.clone(),
                stream: name.clone(),
                status: Box::new(s.clone()),
            })
            .collect(),
        History::Conversations(v) => v
            .iter()
            .filter(|c| !state.core.outdated_rest_conversation(stream, c))
            .map(|c| Write::Conversation {
                account: account.clone(),
                stream: name.clone(),
                conversation: Box::new(c.clone()),
            })
            .collect(),
        History::Notifications(v) => v
            .iter()
            .map(|n| Write::Notification {
                account: account.clone(),
                notification: Box::new(n.clone()),
            })
            .collect(),
    };
    (!writes.is_empty()).then_some(Command::ArchiveWrite(Batch(writes)))
}

/// The same for an account's notifications from REST.
pub fn record_notifications(state: &State, account: usize, found: &CatchUp) -> Option<Command> {
    if !state.archive_writing {
        return None;
    }
    let History::Notifications(v) = &found.items else {
        return None;
    };
    let name = account_name(state, account);
    let writes: Vec<Write> = v
        .iter()
        .map(|n| Write::Notification {
            account: name.clone(),
            notification: Box::new(n.clone()),
        })
        .collect();
    (!writes.is_empty()).then_some(Command::ArchiveWrite(Batch(writes)))
}

#[cfg(test)]
#[path = "archive_tests.rs"]
mod tests;
