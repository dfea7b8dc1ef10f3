//! Store rows → the outreach library's plain inputs: residents (age at the week, exposure), the week's scores,
//! content, staff minutes (scaled), minutes booked by urgent tasks, the history, the local trend, the channel model,
//! and the flagged numbers with the moment each became known.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use analytics::{HubPolicy, IsoWeek};
use chrono::Datelike as _;
use datasets::{FraudType, OutreachChannel, Staff};
use outreach::{
    ActionMinutes, AgeBand, ChannelModel, ContentLibrary, EstimateParams, FlagSource, FlaggedNumber, PastContact,
    PlanInput, PlanResident, ResidentStatus, RiskScore, Task, TypeEvidence, Victimisation,
};

use crate::error::{AppError, AppResult};
use crate::store::{ContactRow, OutcomeRow, PlanResidentRow, ScoreFilter, SnapshotHead, Store, VictimRow};

const DAY: i64 = 86_400;
/// Contacts with a flagged number within this many days before the week make a resident recently exposed.
const EXPOSURE_DAYS: i64 = 14;
/// Local cases of the last this many days make the trend.
const TREND_DAYS: i64 = 56;

/// Everything a plan reads, owned.
pub(super) struct PlanData {
    week_start: i64,
    residents: Vec<PlanResident>,
    scores: Vec<RiskScore>,
    content: ContentLibrary,
    staff: Vec<Staff>,
    booked: BTreeMap<String, u32>,
    history: Vec<PastContact>,
    trend: Vec<(FraudType, f64)>,
    model: ChannelModel,
}

impl PlanData {
    pub(super) fn load(store: &Store, head: &SnapshotHead, week: IsoWeek, scale: f64) -> AppResult<PlanData> {
        let week_start = week.start();
        let rows = store.plan_residents()?;
        let flagged = flagged_numbers(store, &rows)?;
        // One read of the flagged contacts serves both the exposure (the last EXPOSURE_DAYS, once flagged) and the
        // fraud-type evidence (the last TYPE_EVIDENCE_DAYS).
        // Every contact before the week, read once: the exposures the channel model sets aside need them all.
        let all_contacts = store.contacts_between(i64::MIN / 2, week_start)?;
        let contacts =
            flagged_contacts(&all_contacts, &flagged, week_start - TYPE_EVIDENCE_DAYS * DAY, week_start, &rows);
        let exposed: HashSet<&str> = contacts
            .iter()
            .filter(|c| c.known_at <= c.at && c.at >= week_start - EXPOSURE_DAYS * DAY)
            .map(|c| c.resident_id)
            .collect();
        let victims = store.victimisations()?;
        let evidence = evidence_of(store.reported_numbers()?, &contacts, &victims, week_start);
        let year = datasets::Timestamp(week_start).to_beijing().year();
        let residents: Vec<PlanResident> = rows
            .iter()
            .map(|r| PlanResident {
                id: r.resident_id.clone(),
                grid: r.grid.clone().unwrap_or_default(),
                age: age(year, r.birth_year),
                lives_alone: r.lives_alone == Some(true),
                has_phone: !r.phones.is_empty(),
                language: r.language,
                status: ResidentStatus::Active,
                recent_exposure: exposed.contains(r.resident_id.as_str()),
            })
            .collect();
        let scores = store
            .snapshot_scores(head, &ScoreFilter::default(), 0, usize::MAX)?
            .into_iter()
            .map(|s| {
                // Only reasons on their high side carry evidence ("calls from reported numbers", not "none").
                let high = s.reasons.iter().filter(|r| r.high).map(|r| r.feature.as_str());
                let likely =
                    evidence.get(s.resident_id.as_str()).map_or_else(Vec::new, |e| outreach::likely_types(high, e));
                RiskScore {
                    resident_id: s.resident_id,
                    p_week: s.score,
                    expected_loss_yuan: None,
                    likely_types: likely,
                }
            })
            .collect();
        let content = ContentLibrary::new(&store.content_items()?)?;
        let staff: Vec<Staff> = store
            .staff()?
            .into_iter()
            .map(|mut s| {
                s.minutes_per_week = (f64::from(s.minutes_per_week) * scale).round().min(f64::from(u32::MAX)) as u32;
                s
            })
            .collect();
        let known: HashSet<&str> = staff.iter().map(|s| s.staff_id.as_str()).collect();
        let mut booked =
            outreach::booked_minutes(&stored_tasks(store)?, week_start, week.end(), &ActionMinutes::domain_defaults());
        booked.retain(|s, _| known.contains(s.as_str()));
        let history = compared_history(store, &rows, &all_contacts, week_start)?;
        let mut trend: BTreeMap<FraudType, f64> = BTreeMap::new();
        for v in victims.iter().filter(|v| v.local && v.reported_at < week_start) {
            if v.reported_at >= week_start - TREND_DAYS * DAY {
                *trend.entry(v.fraud_type).or_default() += 1.0;
            }
        }
        let victims: Vec<Victimisation> = victims
            .into_iter()
            .map(|v| Victimisation {
                resident_id: v.resident_id,
                occurred_at: v.occurred_at,
                known_at: v.reported_at,
                lost: v.lost,
            })
            .collect();
        let bands: HashMap<&str, AgeBand> = residents.iter().map(|r| (r.id.as_str(), r.band())).collect();
        let band_of = |id: &str| bands.get(id).copied();
        let model =
            outreach::estimate_channels(&history, &victims, &band_of, week_start, &EstimateParams::domain_defaults())?;
        Ok(PlanData {
            week_start,
            residents,
            scores,
            content,
            staff,
            booked,
            history,
            trend: trend.into_iter().collect(),
            model,
        })
    }

    pub(super) fn input(&self) -> PlanInput<'_> {
        PlanInput {
            week_start: self.week_start,
            residents: &self.residents,
            scores: &self.scores,
            content: &self.content,
            staff: &self.staff,
            booked: &self.booked,
            history: &self.history,
            trend: &self.trend,
            model: &self.model,
        }
    }
}

/// Contacts with a flagged number within this many days before the week point to its fraud types (the longest
/// window of the risk model's contact features). At least [`EXPOSURE_DAYS`]: one read of contacts serves both.
const TYPE_EVIDENCE_DAYS: i64 = 30;
const _: () = assert!(TYPE_EVIDENCE_DAYS >= EXPOSURE_DAYS);

/// Each resident's fraud-type evidence before `week_start`: the types of the reports naming the flagged numbers that
/// contacted them (once flagged; `reported`: key, reported at, type), and the types they fell victim to.
fn evidence_of<'a>(
    reported: Vec<(String, i64, FraudType)>,
    contacts: &[FlaggedContact<'a>],
    victims: &'a [VictimRow],
    week_start: i64,
) -> HashMap<&'a str, TypeEvidence> {
    let mut types_of: HashMap<String, BTreeSet<FraudType>> = HashMap::new();
    for (key, at, fraud_type) in reported {
        if at < week_start {
            types_of.entry(key).or_default().insert(fraud_type);
        }
    }
    let mut out: HashMap<&str, TypeEvidence> = HashMap::new();
    for c in contacts.iter().filter(|c| c.known_at <= c.at && c.at < week_start) {
        if let Some(types) = types_of.get(&c.number) {
            out.entry(c.resident_id).or_default().contacted_by.extend(types);
        }
    }
    for v in victims.iter().filter(|v| v.reported_at < week_start) {
        out.entry(v.resident_id.as_str()).or_default().victimised_by.push(v.fraud_type);
    }
    out
}

/// Age in years in `year`.
pub(super) fn age(year: i32, birth_year: u16) -> u8 {
    (year - i32::from(birth_year)).clamp(0, 120) as u8
}

/// Numbers of gang clusters (latest clustering run, from when the cluster named them) and of reports (from the
/// report), without hubs (the run's, and the shipped allow-list: bank hotlines, 96110…) and without residents' own
/// phones.
pub(super) fn flagged_numbers(store: &Store, residents: &[PlanResidentRow]) -> AppResult<Vec<FlaggedNumber>> {
    let policy = HubPolicy::shipped()?;
    let mut skip: HashSet<String> = store.gang_hub_keys()?.into_iter().collect();
    skip.extend(residents.iter().flat_map(|r| r.phones.iter().cloned()));
    let keep = |k: &str| !skip.contains(k) && policy.allowed(k).is_none();
    let mut out: Vec<FlaggedNumber> = store
        .gang_numbers()?
        .into_iter()
        .filter(|(k, _)| keep(k))
        .map(|(key, known_at)| FlaggedNumber { key, known_at, source: FlagSource::GangCluster })
        .collect();
    out.extend(
        store.reported_numbers()?.into_iter().filter(|(k, _, _)| keep(k)).map(|(key, known_at, _)| FlaggedNumber {
            key,
            known_at,
            source: FlagSource::RecentReport,
        }),
    );
    Ok(out)
}

/// A contact of a resident's phone by a flagged number.
pub(super) struct FlaggedContact<'a> {
    pub resident_id: &'a str,
    /// The flagged number (canonical key).
    pub number: String,
    pub at: i64,
    /// When the number was first flagged (it may be after the contact).
    pub known_at: i64,
}

/// Each resident's phone (canonical key) → the resident.
fn phone_owners(residents: &[PlanResidentRow]) -> HashMap<&str, &str> {
    residents.iter().flat_map(|r| r.phones.iter().map(move |p| (p.as_str(), r.resident_id.as_str()))).collect()
}

/// Every contact of `contacts` in [from, to) of a resident's phone by a flagged number, whenever the number was
/// flagged.
pub(super) fn flagged_contacts<'a>(
    contacts: &[ContactRow],
    flagged: &[FlaggedNumber],
    from: i64,
    to: i64,
    residents: &'a [PlanResidentRow],
) -> Vec<FlaggedContact<'a>> {
    let mut known: HashMap<&str, i64> = HashMap::new();
    for f in flagged {
        let k = known.entry(f.key.as_str()).or_insert(f.known_at);
        *k = (*k).min(f.known_at);
    }
    let owner = phone_owners(residents);
    let mut out = Vec::new();
    for c in contacts.iter().filter(|c| c.at >= from && c.at < to) {
        if let (Some(&known_at), Some(&resident_id)) = (known.get(c.from_key.as_str()), owner.get(c.to_key.as_str())) {
            out.push(FlaggedContact { resident_id, number: c.from_key.clone(), at: c.at, known_at });
        }
    }
    out
}

/// Every stored urgent task's latest value.
pub(super) fn stored_tasks(store: &Store) -> AppResult<Vec<Task>> {
    store.tasks(None)?.iter().map(|t| task_of(&t.task_id, &t.task_json)).collect()
}

pub(super) fn task_of(id: &str, json: &str) -> AppResult<Task> {
    serde_json::from_str(json).map_err(|e| {
        AppError::from(crate::store::StoreError::corrupt("outreach_tasks", "task_json", format!("task {id}"), e))
    })
}

/// The channel of a recorded action (`family_contact` is a call).
pub(super) fn channel_of_action(action: &str) -> Option<OutreachChannel> {
    match action {
        "family_contact" => Some(OutreachChannel::Call),
        other => OutreachChannel::parse(other),
    }
}

/// The history as the randomised comparisons read it (the plan's channel model, the effect report): `history`,
/// with the routine attempts made just after an exposure set aside in both arms (`outreach::set_aside_exposed`).
/// An exposure is a contact from an outside number (not a resident's) to one of a resident's phones, or a stored
/// warning. `contacts`: the stored contacts before `before` (read once by the caller, who also needs them).
pub(super) fn compared_history(
    store: &Store,
    rows: &[PlanResidentRow],
    contacts: &[ContactRow],
    before: i64,
) -> AppResult<Vec<PastContact>> {
    let mut past = history(store, before)?;
    let owner = phone_owners(rows);
    let warnings = store.warnings(None)?;
    let from_outside = contacts.iter().filter(|c| c.at < before && !owner.contains_key(c.from_key.as_str()));
    let exposures = from_outside
        .filter_map(|c| owner.get(c.to_key.as_str()).map(|&r| (r, c.at)))
        .chain(warnings.iter().filter(|w| w.raised_at < before).map(|w| (w.resident_id.as_str(), w.raised_at)));
    outreach::set_aside_exposed(&mut past, exposures, outreach::EXPOSURE_WINDOW_S);
    Ok(past)
}

/// The history a plan and the effect report read: outreach.csv before `before`, and the outcomes recorded here
/// (urgent ones marked urgent).
pub(super) fn history(store: &Store, before: i64) -> AppResult<Vec<PastContact>> {
    let mut out: Vec<PastContact> = store.outreach_history(before)?.iter().map(PastContact::from_record).collect();
    for o in store.outcomes()?.into_iter().filter(|o| o.at < before) {
        if let Some(c) = recorded_contact(&o) {
            out.push(c);
        }
    }
    Ok(out)
}

fn recorded_contact(o: &OutcomeRow) -> Option<PastContact> {
    let outcome = super::record::OutcomeCode::parse(&o.outcome)?;
    Some(PastContact {
        resident_id: o.resident_id.clone(),
        channel: channel_of_action(&o.action)?,
        at: o.at,
        content_id: None,
        outcome: Some(outcome.as_outcome()),
        holdout: false,
        urgent: o.plan_id.is_none(),
        exposed: false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_evidence_names_the_types_of_the_numbers_that_called_and_of_earlier_frauds() {
        let week = 100 * DAY;
        let reported = vec![
            ("tel:+8613900000001".to_string(), week - 20 * DAY, FraudType::ImpersonatePolice),
            ("tel:+8613900000001".to_string(), week - 10 * DAY, FraudType::FakeInvestment),
            // Named only after the week began: not yet known to be a fraud number's type.
            ("tel:+8613900000001".to_string(), week + DAY, FraudType::Romance),
            ("tel:+8613900000002".to_string(), week - 5 * DAY, FraudType::FakeLoan),
        ];
        let contact = |resident_id, number: &str, at, known_at| FlaggedContact {
            resident_id,
            number: number.to_string(),
            at,
            known_at,
        };
        let contacts = vec![
            contact("R1", "tel:+8613900000001", week - 3 * DAY, week - 20 * DAY),
            // Called before the number was flagged: no evidence.
            contact("R2", "tel:+8613900000002", week - 9 * DAY, week - 5 * DAY),
        ];
        let victim = |resident_id: &str, reported_at, fraud_type| VictimRow {
            resident_id: resident_id.to_string(),
            occurred_at: reported_at,
            reported_at,
            fraud_type,
            local: true,
            lost: true,
        };
        let victims = vec![
            victim("R2", week - 40 * DAY, FraudType::OrderBrushing),
            victim("R3", week + DAY, FraudType::FakeLoan),
        ];
        let e = evidence_of(reported, &contacts, &victims, week);
        assert_eq!(e["R1"].contacted_by, [FraudType::FakeInvestment, FraudType::ImpersonatePolice]);
        assert!(e["R1"].victimised_by.is_empty());
        assert_eq!((e["R2"].contacted_by.len(), e["R2"].victimised_by.clone()), (0, vec![FraudType::OrderBrushing]));
        assert!(!e.contains_key("R3"), "a fraud reported after the week began is not yet evidence");
    }
}
