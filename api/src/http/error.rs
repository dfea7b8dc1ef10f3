//! Errors as RFC 9457 problem details (`application/problem+json`) with our stable `code`; internal causes go to
//! the log, never to the client.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::error::{AppError, FieldError, Kind};

/// The body of every error response.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct Problem {
    /// A URI naming the problem type (`urn:fanzha:problem:<code>`).
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// Stable snake_case code, the same as the CLI's (`snapshot_not_found`, `invalid_week`, `forbidden_role`…).
    pub code: String,
    pub message: String,
    /// For bad input: which field and why.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<ProblemField>,
}

/// One invalid field.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct ProblemField {
    pub field: String,
    pub reason: String,
}

fn title(kind: Kind) -> &'static str {
    match kind {
        Kind::Invalid => "Bad request",
        Kind::Unauthorized => "Unauthorized",
        Kind::Forbidden => "Forbidden",
        Kind::NotFound => "Not found",
        Kind::Conflict => "Conflict",
        Kind::RateLimited => "Too many requests",
        Kind::Unavailable => "Service unavailable",
        Kind::Internal => "Internal server error",
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let kind = self.kind();
        let status = StatusCode::from_u16(kind.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let message = if kind == Kind::Internal {
            tracing::error!(code = self.code(), error = ?self.source_error().map(|e| format!("{e:#}")), "internal error");
            "internal error; quote the X-Request-Id header when reporting it".to_string()
        } else {
            self.message().to_string()
        };
        let body = Problem {
            kind: format!("urn:fanzha:problem:{}", self.code()),
            title: title(kind).to_string(),
            status: status.as_u16(),
            detail: message.clone(),
            code: self.code().to_string(),
            message,
            errors: self
                .field_errors()
                .iter()
                .map(|FieldError { field, reason }| ProblemField { field: field.clone(), reason: reason.clone() })
                .collect(),
        };
        let mut response = (status, axum::Json(body)).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/problem+json"));
        match kind {
            Kind::Unauthorized => {
                headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            }
            Kind::RateLimited => {
                headers.insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
            }
            _ => {}
        }
        response
    }
}
