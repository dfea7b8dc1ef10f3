//! Out-of-time evaluation of a trained model over a range of weeks: discrimination, calibration, precision at the
//! outreach capacity and selection rates by sex and age band.

use std::collections::BTreeMap;

use super::error::RiskError;
use super::features::FeatureBuilder;
use super::metrics::{ReliabilityBin, brier, calibration, pr_auc, roc_auc};
use super::model::RiskModel;
use super::week::IsoWeek;

/// Share of one group selected into the weekly top k.
#[derive(Debug, Clone, PartialEq)]
pub struct SelectionRate {
    /// `sex` or `age_band`.
    pub attribute: &'static str,
    pub group: String,
    /// Resident-weeks of the group.
    pub residents: usize,
    pub selected: usize,
    pub rate: f64,
}

/// Metrics over the resident-weeks of `[from, to]`, scored by one model trained before `from`.
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluation {
    pub from: IsoWeek,
    pub to: IsoWeek,
    pub model_version: String,
    pub rows: usize,
    pub victims: usize,
    pub roc_auc: Option<f64>,
    pub pr_auc: Option<f64>,
    /// Outreach capacity per week.
    pub k: usize,
    /// Share of victims among each week's top k, pooled over the weeks.
    pub precision_at_k: Option<f64>,
    /// Share of the period's victims who were in their week's top k.
    pub recall_at_k: Option<f64>,
    pub brier: Option<f64>,
    /// Expected calibration error over 10 equal-count bins.
    pub calibration_error: Option<f64>,
    pub reliability: Vec<ReliabilityBin>,
    pub selection: Vec<SelectionRate>,
}

/// A grouping of residents for selection rates beyond sex and age band (e.g. `urban_rural`): one group label per
/// resident, in [`FeatureBuilder::resident_ids`] order.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Grouping<'a> {
    pub attribute: &'static str,
    pub groups: &'a [String],
}

/// Evaluates `model` on every week of `[from, to]` (inclusive). The model must have been trained for `from` or
/// earlier, so no evaluated week was seen in training. Selection rates are reported by sex, age band and each of
/// `extra`.
pub fn evaluate(
    builder: &FeatureBuilder,
    model: &RiskModel,
    from: IsoWeek,
    to: IsoWeek,
    k: usize,
    extra: &[Grouping<'_>],
) -> Result<Evaluation, RiskError> {
    let n = builder.resident_ids().len();
    if let Some(g) = extra.iter().find(|g| g.groups.len() != n) {
        return Err(RiskError::LengthMismatch {
            what: "selection-rate groups vs residents",
            left: g.groups.len(),
            right: n,
        });
    }
    if to < from {
        return Err(RiskError::InvalidParameter {
            name: "to",
            value: to.to_string(),
            reason: "the evaluation range ends before it starts",
        });
    }
    if model.target() > from {
        return Err(RiskError::InvalidParameter {
            name: "from",
            value: from.to_string(),
            reason: "the model was trained on data from this week or later (time-based split violated)",
        });
    }
    if k == 0 {
        return Err(RiskError::InvalidParameter { name: "k", value: "0".into(), reason: "must be at least 1" });
    }
    builder.check_week(from)?;
    builder.check_week(to)?;
    let (mut scores, mut labels) = (Vec::new(), Vec::new());
    let (mut top_hits, mut top_rows) = (0usize, 0usize);
    let mut groups: BTreeMap<(&'static str, String), (usize, usize)> = BTreeMap::new();
    let weeks = from.weeks_until(to) + 1;
    for w in 0..weeks {
        let week = from.plus(w);
        let feats = builder.features(week);
        let s = model.score(&feats.x);
        let y = builder.labels(week);
        let mut order: Vec<usize> = (0..s.len()).collect();
        order.sort_by(|&a, &b| s[b].total_cmp(&s[a]).then(a.cmp(&b)));
        let mut selected = vec![false; s.len()];
        for &i in order.iter().take(k) {
            selected[i] = true;
            top_rows += 1;
            top_hits += usize::from(y[i]);
        }
        for (i, &picked) in selected.iter().enumerate() {
            for (attr, group) in
                [("sex", builder.genders()[i].clone()), ("age_band", builder.age_band(i, week).to_string())]
            {
                let e = groups.entry((attr, group)).or_default();
                e.0 += 1;
                e.1 += usize::from(picked);
            }
            for g in extra {
                let e = groups.entry((g.attribute, g.groups[i].clone())).or_default();
                e.0 += 1;
                e.1 += usize::from(picked);
            }
        }
        scores.extend(s);
        labels.extend(y);
    }
    let victims = labels.iter().filter(|&&l| l).count();
    let (reliability, ece) = calibration(&scores, &labels, 10).map_or((Vec::new(), None), |(b, e)| (b, Some(e)));
    Ok(Evaluation {
        from,
        to,
        model_version: model.version().to_string(),
        rows: scores.len(),
        victims,
        roc_auc: roc_auc(&scores, &labels),
        pr_auc: pr_auc(&scores, &labels),
        k,
        precision_at_k: (top_rows > 0).then(|| top_hits as f64 / top_rows as f64),
        recall_at_k: (victims > 0).then(|| top_hits as f64 / victims as f64),
        brier: brier(&scores, &labels),
        calibration_error: ece,
        reliability,
        selection: groups
            .into_iter()
            .map(|((attribute, group), (residents, selected))| SelectionRate {
                attribute,
                group,
                residents,
                selected,
                rate: selected as f64 / residents.max(1) as f64,
            })
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::risk::features::tests::toy_data;
    use crate::risk::model::{ModelKind, TrainParams};

    #[test]
    fn evaluation_respects_the_time_split_and_counts_selection() {
        let start = IsoWeek::parse("2026-W01").unwrap();
        let data = toy_data(400, start, 24, 11);
        let b = FeatureBuilder::new(&data).unwrap();
        let target = start.plus(18);
        let params = TrainParams {
            fit_weeks: 10,
            calibration_weeks: 4,
            negative_rate: 0.5,
            ..TrainParams::new(ModelKind::Logistic)
        };
        let m = RiskModel::train(&b, target, &params).unwrap();
        let area: Vec<String> =
            (0..400).map(|i| if i % 4 == 0 { "rural".to_string() } else { "urban".to_string() }).collect();
        let extra = [Grouping { attribute: "urban_rural", groups: &area }];
        let e = evaluate(&b, &m, target, target.plus(3), 40, &extra).unwrap();
        let urban: usize = e.selection.iter().filter(|s| s.attribute == "urban_rural").map(|s| s.selected).sum();
        assert_eq!(urban, 4 * 40);
        let rural = e.selection.iter().find(|s| s.group == "rural").unwrap();
        assert_eq!(rural.residents, 4 * 100);
        let short = [Grouping { attribute: "urban_rural", groups: &area[..10] }];
        assert!(matches!(evaluate(&b, &m, target, target.plus(3), 40, &short), Err(RiskError::LengthMismatch { .. })));
        assert_eq!(e.rows, 4 * 400);
        assert!(e.roc_auc.unwrap() > 0.5, "{e:?}");
        let sex: usize = e.selection.iter().filter(|s| s.attribute == "sex").map(|s| s.selected).sum();
        assert_eq!(sex, 4 * 40);
        assert_eq!(e.reliability.iter().map(|b| b.count).sum::<usize>(), e.rows);
        // Evaluating weeks the model trained on is refused.
        let err = evaluate(&b, &m, target.plus(-1), target, 40, &[]).unwrap_err();
        assert!(err.to_string().contains("time-based split"), "{err}");
        assert!(evaluate(&b, &m, target.plus(2), target, 40, &[]).is_err());
    }
}
