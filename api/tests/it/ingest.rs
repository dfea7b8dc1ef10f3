//! Ingest behaviour: the example folder, idempotence, updates with history, flags, rejects and fatal errors.

use crate::*;

#[test]
fn example_district_ingests_with_zero_rejects_and_reingests_unchanged() {
    let data = tempfile::tempdir().unwrap();
    let (code, stdout) = ingest(&example_district(), data.path());
    assert_eq!(code, 0, "{stdout}");
    let c = store(data.path());
    let first = last_run(&c);
    assert_eq!(first.len(), 7, "all seven tables are in the example");
    for (file, [accepted, updated, unchanged, rejected, flagged]) in &first {
        assert!(*accepted > 0 && *updated + *unchanged + *rejected + *flagged == 0, "{file}: {stdout}");
    }
    assert_eq!(count(&c, "SELECT COUNT(*) FROM residents"), 20);
    assert_eq!(count(&c, "SELECT COUNT(*) FROM reports"), 10);
    assert!(!data.path().join("rejects/1.csv").exists(), "no rejects report when nothing was rejected");

    let (code, _) = ingest(&example_district(), data.path());
    assert_eq!(code, 0);
    for ((file, [accepted, updated, unchanged, rejected, _]), (_, before)) in last_run(&c).iter().zip(&first) {
        assert_eq!([*accepted, *updated, *unchanged, *rejected], [0, 0, before[0], 0], "{file}");
    }
    assert_eq!(count(&c, "SELECT COUNT(*) FROM reports_history"), 0);
    assert_eq!(count(&c, "SELECT COUNT(*) FROM runs WHERE status = 'done'"), 2);
}

#[test]
fn a_changed_record_is_updated_and_its_old_version_kept() {
    let residents = format!("{RES_HEADER}\nP1,1950,f,310115,花木\nP2,1960,m,310115,洋泾\n");
    let v1 = format!(
        "{REP_HEADER}\nR1,2026-03-02,310115,花木,P1,刷单返利,100,甲\nR2,2026-03-03,310115,,P2,fake_loan,5,乙\n"
    );
    let v2 = v1.replace(",100,甲", ",250.5,甲（补充）");
    let data = tempfile::tempdir().unwrap();
    let dir = folder(&[("residents.csv", &residents), ("reports.csv", &v1)]);
    assert_eq!(ingest(dir.path(), data.path()).0, 0);
    std::fs::write(dir.path().join("reports.csv"), v2).unwrap();
    assert_eq!(ingest(dir.path(), data.path()).0, 0);
    let c = store(data.path());
    assert_eq!(last_run(&c)[1], ("reports.csv".to_string(), [0, 1, 1, 0, 0]));
    let now: (i64, String) = c
        .query_row("SELECT loss_fen, narrative FROM reports WHERE report_id='R1'", [], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap();
    assert_eq!(now, (25_050, "甲（补充）".to_string()));
    let old: (i64, String, i64) = c
        .query_row("SELECT loss_fen, narrative, superseded_run FROM reports_history WHERE report_id='R1'", [], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .unwrap();
    assert_eq!(old, (10_000, "甲".to_string(), 2));
    assert_eq!(count(&c, "SELECT COUNT(*) FROM reports_history"), 1);
}

#[test]
fn unknown_references_are_kept_and_flagged_until_resolved() {
    let residents = format!("{RES_HEADER}\nP1,1950,f,310115,花木\n");
    let reports = format!(
        "{REP_HEADER}\nR1,2026-03-02,310115,花木,P404,刷单返利,100,甲\nR2,2026-03-02,310115,花木,P1,刷单返利,1,乙\n"
    );
    let transfers = "transfer_id,from_account,to_account,amount_yuan,at,report_id\nT1,A,B,100,2026-03-02 10:00:00,R999\nT2,A,B,1,2026-03-02 10:00:00,R2\n";
    let data = tempfile::tempdir().unwrap();
    let dir = folder(&[("residents.csv", &residents), ("reports.csv", &reports), ("transfers.csv", transfers)]);
    let (code, stdout) = ingest(dir.path(), data.path());
    assert_eq!(code, 0, "a flag is not a rejection: {stdout}");
    let c = store(data.path());
    assert_eq!(count(&c, "SELECT COUNT(*) FROM reports"), 2);
    assert_eq!(count(&c, "SELECT COUNT(*) FROM transfers"), 2);
    let mut stmt = c.prepare("SELECT tbl, record_id, field, value, reason FROM flags ORDER BY tbl").unwrap();
    let flags: Vec<[String; 5]> = stmt
        .query_map([], |r| Ok([r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?]))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(
        flags,
        vec![
            ["reports", "R1", "victim_id", "P404", "unknown resident \"P404\"; row kept"].map(String::from),
            ["transfers", "T1", "report_id", "R999", "unknown report \"R999\"; row kept"].map(String::from),
        ]
    );
    assert_eq!(last_run(&c)[1].1[4], 1, "reports.csv has one flagged row");

    std::fs::write(dir.path().join("residents.csv"), format!("{residents}P404,1940,m,310115,花木\n")).unwrap();
    ingest(dir.path(), data.path());
    assert_eq!(count(&c, "SELECT COUNT(*) FROM flags WHERE record_id = 'R1'"), 0, "resolved by the new resident");
    assert_eq!(count(&c, "SELECT COUNT(*) FROM flags"), 1);
}

#[test]
fn rejected_rows_give_exit_3_and_a_rejects_report() {
    let residents = format!("{RES_HEADER}\nP1,1950,f,310115,花木\nP2,1950,x,310115,花木\n");
    let reports = format!(
        "{REP_HEADER}\nR1,2026-03-02,310115,花木,P1,刷单返利,100,甲\nR2,someday,310115,,,刷单返利,-1,乙\nR1,2026-03-02,310115,,,刷单返利,1,丙\n"
    );
    let data = tempfile::tempdir().unwrap();
    let dir = folder(&[("residents.csv", &residents), ("reports.csv", &reports), ("staff.csv", "name\n张\n")]);
    let (code, stdout) = ingest(dir.path(), data.path());
    assert_eq!(code, 3, "{stdout}");
    assert!(stdout.contains("file rejected:") && stdout.contains("staff_id, minutes_per_week"), "{stdout}");
    let c = store(data.path());
    let run = count(&c, "SELECT MAX(run_id) FROM runs");
    assert_eq!(
        last_run(&c),
        vec![
            ("residents.csv".into(), [1, 0, 0, 1, 0]),
            ("reports.csv".into(), [1, 0, 0, 2, 0]),
            ("staff.csv".into(), [0; 5])
        ]
    );
    let path = data.path().join("rejects").join(format!("{run}.csv"));
    let mut rd = csv::Reader::from_path(&path).unwrap();
    assert_eq!(rd.headers().unwrap(), vec!["file", "line", "field", "reason", "raw"]);
    let rows: Vec<Vec<String>> = rd.records().map(|r| r.unwrap().iter().skip(1).map(String::from).collect()).collect();
    let file_of = |r: &csv::StringRecord| r[0].rsplit('/').next().unwrap().to_string();
    let files: Vec<String> = csv::Reader::from_path(&path).unwrap().records().map(|r| file_of(&r.unwrap())).collect();
    assert_eq!(files, vec!["residents.csv", "reports.csv", "reports.csv", "reports.csv", "staff.csv"]);
    assert_eq!(rows[0][..2], ["3".to_string(), "gender".into()]);
    assert!(rows[0][2].starts_with("unknown value \"x\""));
    assert_eq!(rows[0][3], "P2,1950,x,310115,花木");
    assert_eq!(
        rows[1][..3],
        [
            "3".to_string(),
            "reported_at".into(),
            "invalid timestamp \"someday\": expected RFC 3339 or `YYYY-MM-DD HH:MM:SS` (Beijing time)".into()
        ]
    );
    assert_eq!(rows[2][..3], ["3".to_string(), "loss_yuan".into(), "invalid amount \"-1\": negative amount".into()]);
    assert_eq!(rows[3][..3], ["4".to_string(), "report_id".into(), "duplicate id \"R1\": first seen on line 2".into()]);
    assert_eq!(rows[4][..2], ["1".to_string(), "staff_id;minutes_per_week".into()]);
    assert_eq!(count(&c, "SELECT COUNT(*) FROM runs WHERE status = 'done_with_rejects'"), 1);
}

#[test]
fn missing_reports_file_is_fatal() {
    // Through the service: the missing table is named, and nothing is stored.
    let empty = tempfile::tempdir().unwrap();
    let only_residents = folder(&[("residents.csv", &format!("{RES_HEADER}\n"))]);
    let req = api::service::pipeline::IngestRequest { dir: only_residents.path().to_path_buf(), batch_rows: 10 };
    let err = api::service::Service::new(empty.path()).ingest(&req, &api::service::progress::Silent).unwrap_err();
    assert_eq!((err.kind(), err.code()), (api::error::Kind::Invalid, "missing_table"));
    assert!(!empty.path().join("fanzha.sqlite").exists());

    let data = tempfile::tempdir().unwrap();
    let dir = folder(&[("residents.csv", &format!("{RES_HEADER}\nP1,1950,f,310115,花木\n"))]);
    // Bad input, not a failure of fanzha: exit 2.
    let out = fanzha(data.path(), &["ingest", dir.path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("has no reports.csv or reports.jsonl; it is required"), "{err}");
    let out = fanzha(data.path(), &["ingest", "/nonexistent/fanzha-input"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn jsonl_and_gb18030_inputs_ingest() {
    let residents = "{\"resident_id\":\"P1\",\"birth_year\":1950,\"district\":\"310115\",\"community\":\"花木\"}\n";
    let text = format!("{REP_HEADER}\r\nR1,2026-03-02,310115,花木,P1,冒充公检法,100,自称民警要求转账\r\n");
    let (gb, _, _) = encoding_rs::GB18030.encode(&text);
    let dir = folder(&[("residents.jsonl", residents)]);
    std::fs::write(dir.path().join("reports.csv"), &gb).unwrap();
    let data = tempfile::tempdir().unwrap();
    let (code, stdout) = ingest(dir.path(), data.path());
    assert_eq!(code, 0, "{stdout}");
    assert!(stdout.contains("detected as GB18030 and converted"), "{stdout}");
    let narrative: String = store(data.path()).query_row("SELECT narrative FROM reports", [], |r| r.get(0)).unwrap();
    assert_eq!(narrative, "自称民警要求转账");
}
