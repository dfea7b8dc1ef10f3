//! `fanzha clusters`: run, list, show, hubs; hubs never link reports unless force-included; ids kept across runs;
//! show's evidence, explain, export and PIPL masking on a hand-made and a generated district.

use std::path::Path;

use api::error::Kind;
use datasets::generate::{Config, MemorySink, generate};

use crate::*;

const HEADER: &str =
    "report_id,reported_at,district,community,victim_id,fraud_type,loss_yuan,narrative,phones,accounts";

fn district() -> tempfile::TempDir {
    let reports = format!(
        "{HEADER}\n\
         R1,2026-03-02,310115,,,刷单返利,100,接到电话,13800138000;95588,6222021234567890128\n\
         R2,2026-03-04,440304,,,刷单返利,200,,+86 138-0013-8000,\n\
         R3,2026-03-05,310115,,,冒充公检法,300,,13900139000,6228480402564890018\n\
         R4,2026-03-06,310115,,,虚假网络贷款,50,银行95588客服说,95588,\n"
    );
    folder(&[("residents.csv", &format!("{RES_HEADER}\n")), ("reports.csv", &reports)])
}

fn json(data: &std::path::Path, args: &[&str]) -> serde_json::Value {
    let out = fanzha(data, args);
    assert_eq!(out.status.code(), Some(0), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn cluster_of(list: &serde_json::Value, data: &std::path::Path, report: &str) -> u64 {
    for c in list.as_array().unwrap() {
        let id = c["cluster_id"].as_u64().unwrap();
        let detail = json(data, &["clusters", "show", &id.to_string(), "--json"]);
        if detail["report_ids"].as_array().unwrap().iter().any(|r| r == report) {
            return id;
        }
    }
    panic!("{report} in no cluster");
}

#[test]
fn clusters_link_shared_identifiers_but_not_hubs() {
    let data = tempfile::tempdir().unwrap();
    let dir = district();
    assert_eq!(ingest(dir.path(), data.path()).0, 0);
    let run = json(data.path(), &["clusters", "run", "--json"]);
    assert_eq!(run["reports"], 4);
    assert_eq!(run["clusters"], 3);
    let list = json(data.path(), &["clusters", "list", "--json"]);
    let first = &list[0];
    assert_eq!(first["reports"], 2);
    assert_eq!(first["total_loss_yuan"], "300.00");
    assert_eq!(first["cross_jurisdiction"], true);
    let (c1, c2, c4) = (
        cluster_of(&list, data.path(), "R1"),
        cluster_of(&list, data.path(), "R2"),
        cluster_of(&list, data.path(), "R4"),
    );
    assert_eq!(c1, c2);
    assert_ne!(c1, c4, "95588 is a hub and must not link R4 to R1");
    let show = json(data.path(), &["clusters", "show", &c1.to_string(), "--json"]);
    assert_eq!(show["key_phones"][0]["key"], "tel:+8613800138000");
    assert_eq!(show["key_phones"][0]["reports"], 2);
    assert!(show["key_phones"].as_array().unwrap().iter().all(|p| p["key"] != "tel:95588"));
    let hubs = json(data.path(), &["clusters", "hubs", "--json"]);
    assert_eq!(hubs[0]["key"], "tel:95588");
    assert!(hubs[0]["reason"].as_str().unwrap().starts_with("allow-listed"));

    // A second run keeps every id.
    let again = json(data.path(), &["clusters", "run", "--json"]);
    assert_eq!(again["ids_kept_from_previous_run"], 3);
    assert_eq!(cluster_of(&json(data.path(), &["clusters", "list", "--json"]), data.path(), "R1"), c1);

    // An investigator forces 95588 back in: now it links R4 to R1's gang.
    let policy = data.path().join("hubs.txt");
    std::fs::write(&policy, "force_include tel:95588\n").unwrap();
    let forced = json(data.path(), &["clusters", "run", "--json", "--hub-policy", policy.to_str().unwrap()]);
    assert_eq!(forced["clusters"], 2);
    let list = json(data.path(), &["clusters", "list", "--json"]);
    assert_eq!(cluster_of(&list, data.path(), "R4"), cluster_of(&list, data.path(), "R1"));
    let hubs = json(data.path(), &["clusters", "hubs", "--json"]);
    assert_eq!(hubs[0]["overridden"], true);
}

#[test]
fn clusters_bad_input_gives_clear_errors() {
    let data = tempfile::tempdir().unwrap();
    let out = fanzha(data.path(), &["clusters", "list"]);
    assert_eq!(out.status.code(), Some(1));
    let dir = district();
    assert_eq!(ingest(dir.path(), data.path()).0, 0);
    let out = fanzha(data.path(), &["clusters", "list"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("fanzha clusters run"), "{out:?}");
    let policy = data.path().join("bad.txt");
    std::fs::write(&policy, "tel:95588 ok\nnonsense\n").unwrap();
    let out = fanzha(data.path(), &["clusters", "run", "--hub-policy", policy.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "a bad policy file is invalid input");
    assert!(String::from_utf8_lossy(&out.stderr).contains("line 2"), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(fanzha(data.path(), &["clusters", "run"]).status.code(), Some(0));
    let out = fanzha(data.path(), &["clusters", "show", "999"]);
    assert_eq!(out.status.code(), Some(4), "not found");
    assert!(String::from_utf8_lossy(&out.stderr).contains("no cluster 999"));
}

/// Runs a command that must fail with exit `code` (1 no store, 2 invalid input, 4 not found) and returns stderr.
fn failing(data: &Path, args: &[&str], code: i32) -> String {
    let out = fanzha(data, args);
    assert_eq!(out.status.code(), Some(code), "{args:?} should fail: {out:?}");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A generated district: 20,000 residents over 26 weeks (about 50 reports, 18,000 transfers).
fn generated() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let cfg = Config::new(20_000, 26, 3).validate().unwrap();
    let mut sink = MemorySink::new();
    generate(&cfg, &mut sink, &mut |_| {}).unwrap();
    for (name, body) in sink.files() {
        if !name.contains('/') {
            std::fs::write(dir.path().join(name), body).unwrap();
        }
    }
    dir
}

/// Counts start/empty elements named `name` in an XML document, failing on malformed XML.
fn xml_count(xml: &[u8], name: &str) -> usize {
    let mut reader = quick_xml::Reader::from_reader(xml);
    let mut buf = Vec::new();
    let mut n = 0;
    loop {
        match reader.read_event_into(&mut buf).expect("well-formed XML") {
            quick_xml::events::Event::Eof => return n,
            quick_xml::events::Event::Start(e) | quick_xml::events::Event::Empty(e)
                if e.local_name().as_ref() == name.as_bytes() =>
            {
                n += 1
            }
            _ => {}
        }
        buf.clear();
    }
}

fn minute(text: &str) -> chrono::NaiveDateTime {
    chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M").unwrap()
}

#[test]
fn clusters_show_explain_and_export_a_generated_district() {
    let src = generated();
    let data = tempfile::tempdir().unwrap();
    let d = data.path();
    // Nothing to export or explain before a store and a run exist.
    assert!(failing(d, &["clusters", "export", "1", "--format", "graphml"], 1).contains("no store"));
    ingest(src.path(), d);
    assert!(failing(d, &["clusters", "export", "1", "--format", "graphml"], 4).contains("fanzha clusters run"));
    assert!(failing(d, &["clusters", "explain", "A", "B"], 4).contains("fanzha clusters run"));
    json(d, &["clusters", "run", "--json"]);
    let list = json(d, &["clusters", "list", "--json"]);
    let top = &list[0];
    let id = top["cluster_id"].as_u64().unwrap().to_string();
    assert!(top["reports"].as_u64().unwrap() >= 3, "{top}");
    let show = json(d, &["clusters", "show", &id, "--json"]);
    let districts = show["summary"]["districts"].as_array().unwrap();
    let provinces = show["summary"]["provinces"].as_array().unwrap();
    assert!(!provinces.is_empty() && provinces.len() <= districts.len());
    assert_eq!(show["summary"]["cross_jurisdiction"], districts.len() > 1);
    assert_eq!(show["betweenness_method"], "exact");

    // Key accounts ranked by PageRank; confidence = attachment × cohesion in [0, 1].
    let accounts = show["key_accounts"].as_array().unwrap();
    assert!(!accounts.is_empty());
    let ranks: Vec<f64> = accounts.iter().map(|a| a["pagerank"].as_f64().unwrap()).collect();
    assert!(ranks.windows(2).all(|w| w[0] >= w[1]), "{ranks:?}");
    let c = &show["confidence"];
    let score = c["score"].as_f64().unwrap();
    assert!((0.0..=1.0).contains(&score) && score > 0.0, "{c}");
    assert!((score - c["attachment"].as_f64().unwrap() * c["cohesion"].as_f64().unwrap()).abs() < 1e-12);

    // L1 accounts: active exactly when they moved money within 7 days of the end of the data.
    assert_eq!(show["l1_active_days"], 7);
    let end = minute(show["data_end"].as_str().unwrap());
    let l1 = show["l1_accounts"].as_array().unwrap();
    assert!(!l1.is_empty());
    for a in l1 {
        let recent = end - minute(a["last_activity"].as_str().unwrap()) <= chrono::Duration::days(7);
        assert_eq!(a["active"], recent, "{a}");
    }

    // Explain: a chain from the first report to the last, each step starting where the previous ended.
    let reports: Vec<&str> = show["report_ids"].as_array().unwrap().iter().map(|r| r.as_str().unwrap()).collect();
    let (a, b) = (reports[0], reports[reports.len() - 1]);
    let chain = json(d, &["clusters", "explain", a, b, "--json"]);
    let steps = chain["steps"].as_array().unwrap();
    assert!(steps.len() >= 2 && steps.len().is_multiple_of(2), "{chain}");
    assert_eq!(steps[0]["from"], a);
    assert_eq!(steps[steps.len() - 1]["to"], b);
    assert!(steps.windows(2).all(|w| w[0]["to"] == w[1]["from"]));
    for s in steps {
        match s["kind"].as_str().unwrap() {
            "payment" | "transfer" => assert!(s["amount_yuan"].is_string(), "{s}"),
            "attributed_money" => assert!(s["share_pct"].as_f64().is_some_and(|p| p > 0.0 && p <= 100.0), "{s}"),
            kind => assert_eq!(kind, "mention"),
        }
    }
    let text = fanzha(d, &["clusters", "explain", a, b]);
    assert!(String::from_utf8_lossy(&text.stdout).contains(&format!("linked in {} steps", steps.len())));
    let other = list.as_array().unwrap().iter().find(|c| c["cluster_id"] != top["cluster_id"]).unwrap();
    let other_id = other["cluster_id"].as_u64().unwrap().to_string();
    let other_report =
        json(d, &["clusters", "show", &other_id, "--json"])["report_ids"][0].as_str().unwrap().to_string();
    let err = failing(d, &["clusters", "explain", a, &other_report], 4);
    assert!(err.contains("no common cluster") && err.contains(&format!("cluster {other_id}")), "{err}");
    assert!(failing(d, &["clusters", "explain", a, "AJ-NOPE"], 4).contains("unknown report id \"AJ-NOPE\""));

    // Every report of every cluster is explained from its cluster's first report: a cluster holds only what a chain
    // of shared identifiers, transfers or attributed money links.
    let mut kinds = std::collections::BTreeMap::<String, usize>::new();
    for c in list.as_array().unwrap().iter().filter(|c| c["reports"].as_u64().unwrap() > 1) {
        let cid = c["cluster_id"].as_u64().unwrap().to_string();
        let ids = json(d, &["clusters", "show", &cid, "--json"])["report_ids"].clone();
        let ids: Vec<&str> = ids.as_array().unwrap().iter().map(|r| r.as_str().unwrap()).collect();
        for other in &ids[1..] {
            let chain = json(d, &["clusters", "explain", ids[0], other, "--json"]);
            for s in chain["steps"].as_array().unwrap() {
                *kinds.entry(s["kind"].as_str().unwrap().to_string()).or_default() += 1;
            }
        }
    }
    eprintln!("explain step kinds over all clusters: {kinds:?}");
    // The district's laundering services pay gangs back: some reports are held in their cluster by money traced
    // through a service's pooled accounts to the gang's backer, and explain shows that step.
    assert!(kinds.get("attributed_money").is_some_and(|&n| n > 0), "{kinds:?}");

    // Exports: the subgraph show counted, then the hubs and laundering services' accounts it touches, marked;
    // GraphML, GEXF, CSV and JSON agree.
    let exported = json(d, &["clusters", "export", &id, "--format", "json"]);
    let marked = |n: &serde_json::Value| n["shared"].as_str().map(String::from);
    let all_nodes = exported["nodes"].as_array().unwrap();
    let core = all_nodes.iter().take_while(|n| marked(n).is_none()).count();
    assert_eq!(core, show["subgraph_nodes"].as_u64().unwrap() as usize, "the core comes first, as show counts it");
    assert!(all_nodes[core..].iter().all(|n| matches!(marked(n).as_deref(), Some("hub" | "laundering_service"))));
    let (nodes, edges) = (all_nodes.len(), exported["links"].as_array().unwrap().len());
    assert!(edges >= show["subgraph_edges"].as_u64().unwrap() as usize);
    // Somewhere in the district a gang's money reaches a laundering service: its export shows the account marked.
    let services = json(d, &["clusters", "services", "--json"]);
    let served = services[0]["served_clusters"][0].as_u64().expect("a service serving a cluster").to_string();
    let with_service = json(d, &["clusters", "export", &served, "--format", "json"]);
    let service_accounts: Vec<&str> = services
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["accounts"].as_array().unwrap())
        .filter_map(|a| a.as_str())
        .collect();
    let marked_services: Vec<&serde_json::Value> =
        with_service["nodes"].as_array().unwrap().iter().filter(|n| n["shared"] == "laundering_service").collect();
    assert!(!marked_services.is_empty(), "cluster {served} uses a service: {with_service}");
    assert!(marked_services.iter().all(|n| service_accounts.contains(&n["label"].as_str().unwrap())));
    let out = d.join("exports");
    std::fs::create_dir_all(&out).unwrap();
    for (format, node_tag) in [("graphml", "node"), ("gexf", "node")] {
        let file = out.join(format!("c.{format}"));
        let res = fanzha(d, &["clusters", "export", &id, "--format", format, "--out", file.to_str().unwrap()]);
        assert_eq!(res.status.code(), Some(0), "{res:?}");
        let xml = std::fs::read(&file).unwrap();
        assert_eq!((xml_count(&xml, node_tag), xml_count(&xml, "edge")), (nodes, edges), "{format}");
    }
    let csv_dir = out.join("csv");
    let res = fanzha(d, &["clusters", "export", &id, "--format", "csv", "--out", csv_dir.to_str().unwrap()]);
    assert_eq!(res.status.code(), Some(0), "{res:?}");
    let lines = |f: &str| std::fs::read_to_string(csv_dir.join(f)).unwrap().lines().count();
    assert_eq!((lines("entities.csv"), lines("links.csv")), (nodes + 1, edges + 1));
    let err = failing(d, &["clusters", "export", &id, "--format", "pdf"], 2);
    assert!(err.contains("unknown export format \"pdf\""), "{err}");
    assert!(failing(d, &["clusters", "export", "999999", "--format", "json"], 4).contains("no cluster 999999"));
    assert!(failing(d, &["clusters", "export", &id, "--format", "csv"], 2).contains("--out DIR"));
}

#[test]
fn victims_phones_are_masked_unless_unmasked() {
    let data = tempfile::tempdir().unwrap();
    let dir = district();
    // The resident behind R1/R2's shared number: a victim's own phone. R1's victim paid a mule card.
    std::fs::write(
        dir.path().join("residents.csv"),
        "resident_id,birth_year,gender,district,community,phones\nP1,1950,f,310115,花木街道,13800138000\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("transfers.csv"),
        "transfer_id,from_account,to_account,amount_yuan,at,channel,report_id\n\
         T1,6217000000000000011,6222021234567890128,100,2026-03-02 10:00:00,,R1\n",
    )
    .unwrap();
    assert_eq!(ingest(dir.path(), data.path()).0, 0);
    json(data.path(), &["clusters", "run", "--json"]);
    let list = json(data.path(), &["clusters", "list", "--json"]);
    let id = cluster_of(&list, data.path(), "R1").to_string();
    let show = json(data.path(), &["clusters", "show", &id, "--json"]);
    assert_eq!(show["key_phones"][0]["key"], "tel:+86138****8000");
    assert_eq!(show["l1_accounts"][0]["key"], "card:6222021234567890128", "mule cards are shown");
    let text = String::from_utf8(fanzha(data.path(), &["clusters", "show", &id]).stdout).unwrap();
    assert!(text.contains("tel:+86138****8000") && !text.contains("13800138000"), "{text}");
    let chain = String::from_utf8(fanzha(data.path(), &["clusters", "explain", "R1", "R2"]).stdout).unwrap();
    assert!(chain.contains("tel:+86138****8000") && !chain.contains("13800138000"), "{chain}");
    let unmasked = json(data.path(), &["clusters", "show", &id, "--json", "--unmasked"]);
    assert_eq!(unmasked["key_phones"][0]["key"], "tel:+8613800138000");
    let graphml = fanzha(data.path(), &["clusters", "export", &id, "--format", "graphml"]);
    let xml = String::from_utf8(graphml.stdout).unwrap();
    assert!(xml.contains("tel:+86138****8000") && !xml.contains("13800138000"));
    // The subgraph show counts, plus the hubs it touches (the bank hotline both report), marked.
    let hubs = xml.matches(r#"<data key="node_shared">hub</data>"#).count();
    assert!(hubs >= 1, "{xml}");
    assert_eq!(xml_count(xml.as_bytes(), "node"), show["subgraph_nodes"].as_u64().unwrap() as usize + hubs);
}

/// The hand-made district with the resident behind R1/R2's number and R1's payment into a mule card, clustered.
fn clustered() -> tempfile::TempDir {
    let data = tempfile::tempdir().unwrap();
    let dir = district();
    std::fs::write(
        dir.path().join("residents.csv"),
        "resident_id,birth_year,gender,district,community,phones\nP1,1950,f,310115,花木街道,13800138000\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("transfers.csv"),
        "transfer_id,from_account,to_account,amount_yuan,at,channel,report_id\n\
         T1,6217000000000000011,6222021234567890128,100,2026-03-02 10:00:00,bank,R1\n\
         T2,6222021234567890128,6228480402564890018,90,2026-03-02 10:05:00,bank,\n",
    )
    .unwrap();
    assert_eq!(ingest(dir.path(), data.path()).0, 0);
    json(data.path(), &["clusters", "run", "--json"]);
    data
}

#[test]
fn service_views_are_pinned() {
    use api::service::Service;
    use api::service::gangs::ClustersQuery;
    use api::service::money::{TraceRequest, TraceStart};

    let data = clustered();
    let svc = Service::new(data.path());
    let list = svc.clusters_list(&ClustersQuery::default().check().unwrap()).unwrap();
    insta::assert_json_snapshot!("clusters_list", list);
    let r1 = list[0].cluster_id; // R1, R2 and R3 (paid on by R1's mule card)
    insta::assert_json_snapshot!("cluster_show", svc.cluster_show(r1, false).unwrap(), {
        ".**.pagerank" => insta::rounded_redaction(6),
        ".**.betweenness" => insta::rounded_redaction(6),
    });
    insta::assert_json_snapshot!("clusters_explain", svc.clusters_explain("R1", "R2", false).unwrap());
    let req = TraceRequest {
        start: TraceStart::Report("R1".into()),
        method: analytics::Method::Fifo,
        match_tolerance: 0.0,
        max_depth: 8,
        horizon_days: 90,
        unmasked: false,
    };
    insta::assert_json_snapshot!("trace_r1", svc.trace(&req).unwrap());

    // Filters: only cross-jurisdiction clusters, or a loss floor above every cluster.
    let cross = ClustersQuery { cross_jurisdiction: true, ..Default::default() }.check().unwrap();
    assert!(svc.clusters_list(&cross).unwrap().iter().all(|c| c.cross_jurisdiction));
    let rich = ClustersQuery { min_loss_yuan: Some("1000".into()), ..Default::default() }.check().unwrap();
    assert!(svc.clusters_list(&rich).unwrap().is_empty());
    let bad = ClustersQuery { fraud_type: Some("nope".into()), ..Default::default() }.check().unwrap_err();
    assert_eq!((bad.kind(), bad.field_errors()[0].field.as_str()), (Kind::Invalid, "fraud_type"));
}

#[test]
fn unknown_clusters_and_reports_are_not_found() {
    let data = clustered();
    let svc = api::service::Service::new(data.path());
    let code = |e: api::error::AppError| (e.kind(), e.code());
    assert_eq!(code(svc.cluster_show(999, false).unwrap_err()), (Kind::NotFound, "cluster_not_found"));
    assert_eq!(
        code(svc.cluster_export(999, analytics::ExportFormat::Json, false).unwrap_err()),
        (Kind::NotFound, "cluster_not_found")
    );
    assert_eq!(code(svc.clusters_explain("R1", "NOPE", false).unwrap_err()), (Kind::NotFound, "report_not_found"));
    let empty = tempfile::tempdir().unwrap();
    let dir = district();
    ingest(dir.path(), empty.path());
    let fresh = api::service::Service::new(empty.path());
    assert_eq!(code(fresh.hubs().unwrap_err()), (Kind::NotFound, "clustering_run_not_found"));
}
