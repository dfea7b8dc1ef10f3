//! Gangs (issue 3, points 1–4, 7, 10): the report–identifier–transfer graph, hubs, laundering services, gang
//! clusters, and per-cluster evidence (subgraph, centrality, link chains, confidence, exports; the PIPL masking
//! they apply is `datasets::ident::mask_key`).

mod centrality;
mod cluster;
mod evidence;
mod export;
mod graph;
mod hubs;
mod input;
mod relay;
mod stable;
mod subgraph;

pub use centrality::{BETWEENNESS_PIVOTS, BetweennessMethod, EXACT_BETWEENNESS_MAX_NODES, betweenness, page_rank};
pub use cluster::{
    GangCluster, GangClustering, GangParams, MoneyLink, MoneyTerminal, ServiceCluster, cluster_gangs, plain_components,
};
pub use evidence::{
    ChainNode, ChainStep, ClusterConfidence, ExplainError, LinkChain, LinkIndex, cluster_confidence, explain_link,
};
pub use export::{ExportError, ExportFormat, write_csv, write_gexf, write_graphml, write_json};
pub(crate) use graph::{Accounts, Interner};
pub use graph::{BuildStats, EntityKind, GangGraph, OutTransfer, Payment, ReportNode, account_key, is_cash_out_key};
pub use hubs::{Hub, HubParams, HubPolicy, HubReason, SHIPPED_ALLOWLIST};
pub use input::{ReportInput, TransferInput};
pub use relay::{RelayFlow, RelayParams, Relays};
pub use stable::{PreviousCluster, match_stable_ids};
pub use subgraph::{
    ClusterSubgraph, L1_ACTIVE_DAYS, L1Account, LinkKind, MoneyEnd, Shared, SubEdge, SubNode, SubNodeKind,
    SubgraphParams, cluster_subgraph, cluster_subgraph_with_shared, data_end, l1_accounts,
};
