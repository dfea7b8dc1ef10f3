//! Evidence behind a gang cluster (issue 3, points 4, 7, 10): the cluster's subgraph with PageRank and betweenness,
//! L1 accounts still active, a confidence score, `fanzha clusters explain A B` (the chain linking two reports) and
//! `fanzha clusters export ID` (GraphML, GEXF, CSV, JSON). Victims' phones and paying cards are masked unless
//! `--unmasked` (PIPL minimisation); gang identifiers (what victims reported, mule accounts) are shown.

use std::collections::{BTreeSet, HashMap};
use std::fmt::Write as _;
use std::path::Path;

use analytics::{
    BetweennessMethod, ChainNode, ClusterSubgraph, EntityKind, ExplainError, ExportFormat, GangGraph, L1_ACTIVE_DAYS,
    LinkKind, MoneyEnd, SubNodeKind, SubgraphParams, account_key, betweenness, cluster_confidence, cluster_subgraph,
    data_end, explain_link, l1_accounts, page_rank, shown_key, write_csv, write_gexf, write_graphml, write_json,
};
use anyhow::{Context, bail};
use datasets::ident::{IdField, normalize};
use rusqlite::Connection;

use crate::clusters_cmd::{build_graph, load_reports, require_run, split_list, yuan};

/// The latest clustering run with the whole graph and what it needs to be shown.
pub(crate) struct Loaded {
    pub(crate) run: i64,
    pub(crate) graph: GangGraph,
    /// Report id → graph index.
    index: HashMap<String, usize>,
    /// Report id → cluster id in the latest run.
    cluster_of: HashMap<String, u64>,
    /// Hubs (not force-included) and laundering-service accounts of the run: they never link.
    excluded: BTreeSet<String>,
    /// Victims' own identifiers: residents' phones and accounts that paid into a reported fraud.
    personal: BTreeSet<String>,
    /// Where the run traced each report's money to (the evidence behind its money links).
    money_ends: Vec<MoneyEnd>,
}

impl Loaded {
    /// Loads the store's latest run; errors if there is none.
    pub(crate) fn load(conn: &Connection) -> anyhow::Result<Loaded> {
        let run = require_run(conn)?;
        let reports = load_reports(conn)?;
        let graph = build_graph(conn, &reports)?;
        let index: HashMap<String, usize> = reports.iter().enumerate().map(|(i, r)| (r.report_id.clone(), i)).collect();
        let mut cluster_of = HashMap::new();
        let mut stmt = conn.prepare("SELECT report_id, cluster_id FROM gang_members WHERE gang_run_id = ?1")?;
        for row in stmt.query_map([run], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))? {
            let (report, cluster) = row?;
            cluster_of.insert(report, cluster as u64);
        }
        let mut excluded: BTreeSet<String> = BTreeSet::new();
        let mut stmt = conn.prepare("SELECT key FROM gang_hubs WHERE gang_run_id = ?1 AND overridden = 0")?;
        for key in stmt.query_map([run], |r| r.get::<_, String>(0))? {
            excluded.insert(key?);
        }
        let mut stmt = conn.prepare("SELECT accounts FROM gang_services WHERE gang_run_id = ?1")?;
        for accounts in stmt.query_map([run], |r| r.get::<_, String>(0))? {
            excluded.extend(split_list(&accounts?));
        }
        let mut money_ends = Vec::new();
        let mut stmt = conn.prepare("SELECT key, report_id, share FROM gang_money_ends WHERE gang_run_id = ?1")?;
        for row in stmt.query_map([run], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get(2)?)))? {
            let (key, report, share) = row?;
            if let (Some(account), Some(&report)) = (graph.entity(&key), index.get(&report)) {
                money_ends.push(MoneyEnd { report, account, share });
            }
        }
        // Residents' phones that are phone nodes of the graph. Normalising all of them is slow for a large
        // district, so only numbers whose last 7 digits match a graph phone are normalised.
        let tail7 = |s: &str| -> Option<String> {
            let digit = |c: char| c.to_digit(10).or_else(|| ('０'..='９').contains(&c).then(|| c as u32 - '０' as u32));
            let digits: Vec<char> = s.chars().filter_map(digit).filter_map(|d| char::from_digit(d, 10)).collect();
            (digits.len() >= 7).then(|| digits[digits.len() - 7..].iter().collect())
        };
        let phone_tails: BTreeSet<String> = (0..graph.entity_count() as u32)
            .filter(|&e| graph.kind(e) == EntityKind::Phone)
            .filter_map(|e| tail7(graph.key(e)))
            .collect();
        let mut personal: BTreeSet<String> = BTreeSet::new();
        let mut stmt = conn.prepare("SELECT phones FROM residents")?;
        for phones in stmt.query_map([], |r| r.get::<_, String>(0))? {
            for raw in split_list(&phones?) {
                if tail7(&raw).is_some_and(|t| phone_tails.contains(&t))
                    && let Ok(id) = normalize(IdField::Phone, &raw)
                {
                    personal.insert(id.key);
                }
            }
        }
        let mut stmt = conn
            .prepare("SELECT DISTINCT from_account FROM transfers WHERE report_id IS NOT NULL AND report_id <> ''")?;
        for raw in stmt.query_map([], |r| r.get::<_, String>(0))? {
            personal.extend(account_key(&raw?));
        }
        Ok(Loaded { run, graph, index, cluster_of, excluded, personal, money_ends })
    }

    fn is_excluded(&self, key: &str) -> bool {
        self.excluded.contains(key)
    }

    fn is_personal(&self, key: &str) -> bool {
        self.personal.contains(key)
    }

    /// Graph indices of cluster `id`'s reports (errors if the run has no such cluster).
    pub(crate) fn members(&self, id: u64) -> anyhow::Result<Vec<usize>> {
        let mut members: Vec<usize> =
            self.cluster_of.iter().filter(|&(_, &c)| c == id).filter_map(|(r, _)| self.index.get(r).copied()).collect();
        if members.is_empty() {
            bail!("no cluster {id} in clustering run {}; see `fanzha clusters list`", self.run);
        }
        members.sort_unstable();
        Ok(members)
    }

    fn subgraph(&self, members: &[usize]) -> ClusterSubgraph {
        cluster_subgraph(
            &self.graph,
            members,
            &SubgraphParams::defaults(),
            &|k| self.is_excluded(k),
            &|k| self.is_personal(k),
            &self.money_ends,
        )
    }

    /// A key as shown: masked if it is a victim's own identifier, unless `unmasked`.
    fn shown(&self, key: &str, unmasked: bool) -> String {
        shown_key(key, !unmasked && self.is_personal(key))
    }
}

/// An identifier central to a cluster, ranked by PageRank on the cluster's subgraph.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct KeyEntity {
    /// Canonical key; victims' phones and cards masked unless `--unmasked`.
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

/// The graph part of `fanzha clusters show`.
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

fn when(t: i64) -> String {
    datasets::Timestamp(t).to_beijing().format("%Y-%m-%d %H:%M").to_string()
}

/// Centrality, L1 accounts and confidence of cluster `id`.
pub(crate) fn evidence(loaded: &Loaded, id: u64, unmasked: bool) -> anyhow::Result<ClusterEvidence> {
    let members = loaded.members(id)?;
    let graph = &loaded.graph;
    let sub = loaded.subgraph(&members);
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
        Some(end) => l1_accounts(graph, &members, &|k| loaded.is_excluded(k), end, L1_ACTIVE_DAYS),
        None => Vec::new(),
    };
    let c = cluster_confidence(
        graph,
        &members,
        &|k| loaded.is_excluded(k),
        &SubgraphParams::defaults(),
        &loaded.money_ends,
    );
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
                key: loaded.shown(graph.key(a.entity), unmasked),
                payments: a.payments,
                received_yuan: yuan(a.received_fen),
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

/// Renders the evidence part of `fanzha clusters show`.
pub(crate) fn render_evidence(e: &ClusterEvidence, out: &mut String) {
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

/// One step of an explained chain.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ChainRow {
    /// `mention`, `payment` or `transfer`.
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
}

/// `fanzha clusters explain A B`.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Explanation {
    pub report_a: String,
    pub report_b: String,
    pub cluster_id: u64,
    pub steps: Vec<ChainRow>,
}

/// The chain linking reports `a` and `b`; errors name an unknown report, reports in different clusters (and
/// whether anything links them at all), and unlinked reports.
pub fn explain(data_dir: &Path, a: &str, b: &str, unmasked: bool) -> anyhow::Result<Explanation> {
    let store = crate::store::Store::open_existing(data_dir)?;
    let loaded = Loaded::load(store.conn())?;
    let index = |id: &str| -> anyhow::Result<usize> {
        loaded.index.get(id).copied().with_context(|| format!("unknown report id {id:?}: it is not in the store"))
    };
    let (ia, ib) = (index(a)?, index(b)?);
    let cluster = |id: &str| {
        loaded.cluster_of.get(id).copied().with_context(|| {
            format!("report {id} is in no cluster of clustering run {}; run `fanzha clusters run` again", loaded.run)
        })
    };
    let (ca, cb) = (cluster(a)?, cluster(b)?);
    let chain = explain_link(&loaded.graph, ia, ib, &|k| loaded.is_excluded(k), &loaded.money_ends);
    if ca != cb {
        let how = match &chain {
            Ok(c) => format!(
                "a chain of {} steps still links them across clusters (a weak link the clustering cut)",
                c.steps.len()
            ),
            Err(_) => "nothing links them".to_string(),
        };
        bail!("reports {a} (cluster {ca}) and {b} (cluster {cb}) are in no common cluster; {how}");
    }
    let chain = match chain {
        Ok(c) => c,
        Err(e @ ExplainError::NotLinked { .. }) => bail!("{e} (both are in cluster {ca})"),
        Err(e) => return Err(e.into()),
    };
    let graph = &loaded.graph;
    let name = |n: ChainNode| -> (String, &'static str) {
        match n {
            ChainNode::Report(r) => (graph.report(r).report_id.clone(), "report"),
            ChainNode::Entity(e) => (loaded.shown(graph.key(e), unmasked), graph.kind(e).code()),
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
                amount_yuan: s.amount_fen.map(yuan),
                share_pct: s.share.map(|x| (x * 1000.0).round() / 10.0),
            }
        })
        .collect();
    Ok(Explanation { report_a: a.to_string(), report_b: b.to_string(), cluster_id: ca, steps })
}

/// Renders `fanzha clusters explain`.
pub fn render_explanation(e: &Explanation) -> String {
    let mut out = format!(
        "{} and {} (cluster {}) are linked in {} steps:\n",
        e.report_a,
        e.report_b,
        e.cluster_id,
        e.steps.len()
    );
    for (i, s) in e.steps.iter().enumerate() {
        let money = match (&s.time, &s.amount_yuan, s.share_pct) {
            (Some(t), Some(a), _) => format!(" on {t}, {a} yuan"),
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

/// Writes cluster `id`'s subgraph in `format` to `out` (a file; for CSV a directory receiving `entities.csv` and
/// `links.csv`), or to standard output when `out` is `None` (not for CSV). Returns what was written.
pub fn export(data_dir: &Path, id: u64, format: &str, out: Option<&Path>, unmasked: bool) -> anyhow::Result<String> {
    let format = ExportFormat::parse(format)?;
    if format == ExportFormat::Csv && out.is_none() {
        bail!("CSV export writes two files (entities.csv, links.csv): give a directory with --out DIR");
    }
    let store = crate::store::Store::open_existing(data_dir)?;
    let loaded = Loaded::load(store.conn())?;
    let members = loaded.members(id)?;
    let sub = loaded.subgraph(&members);
    let counts = format!("{} nodes, {} edges", sub.nodes.len(), sub.edges.len());
    let create = |path: &Path| {
        std::fs::File::create(path)
            .map(std::io::BufWriter::new)
            .with_context(|| format!("cannot create {}", path.display()))
    };
    match (format, out) {
        (ExportFormat::Csv, Some(dir)) => {
            std::fs::create_dir_all(dir).with_context(|| format!("cannot create directory {}", dir.display()))?;
            let (e, l) = (dir.join("entities.csv"), dir.join("links.csv"));
            write_csv(&sub, unmasked, create(&e)?, create(&l)?)?;
            Ok(format!("cluster {id}: {counts} written to {} and {}\n", e.display(), l.display()))
        }
        (_, Some(path)) => {
            let w = create(path)?;
            write_one(format, &sub, id, unmasked, w)?;
            Ok(format!("cluster {id}: {counts} written to {} ({})\n", path.display(), format.extension()))
        }
        (_, None) => {
            write_one(format, &sub, id, unmasked, std::io::stdout().lock())?;
            Ok(String::new())
        }
    }
}

fn write_one(
    format: ExportFormat,
    sub: &ClusterSubgraph,
    id: u64,
    unmasked: bool,
    w: impl std::io::Write,
) -> anyhow::Result<()> {
    match format {
        ExportFormat::GraphMl => write_graphml(sub, id, unmasked, w)?,
        ExportFormat::Gexf => write_gexf(sub, id, unmasked, w)?,
        ExportFormat::Json => write_json(sub, id, unmasked, w)?,
        ExportFormat::Csv => bail!("CSV export needs a directory (--out DIR)"),
    }
    Ok(())
}

/// Province codes (first two digits + `0000`) of six-digit district codes; other codes as they are.
pub(crate) fn province(district: &str) -> String {
    if district.len() == 6 && district.bytes().all(|b| b.is_ascii_digit()) {
        format!("{}0000", &district[..2])
    } else {
        district.to_string()
    }
}
