//! Scale check of `TransferGraph`: builds a random graph of N transfers over M accounts (defaults 10M / 2M) and
//! prints the build time, the graph's heap estimate and the process's peak RSS, then one FIFO trace.
//!
//! `cargo run --release -p analytics --example money_scale -- 10000000 2000000`

use std::time::Instant;

use analytics::{Method, MoneyTransfer, TraceParams, TransferGraph, trace_downstream};
use datasets::TransferChannel;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn peak_rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

fn main() {
    let mut args = std::env::args().skip(1).map(|a| a.parse::<u64>().expect("numbers: TRANSFERS ACCOUNTS"));
    let transfers = args.next().unwrap_or(10_000_000);
    let accounts = args.next().unwrap_or(2_000_000);
    let mut rng = ChaCha8Rng::seed_from_u64(1);
    let started = Instant::now();
    let rows = (0..transfers).map(move |i| MoneyTransfer {
        from_account: format!("62220{:014}", rng.gen_range(0..accounts)),
        to_account: format!("62220{:014}", rng.gen_range(0..accounts)),
        amount_fen: rng.gen_range(100..10_000_000),
        at: 1_750_000_000 + rng.gen_range(0..365 * 86_400),
        channel: Some(TransferChannel::Bank),
        report_id: (i % 100_000 == 0).then(|| format!("R{i}")),
    });
    let g = TransferGraph::build(rows);
    println!(
        "{} transfers, {} accounts: built in {:.1}s, heap ≈ {:.0} MiB, peak RSS {:.0} MiB",
        g.transfer_count(),
        g.account_count(),
        started.elapsed().as_secs_f64(),
        g.heap_bytes() as f64 / 1_048_576.0,
        peak_rss_mib()
    );
    let started = Instant::now();
    let seeds = g.report_transfers("R0").expect("R0 was planted");
    let mut p = TraceParams::new(Method::Fifo);
    p.horizon_s = 30 * 86_400;
    let t = trace_downstream(&g, seeds, &p).expect("trace runs");
    println!(
        "FIFO trace over 30 days: {} trail nodes, {} holdings in {:.2}s; peak RSS {:.0} MiB",
        t.nodes.len(),
        t.holdings.len(),
        started.elapsed().as_secs_f64(),
        peak_rss_mib()
    );
}
