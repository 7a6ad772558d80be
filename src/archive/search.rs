//! Search of everything the live view showed: SQLite FTS5 over the text, content warning,
//! names, tags and alt text of each kept status (`store.rs` indexes them).

use rusqlite::{Connection, OpenFlags, params};

use super::store::{Kept, decode, sort_key};
use super::{Archive, ArchiveError, BUSY_WAIT, FILE_NAME};

impl Archive {
    /// A second connection to the archive in `dir`, for reading only (searches run beside the
    /// writer; WAL lets them). `None` when there is no archive yet.
    pub(crate) fn open_reader(dir: &std::path::Path) -> Result<Option<Archive>, ArchiveError> {
        let path = dir.join(FILE_NAME);
        if !path.exists() {
            return Ok(None);
        }
        let conn = Connection::open_with_flags(
            &path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        conn.busy_timeout(BUSY_WAIT)?;
        Ok(Some(Archive { conn, path }))
    }

    /// The newest `limit` statuses and conversations carried by `streams` of `account` that
    /// match every word of `query` (each word also as the start of a longer one), newest
    /// first.
    pub fn search(
        &self,
        account: &str,
        streams: &[String],
        query: &str,
        limit: usize,
    ) -> Result<Vec<Kept>, ArchiveError> {
        let Some(matcher) = fts_query(query) else {
            return Ok(Vec::new());
        };
        let streams = serde_json::to_string(streams).unwrap_or_else(|_| "[]".into());
        // Newest rows first straight off the index; the streams narrow each match.
        let mut stmt = self.conn.prepare_cached(
            "SELECT i.id, i.kind, i.json FROM items_fts f JOIN items i ON i.rowid = f.rowid
             WHERE items_fts MATCH ?1 AND i.account = ?2 AND i.kind != 'notification'
               AND EXISTS (SELECT 1 FROM carried c WHERE c.item = f.rowid AND c.account = ?2
                           AND c.stream IN (SELECT value FROM json_each(?3)))
             ORDER BY f.rowid DESC LIMIT ?4",
        )?;
        let rows = stmt.query_map(params![matcher, account, streams, limit as i64], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, super::store::StoredJson>(2)?,
            ))
        })?;
        let mut found: Vec<(String, Kept)> = Vec::new();
        for row in rows {
            let (id, kind, super::store::StoredJson(json)) = row?;
            if let Some(kept) = decode(&kind, &json) {
                found.push((sort_key(&id), kept));
            }
        }
        found.sort_by(|a, b| b.0.cmp(&a.0));
        Ok(found.into_iter().map(|(_, k)| k).collect())
    }
}

/// The words of what a person typed as an FTS5 query: each one quoted (FTS5's operators and
/// punctuation lose their meaning) and matched as a prefix; all must match. `None`: no words.
pub(crate) fn fts_query(typed: &str) -> Option<String> {
    let words: Vec<String> = typed
        .split(|c: char| !c.is_alphanumeric() && c != '_')
        .filter(|w| !w.is_empty())
        .take(16)
        .map(|w| format!("\"{}\"*", w.replace('"', "\"\"")))
        .collect();
    (!words.is_empty()).then(|| words.join(" "))
}
