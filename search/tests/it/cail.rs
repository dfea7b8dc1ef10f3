//! CAIL2018 facts: accusation-label queries vs a character baseline, and identifier search in written forms.

use std::sync::LazyLock;
use std::time::Instant;

use search::{CaseDoc, CaseIndex, IdentExtractor, IdentifierExtractor, SearchOptions};

use crate::baseline::CharIndex;
use crate::{ANALYZER, data_dir, p10_r100};

struct Case {
    fact: String,
    accusations: Vec<String>,
}

fn load() -> Option<Vec<Case>> {
    let dir = data_dir()?.join("cail2018");
    let mut out = Vec::new();
    for file in ["fraud_cases.jsonl", "other_cases.jsonl"] {
        let text = std::fs::read_to_string(dir.join(file)).expect("read cail2018");
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            let v: serde_json::Value = serde_json::from_str(line).expect("json line");
            let accusations = v["meta"]["accusation"]
                .as_array()
                .map(|a| a.iter().filter_map(|x| x.as_str().map(str::to_string)).collect())
                .unwrap_or_default();
            out.push(Case { fact: v["fact"].as_str().unwrap_or_default().to_string(), accusations });
        }
    }
    Some(out)
}

fn index(cases: &[Case]) -> CaseIndex {
    let mut idx = CaseIndex::in_ram(ANALYZER.clone(), Box::new(IdentExtractor)).unwrap();
    let docs: Vec<CaseDoc> = cases
        .iter()
        .enumerate()
        .map(|(i, c)| CaseDoc {
            id: i.to_string(),
            text: c.fact.clone(),
            fraud_type: c.accusations.first().cloned().unwrap_or_default(),
            district: String::new(),
            community: None,
            status: None,
            reported_at: None,
            loss_fen: None,
            identifiers: IdentExtractor.keys(&c.fact),
        })
        .collect();
    idx.upsert(&docs).unwrap();
    idx
}

/// The facts and their index, built once for all tests of this module.
static CORPUS: LazyLock<Option<(Vec<Case>, CaseIndex)>> = LazyLock::new(|| {
    let cases = load()?;
    let t = Instant::now();
    let idx = index(&cases);
    eprintln!("indexed {} facts in {:?}", cases.len(), t.elapsed());
    Some((cases, idx))
});

#[test]
fn label_queries_beat_the_character_baseline() {
    let Some((cases, idx)) = CORPUS.as_ref() else { return };
    let t = Instant::now();
    let texts: Vec<&str> = cases.iter().map(|c| c.fact.as_str()).collect();
    let base = CharIndex::build(&texts);
    eprintln!("baseline: indexed {} facts in {:?}", cases.len(), t.elapsed());
    // The query set: every fraud-family accusation (a label containing 诈骗) with at least 10 cases; the query is
    // the label itself. Derived from the data, not chosen by outcome.
    let mut labels: Vec<(String, usize)> = Vec::new();
    for c in cases {
        for a in &c.accusations {
            match labels.iter_mut().find(|(l, _)| l == a) {
                Some((_, n)) => *n += 1,
                None => labels.push((a.clone(), 1)),
            }
        }
    }
    labels.retain(|(l, n)| l.contains("诈骗") && *n >= 10);
    labels.sort();
    assert!(labels.len() >= 3, "{labels:?}");
    let (mut ours_p, mut ours_r, mut base_p, mut base_r) = (0.0, 0.0, 0.0, 0.0);
    for (label, n) in &labels {
        let relevant = |d: usize| cases[d].accusations.contains(label);
        let ranked: Vec<usize> =
            idx.search(label, &SearchOptions::top(100)).unwrap().hits.iter().map(|h| h.id.parse().unwrap()).collect();
        let (p, r) = p10_r100(&ranked, relevant, *n);
        let (bp, br) = p10_r100(&base.search(label, 100), relevant, *n);
        eprintln!("cail {label} (n={n}): ours p@10 {p:.2} r@100 {r:.2} | char-BM25 p@10 {bp:.2} r@100 {br:.2}");
        ours_p += p;
        ours_r += r;
        base_p += bp;
        base_r += br;
    }
    let k = labels.len() as f64;
    let (ours_p, ours_r, base_p, base_r) = (ours_p / k, ours_r / k, base_p / k, base_r / k);
    eprintln!("cail mean: ours p@10 {ours_p:.3} r@100 {ours_r:.3} | char-BM25 p@10 {base_p:.3} r@100 {base_r:.3}");
    assert!(ours_p + 1e-9 >= base_p && ours_r + 1e-9 >= base_r, "ours must not be below the baseline");
    // Measured 0.567 (诈骗 itself scores 0 for both: its facts say 骗取, and the word appears in other charges' facts).
    assert!(ours_p >= 0.55, "mean p@10 {ours_p}");
}

/// Three written forms of a mobile or card number.
fn forms(digits: &str) -> Vec<String> {
    let full: String = digits.chars().map(|c| char::from_u32(c as u32 + 0xFEE0).unwrap()).collect();
    if digits.len() == 11 {
        vec![format!("{} {} {}", &digits[..3], &digits[3..7], &digits[7..]), format!("+86{digits}"), full]
    } else {
        let groups: Vec<&str> = digits.as_bytes().chunks(4).map(|c| std::str::from_utf8(c).unwrap()).collect();
        vec![groups.join(" "), groups.join("-"), full]
    }
}

/// Maximal ASCII digit runs of `text` with 11 digits starting `1[3-9]` (mobiles) or 16–19 digits (cards).
fn numbers(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut run = String::new();
    for c in text.chars().chain(std::iter::once(' ')) {
        if c.is_ascii_digit() {
            run.push(c);
            continue;
        }
        let b = run.as_bytes();
        let mobile = b.len() == 11 && b[0] == b'1' && (b'3'..=b'9').contains(&b[1]);
        if mobile || (16..=19).contains(&b.len()) {
            out.push(run.clone());
        }
        run.clear();
    }
    out
}

#[test]
fn every_phone_and_card_is_found_in_any_written_form() {
    let Some((cases, idx)) = CORPUS.as_ref() else { return };
    let mut checked = 0;
    for (i, c) in cases.iter().enumerate() {
        for number in numbers(&c.fact) {
            for q in forms(&number) {
                let found = idx.search(&q, &SearchOptions::top(50)).unwrap();
                assert!(found.hits.iter().any(|h| h.id == i.to_string()), "case {i}: {q:?} ({number}) not found");
                checked += 1;
            }
        }
    }
    eprintln!("cail: {checked} identifier queries, all found");
    assert!(checked >= 30, "expected the sample's phones and cards, got {checked} queries");
}

/// Ordinary investigator queries (2–5 keywords, written as a new user would): each returns a page, most of whose
/// top 10 carry the accusation family the words describe, beside the character baseline; a partial page says which
/// terms it dropped.
#[test]
fn keyword_queries_rank_partial_matches() {
    let Some((cases, idx)) = CORPUS.as_ref() else { return };
    let texts: Vec<&str> = cases.iter().map(|c| c.fact.as_str()).collect();
    let base = CharIndex::build(&texts);
    let fraud = |d: usize| cases[d].accusations.iter().any(|a| a.contains('骗'));
    let theft = |d: usize| cases[d].accusations.iter().any(|a| a.contains("盗窃"));
    let queries: [(&str, &dyn Fn(usize) -> bool); 5] = [
        ("冒充 客服 退款 银行卡", &fraud),
        ("网络 贷款 手续费 骗取", &fraud),
        ("盗窃 手机 电动车", &theft),
        ("刷单 返利 微信 转账", &fraud),
        ("虚构 投资 平台 高额 回报", &fraud),
    ];
    let (mut ours, mut baseline, mut worst) = (0.0, 0.0, 1.0f64);
    for (q, relevant) in queries {
        let found = idx.search(q, &SearchOptions::top(10)).unwrap();
        let ranked: Vec<usize> = found.hits.iter().map(|h| h.id.parse().unwrap()).collect();
        let p = ranked.iter().filter(|&&d| relevant(d)).count() as f64 / 10.0;
        let bp = base.search(q, 10).iter().filter(|&&d| relevant(d)).count() as f64 / 10.0;
        let m = &found.matching;
        eprintln!(
            "{q}: {} hits ({} match all, dropped {:?}); p@10 {p:.1} | char-BM25 {bp:.1}",
            found.total, m.matched_all, m.dropped_terms
        );
        assert_eq!(found.hits.len(), 10, "{q}: a full page");
        if m.matched_all < found.total {
            assert!(!m.dropped_terms.is_empty(), "{q}: a partial page names its dropped terms");
            assert!(found.hits.iter().any(|h| h.matched_terms.len() < m.query_terms.len()), "{q}");
        }
        worst = worst.min(p);
        ours += p;
        baseline += bp;
    }
    eprintln!("keyword queries: mean p@10 ours {:.2} | char-BM25 {:.2}", ours / 5.0, baseline / 5.0);
    // Measured 0.88 for both (before ranked matching: no hits at all).
    assert!(ours + 1e-9 >= baseline, "ours must not be below the baseline");
    assert!(worst >= 0.6, "p@10 {worst} on one query");
}
