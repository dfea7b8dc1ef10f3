//! Outreach through the `fanzha` binary on a generated, ingested, clustered and scored district: plans (show,
//! approve, versions, conflicts, holdout), urgent warnings (never before a number was known) and their tasks,
//! outcomes and their import, the effect report, and bad input.

use std::path::Path;
use std::sync::OnceLock;

use crate::{count, fanzha, generated_district, ingest, store};

const WEEK: &str = "2026-W26";

/// The generated source folder, shared; each test gets its own data folder.
fn source() -> &'static Path {
    static SRC: OnceLock<tempfile::TempDir> = OnceLock::new();
    SRC.get_or_init(|| generated_district(3_000, 30, 3, Some(200.0))).path()
}

fn district() -> tempfile::TempDir {
    let data = tempfile::tempdir().unwrap();
    ingest(source(), data.path());
    for args in [&["clusters", "run"][..], &["score", "--week", WEEK]] {
        ok(data.path(), args);
    }
    data
}

/// Runs a command that must succeed; its stdout.
fn ok(data: &Path, args: &[&str]) -> String {
    let out = fanzha(data, args);
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

fn json(data: &Path, args: &[&str]) -> serde_json::Value {
    serde_json::from_str(&ok(data, args)).unwrap()
}

/// Runs a command that must fail with `code`; its stderr.
fn fails(data: &Path, args: &[&str], code: i32) -> String {
    let out = fanzha(data, args);
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(code), "{args:?}: {err}");
    err
}

#[test]
fn a_plan_is_shown_approved_and_never_changed() {
    let data = district();
    let d = data.path();
    let plan = json(d, &["outreach", "plan", "--week", WEEK, "--json"]);
    assert_eq!(plan["status"], "draft");
    let id = plan["plan_id"].as_i64().unwrap().to_string();
    assert!(plan["assignments"].as_u64().unwrap() > 0);
    let held = plan["held_out"].as_u64().unwrap();
    assert!(held > 0, "a 10% holdout on {} assignments", plan["assignments"]);

    // show: one row per assignment, the columns exactly as the issue lists them.
    let csv = ok(d, &["outreach", "show", &id, "--format", "csv"]);
    let mut lines = csv.lines();
    let header = "resident_id,grid,channel,content_id,staff_id,day,expected_averted,holdout";
    assert_eq!(lines.next(), Some(header));
    let rows: Vec<&str> = lines.collect();
    assert_eq!(rows.len() as u64, plan["assignments"].as_u64().unwrap());
    assert_eq!(rows.iter().filter(|r| r.ends_with(",true")).count() as u64, held);
    let shown = json(d, &["outreach", "show", &id, "--format", "json"]);
    let mut keys: Vec<&str> = shown["rows"][0].as_object().unwrap().keys().map(String::as_str).collect();
    let mut columns: Vec<&str> = header.split(',').collect();
    keys.sort();
    columns.sort();
    assert_eq!(keys, columns);
    // The holdout is recorded per resident.
    let c = store(d);
    assert_eq!(count(&c, "SELECT count(*) FROM outreach_assignments WHERE holdout = 1") as u64, held);

    // A second plan for the week is a conflict; --replace supersedes the draft by a new version.
    let err = fails(d, &["outreach", "plan", "--week", WEEK], 5);
    assert!(err.contains("already has plan"), "{err}");
    let v2 = json(d, &["outreach", "plan", "--week", WEEK, "--strategy", "top-risk", "--replace", "--json"]);
    assert_ne!(v2["version"], plan["version"]);
    let v2_id = v2["plan_id"].as_i64().unwrap().to_string();
    let plans = json(d, &["outreach", "plans", "--week", WEEK, "--json"]);
    let statuses: Vec<&str> =
        plans["items"].as_array().unwrap().iter().map(|p| p["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, ["draft", "superseded"]);
    // The superseded version still shows as it was.
    assert_eq!(ok(d, &["outreach", "show", &id, "--format", "csv"]), csv);

    let approved = json(d, &["outreach", "approve", &v2_id, "--by", "chief", "--json"]);
    assert_eq!((approved["status"].as_str(), approved["approved_by"].as_str()), (Some("approved"), Some("chief")));
    fails(d, &["outreach", "approve", &v2_id], 5);
    let err = fails(d, &["outreach", "plan", "--week", WEEK, "--replace"], 5);
    assert!(err.contains("approved"), "{err}");
    // The store refuses to change an approved plan, whoever asks.
    assert!(c.execute("UPDATE outreach_plans SET plan_json = '{}' WHERE plan_id = ?1", [&v2_id]).is_err());
    assert!(c.execute("DELETE FROM outreach_assignments", []).is_err());

    // Day sheets: the approved plan's treated assignments, never the held-out ones.
    let tasks = json(d, &["outreach", "tasks", "--json"]);
    let plan_tasks: Vec<&serde_json::Value> = tasks["sheets"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["tasks"].as_array().unwrap())
        .filter(|t| t["kind"] == "plan")
        .collect();
    let treated = v2["assignments"].as_u64().unwrap() - v2["held_out"].as_u64().unwrap();
    assert_eq!(plan_tasks.len() as u64, treated);
    let html = ok(d, &["outreach", "tasks", "--format", "html"]);
    assert!(html.starts_with("<!DOCTYPE html>") && html.contains("<section>"));
    // Each plan task names its item; each sheet lists what to bring for its visits, leaflets and lectures, counted.
    assert!(plan_tasks.iter().all(|t| t["content_title"].is_string()), "{tasks}");
    for sheet in tasks["sheets"].as_array().unwrap() {
        let mut want: std::collections::BTreeMap<&str, u64> = std::collections::BTreeMap::new();
        for t in sheet["tasks"].as_array().unwrap() {
            if t["kind"] == "plan"
                && t["state"] == "open"
                && ["visit", "leaflet", "lecture"].contains(&t["action"].as_str().unwrap())
            {
                *want.entry(t["content_id"].as_str().unwrap()).or_default() += 1;
            }
        }
        let got: std::collections::BTreeMap<&str, u64> = sheet["materials"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| (m["content_id"].as_str().unwrap(), m["count"].as_u64().unwrap()))
            .collect();
        assert_eq!(got, want, "{sheet}");
    }
    assert!(
        tasks["sheets"].as_array().unwrap().iter().any(|s| !s["materials"].as_array().unwrap().is_empty()),
        "some sheet has visits, leaflets or lectures"
    );
    assert!(html.contains("携带材料："), "the printed sheet lists what to bring");

    // Outcomes: a missing task is a clear error; a held-out resident gets nothing recorded.
    let err = fails(d, &["outreach", "record", "--task", "A999-P0", "--outcome", "reached"], 4);
    assert!(err.contains("no outreach task"), "{err}");
    let held_out: String = c
        .query_row(
            "SELECT resident_id FROM outreach_assignments WHERE plan_id = ?1 AND holdout = 1 LIMIT 1",
            [&v2_id],
            |r| r.get(0),
        )
        .unwrap();
    fails(d, &["outreach", "record", "--task", &format!("A{v2_id}-{held_out}"), "--outcome", "reached"], 5);
    let first = plan_tasks[0]["task_id"].as_str().unwrap();
    let second = plan_tasks[1]["task_id"].as_str().unwrap();
    ok(d, &["outreach", "record", "--task", first, "--outcome", "reached", "--app-installed", "--note", "<b>好</b>"]);

    // Import: the bad rows are named by file, line and field; the good ones are kept.
    let file = d.join("outcomes.csv");
    std::fs::write(
        &file,
        format!(
            "task_id,outcome,at,overseas_blocking\n{second},not_home,2026-06-23 10:00:00,no\nA{v2_id}-NOPE,reached,,\n\
             {second},maybe,,\n{second},refused,,perhaps\n"
        ),
    )
    .unwrap();
    let out = fanzha(d, &["outreach", "record", "--import", file.to_str().unwrap()]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(3), "{text}");
    assert!(text.contains("outcomes.csv:3: task_id"), "{text}");
    assert!(text.contains("outcomes.csv:4: outcome"), "{text}");
    assert!(text.contains("outcomes.csv:5: overseas_blocking"), "{text}");
    assert_eq!(count(&c, "SELECT count(*) FROM outreach_outcomes"), 2);
}

#[test]
fn warnings_are_raised_only_once_a_number_is_known_and_become_tasks_with_deadlines() {
    let data = district();
    let d = data.path();
    let v = json(d, &["warn", "--scan", "--since", "2026-05-01 00:00:00", "--json"]);
    let stored = v["stored"].as_u64().unwrap();
    assert!(stored > 0, "{v}");
    let c = store(d);
    assert_eq!(count(&c, "SELECT count(*) FROM warnings WHERE raised_at < known_at"), 0);
    assert_eq!(count(&c, "SELECT count(*) FROM warnings WHERE contact_at < known_at AND raised_at <> known_at"), 0);
    // Warnings raised at the moment their number became known (the contact came first) exist in this district.
    assert!(count(&c, "SELECT count(*) FROM warnings WHERE contact_at < known_at") > 0);
    // Every warning is a task, never capped or held out; a re-scan stores nothing twice.
    let tasks = v["tasks"].as_array().unwrap();
    assert_eq!(tasks.len() as u64 + v["unassigned"].as_array().unwrap().len() as u64, stored);
    for t in tasks {
        let first = &t["steps"][0];
        match t["grade"].as_str().unwrap() {
            "high" => {
                assert_eq!((first["action"].as_str(), t["steps"][1]["action"].as_str()), (Some("call"), Some("visit")))
            }
            "medium" => assert_eq!(first["action"], "call"),
            _ => assert_eq!(first["action"], "sms"),
        }
    }
    let again = json(d, &["warn", "--scan", "--since", "2026-05-01 00:00:00", "--json"]);
    assert_eq!(again["stored"], 0);
    // The district's weeks are past: every open task is overdue.
    let overdue = json(d, &["warnings", "--overdue", "--json"]);
    assert_eq!(overdue["items"].as_array().unwrap().len() as u64, tasks.len() as u64);

    // A failed call escalates; reaching the resident resolves the task.
    let high = tasks.iter().find(|t| t["grade"] == "high").expect("a high-grade warning");
    let id = high["task_id"].as_str().unwrap();
    let step = |outcome: &str, action: &str, time: &str| {
        let at = format!("2026-06-29 {time}");
        let args =
            ["outreach", "record", "--task", id, "--outcome", outcome, "--action", action, "--at", &at, "--json"];
        json(d, &args)
    };
    let r = step("no_answer", "call", "10:00:00");
    assert_eq!((r["state"].as_str(), r["escalations"].as_u64()), (Some("open"), Some(1)));
    step("reached", "call", "10:10:00");
    assert_eq!(step("reached", "visit", "11:00:00")["state"], "resolved");
    fails(d, &["outreach", "record", "--task", id, "--outcome", "reached"], 5);

    // By hand and from a file; a warning without a grade is refused with the line and field.
    let resident: String = c.query_row("SELECT resident_id FROM residents LIMIT 1", [], |r| r.get(0)).unwrap();
    let err = fails(d, &["warn", "--resident", &resident, "--number", "13800138000"], 2);
    assert!(err.contains("grade"), "{err}");
    fails(d, &["warn", "--resident", "NOPE", "--number", "13800138000", "--grade", "high"], 4);
    ok(d, &["warn", "--resident", &resident, "--number", "13800138000", "--grade", "high"]);
    let file = d.join("warnings.csv");
    std::fs::write(
        &file,
        format!("resident_id,number,grade,raised_at\n{resident},13900139000,medium,2026-06-20 10:00:00\n{resident},13900139001,,\nNOPE,1,low,\n"),
    )
    .unwrap();
    let out = fanzha(d, &["warn", "--import", file.to_str().unwrap()]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(3), "{text}");
    assert!(text.contains("warnings.csv:3: grade") && text.contains("warnings.csv:4: resident_id"), "{text}");
    assert_eq!(count(&c, "SELECT count(*) FROM warnings WHERE number = 'tel:+8613900139000'"), 1);
}

#[test]
fn bad_input_is_a_clear_error_and_the_effect_report_reads_the_history() {
    let data = district();
    let d = data.path();
    let err = fails(d, &["outreach", "plan", "--week", "2026-W10"], 4);
    assert!(err.contains("no risk snapshot"), "{err}");
    fails(d, &["outreach", "plan", "--week", WEEK, "--minutes-scale", "0"], 2);
    fails(d, &["outreach", "plan", "--week", WEEK, "--strategy", "best"], 2);
    fails(d, &["outreach", "show", "77"], 4);
    fails(d, &["outreach", "tasks", "--staff", "NOPE"], 4);
    fails(d, &["outreach", "tasks", "--day", "Monday"], 2);
    // Zero capacity: no staff minutes at all.
    store(d).execute("UPDATE staff SET minutes_per_week = 0", []).unwrap();
    let err = fails(d, &["outreach", "plan", "--week", WEEK], 5);
    assert!(err.contains("no staff minutes"), "{err}");

    let e = json(d, &["outreach", "effect", "--json"]);
    assert!(e["units"].as_u64().unwrap() > 100, "{e}");
    assert!(e["held_out"].as_u64().unwrap() > 0);
    assert_eq!(e["report"]["by_campaign"].as_array().unwrap().len(), e["campaign_weeks"].as_array().unwrap().len());
    // The proxy outcome, on the same units: residents' phones contacted by a gang's or a reported number.
    let overall = e["report"]["overall"].as_array().unwrap();
    let of = |kind: &str| overall.iter().find(|c| c["outcome"] == kind).unwrap_or_else(|| panic!("{kind}: {e}"));
    let (victimised, flagged) = (of("victimised"), of("flagged_contact"));
    assert_eq!(flagged["treated"]["units"], victimised["treated"]["units"]);
    assert_eq!(flagged["held_out"]["units"], victimised["held_out"]["units"]);
    assert!(
        flagged["treated"]["events"].as_u64().unwrap() > 0,
        "gang numbers call the district's residents: {flagged}"
    );
    // Warnings answered: measured only on the units whose resident was warned within the follow-up.
    let answered = of("warning_answered");
    let units =
        |c: &serde_json::Value| c["treated"]["units"].as_u64().unwrap() + c["held_out"]["units"].as_u64().unwrap();
    assert!(units(answered) > 0 && units(answered) < units(victimised), "{answered}");
    let one = json(d, &["outreach", "effect", "--campaign", "2026-W10", "--json"]);
    assert_eq!(one["campaign_weeks"], serde_json::json!(["2026-W10"]));
    fails(d, &["outreach", "effect", "--from", "2026-W12", "--to", "2026-W10"], 2);

    // Transfers stopped: measured on the units whose resident reported a fraud in the follow-up (so, per arm, on as
    // many units as were victimised), true when a report lost nothing. Turn every other victim's report into an
    // attempt that lost nothing. Most victims were contacted just before their routine attempt, which sets the
    // attempt aside (see the next test); without the contacts every attempt is compared, so both kinds remain.
    let attempts = store(d)
        .execute("UPDATE reports SET loss_fen = NULL WHERE victim_id IS NOT NULL AND rowid % 2 = 0", [])
        .unwrap();
    assert!(attempts > 0);
    store(d).execute("DELETE FROM contacts", []).unwrap();
    let e = json(d, &["outreach", "effect", "--json"]);
    let overall = e["report"]["overall"].as_array().unwrap();
    let of = |kind: &str| overall.iter().find(|c| c["outcome"] == kind).unwrap_or_else(|| panic!("{kind}: {e}"));
    let (victimised, stopped) = (of("victimised"), of("transfer_stopped"));
    for arm in ["treated", "held_out"] {
        assert_eq!(stopped[arm]["units"], victimised[arm]["events"], "{arm}: {stopped}");
    }
    let events = stopped["treated"]["events"].as_u64().unwrap() + stopped["held_out"]["events"].as_u64().unwrap();
    let units = stopped["treated"]["units"].as_u64().unwrap() + stopped["held_out"]["units"].as_u64().unwrap();
    assert!(events > 0 && events < units, "some reports lost nothing, some lost money: {stopped}");
    let text = ok(d, &["outreach", "effect"]);
    assert!(text.lines().any(|l| l.starts_with("overall") && l.contains("transfer_stopped")), "{text}");
}

/// The effect report sets aside, in both arms, every routine attempt made within two days after a contact from
/// outside to the resident's phone (an urgent warning's answer cannot be told from a routine contact there), as
/// counted by hand from the source files; what remains is compared. The district's data ends months before today,
/// so every attempt has its follow-up.
#[test]
fn the_effect_report_sets_aside_attempts_just_after_a_contact_in_both_arms() {
    use std::collections::{HashMap, HashSet};

    let data = district();
    let d = data.path();
    let rows = |file: &str| -> Vec<HashMap<String, String>> {
        let mut r = csv::Reader::from_path(source().join(file)).unwrap();
        r.deserialize().map(|row| row.unwrap()).collect()
    };
    let time = |s: &str| chrono::DateTime::parse_from_rfc3339(s).unwrap().timestamp();
    let mut owner: HashMap<String, String> = HashMap::new();
    for r in rows("residents.csv") {
        for p in r["phones"].split(';').filter(|p| !p.is_empty()) {
            owner.insert(p.to_string(), r["resident_id"].clone());
        }
    }
    let mut contacted: HashMap<String, Vec<i64>> = HashMap::new();
    for c in rows("contacts.csv") {
        assert!(!owner.contains_key(&c["from_phone"]), "the generator's contacts come from outside: {c:?}");
        if let Some(r) = owner.get(&c["to_phone"]) {
            contacted.entry(r.clone()).or_default().push(time(&c["at"]));
        }
    }
    let (mut set_aside, mut held_out_set_aside, mut held_out_kept, mut all) = (0u64, 0u64, 0u64, 0u64);
    for o in rows("outreach.csv") {
        let at = time(&o["at"]);
        let held = o["holdout"] == "1" || o["holdout"] == "true";
        let exposed =
            contacted.get(&o["resident_id"]).is_some_and(|ts| ts.iter().any(|&t| t <= at && at - t <= 2 * 86_400));
        all += 1;
        set_aside += u64::from(exposed);
        held_out_set_aside += u64::from(exposed && held);
        held_out_kept += u64::from(!exposed && held);
    }
    assert!(set_aside > 0 && held_out_set_aside > 0, "{set_aside} set aside, {held_out_set_aside} of them held out");
    let e = json(d, &["outreach", "effect", "--json"]);
    assert_eq!(e["urgent_excluded"].as_u64().unwrap(), set_aside);
    assert_eq!(e["units"].as_u64().unwrap() + set_aside, all);
    assert_eq!(e["held_out"].as_u64().unwrap(), held_out_kept);
    let kept: HashSet<&str> = ["victimised", "flagged_contact"].into();
    for c in e["report"]["overall"].as_array().unwrap().iter().filter(|c| kept.contains(c["outcome"].as_str().unwrap()))
    {
        assert_eq!(c["held_out"]["units"].as_u64().unwrap(), held_out_kept, "{c}");
    }
}

/// Residents reached, week by week and overall, as the history says when counted by hand from the source files:
/// distinct residents with a contact answered or delivered, elderly when 60 or over in the contact's calendar year.
#[test]
fn reach_counts_distinct_residents_and_the_elderly_as_the_history_says() {
    use std::collections::{BTreeMap, BTreeSet, HashMap};

    use chrono::Datelike;

    let data = district();
    let d = data.path();
    let mut born: HashMap<String, i32> = HashMap::new();
    for r in csv::Reader::from_path(source().join("residents.csv")).unwrap().deserialize::<HashMap<String, String>>() {
        let r = r.unwrap();
        born.insert(r["resident_id"].clone(), r["birth_year"].parse().unwrap());
    }
    let (mut all, mut elderly) = (BTreeSet::new(), BTreeSet::new());
    let mut weeks: BTreeMap<String, (usize, BTreeSet<String>)> = BTreeMap::new();
    for r in csv::Reader::from_path(source().join("outreach.csv")).unwrap().deserialize::<HashMap<String, String>>() {
        let r = r.unwrap();
        if r["outcome"] == "held_out" {
            continue;
        }
        let at = chrono::DateTime::parse_from_rfc3339(&r["at"]).unwrap();
        let iso = at.iso_week();
        let week = weeks.entry(format!("{}-W{:02}", iso.year(), iso.week())).or_default();
        week.0 += 1;
        if matches!(r["outcome"].as_str(), "reached" | "delivered") {
            let id = r["resident_id"].clone();
            week.1.insert(id.clone());
            if at.year() - born[&id] >= 60 {
                elderly.insert(id.clone());
            }
            all.insert(id);
        }
    }
    let v = json(d, &["outreach", "reach", "--json"]);
    assert_eq!(v["residents_reached"].as_u64().unwrap() as usize, all.len());
    assert_eq!(v["elderly_reached"].as_u64().unwrap() as usize, elderly.len());
    assert!(!elderly.is_empty() && elderly.len() < all.len(), "{} of {}", elderly.len(), all.len());
    let shown: Vec<(String, usize, usize)> = v["weeks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| {
            let n = |k: &str| w[k].as_u64().unwrap() as usize;
            (w["week"].as_str().unwrap().to_string(), n("attempts"), n("residents_reached"))
        })
        .collect();
    let expected: Vec<(String, usize, usize)> =
        weeks.iter().map(|(w, (attempts, reached))| (w.clone(), *attempts, reached.len())).collect();
    assert_eq!(shown, expected);
    // A range: only its weeks, and the distinct residents of those weeks.
    let (from, to) = (&expected[2].0, &expected[4].0);
    let some = json(d, &["outreach", "reach", "--from", from, "--to", to, "--json"]);
    let in_range: BTreeSet<&String> = weeks.range(from.clone()..=to.clone()).flat_map(|(_, (_, r))| r).collect();
    assert_eq!(some["weeks"].as_array().unwrap().len(), 3);
    assert_eq!(some["residents_reached"].as_u64().unwrap() as usize, in_range.len());
    let text = ok(d, &["outreach", "reach", "--from", from, "--to", to]);
    assert!(text.starts_with(&format!("{} residents reached", in_range.len())), "{text}");
    fails(d, &["outreach", "reach", "--from", to, "--to", from], 2);
}

/// Duty hours from staff.csv: a bad one is rejected with file, line, field and reason (the rest is kept); an
/// imported warning goes to the officer on duty when it was raised (a weekday morning to the day officer, a night
/// to the night officer, both marked on duty), and to an off-duty one, marked so, when nobody is on duty.
#[test]
fn urgent_tasks_go_to_the_officer_on_duty() {
    let residents = format!("{},grid,phones\nP1,1950,f,310115,花木,G1,13800138001\n", crate::RES_HEADER);
    let reports = format!("{}\nR1,2026-06-01,310115,花木,,刷单返利,100,甲\n", crate::REP_HEADER);
    let staff = "staff_id,name,grids,minutes_per_week,duty\n\
                 S1,张,G1,600,mon-fri 08:30-17:30\n\
                 S2,李,G1,600,每天 20:00-08:00\n\
                 S3,王,G1,600,weekdays 9-5\n";
    let dir = crate::folder(&[("residents.csv", &residents), ("reports.csv", &reports), ("staff.csv", staff)]);
    let data = tempfile::tempdir().unwrap();
    let (code, stdout) = crate::ingest(dir.path(), data.path());
    assert_eq!(code, 3, "{stdout}");
    let rejects = std::fs::read_to_string(data.path().join("rejects/1.csv")).unwrap();
    assert!(rejects.contains("staff.csv,4,duty,") && rejects.contains(r#"unknown day ""weekdays"""#), "{rejects}");
    let duty: Vec<(String, Option<String>)> = store(data.path())
        .prepare("SELECT staff_id, duty FROM staff ORDER BY staff_id")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(
        duty,
        [("S1".to_string(), Some("mon-fri 08:30-17:30".to_string())), ("S2".into(), Some("daily 20:00-08:00".into()))]
    );
    // 2026-06-23 is a Tuesday; 2026-06-27 a Saturday.
    let warnings = "resident_id,number,grade,raised_at\n\
                    P1,13900000001,high,2026-06-23 10:00:00\n\
                    P1,13900000002,high,2026-06-23 23:30:00\n\
                    P1,13900000003,medium,2026-06-27 12:00:00\n";
    let file = dir.path().join("warnings.csv");
    std::fs::write(&file, warnings).unwrap();
    let v = json(data.path(), &["warn", "--import", file.to_str().unwrap(), "--json"]);
    let tasks = json(data.path(), &["outreach", "tasks", "--json"]);
    let mut by_day: Vec<(String, String, bool)> = tasks["sheets"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["tasks"].as_array().unwrap().clone())
        .map(|t| {
            (
                t["day"].as_str().unwrap().to_string(),
                t["staff_id"].as_str().unwrap().to_string(),
                t["on_duty"].as_bool().unwrap(),
            )
        })
        .collect();
    by_day.sort();
    assert_eq!(v["tasks"].as_array().unwrap().len(), 3, "{v}");
    assert_eq!(by_day[0].1, "S1", "Tuesday 10:00: the day officer: {by_day:?}");
    assert!(by_day[0].2);
    assert!(by_day.iter().any(|t| t.1 == "S2" && t.2), "Tuesday 23:30: the night officer: {by_day:?}");
    let saturday = by_day.iter().find(|t| t.0 == "2026-06-27").unwrap();
    assert!(!saturday.2, "Saturday noon: nobody on duty, so an off-duty officer, marked: {by_day:?}");
}
