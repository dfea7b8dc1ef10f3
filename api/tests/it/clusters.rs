//! `fanzha clusters`: run, list, show, hubs; hubs never link reports unless force-included; ids kept across runs.

use crate::*;

const HEADER: &str =
    "report_id,reported_at,district,community,victim_id,fraud_type,loss_yuan,narrative,phones,accounts";

fn district() -> tempfile::TempDir {
    let reports = format!(
        "{HEADER}\n\
         R1,2026-03-02,310115,,,刷单返利,100,接到电话,13800138000;95588,6222021234567890128\n\
         R2,2026-03-04,440304,,,刷单返利,200,,+86 138-0013-8000,\n\
         R3,2026-03-05,310115,,,冒充公检法,300,,13900139000,6228480402564890018\n\
         R4,2026-03-06,310115,,,虚假网络贷款,50,银行95588客服说,95588,\n"
    );
    folder(&[("residents.csv", &format!("{RES_HEADER}\n")), ("reports.csv", &reports)])
}

fn json(data: &std::path::Path, args: &[&str]) -> serde_json::Value {
    let out = fanzha(data, args);
    assert_eq!(out.status.code(), Some(0), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn cluster_of(list: &serde_json::Value, data: &std::path::Path, report: &str) -> u64 {
    for c in list.as_array().unwrap() {
        let id = c["cluster_id"].as_u64().unwrap();
        let detail = json(data, &["clusters", "show", &id.to_string(), "--json"]);
        if detail["report_ids"].as_array().unwrap().iter().any(|r| r == report) {
            return id;
        }
    }
    panic!("{report} in no cluster");
}

#[test]
fn clusters_link_shared_identifiers_but_not_hubs() {
    let data = tempfile::tempdir().unwrap();
    let dir = district();
    assert_eq!(ingest(dir.path(), data.path()).0, 0);
    let run = json(data.path(), &["clusters", "run", "--json"]);
    assert_eq!(run["reports"], 4);
    assert_eq!(run["clusters"], 3);
    let list = json(data.path(), &["clusters", "list", "--json"]);
    let first = &list[0];
    assert_eq!(first["reports"], 2);
    assert_eq!(first["total_loss_yuan"], "300.00");
    assert_eq!(first["cross_jurisdiction"], true);
    let (c1, c2, c4) = (
        cluster_of(&list, data.path(), "R1"),
        cluster_of(&list, data.path(), "R2"),
        cluster_of(&list, data.path(), "R4"),
    );
    assert_eq!(c1, c2);
    assert_ne!(c1, c4, "95588 is a hub and must not link R4 to R1");
    let show = json(data.path(), &["clusters", "show", &c1.to_string(), "--json"]);
    assert_eq!(show["key_phones"][0]["key"], "tel:+8613800138000");
    assert_eq!(show["key_phones"][0]["reports"], 2);
    assert!(show["key_phones"].as_array().unwrap().iter().all(|p| p["key"] != "tel:95588"));
    let hubs = json(data.path(), &["clusters", "hubs", "--json"]);
    assert_eq!(hubs[0]["key"], "tel:95588");
    assert!(hubs[0]["reason"].as_str().unwrap().starts_with("allow-listed"));

    // A second run keeps every id.
    let again = json(data.path(), &["clusters", "run", "--json"]);
    assert_eq!(again["ids_kept_from_previous_run"], 3);
    assert_eq!(cluster_of(&json(data.path(), &["clusters", "list", "--json"]), data.path(), "R1"), c1);

    // An investigator forces 95588 back in: now it links R4 to R1's gang.
    let policy = data.path().join("hubs.txt");
    std::fs::write(&policy, "force_include tel:95588\n").unwrap();
    let forced = json(data.path(), &["clusters", "run", "--json", "--hub-policy", policy.to_str().unwrap()]);
    assert_eq!(forced["clusters"], 2);
    let list = json(data.path(), &["clusters", "list", "--json"]);
    assert_eq!(cluster_of(&list, data.path(), "R4"), cluster_of(&list, data.path(), "R1"));
    let hubs = json(data.path(), &["clusters", "hubs", "--json"]);
    assert_eq!(hubs[0]["overridden"], true);
}

#[test]
fn clusters_bad_input_gives_clear_errors() {
    let data = tempfile::tempdir().unwrap();
    let out = fanzha(data.path(), &["clusters", "list"]);
    assert_eq!(out.status.code(), Some(1));
    let dir = district();
    assert_eq!(ingest(dir.path(), data.path()).0, 0);
    let out = fanzha(data.path(), &["clusters", "list"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("fanzha clusters run"), "{out:?}");
    let policy = data.path().join("bad.txt");
    std::fs::write(&policy, "tel:95588 ok\nnonsense\n").unwrap();
    let out = fanzha(data.path(), &["clusters", "run", "--hub-policy", policy.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("line 2"), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(fanzha(data.path(), &["clusters", "run"]).status.code(), Some(0));
    let out = fanzha(data.path(), &["clusters", "show", "999"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no cluster 999"));
}
