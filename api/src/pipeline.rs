//! `fanzha pipeline`: the main job. Ingests a folder (or a freshly generated synthetic district) into the store,
//! then prints the statistics. Every step is idempotent, so the job can be re-run safely after any failure.

use std::path::{Path, PathBuf};

use anyhow::Context;

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
    let store = Store::open_existing(data_dir).context("opening the store after ingest")?;
    let stats = crate::stats::compute(&store)?;
    println!();
    print!("{}", crate::stats::render(&stats));
    Ok(report)
}
