//! Search options and results: sorting, cursors, facets, and the collector that gathers every hit's sort keys.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BinaryHeap, HashMap};
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};
use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::{Column, StrColumn};
use tantivy::index::SegmentId;
use tantivy::{DocAddress, DocId, Score, SegmentOrdinal, SegmentReader};

use crate::error::SearchError;
use crate::query::{BEIJING_OFFSET, civil_from_days};
use crate::ranked::{Matching, Relaxed, TIER, tier_of};
use crate::snippet::Snippet;

/// Result order. Ties are broken by case id (ascending), so the order is total and cursors are stable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SortBy {
    /// BM25 score, best first.
    #[default]
    Relevance,
    /// Reported date, newest first (cases without a date last).
    Date,
    /// Loss, largest first (cases without a loss last).
    Loss,
}

impl SortBy {
    fn tag(self) -> char {
        match self {
            SortBy::Relevance => 'r',
            SortBy::Date => 'd',
            SortBy::Loss => 'l',
        }
    }
}

/// What to return and how: filters on top of the query, order, page size and cursor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchOptions {
    /// Page size (at most [`MAX_LIMIT`]).
    pub limit: usize,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
    pub sort: SortBy,
    pub fraud_type: Option<String>,
    pub district: Option<String>,
    /// Only cases of one of these districts (a scope; empty: any district).
    pub districts: Vec<String>,
    pub community: Option<String>,
    /// Case status code (`received`, `filed`, `solved`, `closed`).
    pub status: Option<String>,
    /// Reported at or after (epoch seconds).
    pub from: Option<i64>,
    /// Reported at or before (epoch seconds).
    pub to: Option<i64>,
    /// Snippet length in characters.
    pub snippet_chars: usize,
    /// Count facets over all hits (reading three fast fields per hit); `false` leaves [`SearchResults::facets`]
    /// empty, which makes queries matching a large share of a big index several times cheaper.
    pub facets: bool,
}

/// Largest page size.
pub const MAX_LIMIT: usize = 1000;

impl SearchOptions {
    /// The first `limit` hits by relevance, no filters, 120-character snippets.
    pub fn top(limit: usize) -> SearchOptions {
        SearchOptions {
            limit,
            cursor: None,
            sort: SortBy::Relevance,
            fraud_type: None,
            district: None,
            districts: Vec::new(),
            community: None,
            status: None,
            from: None,
            to: None,
            snippet_chars: 120,
            facets: true,
        }
    }
}

/// One hit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Hit {
    pub id: String,
    pub score: f32,
    pub snippet: Snippet,
    pub fraud_type: String,
    pub district: String,
    pub community: Option<String>,
    pub status: Option<String>,
    pub reported_at: Option<i64>,
    pub loss_fen: Option<i64>,
    pub identifiers: Vec<String>,
    /// The query's loose terms this case matches (all of them unless terms were dropped; see [`Matching`]).
    pub matched_terms: Vec<String>,
}

/// A facet value and how many hits have it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FacetCount {
    pub value: String,
    pub count: u64,
}

/// Counts over all hits (not just the page), largest first (months in calendar order).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Facets {
    pub fraud_type: Vec<FacetCount>,
    pub district: Vec<FacetCount>,
    /// `YYYY-MM` in Beijing time.
    pub month: Vec<FacetCount>,
}

/// A page of results.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchResults {
    /// Number of matching cases.
    pub total: usize,
    pub hits: Vec<Hit>,
    pub facets: Facets,
    /// Pass as [`SearchOptions::cursor`] for the next page; `None` on the last page.
    pub next_cursor: Option<String>,
    /// How the query's loose terms matched: how many cases match them all, which were dropped, which match nothing.
    #[serde(flatten)]
    pub matching: Matching,
}

/// A page candidate: its sort key, where it is, and its id's term ordinal in its segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Entry {
    primary: i64,
    id_ord: u64,
    score_bits: u32,
    doc: DocId,
}

impl Ord for Entry {
    /// Worse is greater, so a max-heap's top is the worst kept entry: lower primary value, then larger id (within
    /// a segment, ordinal order is id order).
    fn cmp(&self, other: &Self) -> Ordering {
        other.primary.cmp(&self.primary).then_with(|| self.id_ord.cmp(&other.id_ord)).then(self.doc.cmp(&other.doc))
    }
}

impl PartialOrd for Entry {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// A page row: its id resolved.
#[derive(Debug, Clone)]
pub(crate) struct PageRow {
    pub primary: i64,
    pub score: Score,
    pub addr: DocAddress,
    pub id: String,
}

/// Bits of a date or loss below the "matches every term" flag in a relaxed query's primary sort value.
const FIRST_SHIFT: u32 = 52;

/// The primary sort value of a document. In a relaxed query, `first` says whether the case matches every loose
/// term: such cases come first in any order (see `ranked`).
fn primary(sort: SortBy, score: Score, date: Option<i64>, loss: Option<i64>, first: Option<bool>) -> i64 {
    let value = match sort {
        SortBy::Relevance => return ordered_f32(score + if first == Some(true) { TIER } else { 0.0 }),
        SortBy::Date => date,
        SortBy::Loss => loss,
    };
    match first {
        None => value.unwrap_or(i64::MIN),
        Some(first) => {
            let half = 1i64 << (FIRST_SHIFT - 1);
            (i64::from(first) << FIRST_SHIFT) + value.map_or(-half, |v| v.clamp(1 - half, half - 1))
        }
    }
}

/// An order-preserving map of f32 to i64.
fn ordered_f32(x: f32) -> i64 {
    let b = x.to_bits() as i32;
    i64::from(if b < 0 { !b | i32::MIN } else { b })
}

fn compare(a: (i64, &str), b: (i64, &str)) -> Ordering {
    b.0.cmp(&a.0).then_with(|| a.1.cmp(b.1))
}

/// A parsed cursor: the primary value and id of the last row of the previous page.
#[derive(Debug, Clone)]
pub(crate) struct After {
    primary: i64,
    id: String,
}

/// Parses a `next_cursor` for `sort`.
pub(crate) fn parse_cursor(c: &str, sort: SortBy) -> Result<After, SearchError> {
    let bad = || SearchError::BadCursor { cursor: c.to_string() };
    let rest = c.strip_prefix(sort.tag()).ok_or_else(bad)?;
    let (primary, id) = rest.split_once(':').ok_or_else(bad)?;
    Ok(After { primary: primary.parse().map_err(|_| bad())?, id: id.to_string() })
}

/// One segment's share: hit count, facet counts by term ordinal, and its best `limit` rows after the cursor.
pub(crate) struct SegmentHits {
    segment: SegmentOrdinal,
    id: Option<StrColumn>,
    fraud_type: Option<StrColumn>,
    district: Option<StrColumn>,
    hits: usize,
    /// Hits after the cursor (all hits without one).
    after: usize,
    best: BinaryHeap<Entry>,
    type_counts: Vec<u64>,
    district_counts: Vec<u64>,
    /// Hits by Beijing day number, from `first_day`.
    day_counts: Vec<u64>,
    first_day: i64,
    /// Hits by day outside `day_counts` (a segment whose dates span centuries).
    other_days: BTreeMap<i64, u64>,
    /// In a relaxed query: hits by how many loose terms they match.
    tier_counts: Vec<u64>,
}

/// Resolves sorted, distinct ordinals of `col` to text, in order.
fn ords_to_text(col: &StrColumn, ords: &[u64]) -> Result<Vec<String>, SearchError> {
    let mut out = Vec::with_capacity(ords.len());
    col.dictionary()
        .sorted_ords_to_term_cb(ords, |b| out.push(String::from_utf8_lossy(b).into_owned()))
        .map_err(|e| SearchError::Tantivy(e.into()))?;
    Ok(out)
}

/// Counts by ordinal → counts by text (summed over segments), largest first.
fn count_texts(
    segs: &[SegmentHits],
    col: fn(&SegmentHits) -> (&Option<StrColumn>, &Vec<u64>),
) -> Result<Vec<FacetCount>, SearchError> {
    let mut m: BTreeMap<String, u64> = BTreeMap::new();
    for s in segs {
        let (Some(c), counts) = col(s) else { continue };
        let ords: Vec<u64> = (0..counts.len() as u64).filter(|&o| counts[o as usize] > 0).collect();
        for (o, text) in ords.iter().zip(ords_to_text(c, &ords)?) {
            if !text.is_empty() {
                *m.entry(text).or_default() += counts[*o as usize];
            }
        }
    }
    let mut v: Vec<FacetCount> = m.into_iter().map(|(value, count)| FacetCount { value, count }).collect();
    v.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
    Ok(v)
}

/// Facet counts over all hits.
pub(crate) fn facets(segs: &[SegmentHits]) -> Result<Facets, SearchError> {
    let mut months: BTreeMap<String, u64> = BTreeMap::new();
    for s in segs {
        let slots = s.day_counts.iter().enumerate().filter(|(_, c)| **c > 0).map(|(i, c)| (s.first_day + i as i64, *c));
        for (day, c) in slots.chain(s.other_days.iter().map(|(d, c)| (*d, *c))) {
            *months.entry(month_of(day * 86_400 - BEIJING_OFFSET)).or_default() += c;
        }
    }
    Ok(Facets {
        fraud_type: count_texts(segs, |s| (&s.fraud_type, &s.type_counts))?,
        district: count_texts(segs, |s| (&s.district, &s.district_counts))?,
        month: months.into_iter().map(|(value, count)| FacetCount { value, count }).collect(),
    })
}

/// Number of hits.
pub(crate) fn total(segs: &[SegmentHits]) -> usize {
    segs.iter().map(|s| s.hits).sum()
}

/// In a relaxed query: hits by how many loose terms they match (index = terms matched).
pub(crate) fn tier_counts(segs: &[SegmentHits]) -> Vec<u64> {
    let mut out: Vec<u64> = Vec::new();
    for s in segs {
        out.resize(out.len().max(s.tier_counts.len()), 0);
        s.tier_counts.iter().enumerate().for_each(|(t, c)| out[t] += c);
    }
    out
}

/// The page's rows (the best `limit` after the cursor; not yet in order, ids not yet known) and whether more rows
/// follow. Each segment kept its best `limit` by (primary, id ordinal); ids are turned into text only when rows of
/// different segments tie at the page's edge (a dictionary lookup decompresses a block, so the caller takes the
/// page's ids from the stored documents and orders the page with [`order_page`]).
pub(crate) fn page(segs: &[SegmentHits], limit: usize) -> Result<(Vec<PageRow>, bool), SearchError> {
    let mut all: Vec<(usize, Entry)> =
        segs.iter().enumerate().flat_map(|(si, s)| s.best.iter().map(move |e| (si, *e))).collect();
    all.sort_by_key(|e| std::cmp::Reverse(e.1.primary));
    let row = |si: usize, e: &Entry, id: String| PageRow {
        primary: e.primary,
        score: f32::from_bits(e.score_bits),
        addr: DocAddress::new(segs[si].segment, e.doc),
        id,
    };
    let mut rows: Vec<PageRow> = Vec::with_capacity(limit);
    if all.len() > limit {
        let edge = all[limit - 1].1.primary;
        let (better, rest): (Vec<_>, Vec<_>) = all.into_iter().partition(|(_, e)| e.primary > edge);
        let tied: Vec<(usize, Entry)> = rest.into_iter().filter(|(_, e)| e.primary == edge).collect();
        let need = limit - better.len();
        rows.extend(better.iter().map(|(si, e)| row(*si, e, String::new())));
        if tied.len() > need {
            // Settle the edge by id: resolve the tied rows' ids, segment by segment in ordinal order.
            let mut named: Vec<PageRow> = Vec::with_capacity(tied.len());
            for (si, seg) in segs.iter().enumerate() {
                let mut mine: Vec<Entry> = tied.iter().filter(|(s, _)| *s == si).map(|(_, e)| *e).collect();
                if mine.is_empty() {
                    continue;
                }
                mine.sort_by_key(|e| e.id_ord);
                let mut ords: Vec<u64> = mine.iter().map(|e| e.id_ord).filter(|o| *o != u64::MAX).collect();
                ords.dedup();
                let texts = match &seg.id {
                    Some(c) => ords_to_text(c, &ords)?,
                    None => Vec::new(),
                };
                for e in &mine {
                    let id = ords.binary_search(&e.id_ord).ok().and_then(|i| texts.get(i).cloned());
                    named.push(row(si, e, id.unwrap_or_default()));
                }
            }
            named.sort_by(|a, b| a.id.cmp(&b.id));
            named.truncate(need);
            rows.extend(named);
        } else {
            rows.extend(tied.iter().map(|(si, e)| row(*si, e, String::new())));
        }
    } else {
        rows.extend(all.iter().map(|(si, e)| row(*si, e, String::new())));
    }
    let after: usize = segs.iter().map(|s| s.after).sum();
    Ok((rows, after > limit))
}

/// Orders a page whose ids are filled in (primary desc, id asc) and gives the next cursor when `more` rows follow.
pub(crate) fn order_page<T>(rows: &mut [(PageRow, T)], sort: SortBy, more: bool) -> Option<String> {
    rows.sort_by(|a, b| compare((a.0.primary, &a.0.id), (b.0.primary, &b.0.id)));
    match rows.last() {
        Some((last, _)) if more => Some(format!("{}{}:{}", sort.tag(), last.primary, last.id)),
        _ => None,
    }
}

/// `YYYY-MM` of an epoch second in Beijing time.
pub(crate) fn month_of(t: i64) -> String {
    let (y, m, _) = civil_from_days((t + BEIJING_OFFSET).div_euclid(86_400));
    format!("{y:04}-{m:02}")
}

/// Beijing day number of an epoch second.
fn day_of(t: i64) -> i64 {
    (t + BEIJING_OFFSET).div_euclid(86_400)
}

/// Longest date span (days) counted per day; wider spans fall back to counting by month.
const MAX_DAY_SPAN: i64 = 200_000;

/// Bits per packed facet value.
const FACET_BITS: u32 = 20;
const FACET_MASK: u64 = (1 << FACET_BITS) - 1;

/// The facet values of every document of one segment, one word a document: fraud-type ordinal + 1 (bits 0–19),
/// district ordinal + 1 (bits 20–39), Beijing day − `first_day` + 1 (bits 40–63); 0 means no value. Reading three
/// fast-field columns per hit (each through an optional-column index) was a third of the time of a query matching
/// 10% of a million cases; this is one array read. Segments never change, so it is built once per segment.
pub(crate) struct PackedFacets {
    first_day: i64,
    codes: Vec<u64>,
}

impl PackedFacets {
    /// `None` when a value does not fit (over 2²⁰ − 2 types or districts, dates spanning over [`MAX_DAY_SPAN`]
    /// days): such a segment is counted from its columns.
    fn build(reader: &SegmentReader) -> tantivy::Result<Option<PackedFacets>> {
        let ff = reader.fast_fields();
        let (fraud_type, district) = (ff.str("type")?, ff.str("district")?);
        let date: Option<Column<i64>> = ff.column_opt("date")?;
        let fits = |c: &Option<StrColumn>| c.as_ref().is_none_or(|c| (c.num_terms() as u64) < FACET_MASK);
        let first_day = date.as_ref().filter(|c| c.num_docs() > 0).map(|c| day_of(c.min_value()));
        let span_ok = date
            .as_ref()
            .is_none_or(|c| c.num_docs() == 0 || day_of(c.max_value()) - day_of(c.min_value()) < MAX_DAY_SPAN);
        if !fits(&fraud_type) || !fits(&district) || !span_ok {
            return Ok(None);
        }
        let first_day = first_day.unwrap_or(0);
        let ord = |c: &Option<StrColumn>, doc: DocId| c.as_ref().and_then(|c| c.ords().first(doc)).map_or(0, |o| o + 1);
        let codes = (0..reader.max_doc())
            .map(|doc| {
                let day = date.as_ref().and_then(|c| c.first(doc)).map_or(0, |t| (day_of(t) - first_day + 1) as u64);
                ord(&fraud_type, doc) | ord(&district, doc) << FACET_BITS | day << (2 * FACET_BITS)
            })
            .collect();
        Ok(Some(PackedFacets { first_day, codes }))
    }
}

/// Packed facets by segment, shared by the searches of one index; segments merged away are dropped on the next
/// search.
#[derive(Default)]
pub(crate) struct FacetCache(Mutex<HashMap<SegmentId, Option<Arc<PackedFacets>>>>);

impl FacetCache {
    fn get(&self, reader: &SegmentReader) -> tantivy::Result<Option<Arc<PackedFacets>>> {
        let id = reader.segment_id();
        if let Some(p) = self.0.lock().map_err(|_| poisoned())?.get(&id) {
            return Ok(p.clone());
        }
        // Built outside the lock: segments are searched in parallel.
        let built = PackedFacets::build(reader)?.map(Arc::new);
        self.0.lock().map_err(|_| poisoned())?.insert(id, built.clone());
        Ok(built)
    }

    /// Forgets segments that are no longer in the index.
    pub(crate) fn retain(&self, live: &[SegmentId]) {
        if let Ok(mut m) = self.0.lock() {
            m.retain(|id, _| live.contains(id));
        }
    }
}

fn poisoned() -> tantivy::TantivyError {
    tantivy::TantivyError::InternalError("facet cache lock poisoned".into())
}

/// Counts every hit (total, facets by ordinal) and keeps each segment's best `limit` rows after the cursor.
pub(crate) struct AllRows {
    pub sort: SortBy,
    /// Whether to count facets.
    pub facets: bool,
    pub limit: usize,
    pub after: Option<After>,
    pub cache: Arc<FacetCache>,
    /// A relaxed query: count hits by how many loose terms they match, rank the cases with every term first.
    pub relaxed: Option<Relaxed>,
}

pub(crate) struct SegmentRows {
    sort: SortBy,
    facets: bool,
    limit: usize,
    /// The cursor's primary value and the first id ordinal after the cursor's id in this segment.
    after: Option<(i64, u64)>,
    date: Option<Column<i64>>,
    loss: Option<Column<i64>>,
    id_ords: Option<Column<u64>>,
    type_ords: Option<Column<u64>>,
    district_ords: Option<Column<u64>>,
    /// When present, facets are counted from it (and the three columns above are only read to sort).
    packed: Option<Arc<PackedFacets>>,
    /// A relaxed query's loose term count and this segment's cases with every term, sorted.
    relaxed: Option<(usize, Vec<DocId>)>,
    hits: SegmentHits,
}

impl Collector for AllRows {
    type Fruit = Vec<SegmentHits>;
    type Child = SegmentRows;

    fn for_segment(&self, segment: SegmentOrdinal, reader: &SegmentReader) -> tantivy::Result<SegmentRows> {
        let ff = reader.fast_fields();
        let id = ff.str("id")?;
        let fraud_type = ff.str("type")?;
        let district = ff.str("district")?;
        let date: Option<Column<i64>> = ff.column_opt("date")?;
        let counts = |c: &Option<StrColumn>| vec![0u64; c.as_ref().map_or(0, |c| c.num_terms())];
        let after = match (&self.after, &id) {
            (None, _) => None,
            (Some(a), None) => Some((a.primary, u64::MAX)),
            (Some(a), Some(c)) => Some((
                a.primary,
                match c.dictionary().term_ord_or_next(&a.id)? {
                    tantivy::columnar::TermOrdHit::Exact(o) => o.saturating_add(1),
                    tantivy::columnar::TermOrdHit::Next(o) => o,
                },
            )),
        };
        let packed = if self.facets { self.cache.get(reader)? } else { None };
        let (first_day, day_counts) = match &date {
            Some(c) if c.num_docs() > 0 && self.facets => {
                let (lo, hi) = (day_of(c.min_value()), day_of(c.max_value()));
                if hi - lo < MAX_DAY_SPAN { (lo, vec![0u64; (hi - lo + 1) as usize]) } else { (lo, Vec::new()) }
            }
            _ => (0, Vec::new()),
        };
        // Both come from the same column's smallest date; the packed one is what day slots are relative to.
        let first_day = packed.as_ref().map_or(first_day, |p| p.first_day);
        Ok(SegmentRows {
            sort: self.sort,
            facets: self.facets,
            limit: self.limit,
            after,
            loss: ff.column_opt("loss")?,
            id_ords: id.as_ref().map(|c| c.ords().clone()),
            type_ords: fraud_type.as_ref().filter(|_| self.facets && packed.is_none()).map(|c| c.ords().clone()),
            district_ords: district.as_ref().filter(|_| self.facets && packed.is_none()).map(|c| c.ords().clone()),
            date: date.filter(|_| (self.facets && packed.is_none()) || self.sort == SortBy::Date),
            packed,
            relaxed: self.relaxed.as_ref().map(|r| {
                let mut mine: Vec<DocId> =
                    r.all.iter().filter(|a| a.segment_ord == segment).map(|a| a.doc_id).collect();
                mine.sort_unstable();
                (r.terms, mine)
            }),
            hits: SegmentHits {
                segment,
                id,
                type_counts: counts(&fraud_type),
                district_counts: counts(&district),
                fraud_type,
                district,
                hits: 0,
                after: 0,
                best: BinaryHeap::with_capacity(self.limit + 1),
                day_counts,
                first_day,
                other_days: BTreeMap::new(),
                tier_counts: vec![0; self.relaxed.as_ref().map_or(0, |r| r.terms + 1)],
            },
        })
    }

    fn requires_scoring(&self) -> bool {
        true
    }

    fn merge_fruits(&self, fruits: Vec<SegmentHits>) -> tantivy::Result<Vec<SegmentHits>> {
        Ok(fruits)
    }
}

impl SegmentRows {
    fn id_ord(&self, doc: DocId) -> u64 {
        self.id_ords.as_ref().and_then(|c| c.first(doc)).unwrap_or(u64::MAX)
    }
}

impl SegmentCollector for SegmentRows {
    type Fruit = SegmentHits;

    fn collect(&mut self, doc: DocId, score: Score) {
        let h = &mut self.hits;
        h.hits += 1;
        let bump = |counts: &mut Vec<u64>, slot: u64| {
            if let Some(c) = counts.get_mut(slot as usize) {
                *c += 1;
            }
        };
        if let Some(code) = self.packed.as_ref().and_then(|p| p.codes.get(doc as usize)) {
            let (t, d, day) = (code & FACET_MASK, (code >> FACET_BITS) & FACET_MASK, code >> (2 * FACET_BITS));
            if t > 0 {
                bump(&mut h.type_counts, t - 1);
            }
            if d > 0 {
                bump(&mut h.district_counts, d - 1);
            }
            if day > 0 {
                bump(&mut h.day_counts, day - 1);
            }
        }
        let count = |col: &Option<Column<u64>>, counts: &mut Vec<u64>| {
            if let Some(o) = col.as_ref().and_then(|c| c.first(doc)) {
                bump(counts, o);
            }
        };
        count(&self.type_ords, &mut h.type_counts);
        count(&self.district_ords, &mut h.district_counts);
        let date = self.date.as_ref().and_then(|c| c.first(doc));
        if self.facets
            && self.packed.is_none()
            && let Some(t) = date
        {
            let day = day_of(t);
            match usize::try_from(day - h.first_day).ok().and_then(|i| h.day_counts.get_mut(i)) {
                Some(slot) => *slot += 1,
                None => *h.other_days.entry(day).or_default() += 1,
            }
        }
        let loss = match self.sort {
            SortBy::Loss => self.loss.as_ref().and_then(|c| c.first(doc)),
            _ => None,
        };
        let (score, first) = match &self.relaxed {
            None => (score, None),
            Some((n, all)) => {
                let k = tier_of(score, *n);
                if let Some(slot) = self.hits.tier_counts.get_mut(k) {
                    *slot += 1;
                }
                (score - k as Score * TIER, Some(all.binary_search(&doc).is_ok()))
            }
        };
        let p = primary(self.sort, score, date, loss, first);
        let mut id_ord = None;
        if let Some((cp, first_after)) = self.after {
            if p > cp {
                return;
            }
            if p == cp {
                let o = self.id_ord(doc);
                if o < first_after || o == u64::MAX {
                    return;
                }
                id_ord = Some(o);
            }
        }
        self.hits.after += 1;
        if self.hits.best.len() >= self.limit {
            let Some(worst) = self.hits.best.peek() else { return };
            if p < worst.primary {
                return;
            }
        }
        let id_ord = id_ord.unwrap_or_else(|| self.id_ord(doc));
        let e = Entry { primary: p, id_ord, score_bits: score.to_bits(), doc };
        let best = &mut self.hits.best;
        if best.len() < self.limit {
            best.push(e);
        } else if best.peek().is_some_and(|w| e < *w) {
            best.pop();
            best.push(e);
        }
    }

    fn harvest(self) -> SegmentHits {
        self.hits
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn month_in_beijing_time() {
        // 2026-01-31 17:00 UTC is 2026-02-01 01:00 in Beijing.
        assert_eq!(month_of(1_769_878_800), "2026-02");
    }

    #[test]
    fn ordered_f32_keeps_order() {
        let xs = [-2.5f32, -0.0, 0.0, 0.1, 1.0, 7.25];
        assert!(xs.windows(2).all(|w| ordered_f32(w[0]) <= ordered_f32(w[1])));
    }
}
