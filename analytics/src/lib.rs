//! Graph analytics for fanzha: community detection and gang clustering now; money-flow tracing, typologies, area
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
//!   typed, line-numbered errors; `read_edge_list_spilling` keeps the parsed edges beyond the first 4 million in an
//!   anonymous temporary file in a folder the caller names, not in memory.
//! - `community/partition.rs`: `Partition`, canonically numbered communities.
//! - `community/components.rs`: connected components, the connectivity check and splitting of disconnected
//!   communities.
//! - `community/leiden.rs`: the `CommunityDetector` seam, the `Quality` maximised (modularity or CPM),
//!   `LeidenParams` / `CpmParams` (checked into) `Leiden`, and the automatic CPM resolutions.
//! - `community/optimise.rs`: the Leiden pass itself: levels of local moving, refinement and aggregation.
//! - `community/moving.rs`: local moving's community state and queue, and sequential local moving.
//! - `community/batched.rs`: local moving in parallel batches for large levels, the same result on any thread count.
//! - `community/aggregate.rs`: the coarse graph of a level by counting sort (no hash map, no edge sort).
//! - `community/rng.rs`: `SplitMix64`, the seeded generator for node orders.
//! - `community/metrics.rs`: modularity, CPM, NMI, ARI.
//! - `community/scan.rs`: the stability scan that chooses CPM's resolution (`CpmResolution::Stable`).
//! - `gangs/graph.rs`: `GangGraph`, reports, interned identifier keys and transfers in CSR arrays, built from
//!   `gangs/input.rs`'s plain `ReportInput` / `TransferInput`.
//! - `gangs/hubs.rs`: `HubPolicy` (the shipped allow-list `hubs/allowlist.txt` plus `force_include` overrides) and
//!   the per-kind degree-outlier detector.
//! - `gangs/cluster.rs`: `cluster_gangs` (hub pruning, laundering services, attributed-money links, weighted report
//!   graph, components and Leiden) and the `plain_components` baseline.
//! - `gangs/stable.rs`: `match_stable_ids`, cluster ids kept across runs by greedy Jaccard matching.
//! - `gangs/subgraph.rs`: `cluster_subgraph` (a cluster's reports, identifiers, paid accounts and downstream
//!   transfers; `cluster_subgraph_with_shared` adds the hubs and laundering services it touches, marked) and `l1_accounts` (paid accounts still active in the last `L1_ACTIVE_DAYS` days of the data).
//! - `gangs/centrality.rs`: `page_rank` and Brandes `betweenness` (exact, or sampled above 2,000 nodes).
//! - `gangs/evidence.rs`: `explain_link` (the shortest chain linking two reports) and `cluster_confidence`.
//! - `gangs/export.rs`: GraphML, GEXF 1.3, CSV (entities + links) and JSON writers (masking with `datasets::ident::shown_key`).
//! - `risk/`: weekly resident risk (issue 5): `week.rs` ISO weeks in Beijing time; `input.rs` plain input records;
//!   `features.rs` point-in-time features (`docs/risk-features.md`); `model.rs` logistic / forest training on a
//!   time-based split, versions, reason codes; `calibrate.rs` Platt scaling; `area.rs` empirical-Bayes rates,
//!   Gi* and Poisson alerts; `metrics.rs` ROC-AUC, PR-AUC, Brier, calibration, precision@k, Spearman.
//! - `money/`: money flow (issue 3, points 5–6): `graph.rs` `TransferGraph` (time-sorted CSR of transfers);
//!   `trace.rs` downstream tracing with FIFO / LIFO / pro-rata lots; `upstream.rs` who fed an account;
//!   `typology.rs` fan-in, fan-out, cycle, scatter-gather, gather-scatter, stack and pass-through detectors.
//! - `error.rs`: the crate's `Error`, `ErrorKind` and `LineProblem`.
//!
//! This crate does no file, network or database I/O: callers hand in readers and values.

mod community;
mod error;
mod gangs;
mod money;
mod risk;

pub use community::{
    Clustering, CommunityDetector, CpmParams, CpmResolution, CsrGraph, EdgeListStats, Leiden, LeidenParams,
    MIN_PASS_GAIN, MIN_PASS_GAIN_LARGE, NamedGraph, Partition, Quality, ResolutionScan, SCAN_REPLICAS, SCAN_STEPS,
    ScanStep, Weights, ari, connected_components, cpm, disconnected_communities, modularity, nmi, read_edge_list,
    read_edge_list_spilling, split_disconnected,
};
pub use error::{Error, ErrorKind, LineProblem, Result};
pub use gangs::{
    BETWEENNESS_PIVOTS, BetweennessMethod, BuildStats, ChainNode, ChainStep, ClusterConfidence, ClusterSubgraph,
    EXACT_BETWEENNESS_MAX_NODES, EntityKind, ExplainError, ExportError, ExportFormat, GangCluster, GangClustering,
    GangGraph, GangParams, Hub, HubParams, HubPolicy, HubReason, L1_ACTIVE_DAYS, L1Account, LinkChain, LinkIndex,
    LinkKind, MoneyEnd, MoneyLink, MoneyTerminal, OutTransfer, Payment, PreviousCluster, RelayFlow, RelayParams,
    Relays, ReportInput, ReportNode, SHIPPED_ALLOWLIST, ServiceCluster, Shared, SubEdge, SubNode, SubNodeKind,
    SubgraphParams, TransferInput, account_key, betweenness, cluster_confidence, cluster_gangs, cluster_subgraph,
    cluster_subgraph_with_shared, data_end, explain_link, l1_accounts, match_stable_ids, page_rank, plain_components,
    write_csv, write_gexf, write_graphml, write_json,
};
pub use money::{
    AccountScore, CASH_OUT_CHANNELS, CashOut, CycleOrder, FeedNode, Finding, Holding, MATCH_WINDOW_S, Method,
    MoneyBuildStats, MoneyError, MoneyTransfer, NodeEnd, Origin, Trace, TraceParams, TrailNode, TransferGraph,
    TypologyKind, TypologyParams, Untraced, Upstream, detect, score_accounts, trace_downstream, trace_upstream,
};
pub use risk::{
    AreaCase, AreaInput, AreaParams, AreaReport, AreaRow, COMMUNITY_WEEKS, ContactInput, Evaluation, FEATURES,
    FeatureBuilder, FeatureSpec, FitSample, GangNumber, Grouping, IsoWeek, ModelKind, N_FEATURES,
    OUTREACH_HALF_LIFE_DAYS, OutreachInput, Platt, Reason, ReliabilityBin, ResidentInput, RiskData, RiskError,
    RiskModel, SelectionRate, TrainParams, VICTIM_RECENCY_WEEKS, VictimReport, WARNING_LAG, WeekFeatures, area_week,
    benjamini_hochberg, brier, calibration, channel_weight, data_digest, deciles, eb_smooth, evaluate,
    getis_ord_gi_star, normal_two_sided_p, phone_key, poisson_upper_tail, pr_auc, precision_at_k, roc_auc, spearman,
};
