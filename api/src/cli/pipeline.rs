//! `fanzha ingest` and `fanzha pipeline`: flags → inputs → the ingest/pipeline services → the text they printed
//! before the services existed; progress bars for the files being read.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Mutex;

use indicatif::ProgressBar;

use crate::cli::EXIT_REJECTED;
use crate::cli::emit;
use crate::error::{AppError, AppResult};
use crate::service::Service;
use crate::service::pipeline::{IngestRequest, IngestView, PipelineInput, PipelineRunView, RiskOutcome};
use crate::service::progress::Progress;
use crate::store::Trigger;

/// Flags of `fanzha ingest`.
#[derive(Debug, clap::Args)]
pub struct IngestArgs {
    /// Folder with residents.csv, reports.csv and optional other files (.csv or .jsonl).
    dir: PathBuf,
}

/// Flags of `fanzha pipeline`.
#[derive(Debug, clap::Args)]
pub struct PipelineArgs {
    /// Interchange folder to ingest.
    #[arg(long, conflicts_with = "synthetic", required_unless_present = "synthetic")]
    input: Option<PathBuf>,
    /// Generate a synthetic district of this many residents into the data folder and ingest it.
    #[arg(long)]
    synthetic: Option<u32>,
    /// Weeks of history for --synthetic.
    #[arg(long, default_value_t = 52)]
    weeks: u32,
    /// Seed for --synthetic.
    #[arg(long, default_value_t = 1)]
    seed: u64,
}

/// A progress bar per file read (hidden when quiet or not a terminal).
pub(crate) struct Bars {
    quiet: bool,
    bar: Mutex<Option<ProgressBar>>,
}

impl Bars {
    pub(crate) fn new(quiet: bool) -> Bars {
        Bars { quiet, bar: Mutex::new(None) }
    }

    fn with(&self, f: impl FnOnce(&mut Option<ProgressBar>)) {
        f(&mut self.bar.lock().unwrap_or_else(|e| e.into_inner()));
    }
}

impl Progress for Bars {
    fn start_file(&self, path: &Path) {
        self.with(|bar| *bar = Some(crate::progress::file_bar(path, self.quiet)));
    }

    fn file_position(&self, bytes: u64) {
        self.with(|bar| bar.iter().for_each(|b| b.set_position(bytes)));
    }

    fn finish_file(&self) {
        self.with(|bar| bar.take().iter().for_each(ProgressBar::finish_and_clear));
    }

    fn start_rows(&self, what: &str, rows: u64) {
        self.with(|bar| *bar = Some(crate::progress::rows_bar(what, rows, self.quiet)));
    }
}

/// `fanzha ingest`: exit 3 when rows were rejected.
pub fn ingest(data_dir: &Path, args: IngestArgs, quiet: bool) -> AppResult<ExitCode> {
    let req = IngestRequest { dir: args.dir, batch_rows: crate::ingest::DEFAULT_BATCH_ROWS };
    let view = Service::new(data_dir).ingest(&req, &Bars::new(quiet))?;
    emit(&render_ingest(&view))?;
    Ok(if view.rejected_any { ExitCode::from(EXIT_REJECTED) } else { ExitCode::SUCCESS })
}

/// The per-file summary as a text table.
pub fn render_ingest(v: &IngestView) -> String {
    let mut s = format!(
        "ingest run {}\n{:<16} {:>10} {:>10} {:>10} {:>10} {:>10}\n",
        v.run_id, "file", "accepted", "updated", "unchanged", "rejected", "flagged"
    );
    for f in &v.files {
        s += &format!(
            "{:<16} {:>10} {:>10} {:>10} {:>10} {:>10}\n",
            f.file, f.accepted, f.updated, f.unchanged, f.rejected, f.flagged
        );
        if let Some(e) = &f.error {
            s += &format!("  file rejected: {e}\n");
        }
    }
    for n in &v.notes {
        s += &format!("note: {n}\n");
    }
    if let Some(path) = &v.rejects {
        s += &format!("rejected rows are listed in {}\n", path.display());
    }
    if let Some(r) = &v.search_index {
        s += &format!(
            "search index {}: {} added, {} updated, {} deleted, {} unchanged\n",
            crate::service::search::CASES,
            r.added,
            r.updated,
            r.deleted,
            r.unchanged
        );
    }
    s
}

/// `fanzha pipeline`: exit 3 when the ingest rejected rows; a failed step exits with its error's code.
pub fn pipeline(data_dir: &Path, args: PipelineArgs, quiet: bool) -> AppResult<ExitCode> {
    let input = match (args.input, args.synthetic) {
        (Some(dir), _) => PipelineInput::Folder(dir),
        (None, Some(residents)) => PipelineInput::Synthetic { residents, weeks: args.weeks, seed: args.seed },
        (None, None) => return Err(AppError::invalid("missing_input", "input", "give --input DIR or --synthetic N")),
    };
    let mut view = Service::new(data_dir).run_pipeline(&input, Trigger::Cli, &Bars::new(quiet))?;
    emit(&render_pipeline(&view))?;
    if let Some(failure) = view.failure.take() {
        return Err(failure);
    }
    let rejected = view.ingest.as_ref().is_some_and(|i| i.rejected_any);
    Ok(if rejected { ExitCode::from(EXIT_REJECTED) } else { ExitCode::SUCCESS })
}

/// What `fanzha pipeline` prints: each step's own text, as far as the run got.
pub fn render_pipeline(v: &PipelineRunView) -> String {
    let mut s = String::new();
    if let Some(ingest) = &v.ingest {
        s += &render_ingest(ingest);
    }
    if let Some(index) = &v.index {
        s += &crate::cli::search::render_index(index);
    }
    if let Some(c) = &v.clusters {
        s += &format!(
            "gang clusters: {} ({} with several reports), {} hubs and {} laundering services held apart (run {})\n",
            c.clusters, c.multi_report_clusters, c.hubs, c.services, c.gang_run_id
        );
    }
    match &v.risk {
        Some(RiskOutcome::Written { report }) => s += &super::risk::render_score(report),
        Some(RiskOutcome::NotWritten { week, reason }) => {
            s += &format!("risk scores for {week} not written: {reason}\n")
        }
        Some(RiskOutcome::NoReports) => s += "risk scores: no reports in the store, nothing to score\n",
        None => {}
    }
    if let Some(stats) = &v.stats {
        s += "\n";
        s += &super::risk::render_stats(stats);
    }
    // The outreach steps come last: their result, or why they were skipped.
    let skipped = |step: &str| {
        v.run.steps.iter().find(|st| st.step == step && st.status == "skipped").and_then(|st| st.error.clone())
    };
    if v.warnings.is_some() || v.outreach_plan.is_some() || skipped("warnings").or(skipped("outreach_plan")).is_some() {
        s += "\n";
    }
    match (&v.warnings, skipped("warnings")) {
        (Some(w), _) => {
            let _ = writeln!(
                s,
                "urgent warnings: {} raised, {} new stored, {} tasks opened",
                w.raised,
                w.stored,
                w.tasks.len()
            );
            if !w.tasks.is_empty() {
                let _ = writeln!(s, "  see them with `fanzha warnings`, the day sheets with `fanzha outreach tasks`");
            }
            for r in w.unassigned.iter().chain(&w.rejected).take(5) {
                let _ = writeln!(s, "  {}: {}", r.field, r.reason);
            }
        }
        (None, Some(why)) => {
            let _ = writeln!(s, "urgent warnings: skipped: {why}");
        }
        (None, None) => {}
    }
    match (&v.outreach_plan, skipped("outreach_plan")) {
        (Some(p), _) => {
            let _ = writeln!(
                s,
                "outreach plan {} drafted for {} ({}): {} assignments ({} held out), {} staff minutes, expected {:.4} victimisations averted",
                p.plan_id, p.week, p.strategy, p.assignments, p.held_out, p.minutes, p.expected_averted
            );
            let _ = writeln!(
                s,
                "  review it with `fanzha outreach show {id}`; a person approves it with `fanzha outreach approve {id}`",
                id = p.plan_id
            );
        }
        (None, Some(why)) => {
            let _ = writeln!(s, "outreach plan: skipped: {why}");
        }
        (None, None) => {}
    }
    s
}
