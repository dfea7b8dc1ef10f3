//! A warning's task: deadlines by grade, the on-duty officer of the resident's grid, the escalation chain when the
//! resident is not reached (second attempt → family → visit), overdue steps and booked staff minutes. A task is a
//! value: recording an event returns the next task, so the api can store each version.

use std::collections::BTreeMap;

use datasets::Staff;
use serde::{Deserialize, Serialize};

use super::warning::Warning;
use super::{Action, Grade};
use crate::error::{OutreachError, Result};

const DAY: i64 = 86_400;
const BEIJING: i64 = 8 * 3600;

/// When a step is due, counted from the warning (grade steps) or from the failed attempt (escalation).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Due {
    After {
        seconds: u32,
    },
    /// By the end of the Beijing calendar day.
    SameDay,
}

impl Due {
    fn at(self, from: i64) -> i64 {
        match self {
            Due::After { seconds } => from + i64::from(seconds),
            Due::SameDay => (from + BEIJING).div_euclid(DAY) * DAY + DAY - BEIJING - 1,
        }
    }
}

/// One required step of a grade.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepRule {
    pub action: Action,
    pub due: Due,
}

/// Deadlines of the escalation chain, after the failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Escalation {
    pub second_attempt: Due,
    pub family: Due,
    pub visit: Due,
}

/// Steps per grade, and the escalation chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deadlines {
    pub high: Vec<StepRule>,
    pub medium: Vec<StepRule>,
    pub low: Vec<StepRule>,
    pub escalation: Escalation,
}

impl Deadlines {
    /// docs/domain-notes.md: high — call within 5 min and a visit dispatched within 30 min; medium — call within
    /// 1 h; low — SMS the same day. (est) escalation: second attempt within 15 min, family within 30 min, visit
    /// within 2 h of the failed attempt.
    pub fn domain_defaults() -> Deadlines {
        let step = |action, seconds| StepRule { action, due: Due::After { seconds } };
        Deadlines {
            high: vec![step(Action::Call, 300), step(Action::Visit, 1800)],
            medium: vec![step(Action::Call, 3600)],
            low: vec![StepRule { action: Action::Sms, due: Due::SameDay }],
            escalation: Escalation {
                second_attempt: Due::After { seconds: 900 },
                family: Due::After { seconds: 1800 },
                visit: Due::After { seconds: 7200 },
            },
        }
    }

    fn of(&self, g: Grade) -> &[StepRule] {
        match g {
            Grade::High => &self.high,
            Grade::Medium => &self.medium,
            Grade::Low => &self.low,
        }
    }
}

/// Staff minutes each action books.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActionMinutes {
    pub call: u32,
    pub sms: u32,
    pub visit: u32,
    pub family: u32,
}

impl ActionMinutes {
    /// (est) call 10, SMS 2, visit 60 (urgent: travel at once), family 10.
    pub fn domain_defaults() -> ActionMinutes {
        ActionMinutes { call: 10, sms: 2, visit: 60, family: 10 }
    }

    fn of(&self, a: Action) -> u32 {
        match a {
            Action::Call => self.call,
            Action::Sms => self.sms,
            Action::Visit => self.visit,
            Action::FamilyContact => self.family,
        }
    }
}

/// A staff member on duty in [from, to).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shift {
    pub staff_id: String,
    pub from: i64,
    pub to: i64,
}

/// One step of a task.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskStep {
    pub action: Action,
    pub due_at: i64,
    pub done_at: Option<i64>,
    pub reached: Option<bool>,
    /// Added by escalation (not a grade step).
    pub escalation: bool,
}

/// Where a task stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskState {
    Open,
    /// Every step done and the resident (or family) reached.
    Resolved,
    /// The chain is exhausted without reaching anyone.
    Unreached,
}

impl TaskState {
    fn code(self) -> &'static str {
        match self {
            TaskState::Open => "open",
            TaskState::Resolved => "resolved",
            TaskState::Unreached => "unreached",
        }
    }
}

/// A step past its deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Overdue {
    pub action: Action,
    pub due_at: i64,
    pub late_by_s: i64,
}

/// A warning's task.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Task {
    pub warning: Warning,
    pub staff_id: String,
    /// False when nobody covering the grid was on duty and the task went to an off-duty officer.
    pub on_duty: bool,
    pub steps: Vec<TaskStep>,
    pub state: TaskState,
    /// How far the escalation chain went (0 = none, 1 second attempt, 2 family, 3 visit).
    pub escalations: u8,
    pub last_event_at: i64,
}

/// Opens the task of `warning` for the resident's `grid`: the on-duty officer covering the grid with the fewest
/// open tasks (`open_tasks`), else any officer covering it (flagged off duty).
pub fn open_task(
    warning: &Warning,
    grid: &str,
    staff: &[Staff],
    shifts: &[Shift],
    open_tasks: &BTreeMap<String, u32>,
    deadlines: &Deadlines,
) -> Result<Task> {
    if staff.is_empty() {
        return Err(OutreachError::NoStaff);
    }
    let covering: Vec<&Staff> = staff.iter().filter(|s| s.grids.iter().any(|g| g == grid)).collect();
    let t = warning.raised_at;
    let on = |s: &&Staff| shifts.iter().any(|x| x.staff_id == s.staff_id && x.from <= t && t < x.to);
    let load = |s: &&&Staff| (open_tasks.get(&s.staff_id).copied().unwrap_or(0), s.staff_id.clone());
    let duty: Vec<&Staff> = covering.iter().copied().filter(on).collect();
    let (pick, on_duty) = match duty.iter().min_by_key(load) {
        Some(s) => (*s, true),
        None => match covering.iter().min_by_key(load) {
            Some(s) => (*s, false),
            None => {
                return Err(OutreachError::NoStaffForGrid {
                    grid: grid.to_string(),
                    resident: warning.resident_id.clone(),
                });
            }
        },
    };
    let steps = deadlines
        .of(warning.grade)
        .iter()
        .map(|r| TaskStep { action: r.action, due_at: r.due.at(t), done_at: None, reached: None, escalation: false })
        .collect();
    Ok(Task {
        warning: warning.clone(),
        staff_id: pick.staff_id.clone(),
        on_duty,
        steps,
        state: TaskState::Open,
        escalations: 0,
        last_event_at: t,
    })
}

impl Task {
    /// Records an attempt: marks the first pending step of `action` done; when it failed, adds the next
    /// escalation step (second attempt → family → visit); when it reached, cancels pending escalation steps. The
    /// task resolves once nothing is pending and someone was reached, or ends unreached when the chain is spent.
    pub fn record(&self, action: Action, at: i64, reached: bool, deadlines: &Deadlines) -> Result<Task> {
        if self.state != TaskState::Open {
            return Err(self.invalid(action));
        }
        if at < self.last_event_at {
            return Err(OutreachError::EventOutOfOrder { at, last: self.last_event_at });
        }
        let mut next = self.clone();
        let Some(step) = next.steps.iter_mut().find(|s| s.action == action && s.done_at.is_none()) else {
            return Err(self.invalid(action));
        };
        step.done_at = Some(at);
        step.reached = Some(reached);
        next.last_event_at = at;
        if reached {
            next.steps.retain(|s| !(s.escalation && s.done_at.is_none()));
        } else {
            next.escalate(at, deadlines);
        }
        if next.steps.iter().all(|s| s.done_at.is_some()) {
            let any = next.steps.iter().any(|s| s.reached == Some(true));
            next.state = if any { TaskState::Resolved } else { TaskState::Unreached };
        }
        Ok(next)
    }

    fn escalate(&mut self, at: i64, deadlines: &Deadlines) {
        let e = deadlines.escalation;
        let pending_visit = self.steps.iter().any(|s| s.action == Action::Visit && s.done_at.is_none());
        let chain = [(Action::Call, e.second_attempt), (Action::FamilyContact, e.family), (Action::Visit, e.visit)];
        while let Some(&(action, due)) = chain.get(usize::from(self.escalations)) {
            self.escalations += 1;
            if action == Action::Visit && pending_visit {
                continue;
            }
            self.steps.push(TaskStep { action, due_at: due.at(at), done_at: None, reached: None, escalation: true });
            break;
        }
    }

    fn invalid(&self, action: Action) -> OutreachError {
        OutreachError::InvalidTransition { task: self.warning.id.clone(), state: self.state.code(), action }
    }

    /// Pending steps past their deadline at `now`.
    pub fn overdue(&self, now: i64) -> Vec<Overdue> {
        self.steps
            .iter()
            .filter(|s| s.done_at.is_none() && s.due_at < now)
            .map(|s| Overdue { action: s.action, due_at: s.due_at, late_by_s: now - s.due_at })
            .collect()
    }

    /// Steps done after their deadline.
    pub fn late_steps(&self) -> usize {
        self.steps.iter().filter(|s| s.done_at.is_some_and(|d| d > s.due_at)).count()
    }
}

/// Staff minutes booked by the tasks' steps (done or pending) due in [from, to), per staff member.
pub fn booked_minutes(tasks: &[Task], from: i64, to: i64, minutes: &ActionMinutes) -> BTreeMap<String, u32> {
    let mut out: BTreeMap<String, u32> = BTreeMap::new();
    for t in tasks {
        for s in &t.steps {
            let when = s.done_at.unwrap_or(s.due_at);
            if (from..to).contains(&when) {
                *out.entry(t.staff_id.clone()).or_default() += minutes.of(s.action);
            }
        }
    }
    out
}
