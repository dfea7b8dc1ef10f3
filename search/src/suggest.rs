//! Suggestions for a term no case matches: the closest words of the jieba field's term dictionary, streamed
//! through a Levenshtein automaton (tantivy's fuzzy-term DFA over each segment's FST); for an identifier, the
//! closest keys of the same kind that the cases list.

use std::collections::BTreeMap;

use tantivy::query::{BooleanQuery, FuzzyTermQuery, Occur, Query, TermQuery};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{Searcher, Term};

use crate::ranked::count_up_to;

/// Suggestions per unmatched term.
pub(crate) const SUGGESTIONS: usize = 3;

/// Words longer than this (in characters) get no suggestions (nobody mistypes a sentence into one word).
const MAX_CHARS: usize = 16;

/// The indexed words of `field` within a small edit distance of `word` (already folded): 1 for words of one or
/// two characters, 2 for longer ones. Words shorter than two characters are never suggested. Closest first, then
/// the most alike at the start (Jaro–Winkler: 诈骗 before xx for 诈騙x), then the most frequent (documents, summed
/// over segments), then in dictionary order; at most `n`.
pub(crate) fn suggest(searcher: &Searcher, field: Field, word: &str, n: usize) -> tantivy::Result<Vec<String>> {
    let chars = word.chars().count();
    if chars == 0 || chars > MAX_CHARS {
        return Ok(Vec::new());
    }
    let distance = if chars <= 2 { 1 } else { 2 };
    let found = close_terms(searcher, field, word, distance, |t| t != word && t.chars().count() >= 2)?;
    let mut ranked: Vec<(usize, f64, u64, String)> = found
        .into_iter()
        .map(|(term, df)| (strsim::levenshtein(word, &term), strsim::jaro_winkler(word, &term), df, term))
        .collect();
    ranked.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.total_cmp(&a.1)).then(b.2.cmp(&a.2)).then_with(|| a.3.cmp(&b.3)));
    Ok(ranked.into_iter().take(n).map(|(.., term)| term).collect())
}

/// The terms of `field` within `distance` edits of `term` (a swap of neighbours counts as one) that `keep` accepts,
/// with their document frequencies summed over the segments.
fn close_terms(
    searcher: &Searcher,
    field: Field,
    term: &str,
    distance: u8,
    keep: impl Fn(&str) -> bool,
) -> tantivy::Result<BTreeMap<String, u64>> {
    let fuzzy = FuzzyTermQuery::new(Term::from_field_text(field, term), distance, true);
    let mut found: BTreeMap<String, u64> = BTreeMap::new();
    for reader in searcher.segment_readers() {
        let inverted = reader.inverted_index(field)?;
        let mut stream = inverted.terms().search(fuzzy.automaton()?).into_stream()?;
        while stream.advance() {
            let Ok(t) = std::str::from_utf8(stream.key()) else { continue };
            if keep(t) {
                *found.entry(t.to_string()).or_default() += u64::from(stream.value().doc_freq);
            }
        }
    }
    Ok(found)
}

/// The indexed identifier keys of `field` of the same kind as `key` (`tel:`, `card:` …) within one edit of its value
/// (two for values over 12 characters; a swap of neighbours counts as one), that a live case within `within` (the
/// search's filters) lists: a mistyped phone or card number is shown the numbers the cases hold, never one of a case
/// the search could not return. Closest first, then the most frequent, then in key order; at most `n`, each in a
/// form a query accepts again ([`written_form`]).
pub(crate) fn suggest_keys(
    searcher: &Searcher,
    field: Field,
    key: &str,
    within: Option<&dyn Query>,
    n: usize,
) -> tantivy::Result<Vec<String>> {
    let Some((kind, value)) = key.split_once(':') else { return Ok(Vec::new()) };
    let chars = value.chars().count();
    if chars == 0 || chars > 2 * MAX_CHARS {
        return Ok(Vec::new());
    }
    let distance = if chars <= 12 { 1 } else { 2 };
    let prefix = format!("{kind}:");
    let found = close_terms(searcher, field, key, distance, |t| t != key && t.starts_with(&prefix))?;
    let mut ranked: Vec<(usize, u64, String)> = Vec::new();
    for (term, df) in found {
        let listed: Box<dyn Query> =
            Box::new(TermQuery::new(Term::from_field_text(field, &term), IndexRecordOption::Basic));
        let mut clauses = vec![(Occur::Must, listed)];
        clauses.extend(within.map(|w| (Occur::Must, w.box_clone())));
        if count_up_to(searcher, &BooleanQuery::new(clauses), 1)? > 0 {
            ranked.push((strsim::levenshtein(key, &term), df, term));
        }
    }
    ranked.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)).then_with(|| a.2.cmp(&b.2)));
    Ok(ranked.into_iter().take(n).map(|(.., term)| written_form(&term)).collect())
}

/// An identifier key as a person writes it, which a query reads back as the same key: a Chinese mobile without
/// `+86`, a landline with its leading 0, a card tail as 尾号…; other kinds by their value.
pub(crate) fn written_form(key: &str) -> String {
    let Some((kind, value)) = key.split_once(':') else { return key.to_string() };
    match kind {
        "tel" => match value.strip_prefix("+86") {
            Some(d) if d.len() == 11 && d.starts_with('1') => d.to_string(),
            Some(d) => format!("0{d}"),
            None => value.to_string(),
        },
        "cardtail" => format!("尾号{value}"),
        _ => value.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_written_as_a_query_reads_them_back() {
        assert_eq!(written_form("tel:+8613912345678"), "13912345678");
        assert_eq!(written_form("tel:+861012345678"), "01012345678");
        assert_eq!(written_form("tel:95588"), "95588");
        assert_eq!(written_form("tel:+85291234567"), "+85291234567");
        assert_eq!(written_form("card:6222021234567890128"), "6222021234567890128");
        assert_eq!(written_form("cardtail:1234"), "尾号1234");
        assert_eq!(written_form("wechat:lc_888a"), "lc_888a");
        // Read back by the query's extractor as the same key.
        use crate::ident::{IdentExtractor, IdentifierExtractor};
        for key in ["tel:+8613912345678", "tel:+861012345678", "tel:95588", "card:6222021234567890128"] {
            assert!(IdentExtractor.keys(&written_form(key)).contains(&key.to_string()), "{key}");
        }
    }
}
