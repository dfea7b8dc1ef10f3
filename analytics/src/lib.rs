//! Graph analytics for fanzha: community detection (gang clustering) now; money-flow tracing, typologies, area
//! statistics and the risk model later (issues 3 and 5).
//!
//! ```
//! use analytics::{CommunityDetector, LeidenParams, Weights, modularity, read_edge_list};
//!
//! let text = "a b\nb c\nc a\nd e\ne f\nf d\nc d\n";
//! let named = read_edge_list(text.as_bytes(), Weights::Unweighted).unwrap();
//! let leiden = LeidenParams::modularity(42).check().unwrap();
//! let partition = leiden.detect(&named.graph).unwrap();
//! assert_eq!(partition.community_count(), 2);
//! assert!((modularity(&named.graph, &partition, 1.0).unwrap() - 5.0 / 14.0).abs() < 1e-12);
//! ```
//!
//! Layout:
//! - `community/csr.rs`: `CsrGraph`, a compact undirected CSR graph with `f64` weights (parallel edges merged,
//!   self-loops kept once).
//! - `community/edgelist.rs`: `read_edge_list` parses `u v [w]` lines from any `BufRead` into a `NamedGraph`, with
//!   typed, line-numbered errors.
//! - `community/partition.rs`: `Partition`, canonically numbered communities.
//! - `community/components.rs`: connected components, the connectivity check and splitting of disconnected
//!   communities.
//! - `community/leiden.rs`: the `CommunityDetector` seam, `LeidenParams` (checked into) `Leiden`.
//! - `community/optimise.rs`: the Leiden pass itself: local moving, refinement, aggregation, seeded shuffles.
//! - `community/metrics.rs`: modularity, NMI, ARI.
//! - `error.rs`: the crate's `Error`, `ErrorKind` and `LineProblem`.
//!
//! This crate does no file, network or database I/O: callers hand in readers and values.

mod community;
mod error;

pub use community::{
    CommunityDetector, CsrGraph, EdgeListStats, Leiden, LeidenParams, NamedGraph, Partition, Weights, ari,
    connected_components, disconnected_communities, modularity, nmi, read_edge_list, split_disconnected,
};
pub use error::{Error, ErrorKind, LineProblem, Result};
