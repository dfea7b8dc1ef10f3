//! What every operation of the generated OpenAPI document shares, added once after the routes are merged
//! (each handler's `#[utoipa::path]` lists only its own answers): problem details travel as
//! `application/problem+json`; every `/api/v1` operation may answer 401 (no or bad token, `WWW-Authenticate`),
//! 403 (role or scope), 429 (rate limited, `Retry-After`) and 503 (a query past its timeout); one with parameters
//! may answer 400, one with a body 413; every response carries `X-Request-Id`, and every answer to an
//! authenticated request the `RateLimit-*` headers.

use utoipa::openapi::header::Header;
use utoipa::openapi::path::Operation;
use utoipa::openapi::response::Response;
use utoipa::openapi::{Content, Object, OpenApi, Ref, RefOr, Type};

/// The media type of problem details (RFC 9457).
const PROBLEM_JSON: &str = "application/problem+json";

/// Completes `doc` (see the module documentation).
pub(super) fn complete(doc: &mut OpenApi) {
    for (path, item) in doc.paths.paths.iter_mut() {
        let authenticated = path.starts_with("/api/v1/");
        let ops = [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.options,
            &mut item.head,
            &mut item.patch,
            &mut item.trace,
        ];
        for op in ops.into_iter().flatten() {
            complete_operation(op, authenticated);
        }
    }
}

fn complete_operation(op: &mut Operation, authenticated: bool) {
    let has_params = op.parameters.as_ref().is_some_and(|p| !p.is_empty());
    let mut shared: Vec<(&str, &str)> = Vec::new();
    if authenticated {
        shared.extend([
            ("401", "no token, or a token that is unknown or revoked"),
            ("403", "the token's role or scope does not allow this"),
            ("429", "too many requests for this token; retry after `Retry-After` seconds"),
            ("503", "not ready, or the query took longer than the configured timeout"),
        ]);
    }
    if has_params || op.request_body.is_some() {
        shared.push(("400", "malformed or invalid input; `errors` names the fields"));
    }
    if op.request_body.is_some() {
        shared.push(("413", "the request body is larger than the configured limit"));
    }
    for (status, description) in shared {
        op.responses.responses.entry(status.to_string()).or_insert_with(|| RefOr::T(problem(description)));
    }
    for (status, response) in op.responses.responses.iter_mut() {
        let RefOr::T(response) = response else { continue };
        problem_media_type(response);
        add_headers(response, status, authenticated);
    }
}

/// A problem-details response.
fn problem(description: &str) -> Response {
    let mut r = Response::new(description);
    r.content.insert(PROBLEM_JSON.into(), RefOr::T(Content::new(Some(Ref::from_schema_name("Problem")))));
    r
}

/// A response whose body is a `Problem` is `application/problem+json`, not `application/json`.
fn problem_media_type(response: &mut Response) {
    let is_problem = |c: &RefOr<Content>| match c {
        RefOr::T(Content { schema: Some(RefOr::Ref(r)), .. }) => r.ref_location.ends_with("/Problem"),
        _ => false,
    };
    if let Some(content) = response.content.get("application/json").filter(|c| is_problem(c)).cloned() {
        response.content.shift_remove("application/json");
        response.content.insert(PROBLEM_JSON.into(), content);
    }
}

fn add_headers(response: &mut Response, status: &str, authenticated: bool) {
    let string = || Object::with_type(Type::String);
    let integer = || Object::builder().schema_type(Type::Integer).minimum(Some(0)).build();
    // utoipa's `Header` has no `required` field, though the OpenAPI Header Object has one: it goes in through the
    // flattened extensions, so clients and checkers know these headers are always sent.
    let header = |schema: Object, description: &str| {
        let mut h = Header::new(schema);
        h.description = Some(description.into());
        h.extensions = Some([("required", serde_json::Value::Bool(true))].into_iter().collect());
        RefOr::T(h)
    };
    let headers = &mut response.headers;
    headers.entry("X-Request-Id".into()).or_insert_with(|| {
        header(string(), "the request's id (echoed when the client sent one); quote it when reporting a problem")
    });
    if !authenticated {
        return;
    }
    if status == "401" {
        headers.entry("WWW-Authenticate".into()).or_insert_with(|| header(string(), "`Bearer`"));
        return;
    }
    headers.entry("RateLimit-Limit".into()).or_insert_with(|| header(integer(), "requests per minute for this token"));
    headers.entry("RateLimit-Remaining".into()).or_insert_with(|| header(integer(), "requests left in the bucket"));
    headers.entry("RateLimit-Reset".into()).or_insert_with(|| header(integer(), "seconds until the bucket is full"));
    if status == "429" {
        headers.entry("Retry-After".into()).or_insert_with(|| header(integer(), "seconds to wait"));
    }
}

/// A string parameter that takes one of `values`.
fn one_of<'a>(values: impl IntoIterator<Item = &'a str>) -> Object {
    Object::builder().schema_type(Type::String).enum_values(Some(values)).build()
}

/// `sort` of a search.
pub(super) fn search_sort() -> Object {
    one_of(["relevance", "date", "loss"])
}

/// `status` of a search: a case status code.
pub(super) fn case_status() -> Object {
    one_of(datasets::CaseStatus::ALL.iter().map(|s| s.code()))
}

/// `format` of a cluster export.
pub(super) fn export_format() -> Object {
    one_of(["graphml", "gexf", "csv", "json"])
}

/// `method` of a money trace.
pub(super) fn trace_method() -> Object {
    one_of(["fifo", "lifo", "prorata", "matched"])
}

/// `kind` of a typology.
pub(super) fn typology_kind() -> Object {
    one_of(analytics::TypologyKind::ALL.iter().map(|k| k.code()))
}

#[cfg(test)]
mod tests {
    #[test]
    fn problems_are_problem_json_and_api_operations_document_the_shared_answers() {
        let doc = serde_json::to_value(super::super::openapi()).unwrap();
        for (path, item) in doc["paths"].as_object().unwrap() {
            for (method, op) in item.as_object().unwrap() {
                let responses = op["responses"].as_object().unwrap();
                for (status, response) in responses {
                    let json = &response["content"]["application/json"]["schema"]["$ref"];
                    assert!(!json.as_str().is_some_and(|r| r.ends_with("/Problem")), "{method} {path} {status}");
                    assert_eq!(response["headers"]["X-Request-Id"]["required"], true, "{method} {path} {status}");
                }
                if path.starts_with("/api/v1/") {
                    for status in ["401", "403", "429", "503"] {
                        let r = &responses[status];
                        assert!(r["content"]["application/problem+json"].is_object(), "{method} {path} {status}");
                    }
                    assert_eq!(responses["429"]["headers"]["Retry-After"]["required"], true);
                    let ok = responses.iter().find(|(s, _)| s.starts_with('2')).unwrap().1;
                    assert_eq!(ok["headers"]["RateLimit-Remaining"]["required"], true, "{method} {path}");
                }
            }
        }
    }
}
