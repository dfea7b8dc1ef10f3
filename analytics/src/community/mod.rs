//! Community detection on weighted undirected graphs: CSR graph, edge-list reader, components, Leiden, metrics.

mod aggregate;
mod batched;
mod components;
mod csr;
mod edgelist;
mod leiden;
mod metrics;
mod moving;
mod optimise;
mod partition;
mod rng;
mod scan;

pub use components::{connected_components, disconnected_communities, split_disconnected};
pub use csr::CsrGraph;
pub use edgelist::{EdgeListStats, NamedGraph, Weights, read_edge_list, read_edge_list_spilling};
pub use leiden::{
    Clustering, CommunityDetector, CpmParams, CpmResolution, Leiden, LeidenParams, MIN_PASS_GAIN, MIN_PASS_GAIN_LARGE,
    Quality,
};
pub use metrics::{ari, cpm, modularity, nmi};
pub use partition::Partition;
pub use scan::{ResolutionScan, SCAN_REPLICAS, SCAN_STEPS, ScanStep};
