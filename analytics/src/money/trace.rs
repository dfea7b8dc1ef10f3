//! Downstream tracing of a victim's money: each account's balance is a queue of lots (victim money carried by one
//! trail node, or clean money); outgoing transfers consume lots FIFO, LIFO, pro rata or matched by amount, in global
//! time order.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, HashSet, VecDeque};

use datasets::TransferChannel;

use super::error::MoneyError;
use super::graph::TransferGraph;
use super::pairing::Pairing;
use crate::gangs::is_cash_out_key;

/// How an outgoing transfer is attributed to the lots of the sender's balance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Method {
    /// Oldest money leaves first.
    Fifo,
    /// Newest money leaves first.
    Lifo,
    /// Every lot pays its share of each transfer, in proportion to its size.
    ProRata,
    /// Specific identification by amount: each account pairs its arrivals, whoever's money they bring, in time order
    /// from its first on, with its later payouts of (about) the same amount (exactly, or up to
    /// [`TraceParams::match_tolerance`] less; within [`MATCH_WINDOW_S`](super::MATCH_WINDOW_S); the closest in
    /// amount, then the earliest; each payout once), and a paired payout carries its arrival's money. Other payouts
    /// take the newest money first, as LIFO (clean money first if they pass on an arrival whose money is no longer in
    /// a lot marked for it). Pass-through cards (跑分卡, 快进快出) forward what they receive in full, or less a
    /// small cut, or move on what has just come in, so where amounts match they tell whose money a payout is, which
    /// the pure conventions can only guess at a pooled account; and the newest money leaves first where they do not
    /// (FIFO would keep a victim's money behind the commission such a card accumulates).
    Matched,
}

impl Method {
    /// Parses `fifo`, `lifo`, `prorata` (also `pro-rata`, `pro_rata`), `matched`, case-insensitively.
    pub fn parse(text: &str) -> Result<Method, MoneyError> {
        match text.trim().to_ascii_lowercase().as_str() {
            "fifo" => Ok(Method::Fifo),
            "lifo" => Ok(Method::Lifo),
            "prorata" | "pro-rata" | "pro_rata" => Ok(Method::ProRata),
            "matched" => Ok(Method::Matched),
            _ => Err(MoneyError::UnknownMethod { text: text.to_string() }),
        }
    }

    /// `fifo`, `lifo`, `prorata` or `matched`.
    pub fn code(self) -> &'static str {
        match self {
            Method::Fifo => "fifo",
            Method::Lifo => "lifo",
            Method::ProRata => "prorata",
            Method::Matched => "matched",
        }
    }
}

/// The channels that end a trail by default: ATM withdrawal, crypto, merchant purchase.
pub const CASH_OUT_CHANNELS: [TransferChannel; 3] =
    [TransferChannel::Atm, TransferChannel::Crypto, TransferChannel::Merchant];

/// Tracing parameters; build with [`TraceParams::new`] (documented defaults) and adjust fields.
#[derive(Debug, Clone, PartialEq)]
pub struct TraceParams {
    pub method: Method,
    /// Hops followed from the victim's payment (the payment itself is hop 1); victim money reaching hop
    /// `max_depth + 1` is reported as untraced. Default 8.
    pub max_depth: u32,
    /// Transfers later than the first seed plus this many seconds are not followed. Default 90 days.
    pub horizon_s: i64,
    /// Trail nodes kept at most; victim money that would need more is reported as untraced. Default 200,000.
    pub max_nodes: usize,
    /// Victim-money pieces smaller than this (fen) are dropped as dust (reported). Default 1 (nothing dropped).
    pub min_fen: i64,
    /// Transfers on these channels cash the money out (the trail ends). Default [`CASH_OUT_CHANNELS`].
    pub cash_out: Vec<TransferChannel>,
    /// Accounts where the trail ends as at a cash-out (e.g. hubs: money is not followed through them), sorted
    /// ascending. Default empty.
    pub end_accounts: Vec<u32>,
    /// [`Method::Matched`]: a transfer up to this share below an arrival's amount still passes it on (a card keeping a
    /// cut). Default 0: exact amounts only.
    pub match_tolerance: f64,
}

impl TraceParams {
    /// The documented defaults with this method.
    pub fn new(method: Method) -> TraceParams {
        TraceParams {
            method,
            max_depth: 8,
            horizon_s: 90 * 86_400,
            max_nodes: 200_000,
            min_fen: 1,
            cash_out: CASH_OUT_CHANNELS.to_vec(),
            end_accounts: Vec::new(),
            match_tolerance: 0.0,
        }
    }

    pub(crate) fn check(&self) -> Result<(), MoneyError> {
        let bad = |name, value: String, reason| Err(MoneyError::InvalidParameter { name, value, reason });
        if self.max_depth == 0 {
            return bad("max_depth", "0".into(), "must be at least 1");
        }
        if self.horizon_s < 0 {
            return bad("horizon_s", self.horizon_s.to_string(), "must not be negative");
        }
        if self.max_nodes == 0 {
            return bad("max_nodes", "0".into(), "must be at least 1");
        }
        if self.min_fen < 1 {
            return bad("min_fen", self.min_fen.to_string(), "must be at least 1");
        }
        if !(0.0..1.0).contains(&self.match_tolerance) {
            return bad("match_tolerance", self.match_tolerance.to_string(), "must be in [0, 1)");
        }
        if !self.end_accounts.windows(2).all(|w| w[0] < w[1]) {
            return bad("end_accounts", format!("{} accounts", self.end_accounts.len()), "must be sorted ascending");
        }
        Ok(())
    }
}

/// Why a trail node's money went no further.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeEnd {
    /// Forwarded or still held (see `held_fen`).
    Open,
    /// The transfer was a cash-out.
    CashedOut,
    /// The node is beyond `max_depth`: its money is reported as untraced.
    DepthLimit,
}

/// One step of the trail: victim money carried by one transfer into one account.
#[derive(Debug, Clone, PartialEq)]
pub struct TrailNode {
    /// The node whose money this transfer carried (`None` for the victim's own payment).
    pub parent: Option<u32>,
    /// The receiving account.
    pub account: u32,
    /// The transfer id.
    pub transfer: u32,
    /// Victim money carried, fen.
    pub amount_fen: i64,
    pub at: i64,
    /// Seconds the money sat in the sending account (from the parent's arrival); `None` for the payment.
    pub dwell_s: Option<i64>,
    /// 1 for the victim's payment.
    pub depth: u32,
    pub end: NodeEnd,
    /// Of `amount_fen`, what still sits in `account` at the end of the trace.
    pub held_fen: i64,
    /// The transfer passed on the arrival that had brought this money into the sender, paired by amount
    /// ([`Method::Matched`]).
    pub matched: bool,
}

/// Victim money still in one account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holding {
    pub account: u32,
    pub amount_fen: i64,
    /// When the last of it arrived.
    pub since: i64,
}

/// Victim money cashed out at one endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CashOut {
    /// The receiving endpoint (ATM terminal, wallet, merchant).
    pub account: u32,
    pub channel: TransferChannel,
    pub amount_fen: i64,
    /// First cash-out time.
    pub first_at: i64,
}

/// Victim money the trace could not follow, by reason.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Untraced {
    pub depth_limit_fen: i64,
    pub node_limit_fen: i64,
    pub dust_fen: i64,
}

impl Untraced {
    /// The sum.
    pub fn total(&self) -> i64 {
        self.depth_limit_fen + self.node_limit_fen + self.dust_fen
    }
}

/// The result of a downstream trace. Conservation: `victim_fen == held_fen() + cashed_out_fen() +
/// untraced.total()`.
#[derive(Debug, Clone, PartialEq)]
pub struct Trace {
    pub method: Method,
    /// The seed transfers (victim payments), in time order.
    pub seeds: Vec<u32>,
    pub victim_fen: i64,
    pub nodes: Vec<TrailNode>,
    /// Sorted by amount, largest first.
    pub holdings: Vec<Holding>,
    /// Sorted by amount, largest first.
    pub cashed_out: Vec<CashOut>,
    pub untraced: Untraced,
}

impl Trace {
    /// Victim money still held in accounts.
    pub fn held_fen(&self) -> i64 {
        self.holdings.iter().map(|h| h.amount_fen).sum()
    }

    /// Of [`Trace::held_fen`], the money that reached its account by a transfer passing on the arrival it was paired
    /// with ([`TrailNode::matched`]; [`Method::Matched`] only).
    pub fn held_matched_fen(&self) -> i64 {
        self.nodes.iter().filter(|n| n.matched).map(|n| n.held_fen).sum()
    }

    /// Victim money cashed out.
    pub fn cashed_out_fen(&self) -> i64 {
        self.cashed_out.iter().map(|c| c.amount_fen).sum()
    }

    /// Children of node `n` (or the roots for `None`), in creation order.
    pub fn children(&self, n: Option<u32>) -> impl Iterator<Item = u32> + '_ {
        self.nodes.iter().enumerate().filter(move |(_, x)| x.parent == n).map(|(i, _)| i as u32)
    }
}

#[derive(Debug, Clone, Copy)]
struct Lot {
    amount: i64,
    arrived: i64,
    node: Option<u32>,
    /// The later transfer its arrival is paired with ([`Method::Matched`]): it carries this lot, and no
    /// other transfer takes it while the purse holds other money.
    mark: Option<u32>,
}

/// One account's balance as lots in arrival order.
#[derive(Debug, Default)]
struct Purse {
    lots: VecDeque<Lot>,
}

impl Purse {
    fn push(&mut self, lot: Lot, method: Method) {
        if lot.amount <= 0 {
            return;
        }
        if lot.node.is_none() && lot.mark.is_none() {
            // Clean money merges: with the lot before it (FIFO/LIFO keep arrival order), with any clean lot (pro rata).
            let clean = |l: &&mut Lot| l.node.is_none() && l.mark.is_none();
            let merge = match method {
                Method::ProRata => self.lots.iter_mut().find(clean),
                _ => self.lots.back_mut().filter(clean),
            };
            if let Some(l) = merge {
                l.amount += lot.amount;
                return;
            }
        }
        self.lots.push_back(lot);
    }

    /// Takes `amount` for transfer `t`: the pieces taken (per lot) and the shortfall (money from outside the data:
    /// clean). `paired`: [`Method::Matched`] paired `t` with an arrival; if that arrival's money no longer sits in a
    /// lot marked for `t` (it came before the trace reached this account, or was taken already), `t` carries other
    /// money than the traced victim's.
    fn take(&mut self, t: u32, amount: i64, method: Method, paired: bool) -> (Vec<Lot>, i64) {
        let total: i64 = self.lots.iter().map(|l| l.amount).sum();
        let passes_other = paired && !self.lots.iter().any(|l| l.mark == Some(t));
        if amount >= total {
            let all = self.lots.drain(..).map(|l| Lot { mark: l.mark.filter(|&m| m == t), ..l }).collect();
            return (all, amount - total);
        }
        let mut taken = Vec::new();
        let mut need = amount;
        match method {
            Method::Matched => {
                // The lots passed on by this transfer, then unmarked lots newest first (clean money first if the
                // transfer passes on money no longer in a lot marked for it), then other transfers' lots newest first;
                // the pieces keep the purse's order.
                let rank = |l: &Lot| match l.mark {
                    Some(m) if m == t => 0,
                    None if passes_other && l.node.is_none() => 1,
                    None => 2,
                    Some(_) => 3,
                };
                let mut order: Vec<usize> = (0..self.lots.len()).collect();
                order.sort_by_key(|&i| (rank(&self.lots[i]), Reverse(i)));
                let mut pieces: Vec<(usize, Lot)> = Vec::new();
                for i in order {
                    if need == 0 {
                        break;
                    }
                    let lot = &mut self.lots[i];
                    let piece = lot.amount.min(need);
                    lot.amount -= piece;
                    need -= piece;
                    // A piece keeps its mark only when this transfer is the one passing it on.
                    pieces.push((i, Lot { amount: piece, mark: lot.mark.filter(|&m| m == t), ..*lot }));
                }
                pieces.sort_by_key(|&(i, _)| i);
                taken.extend(pieces.into_iter().map(|(_, l)| l));
                self.lots.retain(|l| l.amount > 0);
                // What this transfer left of the lots it passes on (a cut) is no longer reserved.
                for lot in self.lots.iter_mut().filter(|l| l.mark == Some(t)) {
                    lot.mark = None;
                }
            }
            Method::Fifo | Method::Lifo => {
                while need > 0 {
                    let lot = if method == Method::Fifo { self.lots.front_mut() } else { self.lots.back_mut() };
                    let Some(lot) = lot else { break };
                    let piece = lot.amount.min(need);
                    lot.amount -= piece;
                    need -= piece;
                    taken.push(Lot { amount: piece, mark: None, ..*lot });
                    if lot.amount == 0 {
                        if method == Method::Fifo {
                            self.lots.pop_front();
                        } else {
                            self.lots.pop_back();
                        }
                    }
                }
                if method == Method::Lifo {
                    // Pieces in the purse's order, so the receiver keeps the sender's arrival order.
                    taken.reverse();
                }
            }
            Method::ProRata => {
                let shares: Vec<(i64, i128)> = self
                    .lots
                    .iter()
                    .map(|l| {
                        let exact = l.amount as i128 * amount as i128;
                        ((exact / total as i128) as i64, exact % total as i128)
                    })
                    .collect();
                let mut pieces: Vec<i64> = shares.iter().map(|s| s.0).collect();
                need -= pieces.iter().sum::<i64>();
                // Largest remainders get the fen rounding left over (fewer than there are lots), ties by order.
                let mut by_rest: Vec<usize> = (0..shares.len()).collect();
                by_rest.sort_by(|&i, &j| shares[j].1.cmp(&shares[i].1).then(i.cmp(&j)));
                for i in by_rest {
                    if need == 0 {
                        break;
                    }
                    let extra = (self.lots[i].amount - pieces[i]).min(need);
                    pieces[i] += extra;
                    need -= extra;
                }
                for (p, l) in pieces.into_iter().zip(self.lots.iter_mut()) {
                    if p > 0 {
                        l.amount -= p;
                        taken.push(Lot { amount: p, mark: None, ..*l });
                    }
                }
                self.lots.retain(|l| l.amount > 0);
            }
        }
        (taken, 0)
    }
}

/// The clean balance account `a` held just before transfer `before`, replaying its history (a balance never goes
/// below zero: money from outside the data covers any shortfall).
fn opening_balance(g: &TransferGraph, a: u32, before: u32) -> i64 {
    let (ins, outs) = (g.ins(a), g.outs(a));
    let (mut i, mut o, mut bal) = (0usize, 0usize, 0i64);
    loop {
        let ni = ins.get(i).copied().filter(|&t| t < before);
        let no = outs.get(o).copied().filter(|&t| t < before);
        match (ni, no) {
            (Some(ti), Some(to)) if ti < to => {
                bal += g.amount(ti);
                i += 1;
            }
            (Some(ti), None) => {
                bal += g.amount(ti);
                i += 1;
            }
            (_, Some(to)) => {
                bal = (bal - g.amount(to)).max(0);
                o += 1;
            }
            (None, None) => return bal,
        }
    }
}

/// Traces the money of `seeds` (transfer ids, e.g. a report's payments) downstream.
pub fn trace_downstream(g: &TransferGraph, seeds: &[u32], params: &TraceParams) -> Result<Trace, MoneyError> {
    trace_downstream_paired(g, seeds, params, &mut Pairings::new())
}

/// Each account's pairing of arrivals and payouts ([`Method::Matched`]), by account. It depends on the account's
/// history and the tolerance only, so traces over the same graph with the same tolerance may share one: a shared
/// pairing answers as a fresh one would.
pub(crate) type Pairings = HashMap<u32, Pairing>;

/// [`trace_downstream`], reusing (and extending) `pairings` built with the same `params.match_tolerance`.
pub(crate) fn trace_downstream_paired(
    g: &TransferGraph,
    seeds: &[u32],
    params: &TraceParams,
    pairings: &mut Pairings,
) -> Result<Trace, MoneyError> {
    params.check()?;
    let mut seeds: Vec<u32> = seeds.iter().copied().filter(|&t| (t as usize) < g.transfer_count()).collect();
    seeds.sort_unstable();
    seeds.dedup();
    let Some(&first) = seeds.first() else {
        return Err(MoneyError::InvalidParameter { name: "seeds", value: "[]".into(), reason: "no transfer to trace" });
    };
    let seed_set: HashSet<u32> = seeds.iter().copied().collect();
    let end_at = g.at(first).saturating_add(params.horizon_s);
    let method = params.method;
    let mut purses: HashMap<u32, Purse> = HashMap::new();
    let mut nodes: Vec<TrailNode> = Vec::new();
    let mut untraced = Untraced::default();
    let mut cash: HashMap<u32, CashOut> = HashMap::new();
    let victim_fen: i64 = seeds.iter().map(|&t| g.amount(t)).sum();

    // Only transfers of the seeds and those into or out of an account holding (or having held) victim money can
    // move victim money or change what an account's balance is made of: they are visited in id (= time) order, each
    // tracked account's in- and out-lists read by a cursor, so the work follows the money, not the whole graph.
    // Queue entries: (transfer, account, list, position in the list); list 0 is the seeds.
    let mut queue: BinaryHeap<Reverse<(u32, u32, u8, u32)>> = seeds.iter().map(|&t| Reverse((t, 0, 0, 0))).collect();
    let follow = |queue: &mut BinaryHeap<Reverse<(u32, u32, u8, u32)>>, acct: u32, after: u32| {
        for (list, ids) in [(1u8, g.outs(acct)), (2u8, g.ins(acct))] {
            let pos = ids.partition_point(|&x| x <= after);
            if let Some(&next) = ids.get(pos) {
                queue.push(Reverse((next, acct, list, pos as u32)));
            }
        }
    };
    let mut last: Option<u32> = None;
    while let Some(Reverse((t, acct, list, pos))) = queue.pop() {
        if list != 0 {
            let ids = if list == 1 { g.outs(acct) } else { g.ins(acct) };
            if let Some(&next) = ids.get(pos as usize + 1) {
                queue.push(Reverse((next, acct, list, pos + 1)));
            }
        }
        if last.is_some_and(|l| t <= l) {
            continue;
        }
        last = Some(t);
        let at = g.at(t);
        if at > end_at {
            break;
        }
        let (a, b, amount) = (g.from(t), g.to(t), g.amount(t));
        // A transfer with no receiving account (a cash-out sink) always ends the trail, whatever its channel.
        let cash_out = g.channel(t).is_some_and(|c| params.cash_out.contains(&c))
            || params.end_accounts.binary_search(&b).is_ok()
            || is_cash_out_key(g.key(b));
        // What this transfer carries, in the sender's lot order: (parent node or clean, amount, arrival at sender,
        // passed on as it arrived).
        let mut pieces: Vec<(Option<u32>, i64, i64, bool)> = Vec::new();
        if seed_set.contains(&t) {
            pieces.push((None, amount, at, false));
        } else if let Some(purse) = purses.get_mut(&a) {
            let paired = method == Method::Matched
                && pairings.get_mut(&a).is_some_and(|p| {
                    p.advance(g, t);
                    p.arrival_of(t).is_some()
                });
            let (taken, shortfall) = purse.take(t, amount, method, paired);
            pieces.extend(taken.into_iter().map(|l| (l.node, l.amount, l.arrived, l.mark.is_some())));
            pieces.push((None, shortfall, at, false));
        } else {
            pieces.push((None, amount, at, false));
        }
        let seed = seed_set.contains(&t);
        // Lots arriving at `b`, in order; `None` = clean.
        let mut arriving: Vec<(Option<u32>, i64)> = Vec::new();
        for (parent, piece, arrived, matched) in pieces {
            if piece <= 0 {
                continue;
            }
            if parent.is_none() && !seed {
                arriving.push((None, piece));
                continue;
            }
            let depth = parent.map_or(1, |p| nodes[p as usize].depth + 1);
            if piece < params.min_fen {
                untraced.dust_fen += piece;
                arriving.push((None, piece));
                continue;
            }
            if nodes.len() >= params.max_nodes {
                untraced.node_limit_fen += piece;
                arriving.push((None, piece));
                continue;
            }
            let id = nodes.len() as u32;
            let end = if cash_out {
                NodeEnd::CashedOut
            } else if depth > params.max_depth {
                NodeEnd::DepthLimit
            } else {
                NodeEnd::Open
            };
            nodes.push(TrailNode {
                parent,
                account: b,
                transfer: t,
                amount_fen: piece,
                at,
                dwell_s: parent.map(|_| at - arrived),
                depth,
                end,
                held_fen: 0,
                matched,
            });
            match end {
                NodeEnd::CashedOut => {
                    let c = cash.entry(b).or_insert(CashOut {
                        account: b,
                        channel: g.channel(t).unwrap_or(TransferChannel::Other),
                        amount_fen: 0,
                        first_at: at,
                    });
                    c.amount_fen += piece;
                }
                NodeEnd::DepthLimit => {
                    untraced.depth_limit_fen += piece;
                    arriving.push((None, piece));
                }
                NodeEnd::Open => arriving.push((Some(id), piece)),
            }
        }
        if cash_out {
            continue;
        }
        let tracked = purses.contains_key(&b);
        if !tracked && arriving.iter().all(|(n, _)| n.is_none()) {
            continue;
        }
        if !tracked {
            follow(&mut queue, b, t);
        }
        let purse = purses.entry(b).or_insert_with(|| {
            let mut p = Purse::default();
            p.push(Lot { amount: opening_balance(g, b, t), arrived: i64::MIN, node: None, mark: None }, method);
            p
        });
        // Specific identification: the payout of `b` that passes this arrival on, in `b`'s own pairing.
        let mark = (method == Method::Matched)
            .then(|| {
                let pairing = pairings.entry(b).or_insert_with(|| Pairing::new(b, params.match_tolerance));
                debug_assert_eq!(pairing.tolerance(), params.match_tolerance, "pairings shared across tolerances");
                pairing.advance(g, t);
                pairing.payout_of(t)
            })
            .flatten();
        for (node, piece) in arriving {
            purse.push(Lot { amount: piece, arrived: at, node, mark }, method);
        }
    }

    let mut holdings: HashMap<u32, Holding> = HashMap::new();
    for (&acct, purse) in &purses {
        for lot in &purse.lots {
            if let Some(n) = lot.node {
                nodes[n as usize].held_fen += lot.amount;
                let h = holdings.entry(acct).or_insert(Holding { account: acct, amount_fen: 0, since: i64::MIN });
                h.amount_fen += lot.amount;
                h.since = h.since.max(lot.arrived);
            }
        }
    }
    let mut holdings: Vec<Holding> = holdings.into_values().filter(|h| h.amount_fen > 0).collect();
    holdings.sort_by(|x, y| y.amount_fen.cmp(&x.amount_fen).then(x.account.cmp(&y.account)));
    let mut cashed_out: Vec<CashOut> = cash.into_values().collect();
    cashed_out.sort_by(|x, y| y.amount_fen.cmp(&x.amount_fen).then(x.account.cmp(&y.account)));
    Ok(Trace { method, seeds, victim_fen, nodes, holdings, cashed_out, untraced })
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::money::graph::MoneyTransfer;

    #[test]
    fn money_withdrawn_with_no_receiving_account_is_cashed_out_at_a_sink_of_its_own() {
        let t = |from: &str, to: &str, yuan: i64, hour: i64, channel: Option<TransferChannel>, report: Option<&str>| {
            MoneyTransfer {
                from_account: from.into(),
                to_account: to.into(),
                amount_fen: yuan * 100,
                at: hour * 3600,
                channel,
                report_id: report.map(str::to_string),
            }
        };
        let (victim, mule, other) = ("6222020000000000001", "6222020000000000002", "6222020000000000003");
        let g = TransferGraph::build([
            t(victim, mule, 5000, 0, Some(TransferChannel::Bank), Some("R1")),
            // Cash (not a default cash-out channel) with no receiver, and an ATM withdrawal with none.
            t(mule, "", 3000, 1, Some(TransferChannel::Cash), None),
            t(mule, " ", 1500, 2, Some(TransferChannel::Atm), None),
            t(other, "", 700, 2, Some(TransferChannel::Atm), None),
            // No receiver on a bank transfer: not a cash-out, skipped and counted.
            t(mule, "", 100, 3, Some(TransferChannel::Bank), None),
        ]);
        assert_eq!(g.stats().empty_accounts, 1);
        assert_eq!(g.transfer_count(), 4);
        let trace = trace_downstream(&g, g.report_transfers("R1").unwrap(), &TraceParams::new(Method::Fifo)).unwrap();
        assert_eq!(trace.cashed_out_fen(), 450_000);
        assert_eq!(trace.held_fen(), 50_000);
        let sinks: Vec<&str> = trace.cashed_out.iter().map(|c| g.key(c.account)).collect();
        assert_eq!(sinks, vec!["cashout:cash:card:6222020000000000002", "cashout:atm:card:6222020000000000002"]);
        // Another card's withdrawal is a sink of its own, not the mule's.
        assert!(g.account("cashout:atm:card:6222020000000000003").is_ok());
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(100))]
        /// Traces sharing one set of pairings, in any order, give what each gives alone.
        #[test]
        fn shared_pairings_answer_as_fresh_ones(
            rows in prop::collection::vec((0u8..6, 0u8..6, 1i64..6, 0i64..20, 0u8..4), 1..60),
            tolerance in prop_oneof![Just(0.0), 0.0f64..0.3],
            reverse in any::<bool>(),
        ) {
            // Reports R0..R2 are the transfers drawn with report 1..=3; amounts of a few values over 20 days.
            let g = TransferGraph::build(rows.iter().map(|&(f, t, k, day, r)| MoneyTransfer {
                from_account: format!("a{f}"),
                to_account: format!("a{t}"),
                amount_fen: k * 100,
                at: day * 86_400,
                channel: None,
                report_id: (r > 0).then(|| format!("R{r}")),
            }));
            let mut params = TraceParams::new(Method::Matched);
            params.match_tolerance = tolerance;
            let mut reports: Vec<&str> = vec!["R1", "R2", "R3"];
            if reverse {
                reports.reverse();
            }
            let mut shared = Pairings::new();
            for r in reports {
                let Ok(seeds) = g.report_transfers(r) else { continue };
                let alone = trace_downstream(&g, seeds, &params).unwrap();
                let together = trace_downstream_paired(&g, seeds, &params, &mut shared).unwrap();
                prop_assert_eq!(together, alone);
            }
        }
    }
}
