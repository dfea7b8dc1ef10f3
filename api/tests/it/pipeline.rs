//! `fanzha pipeline`: the weekly main job end to end, and re-running it.

use crate::*;

#[test]
fn pipeline_ingests_indexes_clusters_scores_and_reruns_safely() {
    let data = tempfile::tempdir().unwrap();
    let run = || fanzha(data.path(), &["pipeline", "--synthetic", "30000", "--weeks", "52", "--seed", "3"]);
    let out = run();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(data.path().join("index/cases/meta.json").exists(), "no case index: {stdout}");
    assert!(stdout.contains("gang clusters:"), "{stdout}");
    assert!(stdout.contains("万人发案率"), "{stdout}");
    // The outreach steps say what they did: warnings raised, and the week's plan drafted for a person to approve.
    assert!(stdout.contains("urgent warnings: "), "{stdout}");
    assert!(stdout.contains("outreach plan 1 drafted for") && stdout.contains("fanzha outreach approve 1"), "{stdout}");
    let c = store(data.path());
    let reports = count(&c, "SELECT count(*) FROM reports");
    assert!(reports > 0);
    assert_eq!(count(&c, "SELECT count(*) FROM gang_runs"), 1);
    // The snapshot is for the week after the latest report, and covers every resident.
    assert_eq!(count(&c, "SELECT count(*) FROM risk_snapshots"), 1, "{stdout}");
    let residents = count(&c, "SELECT count(*) FROM residents");
    assert_eq!(count(&c, "SELECT count(*) FROM risk_scores"), residents);
    let search = fanzha(data.path(), &["search", "刷单 OR 客服", "--json"]);
    assert_eq!(search.status.code(), Some(0), "{}", String::from_utf8_lossy(&search.stderr));

    // Again on the same data: nothing new is ingested or indexed, the snapshot is not written twice, and the new
    // clustering run keeps the ids.
    let again = run();
    let stdout = String::from_utf8_lossy(&again.stdout).into_owned();
    assert_eq!(again.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("0 added, 0 updated, 0 deleted"), "{stdout}");
    assert!(stdout.contains("no-op"), "{stdout}");
    assert!(stdout.contains("outreach plan: skipped: week") && stdout.contains("already has plan 1"), "{stdout}");
    assert_eq!(count(&c, "SELECT count(*) FROM risk_snapshots"), 1);
    assert_eq!(count(&c, "SELECT count(*) FROM gang_runs"), 2);
    assert_eq!(count(&c, "SELECT count(*) FROM reports"), reports);
}

#[test]
fn a_failed_step_fails_the_run_keeps_earlier_results_and_a_rerun_succeeds() {
    use api::error::Kind;
    use api::service::Service;
    use api::service::page::Limit;
    use api::service::pipeline::PipelineInput;
    use api::service::progress::Silent;
    use api::store::Trigger;

    // A raised incidence, so the weeks before the last hold victims to train on.
    let src = generated_district(4_000, 30, 3, Some(150.0));
    let data = tempfile::tempdir().unwrap();
    let svc = Service::new(data.path());
    let input = PipelineInput::Folder(src.path().to_path_buf());
    let first = svc.run_pipeline(&input, Trigger::Cli, &Silent).unwrap();
    assert!(first.failure.is_none(), "{:?}", first.failure);
    assert_eq!(first.run.status, "done");
    let steps: Vec<(&str, &str)> = first.run.steps.iter().map(|s| (s.step, s.status)).collect();
    assert_eq!(
        steps,
        [
            ("ingest", "done"),
            ("index", "done"),
            ("clusters", "done"),
            ("score", "done"),
            ("stats", "done"),
            ("warnings", "done"),
            ("outreach_plan", "done")
        ]
    );
    // The week's plan is drafted for a person to approve; a re-run does not draft another.
    let plan = first.outreach_plan.as_ref().unwrap();
    assert_eq!(
        (plan.status.as_str(), plan.week.as_str()),
        ("draft", first.run.steps[3].counts["week"].as_str().unwrap())
    );
    let c = store(data.path());
    let snapshots = count(&c, "SELECT count(*) FROM risk_snapshots");
    assert_eq!(snapshots, 1);

    // The case index cannot be written (a file stands where its folder goes): the run fails at the index step,
    // clustering and scoring do not run, and last run's clusters and snapshot stay.
    let idx = data.path().join("index/cases");
    std::fs::remove_dir_all(&idx).unwrap();
    std::fs::write(&idx, "not a folder").unwrap();
    let failed = svc.run_pipeline(&input, Trigger::Schedule, &Silent).unwrap();
    assert_eq!(failed.run.status, "failed");
    assert_eq!(failed.failure.as_ref().map(|e| e.kind()), Some(Kind::Internal));
    let steps: Vec<(&str, &str)> = failed.run.steps.iter().map(|s| (s.step, s.status)).collect();
    assert_eq!(steps, [("ingest", "done"), ("index", "failed")]);
    let error = failed.run.steps[1].error.as_deref().unwrap();
    assert!(error.contains("index/cases"), "{error}");
    assert_eq!(count(&c, "SELECT count(*) FROM risk_snapshots"), snapshots);
    assert_eq!(count(&c, "SELECT count(*) FROM gang_runs"), 1);

    std::fs::remove_file(&idx).unwrap();
    let again = svc.run_pipeline(&input, Trigger::Cli, &Silent).unwrap();
    assert_eq!(again.run.status, "done", "{:?}", again.failure);
    let last = again.run.steps.last().unwrap();
    assert_eq!((last.step, last.status), ("outreach_plan", "skipped"));
    assert_eq!(count(&c, "SELECT count(*) FROM outreach_plans"), 1);
    // The same data: the snapshot is not written twice.
    assert_eq!(count(&c, "SELECT count(*) FROM risk_snapshots"), snapshots);

    let runs = svc.pipeline_runs(Limit::new(10, 200).unwrap(), None).unwrap();
    insta::assert_json_snapshot!("pipeline_runs", runs, {
        ".items[].input" => "[input]",
        ".items[].started_at" => "[time]",
        ".items[].finished_at" => "[time]",
        ".items[].seconds" => "[seconds]",
        ".items[].steps[].started_at" => "[time]",
        ".items[].steps[].finished_at" => "[time]",
        ".items[].steps[].seconds" => "[seconds]",
        // Only the failed step has an error; its message names temporary paths.
        ".items[].steps[].error" => insta::dynamic_redaction(|v, _| if v.as_str().is_some() { "[error]".into() } else { v }),
        ".items[].steps[].counts.modularity" => insta::rounded_redaction(4),
    });
    let page = svc.pipeline_runs(Limit::new(2, 200).unwrap(), None).unwrap();
    assert_eq!(page.items.iter().map(|r| r.status).collect::<Vec<_>>(), ["done", "failed"]);
    let rest = svc.pipeline_runs(Limit::new(2, 200).unwrap(), page.next_cursor.as_deref()).unwrap();
    assert_eq!((rest.items.len(), rest.next_cursor.as_deref(), rest.total), (1, None, 3));
    let err = svc.pipeline_runs(Limit::new(2, 200).unwrap(), Some("x")).unwrap_err();
    assert_eq!((err.kind(), err.code()), (Kind::Invalid, "invalid_cursor"));
}
