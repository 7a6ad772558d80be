//! What the live view showed, kept per account: statuses, notifications and conversations
//! (the model's JSON, plus the columns queries need), which streams carried each, deletes
//! (tombstones, kept longest) and edits (applied in place). Written in batches by the writer
//! (`writer.rs`), read at start and by search.

use jiff::Timestamp;
use rusqlite::types::{FromSql, FromSqlResult, ValueRef};
use rusqlite::{OptionalExtension, Transaction, params};

use super::{Archive, ArchiveError};
use crate::model::{Conversation, Notification, Status};

/// The stream name notifications are filed under (they come with `user`, whatever tab shows
/// them).
pub(crate) const NOTIFICATIONS: &str = "notifications";

/// How hard the JSON is deflated: the fastest level keeps nearly all of the gain (a 2.5 kB
/// status: 1,127 bytes at 1, 1,080 at 6) at a fraction of the writer's time.
const DEFLATE_LEVEL: u8 = 1;
/// A kept item larger than this once inflated is not one this build wrote (events are
/// capped well below it): it is skipped, not inflated.
const MAX_JSON_BYTES: usize = 16 << 20;

/// An item's JSON as it goes into `items.json`: deflated, about half the size of the text
/// (as text if deflating fails, which the reader takes too).
pub(super) fn pack(json: &str) -> rusqlite::types::Value {
    use miniz_oxide::deflate::core::{
        CompressorOxide, TDEFLFlush, TDEFLStatus, compress, create_comp_flags_from_zip_params,
    };
    thread_local! {
        // Its state is some 300 kB: made once per thread, not once per post (which cost
        // more than the deflating).
        static COMPRESSOR: std::cell::RefCell<Box<CompressorOxide>> = std::cell::RefCell::new(
            Box::new(CompressorOxide::new(create_comp_flags_from_zip_params(
                DEFLATE_LEVEL.into(),
                0,
                0,
            ))),
        );
    }
    let text = || rusqlite::types::Value::Text(json.to_string());
    COMPRESSOR.with_borrow_mut(|c| {
        c.reset();
        let mut input = json.as_bytes();
        let mut out = vec![0; (input.len() / 2).max(64)];
        let mut at = 0;
        loop {
            let (status, read, written) = compress(c, input, &mut out[at..], TDEFLFlush::Finish);
            at += written;
            match status {
                TDEFLStatus::Done => {
                    out.truncate(at);
                    return rusqlite::types::Value::Blob(out);
                }
                TDEFLStatus::Okay if read <= input.len() && (read > 0 || written > 0) => {
                    input = &input[read..];
                    if out.len() - at < 64 {
                        out.resize(out.len() * 2, 0);
                    }
                }
                _ => return text(),
            }
        }
    })
}

/// An item's JSON as kept: deflated (schema 5) or text (rows from before). One that does not
/// inflate reads as empty, and the item is skipped like any that does not decode.
pub(super) struct StoredJson(pub(super) String);

impl FromSql for StoredJson {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        let text = match value {
            ValueRef::Text(t) => String::from_utf8_lossy(t).into_owned(),
            ValueRef::Blob(b) => {
                miniz_oxide::inflate::decompress_to_vec_with_limit(b, MAX_JSON_BYTES)
                    .ok()
                    .and_then(|bytes| String::from_utf8(bytes).ok())
                    .unwrap_or_default()
            }
            _ => String::new(),
        };
        Ok(StoredJson(text))
    }
}

/// One thing to keep. Serialised in the writer, off the render path.
#[derive(Debug, Clone, PartialEq)]
pub enum Write {
    /// A status a stream (or a REST page of it) brought; `stream` as `StreamSpec` prints it.
    Status {
        account: String,
        stream: String,
        status: Box<Status>,
    },
    Notification {
        account: String,
        notification: Box<Notification>,
    },
    /// A conversation changes in place: the newest version replaces what was kept.
    Conversation {
        account: String,
        stream: String,
        conversation: Box<Conversation>,
    },
    /// An edit replaces the status wherever it is kept: alone, boosted, notified.
    Edit {
        account: String,
        status: Box<Status>,
    },
    /// A delete: the status and what carries it go; its tombstone stays.
    Delete { account: String, id: String },
    /// Where the reader of a tab got to; an older position never replaces a newer one.
    ReadPosition {
        account: String,
        tab: String,
        id: String,
    },
}

/// A batch of writes as one command of the reducer.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Batch(pub Vec<Write>);

// Commands compare for equality in tests; the statuses inside never hold floats.
impl Eq for Batch {}

/// What was kept, as the view shows it.
#[derive(Debug, Clone, PartialEq)]
pub enum Kept {
    Status(Box<Status>),
    Notification(Box<Notification>),
    Conversation(Box<Conversation>),
}

/// Sorts as `live::is_newer` compares ids: longer is newer, then by text.
pub(crate) fn sort_key(id: &str) -> String {
    format!("{id:0>32}")
}

pub(super) const KIND_STATUS: &str = "status";
pub(super) const KIND_NOTIFICATION: &str = "notification";
pub(super) const KIND_CONVERSATION: &str = "conversation";

/// One write, inside the writer's transaction. A row that cannot be encoded is skipped.
pub(super) fn apply(tx: &Transaction<'_>, write: &Write, now: i64) -> Result<(), ArchiveError> {
    match write {
        Write::Status {
            account,
            stream,
            status,
        } => {
            let shown = status.original();
            if buried(tx, account, &status.id)? || buried(tx, account, &shown.id)? {
                return Ok(());
            }
            let Ok(json) = serde_json::to_string(status) else {
                return Ok(());
            };
            let (item, new) = upsert(
                tx,
                account,
                KIND_STATUS,
                &status.id,
                Some(&shown.id),
                &status.created_at,
                &json,
                now,
                false,
            )?;
            if new {
                index(tx, item, Some(shown), None)?;
            }
            carry(tx, item, account, stream, &sort_key(&status.id))?;
        }
        Write::Notification {
            account,
            notification,
        } => {
            let shown = notification.status.as_deref().map(Status::original);
            if let Some(s) = shown
                && buried(tx, account, &s.id)?
            {
                return Ok(());
            }
            let Ok(json) = serde_json::to_string(notification) else {
                return Ok(());
            };
            let (item, new) = upsert(
                tx,
                account,
                KIND_NOTIFICATION,
                &notification.id,
                shown.map(|s| s.id.as_str()),
                &notification.created_at,
                &json,
                now,
                false,
            )?;
            if new {
                index(tx, item, shown, Some(&notification.account))?;
            }
            carry(
                tx,
                item,
                account,
                NOTIFICATIONS,
                &sort_key(&notification.id),
            )?;
        }
        Write::Conversation {
            account,
            stream,
            conversation,
        } => {
            let shown = conversation.last_status.as_deref().map(Status::original);
            let Ok(json) = serde_json::to_string(conversation) else {
                return Ok(());
            };
            let created = shown.map_or("", |s| s.created_at.as_str());
            let (item, _) = upsert(
                tx,
                account,
                KIND_CONVERSATION,
                &conversation.id,
                shown.map(|s| s.id.as_str()),
                created,
                &json,
                now,
                true,
            )?;
            index(tx, item, shown, None)?;
            // It moves to where its newest status is.
            tx.execute("DELETE FROM carried WHERE item = ?1", params![item])?;
            let sort = sort_key(shown.map_or(conversation.id.as_str(), |s| s.id.as_str()));
            carry(tx, item, account, stream, &sort)?;
        }
        Write::Edit { account, status } => edit(tx, account, status)?,
        Write::ReadPosition { account, tab, id } => {
            let kept: Option<String> = tx
                .query_row(
                    "SELECT id FROM read_positions WHERE account = ?1 AND tab = ?2",
                    params![account, tab],
                    |r| r.get(0),
                )
                .optional()?;
            if kept.is_none_or(|k| crate::live::is_newer(id, &k)) {
                tx.execute(
                    "INSERT INTO read_positions (account, tab, id, updated_at)
                     VALUES (?1, ?2, ?3, ?4)
                     ON CONFLICT (account, tab)
                     DO UPDATE SET id = excluded.id, updated_at = excluded.updated_at",
                    params![account, tab, id, now],
                )?;
            }
        }
        Write::Delete { account, id } => {
            tx.execute(
                "INSERT INTO tombstones (account, id, deleted_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT (account, id) DO NOTHING",
                params![account, id, now],
            )?;
            // The status (or a boost, by its own id), boosts of it, notifications about it
            // (the triggers take their streams and index entries along). Two statements, each
            // one index lookup: their OR would read the whole table for every delete.
            tx.prepare_cached(
                "DELETE FROM items WHERE account = ?1 AND kind = 'status' AND id = ?2",
            )?
            .execute(params![account, id])?;
            tx.prepare_cached(
                "DELETE FROM items WHERE account = ?1 AND status_id = ?2 AND kind != 'conversation'",
            )?
            .execute(params![account, id])?;
        }
    }
    Ok(())
}

fn buried(tx: &Transaction<'_>, account: &str, id: &str) -> Result<bool, ArchiveError> {
    let mut stmt = tx.prepare_cached("SELECT 1 FROM tombstones WHERE account = ?1 AND id = ?2")?;
    Ok(stmt.exists(params![account, id])?)
}

/// Inserts an item (or replaces its JSON, when `replace`); returns its row id and whether
/// it needs indexing (new or replaced).
#[allow(clippy::too_many_arguments)]
fn upsert(
    tx: &Transaction<'_>,
    account: &str,
    kind: &str,
    id: &str,
    status_id: Option<&str>,
    created_at: &str,
    json: &str,
    now: i64,
    replace: bool,
) -> Result<(i64, bool), ArchiveError> {
    let existing: Option<i64> = tx
        .prepare_cached("SELECT rowid FROM items WHERE account = ?1 AND kind = ?2 AND id = ?3")?
        .query_row(params![account, kind, id], |r| r.get(0))
        .optional()?;
    if let Some(item) = existing {
        if replace {
            tx.prepare_cached("UPDATE items SET json = ?2, status_id = ?3 WHERE rowid = ?1")?
                .execute(params![item, pack(json), status_id])?;
            tx.prepare_cached("DELETE FROM items_fts WHERE rowid = ?1")?
                .execute(params![item])?;
        }
        return Ok((item, replace));
    }
    tx.prepare_cached(
        "INSERT INTO items (account, kind, id, status_id, created_at, seen_at, json)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        account,
        kind,
        id,
        status_id,
        created_at,
        now,
        pack(json)
    ])?;
    Ok((tx.last_insert_rowid(), true))
}

fn carry(
    tx: &Transaction<'_>,
    item: i64,
    account: &str,
    stream: &str,
    sort: &str,
) -> Result<(), ArchiveError> {
    tx.prepare_cached(
        "INSERT OR IGNORE INTO carried (account, stream, sort, item) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![account, stream, sort, item])?;
    Ok(())
}

/// What search finds a status by: its text, content warning, names, tags and alt text. Only
/// for an item not indexed yet (new, or its entry removed by a replace or an edit): a lookup
/// by rowid in a contentless index is a scan.
fn index(
    tx: &Transaction<'_>,
    item: i64,
    status: Option<&Status>,
    from: Option<&crate::model::Account>,
) -> Result<(), ArchiveError> {
    let mut names = String::new();
    let mut text = String::new();
    let (mut cw, mut tags, mut alt) = (String::new(), String::new(), String::new());
    if let Some(a) = from {
        names.push_str(&a.acct);
        names.push(' ');
        names.push_str(&a.display_name);
        names.push(' ');
    }
    if let Some(s) = status {
        names.push_str(&s.account.acct);
        names.push(' ');
        names.push_str(&s.account.display_name);
        text = crate::text::html_to_line(&s.content, 1 << 20);
        if let Some(poll) = &s.poll {
            for o in &poll.options {
                text.push('\n');
                text.push_str(&o.title);
            }
        }
        cw = s.spoiler_text.clone();
        tags = s
            .tags
            .iter()
            .map(|t| t.name.as_str())
            .collect::<Vec<_>>()
            .join(" ");
        alt = s
            .media_attachments
            .iter()
            .filter_map(|m| m.description.as_deref())
            .collect::<Vec<_>>()
            .join("\n");
    }
    tx.prepare_cached(
        "INSERT INTO items_fts (rowid, text, cw, names, tags, alt) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![item, text, cw, names, tags, alt])?;
    Ok(())
}

/// Replaces an edited status in every item that shows it.
fn edit(tx: &Transaction<'_>, account: &str, edited: &Status) -> Result<(), ArchiveError> {
    fn replace(slot: &mut Status, edited: &Status) -> bool {
        if slot.id == edited.id {
            *slot = edited.clone();
            return true;
        }
        slot.reblog
            .as_deref_mut()
            .is_some_and(|inner| replace(inner, edited))
    }
    let rows: Vec<(i64, String, StoredJson)> = tx
        .prepare_cached(
            // `status_id` is the shown status's id for every kind (a status's own, a boost's
            // original): one index lookup, where `OR id = ?` would read the whole table.
            "SELECT rowid, kind, json FROM items WHERE account = ?1 AND status_id = ?2",
        )?
        .query_map(params![account, edited.id], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })?
        .collect::<Result<_, _>>()?;
    for (item, kind, StoredJson(json)) in rows {
        let Some(kept) = decode(&kind, &json) else {
            continue;
        };
        let (json, shown, from) = match kept {
            Kept::Status(mut s) => {
                if !replace(&mut s, edited) {
                    continue;
                }
                let json = serde_json::to_string(&s).ok();
                (json, Some(s.original().clone()), None)
            }
            Kept::Notification(mut n) => {
                if !n.status.as_deref_mut().is_some_and(|s| replace(s, edited)) {
                    continue;
                }
                let json = serde_json::to_string(&n).ok();
                let shown = n.status.as_deref().map(|s| s.original().clone());
                (json, shown, Some(n.account.clone()))
            }
            Kept::Conversation(mut c) => {
                if !c
                    .last_status
                    .as_deref_mut()
                    .is_some_and(|s| replace(s, edited))
                {
                    continue;
                }
                let json = serde_json::to_string(&c).ok();
                let shown = c.last_status.as_deref().map(|s| s.original().clone());
                (json, shown, None)
            }
        };
        let Some(json) = json else { continue };
        tx.prepare_cached("UPDATE items SET json = ?2 WHERE rowid = ?1")?
            .execute(params![item, pack(&json)])?;
        tx.prepare_cached("DELETE FROM items_fts WHERE rowid = ?1")?
            .execute(params![item])?;
        index(tx, item, shown.as_ref(), from.as_ref())?;
    }
    Ok(())
}

/// A kept row back as a model value; a row this build cannot read is skipped.
pub(super) fn decode(kind: &str, json: &str) -> Option<Kept> {
    let kept = match kind {
        KIND_STATUS => Kept::Status(serde_json::from_str(json).ok()?),
        KIND_NOTIFICATION => Kept::Notification(serde_json::from_str(json).ok()?),
        KIND_CONVERSATION => Kept::Conversation(serde_json::from_str(json).ok()?),
        _ => return None,
    };
    Some(kept)
}

impl Archive {
    /// Keeps a batch, in one transaction.
    pub fn write(&mut self, batch: &[Write]) -> Result<(), ArchiveError> {
        let now = Timestamp::now().as_second();
        let tx = self.conn.transaction()?;
        for write in batch {
            apply(&tx, write, now)?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Where the reader of `tab` (its streams, as `read_key` names them) got to.
    pub fn read_position(&self, account: &str, tab: &str) -> Result<Option<String>, ArchiveError> {
        Ok(self
            .conn
            .query_row(
                "SELECT id FROM read_positions WHERE account = ?1 AND tab = ?2",
                params![account, tab],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// The newest `limit` items a stream carried, newest first.
    pub fn recent(
        &self,
        account: &str,
        stream: &str,
        limit: usize,
    ) -> Result<Vec<Kept>, ArchiveError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT i.kind, i.json FROM carried c JOIN items i ON i.rowid = c.item
             WHERE c.account = ?1 AND c.stream = ?2 ORDER BY c.sort DESC LIMIT ?3",
        )?;
        let rows = stmt.query_map(params![account, stream, limit as i64], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, StoredJson>(1)?))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (kind, StoredJson(json)) = row?;
            match decode(&kind, &json) {
                Some(kept) => out.push(kept),
                None => tracing::debug!("skipped an unreadable {kind} in the archive"),
            }
        }
        Ok(out)
    }

    /// Whether anything is kept for an account.
    pub(crate) fn keeps(&self, account: &str) -> Result<bool, ArchiveError> {
        Ok(self
            .conn
            .prepare_cached("SELECT 1 FROM carried WHERE account = ?1 LIMIT 1")?
            .exists(params![account])?)
    }

    /// The newest id a stream carried (for conversations: the newest status's).
    pub(crate) fn newest_id(
        &self,
        account: &str,
        stream: &str,
    ) -> Result<Option<String>, ArchiveError> {
        let sort: Option<String> = self
            .conn
            .prepare_cached(
                "SELECT sort FROM carried WHERE account = ?1 AND stream = ?2
                 ORDER BY sort DESC LIMIT 1",
            )?
            .query_row(params![account, stream], |r| r.get(0))
            .optional()?;
        Ok(sort.map(|s| {
            let id = s.trim_start_matches('0');
            if id.is_empty() { "0" } else { id }.to_string()
        }))
    }

    /// The account's newest `limit` deletes, newest first (in the order they were written
    /// within a second), for the live core to bury.
    pub(crate) fn tombstones(
        &self,
        account: &str,
        limit: usize,
    ) -> Result<Vec<String>, ArchiveError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id FROM tombstones WHERE account = ?1 ORDER BY deleted_at DESC, rowid DESC LIMIT ?2",
        )?;
        let ids = stmt
            .query_map(params![account, limit as i64], |r| r.get(0))?
            .collect::<Result<Vec<String>, _>>()?;
        Ok(ids)
    }

    /// Bytes the file's live pages take (freed pages are reused before the file grows).
    pub(crate) fn used_bytes(&self) -> Result<u64, ArchiveError> {
        let get = |pragma: &str| -> Result<i64, rusqlite::Error> {
            self.conn
                .query_row(&format!("PRAGMA {pragma}"), [], |r| r.get(0))
        };
        let used = (get("page_count")? - get("freelist_count")?).max(0) * get("page_size")?;
        Ok(used as u64)
    }

    /// Drops the oldest kept items (a twentieth at a time, tombstones last) until the live
    /// pages fit in `max_bytes`. Returns how many rows went. Pages freed are reused; only
    /// `archive prune` gives them back to the file system.
    pub(crate) fn trim(&mut self, max_bytes: u64) -> Result<usize, ArchiveError> {
        let mut gone = 0;
        while self.used_bytes()? > max_bytes {
            let items: i64 = self
                .conn
                .query_row("SELECT COUNT(*) FROM items", [], |r| r.get(0))?;
            let n = if items > 0 {
                let chunk = (items / 20).max(1);
                self.conn.execute(
                    "DELETE FROM items WHERE rowid IN (SELECT rowid FROM items ORDER BY rowid LIMIT ?1)",
                    params![chunk],
                )?
            } else {
                let cursors = self.conn.execute(
                    "DELETE FROM cursors WHERE updated_at <= (SELECT MIN(updated_at) FROM cursors)",
                    [],
                )?;
                if cursors > 0 {
                    cursors
                } else {
                    let tombstones: i64 =
                        self.conn
                            .query_row("SELECT COUNT(*) FROM tombstones", [], |r| r.get(0))?;
                    self.conn.execute(
                        "DELETE FROM tombstones WHERE rowid IN
                         (SELECT rowid FROM tombstones ORDER BY deleted_at, rowid LIMIT ?1)",
                        params![(tombstones / 20).max(1)],
                    )?
                }
            };
            if n == 0 {
                break;
            }
            gone += n;
        }
        Ok(gone)
    }
}

#[cfg(test)]
#[path = "store_tests.rs"]
mod tests;
