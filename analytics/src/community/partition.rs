//! A partition of a graph's nodes into numbered communities, in a canonical numbering.

use crate::error::{Error, Result};

/// Community of every node: `community_of(node)` is in `0..community_count()`.
///
/// Numbering is canonical: communities are ordered by size (largest first), ties by their smallest node id. Two
/// partitions that group the nodes the same way are therefore equal, whatever labels produced them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Partition {
    membership: Vec<u32>,
    count: usize,
}

impl Partition {
    /// Builds a partition from any labels (one per node); equal labels mean the same community.
    ///
    /// Errors if there are more than `u32::MAX` nodes.
    pub fn from_labels<L: Copy + Eq + std::hash::Hash>(labels: &[L]) -> Result<Self> {
        if labels.len() > u32::MAX as usize {
            return Err(Error::TooManyNodes { count: labels.len(), max: u32::MAX as usize });
        }
        let mut first_seen = std::collections::HashMap::new();
        let dense: Vec<u32> = labels
            .iter()
            .map(|l| {
                let next = first_seen.len() as u32;
                *first_seen.entry(*l).or_insert(next)
            })
            .collect();
        Ok(Self::from_dense(dense, first_seen.len()))
    }

    /// Builds from labels already dense in `0..count` (every value below `count`).
    pub(crate) fn from_dense(dense: Vec<u32>, count: usize) -> Self {
        let mut size = vec![0usize; count];
        let mut min_node = vec![usize::MAX; count];
        for (node, &c) in dense.iter().enumerate() {
            size[c as usize] += 1;
            min_node[c as usize] = min_node[c as usize].min(node);
        }
        let mut order: Vec<usize> = (0..count).filter(|&c| size[c] > 0).collect();
        order.sort_unstable_by_key(|&c| (std::cmp::Reverse(size[c]), min_node[c]));
        let mut rename = vec![0u32; count];
        for (new, &old) in order.iter().enumerate() {
            rename[old] = new as u32;
        }
        let membership = dense.into_iter().map(|c| rename[c as usize]).collect();
        Self { membership, count: order.len() }
    }

    /// Number of nodes covered.
    pub fn node_count(&self) -> usize {
        self.membership.len()
    }

    /// Number of non-empty communities.
    pub fn community_count(&self) -> usize {
        self.count
    }

    /// Community of `node`.
    pub fn community_of(&self, node: usize) -> usize {
        self.membership[node] as usize
    }

    /// The community of every node, indexed by node id.
    pub fn membership(&self) -> &[u32] {
        &self.membership
    }

    /// Size of every community, largest first.
    pub fn sizes(&self) -> Vec<usize> {
        let mut sizes = vec![0usize; self.count];
        for &c in &self.membership {
            sizes[c as usize] += 1;
        }
        sizes
    }

    /// Nodes of every community, each list in increasing node order.
    pub fn communities(&self) -> Vec<Vec<usize>> {
        let mut out = vec![Vec::new(); self.count];
        for (node, &c) in self.membership.iter().enumerate() {
            out[c as usize].push(node);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbering_is_canonical() {
        let a = Partition::from_labels(&["x", "y", "y", "z", "y", "x"]).unwrap();
        let b = Partition::from_labels(&[7, 1, 1, 9, 1, 7]).unwrap();
        assert_eq!(a, b);
        assert_eq!(a.membership(), &[1, 0, 0, 2, 0, 1]);
        assert_eq!(a.sizes(), vec![3, 2, 1]);
        assert_eq!(a.communities(), vec![vec![1, 2, 4], vec![0, 5], vec![3]]);
        assert_eq!(a.community_count(), 3);
    }
}
