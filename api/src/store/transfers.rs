//! The `transfers` table as the money and gang analytics read it: every transfer streamed once as a typed row,
//! the accounts victims paid from, and a cheap version that changes whenever reports, residents or transfers do.

use datasets::{Fen, TransferChannel};

use super::{Store, StoreError, StoreResult};

/// One stored transfer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransferRow {
    pub from_account: String,
    pub to_account: String,
    pub amount: Fen,
    /// Epoch seconds.
    pub at: i64,
    pub channel: Option<TransferChannel>,
    /// The report this is a victim's payment of, if any.
    pub report_id: Option<String>,
}

impl From<TransferRow> for analytics::MoneyTransfer {
    fn from(t: TransferRow) -> analytics::MoneyTransfer {
        analytics::MoneyTransfer {
            from_account: t.from_account,
            to_account: t.to_account,
            amount_fen: t.amount.0,
            at: t.at,
            channel: t.channel,
            report_id: t.report_id,
        }
    }
}

impl From<TransferRow> for analytics::TransferInput {
    fn from(t: TransferRow) -> analytics::TransferInput {
        analytics::TransferInput {
            from_account: t.from_account,
            to_account: t.to_account,
            amount_fen: t.amount.0,
            at: t.at,
            report_id: t.report_id,
            channel: t.channel,
        }
    }
}

/// What the derived data (graphs built from reports, residents and transfers) was built from: the highest rowid
/// of each table. A write replaces rows (`INSERT OR REPLACE`), which gives them a new, higher rowid, so any ingest
/// that changes one of these tables changes its number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DataVersion {
    pub reports: Option<i64>,
    pub residents: Option<i64>,
    pub transfers: Option<i64>,
}

impl Store {
    /// Streams every transfer through `build` (rows are never all held at once) and returns what it built. A
    /// stored value that does not read back (an unknown channel code) stops the stream and is the error.
    pub fn with_transfers<R>(&self, build: impl FnOnce(&mut dyn Iterator<Item = TransferRow>) -> R) -> StoreResult<R> {
        let mut stmt = self
            .conn()
            .prepare("SELECT from_account, to_account, amount_fen, at, channel, report_id FROM transfers")?;
        let mut failed: Option<StoreError> = None;
        let mut rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, i64>(2)?,
                    r.get::<_, i64>(3)?,
                    r.get::<_, Option<String>>(4)?,
                    r.get::<_, Option<String>>(5)?,
                ))
            })?
            .map(|row| -> StoreResult<TransferRow> {
                let (from_account, to_account, amount, at, channel, report_id) = row?;
                let channel = match channel.as_deref().map(str::trim) {
                    None | Some("") => None,
                    Some(code) => Some(TransferChannel::parse(code).ok_or_else(|| {
                        StoreError::corrupt("transfers", "channel", code, "not a transfer channel code")
                    })?),
                };
                let report_id = report_id.filter(|r| !r.trim().is_empty());
                Ok(TransferRow { from_account, to_account, amount: Fen(amount), at, channel, report_id })
            })
            .map_while(|row| row.map_err(|e| failed = Some(e)).ok());
        let built = build(&mut rows);
        drop(rows);
        match failed {
            Some(e) => Err(e),
            None => Ok(built),
        }
    }

    /// Accounts that paid into a reported fraud (the victims' own accounts), as stored.
    pub fn victim_paying_accounts(&self) -> StoreResult<Vec<String>> {
        let mut stmt = self
            .conn()
            .prepare("SELECT DISTINCT from_account FROM transfers WHERE report_id IS NOT NULL AND report_id <> ''")?;
        let rows = stmt.query_map([], |r| r.get::<_, String>(0))?.collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// Whether the store holds report `id`.
    pub fn report_exists(&self, id: &str) -> StoreResult<bool> {
        let known =
            self.conn()
                .query_row("SELECT EXISTS(SELECT 1 FROM reports WHERE report_id = ?1)", [id.trim()], |r| r.get(0))?;
        Ok(known)
    }

    /// The current [`DataVersion`] (three index lookups).
    pub fn data_version(&self) -> StoreResult<DataVersion> {
        let max = |table: &str| -> StoreResult<Option<i64>> {
            Ok(self.conn().query_row(&format!("SELECT MAX(rowid) FROM {table}"), [], |r| r.get(0))?)
        };
        Ok(DataVersion { reports: max("reports")?, residents: max("residents")?, transfers: max("transfers")? })
    }
}
