//! Laundering typology detectors over a [`TransferGraph`]: fan-in, fan-out, cycle, scatter-gather,
//! gather-scatter, stack (layering), rapid pass-through and structuring (bursts); each finding lists its accounts
//! and transfers, and [`score_accounts`] ranks accounts by how many typologies they take part in.

use std::collections::{HashMap, HashSet};

use petgraph::algo::kosaraju_scc;
use petgraph::graph::DiGraph;

use super::error::MoneyError;
use super::graph::TransferGraph;

/// A laundering pattern (the AMLSim typologies, plus rapid pass-through).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum TypologyKind {
    /// Many senders into one account within a window.
    FanIn,
    /// One account pays many recipients within a window.
    FanOut,
    /// Money returns to its start through a time-ordered chain of similar amounts.
    Cycle,
    /// One source pays several intermediates that all pay the same sink.
    ScatterGather,
    /// Many senders into one account that then pays many recipients.
    GatherScatter,
    /// Layering: money spreads through several layers of accounts, each forwarding most of what it got.
    Stack,
    /// An inflow leaves again, about in full, within minutes.
    PassThrough,
    /// Structuring (smurfing, 拆分): one sender pays one receiver many similar amounts within a short window.
    Structuring,
}

const KIND_CODES: &str = "fan-in, fan-out, cycle, scatter-gather, gather-scatter, stack, pass-through, structuring";

impl TypologyKind {
    /// Every kind.
    pub const ALL: [TypologyKind; 8] = [
        TypologyKind::FanIn,
        TypologyKind::FanOut,
        TypologyKind::Cycle,
        TypologyKind::ScatterGather,
        TypologyKind::GatherScatter,
        TypologyKind::Stack,
        TypologyKind::PassThrough,
        TypologyKind::Structuring,
    ];

    /// The command-line code (`fan-in`, …).
    pub fn code(self) -> &'static str {
        match self {
            TypologyKind::FanIn => "fan-in",
            TypologyKind::FanOut => "fan-out",
            TypologyKind::Cycle => "cycle",
            TypologyKind::ScatterGather => "scatter-gather",
            TypologyKind::GatherScatter => "gather-scatter",
            TypologyKind::Stack => "stack",
            TypologyKind::PassThrough => "pass-through",
            TypologyKind::Structuring => "structuring",
        }
    }

    /// Parses a code (`_` accepted for `-`, case-insensitive).
    pub fn parse(text: &str) -> Result<TypologyKind, MoneyError> {
        let t = text.trim().to_ascii_lowercase().replace('_', "-");
        TypologyKind::ALL
            .into_iter()
            .find(|k| k.code() == t)
            .ok_or_else(|| MoneyError::UnknownKind { text: text.to_string(), expected: KIND_CODES })
    }
}

/// Whether a cycle's transfers must follow each other in time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CycleOrder {
    /// Each hop after the previous one (money really goes round).
    TimeRespecting,
    /// Any order within the window (AMLSim schedules a cycle's hops at independent random steps).
    AnyOrder,
    /// Each hop at most this many seconds before the previous one, all within the window: time-respecting up
    /// to clock skew or batch posting (a bank may book the forwarding before the transfer that funded it).
    /// `Slack(0)` is [`CycleOrder::TimeRespecting`] except for same-second ties.
    Slack(i64),
}

/// Detector parameters; [`TypologyParams::new`] gives the documented defaults (times in seconds).
#[derive(Debug, Clone, PartialEq)]
pub struct TypologyParams {
    /// Transfers below this amount (fen) are ignored. Default 0.
    pub min_amount_fen: i64,
    /// Transfers above this amount (fen) are ignored. Default `i64::MAX`.
    pub max_amount_fen: i64,
    /// Window of fan-in, fan-out and gather-scatter (each side). Default 7 days.
    pub fan_window_s: i64,
    /// Distinct counterparties for fan-in / fan-out / each side of gather-scatter. Default 5.
    pub min_fan: usize,
    /// A fan-in / fan-out also fires on this many transfers within the window from (to) at least 2 distinct
    /// counterparties: many payments through a few accounts (跑分 accounts forward hundreds a day). Default 20;
    /// 0 turns this off.
    pub fan_min_transfers: usize,
    /// If set, a fan counts only transfers of similar amounts: amounts are put in logarithmic bands of width
    /// (1 + tol) and a fan is sought within each pair of adjacent bands, so its amounts lie within a factor
    /// (1 + tol)² of each other (structured chunks). Default `None` (victims pay whatever they have).
    pub fan_amount_tolerance: Option<f64>,
    /// Longest cycle (accounts). Default 6.
    pub cycle_max_len: usize,
    /// A cycle's first to last transfer at most this far apart; also the window of scatter-gather and stack.
    /// Default 7 days.
    pub chain_window_s: i64,
    /// Default [`CycleOrder::TimeRespecting`]; [`CycleOrder::Slack`] and [`CycleOrder::AnyOrder`] allow
    /// non-monotone timing within `chain_window_s`.
    pub cycle_order: CycleOrder,
    /// Each hop of a cycle carries between (1 − tol) and (1 + tol) times the previous hop. Default 0.2.
    pub amount_tolerance: f64,
    /// Intermediates of a scatter-gather. Default 3.
    pub min_paths: usize,
    /// Layers of a stack beyond its source. Default 3.
    pub stack_layers: usize,
    /// Accounts in each of the first `stack_layers − 1` layers. Default 2.
    pub stack_width: usize,
    /// A stack layer must receive at least this share of what the previous layer received. Default 0.5.
    pub stack_forward_share: f64,
    /// Pass-through: the outflows within this many seconds after an inflow… Default 30 minutes.
    pub pass_window_s: i64,
    /// …add up to the inflow within this relative tolerance. Default 0.1.
    pub pass_tolerance: f64,
    /// Work budget per start account for cycle search (DFS steps). Default 20,000.
    pub search_budget: usize,
    /// Structuring: at least this many transfers from one sender to one receiver… Default 3.
    pub burst_min_transfers: usize,
    /// …within this many seconds (first to last)… Default 24 hours (daily limits and reporting are per day).
    pub burst_window_s: i64,
    /// …whose largest amount is at most this many times the smallest (chunks of one split). Default 2.0.
    pub burst_amount_ratio: f64,
}

impl TypologyParams {
    /// The documented defaults.
    pub fn new() -> TypologyParams {
        TypologyParams {
            min_amount_fen: 0,
            max_amount_fen: i64::MAX,
            fan_window_s: 7 * 86_400,
            min_fan: 5,
            fan_min_transfers: 20,
            fan_amount_tolerance: None,
            cycle_max_len: 6,
            chain_window_s: 7 * 86_400,
            cycle_order: CycleOrder::TimeRespecting,
            amount_tolerance: 0.2,
            min_paths: 3,
            stack_layers: 3,
            stack_width: 2,
            stack_forward_share: 0.5,
            pass_window_s: 1_800,
            pass_tolerance: 0.1,
            search_budget: 20_000,
            burst_min_transfers: 3,
            burst_window_s: 86_400,
            burst_amount_ratio: 2.0,
        }
    }

    fn check(&self) -> Result<(), MoneyError> {
        let bad = |name, value: String, reason| Err(MoneyError::InvalidParameter { name, value, reason });
        if self.min_fan < 2 {
            return bad("min_fan", self.min_fan.to_string(), "must be at least 2");
        }
        if self.cycle_max_len < 2 {
            return bad("cycle_max_len", self.cycle_max_len.to_string(), "must be at least 2");
        }
        if !(0.0..1.0).contains(&self.amount_tolerance) {
            return bad("amount_tolerance", self.amount_tolerance.to_string(), "must be in [0, 1)");
        }
        if !(0.0..1.0).contains(&self.pass_tolerance) {
            return bad("pass_tolerance", self.pass_tolerance.to_string(), "must be in [0, 1)");
        }
        if self.min_paths < 2 || self.stack_layers < 2 || self.stack_width < 1 {
            return bad(
                "min_paths/stack_layers/stack_width",
                format!("{}/{}/{}", self.min_paths, self.stack_layers, self.stack_width),
                "min_paths and stack_layers at least 2, stack_width at least 1",
            );
        }
        if let CycleOrder::Slack(slack) = self.cycle_order
            && slack < 0
        {
            return bad("cycle_order", slack.to_string(), "the slack of CycleOrder::Slack must not be negative");
        }
        if self.fan_min_transfers == 1 {
            return bad("fan_min_transfers", "1".into(), "must be 0 (off) or at least 2");
        }
        if let Some(tol) = self.fan_amount_tolerance
            && !(tol > 0.0 && tol.is_finite())
        {
            return bad("fan_amount_tolerance", tol.to_string(), "must be positive and finite");
        }
        if self.burst_min_transfers < 2 {
            return bad("burst_min_transfers", self.burst_min_transfers.to_string(), "must be at least 2");
        }
        if !(self.burst_amount_ratio >= 1.0 && self.burst_amount_ratio.is_finite()) {
            return bad("burst_amount_ratio", self.burst_amount_ratio.to_string(), "must be at least 1 and finite");
        }
        if self.fan_window_s < 0 || self.chain_window_s < 0 || self.pass_window_s < 0 || self.burst_window_s < 0 {
            return bad("window", "negative".into(), "windows must not be negative");
        }
        Ok(())
    }
}

impl Default for TypologyParams {
    fn default() -> Self {
        TypologyParams::new()
    }
}

/// One detected pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub kind: TypologyKind,
    /// The pattern's own accounts first (see `core`), then its counterparties.
    pub accounts: Vec<u32>,
    /// The first `core` accounts are the pattern's own: the hub of a fan or gather-scatter, the source of a stack,
    /// the pass-through account, source and sink of a scatter-gather, sender and receiver of a structuring burst,
    /// every member of a cycle. The rest (a fan's senders, a stack's layers, …) are counterparties.
    pub core: usize,
    /// Transfer ids, in time order.
    pub transfers: Vec<u32>,
    /// Sum of the transfers' amounts, fen.
    pub amount_fen: i64,
    pub first_at: i64,
    pub last_at: i64,
}

fn finding(g: &TransferGraph, kind: TypologyKind, core: usize, accounts: Vec<u32>, mut transfers: Vec<u32>) -> Finding {
    transfers.sort_unstable();
    transfers.dedup();
    let amount_fen = transfers.iter().map(|&t| g.amount(t)).sum();
    let first_at = transfers.first().map_or(0, |&t| g.at(t));
    let last_at = transfers.last().map_or(0, |&t| g.at(t));
    let core = core.min(accounts.len());
    Finding { kind, accounts, core, transfers, amount_fen, first_at, last_at }
}

/// Runs one detector. Findings are ordered by focal account.
pub fn detect(g: &TransferGraph, kind: TypologyKind, params: &TypologyParams) -> Result<Vec<Finding>, MoneyError> {
    params.check()?;
    let d = Detector { g, p: params };
    Ok(match kind {
        TypologyKind::FanIn => d.fan(true),
        TypologyKind::FanOut => d.fan(false),
        TypologyKind::Cycle => d.cycles(),
        TypologyKind::ScatterGather => d.scatter_gather(),
        TypologyKind::GatherScatter => d.gather_scatter(),
        TypologyKind::Stack => d.stacks(),
        TypologyKind::PassThrough => d.pass_through(),
        TypologyKind::Structuring => d.structuring(),
    })
}

/// Intermediate account → (scatter transfer, gather transfer), per sink.
type Paths = HashMap<u32, (u32, u32)>;

struct Detector<'a> {
    g: &'a TransferGraph,
    p: &'a TypologyParams,
}

/// A multiset of counterparties in a sliding window.
#[derive(Default)]
struct Window {
    counts: HashMap<u32, u32>,
}

impl Window {
    fn add(&mut self, a: u32) {
        *self.counts.entry(a).or_default() += 1;
    }
    fn remove(&mut self, a: u32) {
        if let Some(c) = self.counts.get_mut(&a) {
            *c -= 1;
            if *c == 0 {
                self.counts.remove(&a);
            }
        }
    }
    fn distinct(&self) -> usize {
        self.counts.len()
    }
}

impl Detector<'_> {
    fn keep(&self, t: u32) -> bool {
        let a = self.g.amount(t);
        a >= self.p.min_amount_fen && a <= self.p.max_amount_fen && self.g.from(t) != self.g.to(t)
    }

    fn filtered(&self, list: &[u32]) -> Vec<u32> {
        list.iter().copied().filter(|&t| self.keep(t)).collect()
    }

    /// The window of `list` (time-sorted transfers) with the most distinct counterparties (then the most
    /// transfers) among those with at least `min` distinct counterparties, or at least `min_transfers` (if not 0)
    /// transfers from at least 2.
    fn best_window(
        &self,
        list: &[u32],
        other: impl Fn(u32) -> u32,
        window_s: i64,
        min: usize,
        min_transfers: usize,
    ) -> Option<(usize, usize, usize)> {
        let mut w = Window::default();
        let (mut lo, mut best) = (0usize, None::<(usize, usize, usize)>);
        for hi in 0..list.len() {
            w.add(other(list[hi]));
            while self.g.at(list[hi]) - self.g.at(list[lo]) > window_s {
                w.remove(other(list[lo]));
                lo += 1;
            }
            let (d, n) = (w.distinct(), hi + 1 - lo);
            let fires = d >= min || (min_transfers > 0 && n >= min_transfers && d >= 2);
            if fires && best.is_none_or(|(blo, bhi, bd)| (d, n) > (bd, bhi - blo)) {
                best = Some((lo, hi + 1, d));
            }
        }
        best
    }

    fn fan(&self, inward: bool) -> Vec<Finding> {
        let (g, p) = (self.g, self.p);
        let kind = if inward { TypologyKind::FanIn } else { TypologyKind::FanOut };
        let need = if p.fan_min_transfers > 0 { p.min_fan.min(p.fan_min_transfers) } else { p.min_fan };
        let other = |t| if inward { g.from(t) } else { g.to(t) };
        let mut out = Vec::new();
        for a in 0..g.account_count() as u32 {
            let raw = if inward { g.ins(a) } else { g.outs(a) };
            if raw.len() < need {
                continue;
            }
            let list = self.filtered(raw);
            // Amount groups (time order kept): the whole list, or each pair of adjacent logarithmic bands.
            let groups: Vec<Vec<u32>> = match p.fan_amount_tolerance {
                None => vec![list],
                Some(tol) => {
                    let step = (1.0 + tol).ln();
                    let mut bands: HashMap<i64, Vec<u32>> = HashMap::new();
                    for &t in &list {
                        let b = ((g.amount(t).max(1) as f64).ln() / step).floor() as i64;
                        bands.entry(b).or_default().push(t);
                        bands.entry(b - 1).or_default().push(t);
                    }
                    let mut keys: Vec<i64> = bands.keys().copied().collect();
                    keys.sort_unstable();
                    keys.into_iter().filter_map(|k| bands.remove(&k)).collect()
                }
            };
            let mut best: Option<(usize, usize, Vec<u32>)> = None;
            for group in &groups {
                if group.len() < need {
                    continue;
                }
                let hit = self.best_window(group, other, p.fan_window_s, p.min_fan, p.fan_min_transfers);
                if let Some((lo, hi, d)) = hit
                    && best.as_ref().is_none_or(|(bd, bn, _)| (d, hi - lo) > (*bd, *bn))
                {
                    best = Some((d, hi - lo, group[lo..hi].to_vec()));
                }
            }
            if let Some((_, _, ts)) = best {
                let mut accounts = vec![a];
                let mut seen = HashSet::new();
                for &t in &ts {
                    if seen.insert(other(t)) {
                        accounts.push(other(t));
                    }
                }
                out.push(finding(g, kind, 1, accounts, ts));
            }
        }
        out
    }

    /// One finding per (sender, receiver) pair: its largest burst of similar amounts within the burst window.
    fn structuring(&self) -> Vec<Finding> {
        let (g, p) = (self.g, self.p);
        let mut out = Vec::new();
        for a in 0..g.account_count() as u32 {
            if g.outs(a).len() < p.burst_min_transfers {
                continue;
            }
            let mut per: HashMap<u32, Vec<u32>> = HashMap::new();
            for t in self.filtered(g.outs(a)) {
                per.entry(g.to(t)).or_default().push(t);
            }
            let mut pairs: Vec<(u32, Vec<u32>)> =
                per.into_iter().filter(|(_, ts)| ts.len() >= p.burst_min_transfers).collect();
            pairs.sort_unstable_by_key(|(b, _)| *b);
            for (b, ts) in pairs {
                if let Some(burst) = self.best_burst(&ts) {
                    out.push(finding(g, TypologyKind::Structuring, 2, vec![a, b], burst));
                }
            }
        }
        out
    }

    /// The largest subset of `ts` (one pair's transfers, time-sorted) within the burst window whose amounts lie
    /// within `burst_amount_ratio` of each other, if it has at least `burst_min_transfers` transfers.
    fn best_burst(&self, ts: &[u32]) -> Option<Vec<u32>> {
        let (g, p) = (self.g, self.p);
        let k = p.burst_min_transfers;
        let mut best: Option<Vec<u32>> = None;
        let mut lo = 0usize;
        for hi in 0..ts.len() {
            while g.at(ts[hi]) - g.at(ts[lo]) > p.burst_window_s {
                lo += 1;
            }
            // Evaluate a window only when it cannot grow further (the next transfer falls outside it).
            let closes = hi + 1 == ts.len() || g.at(ts[hi + 1]) - g.at(ts[lo]) > p.burst_window_s;
            if !closes || hi + 1 - lo < k {
                continue;
            }
            let mut by_amount: Vec<u32> = ts[lo..=hi].to_vec();
            by_amount.sort_by_key(|&t| g.amount(t));
            let (mut i, mut bi, mut bj) = (0usize, 0usize, 0usize);
            for j in 0..by_amount.len() {
                while (g.amount(by_amount[j]) as f64) > p.burst_amount_ratio * g.amount(by_amount[i]) as f64 {
                    i += 1;
                }
                if j + 1 - i > bj - bi {
                    (bi, bj) = (i, j + 1);
                }
            }
            if bj - bi >= k && best.as_ref().is_none_or(|b| bj - bi > b.len()) {
                best = Some(by_amount[bi..bj].to_vec());
            }
        }
        best
    }

    fn gather_scatter(&self) -> Vec<Finding> {
        let (g, p) = (self.g, self.p);
        let mut out = Vec::new();
        for a in 0..g.account_count() as u32 {
            if g.ins(a).len() < p.min_fan || g.outs(a).len() < p.min_fan {
                continue;
            }
            let ins = self.filtered(g.ins(a));
            let outs = self.filtered(g.outs(a));
            // Pivot at each inflow: senders in [t − w, t], recipients in (t, t + w].
            let (mut senders, mut recips) = (Window::default(), Window::default());
            let (mut ilo, mut olo, mut ohi) = (0usize, 0usize, 0usize);
            for ihi in 0..ins.len() {
                let t = g.at(ins[ihi]);
                senders.add(g.from(ins[ihi]));
                while t - g.at(ins[ilo]) > p.fan_window_s {
                    senders.remove(g.from(ins[ilo]));
                    ilo += 1;
                }
                while ohi < outs.len() && g.at(outs[ohi]) <= t + p.fan_window_s {
                    recips.add(g.to(outs[ohi]));
                    ohi += 1;
                }
                while olo < ohi && (g.at(outs[olo]) <= t || outs[olo] < ins[ihi]) {
                    recips.remove(g.to(outs[olo]));
                    olo += 1;
                }
                if senders.distinct() >= p.min_fan && recips.distinct() >= p.min_fan {
                    let mut ts: Vec<u32> = ins[ilo..=ihi].to_vec();
                    ts.extend_from_slice(&outs[olo..ohi]);
                    let mut accounts = vec![a];
                    accounts.extend(senders.counts.keys().copied().collect::<std::collections::BTreeSet<_>>());
                    accounts.extend(recips.counts.keys().copied().collect::<std::collections::BTreeSet<_>>());
                    out.push(finding(g, TypologyKind::GatherScatter, 1, accounts, ts));
                    break;
                }
            }
        }
        out
    }

    fn pass_through(&self) -> Vec<Finding> {
        let (g, p) = (self.g, self.p);
        let mut out = Vec::new();
        for a in 0..g.account_count() as u32 {
            if g.ins(a).is_empty() || g.outs(a).is_empty() {
                continue;
            }
            let ins = self.filtered(g.ins(a));
            let outs = self.filtered(g.outs(a));
            let mut ts = Vec::new();
            let mut accounts = vec![a];
            let mut used_until = 0usize; // outflows already matched to an earlier inflow
            for &i in &ins {
                let t = g.at(i);
                let start = outs.partition_point(|&o| o <= i).max(used_until);
                let mut sum = 0i64;
                let target = g.amount(i) as f64;
                let mut end = start;
                while end < outs.len()
                    && g.at(outs[end]) - t <= p.pass_window_s
                    && (sum as f64) < target * (1.0 - p.pass_tolerance)
                {
                    sum += g.amount(outs[end]);
                    end += 1;
                }
                let s = sum as f64;
                if end > start
                    && target > 0.0
                    && s >= target * (1.0 - p.pass_tolerance)
                    && s <= target * (1.0 + p.pass_tolerance)
                {
                    ts.push(i);
                    accounts.push(g.from(i));
                    for &o in &outs[start..end] {
                        ts.push(o);
                        accounts.push(g.to(o));
                    }
                    used_until = end;
                }
            }
            if !ts.is_empty() {
                let mut seen = HashSet::new();
                accounts.retain(|&x| seen.insert(x));
                out.push(finding(g, TypologyKind::PassThrough, 1, accounts, ts));
            }
        }
        out
    }

    fn scatter_gather(&self) -> Vec<Finding> {
        let (g, p) = (self.g, self.p);
        let mut out = Vec::new();
        for s in 0..g.account_count() as u32 {
            if g.outs(s).len() < p.min_paths {
                continue;
            }
            let mut via: HashMap<u32, Paths> = HashMap::new();
            for &t1 in g.outs(s).iter().filter(|&&t| self.keep(t)) {
                let m = g.to(t1);
                let outs = g.outs(m);
                let from = outs.partition_point(|&x| x <= t1);
                for &t2 in &outs[from..] {
                    if g.at(t2) - g.at(t1) > p.chain_window_s {
                        break;
                    }
                    let sink = g.to(t2);
                    if sink == s || sink == m || !self.keep(t2) {
                        continue;
                    }
                    via.entry(sink).or_default().entry(m).or_insert((t1, t2));
                }
            }
            let mut sinks: Vec<(u32, Paths)> = via.into_iter().filter(|(_, ms)| ms.len() >= p.min_paths).collect();
            sinks.sort_by_key(|(k, _)| *k);
            for (sink, ms) in sinks {
                let mut mids: Vec<(u32, (u32, u32))> = ms.into_iter().collect();
                mids.sort_unstable();
                let mut accounts = vec![s, sink];
                accounts.extend(mids.iter().map(|(m, _)| *m));
                let ts = mids.iter().flat_map(|(_, (a, b))| [*a, *b]).collect();
                out.push(finding(g, TypologyKind::ScatterGather, 2, accounts, ts));
            }
        }
        out
    }

    fn stacks(&self) -> Vec<Finding> {
        let (g, p) = (self.g, self.p);
        let mut out = Vec::new();
        for s in 0..g.account_count() as u32 {
            let outs = self.filtered(g.outs(s));
            if outs.len() < p.stack_width {
                continue;
            }
            // Bursts: out-transfers within chain_window_s of the burst's first one.
            let mut b = 0;
            while b < outs.len() {
                let t0 = g.at(outs[b]);
                let e = b + outs[b..].partition_point(|&t| g.at(t) - t0 <= p.chain_window_s);
                if let Some(f) = self.stack_from(s, &outs[b..e], t0) {
                    out.push(f);
                    break;
                }
                b = e;
            }
        }
        out
    }

    /// Layers reached from `s` by the burst `first` (time-respecting, within the chain window).
    fn stack_from(&self, s: u32, first: &[u32], t0: i64) -> Option<Finding> {
        let (g, p) = (self.g, self.p);
        let mut seen: HashSet<u32> = HashSet::from([s]);
        let mut transfers: Vec<u32> = Vec::new();
        let mut layer: HashMap<u32, u32> = HashMap::new(); // account -> earliest transfer in
        let mut received = 0i64;
        for &t in first {
            if seen.contains(&g.to(t)) && !layer.contains_key(&g.to(t)) {
                continue;
            }
            layer.entry(g.to(t)).or_insert(t);
            received += g.amount(t);
            transfers.push(t);
        }
        if layer.len() < p.stack_width {
            return None;
        }
        seen.extend(layer.keys());
        let mut accounts: Vec<u32> = vec![s];
        let mut depth = 1;
        accounts.extend(sorted(layer.keys()));
        while depth < p.stack_layers {
            let mut next: HashMap<u32, u32> = HashMap::new();
            let mut got = 0i64;
            let mut keys: Vec<u32> = layer.keys().copied().collect();
            keys.sort_unstable();
            for a in keys {
                let arrived = layer[&a];
                let outs = g.outs(a);
                for &t in &outs[outs.partition_point(|&x| x <= arrived)..] {
                    if g.at(t) - t0 > p.chain_window_s {
                        break;
                    }
                    let b = g.to(t);
                    if !self.keep(t) || (seen.contains(&b) && !next.contains_key(&b)) {
                        continue;
                    }
                    next.entry(b).or_insert(t);
                    got += g.amount(t);
                    transfers.push(t);
                }
            }
            let last = depth + 1 == p.stack_layers;
            let wide_enough = if last { !next.is_empty() } else { next.len() >= p.stack_width };
            if !wide_enough || (got as f64) < p.stack_forward_share * received as f64 {
                return None;
            }
            seen.extend(next.keys());
            accounts.extend(sorted(next.keys()));
            received = got;
            layer = next;
            depth += 1;
        }
        Some(finding(g, TypologyKind::Stack, 1, accounts, transfers))
    }

    fn cycles(&self) -> Vec<Finding> {
        let (g, p) = (self.g, self.p);
        let n = g.account_count();
        // Strongly connected components bound the search: a cycle never leaves one. petgraph's Kosaraju is
        // iterative (its Tarjan recurses and overflows the stack on large graphs); petgraph 0.8 has no simple-cycle
        // enumeration, and ours must bound length, time and amounts anyway.
        let mut dg: DiGraph<(), ()> = DiGraph::with_capacity(n, 0);
        for _ in 0..n {
            dg.add_node(());
        }
        let mut pairs: Vec<(u32, u32)> =
            (0..g.transfer_count() as u32).filter(|&t| self.keep(t)).map(|t| (g.from(t), g.to(t))).collect();
        pairs.sort_unstable();
        pairs.dedup();
        dg.extend_with_edges(pairs.iter().map(|&(a, b)| (a, b)));
        drop(pairs);
        let mut comp = vec![u32::MAX; n];
        for (c, scc) in kosaraju_scc(&dg).into_iter().enumerate() {
            if scc.len() >= 2 {
                for v in scc {
                    comp[v.index()] = c as u32;
                }
            }
        }
        drop(dg);
        let mut out = Vec::new();
        let mut found: HashSet<Vec<u32>> = HashSet::new();
        for s in 0..n as u32 {
            if comp[s as usize] == u32::MAX {
                continue;
            }
            let mut budget = p.search_budget;
            let mut tried: HashSet<(u32, i64, i64)> = HashSet::new();
            for &t in g.outs(s) {
                if budget == 0 {
                    break;
                }
                if !self.keep(t) || comp[g.to(t) as usize] != comp[s as usize] || g.to(t) < s {
                    continue;
                }
                if !tried.insert((g.to(t), g.amount(t), g.at(t))) {
                    continue;
                }
                let mut path = vec![t];
                if let Some(cycle) = self.extend_cycle(s, &comp, &mut path, &mut budget) {
                    let mut accounts: Vec<u32> = cycle.iter().map(|&x| g.from(x)).collect();
                    let mut key = accounts.clone();
                    key.sort_unstable();
                    if found.insert(key) {
                        accounts.dedup();
                        let core = accounts.len();
                        out.push(finding(g, TypologyKind::Cycle, core, accounts, cycle));
                    }
                }
            }
        }
        out
    }

    /// Depth-first extension of a chain from `s` (the cycle's smallest account) back to `s`.
    fn extend_cycle(&self, s: u32, comp: &[u32], path: &mut Vec<u32>, budget: &mut usize) -> Option<Vec<u32>> {
        let (g, p) = (self.g, self.p);
        let last = *path.last()?;
        let here = g.to(last);
        let (lo, hi) = path.iter().fold((i64::MAX, i64::MIN), |(lo, hi), &x| (lo.min(g.at(x)), hi.max(g.at(x))));
        let outs = g.outs(here);
        let from = match p.cycle_order {
            CycleOrder::TimeRespecting => outs.partition_point(|&x| x <= last),
            CycleOrder::AnyOrder => outs.partition_point(|&x| g.at(x) < hi - p.chain_window_s),
            CycleOrder::Slack(slack) => outs.partition_point(|&x| g.at(x) < g.at(last) - slack),
        };
        // Repeated identical transfers (a burst: same receiver, amount and time) lead to identical extensions.
        let mut tried: HashSet<(u32, i64, i64)> = HashSet::new();
        for &t in &outs[from..] {
            if !tried.insert((g.to(t), g.amount(t), g.at(t))) {
                continue;
            }
            if *budget == 0 || g.at(t).max(hi) - g.at(t).min(lo) > p.chain_window_s {
                if *budget == 0 || g.at(t) > lo {
                    return None;
                }
                continue;
            }
            *budget -= 1;
            let b = g.to(t);
            let prev = g.amount(last) as f64;
            let amt = g.amount(t) as f64;
            if !self.keep(t) || amt < prev * (1.0 - p.amount_tolerance) || amt > prev * (1.0 + p.amount_tolerance) {
                continue;
            }
            if b == s {
                let mut c = path.clone();
                c.push(t);
                return Some(c);
            }
            if b < s || comp[b as usize] != comp[s as usize] || path.len() + 1 >= p.cycle_max_len {
                continue;
            }
            if path.iter().any(|&x| g.from(x) == b) {
                continue;
            }
            path.push(t);
            if let Some(c) = self.extend_cycle(s, comp, path, budget) {
                return Some(c);
            }
            path.pop();
        }
        None
    }
}

/// One account's part in a set of findings (see [`score_accounts`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountScore {
    pub account: u32,
    /// 2 points per typology in which the account is one of a finding's own (core) accounts, 1 per typology in
    /// which it is only a counterparty.
    pub points: u32,
    /// The distinct typologies it takes part in, in [`TypologyKind`] order.
    pub kinds: Vec<TypologyKind>,
    /// Findings in which it is a core account.
    pub core: usize,
    /// Findings it appears in at all.
    pub findings: usize,
    /// Sum of the amounts of its findings' transfers that it sent or received, fen.
    pub amount_fen: i64,
}

/// Ranks the accounts of `findings` (from any detectors): most points first, then most findings as a core account,
/// then most findings, then largest amount moved in them, then account id.
pub fn score_accounts(g: &TransferGraph, findings: &[Finding]) -> Vec<AccountScore> {
    // account -> (score, kinds as core, kinds as counterparty)
    let mut by: HashMap<u32, (AccountScore, HashSet<TypologyKind>, HashSet<TypologyKind>)> = HashMap::new();
    for f in findings {
        for (i, &a) in f.accounts.iter().enumerate() {
            let (s, core_kinds, other_kinds) = by.entry(a).or_insert_with(|| {
                let s = AccountScore { account: a, points: 0, kinds: Vec::new(), core: 0, findings: 0, amount_fen: 0 };
                (s, HashSet::new(), HashSet::new())
            });
            s.findings += 1;
            if i < f.core {
                s.core += 1;
                core_kinds.insert(f.kind);
            } else {
                other_kinds.insert(f.kind);
            }
        }
        for &t in &f.transfers {
            for a in [g.from(t), g.to(t)] {
                if let Some((s, _, _)) = by.get_mut(&a) {
                    s.amount_fen = s.amount_fen.saturating_add(g.amount(t));
                }
            }
        }
    }
    let mut out: Vec<AccountScore> = by
        .into_values()
        .map(|(mut s, core_kinds, other_kinds)| {
            let only_other = other_kinds.difference(&core_kinds).count();
            s.points = 2 * core_kinds.len() as u32 + only_other as u32;
            s.kinds = core_kinds.union(&other_kinds).copied().collect();
            s.kinds.sort_unstable();
            s
        })
        .collect();
    out.sort_by(|a, b| {
        (b.points, b.core, b.findings, b.amount_fen, a.account).cmp(&(
            a.points,
            a.core,
            a.findings,
            a.amount_fen,
            b.account,
        ))
    });
    out
}

fn sorted<'a>(keys: impl Iterator<Item = &'a u32>) -> Vec<u32> {
    let mut v: Vec<u32> = keys.copied().collect();
    v.sort_unstable();
    v
}
