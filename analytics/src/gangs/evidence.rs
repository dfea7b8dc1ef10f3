//! Evidence for investigators: the shortest chain of shared identifiers and transfers linking two reports
//! ([`explain_link`]), and how strongly a cluster's reports hold together ([`cluster_confidence`]).

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};

use super::graph::{EntityKind, GangGraph};
use super::relay::Relays;
use super::subgraph::{LinkKind, MoneyEnd, SubgraphParams};

/// Why two reports cannot be explained.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ExplainError {
    #[error("report index {index} is out of range: the graph holds {count} reports")]
    UnknownReport { index: usize, count: usize },
    #[error(
        "reports {a} and {b} are not linked: no chain of shared identifiers or transfers joins them (hubs and \
         laundering services excluded)"
    )]
    NotLinked { a: String, b: String },
}

/// A node on a chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChainNode {
    /// A report index.
    Report(usize),
    /// An entity id.
    Entity(u32),
}

/// One step of a chain, walked from `from` to `to`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ChainStep {
    pub from: ChainNode,
    pub to: ChainNode,
    /// `Mention` or `Payment` between a report and an identifier, `Transfer` between two accounts.
    pub kind: LinkKind,
    /// Payment or transfer time, epoch seconds.
    pub at: Option<i64>,
    pub amount_fen: Option<i64>,
    /// The walk goes against the edge: identifier → the report naming it, a transfer's receiver → its sender, or
    /// an end account → the report whose money ends there.
    pub reversed: bool,
    /// `AttributedMoney`: the share of the report's traced money that ends in the account.
    pub share: Option<f64>,
    /// `Transfer`: seconds the victim's money sat in the sending account before this transfer moved it on.
    pub dwell_secs: Option<i64>,
}

/// The chain linking two reports, first report to second.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LinkChain {
    pub steps: Vec<ChainStep>,
}

/// One transfer of a victim's money: from `from` to `to` at `at`, after the money had sat in `from` for `dwell`.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Hop {
    from: u32,
    to: u32,
    at: i64,
    amount_fen: i64,
    dwell: i64,
}

/// How a report's money reached an account: the payment it started as, then each transfer, forward in time.
#[derive(Debug, Clone, PartialEq)]
struct MoneyPath {
    paid: u32,
    paid_at: i64,
    paid_fen: i64,
    hops: Vec<Hop>,
    /// The first hop is a relay's payout of the payment: the card it reached counts as paid by the victim.
    via_relay: bool,
}

impl MoneyPath {
    fn arrived(&self) -> i64 {
        self.hops.last().map_or(self.paid_at, |h| h.at)
    }
}

/// The accounts report `r`'s money reached downstream of its payments, each by its shortest path (fewest transfers,
/// then earliest arrival): every transfer leaves its account after the money arrived there and within
/// `params.hop_window_secs`, at most `params.money_hops` transfers. Accounts `keep` rejects are neither reached nor
/// passed through, except relays, which the money passes through as clustering follows it (`relays`): a payment to a
/// relay goes on by the relay's payout of it (to a card that then counts as paid by the victim, so that transfer
/// does not count against the hops), a relay met on the way passes on only its first payout of the amount, a
/// collector nothing. The accounts the report names or paid itself are not listed (they are named, not reached).
fn money_reach(
    graph: &GangGraph,
    r: usize,
    params: &SubgraphParams,
    keep: &dyn Fn(u32) -> bool,
    relays: &Relays,
) -> BTreeMap<u32, MoneyPath> {
    let mut reach: BTreeMap<u32, MoneyPath> = BTreeMap::new();
    let named = graph.mentions(r);
    let window = params.hop_window_secs;
    for p in graph.payments(r) {
        let paid =
            MoneyPath { paid: p.account, paid_at: p.at, paid_fen: p.amount_fen, hops: Vec::new(), via_relay: false };
        let start = match relays.payout(graph, p, window) {
            // The card the relay paid the victim's money on to: reached, and where the hops start.
            Some(o) if keep(o.to) && !named.contains(&o.to) => {
                let hop = Hop { from: p.account, to: o.to, at: o.at, amount_fen: o.amount_fen, dwell: o.at - p.at };
                let path = MoneyPath { hops: vec![hop], via_relay: true, ..paid };
                reach.insert(o.to, path.clone());
                path
            }
            _ if keep(p.account) => paid,
            _ => continue,
        };
        let mut frontier = vec![start];
        for _ in 0..params.money_hops {
            let mut next: BTreeMap<u32, MoneyPath> = BTreeMap::new();
            for path in &frontier {
                let x = path.hops.last().map_or(path.paid, |h| h.to);
                let (arrived, amount) = (path.arrived(), path.hops.last().map_or(path.paid_fen, |h| h.amount_fen));
                for o in relays.carried_on(graph, x, arrived, amount, window) {
                    // A withdrawal or purchase ends the money's trail: an ATM or a shop links nobody.
                    if graph.leaves_accounts(o) || !(keep(o.to) || relays.relay(o.to)) || named.contains(&o.to) {
                        continue;
                    }
                    // This payment's money goes on from its earliest arrival at each account of this hop, whether or
                    // not another payment's money (or this one's by fewer hops) was there first, as in clustering.
                    if next.get(&o.to).is_some_and(|n| n.arrived() <= o.at) {
                        continue;
                    }
                    let mut hops = path.hops.clone();
                    hops.push(Hop { from: x, to: o.to, at: o.at, amount_fen: o.amount_fen, dwell: o.at - arrived });
                    next.insert(o.to, MoneyPath { hops, ..path.clone() });
                }
            }
            // The path shown for an account: the fewest transfers, then the earliest arrival. A relay is passed
            // through, never reached.
            for (e, path) in next.iter().filter(|(e, _)| keep(**e)) {
                let better = |old: &MoneyPath| (old.hops.len(), old.arrived()) > (path.hops.len(), path.arrived());
                if reach.get(e).is_none_or(better) {
                    reach.insert(*e, path.clone());
                }
            }
            frontier = next.into_values().collect();
        }
    }
    reach
}

/// The shortest chain from report `a` to report `b` (indices into `graph`).
///
/// A chain alternates reports and identifiers: report → identifier it names (or account its victim paid) →
/// report naming that identifier …; or report → an account its money reached → the report whose money reached it
/// too. Every money leg follows the victim's money forward in time, as clustering does: from the report's payment,
/// each transfer leaves its account after the money arrived there and within `params.hop_window_secs`, at most
/// `params.money_hops` transfers (a leg walked back towards the second report is the same path read from its end,
/// every step `reversed`); each transfer step carries its time, amount and the dwell before it. So a victim's own
/// paying account (upstream of an L1) links nothing, and money that left an account weeks before another victim's
/// arrived never joins them. A report also reaches the end accounts its traced money is attributed to (`money_ends`,
/// the evidence behind the clustering's money links), and from such an account the other reports whose money ends
/// there; attributed money is weaker evidence than a shared identifier, so it is walked only when no chain of
/// identifiers and money legs exists. Identifiers for which `excluded` is true (hubs, relays, laundering services)
/// and partial cards never link. The money passes through `relays` (the run's relays, see [`Relays::find`]) as
/// clustering follows it: a victim who paid a payment platform that passed the amount on to a gang's card is linked
/// through that card, and the leg shows the payment and the platform's payout. Breadth-first, so the chain has the
/// fewest links; ties go to lower report and entity ids.
pub fn explain_link(
    graph: &GangGraph,
    a: usize,
    b: usize,
    excluded: &dyn Fn(&str) -> bool,
    relays: &Relays,
    params: &SubgraphParams,
    money_ends: &[MoneyEnd],
) -> Result<LinkChain, ExplainError> {
    LinkIndex::new(graph, excluded, relays, params).explain(graph, a, b, money_ends)
}

/// What [`explain_link`] walks, built once for a graph, its exclusions, relays and parameters: who names each
/// identifier, and where each report's money went. A caller that explains many pairs of one clustering run keeps it
/// (building it traces every report's money).
#[derive(Debug, Clone)]
pub struct LinkIndex {
    /// Whether each entity may link reports (not excluded, not a partial card).
    kept: Vec<bool>,
    /// Reports naming each entity.
    named_by: Vec<Vec<u32>>,
    /// Each report's money reach (see `money_reach`).
    reach: Vec<BTreeMap<u32, MoneyPath>>,
    /// Reports whose money reached each account.
    reached_by: HashMap<u32, Vec<u32>>,
}

impl LinkIndex {
    /// The index of `graph` with `excluded` identifiers never linking and money followed through `relays`.
    pub fn new(
        graph: &GangGraph,
        excluded: &dyn Fn(&str) -> bool,
        relays: &Relays,
        params: &SubgraphParams,
    ) -> LinkIndex {
        let (count, entities) = (graph.report_count(), graph.entity_count());
        let kept: Vec<bool> =
            (0..entities as u32).map(|e| graph.kind(e) != EntityKind::PartialCard && !excluded(graph.key(e))).collect();
        let keep = |e: u32| kept[e as usize];
        let mut named_by: Vec<Vec<u32>> = vec![Vec::new(); entities];
        for r in 0..count {
            for &e in graph.mentions(r) {
                named_by[e as usize].push(r as u32);
            }
        }
        let reach: Vec<BTreeMap<u32, MoneyPath>> =
            (0..count).map(|r| money_reach(graph, r, params, &keep, relays)).collect();
        let mut reached_by: HashMap<u32, Vec<u32>> = HashMap::new();
        for (r, paths) in reach.iter().enumerate() {
            for &e in paths.keys() {
                reached_by.entry(e).or_default().push(r as u32);
            }
        }
        LinkIndex { kept, named_by, reach, reached_by }
    }

    /// Report `r`'s linking identifiers with their hop: 0 for what it names (and the card a relay paid its payment
    /// on to), k for an account its money reached k transfers downstream; exclusions and partial cards left out.
    fn tokens(&self, graph: &GangGraph, r: usize) -> BTreeMap<u32, u8> {
        let mut best: BTreeMap<u32, u8> =
            graph.mentions(r).iter().filter(|&&e| self.kept[e as usize]).map(|&e| (e, 0)).collect();
        for (&e, path) in &self.reach[r] {
            let hop = (path.hops.len() - usize::from(path.via_relay)).min(u8::MAX as usize) as u8;
            best.entry(e).and_modify(|h| *h = (*h).min(hop)).or_insert(hop);
        }
        best
    }

    /// [`explain_link`] over this index (built from `graph`).
    pub fn explain(
        &self,
        graph: &GangGraph,
        a: usize,
        b: usize,
        money_ends: &[MoneyEnd],
    ) -> Result<LinkChain, ExplainError> {
        let count = graph.report_count();
        for index in [a, b] {
            if index >= count {
                return Err(ExplainError::UnknownReport { index, count });
            }
        }
        if a == b {
            return Ok(LinkChain::default());
        }
        if !money_ends.is_empty()
            && let Ok(chain) = self.explain(graph, a, b, &[])
        {
            return Ok(chain);
        }
        let entities = graph.entity_count();
        let keep = |e: u32| self.kept[e as usize];
        let (named_by, reach, reached_by) = (&self.named_by, &self.reach, &self.reached_by);
        let mut ends_of: Vec<Vec<u32>> = vec![Vec::new(); count];
        let mut enders: HashMap<u32, Vec<u32>> = HashMap::new();
        let mut shares: HashMap<(usize, u32), f64> = HashMap::new();
        for m in money_ends.iter().filter(|m| m.report < count && (m.account as usize) < entities && keep(m.account)) {
            ends_of[m.report].push(m.account);
            enders.entry(m.account).or_default().push(m.report as u32);
            shares.insert((m.report, m.account), m.share);
        }
        for v in ends_of.iter_mut().chain(enders.values_mut()) {
            v.sort_unstable();
            v.dedup();
        }
        // States: reports 0..count, entity e at count + e.
        let mut parent: Vec<usize> = vec![usize::MAX; count + entities];
        parent[a] = a;
        let mut queue = VecDeque::from([a]);
        while let Some(s) = queue.pop_front() {
            if s == b {
                break;
            }
            let mut next: Vec<usize> = Vec::new();
            if s < count {
                next.extend(graph.mentions(s).iter().filter(|&&e| keep(e)).map(|&e| count + e as usize));
                next.extend(reach[s].keys().map(|&e| count + e as usize));
                next.extend(ends_of[s].iter().map(|&e| count + e as usize));
                next.sort_unstable();
                next.dedup();
            } else {
                let e = (s - count) as u32;
                next.extend(named_by[e as usize].iter().map(|&r| r as usize));
                next.extend(reached_by.get(&e).into_iter().flatten().map(|&r| r as usize));
                next.extend(enders.get(&e).into_iter().flatten().map(|&r| r as usize));
                next.sort_unstable();
                next.dedup();
            }
            for t in next {
                if parent[t] == usize::MAX {
                    parent[t] = s;
                    queue.push_back(t);
                }
            }
        }
        if parent[b] == usize::MAX {
            return Err(ExplainError::NotLinked {
                a: graph.report(a).report_id.clone(),
                b: graph.report(b).report_id.clone(),
            });
        }
        let mut states = vec![b];
        while *states.last().unwrap_or(&a) != a {
            let s = states[states.len() - 1];
            states.push(parent[s]);
        }
        states.reverse();
        let mut steps = Vec::new();
        for w in states.windows(2) {
            let (report, entity, reversed) =
                if w[0] < count { (w[0], w[1] - count, false) } else { (w[1], w[0] - count, true) };
            let e = entity as u32;
            match reach[report].get(&e).filter(|_| !graph.mentions(report).contains(&e)) {
                Some(path) => {
                    let mut leg = money_leg(report, path);
                    if reversed {
                        leg.reverse();
                        for s in &mut leg {
                            (s.from, s.to, s.reversed) = (s.to, s.from, true);
                        }
                    }
                    steps.extend(leg);
                }
                None => steps.push(step(graph, report, e, reversed, &shares)),
            }
        }
        Ok(LinkChain { steps })
    }
}

/// The steps of a money leg, forward: the report's payment, then each transfer with its dwell.
fn money_leg(report: usize, path: &MoneyPath) -> Vec<ChainStep> {
    let mut steps = vec![ChainStep {
        from: ChainNode::Report(report),
        to: ChainNode::Entity(path.paid),
        kind: LinkKind::Payment,
        at: Some(path.paid_at),
        amount_fen: Some(path.paid_fen),
        reversed: false,
        share: None,
        dwell_secs: None,
    }];
    steps.extend(path.hops.iter().map(|h| ChainStep {
        from: ChainNode::Entity(h.from),
        to: ChainNode::Entity(h.to),
        kind: LinkKind::Transfer,
        at: Some(h.at),
        amount_fen: Some(h.amount_fen),
        reversed: false,
        share: None,
        dwell_secs: Some(h.dwell),
    }));
    steps
}

/// The step between report `r` and identifier `e` it names, pays or whose money ends there (`reversed`: walked from
/// the identifier to the report).
fn step(graph: &GangGraph, r: usize, e: u32, reversed: bool, shares: &HashMap<(usize, u32), f64>) -> ChainStep {
    let (from, to) = if reversed {
        (ChainNode::Entity(e), ChainNode::Report(r))
    } else {
        (ChainNode::Report(r), ChainNode::Entity(e))
    };
    let plain =
        |kind| ChainStep { from, to, kind, at: None, amount_fen: None, reversed, share: None, dwell_secs: None };
    match graph.payments(r).iter().find(|p| p.account == e) {
        Some(p) => ChainStep { at: Some(p.at), amount_fen: Some(p.amount_fen), ..plain(LinkKind::Payment) },
        None if !graph.mentions(r).contains(&e) && shares.contains_key(&(r, e)) => {
            ChainStep { share: shares.get(&(r, e)).copied(), ..plain(LinkKind::AttributedMoney) }
        }
        None => plain(LinkKind::Mention),
    }
}

/// How strongly a cluster holds together; every part is in [0, 1].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ClusterConfidence {
    /// `attachment × cohesion`.
    pub score: f64,
    /// Mean over the cluster's reports of its strongest link to another report of the cluster; a link's strength
    /// is the noisy-or 1 − Π(1 − sᵢ) over the identifiers the two reports share, with specificity
    /// sᵢ = 0.7^hop / log2(1 + d) (d: reports in the whole graph sharing it; hop: transfers downstream of a
    /// payment, 0 for a named identifier), the weighting clustering uses. 1 shared phone of 2 reports: 0.63.
    pub attachment: f64,
    /// Share of its reports' link weight (Σ sᵢ over shared identifiers) that stays inside the cluster rather than
    /// reaching reports of other clusters: the cluster's side of its modularity contribution.
    pub cohesion: f64,
    /// Directly linked report pairs over all pairs (informative; a chain-shaped gang has low density).
    pub density: f64,
    pub linked_pairs: usize,
}

/// The confidence of the cluster made of `reports` (indices into `graph`; every other report counts as outside,
/// see [`ClusterConfidence`]), over the identifiers and money of `links` (the index `explain` walks: its exclusions
/// never link, money is followed through its relays). Two reports whose traced money ends in one account
/// (`money_ends`) are linked with strength specificity × the smaller of their two shares. A single-report cluster
/// scores 0.
pub fn cluster_confidence(
    graph: &GangGraph,
    reports: &[usize],
    links: &LinkIndex,
    money_ends: &[MoneyEnd],
) -> ClusterConfidence {
    let keep = |e: u32| links.kept[e as usize];
    let all: Vec<BTreeMap<u32, u8>> = (0..graph.report_count()).map(|r| links.tokens(graph, r)).collect();
    let mut holders: HashMap<u32, Vec<(u32, u8)>> = HashMap::new();
    for (r, ts) in all.iter().enumerate() {
        for (&e, &h) in ts {
            holders.entry(e).or_default().push((r as u32, h));
        }
    }
    // Attributed money: end account → (report, share), unless the account is already one of the report's tokens.
    let mut enders: HashMap<u32, Vec<(usize, f64)>> = HashMap::new();
    for m in money_ends {
        if m.report < all.len()
            && (m.account as usize) < graph.entity_count()
            && keep(m.account)
            && !all[m.report].contains_key(&m.account)
        {
            enders.entry(m.account).or_default().push((m.report, m.share));
        }
    }
    let members: HashSet<usize> = reports.iter().copied().collect();
    let inside = |q: usize| members.contains(&q);
    let (mut internal, mut external) = (0.0, 0.0);
    // Per internal pair: Π(1 − s) over shared identifiers.
    let mut miss: BTreeMap<(usize, usize), f64> = BTreeMap::new();
    for list in enders.values().filter(|l| l.len() >= 2) {
        let spec = 1.0 / (1.0 + list.len() as f64).log2();
        for &(r, a) in list.iter().filter(|(r, _)| inside(*r)) {
            for &(q, b) in list.iter().filter(|(q, _)| *q != r) {
                let s = spec * a.min(b);
                if inside(q) {
                    internal += s;
                    *miss.entry((r.min(q), r.max(q))).or_insert(1.0) *= 1.0 - s;
                } else {
                    external += s;
                }
            }
        }
    }
    for &r in reports {
        for (&e, &h) in &all[r] {
            let list = &holders[&e];
            if list.len() < 2 {
                continue;
            }
            let spec = 1.0 / (1.0 + list.len() as f64).log2();
            for &(q, hq) in list {
                let q = q as usize;
                if q == r {
                    continue;
                }
                let s = spec * 0.7f64.powi(i32::from(h.max(hq)));
                if inside(q) {
                    internal += s;
                    *miss.entry((r.min(q), r.max(q))).or_insert(1.0) *= 1.0 - s;
                } else {
                    external += s;
                }
            }
        }
    }
    let n = reports.len();
    if n < 2 {
        return ClusterConfidence { score: 0.0, attachment: 0.0, cohesion: 0.0, density: 0.0, linked_pairs: 0 };
    }
    // Each internal pair was visited from both ends: the product holds every factor twice.
    let strength: BTreeMap<(usize, usize), f64> = miss.into_iter().map(|(k, m)| (k, 1.0 - m.sqrt())).collect();
    let mut best: BTreeMap<usize, f64> = BTreeMap::new();
    for (&(x, y), &s) in &strength {
        for r in [x, y] {
            let b = best.entry(r).or_insert(0.0);
            *b = b.max(s);
        }
    }
    let attachment = reports.iter().map(|r| best.get(r).copied().unwrap_or(0.0)).sum::<f64>() / n as f64;
    let cohesion = if internal + external > 0.0 { internal / (internal + external) } else { 0.0 };
    let linked_pairs = strength.len();
    let density = linked_pairs as f64 / (n * (n - 1) / 2) as f64;
    ClusterConfidence { score: attachment * cohesion, attachment, cohesion, density, linked_pairs }
}
