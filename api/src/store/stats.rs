//! Counts for `fanzha stats`: rows per table, cases per fraud type and week, local reports per community.

use datasets::{FraudType, Table};

use super::rules::{LOCAL_REPORT, REPORT_COMMUNITY};
use super::{Store, StoreError, StoreResult};

/// Cases and total loss (fen) of one group.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseCount<K> {
    pub key: K,
    pub cases: u64,
    pub loss_fen: i64,
}

/// First and last instant of the local reports, and how many there are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LocalSpan {
    pub first: Option<i64>,
    pub last: Option<i64>,
    pub reports: u64,
}

impl Store {
    /// Rows and `_history` versions of a record table.
    pub fn table_count(&self, table: Table) -> StoreResult<(u64, u64)> {
        let n = table.name();
        let rows: i64 = self.conn().query_row(&format!("SELECT COUNT(*) FROM {n}"), [], |r| r.get(0))?;
        let history: i64 = self.conn().query_row(&format!("SELECT COUNT(*) FROM {n}_history"), [], |r| r.get(0))?;
        Ok((rows as u64, history as u64))
    }

    /// Flagged references (rows kept with an unknown reference).
    pub fn flag_count(&self) -> StoreResult<u64> {
        Ok(self.conn().query_row("SELECT COUNT(*) FROM flags", [], |r| r.get::<_, i64>(0))? as u64)
    }

    /// All reports (local and shared) per fraud type, most cases first.
    pub fn cases_by_fraud_type(&self) -> StoreResult<Vec<CaseCount<FraudType>>> {
        let mut stmt = self.conn().prepare(
            "SELECT fraud_type, COUNT(*), COALESCE(SUM(loss_fen), 0) FROM reports GROUP BY fraud_type
             ORDER BY COUNT(*) DESC, fraud_type",
        )?;
        let mut rows = stmt.query([])?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            let code: String = r.get(0)?;
            let Some(key) = FraudType::parse(&code) else {
                return Err(StoreError::corrupt("reports", "fraud_type", code, "not a fraud type code"));
            };
            out.push(CaseCount { key, cases: r.get::<_, i64>(1)? as u64, loss_fen: r.get(2)? });
        }
        Ok(out)
    }

    /// All reports per ISO week (`2026-W10`, Beijing time), oldest first.
    pub fn cases_by_week(&self) -> StoreResult<Vec<CaseCount<String>>> {
        let mut stmt = self.conn().prepare(
            "SELECT reported_week, COUNT(*), COALESCE(SUM(loss_fen), 0) FROM reports GROUP BY reported_week
             ORDER BY reported_week",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(CaseCount { key: r.get(0)?, cases: r.get::<_, i64>(1)? as u64, loss_fen: r.get(2)? })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// How many reports the store holds, local or shared.
    pub fn report_count(&self) -> StoreResult<u64> {
        Ok(self.conn().query_row("SELECT COUNT(*) FROM reports", [], |r| r.get::<_, i64>(0))? as u64)
    }

    /// The span and number of local reports.
    pub fn local_span(&self) -> StoreResult<LocalSpan> {
        Ok(self.conn().query_row(
            &format!("SELECT MIN(reported_at), MAX(reported_at), COUNT(*) FROM reports r WHERE {LOCAL_REPORT}"),
            [],
            |r| Ok(LocalSpan { first: r.get(0)?, last: r.get(1)?, reports: r.get::<_, i64>(2)? as u64 }),
        )?)
    }

    /// Local reports per community (the shared rule; `None`: unknown).
    pub fn local_cases_by_community(&self) -> StoreResult<Vec<(Option<String>, u64)>> {
        let mut stmt = self.conn().prepare(&format!(
            "SELECT {REPORT_COMMUNITY}, COUNT(*) FROM reports r LEFT JOIN residents v ON v.resident_id = r.victim_id
             WHERE {LOCAL_REPORT} GROUP BY 1"
        ))?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get::<_, i64>(1)? as u64)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}
