//! Command-line interface: parsing, dispatch and exit codes.
//!
//! Exit codes: 0 success; 1 runtime error (I/O, store); 2 usage error (clap); 3 the command finished but some input
//! rows were rejected (see the rejects report).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::{Parser, Subcommand};

mod pipeline;
mod search;

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
        /// Number of final weeks for which truth/resident_risk.csv is written.
        #[arg(long, default_value_t = 8)]
        truth_weeks: u32,
        /// 万人发案率: local fraud cases per 10,000 residents a year (default: the generator's domain rate).
        #[arg(long)]
        incidence: Option<f64>,
    },
    /// Validate an interchange folder and load its good rows into the store.
    Ingest(pipeline::IngestArgs),
    /// The main job: ingest a folder (or generate a synthetic district first), then print statistics.
    Pipeline(pipeline::PipelineArgs),
    /// Gang clusters: link reports by shared identifiers and money flow, hubs and laundering services held apart.
    Clusters {
        #[command(subcommand)]
        command: crate::clusters_cmd::ClustersCommand,
    },
    /// Counts per table, fraud type and week, and 万人发案率 per community.
    Stats {
        /// Print JSON instead of tables.
        #[arg(long)]
        json: bool,
    },
    /// Train on the weeks before WEEK and write an immutable risk snapshot for WEEK (no-op if it exists).
    Score {
        /// ISO week to score, e.g. 2026-W48 (Beijing time); data up to its first second is used.
        #[arg(long)]
        week: String,
        /// `logistic` (default, explainable) or `forest` (challenger).
        #[arg(long, default_value = "logistic")]
        model: String,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Show a risk snapshot: top residents with reason codes, and per-community aggregates.
    Scores {
        /// ISO week, e.g. 2026-W48.
        #[arg(long)]
        week: String,
        /// Only this community.
        #[arg(long)]
        community: Option<String>,
        /// Only this resident (an error if the snapshot does not hold them).
        #[arg(long)]
        resident: Option<String>,
        /// A specific model version (default: the latest snapshot of the week).
        #[arg(long)]
        model_version: Option<String>,
        /// Number of residents to list.
        #[arg(long, default_value_t = 20)]
        top: usize,
        /// Print JSON instead of tables.
        #[arg(long)]
        json: bool,
    },
    /// Per-community cases, losses, 万人发案率, EB-smoothed rates, Gi* hot spots and Poisson alerts for a week.
    Areas {
        /// ISO week, e.g. 2026-W48.
        #[arg(long)]
        week: String,
        /// Community adjacency (CSV `community_a,community_b`, as the generator's adjacency.csv); needed for Gi*.
        #[arg(long)]
        adjacency: Option<PathBuf>,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Train on the weeks before FROM and evaluate on FROM..=TO: ROC-AUC, PR-AUC, precision@k, Brier,
    /// calibration, selection rates by sex and age band.
    Evaluate {
        #[arg(long)]
        from: String,
        #[arg(long)]
        to: String,
        /// `logistic` or `forest`.
        #[arg(long, default_value = "logistic")]
        model: String,
        /// Outreach capacity per week (residents selected from the top).
        #[arg(long, default_value_t = 100)]
        k: usize,
        /// Areas file (`community,…,urban_rural`, as the generator's areas.csv) for selection rates by urban/rural.
        #[arg(long)]
        areas: Option<PathBuf>,
        /// Also write the reliability curve as an SVG plot to this file.
        #[arg(long)]
        svg: Option<PathBuf>,
        /// Also write the fitting rows and the evaluated resident-weeks (features, label; `features.csv`) and this
        /// model's scores (`scores-<model>.csv`) into this folder, for outside benchmarks (bench/risk).
        #[arg(long)]
        export_features: Option<PathBuf>,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Build or update the case search index from the store (or index an outside JSONL corpus).
    Index(search::IndexArgs),
    /// Search cases: words, "phrases", AND/OR/NOT, (), prefix*, type:/district:/status:/date:[A TO B]/loss:[A TO B]; phones,
    /// cards, URLs and IM ids in any written form also match their canonical identifier.
    Search(search::SearchArgs),
    /// The cases most similar to a report (shared terms and identifiers): 串并案 candidates.
    Similar(search::SimilarArgs),
    /// Follow a report's money downstream (where it sits now) or, with --upstream, who fed an account.
    Trace(crate::trace_cmd::TraceArgs),
    /// Laundering patterns in the transfers: fan-in, fan-out, cycle, scatter-gather, gather-scatter, stack,
    /// pass-through, structuring; --accounts ranks accounts by how many they take part in.
    Typologies(crate::typologies_cmd::TypologiesArgs),
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
            // A service error carries its kind, which decides the exit code.
            e.downcast_ref::<crate::error::AppError>()
                .map_or(ExitCode::FAILURE, |a| ExitCode::from(a.kind().exit_code()))
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Generate { out, residents, weeks, seed, truth_weeks, incidence } => {
            crate::generate_cmd::run(&out, residents, weeks, seed, truth_weeks, incidence, cli.quiet)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Ingest(args) => {
            crate::progress::init_logging();
            Ok(pipeline::ingest(&cli.data_dir, args, cli.quiet)?)
        }
        Command::Pipeline(args) => {
            crate::progress::init_logging();
            Ok(pipeline::pipeline(&cli.data_dir, args, cli.quiet)?)
        }
        Command::Clusters { command } => {
            crate::progress::init_logging();
            crate::clusters_cmd::dispatch(command, &cli.data_dir)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Stats { json } => {
            crate::progress::init_logging();
            let stats = crate::stats::compute(&crate::store::Store::open_existing(&cli.data_dir)?)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&stats)?);
            } else {
                print!("{}", crate::stats::render(&stats));
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Score { week, model, json } => {
            crate::progress::init_logging();
            let kind = analytics::ModelKind::parse(&model)?;
            let store = crate::store::Store::open_existing(&cli.data_dir)?;
            let report = crate::score_cmd::score(&store, &week, kind, crate::score_cmd::now())?;
            if json {
                emit(&format!("{}\n", serde_json::to_string_pretty(&report)?))?;
            } else {
                emit(&report.summary())?;
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Scores { week, community, resident, model_version, top, json } => {
            crate::progress::init_logging();
            let store = crate::store::Store::open_existing(&cli.data_dir)?;
            let q = crate::score_cmd::ScoresQuery { week, model_version, community, resident, top };
            let view = crate::score_cmd::read_scores(&store, &q)?;
            if json {
                emit(&format!("{}\n", serde_json::to_string_pretty(&view)?))?;
            } else {
                emit(&crate::score_cmd::render(&view))?;
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Areas { week, adjacency, json } => {
            crate::progress::init_logging();
            let store = crate::store::Store::open_existing(&cli.data_dir)?;
            let report = crate::areas_cmd::run(&store, &week, adjacency.as_deref())?;
            if json {
                emit(&format!("{}\n", serde_json::to_string_pretty(&crate::areas_cmd::to_json(&report))?))?;
            } else {
                emit(&crate::areas_cmd::render(&report))?;
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Evaluate { from, to, model, k, areas, svg, export_features, json } => {
            crate::progress::init_logging();
            let kind = analytics::ModelKind::parse(&model)?;
            let store = crate::store::Store::open_existing(&cli.data_dir)?;
            let v =
                crate::score_cmd::evaluate(&store, &from, &to, kind, k, areas.as_deref(), export_features.as_deref())?;
            if let Some(path) = svg {
                std::fs::write(&path, crate::score_cmd::reliability_svg(&v))
                    .with_context(|| format!("cannot write {}", path.display()))?;
            }
            if json {
                emit(&format!("{}\n", serde_json::to_string_pretty(&v)?))?;
            } else {
                emit(&crate::score_cmd::render_evaluation(&v))?;
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Index(args) => {
            crate::progress::init_logging();
            Ok(search::index(&cli.data_dir, args, cli.quiet)?)
        }
        Command::Search(args) => {
            crate::progress::init_logging();
            Ok(search::search(&cli.data_dir, args)?)
        }
        Command::Similar(args) => {
            crate::progress::init_logging();
            Ok(search::similar(&cli.data_dir, args)?)
        }
        Command::Trace(args) => {
            crate::progress::init_logging();
            emit(&crate::trace_cmd::run(&cli.data_dir, &args)?)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Typologies(args) => {
            crate::progress::init_logging();
            emit(&crate::typologies_cmd::run(&cli.data_dir, &args)?)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Graph { command } => crate::graph_cmd::run(command),
    }
}

/// Writes to stdout; a closed pipe (`fanzha scores … | head`) ends the output quietly instead of panicking.
fn emit(text: &str) -> anyhow::Result<()> {
    use std::io::Write as _;
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}
