//! Centrality on a cluster's undirected subgraph: PageRank (power iteration) and betweenness (Brandes; exact up to
//! [`EXACT_BETWEENNESS_MAX_NODES`] nodes, sampled pivots above).
//!
//! Written here rather than taken from a crate: petgraph 0.8.3's `page_rank` is documented O(n·|V|²·|E|) (it scans
//! every node for every node each iteration), which is too slow for clusters of a few thousand nodes, and petgraph
//! has no betweenness; rustworkx-core's `betweenness_centrality` is exact only (no pivot sampling) and would pull
//! in rayon and a second graph type. Both algorithms below are textbook and short, and are tested against
//! hand-computed values (a star, a path).

use std::collections::VecDeque;

use rand::SeedableRng;
use rand::seq::index::sample;
use rand_chacha::ChaCha8Rng;

/// Subgraphs with at most this many nodes get exact Brandes betweenness (O(V·E): 2,000 nodes × ~4,000 edges is
/// ~10⁷ steps, well under a second in a debug build); larger ones use [`BETWEENNESS_PIVOTS`] sampled sources.
pub const EXACT_BETWEENNESS_MAX_NODES: usize = 2_000;

/// Sampled sources above [`EXACT_BETWEENNESS_MAX_NODES`] (Brandes–Pich 2007), scaled by n / pivots; relative
/// error of the top ranks is a few percent at this size.
pub const BETWEENNESS_PIVOTS: usize = 256;

/// PageRank with damping 0.85 over an undirected adjacency (each edge both ways), power iteration until the L1
/// change is below 1e-10 or 200 iterations; isolated nodes' mass is spread uniformly. Ranks sum to 1.
pub fn page_rank(adj: &[Vec<usize>]) -> Vec<f64> {
    const DAMPING: f64 = 0.85;
    let n = adj.len();
    if n == 0 {
        return Vec::new();
    }
    let uniform = 1.0 / n as f64;
    let mut rank = vec![uniform; n];
    for _ in 0..200 {
        let dangling: f64 = (0..n).filter(|&v| adj[v].is_empty()).map(|v| rank[v]).sum();
        let base = (1.0 - DAMPING) * uniform + DAMPING * dangling * uniform;
        let mut next = vec![base; n];
        for (v, ns) in adj.iter().enumerate() {
            if ns.is_empty() {
                continue;
            }
            let share = DAMPING * rank[v] / ns.len() as f64;
            for &w in ns {
                next[w] += share;
            }
        }
        let change: f64 = next.iter().zip(&rank).map(|(a, b)| (a - b).abs()).sum();
        rank = next;
        if change < 1e-10 {
            break;
        }
    }
    rank
}

/// Whether [`betweenness`] was exact or sampled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BetweennessMethod {
    Exact,
    /// Sampled from this many source nodes, scaled to the full count.
    Sampled {
        pivots: usize,
    },
}

/// Betweenness of every node of an undirected, unweighted graph: the number of shortest paths between other pairs
/// {s, t} passing through it, each pair counted once (unnormalised: the middle of a 3-node path has 1). Exact
/// Brandes up to [`EXACT_BETWEENNESS_MAX_NODES`] nodes, else [`BETWEENNESS_PIVOTS`] sources drawn with `seed`.
pub fn betweenness(adj: &[Vec<usize>], seed: u64) -> (Vec<f64>, BetweennessMethod) {
    let n = adj.len();
    if n <= EXACT_BETWEENNESS_MAX_NODES {
        let sources: Vec<usize> = (0..n).collect();
        (brandes(adj, &sources, 0.5), BetweennessMethod::Exact)
    } else {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let pivots = BETWEENNESS_PIVOTS.min(n);
        let mut sources = sample(&mut rng, n, pivots).into_vec();
        sources.sort_unstable();
        let scale = 0.5 * n as f64 / pivots as f64;
        (brandes(adj, &sources, scale), BetweennessMethod::Sampled { pivots })
    }
}

/// Brandes' accumulation from the given sources, every dependency multiplied by `scale`.
fn brandes(adj: &[Vec<usize>], sources: &[usize], scale: f64) -> Vec<f64> {
    let n = adj.len();
    let mut bc = vec![0.0; n];
    let mut sigma = vec![0.0f64; n];
    let mut dist = vec![-1i64; n];
    let mut delta = vec![0.0f64; n];
    let mut preds: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut order: Vec<usize> = Vec::with_capacity(n);
    let mut queue = VecDeque::new();
    for &s in sources {
        for v in order.drain(..) {
            sigma[v] = 0.0;
            dist[v] = -1;
            delta[v] = 0.0;
            preds[v].clear();
        }
        sigma[s] = 1.0;
        dist[s] = 0;
        queue.push_back(s);
        while let Some(v) = queue.pop_front() {
            order.push(v);
            for &w in &adj[v] {
                if dist[w] < 0 {
                    dist[w] = dist[v] + 1;
                    queue.push_back(w);
                }
                if dist[w] == dist[v] + 1 {
                    sigma[w] += sigma[v];
                    preds[w].push(v);
                }
            }
        }
        for &w in order.iter().rev() {
            for &v in &preds[w] {
                delta[v] += sigma[v] / sigma[w] * (1.0 + delta[w]);
            }
            if w != s {
                bc[w] += delta[w] * scale;
            }
        }
    }
    bc
}

#[cfg(test)]
mod tests {
    use super::*;

    fn undirected(n: usize, edges: &[(usize, usize)]) -> Vec<Vec<usize>> {
        let mut adj = vec![Vec::new(); n];
        for &(a, b) in edges {
            adj[a].push(b);
            adj[b].push(a);
        }
        adj
    }

    #[test]
    fn sampled_betweenness_with_every_node_as_pivot_is_exact() {
        let adj = undirected(6, &[(0, 1), (1, 2), (2, 3), (3, 4), (1, 5), (5, 3)]);
        let all: Vec<usize> = (0..6).collect();
        assert_eq!(brandes(&adj, &all, 0.5), betweenness(&adj, 1).0);
    }
}
