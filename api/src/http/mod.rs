//! The HTTP API (axum): versioned JSON under `/api/v1`, problem details for errors, bearer tokens with roles,
//! an audit record for every response that carries personal data, and an OpenAPI 3.1 document generated from the
//! handlers at `/api/openapi.json`.
//!
//! Handlers extract and validate, run the service on the blocking pool (SQLite is synchronous), audit, and
//! convert; they hold no logic of their own. `router(state)` is the whole app, so tests call it with `oneshot`.
//!
//! Layout: `error` (problem details), `extract` (query, path, caller, purpose, request meta), `limits` (config,
//! rate limits), `openapi` (what every operation of the document shares; parameter schemas), `risk` (the weekly
//! risk-score API), `cases` (search, reports, similar), `clusters` (clusters, evidence, exports, money trails,
//! typologies), `pipeline` (runs), `outreach` (plans, approval, day sheets, outcomes, warnings), `ops` (health, readiness, the caller, codes, stats), `schedule` (the weekly run),
//! `console` (the web console's embedded files under `/console/`).

mod cases;
mod clusters;
mod console;
mod error;
mod extract;
mod limits;
mod openapi;
mod ops;
mod outreach;
mod pipeline;
mod risk;
pub mod schedule;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use utoipa::OpenApi as _;
use utoipa_axum::router::OpenApiRouter;

pub use error::{Problem, ProblemField};
pub use extract::{Caller, PersonalRead, Purpose, RequestMeta};
pub use limits::{Quota, RateLimiter, Schedule, ServeConfig};

use crate::error::{AppError, AppResult, Kind};
use crate::service::Service;
use crate::service::audit::{AuditEntry, AuditLog};

/// What every handler shares.
pub struct AppState {
    pub svc: Arc<Service>,
    pub audit: AuditLog,
    pub config: ServeConfig,
    pub rate: RateLimiter,
    /// Community adjacency for Gi* hot spots in area statistics (from the configuration).
    pub adjacency: Vec<(String, String)>,
    /// Communities' map coordinates (from the configuration's areas file; empty without one).
    pub coordinates: Vec<crate::service::areas::AreaPoint>,
}

impl AppState {
    /// The state of a server over `data_dir`: the service, the audit writer, the rate limiter, the adjacency and
    /// the communities' coordinates.
    pub fn new(data_dir: &std::path::Path, config: ServeConfig) -> AppResult<Shared> {
        let adjacency = match &config.adjacency {
            Some(path) => crate::service::areas::read_adjacency(path)?,
            None => Vec::new(),
        };
        let coordinates = match &config.areas {
            Some(path) => crate::service::areas::read_coordinates(path)?,
            None => Vec::new(),
        };
        Ok(Arc::new(AppState {
            svc: Arc::new(Service::new(data_dir)),
            audit: AuditLog::start(data_dir)?,
            rate: RateLimiter::new(config.rate_limit_per_minute),
            config,
            adjacency,
            coordinates,
        }))
    }
}

/// The state as handlers receive it.
pub type Shared = Arc<AppState>;

#[derive(utoipa::OpenApi)]
#[openapi(
    info(
        title = "fanzha 反诈 API",
        description = "Weekly risk scores, case search, gang clusters and money trails for a district \
                       public-security bureau. Personal-data routes need `X-Purpose` and are audited."
    ),
    modifiers(&BearerAuth),
    components(schemas(Problem, ProblemField))
)]
struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme("bearer", SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)));
    }
}

/// Every documented route with its handler: the router and the OpenAPI document come from this one list.
fn api() -> OpenApiRouter<Shared> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(ops::routes())
        .merge(risk::routes())
        .merge(cases::routes())
        .merge(clusters::routes())
        .merge(pipeline::routes())
        .merge(outreach::routes())
}

/// The OpenAPI document of [`router`].
pub fn openapi() -> utoipa::openapi::OpenApi {
    let mut doc = api().into_openapi();
    openapi::complete(&mut doc);
    doc
}

/// The whole HTTP app over `state`.
pub fn router(state: Shared) -> Router {
    let (routes, mut doc) = api().split_for_parts();
    openapi::complete(&mut doc);
    let doc = Arc::new(doc.to_pretty_json().unwrap_or_default());
    let request_id = HeaderName::from_static("x-request-id");
    routes
        .route(
            "/api/openapi.json",
            axum::routing::get(move || {
                let doc = Arc::clone(&doc);
                async move { ([(header::CONTENT_TYPE, "application/json")], (*doc).clone()) }
            }),
        )
        .merge(console::routes())
        .fallback(|| async { AppError::not_found("route_not_found", "no such route; see /api/openapi.json") })
        .layer(middleware::from_fn_with_state(Arc::clone(&state), authenticate))
        .layer(axum::extract::DefaultBodyLimit::max(state.config.body_limit_bytes))
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(|_| {
            AppError::internal(anyhow::anyhow!("a handler panicked")).into_response()
        }))
        .layer(middleware::from_fn(log_request))
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(SetRequestIdLayer::new(request_id, MakeRequestUuid))
        .with_state(state)
}

/// One structured log line per request, with its request id (never the token, a number or a narrative: the
/// route template is logged, not the path).
async fn log_request(req: Request, next: Next) -> Response {
    let started = std::time::Instant::now();
    let method = req.method().clone();
    let route = req
        .extensions()
        .get::<axum::extract::MatchedPath>()
        .map_or_else(|| "(unmatched)".to_string(), |m| m.as_str().to_string());
    let id = req.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
    let response = next.run(req).await;
    tracing::info!(
        request_id = %id,
        %method,
        route = %route,
        status = response.status().as_u16(),
        micros = started.elapsed().as_micros() as u64,
        "request"
    );
    response
}

/// Routes that need no token.
fn is_public(path: &str) -> bool {
    matches!(path, "/healthz" | "/readyz" | "/api/openapi.json") || !path.starts_with("/api/v1/")
}

/// Resolves the bearer token to a [`crate::service::auth::Principal`] (put in the request's extensions) and
/// applies the per-token rate limit, with `RateLimit-*` headers on the response.
async fn authenticate(State(state): State<Shared>, mut req: Request, next: Next) -> Response {
    if is_public(req.uri().path()) {
        return next.run(req).await;
    }
    let token = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
        .map(|t| t.trim().to_string());
    let Some(token) = token.filter(|t| !t.is_empty()) else {
        return AppError::new(Kind::Unauthorized, "token_required", "send Authorization: Bearer <token>")
            .into_response();
    };
    let principal = match state.svc.authenticate_cached(&token) {
        Some(p) => p,
        None => match blocking(&state, move |svc| svc.authenticate(&token)).await {
            Ok(p) => p,
            Err(e) => return e.into_response(),
        },
    };
    let quota = state.rate.take(&principal.name);
    if !quota.allowed {
        let mut response =
            AppError::new(Kind::RateLimited, "rate_limited", "too many requests for this token; slow down")
                .into_response();
        quota.write_headers(response.headers_mut());
        return response;
    }
    req.extensions_mut().insert(principal);
    let mut response = next.run(req).await;
    quota.write_headers(response.headers_mut());
    response
}

/// Runs `f` on the blocking pool, bounded by the configured query timeout.
pub(crate) async fn blocking<T: Send + 'static>(
    state: &Shared,
    f: impl FnOnce(&Service) -> AppResult<T> + Send + 'static,
) -> AppResult<T> {
    let svc = Arc::clone(&state.svc);
    let task = tokio::task::spawn_blocking(move || f(&svc));
    match tokio::time::timeout(Duration::from_millis(state.config.query_timeout_ms), task).await {
        Ok(Ok(result)) => result,
        Ok(Err(join)) => Err(AppError::internal(anyhow::anyhow!("a query task failed: {join}"))),
        Err(_) => Err(AppError::new(
            Kind::Unavailable,
            "query_timeout",
            format!("the query took longer than {} ms", state.config.query_timeout_ms),
        )),
    }
}

impl PersonalRead {
    /// Appends the audit record of a response that carries personal data about `subjects`; the response is
    /// sent only once the record is durable.
    pub(crate) async fn audit(&self, state: &Shared, subjects: Vec<String>) -> AppResult<()> {
        let (caller, meta) = (&self.caller.0, &self.meta);
        let entry = AuditEntry {
            request_id: meta.request_id.clone(),
            user_name: caller.name.clone(),
            role: caller.role.code().to_string(),
            method: meta.method.clone(),
            route: meta.route.clone(),
            status: 200,
            purpose: self.purpose.0.clone(),
            subjects,
        };
        state.audit.record(entry).await?;
        Ok(())
    }

    /// [`PersonalRead::audit`], then `view` as JSON.
    pub(crate) async fn json<T: serde::Serialize>(
        &self,
        state: &Shared,
        subjects: Vec<String>,
        view: T,
    ) -> AppResult<Response> {
        self.audit(state, subjects).await?;
        Ok(axum::Json(view).into_response())
    }
}

/// How long clients may keep an immutable snapshot's representation.
const SNAPSHOT_MAX_AGE: &str = "private, max-age=300";

/// `304 Not Modified` when the request's `If-None-Match` names `etag`.
pub(crate) fn not_modified(headers: &axum::http::HeaderMap, etag: &str) -> Option<Response> {
    let matches = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
    matches.then(|| {
        let mut r = StatusCode::NOT_MODIFIED.into_response();
        set_cache_headers(&mut r, etag);
        r
    })
}

/// `ETag` and `Cache-Control` of a snapshot representation.
pub(crate) fn set_cache_headers(response: &mut Response, etag: &str) {
    let h = response.headers_mut();
    if let Ok(v) = HeaderValue::from_str(etag) {
        h.insert(header::ETAG, v);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(SNAPSHOT_MAX_AGE));
}

/// Serves `router(state)` on `listener` until `shutdown` resolves; in-flight requests finish first.
pub async fn serve(
    state: Shared,
    listener: tokio::net::TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    risk::load_served_scores(&state);
    axum::serve(listener, router(state)).with_graceful_shutdown(shutdown).await
}
