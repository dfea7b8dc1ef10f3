//! Unit tests of the case index on small in-RAM corpora.

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use super::*;
use crate::analysis::AnalyzerOptions;
use crate::ident::IdentExtractor;
use crate::query::date_bounds;
use crate::results::SortBy;

static ANALYZER: LazyLock<Analyzer> = LazyLock::new(|| Analyzer::new(&AnalyzerOptions::default()).unwrap());

fn day(d: &str) -> i64 {
    date_bounds(d).unwrap().0 + 10 * 3600
}

fn case(id: &str, text: &str, ty: &str, district: &str, date: &str, loss_yuan: i64) -> CaseDoc {
    CaseDoc {
        id: id.into(),
        text: text.into(),
        fraud_type: ty.into(),
        district: district.into(),
        community: Some(format!("{district}一社区")),
        status: Some(if loss_yuan >= 100_000 { "solved" } else { "filed" }.into()),
        reported_at: Some(day(date)),
        loss_fen: Some(loss_yuan * 100),
        identifiers: IdentExtractor.keys(text),
    }
}

fn corpus() -> Vec<CaseDoc> {
    vec![
        case(
            "R1",
            "受害人接到自称铁路12306客服的电话，称车票退款需要验证，对方电话13800138000。",
            "impersonate_service",
            "城关区",
            "2026-01-05",
            3000,
        ),
        case(
            "R2",
            "对方自称公安局民警，称受害人涉嫌洗钱，要求将资金转入安全账户6222021234567890128进行资金核查。",
            "impersonate_police",
            "城关区",
            "2026-02-10",
            250000,
        ),
        case(
            "R3",
            "受害人在网上兼职刷单，先得小额返利，后被要求连续做任务，无法提现。",
            "brushing",
            "七里河区",
            "2026-02-20",
            12000,
        ),
        case(
            "R4",
            "网友在交友软件认识，带其进入投资理财平台，杀猪盘，累计投入后无法提现。",
            "romance_investment",
            "七里河区",
            "2026-03-01",
            800000,
        ),
        case(
            "R5",
            "老人参加养老项目推介会，被承诺高额回报，购买所谓养老投资产品。",
            "elder_investment",
            "安宁区",
            "2026-03-15",
            150000,
        ),
        case(
            "R6",
            "受害人被拉入刷单群，按要求垫付刷单资金，对方QQ号83412907。",
            "brushing",
            "安宁区",
            "2026-03-20",
            5000,
        ),
        case(
            "R7",
            "自称公安局民警来电，称受害人名下银行卡涉嫌洗钱，要求转账到安全账户配合调查。",
            "impersonate_police",
            "西固区",
            "2026-01-20",
            90000,
        ),
    ]
}

fn index() -> CaseIndex {
    let mut idx = CaseIndex::in_ram(ANALYZER.clone(), Box::new(IdentExtractor)).unwrap();
    idx.upsert(&corpus()).unwrap();
    idx
}

fn ids(idx: &CaseIndex, q: &str) -> Vec<String> {
    let mut v: Vec<String> = idx.search(q, &SearchOptions::top(100)).unwrap().hits.into_iter().map(|h| h.id).collect();
    v.sort();
    v
}

#[test]
fn digits_and_words_around_script_boundaries() {
    let idx = index();
    assert_eq!(ids(&idx, "12306"), ["R1"]);
    assert_eq!(ids(&idx, "铁路"), ["R1"]);
    assert_eq!(ids(&idx, "铁路12306"), ["R1"]);
    assert_eq!(ids(&idx, "１２３０６"), ["R1"], "full-width digits fold");
    assert_eq!(ids(&idx, "杀猪盘"), ["R4"]);
}

#[test]
fn boolean_operators_and_phrases() {
    let idx = index();

    assert_eq!(ids(&idx, "刷单"), ["R3", "R6"]);
    assert_eq!(ids(&idx, "刷单 AND 返利"), ["R3"]);
    assert_eq!(ids(&idx, "刷单 AND NOT 返利"), ["R6"]);
    assert_eq!(ids(&idx, "刷单 -返利"), ["R6"]);
    assert_eq!(ids(&idx, "杀猪盘 OR 养老项目"), ["R4", "R5"]);
    assert_eq!(ids(&idx, "(杀猪盘 OR 养老项目) NOT 老人"), ["R4"]);
    assert_eq!(ids(&idx, "\"安全账户\""), ["R2", "R7"]);
    // Characters present but not adjacent do not make a phrase.
    assert!(ids(&idx, "\"账户安全\"").is_empty());
    assert_eq!(ids(&idx, "NOT 公安局"), ["R1", "R3", "R4", "R5", "R6"]);
    assert_eq!(ids(&idx, "理财*"), ["R4"]);
}

fn ranked(idx: &CaseIndex, q: &str, opts: &SearchOptions) -> (Vec<String>, SearchResults) {
    let r = idx.search(q, opts).unwrap();
    (r.hits.iter().map(|h| h.id.clone()).collect(), r)
}

#[test]
fn side_by_side_words_rank_cases_with_every_term_first_then_most_terms() {
    let idx = index();
    let (order, r) = ranked(&idx, "刷单 返利", &SearchOptions::top(10));
    assert_eq!(order, ["R3", "R6"], "R6 has 刷单 but not 返利");
    let m = &r.matching;
    assert_eq!((r.total, m.matched_all), (2, 1));
    assert_eq!(m.query_terms, ["刷单", "返利"]);
    assert_eq!(m.partial, [crate::TierCount { matched: 1, of: 2, count: 1 }]);
    assert_eq!(m.dropped_terms, ["返利"]);
    assert_eq!(r.hits[0].matched_terms, ["刷单", "返利"]);
    assert_eq!(r.hits[1].matched_terms, ["刷单"]);
    assert!(m.unmatched_terms.is_empty());
    assert!(r.hits.iter().all(|h| h.score > 0.0 && h.score < ranked::TIER), "scores are BM25 without the tier");
    // A page filled by cases with every term: nothing relaxed.
    let (order, r) = ranked(&idx, "刷单 返利", &SearchOptions::top(1));
    assert_eq!((order, r.total, r.matching.partial.len()), (vec!["R3".to_string()], 1, 0));
    // Sorted by date, the cases with every term still come first (R6 is newer).
    let mut by_date = SearchOptions::top(10);
    by_date.sort = SortBy::Date;
    assert_eq!(ranked(&idx, "刷单 返利", &by_date).0, ["R3", "R6"]);
    // Four terms, none with them all: three of four rank above one of four.
    let (mut order, r) = ranked(&idx, "公安局 洗钱 安全账户 退款", &SearchOptions::top(10));
    assert_eq!(order.pop().as_deref(), Some("R1"), "R1 has only 退款");
    order.sort();
    assert_eq!(order, ["R2", "R7"]);
    let m = &r.matching;
    assert_eq!(m.matched_all, 0);
    let tier = |matched, count| crate::TierCount { matched, of: 4, count };
    assert_eq!(m.partial, [tier(3, 2), tier(1, 1)]);
    assert_eq!(m.dropped_terms, ["退款", "公安局", "洗钱", "安全账户"]);
}

#[test]
fn explicit_syntax_stays_strict() {
    let idx = index();
    for q in ["刷单 AND 返利", "+刷单 +返利", "\"刷单\" \"返利\"", "+返利 刷单", "刷单 返利 -垫付", "刷单 && 返利"]
    {
        let (order, r) = ranked(&idx, q, &SearchOptions::top(10));
        assert_eq!(order, ["R3"], "{q}");
        assert!(r.matching.dropped_terms.is_empty(), "{q}");
    }
    // `+` keeps its term among loose ones: R6 lacks 返利, so only cases with 返利 may follow.
    let (order, r) = ranked(&idx, "+返利 刷单 老人", &SearchOptions::top(10));
    assert_eq!((order, r.matching.matched_all), (vec!["R3".to_string()], 0));
    assert!(ids(&idx, "\"刷单返利\"").is_empty(), "a quoted phrase is never loosened");
}

#[test]
fn a_query_without_hits_names_its_unmatched_terms_and_suggests_indexed_words() {
    let idx = index();
    let (order, r) = ranked(&idx, "刷単", &SearchOptions::top(10));
    assert!(order.is_empty());
    let m = &r.matching;
    assert_eq!(m.unmatched_terms.len(), 1);
    assert_eq!(m.unmatched_terms[0].term, "刷単");
    assert_eq!(m.unmatched_terms[0].suggestions.first().map(String::as_str), Some("刷单"));
    // Beside a term that matches, the unmatched one is dropped, named and corrected; its characters (刷) still
    // bring in the cases with 刷单, matching no term as a word.
    let (mut order, r) = ranked(&idx, "洗钱 刷単", &SearchOptions::top(10));
    let by_word: Vec<&str> =
        r.hits.iter().filter(|h| h.matched_terms == ["洗钱"]).map(|h| h.id.as_str()).collect::<Vec<_>>();
    assert_eq!(by_word.len(), 2, "{order:?}");
    order.sort();
    assert_eq!(order, ["R2", "R3", "R6", "R7"]);
    assert!(r.hits.iter().filter(|h| h.id == "R3" || h.id == "R6").all(|h| h.matched_terms.is_empty()));
    assert_eq!(r.matching.dropped_terms, ["刷単", "洗钱"]);
    assert_eq!(r.matching.unmatched_terms[0].term, "刷単");
    // Strict syntax: every term that matches nothing is named; terms that match are not.
    let r = idx.search("\"安全账户\" AND zqxw", &SearchOptions::top(10)).unwrap();
    let unmatched: Vec<&str> = r.matching.unmatched_terms.iter().map(|u| u.term.as_str()).collect();
    assert_eq!((r.total, unmatched), (0, vec!["zqxw"]));
    // Terms that each match, just never together (strict): nothing to name.
    let r = idx.search("杀猪盘 AND 养老项目", &SearchOptions::top(10)).unwrap();
    assert!(r.total == 0 && r.matching.unmatched_terms.is_empty());
}

#[test]
fn words_find_identifiers_listed_in_a_report_and_words_near_each_other() {
    let mut idx = index();
    let mut listed =
        case("R8", "受害人在网上认识一名投资导师，被拉入群聊后投资。", "investment", "城关区", "2026-03-02", 20000);
    listed.identifiers = vec!["app:聚钱包".into(), "wechat:tz_boss9".into(), "alipay:13912345678".into()];
    idx.upsert(&[listed]).unwrap();
    for q in ["聚钱包", "tz_boss9", "TZ_Boss9", "139 1234 5678", "+86-139-1234-5678"] {
        assert_eq!(ids(&idx, q), ["R8"], "{q}");
    }
    // A bare IMEI with a valid check digit is one: found by its dashed form, and a dashed one by its digits.
    let bare = case("R10", "嫌疑人使用的手机串码352099001761481。", "other", "城关区", "2026-03-04", 100);
    let dashed = case("R11", "涉案手机（86-036404-123456-7）已扣押。", "other", "城关区", "2026-03-04", 100);
    let failing = case("R12", "单号352099001761482。", "other", "城关区", "2026-03-04", 100);
    idx.upsert(&[bare, dashed, failing]).unwrap();
    assert_eq!(ids(&idx, "35-209900-176148-1"), ["R10"]);
    assert_eq!(ids(&idx, "860364041234567"), ["R11"]);
    assert_eq!(ids(&idx, "35 209900 176148 1"), ["R10"], "another grouping");
    assert!(ids(&idx, "35-209900-176148-2").is_empty(), "a failing check digit is no IMEI, and no text matches it");
    // A Han word matches its characters in near order: 冒充客服 in 自称铁路12306客服 is too far, in 冒充淘宝客服 near.
    let near = case("R9", "对方冒充淘宝客服，称需要退款。", "impersonate_service", "城关区", "2026-03-03", 100);
    idx.upsert(&[near]).unwrap();
    let (order, _) = ranked(&idx, "冒充客服", &SearchOptions::top(10));
    assert_eq!(order.first().map(String::as_str), Some("R9"), "{order:?}");
}

#[test]
fn filters_and_options() {
    let idx = index();
    assert_eq!(ids(&idx, "洗钱 district:西固区"), ["R7"]);
    assert_eq!(ids(&idx, "type:brushing"), ["R3", "R6"]);
    assert_eq!(ids(&idx, "* "), ["R1", "R2", "R3", "R4", "R5", "R6", "R7"]);
    assert_eq!(ids(&idx, "date:[2026-02-01 TO 2026-02-28]"), ["R2", "R3"]);
    assert_eq!(ids(&idx, "date:2026-03"), ["R4", "R5", "R6"]);
    assert_eq!(ids(&idx, "loss:[1000 TO 5000]"), ["R1", "R6"]);
    assert_eq!(ids(&idx, "loss:[100000 TO *] 安全账户"), ["R2"]);
    let mut o = SearchOptions::top(10);
    o.fraud_type = Some("impersonate_police".into());
    o.from = Some(date_bounds("2026-02-01").unwrap().0);
    let r = idx.search("洗钱", &o).unwrap();
    assert_eq!(r.hits.iter().map(|h| h.id.as_str()).collect::<Vec<_>>(), ["R2"]);
    // Case status: a query filter and an option; hits carry it.
    let solved: Vec<String> =
        corpus().into_iter().filter(|c| c.status.as_deref() == Some("solved")).map(|c| c.id).collect();
    assert!(!solved.is_empty() && solved.len() < corpus().len());
    assert_eq!(ids(&idx, "status:solved"), solved);
    let mut o = SearchOptions::top(10);
    o.status = Some("filed".into());
    let filed = idx.search("*", &o).unwrap();
    assert_eq!(filed.total, corpus().len() - solved.len());
    assert!(filed.hits.iter().all(|h| h.status.as_deref() == Some("filed")));
    assert!(ids(&idx, "status:nonexistent").is_empty());
}

#[test]
fn identifiers_in_any_written_form() {
    let idx = index();
    for q in ["13800138000", "138 0013 8000", "+86 138-0013-8000", "１３８００１３８０００", "ident:tel:+8613800138000"]
    {
        assert_eq!(ids(&idx, q), ["R1"], "{q}");
    }
    for q in ["6222 0212 3456 7890 128", "6222-0212-3456-7890-128", "ident:card:6222021234567890128"] {
        assert_eq!(ids(&idx, q), ["R2"], "{q}");
    }
    let r = idx.search("138 0013 8000", &SearchOptions::top(5)).unwrap();
    assert!(r.hits[0].snippet.marked("[", "]").contains("[13800138000]"), "{:?}", r.hits[0].snippet);
}

#[test]
fn facets_totals_and_sorting() {
    let idx = index();
    let r = idx.search("受害人", &SearchOptions::top(2)).unwrap();
    assert_eq!(r.total, 5);
    assert_eq!(r.hits.len(), 2);
    let count = |v: &[crate::results::FacetCount], k: &str| v.iter().find(|f| f.value == k).map_or(0, |f| f.count);
    assert_eq!(count(&r.facets.fraud_type, "brushing"), 2);
    assert_eq!(count(&r.facets.district, "城关区"), 2);
    assert_eq!(r.facets.month.iter().map(|f| f.count).sum::<u64>(), 5);
    let mut o = SearchOptions::top(10);
    o.sort = SortBy::Loss;
    let by_loss: Vec<_> = idx.search("*", &o).unwrap().hits.into_iter().map(|h| h.loss_fen.unwrap()).collect();
    assert!(by_loss.windows(2).all(|w| w[0] >= w[1]), "{by_loss:?}");
    o.sort = SortBy::Date;
    let by_date: Vec<_> = idx.search("*", &o).unwrap().hits.into_iter().map(|h| h.id).collect();
    assert_eq!(by_date.first().map(String::as_str), Some("R6"));
    assert_eq!(by_date.last().map(String::as_str), Some("R1"));
    let rel = idx.search("安全账户 OR 洗钱 OR 刷单", &SearchOptions::top(10)).unwrap();
    assert!(rel.hits.windows(2).all(|w| w[0].score >= w[1].score));
}

#[test]
fn cursor_pages_cover_everything_once() {
    let idx = index();
    for sort in [SortBy::Relevance, SortBy::Date, SortBy::Loss] {
        let mut o = SearchOptions::top(100);
        o.sort = sort;
        let all: Vec<String> = idx.search("受害人 OR 对方", &o).unwrap().hits.into_iter().map(|h| h.id).collect();
        o.limit = 2;
        let mut paged = Vec::new();
        loop {
            let r = idx.search("受害人 OR 对方", &o).unwrap();
            paged.extend(r.hits.into_iter().map(|h| h.id));
            match r.next_cursor {
                Some(c) => o.cursor = Some(c),
                None => break,
            }
        }
        assert_eq!(paged, all, "{sort:?}");
    }
    let mut o = SearchOptions::top(2);
    o.cursor = Some("garbage".into());
    assert!(matches!(idx.search("刷单", &o), Err(SearchError::BadCursor { .. })));
}

#[test]
fn ties_across_segments_page_in_id_order_with_full_facets() {
    // 21 cases with the same text, date and loss, written in three commits (three segments), ids interleaved so
    // that every segment holds ids from the whole range: every sort order ties, so pages must follow the ids.
    let mut idx = CaseIndex::in_ram(ANALYZER.clone(), Box::new(IdentExtractor)).unwrap();
    let ty = |i: usize| if i.is_multiple_of(3) { "brushing" } else { "fake_loan" };
    for batch in 0..3 {
        let docs: Vec<CaseDoc> = (0..21)
            .filter(|i| i % 3 == batch)
            .map(|i| case(&format!("T{i:02}"), "网上兼职刷单返利被骗", ty(i), "城关区", "2026-02-03", 100))
            .collect();
        idx.upsert(&docs).unwrap();
    }
    let expected: Vec<String> = (0..21).map(|i| format!("T{i:02}")).collect();
    for sort in [SortBy::Relevance, SortBy::Date, SortBy::Loss] {
        let mut o = SearchOptions::top(4);
        o.sort = sort;
        let mut paged = Vec::new();
        loop {
            let r = idx.search("刷单", &o).unwrap();
            assert_eq!(r.total, 21);
            assert_eq!(r.facets.fraud_type[0], crate::FacetCount { value: "fake_loan".into(), count: 14 });
            assert_eq!(r.facets.fraud_type[1], crate::FacetCount { value: "brushing".into(), count: 7 });
            assert_eq!(r.facets.month, [crate::FacetCount { value: "2026-02".into(), count: 21 }]);
            assert!(r.hits.len() <= 4);
            paged.extend(r.hits.into_iter().map(|h| h.id));
            match r.next_cursor {
                Some(c) => o.cursor = Some(c),
                None => break,
            }
        }
        assert_eq!(paged, expected, "{sort:?}");
    }
}

#[test]
fn facets_can_be_skipped_without_changing_hits() {
    let idx = index();
    let mut o = SearchOptions::top(3);
    let with = idx.search("受害人 OR 对方", &o).unwrap();
    o.facets = false;
    let without = idx.search("受害人 OR 对方", &o).unwrap();
    assert!(!with.facets.fraud_type.is_empty() && !with.facets.month.is_empty());
    assert_eq!(without.facets, crate::Facets::default());
    assert_eq!(without.total, with.total);
    assert_eq!(without.hits, with.hits);
    assert_eq!(without.next_cursor, with.next_cursor);
}

#[test]
fn bad_queries_are_errors_with_positions() {
    let idx = index();
    match idx.search("刷单 AND (返利", &SearchOptions::top(5)) {
        Err(SearchError::Query(e)) => assert_eq!(e.position, 7),
        other => panic!("{other:?}"),
    }
    assert!(matches!(idx.search("，。", &SearchOptions::top(5)), Err(SearchError::Query(_))));
    assert!(matches!(idx.search("刷单", &SearchOptions::top(0)), Err(SearchError::BadOption { .. })));
    for q in ["((", "\"", "loss:[", "date:[x TO y]", "*:*", "-", "理财**", "ident:", ":::", "[]"] {
        let _ = idx.search(q, &SearchOptions::top(5));
    }
}

#[test]
fn upsert_replaces_and_sync_is_incremental() {
    let mut idx = index();
    let mut changed = corpus()[2].clone();
    changed.text = "受害人被骗购买游戏装备。".into();
    idx.upsert(std::slice::from_ref(&changed)).unwrap();
    assert_eq!(idx.len(), 7);
    assert_eq!(ids(&idx, "刷单"), ["R6"]);
    assert_eq!(ids(&idx, "游戏装备"), ["R3"]);
    assert_eq!(idx.get("R3").unwrap(), changed);

    let mut docs = corpus();
    docs[0].text.push_str("补充：对方还发来短信链接。");
    docs.retain(|d| d.id != "R7");
    docs.push(case(
        "R8",
        "冒充客服称快递丢失，要求理赔并共享屏幕。",
        "impersonate_service",
        "城关区",
        "2026-03-25",
        4000,
    ));
    let rep = idx.sync(&docs).unwrap();
    // R1 changed, R3 changed back, R7 gone, R8 new.
    assert_eq!(rep, SyncReport { added: 1, updated: 2, deleted: 1, unchanged: 4 });
    assert_eq!(idx.sync(&docs).unwrap(), SyncReport { unchanged: 7, ..Default::default() });
    // Rebuilding from the same documents gives the same results.
    let mut fresh = CaseIndex::in_ram(ANALYZER.clone(), Box::new(IdentExtractor)).unwrap();
    fresh.rebuild(&docs).unwrap();
    for q in ["刷单", "受害人", "安全账户 OR 短信", "13800138000"] {
        let a = idx.search(q, &SearchOptions::top(10)).unwrap();
        let b = fresh.search(q, &SearchOptions::top(10)).unwrap();
        let key = |r: &SearchResults| r.hits.iter().map(|h| h.id.clone()).collect::<Vec<_>>();
        assert_eq!(key(&a), key(&b), "{q}");
        assert_eq!(a.total, b.total);
    }
}

#[test]
fn similar_ranks_a_near_duplicate_first() {
    let mut idx = index();
    let mut dup = corpus()[1].clone();
    dup.id = "R9".into();
    dup.text = "一名自称公安局民警的人来电，称受害人涉嫌洗钱，要求把资金转入安全账户核查。".into();
    dup.identifiers = vec!["card:6222021234567890128".into()];
    idx.upsert(&[dup]).unwrap();
    let sim = idx.similar("R2", 3).unwrap();
    assert_eq!(sim[0].id, "R9", "{sim:?}");
    assert_eq!(sim[0].shared_identifiers, ["card:6222021234567890128"]);
    assert_eq!(sim[1].id, "R7", "{sim:?}");
    assert!(!sim.iter().any(|s| s.id == "R2"));
    assert!(matches!(idx.similar("nope", 3), Err(SearchError::UnknownCase { .. })));
}

#[test]
fn han_phrases_match_adjacent_characters_within_one_run_only() {
    let mut idx = CaseIndex::in_ram(ANALYZER.clone(), Box::new(IdentExtractor)).unwrap();
    let docs = [
        ("P1", "报警人于三月五日来所报案，称其通过手机银行转入对方账户"),
        ("P2", "报警人，于是对方又发来链接，通过手机，银行转入"),
        ("P3", "受害人称对方通过手机银行分三次转入"),
    ];
    idx.upsert(&docs.map(|(id, text)| case(id, text, "other", "城关区", "2026-03-05", 100))).unwrap();
    // Three characters (one trigram term), four (two overlapping trigrams), seven (three trigrams).
    assert_eq!(ids(&idx, "\"报警人\""), ["P1", "P2"]);
    assert_eq!(ids(&idx, "\"报警人于\""), ["P1"], "a comma breaks adjacency");
    assert_eq!(ids(&idx, "\"通过手机银行转入\""), ["P1"]);
    assert_eq!(ids(&idx, "\"通过手机银行\""), ["P1", "P3"]);
    assert_eq!(ids(&idx, "\"手机银行分三次转入\""), ["P3"]);
    assert!(ids(&idx, "\"银行转入对方账\"").len() == 1);
    // Unquoted, the exact phrase ranks first (its words anywhere also match, lower); out of order never matches.
    let top = idx.search("手机银行转入", &SearchOptions::top(10)).unwrap();
    assert_eq!(top.hits[0].id, "P1");
    assert!(ids(&idx, "\"银行手机\"").is_empty());
}

#[test]
fn segments_are_merged_into_balanced_groups() {
    let mut idx = CaseIndex::in_ram(ANALYZER.clone(), Box::new(IdentExtractor)).unwrap();
    let mut n = 0;
    for size in [50, 40, 30, 20, 10, 5, 5] {
        let docs: Vec<CaseDoc> = (n..n + size)
            .map(|i| case(&format!("S{i:03}"), &format!("第{i}号案件，受害人被骗"), "other", "城关区", "2026-03-05", 1))
            .collect();
        idx.upsert(&docs).unwrap();
        n += size;
    }
    let sizes = |idx: &CaseIndex| {
        let mut v: Vec<u32> = idx.index.searchable_segment_metas().unwrap().iter().map(|m| m.num_docs()).collect();
        v.sort();
        v
    };
    assert_eq!(sizes(&idx).len(), 7);
    let mut w = idx.writer(1).unwrap();
    idx.balance_segments(&mut w, 2).unwrap();
    w.wait_merging_threads().unwrap();
    idx.reader.reload().unwrap();
    let after = sizes(&idx);
    assert_eq!(after.len(), 2, "{after:?}");
    assert!(after[1] - after[0] <= 10, "{after:?}");
    assert_eq!(idx.len(), 160);
    assert_eq!(idx.search("受害人", &SearchOptions::top(5)).unwrap().total, 160);
}

#[test]
fn an_index_with_other_fields_is_reported_as_old() {
    let dir = tempfile::tempdir().unwrap();
    let mut b = tantivy::schema::Schema::builder();
    b.add_text_field("id", tantivy::schema::STRING);
    Index::create_in_dir(dir.path(), b.build()).unwrap();
    let err = CaseIndex::create_or_open(dir.path(), ANALYZER.clone(), Box::new(IdentExtractor)).unwrap_err();
    assert!(matches!(err, SearchError::OldFormat { .. }), "{err}");
    assert!(err.to_string().contains("older fanzha"), "{err}");
}

#[test]
fn on_disk_index_survives_an_interrupted_write() {
    let dir = tempfile::tempdir().unwrap();
    {
        let mut idx = CaseIndex::create_or_open(dir.path(), ANALYZER.clone(), Box::new(IdentExtractor)).unwrap();
        idx.upsert(&corpus()[..2]).unwrap();
        // A writer that adds a case and dies before committing.
        let w = idx.writer(0).unwrap();
        w.add_document(idx.document(&corpus()[2])).unwrap();
        drop(w);
    }
    let idx = CaseIndex::create_or_open(dir.path(), ANALYZER.clone(), Box::new(IdentExtractor)).unwrap();
    assert_eq!(idx.len(), 2);
    assert_eq!(ids(&idx, "12306"), ["R1"]);
    assert!(ids(&idx, "返利").is_empty());
}

#[test]
fn refresh_reloads_only_after_a_commit_elsewhere() {
    let dir = tempfile::tempdir().unwrap();
    let open = || CaseIndex::create_or_open(dir.path(), ANALYZER.clone(), Box::new(IdentExtractor)).unwrap();
    let mut writer = open();
    writer.upsert(&corpus()[..2]).unwrap();
    // The server's handle: loads once, then nothing changed.
    let server = open();
    assert!(server.refresh().unwrap());
    assert!(!server.refresh().unwrap());
    assert_eq!(server.len(), 2);
    // Another handle (another process, as far as the server knows) commits a case: the next refresh sees it.
    writer.upsert(&corpus()[2..3]).unwrap();
    assert!(server.refresh().unwrap());
    assert_eq!(server.len(), 3);
    assert_eq!(ids(&server, "返利"), ids(&writer, "返利"));
    assert!(!server.refresh().unwrap());
    // The index's files gone: an error, so the caller opens it afresh.
    drop(writer);
    std::fs::remove_file(dir.path().join("meta.json")).unwrap();
    assert!(server.refresh().is_err());
    // In memory there is no file to look at: it always reloads.
    let ram = CaseIndex::in_ram(ANALYZER.clone(), Box::new(IdentExtractor)).unwrap();
    assert!(ram.refresh().unwrap());
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]

    /// Any UTF-8 query gives results or a typed error, never a panic; tokens always point inside the text.
    #[test]
    fn any_query_or_text_is_handled(q in "\\PC{0,24}", ops in "[ ()\"*:\\-\\[\\]A-Z]{0,8}") {
        let idx = index();
        let query = format!("{ops}{q}");
        let _ = idx.search(&query, &SearchOptions::top(5));
        for mode in [crate::analysis::TokenMode::Jieba, crate::analysis::TokenMode::Bigram, crate::analysis::TokenMode::Words] {
            for t in ANALYZER.tokens(&query, mode) {
                proptest::prop_assert!(t.from < t.to && t.to <= query.len() && query.is_char_boundary(t.from));
            }
        }
    }
}

/// A corpus of `n` cases of 3–8 words each from a small vocabulary (a fixed pseudo-random sequence), written in
/// batches (several segments), then a tenth of them rewritten (deleted documents in the old segments).
/// A skewed corpus of `n` cases (every tenth rewritten once); the cases' texts by id.
fn word_corpus(idx: &mut CaseIndex, n: usize) -> HashMap<String, String> {
    const WORDS: [&str; 20] = [
        "冒充",
        "客服",
        "退款",
        "银行卡",
        "刷单",
        "返利",
        "微信",
        "转账",
        "投资",
        "平台",
        "高额",
        "回报",
        "公安局",
        "洗钱",
        "安全账户",
        "贷款",
        "手续费",
        "验证码",
        "理财",
        "兼职",
    ];
    let mut seed: u64 = 7;
    let mut next = |m: usize| {
        seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        ((seed >> 33) % m as u64) as usize
    };
    let mut make = |i: usize, round: usize| {
        // Skewed: low word indexes are common, high ones rare.
        let words: Vec<&str> = (0..3 + next(6)).map(|_| WORDS[next(WORDS.len()).min(next(WORDS.len()))]).collect();
        let ty = ["brushing", "fake_loan", "impersonate_police"][next(3)];
        let date = format!("2026-0{}-1{}", 1 + next(6), next(10));
        let text = format!("受害人称{}，经{round}次核实。", words.join("，对方"));
        case(&format!("W{i:04}"), &text, ty, ["城关区", "七里河区"][next(2)], &date, 100 * (1 + next(50)) as i64)
    };
    let docs: Vec<CaseDoc> = (0..n).map(|i| make(i, 0)).collect();
    for batch in docs.chunks(n.div_ceil(4)) {
        idx.upsert(batch).unwrap();
    }
    let rewritten: Vec<CaseDoc> = (0..n).step_by(10).map(|i| make(i, 1)).collect();
    idx.upsert(&rewritten).unwrap();
    docs.into_iter().chain(rewritten).map(|d| (d.id, d.text)).collect()
}

/// A relaxed query's hits on every page of it (following cursors).
fn all_pages(idx: &CaseIndex, q: &str, mut o: SearchOptions) -> Vec<Hit> {
    let mut hits = Vec::new();
    loop {
        let r = idx.search(q, &o).unwrap();
        hits.extend(r.hits);
        match r.next_cursor {
            Some(c) => o.cursor = Some(c),
            None => return hits,
        }
    }
}

/// `n` cases with the same `text` (ids `C000`, `C001`, …), and `others` after them: the common cases a relaxed
/// query's pool fills up with, and the few that ranking must find among them.
fn among_common(n: usize, text: &str, others: &[(&str, &str, &str)]) -> Vec<CaseDoc> {
    let common = (0..n).map(|i| case(&format!("C{i:03}"), text, "fake_loan", "城关区", "2026-03-10", 100));
    common.chain(others.iter().map(|&(id, text, ty)| case(id, text, ty, "城关区", "2026-03-11", 100))).collect()
}

#[test]
fn a_relaxed_query_keeps_a_rare_terms_cases_before_those_of_two_common_ones() {
    // 120 cases with two common terms (微信 转账), two with one rare term (刷单): counting terms would keep the 120
    // (a pool of them has two terms) and drop the rare term's cases; weighing terms by their rarity keeps them,
    // and BM25 ranks them first.
    let mut idx = CaseIndex::in_ram(ANALYZER.clone(), Box::new(IdentExtractor)).unwrap();
    let brushing = "对方以刷单为名，要求受害人先行垫付。";
    let docs =
        among_common(120, "受害人通过微信向对方转账。", &[("S1", brushing, "brushing"), ("S2", brushing, "brushing")]);
    idx.upsert(&docs).unwrap();
    let (order, r) = ranked(&idx, "刷单 返利 微信 转账", &SearchOptions::top(10));
    let mut first: Vec<&str> = order[..2].iter().map(String::as_str).collect();
    first.sort();
    assert_eq!(first, ["S1", "S2"], "{order:?}");
    assert_eq!(r.total, 122);
    assert_eq!(r.hits[0].matched_terms, ["刷单"]);
    let tier = |matched, count| crate::TierCount { matched, of: 4, count };
    assert_eq!(r.matching.partial, [tier(2, 120), tier(1, 2)]);
}

#[test]
fn a_relaxed_query_keeps_whole_sets_of_terms_down_to_a_pool_of_cases() {
    // On a skewed corpus, whatever the sort, filter or page size: the cases with every term come first; the cases
    // kept are at least a pool (or every case matching a term); and the kept sets of evidence are closed upwards (a
    // case is never dropped while a case with a subset of its evidence is kept, as more evidence weighs more). A
    // case's evidence: the terms it matches as words, and the rare terms (fewer cases than a pool) some of whose
    // characters it has, and all of them.
    let mut idx = CaseIndex::in_ram(ANALYZER.clone(), Box::new(IdentExtractor)).unwrap();
    let texts = word_corpus(&mut idx, 600);
    let queries = [
        "冒充 客服",
        "刷单 返利 兼职",
        "安全账户 洗钱 公安局 验证码",
        "理财 兼职 验证码 手续费 贷款",
        "冒充 理财 验证码 不存在词",
        "高额 回报 平台 投资 理财",
        "刷单 返利 兼职 -微信",
        "+冒充 理财 兼职 验证码",
    ];
    let mut relaxed = 0;
    for q in queries {
        // Every case's evidence: words from a strict query per term, a rare term's characters from the text.
        let terms = idx.search(q, &SearchOptions::top(1)).unwrap().matching.query_terms;
        let n = terms.len();
        let mut sets: HashMap<String, u32> = HashMap::new();
        for (t, term) in terms.iter().enumerate() {
            let cases = all_pages(&idx, &format!("+{term}"), SearchOptions::top(200));
            for h in &cases {
                *sets.entry(h.id.clone()).or_default() |= 1 << t;
            }
            if cases.len() < ranked::POOL {
                for (id, text) in &texts {
                    if term.chars().any(|c| text.contains(c)) {
                        *sets.entry(id.clone()).or_default() |= 1 << (n + t);
                    }
                    if term.chars().count() > 1 && term.chars().all(|c| text.contains(c)) {
                        *sets.entry(id.clone()).or_default() |= 1 << (2 * n + t);
                    }
                }
            }
        }
        for (sort, limit) in [(SortBy::Relevance, 10), (SortBy::Relevance, 3), (SortBy::Date, 5), (SortBy::Loss, 7)] {
            for filter in [None, Some("fake_loan")] {
                let mut o = SearchOptions::top(limit);
                o.sort = sort;
                o.fraud_type = filter.map(str::to_string);
                let first = idx.search(q, &o).unwrap();
                if first.matching.partial.is_empty() {
                    continue;
                }
                relaxed += 1;
                let hits = all_pages(&idx, q, o.clone());
                assert_eq!(hits.len(), first.total, "{q} {sort:?} {limit} {filter:?}");
                let every = hits.iter().take_while(|h| h.matched_terms.len() == n).count();
                assert_eq!(every, first.matching.matched_all, "{q}: cases with every term first");
                let kept: HashSet<&str> = hits.iter().map(|h| h.id.as_str()).collect();
                assert_eq!(kept.len(), hits.len(), "{q}: no case twice across pages");
                // The candidates: cases that a plain OR of the terms finds under the same filter and fixed terms.
                let fixed: Vec<&str> = q.split(' ').filter(|w| w.starts_with(['+', '-'])).collect();
                let mut any = SearchOptions::top(200);
                any.fraud_type = o.fraud_type.clone();
                let loose: Vec<&str> = q.split(' ').filter(|w| !w.starts_with(['+', '-'])).collect();
                let or = format!("({}) {}", loose.join(" OR "), fixed.join(" "));
                let candidates: Vec<Hit> = all_pages(&idx, or.trim(), any);
                assert!(hits.len() >= ranked::POOL.min(candidates.len()), "{q}: at least a pool is kept");
                let words = |id: &str| (sets.get(id).copied().unwrap_or(0) & ((1 << n) - 1)).count_ones() as usize;
                for h in &hits {
                    assert_eq!(h.matched_terms.len(), words(&h.id), "{q}: {} matched terms", h.id);
                }
                for c in candidates.iter().filter(|c| !kept.contains(c.id.as_str())) {
                    let dropped = sets[&c.id];
                    let subset = hits.iter().find(|h| sets.get(&h.id).is_some_and(|&s| s & dropped == s));
                    let subset = subset.map(|h| &h.id);
                    assert!(subset.is_none(), "{q}: {} dropped while {subset:?} (a subset of its evidence) kept", c.id);
                }
            }
        }
    }
    assert!(relaxed > 20, "the queries must exercise the relaxed path ({relaxed} relaxed runs)");
}

#[test]
fn a_partial_match_ranks_by_the_share_of_the_query_it_matches() {
    // No case has all three terms. Short notices repeat one term (加微信), so their BM25 alone beats the case that
    // has two of the three in a longer text; weighted by the share of the query matched, the longer case ranks first.
    let mut idx = CaseIndex::in_ram(ANALYZER.clone(), Box::new(IdentExtractor)).unwrap();
    let mut docs: Vec<CaseDoc> = (0..6)
        .map(|i| case(&format!("N{i}"), "加微信，加微信，加微信。", "other", "城关区", "2026-03-10", 100))
        .collect();
    let leader = "对方自称是受害人单位的领导，要求受害人添加微信，随后以给上级送礼为由让其转账五万元，并再三催促。";
    docs.push(case("L1", leader, "impersonate_leader", "城关区", "2026-03-11", 100));
    for i in 0..40 {
        let text = format!("受害人在网上购物时被骗{i}元。");
        docs.push(case(&format!("F{i:03}"), &text, "other", "城关区", "2026-03-12", 100));
    }
    idx.upsert(&docs).unwrap();
    let (order, r) = ranked(&idx, "领导 加微信 换号", &SearchOptions::top(10));
    assert_eq!(r.matching.matched_all, 0);
    assert_eq!(order[0], "L1", "{order:?}");
    assert_eq!(r.hits[0].matched_terms, ["领导", "加微信"]);
    let tier = |matched, count| crate::TierCount { matched, of: 3, count };
    assert_eq!(r.matching.partial, [tier(2, 1), tier(1, 6)], "the tiers are counted as before");
}

#[test]
fn a_query_of_more_terms_than_a_census_takes_relaxes_by_counts() {
    let mut idx = CaseIndex::in_ram(ANALYZER.clone(), Box::new(IdentExtractor)).unwrap();
    word_corpus(&mut idx, 600);
    let q = "冒充 客服 退款 银行卡 刷单 返利 微信 转账 投资 平台 高额 回报 公安局";
    let r = idx.search(q, &SearchOptions::top(10)).unwrap();
    let m = &r.matching;
    assert!(m.query_terms.len() > ranked::CENSUS_TERMS, "{m:?}");
    assert!(m.matched_all < 10, "relaxed: {m:?}");
    // The step reached: the cases with at least its number of terms are the total, and are at least the pool
    // (or it is the last step, one term); one step more would have been under the pool.
    let step = m.partial.last().map_or(m.query_terms.len(), |t| t.matched);
    let at_least =
        |k: usize| m.matched_all + m.partial.iter().filter(|t| t.matched >= k).map(|t| t.count).sum::<usize>();
    assert_eq!(r.total, at_least(step));
    assert!(step == 1 || r.total >= ranked::POOL, "{m:?}");
    assert!(at_least(step + 1) < ranked::POOL, "{m:?}");
    assert!(r.hits.iter().all(|h| h.matched_terms.len() >= step));
}

#[test]
fn a_rare_words_characters_bring_in_the_cases_that_word_it_otherwise() {
    // Court texts mask the charge (抢劫 → ××): three robbery facts have only the character 抢; one names 抢劫.
    // 抢劫 is rare (fewer cases than a pool), so its characters bring those facts in, after the one with the word
    // and ahead of 150 cases with a common word. A common word's characters bring nothing (信 of 微信).
    let mut idx = CaseIndex::in_ram(ANALYZER.clone(), Box::new(IdentExtractor)).unwrap();
    let masked = "被告人在路边××他人财物，抢走手机一部。";
    let others = [
        ("M1", masked, "robbery"),
        ("M2", masked, "robbery"),
        ("M3", masked, "robbery"),
        ("W1", "被告人抢劫出租车司机。", "robbery"),
        ("X1", "受害人申请信用卡。", "fake_loan"),
    ];
    idx.upsert(&among_common(150, "被害人通过微信向对方转账。", &others)).unwrap();
    let (order, r) = ranked(&idx, "抢劫 微信", &SearchOptions::top(10));
    assert_eq!(order[0], "W1", "{order:?}");
    let mut masked: Vec<&str> = order[1..4].iter().map(String::as_str).collect();
    masked.sort();
    assert_eq!(masked, ["M1", "M2", "M3"], "{order:?}");
    assert!(r.hits[1..4].iter().all(|h| h.matched_terms.is_empty()), "matched by characters, not by the word");
    // Their snippets show the character that brought them; the case with the word shows the word.
    assert!(r.hits[1..4].iter().all(|h| h.snippet.marked("[", "]").contains("[抢]")), "{:?}", r.hits[1].snippet);
    assert!(r.hits[0].snippet.marked("[", "]").contains("[抢劫]"), "{:?}", r.hits[0].snippet);
    assert_eq!(r.total, 154, "X1 (信 of the common 微信) is not brought in");
    let tier = |matched, count| crate::TierCount { matched, of: 2, count };
    assert_eq!(r.matching.partial, [tier(1, 151), tier(0, 3)]);
    // A strict query keeps to the word.
    assert_eq!(ranked(&idx, "+抢劫", &SearchOptions::top(10)).0, ["W1"]);
}

#[test]
fn a_case_with_all_of_a_rare_words_characters_is_kept_before_those_with_one() {
    // 刷信誉 is no case's word. 150 transfers by WeChat have 转账 and 信 (one of its characters): a pool of them
    // would be kept first by "any character"; the one fact with all three characters (刷, 信, 誉) weighs more.
    let mut idx = CaseIndex::in_ram(ANALYZER.clone(), Box::new(IdentExtractor)).unwrap();
    let fact = "被告人在网上招揽淘宝卖家，谎称可以帮助刷高店铺信誉，收取费用后失联。";
    idx.upsert(&among_common(150, "被害人通过微信向对方转账。", &[("A1", fact, "brushing")])).unwrap();
    let (order, r) = ranked(&idx, "刷信誉 转账", &SearchOptions::top(10));
    assert_eq!(r.matching.matched_all, 0);
    assert!(order.iter().any(|id| id == "A1"), "{order:?}");
    assert_eq!(r.total, 151, "the pool: the 150 transfers and the fact");
}

#[test]
fn a_mistyped_identifier_is_shown_the_close_ones_a_case_within_the_search_lists() {
    let mut idx = CaseIndex::in_ram(ANALYZER.clone(), Box::new(IdentExtractor)).unwrap();
    let docs = [
        case("P1", "诈骗分子使用电话13912345678联系受害人。", "fake_loan", "城关区", "2026-03-10", 100),
        case("P2", "受害人向卡号6222021234567890128转账。", "fake_loan", "七里河区", "2026-03-11", 100),
        case("P3", "对方电话13912345670，自称客服。", "fake_loan", "七里河区", "2026-03-12", 100),
    ];
    idx.upsert(&docs).unwrap();
    let suggestions = |q: &str, district: Option<&str>| {
        let mut o = SearchOptions::top(10);
        o.district = district.map(str::to_string);
        let r = idx.search(q, &o).unwrap();
        assert_eq!(r.total, 0, "{q}");
        let u = &r.matching.unmatched_terms;
        assert_eq!(u.len(), 1, "{q}: {u:?}");
        u[0].suggestions.clone()
    };
    // One digit wrong: both numbers one edit away, the closer ones first (equal here), in key order.
    assert_eq!(suggestions("13912345679", None), ["13912345670", "13912345678"]);
    // Two neighbouring digits swapped in a card number (one edit with transpositions); a dashed written form.
    assert_eq!(suggestions("6222-0212-3456-7809-128", None), ["6222021234567890128"]);
    // Only numbers a case within the search's filters lists: P1 is in 城关区.
    assert_eq!(suggestions("13912345679", Some("七里河区")), ["13912345670"]);
    // The suggestion finds its case when typed back.
    assert_eq!(ranked(&idx, "13912345678", &SearchOptions::top(10)).0, ["P1"]);
    // Nothing close: no suggestion.
    assert!(suggestions("13800000000", None).is_empty());
}
