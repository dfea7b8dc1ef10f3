//! The edge of fanzha: command-line interface, SQLite store, ingest, and (later) the HTTP API.
//!
//! Layout:
//! - `cli`: clap definitions and dispatch; documented exit codes.
//! - `store`: the SQLite store (WAL, versioned migrations, record history, rejects).
//! - `ingest`: validated, idempotent, crash-safe loading of an interchange folder.
//! - `stats`: counts and 万人发案率 per community.
//! - `graph_cmd`: `fanzha graph cluster`, community detection on an edge list.
//! - `progress`: progress bars and logging set-up.

pub mod cli;
mod graph_cmd;
