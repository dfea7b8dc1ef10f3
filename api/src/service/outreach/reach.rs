//! Residents reached by outreach, week by week (the bureau's headline "elderly residents reached"): the outreach.csv
//! history and the outcomes recorded here, counted by [`outreach::reach`] over ISO weeks in Beijing time.

use std::collections::{BTreeMap, HashMap};

use analytics::IsoWeek;
use chrono::Datelike;
use serde::Serialize;

use super::inputs::{age, history};
use crate::error::{AppError, AppResult};
use crate::service::Service;

/// Age from which a resident counts as elderly (老年人, 60 and over; as the urgent-warning rule), in the calendar
/// year of the contact.
pub const ELDERLY_AGE: u8 = 60;

/// The weeks the reach figures cover: `from` and `to` inclusive, either open.
#[derive(Debug, Clone, Copy, Default)]
pub struct ReachQuery {
    pub from: Option<IsoWeek>,
    pub to: Option<IsoWeek>,
}

/// One week's reach.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ReachWeekView {
    /// ISO week, `2026-W48`.
    pub week: String,
    /// Contacts made (held-out residents are not contacted), reached or not.
    pub attempts: u64,
    /// Distinct residents reached (a call or visit answered, a message or leaflet delivered).
    pub residents_reached: u64,
    /// Of them, aged 60 or over when contacted.
    pub elderly_reached: u64,
    /// Of them, reached while answering an urgent warning.
    pub urgent_reached: u64,
    /// Distinct residents reached by each channel (`call`, `sms`, `visit`, …).
    pub by_channel: BTreeMap<String, u64>,
}

/// Reach over a range of weeks.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ReachView {
    pub from: Option<String>,
    pub to: Option<String>,
    pub elderly_age: u8,
    pub attempts: u64,
    /// Distinct residents reached over the range (not the sum of the weeks).
    pub residents_reached: u64,
    pub elderly_reached: u64,
    /// The weeks with any contact, in order.
    pub weeks: Vec<ReachWeekView>,
}

impl Service {
    /// Residents (and elderly residents) reached by outreach in the weeks asked for.
    pub fn outreach_reach(&self, q: &ReachQuery) -> AppResult<ReachView> {
        if let (Some(f), Some(t)) = (q.from, q.to)
            && f > t
        {
            return Err(AppError::invalid("invalid_range", "from", format!("{f} is after {t}")));
        }
        let store = self.store()?;
        let (start, end) = (q.from.map_or(i64::MIN, IsoWeek::start), q.to.map_or(i64::MAX, IsoWeek::end));
        let contacts: Vec<_> = history(&store, end)?.into_iter().filter(|c| c.at >= start).collect();
        let born: HashMap<String, u16> =
            store.plan_residents()?.into_iter().map(|r| (r.resident_id, r.birth_year)).collect();
        let elderly = |id: &str, at: i64| {
            born.get(id).is_some_and(|&y| age(datasets::Timestamp(at).to_beijing().year(), y) >= ELDERLY_AGE)
        };
        let r = outreach::reach(&contacts, &|t| IsoWeek::of_timestamp(t).start(), &elderly);
        Ok(ReachView {
            from: q.from.map(|w| w.to_string()),
            to: q.to.map(|w| w.to_string()),
            elderly_age: ELDERLY_AGE,
            attempts: r.attempts,
            residents_reached: r.residents_reached,
            elderly_reached: r.elderly_reached,
            weeks: r
                .weeks
                .into_iter()
                .map(|w| ReachWeekView {
                    week: IsoWeek::of_timestamp(w.week_start).to_string(),
                    attempts: w.attempts,
                    residents_reached: w.residents_reached,
                    elderly_reached: w.elderly_reached,
                    urgent_reached: w.urgent_reached,
                    by_channel: w.by_channel.into_iter().map(|(c, n)| (c.code().to_string(), n)).collect(),
                })
                .collect(),
        })
    }
}
