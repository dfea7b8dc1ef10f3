//! `fanzha trace (--report ID | --account KEY) [--method fifo|lifo|prorata|matched] [--upstream] [--json]`: where a
//! victim's money went (or who fed an account), from the store's transfers.

use std::collections::HashSet;
use std::fmt::Write as _;
use std::path::Path;

use analytics::{
    Method, MoneyError, MoneyTransfer, NodeEnd, Trace, TraceParams, TransferGraph, trace_downstream, trace_upstream,
};
use anyhow::{Context, bail};
use datasets::{Fen, Timestamp, TransferChannel};
use rusqlite::Connection;
use serde_json::{Value, json};

use crate::store::Store;

/// The `fanzha trace` arguments.
#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("start").required(true).args(["report", "account"])))]
pub struct TraceArgs {
    /// Trace the money the victim of this report paid (the transfers carrying its report id).
    #[arg(long)]
    pub report: Option<String>,
    /// Trace the money that left this account (any written form or its canonical key), or with --upstream who fed it.
    #[arg(long)]
    pub account: Option<String>,
    /// How a transfer is attributed to the sender's balance: fifo, lifo, prorata, or matched (a transfer passing on
    /// the amount of an earlier arrival carries that arrival's money; others take the newest money first).
    #[arg(long, default_value = "fifo")]
    pub method: String,
    /// With --method matched: a transfer up to this share below an arrival's amount still passes it on (0.02: a card
    /// keeping a 2% cut).
    #[arg(long, default_value_t = 0.0)]
    pub match_tolerance: f64,
    /// Trace upstream: who fed the account (needs --account).
    #[arg(long)]
    pub upstream: bool,
    /// Hops followed at most.
    #[arg(long, default_value_t = 8)]
    pub max_depth: u32,
    /// Days after the first traced transfer that are followed (downstream) or looked back per hop (upstream).
    #[arg(long, default_value_t = 90)]
    pub horizon_days: i64,
    /// Trail lines printed in text output (all are in --json).
    #[arg(long, default_value_t = 60)]
    pub limit: usize,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
    /// Show victims' card numbers in full.
    #[arg(long)]
    pub unmasked: bool,
}

/// Loads every transfer of the store into a [`TransferGraph`] (streamed; only the compact arrays are kept).
pub(crate) fn load_graph(conn: &Connection) -> anyhow::Result<TransferGraph> {
    let mut stmt =
        conn.prepare("SELECT from_account, to_account, amount_fen, at, channel, report_id FROM transfers")?;
    let mut failed: Option<rusqlite::Error> = None;
    let rows = stmt
        .query_map([], |r| {
            let channel: Option<String> = r.get(4)?;
            Ok(MoneyTransfer {
                from_account: r.get(0)?,
                to_account: r.get(1)?,
                amount_fen: r.get(2)?,
                at: r.get(3)?,
                channel: channel.as_deref().and_then(TransferChannel::parse),
                report_id: r.get(5)?,
            })
        })?
        .map_while(|row| match row {
            Ok(t) => Some(t),
            Err(e) => {
                failed = Some(e);
                None
            }
        });
    let graph = TransferGraph::build(rows);
    if let Some(e) = failed {
        return Err(e).context("reading transfers from the store");
    }
    if graph.transfer_count() == 0 {
        return Err(MoneyError::NoTransfers).context("ingest a folder with transfers.csv first");
    }
    Ok(graph)
}

/// Masks a victim's account for display: `card:6222021234567890128` → `6222 **** **** 0128`.
pub(crate) fn mask(key: &str) -> String {
    let (kind, id) = key.split_once(':').unwrap_or(("", key));
    let chars: Vec<char> = id.chars().collect();
    if chars.len() <= 8 {
        return format!("{kind}:****");
    }
    let head: String = chars[..4].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    if kind == "card" { format!("{head} **** **** {tail}") } else { format!("{kind}:{head}****{tail}") }
}

/// Account display names, with victims' cards masked unless `unmasked`.
pub(crate) struct Names<'a> {
    graph: &'a TransferGraph,
    victims: HashSet<u32>,
    unmasked: bool,
}

impl<'a> Names<'a> {
    pub(crate) fn new(graph: &'a TransferGraph, unmasked: bool) -> Names<'a> {
        Names { graph, victims: graph.victim_accounts().into_iter().collect(), unmasked }
    }

    pub(crate) fn name(&self, a: u32) -> String {
        let key = self.graph.key(a);
        if !self.unmasked && self.victims.contains(&a) { mask(key) } else { key.to_string() }
    }
}

pub(crate) fn yuan(fen: i64) -> String {
    Fen(fen).to_string()
}

pub(crate) fn time(t: i64) -> String {
    Timestamp(t).to_string()
}

fn duration(s: i64) -> String {
    match s {
        s if s < 60 => format!("{s}s"),
        s if s < 3_600 => format!("{}m{:02}s", s / 60, s % 60),
        s if s < 86_400 => format!("{}h{:02}m", s / 3_600, s % 3_600 / 60),
        s => format!("{}d{:02}h", s / 86_400, s % 86_400 / 3_600),
    }
}

/// Runs `fanzha trace`.
pub fn run(data_dir: &Path, args: &TraceArgs) -> anyhow::Result<String> {
    let method = Method::parse(&args.method)?;
    if args.match_tolerance != 0.0 && method != Method::Matched {
        bail!("--match-tolerance applies to --method matched only (got --method {})", method.code());
    }
    if args.upstream && args.account.is_none() {
        bail!("--upstream traces who fed an account: give --account KEY instead of --report");
    }
    if args.horizon_days < 0 {
        bail!("--horizon-days must not be negative (got {})", args.horizon_days);
    }
    let store = Store::open_existing(data_dir)?;
    let conn = store.conn();
    if let Some(id) = &args.report {
        let known: bool =
            conn.query_row("SELECT EXISTS(SELECT 1 FROM reports WHERE report_id = ?1)", [id.trim()], |r| r.get(0))?;
        if !known {
            bail!("unknown report {id:?}: no such report in the store");
        }
    }
    let graph = load_graph(conn)?;
    let mut params = TraceParams::new(method);
    params.max_depth = args.max_depth;
    params.horizon_s = args.horizon_days.saturating_mul(86_400);
    params.match_tolerance = args.match_tolerance;
    let names = Names::new(&graph, args.unmasked);
    match (&args.report, &args.account, args.upstream) {
        (Some(id), _, _) => {
            let seeds = graph.report_transfers(id)?;
            let trace = trace_downstream(&graph, seeds, &params)?;
            Ok(render(&graph, &names, &format!("report {}", id.trim()), &trace, args))
        }
        (None, Some(acct), false) => {
            let a = graph.account(acct)?;
            let seeds = graph.outs(a);
            if seeds.is_empty() {
                bail!("account {acct:?} ({}) sent no transfers: nothing to trace downstream", names.name(a));
            }
            let trace = trace_downstream(&graph, seeds, &params)?;
            Ok(render(&graph, &names, &format!("money out of {}", names.name(a)), &trace, args))
        }
        (None, Some(acct), true) => {
            let a = graph.account(acct)?;
            if graph.ins(a).is_empty() {
                bail!("account {acct:?} ({}) received no transfers: nobody fed it", names.name(a));
            }
            let up = trace_upstream(&graph, a, i64::MAX, &params)?;
            Ok(render_upstream(&graph, &names, &up, args))
        }
        (None, None, _) => bail!("give --report ID or --account KEY"),
    }
}

fn end_code(e: NodeEnd) -> &'static str {
    match e {
        NodeEnd::Open => "open",
        NodeEnd::CashedOut => "cashed_out",
        NodeEnd::DepthLimit => "depth_limit",
    }
}

fn render(g: &TransferGraph, names: &Names<'_>, what: &str, t: &Trace, args: &TraceArgs) -> String {
    if args.json {
        let nodes: Vec<Value> = t
            .nodes
            .iter()
            .enumerate()
            .map(|(i, n)| {
                json!({
                    "id": i, "parent": n.parent, "from": names.name(g.from(n.transfer)), "account": names.name(n.account),
                    "amount_yuan": yuan(n.amount_fen), "at": time(n.at), "dwell_s": n.dwell_s, "depth": n.depth,
                    "channel": g.channel(n.transfer).map(|c| c.code()), "end": end_code(n.end),
                    "held_yuan": yuan(n.held_fen), "matched": n.matched,
                })
            })
            .collect();
        let value = json!({
            "traced": what, "method": t.method.code(), "victim_yuan": yuan(t.victim_fen),
            "held_yuan": yuan(t.held_fen()), "cashed_out_yuan": yuan(t.cashed_out_fen()),
            "untraced": {
                "total_yuan": yuan(t.untraced.total()), "depth_limit_yuan": yuan(t.untraced.depth_limit_fen),
                "node_limit_yuan": yuan(t.untraced.node_limit_fen), "dust_yuan": yuan(t.untraced.dust_fen),
            },
            "holdings": t.holdings.iter().map(|h| json!({
                "account": names.name(h.account), "amount_yuan": yuan(h.amount_fen), "since": time(h.since),
            })).collect::<Vec<_>>(),
            "cashed_out": t.cashed_out.iter().map(|c| json!({
                "account": names.name(c.account), "channel": c.channel.code(), "amount_yuan": yuan(c.amount_fen),
                "first_at": time(c.first_at),
            })).collect::<Vec<_>>(),
            "trail": nodes,
        });
        return format!("{}\n", serde_json::to_string_pretty(&value).unwrap_or_default());
    }
    let mut s = String::new();
    let _ = writeln!(
        s,
        "trace of {what} ({}): ¥{} in {} transfer(s) from {}",
        t.method.code(),
        yuan(t.victim_fen),
        t.seeds.len(),
        time(g.at(t.seeds[0]))
    );
    let _ = writeln!(s, "\ntrail (amount of the traced money carried, time, dwell in the sender):");
    let mut printed = 0usize;
    let mut stack: Vec<(u32, usize)> = t.children(None).collect::<Vec<_>>().into_iter().rev().map(|n| (n, 0)).collect();
    let mut children: Vec<Vec<u32>> = vec![Vec::new(); t.nodes.len()];
    for (i, n) in t.nodes.iter().enumerate() {
        if let Some(p) = n.parent {
            children[p as usize].push(i as u32);
        }
    }
    while let Some((n, indent)) = stack.pop() {
        if printed == args.limit {
            let _ = writeln!(s, "  … {} more trail nodes (see --json or raise --limit)", t.nodes.len() - printed);
            break;
        }
        printed += 1;
        let node = &t.nodes[n as usize];
        let dwell = node.dwell_s.map(|d| format!(", dwell {}", duration(d))).unwrap_or_default();
        let dwell = if node.matched { format!("{dwell}, passes on what arrived") } else { dwell };
        let end = match node.end {
            NodeEnd::CashedOut => format!(" [cash-out: {}]", g.channel(node.transfer).map_or("?", |c| c.code())),
            NodeEnd::DepthLimit => " [depth limit]".into(),
            NodeEnd::Open if node.held_fen > 0 => format!(" [holds ¥{}]", yuan(node.held_fen)),
            NodeEnd::Open => String::new(),
        };
        let from =
            if node.parent.is_none() { format!("{} → ", names.name(g.from(node.transfer))) } else { String::new() };
        let _ = writeln!(
            s,
            "{}{from}{}  ¥{}  {}{dwell}{end}",
            "  ".repeat(indent + 1),
            names.name(node.account),
            yuan(node.amount_fen),
            time(node.at)
        );
        for &c in children[n as usize].iter().rev() {
            stack.push((c, indent + 1));
        }
    }
    let _ = writeln!(s, "\nwhere the money most likely sits now:");
    for h in t.holdings.iter().take(args.limit.max(1)) {
        let _ = writeln!(
            s,
            "  held        ¥{:>12}  {}  (since {})",
            yuan(h.amount_fen),
            names.name(h.account),
            time(h.since)
        );
    }
    for c in t.cashed_out.iter().take(args.limit.max(1)) {
        let _ = writeln!(
            s,
            "  cashed out  ¥{:>12}  {} via {} (from {})",
            yuan(c.amount_fen),
            names.name(c.account),
            c.channel.code(),
            time(c.first_at)
        );
    }
    let u = &t.untraced;
    let _ = writeln!(
        s,
        "\n¥{} traced = ¥{} held + ¥{} cashed out + ¥{} untraced (depth limit ¥{}, node limit ¥{}, dust ¥{})",
        yuan(t.victim_fen),
        yuan(t.held_fen()),
        yuan(t.cashed_out_fen()),
        yuan(u.total()),
        yuan(u.depth_limit_fen),
        yuan(u.node_limit_fen),
        yuan(u.dust_fen)
    );
    s
}

fn render_upstream(g: &TransferGraph, names: &Names<'_>, up: &analytics::Upstream, args: &TraceArgs) -> String {
    if args.json {
        let value = json!({
            "account": names.name(up.account), "method": up.method.code(), "inflow_yuan": yuan(up.inflow_fen),
            "untraced_yuan": yuan(up.untraced_fen),
            "origins": up.origins.iter().map(|o| json!({
                "account": names.name(o.account), "amount_yuan": yuan(o.amount_fen),
            })).collect::<Vec<_>>(),
            "feeders": up.nodes.iter().enumerate().map(|(i, n)| json!({
                "id": i, "funds": n.child, "from": names.name(n.sender), "to": names.name(g.to(n.transfer)),
                "amount_yuan": yuan(n.amount_fen), "at": time(n.at), "depth": n.depth,
            })).collect::<Vec<_>>(),
        });
        return format!("{}\n", serde_json::to_string_pretty(&value).unwrap_or_default());
    }
    let mut s = String::new();
    let _ = writeln!(
        s,
        "who fed {} ({}): ¥{} received in {} transfer(s)",
        names.name(up.account),
        up.method.code(),
        yuan(up.inflow_fen),
        up.nodes.iter().filter(|n| n.depth == 1).count()
    );
    let _ = writeln!(s, "\nfeeding transfers (sender → receiver, amount attributed, time):");
    let mut kids: Vec<Vec<u32>> = vec![Vec::new(); up.nodes.len()];
    let mut stack: Vec<u32> = Vec::new();
    for (i, n) in up.nodes.iter().enumerate().rev() {
        match n.child {
            Some(c) => kids[c as usize].push(i as u32),
            None => stack.push(i as u32),
        }
    }
    let mut printed = 0usize;
    while let Some(i) = stack.pop() {
        if printed == args.limit {
            let _ = writeln!(s, "  … {} more (see --json or raise --limit)", up.nodes.len() - printed);
            break;
        }
        printed += 1;
        let n = &up.nodes[i as usize];
        let _ = writeln!(
            s,
            "{}{} → {}  ¥{}  {}",
            "  ".repeat(n.depth as usize),
            names.name(n.sender),
            names.name(g.to(n.transfer)),
            yuan(n.amount_fen),
            time(n.at)
        );
        stack.extend(kids[i as usize].iter().copied());
    }
    let _ = writeln!(s, "\nwhere the money came from (first accounts with no earlier inflow to cover it):");
    for o in up.origins.iter().take(args.limit.max(1)) {
        let _ = writeln!(s, "  ¥{:>12}  {}", yuan(o.amount_fen), names.name(o.account));
    }
    if up.untraced_fen > 0 {
        let _ = writeln!(s, "  ¥{:>12}  untraced (dust or node limit)", yuan(up.untraced_fen));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::mask;

    #[test]
    fn victim_cards_are_masked() {
        assert_eq!(mask("card:6222021234567890128"), "6222 **** **** 0128");
        assert_eq!(mask("alipay:13800138000"), "alipay:1380****8000");
        assert_eq!(mask("acct:x1"), "acct:****");
    }
}
