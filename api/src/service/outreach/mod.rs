//! Outreach (issue 13): weekly campaign plans from the week's risk snapshot (drafted, approved by a person,
//! versioned, never changed), urgent warnings and their tasks (`urgent`), recorded outcomes, their CSV import and
//! the effect report (`record`). The library `outreach` does the work; this module builds its plain inputs from
//! store rows and turns its values into views.
//!
//! Layout: `mod` (plans and the inputs they read), `inputs` (store rows → library inputs), `urgent` (warnings,
//! tasks, day sheets), `record` (outcomes, import, effect), `reach` (residents reached, week by week).

mod inputs;
mod reach;
mod record;
mod urgent;

use std::collections::BTreeMap;

use analytics::IsoWeek;
use outreach::{Arm, OutreachError, Plan, PlanParams, Strategy};
use serde::Serialize;

pub use reach::{ELDERLY_AGE, ReachQuery, ReachView, ReachWeekView};
pub use record::{
    EffectQuery, EffectView, ImportView, OutcomeCode, RecordRequest, RecordView, RowError,
    parse_action as record_action, parse_outcome as record_outcome,
};
pub use urgent::{
    DaySheet, TaskStepView, TaskView, TasksQuery, TasksView, WarnRequest, WarnView, WarningView, WarningsView,
    parse_grade,
};

use super::Service;
use crate::error::{AppError, AppResult, Kind};
use crate::store::{AssignmentRow, NewPlan, PlanRow, PlanStatus};

const DAY: i64 = 86_400;

/// What `fanzha outreach plan` asks for (checked by [`PlanRequest::check`]).
#[derive(Debug, Clone)]
pub struct PlanRequest {
    pub week: IsoWeek,
    pub strategy: Strategy,
    /// Multiplies every staff member's weekly minutes (1 = as staff.csv says).
    pub minutes_scale: f64,
    pub seed: u64,
    /// Supersede the week's draft with a new version (never an approved plan).
    pub replace: bool,
    /// Who drafts it (recorded).
    pub by: String,
}

/// Parses a strategy code (`optimised`, `greedy`, `top-risk`, `random`).
pub fn parse_strategy(text: &str) -> AppResult<Strategy> {
    Strategy::parse(text).map_err(|e| AppError::invalid("invalid_strategy", "strategy", e.to_string()))
}

/// Checks a minutes scale: finite and > 0.
pub fn check_minutes_scale(x: f64) -> AppResult<f64> {
    if x.is_finite() && x > 0.0 && x <= 1000.0 {
        Ok(x)
    } else {
        Err(AppError::invalid("invalid_minutes_scale", "minutes_scale", format!("{x} is not in (0, 1000]")))
    }
}

/// Parses a plan id.
pub fn parse_plan_id(text: &str) -> AppResult<i64> {
    text.trim()
        .parse::<i64>()
        .ok()
        .filter(|&n| n > 0)
        .ok_or_else(|| AppError::invalid("invalid_plan_id", "plan_id", format!("{text:?} is not a plan id")))
}

/// One staff member's week in a plan.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct StaffLoad {
    pub staff_id: String,
    pub minutes_per_week: u32,
    pub booked_urgent: u32,
    pub available: u32,
    pub used: u32,
    pub visits: u32,
}

/// A stored plan, as listed.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct PlanView {
    pub plan_id: i64,
    /// ISO week, e.g. `2026-W27`.
    pub week: String,
    /// `<strategy>-<week start>-<digest>`: changes whenever any assignment would.
    pub version: String,
    pub strategy: String,
    pub seed: u64,
    pub minutes_scale: f64,
    /// The risk snapshot the plan read.
    pub snapshot_id: i64,
    pub status: PlanStatus,
    pub created_at: String,
    pub created_by: String,
    pub approved_at: Option<String>,
    pub approved_by: Option<String>,
    pub superseded_by: Option<i64>,
    pub assignments: u64,
    pub held_out: u64,
    pub minutes: u64,
    /// Expected victimisations and loss (yuan) averted by the treated assignments.
    pub expected_averted: f64,
    pub value_yuan: f64,
    /// Share of the LP upper bound the selection reaches (1 = proven optimal).
    pub bound_share: f64,
    pub unmet_must_visit: u64,
    pub staff: Vec<StaffLoad>,
}

/// A plan with one row per assignment.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct PlanDetail {
    pub plan: PlanView,
    pub rows: Vec<AssignmentRow>,
}

/// Plans, newest first.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct PlansView {
    pub items: Vec<PlanView>,
}

/// The columns of `fanzha outreach show --format csv`, in order.
pub const SHOW_COLUMNS: [&str; 8] =
    ["resident_id", "grid", "channel", "content_id", "staff_id", "day", "expected_averted", "holdout"];

impl From<OutreachError> for AppError {
    fn from(e: OutreachError) -> AppError {
        use OutreachError as O;
        let message = e.to_string();
        match &e {
            O::InvalidParameter { name, .. } => AppError::invalid("invalid_parameter", *name, message),
            O::UnknownResident { .. } | O::UnmappedPhone { .. } => AppError::not_found("resident_not_found", message),
            O::UnknownStaff { .. } => AppError::not_found("staff_not_found", message),
            O::NoScores { .. } => AppError::not_found("snapshot_not_found", message),
            O::NoCapacity { .. } => AppError::new(Kind::Conflict, "no_capacity", message),
            O::NoStaff => AppError::new(Kind::Conflict, "no_staff", message),
            O::MissingGrade { .. } => AppError::invalid("missing_grade", "grade", message),
            O::NoSubject { .. } => AppError::invalid("missing_resident", "resident_id", message),
            O::NoStaffForGrid { .. } => AppError::new(Kind::Conflict, "no_staff_for_grid", message),
            O::InvalidTransition { .. } => AppError::new(Kind::Conflict, "task_closed", message),
            O::EventOutOfOrder { .. } => AppError::new(Kind::Conflict, "event_out_of_order", message),
            O::DuplicateResident { .. } | O::InvalidScore { .. } => AppError::internal(e),
        }
    }
}

/// Epoch seconds as RFC 3339, Beijing time.
fn iso(t: i64) -> String {
    datasets::Timestamp(t).to_string()
}

/// The Beijing date of `t` (`2026-06-22`).
fn date(t: i64) -> String {
    datasets::Timestamp(t).to_beijing().format("%Y-%m-%d").to_string()
}

fn read_plan(json: &str, plan_id: i64) -> AppResult<Plan> {
    let plan: Plan = serde_json::from_str(json).map_err(|e| {
        AppError::from(crate::store::StoreError::corrupt("outreach_plans", "plan_json", format!("plan {plan_id}"), e))
    })?;
    if !plan.version_matches() {
        return Err(AppError::internal(anyhow::anyhow!("plan {plan_id}'s stored JSON no longer matches its version")));
    }
    Ok(plan)
}

fn plan_view(row: PlanRow, plan: &Plan) -> PlanView {
    let t = plan.totals();
    PlanView {
        plan_id: row.plan_id,
        week: row.week,
        version: row.version,
        strategy: row.strategy,
        seed: row.seed,
        minutes_scale: row.minutes_scale,
        snapshot_id: row.snapshot_id,
        status: row.status,
        created_at: iso(row.created_at),
        created_by: row.created_by,
        approved_at: row.approved_at.map(iso),
        approved_by: row.approved_by,
        superseded_by: row.superseded_by,
        assignments: t.selected,
        held_out: t.held_out,
        minutes: t.minutes,
        expected_averted: t.averted,
        value_yuan: t.value_yuan,
        bound_share: if t.bound_yuan > 0.0 { t.selected_value_yuan / t.bound_yuan } else { 1.0 },
        unmet_must_visit: t.unmet_must_visit.len() as u64,
        staff: plan
            .staff()
            .iter()
            .map(|s| StaffLoad {
                staff_id: s.staff_id.clone(),
                minutes_per_week: s.minutes_per_week,
                booked_urgent: s.booked_urgent,
                available: s.available,
                used: s.used,
                visits: s.visits,
            })
            .collect(),
    }
}

/// One row per assignment: visits on their walkable day; other channels spread over the working days in turn.
fn assignment_rows(plan: &Plan) -> Vec<AssignmentRow> {
    let days = plan.params().visit_days.days_per_week.max(1);
    let mut visit_day: BTreeMap<(&str, &str), u32> = BTreeMap::new();
    for d in plan.visit_days() {
        for r in &d.resident_ids {
            visit_day.insert((d.staff_id.as_str(), r.as_str()), d.day);
        }
    }
    let mut turn: BTreeMap<&str, u32> = BTreeMap::new();
    plan.assignments()
        .iter()
        .map(|a| {
            let day = match visit_day.get(&(a.staff_id.as_str(), a.resident_id.as_str())) {
                Some(&d) => d,
                None => {
                    let k = turn.entry(a.staff_id.as_str()).or_default();
                    *k += 1;
                    (*k - 1) % days
                }
            };
            AssignmentRow {
                resident_id: a.resident_id.clone(),
                grid: a.grid.clone(),
                channel: a.channel.code().to_string(),
                content_id: a.content_id.clone(),
                staff_id: a.staff_id.clone(),
                day: date(plan.week_start() + i64::from(day) * DAY),
                minutes: a.minutes,
                expected_averted: a.averted,
                holdout: a.arm == Arm::HeldOut,
            }
        })
        .collect()
}

impl Service {
    /// Drafts the week's plan from its served risk snapshot and stores it. A week with a live plan is a conflict
    /// (`plan_exists`) unless `replace` supersedes its draft; an approved plan is never replaced.
    pub fn outreach_plan(&self, req: &PlanRequest) -> AppResult<PlanView> {
        let scale = check_minutes_scale(req.minutes_scale)?;
        let store = self.store()?;
        let week = req.week.to_string();
        let live = store.live_plan(&week)?;
        let replaces = match (&live, req.replace) {
            (None, _) => None,
            (Some(p), true) if p.status == PlanStatus::Draft => Some(p.plan_id),
            (Some(p), _) => {
                let how = if p.status == PlanStatus::Approved {
                    "it is approved and never replaced"
                } else {
                    "pass --replace to supersede the draft with a new version"
                };
                return Err(AppError::new(
                    Kind::Conflict,
                    "plan_exists",
                    format!("week {week} already has plan {} ({}): {how}", p.plan_id, p.status.as_str()),
                ));
            }
        };
        let head = store.snapshot(req.week, None)?;
        let data = inputs::PlanData::load(&store, &head, req.week, scale)?;
        let mut params = PlanParams::domain_defaults(req.strategy, req.seed);
        params.holdout.exempt_must_visit = true;
        let plan = outreach::plan_week(&data.input(), &params.check()?)?;
        let json = serde_json::to_string(&plan).map_err(AppError::internal)?;
        let rows = assignment_rows(&plan);
        let id = store.insert_plan(&NewPlan {
            week: &week,
            version: plan.version(),
            strategy: req.strategy.code(),
            seed: req.seed,
            minutes_scale: scale,
            snapshot_id: head.snapshot_id,
            plan_json: &json,
            created_at: super::risk::now(),
            created_by: &req.by,
            assignments: &rows,
            replaces,
        })?;
        Ok(plan_view(store.plan(id)?, &plan))
    }

    /// A stored plan with one row per assignment.
    pub fn outreach_show(&self, plan_id: i64) -> AppResult<PlanDetail> {
        let store = self.store()?;
        let row = store.plan(plan_id)?;
        let plan = read_plan(&store.plan_json(plan_id)?, plan_id)?;
        let rows = store.plan_assignments(plan_id)?;
        Ok(PlanDetail { plan: plan_view(row, &plan), rows })
    }

    /// Plans, newest first (of one week when given).
    pub fn outreach_plans(&self, week: Option<IsoWeek>) -> AppResult<PlansView> {
        let store = self.store()?;
        let week = week.map(|w| w.to_string());
        let mut items = Vec::new();
        for row in store.plans(week.as_deref())? {
            let plan = read_plan(&store.plan_json(row.plan_id)?, row.plan_id)?;
            items.push(plan_view(row, &plan));
        }
        Ok(PlansView { items })
    }

    /// Every stored plan, oldest first: its stored head (epoch times) and its listed view (the Parquet export's
    /// `outreach_plans`). Reads one plan's JSON at a time.
    pub fn outreach_plan_heads(&self) -> AppResult<Vec<(PlanRow, PlanView)>> {
        let store = self.store()?;
        let mut out = Vec::new();
        for row in store.plans(None)?.into_iter().rev() {
            let plan = read_plan(&store.plan_json(row.plan_id)?, row.plan_id)?;
            out.push((row.clone(), plan_view(row, &plan)));
        }
        Ok(out)
    }

    /// Approves a draft (`plan_not_draft` when it is approved or superseded); the plan itself never changes.
    pub fn outreach_approve(&self, plan_id: i64, by: &str) -> AppResult<PlanView> {
        let store = self.store()?;
        let row = store.plan(plan_id)?;
        if row.status != PlanStatus::Draft {
            return Err(AppError::new(
                Kind::Conflict,
                "plan_not_draft",
                format!("plan {plan_id} is {}; only a draft can be approved", row.status.as_str()),
            ));
        }
        store.approve_plan(plan_id, by, super::risk::now())?;
        let plan = read_plan(&store.plan_json(plan_id)?, plan_id)?;
        Ok(plan_view(store.plan(plan_id)?, &plan))
    }
}

/// One data row of an import file: where it is, and its non-empty values by column (or why it does not parse).
pub(super) struct ImportRow {
    file: String,
    line: u64,
    pub(super) values: Result<BTreeMap<String, String>, RowError>,
}

impl ImportRow {
    /// A problem with this row's `field`.
    pub(super) fn error(&self, field: &str, reason: String) -> RowError {
        RowError { file: Some(self.file.clone()), line: Some(self.line), field: field.to_string(), reason }
    }
}

/// Reads an import CSV (a BOM and blank cells allowed): every row, or a file-level error naming the file (unreadable,
/// a bad header, a missing `required` column; `columns` lists the known ones).
pub(super) fn read_import(path: &std::path::Path, required: &[&str], columns: &str) -> AppResult<Vec<ImportRow>> {
    let file = path.display().to_string();
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_path(path)
        .map_err(|e| AppError::invalid("unreadable_input", "file", format!("cannot read {file}: {e}")))?;
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| AppError::invalid("invalid_import", "file", format!("{file}: bad header: {e}")))?
        .iter()
        .map(|h| h.trim().trim_start_matches('\u{feff}').to_string())
        .collect();
    if let Some(missing) = required.iter().find(|r| !headers.iter().any(|h| h == *r)) {
        return Err(AppError::invalid(
            "invalid_import",
            *missing,
            format!("{file}: no column {missing:?} (columns: {columns})"),
        ));
    }
    Ok(reader
        .records()
        .enumerate()
        .map(|(i, rec)| {
            let mut row = ImportRow { file: file.clone(), line: i as u64 + 2, values: Ok(BTreeMap::new()) };
            row.values = match rec {
                Ok(rec) => Ok(headers
                    .iter()
                    .zip(rec.iter())
                    .map(|(h, v)| (h.clone(), v.trim().to_string()))
                    .filter(|(_, v)| !v.is_empty())
                    .collect()),
                Err(e) => Err(row.error("row", e.to_string())),
            };
            row
        })
        .collect())
}
