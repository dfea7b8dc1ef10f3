//! The audit log (PIPL): one row per response that carried personal data, hash-chained so that any change to a
//! stored row, or a row removed from the middle, breaks the chain. It lives in its own file,
//! `<data-dir>/audit.sqlite`, so audit writes never wait behind a pipeline's long write transactions.

use std::path::{Path, PathBuf};

use rusqlite::{Connection, OptionalExtension, params};

use super::{StoreError, StoreResult, wal_connection};

/// File name of the audit log inside the data folder.
pub const AUDIT_FILE: &str = "audit.sqlite";

/// The hash before the first record.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

const SCHEMA: &str = r#"
CREATE TABLE IF NOT EXISTS audit_log (
    seq        INTEGER PRIMARY KEY,
    at_ms      INTEGER NOT NULL,
    request_id TEXT NOT NULL,
    user_name  TEXT NOT NULL,
    role       TEXT NOT NULL,
    method     TEXT NOT NULL,
    route      TEXT NOT NULL,
    status     INTEGER NOT NULL,
    purpose    TEXT NOT NULL,
    subjects   TEXT NOT NULL,
    prev_hash  TEXT NOT NULL,
    hash       TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_log_at ON audit_log (at_ms);
CREATE TRIGGER IF NOT EXISTS audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
"#;

/// What a response that carried personal data was: who read what, why. `subjects` are the ids of the people or
/// cases whose data the response carried.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AuditEntry {
    pub request_id: String,
    pub user_name: String,
    pub role: String,
    pub method: String,
    pub route: String,
    pub status: u16,
    pub purpose: String,
    pub subjects: Vec<String>,
}

/// One stored audit record: an entry with its place in the chain.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AuditRecord {
    pub seq: i64,
    pub at_ms: i64,
    #[serde(flatten)]
    pub entry: AuditEntry,
    pub prev_hash: String,
    pub hash: String,
}

/// The audit log file.
pub struct AuditStore {
    conn: Connection,
    path: PathBuf,
}

impl AuditStore {
    /// Opens (creating if needed) the audit log of `data_dir`.
    pub fn open(data_dir: &Path) -> StoreResult<AuditStore> {
        std::fs::create_dir_all(data_dir)
            .map_err(|e| StoreError::Open { path: data_dir.to_path_buf(), source: Box::new(e) })?;
        let path = data_dir.join(AUDIT_FILE);
        let mut conn =
            Connection::open(&path).map_err(|e| StoreError::Open { path: path.clone(), source: Box::new(e) })?;
        wal_connection(&conn)?;
        // FULL: a committed batch survives a power cut too, and the request it answers waits for it.
        conn.pragma_update(None, "synchronous", "FULL")?;
        // In a write transaction taken up front: a read that later needs to write is refused at once (not waited
        // for) when another connection wrote in between, e.g. created these tables.
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        tx.execute_batch(SCHEMA)?;
        tx.commit()?;
        Ok(AuditStore { conn, path })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends records in one transaction, chained after the stored head: each gets the next `seq`, the previous
    /// record's hash as `prev_hash`, and `hash(record)` as its hash. The head is read inside the (immediate)
    /// transaction, so several writers on one file still make one chain.
    pub fn append(&mut self, records: &mut [AuditRecord], hash: impl Fn(&AuditRecord) -> String) -> StoreResult<()> {
        let tx = self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let (mut seq, mut prev) = tx
            .query_row("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1", [], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?
            .unwrap_or((0_i64, GENESIS.to_string()));
        {
            let mut ins = tx.prepare_cached(
                "INSERT INTO audit_log (seq, at_ms, request_id, user_name, role, method, route, status, purpose,
                     subjects, prev_hash, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
            )?;
            for r in records.iter_mut() {
                seq += 1;
                r.seq = seq;
                r.prev_hash = std::mem::take(&mut prev);
                r.hash = hash(r);
                prev = r.hash.clone();
                ins.execute(params![
                    r.seq,
                    r.at_ms,
                    r.entry.request_id,
                    r.entry.user_name,
                    r.entry.role,
                    r.entry.method,
                    r.entry.route,
                    r.entry.status,
                    r.entry.purpose,
                    r.entry.subjects.join(";"),
                    r.prev_hash,
                    r.hash
                ])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Calls `f` on every record with `from_ms <= at_ms < to_ms` (all when `None`), in sequence order.
    pub fn for_each(
        &self,
        from_ms: Option<i64>,
        to_ms: Option<i64>,
        mut f: impl FnMut(AuditRecord) -> StoreResult<()>,
    ) -> StoreResult<()> {
        let mut stmt = self.conn.prepare(
            "SELECT seq, at_ms, request_id, user_name, role, method, route, status, purpose, subjects, prev_hash, hash
             FROM audit_log WHERE (?1 IS NULL OR at_ms >= ?1) AND (?2 IS NULL OR at_ms < ?2) ORDER BY seq",
        )?;
        let mut rows = stmt.query(params![from_ms, to_ms])?;
        while let Some(r) = rows.next()? {
            let subjects: String = r.get(9)?;
            f(AuditRecord {
                seq: r.get(0)?,
                at_ms: r.get(1)?,
                entry: AuditEntry {
                    request_id: r.get(2)?,
                    user_name: r.get(3)?,
                    role: r.get(4)?,
                    method: r.get(5)?,
                    route: r.get(6)?,
                    status: r.get(7)?,
                    purpose: r.get(8)?,
                    subjects: super::split_list(&subjects),
                },
                prev_hash: r.get(10)?,
                hash: r.get(11)?,
            })?;
        }
        Ok(())
    }

    /// Raw access for tamper tests.
    pub fn conn(&self) -> &Connection {
        &self.conn
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn many_connections_open_a_new_audit_log_at_once() {
        crate::store::tests::open_together(8, 20, |dir| AuditStore::open(dir).map(|_| ()));
    }
}
