//! Checked parameters of a weekly plan: caps, exclusions, rotation, costs, visit days, holdout and loss priors.
//! [`PlanParams::domain_defaults`] gives the figures of docs/domain-notes.md; [`PlanParams::check`] validates once.

use datasets::OutreachChannel;
use serde::{Deserialize, Serialize};

use crate::codes::{AgeBand, PLANNED_CHANNELS};
use crate::error::{OutreachError, Result};

/// One value per outreach channel (the `none` channel has none).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PerChannel<T> {
    pub sms: T,
    pub call: T,
    pub visit: T,
    pub lecture: T,
    pub leaflet: T,
    pub app_push: T,
}

impl<T: Copy> PerChannel<T> {
    /// The value of `ch`, `None` for the `none` channel.
    pub fn get(&self, ch: OutreachChannel) -> Option<T> {
        match ch {
            OutreachChannel::None => None,
            OutreachChannel::Sms => Some(self.sms),
            OutreachChannel::Call => Some(self.call),
            OutreachChannel::Visit => Some(self.visit),
            OutreachChannel::Lecture => Some(self.lecture),
            OutreachChannel::Leaflet => Some(self.leaflet),
            OutreachChannel::AppPush => Some(self.app_push),
        }
    }

    /// Every (channel, value).
    pub fn iter(&self) -> impl Iterator<Item = (OutreachChannel, T)> + '_ {
        OutreachChannel::ALL.iter().filter_map(|&c| self.get(c).map(|v| (c, v)))
    }
}

/// At most `max` attempts of a channel within `days` (the planned one included).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CapRule {
    pub max: u32,
    pub days: u32,
}

/// Frequency caps per channel; `None` is uncapped. Urgent warnings are never capped, but their contacts count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Caps(pub PerChannel<Option<CapRule>>);

/// Staff minutes an option costs, beyond the content item's own minutes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Costs {
    /// Travel per home visit (the visit itself is the content's minutes, ~20).
    pub travel_minutes: u32,
    /// Residents invited per lecture or skit: a resident's share of its minutes (rounded up).
    pub lecture_group: u32,
    /// Minutes when a content item does not say.
    pub fallback_minutes: PerChannel<u32>,
}

/// How visits are grouped into officer-days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct VisitDays {
    /// A day with fewer visits is flagged as short (allowed when the officer has fewer visits in all).
    pub min_per_day: u32,
    /// The most visits one officer makes in a day (walkable).
    pub max_per_day: u32,
    /// Working days per week available for visits.
    pub days_per_week: u32,
}

/// The randomised holdout of a routine plan.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct HoldoutParams {
    /// Share of selected residents held out, per grid × risk-decile stratum.
    pub share: f64,
    /// Must-visit residents (elderly, alone, recently exposed) are never held out.
    pub exempt_must_visit: bool,
}

/// Expected loss of a case (yuan) by age band, used when a score carries none.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LossPrior(pub [f64; 5]);

impl LossPrior {
    pub fn of(&self, band: AgeBand) -> f64 {
        self.0[band.index()]
    }
}

/// Which optimiser chooses residents and channels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Strategy {
    /// Greedy on the LP relaxation's convex hulls (value per minute), then a swap local search; bounded by the LP.
    Optimised,
    /// Each resident's best value-per-minute channel, residents by that ratio.
    Greedy,
    /// Highest score first, each with the most valuable channel still affordable.
    TopRisk,
    /// Residents in seeded random order, each with the most valuable channel still affordable.
    Random,
}

impl Strategy {
    pub const ALL: [Strategy; 4] = [Strategy::Optimised, Strategy::Greedy, Strategy::TopRisk, Strategy::Random];

    pub fn code(self) -> &'static str {
        match self {
            Strategy::Optimised => "optimised",
            Strategy::Greedy => "greedy",
            Strategy::TopRisk => "top-risk",
            Strategy::Random => "random",
        }
    }

    /// Parses a code.
    pub fn parse(s: &str) -> Result<Strategy> {
        Strategy::ALL.into_iter().find(|x| x.code() == s.trim()).ok_or_else(|| OutreachError::InvalidParameter {
            name: "strategy",
            value: s.to_string(),
            reason: "expected optimised, greedy, top-risk or random",
        })
    }
}

/// Everything a weekly plan is configured by.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanParams {
    pub strategy: Strategy,
    /// Seeds the random strategy and the holdout; stored with the plan.
    pub seed: u64,
    #[serde(with = "crate::codes::code_list")]
    pub channels: Vec<OutreachChannel>,
    pub caps: Caps,
    /// A resident contacted (any channel, any outcome, urgent included) within this many days is left out.
    pub recent_contact_days: u32,
    /// A resident never gets the same content item twice within this many days.
    pub rotation_days: u32,
    /// A repeat of the same channel within this many days has `repeat_factor` of the effect.
    pub repeat_window_days: u32,
    pub repeat_factor: f64,
    /// Earlier contacts that reached the resident still protect them, fading with this half-life: the value of a
    /// new contact counts only the risk they left (the effect model's decay, docs/domain-notes.md).
    pub effect_half_life_days: f64,
    pub costs: Costs,
    pub visit_days: VisitDays,
    pub holdout: HoldoutParams,
    pub loss: LossPrior,
}

impl PlanParams {
    /// docs/domain-notes.md: caps 1 visit / 30 days, 2 calls / 14 days, 4 SMS / 30 days; repeat within 14 days
    /// 0.6×, effects halving every 21 days; visits 20 min + 30 min travel, 6–10 a day; 10% holdout; (est) rotation 90 days, no routine contact
    /// within 7 days of another, lectures for 20, losses by age band from the loss notes (¥60k under 60, ×1.6 at
    /// 60–69, ×2.0 at 70+; ¥5k under 18).
    pub fn domain_defaults(strategy: Strategy, seed: u64) -> PlanParams {
        let cap = |max, days| Some(CapRule { max, days });
        PlanParams {
            strategy,
            seed,
            channels: PLANNED_CHANNELS.to_vec(),
            caps: Caps(PerChannel {
                sms: cap(4, 30),
                call: cap(2, 14),
                visit: cap(1, 30),
                lecture: cap(1, 30),
                leaflet: None,
                app_push: None,
            }),
            recent_contact_days: 7,
            rotation_days: 90,
            repeat_window_days: 14,
            repeat_factor: 0.6,
            effect_half_life_days: 21.0,
            costs: Costs {
                travel_minutes: 30,
                lecture_group: 20,
                fallback_minutes: PerChannel { sms: 1, call: 8, visit: 20, lecture: 60, leaflet: 5, app_push: 1 },
            },
            visit_days: VisitDays { min_per_day: 6, max_per_day: 10, days_per_week: 5 },
            holdout: HoldoutParams { share: 0.10, exempt_must_visit: true },
            loss: LossPrior([5_000.0, 60_000.0, 60_000.0, 96_000.0, 120_000.0]),
        }
    }

    /// Checks every field once.
    pub fn check(self) -> Result<ValidPlanParams> {
        let bad = |name, value: String, reason| Err(OutreachError::InvalidParameter { name, value, reason });
        if self.channels.is_empty() {
            return bad("channels", String::new(), "at least one channel is needed");
        }
        if self.channels.contains(&OutreachChannel::None) {
            return bad("channels", "none".into(), "`none` is not a channel to plan");
        }
        if !(0.0..=1.0).contains(&self.repeat_factor) {
            return bad("repeat_factor", self.repeat_factor.to_string(), "must be in [0, 1]");
        }
        if !(self.effect_half_life_days > 0.0 && self.effect_half_life_days.is_finite()) {
            return bad("effect_half_life_days", self.effect_half_life_days.to_string(), "must be > 0");
        }
        if !(0.0..1.0).contains(&self.holdout.share) {
            return bad("holdout.share", self.holdout.share.to_string(), "must be in [0, 1)");
        }
        if self.costs.lecture_group == 0 {
            return bad("costs.lecture_group", "0".into(), "must be at least 1");
        }
        let v = self.visit_days;
        if v.max_per_day == 0 || v.min_per_day > v.max_per_day || v.days_per_week == 0 || v.days_per_week > 7 {
            return bad(
                "visit_days",
                format!("{}..={} × {}", v.min_per_day, v.max_per_day, v.days_per_week),
                "need 0 < min ≤ max per day and 1..=7 days",
            );
        }
        for (ch, rule) in self.caps.0.iter() {
            if let Some(r) = rule
                && (r.max == 0 || r.days == 0)
            {
                return bad("caps", format!("{ch}: {} per {} days", r.max, r.days), "max and days must be ≥ 1");
            }
        }
        if self.loss.0.iter().any(|l| !(l.is_finite() && *l >= 0.0)) {
            return bad("loss", format!("{:?}", self.loss.0), "losses must be finite and ≥ 0");
        }
        Ok(ValidPlanParams(self))
    }
}

/// `PlanParams` that passed [`PlanParams::check`].
#[derive(Debug, Clone, PartialEq)]
pub struct ValidPlanParams(PlanParams);

impl ValidPlanParams {
    pub fn get(&self) -> &PlanParams {
        &self.0
    }
}
