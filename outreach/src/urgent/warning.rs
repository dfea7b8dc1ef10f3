//! Raising warnings from contacts with flagged numbers, and accepting warnings pushed from outside.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

use super::Grade;
use crate::error::{OutreachError, Result};

/// Where a flagged number comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FlagSource {
    /// A number of a gang cluster.
    GangCluster,
    /// A number named in a recent report.
    RecentReport,
}

/// A number (canonical key) and the moment it became known as flagged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlaggedNumber {
    pub key: String,
    pub known_at: i64,
    pub source: FlagSource,
}

/// A call or SMS to a resident's phone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhoneContact {
    pub from_key: String,
    pub to_key: String,
    pub at: i64,
    /// Seconds of conversation; `None` for an SMS.
    pub duration_s: Option<u32>,
}

/// Phone key → resident id.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PhoneBook(HashMap<String, String>);

impl PhoneBook {
    /// From (phone key, resident id) pairs; a phone listed for two residents keeps the first.
    pub fn new<I: IntoIterator<Item = (String, String)>>(pairs: I) -> PhoneBook {
        let mut m = HashMap::new();
        for (phone, resident) in pairs {
            m.entry(phone).or_insert(resident);
        }
        PhoneBook(m)
    }

    pub fn resident(&self, phone: &str) -> Option<&str> {
        self.0.get(phone).map(String::as_str)
    }
}

/// What the grading rule needs to know about a resident.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WarnedPerson {
    pub age: u8,
    pub prior_victim: bool,
}

/// How warnings are raised and graded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct WarningRule {
    /// A contact up to this long before the number became known raises a warning at the moment it became known
    /// (the centre matches newly flagged numbers against recent contact records); older contacts raise none.
    pub lookback_s: i64,
    /// One warning per resident and number within this window.
    pub dedup_s: i64,
    /// High grade: residents this old or older, prior victims, or a call longer than `long_call_s`.
    pub elderly_age: u8,
    /// Medium grade: any answered call; low: an SMS or an unanswered call.
    pub long_call_s: u32,
}

impl WarningRule {
    /// (est) 72 h lookback, one warning a day per resident and number, high from 60 or a 60-second call.
    pub fn domain_defaults() -> WarningRule {
        WarningRule { lookback_s: 72 * 3600, dedup_s: 86_400, elderly_age: 60, long_call_s: 60 }
    }
}

/// A warning about one resident.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Warning {
    pub id: String,
    pub resident_id: String,
    pub phone: Option<String>,
    /// The flagged number, account or URL (canonical key).
    pub number: String,
    pub grade: Grade,
    /// Who raised it (`gang_cluster`, `recent_report`, the national centre, …).
    pub source: String,
    /// When the contact happened, if known.
    pub contact_at: Option<i64>,
    /// When the warning was raised: never before the number was known.
    pub raised_at: i64,
}

/// Raises warnings from contacts with flagged numbers. A contact at `t` with a number known at `k` raises one at
/// `max(t, k)` when `t ≥ k − lookback`; never earlier than `k`. Sorted by time, then resident.
pub fn raise_warnings(
    contacts: &[PhoneContact],
    flagged: &[FlaggedNumber],
    book: &PhoneBook,
    people: &HashMap<String, WarnedPerson>,
    rule: &WarningRule,
) -> Vec<Warning> {
    let mut known: HashMap<&str, &FlaggedNumber> = HashMap::new();
    for f in flagged {
        // The earliest moment a number counts as flagged wins.
        known
            .entry(f.key.as_str())
            .and_modify(|x| {
                if f.known_at < x.known_at {
                    *x = f
                }
            })
            .or_insert(f);
    }
    let mut ordered: Vec<&PhoneContact> = contacts.iter().collect();
    ordered.sort_by(|a, b| (a.at, &a.to_key, &a.from_key).cmp(&(b.at, &b.to_key, &b.from_key)));
    let mut last: BTreeMap<(&str, &str), i64> = BTreeMap::new();
    let mut out = Vec::new();
    for c in ordered {
        let Some(f) = known.get(c.from_key.as_str()) else { continue };
        if c.at < f.known_at - rule.lookback_s {
            continue;
        }
        let Some(resident) = book.resident(&c.to_key) else { continue };
        let raised_at = c.at.max(f.known_at);
        let key = (resident, f.key.as_str());
        if last.get(&key).is_some_and(|&t| raised_at - t < rule.dedup_s) {
            continue;
        }
        last.insert(key, raised_at);
        let person = people.get(resident);
        let high = person.is_some_and(|p| p.age >= rule.elderly_age || p.prior_victim)
            || c.duration_s.is_some_and(|d| d >= rule.long_call_s);
        let grade = if high {
            Grade::High
        } else if c.duration_s.is_some_and(|d| d > 0) {
            Grade::Medium
        } else {
            Grade::Low
        };
        let source = match f.source {
            FlagSource::GangCluster => "gang_cluster",
            FlagSource::RecentReport => "recent_report",
        };
        out.push(Warning {
            id: format!("W-{resident}-{raised_at}-{}", out.len()),
            resident_id: resident.to_string(),
            phone: Some(c.to_key.clone()),
            number: f.key.clone(),
            grade,
            source: source.to_string(),
            contact_at: Some(c.at),
            raised_at,
        });
    }
    out
}

/// A warning pushed from outside (the national anti-fraud centre, a bank), as received.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WarningInput {
    pub id: String,
    pub resident_id: Option<String>,
    pub phone: Option<String>,
    pub number: String,
    pub grade: Option<Grade>,
    pub source: String,
    pub raised_at: i64,
}

/// Checks a pushed warning: it needs a grade and a resident (named, or through a phone of the book).
pub fn accept_warning(input: &WarningInput, book: &PhoneBook, is_resident: &dyn Fn(&str) -> bool) -> Result<Warning> {
    let grade = input.grade.ok_or_else(|| OutreachError::MissingGrade { id: input.id.clone() })?;
    let resident = match (&input.resident_id, &input.phone) {
        (Some(r), _) => {
            if !is_resident(r) {
                return Err(OutreachError::UnknownResident { id: r.clone(), context: "warning" });
            }
            r.clone()
        }
        (None, Some(p)) => book
            .resident(p)
            .ok_or_else(|| OutreachError::UnmappedPhone { id: input.id.clone(), phone: p.clone() })?
            .to_string(),
        (None, None) => return Err(OutreachError::NoSubject { id: input.id.clone() }),
    };
    Ok(Warning {
        id: input.id.clone(),
        resident_id: resident,
        phone: input.phone.clone(),
        number: input.number.clone(),
        grade,
        source: input.source.clone(),
        contact_at: None,
        raised_at: input.raised_at,
    })
}
