//! `fanzha areas --week W`: cases, losses, 万人发案率, empirical-Bayes rates, Gi* hot spots and Poisson alerts per
//! community, from the store plus an optional adjacency file (the generator's `adjacency.csv`).

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::Path;

use analytics::{AreaCase, AreaInput, AreaParams, AreaReport, IsoWeek, area_week};
use anyhow::{Context, bail};

use crate::store::Store;

/// Reads `community_a,community_b` pairs (header required; blank lines skipped).
pub fn read_adjacency(path: &Path) -> anyhow::Result<Vec<(String, String)>> {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_path(path)
        .with_context(|| format!("cannot read adjacency file {}", path.display()))?;
    let headers = reader.headers().with_context(|| format!("{}: cannot read the header", path.display()))?.clone();
    let col = |name: &str| headers.iter().position(|h| h.trim() == name);
    let (Some(a), Some(b)) = (col("community_a"), col("community_b")) else {
        bail!("{}: header must name community_a and community_b (found {:?})", path.display(), headers);
    };
    let mut pairs = Vec::new();
    for (i, rec) in reader.records().enumerate() {
        let line = i + 2;
        let rec = rec.with_context(|| format!("{}: line {line}: unreadable row", path.display()))?;
        let (Some(x), Some(y)) = (rec.get(a).map(str::trim), rec.get(b).map(str::trim)) else {
            bail!("{}: line {line}: expected two columns community_a,community_b", path.display());
        };
        if x.is_empty() || y.is_empty() {
            bail!("{}: line {line}: empty community code", path.display());
        }
        pairs.push((x.to_string(), y.to_string()));
    }
    Ok(pairs)
}

/// Loads communities (population = residents in the store) and local cases from the store.
pub fn load(store: &Store, adjacency: Vec<(String, String)>) -> anyhow::Result<AreaInput> {
    let c = store.conn();
    let mut communities = Vec::new();
    let mut stmt = c.prepare("SELECT community, COUNT(*) FROM residents GROUP BY community ORDER BY community")?;
    for row in stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)? as f64)))? {
        communities.push(row?);
    }
    let victim_community: HashMap<String, String> = c
        .prepare("SELECT resident_id, community FROM residents")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    let mut cases = Vec::new();
    let mut stmt = c.prepare(
        "SELECT reported_at, community, victim_id, COALESCE(loss_fen, 0) FROM reports
         WHERE district IN (SELECT DISTINCT district FROM residents)",
    )?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        let community: Option<String> = r.get(1)?;
        let victim: Option<String> = r.get(2)?;
        let Some(community) = community.or_else(|| victim.and_then(|v| victim_community.get(&v).cloned())) else {
            continue;
        };
        cases.push(AreaCase { reported_at: r.get(0)?, community, loss_fen: r.get(3)? });
    }
    Ok(AreaInput { communities, cases, adjacency })
}

/// Runs the area statistics for `week`.
pub fn run(store: &Store, week: &str, adjacency: Option<&Path>) -> anyhow::Result<AreaReport> {
    let week = IsoWeek::parse(week)?;
    let pairs = adjacency.map(read_adjacency).transpose()?.unwrap_or_default();
    let input = load(store, pairs)?;
    Ok(area_week(&input, week, &AreaParams::default())?)
}

/// JSON form of the report.
pub fn to_json(r: &AreaReport) -> serde_json::Value {
    let rows: Vec<serde_json::Value> = r
        .rows
        .iter()
        .map(|a| {
            serde_json::json!({
                "community": a.community, "population": a.population, "cases": a.cases,
                "loss_yuan": datasets::Fen(a.loss_fen).to_string(), "cases_prev_week": a.cases_prev_week,
                "per_10k_week": a.per_10k_week, "cases_window": a.cases_window, "per_10k_window": a.per_10k_window,
                "eb_per_10k_window": a.eb_per_10k_window, "gi_star": a.gi_star, "gi_p": a.gi_p,
                "hot_spot": a.hot_spot, "baseline_mean": a.baseline_mean, "alert_p": a.alert_p, "alert": a.alert,
            })
        })
        .collect();
    serde_json::json!({
        "week": r.week.to_string(),
        "rate_basis": "cases ÷ residents in the store × 10,000 (万人发案率)",
        "population": r.population,
        "period_week": format!("{} (Monday–Sunday, Beijing time)", r.week),
        "period_window": format!("{}..={}", r.window_from, r.week),
        "baseline": format!("{}..{} (exclusive)", r.baseline_from, r.week),
        "hot_spots": "Getis-Ord Gi* on EB-smoothed window rates, Benjamini–Hochberg FDR 0.05",
        "alerts": "P(X ≥ cases | Poisson(baseline mean)) < 0.01 and cases ≥ 3",
        "unknown_adjacency": r.unknown_adjacency,
        "communities": rows,
    })
}

/// Plain-text table.
pub fn render(r: &AreaReport) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "areas · week {} · population basis {} residents in the store · window {}..={} · baseline {}..{}",
        r.week,
        r.population,
        r.window_from,
        r.week,
        r.baseline_from,
        r.week.plus(-1)
    );
    let _ = writeln!(
        s,
        "万人发案率 = cases ÷ residents × 10,000 (week, and over the window); EB = Marshall (1991); Gi* hot spots at \
         BH FDR 0.05; alert when P(X ≥ x) < 0.01 and x ≥ 3\n"
    );
    let _ = writeln!(
        s,
        "{:<14} {:>6} {:>5} {:>5} {:>12} {:>8} {:>6} {:>8} {:>8} {:>7} {:>7} {:>4} {:>6} {:>8} {:>5}",
        "community",
        "pop",
        "cases",
        "prev",
        "loss_yuan",
        "/10k wk",
        "win",
        "/10k win",
        "EB",
        "Gi*",
        "p",
        "hot",
        "base",
        "P(X≥x)",
        "alert"
    );
    for a in &r.rows {
        let opt = |v: Option<f64>, d: usize| v.map_or("-".to_string(), |v| format!("{v:.d$}"));
        let _ = writeln!(
            s,
            "{:<14} {:>6} {:>5} {:>5} {:>12} {:>8.2} {:>6} {:>8.2} {:>8.2} {:>7} {:>7} {:>4} {:>6.2} {:>8.4} {:>5}",
            a.community,
            a.population,
            a.cases,
            a.cases_prev_week,
            datasets::Fen(a.loss_fen).to_string(),
            a.per_10k_week,
            a.cases_window,
            a.per_10k_window,
            a.eb_per_10k_window,
            opt(a.gi_star, 2),
            opt(a.gi_p, 3),
            if a.hot_spot { "yes" } else { "" },
            a.baseline_mean,
            a.alert_p,
            if a.alert { "ALERT" } else { "" }
        );
    }
    if !r.unknown_adjacency.is_empty() {
        let _ = writeln!(s, "\nadjacency names unknown communities (ignored): {}", r.unknown_adjacency.join(", "));
    }
    if r.rows.iter().all(|a| a.gi_star.is_none()) {
        let _ = writeln!(s, "\nGi* not computed: give --adjacency FILE, and rates must vary between communities");
    }
    s
}
