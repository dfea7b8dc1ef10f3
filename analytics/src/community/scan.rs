//! Choosing the Constant Potts Model's resolution by a stability scan ([`CpmResolution::Stable`]).
//!
//! The method is Ronhovde & Nussinov's replica correlation ("Multiresolution community detection for megascale
//! networks by information-based replica correlations", Phys. Rev. E 80, 016109, 2009): at each resolution of a
//! scan, several independently seeded runs ("replicas") are compared; where the graph has communities at that
//! scale the replicas agree, and where the resolution cuts through them (or lumps them together) each replica
//! cuts differently. The resolution whose replicas agree best is kept.
//!
//! [`CpmResolution::Stable`]: super::CpmResolution::Stable

use super::csr::CsrGraph;
use super::leiden::{Leiden, Quality};
use super::metrics::nmi;
use super::partition::Partition;
use crate::error::Result;

/// The scan's resolutions are `start · 2^(k/2)` for these `k`: from a quarter to twice the starting resolution
/// ([`CpmResolution::FromModularity`](super::CpmResolution::FromModularity)'s), in steps of √2.
///
/// Why this range: below a quarter, on sparse graphs with strong mixing (the LFR graphs with μ ≥ 0.3 in
/// bench/README.md), CPM collapses most nodes into one giant community, and replicas "agree" on it (NMI 0.86
/// between replicas, 0.08 against the truth); above twice, the replicas of those graphs grow steadily more alike
/// as communities shrink towards cliques, so the top of the range is chosen there, as it is when nothing is more
/// stable than fine clusters.
pub const SCAN_STEPS: std::ops::RangeInclusive<i32> = -4..=2;

/// Independently seeded runs at each resolution of the scan (seeds `seed`, `seed + 1`, …).
pub const SCAN_REPLICAS: u64 = 3;

/// Stabilities closer than this are equal (the same partitions, summed in another order).
const SAME_STABILITY: f64 = 1e-9;

/// One resolution of a stability scan.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ScanStep {
    /// γ.
    pub resolution: f64,
    /// Mean NMI between the replicas' partitions, over every pair: 1 when all replicas found the same partition.
    pub stability: f64,
    /// Communities in the partition of the replica with the highest CPM quality.
    pub communities: usize,
}

/// The outcome of a stability scan: every step, and which one was chosen.
#[derive(Debug, Clone, PartialEq)]
pub struct ResolutionScan {
    /// The steps, by rising resolution.
    pub steps: Vec<ScanStep>,
    /// Index of the chosen step: the most stable; among equally stable ones, the nearest to the starting resolution
    /// (then the higher).
    pub chosen: usize,
}

/// Runs the scan from `start`: returns the best replica's partition at the chosen resolution, that resolution and
/// the scan. `on_run` is called after each optimiser run, with the runs done and the total.
pub(super) fn stability_scan(
    leiden: &Leiden,
    graph: &CsrGraph,
    start: f64,
    on_run: &mut dyn FnMut(usize, usize),
) -> Result<(Partition, f64, ResolutionScan)> {
    let total = SCAN_STEPS.clone().count() * SCAN_REPLICAS as usize;
    let mut done = 0;
    let mut steps = Vec::new();
    // The chosen step so far: (its index in `steps`, its `k`, its best replica's partition).
    let mut chosen: Option<(usize, i32, Partition)> = None;
    for k in SCAN_STEPS {
        let resolution = start * 2f64.powf(f64::from(k) / 2.0);
        let quality = Quality::Cpm { resolution };
        let mut replicas = Vec::with_capacity(SCAN_REPLICAS as usize);
        for r in 0..SCAN_REPLICAS {
            let partition = leiden.reseeded(r).optimise(graph, quality)?;
            let value = quality.value(graph, &partition)?;
            replicas.push((value, partition));
            done += 1;
            on_run(done, total);
        }
        let stability = mean_pairwise_nmi(&replicas)?;
        // The replica with the highest quality (of equal ones, the first).
        let best = replicas.iter().enumerate().fold(0, |b, (i, (v, _))| if *v > replicas[b].0 { i } else { b });
        let (_, partition) = replicas.swap_remove(best);
        steps.push(ScanStep { resolution, stability, communities: partition.community_count() });
        let better = match &chosen {
            None => true,
            Some((i, ck, _)) => {
                let margin = stability - steps[*i].stability;
                margin > SAME_STABILITY || (margin >= -SAME_STABILITY && k.abs() <= ck.abs())
            }
        };
        if better {
            chosen = Some((steps.len() - 1, k, partition));
        }
    }
    let (index, _, partition) = chosen.expect("the scan has at least one step");
    let resolution = steps[index].resolution;
    Ok((partition, resolution, ResolutionScan { steps, chosen: index }))
}

fn mean_pairwise_nmi(replicas: &[(f64, Partition)]) -> Result<f64> {
    let (mut sum, mut pairs) = (0.0, 0usize);
    for (i, (_, a)) in replicas.iter().enumerate() {
        for (_, b) in &replicas[i + 1..] {
            sum += nmi(a.membership(), b.membership())?;
            pairs += 1;
        }
    }
    Ok(if pairs == 0 { 1.0 } else { sum / pairs as f64 })
}
