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

/// One matching document with what sorting and facets need.
#[derive(Debug, Clone)]
pub(crate) struct Row {
    pub score: Score,
    pub addr: DocAddress,
    pub id: String,
    pub fraud_type: String,
    pub district: String,
    pub date: Option<i64>,
    pub loss: Option<i64>,
}

impl Row {
    /// The primary sort value; larger comes first.
    fn primary(&self, sort: SortBy) -> i64 {
        match sort {
            SortBy::Relevance => ordered_f32(self.score),
            SortBy::Date => self.date.unwrap_or(i64::MIN),
            SortBy::Loss => self.loss.unwrap_or(i64::MIN),
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

/// Sorts `rows`, skips to after `cursor`, and returns the page and the next cursor.
pub(crate) fn page(
    mut rows: Vec<Row>,
    sort: SortBy,
    limit: usize,
    cursor: Option<&str>,
) -> Result<(Vec<Row>, Option<String>), SearchError> {
    rows.sort_by(|a, b| compare((a.primary(sort), &a.id), (b.primary(sort), &b.id)));
    let start = match cursor {
        None => 0,
        Some(c) => {
            let bad = || SearchError::BadCursor { cursor: c.to_string() };
            let rest = c.strip_prefix(sort.tag()).ok_or_else(bad)?;
            let (primary, id) = rest.split_once(':').ok_or_else(bad)?;
            let primary: i64 = primary.parse().map_err(|_| bad())?;
            rows.partition_point(|r| compare((r.primary(sort), &r.id), (primary, id)) != Ordering::Greater)
        }
    };
    let start = start.min(rows.len());
    let end = (start + limit).min(rows.len());
    let next = (end < rows.len() && end > start).then(|| {
        let last = &rows[end - 1];
        format!("{}{}:{}", sort.tag(), last.primary(sort), last.id)
    });
    let page = rows.drain(start..end).collect();
    Ok((page, next))
}

/// Facet counts over all rows.
pub(crate) fn facets(rows: &[Row]) -> Facets {
    let count = |key: &dyn Fn(&Row) -> Option<String>| {
        let mut m: BTreeMap<String, u64> = BTreeMap::new();
        for r in rows {
            if let Some(k) = key(r).filter(|k| !k.is_empty()) {
                *m.entry(k).or_default() += 1;
            }
        }
        m.into_iter().map(|(value, count)| FacetCount { value, count }).collect::<Vec<_>>()
    };
    let by_count = |mut v: Vec<FacetCount>| {
        v.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
        v
    };
    Facets {
        fraud_type: by_count(count(&|r| Some(r.fraud_type.clone()))),
        district: by_count(count(&|r| Some(r.district.clone()))),
        month: count(&|r| r.date.map(month_of)),
    }
}

/// `YYYY-MM` of an epoch second in Beijing time.
pub(crate) fn month_of(t: i64) -> String {
    let (y, m, _) = civil_from_days((t + BEIJING_OFFSET).div_euclid(86_400));
    format!("{y:04}-{m:02}")
}

/// Collects every hit with its id, facet values and sort keys (read from fast fields).
pub(crate) struct AllRows;

pub(crate) struct SegmentRows {
    segment: SegmentOrdinal,
    id: Option<StrColumn>,
    fraud_type: Option<StrColumn>,
    district: Option<StrColumn>,
    date: Option<Column<i64>>,
    loss: Option<Column<i64>>,
    rows: Vec<Row>,
    buf: String,
}

impl Collector for AllRows {
    type Fruit = Vec<Row>;
    type Child = SegmentRows;

    fn for_segment(&self, segment: SegmentOrdinal, reader: &SegmentReader) -> tantivy::Result<SegmentRows> {
        let ff = reader.fast_fields();
        Ok(SegmentRows {
            segment,
            id: ff.str("id")?,
            fraud_type: ff.str("type")?,
            district: ff.str("district")?,
            date: ff.column_opt("date")?,
            loss: ff.column_opt("loss")?,
            rows: Vec::new(),
            buf: String::new(),
        })
    }

    fn requires_scoring(&self) -> bool {
        true
    }

    fn merge_fruits(&self, fruits: Vec<Vec<Row>>) -> tantivy::Result<Vec<Row>> {
        Ok(fruits.into_iter().flatten().collect())
    }
}

impl SegmentRows {
    fn text(col: &Option<StrColumn>, doc: DocId, buf: &mut String) -> String {
        buf.clear();
        if let Some(col) = col
            && let Some(ord) = col.term_ords(doc).next()
            && col.ord_to_str(ord, buf).unwrap_or(false)
        {
            return buf.clone();
        }
        String::new()
    }
}

impl SegmentCollector for SegmentRows {
    type Fruit = Vec<Row>;

    fn collect(&mut self, doc: DocId, score: Score) {
        let id = Self::text(&self.id, doc, &mut self.buf);
        let fraud_type = Self::text(&self.fraud_type, doc, &mut self.buf);
        let district = Self::text(&self.district, doc, &mut self.buf);
        self.rows.push(Row {
            score,
            addr: DocAddress::new(self.segment, doc),
            id,
            fraud_type,
            district,
            date: self.date.as_ref().and_then(|c| c.first(doc)),
            loss: self.loss.as_ref().and_then(|c| c.first(doc)),
        });
    }

    fn harvest(self) -> Vec<Row> {
        self.rows
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
