//! Reads of the `reports` table as typed [`Report`]s (codes as enums, lists split, money in fen), for the case
//! index and the investigator's report view. A stored value that does not read back as its type is
//! [`StoreError::Corrupt`], never a quiet default.

use datasets::{CaseStatus, ContactChannel, Fen, FraudType, Gender, Report, Timestamp};
use rusqlite::{OptionalExtension, Row};

use super::{Store, StoreError, StoreResult};

const COLUMNS: &str = "report_id, reported_at, occurred_at, district, community, victim_id, victim_age, \
                       victim_gender, fraud_type, loss_fen, contact_channel, status, narrative, \
                       phones, accounts, urls, apps, im_ids";

impl Store {
    /// Every report, in id order.
    pub fn reports(&self) -> StoreResult<Vec<Report>> {
        let mut stmt = self.conn.prepare(&format!("SELECT {COLUMNS} FROM reports ORDER BY report_id"))?;
        let mut rows = stmt.query([])?;
        let mut out = Vec::new();
        while let Some(row) = rows.next()? {
            out.push(report(row)?);
        }
        Ok(out)
    }

    /// The report `id`; [`StoreError::NotFound`] (`what: "report"`) when there is none.
    pub fn report(&self, id: &str) -> StoreResult<Report> {
        let mut stmt = self.conn.prepare_cached(&format!("SELECT {COLUMNS} FROM reports WHERE report_id = ?1"))?;
        let raw = stmt.query_row([id], |row| Ok(report(row))).optional()?;
        match raw {
            Some(r) => r,
            None => Err(StoreError::NotFound { what: "report", message: format!("no report {id:?} in the store") }),
        }
    }

    /// When the latest report was made (`None` when the store holds no report).
    pub fn latest_report_at(&self) -> StoreResult<Option<Timestamp>> {
        let latest: Option<i64> = self.conn.query_row("SELECT max(reported_at) FROM reports", [], |r| r.get(0))?;
        Ok(latest.map(Timestamp))
    }
}

/// One `reports` row in [`COLUMNS`] order.
fn report(r: &Row<'_>) -> StoreResult<Report> {
    let victim_age: Option<i64> = r.get(6)?;
    let victim_age = victim_age
        .map(|a| u8::try_from(a).map_err(|e| StoreError::corrupt("reports", "victim_age", a.to_string(), e)))
        .transpose()?;
    let list = |i: usize| -> StoreResult<Vec<String>> {
        let text: String = r.get(i)?;
        Ok(text.split(';').filter(|s| !s.is_empty()).map(String::from).collect())
    };
    Ok(Report {
        report_id: r.get(0)?,
        reported_at: Timestamp(r.get(1)?),
        occurred_at: r.get::<_, Option<i64>>(2)?.map(Timestamp),
        district: r.get(3)?,
        community: r.get(4)?,
        victim_id: r.get(5)?,
        victim_age,
        victim_gender: code(r, 7, "victim_gender", Gender::parse)?,
        fraud_type: code(r, 8, "fraud_type", FraudType::parse)?
            .ok_or_else(|| StoreError::corrupt("reports", "fraud_type", "NULL", "a report always has a fraud type"))?,
        loss: r.get::<_, Option<i64>>(9)?.map(Fen),
        contact_channel: code(r, 10, "contact_channel", ContactChannel::parse)?,
        status: code(r, 11, "status", CaseStatus::parse)?,
        narrative: r.get(12)?,
        phones: list(13)?,
        accounts: list(14)?,
        urls: list(15)?,
        apps: list(16)?,
        im_ids: list(17)?,
    })
}

/// An optional code column: `None` for NULL, the enum for a known code, [`StoreError::Corrupt`] otherwise.
fn code<T>(r: &Row<'_>, i: usize, column: &'static str, parse: impl Fn(&str) -> Option<T>) -> StoreResult<Option<T>> {
    let Some(text) = r.get::<_, Option<String>>(i)? else { return Ok(None) };
    match parse(&text) {
        Some(v) => Ok(Some(v)),
        None => Err(StoreError::corrupt("reports", column, text, "not a known code")),
    }
}

#[cfg(test)]
mod tests {
    use datasets::Record;

    use super::*;

    fn stored(dir: &std::path::Path) -> Store {
        let mut store = Store::open(dir).unwrap();
        let run = store.begin_run(dir, 1).unwrap();
        let mut b = store.batch(run, 1).unwrap();
        b.write(&Record::Report(Report {
            report_id: "R1".into(),
            reported_at: Timestamp::parse("2026-03-02 10:00:00").unwrap(),
            occurred_at: None,
            district: "310115".into(),
            community: Some("花木".into()),
            victim_id: None,
            victim_age: Some(71),
            victim_gender: Some(Gender::Female),
            fraud_type: FraudType::OrderBrushing,
            loss: Some(Fen(12_345)),
            contact_channel: Some(ContactChannel::Wechat),
            status: Some(CaseStatus::Filed),
            narrative: "兼职刷单".into(),
            phones: vec!["138 0013 8000".into(), "95588".into()],
            accounts: vec![],
            urls: vec![],
            apps: vec![],
            im_ids: vec![],
        }))
        .unwrap();
        b.commit().unwrap();
        store
    }

    #[test]
    fn a_report_reads_back_as_it_was_written() {
        let dir = tempfile::tempdir().unwrap();
        let store = stored(dir.path());
        let r = store.report("R1").unwrap();
        assert_eq!(
            (r.fraud_type, r.status, r.loss, r.victim_age),
            (FraudType::OrderBrushing, Some(CaseStatus::Filed), Some(Fen(12_345)), Some(71))
        );
        assert_eq!(r.phones, ["138 0013 8000", "95588"]);
        assert!(r.accounts.is_empty());
        assert_eq!(store.reports().unwrap(), vec![r]);
        assert_eq!(store.latest_report_at().unwrap(), Some(Timestamp::parse("2026-03-02 10:00:00").unwrap()));
    }

    #[test]
    fn an_unknown_report_is_not_found_and_a_bad_code_is_corrupt() {
        let dir = tempfile::tempdir().unwrap();
        let store = stored(dir.path());
        assert!(matches!(store.report("R9"), Err(StoreError::NotFound { what: "report", .. })));
        store.conn().execute("UPDATE reports SET fraud_type = 'brushing'", []).unwrap();
        let err = store.report("R1").unwrap_err();
        assert!(matches!(err, StoreError::Corrupt { column: "fraud_type", .. }), "{err}");
        assert!(store.reports().is_err());
    }
}
