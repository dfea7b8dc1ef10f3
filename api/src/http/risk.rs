//! The weekly risk-score API: scored weeks, a week's residents (filters, cursor pages), one resident with reason
//! codes and history, community aggregates, area statistics, and a week as CSV. Served from immutable snapshots,
//! so every representation carries an `ETag` and may be cached. Also the model's evaluation on past weeks.

use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::{Json, extract::State};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use analytics::ModelKind;

use crate::error::{AppError, AppResult};
use crate::service::areas::{AreaPoint, AreasView};
use crate::service::auth::Permission;
use crate::service::evaluate::{EvaluateRequest, EvaluationView};
use crate::service::risk::{
    CommunityScore, ResidentView, ResidentsPage, ResidentsQuery, WeeksView, etag, parse_model, parse_week,
};

use super::extract::{ApiPath, ApiQuery, Caller, PersonalRead};
use super::{Problem, Shared, blocking, not_modified, set_cache_headers};

pub(super) fn routes() -> OpenApiRouter<Shared> {
    OpenApiRouter::new()
        .routes(routes!(weeks))
        .routes(routes!(residents))
        .routes(routes!(resident))
        .routes(routes!(communities))
        .routes(routes!(areas))
        .routes(routes!(week_csv))
        .routes(routes!(evaluation))
        .routes(routes!(coordinates))
}

/// Filters and paging of a week's residents.
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ResidentsParams {
    /// Only this community.
    community: Option<String>,
    /// Only this grid (网格).
    grid: Option<String>,
    /// Only this decile or higher-risk ones (1 = the top 10%).
    #[param(minimum = 1, maximum = 10)]
    decile: Option<i64>,
    /// Only scores at least this (0–1).
    #[param(minimum = 0, maximum = 1)]
    min_score: Option<f64>,
    /// Page size (default 50, at most 1000).
    #[param(minimum = 1, maximum = 1000)]
    limit: Option<usize>,
    /// `next_cursor` of the previous page.
    cursor: Option<String>,
}

/// A week's communities.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct CommunitiesView {
    pub week: String,
    pub items: Vec<CommunityScore>,
}

/// Scored weeks, oldest first; `served` marks the snapshot each week is read from.
#[utoipa::path(get, path = "/api/v1/risk/weeks", tag = "risk", security(("bearer" = [])),
    responses((status = 200, body = WeeksView)))]
async fn weeks(State(st): State<Shared>, caller: Caller) -> AppResult<Json<WeeksView>> {
    caller.require(Permission::Aggregates)?;
    Ok(Json(blocking(&st, |svc| svc.risk_weeks()).await?))
}

/// A week's residents in rank order, with filters and cursor pages. Personal data: needs `X-Purpose`; audited.
#[utoipa::path(get, path = "/api/v1/risk/weeks/{week}/residents", tag = "risk", security(("bearer" = [])),
    params(("week" = String, Path, description = "ISO week, e.g. 2026-W48", pattern = "^[0-9]{4}-W(0[1-9]|[1-4][0-9]|5[0-3])$"), ResidentsParams,
        ("X-Purpose" = String, Header, description = "why the data is read (PIPL)")),
    responses((status = 200, body = ResidentsPage), (status = 304, description = "not modified"),
        (status = 404, body = Problem)))]
async fn residents(
    State(st): State<Shared>,
    read: PersonalRead,
    headers: HeaderMap,
    ApiPath(week): ApiPath<String>,
    ApiQuery(p): ApiQuery<ResidentsParams>,
) -> AppResult<Response> {
    let principal = read.caller.require(Permission::Risk)?;
    let week = parse_week(&week)?;
    let q = ResidentsQuery {
        community: p.community,
        grid: p.grid,
        max_decile: p.decile,
        min_score: p.min_score,
        limit: p.limit,
        cursor: p.cursor,
        scope: principal.communities.clone(),
    };
    let head = blocking(&st, move |svc| svc.snapshot(week)).await?;
    let tag = format!("{}-{:x}\"", etag(&head).trim_end_matches('"'), fingerprint(&q));
    if let Some(r) = not_modified(&headers, &tag) {
        return Ok(r);
    }
    let page = blocking(&st, move |svc| svc.risk_residents(week, &q)).await?;
    let subjects = page.items.iter().map(|r| format!("resident:{}", r.resident_id)).collect();
    read.audit(&st, subjects).await?;
    let mut response = Json(page).into_response();
    set_cache_headers(&mut response, &tag);
    Ok(response)
}

/// A stable fingerprint of a query, so each page of a snapshot has its own entity tag.
fn fingerprint(q: &ResidentsQuery) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    (&q.community, &q.grid, q.max_decile, q.min_score.map(f64::to_bits), q.limit, &q.cursor, &q.scope).hash(&mut h);
    h.finish()
}

/// One resident's score in a week with reason codes, and their history. Personal data: needs `X-Purpose`;
/// audited.
#[utoipa::path(get, path = "/api/v1/risk/weeks/{week}/residents/{resident_id}", tag = "risk",
    security(("bearer" = [])),
    params(("week" = String, Path, description = "ISO week, e.g. 2026-W48", pattern = "^[0-9]{4}-W(0[1-9]|[1-4][0-9]|5[0-3])$"),
        ("resident_id" = String, Path, description = "resident id"),
        ("X-Purpose" = String, Header, description = "why the data is read (PIPL)")),
    responses((status = 200, body = ResidentView), (status = 404, body = Problem)))]
async fn resident(
    State(st): State<Shared>,
    read: PersonalRead,
    ApiPath((week, resident_id)): ApiPath<(String, String)>,
) -> AppResult<Response> {
    let principal = read.caller.require(Permission::Risk)?;
    let week = parse_week(&week)?;
    // The newest week is answered from memory on this worker; anything else (or while memory loads) by the store.
    let view = match st.svc.risk_resident_in_memory(week, &resident_id, &principal.communities) {
        Some(view) => view?,
        None => {
            load_served_scores(&st);
            let scope = principal.communities.clone();
            let id = resident_id.clone();
            blocking(&st, move |svc| svc.risk_resident(week, &id, &scope)).await?
        }
    };
    read.audit(&st, vec![format!("resident:{resident_id}")]).await?;
    let mut response = Json(view).into_response();
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("private, max-age=300"));
    Ok(response)
}

/// Starts loading the served snapshots into memory on a blocking thread, unless they are current or loading.
pub(super) fn load_served_scores(st: &Shared) {
    if st.svc.served_scores_want_load() {
        let svc = std::sync::Arc::clone(&st.svc);
        tokio::task::spawn_blocking(move || {
            let started = std::time::Instant::now();
            match svc.load_served_scores() {
                Ok(()) => tracing::info!(ms = started.elapsed().as_millis() as u64, "served risk scores in memory"),
                Err(e) => tracing::warn!(error = %e, "served risk scores not loaded; lookups read the store"),
            }
        });
    }
}

/// A week's per-community aggregates (mean score, expected cases, residents in the top decile).
#[utoipa::path(get, path = "/api/v1/risk/weeks/{week}/communities", tag = "risk", security(("bearer" = [])),
    params(("week" = String, Path, description = "ISO week, e.g. 2026-W48", pattern = "^[0-9]{4}-W(0[1-9]|[1-4][0-9]|5[0-3])$")),
    responses((status = 200, body = CommunitiesView),
        (status = 404, body = Problem)))]
async fn communities(
    State(st): State<Shared>,
    caller: Caller,
    ApiPath(week): ApiPath<String>,
) -> AppResult<Json<CommunitiesView>> {
    let principal = caller.require(Permission::Aggregates)?;
    let week = parse_week(&week)?;
    let scope = principal.communities.clone();
    let items = blocking(&st, move |svc| svc.risk_communities(week, &scope)).await?;
    Ok(Json(CommunitiesView { week: week.to_string(), items }))
}

/// A week's area statistics: cases, losses, 万人发案率, EB-smoothed rates, Gi* hot spots, Poisson alerts.
#[utoipa::path(get, path = "/api/v1/risk/weeks/{week}/areas", tag = "risk", security(("bearer" = [])),
    params(("week" = String, Path, description = "ISO week, e.g. 2026-W48", pattern = "^[0-9]{4}-W(0[1-9]|[1-4][0-9]|5[0-3])$")),
    responses((status = 200, body = AreasView),
        (status = 409, description = "the week is outside the reported period (`not_enough_data`)", body = Problem)))]
async fn areas(State(st): State<Shared>, caller: Caller, ApiPath(week): ApiPath<String>) -> AppResult<Json<AreasView>> {
    caller.require(Permission::Aggregates)?;
    let week = parse_week(&week)?;
    let adjacency = st.adjacency.clone();
    Ok(Json(blocking(&st, move |svc| svc.areas(week, adjacency)).await?))
}

/// A week's snapshot as CSV (UTF-8 with BOM). Personal data: needs `X-Purpose`; audited.
#[utoipa::path(get, path = "/api/v1/risk/weeks/{week}/csv", tag = "risk", security(("bearer" = [])),
    params(("week" = String, Path, description = "ISO week, e.g. 2026-W48", pattern = "^[0-9]{4}-W(0[1-9]|[1-4][0-9]|5[0-3])$"),
        ("X-Purpose" = String, Header, description = "why the data is read (PIPL)")),
    responses((status = 200, content_type = "text/csv", body = String), (status = 404, body = Problem)))]
async fn week_csv(
    State(st): State<Shared>,
    read: PersonalRead,
    headers: HeaderMap,
    ApiPath(week): ApiPath<String>,
) -> AppResult<Response> {
    let principal = read.caller.require(Permission::Risk)?;
    let week = parse_week(&week)?;
    let scope = principal.communities.clone();
    let csv = blocking(&st, move |svc| svc.risk_week_csv(week, &scope)).await?;
    if let Some(r) = not_modified(&headers, &csv.etag) {
        return Ok(r);
    }
    // A snapshot never changes, so the snapshot id names every resident this file holds.
    let subjects = vec![format!("snapshot:{}", csv.snapshot_id), format!("rows:{}", csv.rows)];
    read.audit(&st, subjects).await?;
    let disposition = format!("attachment; filename=\"{}\"", csv.file_name);
    let mut response = csv.body.into_response();
    let h = response.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8"));
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    set_cache_headers(&mut response, &csv.etag);
    Ok(response)
}

/// Which weeks to evaluate the risk model on.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct EvaluationParams {
    /// First evaluated week (the model is trained on data before it), e.g. 2026-W10.
    #[param(pattern = "^[0-9]{4}-W(0[1-9]|[1-4][0-9]|5[0-3])$")]
    from: String,
    /// Last evaluated week.
    #[param(pattern = "^[0-9]{4}-W(0[1-9]|[1-4][0-9]|5[0-3])$")]
    to: String,
    /// logistic (default) or forest.
    model: Option<String>,
    /// Outreach capacity per week for precision@k (default 100).
    #[param(minimum = 1, maximum = 100000)]
    k: Option<usize>,
}

/// The risk model evaluated on past weeks, as `fanzha evaluate --json`: ROC-AUC, PR-AUC, precision@k, Brier,
/// calibration error and the reliability bins of the calibration chart, selection rates by group. Trains a model
/// for `from` (data before it only), so it takes seconds. Aggregates only.
#[utoipa::path(get, path = "/api/v1/risk/evaluation", tag = "risk", security(("bearer" = [])), params(EvaluationParams),
    responses((status = 200, description = "from, to, model_version, trained_on, roc_auc, pr_auc, precision_at_k, \
        recall_at_k, brier, calibration_error, reliability (count, mean_score, observed_rate), selection_rates",
        body = serde_json::Value),
        (status = 400, body = Problem), (status = 409, body = Problem)))]
async fn evaluation(
    State(st): State<Shared>,
    caller: Caller,
    ApiQuery(p): ApiQuery<EvaluationParams>,
) -> AppResult<Json<EvaluationView>> {
    caller.require(Permission::Aggregates)?;
    let (from, to) = (parse_week(&p.from)?, parse_week(&p.to)?);
    let model = p.model.as_deref().map_or(Ok(ModelKind::Logistic), parse_model)?;
    let k = p.k.unwrap_or(100);
    if !(1..=100_000).contains(&k) {
        return Err(AppError::invalid("invalid_parameter", "k", format!("{k} is not between 1 and 100000")));
    }
    let req = move |svc: &crate::service::Service| {
        svc.evaluate(&EvaluateRequest { from, to, model, k, areas: None, export: None })
    };
    Ok(Json(blocking(&st, req).await?))
}

/// The communities' map coordinates.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct CoordinatesView {
    /// Empty when the server has no areas file (`areas` in the configuration).
    pub items: Vec<AreaPoint>,
}

/// Where each community lies (lat, lon of its centre), for maps of the area statistics. Aggregates only.
#[utoipa::path(get, path = "/api/v1/areas/coordinates", tag = "risk", security(("bearer" = [])),
    responses((status = 200, body = CoordinatesView)))]
async fn coordinates(State(st): State<Shared>, caller: Caller) -> AppResult<Json<CoordinatesView>> {
    caller.require(Permission::Aggregates)?;
    Ok(Json(CoordinatesView { items: st.coordinates.clone() }))
}
