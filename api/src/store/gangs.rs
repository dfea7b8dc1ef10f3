//! The `gang_*` tables (migration V2): a clustering run keeps its members, hubs, laundering services and each
//! report's attributed-money end accounts; and the reports and residents' phones as clustering reads them.

use std::collections::BTreeMap;

use analytics::{EntityKind, GangClustering, GangGraph, PreviousCluster, ReportInput};
use datasets::{Fen, FraudType};
use rusqlite::params;

use super::rules::split_list;
use super::{Store, StoreError, StoreResult};

/// An excluded hub of a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HubRow {
    pub key: String,
    pub kind: EntityKind,
    /// Reports naming it.
    pub degree: u64,
    pub reason: String,
    /// `force_include` keeps it linking reports.
    pub overridden: bool,
}

/// A laundering service of a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceRow {
    /// 1, 2, … within the run.
    pub service_no: i64,
    pub accounts: Vec<String>,
    pub reports: u64,
    pub served_clusters: Vec<u64>,
    pub inflow: Fen,
}

/// Where a run traced part of a report's money to.
#[derive(Debug, Clone, PartialEq)]
pub struct MoneyEndRow {
    pub key: String,
    pub report_id: String,
    /// Share of the report's traced money ending in `key`, in (0, 1].
    pub share: f64,
}

/// A report of a run's cluster, with what the cluster summary needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberReportRow {
    pub cluster_id: u64,
    pub report_id: String,
    pub victim_id: Option<String>,
    pub loss: Option<Fen>,
    /// When it happened (or, if unknown, was reported), epoch seconds.
    pub at: i64,
    pub fraud_type: FraudType,
    pub district: String,
}

/// A finished clustering to save as a new run.
pub struct NewGangRun<'a> {
    pub created_at: i64,
    pub seed: u64,
    /// The investigator's hub policy file, as given.
    pub hub_policy: Option<String>,
    pub graph: &'a GangGraph,
    pub result: &'a GangClustering,
}

fn fraud_type(table: &'static str, stored: &str) -> StoreResult<FraudType> {
    FraudType::parse(stored).ok_or_else(|| StoreError::corrupt(table, "fraud_type", stored, "not a fraud type code"))
}

fn cluster_id(table: &'static str, stored: i64) -> StoreResult<u64> {
    u64::try_from(stored).map_err(|e| StoreError::corrupt(table, "cluster_id", stored.to_string(), e))
}

impl Store {
    /// The latest clustering run, if any.
    pub fn latest_gang_run(&self) -> StoreResult<Option<i64>> {
        Ok(self.conn().query_row("SELECT MAX(gang_run_id) FROM gang_runs", [], |r| r.get(0))?)
    }

    /// The latest clustering run; `NotFound` ("clustering run") if there is none.
    pub fn require_gang_run(&self) -> StoreResult<i64> {
        self.latest_gang_run()?.ok_or_else(|| StoreError::NotFound {
            what: "clustering run",
            message: "no clustering run in the store; run `fanzha clusters run` first".into(),
        })
    }

    /// Every report as the gang clustering reads it, by id.
    pub fn gang_reports(&self) -> StoreResult<Vec<ReportInput>> {
        let mut stmt = self.conn().prepare(
            "SELECT report_id, reported_at, occurred_at, fraud_type, phones, accounts, urls, apps, im_ids, narrative
             FROM reports ORDER BY report_id",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                (r.get::<_, String>(0)?, r.get::<_, i64>(1)?, r.get::<_, Option<i64>>(2)?, r.get::<_, String>(3)?),
                [r.get::<_, String>(4)?, r.get(5)?, r.get(6)?, r.get(7)?, r.get(8)?],
                r.get::<_, String>(9)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let ((report_id, reported_at, occurred_at, fraud), [phones, accounts, urls, apps, im_ids], narrative) =
                row?;
            out.push(ReportInput {
                report_id,
                reported_at,
                occurred_at,
                fraud_type: fraud_type("reports", &fraud)?,
                phones: split_list(&phones),
                accounts: split_list(&accounts),
                urls: split_list(&urls),
                apps: split_list(&apps),
                im_ids: split_list(&im_ids),
                narrative,
            });
        }
        Ok(out)
    }

    /// Every phone number residents gave, as written.
    pub fn resident_phones(&self) -> StoreResult<Vec<String>> {
        let mut stmt = self.conn().prepare("SELECT phones FROM residents")?;
        let mut out = Vec::new();
        for phones in stmt.query_map([], |r| r.get::<_, String>(0))? {
            out.extend(split_list(&phones?));
        }
        Ok(out)
    }

    /// Report id → cluster id of `run`.
    pub fn gang_members(&self, run: i64) -> StoreResult<Vec<(String, u64)>> {
        let mut stmt = self
            .conn()
            .prepare("SELECT report_id, cluster_id FROM gang_members WHERE gang_run_id = ?1 ORDER BY report_id")?;
        let rows = stmt.query_map([run], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?;
        rows.map(|row| {
            let (report, cluster) = row?;
            Ok((report, cluster_id("gang_members", cluster)?))
        })
        .collect()
    }

    /// The clusters of `run` with their report ids (what the next run keeps ids from).
    pub fn previous_clusters(&self, run: i64) -> StoreResult<Vec<PreviousCluster>> {
        let mut by_id: BTreeMap<u64, Vec<String>> = BTreeMap::new();
        for (report, id) in self.gang_members(run)? {
            by_id.entry(id).or_default().push(report);
        }
        Ok(by_id.into_iter().map(|(id, report_ids)| PreviousCluster { id, report_ids }).collect())
    }

    /// The reports of `run`'s clusters (only cluster `only`, if given), by cluster then report id.
    pub fn cluster_reports(&self, run: i64, only: Option<u64>) -> StoreResult<Vec<MemberReportRow>> {
        let mut stmt = self.conn().prepare(
            "SELECT m.cluster_id, r.report_id, r.victim_id, r.loss_fen, COALESCE(r.occurred_at, r.reported_at),
                    r.fraud_type, r.district
             FROM gang_members m JOIN reports r ON r.report_id = m.report_id
             WHERE m.gang_run_id = ?1 AND (?2 IS NULL OR m.cluster_id = ?2)
             ORDER BY m.cluster_id, r.report_id",
        )?;
        let rows = stmt.query_map(params![run, only.map(|c| c as i64)], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, Option<String>>(2)?,
                r.get::<_, Option<i64>>(3)?,
                r.get::<_, i64>(4)?,
                r.get::<_, String>(5)?,
                r.get::<_, String>(6)?,
            ))
        })?;
        rows.map(|row| {
            let (cluster, report_id, victim_id, loss, at, fraud, district) = row?;
            Ok(MemberReportRow {
                cluster_id: cluster_id("gang_members", cluster)?,
                report_id,
                victim_id,
                loss: loss.map(Fen),
                at,
                fraud_type: fraud_type("reports", &fraud)?,
                district,
            })
        })
        .collect()
    }

    /// The hubs of `run`, by decreasing degree then key.
    pub fn gang_hubs(&self, run: i64) -> StoreResult<Vec<HubRow>> {
        let mut stmt = self.conn().prepare(
            "SELECT key, kind, degree, reason, overridden FROM gang_hubs WHERE gang_run_id = ?1
             ORDER BY degree DESC, key",
        )?;
        let rows = stmt.query_map([run], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, i64>(2)?, r.get(3)?, r.get(4)?))
        })?;
        rows.map(|row| {
            let (key, kind, degree, reason, overridden) = row?;
            Ok(HubRow {
                kind: EntityKind::parse(&kind)
                    .ok_or_else(|| StoreError::corrupt("gang_hubs", "kind", &kind, "not an entity kind"))?,
                degree: u64::try_from(degree)
                    .map_err(|e| StoreError::corrupt("gang_hubs", "degree", degree.to_string(), e))?,
                key,
                reason,
                overridden,
            })
        })
        .collect()
    }

    /// The laundering services of `run`, by number.
    pub fn gang_services(&self, run: i64) -> StoreResult<Vec<ServiceRow>> {
        let mut stmt = self.conn().prepare(
            "SELECT service_no, accounts, reports, served_clusters, inflow_fen FROM gang_services
             WHERE gang_run_id = ?1 ORDER BY service_no",
        )?;
        let rows = stmt.query_map([run], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?, r.get::<_, i64>(2)?, r.get::<_, String>(3)?, r.get(4)?))
        })?;
        rows.map(|row| {
            let (service_no, accounts, reports, served, inflow) = row?;
            let served_clusters = split_list(&served)
                .into_iter()
                .map(|c| {
                    c.parse().map_err(|e| StoreError::corrupt("gang_services", "served_clusters", served.clone(), e))
                })
                .collect::<StoreResult<Vec<u64>>>()?;
            Ok(ServiceRow {
                service_no,
                accounts: split_list(&accounts),
                reports: u64::try_from(reports)
                    .map_err(|e| StoreError::corrupt("gang_services", "reports", reports.to_string(), e))?,
                served_clusters,
                inflow: Fen(inflow),
            })
        })
        .collect()
    }

    /// The attributed-money ends of `run`.
    pub fn gang_money_ends(&self, run: i64) -> StoreResult<Vec<MoneyEndRow>> {
        let mut stmt =
            self.conn().prepare("SELECT key, report_id, share FROM gang_money_ends WHERE gang_run_id = ?1")?;
        let rows = stmt
            .query_map([run], |r| Ok(MoneyEndRow { key: r.get(0)?, report_id: r.get(1)?, share: r.get(2)? }))?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// Saves a clustering as a new run (one transaction) and returns its id.
    pub fn save_gang_run(&self, run: &NewGangRun<'_>) -> StoreResult<i64> {
        let (graph, result) = (run.graph, run.result);
        let tx = self.conn().unchecked_transaction()?;
        tx.execute(
            "INSERT INTO gang_runs (created_at, reports, transfers, clusters, modularity, seed, hub_policy)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                run.created_at,
                graph.report_count() as i64,
                graph.transfer_count() as i64,
                result.clusters.len() as i64,
                result.modularity,
                run.seed as i64,
                run.hub_policy,
            ],
        )?;
        let run_id = tx.last_insert_rowid();
        {
            let mut member =
                tx.prepare("INSERT INTO gang_members (gang_run_id, cluster_id, report_id) VALUES (?1, ?2, ?3)")?;
            for c in &result.clusters {
                for &r in &c.reports {
                    member.execute(params![run_id, c.id as i64, graph.report(r).report_id])?;
                }
            }
            let mut hub = tx.prepare(
                "INSERT INTO gang_hubs (gang_run_id, key, kind, degree, reason, overridden)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?;
            for h in &result.hubs {
                hub.execute(params![
                    run_id,
                    h.key,
                    h.kind.code(),
                    h.degree as i64,
                    h.reason.to_string(),
                    h.overridden
                ])?;
            }
            let mut service = tx.prepare(
                "INSERT INTO gang_services (gang_run_id, service_no, accounts, reports, served_clusters, inflow_fen)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?;
            for (i, s) in result.services.iter().enumerate() {
                let served: Vec<String> = s.served_clusters.iter().map(u64::to_string).collect();
                service.execute(params![
                    run_id,
                    i as i64 + 1,
                    s.accounts.join(";"),
                    s.reports as i64,
                    served.join(";"),
                    s.inflow_fen
                ])?;
            }
            let mut end =
                tx.prepare("INSERT INTO gang_money_ends (gang_run_id, key, report_id, share) VALUES (?1, ?2, ?3, ?4)")?;
            for t in &result.money_terminals {
                for &(r, share) in &t.reports {
                    end.execute(params![
                        run_id,
                        t.key,
                        graph.report(r).report_id,
                        share.clamp(f64::MIN_POSITIVE, 1.0)
                    ])?;
                }
            }
        }
        tx.commit()?;
        Ok(run_id)
    }
}
