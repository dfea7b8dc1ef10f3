//! CSV / JSON Lines readers for the interchange format, reporting every bad row.
//!
//! [`find_tables`] lists the interchange files of a folder; [`TableReader`] streams one file as parsed records,
//! yielding a [`Diagnostic`] for every bad row (file, physical line, field, reason, the raw row) instead of
//! stopping at the first. Encoding: a UTF-8 BOM is stripped; a file that is not UTF-8 but decodes cleanly as
//! GB18030 is converted (with a warning); otherwise rows holding invalid bytes are rejected.
//!
//! ```
//! use datasets::Table;
//! use datasets::read::{TableReader, find_tables};
//!
//! let found = find_tables("examples/district".as_ref()).unwrap();
//! let mut rows = TableReader::open(Table::Reports, found.get(Table::Reports).unwrap()).unwrap();
//! let (good, bad): (Vec<_>, Vec<_>) = rows.by_ref().partition(|row| row.is_ok());
//! assert_eq!((good.len(), bad.len()), (10, 0));
//! assert!(rows.warnings().is_empty());
//! ```
//!
//! Layout:
//! - `error`: [`ReadError`] (file-level problems) and [`Diagnostic`] (row-level problems and warnings).
//! - `find`: [`find_tables`], the folder scan.
//! - `decode`: encoding sniffing and the streaming GB18030 → UTF-8 converter.
//! - `table`: [`TableReader`], the streaming CSV / JSONL row reader.
//! - `row`: the CSV header check and column mapping, JSON values as text, raw-row rendering and capping.

mod decode;
mod error;
mod find;
mod row;
mod table;
#[cfg(test)]
mod tests;

pub use decode::TextEncoding;
pub use error::{Diagnostic, ReadError};
pub use find::{TableFiles, find_tables};
pub use row::MAX_RAW_BYTES;
pub use table::{IdHashHasher, IdHashMap, MAX_FIELD_BYTES, RowResult, TableReader, id_hash};
