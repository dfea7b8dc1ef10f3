//! `fanzha score` and `fanzha scores`: weekly risk snapshots in the store (tables from migration V2_RISK), and the
//! loading of the risk model's inputs from the store. All SQL touching `risk_*` tables lives here.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt::Write as _;

use analytics::{
    ContactInput, FEATURES, FeatureBuilder, FitSample, GangNumber, IsoWeek, ModelKind, OutreachInput, ResidentInput,
    RiskData, RiskModel, TrainParams, VictimReport, data_digest, phone_key,
};
use anyhow::{Context, bail};
use datasets::{Outcome, OutreachChannel};
use rusqlite::{OptionalExtension, params};

use crate::store::Store;

fn phone_list(joined: &str) -> Vec<String> {
    joined.split(';').map(str::trim).filter(|p| !p.is_empty()).map(phone_key).collect()
}

/// Reads the risk model's inputs from the store.
pub fn load_data(store: &Store) -> anyhow::Result<RiskData> {
    let c = store.conn();
    // One read transaction: every table is read from the same state of the store (ended when dropped).
    let tx = c.unchecked_transaction()?;
    let c = &*tx;
    let mut data = RiskData::default();
    // Table order (a sequential scan), then sorted by id in memory: the same order as `ORDER BY resident_id`
    // (byte order) without a lookup into the table per index entry.
    let mut stmt = c.prepare(
        "SELECT resident_id, birth_year, gender, community, lives_alone, antifraud_app, phones, district
         FROM residents",
    )?;
    let mut districts: HashSet<String> = HashSet::new();
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        let district = r.get_ref(7)?.as_str()?;
        if !districts.contains(district) {
            districts.insert(district.to_string());
        }
        data.residents.push(ResidentInput {
            id: r.get(0)?,
            birth_year: u16::try_from(r.get::<_, i64>(1)?).unwrap_or(0),
            gender: r.get(2)?,
            community: r.get(3)?,
            lives_alone: r.get::<_, Option<i64>>(4)?.map(|v| v != 0),
            antifraud_app: r.get::<_, Option<i64>>(5)?.map(|v| v != 0),
            phones: phone_list(r.get_ref(6)?.as_str()?),
        });
    }
    data.residents.sort_unstable_by(|a, b| a.id.cmp(&b.id));
    let community_of: HashMap<&str, &str> =
        data.residents.iter().map(|r| (r.id.as_str(), r.community.as_str())).collect();
    let mut stmt = c.prepare("SELECT reported_at, victim_id, community, district, phones FROM reports")?;
    let mut rows = stmt.query([])?;
    let mut reports = Vec::new();
    while let Some(r) = rows.next()? {
        let victim_id: Option<String> = r.get(1)?;
        let community: Option<String> = r
            .get::<_, Option<String>>(2)?
            .or_else(|| victim_id.as_deref().and_then(|v| community_of.get(v)).map(|c| (*c).to_string()));
        reports.push(VictimReport {
            reported_at: r.get(0)?,
            victim_id,
            community,
            local: districts.contains(r.get_ref(3)?.as_str()?),
            phones: phone_list(r.get_ref(4)?.as_str()?),
        });
    }
    drop(community_of);
    data.reports = reports;
    let mut stmt = c.prepare("SELECT from_phone, to_phone, at FROM contacts")?;
    let mut rows = stmt.query([])?;
    let mut cache: HashMap<String, String> = HashMap::new();
    let mut key = |raw: String| -> String { cache.entry(raw).or_insert_with_key(|k| phone_key(k)).clone() };
    while let Some(r) = rows.next()? {
        data.contacts.push(ContactInput { from_phone: key(r.get(0)?), to_phone: key(r.get(1)?), at: r.get(2)? });
    }
    let mut stmt = c.prepare("SELECT resident_id, channel, at, outcome, holdout FROM outreach")?;
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        let channel: String = r.get(1)?;
        let Some(channel) = OutreachChannel::parse(&channel) else { continue };
        data.outreach.push(OutreachInput {
            resident_id: r.get(0)?,
            channel,
            at: r.get(2)?,
            outcome: r.get::<_, Option<String>>(3)?.as_deref().and_then(Outcome::parse),
            holdout: r.get::<_, Option<i64>>(4)?.unwrap_or(0) != 0,
        });
    }
    data.gang_numbers = gang_numbers(store)?;
    // Read only: dropping the transaction (after the statements borrowing it) ends it.
    Ok(data)
}

/// Phone numbers of the multi-report clusters of the latest `fanzha clusters run`, each with the time it became
/// known: the later of the first member report naming it and the cluster's second report (a cluster needs two
/// linked reports to exist). Hubs the run held apart (bank hotlines, 96110, …) are not gang numbers. Empty when
/// no run exists.
pub fn gang_numbers(store: &Store) -> anyhow::Result<Vec<GangNumber>> {
    let c = store.conn();
    let mut stmt = c.prepare(
        "SELECT key FROM gang_hubs WHERE overridden = 0 AND gang_run_id = (SELECT MAX(gang_run_id) FROM gang_runs)",
    )?;
    let hubs: HashSet<String> = stmt.query_map([], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?;
    let mut stmt = c.prepare(
        "SELECT m.cluster_id, r.reported_at, r.phones FROM gang_members m JOIN reports r ON r.report_id = m.report_id
         WHERE m.gang_run_id = (SELECT MAX(gang_run_id) FROM gang_runs)",
    )?;
    let mut clusters: BTreeMap<i64, Vec<(i64, String)>> = BTreeMap::new();
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        clusters.entry(r.get(0)?).or_default().push((r.get(1)?, r.get(2)?));
    }
    let mut out = Vec::new();
    for mut reports in clusters.into_values().filter(|r| r.len() >= 2) {
        reports.sort();
        let formed = reports[1].0;
        for (at, phones) in &reports {
            out.extend(
                phone_list(phones)
                    .into_iter()
                    .filter(|p| !hubs.contains(p))
                    .map(|phone| GangNumber { phone, known_at: (*at).max(formed) }),
            );
        }
    }
    Ok(out)
}

/// `risk_snapshots.reasons_format` of the snapshots written now: compact reason codes (migration V4).
const REASONS_COMPACT: i64 = 2;

/// Rows per `INSERT INTO risk_scores` statement (7 columns, the snapshot id bound once: 769 parameters).
const ROWS_PER_INSERT: usize = 128;

/// `INSERT INTO risk_scores … VALUES (…), (…)` for `rows` rows: `?1` is the snapshot, row `k` binds
/// `?(2 + 6k)..=?(7 + 6k)` (resident, community, score, decile, rank, reasons).
fn insert_scores_sql(rows: usize) -> String {
    let mut sql = String::from(
        "INSERT INTO risk_scores (snapshot_id, resident_id, community, score, decile, rank, reasons) VALUES ",
    );
    for k in 0..rows {
        let b = 2 + 6 * k;
        let sep = if k == 0 { "" } else { ", " };
        let _ = write!(sql, "{sep}(?1, ?{b}, ?{}, ?{}, ?{}, ?{}, ?{})", b + 1, b + 2, b + 3, b + 4, b + 5);
    }
    sql
}

/// Writes reason codes in the compact stored form (format 2): `feature:h|l:contribution` joined by `;`, the
/// contribution rounded to four decimals.
fn encode_reasons(out: &mut String, reasons: &[analytics::Reason]) {
    out.clear();
    for (k, r) in reasons.iter().enumerate() {
        let units = (r.contribution * 1e4).round();
        let sign = if units < 0.0 { "-" } else { "" };
        let units = units.abs() as u64;
        let sep = if k == 0 { "" } else { ";" };
        let side = if r.high { 'h' } else { 'l' };
        let _ = write!(out, "{sep}{}:{side}:{sign}{}.{:04}", r.feature, units / 10_000, units % 10_000);
    }
}

/// The reason codes of one stored row as JSON (`feature`, `zh`, `en`, `contribution`), whatever the format.
fn decode_reasons(format: i64, stored: &str) -> anyhow::Result<serde_json::Value> {
    if format == 1 {
        return serde_json::from_str(stored).context("corrupt reasons in the snapshot");
    }
    if format != REASONS_COMPACT {
        bail!("snapshot reasons are in format {format}; this fanzha reads formats 1 and {REASONS_COMPACT}");
    }
    let mut out = Vec::new();
    for item in stored.split(';').filter(|s| !s.is_empty()) {
        let mut parts = item.split(':');
        let (Some(name), Some(side), Some(value), None) = (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            bail!("corrupt reason {item:?} in the snapshot: expected feature:h|l:contribution");
        };
        let Some(spec) = FEATURES.iter().find(|f| f.name == name) else {
            bail!("reason {item:?} in the snapshot names unknown feature {name:?}");
        };
        let (zh, en) = match side {
            "h" => (spec.high_zh, spec.high_en),
            "l" => (spec.low_zh, spec.low_en),
            _ => bail!("corrupt reason {item:?} in the snapshot: side must be h or l"),
        };
        let contribution: f64 =
            value.parse().with_context(|| format!("corrupt reason {item:?} in the snapshot: bad contribution"))?;
        out.push(serde_json::json!({"feature": spec.name, "zh": zh, "en": en, "contribution": contribution}));
    }
    Ok(serde_json::Value::Array(out))
}

/// What `fanzha score` did.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ScoreReport {
    pub snapshot_id: i64,
    pub week: String,
    pub model_version: String,
    pub data_digest: String,
    /// True when an identical snapshot already existed and nothing was written.
    pub unchanged: bool,
    pub residents: usize,
    pub fit_from: String,
    pub calibrate_from: String,
    pub fit_rows: usize,
    pub fit_victims: usize,
    /// Wall-clock seconds per phase.
    pub seconds: ScoreTimings,
}

/// Where `fanzha score`'s time goes (wall-clock seconds).
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct ScoreTimings {
    /// Reading the inputs from the store and indexing them (`FeatureBuilder::new`).
    pub load: f64,
    /// Drawing the fitting rows, fitting and calibrating the model.
    pub train: f64,
    /// The week's features, calibrated scores and reason codes for every resident: the pure scoring part.
    pub score: f64,
    /// Ranks, deciles and the snapshot written to the store.
    pub write: f64,
}

impl ScoreReport {
    pub fn summary(&self) -> String {
        let mut s = String::new();
        if self.unchanged {
            let _ = writeln!(
                s,
                "snapshot {} for {} with model {} already exists on the same data: no-op, scores unchanged",
                self.snapshot_id, self.week, self.model_version
            );
        } else {
            let _ = writeln!(
                s,
                "snapshot {} written: {} residents scored for {} with model {}",
                self.snapshot_id, self.residents, self.week, self.model_version
            );
        }
        let _ = writeln!(
            s,
            "trained on {}..{} ({} rows, {} victims), calibrated on {}..{}, data cutoff {} 00:00 Beijing",
            self.fit_from,
            self.calibrate_from,
            self.fit_rows,
            self.fit_victims,
            self.calibrate_from,
            self.week,
            self.week
        );
        let t = &self.seconds;
        let _ = writeln!(
            s,
            "time: load {:.2}s, train {:.2}s, score {:.2}s, write {:.2}s",
            t.load, t.train, t.score, t.write
        );
        s
    }
}

/// Trains a model for `week` on the store's data and writes an immutable snapshot (no-op if it already exists).
pub fn score(store: &Store, week: &str, kind: ModelKind, now: i64) -> anyhow::Result<ScoreReport> {
    let week = IsoWeek::parse(week)?;
    let mut seconds = ScoreTimings::default();
    let clock = std::time::Instant::now();
    let data = load_data(store)?;
    let builder = FeatureBuilder::new(&data)?;
    drop(data);
    seconds.load = clock.elapsed().as_secs_f64();
    let clock = std::time::Instant::now();
    let params = TrainParams::new(kind);
    let model =
        RiskModel::train(&builder, week, &params).with_context(|| format!("cannot train a model for {week}"))?;
    seconds.train = clock.elapsed().as_secs_f64();
    let clock = std::time::Instant::now();
    let feats = builder.features(week);
    let ids = builder.resident_ids();
    let digest = data_digest(ids, &feats);
    let (fit_rows, fit_victims) = model.fit_size();
    let mut report = ScoreReport {
        snapshot_id: 0,
        week: week.to_string(),
        model_version: model.version().to_string(),
        data_digest: digest.clone(),
        unchanged: false,
        residents: ids.len(),
        fit_from: model.fit_from().to_string(),
        calibrate_from: model.calibrate_from().to_string(),
        fit_rows,
        fit_victims,
        seconds,
    };
    let c = store.conn();
    let existing: Option<i64> = c
        .query_row(
            "SELECT snapshot_id FROM risk_snapshots WHERE week = ?1 AND model_version = ?2 AND data_digest = ?3",
            params![report.week, report.model_version, digest],
            |r| r.get(0),
        )
        .optional()?;
    if let Some(id) = existing {
        report.snapshot_id = id;
        report.unchanged = true;
        report.seconds.score = clock.elapsed().as_secs_f64();
        return Ok(report);
    }
    let scored = model.score_week(&feats);
    report.seconds.score = clock.elapsed().as_secs_f64();
    let clock = std::time::Instant::now();
    let n = scored.len();
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_unstable_by(|&a, &b| scored[b].0.total_cmp(&scored[a].0).then(a.cmp(&b)));
    // Rank 1 = highest score; deciles by rank exactly as `analytics::deciles` splits them.
    let mut rank = vec![0u32; n];
    for (k, &i) in order.iter().enumerate() {
        rank[i] = k as u32 + 1;
    }
    drop(order);
    let platt = model.platt();
    let tx = c.unchecked_transaction()?;
    tx.execute(
        "INSERT INTO risk_snapshots (week, model_kind, model_version, data_digest, data_cutoff, fit_from,
             calibrate_from, fit_rows, fit_victims, platt_a, platt_b, params, residents, created_at, reasons_format)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
        params![
            report.week,
            kind.code(),
            report.model_version,
            digest,
            feats.cutoff,
            report.fit_from,
            report.calibrate_from,
            fit_rows as i64,
            fit_victims as i64,
            platt.a,
            platt.b,
            format!("{:?}", model.params()),
            ids.len() as i64,
            now,
            REASONS_COMPACT
        ],
    )?;
    let snapshot = tx.last_insert_rowid();
    let mut communities: BTreeMap<&str, (i64, f64, i64)> = BTreeMap::new();
    {
        // Many rows per statement: one prepared statement executed n / ROWS_PER_INSERT times.
        let mut full = tx.prepare(&insert_scores_sql(ROWS_PER_INSERT))?;
        let tail = n % ROWS_PER_INSERT;
        let mut last = tx.prepare(&insert_scores_sql(tail.max(1)))?;
        let mut reasons = String::new();
        let mut prev_community: Option<(&str, usize)> = None;
        let mut counts: Vec<(i64, f64, i64)> = Vec::new();
        let mut names: Vec<&str> = Vec::new();
        let mut index: HashMap<&str, usize> = HashMap::new();
        for chunk in (0..n).step_by(ROWS_PER_INSERT).map(|s| s..(s + ROWS_PER_INSERT).min(n)) {
            let stmt = if chunk.len() == ROWS_PER_INSERT { &mut full } else { &mut last };
            stmt.raw_bind_parameter(1, snapshot)?;
            for (k, i) in chunk.enumerate() {
                let (score, why) = &scored[i];
                let decile = (rank[i] as usize - 1) * 10 / n + 1;
                encode_reasons(&mut reasons, why);
                let community = builder.community(i);
                let b = 2 + 6 * k;
                stmt.raw_bind_parameter(b, ids[i].as_str())?;
                stmt.raw_bind_parameter(b + 1, community)?;
                stmt.raw_bind_parameter(b + 2, *score)?;
                stmt.raw_bind_parameter(b + 3, decile as i64)?;
                stmt.raw_bind_parameter(b + 4, i64::from(rank[i]))?;
                stmt.raw_bind_parameter(b + 5, reasons.as_str())?;
                let slot = match prev_community {
                    Some((name, slot)) if name == community => slot,
                    _ => *index.entry(community).or_insert_with(|| {
                        names.push(community);
                        counts.push((0, 0.0, 0));
                        counts.len() - 1
                    }),
                };
                prev_community = Some((community, slot));
                let agg = &mut counts[slot];
                agg.0 += 1;
                agg.1 += score;
                agg.2 += i64::from(decile == 1);
            }
            stmt.raw_execute()?;
        }
        communities.extend(names.into_iter().zip(counts));
        let mut ins = tx.prepare(
            "INSERT INTO risk_communities (snapshot_id, community, residents, mean_score, expected_cases, top_decile)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?;
        for (community, (n, sum, top)) in &communities {
            ins.execute(params![snapshot, community, n, sum / *n as f64, sum, top])?;
        }
    }
    tx.commit()?;
    report.snapshot_id = snapshot;
    report.seconds.write = clock.elapsed().as_secs_f64();
    Ok(report)
}

/// Which snapshot and which rows `fanzha scores` shows.
#[derive(Debug, Clone, Default)]
pub struct ScoresQuery {
    pub week: String,
    pub model_version: Option<String>,
    pub community: Option<String>,
    pub resident: Option<String>,
    pub top: usize,
}

/// One scored resident.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ScoreRow {
    pub rank: i64,
    pub resident_id: String,
    pub community: String,
    pub score: f64,
    pub decile: i64,
    pub reasons: serde_json::Value,
}

/// Per-community aggregate of a snapshot.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct CommunityRow {
    pub community: String,
    pub residents: i64,
    pub mean_score: f64,
    pub expected_cases: f64,
    pub top_decile: i64,
}

/// A snapshot as `fanzha scores` returns it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ScoresView {
    pub snapshot_id: i64,
    pub week: String,
    pub model_kind: String,
    pub model_version: String,
    pub data_cutoff: String,
    pub created_at: i64,
    pub residents: i64,
    pub rows: Vec<ScoreRow>,
    pub communities: Vec<CommunityRow>,
}

/// Reads a snapshot: the latest for the week unless a model version is given.
pub fn read_scores(store: &Store, q: &ScoresQuery) -> anyhow::Result<ScoresView> {
    let week = IsoWeek::parse(&q.week)?.to_string();
    let c = store.conn();
    let head = c
        .query_row(
            "SELECT snapshot_id, model_kind, model_version, data_cutoff, created_at, residents, reasons_format
             FROM risk_snapshots
             WHERE week = ?1 AND (?2 IS NULL OR model_version = ?2) ORDER BY snapshot_id DESC LIMIT 1",
            params![week, q.model_version],
            |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, i64>(3)?,
                    r.get::<_, i64>(4)?,
                    r.get::<_, i64>(5)?,
                    r.get::<_, i64>(6)?,
                ))
            },
        )
        .optional()?;
    let Some((snapshot_id, model_kind, model_version, cutoff, created_at, residents, reasons_format)) = head else {
        let mut known: Vec<String> = Vec::new();
        let mut stmt = c.prepare("SELECT DISTINCT week FROM risk_snapshots ORDER BY week")?;
        for w in stmt.query_map([], |r| r.get(0))? {
            known.push(w?);
        }
        let which = q.model_version.as_ref().map_or(String::new(), |v| format!(" with model version {v}"));
        if known.is_empty() {
            bail!("no risk snapshot for {week}{which}: no week has been scored yet; run `fanzha score --week {week}`");
        }
        bail!("no risk snapshot for {week}{which}; scored weeks: {}", known.join(", "));
    };
    if let Some(c_name) = &q.community {
        let n: i64 = c.query_row(
            "SELECT COUNT(*) FROM risk_communities WHERE snapshot_id = ?1 AND community = ?2",
            params![snapshot_id, c_name],
            |r| r.get(0),
        )?;
        if n == 0 {
            bail!("community {c_name:?} is not in snapshot {snapshot_id} for {week}");
        }
    }
    let mut rows = Vec::new();
    let mut stmt = c.prepare(
        "SELECT rank, resident_id, community, score, decile, reasons FROM risk_scores
         WHERE snapshot_id = ?1 AND (?2 IS NULL OR community = ?2) AND (?3 IS NULL OR resident_id = ?3)
         ORDER BY rank LIMIT ?4",
    )?;
    let limit = if q.resident.is_some() { 1 } else { q.top as i64 };
    let mut it = stmt.query(params![snapshot_id, q.community, q.resident, limit])?;
    while let Some(r) = it.next()? {
        let reasons: String = r.get(5)?;
        rows.push(ScoreRow {
            rank: r.get(0)?,
            resident_id: r.get(1)?,
            community: r.get(2)?,
            score: r.get(3)?,
            decile: r.get(4)?,
            reasons: decode_reasons(reasons_format, &reasons)?,
        });
    }
    if let Some(id) = &q.resident
        && rows.is_empty()
    {
        let scope = q.community.as_ref().map_or(String::new(), |c| format!(" (community {c})"));
        bail!("resident {id:?} is missing from snapshot {snapshot_id} for {week}{scope}");
    }
    let mut communities = Vec::new();
    let mut stmt = c.prepare(
        "SELECT community, residents, mean_score, expected_cases, top_decile FROM risk_communities
         WHERE snapshot_id = ?1 AND (?2 IS NULL OR community = ?2) ORDER BY mean_score DESC, community",
    )?;
    let mut it = stmt.query(params![snapshot_id, q.community])?;
    while let Some(r) = it.next()? {
        communities.push(CommunityRow {
            community: r.get(0)?,
            residents: r.get(1)?,
            mean_score: r.get(2)?,
            expected_cases: r.get(3)?,
            top_decile: r.get(4)?,
        });
    }
    Ok(ScoresView {
        snapshot_id,
        week,
        model_kind,
        model_version,
        data_cutoff: datasets::Timestamp(cutoff).to_string(),
        created_at,
        residents,
        rows,
        communities,
    })
}

/// Plain-text rendering of a snapshot view.
pub fn render(v: &ScoresView) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "risk snapshot {} · week {} · model {} ({}) · data cutoff {} · {} residents",
        v.snapshot_id, v.week, v.model_version, v.model_kind, v.data_cutoff, v.residents
    );
    let _ = writeln!(
        s,
        "\n{:>6}  {:<12} {:<12} {:>9} {:>3}  reasons 原因",
        "rank", "resident", "community", "score", "dec"
    );
    for r in &v.rows {
        let reasons: Vec<String> = r
            .reasons
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|x| format!("{} ({})", x["zh"].as_str().unwrap_or(""), x["en"].as_str().unwrap_or("")))
                    .collect()
            })
            .unwrap_or_default();
        let _ = writeln!(
            s,
            "{:>6}  {:<12} {:<12} {:>9.6} {:>3}  {}",
            r.rank,
            r.resident_id,
            r.community,
            r.score,
            r.decile,
            reasons.join("; ")
        );
    }
    let _ = writeln!(
        s,
        "\n{:<12} {:>9} {:>10} {:>14} {:>10}",
        "community", "residents", "mean", "expected cases", "top 10%"
    );
    for c in &v.communities {
        let _ = writeln!(
            s,
            "{:<12} {:>9} {:>10.5} {:>14.2} {:>10}",
            c.community, c.residents, c.mean_score, c.expected_cases, c.top_decile
        );
    }
    s
}

/// Seconds since the epoch, for `created_at`.
pub fn now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64)
}

/// Reads `community → urban_rural` from an areas file (the generator's `areas.csv`: header with `community` and
/// `urban_rural`).
pub fn read_urban_rural(path: &std::path::Path) -> anyhow::Result<HashMap<String, String>> {
    let mut reader =
        csv::Reader::from_path(path).with_context(|| format!("cannot read areas file {}", path.display()))?;
    let headers = reader.headers().with_context(|| format!("{}: cannot read the header", path.display()))?.clone();
    let col = |name: &str| headers.iter().position(|h| h.trim() == name);
    let (Some(c), Some(u)) = (col("community"), col("urban_rural")) else {
        bail!("{}: header must name community and urban_rural (found {:?})", path.display(), headers);
    };
    let mut out = HashMap::new();
    for (i, rec) in reader.records().enumerate() {
        let rec = rec.with_context(|| format!("{}: line {}: unreadable row", path.display(), i + 2))?;
        match (rec.get(c), rec.get(u)) {
            (Some(c), Some(u)) if !c.trim().is_empty() => {
                out.insert(c.trim().to_string(), u.trim().to_string());
            }
            _ => bail!("{}: line {}: expected community and urban_rural values", path.display(), i + 2),
        }
    }
    Ok(out)
}

/// Writes the benchmark export of an evaluation into `dir`: `features.csv` (the rows the model was fitted on,
/// split `fit`, and every resident-week of `[from, to]`, split `test`; columns resident_id, week, split, the
/// features in [`FEATURES`] order, label) and `scores-<model>.csv` (resident_id, week, score of the test rows).
fn export_features(
    dir: &std::path::Path,
    builder: &FeatureBuilder,
    model: &RiskModel,
    sample: &FitSample,
    from: IsoWeek,
    to: IsoWeek,
) -> anyhow::Result<()> {
    use std::io::Write as _;
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create export folder {}", dir.display()))?;
    let features_path = dir.join("features.csv");
    let scores_path = dir.join(format!("scores-{}.csv", model.kind().code()));
    let open = |p: &std::path::Path| -> anyhow::Result<std::io::BufWriter<std::fs::File>> {
        Ok(std::io::BufWriter::with_capacity(
            1 << 20,
            std::fs::File::create(p).with_context(|| format!("cannot create {}", p.display()))?,
        ))
    };
    let (mut f, mut sc) = (open(&features_path)?, open(&scores_path)?);
    let names: Vec<&str> = FEATURES.iter().map(|f| f.name).collect();
    writeln!(f, "resident_id,week,split,{},label", names.join(","))?;
    writeln!(sc, "resident_id,week,score")?;
    let ids = builder.resident_ids();
    let mut line = String::new();
    let mut row = |f: &mut std::io::BufWriter<std::fs::File>, id: &str, week: IsoWeek, split: &str, x: &[f64], y| {
        line.clear();
        let _ = write!(line, "{id},{week},{split}");
        for v in x {
            let _ = write!(line, ",{v}");
        }
        let _ = writeln!(line, ",{}", u8::from(y));
        f.write_all(line.as_bytes())
    };
    for (i, &(week, r)) in sample.rows.iter().enumerate() {
        let x = sample.x.row(i);
        row(&mut f, &ids[r], week, "fit", x.as_slice().unwrap_or(&x.to_vec()), sample.labels[i])?;
    }
    for w in 0..=from.weeks_until(to) {
        let week = from.plus(w);
        let feats = builder.features(week);
        let labels = builder.labels(week);
        let scores = model.score(&feats.x);
        for (r, id) in ids.iter().enumerate() {
            let x = feats.x.row(r);
            row(&mut f, id, week, "test", x.as_slice().unwrap_or(&x.to_vec()), labels[r])?;
            writeln!(sc, "{id},{week},{}", scores[r])?;
        }
    }
    f.flush().with_context(|| format!("cannot write {}", features_path.display()))?;
    sc.flush().with_context(|| format!("cannot write {}", scores_path.display()))?;
    Ok(())
}

/// `fanzha evaluate`: trains a model for `from` (data before it only) and evaluates it on `[from, to]`; with an
/// areas file, selection rates are also reported by urban/rural (`unknown` for communities it does not list).
/// With `export`, also writes the feature matrix and the scores for outside benchmarks (see [`export_features`]).
pub fn evaluate(
    store: &Store,
    from: &str,
    to: &str,
    kind: ModelKind,
    k: usize,
    areas: Option<&std::path::Path>,
    export: Option<&std::path::Path>,
) -> anyhow::Result<serde_json::Value> {
    let (from, to) = (IsoWeek::parse(from)?, IsoWeek::parse(to)?);
    if to < from {
        bail!("--to {to} is before --from {from}");
    }
    let data = load_data(store)?;
    let builder = FeatureBuilder::new(&data)?;
    let params = TrainParams::new(kind);
    let clock = std::time::Instant::now();
    let model =
        RiskModel::train(&builder, from, &params).with_context(|| format!("cannot train a model for {from}"))?;
    let train_seconds = clock.elapsed().as_secs_f64();
    if let Some(dir) = export {
        let sample = FitSample::draw(&builder, from, &params)?;
        export_features(dir, &builder, &model, &sample, from, to)?;
    }
    let urban_rural: Option<Vec<String>> = match areas {
        Some(path) => {
            let map = read_urban_rural(path)?;
            Some(
                (0..builder.resident_ids().len())
                    .map(|i| map.get(builder.community(i)).cloned().unwrap_or_else(|| "unknown".into()))
                    .collect(),
            )
        }
        None => None,
    };
    let extra: Vec<analytics::Grouping<'_>> = urban_rural
        .as_deref()
        .map(|g| analytics::Grouping { attribute: "urban_rural", groups: g })
        .into_iter()
        .collect();
    let e = analytics::evaluate(&builder, &model, from, to, k, &extra)?;
    let reliability: Vec<serde_json::Value> = e
        .reliability
        .iter()
        .map(|b| serde_json::json!({"count": b.count, "mean_score": b.mean_score, "observed_rate": b.observed_rate}))
        .collect();
    let selection: Vec<serde_json::Value> = e
        .selection
        .iter()
        .map(|s| {
            serde_json::json!({"attribute": s.attribute, "group": s.group, "resident_weeks": s.residents,
                "selected": s.selected, "rate": s.rate})
        })
        .collect();
    Ok(serde_json::json!({
        "from": e.from.to_string(), "to": e.to.to_string(), "model_version": e.model_version,
        "trained_on": format!("{}..{} (calibrated {}..{})", model.fit_from(), model.calibrate_from(),
            model.calibrate_from(), from),
        "resident_weeks": e.rows, "victims": e.victims, "roc_auc": e.roc_auc, "pr_auc": e.pr_auc,
        "k_per_week": e.k, "precision_at_k": e.precision_at_k, "recall_at_k": e.recall_at_k, "brier": e.brier,
        "calibration_error": e.calibration_error, "reliability": reliability, "selection_rates": selection,
        "train_seconds": train_seconds, "fit_seconds": model.fit_seconds(),
        "fit_rows": model.fit_size().0, "fit_victims": model.fit_size().1,
    }))
}

/// Plain-text rendering of [`evaluate`]'s JSON.
pub fn render_evaluation(v: &serde_json::Value) -> String {
    let f = |key: &str| v[key].as_f64().map_or("-".to_string(), |x| format!("{x:.4}"));
    let mut s = String::new();
    let _ = writeln!(
        s,
        "evaluation {}..={} · model {} trained on {}",
        v["from"].as_str().unwrap_or(""),
        v["to"].as_str().unwrap_or(""),
        v["model_version"].as_str().unwrap_or(""),
        v["trained_on"].as_str().unwrap_or("")
    );
    let _ = writeln!(s, "resident-weeks {} · victims {}", v["resident_weeks"], v["victims"]);
    let _ = writeln!(
        s,
        "fitted on {} rows ({} victims) · train {:.2}s (learner fit {:.2}s)",
        v["fit_rows"],
        v["fit_victims"],
        v["train_seconds"].as_f64().unwrap_or(0.0),
        v["fit_seconds"].as_f64().unwrap_or(0.0)
    );
    let _ = writeln!(
        s,
        "ROC-AUC {} · PR-AUC {} · Brier {} · calibration error (ECE, 10 bins) {}",
        f("roc_auc"),
        f("pr_auc"),
        f("brier"),
        f("calibration_error")
    );
    let _ =
        writeln!(s, "precision@{} per week {} · recall@k {}", v["k_per_week"], f("precision_at_k"), f("recall_at_k"));
    let _ = writeln!(s, "\nreliability (equal-count bins): mean score → observed rate");
    for b in v["reliability"].as_array().into_iter().flatten() {
        let _ = writeln!(
            s,
            "  {:>8} rows  {:.6} → {:.6}",
            b["count"],
            b["mean_score"].as_f64().unwrap_or(0.0),
            b["observed_rate"].as_f64().unwrap_or(0.0)
        );
    }
    let _ = writeln!(s, "\nselection rates into the weekly top k");
    for r in v["selection_rates"].as_array().into_iter().flatten() {
        let _ = writeln!(
            s,
            "  {:<9} {:<6} {:>9} resident-weeks {:>6} selected  {:.4}",
            r["attribute"].as_str().unwrap_or(""),
            r["group"].as_str().unwrap_or(""),
            r["resident_weeks"],
            r["selected"],
            r["rate"].as_f64().unwrap_or(0.0)
        );
    }
    s
}

/// An SVG reliability diagram (mean score vs observed rate per bin, with the diagonal) from [`evaluate`]'s JSON.
pub fn reliability_svg(v: &serde_json::Value) -> String {
    let bins: Vec<(f64, f64)> = v["reliability"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|b| (b["mean_score"].as_f64().unwrap_or(0.0), b["observed_rate"].as_f64().unwrap_or(0.0)))
        .collect();
    // Rates are small: scale both axes to the largest value seen (at least 1e-6).
    let top = bins.iter().flat_map(|&(a, b)| [a, b]).fold(1e-6, f64::max) * 1.1;
    let (w, h, m) = (480.0, 480.0, 60.0);
    let x = |s: f64| m + s / top * (w - 2.0 * m);
    let y = |r: f64| h - m - r / top * (h - 2.0 * m);
    let mut s = String::new();
    let _ = writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" font-family="sans-serif" font-size="12">"#
    );
    let _ = writeln!(s, r#"<rect width="{w}" height="{h}" fill="white"/>"#);
    let _ = writeln!(
        s,
        r#"<text x="{}" y="24" text-anchor="middle">Reliability {}..={} ({})</text>"#,
        w / 2.0,
        v["from"].as_str().unwrap_or(""),
        v["to"].as_str().unwrap_or(""),
        v["model_version"].as_str().unwrap_or("")
    );
    let _ = writeln!(
        s,
        r#"<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="grey" stroke-dasharray="4"/>"#,
        x(0.0),
        y(0.0),
        x(top),
        y(top)
    );
    let _ = writeln!(s, r#"<line x1="{m}" y1="{}" x2="{}" y2="{}" stroke="black"/>"#, h - m, w - m, h - m);
    let _ = writeln!(s, r#"<line x1="{m}" y1="{m}" x2="{m}" y2="{}" stroke="black"/>"#, h - m);
    let _ = writeln!(
        s,
        r#"<text x="{}" y="{}" text-anchor="middle">mean predicted probability (max {top:.2e})</text>"#,
        w / 2.0,
        h - 20.0
    );
    let _ = writeln!(
        s,
        r#"<text x="16" y="{}" text-anchor="middle" transform="rotate(-90 16 {})">observed victim rate</text>"#,
        h / 2.0,
        h / 2.0
    );
    let points: Vec<String> = bins.iter().map(|&(a, b)| format!("{:.1},{:.1}", x(a), y(b))).collect();
    let _ = writeln!(s, r#"<polyline points="{}" fill="none" stroke="steelblue" stroke-width="2"/>"#, points.join(" "));
    for &(a, b) in &bins {
        let _ = writeln!(s, r#"<circle cx="{:.1}" cy="{:.1}" r="4" fill="steelblue"/>"#, x(a), y(b));
    }
    s.push_str("</svg>\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reason(j: usize, high: bool, contribution: f64) -> analytics::Reason {
        let f = &FEATURES[j];
        analytics::Reason {
            feature: f.name,
            zh: if high { f.high_zh } else { f.low_zh },
            en: if high { f.high_en } else { f.low_en },
            high,
            contribution,
        }
    }

    #[test]
    fn compact_reasons_read_back_as_the_json_format_one_stored() {
        let reasons = [reason(8, true, 1.959_449), reason(12, false, 0.036_36), reason(0, true, 0.000_04)];
        let mut stored = String::new();
        encode_reasons(&mut stored, &reasons);
        assert_eq!(stored, "flagged_contacts_7d:h:1.9594;antifraud_app:l:0.0364;age_18_40:h:0.0000");
        // Format 1 stored this JSON per row (contribution rounded to four decimals).
        let json: Vec<serde_json::Value> = reasons
            .iter()
            .map(|r| {
                serde_json::json!({"feature": r.feature, "zh": r.zh, "en": r.en,
                    "contribution": (r.contribution * 1e4).round() / 1e4})
            })
            .collect();
        let json = serde_json::Value::Array(json);
        assert_eq!(decode_reasons(REASONS_COMPACT, &stored).unwrap(), json);
        assert_eq!(decode_reasons(1, &json.to_string()).unwrap(), json);
        encode_reasons(&mut stored, &[]);
        assert_eq!((stored.as_str(), decode_reasons(REASONS_COMPACT, "").unwrap()), ("", serde_json::json!([])));
    }

    #[test]
    fn corrupt_compact_reasons_are_named_errors() {
        for (stored, needle) in [
            ("no_such_feature:h:1.0", "unknown feature \"no_such_feature\""),
            ("lives_alone:x:1.0", "side must be h or l"),
            ("lives_alone:h:abc", "bad contribution"),
            ("lives_alone:h", "expected feature:h|l:contribution"),
        ] {
            let err = format!("{:#}", decode_reasons(REASONS_COMPACT, stored).unwrap_err());
            assert!(err.contains(needle), "{stored}: {err}");
        }
        assert!(format!("{:#}", decode_reasons(3, "").unwrap_err()).contains("format 3"));
        assert!(format!("{:#}", decode_reasons(1, "not json").unwrap_err()).contains("corrupt reasons"));
    }

    #[test]
    fn multi_row_insert_numbers_every_parameter_once() {
        let sql = insert_scores_sql(2);
        assert!(sql.ends_with("VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7), (?1, ?8, ?9, ?10, ?11, ?12, ?13)"), "{sql}");
        assert_eq!(insert_scores_sql(ROWS_PER_INSERT).matches("(?1,").count(), ROWS_PER_INSERT);
    }
}
