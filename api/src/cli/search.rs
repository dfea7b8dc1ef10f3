//! `fanzha index`, `fanzha search` and `fanzha similar`: flags → checked inputs → the search service → text or JSON.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::cli::emit;
use crate::cli::pipeline::Bars;
use crate::error::{AppError, AppResult, Kind};
use crate::service::Service;
use crate::service::page::Limit;
use crate::service::search::{
    BenchQuery, CASES, IndexName, IndexRequest, IndexSource, IndexView, JsonlSource, SearchRequest, SearchView,
    SimilarView, yuan,
};

/// Flags of `fanzha index`.
#[derive(Debug, clap::Args)]
pub struct IndexArgs {
    /// Index this JSONL file (one case a line) instead of the store's reports.
    #[arg(long)]
    jsonl: Option<PathBuf>,
    /// Dotted path of the text field in each JSONL line.
    #[arg(long, default_value = "fact", requires = "jsonl")]
    text_field: String,
    /// Dotted path of the id field (default: line numbers).
    #[arg(long, requires = "jsonl")]
    id_field: Option<String>,
    /// Dotted path of a label stored as the case type (first element of an array), e.g. meta.accusation.
    #[arg(long, requires = "jsonl")]
    type_field: Option<String>,
    /// Dotted path of the district label.
    #[arg(long, requires = "jsonl")]
    district_field: Option<String>,
    /// Dotted path of the report date (YYYY-MM-DD, Beijing time, or epoch seconds).
    #[arg(long, requires = "jsonl")]
    date_field: Option<String>,
    /// Dotted path of the loss (whole fen).
    #[arg(long, requires = "jsonl")]
    loss_field: Option<String>,
    /// Dotted path of the case status (received, filed, solved, closed, or 已受理/已立案/已破案/已撤案).
    #[arg(long, requires = "jsonl")]
    status_field: Option<String>,
    /// Index name under <data-dir>/index/ (default: `cases`, or the JSONL file's stem).
    #[arg(long)]
    name: Option<String>,
    /// Rebuild from scratch instead of updating.
    #[arg(long)]
    rebuild: bool,
    /// Extra jieba user dictionary (`word [freq] [tag]` lines) besides the shipped fraud-jargon one.
    #[arg(long)]
    dict: Option<PathBuf>,
    /// Fold common traditional characters to simplified (at indexing and query time).
    #[arg(long)]
    fold_traditional: bool,
}

/// Flags of `fanzha search`.
#[derive(Debug, clap::Args)]
pub struct SearchArgs {
    #[arg(required_unless_present = "bench_queries")]
    query: Option<String>,
    /// Benchmark mode: run every query of this JSONL file (`{"kind","q","type","from","to"}` a line) twice,
    /// timing the second pass; prints `kind<TAB>microseconds<TAB>total` a query.
    #[arg(long, conflicts_with = "query")]
    bench_queries: Option<PathBuf>,
    /// Skip the facet counts (type, district, month) over all hits.
    #[arg(long)]
    no_facets: bool,
    /// Only this fraud type (code).
    #[arg(long = "type")]
    fraud_type: Option<String>,
    #[arg(long)]
    district: Option<String>,
    /// Only cases with this status: received, filed, solved, closed (also `status:` in the query).
    #[arg(long)]
    status: Option<String>,
    /// Reported on or after this date (YYYY-MM-DD, Beijing time).
    #[arg(long)]
    from: Option<String>,
    /// Reported on or before this date (YYYY-MM-DD, Beijing time).
    #[arg(long)]
    to: Option<String>,
    #[arg(long, value_enum, default_value_t = SortArg::Relevance)]
    sort: SortArg,
    #[arg(long, default_value_t = 10)]
    limit: usize,
    /// The cursor printed with the previous page.
    #[arg(long)]
    cursor: Option<String>,
    #[arg(long)]
    json: bool,
    /// Index name (default `cases`).
    #[arg(long, default_value = CASES)]
    name: String,
}

/// Flags of `fanzha similar`.
#[derive(Debug, clap::Args)]
pub struct SimilarArgs {
    report_id: String,
    #[arg(long, default_value_t = 10)]
    limit: usize,
    #[arg(long)]
    json: bool,
    /// Index name (default `cases`).
    #[arg(long, default_value = CASES)]
    name: String,
}

/// Result order of `fanzha search`.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum SortArg {
    Relevance,
    Date,
    Loss,
}

/// `fanzha index`.
pub fn index(data_dir: &Path, args: IndexArgs, quiet: bool) -> AppResult<ExitCode> {
    let extra_dict = match &args.dict {
        Some(p) => Some(std::fs::read_to_string(p).map_err(|e| {
            AppError::invalid("unreadable_dictionary", "dict", format!("reading dictionary {}: {e}", p.display()))
        })?),
        None => None,
    };
    let source = match args.jsonl {
        Some(file) => IndexSource::Jsonl(JsonlSource {
            file,
            text_field: args.text_field,
            id_field: args.id_field,
            type_field: args.type_field,
            district_field: args.district_field,
            date_field: args.date_field,
            loss_field: args.loss_field,
            status_field: args.status_field,
        }),
        None => IndexSource::Store,
    };
    let name = args.name.as_deref().map(IndexName::new).transpose()?;
    let req = IndexRequest { source, name, rebuild: args.rebuild, extra_dict, fold_traditional: args.fold_traditional };
    let view = Service::new(data_dir).index(&req, &Bars::new(quiet))?;
    if view.old_format_rebuilt {
        eprintln!("index {}: built by an older fanzha; rebuilding it", view.dir.display());
    }
    emit(&render_index(&view))?;
    Ok(ExitCode::SUCCESS)
}

/// What `fanzha index` prints.
pub fn render_index(v: &IndexView) -> String {
    if v.rebuilt {
        format!("index {}: rebuilt with {} cases ({})\n", v.name, v.added, v.dir.display())
    } else {
        format!(
            "index {}: {} added, {} updated, {} deleted, {} unchanged ({})\n",
            v.name,
            v.added,
            v.updated,
            v.deleted,
            v.unchanged,
            v.dir.display()
        )
    }
}

/// `fanzha search`.
pub fn search(data_dir: &Path, args: SearchArgs) -> AppResult<ExitCode> {
    let svc = Service::new(data_dir);
    if let Some(file) = &args.bench_queries {
        return bench(&svc, &args, file);
    }
    let q = args.query.unwrap_or_default();
    let req = SearchRequest {
        q: q.clone(),
        fraud_type: args.fraud_type,
        district: args.district,
        scope: Vec::new(),
        status: args.status,
        from: args.from,
        to: args.to,
        sort: match args.sort {
            SortArg::Relevance => search::SortBy::Relevance,
            SortArg::Date => search::SortBy::Date,
            SortArg::Loss => search::SortBy::Loss,
        },
        limit: args.limit,
        cursor: args.cursor,
        facets: !args.no_facets,
        index: Some(args.name),
    };
    let view = req.check().and_then(|query| svc.search(&query)).map_err(|e| with_caret(e, &q))?;
    if args.json {
        emit(&format!("{}\n", to_json(&view)?))?;
    } else {
        emit(&render_search(&view))?;
    }
    Ok(ExitCode::SUCCESS)
}

/// A query error with the query drawn under it and a caret at the problem (wide characters take two columns).
fn with_caret(e: AppError, query: &str) -> AppError {
    if e.code() != "invalid_query" {
        return e;
    }
    let position = search::parse(query, &search::IdentExtractor).err().map_or(0, |q| q.position);
    let pad: usize = query.chars().take(position).map(|c| if c >= '\u{1100}' { 2 } else { 1 }).sum();
    let reason = e.field_errors().first().map_or(e.message(), |f| f.reason.as_str());
    let message = format!("{reason}\n  {query}\n  {}^", " ".repeat(pad));
    AppError::new(e.kind(), e.code(), message)
}

/// `fanzha search --bench-queries FILE`: prints `kind<TAB>microseconds<TAB>total` a query (second pass).
fn bench(svc: &Service, args: &SearchArgs, file: &Path) -> AppResult<ExitCode> {
    let text = std::fs::read_to_string(file).map_err(|e| {
        AppError::invalid("unreadable_bench_queries", "bench_queries", format!("reading {}: {e}", file.display()))
    })?;
    let mut queries = Vec::new();
    for (i, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        let q: BenchQuery = serde_json::from_str(line).map_err(|e| {
            let reason = format!("{}:{}: not a bench query: {e}", file.display(), i + 1);
            AppError::invalid("invalid_bench_query", "bench_queries", reason)
        })?;
        queries.push(q);
    }
    let name = IndexName::new(&args.name)?;
    let timings = svc.bench_queries(&name, &queries, Limit::new(args.limit, search::MAX_LIMIT)?, !args.no_facets)?;
    let out: String = timings.iter().map(|t| format!("{}\t{}\t{}\n", t.kind, t.micros, t.total)).collect();
    emit(&out)?;
    Ok(ExitCode::SUCCESS)
}

/// What `fanzha search` prints.
pub fn render_search(v: &SearchView) -> String {
    use std::fmt::Write;
    let r = &v.results;
    let mut out = String::new();
    out.push_str(&render_matching(r));
    for (i, h) in r.hits.iter().enumerate() {
        let date = h.reported_at.map(beijing_date).unwrap_or_default();
        let loss = h.loss_fen.map(yuan).unwrap_or_default();
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
        let lacks: Vec<&str> =
            r.matching.query_terms.iter().filter(|t| !h.matched_terms.contains(t)).map(String::as_str).collect();
        if !lacks.is_empty() {
            let _ = writeln!(out, "     without: {}", lacks.join(" "));
        }
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

/// The lines above the hits: how many cases match (all terms, then some), and every term that matches nothing
/// with the closest indexed words.
///
/// ```text
/// 2 cases match all 4 terms; 38 more match 3 of 4, 120 match 2 of 4 (dropped on this page: 银行卡, 退款)
/// no case matches 诈騙x; did you mean 诈骗, 诈骗罪?
/// ```
fn render_matching(r: &search::SearchResults) -> String {
    use std::fmt::Write;
    let m = &r.matching;
    let mut out = String::new();
    if m.partial.is_empty() {
        let _ = writeln!(out, "{} matching cases", r.total);
    } else {
        let n = m.query_terms.len();
        let tiers: Vec<String> = m
            .partial
            .iter()
            .enumerate()
            .map(|(i, t)| {
                let more = if i == 0 { " more" } else { "" };
                match t.matched {
                    0 => format!("{}{more} match only the characters of a rare term", t.count),
                    k => format!("{}{more} match {k} of {n}", t.count),
                }
            })
            .collect();
        let cases = if m.matched_all == 1 { "case matches" } else { "cases match" };
        let _ = write!(out, "{} {cases} all {n} terms; {}", m.matched_all, tiers.join(", "));
        if !m.dropped_terms.is_empty() {
            let _ = write!(out, " (dropped on this page: {})", m.dropped_terms.join(", "));
        }
        out.push('\n');
    }
    for u in &m.unmatched_terms {
        if u.suggestions.is_empty() {
            let _ = writeln!(out, "no case matches {}, and no indexed word is close to it", u.term);
        } else {
            let _ = writeln!(out, "no case matches {}; did you mean {}?", u.term, u.suggestions.join(", "));
        }
    }
    if r.total == 0 && m.unmatched_terms.is_empty() {
        let _ = writeln!(
            out,
            "every term matches some case, but no case matches them as the query requires (AND, +, quotes and \
             NOT are strict; words side by side rank partial matches)"
        );
    }
    out
}

fn beijing_date(t: i64) -> String {
    datasets::Timestamp(t).to_beijing().format("%Y-%m-%d").to_string()
}

/// `fanzha similar`.
pub fn similar(data_dir: &Path, args: SimilarArgs) -> AppResult<ExitCode> {
    let name = IndexName::new(&args.name)?;
    let view = Service::new(data_dir).similar(&name, &args.report_id, Limit::new(args.limit, search::MAX_LIMIT)?)?;
    if args.json {
        // The list alone, as before the view carried the report id.
        emit(&format!("{}\n", to_json(&view.items)?))?;
    } else {
        emit(&render_similar(&view))?;
    }
    Ok(ExitCode::SUCCESS)
}

/// What `fanzha similar` prints.
pub fn render_similar(v: &SimilarView) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    if v.items.is_empty() {
        let _ = writeln!(out, "no similar cases for {}", v.report_id);
    }
    for (i, s) in v.items.iter().enumerate() {
        let _ = writeln!(out, "{:>3}. {}  score {:.2}  {} {}", i + 1, s.id, s.score, s.fraud_type, s.district);
        if !s.shared_identifiers.is_empty() {
            let _ = writeln!(out, "     shared identifiers: {}", s.shared_identifiers.join(", "));
        }
        if !s.shared_terms.is_empty() {
            let terms: Vec<&str> = s.shared_terms.iter().take(12).map(String::as_str).collect();
            let _ = writeln!(out, "     shared terms: {}", terms.join(" "));
        }
    }
    out
}

/// A view as pretty JSON.
pub(crate) fn to_json(v: &impl serde::Serialize) -> AppResult<String> {
    serde_json::to_string_pretty(v).map_err(|e| AppError::new(Kind::Internal, "internal", e.to_string()))
}
