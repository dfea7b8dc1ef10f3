//! The weekly risk tables (`risk_snapshots`, `risk_scores`, `risk_communities`; immutable by trigger) and the
//! risk model's inputs. Every SQL statement about risk lives here.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt::Write as _;

use analytics::{
    ContactInput, FEATURES, GangNumber, IsoWeek, ModelKind, OutreachInput, ResidentInput, RiskData, VictimReport,
    phone_key,
};
use datasets::{Outcome, OutreachChannel};
use rusqlite::{OptionalExtension, params};

use super::rules::{LOCAL_REPORT, REPORT_COMMUNITY};
use super::{Store, StoreError, StoreResult, split_list};

/// `risk_snapshots.reasons_format` of the snapshots written now: compact reason codes (migration V4).
const REASONS_COMPACT: i64 = 2;

/// Rows per `INSERT INTO risk_scores` statement (8 columns, the snapshot id bound once: 897 parameters).
const ROWS_PER_INSERT: usize = 128;

/// One reason code of a scored resident, as stored and read back.
#[derive(Debug, Clone, PartialEq, serde::Serialize, utoipa::ToSchema)]
pub struct ReasonCode {
    /// The feature's name (see docs/risk-features.md).
    pub feature: String,
    pub zh: String,
    pub en: String,
    /// Contribution to the raw score (logit units for logistic; mean leaf victim share for the forest).
    pub contribution: f64,
    /// The feature's value was high (`flagged_contacts_7d`: there were such contacts), not low (there were none):
    /// the side the labels describe.
    pub high: bool,
}

/// The head of a stored snapshot.
#[derive(Debug, Clone, PartialEq)]
pub struct SnapshotHead {
    pub snapshot_id: i64,
    pub week: IsoWeek,
    pub model_kind: ModelKind,
    pub model_version: String,
    pub data_digest: String,
    /// The first second of the week (epoch seconds): no record at or after it was read.
    pub data_cutoff: i64,
    pub fit_from: String,
    pub calibrate_from: String,
    pub residents: i64,
    pub created_at: i64,
    reasons_format: i64,
}

/// One scored resident of a snapshot (also the weekly API's view of them).
#[derive(Debug, Clone, PartialEq, serde::Serialize, utoipa::ToSchema)]
pub struct ResidentScore {
    /// 1 = highest risk.
    pub rank: i64,
    pub resident_id: String,
    pub community: String,
    /// The resident's grid when the snapshot was written (`None` for snapshots from before grids were kept).
    pub grid: Option<String>,
    /// Calibrated probability of becoming a victim in the week.
    pub score: f64,
    /// 1 = the top 10%.
    pub decile: i64,
    pub reasons: Vec<ReasonCode>,
}

/// A community's aggregate in a snapshot.
#[derive(Debug, Clone, PartialEq, serde::Serialize, utoipa::ToSchema)]
pub struct CommunityScore {
    pub community: String,
    pub residents: i64,
    pub mean_score: f64,
    /// Sum of the residents' probabilities: the cases the model expects this week.
    pub expected_cases: f64,
    /// Residents in the top decile.
    pub top_decile: i64,
}

/// One resident's score in one snapshot, for their history.
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryRow {
    pub week: IsoWeek,
    pub snapshot_id: i64,
    pub model_version: String,
    pub score: f64,
    pub decile: i64,
    pub rank: i64,
}

/// A snapshot to write: its head (without id and creation time, which the store assigns and the caller gives).
#[derive(Debug, Clone)]
pub struct NewSnapshot<'a> {
    pub week: IsoWeek,
    pub model_kind: ModelKind,
    pub model_version: &'a str,
    pub data_digest: &'a str,
    pub data_cutoff: i64,
    pub fit_from: &'a str,
    pub calibrate_from: &'a str,
    pub fit_rows: usize,
    pub fit_victims: usize,
    pub platt: (f64, f64),
    pub params: &'a str,
    pub created_at: i64,
}

/// One resident's row to write.
#[derive(Debug, Clone, Copy)]
pub struct NewScore<'a> {
    pub resident_id: &'a str,
    pub community: &'a str,
    pub grid: Option<&'a str>,
    pub score: f64,
    pub decile: i64,
    pub rank: i64,
    pub reasons: &'a [analytics::Reason],
}

/// Which rows of a snapshot to read.
#[derive(Debug, Clone, Default)]
pub struct ScoreFilter<'a> {
    pub community: Option<&'a str>,
    pub grid: Option<&'a str>,
    /// Only residents in this decile or a higher-risk one (1 = top 10%).
    pub max_decile: Option<i64>,
    pub min_score: Option<f64>,
    pub resident: Option<&'a str>,
    /// Only these communities (a token's scope); empty: all.
    pub scope: &'a [String],
}

impl ScoreFilter<'_> {
    /// The WHERE clause after `snapshot_id = ?1 AND rank > ?2`, parameters from `?3` on (`?8` is the limit).
    fn clause(&self) -> String {
        let mut sql = String::from(
            "(?3 IS NULL OR community = ?3) AND (?4 IS NULL OR grid = ?4) AND (?5 IS NULL OR decile <= ?5)
             AND (?6 IS NULL OR score >= ?6) AND (?7 IS NULL OR resident_id = ?7)",
        );
        if !self.scope.is_empty() {
            let marks: Vec<String> = (0..self.scope.len()).map(|i| format!("?{}", 9 + i)).collect();
            let _ = write!(sql, " AND community IN ({})", marks.join(", "));
        }
        sql
    }

    /// Every parameter: the snapshot, the rank to start after, the filter's values, `limit`, the scope.
    fn values(&self, snapshot_id: i64, after_rank: i64, limit: i64) -> Vec<rusqlite::types::Value> {
        use rusqlite::types::Value;
        let text = |v: Option<&str>| v.map_or(Value::Null, |s| Value::Text(s.to_string()));
        let mut out = vec![
            Value::Integer(snapshot_id),
            Value::Integer(after_rank),
            text(self.community),
            text(self.grid),
            self.max_decile.map_or(Value::Null, Value::Integer),
            self.min_score.map_or(Value::Null, Value::Real),
            text(self.resident),
            Value::Integer(limit),
        ];
        out.extend(self.scope.iter().map(|c| Value::Text(c.clone())));
        out
    }
}

const HEAD_COLUMNS: &str = "snapshot_id, week, model_kind, model_version, data_digest, data_cutoff, fit_from, \
                            calibrate_from, residents, created_at, reasons_format";

fn head_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Result<SnapshotHead, StoreError>> {
    let week: String = r.get(1)?;
    let kind: String = r.get(2)?;
    let week = match IsoWeek::parse(&week) {
        Ok(w) => w,
        Err(e) => return Ok(Err(StoreError::corrupt("risk_snapshots", "week", week, e))),
    };
    let model_kind = match ModelKind::parse(&kind) {
        Ok(k) => k,
        Err(e) => return Ok(Err(StoreError::corrupt("risk_snapshots", "model_kind", kind, e))),
    };
    Ok(Ok(SnapshotHead {
        snapshot_id: r.get(0)?,
        week,
        model_kind,
        model_version: r.get(3)?,
        data_digest: r.get(4)?,
        data_cutoff: r.get(5)?,
        fit_from: r.get(6)?,
        calibrate_from: r.get(7)?,
        residents: r.get(8)?,
        created_at: r.get(9)?,
        reasons_format: r.get(10)?,
    }))
}

impl Store {
    /// Reads the risk model's inputs: residents, reports (with the shared community and locality rules), contacts,
    /// outreach and the gang numbers of the latest clustering run, all from one read transaction.
    pub fn risk_inputs(&self) -> StoreResult<RiskData> {
        let tx = self.conn().unchecked_transaction()?;
        let c = &*tx;
        let mut data = RiskData::default();
        // Table order (a sequential scan), then sorted by id in memory: the same order as `ORDER BY resident_id`
        // (byte order) without a lookup into the table per index entry.
        let mut stmt = c.prepare(
            "SELECT resident_id, birth_year, gender, community, lives_alone, antifraud_app, phones FROM residents",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let id: String = r.get(0)?;
            let year: i64 = r.get(1)?;
            let Ok(birth_year) = u16::try_from(year) else {
                return Err(StoreError::corrupt("residents", "birth_year", year.to_string(), format!("of {id:?}")));
            };
            data.residents.push(ResidentInput {
                id,
                birth_year,
                gender: r.get(2)?,
                community: r.get(3)?,
                lives_alone: r.get::<_, Option<i64>>(4)?.map(|v| v != 0),
                antifraud_app: r.get::<_, Option<i64>>(5)?.map(|v| v != 0),
                phones: phone_list(r.get_ref(6)?.as_str()?),
            });
        }
        data.residents.sort_unstable_by(|a, b| a.id.cmp(&b.id));
        let mut stmt = c.prepare(&format!(
            "SELECT r.reported_at, r.victim_id, {REPORT_COMMUNITY}, {LOCAL_REPORT}, r.phones, r.occurred_at
             FROM reports r LEFT JOIN residents v ON v.resident_id = r.victim_id"
        ))?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            data.reports.push(VictimReport {
                reported_at: r.get(0)?,
                victim_id: r.get(1)?,
                community: r.get(2)?,
                local: r.get::<_, i64>(3)? != 0,
                phones: phone_list(r.get_ref(4)?.as_str()?),
                occurred_at: r.get(5)?,
            });
        }
        let mut stmt = c.prepare("SELECT from_phone, to_phone, at FROM contacts")?;
        let mut rows = stmt.query([])?;
        let mut cache: HashMap<String, String> = HashMap::new();
        let mut key = |raw: String| -> String { cache.entry(raw).or_insert_with_key(|k| phone_key(k)).clone() };
        while let Some(r) = rows.next()? {
            data.contacts.push(ContactInput { from_phone: key(r.get(0)?), to_phone: key(r.get(1)?), at: r.get(2)? });
        }
        let mut stmt = c.prepare("SELECT event_id, resident_id, channel, at, outcome, holdout FROM outreach")?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let channel: String = r.get(2)?;
            let Some(channel) = OutreachChannel::parse(&channel) else {
                return Err(StoreError::corrupt("outreach", "channel", channel, "not an outreach channel code"));
            };
            let outcome = match r.get::<_, Option<String>>(4)? {
                None => None,
                Some(text) => match Outcome::parse(&text) {
                    Some(o) => Some(o),
                    None => return Err(StoreError::corrupt("outreach", "outcome", text, "not an outcome code")),
                },
            };
            data.outreach.push(OutreachInput {
                resident_id: r.get(1)?,
                channel,
                at: r.get(3)?,
                outcome,
                holdout: r.get::<_, Option<i64>>(5)?.unwrap_or(0) != 0,
            });
        }
        drop(rows);
        drop(stmt);
        data.gang_numbers = gang_numbers(c)?;
        Ok(data)
    }

    /// Each resident's grid (residents without one are left out).
    pub fn resident_grids(&self) -> StoreResult<HashMap<String, String>> {
        let mut stmt = self.conn().prepare("SELECT resident_id, grid FROM residents WHERE grid IS NOT NULL")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The id of the snapshot for (week, model version, data digest), if one was written.
    pub fn snapshot_id(&self, week: IsoWeek, model_version: &str, digest: &str) -> StoreResult<Option<i64>> {
        Ok(self
            .conn()
            .query_row(
                "SELECT snapshot_id FROM risk_snapshots WHERE week = ?1 AND model_version = ?2 AND data_digest = ?3",
                params![week.to_string(), model_version, digest],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// Writes a snapshot with its rows (in any order) and per-community aggregates, in one transaction; returns
    /// its id.
    pub fn write_snapshot<'a>(
        &self,
        head: &NewSnapshot<'_>,
        rows: impl ExactSizeIterator<Item = NewScore<'a>>,
    ) -> StoreResult<i64> {
        let tx = self.conn().unchecked_transaction()?;
        let n = rows.len();
        tx.execute(
            "INSERT INTO risk_snapshots (week, model_kind, model_version, data_digest, data_cutoff, fit_from,
                 calibrate_from, fit_rows, fit_victims, platt_a, platt_b, params, residents, created_at,
                 reasons_format)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
            params![
                head.week.to_string(),
                head.model_kind.code(),
                head.model_version,
                head.data_digest,
                head.data_cutoff,
                head.fit_from,
                head.calibrate_from,
                head.fit_rows as i64,
                head.fit_victims as i64,
                head.platt.0,
                head.platt.1,
                head.params,
                n as i64,
                head.created_at,
                REASONS_COMPACT
            ],
        )?;
        let snapshot = tx.last_insert_rowid();
        // community → (residents, sum of scores, residents in the top decile), in first-seen order then sorted.
        let mut communities: BTreeMap<String, (i64, f64, i64)> = BTreeMap::new();
        {
            // Many rows per statement: one prepared statement executed n / ROWS_PER_INSERT times.
            let mut full = tx.prepare(&insert_scores_sql(ROWS_PER_INSERT))?;
            let mut last = tx.prepare(&insert_scores_sql((n % ROWS_PER_INSERT).max(1)))?;
            let mut reasons = String::new();
            let mut rows = rows.peekable();
            let mut left = n;
            while rows.peek().is_some() {
                let take = left.min(ROWS_PER_INSERT);
                let stmt = if take == ROWS_PER_INSERT { &mut full } else { &mut last };
                stmt.raw_bind_parameter(1, snapshot)?;
                for k in 0..take {
                    let Some(row) = rows.next() else { break };
                    encode_reasons(&mut reasons, row.reasons);
                    let b = 2 + 7 * k;
                    stmt.raw_bind_parameter(b, row.resident_id)?;
                    stmt.raw_bind_parameter(b + 1, row.community)?;
                    stmt.raw_bind_parameter(b + 2, row.score)?;
                    stmt.raw_bind_parameter(b + 3, row.decile)?;
                    stmt.raw_bind_parameter(b + 4, row.rank)?;
                    stmt.raw_bind_parameter(b + 5, reasons.as_str())?;
                    stmt.raw_bind_parameter(b + 6, row.grid)?;
                    let agg = match communities.get_mut(row.community) {
                        Some(agg) => agg,
                        None => communities.entry(row.community.to_string()).or_default(),
                    };
                    agg.0 += 1;
                    agg.1 += row.score;
                    agg.2 += i64::from(row.decile == 1);
                }
                stmt.raw_execute()?;
                left -= take;
            }
            let mut ins = tx.prepare(
                "INSERT INTO risk_communities (snapshot_id, community, residents, mean_score, expected_cases,
                     top_decile) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?;
            for (community, (n, sum, top)) in &communities {
                ins.execute(params![snapshot, community, n, sum / *n as f64, sum, top])?;
            }
        }
        tx.commit()?;
        Ok(snapshot)
    }

    /// Every snapshot, oldest week first (several per week when the model or data changed).
    pub fn snapshots(&self) -> StoreResult<Vec<SnapshotHead>> {
        let mut stmt =
            self.conn().prepare(&format!("SELECT {HEAD_COLUMNS} FROM risk_snapshots ORDER BY week, snapshot_id"))?;
        let rows = stmt.query_map([], head_row)?;
        let mut out = Vec::new();
        for row in rows {
            out.push(row??);
        }
        Ok(out)
    }

    /// The snapshot a week is served from: the latest written for it (of `model_version` when given).
    /// `NotFound` (what: "risk snapshot") names the weeks that have one.
    pub fn snapshot(&self, week: IsoWeek, model_version: Option<&str>) -> StoreResult<SnapshotHead> {
        let head = self
            .conn()
            .query_row(
                &format!(
                    "SELECT {HEAD_COLUMNS} FROM risk_snapshots WHERE week = ?1 AND (?2 IS NULL OR model_version = ?2)
                     ORDER BY snapshot_id DESC LIMIT 1"
                ),
                params![week.to_string(), model_version],
                head_row,
            )
            .optional()?;
        if let Some(head) = head {
            return head;
        }
        let mut stmt = self.conn().prepare("SELECT DISTINCT week FROM risk_snapshots ORDER BY week")?;
        let known: Vec<String> = stmt.query_map([], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
        let which = model_version.map_or(String::new(), |v| format!(" with model version {v}"));
        let message = if known.is_empty() {
            format!("no risk snapshot for {week}{which}: no week has been scored yet; run `fanzha score --week {week}`")
        } else {
            format!("no risk snapshot for {week}{which}; scored weeks: {}", known.join(", "))
        };
        Err(StoreError::NotFound { what: "risk snapshot", message })
    }

    /// Rows of a snapshot in rank order, after rank `after_rank`, at most `limit`.
    pub fn snapshot_scores(
        &self,
        head: &SnapshotHead,
        filter: &ScoreFilter<'_>,
        after_rank: i64,
        limit: usize,
    ) -> StoreResult<Vec<ResidentScore>> {
        let sql = format!(
            "SELECT rank, resident_id, community, score, decile, reasons, grid FROM risk_scores
             WHERE snapshot_id = ?1 AND rank > ?2 AND {} ORDER BY rank LIMIT ?8",
            filter.clause()
        );
        let mut stmt = self.conn().prepare_cached(&sql)?;
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let mut it = stmt.query(rusqlite::params_from_iter(filter.values(head.snapshot_id, after_rank, limit)))?;
        let mut rows = Vec::new();
        while let Some(r) = it.next()? {
            let reasons: String = r.get(5)?;
            rows.push(ResidentScore {
                rank: r.get(0)?,
                resident_id: r.get(1)?,
                community: r.get(2)?,
                score: r.get(3)?,
                decile: r.get(4)?,
                reasons: decode_reasons(head.reasons_format, &reasons)?,
                grid: r.get(6)?,
            });
        }
        Ok(rows)
    }

    /// How many rows of a snapshot pass `filter`.
    pub fn snapshot_count(&self, head: &SnapshotHead, filter: &ScoreFilter<'_>) -> StoreResult<u64> {
        // The same clause as the rows (`rank > 0` holds for all; the limit parameter is only checked).
        let sql = format!(
            "SELECT COUNT(*) FROM risk_scores WHERE snapshot_id = ?1 AND rank > ?2 AND {} AND ?8 IS NOT NULL",
            filter.clause()
        );
        let n: i64 = self
            .conn()
            .prepare_cached(&sql)?
            .query_row(rusqlite::params_from_iter(filter.values(head.snapshot_id, 0, 0)), |r| r.get(0))?;
        Ok(n as u64)
    }

    /// One resident's row of a snapshot; `NotFound` (what: "resident") when the snapshot does not hold them.
    pub fn snapshot_resident(&self, head: &SnapshotHead, resident_id: &str) -> StoreResult<ResidentScore> {
        // By primary key: the filtered list query would walk the rank index down to the resident.
        let row = self
            .conn()
            .prepare_cached(
                "SELECT rank, resident_id, community, score, decile, reasons, grid FROM risk_scores
                 WHERE snapshot_id = ?1 AND resident_id = ?2",
            )?
            .query_row(params![head.snapshot_id, resident_id], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get::<_, String>(5)?, r.get(6)?))
            })
            .optional()?;
        let row = match row {
            Some((rank, resident_id, community, score, decile, reasons, grid)) => Some(ResidentScore {
                rank,
                resident_id,
                community,
                grid,
                score,
                decile,
                reasons: decode_reasons(head.reasons_format, &reasons)?,
            }),
            None => None,
        };
        row.ok_or_else(|| resident_missing(head, resident_id))
    }

    /// Whether a snapshot holds a community.
    pub fn snapshot_has_community(&self, head: &SnapshotHead, community: &str) -> StoreResult<bool> {
        let n: i64 = self.conn().query_row(
            "SELECT COUNT(*) FROM risk_communities WHERE snapshot_id = ?1 AND community = ?2",
            params![head.snapshot_id, community],
            |r| r.get(0),
        )?;
        Ok(n > 0)
    }

    /// A snapshot's per-community aggregates, highest mean score first.
    pub fn snapshot_communities(
        &self,
        head: &SnapshotHead,
        community: Option<&str>,
    ) -> StoreResult<Vec<CommunityScore>> {
        let mut stmt = self.conn().prepare_cached(
            "SELECT community, residents, mean_score, expected_cases, top_decile FROM risk_communities
             WHERE snapshot_id = ?1 AND (?2 IS NULL OR community = ?2) ORDER BY mean_score DESC, community",
        )?;
        let rows = stmt.query_map(params![head.snapshot_id, community], |r| {
            Ok(CommunityScore {
                community: r.get(0)?,
                residents: r.get(1)?,
                mean_score: r.get(2)?,
                expected_cases: r.get(3)?,
                top_decile: r.get(4)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// A resident's score in every snapshot that holds them (each week's served snapshot), oldest week first.
    pub fn resident_history(&self, resident_id: &str) -> StoreResult<Vec<HistoryRow>> {
        let mut stmt = self.conn().prepare_cached(
            "SELECT s.week, s.snapshot_id, s.model_version, r.score, r.decile, r.rank
             FROM (SELECT MAX(snapshot_id) AS snapshot_id FROM risk_snapshots GROUP BY week) served
             JOIN risk_snapshots s ON s.snapshot_id = served.snapshot_id
             JOIN risk_scores r ON r.snapshot_id = served.snapshot_id AND r.resident_id = ?1
             ORDER BY s.week",
        )?;
        let mut it = stmt.query([resident_id])?;
        let mut out = Vec::new();
        while let Some(r) = it.next()? {
            let week: String = r.get(0)?;
            let week = IsoWeek::parse(&week).map_err(|e| StoreError::corrupt("risk_snapshots", "week", week, e))?;
            out.push(HistoryRow {
                week,
                snapshot_id: r.get(1)?,
                model_version: r.get(2)?,
                score: r.get(3)?,
                decile: r.get(4)?,
                rank: r.get(5)?,
            });
        }
        Ok(out)
    }
}

/// Local cases for area statistics: (reported_at, community by the shared rule or `None`, loss in fen).
pub type AreaCaseRow = (i64, Option<String>, i64);

impl Store {
    /// Residents per community: the population basis of 万人发案率.
    pub fn community_populations(&self) -> StoreResult<Vec<(String, u64)>> {
        let mut stmt =
            self.conn().prepare("SELECT community, COUNT(*) FROM residents GROUP BY community ORDER BY community")?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)? as u64)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Every local report (the shared rule) with its community (the shared rule) and loss.
    pub fn local_cases(&self) -> StoreResult<Vec<AreaCaseRow>> {
        let mut stmt = self.conn().prepare(&format!(
            "SELECT r.reported_at, {REPORT_COMMUNITY}, COALESCE(r.loss_fen, 0)
             FROM reports r LEFT JOIN residents v ON v.resident_id = r.victim_id WHERE {LOCAL_REPORT}"
        ))?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Every row of every served snapshot (each week's newest), as `(snapshot_id, resident_id, score, decile,
    /// rank)`, in no particular order: what the server keeps in memory for histories.
    pub fn served_points(&self, mut each: impl FnMut(i64, &str, f64, i64, i64)) -> StoreResult<()> {
        let mut stmt = self.conn().prepare(
            "SELECT r.snapshot_id, r.resident_id, r.score, r.decile, r.rank
             FROM (SELECT MAX(snapshot_id) AS snapshot_id FROM risk_snapshots GROUP BY week) served
             JOIN risk_scores r ON r.snapshot_id = served.snapshot_id",
        )?;
        let mut it = stmt.query([])?;
        while let Some(r) = it.next()? {
            let id = r.get_ref(1)?.as_str().map_err(rusqlite::Error::from)?;
            each(r.get(0)?, id, r.get(2)?, r.get(3)?, r.get(4)?);
        }
        Ok(())
    }

    /// The id of the newest snapshot (0 when none): changes whenever a snapshot is written, by any process.
    pub fn latest_snapshot_id(&self) -> StoreResult<i64> {
        Ok(self
            .conn()
            .prepare_cached("SELECT COALESCE(MAX(snapshot_id), 0) FROM risk_snapshots")?
            .query_row([], |r| r.get(0))?)
    }
}

/// The error of a lookup of a resident a snapshot does not hold (the same wherever the lookup is answered).
pub fn resident_missing(head: &SnapshotHead, resident_id: &str) -> StoreError {
    StoreError::NotFound {
        what: "resident",
        message: format!("resident {resident_id:?} is missing from snapshot {} for {}", head.snapshot_id, head.week),
    }
}

/// Phone numbers of the multi-report clusters of the latest clustering run, each with the time it became known:
/// the later of the first member report naming it and the cluster's second report (a cluster needs two linked
/// reports to exist). Hubs the run held apart (bank hotlines, 96110, …) are not gang numbers. Empty when no run
/// exists.
pub(super) fn gang_numbers(c: &rusqlite::Connection) -> StoreResult<Vec<GangNumber>> {
    let mut stmt = c.prepare(
        "SELECT key FROM gang_hubs WHERE overridden = 0 AND gang_run_id = (SELECT MAX(gang_run_id) FROM gang_runs)",
    )?;
    let hubs: HashSet<String> = stmt.query_map([], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
    let mut stmt = c.prepare(
        "SELECT m.cluster_id, r.reported_at, r.phones FROM gang_members m JOIN reports r ON r.report_id = m.report_id
         WHERE m.gang_run_id = (SELECT MAX(gang_run_id) FROM gang_runs)",
    )?;
    let mut clusters: BTreeMap<i64, Vec<(i64, String)>> = BTreeMap::new();
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        clusters.entry(r.get(0)?).or_default().push((r.get(1)?, r.get(2)?));
    }
    let mut out = Vec::new();
    for mut reports in clusters.into_values().filter(|r| r.len() >= 2) {
        reports.sort();
        let formed = reports[1].0;
        for (at, phones) in &reports {
            out.extend(
                phone_list(phones)
                    .into_iter()
                    .filter(|p| !hubs.contains(p))
                    .map(|phone| GangNumber { phone, known_at: (*at).max(formed) }),
            );
        }
    }
    Ok(out)
}

fn phone_list(joined: &str) -> Vec<String> {
    split_list(joined).iter().map(|p| phone_key(p)).collect()
}

/// `INSERT INTO risk_scores … VALUES (…), (…)` for `rows` rows: `?1` is the snapshot, row `k` binds
/// `?(2 + 7k)..=?(8 + 7k)` (resident, community, score, decile, rank, reasons, grid).
fn insert_scores_sql(rows: usize) -> String {
    let mut sql = String::from(
        "INSERT INTO risk_scores (snapshot_id, resident_id, community, score, decile, rank, reasons, grid) VALUES ",
    );
    for k in 0..rows {
        let b = 2 + 7 * k;
        let sep = if k == 0 { "" } else { ", " };
        let _ = write!(sql, "{sep}(?1, ?{b}, ?{}, ?{}, ?{}, ?{}, ?{}, ?{})", b + 1, b + 2, b + 3, b + 4, b + 5, b + 6);
    }
    sql
}

/// Writes reason codes in the compact stored form (format 2): `feature:h|l:contribution` joined by `;`, the
/// contribution rounded to four decimals.
fn encode_reasons(out: &mut String, reasons: &[analytics::Reason]) {
    out.clear();
    for (k, r) in reasons.iter().enumerate() {
        let units = (r.contribution * 1e4).round();
        let sign = if units < 0.0 { "-" } else { "" };
        let units = units.abs() as u64;
        let sep = if k == 0 { "" } else { ";" };
        let side = if r.high { 'h' } else { 'l' };
        let _ = write!(out, "{sep}{}:{side}:{sign}{}.{:04}", r.feature, units / 10_000, units % 10_000);
    }
}

/// The reason codes of one stored row, whatever the format (1: a JSON array per row; 2: compact).
pub(super) fn decode_reasons(format: i64, stored: &str) -> StoreResult<Vec<ReasonCode>> {
    let corrupt = |reason: String| StoreError::corrupt("risk_scores", "reasons", stored, reason);
    if format == 1 {
        #[derive(serde::Deserialize)]
        struct Stored {
            feature: String,
            zh: String,
            en: String,
            contribution: f64,
        }
        let items: Vec<Stored> = serde_json::from_str(stored).map_err(|e| corrupt(format!("corrupt reasons: {e}")))?;
        return Ok(items
            .into_iter()
            .map(|s| {
                // Format 1 kept the labels only: the side is the one whose label was stored.
                let high = FEATURES.iter().find(|f| f.name == s.feature).is_none_or(|f| f.high_zh == s.zh);
                ReasonCode { feature: s.feature, zh: s.zh, en: s.en, contribution: s.contribution, high }
            })
            .collect());
    }
    if format != REASONS_COMPACT {
        return Err(corrupt(format!("reasons in format {format}; this fanzha reads formats 1 and {REASONS_COMPACT}")));
    }
    let mut out = Vec::new();
    for item in stored.split(';').filter(|s| !s.is_empty()) {
        let mut parts = item.split(':');
        let (Some(name), Some(side), Some(value), None) = (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(corrupt(format!("reason {item:?}: expected feature:h|l:contribution")));
        };
        let Some(spec) = FEATURES.iter().find(|f| f.name == name) else {
            return Err(corrupt(format!("reason {item:?} names unknown feature {name:?}")));
        };
        let (zh, en) = match side {
            "h" => (spec.high_zh, spec.high_en),
            "l" => (spec.low_zh, spec.low_en),
            _ => return Err(corrupt(format!("reason {item:?}: side must be h or l"))),
        };
        let contribution: f64 = value.parse().map_err(|_| corrupt(format!("reason {item:?}: bad contribution")))?;
        out.push(ReasonCode {
            feature: spec.name.into(),
            zh: zh.into(),
            en: en.into(),
            contribution,
            high: side == "h",
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reason(j: usize, high: bool, contribution: f64) -> analytics::Reason {
        let f = &FEATURES[j];
        analytics::Reason {
            feature: f.name,
            zh: if high { f.high_zh } else { f.low_zh },
            en: if high { f.high_en } else { f.low_en },
            high,
            contribution,
        }
    }

    #[test]
    fn compact_reasons_read_back_as_the_json_format_one_stored() {
        let reasons = [reason(8, true, 1.959_449), reason(12, false, 0.036_36), reason(0, true, 0.000_04)];
        let mut stored = String::new();
        encode_reasons(&mut stored, &reasons);
        assert_eq!(stored, "flagged_contacts_7d:h:1.9594;antifraud_app:l:0.0364;age_18_40:h:0.0000");
        // Format 1 stored this JSON per row (contribution rounded to four decimals).
        let json: Vec<serde_json::Value> = reasons
            .iter()
            .map(|r| {
                serde_json::json!({"feature": r.feature, "zh": r.zh, "en": r.en,
                    "contribution": (r.contribution * 1e4).round() / 1e4})
            })
            .collect();
        let json = serde_json::Value::Array(json);
        assert_eq!(decode_reasons(REASONS_COMPACT, &stored).unwrap(), decode_reasons(1, &json.to_string()).unwrap());
        // Both formats give each reason's side; format 1 by which label it stored.
        let sides: Vec<bool> = decode_reasons(1, &json.to_string()).unwrap().iter().map(|r| r.high).collect();
        assert_eq!(sides, [true, false, true]);
        let mut shown = json.clone();
        for (item, r) in shown.as_array_mut().unwrap().iter_mut().zip(&reasons) {
            item["high"] = r.high.into();
        }
        assert_eq!(serde_json::to_value(decode_reasons(REASONS_COMPACT, &stored).unwrap()).unwrap(), shown);
        encode_reasons(&mut stored, &[]);
        assert_eq!(stored, "");
        assert!(decode_reasons(REASONS_COMPACT, "").unwrap().is_empty());
    }

    #[test]
    fn corrupt_compact_reasons_are_named_errors() {
        for (stored, needle) in [
            ("no_such_feature:h:1.0", "unknown feature \"no_such_feature\""),
            ("lives_alone:x:1.0", "side must be h or l"),
            ("lives_alone:h:abc", "bad contribution"),
            ("lives_alone:h", "expected feature:h|l:contribution"),
        ] {
            let err = decode_reasons(REASONS_COMPACT, stored).unwrap_err().to_string();
            assert!(err.contains(needle), "{stored}: {err}");
        }
        assert!(decode_reasons(3, "").unwrap_err().to_string().contains("format 3"));
        assert!(decode_reasons(1, "not json").unwrap_err().to_string().contains("corrupt reasons"));
    }

    #[test]
    fn multi_row_insert_numbers_every_parameter_once() {
        let sql = insert_scores_sql(2);
        assert!(
            sql.ends_with("VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8), (?1, ?9, ?10, ?11, ?12, ?13, ?14, ?15)"),
            "{sql}"
        );
        assert_eq!(insert_scores_sql(ROWS_PER_INSERT).matches("(?1,").count(), ROWS_PER_INSERT);
    }
}
