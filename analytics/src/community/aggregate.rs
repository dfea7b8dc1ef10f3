//! Aggregation of a graph by groups of nodes, by counting sort and one dense scratch row: no hash map, no edge sort.

use rayon::prelude::*;

use super::csr::{CsrGraph, Rows, stored};

/// Relabels `labels` densely in first-appearance order; returns the number of labels.
pub(crate) fn renumber(labels: &mut [u32]) -> usize {
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

/// Where each label's bucket starts in a counting sort of `labels` (all `< count`): label `c` holds
/// `start[c]..start[c + 1]`.
pub(crate) fn bucket_starts(labels: &[u32], count: usize) -> Vec<usize> {
    let mut start = vec![0usize; count + 1];
    for &c in labels {
        start[c as usize + 1] += 1;
    }
    for c in 0..count {
        start[c + 1] += start[c];
    }
    start
}

/// The graph of `groups` (dense labels `< count`): one node per group, edge weights summed, a group's inner weight
/// as its self-loop (so its degree is the sum of its members' degrees, and the total weight is unchanged).
///
/// Members are bucketed by a counting sort; each group's row is summed in a dense scratch array indexed by group,
/// then its touched entries are sorted, so the cost is linear in the edges plus a sort of each (short) output row.
/// Groups are summed in parallel, in tasks of consecutive groups whose rows are then joined in group order. Sums
/// follow the members' id order, so the result is deterministic on any number of threads; with integer weights it
/// is exact.
pub(crate) fn aggregate(g: &CsrGraph, groups: &[u32], count: usize) -> CsrGraph {
    let n = g.node_count();
    debug_assert_eq!(groups.len(), n);
    // Counting sort of nodes by group: members[start[c]..start[c + 1]], each bucket in increasing node id.
    let start = bucket_starts(groups, count);
    let mut cursor = start.clone();
    let mut members = vec![0u32; n];
    for (v, &c) in groups.iter().enumerate() {
        members[cursor[c as usize]] = v as u32;
        cursor[c as usize] += 1;
    }
    drop(cursor);

    // Tasks of consecutive groups with about AGGREGATE_CHUNK members in all.
    let mut tasks: Vec<(usize, usize)> = Vec::new();
    for c in 0..count {
        match tasks.last_mut() {
            Some(task) if start[c + 1] - start[task.0] <= AGGREGATE_CHUNK => task.1 = c + 1,
            _ => tasks.push((c, c + 1)),
        }
    }
    let parts: Vec<Rows> = tasks
        .par_iter()
        .map_init(
            || (vec![0f64; count], Vec::new()),
            |(scratch, touched), &(first, last)| {
                // At most one slot per member's slot, plus each group's self-loop: reserved once, so the rows never
                // grow by copying (growing them was most of aggregation's page faults on the 1M-node graph).
                let members = &members[start[first]..start[last]];
                let bound: usize = members.iter().map(|&v| g.row_len(v as usize)).sum::<usize>() + (last - first);
                let mut rows = Rows::with_capacity(last - first, bound);
                for c in first..last {
                    let mut inner = 0.0;
                    let mut degree = 0.0;
                    for &v in &members[start[c] - start[first]..start[c + 1] - start[first]] {
                        let v = v as usize;
                        degree += g.degree(v);
                        let (ts, ws) = g.row(v);
                        for (&u, &w) in ts.iter().zip(ws) {
                            let d = groups[u as usize];
                            if d as usize == c {
                                // An inner edge is seen from both ends, a self-loop once.
                                inner += if u as usize == v { w as f64 } else { 0.5 * w as f64 };
                            } else {
                                if scratch[d as usize] == 0.0 {
                                    touched.push(d);
                                }
                                scratch[d as usize] += w as f64;
                            }
                        }
                    }
                    if inner > 0.0 {
                        touched.push(c as u32);
                        scratch[c] = inner;
                    }
                    touched.sort_unstable();
                    for &d in touched.iter() {
                        rows.targets.push(d);
                        rows.weights.push(stored(scratch[d as usize]));
                        scratch[d as usize] = 0.0;
                        if d as usize >= c {
                            rows.edge_count += 1;
                        }
                    }
                    touched.clear();
                    rows.end_row(degree);
                }
                rows
            },
        )
        .collect();
    CsrGraph::from_rows(parts, g.total_weight())
}

/// Groups aggregated together (by one task).
const AGGREGATE_CHUNK: usize = 16_384;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aggregation_keeps_total_weight_and_sums_degrees() {
        let g = CsrGraph::from_edges(5, [(0, 1, 1.0), (1, 2, 2.0), (2, 3, 0.5), (3, 4, 1.0), (4, 4, 3.0)]).unwrap();
        let groups = [0, 0, 1, 1, 1];
        let agg = aggregate(&g, &groups, 2);
        assert_eq!(agg.node_count(), 2);
        assert_eq!(agg.edge_count(), 3);
        assert_eq!(agg.total_weight(), g.total_weight());
        assert_eq!(agg.degree(0), g.degree(0) + g.degree(1));
        assert_eq!(agg.degree(1), g.degree(2) + g.degree(3) + g.degree(4));
        // Inner weights become self-loops; the cut edge 1-2 (weight 2) joins the groups.
        assert_eq!(agg.neighbors(0).collect::<Vec<_>>(), vec![(0, 1.0), (1, 2.0)]);
        assert_eq!(agg.neighbors(1).collect::<Vec<_>>(), vec![(0, 2.0), (1, 4.5)]);
    }

    #[test]
    fn aggregation_equals_rebuilding_from_the_mapped_edge_list() {
        // Interleaved groups, parallel paths between groups, self-loops and an isolated node.
        let edges = [(0, 3, 1.0), (1, 4, 2.0), (2, 5, 0.5), (0, 1, 1.5), (3, 3, 2.0), (5, 2, 1.0), (4, 6, 0.25)];
        let g = CsrGraph::from_edges(8, edges).unwrap();
        let groups = [2, 0, 1, 2, 0, 1, 1, 3];
        let mapped = g.edges().map(|(u, v, w)| (groups[u] as usize, groups[v] as usize, w));
        assert_eq!(aggregate(&g, &groups, 4), CsrGraph::from_edges(4, mapped).unwrap());
    }

    #[test]
    fn renumber_is_dense_in_first_appearance_order() {
        let mut labels = [4, 4, 1, 3, 1];
        assert_eq!(renumber(&mut labels), 3);
        assert_eq!(labels, [0, 0, 1, 2, 1]);
    }
}
