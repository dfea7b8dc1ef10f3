//! Plain input records for the risk scorer: what the edge reads from the store, already normalised.

use datasets::{Outcome, OutreachChannel};

/// One resident. Sensitive attributes (ethnicity, religion, health) are deliberately absent.
#[derive(Debug, Clone, PartialEq)]
pub struct ResidentInput {
    pub id: String,
    pub birth_year: u16,
    /// Sex code (`M`, `F`, …): used only to report selection rates, never as a feature.
    pub gender: String,
    pub community: String,
    pub lives_alone: Option<bool>,
    pub antifraud_app: Option<bool>,
    /// Canonical phone keys (`tel:+86…`), as `datasets::ident::normalize(IdField::Phone, …)` gives them.
    pub phones: Vec<String>,
}

/// One fraud report.
#[derive(Debug, Clone, PartialEq)]
pub struct VictimReport {
    /// When the report was filed (epoch seconds): the moment its content becomes known.
    pub reported_at: i64,
    /// When the fraud happened (first contact or first loss), when the report says: the week the victim was at risk
    /// in, which the model learns to predict. Reports are filed hours to weeks later.
    pub occurred_at: Option<i64>,
    pub victim_id: Option<String>,
    /// The report's community, else the victim's (the caller resolves it); `None` when unknown.
    pub community: Option<String>,
    /// Filed in the residents' own district (shared reports from elsewhere only contribute phone numbers).
    pub local: bool,
    /// Canonical phone keys mentioned in the report.
    pub phones: Vec<String>,
}

/// One call or message between two phones (canonical keys).
#[derive(Debug, Clone, PartialEq)]
pub struct ContactInput {
    pub from_phone: String,
    pub to_phone: String,
    pub at: i64,
}

/// One outreach attempt.
#[derive(Debug, Clone, PartialEq)]
pub struct OutreachInput {
    pub resident_id: String,
    pub channel: OutreachChannel,
    pub at: i64,
    pub outcome: Option<Outcome>,
    pub holdout: bool,
}

/// A phone number of a gang cluster (from the latest clustering run), and when it became known as one.
#[derive(Debug, Clone, PartialEq)]
pub struct GangNumber {
    /// Canonical phone key.
    pub phone: String,
    /// Epoch seconds from which the number counts as a gang number: the caller decides (the edge uses the later
    /// of the report naming it and the cluster's second report, see `docs/risk-features.md`).
    pub known_at: i64,
}

/// Everything the feature builder reads.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RiskData {
    pub residents: Vec<ResidentInput>,
    pub reports: Vec<VictimReport>,
    pub contacts: Vec<ContactInput>,
    pub outreach: Vec<OutreachInput>,
    /// Numbers of gang clusters with the time each became known (empty when no clustering run exists).
    pub gang_numbers: Vec<GangNumber>,
}

/// Canonical phone key, or the trimmed raw text when it does not parse (it then matches only itself).
pub fn phone_key(raw: &str) -> String {
    datasets::ident::normalize(datasets::ident::IdField::Phone, raw)
        .map_or_else(|_| raw.trim().to_string(), |id| id.key)
}

impl RiskData {
    /// Builds the inputs from parsed interchange records (any order): phones normalised, a report's community
    /// taken from its victim when missing, and `local` = filed in a district the residents live in.
    pub fn from_records(records: impl IntoIterator<Item = datasets::Record>) -> RiskData {
        use datasets::Record;
        let mut data = RiskData::default();
        let mut raw_reports = Vec::new();
        let mut districts = std::collections::HashSet::new();
        for rec in records {
            match rec {
                Record::Resident(r) => data.residents.push(ResidentInput {
                    id: {
                        districts.insert(r.district.clone());
                        r.resident_id
                    },
                    birth_year: r.birth_year,
                    gender: r.gender.code().to_string(),
                    community: r.community,
                    lives_alone: r.lives_alone,
                    antifraud_app: r.antifraud_app,
                    phones: r.phones.iter().map(|p| phone_key(p)).collect(),
                }),
                Record::Report(r) => raw_reports.push(r),
                Record::Contact(c) => data.contacts.push(ContactInput {
                    from_phone: phone_key(&c.from_phone),
                    to_phone: phone_key(&c.to_phone),
                    at: c.at.0,
                }),
                Record::Outreach(o) => data.outreach.push(OutreachInput {
                    resident_id: o.resident_id,
                    channel: o.channel,
                    at: o.at.0,
                    outcome: o.outcome,
                    holdout: o.holdout == Some(true),
                }),
                _ => {}
            }
        }
        let community: std::collections::HashMap<&str, &str> =
            data.residents.iter().map(|r| (r.id.as_str(), r.community.as_str())).collect();
        let reports = raw_reports
            .into_iter()
            .map(|r| VictimReport {
                reported_at: r.reported_at.0,
                occurred_at: r.occurred_at.map(|t| t.0),
                community: r
                    .community
                    .clone()
                    .or_else(|| r.victim_id.as_deref().and_then(|v| community.get(v)).map(|c| (*c).to_string())),
                local: districts.contains(&r.district),
                victim_id: r.victim_id,
                phones: r.phones.iter().map(|p| phone_key(p)).collect(),
            })
            .collect();
        data.reports = reports;
        data
    }
}
