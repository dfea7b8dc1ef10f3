//! Prevention outreach over HTTP: weekly plans (list, one with its assignments, approve), day sheets of tasks,
//! recording an outcome of a task, urgent warnings, and the campaigns' effect against the holdout. Prevention staff and admins; every response naming
//! residents needs `X-Purpose` and is audited. The residents reached, week by week, are counts for every role.

use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::{AppError, AppResult};
use crate::service::auth::Permission;
use crate::service::outreach::{
    EffectQuery, EffectView, PlanDetail, PlanRequest, PlanView, PlansView, ReachQuery, ReachView, RecordRequest,
    RecordView, TasksQuery, TasksView, WarningsView, check_minutes_scale, parse_plan_id, parse_strategy, record_action,
    record_outcome,
};
use crate::service::page::{DEFAULT_LIST, Limit, MAX_LIST, Page};
use crate::service::risk::parse_week;

use super::extract::{ApiPath, ApiQuery, Caller, PersonalRead};
use super::{Problem, Shared, blocking};

pub(super) fn routes() -> OpenApiRouter<Shared> {
    OpenApiRouter::new()
        .routes(routes!(plans, draft))
        .routes(routes!(plan))
        .routes(routes!(approve))
        .routes(routes!(tasks))
        .routes(routes!(record))
        .routes(routes!(warnings))
        .routes(routes!(effect))
        .routes(routes!(reach))
}

/// Which plans to list.
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PlansParams {
    /// Only this ISO week, e.g. 2026-W27.
    #[param(pattern = "^[0-9]{4}-W(0[1-9]|[1-4][0-9]|5[0-3])$")]
    week: Option<String>,
}

/// Weekly outreach plans, newest first: status, version, totals, staff minutes (no residents named).
#[utoipa::path(get, path = "/api/v1/outreach/plans", tag = "outreach", security(("bearer" = [])), params(PlansParams),
    responses((status = 200, body = PlansView)))]
async fn plans(
    State(st): State<Shared>,
    caller: Caller,
    ApiQuery(p): ApiQuery<PlansParams>,
) -> AppResult<Json<PlansView>> {
    caller.require(Permission::Outreach)?;
    let week = p.week.as_deref().map(parse_week).transpose()?;
    Ok(Json(blocking(&st, move |svc| svc.outreach_plans(week)).await?))
}

/// What to draft: the week, and optionally the strategy, a staff-minutes multiplier, the seed and whether to
/// supersede the week's draft.
#[derive(Debug, Default, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DraftBody {
    /// ISO week, e.g. 2026-W27 (its risk snapshot must exist).
    #[schema(pattern = "^[0-9]{4}-W(0[1-9]|[1-4][0-9]|5[0-3])$")]
    week: String,
    /// optimised (default), greedy, top-risk or random.
    strategy: Option<String>,
    /// Multiplies every staff member's weekly minutes (default 1).
    #[schema(exclusive_minimum = 0.0, maximum = 1000.0)]
    minutes_scale: Option<f64>,
    /// Seed of the random strategy and the holdout (default 1).
    #[schema(minimum = 0)]
    seed: Option<u64>,
    /// Supersede the week's draft with a new version (an approved plan is never replaced).
    replace: Option<bool>,
}

/// Draft the week's plan from its risk snapshot (as `fanzha outreach plan`); the caller is recorded as its author and
/// a person approves it before it is issued. 409 when the week has a live plan (unless `replace` supersedes a draft),
/// 404 when the week has no snapshot.
#[utoipa::path(post, path = "/api/v1/outreach/plans", tag = "outreach", security(("bearer" = [])),
    request_body(content = DraftBody, content_type = "application/json"),
    responses((status = 201, body = PlanView), (status = 400, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem)))]
async fn draft(State(st): State<Shared>, caller: Caller, body: axum::body::Bytes) -> AppResult<Response> {
    let principal = caller.require(Permission::Outreach)?;
    let b: DraftBody =
        serde_json::from_slice(&body).map_err(|e| AppError::invalid("invalid_body", "body", e.to_string()))?;
    let req = PlanRequest {
        week: parse_week(&b.week)?,
        strategy: parse_strategy(b.strategy.as_deref().unwrap_or("optimised"))?,
        minutes_scale: check_minutes_scale(b.minutes_scale.unwrap_or(1.0))?,
        seed: b.seed.unwrap_or(1),
        replace: b.replace.unwrap_or(false),
        by: principal.name.clone(),
    };
    let view = blocking(&st, move |svc| svc.outreach_plan(&req)).await?;
    Ok((axum::http::StatusCode::CREATED, Json(view)).into_response())
}

/// One plan with a row per assignment (resident, grid, channel, content, staff, day, expected averted, holdout).
/// Personal data: needs `X-Purpose`; audited.
#[utoipa::path(get, path = "/api/v1/outreach/plans/{plan_id}", tag = "outreach", security(("bearer" = [])),
    params(("plan_id" = i64, Path, minimum = 1, description = "plan id"),
        ("X-Purpose" = String, Header, description = "why the data is read (PIPL)")),
    responses((status = 200, body = PlanDetail), (status = 404, body = Problem)))]
async fn plan(State(st): State<Shared>, read: PersonalRead, ApiPath(id): ApiPath<String>) -> AppResult<Response> {
    read.caller.require(Permission::Outreach)?;
    let id = parse_plan_id(&id)?;
    let view = blocking(&st, move |svc| svc.outreach_show(id)).await?;
    let subjects = vec![format!("outreach_plan:{id}"), format!("rows:{}", view.rows.len())];
    read.json(&st, subjects, view).await
}

/// Approve a draft plan (the approver is the caller). 409 when it is approved or superseded already.
#[utoipa::path(post, path = "/api/v1/outreach/plans/{plan_id}/approve", tag = "outreach", security(("bearer" = [])),
    params(("plan_id" = i64, Path, minimum = 1, description = "plan id")),
    responses((status = 200, body = PlanView), (status = 404, body = Problem), (status = 409, body = Problem)))]
async fn approve(State(st): State<Shared>, caller: Caller, ApiPath(id): ApiPath<String>) -> AppResult<Json<PlanView>> {
    let principal = caller.require(Permission::Outreach)?;
    let id = parse_plan_id(&id)?;
    let by = principal.name.clone();
    Ok(Json(blocking(&st, move |svc| svc.outreach_approve(id, &by)).await?))
}

/// Which tasks to list.
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct TasksParams {
    /// Only this staff member's.
    staff: Option<String>,
    /// Only this day (Beijing date), e.g. 2026-06-22.
    #[param(pattern = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$")]
    day: Option<String>,
    /// Only tasks with steps past their deadline.
    overdue: Option<bool>,
    /// Tasks per page (default 50, at most 1000), in sheet order.
    #[param(minimum = 1, maximum = 1000)]
    limit: Option<usize>,
    /// `next_cursor` of the previous page.
    cursor: Option<String>,
}

/// Day sheets per officer: urgent warnings' tasks (deadlines, escalation, overdue) and approved plans' treated
/// assignments. Personal data: needs `X-Purpose`; audited.
#[utoipa::path(get, path = "/api/v1/outreach/tasks", tag = "outreach", security(("bearer" = [])),
    params(TasksParams, ("X-Purpose" = String, Header, description = "why the data is read (PIPL)")),
    responses((status = 200, body = TasksView), (status = 404, body = Problem)))]
async fn tasks(
    State(st): State<Shared>,
    read: PersonalRead,
    ApiQuery(p): ApiQuery<TasksParams>,
) -> AppResult<Response> {
    read.caller.require(Permission::Outreach)?;
    let page = Page { limit: Limit::new(p.limit.unwrap_or(DEFAULT_LIST), MAX_LIST)?, cursor: p.cursor };
    let q = TasksQuery { staff: p.staff, day: p.day, overdue: p.overdue.unwrap_or(false), page: Some(page) };
    let view = blocking(&st, move |svc| svc.outreach_tasks(&q)).await?;
    let subjects = view.sheets.iter().flat_map(|s| &s.tasks).map(|t| format!("resident:{}", t.resident_id)).collect();
    read.json(&st, subjects, view).await
}

/// An outcome of a task.
#[derive(Debug, Default, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RecordBody {
    /// reached, not_home, refused, wrong_number, no_answer.
    outcome: String,
    /// Urgent step: call, sms, visit, family_contact (default: the next pending one).
    action: Option<String>,
    /// When (RFC 3339 or `YYYY-MM-DD HH:MM:SS` Beijing time; default: now).
    at: Option<String>,
    app_installed: Option<bool>,
    /// Overseas-call blocking set up.
    overseas_blocking: Option<bool>,
    family_contact: Option<bool>,
    #[schema(max_length = 2000)]
    note: Option<String>,
    staff_id: Option<String>,
}

/// Record an outcome of a task (`T-…`: a warning's; `A<plan>-<resident>`: an approved plan's assignment). A failed
/// attempt escalates an urgent task. Personal data: needs `X-Purpose`; audited.
#[utoipa::path(post, path = "/api/v1/outreach/tasks/{task_id}/events", tag = "outreach", security(("bearer" = [])),
    params(("task_id" = String, Path, description = "task id"),
        ("X-Purpose" = String, Header, description = "why the data is read (PIPL)")),
    request_body(content = RecordBody, content_type = "application/json"),
    responses((status = 200, body = RecordView), (status = 404, body = Problem), (status = 409, body = Problem)))]
async fn record(
    State(st): State<Shared>,
    read: PersonalRead,
    ApiPath(task_id): ApiPath<String>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    read.caller.require(Permission::Outreach)?;
    let b: RecordBody =
        serde_json::from_slice(&body).map_err(|e| AppError::invalid("invalid_body", "body", e.to_string()))?;
    let at =
        b.at.as_deref()
            .map(|t| {
                datasets::Timestamp::parse(t)
                    .map(|t| t.0)
                    .map_err(|e| AppError::invalid("invalid_time", "at", format!("{t:?}: {e}")))
            })
            .transpose()?;
    let req = RecordRequest {
        task_id,
        outcome: record_outcome(&b.outcome)?,
        action: b.action.as_deref().map(record_action).transpose()?,
        at,
        app_installed: b.app_installed.unwrap_or(false),
        overseas_blocking: b.overseas_blocking.unwrap_or(false),
        family_contact: b.family_contact.unwrap_or(false),
        note: b.note,
        staff_id: b.staff_id,
        source: "http",
    };
    let view = blocking(&st, move |svc| svc.outreach_record(&req)).await?;
    let subjects = vec![format!("resident:{}", view.resident_id)];
    read.json(&st, subjects, view).await
}

/// Which warnings to list.
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct WarningsParams {
    /// Only warnings whose task has steps past their deadline.
    overdue: Option<bool>,
    /// Warnings per page (default 50, at most 1000), newest first.
    #[param(minimum = 1, maximum = 1000)]
    limit: Option<usize>,
    /// `next_cursor` of the previous page.
    cursor: Option<String>,
}

/// Urgent warnings (预警劝阻) with their tasks, newest first. Personal data: needs `X-Purpose`; audited.
#[utoipa::path(get, path = "/api/v1/warnings", tag = "outreach", security(("bearer" = [])),
    params(WarningsParams, ("X-Purpose" = String, Header, description = "why the data is read (PIPL)")),
    responses((status = 200, body = WarningsView)))]
async fn warnings(
    State(st): State<Shared>,
    read: PersonalRead,
    ApiQuery(p): ApiQuery<WarningsParams>,
) -> AppResult<Response> {
    read.caller.require(Permission::Outreach)?;
    let overdue = p.overdue.unwrap_or(false);
    let page = Page { limit: Limit::new(p.limit.unwrap_or(DEFAULT_LIST), MAX_LIST)?, cursor: p.cursor };
    let view = blocking(&st, move |svc| svc.warnings(overdue, Some(&page))).await?;
    let view = if read.caller.0.role.masks_identifiers() { view.masked() } else { view };
    let subjects = view.items.iter().map(|w| format!("resident:{}", w.resident_id)).collect();
    read.json(&st, subjects, view).await
}

/// Which campaigns the effect report covers: one (`campaign`), a range (`from`, `to`), or all.
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct EffectParams {
    /// One campaign's ISO week, e.g. 2026-W20.
    #[param(pattern = "^[0-9]{4}-W(0[1-9]|[1-4][0-9]|5[0-3])$")]
    campaign: Option<String>,
    /// First campaign week of a range.
    #[param(pattern = "^[0-9]{4}-W(0[1-9]|[1-4][0-9]|5[0-3])$")]
    from: Option<String>,
    /// Last campaign week of a range.
    #[param(pattern = "^[0-9]{4}-W(0[1-9]|[1-4][0-9]|5[0-3])$")]
    to: Option<String>,
}

/// The campaigns' effect: treated against held out (intention to treat), overall, by campaign and by channel, with
/// Newcombe intervals, cases averted and minutes per case averted; the Qini curve. Counts only, no one named.
#[utoipa::path(get, path = "/api/v1/outreach/effect", tag = "outreach", security(("bearer" = [])), params(EffectParams),
    responses((status = 200, description = "units, held_out, urgent_excluded, follow_up_days, campaign_weeks, \
        report (confidence, overall, by_campaign, by_channel, qini)", body = serde_json::Value),
        (status = 400, body = Problem),
        (status = 409, description = "no outreach with a complete follow-up in the campaigns asked for", body = Problem)))]
async fn effect(
    State(st): State<Shared>,
    caller: Caller,
    ApiQuery(p): ApiQuery<EffectParams>,
) -> AppResult<Json<EffectView>> {
    caller.require(Permission::Outreach)?;
    let week = |w: Option<String>| w.as_deref().map(parse_week).transpose();
    let q = EffectQuery { campaign: week(p.campaign)?, from: week(p.from)?, to: week(p.to)? };
    Ok(Json(blocking(&st, move |svc| svc.outreach_effect(&q)).await?))
}

/// The weeks the reach figures cover (`from`, `to` inclusive, either open).
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ReachParams {
    /// First ISO week, e.g. 2026-W20.
    #[param(pattern = "^[0-9]{4}-W(0[1-9]|[1-4][0-9]|5[0-3])$")]
    from: Option<String>,
    /// Last ISO week.
    #[param(pattern = "^[0-9]{4}-W(0[1-9]|[1-4][0-9]|5[0-3])$")]
    to: Option<String>,
}

/// Residents reached by outreach (a call or visit answered, a message or leaflet delivered), and of them the elderly
/// (60 and over when contacted), week by week and over the range: distinct residents, counts only, no one named.
#[utoipa::path(get, path = "/api/v1/outreach/reach", tag = "outreach", security(("bearer" = [])), params(ReachParams),
    responses((status = 200, body = ReachView), (status = 400, body = Problem)))]
async fn reach(
    State(st): State<Shared>,
    caller: Caller,
    ApiQuery(p): ApiQuery<ReachParams>,
) -> AppResult<Json<ReachView>> {
    caller.require(Permission::Aggregates)?;
    let week = |w: Option<String>| w.as_deref().map(parse_week).transpose();
    let q = ReachQuery { from: week(p.from)?, to: week(p.to)? };
    Ok(Json(blocking(&st, move |svc| svc.outreach_reach(&q)).await?))
}
