//! Money: where a victim's money went or who fed an account (`trace`), and laundering patterns in the transfers
//! (`typologies`, `typology_accounts`). The store's transfers are loaded once into a `TransferGraph` kept in the
//! [`Service`] until the transfers change. Victims' own accounts are masked unless `unmasked`.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use analytics::{
    Method, MoneyError, NodeEnd, Trace, TraceParams, TransferGraph, TypologyKind, TypologyParams, Upstream, detect,
    score_accounts, trace_downstream, trace_upstream,
};
use datasets::ident::shown_key;
use datasets::{Fen, Timestamp};

use super::Service;
use crate::error::{AppError, AppResult, Kind};

/// Where a trace starts, and which way it goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TraceStart {
    /// Downstream from the money the victim of this report paid (the transfers carrying its id).
    Report(String),
    /// Downstream from everything this account sent (any written form or its canonical key).
    Account(String),
    /// Upstream: who fed this account.
    FedAccount(String),
}

/// A trace to run.
#[derive(Debug, Clone, PartialEq)]
pub struct TraceRequest {
    pub start: TraceStart,
    pub method: Method,
    /// With [`Method::Matched`]: a payout up to this share below an arrival still passes it on.
    pub match_tolerance: f64,
    /// Hops followed at most.
    pub max_depth: u32,
    /// Days followed after the first traced transfer (downstream) or looked back per hop (upstream); not negative.
    pub horizon_days: i64,
    /// Show victims' accounts in full.
    pub unmasked: bool,
}

/// The traced money's totals that are not in holdings or cash-outs.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct UntracedView {
    pub total_yuan: String,
    pub depth_limit_yuan: String,
    pub node_limit_yuan: String,
    pub dust_yuan: String,
}

/// An account holding traced money at the end.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct HoldingView {
    pub account: String,
    pub amount_yuan: String,
    pub since: String,
}

/// Traced money that left through a cash-out channel.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct CashOutView {
    pub account: String,
    pub channel: &'static str,
    pub amount_yuan: String,
    pub first_at: String,
}

/// One transfer of the trail (a tree through `parent`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TrailNodeView {
    pub id: usize,
    pub parent: Option<u32>,
    pub from: String,
    pub account: String,
    pub amount_yuan: String,
    pub at: String,
    pub dwell_s: Option<i64>,
    pub depth: u32,
    pub channel: Option<&'static str>,
    /// `open`, `cashed_out` or `depth_limit`.
    pub end: &'static str,
    pub held_yuan: String,
    /// It passes on the amount of an earlier arrival (method `matched`).
    pub matched: bool,
    /// Traced money it still holds, in fen (shown as `held_yuan`).
    #[serde(skip)]
    pub held: Fen,
}

/// A downstream trace.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DownstreamView {
    /// `report R1` or `money out of ACCOUNT`.
    pub traced: String,
    pub method: &'static str,
    /// Transfers the trace starts from, and when the first of them was made.
    pub seeds: usize,
    pub first_at: String,
    pub victim_yuan: String,
    pub held_yuan: String,
    pub cashed_out_yuan: String,
    pub untraced: UntracedView,
    pub holdings: Vec<HoldingView>,
    pub cashed_out: Vec<CashOutView>,
    pub trail: Vec<TrailNodeView>,
}

/// Money attributed to a first account with no earlier inflow to cover it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct OriginView {
    pub account: String,
    pub amount_yuan: String,
}

/// One feeding transfer (a tree through `funds`, the node it funds).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FeederView {
    pub id: usize,
    pub funds: Option<u32>,
    pub from: String,
    pub to: String,
    pub amount_yuan: String,
    pub at: String,
    pub depth: u32,
}

/// An upstream trace: who fed an account.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct UpstreamView {
    pub account: String,
    pub method: &'static str,
    pub inflow_yuan: String,
    pub untraced_yuan: String,
    pub origins: Vec<OriginView>,
    pub feeders: Vec<FeederView>,
    /// Inflow not attributed to any origin, in fen (shown as `untraced_yuan`).
    #[serde(skip)]
    pub untraced: Fen,
}

/// `trace`: downstream or upstream.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(untagged)]
pub enum TraceView {
    Downstream(DownstreamView),
    Upstream(UpstreamView),
}

/// A transfer of a finding.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FindingTransferView {
    pub from: String,
    pub to: String,
    pub amount_yuan: String,
    pub at: String,
    pub channel: Option<&'static str>,
}

/// One laundering pattern found.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FindingView {
    pub kind: &'static str,
    pub accounts: Vec<String>,
    pub amount_yuan: String,
    pub first_at: String,
    pub last_at: String,
    pub transfers: Vec<FindingTransferView>,
}

/// `typologies`: the findings of each pattern run, largest amount first.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct TypologiesView {
    pub transfers: usize,
    pub accounts: usize,
    /// The patterns run, in order, with how many findings each has (the findings are in `findings`).
    pub kinds: Vec<KindCount>,
    pub findings: Vec<FindingView>,
}

/// Findings of one pattern.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct KindCount {
    pub kind: &'static str,
    pub findings: usize,
}

/// An account ranked by the patterns it takes part in.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AccountRankView {
    pub account: String,
    pub points: u32,
    pub kinds: Vec<&'static str>,
    pub core_findings: usize,
    pub findings: usize,
    pub amount_yuan: String,
}

/// `typologies --accounts`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AccountRankingView {
    /// Findings the ranking is over.
    pub findings: usize,
    pub accounts: Vec<AccountRankView>,
}

impl From<MoneyError> for AppError {
    fn from(e: MoneyError) -> AppError {
        let message = e.to_string();
        match &e {
            MoneyError::NoTransfers => AppError::new(
                Kind::Conflict,
                "no_transfers",
                format!("{message}; ingest a folder with transfers.csv first"),
            ),
            MoneyError::ReportWithoutTransfers { .. } => {
                AppError::new(Kind::Conflict, "report_without_transfers", message)
            }
            MoneyError::UnknownAccount { .. } => AppError::not_found("account_not_found", message),
            MoneyError::UnknownMethod { .. } => AppError::invalid("invalid_method", "method", message),
            MoneyError::UnknownKind { .. } => AppError::invalid("invalid_typology", "kind", message),
            MoneyError::InvalidParameter { name, .. } => AppError::invalid("invalid_parameter", *name, message),
        }
    }
}

/// The store's transfers as a graph, with its victims' accounts (masked when shown).
pub(crate) struct MoneyState {
    graph: TransferGraph,
    victims: HashSet<u32>,
}

impl MoneyState {
    /// Account `a` as shown: a victim's own account masked unless `unmasked`.
    fn name(&self, a: u32, unmasked: bool) -> String {
        shown_key(self.graph.key(a), !unmasked && self.victims.contains(&a))
    }
}

/// The latest built [`MoneyState`], keyed by the transfers' version.
#[derive(Default)]
pub(crate) struct MoneyCache {
    latest: Mutex<Option<(Option<i64>, Arc<MoneyState>)>>,
}

impl MoneyCache {
    fn get(&self, svc: &Service) -> AppResult<Arc<MoneyState>> {
        let store = svc.store()?;
        let version = store.data_version()?.transfers;
        let mut latest = self.latest.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((v, state)) = latest.as_ref()
            && *v == version
        {
            return Ok(Arc::clone(state));
        }
        let graph = store.with_transfers(|rows| TransferGraph::build(rows.map(Into::into)))?;
        if graph.transfer_count() == 0 {
            return Err(MoneyError::NoTransfers.into());
        }
        let victims = graph.victim_accounts().into_iter().collect();
        let state = Arc::new(MoneyState { graph, victims });
        *latest = Some((version, Arc::clone(&state)));
        Ok(state)
    }
}

fn yuan(fen: i64) -> String {
    Fen(fen).to_string()
}

fn time(t: i64) -> String {
    Timestamp(t).to_string()
}

fn end_code(e: NodeEnd) -> &'static str {
    match e {
        NodeEnd::Open => "open",
        NodeEnd::CashedOut => "cashed_out",
        NodeEnd::DepthLimit => "depth_limit",
    }
}

fn downstream_view(m: &MoneyState, traced: String, t: &Trace, unmasked: bool) -> DownstreamView {
    let g = &m.graph;
    let name = |a: u32| m.name(a, unmasked);
    DownstreamView {
        traced,
        method: t.method.code(),
        seeds: t.seeds.len(),
        first_at: t.seeds.first().map(|&s| time(g.at(s))).unwrap_or_default(),
        victim_yuan: yuan(t.victim_fen),
        held_yuan: yuan(t.held_fen()),
        cashed_out_yuan: yuan(t.cashed_out_fen()),
        untraced: UntracedView {
            total_yuan: yuan(t.untraced.total()),
            depth_limit_yuan: yuan(t.untraced.depth_limit_fen),
            node_limit_yuan: yuan(t.untraced.node_limit_fen),
            dust_yuan: yuan(t.untraced.dust_fen),
        },
        holdings: t
            .holdings
            .iter()
            .map(|h| HoldingView { account: name(h.account), amount_yuan: yuan(h.amount_fen), since: time(h.since) })
            .collect(),
        cashed_out: t
            .cashed_out
            .iter()
            .map(|c| CashOutView {
                account: name(c.account),
                channel: c.channel.code(),
                amount_yuan: yuan(c.amount_fen),
                first_at: time(c.first_at),
            })
            .collect(),
        trail: t
            .nodes
            .iter()
            .enumerate()
            .map(|(i, n)| TrailNodeView {
                id: i,
                parent: n.parent,
                from: name(g.from(n.transfer)),
                account: name(n.account),
                amount_yuan: yuan(n.amount_fen),
                at: time(n.at),
                dwell_s: n.dwell_s,
                depth: n.depth,
                channel: g.channel(n.transfer).map(|c| c.code()),
                end: end_code(n.end),
                held_yuan: yuan(n.held_fen),
                matched: n.matched,
                held: Fen(n.held_fen),
            })
            .collect(),
    }
}

fn upstream_view(m: &MoneyState, up: &Upstream, unmasked: bool) -> UpstreamView {
    let name = |a: u32| m.name(a, unmasked);
    UpstreamView {
        account: name(up.account),
        method: up.method.code(),
        inflow_yuan: yuan(up.inflow_fen),
        untraced_yuan: yuan(up.untraced_fen),
        origins: up
            .origins
            .iter()
            .map(|o| OriginView { account: name(o.account), amount_yuan: yuan(o.amount_fen) })
            .collect(),
        feeders: up
            .nodes
            .iter()
            .enumerate()
            .map(|(i, n)| FeederView {
                id: i,
                funds: n.child,
                from: name(n.sender),
                to: name(m.graph.to(n.transfer)),
                amount_yuan: yuan(n.amount_fen),
                at: time(n.at),
                depth: n.depth,
            })
            .collect(),
        untraced: Fen(up.untraced_fen),
    }
}

impl Service {
    /// Runs one trace over the store's transfers.
    pub fn trace(&self, req: &TraceRequest) -> AppResult<TraceView> {
        if req.match_tolerance != 0.0 && req.method != Method::Matched {
            return Err(AppError::invalid(
                "invalid_parameter",
                "match_tolerance",
                format!("--match-tolerance applies to --method matched only (got --method {})", req.method.code()),
            ));
        }
        if req.horizon_days < 0 {
            return Err(AppError::invalid(
                "invalid_parameter",
                "horizon_days",
                format!("--horizon-days must not be negative (got {})", req.horizon_days),
            ));
        }
        if let TraceStart::Report(id) = &req.start
            && !self.store()?.report_exists(id)?
        {
            return Err(AppError::not_found(
                "report_not_found",
                format!("unknown report {id:?}: no such report in the store"),
            ));
        }
        let m = self.money.get(self)?;
        let g = &m.graph;
        let mut params = TraceParams::new(req.method);
        params.max_depth = req.max_depth;
        params.horizon_s = req.horizon_days.saturating_mul(86_400);
        params.match_tolerance = req.match_tolerance;
        let nothing = |message: String| AppError::new(Kind::Conflict, "nothing_to_trace", message);
        Ok(match &req.start {
            TraceStart::Report(id) => {
                let trace = trace_downstream(g, g.report_transfers(id)?, &params)?;
                TraceView::Downstream(downstream_view(&m, format!("report {}", id.trim()), &trace, req.unmasked))
            }
            TraceStart::Account(key) => {
                let a = g.account(key)?;
                let shown = m.name(a, req.unmasked);
                if g.outs(a).is_empty() {
                    return Err(nothing(format!(
                        "account {key:?} ({shown}) sent no transfers: nothing to trace downstream"
                    )));
                }
                let trace = trace_downstream(g, g.outs(a), &params)?;
                TraceView::Downstream(downstream_view(&m, format!("money out of {shown}"), &trace, req.unmasked))
            }
            TraceStart::FedAccount(key) => {
                let a = g.account(key)?;
                if g.ins(a).is_empty() {
                    let shown = m.name(a, req.unmasked);
                    return Err(nothing(format!("account {key:?} ({shown}) received no transfers: nobody fed it")));
                }
                let up = trace_upstream(g, a, i64::MAX, &params)?;
                TraceView::Upstream(upstream_view(&m, &up, req.unmasked))
            }
        })
    }

    /// Findings of pattern `kind` (every pattern if `None`) with the documented default parameters.
    pub fn typologies(&self, kind: Option<TypologyKind>, unmasked: bool) -> AppResult<TypologiesView> {
        let m = self.money.get(self)?;
        let g = &m.graph;
        let name = |a: u32| m.name(a, unmasked);
        let all = self.findings(&m, kind)?;
        Ok(TypologiesView {
            transfers: g.transfer_count(),
            accounts: g.account_count(),
            kinds: all.iter().map(|(k, fs)| KindCount { kind: k.code(), findings: fs.len() }).collect(),
            findings: all
                .iter()
                .flat_map(|(_, fs)| fs.iter())
                .map(|f| FindingView {
                    kind: f.kind.code(),
                    accounts: f.accounts.iter().map(|&a| name(a)).collect(),
                    amount_yuan: yuan(f.amount_fen),
                    first_at: time(f.first_at),
                    last_at: time(f.last_at),
                    transfers: f
                        .transfers
                        .iter()
                        .map(|&t| FindingTransferView {
                            from: name(g.from(t)),
                            to: name(g.to(t)),
                            amount_yuan: yuan(g.amount(t)),
                            at: time(g.at(t)),
                            channel: g.channel(t).map(|c| c.code()),
                        })
                        .collect(),
                })
                .collect(),
        })
    }

    /// Accounts ranked by the patterns (`kind`, or all) they take part in: 2 points per pattern as a core member,
    /// 1 as a counterparty.
    pub fn typology_accounts(&self, kind: Option<TypologyKind>, unmasked: bool) -> AppResult<AccountRankingView> {
        let m = self.money.get(self)?;
        let findings: Vec<analytics::Finding> = self.findings(&m, kind)?.into_iter().flat_map(|(_, fs)| fs).collect();
        let ranked = score_accounts(&m.graph, &findings);
        Ok(AccountRankingView {
            findings: findings.len(),
            accounts: ranked
                .iter()
                .map(|s| AccountRankView {
                    account: m.name(s.account, unmasked),
                    points: s.points,
                    kinds: s.kinds.iter().map(|k| k.code()).collect(),
                    core_findings: s.core,
                    findings: s.findings,
                    amount_yuan: yuan(s.amount_fen),
                })
                .collect(),
        })
    }

    fn findings(
        &self,
        m: &MoneyState,
        kind: Option<TypologyKind>,
    ) -> AppResult<Vec<(TypologyKind, Vec<analytics::Finding>)>> {
        let kinds = match kind {
            Some(k) => vec![k],
            None => TypologyKind::ALL.to_vec(),
        };
        let params = TypologyParams::new();
        kinds
            .into_iter()
            .map(|k| {
                let mut found = detect(&m.graph, k, &params)?;
                found.sort_by(|a, b| b.amount_fen.cmp(&a.amount_fen).then(a.first_at.cmp(&b.first_at)));
                Ok((k, found))
            })
            .collect()
    }
}
