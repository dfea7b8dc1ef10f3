//! `fanzha typologies [--kind KIND] [--accounts] [--json]`: laundering patterns (fan-in, fan-out, cycle,
//! scatter-gather, gather-scatter, stack, pass-through, structuring) in the store's transfers, with the documented
//! default parameters; `--accounts` ranks accounts by how many patterns they take part in.

use std::fmt::Write as _;
use std::path::Path;

use analytics::{Finding, TypologyKind, TypologyParams, detect, score_accounts};
use serde_json::{Value, json};

use crate::store::Store;
use crate::trace_cmd::{Names, load_graph, time, yuan};

/// The `fanzha typologies` arguments.
#[derive(Debug, clap::Args)]
pub struct TypologiesArgs {
    /// Only this pattern: fan-in, fan-out, cycle, scatter-gather, gather-scatter, stack, pass-through or
    /// structuring.
    #[arg(long)]
    pub kind: Option<String>,
    /// Rank accounts instead: 2 points per pattern in which an account is a core member (hub, source, sender,
    /// cycle member), 1 per pattern in which it is only a counterparty.
    #[arg(long)]
    pub accounts: bool,
    /// Findings (or ranked accounts) listed per pattern in text output, largest amount first (all are in --json).
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
    if args.accounts {
        return ranking(&graph, &names, &all, args);
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

/// `--accounts`: accounts ranked by [`score_accounts`] over every finding of the patterns run.
fn ranking(
    graph: &analytics::TransferGraph,
    names: &Names<'_>,
    all: &[(TypologyKind, Vec<Finding>)],
    args: &TypologiesArgs,
) -> anyhow::Result<String> {
    let findings: Vec<Finding> = all.iter().flat_map(|(_, fs)| fs.iter().cloned()).collect();
    let ranked = score_accounts(graph, &findings);
    let kinds = |k: &[TypologyKind]| k.iter().map(|k| k.code()).collect::<Vec<_>>();
    if args.json {
        let value: Vec<Value> = ranked
            .iter()
            .map(|s| {
                json!({
                    "account": names.name(s.account), "points": s.points, "kinds": kinds(&s.kinds),
                    "core_findings": s.core, "findings": s.findings, "amount_yuan": yuan(s.amount_fen),
                })
            })
            .collect();
        return Ok(format!("{}\n", serde_json::to_string_pretty(&value)?));
    }
    let mut s = format!("{} account(s) in {} finding(s)\n", ranked.len(), findings.len());
    for r in ranked.iter().take(args.limit) {
        let _ = writeln!(
            s,
            "  {:>2} pts  {}  {} (core in {} of {} findings, ¥{})",
            r.points,
            names.name(r.account),
            kinds(&r.kinds).join(", "),
            r.core,
            r.findings,
            yuan(r.amount_fen)
        );
    }
    if ranked.len() > args.limit {
        let _ = writeln!(s, "  … {} more (see --json or raise --limit)", ranked.len() - args.limit);
    }
    Ok(s)
}
