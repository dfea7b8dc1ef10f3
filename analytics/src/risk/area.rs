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
/// (`neighbours[i]` lists indices adjacent to `i`; `i` itself is added). `None` when all values are equal.
pub fn getis_ord_gi_star(values: &[f64], neighbours: &[Vec<usize>]) -> Option<Vec<f64>> {
    let n = values.len();
    if n < 2 || neighbours.len() != n {
        return None;
    }
    let nf = n as f64;
    let mean = values.iter().sum::<f64>() / nf;
    let s = (values.iter().map(|v| v * v).sum::<f64>() / nf - mean * mean).max(0.0).sqrt();
    if s <= 1e-15 {
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
