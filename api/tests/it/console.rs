//! The web console as the router serves it: embedded files under `/console/` without a token, `/` redirecting
//! there, a strict content security policy, and every API route the console's scripts call documented in the
//! OpenAPI document (so a renamed route breaks this test, not the console in the field). Also the two routes the
//! console added: the caller's own role (`/api/v1/me`) and a report's cluster.

use std::path::Path;

use api::http::ServeConfig;
use api::service::auth::Role;
use axum::http::{Method, StatusCode};

use crate::api_http::{app, app_with, call, fixture, get_as, ids, token};

#[tokio::test]
async fn the_console_is_served_from_the_binary_without_a_token() {
    let app = app();
    let root = call(&app, Method::GET, "/", &[]).await;
    assert_eq!(root.status, StatusCode::SEE_OTHER);
    assert_eq!(root.headers["location"], "/console/");
    let index = call(&app, Method::GET, "/console/", &[]).await;
    assert_eq!(index.status, StatusCode::OK);
    assert_eq!(index.headers["content-type"], "text/html; charset=utf-8");
    let csp = index.headers["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("default-src 'self'") && csp.contains("script-src 'self'"), "{csp}");
    let html = String::from_utf8(index.body).unwrap();
    assert!(html.contains("vendor/cytoscape.min.js") && html.contains("vendor/echarts.min.js"));
    for (path, starts) in [("/console/vendor/cytoscape.min.js", "/**"), ("/console/app.js", "//")] {
        let r = call(&app, Method::GET, path, &[]).await;
        assert_eq!(r.status, StatusCode::OK, "{path}");
        assert_eq!(r.headers["content-type"], "text/javascript; charset=utf-8");
        assert!(r.body.starts_with(starts.as_bytes()), "{path}");
    }
    let licence = call(&app, Method::GET, "/console/vendor/echarts.LICENSE", &[]).await;
    assert!(String::from_utf8(licence.body).unwrap().contains("Apache License"));
    for missing in ["/console/nope.js", "/console/../Cargo.toml", "/console/vendor/"] {
        let r = call(&app, Method::GET, missing, &[]).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{missing}");
        assert_eq!(r.json()["code"], "route_not_found");
    }
    // The console's files are public; the API behind them is not.
    assert_eq!(call(&app, Method::GET, "/api/v1/me", &[]).await.status, StatusCode::UNAUTHORIZED);
}

/// `/api/v1/…` paths in the console's scripts, with `${…}` pieces as `{}`.
fn console_api_paths() -> Vec<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("console");
    let mut out = Vec::new();
    for file in ["app.js", "api.js", "pages/cases.js", "pages/cluster.js", "pages/prevention.js", "pages/dashboard.js"]
    {
        let text = std::fs::read_to_string(dir.join(file)).unwrap();
        for piece in text.split("/api/v1/").skip(1) {
            let mut path = String::from("/api/v1/");
            let mut depth = 0;
            let mut chars = piece.chars().peekable();
            while let Some(c) = chars.next() {
                match c {
                    '$' if depth == 0 && chars.peek() == Some(&'{') => {
                        chars.next();
                        depth = 1;
                        path.push_str("{}");
                    }
                    '{' if depth > 0 => depth += 1,
                    '}' if depth > 0 => depth -= 1,
                    _ if depth > 0 => {}
                    c if c.is_ascii_alphanumeric() || matches!(c, '/' | '_' | '-') => path.push(c),
                    _ => break,
                }
            }
            out.push(path);
        }
    }
    out.sort();
    out.dedup();
    out
}

#[tokio::test]
async fn every_route_the_console_calls_is_in_the_openapi_document() {
    let app = app();
    let doc = call(&app, Method::GET, "/api/openapi.json", &[]).await.json();
    let documented: Vec<String> = doc["paths"]
        .as_object()
        .unwrap()
        .keys()
        .map(|p| regex::Regex::new(r"\{[^}]+\}").unwrap().replace_all(p, "{}").into_owned())
        .collect();
    let called = console_api_paths();
    assert!(called.len() >= 15, "{called:?}");
    for path in called {
        assert!(documented.contains(&path), "the console calls {path}, which the API does not document");
    }
}

#[tokio::test]
async fn me_names_the_role_its_permissions_and_masking() {
    let app = app();
    let me = get_as(&app, Role::Prevention, "/api/v1/me").await.json();
    assert_eq!(me["name"], "t-prevention");
    assert_eq!(me["role"], "prevention");
    assert_eq!(me["masked_identifiers"], true);
    assert_eq!(me["reads_narratives"], false);
    let perms: Vec<&str> = me["permissions"].as_array().unwrap().iter().map(|p| p.as_str().unwrap()).collect();
    assert_eq!(perms, ["aggregates", "risk", "cases_masked", "pipeline_read", "outreach"]);
    let me = get_as(&app, Role::Investigator, "/api/v1/me").await.json();
    assert_eq!((me["masked_identifiers"].as_bool(), me["reads_narratives"].as_bool()), (Some(false), Some(true)));
    assert!(me["permissions"].as_array().unwrap().iter().any(|p| p == "clusters"));
    let me = get_as(&app, Role::Analyst, "/api/v1/me").await.json();
    assert_eq!(me["permissions"], serde_json::json!(["aggregates", "pipeline_read"]));
}

#[tokio::test]
async fn a_reports_cluster_is_the_cluster_that_lists_it() {
    let app = app();
    let i = ids();
    for report in [&i.a, &i.b] {
        let r = get_as(&app, Role::Investigator, &format!("/api/v1/reports/{report}/cluster")).await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(r.json(), serde_json::json!({"report_id": report, "cluster_id": i.cluster}));
    }
    let none = get_as(&app, Role::Investigator, "/api/v1/reports/AJ-NO-SUCH/cluster").await;
    assert_eq!((none.status, none.json()["code"].clone()), (StatusCode::NOT_FOUND, "report_not_found".into()));
}

#[tokio::test]
async fn coordinates_come_from_the_configured_areas_file() {
    let none = get_as(&app(), Role::Analyst, "/api/v1/areas/coordinates").await.json();
    assert_eq!(none, serde_json::json!({"items": []}));
    let dir = tempfile::tempdir().unwrap();
    let areas = dir.path().join("areas.csv");
    std::fs::write(
        &areas,
        "community,district,population,urban_rural,lat,lon\nC2,D,10,urban,31.25,121.5\nC1,D,10,rural,31.2,121.45\n",
    )
    .unwrap();
    let config = ServeConfig { areas: Some(areas), ..ServeConfig::default() };
    let (app, _) = app_with(fixture().data.path(), config);
    let auth = format!("Bearer {}", token(Role::Analyst));
    let r = call(&app, Method::GET, "/api/v1/areas/coordinates", &[("authorization", &auth)]).await.json();
    assert_eq!(
        r,
        serde_json::json!({"items": [
            {"community": "C1", "lat": 31.2, "lon": 121.45},
            {"community": "C2", "lat": 31.25, "lon": 121.5},
        ]})
    );
}
