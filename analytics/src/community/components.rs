//! Connected components, the connectivity check for communities, and splitting of disconnected communities.

use super::csr::CsrGraph;
use super::partition::Partition;
use crate::error::{Error, Result};

/// Connected components of `graph` (the first cut before community detection); isolated nodes are their own
/// component.
pub fn connected_components(graph: &CsrGraph) -> Partition {
    let all_in_one = vec![0u32; graph.node_count()];
    let (labels, count) = components_within(graph, &all_in_one);
    Partition::from_dense(labels, count)
}

/// Communities of `partition` whose nodes are not connected by edges inside the community, as community ids.
///
/// Leiden guarantees an empty list; this is the check.
pub fn disconnected_communities(graph: &CsrGraph, partition: &Partition) -> Result<Vec<usize>> {
    check_size(graph, partition)?;
    let (labels, _) = components_within(graph, partition.membership());
    // A community is disconnected when its nodes fall into more than one piece.
    let mut piece_of = vec![u32::MAX; partition.community_count()];
    let mut broken = vec![false; partition.community_count()];
    for (node, &piece) in labels.iter().enumerate() {
        let c = partition.community_of(node);
        if piece_of[c] == u32::MAX {
            piece_of[c] = piece;
        } else if piece_of[c] != piece {
            broken[c] = true;
        }
    }
    Ok((0..broken.len()).filter(|&c| broken[c]).collect())
}

/// Splits every community into its connected pieces. Splitting a disconnected community never lowers modularity.
pub fn split_disconnected(graph: &CsrGraph, partition: &Partition) -> Result<Partition> {
    check_size(graph, partition)?;
    let (labels, count) = components_within(graph, partition.membership());
    Ok(Partition::from_dense(labels, count))
}

fn check_size(graph: &CsrGraph, partition: &Partition) -> Result<()> {
    if graph.node_count() != partition.node_count() {
        return Err(Error::PartitionSize { partition: partition.node_count(), graph: graph.node_count() });
    }
    Ok(())
}

/// Labels each node with its connected piece, walking only edges whose ends share a `group`.
fn components_within(graph: &CsrGraph, group: &[u32]) -> (Vec<u32>, usize) {
    let n = graph.node_count();
    let mut label = vec![u32::MAX; n];
    let mut stack = Vec::new();
    let mut count = 0u32;
    for start in 0..n {
        if label[start] != u32::MAX {
            continue;
        }
        label[start] = count;
        stack.push(start);
        while let Some(u) = stack.pop() {
            for (v, _) in graph.neighbors(u) {
                if label[v] == u32::MAX && group[v] == group[u] {
                    label[v] = count;
                    stack.push(v);
                }
            }
        }
        count += 1;
    }
    (label, count as usize)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn two_triangles_and_isolated() -> CsrGraph {
        CsrGraph::from_edges(7, [(0, 1, 1.0), (1, 2, 1.0), (2, 0, 1.0), (3, 4, 1.0), (4, 5, 1.0), (5, 3, 1.0)]).unwrap()
    }

    #[test]
    fn components_of_two_triangles_and_an_isolated_node() {
        let c = connected_components(&two_triangles_and_isolated());
        assert_eq!(c.community_count(), 3);
        assert_eq!(c.sizes(), vec![3, 3, 1]);
        assert_eq!(c.community_of(0), c.community_of(2));
        assert_ne!(c.community_of(0), c.community_of(3));
    }

    #[test]
    fn detects_and_splits_a_disconnected_community() {
        let g = two_triangles_and_isolated();
        // Community {0, 1, 3} is disconnected: 3 has no edge to 0 or 1.
        let p = Partition::from_labels(&[0, 0, 1, 0, 2, 2, 3]).unwrap();
        let bad = disconnected_communities(&g, &p).unwrap();
        assert_eq!(bad, vec![p.community_of(0)]);
        let fixed = split_disconnected(&g, &p).unwrap();
        assert!(disconnected_communities(&g, &fixed).unwrap().is_empty());
        assert_eq!(fixed.community_count(), 5);
        assert_eq!(fixed.community_of(0), fixed.community_of(1));
        assert_ne!(fixed.community_of(0), fixed.community_of(3));
    }

    #[test]
    fn connected_partition_passes_the_check() {
        let g = two_triangles_and_isolated();
        let p = Partition::from_labels(&[0, 0, 0, 1, 1, 1, 2]).unwrap();
        assert!(disconnected_communities(&g, &p).unwrap().is_empty());
        assert_eq!(split_disconnected(&g, &p).unwrap(), p);
    }

    #[test]
    fn size_mismatch_is_an_error() {
        let p = Partition::from_labels(&[0, 0]).unwrap();
        assert!(matches!(
            disconnected_communities(&two_triangles_and_isolated(), &p),
            Err(Error::PartitionSize { .. })
        ));
    }
}
