//! Ingest, and the weekly main job: ingest a folder (or a freshly generated synthetic district), bring the case
//! index up to date, cluster gangs, write the risk snapshot for the coming week, compute the statistics, raise urgent
//! warnings and draft the week's outreach plan.
//!
//! Every run and each of its steps is recorded in the store (`pipeline_runs`, `pipeline_steps`). A failed step
//! ends the run as failed and leaves earlier results (last week's snapshot, the previous clustering run) in place;
//! every step is safe to re-run: ingest and indexing skip what is unchanged, a clustering run keeps last run's
//! cluster ids, and an identical risk snapshot is not written twice. Too little history to score is not a failure:
//! the score step is skipped and says why.

use std::fs::File;
use std::path::{Path, PathBuf};

use analytics::{IsoWeek, ModelKind};
use serde::Serialize;

use super::Service;
use super::outreach::{PlanRequest, WarnRequest};
use super::page::Limit;
use super::progress::Progress;
use super::search::{IndexName, IndexRequest, IndexSource, IndexView};
use crate::error::{AppError, AppResult, Kind};
use crate::ingest::{DEFAULT_BATCH_ROWS, IngestOptions};
use crate::store::{
    FileCounts, PipelineRunRow, PipelineStatus, PipelineStepRow, Step, StepEnd, StepStatus, Store, Trigger,
};

/// Largest page of `pipeline_runs`.
pub const MAX_RUNS_LIMIT: usize = 200;

/// What to ingest.
#[derive(Debug, Clone)]
pub struct IngestRequest {
    /// Interchange folder (residents, reports and optional other files, .csv or .jsonl).
    pub dir: PathBuf,
    /// Rows per transaction.
    pub batch_rows: usize,
}

/// What an ingest did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IngestView {
    pub run_id: i64,
    pub files: Vec<FileCounts>,
    /// Whether any row or file was rejected (the CLI exits with 3).
    pub rejected_any: bool,
    /// The rejects report, when something was rejected.
    pub rejects: Option<PathBuf>,
    /// File-level warnings (encoding converted, unknown columns, ignored files).
    pub notes: Vec<String>,
    /// What updating the case index did, when the data folder has one.
    pub search_index: Option<search::SyncReport>,
}

/// Where the pipeline takes its input from.
#[derive(Debug, Clone)]
pub enum PipelineInput {
    /// An interchange folder exported by the bureau.
    Folder(PathBuf),
    /// A synthetic district generated into the data folder.
    Synthetic { residents: u32, weeks: u32, seed: u64 },
}

impl PipelineInput {
    /// The folder under `data_dir` a synthetic district is generated into (its `areas.csv` and `adjacency.csv`
    /// beside the tables).
    pub fn synthetic_dir(data_dir: &Path, residents: u32, weeks: u32, seed: u64) -> PathBuf {
        data_dir.join(format!("synthetic-r{residents}-w{weeks}-s{seed}"))
    }

    /// How the input is recorded with the run.
    fn describe(&self) -> String {
        match self {
            PipelineInput::Folder(dir) => format!("folder {}", dir.display()),
            PipelineInput::Synthetic { residents, weeks, seed } => {
                format!("synthetic residents={residents} weeks={weeks} seed={seed}")
            }
        }
    }
}

/// A pipeline run: what was recorded, and each step's own view for the caller to show.
#[derive(Debug, Serialize)]
pub struct PipelineRunView {
    pub run: RunView,
    pub ingest: Option<IngestView>,
    /// Set when the case index had to be built (an existing one is brought up to date by the ingest).
    pub index: Option<IndexView>,
    pub clusters: Option<crate::service::gangs::RunSummary>,
    pub risk: Option<RiskOutcome>,
    pub stats: Option<crate::service::stats::Stats>,
    /// Urgent warnings raised from the last days' contacts, with their tasks.
    pub warnings: Option<crate::service::outreach::WarnView>,
    /// The drafted outreach plan of the scored week (a person approves it).
    pub outreach_plan: Option<crate::service::outreach::PlanView>,
    /// Why the run failed (the failed step's error, with its kind), when it did.
    #[serde(skip)]
    pub failure: Option<AppError>,
}

/// What the score step did.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum RiskOutcome {
    Written {
        report: crate::service::risk::ScoreReport,
    },
    /// Scoring was not possible (e.g. no victims yet in the training weeks).
    NotWritten {
        week: String,
        reason: String,
    },
    NoReports,
}

/// A recorded run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunView {
    pub run_id: i64,
    /// ISO 8601, Beijing time.
    pub started_at: String,
    pub finished_at: Option<String>,
    /// Wall-clock duration in whole seconds (null while running).
    pub seconds: Option<i64>,
    /// `running`, `done`, `failed` or `interrupted`.
    pub status: &'static str,
    /// `cli`, `http` or `schedule`.
    pub trigger: &'static str,
    pub input: String,
    pub steps: Vec<StepView>,
}

/// A recorded step.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StepView {
    pub step: &'static str,
    pub started_at: String,
    pub finished_at: Option<String>,
    /// Wall-clock duration in whole seconds (null while running).
    pub seconds: Option<i64>,
    /// `running`, `done`, `skipped`, `failed` or `interrupted`.
    pub status: &'static str,
    /// What the step counted (`null` when it did not finish).
    pub counts: serde_json::Value,
    pub error: Option<String>,
}

/// A page of runs, newest first.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PipelineRunsView {
    pub items: Vec<RunView>,
    pub next_cursor: Option<String>,
    pub total: u64,
}

impl Service {
    /// Ingests an interchange folder (idempotent and crash-safe, see `crate::ingest`), then brings an existing
    /// case index up to date while still holding the ingest lock.
    pub fn ingest(&self, req: &IngestRequest, progress: &dyn Progress) -> AppResult<IngestView> {
        let opts =
            IngestOptions { dir: req.dir.clone(), data_dir: self.data_dir().to_path_buf(), batch_rows: req.batch_rows };
        let (report, lock) = crate::ingest::run(&opts, progress)?;
        // New and changed reports become searchable without a separate `fanzha index`.
        let search_index = self.sync_cases_if_indexed().map_err(|e| {
            let message =
                format!("the store is updated, but updating the search index failed (run `fanzha index`): {e}");
            AppError::new(e.kind(), e.code(), message).with_source(e)
        })?;
        drop(lock);
        let rejected_any = report.rejected_any();
        Ok(IngestView {
            run_id: report.run_id,
            files: report.files,
            rejected_any,
            rejects: rejected_any.then_some(report.rejects),
            notes: report.notes,
            search_index,
        })
    }

    /// Runs the weekly job once, recording the run and its steps. Fails only when the run cannot start (another
    /// one holds the lock, the store cannot be opened); a failed step is in the view (`run.status`, `failure`).
    pub fn run_pipeline(
        &self,
        input: &PipelineInput,
        trigger: Trigger,
        progress: &dyn Progress,
    ) -> AppResult<PipelineRunView> {
        let data_dir = self.data_dir();
        std::fs::create_dir_all(data_dir).map_err(AppError::internal)?;
        let lock = File::create(data_dir.join("pipeline.lock")).map_err(AppError::internal)?;
        if lock.try_lock().is_err() {
            let message = format!("another pipeline run is in progress on {}", data_dir.display());
            return Err(AppError::new(Kind::Conflict, "pipeline_running", message));
        }
        let mut store = Store::open(data_dir)?;
        let run_id = store.begin_pipeline_run(trigger, &input.describe(), now())?;
        let recorder = Recorder { store, run_id };
        let mut view = PipelineRunView {
            run: placeholder_run(run_id),
            ingest: None,
            index: None,
            clusters: None,
            risk: None,
            stats: None,
            warnings: None,
            outreach_plan: None,
            failure: None,
        };
        let result = self.pipeline_steps(&recorder, input, progress, &mut view);
        let status = if result.is_ok() { PipelineStatus::Done } else { PipelineStatus::Failed };
        recorder.store.finish_pipeline_run(run_id, status, now())?;
        view.run = run_view(recorder.store.pipeline_run(run_id)?)?;
        view.failure = result.err();
        drop(lock);
        Ok(view)
    }

    /// Whether a pipeline run holds the data folder's lock now (a run recorded `running` by a killed process
    /// does not).
    pub fn pipeline_running(&self) -> AppResult<bool> {
        let path = self.data_dir().join("pipeline.lock");
        if !path.exists() {
            return Ok(false);
        }
        let file = File::open(&path).map_err(AppError::internal)?;
        Ok(file.try_lock().is_err())
    }

    /// Up to `limit` recorded runs, newest first, after `cursor` (the `next_cursor` of the previous page).
    pub fn pipeline_runs(&self, limit: Limit, cursor: Option<&str>) -> AppResult<PipelineRunsView> {
        let before = cursor
            .map(|c| {
                c.parse::<i64>().map_err(|_| {
                    AppError::invalid("invalid_cursor", "cursor", format!("{c:?} is not a cursor of this list"))
                })
            })
            .transpose()?;
        let store = self.store()?;
        let rows = store.pipeline_runs(limit.get() + 1, before)?;
        let more = rows.len() > limit.get();
        let items: Vec<RunView> = rows.into_iter().take(limit.get()).map(run_view).collect::<AppResult<_>>()?;
        let next_cursor = if more { items.last().map(|r| r.run_id.to_string()) } else { None };
        Ok(PipelineRunsView { items, next_cursor, total: store.pipeline_run_count()? })
    }

    fn pipeline_steps(
        &self,
        rec: &Recorder,
        input: &PipelineInput,
        progress: &dyn Progress,
        view: &mut PipelineRunView,
    ) -> AppResult<()> {
        let dir = match input {
            PipelineInput::Folder(dir) => dir.clone(),
            &PipelineInput::Synthetic { residents, weeks, seed } => {
                let dir = PipelineInput::synthetic_dir(self.data_dir(), residents, weeks, seed);
                // Deterministic: regenerating gives the same bytes, so an interrupted run is simply redone.
                rec.step(Step::Generate, || {
                    generate(&dir, residents, weeks, seed)?;
                    let counts = serde_json::json!({ "residents": residents, "weeks": weeks, "seed": seed });
                    Ok(((), Ended::done(counts)))
                })?;
                dir
            }
        };
        let ingest = rec.step(Step::Ingest, || {
            let v = self.ingest(&IngestRequest { dir, batch_rows: DEFAULT_BATCH_ROWS }, progress)?;
            let sum = |f: fn(&FileCounts) -> u64| v.files.iter().map(f).sum::<u64>();
            let counts = serde_json::json!({
                "ingest_run_id": v.run_id,
                "accepted": sum(|f| f.accepted),
                "updated": sum(|f| f.updated),
                "unchanged": sum(|f| f.unchanged),
                "rejected": sum(|f| f.rejected),
                "flagged": sum(|f| f.flagged),
                "files_rejected": v.files.iter().filter(|f| f.error.is_some()).count(),
            });
            Ok((v, Ended::done(counts)))
        })?;
        let synced = ingest.search_index;
        view.ingest = Some(ingest);
        view.index = rec.step(Step::Index, || match synced {
            // An existing case index was already brought up to date by the ingest.
            Some(r) => Ok((None, Ended::done(json(&r)))),
            None => {
                let req = IndexRequest {
                    source: IndexSource::Store,
                    name: Some(IndexName::cases()),
                    rebuild: false,
                    extra_dict: None,
                    fold_traditional: false,
                };
                let v = self.index(&req, progress)?;
                let counts =
                    serde_json::json!({ "added": v.added, "updated": v.updated, "deleted": v.deleted, "unchanged": v.unchanged });
                Ok((Some(v), Ended::done(counts)))
            }
        })?;
        let clusters = rec.step(Step::Clusters, || {
            let summary = cluster_gangs(self.data_dir())?;
            let counts = json(&summary);
            Ok((summary, Ended::done(counts)))
        })?;
        view.clusters = Some(clusters);
        let store = self.store()?;
        view.risk = Some(rec.step(Step::Score, || {
            let Some(latest) = store.latest_report_at()? else {
                return Ok((RiskOutcome::NoReports, Ended::skipped("no reports in the store, nothing to score")));
            };
            let week = IsoWeek::of_timestamp(latest.0).plus(1);
            match score_week(&store, week) {
                Ok(report) => {
                    let counts = serde_json::json!({
                        "snapshot_id": report.snapshot_id,
                        "week": report.week,
                        "residents": report.residents,
                        "unchanged": report.unchanged,
                    });
                    Ok((RiskOutcome::Written { report }, Ended::done(counts)))
                }
                // Too little history (e.g. no victims yet in the training weeks) leaves the snapshot out, not the
                // statistics; anything else fails the run.
                Err(e) if e.kind() != Kind::Internal => {
                    let reason = e.message().to_string();
                    let ended = Ended::skipped(format!("risk scores for {week} not written: {reason}"));
                    Ok((RiskOutcome::NotWritten { week: week.to_string(), reason }, ended))
                }
                Err(e) => Err(e),
            }
        })?);
        view.stats = Some(rec.step(Step::Stats, || {
            let stats = statistics(&store)?;
            let counts = serde_json::json!({ "local_reports": stats.local_reports, "population": stats.population });
            Ok((stats, Ended::done(counts)))
        })?);
        // Outreach comes last: what it cannot do (no staff, no snapshot…) is a skipped step, never a lost result.
        view.warnings = rec.step(Step::Warnings, || {
            outcome_or_skip(
                self.warn(&WarnRequest::Scan { since: None }),
                |v| serde_json::json!({ "raised": v.raised, "stored": v.stored, "tasks": v.tasks.len() }),
            )
        })?;
        let week = match &view.risk {
            Some(RiskOutcome::Written { report }) => IsoWeek::parse(&report.week).ok(),
            _ => None,
        };
        view.outreach_plan = rec.step(Step::OutreachPlan, || {
            let Some(week) = week else {
                return Ok((None, Ended::skipped("no risk snapshot was written this run: no plan drafted")));
            };
            if let Some(p) = self
                .outreach_plans(Some(week))?
                .items
                .into_iter()
                .find(|p| p.status != crate::store::PlanStatus::Superseded)
            {
                let why = format!("week {week} already has plan {} ({})", p.plan_id, p.status.as_str());
                return Ok((None, Ended::skipped(why)));
            }
            let req = PlanRequest {
                week,
                strategy: outreach::Strategy::Optimised,
                minutes_scale: 1.0,
                seed: 1,
                replace: false,
                by: "pipeline".into(),
            };
            outcome_or_skip(
                self.outreach_plan(&req),
                |p| serde_json::json!({ "plan_id": p.plan_id, "week": p.week, "assignments": p.assignments }),
            )
        })?;
        Ok(())
    }
}

// The other areas' work, one call each: these areas are being moved to services, and only these lines change then.

fn generate(dir: &Path, residents: u32, weeks: u32, seed: u64) -> AppResult<()> {
    let options = crate::generate_cmd::Options {
        residents,
        weeks,
        seed,
        truth_weeks: weeks.min(8),
        incidence: None,
        scenario: Vec::new(),
    };
    Ok(crate::generate_cmd::run(dir, &options, true)?)
}

fn cluster_gangs(data_dir: &Path) -> AppResult<crate::service::gangs::RunSummary> {
    use crate::service::gangs::{RunParams, hub_policy};
    let params = RunParams { seed: 1, policy: hub_policy(None)?, policy_source: None };
    Service::new(data_dir).clusters_run(&params)
}

fn score_week(store: &Store, week: IsoWeek) -> AppResult<crate::service::risk::ScoreReport> {
    crate::service::risk::score(store, week, ModelKind::Logistic, crate::service::risk::now())
}

fn statistics(store: &Store) -> AppResult<crate::service::stats::Stats> {
    crate::service::stats::compute(store)
}

/// Records the steps of one run.
struct Recorder {
    store: Store,
    run_id: i64,
}

/// How a step that did not fail ended.
struct Ended {
    status: StepStatus,
    counts: serde_json::Value,
    note: Option<String>,
}

impl Ended {
    fn done(counts: serde_json::Value) -> Ended {
        Ended { status: StepStatus::Done, counts, note: None }
    }

    fn skipped(why: impl Into<String>) -> Ended {
        Ended { status: StepStatus::Skipped, counts: serde_json::json!({}), note: Some(why.into()) }
    }
}

impl Recorder {
    /// Runs `work` as `step`, recording its start, and its counts or its error.
    fn step<T>(&self, step: Step, work: impl FnOnce() -> AppResult<(T, Ended)>) -> AppResult<T> {
        let seq = self.store.begin_pipeline_step(self.run_id, step, now())?;
        let (value, end) = match work() {
            Ok((value, ended)) => (Ok(value), ended),
            Err(e) => {
                let ended = Ended {
                    status: StepStatus::Failed,
                    counts: serde_json::Value::Null,
                    note: Some(e.message().to_string()),
                };
                (Err(e), ended)
            }
        };
        let counts = (!end.counts.is_null()).then(|| end.counts.to_string());
        let record = StepEnd { status: end.status, counts: counts.as_deref(), error: end.note.as_deref() };
        self.store.finish_pipeline_step(self.run_id, seq, record, now())?;
        value
    }
}

/// A step's value and counts; a user-level failure (no staff, no snapshot…) is a skipped step saying why.
fn outcome_or_skip<T>(r: AppResult<T>, counts: impl FnOnce(&T) -> serde_json::Value) -> AppResult<(Option<T>, Ended)> {
    match r {
        Ok(v) => {
            let c = counts(&v);
            Ok((Some(v), Ended::done(c)))
        }
        Err(e) if e.kind() != Kind::Internal => Ok((None, Ended::skipped(e.message().to_string()))),
        Err(e) => Err(e),
    }
}

fn json(v: &impl Serialize) -> serde_json::Value {
    serde_json::to_value(v).unwrap_or(serde_json::Value::Null)
}

fn iso(t: i64) -> String {
    datasets::Timestamp(t).to_beijing().to_rfc3339()
}

fn placeholder_run(run_id: i64) -> RunView {
    RunView {
        run_id,
        started_at: String::new(),
        finished_at: None,
        seconds: None,
        status: PipelineStatus::Running.as_str(),
        trigger: "",
        input: String::new(),
        steps: Vec::new(),
    }
}

fn run_view(r: PipelineRunRow) -> AppResult<RunView> {
    Ok(RunView {
        run_id: r.run_id,
        started_at: iso(r.started_at),
        finished_at: r.finished_at.map(iso),
        seconds: r.finished_at.map(|f| f - r.started_at),
        status: r.status.as_str(),
        trigger: r.trigger.as_str(),
        input: r.input,
        steps: r.steps.into_iter().map(step_view).collect::<AppResult<_>>()?,
    })
}

fn step_view(s: PipelineStepRow) -> AppResult<StepView> {
    let counts = match &s.counts {
        None => serde_json::Value::Null,
        Some(text) => serde_json::from_str(text).map_err(|e| {
            AppError::from(crate::store::StoreError::corrupt("pipeline_steps", "counts", text.clone(), e))
        })?,
    };
    Ok(StepView {
        step: s.step.as_str(),
        started_at: iso(s.started_at),
        finished_at: s.finished_at.map(iso),
        seconds: s.finished_at.map(|f| f - s.started_at),
        status: s.status.as_str(),
        counts,
        error: s.error,
    })
}

fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64)
}
