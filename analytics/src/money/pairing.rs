//! Specific identification by amount ([`Method::Matched`](super::Method::Matched)): which later payout of an
//! account passes on which arrival. It is a property of the account's own history, not of the money traced: every
//! arrival, whoever's money it brings, claims in time order the unclaimed payout after it within
//! [`MATCH_WINDOW_S`] whose amount is closest to its own (from exactly its amount down to `tolerance` less), the
//! earliest of equals. So two traces through one pooled card pair its payouts the same way.

use std::collections::{BTreeMap, HashMap, VecDeque};

use super::graph::TransferGraph;

/// How long after an arrival a payout of (about) the same amount still counts as passing it on.
pub const MATCH_WINDOW_S: i64 = 7 * 86_400;

/// The pairing of one account's arrivals with its payouts, built lazily in time order.
#[derive(Debug)]
pub(crate) struct Pairing {
    account: u32,
    tolerance: f64,
    /// Next arrival to pair (index into the account's in-list).
    next_in: usize,
    /// Next payout to make claimable (index into the account's out-list).
    next_out: usize,
    /// Claimable payouts by amount, each list in time (= id) order; payouts before the arrival being paired are
    /// dropped as they are met.
    open: BTreeMap<i64, VecDeque<u32>>,
    by_arrival: HashMap<u32, u32>,
    by_payout: HashMap<u32, u32>,
}

impl Pairing {
    /// Pairs the account's arrivals from `start_at` on (earlier ones are taken to have claimed nothing that
    /// matters: pass one a week or more before the first arrival of interest).
    pub(crate) fn new(g: &TransferGraph, account: u32, tolerance: f64, start_at: i64) -> Pairing {
        let next_in = g.ins(account).partition_point(|&x| g.at(x) < start_at);
        let next_out = g.outs(account).partition_point(|&x| g.at(x) < start_at);
        Pairing {
            account,
            tolerance,
            next_in,
            next_out,
            open: BTreeMap::new(),
            by_arrival: HashMap::new(),
            by_payout: HashMap::new(),
        }
    }

    /// Pairs every arrival up to and including transfer `t` (transfer ids are in time order).
    pub(crate) fn advance(&mut self, g: &TransferGraph, t: u32) {
        let ins = g.ins(self.account);
        while let Some(&x) = ins.get(self.next_in).filter(|&&x| x <= t) {
            self.next_in += 1;
            self.pair(g, x);
        }
    }

    /// The payout passing arrival `x` on, if paired (call [`Pairing::advance`] past `x` first).
    pub(crate) fn payout_of(&self, x: u32) -> Option<u32> {
        self.by_arrival.get(&x).copied()
    }

    /// The arrival payout `o` passes on, if any (call [`Pairing::advance`] up to `o` first).
    pub(crate) fn arrival_of(&self, o: u32) -> Option<u32> {
        self.by_payout.get(&o).copied()
    }

    fn pair(&mut self, g: &TransferGraph, x: u32) {
        let outs = g.outs(self.account);
        let until = g.at(x).saturating_add(MATCH_WINDOW_S);
        while let Some(&o) = outs.get(self.next_out).filter(|&&o| g.at(o) <= until) {
            self.next_out += 1;
            self.open.entry(g.amount(o)).or_default().push_back(o);
        }
        let amount = g.amount(x);
        // A payout y passes x on when amount − y ≤ tolerance × amount.
        let lowest = amount - (self.tolerance * amount as f64).floor() as i64;
        let mut found = None;
        let mut emptied = Vec::new();
        for (&y, list) in self.open.range_mut(lowest..=amount).rev() {
            while list.front().is_some_and(|&o| o <= x) {
                list.pop_front();
            }
            found = list.pop_front();
            if list.is_empty() {
                emptied.push(y);
            }
            if found.is_some() {
                break;
            }
        }
        for y in emptied {
            self.open.remove(&y);
        }
        if let Some(o) = found {
            self.by_arrival.insert(x, o);
            self.by_payout.insert(o, x);
        }
    }
}
