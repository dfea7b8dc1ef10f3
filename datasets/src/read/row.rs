//! How one row is seen: the CSV header check and column mapping, JSON values as field text, raw-row rendering.

use std::collections::{BTreeSet, HashMap};
use std::io::Read;
use std::path::Path;

use csv::ByteRecord;
use serde_json::Value;

use crate::read::{Diagnostic, ReadError};
use crate::records::{RowSource, Table};

/// Raw rows in diagnostics are cut to this many bytes.
pub const MAX_RAW_BYTES: usize = 64 * 1024;

/// A CSV reader positioned after a checked header.
pub(crate) struct CsvHeader {
    pub reader: csv::Reader<Box<dyn Read + Send>>,
    /// For each field of the table (in `Table::fields` order), the column holding it.
    pub columns: Vec<Option<usize>>,
    /// The number of columns.
    pub width: usize,
}

/// Reads and checks the header: required columns present, no duplicates; unknown columns are warnings.
pub(crate) fn read_csv_header(
    table: Table,
    path: &Path,
    input: Box<dyn Read + Send>,
    warnings: &mut Vec<Diagnostic>,
) -> Result<CsvHeader, ReadError> {
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(input);
    let mut header = ByteRecord::new();
    match reader.read_byte_record(&mut header) {
        Ok(true) => {}
        Ok(false) => return Err(ReadError::Empty { path: path.to_path_buf() }),
        Err(e) => {
            let source = match e.into_kind() {
                csv::ErrorKind::Io(io) => io,
                other => std::io::Error::other(format!("{other:?}")),
            };
            return Err(ReadError::Io { path: path.to_path_buf(), source });
        }
    }
    let names: Vec<String> = header
        .iter()
        .map(|b| String::from_utf8_lossy(b).trim().trim_start_matches('\u{feff}').to_ascii_lowercase())
        .collect();
    let missing: Vec<&'static str> =
        table.required().iter().copied().filter(|r| !names.iter().any(|n| n == r)).collect();
    if !missing.is_empty() {
        return Err(ReadError::MissingColumns { path: path.to_path_buf(), missing, found: names });
    }
    let fields = table.fields();
    let mut columns = vec![None; fields.len()];
    let mut seen = BTreeSet::new();
    for (i, name) in names.iter().enumerate() {
        if !name.is_empty() && !seen.insert(name.as_str()) {
            return Err(ReadError::DuplicateColumn { path: path.to_path_buf(), column: name.clone() });
        }
        match fields.iter().position(|f| f == name) {
            Some(f) => columns[f] = Some(i),
            None => warnings.push(Diagnostic {
                file: path.to_path_buf(),
                line: 1,
                field: Some(name.clone()),
                reason: if name.is_empty() { "unnamed column ignored" } else { "unknown column ignored" }.into(),
                raw: String::new(),
            }),
        }
    }
    Ok(CsvHeader { reader, columns, width: names.len() })
}

/// The table field stored in column `i`, if the column is a known field.
pub(crate) fn column_name(table: Table, columns: &[Option<usize>], i: usize) -> Option<String> {
    columns.iter().position(|c| *c == Some(i)).map(|f| table.fields()[f].to_string())
}

pub(crate) struct CsvRow<'a> {
    pub table: Table,
    pub columns: &'a [Option<usize>],
    pub values: Vec<&'a str>,
}

impl RowSource for CsvRow<'_> {
    fn raw(&self, field: &str) -> Option<&str> {
        let f = self.table.fields().iter().position(|name| *name == field)?;
        self.columns[f].and_then(|c| self.values.get(c).copied())
    }
}

pub(crate) struct JsonRow(pub HashMap<String, String>);

impl RowSource for JsonRow {
    fn raw(&self, field: &str) -> Option<&str> {
        self.0.get(field).map(String::as_str)
    }
}

/// A JSON value as field text: strings, numbers and booleans as written, arrays joined with `;`, null absent.
pub(crate) fn json_text(v: &Value) -> Result<Option<String>, &'static str> {
    fn scalar(v: &Value) -> Result<Option<String>, &'static str> {
        match v {
            Value::Null => Ok(None),
            Value::String(s) => Ok(Some(s.clone())),
            Value::Number(n) => Ok(Some(n.to_string())),
            Value::Bool(b) => Ok(Some(b.to_string())),
            Value::Array(_) | Value::Object(_) => Err("nested arrays and objects are not allowed"),
        }
    }
    match v {
        Value::Array(items) => {
            let mut parts = Vec::with_capacity(items.len());
            for item in items {
                if let Some(s) = scalar(item)? {
                    parts.push(s);
                }
            }
            Ok(Some(parts.join(";")))
        }
        Value::Object(_) => Err("objects are not allowed; expected a string, number, boolean or array"),
        other => scalar(other),
    }
}

/// A CSV record written back as one line (quoted where needed), lossily decoded and capped.
pub(crate) fn raw_csv(record: &ByteRecord) -> String {
    let mut w = csv::WriterBuilder::new().terminator(csv::Terminator::Any(b'\n')).from_writer(Vec::new());
    let text = match w.write_byte_record(record).and_then(|_| w.flush().map_err(csv::Error::from)) {
        Ok(()) => w.into_inner().map(|v| String::from_utf8_lossy(&v).into_owned()).unwrap_or_default(),
        Err(_) => String::new(),
    };
    cap_raw(text.trim_end_matches('\n'))
}

/// Cuts `s` to [`MAX_RAW_BYTES`] on a character boundary, saying how much was cut.
pub(crate) fn cap_raw(s: &str) -> String {
    if s.len() <= MAX_RAW_BYTES {
        return s.to_string();
    }
    let mut end = MAX_RAW_BYTES;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…[truncated; {} bytes in all]", &s[..end], s.len())
}
