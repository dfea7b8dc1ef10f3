//! Leiden on the CSR graph (Traag et al. 2019): queue-based local moving, refinement, aggregation of the refined
//! partition with the unrefined one as its start, for any quality whose move gain is `w(v, C) − scale·a_v·A_C`.

use super::aggregate::{aggregate, renumber};
use super::batched::{BATCHED_MIN_NODES, local_moving_batched};
use super::csr::CsrGraph;
use super::moving::{NeighbourWeights, local_moving};
use super::rng::SplitMix64;

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
        let mut order: Vec<u32> = (0..level.node_count() as u32).collect();
        rng.shuffle(&mut order);
        if level.node_count() >= BATCHED_MIN_NODES {
            local_moving_batched(level, &mass, &mut comm, scale, order);
        } else {
            local_moving(level, &mass, &mut comm, scale, order);
        }
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
}
