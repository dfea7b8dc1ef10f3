//! Ranked matching of loose terms: the coordination tiers (how many of the query's terms a case matches), which
//! terms each hit matched, and what the results say about the terms (dropped, unmatched, suggestions).
//!
//! A query of loose terms (words side by side, see [`Expr::loose_terms`](crate::Expr::loose_terms)) is first run
//! with every term required. When that fills a page, nothing else happens (the common case, at the cost of one
//! query). Otherwise the terms are relaxed: a [`Census`] finds in one pass which terms each case matches, and the
//! sets of terms are kept heaviest first (a term weighing its inverse document frequency, so one rare term outweighs
//! two common ones) until [`POOL`] cases (or a page) are kept; only they are scored. Over [`CENSUS_TERMS`] terms,
//! the relaxation counts terms instead, as a minimum-should-match: at least `n − 1` of the `n`, then `n − 2`, …
//! down to one. The cases with every term rank first; the partial matches follow
//! by BM25 where each term counts once, by its best evidence: the term itself, or else its characters (so a term
//! the text words differently still counts: CAIL masks charge names as ××, and a theft fact says 窃取 rather than
//! 盗窃). That BM25 is scaled by a coordination factor, as Lucene's classic similarity does, but weighted: the share
//! of the query's weight the case matches, a term weighing its inverse document frequency and a term found only by
//! its characters earning [`CHARACTER_CREDIT`] of it. So a short text that repeats one common term no longer
//! outranks one that has two of the three, and a case with a rare term outranks one with two boilerplate words
//! (every court fact names the 检察院). Each matched term also scores [`TIER`], which the collector takes off again,
//! counting hits by how many terms they match.

use std::collections::HashMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use tantivy::index::SegmentId;
use tantivy::query::{
    BooleanQuery, ConstScoreQuery, DisjunctionMaxQuery, EnableScoring, Explanation, Occur, Query, Scorer, Weight,
};
use tantivy::{DocAddress, DocId, DocSet, Score, Searcher, SegmentReader, TERMINATED, Term};

/// Relaxing stops once this many cases (or a page, if more) match enough terms: a pool to rank, so that the
/// weakest cases of a higher tier do not fill the page ahead of strong ones with one term fewer.
pub(crate) const POOL: usize = 100;

/// In an index of at least [`MANY_CASES`], characters found in more than this share of the cases are left out of
/// a word's character evidence: BM25 weighs them near zero, and reading their postings for every candidate is what
/// a relaxed query over a million cases would spend its time on. (In a small index they cost nothing and still
/// break ties.)
pub(crate) const COMMON_CHAR_SHARE: f64 = 0.25;
pub(crate) const MANY_CASES: u64 = 100_000;

/// The score one matched loose term adds: the tier unit. The BM25 part of a case's score stays below it.
pub(crate) const TIER: Score = 1000.0;

/// The share of a term's weight that its characters earn in the coordination of a partial match when its word is
/// missing (times the share of its characters found): a word's characters are weaker evidence than the word.
/// Chosen on the relevance set's `dev` split (0.25–1 tried; 0.5–0.75 were best and equal within noise).
pub(crate) const CHARACTER_CREDIT: Score = 0.5;

/// How a query's loose terms matched (empty for a query without loose terms).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Matching {
    /// The loose terms, as written: words side by side that ranked matching may drop.
    pub query_terms: Vec<String>,
    /// Cases that match every term; [`SearchResults::total`](crate::SearchResults::total) when nothing was dropped.
    pub matched_all: usize,
    /// When fewer than a page matched every term: how many further cases match some of them, most terms first.
    pub partial: Vec<TierCount>,
    /// Terms that hits of this page lack, the most often lacked first.
    pub dropped_terms: Vec<String>,
    /// Terms (loose or not) that no case in the index matches, each with the closest indexed words; filled when
    /// terms were dropped or nothing matched.
    pub unmatched_terms: Vec<Unmatched>,
}

/// How many cases match `matched` of the `of` loose terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TierCount {
    pub matched: usize,
    pub of: usize,
    pub count: usize,
}

/// A term no case matches, and the indexed words closest to it (best first; may be empty).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unmatched {
    pub term: String,
    pub suggestions: Vec<String>,
    /// The term is an identifier, so its suggestions are identifiers that cases list (personal data: a caller that
    /// shows them audits them). Left out of JSON when false.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub identifier: bool,
}

/// A query whose every match scores `bonus` plus the inner score capped at `cap`: summed over a query's loose
/// terms, the bonuses count the terms a case matches.
#[derive(Debug)]
pub(crate) struct Coord {
    pub inner: Box<dyn Query>,
    pub bonus: Score,
    pub cap: Score,
}

impl Clone for Coord {
    fn clone(&self) -> Self {
        Coord { inner: self.inner.box_clone(), bonus: self.bonus, cap: self.cap }
    }
}

impl Query for Coord {
    fn weight(&self, enable_scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        Ok(Box::new(CoordWeight { inner: self.inner.weight(enable_scoring)?, bonus: self.bonus, cap: self.cap }))
    }

    fn query_terms<'a>(&'a self, visitor: &mut dyn FnMut(&'a Term, bool)) {
        self.inner.query_terms(visitor);
    }
}

struct CoordWeight {
    inner: Box<dyn Weight>,
    bonus: Score,
    cap: Score,
}

impl Weight for CoordWeight {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        Ok(Box::new(CoordScorer { inner: self.inner.scorer(reader, boost)?, bonus: self.bonus, cap: self.cap }))
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        self.inner.explain(reader, doc)
    }
}

struct CoordScorer {
    inner: Box<dyn Scorer>,
    bonus: Score,
    cap: Score,
}

impl DocSet for CoordScorer {
    fn advance(&mut self) -> DocId {
        self.inner.advance()
    }

    fn seek(&mut self, target: DocId) -> DocId {
        self.inner.seek(target)
    }

    fn doc(&self) -> DocId {
        self.inner.doc()
    }

    fn size_hint(&self) -> u32 {
        self.inner.size_hint()
    }

    fn cost(&self) -> u64 {
        self.inner.cost()
    }
}

impl Scorer for CoordScorer {
    fn score(&mut self) -> Score {
        self.bonus + self.inner.score().min(self.cap)
    }
}

/// A loose term of a query: as written, its query, the part of it a case must match (see `Compiler::matcher`),
/// and its characters' terms (a word's; none for an identifier).
pub(crate) struct LooseTerm {
    pub written: String,
    pub query: Box<dyn Query>,
    pub matcher: Box<dyn Query>,
    pub characters: Vec<Box<dyn Query>>,
}

/// The cases of a relaxation step: every `fixed` clause and at least `k` of the loose `terms` (matching only).
pub(crate) fn at_least(mut fixed: Vec<(Occur, Box<dyn Query>)>, terms: &[LooseTerm], k: usize) -> Box<dyn Query> {
    let some: Vec<(Occur, Box<dyn Query>)> = terms
        .iter()
        .map(|t| (Occur::Should, Box::new(ConstScoreQuery::new(t.matcher.box_clone(), 0.0)) as Box<dyn Query>))
        .collect();
    fixed.push((Occur::Must, Box::new(BooleanQuery::with_minimum_required_clauses(some, k))));
    Box::new(BooleanQuery::new(fixed))
}

/// The query of a relaxation step: the cases of [`at_least`], scored per loose term by `best_evidence`.
pub(crate) fn relaxed_query(fixed: Vec<(Occur, Box<dyn Query>)>, terms: &[LooseTerm], k: usize) -> Box<dyn Query> {
    let mut clauses = vec![(Occur::Must, at_least(fixed, terms, k))];
    clauses.extend(evidence(terms).into_iter().map(|e| (Occur::Should, e.best())));
    Box::new(BooleanQuery::new(clauses))
}

/// A loose term's evidence in a relaxed query: the term itself (a [`Coord`] worth [`TIER`] plus its capped BM25)
/// and its characters' BM25 terms, and the term's weight in a census step's coordination.
struct Evidence {
    word: Box<dyn Query>,
    characters: Vec<Box<dyn Query>>,
    weight: Score,
}

impl Clone for Evidence {
    fn clone(&self) -> Self {
        Evidence {
            word: self.word.box_clone(),
            characters: self.characters.iter().map(|c| c.box_clone()).collect(),
            weight: self.weight,
        }
    }
}

impl Evidence {
    /// The better of the two: the term when it matches (its score is at least [`TIER`]), else its characters.
    fn best(&self) -> Box<dyn Query> {
        if self.characters.is_empty() {
            return self.word.box_clone();
        }
        let characters = self.characters.iter().map(|c| (Occur::Should, c.box_clone())).collect();
        let characters: Box<dyn Query> = Box::new(BooleanQuery::new(characters));
        Box::new(DisjunctionMaxQuery::new(vec![self.word.box_clone(), characters]))
    }
}

/// The evidence of each loose term of a relaxed query: the better of the term itself, worth [`TIER`] plus
/// its BM25 (capped, so that the BM25 of all terms stays below one tier), and its characters' BM25 where the term
/// is missing. So every term counts once, by its best evidence, and the tier of a score is the number of terms
/// matched. Every term weighs 1 (a census step sets the weights of its coordination).
fn evidence(terms: &[LooseTerm]) -> Vec<Evidence> {
    let cap = TIER / (2 * terms.len() + 2) as Score;
    terms
        .iter()
        .map(|t| Evidence {
            word: Box::new(Coord { inner: t.query.box_clone(), bonus: TIER, cap }),
            characters: t.characters.iter().map(|c| c.box_clone()).collect(),
            weight: 1.0,
        })
        .collect()
}

/// The most loose terms a [`Census`] takes (a query with more is relaxed step by step, by counts).
pub(crate) const CENSUS_TERMS: usize = 12;

/// The most bits of a [`Census`] mask: a bit for each term's word, then one or two for the characters of the rare ones.
pub(crate) const CENSUS_BITS: usize = 14;

/// Which of a relaxed query's loose terms each case matches: one pass over each term's matching postings (no
/// scores), a bit a term in a mask a document. From it the cases of every possible relaxation are known at once
/// (no minimum-should-match is walked per step), and [`Tiered`] scores only the chosen cases.
///
/// The relaxation keeps the cases whose matched terms weigh most, a term weighing its inverse document frequency
/// (BM25's): a case with one rare term (刷单) is kept before one with two common ones (微信 转账), as a BM25 over
/// the terms would rank them. Counting terms alone (Lucene's minimum-should-match) drops the rare term's cases
/// whenever a pool of cases has more, commoner, terms.
///
/// A rare word (one that fewer cases than a pool match) also brings in the cases with any of its characters, as a
/// bit of its own, weighing the inverse document frequency of those cases (and, for a word of several characters,
/// the cases with all of them, as a second, heavier bit: 刷信誉's three characters in one fact are better evidence
/// than its 信 alone): court texts mask the charge (抢劫 is
/// "××"; the fact says 抢走, 劫得), people write a word otherwise (换了号 for 换号, 提高额度 for 提额), and a
/// query may join words no text joins (刷信誉). Such a case matches the term by its characters only: it counts
/// towards no tier but the zeroth, and its score is its characters' BM25.
pub(crate) struct Census {
    /// Per segment: the words (and characters) matched by each document, a bit each (deleted documents included;
    /// the collector skips them).
    masks: Arc<HashMap<SegmentId, Vec<u16>>>,
    /// Live cases (within the filter) by the set of bits they match (index = mask).
    by_mask: Vec<u64>,
    /// Each mask's weight: the sum over the terms of the heavier of its word and characters, where present.
    weights: Arc<Vec<f32>>,
    /// Each term's weight: its word's inverse document frequency.
    term_weights: Vec<f32>,
}

/// A census's bits: which term each bit belongs to, and its matching query (the term's word, or its characters).
pub(crate) struct CensusBit {
    pub term: usize,
    pub matcher: Box<dyn Query>,
}

impl Census {
    /// Finds which of `bits` (at most [`CENSUS_BITS`], over `terms` terms) every case matches, on the index's search
    /// threads; `mask` (the filters) limits which cases are counted.
    pub fn new(
        searcher: &Searcher,
        terms: usize,
        bits: &[CensusBit],
        mask: Option<&dyn Query>,
    ) -> tantivy::Result<Self> {
        assert!(bits.len() <= CENSUS_BITS, "a census takes at most {CENSUS_BITS} bits");
        let disabled = EnableScoring::disabled_from_searcher(searcher);
        let weights = bits.iter().map(|b| b.matcher.weight(disabled)).collect::<tantivy::Result<Vec<_>>>()?;
        let mask = mask.map(|q| q.weight(disabled)).transpose()?;
        // On the index's search threads (segments in parallel, as the collectors run).
        let parts = searcher
            .index()
            .search_executor()
            .map(|r: &SegmentReader| census_segment(r, &weights, mask.as_deref()), searcher.segment_readers().iter())?;
        let mut masks = HashMap::new();
        let mut by_mask = vec![0u64; 1 << bits.len()];
        let mut df = vec![0u64; bits.len()];
        for (id, m, counted, found) in parts {
            by_mask.iter_mut().zip(counted).for_each(|(a, b)| *a += b);
            df.iter_mut().zip(found).for_each(|(a, b)| *a += b);
            masks.insert(id, m);
        }
        // BM25's inverse document frequency, over the whole index (as the scores take it).
        let docs = searcher.num_docs() as f64;
        let idf = |f: u64| (1.0 + (docs - f as f64 + 0.5) / (f as f64 + 0.5)).ln();
        let bits: Vec<(usize, f64)> = bits.iter().zip(&df).map(|(b, &f)| (b.term, idf(f))).collect();
        // A term's own weight is its word's: the first of its bits.
        let mut term_weights = vec![0.0f32; terms];
        for &(t, w) in bits.iter().rev() {
            term_weights[t] = w as f32;
        }
        Ok(Census { masks: Arc::new(masks), by_mask, weights: Arc::new(set_weights(&bits, terms)), term_weights })
    }

    /// The relaxation: the least weight a case's matched terms must have so that at least `pool` cases (every one
    /// matching something, if fewer) are kept, taking the sets of terms heaviest first.
    pub fn step(&self, pool: usize) -> f32 {
        let mut sets: Vec<usize> = (1..self.by_mask.len()).filter(|&m| self.by_mask[m] > 0).collect();
        sets.sort_by(|&a, &b| self.weights[b].total_cmp(&self.weights[a]).then(a.cmp(&b)));
        let mut kept = 0;
        for m in &sets {
            kept += self.by_mask[*m];
            if kept >= pool as u64 {
                return self.weights[*m];
            }
        }
        sets.last().map_or(0.0, |&m| self.weights[m])
    }

    /// The scored query of a step: the cases whose matched terms weigh at least `min_weight`, scored as
    /// [`relaxed_query`] scores them.
    pub fn query(&self, terms: &[LooseTerm], min_weight: f32) -> Box<dyn Query> {
        let kept = Kept { masks: self.masks.clone(), weights: self.weights.clone(), min_weight };
        let mut scoring = evidence(terms);
        scoring.iter_mut().zip(&self.term_weights).for_each(|(e, &w)| e.weight = w);
        Box::new(Tiered { kept, scoring })
    }
}

/// The weight of every set of bits (index = mask), each bit a term's evidence and its weight: the sum over the
/// `terms` of the heaviest of their bits in the set.
fn set_weights(bits: &[(usize, f64)], terms: usize) -> Vec<f32> {
    let mut best = vec![0.0f64; terms];
    (0..1usize << bits.len())
        .map(|m| {
            best.iter_mut().for_each(|b| *b = 0.0);
            for (i, &(t, w)) in bits.iter().enumerate() {
                if m >> i & 1 == 1 {
                    best[t] = best[t].max(w);
                }
            }
            best.iter().sum::<f64>() as f32
        })
        .collect()
}

/// One segment's share of a [`Census`]: its id, its masks, its live cases (within the filter) by mask, and each
/// term's documents.
type SegmentCensus = (SegmentId, Vec<u16>, Vec<u64>, Vec<u64>);

/// One segment of a [`Census`].
fn census_segment(
    reader: &SegmentReader,
    weights: &[Box<dyn Weight>],
    mask: Option<&dyn Weight>,
) -> tantivy::Result<SegmentCensus> {
    let mut masks = vec![0u16; reader.max_doc() as usize];
    let mut found = vec![0u64; weights.len()];
    for (t, w) in weights.iter().enumerate() {
        w.for_each_no_score(reader, &mut |docs| {
            found[t] += docs.len() as u64;
            for &d in docs {
                masks[d as usize] |= 1 << t;
            }
        })?;
    }
    let mut by_mask = vec![0u64; 1 << weights.len()];
    let alive = reader.alive_bitset();
    let mut tally = |d: DocId| {
        let m = masks[d as usize] as usize;
        if m > 0 && alive.is_none_or(|a| a.is_alive(d)) {
            by_mask[m] += 1;
        }
    };
    match mask {
        None => (0..reader.max_doc()).for_each(&mut tally),
        Some(m) => m.for_each_no_score(reader, &mut |docs| docs.iter().for_each(|&d| tally(d)))?,
    }
    Ok((reader.segment_id(), masks, by_mask, found))
}

/// The cases a [`Census`] step keeps: those whose matched bits weigh at least `min_weight`.
#[derive(Clone)]
struct Kept {
    masks: Arc<HashMap<SegmentId, Vec<u16>>>,
    weights: Arc<Vec<f32>>,
    min_weight: f32,
}

impl Kept {
    /// The kept documents of a segment, in order.
    fn docs(&self, segment: SegmentId) -> Vec<DocId> {
        let Some(m) = self.masks.get(&segment) else { return Vec::new() };
        let keeps = |mask: u16| mask > 0 && self.weights[mask as usize] >= self.min_weight;
        (0..m.len() as DocId).filter(|&d| keeps(m[d as usize])).collect()
    }
}

/// The cases a [`Census`] step keeps, each scored by the terms' best evidence as [`relaxed_query`] scores them (the
/// terms in query order, each by its word when it matches, its score above [`TIER`], else by the sum of its
/// characters' scores in order), the BM25 part then scaled by the weighted coordination (see the module's text).
/// The cases are read from the census, and only they are scored; the characters are sought only where the word is
/// missing. (The step-by-step relaxation of a query with more than [`CENSUS_TERMS`] terms is not coordinated.)
#[derive(Clone)]
struct Tiered {
    kept: Kept,
    scoring: Vec<Evidence>,
}

impl std::fmt::Debug for Tiered {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let words: Vec<&dyn Query> = self.scoring.iter().map(|e| e.word.as_ref()).collect();
        f.debug_struct("Tiered")
            .field("min_weight", &self.kept.min_weight)
            .field("words", &words)
            .finish_non_exhaustive()
    }
}

impl Query for Tiered {
    fn weight(&self, enable_scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        let scoring = self
            .scoring
            .iter()
            .map(|e| {
                let chars = e.characters.iter().map(|c| c.weight(enable_scoring));
                Ok((e.word.weight(enable_scoring)?, chars.collect::<tantivy::Result<_>>()?, e.weight))
            })
            .collect::<tantivy::Result<_>>()?;
        Ok(Box::new(TieredWeight { kept: self.kept.clone(), scoring }))
    }

    fn query_terms<'a>(&'a self, visitor: &mut dyn FnMut(&'a Term, bool)) {
        for e in &self.scoring {
            e.word.query_terms(visitor);
            e.characters.iter().for_each(|c| c.query_terms(visitor));
        }
    }
}

/// A term's word and character weights, and its weight in the coordination.
type EvidenceWeights = (Box<dyn Weight>, Vec<Box<dyn Weight>>, Score);

struct TieredWeight {
    kept: Kept,
    scoring: Vec<EvidenceWeights>,
}

impl Weight for TieredWeight {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        let docs = self.kept.docs(reader.segment_id());
        let scoring: Vec<EvidenceScorers> = self
            .scoring
            .iter()
            .map(|(word, chars, weight)| {
                let chars = chars.iter().map(|c| c.scorer(reader, boost));
                Ok((word.scorer(reader, boost)?, chars.collect::<tantivy::Result<_>>()?, *weight))
            })
            .collect::<tantivy::Result<_>>()?;
        Ok(Box::new(TieredScorer { docs, at: 0, scoring }))
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        let mut e = Explanation::new("relaxed step", 0.0);
        for (word, chars, _) in &self.scoring {
            for w in std::iter::once(word).chain(chars) {
                if let Ok(x) = w.explain(reader, doc) {
                    e.add_detail(x);
                }
            }
        }
        Ok(e)
    }
}

struct TieredScorer {
    docs: Vec<DocId>,
    at: usize,
    scoring: Vec<EvidenceScorers>,
}

/// A term's word and character scorers, and its weight in the coordination.
type EvidenceScorers = (Box<dyn Scorer>, Vec<Box<dyn Scorer>>, Score);

/// Moves `s` to `doc` (or past it); whether `doc` matches.
fn on(s: &mut dyn Scorer, doc: DocId) -> bool {
    let at = if s.doc() < doc { s.seek(doc) } else { s.doc() };
    at == doc
}

impl DocSet for TieredScorer {
    fn advance(&mut self) -> DocId {
        self.at = (self.at + 1).min(self.docs.len());
        self.doc()
    }

    fn seek(&mut self, target: DocId) -> DocId {
        if self.doc() < target {
            self.at += self.docs[self.at..].partition_point(|&d| d < target);
        }
        self.doc()
    }

    fn doc(&self) -> DocId {
        self.docs.get(self.at).copied().unwrap_or(TERMINATED)
    }

    fn size_hint(&self) -> u32 {
        (self.docs.len() - self.at) as u32
    }
}

impl Scorer for TieredScorer {
    fn score(&mut self) -> Score {
        let doc = self.doc();
        let (mut total, mut words, mut matched, mut of) = (0.0 as Score, 0usize, 0.0 as Score, 0.0 as Score);
        for (word, chars, weight) in &mut self.scoring {
            let weight = *weight;
            of += weight;
            if on(word.as_mut(), doc) {
                total += word.score();
                words += 1;
                matched += weight;
                continue;
            }
            let (mut sum, mut found) = (0.0, 0usize);
            for c in chars.iter_mut() {
                if on(c.as_mut(), doc) {
                    sum += c.score();
                    found += 1;
                }
            }
            if found > 0 {
                total += sum;
                matched += CHARACTER_CREDIT * weight * found as Score / chars.len() as Score;
            }
        }
        // The tiers stay whole (the collector counts and takes them off); the BM25 is scaled by the coordination.
        let tiers = words as Score * TIER;
        let coordination = if of > 0.0 { matched / of } else { 1.0 };
        tiers + (total - tiers) * coordination
    }
}

/// A relaxed query: how many loose terms it has, and the cases that match them all (fewer than a page), which
/// rank first.
#[derive(Debug, Clone)]
pub(crate) struct Relaxed {
    pub terms: usize,
    pub all: Vec<DocAddress>,
}

/// The tier of a relaxed query's score (how many loose terms the case matched), at most `n`.
pub(crate) fn tier_of(score: Score, n: usize) -> usize {
    ((score / TIER).floor().max(0.0) as usize).min(n)
}

/// For each of `docs`, which of `terms` it matches (matching only, no scores): one scorer per term and segment,
/// sought forward through the segment's documents in order.
pub(crate) fn matched_terms(
    searcher: &Searcher,
    terms: &[Box<dyn Query>],
    docs: &[DocAddress],
) -> tantivy::Result<Vec<Vec<bool>>> {
    let mut out = vec![vec![false; terms.len()]; docs.len()];
    let mut order: Vec<usize> = (0..docs.len()).collect();
    order.sort_by_key(|&i| (docs[i].segment_ord, docs[i].doc_id));
    for (t, q) in terms.iter().enumerate() {
        let weight = q.weight(EnableScoring::disabled_from_searcher(searcher))?;
        let mut current: Option<(u32, Box<dyn Scorer>)> = None;
        for &i in &order {
            let DocAddress { segment_ord, doc_id } = docs[i];
            if current.as_ref().is_none_or(|c| c.0 != segment_ord) {
                let reader = searcher.segment_reader(segment_ord);
                current = Some((segment_ord, weight.scorer(reader, 1.0)?));
            }
            if let Some((_, scorer)) = current.as_mut() {
                let at = if scorer.doc() < doc_id { scorer.seek(doc_id) } else { scorer.doc() };
                out[i][t] = at == doc_id;
            }
        }
    }
    Ok(out)
}

/// Whether any live case matches `q` (stops at the first).
pub(crate) fn matches_any(searcher: &Searcher, q: &dyn Query) -> tantivy::Result<bool> {
    Ok(count_up_to(searcher, q, 1)? > 0)
}

/// How many live cases match `q`, counting no further than `cap` (a large set is not walked to its end).
pub(crate) fn count_up_to(searcher: &Searcher, q: &dyn Query, cap: usize) -> tantivy::Result<usize> {
    let weight = q.weight(EnableScoring::disabled_from_searcher(searcher))?;
    let mut n = 0;
    for reader in searcher.segment_readers() {
        let mut scorer = weight.scorer(reader, 1.0)?;
        let mut doc = scorer.doc();
        while doc != TERMINATED {
            if reader.alive_bitset().is_none_or(|alive| alive.is_alive(doc)) {
                n += 1;
                if n >= cap {
                    return Ok(n);
                }
            }
            doc = scorer.advance();
        }
    }
    Ok(n)
}

/// The terms lacked by hits of a page (`matched[hit][term]`), the most often lacked first (then in query order).
pub(crate) fn dropped(terms: &[String], matched: &[Vec<bool>]) -> Vec<String> {
    let mut lacked: Vec<(usize, usize)> =
        (0..terms.len()).map(|t| (matched.iter().filter(|m| !m[t]).count(), t)).filter(|(n, _)| *n > 0).collect();
    lacked.sort_by_key(|&(n, t)| (std::cmp::Reverse(n), t));
    lacked.into_iter().map(|(_, t)| terms[t].clone()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tiers_come_back_from_scores() {
        let cap = TIER / 10.0;
        for (matched, bm25) in [(0, 0.0), (1, 3.5), (3, cap * 3.0 - 0.01), (4, 0.0)] {
            assert_eq!(tier_of(matched as Score * TIER + bm25, 4), matched);
        }
        assert_eq!(tier_of(9.0 * TIER, 4), 4);
    }

    #[test]
    fn a_census_keeps_the_heaviest_sets_of_terms_down_to_a_pool() {
        let census = |idf: &[f64], sets: &[(usize, u64)]| {
            let mut by_mask = vec![0; 1 << idf.len()];
            sets.iter().for_each(|&(m, c)| by_mask[m] = c);
            let bits: Vec<(usize, f64)> = idf.iter().copied().enumerate().collect();
            Census {
                masks: Arc::default(),
                by_mask,
                weights: Arc::new(set_weights(&bits, idf.len())),
                term_weights: Vec::new(),
            }
        };
        // Term 0 rare (weight 5), terms 1 and 2 common (1 each): 2 cases with term 0 alone, 120 with 1 and 2, 50
        // with 1 alone. The rare term's cases are kept first, then the pair's, which fill the pool.
        let c = census(&[5.0, 1.0, 1.0], &[(0b001, 2), (0b110, 120), (0b010, 50)]);
        assert_eq!(c.step(POOL), 2.0);
        assert_eq!(c.step(122), 2.0, "exactly the pool");
        assert_eq!(c.step(123), 1.0, "one short of the pool: the lightest set too");
        assert_eq!(c.step(1000), 1.0, "fewer cases than the pool: every case matching a term");
        assert_eq!(c.step(2), 5.0, "a page's worth of the heaviest set");
        // Sets of equal weight are kept or dropped together.
        let c = census(&[1.0, 1.0], &[(0b01, 60), (0b10, 60)]);
        assert_eq!(c.step(POOL), 1.0);
        assert_eq!(c.step(10), 1.0);
        // Cases with every term count towards the pool.
        let c = census(&[2.0, 2.0], &[(0b11, 97), (0b01, 3), (0b10, 400)]);
        assert_eq!(c.step(POOL), 2.0);
        assert_eq!(census(&[1.0, 1.0], &[]).step(POOL), 0.0, "nothing matches");
    }

    #[test]
    fn a_term_weighs_the_heavier_of_its_word_and_its_characters() {
        // Term 0's word (5), term 1's word (2), term 0's characters (3).
        let w = set_weights(&[(0, 5.0), (1, 2.0), (0, 3.0)], 2);
        assert_eq!(w, [0.0, 5.0, 2.0, 7.0, 3.0, 5.0, 5.0, 7.0]);
    }

    #[test]
    fn dropped_terms_are_counted_over_the_page() {
        let terms: Vec<String> = ["冒充", "客服", "退款"].map(String::from).into();
        let matched = vec![vec![true, true, true], vec![true, false, true], vec![false, false, true]];
        assert_eq!(dropped(&terms, &matched), ["客服", "冒充"]);
        assert!(dropped(&terms, &[vec![true; 3]]).is_empty());
    }
}
