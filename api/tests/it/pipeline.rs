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
    assert_eq!(count(&c, "SELECT count(*) FROM risk_snapshots"), 1);
    assert_eq!(count(&c, "SELECT count(*) FROM gang_runs"), 2);
    assert_eq!(count(&c, "SELECT count(*) FROM reports"), reports);
}
