//! Operations and reference routes: liveness, readiness, the caller's own role and permissions, the code tables,
//! district statistics.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Json, extract::State};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::AppResult;
use crate::service::auth::Permission;
use crate::service::stats::Stats;

use super::extract::Caller;
use super::{Shared, blocking};

pub(super) fn routes() -> OpenApiRouter<Shared> {
    OpenApiRouter::new()
        .routes(routes!(healthz))
        .routes(routes!(readyz))
        .routes(routes!(me))
        .routes(routes!(codes))
        .routes(routes!(stats))
}

/// Liveness or readiness.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Health {
    pub status: String,
    /// What readiness checked, each `ok` or why not.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub checks: Vec<Check>,
}

pub use crate::service::ReadyCheck as Check;

/// The process is alive.
#[utoipa::path(get, path = "/healthz", tag = "ops", responses((status = 200, body = Health)))]
async fn healthz() -> Json<Health> {
    Json(Health { status: "ok".into(), checks: Vec::new() })
}

/// Ready to serve: the store opens, the case index is readable, and a risk snapshot is served.
#[utoipa::path(get, path = "/readyz", tag = "ops",
    responses((status = 200, body = Health), (status = 503, body = Health)))]
async fn readyz(State(st): State<Shared>) -> Response {
    let checks = blocking(&st, |svc| Ok(svc.readiness()))
        .await
        .unwrap_or_else(|e| vec![Check { name: "service".into(), ok: false, detail: e.message().to_string() }]);
    let ok = checks.iter().all(|c| c.ok);
    let body = Health { status: if ok { "ready" } else { "not_ready" }.into(), checks };
    let status = if ok { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    (status, Json(body)).into_response()
}

/// Who the token belongs to and what it may do: clients (the console) build their navigation from it; the routes
/// still check every request.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Me {
    pub name: String,
    /// investigator, prevention, analyst or admin.
    pub role: String,
    /// Districts the token may see (empty: all).
    pub districts: Vec<String>,
    /// Communities the token may see (empty: all).
    pub communities: Vec<String>,
    /// What the role may use: aggregates, risk, cases, cases_masked, clusters, money, pipeline_read, outreach, admin.
    pub permissions: Vec<String>,
    /// Whether phone and card numbers reach this token masked.
    pub masked_identifiers: bool,
    /// Whether this token reads case narratives.
    pub reads_narratives: bool,
}

/// The caller's name, role, scope and permissions.
#[utoipa::path(get, path = "/api/v1/me", tag = "reference", security(("bearer" = [])),
    responses((status = 200, body = Me)))]
async fn me(caller: Caller) -> Json<Me> {
    let p = caller.0;
    Json(Me {
        role: p.role.code().to_string(),
        permissions: Permission::ALL.into_iter().filter(|&x| p.role.may(x)).map(|x| x.code().to_string()).collect(),
        masked_identifiers: p.role.masks_identifiers(),
        reads_narratives: p.role.reads_narratives(),
        name: p.name,
        districts: p.districts,
        communities: p.communities,
    })
}

/// One code with its labels.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct CodeLabel {
    pub code: String,
    pub zh: String,
    pub en: String,
}

/// Every code table: codes travel as codes, and clients label them from here.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Codes {
    pub fraud_types: Vec<CodeLabel>,
    pub contact_channels: Vec<CodeLabel>,
    pub transfer_channels: Vec<CodeLabel>,
    pub case_statuses: Vec<CodeLabel>,
    pub outreach_channels: Vec<CodeLabel>,
    pub outcomes: Vec<CodeLabel>,
    pub content_formats: Vec<CodeLabel>,
    pub audiences: Vec<CodeLabel>,
    pub roles: Vec<CodeLabel>,
}

macro_rules! table {
    ($t:ty) => {
        <$t>::ALL
            .iter()
            .map(|c| CodeLabel { code: c.code().into(), zh: c.label_zh().into(), en: c.label_en().into() })
            .collect()
    };
}

/// The code tables with Chinese and English labels.
#[utoipa::path(get, path = "/api/v1/codes", tag = "reference", security(("bearer" = [])),
    responses((status = 200, body = Codes)))]
async fn codes(caller: Caller) -> AppResult<Json<Codes>> {
    caller.require(Permission::Aggregates)?;
    use crate::service::auth::Role;
    let role = |r: Role, zh: &str, en: &str| CodeLabel { code: r.code().into(), zh: zh.into(), en: en.into() };
    Ok(Json(Codes {
        fraud_types: table!(datasets::FraudType),
        contact_channels: table!(datasets::ContactChannel),
        transfer_channels: table!(datasets::TransferChannel),
        case_statuses: table!(datasets::CaseStatus),
        outreach_channels: table!(datasets::OutreachChannel),
        outcomes: table!(datasets::Outcome),
        content_formats: table!(datasets::ContentFormat),
        audiences: table!(datasets::Audience),
        roles: vec![
            role(Role::Investigator, "侦查员", "investigator"),
            role(Role::Prevention, "反诈宣防", "prevention"),
            role(Role::Analyst, "分析员", "analyst"),
            role(Role::Admin, "管理员", "admin"),
        ],
    }))
}

/// Counts per table, fraud type and week, and 万人发案率 per community (local reports only).
#[utoipa::path(get, path = "/api/v1/stats", tag = "reference", security(("bearer" = [])),
    responses((status = 200, body = Stats)))]
async fn stats(State(st): State<Shared>, caller: Caller) -> AppResult<Json<Stats>> {
    caller.require(Permission::Aggregates)?;
    Ok(Json(blocking(&st, |svc| svc.stats()).await?))
}
