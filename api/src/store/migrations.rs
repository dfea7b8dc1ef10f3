//! Versioned schema migrations, applied in order; `PRAGMA user_version` records the last one applied.
//!
//! Migrations are frozen once released: change the schema by appending a new one.

/// Migration `i` (0-based) brings the schema to version `i + 1`.
pub(crate) const MIGRATIONS: &[&str] = &[V1, V2, V3, V4, V5, V6, V7, V8_SERVICE, V9_OUTREACH, V10_DUTY];

/// Version 1: one table per record type (typed columns, `row_hash`, writing run), a `_history` table per record
/// type holding replaced versions, ingest runs with per-file counts, and flags for kept-but-questionable rows.
const V1: &str = r#"
CREATE TABLE runs (
    run_id      INTEGER PRIMARY KEY,
    started_at  INTEGER NOT NULL,
    finished_at INTEGER,
    source_dir  TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('running', 'done', 'done_with_rejects', 'interrupted', 'failed'))
);
CREATE TABLE run_files (
    run_id    INTEGER NOT NULL REFERENCES runs (run_id),
    file      TEXT NOT NULL,
    tbl       TEXT NOT NULL,
    accepted  INTEGER NOT NULL,
    updated   INTEGER NOT NULL,
    unchanged INTEGER NOT NULL,
    rejected  INTEGER NOT NULL,
    flagged   INTEGER NOT NULL,
    error     TEXT,
    PRIMARY KEY (run_id, file)
);
CREATE TABLE flags (
    tbl       TEXT NOT NULL,
    record_id TEXT NOT NULL,
    field     TEXT NOT NULL,
    value     TEXT NOT NULL,
    reason    TEXT NOT NULL,
    run_id    INTEGER NOT NULL,
    PRIMARY KEY (tbl, record_id, field)
);

CREATE TABLE residents (
    resident_id   TEXT PRIMARY KEY,
    birth_year    INTEGER NOT NULL,
    gender        TEXT NOT NULL,
    district      TEXT NOT NULL,
    community     TEXT NOT NULL,
    grid          TEXT,
    lives_alone   INTEGER,
    phones        TEXT NOT NULL,
    antifraud_app INTEGER,
    language      TEXT,
    row_hash      TEXT NOT NULL,
    run_id        INTEGER NOT NULL,
    ingested_at   INTEGER NOT NULL
);
CREATE INDEX residents_community ON residents (community);

CREATE TABLE reports (
    report_id       TEXT PRIMARY KEY,
    reported_at     INTEGER NOT NULL,
    reported_week   TEXT NOT NULL,
    occurred_at     INTEGER,
    district        TEXT NOT NULL,
    community       TEXT,
    victim_id       TEXT,
    victim_age      INTEGER,
    victim_gender   TEXT,
    fraud_type      TEXT NOT NULL,
    loss_fen        INTEGER,
    contact_channel TEXT,
    narrative       TEXT NOT NULL,
    phones          TEXT NOT NULL,
    accounts        TEXT NOT NULL,
    urls            TEXT NOT NULL,
    apps            TEXT NOT NULL,
    im_ids          TEXT NOT NULL,
    row_hash        TEXT NOT NULL,
    run_id          INTEGER NOT NULL,
    ingested_at     INTEGER NOT NULL
);
CREATE INDEX reports_week ON reports (reported_week);
CREATE INDEX reports_victim ON reports (victim_id);

CREATE TABLE transfers (
    transfer_id  TEXT PRIMARY KEY,
    from_account TEXT NOT NULL,
    to_account   TEXT NOT NULL,
    amount_fen   INTEGER NOT NULL,
    at           INTEGER NOT NULL,
    channel      TEXT,
    report_id    TEXT,
    row_hash     TEXT NOT NULL,
    run_id       INTEGER NOT NULL,
    ingested_at  INTEGER NOT NULL
);

CREATE TABLE contacts (
    contact_id  TEXT PRIMARY KEY,
    from_phone  TEXT NOT NULL,
    to_phone    TEXT NOT NULL,
    at          INTEGER NOT NULL,
    kind        TEXT NOT NULL,
    duration_s  INTEGER,
    row_hash    TEXT NOT NULL,
    run_id      INTEGER NOT NULL,
    ingested_at INTEGER NOT NULL
);

CREATE TABLE content (
    content_id  TEXT PRIMARY KEY,
    title       TEXT NOT NULL,
    format      TEXT NOT NULL,
    fraud_types TEXT NOT NULL,
    audience    TEXT NOT NULL,
    channels    TEXT NOT NULL,
    minutes     INTEGER,
    language    TEXT,
    row_hash    TEXT NOT NULL,
    run_id      INTEGER NOT NULL,
    ingested_at INTEGER NOT NULL
);

CREATE TABLE staff (
    staff_id         TEXT PRIMARY KEY,
    name             TEXT,
    grids            TEXT NOT NULL,
    minutes_per_week INTEGER NOT NULL,
    row_hash         TEXT NOT NULL,
    run_id           INTEGER NOT NULL,
    ingested_at      INTEGER NOT NULL
);

CREATE TABLE outreach (
    event_id    TEXT PRIMARY KEY,
    resident_id TEXT NOT NULL,
    content_id  TEXT,
    channel     TEXT NOT NULL,
    staff_id    TEXT,
    at          INTEGER NOT NULL,
    outcome     TEXT,
    holdout     INTEGER,
    row_hash    TEXT NOT NULL,
    run_id      INTEGER NOT NULL,
    ingested_at INTEGER NOT NULL
);

-- Replaced versions: the live table's columns, then the run that replaced the version and when.
CREATE TABLE residents_history AS SELECT *, 0 AS superseded_run, 0 AS superseded_at FROM residents WHERE 0;
CREATE INDEX residents_history_id ON residents_history (resident_id);
CREATE TABLE reports_history AS SELECT *, 0 AS superseded_run, 0 AS superseded_at FROM reports WHERE 0;
CREATE INDEX reports_history_id ON reports_history (report_id);
CREATE TABLE transfers_history AS SELECT *, 0 AS superseded_run, 0 AS superseded_at FROM transfers WHERE 0;
CREATE INDEX transfers_history_id ON transfers_history (transfer_id);
CREATE TABLE contacts_history AS SELECT *, 0 AS superseded_run, 0 AS superseded_at FROM contacts WHERE 0;
CREATE INDEX contacts_history_id ON contacts_history (contact_id);
CREATE TABLE content_history AS SELECT *, 0 AS superseded_run, 0 AS superseded_at FROM content WHERE 0;
CREATE INDEX content_history_id ON content_history (content_id);
CREATE TABLE staff_history AS SELECT *, 0 AS superseded_run, 0 AS superseded_at FROM staff WHERE 0;
CREATE INDEX staff_history_id ON staff_history (staff_id);
CREATE TABLE outreach_history AS SELECT *, 0 AS superseded_run, 0 AS superseded_at FROM outreach WHERE 0;
CREATE INDEX outreach_history_id ON outreach_history (event_id);
"#;

/// Version 2: gang clustering runs (`fanzha clusters run`): clusters with stable ids and their reports, the hubs
/// excluded from linking (with reasons) and the laundering services found.
const V2: &str = r#"
CREATE TABLE gang_runs (
    gang_run_id INTEGER PRIMARY KEY,
    created_at  INTEGER NOT NULL,
    reports     INTEGER NOT NULL,
    transfers   INTEGER NOT NULL,
    clusters    INTEGER NOT NULL,
    modularity  REAL NOT NULL,
    seed        INTEGER NOT NULL,
    hub_policy  TEXT
);
CREATE TABLE gang_members (
    gang_run_id INTEGER NOT NULL REFERENCES gang_runs (gang_run_id),
    cluster_id  INTEGER NOT NULL,
    report_id   TEXT NOT NULL,
    PRIMARY KEY (gang_run_id, report_id)
);
CREATE INDEX gang_members_cluster ON gang_members (gang_run_id, cluster_id);
CREATE TABLE gang_hubs (
    gang_run_id INTEGER NOT NULL REFERENCES gang_runs (gang_run_id),
    key         TEXT NOT NULL,
    kind        TEXT NOT NULL,
    degree      INTEGER NOT NULL,
    reason      TEXT NOT NULL,
    overridden  INTEGER NOT NULL,
    PRIMARY KEY (gang_run_id, key)
);
CREATE TABLE gang_services (
    gang_run_id     INTEGER NOT NULL REFERENCES gang_runs (gang_run_id),
    service_no      INTEGER NOT NULL,
    accounts        TEXT NOT NULL,
    reports         INTEGER NOT NULL,
    served_clusters TEXT NOT NULL,
    inflow_fen      INTEGER NOT NULL,
    PRIMARY KEY (gang_run_id, service_no)
);
"#;

/// Version 3 (issue 5): immutable weekly risk snapshots. One snapshot per (week, model version, data digest): a
/// re-run on the same data finds it and writes nothing; a new model version or changed data makes a new one.
/// Triggers refuse UPDATE and DELETE, so a published snapshot never changes. SQL that uses these tables lives in
/// `api/src/score_cmd.rs`.
const V3: &str = r#"
CREATE TABLE risk_snapshots (
    snapshot_id    INTEGER PRIMARY KEY,
    week           TEXT NOT NULL,
    model_kind     TEXT NOT NULL,
    model_version  TEXT NOT NULL,
    data_digest    TEXT NOT NULL,
    data_cutoff    INTEGER NOT NULL,
    fit_from       TEXT NOT NULL,
    calibrate_from TEXT NOT NULL,
    fit_rows       INTEGER NOT NULL,
    fit_victims    INTEGER NOT NULL,
    platt_a        REAL NOT NULL,
    platt_b        REAL NOT NULL,
    params         TEXT NOT NULL,
    residents      INTEGER NOT NULL,
    created_at     INTEGER NOT NULL,
    UNIQUE (week, model_version, data_digest)
);
CREATE TABLE risk_scores (
    snapshot_id INTEGER NOT NULL REFERENCES risk_snapshots (snapshot_id),
    resident_id TEXT NOT NULL,
    community   TEXT NOT NULL,
    score       REAL NOT NULL CHECK (score >= 0 AND score <= 1),
    decile      INTEGER NOT NULL CHECK (decile BETWEEN 1 AND 10),
    rank        INTEGER NOT NULL,
    reasons     TEXT NOT NULL,
    PRIMARY KEY (snapshot_id, resident_id)
) WITHOUT ROWID;
CREATE INDEX risk_scores_rank ON risk_scores (snapshot_id, rank);
CREATE TABLE risk_communities (
    snapshot_id    INTEGER NOT NULL REFERENCES risk_snapshots (snapshot_id),
    community      TEXT NOT NULL,
    residents      INTEGER NOT NULL,
    mean_score     REAL NOT NULL,
    expected_cases REAL NOT NULL,
    top_decile     INTEGER NOT NULL,
    PRIMARY KEY (snapshot_id, community)
) WITHOUT ROWID;
CREATE TRIGGER risk_snapshots_no_update BEFORE UPDATE ON risk_snapshots
BEGIN SELECT RAISE(ABORT, 'risk snapshots are immutable'); END;
CREATE TRIGGER risk_snapshots_no_delete BEFORE DELETE ON risk_snapshots
BEGIN SELECT RAISE(ABORT, 'risk snapshots are immutable'); END;
CREATE TRIGGER risk_scores_no_update BEFORE UPDATE ON risk_scores
BEGIN SELECT RAISE(ABORT, 'risk snapshots are immutable'); END;
CREATE TRIGGER risk_scores_no_delete BEFORE DELETE ON risk_scores
BEGIN SELECT RAISE(ABORT, 'risk snapshots are immutable'); END;
CREATE TRIGGER risk_communities_no_update BEFORE UPDATE ON risk_communities
BEGIN SELECT RAISE(ABORT, 'risk snapshots are immutable'); END;
CREATE TRIGGER risk_communities_no_delete BEFORE DELETE ON risk_communities
BEGIN SELECT RAISE(ABORT, 'risk snapshots are immutable'); END;
"#;

/// Version 4: compact reason codes. `risk_scores.reasons` of a snapshot with `reasons_format` 2 holds
/// `feature:h|l:contribution` items joined by `;` (`h`: the feature's high-value labels apply, `l`: the low-value
/// ones; contribution to four decimals), rendered in Chinese and English on read; format 1 (snapshots written
/// before this version) holds a JSON array per row. Existing snapshots keep format 1 and stay unchanged.
const V4: &str = r#"
ALTER TABLE risk_snapshots ADD COLUMN reasons_format INTEGER NOT NULL DEFAULT 1 CHECK (reasons_format IN (1, 2));
"#;

/// Version 5: where a clustering run traced each report's money to (pro rata through laundering pools): the end
/// accounts holding at least the run's minimum share of a report's traced money. The evidence behind money links,
/// kept with the run so `fanzha clusters explain` shows what the clustering used.
const V5: &str = r#"
CREATE TABLE gang_money_ends (
    gang_run_id INTEGER NOT NULL REFERENCES gang_runs (gang_run_id),
    key         TEXT NOT NULL,
    report_id   TEXT NOT NULL,
    share       REAL NOT NULL CHECK (share > 0 AND share <= 1),
    PRIMARY KEY (gang_run_id, key, report_id)
) WITHOUT ROWID;
"#;

/// Version 6: reports carry an optional case status (`CaseStatus` code: received, filed, solved, closed). The column
/// sits after `contact_channel`, as in reports.csv, so `reports` and `reports_history` are rebuilt with their rows
/// (SQLite can only append columns); existing rows get no status.
const V6: &str = r#"
CREATE TABLE reports_v6 (
    report_id       TEXT PRIMARY KEY,
    reported_at     INTEGER NOT NULL,
    reported_week   TEXT NOT NULL,
    occurred_at     INTEGER,
    district        TEXT NOT NULL,
    community       TEXT,
    victim_id       TEXT,
    victim_age      INTEGER,
    victim_gender   TEXT,
    fraud_type      TEXT NOT NULL,
    loss_fen        INTEGER,
    contact_channel TEXT,
    status          TEXT,
    narrative       TEXT NOT NULL,
    phones          TEXT NOT NULL,
    accounts        TEXT NOT NULL,
    urls            TEXT NOT NULL,
    apps            TEXT NOT NULL,
    im_ids          TEXT NOT NULL,
    row_hash        TEXT NOT NULL,
    run_id          INTEGER NOT NULL,
    ingested_at     INTEGER NOT NULL
);
INSERT INTO reports_v6 (
    report_id, reported_at, reported_week, occurred_at, district, community, victim_id, victim_age,
    victim_gender, fraud_type, loss_fen, contact_channel, narrative, phones, accounts, urls, apps, im_ids,
    row_hash, run_id, ingested_at
) SELECT
    report_id, reported_at, reported_week, occurred_at, district, community, victim_id, victim_age,
    victim_gender, fraud_type, loss_fen, contact_channel, narrative, phones, accounts, urls, apps, im_ids,
    row_hash, run_id, ingested_at
FROM reports;
DROP TABLE reports;
ALTER TABLE reports_v6 RENAME TO reports;
CREATE INDEX reports_week ON reports (reported_week);
CREATE INDEX reports_victim ON reports (victim_id);
CREATE TABLE reports_history_v6 AS SELECT *, 0 AS superseded_run, 0 AS superseded_at FROM reports WHERE 0;
INSERT INTO reports_history_v6 (
    report_id, reported_at, reported_week, occurred_at, district, community, victim_id, victim_age,
    victim_gender, fraud_type, loss_fen, contact_channel, narrative, phones, accounts, urls, apps, im_ids,
    row_hash, run_id, ingested_at, superseded_run, superseded_at
) SELECT
    report_id, reported_at, reported_week, occurred_at, district, community, victim_id, victim_age,
    victim_gender, fraud_type, loss_fen, contact_channel, narrative, phones, accounts, urls, apps, im_ids,
    row_hash, run_id, ingested_at, superseded_run, superseded_at
FROM reports_history;
DROP TABLE reports_history;
ALTER TABLE reports_history_v6 RENAME TO reports_history;
CREATE INDEX reports_history_id ON reports_history (report_id);
"#;

/// Version 7: the weekly pipeline's runs (when, how started, on what input, how it ended) and their steps (ingest,
/// index, clusters, score, stats…) with what each counted (a JSON object) or why it failed. A run left `running`
/// by a killed process is marked `interrupted` by the next one.
const V7: &str = r#"
CREATE TABLE pipeline_runs (
    run_id       INTEGER PRIMARY KEY,
    started_at   INTEGER NOT NULL,
    finished_at  INTEGER,
    status       TEXT NOT NULL CHECK (status IN ('running', 'done', 'failed', 'interrupted')),
    triggered_by TEXT NOT NULL CHECK (triggered_by IN ('cli', 'http', 'schedule')),
    input        TEXT NOT NULL
);
CREATE TABLE pipeline_steps (
    run_id      INTEGER NOT NULL REFERENCES pipeline_runs (run_id),
    seq         INTEGER NOT NULL,
    step        TEXT NOT NULL CHECK (step IN ('generate', 'ingest', 'index', 'clusters', 'score', 'stats')),
    started_at  INTEGER NOT NULL,
    finished_at INTEGER,
    status      TEXT NOT NULL CHECK (status IN ('running', 'done', 'skipped', 'failed', 'interrupted')),
    counts      TEXT,
    error       TEXT,
    PRIMARY KEY (run_id, seq)
);
"#;

/// Version 8 (issue 12, the service): a snapshot keeps each resident's grid (the weekly API filters on it; rows of
/// older snapshots have none), residents' histories are read by resident, and API users with hashed tokens.
/// Adding a column does not touch the immutable rows (the triggers refuse UPDATE and DELETE only).
const V8_SERVICE: &str = r#"
ALTER TABLE risk_scores ADD COLUMN grid TEXT;
CREATE INDEX risk_scores_resident ON risk_scores (resident_id, snapshot_id);
CREATE TABLE users (
    user_id           INTEGER PRIMARY KEY,
    name              TEXT NOT NULL UNIQUE,
    role              TEXT NOT NULL CHECK (role IN ('investigator', 'prevention', 'analyst', 'admin')),
    token_hash        TEXT NOT NULL UNIQUE,
    scope_districts   TEXT NOT NULL DEFAULT '',
    scope_communities TEXT NOT NULL DEFAULT '',
    created_at        INTEGER NOT NULL,
    revoked_at        INTEGER
);
"#;

/// Version 9 (issue 13, outreach): weekly plans (the library's `Plan` as JSON, versioned by its digest; one live —
/// draft or approved — plan per week; never changed: a draft is superseded by a new row, an approved plan is
/// frozen by trigger), their assignments one row per resident with the holdout arm, urgent warnings, their tasks
/// (the latest task value and its events, append-only), and recorded outcomes. `pipeline_steps` is rebuilt with
/// its rows to allow the steps `warnings` and `outreach_plan`.
const V9_OUTREACH: &str = r#"
CREATE TABLE outreach_plans (
    plan_id       INTEGER PRIMARY KEY,
    week          TEXT NOT NULL,
    version       TEXT NOT NULL,
    strategy      TEXT NOT NULL,
    seed          INTEGER NOT NULL,
    minutes_scale REAL NOT NULL,
    snapshot_id   INTEGER NOT NULL REFERENCES risk_snapshots (snapshot_id),
    plan_json     TEXT NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('draft', 'approved', 'superseded')),
    created_at    INTEGER NOT NULL,
    created_by    TEXT NOT NULL,
    approved_at   INTEGER,
    approved_by   TEXT,
    superseded_by INTEGER
);
CREATE UNIQUE INDEX outreach_plans_live_week ON outreach_plans (week) WHERE status <> 'superseded';
CREATE TRIGGER outreach_plans_frozen BEFORE UPDATE OF plan_id, week, version, strategy, seed, minutes_scale,
    snapshot_id, plan_json, created_at, created_by ON outreach_plans
BEGIN SELECT RAISE(ABORT, 'an outreach plan never changes; make a new version'); END;
CREATE TRIGGER outreach_plans_only_drafts_move BEFORE UPDATE ON outreach_plans WHEN OLD.status <> 'draft'
    AND NOT (OLD.status = 'superseded' AND OLD.superseded_by IS NULL AND NEW.status = 'superseded')
BEGIN SELECT RAISE(ABORT, 'only a draft plan changes status'); END;
CREATE TRIGGER outreach_plans_no_delete BEFORE DELETE ON outreach_plans
BEGIN SELECT RAISE(ABORT, 'outreach plans are kept'); END;
CREATE TABLE outreach_assignments (
    plan_id          INTEGER NOT NULL REFERENCES outreach_plans (plan_id),
    resident_id      TEXT NOT NULL,
    grid             TEXT NOT NULL,
    staff_id         TEXT NOT NULL,
    channel          TEXT NOT NULL,
    content_id       TEXT NOT NULL,
    day              TEXT NOT NULL,
    minutes          INTEGER NOT NULL,
    expected_averted REAL NOT NULL,
    holdout          INTEGER NOT NULL CHECK (holdout IN (0, 1)),
    PRIMARY KEY (plan_id, resident_id)
) WITHOUT ROWID;
CREATE INDEX outreach_assignments_staff ON outreach_assignments (staff_id, day);
CREATE TRIGGER outreach_assignments_no_update BEFORE UPDATE ON outreach_assignments
BEGIN SELECT RAISE(ABORT, 'plan assignments never change'); END;
CREATE TRIGGER outreach_assignments_no_delete BEFORE DELETE ON outreach_assignments
BEGIN SELECT RAISE(ABORT, 'plan assignments never change'); END;
CREATE TABLE warnings (
    warning_id  TEXT PRIMARY KEY,
    resident_id TEXT NOT NULL,
    phone       TEXT,
    number      TEXT NOT NULL,
    grade       TEXT NOT NULL CHECK (grade IN ('high', 'medium', 'low')),
    source      TEXT NOT NULL,
    contact_at  INTEGER,
    raised_at   INTEGER NOT NULL,
    known_at    INTEGER NOT NULL,
    created_at  INTEGER NOT NULL,
    CHECK (raised_at >= known_at),
    UNIQUE (resident_id, number, raised_at)
);
CREATE TABLE outreach_tasks (
    task_id     TEXT PRIMARY KEY,
    warning_id  TEXT NOT NULL UNIQUE REFERENCES warnings (warning_id),
    staff_id    TEXT NOT NULL,
    on_duty     INTEGER NOT NULL,
    state       TEXT NOT NULL CHECK (state IN ('open', 'resolved', 'unreached')),
    escalations INTEGER NOT NULL,
    next_due    INTEGER,
    task_json   TEXT NOT NULL,
    updated_at  INTEGER NOT NULL
);
CREATE INDEX outreach_tasks_staff ON outreach_tasks (staff_id, state);
CREATE TABLE outreach_outcomes (
    outcome_id        INTEGER PRIMARY KEY,
    task_id           TEXT NOT NULL,
    plan_id           INTEGER REFERENCES outreach_plans (plan_id),
    resident_id       TEXT NOT NULL,
    staff_id          TEXT,
    action            TEXT NOT NULL,
    at                INTEGER NOT NULL,
    outcome           TEXT NOT NULL CHECK (outcome IN ('reached', 'not_home', 'refused', 'wrong_number', 'no_answer')),
    app_installed     INTEGER NOT NULL,
    overseas_blocking INTEGER NOT NULL,
    family_contact    INTEGER NOT NULL,
    note              TEXT,
    source            TEXT NOT NULL,
    recorded_at       INTEGER NOT NULL
);
CREATE INDEX outreach_outcomes_task ON outreach_outcomes (task_id);
CREATE TRIGGER outreach_outcomes_no_update BEFORE UPDATE ON outreach_outcomes
BEGIN SELECT RAISE(ABORT, 'recorded outcomes never change'); END;
CREATE TRIGGER outreach_outcomes_no_delete BEFORE DELETE ON outreach_outcomes
BEGIN SELECT RAISE(ABORT, 'recorded outcomes never change'); END;

CREATE TABLE pipeline_steps_v9 (
    run_id      INTEGER NOT NULL REFERENCES pipeline_runs (run_id),
    seq         INTEGER NOT NULL,
    step        TEXT NOT NULL CHECK (step IN ('generate', 'ingest', 'index', 'clusters', 'score', 'stats',
                                              'warnings', 'outreach_plan')),
    started_at  INTEGER NOT NULL,
    finished_at INTEGER,
    status      TEXT NOT NULL CHECK (status IN ('running', 'done', 'skipped', 'failed', 'interrupted')),
    counts      TEXT,
    error       TEXT,
    PRIMARY KEY (run_id, seq)
);
INSERT INTO pipeline_steps_v9 SELECT * FROM pipeline_steps;
DROP TABLE pipeline_steps;
ALTER TABLE pipeline_steps_v9 RENAME TO pipeline_steps;
"#;

/// Version 10 (issue 13): staff carry optional duty hours (staff.csv `duty`, canonical text such as
/// `mon-fri 08:30-17:30`). The column sits after `minutes_per_week`, as in staff.csv, so `staff` and `staff_history`
/// are rebuilt with their rows (SQLite can only append columns, and history rows copy the live row's columns in
/// order); existing rows get no duty hours. Their row hashes now cover one more (empty) field, so the next ingest of
/// an unchanged staff.csv updates each staff row once.
const V10_DUTY: &str = r#"
CREATE TABLE staff_v10 (
    staff_id         TEXT PRIMARY KEY,
    name             TEXT,
    grids            TEXT NOT NULL,
    minutes_per_week INTEGER NOT NULL,
    duty             TEXT,
    row_hash         TEXT NOT NULL,
    run_id           INTEGER NOT NULL,
    ingested_at      INTEGER NOT NULL
);
INSERT INTO staff_v10 (staff_id, name, grids, minutes_per_week, row_hash, run_id, ingested_at)
    SELECT staff_id, name, grids, minutes_per_week, row_hash, run_id, ingested_at FROM staff;
DROP TABLE staff;
ALTER TABLE staff_v10 RENAME TO staff;
CREATE TABLE staff_history_v10 AS SELECT *, 0 AS superseded_run, 0 AS superseded_at FROM staff WHERE 0;
INSERT INTO staff_history_v10 (
    staff_id, name, grids, minutes_per_week, row_hash, run_id, ingested_at, superseded_run, superseded_at
) SELECT staff_id, name, grids, minutes_per_week, row_hash, run_id, ingested_at, superseded_run, superseded_at
FROM staff_history;
DROP TABLE staff_history;
ALTER TABLE staff_history_v10 RENAME TO staff_history;
CREATE INDEX staff_history_id ON staff_history (staff_id);
"#;
