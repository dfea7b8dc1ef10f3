//! The `CommunityDetector` seam and its Leiden implementation (modularity, seeded, well-connected communities).

use super::components::split_disconnected;
use super::csr::CsrGraph;
use super::partition::Partition;
use crate::error::{Error, Result};

/// Anything that partitions a graph's nodes into communities.
pub trait CommunityDetector {
    /// Partitions `graph`; every node gets exactly one community.
    fn detect(&self, graph: &CsrGraph) -> Result<Partition>;
}

/// Unchecked Leiden parameters, as a caller (e.g. the CLI) supplies them; [`LeidenParams::check`] validates them.
#[derive(Debug, Clone, PartialEq)]
pub struct LeidenParams {
    /// Modularity resolution γ (> 0); higher gives smaller communities.
    pub resolution: f64,
    /// Random seed: the same seed and graph give the same partition.
    pub seed: u64,
    /// Upper bound on local-moving/refinement/aggregation rounds (≥ 1); Leiden stops earlier when nothing moves.
    pub max_iterations: usize,
}

impl LeidenParams {
    /// Standard modularity (γ = 1) with the given seed and at most 100 rounds.
    pub fn modularity(seed: u64) -> Self {
        Self { resolution: 1.0, seed, max_iterations: 100 }
    }

    /// Validates the parameters into a ready [`Leiden`] detector.
    pub fn check(self) -> Result<Leiden> {
        if !(self.resolution.is_finite() && self.resolution > 0.0) {
            return Err(Error::InvalidParameter {
                name: "resolution",
                value: self.resolution.to_string(),
                reason: "must be a finite number greater than 0",
            });
        }
        if self.max_iterations == 0 {
            return Err(Error::InvalidParameter {
                name: "max_iterations",
                value: "0".into(),
                reason: "must be at least 1",
            });
        }
        Ok(Leiden { params: self })
    }
}

/// Leiden community detection (Traag, Waltman & van Eck 2019) maximising modularity.
///
/// Backed by the `leiden-rs` crate: local moving, refinement, aggregation of the refined partition with the
/// unrefined one as the starting point. It is run single-threaded: its parallel aggregation sums floating-point
/// weights in an order that depends on thread scheduling, which would break "same seed, same partition". As a
/// guarantee independent of the backend, any community that comes out disconnected is split into its connected
/// pieces (which never lowers modularity), so every community returned is connected.
#[derive(Debug, Clone, PartialEq)]
pub struct Leiden {
    params: LeidenParams,
}

impl Leiden {
    /// The checked parameters.
    pub fn params(&self) -> &LeidenParams {
        &self.params
    }
}

impl CommunityDetector for Leiden {
    fn detect(&self, graph: &CsrGraph) -> Result<Partition> {
        let n = graph.node_count();
        if n == 0 {
            return Partition::from_labels::<u32>(&[]);
        }
        let backend_err = |e: leiden_rs::LeidenError| Error::Detector { message: e.to_string() };
        let mut builder = leiden_rs::GraphDataBuilder::new(n);
        for (u, v, w) in graph.edges() {
            builder.add_edge(u, v, w).map_err(backend_err)?;
        }
        let data = builder.build().map_err(backend_err)?;
        let config = leiden_rs::LeidenConfig::builder()
            .resolution(self.params.resolution)
            .seed(self.params.seed)
            .max_iterations(self.params.max_iterations)
            .quality(leiden_rs::QualityType::Modularity)
            .parallel_local_moving_threshold(usize::MAX)
            .parallel_aggregation_threshold(usize::MAX)
            .build();
        let output = leiden_rs::Leiden::new(config).run(&data).map_err(backend_err)?;
        let labels = output.partition.as_slice();
        if labels.len() != n {
            return Err(Error::Detector { message: format!("backend returned {} labels for {n} nodes", labels.len()) });
        }
        split_disconnected(graph, &Partition::from_labels(labels)?)
    }
}
