//! The served risk snapshots held in memory, so that one resident's lookup — the weekly API's hottest route —
//! reads no store and never leaves the async worker.
//!
//! What is kept: every served week's `(score, decile, rank)` of every resident in compact arrays (their history),
//! and the newest served week's full rows (with reason codes). About 16 bytes a resident a week plus the newest
//! rows: ~80 MiB for 100,000 residents × 26 weeks. It is loaded once (at server start and after a new snapshot,
//! on a blocking thread) and replaced whole; a lookup it cannot answer (an older week, or while a newer snapshot
//! is loading) goes to the store as before, with the same answer.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use analytics::IsoWeek;

use crate::error::AppResult;
use crate::store::{ResidentScore, ScoreFilter, SnapshotHead, resident_missing};

use super::Service;
use super::risk::{HistoryPoint, ResidentView, outside_scope, served_by_week};

/// A resident's score in one served week; `rank == 0`: not scored that week.
#[derive(Debug, Clone, Copy, Default)]
struct Point {
    score: f64,
    rank: u32,
    decile: u8,
}

/// A served week as histories show it.
struct Week {
    week: String,
    snapshot_id: i64,
    model_version: String,
}

/// Every served snapshot in memory, as of the newest snapshot id `latest`.
pub(crate) struct ServedScores {
    latest: i64,
    /// Served weeks, oldest first.
    weeks: Vec<Week>,
    /// Resident id → slot.
    slots: HashMap<Box<str>, u32>,
    /// `points[slot * weeks.len() + w]`.
    points: Vec<Point>,
    /// The newest served week's head and its rows by slot.
    newest: SnapshotHead,
    rows: Vec<Option<ResidentScore>>,
}

/// The loaded scores and whether a load is under way.
#[derive(Default)]
pub(crate) struct ServedCache {
    scores: Mutex<Option<Arc<ServedScores>>>,
    loading: AtomicBool,
}

impl ServedScores {
    /// `None` when the store holds no snapshot yet.
    fn load(svc: &Service) -> AppResult<Option<ServedScores>> {
        let store = svc.store()?;
        let latest = store.latest_snapshot_id()?;
        // Oldest week first.
        let mut heads: Vec<SnapshotHead> = served_by_week(store.snapshots()?).into_values().collect();
        heads.sort_by_key(|h| h.week);
        let Some(newest) = heads.last().cloned() else { return Ok(None) };
        let column: HashMap<i64, usize> = heads.iter().enumerate().map(|(i, h)| (h.snapshot_id, i)).collect();
        let n = heads.len();
        let mut slots: HashMap<Box<str>, u32> = HashMap::new();
        let mut points: Vec<Point> = Vec::new();
        store.served_points(|snapshot_id, resident, score, decile, rank| {
            let Some(&w) = column.get(&snapshot_id) else { return };
            let slot = match slots.get(resident) {
                Some(&s) => s as usize,
                None => {
                    let s = slots.len();
                    slots.insert(resident.into(), s as u32);
                    points.resize(points.len() + n, Point::default());
                    s
                }
            };
            points[slot * n + w] = Point {
                score,
                rank: u32::try_from(rank).unwrap_or(u32::MAX),
                decile: u8::try_from(decile).unwrap_or(u8::MAX),
            };
        })?;
        let all = ScoreFilter::default();
        let mut rows: Vec<Option<ResidentScore>> = vec![None; slots.len()];
        for row in store.snapshot_scores(&newest, &all, 0, usize::MAX)? {
            if let Some(&s) = slots.get(row.resident_id.as_str()) {
                rows[s as usize] = Some(row);
            }
        }
        let weeks = heads
            .iter()
            .map(|h| Week {
                week: h.week.to_string(),
                snapshot_id: h.snapshot_id,
                model_version: h.model_version.clone(),
            })
            .collect();
        Ok(Some(ServedScores { latest, weeks, slots, points, newest, rows }))
    }

    /// The lookup of `resident_id` in the newest served week; `None` when `week` is another one.
    fn resident(&self, week: IsoWeek, resident_id: &str, scope: &[String]) -> Option<AppResult<ResidentView>> {
        if week != self.newest.week {
            return None;
        }
        let head = &self.newest;
        let found = self.slots.get(resident_id).and_then(|&s| Some((s as usize, self.rows[s as usize].as_ref()?)));
        let Some((slot, row)) = found else { return Some(Err(resident_missing(head, resident_id).into())) };
        if !scope.is_empty() && !scope.contains(&row.community) {
            return Some(Err(outside_scope(resident_id)));
        }
        let n = self.weeks.len();
        let history = self.points[slot * n..(slot + 1) * n]
            .iter()
            .zip(&self.weeks)
            .filter(|(p, _)| p.rank > 0)
            .map(|(p, w)| HistoryPoint {
                week: w.week.clone(),
                snapshot_id: w.snapshot_id,
                model_version: w.model_version.clone(),
                score: p.score,
                decile: i64::from(p.decile),
                rank: i64::from(p.rank),
            })
            .collect();
        Some(Ok(ResidentView {
            week: week.to_string(),
            snapshot_id: head.snapshot_id,
            model_version: head.model_version.clone(),
            resident: row.clone(),
            history,
        }))
    }
}

impl Service {
    /// One resident's lookup answered from memory, without the store: `None` when memory cannot answer it (not
    /// loaded yet, older than the served snapshots, or another week than the newest), so the caller asks
    /// [`Service::risk_resident`]. Never blocks on I/O.
    pub fn risk_resident_in_memory(
        &self,
        week: IsoWeek,
        resident_id: &str,
        scope: &[String],
    ) -> Option<AppResult<ResidentView>> {
        let latest = self.served_heads_latest_if_fresh()?;
        let scores = self.served.scores.lock().unwrap_or_else(|e| e.into_inner()).clone()?;
        if scores.latest != latest {
            return None;
        }
        scores.resident(week, resident_id, scope)
    }

    /// Whether the scores in memory are missing or older than the served snapshots, and no load is under way;
    /// when so, the caller is expected to call [`Service::load_served_scores`] (this marks a load as begun).
    pub fn served_scores_want_load(&self) -> bool {
        let current = self.served.scores.lock().unwrap_or_else(|e| e.into_inner()).as_ref().map(|s| s.latest);
        let stale = match (current, self.served_heads_latest_if_fresh()) {
            (None, _) => true,
            (Some(held), Some(latest)) => held != latest,
            // Not known without a store query: the next lookup through the store refreshes it.
            (Some(_), None) => false,
        };
        stale && self.served.loading.compare_exchange(false, true, Ordering::AcqRel, Ordering::Acquire).is_ok()
    }

    /// Loads every served snapshot into memory (a few seconds for a million resident-weeks); replaces what was
    /// held when done. A store without snapshots holds nothing and is not an error.
    pub fn load_served_scores(&self) -> AppResult<()> {
        let result = ServedScores::load(self).map(|scores| {
            if let Some(scores) = scores {
                *self.served.scores.lock().unwrap_or_else(|e| e.into_inner()) = Some(Arc::new(scores));
            }
        });
        self.served.loading.store(false, Ordering::Release);
        result
    }
}
