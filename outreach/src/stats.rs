//! Interval statistics for rare binary outcomes: the normal quantile, Wilson score intervals and Newcombe's
//! hybrid score interval for a difference of proportions (Newcombe 1998, method 10). Written here because they are
//! a few lines each and no statistics crate is in our registry mirror.

/// The standard normal quantile (Acklam's rational approximation, relative error < 1.2e-9).
pub(crate) fn normal_quantile(p: f64) -> f64 {
    const A: [f64; 6] = [
        -3.969_683_028_665_376e1,
        2.209_460_984_245_205e2,
        -2.759_285_104_469_687e2,
        1.383_577_518_672_69e2,
        -3.066_479_806_614_716e1,
        2.506_628_277_459_239,
    ];
    const B: [f64; 5] = [
        -5.447_609_879_822_406e1,
        1.615_858_368_580_409e2,
        -1.556_989_798_598_866e2,
        6.680_131_188_771_972e1,
        -1.328_068_155_288_572e1,
    ];
    const C: [f64; 6] = [
        -7.784_894_002_430_293e-3,
        -3.223_964_580_411_365e-1,
        -2.400_758_277_161_838,
        -2.549_732_539_343_734,
        4.374_664_141_464_968,
        2.938_163_982_698_783,
    ];
    const D: [f64; 4] =
        [7.784_695_709_041_462e-3, 3.224_671_290_700_398e-1, 2.445_134_137_142_996, 3.754_408_661_907_416];
    let tail = |q: f64| {
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    };
    if p <= 0.0 {
        return f64::NEG_INFINITY;
    }
    if p >= 1.0 {
        return f64::INFINITY;
    }
    if p < 0.02425 {
        tail((-2.0 * p.ln()).sqrt())
    } else if p > 1.0 - 0.02425 {
        -tail((-2.0 * (1.0 - p).ln()).sqrt())
    } else {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    }
}

/// The Wilson score interval of `k` events in `n` trials (effective counts may be fractional); (0, 1) when `n` is 0.
pub(crate) fn wilson(k: f64, n: f64, z: f64) -> (f64, f64) {
    if n <= 0.0 {
        return (0.0, 1.0);
    }
    let p = k / n;
    let z2 = z * z;
    let centre = (p + z2 / (2.0 * n)) / (1.0 + z2 / n);
    let half = z / (1.0 + z2 / n) * (p * (1.0 - p) / n + z2 / (4.0 * n * n)).sqrt();
    ((centre - half).max(0.0), (centre + half).min(1.0))
}

/// Newcombe's hybrid score interval for p1 − p2 (k1 of n1 vs k2 of n2).
pub(crate) fn newcombe(k1: f64, n1: f64, k2: f64, n2: f64, z: f64) -> (f64, f64) {
    let p = |k: f64, n: f64| if n <= 0.0 { 0.0 } else { k / n };
    let (p1, p2) = (p(k1, n1), p(k2, n2));
    let (l1, u1) = wilson(k1, n1, z);
    let (l2, u2) = wilson(k2, n2, z);
    let d = p1 - p2;
    let low = d - ((p1 - l1).powi(2) + (u2 - p2).powi(2)).sqrt();
    let high = d + ((u1 - p1).powi(2) + (p2 - l2).powi(2)).sqrt();
    (low.max(-1.0), high.min(1.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantile_and_intervals_match_published_values() {
        assert!((normal_quantile(0.975) - 1.959_963_985).abs() < 1e-8);
        assert!((normal_quantile(0.005) + 2.575_829_304).abs() < 1e-8);
        // Newcombe (1998), Table II example (56/70 vs 48/80): 0.0524 to 0.3339 for method 10.
        let (l, u) = newcombe(56.0, 70.0, 48.0, 80.0, normal_quantile(0.975));
        assert!((l - 0.0524).abs() < 5e-4 && (u - 0.3339).abs() < 5e-4, "{l} {u}");
        // Zero events in both arms still gives a proper interval, not a point.
        let (l, u) = newcombe(0.0, 1000.0, 0.0, 100.0, 1.96);
        assert!(l < 0.0 && u > 0.0);
        let (l, u) = wilson(0.0, 10.0, 1.96);
        assert_eq!(l, 0.0);
        assert!((u - 0.2775).abs() < 1e-3);
    }
}
