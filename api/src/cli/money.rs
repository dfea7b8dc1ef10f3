//! `fanzha trace` and `fanzha typologies`: flags, a call to the money service, and the text renderers (`--json`
//! prints the service's view).

use std::fmt::Write as _;

use analytics::{Method, TypologyKind};

use crate::error::{AppError, AppResult};
use crate::service::Service;
use crate::service::money::{
    AccountRankingView, DownstreamView, TraceRequest, TraceStart, TraceView, TypologiesView, UpstreamView,
};

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
    #[arg(long, default_value = "fifo", value_parser = parse_method)]
    pub method: Method,
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

/// The `fanzha typologies` arguments.
#[derive(Debug, clap::Args)]
pub struct TypologiesArgs {
    /// Only this pattern: fan-in, fan-out, cycle, scatter-gather, gather-scatter, stack, pass-through or
    /// structuring.
    #[arg(long, value_parser = parse_kind)]
    pub kind: Option<TypologyKind>,
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

fn parse_method(text: &str) -> Result<Method, String> {
    Method::parse(text).map_err(|e| e.to_string())
}

fn parse_kind(text: &str) -> Result<TypologyKind, String> {
    TypologyKind::parse(text).map_err(|e| e.to_string())
}

fn pretty<T: serde::Serialize>(view: &T) -> AppResult<String> {
    Ok(serde_json::to_string_pretty(view).map_err(AppError::internal)? + "\n")
}

/// Runs `fanzha trace` and returns what to print.
pub fn trace(svc: &Service, args: &TraceArgs) -> AppResult<String> {
    let start = match (&args.report, &args.account, args.upstream) {
        (Some(_), _, true) => {
            return Err(AppError::invalid(
                "invalid_parameter",
                "upstream",
                "--upstream traces who fed an account: give --account KEY instead of --report",
            ));
        }
        (Some(id), _, false) => TraceStart::Report(id.clone()),
        (None, Some(key), false) => TraceStart::Account(key.clone()),
        (None, Some(key), true) => TraceStart::FedAccount(key.clone()),
        (None, None, _) => {
            return Err(AppError::invalid("invalid_parameter", "report", "give --report ID or --account KEY"));
        }
    };
    let req = TraceRequest {
        start,
        method: args.method,
        match_tolerance: args.match_tolerance,
        max_depth: args.max_depth,
        horizon_days: args.horizon_days,
        unmasked: args.unmasked,
    };
    let view = svc.trace(&req)?;
    if args.json {
        return pretty(&view);
    }
    Ok(match &view {
        TraceView::Downstream(t) => render_trace(t, args.limit),
        TraceView::Upstream(u) => render_upstream(u, args.limit),
    })
}

fn duration(s: i64) -> String {
    match s {
        s if s < 60 => format!("{s}s"),
        s if s < 3_600 => format!("{}m{:02}s", s / 60, s % 60),
        s if s < 86_400 => format!("{}h{:02}m", s / 3_600, s % 3_600 / 60),
        s => format!("{}d{:02}h", s / 86_400, s % 86_400 / 3_600),
    }
}

/// Renders a downstream trace: the trail as a tree (at most `limit` lines), holdings, cash-outs and the balance.
pub fn render_trace(t: &DownstreamView, limit: usize) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "trace of {} ({}): ¥{} in {} transfer(s) from {}",
        t.traced, t.method, t.victim_yuan, t.seeds, t.first_at
    );
    let _ = writeln!(s, "\ntrail (amount of the traced money carried, time, dwell in the sender):");
    let mut children: Vec<Vec<usize>> = vec![Vec::new(); t.trail.len()];
    let mut roots = Vec::new();
    for (i, n) in t.trail.iter().enumerate() {
        match n.parent {
            Some(p) => children[p as usize].push(i),
            None => roots.push(i),
        }
    }
    let mut stack: Vec<(usize, usize)> = roots.into_iter().rev().map(|n| (n, 0)).collect();
    let mut printed = 0usize;
    while let Some((n, indent)) = stack.pop() {
        if printed == limit {
            let _ = writeln!(s, "  … {} more trail nodes (see --json or raise --limit)", t.trail.len() - printed);
            break;
        }
        printed += 1;
        let node = &t.trail[n];
        let dwell = node.dwell_s.map(|d| format!(", dwell {}", duration(d))).unwrap_or_default();
        let dwell = if node.matched { format!("{dwell}, passes on what arrived") } else { dwell };
        let end = match node.end {
            "cashed_out" => format!(" [cash-out: {}]", node.channel.unwrap_or("?")),
            "depth_limit" => " [depth limit]".into(),
            _ if node.held.0 > 0 => format!(" [holds ¥{}]", node.held_yuan),
            _ => String::new(),
        };
        let from = if node.parent.is_none() { format!("{} → ", node.from) } else { String::new() };
        let _ = writeln!(
            s,
            "{}{from}{}  ¥{}  {}{dwell}{end}",
            "  ".repeat(indent + 1),
            node.account,
            node.amount_yuan,
            node.at
        );
        for &c in children[n].iter().rev() {
            stack.push((c, indent + 1));
        }
    }
    let _ = writeln!(s, "\nwhere the money most likely sits now:");
    for h in t.holdings.iter().take(limit.max(1)) {
        let _ = writeln!(s, "  held        ¥{:>12}  {}  (since {})", h.amount_yuan, h.account, h.since);
    }
    for c in t.cashed_out.iter().take(limit.max(1)) {
        let _ =
            writeln!(s, "  cashed out  ¥{:>12}  {} via {} (from {})", c.amount_yuan, c.account, c.channel, c.first_at);
    }
    let u = &t.untraced;
    let _ = writeln!(
        s,
        "\n¥{} traced = ¥{} held + ¥{} cashed out + ¥{} untraced (depth limit ¥{}, node limit ¥{}, dust ¥{})",
        t.victim_yuan, t.held_yuan, t.cashed_out_yuan, u.total_yuan, u.depth_limit_yuan, u.node_limit_yuan, u.dust_yuan
    );
    s
}

/// Renders an upstream trace: the feeding transfers as a tree (at most `limit` lines) and the origins.
pub fn render_upstream(up: &UpstreamView, limit: usize) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "who fed {} ({}): ¥{} received in {} transfer(s)",
        up.account,
        up.method,
        up.inflow_yuan,
        up.feeders.iter().filter(|n| n.depth == 1).count()
    );
    let _ = writeln!(s, "\nfeeding transfers (sender → receiver, amount attributed, time):");
    let mut kids: Vec<Vec<usize>> = vec![Vec::new(); up.feeders.len()];
    let mut stack: Vec<usize> = Vec::new();
    for (i, n) in up.feeders.iter().enumerate().rev() {
        match n.funds {
            Some(c) => kids[c as usize].push(i),
            None => stack.push(i),
        }
    }
    let mut printed = 0usize;
    while let Some(i) = stack.pop() {
        if printed == limit {
            let _ = writeln!(s, "  … {} more (see --json or raise --limit)", up.feeders.len() - printed);
            break;
        }
        printed += 1;
        let n = &up.feeders[i];
        let _ = writeln!(s, "{}{} → {}  ¥{}  {}", "  ".repeat(n.depth as usize), n.from, n.to, n.amount_yuan, n.at);
        stack.extend(kids[i].iter().copied());
    }
    let _ = writeln!(s, "\nwhere the money came from (first accounts with no earlier inflow to cover it):");
    for o in up.origins.iter().take(limit.max(1)) {
        let _ = writeln!(s, "  ¥{:>12}  {}", o.amount_yuan, o.account);
    }
    if up.untraced.0 > 0 {
        let _ = writeln!(s, "  ¥{:>12}  untraced (dust or node limit)", up.untraced_yuan);
    }
    s
}

/// Runs `fanzha typologies` and returns what to print. `--json` prints the findings (or, with `--accounts`, the
/// ranked accounts) as a list, as before the service layer.
pub fn typologies(svc: &Service, args: &TypologiesArgs) -> AppResult<String> {
    if args.accounts {
        let view = svc.typology_accounts(args.kind, args.unmasked)?;
        return if args.json { pretty(&view.accounts) } else { Ok(render_ranking(&view, args.limit)) };
    }
    let view = svc.typologies(args.kind, args.unmasked)?;
    if args.json { pretty(&view.findings) } else { Ok(render_typologies(&view, args.limit)) }
}

/// Renders the findings, `limit` per pattern.
pub fn render_typologies(v: &TypologiesView, limit: usize) -> String {
    let mut s = format!("{} transfers over {} accounts\n", v.transfers, v.accounts);
    for k in &v.kinds {
        let _ = writeln!(s, "\n{}: {} finding(s)", k.kind, k.findings);
        for f in v.findings.iter().filter(|f| f.kind == k.kind).take(limit) {
            let shown: Vec<&str> = f.accounts.iter().take(8).map(String::as_str).collect();
            let more = f.accounts.len().saturating_sub(8);
            let _ = writeln!(
                s,
                "  {}{}  ¥{} in {} transfers, {} .. {}",
                shown.join(", "),
                if more > 0 { format!(" (+{more} more)") } else { String::new() },
                f.amount_yuan,
                f.transfers.len(),
                f.first_at,
                f.last_at
            );
        }
        if k.findings > limit {
            let _ = writeln!(s, "  … {} more (see --json or raise --limit)", k.findings - limit);
        }
    }
    s
}

/// Renders the account ranking, `limit` accounts.
pub fn render_ranking(v: &AccountRankingView, limit: usize) -> String {
    let mut s = format!("{} account(s) in {} finding(s)\n", v.accounts.len(), v.findings);
    for r in v.accounts.iter().take(limit) {
        let _ = writeln!(
            s,
            "  {:>2} pts  {}  {} (core in {} of {} findings, ¥{})",
            r.points,
            r.account,
            r.kinds.join(", "),
            r.core_findings,
            r.findings,
            r.amount_yuan
        );
    }
    if v.accounts.len() > limit {
        let _ = writeln!(s, "  … {} more (see --json or raise --limit)", v.accounts.len() - limit);
    }
    s
}
