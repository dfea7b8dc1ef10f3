//! Gang clusters and money: the clusters of the latest run with filters, one cluster's evidence, the chain
//! linking two reports, exports for Gephi and i2, hubs and laundering services, money trails and laundering
//! typologies. Investigators and admins only; what names people or accounts needs `X-Purpose` and is audited.

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::{Json, extract::State};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::{AppError, AppResult};
use crate::service::auth::Permission;
use crate::service::gangs::{ClusterSummary, ClustersQuery};
use crate::service::money::{TraceRequest, TraceStart};

use super::extract::{ApiPath, ApiQuery, Caller, PersonalRead};
use super::{Problem, Shared, blocking};

pub(super) fn routes() -> OpenApiRouter<Shared> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(detail))
        .routes(routes!(report_cluster))
        .routes(routes!(explain))
        .routes(routes!(export))
        .routes(routes!(hubs))
        .routes(routes!(services))
        .routes(routes!(trace))
        .routes(routes!(typologies))
}

/// Filters and paging of the cluster list.
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListParams {
    /// Only clusters of at least this many reports.
    #[param(minimum = 1, format = "uint64")]
    min_reports: Option<u64>,
    /// Only clusters whose losses add up to at least this (yuan, `1234.50`).
    min_loss_yuan: Option<String>,
    /// Only clusters spanning several districts (串并案 candidates).
    cross_jurisdiction: Option<bool>,
    /// Only clusters with a report of this fraud type (code or Chinese label).
    fraud_type: Option<String>,
    /// Page size (default 50, at most 1000).
    #[param(minimum = 1, maximum = 1000)]
    limit: Option<usize>,
    /// `next_cursor` of the previous page.
    cursor: Option<String>,
}

/// A page of clusters, in the service's order (largest first).
#[derive(Debug, serde::Serialize)]
pub struct ClustersPage {
    pub items: Vec<ClusterSummary>,
    pub next_cursor: Option<String>,
    pub total: usize,
}

/// Clusters of the latest run (sizes, losses, spans, fraud types, districts; no personal data).
#[utoipa::path(get, path = "/api/v1/clusters", tag = "clusters", security(("bearer" = [])), params(ListParams),
    responses((status = 200, description = "items (cluster_id, reports, victims, total_loss_yuan, first_at, \
        last_at, span_days, fraud_types, districts, provinces, cross_jurisdiction), next_cursor, total",
        body = serde_json::Value),
        (status = 404, body = Problem)))]
async fn list(State(st): State<Shared>, caller: Caller, ApiQuery(p): ApiQuery<ListParams>) -> AppResult<Response> {
    caller.require(Permission::Clusters)?;
    let filter = ClustersQuery {
        min_reports: p.min_reports,
        min_loss_yuan: p.min_loss_yuan,
        cross_jurisdiction: p.cross_jurisdiction.unwrap_or(false),
        fraud_type: p.fraud_type,
    }
    .check()?;
    let limit = crate::service::page::Limit::new(p.limit.unwrap_or(50), 1000)?.get();
    let all = blocking(&st, move |svc| svc.clusters_list(&filter)).await?;
    let start = match p.cursor.as_deref() {
        None => 0,
        Some(c) => {
            let after: u64 = c
                .parse()
                .map_err(|_| AppError::invalid("invalid_cursor", "cursor", format!("{c:?} is not a cursor")))?;
            all.iter().position(|s| s.cluster_id == after).map(|i| i + 1).ok_or_else(|| {
                AppError::invalid("invalid_cursor", "cursor", "the cursor's cluster is not in this run's list")
            })?
        }
    };
    let total = all.len();
    let items: Vec<ClusterSummary> = all.into_iter().skip(start).take(limit).collect();
    let next_cursor = (start + items.len() < total).then(|| items.last().map(|s| s.cluster_id.to_string())).flatten();
    Ok(Json(ClustersPage { items, next_cursor, total }).into_response())
}

/// Whether victims' numbers are shown in full.
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct MaskParams {
    /// Show victims' phone and card numbers in full (only when the case needs them; audited either way).
    unmasked: Option<bool>,
}

/// One cluster: summary, confidence, key accounts and phones by PageRank and betweenness, L1 accounts still
/// active, reports. Audited.
#[utoipa::path(get, path = "/api/v1/clusters/{cluster_id}", tag = "clusters", security(("bearer" = [])),
    params(("cluster_id" = u64, Path, description = "cluster id"), MaskParams,
        ("X-Purpose" = String, Header, description = "why the data is read (PIPL)")),
    responses((status = 200, description = "the cluster and its evidence", body = serde_json::Value),
        (status = 404, body = Problem)))]
async fn detail(
    State(st): State<Shared>,
    read: PersonalRead,
    ApiPath(id): ApiPath<u64>,
    ApiQuery(p): ApiQuery<MaskParams>,
) -> AppResult<Response> {
    read.caller.require(Permission::Clusters)?;
    let unmasked = p.unmasked.unwrap_or(false);
    let view = blocking(&st, move |svc| svc.cluster_show(id, unmasked)).await?;
    let mut subjects = vec![format!("cluster:{id}")];
    subjects.extend(view.report_ids.iter().map(|r| format!("report:{r}")));
    read.json(&st, subjects, view).await
}

/// A report's cluster.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct ReportCluster {
    pub report_id: String,
    pub cluster_id: u64,
}

/// The cluster a report belongs to in the latest clustering run (ids only; no personal data).
#[utoipa::path(get, path = "/api/v1/reports/{report_id}/cluster", tag = "clusters", security(("bearer" = [])),
    params(("report_id" = String, Path, description = "report id")),
    responses((status = 200, body = ReportCluster), (status = 404, body = Problem)))]
async fn report_cluster(
    State(st): State<Shared>,
    caller: Caller,
    ApiPath(report_id): ApiPath<String>,
) -> AppResult<Json<ReportCluster>> {
    caller.require(Permission::Clusters)?;
    let id = report_id.clone();
    let cluster_id = blocking(&st, move |svc| svc.cluster_of_report(&id)).await?;
    Ok(Json(ReportCluster { report_id, cluster_id }))
}

/// The two reports to link.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ExplainParams {
    /// A report id.
    a: String,
    /// Another report id of the same cluster.
    b: String,
    unmasked: Option<bool>,
}

/// The shortest chain of shared identifiers, transfers and attributed money linking two reports. Audited.
#[utoipa::path(get, path = "/api/v1/clusters/explain", tag = "clusters", security(("bearer" = [])),
    params(ExplainParams, ("X-Purpose" = String, Header, description = "why the data is read (PIPL)")),
    responses((status = 200, description = "the chain, step by step", body = serde_json::Value),
        (status = 404, body = Problem)))]
async fn explain(
    State(st): State<Shared>,
    read: PersonalRead,
    ApiQuery(p): ApiQuery<ExplainParams>,
) -> AppResult<Response> {
    read.caller.require(Permission::Clusters)?;
    let (a, b, unmasked) = (p.a.clone(), p.b.clone(), p.unmasked.unwrap_or(false));
    let view = blocking(&st, move |svc| svc.clusters_explain(&a, &b, unmasked)).await?;
    read.json(&st, vec![format!("report:{}", p.a), format!("report:{}", p.b)], view).await
}

/// The export format.
#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ExportParams {
    /// graphml, gexf, csv (entities and links, as JSON of two files) or json.
    #[param(schema_with = super::openapi::export_format, required = true)]
    format: String,
    unmasked: Option<bool>,
}

/// Two CSV files of an export.
#[derive(Debug, serde::Serialize)]
struct CsvExport {
    cluster_id: u64,
    files: Vec<CsvFile>,
}

#[derive(Debug, serde::Serialize)]
struct CsvFile {
    name: String,
    content: String,
}

/// A cluster's subgraph for Gephi, networkx or i2: GraphML, GEXF, JSON as a file; CSV as `entities.csv` and
/// `links.csv` in one JSON object. Audited.
#[utoipa::path(get, path = "/api/v1/clusters/{cluster_id}/export", tag = "clusters", security(("bearer" = [])),
    params(("cluster_id" = u64, Path, description = "cluster id"), ExportParams,
        ("X-Purpose" = String, Header, description = "why the data is read (PIPL)")),
    responses((status = 200, description = "the file (GraphML/GEXF XML, JSON) or the CSV files as JSON",
        content((String = "application/xml"), (serde_json::Value = "application/json"))),
        (status = 404, body = Problem)))]
async fn export(
    State(st): State<Shared>,
    read: PersonalRead,
    ApiPath(id): ApiPath<u64>,
    ApiQuery(p): ApiQuery<ExportParams>,
) -> AppResult<Response> {
    read.caller.require(Permission::Clusters)?;
    let format = analytics::ExportFormat::parse(&p.format)
        .map_err(|e| AppError::invalid("invalid_format", "format", e.to_string()))?;
    let unmasked = p.unmasked.unwrap_or(false);
    let export = blocking(&st, move |svc| svc.cluster_export(id, format, unmasked)).await?;
    read.audit(&st, vec![format!("cluster:{id}")]).await?;
    if export.files.len() != 1 {
        let files = export
            .files
            .into_iter()
            .map(|f| CsvFile { name: f.name, content: String::from_utf8_lossy(&f.bytes).into_owned() })
            .collect();
        return Ok(Json(CsvExport { cluster_id: id, files }).into_response());
    }
    let file = export.files.into_iter().next().ok_or_else(|| AppError::internal(anyhow::anyhow!("empty export")))?;
    let content_type = match p.format.trim().to_ascii_lowercase().as_str() {
        "json" => "application/json",
        _ => "application/xml",
    };
    let mut response = file.bytes.into_response();
    let h = response.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{}\"", file.name)) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(response)
}

/// Identifiers the latest run held apart as hubs (bank hotlines, 96110, payment gateways), with the reason.
#[utoipa::path(get, path = "/api/v1/clusters/hubs", tag = "clusters", security(("bearer" = [])),
    responses((status = 200, description = "key, kind, reports, reason, overridden", body = serde_json::Value), (status = 404, body = Problem)))]
async fn hubs(State(st): State<Shared>, caller: Caller) -> AppResult<Response> {
    caller.require(Permission::Clusters)?;
    let items = blocking(&st, |svc| svc.hubs()).await?;
    Ok(Json(serde_json::json!({ "items": items })).into_response())
}

/// Laundering services of the latest run (accounts bridging several gangs). Audited (accounts).
#[utoipa::path(get, path = "/api/v1/clusters/services", tag = "clusters", security(("bearer" = [])),
    params(("X-Purpose" = String, Header, description = "why the data is read (PIPL)")),
    responses((status = 200, description = "service_no, accounts, reports, served_clusters, inflow_yuan",
        body = serde_json::Value),
        (status = 404, body = Problem)))]
async fn services(State(st): State<Shared>, read: PersonalRead) -> AppResult<Response> {
    read.caller.require(Permission::Clusters)?;
    let items = blocking(&st, |svc| svc.services()).await?;
    let subjects = items.iter().map(|s| format!("service:{}", s.service_no)).collect();
    read.json(&st, subjects, serde_json::json!({ "items": items })).await
}

/// Where a trace starts.
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct TraceParams {
    /// Downstream from the money this report's victim paid.
    report: Option<String>,
    /// Downstream from everything this account sent.
    account: Option<String>,
    /// Upstream: who fed this account.
    fed_account: Option<String>,
    /// fifo (default), lifo, prorata or matched.
    #[param(schema_with = super::openapi::trace_method)]
    method: Option<String>,
    /// With matched: a payout up to this share below an arrival still passes it on (0 to 0.5).
    #[param(minimum = 0, maximum = 0.5)]
    match_tolerance: Option<f64>,
    /// Hops followed at most (default 8, at most 32).
    #[param(minimum = 1, maximum = 32)]
    max_depth: Option<u32>,
    /// Days followed (default 90, at most 3650).
    #[param(minimum = 0, maximum = 3650)]
    horizon_days: Option<i64>,
    unmasked: Option<bool>,
}

/// A money trail: downstream from a report or account (dwell times, where it sits now, cashed out), or upstream
/// (who fed an account). Audited.
#[utoipa::path(get, path = "/api/v1/money/trace", tag = "money", security(("bearer" = [])),
    params(TraceParams, ("X-Purpose" = String, Header, description = "why the data is read (PIPL)")),
    responses((status = 200, description = "the trail", body = serde_json::Value),
        (status = 404, body = Problem),
        (status = 409, description = "nothing to trace: the account sent (or received) no transfers, the report's \
            victim paid nothing, or the store holds no transfers", body = Problem)))]
async fn trace(
    State(st): State<Shared>,
    read: PersonalRead,
    ApiQuery(p): ApiQuery<TraceParams>,
) -> AppResult<Response> {
    read.caller.require(Permission::Money)?;
    let (start, subject) = match (p.report, p.account, p.fed_account) {
        (Some(r), None, None) => (TraceStart::Report(r.clone()), format!("report:{r}")),
        (None, Some(a), None) => (TraceStart::Account(a.clone()), format!("account:{a}")),
        (None, None, Some(a)) => (TraceStart::FedAccount(a.clone()), format!("account:{a}")),
        _ => {
            return Err(AppError::invalid(
                "invalid_trace_start",
                "report",
                "give exactly one of report, account, fed_account",
            ));
        }
    };
    let method = match p.method.as_deref() {
        None => analytics::Method::Fifo,
        Some(m) => {
            analytics::Method::parse(m).map_err(|e| AppError::invalid("invalid_method", "method", e.to_string()))?
        }
    };
    let tolerance = p.match_tolerance.unwrap_or(0.0);
    if !(0.0..=0.5).contains(&tolerance) {
        return Err(AppError::invalid("invalid_tolerance", "match_tolerance", "must be between 0 and 0.5"));
    }
    let max_depth = p.max_depth.unwrap_or(8);
    if !(1..=32).contains(&max_depth) {
        return Err(AppError::invalid("invalid_depth", "max_depth", "must be between 1 and 32"));
    }
    let horizon_days = p.horizon_days.unwrap_or(90);
    if !(0..=3650).contains(&horizon_days) {
        return Err(AppError::invalid("invalid_horizon", "horizon_days", "must be between 0 and 3650"));
    }
    let req = TraceRequest {
        start,
        method,
        match_tolerance: tolerance,
        max_depth,
        horizon_days,
        unmasked: p.unmasked.unwrap_or(false),
    };
    let view = blocking(&st, move |svc| svc.trace(&req)).await?;
    read.json(&st, vec![subject], view).await
}

/// Which typology.
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct TypologyParams {
    /// fan-in, fan-out, cycle, scatter-gather, gather-scatter, stack, pass-through or structuring (default all).
    #[param(schema_with = super::openapi::typology_kind)]
    kind: Option<String>,
    unmasked: Option<bool>,
}

/// Laundering patterns in the transfers, each with its accounts and transfers. Audited.
#[utoipa::path(get, path = "/api/v1/money/typologies", tag = "money", security(("bearer" = [])),
    params(TypologyParams, ("X-Purpose" = String, Header, description = "why the data is read (PIPL)")),
    responses((status = 200, description = "transfers, accounts, kinds, findings", body = serde_json::Value),
        (status = 409, description = "the store holds no transfers (`no_transfers`)", body = Problem)))]
async fn typologies(
    State(st): State<Shared>,
    read: PersonalRead,
    ApiQuery(p): ApiQuery<TypologyParams>,
) -> AppResult<Response> {
    read.caller.require(Permission::Money)?;
    let kind = p
        .kind
        .as_deref()
        .map(|k| {
            analytics::TypologyKind::parse(k).map_err(|e| AppError::invalid("invalid_kind", "kind", e.to_string()))
        })
        .transpose()?;
    let unmasked = p.unmasked.unwrap_or(false);
    let view = blocking(&st, move |svc| svc.typologies(kind, unmasked)).await?;
    let subject = format!("typologies:{}", kind.map_or("all", |k| k.code()));
    read.json(&st, vec![subject, format!("findings:{}", view.findings.len())], view).await
}
