//! Telecom fraud texts: each fraud type's key phrases, derived from a training split (bigrams most specific to the
//! type against genuine SMS), must rank that type above genuine SMS on the held-out split.

use std::collections::{BTreeMap, BTreeSet};

use search::{CaseDoc, CaseIndex, IdentExtractor, SearchOptions, is_han};

use crate::baseline::CharIndex;
use crate::{ANALYZER, data_dir, p10_r100};

/// Number of key phrases per type.
const PHRASES: usize = 5;

fn han_bigrams(text: &str) -> BTreeSet<String> {
    let chars: Vec<char> = text.chars().collect();
    chars.windows(2).filter(|w| is_han(w[0]) && is_han(w[1])).map(|w| w.iter().collect()).collect()
}

#[test]
fn key_phrases_rank_their_type_above_genuine_sms() {
    let Some(dir) = data_dir() else { return };
    let mut rdr = csv::Reader::from_path(dir.join("telecom_fraud_texts/texts.csv")).expect("texts.csv");
    let rows: Vec<(String, String)> = rdr
        .records()
        .map(|r| {
            let r = r.expect("csv row");
            (r[0].to_string(), r[1].to_string())
        })
        .collect();
    // Fixed split: even rows derive the phrases, odd rows are searched.
    let (train, test): (Vec<_>, Vec<_>) = rows.iter().enumerate().partition(|(i, _)| i % 2 == 0);
    let mut df: BTreeMap<&str, (usize, BTreeMap<String, usize>)> = BTreeMap::new();
    for (_, (text, label)) in &train {
        let e = df.entry(label.as_str()).or_default();
        e.0 += 1;
        for b in han_bigrams(text) {
            *e.1.entry(b).or_default() += 1;
        }
    }
    let (n0, df0) = df.get("0").cloned().expect("genuine SMS");
    let test: Vec<&(String, String)> = test.into_iter().map(|(_, r)| r).collect();
    let mut idx = CaseIndex::in_ram(ANALYZER.clone(), Box::new(IdentExtractor)).unwrap();
    let docs: Vec<CaseDoc> = test
        .iter()
        .enumerate()
        .map(|(i, (text, label))| CaseDoc {
            id: i.to_string(),
            text: text.clone(),
            fraud_type: label.clone(),
            district: String::new(),
            community: None,
            status: None,
            reported_at: None,
            loss_fen: None,
            identifiers: Vec::new(),
        })
        .collect();
    idx.upsert(&docs).unwrap();
    let base = CharIndex::build(&test.iter().map(|r| r.0.as_str()).collect::<Vec<_>>());
    let (mut ours_p, mut base_p, mut ours_rp, mut base_rp, mut labels) = (0.0, 0.0, 0.0, 0.0, 0.0);
    for (label, (n, counts)) in df.iter().filter(|(l, _)| **l != "0") {
        let mut scored: Vec<(f64, &String)> = counts
            .iter()
            .filter(|(_, c)| **c * 20 >= *n) // in at least 5% of the type's messages
            .map(|(b, c)| {
                let genuine = df0.get(b).copied().unwrap_or(0);
                ((*c as f64 / *n as f64) / ((genuine + 1) as f64 / n0 as f64), b)
            })
            .collect();
        scored.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(b.1)));
        let phrases: Vec<&String> = scored.iter().take(PHRASES).map(|s| s.1).collect();
        let query = phrases.iter().map(|p| format!("\"{p}\"")).collect::<Vec<_>>().join(" OR ");
        let n_rel = test.iter().filter(|r| r.1 == *label).count();
        let relevant = |d: usize| test[d].1 == *label;
        let found = idx.search(&query, &SearchOptions::top(n_rel.min(1000))).unwrap();
        let ranked: Vec<usize> = found.hits.iter().map(|h| h.id.parse().unwrap()).collect();
        let (p, r) = p10_r100(&ranked, relevant, n_rel);
        let base_ranked = base.search(&phrases.iter().map(|p| p.as_str()).collect::<String>(), n_rel.min(1000));
        let (bp, br) = p10_r100(&base_ranked, relevant, n_rel);
        // R-precision: precision over the first n_rel ranks (= recall at n_rel).
        let r_prec = |r: &[usize]| r.iter().filter(|&&d| relevant(d)).count() as f64 / n_rel as f64;
        let (rp, brp) = (r_prec(&ranked), r_prec(&base_ranked));
        let genuine_top10 = ranked.iter().take(10).filter(|&&d| test[d].1 == "0").count();
        let genuine_top100 = ranked.iter().take(100).filter(|&&d| test[d].1 == "0").count();
        eprintln!(
            "telecom {label} (n={n_rel}): query {query}; ours p@10 {p:.2} r@100 {r:.2} R-prec {rp:.2} \
             (genuine in top 10/100: {genuine_top10}/{genuine_top100}) | char-BM25 p@10 {bp:.2} r@100 {br:.2} R-prec {brp:.2}"
        );
        assert_eq!(genuine_top10, 0, "{label}: genuine SMS in the top 10");
        assert!(genuine_top100 <= 10, "{label}: too many genuine SMS in the top 100");
        ours_p += p;
        base_p += bp;
        ours_rp += rp;
        base_rp += brp;
        labels += 1.0;
    }
    eprintln!(
        "telecom mean: ours p@10 {:.3} R-prec {:.3} | char-BM25 p@10 {:.3} R-prec {:.3}",
        ours_p / labels,
        ours_rp / labels,
        base_p / labels,
        base_rp / labels
    );
    assert!(labels >= 4.0);
    assert!(ours_p + 1e-9 >= base_p, "ours must not be below the baseline at p@10");
}
