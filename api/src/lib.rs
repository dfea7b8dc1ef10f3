//! The edge of fanzha: command-line interface, SQLite store, ingest, and (later) the HTTP API.
//!
//! Layout:
//! - `cli`: clap definitions and dispatch; documented exit codes.
//! - `clusters_cmd`: `run`, the weekly pipeline's call into `Service::clusters_run` (until `pipeline` calls it).
//! - `generate_cmd`: `fanzha generate`, the synthetic district written to a folder.
//! - `store`: the SQLite store (WAL, versioned migrations, record history, rejects).
//! - `ingest`: validated, idempotent, crash-safe loading of an interchange folder.
//! - `pipeline`: the main job (ingest, or generate then ingest; then stats).
//! - `graph_cmd`: `fanzha graph cluster`, community detection on an edge list.
//! - `progress`: progress bars and logging set-up.
//! - `search_cmd`: `fanzha index`, `fanzha search`, `fanzha similar` (the case search index).

pub mod cli;
mod clusters_cmd;
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
