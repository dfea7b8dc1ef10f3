//! Stable cluster ids across runs: each new cluster takes the id of last run's cluster it overlaps most (greedy
//! best match on the Jaccard index of report sets), so a gang keeps its id week after week.

use std::collections::HashMap;

/// A cluster of the previous run: its id and report ids.
#[derive(Debug, Clone, PartialEq)]
pub struct PreviousCluster {
    pub id: u64,
    pub report_ids: Vec<String>,
}

/// Ids for `current` clusters (report-id lists): pairs are taken greedily by decreasing Jaccard index (ties: lower
/// current index, then lower previous id); a pair is used only if both sides are still free and its Jaccard index
/// is at least `min_jaccard`. Unmatched clusters get fresh ids above every previous id, in `current` order.
pub fn match_stable_ids<S: AsRef<str>>(previous: &[PreviousCluster], current: &[Vec<S>], min_jaccard: f64) -> Vec<u64> {
    let mut owner: HashMap<&str, usize> = HashMap::new();
    for (p, c) in previous.iter().enumerate() {
        for r in &c.report_ids {
            owner.insert(r.as_str(), p);
        }
    }
    let prev_size: Vec<usize> = previous.iter().map(|c| c.report_ids.len()).collect();
    let mut pairs: Vec<(f64, usize, u64, usize)> = Vec::new();
    for (i, cluster) in current.iter().enumerate() {
        let mut overlap: HashMap<usize, usize> = HashMap::new();
        for r in cluster {
            if let Some(&p) = owner.get(r.as_ref()) {
                *overlap.entry(p).or_default() += 1;
            }
        }
        for (p, inter) in overlap {
            let union = cluster.len() + prev_size[p] - inter;
            let j = inter as f64 / union.max(1) as f64;
            if j >= min_jaccard {
                pairs.push((j, i, previous[p].id, p));
            }
        }
    }
    pairs.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
    let mut ids: Vec<Option<u64>> = vec![None; current.len()];
    let mut taken = vec![false; previous.len()];
    for (_, i, id, p) in pairs {
        if ids[i].is_none() && !taken[p] {
            ids[i] = Some(id);
            taken[p] = true;
        }
    }
    let mut next = previous.iter().map(|c| c.id).max().map_or(1, |m| m + 1);
    ids.into_iter()
        .map(|id| {
            id.unwrap_or_else(|| {
                next += 1;
                next - 1
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prev(id: u64, reports: &[&str]) -> PreviousCluster {
        PreviousCluster { id, report_ids: reports.iter().map(|s| s.to_string()).collect() }
    }

    #[test]
    fn a_grown_gang_keeps_its_id_and_new_ones_get_fresh_ids() {
        let previous = vec![prev(7, &["a", "b", "c"]), prev(3, &["x", "y"])];
        let current = vec![vec!["x", "y", "z", "w"], vec!["a", "b", "c", "d"], vec!["n"]];
        assert_eq!(match_stable_ids(&previous, &current, 0.2), vec![3, 7, 8]);
    }

    #[test]
    fn a_split_gang_gives_its_id_to_the_bigger_part_only() {
        let previous = vec![prev(1, &["a", "b", "c", "d", "e"])];
        let current = vec![vec!["a", "b"], vec!["c", "d", "e"]];
        assert_eq!(match_stable_ids(&previous, &current, 0.1), vec![2, 1]);
        assert_eq!(match_stable_ids::<&str>(&[], &[vec!["a"]], 0.1), vec![1]);
    }
}
