//! Statistics of the store: counts per table, fraud type and ISO week, and 万人发案率 per community with its period and
//! population basis.

use std::collections::BTreeMap;

use datasets::{Fen, Table, Timestamp};

use crate::error::AppResult;
use crate::store::Store;

use super::Service;

/// The community of local reports for which neither the report nor its victim names one.
pub const UNKNOWN_COMMUNITY: &str = "(unknown)";

/// Everything `fanzha stats` prints.
#[derive(Debug, Clone, PartialEq, serde::Serialize, utoipa::ToSchema)]
pub struct Stats {
    /// Rows per table, plus `<table>_history` versions and flags.
    pub tables: Vec<TableCount>,
    pub flags: u64,
    pub by_fraud_type: Vec<Group>,
    /// Per ISO week (`2026-W10`, Beijing time) of `reported_at`.
    pub by_week: Vec<Group>,
    pub period: Option<Period>,
    /// Residents in the store: the population basis of the rates.
    pub population: u64,
    /// Reports filed in the residents' own district(s): the numerator of 万人发案率.
    pub local_reports: u64,
    /// Reports shared from other districts (national platform); not counted in the rates.
    pub shared_reports: u64,
    /// The district's headline 万人发案率 over [`Period`]: local reports ÷ population × 10,000.
    pub district_per_10k: Option<f64>,
    /// The same, scaled to a year (× 365 ÷ period days), for comparison across periods.
    pub district_per_10k_per_year: Option<f64>,
    pub communities: Vec<CommunityRate>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct TableCount {
    pub table: &'static str,
    pub rows: u64,
    pub history: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct Group {
    pub key: String,
    pub label: String,
    pub cases: u64,
    /// Total reported loss, yuan with two decimals.
    pub loss_yuan: String,
}

/// First and last report date (Beijing), and the length in weeks (days ÷ 7, inclusive of both ends).
#[derive(Debug, Clone, PartialEq, serde::Serialize, utoipa::ToSchema)]
pub struct Period {
    pub first: String,
    pub last: String,
    pub days: i64,
    pub weeks: f64,
}

/// 万人发案率 of one community: cases ÷ residents × 10,000 over [`Period`].
#[derive(Debug, Clone, PartialEq, serde::Serialize, utoipa::ToSchema)]
pub struct CommunityRate {
    /// The report's community, else the victim's (via `victim_id`); `(unknown)` when neither is known.
    /// Only local reports (filed in a district the residents live in) count.
    pub community: String,
    pub cases: u64,
    pub residents: u64,
    /// `None` when the store holds no residents of the community.
    pub per_10k: Option<f64>,
}

impl Service {
    /// The statistics of the store.
    pub fn stats(&self) -> AppResult<Stats> {
        compute(&*self.store()?)
    }
}

/// Computes the statistics from the store.
pub fn compute(store: &Store) -> AppResult<Stats> {
    let mut tables = Vec::new();
    for t in Table::ALL {
        let (rows, history) = store.table_count(t)?;
        tables.push(TableCount { table: t.name(), rows, history });
    }
    let group = |key: String, label: String, c: u64, loss: i64| Group {
        key,
        label,
        cases: c,
        loss_yuan: Fen(loss).to_string(),
    };
    let by_fraud_type = store
        .cases_by_fraud_type()?
        .into_iter()
        .map(|c| group(c.key.code().to_string(), c.key.label_zh().to_string(), c.cases, c.loss_fen))
        .collect();
    let by_week =
        store.cases_by_week()?.into_iter().map(|c| group(c.key, String::new(), c.cases, c.loss_fen)).collect();
    let span = store.local_span()?;
    let all_reports = store.report_count()?;
    let period = match (span.first, span.last) {
        (Some(a), Some(b)) => {
            let (a, b) = (Timestamp(a).to_beijing().date_naive(), Timestamp(b).to_beijing().date_naive());
            let days = (b - a).num_days() + 1;
            Some(Period { first: a.to_string(), last: b.to_string(), days, weeks: days as f64 / 7.0 })
        }
        _ => None,
    };
    let residents: BTreeMap<String, u64> = store.community_populations()?.into_iter().collect();
    let population = residents.values().sum();
    let mut cases: BTreeMap<String, u64> = BTreeMap::new();
    for (community, n) in store.local_cases_by_community()? {
        *cases.entry(community.unwrap_or_else(|| UNKNOWN_COMMUNITY.to_string())).or_default() += n;
    }
    let mut names: Vec<String> = residents.keys().chain(cases.keys()).cloned().collect();
    names.sort();
    names.dedup();
    let communities = names
        .into_iter()
        .map(|name| {
            let (n, pop) = (cases.get(&name).copied().unwrap_or(0), residents.get(&name).copied().unwrap_or(0));
            let per_10k = (pop > 0).then(|| n as f64 / pop as f64 * 10_000.0);
            CommunityRate { community: name, cases: n, residents: pop, per_10k }
        })
        .collect();
    let local_reports = span.reports;
    let district_per_10k = (population > 0).then(|| local_reports as f64 / population as f64 * 10_000.0);
    let district_per_10k_per_year =
        district_per_10k.zip(period.as_ref()).map(|(r, p)| r * 365.0 / p.days.max(1) as f64);
    Ok(Stats {
        tables,
        flags: store.flag_count()?,
        by_fraud_type,
        by_week,
        period,
        population,
        local_reports,
        shared_reports: all_reports - local_reports,
        district_per_10k,
        district_per_10k_per_year,
        communities,
    })
}
