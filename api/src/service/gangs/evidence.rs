//! The evidence behind a cluster: its subgraph's PageRank and betweenness, L1 accounts still active, a confidence
//! score; the chain linking two reports (`clusters_explain`) and exports (`cluster_export`). Victims' phones and
//! paying cards are masked unless `unmasked` (PIPL minimisation); gang identifiers are shown.

use std::collections::BTreeSet;

use analytics::{
    BetweennessMethod, ChainNode, EntityKind, ExplainError, ExportError, ExportFormat, L1_ACTIVE_DAYS, LinkKind,
    SubNodeKind, betweenness, cluster_confidence, data_end, l1_accounts, page_rank, write_csv, write_gexf,
    write_graphml, write_json,
};
use datasets::Fen;
use datasets::ident::shown_key;

use super::state::GangState;
use crate::error::{AppError, AppResult, Kind};
use crate::service::Service;

/// An identifier central to a cluster, ranked by PageRank on the cluster's subgraph.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct KeyEntity {
    /// Canonical key; victims' phones and cards masked unless unmasked.
    pub key: String,
    pub kind: &'static str,
    /// Reports of the cluster naming it or paying into it.
    pub reports: usize,
    pub pagerank: f64,
    /// Shortest paths between other node pairs of the subgraph through it (unnormalised).
    pub betweenness: f64,
}

/// A paid (L1) account of the cluster.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct L1Row {
    pub key: String,
    pub payments: usize,
    pub received_yuan: String,
    pub last_activity: String,
    /// It moved money within the last `l1_active_days` days of the data: worth a freeze request now.
    pub active: bool,
}

/// How strongly the cluster holds together (see `analytics::ClusterConfidence`).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Confidence {
    /// attachment × cohesion, in [0, 1].
    pub score: f64,
    pub attachment: f64,
    pub cohesion: f64,
    pub density: f64,
    pub linked_pairs: usize,
}

/// The graph part of `clusters show`.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ClusterEvidence {
    pub key_accounts: Vec<KeyEntity>,
    pub key_phones: Vec<KeyEntity>,
    pub other_identifiers: Vec<KeyEntity>,
    /// Subgraph size the centralities were computed on.
    pub subgraph_nodes: usize,
    pub subgraph_edges: usize,
    /// `exact` or `sampled (N pivots)`.
    pub betweenness_method: String,
    pub l1_accounts: Vec<L1Row>,
    pub l1_active_days: i64,
    /// The latest transfer in the store (the end of the data).
    pub data_end: Option<String>,
    pub confidence: Confidence,
}

/// One step of an explained chain.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ChainRow {
    /// `mention`, `payment`, `transfer` or `attributed_money`.
    pub kind: &'static str,
    pub from: String,
    pub from_kind: &'static str,
    pub to: String,
    pub to_kind: &'static str,
    /// The walk goes against the edge (identifier → report naming it; receiver → sender of a transfer).
    pub reversed: bool,
    pub time: Option<String>,
    pub amount_yuan: Option<String>,
    /// `attributed_money`: percentage of the report's traced money that ends in the account.
    pub share_pct: Option<f64>,
    /// `transfer`: seconds the victim's money sat in the sending account before this transfer (each money leg
    /// follows the money forward in time: a transfer leaves after the money arrived, within the hop window).
    pub dwell_secs: Option<i64>,
}

/// `clusters explain A B`.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Explanation {
    pub report_a: String,
    pub report_b: String,
    pub cluster_id: u64,
    pub steps: Vec<ChainRow>,
}

/// One file of an export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportFile {
    /// `entities.csv`, `links.csv`, or `cluster-ID.EXT`.
    pub name: String,
    pub bytes: Vec<u8>,
}

/// A cluster's subgraph written in one format: one file, or two for CSV (entities and links).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterExport {
    pub cluster_id: u64,
    pub format: ExportFormat,
    pub nodes: usize,
    pub edges: usize,
    pub files: Vec<ExportFile>,
}

fn when(t: i64) -> String {
    datasets::Timestamp(t).to_beijing().format("%Y-%m-%d %H:%M").to_string()
}

impl From<ExportError> for AppError {
    fn from(e: ExportError) -> AppError {
        match e {
            ExportError::UnknownFormat { .. } => AppError::invalid("invalid_export_format", "format", e.to_string()),
            ExportError::Write(_) => AppError::internal(e),
        }
    }
}

/// Centrality, L1 accounts and confidence of cluster `id`.
pub(super) fn evidence(state: &GangState, id: u64, unmasked: bool) -> AppResult<ClusterEvidence> {
    let members = state.members(id)?;
    let graph = &state.graph;
    let sub = state.subgraph(members);
    let adj = sub.adjacency();
    let pr = page_rank(&adj);
    let (bc, method) = betweenness(&adj, id);
    let mut ranked: Vec<usize> = (0..sub.nodes.len()).filter(|&i| sub.nodes[i].kind != SubNodeKind::Report).collect();
    ranked.sort_by(|&a, &b| pr[b].total_cmp(&pr[a]).then_with(|| sub.nodes[a].key.cmp(&sub.nodes[b].key)));
    let naming = |i: usize| -> usize {
        let reports: BTreeSet<usize> = sub
            .edges
            .iter()
            .filter(|e| e.target == i && matches!(e.kind, LinkKind::Mention | LinkKind::Payment))
            .map(|e| e.source)
            .collect();
        reports.len()
    };
    let pick = |want: &dyn Fn(EntityKind) -> bool| -> Vec<KeyEntity> {
        ranked
            .iter()
            .filter(|&&i| matches!(sub.nodes[i].kind, SubNodeKind::Entity(k) if want(k)))
            .take(10)
            .map(|&i| KeyEntity {
                key: shown_key(&sub.nodes[i].key, sub.nodes[i].personal && !unmasked),
                kind: sub.nodes[i].kind.code(),
                reports: naming(i),
                pagerank: pr[i],
                betweenness: bc[i],
            })
            .collect()
    };
    let end = data_end(graph);
    let l1 = match end {
        Some(end) => l1_accounts(graph, members, &|k| state.is_excluded(k), end, L1_ACTIVE_DAYS),
        None => Vec::new(),
    };
    let c = cluster_confidence(graph, members, state.links(), &state.money_ends);
    Ok(ClusterEvidence {
        key_accounts: pick(&|k| k == EntityKind::Account),
        key_phones: pick(&|k| k == EntityKind::Phone),
        other_identifiers: pick(&|k| !matches!(k, EntityKind::Account | EntityKind::Phone)),
        subgraph_nodes: sub.nodes.len(),
        subgraph_edges: sub.edges.len(),
        betweenness_method: match method {
            BetweennessMethod::Exact => "exact".into(),
            BetweennessMethod::Sampled { pivots } => format!("sampled ({pivots} pivots)"),
        },
        l1_accounts: l1
            .iter()
            .map(|a| L1Row {
                key: state.shown(graph.key(a.entity), unmasked),
                payments: a.payments,
                received_yuan: Fen(a.received_fen).to_string(),
                last_activity: when(a.last_activity),
                active: a.active,
            })
            .collect(),
        l1_active_days: L1_ACTIVE_DAYS,
        data_end: end.map(when),
        confidence: Confidence {
            score: c.score,
            attachment: c.attachment,
            cohesion: c.cohesion,
            density: c.density,
            linked_pairs: c.linked_pairs,
        },
    })
}

impl Service {
    /// The chain linking reports `a` and `b` of one cluster. Fails `report_not_found` for an unknown report,
    /// `reports_not_linked` (naming both clusters, and whether anything links them at all) for reports in
    /// different clusters or unlinked reports.
    pub fn clusters_explain(&self, a: &str, b: &str, unmasked: bool) -> AppResult<Explanation> {
        let store = self.store()?;
        let state = self.gangs.get(&store)?;
        drop(store);
        let (ia, ib) = (state.report_index(a)?, state.report_index(b)?);
        let (ca, cb) = (state.cluster_of(a)?, state.cluster_of(b)?);
        let not_linked = |message: String| AppError::new(Kind::NotFound, "reports_not_linked", message);
        let chain = state.links().explain(&state.graph, ia, ib, &state.money_ends);
        if ca != cb {
            let how = match &chain {
                Ok(c) => format!(
                    "a chain of {} steps still links them across clusters (a weak link the clustering cut)",
                    c.steps.len()
                ),
                Err(_) => "nothing links them".to_string(),
            };
            return Err(not_linked(format!(
                "reports {a} (cluster {ca}) and {b} (cluster {cb}) are in no common cluster; {how}"
            )));
        }
        let chain = match chain {
            Ok(c) => c,
            Err(e @ ExplainError::NotLinked { .. }) => {
                return Err(not_linked(format!("{e} (both are in cluster {ca})")));
            }
            Err(e) => return Err(AppError::internal(e)),
        };
        let graph = &state.graph;
        let name = |n: ChainNode| -> (String, &'static str) {
            match n {
                ChainNode::Report(r) => (graph.report(r).report_id.clone(), "report"),
                ChainNode::Entity(e) => (state.shown(graph.key(e), unmasked), graph.kind(e).code()),
            }
        };
        let steps = chain
            .steps
            .iter()
            .map(|s| {
                let ((from, from_kind), (to, to_kind)) = (name(s.from), name(s.to));
                ChainRow {
                    kind: s.kind.code(),
                    from,
                    from_kind,
                    to,
                    to_kind,
                    reversed: s.reversed,
                    time: s.at.map(when),
                    amount_yuan: s.amount_fen.map(|f| Fen(f).to_string()),
                    share_pct: s.share.map(|x| (x * 1000.0).round() / 10.0),
                    dwell_secs: s.dwell_secs,
                }
            })
            .collect();
        Ok(Explanation { report_a: a.to_string(), report_b: b.to_string(), cluster_id: ca, steps })
    }

    /// Cluster `id`'s subgraph written in `format` (victims' identifiers masked unless `unmasked`).
    pub fn cluster_export(&self, id: u64, format: ExportFormat, unmasked: bool) -> AppResult<ClusterExport> {
        let store = self.store()?;
        let state = self.gangs.get(&store)?;
        drop(store);
        let sub = state.subgraph_with_shared(state.members(id)?);
        let file = |name: String, bytes: Vec<u8>| ExportFile { name, bytes };
        let one = format!("cluster-{id}.{}", format.extension());
        let files = match format {
            ExportFormat::Csv => {
                let (mut entities, mut links) = (Vec::new(), Vec::new());
                write_csv(&sub, unmasked, &mut entities, &mut links)?;
                vec![file("entities.csv".into(), entities), file("links.csv".into(), links)]
            }
            ExportFormat::GraphMl | ExportFormat::Gexf | ExportFormat::Json => {
                let mut bytes = Vec::new();
                match format {
                    ExportFormat::GraphMl => write_graphml(&sub, id, unmasked, &mut bytes)?,
                    ExportFormat::Gexf => write_gexf(&sub, id, unmasked, &mut bytes)?,
                    _ => write_json(&sub, id, unmasked, &mut bytes)?,
                }
                vec![file(one, bytes)]
            }
        };
        Ok(ClusterExport { cluster_id: id, format, nodes: sub.nodes.len(), edges: sub.edges.len(), files })
    }
}
