//! Integration tests of case search over external data (`FANZHA_EXTERNAL_DATA`; skipped when unset).
//!
//! - `cail`: CAIL2018 court facts: label queries ranked against `meta.accusation` (precision@10, recall@100) beside a
//!   character-unigram BM25 baseline; every phone and card number in the facts found in three written forms.
//! - `telecom`: fraud SMS scripts vs genuine SMS: key phrases derived from a training split, evaluated on the rest.

mod baseline;
mod cail;
mod telecom;

use std::path::PathBuf;
use std::sync::LazyLock;

use search::{Analyzer, AnalyzerOptions};

/// The external data folder, or `None` (with a printed reason) when the variable is unset.
pub fn data_dir() -> Option<PathBuf> {
    match std::env::var_os("FANZHA_EXTERNAL_DATA") {
        Some(d) => Some(PathBuf::from(d)),
        None => {
            eprintln!("skipped: FANZHA_EXTERNAL_DATA is not set");
            None
        }
    }
}

pub static ANALYZER: LazyLock<Analyzer> = LazyLock::new(|| Analyzer::new(&AnalyzerOptions::default()).unwrap());

/// Precision of the first 10 and recall of the first 100 of `ranked`, for a relevance predicate.
pub fn p10_r100(ranked: &[usize], relevant: impl Fn(usize) -> bool, n_relevant: usize) -> (f64, f64) {
    let p10 = ranked.iter().take(10).filter(|&&d| relevant(d)).count() as f64 / 10.0;
    let r100 = ranked.iter().take(100).filter(|&&d| relevant(d)).count() as f64 / n_relevant.max(1) as f64;
    (p10, r100)
}
