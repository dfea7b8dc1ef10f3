//! The search crate's error type; query syntax errors carry the character position of the problem.

use std::fmt;

/// Broad class of an error, so the edge can map it (user input vs missing thing vs internal).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    InvalidInput,
    NotFound,
    Internal,
}

/// What is wrong with a query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QueryProblem {
    Empty,
    UnterminatedQuote,
    UnterminatedRange,
    UnbalancedParen,
    UnexpectedCloseParen,
    MissingOperand { operator: &'static str },
    EmptyPhrase,
    EmptyValue { field: String },
    BadRange { reason: &'static str },
    BadDate { value: String },
    BadAmount { value: String },
    NoSearchableText { word: String },
}

impl fmt::Display for QueryProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            QueryProblem::Empty => write!(f, "the query is empty"),
            QueryProblem::UnterminatedQuote => write!(f, "a quote is opened but never closed"),
            QueryProblem::UnterminatedRange => write!(f, "a range `[a TO b]` is opened but never closed"),
            QueryProblem::UnbalancedParen => write!(f, "a parenthesis is opened but never closed"),
            QueryProblem::UnexpectedCloseParen => write!(f, "a closing parenthesis has no opening one"),
            QueryProblem::MissingOperand { operator } => write!(f, "`{operator}` needs a term on each side"),
            QueryProblem::EmptyPhrase => write!(f, "the phrase is empty"),
            QueryProblem::EmptyValue { field } => write!(f, "`{field}:` has no value"),
            QueryProblem::BadRange { reason } => write!(f, "bad range: {reason}"),
            QueryProblem::BadDate { value } => write!(f, "{value:?} is not a date (YYYY-MM-DD or YYYY-MM)"),
            QueryProblem::BadAmount { value } => write!(f, "{value:?} is not an amount in yuan"),
            QueryProblem::NoSearchableText { word } => {
                write!(f, "{word:?} has no letters, digits or Chinese characters to search for")
            }
        }
    }
}

/// A query syntax error at a character position (0-based, counted in Unicode scalar values).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("query error at character {position}: {problem}")]
pub struct QueryError {
    pub position: usize,
    pub problem: QueryProblem,
}

/// Every error of the search crate.
#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error(transparent)]
    Query(#[from] QueryError),
    #[error("cannot load dictionary {name}: {reason}")]
    Dictionary { name: String, reason: String },
    #[error("case id {id:?} given twice")]
    DuplicateId { id: String },
    #[error("no case with id {id:?} in the index")]
    UnknownCase { id: String },
    #[error("invalid pagination cursor {cursor:?}")]
    BadCursor { cursor: String },
    #[error("invalid search option: {reason}")]
    BadOption { reason: &'static str },
    #[error("index at {path}: {source}")]
    Index { path: String, source: tantivy::TantivyError },
    #[error("index at {path} was built by an older fanzha (its fields differ from this version's); rebuild it")]
    OldFormat { path: String },
    #[error("index: {0}")]
    Tantivy(#[from] tantivy::TantivyError),
}

impl SearchError {
    /// The class of the error.
    pub fn kind(&self) -> ErrorKind {
        match self {
            SearchError::Query(_)
            | SearchError::BadCursor { .. }
            | SearchError::BadOption { .. }
            | SearchError::DuplicateId { .. } => ErrorKind::InvalidInput,
            SearchError::UnknownCase { .. } => ErrorKind::NotFound,
            SearchError::Dictionary { .. }
            | SearchError::Index { .. }
            | SearchError::OldFormat { .. }
            | SearchError::Tantivy(_) => ErrorKind::Internal,
        }
    }
}
