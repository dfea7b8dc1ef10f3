//! `TransferGraph`: every transfer in one global time order, with per-account out- and in-lists (CSR of `u32`
//! transfer ids), accounts interned by their canonical key.

use std::collections::HashMap;

use datasets::TransferChannel;

use super::error::MoneyError;
use crate::gangs::{Accounts, GangGraph, Interner, account_key};

/// One transfer as handed in: raw account texts (normalised with [`account_key`] on build).
#[derive(Debug, Clone, PartialEq)]
pub struct MoneyTransfer {
    pub from_account: String,
    pub to_account: String,
    pub amount_fen: i64,
    /// Epoch seconds (any monotone unit works; the defaults of the parameters assume seconds).
    pub at: i64,
    pub channel: Option<TransferChannel>,
    /// The report this payment was reported in (a victim's own payment), if any.
    pub report_id: Option<String>,
}

/// What the build skipped, counted (building never fails on bad values).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MoneyBuildStats {
    /// Transfers with an empty account on either side (a cash-out channel's empty receiver is kept as a sink).
    pub empty_accounts: usize,
    /// Transfers with a negative amount.
    pub negative_amounts: usize,
}

/// Transfers sorted by (time, input order); transfer ids `0..transfer_count()` follow that order, so every
/// per-account list is time-sorted too.
///
/// Memory: 33 bytes per transfer (two `u32` ends, `i64` amount and time, a one-byte channel, one `u32` in each of
/// the out- and in-lists) plus the interned keys (about 60–90 bytes per account with the index): 10M transfers over
/// 2M accounts is about 0.5 GB kept (about twice that at the peak of the build).
#[derive(Debug, Clone)]
pub struct TransferGraph {
    keys: Vec<String>,
    index: HashMap<String, u32>,
    from: Vec<u32>,
    to: Vec<u32>,
    amount: Vec<i64>,
    at: Vec<i64>,
    channel: Vec<Option<TransferChannel>>,
    out_offsets: Vec<usize>,
    out_ids: Vec<u32>,
    in_offsets: Vec<usize>,
    in_ids: Vec<u32>,
    reports: HashMap<String, Vec<u32>>,
    stats: MoneyBuildStats,
}

impl TransferGraph {
    /// Builds the graph, consuming transfers one by one (each distinct raw account text is normalised once).
    pub fn build(transfers: impl IntoIterator<Item = MoneyTransfer>) -> TransferGraph {
        let mut accounts = Accounts::new(Interner::default());
        let mut stats = MoneyBuildStats::default();
        let mut rows: Vec<Row> = Vec::new();
        let mut report_of: Vec<(u32, String)> = Vec::new();
        for t in transfers {
            if t.amount_fen < 0 {
                stats.negative_amounts += 1;
                continue;
            }
            let Some(ends) = accounts.ends(&t.from_account, &t.to_account, t.channel) else {
                stats.empty_accounts += 1;
                continue;
            };
            if let Some(r) = t.report_id.filter(|r| !r.trim().is_empty()) {
                report_of.push((rows.len() as u32, r));
            }
            rows.push((t.at, ends[0], ends[1], t.amount_fen, t.channel));
        }
        let Interner { keys, index, .. } = accounts.interner;
        // Stable sort by time: the input order breaks ties.
        let mut order: Vec<u32> = (0..rows.len() as u32).collect();
        order.sort_by_key(|&i| rows[i as usize].0);
        let mut new_id = vec![0u32; rows.len()];
        for (new, &old) in order.iter().enumerate() {
            new_id[old as usize] = new as u32;
        }
        let columns = Columns::of(order.iter().map(|&old| rows[old as usize]));
        // The rows are not needed while the indexes are built (10M transfers: 320 MB).
        drop(rows);
        drop(order);
        let mut reports: HashMap<String, Vec<u32>> = HashMap::new();
        for (old, r) in report_of {
            reports.entry(r).or_default().push(new_id[old as usize]);
        }
        for ids in reports.values_mut() {
            ids.sort_unstable();
        }
        Self::assemble(keys, index, columns, reports, stats)
    }

    /// The transfers of a gang graph (no report ids: see [`TransferGraph::payment_transfer`]), with
    /// account ids equal to the gang graph's entity ids.
    pub(crate) fn from_gang_graph(graph: &GangGraph) -> TransferGraph {
        let n = graph.entity_count();
        let keys: Vec<String> = (0..n as u32).map(|e| graph.key(e).to_string()).collect();
        let index: HashMap<String, u32> = keys.iter().enumerate().map(|(e, k)| (k.clone(), e as u32)).collect();
        let mut rows: Vec<Row> = Vec::with_capacity(graph.transfer_count());
        for e in 0..n as u32 {
            rows.extend(graph.transfers_from(e).iter().map(|o| (o.at, e, o.to, o.amount_fen, o.channel)));
        }
        // Stable by time: ties keep the gang graph's (sender, time, receiver, amount) order.
        rows.sort_by_key(|r| r.0);
        Self::assemble(keys, index, Columns::of(rows.into_iter()), HashMap::new(), MoneyBuildStats::default())
    }

    /// The graph of transfers given as columns in time order: adds the out- and in-CSR indexes.
    fn assemble(
        keys: Vec<String>,
        index: HashMap<String, u32>,
        c: Columns,
        reports: HashMap<String, Vec<u32>>,
        stats: MoneyBuildStats,
    ) -> TransferGraph {
        let (out_offsets, out_ids) = csr(keys.len(), &c.from);
        let (in_offsets, in_ids) = csr(keys.len(), &c.to);
        TransferGraph {
            keys,
            index,
            from: c.from,
            to: c.to,
            amount: c.amount,
            at: c.at,
            channel: c.channel,
            out_offsets,
            out_ids,
            in_offsets,
            in_ids,
            reports,
            stats,
        }
    }

    /// The first transfer into `account` at `at` of `amount_fen` (a victim payment as the gang graph keeps it).
    pub(crate) fn payment_transfer(&self, account: u32, at: i64, amount_fen: i64) -> Option<u32> {
        let ins = self.ins(account);
        let start = ins.partition_point(|&t| self.at[t as usize] < at);
        ins[start..]
            .iter()
            .take_while(|&&t| self.at[t as usize] == at)
            .copied()
            .find(|&t| self.amount[t as usize] == amount_fen)
    }

    /// Number of accounts.
    pub fn account_count(&self) -> usize {
        self.keys.len()
    }

    /// Number of transfers kept.
    pub fn transfer_count(&self) -> usize {
        self.at.len()
    }

    /// What the build skipped.
    pub fn stats(&self) -> &MoneyBuildStats {
        &self.stats
    }

    /// The canonical key of account `a`.
    pub fn key(&self, a: u32) -> &str {
        &self.keys[a as usize]
    }

    /// The account with this canonical key, or with the key `account_key` gives this raw text.
    pub fn account(&self, key_or_raw: &str) -> Result<u32, MoneyError> {
        let t = key_or_raw.trim();
        if let Some(&a) = self.index.get(t) {
            return Ok(a);
        }
        account_key(t)
            .and_then(|k| self.index.get(&k).copied())
            .ok_or_else(|| MoneyError::UnknownAccount { key: t.to_string() })
    }

    /// The transfers carrying this report id (the victim's own payments), in time order.
    pub fn report_transfers(&self, report_id: &str) -> Result<&[u32], MoneyError> {
        match self.reports.get(report_id.trim()) {
            Some(ids) if !ids.is_empty() => Ok(ids),
            _ => Err(MoneyError::ReportWithoutTransfers { report_id: report_id.trim().to_string() }),
        }
    }

    /// Accounts that paid a transfer carrying a report id (victims' own cards).
    pub fn victim_accounts(&self) -> Vec<u32> {
        let mut v: Vec<u32> = self.reports.values().flatten().map(|&t| self.from[t as usize]).collect();
        v.sort_unstable();
        v.dedup();
        v
    }

    /// Sender of transfer `t`.
    pub fn from(&self, t: u32) -> u32 {
        self.from[t as usize]
    }

    /// Receiver of transfer `t`.
    pub fn to(&self, t: u32) -> u32 {
        self.to[t as usize]
    }

    /// Amount of transfer `t`, fen.
    pub fn amount(&self, t: u32) -> i64 {
        self.amount[t as usize]
    }

    /// Time of transfer `t`.
    pub fn at(&self, t: u32) -> i64 {
        self.at[t as usize]
    }

    /// Channel of transfer `t`, if given.
    pub fn channel(&self, t: u32) -> Option<TransferChannel> {
        self.channel[t as usize]
    }

    /// Transfers out of account `a`, in time order.
    pub fn outs(&self, a: u32) -> &[u32] {
        &self.out_ids[self.out_offsets[a as usize]..self.out_offsets[a as usize + 1]]
    }

    /// Transfers into account `a`, in time order.
    pub fn ins(&self, a: u32) -> &[u32] {
        &self.in_ids[self.in_offsets[a as usize]..self.in_offsets[a as usize + 1]]
    }

    /// Approximate heap bytes held (arrays and keys; hash-map overhead estimated).
    pub fn heap_bytes(&self) -> usize {
        let m = self.at.len();
        let n = self.keys.len();
        let keys: usize = self.keys.iter().map(|k| k.capacity() * 2 + 24 * 2 + 8).sum();
        m * (4 + 4 + 8 + 8 + 1 + 4 + 4) + (n + 1) * 16 + keys
    }
}

/// Counting sort of transfer ids by account: offsets and ids, ids ascending (= time order) within each account.
/// One transfer while building: time, sender id, receiver id, amount in fen, channel.
type Row = (i64, u32, u32, i64, Option<TransferChannel>);

/// Transfers as columns, in the order given.
struct Columns {
    from: Vec<u32>,
    to: Vec<u32>,
    amount: Vec<i64>,
    at: Vec<i64>,
    channel: Vec<Option<TransferChannel>>,
}

impl Columns {
    fn of(rows: impl ExactSizeIterator<Item = Row>) -> Columns {
        let m = rows.len();
        let mut c = Columns {
            from: Vec::with_capacity(m),
            to: Vec::with_capacity(m),
            amount: Vec::with_capacity(m),
            at: Vec::with_capacity(m),
            channel: Vec::with_capacity(m),
        };
        for (t, f, d, a, ch) in rows {
            c.at.push(t);
            c.from.push(f);
            c.to.push(d);
            c.amount.push(a);
            c.channel.push(ch);
        }
        c
    }
}

fn csr(n: usize, owner: &[u32]) -> (Vec<usize>, Vec<u32>) {
    let mut offsets = vec![0usize; n + 1];
    for &a in owner {
        offsets[a as usize + 1] += 1;
    }
    for k in 1..offsets.len() {
        offsets[k] += offsets[k - 1];
    }
    let mut next = offsets.clone();
    let mut ids = vec![0u32; owner.len()];
    for (t, &a) in owner.iter().enumerate() {
        ids[next[a as usize]] = t as u32;
        next[a as usize] += 1;
    }
    (offsets, ids)
}
