//! Small-area statistics: empirical-Bayes smoothing (Marshall 1991), Getis-Ord Gi* with Benjamini–Hochberg FDR,
//! and the Poisson tail test for weekly alerts.

/// Marshall's (1991) global empirical-Bayes estimate of each area's rate from `cases` and `population`.
///
/// With r_i = cases_i / n_i and m = Σcases / Σn: s² = Σn_i(r_i − m)²/Σn − m/n̄ (floored at 0),
/// w_i = s²/(s² + m/n_i), r̂_i = w_i·r_i + (1 − w_i)·m. Areas with no population get m.
pub fn eb_smooth(cases: &[f64], population: &[f64]) -> Vec<f64> {
    let areas: Vec<(f64, f64)> = cases.iter().zip(population).map(|(&c, &n)| (c, n)).collect();
    let total_n: f64 = areas.iter().filter(|a| a.1 > 0.0).map(|a| a.1).sum();
    let total_c: f64 = areas.iter().filter(|a| a.1 > 0.0).map(|a| a.0).sum();
    let k = areas.iter().filter(|a| a.1 > 0.0).count();
    if total_n <= 0.0 || k == 0 {
        return vec![0.0; areas.len()];
    }
    let m = total_c / total_n;
    let n_bar = total_n / k as f64;
    let spread: f64 = areas.iter().filter(|a| a.1 > 0.0).map(|&(c, n)| n * (c / n - m).powi(2)).sum::<f64>() / total_n;
    let s2 = (spread - m / n_bar).max(0.0);
    areas
        .iter()
        .map(|&(c, n)| {
            if n <= 0.0 {
                return m;
            }
            let denom = s2 + m / n;
            let w = if denom > 0.0 { s2 / denom } else { 0.0 };
            w * (c / n) + (1.0 - w) * m
        })
        .collect()
}

/// Getis-Ord Gi* z-scores of `values` with binary weights over each area and its neighbours
/// (`neighbours[i]` lists indices adjacent to `i`; `i` itself is added). `None` when all values are equal or no
/// area has a neighbour.
pub fn getis_ord_gi_star(values: &[f64], neighbours: &[Vec<usize>]) -> Option<Vec<f64>> {
    let n = values.len();
    if n < 2 || neighbours.len() != n || neighbours.iter().all(Vec::is_empty) {
        return None;
    }
    let nf = n as f64;
    let mean = values.iter().sum::<f64>() / nf;
    let s = (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / nf).sqrt();
    if s <= 1e-12 * mean.abs() || s == 0.0 {
        return None;
    }
    let mut out = Vec::with_capacity(n);
    for (i, adjacent) in neighbours.iter().enumerate() {
        let mut members: Vec<usize> = adjacent.iter().copied().filter(|&j| j < n && j != i).collect();
        members.sort_unstable();
        members.dedup();
        members.push(i);
        let w = members.len() as f64;
        let sum: f64 = members.iter().map(|&j| values[j]).sum();
        let denom = s * ((nf * w - w * w) / (nf - 1.0)).max(0.0).sqrt();
        out.push(if denom > 0.0 { (sum - mean * w) / denom } else { 0.0 });
    }
    Some(out)
}

/// Two-sided p-value of a standard-normal z.
pub fn normal_two_sided_p(z: f64) -> f64 {
    erfc(z.abs() / std::f64::consts::SQRT_2).clamp(0.0, 1.0)
}

/// Complementary error function (Numerical Recipes `erfcc`, relative error < 1.2e-7).
fn erfc(x: f64) -> f64 {
    let z = x.abs();
    let t = 1.0 / (1.0 + 0.5 * z);
    let poly = -z * z - 1.265_512_23
        + t * (1.000_023_68
            + t * (0.374_091_96
                + t * (0.096_784_18
                    + t * (-0.186_288_06
                        + t * (0.278_868_07
                            + t * (-1.135_203_98 + t * (1.488_515_87 + t * (-0.822_152_23 + t * 0.170_872_77))))))));
    let r = t * poly.exp();
    if x >= 0.0 { r } else { 2.0 - r }
}

/// Benjamini–Hochberg: which hypotheses are rejected at false-discovery rate `q`.
pub fn benjamini_hochberg(p_values: &[f64], q: f64) -> Vec<bool> {
    let m = p_values.len();
    let mut order: Vec<usize> = (0..m).collect();
    order.sort_by(|&a, &b| p_values[a].total_cmp(&p_values[b]));
    let mut cutoff = None;
    for (rank, &i) in order.iter().enumerate() {
        if p_values[i] <= q * (rank + 1) as f64 / m as f64 {
            cutoff = Some(rank);
        }
    }
    let mut out = vec![false; m];
    if let Some(last) = cutoff {
        for &i in &order[..=last] {
            out[i] = true;
        }
    }
    out
}

/// P(X ≥ x) for X ~ Poisson(λ).
pub fn poisson_upper_tail(x: u64, lambda: f64) -> f64 {
    if x == 0 {
        return 1.0;
    }
    if lambda <= 0.0 {
        return 0.0;
    }
    // 1 − P(X ≤ x − 1), summing the pmf in log space for stability.
    let mut log_pmf = -lambda;
    let mut cdf = log_pmf.exp();
    for k in 1..x {
        log_pmf += lambda.ln() - (k as f64).ln();
        cdf += log_pmf.exp();
    }
    (1.0 - cdf).clamp(0.0, 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eb_shrinks_small_areas_towards_the_mean() {
        // Two big areas at 1/1000 and one tiny area at 1/10: the tiny one is pulled most of the way down.
        let cases = [10.0, 10.0, 1.0];
        let pop = [10_000.0, 10_000.0, 10.0];
        let r = eb_smooth(&cases, &pop);
        let m = 21.0 / 20_010.0;
        assert!(r[2] < 0.1 && r[2] > m, "{r:?}");
        assert!((r[0] - 0.001).abs() < 1e-4);
        // All areas equal: no spread, everything at the mean.
        let r = eb_smooth(&[5.0, 5.0], &[1000.0, 1000.0]);
        assert!(r.iter().all(|&x| (x - 0.005).abs() < 1e-12));
        assert_eq!(eb_smooth(&[1.0], &[0.0]), vec![0.0]);
    }

    #[test]
    fn gi_star_finds_a_hot_cluster() {
        // A path 0-1-2-3-4-5 with high values at 0,1,2.
        let values = [9.0, 9.0, 9.0, 1.0, 1.0, 1.0];
        let nb: Vec<Vec<usize>> =
            (0..6).map(|i: usize| [i.wrapping_sub(1), i + 1].into_iter().filter(|&j| j < 6).collect()).collect();
        let z = getis_ord_gi_star(&values, &nb).unwrap();
        assert!(z[1] > 1.5 && z[4] < -1.5, "{z:?}");
        assert!(getis_ord_gi_star(&[1.0, 1.0], &[vec![1], vec![0]]).is_none());
        assert!((normal_two_sided_p(1.959_964) - 0.05).abs() < 1e-4);
    }

    #[test]
    fn bh_and_poisson_tail() {
        assert_eq!(benjamini_hochberg(&[0.001, 0.02, 0.04, 0.9], 0.05), vec![true, true, false, false]);
        assert_eq!(benjamini_hochberg(&[0.5, 0.6], 0.05), vec![false, false]);
        assert!((poisson_upper_tail(1, 2.0) - (1.0 - (-2.0f64).exp())).abs() < 1e-12);
        assert!((poisson_upper_tail(3, 1.0) - 0.080_301_397).abs() < 1e-8);
        assert_eq!(poisson_upper_tail(0, 0.5), 1.0);
    }
}

/// One local case for area statistics.
#[derive(Debug, Clone, PartialEq)]
pub struct AreaCase {
    pub reported_at: i64,
    pub community: String,
    pub loss_fen: i64,
}

/// Inputs of [`area_week`]: communities with their population basis, cases, and adjacency pairs.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AreaInput {
    /// (community, population).
    pub communities: Vec<(String, f64)>,
    pub cases: Vec<AreaCase>,
    /// Pairs of communities sharing a border (order irrelevant).
    pub adjacency: Vec<(String, String)>,
}

/// Tunable parameters of the area statistics.
#[derive(Debug, Clone, PartialEq)]
pub struct AreaParams {
    /// Weeks (ending with the week) over which rates are smoothed and Gi* is computed (default 12).
    pub window_weeks: i64,
    /// Weeks before the week forming the Poisson baseline (8–12; default 8).
    pub baseline_weeks: i64,
    /// False-discovery rate of the Gi* hot spots (default 0.05).
    pub fdr: f64,
    /// Alert when P(X ≥ x) < this (default 0.01) …
    pub alert_p: f64,
    /// … and x ≥ this many cases (default 3).
    pub alert_min_cases: u64,
}

impl Default for AreaParams {
    /// The defaults of domain-notes.md.
    fn default() -> AreaParams {
        AreaParams { window_weeks: 12, baseline_weeks: 8, fdr: 0.05, alert_p: 0.01, alert_min_cases: 3 }
    }
}

/// Statistics of one community in one week.
#[derive(Debug, Clone, PartialEq)]
pub struct AreaRow {
    pub community: String,
    pub population: f64,
    pub cases: u64,
    pub loss_fen: i64,
    /// Cases in the previous week (for 环比).
    pub cases_prev_week: u64,
    /// 万人发案率 of the week: cases ÷ population × 10,000.
    pub per_10k_week: f64,
    pub cases_window: u64,
    /// 万人发案率 over the window, raw and empirical-Bayes smoothed.
    pub per_10k_window: f64,
    pub eb_per_10k_window: f64,
    /// Getis-Ord Gi* z of the smoothed window rate (None when rates do not vary), its p and the BH decision.
    pub gi_star: Option<f64>,
    pub gi_p: Option<f64>,
    pub hot_spot: bool,
    /// Mean weekly cases over the baseline weeks, P(X ≥ cases) under Poisson(baseline), and the alert.
    pub baseline_mean: f64,
    pub alert_p: f64,
    pub alert: bool,
}

/// Area statistics of `week`.
#[derive(Debug, Clone, PartialEq)]
pub struct AreaReport {
    pub week: IsoWeek,
    pub window_from: IsoWeek,
    pub baseline_from: IsoWeek,
    pub population: f64,
    pub rows: Vec<AreaRow>,
    /// Adjacency entries naming a community that is not in the input (ignored).
    pub unknown_adjacency: Vec<String>,
}

use super::error::RiskError;
use super::week::IsoWeek;

/// Cases, losses, rates, EB-smoothed rates, Gi* hot spots (BH-corrected) and Poisson alerts per community.
pub fn area_week(input: &AreaInput, week: IsoWeek, params: &AreaParams) -> Result<AreaReport, RiskError> {
    if !(8..=12).contains(&params.baseline_weeks) {
        return Err(RiskError::InvalidParameter {
            name: "baseline_weeks",
            value: params.baseline_weeks.to_string(),
            reason: "the Poisson baseline spans 8 to 12 weeks",
        });
    }
    if params.window_weeks < 1 {
        return Err(RiskError::InvalidParameter {
            name: "window_weeks",
            value: params.window_weeks.to_string(),
            reason: "must be at least 1",
        });
    }
    if input.communities.is_empty() {
        return Err(RiskError::NoData { what: "communities" });
    }
    let (Some(first), Some(last)) =
        (input.cases.iter().map(|c| c.reported_at).min(), input.cases.iter().map(|c| c.reported_at).max())
    else {
        return Err(RiskError::NoData { what: "local reports" });
    };
    let (first, last) = (IsoWeek::of_timestamp(first), IsoWeek::of_timestamp(last));
    if week < first || week > last {
        return Err(RiskError::WeekWithoutData {
            week: week.to_string(),
            why: "area statistics need the week inside the reported period",
            first: first.to_string(),
            last: last.to_string(),
        });
    }
    let index: std::collections::HashMap<&str, usize> =
        input.communities.iter().enumerate().map(|(i, c)| (c.0.as_str(), i)).collect();
    let n = input.communities.len();
    let window_from = week.plus(1 - params.window_weeks);
    let baseline_from = week.plus(-params.baseline_weeks);
    let (mut cases, mut loss, mut prev, mut window, mut base) =
        (vec![0u64; n], vec![0i64; n], vec![0u64; n], vec![0.0; n], vec![0.0; n]);
    for c in &input.cases {
        let Some(&i) = index.get(c.community.as_str()) else { continue };
        let t = c.reported_at;
        if t >= week.start() && t < week.end() {
            cases[i] += 1;
            loss[i] += c.loss_fen;
        }
        if t >= week.plus(-1).start() && t < week.start() {
            prev[i] += 1;
        }
        if t >= window_from.start() && t < week.end() {
            window[i] += 1.0;
        }
        if t >= baseline_from.start() && t < week.start() {
            base[i] += 1.0;
        }
    }
    let population: Vec<f64> = input.communities.iter().map(|c| c.1).collect();
    let eb = eb_smooth(&window, &population);
    let mut neighbours = vec![Vec::new(); n];
    let mut unknown = Vec::new();
    for (a, b) in &input.adjacency {
        match (index.get(a.as_str()), index.get(b.as_str())) {
            (Some(&i), Some(&j)) if i != j => {
                neighbours[i].push(j);
                neighbours[j].push(i);
            }
            (None, _) => unknown.push(a.clone()),
            (_, None) => unknown.push(b.clone()),
            _ => {}
        }
    }
    unknown.sort();
    unknown.dedup();
    let gi = getis_ord_gi_star(&eb, &neighbours);
    let p: Option<Vec<f64>> = gi.as_ref().map(|z| z.iter().map(|&z| normal_two_sided_p(z)).collect());
    // Hot spots: significant after BH and on the high side.
    let hot = match (&gi, &p) {
        (Some(z), Some(p)) => {
            benjamini_hochberg(p, params.fdr).into_iter().zip(z).map(|(s, &z)| s && z > 0.0).collect()
        }
        _ => vec![false; n],
    };
    let per_10k = |c: f64, pop: f64| if pop > 0.0 { c / pop * 10_000.0 } else { 0.0 };
    let rows = (0..n)
        .map(|i| {
            let baseline_mean = base[i] / params.baseline_weeks as f64;
            let alert_p = poisson_upper_tail(cases[i], baseline_mean);
            AreaRow {
                community: input.communities[i].0.clone(),
                population: population[i],
                cases: cases[i],
                loss_fen: loss[i],
                cases_prev_week: prev[i],
                per_10k_week: per_10k(cases[i] as f64, population[i]),
                cases_window: window[i] as u64,
                per_10k_window: per_10k(window[i], population[i]),
                eb_per_10k_window: eb[i] * 10_000.0,
                gi_star: gi.as_ref().map(|z| z[i]),
                gi_p: p.as_ref().map(|p| p[i]),
                hot_spot: hot[i],
                baseline_mean,
                alert_p,
                alert: alert_p < params.alert_p && cases[i] >= params.alert_min_cases,
            }
        })
        .collect();
    Ok(AreaReport {
        week,
        window_from,
        baseline_from,
        population: population.iter().sum(),
        rows,
        unknown_adjacency: unknown,
    })
}

#[cfg(test)]
mod area_week_tests {
    use super::*;

    #[test]
    fn a_surge_raises_an_alert_and_a_hot_spot() {
        let week = IsoWeek::parse("2026-W30").unwrap();
        let communities: Vec<(String, f64)> = (0..6).map(|i| (format!("C{i}"), 5_000.0)).collect();
        let mut cases = Vec::new();
        // One case a fortnight everywhere over the baseline, then twenty in C0 this week.
        for w in 1..=12 {
            for c in 0..6 {
                if w % 2 == 0 {
                    cases.push(AreaCase {
                        reported_at: week.plus(-w).start() + 3600,
                        community: format!("C{c}"),
                        loss_fen: 100,
                    });
                }
            }
        }
        for k in 0..20 {
            cases.push(AreaCase { reported_at: week.start() + k * 3600, community: "C0".into(), loss_fen: 1_000 });
        }
        let adjacency: Vec<(String, String)> =
            (0..5).map(|i| (format!("C{i}"), format!("C{}", i + 1))).chain([("C0".into(), "C9".into())]).collect();
        let input = AreaInput { communities, cases, adjacency };
        let r = area_week(&input, week, &AreaParams::default()).unwrap();
        let c0 = &r.rows[0];
        assert_eq!((c0.cases, c0.loss_fen), (20, 20_000));
        assert!((c0.per_10k_week - 40.0).abs() < 1e-9);
        assert!((c0.baseline_mean - 0.5).abs() < 1e-9);
        assert!(c0.alert && c0.alert_p < 0.01, "{c0:?}");
        assert!(!r.rows[3].alert);
        assert_eq!(r.unknown_adjacency, vec!["C9".to_string()]);
        assert!(c0.gi_star.unwrap() > r.rows[5].gi_star.unwrap());
        // Errors name the problem.
        let e = area_week(&input, IsoWeek::parse("2027-W30").unwrap(), &AreaParams::default()).unwrap_err();
        assert!(e.to_string().contains("2027-W30 has no data"), "{e}");
        let e = area_week(&input, week, &AreaParams { baseline_weeks: 4, ..AreaParams::default() }).unwrap_err();
        assert!(e.to_string().contains("8 to 12 weeks"), "{e}");
    }
}
