//! One cluster's subgraph: its reports, the identifiers they name, the accounts their victims paid and the money
//! flowing on from there (time-respecting, a few hops), as plain node and edge lists for centrality and export.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use datasets::FraudType;

use super::graph::{EntityKind, GangGraph};

/// Money of a report that tracing (pro rata, through laundering pools) attributes to an end account: the clustering
/// run's [`MoneyTerminal`](super::MoneyTerminal)s, one row per report and account.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MoneyEnd {
    /// Report index.
    pub report: usize,
    /// Entity id of the end account.
    pub account: u32,
    /// Share of the report's traced money ending there, in (0, 1].
    pub share: f64,
}

/// How far downstream of the victims' payments a cluster's subgraph follows the money.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SubgraphParams {
    /// Transfer hops followed from each paid (L1) account (0: the paid accounts only).
    pub money_hops: usize,
    /// A hop counts only if it leaves the account within this many seconds after the money arrived.
    pub hop_window_secs: i64,
}

impl SubgraphParams {
    /// The clustering defaults: 2 hops, each within 6 hours (as `GangParams::defaults`).
    pub fn defaults() -> SubgraphParams {
        SubgraphParams { money_hops: 2, hop_window_secs: 6 * 3600 }
    }
}

/// What a subgraph node is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SubNodeKind {
    Report,
    Entity(EntityKind),
}

impl SubNodeKind {
    /// `report`, or the entity kind's code (`account`, `phone`, …).
    pub fn code(self) -> &'static str {
        match self {
            SubNodeKind::Report => "report",
            SubNodeKind::Entity(k) => k.code(),
        }
    }
}

/// A node: a report (by index) or an entity (by id).
#[derive(Debug, Clone, PartialEq)]
pub struct SubNode {
    pub kind: SubNodeKind,
    /// Report index into the graph, or entity id.
    pub index: u32,
    /// Report id, or canonical entity key.
    pub key: String,
    /// A victim's personal identifier (see [`cluster_subgraph`]'s `personal`): mask it when shown.
    pub personal: bool,
    /// Reports: when it happened (else when reported), epoch seconds.
    pub time: Option<i64>,
    /// Reports: the fraud type.
    pub fraud_type: Option<FraudType>,
    /// A hub or a laundering service's account the cluster touches: shown (see [`cluster_subgraph_with_shared`]),
    /// never followed, and left out of centrality.
    pub shared: Option<Shared>,
}

/// Why an identifier is shared: it never links reports into a cluster, but an investigator wants to see that the
/// cluster touches it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Shared {
    /// Named by too many unrelated reports (or allow-listed, or a relay): see [`super::Hub`].
    Hub,
    /// An account of a laundering service that pools the money of many gangs.
    Service,
}

impl Shared {
    /// `hub` or `laundering_service`.
    pub fn code(self) -> &'static str {
        match self {
            Shared::Hub => "hub",
            Shared::Service => "laundering_service",
        }
    }
}

/// What an edge is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum LinkKind {
    /// Report → identifier it names.
    Mention,
    /// Report → account its victim paid into (time, amount).
    Payment,
    /// Account → account transfer (time, amount).
    Transfer,
    /// Report → end account its traced money is attributed to (through laundering pools; see `MoneyEnd`).
    AttributedMoney,
}

impl LinkKind {
    /// `mention`, `payment`, `transfer` or `attributed_money`.
    pub fn code(self) -> &'static str {
        match self {
            LinkKind::Mention => "mention",
            LinkKind::Payment => "payment",
            LinkKind::Transfer => "transfer",
            LinkKind::AttributedMoney => "attributed_money",
        }
    }
}

/// A directed edge between two nodes (indices into [`ClusterSubgraph::nodes`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SubEdge {
    pub source: usize,
    pub target: usize,
    pub kind: LinkKind,
    /// Epoch seconds (payments and transfers).
    pub at: Option<i64>,
    pub amount_fen: Option<i64>,
    /// Attributed money: the share of the report's traced money ending in the account.
    pub share: Option<f64>,
}

impl SubEdge {
    /// A mention, payment or transfer (no share).
    fn new(source: usize, target: usize, kind: LinkKind, at: Option<i64>, amount_fen: Option<i64>) -> SubEdge {
        SubEdge { source, target, kind, at, amount_fen, share: None }
    }
}

/// A cluster's subgraph: reports first (in the order given), then entities in order of discovery, then (only from
/// [`cluster_subgraph_with_shared`]) the shared hubs and services it touches.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ClusterSubgraph {
    pub nodes: Vec<SubNode>,
    pub edges: Vec<SubEdge>,
}

impl ClusterSubgraph {
    /// How many nodes come before the shared ones: the nodes that carry the cluster's evidence.
    pub fn core_len(&self) -> usize {
        self.nodes.iter().take_while(|n| n.shared.is_none()).count()
    }

    /// Undirected simple adjacency of the first [`Self::core_len`] nodes (parallel edges merged, no self-loops, shared
    /// hubs and services left out: they would sit at the centre of every cluster), neighbours sorted: the input of
    /// [`super::centrality`].
    pub fn adjacency(&self) -> Vec<Vec<usize>> {
        let core = self.core_len();
        let mut adj: Vec<BTreeSet<usize>> = vec![BTreeSet::new(); core];
        for e in &self.edges {
            if e.source != e.target && e.source < core && e.target < core {
                adj[e.source].insert(e.target);
                adj[e.target].insert(e.source);
            }
        }
        adj.into_iter().map(|s| s.into_iter().collect()).collect()
    }

    /// The node of entity `e`, if in the subgraph.
    pub fn entity_node(&self, e: u32) -> Option<usize> {
        self.nodes.iter().position(|n| matches!(n.kind, SubNodeKind::Entity(_)) && n.index == e)
    }
}

/// The subgraph of the cluster made of `reports` (indices into `graph`).
///
/// Nodes: the reports; every identifier they name except partial cards and keys for which `excluded` is true
/// (hubs and laundering services: they never link); the accounts their victims paid (L1); accounts reached from
/// there by up to `money_hops` transfers, each leaving within `hop_window_secs` after the money arrived. Edges:
/// mentions (report → identifier, unless it is a paid account), payments (report → L1, time and amount) and the
/// transfers followed; attributed money (report → end account its traced money reaches, from `money_ends`, with
/// the share). `personal(key)` marks victims' own identifiers (phones and cards to mask).
pub fn cluster_subgraph(
    graph: &GangGraph,
    reports: &[usize],
    params: &SubgraphParams,
    excluded: &dyn Fn(&str) -> bool,
    personal: &dyn Fn(&str) -> bool,
    money_ends: &[MoneyEnd],
) -> ClusterSubgraph {
    build(graph, reports, params, &|k| excluded(k).then_some(Shared::Hub), personal, money_ends, false)
}

/// [`cluster_subgraph`], followed by the hubs and laundering services' accounts the cluster touches (`shared(key)`
/// says which keys are shared, and how): each marked with [`SubNode::shared`], with the mentions, payments and
/// transfers (as far as the money is followed) that reach it. The money is not followed beyond them, and they
/// come after every other node, so [`ClusterSubgraph::adjacency`] and the centrality of the rest are those of
/// [`cluster_subgraph`]. For exports, where an investigator must see that a gang used a service or named a hub.
pub fn cluster_subgraph_with_shared(
    graph: &GangGraph,
    reports: &[usize],
    params: &SubgraphParams,
    shared: &dyn Fn(&str) -> Option<Shared>,
    personal: &dyn Fn(&str) -> bool,
    money_ends: &[MoneyEnd],
) -> ClusterSubgraph {
    build(graph, reports, params, shared, personal, money_ends, true)
}

/// An edge to a shared node, held back until every other node is placed.
struct SharedTouch {
    source: usize,
    entity: u32,
    role: Shared,
    kind: LinkKind,
    at: Option<i64>,
    amount_fen: Option<i64>,
}

fn build(
    graph: &GangGraph,
    reports: &[usize],
    params: &SubgraphParams,
    shared: &dyn Fn(&str) -> Option<Shared>,
    personal: &dyn Fn(&str) -> bool,
    money_ends: &[MoneyEnd],
    show_shared: bool,
) -> ClusterSubgraph {
    let mut sub = ClusterSubgraph::default();
    let mut entity_node: HashMap<u32, usize> = HashMap::new();
    let mut touches: Vec<SharedTouch> = Vec::new();
    let role = |e: u32| if graph.kind(e) == EntityKind::PartialCard { None } else { shared(graph.key(e)) };
    let keep = |e: u32| graph.kind(e) != EntityKind::PartialCard && shared(graph.key(e)).is_none();
    let mut node_of = |sub: &mut ClusterSubgraph, e: u32, shared: Option<Shared>| -> usize {
        *entity_node.entry(e).or_insert_with(|| {
            sub.nodes.push(SubNode {
                kind: SubNodeKind::Entity(graph.kind(e)),
                index: e,
                key: graph.key(e).to_string(),
                personal: personal(graph.key(e)),
                time: None,
                fraud_type: None,
                shared,
            });
            sub.nodes.len() - 1
        })
    };
    let touch = |touches: &mut Vec<SharedTouch>, source: usize, entity: u32, kind, at, amount_fen| {
        if let (true, Some(role)) = (show_shared, role(entity)) {
            touches.push(SharedTouch { source, entity, role, kind, at, amount_fen });
        }
    };
    for &r in reports {
        sub.nodes.push(SubNode {
            kind: SubNodeKind::Report,
            index: r as u32,
            key: graph.report(r).report_id.clone(),
            personal: false,
            time: Some(graph.report(r).time),
            fraud_type: Some(graph.report(r).fraud_type),
            shared: None,
        });
    }
    let mut seen_transfers: BTreeSet<(u32, u32, i64, i64)> = BTreeSet::new();
    for (i, &r) in reports.iter().enumerate() {
        let paid: BTreeSet<u32> = graph.payments(r).iter().map(|p| p.account).collect();
        for &e in graph.mentions(r) {
            if paid.contains(&e) {
                continue;
            }
            if !keep(e) {
                touch(&mut touches, i, e, LinkKind::Mention, None, None);
                continue;
            }
            let n = node_of(&mut sub, e, None);
            sub.edges.push(SubEdge::new(i, n, LinkKind::Mention, None, None));
        }
        for p in graph.payments(r) {
            if !keep(p.account) {
                touch(&mut touches, i, p.account, LinkKind::Payment, Some(p.at), Some(p.amount_fen));
                continue;
            }
            let n = node_of(&mut sub, p.account, None);
            sub.edges.push(SubEdge::new(i, n, LinkKind::Payment, Some(p.at), Some(p.amount_fen)));
            let mut frontier: BTreeMap<u32, i64> = BTreeMap::from([(p.account, p.at)]);
            for _ in 0..params.money_hops {
                let mut next: BTreeMap<u32, i64> = BTreeMap::new();
                for (&x, &tx) in &frontier {
                    let outs = graph.transfers_from(x);
                    let start = outs.partition_point(|o| o.at < tx);
                    for o in outs[start..].iter().take_while(|o| o.at <= tx.saturating_add(params.hop_window_secs)) {
                        if !seen_transfers.insert((x, o.to, o.at, o.amount_fen)) {
                            if keep(o.to) {
                                let t = next.entry(o.to).or_insert(o.at);
                                *t = (*t).min(o.at);
                            }
                            continue;
                        }
                        let a = node_of(&mut sub, x, None);
                        if !keep(o.to) {
                            touch(&mut touches, a, o.to, LinkKind::Transfer, Some(o.at), Some(o.amount_fen));
                            continue;
                        }
                        let b = node_of(&mut sub, o.to, None);
                        sub.edges.push(SubEdge::new(a, b, LinkKind::Transfer, Some(o.at), Some(o.amount_fen)));
                        let t = next.entry(o.to).or_insert(o.at);
                        *t = (*t).min(o.at);
                    }
                }
                frontier = next;
            }
        }
    }
    let position: HashMap<usize, usize> = reports.iter().enumerate().map(|(i, &r)| (r, i)).collect();
    for m in money_ends {
        if let Some(&i) = position.get(&m.report)
            && (m.account as usize) < graph.entity_count()
            && keep(m.account)
        {
            let n = node_of(&mut sub, m.account, None);
            sub.edges.push(SubEdge {
                source: i,
                target: n,
                kind: LinkKind::AttributedMoney,
                at: None,
                amount_fen: None,
                share: Some(m.share),
            });
        }
    }
    for t in touches {
        let n = node_of(&mut sub, t.entity, Some(t.role));
        sub.edges.push(SubEdge::new(t.source, n, t.kind, t.at, t.amount_fen));
    }
    sub
}

/// A paid (L1) account of a cluster and whether it still moves money.
#[derive(Debug, Clone, PartialEq)]
pub struct L1Account {
    pub entity: u32,
    /// Victim payments into it from the cluster's reports, and their sum.
    pub payments: usize,
    pub received_fen: i64,
    /// Its latest transfer in or out (any, not only the cluster's), epoch seconds.
    pub last_activity: i64,
    /// `last_activity` is within `active_days` of the end of the data.
    pub active: bool,
}

/// Days before the end of the data within which an L1 account that moved money counts as still active: 7, half
/// the 1–14 days an L1 card typically lives before it is frozen (domain notes), so a card active in the last week
/// is worth a freeze request now.
pub const L1_ACTIVE_DAYS: i64 = 7;

/// The latest transfer time in the graph (the end of the data), if any.
pub fn data_end(graph: &GangGraph) -> Option<i64> {
    (0..graph.entity_count() as u32).filter_map(|e| graph.transfers_from(e).last().map(|o| o.at)).max()
}

/// The cluster's L1 accounts (paid by its victims, hubs excluded), by decreasing money received: each with its last
/// transfer in or out anywhere in the graph, active if that is within `active_days` days of `end`.
pub fn l1_accounts(
    graph: &GangGraph,
    reports: &[usize],
    excluded: &dyn Fn(&str) -> bool,
    end: i64,
    active_days: i64,
) -> Vec<L1Account> {
    let mut acc: BTreeMap<u32, (usize, i64)> = BTreeMap::new();
    for &r in reports {
        for p in graph.payments(r) {
            if !excluded(graph.key(p.account)) {
                let a = acc.entry(p.account).or_default();
                a.0 += 1;
                a.1 += p.amount_fen;
            }
        }
    }
    let mut last: BTreeMap<u32, i64> = acc.keys().map(|&e| (e, i64::MIN)).collect();
    for from in 0..graph.entity_count() as u32 {
        for o in graph.transfers_from(from) {
            for end_point in [from, o.to] {
                if let Some(t) = last.get_mut(&end_point) {
                    *t = (*t).max(o.at);
                }
            }
        }
    }
    let cutoff = end.saturating_sub(active_days.saturating_mul(86_400));
    let mut out: Vec<L1Account> = acc
        .into_iter()
        .map(|(e, (payments, received_fen))| {
            let last_activity = last[&e];
            L1Account { entity: e, payments, received_fen, last_activity, active: last_activity >= cutoff }
        })
        .collect();
    out.sort_by(|a, b| b.received_fen.cmp(&a.received_fen).then_with(|| graph.key(a.entity).cmp(graph.key(b.entity))));
    out
}
