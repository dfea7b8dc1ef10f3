//! Gang clustering: hub pruning, laundering-service detection, links by money attributed through services, the
//! weighted report graph, connected components as the first cut and seeded Leiden on top, with stable cluster ids.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::graph::{EntityKind, GangGraph, LEAVES_ACCOUNTS, OutTransfer};
use super::hubs::{Hub, HubParams, HubPolicy, HubReason, KeyStats, judge, robust_z};
use super::relay::{RelayFlow, RelayParams, Relays, find_relays};
use super::stable::{PreviousCluster, match_stable_ids};
use crate::community::{CommunityDetector, CsrGraph, LeidenParams, Partition, connected_components, modularity};
use crate::error::{Error, Result};
use crate::money::{Method, Pairings, TraceParams, TransferGraph, trace_downstream_paired};

const DAY: f64 = 86_400.0;

/// Parameters of gang clustering. [`GangParams::defaults`] documents each default.
#[derive(Debug, Clone, PartialEq)]
pub struct GangParams {
    /// Leiden seed: the same seed and input give the same clusters.
    pub seed: u64,
    /// Leiden modularity resolution.
    pub resolution: f64,
    /// How many transfer hops downstream of a victim's payment link reports (0: only the paid account itself).
    pub money_hops: usize,
    /// A hop counts only if it leaves the account within this many seconds after the money arrived.
    pub hop_window_secs: i64,
    /// Two reports whose money reached a shared account by transfers are linked through it only if their money
    /// arrived there within this many seconds of each other. Off by default (`i64::MAX`): 14 days took the
    /// independent generator's grid to 33 of 33 runs at ARI ≥ 0.95 and 46 reports in another gang's cluster (from 32
    /// and 84), but dropped our generator's statistics-only-hubs check to ARI 0.52 (bench/README.md, issue 14).
    pub money_meet_window_secs: i64,
    /// Weight factor per transfer hop (a shared L2 account weighs `money_weight` × a shared L1).
    pub money_weight: f64,
    /// Time closeness: a link between reports Δ days apart weighs τ / (τ + Δ). A gang works for months, reusing its
    /// phones, sites and cards across quiet spells: at 60 days a card shared half a year apart weighed a quarter of
    /// one shared the same day, and modularity cut gangs along their quiet months (our generator's grid, seed 3:
    /// `default` 0.938 and `late-reports` 0.929, one gang of 29 reports cut 23 + 6 between January and June); at 180
    /// those runs reach 0.993 and 0.993, no run of either grid got worse, and the independent grid is unchanged
    /// (bench/README.md, issue 14).
    pub time_scale_days: f64,
    pub hubs: HubParams,
    /// Clusters of Leiden's modularity partition whose links average at least this weight per pair of their reports
    /// are joined (see `merge_dense`; a full identifier link between two reports weighs up to 1).
    pub merge_min_density: f64,
    /// Clusters sharing at least this many independent pieces of evidence are joined (see `merge_by_evidence`);
    /// 0 disables.
    pub merge_min_evidence: usize,
    /// Relays (payment platforms, merchants, OTC desks, 跑分 pools) recognised from their flow pattern; held apart
    /// like hubs, with the reason recorded.
    pub relays: RelayParams,
    /// A laundering pool (accounts fed from the same payments) is a service when its reports fall into at least
    /// this many separate communities of the identifier-only report graph and either it keeps a commission …
    pub service_min_communities: usize,
    /// … of at least this share of the money flowing through it (跑分 platforms keep 2–3.5%; a gang moving its own
    /// money keeps nothing) …
    pub service_min_commission: f64,
    /// (A pool keeping more than this share is holding the money, e.g. a terminal account, not charging a fee.)
    pub service_max_commission: f64,
    /// … or `service_min_communities` + 1 of those communities hold at least this many reports each, unless the pool
    /// passes the money on in full (keeps less than `service_min_commission`: a gang moving its own money).
    pub service_min_community_size: usize,
    /// A downstream account no report names, reached by the money of reports of at least this many separate
    /// identifier communities, is a shared account (an OTC desk's card, a service's) whatever its pool keeps.
    pub service_spread_communities: usize,
    /// Minimum Jaccard overlap for a cluster to inherit last run's id.
    pub stable_min_jaccard: f64,
    /// Money attributed downstream: each report's money is traced on (time-respecting, amount-conserving; see
    /// `money_link_matched_min_share` and `money_link_methods`) to the accounts where it ends (still held there; ATM,
    /// cash and merchant cash-outs end it nowhere). Two reports are linked when, of the money of each that ends in accounts (not hubs, not a service's),
    /// at least this share ends in the same ones: Σ over shared end accounts of min(share₁, share₂), divided by the
    /// smaller of the two reports' shares ending in accounts at all. Cash-outs are not counted against a link: money
    /// withdrawn at an ATM is gone, not evidence of another owner. 0 disables.
    pub money_link_min_share: f64,
    /// … and that common part is at least this share of each report's whole money (a report whose money is almost
    /// all cashed out does not link on the little left).
    pub money_link_min_common: f64,
    /// A money link weighs this × the overlap × time closeness, divided by the larger number of money links of its
    /// two reports.
    pub money_link_weight: f64,
    /// End accounts holding less than this share of a report's money are ignored for it.
    pub money_link_min_end_share: f64,
    /// A money link between reports of two groups not linked otherwise must also be backed by the groups' money:
    /// Σ over the shared end accounts of the smaller of the two groups' shares there of their money that ends in
    /// accounts ≥ this (one report's money mis-attributed in a pool does not join its group to another). 0 disables.
    pub money_link_min_group_share: f64,
    /// Trace only reports whose money reached a laundering service (else every report with payments).
    pub money_link_services_only: bool,
    /// Where amounts do not match (see `money_link_matched_min_share`), the trace is run with each of these methods
    /// and the shares where the money ends are averaged: how a pooled
    /// account's payouts split between the money in it is a convention, not a fact, and the conventions err in
    /// different ways (FIFO leaves a victim's money behind the old balance of an account that keeps a commission, LIFO
    /// hands a payout to whoever paid in last, pro rata smears it over everyone in the pool). Must not be empty.
    pub money_link_methods: Vec<Method>,
    /// Specific identification first: each report is traced with [`Method::Matched`], and where at least this share of
    /// its money still held in accounts got there by transfers passing on the arrival they were paired with by amount,
    /// that trace is used alone (the amounts tell whose money a pooled account paid out); else the conventions of
    /// `money_link_methods` are averaged. `None`: always the conventions.
    pub money_link_matched_min_share: Option<f64>,
    /// … where a transfer up to this share below an arrival's amount still passes it on (a card keeping a cut).
    pub money_link_match_tolerance: f64,
    /// The trace follows transfers up to this many seconds after the report's last payment.
    pub money_link_horizon_secs: i64,
    /// At most this many trail nodes per report (the rest of its money counts as untraced).
    pub money_link_max_nodes: usize,
}

impl GangParams {
    /// Defaults: resolution 1, 2 money hops within 6 h each, hop factor 0.7, τ = 180 days, hub defaults, services
    /// spanning ≥ 2 communities and keeping a 1–10% commission (or spanning ≥ 3 communities of ≥ 3 reports),
    /// stable-id Jaccard ≥ 0.2; attributed money (every report traced up to 72 h after its last payment, as a service
    /// pays back within 1–48 h, at most 2,000 trail nodes: by matching amounts, passed on in full or less a cut of up
    /// to 2%, where that brought at least a fifth of the money still held to its account, else with FIFO, LIFO and pro
    /// rata averaged; end accounts from a 5% share) links two reports when 70% of the money of each that ends in
    /// accounts ends in the same ones, and that is 40% of all their money, at 0.3 of a full link's weight, and only
    /// if, between groups not linked otherwise, half of each group's money that ends in accounts ends there.
    ///
    /// Measured on the generator's 1,000,000-resident district (`clusters run`, seed 1; 5,117 reports, 578 gangs):
    /// ARI 0.998, 576 gangs recovered (99.7%), no report in another gang's cluster; with every transfer after the
    /// victims' payments carrying 0–1% less, drawn per transfer: 559 (96.7%), 5; 3–8% less: 545 (94.3%), 13; with
    /// every card keeping 0–1% of what it received (compounding along the chain): 576, 0; 1–3%: 548, 8. The
    /// conventions alone with a fifth of the money in common (the rule of before): 545, 43; 541, 49; 538, 52; 531,
    /// 57; 530, 71.
    /// Earlier forms of matching (payouts claimed only by the traced money's arrivals), with a fifth in common:
    /// FIFO instead of the newest money for unmatched payouts: 562, 6 (FIFO keeps a victim's money behind the
    /// commission a pass-through card accumulates); matching always, whatever share it explains: 575 and, with
    /// 0–1% less, 557, 8; matching averaged with FIFO: 567, 1 but 537, 50 with 0–1% less. A fifth of the money in
    /// common links reports whose money ends in a service's own wallets, which every client's money reaches, when
    /// the generator pays no backer (5 and 10 reports in another gang's cluster at 50,000 residents; at 40%: 1 and
    /// 0). Without the cluster join (`join_by_money`) the rule of before recovered one gang fewer at 1M, 3 and 2
    /// fewer at 200,000 residents. Leiden's resolution (0.2–2) changes nothing here: the pieces left are unlinked.
    pub fn defaults(seed: u64) -> GangParams {
        GangParams {
            seed,
            resolution: 1.0,
            money_hops: 2,
            hop_window_secs: 6 * 3600,
            money_meet_window_secs: i64::MAX,
            money_weight: 0.7,
            time_scale_days: 180.0,
            hubs: HubParams::defaults(),
            relays: RelayParams::defaults(),
            merge_min_density: 0.02,
            merge_min_evidence: 2,
            service_min_communities: 2,
            service_min_commission: 0.01,
            service_max_commission: 0.10,
            service_min_community_size: 3,
            service_spread_communities: 4,
            stable_min_jaccard: 0.2,
            money_link_min_share: 0.7,
            money_link_min_common: 0.4,
            money_link_weight: 0.3,
            money_link_min_end_share: 0.05,
            money_link_min_group_share: 0.5,
            money_link_services_only: false,
            money_link_methods: vec![Method::Fifo, Method::Lifo, Method::ProRata],
            money_link_matched_min_share: Some(0.2),
            money_link_match_tolerance: 0.02,
            money_link_horizon_secs: 72 * 3600,
            money_link_max_nodes: 2_000,
        }
    }

    fn check(&self) -> Result<()> {
        let bad = |name: &'static str, value: String, reason: &'static str| {
            Err(Error::InvalidParameter { name, value, reason })
        };
        if self.money_hops > 4 {
            return bad("money_hops", self.money_hops.to_string(), "must be at most 4");
        }
        if self.money_meet_window_secs < 0 {
            return bad("money_meet_window_secs", self.money_meet_window_secs.to_string(), "must not be negative");
        }
        if self.hop_window_secs <= 0 {
            return bad("hop_window_secs", self.hop_window_secs.to_string(), "must be greater than 0");
        }
        if !(self.money_weight.is_finite() && self.money_weight > 0.0 && self.money_weight <= 1.0) {
            return bad("money_weight", self.money_weight.to_string(), "must be in (0, 1]");
        }
        if !(self.time_scale_days.is_finite() && self.time_scale_days > 0.0) {
            return bad("time_scale_days", self.time_scale_days.to_string(), "must be a finite number greater than 0");
        }
        if !(0.0..=1.0).contains(&self.service_min_commission) {
            return bad("service_min_commission", self.service_min_commission.to_string(), "must be in [0, 1]");
        }
        if !(self.service_min_commission..=1.0).contains(&self.service_max_commission) {
            return bad(
                "service_max_commission",
                self.service_max_commission.to_string(),
                "must be in [service_min_commission, 1]",
            );
        }
        if self.service_min_communities < 2 {
            return bad("service_min_communities", self.service_min_communities.to_string(), "must be at least 2");
        }
        if !(0.0..=1.0).contains(&self.stable_min_jaccard) {
            return bad("stable_min_jaccard", self.stable_min_jaccard.to_string(), "must be in [0, 1]");
        }
        if !(0.0..=1.0).contains(&self.money_link_min_share) {
            return bad("money_link_min_share", self.money_link_min_share.to_string(), "must be in [0, 1]");
        }
        if !(self.money_link_weight.is_finite() && self.money_link_weight > 0.0 && self.money_link_weight <= 1.0) {
            return bad("money_link_weight", self.money_link_weight.to_string(), "must be in (0, 1]");
        }
        if !(0.0..=1.0).contains(&self.money_link_min_common) {
            return bad("money_link_min_common", self.money_link_min_common.to_string(), "must be in [0, 1]");
        }
        if !(0.0..=1.0).contains(&self.money_link_min_group_share) {
            return bad("money_link_min_group_share", self.money_link_min_group_share.to_string(), "must be in [0, 1]");
        }
        if !(0.0..=1.0).contains(&self.money_link_min_end_share) {
            return bad("money_link_min_end_share", self.money_link_min_end_share.to_string(), "must be in [0, 1]");
        }
        if self.money_link_horizon_secs < 0 {
            return bad("money_link_horizon_secs", self.money_link_horizon_secs.to_string(), "must not be negative");
        }
        if let Some(share) = self.money_link_matched_min_share.filter(|s| !(0.0..=1.0).contains(s)) {
            return bad("money_link_matched_min_share", share.to_string(), "must be in [0, 1]");
        }
        if !(0.0..1.0).contains(&self.money_link_match_tolerance) {
            return bad("money_link_match_tolerance", self.money_link_match_tolerance.to_string(), "must be in [0, 1)");
        }
        if self.money_link_methods.is_empty() {
            return bad("money_link_methods", "[]".into(), "must name at least one tracing method");
        }
        if self.money_link_max_nodes == 0 {
            return bad("money_link_max_nodes", "0".into(), "must be at least 1");
        }
        if !(self.merge_min_density.is_finite() && self.merge_min_density >= 0.0) {
            return bad("merge_min_density", self.merge_min_density.to_string(), "must be a finite number ≥ 0");
        }
        self.relays.check()?;
        self.hubs.check()
    }
}

/// One gang cluster: a stable id and its reports (indices into the graph's reports, increasing).
#[derive(Debug, Clone, PartialEq)]
pub struct GangCluster {
    pub id: u64,
    pub reports: Vec<usize>,
}

/// A laundering service: downstream accounts that receive money of several otherwise separate gangs.
#[derive(Debug, Clone, PartialEq)]
pub struct ServiceCluster {
    /// Account keys, sorted.
    pub accounts: Vec<String>,
    /// Reports whose money passed through it.
    pub reports: usize,
    /// Ids of the gang clusters whose money it carried, sorted.
    pub served_clusters: Vec<u64>,
    /// Money received from accounts outside the service, in fen.
    pub inflow_fen: i64,
}

/// The result of [`cluster_gangs`].
#[derive(Debug, Clone)]
pub struct GangClustering {
    /// Clusters, largest first (ties: smallest report index).
    pub clusters: Vec<GangCluster>,
    /// Index into `clusters` of every report.
    pub membership: Vec<u32>,
    /// The first cut: connected components of the hub- and service-pruned report graph.
    pub components: Partition,
    /// Every identifier judged a hub, by decreasing degree then key.
    pub hubs: Vec<Hub>,
    /// Laundering services, by decreasing number of reports.
    pub services: Vec<ServiceCluster>,
    /// Modularity of the clusters on the weighted report graph.
    pub modularity: f64,
    /// Edges of the weighted report graph.
    pub report_edges: usize,
    /// Reports whose money was traced (see [`GangParams::money_link_min_share`]), the end accounts that received
    /// the money of several of them, and the report pairs linked by overlapping end accounts.
    pub money_traced_reports: usize,
    pub money_terminals: Vec<MoneyTerminal>,
    pub money_links: Vec<MoneyLink>,
}

/// An account where the attributed money of several reports ends (a gang's backer, say).
#[derive(Debug, Clone, PartialEq)]
pub struct MoneyTerminal {
    pub key: String,
    /// Reports (indices) with at least `money_link_min_end_share` of their traced money ending here, and that share.
    pub reports: Vec<(usize, f64)>,
}

/// Two reports whose money ends in the same accounts: `overlap` = Σ over those accounts of the smaller share.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MoneyLink {
    pub a: usize,
    pub b: usize,
    pub overlap: f64,
}

/// One report's linking token: an entity and how many transfer hops from the report it is (0: named directly).
type Token = (u32, u8);

/// When each report's money first reached each account it reached by transfers (not named, not paid directly).
type Arrivals = HashMap<(u32, u32), i64>;

/// Every report's tokens (its mentions, then accounts reached downstream of its payments), and the groups of
/// accounts reached from one payment at one hop (they belong to one laundering pool: the L2s one L1 drains into).
///
/// Each hop leaves an account within `window` after the money arrived there. Through a relay (`relayed`: an account
/// forwarding money for many unrelated payers) only the payout that passes the arriving amount on is followed (see
/// [`Relays::passed_on`]): the relay's other payouts carry other people's money; through a
/// collector (a desk's card sweeping its takings) nothing is. The card a relay paid a victim's payment on to counts
/// as paid by the victim (named, hop 0). With `withdrawals_end`, money withdrawn or spent (see
/// [`GangGraph::leaves_accounts`]) is followed no further and its receiver (an ATM terminal, a shop) is no token:
/// many gangs' mules withdraw at one terminal. With `track_arrivals` (only a finite meet window needs them), when each
/// report's money first reached each account.
fn tokens(
    graph: &GangGraph,
    hops: usize,
    window: i64,
    relayed: &Relays,
    withdrawals_end: bool,
    track_arrivals: bool,
) -> (Vec<Vec<Token>>, Vec<Vec<u32>>, Arrivals) {
    let mut groups: Vec<Vec<u32>> = Vec::new();
    let mut arrivals = Arrivals::new();
    let toks = (0..graph.report_count())
        .map(|r| {
            let mut out: Vec<Token> = graph.mentions(r).iter().map(|&e| (e, 0)).collect();
            let mut best: BTreeMap<u32, u8> = graph.mentions(r).iter().map(|&e| (e, 0)).collect();
            for p in graph.payments(r) {
                // (account, when the money arrived, how much arrived)
                let mut frontier: Vec<(u32, i64, i64)> = vec![(p.account, p.at, p.amount_fen)];
                // A victim who paid a relay (a payment platform in front of the gang's card) paid the card the relay
                // passed the amount on to: it counts as named by the report, like a card paid directly.
                if let Some(o) = relayed.payout(graph, p, window) {
                    frontier = vec![(o.to, o.at, o.amount_fen)];
                    if best.insert(o.to, 0).is_none_or(|h| h > 0) {
                        out.push((o.to, 0));
                    }
                }
                let mut reached: Vec<u32> = Vec::new();
                for hop in 1..=hops {
                    let mut next: BTreeMap<u32, (i64, i64)> = BTreeMap::new();
                    for &(x, tx, amount) in &frontier {
                        let stays = |o: &&OutTransfer| !(withdrawals_end && graph.leaves_accounts(o));
                        for o in relayed.carried_on(graph, x, tx, amount, window).into_iter().filter(stays) {
                            let t = next.entry(o.to).or_insert((o.at, o.amount_fen));
                            if o.at < t.0 {
                                *t = (o.at, o.amount_fen);
                            }
                        }
                    }
                    next.retain(|e, _| best.get(e).is_none_or(|&h| h as usize >= hop));
                    for (&e, &(t, _)) in next.iter().filter(|_| track_arrivals) {
                        let at = arrivals.entry((r as u32, e)).or_insert(t);
                        *at = (*at).min(t);
                    }
                    reached.extend(next.keys().copied().filter(|&e| !relayed.relay(e)));
                    for &e in next.keys() {
                        best.entry(e).or_insert(hop as u8);
                    }
                    frontier = next.into_iter().map(|(e, (t, a))| (e, t, a)).collect();
                }
                if reached.len() > 1 {
                    groups.push(reached);
                }
            }
            out.extend(best.into_iter().filter(|&(_, h)| h > 0));
            out
        })
        .collect();
    (toks, groups, arrivals)
}

/// Entity → (report, hop) lists, grouped: `(entity, reports)` in entity order, each report once with its lowest hop.
fn invert(tokens: &[Vec<Token>]) -> Vec<(u32, Vec<(u32, u8)>)> {
    let mut triples: Vec<(u32, u32, u8)> = Vec::new();
    for (r, ts) in tokens.iter().enumerate() {
        triples.extend(ts.iter().map(|&(e, h)| (e, r as u32, h)));
    }
    triples.sort_unstable();
    let mut out: Vec<(u32, Vec<(u32, u8)>)> = Vec::new();
    for (e, r, h) in triples {
        match out.last_mut() {
            Some((last, list)) if *last == e => {
                if list.last().is_none_or(|&(lr, _)| lr != r) {
                    list.push((r, h));
                }
            }
            _ => out.push((e, vec![(r, h)])),
        }
    }
    out
}

/// A small union-find over report indices.
struct Dsu(Vec<u32>);

impl Dsu {
    fn new(n: usize) -> Dsu {
        Dsu((0..n as u32).collect())
    }
    fn find(&mut self, x: u32) -> u32 {
        let mut root = x;
        while self.0[root as usize] != root {
            root = self.0[root as usize];
        }
        let mut cur = x;
        while self.0[cur as usize] != root {
            let next = self.0[cur as usize];
            self.0[cur as usize] = root;
            cur = next;
        }
        root
    }
    fn union(&mut self, a: u32, b: u32) {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra != rb {
            let (lo, hi) = if ra < rb { (ra, rb) } else { (rb, ra) };
            self.0[hi as usize] = lo;
        }
    }
}

/// Judges every directly named identifier (allow-list, supernode cap, per-kind degree outliers with diverse
/// reports); identifiers reached only through money are capped as supernodes.
fn find_hubs(
    graph: &GangGraph,
    inverted: &[(u32, Vec<(u32, u8)>)],
    params: &HubParams,
    policy: &HubPolicy,
) -> Vec<Hub> {
    let mut by_kind: BTreeMap<EntityKind, Vec<(u32, KeyStats)>> = BTreeMap::new();
    let mut hubs = Vec::new();
    for (e, list) in inverted {
        let direct: Vec<u32> = list.iter().filter(|&&(_, h)| h == 0).map(|&(r, _)| r).collect();
        if direct.is_empty() {
            // Reached only through money: judged as a laundering service, or capped as a supernode.
            if list.len() > params.max_link_degree {
                hubs.push(Hub {
                    key: graph.key(*e).to_string(),
                    kind: graph.kind(*e),
                    degree: list.len(),
                    reason: HubReason::Supernode { cap: params.max_link_degree },
                    overridden: policy.forced(graph.key(*e)),
                });
            }
            continue;
        }
        let degree = direct.len();
        let reports = direct;
        let types: BTreeSet<_> = reports.iter().map(|&r| graph.report(r as usize).fraud_type).collect();
        let (lo, hi) = reports
            .iter()
            .map(|&r| graph.report(r as usize).time)
            .fold((i64::MAX, i64::MIN), |(lo, hi), t| (lo.min(t), hi.max(t)));
        let span_days = if hi >= lo { (hi - lo) as f64 / DAY } else { 0.0 };
        by_kind.entry(graph.kind(*e)).or_default().push((*e, KeyStats { degree, fraud_types: types.len(), span_days }));
    }
    for entries in by_kind.values() {
        let degrees: Vec<usize> = entries.iter().map(|(_, s)| s.degree).collect();
        let z = robust_z(&degrees, params.min_spread);
        for ((e, stats), z) in entries.iter().zip(z) {
            let key = graph.key(*e);
            if let Some(reason) = judge(key, stats, z, params, policy) {
                hubs.push(Hub {
                    key: key.to_string(),
                    kind: graph.kind(*e),
                    degree: stats.degree,
                    reason,
                    overridden: policy.forced(key),
                });
            }
        }
    }
    hubs.sort_by(|a, b| b.degree.cmp(&a.degree).then_with(|| a.key.cmp(&b.key)));
    hubs
}

/// Adds every relay (see [`RelayParams`]) that is not a hub already; its degree is the
/// number of reports whose tokens reach it. Hubs stay sorted by decreasing degree, then key.
fn add_relays(
    graph: &GangGraph,
    inverted: &[(u32, Vec<(u32, u8)>)],
    relays: Vec<(u32, RelayFlow)>,
    policy: &HubPolicy,
    hubs: &mut Vec<Hub>,
) {
    let known: BTreeSet<String> = hubs.iter().map(|h| h.key.clone()).collect();
    for (e, flow) in relays {
        let key = graph.key(e);
        if known.contains(key) {
            continue;
        }
        let degree = inverted.binary_search_by_key(&e, |(x, _)| *x).map_or(0, |i| inverted[i].1.len());
        hubs.push(Hub {
            key: key.to_string(),
            kind: graph.kind(e),
            degree,
            reason: HubReason::Relay {
                sources: flow.sources,
                destinations: flow.destinations,
                active_days: flow.active_days,
                median_dwell_hours: flow.median_dwell_hours,
                pass_through: flow.pass_through,
            },
            overridden: policy.forced(key),
        });
    }
    hubs.sort_by(|a, b| b.degree.cmp(&a.degree).then_with(|| a.key.cmp(&b.key)));
}

/// Clusters the graph's reports into gangs. `previous` holds last run's clusters (for stable ids; may be empty).
///
/// Steps: (1) tokens per report (named identifiers, and accounts up to `money_hops` transfers downstream of its
/// payments, time-respecting); (2) hubs (see [`HubPolicy`], [`HubParams`]), relays (accounts passing on money for many
/// unrelated payers over a long life, see [`RelayParams`]) and partial cards never link;
/// (3) communities of the identifier-only graph (connected components); downstream accounts fed from the same
/// payment form laundering pools; a pool whose reports fall into `service_min_communities` or more of those
/// communities is a laundering service if it keeps a commission (`service_min_commission`) or if more than
/// `service_min_communities` of them hold `service_min_community_size` reports and it does not pass the money on in
/// full; services do not link reports;
/// (4) the weighted report graph: every pair of reports sharing a kept entity of report degree d gets weight
/// 1/log2(1+d) × money_weight^hop × τ/(τ+Δdays), summed over entities, plus the attributed-money links (each
/// report's money traced on to where it ends, through services included; reports whose end accounts overlap by
/// `money_link_min_share` are linked with `money_link_weight`, see [`GangParams::money_link_min_share`]);
/// (5) connected components (first cut) and seeded Leiden; (6) stable ids.
pub fn cluster_gangs(
    graph: &GangGraph,
    params: &GangParams,
    policy: &HubPolicy,
    previous: &[PreviousCluster],
) -> Result<GangClustering> {
    params.check()?;
    let n = graph.report_count();
    let relays = find_relays(graph, &params.relays);
    let relayed = Relays::of_found(&relays, |e| !policy.forced(graph.key(e)));
    let meet = params.money_meet_window_secs < i64::MAX;
    let (toks, groups, arrivals) = tokens(graph, params.money_hops, params.hop_window_secs, &relayed, true, meet);
    let inverted = invert(&toks);
    let mut hubs = find_hubs(graph, &inverted, &params.hubs, policy);
    add_relays(graph, &inverted, relays, policy, &mut hubs);
    let excluded_hub: BTreeSet<&str> = hubs.iter().filter(|h| !h.overridden).map(|h| h.key.as_str()).collect();
    let linkable = |e: u32| graph.kind(e) != EntityKind::PartialCard && !excluded_hub.contains(graph.key(e));

    // Communities of the identifier-only graph (named identifiers, no downstream money).
    let mut base = Dsu::new(n);
    for (e, list) in &inverted {
        if !linkable(*e) {
            continue;
        }
        let direct: Vec<u32> = list.iter().filter(|&&(_, h)| h == 0).map(|&(r, _)| r).collect();
        for w in direct.windows(2) {
            base.union(w[0], w[1]);
        }
    }
    let mut comm_size: BTreeMap<u32, usize> = BTreeMap::new();
    for r in 0..n as u32 {
        *comm_size.entry(base.find(r)).or_default() += 1;
    }
    // Laundering pools: the accounts downstream of one payment are one pool; a pool whose reports fall into several
    // identifier communities, and that keeps a commission or spans several sizeable ones, is a service.
    let mut pools = Dsu::new(graph.entity_count());
    for g in &groups {
        for w in g.windows(2) {
            pools.union(w[0], w[1]);
        }
    }
    let mut pool_reports: BTreeMap<u32, BTreeSet<u32>> = BTreeMap::new();
    for (e, list) in &inverted {
        if !linkable(*e) || list.iter().all(|&(_, h)| h == 0) {
            continue;
        }
        pool_reports.entry(pools.find(*e)).or_default().extend(list.iter().map(|&(r, _)| r));
    }
    // Money crossing each pool's boundary: what it keeps is its commission. A cash-out (ATM, cash, crypto) leaves the
    // pool's accounts even when its sink was reached within the hops and joined the pool: a gang cashing its money
    // out keeps none of it in accounts (counted as kept, the share withdrawn in crypto read as a 4–8% commission).
    let mut money_in: BTreeMap<u32, (i64, i64)> = BTreeMap::new();
    for from in 0..graph.entity_count() as u32 {
        let from_pool = pool_reports.contains_key(&pools.find(from)).then(|| pools.find(from));
        for o in graph.transfers_from(from) {
            let to_pool = pools.find(o.to);
            let leaves = graph.leaves_accounts(o);
            if Some(to_pool) != from_pool && !leaves && pool_reports.contains_key(&to_pool) {
                money_in.entry(to_pool).or_default().0 += o.amount_fen;
            }
            if let Some(fp) = from_pool.filter(|&fp| fp != to_pool || leaves) {
                money_in.entry(fp).or_default().1 += o.amount_fen;
            }
        }
    }
    let mut service_pools: BTreeSet<u32> = BTreeSet::new();
    for (&pool, reports) in &pool_reports {
        let comms: BTreeSet<u32> = reports.iter().map(|&r| base.find(r)).collect();
        let sizeable = comms.iter().filter(|c| comm_size[c] >= params.service_min_community_size).count();
        let (inflow, outflow) = money_in.get(&pool).copied().unwrap_or_default();
        let kept = if inflow > 0 { (inflow - outflow) as f64 / inflow as f64 } else { 0.0 };
        let spans = comms.len() >= params.service_min_communities;
        let commission = (params.service_min_commission..=params.service_max_commission).contains(&kept);
        // Money passed on in full is a gang moving its own money, however many communities it joins; the
        // spread-only rule is for pools whose commission cannot be read (no inflow seen, or the money stays).
        let passes_in_full = inflow > 0 && kept < params.service_min_commission;
        if spans && (commission || (!passes_in_full && sizeable > params.service_min_communities)) {
            service_pools.insert(pool);
        }
    }
    // A downstream account that no report names, reached by the money of reports of `service_spread_communities`
    // or more separate identifier communities, is shared (a desk, a service's card) whatever its pool keeps.
    let mut spread = |list: &[(u32, u8)]| {
        list.iter().all(|&(_, h)| h > 0)
            && list.iter().map(|&(r, _)| base.find(r)).collect::<BTreeSet<u32>>().len()
                >= params.service_spread_communities
    };
    let mut services: BTreeSet<u32> = inverted
        .iter()
        .filter(|(e, list)| linkable(*e) && (service_pools.contains(&pools.find(*e)) || spread(list)))
        .map(|(e, _)| *e)
        .collect();
    let mut money = attributed_money(graph, &toks, &services, &excluded_hub, &relayed, params, policy)?;
    // A pool whose money leaves it for separate owners is a service, whatever it keeps: the money of one identifier
    // community ends in accounts where no other community's does (a 跑分 pool paying each client gang's backer back,
    // even at no commission), while a gang's own pool carries all its communities' money to the same backer. An end
    // account that a service already found pays, and the judged pool does not, is where that service put the money
    // (the service's own wallets, a client's backer): it says nothing about the pools upstream of the service (a
    // gang whose own cards pass its money on to a service keeping it in several wallets).
    let community: Vec<u32> = (0..n as u32).map(|r| base.find(r)).collect();
    let terminal_of: BTreeMap<u32, usize> =
        money.terminals.iter().enumerate().filter_map(|(i, t)| graph.entity(&t.key).map(|e| (e, i))).collect();
    // Terminal -> (paid by a service's account, the pools of its payers).
    let mut payers: BTreeMap<usize, (bool, BTreeSet<u32>)> = BTreeMap::new();
    for from in 0..graph.entity_count() as u32 {
        for o in graph.transfers_from(from) {
            if let Some(&t) = terminal_of.get(&o.to) {
                let p = payers.entry(t).or_default();
                p.0 |= services.contains(&from);
                p.1.insert(pools.find(from));
            }
        }
    }
    let owner = |t: usize, pool: u32| payers.get(&t).is_none_or(|(service, pools)| !service || pools.contains(&pool));
    let diverging = diverging_pools(&pool_reports, &service_pools, &community, &money, &owner);
    if !diverging.is_empty() {
        let added: BTreeSet<u32> = inverted
            .iter()
            .filter(|(e, list)| linkable(*e) && list.iter().any(|&(_, h)| h > 0) && diverging.contains(&pools.find(*e)))
            .map(|(e, _)| *e)
            .filter(|e| !services.contains(e))
            .collect();
        let keys: BTreeMap<&str, u32> = added.iter().map(|&e| (graph.key(e), e)).collect();
        let (now_service, terminals) =
            std::mem::take(&mut money.terminals).into_iter().partition(|t| keys.contains_key(t.key.as_str()));
        money.terminals = terminals;
        money.service_ends.extend(now_service.into_iter().map(|t: MoneyTerminal| (keys[t.key.as_str()], t.reports)));
        money.service_ends.sort_unstable_by_key(|&(e, _)| e);
        services.extend(added);
    }

    // The weighted report graph.
    let mut edges: Vec<(usize, usize, f64)> = Vec::new();
    for (e, list) in &inverted {
        if list.len() < 2 || !linkable(*e) || services.contains(e) {
            continue;
        }
        let spec = 1.0 / (1.0 + list.len() as f64).log2();
        for (i, &(a, ha)) in list.iter().enumerate() {
            for &(b, hb) in &list[i + 1..] {
                // Money of two reports that reached a shared account only by transfers links them only if it got
                // there within `money_meet_window_secs` of each other: an account that received one in October and
                // the other in January served two operations (a desk's, a service's card), not one gang's flow.
                if ha > 0
                    && hb > 0
                    && let (Some(ta), Some(tb)) = (arrivals.get(&(a, *e)), arrivals.get(&(b, *e)))
                    && (ta - tb).abs() > params.money_meet_window_secs
                {
                    continue;
                }
                let dt = (graph.report(a as usize).time - graph.report(b as usize).time).unsigned_abs() as f64 / DAY;
                let time = params.time_scale_days / (params.time_scale_days + dt);
                let hop = params.money_weight.powi(i32::from(ha.max(hb)));
                edges.push((a as usize, b as usize, spec * hop * time));
            }
        }
    }
    let mut pieces = Dsu::new(n);
    for &(a, b, _) in &edges {
        pieces.union(a as u32, b as u32);
    }
    let group: Vec<u32> = (0..n as u32).map(|r| pieces.find(r)).collect();
    let money_links = money_links(&money, params, &group);
    // Attributed money is weak evidence (pooled accounts make attribution uncertain): each report's money links sum
    // to at most about `money_link_weight`, so they join pieces nothing else joins without outweighing shared
    // identifiers (at full weight, modularity cut large gangs along the money).
    let mut money_degree = vec![0usize; n];
    for l in &money_links {
        money_degree[l.a] += 1;
        money_degree[l.b] += 1;
    }
    for l in &money_links {
        let dt = (graph.report(l.a).time - graph.report(l.b).time).unsigned_abs() as f64 / DAY;
        let time = params.time_scale_days / (params.time_scale_days + dt);
        let degree = money_degree[l.a].max(money_degree[l.b]) as f64;
        edges.push((l.a, l.b, params.money_link_weight * l.overlap * time / degree));
    }
    let csr = CsrGraph::from_edges(n, edges)?;
    let components = connected_components(&csr);
    let partition = if n == 0 {
        Partition::from_labels::<u32>(&[])?
    } else {
        let leiden = LeidenParams { resolution: params.resolution, seed: params.seed, max_passes: 100 }.check()?;
        let mut labels = leiden.detect(&csr)?.membership().to_vec();
        merge_dense(&mut labels, &csr, params.merge_min_density);
        let pool_of: Vec<u32> = (0..graph.entity_count() as u32).map(|e| pools.find(e)).collect();
        let unit = |e: u32| if inverted_is_named(&inverted, e) { e } else { pool_of[e as usize] };
        let paid_back = paid_back_by_services(&labels, &money, &pool_of, &pool_reports, params);
        let evidence = |e| linkable(e) && !services.contains(&e);
        merge_by_evidence(&mut labels, &inverted, &evidence, &unit, &paid_back, params);
        join_by_money(&mut labels, &money, params);
        // The accounts a service paid its clients back to are the clients' own: shown as where their money ends (the
        // evidence `clusters explain` follows), not as the service's.
        for p in &paid_back {
            services.remove(&p.account);
            if let Ok(i) = money.service_ends.binary_search_by_key(&p.account, |&(e, _)| e) {
                let reports = money.service_ends[i].1.clone();
                money.terminals.push(MoneyTerminal { key: graph.key(p.account).to_string(), reports });
            }
        }
        Partition::from_labels(&labels)?
    };
    let modularity = if csr.total_weight() > 0.0 { modularity(&csr, &partition, params.resolution)? } else { 0.0 };

    let groups = partition.communities();
    let names: Vec<Vec<&str>> =
        groups.iter().map(|g| g.iter().map(|&r| graph.report(r).report_id.as_str()).collect()).collect();
    let ids = match_stable_ids(previous, &names, params.stable_min_jaccard);
    let membership = partition.membership().to_vec();
    let clusters: Vec<GangCluster> =
        groups.into_iter().zip(&ids).map(|(reports, &id)| GangCluster { id, reports }).collect();

    let service_clusters = service_clusters(graph, &toks, &services, &membership, &clusters);
    Ok(GangClustering {
        clusters,
        membership,
        components,
        hubs,
        services: service_clusters,
        modularity,
        report_edges: csr.edge_count(),
        money_traced_reports: money.traced,
        money_terminals: money.terminals,
        money_links,
    })
}

/// Joins clusters that modularity cut apart although they hold together densely: from the densest pair down,
/// two clusters merge while the weight of the links between them, per pair of their reports, is at least
/// `min_density` (the Constant Potts Model's rule: merging gains w(A, B) − γ·|A|·|B| > 0, whatever the rest of the
/// graph weighs). Modularity compares a cluster's links with what the whole graph's weight predicts, so it splits a
/// gang that holds a large share of the graph along its quieter months (a gang of 90 reports in a district of 350
/// came out in three pieces still sharing its app, its sites and its devices); a weak bridge between two gangs (one
/// shared account of a few of their reports) is far below the threshold and stays cut. 0 disables.
fn merge_dense(labels: &mut [u32], csr: &CsrGraph, min_density: f64) {
    if min_density <= 0.0 || labels.is_empty() {
        return;
    }
    let count = labels.iter().map(|&c| c as usize + 1).max().unwrap_or(0);
    let mut dsu = Dsu::new(count);
    let mut size = vec![0f64; count];
    for &c in labels.iter() {
        size[c as usize] += 1.0;
    }
    loop {
        // Weight between the current clusters (roots), each pair once.
        let mut between: BTreeMap<(u32, u32), f64> = BTreeMap::new();
        for (u, v, w) in csr.edges() {
            let (a, b) = (dsu.find(labels[u]), dsu.find(labels[v]));
            if a != b {
                *between.entry((a.min(b), a.max(b))).or_default() += w;
            }
        }
        let mut dense: Vec<(f64, u32, u32)> = between
            .into_iter()
            .map(|((a, b), w)| (w / (size[a as usize] * size[b as usize]), a, b))
            .filter(|&(d, _, _)| d >= min_density)
            .collect();
        if dense.is_empty() {
            break;
        }
        // Densest first (ties: lower ids); a cluster merges once a round, then the weights are recounted.
        dense.sort_by(|x, y| y.0.total_cmp(&x.0).then(x.1.cmp(&y.1)).then(x.2.cmp(&y.2)));
        let mut touched = vec![false; count];
        for (_, a, b) in dense {
            if touched[a as usize] || touched[b as usize] {
                continue;
            }
            touched[a as usize] = true;
            touched[b as usize] = true;
            dsu.union(a, b);
            let root = dsu.find(a);
            size[root as usize] = size[a as usize] + size[b as usize];
        }
    }
    for c in labels.iter_mut() {
        *c = dsu.find(*c);
    }
}

/// Whether a report names entity `e` (else money reaches it, or nothing does).
fn inverted_is_named(inverted: &[(u32, Vec<(u32, u8)>)], e: u32) -> bool {
    inverted.binary_search_by_key(&e, |(x, _)| *x).is_ok_and(|i| inverted[i].1.iter().any(|&(_, h)| h == 0))
}

/// Joins clusters that share at least `merge_min_evidence` independent pieces of evidence: distinct linkable
/// identifiers named by reports of both, distinct laundering pools their money reached, or a service's account that
/// paid both back (`paid_back`, see [`paid_back_by_services`]); the accounts of one pool count once: they are one
/// piece of evidence. A gang whose phones, apps and cards turn over keeps a few of them
/// across the change, while two gangs joined through an identifier that should have been a hub share that one. Only
/// entities whose reports fall in at most `MAX_EVIDENCE_CLUSTERS` of Leiden's clusters count (one in more is
/// hub-like).
fn merge_by_evidence(
    labels: &mut [u32],
    inverted: &[(u32, Vec<(u32, u8)>)],
    linkable: &dyn Fn(u32) -> bool,
    unit: &dyn Fn(u32) -> u32,
    paid_back: &[PaidBack],
    params: &GangParams,
) {
    if params.merge_min_evidence == 0 || labels.is_empty() {
        return;
    }
    let count = labels.iter().map(|&c| c as usize + 1).max().unwrap_or(0);
    let mut dsu = Dsu::new(count);
    // Hub-like entities are judged once, on Leiden's clusters: as clusters merge, an identifier shared by many of
    // them would otherwise come to span few and start counting (merges feeding merges).
    let evidence: Vec<&(u32, Vec<(u32, u8)>)> = inverted
        .iter()
        .filter(|(e, list)| {
            list.len() >= 2
                && linkable(*e)
                && list.iter().map(|&(r, _)| labels[r as usize]).collect::<BTreeSet<u32>>().len()
                    <= MAX_EVIDENCE_CLUSTERS
        })
        .collect();
    loop {
        // (cluster a, cluster b) -> the evidence units they share.
        let mut shared: BTreeMap<(u32, u32), BTreeSet<u32>> = BTreeMap::new();
        for (e, list) in evidence.iter().copied() {
            let clusters: BTreeSet<u32> = list.iter().map(|&(r, _)| dsu.find(labels[r as usize])).collect();
            share(&mut shared, &clusters, unit(*e));
        }
        for p in paid_back {
            let clusters: BTreeSet<u32> = p.owners.iter().map(|&c| dsu.find(c)).collect();
            share(&mut shared, &clusters, unit(p.account));
        }
        let mut merged = false;
        for ((a, b), units) in shared {
            if units.len() >= params.merge_min_evidence && dsu.find(a) != dsu.find(b) {
                dsu.union(a, b);
                merged = true;
            }
        }
        if !merged {
            break;
        }
    }
    for c in labels.iter_mut() {
        *c = dsu.find(*c);
    }
}

/// Records evidence `unit` as shared by every pair of `clusters` (in ascending order, each pair once).
fn share(shared: &mut BTreeMap<(u32, u32), BTreeSet<u32>>, clusters: &BTreeSet<u32>, unit: u32) {
    for (i, &a) in clusters.iter().enumerate() {
        for &b in clusters.iter().skip(i + 1) {
            shared.entry((a, b)).or_default().insert(unit);
        }
    }
}

/// Clusters sharing an identifier or a money pool with this many clusters or fewer may count it as evidence; one shared
/// by more is hub-like.
const MAX_EVIDENCE_CLUSTERS: usize = 4;

/// A service's account that pays a few clusters back (see [`paid_back_by_services`]).
struct PaidBack {
    /// The account (entity id; one of [`AttributedMoney::service_ends`]).
    account: u32,
    /// The clusters (Leiden's labels) it is a main end account of.
    owners: Vec<u32>,
}

/// Accounts of laundering services where the money of a few of Leiden's clusters (`labels`) ends, and nobody
/// else's: where a service paid its clients back (their backer). Each such account, with the clusters it is a main
/// end account of (holding at least [`MAIN_END_SHARE`] of the cluster's money that ends in accounts, a service's
/// included), is evidence for [`merge_by_evidence`] (one piece per pool), when those clusters are 2 to
/// [`MAX_EVIDENCE_CLUSTERS`], hold at least `money_link_min_share` of all the money ending there, and are fewer than
/// the clusters whose money reached the account's pool (`pool_of` each account's pool, `pool_reports` the reports
/// whose money reached each pool).
///
/// Services are held apart from linking because their accounts carry many clients' money. But a service pays each
/// client back to the client's own account: a gang cut in two (two campaigns, one after the other, with new phones
/// and cards) still has its money paid back to one backer, which the shared service accounts upstream of it do not
/// show. A service that keeps the money mixes its clients' money in its own accounts: none of them ends the money of
/// fewer clusters than reached its pool.
fn paid_back_by_services(
    labels: &[u32],
    money: &AttributedMoney,
    pool_of: &[u32],
    pool_reports: &BTreeMap<u32, BTreeSet<u32>>,
    params: &GangParams,
) -> Vec<PaidBack> {
    if money.service_ends.is_empty() {
        return Vec::new();
    }
    let mut ending: BTreeMap<u32, f64> = BTreeMap::new();
    for (r, &c) in labels.iter().enumerate() {
        *ending.entry(c).or_default() += money.victim[r] as f64 * money.ended[r];
    }
    let mut out = Vec::new();
    for (account, reports) in &money.service_ends {
        let mut at: BTreeMap<u32, f64> = BTreeMap::new();
        for &(r, share) in reports {
            *at.entry(labels[r]).or_default() += share * money.victim[r] as f64;
        }
        let total: f64 = at.values().sum();
        let owners: Vec<u32> =
            at.iter().filter(|&(c, &fen)| fen > 0.0 && fen >= MAIN_END_SHARE * ending[c]).map(|(&c, _)| c).collect();
        let owned: f64 = owners.iter().map(|c| at[c]).sum();
        let clients: BTreeSet<u32> =
            pool_reports.get(&pool_of[*account as usize]).into_iter().flatten().map(|&r| labels[r as usize]).collect();
        if (2..=MAX_EVIDENCE_CLUSTERS).contains(&owners.len())
            && owned >= params.money_link_min_share * total
            && clients.len() > owners.len()
        {
            out.push(PaidBack { account: *account, owners });
        }
    }
    out
}

/// Report pairs whose end-account shares overlap enough (see [`GangParams::money_link_min_share`]), by (a, b);
/// `held`: each report's share of its money ending in linkable accounts.
///
/// A link between two reports of different groups (`group`: the components of the report graph without money
/// links) must also be backed by the groups' money as a whole, not by one report's share, which pooled accounts
/// may have mis-attributed: Σ over the shared end accounts of the smaller of the two groups' shares there (money of
/// the group's reports ending there / their money that ends in accounts; `victim`: each report's traced money) ≥
/// `money_link_min_group_share`.
fn money_links(money: &AttributedMoney, params: &GangParams, group: &[u32]) -> Vec<MoneyLink> {
    let AttributedMoney { terminals, victim, held, .. } = money;
    // Each group's money that ends in accounts (cash-outs count against a group's link no more than a report's).
    let mut group_fen: BTreeMap<u32, f64> = BTreeMap::new();
    for (r, &v) in victim.iter().enumerate() {
        *group_fen.entry(group[r]).or_default() += v as f64 * held[r];
    }
    // (group, terminal) -> the group's share of its money ending in accounts that ends there.
    let mut at: BTreeMap<(u32, usize), f64> = BTreeMap::new();
    for (ti, t) in terminals.iter().enumerate() {
        for &(r, share) in &t.reports {
            *at.entry((group[r], ti)).or_default() += share * victim[r] as f64 / group_fen[&group[r]].max(1.0);
        }
    }
    let mut overlap: BTreeMap<(usize, usize), (f64, f64)> = BTreeMap::new();
    for (ti, t) in terminals.iter().enumerate() {
        for (i, &(a, sa)) in t.reports.iter().enumerate() {
            for &(b, sb) in &t.reports[i + 1..] {
                let o = overlap.entry((a.min(b), a.max(b))).or_default();
                o.0 += sa.min(sb);
                o.1 += at[&(group[a], ti)].min(at[&(group[b], ti)]);
            }
        }
    }
    overlap
        .into_iter()
        .filter(|&((a, b), (o, backed))| {
            let of_held = o / held[a].min(held[b]).max(f64::MIN_POSITIVE);
            o >= params.money_link_min_common
                && of_held >= params.money_link_min_share
                && (group[a] == group[b] || backed >= params.money_link_min_group_share)
        })
        .map(|((a, b), (overlap, _))| MoneyLink { a, b, overlap })
        .collect()
}

/// Joins clusters whose money ends in another cluster's accounts, which pairwise money links miss when a gang's
/// money is spread over its backer's accounts in different proportions report by report.
///
/// An end account is a cluster's when that cluster holds at least `money_link_min_share` of all the money ending
/// there (the judged cluster's included). From the smallest up, a cluster joins a cluster at least its size when, of
/// its money ending in accounts, at least `money_link_min_share` ends in that cluster's accounts, that is at least
/// `money_link_min_common` of all its traced money, and those accounts hold at least `money_link_min_group_share` of
/// the other cluster's money that ends in accounts (one of its reports whose money a pooled account mis-attributed
/// does not make the accounts its). A report whose money a pooled account attributes partly to another gang's accounts stays where
/// it is unless that part is nearly all of it.
fn join_by_money(labels: &mut [u32], money: &AttributedMoney, params: &GangParams) {
    if params.money_link_min_share <= 0.0 || money.terminals.is_empty() {
        return;
    }
    let count = labels.iter().map(|&c| c as usize + 1).max().unwrap_or(0);
    let mut size = vec![0usize; count];
    // Each cluster's traced money, and the part of it that ends in accounts.
    let mut victim = vec![0f64; count];
    let mut ending = vec![0f64; count];
    for (r, &c) in labels.iter().enumerate() {
        size[c as usize] += 1;
        victim[c as usize] += money.victim[r] as f64;
        ending[c as usize] += money.victim[r] as f64 * money.held[r];
    }
    // Money (fen) per terminal and cluster, and per cluster and terminal.
    let mut by_terminal: Vec<BTreeMap<u32, f64>> = vec![BTreeMap::new(); money.terminals.len()];
    let mut by_cluster: Vec<BTreeMap<usize, f64>> = vec![BTreeMap::new(); count];
    for (t, term) in money.terminals.iter().enumerate() {
        for &(r, share) in &term.reports {
            let fen = share * money.victim[r] as f64;
            *by_terminal[t].entry(labels[r]).or_default() += fen;
            *by_cluster[labels[r] as usize].entry(t).or_default() += fen;
        }
    }
    let mut into: Vec<u32> = (0..count as u32).collect();
    let mut order: Vec<u32> = (0..count as u32).filter(|&c| !by_cluster[c as usize].is_empty()).collect();
    order.sort_unstable_by_key(|&c| (size[c as usize], c));
    for s in order {
        let held: f64 = by_cluster[s as usize].values().sum();
        if held <= 0.0 || held < params.money_link_min_common * victim[s as usize] {
            continue;
        }
        // Owner cluster -> (this cluster's money in its accounts, the owner's money there).
        let mut owned: BTreeMap<u32, (f64, f64)> = BTreeMap::new();
        for (&t, &fen) in &by_cluster[s as usize] {
            let others = by_terminal[t].iter().filter(|&(&c, _)| c != s);
            let total: f64 = others.clone().map(|(_, f)| f).sum();
            let top = others.max_by(|a, b| a.1.total_cmp(b.1).then(b.0.cmp(a.0)));
            let owner = top.filter(|&(_, &f)| f >= params.money_link_min_share * (total + fen));
            if let Some((&c, &f)) = owner {
                let o = owned.entry(c).or_default();
                o.0 += fen;
                o.1 += f;
            }
        }
        let best = owned.into_iter().max_by(|a, b| a.1.0.total_cmp(&b.1.0).then(b.0.cmp(&a.0)));
        let Some((c, (fen, theirs))) = best else { continue };
        if fen < params.money_link_min_share * held
            || theirs < params.money_link_min_group_share * ending[c as usize]
            || size[c as usize] < size[s as usize]
        {
            continue;
        }
        into[s as usize] = c;
        size[c as usize] += size[s as usize];
        victim[c as usize] += victim[s as usize];
        ending[c as usize] += ending[s as usize];
        for (t, fen) in std::mem::take(&mut by_cluster[s as usize]) {
            by_terminal[t].remove(&s);
            *by_terminal[t].entry(c).or_default() += fen;
            *by_cluster[c as usize].entry(t).or_default() += fen;
        }
    }
    for label in labels.iter_mut() {
        let mut c = *label;
        while into[c as usize] != c {
            c = into[c as usize];
        }
        *label = c;
    }
}

/// Share of a community's money ending in accounts that makes an end account one of its main ones.
const MAIN_END_SHARE: f64 = 0.25;

/// Pools (not services already) whose reports fall into several identifier communities (`community`) that end their
/// attributed money in separate accounts: joining communities that share a main end account (see
/// [`MAIN_END_SHARE`]) leaves at least two groups, each with money ending in accounts. Only the end accounts `owner`
/// (terminal index, pool) allows for the pool count.
fn diverging_pools(
    pool_reports: &BTreeMap<u32, BTreeSet<u32>>,
    service_pools: &BTreeSet<u32>,
    community: &[u32],
    money: &AttributedMoney,
    owner: &dyn Fn(usize, u32) -> bool,
) -> BTreeSet<u32> {
    // Each report's end accounts (indices into the terminals) and the money (fen) its trace ends there.
    let mut ends: BTreeMap<u32, Vec<(usize, f64)>> = BTreeMap::new();
    for (t, term) in money.terminals.iter().enumerate() {
        for &(r, share) in &term.reports {
            ends.entry(r as u32).or_default().push((t, share * money.victim[r] as f64));
        }
    }
    let mut out = BTreeSet::new();
    for (&pool, reports) in pool_reports {
        if service_pools.contains(&pool) {
            continue;
        }
        // Community -> its main end accounts in this pool's reports: those holding at least `MAIN_END_SHARE` of its
        // money that ends in accounts (pooled accounts smear small parts of one gang's money over another's).
        let mut money_at: BTreeMap<u32, BTreeMap<usize, f64>> = BTreeMap::new();
        for &r in reports {
            for &(t, fen) in ends.get(&r).into_iter().flatten().filter(|&&(t, _)| owner(t, pool)) {
                *money_at.entry(community[r as usize]).or_default().entry(t).or_default() += fen;
            }
        }
        let by_comm: BTreeMap<u32, BTreeSet<usize>> = money_at
            .into_iter()
            .map(|(c, at)| {
                let total: f64 = at.values().sum();
                (c, at.into_iter().filter(|&(_, f)| f >= MAIN_END_SHARE * total).map(|(t, _)| t).collect())
            })
            .filter(|(_, main): &(u32, BTreeSet<usize>)| !main.is_empty())
            .collect();
        if by_comm.len() < 2 {
            continue;
        }
        let comms: Vec<&BTreeSet<usize>> = by_comm.values().collect();
        let mut dsu = Dsu::new(comms.len());
        let mut owner: BTreeMap<usize, u32> = BTreeMap::new();
        for (i, ts) in comms.iter().enumerate() {
            for &t in ts.iter() {
                match owner.get(&t) {
                    Some(&j) => dsu.union(i as u32, j),
                    None => {
                        owner.insert(t, i as u32);
                    }
                }
            }
        }
        let groups: BTreeSet<u32> = (0..comms.len() as u32).map(|i| dsu.find(i)).collect();
        if groups.len() >= 2 {
            out.insert(pool);
        }
    }
    out
}

/// What [`attributed_money`] found.
struct AttributedMoney {
    /// Reports traced.
    traced: usize,
    /// End accounts of at least two reports.
    terminals: Vec<MoneyTerminal>,
    /// Each report's traced money, in fen (0: not traced).
    victim: Vec<i64>,
    /// Each report's share of its traced money ending in linkable accounts (from `money_link_min_end_share` each).
    held: Vec<f64>,
    /// Accounts of laundering services where the money of at least two reports ends (by entity, ascending), with
    /// each report's share there (from `money_link_min_end_share`): where a service paid its clients' money out, or
    /// keeps it.
    service_ends: Vec<(u32, Vec<(usize, f64)>)>,
    /// Each report's share of its traced money ending in accounts at all, a service's included.
    ended: Vec<f64>,
}

/// Attributed money: the money of every report with payments (with `money_link_services_only`, of those whose
/// money reached a laundering service) is traced on (by matched amounts where they explain enough of where it is
/// held, else with each of `money_link_methods`, shares averaged; up to
/// `money_link_horizon_secs` after its last payment, at most `money_link_max_nodes` trail nodes; the trail ends at
/// hubs, ATM withdrawals, cash and merchant purchases); an account still holding at least `money_link_min_end_share`
/// of the report's money is one of its end accounts. End accounts owned by a service or judged hubs never link:
/// besides the hubs already found, they are judged like named identifiers (allow-list, supernode cap, degree outliers
/// for their kind whose reports span many fraud types over a long time), with degree = reports sending it at least
/// half the linking share of their money.
fn attributed_money(
    graph: &GangGraph,
    toks: &[Vec<Token>],
    services: &BTreeSet<u32>,
    excluded_hub: &BTreeSet<&str>,
    relayed: &Relays,
    params: &GangParams,
    policy: &HubPolicy,
) -> Result<AttributedMoney> {
    let traced: Vec<usize> = (0..graph.report_count())
        .filter(|&r| {
            !graph.payments(r).is_empty()
                && (!params.money_link_services_only || toks[r].iter().any(|(e, _)| services.contains(e)))
        })
        .collect();
    if params.money_link_min_share <= 0.0 || traced.is_empty() {
        let n = graph.report_count();
        return Ok(AttributedMoney {
            traced: 0,
            terminals: Vec::new(),
            victim: vec![0; n],
            held: vec![0.0; n],
            service_ends: Vec::new(),
            ended: vec![0.0; n],
        });
    }
    let money = TransferGraph::from_gang_graph(graph);
    let mut ends: Vec<u32> =
        (0..graph.entity_count() as u32).filter(|&e| excluded_hub.contains(graph.key(e))).collect();
    ends.sort_unstable();
    // One set of trace parameters for every report: only the horizon (per report) and the method change.
    let mut tp = TraceParams::new(Method::ProRata);
    tp.max_depth = 16;
    tp.max_nodes = params.money_link_max_nodes;
    tp.end_accounts = ends;
    tp.match_tolerance = params.money_link_match_tolerance;
    tp.cash_out = LEAVES_ACCOUNTS.to_vec();
    let mut by_terminal: BTreeMap<u32, Vec<(usize, f64)>> = BTreeMap::new();
    let mut victim = vec![0i64; graph.report_count()];
    let mut held = vec![0f64; graph.report_count()];
    let mut by_service_end: BTreeMap<u32, Vec<(usize, f64)>> = BTreeMap::new();
    let mut ended = vec![0f64; graph.report_count()];
    // Each account's pairing of arrivals and payouts depends on its history only: built once for every report.
    let mut pairings = Pairings::new();
    for &r in &traced {
        let pays = graph.payments(r);
        // A payment to a relay is traced from the relay's payout that passed it on (the trace ends at relays).
        let seeds: Vec<u32> = pays
            .iter()
            .filter_map(|p| match relayed.payout(graph, p, params.hop_window_secs) {
                Some(o) => money.payment_transfer(o.to, o.at, o.amount_fen),
                None => money.payment_transfer(p.account, p.at, p.amount_fen),
            })
            .collect();
        let (Some(first), Some(last)) = (pays.first(), pays.last()) else { continue };
        if seeds.is_empty() {
            continue;
        }
        tp.horizon_s = (last.at - first.at).saturating_add(params.money_link_horizon_secs);
        let mut run = |m: Method| {
            tp.method = m;
            trace_downstream_paired(&money, &seeds, &tp, &mut pairings).map_err(|e| Error::InvalidParameter {
                name: "money_link",
                value: e.to_string(),
                reason: "the attributed-money trace failed",
            })
        };
        // Where the money ends: accounts holding it (cash withdrawals and merchant purchases end it nowhere), summed
        // over the traces used.
        let mut at: BTreeMap<u32, i64> = BTreeMap::new();
        let mut traces = 0;
        let mut victim_fen = 0;
        let matched = match params.money_link_matched_min_share {
            Some(min) => Some(run(Method::Matched)?).filter(|t| {
                let held = t.held_fen();
                held > 0 && t.held_matched_fen() as f64 >= min * held as f64
            }),
            None => None,
        };
        let used = match matched {
            Some(trace) => vec![trace],
            None => params.money_link_methods.iter().map(|&m| run(m)).collect::<Result<Vec<_>>>()?,
        };
        for trace in used {
            victim_fen = trace.victim_fen;
            traces += 1;
            for h in &trace.holdings {
                *at.entry(h.account).or_default() += h.amount_fen;
            }
        }
        if victim_fen <= 0 {
            continue;
        }
        victim[r] = victim_fen;
        for (acct, fen) in at {
            let share = fen as f64 / (victim_fen as f64 * traces as f64);
            if share < params.money_link_min_end_share
                || graph.kind(acct) == EntityKind::PartialCard
                || excluded_hub.contains(graph.key(acct))
            {
                continue;
            }
            ended[r] += share;
            if services.contains(&acct) {
                by_service_end.entry(acct).or_default().push((r, share));
            } else {
                held[r] += share;
                by_terminal.entry(acct).or_default().push((r, share));
            }
        }
    }
    by_terminal.retain(|_, list| list.len() > 1);
    by_service_end.retain(|_, list| list.len() > 1);
    // Terminals judged like named identifiers of one kind, on the reports that send it a good part of their money
    // (at least half the linking share): a hub receives that from many unrelated reports, while a gang's account
    // also receives small misattributed pieces of other gangs' money, which must not make it look diverse.
    let entries: Vec<(u32, KeyStats)> = by_terminal
        .iter()
        .map(|(&e, list)| {
            let big: Vec<usize> =
                list.iter().filter(|&&(_, sh)| sh >= params.money_link_min_share / 2.0).map(|&(r, _)| r).collect();
            let types: BTreeSet<_> = big.iter().map(|&r| graph.report(r).fraud_type).collect();
            let (lo, hi) = big
                .iter()
                .map(|&r| graph.report(r).time)
                .fold((i64::MAX, i64::MIN), |(lo, hi), t| (lo.min(t), hi.max(t)));
            let span_days = if hi >= lo { (hi - lo) as f64 / DAY } else { 0.0 };
            (e, KeyStats { degree: big.len(), fraud_types: types.len(), span_days })
        })
        .collect();
    let degrees: Vec<usize> = entries.iter().map(|(_, s)| s.degree).collect();
    let z = robust_z(&degrees, params.hubs.min_spread);
    let terminals = entries
        .iter()
        .zip(z)
        .filter(|((e, stats), z)| {
            let key = graph.key(*e);
            judge(key, stats, *z, &params.hubs, policy).is_none() || policy.forced(key)
        })
        .map(|((e, _), _)| MoneyTerminal { key: graph.key(*e).to_string(), reports: by_terminal[e].clone() })
        .collect();
    let service_ends = by_service_end.into_iter().collect();
    Ok(AttributedMoney { traced: traced.len(), terminals, victim, held, service_ends, ended })
}

/// Groups service accounts reached from the same payments into service clusters.
fn service_clusters(
    graph: &GangGraph,
    toks: &[Vec<Token>],
    services: &BTreeSet<u32>,
    membership: &[u32],
    clusters: &[GangCluster],
) -> Vec<ServiceCluster> {
    if services.is_empty() {
        return Vec::new();
    }
    let index: BTreeMap<u32, u32> = services.iter().enumerate().map(|(i, &e)| (e, i as u32)).collect();
    let mut dsu = Dsu::new(services.len());
    let mut per_report: Vec<Vec<u32>> = Vec::with_capacity(toks.len());
    for ts in toks {
        let here: Vec<u32> = ts.iter().filter_map(|(e, _)| index.get(e).copied()).collect();
        for w in here.windows(2) {
            dsu.union(w[0], w[1]);
        }
        per_report.push(here);
    }
    #[derive(Default)]
    struct Group {
        accounts: Vec<u32>,
        reports: BTreeSet<usize>,
        served: BTreeSet<u64>,
        inflow_fen: i64,
    }
    let mut groups: BTreeMap<u32, Group> = BTreeMap::new();
    for (&e, &i) in &index {
        groups.entry(dsu.find(i)).or_default().accounts.push(e);
    }
    for (r, here) in per_report.iter().enumerate() {
        for &i in here {
            let g = groups.entry(dsu.find(i)).or_default();
            g.reports.insert(r);
            g.served.insert(clusters[membership[r] as usize].id);
        }
    }
    // Money into each service from accounts outside it, in one pass over the transfers.
    for from in 0..graph.entity_count() as u32 {
        let from_group = index.get(&from).map(|&i| dsu.find(i));
        for o in graph.transfers_from(from) {
            if let Some(&i) = index.get(&o.to) {
                let to_group = dsu.find(i);
                if from_group != Some(to_group) {
                    groups.entry(to_group).or_default().inflow_fen += o.amount_fen;
                }
            }
        }
    }
    let mut out: Vec<ServiceCluster> = groups
        .into_values()
        .map(|g| {
            let mut accounts: Vec<String> = g.accounts.iter().map(|&e| graph.key(e).to_string()).collect();
            accounts.sort();
            ServiceCluster {
                accounts,
                reports: g.reports.len(),
                served_clusters: g.served.into_iter().collect(),
                inflow_fen: g.inflow_fen,
            }
        })
        .collect();
    out.sort_by(|a, b| b.reports.cmp(&a.reports).then_with(|| a.accounts.cmp(&b.accounts)));
    out
}

/// Plain connected components without hub or service handling: two reports are linked when they share any token
/// (named identifier, or account up to `money_hops` downstream). The baseline hub handling is measured against.
pub fn plain_components(graph: &GangGraph, money_hops: usize, hop_window_secs: i64) -> Result<Partition> {
    let none = Relays::default();
    let (toks, _, _) = tokens(graph, money_hops, hop_window_secs.max(1), &none, false, false);
    let mut dsu = Dsu::new(graph.report_count());
    for (_, list) in invert(&toks) {
        for w in list.windows(2) {
            dsu.union(w[0].0, w[1].0);
        }
    }
    let labels: Vec<u32> = (0..graph.report_count() as u32).map(|r| dsu.find(r)).collect();
    Partition::from_labels(&labels)
}

#[cfg(test)]
mod tests {
    use datasets::FraudType;

    use super::*;
    use crate::gangs::evidence::explain_link;
    use crate::gangs::input::{ReportInput, TransferInput};
    use crate::gangs::subgraph::SubgraphParams;

    fn report(id: &str, at: i64, phone: &str) -> ReportInput {
        ReportInput { phones: vec![phone.into(), "95588".into()], ..ReportInput::new(id, at, FraudType::OrderBrushing) }
    }

    fn pay(from: &str, to: &str, fen: i64, at: i64, report: Option<&str>) -> TransferInput {
        TransferInput {
            from_account: from.into(),
            to_account: to.into(),
            amount_fen: fen,
            at,
            report_id: report.map(String::from),
            channel: to.starts_with("ATM").then_some(datasets::TransferChannel::Atm),
        }
    }

    /// Report `R{tag}` at `t` naming `phone` (and 95588): its victim pays 10,000 fen into a fresh L1 card that drains
    /// `split` into the pool's L2 cards …001 and …002, which pass `forward` on to the L3 card …009 within 15 min; the
    /// L3 cashes the lot out at an ATM two hours later.
    fn pooled_report(
        tag: &str,
        t: i64,
        phone: &str,
        split: [i64; 2],
        forward: [i64; 2],
        reports: &mut Vec<ReportInput>,
        transfers: &mut Vec<TransferInput>,
    ) {
        let id = format!("R{tag}");
        reports.push(report(&id, t, phone));
        let l1 = format!("62220200000000{tag}");
        transfers.push(pay(&format!("62170000000000{tag}"), &l1, 10_000, t, Some(&id)));
        for (i, (l2, delay)) in [("622848000000000001", 60), ("622848000000000002", 90)].into_iter().enumerate() {
            transfers.push(pay(&l1, l2, split[i], t + delay, None));
            transfers.push(pay(l2, "622848000000000009", forward[i], t + 900 + 50 * i as i64, None));
        }
        transfers.push(pay("622848000000000009", "ATM3101150001", forward[0] + forward[1], t + 7_200, None));
    }

    /// Two gangs of three reports each (own caller phones), every victim paying a distinct L1 card that drains
    /// into one shared laundering pool keeping a 3% commission and cashing out at an ATM; every report also names
    /// the bank hotline 95588.
    fn two_gangs_one_service() -> GangGraph {
        let mut reports = Vec::new();
        let mut transfers = Vec::new();
        for (g, phone) in [(0, "13800138000"), (1, "13900139000")] {
            for k in 0..3 {
                let t = 1_000_000 + (g * 3 + k) as i64 * 86_400;
                pooled_report(
                    &format!("{g}{k}"),
                    t,
                    phone,
                    [5_000, 5_000],
                    [4_850, 4_850],
                    &mut reports,
                    &mut transfers,
                );
            }
        }
        GangGraph::build(&reports, transfers)
    }

    #[test]
    fn services_and_hubs_do_not_merge_gangs() {
        let graph = two_gangs_one_service();
        let policy = HubPolicy::shipped().unwrap();
        let out = cluster_gangs(&graph, &GangParams::defaults(1), &policy, &[]).unwrap();
        assert_eq!(out.clusters.len(), 2);
        let gang_of = |r: usize| out.membership[r];
        assert!(gang_of(0) == gang_of(1) && gang_of(1) == gang_of(2));
        assert!(gang_of(3) == gang_of(4) && gang_of(4) == gang_of(5));
        assert_ne!(gang_of(0), gang_of(3));
        assert_eq!(out.hubs.len(), 1);
        assert_eq!(out.hubs[0].key, "tel:95588");
        assert_eq!(out.services.len(), 1);
        let s = &out.services[0];
        assert_eq!(s.accounts.len(), 3, "{:?}", s.accounts);
        assert_eq!(s.reports, 6);
        assert_eq!(s.served_clusters.len(), 2);
        assert_eq!(s.inflow_fen, 60_000);
        // Plain components merge everything through the hotline and the service.
        assert_eq!(plain_components(&graph, 2, 6 * 3600).unwrap().community_count(), 1);
    }

    #[test]
    fn a_gang_pool_without_commission_links_its_reports() {
        let mut reports = vec![report("A", 1_000, "13800138000"), report("B", 5_000, "13700137000")];
        reports[0].phones.pop();
        reports[1].phones.pop();
        let transfers = vec![
            pay("6217000000000001", "6222020000000001", 10_000, 1_000, Some("A")),
            pay("6217000000000002", "6222020000000002", 10_000, 5_000, Some("B")),
            pay("6222020000000001", "6228480000000001", 10_000, 1_100, None),
            pay("6222020000000002", "6228480000000001", 10_000, 5_100, None),
        ];
        let graph = GangGraph::build(&reports, transfers);
        let out = cluster_gangs(&graph, &GangParams::defaults(1), &HubPolicy::default(), &[]).unwrap();
        assert_eq!(out.clusters.len(), 1, "a shared L2 links the two reports");
        assert!(out.services.is_empty());
    }

    #[test]
    fn cash_withdrawn_at_one_atm_or_spent_at_one_shop_links_nobody() {
        // Two lone scammers: each victim pays a mule card, which withdraws at the same ATM terminal (or pays the same
        // shop) within the hour. The terminal and the shop are places anyone's money goes, not accounts a gang holds.
        for (sink, channel) in [
            ("ATM3101151319", datasets::TransferChannel::Atm),
            ("6228480000000077", datasets::TransferChannel::Merchant),
        ] {
            let mut reports = vec![report("A", 1_000, "13800138000"), report("B", 9_000, "13700137000")];
            reports[0].phones.pop();
            reports[1].phones.pop();
            let out =
                |from: &str, at: i64| TransferInput { channel: Some(channel), ..pay(from, sink, 9_900, at, None) };
            let transfers = vec![
                pay("6217000000000001", "6222020000000001", 10_000, 1_000, Some("A")),
                pay("6217000000000002", "6222020000000002", 10_000, 9_000, Some("B")),
                out("6222020000000001", 1_600),
                out("6222020000000002", 9_600),
            ];
            let graph = GangGraph::build(&reports, transfers);
            let params = GangParams::defaults(1);
            let clustered = cluster_gangs(&graph, &params, &HubPolicy::default(), &[]).unwrap();
            assert_eq!(clustered.clusters.len(), 2, "{sink}: the two reports share only the place the cash left at");
            // Plain components follow every transfer: the place joins them.
            assert_eq!(plain_components(&graph, 2, 6 * 3600).unwrap().community_count(), 1, "{sink}");
            let chain = explain_link(&graph, 0, 1, &|_| false, &Relays::default(), &SubgraphParams::defaults(), &[]);
            assert!(chain.is_err(), "{sink}: {chain:?}");
        }
    }

    /// One gang whose reports fall into three identifier communities of three reports (three caller phones), every
    /// victim paying a fresh L1 card drained in full into the gang's own L2/L3 pool: spread over several sizeable
    /// communities, but keeping no commission, so the pool is the gang's and links all nine reports (into one
    /// component; Leiden may still cut it along the phones).
    #[test]
    fn a_pool_passing_money_on_in_full_is_no_service_however_spread() {
        let mut reports = Vec::new();
        let mut transfers = Vec::new();
        for (c, phone) in ["13800138000", "13700137000", "13600136000"].into_iter().enumerate() {
            for k in 0..3 {
                let t = 1_000_000 + (c * 3 + k) as i64 * 86_400;
                pooled_report(
                    &format!("{c}{k}"),
                    t,
                    phone,
                    [6_000, 4_000],
                    [6_000, 4_000],
                    &mut reports,
                    &mut transfers,
                );
            }
        }
        let graph = GangGraph::build(&reports, transfers);
        let out = cluster_gangs(&graph, &GangParams::defaults(1), &HubPolicy::shipped().unwrap(), &[]).unwrap();
        assert!(out.services.is_empty(), "{:?}", out.services);
        assert_eq!(out.components.community_count(), 1);
    }

    /// Two gangs, two reports each, naming nothing in common (one caller phone per report); every victim pays a
    /// fresh L1 card drained into one shared laundering service (two L2 cards, one L3, 3% commission), which pays
    /// each gang's share back to the gang's backer two hours later: a card for the first gang, a USDT wallet for the
    /// second. Money attributed through the service links each gang's reports, and only them.
    #[test]
    fn money_paid_back_by_a_service_links_a_gang_and_only_it() {
        let backers = ["6222020000000000777", "TQn9Y2khEsLJW1ChVWFMSMeRDow5KcbLSE"];
        let (reports, transfers) = shared_pool_district(backers, 150, |g, k| format!("1380013800{g}{k}"));
        let graph = GangGraph::build(&reports, transfers);
        let policy = HubPolicy::shipped().unwrap();
        let out = cluster_gangs(&graph, &GangParams::defaults(1), &policy, &[]).unwrap();
        assert_eq!(out.services.len(), 1, "{:?}", out.services);
        assert_eq!(out.clusters.len(), 2, "{:?} {:?}", out.membership, out.money_terminals);
        assert!(out.membership[0] == out.membership[1] && out.membership[2] == out.membership[3]);
        assert_ne!(out.membership[0], out.membership[2]);
        assert_eq!(out.money_links.len(), 2);
        assert!(out.money_links.iter().all(|l| l.overlap > 0.85), "{:?}", out.money_links);
        let keys: Vec<&str> = out.money_terminals.iter().map(|t| t.key.as_str()).collect();
        assert_eq!(keys, ["card:6222020000000000777", "acct:TQn9Y2khEsLJW1ChVWFMSMeRDow5KcbLSE"]);
        // Without money links the four reports stay apart; a service's own accounts never link.
        let off = GangParams { money_link_min_share: 0.0, ..GangParams::defaults(1) };
        let out = cluster_gangs(&graph, &off, &policy, &[]).unwrap();
        assert_eq!(out.clusters.len(), 4);
        assert!(out.money_links.is_empty());
    }

    /// Two gangs of two reports, each gang naming its own phone; every victim pays a fresh L1 card drained into one
    /// shared pool that keeps nothing and pays each gang's money back to that gang's backer. Kept nothing, so no
    /// commission marks it; the money leaving it for two owners does, and it links neither gang to the other.
    #[test]
    fn a_pool_paying_separate_owners_back_is_a_service_at_no_commission() {
        let backers = ["6222020000000000777", "6222020000000000888"];
        let (reports, transfers) = shared_pool_district(backers, 0, |g, _| format!("1380013800{g}"));
        let graph = GangGraph::build(&reports, transfers.clone());
        let policy = HubPolicy::shipped().unwrap();
        let out = cluster_gangs(&graph, &GangParams::defaults(1), &policy, &[]).unwrap();
        assert_eq!(out.services.len(), 1, "{:?}", out.services);
        assert!(out.membership[0] == out.membership[1] && out.membership[2] == out.membership[3]);
        assert_ne!(out.membership[0], out.membership[2], "{:?}", out.membership);
        // One backer for both: the pool is a gang's own, carrying both communities' money to it.
        let one: Vec<TransferInput> = transfers
            .into_iter()
            .map(|t| TransferInput { to_account: t.to_account.replace("0888", "0777"), ..t })
            .collect();
        let out = cluster_gangs(&GangGraph::build(&reports, one), &GangParams::defaults(1), &policy, &[]).unwrap();
        assert!(out.services.is_empty(), "{:?}", out.services);
        assert_eq!(out.clusters.len(), 1);
    }

    /// Report `R{k}`, day `k`, naming only `phone`, whose victim pays 100 yuan into its own L1 card: returns that card
    /// and the payment time.
    /// Two gangs of two reports around one shared pool: every victim pays a fresh L1 card, which pays 5,000 fen to
    /// each of two L2 cards; each passes on all but `fee` to the pool's card, which pays the report's money on to its
    /// gang's backer two hours later. Report `k` of gang `g` names the phone `phone(g, k)`.
    fn shared_pool_district(
        backers: [&str; 2],
        fee: i64,
        phone: impl Fn(usize, usize) -> String,
    ) -> (Vec<ReportInput>, Vec<TransferInput>) {
        let mut reports = Vec::new();
        let mut transfers = Vec::new();
        for (g, backer) in backers.into_iter().enumerate() {
            for k in 0..2 {
                let (l1, t) = paying_report(g * 2 + k, &phone(g, k), &mut reports, &mut transfers);
                transfers.push(pay(&l1, "622848000000000001", 5_000, t + 60, None));
                transfers.push(pay(&l1, "622848000000000002", 5_000, t + 90, None));
                transfers.push(pay("622848000000000001", "622848000000000009", 5_000 - fee, t + 900, None));
                transfers.push(pay("622848000000000002", "622848000000000009", 5_000 - fee, t + 950, None));
                transfers.push(pay("622848000000000009", backer, 2 * (5_000 - fee), t + 7_200, None));
            }
        }
        (reports, transfers)
    }

    fn paying_report(
        k: usize,
        phone: &str,
        reports: &mut Vec<ReportInput>,
        transfers: &mut Vec<TransferInput>,
    ) -> (String, i64) {
        let id = format!("R{k}");
        let t = 1_000_000 + k as i64 * 86_400;
        let mut r = report(&id, t, phone);
        r.phones.pop();
        reports.push(r);
        let l1 = format!("62220200000000{k:02}");
        transfers.push(pay(&format!("62170000000000{k:02}"), &l1, 10_000, t, Some(&id)));
        (l1, t)
    }

    /// Gang A: eight reports naming one phone, seven of them paying money that ends (ten hours later, beyond the
    /// downstream window) in A's backer card, one in B's; gang B: one report whose money ends in B's backer. That
    /// one A report shares all its money's end with B's report, but A's group as a whole sends 1/8 of its money
    /// there: not enough to link the groups; with the group check off, that A report ends up with B's.
    #[test]
    fn one_report_does_not_join_its_group_to_another_by_money() {
        let mut reports = Vec::new();
        let mut transfers = Vec::new();
        for k in 0..9 {
            let phone = if k < 8 { "13800138000" } else { "13900139000" };
            let (l1, t) = paying_report(k, phone, &mut reports, &mut transfers);
            let backer = if k < 7 { "6222020000000000777" } else { "6222020000000000888" };
            transfers.push(pay(&l1, backer, 10_000, t + 10 * 3600, None));
        }
        let graph = GangGraph::build(&reports, transfers);
        let policy = HubPolicy::shipped().unwrap();
        let out = cluster_gangs(&graph, &GangParams::defaults(1), &policy, &[]).unwrap();
        assert_eq!(out.clusters.len(), 2, "{:?}", out.money_links);
        assert_ne!(out.membership[7], out.membership[8]);
        let off = GangParams { money_link_min_group_share: 0.0, ..GangParams::defaults(1) };
        let out = cluster_gangs(&graph, &off, &policy, &[]).unwrap();
        assert_eq!(out.membership[7], out.membership[8], "{:?}", out.membership);
        assert!(out.money_links.iter().any(|l| (l.a, l.b) == (7, 8)), "{:?}", out.money_links);
    }

    /// A gang of four reports naming one phone, two paying money that ends (ten hours later, beyond the downstream
    /// window) in backer card X, two in backer card Y; a fifth report names nothing but its money ends half in X,
    /// half in Y. It shares too little with any one report to link to it, but all its money ends in the gang's
    /// accounts, so it joins the gang.
    #[test]
    fn a_report_whose_money_ends_in_a_gangs_accounts_joins_it() {
        let mut reports = Vec::new();
        let mut transfers = Vec::new();
        let (x, y) = ("6222020000000000777", "6222020000000000888");
        for k in 0..5 {
            let phone = if k < 4 { "13800138000" } else { "13900139000" };
            let (l1, t) = paying_report(k, phone, &mut reports, &mut transfers);
            match k {
                0 | 1 => transfers.push(pay(&l1, x, 10_000, t + 10 * 3600, None)),
                2 | 3 => transfers.push(pay(&l1, y, 10_000, t + 10 * 3600, None)),
                _ => {
                    transfers.push(pay(&l1, x, 5_000, t + 10 * 3600, None));
                    transfers.push(pay(&l1, y, 5_000, t + 10 * 3600 + 60, None));
                }
            }
        }
        let graph = GangGraph::build(&reports, transfers);
        let policy = HubPolicy::shipped().unwrap();
        let out = cluster_gangs(&graph, &GangParams::defaults(1), &policy, &[]).unwrap();
        assert!(out.money_links.iter().all(|l| l.b != 4), "{:?}", out.money_links);
        assert_eq!(out.clusters.len(), 1, "{:?}", out.membership);
        // The gang has 80% of the money ending in X and in Y, the fifth report the rest: asking 90% keeps it apart.
        let strict = GangParams { money_link_min_share: 0.9, ..GangParams::defaults(1) };
        let out = cluster_gangs(&graph, &strict, &policy, &[]).unwrap();
        assert_eq!(out.clusters.len(), 2, "{:?}", out.membership);
    }

    /// Three client gangs of one laundering service. Gang A ran two campaigns sixty days apart, five reports each
    /// naming that campaign's phone; one report of each names the same URL. Gangs B and C: five reports each, one
    /// phone. Every victim pays a fresh L1 card, which pays 5,000 fen to each of two L2 cards; L2 card 1 passes all but
    /// 3% to the gang's backer, L2 card 2 to an L3 card that cashes out at an ATM. The backers sit in the service's
    /// pool (reached two hops down, with its L3), so they are held apart with it. The URL alone is one piece of
    /// evidence between A's two campaigns; the backer that only A's money reaches is the second, and joins them.
    /// With `keeps`, L2 card 1 pays one of three L3 cards in turn (the L3 card of L2 card 2 among them), whoever the
    /// client: the service keeps every client's money in its own cards, and there is no backer.
    fn campaigns_paid_back_district(shared_url: bool, keeps: bool) -> GangGraph {
        let mut reports = Vec::new();
        let mut transfers = Vec::new();
        let groups =
            [("1", "13800138001", 0), ("1", "13800138002", 60), ("2", "13900139000", 5), ("3", "13700137000", 10)];
        for (g, (gang, phone, day)) in groups.into_iter().enumerate() {
            for k in 0..5 {
                let id = format!("R{g}{k}");
                let t = 1_000_000 + (day + k) as i64 * 86_400;
                let mut r = report(&id, t, phone);
                r.phones.pop();
                if shared_url && ((g, k) == (0, 4) || (g, k) == (1, 0)) {
                    r.urls.push("https://jiahui.live/m/login".into());
                }
                reports.push(r);
                let l1 = format!("62220200000000{g}{k}");
                transfers.push(pay(&format!("62170000000000{g}{k}"), &l1, 10_000, t, Some(&id)));
                transfers.push(pay(&l1, "622848000000000001", 5_000, t + 60, None));
                transfers.push(pay(&l1, "622848000000000002", 5_000, t + 90, None));
                let backer =
                    if keeps { &format!("62284800000000000{}", 7 + k % 3) } else { &format!("622202000000{gang}777") };
                transfers.push(pay("622848000000000001", backer, 4_850, t + 900, None));
                transfers.push(pay("622848000000000002", "622848000000000009", 4_850, t + 950, None));
                transfers.push(pay("622848000000000009", "ATM3101150001", 4_850, t + 7_200, None));
            }
        }
        GangGraph::build(&reports, transfers)
    }

    #[test]
    fn a_backer_only_one_gangs_money_reaches_through_a_service_is_evidence() {
        let policy = HubPolicy::shipped().unwrap();
        let params = GangParams::defaults(1);
        let same = |m: &[u32], a: std::ops::Range<usize>| a.clone().all(|r| m[r] == m[a.start]);
        let out = cluster_gangs(&campaigns_paid_back_district(true, false), &params, &policy, &[]).unwrap();
        let m = &out.membership;
        assert!(same(m, 0..10) && same(m, 10..15) && same(m, 15..20), "{m:?}");
        assert_eq!(out.clusters.len(), 3, "{m:?}");
        // A's backer is shown as where its money ends, not as the service's; B's and C's each stay the service's.
        assert!(out.money_terminals.iter().any(|t| t.key == "card:6222020000001777"), "{:?}", out.money_terminals);
        let service: BTreeSet<&str> = out.services.iter().flat_map(|s| s.accounts.iter().map(String::as_str)).collect();
        assert!(
            !service.contains("card:6222020000001777") && service.contains("card:622848000000000001"),
            "{service:?}"
        );
        assert!(service.contains("card:6222020000002777") && service.contains("card:6222020000003777"), "{service:?}");
        // Without the URL the backer is one piece of evidence, and one is not enough.
        let out = cluster_gangs(&campaigns_paid_back_district(false, false), &params, &policy, &[]).unwrap();
        assert_ne!(out.membership[0], out.membership[5], "{:?}", out.membership);
        assert_eq!(out.clusters.len(), 4, "{:?}", out.membership);
        // A service keeping every client's money (the L3 card holds what it has not cashed out): where it ends is the
        // service's own account, evidence of nothing.
        let out = cluster_gangs(&campaigns_paid_back_district(true, true), &params, &policy, &[]).unwrap();
        assert_ne!(out.membership[0], out.membership[5], "{:?}", out.membership);
        assert_eq!(out.clusters.len(), 4, "{:?}", out.membership);
    }

    /// Gang A: two identifier communities (three reports naming one phone, three another), every victim paying a
    /// fresh L1 card that passes the money in full to A's own L2 card, which passes it to A's L3 card; a day later
    /// the L3 card sells it to a laundering service's card S, which keeps 3% and puts each community's money in a
    /// wallet of its own eight hours later. Gangs B and C (three reports and one phone each) pay their L1 cards,
    /// which drain straight into S and a second card of the service. A's money ends in two wallets of the service,
    /// but that is where the service put it: A's own cards are A's, and link its two communities.
    #[test]
    fn a_gang_selling_to_a_service_keeps_its_own_cards() {
        let mut reports = Vec::new();
        let mut transfers = Vec::new();
        let service = ["622848000000000001", "622848000000000002"];
        for (c, phone) in ["13800138001", "13800138002", "13900139000", "13700137000"].into_iter().enumerate() {
            for k in 0..3 {
                let (l1, t) = paying_report(c * 3 + k, phone, &mut reports, &mut transfers);
                // The service keeps each community's money in a wallet of its own.
                let wallet = format!("TQn9Y2khEsLJW1ChVWFMSMeRDow5KcbL{c}{}", if c < 2 { 'A' } else { 'B' });
                if c < 2 {
                    transfers.push(pay(&l1, "6222020000000000777", 10_000, t + 300, None));
                    transfers.push(pay("6222020000000000777", "6222020000000000778", 10_000, t + 600, None));
                    transfers.push(pay("6222020000000000778", service[0], 10_000, t + 86_400, None));
                    transfers.push(pay(service[0], &wallet, 9_700, t + 86_400 + 8 * 3600, None));
                } else {
                    transfers.push(pay(&l1, service[0], 5_000, t + 60, None));
                    transfers.push(pay(&l1, service[1], 5_000, t + 90, None));
                    transfers.push(pay(service[0], &wallet, 4_850, t + 8 * 3600, None));
                    transfers.push(pay(service[1], &wallet, 4_850, t + 8 * 3600 + 60, None));
                }
            }
        }
        let graph = GangGraph::build(&reports, transfers);
        let out = cluster_gangs(&graph, &GangParams::defaults(1), &HubPolicy::shipped().unwrap(), &[]).unwrap();
        let m = &out.membership;
        assert!((1..6).all(|r| m[r] == m[0]), "{m:?} {:?}", out.services);
        assert!(m[6..].iter().all(|&c| c != m[0]) && m[6] != m[9], "{m:?}");
        let service: BTreeSet<&str> = out.services.iter().flat_map(|s| s.accounts.iter().map(String::as_str)).collect();
        assert!(service.contains("card:622848000000000001"), "{service:?}");
        assert!(!service.contains("card:6222020000000000777"), "{service:?}");
    }

    /// One gang, two identifier communities (three reports naming one phone, three another); every victim pays a
    /// fresh L1 card, which passes the money in full, half each, to the gang's two L2 cards. Each L2 card withdraws 5%
    /// in crypto ten minutes later (its cash-out sink joins the pool: two hops within the window) and the rest at an
    /// ATM two days later. The pool keeps nothing in accounts: it is the gang's own, and its cards link the two
    /// communities. Counted as kept, the crypto share looked like a service's commission.
    #[test]
    fn money_cashed_out_is_not_kept_as_a_commission() {
        let mut reports = Vec::new();
        let mut transfers = Vec::new();
        let l2 = ["622848000000000001", "622848000000000002"];
        let cash = |from: &str, fen: i64, at: i64, channel| TransferInput {
            channel: Some(channel),
            ..pay(from, "", fen, at, None)
        };
        for (c, phone) in ["13800138001", "13800138002"].into_iter().enumerate() {
            for k in 0..3 {
                let (l1, t) = paying_report(c * 3 + k, phone, &mut reports, &mut transfers);
                for (i, card) in l2.into_iter().enumerate() {
                    transfers.push(pay(&l1, card, 5_000, t + 60 + 30 * i as i64, None));
                    transfers.push(cash(card, 250, t + 600, datasets::TransferChannel::Crypto));
                    transfers.push(cash(card, 4_750, t + 2 * 86_400, datasets::TransferChannel::Atm));
                }
            }
        }
        let graph = GangGraph::build(&reports, transfers);
        let out = cluster_gangs(&graph, &GangParams::defaults(1), &HubPolicy::shipped().unwrap(), &[]).unwrap();
        assert!(out.services.is_empty(), "{:?}", out.services);
        assert_eq!(out.clusters.len(), 1, "{:?}", out.membership);
    }

    #[test]
    fn bad_parameters_and_empty_input() {
        let graph = GangGraph::build(&[], Vec::new());
        let mut params = GangParams::defaults(1);
        let out = cluster_gangs(&graph, &params, &HubPolicy::default(), &[]).unwrap();
        assert!(out.clusters.is_empty());
        params.money_weight = 0.0;
        assert!(matches!(
            cluster_gangs(&graph, &params, &HubPolicy::default(), &[]),
            Err(Error::InvalidParameter { name: "money_weight", .. })
        ));
    }
}
