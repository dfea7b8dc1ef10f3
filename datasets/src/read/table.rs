//! [`TableReader`]: streams one CSV or JSON Lines file as parsed records, one [`Diagnostic`] per bad field.

use std::collections::{BTreeSet, HashMap};
use std::fs::File;
use std::hash::{BuildHasherDefault, DefaultHasher, Hash, Hasher};
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use csv::ByteRecord;
use serde_json::Value;

use crate::read::decode::{CrlfToLf, Gb18030Reader, TextEncoding, sniff};
use crate::read::row::{CsvHeader, CsvRow, JsonRow, cap_raw, column_name, json_text, raw_csv, read_csv_header};
use crate::read::{Diagnostic, ReadError};
use crate::records::{Record, RowSource, Table};

/// The largest accepted field (a 10 MB narrative is fine); larger fields reject their row.
pub const MAX_FIELD_BYTES: usize = 16 * 1024 * 1024;

/// One item of a [`TableReader`]: the row's physical line and record, or its problems (one per bad field, all
/// on the same line; never empty).
pub type RowResult = Result<(u64, Record), Vec<Diagnostic>>;

/// Streams the rows of one interchange file; memory does not grow with the file (except one id hash per row
/// for the duplicate check).
pub struct TableReader {
    table: Table,
    path: PathBuf,
    encoding: TextEncoding,
    warnings: Vec<Diagnostic>,
    format: Format,
    /// 128-bit hash of each accepted id → the line it was first seen on.
    seen: IdHashMap<u64>,
    finished: bool,
}

enum Format {
    Csv(CsvRows),
    Jsonl(JsonlRows),
}

struct CsvRows {
    reader: csv::Reader<Box<dyn Read + Send>>,
    /// For each field of the table (in `Table::fields` order), the column holding it.
    columns: Arc<[Option<usize>]>,
    width: usize,
    record: ByteRecord,
}

struct JsonlRows {
    reader: BufReader<Box<dyn Read + Send>>,
    line: u64,
    bytes: u64,
    buf: Vec<u8>,
    unknown: BTreeSet<String>,
}

impl TableReader {
    /// Opens `path` as a file of `table`; the format comes from the extension (`.csv` or `.jsonl`).
    /// Reads the file once to detect its encoding, then checks the CSV header.
    pub fn open(table: Table, path: &Path) -> Result<TableReader, ReadError> {
        let io = |source| ReadError::Io { path: path.to_path_buf(), source };
        let ext = path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
        let is_csv = match ext.as_deref() {
            Some("csv") => true,
            Some("jsonl") => false,
            _ => return Err(ReadError::UnknownFormat { path: path.to_path_buf() }),
        };
        let sniffed = sniff(path).map_err(io)?;
        if sniffed.empty {
            return Err(ReadError::Empty { path: path.to_path_buf() });
        }
        let mut file = File::open(path).map_err(io)?;
        let mut warnings = Vec::new();
        let input: Box<dyn Read + Send> = match sniffed.encoding {
            TextEncoding::Utf8 { bom: true } => {
                file.seek(SeekFrom::Start(3)).map_err(io)?;
                Box::new(file)
            }
            TextEncoding::Utf8 { bom: false } | TextEncoding::InvalidUtf8 { .. } => Box::new(file),
            TextEncoding::Gb18030 => {
                warnings.push(Diagnostic {
                    file: path.to_path_buf(),
                    line: 0,
                    field: None,
                    reason: "file is not UTF-8; it was detected as GB18030 and converted to UTF-8".into(),
                    raw: String::new(),
                });
                Box::new(Gb18030Reader::new(file))
            }
        };
        let format = if is_csv {
            {
                let CsvHeader { reader, columns, width } =
                    read_csv_header(table, path, Box::new(CrlfToLf::new(input)), &mut warnings)?;
                Format::Csv(CsvRows { reader, columns: columns.into(), width, record: ByteRecord::new() })
            }
        } else {
            Format::Jsonl(JsonlRows {
                reader: BufReader::with_capacity(64 * 1024, input),
                line: 0,
                bytes: 0,
                buf: Vec::new(),
                unknown: BTreeSet::new(),
            })
        };
        Ok(TableReader {
            table,
            path: path.to_path_buf(),
            encoding: sniffed.encoding,
            warnings,
            format,
            seen: HashMap::default(),
            finished: false,
        })
    }

    /// The table being read.
    pub fn table(&self) -> Table {
        self.table
    }

    /// The file being read.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The detected encoding.
    pub fn encoding(&self) -> TextEncoding {
        self.encoding
    }

    /// Warnings about the file so far (encoding converted, unknown columns ignored); rows are not rejected for
    /// these. Complete once the iterator is exhausted.
    pub fn warnings(&self) -> &[Diagnostic] {
        &self.warnings
    }

    /// Bytes of (decoded) input consumed so far, for progress display.
    pub fn bytes_read(&self) -> u64 {
        match &self.format {
            Format::Csv(c) => c.reader.position().byte(),
            Format::Jsonl(j) => j.bytes,
        }
    }

    fn diag(&self, line: u64, field: Option<&str>, reason: String, raw: &str) -> Diagnostic {
        Diagnostic { file: self.path.clone(), line, field: field.map(str::to_string), reason, raw: raw.to_string() }
    }

    /// Parses one row through `source`, then checks the id for duplicates.
    fn finish_row(&mut self, line: u64, source: &dyn RowSource, raw: impl FnOnce() -> String) -> RowResult {
        match Record::parse(self.table, source) {
            Ok(rec) => {
                let key = id_hash(rec.id());
                if let Some(&first) = self.seen.get(&key) {
                    let reason = format!("duplicate id {:?}: first seen on line {first}", rec.id());
                    return Err(vec![self.diag(line, Some(self.table.id_field()), reason, &raw())]);
                }
                self.seen.insert(key, line);
                Ok((line, rec))
            }
            Err(errors) => {
                let raw = raw();
                Err(errors.iter().map(|e| self.diag(line, Some(e.field), e.problem.to_string(), &raw)).collect())
            }
        }
    }

    fn next_csv(&mut self) -> Option<RowResult> {
        let Format::Csv(rows) = &mut self.format else { return None };
        let result = rows.reader.read_byte_record(&mut rows.record);
        let line = rows.record.position().map_or(0, |p| p.line());
        match result {
            Ok(false) => None,
            Err(e) => {
                if matches!(e.kind(), csv::ErrorKind::Io(_)) {
                    self.finished = true;
                }
                let line = e.position().map_or(line, |p| p.line());
                Some(Err(vec![self.diag(line, None, format!("unreadable CSV: {e}"), "")]))
            }
            Ok(true) => {
                let Format::Csv(rows) = &mut self.format else { return None };
                let record = std::mem::take(&mut rows.record);
                let out = self.csv_row(line, &record);
                if let Format::Csv(rows) = &mut self.format {
                    rows.record = record;
                }
                Some(out)
            }
        }
    }

    fn csv_row(&mut self, line: u64, record: &ByteRecord) -> RowResult {
        let Format::Csv(rows) = &self.format else { unreachable!("csv_row is only called for CSV files") };
        let (width, columns) = (rows.width, Arc::clone(&rows.columns));
        let raw = || raw_csv(record);
        if record.len() != width {
            let reason = format!("row has {} fields; the header has {width}", record.len());
            return Err(vec![self.diag(line, None, reason, &raw())]);
        }
        let mut values = Vec::with_capacity(record.len());
        let mut problems = Vec::new();
        for (i, bytes) in record.iter().enumerate() {
            if bytes.len() > MAX_FIELD_BYTES {
                let reason = format!("field is {} bytes; the limit is {MAX_FIELD_BYTES}", bytes.len());
                problems.push((column_name(self.table, &columns, i), reason));
                values.push("");
                continue;
            }
            match std::str::from_utf8(bytes) {
                Ok(s) => values.push(s),
                Err(e) => {
                    let reason = format!("invalid UTF-8 at byte {} of the field", e.valid_up_to());
                    problems.push((column_name(self.table, &columns, i), reason));
                    values.push("");
                }
            }
        }
        if !problems.is_empty() {
            let raw = raw();
            return Err(problems.into_iter().map(|(f, r)| self.diag(line, f.as_deref(), r, &raw)).collect());
        }
        let source = CsvRow { table: self.table, columns: &columns, values };
        self.finish_row(line, &source, raw)
    }

    fn next_jsonl(&mut self) -> Option<RowResult> {
        loop {
            let Format::Jsonl(rows) = &mut self.format else { return None };
            rows.buf.clear();
            let n = match rows.reader.read_until(b'\n', &mut rows.buf) {
                Ok(n) => n,
                Err(e) => {
                    self.finished = true;
                    let line = rows.line + 1;
                    return Some(Err(vec![self.diag(line, None, format!("read error: {e}"), "")]));
                }
            };
            if n == 0 {
                return None;
            }
            rows.line += 1;
            rows.bytes += n as u64;
            let line = rows.line;
            let mut bytes = std::mem::take(&mut rows.buf);
            while bytes.last().is_some_and(|b| *b == b'\n' || *b == b'\r') {
                bytes.pop();
            }
            let out = if bytes.iter().all(u8::is_ascii_whitespace) { None } else { Some(self.jsonl_row(line, &bytes)) };
            if let Format::Jsonl(rows) = &mut self.format {
                rows.buf = bytes;
            }
            if out.is_some() {
                return out;
            }
        }
    }

    fn jsonl_row(&mut self, line: u64, bytes: &[u8]) -> RowResult {
        let raw = || cap_raw(&String::from_utf8_lossy(bytes));
        let text = match std::str::from_utf8(bytes) {
            Ok(t) => t,
            Err(e) => {
                let reason = format!("invalid UTF-8 at byte {} of the line", e.valid_up_to());
                return Err(vec![self.diag(line, None, reason, &raw())]);
            }
        };
        let object = match serde_json::from_str::<Value>(text) {
            Ok(Value::Object(map)) => map,
            Ok(_) => return Err(vec![self.diag(line, None, "line is not a JSON object".into(), &raw())]),
            Err(e) => return Err(vec![self.diag(line, None, format!("invalid JSON: {e}"), &raw())]),
        };
        let fields = self.table.fields();
        let mut values: HashMap<String, String> = HashMap::with_capacity(object.len());
        let mut problems = Vec::new();
        for (key, value) in object {
            let key = key.trim().to_ascii_lowercase();
            if !fields.contains(&key.as_str()) {
                let Format::Jsonl(rows) = &mut self.format else { unreachable!("jsonl_row on a JSONL file") };
                if rows.unknown.insert(key.clone()) {
                    let d = self.diag(line, Some(&key), "unknown field ignored".into(), "");
                    self.warnings.push(d);
                }
                continue;
            }
            match json_text(&value) {
                Ok(Some(s)) if s.len() > MAX_FIELD_BYTES => {
                    problems.push((key, format!("field is {} bytes; the limit is {MAX_FIELD_BYTES}", s.len())))
                }
                Ok(Some(s)) => {
                    values.insert(key, s);
                }
                Ok(None) => {}
                Err(reason) => problems.push((key, reason.to_string())),
            }
        }
        if !problems.is_empty() {
            let raw = raw();
            return Err(problems.into_iter().map(|(f, r)| self.diag(line, Some(&f), r, &raw)).collect());
        }
        self.finish_row(line, &JsonRow(values), raw)
    }
}

impl Iterator for TableReader {
    type Item = RowResult;

    fn next(&mut self) -> Option<RowResult> {
        if self.finished {
            return None;
        }
        let item = match self.format {
            Format::Csv(_) => self.next_csv(),
            Format::Jsonl(_) => self.next_jsonl(),
        };
        if item.is_none() {
            self.finished = true;
        }
        item
    }
}

/// A 128-bit hash of a record id (two independently keyed 64-bit hashes): the key of the duplicate check here and
/// of the store's in-memory id maps. Collisions are negligible at 2^-128 per pair.
pub fn id_hash(id: &str) -> u128 {
    let mut a = DefaultHasher::new();
    id.hash(&mut a);
    let mut b = DefaultHasher::new();
    0x9e37_79b9_7f4a_7c15_u64.hash(&mut b);
    id.hash(&mut b);
    (u128::from(a.finish()) << 64) | u128::from(b.finish())
}

/// A map keyed by [`id_hash`]es.
pub type IdHashMap<V> = HashMap<u128, V, BuildHasherDefault<IdHashHasher>>;

/// The hasher of [`IdHashMap`]: its keys are [`id_hash`]es, already uniform, so their low 64 bits are used as they
/// are instead of being hashed again (on every insert and on every growth of the map).
#[derive(Default)]
pub struct IdHashHasher(u64);

impl Hasher for IdHashHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }

    fn write_u128(&mut self, k: u128) {
        self.0 = k as u64;
    }
}
