//! Area statistics of a week: cases, losses, 万人发案率, EB-smoothed rates, Gi* hot spots and Poisson alerts per
//! community, from the store plus an optional community adjacency; communities' map coordinates from an areas file.

use std::path::Path;

use analytics::{AreaCase, AreaInput, AreaParams, IsoWeek, area_week};
use datasets::Fen;

use crate::error::{AppError, AppResult};

use super::Service;

/// One community's figures for the week.
#[derive(Debug, Clone, PartialEq, serde::Serialize, utoipa::ToSchema)]
pub struct AreaView {
    pub community: String,
    pub population: f64,
    pub cases: u64,
    pub loss_fen: i64,
    /// The loss in yuan, for people (`1234.50`).
    pub loss_yuan: String,
    pub cases_prev_week: u64,
    pub per_10k_week: f64,
    pub cases_window: u64,
    pub per_10k_window: f64,
    pub eb_per_10k_window: f64,
    pub gi_star: Option<f64>,
    pub gi_p: Option<f64>,
    pub hot_spot: bool,
    pub baseline_mean: f64,
    pub alert_p: f64,
    pub alert: bool,
}

/// The area statistics of a week, with the basis of every figure.
#[derive(Debug, Clone, PartialEq, serde::Serialize, utoipa::ToSchema)]
pub struct AreasView {
    pub week: String,
    pub rate_basis: String,
    pub population: f64,
    pub period_week: String,
    pub period_window: String,
    pub window_from: String,
    pub baseline: String,
    pub baseline_from: String,
    /// The last week of the baseline (the week before).
    pub baseline_to: String,
    pub hot_spots: String,
    pub alerts: String,
    /// Local reports whose community is unknown (neither the report nor its victim names one): not in any row.
    pub unlocated_cases: u64,
    pub unknown_adjacency: Vec<String>,
    pub communities: Vec<AreaView>,
}

impl Service {
    /// Area statistics of `week`; `adjacency` pairs communities for Gi* (none: no hot spots).
    pub fn areas(&self, week: IsoWeek, adjacency: Vec<(String, String)>) -> AppResult<AreasView> {
        let (input, unlocated) = self.area_input(adjacency)?;
        let unlocated = unlocated.iter().filter(|&&t| IsoWeek::of_timestamp(t) == week).count() as u64;
        let r = area_week(&input, week, &AreaParams::default())?;
        let communities = r
            .rows
            .iter()
            .map(|a| AreaView {
                community: a.community.clone(),
                population: a.population,
                cases: a.cases,
                loss_fen: a.loss_fen,
                loss_yuan: Fen(a.loss_fen).to_string(),
                cases_prev_week: a.cases_prev_week,
                per_10k_week: a.per_10k_week,
                cases_window: a.cases_window,
                per_10k_window: a.per_10k_window,
                eb_per_10k_window: a.eb_per_10k_window,
                gi_star: a.gi_star,
                gi_p: a.gi_p,
                hot_spot: a.hot_spot,
                baseline_mean: a.baseline_mean,
                alert_p: a.alert_p,
                alert: a.alert,
            })
            .collect();
        Ok(AreasView {
            week: r.week.to_string(),
            rate_basis: "cases ÷ residents in the store × 10,000 (万人发案率)".into(),
            population: r.population,
            period_week: format!("{} (Monday–Sunday, Beijing time)", r.week),
            period_window: format!("{}..={}", r.window_from, r.week),
            window_from: r.window_from.to_string(),
            baseline: format!("{}..{} (exclusive)", r.baseline_from, r.week),
            baseline_from: r.baseline_from.to_string(),
            baseline_to: r.week.plus(-1).to_string(),
            hot_spots: "Getis-Ord Gi* on EB-smoothed window rates, Benjamini–Hochberg FDR 0.05".into(),
            alerts: "P(X ≥ cases | Poisson(baseline mean)) < 0.01 and cases ≥ 3".into(),
            unlocated_cases: unlocated,
            unknown_adjacency: r.unknown_adjacency,
            communities,
        })
    }
}

impl Service {
    /// What the area statistics of any week are computed from: communities with their residents, the local cases
    /// with a community, `adjacency`; and when each local case without a community was reported.
    pub(super) fn area_input(&self, adjacency: Vec<(String, String)>) -> AppResult<(AreaInput, Vec<i64>)> {
        let store = self.store()?;
        let communities: Vec<(String, f64)> =
            store.community_populations()?.into_iter().map(|(c, n)| (c, n as f64)).collect();
        let mut cases = Vec::new();
        let mut unlocated = Vec::new();
        for (reported_at, community, loss_fen) in store.local_cases()? {
            match community {
                Some(community) => cases.push(AreaCase { reported_at, community, loss_fen }),
                None => unlocated.push(reported_at),
            }
        }
        Ok((AreaInput { communities, cases, adjacency }, unlocated))
    }
}

/// Reads `community_a,community_b` pairs (header required; blank lines skipped); errors name the file and line.
pub fn read_adjacency(path: &Path) -> AppResult<Vec<(String, String)>> {
    let file =
        |reason: String| AppError::invalid("invalid_adjacency", "adjacency", format!("{}: {reason}", path.display()));
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_path(path).map_err(|e| {
        AppError::invalid(
            "invalid_adjacency",
            "adjacency",
            format!("cannot read adjacency file {}: {e}", path.display()),
        )
    })?;
    let headers = reader.headers().map_err(|e| file(format!("cannot read the header: {e}")))?.clone();
    let col = |name: &str| headers.iter().position(|h| h.trim() == name);
    let (Some(a), Some(b)) = (col("community_a"), col("community_b")) else {
        return Err(file(format!("header must name community_a and community_b (found {headers:?})")));
    };
    let mut pairs = Vec::new();
    for (i, rec) in reader.records().enumerate() {
        let line = i + 2;
        let rec = rec.map_err(|e| file(format!("line {line}: unreadable row: {e}")))?;
        let (Some(x), Some(y)) = (rec.get(a).map(str::trim), rec.get(b).map(str::trim)) else {
            return Err(file(format!("line {line}: expected two columns community_a,community_b")));
        };
        if x.is_empty() || y.is_empty() {
            return Err(file(format!("line {line}: empty community code")));
        }
        pairs.push((x.to_string(), y.to_string()));
    }
    Ok(pairs)
}

/// Where a community lies (its centre), for the dashboard's map.
#[derive(Debug, Clone, PartialEq, serde::Serialize, utoipa::ToSchema)]
pub struct AreaPoint {
    pub community: String,
    pub lat: f64,
    pub lon: f64,
}

/// Reads `community,…,lat,lon` rows (the generator's `areas.csv`; header required), sorted by community; a missing
/// or out-of-range coordinate is an error naming the file, line and field.
pub fn read_coordinates(path: &Path) -> AppResult<Vec<AreaPoint>> {
    let bad = |field: &str, reason: String| {
        AppError::invalid("invalid_areas_file", "areas", format!("{}: {field}: {reason}", path.display()))
    };
    let mut reader = csv::Reader::from_path(path).map_err(|e| bad("file", format!("cannot read: {e}")))?;
    let headers = reader.headers().map_err(|e| bad("header", e.to_string()))?.clone();
    let col = |name: &str| headers.iter().position(|h| h.trim() == name);
    let (Some(c), Some(la), Some(lo)) = (col("community"), col("lat"), col("lon")) else {
        return Err(bad("header", format!("must name community, lat and lon (found {headers:?})")));
    };
    let mut out = Vec::new();
    for (i, rec) in reader.records().enumerate() {
        let line = i + 2;
        let rec = rec.map_err(|e| bad(&format!("line {line}"), format!("unreadable row: {e}")))?;
        let number = |at: usize, name: &str, limit: f64| -> AppResult<f64> {
            let text = rec.get(at).unwrap_or_default().trim();
            match text.parse::<f64>() {
                Ok(x) if x.abs() <= limit => Ok(x),
                _ => Err(bad(
                    &format!("line {line}, {name}"),
                    format!("{text:?} is not a {name} in [-{limit}, {limit}]"),
                )),
            }
        };
        let community = rec.get(c).unwrap_or_default().trim();
        if community.is_empty() {
            return Err(bad(&format!("line {line}, community"), "empty".into()));
        }
        out.push(AreaPoint {
            community: community.to_string(),
            lat: number(la, "lat", 90.0)?,
            lon: number(lo, "lon", 180.0)?,
        });
    }
    out.sort_by(|a, b| a.community.cmp(&b.community));
    Ok(out)
}

#[cfg(test)]
mod coordinates_tests {
    use super::*;

    #[test]
    fn coordinates_are_read_by_header_and_bad_ones_named_by_line_and_field() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("areas.csv");
        std::fs::write(
            &path,
            "community,district,lat,lon\n310115001002,310115,31.2,121.5\n310115001001,310115,31.1,121.6\n",
        )
        .unwrap();
        let points = read_coordinates(&path).unwrap();
        assert_eq!(points[0], AreaPoint { community: "310115001001".into(), lat: 31.1, lon: 121.6 });
        assert_eq!(points.len(), 2);
        std::fs::write(&path, "community,lat,lon\n310115001001,31.1,121.6\n310115001002,north,121.5\n").unwrap();
        let e = read_coordinates(&path).unwrap_err();
        assert_eq!(e.code(), "invalid_areas_file");
        assert!(e.message().contains("line 3, lat"), "{}", e.message());
        std::fs::write(&path, "community,x,y\n").unwrap();
        assert!(read_coordinates(&path).unwrap_err().message().contains("must name community, lat and lon"));
    }
}
