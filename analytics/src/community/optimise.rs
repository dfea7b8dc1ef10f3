//! Leiden on the CSR graph (Traag et al. 2019): queue-based local moving, refinement, aggregation of the refined
//! partition with the unrefined one as its start.

use std::collections::VecDeque;

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
pub(crate) fn leiden_pass(graph: &CsrGraph, membership: &[u32], gamma: f64, rng: &mut SplitMix64) -> Vec<u32> {
    let n0 = graph.node_count();
    let two_m = 2.0 * graph.total_weight();
    if two_m <= 0.0 {
        return (0..n0 as u32).collect();
    }
    let mut level_of: Vec<u32> = (0..n0 as u32).collect();
    let mut comm = membership.to_vec();
    let mut owned: Option<CsrGraph> = None;
    for _ in 0..MAX_LEVELS {
        let level = owned.as_ref().unwrap_or(graph);
        local_moving(level, &mut comm, gamma / two_m, rng);
        let communities = renumber(&mut comm);
        let (refined, refined_count) = refine(level, &comm, gamma / two_m, rng);
        // Aggregate on the refined partition; if refinement merged nothing, on the unrefined one.
        let (groups, group_count) =
            if refined_count < level.node_count() { (refined, refined_count) } else { (comm.clone(), communities) };
        if group_count >= level.node_count() {
            break;
        }
        let next = aggregate(level, &groups, group_count);
        let mut next_comm = vec![0u32; group_count];
        for (node, &g) in groups.iter().enumerate() {
            next_comm[g as usize] = comm[node];
        }
        for l in &mut level_of {
            *l = groups[*l as usize];
        }
        let stop = communities >= level.node_count();
        owned = Some(next);
        comm = next_comm;
        if stop {
            break;
        }
    }
    level_of.iter().map(|&l| comm[l as usize]).collect()
}

/// Safety cap on aggregation levels in one pass (each level shrinks the graph, so it is never reached in practice).
const MAX_LEVELS: usize = 1000;

/// Relabels `labels` densely in first-appearance order; returns the number of labels.
fn renumber(labels: &mut [u32]) -> usize {
    let mut map = vec![u32::MAX; labels.len()];
    let mut next = 0u32;
    for l in labels.iter_mut() {
        let slot = &mut map[*l as usize];
        if *slot == u32::MAX {
            *slot = next;
            next += 1;
        }
        *l = *slot;
    }
    next as usize
}

/// Fast local moving: visit nodes from a queue (random initial order), move each to the neighbouring community with
/// the best modularity gain, and re-queue neighbours outside the new community when a node moves.
fn local_moving(g: &CsrGraph, comm: &mut [u32], scale: f64, rng: &mut SplitMix64) {
    let n = g.node_count();
    let mut total = vec![0f64; n];
    let mut size = vec![0u32; n];
    for v in 0..n {
        total[comm[v] as usize] += g.degree(v);
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
        let k = g.degree(v);
        let from = comm[v];
        total[from as usize] -= k;
        size[from as usize] -= 1;
        if size[from as usize] == 0 {
            empty.push(from);
        }
        for (u, w) in g.neighbors(v) {
            if u != v {
                nw.add(comm[u], w);
            }
        }
        // Gain of joining c (up to a constant): w(v, c) - gamma * k_v * K_c / 2m.
        let mut best = from;
        let mut best_gain = nw.weight[from as usize] - scale * k * total[from as usize];
        for &c in &nw.touched {
            let gain = nw.weight[c as usize] - scale * k * total[c as usize];
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
        total[best as usize] += k;
        size[best as usize] += 1;
        comm[v] = best;
        if best != from {
            for (u, _) in g.neighbors(v) {
                if !queued[u] && comm[u] != best {
                    queued[u] = true;
                    queue.push_back(u as u32);
                }
            }
        }
    }
}

/// Refinement: start from singletons; visiting nodes in random order, a node still alone merges into the refined
/// community (inside its own community) with the best positive gain. Merges only follow edges, so every refined
/// community is connected. Returns dense refined labels and their count.
fn refine(g: &CsrGraph, comm: &[u32], scale: f64, rng: &mut SplitMix64) -> (Vec<u32>, usize) {
    let n = g.node_count();
    let mut refined: Vec<u32> = (0..n as u32).collect();
    let mut total: Vec<f64> = (0..n).map(|v| g.degree(v)).collect();
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
        let k = g.degree(v);
        total[own as usize] -= k;
        for (u, w) in g.neighbors(v) {
            if u != v && comm[u] == comm[v] {
                nw.add(refined[u], w);
            }
        }
        let mut best = own;
        let mut best_gain = 0.0;
        for &c in &nw.touched {
            if c == own {
                continue;
            }
            let gain = nw.weight[c as usize] - scale * k * total[c as usize];
            if gain > best_gain {
                best = c;
                best_gain = gain;
            }
        }
        nw.clear();
        total[best as usize] += k;
        if best != own {
            size[own as usize] -= 1;
            size[best as usize] += 1;
            refined[v] = best;
        }
    }
    let count = renumber(&mut refined);
    (refined, count)
}

/// The graph of `groups`: one node per group, edge weights summed, a group's inner weight as its self-loop (so its
/// degree is the sum of its members' degrees).
fn aggregate(g: &CsrGraph, groups: &[u32], count: usize) -> CsrGraph {
    let edges: Vec<(u32, u32, f64)> = g
        .edges()
        .map(|(u, v, w)| {
            let (a, b) = (groups[u], groups[v]);
            if a <= b { (a, b, w) } else { (b, a, w) }
        })
        .collect();
    CsrGraph::from_canonical(count, edges)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aggregation_keeps_total_weight_and_sums_degrees() {
        let g = CsrGraph::from_edges(5, [(0, 1, 1.0), (1, 2, 2.0), (2, 3, 0.5), (3, 4, 1.0), (4, 4, 3.0)]).unwrap();
        let groups = [0, 0, 1, 1, 1];
        let agg = aggregate(&g, &groups, 2);
        assert_eq!(agg.node_count(), 2);
        assert_eq!(agg.total_weight(), g.total_weight());
        assert_eq!(agg.degree(0), g.degree(0) + g.degree(1));
        assert_eq!(agg.degree(1), g.degree(2) + g.degree(3) + g.degree(4));
        // Inner weights become self-loops; the cut edge 1-2 (weight 2) joins the groups.
        assert_eq!(agg.neighbors(0).collect::<Vec<_>>(), vec![(0, 1.0), (1, 2.0)]);
        assert_eq!(agg.neighbors(1).collect::<Vec<_>>(), vec![(0, 2.0), (1, 4.5)]);
    }

    #[test]
    fn renumber_is_dense_in_first_appearance_order() {
        let mut labels = [4, 4, 1, 3, 1];
        assert_eq!(renumber(&mut labels), 3);
        assert_eq!(labels, [0, 0, 1, 2, 1]);
    }

    #[test]
    fn refinement_only_merges_along_edges_inside_a_community() {
        // Path 0-1-2 and path 3-4, all in one community: refined groups never join the two paths.
        let g = CsrGraph::from_edges(5, [(0, 1, 1.0), (1, 2, 1.0), (3, 4, 1.0)]).unwrap();
        for seed in 0..20 {
            let (refined, _) = refine(&g, &[0; 5], 1.0 / (2.0 * g.total_weight()), &mut SplitMix64::new(seed));
            assert!(refined[0..3].iter().all(|r| !refined[3..].contains(r)), "seed {seed}: {refined:?}");
        }
        // Nodes in different communities are never merged.
        let (refined, count) = refine(&g, &[0, 1, 2, 3, 4], 0.1, &mut SplitMix64::new(1));
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
