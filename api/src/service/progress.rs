//! How a long service call reports progress without printing: the edge passes a [`Progress`] (the CLI a progress
//! bar per file read or table written; HTTP and tests [`Silent`]).

use std::path::Path;

/// Receives progress through the files a service call reads.
pub trait Progress {
    /// Reading `path` begins.
    fn start_file(&self, path: &Path);
    /// `bytes` of the current file are done.
    fn file_position(&self, bytes: u64);
    /// The current file is done.
    fn finish_file(&self);
    /// Writing `rows` rows of `what` begins; the positions that follow count rows, until `finish_file`.
    fn start_rows(&self, what: &str, rows: u64) {
        let _ = (what, rows);
    }
}

/// Progress that goes nowhere.
#[derive(Debug, Clone, Copy, Default)]
pub struct Silent;

impl Progress for Silent {
    fn start_file(&self, _: &Path) {}
    fn file_position(&self, _: u64) {}
    fn finish_file(&self) {}
}
