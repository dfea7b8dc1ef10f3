//! Search index upkeep: `fanzha ingest` updates an existing case index, so changed narratives are searchable at once.

use crate::*;

fn search_ids(data: &Path, q: &str) -> Vec<String> {
    let out = fanzha(data, &["search", q, "--json"]);
    assert!(out.status.success(), "search failed: {}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    v["hits"].as_array().unwrap().iter().map(|h| h["id"].as_str().unwrap().to_string()).collect()
}

#[test]
fn ingest_updates_an_existing_search_index() {
    let residents = format!("{RES_HEADER}\nP1,1950,f,310115,花木\nP2,1960,m,310115,洋泾\n");
    let v1 = format!(
        "{REP_HEADER}\nR1,2026-03-02,310115,花木,P1,刷单返利,100,网上兼职刷单被骗\n\
         R2,2026-03-03,310115,,P2,fake_loan,5,网贷平台要求交解冻费\n"
    );
    let data = tempfile::tempdir().unwrap();
    let dir = folder(&[("residents.csv", &residents), ("reports.csv", &v1)]);
    // Without an index, ingest does not create one.
    let (code, stdout) = ingest(dir.path(), data.path());
    assert_eq!(code, 0, "{stdout}");
    assert!(!stdout.contains("search index"), "{stdout}");
    assert!(!data.path().join("index/cases").exists());

    let out = fanzha(data.path(), &["index"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(search_ids(data.path(), "刷单"), ["R1"]);
    assert!(search_ids(data.path(), "虚拟货币").is_empty());

    // R1's narrative changes and R3 is new: the next ingest re-indexes R1 and adds R3.
    let v2 = format!(
        "{}R3,2026-03-04,310115,洋泾,P2,fake_investment,80,群里推荐虚拟货币投资\n",
        v1.replace("网上兼职刷单被骗", "对方诱导购买虚拟货币后失联")
    );
    std::fs::write(dir.path().join("reports.csv"), v2).unwrap();
    let (code, stdout) = ingest(dir.path(), data.path());
    assert_eq!(code, 0, "{stdout}");
    assert!(stdout.contains("search index cases: 1 added, 1 updated, 0 deleted, 1 unchanged"), "{stdout}");
    let mut found = search_ids(data.path(), "虚拟货币");
    found.sort();
    assert_eq!(found, ["R1", "R3"]);
    assert!(search_ids(data.path(), "刷单").is_empty(), "the old narrative is gone from the index");

    // Re-ingesting the same folder changes nothing in the index.
    let (_, stdout) = ingest(dir.path(), data.path());
    assert!(stdout.contains("search index cases: 0 added, 0 updated, 0 deleted, 3 unchanged"), "{stdout}");
}
