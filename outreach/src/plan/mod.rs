//! The weekly campaign plan: residents, a channel and a content item each, chosen to maximise expected loss
//! averted under every staff member's minutes (less what urgent tasks booked), caps, exclusions and must-visit
//! flags; then the randomised holdout, walkable visit days, and the values used. A [`Plan`] is a value: built
//! once, versioned by a digest of its choices, never changed (approval is a state the api stores beside it).

mod candidates;
mod optimise;
mod schedule;

use std::collections::{BTreeMap, HashMap};

use datasets::{FraudType, OutreachChannel, Staff};
use serde::{Deserialize, Serialize};

pub use candidates::Exclusion;
use candidates::{Cand, candidates};
use optimise::{Choice, Item, Pool, solve};
pub use schedule::VisitDay;

use crate::content::ContentLibrary;
use crate::error::{OutreachError, Result};
use crate::estimate::ChannelModel;
use crate::holdout::{BalanceTable, HoldoutMember, balance, draw_holdout};
use crate::input::{PastContact, PlanResident, RiskScore};
use crate::params::{PlanParams, ValidPlanParams};

/// Everything a weekly plan reads, as plain data.
#[derive(Debug, Clone, Copy)]
pub struct PlanInput<'a> {
    /// First second of the planned week; history at or after it is not read.
    pub week_start: i64,
    pub residents: &'a [PlanResident],
    /// The week's risk snapshot.
    pub scores: &'a [RiskScore],
    pub content: &'a ContentLibrary,
    pub staff: &'a [Staff],
    /// Minutes each staff member's urgent tasks booked this week (see `urgent::booked_minutes`).
    pub booked: &'a BTreeMap<String, u32>,
    pub history: &'a [PastContact],
    /// The local trend: weight (e.g. local cases in the last weeks) per fraud type.
    pub trend: &'a [(FraudType, f64)],
    pub model: &'a ChannelModel,
}

/// Whether a planned resident is contacted or kept as a randomised control.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Arm {
    Treated,
    HeldOut,
}

/// One resident's planned contact.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Assignment {
    pub resident_id: String,
    pub grid: String,
    pub staff_id: String,
    #[serde(with = "crate::codes::code")]
    pub channel: OutreachChannel,
    pub content_id: String,
    /// Staff minutes (0 when held out: nothing is done).
    pub minutes: u32,
    pub p_week: f64,
    pub reach: f64,
    /// Effect on a reached resident, after the repeat factor.
    pub effect: f64,
    pub expected_loss_yuan: f64,
    /// Expected victimisations averted this week if contacted.
    pub averted: f64,
    /// `averted` × expected loss.
    pub value_yuan: f64,
    pub must_visit: bool,
    pub decile: u8,
    pub arm: Arm,
}

/// One staff member's week.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffWeek {
    pub staff_id: String,
    pub minutes_per_week: u32,
    pub booked_urgent: u32,
    /// Minutes the plan may use.
    pub available: u32,
    /// Minutes the treated assignments use.
    pub used: u32,
    pub visits: u32,
    pub visit_limit: u32,
}

/// What the plan achieves, and against what bound.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanTotals {
    pub candidates: u64,
    pub selected: u64,
    pub held_out: u64,
    pub minutes: u64,
    /// Expected victimisations and loss averted by the treated assignments.
    pub averted: f64,
    pub value_yuan: f64,
    /// Expected loss averted by the whole selection (treated and held out), and the LP relaxation's upper bound
    /// on it under the same minutes: `selected_value_yuan / bound_yuan` is a proven share of the optimum.
    pub selected_value_yuan: f64,
    pub bound_yuan: f64,
    /// Must-visit residents no staff minutes were left for.
    pub unmet_must_visit: Vec<String>,
    pub excluded: BTreeMap<Exclusion, u64>,
}

/// A weekly plan: immutable, versioned, serialisable.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    version: String,
    week_start: i64,
    params: PlanParams,
    model: ChannelModel,
    assignments: Vec<Assignment>,
    visit_days: Vec<VisitDay>,
    staff: Vec<StaffWeek>,
    totals: PlanTotals,
    balance: BalanceTable,
}

impl Plan {
    /// `<strategy>-<week start>-<16 hex digits>`: a digest of the week, the params' strategy and seed, and every
    /// assignment (resident, channel, content, staff, arm).
    pub fn version(&self) -> &str {
        &self.version
    }
    pub fn week_start(&self) -> i64 {
        self.week_start
    }
    pub fn params(&self) -> &PlanParams {
        &self.params
    }
    /// The reach and effect values the plan used, with their evidence.
    pub fn model(&self) -> &ChannelModel {
        &self.model
    }
    /// Sorted by staff, channel, resident.
    pub fn assignments(&self) -> &[Assignment] {
        &self.assignments
    }
    pub fn visit_days(&self) -> &[VisitDay] {
        &self.visit_days
    }
    pub fn staff(&self) -> &[StaffWeek] {
        &self.staff
    }
    pub fn totals(&self) -> &PlanTotals {
        &self.totals
    }
    pub fn balance(&self) -> &BalanceTable {
        &self.balance
    }
    /// Whether the version still matches the content (a stored plan read back unchanged).
    pub fn version_matches(&self) -> bool {
        version(self.week_start, &self.params, &self.assignments) == self.version
    }
}

fn version(week_start: i64, params: &PlanParams, assignments: &[Assignment]) -> String {
    let mut h = 0xcbf2_9ce4_8422_2325u64;
    let mut eat = |s: &str| {
        for b in s.bytes().chain([0]) {
            h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    };
    eat(&week_start.to_string());
    eat(params.strategy.code());
    eat(&params.seed.to_string());
    for a in assignments {
        eat(&a.resident_id);
        eat(a.channel.code());
        eat(&a.content_id);
        eat(&a.staff_id);
        eat(if a.arm == Arm::Treated { "t" } else { "h" });
    }
    format!("{}-{week_start}-{h:016x}", params.strategy.code())
}

fn check_input<'a>(input: &PlanInput<'a>) -> Result<HashMap<&'a str, &'a PlanResident>> {
    if input.scores.is_empty() {
        return Err(OutreachError::NoScores { week_start: input.week_start });
    }
    if input.staff.is_empty() {
        return Err(OutreachError::NoStaff);
    }
    let mut residents = HashMap::with_capacity(input.residents.len());
    for r in input.residents {
        if residents.insert(r.id.as_str(), r).is_some() {
            return Err(OutreachError::DuplicateResident { id: r.id.clone(), context: "residents" });
        }
    }
    let mut seen = std::collections::HashSet::with_capacity(input.scores.len());
    for s in input.scores {
        if !residents.contains_key(s.resident_id.as_str()) {
            return Err(OutreachError::UnknownResident { id: s.resident_id.clone(), context: "scores" });
        }
        if !seen.insert(s.resident_id.as_str()) {
            return Err(OutreachError::DuplicateResident { id: s.resident_id.clone(), context: "scores" });
        }
        if !(0.0..=1.0).contains(&s.p_week) {
            return Err(OutreachError::InvalidScore { id: s.resident_id.clone(), value: s.p_week });
        }
    }
    for id in input.booked.keys() {
        if !input.staff.iter().any(|s| &s.staff_id == id) {
            return Err(OutreachError::UnknownStaff { id: id.clone(), context: "urgent bookings" });
        }
    }
    let available: u64 = input.staff.iter().map(|s| u64::from(s.minutes_per_week)).sum();
    let booked: u64 = input.booked.values().map(|&b| u64::from(b)).sum();
    let left: u64 = input.staff.iter().map(|s| u64::from(s.minutes_per_week.saturating_sub(booked_of(input, s)))).sum();
    if left == 0 {
        return Err(OutreachError::NoCapacity { available, booked });
    }
    Ok(residents)
}

fn booked_of(input: &PlanInput, s: &Staff) -> u32 {
    input.booked.get(&s.staff_id).copied().unwrap_or(0)
}

/// Plans one week. Deterministic: the same input and params give the same plan, byte for byte.
pub fn plan_week(input: &PlanInput, params: &ValidPlanParams) -> Result<Plan> {
    let p = params.get();
    let residents = check_input(input)?;
    let (cands, excluded) = candidates(input, p, &residents);
    let mut by_staff: Vec<Vec<usize>> = vec![Vec::new(); input.staff.len()];
    for (i, c) in cands.iter().enumerate() {
        by_staff[c.staff].push(i);
    }
    let visit_limit = p.visit_days.max_per_day * p.visit_days.days_per_week;
    let mut chosen: Vec<Option<usize>> = vec![None; cands.len()];
    let mut bound = 0.0;
    for (s, members) in by_staff.iter().enumerate() {
        let staff = &input.staff[s];
        let pool =
            Pool { minutes: staff.minutes_per_week.saturating_sub(booked_of(input, staff)), visits: visit_limit };
        let choices: Vec<Choice> = members.iter().map(|&i| choice(&cands[i])).collect();
        let seed = p.seed ^ (s as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        let sol = solve(&choices, pool, p.strategy, seed);
        bound += sol.bound;
        for (k, &i) in members.iter().enumerate() {
            chosen[i] = sol.chosen[k];
        }
    }
    let selected: Vec<usize> = (0..cands.len()).filter(|&i| chosen[i].is_some()).collect();
    let members: Vec<HoldoutMember> = selected
        .iter()
        .map(|&i| HoldoutMember {
            resident_id: &cands[i].resident.id,
            grid: &cands[i].resident.grid,
            decile: cands[i].decile,
            exempt: p.holdout.exempt_must_visit && cands[i].must_visit.is_some(),
        })
        .collect();
    let held = draw_holdout(&members, p.holdout.share, p.seed);
    let mut assignments: Vec<Assignment> = selected
        .iter()
        .zip(&held)
        .map(|(&i, &h)| assignment(&cands[i], chosen[i].unwrap_or(0), input.staff, h))
        .collect();
    assignments.sort_by(|a, b| (&a.staff_id, a.channel, &a.resident_id).cmp(&(&b.staff_id, b.channel, &b.resident_id)));
    let balance = balance_of(&cands, &selected, &held);
    let staff = staff_weeks(input, &assignments, visit_limit);
    let mut visit_days = Vec::new();
    for s in input.staff {
        let visits = assignments
            .iter()
            .filter(|a| a.staff_id == s.staff_id && a.arm == Arm::Treated && a.channel == OutreachChannel::Visit)
            .map(|a| (a.resident_id.clone(), a.grid.clone()))
            .collect();
        visit_days.extend(schedule::visit_days(&s.staff_id, visits, &p.visit_days));
    }
    let mut excluded_counts: BTreeMap<Exclusion, u64> = BTreeMap::new();
    for (_, why) in &excluded {
        *excluded_counts.entry(*why).or_default() += 1;
    }
    let treated = assignments.iter().filter(|a| a.arm == Arm::Treated);
    let mut unmet: Vec<String> = cands
        .iter()
        .zip(&chosen)
        .filter(|(c, o)| c.must_visit.is_some() && **o != c.must_visit)
        .map(|(c, _)| c.resident.id.clone())
        .collect();
    unmet.sort();
    let totals = PlanTotals {
        candidates: cands.len() as u64,
        selected: assignments.len() as u64,
        held_out: assignments.iter().filter(|a| a.arm == Arm::HeldOut).count() as u64,
        minutes: treated.clone().map(|a| u64::from(a.minutes)).sum(),
        averted: treated.clone().map(|a| a.averted).sum(),
        value_yuan: treated.map(|a| a.value_yuan).sum(),
        selected_value_yuan: assignments.iter().map(|a| a.value_yuan).sum(),
        bound_yuan: bound,
        unmet_must_visit: unmet,
        excluded: excluded_counts,
    };
    let version = version(input.week_start, p, &assignments);
    Ok(Plan {
        version,
        week_start: input.week_start,
        params: p.clone(),
        model: input.model.clone(),
        assignments,
        visit_days,
        staff,
        totals,
        balance,
    })
}

fn choice(c: &Cand) -> Choice {
    Choice {
        items: c
            .options
            .iter()
            .map(|o| Item { minutes: o.minutes, value: o.value, visit: o.channel == OutreachChannel::Visit })
            .collect(),
        forced: c.must_visit,
        score: c.score.p_week,
    }
}

fn assignment(c: &Cand, o: usize, staff: &[Staff], held: bool) -> Assignment {
    let opt = &c.options[o];
    Assignment {
        resident_id: c.resident.id.clone(),
        grid: c.resident.grid.clone(),
        staff_id: staff[c.staff].staff_id.clone(),
        channel: opt.channel,
        content_id: opt.content.content_id.clone(),
        minutes: if held { 0 } else { opt.minutes },
        p_week: c.score.p_week,
        reach: opt.reach,
        effect: opt.effect,
        expected_loss_yuan: c.loss,
        averted: opt.averted,
        value_yuan: opt.value,
        must_visit: c.must_visit == Some(o),
        decile: c.decile,
        arm: if held { Arm::HeldOut } else { Arm::Treated },
    }
}

fn balance_of(cands: &[Cand], selected: &[usize], held: &[bool]) -> BalanceTable {
    let col = |f: &dyn Fn(&Cand) -> f64| selected.iter().map(|&i| f(&cands[i])).collect::<Vec<f64>>();
    let flag = |b: bool| f64::from(u8::from(b));
    balance(
        held,
        &[
            ("p_week", col(&|c| c.score.p_week)),
            ("decile", col(&|c| f64::from(c.decile))),
            ("expected_loss_yuan", col(&|c| c.loss)),
            ("aged_60_plus", col(&|c| flag(c.resident.band().is_elderly()))),
            ("lives_alone", col(&|c| flag(c.resident.lives_alone))),
            ("has_phone", col(&|c| flag(c.resident.has_phone))),
            ("recent_exposure", col(&|c| flag(c.resident.recent_exposure))),
            ("contacts_90d", col(&|c| f64::from(c.contacts_90d))),
        ],
    )
}

fn staff_weeks(input: &PlanInput, assignments: &[Assignment], visit_limit: u32) -> Vec<StaffWeek> {
    input
        .staff
        .iter()
        .map(|s| {
            let mine = assignments.iter().filter(|a| a.staff_id == s.staff_id && a.arm == Arm::Treated);
            let booked = booked_of(input, s);
            StaffWeek {
                staff_id: s.staff_id.clone(),
                minutes_per_week: s.minutes_per_week,
                booked_urgent: booked,
                available: s.minutes_per_week.saturating_sub(booked),
                used: mine.clone().map(|a| a.minutes).sum(),
                visits: mine.filter(|a| a.channel == OutreachChannel::Visit).count() as u32,
                visit_limit,
            }
        })
        .collect()
}
