//! `fanzha export`: the store's tables, the latest clustering run, the risk snapshots and the weekly area
//! statistics as typed Parquet files, one per table, for pandas, polars, DuckDB and Spark (layout: docs/export.md).
//!
//! Rows are streamed from the store into record batches of [`BATCH_ROWS`] rows, so an export of a million
//! residents holds one batch per table in memory; each file appears complete or not at all.
//!
//! Layout: this file (tables, request, the export and its summary); `parquet` (the Arrow schema and the writer).

mod parquet;

use std::path::{Path, PathBuf};

use analytics::{AreaParams, IsoWeek, area_week};

pub use self::parquet::TIME_ZONE;
use self::parquet::TableWriter;
use super::Service;
use super::progress::Progress;
use crate::error::{AppError, AppResult};
use crate::store::{Cell, ColumnType, ExportColumn, ExportSource};

/// Rows per record batch.
pub const BATCH_ROWS: usize = 8_192;

/// The file that lists what one export wrote (the summary view as JSON).
pub const MANIFEST: &str = "manifest.json";

/// The formats `fanzha export` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    Parquet,
}

impl ExportFormat {
    /// Parses `parquet`.
    pub fn parse(text: &str) -> AppResult<ExportFormat> {
        match text.trim() {
            "parquet" => Ok(ExportFormat::Parquet),
            other => Err(AppError::invalid("invalid_export_format", "format", format!("{other:?}: expected parquet"))),
        }
    }
}

/// One exported table: a stored one, or one the service computes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportTable {
    Stored(ExportSource),
    /// The latest clustering run's clusters, summed up (as `fanzha clusters list`).
    GangClusters,
    /// Every week's area statistics per community (as `fanzha areas --week W`).
    AreaStats,
    /// Every outreach plan's head: its stored fields, totals and staff loads (as `fanzha outreach plans`).
    OutreachPlans,
}

const OUTREACH_PLANS: &[ExportColumn] = &[
    col("plan_id", ColumnType::Int),
    col("week", ColumnType::Text),
    col("version", ColumnType::Text),
    col("strategy", ColumnType::Text),
    col("seed", ColumnType::Int),
    col("minutes_scale", ColumnType::Float),
    col("snapshot_id", ColumnType::Int),
    col("status", ColumnType::Text),
    col("created_at", ColumnType::Timestamp),
    col("created_by", ColumnType::Text),
    ExportColumn { name: "approved_at", ty: ColumnType::Timestamp, nullable: true },
    ExportColumn { name: "approved_by", ty: ColumnType::Text, nullable: true },
    ExportColumn { name: "superseded_by", ty: ColumnType::Int, nullable: true },
    col("assignments", ColumnType::Int),
    col("held_out", ColumnType::Int),
    col("minutes", ColumnType::Int),
    col("expected_averted", ColumnType::Float),
    col("value_fen", ColumnType::Fen),
    col("bound_share", ColumnType::Float),
    col("unmet_must_visit", ColumnType::Int),
    col("staff_ids", ColumnType::TextList),
    col("staff_minutes_per_week", ColumnType::IntList),
    col("staff_booked_urgent", ColumnType::IntList),
    col("staff_available", ColumnType::IntList),
    col("staff_used", ColumnType::IntList),
    col("staff_visits", ColumnType::IntList),
];

const GANG_CLUSTERS: &[ExportColumn] = &[
    col("gang_run_id", ColumnType::Int),
    col("cluster_id", ColumnType::Int),
    col("reports", ColumnType::Int),
    col("victims", ColumnType::Int),
    col("total_loss_fen", ColumnType::Fen),
    col("first_at", ColumnType::Timestamp),
    col("last_at", ColumnType::Timestamp),
    col("span_days", ColumnType::Int),
    col("fraud_types", ColumnType::TextList),
    col("districts", ColumnType::TextList),
    col("provinces", ColumnType::TextList),
    col("cross_jurisdiction", ColumnType::Bool),
];

const AREA_STATS: &[ExportColumn] = &[
    col("week", ColumnType::Text),
    col("week_start", ColumnType::Timestamp),
    col("community", ColumnType::Text),
    col("population", ColumnType::Float),
    col("cases", ColumnType::Int),
    col("loss_fen", ColumnType::Fen),
    col("cases_prev_week", ColumnType::Int),
    col("per_10k_week", ColumnType::Float),
    col("cases_window", ColumnType::Int),
    col("per_10k_window", ColumnType::Float),
    col("eb_per_10k_window", ColumnType::Float),
    ExportColumn { name: "gi_star", ty: ColumnType::Float, nullable: true },
    ExportColumn { name: "gi_p", ty: ColumnType::Float, nullable: true },
    col("hot_spot", ColumnType::Bool),
    col("baseline_mean", ColumnType::Float),
    col("alert_p", ColumnType::Float),
    col("alert", ColumnType::Bool),
];

const fn col(name: &'static str, ty: ColumnType) -> ExportColumn {
    ExportColumn { name, ty, nullable: false }
}

impl ExportTable {
    /// Every table, in export order.
    pub fn all() -> Vec<ExportTable> {
        let mut all: Vec<ExportTable> = ExportSource::ALL.into_iter().map(ExportTable::Stored).collect();
        let at = all.iter().position(|t| *t == ExportTable::Stored(ExportSource::GangMembers)).unwrap_or(all.len());
        all.insert(at, ExportTable::GangClusters);
        let at = all.iter().position(|t| *t == ExportTable::Stored(ExportSource::OutreachAssignments)).unwrap_or(0);
        all.insert(at, ExportTable::OutreachPlans);
        all.push(ExportTable::AreaStats);
        all
    }

    /// The table's name: its file is `<name>.parquet`.
    pub fn name(self) -> &'static str {
        match self {
            ExportTable::Stored(s) => s.name(),
            ExportTable::GangClusters => "gang_clusters",
            ExportTable::AreaStats => "area_stats",
            ExportTable::OutreachPlans => "outreach_plans",
        }
    }

    pub fn columns(self) -> &'static [ExportColumn] {
        match self {
            ExportTable::Stored(s) => s.columns(),
            ExportTable::GangClusters => GANG_CLUSTERS,
            ExportTable::AreaStats => AREA_STATS,
            ExportTable::OutreachPlans => OUTREACH_PLANS,
        }
    }

    /// The tables named in `names` (comma-separated lists allowed), in export order; none given: all.
    /// An unknown name is an `unknown_table` error that lists the valid ones.
    pub fn parse_list(names: &[String]) -> AppResult<Vec<ExportTable>> {
        let all = ExportTable::all();
        let wanted: Vec<&str> =
            names.iter().flat_map(|n| n.split(',')).map(str::trim).filter(|n| !n.is_empty()).collect();
        if wanted.is_empty() {
            return Ok(all);
        }
        if let Some(bad) = wanted.iter().find(|n| !all.iter().any(|t| t.name() == **n)) {
            let valid: Vec<&str> = all.iter().map(|t| t.name()).collect();
            return Err(AppError::invalid(
                "unknown_table",
                "tables",
                format!("no table {bad:?}; the tables are {}", valid.join(", ")),
            ));
        }
        Ok(all.into_iter().filter(|t| wanted.contains(&t.name())).collect())
    }
}

/// What to export and where.
#[derive(Debug, Clone)]
pub struct ExportRequest {
    pub format: ExportFormat,
    /// The folder the files go to (created if missing; files of the same names are replaced).
    pub out: PathBuf,
    pub tables: Vec<ExportTable>,
    /// Community adjacency for the area statistics' Gi* hot spots (none: no hot spots).
    pub adjacency: Vec<(String, String)>,
}

/// One table written.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ExportedTable {
    pub table: String,
    pub rows: u64,
    pub bytes: u64,
    pub path: String,
}

/// What `fanzha export` wrote.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ExportView {
    pub format: &'static str,
    pub out: String,
    /// The clustering run the `gang_*` tables hold (none: no run yet, those tables are empty).
    pub gang_run_id: Option<i64>,
    /// The weeks of `area_stats` (first..=last week with a local report).
    pub area_weeks: Option<String>,
    /// How timestamp columns are typed.
    pub timestamps: String,
    pub tables: Vec<ExportedTable>,
}

impl Service {
    /// Writes `req.tables` into `req.out`, one Parquet file each, and `manifest.json`.
    pub fn export(&self, req: &ExportRequest, progress: &dyn Progress) -> AppResult<ExportView> {
        let ExportFormat::Parquet = req.format;
        if req.out.exists() && !req.out.is_dir() {
            return Err(AppError::invalid(
                "invalid_out_dir",
                "out",
                format!("{} exists and is not a folder", req.out.display()),
            ));
        }
        std::fs::create_dir_all(&req.out).map_err(|e| {
            AppError::invalid("invalid_out_dir", "out", format!("cannot create {}: {e}", req.out.display()))
        })?;
        let gang_run_id = self.store()?.latest_gang_run()?;
        let mut view = ExportView {
            format: "parquet",
            out: req.out.display().to_string(),
            gang_run_id,
            area_weeks: None,
            timestamps: format!("Timestamp(Millisecond, {TIME_ZONE:?}): instants, whole seconds"),
            tables: Vec::new(),
        };
        for &table in &req.tables {
            let path = req.out.join(format!("{}.parquet", table.name()));
            let mut out = TableWriter::create(&path, table.name(), table.columns(), BATCH_ROWS)?;
            let rows = match self.write_table(table, gang_run_id, &req.adjacency, &mut out, &mut view, progress) {
                Ok(rows) => rows,
                Err(e) => {
                    progress.finish_file();
                    out.abandon();
                    return Err(e);
                }
            };
            let bytes = out.finish()?;
            progress.finish_file();
            view.tables.push(ExportedTable {
                table: table.name().to_string(),
                rows,
                bytes,
                path: path.display().to_string(),
            });
        }
        write_manifest(&req.out, &view)?;
        Ok(view)
    }

    /// Streams one table's rows into `out`.
    fn write_table(
        &self,
        table: ExportTable,
        gang_run: Option<i64>,
        adjacency: &[(String, String)],
        out: &mut TableWriter,
        view: &mut ExportView,
        progress: &dyn Progress,
    ) -> AppResult<u64> {
        let mut rows = Rows { out, progress, done: 0 };
        match table {
            ExportTable::Stored(source) => {
                let store = self.store()?;
                progress.start_rows(table.name(), store.export_count(source, gang_run)?);
                store.export_rows(source, gang_run, |cells| rows.push(cells))?;
            }
            ExportTable::GangClusters => {
                let clusters = match gang_run {
                    Some(run) => super::gangs::summaries(self.store()?.cluster_reports(run, None)?),
                    None => Vec::new(),
                };
                progress.start_rows(table.name(), clusters.len() as u64);
                let texts = |v: &[String]| Cell::TextList(v.to_vec());
                for c in clusters {
                    rows.push(&[
                        Cell::Int(gang_run.unwrap_or_default()),
                        Cell::Int(c.cluster_id as i64),
                        Cell::Int(c.reports as i64),
                        Cell::Int(c.victims as i64),
                        Cell::Int(c.total_loss.0),
                        Cell::Int(c.first),
                        Cell::Int(c.last),
                        Cell::Int(c.span_days),
                        texts(&c.fraud_types),
                        texts(&c.districts),
                        texts(&c.provinces),
                        Cell::Bool(c.cross_jurisdiction),
                    ])?;
                }
            }
            ExportTable::AreaStats => view.area_weeks = self.write_area_stats(adjacency.to_vec(), &mut rows)?,
            ExportTable::OutreachPlans => {
                let plans = self.outreach_plan_heads()?;
                progress.start_rows(table.name(), plans.len() as u64);
                for (row, v) in plans {
                    let ints = |f: fn(&super::outreach::StaffLoad) -> u32| {
                        Cell::IntList(v.staff.iter().map(|s| i64::from(f(s))).collect())
                    };
                    let opt_text = |t: Option<String>| t.map_or(Cell::Null, Cell::Text);
                    let opt_int = |t: Option<i64>| t.map_or(Cell::Null, Cell::Int);
                    rows.push(&[
                        Cell::Int(row.plan_id),
                        Cell::Text(row.week),
                        Cell::Text(row.version),
                        Cell::Text(row.strategy),
                        Cell::Int(row.seed as i64),
                        Cell::Float(row.minutes_scale),
                        Cell::Int(row.snapshot_id),
                        Cell::Text(row.status.as_str().to_string()),
                        Cell::Int(row.created_at),
                        Cell::Text(row.created_by),
                        opt_int(row.approved_at),
                        opt_text(row.approved_by),
                        opt_int(row.superseded_by),
                        Cell::Int(v.assignments as i64),
                        Cell::Int(v.held_out as i64),
                        Cell::Int(v.minutes as i64),
                        Cell::Float(v.expected_averted),
                        Cell::Int((v.value_yuan * 100.0).round() as i64),
                        Cell::Float(v.bound_share),
                        Cell::Int(v.unmet_must_visit as i64),
                        Cell::TextList(v.staff.iter().map(|s| s.staff_id.clone()).collect()),
                        ints(|s| s.minutes_per_week),
                        ints(|s| s.booked_urgent),
                        ints(|s| s.available),
                        ints(|s| s.used),
                        ints(|s| s.visits),
                    ])?;
                }
            }
        }
        Ok(rows.done)
    }

    /// Every week's area statistics, from the first to the last week with a local report; returns that span.
    fn write_area_stats(&self, adjacency: Vec<(String, String)>, rows: &mut Rows<'_>) -> AppResult<Option<String>> {
        let (input, _) = self.area_input(adjacency)?;
        let times = input.cases.iter().map(|c| c.reported_at);
        let (Some(first), Some(last)) = (times.clone().min(), times.max()) else {
            rows.progress.start_rows("area_stats", 0);
            return Ok(None);
        };
        let (first, last) = (IsoWeek::of_timestamp(first), IsoWeek::of_timestamp(last));
        let weeks: Vec<IsoWeek> =
            std::iter::successors(Some(first), |w| Some(w.plus(1))).take_while(|w| *w <= last).collect();
        rows.progress.start_rows("area_stats", (weeks.len() * input.communities.len()) as u64);
        for week in weeks {
            let r = area_week(&input, week, &AreaParams::default())?;
            let (name, start) = (r.week.to_string(), r.week.start());
            for a in r.rows {
                let opt = |v: Option<f64>| v.map_or(Cell::Null, Cell::Float);
                rows.push(&[
                    Cell::Text(name.clone()),
                    Cell::Int(start),
                    Cell::Text(a.community),
                    Cell::Float(a.population),
                    Cell::Int(a.cases as i64),
                    Cell::Int(a.loss_fen),
                    Cell::Int(a.cases_prev_week as i64),
                    Cell::Float(a.per_10k_week),
                    Cell::Int(a.cases_window as i64),
                    Cell::Float(a.per_10k_window),
                    Cell::Float(a.eb_per_10k_window),
                    opt(a.gi_star),
                    opt(a.gi_p),
                    Cell::Bool(a.hot_spot),
                    Cell::Float(a.baseline_mean),
                    Cell::Float(a.alert_p),
                    Cell::Bool(a.alert),
                ])?;
            }
        }
        Ok(Some(format!("{first}..={last}")))
    }
}

/// Rows on their way into one file, counted for the progress bar.
struct Rows<'a> {
    out: &'a mut TableWriter,
    progress: &'a dyn Progress,
    done: u64,
}

impl Rows<'_> {
    fn push(&mut self, cells: &[Cell]) -> AppResult<()> {
        self.out.push(cells)?;
        self.done += 1;
        if self.done.is_multiple_of(BATCH_ROWS as u64) {
            self.progress.file_position(self.done);
        }
        Ok(())
    }
}

/// Writes the summary as `manifest.json` (through a temporary file, like the tables).
fn write_manifest(out: &Path, view: &ExportView) -> AppResult<()> {
    let text = serde_json::to_string_pretty(view).map_err(AppError::internal)?;
    let temp = out.join(format!(".{MANIFEST}.{}.tmp", std::process::id()));
    std::fs::write(&temp, text + "\n")
        .and_then(|()| std::fs::rename(&temp, out.join(MANIFEST)))
        .map_err(|e| AppError::internal(anyhow::Error::new(e).context(format!("cannot write {MANIFEST}"))))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Kind;

    #[test]
    fn table_names_are_unique_and_parse_back() {
        let all = ExportTable::all();
        let names: std::collections::BTreeSet<&str> = all.iter().map(|t| t.name()).collect();
        assert_eq!(names.len(), all.len());
        let picked = ExportTable::parse_list(&["area_stats,residents".into(), " gang_clusters ".into()]).unwrap();
        assert_eq!(
            picked,
            [ExportTable::Stored(ExportSource::Residents), ExportTable::GangClusters, ExportTable::AreaStats]
        );
        assert_eq!(ExportTable::parse_list(&[]).unwrap(), all);
    }

    #[test]
    fn an_unknown_table_lists_the_valid_ones() {
        let e = ExportTable::parse_list(&["residents,victims".into()]).unwrap_err();
        assert_eq!((e.kind(), e.code()), (Kind::Invalid, "unknown_table"));
        assert!(e.message().contains("\"victims\"") && e.message().contains("area_stats"), "{}", e.message());
    }
}
