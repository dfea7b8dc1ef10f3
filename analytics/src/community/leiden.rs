//! The `CommunityDetector` seam and its Leiden implementation (modularity or CPM, seeded, connected communities).

use super::aggregate::bucket_starts;
use super::components::split_disconnected;
use super::csr::CsrGraph;
use super::metrics::{cpm, inner_weights, modularity};
use super::optimise::{Gain, Mass, leiden_pass, rough_partition};
use super::partition::Partition;
use super::rng::SplitMix64;
use super::scan::{ResolutionScan, stability_scan};
use crate::error::{Error, Result};

/// Anything that partitions a graph's nodes into communities.
pub trait CommunityDetector {
    /// Partitions `graph`; every node gets exactly one community.
    fn detect(&self, graph: &CsrGraph) -> Result<Partition>;
}

/// What Leiden maximises; see [`LeidenParams`] and [`CpmParams`] for how each is chosen.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Quality {
    /// Newman–Girvan modularity with resolution γ ([`modularity`]). Its null model spans the whole graph, so in a
    /// large graph it merges communities smaller than about `√(2m)` edges' worth (the resolution limit).
    Modularity {
        /// γ (> 0); higher gives smaller communities.
        resolution: f64,
    },
    /// Constant Potts Model with resolution γ ([`cpm`]): a community is worth keeping while its inner density
    /// exceeds γ, whatever the size of the graph, so it has no resolution limit. γ is in edge-weight units (for
    /// an unweighted graph, a density between 0 and 1).
    Cpm {
        /// γ (> 0); higher gives smaller, denser communities.
        resolution: f64,
    },
}

impl Quality {
    /// The quality of `partition` on `graph`.
    pub fn value(&self, graph: &CsrGraph, partition: &Partition) -> Result<f64> {
        match *self {
            Quality::Modularity { resolution } => modularity(graph, partition, resolution),
            Quality::Cpm { resolution } => cpm(graph, partition, resolution),
        }
    }

    /// The resolution γ.
    pub fn resolution(&self) -> f64 {
        match *self {
            Quality::Modularity { resolution } | Quality::Cpm { resolution } => resolution,
        }
    }

    fn gain(&self, graph: &CsrGraph) -> Gain {
        match *self {
            Quality::Modularity { resolution } => {
                Gain { scale: resolution / (2.0 * graph.total_weight()), mass: Mass::Degree }
            }
            Quality::Cpm { resolution } => Gain { scale: resolution, mass: Mass::Size },
        }
    }
}

/// Unchecked modularity Leiden parameters, as a caller (e.g. the CLI) supplies them; [`LeidenParams::check`]
/// validates them.
#[derive(Debug, Clone, PartialEq)]
pub struct LeidenParams {
    /// Modularity resolution γ (> 0); higher gives smaller communities.
    pub resolution: f64,
    /// Random seed: the same seed and graph give the same partition.
    pub seed: u64,
    /// Most passes over the original graph (≥ 1). Each pass runs Leiden's levels (local moving, refinement,
    /// aggregation) while aggregation shrinks the graph, starting from the previous pass's partition; passes stop
    /// as soon as one raises the quality by less than [`MIN_PASS_GAIN`] of its value ([`MIN_PASS_GAIN_LARGE`] on a
    /// graph of 65,536 nodes or more).
    pub max_passes: usize,
}

impl LeidenParams {
    /// Standard modularity (γ = 1) with the given seed and at most 10 passes.
    pub fn modularity(seed: u64) -> Self {
        Self { resolution: 1.0, seed, max_passes: 10 }
    }

    /// Validates the parameters into a ready [`Leiden`] detector.
    pub fn check(self) -> Result<Leiden> {
        check_resolution(self.resolution)?;
        check_passes(self.max_passes)?;
        let resolution = Resolution::Fixed(Quality::Modularity { resolution: self.resolution });
        Ok(Leiden { resolution, seed: self.seed, max_passes: self.max_passes })
    }
}

/// How the Constant Potts Model's resolution is chosen.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum CpmResolution {
    /// This γ (> 0, in edge-weight units).
    Fixed(f64),
    /// Chosen from the graph: a quarter of the pooled inner density of a modularity partition (same seed),
    /// `γ = ¼ · Σ_C L_C / Σ_C n_C(n_C − 1)/2` over its communities of two or more nodes.
    ///
    /// Why: under CPM a node stays in a community while its weight into it exceeds γ per member, and two groups
    /// merge only when the density between them exceeds γ. Modularity finds the large communities but swallows
    /// small ones (its resolution limit); the pooled density of its communities is set by the large ones (they
    /// hold most node pairs), while the links between the small communities it merged are far sparser. A quarter
    /// of it keeps a large community's weakly attached members; the factor is calibrated on planted graphs (see
    /// bench/README.md: on the 200k-node one NMI stays ≥ 0.995 from γ = 0.001 to 0.008, and this rule gives
    /// 0.006). It costs one extra modularity run.
    FromModularity,
    /// Chosen by a stability scan around [`CpmResolution::FromModularity`]'s γ: at each of seven resolutions from a
    /// quarter to twice it (steps of √2), three runs with seeds `seed`, `seed + 1`, `seed + 2`; the resolution whose
    /// runs agree best (mean pairwise NMI) is kept, with its best run's partition (module `scan`: Ronhovde &
    /// Nussinov's replica correlation).
    ///
    /// Why: the density rule's γ suits graphs whose communities are dense (the 1M-node planted graph), but splits
    /// the sparse communities of graphs with an average degree of 5 (LFR, μ = 0.1: NMI 0.91 at that γ, 0.98 at half
    /// of it). Where a resolution cuts through communities, runs cut them differently; where it matches a scale of
    /// the graph, they agree. It costs one modularity run and 21 CPM runs.
    Stable,
}

/// Unchecked Constant Potts Model parameters; [`CpmParams::check`] validates them into a [`Leiden`] detector.
#[derive(Debug, Clone, PartialEq)]
pub struct CpmParams {
    /// The resolution γ, fixed or chosen from the graph.
    pub resolution: CpmResolution,
    /// Random seed: the same seed and graph give the same partition.
    pub seed: u64,
    /// Most passes over the original graph (≥ 1), as in [`LeidenParams::max_passes`].
    pub max_passes: usize,
}

impl CpmParams {
    /// Validates the parameters into a ready [`Leiden`] detector.
    pub fn check(self) -> Result<Leiden> {
        let resolution = match self.resolution {
            CpmResolution::Fixed(resolution) => {
                check_resolution(resolution)?;
                Resolution::Fixed(Quality::Cpm { resolution })
            }
            CpmResolution::FromModularity => Resolution::CpmFromModularity,
            CpmResolution::Stable => Resolution::CpmStable,
        };
        check_passes(self.max_passes)?;
        Ok(Leiden { resolution, seed: self.seed, max_passes: self.max_passes })
    }
}

fn check_resolution(resolution: f64) -> Result<()> {
    if resolution.is_finite() && resolution > 0.0 {
        return Ok(());
    }
    Err(Error::InvalidParameter {
        name: "resolution",
        value: resolution.to_string(),
        reason: "must be a finite number greater than 0",
    })
}

fn check_passes(max_passes: usize) -> Result<()> {
    if max_passes > 0 {
        return Ok(());
    }
    Err(Error::InvalidParameter { name: "max_passes", value: "0".into(), reason: "must be at least 1" })
}

/// A checked quality, or the rule that picks one from the graph.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Resolution {
    Fixed(Quality),
    CpmFromModularity,
    CpmStable,
}

/// Leiden community detection (Traag, Waltman & van Eck 2019) maximising modularity or the Constant Potts Model,
/// written on [`CsrGraph`].
///
/// Each pass: queue-based local moving, refinement (a node still alone merges into the best refined community
/// inside its own community, as in leidenalg), aggregation of the refined partition with the unrefined one as its
/// start, repeated while the graph shrinks. Passes restart from the previous partition until the quality stops
/// rising. A graph of 65,536 nodes or more is first renumbered by a rough partition (which also starts the first
/// pass) and again after the first pass, so each community's nodes sit together in memory. Local moving on large
/// levels, refinement (community by community), aggregation and renumbering use rayon's threads; the random orders
/// come from one seeded generator and parallel results are joined in a fixed order, so the same seed gives the same
/// partition on any number of threads. Refined communities are connected by construction; as a guarantee that does not rest on that argument, any community
/// that still comes out disconnected is split into its connected pieces (which never lowers the quality).
///
/// Why not the `leiden-rs` crate (0.8.1) the stack notes suggested: measured here, its refinement allocates and
/// clears node-count-sized buffers once per community (a 1M-node graph was still refining after 12 minutes), one
/// of its runs returned a disconnected community, and it stops after one pass (modularity 0.589–0.592 against
/// leidenalg's 0.598 on a 200k-node planted graph; this implementation reaches 0.5986).
#[derive(Debug, Clone, PartialEq)]
pub struct Leiden {
    resolution: Resolution,
    seed: u64,
    max_passes: usize,
}

/// What [`Leiden::cluster_with_scan`] found.
#[derive(Debug, Clone, PartialEq)]
pub struct Clustering {
    /// The partition.
    pub partition: Partition,
    /// The quality it maximised, with the resolution chosen when the graph chose it.
    pub quality: Quality,
    /// The stability scan, for [`CpmResolution::Stable`].
    pub scan: Option<ResolutionScan>,
}

impl Leiden {
    /// Partitions `graph` and returns the quality it maximised (with the resolution chosen, for
    /// [`CpmResolution::FromModularity`] and [`CpmResolution::Stable`]).
    pub fn cluster(&self, graph: &CsrGraph) -> Result<(Partition, Quality)> {
        let clustering = self.cluster_with_scan(graph, &mut |_, _| {})?;
        Ok((clustering.partition, clustering.quality))
    }

    /// [`Leiden::cluster`], also returning the stability scan of [`CpmResolution::Stable`]; `on_run` is called after
    /// each of the scan's optimiser runs with the runs done and the total (for a progress bar).
    pub fn cluster_with_scan(&self, graph: &CsrGraph, on_run: &mut dyn FnMut(usize, usize)) -> Result<Clustering> {
        let quality = match self.resolution {
            Resolution::Fixed(quality) => quality,
            Resolution::CpmFromModularity => Quality::Cpm { resolution: self.density_resolution(graph)? },
            Resolution::CpmStable => {
                let start = self.density_resolution(graph)?;
                let (partition, resolution, scan) = stability_scan(self, graph, start, on_run)?;
                return Ok(Clustering { partition, quality: Quality::Cpm { resolution }, scan: Some(scan) });
            }
        };
        Ok(Clustering { partition: self.optimise(graph, quality)?, quality, scan: None })
    }

    /// [`CpmResolution::FromModularity`]'s γ: a quarter of the pooled inner density of a modularity partition.
    fn density_resolution(&self, graph: &CsrGraph) -> Result<f64> {
        let modular = self.optimise(graph, Quality::Modularity { resolution: 1.0 })?;
        Ok(0.25 * pooled_inner_density(graph, &modular))
    }

    /// The same detector with its seed moved on by `offset` (a stability scan's replicas).
    pub(super) fn reseeded(&self, offset: u64) -> Self {
        Self { seed: self.seed.wrapping_add(offset), ..self.clone() }
    }

    /// Maximises `quality` on `graph` from singletons.
    pub(super) fn optimise(&self, graph: &CsrGraph, quality: Quality) -> Result<Partition> {
        let n = graph.node_count();
        let gain = quality.gain(graph);
        let mut rng = SplitMix64::new(self.seed);
        let mut best: Vec<u32> = (0..n as u32).collect();
        // A large graph is worked on renumbered so that each community's nodes are adjacent (`LOCALITY_MIN_NODES`):
        // first by a rough partition, which also starts the first pass, then by the first pass's communities.
        let mut renamed: Option<Renamed> = None;
        if n >= LOCALITY_MIN_NODES {
            best = rough_partition(graph, gain, &mut rng);
            renamed = Some(Renamed::by_labels(graph, None, &mut best));
        }
        let mut best_q = quality.value(renamed.as_ref().map_or(graph, |r| &r.graph), &small_labels(&best))?;
        for pass in 0..self.max_passes {
            let g = renamed.as_ref().map_or(graph, |r| &r.graph);
            let next = leiden_pass(g, &best, gain, &mut rng);
            let q = quality.value(g, &small_labels(&next))?;
            let min_gain = if n >= LOCALITY_MIN_NODES { MIN_PASS_GAIN_LARGE } else { MIN_PASS_GAIN };
            let rising = q - best_q > min_gain * q.abs().max(f64::MIN_POSITIVE);
            if q >= best_q {
                best = next;
                best_q = q;
            }
            if !rising {
                break;
            }
            if pass == 0 && renamed.is_some() && pass + 1 < self.max_passes {
                renamed = Some(Renamed::by_labels(graph, renamed.take(), &mut best));
            }
        }
        match renamed {
            Some(r) => {
                let split = split_disconnected(&r.graph, &small_labels(&best))?;
                let labels: Vec<u32> = r.new_id.iter().map(|&p| split.membership()[p as usize]).collect();
                Ok(Partition::from_dense(labels, split.community_count()))
            }
            None => split_disconnected(graph, &small_labels(&best)),
        }
    }
}

/// The partition of labels that are all below the node count (every labelling a pass makes), without hashing them.
fn small_labels(labels: &[u32]) -> Partition {
    let count = labels.iter().map(|&c| c as usize + 1).max().unwrap_or(0);
    Partition::from_dense(labels.to_vec(), count)
}

/// A copy of the graph with its nodes renumbered community by community, and each original node's new id.
struct Renamed {
    graph: CsrGraph,
    new_id: Vec<u32>,
}

impl Renamed {
    /// Renumbers so that the nodes of each of `labels`' communities are adjacent. `labels` and `prior` (the copy
    /// they were made on, if any; dropped before the new copy is built) are over the current numbering; `labels` is
    /// rewritten to the new one. The copy is built from the original `graph`.
    fn by_labels(graph: &CsrGraph, prior: Option<Renamed>, labels: &mut Vec<u32>) -> Self {
        let step = community_order(labels);
        let mut moved = vec![0u32; labels.len()];
        for (v, &p) in step.iter().enumerate() {
            moved[p as usize] = labels[v];
        }
        *labels = moved;
        let new_id = match prior {
            Some(prior) => prior.new_id.iter().map(|&p| step[p as usize]).collect(),
            None => step,
        };
        Self { graph: graph.permuted(&new_id), new_id }
    }
}

/// New node ids that list the nodes community by community (dense labels), each community's in id order.
fn community_order(labels: &[u32]) -> Vec<u32> {
    let count = labels.iter().map(|&c| c as usize + 1).max().unwrap_or(0);
    let mut start = bucket_starts(labels, count);
    labels
        .iter()
        .map(|&c| {
            let id = start[c as usize] as u32;
            start[c as usize] += 1;
            id
        })
        .collect()
}

/// Graphs with at least this many nodes are renumbered by community after the first pass: later passes then read a
/// community's rows and labels from nearby memory instead of all over the graph (on the 1M-node planted graph a
/// pass's first level took about half the time; bench/README.md). Smaller graphs fit in the processor's cache.
const LOCALITY_MIN_NODES: usize = 1 << 16;

impl CommunityDetector for Leiden {
    fn detect(&self, graph: &CsrGraph) -> Result<Partition> {
        Ok(self.cluster(graph)?.0)
    }
}

/// `Σ_C L_C / Σ_C n_C(n_C − 1)/2`; 1 if no community has two nodes or inner weight.
fn pooled_inner_density(graph: &CsrGraph, partition: &Partition) -> f64 {
    let inside: f64 = inner_weights(graph, partition).iter().sum();
    let pairs: f64 = partition.sizes().iter().map(|&s| s as f64 * (s as f64 - 1.0) / 2.0).sum();
    if pairs > 0.0 && inside > 0.0 { inside / pairs } else { 1.0 }
}

/// A pass that raises the quality by less than this share of its value ends the passes (leidenalg's
/// `n_iterations=-1` runs until a pass changes nothing; its default is 2 passes): later passes add little and cost a
/// full sweep each (figures in bench/README.md). Graphs of 65,536 nodes or more use [`MIN_PASS_GAIN_LARGE`].
pub const MIN_PASS_GAIN: f64 = 1e-5;

/// [`MIN_PASS_GAIN`] for graphs of 65,536 nodes or more, where a pass costs about 1.5 s per million nodes: on the
/// 1M-node planted graph the second pass adds 4e-4 of the value, the third 3e-5, the fourth and fifth 1e-5 and 6e-6
/// (so three passes instead of five). On small graphs passes are cheap and the stricter rule still adds up to 0.0012
/// (LFR_N5000_mu0.2).
pub const MIN_PASS_GAIN_LARGE: f64 = 1e-4;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{disconnected_communities, modularity};

    /// splitmix64: a tiny deterministic generator so tests need no dependency.
    struct Mix(u64);
    impl Mix {
        fn next(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        }
        fn below(&mut self, n: usize) -> usize {
            (self.next() % n as u64) as usize
        }
        fn unit(&mut self) -> f64 {
            (self.next() >> 11) as f64 / (1u64 << 53) as f64
        }
    }

    /// A weighted planted partition: `groups` groups of `size`, `edges` edges, a share `mu` between groups.
    fn planted(groups: usize, size: usize, edges: usize, mu: f64, seed: u64) -> (CsrGraph, Vec<usize>) {
        let mut rng = Mix(seed);
        let n = groups * size;
        let truth: Vec<usize> = (0..n).map(|v| v / size).collect();
        let list: Vec<(usize, usize, f64)> = (0..edges)
            .map(|_| {
                let u = rng.below(n);
                let v = if rng.unit() < mu { rng.below(n) } else { truth[u] * size + rng.below(size) };
                (u, v, 0.5 + rng.unit())
            })
            .collect();
        (CsrGraph::from_edges(n, list).unwrap(), truth)
    }

    #[test]
    fn same_seed_gives_the_same_partition() {
        let (g, _) = planted(20, 50, 6000, 0.45, 3);
        let leiden = LeidenParams::modularity(11).check().unwrap();
        let first = leiden.detect(&g).unwrap();
        for _ in 0..3 {
            assert_eq!(leiden.detect(&g).unwrap(), first);
        }
    }

    #[test]
    fn a_large_graph_gives_the_same_partition_on_one_or_two_threads() {
        // Past LOCALITY_MIN_NODES: the rough partition, renumbering, batched moving, parallel refinement and
        // aggregation all run.
        let (g, truth) = planted(1700, 40, 300_000, 0.3, 5);
        assert!(g.node_count() >= LOCALITY_MIN_NODES);
        let leiden = LeidenParams::modularity(4).check().unwrap();
        let on = |threads| {
            let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
            pool.install(|| leiden.detect(&g).unwrap())
        };
        let one = on(1);
        assert_eq!(on(2), one);
        assert!(disconnected_communities(&g, &one).unwrap().is_empty());
        let q_found = modularity(&g, &one, 1.0).unwrap();
        let q_planted = modularity(&g, &Partition::from_labels(&truth).unwrap(), 1.0).unwrap();
        assert!(q_found >= q_planted - 1e-3, "found {q_found} planted {q_planted}");
    }

    #[test]
    fn communities_are_connected_and_modularity_beats_the_planted_partition_at_low_mixing() {
        for seed in 0..4 {
            let (g, truth) = planted(10, 40, 2000, 0.1, seed);
            let p = LeidenParams::modularity(seed).check().unwrap().detect(&g).unwrap();
            assert!(disconnected_communities(&g, &p).unwrap().is_empty());
            let planted = Partition::from_labels(&truth).unwrap();
            let q_found = modularity(&g, &p, 1.0).unwrap();
            let q_planted = modularity(&g, &planted, 1.0).unwrap();
            assert!(q_found >= q_planted - 1e-9, "seed {seed}: found {q_found} < planted {q_planted}");
            assert!(crate::nmi(p.membership(), &truth).unwrap() > 0.95);
        }
    }

    #[test]
    fn communities_stay_connected_at_high_mixing_for_many_seeds() {
        let (g, _) = planted(30, 30, 3000, 0.6, 9);
        for seed in 0..10 {
            let p = LeidenParams::modularity(seed).check().unwrap().detect(&g).unwrap();
            assert!(disconnected_communities(&g, &p).unwrap().is_empty(), "seed {seed}");
            assert_eq!(p.node_count(), g.node_count());
        }
    }

    #[test]
    fn two_cliques_joined_by_one_edge_are_two_communities() {
        let mut edges = Vec::new();
        for base in [0, 5] {
            for a in 0..5 {
                for b in a + 1..5 {
                    edges.push((base + a, base + b, 1.0));
                }
            }
        }
        edges.push((4, 5, 1.0));
        let g = CsrGraph::from_edges(10, edges).unwrap();
        let p = LeidenParams::modularity(1).check().unwrap().detect(&g).unwrap();
        assert_eq!(p.membership(), &[0, 0, 0, 0, 0, 1, 1, 1, 1, 1]);
    }

    #[test]
    fn higher_resolution_gives_more_communities() {
        let (g, _) = planted(8, 50, 3000, 0.2, 5);
        let count = |resolution| {
            let params = LeidenParams { resolution, ..LeidenParams::modularity(2) };
            params.check().unwrap().detect(&g).unwrap().community_count()
        };
        assert!(count(4.0) > count(1.0));
    }

    #[test]
    fn isolated_nodes_are_singletons_and_empty_graph_is_empty() {
        let g = CsrGraph::from_edges(4, [(0, 1, 1.0)]).unwrap();
        let p = LeidenParams::modularity(1).check().unwrap().detect(&g).unwrap();
        assert_eq!(p.sizes(), vec![2, 1, 1]);
        let empty = CsrGraph::from_edges(0, []).unwrap();
        assert_eq!(LeidenParams::modularity(1).check().unwrap().detect(&empty).unwrap().node_count(), 0);
    }

    fn cpm(resolution: f64, seed: u64) -> Leiden {
        CpmParams { resolution: CpmResolution::Fixed(resolution), seed, max_passes: 10 }.check().unwrap()
    }

    #[test]
    fn cpm_splits_two_triangles_above_the_bridge_density_and_joins_them_below() {
        // Two triangles and a bridge: joining them gains 1 − γ·9, so the split is optimal for γ > 1/9.
        let g = CsrGraph::from_edges(
            6,
            [(0, 1, 1.0), (1, 2, 1.0), (0, 2, 1.0), (3, 4, 1.0), (4, 5, 1.0), (3, 5, 1.0), (2, 3, 1.0)],
        )
        .unwrap();
        let (p, quality) = cpm(0.5, 1).cluster(&g).unwrap();
        assert_eq!(p.membership(), &[0, 0, 0, 1, 1, 1]);
        assert_eq!(quality, Quality::Cpm { resolution: 0.5 });
        assert!((quality.value(&g, &p).unwrap() - 3.0).abs() < 1e-12);
        assert_eq!(cpm(0.1, 1).detect(&g).unwrap().community_count(), 1);
        // Above the triangles' own density (1) every node is better alone.
        assert_eq!(cpm(1.5, 1).detect(&g).unwrap().community_count(), 6);
    }

    #[test]
    fn cpm_finds_small_planted_groups_that_modularity_merges() {
        // 200 groups of 5 with 9 inner edges each and one edge to the next group (a ring of cliques): modularity
        // merges neighbouring groups (resolution limit); CPM at any γ between the ring density and 1 does not.
        let mut edges = Vec::new();
        for g in 0..200 {
            let b = 5 * g;
            for (x, y) in [(0, 1), (0, 2), (0, 3), (0, 4), (1, 2), (1, 3), (2, 3), (2, 4), (3, 4)] {
                edges.push((b + x, b + y, 1.0));
            }
            edges.push((b + 4, (b + 5) % 1000, 1.0));
        }
        let g = CsrGraph::from_edges(1000, edges).unwrap();
        let truth: Vec<usize> = (0..1000).map(|v| v / 5).collect();
        let modular = LeidenParams::modularity(3).check().unwrap().detect(&g).unwrap();
        assert!(modular.community_count() < 200);
        for resolution in [0.1, 0.5] {
            let p = cpm(resolution, 3).detect(&g).unwrap();
            assert_eq!(p.community_count(), 200, "γ = {resolution}");
            assert_eq!(crate::nmi(p.membership(), &truth).unwrap(), 1.0);
        }
        let auto = CpmParams { resolution: CpmResolution::FromModularity, seed: 3, max_passes: 10 }.check().unwrap();
        let (p, quality) = auto.cluster(&g).unwrap();
        assert!(matches!(quality, Quality::Cpm { resolution } if resolution > 0.0 && resolution < 1.0), "{quality:?}");
        assert_eq!(p.community_count(), 200);
    }

    #[test]
    fn the_stability_scan_keeps_sparse_groups_that_the_density_rule_splits() {
        let (g, truth) = planted(20, 60, 3000, 0.1, 9);
        let run = |resolution| {
            let mut runs = Vec::new();
            let leiden = CpmParams { resolution, seed: 5, max_passes: 10 }.check().unwrap();
            let clustering = leiden.cluster_with_scan(&g, &mut |done, total| runs.push((done, total))).unwrap();
            (clustering, runs)
        };
        let (auto, _) = run(CpmResolution::FromModularity);
        let (stable, runs) = run(CpmResolution::Stable);
        let scan = stable.scan.as_ref().unwrap();
        // Groups of 60 with an inner degree of 4.5: the density rule's γ cuts them (63 clusters for 20 groups).
        let nmi = |c: &Clustering| crate::nmi(c.partition.membership(), &truth).unwrap();
        assert!(auto.partition.community_count() > 50, "{}", auto.partition.community_count());
        assert!(nmi(&stable) > nmi(&auto) + 0.03, "stable {} auto {}", nmi(&stable), nmi(&auto));
        // Seven resolutions by √2 steps around the density rule's, three runs each, the most stable one kept.
        assert_eq!(scan.steps.len(), 7);
        let start = auto.quality.resolution();
        assert!((scan.steps[4].resolution - start).abs() < 1e-12 * start);
        assert!(scan.steps.windows(2).all(|w| (w[1].resolution / w[0].resolution - 2f64.sqrt()).abs() < 1e-9));
        let chosen = scan.steps[scan.chosen];
        assert!(scan.steps.iter().all(|s| s.stability <= chosen.stability), "{scan:?}");
        assert_eq!(stable.quality, Quality::Cpm { resolution: chosen.resolution });
        assert!(chosen.resolution < start);
        assert_eq!(stable.partition.community_count(), chosen.communities);
        assert!(disconnected_communities(&g, &stable.partition).unwrap().is_empty());
        assert_eq!(runs, (1..=21).map(|d| (d, 21)).collect::<Vec<_>>());
        // The same seed gives the same scan and partition.
        assert_eq!(run(CpmResolution::Stable).0, stable);
    }

    #[test]
    fn cpm_is_deterministic_and_connected_on_a_planted_graph() {
        let (g, truth) = planted(20, 50, 6000, 0.3, 4);
        let first = cpm(0.05, 7).detect(&g).unwrap();
        assert_eq!(cpm(0.05, 7).detect(&g).unwrap(), first);
        assert!(disconnected_communities(&g, &first).unwrap().is_empty());
        assert!(crate::nmi(first.membership(), &truth).unwrap() > 0.95);
    }

    #[test]
    fn bad_parameters_are_rejected() {
        for resolution in [0.0, -1.0, f64::NAN] {
            let params = CpmParams { resolution: CpmResolution::Fixed(resolution), seed: 1, max_passes: 1 };
            assert!(matches!(params.check(), Err(Error::InvalidParameter { name: "resolution", .. })));
        }
        let params = CpmParams { resolution: CpmResolution::FromModularity, seed: 1, max_passes: 0 };
        assert!(matches!(params.check(), Err(Error::InvalidParameter { name: "max_passes", .. })));
        for resolution in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            let params = LeidenParams { resolution, ..LeidenParams::modularity(1) };
            assert!(matches!(params.check(), Err(Error::InvalidParameter { name: "resolution", .. })));
        }
        let params = LeidenParams { max_passes: 0, ..LeidenParams::modularity(1) };
        assert!(matches!(params.check(), Err(Error::InvalidParameter { name: "max_passes", .. })));
    }
}
