//! `fanzha index`, `fanzha search` and `fanzha similar`: the case search index in `<data-dir>/index/<name>`.
//!
//! The store's reports are indexed into `index/cases` (`fanzha index`; unchanged reports are skipped, changed ones
//! re-indexed, deleted ones removed, in one atomic commit). An outside JSONL corpus is indexed into `index/<name>`
//! (`fanzha index --jsonl FILE --text-field fact [--id-field F] [--type-field meta.accusation] [--name N]`; ids are
//! line numbers when there is no id field). The analyser options used at indexing time are kept beside the index
//! (`fanzha-analyzer.json`) so queries are analysed the same way.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use datasets::ident::{IdField, extract, normalize};
use rusqlite::{Connection, OpenFlags};
use search::{
    Analyzer, AnalyzerOptions, CaseDoc, CaseIndex, IdentExtractor, IdentifierExtractor, SearchError, SearchOptions,
    SearchResults, SimilarCase, SortBy,
};
use serde::{Deserialize, Serialize};

/// Name of the index of the store's reports.
pub const CASES: &str = "cases";
const ANALYZER_FILE: &str = "fanzha-analyzer.json";

/// Analyser settings persisted beside an index.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct SavedAnalyzer {
    fold_traditional: bool,
    extra_dict: Option<String>,
}

/// Where the JSONL corpus comes from and how to read it.
#[derive(Debug, Clone)]
pub struct JsonlSource {
    pub file: PathBuf,
    /// Dotted path of the text field (e.g. `fact`).
    pub text_field: String,
    /// Dotted path of the id field; line numbers (1-based) when absent.
    pub id_field: Option<String>,
    /// Dotted path of a label stored as the case's type (first element of an array), e.g. `meta.accusation`.
    pub type_field: Option<String>,
    /// Dotted path of the district label.
    pub district_field: Option<String>,
    /// Dotted path of the report date: `YYYY-MM-DD` (Beijing time) or epoch seconds.
    pub date_field: Option<String>,
    /// Dotted path of the loss, an integer number of fen.
    pub loss_field: Option<String>,
    /// Dotted path of the case status (a `CaseStatus` code or Chinese label, e.g. `solved` or 已破案).
    pub status_field: Option<String>,
}

/// Options of `fanzha index`.
#[derive(Debug, Clone)]
pub struct IndexArgs {
    pub jsonl: Option<JsonlSource>,
    pub name: Option<String>,
    pub rebuild: bool,
    /// Extra jieba user dictionary (`word [freq] [tag]` lines).
    pub dict: Option<PathBuf>,
    pub fold_traditional: bool,
}

fn index_dir(data_dir: &Path, name: &str) -> anyhow::Result<PathBuf> {
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') {
        bail!("index name {name:?}: use letters, digits, '_' or '-'");
    }
    Ok(data_dir.join("index").join(name))
}

fn analyzer(saved: &SavedAnalyzer) -> anyhow::Result<Analyzer> {
    let options = AnalyzerOptions { fold_traditional: saved.fold_traditional, extra_dict: saved.extra_dict.clone() };
    Ok(Analyzer::new(&options)?)
}

fn open(dir: &Path, saved: &SavedAnalyzer) -> anyhow::Result<CaseIndex> {
    match CaseIndex::create_or_open(dir, analyzer(saved)?, Box::new(IdentExtractor)) {
        Err(e @ search::SearchError::OldFormat { .. }) => {
            bail!("{e}: run `fanzha index --rebuild` (with the same --jsonl and --name for an outside corpus)")
        }
        other => Ok(other?),
    }
}

/// Opens an index to write into. One built by an older fanzha is emptied first (its files removed, the saved
/// analyser settings kept), so the caller's sync re-adds every document.
fn open_for_update(dir: &Path, saved: &SavedAnalyzer) -> anyhow::Result<CaseIndex> {
    let analyzer = analyzer(saved)?;
    match CaseIndex::create_or_open(dir, analyzer.clone(), Box::new(IdentExtractor)) {
        Err(search::SearchError::OldFormat { .. }) => {
            eprintln!("index {}: built by an older fanzha; rebuilding it", dir.display());
            for entry in std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
                let path = entry?.path();
                if path.file_name().is_some_and(|n| n != ANALYZER_FILE) && path.is_file() {
                    std::fs::remove_file(&path).with_context(|| format!("removing {}", path.display()))?;
                }
            }
            Ok(CaseIndex::create_or_open(dir, analyzer, Box::new(IdentExtractor))?)
        }
        other => Ok(other?),
    }
}

/// Opens an existing index for querying.
fn open_existing(data_dir: &Path, name: &str) -> anyhow::Result<CaseIndex> {
    let dir = index_dir(data_dir, name)?;
    if !dir.join("meta.json").exists() {
        bail!("no search index at {}; run `fanzha index` first", dir.display());
    }
    open(&dir, &saved_analyzer(&dir)?)
}

/// The analyser settings an index was built with (defaults when the file is missing).
fn saved_analyzer(dir: &Path) -> anyhow::Result<SavedAnalyzer> {
    match std::fs::read_to_string(dir.join(ANALYZER_FILE)) {
        Ok(s) => serde_json::from_str(&s).with_context(|| format!("reading {}", dir.join(ANALYZER_FILE).display())),
        Err(_) => Ok(SavedAnalyzer::default()),
    }
}

/// `fanzha index`: builds or updates an index; prints what changed.
pub fn run_index(data_dir: &Path, args: &IndexArgs) -> anyhow::Result<()> {
    let name = match (&args.name, &args.jsonl) {
        (Some(n), _) => n.clone(),
        (None, Some(src)) => src.file.file_stem().map_or("corpus".into(), |s| s.to_string_lossy().into_owned()),
        (None, None) => CASES.to_string(),
    };
    let extra_dict = match &args.dict {
        Some(p) => Some(std::fs::read_to_string(p).with_context(|| format!("reading dictionary {}", p.display()))?),
        None => None,
    };
    let saved = SavedAnalyzer { fold_traditional: args.fold_traditional, extra_dict };
    let dir = index_dir(data_dir, &name)?;
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let previous: Option<SavedAnalyzer> =
        std::fs::read_to_string(dir.join(ANALYZER_FILE)).ok().and_then(|s| serde_json::from_str(&s).ok());
    // Other analyser settings than the index was built with: every document must be analysed again.
    let changed_analyzer =
        previous.is_some_and(|p| p.fold_traditional != saved.fold_traditional || p.extra_dict != saved.extra_dict);
    let rebuild = args.rebuild || changed_analyzer;
    let mut index = open_for_update(&dir, &saved)?;
    // A corpus is streamed (one case in memory at a time); the store's reports are few enough to load.
    let r = match &args.jsonl {
        Some(src) => {
            let hint = estimate_lines(&src.file);
            let mut session = if rebuild { index.begin_rebuild(hint)? } else { index.begin_sync(hint)? };
            let bar = crate::progress::file_bar(&src.file, false);
            for_each_jsonl(src, &bar, |doc, at| session.add(&doc).with_context(at))?;
            bar.finish_and_clear();
            session.finish()?
        }
        None => {
            let docs = load_reports(data_dir)?;
            let mut session = if rebuild { index.begin_rebuild(docs.len())? } else { index.begin_sync(docs.len())? };
            for d in &docs {
                session.add(d)?;
            }
            session.finish()?
        }
    };
    if rebuild {
        println!("index {name}: rebuilt with {} cases ({})", r.added, dir.display());
    } else {
        println!(
            "index {name}: {} added, {} updated, {} deleted, {} unchanged ({})",
            r.added,
            r.updated,
            r.deleted,
            r.unchanged,
            dir.display()
        );
    }
    std::fs::write(dir.join(ANALYZER_FILE), serde_json::to_string_pretty(&saved)?)?;
    Ok(())
}

/// Brings the index of the store's reports (`index/cases`) up to date when it exists, with the analyser it was
/// built with; `None` when there is no such index.
pub fn sync_cases_if_indexed(data_dir: &Path) -> anyhow::Result<Option<search::SyncReport>> {
    let dir = index_dir(data_dir, CASES)?;
    if !dir.join("meta.json").exists() {
        return Ok(None);
    }
    let docs = load_reports(data_dir)?;
    let mut index = open_for_update(&dir, &saved_analyzer(&dir)?)?;
    Ok(Some(index.sync(&docs)?))
}

/// The value at a dotted path (`meta.accusation`) as text; an array gives its first element.
fn field_text<'a>(v: &'a serde_json::Value, path: &str) -> Option<std::borrow::Cow<'a, str>> {
    let mut cur = v;
    for part in path.split('.') {
        cur = cur.get(part)?;
    }
    if let Some(first) = cur.as_array().and_then(|a| a.first()) {
        cur = first;
    }
    match cur {
        serde_json::Value::String(s) => Some(s.as_str().into()),
        serde_json::Value::Number(n) => Some(n.to_string().into()),
        _ => None,
    }
}

/// About how many lines `file` has (sizes the index writer; 0 when unreadable).
fn estimate_lines(file: &Path) -> usize {
    let Ok(f) = std::fs::File::open(file) else { return 0 };
    std::io::BufRead::split(std::io::BufReader::new(f), b'\n').count()
}

/// Reads a JSONL corpus one case a line, handing each case and a "file:line" label to `f`. An invalid line or a line
/// without the text field is an error naming the file and line (a repeated id is the index session's error).
pub fn for_each_jsonl(
    src: &JsonlSource,
    bar: &indicatif::ProgressBar,
    mut f: impl FnMut(CaseDoc, &dyn Fn() -> String) -> anyhow::Result<()>,
) -> anyhow::Result<usize> {
    use std::io::BufRead;
    let file = std::fs::File::open(&src.file).with_context(|| format!("reading {}", src.file.display()))?;
    let mut reader = std::io::BufReader::new(file);
    let (mut line, mut n, mut lineno) = (String::new(), 0, 0);
    loop {
        line.clear();
        let read = reader.read_line(&mut line).with_context(|| format!("reading {}", src.file.display()))?;
        if read == 0 {
            return Ok(n);
        }
        lineno += 1;
        bar.inc(read as u64);
        let at = || format!("{}:{lineno}", src.file.display());
        if line.trim().is_empty() {
            continue;
        }
        f(parse_jsonl_case(src, &line, lineno, &at)?, &at)?;
        n += 1;
    }
}

/// Reads a whole JSONL corpus into memory (see [`for_each_jsonl`]).
#[cfg(test)]
pub fn load_jsonl(src: &JsonlSource) -> anyhow::Result<Vec<CaseDoc>> {
    let mut docs = Vec::new();
    for_each_jsonl(src, &indicatif::ProgressBar::hidden(), |d, _| {
        docs.push(d);
        Ok(())
    })?;
    Ok(docs)
}

/// One JSONL line as a case; `lineno` numbers cases without an id field.
fn parse_jsonl_case(src: &JsonlSource, line: &str, lineno: usize, at: &dyn Fn() -> String) -> anyhow::Result<CaseDoc> {
    let v: serde_json::Value = serde_json::from_str(line).with_context(|| format!("{}: not JSON", at()))?;
    let body = field_text(&v, &src.text_field)
        .with_context(|| format!("{}: no text field {:?}", at(), src.text_field))?
        .into_owned();
    let id = match &src.id_field {
        Some(f) => field_text(&v, f).with_context(|| format!("{}: no id field {f:?}", at()))?.into_owned(),
        None => lineno.to_string(),
    };
    let label = |f: &Option<String>| f.as_ref().and_then(|f| field_text(&v, f)).map(|s| s.into_owned());
    let reported_at = match label(&src.date_field) {
        None => None,
        Some(d) if d.bytes().all(|b| b.is_ascii_digit()) => {
            Some(d.parse::<i64>().with_context(|| format!("{}: date {d:?} out of range", at()))?)
        }
        Some(d) => Some(search::date_bounds(&d).map_err(|p| anyhow::anyhow!("{}: date {d:?}: {p}", at()))?.0),
    };
    let loss_fen = match label(&src.loss_field) {
        None => None,
        Some(l) => {
            Some(l.parse::<i64>().with_context(|| format!("{}: loss {l:?} is not a whole number of fen", at()))?)
        }
    };
    let status = match label(&src.status_field) {
        None => None,
        Some(v) => Some(
            datasets::CaseStatus::parse(&v)
                .with_context(|| {
                    let codes: Vec<&str> = datasets::CaseStatus::ALL.iter().map(|s| s.code()).collect();
                    format!("{}: status {v:?} is not one of {}", at(), codes.join(", "))
                })?
                .code()
                .to_string(),
        ),
    };
    Ok(CaseDoc {
        id,
        identifiers: IdentExtractor.keys(&body),
        text: body,
        fraud_type: label(&src.type_field).unwrap_or_default(),
        district: label(&src.district_field).unwrap_or_default(),
        community: None,
        status,
        reported_at,
        loss_fen,
    })
}

/// Reads every report of the store as a [`CaseDoc`]: identifier columns normalised to canonical keys, plus those
/// found in the narrative.
pub fn load_reports(data_dir: &Path) -> anyhow::Result<Vec<CaseDoc>> {
    let path = data_dir.join(crate::store::STORE_FILE);
    if !path.exists() {
        bail!("no store at {}; run `fanzha ingest` first", path.display());
    }
    let conn = Connection::open_with_flags(&path, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .with_context(|| format!("opening {}", path.display()))?;
    let mut stmt = conn.prepare(
        "SELECT report_id, narrative, fraud_type, district, community, reported_at, loss_fen, \
         phones, accounts, urls, apps, im_ids, status FROM reports ORDER BY report_id",
    )?;
    let rows = stmt.query_map([], |r| {
        let lists: [Option<String>; 5] = [r.get(7)?, r.get(8)?, r.get(9)?, r.get(10)?, r.get(11)?];
        Ok((
            CaseDoc {
                id: r.get(0)?,
                text: r.get(1)?,
                fraud_type: r.get(2)?,
                district: r.get(3)?,
                community: r.get(4)?,
                status: r.get(12)?,
                reported_at: r.get(5)?,
                loss_fen: r.get(6)?,
                identifiers: Vec::new(),
            },
            lists,
        ))
    })?;
    let fields = [IdField::Phone, IdField::Account, IdField::Url, IdField::App, IdField::Im];
    let mut docs = Vec::new();
    for row in rows {
        let (mut doc, lists) = row?;
        let mut keys: Vec<String> = Vec::new();
        for (field, list) in fields.iter().zip(lists) {
            for raw in list.iter().flat_map(|l| l.split(';')).filter(|s| !s.trim().is_empty()) {
                if let Ok(id) = normalize(*field, raw) {
                    keys.push(id.key);
                }
            }
        }
        keys.extend(extract(&doc.text).into_iter().map(|m| m.id.key));
        let mut seen = BTreeSet::new();
        keys.retain(|k| seen.insert(k.clone()));
        doc.identifiers = keys;
        docs.push(doc);
    }
    Ok(docs)
}

/// Options of `fanzha search`.
#[derive(Debug, Clone)]
pub struct SearchArgs {
    pub query: String,
    pub fraud_type: Option<String>,
    pub district: Option<String>,
    /// Case status code.
    pub status: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub sort: SortBy,
    pub limit: usize,
    pub cursor: Option<String>,
    pub json: bool,
    pub name: String,
    /// Count facets over all hits.
    pub facets: bool,
}

/// `fanzha search`.
pub fn run_search(data_dir: &Path, args: &SearchArgs) -> anyhow::Result<()> {
    let index = open_existing(data_dir, &args.name)?;
    let day = |v: &Option<String>, flag: &str, end: bool| -> anyhow::Result<Option<i64>> {
        v.as_deref()
            .map(|d| {
                search::date_bounds(d)
                    .map(|(a, b)| if end { b } else { a })
                    .map_err(|p| anyhow::anyhow!("{flag} {d:?}: {p}"))
            })
            .transpose()
    };
    let opts = SearchOptions {
        limit: args.limit,
        cursor: args.cursor.clone(),
        sort: args.sort,
        fraud_type: args.fraud_type.clone(),
        district: args.district.clone(),
        community: None,
        status: args.status.clone(),
        from: day(&args.from, "--from", false)?,
        to: day(&args.to, "--to", true)?,
        snippet_chars: 120,
        facets: args.facets,
    };
    let results = match index.search(&args.query, &opts) {
        Ok(r) => r,
        Err(SearchError::Query(e)) => {
            // Wide (CJK, full-width) characters take two terminal columns.
            let pad: usize = args.query.chars().take(e.position).map(|c| if c >= '\u{1100}' { 2 } else { 1 }).sum();
            let caret: String = " ".repeat(pad) + "^";
            bail!("{e}\n  {}\n  {caret}", args.query);
        }
        Err(e) => return Err(e.into()),
    };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&results)?);
    } else {
        print!("{}", render(&results));
    }
    Ok(())
}

/// One line of a `--bench-queries` file.
#[derive(Debug, Deserialize)]
struct BenchQuery {
    kind: String,
    q: String,
    #[serde(rename = "type")]
    fraud_type: Option<String>,
    from: Option<String>,
    to: Option<String>,
}

/// `fanzha search --bench-queries FILE`: runs every query twice in this process (the first pass warms caches) and
/// prints the second pass's latency (query parsing, search, facets, snippets of the first `limit` hits) and total.
pub fn run_bench_queries(data_dir: &Path, name: &str, file: &Path, limit: usize, facets: bool) -> anyhow::Result<()> {
    use std::io::Write;
    let index = open_existing(data_dir, name)?;
    let text = std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
    let mut queries = Vec::new();
    for (i, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        let q: BenchQuery =
            serde_json::from_str(line).with_context(|| format!("{}:{}: not a bench query", file.display(), i + 1))?;
        let day = |d: &Option<String>, end: bool| -> anyhow::Result<Option<i64>> {
            d.as_deref()
                .map(|d| {
                    search::date_bounds(d)
                        .map(|(a, b)| if end { b } else { a })
                        .map_err(|p| anyhow::anyhow!("{}:{}: date {d:?}: {p}", file.display(), i + 1))
                })
                .transpose()
        };
        let mut opts = SearchOptions::top(limit);
        opts.facets = facets;
        opts.fraud_type = q.fraud_type.clone();
        opts.from = day(&q.from, false)?;
        opts.to = day(&q.to, true)?;
        queries.push((q, opts));
    }
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for pass in 0..2 {
        for (q, opts) in &queries {
            let t = std::time::Instant::now();
            let total = match index.search(&q.q, opts) {
                Ok(r) => r.total,
                Err(SearchError::Query(_)) => 0,
                Err(e) => return Err(e.into()),
            };
            let micros = t.elapsed().as_micros();
            if pass == 1 {
                writeln!(out, "{}\t{micros}\t{total}", q.kind)?;
            }
        }
    }
    out.flush()?;
    Ok(())
}

fn render(r: &SearchResults) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let _ = writeln!(out, "{} matching cases", r.total);
    for (i, h) in r.hits.iter().enumerate() {
        let date = h.reported_at.map(beijing_date).unwrap_or_default();
        let loss = h.loss_fen.map(|f| format!("{}.{:02}元", f / 100, f % 100)).unwrap_or_default();
        let _ = writeln!(
            out,
            "{:>3}. {}  score {:.2}  {} {} {} {} {}",
            i + 1,
            h.id,
            h.score,
            h.fraud_type,
            h.district,
            date,
            loss,
            h.status.as_deref().and_then(datasets::CaseStatus::parse).map_or("", |s| s.label_zh())
        );
        let _ = writeln!(out, "     {}", h.snippet.marked("【", "】"));
    }
    let facet = |name: &str, v: &[search::FacetCount]| {
        let items: Vec<String> = v.iter().take(8).map(|f| format!("{} {}", f.value, f.count)).collect();
        if items.is_empty() { String::new() } else { format!("{name}: {}\n", items.join(", ")) }
    };
    out.push_str(&facet("by type", &r.facets.fraud_type));
    out.push_str(&facet("by district", &r.facets.district));
    out.push_str(&facet("by month", &r.facets.month));
    if let Some(c) = &r.next_cursor {
        let _ = writeln!(out, "next page: --cursor '{c}'");
    }
    out
}

fn beijing_date(t: i64) -> String {
    chrono::DateTime::from_timestamp(t + 8 * 3600, 0).map(|d| d.format("%Y-%m-%d").to_string()).unwrap_or_default()
}

/// `fanzha similar`: the cases most like a report (串并案 candidates).
pub fn run_similar(data_dir: &Path, name: &str, report_id: &str, limit: usize, json: bool) -> anyhow::Result<()> {
    let index = open_existing(data_dir, name)?;
    let sims: Vec<SimilarCase> = index.similar(report_id, limit)?;
    if json {
        println!("{}", serde_json::to_string_pretty(&sims)?);
        return Ok(());
    }
    if sims.is_empty() {
        println!("no similar cases for {report_id}");
    }
    for (i, s) in sims.iter().enumerate() {
        println!("{:>3}. {}  score {:.2}  {} {}", i + 1, s.id, s.score, s.fraud_type, s.district);
        if !s.shared_identifiers.is_empty() {
            println!("     shared identifiers: {}", s.shared_identifiers.join(", "));
        }
        if !s.shared_terms.is_empty() {
            println!("     shared terms: {}", s.shared_terms.iter().take(12).cloned().collect::<Vec<_>>().join(" "));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn search_ids(data_dir: &Path, name: &str, q: &str) -> Vec<String> {
        let idx = open_existing(data_dir, name).unwrap();
        idx.search(q, &SearchOptions::top(10)).unwrap().hits.into_iter().map(|h| h.id).collect()
    }

    #[test]
    fn indexes_a_jsonl_corpus_and_updates_it() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("court.jsonl");
        std::fs::write(
            &file,
            "{\"fact\":\"被告人以签订合同为名骗取货款，卡号6222021234567890128\",\"meta\":{\"accusation\":[\"合同诈骗\"]}}\n\
             {\"fact\":\"被告人酒后驾驶机动车\",\"meta\":{\"accusation\":[\"危险驾驶\"]}}\n",
        )
        .unwrap();
        let args = IndexArgs {
            jsonl: Some(JsonlSource {
                file: file.clone(),
                text_field: "fact".into(),
                id_field: None,
                type_field: Some("meta.accusation".into()),
                district_field: None,
                date_field: None,
                loss_field: None,
                status_field: None,
            }),
            name: None,
            rebuild: false,
            dict: None,
            fold_traditional: false,
        };
        let data = dir.path().join("data");
        run_index(&data, &args).unwrap();
        assert_eq!(search_ids(&data, "court", "合同"), ["1"]);
        assert_eq!(search_ids(&data, "court", "6222 0212 3456 7890 128"), ["1"]);
        let idx = open_existing(&data, "court").unwrap();
        assert_eq!(idx.get("2").unwrap().fraud_type, "危险驾驶");
        drop(idx);
        // Re-running is incremental and idempotent.
        run_index(&data, &args).unwrap();
        assert_eq!(search_ids(&data, "court", "驾驶"), ["2"]);
        // A bad line is an error naming the file and line.
        std::fs::write(&file, "{\"fact\":\"ok\"}\nnot json\n").unwrap();
        let err = run_index(&data, &args).unwrap_err().to_string();
        assert!(err.contains("court.jsonl:2"), "{err}");
        // Nothing of the failed run was committed: the last good state is still searched.
        assert_eq!(search_ids(&data, "court", "驾驶"), ["2"]);
        assert_eq!(open_existing(&data, "court").unwrap().len(), 2);
        // A repeated id names its line.
        let with_ids = IndexArgs {
            jsonl: args.jsonl.clone().map(|j| JsonlSource { id_field: Some("id".into()), ..j }),
            ..args.clone()
        };
        std::fs::write(&file, "{\"id\":\"a\",\"fact\":\"x\"}\n\n{\"id\":\"a\",\"fact\":\"y\"}\n").unwrap();
        let err = format!("{:#}", run_index(&data, &with_ids).unwrap_err());
        assert!(err.contains("court.jsonl:3") && err.contains("given twice"), "{err}");
    }

    #[test]
    fn jsonl_district_date_and_loss_fields_are_read_and_checked() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("gen.jsonl");
        std::fs::write(
            &file,
            "{\"id\":\"N1\",\"text\":\"兼职刷单被骗\",\"type\":\"brushing\",\"district\":\"310115\",\"date\":\"2026-03-02\",\"loss\":12345,\"status\":\"已破案\"}\n\
             {\"id\":\"N2\",\"text\":\"网贷解冻费\",\"date\":1767225600}\n",
        )
        .unwrap();
        let src = |date_field: &str| JsonlSource {
            file: file.clone(),
            text_field: "text".into(),
            id_field: Some("id".into()),
            type_field: Some("type".into()),
            district_field: Some("district".into()),
            date_field: Some(date_field.into()),
            loss_field: Some("loss".into()),
            status_field: Some("status".into()),
        };
        let docs = load_jsonl(&src("date")).unwrap();
        assert_eq!(docs[0].district, "310115");
        assert_eq!(docs[0].loss_fen, Some(12_345));
        assert_eq!(docs[0].reported_at, Some(search::date_bounds("2026-03-02").unwrap().0));
        assert_eq!((docs[1].reported_at, docs[1].loss_fen, docs[1].district.as_str()), (Some(1_767_225_600), None, ""));
        assert_eq!((docs[0].status.as_deref(), docs[1].status.as_deref()), (Some("solved"), None));
        std::fs::write(&file, "{\"id\":\"N1\",\"text\":\"x\",\"status\":\"done\"}\n").unwrap();
        let err = load_jsonl(&src("date")).unwrap_err().to_string();
        assert!(err.contains("gen.jsonl:1") && err.contains("\"done\"") && err.contains("solved"), "{err}");
        std::fs::write(&file, "{\"id\":\"N1\",\"text\":\"x\",\"date\":\"2026-13-40\"}\n").unwrap();
        let err = load_jsonl(&src("date")).unwrap_err().to_string();
        assert!(err.contains("gen.jsonl:1") && err.contains("2026-13-40"), "{err}");
        std::fs::write(&file, "{\"id\":\"N1\",\"text\":\"x\",\"loss\":\"12.5\"}\n").unwrap();
        let err = load_jsonl(&src("date")).unwrap_err().to_string();
        assert!(err.contains("gen.jsonl:1") && err.contains("fen"), "{err}");
    }

    #[test]
    fn indexes_the_store_reports() {
        let dir = tempfile::tempdir().unwrap();
        let store = crate::store::Store::open(dir.path()).unwrap();
        store
            .conn()
            .execute(
                "INSERT INTO reports (report_id, reported_at, reported_week, district, community, fraud_type, \
                 loss_fen, status, narrative, phones, accounts, urls, apps, im_ids, row_hash, run_id, ingested_at) \
                 VALUES ('R1', 1767225600, '2026-W01', '城关区', 'C1', 'brushing', 500000, 'solved', \
                 '受害人在网上兼职刷单被骗', '138 0013 8000', '', '', '', '', 'h', 1, 0)",
                [],
            )
            .unwrap();
        drop(store);
        let docs = load_reports(dir.path()).unwrap();
        assert_eq!(docs[0].identifiers, ["tel:+8613800138000"]);
        let args = IndexArgs { jsonl: None, name: None, rebuild: false, dict: None, fold_traditional: false };
        run_index(dir.path(), &args).unwrap();
        assert_eq!(search_ids(dir.path(), CASES, "+8613800138000"), ["R1"]);
        assert_eq!(search_ids(dir.path(), CASES, "刷单 type:brushing district:城关区"), ["R1"]);
        assert_eq!(search_ids(dir.path(), CASES, "刷单 status:solved"), ["R1"]);
        assert!(search_ids(dir.path(), CASES, "刷单 status:filed").is_empty());
        assert!(open_existing(dir.path(), "../x").is_err());

        // An index left by an older fanzha (other fields): searching says to rebuild; ingest's sync rebuilds it.
        let idx_dir = index_dir(dir.path(), CASES).unwrap();
        for e in std::fs::read_dir(&idx_dir).unwrap() {
            let p = e.unwrap().path();
            if p.file_name().is_some_and(|n| n != ANALYZER_FILE) {
                std::fs::remove_file(p).unwrap();
            }
        }
        let mut old = tantivy::schema::Schema::builder();
        old.add_text_field("id", tantivy::schema::STRING);
        tantivy::Index::create_in_dir(&idx_dir, old.build()).unwrap();
        let err = format!("{:#}", open_existing(dir.path(), CASES).unwrap_err());
        assert!(err.contains("older fanzha") && err.contains("fanzha index --rebuild"), "{err}");
        let report = sync_cases_if_indexed(dir.path()).unwrap().unwrap();
        assert_eq!(report.added, 1);
        assert_eq!(search_ids(dir.path(), CASES, "刷单"), ["R1"]);
    }
}
