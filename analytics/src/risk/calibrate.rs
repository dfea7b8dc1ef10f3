//! Platt scaling: maps a raw model score to a calibrated probability with p = σ(a·s + b), a ≥ 0.
//!
//! Why Platt and not isotonic: victims are rare (a few hundred positives in a calibration window of tens of
//! thousands of resident-weeks), and isotonic regression then fits a staircase with a handful of steps that
//! over-fits and ties many residents at the same score; Platt's two parameters are stable on few positives, are
//! strictly monotone (ranking is preserved, so ROC-AUC is unchanged) and also undo the intercept shift caused by
//! subsampling negatives during training. Small enough to write here (Newton's method on two parameters) rather
//! than pull a dependency.

use super::error::RiskError;

/// A fitted Platt calibration.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Platt {
    pub a: f64,
    pub b: f64,
}

fn sigmoid(z: f64) -> f64 {
    if z >= 0.0 {
        1.0 / (1.0 + (-z).exp())
    } else {
        let e = z.exp();
        e / (1.0 + e)
    }
}

impl Platt {
    /// Fits `a`, `b` by Newton's method on the log-loss, with Platt's (1999) smoothed targets
    /// ((N₊+1)/(N₊+2) and 1/(N₋+2)) and a tiny ridge for stability. Needs both classes.
    pub fn fit(scores: &[f64], labels: &[bool]) -> Result<Platt, RiskError> {
        if scores.len() != labels.len() {
            return Err(RiskError::LengthMismatch {
                what: "calibration scores vs labels",
                left: scores.len(),
                right: labels.len(),
            });
        }
        let pos = labels.iter().filter(|&&l| l).count();
        let neg = labels.len() - pos;
        if pos == 0 || neg == 0 {
            return Err(RiskError::OneClass {
                from: "calibration".into(),
                to: "window".into(),
                positives: pos,
                rows: labels.len(),
            });
        }
        let hi = (pos as f64 + 1.0) / (pos as f64 + 2.0);
        let lo = 1.0 / (neg as f64 + 2.0);
        let targets: Vec<f64> = labels.iter().map(|&l| if l { hi } else { lo }).collect();
        let (mut a, mut b) = (1.0, (lo / (1.0 - lo)).ln());
        let ridge = 1e-6;
        for _ in 0..100 {
            let (mut ga, mut gb, mut haa, mut hab, mut hbb) = (ridge * a, 0.0, ridge, 0.0, 0.0);
            for (&s, &t) in scores.iter().zip(&targets) {
                let p = sigmoid(a * s + b);
                let d = p - t;
                let w = (p * (1.0 - p)).max(1e-12);
                ga += d * s;
                gb += d;
                haa += w * s * s;
                hab += w * s;
                hbb += w;
            }
            let det = haa * hbb - hab * hab;
            if det.abs() < 1e-18 {
                break;
            }
            let da = (hbb * ga - hab * gb) / det;
            let db = (haa * gb - hab * ga) / det;
            // Damped step: never move more than 5 units at once.
            let scale = (5.0 / da.abs().max(db.abs())).min(1.0);
            a -= scale * da;
            b -= scale * db;
            if da.abs().max(db.abs()) < 1e-10 {
                break;
            }
        }
        if !a.is_finite() || !b.is_finite() {
            return Err(RiskError::Fit { model: "platt", message: format!("did not converge (a = {a}, b = {b})") });
        }
        // A negative slope would reverse the ranking: a model no better than chance on the calibration window.
        Ok(Platt { a: a.max(0.0), b })
    }

    /// The calibrated probability of a raw score.
    pub fn apply(&self, score: f64) -> f64 {
        sigmoid(self.a * score + self.b)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn platt_is_monotone_and_matches_rates() {
        // Scores 0..10; the outcome rate rises with the score: P = σ(0.8·s − 6).
        let mut scores = Vec::new();
        let mut labels = Vec::new();
        for s in 0..10 {
            let p = sigmoid(0.8 * f64::from(s) - 6.0);
            let n = 2000;
            let k = (p * f64::from(n)).round() as i32;
            for i in 0..n {
                scores.push(f64::from(s));
                labels.push(i < k);
            }
        }
        let platt = Platt::fit(&scores, &labels).unwrap();
        assert!((platt.a - 0.8).abs() < 0.05, "{platt:?}");
        assert!((platt.b + 6.0).abs() < 0.3, "{platt:?}");
        let mapped: Vec<f64> = (0..=40).map(|i| platt.apply(f64::from(i) / 4.0)).collect();
        assert!(mapped.windows(2).all(|w| w[1] >= w[0]), "monotone");
        assert!(mapped.iter().all(|p| (0.0..=1.0).contains(p)));
    }

    #[test]
    fn platt_needs_both_classes() {
        let e = Platt::fit(&[0.1, 0.2], &[false, false]).unwrap_err();
        assert!(matches!(e, RiskError::OneClass { positives: 0, rows: 2, .. }), "{e}");
        assert!(Platt::fit(&[0.1], &[true, false]).is_err());
    }
}
