//! Gangs (issue 3, points 1–3): the report–identifier–transfer graph, hubs, laundering services and gang clusters.

mod cluster;
mod graph;
mod hubs;
mod input;
mod stable;

pub use cluster::{GangCluster, GangClustering, GangParams, ServiceCluster, cluster_gangs, plain_components};
pub use graph::{BuildStats, EntityKind, GangGraph, OutTransfer, Payment, ReportNode, account_key};
pub use hubs::{Hub, HubParams, HubPolicy, HubReason, SHIPPED_ALLOWLIST};
pub use input::{ReportInput, TransferInput};
pub use stable::{PreviousCluster, match_stable_ids};
