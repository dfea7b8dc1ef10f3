//! The SQLite store: `<data-dir>/fanzha.sqlite` in WAL mode, versioned migrations, one table per record type
//! with a `_history` table of replaced versions, ingest runs and flags.
//!
//! Writes go through a [`Batch`] (one transaction with cached prepared statements), so a process killed at any
//! moment leaves exactly the batches that committed, and a re-run finds them unchanged.
//!
//! Which ids a table holds, and their row hashes, are read once per table into memory ([`known`]) and kept in
//! step with every write, so ingest decides insert / update / unchanged and checks references without a query
//! per row.

mod audit;
mod error;
mod export;
mod gangs;
mod known;
mod migrations;
mod outreach;
mod pipeline_runs;
mod reports;
mod risk;
mod rows;
mod rules;
mod stats;
mod transfers;
mod users;

use std::path::{Path, PathBuf};

use datasets::{Record, Table};
use rusqlite::types::{ToSqlOutput, ValueRef};
use rusqlite::{CachedStatement, Connection, Transaction, TransactionBehavior, params, params_from_iter};

pub use audit::{AUDIT_FILE, AuditEntry, AuditRecord, AuditStore, GENESIS};
pub use error::{StoreError, StoreErrorKind, StoreResult};
pub use export::{Cell, ColumnType, ExportColumn, ExportSource};
pub use gangs::{HubRow, MemberReportRow, MoneyEndRow, NewGangRun, ServiceRow};
use known::Known;
pub use outreach::{
    AssignmentRow, ContactRow, NewPlan, OutcomeRow, PlanResidentRow, PlanRow, PlanStatus, TaskRow, VictimRow,
    WarningRow,
};
pub use pipeline_runs::{PipelineRunRow, PipelineStatus, PipelineStepRow, Step, StepEnd, StepStatus, Trigger};
pub use risk::{
    CommunityScore, HistoryRow, NewScore, NewSnapshot, ReasonCode, ResidentScore, ScoreFilter, SnapshotHead,
    resident_missing,
};
pub use rules::split_list;
pub use stats::{CaseCount, LocalSpan};
pub use users::UserRow;

pub use transfers::{DataVersion, TransferRow};

/// File name of the store inside the data folder.
pub const STORE_FILE: &str = "fanzha.sqlite";

/// An open store.
pub struct Store {
    conn: Connection,
    path: PathBuf,
    sql: Vec<TableSql>,
    known: Known,
}

/// The statements used per record table, built once.
struct TableSql {
    table: Table,
    archive: String,
    upsert: String,
}

/// What the store needs to know about a record before writing it: its id key and row hash. Computing it is
/// pure, so ingest does it on the parser thread.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RowKey {
    id: u128,
    hash: u64,
    /// The keys of the record's references, in [`rows::references`] order (unused slots 0).
    refs: [u128; 3],
}

impl RowKey {
    /// The key of `rec`.
    pub fn of(rec: &Record) -> RowKey {
        let mut refs = [0; 3];
        for (slot, (_, value, _)) in refs.iter_mut().zip(rows::references(rec)) {
            *slot = known::key(value);
        }
        RowKey { id: known::key(rec.id()), hash: rows::row_hash(rec), refs }
    }
}

/// What writing one record did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Write {
    Inserted,
    /// The id existed with different content; the old version went to `<table>_history`.
    Updated,
    /// The id existed with the same content; nothing was written.
    Unchanged,
}

/// How an ingest run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunStatus {
    Done,
    DoneWithRejects,
    Failed,
}

impl RunStatus {
    fn as_str(self) -> &'static str {
        match self {
            RunStatus::Done => "done",
            RunStatus::DoneWithRejects => "done_with_rejects",
            RunStatus::Failed => "failed",
        }
    }
}

/// Per-file counts of one ingest run.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct FileCounts {
    pub file: String,
    pub table: String,
    pub accepted: u64,
    pub updated: u64,
    pub unchanged: u64,
    pub rejected: u64,
    pub flagged: u64,
    /// A problem that stopped the whole file (bad header, empty file, …).
    pub error: Option<String>,
}

/// How long a connection waits for another's lock.
const BUSY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// Runs `f` again while SQLite answers "busy" without waiting (as it does for a journal-mode switch), for up to
/// [`BUSY_TIMEOUT`].
fn retry_busy<T>(mut f: impl FnMut() -> rusqlite::Result<T>) -> rusqlite::Result<T> {
    let start = std::time::Instant::now();
    loop {
        match f() {
            Err(rusqlite::Error::SqliteFailure(e, _))
                if e.code == rusqlite::ErrorCode::DatabaseBusy && start.elapsed() < BUSY_TIMEOUT =>
            {
                std::thread::sleep(std::time::Duration::from_millis(5));
            }
            other => return other,
        }
    }
}

/// Sets up a new connection to a WAL database: it waits up to [`BUSY_TIMEOUT`] for another's lock, and the file is
/// switched to WAL. The switch can be refused at once (no busy handler) while another connection makes it too (a
/// server and a command opening a new data folder together; several servers one audit log), so it is retried.
pub(crate) fn wal_connection(conn: &Connection) -> rusqlite::Result<()> {
    conn.busy_timeout(BUSY_TIMEOUT)?;
    retry_busy(|| conn.pragma_update(None, "journal_mode", "WAL"))
}

impl Store {
    /// Opens the store in `data_dir`, creating the folder and the database if needed, and applies pending
    /// migrations.
    pub fn open(data_dir: &Path) -> StoreResult<Store> {
        std::fs::create_dir_all(data_dir)
            .map_err(|e| StoreError::Open { path: data_dir.to_path_buf(), source: Box::new(e) })?;
        let path = data_dir.join(STORE_FILE);
        let conn = Connection::open(&path).map_err(|e| StoreError::Open { path: path.clone(), source: Box::new(e) })?;
        let mut store = Store::with_connection(conn, path)?;
        store.migrate()?;
        Ok(store)
    }

    /// Opens an existing store without creating anything; fails when `data_dir` holds none.
    pub fn open_existing(data_dir: &Path) -> StoreResult<Store> {
        let path = data_dir.join(STORE_FILE);
        if !path.is_file() {
            return Err(StoreError::Missing { path, dir: data_dir.to_path_buf() });
        }
        Store::open(data_dir)
    }

    fn with_connection(conn: Connection, path: PathBuf) -> StoreResult<Store> {
        wal_connection(&conn)?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        // 64 MiB page cache: id lookups and reference checks on a million-row table stay in memory.
        conn.pragma_update(None, "cache_size", -65_536)?;
        conn.pragma_update(None, "temp_store", "MEMORY")?;
        conn.set_prepared_statement_cache_capacity(64);
        let sql = Table::ALL
            .into_iter()
            .map(|table| {
                let (t, cols) = (table.name(), rows::columns(table));
                let id = cols[0];
                let names = cols.join(", ");
                let marks = (1..=cols.len() + 3).map(|i| format!("?{i}")).collect::<Vec<_>>().join(", ");
                TableSql {
                    table,
                    archive: format!("INSERT INTO {t}_history SELECT *, ?1, ?2 FROM {t} WHERE {id} = ?3"),
                    upsert: format!(
                        "INSERT OR REPLACE INTO {t} ({names}, row_hash, run_id, ingested_at) VALUES ({marks})"
                    ),
                }
            })
            .collect();
        Ok(Store { conn, path, sql, known: Known::default() })
    }

    /// Applies the migrations newer than `PRAGMA user_version`, each in its own transaction.
    ///
    /// Each step takes the write lock first and reads the version under it, so connections opening one store
    /// together wait for each other (a read that later wants to write is refused at once, not waited for) and
    /// apply each migration once.
    fn migrate(&mut self) -> StoreResult<()> {
        let latest = migrations::MIGRATIONS.len() as i64;
        let version =
            |c: &Connection| -> StoreResult<i64> { Ok(c.pragma_query_value(None, "user_version", |r| r.get(0))?) };
        loop {
            let current = version(&self.conn)?;
            if current > latest {
                return Err(StoreError::NewerSchema { path: self.path.clone(), found: current, known: latest });
            }
            if current == latest {
                return Ok(());
            }
            let tx = self.conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let current = version(&tx)?;
            if current >= latest {
                continue;
            }
            let (i, sql) = (current as usize, migrations::MIGRATIONS[current as usize]);
            tx.execute_batch(sql).map_err(|source| StoreError::Migration { version: i + 1, source })?;
            tx.pragma_update(None, "user_version", i as i64 + 1)?;
            tx.commit()?;
            tracing::info!(version = i + 1, "applied store migration");
        }
    }

    /// Tunes this connection for serving reads: a small page cache of its own (4 MiB; the OS page cache is shared
    /// by all connections), so a pool's memory is bounded by its size. No memory map: each connection's map of the
    /// file would count in the server's resident memory as it is touched, so memory would grow with the store.
    pub fn tune_for_serving(&self) -> StoreResult<()> {
        self.conn().pragma_update(None, "cache_size", -4096)?;
        Ok(())
    }

    /// The schema version.
    pub fn schema_version(&self) -> StoreResult<i64> {
        Ok(self.conn.pragma_query_value(None, "user_version", |r| r.get(0))?)
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Read access for queries (statistics, tests).
    pub fn conn(&self) -> &Connection {
        &self.conn
    }

    /// Records the start of an ingest run. Runs left `running` by a killed process are marked `interrupted`
    /// (the caller holds the ingest lock, so no other run is live).
    pub fn begin_run(&mut self, source_dir: &Path, now: i64) -> StoreResult<i64> {
        let tx = self.conn.transaction()?;
        tx.execute("UPDATE runs SET status = 'interrupted' WHERE status = 'running'", [])?;
        tx.execute(
            "INSERT INTO runs (started_at, source_dir, status) VALUES (?1, ?2, 'running')",
            params![now, source_dir.display().to_string()],
        )?;
        let id = tx.last_insert_rowid();
        tx.commit()?;
        Ok(id)
    }

    /// Records the end of a run with its per-file counts.
    pub fn finish_run(&mut self, run: i64, status: RunStatus, files: &[FileCounts], now: i64) -> StoreResult<()> {
        let tx = self.conn.transaction()?;
        for f in files {
            tx.execute(
                "INSERT OR REPLACE INTO run_files (run_id, file, tbl, accepted, updated, unchanged, rejected, flagged, error)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                params![
                    run,
                    f.file,
                    f.table,
                    f.accepted as i64,
                    f.updated as i64,
                    f.unchanged as i64,
                    f.rejected as i64,
                    f.flagged as i64,
                    f.error
                ],
            )?;
        }
        tx.execute(
            "UPDATE runs SET status = ?1, finished_at = ?2 WHERE run_id = ?3",
            params![status.as_str(), now, run],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Drops flags whose referenced record has arrived since (e.g. a resident ingested after the report).
    pub fn resolve_flags(&mut self) -> StoreResult<u64> {
        let mut n = 0;
        for (field, target) in [
            ("victim_id", Table::Residents),
            ("report_id", Table::Reports),
            ("resident_id", Table::Residents),
            ("content_id", Table::Content),
            ("staff_id", Table::Staff),
        ] {
            let (id, target) = (rows::columns(target)[0], target.name());
            n += self.conn.execute(
                &format!("DELETE FROM flags WHERE field = ?1 AND value IN (SELECT {id} FROM {target})"),
                [field],
            )? as u64;
        }
        Ok(n)
    }

    /// Sizes the in-memory id map of `table` for about `rows` ids in all (a hint, e.g. the rows of the file
    /// about to be written: it saves regrowing the map while a large file is written).
    pub fn expect_rows(&mut self, table: Table, rows: usize) -> StoreResult<()> {
        self.known.table(&self.conn, table)?.reserve_total(rows);
        Ok(())
    }

    /// Starts a write batch (one transaction) for run `run`, stamped `now`.
    pub fn batch(&mut self, run: i64, now: i64) -> StoreResult<Batch<'_>> {
        self.known.begin_batch();
        let conn = &self.conn;
        // Same as `Connection::transaction` (deferred), but borrowing the connection shared, so the batch can
        // also hold its prepared upserts.
        let tx = Transaction::new_unchecked(conn, TransactionBehavior::Deferred)?;
        let upserts = Table::ALL.map(|_| None);
        Ok(Batch { tx, conn, upserts, sql: &self.sql, known: &mut self.known, run, now })
    }
}

/// One write transaction: records, their flags. Nothing is visible to others until [`Batch::commit`].
pub struct Batch<'a> {
    tx: Transaction<'a>,
    conn: &'a Connection,
    /// Each table's upsert, prepared on first use in this batch (saves a cache lookup per row).
    upserts: [Option<CachedStatement<'a>>; Table::ALL.len()],
    sql: &'a [TableSql],
    known: &'a mut Known,
    run: i64,
    now: i64,
}

impl<'a> Batch<'a> {
    fn sql(&self, table: Table) -> &'a TableSql {
        self.sql.iter().find(|s| s.table == table).expect("every table has statements")
    }

    /// Inserts the record, updates it (archiving the old version) or leaves it alone when unchanged.
    pub fn write(&mut self, rec: &Record) -> StoreResult<Write> {
        self.write_keyed(rec, RowKey::of(rec))
    }

    /// [`Batch::write`] with the record's key already computed (`key` must be `RowKey::of(rec)`).
    pub fn write_keyed(&mut self, rec: &Record, key: RowKey) -> StoreResult<Write> {
        let (table, hash) = (rec.table(), key.hash);
        let known = self.known.table(&self.tx, table)?;
        let outcome = match known.row_hash(key.id) {
            Some(h) if h == hash => return Ok(Write::Unchanged),
            Some(_) => Write::Updated,
            None => Write::Inserted,
        };
        let sql = self.sql(table);
        if outcome == Write::Updated {
            self.tx.prepare_cached(&sql.archive)?.execute(params![self.run, self.now, rec.id()])?;
        }
        let hash_text = rows::hash_text(hash);
        let tail = [ToSqlOutput::Borrowed(ValueRef::Text(&hash_text)), self.run.into(), self.now.into()];
        let upsert = match &mut self.upserts[table as usize] {
            Some(stmt) => stmt,
            empty => empty.insert(self.conn.prepare_cached(&sql.upsert)?),
        };
        upsert.execute(params_from_iter(rows::values(rec).into_iter().chain(tail)))?;
        self.known.table(&self.tx, table)?.insert(key.id, hash);
        Ok(outcome)
    }

    /// Whether a record with `id` exists in `table` (including rows written earlier in this batch).
    pub fn exists(&mut self, table: Table, id: &str) -> StoreResult<bool> {
        Ok(self.known.table(&self.tx, table)?.row_hash(known::key(id)).is_some())
    }

    /// Checks the references of a record that [`Batch::write`] just wrote with `outcome` and, unless it was
    /// unchanged, replaces its stored flags. Returns how many references point at unknown records.
    pub fn check_references(&mut self, rec: &Record, outcome: Write) -> StoreResult<u64> {
        self.check_references_keyed(rec, &RowKey::of(rec), outcome)
    }

    /// [`Batch::check_references`] with the record's key already computed (`key` must be `RowKey::of(rec)`).
    pub fn check_references_keyed(&mut self, rec: &Record, key: &RowKey, outcome: Write) -> StoreResult<u64> {
        let (table, id) = (rec.table().name(), rec.id());
        let rewrite = outcome != Write::Unchanged;
        // A newly inserted record has no flags yet (flags are only written with their record).
        if outcome == Write::Updated {
            self.tx
                .prepare_cached("DELETE FROM flags WHERE tbl = ?1 AND record_id = ?2")?
                .execute(params![table, id])?;
        }
        let mut flagged = 0;
        for ((field, value, target), value_key) in rows::references(rec).zip(key.refs) {
            if self.known.table(&self.tx, target)?.row_hash(value_key).is_some() {
                continue;
            }
            flagged += 1;
            if rewrite {
                let reason = format!("unknown {} {value:?}; row kept", target.name().trim_end_matches('s'));
                self.tx
                    .prepare_cached(
                        "INSERT OR REPLACE INTO flags (tbl, record_id, field, value, reason, run_id)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                    )?
                    .execute(params![table, id, field, value, reason, self.run])?;
            }
        }
        Ok(flagged)
    }

    /// Commits the batch atomically.
    pub fn commit(self) -> StoreResult<()> {
        let Batch { tx, upserts, known, .. } = self;
        drop(upserts);
        tx.commit()?;
        known.end_batch();
        Ok(())
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use datasets::{Fen, FraudType, Report, Timestamp};

    use super::*;

    /// Opens a new data folder from `threads` threads at once with `open`, `rounds` times; every open succeeds.
    pub(crate) fn open_together(threads: usize, rounds: usize, open: impl Fn(&Path) -> StoreResult<()> + Sync) {
        for _ in 0..rounds {
            let dir = tempfile::tempdir().unwrap();
            let barrier = std::sync::Barrier::new(threads);
            std::thread::scope(|s| {
                let opened: Vec<_> = (0..threads)
                    .map(|_| {
                        s.spawn(|| {
                            barrier.wait();
                            open(dir.path())
                        })
                    })
                    .collect();
                for o in opened {
                    o.join().unwrap().unwrap();
                }
            });
        }
    }

    #[test]
    fn many_connections_open_a_new_store_at_once() {
        open_together(6, 10, |dir| Store::open(dir).map(|_| ()));
    }

    fn report(id: &str, loss: i64) -> Record {
        Record::Report(Report {
            report_id: id.into(),
            reported_at: Timestamp::parse("2026-03-02 10:00:00").unwrap(),
            occurred_at: None,
            district: "310115".into(),
            community: Some("花木".into()),
            victim_id: Some("P404".into()),
            victim_age: None,
            victim_gender: None,
            fraud_type: FraudType::OrderBrushing,
            loss: Some(Fen(loss)),
            contact_channel: None,
            status: None,
            narrative: "叙述".into(),
            phones: vec!["95588".into()],
            accounts: vec![],
            urls: vec![],
            apps: vec![],
            im_ids: vec![],
        })
    }

    #[test]
    fn write_inserts_then_skips_then_archives() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(dir.path()).unwrap();
        assert_eq!(store.schema_version().unwrap(), migrations::MIGRATIONS.len() as i64);
        let run = store.begin_run(dir.path(), 100).unwrap();
        let mut b = store.batch(run, 100).unwrap();
        assert_eq!(b.write(&report("R1", 500)).unwrap(), Write::Inserted);
        assert_eq!(b.check_references(&report("R1", 500), Write::Inserted).unwrap(), 1);
        assert_eq!(b.write(&report("R1", 500)).unwrap(), Write::Unchanged);
        assert_eq!(b.write(&report("R1", 700)).unwrap(), Write::Updated);
        b.commit().unwrap();
        let c = store.conn();
        let loss: i64 = c.query_row("SELECT loss_fen FROM reports WHERE report_id = 'R1'", [], |r| r.get(0)).unwrap();
        let old: (i64, i64) = c
            .query_row("SELECT loss_fen, superseded_run FROM reports_history WHERE report_id = 'R1'", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .unwrap();
        let week: String = c.query_row("SELECT reported_week FROM reports", [], |r| r.get(0)).unwrap();
        assert_eq!((loss, old, week.as_str()), (700, (500, run), "2026-W10"));
        let flag: String = c.query_row("SELECT reason FROM flags", [], |r| r.get(0)).unwrap();
        assert_eq!(flag, "unknown resident \"P404\"; row kept");
    }

    #[test]
    fn version_6_keeps_reports_and_their_history_and_adds_status() {
        let dir = tempfile::tempdir().unwrap();
        {
            // A store as version 5 left it: one report and one archived version of it.
            let conn = rusqlite::Connection::open(dir.path().join(STORE_FILE)).unwrap();
            for sql in &migrations::MIGRATIONS[..5] {
                conn.execute_batch(sql).unwrap();
            }
            conn.pragma_update(None, "user_version", 5).unwrap();
            let row = "'R1', 100, '2026-W10', NULL, '城关区', NULL, NULL, 70, 'f', 'other', 500, 'call', '叙述', \
                       '95588', '', '', '', '', '00000000000000ab', 1, 0";
            conn.execute_batch(&format!(
                "INSERT INTO reports VALUES ({row}); INSERT INTO reports_history VALUES ({row}, 2, 9);"
            ))
            .unwrap();
        }
        let mut store = Store::open(dir.path()).unwrap();
        assert_eq!(store.schema_version().unwrap(), migrations::MIGRATIONS.len() as i64);
        let c = store.conn();
        let got: (i64, Option<String>, String, String) = c
            .query_row(
                "SELECT loss_fen, status, contact_channel, narrative FROM reports WHERE report_id = 'R1'",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .unwrap();
        assert_eq!(got, (500, None, "call".into(), "叙述".into()));
        let hist: (i64, Option<String>, i64) = c
            .query_row("SELECT loss_fen, status, superseded_run FROM reports_history", [], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
            .unwrap();
        assert_eq!(hist, (500, None, 2));
        // Writing and archiving work on the rebuilt tables: a status arrives, the old row is archived.
        let run = store.begin_run(dir.path(), 100).unwrap();
        let mut b = store.batch(run, 100).unwrap();
        let mut r = report("R1", 500);
        if let Record::Report(rep) = &mut r {
            rep.status = Some(datasets::CaseStatus::Solved);
        }
        assert_eq!(b.write(&r).unwrap(), Write::Updated);
        b.commit().unwrap();
        let status: String =
            store.conn().query_row("SELECT status FROM reports WHERE report_id = 'R1'", [], |r| r.get(0)).unwrap();
        assert_eq!(status, "solved");
    }

    #[test]
    fn reopening_does_not_rerun_migrations() {
        let dir = tempfile::tempdir().unwrap();
        drop(Store::open(dir.path()).unwrap());
        let store = Store::open(dir.path()).unwrap();
        let mode: String = store.conn().pragma_query_value(None, "journal_mode", |r| r.get(0)).unwrap();
        assert_eq!((store.schema_version().unwrap(), mode.as_str()), (migrations::MIGRATIONS.len() as i64, "wal"));
    }
}
