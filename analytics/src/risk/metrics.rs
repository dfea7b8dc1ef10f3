//! Evaluation metrics for scores against binary outcomes: ROC-AUC, PR-AUC, Brier, calibration error,
//! precision at k, Spearman correlation.

/// Ranks (1-based, ties get their average rank).
fn average_ranks(values: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&a, &b| values[a].total_cmp(&values[b]));
    let mut ranks = vec![0.0; values.len()];
    let mut i = 0;
    while i < order.len() {
        let mut j = i;
        while j + 1 < order.len() && values[order[j + 1]] == values[order[i]] {
            j += 1;
        }
        let avg = (i + j) as f64 / 2.0 + 1.0;
        for &k in &order[i..=j] {
            ranks[k] = avg;
        }
        i = j + 1;
    }
    ranks
}

/// Area under the ROC curve (Mann–Whitney, ties count one half); `None` unless both classes occur.
pub fn roc_auc(scores: &[f64], labels: &[bool]) -> Option<f64> {
    let pos = labels.iter().filter(|&&l| l).count();
    let neg = labels.len() - pos;
    if pos == 0 || neg == 0 || scores.len() != labels.len() {
        return None;
    }
    let ranks = average_ranks(scores);
    let rank_sum: f64 = ranks.iter().zip(labels).filter(|(_, l)| **l).map(|(r, _)| r).sum();
    Some((rank_sum - (pos * (pos + 1)) as f64 / 2.0) / (pos as f64 * neg as f64))
}

/// Area under the precision–recall curve as average precision (step-wise, scikit-learn's definition).
pub fn pr_auc(scores: &[f64], labels: &[bool]) -> Option<f64> {
    let pos = labels.iter().filter(|&&l| l).count();
    if pos == 0 || scores.len() != labels.len() {
        return None;
    }
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]));
    let (mut tp, mut seen, mut ap) = (0usize, 0usize, 0.0);
    let mut i = 0;
    while i < order.len() {
        // Treat a block of tied scores as one threshold.
        let mut j = i;
        while j + 1 < order.len() && scores[order[j + 1]] == scores[order[i]] {
            j += 1;
        }
        let block_tp = order[i..=j].iter().filter(|&&k| labels[k]).count();
        seen += j - i + 1;
        if block_tp > 0 {
            tp += block_tp;
            ap += (block_tp as f64 / pos as f64) * (tp as f64 / seen as f64);
        }
        i = j + 1;
    }
    Some(ap)
}

/// Mean squared difference between the probability and the outcome.
pub fn brier(scores: &[f64], labels: &[bool]) -> Option<f64> {
    if scores.is_empty() || scores.len() != labels.len() {
        return None;
    }
    let sum: f64 = scores.iter().zip(labels).map(|(&p, &l)| (p - f64::from(u8::from(l))).powi(2)).sum();
    Some(sum / scores.len() as f64)
}

/// One bin of a reliability curve.
#[derive(Debug, Clone, PartialEq)]
pub struct ReliabilityBin {
    pub count: usize,
    pub mean_score: f64,
    pub observed_rate: f64,
}

/// Reliability curve over `bins` equal-count bins (by score) and the expected calibration error
/// (count-weighted mean |mean score − observed rate|).
pub fn calibration(scores: &[f64], labels: &[bool], bins: usize) -> Option<(Vec<ReliabilityBin>, f64)> {
    if scores.is_empty() || scores.len() != labels.len() || bins == 0 {
        return None;
    }
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| scores[a].total_cmp(&scores[b]));
    let n = order.len();
    let mut out = Vec::new();
    let mut ece = 0.0;
    for b in 0..bins {
        let (lo, hi) = (b * n / bins, (b + 1) * n / bins);
        if hi <= lo {
            continue;
        }
        let idx = &order[lo..hi];
        let mean_score = idx.iter().map(|&i| scores[i]).sum::<f64>() / idx.len() as f64;
        let observed_rate = idx.iter().filter(|&&i| labels[i]).count() as f64 / idx.len() as f64;
        ece += (mean_score - observed_rate).abs() * idx.len() as f64 / n as f64;
        out.push(ReliabilityBin { count: idx.len(), mean_score, observed_rate });
    }
    Some((out, ece))
}

/// Share of positives among the `k` highest scores (ties broken by position).
pub fn precision_at_k(scores: &[f64], labels: &[bool], k: usize) -> Option<f64> {
    if k == 0 || scores.len() != labels.len() || scores.is_empty() {
        return None;
    }
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]).then(a.cmp(&b)));
    let k = k.min(order.len());
    Some(order[..k].iter().filter(|&&i| labels[i]).count() as f64 / k as f64)
}

/// Spearman rank correlation; `None` when either side is constant or lengths differ.
pub fn spearman(a: &[f64], b: &[f64]) -> Option<f64> {
    if a.len() != b.len() || a.len() < 2 {
        return None;
    }
    let (ra, rb) = (average_ranks(a), average_ranks(b));
    let n = a.len() as f64;
    let (ma, mb) = (ra.iter().sum::<f64>() / n, rb.iter().sum::<f64>() / n);
    let cov: f64 = ra.iter().zip(&rb).map(|(x, y)| (x - ma) * (y - mb)).sum();
    let va: f64 = ra.iter().map(|x| (x - ma).powi(2)).sum();
    let vb: f64 = rb.iter().map(|y| (y - mb).powi(2)).sum();
    if va <= 0.0 || vb <= 0.0 {
        return None;
    }
    Some(cov / (va * vb).sqrt())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auc_and_ap_on_known_cases() {
        let s = [0.9, 0.8, 0.7, 0.6, 0.5, 0.4];
        let perfect = [true, true, false, false, false, false];
        assert_eq!(roc_auc(&s, &perfect), Some(1.0));
        assert_eq!(pr_auc(&s, &perfect), Some(1.0));
        let reversed = [false, false, false, false, true, true];
        assert_eq!(roc_auc(&s, &reversed), Some(0.0));
        // One positive at rank 2 of 4: AUC = 2/3 of negatives below it; AP = 1/2.
        let l = [false, true, false, false];
        assert!((roc_auc(&s[..4], &l).unwrap() - 2.0 / 3.0).abs() < 1e-12);
        assert!((pr_auc(&s[..4], &l).unwrap() - 0.5).abs() < 1e-12);
        // All tied: AUC one half.
        assert_eq!(roc_auc(&[0.3; 4], &[true, false, true, false]), Some(0.5));
        assert_eq!(roc_auc(&s, &[false; 6]), None);
    }

    #[test]
    fn brier_calibration_precision_spearman() {
        assert_eq!(brier(&[1.0, 0.0], &[true, false]), Some(0.0));
        assert_eq!(brier(&[0.5, 0.5], &[true, false]), Some(0.25));
        let (bins, ece) = calibration(&[0.1, 0.1, 0.9, 0.9], &[false, false, true, true], 2).unwrap();
        assert_eq!(bins.len(), 2);
        assert!((ece - 0.1).abs() < 1e-12);
        assert_eq!(precision_at_k(&[0.9, 0.1, 0.8], &[true, false, false], 2), Some(0.5));
        assert!((spearman(&[1.0, 2.0, 3.0], &[10.0, 20.0, 30.0]).unwrap() - 1.0).abs() < 1e-12);
        assert!((spearman(&[1.0, 2.0, 3.0], &[3.0, 2.0, 1.0]).unwrap() + 1.0).abs() < 1e-12);
        assert_eq!(spearman(&[1.0, 1.0], &[1.0, 2.0]), None);
    }
}
