//! The one error type of the service layer: a [`Kind`] that the CLI maps to an exit code and HTTP to a status, a
//! stable snake_case `code` (the same on both edges), a message for people, and field errors for bad input.
//! Internal causes are kept for the log and never shown to an HTTP client.

use std::fmt;

use crate::store::{StoreError, StoreErrorKind};

/// Broad class of an error; decides the exit code and the HTTP status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// Malformed or out-of-range input (400 / 422, exit 2).
    Invalid,
    /// No token, or a bad one (401, exit 2).
    Unauthorized,
    /// The role or scope forbids it (403, exit 2).
    Forbidden,
    /// The thing asked for does not exist (404, exit 4).
    NotFound,
    /// Clashes with what is stored (409, exit 5).
    Conflict,
    /// Too many requests (429).
    RateLimited,
    /// Not ready yet: no store, no snapshot served (503, exit 1).
    Unavailable,
    /// Anything else: a bug or a failing disk (500, exit 1).
    Internal,
}

impl Kind {
    /// The process exit code of a CLI command that failed with this kind (see `cli` for the table).
    pub fn exit_code(self) -> u8 {
        match self {
            Kind::Invalid | Kind::Unauthorized | Kind::Forbidden => 2,
            Kind::NotFound => 4,
            Kind::Conflict => 5,
            Kind::RateLimited | Kind::Unavailable | Kind::Internal => 1,
        }
    }

    /// The HTTP status code.
    pub fn http_status(self) -> u16 {
        match self {
            Kind::Invalid => 400,
            Kind::Unauthorized => 401,
            Kind::Forbidden => 403,
            Kind::NotFound => 404,
            Kind::Conflict => 409,
            Kind::RateLimited => 429,
            Kind::Unavailable => 503,
            Kind::Internal => 500,
        }
    }
}

/// One invalid input field and why.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FieldError {
    pub field: String,
    pub reason: String,
}

/// An error of the service layer.
#[derive(Debug)]
pub struct AppError {
    kind: Kind,
    code: &'static str,
    message: String,
    errors: Vec<FieldError>,
    /// The internal cause, for the log (never sent over HTTP).
    source: Option<anyhow::Error>,
}

/// The service layer's result type.
pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    /// An error of `kind` with a stable `code` (`snapshot_not_found`, `invalid_week`…) and a message.
    pub fn new(kind: Kind, code: &'static str, message: impl Into<String>) -> AppError {
        AppError { kind, code, message: message.into(), errors: Vec::new(), source: None }
    }

    /// Bad input in one field: `code` names the problem, `field` the parameter, `reason` what is wrong.
    pub fn invalid(code: &'static str, field: impl Into<String>, reason: impl Into<String>) -> AppError {
        let (field, reason) = (field.into(), reason.into());
        AppError {
            kind: Kind::Invalid,
            code,
            message: format!("{field}: {reason}"),
            errors: vec![FieldError { field, reason }],
            source: None,
        }
    }

    /// A thing that does not exist.
    pub fn not_found(code: &'static str, message: impl Into<String>) -> AppError {
        AppError::new(Kind::NotFound, code, message)
    }

    /// An internal failure; the message shown is generic, the cause goes to the log.
    pub fn internal(cause: impl Into<anyhow::Error>) -> AppError {
        let cause = cause.into();
        AppError {
            kind: Kind::Internal,
            code: "internal",
            message: format!("{cause:#}"),
            errors: Vec::new(),
            source: Some(cause),
        }
    }

    /// Keeps `cause` for the log.
    pub fn with_source(mut self, cause: impl Into<anyhow::Error>) -> AppError {
        self.source = Some(cause.into());
        self
    }

    pub fn kind(&self) -> Kind {
        self.kind
    }

    pub fn code(&self) -> &'static str {
        self.code
    }

    /// The message for people (for an internal error this may name files; HTTP replaces it).
    pub fn message(&self) -> &str {
        &self.message
    }

    pub fn field_errors(&self) -> &[FieldError] {
        &self.errors
    }

    pub fn source_error(&self) -> Option<&anyhow::Error> {
        self.source.as_ref()
    }
}

impl fmt::Display for AppError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for AppError {}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> AppError {
        let message = e.to_string();
        match (e.kind(), &e) {
            (_, StoreError::Missing { .. }) => AppError::new(Kind::Unavailable, "store_missing", message),
            // A deployment fault (an older binary on a newer store), not the caller's.
            (_, StoreError::NewerSchema { .. }) => AppError::new(Kind::Unavailable, "store_newer", message),
            (_, StoreError::NotFound { what, .. }) => AppError::not_found(not_found_code(what), message),
            (StoreErrorKind::Conflict, _) => AppError::new(Kind::Conflict, "conflict", message).with_source(e),
            (StoreErrorKind::Invalid, _) => AppError::new(Kind::Invalid, "invalid", message),
            _ => AppError::internal(e),
        }
    }
}

/// The error code of a store `NotFound { what }`.
fn not_found_code(what: &str) -> &'static str {
    match what {
        "risk snapshot" => "snapshot_not_found",
        "resident" => "resident_not_found",
        "community" => "community_not_found",
        "clustering run" => "clustering_run_not_found",
        "cluster" => "cluster_not_found",
        "report" => "report_not_found",
        "account" => "account_not_found",
        "user" => "user_not_found",
        "pipeline run" => "run_not_found",
        "outreach plan" => "plan_not_found",
        "task" => "task_not_found",
        "warning" => "warning_not_found",
        _ => "not_found",
    }
}

impl From<analytics::RiskError> for AppError {
    fn from(e: analytics::RiskError) -> AppError {
        use analytics::RiskError as R;
        let message = e.to_string();
        match &e {
            R::WeekFormat { text, reason } => {
                AppError::invalid("invalid_week", "week", format!("{text:?} is not an ISO week: {reason}"))
            }
            R::InvalidParameter { name, .. } => AppError::invalid("invalid_parameter", *name, message),
            R::UnknownResident { .. } => AppError::not_found("resident_not_found", message),
            R::NoData { .. } | R::WeekWithoutData { .. } | R::WindowTooShort { .. } | R::OneClass { .. } => {
                AppError::new(Kind::Conflict, "not_enough_data", message)
            }
            _ => AppError::internal(e),
        }
    }
}

impl From<analytics::Error> for AppError {
    fn from(e: analytics::Error) -> AppError {
        match e.kind() {
            analytics::ErrorKind::InvalidInput => AppError::new(Kind::Invalid, "invalid_input", e.to_string()),
            analytics::ErrorKind::Internal => AppError::internal(e),
        }
    }
}

impl From<search::SearchError> for AppError {
    fn from(e: search::SearchError) -> AppError {
        let message = e.to_string();
        match e.kind() {
            search::ErrorKind::InvalidInput => AppError::new(Kind::Invalid, "invalid_query", message),
            search::ErrorKind::NotFound => AppError::not_found("not_found", message),
            search::ErrorKind::Internal => AppError::internal(e),
        }
    }
}

impl From<std::io::Error> for AppError {
    fn from(e: std::io::Error) -> AppError {
        AppError::internal(e)
    }
}

impl From<anyhow::Error> for AppError {
    fn from(e: anyhow::Error) -> AppError {
        // An AppError that travelled through anyhow keeps its kind.
        match e.downcast::<AppError>() {
            Ok(app) => app,
            Err(e) => match e.downcast::<StoreError>() {
                Ok(store) => store.into(),
                Err(e) => AppError::internal(e),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_map_to_statuses_and_exit_codes() {
        assert_eq!((Kind::Invalid.http_status(), Kind::Invalid.exit_code()), (400, 2));
        assert_eq!((Kind::NotFound.http_status(), Kind::NotFound.exit_code()), (404, 4));
        assert_eq!((Kind::Conflict.http_status(), Kind::Conflict.exit_code()), (409, 5));
        assert_eq!((Kind::Internal.http_status(), Kind::Internal.exit_code()), (500, 1));
    }

    #[test]
    fn a_bad_week_is_invalid_input_naming_the_field() {
        let e: AppError = analytics::IsoWeek::parse("2026-W99").unwrap_err().into();
        assert_eq!((e.kind(), e.code()), (Kind::Invalid, "invalid_week"));
        assert_eq!(e.field_errors()[0].field, "week");
    }

    #[test]
    fn an_app_error_keeps_its_kind_through_anyhow() {
        let e: anyhow::Error = AppError::not_found("snapshot_not_found", "no snapshot").into();
        let back = AppError::from(e);
        assert_eq!((back.kind(), back.code()), (Kind::NotFound, "snapshot_not_found"));
    }
}
