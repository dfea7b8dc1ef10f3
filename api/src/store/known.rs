//! What the store holds per record table (id → row hash), read with one scan and then kept in step with writes.
//!
//! Ids are kept as 128-bit keys (two independently keyed SipHash-1-3 hashes), so a million-row table costs
//! about 40 MB; a false "exists" needs a 128-bit collision. The keys live only in memory, so their hash
//! function need not be stable across builds.

use std::collections::HashMap;

use datasets::Table;
use datasets::read::IdHashMap;
use rusqlite::Connection;

use crate::store::rows;
use crate::store::{StoreError, StoreResult};

/// The per-table maps, each loaded the first time a batch touches its table.
#[derive(Default)]
pub(crate) struct Known {
    tables: [Option<KnownTable>; Table::ALL.len()],
    /// A batch started and has not committed yet.
    open_batch: bool,
}

impl Known {
    /// Called when a batch starts. If the previous batch never committed (it rolled back), the maps may hold
    /// rows that are not in the store, so they are dropped and reloaded on demand.
    pub(crate) fn begin_batch(&mut self) {
        if self.open_batch {
            self.tables = Default::default();
        }
        self.open_batch = true;
    }

    /// Called when a batch has committed.
    pub(crate) fn end_batch(&mut self) {
        self.open_batch = false;
    }

    /// The map of `table`, loading it through `conn` if this is its first use.
    pub(crate) fn table(&mut self, conn: &Connection, table: Table) -> StoreResult<&mut KnownTable> {
        let slot = &mut self.tables[table as usize];
        if slot.is_none() {
            *slot = Some(KnownTable::load(conn, table)?);
        }
        Ok(slot.as_mut().expect("just loaded"))
    }
}

/// The ids of one table with their row hashes.
pub(crate) struct KnownTable {
    rows: IdHashMap<u64>,
}

impl KnownTable {
    fn load(conn: &Connection, table: Table) -> StoreResult<KnownTable> {
        let (t, id) = (table.name(), rows::columns(table)[0]);
        let n: i64 = conn.query_row(&format!("SELECT COUNT(*) FROM {t}"), [], |r| r.get(0))?;
        let mut rows = HashMap::with_capacity_and_hasher(usize::try_from(n).unwrap_or(0), Default::default());
        let mut stmt = conn.prepare(&format!("SELECT {id}, row_hash FROM {t}"))?;
        let mut q = stmt.query([])?;
        while let Some(r) = q.next()? {
            let id_text = r.get_ref(0)?.as_str().map_err(|e| StoreError::corrupt(t, id, "(not text)", e))?;
            let text = r.get_ref(1)?.as_str().map_err(|e| StoreError::corrupt(t, "row_hash", "(not text)", e))?;
            let Some(hash) = rows::parse_hash(text) else {
                return Err(StoreError::corrupt(t, "row_hash", text, format!("of {id_text:?}: not 16 hex digits")));
            };
            rows.insert(key(id_text), hash);
        }
        tracing::debug!(table = t, rows = rows.len(), "loaded stored ids");
        Ok(KnownTable { rows })
    }

    /// The stored row hash of the id with [`key`] `k`, if the table holds it.
    pub(crate) fn row_hash(&self, k: u128) -> Option<u64> {
        self.rows.get(&k).copied()
    }

    /// Makes room for `total` ids in all without regrowing the map (nothing when it already holds that many: a
    /// re-ingest finds its ids there already).
    pub(crate) fn reserve_total(&mut self, total: usize) {
        self.rows.reserve(total.saturating_sub(self.rows.len()));
    }

    /// Records that the id with [`key`] `k` is now stored with `hash`.
    pub(crate) fn insert(&mut self, k: u128, hash: u64) {
        self.rows.insert(k, hash);
    }
}

/// The 128-bit key of an id (the reader's duplicate-check hash, so both agree).
pub(crate) fn key(id: &str) -> u128 {
    datasets::read::id_hash(id)
}
