//! Outcomes staff record (one at a time, or a CSV import that keeps the good rows and names file, line and field
//! of each bad one), and the effect report per campaign and over time from the randomised holdout, on the
//! outreach.csv history plus what was recorded here.

use std::collections::HashMap;

use std::path::Path;

use analytics::IsoWeek;
use datasets::Outcome;
use outreach::{Action, Deadlines, EffectParams, EffectReport};
use serde::Serialize;

use super::inputs::{compared_history, flagged_contacts, flagged_numbers, task_of};
use super::urgent::task_row;
use crate::error::{AppError, AppResult, Kind};
use crate::service::Service;
use crate::store::{OutcomeRow, PlanStatus, Store};

/// Follow-up of an attempt for the effect report (the estimate's window).
const FOLLOW_UP_DAYS: u32 = 28;

/// What happened on an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OutcomeCode {
    Reached,
    NotHome,
    Refused,
    WrongNumber,
    NoAnswer,
}

impl OutcomeCode {
    pub const ALL: [OutcomeCode; 5] = [
        OutcomeCode::Reached,
        OutcomeCode::NotHome,
        OutcomeCode::Refused,
        OutcomeCode::WrongNumber,
        OutcomeCode::NoAnswer,
    ];

    pub fn code(self) -> &'static str {
        match self {
            OutcomeCode::Reached => "reached",
            OutcomeCode::NotHome => "not_home",
            OutcomeCode::Refused => "refused",
            OutcomeCode::WrongNumber => "wrong_number",
            OutcomeCode::NoAnswer => "no_answer",
        }
    }

    pub fn parse(text: &str) -> Option<OutcomeCode> {
        OutcomeCode::ALL.into_iter().find(|o| o.code() == text.trim())
    }

    /// The outreach history's outcome (a wrong number is a failed attempt).
    pub fn as_outcome(self) -> Outcome {
        match self {
            OutcomeCode::Reached => Outcome::Reached,
            OutcomeCode::NotHome => Outcome::NotHome,
            OutcomeCode::Refused => Outcome::Refused,
            OutcomeCode::WrongNumber => Outcome::Failed,
            OutcomeCode::NoAnswer => Outcome::NoAnswer,
        }
    }
}

/// Parses an outcome code.
pub fn parse_outcome(text: &str) -> AppResult<OutcomeCode> {
    OutcomeCode::parse(text).ok_or_else(|| {
        AppError::invalid(
            "invalid_outcome",
            "outcome",
            format!("{text:?} is not an outcome: reached, not_home, refused, wrong_number or no_answer"),
        )
    })
}

/// Parses an urgent task's action (`call`, `sms`, `visit`, `family_contact`).
pub fn parse_action(text: &str) -> AppResult<Action> {
    serde_json::from_value(serde_json::Value::String(text.trim().to_string())).map_err(|_| {
        AppError::invalid("invalid_action", "action", format!("{text:?} is not call, sms, visit or family_contact"))
    })
}

/// One outcome to record.
#[derive(Debug, Clone)]
pub struct RecordRequest {
    /// `T-…` (a warning's task) or `A<plan>-<resident>` (an approved plan's assignment).
    pub task_id: String,
    pub outcome: OutcomeCode,
    /// For an urgent task: which step (default: its next pending one).
    pub action: Option<Action>,
    /// When it happened (default: now).
    pub at: Option<i64>,
    pub app_installed: bool,
    pub overseas_blocking: bool,
    pub family_contact: bool,
    pub note: Option<String>,
    pub staff_id: Option<String>,
    /// `cli`, `import`, `http`.
    pub source: &'static str,
}

/// What recording did.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct RecordView {
    pub task_id: String,
    pub resident_id: String,
    pub outcome: OutcomeCode,
    /// The task's state afterwards (`open`, `resolved`, `unreached`; `done` for a plan assignment).
    pub state: String,
    /// Steps the escalation chain added (urgent tasks).
    pub escalations: u64,
}

/// A problem with one input row (or warning), naming where.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct RowError {
    pub file: Option<String>,
    /// 1-based line in the file (the header is line 1).
    pub line: Option<u64>,
    pub field: String,
    pub reason: String,
}

/// What an import did: good rows recorded, bad rows named.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ImportView {
    pub file: String,
    pub recorded: u64,
    pub rejected: Vec<RowError>,
}

/// Which campaigns the effect report covers.
#[derive(Debug, Clone, Default)]
pub struct EffectQuery {
    pub campaign: Option<IsoWeek>,
    pub from: Option<IsoWeek>,
    pub to: Option<IsoWeek>,
}

/// The effect report with campaigns named by ISO week.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EffectView {
    pub from: Option<String>,
    pub to: Option<String>,
    pub units: u64,
    pub held_out: u64,
    /// Units set aside as possible answers to urgent warnings, in either arm: routine attempts within two days
    /// after a contact from an outside number or a warning (urgent contacts are never held out, and outreach.csv does
    /// not mark them; counted as treated they would make outreach look harmful).
    pub urgent_excluded: u64,
    pub follow_up_days: u32,
    /// ISO week of each campaign of `report.by_campaign`, in the same order.
    pub campaign_weeks: Vec<String>,
    pub report: EffectReport,
}

fn week_of(at: i64) -> String {
    IsoWeek::of_timestamp(at).to_string()
}

impl Service {
    /// Records one outcome: of an urgent task (the step is marked, escalation follows a failed attempt) or of an
    /// approved plan's assignment. An unknown task is `task_not_found`.
    pub fn outreach_record(&self, req: &RecordRequest) -> AppResult<RecordView> {
        let store = self.store()?;
        record(&store, req)
    }

    /// Records the outcomes of a CSV file (`task_id,outcome,at,action,app_installed,overseas_blocking,
    /// family_contact,note,staff_id`): good rows are recorded, each bad one is named (file, line, field).
    pub fn outreach_import(&self, path: &Path) -> AppResult<ImportView> {
        let file = path.display().to_string();
        let rows = super::read_import(
            path,
            &["task_id", "outcome"],
            "task_id,outcome,at,action,app_installed,overseas_blocking,family_contact,note,staff_id",
        )?;
        let store = self.store()?;
        let (mut recorded, mut rejected) = (0, Vec::new());
        for row in rows {
            let rec = match &row.values {
                Ok(r) => r,
                Err(e) => {
                    rejected.push(e.clone());
                    continue;
                }
            };
            let err = |field: &str, reason: String| row.error(field, reason);
            let get = |name: &str| rec.get(name).cloned();
            let req = match import_row(&get) {
                Ok(r) => r,
                Err(e) => {
                    let (field, reason) = e
                        .field_errors()
                        .first()
                        .map_or(("row".to_string(), e.message().to_string()), |f| (f.field.clone(), f.reason.clone()));
                    rejected.push(err(&field, reason));
                    continue;
                }
            };
            match record(&store, &req) {
                Ok(_) => recorded += 1,
                Err(e) if e.kind() != Kind::Internal => {
                    let field = e.field_errors().first().map_or("task_id".to_string(), |f| f.field.clone());
                    rejected.push(err(&field, e.message().to_string()));
                }
                Err(e) => return Err(e),
            }
        }
        Ok(ImportView { file, recorded, rejected })
    }

    /// The effect report over campaigns (one, a range of weeks, or all) from the holdout.
    pub fn outreach_effect(&self, q: &EffectQuery) -> AppResult<EffectView> {
        let (from, to) = match (q.campaign, q.from, q.to) {
            (Some(c), None, None) => (Some(c), Some(c)),
            (None, f, t) => (f, t),
            _ => {
                return Err(AppError::invalid("invalid_range", "campaign", "give --campaign or --from/--to, not both"));
            }
        };
        if let (Some(f), Some(t)) = (from, to)
            && f > t
        {
            return Err(AppError::invalid("invalid_range", "from", format!("{f} is after {t}")));
        }
        let store = self.store()?;
        let now = super::super::risk::now();
        let residents = store.plan_residents()?;
        // Urgent warnings answer contacts from outside numbers, are never held out, and outreach.csv does not mark
        // them: the routine attempts just after an exposure are set aside in both arms.
        let contacts = store.contacts_between(i64::MIN / 2, now)?;
        let mut past = compared_history(&store, &residents, &contacts, now)?;
        let set_aside: Vec<outreach::PastContact> =
            past.iter().filter(|p| p.exposed).map(|p| outreach::PastContact { exposed: false, ..p.clone() }).collect();
        // Each warning the engine's own rule raises, and whether a contact reached the resident within the window
        // after it (the proxy outcome "warning answered", measured on the warned units only).
        let mut warned: HashMap<String, Vec<i64>> = HashMap::new();
        for (w, _) in super::urgent::scan(&store, &residents, Some(i64::MIN / 2))? {
            warned.entry(w.resident_id).or_default().push(w.raised_at);
        }
        let mut reached_at: HashMap<&str, Vec<i64>> = HashMap::new();
        for p in past.iter().filter(|p| p.reached()) {
            reached_at.entry(p.resident_id.as_str()).or_default().push(p.at);
        }
        let answered: Vec<(String, i64, bool)> = warned
            .iter()
            .flat_map(|(r, ts)| {
                let times = reached_at.get(r.as_str());
                ts.iter().map(move |&t| {
                    let answered =
                        times.is_some_and(|v| v.iter().any(|&at| at >= t && at - t <= outreach::EXPOSURE_WINDOW_S));
                    (r.clone(), t, answered)
                })
            })
            .collect();
        drop(reached_at);
        // Approved plans' assignments are units too: treated (intention to treat) or held out.
        for (plan_id, _, a) in store.approved_assignments()? {
            let Some(channel) = datasets::OutreachChannel::parse(&a.channel) else { continue };
            let day = chrono::NaiveDate::parse_from_str(&a.day, "%Y-%m-%d").ok();
            let at = day
                .and_then(|d| d.and_hms_opt(9, 0, 0))
                .and_then(|t| t.and_local_timezone(datasets::beijing()).single())
                .map_or(0, |t| t.timestamp());
            let recorded_here = past
                .iter()
                .any(|p| p.resident_id == a.resident_id && p.channel == channel && (p.at - at).abs() < 7 * 86_400);
            if recorded_here && !a.holdout {
                continue;
            }
            let _ = plan_id;
            past.push(outreach::PastContact {
                resident_id: a.resident_id,
                channel,
                at,
                content_id: Some(a.content_id),
                outcome: a.holdout.then_some(Outcome::HeldOut),
                holdout: a.holdout,
                urgent: false,
                exposed: false,
            });
        }
        let victims: Vec<outreach::Victimisation> = store
            .victimisations()?
            .into_iter()
            .map(|v| outreach::Victimisation {
                resident_id: v.resident_id,
                occurred_at: v.occurred_at,
                known_at: v.reported_at,
                lost: v.lost,
            })
            .collect();
        let (lo, hi) = (from.map_or(i64::MIN, IsoWeek::start), to.map_or(i64::MAX, IsoWeek::end));
        // The units those contacts would have been (a complete follow-up, in the campaigns asked for).
        let urgent_excluded = outreach::units_from_history(&set_aside, &[], None, None, FOLLOW_UP_DAYS, now)
            .iter()
            .filter(|u| u.campaign >= lo && u.campaign < hi)
            .count() as u64;
        // The proxy outcome: a resident's phone contacted by a number of a gang cluster or a report (flagged by now;
        // the same rule for both arms) within the follow-up.
        let flagged = flagged_numbers(&store, &residents)?;
        let by_flagged: Vec<(String, i64)> = flagged_contacts(&contacts, &flagged, i64::MIN / 2, now, &residents)
            .into_iter()
            .filter(|c| c.known_at < now)
            .map(|c| (c.resident_id.to_string(), c.at))
            .collect();
        let units: Vec<outreach::EffectUnit> =
            outreach::units_from_history(&past, &victims, Some(&by_flagged), Some(&answered), FOLLOW_UP_DAYS, now)
                .into_iter()
                .filter(|u| u.campaign >= lo && u.campaign < hi)
                .collect();
        if units.is_empty() {
            return Err(AppError::new(
                Kind::Conflict,
                "not_enough_data",
                "no outreach with a complete follow-up in the campaigns asked for",
            ));
        }
        let report = outreach::effect_report(&units, &EffectParams::domain_defaults())?;
        Ok(EffectView {
            from: from.map(|w| w.to_string()),
            to: to.map(|w| w.to_string()),
            units: units.len() as u64,
            held_out: units.iter().filter(|u| u.held_out).count() as u64,
            urgent_excluded,
            follow_up_days: FOLLOW_UP_DAYS,
            campaign_weeks: report.by_campaign.iter().map(|c| week_of(c.campaign)).collect(),
            report,
        })
    }
}

fn flag(get: &dyn Fn(&str) -> Option<String>, name: &'static str) -> AppResult<bool> {
    match get(name) {
        None => Ok(false),
        Some(v) => match v.to_lowercase().as_str() {
            "1" | "true" | "yes" | "y" | "是" => Ok(true),
            "0" | "false" | "no" | "n" | "否" => Ok(false),
            _ => Err(AppError::invalid("invalid_flag", name, format!("{v:?} is not true/false"))),
        },
    }
}

fn import_row(get: &dyn Fn(&str) -> Option<String>) -> AppResult<RecordRequest> {
    let task_id =
        get("task_id").ok_or_else(|| AppError::invalid("invalid_task_id", "task_id", "empty: which task?"))?;
    let outcome = parse_outcome(&get("outcome").unwrap_or_default())?;
    let at = get("at")
        .map(|t| {
            datasets::Timestamp::parse(&t)
                .map(|t| t.0)
                .map_err(|e| AppError::invalid("invalid_time", "at", format!("{t:?}: {e}")))
        })
        .transpose()?;
    Ok(RecordRequest {
        task_id,
        outcome,
        action: get("action").map(|a| parse_action(&a)).transpose()?,
        at,
        app_installed: flag(get, "app_installed")?,
        overseas_blocking: flag(get, "overseas_blocking")?,
        family_contact: flag(get, "family_contact")?,
        note: get("note"),
        staff_id: get("staff_id"),
        source: "import",
    })
}

fn record(store: &Store, req: &RecordRequest) -> AppResult<RecordView> {
    let now = super::super::risk::now();
    let at = req.at.unwrap_or(now);
    if let Some(s) = &req.staff_id
        && !store.staff()?.iter().any(|x| &x.staff_id == s)
    {
        return Err(AppError::not_found("staff_not_found", format!("no staff member {s:?}")));
    }
    if let Some(note) = &req.note
        && note.chars().count() > 2000
    {
        return Err(AppError::invalid("invalid_note", "note", "at most 2000 characters"));
    }
    let outcome_row =
        |task_id: &str, plan_id, resident_id: &str, staff_id: Option<String>, action: String| OutcomeRow {
            task_id: task_id.to_string(),
            plan_id,
            resident_id: resident_id.to_string(),
            staff_id,
            action,
            at,
            outcome: req.outcome.code().to_string(),
            app_installed: req.app_installed,
            overseas_blocking: req.overseas_blocking,
            family_contact: req.family_contact,
            note: req.note.clone(),
            source: req.source.to_string(),
            recorded_at: now,
        };
    let id = req.task_id.trim();
    if let Some(rest) = id.strip_prefix('A') {
        let not_found = || {
            AppError::not_found(
                "task_not_found",
                format!("no outreach task {id:?}; `fanzha outreach tasks` lists them"),
            )
        };
        let (plan, resident) = rest.split_once('-').ok_or_else(not_found)?;
        let plan_id: i64 = plan.parse().map_err(|_| not_found())?;
        let head = match store.plan(plan_id) {
            Ok(h) => h,
            Err(crate::store::StoreError::NotFound { .. }) => return Err(not_found()),
            Err(e) => return Err(e.into()),
        };
        let a = store.assignment(plan_id, resident)?.ok_or_else(not_found)?;
        if head.status != PlanStatus::Approved {
            return Err(AppError::new(
                Kind::Conflict,
                "plan_not_approved",
                format!("plan {plan_id} is {}: outcomes are recorded on approved plans", head.status.as_str()),
            ));
        }
        if a.holdout {
            return Err(AppError::new(
                Kind::Conflict,
                "held_out",
                format!(
                    "{resident} is held out of plan {plan_id} (the control group): nothing is done, nothing recorded"
                ),
            ));
        }
        let staff = req.staff_id.clone().or(Some(a.staff_id.clone()));
        store.insert_outcomes(&[outcome_row(id, Some(plan_id), resident, staff, a.channel.clone())])?;
        return Ok(RecordView {
            task_id: id.to_string(),
            resident_id: resident.to_string(),
            outcome: req.outcome,
            state: "done".into(),
            escalations: 0,
        });
    }
    let row = store.task(id).map_err(|e| match e {
        crate::store::StoreError::NotFound { message, .. } => AppError::not_found("task_not_found", message),
        other => other.into(),
    })?;
    let task = task_of(&row.task_id, &row.task_json)?;
    let action = match req.action {
        Some(a) => a,
        None => task
            .steps
            .iter()
            .filter(|s| s.done_at.is_none())
            .min_by_key(|s| s.due_at)
            .map(|s| s.action)
            .ok_or_else(|| AppError::new(Kind::Conflict, "task_closed", format!("task {id} has no pending step")))?,
    };
    let reached = req.outcome == OutcomeCode::Reached;
    let next = task.record(action, at, reached, &Deadlines::domain_defaults())?;
    let mut new_row = task_row(id, &next, now)?;
    new_row.updated_at = now.max(row.updated_at + 1);
    let action_code = serde_json::to_value(action).ok().and_then(|v| v.as_str().map(String::from)).unwrap_or_default();
    let staff = req.staff_id.clone().or(Some(next.staff_id.clone()));
    let outcome = outcome_row(id, None, &next.warning.resident_id, staff, action_code);
    store.update_task(&new_row, next.escalations, row.updated_at, &outcome)?;
    Ok(RecordView {
        task_id: id.to_string(),
        resident_id: next.warning.resident_id.clone(),
        outcome: req.outcome,
        state: super::urgent::state_code(next.state).to_string(),
        escalations: u64::from(next.escalations),
    })
}
