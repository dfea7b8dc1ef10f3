//! `fanzha stats`: counts per table, fraud type and ISO week, and 万人发案率 per community with its period and
//! population basis.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use datasets::{FraudType, Table, Timestamp};

use crate::store::Store;

/// Everything `fanzha stats` prints.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
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

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TableCount {
    pub table: &'static str,
    pub rows: u64,
    pub history: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Group {
    pub key: String,
    pub label: String,
    pub cases: u64,
    /// Total reported loss, yuan with two decimals.
    pub loss_yuan: String,
}

/// First and last report date (Beijing), and the length in weeks (days ÷ 7, inclusive of both ends).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Period {
    pub first: String,
    pub last: String,
    pub days: i64,
    pub weeks: f64,
}

/// 万人发案率 of one community: cases ÷ residents × 10,000 over [`Period`].
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct CommunityRate {
    /// The report's community, else the victim's (via `victim_id`); `(unknown)` when neither is known.
    /// Only local reports (filed in a district the residents live in) count.
    pub community: String,
    pub cases: u64,
    pub residents: u64,
    /// `None` when the store holds no residents of the community.
    pub per_10k: Option<f64>,
}

/// Computes the statistics from the store.
pub fn compute(store: &Store) -> anyhow::Result<Stats> {
    let c = store.conn();
    let count = |sql: &str| -> anyhow::Result<u64> { Ok(c.query_row(sql, [], |r| r.get::<_, i64>(0))? as u64) };
    let mut tables = Vec::new();
    for t in Table::ALL {
        let n = t.name();
        tables.push(TableCount {
            table: n,
            rows: count(&format!("SELECT COUNT(*) FROM {n}"))?,
            history: count(&format!("SELECT COUNT(*) FROM {n}_history"))?,
        });
    }
    let flags = count("SELECT COUNT(*) FROM flags")?;
    let groups = |sql: &str, label: &dyn Fn(&str) -> String| -> anyhow::Result<Vec<Group>> {
        let mut stmt = c.prepare(sql)?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?, r.get::<_, i64>(2)?)))?;
        let mut out = Vec::new();
        for row in rows {
            let (key, cases, loss) = row?;
            out.push(Group {
                label: label(&key),
                key,
                cases: cases as u64,
                loss_yuan: datasets::Fen(loss).to_string(),
            });
        }
        Ok(out)
    };
    let by_fraud_type = groups(
        "SELECT fraud_type, COUNT(*), COALESCE(SUM(loss_fen), 0) FROM reports GROUP BY fraud_type
         ORDER BY COUNT(*) DESC, fraud_type",
        &|k| FraudType::parse(k).map_or_else(|| k.to_string(), |t| t.label_zh().to_string()),
    )?;
    let by_week = groups(
        "SELECT reported_week, COUNT(*), COALESCE(SUM(loss_fen), 0) FROM reports GROUP BY reported_week
         ORDER BY reported_week",
        &|_| String::new(),
    )?;
    // Local reports: filed in a district that the store's residents live in. Other districts' reports arrive through
    // the national platform for linking cases; they are not part of this district's incidence.
    const LOCAL: &str = "r.district IN (SELECT DISTINCT district FROM residents)";
    let (first, last, local_reports): (Option<i64>, Option<i64>, i64) = c.query_row(
        &format!("SELECT MIN(reported_at), MAX(reported_at), COUNT(*) FROM reports r WHERE {LOCAL}"),
        [],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )?;
    let all_reports = count("SELECT COUNT(*) FROM reports")?;
    let local_reports = local_reports as u64;
    let period = match (first, last) {
        (Some(a), Some(b)) => {
            let (a, b) = (Timestamp(a).to_beijing().date_naive(), Timestamp(b).to_beijing().date_naive());
            let days = (b - a).num_days() + 1;
            Some(Period { first: a.to_string(), last: b.to_string(), days, weeks: days as f64 / 7.0 })
        }
        _ => None,
    };

    let mut residents: BTreeMap<String, u64> = BTreeMap::new();
    let mut stmt = c.prepare("SELECT community, COUNT(*) FROM residents GROUP BY community")?;
    for row in stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))? {
        let (k, n) = row?;
        residents.insert(k, n as u64);
    }
    let population = residents.values().sum();
    let mut cases: BTreeMap<String, u64> = BTreeMap::new();
    let mut stmt = c.prepare(
        "SELECT COALESCE(NULLIF(r.community, ''), v.community, '(unknown)'), COUNT(*)
         FROM reports r LEFT JOIN residents v ON v.resident_id = r.victim_id WHERE r.district IN
         (SELECT DISTINCT district FROM residents) GROUP BY 1",
    )?;
    for row in stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))? {
        let (k, n) = row?;
        cases.insert(k, n as u64);
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
    let district_per_10k = (population > 0).then(|| local_reports as f64 / population as f64 * 10_000.0);
    let district_per_10k_per_year =
        district_per_10k.zip(period.as_ref()).map(|(r, p)| r * 365.0 / p.days.max(1) as f64);
    Ok(Stats {
        tables,
        flags,
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

/// The statistics as text tables.
pub fn render(s: &Stats) -> String {
    let mut o = String::new();
    let _ = writeln!(o, "rows per table\n{:<12} {:>10} {:>10}", "table", "rows", "history");
    for t in &s.tables {
        let _ = writeln!(o, "{:<12} {:>10} {:>10}", t.table, t.rows, t.history);
    }
    let _ = writeln!(
        o,
        "flagged references: {}\n\ncases per fraud type (all reports, local and shared)\n{:<26} {:>8} {:>16}",
        s.flags, "type", "cases", "loss (yuan)"
    );
    for g in &s.by_fraud_type {
        let _ = writeln!(o, "{:<26} {:>8} {:>16}  {}", g.key, g.cases, g.loss_yuan, g.label);
    }
    let _ = writeln!(
        o,
        "\ncases per ISO week (Beijing time, all reports)\n{:<10} {:>8} {:>16}",
        "week", "cases", "loss (yuan)"
    );
    for g in &s.by_week {
        let _ = writeln!(o, "{:<10} {:>8} {:>16}", g.key, g.cases, g.loss_yuan);
    }
    let _ = writeln!(o, "\n万人发案率 per community (cases ÷ residents × 10,000)");
    match &s.period {
        Some(p) => {
            let _ = writeln!(o, "period: {}..{} ({} days, {:.1} weeks)", p.first, p.last, p.days, p.weeks);
        }
        None => {
            let _ = writeln!(o, "period: no reports");
        }
    }
    let _ = writeln!(o, "population basis: residents in the store ({} in all)", s.population);
    let _ = writeln!(
        o,
        "local reports: {} (reports shared from other districts, not counted: {})",
        s.local_reports, s.shared_reports
    );
    if let (Some(r), Some(y)) = (s.district_per_10k, s.district_per_10k_per_year) {
        let _ = writeln!(o, "district: {r:.2} per 10,000 residents over the period ({y:.2} a year)");
    }
    let _ = writeln!(o, "{:>8} {:>10} {:>10}  community", "cases", "residents", "per 10k");
    for c in &s.communities {
        let rate = c.per_10k.map_or_else(|| "n/a".to_string(), |r| format!("{r:.1}"));
        let _ = writeln!(o, "{:>8} {:>10} {:>10}  {}", c.cases, c.residents, rate, c.community);
    }
    o
}
