//! Gangs: cluster the store's reports (`clusters_run`), and read a run back — clusters with filters, one cluster
//! with its evidence, the chain linking two reports, exports, hubs and laundering services.
//!
//! Layout: this file (runs, lists, hubs, services); `state` (one run's gang graph, cached in the [`Service`]);
//! `evidence` (a cluster's centralities, L1 accounts and confidence; `clusters_explain`; `cluster_export`).

mod evidence;
mod state;

use std::collections::{BTreeMap, BTreeSet};

use analytics::{GangParams, HubPolicy, cluster_gangs};
use datasets::{Fen, FraudType};

pub use evidence::{ChainRow, ClusterEvidence, ClusterExport, Confidence, Explanation, ExportFile, KeyEntity, L1Row};
pub(crate) use state::GangCache;

use super::Service;
use crate::error::{AppError, AppResult, Kind};
use crate::store::{MemberReportRow, NewGangRun};

/// What a clustering run is given: the Leiden seed and the hub policy (checked, see [`hub_policy`]).
pub struct RunParams {
    /// The same seed and data give the same clusters.
    pub seed: u64,
    pub policy: HubPolicy,
    /// Where the policy came from (a file name), saved with the run.
    pub policy_source: Option<String>,
}

/// The hub policy: the shipped allow-list, plus an investigator's policy text (`allow KEY REASON`,
/// `force_include KEY` lines) named `source` in errors.
pub fn hub_policy(extra: Option<(&str, &str)>) -> AppResult<HubPolicy> {
    let mut policy = HubPolicy::shipped().map_err(AppError::internal)?;
    if let Some((source, text)) = extra {
        policy
            .merge_text(text)
            .map_err(|e| AppError::invalid("invalid_hub_policy", "hub_policy", format!("hub policy {source}: {e}")))?;
    }
    Ok(policy)
}

/// What `clusters run` did.
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

/// One cluster of a run, summed up.
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
    /// The loss in fen, for filters (shown as `total_loss_yuan`).
    #[serde(skip)]
    pub total_loss: Fen,
    /// The first and last report's time (epoch seconds; shown as `first_at`, `last_at`).
    #[serde(skip)]
    pub first: i64,
    #[serde(skip)]
    pub last: i64,
    #[serde(skip)]
    pub fraud_type_set: BTreeSet<FraudType>,
}

/// `clusters show ID`.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ClusterDetail {
    pub summary: ClusterSummary,
    pub report_ids: Vec<String>,
    /// Key identifiers by PageRank, L1 accounts, confidence.
    #[serde(flatten)]
    pub evidence: ClusterEvidence,
    /// Laundering services (numbers as in `clusters services`) this cluster's money went through.
    pub services: Vec<i64>,
}

/// One excluded hub of the latest run.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct HubView {
    pub key: String,
    pub kind: &'static str,
    pub reports: u64,
    pub reason: String,
    /// `force_include` keeps it linking reports.
    pub overridden: bool,
}

/// One laundering service of the latest run.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ServiceView {
    pub service_no: i64,
    pub accounts: Vec<String>,
    pub reports: u64,
    pub served_clusters: Vec<u64>,
    pub inflow_yuan: String,
}

/// Filters of `clusters list` as given (CLI flags, HTTP query parameters); [`ClustersQuery::check`] validates them.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
pub struct ClustersQuery {
    /// Only clusters of at least this many reports (1 or more).
    pub min_reports: Option<u64>,
    /// Only clusters whose losses add up to at least this many yuan (`1234.50`).
    pub min_loss_yuan: Option<String>,
    /// Only clusters spanning several districts.
    #[serde(default)]
    pub cross_jurisdiction: bool,
    /// Only clusters with a report of this fraud type (code or Chinese label).
    pub fraud_type: Option<String>,
}

/// Checked filters of `clusters list`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClustersFilter {
    min_reports: u64,
    min_loss: Fen,
    cross_jurisdiction: bool,
    fraud_type: Option<FraudType>,
}

impl ClustersQuery {
    /// The filters, or an `invalid` error naming the bad field.
    pub fn check(&self) -> AppResult<ClustersFilter> {
        let min_reports = match self.min_reports {
            Some(0) => return Err(AppError::invalid("invalid_filter", "min_reports", "must be 1 or more")),
            Some(n) => n,
            None => 1,
        };
        let min_loss = match self.min_loss_yuan.as_deref() {
            None => Fen(0),
            Some(text) => match Fen::parse_yuan(text) {
                Ok(f) if f.0 >= 0 => f,
                Ok(_) => return Err(AppError::invalid("invalid_filter", "min_loss_yuan", "must not be negative")),
                Err(e) => return Err(AppError::invalid("invalid_filter", "min_loss_yuan", e.to_string())),
            },
        };
        let fraud_type = match self.fraud_type.as_deref() {
            None => None,
            Some(text) => Some(FraudType::parse(text).ok_or_else(|| {
                AppError::invalid(
                    "invalid_filter",
                    "fraud_type",
                    format!("{text:?} is not a fraud type (one of {})", FraudType::codes()),
                )
            })?),
        };
        Ok(ClustersFilter { min_reports, min_loss, cross_jurisdiction: self.cross_jurisdiction, fraud_type })
    }
}

impl ClustersFilter {
    fn keeps(&self, c: &ClusterSummary) -> bool {
        c.reports >= self.min_reports
            && c.total_loss >= self.min_loss
            && (!self.cross_jurisdiction || c.cross_jurisdiction)
            && self.fraud_type.is_none_or(|t| c.fraud_type_set.contains(&t))
    }
}

/// Province codes (first two digits + `0000`) of six-digit district codes; other codes as they are.
fn province(district: &str) -> String {
    if district.len() == 6 && district.bytes().all(|b| b.is_ascii_digit()) {
        format!("{}0000", &district[..2])
    } else {
        district.to_string()
    }
}

fn day(t: i64) -> String {
    datasets::Timestamp(t).to_beijing().format("%Y-%m-%d").to_string()
}

/// Cluster summaries from their reports (rows ordered by cluster), largest first.
pub(super) fn summaries(rows: Vec<MemberReportRow>) -> Vec<ClusterSummary> {
    let mut by_cluster: BTreeMap<u64, Vec<MemberReportRow>> = BTreeMap::new();
    for r in rows {
        by_cluster.entry(r.cluster_id).or_default().push(r);
    }
    let mut out: Vec<ClusterSummary> = by_cluster
        .into_iter()
        .map(|(id, rows)| {
            let victims: BTreeSet<String> =
                rows.iter().map(|r| r.victim_id.clone().unwrap_or_else(|| format!("report:{}", r.report_id))).collect();
            let loss = Fen(rows.iter().filter_map(|r| r.loss).map(|f| f.0).sum());
            let first = rows.iter().map(|r| r.at).min().unwrap_or_default();
            let last = rows.iter().map(|r| r.at).max().unwrap_or_default();
            let types: BTreeSet<FraudType> = rows.iter().map(|r| r.fraud_type).collect();
            let districts: BTreeSet<String> = rows.iter().map(|r| r.district.clone()).collect();
            ClusterSummary {
                cluster_id: id,
                reports: rows.len() as u64,
                victims: victims.len() as u64,
                total_loss_yuan: loss.to_string(),
                first_at: day(first),
                last_at: day(last),
                span_days: (last - first) / 86_400,
                fraud_types: types.iter().map(|t| t.code().to_string()).collect::<BTreeSet<_>>().into_iter().collect(),
                provinces: districts.iter().map(|d| province(d)).collect::<BTreeSet<_>>().into_iter().collect(),
                cross_jurisdiction: districts.len() > 1,
                districts: districts.into_iter().collect(),
                total_loss: loss,
                first,
                last,
                fraud_type_set: types,
            }
        })
        .collect();
    out.sort_by(|a, b| b.reports.cmp(&a.reports).then(a.cluster_id.cmp(&b.cluster_id)));
    out
}

impl Service {
    /// Clusters the store's reports and saves a new run (cluster ids carry over from the previous run).
    pub fn clusters_run(&self, params: &RunParams) -> AppResult<RunSummary> {
        let store = self.store()?;
        let reports = store.gang_reports()?;
        if reports.is_empty() {
            return Err(AppError::new(Kind::Conflict, "no_reports", "the store holds no reports; ingest some first"));
        }
        let previous = match store.latest_gang_run()? {
            Some(run) => store.previous_clusters(run)?,
            None => Vec::new(),
        };
        let previous_ids: BTreeSet<u64> = previous.iter().map(|c| c.id).collect();
        let graph = state::build_graph(&store, &reports)?;
        let result = cluster_gangs(&graph, &GangParams::defaults(params.seed), &params.policy, &previous)?;
        let run = NewGangRun {
            created_at: chrono::Utc::now().timestamp(),
            seed: params.seed,
            hub_policy: params.policy_source.clone(),
            graph: &graph,
            result: &result,
        };
        let gang_run_id = store.save_gang_run(&run)?;
        Ok(RunSummary {
            gang_run_id,
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

    /// Clusters of the latest run that pass `filter`, largest first.
    pub fn clusters_list(&self, filter: &ClustersFilter) -> AppResult<Vec<ClusterSummary>> {
        let store = self.store()?;
        let run = store.require_gang_run()?;
        let all = summaries(store.cluster_reports(run, None)?);
        Ok(all.into_iter().filter(|c| filter.keeps(c)).collect())
    }

    /// Cluster `id` of the latest run with its evidence (victims' phones and cards masked unless `unmasked`).
    pub fn cluster_show(&self, id: u64, unmasked: bool) -> AppResult<ClusterDetail> {
        let store = self.store()?;
        let run = store.require_gang_run()?;
        let summary = summaries(store.cluster_reports(run, Some(id))?).into_iter().next().ok_or_else(|| {
            AppError::not_found(
                "cluster_not_found",
                format!("no cluster {id} in clustering run {run}; see `fanzha clusters list`"),
            )
        })?;
        let services = store
            .gang_services(run)?
            .into_iter()
            .filter(|s| s.served_clusters.contains(&id))
            .map(|s| s.service_no)
            .collect();
        let state = self.gangs.get(&store)?;
        let cached = state.evidence.lock().unwrap_or_else(|e| e.into_inner()).get(&(id, unmasked)).cloned();
        let evidence = match cached {
            Some(e) => e,
            None => {
                let e = std::sync::Arc::new(evidence::evidence(&state, id, unmasked)?);
                state.evidence.lock().unwrap_or_else(|e| e.into_inner()).insert((id, unmasked), e.clone());
                e
            }
        };
        let evidence = (*evidence).clone();
        let report_ids = state.members(id)?.iter().map(|&r| state.graph.report(r).report_id.clone()).collect();
        Ok(ClusterDetail { summary, report_ids, evidence, services })
    }

    /// The cluster of report `id` in the latest run (`report_not_found` for an unknown report).
    pub fn cluster_of_report(&self, id: &str) -> AppResult<u64> {
        let store = self.store()?;
        let state = self.gangs.get(&store)?;
        state.report_index(id)?;
        state.cluster_of(id)
    }

    /// Hubs of the latest run, by decreasing degree.
    pub fn hubs(&self) -> AppResult<Vec<HubView>> {
        let store = self.store()?;
        let run = store.require_gang_run()?;
        Ok(store
            .gang_hubs(run)?
            .into_iter()
            .map(|h| HubView {
                key: h.key,
                kind: h.kind.code(),
                reports: h.degree,
                reason: h.reason,
                overridden: h.overridden,
            })
            .collect())
    }

    /// Laundering services of the latest run.
    pub fn services(&self) -> AppResult<Vec<ServiceView>> {
        let store = self.store()?;
        let run = store.require_gang_run()?;
        Ok(store
            .gang_services(run)?
            .into_iter()
            .map(|s| ServiceView {
                service_no: s.service_no,
                accounts: s.accounts,
                reports: s.reports,
                served_clusters: s.served_clusters,
                inflow_yuan: s.inflow.to_string(),
            })
            .collect())
    }
}
