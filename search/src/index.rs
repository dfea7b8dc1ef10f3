//! The case index: create/open, upsert and sync (one atomic commit each), search, and "more like this".

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use serde::{Deserialize, Serialize};
use tantivy::collector::TopDocs;
use tantivy::directory::MmapDirectory;
use tantivy::query::{BooleanQuery, BoostQuery, ConstScoreQuery, Occur, Query, TermQuery};
use tantivy::schema::{IndexRecordOption, Value};
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, Searcher, TantivyDocument, Term};

use crate::analysis::{Analyzer, BIGRAM_TOKENIZER, JIEBA_TOKENIZER, TRIGRAM_TOKENIZER, TokenMode, UNIGRAM_TOKENIZER};
use crate::compile::Compiler;
use crate::doc::CaseDoc;
use crate::error::{QueryError, QueryProblem, SearchError};
use crate::ident::IdentifierExtractor;
use crate::query::{Expr, Filter, parse};
use crate::ranked::{self, LooseTerm, Matching, Relaxed, TierCount, Unmatched};
use crate::results::{
    After, AllRows, FacetCache, Hit, MAX_LIMIT, PageRow, SearchOptions, SearchResults, SegmentHits, facets, order_page,
    page, parse_cursor, tier_counts, total,
};
use crate::schema::{self, Fields};
use crate::snippet::{HighlightTerms, snippet};
use crate::suggest::{SUGGESTIONS, suggest, suggest_keys};

/// Writer heap per indexing thread.
const WRITER_HEAP_PER_THREAD: usize = 64_000_000;
/// Batches at least this big are indexed on up to [`MAX_WRITER_THREADS`] threads (one per core); smaller ones on one.
const PARALLEL_BATCH: usize = 10_000;
const MAX_WRITER_THREADS: usize = 4;
/// Segments per core after a bulk build.
const SEARCH_SEGMENTS_PER_CORE: usize = 2;
/// How many of a case's most distinctive terms "more like this" uses.
const SIMILAR_TERMS: usize = 30;
/// "More like this" ignores terms found in more than this share of the cases …
const COMMON_TERM_SHARE: f64 = 0.1;
/// … once the index holds at least this many cases.
const MIN_DOCS_FOR_COMMON_TERMS: f64 = 50.0;
/// Boost of a shared identifier in "more like this".
const SHARED_ID_BOOST: f32 = 5.0;

/// What [`CaseIndex::sync`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncReport {
    pub added: usize,
    pub updated: usize,
    pub deleted: usize,
    pub unchanged: usize,
}

/// A case similar to another one (串并案 candidate).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SimilarCase {
    pub id: String,
    pub score: f32,
    pub fraud_type: String,
    pub district: String,
    /// Identifier keys both cases mention.
    pub shared_identifiers: Vec<String>,
    /// Distinctive terms of the given case that this one also contains.
    pub shared_terms: Vec<String>,
}

/// A Tantivy index of cases.
pub struct CaseIndex {
    index: Index,
    reader: IndexReader,
    fields: Fields,
    analyzer: Analyzer,
    ids: Box<dyn IdentifierExtractor>,
    facet_cache: Arc<FacetCache>,
    /// The on-disk index's `meta.json`, which every commit replaces (here or in another process), and how it looked
    /// when the reader last loaded: [`CaseIndex::refresh`] reloads only when it changed. `None` in memory.
    meta: Option<(PathBuf, Mutex<Option<MetaStamp>>)>,
}

/// What identifies one version of `meta.json`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct MetaStamp {
    modified: SystemTime,
    len: u64,
}

impl std::fmt::Debug for CaseIndex {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CaseIndex").field("analyzer", &self.analyzer).finish_non_exhaustive()
    }
}

/// A sync or rebuild in progress: nothing is visible until [`finish`](SyncSession::finish) commits; dropping it
/// (e.g. on a bad input line) leaves the index as it was.
pub struct SyncSession<'a> {
    index: &'a mut CaseIndex,
    writer: IndexWriter,
    /// Id → content hash of the cases not seen yet (a rebuild starts empty: everything is new).
    existing: BTreeMap<String, String>,
    seen: HashSet<String>,
    report: SyncReport,
}

impl SyncSession<'_> {
    /// Adds one case (new, changed or unchanged); an id given twice is an error.
    pub fn add(&mut self, d: &CaseDoc) -> Result<(), SearchError> {
        if !self.seen.insert(d.id.clone()) {
            return Err(SearchError::DuplicateId { id: d.id.clone() });
        }
        let replaces = match self.existing.remove(&d.id) {
            Some(h) if h == d.content_hash() => {
                self.report.unchanged += 1;
                return Ok(());
            }
            Some(_) => {
                self.report.updated += 1;
                true
            }
            None => {
                self.report.added += 1;
                false
            }
        };
        // A new id has nothing to delete (a delete term costs a lookup in every segment).
        if replaces {
            self.writer.delete_term(Term::from_field_text(self.index.fields.id, &d.id));
        }
        self.writer.add_document(self.index.document(d))?;
        Ok(())
    }

    /// Deletes the cases that were not fed, commits once and reloads; what changed.
    pub fn finish(self) -> Result<SyncReport, SearchError> {
        let SyncSession { index, writer, existing, mut report, .. } = self;
        for id in existing.keys() {
            writer.delete_term(Term::from_field_text(index.fields.id, id));
            report.deleted += 1;
        }
        let written = report.added + report.updated;
        if written + report.deleted == 0 && report.unchanged > 0 {
            return Ok(report);
        }
        if written < PARALLEL_BATCH {
            // Sized for a bulk write that did not come: merge as usual.
            writer.set_merge_policy(Box::<tantivy::indexer::LogMergePolicy>::default());
        }
        index.commit(writer, written)?;
        index.reader.reload()?;
        Ok(report)
    }
}

/// Cores available to this process.
fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

impl CaseIndex {
    /// Opens the index in `dir`, creating the folder and an empty index when missing. The last committed state is
    /// what is read; an interrupted write leaves it untouched. An index whose fields differ from this version's
    /// schema (built by an older fanzha) is [`SearchError::OldFormat`]: the caller rebuilds it from its source.
    pub fn create_or_open(
        dir: &Path,
        analyzer: Analyzer,
        ids: Box<dyn IdentifierExtractor>,
    ) -> Result<CaseIndex, SearchError> {
        let wrap = |e: tantivy::TantivyError| SearchError::Index { path: dir.display().to_string(), source: e };
        std::fs::create_dir_all(dir).map_err(|e| wrap(e.into()))?;
        let mmap = MmapDirectory::open(dir).map_err(|e| wrap(e.into()))?;
        let schema = schema::build().0;
        if Index::exists(&mmap).map_err(|e| wrap(e.into()))? {
            let existing = Index::open(mmap.clone()).map_err(wrap)?;
            if existing.schema() != schema {
                return Err(SearchError::OldFormat { path: dir.display().to_string() });
            }
        }
        let index = Index::open_or_create(mmap, schema).map_err(wrap)?;
        let mut opened = Self::with_index(index, analyzer, ids)?;
        opened.meta = Some((dir.join("meta.json"), Mutex::new(None)));
        Ok(opened)
    }

    /// A fresh in-memory index (tests, one-off corpora).
    pub fn in_ram(analyzer: Analyzer, ids: Box<dyn IdentifierExtractor>) -> Result<CaseIndex, SearchError> {
        Self::with_index(Index::create_in_ram(schema::build().0), analyzer, ids)
    }

    fn with_index(
        mut index: Index,
        analyzer: Analyzer,
        ids: Box<dyn IdentifierExtractor>,
    ) -> Result<CaseIndex, SearchError> {
        let fields = schema::build().1;
        // Segments are searched in parallel, one thread per core: a common word's hits are all counted (total,
        // facets), which dominates query time on a big index.
        index.set_default_multithread_executor()?;
        index.tokenizers().register(JIEBA_TOKENIZER, analyzer.tokenizer(TokenMode::Jieba));
        index.tokenizers().register(BIGRAM_TOKENIZER, analyzer.tokenizer(TokenMode::Bigram));
        index.tokenizers().register(TRIGRAM_TOKENIZER, analyzer.tokenizer(TokenMode::Trigram));
        index.tokenizers().register(UNIGRAM_TOKENIZER, analyzer.tokenizer(TokenMode::Unigram));
        let reader = index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into()?;
        Ok(CaseIndex { index, reader, fields, analyzer, ids, facet_cache: Arc::default(), meta: None })
    }

    /// Makes what was committed since the index was opened (by this or another process) visible to searches.
    pub fn reload(&self) -> Result<(), SearchError> {
        Ok(self.reader.reload()?)
    }

    /// [`CaseIndex::reload`] only when something was committed since the last refresh (the on-disk `meta.json`
    /// changed), so a server can call it before every search: unchanged, it costs one `stat`. (A reload opens
    /// every segment's readers and a fresh document cache: done per request it cost CPU and churned memory.) An
    /// index whose files are gone or were replaced by a rebuild is an error: open it afresh. Returns whether it
    /// reloaded.
    pub fn refresh(&self) -> Result<bool, SearchError> {
        let Some((path, seen)) = &self.meta else {
            self.reload()?;
            return Ok(true);
        };
        let io = |e: std::io::Error| SearchError::Index { path: path.display().to_string(), source: e.into() };
        let meta = std::fs::metadata(path).map_err(io)?;
        // Read before reloading: a commit landing in between changes it again, and is loaded next time.
        let now = MetaStamp { modified: meta.modified().map_err(io)?, len: meta.len() };
        let mut seen = seen.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if *seen == Some(now) {
            return Ok(false);
        }
        self.reload()?;
        *seen = Some(now);
        Ok(true)
    }

    /// The analyser (the same one analyses documents and queries).
    pub fn analyzer(&self) -> &Analyzer {
        &self.analyzer
    }

    /// Number of cases in the last committed state.
    pub fn len(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    /// Whether the index holds no case.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Commits, then lets the merges the commit started finish (fewer segments: faster queries). After a bulk
    /// write (`docs` ≥ [`PARALLEL_BATCH`], written without merging) the segments are merged into balanced ones.
    fn commit(&self, mut w: IndexWriter, docs: usize) -> Result<(), SearchError> {
        w.commit()?;
        if docs >= PARALLEL_BATCH {
            self.balance_segments(&mut w, cores() * SEARCH_SEGMENTS_PER_CORE)?;
        }
        w.wait_merging_threads()?;
        Ok(())
    }

    /// Merges the segments into `groups` (after a bulk build [`SEARCH_SEGMENTS_PER_CORE`] × cores) of about equal size (largest first,
    /// each into the smallest group). Segments are searched in parallel, one per thread, so a query waits for the
    /// slowest thread: after a bulk build tantivy's own policy left three segments of 310k cases and a few small
    /// ones, i.e. one core did 62% of the work; balanced segments split it evenly.
    fn balance_segments(&self, w: &mut IndexWriter, groups: usize) -> Result<(), SearchError> {
        let mut metas = self.index.searchable_segment_metas()?;
        if metas.len() <= groups {
            return Ok(());
        }
        metas.sort_by_key(|m| std::cmp::Reverse(m.num_docs()));
        let mut bins: Vec<(u32, Vec<tantivy::index::SegmentId>)> = vec![(0, Vec::new()); groups];
        for m in metas {
            if let Some(bin) = bins.iter_mut().min_by_key(|b| b.0) {
                bin.0 += m.num_docs();
                bin.1.push(m.id());
            }
        }
        let merges: Vec<_> = bins.iter().filter(|b| b.1.len() >= 2).map(|b| w.merge(&b.1)).collect();
        for m in merges {
            m.wait()?;
        }
        Ok(())
    }

    /// A writer for a batch of `docs` documents; a bulk batch is written without merges (see `balance_segments`).
    fn writer(&self, docs: usize) -> Result<IndexWriter, SearchError> {
        let threads = if docs >= PARALLEL_BATCH { cores().clamp(1, MAX_WRITER_THREADS) } else { 1 };
        let w: IndexWriter = self.index.writer_with_num_threads(threads, threads * WRITER_HEAP_PER_THREAD)?;
        if docs >= PARALLEL_BATCH {
            w.set_merge_policy(Box::new(tantivy::indexer::NoMergePolicy));
        }
        Ok(w)
    }

    fn document(&self, d: &CaseDoc) -> TantivyDocument {
        let f = self.fields;
        let mut doc = TantivyDocument::default();
        doc.add_text(f.id, &d.id);
        doc.add_text(f.hash, d.content_hash());
        doc.add_text(f.text, &d.text);
        doc.add_text(f.bigram, &d.text);
        doc.add_text(f.trigram, &d.text);
        doc.add_text(f.unigram, &d.text);
        for k in &d.identifiers {
            doc.add_text(f.ids, k);
        }
        doc.add_text(f.fraud_type, &d.fraud_type);
        doc.add_text(f.district, &d.district);
        if let Some(c) = &d.community {
            doc.add_text(f.community, c);
        }
        if let Some(s) = &d.status {
            doc.add_text(f.status, s);
        }
        if let Some(t) = d.reported_at {
            doc.add_i64(f.date, t);
        }
        if let Some(l) = d.loss_fen {
            doc.add_i64(f.loss, l);
        }
        doc
    }

    /// Adds or replaces cases by id, then commits once (all or nothing).
    pub fn upsert(&mut self, docs: &[CaseDoc]) -> Result<(), SearchError> {
        let w = self.writer(docs.len())?;
        for d in docs {
            w.delete_term(Term::from_field_text(self.fields.id, &d.id));
            w.add_document(self.document(d))?;
        }
        self.commit(w, docs.len())?;
        self.reader.reload()?;
        Ok(())
    }

    /// Removes cases by id, in one commit.
    pub fn delete(&mut self, ids: &[String]) -> Result<(), SearchError> {
        let w = self.writer(0)?;
        for id in ids {
            w.delete_term(Term::from_field_text(self.fields.id, id));
        }
        self.commit(w, 0)?;
        self.reader.reload()?;
        Ok(())
    }

    /// Replaces the whole content with `docs`, in one commit.
    pub fn rebuild(&mut self, docs: &[CaseDoc]) -> Result<(), SearchError> {
        let mut s = self.begin_rebuild(docs.len())?;
        for d in docs {
            s.add(d)?;
        }
        s.finish()?;
        Ok(())
    }

    /// Makes the index hold exactly `docs`: adds new cases, re-indexes changed ones (by content hash), deletes
    /// cases that are gone; unchanged cases are not touched. One commit.
    pub fn sync(&mut self, docs: &[CaseDoc]) -> Result<SyncReport, SearchError> {
        let mut s = self.begin_sync(docs.len())?;
        for d in docs {
            s.add(d)?;
        }
        s.finish()
    }

    /// Starts a [`sync`](Self::sync) whose documents are fed one at a time with [`SyncSession::add`], so a corpus
    /// need not be held in memory. `size_hint` (the expected number of documents) sizes the writer.
    pub fn begin_sync(&mut self, size_hint: usize) -> Result<SyncSession<'_>, SearchError> {
        let existing = self.hashes()?;
        let writer = self.writer(size_hint)?;
        Ok(SyncSession { index: self, writer, existing, seen: HashSet::new(), report: SyncReport::default() })
    }

    /// Starts a [`rebuild`](Self::rebuild) fed one document at a time.
    pub fn begin_rebuild(&mut self, size_hint: usize) -> Result<SyncSession<'_>, SearchError> {
        let writer = self.writer(size_hint)?;
        writer.delete_all_documents()?;
        Ok(SyncSession {
            index: self,
            writer,
            existing: BTreeMap::new(),
            seen: HashSet::new(),
            report: SyncReport::default(),
        })
    }

    /// Id → content hash of every live case. Each segment's id and hash dictionaries are read once, in order
    /// (looking terms up one by one would decompress a dictionary block per document).
    fn hashes(&self) -> Result<BTreeMap<String, String>, SearchError> {
        let searcher = self.reader.searcher();
        let mut out = BTreeMap::new();
        let all_terms = |col: &tantivy::columnar::StrColumn| -> Result<Vec<String>, SearchError> {
            let ords: Vec<u64> = (0..col.num_terms() as u64).collect();
            let mut terms = Vec::with_capacity(ords.len());
            col.dictionary()
                .sorted_ords_to_term_cb(&ords, |b| terms.push(String::from_utf8_lossy(b).into_owned()))
                .map_err(|e| SearchError::Tantivy(e.into()))?;
            Ok(terms)
        };
        for seg in searcher.segment_readers() {
            let ff = seg.fast_fields();
            let (Some(ids), Some(hashes)) = (ff.str("id")?, ff.str("hash")?) else { continue };
            let (id_terms, hash_terms) = (all_terms(&ids)?, all_terms(&hashes)?);
            for doc in seg.doc_ids_alive() {
                if let (Some(i), Some(h)) = (ids.term_ords(doc).next(), hashes.term_ords(doc).next())
                    && let (Some(id), Some(hash)) = (id_terms.get(i as usize), hash_terms.get(h as usize))
                {
                    out.insert(id.clone(), hash.clone());
                }
            }
        }
        Ok(out)
    }

    /// Parses and runs `query` (see [`crate::query`] for the syntax); `*` alone matches every case.
    pub fn search(&self, query: &str, opts: &SearchOptions) -> Result<SearchResults, SearchError> {
        let expr = if query.trim() == "*" { None } else { Some(parse(query, self.ids.as_ref())?) };
        self.search_expr(expr.as_ref(), query, opts)
    }

    /// Runs an already parsed query (`None`: every case). A query with two or more loose terms (see
    /// [`Expr::loose_terms`]) is ranked: cases matching every term first; when fewer than a page do, cases matching
    /// most of them follow (see `ranked`), and [`SearchResults::matching`] says how many matched all, which terms
    /// the page's hits lack, and which terms match nothing (with suggestions).
    pub fn search_expr(
        &self,
        expr: Option<&Expr>,
        text: &str,
        opts: &SearchOptions,
    ) -> Result<SearchResults, SearchError> {
        if opts.limit == 0 || opts.limit > MAX_LIMIT {
            return Err(SearchError::BadOption { reason: "limit must be between 1 and 1000" });
        }
        let compiler = Compiler { analyzer: &self.analyzer, fields: self.fields, ids: self.ids.as_ref() };
        let searcher = self.reader.searcher();
        let after = opts.cursor.as_deref().map(|c| parse_cursor(c, opts.sort)).transpose()?;
        self.facet_cache.retain(&searcher.segment_readers().iter().map(|r| r.segment_id()).collect::<Vec<_>>());
        let mut filters = Vec::new();
        filters.extend(opts.fraud_type.clone().map(Filter::FraudType));
        filters.extend(opts.district.clone().map(Filter::District));
        if !opts.districts.is_empty() {
            filters.push(Filter::AnyDistrict(opts.districts.clone()));
        }
        filters.extend(opts.community.clone().map(Filter::Community));
        filters.extend(opts.status.clone().map(Filter::Status));
        if opts.from.is_some() || opts.to.is_some() {
            filters.push(Filter::Date { from: opts.from, to: opts.to });
        }
        // The filters as required clauses (the search's, the census's and the suggestions' one set).
        let filter_clauses =
            || -> Vec<(Occur, Box<dyn Query>)> { filters.iter().map(|f| (Occur::Must, compiler.filter(f))).collect() };
        let filtered = |query: Box<dyn Query>| {
            let mut clauses = vec![(Occur::Must, query)];
            clauses.extend(filter_clauses());
            BooleanQuery::new(clauses)
        };
        let run = |query: Box<dyn Query>, after: Option<After>, relaxed: Option<Relaxed>| {
            let collector = AllRows {
                sort: opts.sort,
                facets: opts.facets,
                limit: opts.limit,
                after,
                cache: self.facet_cache.clone(),
                relaxed,
            };
            Ok::<_, SearchError>(searcher.search(&filtered(query), &collector)?)
        };
        let Some(e) = expr else {
            let segs = run(Box::new(ConstScoreQuery::new(Box::new(tantivy::query::AllQuery), 0.0)), after, None)?;
            return Ok(self.results(&searcher, &segs, None, &[], opts)?.0);
        };
        let strict = compiler.compile(e).ok_or_else(|| {
            SearchError::Query(QueryError {
                position: 0,
                problem: QueryProblem::NoSearchableText { word: text.to_string() },
            })
        })?;
        let (loose, fixed) = e.loose_terms();
        let common = match searcher.num_docs() {
            n if n >= ranked::MANY_CASES => (n as f64 * ranked::COMMON_CHAR_SHARE) as u64,
            _ => u64::MAX,
        };
        let rare = |t: &Term| searcher.doc_freq(t).is_ok_and(|df| df <= common);
        let loose: Vec<LooseTerm> = loose
            .into_iter()
            .filter_map(|t| {
                let characters =
                    if let Expr::Word { text, .. } = t { compiler.characters(text, rare) } else { Vec::new() };
                let (query, matcher) = (compiler.compile(t)?, compiler.matcher(t)?);
                Some(LooseTerm { written: t.written()?, query, matcher, characters })
            })
            .collect();
        let mut segs = run(strict.box_clone(), after.clone(), None)?;
        let mut matching = Matching {
            query_terms: loose.iter().map(|t| t.written.clone()).collect(),
            matched_all: total(&segs),
            ..Matching::default()
        };
        let n = loose.len();
        let relaxed = n >= 2 && total(&segs) < opts.limit;
        // The rare words whose characters also bring cases in (their snippets highlight the characters).
        let mut by_characters: Vec<String> = Vec::new();
        if relaxed {
            // The cases with every term (fewer than a page, so all on the first page) rank first.
            if after.is_some() {
                segs = run(strict, None, None)?;
            }
            let all: Vec<tantivy::DocAddress> = page(&segs, opts.limit)?.0.iter().map(|r| r.addr).collect();
            let pool = opts.limit.max(ranked::POOL);
            let query = if n <= ranked::CENSUS_TERMS {
                // Find once which terms each case matches (each term's postings read once, no scores): every
                // relaxation's size follows, and only the chosen cases are scored. The census counts only the
                // cases that the fixed terms and the filters let through.
                let mut bits: Vec<ranked::CensusBit> = loose
                    .iter()
                    .enumerate()
                    .map(|(term, t)| ranked::CensusBit { term, matcher: t.matcher.box_clone() })
                    .collect();
                // A rare word's characters too (see `ranked::Census`), the rarest words first: a bit for any of
                // them and, for a word of several characters, a heavier one for all of them.
                let mut rare = Vec::new();
                for (term, t) in loose.iter().enumerate().filter(|(_, t)| !t.characters.is_empty()) {
                    let cases = ranked::count_up_to(&searcher, t.matcher.as_ref(), pool)?;
                    if cases < pool {
                        rare.push((cases, term));
                    }
                }
                rare.sort_unstable();
                rare.truncate(ranked::CENSUS_BITS - n);
                // Every rare word's "any" bit first; the "all" bits take what room is left.
                for &(_, term) in &rare {
                    by_characters.push(loose[term].written.clone());
                    let any = loose[term].characters.iter().map(|c| (Occur::Should, c.box_clone())).collect();
                    bits.push(ranked::CensusBit { term, matcher: Box::new(BooleanQuery::new(any)) });
                }
                for &(_, term) in &rare {
                    let chars = &loose[term].characters;
                    if chars.len() >= 2 && bits.len() < ranked::CENSUS_BITS {
                        let all = chars.iter().map(|c| (Occur::Must, c.box_clone())).collect();
                        bits.push(ranked::CensusBit { term, matcher: Box::new(BooleanQuery::new(all)) });
                    }
                }
                let mut within = compiler.required(fixed.iter().copied());
                within.extend(filter_clauses());
                let mask: Option<Box<dyn Query>> = (!within.is_empty()).then(|| {
                    within.push((Occur::Must, Box::new(tantivy::query::AllQuery)));
                    Box::new(BooleanQuery::new(within)) as Box<dyn Query>
                });
                let census = ranked::Census::new(&searcher, n, &bits, mask.as_deref())?;
                let mut clauses = compiler.required(fixed.iter().copied());
                clauses.push((Occur::Must, census.query(&loose, census.step(pool))));
                Box::new(BooleanQuery::new(clauses))
            } else {
                // Over [`ranked::CENSUS_TERMS`] terms: count (without scores, stopping at the pool) how many cases
                // match at least k terms, from k = n − 1 down, until enough do; then score and collect that step.
                let mut k = n - 1;
                while k > 1 {
                    let cases = filtered(ranked::at_least(compiler.required(fixed.iter().copied()), &loose, k));
                    if ranked::count_up_to(&searcher, &cases, pool)? >= pool {
                        break;
                    }
                    k -= 1;
                }
                ranked::relaxed_query(compiler.required(fixed.iter().copied()), &loose, k)
            };
            segs = run(query, after.clone(), Some(Relaxed { terms: n, all }))?;
            let tiers = tier_counts(&segs);
            // Tier 0: cases with none of the words, only the characters of a rare one.
            matching.partial = (0..n)
                .rev()
                .filter_map(|k| {
                    let count = usize::try_from(*tiers.get(k)?).ok().filter(|c| *c > 0)?;
                    Some(TierCount { matched: k, of: n, count })
                })
                .collect();
        }
        let (mut results, rows) = self.results(&searcher, &segs, Some(e), &by_characters, opts)?;
        if relaxed {
            let addrs: Vec<tantivy::DocAddress> = rows.iter().map(|r| r.addr).collect();
            let queries: Vec<Box<dyn Query>> = loose.iter().map(|t| t.matcher.box_clone()).collect();
            let matched = ranked::matched_terms(&searcher, &queries, &addrs)?;
            for (hit, m) in results.hits.iter_mut().zip(&matched) {
                let on = matching.query_terms.iter().zip(m).filter(|(_, on)| **on);
                hit.matched_terms = on.map(|(t, _)| t.clone()).collect();
            }
            matching.dropped_terms = ranked::dropped(&matching.query_terms, &matched);
        } else {
            results.hits.iter_mut().for_each(|h| h.matched_terms.clone_from(&matching.query_terms));
        }
        // Which terms match nothing at all: the loose ones when some were dropped, every one when nothing matched.
        let suspects: Vec<&Expr> = if results.total == 0 {
            e.positive_terms()
        } else if relaxed {
            e.loose_terms().0
        } else {
            Vec::new()
        };
        let within: Option<Box<dyn Query>> =
            (!filters.is_empty()).then(|| Box::new(BooleanQuery::new(filter_clauses())) as Box<dyn Query>);
        matching.unmatched_terms = self.unmatched(&searcher, &compiler, &suspects, within.as_deref())?;
        results.matching = matching;
        Ok(results)
    }

    /// Those of `terms` that no case matches, each with the closest indexed words (words and phrases), or the
    /// closest identifiers of the same kind that a case `within` the search's filters lists (identifiers).
    fn unmatched(
        &self,
        searcher: &Searcher,
        compiler: &Compiler<'_>,
        terms: &[&Expr],
        within: Option<&dyn Query>,
    ) -> Result<Vec<Unmatched>, SearchError> {
        let mut out = Vec::new();
        for t in terms {
            let (Some(term), Some(q)) = (t.written(), compiler.compile(t)) else { continue };
            if ranked::matches_any(searcher, q.as_ref())? {
                continue;
            }
            let suggestions = match t {
                Expr::Word { text, .. } | Expr::Phrase(text) => {
                    let folded: String = self.analyzer.fold(text).chars().filter(|c| !c.is_whitespace()).collect();
                    suggest(searcher, self.fields.text, &folded, SUGGESTIONS)?
                }
                Expr::Ident { key, .. } => suggest_keys(searcher, self.fields.ids, key, within, SUGGESTIONS)?,
                _ => Vec::new(),
            };
            out.push(Unmatched { term, suggestions, identifier: matches!(t, Expr::Ident { .. }) });
        }
        Ok(out)
    }

    /// The page of `segs` as results (hits with snippets, facets, cursor; no matching report yet), and the page's
    /// rows. A snippet of a case without one of the words `by_characters` highlights that word's characters.
    fn results(
        &self,
        searcher: &Searcher,
        segs: &[SegmentHits],
        expr: Option<&Expr>,
        by_characters: &[String],
        opts: &SearchOptions,
    ) -> Result<(SearchResults, Vec<PageRow>), SearchError> {
        let total = total(segs);
        let facets = facets(segs)?;
        let (rows, more) = page(segs, opts.limit)?;
        let mut rows: Vec<(PageRow, TantivyDocument)> = rows
            .into_iter()
            .map(|mut r| {
                let doc: TantivyDocument = searcher.doc(r.addr)?;
                r.id = self.stored_str(&doc, self.fields.id).unwrap_or_default();
                Ok((r, doc))
            })
            .collect::<Result<_, SearchError>>()?;
        let next_cursor = order_page(&mut rows, opts.sort, more);
        let mut terms = expr.map(|e| self.highlight_terms(e)).unwrap_or_default();
        for word in by_characters {
            let tokens = self.analyzer.tokens(word, TokenMode::Bigram).into_iter().map(|t| t.text).collect();
            let chars = self.analyzer.tokens(word, TokenMode::Unigram).into_iter().map(|t| t.text).collect();
            terms.by_characters.push((tokens, chars));
        }
        let mut hits = Vec::with_capacity(rows.len());
        let mut page_rows = Vec::with_capacity(rows.len());
        for (r, doc) in rows {
            let text = self.stored_str(&doc, self.fields.text).unwrap_or_default();
            let int = |field| doc.get_first(field).and_then(|v| v.as_i64());
            hits.push(Hit {
                snippet: snippet(&self.analyzer, &text, &terms, opts.snippet_chars),
                community: self.stored_str(&doc, self.fields.community),
                status: self.stored_str(&doc, self.fields.status),
                identifiers: self.stored_all(&doc, self.fields.ids),
                fraud_type: self.stored_str(&doc, self.fields.fraud_type).unwrap_or_default(),
                district: self.stored_str(&doc, self.fields.district).unwrap_or_default(),
                reported_at: int(self.fields.date),
                loss_fen: int(self.fields.loss),
                id: r.id.clone(),
                score: r.score,
                matched_terms: Vec::new(),
            });
            page_rows.push(r);
        }
        Ok((SearchResults { total, hits, facets, next_cursor, matching: Matching::default() }, page_rows))
    }

    fn stored_str(&self, doc: &TantivyDocument, field: tantivy::schema::Field) -> Option<String> {
        doc.get_first(field).and_then(|v| v.as_str().map(str::to_string))
    }

    fn stored_all(&self, doc: &TantivyDocument, field: tantivy::schema::Field) -> Vec<String> {
        doc.get_all(field).filter_map(|v| v.as_str().map(str::to_string)).collect()
    }

    fn highlight_terms(&self, e: &Expr) -> HighlightTerms {
        let mut t = HighlightTerms::default();
        self.collect_terms(e, &mut t);
        t
    }

    fn collect_terms(&self, e: &Expr, t: &mut HighlightTerms) {
        let add = |text: &str, t: &mut HighlightTerms| {
            t.tokens.extend(self.analyzer.tokens(text, TokenMode::Bigram).into_iter().map(|x| x.text));
        };
        match e {
            Expr::Word { text, prefix: false } | Expr::Phrase(text) => add(text, t),
            Expr::Word { text, prefix: true } => t.prefixes.push(self.analyzer.fold(text)),
            Expr::Ident { key, raw } => {
                add(raw, t);
                add(key_digits(key), t);
            }
            Expr::Filter(Filter::IdKey(key)) => add(key_digits(key), t),
            Expr::Filter(_) | Expr::Not(_) => {}
            Expr::Required(inner) => self.collect_terms(inner, t),
            Expr::Terms(parts) | Expr::And(parts) | Expr::Or(parts) => {
                parts.iter().for_each(|p| self.collect_terms(p, t));
            }
        }
    }

    /// The stored case `id`.
    pub fn get(&self, id: &str) -> Result<CaseDoc, SearchError> {
        let searcher = self.reader.searcher();
        let (_, doc) = self.find(&searcher, id)?;
        let f = self.fields;
        let int = |field| doc.get_first(field).and_then(|v| v.as_i64());
        Ok(CaseDoc {
            id: id.to_string(),
            text: self.stored_str(&doc, f.text).unwrap_or_default(),
            fraud_type: self.stored_str(&doc, f.fraud_type).unwrap_or_default(),
            district: self.stored_str(&doc, f.district).unwrap_or_default(),
            community: self.stored_str(&doc, f.community),
            status: self.stored_str(&doc, f.status),
            reported_at: int(f.date),
            loss_fen: int(f.loss),
            identifiers: self.stored_all(&doc, f.ids),
        })
    }

    fn find(&self, searcher: &Searcher, id: &str) -> Result<(tantivy::DocAddress, TantivyDocument), SearchError> {
        let q = TermQuery::new(Term::from_field_text(self.fields.id, id), IndexRecordOption::Basic);
        let top = searcher.search(&q, &TopDocs::with_limit(1).order_by_score())?;
        let (_, addr) = top.first().ok_or_else(|| SearchError::UnknownCase { id: id.to_string() })?;
        Ok((*addr, searcher.doc(*addr)?))
    }

    /// The `k` cases most similar to case `id` (its most distinctive terms by tf·idf, and its identifiers, which
    /// weigh more), best first; candidates for 串并案.
    pub fn similar(&self, id: &str, k: usize) -> Result<Vec<SimilarCase>, SearchError> {
        if k == 0 || k > MAX_LIMIT {
            return Err(SearchError::BadOption { reason: "k must be between 1 and 1000" });
        }
        let case = self.get(id)?;
        let searcher = self.reader.searcher();
        let n = searcher.num_docs() as f64;
        let mut tf: BTreeMap<String, u32> = BTreeMap::new();
        for t in self.analyzer.tokens(&case.text, TokenMode::Jieba) {
            if t.text.chars().count() >= 2 {
                *tf.entry(t.text).or_default() += 1;
            }
        }
        let mut weighted = Vec::with_capacity(tf.len());
        for (term, count) in tf {
            let df = searcher.doc_freq(&Term::from_field_text(self.fields.text, &term))? as f64;
            // Only in this case, or (in a corpus big enough to tell) boilerplate found in over a tenth of the cases.
            let boilerplate = n >= MIN_DOCS_FOR_COMMON_TERMS && df > n * COMMON_TERM_SHARE;
            let short_number = term.chars().all(|c| c.is_ascii_digit()) && term.len() < 5;
            if df < 2.0 || boilerplate || short_number {
                continue;
            }
            let idf = (1.0 + (n - df + 0.5) / (df + 0.5)).ln();
            weighted.push((f64::from(count).sqrt() * idf, term));
        }
        weighted.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
        weighted.truncate(SIMILAR_TERMS);
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = weighted
            .iter()
            .map(|(_, t)| {
                let q: Box<dyn Query> =
                    Box::new(TermQuery::new(Term::from_field_text(self.fields.text, t), IndexRecordOption::WithFreqs));
                (Occur::Should, q)
            })
            .collect();
        for key in &case.identifiers {
            let q = TermQuery::new(Term::from_field_text(self.fields.ids, key), IndexRecordOption::Basic);
            clauses.push((Occur::Should, Box::new(BoostQuery::new(Box::new(q), SHARED_ID_BOOST))));
        }
        if clauses.is_empty() {
            return Ok(Vec::new());
        }
        clauses.push((
            Occur::MustNot,
            Box::new(TermQuery::new(Term::from_field_text(self.fields.id, id), IndexRecordOption::Basic)),
        ));
        let top = searcher.search(&BooleanQuery::new(clauses), &TopDocs::with_limit(k).order_by_score())?;
        let mut out = Vec::with_capacity(top.len());
        for (score, addr) in top {
            let doc: TantivyDocument = searcher.doc(addr)?;
            let other_ids = self.stored_all(&doc, self.fields.ids);
            let other_terms: HashSet<String> = self
                .analyzer
                .tokens(&self.stored_str(&doc, self.fields.text).unwrap_or_default(), TokenMode::Jieba)
                .into_iter()
                .map(|t| t.text)
                .collect();
            out.push(SimilarCase {
                id: self.stored_str(&doc, self.fields.id).unwrap_or_default(),
                score,
                fraud_type: self.stored_str(&doc, self.fields.fraud_type).unwrap_or_default(),
                district: self.stored_str(&doc, self.fields.district).unwrap_or_default(),
                shared_identifiers: case.identifiers.iter().filter(|k| other_ids.contains(k)).cloned().collect(),
                shared_terms: weighted
                    .iter()
                    .filter(|(_, t)| other_terms.contains(t))
                    .map(|(_, t)| t.clone())
                    .collect(),
            });
        }
        Ok(out)
    }
}

/// The digits of a phone or card key, as written in plain text (`tel:+8613800138000` → `13800138000`).
fn key_digits(key: &str) -> &str {
    key.strip_prefix("tel:+86")
        .or_else(|| key.strip_prefix("card:"))
        .or_else(|| key.split_once(':').map(|(_, v)| v))
        .unwrap_or(key)
}

#[cfg(test)]
mod tests;
