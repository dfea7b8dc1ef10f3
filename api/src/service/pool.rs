//! A small pool of store connections: SQLite connections are not `Sync`, so each request borrows one.

use std::ops::{Deref, DerefMut};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::error::AppResult;
use crate::store::Store;

/// Idle connections kept for reuse; more may be open while borrowed.
const IDLE_MAX: usize = 32;

pub(super) struct StorePool {
    data_dir: PathBuf,
    idle: Mutex<Vec<Store>>,
    /// Held while a connection opens: opening applies pending migrations, which must not run twice at once.
    opening: Mutex<()>,
}

impl StorePool {
    pub(super) fn new(data_dir: &Path) -> StorePool {
        StorePool { data_dir: data_dir.to_path_buf(), idle: Mutex::new(Vec::new()), opening: Mutex::new(()) }
    }

    pub(super) fn get(&self) -> AppResult<PooledStore<'_>> {
        let idle = self.idle.lock().unwrap_or_else(|e| e.into_inner()).pop();
        let store = match idle {
            Some(store) => store,
            None => {
                let _one_at_a_time = self.opening.lock().unwrap_or_else(|e| e.into_inner());
                let store = Store::open_existing(&self.data_dir)?;
                store.tune_for_serving()?;
                store
            }
        };
        Ok(PooledStore { pool: self, store: Some(store) })
    }
}

/// A borrowed store connection.
pub struct PooledStore<'a> {
    pool: &'a StorePool,
    store: Option<Store>,
}

impl Deref for PooledStore<'_> {
    type Target = Store;
    fn deref(&self) -> &Store {
        self.store.as_ref().expect("present until dropped")
    }
}

impl DerefMut for PooledStore<'_> {
    fn deref_mut(&mut self) -> &mut Store {
        self.store.as_mut().expect("present until dropped")
    }
}

impl Drop for PooledStore<'_> {
    fn drop(&mut self) {
        if let Some(store) = self.store.take() {
            let mut idle = self.pool.idle.lock().unwrap_or_else(|e| e.into_inner());
            if idle.len() < IDLE_MAX {
                idle.push(store);
            }
        }
    }
}
