//! `fanzha score` / `fanzha scores`: snapshots are written once, re-runs are no-ops, bad input gives named errors.

use std::path::Path;

use datasets::generate::{Config, MemorySink, generate};

use crate::{count, fanzha, ingest, store};

/// A small generated district with a raised incidence so a few months hold enough victims to train on.
fn district(dir: &Path, incidence: f64) {
    let mut cfg = Config::new(4_000, 30, 3);
    cfg.rates.incidence_per_10k_year = incidence;
    let cfg = cfg.validate().unwrap();
    let mut sink = MemorySink::new();
    generate(&cfg, &mut sink, &mut |_| {}).unwrap();
    for (name, body) in sink.files() {
        if !name.contains('/') {
            std::fs::write(dir.join(name), body).unwrap();
        }
    }
}

/// A generated district (in `src`) ingested into a fresh data folder (`data`).
fn ingested(incidence: f64) -> (tempfile::TempDir, tempfile::TempDir) {
    let src = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    district(src.path(), incidence);
    ingest(src.path(), data.path());
    (src, data)
}

fn run(data: &Path, args: &[&str]) -> (bool, String, String) {
    let out = fanzha(data, args);
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn score_writes_an_immutable_snapshot_and_reruns_are_no_ops() {
    let (src, data) = ingested(200.0);
    // The generated period starts 2025-12-01 (2025-W49); 30 weeks end in 2026-W26.
    let (ok, out, err) = run(data.path(), &["score", "--week", "2026-W26"]);
    assert!(ok, "{err}");
    assert!(out.contains("snapshot 1 written: 4000 residents"), "{out}");
    let c = store(data.path());
    assert_eq!(count(&c, "SELECT COUNT(*) FROM risk_scores WHERE snapshot_id = 1"), 4000);
    assert_eq!(count(&c, "SELECT COUNT(*) FROM risk_scores WHERE decile = 1"), 400);
    assert_eq!(count(&c, "SELECT COUNT(*) FROM risk_scores WHERE score < 0 OR score > 1"), 0);
    assert_eq!(count(&c, "SELECT SUM(residents) FROM risk_communities WHERE snapshot_id = 1"), 4000);
    let before: Vec<(String, f64)> = c
        .prepare("SELECT resident_id, score FROM risk_scores ORDER BY resident_id")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    // Same week, same data: the same model version and a no-op.
    let (ok, out, err) = run(data.path(), &["score", "--week", "2026-W26"]);
    assert!(ok, "{err}");
    assert!(out.contains("already exists on the same data: no-op"), "{out}");
    assert_eq!(count(&c, "SELECT COUNT(*) FROM risk_snapshots"), 1);
    // Another model: a new snapshot beside the first.
    let (ok, out, err) = run(data.path(), &["score", "--week", "2026-W26", "--model", "forest"]);
    assert!(ok, "{err}");
    assert!(out.contains("snapshot 2 written") && out.contains("forest-"), "{out}");
    // The forest is deterministic too: a re-run (a new process) is a no-op.
    let (ok, out, err) = run(data.path(), &["score", "--week", "2026-W26", "--model", "forest"]);
    assert!(ok, "{err}");
    assert!(out.contains("snapshot 2 for 2026-W26") && out.contains("no-op"), "{out}");
    let after: Vec<(String, f64)> = c
        .prepare("SELECT resident_id, score FROM risk_scores WHERE snapshot_id = 1 ORDER BY resident_id")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(before, after);
    // Snapshots cannot be changed.
    assert!(c.execute("UPDATE risk_scores SET score = 0", []).is_err());
    assert!(c.execute("DELETE FROM risk_snapshots", []).is_err());
    // Reading: the latest snapshot of the week, top N, one community, JSON, one resident.
    let (ok, out, err) = run(data.path(), &["scores", "--week", "2026-W26", "--top", "3", "--json"]);
    assert!(ok, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["snapshot_id"], 2);
    assert_eq!(v["rows"].as_array().unwrap().len(), 3);
    assert_eq!(v["rows"][0]["rank"], 1);
    assert!(v["rows"][0]["reasons"].as_array().unwrap().len() <= 3);
    // Reasons are stored compactly (migration V4) and read back with both labels of the side that applies.
    assert_eq!(count(&c, "SELECT COUNT(*) FROM risk_snapshots WHERE reasons_format <> 2"), 0);
    assert_eq!(count(&c, "SELECT COUNT(*) FROM risk_scores WHERE reasons LIKE '[%'"), 0);
    let (ok, out, err) = run(data.path(), &["scores", "--week", "2026-W26", "--top", "50", "--json"]);
    assert!(ok, "{err}");
    let v50: serde_json::Value = serde_json::from_str(&out).unwrap();
    let shown: Vec<&serde_json::Value> =
        v50["rows"].as_array().unwrap().iter().flat_map(|r| r["reasons"].as_array().unwrap()).collect();
    assert!(!shown.is_empty());
    for r in shown {
        let spec = analytics::FEATURES.iter().find(|f| f.name == r["feature"]).unwrap();
        let labels = (r["zh"].as_str().unwrap(), r["en"].as_str().unwrap());
        assert!(labels == (spec.high_zh, spec.high_en) || labels == (spec.low_zh, spec.low_en), "{r}");
        assert!(r["contribution"].as_f64().unwrap() >= 0.0, "{r}");
    }
    let version: String =
        c.query_row("SELECT model_version FROM risk_snapshots WHERE snapshot_id = 1", [], |r| r.get(0)).unwrap();
    let community: String = c.query_row("SELECT community FROM risk_scores LIMIT 1", [], |r| r.get(0)).unwrap();
    let (ok, out, err) =
        run(data.path(), &["scores", "--week", "2026-W26", "--model-version", &version, "--community", &community]);
    assert!(ok, "{err}");
    assert!(out.contains(&version) && out.contains(&community), "{out}");
    let (ok, out, _) = run(data.path(), &["scores", "--week", "2026-W26", "--resident", &before[0].0]);
    assert!(ok && out.contains(&before[0].0), "{out}");
    // Area statistics with the generator's adjacency, and an out-of-time evaluation.
    let adjacency = src.path().join("adjacency.csv");
    let (ok, out, err) =
        run(data.path(), &["areas", "--week", "2026-W25", "--adjacency", adjacency.to_str().unwrap(), "--json"]);
    assert!(ok, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let rows = v["communities"].as_array().unwrap();
    let residents = count(&c, "SELECT COUNT(DISTINCT community) FROM residents");
    assert_eq!(rows.len() as i64, residents);
    let cases: u64 = rows.iter().map(|r| r["cases"].as_u64().unwrap()).sum();
    let local = count(
        &c,
        "SELECT COUNT(*) FROM reports WHERE reported_week = '2026-W25'
         AND district IN (SELECT district FROM residents)",
    );
    assert_eq!(cases as i64, local);
    assert!(v["unknown_adjacency"].as_array().unwrap().is_empty());
    let svg = src.path().join("reliability.svg");
    let areas = src.path().join("areas.csv");
    let (ok, out, err) = run(
        data.path(),
        &[
            "evaluate",
            "--from",
            "2026-W22",
            "--to",
            "2026-W25",
            "--k",
            "40",
            "--json",
            "--svg",
            svg.to_str().unwrap(),
            "--areas",
            areas.to_str().unwrap(),
        ],
    );
    assert!(ok, "{err}");
    let plot = std::fs::read_to_string(&svg).unwrap();
    assert!(plot.starts_with("<svg") && plot.matches("<circle").count() == 10, "{plot}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["resident_weeks"], 4 * 4000);
    let auc = v["roc_auc"].as_f64().unwrap();
    assert!((0.0..=1.0).contains(&auc));
    let selected: u64 = v["selection_rates"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["attribute"] == "sex")
        .map(|r| r["selected"].as_u64().unwrap())
        .sum();
    assert_eq!(selected, 4 * 40);
    let urban_rural: Vec<&serde_json::Value> =
        v["selection_rates"].as_array().unwrap().iter().filter(|r| r["attribute"] == "urban_rural").collect();
    assert!(!urban_rural.is_empty() && urban_rural.iter().all(|r| r["group"] != "unknown"), "{urban_rural:?}");
    assert_eq!(urban_rural.iter().map(|r| r["selected"].as_u64().unwrap()).sum::<u64>(), 4 * 40);
    // Bad input: named errors, no panics.
    for (args, needle) in [
        (
            vec!["areas", "--week", "2026-W25", "--adjacency", "/no/such/adjacency.csv"],
            "cannot read adjacency file /no/such/adjacency.csv",
        ),
        (vec!["evaluate", "--from", "2026-W25", "--to", "2026-W22"], "to: 2026-W22 is before from 2026-W25"),
        (
            vec!["evaluate", "--from", "2026-W22", "--to", "2026-W25", "--areas", "/no/areas.csv"],
            "cannot read areas file /no/areas.csv",
        ),
        (vec!["scores", "--week", "2026-W26", "--resident", "P9999999"], "\"P9999999\" is missing from snapshot 2"),
        (vec!["scores", "--week", "2026-W20"], "no risk snapshot for 2026-W20; scored weeks: 2026-W26"),
        (vec!["scores", "--week", "2026-W26", "--community", "nowhere"], "community \"nowhere\" is not in snapshot"),
        (vec!["score", "--week", "2026/26"], "week \"2026/26\" is not an ISO week"),
        (vec!["score", "--week", "2027-W40"], "week 2027-W40 has no data"),
        (vec!["score", "--week", "2026-W26", "--model", "xgboost"], "`logistic` or `forest`"),
    ] {
        let (ok, _, err) = run(data.path(), &args);
        assert!(!ok, "{args:?} should fail");
        assert!(err.contains(needle), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{err}");
    }
}

#[test]
fn snapshots_written_before_compact_reasons_still_read() {
    let (_src, data) = ingested(200.0);
    // A snapshot as schema version 3 wrote it: reasons_format defaults to 1, a JSON array per row.
    let c = store(data.path());
    c.execute_batch(
        r#"INSERT INTO risk_snapshots (week, model_kind, model_version, data_digest, data_cutoff, fit_from,
               calibrate_from, fit_rows, fit_victims, platt_a, platt_b, params, residents, created_at)
           VALUES ('2026-W20', 'logistic', 'logistic-0000000000000001', 'd', 0, '2026-W01', '2026-W16', 10, 1,
               1.0, 0.0, 'p', 1, 0);
           INSERT INTO risk_scores (snapshot_id, resident_id, community, score, decile, rank, reasons)
               VALUES (1, 'P0000001', 'c1', 0.5, 1, 1,
               '[{"contribution":1.9594,"en":"lives alone","feature":"lives_alone","zh":"独居"}]');
           INSERT INTO risk_communities VALUES (1, 'c1', 1, 0.5, 0.5, 1);"#,
    )
    .unwrap();
    assert_eq!(count(&c, "SELECT reasons_format FROM risk_snapshots"), 1);
    let (ok, out, err) = run(data.path(), &["scores", "--week", "2026-W20", "--json"]);
    assert!(ok, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        v["rows"][0]["reasons"],
        serde_json::json!([{"contribution": 1.9594, "en": "lives alone", "feature": "lives_alone", "zh": "独居", "high": true}]),
        "the side is the one whose label was stored"
    );
    let (ok, out, err) = run(data.path(), &["scores", "--week", "2026-W20"]);
    assert!(ok && out.contains("独居 (lives alone)"), "{out}{err}");
}

#[test]
fn a_training_window_without_victims_is_a_clear_error() {
    let (_src, data) = ingested(1.0);
    let (ok, _, err) = run(data.path(), &["score", "--week", "2026-W15"]);
    assert!(!ok);
    assert!(err.contains("only one class: 0 victims"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn gang_numbers_come_from_the_latest_cluster_run_and_evaluate_exports_the_same_rows() {
    let (src, data) = ingested(200.0);
    let s = api::store::Store::open_existing(data.path()).unwrap();
    assert!(s.risk_inputs().unwrap().gang_numbers.is_empty(), "no clustering run yet");
    let (ok, _, err) = run(data.path(), &["clusters", "run"]);
    assert!(ok, "{err}");
    let gang = s.risk_inputs().unwrap().gang_numbers;
    assert!(!gang.is_empty());
    // Each number is known from a member report's filing time, never before its cluster's second report.
    let c = store(data.path());
    let member_times: std::collections::HashSet<i64> = c
        .prepare("SELECT r.reported_at FROM gang_members m JOIN reports r ON r.report_id = m.report_id")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let earliest_second: i64 = c
        .query_row(
            "SELECT MIN(t) FROM (SELECT (SELECT r.reported_at FROM gang_members m2 JOIN reports r
                 ON r.report_id = m2.report_id WHERE m2.cluster_id = m.cluster_id ORDER BY r.reported_at
                 LIMIT 1 OFFSET 1) AS t FROM gang_members m GROUP BY m.cluster_id HAVING COUNT(*) >= 2)",
            [],
            |r| r.get(0),
        )
        .unwrap();
    for g in &gang {
        assert!(member_times.contains(&g.known_at), "{g:?}");
        assert!(g.known_at >= earliest_second, "{g:?} known before any cluster had two reports");
        assert!(g.phone.starts_with("tel:+"), "{g:?}: hubs such as bank hotlines are not gang numbers");
    }
    // The export: the fitting rows and every evaluated resident-week, with the gang columns; and the scores.
    let export = src.path().join("export");
    let (ok, out, err) = run(
        data.path(),
        &[
            "evaluate",
            "--from",
            "2026-W22",
            "--to",
            "2026-W25",
            "--json",
            "--export-features",
            export.to_str().unwrap(),
        ],
    );
    assert!(ok, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert!(v["fit_seconds"].as_f64().unwrap() <= v["train_seconds"].as_f64().unwrap());
    let features = std::fs::read_to_string(export.join("features.csv")).unwrap();
    let mut lines = features.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    assert_eq!(header.len(), 3 + analytics::N_FEATURES + 1);
    assert_eq!(header[..3], ["resident_id", "week", "split"]);
    let gang_col = header.iter().position(|h| *h == "gang_contacts_30d").unwrap();
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    let fit = rows.iter().filter(|r| r[2] == "fit").count();
    let test = rows.iter().filter(|r| r[2] == "test").count();
    assert_eq!(fit as u64, v["fit_rows"].as_u64().unwrap());
    assert_eq!(test, 4 * 4000);
    let fit_victims = rows.iter().filter(|r| r[2] == "fit" && r[header.len() - 1] == "1").count();
    assert_eq!(fit_victims as u64, v["fit_victims"].as_u64().unwrap());
    let test_victims = rows.iter().filter(|r| r[2] == "test" && r[header.len() - 1] == "1").count();
    assert_eq!(test_victims as u64, v["victims"].as_u64().unwrap());
    assert!(rows.iter().any(|r| r[gang_col].parse::<f64>().unwrap() > 0.0), "some gang exposure is exported");
    let scores = std::fs::read_to_string(export.join("scores-logistic.csv")).unwrap();
    assert_eq!(scores.lines().count(), 1 + 4 * 4000);
    let (ok, out, err) = run(data.path(), &["evaluate", "--from", "2026-W22", "--to", "2026-W25", "--model", "forest"]);
    assert!(ok, "{err}");
    // The forest fits on its balanced subsample: fewer rows than the logistic, the same victims.
    let victims = v["fit_victims"].as_u64().unwrap();
    assert!(out.contains(&format!("rows ({victims} victims) · train")) && out.contains("learner fit"), "{out}");
}
