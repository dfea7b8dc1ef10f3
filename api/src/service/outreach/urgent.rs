//! Urgent warnings (预警劝阻) and day sheets: raising warnings from contacts with flagged numbers (never before a
//! number was known), importing them from a file or taking one by hand; each becomes a task with deadlines by
//! grade, assigned to the on-duty officer of the resident's grid; tasks and approved plans' assignments listed as
//! per-officer day sheets, with overdue steps. Urgent work is never capped and never held out.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;

use analytics::phone_key;
use chrono::Datelike as _;
use outreach::{
    Deadlines, Grade, PhoneBook, PhoneContact, Shift, Task, TaskState, WarnedPerson, Warning, WarningInput, WarningRule,
};
use serde::Serialize;

use super::inputs::{age, flagged_numbers, task_of};
use super::record::RowError;
use super::{DAY, date, iso};
use crate::error::{AppError, AppResult, Kind};
use crate::service::Service;
use crate::service::page::{Page, page_after};
use crate::store::{PlanResidentRow, PlanStatus, Store, TaskRow, WarningRow};

/// A scan without `since` looks at this many days before the store's latest contact.
const SCAN_DAYS: i64 = 7;
/// Officers without duty hours (staff.csv `duty`) count as on duty 08:00–20:00 Beijing time.
const SHIFT_HOURS: (i64, i64) = (8, 20);

/// Where warnings come from.
#[derive(Debug, Clone)]
pub enum WarnRequest {
    /// Contacts of residents' phones with flagged numbers, raised at or after `since` (default: the last
    /// [`SCAN_DAYS`] days of contacts).
    Scan { since: Option<i64> },
    /// A CSV file: `warning_id,resident_id,phone,number,grade,source,raised_at` (resident or phone; grade needed).
    Import { path: std::path::PathBuf },
    /// One warning by hand.
    One { resident_id: String, number: String, grade: Option<String>, source: String },
}

/// What a `warn` did.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct WarnView {
    /// Warnings raised (or read) before de-duplication.
    pub raised: u64,
    /// Newly stored (one already stored is left alone).
    pub stored: u64,
    pub tasks: Vec<TaskView>,
    /// Warnings stored without a task, and why (no staff covers the grid…).
    pub unassigned: Vec<RowError>,
    /// Rows of an import that were rejected (file, line, field, reason); good rows are kept.
    pub rejected: Vec<RowError>,
}

/// One step of a task.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct TaskStepView {
    /// `call`, `sms`, `visit`, `family_contact`.
    pub action: String,
    pub due_at: String,
    pub done_at: Option<String>,
    pub reached: Option<bool>,
    pub escalation: bool,
    pub overdue: bool,
}

/// A task of a day sheet: an urgent warning's (`urgent`) or an approved plan's assignment (`plan`).
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct TaskView {
    /// `T-…` for a warning's task, `A<plan>-<resident>` for a plan assignment.
    pub task_id: String,
    pub kind: String,
    pub resident_id: String,
    pub grid: String,
    pub staff_id: String,
    /// The day it is due (Beijing date).
    pub day: String,
    /// Urgent: the warning's grade; plan: null.
    pub grade: Option<String>,
    /// Urgent: the pending action; plan: the channel.
    pub action: String,
    /// Plan: the content item.
    pub content_id: Option<String>,
    /// Plan: the content item's title and format code (`leaflet`, `skit`…), as content.csv gives them.
    pub content_title: Option<String>,
    pub content_format: Option<String>,
    /// Urgent: the next deadline.
    pub due_at: Option<String>,
    /// `open`, `resolved`, `unreached` (urgent); `open`, `done` (plan).
    pub state: String,
    /// Pending steps past their deadline now.
    pub overdue: u64,
    /// Urgent: whether the officer was on duty when the warning was raised (false: nobody covering the grid was,
    /// and it went to an off-duty one); plan: true.
    pub on_duty: bool,
    pub steps: Vec<TaskStepView>,
}

/// Which tasks to list.
#[derive(Debug, Clone, Default)]
pub struct TasksQuery {
    pub staff: Option<String>,
    /// A Beijing date (`2026-06-22`).
    pub day: Option<String>,
    /// Only tasks with overdue steps.
    pub overdue: bool,
    /// One page of the tasks (in sheet order: officer, day, then urgent first), or all of them.
    pub page: Option<Page>,
}

/// One officer's tasks of one day.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct DaySheet {
    pub staff_id: String,
    pub staff_name: Option<String>,
    pub day: String,
    pub tasks: Vec<TaskView>,
    /// What to bring: the printed or staged items of the sheet's open visits, leaflets and lectures on this page,
    /// with how many of each.
    pub materials: Vec<Material>,
}

/// One item to bring, and how many.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Material {
    pub content_id: String,
    pub title: String,
    pub count: u64,
}

/// Day sheets, by officer and day.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct TasksView {
    pub generated_at: String,
    pub sheets: Vec<DaySheet>,
    /// Tasks matching the query, on every page.
    pub total: u64,
    /// The cursor of the next page (null on the last, or when not paged).
    pub next_cursor: Option<String>,
}

/// A warning with its task.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct WarningView {
    pub warning_id: String,
    pub resident_id: String,
    /// The flagged number, account or URL (canonical key).
    pub number: String,
    pub grade: String,
    pub source: String,
    pub contact_at: Option<String>,
    /// When the number became known as flagged; `raised_at` is never earlier.
    pub known_at: String,
    pub raised_at: String,
    pub task: Option<TaskView>,
}

/// Warnings, newest first.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct WarningsView {
    pub items: Vec<WarningView>,
    pub overdue_only: bool,
    /// Warnings matching the query, on every page.
    pub total: u64,
    /// The cursor of the next page (null on the last, or when not paged).
    pub next_cursor: Option<String>,
}

impl WarningsView {
    /// The view with each flagged number, account or URL masked (`tel:+86138****8000`), for roles that see numbers
    /// masked.
    pub fn masked(mut self) -> WarningsView {
        for w in &mut self.items {
            w.number = datasets::ident::mask_key(&w.number);
        }
        self
    }
}

/// Parses a grade (`high`, `medium`, `low`, 高, 中, 低).
pub fn parse_grade(text: &str) -> AppResult<Grade> {
    Grade::parse(text).ok_or_else(|| {
        AppError::invalid("invalid_grade", "grade", format!("{text:?} is not a grade: high, medium or low"))
    })
}

/// A stable id for a warning: resident, time, and a digest of the number.
fn warning_id(resident: &str, raised_at: i64, number: &str) -> String {
    let mut h = 0xcbf2_9ce4_8422_2325u64;
    for b in number.bytes() {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    format!("W-{resident}-{raised_at}-{:08x}", h as u32)
}

fn task_id(warning_id: &str) -> String {
    format!("T{}", warning_id.strip_prefix('W').unwrap_or(warning_id))
}

fn row_of(w: &Warning, known_at: i64, now: i64) -> WarningRow {
    WarningRow {
        warning_id: w.id.clone(),
        resident_id: w.resident_id.clone(),
        phone: w.phone.clone(),
        number: w.number.clone(),
        grade: w.grade.code().to_string(),
        source: w.source.clone(),
        contact_at: w.contact_at,
        raised_at: w.raised_at,
        known_at: known_at.min(w.raised_at),
        created_at: now,
    }
}

/// The shifts around `t`: each officer's duty hours (staff.csv `duty`) on the day before and the day of `t` (a night
/// shift that began the day before may still run), or 08:00–20:00 of that day for an officer without duty hours.
fn shifts(staff: &[datasets::Staff], t: i64) -> Vec<Shift> {
    let day = (t + 8 * 3600).div_euclid(DAY) * DAY - 8 * 3600;
    // 1970-01-01 was a Thursday (weekday 3, Monday = 0).
    let weekday = |midnight: i64| ((midnight + 8 * 3600).div_euclid(DAY) + 3).rem_euclid(7) as u8;
    let mut out = Vec::new();
    for s in staff {
        match &s.duty {
            Some(duty) => {
                out.extend(duty.shifts(day - DAY, weekday(day - DAY), 2).into_iter().map(|(from, to)| Shift {
                    staff_id: s.staff_id.clone(),
                    from,
                    to,
                }))
            }
            None => out.push(Shift {
                staff_id: s.staff_id.clone(),
                from: day + SHIFT_HOURS.0 * 3600,
                to: day + SHIFT_HOURS.1 * 3600,
            }),
        }
    }
    out
}

fn next_due(t: &Task) -> Option<i64> {
    t.steps.iter().filter(|s| s.done_at.is_none()).map(|s| s.due_at).min()
}

pub(super) fn state_code(s: TaskState) -> &'static str {
    match s {
        TaskState::Open => "open",
        TaskState::Resolved => "resolved",
        TaskState::Unreached => "unreached",
    }
}

pub(super) fn task_row(id: &str, t: &Task, now: i64) -> AppResult<TaskRow> {
    Ok(TaskRow {
        task_id: id.to_string(),
        warning_id: t.warning.id.clone(),
        staff_id: t.staff_id.clone(),
        state: state_code(t.state).to_string(),
        next_due: next_due(t),
        task_json: serde_json::to_string(t).map_err(AppError::internal)?,
        updated_at: now,
    })
}

fn action_code(a: outreach::Action) -> String {
    serde_json::to_value(a).ok().and_then(|v| v.as_str().map(String::from)).unwrap_or_default()
}

fn urgent_view(id: &str, t: &Task, grid: &str, now: i64) -> TaskView {
    let due = next_due(t);
    let pending = t.steps.iter().filter(|s| s.done_at.is_none()).min_by_key(|s| s.due_at);
    let steps: Vec<TaskStepView> = t
        .steps
        .iter()
        .map(|s| TaskStepView {
            action: action_code(s.action),
            due_at: iso(s.due_at),
            done_at: s.done_at.map(iso),
            reached: s.reached,
            escalation: s.escalation,
            overdue: s.done_at.is_none() && s.due_at < now,
        })
        .collect();
    TaskView {
        task_id: id.to_string(),
        kind: "urgent".into(),
        resident_id: t.warning.resident_id.clone(),
        grid: grid.to_string(),
        staff_id: t.staff_id.clone(),
        day: date(due.unwrap_or(t.last_event_at)),
        grade: Some(t.warning.grade.code().to_string()),
        action: pending.map_or_else(|| "none".to_string(), |s| action_code(s.action)),
        content_id: None,
        content_title: None,
        content_format: None,
        due_at: due.map(iso),
        on_duty: t.on_duty,
        state: state_code(t.state).to_string(),
        overdue: t.overdue(now).len() as u64,
        steps,
    }
}

/// Grid of each resident.
fn grids(rows: &[PlanResidentRow]) -> HashMap<&str, &str> {
    rows.iter().filter_map(|r| r.grid.as_deref().map(|g| (r.resident_id.as_str(), g))).collect()
}

impl Service {
    /// Raises, imports or takes warnings; stores the new ones and opens a task for each.
    pub fn warn(&self, req: &WarnRequest) -> AppResult<WarnView> {
        let store = self.store()?;
        let now = super::super::risk::now();
        let residents = store.plan_residents()?;
        let (warnings, rejected) = match req {
            WarnRequest::Scan { since } => (scan(&store, &residents, *since)?, Vec::new()),
            WarnRequest::Import { path } => import(path, &residents, now)?,
            WarnRequest::One { resident_id, number, grade, source } => {
                let grade = match grade {
                    None => {
                        return Err(AppError::invalid(
                            "missing_grade",
                            "grade",
                            "a warning needs a grade: high, medium or low",
                        ));
                    }
                    Some(g) => parse_grade(g)?,
                };
                if !residents.iter().any(|r| &r.resident_id == resident_id) {
                    return Err(AppError::not_found("resident_not_found", format!("no resident {resident_id:?}")));
                }
                let number = phone_key(number);
                if number.is_empty() {
                    return Err(AppError::invalid("invalid_number", "number", "the number, account or URL is empty"));
                }
                let w = Warning {
                    id: warning_id(resident_id, now, &number),
                    resident_id: resident_id.clone(),
                    phone: None,
                    number,
                    grade,
                    source: source.clone(),
                    contact_at: None,
                    raised_at: now,
                };
                (vec![(w, now)], Vec::new())
            }
        };
        let raised = warnings.len() as u64;
        let rows: Vec<WarningRow> = warnings.iter().map(|(w, k)| row_of(w, *k, now)).collect();
        let written: HashSet<String> = store.insert_warnings(&rows)?.into_iter().collect();
        let staff = store.staff()?;
        let grid_of = grids(&residents);
        let mut open: BTreeMap<String, u32> = BTreeMap::new();
        for t in store.tasks(None)?.into_iter().filter(|t| t.state == "open") {
            *open.entry(t.staff_id).or_default() += 1;
        }
        let deadlines = Deadlines::domain_defaults();
        let (mut tasks, mut unassigned) = (Vec::new(), Vec::new());
        for (w, _) in warnings.iter().filter(|(w, _)| written.contains(&w.id)) {
            let grid = grid_of.get(w.resident_id.as_str()).copied().unwrap_or("");
            match outreach::open_task(w, grid, &staff, &shifts(&staff, w.raised_at), &open, &deadlines) {
                Ok(task) => {
                    let id = task_id(&w.id);
                    store.insert_task(&task_row(&id, &task, now)?, task.on_duty, task.escalations)?;
                    *open.entry(task.staff_id.clone()).or_default() += 1;
                    tasks.push(urgent_view(&id, &task, grid, now));
                }
                Err(e) => unassigned.push(RowError {
                    file: None,
                    line: None,
                    field: "grid".into(),
                    reason: format!("warning {}: {}", w.id, AppError::from(e).message()),
                }),
            }
        }
        Ok(WarnView { raised, stored: written.len() as u64, tasks, unassigned, rejected })
    }

    /// Warnings with their tasks, newest first (only those with overdue steps when asked).
    pub fn warnings(&self, overdue_only: bool, page: Option<&Page>) -> AppResult<WarningsView> {
        let store = self.store()?;
        let now = super::super::risk::now();
        let residents = store.plan_residents()?;
        let grid_of = grids(&residents);
        let tasks: HashMap<String, (String, Task)> = store
            .tasks(None)?
            .into_iter()
            .map(|t| Ok((t.warning_id.clone(), (t.task_id.clone(), task_of(&t.task_id, &t.task_json)?))))
            .collect::<AppResult<_>>()?;
        let mut items = Vec::new();
        for w in store.warnings(None)? {
            let task = tasks
                .get(&w.warning_id)
                .map(|(id, t)| urgent_view(id, t, grid_of.get(w.resident_id.as_str()).copied().unwrap_or(""), now));
            if overdue_only && task.as_ref().is_none_or(|t| t.overdue == 0) {
                continue;
            }
            items.push(WarningView {
                warning_id: w.warning_id,
                resident_id: w.resident_id,
                number: w.number,
                grade: w.grade,
                source: w.source,
                contact_at: w.contact_at.map(iso),
                known_at: iso(w.known_at),
                raised_at: iso(w.raised_at),
                task,
            });
        }
        let total = items.len() as u64;
        let (items, next_cursor) = match page {
            Some(p) => page_after(items, |w| w.warning_id.as_str(), p.limit, p.cursor.as_deref())?,
            None => (items, None),
        };
        Ok(WarningsView { items, overdue_only, total, next_cursor })
    }

    /// Day sheets: open urgent tasks and approved plans' treated assignments (never the held-out ones), per
    /// officer and day.
    pub fn outreach_tasks(&self, q: &TasksQuery) -> AppResult<TasksView> {
        if let Some(d) = &q.day {
            chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d")
                .map_err(|_| AppError::invalid("invalid_day", "day", format!("{d:?} is not a date like 2026-06-22")))?;
        }
        let store = self.store()?;
        let staff = store.staff()?;
        if let Some(s) = &q.staff
            && !staff.iter().any(|x| &x.staff_id == s)
        {
            return Err(AppError::not_found("staff_not_found", format!("no staff member {s:?}")));
        }
        let now = super::super::risk::now();
        let residents = store.plan_residents()?;
        let grid_of = grids(&residents);
        let content: HashMap<String, datasets::Content> =
            store.content_items()?.into_iter().map(|c| (c.content_id.clone(), c)).collect();
        let mut all: Vec<TaskView> = Vec::new();
        for t in store.tasks(q.staff.as_deref())? {
            let task = task_of(&t.task_id, &t.task_json)?;
            let grid = grid_of.get(task.warning.resident_id.as_str()).copied().unwrap_or("");
            all.push(urgent_view(&t.task_id, &task, grid, now));
        }
        let done: HashSet<String> = store.outcomes()?.into_iter().map(|o| o.task_id).collect();
        for plan in store.plans(None)?.into_iter().filter(|p| p.status == PlanStatus::Approved) {
            for a in store.plan_assignments(plan.plan_id)? {
                if a.holdout || q.staff.as_ref().is_some_and(|s| s != &a.staff_id) {
                    continue;
                }
                let id = format!("A{}-{}", plan.plan_id, a.resident_id);
                let state = if done.contains(&id) { "done" } else { "open" };
                all.push(TaskView {
                    task_id: id,
                    kind: "plan".into(),
                    resident_id: a.resident_id,
                    grid: a.grid,
                    staff_id: a.staff_id,
                    day: a.day,
                    grade: None,
                    content_title: content.get(a.content_id.as_str()).map(|c| c.title.clone()),
                    content_format: content.get(a.content_id.as_str()).map(|c| c.format.code().to_string()),
                    action: a.channel,
                    content_id: Some(a.content_id),
                    due_at: None,
                    state: state.into(),
                    overdue: 0,
                    on_duty: true,
                    steps: Vec::new(),
                });
            }
        }
        all.retain(|t| q.day.as_ref().is_none_or(|d| &t.day == d) && (!q.overdue || t.overdue > 0));
        let total = all.len() as u64;
        let names: HashMap<&str, Option<&String>> =
            staff.iter().map(|s| (s.staff_id.as_str(), s.name.as_ref())).collect();
        // Sheet order: by officer and day; in a sheet urgent first, by deadline; then the plan's, by grid and resident
        // (a walkable order).
        all.sort_by(|a, b| {
            (&a.staff_id, &a.day, a.kind != "urgent", &a.due_at, &a.grid, &a.resident_id, &a.task_id).cmp(&(
                &b.staff_id,
                &b.day,
                b.kind != "urgent",
                &b.due_at,
                &b.grid,
                &b.resident_id,
                &b.task_id,
            ))
        });
        let (all, next_cursor) = match &q.page {
            Some(p) => page_after(all, |t| t.task_id.as_str(), p.limit, p.cursor.as_deref())?,
            None => (all, None),
        };
        let mut sheets: Vec<DaySheet> = Vec::new();
        for t in all {
            match sheets.last_mut() {
                Some(s) if s.staff_id == t.staff_id && s.day == t.day => s.tasks.push(t),
                _ => {
                    let staff_name = names.get(t.staff_id.as_str()).copied().flatten().cloned();
                    sheets.push(DaySheet {
                        staff_id: t.staff_id.clone(),
                        staff_name,
                        day: t.day.clone(),
                        tasks: vec![t],
                        materials: Vec::new(),
                    });
                }
            }
        }
        for sheet in &mut sheets {
            sheet.materials = materials(&sheet.tasks);
        }
        Ok(TasksView { generated_at: iso(now), sheets, total, next_cursor })
    }
}

/// The items a sheet's open visits, leaflets and lectures need, most used first.
fn materials(tasks: &[TaskView]) -> Vec<Material> {
    let mut count: BTreeMap<(&str, &str), u64> = BTreeMap::new();
    for t in tasks.iter().filter(|t| t.kind == "plan" && t.state == "open") {
        if let (Some(id), Some(title), "visit" | "leaflet" | "lecture") =
            (t.content_id.as_deref(), t.content_title.as_deref(), t.action.as_str())
        {
            *count.entry((id, title)).or_default() += 1;
        }
    }
    let mut out: Vec<Material> = count
        .into_iter()
        .map(|((id, title), n)| Material { content_id: id.to_string(), title: title.to_string(), count: n })
        .collect();
    out.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.content_id.cmp(&b.content_id)));
    out
}

/// Warnings from contacts with flagged numbers, raised at or after `since`.
pub(super) fn scan(store: &Store, residents: &[PlanResidentRow], since: Option<i64>) -> AppResult<Vec<(Warning, i64)>> {
    let Some(latest) = store.latest_contact_at()? else { return Ok(Vec::new()) };
    let since = since.unwrap_or(latest - SCAN_DAYS * DAY);
    let rule = WarningRule::domain_defaults();
    let flagged = flagged_numbers(store, residents)?;
    let contacts: Vec<PhoneContact> = store
        .contacts_between(since - rule.lookback_s, latest + 1)?
        .into_iter()
        .map(|c| PhoneContact { from_key: c.from_key, to_key: c.to_key, at: c.at, duration_s: c.duration_s })
        .collect();
    let book =
        PhoneBook::new(residents.iter().flat_map(|r| r.phones.iter().map(move |p| (p.clone(), r.resident_id.clone()))));
    let victims: HashSet<String> =
        store.victimisations()?.into_iter().filter(|v| v.reported_at < latest).map(|v| v.resident_id).collect();
    let year = datasets::Timestamp(latest).to_beijing().year();
    let people: HashMap<String, WarnedPerson> = residents
        .iter()
        .map(|r| {
            let person = WarnedPerson { age: age(year, r.birth_year), prior_victim: victims.contains(&r.resident_id) };
            (r.resident_id.clone(), person)
        })
        .collect();
    let mut known: HashMap<&str, i64> = HashMap::new();
    for f in &flagged {
        let k = known.entry(f.key.as_str()).or_insert(f.known_at);
        *k = (*k).min(f.known_at);
    }
    let raised = outreach::raise_warnings(&contacts, &flagged, &book, &people, &rule);
    Ok(raised
        .into_iter()
        .filter(|w| w.raised_at >= since)
        .map(|mut w| {
            let k = known.get(w.number.as_str()).copied().unwrap_or(w.raised_at);
            w.id = warning_id(&w.resident_id, w.raised_at, &w.number);
            (w, k)
        })
        .collect())
}

const IMPORT_COLUMNS: [&str; 7] = ["warning_id", "resident_id", "phone", "number", "grade", "source", "raised_at"];

/// Accepted warnings (with when their number became known) and rejected rows.
type Accepted = (Vec<(Warning, i64)>, Vec<RowError>);

/// Warnings from a CSV file; every bad row is a [`RowError`] naming the file, line and field.
fn import(path: &Path, residents: &[PlanResidentRow], now: i64) -> AppResult<Accepted> {
    let file = path.display().to_string();
    let rows = super::read_import(path, &["number", "grade"], &IMPORT_COLUMNS.join(","))?;
    let book =
        PhoneBook::new(residents.iter().flat_map(|r| r.phones.iter().map(move |p| (p.clone(), r.resident_id.clone()))));
    let ids: HashSet<&str> = residents.iter().map(|r| r.resident_id.as_str()).collect();
    let is_resident = |id: &str| ids.contains(id);
    let (mut good, mut bad) = (Vec::new(), Vec::new());
    for row in rows {
        let rec = match &row.values {
            Ok(r) => r,
            Err(e) => {
                bad.push(e.clone());
                continue;
            }
        };
        let err = |field: &str, reason: String| row.error(field, reason);
        let get = |name: &str| rec.get(name).cloned();
        let grade = match get("grade") {
            None => {
                bad.push(err("grade", "a warning needs a grade: high, medium or low".into()));
                continue;
            }
            Some(g) => match Grade::parse(&g) {
                Some(g) => Some(g),
                None => {
                    bad.push(err("grade", format!("{g:?} is not a grade: high, medium or low")));
                    continue;
                }
            },
        };
        let Some(number) = get("number").map(|n| phone_key(&n)) else {
            bad.push(err("number", "empty: the flagged number, account or URL is needed".into()));
            continue;
        };
        let raised_at = match get("raised_at") {
            None => now,
            Some(t) => match datasets::Timestamp::parse(&t) {
                Ok(t) => t.0,
                Err(e) => {
                    bad.push(err("raised_at", format!("{t:?}: {e}")));
                    continue;
                }
            },
        };
        let resident_id = get("resident_id");
        let phone = get("phone").map(|p| phone_key(&p));
        let id = get("warning_id").unwrap_or_else(|| {
            let who = resident_id.clone().or_else(|| phone.clone()).unwrap_or_default();
            warning_id(&who, raised_at, &number)
        });
        let input = WarningInput {
            id,
            resident_id,
            phone,
            number,
            grade,
            source: get("source").unwrap_or_else(|| "import".into()),
            raised_at,
        };
        match outreach::accept_warning(&input, &book, &is_resident) {
            Ok(w) => good.push((w, raised_at)),
            Err(e) => {
                let field = match e {
                    outreach::OutreachError::UnmappedPhone { .. } => "phone",
                    _ => "resident_id",
                };
                bad.push(err(field, e.to_string()));
            }
        }
    }
    if good.is_empty() && bad.is_empty() {
        return Err(AppError::new(Kind::Invalid, "invalid_import", format!("{file}: no rows")));
    }
    Ok((good, bad))
}
