//! The web console: static pages and scripts compiled into the binary (`api/console/`), served under `/console/`,
//! with `/` redirecting there. The pages call the JSON API with the token the user signs in with, so every role,
//! mask, purpose and audit rule of the API applies to them unchanged; nothing here reads data.
//!
//! No file is fetched from elsewhere at run time: the vendored Cytoscape.js and ECharts builds (with their
//! licences, refreshed by `scripts/vendor-console.sh`) are embedded like the console's own files.

use axum::Router;
use axum::extract::Path;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;

use crate::error::AppError;

use super::Shared;

/// One embedded file.
struct Asset {
    name: &'static str,
    mime: &'static str,
    body: &'static [u8],
}

macro_rules! asset {
    ($name:literal, $mime:literal) => {
        Asset { name: $name, mime: $mime, body: include_bytes!(concat!("../../console/", $name)) }
    };
}

/// Every file the console serves, by its path under `/console/`.
const ASSETS: &[Asset] = &[
    asset!("index.html", "text/html; charset=utf-8"),
    asset!("console.css", "text/css; charset=utf-8"),
    asset!("i18n.js", "text/javascript; charset=utf-8"),
    asset!("api.js", "text/javascript; charset=utf-8"),
    asset!("format.js", "text/javascript; charset=utf-8"),
    asset!("app.js", "text/javascript; charset=utf-8"),
    asset!("pages/cases.js", "text/javascript; charset=utf-8"),
    asset!("pages/cluster.js", "text/javascript; charset=utf-8"),
    asset!("pages/prevention.js", "text/javascript; charset=utf-8"),
    asset!("pages/dashboard.js", "text/javascript; charset=utf-8"),
    asset!("vendor/cytoscape.min.js", "text/javascript; charset=utf-8"),
    asset!("vendor/echarts.min.js", "text/javascript; charset=utf-8"),
    asset!("vendor/cytoscape.LICENSE", "text/plain; charset=utf-8"),
    asset!("vendor/echarts.LICENSE", "text/plain; charset=utf-8"),
    asset!("vendor/echarts.LICENSE-d3", "text/plain; charset=utf-8"),
    asset!("vendor/echarts.NOTICE", "text/plain; charset=utf-8"),
];

/// The content security policy of every console file: scripts, styles, images and API calls from this server
/// only, so a page cannot reach the network beyond it.
const CSP: &str = "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; \
                   script-src 'self'; connect-src 'self'; frame-ancestors 'none'";

/// `/`, `/console` and `/console/*`.
pub(super) fn routes() -> Router<Shared> {
    Router::new()
        .route("/", get(|| async { Redirect::to("/console/") }))
        .route("/console", get(|| async { Redirect::to("/console/") }))
        .route("/console/", get(|| async { file("index.html") }))
        .route("/console/{*path}", get(|Path(path): Path<String>| async move { file(&path) }))
}

/// The embedded file at `path`, or the problem a missing one is.
fn file(path: &str) -> Response {
    let Some(asset) = ASSETS.iter().find(|a| a.name == path) else {
        return AppError::not_found("route_not_found", "no such console file").into_response();
    };
    let mut response = asset.body.into_response();
    let h = response.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(asset.mime));
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    // The files change only with the binary; a new binary must not be mixed with cached pages.
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_script_the_page_loads_is_embedded() {
        let index = std::str::from_utf8(ASSETS[0].body).unwrap();
        for src in index.split("src=\"").skip(1).map(|s| &s[..s.find('"').unwrap()]) {
            assert!(ASSETS.iter().any(|a| a.name == src), "index.html loads {src}, which is not embedded");
        }
        assert!(!index.contains("http://") && !index.contains("https://"), "the page loads nothing from elsewhere");
    }
}
