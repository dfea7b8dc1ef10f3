//! Extractors whose rejections are problem details: query strings, path parameters, the caller, the purpose.

use axum::extract::{FromRequestParts, MatchedPath, Path, Query};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use crate::error::{AppError, Kind};
use crate::service::auth::{Permission, Principal};

/// `Query<T>` whose rejection is a 400 naming the bad parameter.
pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        match Query::<T>::from_request_parts(parts, state).await {
            Ok(Query(v)) => Ok(ApiQuery(v)),
            Err(e) => Err(AppError::invalid("invalid_parameter", "query", e.body_text())),
        }
    }
}

/// `Path<T>` whose rejection is a 400.
pub struct ApiPath<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for ApiPath<T> {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        match Path::<T>::from_request_parts(parts, state).await {
            Ok(Path(v)) => Ok(ApiPath(v)),
            Err(e) => Err(AppError::invalid("invalid_path", "path", e.body_text())),
        }
    }
}

/// The authenticated caller (put in the request by the auth middleware).
#[derive(Debug, Clone)]
pub struct Caller(pub Principal);

impl Caller {
    /// 403 unless the caller's role may use `need`.
    pub fn require(&self, need: Permission) -> Result<&Principal, AppError> {
        self.0.require(need)?;
        Ok(&self.0)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Caller {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, AppError> {
        parts
            .extensions
            .get::<Principal>()
            .cloned()
            .map(Caller)
            .ok_or_else(|| AppError::new(Kind::Unauthorized, "token_required", "send Authorization: Bearer <token>"))
    }
}

/// Why personal data is read (PIPL purpose limitation): the `X-Purpose` header, required where a route returns
/// personal data.
#[derive(Debug, Clone)]
pub struct Purpose(pub String);

/// Longest purpose kept.
const PURPOSE_MAX_CHARS: usize = 200;

impl<S: Send + Sync> FromRequestParts<S> for Purpose {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, AppError> {
        let missing = || {
            AppError::invalid(
                "purpose_required",
                "X-Purpose",
                "this route returns personal data: say why in the X-Purpose header (e.g. 预警劝阻 case 2026-118)",
            )
        };
        let value = parts.headers.get("x-purpose").ok_or_else(missing)?;
        let text = value
            .to_str()
            .map(str::to_string)
            .or_else(|_| String::from_utf8(value.as_bytes().to_vec()))
            .map_err(|_| AppError::invalid("invalid_purpose", "X-Purpose", "not UTF-8 text"))?;
        let text = text.trim();
        if text.is_empty() {
            return Err(missing());
        }
        if text.chars().count() > PURPOSE_MAX_CHARS || text.chars().any(char::is_control) {
            return Err(AppError::invalid(
                "invalid_purpose",
                "X-Purpose",
                format!("at most {PURPOSE_MAX_CHARS} characters, no control characters"),
            ));
        }
        Ok(Purpose(text.to_string()))
    }
}

/// What the audit log needs of a request.
#[derive(Debug, Clone)]
pub struct RequestMeta {
    pub method: String,
    /// The route template (`/api/v1/risk/weeks/{week}/residents/{resident_id}`), never the raw path.
    pub route: String,
    pub request_id: String,
}

impl<S: Send + Sync> FromRequestParts<S> for RequestMeta {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, AppError> {
        let route = parts.extensions.get::<MatchedPath>().map_or("", |m| m.as_str()).to_string();
        let request_id =
            parts.headers.get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
        Ok(RequestMeta { method: parts.method.to_string(), route, request_id })
    }
}

/// A request for personal data: who asks ([`Caller`]), why ([`Purpose`]), and what the audit log needs of it.
pub struct PersonalRead {
    pub caller: Caller,
    pub meta: RequestMeta,
    pub purpose: Purpose,
}

impl<S: Send + Sync> FromRequestParts<S> for PersonalRead {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        let caller = Caller::from_request_parts(parts, state).await?;
        let meta = RequestMeta::from_request_parts(parts, state).await?;
        let purpose = Purpose::from_request_parts(parts, state).await?;
        Ok(PersonalRead { caller, meta, purpose })
    }
}
