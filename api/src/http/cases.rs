//! Case search: ranked hits with filters, facets, cursor pages and highlights; one report; similar reports.
//! Investigators read narratives; prevention staff see hits and reports without narratives and with numbers
//! masked. Every response names cases, so each needs `X-Purpose` and is audited.

use axum::extract::State;
use axum::response::Response;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::{AppError, AppResult};
use crate::service::auth::{Permission, Principal};
use crate::service::page::Limit;
use crate::service::search::{IndexName, SearchRequest};

use super::extract::{ApiPath, ApiQuery, Caller, PersonalRead};
use super::{Problem, Shared, blocking};

pub(super) fn routes() -> OpenApiRouter<Shared> {
    OpenApiRouter::new().routes(routes!(search_cases)).routes(routes!(report)).routes(routes!(similar))
}

/// May the caller read cases, and unmasked?
fn case_access(caller: &Caller) -> AppResult<(&Principal, bool)> {
    let p = &caller.0;
    if p.role.may(Permission::Cases) {
        return Ok((p, false));
    }
    p.require(Permission::CasesMasked)?;
    Ok((p, true))
}

/// The query string of a search.
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct SearchParams {
    /// Words, "phrases", AND/OR/NOT, (), prefix*, field:value; phones, cards, URLs in any written form. `*`: all.
    q: String,
    /// Only this fraud type (code, see /api/v1/codes).
    #[serde(rename = "type")]
    #[param(rename = "type")]
    fraud_type: Option<String>,
    /// Only this district code.
    district: Option<String>,
    /// Only this case status (received, filed, solved, closed).
    #[param(schema_with = super::openapi::case_status)]
    status: Option<String>,
    /// Reported on or after (YYYY-MM-DD or YYYY-MM, Beijing time).
    from: Option<String>,
    /// Reported on or before.
    to: Option<String>,
    /// relevance (default), date or loss.
    #[param(schema_with = super::openapi::search_sort)]
    sort: Option<String>,
    /// Hits per page (default 10, at most 1000).
    #[param(minimum = 1, maximum = 1000)]
    limit: Option<usize>,
    /// `next_cursor` of the previous page.
    cursor: Option<String>,
    /// Count facets over all hits (default true).
    facets: Option<bool>,
}

/// The district filter and the scope a token searches with: the district asked for (one of the token's), else the
/// token's one district, else all of its districts at once.
fn scoped_district(p: &Principal, asked: Option<String>) -> AppResult<(Option<String>, Vec<String>)> {
    match (asked, p.districts.as_slice()) {
        (asked, []) => Ok((asked, Vec::new())),
        (Some(d), _) => p.require_district(&d).map(|()| (Some(d), Vec::new())),
        (None, [only]) => Ok((Some(only.clone()), Vec::new())),
        (None, many) => Ok((None, many.to_vec())),
    }
}

/// Search cases. Personal data: needs `X-Purpose`; audited.
#[utoipa::path(get, path = "/api/v1/search", tag = "cases", security(("bearer" = [])),
    params(SearchParams, ("X-Purpose" = String, Header, description = "why the data is read (PIPL)")),
    responses((status = 200, description = "total, hits (id, score, snippet with highlight byte ranges, \
        fraud_type, district, community, status, reported_at, loss_fen, identifiers, matched_terms), facets, \
        next_cursor; query_terms (words side by side, ranked), matched_all, partial ({matched, of, count} per \
        tier), dropped_terms, unmatched_terms ({term, suggestions, identifier: true when the term is an identifier \
        and its suggestions are identifiers that cases list})",
        body = serde_json::Value)))]
async fn search_cases(
    State(st): State<Shared>,
    read: PersonalRead,
    ApiQuery(p): ApiQuery<SearchParams>,
) -> AppResult<Response> {
    let (principal, masked) = case_access(&read.caller)?;
    let sort = match p.sort.as_deref() {
        None | Some("relevance") => search::SortBy::Relevance,
        Some("date") => search::SortBy::Date,
        Some("loss") => search::SortBy::Loss,
        Some(other) => {
            return Err(AppError::invalid("invalid_sort", "sort", format!("{other:?}: relevance, date or loss")));
        }
    };
    let (district, scope) = scoped_district(principal, p.district)?;
    let req = SearchRequest {
        q: p.q,
        fraud_type: p.fraud_type,
        district,
        scope,
        status: p.status,
        from: p.from,
        to: p.to,
        sort,
        limit: p.limit.unwrap_or(10),
        cursor: p.cursor,
        facets: p.facets.unwrap_or(true),
        index: None,
    };
    let q = req.check()?;
    let view = blocking(&st, move |svc| svc.search(&q)).await?;
    let view = if masked { view.redacted() } else { view };
    let mut subjects: Vec<String> = view.results.hits.iter().map(|h| format!("report:{}", h.id)).collect();
    // Identifiers suggested for a mistyped one are numbers that cases list: audited like the hits.
    let suggested = view.results.matching.unmatched_terms.iter().filter(|u| u.identifier);
    subjects.extend(suggested.flat_map(|u| &u.suggestions).map(|s| format!("identifier:{s}")));
    read.json(&st, subjects, view).await
}

/// One report as an investigator reads it (prevention: no narrative, numbers masked). Audited.
#[utoipa::path(get, path = "/api/v1/reports/{report_id}", tag = "cases", security(("bearer" = [])),
    params(("report_id" = String, Path, description = "report id"),
        ("X-Purpose" = String, Header, description = "why the data is read (PIPL)")),
    responses((status = 200, description = "the report", body = serde_json::Value),
        (status = 404, body = Problem)))]
async fn report(
    State(st): State<Shared>,
    read: PersonalRead,
    ApiPath(report_id): ApiPath<String>,
) -> AppResult<Response> {
    let (principal, masked) = case_access(&read.caller)?;
    let id = report_id.clone();
    let view = blocking(&st, move |svc| svc.report(&id)).await?;
    principal.require_district(&view.district)?;
    let mut subjects = vec![format!("report:{report_id}")];
    subjects.extend(view.victim_id.iter().map(|v| format!("resident:{v}")));
    let view = if masked { view.redacted() } else { view };
    read.json(&st, subjects, view).await
}

/// Paging of similar reports.
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct SimilarParams {
    /// How many (default 10, at most 100).
    #[param(minimum = 1, maximum = 100)]
    limit: Option<usize>,
}

/// The reports most similar to one (串并案 candidates): shared identifiers and distinctive terms. Audited.
#[utoipa::path(get, path = "/api/v1/reports/{report_id}/similar", tag = "cases", security(("bearer" = [])),
    params(("report_id" = String, Path, description = "report id"), SimilarParams,
        ("X-Purpose" = String, Header, description = "why the data is read (PIPL)")),
    responses((status = 200, description = "report_id, items (id, score, fraud_type, district, \
        shared_identifiers, shared_terms)", body = serde_json::Value),
        (status = 404, body = Problem)))]
async fn similar(
    State(st): State<Shared>,
    read: PersonalRead,
    ApiPath(report_id): ApiPath<String>,
    ApiQuery(p): ApiQuery<SimilarParams>,
) -> AppResult<Response> {
    let (_, masked) = case_access(&read.caller)?;
    let limit = Limit::new(p.limit.unwrap_or(10), 100)?;
    let id = report_id.clone();
    let mut view = blocking(&st, move |svc| svc.similar(&IndexName::cases(), &id, limit)).await?;
    if masked {
        for item in &mut view.items {
            for key in &mut item.shared_identifiers {
                *key = datasets::ident::mask_key(key);
            }
            item.shared_terms.clear();
        }
    }
    let mut subjects = vec![format!("report:{report_id}")];
    subjects.extend(view.items.iter().map(|i| format!("report:{}", i.id)));
    read.json(&st, subjects, view).await
}
