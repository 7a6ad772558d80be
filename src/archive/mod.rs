//! The local archive: one SQLite file in the data dir for all accounts (`archive.sqlite3`).
//! It keeps, per account, where each reader of a set of streams got to (`tail --resume`'s
//! cursors), so that nothing is lost between runs. WAL mode: a process killed mid-write leaves
//! the last committed state; a second process waits briefly for the lock, then goes on without.
//! A schema version and migrations from the first version on; a file from a newer tootwatch,
//! or one that is not a database, is moved aside and a fresh one started.

use std::path::{Path, PathBuf};
use std::time::Duration;

use jiff::Timestamp;
use rusqlite::{Connection, params};

use crate::api::timeline::Since;

pub(crate) mod search;
pub(crate) mod store;
pub(crate) mod writer;

pub use store::{Batch, Kept, Write};

/// The schema this build writes; each entry of `MIGRATIONS` takes the file one version up.
const SCHEMA_VERSION: i64 = 6;

const MIGRATIONS: &[&str] = &[
    // 1: where `tail --resume` got to, per account, per set of streams (`scope`), per stream.
    "CREATE TABLE cursors (
        account TEXT NOT NULL,
        scope TEXT NOT NULL,
        stream TEXT NOT NULL,
        since TEXT NOT NULL,
        updated_at INTEGER NOT NULL,
        PRIMARY KEY (account, scope, stream)
    ) WITHOUT ROWID;",
    // 2: what a `tail --resume` reader printed last, per merged group: a catch-up that
    // overlaps the previous run (its cursor stays before a gap not yet filled) prints
    // nothing twice.
    "CREATE TABLE printed (
        account TEXT NOT NULL,
        scope TEXT NOT NULL,
        grp INTEGER NOT NULL,
        seq INTEGER NOT NULL,
        key TEXT NOT NULL,
        PRIMARY KEY (account, scope, grp, seq)
    ) WITHOUT ROWID;",
    // 3: what the live view showed (`store.rs`): the items, which streams carried each (in
    // id order, for a tab's newest posts and its catch-up anchor), deletes, and a full-text
    // index without a copy of the text.
    "CREATE TABLE items (
        account TEXT NOT NULL,
        kind TEXT NOT NULL,
        id TEXT NOT NULL,
        status_id TEXT,
        created_at TEXT NOT NULL,
        seen_at INTEGER NOT NULL,
        json TEXT NOT NULL,
        UNIQUE (account, kind, id)
    );
    CREATE INDEX items_status ON items (account, status_id);
    CREATE TABLE carried (
        account TEXT NOT NULL,
        stream TEXT NOT NULL,
        sort TEXT NOT NULL,
        item INTEGER NOT NULL,
        PRIMARY KEY (account, stream, sort, item)
    ) WITHOUT ROWID;
    CREATE INDEX carried_item ON carried (item);
    CREATE TABLE tombstones (
        account TEXT NOT NULL,
        id TEXT NOT NULL,
        deleted_at INTEGER NOT NULL,
        PRIMARY KEY (account, id)
    );
    CREATE INDEX tombstones_age ON tombstones (deleted_at);
    CREATE VIRTUAL TABLE items_fts USING fts5 (
        text, cw, names, tags, alt,
        content = '', contentless_delete = 1, tokenize = 'unicode61 remove_diacritics 2'
    );
    CREATE TRIGGER items_gone AFTER DELETE ON items BEGIN
        DELETE FROM carried WHERE item = old.rowid;
        DELETE FROM items_fts WHERE rowid = old.rowid;
    END;",
    // 4: the live view's read position per tab (`tab` is its streams, as `read_key` names
    // them): the newest post the reader had on screen, kept across restarts.
    "CREATE TABLE read_positions (
        account TEXT NOT NULL,
        tab TEXT NOT NULL,
        id TEXT NOT NULL,
        updated_at INTEGER NOT NULL,
        PRIMARY KEY (account, tab)
    ) WITHOUT ROWID;",
    // 5: `items.json` is written deflated, as a BLOB (`store::pack`); rows written before
    // stay text and read as they are. Nothing to change in the file: the version tells an
    // older tootwatch that it cannot read the new rows (it moves the file aside).
    "-- items.json: deflated BLOBs from here on",
    // 6: an account's newest deletes read at start (`store::tombstones`) from an index, not
    // by sorting every delete the account has.
    "CREATE INDEX tombstones_account_age ON tombstones (account, deleted_at)",
];

/// How long a second process waits for the other's write before going on without.
pub(crate) const BUSY_WAIT: Duration = Duration::from_secs(2);

#[derive(Debug, thiserror::Error)]
pub enum ArchiveError {
    #[error("{0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

/// What the archive files an account under: its `user@host` when signed in, else the
/// server's URL (a bare `--token`).
pub(crate) fn account_name(account: Option<&str>, instance: &url::Url) -> String {
    match account {
        Some(a) => a.to_string(),
        None => instance.as_str().trim_end_matches('/').to_string(),
    }
}

/// Beside the file: it was found damaged while in use (the next open moves it aside).
const DAMAGED: &str = ".damaged";

/// The archive's file name in the data dir.
pub(crate) const FILE_NAME: &str = "archive.sqlite3";

pub struct Archive {
    conn: Connection,
    path: PathBuf,
}

impl std::fmt::Debug for Archive {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Archive").field("path", &self.path).finish()
    }
}

/// What the archive keeps for one account.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct AccountStats {
    pub account: String,
    pub statuses: u64,
    pub notifications: u64,
    pub conversations: u64,
    pub tombstones: u64,
    /// `tail --resume` readers (sets of streams) and their stream cursors.
    pub readers: u64,
    pub cursors: u64,
    /// The oldest and newest post kept (RFC 3339, as the server sent them).
    pub oldest: Option<String>,
    pub newest: Option<String>,
}

/// What `tootwatch archive stats` reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Stats {
    pub path: PathBuf,
    /// The file with its write-ahead log.
    pub bytes: u64,
    pub accounts: Vec<AccountStats>,
}

impl Archive {
    /// Opens (or creates) the archive. Returns a notice for the user when the file had to be
    /// moved aside.
    fn open(path: &Path) -> Result<(Archive, Option<String>), ArchiveError> {
        Self::open_with(path, true)
    }

    /// As [`Archive::open`], without reading the whole file for damage first (that takes
    /// most of a second per 100 MB): the live view's start, whose writer checks it in the
    /// background ([`Archive::check`]) and has a damaged file moved aside at the next start.
    pub fn open_unchecked_in(data_dir: &Path) -> Result<(Archive, Option<String>), ArchiveError> {
        Self::open_with(&data_dir.join(FILE_NAME), false)
    }

    fn open_with(path: &Path, check: bool) -> Result<(Archive, Option<String>), ArchiveError> {
        if let Some(dir) = path.parent() {
            create_private_dir(dir)?;
        }
        match Self::open_checked(path, check) {
            Ok(archive) => Ok((archive, None)),
            Err(Unusable::Error(e)) => Err(e),
            Err(Unusable::Replace(why)) => {
                // Its log goes with it: committed pages may still be only there.
                let aside = moved_aside_name(path);
                std::fs::rename(path, &aside)?;
                for suffix in ["-wal", "-shm"] {
                    let log = with_suffix(path, suffix);
                    if log.exists() {
                        std::fs::rename(&log, with_suffix(&aside, suffix))?;
                    }
                }
                let _ = std::fs::remove_file(with_suffix(path, DAMAGED));
                let archive = Self::open_checked(path, false).map_err(|e| match e {
                    Unusable::Error(e) => e,
                    Unusable::Replace(why) => ArchiveError::Io(std::io::Error::other(why)),
                })?;
                let notice = format!(
                    "the archive {} {why}; it was moved to {} and a new one started",
                    path.display(),
                    aside.display()
                );
                tracing::warn!("{notice}");
                Ok((archive, Some(notice)))
            }
        }
    }

    /// The archive in a data dir.
    pub fn open_in(data_dir: &Path) -> Result<(Archive, Option<String>), ArchiveError> {
        Self::open(&data_dir.join(FILE_NAME))
    }

    fn open_checked(path: &Path, check: bool) -> Result<Archive, Unusable> {
        keep_private(path);
        let conn = Connection::open(path).map_err(|e| Unusable::Error(e.into()))?;
        conn.busy_timeout(BUSY_WAIT)
            .map_err(|e| Unusable::Error(e.into()))?;
        // A file that is not a database fails here, at the first read.
        let version: i64 = match conn.query_row("PRAGMA user_version", [], |r| r.get(0)) {
            Ok(v) => v,
            Err(rusqlite::Error::SqliteFailure(e, _))
                if e.code == rusqlite::ErrorCode::NotADatabase =>
            {
                return Err(Unusable::Replace("is not a database".into()));
            }
            Err(e) => return Err(Unusable::Error(e.into())),
        };
        if let Ok(why) = std::fs::read_to_string(with_suffix(path, DAMAGED)) {
            return Err(Unusable::Replace(format!(
                "was found damaged while in use ({})",
                why.trim()
            )));
        }
        if check {
            let check: String = conn
                .query_row("PRAGMA quick_check", [], |r| r.get(0))
                .unwrap_or_else(|e| e.to_string());
            if check != "ok" {
                return Err(Unusable::Replace(format!("is damaged ({check})")));
            }
        }
        if version > SCHEMA_VERSION {
            return Err(Unusable::Replace(format!(
                "was written by a newer tootwatch (schema {version}, this one knows {SCHEMA_VERSION})"
            )));
        }
        let wal: String = conn
            .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
            .map_err(|e| Unusable::Error(e.into()))?;
        if !wal.eq_ignore_ascii_case("wal") {
            tracing::warn!("the archive is not in WAL mode ({wal})");
        }
        conn.execute_batch("PRAGMA synchronous = NORMAL;")
            .map_err(|e| Unusable::Error(e.into()))?;
        let mut archive = Archive {
            conn,
            path: path.to_path_buf(),
        };
        archive
            .migrate(version)
            .map_err(|e| Unusable::Error(e.into()))?;
        Ok(archive)
    }

    /// Each step in a write transaction that reads the version again: two processes opening a
    /// new file at once migrate it once.
    fn migrate(&mut self, from: i64) -> Result<(), rusqlite::Error> {
        if from >= SCHEMA_VERSION {
            return Ok(());
        }
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let now: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        for (i, step) in MIGRATIONS.iter().enumerate().skip(now.max(0) as usize) {
            tx.execute_batch(step)?;
            tx.execute_batch(&format!("PRAGMA user_version = {}", i + 1))?;
        }
        tx.commit()
    }

    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// Reads the whole file for damage. A damaged one is marked (`archive.sqlite3.damaged`,
    /// holding why) so that the next open moves it aside; returns why.
    fn check(&self) -> Result<(), String> {
        let check: String = self
            .conn
            .query_row("PRAGMA quick_check", [], |r| r.get(0))
            .unwrap_or_else(|e| e.to_string());
        if check == "ok" {
            return Ok(());
        }
        let _ = std::fs::write(with_suffix(&self.path, DAMAGED), &check);
        Err(check)
    }

    /// Where a reader of `scope` on `account` got to, per stream.
    pub(crate) fn cursors(
        &self,
        account: &str,
        scope: &str,
    ) -> Result<Vec<(String, Since)>, ArchiveError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT stream, since FROM cursors WHERE account = ?1 AND scope = ?2",
        )?;
        let rows = stmt.query_map(params![account, scope], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (stream, since) = row?;
            match decode_since(&since) {
                Some(since) => out.push((stream, since)),
                None => tracing::warn!("skipped an unreadable cursor for {stream}: {since}"),
            }
        }
        Ok(out)
    }

    /// What a reader printed last, per group, oldest first.
    pub(crate) fn printed(
        &self,
        account: &str,
        scope: &str,
    ) -> Result<Vec<(usize, Vec<String>)>, ArchiveError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT grp, key FROM printed WHERE account = ?1 AND scope = ?2 ORDER BY grp, seq",
        )?;
        let rows = stmt.query_map(params![account, scope], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
        })?;
        let mut out: Vec<(usize, Vec<String>)> = Vec::new();
        for row in rows {
            let (grp, key) = row?;
            let grp = grp.max(0) as usize;
            match out.last_mut() {
                Some((g, keys)) if *g == grp => keys.push(key),
                _ => out.push((grp, vec![key])),
            }
        }
        Ok(out)
    }

    /// Where a reader got to (per stream) and what it printed last (per group), in one
    /// transaction: the printed keys of `scope` are replaced, the cursors updated.
    pub(crate) fn save_resume(
        &mut self,
        account: &str,
        scope: &str,
        cursors: &[(String, Since)],
        printed: &[(usize, Vec<String>)],
    ) -> Result<(), ArchiveError> {
        let now = Timestamp::now().as_second();
        let tx = self.conn.transaction()?;
        {
            let mut stmt = tx.prepare_cached(
                "INSERT INTO cursors (account, scope, stream, since, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (account, scope, stream)
                 DO UPDATE SET since = excluded.since, updated_at = excluded.updated_at",
            )?;
            for (stream, since) in cursors {
                stmt.execute(params![account, scope, stream, encode_since(since), now])?;
            }
            tx.execute(
                "DELETE FROM printed WHERE account = ?1 AND scope = ?2",
                params![account, scope],
            )?;
            let mut stmt = tx.prepare_cached(
                "INSERT INTO printed (account, scope, grp, seq, key) VALUES (?1, ?2, ?3, ?4, ?5)",
            )?;
            for (grp, keys) in printed {
                for (seq, key) in keys.iter().enumerate() {
                    stmt.execute(params![account, scope, *grp as i64, seq as i64, key])?;
                }
            }
        }
        tx.commit()?;
        Ok(())
    }

    pub(crate) fn stats(&self) -> Result<Stats, ArchiveError> {
        let mut accounts: std::collections::BTreeMap<String, AccountStats> = Default::default();
        let count = |r: &rusqlite::Row<'_>, i| r.get::<_, i64>(i).map(|n| n.max(0) as u64);
        let mut stmt = self.conn.prepare(
            "SELECT account, COUNT(DISTINCT scope), COUNT(*) FROM cursors GROUP BY account",
        )?;
        for row in stmt.query_map([], |r| {
            Ok((r.get::<_, String>(0)?, count(r, 1)?, count(r, 2)?))
        })? {
            let (account, readers, cursors) = row?;
            let a = accounts.entry(account).or_default();
            a.readers = readers;
            a.cursors = cursors;
        }
        let mut stmt = self.conn.prepare(
            "SELECT account, kind, COUNT(*), MIN(NULLIF(created_at, '')), MAX(created_at)
             FROM items GROUP BY account, kind",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                count(r, 2)?,
                r.get::<_, Option<String>>(3)?,
                r.get::<_, Option<String>>(4)?,
            ))
        })?;
        for row in rows {
            let (account, kind, n, oldest, newest) = row?;
            let a = accounts.entry(account).or_default();
            match kind.as_str() {
                store::KIND_STATUS => a.statuses = n,
                store::KIND_NOTIFICATION => a.notifications = n,
                _ => a.conversations = n,
            }
            a.oldest = [a.oldest.take(), oldest].into_iter().flatten().min();
            a.newest = [a.newest.take(), newest.filter(|t| !t.is_empty())]
                .into_iter()
                .flatten()
                .max();
        }
        let mut stmt = self
            .conn
            .prepare("SELECT account, COUNT(*) FROM tombstones GROUP BY account")?;
        for row in stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, count(r, 1)?)))? {
            let (account, n) = row?;
            accounts.entry(account).or_default().tombstones = n;
        }
        Ok(Stats {
            path: self.path.clone(),
            bytes: self.bytes(),
            accounts: accounts
                .into_iter()
                .map(|(account, a)| AccountStats { account, ..a })
                .collect(),
        })
    }

    /// The file and its write-ahead log, in bytes.
    pub(crate) fn bytes(&self) -> u64 {
        ["", "-wal"]
            .iter()
            .filter_map(|s| std::fs::metadata(with_suffix(&self.path, s)).ok())
            .map(|m| m.len())
            .sum()
    }

    /// Forgets everything kept for an account. Returns how many rows went.
    pub(crate) fn forget(&mut self, account: &str) -> Result<usize, ArchiveError> {
        let gone = self
            .conn
            .execute("DELETE FROM cursors WHERE account = ?1", params![account])?;
        self.conn
            .execute("DELETE FROM printed WHERE account = ?1", params![account])?;
        self.conn.execute(
            "DELETE FROM read_positions WHERE account = ?1",
            params![account],
        )?;
        let gone = gone
            + self
                .conn
                .execute("DELETE FROM items WHERE account = ?1", params![account])?
            + self.conn.execute(
                "DELETE FROM tombstones WHERE account = ?1",
                params![account],
            )?;
        self.compact()?;
        Ok(gone)
    }

    /// Brings the file under `max_bytes`: the oldest items go first, then cursors not moved
    /// for long (a reader that stopped), tombstones last. Returns how many rows went.
    pub(crate) fn prune(&mut self, max_bytes: u64) -> Result<usize, ArchiveError> {
        self.compact()?;
        if self.bytes() <= max_bytes {
            return Ok(0);
        }
        // The write-ahead log and the file's own overhead are not the live pages' size: a
        // little room keeps one pass enough.
        let gone = self.trim(max_bytes.saturating_sub(max_bytes / 20))?;
        self.compact()?;
        Ok(gone)
    }

    /// Gives freed pages back to the file system. The checkpoint comes after the vacuum: in
    /// WAL mode a vacuum writes the whole file into the log, which then held as much again.
    fn compact(&self) -> Result<(), ArchiveError> {
        self.conn
            .execute_batch("VACUUM; PRAGMA wal_checkpoint(TRUNCATE);")?;
        Ok(())
    }
}

enum Unusable {
    Error(ArchiveError),
    /// Not usable as it is: moved aside and replaced, for this reason.
    Replace(String),
}

fn encode_since(since: &Since) -> String {
    match since {
        Since::Id(id) => format!("id:{id}"),
        Since::Time(t) => format!("time:{t}"),
    }
}

fn decode_since(text: &str) -> Option<Since> {
    if let Some(id) = text.strip_prefix("id:") {
        return Some(Since::Id(id.to_string()));
    }
    text.strip_prefix("time:")?.parse().ok().map(Since::Time)
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

fn moved_aside_name(path: &Path) -> PathBuf {
    with_suffix(path, &format!(".unusable-{}", Timestamp::now().as_second()))
}

/// The archive holds the home timeline, direct messages and notifications: its owner's alone,
/// also in a data dir others may enter. SQLite gives its log files the database's mode.
fn keep_private(path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        // Logs left by an earlier run keep their own mode: made private too.
        for log in ["-wal", "-shm"] {
            let log = with_suffix(path, log);
            if let Ok(m) = std::fs::metadata(&log)
                && m.permissions().mode() & 0o077 != 0
            {
                let _ = std::fs::set_permissions(&log, std::fs::Permissions::from_mode(0o600));
            }
        }
        match std::fs::metadata(path) {
            Ok(m) if m.permissions().mode() & 0o077 != 0 => {
                let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600));
            }
            Ok(_) => {}
            Err(_) => {
                let _ = std::fs::OpenOptions::new()
                    .write(true)
                    .create_new(true)
                    .mode(0o600)
                    .open(path);
            }
        }
    }
    #[cfg(not(unix))]
    let _ = path;
}

/// The data dir holds tokens too: only its owner may enter it.
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    std::fs::create_dir_all(dir)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests;
