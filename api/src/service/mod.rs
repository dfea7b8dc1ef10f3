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
//! - `risk`: weekly snapshots (score, weeks, residents with filters and cursors, one resident, areas, CSV).
//! - `stats`: counts and 万人发案率.
//! - `search`: the case index (build/update from the store or a JSONL corpus via `corpus`), search, similar cases,
//!   one report.
//! - `pipeline`: the weekly main job (ingest, index, clusters, score, stats), recorded run by run; ingest.
//! - `page`: checked page sizes; `progress`: the progress seam the CLI plugs its bars into.
//! - `pool`: the store connections.

mod corpus;
pub mod page;
pub mod pipeline;
mod pool;
pub mod progress;
pub mod risk;
pub mod search;
pub mod stats;

use std::path::{Path, PathBuf};

pub use pool::PooledStore;

use crate::error::AppResult;

/// The state the CLI and HTTP share. Cheap to create: nothing is opened until first used.
pub struct Service {
    data_dir: PathBuf,
    pool: pool::StorePool,
    risk: risk::RiskCache,
    search: search::SearchState,
}

impl Service {
    /// A service over the data folder `data_dir` (the store is opened on first use).
    pub fn new(data_dir: &Path) -> Service {
        Service {
            data_dir: data_dir.to_path_buf(),
            pool: pool::StorePool::new(data_dir),
            risk: Default::default(),
            search: Default::default(),
        }
    }

    /// The data folder.
    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// A store connection from the pool (opened if none is free); it goes back when dropped.
    pub fn store(&self) -> AppResult<PooledStore<'_>> {
        self.pool.get()
    }
}
