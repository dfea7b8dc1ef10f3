//! Command-line interface: parsing, dispatch and exit codes.
//!
//! Exit codes: 0 success; 1 runtime error (I/O, store) or not ready (no store yet); 2 usage error or invalid input;
//! 3 the command finished but some input rows were rejected (see the rejects report); 4 not found (no such
//! snapshot, cluster, report…); 5 conflict (e.g. not enough data to train). See `AppError` (`error.rs`).

mod clusters;
mod money;
mod risk;
mod serve;

pub(crate) use risk::{render_score, render_stats};

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
    },
    /// Validate an interchange folder and load its good rows into the store.
    Ingest {
        /// Folder with residents.csv, reports.csv and optional other files (.csv or .jsonl).
        dir: PathBuf,
    },
    /// The main job: ingest a folder (or generate a synthetic district first), then print statistics.
    Pipeline {
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
    },
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
    Index {
        /// Index this JSONL file (one case a line) instead of the store's reports.
        #[arg(long)]
        jsonl: Option<PathBuf>,
        /// Dotted path of the text field in each JSONL line.
        #[arg(long, default_value = "fact", requires = "jsonl")]
        text_field: String,
        /// Dotted path of the id field (default: line numbers).
        #[arg(long, requires = "jsonl")]
        id_field: Option<String>,
        /// Dotted path of a label stored as the case type (first element of an array), e.g. meta.accusation.
        #[arg(long, requires = "jsonl")]
        type_field: Option<String>,
        /// Dotted path of the district label.
        #[arg(long, requires = "jsonl")]
        district_field: Option<String>,
        /// Dotted path of the report date (YYYY-MM-DD, Beijing time, or epoch seconds).
        #[arg(long, requires = "jsonl")]
        date_field: Option<String>,
        /// Dotted path of the loss (whole fen).
        #[arg(long, requires = "jsonl")]
        loss_field: Option<String>,
        /// Dotted path of the case status (received, filed, solved, closed, or 已受理/已立案/已破案/已撤案).
        #[arg(long, requires = "jsonl")]
        status_field: Option<String>,
        /// Index name under <data-dir>/index/ (default: `cases`, or the JSONL file's stem).
        #[arg(long)]
        name: Option<String>,
        /// Rebuild from scratch instead of updating.
        #[arg(long)]
        rebuild: bool,
        /// Extra jieba user dictionary (`word [freq] [tag]` lines) besides the shipped fraud-jargon one.
        #[arg(long)]
        dict: Option<PathBuf>,
        /// Fold common traditional characters to simplified (at indexing and query time).
        #[arg(long)]
        fold_traditional: bool,
    },
    /// Search cases: words, "phrases", AND/OR/NOT, (), prefix*, type:/district:/status:/date:[A TO B]/loss:[A TO B]; phones,
    /// cards, URLs and IM ids in any written form also match their canonical identifier.
    Search {
        #[arg(required_unless_present = "bench_queries")]
        query: Option<String>,
        /// Benchmark mode: run every query of this JSONL file (`{"kind","q","type","from","to"}` a line) twice,
        /// timing the second pass; prints `kind<TAB>microseconds<TAB>total` a query.
        #[arg(long, conflicts_with = "query")]
        bench_queries: Option<PathBuf>,
        /// Skip the facet counts (type, district, month) over all hits.
        #[arg(long)]
        no_facets: bool,
        /// Only this fraud type (code).
        #[arg(long = "type")]
        fraud_type: Option<String>,
        #[arg(long)]
        district: Option<String>,
        /// Only cases with this status: received, filed, solved, closed (also `status:` in the query).
        #[arg(long)]
        status: Option<String>,
        /// Reported on or after this date (YYYY-MM-DD, Beijing time).
        #[arg(long)]
        from: Option<String>,
        /// Reported on or before this date (YYYY-MM-DD, Beijing time).
        #[arg(long)]
        to: Option<String>,
        #[arg(long, value_enum, default_value_t = SortArg::Relevance)]
        sort: SortArg,
        #[arg(long, default_value_t = 10)]
        limit: usize,
        /// The cursor printed with the previous page.
        #[arg(long)]
        cursor: Option<String>,
        #[arg(long)]
        json: bool,
        /// Index name (default `cases`).
        #[arg(long, default_value = crate::search_cmd::CASES)]
        name: String,
    },
    /// The cases most similar to a report (shared terms and identifiers): 串并案 candidates.
    Similar {
        report_id: String,
        #[arg(long, default_value_t = 10)]
        limit: usize,
        #[arg(long)]
        json: bool,
        /// Index name (default `cases`).
        #[arg(long, default_value = crate::search_cmd::CASES)]
        name: String,
    },
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
    /// Graph analytics on edge lists (community detection).
    Graph {
        #[command(subcommand)]
        command: crate::graph_cmd::GraphCommand,
    },
}

/// Result order of `fanzha search`.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum SortArg {
    Relevance,
    Date,
    Loss,
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
        Command::Generate { out, residents, weeks, seed, truth_weeks, incidence } => {
            crate::generate_cmd::run(&out, residents, weeks, seed, truth_weeks, incidence, cli.quiet)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Ingest { dir } => {
            crate::progress::init_logging();
            let opts = crate::ingest::IngestOptions {
                dir,
                data_dir: cli.data_dir,
                batch_rows: crate::ingest::DEFAULT_BATCH_ROWS,
                quiet: cli.quiet,
            };
            let report = crate::ingest::run(&opts)?;
            print!("{}", report.summary());
            Ok(if report.rejected_any() { ExitCode::from(EXIT_REJECTED) } else { ExitCode::SUCCESS })
        }
        Command::Pipeline { input, synthetic, weeks, seed } => {
            crate::progress::init_logging();
            let input = match (input, synthetic) {
                (Some(dir), _) => crate::pipeline::Input::Folder(dir),
                (None, Some(residents)) => crate::pipeline::Input::Synthetic { residents, weeks, seed },
                (None, None) => anyhow::bail!("give --input DIR or --synthetic N"),
            };
            let report = crate::pipeline::run(&input, &cli.data_dir, cli.quiet)?;
            Ok(if report.rejected_any() { ExitCode::from(EXIT_REJECTED) } else { ExitCode::SUCCESS })
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
        Command::Index {
            jsonl,
            text_field,
            id_field,
            type_field,
            district_field,
            date_field,
            loss_field,
            status_field,
            name,
            rebuild,
            dict,
            fold_traditional,
        } => {
            crate::progress::init_logging();
            let jsonl = jsonl.map(|file| crate::search_cmd::JsonlSource {
                file,
                text_field,
                id_field,
                type_field,
                district_field,
                date_field,
                loss_field,
                status_field,
            });
            let args = crate::search_cmd::IndexArgs { jsonl, name, rebuild, dict, fold_traditional };
            crate::search_cmd::run_index(&cli.data_dir, &args)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Search {
            query,
            bench_queries,
            no_facets,
            fraud_type,
            district,
            status,
            from,
            to,
            sort,
            limit,
            cursor,
            json,
            name,
        } => {
            crate::progress::init_logging();
            if let Some(file) = bench_queries {
                crate::search_cmd::run_bench_queries(&cli.data_dir, &name, &file, limit, !no_facets)?;
                return Ok(ExitCode::SUCCESS);
            }
            let query = query.unwrap_or_default();
            let sort = match sort {
                SortArg::Relevance => search::SortBy::Relevance,
                SortArg::Date => search::SortBy::Date,
                SortArg::Loss => search::SortBy::Loss,
            };
            let args = crate::search_cmd::SearchArgs {
                query,
                fraud_type,
                district,
                status,
                from,
                to,
                sort,
                limit,
                cursor,
                json,
                name,
                facets: !no_facets,
            };
            crate::search_cmd::run_search(&cli.data_dir, &args)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Similar { report_id, limit, json, name } => {
            crate::progress::init_logging();
            crate::search_cmd::run_similar(&cli.data_dir, &name, &report_id, limit, json)?;
            Ok(ExitCode::SUCCESS)
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
