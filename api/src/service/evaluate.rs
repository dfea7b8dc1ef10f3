//! Evaluation of the risk model on past weeks (ROC-AUC, PR-AUC, precision@k, Brier, calibration, selection rates),
//! and the feature export that feeds the outside benchmarks (bench/risk).

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::Path;

use analytics::{FEATURES, FeatureBuilder, FitSample, IsoWeek, ModelKind, RiskModel, TrainParams};

use crate::error::{AppError, AppResult};

use super::Service;

/// What to evaluate.
#[derive(Debug, Clone)]
pub struct EvaluateRequest<'a> {
    pub from: IsoWeek,
    pub to: IsoWeek,
    pub model: ModelKind,
    /// Outreach capacity per week (residents selected from the top).
    pub k: usize,
    /// An areas file (`community,…,urban_rural`) for selection rates by urban/rural.
    pub areas: Option<&'a Path>,
    /// A folder to write `features.csv` and `scores-<model>.csv` into.
    pub export: Option<&'a Path>,
}

/// One reliability bin: mean predicted probability and observed rate.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ReliabilityView {
    pub count: usize,
    pub mean_score: f64,
    pub observed_rate: f64,
}

/// Share of one group selected into the weekly top k.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SelectionView {
    pub attribute: String,
    pub group: String,
    pub resident_weeks: usize,
    pub selected: usize,
    pub rate: f64,
}

/// What `fanzha evaluate` reports.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct EvaluationView {
    pub from: String,
    pub to: String,
    pub model_version: String,
    pub trained_on: String,
    pub resident_weeks: usize,
    pub victims: usize,
    pub roc_auc: Option<f64>,
    pub pr_auc: Option<f64>,
    pub k_per_week: usize,
    pub precision_at_k: Option<f64>,
    pub recall_at_k: Option<f64>,
    pub brier: Option<f64>,
    pub calibration_error: Option<f64>,
    pub reliability: Vec<ReliabilityView>,
    pub selection_rates: Vec<SelectionView>,
    pub train_seconds: f64,
    pub fit_seconds: f64,
    pub fit_rows: usize,
    pub fit_victims: usize,
}

impl Service {
    /// Trains a model for `from` (data before it only) and evaluates it on `[from, to]`; with an areas file,
    /// selection rates are also reported by urban/rural (`unknown` for communities it does not list). With an
    /// export folder, also writes the feature matrix and the scores for outside benchmarks.
    pub fn evaluate(&self, req: &EvaluateRequest<'_>) -> AppResult<EvaluationView> {
        let (from, to) = (req.from, req.to);
        if to < from {
            return Err(AppError::invalid("invalid_range", "to", format!("{to} is before from {from}")));
        }
        let urban_rural_map = req.areas.map(read_urban_rural).transpose()?;
        let data = self.store()?.risk_inputs()?;
        let builder = FeatureBuilder::new(&data)?;
        let params = TrainParams::new(req.model);
        let clock = std::time::Instant::now();
        let model = RiskModel::train(&builder, from, &params)?;
        let train_seconds = clock.elapsed().as_secs_f64();
        if let Some(dir) = req.export {
            let sample = FitSample::draw(&builder, from, &params)?;
            export_features(dir, &builder, &model, &sample, from, to)?;
        }
        let urban_rural: Option<Vec<String>> = urban_rural_map.map(|map| {
            (0..builder.resident_ids().len())
                .map(|i| map.get(builder.community(i)).cloned().unwrap_or_else(|| "unknown".into()))
                .collect()
        });
        let extra: Vec<analytics::Grouping<'_>> = urban_rural
            .as_deref()
            .map(|g| analytics::Grouping { attribute: "urban_rural", groups: g })
            .into_iter()
            .collect();
        let e = analytics::evaluate(&builder, &model, from, to, req.k, &extra)?;
        Ok(EvaluationView {
            from: e.from.to_string(),
            to: e.to.to_string(),
            model_version: e.model_version,
            trained_on: format!(
                "{}..{} (calibrated {}..{})",
                model.fit_from(),
                model.calibrate_from(),
                model.calibrate_from(),
                from
            ),
            resident_weeks: e.rows,
            victims: e.victims,
            roc_auc: e.roc_auc,
            pr_auc: e.pr_auc,
            k_per_week: e.k,
            precision_at_k: e.precision_at_k,
            recall_at_k: e.recall_at_k,
            brier: e.brier,
            calibration_error: e.calibration_error,
            reliability: e
                .reliability
                .iter()
                .map(|b| ReliabilityView { count: b.count, mean_score: b.mean_score, observed_rate: b.observed_rate })
                .collect(),
            selection_rates: e
                .selection
                .iter()
                .map(|s| SelectionView {
                    attribute: s.attribute.to_string(),
                    group: s.group.clone(),
                    resident_weeks: s.residents,
                    selected: s.selected,
                    rate: s.rate,
                })
                .collect(),
            train_seconds,
            fit_seconds: model.fit_seconds(),
            fit_rows: model.fit_size().0,
            fit_victims: model.fit_size().1,
        })
    }
}

/// Reads `community → urban_rural` from an areas file (the generator's `areas.csv`: header with `community` and
/// `urban_rural`).
pub fn read_urban_rural(path: &Path) -> AppResult<HashMap<String, String>> {
    let file =
        |reason: String| AppError::invalid("invalid_areas_file", "areas", format!("{}: {reason}", path.display()));
    let mut reader = csv::Reader::from_path(path).map_err(|e| {
        AppError::invalid("invalid_areas_file", "areas", format!("cannot read areas file {}: {e}", path.display()))
    })?;
    let headers = reader.headers().map_err(|e| file(format!("cannot read the header: {e}")))?.clone();
    let col = |name: &str| headers.iter().position(|h| h.trim() == name);
    let (Some(c), Some(u)) = (col("community"), col("urban_rural")) else {
        return Err(file(format!("header must name community and urban_rural (found {headers:?})")));
    };
    let mut out = HashMap::new();
    for (i, rec) in reader.records().enumerate() {
        let rec = rec.map_err(|e| file(format!("line {}: unreadable row: {e}", i + 2)))?;
        match (rec.get(c), rec.get(u)) {
            (Some(c), Some(u)) if !c.trim().is_empty() => {
                out.insert(c.trim().to_string(), u.trim().to_string());
            }
            _ => return Err(file(format!("line {}: expected community and urban_rural values", i + 2))),
        }
    }
    Ok(out)
}

/// Writes the benchmark export of an evaluation into `dir`: `features.csv` (the rows the model was fitted on,
/// split `fit`, and every resident-week of `[from, to]`, split `test`; columns resident_id, week, split, the
/// features in [`FEATURES`] order, label) and `scores-<model>.csv` (resident_id, week, score of the test rows).
fn export_features(
    dir: &Path,
    builder: &FeatureBuilder,
    model: &RiskModel,
    sample: &FitSample,
    from: IsoWeek,
    to: IsoWeek,
) -> AppResult<()> {
    use std::io::Write as _;
    let io =
        |what: &Path, e: std::io::Error| AppError::internal(anyhow::anyhow!("cannot write {}: {e}", what.display()));
    std::fs::create_dir_all(dir).map_err(|e| io(dir, e))?;
    let features_path = dir.join("features.csv");
    let scores_path = dir.join(format!("scores-{}.csv", model.kind().code()));
    let open = |p: &Path| -> AppResult<std::io::BufWriter<std::fs::File>> {
        Ok(std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(p).map_err(|e| io(p, e))?))
    };
    let (mut f, mut sc) = (open(&features_path)?, open(&scores_path)?);
    let names: Vec<&str> = FEATURES.iter().map(|f| f.name).collect();
    writeln!(f, "resident_id,week,split,{},label", names.join(",")).map_err(|e| io(&features_path, e))?;
    writeln!(sc, "resident_id,week,score").map_err(|e| io(&scores_path, e))?;
    let ids = builder.resident_ids();
    let mut line = String::new();
    let mut row = |f: &mut std::io::BufWriter<std::fs::File>, id: &str, week: IsoWeek, split: &str, x: &[f64], y| {
        line.clear();
        let _ = write!(line, "{id},{week},{split}");
        for v in x {
            let _ = write!(line, ",{v}");
        }
        let _ = writeln!(line, ",{}", u8::from(y));
        f.write_all(line.as_bytes())
    };
    for (i, &(week, r)) in sample.rows.iter().enumerate() {
        let x = sample.x.row(i);
        row(&mut f, &ids[r], week, "fit", x.as_slice().unwrap_or(&x.to_vec()), sample.labels[i])
            .map_err(|e| io(&features_path, e))?;
    }
    for w in 0..=from.weeks_until(to) {
        let week = from.plus(w);
        let feats = builder.features(week);
        let labels = builder.labels(week);
        let scores = model.score(&feats.x);
        for (r, id) in ids.iter().enumerate() {
            let x = feats.x.row(r);
            row(&mut f, id, week, "test", x.as_slice().unwrap_or(&x.to_vec()), labels[r])
                .map_err(|e| io(&features_path, e))?;
            writeln!(sc, "{id},{week},{}", scores[r]).map_err(|e| io(&scores_path, e))?;
        }
    }
    f.flush().map_err(|e| io(&features_path, e))?;
    sc.flush().map_err(|e| io(&scores_path, e))?;
    Ok(())
}
