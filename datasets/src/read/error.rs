//! Errors of the readers: file-level [`ReadError`]s and row-level [`Diagnostic`]s.

use std::fmt;
use std::path::PathBuf;

/// A problem that stops a whole file (or folder) from being read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("cannot read {}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{} is not a folder", path.display())]
    NotADirectory { path: PathBuf },
    #[error("both {} and {} are present for table `{table}`; keep only one", csv.display(), jsonl.display())]
    BothFormats { table: &'static str, csv: PathBuf, jsonl: PathBuf },
    #[error("{}: unknown file type; expected .csv or .jsonl", path.display())]
    UnknownFormat { path: PathBuf },
    #[error("{}: the file is empty (no header row)", path.display())]
    Empty { path: PathBuf },
    #[error("{}: header (line 1) lacks required column(s) {}; found: {}", path.display(), missing.join(", "), found.join(", "))]
    MissingColumns { path: PathBuf, missing: Vec<&'static str>, found: Vec<String> },
    #[error("{}: column `{column}` appears more than once in the header", path.display())]
    DuplicateColumn { path: PathBuf, column: String },
}

impl ReadError {
    /// The file or folder the error is about.
    pub fn path(&self) -> &std::path::Path {
        match self {
            ReadError::Io { path, .. }
            | ReadError::NotADirectory { path }
            | ReadError::UnknownFormat { path }
            | ReadError::Empty { path }
            | ReadError::MissingColumns { path, .. }
            | ReadError::DuplicateColumn { path, .. } => path,
            ReadError::BothFormats { csv, .. } => csv,
        }
    }
}

/// One problem with one row (or a warning about a file): where, which field, why, and the raw row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub file: PathBuf,
    /// Physical line in the file (the header is line 1); 0 when the problem is about the whole file.
    pub line: u64,
    pub field: Option<String>,
    pub reason: String,
    /// The row as read (lossily decoded, capped at [`crate::read::MAX_RAW_BYTES`]).
    pub raw: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.file.display(), self.line)?;
        if let Some(field) = &self.field {
            write!(f, " [{field}]")?;
        }
        write!(f, ": {}", self.reason)
    }
}
