//! `fanzha clusters run | list | show ID | hubs | services | explain A B | export ID`: gang clustering over the
//! store's reports and transfers, results kept per run in the `gang_*` tables (migration V2); the evidence behind a
//! cluster (centrality, L1 accounts, confidence, link chains, exports) is in `clusters_evidence`.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use analytics::{GangGraph, GangParams, HubPolicy, PreviousCluster, ReportInput, TransferInput, cluster_gangs};
use anyhow::{Context, bail};
use datasets::FraudType;
use rusqlite::{Connection, params};

use crate::clusters_evidence::{ClusterEvidence, Loaded, evidence, province, render_evidence};
use crate::store::Store;

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
        #[arg(long)]
        format: String,
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

/// Runs one `fanzha clusters` subcommand against the store in `data_dir`, printing text or JSON.
pub fn dispatch(command: ClustersCommand, data_dir: &Path) -> anyhow::Result<()> {
    let dir = data_dir;
    let (json, value, text) = match command {
        ClustersCommand::Run { seed, hub_policy, json } => {
            let s = run(dir, seed, hub_policy.as_deref())?;
            let text = format!(
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
            );
            (json, serde_json::to_value(&s)?, text)
        }
        ClustersCommand::List { json } => {
            let rows = list(dir)?;
            (json, serde_json::to_value(&rows)?, render_list(&rows))
        }
        ClustersCommand::Show { id, json, unmasked } => {
            let d = show(dir, id, unmasked)?;
            (json, serde_json::to_value(&d)?, render_show(&d))
        }
        ClustersCommand::Explain { report_a, report_b, json, unmasked } => {
            let e = crate::clusters_evidence::explain(dir, &report_a, &report_b, unmasked)?;
            (json, serde_json::to_value(&e)?, crate::clusters_evidence::render_explanation(&e))
        }
        ClustersCommand::Export { id, format, out, unmasked } => {
            let note = crate::clusters_evidence::export(dir, id, &format, out.as_deref(), unmasked)?;
            eprint!("{note}");
            return Ok(());
        }
        ClustersCommand::Hubs { json } => {
            let rows = hubs(dir)?;
            (json, serde_json::to_value(&rows)?, render_hubs(&rows))
        }
        ClustersCommand::Services { json } => {
            let rows = services(dir)?;
            (json, serde_json::to_value(&rows)?, render_services(&rows))
        }
    };
    let body = if json { serde_json::to_string_pretty(&value)? + "\n" } else { text };
    // A reader that stops early (`| head`) is not an error.
    match std::io::Write::write_all(&mut std::io::stdout().lock(), body.as_bytes()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.into()),
        _ => Ok(()),
    }
}

pub(crate) fn split_list(s: &str) -> Vec<String> {
    s.split(';').map(str::trim).filter(|v| !v.is_empty()).map(String::from).collect()
}

const REPORT_COLUMNS: &str = "report_id, reported_at, occurred_at, fraud_type, phones, accounts, urls, apps, im_ids, \
                              narrative";

fn report_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<ReportInput> {
    let fraud: String = r.get(3)?;
    Ok(ReportInput {
        report_id: r.get(0)?,
        reported_at: r.get(1)?,
        occurred_at: r.get(2)?,
        fraud_type: FraudType::parse(&fraud).unwrap_or(FraudType::Other),
        phones: split_list(&r.get::<_, String>(4)?),
        accounts: split_list(&r.get::<_, String>(5)?),
        urls: split_list(&r.get::<_, String>(6)?),
        apps: split_list(&r.get::<_, String>(7)?),
        im_ids: split_list(&r.get::<_, String>(8)?),
        narrative: r.get(9)?,
    })
}

fn transfer_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<TransferInput> {
    let channel: Option<String> = r.get(5)?;
    Ok(TransferInput {
        from_account: r.get(0)?,
        to_account: r.get(1)?,
        amount_fen: r.get(2)?,
        at: r.get(3)?,
        report_id: r.get(4)?,
        channel: channel.as_deref().and_then(datasets::TransferChannel::parse),
    })
}

pub(crate) fn load_reports(conn: &Connection) -> anyhow::Result<Vec<ReportInput>> {
    let mut stmt = conn.prepare(&format!("SELECT {REPORT_COLUMNS} FROM reports ORDER BY report_id"))?;
    let rows = stmt.query_map([], report_row)?.collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

/// Builds the graph, streaming the transfers from the store (they are never all held as rows).
pub(crate) fn build_graph(conn: &Connection, reports: &[ReportInput]) -> anyhow::Result<GangGraph> {
    let mut stmt =
        conn.prepare("SELECT from_account, to_account, amount_fen, at, report_id, channel FROM transfers")?;
    let mut failed: Option<rusqlite::Error> = None;
    let rows = stmt.query_map([], transfer_row)?.map_while(|row| match row {
        Ok(t) => Some(t),
        Err(e) => {
            failed = Some(e);
            None
        }
    });
    let graph = GangGraph::build(reports, rows);
    if let Some(e) = failed {
        return Err(e).context("reading transfers from the store");
    }
    Ok(graph)
}

fn latest_run(conn: &Connection) -> anyhow::Result<Option<i64>> {
    Ok(conn.query_row("SELECT MAX(gang_run_id) FROM gang_runs", [], |r| r.get::<_, Option<i64>>(0))?)
}

pub(crate) fn require_run(conn: &Connection) -> anyhow::Result<i64> {
    latest_run(conn)?.context("no clustering run in the store; run `fanzha clusters run` first")
}

/// The hub policy: the shipped allow-list, plus an investigator's file (`allow KEY REASON`, `force_include KEY`).
pub fn hub_policy(file: Option<&Path>) -> anyhow::Result<HubPolicy> {
    let mut policy = HubPolicy::shipped().context("the shipped hub allow-list is malformed")?;
    if let Some(path) = file {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("cannot read hub policy {}", path.display()))?;
        policy.merge_text(&text).with_context(|| format!("hub policy {}", path.display()))?;
    }
    Ok(policy)
}

/// What `fanzha clusters run` did.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct RunSummary {
    pub gang_run_id: i64,
    pub reports: usize,
    pub transfers: usize,
    pub clusters: usize,
    pub multi_report_clusters: usize,
    pub hubs: usize,
    pub services: usize,
    pub ids_kept_from_previous_run: usize,
    pub modularity: f64,
}

/// Clusters the store's reports and writes a new gang run.
pub fn run(data_dir: &Path, seed: u64, policy_file: Option<&Path>) -> anyhow::Result<RunSummary> {
    let store = Store::open_existing(data_dir)?;
    let policy = hub_policy(policy_file)?;
    let conn = store.conn();
    let reports = load_reports(conn)?;
    if reports.is_empty() {
        bail!("the store holds no reports; ingest some first");
    }
    let previous = match latest_run(conn)? {
        Some(run) => previous_clusters(conn, run)?,
        None => Vec::new(),
    };
    let previous_ids: BTreeSet<u64> = previous.iter().map(|c| c.id).collect();
    let graph = build_graph(conn, &reports)?;
    let result = cluster_gangs(&graph, &GangParams::defaults(seed), &policy, &previous)?;
    let now = chrono::Utc::now().timestamp();

    let tx = store.conn().unchecked_transaction()?;
    tx.execute(
        "INSERT INTO gang_runs (created_at, reports, transfers, clusters, modularity, seed, hub_policy)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            now,
            graph.report_count() as i64,
            graph.transfer_count() as i64,
            result.clusters.len() as i64,
            result.modularity,
            seed as i64,
            policy_file.map(|p| p.display().to_string()),
        ],
    )?;
    let run_id = tx.last_insert_rowid();
    {
        let mut member =
            tx.prepare("INSERT INTO gang_members (gang_run_id, cluster_id, report_id) VALUES (?1, ?2, ?3)")?;
        for c in &result.clusters {
            for &r in &c.reports {
                member.execute(params![run_id, c.id as i64, graph.report(r).report_id])?;
            }
        }
        let mut hub = tx.prepare(
            "INSERT INTO gang_hubs (gang_run_id, key, kind, degree, reason, overridden) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?;
        for h in &result.hubs {
            hub.execute(params![run_id, h.key, h.kind.code(), h.degree as i64, h.reason.to_string(), h.overridden])?;
        }
        let mut service = tx.prepare(
            "INSERT INTO gang_services (gang_run_id, service_no, accounts, reports, served_clusters, inflow_fen)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?;
        for (i, s) in result.services.iter().enumerate() {
            let served: Vec<String> = s.served_clusters.iter().map(u64::to_string).collect();
            service.execute(params![
                run_id,
                i as i64 + 1,
                s.accounts.join(";"),
                s.reports as i64,
                served.join(";"),
                s.inflow_fen
            ])?;
        }
        let mut end =
            tx.prepare("INSERT INTO gang_money_ends (gang_run_id, key, report_id, share) VALUES (?1, ?2, ?3, ?4)")?;
        for t in &result.money_terminals {
            for &(r, share) in &t.reports {
                end.execute(params![run_id, t.key, graph.report(r).report_id, share.clamp(f64::MIN_POSITIVE, 1.0)])?;
            }
        }
    }
    tx.commit()?;
    Ok(RunSummary {
        gang_run_id: run_id,
        reports: graph.report_count(),
        transfers: graph.transfer_count(),
        clusters: result.clusters.len(),
        multi_report_clusters: result.clusters.iter().filter(|c| c.reports.len() > 1).count(),
        hubs: result.hubs.iter().filter(|h| !h.overridden).count(),
        services: result.services.len(),
        ids_kept_from_previous_run: result.clusters.iter().filter(|c| previous_ids.contains(&c.id)).count(),
        modularity: result.modularity,
    })
}

fn previous_clusters(conn: &Connection, run: i64) -> anyhow::Result<Vec<PreviousCluster>> {
    let mut stmt =
        conn.prepare("SELECT cluster_id, report_id FROM gang_members WHERE gang_run_id = ?1 ORDER BY cluster_id")?;
    let mut by_id: BTreeMap<u64, Vec<String>> = BTreeMap::new();
    for row in stmt.query_map([run], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))? {
        let (id, report) = row?;
        by_id.entry(id as u64).or_default().push(report);
    }
    Ok(by_id.into_iter().map(|(id, report_ids)| PreviousCluster { id, report_ids }).collect())
}

/// One line of `fanzha clusters list`.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ClusterSummary {
    pub cluster_id: u64,
    pub reports: u64,
    /// Distinct local victims, plus one per shared report without a victim id.
    pub victims: u64,
    pub total_loss_yuan: String,
    pub first_at: String,
    pub last_at: String,
    pub span_days: i64,
    pub fraud_types: Vec<String>,
    pub districts: Vec<String>,
    /// Provinces (district code's first two digits + `0000`).
    pub provinces: Vec<String>,
    /// The cluster spans several districts or provinces: a 串并案 candidate.
    pub cross_jurisdiction: bool,
}

pub(crate) fn yuan(fen: i64) -> String {
    format!("{}.{:02}", fen / 100, (fen % 100).abs())
}

fn day(t: i64) -> String {
    datasets::Timestamp(t).to_beijing().format("%Y-%m-%d").to_string()
}

fn summaries(conn: &Connection, run: i64, only: Option<u64>) -> anyhow::Result<Vec<ClusterSummary>> {
    let mut stmt = conn.prepare(
        "SELECT m.cluster_id, r.report_id, r.victim_id, r.loss_fen, COALESCE(r.occurred_at, r.reported_at),
                r.fraud_type, r.district
         FROM gang_members m JOIN reports r ON r.report_id = m.report_id
         WHERE m.gang_run_id = ?1 AND (?2 IS NULL OR m.cluster_id = ?2)
         ORDER BY m.cluster_id, r.report_id",
    )?;
    struct Acc {
        reports: u64,
        victims: BTreeSet<String>,
        loss: i64,
        first: i64,
        last: i64,
        types: BTreeSet<String>,
        districts: BTreeSet<String>,
    }
    let mut acc: BTreeMap<u64, Acc> = BTreeMap::new();
    let rows = stmt.query_map(params![run, only.map(|c| c as i64)], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, Option<String>>(2)?,
            r.get::<_, Option<i64>>(3)?,
            r.get::<_, i64>(4)?,
            r.get::<_, String>(5)?,
            r.get::<_, String>(6)?,
        ))
    })?;
    for row in rows {
        let (cid, report, victim, loss, at, fraud, district) = row?;
        let a = acc.entry(cid as u64).or_insert_with(|| Acc {
            reports: 0,
            victims: BTreeSet::new(),
            loss: 0,
            first: i64::MAX,
            last: i64::MIN,
            types: BTreeSet::new(),
            districts: BTreeSet::new(),
        });
        a.reports += 1;
        a.victims.insert(victim.unwrap_or_else(|| format!("report:{report}")));
        a.loss += loss.unwrap_or(0);
        a.first = a.first.min(at);
        a.last = a.last.max(at);
        a.types.insert(fraud);
        a.districts.insert(district);
    }
    let mut out: Vec<ClusterSummary> = acc
        .into_iter()
        .map(|(id, a)| ClusterSummary {
            cluster_id: id,
            reports: a.reports,
            victims: a.victims.len() as u64,
            total_loss_yuan: yuan(a.loss),
            first_at: day(a.first),
            last_at: day(a.last),
            span_days: (a.last - a.first) / 86_400,
            provinces: a.districts.iter().map(|d| province(d)).collect::<BTreeSet<_>>().into_iter().collect(),
            cross_jurisdiction: a.districts.len() > 1,
            fraud_types: a.types.into_iter().collect(),
            districts: a.districts.into_iter().collect(),
        })
        .collect();
    out.sort_by(|a, b| b.reports.cmp(&a.reports).then(a.cluster_id.cmp(&b.cluster_id)));
    Ok(out)
}

/// Clusters of the latest run, largest first.
pub fn list(data_dir: &Path) -> anyhow::Result<Vec<ClusterSummary>> {
    let store = Store::open_existing(data_dir)?;
    let run = require_run(store.conn())?;
    summaries(store.conn(), run, None)
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

/// `fanzha clusters show ID`.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ClusterDetail {
    pub summary: ClusterSummary,
    pub report_ids: Vec<String>,
    /// Key identifiers by PageRank, L1 accounts, confidence.
    #[serde(flatten)]
    pub evidence: ClusterEvidence,
    /// Laundering services (numbers as in `fanzha clusters services`) this cluster's money went through.
    pub services: Vec<i64>,
}

/// Details of cluster `id` of the latest run (victims' phones and cards masked unless `unmasked`).
pub fn show(data_dir: &Path, id: u64, unmasked: bool) -> anyhow::Result<ClusterDetail> {
    let store = Store::open_existing(data_dir)?;
    let conn = store.conn();
    let run = require_run(conn)?;
    let summary = summaries(conn, run, Some(id))?
        .into_iter()
        .next()
        .with_context(|| format!("no cluster {id} in clustering run {run}; see `fanzha clusters list`"))?;
    let loaded = Loaded::load(conn)?;
    let evidence = evidence(&loaded, id, unmasked)?;
    let report_ids = loaded.members(id)?.into_iter().map(|r| loaded.graph.report(r).report_id.clone()).collect();
    let services = {
        let mut stmt = conn.prepare("SELECT service_no, served_clusters FROM gang_services WHERE gang_run_id = ?1")?;
        let rows = stmt.query_map([run], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))?;
        let mut out = Vec::new();
        for row in rows {
            let (no, served) = row?;
            if served.split(';').any(|c| c == id.to_string()) {
                out.push(no);
            }
        }
        out
    };
    Ok(ClusterDetail { summary, report_ids, evidence, services })
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

/// One excluded hub of the latest run.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct HubRow {
    pub key: String,
    pub kind: String,
    pub reports: i64,
    pub reason: String,
    /// `force_include` keeps it linking reports.
    pub overridden: bool,
}

/// Hubs of the latest run, by decreasing degree.
pub fn hubs(data_dir: &Path) -> anyhow::Result<Vec<HubRow>> {
    let store = Store::open_existing(data_dir)?;
    let run = require_run(store.conn())?;
    let mut stmt = store.conn().prepare(
        "SELECT key, kind, degree, reason, overridden FROM gang_hubs WHERE gang_run_id = ?1
         ORDER BY degree DESC, key",
    )?;
    let rows = stmt
        .query_map([run], |r| {
            Ok(HubRow { key: r.get(0)?, kind: r.get(1)?, reports: r.get(2)?, reason: r.get(3)?, overridden: r.get(4)? })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

/// Renders `fanzha clusters hubs`.
pub fn render_hubs(rows: &[HubRow]) -> String {
    let mut out = format!("{:<32} {:<8} {:>7}  reason\n", "key", "kind", "reports");
    for h in rows {
        let flag = if h.overridden { " (force_include: still links)" } else { "" };
        let _ = writeln!(out, "{:<32} {:<8} {:>7}  {}{flag}", h.key, h.kind, h.reports, h.reason);
    }
    out
}

/// One laundering service of the latest run.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ServiceRow {
    pub service_no: i64,
    pub accounts: Vec<String>,
    pub reports: i64,
    pub served_clusters: Vec<u64>,
    pub inflow_yuan: String,
}

/// Laundering services of the latest run.
pub fn services(data_dir: &Path) -> anyhow::Result<Vec<ServiceRow>> {
    let store = Store::open_existing(data_dir)?;
    let run = require_run(store.conn())?;
    let mut stmt = store.conn().prepare(
        "SELECT service_no, accounts, reports, served_clusters, inflow_fen FROM gang_services
         WHERE gang_run_id = ?1 ORDER BY service_no",
    )?;
    let rows = stmt
        .query_map([run], |r| {
            let served: String = r.get(3)?;
            Ok(ServiceRow {
                service_no: r.get(0)?,
                accounts: split_list(&r.get::<_, String>(1)?),
                reports: r.get(2)?,
                served_clusters: served.split(';').filter_map(|c| c.parse().ok()).collect(),
                inflow_yuan: yuan(r.get(4)?),
            })
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

/// Renders `fanzha clusters services`.
pub fn render_services(rows: &[ServiceRow]) -> String {
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
