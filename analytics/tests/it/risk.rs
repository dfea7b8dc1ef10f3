//! Integration test of the risk scorer on a generated district: train on earlier weeks, score the last eight,
//! compare with the generator's truth.

use std::collections::HashMap;

use analytics::{
    FeatureBuilder, IsoWeek, ModelKind, RiskData, RiskModel, TrainParams, deciles, evaluate, roc_auc, spearman,
};
use datasets::Table;
use datasets::generate::{Config, MemorySink, generate};
use datasets::read::TableReader;

const RESIDENTS: u32 = 30_000;
const WEEKS: u32 = 52;
const TRUTH_WEEKS: u32 = 8;
/// 万人发案率 of the test district. The domain default (12 per 10,000 a year) gives ~5 victims in eight weeks of
/// 30,000 residents: too few to measure a ROC-AUC. At 150 the held-out weeks hold a few dozen.
const INCIDENCE_PER_10K_YEAR: f64 = 150.0;

/// Generates the district into a temporary folder and reads it back through the validating reader.
fn district() -> (RiskData, HashMap<(String, u32), f64>, IsoWeek) {
    let mut cfg = Config::new(RESIDENTS, WEEKS, 5);
    cfg.rates.incidence_per_10k_year = INCIDENCE_PER_10K_YEAR;
    let start = IsoWeek::of_timestamp(cfg.start.and_hms_opt(12, 0, 0).expect("noon exists").and_utc().timestamp());
    let cfg = cfg.validate().expect("valid config");
    let mut sink = MemorySink::new();
    let t0 = std::time::Instant::now();
    generate(&cfg, &mut sink, &mut |_| {}).expect("generates");
    println!("generated in {:?}", t0.elapsed());
    let files = sink.files();
    let dir = tempfile::tempdir().expect("temp dir");
    let mut records = Vec::new();
    for table in [Table::Residents, Table::Reports, Table::Contacts, Table::Outreach] {
        let name = format!("{}.csv", table.name());
        let path = dir.path().join(&name);
        std::fs::write(&path, &files[&name]).expect("write");
        for row in TableReader::open(table, &path).expect("open") {
            records.push(row.expect("generated rows are valid").1);
        }
    }
    println!("read back in {:?}", t0.elapsed());
    let mut truth = HashMap::new();
    let text = String::from_utf8(files["truth/resident_risk.csv"].clone()).expect("utf-8");
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().expect("header").split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).expect("column");
    let (id, week, none) = (col("resident_id"), col("week"), col("risk_none"));
    for line in lines {
        let f: Vec<&str> = line.split(',').collect();
        truth.insert((f[id].to_string(), f[week].parse().expect("week")), f[none].parse().expect("risk"));
    }
    (RiskData::from_records(records), truth, start)
}

#[test]
fn risk_model_ranks_held_out_weeks_on_a_generated_district() {
    let t0 = std::time::Instant::now();
    let (data, truth, start) = district();
    let builder = FeatureBuilder::new(&data).expect("builder");
    let first_truth = WEEKS - TRUTH_WEEKS;
    let target = start.plus(i64::from(first_truth));
    let params = TrainParams { negative_rate: 0.02, ..TrainParams::new(ModelKind::Logistic) };
    let model = RiskModel::train(&builder, target, &params).expect("trains");
    let (rows, victims) = model.fit_size();
    println!("generated + built in {:?}; fitted on {rows} rows ({victims} victims)", t0.elapsed());
    println!("coefficients: {:?}", model.coefficients());
    let (mut all_scores, mut all_labels, mut all_truth) = (Vec::new(), Vec::new(), Vec::new());
    let (mut victims_next, mut victims_top) = (0usize, 0usize);
    for k in 0..TRUTH_WEEKS {
        let week = target.plus(i64::from(k));
        let feats = builder.features(week);
        let scores = model.score(&feats.x);
        let labels = builder.labels(week);
        let dec = deciles(&scores);
        for (i, id) in builder.resident_ids().iter().enumerate() {
            if labels[i] {
                victims_next += 1;
                victims_top += usize::from(dec[i] == 1);
            }
            all_truth.push(truth[&(id.clone(), first_truth + k)]);
        }
        all_scores.extend(scores);
        all_labels.extend(labels);
    }
    let auc = roc_auc(&all_scores, &all_labels).expect("both classes in the held-out weeks");
    let rho = spearman(&all_scores, &all_truth).expect("non-constant");
    let top_share = victims_top as f64 / victims_next as f64;
    println!(
        "held-out {}..{}: ROC-AUC {auc:.4}, Spearman(score, risk_none) {rho:.4}, victims {victims_next}, \
         share in top decile {top_share:.3}; total {:?}",
        target,
        target.plus(i64::from(TRUTH_WEEKS) - 1),
        t0.elapsed()
    );
    // The challenger on the same split, with an out-of-time evaluation through the library.
    let t1 = std::time::Instant::now();
    let forest =
        RiskModel::train(&builder, target, &TrainParams { kind: ModelKind::Forest, trees: 20, ..params.clone() })
            .expect("forest");
    let e = evaluate(&builder, &forest, target, target.plus(i64::from(TRUTH_WEEKS) - 1), 300, &[]).expect("evaluates");
    let forest_auc = e.roc_auc.expect("both classes");
    println!(
        "forest ({:?}): ROC-AUC {forest_auc:.4}, PR-AUC {:.4}, precision@300 {:.4}, Brier {:.6}, ECE {:.6}",
        t1.elapsed(),
        e.pr_auc.unwrap_or(f64::NAN),
        e.precision_at_k.unwrap_or(f64::NAN),
        e.brier.unwrap_or(f64::NAN),
        e.calibration_error.unwrap_or(f64::NAN)
    );
    let logistic =
        evaluate(&builder, &model, target, target.plus(i64::from(TRUTH_WEEKS) - 1), 300, &[]).expect("evaluates");
    assert_eq!(logistic.roc_auc, Some(auc), "the library evaluation agrees with the direct computation");
    println!(
        "logistic: PR-AUC {:.4}, precision@300 {:.4}, Brier {:.6}, ECE {:.6}",
        logistic.pr_auc.unwrap_or(f64::NAN),
        logistic.precision_at_k.unwrap_or(f64::NAN),
        logistic.brier.unwrap_or(f64::NAN),
        logistic.calibration_error.unwrap_or(f64::NAN)
    );
    assert!(forest_auc > 0.6, "forest ROC-AUC {forest_auc}");
    assert!(auc > 0.6, "ROC-AUC {auc}");
    assert!(rho > 0.0, "Spearman {rho}");
    assert!(top_share > 0.1, "top-decile share {top_share} should beat random (0.1)");
}
