//! The store's one error type: what went wrong, as data, with a [`StoreErrorKind`] the service maps to its own.

use std::path::PathBuf;

/// Broad class of a store error, so callers can tell a missing thing from a damaged store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreErrorKind {
    /// The thing asked for does not exist (no store, no snapshot, no run, no such id).
    NotFound,
    /// The write clashes with what is stored (a newer schema, a duplicate name).
    Conflict,
    /// The caller's values cannot be stored or looked up as given.
    Invalid,
    /// SQLite failed, or a stored value is damaged.
    Internal,
}

/// Every error of the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// `open_existing` found no database file.
    #[error("no store at {}; run `fanzha ingest DIR --data-dir {}` or `fanzha pipeline` first", path.display(), dir.display())]
    Missing { path: PathBuf, dir: PathBuf },
    /// The data folder or database file cannot be created or opened.
    #[error("cannot open {}: {source}", path.display())]
    Open { path: PathBuf, source: Box<dyn std::error::Error + Send + Sync> },
    /// The store was written by a newer fanzha.
    #[error("store {} has schema version {found}; this fanzha knows up to {known}", path.display())]
    NewerSchema { path: PathBuf, found: i64, known: i64 },
    /// A migration failed.
    #[error("store migration {version} failed: {source}")]
    Migration { version: usize, source: rusqlite::Error },
    /// A named thing does not exist (`what` says which: "risk snapshot", "clustering run", "user"…).
    #[error("{message}")]
    NotFound { what: &'static str, message: String },
    /// A write clashes with a stored row.
    #[error("{message}")]
    Conflict { what: &'static str, message: String },
    /// A stored value does not read back as its type: the store is damaged or written by another program.
    #[error("{table}.{column} holds {value:?}: {reason}; the store is damaged")]
    Corrupt { table: &'static str, column: &'static str, value: String, reason: String },
    /// SQLite itself failed.
    #[error("store query failed: {0}")]
    Sql(#[from] rusqlite::Error),
}

impl StoreError {
    /// The class of the error.
    pub fn kind(&self) -> StoreErrorKind {
        match self {
            StoreError::Missing { .. } | StoreError::NotFound { .. } => StoreErrorKind::NotFound,
            StoreError::NewerSchema { .. } | StoreError::Conflict { .. } => StoreErrorKind::Conflict,
            StoreError::Open { .. }
            | StoreError::Migration { .. }
            | StoreError::Corrupt { .. }
            | StoreError::Sql(_) => StoreErrorKind::Internal,
        }
    }

    /// A stored value that does not parse as its type.
    pub(crate) fn corrupt(
        table: &'static str,
        column: &'static str,
        value: impl Into<String>,
        reason: impl ToString,
    ) -> StoreError {
        StoreError::Corrupt { table, column, value: value.into(), reason: reason.to_string() }
    }
}

impl From<rusqlite::types::FromSqlError> for StoreError {
    fn from(e: rusqlite::types::FromSqlError) -> StoreError {
        StoreError::Sql(e.into())
    }
}

/// The store's result type.
pub type StoreResult<T> = Result<T, StoreError>;
