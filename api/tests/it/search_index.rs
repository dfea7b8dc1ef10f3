//! The search service: indexing the store's reports and JSONL corpora (incremental, atomic, old indexes rebuilt),
//! ranked hits pinned by a snapshot, checked inputs, similar cases and one report; and `fanzha ingest` keeping an
//! existing case index up to date.

use api::error::Kind;
use api::service::Service;
use api::service::page::Limit;
use api::service::progress::Silent;
use api::service::search::{IndexName, IndexRequest, IndexSource, JsonlSource, SearchRequest};

use crate::*;

fn search_ids(data: &Path, q: &str) -> Vec<String> {
    let out = fanzha(data, &["search", q, "--json"]);
    assert!(out.status.success(), "search failed: {}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    v["hits"].as_array().unwrap().iter().map(|h| h["id"].as_str().unwrap().to_string()).collect()
}

/// A search of `q` in index `name` with no filters, the first ten hits.
fn request(name: &str, q: &str) -> SearchRequest {
    SearchRequest {
        q: q.into(),
        fraud_type: None,
        district: None,
        scope: Vec::new(),
        status: None,
        from: None,
        to: None,
        sort: search::SortBy::Relevance,
        limit: 10,
        cursor: None,
        facets: true,
        index: Some(name.into()),
    }
}

fn ids(svc: &Service, name: &str, q: &str) -> Vec<String> {
    let view = svc.search(&request(name, q).check().unwrap()).unwrap();
    view.results.hits.into_iter().map(|h| h.id).collect()
}

fn store_index() -> IndexRequest {
    IndexRequest { source: IndexSource::Store, name: None, rebuild: false, extra_dict: None, fold_traditional: false }
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

#[test]
fn indexes_a_jsonl_corpus_and_updates_it() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("court.jsonl");
    std::fs::write(
        &file,
        "{\"fact\":\"被告人以签订合同为名骗取货款，卡号6222021234567890128\",\"meta\":{\"accusation\":[\"合同诈骗\"]}}\n\
         {\"fact\":\"被告人酒后驾驶机动车\",\"meta\":{\"accusation\":[\"危险驾驶\"]}}\n",
    )
    .unwrap();
    let source = JsonlSource {
        file: file.clone(),
        text_field: "fact".into(),
        id_field: None,
        type_field: Some("meta.accusation".into()),
        district_field: None,
        date_field: None,
        loss_field: None,
        status_field: None,
    };
    let req = IndexRequest { source: IndexSource::Jsonl(source.clone()), ..store_index() };
    let svc = Service::new(&dir.path().join("data"));
    let v = svc.index(&req, &Silent).unwrap();
    assert_eq!((v.name.as_str(), v.added), ("court", 2));
    assert_eq!(ids(&svc, "court", "合同"), ["1"]);
    assert_eq!(ids(&svc, "court", "6222 0212 3456 7890 128"), ["1"]);
    let hit = svc.search(&request("court", "驾驶").check().unwrap()).unwrap();
    assert_eq!(hit.results.hits[0].fraud_type, "危险驾驶");
    // Re-running is incremental and idempotent; the kept reader sees the new commit.
    let v = svc.index(&req, &Silent).unwrap();
    assert_eq!((v.added, v.unchanged), (0, 2));
    assert_eq!(ids(&svc, "court", "驾驶"), ["2"]);
    // A bad line is an error naming the file and line.
    std::fs::write(&file, "{\"fact\":\"ok\"}\nnot json\n").unwrap();
    let err = svc.index(&req, &Silent).unwrap_err();
    assert_eq!((err.kind(), err.code()), (Kind::Invalid, "invalid_corpus"));
    assert!(err.message().contains("court.jsonl:2"), "{err}");
    // Nothing of the failed run was committed: the last good state is still searched.
    assert_eq!(ids(&svc, "court", "驾驶"), ["2"]);
    // A repeated id names its line.
    let with_ids = IndexSource::Jsonl(JsonlSource { id_field: Some("id".into()), ..source });
    std::fs::write(&file, "{\"id\":\"a\",\"fact\":\"x\"}\n\n{\"id\":\"a\",\"fact\":\"y\"}\n").unwrap();
    let err = svc.index(&IndexRequest { source: with_ids, ..store_index() }, &Silent).unwrap_err();
    assert!(err.message().contains("court.jsonl:3") && err.message().contains("given twice"), "{err}");
}

#[test]
fn indexes_the_store_reports_and_rebuilds_an_old_index() {
    let data = tempfile::tempdir().unwrap();
    let reports = format!(
        "{REP_HEADER},phones,status\nR1,2026-01-01,城关区,C1,,刷单返利,5000,受害人在网上兼职刷单被骗,138 0013 8000,solved\n"
    );
    let dir = folder(&[("residents.csv", &format!("{RES_HEADER}\n")), ("reports.csv", &reports)]);
    assert_eq!(ingest(dir.path(), data.path()).0, 0);
    let svc = Service::new(data.path());
    svc.index(&store_index(), &Silent).unwrap();
    assert_eq!(ids(&svc, "cases", "+8613800138000"), ["R1"]);
    assert_eq!(ids(&svc, "cases", "刷单 type:order_brushing district:城关区"), ["R1"]);
    assert_eq!(ids(&svc, "cases", "刷单 status:solved"), ["R1"]);
    assert!(ids(&svc, "cases", "刷单 status:filed").is_empty());

    // An index left by an older fanzha (other fields): searching says to rebuild; ingest's sync rebuilds it.
    let idx_dir = data.path().join("index/cases");
    for e in std::fs::read_dir(&idx_dir).unwrap() {
        let p = e.unwrap().path();
        if p.file_name().is_some_and(|n| n != "fanzha-analyzer.json") {
            std::fs::remove_file(p).unwrap();
        }
    }
    let mut old = tantivy::schema::Schema::builder();
    old.add_text_field("id", tantivy::schema::STRING);
    tantivy::Index::create_in_dir(&idx_dir, old.build()).unwrap();
    let fresh = Service::new(data.path());
    let err = fresh.search(&request("cases", "刷单").check().unwrap()).unwrap_err();
    assert_eq!((err.kind(), err.code()), (Kind::Unavailable, "index_outdated"));
    assert!(err.message().contains("older fanzha") && err.message().contains("fanzha index --rebuild"), "{err}");
    assert_eq!(fresh.sync_cases_if_indexed().unwrap().unwrap().added, 1);
    assert_eq!(ids(&fresh, "cases", "刷单"), ["R1"]);
}

#[test]
fn malformed_search_inputs_are_invalid_and_name_their_field() {
    type Change = fn(&mut SearchRequest);
    let cases: [(&str, Change, &str); 7] = [
        ("q", |r| r.q = "\"安全账户".into(), "invalid_query"),
        ("q", |r| r.q = "  ".into(), "invalid_query"),
        ("from", |r| r.from = Some("2026-13-01".into()), "invalid_date"),
        ("to", |r| r.to = Some("yesterday".into()), "invalid_date"),
        ("limit", |r| r.limit = 0, "invalid_limit"),
        ("status", |r| r.status = Some("done".into()), "invalid_status"),
        ("index", |r| r.index = Some("../x".into()), "invalid_index_name"),
    ];
    for (field, change, code) in cases {
        let mut req = request("cases", "刷单");
        change(&mut req);
        let err = req.check().unwrap_err();
        assert_eq!((err.kind(), err.code(), err.field_errors()[0].field.as_str()), (Kind::Invalid, code, field));
    }
    // A cursor is checked against the index it pages through.
    let data = tempfile::tempdir().unwrap();
    let dir = folder(&[
        ("residents.csv", &format!("{RES_HEADER}\n")),
        ("reports.csv", &format!("{REP_HEADER}\nR1,2026-01-01,城关区,,,刷单返利,1,刷单\n")),
    ]);
    ingest(dir.path(), data.path());
    let svc = Service::new(data.path());
    svc.index(&store_index(), &Silent).unwrap();
    let mut req = request("cases", "刷单");
    req.cursor = Some("not-a-cursor".into());
    let err = svc.search(&req.check().unwrap()).unwrap_err();
    assert_eq!(
        (err.kind(), err.code(), err.field_errors()[0].field.as_str()),
        (Kind::Invalid, "invalid_cursor", "cursor")
    );
    // The CLI draws a caret under the problem and exits 2.
    let out = fanzha(data.path(), &["search", "刷单 AND"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("query error at character") && stderr.contains("  刷单 AND\n"), "{stderr}");
}

/// A small generated district, ingested and indexed.
fn generated() -> (tempfile::TempDir, Service) {
    let src = generated_district(6_000, 20, 5, None);
    let data = tempfile::tempdir().unwrap();
    ingest(src.path(), data.path());
    let svc = Service::new(data.path());
    svc.index(&store_index(), &Silent).unwrap();
    (data, svc)
}

#[test]
fn ranked_hits_similar_cases_and_reports_of_a_generated_district() {
    let (_data, svc) = generated();
    let mut req = request("cases", "客服 OR 刷单");
    req.limit = 5;
    let view = svc.search(&req.check().unwrap()).unwrap();
    assert!(view.results.total > 5, "{}", view.results.total);
    insta::assert_json_snapshot!("search_ranked_hits", view, {
        ".hits[].score" => insta::rounded_redaction(3),
    });
    // The next page starts where this one ended.
    let mut next = request("cases", "客服 OR 刷单");
    next.cursor = view.results.next_cursor.clone();
    let page2 = svc.search(&next.check().unwrap()).unwrap();
    assert!(page2.results.hits.iter().all(|h| view.results.hits.iter().all(|g| g.id != h.id)));

    let first = &view.results.hits[0].id;
    let similar = svc.similar(&IndexName::cases(), first, Limit::new(3, 1000).unwrap()).unwrap();
    assert!(similar.items.iter().all(|s| &s.id != first) && similar.items.len() <= 3);
    let report = svc.report(first).unwrap();
    assert_eq!(&report.report_id, first);
    assert!(report.reported_at.ends_with("+08:00"), "{}", report.reported_at);

    let err = svc.similar(&IndexName::cases(), "R-404", Limit::new(3, 1000).unwrap()).unwrap_err();
    assert_eq!((err.kind(), err.code()), (Kind::NotFound, "report_not_found"));
    let err = svc.report("R-404").unwrap_err();
    assert_eq!((err.kind(), err.code()), (Kind::NotFound, "report_not_found"));
}

/// A listed identifier without its label (`微信:abc` → `abc`).
fn unlabelled(listed: &str) -> &str {
    match listed.split_once([':', '：']) {
        Some((label, value)) if !label.chars().any(|c| c.is_ascii_digit()) => value.trim(),
        _ => listed.trim(),
    }
}

/// The written forms an investigator may type for a listed identifier: as listed, and for a number (a mobile or a
/// card) grouped with spaces, with dashes and in full width; for an id, without its label and in upper case.
fn written_forms(listed: &str) -> Vec<String> {
    let bare = unlabelled(listed);
    let digits: String = bare.chars().filter(char::is_ascii_digit).collect();
    let full: String = digits.chars().map(|c| char::from_u32(c as u32 + 0xFEE0).unwrap()).collect();
    let mut forms = vec![listed.to_string(), bare.to_string()];
    let number = bare.chars().all(|c| c.is_ascii_digit() || " -+".contains(c));
    if number && digits.len() == 11 && digits.starts_with('1') {
        forms.extend([format!("{} {} {}", &digits[..3], &digits[3..7], &digits[7..]), format!("+86-{digits}"), full]);
    } else if number && (16..=19).contains(&digits.len()) {
        let groups: Vec<&str> = digits.as_bytes().chunks(4).map(|c| std::str::from_utf8(c).unwrap()).collect();
        forms.extend([groups.join(" "), groups.join("-"), full]);
    } else if !number {
        forms.push(bare.to_uppercase());
    }
    forms.dedup();
    forms
}

#[test]
fn every_identifier_a_report_lists_is_found_by_a_plain_query_in_its_written_forms() {
    let (_data, svc) = generated();
    let mut all = request("cases", "*");
    all.limit = 1000;
    let reports: Vec<String> =
        svc.search(&all.check().unwrap()).unwrap().results.hits.into_iter().map(|h| h.id).collect();
    assert!(reports.len() < 1000, "the district fits one page");
    let (mut checked, mut listed_only) = (0, 0);
    for id in &reports {
        let r = svc.report(id).unwrap();
        let lists = [&r.phones, &r.accounts, &r.apps, &r.im_ids];
        for listed in lists.into_iter().flatten() {
            for q in written_forms(listed) {
                let mut req = request("cases", &q);
                req.limit = 1000;
                let hits = svc.search(&req.check().unwrap()).unwrap().results.hits;
                assert!(hits.iter().any(|h| &h.id == id), "{id}: {q:?} (listed as {listed:?}) not found");
                checked += 1;
            }
            let value = unlabelled(listed).to_lowercase();
            listed_only += usize::from(!r.narrative.to_lowercase().contains(&value));
        }
    }
    eprintln!("{checked} identifier queries over {} reports, all found ({listed_only} listed only)", reports.len());
    assert!(checked >= 100 && listed_only >= 10, "{checked} queries, {listed_only} listed only");
}

#[test]
fn a_search_without_hits_says_which_terms_match_nothing_in_text_and_json() {
    let (data, _svc) = generated();
    let out = fanzha(data.path(), &["search", "zqxwv qqxyz"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(text.starts_with("0 matching cases\n"), "{text}");
    assert!(text.contains("no case matches zqxwv, and no indexed word is close to it"), "{text}");
    // A misspelt word matches no case as a word, but its characters (刷) still find cases, which say so.
    let out = fanzha(data.path(), &["search", "刷単 zqxwv"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with("0 cases match all 2 terms; "), "{text}");
    assert!(text.contains(" more match only the characters of a rare term"), "{text}");
    assert!(text.contains("no case matches 刷単; did you mean 刷单"), "{text}");
    assert!(text.contains("no case matches zqxwv, and no indexed word is close to it"), "{text}");
    let out = fanzha(data.path(), &["search", "刷単 zqxwv", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let total = v["total"].as_u64().unwrap();
    assert!(total > 0, "{v}");
    assert_eq!(v["partial"], serde_json::json!([{"matched": 0, "of": 2, "count": total}]));
    assert!(v["hits"].as_array().unwrap().iter().all(|h| h["matched_terms"].as_array().unwrap().is_empty()));
    let unmatched: Vec<&str> =
        v["unmatched_terms"].as_array().unwrap().iter().map(|u| u["term"].as_str().unwrap()).collect();
    assert_eq!(unmatched, ["刷単", "zqxwv"]);
    assert_eq!(v["unmatched_terms"][0]["suggestions"][0], "刷单");
    // Partial matches are announced with the terms they drop, and each hit says what it lacks.
    let out = fanzha(data.path(), &["search", "刷单 返佣金 zqxwv"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("cases match all 3 terms; ") && text.contains(" more match 2 of 3"), "{text}");
    assert!(text.contains("dropped on this page: zqxwv"), "{text}");
    assert!(text.contains("     without: zqxwv"), "{text}");
    // Terms that each match but never as a strict query requires.
    let out = fanzha(data.path(), &["search", "\"刷单\" AND \"养老\""]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("every term matches some case, but no case matches them as the query requires"), "{text}");
}

#[test]
fn searching_an_index_that_is_not_there_names_the_ones_that_are() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("cail.jsonl");
    std::fs::write(&file, "{\"fact\":\"被告人冒充客服骗取退款\"}\n").unwrap();
    let svc = api::service::Service::new(dir.path());
    let source = JsonlSource {
        file,
        text_field: "fact".into(),
        id_field: None,
        type_field: None,
        district_field: None,
        date_field: None,
        loss_field: None,
        status_field: None,
    };
    let req = IndexRequest {
        source: IndexSource::Jsonl(source),
        name: None,
        rebuild: false,
        extra_dict: None,
        fold_traditional: false,
    };
    svc.index(&req, &api::service::progress::Silent).unwrap();
    let q = SearchRequest { index: None, ..request("cases", "客服") };
    let err = svc.search(&q.check().unwrap()).unwrap_err();
    assert_eq!(err.code(), "index_missing");
    assert!(err.message().contains("\"cail\"") && err.message().contains("--name"), "{}", err.message());
}
