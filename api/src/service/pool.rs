//! A fixed-size pool of store connections: SQLite connections are not `Sync`, so each request borrows one.
//!
//! At most [`StorePool::max`] connections are open, so the server's memory is bounded by that many page caches
//! however many requests arrive at once; a borrower waits for a free one. A borrower that waits longer than
//! [`WAIT`] opens one more anyway (closed when returned to a full pool): a thread that already holds a connection
//! and asks for a second must not deadlock the pool.

use std::ops::{Deref, DerefMut};
use std::path::{Path, PathBuf};
use std::sync::{Condvar, Mutex};
use std::time::Duration;

use crate::error::AppResult;
use crate::store::Store;

/// How long a borrower waits for a free connection before opening one beyond the pool's size.
const WAIT: Duration = Duration::from_millis(250);

struct Slots {
    idle: Vec<Store>,
    /// Connections open, idle or borrowed.
    open: usize,
}

pub(super) struct StorePool {
    data_dir: PathBuf,
    max: usize,
    slots: Mutex<Slots>,
    freed: Condvar,
    /// Held while a connection opens: opening applies pending migrations, which must not run twice at once.
    opening: Mutex<()>,
}

impl StorePool {
    /// A pool of two connections per core and two more (at least four), none open yet.
    pub(super) fn new(data_dir: &Path) -> StorePool {
        let cores = std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get);
        StorePool {
            data_dir: data_dir.to_path_buf(),
            max: (2 * cores + 2).max(4),
            slots: Mutex::new(Slots { idle: Vec::new(), open: 0 }),
            freed: Condvar::new(),
            opening: Mutex::new(()),
        }
    }

    /// Opens every connection of the pool now (a server does, so its memory does not grow with its first load).
    pub(super) fn fill(&self) -> AppResult<()> {
        let held: Vec<PooledStore<'_>> = (0..self.max).map(|_| self.get()).collect::<AppResult<_>>()?;
        drop(held);
        Ok(())
    }

    pub(super) fn get(&self) -> AppResult<PooledStore<'_>> {
        let mut slots = self.slots.lock().unwrap_or_else(|e| e.into_inner());
        let mut waited = false;
        loop {
            if let Some(store) = slots.idle.pop() {
                return Ok(PooledStore { pool: self, store: Some(store) });
            }
            if slots.open < self.max || waited {
                slots.open += 1;
                drop(slots);
                return match self.open() {
                    Ok(store) => Ok(PooledStore { pool: self, store: Some(store) }),
                    Err(e) => {
                        self.slots.lock().unwrap_or_else(|e| e.into_inner()).open -= 1;
                        self.freed.notify_one();
                        Err(e)
                    }
                };
            }
            let (s, timeout) = self.freed.wait_timeout(slots, WAIT).unwrap_or_else(|e| e.into_inner());
            slots = s;
            waited = timeout.timed_out();
        }
    }

    fn open(&self) -> AppResult<Store> {
        let _one_at_a_time = self.opening.lock().unwrap_or_else(|e| e.into_inner());
        let store = Store::open_existing(&self.data_dir)?;
        store.tune_for_serving()?;
        Ok(store)
    }

    fn put_back(&self, store: Store) {
        let mut slots = self.slots.lock().unwrap_or_else(|e| e.into_inner());
        if slots.open > self.max {
            // One opened beyond the pool's size: close it.
            slots.open -= 1;
            drop(slots);
            drop(store);
        } else {
            slots.idle.push(store);
            drop(slots);
        }
        self.freed.notify_one();
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
            self.pool.put_back(store);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pool_opens_at_most_its_size_and_a_nested_borrow_does_not_deadlock() {
        let dir = tempfile::tempdir().unwrap();
        Store::open(dir.path()).unwrap();
        let pool = StorePool::new(dir.path());
        pool.fill().unwrap();
        assert_eq!(pool.slots.lock().unwrap().open, pool.max);
        // Borrow every connection, then one more: it waits, then opens one beyond the size …
        let held: Vec<_> = (0..pool.max).map(|_| pool.get().unwrap()).collect();
        let extra = pool.get().unwrap();
        assert_eq!(pool.slots.lock().unwrap().open, pool.max + 1);
        // … which is closed when it comes back, so the pool is its size again.
        drop(extra);
        drop(held);
        let slots = pool.slots.lock().unwrap();
        assert_eq!((slots.open, slots.idle.len()), (pool.max, pool.max));
    }

    #[test]
    fn a_borrower_waiting_for_a_connection_gets_the_one_given_back() {
        let dir = tempfile::tempdir().unwrap();
        Store::open(dir.path()).unwrap();
        let pool = StorePool::new(dir.path());
        let held: Vec<_> = (0..pool.max).map(|_| pool.get().unwrap()).collect();
        std::thread::scope(|s| {
            let waiter = s.spawn(|| pool.get().map(|_| ()).is_ok());
            std::thread::sleep(Duration::from_millis(20));
            drop(held);
            assert!(waiter.join().unwrap());
        });
        assert_eq!(pool.slots.lock().unwrap().open, pool.max);
    }
}
