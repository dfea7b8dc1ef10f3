//! The edge of fanzha: command-line interface, SQLite store, ingest, and (later) the HTTP API.
//!
//! Layout:
//! - `cli`: clap definitions and dispatch; documented exit codes.
//! - `clusters_cmd`: `fanzha clusters run|list|show|hubs|services|explain|export`, gang clustering over the store.
//! - `clusters_evidence`: a cluster's centralities, L1 accounts, confidence, link chains and exports (PIPL-masked).
//! - `generate_cmd`: `fanzha generate`, the synthetic district written to a folder.
//! - `store`: the SQLite store (WAL, versioned migrations, record history, rejects).
//! - `ingest`: validated, idempotent, crash-safe loading of an interchange folder.
//! - `pipeline`: the main job (ingest, or generate then ingest; then stats).
//! - `graph_cmd`: `fanzha graph cluster`, community detection on an edge list.
//! - `progress`: progress bars and logging set-up.
//! - `trace_cmd`: `fanzha trace`, downstream / upstream money tracing over the store's transfers (issue 3).
//! - `typologies_cmd`: `fanzha typologies`, laundering pattern detectors over the store's transfers (issue 3).
//! - `search_cmd`: `fanzha index`, `fanzha search`, `fanzha similar` (the case search index).

pub mod cli;
mod clusters_cmd;
mod clusters_evidence;
pub mod error;
mod generate_cmd;
mod graph_cmd;
pub mod http;
pub mod ingest;
pub mod pipeline;
pub mod progress;
mod search_cmd;
pub mod service;
pub mod store;
mod trace_cmd;
mod typologies_cmd;
