//! A compact undirected graph in CSR form with `f64` weights: parallel edges merged, self-loops kept once.

use crate::error::{Error, Result};

/// An undirected weighted graph in compressed sparse row form.
///
/// Node ids are `0..node_count()`. Parallel edges are merged by summing their weights; an edge and its reverse are
/// the same edge. A self-loop `(u, u, w)` is stored once in `u`'s row and adds `2w` to `u`'s degree (the usual
/// convention for modularity). Zero-weight edges are dropped, but their end nodes stay in the graph. Each row is
/// sorted by neighbour id, so the layout does not depend on input order.
#[derive(Debug, Clone, PartialEq)]
pub struct CsrGraph {
    offsets: Vec<usize>,
    targets: Vec<u32>,
    weights: Vec<f64>,
    degrees: Vec<f64>,
    total_weight: f64,
    edge_count: usize,
}

impl CsrGraph {
    /// Largest number of nodes a graph can hold (ids are `u32`).
    pub const MAX_NODES: usize = u32::MAX as usize;

    /// Builds the graph over `node_count` nodes from `(u, v, weight)` edges.
    ///
    /// Errors if an end is `>= node_count`, a weight is negative, NaN or infinite, or `node_count` exceeds
    /// [`CsrGraph::MAX_NODES`].
    pub fn from_edges(node_count: usize, edges: impl IntoIterator<Item = (usize, usize, f64)>) -> Result<Self> {
        if node_count > Self::MAX_NODES {
            return Err(Error::TooManyNodes { count: node_count, max: Self::MAX_NODES });
        }
        let mut canonical: Vec<(u32, u32, f64)> = Vec::new();
        for (u, v, w) in edges {
            if u >= node_count || v >= node_count {
                return Err(Error::NodeOutOfRange { u, v, node_count });
            }
            if !w.is_finite() || w < 0.0 {
                return Err(Error::InvalidWeight { u, v, weight: w });
            }
            // Both ends are < node_count <= u32::MAX, so the casts are lossless.
            let (a, b) = if u <= v { (u as u32, v as u32) } else { (v as u32, u as u32) };
            canonical.push((a, b, w));
        }
        Ok(Self::from_canonical(node_count, canonical))
    }

    /// Builds from edges already oriented `a <= b` and checked; sorts and merges them.
    pub(crate) fn from_canonical(node_count: usize, mut edges: Vec<(u32, u32, f64)>) -> Self {
        edges.sort_unstable_by_key(|&(a, b, _)| (a, b));
        // Merge parallel edges; their weights are summed in sorted order so the total does not depend on input order.
        let mut merged: Vec<(u32, u32, f64)> = Vec::with_capacity(edges.len());
        let mut i = 0;
        while i < edges.len() {
            let (a, b, _) = edges[i];
            let mut j = i;
            while j < edges.len() && edges[j].0 == a && edges[j].1 == b {
                j += 1;
            }
            let weight = if j - i == 1 {
                edges[i].2
            } else {
                let mut ws: Vec<f64> = edges[i..j].iter().map(|e| e.2).collect();
                ws.sort_unstable_by(f64::total_cmp);
                ws.iter().sum()
            };
            if weight > 0.0 {
                merged.push((a, b, weight));
            }
            i = j;
        }
        drop(edges);

        let mut counts = vec![0usize; node_count + 1];
        for &(a, b, _) in &merged {
            counts[a as usize + 1] += 1;
            if a != b {
                counts[b as usize + 1] += 1;
            }
        }
        for k in 1..counts.len() {
            counts[k] += counts[k - 1];
        }
        let offsets = counts;
        let slots = offsets[node_count];
        let mut cursor = offsets.clone();
        let mut targets = vec![0u32; slots];
        let mut weights = vec![0f64; slots];
        let mut degrees = vec![0f64; node_count];
        let mut total_weight = 0.0;
        // Edges are sorted by (a, b) with a <= b, so every row is filled in increasing neighbour order.
        for &(a, b, w) in &merged {
            let (ai, bi) = (a as usize, b as usize);
            targets[cursor[ai]] = b;
            weights[cursor[ai]] = w;
            cursor[ai] += 1;
            if a != b {
                targets[cursor[bi]] = a;
                weights[cursor[bi]] = w;
                cursor[bi] += 1;
            }
            degrees[ai] += w;
            degrees[bi] += w;
            total_weight += w;
        }
        Self { offsets, targets, weights, degrees, total_weight, edge_count: merged.len() }
    }

    /// Assembles a graph from finished CSR arrays (rows sorted, each undirected edge in both rows, a self-loop once).
    pub(crate) fn from_parts(
        offsets: Vec<usize>,
        targets: Vec<u32>,
        weights: Vec<f64>,
        degrees: Vec<f64>,
        total_weight: f64,
        edge_count: usize,
    ) -> Self {
        debug_assert_eq!(offsets.len(), degrees.len() + 1);
        debug_assert_eq!(targets.len(), weights.len());
        Self { offsets, targets, weights, degrees, total_weight, edge_count }
    }

    /// Neighbour ids and edge weights of `node` as two parallel slices (the hot-path form of [`Self::neighbors`]).
    pub(crate) fn row(&self, node: usize) -> (&[u32], &[f64]) {
        let range = self.offsets[node]..self.offsets[node + 1];
        (&self.targets[range.clone()], &self.weights[range])
    }

    /// Number of nodes.
    pub fn node_count(&self) -> usize {
        self.degrees.len()
    }

    /// Number of distinct undirected edges (self-loops included) after merging.
    pub fn edge_count(&self) -> usize {
        self.edge_count
    }

    /// Sum of edge weights, each undirected edge once (`m` in the modularity formula).
    pub fn total_weight(&self) -> f64 {
        self.total_weight
    }

    /// Weighted degree of `node`; a self-loop counts twice.
    pub fn degree(&self, node: usize) -> f64 {
        self.degrees[node]
    }

    /// Neighbours of `node` with edge weights, in increasing id order; a self-loop appears once.
    pub fn neighbors(&self, node: usize) -> impl Iterator<Item = (usize, f64)> + '_ {
        let range = self.offsets[node]..self.offsets[node + 1];
        self.targets[range.clone()].iter().zip(&self.weights[range]).map(|(&t, &w)| (t as usize, w))
    }

    /// Every edge once as `(u, v, w)` with `u <= v`, in increasing `(u, v)` order.
    pub fn edges(&self) -> impl Iterator<Item = (usize, usize, f64)> + '_ {
        (0..self.node_count())
            .flat_map(move |u| self.neighbors(u).filter(move |&(v, _)| v >= u).map(move |(v, w)| (u, v, w)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merges_parallel_and_reverse_edges_and_sorts_rows() {
        let g = CsrGraph::from_edges(4, [(2, 0, 1.0), (0, 2, 2.5), (1, 0, 1.0), (3, 2, 1.0)]).unwrap();
        assert_eq!(g.node_count(), 4);
        assert_eq!(g.edge_count(), 3);
        assert_eq!(g.neighbors(0).collect::<Vec<_>>(), vec![(1, 1.0), (2, 3.5)]);
        assert_eq!(g.neighbors(2).collect::<Vec<_>>(), vec![(0, 3.5), (3, 1.0)]);
        assert_eq!(g.total_weight(), 5.5);
        assert_eq!(g.degree(0), 4.5);
        assert_eq!(g.edges().collect::<Vec<_>>(), vec![(0, 1, 1.0), (0, 2, 3.5), (2, 3, 1.0)]);
    }

    #[test]
    fn self_loop_stored_once_and_counts_twice_in_degree() {
        let g = CsrGraph::from_edges(2, [(0, 0, 2.0), (0, 1, 1.0)]).unwrap();
        assert_eq!(g.neighbors(0).collect::<Vec<_>>(), vec![(0, 2.0), (1, 1.0)]);
        assert_eq!(g.degree(0), 5.0);
        assert_eq!(g.degree(1), 1.0);
        assert_eq!(g.total_weight(), 3.0);
        let sum: f64 = (0..2).map(|u| g.degree(u)).sum();
        assert_eq!(sum, 2.0 * g.total_weight());
    }

    #[test]
    fn zero_weight_edges_are_dropped_but_nodes_kept() {
        let g = CsrGraph::from_edges(3, [(0, 1, 0.0), (1, 2, 1.0)]).unwrap();
        assert_eq!(g.node_count(), 3);
        assert_eq!(g.edge_count(), 1);
        assert_eq!(g.neighbors(0).count(), 0);
    }

    #[test]
    fn layout_does_not_depend_on_edge_order() {
        let edges = vec![(0, 1, 0.1), (1, 2, 0.2), (0, 1, 0.7), (2, 3, 1.0), (1, 0, 0.3), (3, 0, 4.0)];
        let mut reversed = edges.clone();
        reversed.reverse();
        assert_eq!(CsrGraph::from_edges(4, edges).unwrap(), CsrGraph::from_edges(4, reversed).unwrap());
    }

    #[test]
    fn rejects_bad_edges() {
        assert!(matches!(CsrGraph::from_edges(2, [(0, 2, 1.0)]), Err(Error::NodeOutOfRange { u: 0, v: 2, .. })));
        assert!(matches!(CsrGraph::from_edges(2, [(0, 1, -1.0)]), Err(Error::InvalidWeight { .. })));
        assert!(matches!(CsrGraph::from_edges(2, [(0, 1, f64::NAN)]), Err(Error::InvalidWeight { .. })));
    }
}
