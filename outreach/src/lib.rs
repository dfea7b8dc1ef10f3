//! Prevention outreach as a pure library: the content library and its rotation, urgent warnings (预警劝阻) and
//! their tasks, the weekly campaign plan under staff minutes and caps, the randomised holdout, and effect reports.
//! Inputs are plain data (residents, scores as numbers, content, staff, history); nothing here reads files, a
//! store or the network, and every random choice takes a seed.
//!
//! ```
//! use std::collections::BTreeMap;
//! use datasets::{Audience, Content, ContentFormat, Language, OutreachChannel, Staff};
//! use outreach::{
//!     ChannelModel, ContentLibrary, EstimateParams, PlanInput, PlanParams, PlanResident, ResidentStatus,
//!     RiskScore, Strategy, plan_week,
//! };
//!
//! let content = ContentLibrary::new(&[Content {
//!     content_id: "CN1".into(), title: "公检法不会电话办案".into(), format: ContentFormat::CallScript,
//!     fraud_types: vec![], audience: Audience::All, channels: vec![OutreachChannel::Call], minutes: Some(8),
//!     language: Some(Language::Mandarin),
//! }]).unwrap();
//! let staff = [Staff { staff_id: "ST1".into(), name: None, grids: vec!["G1".into()], minutes_per_week: 60, duty: None }];
//! let residents: Vec<PlanResident> = (0..20).map(|i| PlanResident {
//!     id: format!("R{i}"), grid: "G1".into(), age: 30 + i, lives_alone: false, has_phone: true,
//!     language: None, status: ResidentStatus::Active, recent_exposure: false,
//! }).collect();
//! let scores: Vec<RiskScore> = residents.iter().enumerate().map(|(i, r)| RiskScore {
//!     resident_id: r.id.clone(), p_week: 0.001 * i as f64, expected_loss_yuan: None, likely_types: vec![],
//! }).collect();
//! let model = ChannelModel::priors(0, &EstimateParams::domain_defaults()).unwrap();
//! let input = PlanInput {
//!     week_start: 0, residents: &residents, scores: &scores, content: &content, staff: &staff,
//!     booked: &BTreeMap::new(), history: &[], trend: &[], model: &model,
//! };
//! let mut params = PlanParams::domain_defaults(Strategy::Optimised, 7);
//! params.holdout.share = 0.0;
//! let plan = plan_week(&input, &params.check().unwrap()).unwrap();
//! assert_eq!(plan.assignments().len(), 7); // 60 minutes / 8 per call, the riskiest first
//! assert!(plan.assignments().iter().all(|a| a.p_week >= 0.013));
//! ```
//!
//! Layout:
//! - `params`: [`PlanParams`] (caps, exclusions, rotation, costs, visit days, holdout, loss priors) → checked.
//! - `input`: [`PlanResident`], [`RiskScore`], [`PastContact`].
//! - `content`: [`ContentLibrary`] and [`TypeProfile`] — which item, in which language, not seen recently.
//! - `estimate`: [`ChannelModel`] — reach by channel × age band and effect by channel, from history, shrunk.
//! - `plan`: [`plan_week`] — candidates, the four strategies with the LP bound, holdout, visit days, [`Plan`].
//! - `holdout`: [`draw_holdout`] (grid × decile strata) and the [`BalanceTable`].
//! - `effect`: [`effect_report`] — ITT with Newcombe intervals, minutes per case averted, Qini.
//! - `urgent`: warnings ([`raise_warnings`], [`accept_warning`]) and [`Task`]s (deadlines, escalation, overdue,
//!   [`booked_minutes`]).
//! - `reach`: [`reach`] — distinct residents (and elderly residents) reached, week by week.
//! - `stats`: normal quantile, Wilson and Newcombe intervals. `codes`: serde by code, [`AgeBand`].

mod codes;
mod content;
mod effect;
mod error;
mod estimate;
mod holdout;
mod input;
mod params;
mod plan;
mod reach;
mod stats;
mod urgent;

pub use codes::{AgeBand, PLANNED_CHANNELS};
pub use content::{ContentChoice, ContentLibrary, TypeEvidence, TypeMix, TypeProfile, likely_types};
pub use effect::{
    ArmCount, CampaignEffect, ChannelEffect, Comparison, EffectParams, EffectReport, EffectUnit, OutcomeKind, Qini,
    QiniPoint, campaign_week, compare, effect_report, qini, units_from_history,
};
pub use error::{ErrorKind, OutreachError, Result};
pub use estimate::{ChannelModel, EffectEstimate, EstimateParams, ReachCell, Victimisation, estimate_channels};
pub use holdout::{BalanceRow, BalanceTable, HoldoutMember, balance, draw_holdout};
pub use input::{EXPOSURE_WINDOW_S, PastContact, PlanResident, ResidentStatus, RiskScore, set_aside_exposed};
pub use params::{
    CapRule, Caps, Costs, HoldoutParams, LossPrior, PerChannel, PlanParams, Strategy, ValidPlanParams, VisitDays,
};
pub use plan::{Arm, Assignment, Exclusion, Plan, PlanInput, PlanTotals, StaffWeek, VisitDay, plan_week};
pub use reach::{Reach, ReachWeek, reach};
pub use urgent::{
    Action, ActionMinutes, Deadlines, Due, Escalation, FlagSource, FlaggedNumber, Grade, Overdue, PhoneBook,
    PhoneContact, Shift, StepRule, Task, TaskState, TaskStep, WarnedPerson, Warning, WarningInput, WarningRule,
    accept_warning, booked_minutes, open_task, raise_warnings,
};
