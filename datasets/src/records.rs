//! The record types of the interchange format, one per file, and their field-level parsing.
//!
//! Each table knows its file name, its fields in header order, which are required, and how to turn a row of
//! strings into a typed record (collecting every bad field, not just the first) and back.

use crate::codes::{
    Audience, CaseStatus, ContactChannel, ContactKind, ContentFormat, FraudType, Gender, Language, Outcome,
    OutreachChannel, TransferChannel,
};
use crate::duty::Duty;
use crate::values::{AmountError, Fen, Timestamp};

/// One file of the interchange format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Table {
    Residents,
    Reports,
    Transfers,
    Contacts,
    Content,
    Staff,
    Outreach,
}

impl Table {
    /// Every table, in ingest order (referenced tables first).
    pub const ALL: [Table; 7] = [
        Table::Residents,
        Table::Reports,
        Table::Transfers,
        Table::Contacts,
        Table::Content,
        Table::Staff,
        Table::Outreach,
    ];

    /// The file stem (`reports` for `reports.csv` / `reports.jsonl`); also the store's table name.
    pub fn name(self) -> &'static str {
        match self {
            Table::Residents => "residents",
            Table::Reports => "reports",
            Table::Transfers => "transfers",
            Table::Contacts => "contacts",
            Table::Content => "content",
            Table::Staff => "staff",
            Table::Outreach => "outreach",
        }
    }

    /// Parses a file stem.
    pub fn from_name(s: &str) -> Option<Table> {
        Table::ALL.into_iter().find(|t| t.name() == s)
    }

    /// The fields in header order; the first is the record id.
    pub fn fields(self) -> &'static [&'static str] {
        match self {
            Table::Reports => &[
                "report_id",
                "reported_at",
                "occurred_at",
                "district",
                "community",
                "victim_id",
                "victim_age",
                "victim_gender",
                "fraud_type",
                "loss_yuan",
                "contact_channel",
                "status",
                "narrative",
                "phones",
                "accounts",
                "urls",
                "apps",
                "im_ids",
            ],
            Table::Transfers => {
                &["transfer_id", "from_account", "to_account", "amount_yuan", "at", "channel", "report_id"]
            }
            Table::Contacts => &["contact_id", "from_phone", "to_phone", "at", "kind", "duration_s"],
            Table::Residents => &[
                "resident_id",
                "birth_year",
                "gender",
                "district",
                "community",
                "grid",
                "lives_alone",
                "phones",
                "antifraud_app",
                "language",
            ],
            Table::Content => {
                &["content_id", "title", "format", "fraud_types", "audience", "channels", "minutes", "language"]
            }
            Table::Staff => &["staff_id", "name", "grids", "minutes_per_week", "duty"],
            Table::Outreach => {
                &["event_id", "resident_id", "content_id", "channel", "staff_id", "at", "outcome", "holdout"]
            }
        }
    }

    /// Fields that must be present and non-empty.
    pub fn required(self) -> &'static [&'static str] {
        match self {
            Table::Reports => &["report_id", "reported_at", "district", "fraud_type"],
            // `to_account` may be empty on a cash-out channel (checked in `Record::parse`).
            Table::Transfers => &["transfer_id", "from_account", "amount_yuan", "at"],
            Table::Contacts => &["contact_id", "from_phone", "to_phone", "at", "kind"],
            Table::Residents => &["resident_id", "birth_year", "district", "community"],
            Table::Content => &["content_id", "title", "format"],
            Table::Staff => &["staff_id", "minutes_per_week"],
            Table::Outreach => &["event_id", "resident_id", "channel", "at"],
        }
    }

    /// The id field (always the first).
    pub fn id_field(self) -> &'static str {
        self.fields()[0]
    }
}

/// What was wrong with one field of a row.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FieldProblem {
    #[error("required field is missing or empty")]
    Missing,
    #[error("invalid timestamp {value:?}: expected RFC 3339 or `YYYY-MM-DD HH:MM:SS` (Beijing time)")]
    Timestamp { value: String },
    #[error("invalid amount {value:?}: {error}")]
    Amount { value: String, error: AmountError },
    #[error("invalid integer {value:?}")]
    Integer { value: String },
    #[error("{value:?} is out of range {min}..={max}")]
    OutOfRange { value: i64, min: i64, max: i64 },
    #[error("invalid boolean {value:?}: expected 1/0, true/false, yes/no or 是/否")]
    Bool { value: String },
    #[error("unknown value {value:?}; allowed: {allowed}")]
    UnknownCode { value: String, allowed: String },
    #[error("invalid duty hours: {reason}")]
    Duty { reason: String },
    #[error(
        "empty receiving account: only a cash-out (channel atm, cash, crypto or merchant) may leave it empty; this \
         transfer's channel is {channel}"
    )]
    NoCounterparty { channel: String },
}

/// A problem with a named field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: &'static str,
    pub problem: FieldProblem,
}

/// Read access to one row's fields by name; empty strings are treated as missing.
pub trait RowSource {
    /// The raw value of `field`, or `None` when absent.
    fn raw(&self, field: &str) -> Option<&str>;
}

/// A parsed record of any table.
#[derive(Debug, Clone, PartialEq)]
pub enum Record {
    Resident(Resident),
    Report(Report),
    Transfer(Transfer),
    Contact(Contact),
    Content(Content),
    Staff(Staff),
    Outreach(Outreach),
}

impl Record {
    /// The table this record belongs to.
    pub fn table(&self) -> Table {
        match self {
            Record::Resident(_) => Table::Residents,
            Record::Report(_) => Table::Reports,
            Record::Transfer(_) => Table::Transfers,
            Record::Contact(_) => Table::Contacts,
            Record::Content(_) => Table::Content,
            Record::Staff(_) => Table::Staff,
            Record::Outreach(_) => Table::Outreach,
        }
    }

    /// The record's id.
    pub fn id(&self) -> &str {
        match self {
            Record::Resident(r) => &r.resident_id,
            Record::Report(r) => &r.report_id,
            Record::Transfer(r) => &r.transfer_id,
            Record::Contact(r) => &r.contact_id,
            Record::Content(r) => &r.content_id,
            Record::Staff(r) => &r.staff_id,
            Record::Outreach(r) => &r.event_id,
        }
    }

    /// Parses a row of `table`, reporting every bad field.
    pub fn parse(table: Table, row: &dyn RowSource) -> Result<Record, Vec<FieldError>> {
        let mut p = FieldParser { row, errors: Vec::new() };
        for f in table.required() {
            if p.opt(f).is_none() {
                p.errors.push(FieldError { field: f, problem: FieldProblem::Missing });
            }
        }
        let rec = match table {
            Table::Residents => Record::Resident(Resident {
                resident_id: p.text("resident_id"),
                birth_year: p.int("birth_year", 1880, 2100).unwrap_or(0) as u16,
                gender: p.code("gender", Gender::parse, Gender::codes).unwrap_or(Gender::Unknown),
                district: p.text("district"),
                community: p.text("community"),
                grid: p.opt_text("grid"),
                lives_alone: p.bool("lives_alone"),
                phones: p.list("phones"),
                antifraud_app: p.bool("antifraud_app"),
                language: p.code("language", Language::parse, Language::codes),
            }),
            Table::Reports => Record::Report(Report {
                report_id: p.text("report_id"),
                reported_at: p.time("reported_at").unwrap_or(Timestamp(0)),
                occurred_at: p.time("occurred_at"),
                district: p.text("district"),
                community: p.opt_text("community"),
                victim_id: p.opt_text("victim_id"),
                victim_age: p.int("victim_age", 0, 130).map(|v| v as u8),
                victim_gender: p.code("victim_gender", Gender::parse, Gender::codes),
                fraud_type: p.code("fraud_type", FraudType::parse, FraudType::codes).unwrap_or(FraudType::Other),
                loss: p.amount("loss_yuan"),
                contact_channel: p.code("contact_channel", ContactChannel::parse, ContactChannel::codes),
                status: p.code("status", CaseStatus::parse, CaseStatus::codes),
                narrative: p.opt_text("narrative").unwrap_or_default(),
                phones: p.list("phones"),
                accounts: p.list("accounts"),
                urls: p.list("urls"),
                apps: p.list("apps"),
                im_ids: p.list("im_ids"),
            }),
            Table::Transfers => {
                let channel = p.code("channel", TransferChannel::parse, TransferChannel::codes);
                let to_account = p.text("to_account");
                if to_account.is_empty() && !channel.is_some_and(TransferChannel::is_cash_out) {
                    // A channel that did not parse has its own error already; name the empty field only otherwise.
                    match (channel, p.opt("channel").is_some()) {
                        (Some(c), _) => p.fail("to_account", FieldProblem::NoCounterparty { channel: c.code().into() }),
                        (None, false) => {
                            p.fail("to_account", FieldProblem::NoCounterparty { channel: "not given".into() })
                        }
                        (None, true) => p.fail("to_account", FieldProblem::Missing),
                    }
                }
                Record::Transfer(Transfer {
                    transfer_id: p.text("transfer_id"),
                    from_account: p.text("from_account"),
                    to_account,
                    amount: p.amount("amount_yuan").unwrap_or_default(),
                    at: p.time("at").unwrap_or(Timestamp(0)),
                    channel,
                    report_id: p.opt_text("report_id"),
                })
            }
            Table::Contacts => Record::Contact(Contact {
                contact_id: p.text("contact_id"),
                from_phone: p.text("from_phone"),
                to_phone: p.text("to_phone"),
                at: p.time("at").unwrap_or(Timestamp(0)),
                kind: p.code("kind", ContactKind::parse, ContactKind::codes).unwrap_or(ContactKind::Call),
                duration_s: p.int("duration_s", 0, 86_400 * 7).map(|v| v as u32),
            }),
            Table::Content => Record::Content(Content {
                content_id: p.text("content_id"),
                title: p.text("title"),
                format: p.code("format", ContentFormat::parse, ContentFormat::codes).unwrap_or(ContentFormat::Leaflet),
                fraud_types: p.code_list("fraud_types", FraudType::parse, FraudType::codes),
                audience: p.code("audience", Audience::parse, Audience::codes).unwrap_or(Audience::All),
                channels: p.code_list("channels", OutreachChannel::parse, OutreachChannel::codes),
                minutes: p.int("minutes", 0, 24 * 60).map(|v| v as u32),
                language: p.code("language", Language::parse, Language::codes),
            }),
            Table::Staff => Record::Staff(Staff {
                staff_id: p.text("staff_id"),
                name: p.opt_text("name"),
                grids: p.list("grids"),
                minutes_per_week: p.int("minutes_per_week", 0, 7 * 24 * 60).unwrap_or(0) as u32,
                duty: p.duty("duty"),
            }),
            Table::Outreach => Record::Outreach(Outreach {
                event_id: p.text("event_id"),
                resident_id: p.text("resident_id"),
                content_id: p.opt_text("content_id"),
                channel: p
                    .code("channel", OutreachChannel::parse, OutreachChannel::codes)
                    .unwrap_or(OutreachChannel::None),
                staff_id: p.opt_text("staff_id"),
                at: p.time("at").unwrap_or(Timestamp(0)),
                outcome: p.code("outcome", Outcome::parse, Outcome::codes),
                holdout: p.bool("holdout"),
            }),
        };
        if p.errors.is_empty() { Ok(rec) } else { Err(p.errors) }
    }

    /// The record as strings in header order, as written to CSV (lists joined with `;`).
    pub fn to_fields(&self) -> Vec<String> {
        fn o<T: ToString>(v: &Option<T>) -> String {
            v.as_ref().map(|x| x.to_string()).unwrap_or_default()
        }
        fn b(v: Option<bool>) -> String {
            v.map(|x| if x { "1" } else { "0" }.to_string()).unwrap_or_default()
        }
        fn l(v: &[String]) -> String {
            v.join(";")
        }
        fn codes<T: std::fmt::Display>(v: &[T]) -> String {
            v.iter().map(|c| c.to_string()).collect::<Vec<_>>().join(";")
        }
        match self {
            Record::Resident(r) => vec![
                r.resident_id.clone(),
                r.birth_year.to_string(),
                r.gender.to_string(),
                r.district.clone(),
                r.community.clone(),
                o(&r.grid),
                b(r.lives_alone),
                l(&r.phones),
                b(r.antifraud_app),
                o(&r.language),
            ],
            Record::Report(r) => vec![
                r.report_id.clone(),
                r.reported_at.to_string(),
                o(&r.occurred_at),
                r.district.clone(),
                o(&r.community),
                o(&r.victim_id),
                o(&r.victim_age),
                o(&r.victim_gender),
                r.fraud_type.to_string(),
                o(&r.loss),
                o(&r.contact_channel),
                o(&r.status),
                r.narrative.clone(),
                l(&r.phones),
                l(&r.accounts),
                l(&r.urls),
                l(&r.apps),
                l(&r.im_ids),
            ],
            Record::Transfer(r) => vec![
                r.transfer_id.clone(),
                r.from_account.clone(),
                r.to_account.clone(),
                r.amount.to_string(),
                r.at.to_string(),
                o(&r.channel),
                o(&r.report_id),
            ],
            Record::Contact(r) => vec![
                r.contact_id.clone(),
                r.from_phone.clone(),
                r.to_phone.clone(),
                r.at.to_string(),
                r.kind.to_string(),
                o(&r.duration_s),
            ],
            Record::Content(r) => vec![
                r.content_id.clone(),
                r.title.clone(),
                r.format.to_string(),
                codes(&r.fraud_types),
                r.audience.to_string(),
                codes(&r.channels),
                o(&r.minutes),
                o(&r.language),
            ],
            Record::Staff(r) => {
                vec![r.staff_id.clone(), o(&r.name), l(&r.grids), r.minutes_per_week.to_string(), o(&r.duty)]
            }
            Record::Outreach(r) => vec![
                r.event_id.clone(),
                r.resident_id.clone(),
                o(&r.content_id),
                r.channel.to_string(),
                o(&r.staff_id),
                r.at.to_string(),
                o(&r.outcome),
                b(r.holdout),
            ],
        }
    }
}

/// A resident of the district (residents.csv).
#[derive(Debug, Clone, PartialEq)]
pub struct Resident {
    pub resident_id: String,
    pub birth_year: u16,
    pub gender: Gender,
    pub district: String,
    pub community: String,
    pub grid: Option<String>,
    pub lives_alone: Option<bool>,
    pub phones: Vec<String>,
    pub antifraud_app: Option<bool>,
    pub language: Option<Language>,
}

/// A fraud report (reports.csv); identifier lists hold values as written, not yet normalised.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    pub report_id: String,
    pub reported_at: Timestamp,
    pub occurred_at: Option<Timestamp>,
    /// District code (六位行政区划代码) or name of the reporting district.
    pub district: String,
    pub community: Option<String>,
    /// The victim's resident id, when the victim lives in this district.
    pub victim_id: Option<String>,
    pub victim_age: Option<u8>,
    pub victim_gender: Option<Gender>,
    pub fraud_type: FraudType,
    pub loss: Option<Fen>,
    pub contact_channel: Option<ContactChannel>,
    /// Where the case stands (受理, 立案, 破案, 撤案), when the source says.
    pub status: Option<CaseStatus>,
    pub narrative: String,
    pub phones: Vec<String>,
    pub accounts: Vec<String>,
    pub urls: Vec<String>,
    pub apps: Vec<String>,
    pub im_ids: Vec<String>,
}

/// A money transfer between two accounts (transfers.csv).
#[derive(Debug, Clone, PartialEq)]
pub struct Transfer {
    pub transfer_id: String,
    pub from_account: String,
    /// Empty for a cash-out without a counterparty (an ATM withdrawal, cash, crypto or a purchase, see
    /// [`TransferChannel::is_cash_out`]): the money leaves the system there. Any other transfer names its receiver.
    pub to_account: String,
    pub amount: Fen,
    pub at: Timestamp,
    pub channel: Option<TransferChannel>,
    /// The report this transfer was reported in, if any (a victim's payment).
    pub report_id: Option<String>,
}

/// A call or SMS from a number to a resident's phone (contacts.csv).
#[derive(Debug, Clone, PartialEq)]
pub struct Contact {
    pub contact_id: String,
    pub from_phone: String,
    pub to_phone: String,
    pub at: Timestamp,
    pub kind: ContactKind,
    pub duration_s: Option<u32>,
}

/// An anti-fraud material (content.csv).
#[derive(Debug, Clone, PartialEq)]
pub struct Content {
    pub content_id: String,
    pub title: String,
    pub format: ContentFormat,
    pub fraud_types: Vec<FraudType>,
    pub audience: Audience,
    pub channels: Vec<OutreachChannel>,
    pub minutes: Option<u32>,
    pub language: Option<Language>,
}

/// A member of prevention staff (staff.csv).
#[derive(Debug, Clone, PartialEq)]
pub struct Staff {
    pub staff_id: String,
    pub name: Option<String>,
    pub grids: Vec<String>,
    pub minutes_per_week: u32,
    /// Duty hours (when urgent warnings may go to this person); `None`: not given.
    pub duty: Option<Duty>,
}

/// The outcome of one past outreach attempt (outreach.csv).
#[derive(Debug, Clone, PartialEq)]
pub struct Outreach {
    pub event_id: String,
    pub resident_id: String,
    pub content_id: Option<String>,
    pub channel: OutreachChannel,
    pub staff_id: Option<String>,
    pub at: Timestamp,
    pub outcome: Option<Outcome>,
    pub holdout: Option<bool>,
}

/// Parses fields of one row, collecting errors.
struct FieldParser<'a> {
    row: &'a dyn RowSource,
    errors: Vec<FieldError>,
}

impl FieldParser<'_> {
    fn opt(&self, field: &str) -> Option<&str> {
        self.row.raw(field).map(str::trim).filter(|s| !s.is_empty())
    }

    fn fail(&mut self, field: &'static str, problem: FieldProblem) {
        self.errors.push(FieldError { field, problem });
    }

    fn text(&mut self, field: &'static str) -> String {
        self.opt(field).unwrap_or_default().to_string()
    }

    fn opt_text(&mut self, field: &'static str) -> Option<String> {
        self.opt(field).map(str::to_string)
    }

    fn time(&mut self, field: &'static str) -> Option<Timestamp> {
        let v = self.opt(field)?.to_string();
        match Timestamp::parse(&v) {
            Ok(t) => Some(t),
            Err(_) => {
                self.fail(field, FieldProblem::Timestamp { value: v });
                None
            }
        }
    }

    fn amount(&mut self, field: &'static str) -> Option<Fen> {
        let v = self.opt(field)?.to_string();
        match Fen::parse_yuan(&v) {
            Ok(a) => Some(a),
            Err(error) => {
                self.fail(field, FieldProblem::Amount { value: v, error });
                None
            }
        }
    }

    fn int(&mut self, field: &'static str, min: i64, max: i64) -> Option<i64> {
        let v = self.opt(field)?.to_string();
        match v.parse::<i64>() {
            Ok(n) if (min..=max).contains(&n) => Some(n),
            Ok(n) => {
                self.fail(field, FieldProblem::OutOfRange { value: n, min, max });
                None
            }
            Err(_) => {
                self.fail(field, FieldProblem::Integer { value: v });
                None
            }
        }
    }

    fn bool(&mut self, field: &'static str) -> Option<bool> {
        let v = self.opt(field)?.to_string();
        match v.to_ascii_lowercase().as_str() {
            "1" | "true" | "yes" | "y" | "是" => Some(true),
            "0" | "false" | "no" | "n" | "否" => Some(false),
            _ => {
                self.fail(field, FieldProblem::Bool { value: v });
                None
            }
        }
    }

    fn code<T>(&mut self, field: &'static str, parse: fn(&str) -> Option<T>, codes: fn() -> String) -> Option<T> {
        let v = self.opt(field)?.to_string();
        match parse(&v) {
            Some(c) => Some(c),
            None => {
                self.fail(field, FieldProblem::UnknownCode { value: v, allowed: codes() });
                None
            }
        }
    }

    fn duty(&mut self, field: &'static str) -> Option<Duty> {
        let v = self.opt(field)?.to_string();
        match Duty::parse(&v) {
            Ok(d) => Some(d),
            Err(reason) => {
                self.fail(field, FieldProblem::Duty { reason });
                None
            }
        }
    }

    fn list(&mut self, field: &'static str) -> Vec<String> {
        self.opt(field)
            .map(|v| v.split([';', '；']).map(str::trim).filter(|s| !s.is_empty()).map(str::to_string).collect())
            .unwrap_or_default()
    }

    fn code_list<T>(&mut self, field: &'static str, parse: fn(&str) -> Option<T>, codes: fn() -> String) -> Vec<T> {
        let mut out = Vec::new();
        for item in self.list(field) {
            match parse(&item) {
                Some(c) => out.push(c),
                None => self.fail(field, FieldProblem::UnknownCode { value: item, allowed: codes() }),
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    struct Map(HashMap<&'static str, &'static str>);
    impl RowSource for Map {
        fn raw(&self, field: &str) -> Option<&str> {
            self.0.get(field).copied()
        }
    }

    #[test]
    fn a_report_row_parses_and_round_trips() {
        let row = Map(HashMap::from([
            ("report_id", "R1"),
            ("reported_at", "2026-03-02 10:00:00"),
            ("district", "310115"),
            ("fraud_type", "刷单返利"),
            ("loss_yuan", "2000.5"),
            ("phones", "138 0013 8000; 95588"),
        ]));
        let rec = Record::parse(Table::Reports, &row).unwrap();
        let Record::Report(r) = &rec else { panic!("not a report") };
        assert_eq!(r.fraud_type, FraudType::OrderBrushing);
        assert_eq!(r.loss, Some(Fen(200_050)));
        assert_eq!(r.phones, vec!["138 0013 8000", "95588"]);
        let fields = rec.to_fields();
        assert_eq!(fields.len(), Table::Reports.fields().len());
        assert_eq!(fields[9], "2000.50");
    }

    #[test]
    fn every_bad_field_is_reported() {
        let row = Map(HashMap::from([
            ("report_id", "R1"),
            ("reported_at", "not a date"),
            ("fraud_type", "alien_abduction"),
            ("loss_yuan", "-3"),
        ]));
        let errs = Record::parse(Table::Reports, &row).unwrap_err();
        let fields: Vec<_> = errs.iter().map(|e| e.field).collect();
        assert_eq!(fields, vec!["district", "reported_at", "fraud_type", "loss_yuan"]);
    }

    fn transfer(to: &'static str, channel: Option<&'static str>) -> Result<Record, Vec<FieldError>> {
        let mut fields = HashMap::from([
            ("transfer_id", "T1"),
            ("from_account", "6222021234567890123"),
            ("to_account", to),
            ("amount_yuan", "5000"),
            ("at", "2026-03-02 10:00:00"),
        ]);
        if let Some(c) = channel {
            fields.insert("channel", c);
        }
        Record::parse(Table::Transfers, &Map(fields))
    }

    #[test]
    fn a_cash_out_may_have_no_receiving_account_and_nothing_else_may() {
        for channel in ["atm", "cash", "crypto", "merchant", "ATM取现"] {
            let Ok(Record::Transfer(t)) = transfer("", Some(channel)) else { panic!("{channel} rejected") };
            assert!(t.to_account.is_empty() && t.channel.is_some_and(TransferChannel::is_cash_out));
        }
        for (channel, named) in [(Some("bank"), "bank"), (Some("alipay"), "alipay"), (None, "not given")] {
            let errs = transfer("  ", channel).unwrap_err();
            assert_eq!(errs.len(), 1, "{errs:?}");
            assert_eq!(errs[0].field, "to_account");
            assert_eq!(errs[0].problem, FieldProblem::NoCounterparty { channel: named.into() });
            assert!(errs[0].problem.to_string().contains("only a cash-out"), "{}", errs[0].problem);
        }
        // An unknown channel is its own error; the empty receiver is then reported as missing.
        let fields: Vec<_> = transfer("", Some("teleport")).unwrap_err().iter().map(|e| e.field).collect();
        assert_eq!(fields, vec!["channel", "to_account"]);
        assert!(transfer("6228480402564890018", Some("bank")).is_ok());
    }
}
