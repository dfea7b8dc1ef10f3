//! Specific identification by amount ([`Method::Matched`](super::Method::Matched)): which later payout of an
//! account passes on which arrival. It is a property of the account's own history, not of the money traced: every
//! arrival, whoever's money it brings, claims in time order the unclaimed payout after it within
//! [`MATCH_WINDOW_S`] whose amount is closest to its own (from exactly its amount down to `tolerance` less), the
//! earliest of equals, from the account's first arrival on (greedy claims chain: where pairing starts changes what
//! later arrivals get). So every trace through one pooled card pairs its payouts the same way. Amounts of zero or
//! less pair with nothing.

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
    /// The pairing of `account`'s arrivals, from its first on (call [`Pairing::advance`] to pair them).
    pub(crate) fn new(account: u32, tolerance: f64) -> Pairing {
        Pairing {
            account,
            tolerance,
            next_in: 0,
            next_out: 0,
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

    /// The payout passing arrival `x` on, if paired (call [`Pairing::advance`] up to `x` first).
    pub(crate) fn payout_of(&self, x: u32) -> Option<u32> {
        self.by_arrival.get(&x).copied()
    }

    /// The arrival payout `o` passes on, if any (call [`Pairing::advance`] up to `o` first).
    pub(crate) fn arrival_of(&self, o: u32) -> Option<u32> {
        self.by_payout.get(&o).copied()
    }

    /// The tolerance this pairing was built with.
    pub(crate) fn tolerance(&self) -> f64 {
        self.tolerance
    }

    fn pair(&mut self, g: &TransferGraph, x: u32) {
        let outs = g.outs(self.account);
        let until = g.at(x).saturating_add(MATCH_WINDOW_S);
        while let Some(&o) = outs.get(self.next_out).filter(|&&o| g.at(o) <= until) {
            self.next_out += 1;
            // A payout before this arrival, or of nothing, can be claimed by no arrival from here on.
            if o > x && g.amount(o) > 0 {
                self.open.entry(g.amount(o)).or_default().push_back(o);
            }
        }
        let amount = g.amount(x);
        if amount <= 0 {
            return;
        }
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

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::money::graph::MoneyTransfer;

    /// The rule, written the slow way: each arrival in time order takes the unclaimed later payout within the window
    /// whose amount is closest below or at its own (within the tolerance), the earliest of equals.
    fn naive(g: &TransferGraph, a: u32, tolerance: f64) -> Vec<(u32, u32)> {
        let mut claimed: Vec<u32> = Vec::new();
        let mut pairs = Vec::new();
        for &x in g.ins(a) {
            let amount = g.amount(x);
            let best = g
                .outs(a)
                .iter()
                .copied()
                .filter(|&o| o > x && g.at(o) <= g.at(x) + MATCH_WINDOW_S && !claimed.contains(&o))
                .filter(|&o| g.amount(o) <= amount && (amount - g.amount(o)) as f64 <= tolerance * amount as f64)
                .min_by_key(|&o| (amount - g.amount(o), o));
            if let Some(o) = best {
                claimed.push(o);
                pairs.push((x, o));
            }
        }
        pairs
    }

    proptest! {
        #[test]
        fn pairing_follows_the_rule(
            rows in prop::collection::vec((any::<bool>(), 1i64..6, 0i64..30, 0u8..3), 1..80),
            tolerance in prop_oneof![Just(0.0), 0.0f64..0.5],
        ) {
            // One card P: arrivals from and payouts to a few others, amounts of a few values, over 30 days.
            let transfers = rows.iter().map(|&(incoming, k, day, other)| {
                let (from, to) = if incoming {
                    (format!("o{other}"), "P".to_string())
                } else {
                    ("P".to_string(), format!("o{other}"))
                };
                MoneyTransfer {
                    from_account: from,
                    to_account: to,
                    amount_fen: k * 100,
                    at: day * 86_400,
                    channel: None,
                    report_id: None,
                }
            });
            let g = TransferGraph::build(transfers);
            let p_account = g.account("P").unwrap();
            // Advancing in steps, with questions in between, ends where advancing at once does.
            let mut pairing = Pairing::new(p_account, tolerance);
            for &t in g.ins(p_account).iter().step_by(3) {
                pairing.advance(&g, t);
                pairing.advance(&g, t / 2);
                let mut paired_so_far = g.ins(p_account).iter().filter(|&&x| x <= t);
                prop_assert!(paired_so_far.all(|&x| pairing.payout_of(x).is_none_or(|o| o > x)));
            }
            pairing.advance(&g, u32::MAX);
            let mut got: Vec<(u32, u32)> =
                g.ins(p_account).iter().filter_map(|&x| pairing.payout_of(x).map(|o| (x, o))).collect();
            got.sort_unstable();
            prop_assert_eq!(got.clone(), naive(&g, p_account, tolerance));
            for (x, o) in got {
                prop_assert_eq!(pairing.arrival_of(o), Some(x));
            }
        }
    }
}
