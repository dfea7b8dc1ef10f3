//! Integration tests of the `fanzha` binary: ingest (idempotence, updates, flags, rejects, crash safety) and stats.

mod api_http;
mod clusters;
mod console;
mod crash;
mod docs;
mod export;
mod ingest;
mod money;
mod outreach;
mod pipeline;
mod score;
mod search_index;
mod stats;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use rusqlite::Connection;

pub const RES_HEADER: &str = "resident_id,birth_year,gender,district,community";
pub const REP_HEADER: &str = "report_id,reported_at,district,community,victim_id,fraud_type,loss_yuan,narrative";

/// Runs `fanzha ARGS… --data-dir DATA --quiet`.
pub fn fanzha(data: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_fanzha"))
        .args(args)
        .arg("--data-dir")
        .arg(data)
        .arg("--quiet")
        .output()
        .expect("the fanzha binary runs")
}

/// Runs `fanzha ingest DIR` and returns (exit code, stdout).
pub fn ingest(dir: &Path, data: &Path) -> (i32, String) {
    let out = fanzha(data, &["ingest", dir.to_str().unwrap()]);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let code = out.status.code().expect("exited normally");
    assert!(code != 1, "ingest failed: {}", String::from_utf8_lossy(&out.stderr));
    (code, stdout)
}

/// Writes `files` (name, content) into a fresh folder.
pub fn folder(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, body) in files {
        std::fs::write(dir.path().join(name), body).unwrap();
    }
    dir
}

pub fn store(data: &Path) -> Connection {
    Connection::open(data.join("fanzha.sqlite")).unwrap()
}

pub fn count(c: &Connection, sql: &str) -> i64 {
    c.query_row(sql, [], |r| r.get(0)).unwrap()
}

/// Per-file counts of the latest run: file → [accepted, updated, unchanged, rejected, flagged].
pub fn last_run(c: &Connection) -> Vec<(String, [i64; 5])> {
    let mut stmt = c
        .prepare(
            "SELECT file, accepted, updated, unchanged, rejected, flagged FROM run_files
             WHERE run_id = (SELECT MAX(run_id) FROM runs) ORDER BY rowid",
        )
        .unwrap();
    stmt.query_map([], |r| Ok((r.get(0)?, [r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?])))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

pub fn example_district() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../datasets/examples/district")
}

/// A synthetic district (the interchange files, without truth/) written into a fresh folder; `incidence` raises or
/// lowers the generator's 万人发案率.
pub fn generated_district(residents: u32, weeks: u32, seed: u64, incidence: Option<f64>) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = datasets::generate::Config::new(residents, weeks, seed);
    if let Some(rate) = incidence {
        cfg.rates.incidence_per_10k_year = rate;
    }
    let cfg = cfg.validate().unwrap();
    let mut sink = datasets::generate::MemorySink::new();
    datasets::generate::generate(&cfg, &mut sink, &mut |_| {}).unwrap();
    for (name, body) in sink.files() {
        if !name.contains('/') {
            std::fs::write(dir.path().join(name), body).unwrap();
        }
    }
    dir
}
