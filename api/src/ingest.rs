//! `fanzha ingest`: validates an interchange folder row by row and loads the good rows into the store.
//!
//! Order: residents, reports, then the other tables, so references are checked against what is already stored.
//! Bad rows go to `<data-dir>/rejects/<run-id>.csv` (file, line, field, reason, raw), written as they are found.
//! Rows commit in batches; a killed run leaves whole batches only, and re-running skips unchanged rows, so the
//! store ends exactly as after one uninterrupted run.
//!
//! Each file is parsed on a second thread ("parser", which also computes the rows' store keys) a few chunks
//! ahead of the writes on the calling thread; rejects and counts are still handled in file order.
//!
//! This is the engine under `Service::ingest` (`service/pipeline.rs`), which also brings the case index up to
//! date while the ingest lock is held. It never prints: progress goes to the caller's [`Progress`].

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, Sender, SyncSender, channel, sync_channel};

use anyhow::Context;
use datasets::read::{Diagnostic, ReadError, TableReader, find_tables};
use datasets::{Record, Table};

use crate::error::{AppError, AppResult, Kind};
use crate::service::progress::Progress;
use crate::store::{FileCounts, RowKey, RunStatus, Store, Write};

/// Rows per transaction unless configured otherwise.
pub const DEFAULT_BATCH_ROWS: usize = 10_000;

/// What to ingest and where.
#[derive(Debug, Clone)]
pub struct IngestOptions {
    pub dir: PathBuf,
    pub data_dir: PathBuf,
    pub batch_rows: usize,
}

/// The ingest lock of a data folder: one ingest at a time; released when dropped.
#[derive(Debug)]
pub struct IngestLock(#[allow(dead_code)] File);

/// The outcome of a run.
#[derive(Debug, Clone)]
pub struct IngestReport {
    pub run_id: i64,
    pub files: Vec<FileCounts>,
    /// The rejects report (removed again when the run rejected nothing).
    pub rejects: PathBuf,
    /// File-level warnings (encoding converted, unknown columns, ignored files).
    pub notes: Vec<String>,
}

impl IngestReport {
    /// Whether any row or file was rejected.
    pub fn rejected_any(&self) -> bool {
        self.files.iter().any(|f| f.rejected > 0 || f.error.is_some())
    }
}

/// Runs an ingest. Fatal problems (unreadable folder, no residents or reports file, store errors) are errors;
/// bad rows and bad files are counted in the report. The returned lock is held until the caller drops it, so
/// follow-up work on what was ingested (the case index) is still under it.
pub fn run(opts: &IngestOptions, progress: &dyn Progress) -> AppResult<(IngestReport, IngestLock)> {
    let found = find_tables(&opts.dir)
        .map_err(|e| AppError::new(Kind::Invalid, "unreadable_input", e.to_string()).with_source(e))?;
    for required in [Table::Residents, Table::Reports] {
        if found.get(required).is_none() {
            let (dir, t) = (opts.dir.display(), required.name());
            let message = format!("{dir} has no {t}.csv or {t}.jsonl; it is required");
            return Err(AppError::new(Kind::Invalid, "missing_table", message));
        }
    }
    let notes: Vec<String> =
        found.ignored.iter().map(|p| format!("{}: not an interchange file; ignored", p.display())).collect();
    std::fs::create_dir_all(&opts.data_dir)
        .with_context(|| format!("cannot create data folder {}", opts.data_dir.display()))?;
    let lock_path = opts.data_dir.join("ingest.lock");
    let lock = File::create(&lock_path).with_context(|| format!("cannot create {}", lock_path.display()))?;
    if lock.try_lock().is_err() {
        let message = format!("another ingest is running on {}", opts.data_dir.display());
        return Err(AppError::new(Kind::Conflict, "ingest_running", message));
    }

    let mut store = Store::open(&opts.data_dir)?;
    let run_id = store.begin_run(&opts.dir, now())?;
    tracing::debug!(run_id, dir = %opts.dir.display(), "ingest started");
    let result = load(&mut store, run_id, &found.tables, &opts.data_dir, opts.batch_rows, progress, notes);
    if result.is_err() {
        // Best effort: the error being reported matters more than this bookkeeping.
        let _ = store.finish_run(run_id, RunStatus::Failed, &[], now());
    }
    let report = result?;
    let status = if report.rejected_any() { RunStatus::DoneWithRejects } else { RunStatus::Done };
    store.finish_run(run_id, status, &report.files, now())?;
    Ok((report, IngestLock(lock)))
}

/// Loads every file of the run, writing rejects as it goes.
fn load(
    store: &mut Store,
    run_id: i64,
    tables: &[(Table, PathBuf)],
    data_dir: &Path,
    batch_rows: usize,
    progress: &dyn Progress,
    mut notes: Vec<String>,
) -> anyhow::Result<IngestReport> {
    let rejects_path = data_dir.join("rejects").join(format!("{run_id}.csv"));
    let mut rejects = Rejects::create(&rejects_path)?;
    let mut files = Vec::new();
    for (table, path) in tables {
        let file = FileOut { rejects: &mut rejects, notes: &mut notes, progress };
        let counts = ingest_file(store, run_id, *table, path, file, batch_rows)?;
        tracing::debug!(file = %path.display(), ?counts, "file done");
        files.push(counts);
    }
    rejects.flush()?;
    if rejects.written == 0 {
        // No rejects: leave no header-only file behind.
        std::fs::remove_file(&rejects_path).with_context(|| format!("cannot remove {}", rejects_path.display()))?;
    }
    let resolved = store.resolve_flags()?;
    if resolved > 0 {
        tracing::info!(resolved, "flags resolved by records that arrived later");
    }
    Ok(IngestReport { run_id, files, rejects: rejects_path, notes })
}

/// Where one file's side output goes: its rejects, warnings and progress.
struct FileOut<'a> {
    rejects: &'a mut Rejects,
    notes: &'a mut Vec<String>,
    progress: &'a dyn Progress,
}

fn ingest_file(
    store: &mut Store,
    run_id: i64,
    table: Table,
    path: &Path,
    out: FileOut<'_>,
    batch_rows: usize,
) -> anyhow::Result<FileCounts> {
    let FileOut { rejects, notes, progress } = out;
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let mut counts = FileCounts { file: name, table: table.name().into(), ..FileCounts::default() };
    let reader = match TableReader::open(table, path) {
        Ok(r) => r,
        Err(e) => {
            tracing::warn!("{e}");
            rejects.write(&file_diagnostic(&e))?;
            counts.error = Some(e.to_string());
            return Ok(counts);
        }
    };
    progress.start_file(path);
    // Interchange rows are rarely under 64 bytes, so this rarely over-reserves; capped at 4M rows (~100 MB).
    let size = std::fs::metadata(path).map_or(0, |m| m.len());
    store.expect_rows(table, usize::try_from(size / 64).unwrap_or(usize::MAX).min(1 << 22))?;
    // Parsing runs on its own thread, a few chunks ahead of the store writes.
    let reader = std::thread::scope(|scope| -> anyhow::Result<TableReader> {
        let (tx, rx) = sync_channel::<Chunk>(CHUNKS_AHEAD);
        let (done_tx, done_rx) = channel::<Rows>();
        let parser = std::thread::Builder::new()
            .name("parser".into())
            .spawn_scoped(scope, move || parse_ahead(reader, &tx, &done_rx))
            .context("cannot start the parser thread")?;
        let written = write_rows(store, run_id, (&rx, &done_tx), rejects, &mut counts, batch_rows, progress);
        // On a write error the parser stops at its next send.
        drop(rx);
        let reader = parser.join().map_err(|_| anyhow::anyhow!("the parser thread of {} panicked", path.display()))?;
        written?;
        Ok(reader)
    })?;
    progress.finish_file();
    for w in reader.warnings() {
        tracing::warn!("{w}");
        notes.push(w.to_string());
    }
    Ok(counts)
}

/// Rows handed from the parser thread to the writer per message.
const CHUNK_ROWS: usize = 512;
/// Messages the parser may run ahead of the writer.
const CHUNKS_AHEAD: usize = 8;

/// Parsed rows (with their store keys) or their problems.
type Rows = Vec<Result<(Record, RowKey), Vec<Diagnostic>>>;
/// Rows, and the bytes of input consumed after the last of them.
type Chunk = (Rows, u64);

/// Reads the whole file in chunks into `tx`, stopping early when the receiver is gone; returns the reader for
/// its warnings. Chunks the writer is done with come back on `done`, to be freed here, off the writer thread.
fn parse_ahead(mut reader: TableReader, tx: &SyncSender<Chunk>, done: &Receiver<Rows>) -> TableReader {
    let mut rows = Vec::with_capacity(CHUNK_ROWS);
    while let Some(item) = reader.next() {
        rows.push(item.map(|(_line, rec)| {
            let key = RowKey::of(&rec);
            (rec, key)
        }));
        if rows.len() == CHUNK_ROWS {
            let mut next = done.try_iter().last().unwrap_or_else(|| Vec::with_capacity(CHUNK_ROWS));
            next.clear();
            let full = std::mem::replace(&mut rows, next);
            if tx.send((full, reader.bytes_read())).is_err() {
                return reader;
            }
        }
    }
    if !rows.is_empty() {
        // A closed receiver means the writer already failed; its error is the one reported.
        let _ = tx.send((rows, reader.bytes_read()));
    }
    reader
}

/// Writes the parsed rows arriving on `rx` in transactions of `batch_rows`, and bad rows to the rejects report.
fn write_rows(
    store: &mut Store,
    run_id: i64,
    (rx, done): (&Receiver<Chunk>, &Sender<Rows>),
    rejects: &mut Rejects,
    counts: &mut FileCounts,
    batch_rows: usize,
    progress: &dyn Progress,
) -> anyhow::Result<()> {
    let stamp = now();
    let mut batch = store.batch(run_id, stamp)?;
    let mut in_batch = 0;
    for (items, bytes) in rx {
        for item in &items {
            match item {
                Err(diagnostics) => {
                    counts.rejected += 1;
                    for d in diagnostics {
                        rejects.write(d)?;
                    }
                }
                Ok((rec, key)) => {
                    let outcome = batch.write_keyed(rec, *key)?;
                    match outcome {
                        Write::Inserted => counts.accepted += 1,
                        Write::Updated => counts.updated += 1,
                        Write::Unchanged => counts.unchanged += 1,
                    }
                    counts.flagged += batch.check_references_keyed(rec, key, outcome)?;
                    in_batch += 1;
                    if in_batch >= batch_rows.max(1) {
                        batch.commit()?;
                        rejects.flush()?;
                        batch = store.batch(run_id, stamp)?;
                        in_batch = 0;
                    }
                }
            }
        }
        progress.file_position(bytes);
        // Once the parser has finished, nobody takes chunks back and they are freed here.
        let _ = done.send(items);
    }
    batch.commit()?;
    rejects.flush()?;
    Ok(())
}

/// A file-level error as a rejects row.
fn file_diagnostic(e: &ReadError) -> Diagnostic {
    let (line, field) = match e {
        ReadError::MissingColumns { missing, .. } => (1, Some(missing.join(";"))),
        ReadError::DuplicateColumn { column, .. } => (1, Some(column.clone())),
        _ => (0, None),
    };
    Diagnostic { file: e.path().to_path_buf(), line, field, reason: e.to_string(), raw: String::new() }
}

/// The rejects report, written incrementally.
struct Rejects {
    out: csv::Writer<File>,
    written: u64,
}

impl Rejects {
    fn create(path: &Path) -> anyhow::Result<Rejects> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        }
        let file = File::create(path).with_context(|| format!("cannot create {}", path.display()))?;
        let mut out = csv::Writer::from_writer(file);
        out.write_record(["file", "line", "field", "reason", "raw"])?;
        Ok(Rejects { out, written: 0 })
    }

    fn write(&mut self, d: &Diagnostic) -> anyhow::Result<()> {
        let file = d.file.display().to_string();
        let line = d.line.to_string();
        self.out.write_record([&file, &line, d.field.as_deref().unwrap_or(""), &d.reason, &d.raw])?;
        self.written += 1;
        Ok(())
    }

    fn flush(&mut self) -> anyhow::Result<()> {
        self.out.flush()?;
        Ok(())
    }
}

fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64)
}
