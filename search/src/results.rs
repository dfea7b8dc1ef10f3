//! Search options and results: sorting, cursors, facets, and the collector that gathers every hit's sort keys.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::{Column, StrColumn};
use tantivy::{DocAddress, DocId, Score, SegmentOrdinal, SegmentReader};

use crate::error::SearchError;
use crate::query::{BEIJING_OFFSET, civil_from_days};
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
    pub community: Option<String>,
    /// Reported at or after (epoch seconds).
    pub from: Option<i64>,
    /// Reported at or before (epoch seconds).
    pub to: Option<i64>,
    /// Snippet length in characters.
    pub snippet_chars: usize,
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
            community: None,
            from: None,
            to: None,
            snippet_chars: 120,
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
    pub reported_at: Option<i64>,
    pub loss_fen: Option<i64>,
    pub identifiers: Vec<String>,
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
}

/// One matching document: its sort key and where it is. Ids, types and districts stay term ordinals until the
/// page and the facets need their text (turning an ordinal into text decompresses a dictionary block).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Row {
    /// The primary sort value; larger comes first.
    pub primary: i64,
    pub score: Score,
    pub doc: DocId,
}

/// A page row: its id resolved.
#[derive(Debug, Clone)]
pub(crate) struct PageRow {
    pub primary: i64,
    pub score: Score,
    pub addr: DocAddress,
    pub id: String,
}

/// The primary sort value of a document.
fn primary(sort: SortBy, score: Score, date: Option<i64>, loss: Option<i64>) -> i64 {
    match sort {
        SortBy::Relevance => ordered_f32(score),
        SortBy::Date => date.unwrap_or(i64::MIN),
        SortBy::Loss => loss.unwrap_or(i64::MIN),
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

/// Every hit of one segment, and the segment's facet counts by term ordinal.
pub(crate) struct SegmentHits {
    segment: SegmentOrdinal,
    id: Option<StrColumn>,
    fraud_type: Option<StrColumn>,
    district: Option<StrColumn>,
    rows: Vec<Row>,
    type_counts: Vec<u64>,
    district_counts: Vec<u64>,
    /// Hits by Beijing day number (days since 1970-01-01) in `[0, DAY_SLOTS)`; others in `other_days`.
    day_counts: Vec<u64>,
    other_days: BTreeMap<i64, u64>,
}

/// Day slots counted in a flat array (1970-01-01 + 60,000 days is in 2134).
const DAY_SLOTS: i64 = 60_000;

impl SegmentHits {
    fn id_ord(&self, doc: DocId) -> Option<u64> {
        self.id.as_ref().and_then(|c| c.term_ords(doc).next())
    }
}

/// Resolves sorted, distinct ordinals of `col` to text, in order.
fn ords_to_text(col: &StrColumn, ords: &[u64]) -> Result<Vec<String>, SearchError> {
    let mut out = Vec::with_capacity(ords.len());
    col.dictionary()
        .sorted_ords_to_term_cb(ords, |b| out.push(String::from_utf8_lossy(b).into_owned()))
        .map_err(|e| SearchError::Tantivy(e.into()))?;
    Ok(out)
}

/// Counts by ordinal → counts by text (summed over segments).
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
        let slots = s.day_counts.iter().enumerate().filter(|(_, c)| **c > 0).map(|(d, c)| (d as i64, *c));
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
    segs.iter().map(|s| s.rows.len()).sum()
}

/// A candidate for the page: segment index (into the collected segments), row.
type Cand = (usize, Row);

/// Resolves the ids of `cands` (per segment, in ordinal order, so each dictionary block is read once).
fn resolve(segs: &[SegmentHits], cands: &[Cand]) -> Result<Vec<PageRow>, SearchError> {
    let mut out = Vec::with_capacity(cands.len());
    let mut by_seg: BTreeMap<usize, Vec<(u64, Row)>> = BTreeMap::new();
    for (si, r) in cands {
        by_seg.entry(*si).or_default().push((segs[*si].id_ord(r.doc).unwrap_or(u64::MAX), *r));
    }
    for (si, mut rows) in by_seg {
        let seg = &segs[si];
        rows.sort_by_key(|(o, _)| *o);
        let known: Vec<u64> = {
            let mut v: Vec<u64> = rows.iter().map(|(o, _)| *o).filter(|o| *o != u64::MAX).collect();
            v.dedup();
            v
        };
        let texts = match &seg.id {
            Some(c) => ords_to_text(c, &known)?,
            None => Vec::new(),
        };
        for (o, r) in rows {
            let id = known.binary_search(&o).ok().and_then(|i| texts.get(i).cloned()).unwrap_or_default();
            out.push(PageRow { primary: r.primary, score: r.score, addr: DocAddress::new(seg.segment, r.doc), id });
        }
    }
    Ok(out)
}

/// The page after `cursor` in (primary desc, id asc) order, and the next cursor. Only the page's candidates
/// have their ids resolved: the rows past the cursor are narrowed to the best `limit` by primary value, and ties
/// at the boundary are settled per segment by id ordinal (ordinal order is id order within a segment).
pub(crate) fn page(
    segs: &[SegmentHits],
    sort: SortBy,
    limit: usize,
    cursor: Option<&str>,
) -> Result<(Vec<PageRow>, Option<String>), SearchError> {
    let after: Option<(i64, &str)> = match cursor {
        None => None,
        Some(c) => {
            let bad = || SearchError::BadCursor { cursor: c.to_string() };
            let rest = c.strip_prefix(sort.tag()).ok_or_else(bad)?;
            let (primary, id) = rest.split_once(':').ok_or_else(bad)?;
            Some((primary.parse().map_err(|_| bad())?, id))
        }
    };
    let mut cands: Vec<Cand> = Vec::new();
    for (si, seg) in segs.iter().enumerate() {
        match after {
            None => cands.extend(seg.rows.iter().map(|r| (si, *r))),
            Some((cp, cid)) => {
                // Rows tied with the cursor's value come after it when their id is larger.
                let first_after = match &seg.id {
                    Some(c) => {
                        match c.dictionary().term_ord_or_next(cid).map_err(|e| SearchError::Tantivy(e.into()))? {
                            tantivy::columnar::TermOrdHit::Exact(o) => o.saturating_add(1),
                            tantivy::columnar::TermOrdHit::Next(o) => o,
                        }
                    }
                    None => 0,
                };
                cands.extend(
                    seg.rows
                        .iter()
                        .filter(|r| {
                            r.primary < cp || (r.primary == cp && seg.id_ord(r.doc).is_some_and(|o| o >= first_after))
                        })
                        .map(|r| (si, *r)),
                );
            }
        }
    }
    let more = cands.len() > limit;
    if more {
        cands.select_nth_unstable_by(limit - 1, |a, b| b.1.primary.cmp(&a.1.primary));
        let edge = cands[limit - 1].1.primary;
        let better = cands.iter().filter(|c| c.1.primary > edge).count();
        let need = limit - better;
        // Ties at the edge: the `need` smallest ids of each segment, then the `need` smallest overall.
        let mut ties: BTreeMap<usize, Vec<(u64, Row)>> = BTreeMap::new();
        for (si, r) in cands.iter().filter(|c| c.1.primary == edge) {
            ties.entry(*si).or_default().push((segs[*si].id_ord(r.doc).unwrap_or(u64::MAX), *r));
        }
        let mut tied: Vec<Cand> = Vec::new();
        for (si, mut rows) in ties {
            rows.sort_by_key(|(o, _)| *o);
            tied.extend(rows.into_iter().take(need).map(|(_, r)| (si, r)));
        }
        let mut tied = resolve(segs, &tied)?;
        tied.sort_by(|a, b| a.id.cmp(&b.id));
        tied.truncate(need);
        let best: Vec<Cand> = cands.into_iter().filter(|c| c.1.primary > edge).collect();
        let mut rows = resolve(segs, &best)?;
        rows.extend(tied);
        rows.sort_by(|a, b| compare((a.primary, &a.id), (b.primary, &b.id)));
        let last = &rows[rows.len() - 1];
        let next = format!("{}{}:{}", sort.tag(), last.primary, last.id);
        Ok((rows, Some(next)))
    } else {
        let mut rows = resolve(segs, &cands)?;
        rows.sort_by(|a, b| compare((a.primary, &a.id), (b.primary, &b.id)));
        Ok((rows, None))
    }
}

/// `YYYY-MM` of an epoch second in Beijing time.
pub(crate) fn month_of(t: i64) -> String {
    let (y, m, _) = civil_from_days((t + BEIJING_OFFSET).div_euclid(86_400));
    format!("{y:04}-{m:02}")
}

/// Collects every hit's sort key (read from fast fields) and counts facets by ordinal.
pub(crate) struct AllRows {
    pub sort: SortBy,
}

pub(crate) struct SegmentRows {
    sort: SortBy,
    date: Option<Column<i64>>,
    loss: Option<Column<i64>>,
    type_ords: Option<Column<u64>>,
    district_ords: Option<Column<u64>>,
    hits: SegmentHits,
}

impl Collector for AllRows {
    type Fruit = Vec<SegmentHits>;
    type Child = SegmentRows;

    fn for_segment(&self, segment: SegmentOrdinal, reader: &SegmentReader) -> tantivy::Result<SegmentRows> {
        let ff = reader.fast_fields();
        let fraud_type = ff.str("type")?;
        let district = ff.str("district")?;
        let counts = |c: &Option<StrColumn>| vec![0u64; c.as_ref().map_or(0, |c| c.num_terms())];
        Ok(SegmentRows {
            sort: self.sort,
            date: ff.column_opt("date")?,
            loss: ff.column_opt("loss")?,
            type_ords: fraud_type.as_ref().map(|c| c.ords().clone()),
            district_ords: district.as_ref().map(|c| c.ords().clone()),
            hits: SegmentHits {
                segment,
                id: ff.str("id")?,
                type_counts: counts(&fraud_type),
                district_counts: counts(&district),
                fraud_type,
                district,
                rows: Vec::new(),
                day_counts: Vec::new(),
                other_days: BTreeMap::new(),
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

impl SegmentCollector for SegmentRows {
    type Fruit = SegmentHits;

    fn collect(&mut self, doc: DocId, score: Score) {
        let h = &mut self.hits;
        let count = |col: &Option<Column<u64>>, counts: &mut Vec<u64>| {
            if let Some(o) = col.as_ref().and_then(|c| c.first(doc))
                && let Some(slot) = counts.get_mut(o as usize)
            {
                *slot += 1;
            }
        };
        count(&self.type_ords, &mut h.type_counts);
        count(&self.district_ords, &mut h.district_counts);
        let date = self.date.as_ref().and_then(|c| c.first(doc));
        if let Some(t) = date {
            let day = (t + BEIJING_OFFSET).div_euclid(86_400);
            if (0..DAY_SLOTS).contains(&day) {
                if h.day_counts.is_empty() {
                    h.day_counts = vec![0; DAY_SLOTS as usize];
                }
                h.day_counts[day as usize] += 1;
            } else {
                *h.other_days.entry(day).or_default() += 1;
            }
        }
        let loss = match self.sort {
            SortBy::Loss => self.loss.as_ref().and_then(|c| c.first(doc)),
            _ => None,
        };
        h.rows.push(Row { primary: primary(self.sort, score, date, loss), score, doc });
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
