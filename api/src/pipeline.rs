//! `fanzha pipeline`: the weekly main job. Ingests a folder (or a freshly generated synthetic district) into the
//! store, brings the case index up to date, clusters gangs, writes the risk snapshot for the coming week and prints
//! the statistics. Every step is safe to re-run: ingest and indexing skip what is unchanged, a clustering run keeps
//! last run's cluster ids, and an identical risk snapshot is not written twice.

use std::path::{Path, PathBuf};

use anyhow::Context;

use analytics::{IsoWeek, ModelKind};

use crate::ingest::{DEFAULT_BATCH_ROWS, IngestOptions, IngestReport};
use crate::store::Store;

/// Where the pipeline takes its input from.
#[derive(Debug, Clone)]
pub enum Input {
    /// An interchange folder exported by the bureau.
    Folder(PathBuf),
    /// A synthetic district generated into the data folder.
    Synthetic { residents: u32, weeks: u32, seed: u64 },
}

/// Runs the pipeline; returns the ingest report so the caller can set the exit code.
pub fn run(input: &Input, data_dir: &Path, quiet: bool) -> anyhow::Result<IngestReport> {
    let dir = match input {
        Input::Folder(dir) => dir.clone(),
        Input::Synthetic { residents, weeks, seed } => {
            let dir = data_dir.join(format!("synthetic-r{residents}-w{weeks}-s{seed}"));
            // Deterministic: regenerating gives the same bytes, so an interrupted run is simply redone.
            crate::generate_cmd::run(&dir, *residents, *weeks, *seed, (*weeks).min(8), None, quiet)?;
            dir
        }
    };
    let opts = IngestOptions { dir, data_dir: data_dir.to_path_buf(), batch_rows: DEFAULT_BATCH_ROWS, quiet };
    let report = crate::ingest::run(&opts)?;
    print!("{}", report.summary());
    let index =
        crate::search_cmd::IndexArgs { jsonl: None, name: None, rebuild: false, dict: None, fold_traditional: false };
    // An existing case index was already brought up to date by the ingest.
    if !data_dir.join("index").join("cases").join("meta.json").exists() {
        crate::search_cmd::run_index(data_dir, &index).context("building the case index")?;
    }
    let clusters = crate::clusters_cmd::run(data_dir, 1, None).context("clustering gangs")?;
    println!(
        "gang clusters: {} ({} with several reports), {} hubs and {} laundering services held apart (run {})",
        clusters.clusters, clusters.multi_report_clusters, clusters.hubs, clusters.services, clusters.gang_run_id
    );
    let store = Store::open_existing(data_dir).context("opening the store after ingest")?;
    match coming_week(&store)? {
        Some(week) => {
            // Too little history (e.g. no victims yet in the training weeks) leaves the snapshot out, not the stats.
            match crate::service::risk::score(&store, week, ModelKind::Logistic, crate::service::risk::now()) {
                Ok(risk) => print!("{}", crate::cli::render_score(&risk)),
                Err(e) => println!("risk scores for {week} not written: {e:#}"),
            }
        }
        None => println!("risk scores: no reports in the store, nothing to score"),
    }
    let stats = crate::service::stats::compute(&store)?;
    println!();
    print!("{}", crate::cli::render_stats(&stats));
    Ok(report)
}

/// The week after the latest report: the week the risk snapshot is for.
fn coming_week(store: &Store) -> anyhow::Result<Option<IsoWeek>> {
    let latest: Option<i64> = store.conn().query_row("SELECT max(reported_at) FROM reports", [], |r| r.get(0))?;
    Ok(latest.map(|t| IsoWeek::of_timestamp(t).plus(1)))
}
