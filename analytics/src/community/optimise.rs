//! Leiden on the CSR graph (Traag et al. 2019): queue-based local moving, refinement, aggregation of the refined
//! partition with the unrefined one as its start, for any quality whose move gain is `w(v, C) − scale·a_v·A_C`.

use std::collections::VecDeque;

use super::aggregate::{aggregate, renumber};
use super::csr::CsrGraph;

/// A small, fast, seedable generator (SplitMix64); the same seed gives the same sequence on every platform.
pub(crate) struct SplitMix64(u64);

impl SplitMix64 {
    pub(crate) fn new(seed: u64) -> Self {
        Self(seed)
    }

    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Fisher–Yates shuffle.
    fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = (self.next_u64() % (i as u64 + 1)) as usize;
            items.swap(i, j);
        }
    }
}

/// The quality being optimised, reduced to its move gain: node `v` joining community `C` (without `v`) is worth
/// `w(v, C) − scale · a_v · A_C` up to a constant, where `a` is a node's mass and `A_C` the sum over `C`.
///
/// Modularity with resolution γ: the mass is the weighted degree and `scale = γ / 2m`. The Constant Potts Model
/// `Σ_C [L_C − γ·n_C(n_C−1)/2]`: the mass is the number of original nodes a node stands for and `scale = γ`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Gain {
    pub(crate) scale: f64,
    pub(crate) mass: Mass,
}

/// What a node weighs in the penalty term of [`Gain`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mass {
    /// Weighted degree (modularity).
    Degree,
    /// Number of original nodes (CPM).
    Size,
}

/// Scratch space for summing edge weights per community while visiting one node's neighbours.
struct NeighbourWeights {
    weight: Vec<f64>,
    touched: Vec<u32>,
}

impl NeighbourWeights {
    fn new(n: usize) -> Self {
        Self { weight: vec![0.0; n], touched: Vec::new() }
    }

    fn add(&mut self, community: u32, w: f64) {
        let slot = &mut self.weight[community as usize];
        if *slot == 0.0 {
            self.touched.push(community);
        }
        *slot += w;
    }

    fn clear(&mut self) {
        for &c in &self.touched {
            self.weight[c as usize] = 0.0;
        }
        self.touched.clear();
    }
}

/// One pass of Leiden over `graph` starting from `membership` (dense labels `< n`); returns the new membership.
///
/// Levels continue while aggregation shrinks the graph, as in leidenalg's `optimise_partition`.
pub(crate) fn leiden_pass(graph: &CsrGraph, membership: &[u32], gain: Gain, rng: &mut SplitMix64) -> Vec<u32> {
    let n0 = graph.node_count();
    if graph.total_weight() <= 0.0 {
        return (0..n0 as u32).collect();
    }
    let mut mass: Vec<f64> = match gain.mass {
        Mass::Degree => (0..n0).map(|v| graph.degree(v)).collect(),
        Mass::Size => vec![1.0; n0],
    };
    let scale = gain.scale;
    let mut level_of: Vec<u32> = (0..n0 as u32).collect();
    let mut comm = membership.to_vec();
    let mut owned: Option<CsrGraph> = None;
    for _ in 0..MAX_LEVELS {
        let level = owned.as_ref().unwrap_or(graph);
        local_moving(level, &mass, &mut comm, scale, rng);
        let communities = renumber(&mut comm);
        let (refined, refined_count) = refine(level, &mass, &comm, scale, rng);
        // Aggregate on the refined partition; if refinement merged nothing, on the unrefined one.
        let (groups, group_count) =
            if refined_count < level.node_count() { (refined, refined_count) } else { (comm.clone(), communities) };
        if group_count >= level.node_count() {
            break;
        }
        let next = aggregate(level, &groups, group_count);
        let mut next_comm = vec![0u32; group_count];
        let mut next_mass = vec![0f64; group_count];
        for (node, &g) in groups.iter().enumerate() {
            next_comm[g as usize] = comm[node];
            next_mass[g as usize] += mass[node];
        }
        for l in &mut level_of {
            *l = groups[*l as usize];
        }
        let stop = communities >= level.node_count();
        owned = Some(next);
        comm = next_comm;
        mass = next_mass;
        if stop {
            break;
        }
    }
    level_of.iter().map(|&l| comm[l as usize]).collect()
}

/// Safety cap on aggregation levels in one pass (each level shrinks the graph, so it is never reached in practice).
const MAX_LEVELS: usize = 1000;

/// Fast local moving: visit nodes from a queue (random initial order), move each to the neighbouring community with
/// the best gain, and re-queue neighbours outside the new community when a node moves.
fn local_moving(g: &CsrGraph, mass: &[f64], comm: &mut [u32], scale: f64, rng: &mut SplitMix64) {
    let n = g.node_count();
    let mut total = vec![0f64; n];
    let mut size = vec![0u32; n];
    for v in 0..n {
        total[comm[v] as usize] += mass[v];
        size[comm[v] as usize] += 1;
    }
    let mut empty: Vec<u32> = (0..n as u32).filter(|&c| size[c as usize] == 0).collect();
    let mut order: Vec<u32> = (0..n as u32).collect();
    rng.shuffle(&mut order);
    let mut queue: VecDeque<u32> = order.into();
    let mut queued = vec![true; n];
    let mut nw = NeighbourWeights::new(n);
    while let Some(v) = queue.pop_front() {
        let v = v as usize;
        queued[v] = false;
        let a = scale * mass[v];
        let from = comm[v];
        total[from as usize] -= mass[v];
        size[from as usize] -= 1;
        if size[from as usize] == 0 {
            empty.push(from);
        }
        let (targets, weights) = g.row(v);
        for (&u, &w) in targets.iter().zip(weights) {
            if u as usize != v {
                nw.add(comm[u as usize], w);
            }
        }
        let mut best = from;
        let mut best_gain = nw.weight[from as usize] - a * total[from as usize];
        for &c in &nw.touched {
            let gain = nw.weight[c as usize] - a * total[c as usize];
            if gain > best_gain {
                best = c;
                best_gain = gain;
            }
        }
        if best_gain < 0.0
            && let Some(&alone) = empty.last()
        {
            best = alone;
        }
        nw.clear();
        if size[best as usize] == 0 {
            // An empty target is always the last one pushed: `from` just emptied, or the one picked above.
            empty.pop();
        }
        total[best as usize] += mass[v];
        size[best as usize] += 1;
        comm[v] = best;
        if best != from {
            for &u in targets {
                if !queued[u as usize] && comm[u as usize] != best {
                    queued[u as usize] = true;
                    queue.push_back(u);
                }
            }
        }
    }
}

/// Refinement: start from singletons; visiting nodes in random order, a node still alone merges into the refined
/// community (inside its own community) with the best positive gain. Merges only follow edges, so every refined
/// community is connected. Returns dense refined labels and their count.
fn refine(g: &CsrGraph, mass: &[f64], comm: &[u32], scale: f64, rng: &mut SplitMix64) -> (Vec<u32>, usize) {
    let n = g.node_count();
    let mut refined: Vec<u32> = (0..n as u32).collect();
    let mut total = mass.to_vec();
    let mut size = vec![1u32; n];
    let mut order: Vec<u32> = (0..n as u32).collect();
    rng.shuffle(&mut order);
    let mut nw = NeighbourWeights::new(n);
    for v in order {
        let v = v as usize;
        let own = refined[v];
        if size[own as usize] > 1 {
            continue;
        }
        let a = scale * mass[v];
        total[own as usize] -= mass[v];
        let (targets, weights) = g.row(v);
        for (&u, &w) in targets.iter().zip(weights) {
            if u as usize != v && comm[u as usize] == comm[v] {
                nw.add(refined[u as usize], w);
            }
        }
        let mut best = own;
        let mut best_gain = 0.0;
        for &c in &nw.touched {
            if c == own {
                continue;
            }
            let gain = nw.weight[c as usize] - a * total[c as usize];
            if gain > best_gain {
                best = c;
                best_gain = gain;
            }
        }
        nw.clear();
        total[best as usize] += mass[v];
        if best != own {
            size[own as usize] -= 1;
            size[best as usize] += 1;
            refined[v] = best;
        }
    }
    let count = renumber(&mut refined);
    (refined, count)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refinement_only_merges_along_edges_inside_a_community() {
        // Path 0-1-2 and path 3-4, all in one community: refined groups never join the two paths.
        let g = CsrGraph::from_edges(5, [(0, 1, 1.0), (1, 2, 1.0), (3, 4, 1.0)]).unwrap();
        let degrees: Vec<f64> = (0..5).map(|v| g.degree(v)).collect();
        for seed in 0..20 {
            let scale = 1.0 / (2.0 * g.total_weight());
            let (refined, _) = refine(&g, &degrees, &[0; 5], scale, &mut SplitMix64::new(seed));
            assert!(refined[0..3].iter().all(|r| !refined[3..].contains(r)), "seed {seed}: {refined:?}");
        }
        // Nodes in different communities are never merged.
        let (refined, count) = refine(&g, &degrees, &[0, 1, 2, 3, 4], 0.1, &mut SplitMix64::new(1));
        assert_eq!(count, 5);
        assert_eq!(refined, vec![0, 1, 2, 3, 4]);
    }

    #[test]
    fn shuffle_is_a_seeded_permutation() {
        let shuffled = |seed| {
            let mut v: Vec<u32> = (0..50).collect();
            SplitMix64::new(seed).shuffle(&mut v);
            v
        };
        assert_eq!(shuffled(3), shuffled(3));
        assert_ne!(shuffled(3), shuffled(4));
        let mut sorted = shuffled(3);
        sorted.sort_unstable();
        assert_eq!(sorted, (0..50).collect::<Vec<u32>>());
    }
}
