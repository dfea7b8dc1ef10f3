//! Plain inputs of a plan: residents as the plan needs them, the week's scores and the outreach history.

use datasets::{FraudType, Language, Outcome, OutreachChannel};
use serde::{Deserialize, Serialize};

use crate::codes::AgeBand;

/// Whether a resident may be contacted by routine campaigns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResidentStatus {
    Active,
    OptedOut,
    Moved,
    Deceased,
}

/// One resident, as the planner sees them (the edge derives these from residents.csv and its flags).
#[derive(Debug, Clone, PartialEq)]
pub struct PlanResident {
    pub id: String,
    /// Grid (网格) code; staff cover grids.
    pub grid: String,
    /// Age in years at the planned week.
    pub age: u8,
    pub lives_alone: bool,
    pub has_phone: bool,
    pub language: Option<Language>,
    pub status: ResidentStatus,
    /// Contacts with flagged (gang or reported) numbers in the last weeks: with age 60+ and living alone, the
    /// resident must be visited.
    pub recent_exposure: bool,
}

impl PlanResident {
    pub fn band(&self) -> AgeBand {
        AgeBand::of_age(self.age)
    }
}

/// One resident's score in the week's risk snapshot (from the risk model; plain numbers).
#[derive(Debug, Clone, PartialEq)]
pub struct RiskScore {
    pub resident_id: String,
    /// Probability of being victimised this week without new outreach.
    pub p_week: f64,
    /// Expected loss of a case (yuan), when the caller knows better than the age-band prior.
    pub expected_loss_yuan: Option<f64>,
    /// Fraud types the snapshot's reason codes point to (e.g. the specialities of the gangs that called).
    pub likely_types: Vec<FraudType>,
}

/// One past outreach attempt (outreach.csv, or the api's own task and plan records).
#[derive(Debug, Clone, PartialEq)]
pub struct PastContact {
    pub resident_id: String,
    pub channel: OutreachChannel,
    pub at: i64,
    pub content_id: Option<String>,
    pub outcome: Option<Outcome>,
    pub holdout: bool,
    /// Part of an urgent warning's task (never held out; excluded from the routine effect estimate).
    pub urgent: bool,
}

impl PastContact {
    /// A routine attempt from outreach.csv (`urgent` false: the caller marks warnings it knows of).
    pub fn from_record(o: &datasets::Outreach) -> PastContact {
        PastContact {
            resident_id: o.resident_id.clone(),
            channel: o.channel,
            at: o.at.0,
            content_id: o.content_id.clone(),
            outcome: o.outcome,
            holdout: o.holdout == Some(true),
            urgent: false,
        }
    }

    /// The attempt was actually made (not held out) — it counts for caps, rotation and recency.
    pub fn made(&self) -> bool {
        !self.holdout && self.outcome != Some(Outcome::HeldOut)
    }

    /// The attempt reached the resident.
    pub fn reached(&self) -> bool {
        matches!(self.outcome, Some(Outcome::Delivered) | Some(Outcome::Reached))
    }
}
