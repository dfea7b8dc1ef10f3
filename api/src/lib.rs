//! The edge of fanzha: command-line interface, SQLite store, ingest, and (later) the HTTP API.
//!
//! Layout:
//! - `cli`: clap definitions and dispatch; documented exit codes.
//! - `generate_cmd`: `fanzha generate`, the synthetic district written to a folder.
//! - `store`: the SQLite store (WAL, versioned migrations, record history, rejects).
//! - `ingest`: validated, idempotent, crash-safe loading of an interchange folder.
//! - `stats`: counts and 万人发案率 per community.
//! - `pipeline`: the main job (ingest, or generate then ingest; then stats).
//! - `progress`: progress bars and logging set-up.
//! - `search_cmd`: `fanzha index`, `fanzha search`, `fanzha similar` (the case search index).

pub mod cli;
mod generate_cmd;
pub mod ingest;
pub mod pipeline;
pub mod progress;
mod search_cmd;
pub mod stats;
pub mod store;
