//! The outreach tables (migration V9): weekly plans and their assignments, urgent warnings, their tasks and
//! recorded outcomes; and the district's rows as the outreach service reads them (residents, staff, content,
//! outreach history, victimisations, flagged numbers, contacts). Every SQL statement about outreach lives here.

use analytics::phone_key;
use datasets::{
    Audience, Content, ContentFormat, Duty, FraudType, Language, Outcome, Outreach, OutreachChannel, Staff,
};
use rusqlite::{OptionalExtension, Row, params};

use super::pipeline_runs::code;
use super::rules::{LOCAL_REPORT, split_list};
use super::{Store, StoreError, StoreResult};

/// A resident as a plan needs them.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanResidentRow {
    pub resident_id: String,
    pub birth_year: u16,
    pub grid: Option<String>,
    pub lives_alone: Option<bool>,
    /// Canonical phone keys.
    pub phones: Vec<String>,
    pub language: Option<Language>,
}

/// A report naming a resident as its victim.
#[derive(Debug, Clone, PartialEq)]
pub struct VictimRow {
    pub resident_id: String,
    pub occurred_at: i64,
    pub reported_at: i64,
    pub fraud_type: FraudType,
    pub local: bool,
    /// Money was lost (`loss_fen` > 0); false for an attempt that lost nothing, or an unknown loss.
    pub lost: bool,
}

/// A call or SMS between two phones (canonical keys).
#[derive(Debug, Clone, PartialEq)]
pub struct ContactRow {
    pub from_key: String,
    pub to_key: String,
    pub at: i64,
    pub duration_s: Option<u32>,
}

/// Status of a stored plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PlanStatus {
    Draft,
    Approved,
    Superseded,
}

impl PlanStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            PlanStatus::Draft => "draft",
            PlanStatus::Approved => "approved",
            PlanStatus::Superseded => "superseded",
        }
    }

    fn parse(s: &str) -> Option<PlanStatus> {
        [PlanStatus::Draft, PlanStatus::Approved, PlanStatus::Superseded].into_iter().find(|x| x.as_str() == s)
    }
}

/// A stored plan's head (its JSON read separately).
#[derive(Debug, Clone, PartialEq)]
pub struct PlanRow {
    pub plan_id: i64,
    pub week: String,
    pub version: String,
    pub strategy: String,
    pub seed: u64,
    pub minutes_scale: f64,
    pub snapshot_id: i64,
    pub status: PlanStatus,
    pub created_at: i64,
    pub created_by: String,
    pub approved_at: Option<i64>,
    pub approved_by: Option<String>,
    pub superseded_by: Option<i64>,
}

/// A plan to store.
#[derive(Debug, Clone)]
pub struct NewPlan<'a> {
    pub week: &'a str,
    pub version: &'a str,
    pub strategy: &'a str,
    pub seed: u64,
    pub minutes_scale: f64,
    pub snapshot_id: i64,
    pub plan_json: &'a str,
    pub created_at: i64,
    pub created_by: &'a str,
    pub assignments: &'a [AssignmentRow],
    /// Supersede this live draft of the same week (in the same transaction).
    pub replaces: Option<i64>,
}

/// One resident's planned contact, as stored (and shown by `fanzha outreach show`).
#[derive(Debug, Clone, PartialEq, serde::Serialize, utoipa::ToSchema)]
pub struct AssignmentRow {
    pub resident_id: String,
    pub grid: String,
    pub channel: String,
    pub content_id: String,
    pub staff_id: String,
    /// The planned day (Beijing date).
    pub day: String,
    #[serde(skip)]
    pub minutes: u32,
    pub expected_averted: f64,
    pub holdout: bool,
}

/// A stored warning.
#[derive(Debug, Clone, PartialEq)]
pub struct WarningRow {
    pub warning_id: String,
    pub resident_id: String,
    pub phone: Option<String>,
    pub number: String,
    pub grade: String,
    pub source: String,
    pub contact_at: Option<i64>,
    pub raised_at: i64,
    pub known_at: i64,
    pub created_at: i64,
}

/// A stored task: its latest value as JSON, with the columns lists filter on.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskRow {
    pub task_id: String,
    pub warning_id: String,
    pub staff_id: String,
    pub state: String,
    pub next_due: Option<i64>,
    pub task_json: String,
    pub updated_at: i64,
}

/// A recorded outcome.
#[derive(Debug, Clone, PartialEq)]
pub struct OutcomeRow {
    pub task_id: String,
    pub plan_id: Option<i64>,
    pub resident_id: String,
    pub staff_id: Option<String>,
    pub action: String,
    pub at: i64,
    pub outcome: String,
    pub app_installed: bool,
    pub overseas_blocking: bool,
    pub family_contact: bool,
    pub note: Option<String>,
    pub source: String,
    pub recorded_at: i64,
}

fn codes<T>(
    table: &'static str,
    column: &'static str,
    text: &str,
    parse: impl Fn(&str) -> Option<T>,
) -> StoreResult<Vec<T>> {
    split_list(text).into_iter().map(|c| code(table, column, c, &parse)).collect()
}

fn opt_code<T>(
    table: &'static str,
    column: &'static str,
    text: Option<String>,
    parse: impl Fn(&str) -> Option<T>,
) -> StoreResult<Option<T>> {
    text.map(|t| code(table, column, t, parse)).transpose()
}

fn u32_of(table: &'static str, column: &'static str, v: i64) -> StoreResult<u32> {
    u32::try_from(v).map_err(|e| StoreError::corrupt(table, column, v.to_string(), e))
}

const PLAN_COLUMNS: &str = "plan_id, week, version, strategy, seed, minutes_scale, snapshot_id, status, created_at, \
                            created_by, approved_at, approved_by, superseded_by";

fn plan_row(r: &Row<'_>) -> StoreResult<PlanRow> {
    let status: String = r.get(7)?;
    let seed: i64 = r.get(4)?;
    Ok(PlanRow {
        plan_id: r.get(0)?,
        week: r.get(1)?,
        version: r.get(2)?,
        strategy: r.get(3)?,
        seed: seed as u64,
        minutes_scale: r.get(5)?,
        snapshot_id: r.get(6)?,
        status: code("outreach_plans", "status", status, PlanStatus::parse)?,
        created_at: r.get(8)?,
        created_by: r.get(9)?,
        approved_at: r.get(10)?,
        approved_by: r.get(11)?,
        superseded_by: r.get(12)?,
    })
}

const WARNING_COLUMNS: &str =
    "warning_id, resident_id, phone, number, grade, source, contact_at, raised_at, known_at, created_at";

fn warning_row(r: &Row<'_>) -> rusqlite::Result<WarningRow> {
    Ok(WarningRow {
        warning_id: r.get(0)?,
        resident_id: r.get(1)?,
        phone: r.get(2)?,
        number: r.get(3)?,
        grade: r.get(4)?,
        source: r.get(5)?,
        contact_at: r.get(6)?,
        raised_at: r.get(7)?,
        known_at: r.get(8)?,
        created_at: r.get(9)?,
    })
}

const TASK_COLUMNS: &str = "task_id, warning_id, staff_id, state, next_due, task_json, updated_at";

fn task_row(r: &Row<'_>) -> rusqlite::Result<TaskRow> {
    Ok(TaskRow {
        task_id: r.get(0)?,
        warning_id: r.get(1)?,
        staff_id: r.get(2)?,
        state: r.get(3)?,
        next_due: r.get(4)?,
        task_json: r.get(5)?,
        updated_at: r.get(6)?,
    })
}

impl Store {
    /// Every resident, by id, as a plan needs them.
    pub fn plan_residents(&self) -> StoreResult<Vec<PlanResidentRow>> {
        let mut stmt = self.conn().prepare(
            "SELECT resident_id, birth_year, grid, lives_alone, phones, language FROM residents ORDER BY resident_id",
        )?;
        let mut rows = stmt.query([])?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            let id: String = r.get(0)?;
            let year: i64 = r.get(1)?;
            let birth_year = u16::try_from(year)
                .map_err(|_| StoreError::corrupt("residents", "birth_year", year.to_string(), format!("of {id:?}")))?;
            let phones: String = r.get(4)?;
            out.push(PlanResidentRow {
                resident_id: id,
                birth_year,
                grid: r.get::<_, Option<String>>(2)?.filter(|g| !g.is_empty()),
                lives_alone: r.get::<_, Option<i64>>(3)?.map(|v| v != 0),
                phones: split_list(&phones).iter().map(|p| phone_key(p)).collect(),
                language: opt_code("residents", "language", r.get(5)?, Language::parse)?,
            });
        }
        Ok(out)
    }

    /// Whether a resident exists.
    pub fn resident_exists(&self, id: &str) -> StoreResult<bool> {
        Ok(self
            .conn()
            .prepare_cached("SELECT 1 FROM residents WHERE resident_id = ?1")?
            .query_row([id], |_| Ok(()))
            .optional()?
            .is_some())
    }

    /// Every staff member, by id.
    pub fn staff(&self) -> StoreResult<Vec<Staff>> {
        let mut stmt =
            self.conn().prepare("SELECT staff_id, name, grids, minutes_per_week, duty FROM staff ORDER BY staff_id")?;
        let mut rows = stmt.query([])?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            let grids: String = r.get(2)?;
            let duty: Option<String> = r.get(4)?;
            out.push(Staff {
                staff_id: r.get(0)?,
                name: r.get(1)?,
                grids: split_list(&grids),
                minutes_per_week: u32_of("staff", "minutes_per_week", r.get(3)?)?,
                duty: duty
                    .map(|d| Duty::parse(&d).map_err(|e| StoreError::corrupt("staff", "duty", &d, e)))
                    .transpose()?,
            });
        }
        Ok(out)
    }

    /// Every content item, by id.
    pub fn content_items(&self) -> StoreResult<Vec<Content>> {
        let mut stmt = self.conn().prepare(
            "SELECT content_id, title, format, fraud_types, audience, channels, minutes, language FROM content
             ORDER BY content_id",
        )?;
        let mut rows = stmt.query([])?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            let (types, channels): (String, String) = (r.get(3)?, r.get(5)?);
            out.push(Content {
                content_id: r.get(0)?,
                title: r.get(1)?,
                format: code("content", "format", r.get(2)?, ContentFormat::parse)?,
                fraud_types: codes("content", "fraud_types", &types, FraudType::parse)?,
                audience: code("content", "audience", r.get(4)?, Audience::parse)?,
                channels: codes("content", "channels", &channels, OutreachChannel::parse)?,
                minutes: r.get::<_, Option<i64>>(6)?.map(|m| u32_of("content", "minutes", m)).transpose()?,
                language: opt_code("content", "language", r.get(7)?, Language::parse)?,
            });
        }
        Ok(out)
    }

    /// The outreach history (outreach.csv) before `before`, by time.
    pub fn outreach_history(&self, before: i64) -> StoreResult<Vec<Outreach>> {
        let mut stmt = self.conn().prepare(
            "SELECT event_id, resident_id, content_id, channel, staff_id, at, outcome, holdout FROM outreach
             WHERE at < ?1 ORDER BY at, event_id",
        )?;
        let mut rows = stmt.query([before])?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            out.push(Outreach {
                event_id: r.get(0)?,
                resident_id: r.get(1)?,
                content_id: r.get(2)?,
                channel: code("outreach", "channel", r.get(3)?, OutreachChannel::parse)?,
                staff_id: r.get(4)?,
                at: datasets::Timestamp(r.get(5)?),
                outcome: opt_code("outreach", "outcome", r.get(6)?, Outcome::parse)?,
                holdout: r.get::<_, Option<i64>>(7)?.map(|v| v != 0),
            });
        }
        Ok(out)
    }

    /// Reports naming a resident as victim, with the locality rule.
    pub fn victimisations(&self) -> StoreResult<Vec<VictimRow>> {
        let mut stmt = self.conn().prepare(&format!(
            "SELECT r.victim_id, COALESCE(r.occurred_at, r.reported_at), r.reported_at, r.fraud_type, {LOCAL_REPORT},
                    COALESCE(r.loss_fen, 0) > 0
             FROM reports r WHERE r.victim_id IS NOT NULL ORDER BY r.reported_at, r.report_id"
        ))?;
        let mut rows = stmt.query([])?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            out.push(VictimRow {
                resident_id: r.get(0)?,
                occurred_at: r.get(1)?,
                reported_at: r.get(2)?,
                fraud_type: code("reports", "fraud_type", r.get(3)?, FraudType::parse)?,
                local: r.get::<_, i64>(4)? != 0,
                lost: r.get::<_, i64>(5)? != 0,
            });
        }
        Ok(out)
    }

    /// Phone numbers named by reports (canonical keys) with the time and fraud type of the report naming them.
    pub fn reported_numbers(&self) -> StoreResult<Vec<(String, i64, FraudType)>> {
        let mut stmt = self.conn().prepare("SELECT phones, reported_at, fraud_type FROM reports WHERE phones <> ''")?;
        let mut rows = stmt.query([])?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            let (phones, at): (String, i64) = (r.get(0)?, r.get(1)?);
            let fraud_type = code("reports", "fraud_type", r.get(2)?, FraudType::parse)?;
            out.extend(split_list(&phones).iter().map(|p| (phone_key(p), at, fraud_type)));
        }
        Ok(out)
    }

    /// Phone numbers of the latest clustering run's multi-report clusters, with when each became known (hubs
    /// left out; see `gang_numbers` in the risk module: the same rule).
    pub fn gang_numbers(&self) -> StoreResult<Vec<(String, i64)>> {
        Ok(super::risk::gang_numbers(self.conn())?.into_iter().map(|g| (g.phone, g.known_at)).collect())
    }

    /// Hub keys of the latest clustering run (not overridden).
    pub fn gang_hub_keys(&self) -> StoreResult<Vec<String>> {
        let mut stmt = self.conn().prepare(
            "SELECT key FROM gang_hubs WHERE overridden = 0 AND gang_run_id = (SELECT MAX(gang_run_id) FROM gang_runs)",
        )?;
        Ok(stmt.query_map([], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?)
    }

    /// Contacts in [from, to), phone keys canonical.
    pub fn contacts_between(&self, from: i64, to: i64) -> StoreResult<Vec<ContactRow>> {
        let mut stmt = self
            .conn()
            .prepare("SELECT from_phone, to_phone, at, duration_s FROM contacts WHERE at >= ?1 AND at < ?2")?;
        let mut rows = stmt.query([from, to])?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            let (from, to): (String, String) = (r.get(0)?, r.get(1)?);
            out.push(ContactRow {
                from_key: phone_key(&from),
                to_key: phone_key(&to),
                at: r.get(2)?,
                duration_s: r.get::<_, Option<i64>>(3)?.map(|d| u32_of("contacts", "duration_s", d)).transpose()?,
            });
        }
        Ok(out)
    }

    /// The latest contact time (`None` without contacts).
    pub fn latest_contact_at(&self) -> StoreResult<Option<i64>> {
        Ok(self.conn().query_row("SELECT MAX(at) FROM contacts", [], |r| r.get(0))?)
    }

    // Plans.

    /// The week's live (draft or approved) plan, if any.
    pub fn live_plan(&self, week: &str) -> StoreResult<Option<PlanRow>> {
        let mut stmt = self.conn().prepare_cached(&format!(
            "SELECT {PLAN_COLUMNS} FROM outreach_plans WHERE week = ?1 AND status <> 'superseded'"
        ))?;
        let mut rows = stmt.query([week])?;
        rows.next()?.map(plan_row).transpose()
    }

    /// Stores a plan with its assignments; superseding `replaces` in the same transaction. A second live plan
    /// for the week is a `Conflict`.
    pub fn insert_plan(&self, plan: &NewPlan<'_>) -> StoreResult<i64> {
        let tx = self.conn().unchecked_transaction()?;
        if let Some(old) = plan.replaces {
            // Take the week's slot first (the unique index allows one live plan a week).
            tx.execute(
                "UPDATE outreach_plans SET status = 'superseded' WHERE plan_id = ?1 AND status = 'draft'",
                [old],
            )?;
        }
        let inserted = tx.execute(
            "INSERT INTO outreach_plans (week, version, strategy, seed, minutes_scale, snapshot_id, plan_json, status,
                 created_at, created_by) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'draft', ?8, ?9)",
            params![
                plan.week,
                plan.version,
                plan.strategy,
                plan.seed as i64,
                plan.minutes_scale,
                plan.snapshot_id,
                plan.plan_json,
                plan.created_at,
                plan.created_by
            ],
        );
        match inserted {
            Err(rusqlite::Error::SqliteFailure(e, _)) if e.code == rusqlite::ErrorCode::ConstraintViolation => {
                return Err(StoreError::Conflict {
                    what: "outreach plan",
                    message: format!("week {} already has a live outreach plan", plan.week),
                });
            }
            other => {
                other?;
            }
        }
        let id = tx.last_insert_rowid();
        if let Some(old) = plan.replaces {
            tx.execute("UPDATE outreach_plans SET superseded_by = ?1 WHERE plan_id = ?2", params![id, old])
                .map_err(|e| conflict_or(e, "the replaced plan is no longer a draft"))?;
        }
        {
            let mut ins = tx.prepare(
                "INSERT INTO outreach_assignments (plan_id, resident_id, grid, staff_id, channel, content_id, day,
                     minutes, expected_averted, holdout) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            )?;
            for a in plan.assignments {
                ins.execute(params![
                    id,
                    a.resident_id,
                    a.grid,
                    a.staff_id,
                    a.channel,
                    a.content_id,
                    a.day,
                    a.minutes,
                    a.expected_averted,
                    a.holdout
                ])?;
            }
        }
        tx.commit()?;
        Ok(id)
    }

    /// A plan's head; `NotFound` ("outreach plan").
    pub fn plan(&self, plan_id: i64) -> StoreResult<PlanRow> {
        let mut stmt =
            self.conn().prepare_cached(&format!("SELECT {PLAN_COLUMNS} FROM outreach_plans WHERE plan_id = ?1"))?;
        let mut rows = stmt.query([plan_id])?;
        match rows.next()? {
            Some(r) => plan_row(r),
            None => Err(StoreError::NotFound {
                what: "outreach plan",
                message: format!("no outreach plan {plan_id}; `fanzha outreach plan --week W` drafts one"),
            }),
        }
    }

    /// A plan's stored JSON.
    pub fn plan_json(&self, plan_id: i64) -> StoreResult<String> {
        self.plan(plan_id)?;
        Ok(self.conn().query_row("SELECT plan_json FROM outreach_plans WHERE plan_id = ?1", [plan_id], |r| r.get(0))?)
    }

    /// Plans, newest first (of one week when given).
    pub fn plans(&self, week: Option<&str>) -> StoreResult<Vec<PlanRow>> {
        let mut stmt = self.conn().prepare_cached(&format!(
            "SELECT {PLAN_COLUMNS} FROM outreach_plans WHERE ?1 IS NULL OR week = ?1 ORDER BY plan_id DESC"
        ))?;
        let mut rows = stmt.query([week])?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            out.push(plan_row(r)?);
        }
        Ok(out)
    }

    /// A plan's assignments, by staff, day, resident.
    pub fn plan_assignments(&self, plan_id: i64) -> StoreResult<Vec<AssignmentRow>> {
        let mut stmt = self.conn().prepare_cached(
            "SELECT resident_id, grid, channel, content_id, staff_id, day, minutes, expected_averted, holdout
             FROM outreach_assignments WHERE plan_id = ?1 ORDER BY staff_id, day, channel, resident_id",
        )?;
        let mut rows = stmt.query([plan_id])?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            out.push(AssignmentRow {
                resident_id: r.get(0)?,
                grid: r.get(1)?,
                channel: r.get(2)?,
                content_id: r.get(3)?,
                staff_id: r.get(4)?,
                day: r.get(5)?,
                minutes: u32_of("outreach_assignments", "minutes", r.get(6)?)?,
                expected_averted: r.get(7)?,
                holdout: r.get::<_, i64>(8)? != 0,
            });
        }
        Ok(out)
    }

    /// Marks a draft approved; `Conflict` when it is not a draft.
    pub fn approve_plan(&self, plan_id: i64, by: &str, at: i64) -> StoreResult<()> {
        let plan = self.plan(plan_id)?;
        if plan.status != PlanStatus::Draft {
            return Err(StoreError::Conflict {
                what: "outreach plan",
                message: format!("plan {plan_id} is {}; only a draft can be approved", plan.status.as_str()),
            });
        }
        self.conn()
            .execute(
                "UPDATE outreach_plans SET status = 'approved', approved_at = ?1, approved_by = ?2 WHERE plan_id = ?3",
                params![at, by, plan_id],
            )
            .map_err(|e| conflict_or(e, "the plan changed meanwhile"))?;
        Ok(())
    }

    /// Assignments of approved plans (plan id, week, assignment), for history and effects.
    pub fn approved_assignments(&self) -> StoreResult<Vec<(i64, String, AssignmentRow)>> {
        let mut out = Vec::new();
        for plan in self.plans(None)?.into_iter().filter(|p| p.status == PlanStatus::Approved) {
            for a in self.plan_assignments(plan.plan_id)? {
                out.push((plan.plan_id, plan.week.clone(), a));
            }
        }
        Ok(out)
    }

    // Warnings and tasks.

    /// Stores warnings; one already stored (same id, or same resident, number and time) is left alone. Returns
    /// the ids written.
    pub fn insert_warnings(&self, warnings: &[WarningRow]) -> StoreResult<Vec<String>> {
        let tx = self.conn().unchecked_transaction()?;
        let mut written = Vec::new();
        {
            let mut ins = tx.prepare(&format!(
                "INSERT OR IGNORE INTO warnings ({WARNING_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"
            ))?;
            for w in warnings {
                let n = ins.execute(params![
                    w.warning_id,
                    w.resident_id,
                    w.phone,
                    w.number,
                    w.grade,
                    w.source,
                    w.contact_at,
                    w.raised_at,
                    w.known_at,
                    w.created_at
                ])?;
                if n > 0 {
                    written.push(w.warning_id.clone());
                }
            }
        }
        tx.commit()?;
        Ok(written)
    }

    /// Warnings, newest first (only those raised at or after `since` when given).
    pub fn warnings(&self, since: Option<i64>) -> StoreResult<Vec<WarningRow>> {
        let mut stmt = self.conn().prepare_cached(&format!(
            "SELECT {WARNING_COLUMNS} FROM warnings WHERE ?1 IS NULL OR raised_at >= ?1
             ORDER BY raised_at DESC, warning_id"
        ))?;
        Ok(stmt.query_map([since], warning_row)?.collect::<rusqlite::Result<_>>()?)
    }

    /// One warning.
    pub fn warning(&self, id: &str) -> StoreResult<WarningRow> {
        let mut stmt =
            self.conn().prepare_cached(&format!("SELECT {WARNING_COLUMNS} FROM warnings WHERE warning_id = ?1"))?;
        stmt.query_row([id], warning_row)
            .optional()?
            .ok_or_else(|| StoreError::NotFound { what: "warning", message: format!("no warning {id:?}") })
    }

    /// Stores a new task.
    pub fn insert_task(&self, task: &TaskRow, on_duty: bool, escalations: u8) -> StoreResult<()> {
        self.conn().execute(
            "INSERT INTO outreach_tasks (task_id, warning_id, staff_id, on_duty, state, escalations, next_due,
                 task_json, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![
                task.task_id,
                task.warning_id,
                task.staff_id,
                on_duty,
                task.state,
                escalations,
                task.next_due,
                task.task_json,
                task.updated_at
            ],
        )?;
        Ok(())
    }

    /// One urgent task; `NotFound` ("task").
    pub fn task(&self, id: &str) -> StoreResult<TaskRow> {
        let mut stmt =
            self.conn().prepare_cached(&format!("SELECT {TASK_COLUMNS} FROM outreach_tasks WHERE task_id = ?1"))?;
        stmt.query_row([id], task_row).optional()?.ok_or_else(|| StoreError::NotFound {
            what: "task",
            message: format!("no outreach task {id:?}; `fanzha outreach tasks` lists them"),
        })
    }

    /// Urgent tasks (of one staff member when given), by next deadline.
    pub fn tasks(&self, staff: Option<&str>) -> StoreResult<Vec<TaskRow>> {
        let mut stmt = self.conn().prepare_cached(&format!(
            "SELECT {TASK_COLUMNS} FROM outreach_tasks WHERE ?1 IS NULL OR staff_id = ?1
             ORDER BY next_due IS NULL, next_due, task_id"
        ))?;
        Ok(stmt.query_map([staff], task_row)?.collect::<rusqlite::Result<_>>()?)
    }

    /// Replaces a task's value after an event, and stores the event's outcome, in one transaction; `Conflict`
    /// when the task changed since `expected_updated_at`.
    pub fn update_task(
        &self,
        task: &TaskRow,
        escalations: u8,
        expected_updated_at: i64,
        outcome: &OutcomeRow,
    ) -> StoreResult<()> {
        let tx = self.conn().unchecked_transaction()?;
        let n = tx.execute(
            "UPDATE outreach_tasks SET state = ?1, escalations = ?2, next_due = ?3, task_json = ?4, updated_at = ?5
             WHERE task_id = ?6 AND updated_at = ?7",
            params![
                task.state,
                escalations,
                task.next_due,
                task.task_json,
                task.updated_at,
                task.task_id,
                expected_updated_at
            ],
        )?;
        if n == 0 {
            return Err(StoreError::Conflict {
                what: "task",
                message: format!("task {} changed meanwhile; record again", task.task_id),
            });
        }
        insert_outcome(&tx, outcome)?;
        tx.commit()?;
        Ok(())
    }

    /// Stores recorded outcomes of plan assignments in one transaction.
    pub fn insert_outcomes(&self, outcomes: &[OutcomeRow]) -> StoreResult<()> {
        let tx = self.conn().unchecked_transaction()?;
        for o in outcomes {
            insert_outcome(&tx, o)?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Whether a plan holds an assignment for a resident: (week, assignment) of an approved or draft plan.
    pub fn assignment(&self, plan_id: i64, resident_id: &str) -> StoreResult<Option<AssignmentRow>> {
        Ok(self.plan_assignments(plan_id)?.into_iter().find(|a| a.resident_id == resident_id))
    }

    /// Every recorded outcome, by time.
    pub fn outcomes(&self) -> StoreResult<Vec<OutcomeRow>> {
        let mut stmt = self.conn().prepare_cached(
            "SELECT task_id, plan_id, resident_id, staff_id, action, at, outcome, app_installed, overseas_blocking,
                 family_contact, note, source, recorded_at FROM outreach_outcomes ORDER BY at, outcome_id",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(OutcomeRow {
                task_id: r.get(0)?,
                plan_id: r.get(1)?,
                resident_id: r.get(2)?,
                staff_id: r.get(3)?,
                action: r.get(4)?,
                at: r.get(5)?,
                outcome: r.get(6)?,
                app_installed: r.get(7)?,
                overseas_blocking: r.get(8)?,
                family_contact: r.get(9)?,
                note: r.get(10)?,
                source: r.get(11)?,
                recorded_at: r.get(12)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

fn insert_outcome(tx: &rusqlite::Connection, o: &OutcomeRow) -> StoreResult<()> {
    tx.prepare_cached(
        "INSERT INTO outreach_outcomes (task_id, plan_id, resident_id, staff_id, action, at, outcome, app_installed,
             overseas_blocking, family_contact, note, source, recorded_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
    )?
    .execute(params![
        o.task_id,
        o.plan_id,
        o.resident_id,
        o.staff_id,
        o.action,
        o.at,
        o.outcome,
        o.app_installed,
        o.overseas_blocking,
        o.family_contact,
        o.note,
        o.source,
        o.recorded_at
    ])?;
    Ok(())
}

/// A trigger's refusal (or a constraint) as a `Conflict`, anything else as the SQL error.
fn conflict_or(e: rusqlite::Error, message: &str) -> StoreError {
    match e {
        rusqlite::Error::SqliteFailure(f, _) if f.code == rusqlite::ErrorCode::ConstraintViolation => {
            StoreError::Conflict { what: "outreach plan", message: message.to_string() }
        }
        other => other.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::super::{STORE_FILE, migrations};
    use super::*;

    #[test]
    fn version_9_keeps_pipeline_steps_and_allows_the_outreach_steps() {
        let dir = tempfile::tempdir().unwrap();
        {
            // A store as version 8 left it, with one recorded step.
            let conn = rusqlite::Connection::open(dir.path().join(STORE_FILE)).unwrap();
            for sql in &migrations::MIGRATIONS[..8] {
                conn.execute_batch(sql).unwrap();
            }
            conn.pragma_update(None, "user_version", 8).unwrap();
            conn.execute_batch(
                "INSERT INTO pipeline_runs VALUES (1, 10, 20, 'done', 'cli', 'folder x');
                 INSERT INTO pipeline_steps VALUES (1, 0, 'ingest', 10, 11, 'done', '{}', NULL);",
            )
            .unwrap();
        }
        let store = Store::open(dir.path()).unwrap();
        let c = store.conn();
        let kept: String = c.query_row("SELECT step FROM pipeline_steps WHERE run_id = 1", [], |r| r.get(0)).unwrap();
        assert_eq!(kept, "ingest");
        c.execute("INSERT INTO pipeline_steps VALUES (1, 1, 'outreach_plan', 12, 13, 'skipped', NULL, 'x')", [])
            .unwrap();
        assert!(
            c.execute("INSERT INTO pipeline_steps VALUES (1, 2, 'nonsense', 12, 13, 'done', NULL, NULL)", []).is_err()
        );
    }

    #[test]
    fn version_10_keeps_staff_and_their_history_and_adds_duty_hours() {
        let dir = tempfile::tempdir().unwrap();
        {
            // A store as version 9 left it, with a staff member and an earlier version of them.
            let conn = rusqlite::Connection::open(dir.path().join(STORE_FILE)).unwrap();
            for sql in &migrations::MIGRATIONS[..9] {
                conn.execute_batch(sql).unwrap();
            }
            conn.pragma_update(None, "user_version", 9).unwrap();
            conn.execute_batch(
                "INSERT INTO staff VALUES ('S1', '张', 'G1;G2', 600, '00000000000000aa', 2, 20);
                 INSERT INTO staff_history VALUES ('S1', '张', 'G1', 300, '00000000000000bb', 1, 10, 2, 20);",
            )
            .unwrap();
        }
        let store = Store::open(dir.path()).unwrap();
        let staff = store.staff().unwrap();
        assert_eq!(staff.len(), 1);
        assert_eq!(
            (staff[0].grids.clone(), staff[0].minutes_per_week, staff[0].duty.clone()),
            (vec!["G1".to_string(), "G2".into()], 600, None)
        );
        let c = store.conn();
        let old: (i64, i64, Option<String>) = c
            .query_row("SELECT minutes_per_week, superseded_run, duty FROM staff_history", [], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
            .unwrap();
        assert_eq!(old, (300, 2, None));
        // The live row's columns, in order, then the superseding run: as the ingest archives a row.
        c.execute("UPDATE staff SET duty = 'mon-fri 08:30-17:30' WHERE staff_id = 'S1'", []).unwrap();
        c.execute("INSERT INTO staff_history SELECT *, 3, 30 FROM staff WHERE staff_id = 'S1'", []).unwrap();
        assert_eq!(
            store.staff().unwrap()[0].duty.as_ref().map(ToString::to_string).as_deref(),
            Some("mon-fri 08:30-17:30")
        );
        c.execute("UPDATE staff SET duty = 'whenever' WHERE staff_id = 'S1'", []).unwrap();
        let e = store.staff().unwrap_err().to_string();
        assert!(e.contains("staff") && e.contains("duty") && e.contains("whenever"), "{e}");
    }
}
