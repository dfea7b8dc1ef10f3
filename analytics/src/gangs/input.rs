//! The plain in-memory input of gang clustering: reports and transfers as the store or a folder hands them in.

use datasets::{FraudType, TransferChannel};

/// One fraud report; identifier lists hold values as written (they are normalised when the graph is built).
#[derive(Debug, Clone, PartialEq)]
pub struct ReportInput {
    pub report_id: String,
    /// Reporting time, epoch seconds.
    pub reported_at: i64,
    /// When the fraud happened, epoch seconds, if known (used for time closeness; else `reported_at`).
    pub occurred_at: Option<i64>,
    pub fraud_type: FraudType,
    pub phones: Vec<String>,
    pub accounts: Vec<String>,
    pub urls: Vec<String>,
    pub apps: Vec<String>,
    pub im_ids: Vec<String>,
    /// Free text; identifiers written in it are extracted.
    pub narrative: String,
}

impl ReportInput {
    /// A report with no identifiers and no narrative yet (fill the fields you have with struct update syntax).
    pub fn new(report_id: impl Into<String>, reported_at: i64, fraud_type: FraudType) -> ReportInput {
        ReportInput {
            report_id: report_id.into(),
            reported_at,
            occurred_at: None,
            fraud_type,
            phones: Vec::new(),
            accounts: Vec::new(),
            urls: Vec::new(),
            apps: Vec::new(),
            im_ids: Vec::new(),
            narrative: String::new(),
        }
    }

    /// The time used for closeness: when it happened, else when it was reported.
    pub fn time(&self) -> i64 {
        self.occurred_at.unwrap_or(self.reported_at)
    }
}

impl From<&datasets::Report> for ReportInput {
    fn from(r: &datasets::Report) -> Self {
        Self {
            report_id: r.report_id.clone(),
            reported_at: r.reported_at.0,
            occurred_at: r.occurred_at.map(|t| t.0),
            fraud_type: r.fraud_type,
            phones: r.phones.clone(),
            accounts: r.accounts.clone(),
            urls: r.urls.clone(),
            apps: r.apps.clone(),
            im_ids: r.im_ids.clone(),
            narrative: r.narrative.clone(),
        }
    }
}

/// One money transfer between two accounts (raw account text, normalised when the graph is built).
#[derive(Debug, Clone, PartialEq)]
pub struct TransferInput {
    pub from_account: String,
    pub to_account: String,
    pub amount_fen: i64,
    /// Epoch seconds.
    pub at: i64,
    /// The report this payment was reported in (a victim's own payment), if any.
    pub report_id: Option<String>,
    /// How, if known: ATM withdrawals, cash and merchant purchases end attributed-money trails and link nothing
    /// (cash is no account; a merchant is an innocent shop).
    pub channel: Option<TransferChannel>,
}

impl From<&datasets::Transfer> for TransferInput {
    fn from(t: &datasets::Transfer) -> Self {
        Self {
            from_account: t.from_account.clone(),
            to_account: t.to_account.clone(),
            amount_fen: t.amount.0,
            at: t.at.0,
            report_id: t.report_id.clone(),
            channel: t.channel,
        }
    }
}
