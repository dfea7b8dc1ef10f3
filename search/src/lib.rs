//! Case search: a Tantivy index of fraud reports with Chinese segmentation, identifier search and 串并案 candidates.
//!
//! ```
//! use search::{Analyzer, AnalyzerOptions, CaseDoc, CaseIndex, IdentExtractor, SearchOptions};
//! let analyzer = Analyzer::new(&AnalyzerOptions::default())?;
//! let mut index = CaseIndex::in_ram(analyzer, Box::new(IdentExtractor))?;
//! index.upsert(&[CaseDoc {
//!     id: "R1".into(),
//!     text: "对方自称铁路12306客服，要求转账到安全账户，电话13800138000".into(),
//!     fraud_type: "impersonate_service".into(),
//!     district: "城关区".into(),
//!     community: None,
//!     status: Some("filed".into()),
//!     reported_at: None,
//!     loss_fen: Some(500_000),
//!     identifiers: vec!["tel:+8613800138000".into()],
//! }])?;
//! let found = index.search("12306 AND \"安全账户\"", &SearchOptions::top(10))?;
//! assert_eq!(found.hits[0].id, "R1");
//! let by_phone = index.search("+86 138-0013-8000", &SearchOptions::top(10))?;
//! assert_eq!(by_phone.total, 1);
//! # Ok::<(), search::SearchError>(())
//! ```
//!
//! Layout:
//! - `analysis`: folding (width, case, optional traditional→simplified via `trad`), script runs, jieba, bigram and
//!   trigram tokens; the shipped jargon dictionary `dict/fraud_jargon.txt`.
//! - `ident`: the [`IdentifierExtractor`] seam and its adapter to `datasets::ident`.
//! - `query`: the query language (lexer, parser, positioned errors); `compile`: parsed query → tantivy query;
//!   `ranked`: ranked matching of loose terms (coordination tiers, dropped and unmatched terms); `suggest`: the
//!   closest indexed words to a term that matches nothing.
//! - `schema`, `doc`: index fields and the [`CaseDoc`] input; `index`: [`CaseIndex`] (upsert, sync, search,
//!   similar); `results`: options, sorting, cursors, facets; `snippet`: highlighted snippets.

mod analysis;
mod compile;
mod doc;
mod error;
mod forward_only;
mod ident;
mod index;
mod query;
mod ranked;
mod results;
mod schema;
mod snippet;
mod suggest;
mod trad;

pub use analysis::{Analyzer, AnalyzerOptions, FRAUD_JARGON_DICT, Tok, TokenMode, is_han};
pub use doc::CaseDoc;
pub use error::{ErrorKind, QueryError, QueryProblem, SearchError};
pub use ident::{DigitRuns, IdMention, IdentExtractor, IdentifierExtractor, NoIdentifiers};
pub use index::{CaseIndex, SimilarCase, SyncReport, SyncSession};
pub use query::{Expr, Filter, date_bounds, parse, yuan_to_fen};
pub use ranked::{Matching, TierCount, Unmatched};
pub use results::{FacetCount, Facets, Hit, MAX_LIMIT, SearchOptions, SearchResults, SortBy};
pub use snippet::Snippet;
