//! Leiden on the CSR graph (Traag et al. 2019): queue-based local moving, refinement, aggregation of the refined
//! partition with the unrefined one as its start, for any quality whose move gain is `w(v, C) − scale·a_v·A_C`.

use super::aggregate::{aggregate, bucket_starts, renumber};
use super::batched::{BATCHED_MIN_NODES, local_moving_batched};
use super::csr::CsrGraph;
use super::moving::{NeighbourWeights, local_moving};
use super::rng::SplitMix64;
use rayon::prelude::*;

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
    let mut mass = masses(graph, gain);
    let scale = gain.scale;
    let mut level_of: Vec<u32> = (0..n0 as u32).collect();
    let mut comm = membership.to_vec();
    let mut owned: Option<CsrGraph> = None;
    for _ in 0..MAX_LEVELS {
        let level = owned.as_ref().unwrap_or(graph);
        let order = if level.node_count() >= BATCHED_MIN_NODES {
            rng.block_order(level.node_count(), VISIT_BLOCK)
        } else {
            let mut order: Vec<u32> = (0..level.node_count() as u32).collect();
            rng.shuffle(&mut order);
            order
        };
        if level.node_count() >= BATCHED_MIN_NODES {
            local_moving_batched(level, &mass, &mut comm, scale, order, usize::MAX);
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

/// Each node's mass under `gain` on the original graph.
fn masses(graph: &CsrGraph, gain: Gain) -> Vec<f64> {
    match gain.mass {
        Mass::Degree => (0..graph.node_count()).map(|v| graph.degree(v)).collect(),
        Mass::Size => vec![1.0; graph.node_count()],
    }
}

/// A cheap first partition of a large graph (local moving from singletons, stopped after `ROUGH_VISITS` visits per
/// node), dense labels: good enough to renumber the graph by before the first pass (see `leiden::Renamed`), and a
/// start for that pass, which continues the same local moving.
pub(crate) fn rough_partition(graph: &CsrGraph, gain: Gain, rng: &mut SplitMix64) -> Vec<u32> {
    let n = graph.node_count();
    let mut comm: Vec<u32> = (0..n as u32).collect();
    if graph.total_weight() <= 0.0 {
        return comm;
    }
    let order = rng.block_order(n, VISIT_BLOCK);
    local_moving_batched(graph, &masses(graph, gain), &mut comm, gain.scale, order, ROUGH_VISITS * n);
    renumber(&mut comm);
    comm
}

/// Local moving on a level of `BATCHED_MIN_NODES` nodes or more visits them in blocks of this many consecutive ids
/// (blocks and nodes inside each in random order): on a graph numbered community by community, neighbouring visits
/// then read nearby memory. On the 1M-node planted graph it halves a later pass's local moving against a full shuffle,
/// at the same modularity (bench/README.md). Smaller levels fit in cache and are visited in a full shuffle, which on
/// a graph of a hundred nodes is a much more random order than two blocks.
const VISIT_BLOCK: usize = 64;

/// The rough partition stops after this many visits per node (1 to 3 measured on the 1M-node planted graph: 2 gave
/// the shortest first pass with the renumbering it allows).
const ROUGH_VISITS: usize = 2;

/// Safety cap on aggregation levels in one pass (each level shrinks the graph, so it is never reached in practice).
const MAX_LEVELS: usize = 1000;

/// Refinement: start from singletons; visiting nodes in random order, a node still alone merges into the refined
/// community (inside its own community) with the best positive gain. Merges only follow edges, so every refined
/// community is connected. Returns dense refined labels, numbered community by community, and their count.
///
/// Refinement never crosses a community, so communities are refined independently and in parallel; each visits its
/// members in the order they have in one shuffled order of all nodes, so the result does not depend on the number of
/// threads.
fn refine(g: &CsrGraph, mass: &[f64], comm: &[u32], scale: f64, rng: &mut SplitMix64) -> (Vec<u32>, usize) {
    let n = g.node_count();
    let mut order: Vec<u32> = (0..n as u32).collect();
    rng.shuffle(&mut order);
    // Members of each community in visiting order: members[start[c]..start[c + 1]]; `local[v]` is v's place there.
    let communities = comm.iter().map(|&c| c as usize + 1).max().unwrap_or(0);
    let start = bucket_starts(comm, communities);
    let mut cursor = start.clone();
    let mut members = vec![0u32; n];
    let mut local = vec![0u32; n];
    for &v in &order {
        let c = comm[v as usize] as usize;
        local[v as usize] = (cursor[c] - start[c]) as u32;
        members[cursor[c]] = v;
        cursor[c] += 1;
    }
    drop(cursor);
    // Refined labels by member slot, numbered from 0 within each task (made global below).
    let mut grouped = vec![0u32; n];
    // Consecutive communities with at most REFINE_CHUNK members in all (or one larger community) form one task.
    let mut chunks: Vec<(usize, usize)> = Vec::new();
    for c in 0..communities {
        match chunks.last_mut() {
            Some(chunk) if start[c + 1] - start[chunk.0] <= REFINE_CHUNK => chunk.1 = c + 1,
            _ => chunks.push((c, c + 1)),
        }
    }
    let mut outputs: Vec<&mut [u32]> = Vec::with_capacity(chunks.len());
    let mut rest = &mut grouped[..];
    for &(first, last) in &chunks {
        let (head, tail) = rest.split_at_mut(start[last] - start[first]);
        outputs.push(head);
        rest = tail;
    }
    let counts: Vec<u32> = chunks
        .par_iter()
        .zip(outputs.par_iter_mut())
        .map_init(RefineScratch::default, |scratch, (&(first, last), out)| {
            let mut count = 0;
            for c in first..last {
                let (s, e) = (start[c] - start[first], start[c + 1] - start[first]);
                let members = &members[start[c]..start[c + 1]];
                count += refine_community(g, mass, comm, scale, members, &local, &mut out[s..e], count, scratch);
            }
            count
        })
        .collect();
    // Chunk-local labels made global: each chunk's labels follow the earlier chunks'.
    let mut refined = vec![0u32; n];
    let mut offset = 0u32;
    for (&(first, last), count) in chunks.iter().zip(counts) {
        for slot in start[first]..start[last] {
            refined[members[slot] as usize] = offset + grouped[slot];
        }
        offset += count;
    }
    (refined, offset as usize)
}

/// Communities refined by one task: consecutive communities with at most this many nodes in all (or one larger one).
const REFINE_CHUNK: usize = 4096;

/// Buffers a refinement task reuses from community to community, indexed by a member's place in its community.
#[derive(Default)]
struct RefineScratch {
    refined: Vec<u32>,
    total: Vec<f64>,
    size: Vec<u32>,
    nw: NeighbourWeights,
    dense: Vec<u32>,
}

/// Refines one community whose members are `members` (in visiting order; `local[v]` is v's place among them). Writes
/// each member's refined group into `labels`, numbered from `first_label` in order of first appearance, and returns
/// the number of groups.
#[allow(clippy::too_many_arguments)]
fn refine_community(
    g: &CsrGraph,
    mass: &[f64],
    comm: &[u32],
    scale: f64,
    members: &[u32],
    local: &[u32],
    labels: &mut [u32],
    first_label: u32,
    s: &mut RefineScratch,
) -> u32 {
    let k = members.len();
    s.refined.clear();
    s.refined.extend(0..k as u32);
    s.total.clear();
    s.total.extend(members.iter().map(|&v| mass[v as usize]));
    s.size.clear();
    s.size.resize(k, 1);
    s.nw.fit(k);
    for (i, &v) in members.iter().enumerate() {
        let own = s.refined[i];
        if s.size[own as usize] > 1 {
            continue;
        }
        let v = v as usize;
        let a = scale * mass[v];
        s.total[own as usize] -= mass[v];
        let (targets, weights) = g.row(v);
        for (&u, &w) in targets.iter().zip(weights) {
            if u as usize != v && comm[u as usize] == comm[v] {
                s.nw.add(s.refined[local[u as usize] as usize], w as f64);
            }
        }
        let mut best = own;
        let mut best_gain = 0.0;
        for &c in &s.nw.touched {
            if c == own {
                continue;
            }
            let gain = s.nw.weight[c as usize] - a * s.total[c as usize];
            if gain > best_gain {
                best = c;
                best_gain = gain;
            }
        }
        s.nw.clear();
        s.total[best as usize] += mass[v];
        if best != own {
            s.size[own as usize] -= 1;
            s.size[best as usize] += 1;
            s.refined[i] = best;
        }
    }
    // Dense labels in order of first appearance among the members.
    s.dense.clear();
    s.dense.resize(k, u32::MAX);
    let mut next = 0u32;
    for (i, &r) in s.refined.iter().enumerate() {
        let d = &mut s.dense[r as usize];
        if *d == u32::MAX {
            *d = next;
            next += 1;
        }
        labels[i] = first_label + *d;
    }
    next
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
