//! Plain inputs of a plan: residents as the plan needs them, the week's scores and the outreach history.

use std::collections::HashMap;

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
    /// Set aside from the randomised comparisons, in either arm, because its resident was exposed just before it
    /// (see [`set_aside_exposed`]).
    pub exposed: bool,
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
            exposed: false,
        }
    }

    /// The attempt is a unit of the randomised comparisons (effect estimate and report): routine, and its resident
    /// not exposed just before it.
    pub fn compared(&self) -> bool {
        !self.urgent && !self.exposed
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

/// How long after an exposure (a contact from outside, or a warning) a contact may be a warning's answer: an urgent
/// warning's deadlines run to the same day, and its escalation to a visit within a day.
pub const EXPOSURE_WINDOW_S: i64 = 2 * 86_400;

/// Sets aside from the randomised comparisons every routine attempt, treated or held out, whose resident was exposed
/// within `window_s` before it (at or before its time): a contact from an outside number (contacts.csv is what
/// operators share for 预警), or a warning. Returns how many it set aside.
///
/// Urgent warnings answer exactly such contacts, are never held out, and a history from another system need not
/// mark them. Counted as treated they make outreach look harmful: on our generator's history 5.6% of the treated
/// attempts within 12 hours after a contact are victimised within the follow-up, against 0.12% of the others, and
/// nearly no held-out attempt falls there. Setting aside the held-out attempts by the same rule keeps the comparison
/// randomised: the rule reads only what happened before the attempt, which the holdout draw cannot have changed.
pub fn set_aside_exposed<'a>(
    history: &mut [PastContact],
    exposures: impl IntoIterator<Item = (&'a str, i64)>,
    window_s: i64,
) -> u64 {
    let mut by_resident: HashMap<&str, Vec<i64>> = HashMap::new();
    for (resident, at) in exposures {
        by_resident.entry(resident).or_default().push(at);
    }
    for times in by_resident.values_mut() {
        times.sort_unstable();
    }
    let mut set_aside = 0;
    for h in history.iter_mut().filter(|h| h.compared()) {
        let Some(times) = by_resident.get(h.resident_id.as_str()) else { continue };
        // The latest exposure at or before the attempt.
        let before = times.partition_point(|&t| t <= h.at);
        if before > 0 && h.at - times[before - 1] <= window_s {
            h.exposed = true;
            set_aside += 1;
        }
    }
    set_aside
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: i64 = 86_400;

    fn attempt(id: &str, at: i64, holdout: bool) -> PastContact {
        PastContact {
            resident_id: id.into(),
            channel: OutreachChannel::Call,
            at,
            content_id: None,
            outcome: Some(if holdout { Outcome::HeldOut } else { Outcome::Reached }),
            holdout,
            urgent: false,
            exposed: false,
        }
    }

    #[test]
    fn attempts_just_after_an_exposure_are_set_aside_in_both_arms() {
        let mut history = vec![
            attempt("A", 10 * DAY, false), // a contact an hour before: set aside
            attempt("B", 10 * DAY, true),  // held out, a contact the day before: set aside too
            attempt("C", 10 * DAY, false), // the contact three days before: kept
            attempt("D", 10 * DAY, true),  // the contact after the attempt: kept
            attempt("E", 10 * DAY, false), // never contacted: kept
            PastContact { urgent: true, ..attempt("A", 11 * DAY, false) }, // urgent already: not counted again
        ];
        let exposures =
            [("A", 10 * DAY - 3_600), ("B", 9 * DAY), ("C", 7 * DAY), ("D", 10 * DAY + 60), ("C", 20 * DAY)];
        let n = set_aside_exposed(&mut history, exposures, EXPOSURE_WINDOW_S);
        assert_eq!(n, 2);
        let exposed: Vec<bool> = history.iter().map(|h| h.exposed).collect();
        assert_eq!(exposed, [true, true, false, false, false, false]);
        let compared: Vec<bool> = history.iter().map(PastContact::compared).collect();
        assert_eq!(compared, [false, false, true, true, true, false]);
        // The boundary: exactly the window before is still within it; a second more is not.
        let mut edge = vec![attempt("A", 10 * DAY, false), attempt("B", 10 * DAY, false)];
        let exposures = [("A", 10 * DAY - EXPOSURE_WINDOW_S), ("B", 10 * DAY - EXPOSURE_WINDOW_S - 1)];
        assert_eq!(set_aside_exposed(&mut edge, exposures, EXPOSURE_WINDOW_S), 1);
        assert!(edge[0].exposed && !edge[1].exposed);
    }
}
