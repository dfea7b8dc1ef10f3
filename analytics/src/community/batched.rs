//! Local moving in batches that use every core and still give the same result for a seed on any number of threads.
//!
//! The queue is consumed in batches of [`BATCH`] nodes. Each node of a batch picks its best community in parallel
//! against the state at the start of the batch (a pure function of that state, so thread scheduling cannot change
//! it); the moves are then applied one by one in queue order. A move whose two communities were changed by an
//! earlier move of the same batch is checked again against the current state before it is applied, and the node is
//! queued again if it no longer gains; so every applied move raises the quality, as in the sequential version.

use rayon::prelude::*;

use super::csr::CsrGraph;
use super::moving::{Communities, Queue};

/// Nodes decided together from one snapshot; a fixed number, so the result does not depend on the thread count.
pub(crate) const BATCH: usize = 4096;

/// Levels with at least this many nodes move nodes in parallel batches ([`local_moving_batched`]): a batch is at
/// most 1/16 of the nodes, so choices made from one snapshot rarely collide; smaller levels are cheap anyway.
pub(crate) const BATCHED_MIN_NODES: usize = 16 * BATCH;

/// Nodes of a batch decided together by one task.
const CHUNK: usize = 128;

/// A chunk's neighbourhoods gathered into one buffer: `(community, weight)` of every neighbour (self-loops left out),
/// node `i`'s at `entries[bounds[i]..bounds[i + 1]]`.
#[derive(Default)]
struct Gathered {
    bounds: Vec<usize>,
    rows: Vec<(usize, usize)>,
    entries: Vec<(u32, f64)>,
}

/// [`choose`] for every node of `nodes`, in stages so the memory reads of different nodes overlap: all row bounds
/// first, then all neighbours' communities, then the choices from the gathered (cache-resident) entries. Each stage is
/// a loop of independent reads, which the processor runs ahead on; node by node, each read waits on the one before.
fn choose_chunk(
    g: &CsrGraph,
    mass: &[f64],
    snapshot: (&[u32], &[f64], bool),
    scale: f64,
    nodes: &[u32],
    out: &mut [Choice],
    buf: &mut Gathered,
) {
    let comm = snapshot.0;
    buf.rows.clear();
    buf.rows.extend(nodes.iter().map(|&v| g.row_bounds(v as usize)));
    buf.bounds.clear();
    buf.entries.clear();
    for (&v, &(start, end)) in nodes.iter().zip(&buf.rows) {
        buf.bounds.push(buf.entries.len());
        let (targets, weights) = g.slots(start, end);
        buf.entries
            .extend(targets.iter().zip(weights).filter(|&(&u, _)| u != v).map(|(&u, &w)| (comm[u as usize], w as f64)));
    }
    buf.bounds.push(buf.entries.len());
    for (i, (&v, choice)) in nodes.iter().zip(out).enumerate() {
        let entries = &mut buf.entries[buf.bounds[i]..buf.bounds[i + 1]];
        *choice = choose(mass, snapshot, scale, v as usize, entries);
    }
}

/// A node's choice against a snapshot.
#[derive(Debug, Clone, Copy)]
enum Choice {
    /// Stay where it is.
    Stay,
    /// Join this community; `w_to` and `w_from` are the node's weights to it and to its own (without itself).
    Join { to: u32, w_to: f64, w_from: f64 },
    /// Leave for an empty community (every neighbouring community has a negative gain); `w_from` as above.
    Alone { w_from: f64 },
}

/// Fast local moving as in `optimise::local_moving`, with each batch's choices made in parallel; stops when the queue
/// is empty or after the batch that reaches `max_visits` visits.
pub(crate) fn local_moving_batched(
    g: &CsrGraph,
    mass: &[f64],
    comm: &mut [u32],
    scale: f64,
    order: Vec<u32>,
    max_visits: usize,
) {
    let n = g.node_count();
    let mut state = Communities::new(mass, comm);
    let mut queue = Queue::new(order);
    // Batch number in which a community last gained or lost a member (0: not yet).
    let mut changed_in = vec![0u32; n];
    let mut batch: Vec<u32> = Vec::with_capacity(BATCH);
    let mut choices: Vec<Choice> = Vec::with_capacity(BATCH);
    let mut round = 0u32;
    let mut visits = 0usize;
    while !queue.is_empty() && visits < max_visits {
        round += 1;
        queue.take(BATCH, &mut batch);
        visits += batch.len();
        let snapshot = (&*comm, &state.total[..], !state.empty.is_empty());
        choices.clear();
        choices.resize(batch.len(), Choice::Stay);
        batch
            .par_chunks(CHUNK)
            .zip(choices.par_chunks_mut(CHUNK))
            .for_each_init(Gathered::default, |buf, (nodes, out)| {
                choose_chunk(g, mass, snapshot, scale, nodes, out, buf)
            });
        for (&v, &choice) in batch.iter().zip(&choices) {
            let v = v as usize;
            let from = comm[v];
            let (to, w_to, w_from) = match choice {
                Choice::Stay => continue,
                Choice::Join { to, .. } if state.size[to as usize] == 0 => {
                    // Its members all left during this batch: decide again from a later snapshot.
                    queue.push(v);
                    continue;
                }
                Choice::Join { to, w_to, w_from } => (to, w_to, w_from),
                Choice::Alone { w_from } => match state.empty.last() {
                    Some(&alone) => (alone, 0.0, w_from),
                    None => continue,
                },
            };
            let a = scale * mass[v];
            let stale = changed_in[to as usize] == round || changed_in[from as usize] == round;
            let (w_to, w_from) = if stale { weights_to(g, comm, v, to, from) } else { (w_to, w_from) };
            if w_to - a * state.total[to as usize] <= w_from - a * (state.total[from as usize] - mass[v]) {
                if stale {
                    queue.push(v);
                }
                continue;
            }
            // `to`, if empty, is the last of the empty list (`Alone`), so add before `from` may join the list.
            state.add(mass[v], to);
            state.remove(mass[v], from);
            comm[v] = to;
            changed_in[to as usize] = round;
            changed_in[from as usize] = round;
            for &u in g.row(v).0 {
                if comm[u as usize] != to {
                    queue.push(u as usize);
                }
            }
        }
    }
}

/// The best community for `v` against the snapshot `(comm, total, an empty community exists)`, given the
/// `(community, weight)` of its neighbours (sorted here).
fn choose(
    mass: &[f64],
    (comm, total, has_empty): (&[u32], &[f64], bool),
    scale: f64,
    v: usize,
    buf: &mut [(u32, f64)],
) -> Choice {
    buf.sort_unstable_by_key(|&(c, _)| c);
    let from = comm[v];
    let a = scale * mass[v];
    let mut w_from = 0.0;
    let mut best: Option<(u32, f64, f64)> = None;
    let mut i = 0;
    while i < buf.len() {
        let c = buf[i].0;
        let mut w = 0.0;
        while i < buf.len() && buf[i].0 == c {
            w += buf[i].1;
            i += 1;
        }
        if c == from {
            w_from = w;
        } else {
            let gain = w - a * total[c as usize];
            if best.is_none_or(|(_, _, g)| gain > g) {
                best = Some((c, w, gain));
            }
        }
    }
    let stay = w_from - a * (total[from as usize] - mass[v]);
    match best {
        Some((to, w_to, gain)) if gain > stay && gain >= 0.0 => Choice::Join { to, w_to, w_from },
        _ if stay < 0.0 && has_empty => Choice::Alone { w_from },
        _ => Choice::Stay,
    }
}

/// `v`'s weight to communities `to` and `from` in the current state (without a self-loop).
fn weights_to(g: &CsrGraph, comm: &[u32], v: usize, to: u32, from: u32) -> (f64, f64) {
    let (targets, weights) = g.row(v);
    let (mut w_to, mut w_from) = (0.0, 0.0);
    for (&u, &w) in targets.iter().zip(weights) {
        if u as usize == v {
            continue;
        }
        let c = comm[u as usize];
        if c == to {
            w_to += w as f64;
        } else if c == from {
            w_from += w as f64;
        }
    }
    (w_to, w_from)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::community::metrics::modularity;
    use crate::community::moving::local_moving_for_tests;
    use crate::community::partition::Partition;
    use crate::community::rng::SplitMix64;

    /// A planted partition: `groups` groups of `size`, each node with about `degree` edges, a share `mu` outside.
    fn planted(groups: usize, size: usize, degree: usize, mu: f64, seed: u64) -> CsrGraph {
        let mut rng = SplitMix64::new(seed);
        let n = groups * size;
        let mut edges = Vec::new();
        for u in 0..n {
            for _ in 0..degree / 2 {
                let r = rng.below(1 << 20) as f64 / (1 << 20) as f64;
                let v = if r < mu { rng.below(n) } else { u / size * size + rng.below(size) };
                edges.push((u, v, 1.0));
            }
        }
        CsrGraph::from_edges(n, edges).unwrap()
    }

    fn run(g: &CsrGraph, threads: usize, seed: u64) -> Vec<u32> {
        let scale = 1.0 / (2.0 * g.total_weight());
        let mass: Vec<f64> = (0..g.node_count()).map(|v| g.degree(v)).collect();
        let mut comm: Vec<u32> = (0..g.node_count() as u32).collect();
        let mut order = comm.clone();
        SplitMix64::new(seed).shuffle(&mut order);
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
        pool.install(|| local_moving_batched(g, &mass, &mut comm, scale, order, usize::MAX));
        comm
    }

    #[test]
    fn the_same_seed_gives_the_same_moves_on_one_or_two_threads() {
        // Several batches (3 × BATCH nodes), so moves of one batch change the snapshot of the next.
        let g = planted(3 * BATCH / 40, 40, 12, 0.3, 1);
        let one = run(&g, 1, 5);
        assert_eq!(run(&g, 2, 5), one);
        assert_eq!(run(&g, 2, 5), one);
        assert_ne!(run(&g, 2, 6), one);
    }

    #[test]
    fn batched_moving_reaches_the_quality_of_sequential_moving() {
        // As small as a level that is moved in batches (a batch is 1/16 of it).
        let g = planted(BATCHED_MIN_NODES / 40, 40, 12, 0.3, 2);
        let q = |labels: &[u32]| modularity(&g, &Partition::from_labels(labels).unwrap(), 1.0).unwrap();
        let batched = q(&run(&g, 2, 3));
        let sequential = q(&local_moving_for_tests(&g, 3));
        assert!(batched > 0.5, "{batched}");
        assert!((batched - sequential).abs() < 0.01, "batched {batched} sequential {sequential}");
    }

    #[test]
    fn moves_follow_the_gain_on_a_small_graph() {
        // Two triangles joined by one edge, each node alone at first: one batch, then the re-checked moves.
        let g = CsrGraph::from_edges(
            6,
            [(0, 1, 1.0), (1, 2, 1.0), (0, 2, 1.0), (3, 4, 1.0), (4, 5, 1.0), (3, 5, 1.0), (2, 3, 1.0)],
        )
        .unwrap();
        let p = Partition::from_labels(&run(&g, 2, 1)).unwrap();
        assert_eq!(p.membership(), &[0, 0, 0, 1, 1, 1]);
    }
}
