//! `fanzha typologies [--kind KIND] [--json]`: laundering patterns (fan-in, fan-out, cycle, scatter-gather,
//! gather-scatter, stack, pass-through) in the store's transfers, with the documented default parameters.

use std::fmt::Write as _;
use std::path::Path;

use analytics::{Finding, TypologyKind, TypologyParams, detect};
use serde_json::{Value, json};

use crate::store::Store;
use crate::trace_cmd::{Names, load_graph, time, yuan};

/// The `fanzha typologies` arguments.
#[derive(Debug, clap::Args)]
pub struct TypologiesArgs {
    /// Only this pattern: fan-in, fan-out, cycle, scatter-gather, gather-scatter, stack or pass-through.
    #[arg(long)]
    pub kind: Option<String>,
    /// Findings listed per pattern in text output, largest amount first (all are in --json).
    #[arg(long, default_value_t = 10)]
    pub limit: usize,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
    /// Show victims' card numbers in full.
    #[arg(long)]
    pub unmasked: bool,
}

/// Runs `fanzha typologies`.
pub fn run(data_dir: &Path, args: &TypologiesArgs) -> anyhow::Result<String> {
    let kinds = match &args.kind {
        Some(k) => vec![TypologyKind::parse(k)?],
        None => TypologyKind::ALL.to_vec(),
    };
    let store = Store::open_existing(data_dir)?;
    let graph = load_graph(store.conn())?;
    let names = Names::new(&graph, args.unmasked);
    let params = TypologyParams::new();
    let mut all: Vec<(TypologyKind, Vec<Finding>)> = Vec::new();
    for kind in kinds {
        let mut found = detect(&graph, kind, &params)?;
        found.sort_by(|a, b| b.amount_fen.cmp(&a.amount_fen).then(a.first_at.cmp(&b.first_at)));
        all.push((kind, found));
    }
    if args.json {
        let value: Vec<Value> = all
            .iter()
            .flat_map(|(_, fs)| fs.iter())
            .map(|f| {
                json!({
                    "kind": f.kind.code(),
                    "accounts": f.accounts.iter().map(|&a| names.name(a)).collect::<Vec<_>>(),
                    "amount_yuan": yuan(f.amount_fen), "first_at": time(f.first_at), "last_at": time(f.last_at),
                    "transfers": f.transfers.iter().map(|&t| json!({
                        "from": names.name(graph.from(t)), "to": names.name(graph.to(t)),
                        "amount_yuan": yuan(graph.amount(t)), "at": time(graph.at(t)),
                        "channel": graph.channel(t).map(|c| c.code()),
                    })).collect::<Vec<_>>(),
                })
            })
            .collect();
        return Ok(format!("{}\n", serde_json::to_string_pretty(&value)?));
    }
    let mut s = format!("{} transfers over {} accounts\n", graph.transfer_count(), graph.account_count());
    for (kind, found) in &all {
        let _ = writeln!(s, "\n{}: {} finding(s)", kind.code(), found.len());
        for f in found.iter().take(args.limit) {
            let shown: Vec<String> = f.accounts.iter().take(8).map(|&a| names.name(a)).collect();
            let more = f.accounts.len().saturating_sub(8);
            let _ = writeln!(
                s,
                "  {}{}  ¥{} in {} transfers, {} .. {}",
                shown.join(", "),
                if more > 0 { format!(" (+{more} more)") } else { String::new() },
                yuan(f.amount_fen),
                f.transfers.len(),
                time(f.first_at),
                time(f.last_at)
            );
        }
        if found.len() > args.limit {
            let _ = writeln!(s, "  … {} more (see --json or raise --limit)", found.len() - args.limit);
        }
    }
    Ok(s)
}
