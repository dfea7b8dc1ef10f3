//! The weekly pipeline's bookkeeping: `pipeline_runs` (one row a run) and `pipeline_steps` (one row a step, with
//! its counts as a JSON object or its error). Codes read back as enums; an unknown one is [`StoreError::Corrupt`].

use rusqlite::{OptionalExtension, Row, params};

use super::{Store, StoreError, StoreResult};

/// Defines a stored code enum with `as_str` and a strict `parse`.
macro_rules! stored_code {
    ($(#[$meta:meta])* $name:ident { $($variant:ident = $code:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum $name { $($variant),+ }

        impl $name {
            /// The stored code.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }

            fn parse(s: &str) -> Option<$name> {
                match s { $($code => Some($name::$variant),)+ _ => None }
            }
        }
    };
}

stored_code! {
    /// Where a pipeline run stands.
    PipelineStatus { Running = "running", Done = "done", Failed = "failed", Interrupted = "interrupted" }
}

stored_code! {
    /// Where a step stands; `Skipped` is a step that had nothing to do or could not apply (its error says why).
    StepStatus {
        Running = "running",
        Done = "done",
        Skipped = "skipped",
        Failed = "failed",
        Interrupted = "interrupted",
    }
}

stored_code! {
    /// What started a run.
    Trigger { Cli = "cli", Http = "http", Schedule = "schedule" }
}

stored_code! {
    /// The steps of the pipeline, in the order they run.
    Step {
        Generate = "generate",
        Ingest = "ingest",
        Index = "index",
        Clusters = "clusters",
        Score = "score",
        Stats = "stats",
        Warnings = "warnings",
        OutreachPlan = "outreach_plan",
    }
}

/// One stored run with its steps.
#[derive(Debug, Clone, PartialEq)]
pub struct PipelineRunRow {
    pub run_id: i64,
    pub started_at: i64,
    pub finished_at: Option<i64>,
    pub status: PipelineStatus,
    pub trigger: Trigger,
    /// What the run read (a folder, or the synthetic district's parameters).
    pub input: String,
    pub steps: Vec<PipelineStepRow>,
}

/// One stored step.
#[derive(Debug, Clone, PartialEq)]
pub struct PipelineStepRow {
    pub step: Step,
    pub started_at: i64,
    pub finished_at: Option<i64>,
    pub status: StepStatus,
    /// What the step counted, a JSON object.
    pub counts: Option<String>,
    pub error: Option<String>,
}

/// How a step ended.
#[derive(Debug, Clone, Copy)]
pub struct StepEnd<'a> {
    pub status: StepStatus,
    pub counts: Option<&'a str>,
    pub error: Option<&'a str>,
}

impl Store {
    /// Records the start of a pipeline run. Runs (and their steps) left `running` by a killed process are marked
    /// `interrupted`: the caller holds the pipeline lock, so no other run is live.
    pub fn begin_pipeline_run(&mut self, trigger: Trigger, input: &str, now: i64) -> StoreResult<i64> {
        let tx = self.conn.transaction()?;
        tx.execute("UPDATE pipeline_steps SET status = 'interrupted' WHERE status = 'running'", [])?;
        tx.execute("UPDATE pipeline_runs SET status = 'interrupted' WHERE status = 'running'", [])?;
        tx.execute(
            "INSERT INTO pipeline_runs (started_at, status, triggered_by, input) VALUES (?1, 'running', ?2, ?3)",
            params![now, trigger.as_str(), input],
        )?;
        let id = tx.last_insert_rowid();
        tx.commit()?;
        Ok(id)
    }

    /// Records the start of `step` in run `run`; returns its sequence number.
    pub fn begin_pipeline_step(&self, run: i64, step: Step, now: i64) -> StoreResult<i64> {
        self.conn.execute(
            "INSERT INTO pipeline_steps (run_id, seq, step, started_at, status)
             SELECT ?1, coalesce(max(seq), 0) + 1, ?2, ?3, 'running' FROM pipeline_steps WHERE run_id = ?1",
            params![run, step.as_str(), now],
        )?;
        Ok(self.conn.query_row("SELECT max(seq) FROM pipeline_steps WHERE run_id = ?1", [run], |r| r.get(0))?)
    }

    /// Records how step `seq` of run `run` ended.
    pub fn finish_pipeline_step(&self, run: i64, seq: i64, end: StepEnd<'_>, now: i64) -> StoreResult<()> {
        self.conn.execute(
            "UPDATE pipeline_steps SET status = ?1, counts = ?2, error = ?3, finished_at = ?4
             WHERE run_id = ?5 AND seq = ?6",
            params![end.status.as_str(), end.counts, end.error, now, run, seq],
        )?;
        Ok(())
    }

    /// Records how run `run` ended.
    pub fn finish_pipeline_run(&self, run: i64, status: PipelineStatus, now: i64) -> StoreResult<()> {
        self.conn.execute(
            "UPDATE pipeline_runs SET status = ?1, finished_at = ?2 WHERE run_id = ?3",
            params![status.as_str(), now, run],
        )?;
        Ok(())
    }

    /// The run `id` with its steps; [`StoreError::NotFound`] (`what: "pipeline run"`) when there is none.
    pub fn pipeline_run(&self, id: i64) -> StoreResult<PipelineRunRow> {
        let mut stmt =
            self.conn.prepare_cached(&format!("SELECT {RUN_COLUMNS} FROM pipeline_runs WHERE run_id = ?1"))?;
        let run = stmt.query_row([id], |r| Ok(run(r))).optional()?;
        let mut run = match run {
            Some(r) => r?,
            None => {
                return Err(StoreError::NotFound { what: "pipeline run", message: format!("no pipeline run {id}") });
            }
        };
        run.steps = self.pipeline_steps(id)?;
        Ok(run)
    }

    /// Up to `limit` runs with their steps, newest first, only runs older than `before` when given.
    pub fn pipeline_runs(&self, limit: usize, before: Option<i64>) -> StoreResult<Vec<PipelineRunRow>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {RUN_COLUMNS} FROM pipeline_runs WHERE run_id < ?1 ORDER BY run_id DESC LIMIT ?2"
        ))?;
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let mut rows = stmt.query(params![before.unwrap_or(i64::MAX), limit])?;
        let mut out = Vec::new();
        while let Some(row) = rows.next()? {
            out.push(run(row)?);
        }
        for r in &mut out {
            r.steps = self.pipeline_steps(r.run_id)?;
        }
        Ok(out)
    }

    /// How many pipeline runs are stored.
    pub fn pipeline_run_count(&self) -> StoreResult<u64> {
        let n: i64 = self.conn.query_row("SELECT count(*) FROM pipeline_runs", [], |r| r.get(0))?;
        Ok(n.unsigned_abs())
    }

    fn pipeline_steps(&self, run: i64) -> StoreResult<Vec<PipelineStepRow>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT step, started_at, finished_at, status, counts, error FROM pipeline_steps
             WHERE run_id = ?1 ORDER BY seq",
        )?;
        let mut rows = stmt.query([run])?;
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            out.push(PipelineStepRow {
                step: code("pipeline_steps", "step", r.get(0)?, Step::parse)?,
                started_at: r.get(1)?,
                finished_at: r.get(2)?,
                status: code("pipeline_steps", "status", r.get(3)?, StepStatus::parse)?,
                counts: r.get(4)?,
                error: r.get(5)?,
            });
        }
        Ok(out)
    }
}

const RUN_COLUMNS: &str = "run_id, started_at, finished_at, status, triggered_by, input";

/// One `pipeline_runs` row in [`RUN_COLUMNS`] order, without its steps.
fn run(r: &Row<'_>) -> StoreResult<PipelineRunRow> {
    Ok(PipelineRunRow {
        run_id: r.get(0)?,
        started_at: r.get(1)?,
        finished_at: r.get(2)?,
        status: code("pipeline_runs", "status", r.get(3)?, PipelineStatus::parse)?,
        trigger: code("pipeline_runs", "triggered_by", r.get(4)?, Trigger::parse)?,
        input: r.get(5)?,
        steps: Vec::new(),
    })
}

/// A stored code read back as its enum; an unknown one is [`StoreError::Corrupt`].
pub(super) fn code<T>(
    table: &'static str,
    column: &'static str,
    text: String,
    parse: impl Fn(&str) -> Option<T>,
) -> StoreResult<T> {
    parse(&text).ok_or_else(|| StoreError::corrupt(table, column, text, "not a known code"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_and_steps_are_recorded_and_a_killed_run_is_interrupted() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = Store::open(dir.path()).unwrap();
        let first = store.begin_pipeline_run(Trigger::Cli, "folder /in", 10).unwrap();
        let seq = store.begin_pipeline_step(first, Step::Ingest, 11).unwrap();
        assert_eq!(seq, 1);
        // Killed here; the next run finds it running.
        let second = store.begin_pipeline_run(Trigger::Schedule, "folder /in", 20).unwrap();
        let s = store.begin_pipeline_step(second, Step::Ingest, 21).unwrap();
        let end = StepEnd { status: StepStatus::Done, counts: Some("{\"accepted\":3}"), error: None };
        store.finish_pipeline_step(second, s, end, 22).unwrap();
        let s = store.begin_pipeline_step(second, Step::Index, 23).unwrap();
        assert_eq!(s, 2);
        let end = StepEnd { status: StepStatus::Failed, counts: None, error: Some("disk full") };
        store.finish_pipeline_step(second, s, end, 24).unwrap();
        store.finish_pipeline_run(second, PipelineStatus::Failed, 24).unwrap();

        let runs = store.pipeline_runs(10, None).unwrap();
        assert_eq!(
            runs.iter().map(|r| (r.run_id, r.status)).collect::<Vec<_>>(),
            [(second, PipelineStatus::Failed), (first, PipelineStatus::Interrupted)]
        );
        assert_eq!(runs[1].steps[0].status, StepStatus::Interrupted);
        assert_eq!(runs[0].steps[1].error.as_deref(), Some("disk full"));
        assert_eq!(store.pipeline_runs(10, Some(second)).unwrap().len(), 1);
        assert_eq!(store.pipeline_run(first).unwrap().steps.len(), 1);
        assert!(matches!(store.pipeline_run(99), Err(StoreError::NotFound { what: "pipeline run", .. })));
        store.conn().execute("UPDATE pipeline_runs SET status = 'odd'", []).unwrap_err();
    }
}
