//! Weekly risk: `score` writes an immutable snapshot; the readers serve it by week, resident, community and as CSV.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use analytics::{FeatureBuilder, IsoWeek, ModelKind, RiskModel, TrainParams, data_digest};
use datasets::Timestamp;

use crate::error::{AppError, AppResult};
pub use crate::store::{CommunityScore, ResidentScore};
use crate::store::{NewScore, NewSnapshot, ScoreFilter, SnapshotHead, Store};

use super::Service;

/// Residents a page holds unless asked otherwise, and at most.
pub const DEFAULT_PAGE: usize = 50;
pub const MAX_PAGE: usize = 1000;

/// The snapshot each week is served from.
type ServedHeads = Arc<HashMap<IsoWeek, SnapshotHead>>;

/// The served snapshot heads, kept with the newest snapshot id they were read at: while no new snapshot appears
/// (checked with one indexed query) they stay valid.
#[derive(Default)]
pub(crate) struct RiskCache {
    heads: Mutex<Option<(i64, std::time::Instant, ServedHeads)>>,
}

/// How long the served snapshots are trusted without asking the store for a newer one: a snapshot written by
/// another process is served within this time (one written through this service, at once).
const HEADS_RECHECK: std::time::Duration = std::time::Duration::from_secs(1);

/// What `score` did.
#[derive(Debug, Clone, PartialEq, serde::Serialize, utoipa::ToSchema)]
pub struct ScoreReport {
    pub snapshot_id: i64,
    pub week: String,
    pub model_version: String,
    pub data_digest: String,
    /// True when an identical snapshot already existed and nothing was written.
    pub unchanged: bool,
    pub residents: usize,
    pub fit_from: String,
    pub calibrate_from: String,
    pub fit_rows: usize,
    pub fit_victims: usize,
    /// Wall-clock seconds per phase.
    pub seconds: ScoreTimings,
}

/// Where `score`'s time goes (wall-clock seconds).
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, utoipa::ToSchema)]
pub struct ScoreTimings {
    /// Reading the inputs from the store and indexing them (`FeatureBuilder::new`).
    pub load: f64,
    /// Drawing the fitting rows, fitting and calibrating the model.
    pub train: f64,
    /// The week's features, calibrated scores and reason codes for every resident: the pure scoring part.
    pub score: f64,
    /// Ranks, deciles and the snapshot written to the store.
    pub write: f64,
}

/// A scored week as the API lists it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, utoipa::ToSchema)]
pub struct SnapshotView {
    pub snapshot_id: i64,
    /// ISO week, e.g. `2026-W48`.
    pub week: String,
    pub model_kind: String,
    pub model_version: String,
    pub data_digest: String,
    /// No record at or after this instant was read (Monday 00:00 Beijing of the week).
    pub data_cutoff: String,
    pub created_at: String,
    pub residents: i64,
    /// Whether this is the snapshot the week is served from (the latest written for it).
    pub served: bool,
    /// The entity tag of the snapshot (its id and data digest).
    pub etag: String,
}

/// The scored weeks.
#[derive(Debug, Clone, PartialEq, serde::Serialize, utoipa::ToSchema)]
pub struct WeeksView {
    pub items: Vec<SnapshotView>,
}

/// Which residents of a week to list (validated by [`ResidentsQuery::check`]).
#[derive(Debug, Clone, Default)]
pub struct ResidentsQuery {
    pub community: Option<String>,
    pub grid: Option<String>,
    /// Only this decile or higher-risk ones (1 = top 10%).
    pub max_decile: Option<i64>,
    pub min_score: Option<f64>,
    pub limit: Option<usize>,
    pub cursor: Option<String>,
    /// The caller's communities (a token's scope); empty: all.
    pub scope: Vec<String>,
}

impl ResidentsQuery {
    fn check(&self) -> AppResult<usize> {
        if let Some(d) = self.max_decile
            && !(1..=10).contains(&d)
        {
            return Err(AppError::invalid("invalid_decile", "decile", format!("{d} is not a decile from 1 to 10")));
        }
        if let Some(s) = self.min_score
            && !(0.0..=1.0).contains(&s)
        {
            return Err(AppError::invalid("invalid_score", "min_score", format!("{s} is not a probability in [0, 1]")));
        }
        match self.limit {
            None => Ok(DEFAULT_PAGE),
            Some(0) => Err(AppError::invalid("invalid_limit", "limit", "must be at least 1")),
            Some(n) if n > MAX_PAGE => {
                Err(AppError::invalid("invalid_limit", "limit", format!("{n} is more than the cap of {MAX_PAGE}")))
            }
            Some(n) => Ok(n),
        }
    }
}

/// A page of a week's residents, in rank order.
#[derive(Debug, Clone, PartialEq, serde::Serialize, utoipa::ToSchema)]
pub struct ResidentsPage {
    pub week: String,
    pub snapshot_id: i64,
    pub model_version: String,
    pub items: Vec<ResidentScore>,
    /// Pass as `cursor` for the next page; null at the end.
    pub next_cursor: Option<String>,
    /// Residents that pass the filters in all.
    pub total: u64,
}

/// One point of a resident's history.
#[derive(Debug, Clone, PartialEq, serde::Serialize, utoipa::ToSchema)]
pub struct HistoryPoint {
    pub week: String,
    pub snapshot_id: i64,
    pub model_version: String,
    pub score: f64,
    pub decile: i64,
    pub rank: i64,
}

/// One resident's score in a week, with reason codes and their history over every scored week.
#[derive(Debug, Clone, PartialEq, serde::Serialize, utoipa::ToSchema)]
pub struct ResidentView {
    pub week: String,
    pub snapshot_id: i64,
    pub model_version: String,
    pub resident: ResidentScore,
    pub history: Vec<HistoryPoint>,
}

/// A snapshot as `fanzha scores` shows it: the top residents and every community.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ScoresView {
    pub snapshot_id: i64,
    pub week: String,
    pub model_kind: String,
    pub model_version: String,
    pub data_cutoff: String,
    pub created_at: i64,
    pub residents: i64,
    pub rows: Vec<ResidentScore>,
    pub communities: Vec<CommunityScore>,
}

/// Which snapshot and rows `scores` shows.
#[derive(Debug, Clone)]
pub struct ScoresQuery {
    pub week: IsoWeek,
    pub model_version: Option<String>,
    pub community: Option<String>,
    pub resident: Option<String>,
    pub top: usize,
}

/// A week's snapshot as CSV (UTF-8 with a BOM, so Excel on Chinese Windows reads it).
#[derive(Debug, Clone)]
pub struct WeekCsv {
    pub file_name: String,
    pub snapshot_id: i64,
    pub rows: usize,
    pub etag: String,
    pub body: Vec<u8>,
}

/// The time `now` for snapshot creation (epoch seconds).
pub fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64)
}

/// The entity tag of a snapshot: its id and data digest (a snapshot never changes).
pub fn etag(head: &SnapshotHead) -> String {
    format!("\"s{}-{}\"", head.snapshot_id, head.data_digest)
}

fn snapshot_view(head: &SnapshotHead, served: bool) -> SnapshotView {
    SnapshotView {
        snapshot_id: head.snapshot_id,
        week: head.week.to_string(),
        model_kind: head.model_kind.code().to_string(),
        model_version: head.model_version.clone(),
        data_digest: head.data_digest.clone(),
        data_cutoff: Timestamp(head.data_cutoff).to_string(),
        created_at: Timestamp(head.created_at).to_string(),
        residents: head.residents,
        served,
        etag: etag(head),
    }
}

/// Each week's served snapshot (its newest) among `all`, which the store lists oldest week and, within a week,
/// oldest snapshot first.
pub(crate) fn served_by_week(all: Vec<SnapshotHead>) -> HashMap<IsoWeek, SnapshotHead> {
    all.into_iter().map(|head| (head.week, head)).collect()
}

/// The error of a lookup of a resident outside the token's communities.
pub(crate) fn outside_scope(resident_id: &str) -> AppError {
    AppError::new(
        crate::error::Kind::Forbidden,
        "forbidden_scope",
        format!("resident {resident_id:?} lives outside this token's scope"),
    )
}

/// A cursor is opaque to clients: the snapshot and the last rank of the page, hex-encoded.
fn encode_cursor(snapshot_id: i64, rank: i64) -> String {
    hex::encode(format!("{snapshot_id}:{rank}"))
}

fn decode_cursor(cursor: &str, snapshot_id: i64) -> AppResult<i64> {
    let bad = |why: &str| AppError::invalid("invalid_cursor", "cursor", why.to_string());
    let text = hex::decode(cursor).ok().and_then(|b| String::from_utf8(b).ok()).ok_or_else(|| bad("not a cursor"))?;
    let (snap, rank) = text.split_once(':').ok_or_else(|| bad("not a cursor"))?;
    let (Ok(snap), Ok(rank)) = (snap.parse::<i64>(), rank.parse::<i64>()) else {
        return Err(bad("not a cursor"));
    };
    if snap != snapshot_id {
        return Err(bad("the cursor belongs to another snapshot; start again without it"));
    }
    Ok(rank)
}

impl Service {
    /// Trains a model for `week` on the store's data and writes an immutable snapshot (a no-op when an identical
    /// one exists).
    pub fn score(&self, week: IsoWeek, kind: ModelKind) -> AppResult<ScoreReport> {
        let store = self.store()?;
        let report = score(&store, week, kind, now())?;
        *self.risk.heads.lock().unwrap_or_else(|e| e.into_inner()) = None;
        Ok(report)
    }

    /// The snapshot `week` is served from.
    pub fn snapshot(&self, week: IsoWeek) -> AppResult<SnapshotHead> {
        let heads = self.served_heads()?;
        match heads.get(&week) {
            Some(head) => Ok(head.clone()),
            // Not served: let the store say which weeks are.
            None => Ok(self.store()?.snapshot(week, None)?),
        }
    }

    /// The newest snapshot id as last read from the store, when that was less than [`HEADS_RECHECK`] ago (so it
    /// can be trusted without a store query); `None` otherwise.
    pub(crate) fn served_heads_latest_if_fresh(&self) -> Option<i64> {
        let cache = self.risk.heads.lock().unwrap_or_else(|e| e.into_inner());
        cache.as_ref().filter(|(_, checked, _)| checked.elapsed() < HEADS_RECHECK).map(|(latest, _, _)| *latest)
    }

    /// Every week's served snapshot, cached until a new snapshot is written.
    fn served_heads(&self) -> AppResult<ServedHeads> {
        if let Some((_, checked, heads)) = self.risk.heads.lock().unwrap_or_else(|e| e.into_inner()).as_ref()
            && checked.elapsed() < HEADS_RECHECK
        {
            return Ok(Arc::clone(heads));
        }
        let store = self.store()?;
        let latest = store.latest_snapshot_id()?;
        let mut cache = self.risk.heads.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((id, checked, heads)) = cache.as_mut()
            && *id == latest
        {
            *checked = std::time::Instant::now();
            return Ok(Arc::clone(heads));
        }
        let heads = Arc::new(served_by_week(store.snapshots()?));
        *cache = Some((latest, std::time::Instant::now(), Arc::clone(&heads)));
        Ok(heads)
    }

    /// Every snapshot, oldest week first; `served` marks the one each week is read from.
    pub fn risk_weeks(&self) -> AppResult<WeeksView> {
        // Oldest week first and, within a week, oldest snapshot first: a week is served from its last one.
        let all = self.store()?.snapshots()?;
        let items = all
            .iter()
            .enumerate()
            .map(|(i, h)| snapshot_view(h, all.get(i + 1).is_none_or(|next| next.week != h.week)))
            .collect();
        Ok(WeeksView { items })
    }

    /// One page of a week's residents with filters, in rank order.
    pub fn risk_residents(&self, week: IsoWeek, q: &ResidentsQuery) -> AppResult<ResidentsPage> {
        let limit = q.check()?;
        let head = self.snapshot(week)?;
        let after = q.cursor.as_deref().map(|c| decode_cursor(c, head.snapshot_id)).transpose()?.unwrap_or(0);
        let store = self.store()?;
        if let Some(c) = &q.community {
            if !q.scope.is_empty() && !q.scope.contains(c) {
                return Err(AppError::new(
                    crate::error::Kind::Forbidden,
                    "forbidden_scope",
                    format!("community {c:?} is outside this token's scope"),
                ));
            }
            if !store.snapshot_has_community(&head, c)? {
                return Err(AppError::not_found(
                    "community_not_found",
                    format!("community {c:?} is not in snapshot {} for {week}", head.snapshot_id),
                ));
            }
        }
        let filter = ScoreFilter {
            community: q.community.as_deref(),
            grid: q.grid.as_deref(),
            max_decile: q.max_decile,
            min_score: q.min_score,
            resident: None,
            scope: &q.scope,
        };
        // One row more than asked tells whether another page follows.
        let mut rows = store.snapshot_scores(&head, &filter, after, limit + 1)?;
        let more = rows.len() > limit;
        rows.truncate(limit);
        let next_cursor = if more { rows.last().map(|r| encode_cursor(head.snapshot_id, r.rank)) } else { None };
        let total = store.snapshot_count(&head, &filter)?;
        Ok(ResidentsPage {
            week: week.to_string(),
            snapshot_id: head.snapshot_id,
            model_version: head.model_version.clone(),
            items: rows,
            next_cursor,
            total,
        })
    }

    /// One resident's score in `week` with reason codes, and their history over every served week. With a
    /// `scope` (a token's communities), a resident of another community is forbidden.
    pub fn risk_resident(&self, week: IsoWeek, resident_id: &str, scope: &[String]) -> AppResult<ResidentView> {
        let head = self.snapshot(week)?;
        let store = self.store()?;
        let row = store.snapshot_resident(&head, resident_id)?;
        if !scope.is_empty() && !scope.contains(&row.community) {
            return Err(outside_scope(resident_id));
        }
        let history = store
            .resident_history(resident_id)?
            .into_iter()
            .map(|h| HistoryPoint {
                week: h.week.to_string(),
                snapshot_id: h.snapshot_id,
                model_version: h.model_version,
                score: h.score,
                decile: h.decile,
                rank: h.rank,
            })
            .collect();
        Ok(ResidentView {
            week: week.to_string(),
            snapshot_id: head.snapshot_id,
            model_version: head.model_version.clone(),
            resident: row,
            history,
        })
    }

    /// A week's per-community aggregates (only `scope`'s communities when given).
    pub fn risk_communities(&self, week: IsoWeek, scope: &[String]) -> AppResult<Vec<CommunityScore>> {
        let head = self.snapshot(week)?;
        let rows = self.store()?.snapshot_communities(&head, None)?;
        Ok(rows.into_iter().filter(|c| scope.is_empty() || scope.contains(&c.community)).collect())
    }

    /// A snapshot for `fanzha scores`: the latest of the week (or of a model version), top residents, communities.
    pub fn scores(&self, q: &ScoresQuery) -> AppResult<ScoresView> {
        let store = self.store()?;
        let head = store.snapshot(q.week, q.model_version.as_deref())?;
        if let Some(c) = &q.community
            && !store.snapshot_has_community(&head, c)?
        {
            return Err(AppError::not_found(
                "community_not_found",
                format!("community {c:?} is not in snapshot {} for {}", head.snapshot_id, q.week),
            ));
        }
        let rows = match &q.resident {
            Some(id) => {
                let row = store.snapshot_resident(&head, id)?;
                if q.community.as_ref().is_some_and(|c| *c != row.community) {
                    let c = q.community.as_deref().unwrap_or_default();
                    return Err(AppError::not_found(
                        "resident_not_found",
                        format!(
                            "resident {id:?} is missing from snapshot {} for {} (community {c})",
                            head.snapshot_id, q.week
                        ),
                    ));
                }
                vec![row]
            }
            None => {
                let filter = ScoreFilter { community: q.community.as_deref(), ..ScoreFilter::default() };
                store.snapshot_scores(&head, &filter, 0, q.top)?
            }
        };
        let communities = store.snapshot_communities(&head, q.community.as_deref())?;
        Ok(ScoresView {
            snapshot_id: head.snapshot_id,
            week: head.week.to_string(),
            model_kind: head.model_kind.code().to_string(),
            model_version: head.model_version.clone(),
            data_cutoff: Timestamp(head.data_cutoff).to_string(),
            created_at: head.created_at,
            residents: head.residents,
            rows,
            communities,
        })
    }

    /// A week's served snapshot as CSV: rank, resident, community, grid, score, decile, reason codes (only
    /// `scope`'s communities when given).
    pub fn risk_week_csv(&self, week: IsoWeek, scope: &[String]) -> AppResult<WeekCsv> {
        let head = self.snapshot(week)?;
        let filter = ScoreFilter { scope, ..ScoreFilter::default() };
        let rows = self.store()?.snapshot_scores(&head, &filter, 0, usize::MAX)?;
        let n = rows.len();
        let mut w = csv::Writer::from_writer(Vec::with_capacity(64 * rows.len() + 64));
        w.write_record(["rank", "resident_id", "community", "grid", "score", "decile", "reasons"])
            .map_err(AppError::internal)?;
        for r in rows {
            let reasons: Vec<&str> = r.reasons.iter().map(|x| x.feature.as_str()).collect();
            w.write_record([
                r.rank.to_string(),
                r.resident_id,
                r.community,
                r.grid.unwrap_or_default(),
                format!("{:.6}", r.score),
                r.decile.to_string(),
                reasons.join(";"),
            ])
            .map_err(AppError::internal)?;
        }
        let mut body = b"\xEF\xBB\xBF".to_vec();
        body.extend(w.into_inner().map_err(|e| AppError::internal(anyhow::anyhow!("{e}")))?);
        Ok(WeekCsv {
            file_name: format!("risk-{week}.csv"),
            etag: etag(&head),
            snapshot_id: head.snapshot_id,
            rows: n,
            body,
        })
    }
}

/// Trains a model for `week` on the store's data and writes an immutable snapshot (no-op if it already exists).
pub fn score(store: &Store, week: IsoWeek, kind: ModelKind, now: i64) -> AppResult<ScoreReport> {
    let mut seconds = ScoreTimings::default();
    let clock = std::time::Instant::now();
    let data = store.risk_inputs()?;
    let builder = FeatureBuilder::new(&data)?;
    drop(data);
    seconds.load = clock.elapsed().as_secs_f64();
    let clock = std::time::Instant::now();
    let params = TrainParams::new(kind);
    let model = RiskModel::train(&builder, week, &params)?;
    seconds.train = clock.elapsed().as_secs_f64();
    let clock = std::time::Instant::now();
    let feats = builder.features(week);
    let ids = builder.resident_ids();
    let digest = data_digest(ids, &feats);
    let (fit_rows, fit_victims) = model.fit_size();
    let mut report = ScoreReport {
        snapshot_id: 0,
        week: week.to_string(),
        model_version: model.version().to_string(),
        data_digest: digest.clone(),
        unchanged: false,
        residents: ids.len(),
        fit_from: model.fit_from().to_string(),
        calibrate_from: model.calibrate_from().to_string(),
        fit_rows,
        fit_victims,
        seconds,
    };
    if let Some(id) = store.snapshot_id(week, &report.model_version, &digest)? {
        report.snapshot_id = id;
        report.unchanged = true;
        report.seconds.score = clock.elapsed().as_secs_f64();
        return Ok(report);
    }
    let scored = model.score_week(&feats);
    report.seconds.score = clock.elapsed().as_secs_f64();
    let clock = std::time::Instant::now();
    let n = scored.len();
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_unstable_by(|&a, &b| scored[b].0.total_cmp(&scored[a].0).then(a.cmp(&b)));
    // Rank 1 = highest score; deciles by rank exactly as `analytics::deciles` splits them.
    let mut rank = vec![0u32; n];
    for (k, &i) in order.iter().enumerate() {
        rank[i] = k as u32 + 1;
    }
    drop(order);
    let grids = store.resident_grids()?;
    let platt = model.platt();
    let model_params = format!("{:?}", model.params());
    let head = NewSnapshot {
        week,
        model_kind: kind,
        model_version: &report.model_version,
        data_digest: &digest,
        data_cutoff: feats.cutoff,
        fit_from: &report.fit_from,
        calibrate_from: &report.calibrate_from,
        fit_rows,
        fit_victims,
        platt: (platt.a, platt.b),
        params: &model_params,
        created_at: now,
    };
    let rows = (0..n).map(|i| NewScore {
        resident_id: &ids[i],
        community: builder.community(i),
        grid: grids.get(&ids[i]).map(String::as_str),
        score: scored[i].0,
        decile: ((rank[i] as usize - 1) * 10 / n + 1) as i64,
        rank: i64::from(rank[i]),
        reasons: &scored[i].1,
    });
    report.snapshot_id = store.write_snapshot(&head, rows)?;
    report.seconds.write = clock.elapsed().as_secs_f64();
    Ok(report)
}

/// A model kind named on the command line or in a query.
pub fn parse_model(text: &str) -> AppResult<ModelKind> {
    ModelKind::parse(text).map_err(|e| AppError::invalid("invalid_model", "model", e.to_string()))
}

/// An ISO week named on the command line or in a path.
pub fn parse_week(text: &str) -> AppResult<IsoWeek> {
    Ok(IsoWeek::parse(text)?)
}
