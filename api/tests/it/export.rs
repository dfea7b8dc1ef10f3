//! `fanzha export`: typed Parquet files that read back with the store's row counts, schemas and values.

use std::collections::BTreeMap;
use std::fs::File;

use arrow_array::cast::AsArray;
use arrow_array::types::{Int64Type, TimestampMillisecondType};
use arrow_array::{Array, RecordBatch};
use arrow_schema::{DataType, TimeUnit};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

use crate::*;

/// Every row of a Parquet file, in record batches.
fn read(path: &Path) -> Vec<RecordBatch> {
    let reader = ParquetRecordBatchReaderBuilder::try_new(File::open(path).unwrap()).unwrap().build().unwrap();
    reader.map(Result::unwrap).collect()
}

fn rows(batches: &[RecordBatch]) -> i64 {
    batches.iter().map(|b| b.num_rows() as i64).sum()
}

#[test]
fn export_writes_every_table_typed_and_a_rerun_replaces_them() {
    use api::service::Service;
    use api::service::export::ExportTable;
    use api::service::pipeline::PipelineInput;
    use api::service::progress::Silent;
    use api::store::Trigger;

    let src = generated_district(4_000, 30, 5, Some(150.0));
    let data = tempfile::tempdir().unwrap();
    let run = Service::new(data.path())
        .run_pipeline(&PipelineInput::Folder(src.path().to_path_buf()), Trigger::Cli, &Silent)
        .unwrap();
    assert!(run.failure.is_none(), "{:?}", run.failure);
    let c = store(data.path());
    // One urgent task's first step done, so the outcome and the task's step figures are exported.
    let task: Option<String> = c.query_row("SELECT min(task_id) FROM outreach_tasks", [], |r| r.get(0)).unwrap();
    let task = task.expect("the pipeline raised a warning with its task");
    let rec = fanzha(data.path(), &["outreach", "record", "--task", &task, "--outcome", "reached"]);
    assert_eq!(rec.status.code(), Some(0), "{}", String::from_utf8_lossy(&rec.stderr));
    let out = data.path().join("export");
    let export = || fanzha(data.path(), &["export", "--format", "parquet", "--out", out.to_str().unwrap(), "--json"]);
    let first = export();
    assert_eq!(first.status.code(), Some(0), "{}", String::from_utf8_lossy(&first.stderr));
    let view: serde_json::Value = serde_json::from_slice(&first.stdout).unwrap();
    let run_id = count(&c, "SELECT MAX(gang_run_id) FROM gang_runs");
    assert_eq!(view["gang_run_id"], run_id);

    // Row counts as in the store (the gang tables: the latest run's rows).
    let expected: BTreeMap<&str, i64> = [
        ("residents", count(&c, "SELECT count(*) FROM residents")),
        ("reports", count(&c, "SELECT count(*) FROM reports")),
        ("transfers", count(&c, "SELECT count(*) FROM transfers")),
        ("contacts", count(&c, "SELECT count(*) FROM contacts")),
        ("outreach", count(&c, "SELECT count(*) FROM outreach")),
        (
            "gang_clusters",
            count(&c, &format!("SELECT count(DISTINCT cluster_id) FROM gang_members WHERE gang_run_id = {run_id}")),
        ),
        ("gang_members", count(&c, &format!("SELECT count(*) FROM gang_members WHERE gang_run_id = {run_id}"))),
        ("gang_services", count(&c, &format!("SELECT count(*) FROM gang_services WHERE gang_run_id = {run_id}"))),
        ("risk_scores", count(&c, "SELECT count(*) FROM risk_scores")),
        ("risk_snapshots", count(&c, "SELECT count(*) FROM risk_snapshots")),
        ("outreach_plans", count(&c, "SELECT count(*) FROM outreach_plans")),
        ("outreach_assignments", count(&c, "SELECT count(*) FROM outreach_assignments")),
        ("warnings", count(&c, "SELECT count(*) FROM warnings")),
        ("outreach_tasks", count(&c, "SELECT count(*) FROM outreach_tasks")),
        ("outreach_outcomes", count(&c, "SELECT count(*) FROM outreach_outcomes")),
    ]
    .into();
    let tables = view["tables"].as_array().unwrap();
    assert_eq!(tables.len(), ExportTable::all().len());
    for t in tables {
        let name = t["table"].as_str().unwrap();
        let path = out.join(format!("{name}.parquet"));
        assert_eq!(t["path"].as_str().unwrap(), path.display().to_string());
        let batches = read(&path);
        assert_eq!(rows(&batches), t["rows"].as_i64().unwrap(), "{name}");
        if let Some(n) = expected.get(name) {
            assert_eq!(rows(&batches), *n, "{name}");
        }
        // The schema is the documented one (names, nullability), also in an empty file.
        let table = ExportTable::all().into_iter().find(|x| x.name() == name).unwrap();
        let schema = ParquetRecordBatchReaderBuilder::try_new(File::open(&path).unwrap()).unwrap().schema().clone();
        let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
        let documented: Vec<&str> = table.columns().iter().map(|c| c.name).collect();
        assert_eq!(names, documented, "{name}");
    }
    assert!(rows(&read(&out.join("gang_clusters.parquet"))) > 0);
    assert!(rows(&read(&out.join("area_stats.parquet"))) > 0);
    for name in ["outreach_plans", "outreach_assignments", "warnings", "outreach_tasks", "outreach_outcomes"] {
        assert!(rows(&read(&out.join(format!("{name}.parquet")))) > 0, "{name}");
    }

    // Outreach: the plan's head matches `fanzha outreach plans`, the holdout is a flag, a task's steps a list.
    let plans = read(&out.join("outreach_plans.parquet"));
    let listed = fanzha(data.path(), &["outreach", "plans", "--json"]);
    let listed: serde_json::Value = serde_json::from_slice(&listed.stdout).unwrap();
    let newest = &listed["items"][0];
    let last = plans.last().unwrap();
    let n = last.num_rows() - 1;
    let int = |b: &RecordBatch, col: &str| b.column_by_name(col).unwrap().as_primitive::<Int64Type>().value(n);
    assert_eq!(int(last, "plan_id"), newest["plan_id"].as_i64().unwrap());
    assert_eq!(int(last, "assignments"), newest["assignments"].as_i64().unwrap());
    assert_eq!(int(last, "held_out"), newest["held_out"].as_i64().unwrap());
    assert_eq!(int(last, "minutes"), newest["minutes"].as_i64().unwrap());
    let staff = last.column_by_name("staff_used").unwrap().as_list::<i32>().value(n);
    let used: i64 = staff.as_primitive::<Int64Type>().values().iter().sum();
    let listed_used: i64 = newest["staff"].as_array().unwrap().iter().map(|s| s["used"].as_i64().unwrap()).sum();
    assert_eq!(used, listed_used);
    let assignments = read(&out.join("outreach_assignments.parquet"));
    assert_eq!(assignments[0].schema().field_with_name("holdout").unwrap().data_type(), &DataType::Boolean);
    let held: usize = assignments.iter().map(|b| b.column_by_name("holdout").unwrap().as_boolean().true_count()).sum();
    assert_eq!(held as i64, count(&c, "SELECT count(*) FROM outreach_assignments WHERE holdout = 1"));
    let tasks = read(&out.join("outreach_tasks.parquet"));
    let mut done = 0;
    for b in &tasks {
        let ids = b.column_by_name("task_id").unwrap().as_string::<i32>();
        let actions = b.column_by_name("step_actions").unwrap().as_list::<i32>();
        let steps_done = b.column_by_name("steps_done").unwrap().as_primitive::<Int64Type>();
        for r in 0..b.num_rows() {
            assert!(!actions.value(r).is_empty(), "every task has steps");
            if ids.value(r) == task {
                done = steps_done.value(r);
            }
        }
    }
    assert_eq!(done, 1, "the recorded step is done");

    // Types and values: timestamps in milliseconds (Beijing), money in fen, lists as list columns.
    let reports = read(&out.join("reports.parquet"));
    let schema = reports[0].schema();
    assert_eq!(
        schema.field_with_name("reported_at").unwrap().data_type(),
        &DataType::Timestamp(TimeUnit::Millisecond, Some("Asia/Shanghai".into()))
    );
    assert_eq!(schema.field_with_name("loss_fen").unwrap().data_type(), &DataType::Int64);
    assert!(
        matches!(schema.field_with_name("phones").unwrap().data_type(), DataType::List(f) if f.data_type() == &DataType::Utf8)
    );
    let mut stored =
        c.prepare("SELECT report_id, reported_at, loss_fen, phones FROM reports ORDER BY report_id").unwrap();
    let stored: Vec<(String, i64, Option<i64>, String)> = stored
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let mut i = 0;
    let mut phones_seen = 0;
    for b in &reports {
        let ids = b.column_by_name("report_id").unwrap().as_string::<i32>();
        let at = b.column_by_name("reported_at").unwrap().as_primitive::<TimestampMillisecondType>();
        let loss = b.column_by_name("loss_fen").unwrap().as_primitive::<Int64Type>();
        let phones = b.column_by_name("phones").unwrap().as_list::<i32>();
        for r in 0..b.num_rows() {
            let (id, t, l, p) = &stored[i];
            assert_eq!(ids.value(r), id);
            assert_eq!(at.value(r), t * 1000);
            assert_eq!(if loss.is_null(r) { None } else { Some(loss.value(r)) }, *l);
            let list = phones.value(r);
            let list: Vec<&str> = (0..list.len()).map(|k| list.as_string::<i32>().value(k)).collect();
            assert_eq!(list, api::store::split_list(p), "{id}");
            phones_seen += list.len();
            i += 1;
        }
    }
    assert!(phones_seen > 0, "some report names a phone");

    // Again into the same folder, some tables only: files are replaced whole, nothing temporary is left.
    let before = std::fs::read(out.join("residents.parquet")).unwrap();
    let again = fanzha(data.path(), &["export", "--out", out.to_str().unwrap(), "--tables", "residents,area_stats"]);
    assert_eq!(again.status.code(), Some(0), "{}", String::from_utf8_lossy(&again.stderr));
    assert_eq!(std::fs::read(out.join("residents.parquet")).unwrap(), before, "the same data gives the same file");
    let leftovers: Vec<_> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["tables"].as_array().unwrap().len(), 2);
}

#[test]
fn unknown_tables_and_formats_are_usage_errors() {
    let data = tempfile::tempdir().unwrap();
    let out = data.path().join("out");
    let bad = fanzha(data.path(), &["export", "--out", out.to_str().unwrap(), "--tables", "residents,victims"]);
    let stderr = String::from_utf8_lossy(&bad.stderr);
    assert_eq!(bad.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("\"victims\"") && stderr.contains("risk_scores, risk_communities, area_stats"), "{stderr}");
    let csv = fanzha(data.path(), &["export", "--format", "csv", "--out", out.to_str().unwrap()]);
    assert_eq!(csv.status.code(), Some(2), "{}", String::from_utf8_lossy(&csv.stderr));
}
