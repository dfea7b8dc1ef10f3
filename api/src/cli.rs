//! Command-line interface: parsing, dispatch and exit codes.
//!
//! Exit codes: 0 success; 1 runtime error (I/O, store); 2 usage error (clap); 3 the command finished but some input
//! rows were rejected (see the rejects report).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Exit code when the command completed but rejected some input rows.
pub const EXIT_REJECTED: u8 = 3;

#[derive(Debug, Parser)]
#[command(name = "fanzha", version, about = "反诈 — anti-fraud analytics and outreach engine")]
pub struct Cli {
    /// Data folder holding the SQLite store, indexes and reports.
    #[arg(long, global = true, default_value = "fanzha-data", env = "FANZHA_DATA_DIR")]
    pub data_dir: PathBuf,
    /// Show no progress bars.
    #[arg(long, global = true)]
    pub quiet: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Write a synthetic district (interchange files plus truth/) to a folder.
    Generate {
        /// Output folder (created if missing).
        #[arg(long)]
        out: PathBuf,
        /// Number of residents.
        #[arg(long, default_value_t = 10_000)]
        residents: u32,
        /// Number of weeks of history.
        #[arg(long, default_value_t = 52)]
        weeks: u32,
        /// Random seed; the same seed gives byte-identical output.
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// Validate an interchange folder and load its good rows into the store.
    Ingest {
        /// Folder with residents.csv, reports.csv and optional other files (.csv or .jsonl).
        dir: PathBuf,
    },
    /// Counts per table, fraud type and week, and 万人发案率 per community.
    Stats {
        /// Print JSON instead of tables.
        #[arg(long)]
        json: bool,
    },
    /// Graph analytics on edge lists (community detection).
    Graph {
        #[command(subcommand)]
        command: crate::graph_cmd::GraphCommand,
    },
}

/// Runs the CLI and returns the process exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Generate { .. } => anyhow::bail!("generate: not built yet"),
        Command::Ingest { .. } => anyhow::bail!("ingest: not built yet"),
        Command::Stats { .. } => anyhow::bail!("stats: not built yet"),
        Command::Graph { command } => crate::graph_cmd::run(command),
    }
}
