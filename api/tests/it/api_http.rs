//! The HTTP API through `router(state).oneshot`: every route × every role, malformed input, audit records,
//! pagination, caching, CSV, rate limits, the OpenAPI document against the router, and tampering with the audit log.

use std::path::Path;
use std::sync::{Arc, OnceLock};

use api::http::{AppState, ServeConfig, Shared, router};
use api::service::Service;
use api::service::auth::Role;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use datasets::generate::{Config, MemorySink, generate};
use http_body_util::BodyExt as _;
use tower::ServiceExt as _;

use crate::ingest;

/// A scored district shared by the tests: weeks 2026-W25 and 2026-W26 have snapshots.
pub(crate) struct Fixture {
    _src: tempfile::TempDir,
    pub(crate) data: tempfile::TempDir,
    tokens: Vec<(Role, String)>,
}

const WEEK: &str = "2026-W26";

pub(crate) fn fixture() -> &'static Fixture {
    static F: OnceLock<Fixture> = OnceLock::new();
    F.get_or_init(|| {
        let (src, data) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let mut cfg = Config::new(4_000, 30, 3);
        cfg.rates.incidence_per_10k_year = 200.0;
        let mut sink = MemorySink::new();
        generate(&cfg.validate().unwrap(), &mut sink, &mut |_| {}).unwrap();
        for (name, body) in sink.files() {
            if !name.contains('/') {
                std::fs::write(src.path().join(name), body).unwrap();
            }
        }
        ingest(src.path(), data.path());
        for args in [&["index"][..], &["clusters", "run"]] {
            let out = crate::fanzha(data.path(), args);
            assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        }
        let svc = Service::new(data.path());
        for week in ["2026-W25", WEEK] {
            svc.score(analytics::IsoWeek::parse(week).unwrap(), analytics::ModelKind::Logistic).unwrap();
        }
        // A draft outreach plan (id 1) and the last week's urgent warnings with their tasks.
        let plan = api::service::outreach::PlanRequest {
            week: analytics::IsoWeek::parse(WEEK).unwrap(),
            strategy: outreach::Strategy::Optimised,
            minutes_scale: 1.0,
            seed: 1,
            replace: false,
            by: "fixture".into(),
        };
        svc.outreach_plan(&plan).unwrap();
        svc.warn(&api::service::outreach::WarnRequest::Scan { since: None }).unwrap();
        let tokens = Role::ALL
            .into_iter()
            .map(|role| (role, svc.users_add(&format!("t-{}", role.code()), role, &[], &[]).unwrap().token))
            .collect();
        Fixture { _src: src, data, tokens }
    })
}

pub(crate) fn token(role: Role) -> &'static str {
    fixture().tokens.iter().find(|(r, _)| *r == role).map(|(_, t)| t.as_str()).unwrap()
}

pub(crate) fn app_with(data: &Path, config: ServeConfig) -> (axum::Router, Shared) {
    let state = AppState::new(data, config).unwrap();
    (router(Arc::clone(&state)), state)
}

pub(crate) fn app() -> axum::Router {
    app_with(fixture().data.path(), ServeConfig::default()).0
}

pub(crate) struct Reply {
    pub(crate) status: StatusCode,
    pub(crate) headers: axum::http::HeaderMap,
    pub(crate) body: Vec<u8>,
}

impl Reply {
    pub(crate) fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }
}

pub(crate) async fn call(app: &axum::Router, method: Method, uri: &str, headers: &[(&str, &str)]) -> Reply {
    let mut req = Request::builder().method(method).uri(uri);
    for (k, v) in headers {
        // UTF-8 as clients send it (a purpose is often Chinese).
        req = req.header(*k, axum::http::HeaderValue::from_bytes(v.as_bytes()).unwrap());
    }
    let res = app.clone().oneshot(req.body(Body::empty()).unwrap()).await.unwrap();
    let (parts, body) = res.into_parts();
    Reply { status: parts.status, headers: parts.headers, body: body.collect().await.unwrap().to_bytes().to_vec() }
}

pub(crate) async fn get_as(app: &axum::Router, role: Role, uri: &str) -> Reply {
    let auth = format!("Bearer {}", token(role));
    call(app, Method::GET, uri, &[("authorization", &auth), ("x-purpose", "test 预警劝阻")]).await
}

fn first_resident() -> String {
    let svc = Service::new(fixture().data.path());
    let q = api::service::risk::ResidentsQuery { limit: Some(1), ..Default::default() };
    svc.risk_residents(analytics::IsoWeek::parse(WEEK).unwrap(), &q).unwrap().items[0].resident_id.clone()
}

/// Ids to put in paths: a cluster of several reports, two of its reports, a report with phones.
pub(crate) struct Ids {
    pub(crate) cluster: u64,
    pub(crate) a: String,
    pub(crate) b: String,
    pub(crate) report: String,
}

pub(crate) fn ids() -> &'static Ids {
    static IDS: OnceLock<Ids> = OnceLock::new();
    IDS.get_or_init(|| {
        let svc = Service::new(fixture().data.path());
        let filter = api::service::gangs::ClustersQuery { min_reports: Some(2), ..Default::default() }.check().unwrap();
        let cluster = svc.clusters_list(&filter).unwrap()[0].cluster_id;
        let detail = svc.cluster_show(cluster, false).unwrap();
        let c = crate::store(fixture().data.path());
        let report: String = c
            .query_row("SELECT report_id FROM reports WHERE phones <> '' ORDER BY report_id LIMIT 1", [], |r| r.get(0))
            .unwrap();
        Ids { cluster, a: detail.report_ids[0].clone(), b: detail.report_ids[1].clone(), report }
    })
}

/// A documented path with its parameters filled in.
fn fill(path: &str) -> String {
    let i = ids();
    path.replace("{week}", WEEK)
        .replace("{resident_id}", &first_resident())
        .replace("{report_id}", &i.report)
        .replace("{cluster_id}", &i.cluster.to_string())
        .replace("{plan_id}", "1")
        .replace("{task_id}", "T-NO-SUCH")
}

/// Every route with the roles allowed on it.
fn routes() -> Vec<(String, Vec<Role>)> {
    use Role::*;
    let r = first_resident();
    let i = ids();
    let (c, rep) = (i.cluster, &i.report);
    vec![
        ("/api/v1/search?q=%E5%88%B7%E5%8D%95".to_string(), vec![Investigator, Prevention, Admin]),
        (format!("/api/v1/reports/{rep}"), vec![Investigator, Prevention, Admin]),
        (format!("/api/v1/reports/{rep}/similar"), vec![Investigator, Prevention, Admin]),
        ("/api/v1/clusters".into(), vec![Investigator, Admin]),
        (format!("/api/v1/clusters/{c}"), vec![Investigator, Admin]),
        (format!("/api/v1/clusters/explain?a={}&b={}", i.a, i.b), vec![Investigator, Admin]),
        (format!("/api/v1/clusters/{c}/export?format=graphml"), vec![Investigator, Admin]),
        (format!("/api/v1/clusters/{c}/export?format=csv"), vec![Investigator, Admin]),
        ("/api/v1/clusters/hubs".into(), vec![Investigator, Admin]),
        ("/api/v1/clusters/services".into(), vec![Investigator, Admin]),
        (format!("/api/v1/money/trace?report={}", i.a), vec![Investigator, Admin]),
        ("/api/v1/money/typologies?kind=fan-in".into(), vec![Investigator, Admin]),
        ("/api/v1/pipeline/runs".into(), vec![Investigator, Prevention, Analyst, Admin]),
        ("/api/v1/risk/weeks".into(), vec![Investigator, Prevention, Analyst, Admin]),
        (format!("/api/v1/risk/weeks/{WEEK}/residents"), vec![Prevention, Admin]),
        (format!("/api/v1/risk/weeks/{WEEK}/residents/{r}"), vec![Prevention, Admin]),
        (format!("/api/v1/risk/weeks/{WEEK}/communities"), vec![Investigator, Prevention, Analyst, Admin]),
        (format!("/api/v1/risk/weeks/{WEEK}/areas"), vec![Investigator, Prevention, Analyst, Admin]),
        (format!("/api/v1/risk/weeks/{WEEK}/csv"), vec![Prevention, Admin]),
        ("/api/v1/codes".into(), vec![Investigator, Prevention, Analyst, Admin]),
        ("/api/v1/me".into(), vec![Investigator, Prevention, Analyst, Admin]),
        (format!("/api/v1/reports/{rep}/cluster"), vec![Investigator, Admin]),
        (format!("/api/v1/outreach/plans?week={WEEK}"), vec![Prevention, Admin]),
        ("/api/v1/outreach/plans/1".into(), vec![Prevention, Admin]),
        ("/api/v1/outreach/tasks?overdue=true".into(), vec![Prevention, Admin]),
        ("/api/v1/warnings".into(), vec![Prevention, Admin]),
        ("/api/v1/outreach/effect".into(), vec![Prevention, Admin]),
        ("/api/v1/outreach/reach?from=2026-W10&to=2026-W20".into(), vec![Investigator, Prevention, Analyst, Admin]),
        ("/api/v1/risk/evaluation?from=2026-W20&to=2026-W24".into(), vec![Investigator, Prevention, Analyst, Admin]),
        ("/api/v1/areas/coordinates".into(), vec![Investigator, Prevention, Analyst, Admin]),
        ("/api/v1/stats".into(), vec![Investigator, Prevention, Analyst, Admin]),
    ]
}

#[tokio::test]
async fn every_role_on_every_route_is_allowed_or_denied_as_the_matrix_says() {
    let app = app();
    for (uri, allowed) in routes() {
        for role in Role::ALL {
            let r = get_as(&app, role, &uri).await;
            if allowed.contains(&role) {
                assert_eq!(r.status, StatusCode::OK, "{role:?} {uri}: {}", String::from_utf8_lossy(&r.body));
            } else {
                assert_eq!(r.status, StatusCode::FORBIDDEN, "{role:?} {uri}");
                assert_eq!(r.json()["code"], "forbidden_role");
                assert_eq!(r.headers["content-type"], "application/problem+json");
            }
            assert!(r.headers.contains_key("x-request-id"), "{uri}");
        }
        let none = call(&app, Method::GET, &uri, &[]).await;
        assert_eq!(none.status, StatusCode::UNAUTHORIZED, "{uri}");
        assert_eq!(none.json()["code"], "token_required");
        let bad = call(&app, Method::GET, &uri, &[("authorization", "Bearer fz_nope")]).await;
        assert_eq!((bad.status, bad.json()["code"].clone()), (StatusCode::UNAUTHORIZED, "invalid_token".into()));
    }
}

#[tokio::test]
async fn malformed_input_is_a_4xx_problem_never_a_5xx() {
    let app = app();
    let r = first_resident();
    let cases: Vec<(String, u16, &str)> = vec![
        ("/api/v1/risk/weeks/2026-W99/residents".into(), 400, "invalid_week"),
        ("/api/v1/risk/weeks/nonsense/residents".into(), 400, "invalid_week"),
        ("/api/v1/risk/weeks/2026-W99/residents/x".into(), 400, "invalid_week"),
        ("/api/v1/risk/weeks/2026-W99/areas".into(), 400, "invalid_week"),
        ("/api/v1/risk/weeks/2026-W99/csv".into(), 400, "invalid_week"),
        ("/api/v1/risk/weeks/2026-W99/communities".into(), 400, "invalid_week"),
        (format!("/api/v1/risk/weeks/{WEEK}/residents?decile=11"), 400, "invalid_decile"),
        (format!("/api/v1/risk/weeks/{WEEK}/residents?decile=x"), 400, "invalid_parameter"),
        (format!("/api/v1/risk/weeks/{WEEK}/residents?min_score=2"), 400, "invalid_score"),
        (format!("/api/v1/risk/weeks/{WEEK}/residents?limit=0"), 400, "invalid_limit"),
        (format!("/api/v1/risk/weeks/{WEEK}/residents?limit=100000"), 400, "invalid_limit"),
        (format!("/api/v1/risk/weeks/{WEEK}/residents?cursor=zz"), 400, "invalid_cursor"),
        (format!("/api/v1/risk/weeks/{WEEK}/residents?bogus=1"), 400, "invalid_parameter"),
        (format!("/api/v1/risk/weeks/{WEEK}/residents?community=nowhere"), 404, "community_not_found"),
        ("/api/v1/risk/weeks/2026-W10/residents".into(), 404, "snapshot_not_found"),
        ("/api/v1/risk/weeks/2026-W10/csv".into(), 404, "snapshot_not_found"),
        (format!("/api/v1/risk/weeks/{WEEK}/residents/P_NO_SUCH"), 404, "resident_not_found"),
        (format!("/api/v1/risk/weeks/2026-W10/residents/{r}"), 404, "snapshot_not_found"),
        ("/api/v1/no/such/route".into(), 404, "route_not_found"),
        ("/api/v1/search".into(), 400, "invalid_parameter"),
        ("/api/v1/outreach/reach?from=2026-W20&to=2026-W10".into(), 400, "invalid_range"),
        ("/api/v1/outreach/reach?from=2026-W99".into(), 400, "invalid_week"),
        ("/api/v1/search?q=%22open".into(), 400, "invalid_query"),
        ("/api/v1/search?q=x&from=2026-13-01".into(), 400, "invalid_date"),
        ("/api/v1/search?q=x&sort=size".into(), 400, "invalid_sort"),
        ("/api/v1/search?q=x&limit=0".into(), 400, "invalid_limit"),
        ("/api/v1/search?q=x&status=lost".into(), 400, "invalid_status"),
        ("/api/v1/reports/NO_SUCH".into(), 404, "report_not_found"),
        ("/api/v1/reports/NO_SUCH/similar".into(), 404, "report_not_found"),
        ("/api/v1/clusters?min_reports=0".into(), 400, "invalid_filter"),
        ("/api/v1/clusters?fraud_type=nonsense".into(), 400, "invalid_filter"),
        ("/api/v1/clusters?cursor=x".into(), 400, "invalid_cursor"),
        ("/api/v1/clusters/99999999".into(), 404, "cluster_not_found"),
        ("/api/v1/clusters/abc".into(), 400, "invalid_path"),
        ("/api/v1/clusters/explain?a=X".into(), 400, "invalid_parameter"),
        ("/api/v1/clusters/explain?a=NO1&b=NO2".into(), 404, "report_not_found"),
        (format!("/api/v1/clusters/{}/export?format=pdf", ids().cluster), 400, "invalid_format"),
        ("/api/v1/money/trace".into(), 400, "invalid_trace_start"),
        ("/api/v1/money/trace?report=R&account=A".into(), 400, "invalid_trace_start"),
        (format!("/api/v1/money/trace?report={}&method=random", ids().a), 400, "invalid_method"),
        (format!("/api/v1/money/trace?report={}&max_depth=0", ids().a), 400, "invalid_depth"),
        ("/api/v1/money/typologies?kind=zigzag".into(), 400, "invalid_kind"),
        ("/api/v1/pipeline/runs?limit=0".into(), 400, "invalid_limit"),
        ("/api/v1/pipeline/runs?cursor=zz".into(), 400, "invalid_cursor"),
        ("/api/v1/outreach/plans?week=2026-W99".into(), 400, "invalid_week"),
        ("/api/v1/outreach/plans/0".into(), 400, "invalid_plan_id"),
        ("/api/v1/outreach/plans/abc".into(), 400, "invalid_plan_id"),
        ("/api/v1/outreach/plans/999999".into(), 404, "plan_not_found"),
        ("/api/v1/outreach/tasks?day=monday".into(), 400, "invalid_day"),
        ("/api/v1/outreach/tasks?staff=NOPE".into(), 404, "staff_not_found"),
        ("/api/v1/outreach/tasks?overdue=maybe".into(), 400, "invalid_parameter"),
        ("/api/v1/warnings?overdue=2".into(), 400, "invalid_parameter"),
    ];
    for (uri, status, code) in cases {
        let reply = get_as(&app, Role::Admin, &uri).await;
        assert_eq!(reply.status.as_u16(), status, "{uri}: {}", String::from_utf8_lossy(&reply.body));
        let body = reply.json();
        assert_eq!(body["code"], code, "{uri}");
        assert_eq!(body["status"], status, "{uri}");
        assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()), "{uri}");
    }
    // Personal data without a purpose.
    let auth = format!("Bearer {}", token(Role::Prevention));
    let reply =
        call(&app, Method::GET, &format!("/api/v1/risk/weeks/{WEEK}/residents"), &[("authorization", &auth)]).await;
    assert_eq!((reply.status, reply.json()["code"].clone()), (StatusCode::BAD_REQUEST, "purpose_required".into()));
    assert_eq!(reply.json()["errors"][0]["field"], "X-Purpose");
    // A method the route does not have.
    let reply = call(&app, Method::DELETE, "/api/v1/risk/weeks", &[("authorization", &auth)]).await;
    assert!(reply.status.is_client_error(), "{}", reply.status);
}

#[tokio::test]
async fn cursor_pages_cover_the_filtered_residents_once_in_rank_order() {
    let app = app();
    let mut uri = format!("/api/v1/risk/weeks/{WEEK}/residents?decile=2&limit=70");
    let (mut seen, mut total, mut last_rank) = (Vec::new(), None, 0);
    loop {
        let page = get_as(&app, Role::Prevention, &uri).await.json();
        total = total.or(page["total"].as_u64());
        for item in page["items"].as_array().unwrap() {
            let rank = item["rank"].as_i64().unwrap();
            assert!(rank > last_rank, "ranks ascend across pages");
            assert!(item["decile"].as_i64().unwrap() <= 2);
            last_rank = rank;
            seen.push(item["resident_id"].as_str().unwrap().to_string());
        }
        match page["next_cursor"].as_str() {
            Some(c) => uri = format!("/api/v1/risk/weeks/{WEEK}/residents?decile=2&limit=70&cursor={c}"),
            None => break,
        }
    }
    assert_eq!(total, Some(800), "deciles 1 and 2 of 4,000 residents");
    assert_eq!(seen.len(), 800);
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 800, "no resident twice");
}

#[tokio::test]
async fn a_resident_has_reason_codes_and_history_and_the_read_is_audited() {
    let (app, state) = app_with(fixture().data.path(), ServeConfig::default());
    let r = first_resident();
    let before = state.svc.audit_verify().unwrap().records;
    let reply = get_as(&app, Role::Prevention, &format!("/api/v1/risk/weeks/{WEEK}/residents/{r}")).await;
    assert_eq!(reply.status, StatusCode::OK);
    let v = reply.json();
    assert_eq!(v["resident"]["resident_id"], r.as_str());
    assert_eq!(v["resident"]["rank"], 1);
    assert!(!v["resident"]["reasons"].as_array().unwrap().is_empty());
    let weeks: Vec<&str> = v["history"].as_array().unwrap().iter().map(|h| h["week"].as_str().unwrap()).collect();
    assert_eq!(weeks, ["2026-W25", WEEK]);
    // Its audit record: who, the route template (not the path), the purpose, the subject.
    let mut records = Vec::new();
    state.svc.audit_export(None, None, |rec| records.push(rec.clone())).unwrap();
    let verification = state.svc.audit_verify().unwrap();
    assert!(verification.ok, "{verification:?}");
    assert!(verification.records > before);
    let rec = records
        .iter()
        .rev()
        .find(|rec| rec.entry.subjects == [format!("resident:{r}")] && rec.entry.user_name == "t-prevention")
        .expect("an audit record of the read");
    assert_eq!(rec.entry.route, "/api/v1/risk/weeks/{week}/residents/{resident_id}");
    assert_eq!(
        (rec.entry.purpose.as_str(), rec.entry.role.as_str(), rec.entry.method.as_str()),
        ("test 预警劝阻", "prevention", "GET")
    );
    assert_eq!(rec.entry.request_id, reply.headers["x-request-id"].to_str().unwrap());
    // Aggregates are not personal data: no record.
    let areas = get_as(&app, Role::Analyst, &format!("/api/v1/risk/weeks/{WEEK}/areas")).await;
    assert_eq!(areas.status, StatusCode::OK);
    let mut routes = Vec::new();
    state.svc.audit_export(None, None, |rec| routes.push(rec.entry.route.clone())).unwrap();
    assert!(!routes.iter().any(|r| r.ends_with("/areas") || r.ends_with("/communities")), "{routes:?}");
}

#[test]
fn a_lookup_answered_from_memory_is_the_lookup_answered_by_the_store() {
    // A copy of the district, so that writing a snapshot here leaves the other tests' store alone.
    let data = tempfile::tempdir().unwrap();
    {
        let c = crate::store(fixture().data.path());
        c.execute("VACUUM INTO ?1", [data.path().join("fanzha.sqlite").to_str().unwrap()]).unwrap();
    }
    let svc = Service::new(data.path());
    let (week, older) = (analytics::IsoWeek::parse(WEEK).unwrap(), analytics::IsoWeek::parse("2026-W25").unwrap());
    // Nothing in memory yet: the caller must go to the store, and is told to load.
    svc.snapshot(week).unwrap();
    assert!(svc.risk_resident_in_memory(week, "anyone", &[]).is_none());
    assert!(svc.served_scores_want_load());
    assert!(!svc.served_scores_want_load(), "one load at a time");
    svc.load_served_scores().unwrap();
    let page = svc
        .risk_residents(week, &api::service::risk::ResidentsQuery { limit: Some(1000), ..Default::default() })
        .unwrap();
    let same = |id: &str, scope: &[String]| {
        let memory = svc.risk_resident_in_memory(week, id, scope).expect("the newest week is in memory");
        let store = svc.risk_resident(week, id, scope);
        match (memory, store) {
            (Ok(m), Ok(s)) => assert_eq!(m, s),
            (Err(m), Err(s)) => assert_eq!((m.code(), m.message()), (s.code(), s.message())),
            (m, s) => panic!("memory {m:?} but store {s:?}"),
        }
    };
    for r in page.items.iter().step_by(7) {
        same(&r.resident_id, &[]);
        same(&r.resident_id, std::slice::from_ref(&r.community));
        same(&r.resident_id, &["某个别的社区".to_string()]);
    }
    same("P9999999", &[]);
    assert_eq!(svc.risk_resident_in_memory(week, &page.items[0].resident_id, &[]).unwrap().unwrap().history.len(), 2);
    // Another week than the newest is the store's.
    assert!(svc.risk_resident_in_memory(older, &page.items[0].resident_id, &[]).is_none());
    // A new snapshot makes memory stale: the store answers until it is loaded again, with the new history.
    svc.score(analytics::IsoWeek::parse("2026-W24").unwrap(), analytics::ModelKind::Logistic).unwrap();
    svc.snapshot(week).unwrap();
    assert!(svc.risk_resident_in_memory(week, &page.items[0].resident_id, &[]).is_none());
    assert!(svc.served_scores_want_load());
    svc.load_served_scores().unwrap();
    let view = svc.risk_resident_in_memory(week, &page.items[0].resident_id, &[]).unwrap().unwrap();
    assert_eq!(view.history.iter().map(|h| h.week.as_str()).collect::<Vec<_>>(), ["2026-W24", "2026-W25", WEEK]);
    same(&page.items[0].resident_id, &[]);
}

#[tokio::test]
async fn snapshots_carry_etags_and_answer_304_and_csv_downloads_open_in_excel() {
    let app = app();
    let uri = format!("/api/v1/risk/weeks/{WEEK}/residents?limit=5");
    let first = get_as(&app, Role::Admin, &uri).await;
    let etag = first.headers["etag"].to_str().unwrap().to_string();
    assert!(first.headers["cache-control"].to_str().unwrap().contains("max-age"));
    let auth = format!("Bearer {}", token(Role::Admin));
    let again =
        call(&app, Method::GET, &uri, &[("authorization", &auth), ("x-purpose", "t"), ("if-none-match", &etag)]).await;
    assert_eq!(again.status, StatusCode::NOT_MODIFIED);
    let other = get_as(&app, Role::Admin, &format!("/api/v1/risk/weeks/{WEEK}/residents?limit=6")).await;
    assert_ne!(other.headers["etag"], etag.as_str(), "each page has its own tag");

    let csv = get_as(&app, Role::Prevention, &format!("/api/v1/risk/weeks/{WEEK}/csv")).await;
    assert_eq!(csv.status, StatusCode::OK);
    assert_eq!(csv.headers["content-type"], "text/csv; charset=utf-8");
    assert_eq!(csv.headers["content-disposition"], format!("attachment; filename=\"risk-{WEEK}.csv\""));
    assert!(csv.body.starts_with(b"\xEF\xBB\xBFrank,resident_id,community,grid,score,decile,reasons\n"));
    assert_eq!(csv.body.iter().filter(|&&b| b == b'\n').count(), 4_001);
}

#[tokio::test]
async fn a_scoped_token_sees_only_its_communities() {
    let svc = Service::new(fixture().data.path());
    let week = analytics::IsoWeek::parse(WEEK).unwrap();
    let communities = svc.risk_communities(week, &[]).unwrap();
    let mine = communities[0].community.clone();
    let inside = svc.users_add("t-inside", Role::Prevention, &[], std::slice::from_ref(&mine)).unwrap();
    let outside = svc.users_add("t-outside", Role::Prevention, &[], &["elsewhere".to_string()]).unwrap();
    let app = app();
    let (auth_in, auth_out) = (format!("Bearer {}", inside.token), format!("Bearer {}", outside.token));
    let h_in = [("authorization", auth_in.as_str()), ("x-purpose", "t")];
    let h_out = [("authorization", auth_out.as_str()), ("x-purpose", "t")];
    let uri = format!("/api/v1/risk/weeks/{WEEK}/residents?limit=1000");
    let page = call(&app, Method::GET, &uri, &h_in).await.json();
    assert!(page["items"].as_array().unwrap().iter().all(|i| i["community"] == mine.as_str()));
    assert_eq!(page["total"].as_i64().unwrap(), communities[0].residents);
    let page = call(&app, Method::GET, &uri, &h_out).await.json();
    assert_eq!((page["total"].as_i64(), page["items"].as_array().unwrap().len()), (Some(0), 0));
    let reply = call(&app, Method::GET, &format!("{uri}&community={mine}"), &h_out).await;
    assert_eq!((reply.status, reply.json()["code"].clone()), (StatusCode::FORBIDDEN, "forbidden_scope".into()));
    let r = first_resident();
    let reply = call(&app, Method::GET, &format!("/api/v1/risk/weeks/{WEEK}/residents/{r}"), &h_out).await;
    assert_eq!((reply.status, reply.json()["code"].clone()), (StatusCode::FORBIDDEN, "forbidden_scope".into()));
    let csv = call(&app, Method::GET, &format!("/api/v1/risk/weeks/{WEEK}/csv"), &h_out).await;
    assert_eq!(csv.body.iter().filter(|&&b| b == b'\n').count(), 1, "the header only");
    svc.users_revoke("t-outside").unwrap();
    // The server is another process as far as this service is concerned: it notices within AUTH_RECHECK.
    tokio::time::sleep(api::service::auth::AUTH_RECHECK + std::time::Duration::from_millis(100)).await;
    let reply = call(&app, Method::GET, "/api/v1/risk/weeks", &h_out).await;
    assert_eq!((reply.status, reply.json()["code"].clone()), (StatusCode::UNAUTHORIZED, "invalid_token".into()));
}

#[tokio::test]
async fn a_token_past_its_rate_limit_is_told_when_to_retry() {
    let config = ServeConfig { rate_limit_per_minute: 3, ..ServeConfig::default() };
    let (app, _) = app_with(fixture().data.path(), config);
    for left in [2, 1, 0] {
        let r = get_as(&app, Role::Analyst, "/api/v1/codes").await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(r.headers["ratelimit-remaining"], left.to_string().as_str());
    }
    let r = get_as(&app, Role::Analyst, "/api/v1/codes").await;
    assert_eq!((r.status, r.json()["code"].clone()), (StatusCode::TOO_MANY_REQUESTS, "rate_limited".into()));
    assert!(r.headers["retry-after"].to_str().unwrap().parse::<u64>().unwrap() >= 1);
}

#[tokio::test]
async fn the_openapi_document_and_the_router_agree() {
    let app = app();
    let doc = call(&app, Method::GET, "/api/openapi.json", &[]).await.json();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    let paths = doc["paths"].as_object().unwrap();
    let r = first_resident();
    let mut documented = Vec::new();
    for (path, ops) in paths {
        for method in ops.as_object().unwrap().keys() {
            documented.push((method.to_uppercase(), path.clone()));
            let uri = fill(path);
            let reply = if method == "get" {
                get_as(&app, Role::Admin, &uri).await
            } else {
                let auth = format!("Bearer {}", token(Role::Admin));
                let m = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
                call(&app, m, &uri, &[("authorization", &auth), ("x-purpose", "t")]).await
            };
            // Routed: whatever it answers (a missing required parameter is a 400), it is not the fallback.
            let routed = reply.status != StatusCode::METHOD_NOT_ALLOWED
                && (reply.status != StatusCode::NOT_FOUND || reply.json()["code"] != "route_not_found");
            assert!(routed, "{method} {path} is documented but not routed");
            assert!(reply.status.as_u16() < 500, "{method} {path}: {}", reply.status);
        }
    }
    // Every route of the test matrix is documented.
    for (uri, _) in routes() {
        let path = uri.split('?').next().unwrap();
        let known = documented.iter().any(|(_, p)| fill(p) == path);
        assert!(known, "{uri} is routed but not documented");
    }
    let _ = r;
}

#[tokio::test]
async fn health_and_readiness_need_no_token() {
    let app = app();
    assert_eq!(call(&app, Method::GET, "/healthz", &[]).await.status, StatusCode::OK);
    let ready = call(&app, Method::GET, "/readyz", &[]).await;
    let body = ready.json();
    let risk = body["checks"].as_array().unwrap().iter().find(|c| c["name"] == "risk_snapshot").unwrap().clone();
    assert_eq!(risk["ok"], true, "{body}");
    // An empty data folder is not ready, and says why.
    let empty = tempfile::tempdir().unwrap();
    let (app, _) = app_with(empty.path(), ServeConfig::default());
    let reply = call(&app, Method::GET, "/readyz", &[]).await;
    assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(reply.json()["status"], "not_ready");
}

#[test]
fn audit_verify_finds_a_changed_record() {
    let data = tempfile::tempdir().unwrap();
    let log = api::service::audit::AuditLog::start(data.path()).unwrap();
    for i in 0..5 {
        log.record_blocking(api::service::audit::AuditEntry {
            request_id: format!("r{i}"),
            user_name: "u".into(),
            role: "prevention".into(),
            method: "GET".into(),
            route: "/api/v1/risk/weeks/{week}/residents/{resident_id}".into(),
            status: 200,
            purpose: "p".into(),
            subjects: vec![format!("resident:P{i}")],
        })
        .unwrap();
    }
    let svc = Service::new(data.path());
    let ok = svc.audit_verify().unwrap();
    assert!(ok.ok && ok.records == 5, "{ok:?}");
    // Someone with the file drops the guard and rewrites a subject.
    let c = rusqlite::Connection::open(data.path().join("audit.sqlite")).unwrap();
    c.execute_batch("DROP TRIGGER audit_log_no_update; UPDATE audit_log SET subjects = 'resident:P9' WHERE seq = 3;")
        .unwrap();
    let bad = svc.audit_verify().unwrap();
    assert!(!bad.ok);
    assert_eq!(bad.first_break.as_ref().unwrap().seq, 3, "{bad:?}");
    // A record removed from the middle breaks the numbering.
    c.execute_batch(
        "DROP TRIGGER IF EXISTS audit_log_no_update; DROP TRIGGER IF EXISTS audit_log_no_delete;
         UPDATE audit_log SET subjects = 'resident:P2' WHERE seq = 3; DELETE FROM audit_log WHERE seq = 2;",
    )
    .unwrap();
    let gap = svc.audit_verify().unwrap();
    assert_eq!(gap.first_break.as_ref().unwrap().seq, 3, "{gap:?}");
    assert!(gap.first_break.unwrap().reason.contains("record 2 is missing"));
}

#[tokio::test]
async fn prevention_staff_see_cases_without_narratives_and_with_numbers_masked() {
    let app = app();
    let rep = &ids().report;
    let full = get_as(&app, Role::Investigator, &format!("/api/v1/reports/{rep}")).await.json();
    let masked = get_as(&app, Role::Prevention, &format!("/api/v1/reports/{rep}")).await.json();
    assert!(!full["narrative"].as_str().unwrap().is_empty());
    assert_eq!(masked["narrative"], "");
    let phone = full["phones"][0].as_str().unwrap();
    let shown = masked["phones"][0].as_str().unwrap();
    assert!(shown.contains("****"), "{shown}");
    assert_ne!(shown, phone);
    assert_eq!(shown.chars().count(), phone.trim().chars().count());
    for key in masked["identifiers"].as_array().unwrap() {
        let key = key.as_str().unwrap();
        if key.starts_with("tel:+86") || key.starts_with("card:") {
            assert!(key.contains('*'), "{key}");
        }
    }
    let hits = get_as(&app, Role::Prevention, "/api/v1/search?q=*&limit=20").await.json();
    for hit in hits["hits"].as_array().unwrap() {
        assert_eq!(hit["snippet"]["text"], "", "no narrative text in a hit");
        for key in hit["identifiers"].as_array().unwrap() {
            let key = key.as_str().unwrap();
            assert!(!key.starts_with("tel:+86") || key.contains('*'), "{key}");
        }
    }
    let hits = get_as(&app, Role::Investigator, "/api/v1/search?q=*&limit=20").await.json();
    assert!(hits["hits"].as_array().unwrap().iter().any(|h| !h["snippet"]["text"].as_str().unwrap().is_empty()));
}

#[tokio::test]
async fn a_search_without_hits_names_its_unmatched_terms_with_suggestions_for_investigators_only() {
    let app = app();
    // 刷単 (a variant character) matches nothing; the generated narratives say 刷单.
    let uri = "/api/v1/search?q=%E5%88%B7%E5%8D%98";
    let found = get_as(&app, Role::Investigator, uri).await.json();
    assert_eq!(found["total"], 0);
    assert_eq!(found["unmatched_terms"][0]["term"], "刷単");
    assert_eq!(found["unmatched_terms"][0]["suggestions"][0], "刷单", "{found}");
    let masked = get_as(&app, Role::Prevention, uri).await.json();
    assert_eq!(masked["unmatched_terms"][0]["term"], "刷単");
    assert_eq!(masked["unmatched_terms"][0]["suggestions"], serde_json::json!([]), "suggestions are narrative words");
    // Words side by side: the cases with both first, then those with one; each hit says which it matched.
    let ranked =
        get_as(&app, Role::Investigator, "/api/v1/search?q=%E5%88%B7%E5%8D%95%20%E5%88%B7%E5%8D%98").await.json();
    assert_eq!(ranked["query_terms"], serde_json::json!(["刷单", "刷単"]));
    assert_eq!(ranked["matched_all"], 0);
    assert_eq!(ranked["dropped_terms"], serde_json::json!(["刷単"]));
    assert!(ranked["total"].as_u64().unwrap() > 0);
    assert_eq!(ranked["hits"][0]["matched_terms"], serde_json::json!(["刷单"]));
}

#[tokio::test]
async fn a_mistyped_phone_is_shown_the_numbers_cases_list_to_investigators_and_audited() {
    let (app, state) = app_with(fixture().data.path(), ServeConfig::default());
    let c = crate::store(fixture().data.path());
    let phones: String =
        c.query_row("SELECT phones FROM reports WHERE report_id = ?1", [&ids().report], |r| r.get(0)).unwrap();
    let phone: String = datasets::ident::extract(&phones)
        .into_iter()
        .find_map(|m| m.id.key.strip_prefix("tel:+86").filter(|d| d.len() == 11).map(str::to_string))
        .expect("a mobile number");
    // The number with its last digit changed to one no case lists.
    let search = |q: String| format!("/api/v1/search?q={q}");
    let mut typo = None;
    for d in '0'..='9' {
        let t = format!("{}{d}", &phone[..10]);
        if t != phone && get_as(&app, Role::Investigator, &search(t.clone())).await.json()["total"] == 0 {
            typo = Some(t);
            break;
        }
    }
    let typo = typo.expect("a near number that no case lists");
    let found = get_as(&app, Role::Investigator, &search(typo.clone())).await.json();
    let u = &found["unmatched_terms"][0];
    assert_eq!((u["term"].as_str(), u["identifier"].as_bool()), (Some(typo.as_str()), Some(true)), "{found}");
    let suggested: Vec<&str> = u["suggestions"].as_array().unwrap().iter().map(|s| s.as_str().unwrap()).collect();
    assert!(suggested.contains(&phone.as_str()), "{phone} in {suggested:?}");
    let back = get_as(&app, Role::Investigator, &search(phone.clone())).await.json();
    assert!(back["total"].as_u64().unwrap() > 0, "a suggestion finds its case when typed back");
    // Audited like the hits it stands for.
    let mut records = Vec::new();
    state.svc.audit_export(None, None, |rec| records.push(rec.clone())).unwrap();
    let rec = records
        .iter()
        .rev()
        .find(|rec| rec.entry.route == "/api/v1/search" && rec.entry.subjects.contains(&format!("identifier:{phone}")))
        .expect("an audit record naming the suggested number");
    assert_eq!(rec.entry.user_name, "t-investigator");
    // Prevention sees no suggestion.
    let masked = get_as(&app, Role::Prevention, &search(typo)).await.json();
    assert_eq!(masked["unmatched_terms"][0]["suggestions"], serde_json::json!([]));
}

#[tokio::test]
async fn cluster_pages_exports_and_trails_answer_investigators() {
    let app = app();
    let mut uri = "/api/v1/clusters?limit=7".to_string();
    let (mut seen, mut total) = (Vec::new(), None);
    loop {
        let page = get_as(&app, Role::Investigator, &uri).await.json();
        total = total.or(page["total"].as_u64());
        seen.extend(page["items"].as_array().unwrap().iter().map(|c| c["cluster_id"].as_u64().unwrap()));
        match page["next_cursor"].as_str() {
            Some(c) => uri = format!("/api/v1/clusters?limit=7&cursor={c}"),
            None => break,
        }
    }
    assert_eq!(Some(seen.len() as u64), total);
    let c = ids().cluster;
    let graphml = get_as(&app, Role::Investigator, &format!("/api/v1/clusters/{c}/export?format=graphml")).await;
    assert_eq!(graphml.headers["content-type"], "application/xml");
    assert!(String::from_utf8_lossy(&graphml.body).contains("<graphml"));
    let csv = get_as(&app, Role::Investigator, &format!("/api/v1/clusters/{c}/export?format=csv")).await.json();
    let names: Vec<&str> = csv["files"].as_array().unwrap().iter().map(|f| f["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["entities.csv", "links.csv"]);
    let explain =
        get_as(&app, Role::Investigator, &format!("/api/v1/clusters/explain?a={}&b={}", ids().a, ids().b)).await;
    assert_eq!(explain.status, StatusCode::OK, "{}", String::from_utf8_lossy(&explain.body));
}

#[test]
fn the_weekly_views_are_pinned() {
    let svc = Service::new(fixture().data.path());
    let week = analytics::IsoWeek::parse(WEEK).unwrap();
    let q = api::service::risk::ResidentsQuery { limit: Some(3), ..Default::default() };
    let page = svc.risk_residents(week, &q).unwrap();
    insta::assert_json_snapshot!("risk_residents_page", page);
    let resident = svc.risk_resident(week, &page.items[0].resident_id, &[]).unwrap();
    insta::assert_json_snapshot!("risk_resident", resident);
    let weeks = svc.risk_weeks().unwrap();
    insta::assert_json_snapshot!("risk_weeks", weeks, { ".items[].created_at" => "[created_at]" });
}

#[tokio::test]
async fn outreach_plans_are_approved_and_task_events_recorded_over_http() {
    let app = app();
    let auth = format!("Bearer {}", token(Role::Prevention));
    let post = |uri: &str, body: &str| {
        let req = Request::builder()
            .method(Method::POST)
            .uri(uri)
            .header("authorization", &auth)
            .header("x-purpose", "outreach test")
            .header("content-type", "application/json")
            .body(Body::from(body.to_string()))
            .unwrap();
        let app = app.clone();
        async move {
            let res = app.oneshot(req).await.unwrap();
            let status = res.status();
            let body = res.into_body().collect().await.unwrap().to_bytes();
            (status, serde_json::from_slice::<serde_json::Value>(&body).unwrap_or_default())
        }
    };
    // The fixture's plan 1: approved by the caller (or already, by the documented-routes walk); never twice.
    let (status, body) = post("/api/v1/outreach/plans/1/approve", "").await;
    assert!(status == StatusCode::OK || body["code"] == "plan_not_draft", "{status} {body}");
    let (status, body) = post("/api/v1/outreach/plans/1/approve", "").await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::CONFLICT, Some("plan_not_draft")));
    let (status, body) = post("/api/v1/outreach/plans/1", "").await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED, "{body}");

    // Drafting over HTTP, as `fanzha outreach plan`: the caller is the author; the rules of the CLI hold.
    let (status, body) = post("/api/v1/outreach/plans", r#"{"week":"2026-W25","strategy":"greedy","seed":7}"#).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!((body["week"].as_str(), body["strategy"].as_str()), (Some("2026-W25"), Some("greedy")), "{body}");
    assert_eq!((body["status"].as_str(), body["created_by"].as_str()), (Some("draft"), Some("t-prevention")));
    let drafted = body["plan_id"].as_i64().unwrap();
    assert!(body["assignments"].as_u64().unwrap() > 0, "{body}");
    let (status, body) = post("/api/v1/outreach/plans", r#"{"week":"2026-W25"}"#).await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::CONFLICT, Some("plan_exists")), "{body}");
    let (status, body) = post("/api/v1/outreach/plans", r#"{"week":"2026-W25","replace":true}"#).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let replaced_by = body["plan_id"].as_i64().unwrap();
    assert!(replaced_by > drafted, "{body}");
    let listed = get_as(&app, Role::Prevention, "/api/v1/outreach/plans?week=2026-W25").await.json();
    let old = listed["items"].as_array().unwrap().iter().find(|p| p["plan_id"] == drafted).unwrap().clone();
    assert_eq!(old["superseded_by"].as_i64(), Some(replaced_by), "{listed}");
    for (payload, code, expected) in [
        (r#"{"week":"2026-W10"}"#, StatusCode::NOT_FOUND, "snapshot_not_found"),
        (r#"{"week":"2026-W25","strategy":"best"}"#, StatusCode::BAD_REQUEST, "invalid_strategy"),
        (r#"{"week":"2026-W25","minutes_scale":0}"#, StatusCode::BAD_REQUEST, "invalid_minutes_scale"),
        (r#"{"week":"2026-W99"}"#, StatusCode::BAD_REQUEST, "invalid_week"),
        (r#"{"week":"2026-W25","colour":"red"}"#, StatusCode::BAD_REQUEST, "invalid_body"),
        ("", StatusCode::BAD_REQUEST, "invalid_body"),
    ] {
        let (status, body) = post("/api/v1/outreach/plans", payload).await;
        assert_eq!((status, body["code"].as_str()), (code, Some(expected)), "{payload}: {body}");
    }

    // Events: a missing task, a bad outcome, a bad body; then a real one of an approved plan's assignment.
    let (status, body) = post("/api/v1/outreach/tasks/T-NO-SUCH/events", r#"{"outcome":"reached"}"#).await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::NOT_FOUND, Some("task_not_found")));
    let (status, body) = post("/api/v1/outreach/tasks/T-NO-SUCH/events", r#"{"outcome":"maybe"}"#).await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_outcome")));
    let (status, body) = post("/api/v1/outreach/tasks/T-NO-SUCH/events", r#"{"outcome":1}"#).await;
    assert_eq!((status, body["code"].as_str()), (StatusCode::BAD_REQUEST, Some("invalid_body")));
    let sheets = get_as(&app, Role::Prevention, "/api/v1/outreach/tasks").await.json();
    let task = sheets["sheets"][0]["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["kind"] == "plan")
        .map(|t| t["task_id"].as_str().unwrap().to_string())
        .expect("the approved plan's assignments are tasks");
    let (status, body) = post(&format!("/api/v1/outreach/tasks/{task}/events"), r#"{"outcome":"not_home"}"#).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["outcome"], "not_home");
}

/// Warnings name the flagged number in full to an admin and masked to prevention staff, as the role table says.
#[tokio::test]
async fn prevention_sees_warnings_numbers_masked_and_admin_in_full() {
    let app = app();
    let numbers = |v: serde_json::Value| -> Vec<String> {
        v["items"].as_array().unwrap().iter().map(|w| w["number"].as_str().unwrap().to_string()).collect()
    };
    let full = numbers(get_as(&app, Role::Admin, "/api/v1/warnings").await.json());
    let masked = numbers(get_as(&app, Role::Prevention, "/api/v1/warnings").await.json());
    assert!(!full.is_empty(), "the fixture raises warnings");
    assert_eq!(masked.len(), full.len());
    for (m, f) in masked.iter().zip(&full) {
        assert_eq!(m, &datasets::ident::mask_key(f));
        assert!(m.contains('*') && m != f, "{m} from {f}");
    }
}

/// Warnings and day-sheet tasks come in pages (default 50) with a key cursor; following it gives every item once,
/// in the order of the whole list.
#[tokio::test]
async fn warnings_and_tasks_are_paged_by_cursor() {
    let app = app();
    for (path, ids) in [
        (
            "/api/v1/warnings",
            &(|v: &serde_json::Value| {
                v["items"].as_array().unwrap().iter().map(|w| w["warning_id"].as_str().unwrap().to_string()).collect()
            }) as &dyn Fn(&serde_json::Value) -> Vec<String>,
        ),
        // Overdue urgent tasks only: other tests approve plans meanwhile, which adds plan tasks to the full list.
        ("/api/v1/outreach/tasks?overdue=true", &|v: &serde_json::Value| {
            let sheets = v["sheets"].as_array().unwrap();
            sheets
                .iter()
                .flat_map(|s| s["tasks"].as_array().unwrap())
                .map(|t| t["task_id"].as_str().unwrap().to_string())
                .collect()
        }),
    ] {
        let sep = if path.contains('?') { '&' } else { '?' };
        let whole = get_as(&app, Role::Prevention, &format!("{path}{sep}limit=1000")).await.json();
        let all = ids(&whole);
        assert!(all.len() >= 3, "{path}: {whole}");
        assert_eq!(whole["total"].as_u64(), Some(all.len() as u64));
        assert!(whole["next_cursor"].is_null());
        let mut seen: Vec<String> = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let uri = match &cursor {
                Some(c) => format!("{path}{sep}limit=2&cursor={c}"),
                None => format!("{path}{sep}limit=2"),
            };
            let page = get_as(&app, Role::Prevention, &uri).await.json();
            let got = ids(&page);
            assert!(got.len() <= 2 && !got.is_empty(), "{uri}: {page}");
            assert_eq!(page["total"].as_u64(), Some(all.len() as u64));
            seen.extend(got);
            match page["next_cursor"].as_str() {
                Some(c) => cursor = Some(c.to_string()),
                None => break,
            }
        }
        assert_eq!(seen, all, "{path}: the pages are the list, in order");
        let default = get_as(&app, Role::Prevention, path).await.json();
        assert_eq!(ids(&default).len(), all.len().min(50));
        for (query, code) in
            [("cursor=nope", "invalid_cursor"), ("limit=0", "invalid_limit"), ("limit=1001", "invalid_limit")]
        {
            let r = get_as(&app, Role::Prevention, &format!("{path}{sep}{query}")).await;
            assert_eq!(
                (r.status, r.json()["code"].as_str().map(String::from)),
                (StatusCode::BAD_REQUEST, Some(code.into())),
                "{path}{sep}{query}"
            );
        }
    }
}

/// A token scoped to several districts searches all of them at once (no `district=` needed), sees no case of another,
/// and may narrow to one of its own but not to another.
#[tokio::test]
async fn a_token_scoped_to_several_districts_searches_them_all() {
    let app = app();
    let all = get_as(&app, Role::Admin, "/api/v1/search?q=*&limit=1").await.json();
    let facets = all["facets"]["district"].as_array().unwrap().clone();
    assert!(facets.len() >= 3, "{all}");
    let count = |i: usize| facets[i]["count"].as_u64().unwrap();
    let (d1, d2, d3) = (
        facets[0]["value"].as_str().unwrap(),
        facets[1]["value"].as_str().unwrap(),
        facets[2]["value"].as_str().unwrap(),
    );
    let svc = Service::new(fixture().data.path());
    let token =
        svc.users_add("t-two-districts", Role::Investigator, &[d1.to_string(), d2.to_string()], &[]).unwrap().token;
    let auth = format!("Bearer {token}");
    let h = [("authorization", auth.as_str()), ("x-purpose", "t")];
    let both = call(&app, Method::GET, "/api/v1/search?q=*&limit=1000", &h).await;
    assert_eq!(both.status, StatusCode::OK, "{}", String::from_utf8_lossy(&both.body));
    let both = both.json();
    assert_eq!(both["total"].as_u64(), Some(count(0) + count(1)), "{both}");
    let hits = both["hits"].as_array().unwrap();
    assert!(hits.iter().all(|h| h["district"] == d1 || h["district"] == d2));
    let one = call(&app, Method::GET, &format!("/api/v1/search?q=*&district={d2}"), &h).await.json();
    assert_eq!(one["total"].as_u64(), Some(count(1)));
    let other = call(&app, Method::GET, &format!("/api/v1/search?q=*&district={d3}"), &h).await;
    assert_eq!((other.status, other.json()["code"].clone()), (StatusCode::FORBIDDEN, "forbidden_scope".into()));
}
