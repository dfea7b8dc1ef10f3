//! Crash safety: an ingest killed with SIGKILL at any moment leaves a consistent store, and re-running completes
//! it to exactly the state of one uninterrupted run.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::io::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

use rusqlite::types::ValueRef;

use crate::*;

const RESIDENTS: usize = 120_000;
const REPORTS: usize = 80_000;
const BATCH: i64 = 10_000;

fn write_sample(dir: &Path) {
    let mut res = std::io::BufWriter::new(std::fs::File::create(dir.join("residents.csv")).unwrap());
    writeln!(res, "{RES_HEADER},phones").unwrap();
    for i in 0..RESIDENTS {
        writeln!(res, "P{i:06},{},{},310115,社区{},139{i:08}", 1930 + i % 80, ["m", "f"][i % 2], i % 13).unwrap();
    }
    res.flush().unwrap();
    let mut rep = std::io::BufWriter::new(std::fs::File::create(dir.join("reports.csv")).unwrap());
    writeln!(rep, "{REP_HEADER}").unwrap();
    for i in 0..REPORTS {
        // Every 97th victim is unknown, so flags are part of the compared state.
        let victim = if i % 97 == 0 { format!("X{i}") } else { format!("P{:06}", i * 7 % RESIDENTS) };
        writeln!(
            rep,
            "R{i:06},2026-{:02}-{:02} 10:00:00,310115,,{victim},刷单返利,{}.{:02},叙述{i}",
            i % 12 + 1,
            i % 28 + 1,
            i % 5000,
            i % 100
        )
        .unwrap();
    }
    rep.flush().unwrap();
}

fn spawn(dir: &Path, data: &Path) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_fanzha"))
        .args(["ingest", dir.to_str().unwrap(), "--quiet", "--data-dir", data.to_str().unwrap()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

/// A checksum of the stored data: every record and history table in id order without the run bookkeeping
/// columns (`run_id`, `ingested_at`, `superseded_*`), and the flags without their run.
fn checksum(data: &Path) -> (Vec<i64>, u64) {
    let c = store(data);
    let mut h = DefaultHasher::new();
    let mut counts = Vec::new();
    for (table, skip) in [("residents", 2), ("reports", 2), ("reports_history", 4), ("flags", 1)] {
        counts.push(count(&c, &format!("SELECT COUNT(*) FROM {table}")));
        let mut stmt = c.prepare(&format!("SELECT * FROM {table} ORDER BY 1, 2")).unwrap();
        let n = stmt.column_count() - skip;
        let mut rows = stmt.query([]).unwrap();
        while let Some(row) = rows.next().unwrap() {
            for i in 0..n {
                match row.get_ref(i).unwrap() {
                    ValueRef::Null => 0u8.hash(&mut h),
                    ValueRef::Integer(v) => v.hash(&mut h),
                    ValueRef::Text(t) => t.hash(&mut h),
                    other => panic!("unexpected value {other:?}"),
                }
            }
        }
    }
    (counts, h.finish())
}

fn integrity_ok(data: &Path) {
    let c = store(data);
    let check: String = c.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
    assert_eq!(check, "ok");
}

#[test]
fn sigkill_at_any_moment_then_rerun_equals_an_uninterrupted_ingest() {
    let input = tempfile::tempdir().unwrap();
    write_sample(input.path());

    let reference = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let (code, stdout) = ingest(input.path(), reference.path());
    let full = started.elapsed();
    assert_eq!(code, 0, "{stdout}");
    let expected = checksum(reference.path());
    assert_eq!(expected.0[..2], [RESIDENTS as i64, REPORTS as i64]);
    assert!(expected.0[3] > 0, "the sample has flagged references");

    let mut kills: Vec<(f64, i64, i64)> = Vec::new();
    // Each plan kills the ingest after the given fractions of a full run's time, one after another in the same
    // data folder, then lets a last run complete.
    for plan in [&[0.2, 0.45][..], &[0.75][..]] {
        let data = tempfile::tempdir().unwrap();
        for fraction in plan {
            let mut child = spawn(input.path(), data.path());
            std::thread::sleep(full.mul_f64(*fraction));
            let was_running = child.try_wait().unwrap().is_none();
            child.kill().unwrap(); // SIGKILL
            child.wait().unwrap();
            if !data.path().join("fanzha.sqlite").exists() {
                continue;
            }
            integrity_ok(data.path());
            let c = store(data.path());
            let (res, rep) = (count(&c, "SELECT COUNT(*) FROM residents"), count(&c, "SELECT COUNT(*) FROM reports"));
            // Whole batches only: each table holds a multiple of the batch size or the whole file.
            assert!(res % BATCH == 0 || res == RESIDENTS as i64, "residents {res}");
            assert!(rep % BATCH == 0 || rep == REPORTS as i64, "reports {rep}");
            if was_running {
                kills.push((*fraction, res, rep));
            }
        }
        let (code, _) = ingest(input.path(), data.path());
        assert_eq!(code, 0);
        integrity_ok(data.path());
        assert_eq!(checksum(data.path()), expected, "after kills at {plan:?}");
        let c = store(data.path());
        assert!(count(&c, "SELECT COUNT(*) FROM runs WHERE status = 'interrupted'") <= plan.len() as i64);
        assert_eq!(count(&c, "SELECT COUNT(*) FROM runs WHERE status = 'running'"), 0);
    }
    // The test means something only if some kill landed mid-ingest with part of the data stored.
    eprintln!("full run {full:?}; kills (fraction, residents, reports): {kills:?}");
    let total = (RESIDENTS + REPORTS) as i64;
    assert!(
        kills.iter().any(|(_, res, rep)| res + rep > 0 && res + rep < total),
        "no kill interrupted a partly written ingest (full run took {full:?}): {kills:?}"
    );
}
