//! Finding the interchange files of a folder.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::read::ReadError;
use crate::records::Table;

/// The interchange files found in a folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableFiles {
    /// One file per table present, in ingest order ([`Table::ALL`]).
    pub tables: Vec<(Table, PathBuf)>,
    /// Entries that are not interchange files (other names, extensions, sub-folders), sorted.
    pub ignored: Vec<PathBuf>,
}

impl TableFiles {
    /// The file for `table`, if present.
    pub fn get(&self, table: Table) -> Option<&Path> {
        self.tables.iter().find(|(t, _)| *t == table).map(|(_, p)| p.as_path())
    }
}

/// Lists `<table>.csv` / `<table>.jsonl` files in `dir` (not recursive). Having both formats for one table is an
/// error; anything else is listed in [`TableFiles::ignored`].
pub fn find_tables(dir: &Path) -> Result<TableFiles, ReadError> {
    let io = |source| ReadError::Io { path: dir.to_path_buf(), source };
    if !dir.is_dir() {
        return Err(if dir.exists() {
            ReadError::NotADirectory { path: dir.to_path_buf() }
        } else {
            io(std::io::Error::new(std::io::ErrorKind::NotFound, "no such folder"))
        });
    }
    let mut csv: BTreeMap<Table, PathBuf> = BTreeMap::new();
    let mut jsonl: BTreeMap<Table, PathBuf> = BTreeMap::new();
    let mut ignored = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(io)? {
        let path = entry.map_err(io)?.path();
        let stem = path.file_stem().and_then(|s| s.to_str()).map(str::to_ascii_lowercase);
        let ext = path.extension().and_then(|s| s.to_str()).map(str::to_ascii_lowercase);
        let table = stem.as_deref().and_then(Table::from_name).filter(|_| path.is_file());
        match (table, ext.as_deref()) {
            (Some(t), Some("csv")) => {
                csv.insert(t, path);
            }
            (Some(t), Some("jsonl")) => {
                jsonl.insert(t, path);
            }
            _ => ignored.push(path),
        }
    }
    let mut tables = Vec::new();
    for t in Table::ALL {
        match (csv.remove(&t), jsonl.remove(&t)) {
            (Some(c), Some(j)) => return Err(ReadError::BothFormats { table: t.name(), csv: c, jsonl: j }),
            (Some(p), None) | (None, Some(p)) => tables.push((t, p)),
            (None, None) => {}
        }
    }
    ignored.sort();
    Ok(TableFiles { tables, ignored })
}
