//! Suggestions for a term no case matches: the closest words of the jieba field's term dictionary, streamed
//! through a Levenshtein automaton (tantivy's fuzzy-term DFA over each segment's FST).

use std::collections::BTreeMap;

use tantivy::query::FuzzyTermQuery;
use tantivy::schema::Field;
use tantivy::{Searcher, Term};

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
    let fuzzy = FuzzyTermQuery::new(Term::from_field_text(field, word), distance, true);
    let mut found: BTreeMap<String, u64> = BTreeMap::new();
    for reader in searcher.segment_readers() {
        let inverted = reader.inverted_index(field)?;
        let mut stream = inverted.terms().search(fuzzy.automaton()?).into_stream()?;
        while stream.advance() {
            let Ok(term) = std::str::from_utf8(stream.key()) else { continue };
            if term != word && term.chars().count() >= 2 {
                *found.entry(term.to_string()).or_default() += u64::from(stream.value().doc_freq);
            }
        }
    }
    let mut ranked: Vec<(usize, f64, u64, String)> = found
        .into_iter()
        .map(|(term, df)| (strsim::levenshtein(word, &term), strsim::jaro_winkler(word, &term), df, term))
        .collect();
    ranked.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.total_cmp(&a.1)).then(b.2.cmp(&a.2)).then_with(|| a.3.cmp(&b.3)));
    Ok(ranked.into_iter().take(n).map(|(.., term)| term).collect())
}
