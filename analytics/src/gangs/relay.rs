//! Relays: accounts that pass on money for many unrelated payers over a long life — payment platforms and
//! merchants' settlement accounts, OTC desks, 跑分 pools — recognised from their flow pattern alone.
//!
//! A gang's own mule card has a short life and few counterparties: in the field an L1 card collects from 3–30
//! victims, lives 1–14 days before it is frozen and is drained into 3–10 L2 cards; an L2 pays 2–5 L3 cards
//! (`../shared/docs/domain-notes.md`, "How the money moves"). An account that has many distinct payers *and* many
//! distinct payees, stays active for weeks beyond an L1's life, passes on most of what it receives and keeps it only
//! briefly is a business that forwards money for whoever pays it, and sharing it says nothing about sharing a gang.
//! The thresholds sit above the field's ranges for a gang's own cards (twice the 10 payees of an L1, a life of more
//! than twice the 14 days of one), not on any generator's parameters, and every figure is read from the transfers
//! themselves: how many reports name the account plays no part (a relay that victims never name is still one).
//!
//! Some relays pay one or two payees, their owner's own accounts: an OTC desk's collecting card is paid once
//! each by dozens of buyers of crypto (and by the gangs selling to it) and sweeps its takings to the desk's own
//! treasury; a shop's account is paid once each by its customers (and by a gang's last hop buying goods) and keeps
//! the money. Such a *collector* is read from its payers instead: at least twice the 10 victims a typical L1
//! collects from, nearly each of them paying once or twice, over a life beyond an L1's; one that keeps the money
//! needs five times as many (100), beyond the few dozen L3 cards that feed a gang's backer. A gang's own downstream cards split the money on to several cards of its chain (an L2 pays 2–5
//! L3s), and they and its backer are fed again and again by the same few cards of the chain (a median of 5–30
//! transfers per payer).

use super::graph::{EntityKind, GangGraph, OutTransfer, Payment};
use crate::error::{Error, Result};

const HOUR: f64 = 3_600.0;
const DAY: f64 = 86_400.0;

/// Thresholds of the relay detector; an account must pass all of them. See the module doc for why.
#[derive(Debug, Clone, PartialEq)]
pub struct RelayParams {
    /// Distinct accounts paying into it.
    pub min_sources: usize,
    /// Distinct accounts it pays that can pay on: withdrawals (ATM, cash), purchases and cash-outs without a
    /// counterparty are not counted (an L3 card withdrawing at many ATMs is no relay); crypto wallets are.
    pub min_destinations: usize,
    /// Days between its first and last transfer.
    pub min_active_days: f64,
    /// Median number of payouts a payee receives from it: a relay forwards each customer's money to that customer's
    /// own destination, so most payees get one or a few payouts; a gang's card keeps paying the same few cards of
    /// its own chain (dozens of payouts each). An account victims pay whose payees are paid again and again (a
    /// payment platform forwarding to its merchants and to gangs' cards) qualifies by its payers instead: a median
    /// of at most `max_median_payments_per_payer` payments each, where a gang's card is fed by the same few cards
    /// of its chain. (Downstream of the victims, a 跑分 pool's card is paid like that by many L1 cards too; it is
    /// left to the laundering-service rules, which see the money of several gangs meet in the pool.)
    pub max_median_payouts_per_payee: f64,
    /// Median hours between a payout and the latest arrival before it.
    pub max_median_dwell_hours: f64,
    /// Money paid out (cash-outs included) over money received.
    pub min_pass_through: f64,
    /// A collector (see the module doc) pays at most this many payees (its owner's accounts) …
    pub max_collector_payees: usize,
    /// … and needs this many distinct payers (when it passes the money on, see `min_pass_through`) …
    pub min_collector_payers: usize,
    /// … or this many when it keeps the money (a shop; a gang's backer keeps it too, fed by the few dozen L3 cards
    /// of its chains) …
    pub min_keeping_collector_payers: usize,
    /// … paying it a median of at most this many times each.
    pub max_median_payments_per_payer: f64,
}

impl RelayParams {
    /// Defaults: ≥ 12 distinct payers and ≥ 20 distinct payees receiving a median of ≤ 3 payouts each, median dwell
    /// ≤ 48 h, ≥ 80% passed on (or, for a collector, ≤ 2 payees and ≥ 20 distinct payers paying a median of ≤ 2
    /// times each, ≥ 100 if it does not pass the money on so), active ≥ 30 days.
    pub fn defaults() -> RelayParams {
        RelayParams {
            min_sources: 12,
            min_destinations: 20,
            min_active_days: 30.0,
            max_median_payouts_per_payee: 3.0,
            max_median_dwell_hours: 48.0,
            min_pass_through: 0.8,
            max_collector_payees: 2,
            min_collector_payers: 20,
            min_keeping_collector_payers: 100,
            max_median_payments_per_payer: 2.0,
        }
    }

    pub(crate) fn check(&self) -> Result<()> {
        let bad = |name: &'static str, value: String, reason: &'static str| {
            Err(Error::InvalidParameter { name, value, reason })
        };
        if self.min_sources < 2 {
            return bad("relay.min_sources", self.min_sources.to_string(), "must be at least 2");
        }
        if self.min_destinations < 2 {
            return bad("relay.min_destinations", self.min_destinations.to_string(), "must be at least 2");
        }
        if !(self.min_active_days.is_finite() && self.min_active_days >= 0.0) {
            return bad("relay.min_active_days", self.min_active_days.to_string(), "must be a finite number ≥ 0");
        }
        if !(self.max_median_payouts_per_payee.is_finite() && self.max_median_payouts_per_payee >= 1.0) {
            let value = self.max_median_payouts_per_payee.to_string();
            return bad("relay.max_median_payouts_per_payee", value, "must be a finite number ≥ 1");
        }
        if !(self.max_median_dwell_hours.is_finite() && self.max_median_dwell_hours > 0.0) {
            return bad("relay.max_median_dwell_hours", self.max_median_dwell_hours.to_string(), "must be > 0");
        }
        if self.min_keeping_collector_payers < self.min_collector_payers {
            let value = self.min_keeping_collector_payers.to_string();
            return bad("relay.min_keeping_collector_payers", value, "must be at least relay.min_collector_payers");
        }
        if self.min_collector_payers < 2 {
            return bad("relay.min_collector_payers", self.min_collector_payers.to_string(), "must be at least 2");
        }
        if !(self.max_median_payments_per_payer.is_finite() && self.max_median_payments_per_payer >= 1.0) {
            let value = self.max_median_payments_per_payer.to_string();
            return bad("relay.max_median_payments_per_payer", value, "must be a finite number ≥ 1");
        }
        if !(0.0..=1.0).contains(&self.min_pass_through) {
            return bad("relay.min_pass_through", self.min_pass_through.to_string(), "must be in [0, 1]");
        }
        Ok(())
    }
}

/// Share below an arrival's amount that a relay's payout may be and still pass that arrival on (its fee).
const RELAY_MATCH_TOLERANCE: f64 = 0.1;

/// Whether a relay's payout of `paid` passes on an arrival of `arrived` (the relay keeping at most its fee).
fn passes_on(paid: i64, arrived: i64) -> bool {
    paid <= arrived && paid as f64 >= arrived as f64 * (1.0 - RELAY_MATCH_TOLERANCE)
}

/// The relays held apart from linking (entity ids), and those of them that are collectors: what clustering follows
/// a victim's money through, and what `explain_link` follows it through the same way.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Relays {
    relays: Vec<u32>,
    collectors: Vec<u32>,
}

impl Relays {
    /// Relays `relays`, of which `collectors` are collectors (sorted and deduplicated here).
    pub fn new(mut relays: Vec<u32>, mut collectors: Vec<u32>) -> Relays {
        for v in [&mut relays, &mut collectors] {
            v.sort_unstable();
            v.dedup();
        }
        Relays { relays, collectors }
    }

    /// The relays `params` finds in `graph` that `held_apart` (given the account's key) keeps from linking: those a
    /// clustering run with these parameters recorded as hubs and an investigator did not force back in.
    pub fn find(graph: &GangGraph, params: &RelayParams, held_apart: impl Fn(&str) -> bool) -> Relays {
        Relays::of_found(&find_relays(graph, params), |e| held_apart(graph.key(e)))
    }

    /// The relays among `found` (with their flows, as [`find_relays`] gives them) that `held_apart` keeps.
    pub(crate) fn of_found(found: &[(u32, RelayFlow)], held_apart: impl Fn(u32) -> bool) -> Relays {
        let kept = found.iter().filter(|(e, _)| held_apart(*e));
        let collectors = kept.clone().filter(|(_, f)| f.collector).map(|&(e, _)| e).collect();
        Relays::new(kept.map(|&(e, _)| e).collect(), collectors)
    }

    pub fn relay(&self, e: u32) -> bool {
        self.relays.binary_search(&e).is_ok()
    }

    pub fn collector(&self, e: u32) -> bool {
        self.collectors.binary_search(&e).is_ok()
    }

    /// When payment `p` went to a relay that is no collector, the relay's payout that passed it on (see
    /// [`Relays::passed_on`]).
    pub fn payout<'g>(&self, graph: &'g GangGraph, p: &Payment, window: i64) -> Option<&'g OutTransfer> {
        if !self.relay(p.account) || self.collector(p.account) {
            return None;
        }
        self.passed_on(graph, p.account, p.at, p.amount_fen, window)
    }

    /// The transfers out of `x` that carry on money that arrived there at `at` (`amount` of it), as clustering and
    /// `explain` follow it: none from a collector, from a relay the payout that passed it on ([`Relays::passed_on`]),
    /// from any other account every transfer within `window` after it arrived.
    pub fn carried_on<'g>(
        &self,
        graph: &'g GangGraph,
        x: u32,
        at: i64,
        amount: i64,
        window: i64,
    ) -> Vec<&'g OutTransfer> {
        if self.collector(x) {
            return Vec::new();
        }
        if self.relay(x) {
            return self.passed_on(graph, x, at, amount, window).into_iter().collect();
        }
        graph.transfers_within(x, at, window).iter().collect()
    }

    /// Relay `x`'s payout within `window` after `amount` arrived at `at` that carries that arrival on: of that amount
    /// up to its fee less, to an account that is no relay, the closest in amount, then the earliest. (The first such
    /// payout was taken before: a platform that paid another customer's slightly smaller sum on first handed this
    /// victim's money to the wrong gang's card, on our `relays`-2.)
    pub fn passed_on<'g>(
        &self,
        graph: &'g GangGraph,
        x: u32,
        at: i64,
        amount: i64,
        window: i64,
    ) -> Option<&'g OutTransfer> {
        graph
            .transfers_within(x, at, window)
            .iter()
            .filter(|o| passes_on(o.amount_fen, amount) && !self.relay(o.to))
            .min_by_key(|o| (amount - o.amount_fen, o.at))
    }
}

/// An account's flow pattern, as the detector reads it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RelayFlow {
    pub sources: usize,
    pub destinations: usize,
    pub median_payouts_per_payee: f64,
    pub median_payments_per_payer: f64,
    pub active_days: f64,
    pub median_dwell_hours: f64,
    pub pass_through: f64,
    /// Held apart as a collector (see the module doc), not as a forwarder: its payouts sweep everyone's money
    /// together, so no payout carries one payer's money on.
    pub collector: bool,
}

/// The distinct counterparties among `ids` (sorted in place) and the median number of transfers each (0 if none).
fn counterparties(ids: &mut [u32]) -> (usize, f64) {
    ids.sort_unstable();
    let mut runs: Vec<usize> = ids.chunk_by(|a, b| a == b).map(<[u32]>::len).collect();
    runs.sort_unstable();
    (runs.len(), runs.get(runs.len() / 2).map_or(0.0, |&m| m as f64))
}

/// Every account that behaves as a relay, with its flow, by entity id.
pub(crate) fn find_relays(graph: &GangGraph, params: &RelayParams) -> Vec<(u32, RelayFlow)> {
    let n = graph.entity_count();
    // (distinct payees, median payouts per payee) of each account with enough transfers in to be a candidate.
    let payees: Vec<(usize, f64)> = (0..n as u32)
        .map(|e| {
            if graph.in_degree(e) < params.min_sources.min(params.min_collector_payers) {
                return (0, 0.0);
            }
            let mut tos: Vec<u32> =
                graph.transfers_from(e).iter().filter(|o| !graph.leaves_accounts(o)).map(|o| o.to).collect();
            counterparties(&mut tos)
        })
        .collect();
    // Accounts victims paid (a report's payment): a platform in front of gangs' cards.
    let mut paid_by_victims = vec![false; n];
    for r in 0..graph.report_count() {
        for p in graph.payments(r) {
            paid_by_victims[p.account as usize] = true;
        }
    }
    // Enough payees to be a forwarder; whether they are paid rarely enough is judged below, with the payers.
    let forwards = |e: u32| payees[e as usize].0 >= params.min_destinations;
    let candidate = |e: u32| {
        graph.kind(e) == EntityKind::Account
            && graph.in_degree(e) >= params.min_sources.min(params.min_collector_payers)
            && (forwards(e) || graph.in_degree(e) >= params.min_collector_payers)
    };
    // Arrivals (time, amount, sender) of the candidates.
    let mut arrivals: Vec<Vec<(i64, i64, u32)>> = vec![Vec::new(); n];
    for from in 0..n as u32 {
        for o in graph.transfers_from(from) {
            if candidate(o.to) {
                arrivals[o.to as usize].push((o.at, o.amount_fen, from));
            }
        }
    }
    let mut relays = Vec::new();
    for e in (0..n as u32).filter(|&e| candidate(e)) {
        let ins = &mut arrivals[e as usize];
        ins.sort_unstable();
        let mut senders: Vec<u32> = ins.iter().map(|&(_, _, f)| f).collect();
        let (sources, per_payer) = counterparties(&mut senders);
        let outs = graph.transfers_from(e);
        let received: i64 = ins.iter().map(|&(_, a, _)| a).sum();
        let paid: i64 = outs.iter().map(|o| o.amount_fen).sum();
        let first = ins.first().map(|a| a.0).into_iter().chain(outs.first().map(|o| o.at)).min().unwrap_or(0);
        let last = ins.last().map(|a| a.0).into_iter().chain(outs.last().map(|o| o.at)).max().unwrap_or(0);
        // Dwell of each payout: since the latest arrival at or before it (payouts before any arrival skipped).
        let mut dwell: Vec<f64> = outs
            .iter()
            .filter_map(|o| {
                let k = ins.partition_point(|a| a.0 <= o.at);
                (k > 0).then(|| (o.at - ins[k - 1].0) as f64 / HOUR)
            })
            .collect();
        dwell.sort_unstable_by(f64::total_cmp);
        let flow = RelayFlow {
            sources,
            destinations: payees[e as usize].0,
            median_payouts_per_payee: payees[e as usize].1,
            median_payments_per_payer: per_payer,
            active_days: (last - first) as f64 / DAY,
            median_dwell_hours: if dwell.is_empty() { f64::INFINITY } else { dwell[dwell.len() / 2] },
            pass_through: if received > 0 { paid as f64 / received as f64 } else { 0.0 },
            collector: false,
        };
        let passes_on =
            flow.median_dwell_hours <= params.max_median_dwell_hours && flow.pass_through >= params.min_pass_through;
        let payers = if passes_on { params.min_collector_payers } else { params.min_keeping_collector_payers };
        // An account paying more payees is judged by them (the forwarding rule) whatever its payers look like: a
        // 跑分 pool's card is paid by many once, like a desk, but its payouts lead on to the pool's own cards, where
        // the laundering-service rules see the money of many gangs meet.
        let collects = flow.destinations <= params.max_collector_payees
            && flow.sources >= payers
            && flow.median_payments_per_payer <= params.max_median_payments_per_payer;
        let rarely = flow.median_payouts_per_payee <= params.max_median_payouts_per_payee
            || (paid_by_victims[e as usize] && flow.median_payments_per_payer <= params.max_median_payments_per_payer);
        let forwarder = forwards(e) && rarely && flow.sources >= params.min_sources;
        // A collector is a business taking payments from the public whether it sweeps them on (a desk) or keeps them
        // (a shop): neither says anything about a gang. A backer keeps what it gets too, from the cards of its gang's
        // chains: a keeping collector needs five times the payers.
        if flow.active_days >= params.min_active_days && ((forwarder && passes_on) || collects) {
            relays.push((e, RelayFlow { collector: !(forwarder && passes_on), ..flow }));
        }
    }
    relays
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gangs::{ReportInput, TransferInput};

    fn transfer(from: String, to: String, day: f64, yuan: i64) -> TransferInput {
        TransferInput {
            from_account: from,
            to_account: to,
            at: (day * DAY) as i64,
            amount_fen: yuan * 100,
            channel: None,
            report_id: None,
        }
    }

    fn card(i: u32) -> String {
        format!("62220200{i:011}")
    }

    /// A platform account paid by 30 payers over 90 days, each payment passed on within an hour to two of 25
    /// payees; a gang's L1 card paid by 30 victims in 10 days and drained into 5 L2 cards; a backer who keeps all.
    fn flows() -> Vec<TransferInput> {
        let platform = "2088123456789012".to_string();
        let mut ts = Vec::new();
        for i in 0..30 {
            let day = i as f64 * 3.0;
            ts.push(transfer(card(i), platform.clone(), day, 1_000));
            // Each payment passed on in two parts: 60 payouts to 25 payees, 2 or 3 each.
            ts.push(transfer(platform.clone(), card(100 + (2 * i) % 25), day + 0.04, 500));
            ts.push(transfer(platform.clone(), card(100 + (2 * i + 1) % 25), day + 0.05, 490));
        }
        let l1 = card(500);
        for i in 0..30 {
            let day = i as f64 / 3.0;
            ts.push(transfer(card(200 + i), l1.clone(), day, 5_000));
            ts.push(transfer(l1.clone(), card(600 + i % 5), day + 0.002, 5_000));
        }
        let backer = card(900);
        for i in 0..40 {
            ts.push(transfer(card(300 + i), backer.clone(), i as f64 * 2.0, 800));
        }
        ts
    }

    #[test]
    fn a_relay_passes_an_arrival_on_in_the_payout_closest_to_its_amount() {
        // The platform receives a victim's 1,452.82 yuan, then another customer's 1,331.00; it pays the 1,331.00 on
        // first (a minute after it came, 8% under the victim's sum, within the fee tolerance) and the 1,452.82 seven
        // minutes later. The victim's money is in the later payout.
        let platform = "2088429067926613".to_string();
        let fen = |from: String, to: String, minute: i64, fen: i64| TransferInput {
            at: minute * 60,
            amount_fen: fen,
            ..transfer(from, to, 0.0, 0)
        };
        let ts = vec![
            fen(card(1), platform.clone(), 0, 145_282),
            fen(card(2), platform.clone(), 14, 133_100),
            fen(platform.clone(), card(10), 15, 133_100),
            fen(platform.clone(), card(20), 22, 145_282),
        ];
        let g = GangGraph::build(&[] as &[ReportInput], ts);
        let e = |k: &str| (0..g.entity_count() as u32).find(|&e| g.key(e).ends_with(k)).unwrap();
        let relays = Relays::new(vec![e(&platform)], vec![]);
        let out = relays.passed_on(&g, e(&platform), 0, 145_282, 6 * 3_600).unwrap();
        assert_eq!(out.to, e(&card(20)));
        // The other customer's money goes on in its own payout.
        assert_eq!(relays.passed_on(&g, e(&platform), 14 * 60, 133_100, 6 * 3_600).unwrap().to, e(&card(10)));
        // Nothing within the fee of the amount: nothing is passed on.
        assert!(relays.passed_on(&g, e(&platform), 0, 300_000, 6 * 3_600).is_none());
    }

    #[test]
    fn a_platform_is_a_relay_and_a_mule_card_or_a_backer_is_not() {
        let g = GangGraph::build(&[] as &[ReportInput], flows());
        let relays = find_relays(&g, &RelayParams::defaults());
        let keys: Vec<&str> = relays.iter().map(|&(e, _)| g.key(e)).collect();
        assert_eq!(keys.len(), 1, "{keys:?}");
        assert!(keys[0].ends_with("2088123456789012"), "{keys:?}");
        let flow = relays[0].1;
        assert_eq!((flow.sources, flow.destinations, flow.median_payouts_per_payee), (30, 25, 2.0));
        assert!(flow.active_days > 86.0 && flow.median_dwell_hours < 2.0 && flow.pass_through > 0.98, "{flow:?}");
        assert!(!flow.collector);
    }

    /// An OTC desk's collecting card: 40 buyers pay it once each over 80 days, and it sweeps its takings to the
    /// desk's treasury every few days. A gang's L2 card fed 12 times each by 4 L1 cards over 60 days, draining
    /// into its one L3 card, is no collector.
    fn desk_and_chain() -> Vec<TransferInput> {
        let (desk, treasury, l2, l3) = (card(700), card(701), card(800), card(801));
        let mut ts = Vec::new();
        for i in 0..40 {
            let day = i as f64 * 2.0;
            ts.push(transfer(card(1_000 + i), desk.clone(), day, 700));
            if i % 4 == 3 {
                ts.push(transfer(desk.clone(), treasury.clone(), day + 0.2, 2_800));
            }
        }
        for i in 0..48 {
            let day = i as f64 * 1.25;
            ts.push(transfer(card(2_000 + i % 4), l2.clone(), day, 3_000));
            ts.push(transfer(l2.clone(), l3.clone(), day + 0.01, 3_000));
        }
        ts
    }

    #[test]
    fn a_desk_collecting_from_many_payers_is_a_relay_and_a_chain_card_is_not() {
        let g = GangGraph::build(&[] as &[ReportInput], desk_and_chain());
        let relays = find_relays(&g, &RelayParams::defaults());
        let keys: Vec<&str> = relays.iter().map(|&(e, _)| g.key(e)).collect();
        assert_eq!(keys.len(), 1, "{keys:?}");
        assert!(keys[0].ends_with(&card(700)), "{keys:?}");
        let flow = relays[0].1;
        assert_eq!((flow.sources, flow.destinations, flow.median_payments_per_payer), (40, 1, 1.0));
        assert!(flow.collector);
        let strict = [
            RelayParams { min_collector_payers: 41, ..RelayParams::defaults() },
            RelayParams { max_median_payments_per_payer: 1.0, min_collector_payers: 2, ..RelayParams::defaults() },
        ];
        assert!(find_relays(&g, &strict[0]).is_empty());
        // With any number of payers allowed, the chain card's 12 payments per payer still hold it back.
        let keys: Vec<String> = find_relays(&g, &strict[1]).iter().map(|&(e, _)| g.key(e).to_string()).collect();
        assert!(keys.iter().all(|k| !k.ends_with(&card(800))), "{keys:?}");
        assert!(RelayParams { min_collector_payers: 1, ..RelayParams::defaults() }.check().is_err());
    }

    #[test]
    fn a_platform_paying_the_same_merchants_again_is_a_relay_by_its_payers() {
        // 100 customers pay once each over 99 days; each payment goes on within the hour to one of 20 merchants,
        // 5 payouts each: too many per payee for the payee rule, but no payer pays twice.
        // Ten of the customers are victims who reported their payment.
        let platform = "2088123456789013".to_string();
        let mut ts = Vec::new();
        for i in 0..100 {
            let mut paid = transfer(card(3_000 + i), platform.clone(), i as f64, 200);
            paid.report_id = (i % 10 == 0).then(|| format!("R{i}"));
            ts.push(paid);
            ts.push(transfer(platform.clone(), card(4_000 + i % 20), i as f64 + 0.02, 200));
        }
        let reports: Vec<ReportInput> = (0..100)
            .step_by(10)
            .map(|i| ReportInput::new(format!("R{i}"), (i as f64 * DAY) as i64, datasets::FraudType::OrderBrushing))
            .collect();
        let g = GangGraph::build(&reports, ts.clone());
        let relays = find_relays(&g, &RelayParams::defaults());
        assert_eq!(relays.len(), 1);
        let flow = relays[0].1;
        assert_eq!((flow.median_payouts_per_payee, flow.median_payments_per_payer), (5.0, 1.0));
        assert!(!flow.collector);
        // Were every customer a card of the same chain paying 5 times, it would be no relay.
        let chain: Vec<TransferInput> = ts
            .clone()
            .into_iter()
            .map(|mut t| {
                if t.to_account == platform {
                    t.from_account = card(3_000 + (t.at / DAY as i64) as u32 % 20);
                }
                t
            })
            .collect();
        let g = GangGraph::build(&reports, chain);
        assert!(find_relays(&g, &RelayParams::defaults()).is_empty());
        // Nor would it be if no victim paid it: downstream, that pattern is a 跑分 pool's card, left to the
        // laundering-service rules.
        let unreported: Vec<TransferInput> = ts.into_iter().map(|t| TransferInput { report_id: None, ..t }).collect();
        assert!(find_relays(&GangGraph::build(&[] as &[ReportInput], unreported), &RelayParams::defaults()).is_empty());
    }

    #[test]
    fn each_threshold_holds_a_platform_back() {
        let g = GangGraph::build(&[] as &[ReportInput], flows());
        // Its 30 payers pay once each: it is also a collector, so the forwarding thresholds are tried with that off.
        let forwarding =
            RelayParams { min_collector_payers: 1_000, min_keeping_collector_payers: 1_000, ..RelayParams::defaults() };
        let strict = [
            RelayParams { min_sources: 31, ..forwarding.clone() },
            RelayParams { min_destinations: 26, ..forwarding.clone() },
            RelayParams { min_active_days: 100.0, ..RelayParams::defaults() },
            RelayParams { max_median_dwell_hours: 0.5, ..RelayParams::defaults() },
            RelayParams { min_pass_through: 1.0, ..RelayParams::defaults() },
        ];
        for p in strict {
            assert!(find_relays(&g, &p).is_empty(), "{p:?}");
        }
        assert!(RelayParams { min_pass_through: 1.5, ..RelayParams::defaults() }.check().is_err());
    }
}
