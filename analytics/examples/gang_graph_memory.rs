//! Memory and time of the gang graph at scale (issue 3, point 1): builds a `GangGraph` from synthetic transfers
//! streamed over synthetic card accounts, clusters it, and prints the process's peak resident memory.
//!
//! `cargo run --release -p analytics --example gang_graph_memory -- [TRANSFERS [ACCOUNTS [REPORTS]]]`
//! (defaults: 10,000,000 transfers, 2,000,000 accounts, 100,000 reports, each report paying one account).

use std::time::Instant;

use analytics::{GangGraph, GangParams, HubPolicy, ReportInput, TransferInput, cluster_gangs};
use datasets::FraudType;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const YEAR: i64 = 365 * 86_400;
const START: i64 = 1_735_660_800;

/// Peak and current resident memory in MiB, from /proc/self/status (Linux; `None` elsewhere).
fn memory_mib() -> Option<(f64, f64)> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let field = |name: &str| -> Option<f64> {
        let line = status.lines().find(|l| l.starts_with(name))?;
        let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
        Some(kib / 1024.0)
    };
    Some((field("VmHWM:")?, field("VmRSS:")?))
}

fn report_memory(stage: &str) {
    match memory_mib() {
        Some((peak, now)) => println!("{stage}: peak RSS {peak:.0} MiB, current RSS {now:.0} MiB"),
        None => println!("{stage}: memory figures need /proc/self/status"),
    }
}

/// A 19-digit card number for account `i` (distinct for distinct `i`).
fn card(i: u64) -> String {
    format!("622202{:013}", i.wrapping_mul(2_654_435_761) % 10_000_000_000_000)
}

fn arg(n: usize, default: u64) -> Result<u64, String> {
    match std::env::args().nth(n) {
        None => Ok(default),
        Some(s) => s.replace('_', "").parse().map_err(|_| format!("argument {n}: not a count: {s:?}")),
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let transfers = arg(1, 10_000_000)?;
    let accounts = arg(2, 2_000_000)?.max(2);
    let n_reports = arg(3, 100_000)?.min(transfers);
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    let reports: Vec<ReportInput> = (0..n_reports)
        .map(|i| {
            let at = START + rng.gen_range(0..YEAR);
            ReportInput {
                phones: vec![format!("138{:08}", rng.gen_range(0..n_reports * 3))],
                ..ReportInput::new(format!("R{i:08}"), at, FraudType::FakeCustomerService)
            }
        })
        .collect();
    report_memory("reports made");

    // Transfers are streamed: the first `n_reports` are victims' payments, the rest random account-to-account moves.
    let mut trng = ChaCha8Rng::seed_from_u64(2);
    let stream = (0..transfers).map(move |i| {
        let from = trng.gen_range(0..accounts);
        let mut to = trng.gen_range(0..accounts);
        if to == from {
            to = (to + 1) % accounts;
        }
        TransferInput {
            from_account: card(from),
            to_account: card(to),
            amount_fen: trng.gen_range(100..10_000_000),
            at: START + trng.gen_range(0..YEAR),
            report_id: (i < n_reports).then(|| format!("R{i:08}")),
            channel: None,
        }
    });
    let t = Instant::now();
    let graph = GangGraph::build(&reports, stream);
    println!(
        "graph built in {:.1} s: {} reports, {} entities, {} transfers",
        t.elapsed().as_secs_f64(),
        graph.report_count(),
        graph.entity_count(),
        graph.transfer_count()
    );
    report_memory("graph built");

    let t = Instant::now();
    let out = cluster_gangs(&graph, &GangParams::defaults(1), &HubPolicy::shipped()?, &[])?;
    println!(
        "clustered in {:.1} s: {} clusters, {} hubs, {} services",
        t.elapsed().as_secs_f64(),
        out.clusters.len(),
        out.hubs.len(),
        out.services.len()
    );
    report_memory("clustered");
    Ok(())
}
