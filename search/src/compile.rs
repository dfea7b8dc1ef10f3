//! Turning a parsed [`Expr`] into a tantivy query, analysing text with the same analysers as the fields.
//!
//! A phrase must match as adjacent characters (Han text: a trigram term or phrase; mixed scripts: a phrase over the
//! bigram field). An unquoted word matches as adjacent characters, as its characters in near order (a sloppy
//! phrase: 冒充客服 in 冒充淘宝客服) or by most of its words; its jieba tokens add BM25 score on the jieba field; it
//! also matches the identifier key it would have in a report's list field (an app name, a WeChat id). A single Han
//! character is searched in the jieba field. Prefixes (`理财*`) match jieba tokens starting with the stem. An
//! identifier matches its canonical key, the keys its value has in other list fields, or its written form. Filters
//! score nothing. Terms side by side compile as all required here; relaxing them is the index's ranked search.

use std::ops::Bound;

use tantivy::Term;
use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, ConstScoreQuery, EmptyQuery, Occur, PhraseQuery, Query, RangeQuery, RegexQuery,
    TermQuery,
};
use tantivy::schema::{Field, IndexRecordOption};

use crate::analysis::{Analyzer, TokenMode, is_han};
use crate::forward_only::ForwardOnly;
use crate::ident::IdentifierExtractor;
use crate::query::{Expr, Filter};
use crate::schema::Fields;

/// Boost of an exact (adjacent) match of an unquoted word over a match of its separate words.
const PHRASE_BOOST: f32 = 2.0;

/// Boost of a match of an unquoted word's characters in near order (see [`NEAR_SLOP`]).
const NEAR_BOOST: f32 = 1.5;

/// How many characters may come between the parts of an unquoted word matched in near order.
const NEAR_SLOP: u32 = 4;

/// Boost of a canonical identifier match relative to text.
const IDENT_BOOST: f32 = 3.0;

pub(crate) struct Compiler<'a> {
    pub analyzer: &'a Analyzer,
    pub fields: Fields,
    /// Gives the keys a word would have in a report's identifier list fields.
    pub ids: &'a dyn IdentifierExtractor,
}

impl Compiler<'_> {
    /// The query for `expr`; `None` when it has nothing searchable (e.g. only punctuation).
    pub fn compile(&self, expr: &Expr) -> Option<Box<dyn Query>> {
        match expr {
            Expr::Word { text, prefix: false } => self.word(text),
            Expr::Phrase(text) => self.phrase(text),
            Expr::Word { text, prefix: true } => self.prefix(text),
            Expr::Ident { key, raw } => {
                let mut clauses = self.listed(raw, Some(key));
                clauses.extend(self.phrase(raw).map(|t| (Occur::Should, t)));
                Some(Box::new(BooleanQuery::new(clauses)))
            }
            Expr::Filter(f) => Some(self.filter(f)),
            Expr::Required(inner) => self.compile(inner),
            Expr::Terms(parts) | Expr::And(parts) => {
                let clauses = self.required(parts.iter());
                if clauses.is_empty() {
                    return None;
                }
                Some(with_positive(clauses))
            }
            Expr::Or(parts) => {
                let clauses: Vec<_> =
                    parts.iter().filter_map(|p| self.compile(p)).map(|q| (Occur::Should, q)).collect();
                if clauses.is_empty() {
                    return None;
                }
                Some(Box::new(BooleanQuery::new(clauses)))
            }
            Expr::Not(inner) => {
                let q = self.compile(inner).unwrap_or_else(|| Box::new(EmptyQuery));
                Some(with_positive(vec![(Occur::MustNot, negated(q))]))
            }
        }
    }

    /// Every one of `parts` as a required clause (a `NOT` part as an excluded one); parts with nothing searchable
    /// are left out.
    pub fn required<'e>(&self, parts: impl Iterator<Item = &'e Expr>) -> Vec<(Occur, Box<dyn Query>)> {
        let mut clauses = Vec::new();
        for p in parts {
            match p {
                Expr::Not(inner) => clauses.extend(self.compile(inner).map(|q| (Occur::MustNot, negated(q)))),
                _ => clauses.extend(self.compile(p).map(|q| (Occur::Must, q))),
            }
        }
        clauses
    }

    /// The distinct Han characters of `word` that `keep` accepts, each a BM25 term of the `unigram` field: the weakest evidence of a word, which a relaxed query scores where the word itself is missing,
    /// so a term the text words differently (盗窃 where a fact says 窃取) still counts.
    pub fn characters(&self, word: &str, keep: impl Fn(&Term) -> bool) -> Vec<Box<dyn Query>> {
        let mut chars: Vec<char> = Vec::new();
        for c in word.chars().map(|c| self.analyzer.fold_char(c)).filter(|c| is_han(*c)) {
            if !chars.contains(&c) && keep(&Term::from_field_text(self.fields.unigram, &c.to_string())) {
                chars.push(c);
            }
        }
        chars.iter().map(|c| self.term(self.fields.unigram, &c.to_string())).collect()
    }

    fn term(&self, field: Field, text: &str) -> Box<dyn Query> {
        Box::new(TermQuery::new(Term::from_field_text(field, text), IndexRecordOption::WithFreqs))
    }

    /// The canonical key `key` (when given) and the keys `written` would have in a report's identifier list
    /// fields, each a boosted term of the `ids` field.
    fn listed(&self, written: &str, key: Option<&str>) -> Vec<(Occur, Box<dyn Query>)> {
        let mut keys: Vec<String> = key.map(str::to_string).into_iter().collect();
        keys.extend(self.ids.listed_keys(written));
        dedup(keys.into_iter())
            .iter()
            .map(|k| (Occur::Should, Box::new(BoostQuery::new(self.term(self.fields.ids, k), IDENT_BOOST)) as _))
            .collect()
    }

    /// An unquoted word: its characters adjacent (bigram phrase, boosted), in near order (see `near`), or at least
    /// half of its words (see `required_words`; words of two or more characters) anywhere, or the identifier key it would have in a list field; its
    /// search-mode sub-words add score. So 合同诈骗 finds facts that mention 合同 and 骗取 but never the charge's
    /// name, ranked below those with the exact phrase.
    pub fn word(&self, text: &str) -> Option<Box<dyn Query>> {
        let required = self.word_match(text)?;
        let sub = dedup(self.analyzer.tokens(text, TokenMode::Jieba).into_iter().map(|t| t.text));
        let mut clauses = vec![(Occur::Must, required)];
        clauses.extend(sub.iter().map(|t| (Occur::Should, self.term(self.fields.text, t))));
        Some(Box::new(BooleanQuery::new(clauses)))
    }

    /// What a case must match for `expr`, without the clauses that only add score (an unquoted word's sub-words):
    /// the same cases as [`compile`](Self::compile), found with fewer postings read.
    pub fn matcher(&self, expr: &Expr) -> Option<Box<dyn Query>> {
        match expr {
            Expr::Word { text, prefix: false } => self.word_match(text),
            _ => self.compile(expr),
        }
    }

    /// The part of [`word`](Self::word) a case must match.
    fn word_match(&self, text: &str) -> Option<Box<dyn Query>> {
        let phrase = self.phrase(text)?;
        let words = self.required_words(text);
        // A lone character is too weak to stand for a word (刷単, unknown to jieba, is 刷 + 単).
        let multi: Vec<&String> = words.iter().filter(|w| w.chars().count() >= 2).collect();
        let mut any: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        if words.len() <= 1 || multi.is_empty() {
            any.push((Occur::Should, phrase));
        } else {
            let need = words.len().div_ceil(2).min(multi.len());
            let some: Vec<(Occur, Box<dyn Query>)> =
                multi.iter().map(|w| (Occur::Should, self.term(self.fields.text, w))).collect();
            any.push((Occur::Should, Box::new(BoostQuery::new(phrase, PHRASE_BOOST))));
            if let Some(near) = self.near(text) {
                any.push((Occur::Should, Box::new(BoostQuery::new(near, NEAR_BOOST))));
            }
            any.push((Occur::Should, Box::new(BooleanQuery::with_minimum_required_clauses(some, need))));
        }
        any.extend(self.listed(text, None));
        Some(match any.len() {
            1 => any.remove(0).1,
            _ => Box::new(BooleanQuery::new(any)),
        })
    }

    /// The words of an unquoted query word: jieba's default segmentation; a single dictionary word that its
    /// search-mode sub-words cover exactly (合同诈骗 → 合同 + 诈骗) is replaced by that cover, so documents that use
    /// the parts but not the compound still match.
    fn required_words(&self, text: &str) -> Vec<String> {
        let words = self.analyzer.tokens(text, TokenMode::Words);
        let [word] = words.as_slice() else {
            return dedup(words.into_iter().map(|t| t.text));
        };
        let mut subs: Vec<_> =
            self.analyzer.tokens(text, TokenMode::Jieba).into_iter().filter(|t| t.text != word.text).collect();
        subs.sort_by_key(|t| (std::cmp::Reverse(t.to - t.from), t.from));
        let mut cover: Vec<crate::analysis::Tok> = Vec::new();
        for s in subs {
            if s.from >= word.from && s.to <= word.to && cover.iter().all(|c| s.to <= c.from || s.from >= c.to) {
                cover.push(s);
            }
        }
        let covered: usize = cover.iter().map(|c| c.to - c.from).sum();
        if cover.len() >= 2 && covered == word.to - word.from {
            cover.sort_by_key(|c| c.from);
            dedup(cover.into_iter().map(|c| c.text))
        } else {
            vec![word.text.clone()]
        }
    }

    /// A Han word of four or more characters in near order: its non-overlapping character bigrams (and one ending
    /// at the last character) as a phrase over the bigram field with a slop of [`NEAR_SLOP`], so 冒充客服 (冒充 + 客服)
    /// matches 冒充淘宝客服. Shorter words are a single bigram or trigram: nothing to loosen.
    fn near(&self, text: &str) -> Option<Box<dyn Query>> {
        let chars: Vec<char> = self.analyzer.han_run(text)?.chars().collect();
        if chars.len() < 4 {
            return None;
        }
        let bi = |i: usize| (i, Term::from_field_text(self.fields.bigram, &chars[i..i + 2].iter().collect::<String>()));
        let last = chars.len() - 2;
        let mut terms: Vec<(usize, Term)> = (0..=last).step_by(2).map(bi).collect();
        if !last.is_multiple_of(2) {
            terms.push(bi(last));
        }
        Some(Box::new(PhraseQuery::new_with_offset_and_slop(terms, NEAR_SLOP)))
    }

    /// A quoted phrase (and the exact-match part of a word): its characters adjacent. A run of three or more Han
    /// characters: its trigrams, one term (three characters) or a phrase of non-overlapping trigrams plus one ending
    /// at the last character, so fewer and rarer position lists are read than with bigrams. Anything else: a phrase
    /// over the bigram field (a lone Han character: the jieba field). Scored by the phrase's own BM25; a quoted
    /// phrase's jieba sub-words are not scored separately (on a common phrase, reading their postings for every match
    /// cost a fifth of the query's time and barely changed the order: they occur wherever the phrase does).
    pub fn phrase(&self, text: &str) -> Option<Box<dyn Query>> {
        if let Some(run) = self.analyzer.han_run(text) {
            let chars: Vec<char> = run.chars().collect();
            if chars.len() >= 3 {
                let tri = |i: usize| {
                    let t: String = chars[i..i + 3].iter().collect();
                    (i, Term::from_field_text(self.fields.trigram, &t))
                };
                let last = chars.len() - 3;
                let mut terms: Vec<(usize, Term)> = (0..=last).step_by(3).map(tri).collect();
                if !last.is_multiple_of(3) {
                    terms.push(tri(last));
                }
                return Some(match terms.len() {
                    1 => Box::new(TermQuery::new(terms.remove(0).1, IndexRecordOption::WithFreqs)),
                    _ => Box::new(PhraseQuery::new_with_offset(terms)),
                });
            }
        }
        let bigrams = self.analyzer.tokens(text, TokenMode::Bigram);
        Some(match bigrams.as_slice() {
            [] => return None,
            [one] if one.text.chars().count() == 1 && one.text.chars().all(is_han) => {
                self.term(self.fields.text, &one.text)
            }
            [one] => self.term(self.fields.bigram, &one.text),
            many => Box::new(PhraseQuery::new_with_offset(
                many.iter().map(|t| (t.position, Term::from_field_text(self.fields.bigram, &t.text))).collect(),
            )),
        })
    }

    fn prefix(&self, stem: &str) -> Option<Box<dyn Query>> {
        let folded = self.analyzer.fold(stem);
        if folded.chars().all(|c| !c.is_alphanumeric()) {
            return None;
        }
        let mut pattern = String::new();
        for c in folded.chars() {
            if "\\.+*?()|[]{}^$#&-~\"@<>".contains(c) {
                pattern.push('\\');
            }
            pattern.push(c);
        }
        pattern.push_str(".*");
        match RegexQuery::from_pattern(&pattern, self.fields.text) {
            Ok(q) => Some(Box::new(q)),
            Err(_) => Some(Box::new(EmptyQuery)),
        }
    }

    pub fn filter(&self, f: &Filter) -> Box<dyn Query> {
        let f_ = self.fields;
        let q: Box<dyn Query> = match f {
            Filter::FraudType(v) => self.term(f_.fraud_type, v),
            Filter::District(v) => self.term(f_.district, v),
            Filter::AnyDistrict(vs) => {
                Box::new(BooleanQuery::new(vs.iter().map(|v| (Occur::Should, self.term(f_.district, v))).collect()))
            }
            Filter::Community(v) => self.term(f_.community, v),
            Filter::Status(v) => self.term(f_.status, v),
            Filter::Id(v) => self.term(f_.id, v),
            Filter::IdKey(v) => return Box::new(BoostQuery::new(self.term(f_.ids, v), IDENT_BOOST)),
            Filter::Date { from, to } => range(f_.date, *from, *to),
            Filter::Loss { min, max } => range(f_.loss, *min, *max),
        };
        Box::new(ConstScoreQuery::new(q, 0.0))
    }
}

fn range(field: Field, lo: Option<i64>, hi: Option<i64>) -> Box<dyn Query> {
    let b = |v: Option<i64>| v.map_or(Bound::Unbounded, |v| Bound::Included(Term::from_field_i64(field, v)));
    // An unbounded side still has to name the field.
    let (lo, hi) = match (lo, hi) {
        (None, None) => (Bound::Included(Term::from_field_i64(field, i64::MIN)), Bound::Unbounded),
        _ => (b(lo), b(hi)),
    };
    Box::new(RangeQuery::new(lo, hi))
}

fn dedup(items: impl Iterator<Item = String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for i in items {
        if !out.contains(&i) {
            out.push(i);
        }
    }
    out
}

/// A query used under `MustNot` (see `forward_only`).
fn negated(q: Box<dyn Query>) -> Box<dyn Query> {
    Box::new(ForwardOnly(q))
}

/// A boolean query that also matches when every clause is negative.
fn with_positive(mut clauses: Vec<(Occur, Box<dyn Query>)>) -> Box<dyn Query> {
    if clauses.iter().all(|(o, _)| *o == Occur::MustNot) {
        clauses.push((Occur::Must, Box::new(ConstScoreQuery::new(Box::new(AllQuery), 0.0))));
    }
    Box::new(BooleanQuery::new(clauses))
}
