//! Partition quality and agreement: modularity, the Constant Potts Model, normalised mutual information (NMI) and adjusted Rand index (ARI).

use std::collections::HashMap;

use super::csr::CsrGraph;
use super::partition::Partition;
use crate::error::{Error, Result};

/// Newman–Girvan modularity with resolution `gamma`: `Σ_c [L_c / m − γ (K_c / 2m)²]`.
///
/// `L_c` is the weight of edges inside community `c` (a self-loop once), `K_c` the sum of its degrees (a self-loop
/// twice) and `m` the total edge weight. This is igraph's and leidenalg's definition. A graph without edges has
/// modularity 0.
pub fn modularity(graph: &CsrGraph, partition: &Partition, gamma: f64) -> Result<f64> {
    if graph.node_count() != partition.node_count() {
        return Err(Error::PartitionSize { partition: partition.node_count(), graph: graph.node_count() });
    }
    let m = graph.total_weight();
    if m <= 0.0 {
        return Ok(0.0);
    }
    let inside = inner_weights(graph, partition);
    let mut degree = vec![0f64; partition.community_count()];
    for node in 0..graph.node_count() {
        degree[partition.community_of(node)] += graph.degree(node);
    }
    Ok(inside.iter().zip(&degree).map(|(l, k)| l / m - gamma * (k / (2.0 * m)).powi(2)).sum())
}

/// Constant Potts Model quality with resolution `gamma`: `Σ_c [L_c − γ · n_c(n_c − 1)/2]`.
///
/// `L_c` is the weight of edges inside community `c` (a self-loop once) and `n_c` its number of nodes: a community
/// pays `γ` for every pair of its nodes, so it is worth having when its inner density exceeds `γ`. This is
/// leidenalg's `CPMVertexPartition` quality (unit node sizes). Unlike modularity it does not depend on the rest of
/// the graph, so it has no resolution limit.
pub fn cpm(graph: &CsrGraph, partition: &Partition, gamma: f64) -> Result<f64> {
    if graph.node_count() != partition.node_count() {
        return Err(Error::PartitionSize { partition: partition.node_count(), graph: graph.node_count() });
    }
    let inside = inner_weights(graph, partition);
    let sizes = partition.sizes();
    Ok(inside.iter().zip(&sizes).map(|(l, &n)| l - gamma * (n as f64) * (n as f64 - 1.0) / 2.0).sum())
}

/// Weight of the edges inside each community (a self-loop once); the partition must cover the graph.
pub(crate) fn inner_weights(graph: &CsrGraph, partition: &Partition) -> Vec<f64> {
    let mut inside = vec![0f64; partition.community_count()];
    for (u, v, w) in graph.edges() {
        let c = partition.community_of(u);
        if c == partition.community_of(v) {
            inside[c] += w;
        }
    }
    inside
}

/// Normalised mutual information with arithmetic-mean normalisation (scikit-learn's default): `I / ((H_a + H_b) / 2)`.
///
/// Identical groupings give 1; when both labelings have a single group the value is 1 by convention.
pub fn nmi<A, B>(a: &[A], b: &[B]) -> Result<f64>
where
    A: Copy + Eq + std::hash::Hash,
    B: Copy + Eq + std::hash::Hash,
{
    let table = Contingency::new(a, b)?;
    let n = a.len() as f64;
    let entropy =
        |counts: &[u64]| -> f64 { counts.iter().filter(|&&c| c > 0).map(|&c| c as f64 / n).map(|p| -p * p.ln()).sum() };
    let (ha, hb) = (entropy(&table.rows), entropy(&table.cols));
    if ha == 0.0 && hb == 0.0 {
        return Ok(1.0);
    }
    let mutual: f64 = table
        .cells
        .iter()
        .map(|&((i, j), nij)| {
            let nij = nij as f64;
            nij / n * (n * nij / (table.rows[i] as f64 * table.cols[j] as f64)).ln()
        })
        .sum();
    let denom = (ha + hb) / 2.0;
    Ok((mutual / denom).clamp(0.0, 1.0))
}

/// Adjusted Rand index (Hubert & Arabie): 1 for identical groupings, about 0 for random ones, possibly negative.
///
/// When both labelings are trivial in the same way (all one group, or all singletons), the value is 1.
pub fn ari<A, B>(a: &[A], b: &[B]) -> Result<f64>
where
    A: Copy + Eq + std::hash::Hash,
    B: Copy + Eq + std::hash::Hash,
{
    let table = Contingency::new(a, b)?;
    let pairs = |x: u64| -> f64 { x as f64 * (x as f64 - 1.0) / 2.0 };
    let index: f64 = table.cells.iter().map(|&(_, c)| pairs(c)).sum();
    let sum_a: f64 = table.rows.iter().map(|&c| pairs(c)).sum();
    let sum_b: f64 = table.cols.iter().map(|&c| pairs(c)).sum();
    let total = pairs(a.len() as u64);
    if total == 0.0 {
        return Ok(1.0);
    }
    let expected = sum_a * sum_b / total;
    let max = (sum_a + sum_b) / 2.0;
    if max == expected {
        return Ok(1.0);
    }
    Ok((index - expected) / (max - expected))
}

/// Counts of a pair of labelings: row and column totals and the non-zero cells.
struct Contingency {
    rows: Vec<u64>,
    cols: Vec<u64>,
    /// By (row, column), so sums over them run in one order and the same labelings give the same value to the bit
    /// (a stability scan compares such values).
    cells: Vec<((usize, usize), u64)>,
}

impl Contingency {
    fn new<A, B>(a: &[A], b: &[B]) -> Result<Self>
    where
        A: Copy + Eq + std::hash::Hash,
        B: Copy + Eq + std::hash::Hash,
    {
        if a.len() != b.len() {
            return Err(Error::LengthMismatch { left: a.len(), right: b.len() });
        }
        let (mut ia, mut ib) = (HashMap::new(), HashMap::new());
        let (mut rows, mut cols) = (Vec::new(), Vec::new());
        let mut cells = HashMap::new();
        for (x, y) in a.iter().zip(b) {
            let i = *ia.entry(*x).or_insert_with(|| {
                rows.push(0);
                rows.len() - 1
            });
            let j = *ib.entry(*y).or_insert_with(|| {
                cols.push(0);
                cols.len() - 1
            });
            rows[i] += 1;
            cols[j] += 1;
            *cells.entry((i, j)).or_insert(0u64) += 1;
        }
        let mut cells: Vec<_> = cells.into_iter().collect();
        cells.sort_unstable();
        Ok(Self { rows, cols, cells })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    #[test]
    fn nmi_of_identical_groupings_is_one_whatever_the_labels() {
        assert!(close(nmi(&[0, 0, 1, 1, 2], &["a", "a", "b", "b", "c"]).unwrap(), 1.0));
        assert!(close(nmi(&[5, 5, 5], &[1, 1, 1]).unwrap(), 1.0));
    }

    #[test]
    fn nmi_of_independent_groupings_is_zero() {
        // Every group of one labeling splits evenly across the other: mutual information 0.
        assert!(close(nmi(&[0, 0, 1, 1], &[0, 1, 0, 1]).unwrap(), 0.0));
    }

    #[test]
    fn nmi_known_value() {
        // sklearn.metrics.normalized_mutual_info_score([0,0,0,1,1,1], [0,0,1,1,2,2]) = 0.5158037429793889
        assert!(close(nmi(&[0, 0, 0, 1, 1, 1], &[0, 0, 1, 1, 2, 2]).unwrap(), 0.5158037429793889));
    }

    #[test]
    fn ari_known_values() {
        // sklearn.metrics.adjusted_rand_score values.
        assert!(close(ari(&[0, 0, 1, 1], &[1, 1, 0, 0]).unwrap(), 1.0));
        assert!(close(ari(&[0, 0, 1, 2], &[0, 0, 1, 1]).unwrap(), 0.5714285714285715));
        assert!(close(ari(&[0, 0, 0, 1, 1, 1], &[0, 0, 1, 1, 2, 2]).unwrap(), 0.24242424242424246));
        assert!(close(ari(&[0, 0, 1, 1], &[0, 1, 0, 1]).unwrap(), -0.5));
    }

    #[test]
    fn metrics_reject_length_mismatch() {
        assert!(matches!(nmi(&[0, 1], &[0]), Err(Error::LengthMismatch { left: 2, right: 1 })));
        assert!(matches!(ari(&[0], &[0, 1]), Err(Error::LengthMismatch { .. })));
    }

    #[test]
    fn modularity_of_two_triangles_joined_by_an_edge() {
        // Two triangles joined by one edge: m = 7; each side L = 3, K = 7. Q = 2 * (3/7 - (7/14)^2) = 5/14.
        let g = CsrGraph::from_edges(
            6,
            [(0, 1, 1.0), (1, 2, 1.0), (2, 0, 1.0), (3, 4, 1.0), (4, 5, 1.0), (5, 3, 1.0), (2, 3, 1.0)],
        )
        .unwrap();
        let p = Partition::from_labels(&[0, 0, 0, 1, 1, 1]).unwrap();
        assert!(close(modularity(&g, &p, 1.0).unwrap(), 5.0 / 14.0));
        let one = Partition::from_labels(&[0; 6]).unwrap();
        assert!(close(modularity(&g, &one, 1.0).unwrap(), 0.0));
    }

    #[test]
    fn cpm_of_two_triangles_joined_by_an_edge_checked_by_hand() {
        // Two triangles {0,1,2}, {3,4,5} and the bridge 2-3, unit weights.
        let g = CsrGraph::from_edges(
            6,
            [(0, 1, 1.0), (1, 2, 1.0), (0, 2, 1.0), (3, 4, 1.0), (4, 5, 1.0), (3, 5, 1.0), (2, 3, 1.0)],
        )
        .unwrap();
        let two = Partition::from_labels(&[0, 0, 0, 1, 1, 1]).unwrap();
        let one = Partition::from_labels(&[0; 6]).unwrap();
        let singletons = Partition::from_labels(&[0, 1, 2, 3, 4, 5]).unwrap();
        // Two triangles: 2 × (3 − γ·3); one community: 7 − γ·15; singletons: 0.
        assert!(close(cpm(&g, &two, 0.5).unwrap(), 3.0));
        assert!(close(cpm(&g, &one, 0.5).unwrap(), -0.5));
        assert!(close(cpm(&g, &singletons, 0.5).unwrap(), 0.0));
        // Below γ = 1/9 (the bridge's density between the triangles) one community is better.
        assert!(cpm(&g, &one, 0.1).unwrap() > cpm(&g, &two, 0.1).unwrap());
        assert!(matches!(cpm(&g, &Partition::from_labels(&[0, 0]).unwrap(), 1.0), Err(Error::PartitionSize { .. })));
    }

    #[test]
    fn modularity_counts_self_loops_like_igraph() {
        // m = 3; community {0,1}: L = 2 (loop once + edge), K = 3 + 2 = 5; {2}: L = 0, K = 1.
        // igraph: Graph(n=3, edges=[(0,0),(0,1),(1,2)]).modularity([0,0,1]) = -0.0555…, the same value.
        let g = CsrGraph::from_edges(3, [(0, 0, 1.0), (0, 1, 1.0), (1, 2, 1.0)]).unwrap();
        let p = Partition::from_labels(&[0, 0, 1]).unwrap();
        let expected = 2.0 / 3.0 - (5.0f64 / 6.0).powi(2) - (1.0f64 / 6.0).powi(2);
        assert!(close(modularity(&g, &p, 1.0).unwrap(), expected));
    }
}
