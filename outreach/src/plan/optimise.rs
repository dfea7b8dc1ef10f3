//! Choosing options under one staff member's minutes and visit limit: the four strategies and the LP bound.
//!
//! One pool is a multiple-choice knapsack (each resident takes at most one of a few options). Its LP relaxation
//! is solved exactly by a greedy over each resident's convex hull of (minutes, value) in order of value per
//! extra minute (Sinha & Zoltners 1979), which gives both the `optimised` start and a proven upper bound; an
//! integer solution then loses at most the one item the greedy could not fit, and a swap search wins part of
//! that back. A general LP/ILP crate would solve the same problem more slowly, and none is in our registry
//! mirror; this is ~150 lines.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

use crate::params::Strategy;

/// One option as the optimiser sees it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Item {
    pub(crate) minutes: u32,
    pub(crate) value: f64,
    pub(crate) visit: bool,
}

/// One resident: options, forced option, and the risk score (for `top-risk`).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Choice {
    pub(crate) items: Vec<Item>,
    pub(crate) forced: Option<usize>,
    pub(crate) score: f64,
}

/// The limits of one staff member this week.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Pool {
    pub(crate) minutes: u32,
    pub(crate) visits: u32,
}

/// The chosen option per resident and the LP upper bound on the total value.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Solution {
    pub(crate) chosen: Vec<Option<usize>>,
    pub(crate) bound: f64,
}

struct State<'a> {
    choices: &'a [Choice],
    chosen: Vec<Option<usize>>,
    minutes: u32,
    visits: u32,
    pool: Pool,
}

impl State<'_> {
    fn cost(&self, i: usize, o: Option<usize>) -> (u32, u32, f64) {
        o.map_or((0, 0, 0.0), |o| {
            let it = &self.choices[i].items[o];
            (it.minutes, u32::from(it.visit), it.value)
        })
    }

    /// Whether resident `i` can move to option `o` within the limits.
    fn fits(&self, i: usize, o: usize) -> bool {
        let (m0, v0, _) = self.cost(i, self.chosen[i]);
        let (m1, v1, _) = self.cost(i, Some(o));
        self.minutes - m0 + m1 <= self.pool.minutes && self.visits - v0 + v1 <= self.pool.visits
    }

    fn set(&mut self, i: usize, o: Option<usize>) {
        let (m0, v0, _) = self.cost(i, self.chosen[i]);
        let (m1, v1, _) = self.cost(i, o);
        self.minutes = self.minutes - m0 + m1;
        self.visits = self.visits - v0 + v1;
        self.chosen[i] = o;
    }

    fn value(&self) -> f64 {
        (0..self.choices.len()).map(|i| self.cost(i, self.chosen[i]).2).sum()
    }
}

/// Solves one pool with `strategy`; `seed` orders the random strategy.
pub(crate) fn solve(choices: &[Choice], pool: Pool, strategy: Strategy, seed: u64) -> Solution {
    let mut st = State { choices, chosen: vec![None; choices.len()], minutes: 0, visits: 0, pool };
    // Must-visit residents first, most valuable first, in every strategy.
    let mut forced: Vec<usize> = (0..choices.len()).filter(|&i| choices[i].forced.is_some()).collect();
    forced.sort_by(|&a, &b| by_value(choices, b, a));
    for i in forced {
        let o = choices[i].forced.unwrap_or(0);
        if st.fits(i, o) {
            st.set(i, Some(o));
        }
    }
    let free: Vec<usize> = (0..choices.len()).filter(|&i| choices[i].forced.is_none()).collect();
    let bound = st.value() + lp_bound(choices, &free, pool.minutes - st.minutes);
    match strategy {
        Strategy::Optimised => {
            hull_greedy(&mut st, &free);
            swap_search(&mut st, &free);
        }
        Strategy::Greedy => ratio_greedy(&mut st, &free),
        Strategy::TopRisk => {
            let mut order = free.clone();
            order.sort_by(|&a, &b| choices[b].score.total_cmp(&choices[a].score).then(a.cmp(&b)));
            best_affordable(&mut st, &order);
        }
        Strategy::Random => {
            let mut order = free.clone();
            order.shuffle(&mut ChaCha8Rng::seed_from_u64(seed));
            best_affordable(&mut st, &order);
        }
    }
    Solution { chosen: st.chosen, bound }
}

fn by_value(choices: &[Choice], a: usize, b: usize) -> Ordering {
    let v = |i: usize| choices[i].forced.map_or(0.0, |o| choices[i].items[o].value);
    v(a).total_cmp(&v(b)).then(b.cmp(&a))
}

/// From option `from` (or none), the option with the best value per extra minute among those costing more and
/// worth more that `allowed` admits: the next vertex of the resident's convex hull.
fn next_vertex(c: &Choice, from: Option<usize>, allowed: &dyn Fn(usize) -> bool) -> Option<(usize, f64)> {
    let (m0, v0) = from.map_or((0, 0.0), |o| (c.items[o].minutes, c.items[o].value));
    let mut best: Option<(usize, f64)> = None;
    for (o, it) in c.items.iter().enumerate() {
        if it.minutes <= m0 || it.value <= v0 || !allowed(o) {
            continue;
        }
        let slope = (it.value - v0) / f64::from(it.minutes - m0);
        if best.is_none_or(|(b, s)| slope > s || (slope == s && it.value > c.items[b].value)) {
            best = Some((o, slope));
        }
    }
    best
}

/// The LP relaxation's optimum over residents `free` with `minutes` left (visit limit relaxed): an upper bound.
fn lp_bound(choices: &[Choice], free: &[usize], minutes: u32) -> f64 {
    let mut steps: Vec<(f64, f64, u32)> = Vec::new();
    for &i in free {
        let mut at = None;
        while let Some((o, slope)) = next_vertex(&choices[i], at, &|_| true) {
            let (m0, v0) = at.map_or((0, 0.0), |p: usize| (choices[i].items[p].minutes, choices[i].items[p].value));
            steps.push((slope, choices[i].items[o].value - v0, choices[i].items[o].minutes - m0));
            at = Some(o);
        }
    }
    // Hull slopes fall along each resident's hull, so sorting all steps by slope keeps each hull in order.
    steps.sort_by(|a, b| b.0.total_cmp(&a.0));
    let (mut left, mut total) = (f64::from(minutes), 0.0);
    for (slope, dv, dm) in steps {
        if left <= 0.0 {
            break;
        }
        let take = f64::from(dm).min(left);
        total += if take == f64::from(dm) { dv } else { slope * take };
        left -= take;
    }
    total
}

#[derive(Debug, PartialEq)]
struct Step {
    slope: f64,
    resident: usize,
    to: usize,
    version: u32,
}
impl Eq for Step {}
impl PartialOrd for Step {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Step {
    fn cmp(&self, o: &Self) -> Ordering {
        self.slope.total_cmp(&o.slope).then(o.resident.cmp(&self.resident)).then(o.to.cmp(&self.to))
    }
}

/// The LP greedy made integral: take hull steps by slope while they fit; a step that does not fit is replaced by
/// the resident's best step among the options that still fit.
fn hull_greedy(st: &mut State, free: &[usize]) {
    let mut version = vec![0u32; st.choices.len()];
    let mut heap = BinaryHeap::new();
    let push = |st: &State, heap: &mut BinaryHeap<Step>, i: usize, v: u32| {
        let allowed = |o: usize| st.fits(i, o);
        if let Some((to, slope)) = next_vertex(&st.choices[i], st.chosen[i], &allowed) {
            heap.push(Step { slope, resident: i, to, version: v });
        }
    };
    for &i in free {
        push(st, &mut heap, i, 0);
    }
    while let Some(s) = heap.pop() {
        if s.version != version[s.resident] {
            continue;
        }
        version[s.resident] += 1;
        if st.fits(s.resident, s.to) {
            st.set(s.resident, Some(s.to));
        }
        push(st, &mut heap, s.resident, version[s.resident]);
    }
}

/// Improves an integral solution: move a resident to a better option, paying for it by dropping the residents
/// of least value per minute, whenever that gains value; then fill what is left. Two passes.
fn swap_search(st: &mut State, free: &[usize]) {
    for _ in 0..2 {
        let mut improved = false;
        // Residents held, cheapest value per minute first: the ones to drop.
        let mut held: Vec<usize> = free.iter().copied().filter(|&i| st.chosen[i].is_some()).collect();
        let eff = |st: &State, i: usize| {
            let (m, _, v) = st.cost(i, st.chosen[i]);
            v / f64::from(m.max(1))
        };
        held.sort_by(|&a, &b| eff(st, a).total_cmp(&eff(st, b)).then(a.cmp(&b)));
        let floor = held.first().map_or(0.0, |&i| st.cost(i, st.chosen[i]).2);
        for &i in free {
            let (m0, v0_visits, v0) = st.cost(i, st.chosen[i]);
            for o in 0..st.choices[i].items.len() {
                let it = st.choices[i].items[o];
                let gain = it.value - v0;
                if gain <= 0.0 {
                    continue;
                }
                if st.fits(i, o) {
                    st.set(i, Some(o));
                    improved = true;
                    break;
                }
                if gain <= floor {
                    continue;
                }
                let need_m = (st.minutes - m0 + it.minutes).saturating_sub(st.pool.minutes);
                let need_v = (st.visits - v0_visits + u32::from(it.visit)).saturating_sub(st.pool.visits);
                let (mut freed_m, mut freed_v, mut lost, mut drop) = (0u32, 0u32, 0.0, Vec::new());
                for &j in &held {
                    if freed_m >= need_m && freed_v >= need_v {
                        break;
                    }
                    if j == i || st.chosen[j].is_none() {
                        continue;
                    }
                    let (m, v, val) = st.cost(j, st.chosen[j]);
                    if need_v > freed_v && v == 0 && freed_m >= need_m {
                        continue;
                    }
                    freed_m += m;
                    freed_v += v;
                    lost += val;
                    drop.push(j);
                    if lost >= gain {
                        break;
                    }
                }
                if freed_m >= need_m && freed_v >= need_v && lost + 1e-12 < gain {
                    for &j in &drop {
                        st.set(j, None);
                    }
                    st.set(i, Some(o));
                    improved = true;
                    break;
                }
            }
        }
        hull_greedy(st, free);
        if !improved {
            break;
        }
    }
}

/// Each resident's best value-per-minute option, residents by that ratio; the next-best ratio when it does not fit.
fn ratio_greedy(st: &mut State, free: &[usize]) {
    let ratio = |it: &Item| it.value / f64::from(it.minutes.max(1));
    let best = |i: usize| st.choices[i].items.iter().map(ratio).fold(0.0, f64::max);
    let mut order = free.to_vec();
    order.sort_by(|&a, &b| best(b).total_cmp(&best(a)).then(a.cmp(&b)));
    for i in order {
        let mut opts: Vec<usize> = (0..st.choices[i].items.len()).collect();
        opts.sort_by(|&a, &b| ratio(&st.choices[i].items[b]).total_cmp(&ratio(&st.choices[i].items[a])));
        if let Some(o) = opts.into_iter().find(|&o| st.fits(i, o)) {
            st.set(i, Some(o));
        }
    }
}

/// In the given order, each resident's most valuable option that still fits.
fn best_affordable(st: &mut State, order: &[usize]) {
    for &i in order {
        let mut opts: Vec<usize> = (0..st.choices[i].items.len()).collect();
        opts.sort_by(|&a, &b| st.choices[i].items[b].value.total_cmp(&st.choices[i].items[a].value));
        if let Some(o) = opts.into_iter().find(|&o| st.fits(i, o)) {
            st.set(i, Some(o));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(items: &[(u32, f64, bool)]) -> Choice {
        Choice {
            items: items.iter().map(|&(minutes, value, visit)| Item { minutes, value, visit }).collect(),
            forced: None,
            score: items.iter().map(|i| i.1).sum(),
        }
    }

    fn value(choices: &[Choice], s: &Solution) -> f64 {
        s.chosen.iter().enumerate().filter_map(|(i, o)| o.map(|o| choices[i].items[o].value)).sum()
    }

    #[test]
    fn optimised_reaches_the_lp_bound_on_a_small_case_and_respects_limits() {
        let choices = vec![
            c(&[(1, 1.0, false), (8, 4.0, false), (50, 10.0, true)]),
            c(&[(1, 0.5, false), (8, 3.0, false), (50, 12.0, true)]),
            c(&[(1, 2.0, false), (8, 2.5, false)]),
        ];
        let pool = Pool { minutes: 60, visits: 1 };
        let s = solve(&choices, pool, Strategy::Optimised, 1);
        // Best: visit the second (12), call the first (4), SMS the third (2) = 18 in 59 minutes.
        assert_eq!(s.chosen, vec![Some(1), Some(2), Some(0)]);
        assert!((value(&choices, &s) - 18.0).abs() < 1e-9);
        assert!(s.bound >= 18.0 - 1e-9);
        for strategy in Strategy::ALL {
            let s = solve(&choices, pool, strategy, 7);
            let (mut m, mut v) = (0, 0);
            for (i, o) in s.chosen.iter().enumerate() {
                if let Some(o) = o {
                    m += choices[i].items[*o].minutes;
                    v += u32::from(choices[i].items[*o].visit);
                }
            }
            assert!(m <= 60 && v <= 1, "{strategy:?}");
            assert!(value(&choices, &s) <= s.bound + 1e-9);
        }
    }
}
