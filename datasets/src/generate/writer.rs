//! Where the generator writes: the `DistrictSink` seam, an in-memory sink for tests, and a CSV writer wrapper.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::io::{self, Write};
use std::rc::Rc;

use super::GenerateError;

/// Receives the generated files. `api` creates real files; tests use [`MemorySink`].
pub trait DistrictSink {
    /// Opens a new, empty file at `path`, relative and `/`-separated (e.g. `reports.csv`, `truth/gangs.csv`).
    fn create(&mut self, path: &str) -> io::Result<Box<dyn Write>>;
}

/// An in-memory sink: every file is a byte buffer, listed by path.
#[derive(Debug, Default)]
pub struct MemorySink {
    files: BTreeMap<String, Rc<RefCell<Vec<u8>>>>,
}

impl MemorySink {
    /// An empty sink.
    pub fn new() -> MemorySink {
        MemorySink::default()
    }

    /// The files written so far, by path.
    pub fn files(&self) -> BTreeMap<String, Vec<u8>> {
        self.files.iter().map(|(k, v)| (k.clone(), v.borrow().clone())).collect()
    }
}

struct SharedBuf(Rc<RefCell<Vec<u8>>>);

impl Write for SharedBuf {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.borrow_mut().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl DistrictSink for MemorySink {
    fn create(&mut self, path: &str) -> io::Result<Box<dyn Write>> {
        let buf = Rc::new(RefCell::new(Vec::new()));
        self.files.insert(path.to_string(), buf.clone());
        Ok(Box::new(SharedBuf(buf)))
    }
}

/// One CSV output file with its path kept for error messages.
pub(crate) struct CsvOut {
    path: String,
    w: csv::Writer<Box<dyn Write>>,
}

fn csv_to_io(e: csv::Error) -> io::Error {
    match e.into_kind() {
        csv::ErrorKind::Io(io) => io,
        other => io::Error::other(format!("{other:?}")),
    }
}

impl CsvOut {
    /// Creates `path` in `sink` and writes the header row.
    pub(crate) fn create(sink: &mut dyn DistrictSink, path: &str, header: &[&str]) -> Result<CsvOut, GenerateError> {
        let inner = sink.create(path).map_err(|source| GenerateError::Write { path: path.to_string(), source })?;
        let mut out = CsvOut { path: path.to_string(), w: csv::WriterBuilder::new().from_writer(inner) };
        out.row(header)?;
        Ok(out)
    }

    /// Writes one row.
    pub(crate) fn row<I, T>(&mut self, fields: I) -> Result<(), GenerateError>
    where
        I: IntoIterator<Item = T>,
        T: AsRef<[u8]>,
    {
        self.w.write_record(fields).map_err(|e| GenerateError::Write { path: self.path.clone(), source: csv_to_io(e) })
    }

    /// Flushes buffered rows.
    pub(crate) fn finish(mut self) -> Result<(), GenerateError> {
        self.w.flush().map_err(|source| GenerateError::Write { path: self.path.clone(), source })
    }
}

/// Writes a whole text file.
pub(crate) fn write_text(sink: &mut dyn DistrictSink, path: &str, text: &str) -> Result<(), GenerateError> {
    let err = |source| GenerateError::Write { path: path.to_string(), source };
    let mut w = sink.create(path).map_err(err)?;
    w.write_all(text.as_bytes()).map_err(err)?;
    w.flush().map_err(err)
}
