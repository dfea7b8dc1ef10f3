//! The edge of fanzha: the SQLite store, the service layer, and the two edges over it (the CLI and the HTTP API).
//!
//! Layers, each calling only the one below: `store` (the only place with SQL; typed rows, `StoreError`) →
//! `service` (validated inputs, `Serialize` views, one `AppError` with a kind; never prints) → `cli` (clap →
//! service → text or `--json`) and `http` (axum → service → JSON, with auth and audit).
//!
//! Layout:
//! - `error`: `AppError`, its kinds, exit codes and HTTP statuses.
//! - `store`: the SQLite store (WAL, versioned migrations, record history, rejects, snapshots, users, audit).
//! - `service`: what fanzha can do (risk, areas, stats, evaluate, gangs, money, search, pipeline, auth, audit).
//! - `cli`: clap definitions, dispatch and renderers; documented exit codes.
//! - `http`: the axum API under `/api/v1`, OpenAPI, auth, audit, limits, the weekly schedule.
//! - `ingest`: validated, idempotent, crash-safe loading of an interchange folder (under `Service::ingest`).
//! - `generate_cmd`: `fanzha generate`, the synthetic district written to a folder.
//! - `graph_cmd`: `fanzha graph cluster`, community detection on an edge list.
//! - `progress`: progress bars and logging set-up.

pub mod cli;
pub mod error;
mod generate_cmd;
mod graph_cmd;
pub mod http;
pub mod ingest;
pub mod progress;
pub mod service;
pub mod store;
