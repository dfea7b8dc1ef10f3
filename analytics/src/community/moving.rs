//! Local moving, the first phase of each Leiden level: the community state and queue it works on, and the
//! sequential version (levels too small to be worth batching in parallel, see `batched`).

use std::collections::VecDeque;

use super::csr::CsrGraph;

/// Scratch space for summing edge weights per community while visiting one node's neighbours.
#[derive(Default)]
pub(crate) struct NeighbourWeights {
    pub(crate) weight: Vec<f64>,
    pub(crate) touched: Vec<u32>,
}

impl NeighbourWeights {
    pub(crate) fn new(n: usize) -> Self {
        Self { weight: vec![0.0; n], touched: Vec::new() }
    }

    /// Makes room for communities `0..n` (weights stay zero between visits, as `clear` leaves them).
    pub(crate) fn fit(&mut self, n: usize) {
        if self.weight.len() < n {
            self.weight.resize(n, 0.0);
        }
    }

    pub(crate) fn add(&mut self, community: u32, w: f64) {
        let slot = &mut self.weight[community as usize];
        if *slot == 0.0 {
            self.touched.push(community);
        }
        *slot += w;
    }

    pub(crate) fn clear(&mut self) {
        for &c in &self.touched {
            self.weight[c as usize] = 0.0;
        }
        self.touched.clear();
    }
}

/// Per-community state during local moving: total mass, member count and the empty communities.
pub(crate) struct Communities {
    pub(crate) total: Vec<f64>,
    pub(crate) size: Vec<u32>,
    /// Communities without members; a node that leaves for an empty community takes the last one.
    pub(crate) empty: Vec<u32>,
}

impl Communities {
    pub(crate) fn new(mass: &[f64], comm: &[u32]) -> Self {
        let n = comm.len();
        let mut total = vec![0f64; n];
        let mut size = vec![0u32; n];
        for (v, &c) in comm.iter().enumerate() {
            total[c as usize] += mass[v];
            size[c as usize] += 1;
        }
        let empty = (0..n as u32).filter(|&c| size[c as usize] == 0).collect();
        Self { total, size, empty }
    }

    /// Takes a node of mass `m` out of `c`; `c` joins the empty list when it empties.
    pub(crate) fn remove(&mut self, m: f64, c: u32) {
        self.total[c as usize] -= m;
        self.size[c as usize] -= 1;
        if self.size[c as usize] == 0 {
            self.empty.push(c);
        }
    }

    /// Puts a node of mass `m` into `c`; an empty `c` must be the last of the empty list.
    pub(crate) fn add(&mut self, m: f64, c: u32) {
        if self.size[c as usize] == 0 {
            debug_assert_eq!(self.empty.last(), Some(&c));
            self.empty.pop();
        }
        self.total[c as usize] += m;
        self.size[c as usize] += 1;
    }
}

/// The nodes still to visit, each at most once in the queue.
pub(crate) struct Queue {
    queue: VecDeque<u32>,
    queued: Vec<bool>,
}

impl Queue {
    /// Every node, in `order`.
    pub(crate) fn new(order: Vec<u32>) -> Self {
        let queued = vec![true; order.len()];
        Self { queue: order.into(), queued }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.queue.is_empty()
    }

    pub(crate) fn pop(&mut self) -> Option<usize> {
        let v = self.queue.pop_front()? as usize;
        self.queued[v] = false;
        Some(v)
    }

    /// Moves up to `max` nodes from the front of the queue into `into` (cleared first).
    pub(crate) fn take(&mut self, max: usize, into: &mut Vec<u32>) {
        into.clear();
        into.extend(self.queue.drain(..max.min(self.queue.len())));
        for &v in into.iter() {
            self.queued[v as usize] = false;
        }
    }

    /// Queues `v` unless it is already waiting.
    pub(crate) fn push(&mut self, v: usize) {
        if !self.queued[v] {
            self.queued[v] = true;
            self.queue.push_back(v as u32);
        }
    }
}

/// Fast local moving: visit nodes from a queue (in the given random order), move each to the neighbouring community with
/// the best gain, and re-queue neighbours outside the new community when a node moves.
pub(crate) fn local_moving(g: &CsrGraph, mass: &[f64], comm: &mut [u32], scale: f64, order: Vec<u32>) {
    let mut state = Communities::new(mass, comm);
    let mut queue = Queue::new(order);
    let mut nw = NeighbourWeights::new(g.node_count());
    while let Some(v) = queue.pop() {
        let a = scale * mass[v];
        let from = comm[v];
        state.remove(mass[v], from);
        let (targets, weights) = g.row(v);
        for (&u, &w) in targets.iter().zip(weights) {
            if u as usize != v {
                nw.add(comm[u as usize], w as f64);
            }
        }
        let mut best = from;
        let mut best_gain = nw.weight[from as usize] - a * state.total[from as usize];
        for &c in &nw.touched {
            let gain = nw.weight[c as usize] - a * state.total[c as usize];
            if gain > best_gain {
                best = c;
                best_gain = gain;
            }
        }
        if best_gain < 0.0
            && let Some(&alone) = state.empty.last()
        {
            best = alone;
        }
        nw.clear();
        // An empty `best` is the last of the empty list: `from` just emptied, or the one picked above.
        state.add(mass[v], best);
        comm[v] = best;
        if best != from {
            for &u in targets {
                if comm[u as usize] != best {
                    queue.push(u as usize);
                }
            }
        }
    }
}

/// Sequential local moving from singletons with modularity (γ = 1), for comparing the batched version against.
#[cfg(test)]
pub(crate) fn local_moving_for_tests(g: &CsrGraph, seed: u64) -> Vec<u32> {
    let mass: Vec<f64> = (0..g.node_count()).map(|v| g.degree(v)).collect();
    let mut comm: Vec<u32> = (0..g.node_count() as u32).collect();
    let mut order = comm.clone();
    super::rng::SplitMix64::new(seed).shuffle(&mut order);
    local_moving(g, &mass, &mut comm, 1.0 / (2.0 * g.total_weight()), order);
    comm
}
