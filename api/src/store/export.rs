//! The store's tables as `fanzha export` reads them: each table's columns with their types, and its rows streamed
//! one at a time as typed cells (lists split, flags as booleans, reason codes decoded), so an export of any size
//! holds one row here.

use rusqlite::types::Value;

use super::risk::decode_reasons;
use super::rules::split_list;
use super::{Store, StoreError, StoreResult};

/// The type of an exported column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnType {
    Text,
    Int,
    Float,
    /// Stored 0/1.
    Bool,
    /// Epoch seconds.
    Timestamp,
    /// Integer fen.
    Fen,
    /// A `;`-joined stored list of text.
    TextList,
    /// A `;`-joined stored list of integers.
    IntList,
    /// A list of floats (decoded reason contributions).
    FloatList,
}

/// One exported column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExportColumn {
    pub name: &'static str,
    pub ty: ColumnType,
    pub nullable: bool,
}

/// One value of an exported row; `Int` also carries timestamps (epoch seconds) and fen.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Null,
    Int(i64),
    Float(f64),
    Bool(bool),
    Text(String),
    TextList(Vec<String>),
    IntList(Vec<i64>),
    FloatList(Vec<f64>),
}

/// A stored table (or the latest clustering run's part of one) that `fanzha export` reads as it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportSource {
    Residents,
    Reports,
    Transfers,
    Contacts,
    Content,
    Staff,
    Outreach,
    /// Every plan's assignments, with the holdout arm.
    OutreachAssignments,
    Warnings,
    /// Urgent tasks as their latest value, with figures of their steps.
    OutreachTasks,
    OutreachOutcomes,
    GangMembers,
    GangHubs,
    GangServices,
    GangMoneyEnds,
    RiskSnapshots,
    RiskScores,
    RiskCommunities,
}

const fn col(name: &'static str, ty: ColumnType) -> ExportColumn {
    ExportColumn { name, ty, nullable: false }
}

const fn opt(name: &'static str, ty: ColumnType) -> ExportColumn {
    ExportColumn { name, ty, nullable: true }
}

use ColumnType::{Bool, Fen, Float, FloatList, Int, IntList, Text, TextList, Timestamp};

const RESIDENTS: &[ExportColumn] = &[
    col("resident_id", Text),
    col("birth_year", Int),
    col("gender", Text),
    col("district", Text),
    col("community", Text),
    opt("grid", Text),
    opt("lives_alone", Bool),
    col("phones", TextList),
    opt("antifraud_app", Bool),
    opt("language", Text),
];

const REPORTS: &[ExportColumn] = &[
    col("report_id", Text),
    col("reported_at", Timestamp),
    col("reported_week", Text),
    opt("occurred_at", Timestamp),
    col("district", Text),
    opt("community", Text),
    opt("victim_id", Text),
    opt("victim_age", Int),
    opt("victim_gender", Text),
    col("fraud_type", Text),
    opt("loss_fen", Fen),
    opt("contact_channel", Text),
    opt("status", Text),
    col("narrative", Text),
    col("phones", TextList),
    col("accounts", TextList),
    col("urls", TextList),
    col("apps", TextList),
    col("im_ids", TextList),
];

const TRANSFERS: &[ExportColumn] = &[
    col("transfer_id", Text),
    col("from_account", Text),
    col("to_account", Text),
    col("amount_fen", Fen),
    col("at", Timestamp),
    opt("channel", Text),
    opt("report_id", Text),
];

const CONTACTS: &[ExportColumn] = &[
    col("contact_id", Text),
    col("from_phone", Text),
    col("to_phone", Text),
    col("at", Timestamp),
    col("kind", Text),
    opt("duration_s", Int),
];

const CONTENT: &[ExportColumn] = &[
    col("content_id", Text),
    col("title", Text),
    col("format", Text),
    col("fraud_types", TextList),
    col("audience", Text),
    col("channels", TextList),
    opt("minutes", Int),
    opt("language", Text),
];

const STAFF: &[ExportColumn] = &[
    col("staff_id", Text),
    opt("name", Text),
    col("grids", TextList),
    col("minutes_per_week", Int),
    opt("duty", Text),
];

const OUTREACH: &[ExportColumn] = &[
    col("event_id", Text),
    col("resident_id", Text),
    opt("content_id", Text),
    col("channel", Text),
    opt("staff_id", Text),
    col("at", Timestamp),
    opt("outcome", Text),
    opt("holdout", Bool),
];

const GANG_MEMBERS: &[ExportColumn] = &[col("gang_run_id", Int), col("cluster_id", Int), col("report_id", Text)];

const GANG_HUBS: &[ExportColumn] = &[
    col("gang_run_id", Int),
    col("key", Text),
    col("kind", Text),
    col("degree", Int),
    col("reason", Text),
    col("overridden", Bool),
];

const GANG_SERVICES: &[ExportColumn] = &[
    col("gang_run_id", Int),
    col("service_no", Int),
    col("accounts", TextList),
    col("reports", Int),
    col("served_clusters", IntList),
    col("inflow_fen", Fen),
];

const GANG_MONEY_ENDS: &[ExportColumn] =
    &[col("gang_run_id", Int), col("key", Text), col("report_id", Text), col("share", Float)];

const RISK_SNAPSHOTS: &[ExportColumn] = &[
    col("snapshot_id", Int),
    col("week", Text),
    col("week_start", Timestamp),
    col("model_kind", Text),
    col("model_version", Text),
    col("data_digest", Text),
    col("fit_from", Text),
    col("calibrate_from", Text),
    col("fit_rows", Int),
    col("fit_victims", Int),
    col("platt_a", Float),
    col("platt_b", Float),
    col("residents", Int),
    col("created_at", Timestamp),
];

const RISK_SCORES: &[ExportColumn] = &[
    col("snapshot_id", Int),
    col("week", Text),
    col("resident_id", Text),
    col("community", Text),
    opt("grid", Text),
    col("score", Float),
    col("decile", Int),
    col("rank", Int),
    col("reason_features", TextList),
    col("reason_contributions", FloatList),
];

const RISK_COMMUNITIES: &[ExportColumn] = &[
    col("snapshot_id", Int),
    col("week", Text),
    col("community", Text),
    col("residents", Int),
    col("mean_score", Float),
    col("expected_cases", Float),
    col("top_decile", Int),
];

const OUTREACH_ASSIGNMENTS: &[ExportColumn] = &[
    col("plan_id", Int),
    col("resident_id", Text),
    col("grid", Text),
    col("staff_id", Text),
    col("channel", Text),
    col("content_id", Text),
    col("day", Text),
    col("minutes", Int),
    col("expected_averted", Float),
    col("holdout", Bool),
];

const WARNINGS: &[ExportColumn] = &[
    col("warning_id", Text),
    col("resident_id", Text),
    opt("phone", Text),
    col("number", Text),
    col("grade", Text),
    col("source", Text),
    opt("contact_at", Timestamp),
    col("raised_at", Timestamp),
    col("known_at", Timestamp),
    col("created_at", Timestamp),
];

const OUTREACH_TASKS: &[ExportColumn] = &[
    col("task_id", Text),
    col("warning_id", Text),
    col("resident_id", Text),
    col("grade", Text),
    col("staff_id", Text),
    col("on_duty", Bool),
    col("state", Text),
    col("escalations", Int),
    col("step_actions", TextList),
    col("steps_done", Int),
    col("steps_late", Int),
    col("first_due_at", Timestamp),
    opt("next_due", Timestamp),
    col("updated_at", Timestamp),
];

const OUTREACH_OUTCOMES: &[ExportColumn] = &[
    col("outcome_id", Int),
    col("task_id", Text),
    opt("plan_id", Int),
    col("resident_id", Text),
    opt("staff_id", Text),
    col("action", Text),
    col("at", Timestamp),
    col("outcome", Text),
    col("app_installed", Bool),
    col("overseas_blocking", Bool),
    col("family_contact", Bool),
    opt("note", Text),
    col("source", Text),
    col("recorded_at", Timestamp),
];

/// A task's steps (its stored JSON's `steps`, in order) as rows of `value`, for the task's derived columns.
const TASK_STEPS: &str = "json_each(t.task_json, '$.steps')";

impl ExportSource {
    /// Every source, in export order.
    pub const ALL: [ExportSource; 18] = [
        ExportSource::Residents,
        ExportSource::Reports,
        ExportSource::Transfers,
        ExportSource::Contacts,
        ExportSource::Content,
        ExportSource::Staff,
        ExportSource::Outreach,
        ExportSource::OutreachAssignments,
        ExportSource::Warnings,
        ExportSource::OutreachTasks,
        ExportSource::OutreachOutcomes,
        ExportSource::GangMembers,
        ExportSource::GangHubs,
        ExportSource::GangServices,
        ExportSource::GangMoneyEnds,
        ExportSource::RiskSnapshots,
        ExportSource::RiskScores,
        ExportSource::RiskCommunities,
    ];

    /// The stored table's name (also the export's).
    pub fn name(self) -> &'static str {
        match self {
            ExportSource::Residents => "residents",
            ExportSource::Reports => "reports",
            ExportSource::Transfers => "transfers",
            ExportSource::Contacts => "contacts",
            ExportSource::Content => "content",
            ExportSource::Staff => "staff",
            ExportSource::Outreach => "outreach",
            ExportSource::OutreachAssignments => "outreach_assignments",
            ExportSource::Warnings => "warnings",
            ExportSource::OutreachTasks => "outreach_tasks",
            ExportSource::OutreachOutcomes => "outreach_outcomes",
            ExportSource::GangMembers => "gang_members",
            ExportSource::GangHubs => "gang_hubs",
            ExportSource::GangServices => "gang_services",
            ExportSource::GangMoneyEnds => "gang_money_ends",
            ExportSource::RiskSnapshots => "risk_snapshots",
            ExportSource::RiskScores => "risk_scores",
            ExportSource::RiskCommunities => "risk_communities",
        }
    }

    /// The exported columns, in order.
    pub fn columns(self) -> &'static [ExportColumn] {
        match self {
            ExportSource::Residents => RESIDENTS,
            ExportSource::Reports => REPORTS,
            ExportSource::Transfers => TRANSFERS,
            ExportSource::Contacts => CONTACTS,
            ExportSource::Content => CONTENT,
            ExportSource::Staff => STAFF,
            ExportSource::Outreach => OUTREACH,
            ExportSource::OutreachAssignments => OUTREACH_ASSIGNMENTS,
            ExportSource::Warnings => WARNINGS,
            ExportSource::OutreachTasks => OUTREACH_TASKS,
            ExportSource::OutreachOutcomes => OUTREACH_OUTCOMES,
            ExportSource::GangMembers => GANG_MEMBERS,
            ExportSource::GangHubs => GANG_HUBS,
            ExportSource::GangServices => GANG_SERVICES,
            ExportSource::GangMoneyEnds => GANG_MONEY_ENDS,
            ExportSource::RiskSnapshots => RISK_SNAPSHOTS,
            ExportSource::RiskScores => RISK_SCORES,
            ExportSource::RiskCommunities => RISK_COMMUNITIES,
        }
    }

    /// Whether the rows are the latest clustering run's (`?1` in [`ExportSource::rows_query`]).
    pub fn of_gang_run(self) -> bool {
        matches!(
            self,
            ExportSource::GangMembers
                | ExportSource::GangHubs
                | ExportSource::GangServices
                | ExportSource::GangMoneyEnds
        )
    }

    /// The query's FROM … ORDER BY part (the rows' order is the primary key's, so an export is reproducible).
    fn rows_query(self) -> &'static str {
        match self {
            ExportSource::Residents => "FROM residents ORDER BY resident_id",
            ExportSource::Reports => "FROM reports ORDER BY report_id",
            ExportSource::Transfers => "FROM transfers ORDER BY transfer_id",
            ExportSource::Contacts => "FROM contacts ORDER BY contact_id",
            ExportSource::Content => "FROM content ORDER BY content_id",
            ExportSource::Staff => "FROM staff ORDER BY staff_id",
            ExportSource::Outreach => "FROM outreach ORDER BY event_id",
            ExportSource::OutreachAssignments => "FROM outreach_assignments ORDER BY plan_id, resident_id",
            ExportSource::Warnings => "FROM warnings ORDER BY warning_id",
            ExportSource::OutreachTasks => "FROM outreach_tasks t ORDER BY t.task_id",
            ExportSource::OutreachOutcomes => "FROM outreach_outcomes ORDER BY outcome_id",
            ExportSource::GangMembers => "FROM gang_members WHERE gang_run_id = ?1 ORDER BY cluster_id, report_id",
            ExportSource::GangHubs => "FROM gang_hubs WHERE gang_run_id = ?1 ORDER BY key",
            ExportSource::GangServices => "FROM gang_services WHERE gang_run_id = ?1 ORDER BY service_no",
            ExportSource::GangMoneyEnds => "FROM gang_money_ends WHERE gang_run_id = ?1 ORDER BY key, report_id",
            ExportSource::RiskSnapshots => "FROM risk_snapshots ORDER BY snapshot_id",
            ExportSource::RiskScores => {
                "FROM risk_scores r JOIN risk_snapshots s ON s.snapshot_id = r.snapshot_id
                 ORDER BY r.snapshot_id, r.rank"
            }
            ExportSource::RiskCommunities => {
                "FROM risk_communities c JOIN risk_snapshots s ON s.snapshot_id = c.snapshot_id
                 ORDER BY c.snapshot_id, c.community"
            }
        }
    }

    /// The selected expressions, one per stored value read.
    fn select(self) -> String {
        match self {
            ExportSource::RiskSnapshots => "snapshot_id, week, data_cutoff, model_kind, model_version, data_digest, \
                                            fit_from, calibrate_from, fit_rows, fit_victims, platt_a, platt_b, \
                                            residents, created_at"
                .into(),
            // The two reason columns come from one stored text and its snapshot's format.
            ExportSource::RiskScores => {
                "r.snapshot_id, s.week, r.resident_id, r.community, r.grid, r.score, r.decile, r.rank, \
                 s.reasons_format, r.reasons"
                    .into()
            }
            ExportSource::RiskCommunities => {
                "c.snapshot_id, s.week, c.community, c.residents, c.mean_score, c.expected_cases, c.top_decile".into()
            }
            // The warning's resident and grade, and the steps' figures, from the task's stored JSON (the library's
            // `Task`: `warning`, `steps` of `action`, `due_at`, `done_at`).
            ExportSource::OutreachTasks => format!(
                "t.task_id, t.warning_id, json_extract(t.task_json, '$.warning.resident_id'), \
                 json_extract(t.task_json, '$.warning.grade'), t.staff_id, t.on_duty, t.state, t.escalations, \
                 (SELECT coalesce(group_concat(a, ';'), '') FROM \
                    (SELECT json_extract(value, '$.action') AS a FROM {TASK_STEPS} ORDER BY key)), \
                 (SELECT count(*) FROM {TASK_STEPS} WHERE json_extract(value, '$.done_at') IS NOT NULL), \
                 (SELECT count(*) FROM {TASK_STEPS} \
                    WHERE json_extract(value, '$.done_at') > json_extract(value, '$.due_at')), \
                 (SELECT min(json_extract(value, '$.due_at')) FROM {TASK_STEPS}), t.next_due, t.updated_at"
            ),
            other => other.columns().iter().map(|c| c.name).collect::<Vec<_>>().join(", "),
        }
    }
}

/// Reads stored value `v` of `column` as its export type.
fn cell(table: &'static str, column: &ExportColumn, v: Value) -> StoreResult<Cell> {
    let wrong = |v: &Value| StoreError::corrupt(table, column.name, format!("{v:?}"), format!("not {:?}", column.ty));
    let out = match (column.ty, v) {
        (_, Value::Null) if column.nullable => Cell::Null,
        (Text, Value::Text(s)) => Cell::Text(s),
        (Int | Timestamp | Fen, Value::Integer(i)) => Cell::Int(i),
        (Float, Value::Real(x)) => Cell::Float(x),
        (Float, Value::Integer(i)) => Cell::Float(i as f64),
        (Bool, Value::Integer(0)) => Cell::Bool(false),
        (Bool, Value::Integer(1)) => Cell::Bool(true),
        (TextList, Value::Text(s)) => Cell::TextList(split_list(&s)),
        (IntList, Value::Text(s)) => Cell::IntList(
            split_list(&s)
                .iter()
                .map(|x| x.parse().map_err(|e| StoreError::corrupt(table, column.name, s.clone(), e)))
                .collect::<StoreResult<_>>()?,
        ),
        (_, v) => return Err(wrong(&v)),
    };
    Ok(out)
}

impl Store {
    /// How many rows [`Store::export_rows`] gives for `source` (`gang_run`: the clustering run to read).
    pub fn export_count(&self, source: ExportSource, gang_run: Option<i64>) -> StoreResult<u64> {
        let sql = format!("SELECT COUNT(*) {}", source.rows_query());
        let n: i64 = if source.of_gang_run() {
            self.conn().query_row(&sql, [gang_run], |r| r.get(0))?
        } else {
            self.conn().query_row(&sql, [], |r| r.get(0))?
        };
        Ok(n as u64)
    }

    /// Streams the rows of `source` (of clustering run `gang_run` for the `gang_*` sources; none: no rows) through
    /// `each`, one row of cells in [`ExportSource::columns`] order at a time; stops at the first error (a stored
    /// value that does not read as its type, or `each`'s own). Returns the rows given.
    pub fn export_rows<E: From<StoreError>>(
        &self,
        source: ExportSource,
        gang_run: Option<i64>,
        mut each: impl FnMut(&[Cell]) -> Result<(), E>,
    ) -> Result<u64, E> {
        if source.of_gang_run() && gang_run.is_none() {
            return Ok(0);
        }
        let (table, columns) = (source.name(), source.columns());
        let sql = format!("SELECT {} {}", source.select(), source.rows_query());
        let mut stmt = self.conn().prepare(&sql).map_err(StoreError::from)?;
        let mut rows =
            if source.of_gang_run() { stmt.query([gang_run]) } else { stmt.query([]) }.map_err(StoreError::from)?;
        let mut cells = Vec::with_capacity(columns.len());
        let mut n = 0;
        while let Some(row) = rows.next().map_err(StoreError::from)? {
            cells.clear();
            let plain = match source {
                ExportSource::RiskScores => columns.len() - 2,
                _ => columns.len(),
            };
            for (i, column) in columns[..plain].iter().enumerate() {
                cells.push(cell(table, column, row.get::<_, Value>(i).map_err(StoreError::from)?)?);
            }
            if source == ExportSource::RiskScores {
                let format: i64 = row.get(plain).map_err(StoreError::from)?;
                let stored: String = row.get(plain + 1).map_err(StoreError::from)?;
                let reasons = decode_reasons(format, &stored)?;
                cells.push(Cell::TextList(reasons.iter().map(|r| r.feature.clone()).collect()));
                cells.push(Cell::FloatList(reasons.iter().map(|r| r.contribution).collect()));
            }
            each(&cells)?;
            n += 1;
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use datasets::Table;

    use super::*;

    /// The record tables export the store's data columns, in schema order, and nothing else.
    #[test]
    fn record_tables_export_their_data_columns() {
        let pairs = [
            (ExportSource::Residents, Table::Residents),
            (ExportSource::Reports, Table::Reports),
            (ExportSource::Transfers, Table::Transfers),
            (ExportSource::Contacts, Table::Contacts),
            (ExportSource::Content, Table::Content),
            (ExportSource::Staff, Table::Staff),
            (ExportSource::Outreach, Table::Outreach),
        ];
        for (source, table) in pairs {
            let names: Vec<&str> = source.columns().iter().map(|c| c.name).collect();
            assert_eq!(names, super::super::rows::columns(table), "{}", source.name());
            assert_eq!(source.name(), table.name());
        }
    }

    /// Every source's query runs on an empty store and selects one value per stored column.
    #[test]
    fn every_query_runs_on_an_empty_store() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path()).unwrap();
        for source in ExportSource::ALL {
            assert_eq!(store.export_count(source, Some(1)).unwrap(), 0, "{}", source.name());
            let n = store.export_rows::<StoreError>(source, Some(1), |_| Ok(())).unwrap();
            assert_eq!(n, 0, "{}", source.name());
        }
    }

    #[test]
    fn cells_read_as_their_type_or_fail() {
        let list = col("phones", TextList);
        assert_eq!(
            cell("t", &list, Value::Text("a; b;;".into())).unwrap(),
            Cell::TextList(vec!["a".into(), "b".into()])
        );
        let flag = opt("holdout", Bool);
        assert_eq!(cell("t", &flag, Value::Null).unwrap(), Cell::Null);
        assert!(cell("t", &flag, Value::Integer(2)).is_err());
        assert!(cell("t", &col("at", Timestamp), Value::Null).is_err());
        assert!(cell("t", &col("served", IntList), Value::Text("1;x".into())).is_err());
    }
}
