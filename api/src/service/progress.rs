//! How a long service call reports progress without printing: the edge passes a [`Progress`] (the CLI a progress
//! bar per file; HTTP and tests [`Silent`]).

use std::path::Path;

/// Receives progress through the files a service call reads.
pub trait Progress {
    /// Reading `path` begins.
    fn start_file(&self, path: &Path);
    /// `bytes` of the current file are done.
    fn file_position(&self, bytes: u64);
    /// The current file is done.
    fn finish_file(&self);
}

/// Progress that goes nowhere.
#[derive(Debug, Clone, Copy, Default)]
pub struct Silent;

impl Progress for Silent {
    fn start_file(&self, _: &Path) {}
    fn file_position(&self, _: u64) {}
    fn finish_file(&self) {}
}
