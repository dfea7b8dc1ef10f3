//! The service layer: what fanzha can do, over the store and the libraries, for the CLI and HTTP alike.
//!
//! Functions here take validated inputs (an [`analytics::IsoWeek`], a [`analytics::ModelKind`], an enum per
//! choice — parsed once at the edge), return `Serialize` views, never print, and fail with one [`AppError`] whose
//! kind the edge maps to an exit code or an HTTP status. Rows come from `store/`; work is done by the libraries.
//!
//! A [`Service`] is the state both edges share: the data folder, a small pool of store connections, and caches
//! that are safe to keep (an immutable risk snapshot, the gang graph of one clustering run). Each area of the
//! product adds its own `impl Service` block in its module.
//!
//! Layout:
//! - `risk`: weekly snapshots (score, weeks, residents with filters and cursors, one resident, areas, CSV);
//!   `served`: the served snapshots held in memory for one resident's lookup.
//! - `stats`: counts and 万人发案率 per community (local reports only).
//! - `areas`: a week's per-community rates, EB smoothing, Gi* hot spots, Poisson alerts.
//! - `evaluate`: the risk model on past weeks, and the feature export for bench/risk.
//! - `export`: the store's tables, the latest clustering run, risk snapshots and area statistics as Parquet.
//! - `auth`: users, hashed tokens, roles and scopes; `audit`: the hash-chained log of personal-data reads.
//! - `gangs`: clustering runs, clusters with filters, a cluster's evidence, link chains, exports, hubs, services.
//! - `money`: downstream / upstream traces and laundering typologies over the store's transfers.
//! - `search`: the case index (build/update from the store or a JSONL corpus via `corpus`), search, similar cases,
//!   one report.
//! - `pipeline`: the weekly main job (ingest, index, clusters, score, stats), recorded run by run; ingest.
//! - `outreach`: weekly campaign plans (draft, approve), urgent warnings and their tasks, day sheets, recorded
//!   outcomes and the effect report.
//! - `page`: checked page sizes; `progress`: the progress seam the CLI plugs its bars into.
//! - `pool`: the store connections (a fixed number).

pub mod areas;
pub mod audit;
pub mod auth;
mod corpus;
pub mod evaluate;
pub mod export;
pub mod gangs;
pub mod money;
pub mod outreach;
pub mod page;
pub mod pipeline;
mod pool;
pub mod progress;
pub mod risk;
pub mod search;
mod served;
pub mod stats;

use std::path::{Path, PathBuf};

pub use pool::PooledStore;

use crate::error::AppResult;

/// The state the CLI and HTTP share. Cheap to create: nothing is opened until first used.
pub struct Service {
    data_dir: PathBuf,
    pool: pool::StorePool,
    risk: risk::RiskCache,
    auth: auth::AuthCache,
    gangs: gangs::GangCache,
    money: money::MoneyCache,
    search: search::SearchState,
    served: served::ServedCache,
}

impl Service {
    /// A service over the data folder `data_dir` (the store is opened on first use).
    pub fn new(data_dir: &Path) -> Service {
        Service {
            data_dir: data_dir.to_path_buf(),
            pool: pool::StorePool::new(data_dir),
            risk: Default::default(),
            auth: Default::default(),
            gangs: Default::default(),
            money: Default::default(),
            search: Default::default(),
            served: Default::default(),
        }
    }

    /// The data folder.
    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// A store connection from the pool (opened if none is free and the pool is not full, else the next one
    /// given back); it goes back when dropped.
    pub fn store(&self) -> AppResult<PooledStore<'_>> {
        self.pool.get()
    }

    /// Opens every connection of the store pool now (a server does at start).
    pub fn open_store_pool(&self) -> AppResult<()> {
        self.pool.fill()
    }
}

/// One readiness check: what was checked, whether it holds, and what was found.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct ReadyCheck {
    pub name: String,
    pub ok: bool,
    pub detail: String,
}

impl Service {
    /// Whether the service can answer: the store opens, the case index exists, a risk snapshot is served.
    pub fn readiness(&self) -> Vec<ReadyCheck> {
        let check = |name: &str, r: Result<String, String>| ReadyCheck {
            name: name.into(),
            ok: r.is_ok(),
            detail: r.unwrap_or_else(|e| e),
        };
        let store = self.store().map_err(|e| e.message().to_string());
        let snapshot = match &store {
            Ok(s) => match s.latest_snapshot_id() {
                Ok(0) => Err("no risk snapshot yet; run the pipeline".to_string()),
                Ok(id) => Ok(format!("snapshot {id}")),
                Err(e) => Err(e.to_string()),
            },
            Err(e) => Err(e.clone()),
        };
        let index = self.data_dir.join("index").join("cases").join("meta.json");
        vec![
            check("store", store.as_ref().map(|s| s.path().display().to_string()).map_err(Clone::clone)),
            check(
                "case_index",
                if index.is_file() { Ok("cases".into()) } else { Err("no case index; run `fanzha index`".into()) },
            ),
            check("risk_snapshot", snapshot),
        ]
    }
}
