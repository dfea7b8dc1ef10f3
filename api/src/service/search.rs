//! Case search: build or update an index (`<data-dir>/index/<name>`) from the store's reports or a JSONL corpus,
//! search it, list a report's most similar cases, and read one report.
//!
//! The store's reports are indexed into `index/cases` (unchanged reports skipped, changed ones re-indexed, deleted
//! ones removed, in one atomic commit). The analyser options used at indexing time are kept beside the index
//! (`fanzha-analyzer.json`) so queries are analysed the same way. An index built by an older fanzha is emptied
//! and rebuilt by the next update; searching it says to rebuild. Opened indexes are kept in the [`Service`] and
//! reloaded before each query, so repeated searches do not reopen them.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use datasets::ident::{IdField, extract, normalize};
use datasets::{Fen, Report};
use search::{
    Analyzer, AnalyzerOptions, CaseDoc, CaseIndex, Expr, IdentExtractor, MAX_LIMIT, SearchError, SearchOptions,
    SearchResults, SimilarCase, SortBy, SyncReport,
};
use serde::{Deserialize, Serialize};

use super::Service;
use super::corpus;
pub use super::corpus::JsonlSource;
use super::page::Limit;
use super::progress::Progress;
use crate::error::{AppError, AppResult, Kind};

/// Name of the index of the store's reports.
pub const CASES: &str = "cases";
const ANALYZER_FILE: &str = "fanzha-analyzer.json";
/// Snippet length of a hit, in characters.
const SNIPPET_CHARS: usize = 120;

/// The opened indexes, by name (kept between queries; see [`Service::search`]).
#[derive(Default)]
pub(crate) struct SearchState {
    readers: Mutex<HashMap<IndexName, Arc<CaseIndex>>>,
}

impl SearchState {
    fn cached(&self, name: &IndexName) -> Option<Arc<CaseIndex>> {
        self.readers.lock().unwrap_or_else(|e| e.into_inner()).get(name).cloned()
    }

    fn keep(&self, name: &IndexName, index: Arc<CaseIndex>) {
        self.readers.lock().unwrap_or_else(|e| e.into_inner()).insert(name.clone(), index);
    }

    fn forget(&self, name: &IndexName) {
        self.readers.lock().unwrap_or_else(|e| e.into_inner()).remove(name);
    }
}

/// A checked index name: letters, digits, `_` or `-`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct IndexName(String);

impl IndexName {
    /// `name` when it is a valid index name; otherwise `invalid_index_name` naming the field `index`.
    pub fn new(name: &str) -> AppResult<IndexName> {
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') {
            return Err(AppError::invalid(
                "invalid_index_name",
                "index",
                format!("{name:?}: use letters, digits, '_' or '-'"),
            ));
        }
        Ok(IndexName(name.to_string()))
    }

    /// The index of the store's reports.
    pub fn cases() -> IndexName {
        IndexName(CASES.to_string())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// What to index.
#[derive(Debug, Clone)]
pub enum IndexSource {
    /// The store's reports (into `cases` unless another name is given).
    Store,
    /// An outside corpus (into the file's stem unless another name is given).
    Jsonl(JsonlSource),
}

/// What `index` builds or updates, and how.
#[derive(Debug, Clone)]
pub struct IndexRequest {
    pub source: IndexSource,
    pub name: Option<IndexName>,
    /// Rebuild from scratch instead of updating.
    pub rebuild: bool,
    /// An extra jieba user dictionary (`word [freq] [tag]` lines), as text.
    pub extra_dict: Option<String>,
    /// Fold common traditional characters to simplified (at indexing and query time).
    pub fold_traditional: bool,
}

/// What `index` did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IndexView {
    pub name: String,
    pub dir: PathBuf,
    /// Built from scratch (asked for, or the analyser settings changed).
    pub rebuilt: bool,
    /// The index was built by an older fanzha and was emptied first.
    pub old_format_rebuilt: bool,
    pub added: usize,
    pub updated: usize,
    pub deleted: usize,
    pub unchanged: usize,
}

/// A search as the edges give it (text as typed); [`SearchRequest::check`] turns it into a [`SearchQuery`].
#[derive(Debug, Clone)]
pub struct SearchRequest {
    /// The query text (`*` alone: every case).
    pub q: String,
    pub fraud_type: Option<String>,
    pub district: Option<String>,
    /// The caller's districts when its token is scoped to several (cases of any of them; empty: no scope).
    pub scope: Vec<String>,
    /// A case status code or Chinese label.
    pub status: Option<String>,
    /// Reported on or after this date (`YYYY-MM-DD` or `YYYY-MM`, Beijing time).
    pub from: Option<String>,
    /// Reported on or before this date.
    pub to: Option<String>,
    pub sort: SortBy,
    pub limit: usize,
    pub cursor: Option<String>,
    /// Count facets over all hits.
    pub facets: bool,
    /// Index name (default `cases`).
    pub index: Option<String>,
}

/// A checked search: the parsed query and the library's options.
#[derive(Debug, Clone)]
pub struct SearchQuery {
    index: IndexName,
    text: String,
    /// `None`: every case.
    expr: Option<Expr>,
    options: SearchOptions,
}

impl SearchRequest {
    /// Checks every field once: the query parses (`invalid_query`, field `q`), dates are dates (`invalid_date`,
    /// `from`/`to`), the status is a status (`invalid_status`), the limit is within 1..=1000 (`invalid_limit`), the
    /// index name is a name (`invalid_index_name`).
    pub fn check(self) -> AppResult<SearchQuery> {
        let index = match &self.index {
            Some(name) => IndexName::new(name)?,
            None => IndexName::cases(),
        };
        let expr = if self.q.trim() == "*" {
            None
        } else {
            Some(
                search::parse(&self.q, &IdentExtractor)
                    .map_err(|e| AppError::invalid("invalid_query", "q", e.to_string()))?,
            )
        };
        let day = |v: &Option<String>, field: &'static str, end: bool| -> AppResult<Option<i64>> {
            v.as_deref()
                .map(|d| {
                    search::date_bounds(d)
                        .map(|(a, b)| if end { b } else { a })
                        .map_err(|p| AppError::invalid("invalid_date", field, p.to_string()))
                })
                .transpose()
        };
        let status = match self.status.as_deref() {
            None => None,
            Some(s) => Some(
                datasets::CaseStatus::parse(s)
                    .ok_or_else(|| {
                        let reason = format!("{s:?} is not one of {}", datasets::CaseStatus::codes());
                        AppError::invalid("invalid_status", "status", reason)
                    })?
                    .code()
                    .to_string(),
            ),
        };
        let options = SearchOptions {
            limit: Limit::new(self.limit, MAX_LIMIT)?.get(),
            cursor: self.cursor,
            sort: self.sort,
            fraud_type: self.fraud_type,
            district: self.district,
            districts: self.scope,
            community: None,
            status,
            from: day(&self.from, "from", false)?,
            to: day(&self.to, "to", true)?,
            snippet_chars: SNIPPET_CHARS,
            facets: self.facets,
        };
        Ok(SearchQuery { index, text: self.q, expr, options })
    }
}

/// A page of hits: ranked cases with highlighted snippets, facets over all hits, the total and the next cursor; for
/// words side by side, how many cases match them all, which terms the page's hits lack and which match nothing
/// (with the closest indexed words), and each hit's matched terms.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SearchView {
    #[serde(flatten)]
    pub results: SearchResults,
}

/// The cases most similar to a report (串并案 candidates), best first.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SimilarView {
    pub report_id: String,
    pub items: Vec<SimilarCase>,
}

/// One report as an investigator reads it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReportView {
    pub report_id: String,
    /// ISO 8601 with the Beijing offset.
    pub reported_at: String,
    pub reported_week: String,
    pub occurred_at: Option<String>,
    pub district: String,
    pub community: Option<String>,
    pub victim_id: Option<String>,
    pub victim_age: Option<u8>,
    pub victim_gender: Option<&'static str>,
    pub fraud_type: &'static str,
    pub loss_fen: Option<i64>,
    /// The loss for people, e.g. `1234.50元`.
    pub loss: Option<String>,
    pub contact_channel: Option<&'static str>,
    pub status: Option<&'static str>,
    pub narrative: String,
    /// Identifiers as written in the report.
    pub phones: Vec<String>,
    pub accounts: Vec<String>,
    pub urls: Vec<String>,
    pub apps: Vec<String>,
    pub im_ids: Vec<String>,
    /// Canonical identifier keys: the columns' and those found in the narrative (what search and clustering use).
    pub identifiers: Vec<String>,
}

impl ReportView {
    /// The report as a role that may not read narratives sees it (PIPL least privilege): no narrative, phone
    /// and card numbers masked (`138****8000`), identifier keys masked.
    pub fn redacted(mut self) -> ReportView {
        use datasets::ident::{mask_key, mask_raw};
        self.narrative = String::new();
        for list in [&mut self.phones, &mut self.accounts, &mut self.im_ids] {
            for v in list.iter_mut() {
                *v = mask_raw(v);
            }
        }
        for key in &mut self.identifiers {
            *key = mask_key(key);
        }
        self
    }
}

impl SearchView {
    /// The hits as a role that may not read narratives sees them: no snippet text, identifier keys masked, no
    /// suggestions (they are words of the narratives).
    pub fn redacted(mut self) -> SearchView {
        for u in &mut self.results.matching.unmatched_terms {
            u.suggestions.clear();
        }
        for hit in &mut self.results.hits {
            hit.snippet = search::Snippet { text: String::new(), highlights: Vec::new() };
            for key in &mut hit.identifiers {
                *key = datasets::ident::mask_key(key);
            }
        }
        self
    }
}

/// Money for people: `1234.50元`. The one place a loss is written in yuan for a reader of search results.
pub fn yuan(fen: i64) -> String {
    format!("{}元", Fen(fen))
}

/// One line of a `--bench-queries` file.
#[derive(Debug, Clone, Deserialize)]
pub struct BenchQuery {
    pub kind: String,
    pub q: String,
    #[serde(rename = "type")]
    pub fraud_type: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
}

/// One query's latency in the second pass.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BenchTiming {
    pub kind: String,
    pub micros: u128,
    pub total: usize,
}

impl Service {
    /// Builds or updates an index; `progress` follows a JSONL corpus as it is read.
    pub fn index(&self, req: &IndexRequest, progress: &dyn Progress) -> AppResult<IndexView> {
        let name = match (&req.name, &req.source) {
            (Some(n), _) => n.clone(),
            (None, IndexSource::Jsonl(src)) => {
                IndexName::new(&src.file.file_stem().map_or("corpus".into(), |s| s.to_string_lossy()))?
            }
            (None, IndexSource::Store) => IndexName::cases(),
        };
        let saved = SavedAnalyzer { fold_traditional: req.fold_traditional, extra_dict: req.extra_dict.clone() };
        let dir = self.index_dir(&name);
        std::fs::create_dir_all(&dir).map_err(|e| io_error("creating", &dir, e))?;
        let previous: Option<SavedAnalyzer> =
            std::fs::read_to_string(dir.join(ANALYZER_FILE)).ok().and_then(|s| serde_json::from_str(&s).ok());
        // Other analyser settings than the index was built with: every document must be analysed again.
        let rebuild = req.rebuild || previous.is_some_and(|p| p != saved);
        self.search.forget(&name);
        let (mut index, old_format_rebuilt) = open_for_update(&dir, &saved)?;
        // A corpus is streamed (one case in memory at a time); the store's reports are few enough to load.
        let r = match &req.source {
            IndexSource::Jsonl(src) => {
                let hint = corpus::estimate_lines(&src.file);
                let mut session = if rebuild { index.begin_rebuild(hint)? } else { index.begin_sync(hint)? };
                corpus::for_each_case(src, progress, |doc, line| {
                    session.add(&doc).map_err(|e| match e.kind() {
                        search::ErrorKind::InvalidInput => corpus::line_error(&src.file, line, e),
                        _ => e.into(),
                    })
                })?;
                session.finish()?
            }
            IndexSource::Store => {
                let docs = self.case_docs()?;
                let mut session =
                    if rebuild { index.begin_rebuild(docs.len())? } else { index.begin_sync(docs.len())? };
                for d in &docs {
                    session.add(d)?;
                }
                session.finish()?
            }
        };
        let analyzer_file = dir.join(ANALYZER_FILE);
        let json = serde_json::to_string_pretty(&saved).map_err(AppError::internal)?;
        std::fs::write(&analyzer_file, json).map_err(|e| io_error("writing", &analyzer_file, e))?;
        Ok(IndexView {
            name: name.0,
            dir,
            rebuilt: rebuild,
            old_format_rebuilt,
            added: r.added,
            updated: r.updated,
            deleted: r.deleted,
            unchanged: r.unchanged,
        })
    }

    /// Brings the index of the store's reports (`index/cases`) up to date when it exists, with the analyser it was
    /// built with; `None` when there is no such index.
    pub fn sync_cases_if_indexed(&self) -> AppResult<Option<SyncReport>> {
        let name = IndexName::cases();
        let dir = self.index_dir(&name);
        if !dir.join("meta.json").exists() {
            return Ok(None);
        }
        let docs = self.case_docs()?;
        self.search.forget(&name);
        let (mut index, _) = open_for_update(&dir, &saved_analyzer(&dir)?)?;
        Ok(Some(index.sync(&docs)?))
    }

    /// Runs a checked search.
    pub fn search(&self, q: &SearchQuery) -> AppResult<SearchView> {
        let index = self.reader(&q.index)?;
        let results = index.search_expr(q.expr.as_ref(), &q.text, &q.options).map_err(search_error)?;
        Ok(SearchView { results })
    }

    /// The `limit` cases of index `name` most similar to report `report_id`.
    pub fn similar(&self, name: &IndexName, report_id: &str, limit: Limit) -> AppResult<SimilarView> {
        let index = self.reader(name)?;
        let items = index.similar(report_id, limit.get()).map_err(|e| match e {
            SearchError::UnknownCase { .. } => {
                AppError::not_found("report_not_found", format!("no report {report_id:?} in index {}", name.0))
            }
            e => search_error(e),
        })?;
        Ok(SimilarView { report_id: report_id.to_string(), items })
    }

    /// The report `id` from the store; `report_not_found` when there is none.
    pub fn report(&self, id: &str) -> AppResult<ReportView> {
        let r = self.store()?.report(id)?;
        let identifiers = identifier_keys(&r);
        let iso = |t: datasets::Timestamp| t.to_beijing().to_rfc3339();
        Ok(ReportView {
            reported_at: iso(r.reported_at),
            reported_week: analytics::IsoWeek::of_timestamp(r.reported_at.0).to_string(),
            occurred_at: r.occurred_at.map(iso),
            victim_gender: r.victim_gender.map(|g| g.code()),
            fraud_type: r.fraud_type.code(),
            loss_fen: r.loss.map(|f| f.0),
            loss: r.loss.map(|f| yuan(f.0)),
            contact_channel: r.contact_channel.map(|c| c.code()),
            status: r.status.map(|s| s.code()),
            identifiers,
            report_id: r.report_id,
            district: r.district,
            community: r.community,
            victim_id: r.victim_id,
            victim_age: r.victim_age,
            narrative: r.narrative,
            phones: r.phones,
            accounts: r.accounts,
            urls: r.urls,
            apps: r.apps,
            im_ids: r.im_ids,
        })
    }

    /// Runs every query twice (the first pass warms caches) and times the second pass (query parsing, search,
    /// facets, snippets of the first `limit` hits). A query that does not parse counts 0 hits.
    pub fn bench_queries(
        &self,
        name: &IndexName,
        queries: &[BenchQuery],
        limit: Limit,
        facets: bool,
    ) -> AppResult<Vec<BenchTiming>> {
        let index = self.reader(name)?;
        let mut runs = Vec::new();
        for q in queries {
            let req = SearchRequest {
                q: "*".into(),
                fraud_type: q.fraud_type.clone(),
                district: None,
                scope: Vec::new(),
                status: None,
                from: q.from.clone(),
                to: q.to.clone(),
                sort: SortBy::Relevance,
                limit: limit.get(),
                cursor: None,
                facets,
                index: None,
            };
            runs.push((q, req.check()?.options));
        }
        let mut timings = Vec::new();
        for pass in 0..2 {
            for (q, opts) in &runs {
                let t = std::time::Instant::now();
                let total = match index.search(&q.q, opts) {
                    Ok(r) => r.total,
                    Err(SearchError::Query(_)) => 0,
                    Err(e) => return Err(e.into()),
                };
                if pass == 1 {
                    timings.push(BenchTiming { kind: q.kind.clone(), micros: t.elapsed().as_micros(), total });
                }
            }
        }
        Ok(timings)
    }

    fn index_dir(&self, name: &IndexName) -> PathBuf {
        self.data_dir().join("index").join(&name.0)
    }

    /// The names of the indexes under `<data-dir>/index/`, sorted.
    fn index_names(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(self.data_dir().join("index"))
            .into_iter()
            .flatten()
            .flatten()
            .filter(|e| e.path().join("meta.json").is_file())
            .filter_map(|e| e.file_name().to_str().map(str::to_string))
            .collect();
        names.sort();
        names
    }

    /// The opened index `name`, reloaded when it was committed to since (one `stat` otherwise); opened (and kept)
    /// on first use.
    fn reader(&self, name: &IndexName) -> AppResult<Arc<CaseIndex>> {
        if let Some(index) = self.search.cached(name) {
            if index.refresh().is_ok() {
                return Ok(index);
            }
            // Its files were replaced (rebuilt elsewhere): open it afresh.
            self.search.forget(name);
        }
        let dir = self.index_dir(name);
        if !dir.join("meta.json").exists() {
            let present = self.index_names();
            let message = if present.is_empty() {
                format!("no search index at {}; run `fanzha index` first", dir.display())
            } else {
                format!(
                    "no search index named {:?}; the indexes here are {}: pick one with `--name` (HTTP serves \
                     `cases`), or run `fanzha index` to build {:?}",
                    name.as_str(),
                    present.iter().map(|n| format!("{n:?}")).collect::<Vec<_>>().join(", "),
                    name.as_str()
                )
            };
            return Err(AppError::new(Kind::Unavailable, "index_missing", message));
        }
        let index = match CaseIndex::create_or_open(&dir, analyzer(&saved_analyzer(&dir)?)?, Box::new(IdentExtractor)) {
            Err(e @ SearchError::OldFormat { .. }) => {
                let message = format!(
                    "{e}: run `fanzha index --rebuild` (with the same --jsonl and --name for an outside corpus)"
                );
                return Err(AppError::new(Kind::Unavailable, "index_outdated", message));
            }
            other => Arc::new(other?),
        };
        self.search.keep(name, index.clone());
        Ok(index)
    }

    /// Every report of the store as a [`CaseDoc`].
    fn case_docs(&self) -> AppResult<Vec<CaseDoc>> {
        Ok(self.store()?.reports()?.into_iter().map(case_doc).collect())
    }
}

/// A search error as the service's: a bad cursor is `invalid_cursor` (field `cursor`), a query the index cannot
/// search is `invalid_query` (field `q`).
fn search_error(e: SearchError) -> AppError {
    match e {
        SearchError::BadCursor { .. } => AppError::invalid("invalid_cursor", "cursor", e.to_string()),
        SearchError::Query(q) => AppError::invalid("invalid_query", "q", q.to_string()),
        e => e.into(),
    }
}

/// A store report as an index document.
fn case_doc(r: Report) -> CaseDoc {
    let identifiers = identifier_keys(&r);
    CaseDoc {
        id: r.report_id,
        text: r.narrative,
        fraud_type: r.fraud_type.code().to_string(),
        district: r.district,
        community: r.community,
        status: r.status.map(|s| s.code().to_string()),
        reported_at: Some(r.reported_at.0),
        loss_fen: r.loss.map(|f| f.0),
        identifiers,
    }
}

/// A report's canonical identifier keys: its identifier columns normalised (values that do not normalise are
/// left out), then those found in the narrative; each once, in that order.
fn identifier_keys(r: &Report) -> Vec<String> {
    let columns = [
        (IdField::Phone, &r.phones),
        (IdField::Account, &r.accounts),
        (IdField::Url, &r.urls),
        (IdField::App, &r.apps),
        (IdField::Im, &r.im_ids),
    ];
    let mut keys: Vec<String> = Vec::new();
    for (field, list) in columns {
        for raw in list.iter().filter(|s| !s.trim().is_empty()) {
            if let Ok(id) = normalize(field, raw) {
                keys.push(id.key);
            }
        }
    }
    keys.extend(extract(&r.narrative).into_iter().map(|m| m.id.key));
    let mut seen = BTreeSet::new();
    keys.retain(|k| seen.insert(k.clone()));
    keys
}

/// Analyser settings persisted beside an index.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
struct SavedAnalyzer {
    fold_traditional: bool,
    extra_dict: Option<String>,
}

fn analyzer(saved: &SavedAnalyzer) -> AppResult<Analyzer> {
    let options = AnalyzerOptions { fold_traditional: saved.fold_traditional, extra_dict: saved.extra_dict.clone() };
    Ok(Analyzer::new(&options)?)
}

/// The analyser settings an index was built with (defaults when the file is missing).
fn saved_analyzer(dir: &Path) -> AppResult<SavedAnalyzer> {
    let path = dir.join(ANALYZER_FILE);
    match std::fs::read_to_string(&path) {
        Ok(s) => {
            serde_json::from_str(&s).map_err(|e| AppError::internal(anyhow::anyhow!("reading {}: {e}", path.display())))
        }
        Err(_) => Ok(SavedAnalyzer::default()),
    }
}

/// Opens an index to write into. One built by an older fanzha is emptied first (its files removed, the saved
/// analyser settings kept), so the caller's sync re-adds every document; the flag says so.
fn open_for_update(dir: &Path, saved: &SavedAnalyzer) -> AppResult<(CaseIndex, bool)> {
    let analyzer = analyzer(saved)?;
    match CaseIndex::create_or_open(dir, analyzer.clone(), Box::new(IdentExtractor)) {
        Err(SearchError::OldFormat { .. }) => {
            tracing::warn!("index {}: built by an older fanzha; rebuilding it", dir.display());
            for entry in std::fs::read_dir(dir).map_err(|e| io_error("reading", dir, e))? {
                let path = entry?.path();
                if path.file_name().is_some_and(|n| n != ANALYZER_FILE) && path.is_file() {
                    std::fs::remove_file(&path).map_err(|e| io_error("removing", &path, e))?;
                }
            }
            Ok((CaseIndex::create_or_open(dir, analyzer, Box::new(IdentExtractor))?, true))
        }
        other => Ok((other?, false)),
    }
}

fn io_error(doing: &str, path: &Path, e: std::io::Error) -> AppError {
    AppError::internal(anyhow::anyhow!("{doing} {}: {e}", path.display()))
}
