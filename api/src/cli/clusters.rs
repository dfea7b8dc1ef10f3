//! `fanzha clusters run | list | show ID | hubs | services | explain A B | export ID`: flags, a call to the gangs
//! service, and the text renderers (`--json` prints the service's view).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use analytics::ExportFormat;

use crate::error::{AppError, AppResult};
use crate::service::Service;
use crate::service::gangs::{
    ClusterDetail, ClusterEvidence, ClusterSummary, ClustersQuery, Explanation, HubView, RunParams, ServiceView,
    hub_policy,
};

/// The `fanzha clusters` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum ClustersCommand {
    /// Cluster the store's reports into gangs and save the run (cluster ids carry over from the last run).
    Run {
        /// Leiden seed; the same seed and data give the same clusters.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Hub policy file over the shipped allow-list: lines `allow KEY REASON` or `force_include KEY`.
        #[arg(long)]
        hub_policy: Option<PathBuf>,
        /// Print JSON instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Clusters of the latest run: reports, victims, loss, time span, fraud types, districts.
    List {
        /// Only clusters of at least this many reports.
        #[arg(long)]
        min_reports: Option<u64>,
        /// Only clusters whose losses add up to at least this many yuan.
        #[arg(long)]
        min_loss: Option<String>,
        /// Only clusters spanning several districts (串并案 candidates).
        #[arg(long)]
        cross_jurisdiction: bool,
        /// Only clusters with a report of this fraud type (code or Chinese label).
        #[arg(long = "type")]
        fraud_type: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// One cluster: summary, confidence, key accounts and phones by PageRank and betweenness, L1 accounts still
    /// active. Victims' phones and cards are masked unless --unmasked.
    Show {
        /// Cluster id (see `fanzha clusters list`).
        id: u64,
        #[arg(long)]
        json: bool,
        /// Show victims' phone and card numbers in full (PIPL: only when the case needs them).
        #[arg(long)]
        unmasked: bool,
    },
    /// The shortest chain of shared identifiers and transfers linking two reports of one cluster.
    Explain {
        report_a: String,
        report_b: String,
        #[arg(long)]
        json: bool,
        #[arg(long)]
        unmasked: bool,
    },
    /// Export a cluster's subgraph: graphml, gexf, csv (entities.csv + links.csv in --out DIR) or json.
    Export {
        id: u64,
        #[arg(long, value_parser = parse_format)]
        format: ExportFormat,
        /// Output file (a directory for csv); standard output if omitted.
        #[arg(long)]
        out: Option<PathBuf>,
        #[arg(long)]
        unmasked: bool,
    },
    /// Identifiers excluded from linking as hubs, with the reason.
    Hubs {
        #[arg(long)]
        json: bool,
    },
    /// Laundering services found (accounts bridging several gangs).
    Services {
        #[arg(long)]
        json: bool,
    },
}

fn parse_format(text: &str) -> Result<ExportFormat, String> {
    ExportFormat::parse(text).map_err(|e| e.to_string())
}

/// `--json`: the view as pretty JSON; else its text.
fn output<T: serde::Serialize>(json: bool, view: &T, render: impl Fn(&T) -> String) -> AppResult<String> {
    if json { Ok(serde_json::to_string_pretty(view).map_err(AppError::internal)? + "\n") } else { Ok(render(view)) }
}

/// Runs one `fanzha clusters` subcommand and returns what to print on standard output.
pub fn run(svc: &Service, command: ClustersCommand) -> AppResult<String> {
    match command {
        ClustersCommand::Run { seed, hub_policy: file, json } => {
            let policy = match &file {
                Some(path) => {
                    let text = std::fs::read_to_string(path).map_err(|e| {
                        AppError::invalid(
                            "invalid_hub_policy",
                            "hub_policy",
                            format!("cannot read hub policy {}: {e}", path.display()),
                        )
                    })?;
                    hub_policy(Some((&path.display().to_string(), &text)))?
                }
                None => hub_policy(None)?,
            };
            let params = RunParams { seed, policy, policy_source: file.map(|p| p.display().to_string()) };
            output(json, &svc.clusters_run(&params)?, |s| {
                format!(
                    "clustering run {}: {} reports, {} transfers -> {} clusters ({} with 2+ reports), {} hubs \
                     excluded, {} laundering services, {} ids kept from the previous run, modularity {:.4}\n",
                    s.gang_run_id,
                    s.reports,
                    s.transfers,
                    s.clusters,
                    s.multi_report_clusters,
                    s.hubs,
                    s.services,
                    s.ids_kept_from_previous_run,
                    s.modularity
                )
            })
        }
        ClustersCommand::List { min_reports, min_loss, cross_jurisdiction, fraud_type, json } => {
            let filter =
                ClustersQuery { min_reports, min_loss_yuan: min_loss, cross_jurisdiction, fraud_type }.check()?;
            output(json, &svc.clusters_list(&filter)?, |rows| render_list(rows))
        }
        ClustersCommand::Show { id, json, unmasked } => output(json, &svc.cluster_show(id, unmasked)?, render_show),
        ClustersCommand::Explain { report_a, report_b, json, unmasked } => {
            output(json, &svc.clusters_explain(&report_a, &report_b, unmasked)?, render_explanation)
        }
        ClustersCommand::Export { id, format, out, unmasked } => export(svc, id, format, out.as_deref(), unmasked),
        ClustersCommand::Hubs { json } => output(json, &svc.hubs()?, |rows| render_hubs(rows)),
        ClustersCommand::Services { json } => output(json, &svc.services()?, |rows| render_services(rows)),
    }
}

/// Writes the export to `out` (a file; for CSV a directory receiving `entities.csv` and `links.csv`), or returns
/// it for standard output when `out` is `None` (not for CSV). Says on standard error what was written.
fn export(svc: &Service, id: u64, format: ExportFormat, out: Option<&Path>, unmasked: bool) -> AppResult<String> {
    if format == ExportFormat::Csv && out.is_none() {
        return Err(AppError::invalid(
            "invalid_parameter",
            "out",
            "CSV export writes two files (entities.csv, links.csv): give a directory with --out DIR",
        ));
    }
    let export = svc.cluster_export(id, format, unmasked)?;
    let counts = format!("{} nodes, {} edges", export.nodes, export.edges);
    let write = |path: &Path, bytes: &[u8]| {
        std::fs::write(path, bytes)
            .map_err(|e| AppError::internal(anyhow::anyhow!("cannot write {}: {e}", path.display())))
    };
    match out {
        Some(dir) if format == ExportFormat::Csv => {
            std::fs::create_dir_all(dir)
                .map_err(|e| AppError::internal(anyhow::anyhow!("cannot create directory {}: {e}", dir.display())))?;
            let paths: Vec<PathBuf> = export.files.iter().map(|f| dir.join(&f.name)).collect();
            for (f, path) in export.files.iter().zip(&paths) {
                write(path, &f.bytes)?;
            }
            let shown: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
            eprintln!("cluster {id}: {counts} written to {}", shown.join(" and "));
            Ok(String::new())
        }
        Some(path) => {
            write(path, &export.files[0].bytes)?;
            eprintln!("cluster {id}: {counts} written to {} ({})", path.display(), format.extension());
            Ok(String::new())
        }
        None => Ok(String::from_utf8_lossy(&export.files[0].bytes).into_owned()),
    }
}

/// Renders `fanzha clusters list` as a table.
pub fn render_list(rows: &[ClusterSummary]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:>8} {:>7} {:>7} {:>14}  {:<10} {:<10} {:>5}  {:<5} fraud_types  [districts]",
        "cluster", "reports", "victims", "loss_yuan", "first", "last", "days", "cross"
    );
    for r in rows {
        let _ = writeln!(
            out,
            "{:>8} {:>7} {:>7} {:>14}  {:<10} {:<10} {:>5}  {:<5} {}  [{}]",
            r.cluster_id,
            r.reports,
            r.victims,
            r.total_loss_yuan,
            r.first_at,
            r.last_at,
            r.span_days,
            if r.cross_jurisdiction { "yes" } else { "no" },
            r.fraud_types.join(","),
            r.districts.join(","),
        );
    }
    out
}

/// Renders `fanzha clusters show`.
pub fn render_show(d: &ClusterDetail) -> String {
    let mut out = render_list(std::slice::from_ref(&d.summary));
    let _ = writeln!(
        out,
        "provinces: {}{}",
        d.summary.provinces.join(", "),
        if d.summary.cross_jurisdiction { "  (cross-jurisdiction: 串并案 candidate)" } else { "" }
    );
    let _ = writeln!(out, "\nreports ({}): {}", d.report_ids.len(), d.report_ids.join(" "));
    render_evidence(&d.evidence, &mut out);
    if !d.services.is_empty() {
        let services: Vec<String> = d.services.iter().map(i64::to_string).collect();
        let _ = writeln!(out, "\nlaundering services used: {}", services.join(", "));
    }
    out
}

/// Renders the evidence part of `fanzha clusters show`.
fn render_evidence(e: &ClusterEvidence, out: &mut String) {
    let c = &e.confidence;
    let _ = writeln!(
        out,
        "\nconfidence {:.2} (attachment {:.2} × cohesion {:.2}; density {:.2}, {} linked report pairs)",
        c.score, c.attachment, c.cohesion, c.density, c.linked_pairs
    );
    let _ = writeln!(
        out,
        "subgraph: {} nodes, {} edges; betweenness {}",
        e.subgraph_nodes, e.subgraph_edges, e.betweenness_method
    );
    for (title, list) in
        [("key accounts", &e.key_accounts), ("key phones", &e.key_phones), ("other identifiers", &e.other_identifiers)]
    {
        let _ = writeln!(out, "\n{title} (by PageRank):");
        let _ = writeln!(out, "  {:<36} {:>7} {:>11} {:>8}", "key", "reports", "betweenness", "pagerank");
        if list.is_empty() {
            let _ = writeln!(out, "  (none)");
        }
        for k in list {
            let _ = writeln!(out, "  {:<36} {:>7} {:>11.1} {:>8.4}", k.key, k.reports, k.betweenness, k.pagerank);
        }
    }
    let active = e.l1_accounts.iter().filter(|a| a.active).count();
    let _ = writeln!(
        out,
        "\nL1 accounts (paid by victims): {}, {} still active (moved money in the last {} days of the data, which \
         ends {})",
        e.l1_accounts.len(),
        active,
        e.l1_active_days,
        e.data_end.as_deref().unwrap_or("-")
    );
    for a in &e.l1_accounts {
        let _ = writeln!(
            out,
            "  {:<36} {:>3} payments {:>14} yuan  last {}{}",
            a.key,
            a.payments,
            a.received_yuan,
            a.last_activity,
            if a.active { "  ACTIVE" } else { "" }
        );
    }
}

/// Renders `fanzha clusters explain`.
pub fn render_explanation(e: &Explanation) -> String {
    let mut out = format!(
        "{} and {} (cluster {}) are linked in {} steps (money legs follow the money forward in time):\n",
        e.report_a,
        e.report_b,
        e.cluster_id,
        e.steps.len()
    );
    for (i, s) in e.steps.iter().enumerate() {
        let dwell = s.dwell_secs.map(|d| format!(" after {} in the sender", duration(d))).unwrap_or_default();
        let money = match (&s.time, &s.amount_yuan, s.share_pct) {
            (Some(t), Some(a), _) => format!(" on {t}, {a} yuan{dwell}"),
            (_, _, Some(p)) => format!(" ({p}% of that report's traced money)"),
            _ => String::new(),
        };
        let verb = match (s.kind, s.reversed) {
            ("attributed_money", false) => "— money traced through laundering accounts ends in",
            ("attributed_money", true) => "holds money traced from",
            ("mention", false) => "names",
            ("mention", true) => "is named by",
            ("payment", false) => "paid (victim) into",
            ("payment", true) => "was paid (victim) by",
            ("transfer", false) => "transferred to",
            _ => "received a transfer from",
        };
        let _ = writeln!(out, "  {}. {} {} {} {}{}", i + 1, s.from_kind, s.from, verb, s.to, money);
    }
    out
}

/// A dwell as `45 s`, `12 min`, `3 h 05 min` or `2 d 4 h`.
fn duration(secs: i64) -> String {
    match secs {
        s if s < 60 => format!("{s} s"),
        s if s < 3_600 => format!("{} min", s / 60),
        s if s < 86_400 => format!("{} h {:02} min", s / 3_600, s % 3_600 / 60),
        s => format!("{} d {} h", s / 86_400, s % 86_400 / 3_600),
    }
}

/// Renders `fanzha clusters hubs`.
pub fn render_hubs(rows: &[HubView]) -> String {
    let mut out = format!("{:<32} {:<8} {:>7}  reason\n", "key", "kind", "reports");
    for h in rows {
        let flag = if h.overridden { " (force_include: still links)" } else { "" };
        let _ = writeln!(out, "{:<32} {:<8} {:>7}  {}{flag}", h.key, h.kind, h.reports, h.reason);
    }
    out
}

/// Renders `fanzha clusters services`.
pub fn render_services(rows: &[ServiceView]) -> String {
    let mut out = String::new();
    for s in rows {
        let served: Vec<String> = s.served_clusters.iter().map(u64::to_string).collect();
        let _ = writeln!(
            out,
            "service {}: {} accounts, {} reports, inflow {} yuan, serves clusters {}",
            s.service_no,
            s.accounts.len(),
            s.reports,
            s.inflow_yuan,
            served.join(", ")
        );
        let _ = writeln!(out, "  accounts: {}", s.accounts.join(" "));
    }
    if rows.is_empty() {
        out.push_str("no laundering services found\n");
    }
    out
}
