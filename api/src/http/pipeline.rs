//! The pipeline over HTTP: start a run (admins), list runs with their steps, durations, counts and status.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Json, extract::State};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::{AppError, AppResult, Kind};
use crate::service::auth::Permission;
use crate::service::page::Limit;
use crate::service::pipeline::PipelineInput;
use crate::service::progress::Silent;
use crate::store::Trigger;

use super::extract::{ApiQuery, Caller};
use super::{Problem, Shared, blocking};

pub(super) fn routes() -> OpenApiRouter<Shared> {
    OpenApiRouter::new().routes(routes!(runs, start))
}

/// Paging of the runs list.
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct RunsParams {
    /// Runs per page (default 20, at most 200).
    #[param(minimum = 1, maximum = 200)]
    limit: Option<usize>,
    /// `next_cursor` of the previous page.
    cursor: Option<String>,
}

/// Pipeline runs, newest first, each with its steps (status, start, end, counts, error).
#[utoipa::path(get, path = "/api/v1/pipeline/runs", tag = "pipeline", security(("bearer" = [])), params(RunsParams),
    responses((status = 200, description = "items (run_id, started_at, finished_at, status, triggered_by, input, \
        steps), next_cursor, total", body = serde_json::Value)))]
async fn runs(State(st): State<Shared>, caller: Caller, ApiQuery(p): ApiQuery<RunsParams>) -> AppResult<Response> {
    caller.require(Permission::PipelineRead)?;
    let limit = Limit::new(p.limit.unwrap_or(20), 200)?;
    let view = blocking(&st, move |svc| svc.pipeline_runs(limit, p.cursor.as_deref())).await?;
    Ok(Json(view).into_response())
}

/// What to run.
#[derive(Debug, Default, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StartRun {
    /// An interchange folder on the server (default: the configured `input`).
    input: Option<String>,
}

/// Accepted: the run goes on in the background; follow it in the runs list.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct Started {
    pub status: String,
    pub input: String,
    pub runs: String,
}

/// Start a pipeline run (admins). 202 at once; 409 while another run is in progress.
#[utoipa::path(post, path = "/api/v1/pipeline/runs", tag = "pipeline", security(("bearer" = [])),
    request_body(content = StartRun, content_type = "application/json"),
    responses((status = 202, body = Started), (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn start(State(st): State<Shared>, caller: Caller, body: axum::body::Bytes) -> AppResult<Response> {
    caller.require(Permission::Admin)?;
    let req: StartRun = if body.is_empty() {
        StartRun::default()
    } else {
        serde_json::from_slice(&body).map_err(|e| AppError::invalid("invalid_body", "body", e.to_string()))?
    };
    let Some(dir) = req.input.map(std::path::PathBuf::from).or_else(|| st.config.input.clone()) else {
        return Err(AppError::invalid(
            "missing_input",
            "input",
            "give input (a folder on the server) or configure one",
        ));
    };
    if !dir.is_dir() {
        return Err(AppError::invalid("invalid_input", "input", format!("{} is not a folder", dir.display())));
    }
    let running = blocking(&st, |svc| svc.pipeline_running()).await?;
    if running {
        return Err(AppError::new(Kind::Conflict, "pipeline_running", "another pipeline run is in progress"));
    }
    let svc = std::sync::Arc::clone(&st.svc);
    let input = PipelineInput::Folder(dir.clone());
    tokio::task::spawn_blocking(move || match svc.run_pipeline(&input, Trigger::Http, &Silent) {
        Ok(view) => tracing::info!(run_id = view.run.run_id, failed = view.failure.is_some(), "pipeline run ended"),
        Err(e) => tracing::error!(error = e.message(), "pipeline run did not start"),
    });
    let body =
        Started { status: "started".into(), input: dir.display().to_string(), runs: "/api/v1/pipeline/runs".into() };
    Ok((StatusCode::ACCEPTED, Json(body)).into_response())
}
