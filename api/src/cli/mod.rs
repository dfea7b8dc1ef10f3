//! Command-line interface: parsing, dispatch and exit codes.
//!
//! Exit codes: 0 success; 1 runtime error (I/O, store) or not ready (no store yet); 2 usage error or invalid input;
//! 3 the command finished but some input rows were rejected (see the rejects report); 4 not found (no such
//! snapshot, cluster, report…); 5 conflict (e.g. not enough data to train). See `AppError` (`error.rs`).

mod clusters;
mod export;
mod money;
mod outreach;
mod pipeline;
mod risk;
mod search;
mod serve;

use std::path::PathBuf;
use std::process::ExitCode;

use analytics::{IsoWeek, ModelKind};
use anyhow::Context as _;
use clap::{Parser, Subcommand};

use crate::error::AppError;
use crate::service::Service;

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
        /// Scenario families that change the criminal side's structure, repeatable or comma-separated: relays, otc,
        /// keep-money, shared-l2, lone-services, commission, deep-chains, multi-pay, late-reports, kitchen-sink
        /// (default: none; see docs/data-format.md).
        #[arg(long, value_delimiter = ',')]
        scenario: Vec<String>,
    },
    /// Validate an interchange folder and load its good rows into the store.
    Ingest(pipeline::IngestArgs),
    /// The main job: ingest a folder (or generate a synthetic district first), then print statistics.
    Pipeline(pipeline::PipelineArgs),
    /// Gang clusters: link reports by shared identifiers and money flow, hubs and laundering services held apart.
    Clusters {
        #[command(subcommand)]
        command: clusters::ClustersCommand,
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
        #[arg(long, value_parser = week_arg)]
        week: IsoWeek,
        /// `logistic` (default, explainable) or `forest` (challenger).
        #[arg(long, default_value = "logistic", value_parser = model_arg)]
        model: ModelKind,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Show a risk snapshot: top residents with reason codes, and per-community aggregates.
    Scores {
        /// ISO week, e.g. 2026-W48.
        #[arg(long, value_parser = week_arg)]
        week: IsoWeek,
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
        #[arg(long, value_parser = week_arg)]
        week: IsoWeek,
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
        /// First evaluated ISO week.
        #[arg(long, value_parser = week_arg)]
        from: IsoWeek,
        /// Last evaluated ISO week.
        #[arg(long, value_parser = week_arg)]
        to: IsoWeek,
        /// `logistic` or `forest`.
        #[arg(long, default_value = "logistic", value_parser = model_arg)]
        model: ModelKind,
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
    Trace(money::TraceArgs),
    /// Laundering patterns in the transfers: fan-in, fan-out, cycle, scatter-gather, gather-scatter, stack,
    /// pass-through, structuring; --accounts ranks accounts by how many they take part in.
    Typologies(money::TypologiesArgs),
    /// Serve the HTTP API (weekly risk scores, search, clusters, money) with auth, audit and the weekly schedule.
    Serve {
        /// Address to listen on (default 127.0.0.1:8080, or `bind` in the config file, or FANZHA_BIND).
        #[arg(long)]
        bind: Option<std::net::SocketAddr>,
        /// Configuration file (TOML); FANZHA_* environment variables override it.
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// Generate a district, run the pipeline, create one token per role, print example requests and serve.
    Demo {
        #[arg(long, default_value_t = 100_000)]
        residents: u32,
        #[arg(long, default_value_t = 26)]
        weeks: u32,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        #[arg(long)]
        bind: Option<std::net::SocketAddr>,
        #[arg(long)]
        config: Option<PathBuf>,
    },
    /// API users: add (prints a token once), revoke, list.
    Users {
        #[command(subcommand)]
        command: serve::UsersCommand,
    },
    /// The audit log of personal-data reads: verify the hash chain, export records.
    Audit {
        #[command(subcommand)]
        command: serve::AuditCommand,
    },
    /// Prevention outreach: weekly campaign plans (plan, show, approve), day sheets, outcomes, effect reports.
    Outreach {
        #[command(subcommand)]
        command: outreach::OutreachCommand,
    },
    /// Urgent warnings (预警劝阻): scan contacts for flagged numbers, import a file, or raise one by hand.
    Warn(outreach::WarnArgs),
    /// Urgent warnings with their tasks (only those with overdue steps with --overdue).
    Warnings {
        #[arg(long)]
        overdue: bool,
        #[arg(long)]
        json: bool,
    },
    /// Write the store's tables, the latest clustering run, risk snapshots and area statistics as Parquet files
    /// for pandas, polars, DuckDB or Spark (layout: docs/export.md).
    Export(export::ExportArgs),
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
            let e = AppError::from(e);
            eprintln!("error: {}", e.message());
            ExitCode::from(e.kind().exit_code())
        }
    }
}

/// The server configuration: the file, then the environment, then `--bind`.
fn serve_config(
    bind: Option<std::net::SocketAddr>,
    file: Option<&std::path::Path>,
) -> anyhow::Result<crate::http::ServeConfig> {
    let mut config = crate::http::ServeConfig::load(file, |k| std::env::var(k).ok())?;
    if let Some(bind) = bind {
        config.bind = bind;
    }
    Ok(config)
}

/// Parses `--week` (clap reports a bad one as a usage error, exit 2).
fn week_arg(text: &str) -> Result<IsoWeek, String> {
    IsoWeek::parse(text).map_err(|e| e.to_string())
}

/// Parses `--model`.
fn model_arg(text: &str) -> Result<ModelKind, String> {
    ModelKind::parse(text).map_err(|e| e.to_string())
}

/// Prints a view as pretty JSON or as the text `render` makes of it.
fn show<T: serde::Serialize>(json: bool, view: &T, render: impl FnOnce(&T) -> String) -> anyhow::Result<ExitCode> {
    if json {
        emit(&format!("{}\n", serde_json::to_string_pretty(view)?))?;
    } else {
        emit(&render(view))?;
    }
    Ok(ExitCode::SUCCESS)
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Generate { out, residents, weeks, seed, truth_weeks, incidence, scenario } => {
            let options = crate::generate_cmd::Options { residents, weeks, seed, truth_weeks, incidence, scenario };
            crate::generate_cmd::run(&out, &options, cli.quiet)?;
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
            let svc = crate::service::Service::new(&cli.data_dir);
            emit(&clusters::run(&svc, command)?)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Stats { json } => {
            crate::progress::init_logging();
            let svc = Service::new(&cli.data_dir);
            show(json, &svc.stats()?, risk::render_stats)
        }
        Command::Score { week, model, json } => {
            crate::progress::init_logging();
            let svc = Service::new(&cli.data_dir);
            show(json, &svc.score(week, model)?, risk::render_score)
        }
        Command::Scores { week, community, resident, model_version, top, json } => {
            crate::progress::init_logging();
            let svc = Service::new(&cli.data_dir);
            let q = crate::service::risk::ScoresQuery { week, model_version, community, resident, top };
            show(json, &svc.scores(&q)?, risk::render_scores)
        }
        Command::Areas { week, adjacency, json } => {
            crate::progress::init_logging();
            let svc = Service::new(&cli.data_dir);
            let pairs =
                adjacency.as_deref().map(crate::service::areas::read_adjacency).transpose()?.unwrap_or_default();
            show(json, &svc.areas(week, pairs)?, risk::render_areas)
        }
        Command::Evaluate { from, to, model, k, areas, svg, export_features, json } => {
            crate::progress::init_logging();
            let svc = Service::new(&cli.data_dir);
            let req = crate::service::evaluate::EvaluateRequest {
                from,
                to,
                model,
                k,
                areas: areas.as_deref(),
                export: export_features.as_deref(),
            };
            let v = svc.evaluate(&req)?;
            if let Some(path) = svg {
                std::fs::write(&path, risk::reliability_svg(&v))
                    .with_context(|| format!("cannot write {}", path.display()))?;
            }
            show(json, &v, risk::render_evaluation)
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
            emit(&money::trace(&crate::service::Service::new(&cli.data_dir), &args)?)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Typologies(args) => {
            crate::progress::init_logging();
            emit(&money::typologies(&crate::service::Service::new(&cli.data_dir), &args)?)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Serve { bind, config } => {
            crate::progress::init_logging();
            serve::serve(&cli.data_dir, serve_config(bind, config.as_deref())?)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Demo { residents, weeks, seed, bind, config } => {
            crate::progress::init_logging();
            let config = serve_config(bind, config.as_deref())?;
            serve::demo(&cli.data_dir, residents, weeks, seed, config, cli.quiet)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Users { command } => {
            crate::progress::init_logging();
            emit(&serve::users(&Service::new(&cli.data_dir), command)?)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Audit { command } => {
            crate::progress::init_logging();
            let (text, ok) = serve::audit(&Service::new(&cli.data_dir), command)?;
            emit(&text)?;
            Ok(if ok { ExitCode::SUCCESS } else { ExitCode::FAILURE })
        }
        Command::Outreach { command } => {
            crate::progress::init_logging();
            outreach::run(&Service::new(&cli.data_dir), command)
        }
        Command::Warn(args) => {
            crate::progress::init_logging();
            outreach::warn(&Service::new(&cli.data_dir), args)
        }
        Command::Warnings { overdue, json } => {
            crate::progress::init_logging();
            outreach::warnings(&Service::new(&cli.data_dir), overdue, json)
        }
        Command::Export(args) => {
            crate::progress::init_logging();
            emit(&export::export(&Service::new(&cli.data_dir), args, cli.quiet)?)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Graph { command } => crate::graph_cmd::run(command, cli.quiet),
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
