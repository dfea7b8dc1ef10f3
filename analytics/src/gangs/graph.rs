//! The investigation graph: reports, the identifiers they mention (interned canonical keys) and money transfers
//! between accounts, in compact `u32`-indexed CSR arrays.

use std::collections::HashMap;

use datasets::ident::{IdField, IdKind, extract, normalize};
use datasets::{FraudType, TransferChannel};

use super::input::{ReportInput, TransferInput};

/// What an identifier node is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EntityKind {
    /// A bank card or account, an Alipay login, or an account text that is no card (ATM terminal, crypto wallet).
    Account,
    /// A partial card (`尾号1234`): too ambiguous to link reports.
    PartialCard,
    Phone,
    Url,
    App,
    /// WeChat or QQ id.
    Im,
    /// IP address or IMEI.
    Device,
}

impl EntityKind {
    /// Every kind, in declaration order.
    pub const ALL: [EntityKind; 7] = [
        EntityKind::Account,
        EntityKind::PartialCard,
        EntityKind::Phone,
        EntityKind::Url,
        EntityKind::App,
        EntityKind::Im,
        EntityKind::Device,
    ];

    /// Short lower-case name (`account`, `cardtail`, `phone`, `url`, `app`, `im`, `device`).
    pub fn code(self) -> &'static str {
        match self {
            EntityKind::Account => "account",
            EntityKind::PartialCard => "cardtail",
            EntityKind::Phone => "phone",
            EntityKind::Url => "url",
            EntityKind::App => "app",
            EntityKind::Im => "im",
            EntityKind::Device => "device",
        }
    }

    /// The kind whose [`code`](EntityKind::code) is `code`.
    pub fn parse(code: &str) -> Option<EntityKind> {
        EntityKind::ALL.into_iter().find(|k| k.code() == code)
    }

    /// The entity kind of an identifier kind.
    pub fn of(kind: IdKind) -> EntityKind {
        match kind {
            IdKind::Phone => EntityKind::Phone,
            IdKind::BankCard | IdKind::Alipay => EntityKind::Account,
            IdKind::PartialCard => EntityKind::PartialCard,
            IdKind::Url => EntityKind::Url,
            IdKind::App => EntityKind::App,
            IdKind::Wechat | IdKind::Qq => EntityKind::Im,
            IdKind::Ip | IdKind::Imei => EntityKind::Device,
        }
    }

    fn of_key(key: &str) -> EntityKind {
        key.split_once(':')
            .and_then(|(code, _)| IdKind::from_code(code))
            .map(EntityKind::of)
            .unwrap_or(EntityKind::Account)
    }
}

/// A report node.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportNode {
    pub report_id: String,
    /// Occurrence time (else reporting time), epoch seconds.
    pub time: i64,
    pub fraud_type: FraudType,
}

/// A victim's payment into an account, as reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Payment {
    pub account: u32,
    pub at: i64,
    pub amount_fen: i64,
}

/// A transfer out of an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutTransfer {
    pub to: u32,
    pub at: i64,
    pub amount_fen: i64,
    pub channel: Option<TransferChannel>,
}

/// What could not be used while building, counted (the build never fails on bad values).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BuildStats {
    /// Identifier values in report list fields that did not normalise (skipped).
    pub unparsed_identifiers: usize,
    /// Transfers naming a report id that is not among the reports (kept as plain transfers).
    pub unknown_report_refs: usize,
    /// Transfers with an empty account on either side (skipped).
    pub empty_accounts: usize,
}

/// Reports, entities (interned identifier keys) and transfers.
///
/// Entity ids are `0..entity_count()`, report ids `0..report_count()`. `mentions(r)` lists the entities report `r`
/// names directly: normalised list fields, identifiers extracted from the narrative, and the accounts its victim
/// paid into (transfers carrying its report id); the victim's own paying account is not a mention. Transfers are
/// stored per sending account, sorted by time.
#[derive(Debug, Clone)]
pub struct GangGraph {
    keys: Vec<String>,
    kinds: Vec<EntityKind>,
    index: HashMap<String, u32>,
    reports: Vec<ReportNode>,
    mention_offsets: Vec<usize>,
    mentions: Vec<u32>,
    payment_offsets: Vec<usize>,
    payments: Vec<Payment>,
    out_offsets: Vec<usize>,
    outs: Vec<OutTransfer>,
    in_degree: Vec<u32>,
    stats: BuildStats,
}

/// Canonical keys interned as dense ids, with each key's kind.
#[derive(Default)]
pub(crate) struct Interner {
    pub(crate) keys: Vec<String>,
    pub(crate) kinds: Vec<EntityKind>,
    pub(crate) index: HashMap<String, u32>,
}

impl Interner {
    fn intern(&mut self, key: &str, kind: EntityKind) -> u32 {
        if let Some(&id) = self.index.get(key) {
            return id;
        }
        let id = self.keys.len() as u32;
        self.keys.push(key.to_string());
        self.kinds.push(kind);
        self.index.insert(key.to_string(), id);
        id
    }
}

/// Transfers' account texts interned by their canonical keys (the gang graph's and the money graph's one rule):
/// each distinct text is normalised once; an empty receiver is a cash-out sink keyed by its channel and sender.
pub(crate) struct Accounts {
    pub(crate) interner: Interner,
    /// Account text → id (cash-out sinks, which depend on the sender, are not cached by their empty text).
    by_text: HashMap<String, u32>,
}

impl Accounts {
    pub(crate) fn new(interner: Interner) -> Accounts {
        Accounts { interner, by_text: HashMap::new() }
    }

    /// The ids of a transfer's sender and receiver; `None` when either has no key (an empty sender, or an empty
    /// receiver on a channel that is no cash-out).
    pub(crate) fn ends(&mut self, from: &str, to: &str, channel: Option<TransferChannel>) -> Option<[u32; 2]> {
        let mut ends = [0u32; 2];
        for (slot, raw) in [from, to].into_iter().enumerate() {
            if let Some(&id) = self.by_text.get(raw) {
                ends[slot] = id;
                continue;
            }
            let sink = slot == 1 && raw.trim().is_empty();
            let key = if sink {
                receiver_key(raw, &self.interner.keys[ends[0] as usize], channel)?
            } else {
                account_key(raw)?
            };
            let id = self.interner.intern(&key, EntityKind::of_key(&key));
            if !sink {
                self.by_text.insert(raw.to_string(), id);
            }
            ends[slot] = id;
        }
        Some(ends)
    }
}

/// The canonical key of a transfer's account text: a card, Alipay, WeChat or QQ key when it normalises as an
/// account, else `acct:` + the trimmed text (ATM terminals, crypto wallets, foreign account formats).
pub fn account_key(raw: &str) -> Option<String> {
    let raw = raw.trim();
    if raw.is_empty() {
        return None;
    }
    Some(match normalize(IdField::Account, raw) {
        Ok(id) if id.kind != IdKind::PartialCard => id.key,
        _ => format!("acct:{raw}"),
    })
}

/// The key prefix of a cash-out sink: where money leaves the system on a transfer with no receiving account.
pub const CASH_OUT_PREFIX: &str = "cashout:";

/// The canonical key of a transfer's receiving end: [`account_key`] of `to_account`, or, when it is empty on a
/// cash-out channel (see [`TransferChannel::is_cash_out`]), a sink of its own for the sending account and channel
/// (`cashout:atm:card:6222…`), so money withdrawn from two unrelated cards never meets in one node. `None` when the
/// receiver is empty on any other channel (ingest rejects such rows).
pub fn receiver_key(to_account: &str, from_key: &str, channel: Option<TransferChannel>) -> Option<String> {
    match account_key(to_account) {
        Some(key) => Some(key),
        None => channel.filter(|c| c.is_cash_out()).map(|c| format!("{CASH_OUT_PREFIX}{}:{from_key}", c.code())),
    }
}

/// Whether `key` is a cash-out sink made by [`receiver_key`].
pub fn is_cash_out_key(key: &str) -> bool {
    key.starts_with(CASH_OUT_PREFIX)
}

/// Channels on which money leaves the accounts as cash or goods: their receivers (ATM terminals, bank counters,
/// shops) are places anyone's money goes, not accounts a gang holds. Crypto is not among them: a wallet is an owner's.
pub const LEAVES_ACCOUNTS: [TransferChannel; 3] =
    [TransferChannel::Atm, TransferChannel::Cash, TransferChannel::Merchant];

impl GangGraph {
    /// Builds the graph. Values that do not normalise are skipped and counted in [`GangGraph::stats`].
    ///
    /// Transfers are consumed one by one (stream them from a store: only the compact arrays are kept; each
    /// distinct account text is normalised once).
    pub fn build(reports: &[ReportInput], transfers: impl IntoIterator<Item = TransferInput>) -> GangGraph {
        let mut interner = Interner::default();
        let mut stats = BuildStats::default();
        let mut report_index: HashMap<&str, usize> = HashMap::with_capacity(reports.len());
        let mut nodes = Vec::with_capacity(reports.len());
        let mut per_report: Vec<Vec<u32>> = Vec::with_capacity(reports.len());
        for (i, r) in reports.iter().enumerate() {
            report_index.entry(r.report_id.as_str()).or_insert(i);
            nodes.push(ReportNode { report_id: r.report_id.clone(), time: r.time(), fraud_type: r.fraud_type });
            let mut ids = Vec::new();
            let fields: [(IdField, &Vec<String>); 5] = [
                (IdField::Phone, &r.phones),
                (IdField::Account, &r.accounts),
                (IdField::Url, &r.urls),
                (IdField::App, &r.apps),
                (IdField::Im, &r.im_ids),
            ];
            for (field, values) in fields {
                for v in values.iter().filter(|v| !v.trim().is_empty()) {
                    match normalize(field, v) {
                        Ok(id) => ids.push(interner.intern(&id.key, EntityKind::of(id.kind))),
                        Err(_) => stats.unparsed_identifiers += 1,
                    }
                }
            }
            for m in extract(&r.narrative) {
                ids.push(interner.intern(&m.id.key, EntityKind::of(m.id.kind)));
            }
            per_report.push(ids);
        }

        let mut accounts = Accounts::new(interner);
        let mut edges: Vec<(u32, OutTransfer)> = Vec::new();
        let mut report_payments: Vec<Vec<Payment>> = vec![Vec::new(); reports.len()];
        for t in transfers {
            let Some(ends) = accounts.ends(&t.from_account, &t.to_account, t.channel) else {
                stats.empty_accounts += 1;
                continue;
            };
            let out = OutTransfer { to: ends[1], at: t.at, amount_fen: t.amount_fen, channel: t.channel };
            edges.push((ends[0], out));
            if let Some(rid) = t.report_id.as_deref().filter(|s| !s.is_empty()) {
                match report_index.get(rid) {
                    Some(&r) => {
                        report_payments[r].push(Payment { account: ends[1], at: t.at, amount_fen: t.amount_fen });
                        per_report[r].push(ends[1]);
                    }
                    None => stats.unknown_report_refs += 1,
                }
            }
        }
        // The account texts are not needed while the indexes are built.
        let Accounts { interner, .. } = accounts;
        let n = interner.keys.len();
        edges.sort_unstable_by_key(|(from, o)| (*from, o.at, o.to, o.amount_fen));
        let mut out_offsets = vec![0usize; n + 1];
        let mut in_degree = vec![0u32; n];
        for (from, o) in &edges {
            out_offsets[*from as usize + 1] += 1;
            in_degree[o.to as usize] = in_degree[o.to as usize].saturating_add(1);
        }
        for k in 1..out_offsets.len() {
            out_offsets[k] += out_offsets[k - 1];
        }
        let outs: Vec<OutTransfer> = edges.into_iter().map(|(_, o)| o).collect();

        let mut mention_offsets = Vec::with_capacity(reports.len() + 1);
        let mut mentions = Vec::new();
        mention_offsets.push(0);
        for mut ids in per_report {
            ids.sort_unstable();
            ids.dedup();
            mentions.extend(ids);
            mention_offsets.push(mentions.len());
        }
        let mut payment_offsets = Vec::with_capacity(reports.len() + 1);
        let mut payments = Vec::new();
        payment_offsets.push(0);
        for mut ps in report_payments {
            ps.sort_unstable_by_key(|p| (p.at, p.account, p.amount_fen));
            payments.extend(ps);
            payment_offsets.push(payments.len());
        }
        GangGraph {
            keys: interner.keys,
            kinds: interner.kinds,
            index: interner.index,
            reports: nodes,
            mention_offsets,
            mentions,
            payment_offsets,
            payments,
            out_offsets,
            outs,
            in_degree,
            stats,
        }
    }

    /// Number of reports.
    pub fn report_count(&self) -> usize {
        self.reports.len()
    }

    /// Number of entities (identifier nodes).
    pub fn entity_count(&self) -> usize {
        self.keys.len()
    }

    /// Number of transfers kept.
    pub fn transfer_count(&self) -> usize {
        self.outs.len()
    }

    /// Report `r`.
    pub fn report(&self, r: usize) -> &ReportNode {
        &self.reports[r]
    }

    /// Every report, by index.
    pub fn reports(&self) -> &[ReportNode] {
        &self.reports
    }

    /// The canonical key of entity `e`.
    pub fn key(&self, e: u32) -> &str {
        &self.keys[e as usize]
    }

    /// The kind of entity `e`.
    pub fn kind(&self, e: u32) -> EntityKind {
        self.kinds[e as usize]
    }

    /// The entity with this canonical key.
    pub fn entity(&self, key: &str) -> Option<u32> {
        self.index.get(key).copied()
    }

    /// Entities report `r` names directly, in increasing id order.
    pub fn mentions(&self, r: usize) -> &[u32] {
        &self.mentions[self.mention_offsets[r]..self.mention_offsets[r + 1]]
    }

    /// The victim payments of report `r`, in time order.
    pub fn payments(&self, r: usize) -> &[Payment] {
        &self.payments[self.payment_offsets[r]..self.payment_offsets[r + 1]]
    }

    /// Transfers out of account `e`, in time order.
    pub fn transfers_from(&self, e: u32) -> &[OutTransfer] {
        &self.outs[self.out_offsets[e as usize]..self.out_offsets[e as usize + 1]]
    }

    /// Transfers out of account `e` from `at` to `window` seconds after it, in time order.
    pub fn transfers_within(&self, e: u32, at: i64, window: i64) -> &[OutTransfer] {
        let outs = self.transfers_from(e);
        let start = outs.partition_point(|o| o.at < at);
        let end = start + outs[start..].partition_point(|o| o.at <= at.saturating_add(window));
        &outs[start..end]
    }

    /// Whether `o` takes money out of the accounts: a withdrawal or purchase (see [`LEAVES_ACCOUNTS`]), or a cash-out
    /// without a counterparty. Its receiver links nobody and holds nothing to follow.
    pub fn leaves_accounts(&self, o: &OutTransfer) -> bool {
        o.channel.is_some_and(|c| LEAVES_ACCOUNTS.contains(&c)) || is_cash_out_key(self.key(o.to))
    }

    /// Number of transfers into account `e`.
    pub fn in_degree(&self, e: u32) -> usize {
        self.in_degree[e as usize] as usize
    }

    /// What was skipped while building.
    pub fn stats(&self) -> &BuildStats {
        &self.stats
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(id: &str, phones: &[&str], narrative: &str) -> ReportInput {
        ReportInput {
            phones: phones.iter().map(|s| s.to_string()).collect(),
            narrative: narrative.into(),
            ..ReportInput::new(id, 1_000, FraudType::OrderBrushing)
        }
    }

    #[test]
    fn interns_keys_from_fields_narrative_and_payments() {
        let reports = vec![
            report("A", &["138-0013-8000", "not a phone"], "加了QQ：83412907"),
            report("B", &["+86 13800138000"], ""),
        ];
        let transfers = vec![
            TransferInput {
                from_account: "6216614140166350213".into(),
                to_account: "6221 5582 0144 7288".into(),
                amount_fen: 100,
                at: 5,
                report_id: Some("B".into()),
                channel: None,
            },
            TransferInput {
                from_account: "6221558201447288".into(),
                to_account: "ATM3101150123".into(),
                amount_fen: 90,
                at: 9,
                report_id: Some("Z".into()),
                channel: None,
            },
        ];
        let g = GangGraph::build(&reports, transfers);
        assert_eq!(g.report_count(), 2);
        assert_eq!(g.stats().unparsed_identifiers, 1);
        assert_eq!(g.stats().unknown_report_refs, 1);
        let phone = g.entity("tel:+8613800138000").unwrap();
        assert!(g.mentions(0).contains(&phone) && g.mentions(1).contains(&phone));
        assert!(g.entity("qq:83412907").is_some_and(|q| g.mentions(0).contains(&q)));
        let l1 = g.entity("card:6221558201447288").unwrap();
        assert!(g.mentions(1).contains(&l1));
        assert_eq!(g.payments(1), &[Payment { account: l1, at: 5, amount_fen: 100 }]);
        let atm = g.entity("acct:ATM3101150123").unwrap();
        assert_eq!(g.transfers_from(l1), &[OutTransfer { to: atm, at: 9, amount_fen: 90, channel: None }]);
        assert_eq!(g.in_degree(atm), 1);
        assert_eq!(g.kind(atm), EntityKind::Account);
    }
}
