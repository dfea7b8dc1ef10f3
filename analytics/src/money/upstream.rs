//! Upstream tracing ("who fed this account"): each transfer into the account is attributed to the sender's
//! earlier inflows (newest first for LIFO, oldest first for FIFO, in proportion for pro rata; for matched, the inflow
//! the sender's pairing says the transfer passed on, else newest first), recursively.

use std::collections::HashMap;

use super::error::MoneyError;
use super::graph::TransferGraph;
use super::pairing::Pairing;
use super::trace::{Method, Pairings, TraceParams};

/// One step back: part of a transfer's amount attributed to one inflow of its sender.
#[derive(Debug, Clone, PartialEq)]
pub struct FeedNode {
    /// The node this inflow funded (`None` for transfers into the traced account).
    pub child: Option<u32>,
    /// The transfer id (its sender is the feeding account).
    pub transfer: u32,
    pub sender: u32,
    /// Amount attributed, fen.
    pub amount_fen: i64,
    pub at: i64,
    /// 1 for transfers into the traced account.
    pub depth: u32,
}

/// Money attributed to an account as its own (it had no earlier inflow to cover it, or the depth limit was hit).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    pub account: u32,
    pub amount_fen: i64,
}

/// The result of an upstream trace. Conservation: `inflow_fen == origins total + untraced_fen`.
#[derive(Debug, Clone, PartialEq)]
pub struct Upstream {
    pub account: u32,
    pub method: Method,
    /// Everything that flowed into the account up to the cut-off.
    pub inflow_fen: i64,
    pub nodes: Vec<FeedNode>,
    /// Sorted by amount, largest first.
    pub origins: Vec<Origin>,
    /// Dust and node-limit pieces.
    pub untraced_fen: i64,
}

/// Traces who fed `account` with the transfers it received up to `until` (inclusive), walking back at most
/// `params.max_depth` hops and `params.horizon_s` seconds before each transfer. Approximation: a sender's earlier
/// inflows are taken as available in full (its other outflows are not netted out).
pub fn trace_upstream(
    g: &TransferGraph,
    account: u32,
    until: i64,
    params: &TraceParams,
) -> Result<Upstream, MoneyError> {
    params.check()?;
    if account as usize >= g.account_count() {
        return Err(MoneyError::UnknownAccount { key: format!("#{account}") });
    }
    let mut nodes: Vec<FeedNode> = Vec::new();
    let mut origins: HashMap<u32, i64> = HashMap::new();
    let mut untraced = 0i64;
    let mut stack: Vec<u32> = Vec::new();
    let mut pairings = Pairings::new();
    let mut inflow = 0i64;
    for &t in g.ins(account).iter().rev() {
        if g.at(t) > until {
            continue;
        }
        inflow += g.amount(t);
        if nodes.len() >= params.max_nodes {
            untraced += g.amount(t);
            continue;
        }
        nodes.push(FeedNode {
            child: None,
            transfer: t,
            sender: g.from(t),
            amount_fen: g.amount(t),
            at: g.at(t),
            depth: 1,
        });
        stack.push(nodes.len() as u32 - 1);
    }
    while let Some(n) = stack.pop() {
        let FeedNode { transfer, sender, amount_fen, at, depth, .. } = nodes[n as usize];
        if depth >= params.max_depth {
            *origins.entry(sender).or_default() += amount_fen;
            continue;
        }
        let earliest = at.saturating_sub(params.horizon_s);
        let ins = g.ins(sender);
        let end = ins.partition_point(|&x| x < transfer);
        let start = ins[..end].partition_point(|&x| g.at(x) < earliest);
        let window = &ins[start..end];
        let available: i64 = window.iter().map(|&x| g.amount(x)).sum();
        let covered = available.min(amount_fen);
        let mut parts: Vec<(u32, i64)> = Vec::new();
        // Specific identification: the arrival the sender's own pairing (as downstream) says this transfer passed on.
        let same = (params.method == Method::Matched)
            .then(|| {
                let pairing = pairings.entry(sender).or_insert_with(|| Pairing::new(sender, params.match_tolerance));
                debug_assert_eq!(pairing.tolerance(), params.match_tolerance);
                pairing.advance(g, transfer);
                pairing.arrival_of(transfer)
            })
            .flatten()
            .filter(|x| window.binary_search(x).is_ok());
        match (params.method, same) {
            (_, Some(x)) => parts.push((x, amount_fen)),
            (Method::Lifo | Method::Fifo | Method::Matched, None) => {
                let mut need = covered;
                let mut visit = |x: u32| {
                    if need > 0 {
                        let p = g.amount(x).min(need);
                        need -= p;
                        parts.push((x, p));
                    }
                };
                if matches!(params.method, Method::Lifo | Method::Matched) {
                    window.iter().rev().for_each(|&x| visit(x));
                } else {
                    window.iter().for_each(|&x| visit(x));
                }
            }
            (Method::ProRata, None) => {
                if available > 0 {
                    let mut given = 0;
                    for &x in window {
                        let p = (g.amount(x) as i128 * covered as i128 / available as i128) as i64;
                        given += p;
                        parts.push((x, p));
                    }
                    let mut left = covered - given;
                    for (x, p) in parts.iter_mut() {
                        if left == 0 {
                            break;
                        }
                        let extra = (g.amount(*x) - *p).min(left);
                        *p += extra;
                        left -= extra;
                    }
                }
            }
        }
        let own = amount_fen - covered;
        if own > 0 {
            *origins.entry(sender).or_default() += own;
        }
        for (x, p) in parts {
            if p <= 0 {
                continue;
            }
            if p < params.min_fen || nodes.len() >= params.max_nodes {
                untraced += p;
                continue;
            }
            nodes.push(FeedNode {
                child: Some(n),
                transfer: x,
                sender: g.from(x),
                amount_fen: p,
                at: g.at(x),
                depth: depth + 1,
            });
            stack.push(nodes.len() as u32 - 1);
        }
    }
    let mut origins: Vec<Origin> = origins
        .into_iter()
        .filter(|&(_, v)| v > 0)
        .map(|(account, amount_fen)| Origin { account, amount_fen })
        .collect();
    origins.sort_by(|x, y| y.amount_fen.cmp(&x.amount_fen).then(x.account.cmp(&y.account)));
    Ok(Upstream { account, method: params.method, inflow_fen: inflow, nodes, origins, untraced_fen: untraced })
}
