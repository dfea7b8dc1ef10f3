//! The edge of fanzha: command-line interface, SQLite store, ingest, and (later) the HTTP API.
//!
//! Layout:
//! - `cli`: clap definitions and dispatch; documented exit codes.
//! - `clusters_cmd`: `fanzha clusters run|list|show|hubs|services|explain|export`, gang clustering over the store.
//! - `clusters_evidence`: a cluster's centralities, L1 accounts, confidence, link chains and exports (PIPL-masked).
//! - `generate_cmd`: `fanzha generate`, the synthetic district written to a folder.
//! - `store`: the SQLite store (WAL, versioned migrations, record history, rejects).
//! - `ingest`: validated, idempotent, crash-safe loading of an interchange folder (under `Service::ingest`).
//! - `stats`: counts and 万人发案率 per community.
//! - `score_cmd`: `fanzha score` / `fanzha scores` (weekly risk snapshots) and `fanzha evaluate` (issue 5).
//! - `areas_cmd`: `fanzha areas`, per-community statistics, hot spots and alerts (issue 5).
//! - `graph_cmd`: `fanzha graph cluster`, community detection on an edge list.
//! - `progress`: progress bars and logging set-up.
//! - `trace_cmd`: `fanzha trace`, downstream / upstream money tracing over the store's transfers (issue 3).
//! - `typologies_cmd`: `fanzha typologies`, laundering pattern detectors over the store's transfers (issue 3).

pub mod areas_cmd;
pub mod cli;
mod clusters_cmd;
mod clusters_evidence;
pub mod error;
mod generate_cmd;
mod graph_cmd;
pub mod ingest;
pub mod progress;
pub mod score_cmd;
pub mod service;
pub mod stats;
pub mod store;
mod trace_cmd;
mod typologies_cmd;
