//! `fanzha stats`: counts and 万人发案率 with period and population basis.

use crate::*;

#[test]
fn stats_counts_and_rates_per_community() {
    let mut residents = format!("{RES_HEADER}\n");
    for i in 0..4 {
        residents += &format!("A{i},1950,f,310115,花木\n");
    }
    for i in 0..8 {
        residents += &format!("B{i},1950,f,310115,洋泾\n");
    }
    // Community from the report, from the victim (B1, R3), and unknown (R4).
    let reports = format!(
        "{REP_HEADER}\nR1,2026-03-02,310115,花木,,刷单返利,100,\nR2,2026-03-09,310115,花木,,刷单返利,50.5,\nR3,2026-03-15,310115,,B1,冒充公检法,1000,\nR4,2026-03-15,310115,,,冒充公检法,,\nX1,2026-03-16,440304,,,刷单返利,20,\n"
    );
    let data = tempfile::tempdir().unwrap();
    let dir = folder(&[("residents.csv", &residents), ("reports.csv", &reports)]);
    assert_eq!(ingest(dir.path(), data.path()).0, 0);
    let out = fanzha(data.path(), &["stats", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["tables"][0]["rows"], 12);
    assert_eq!(v["tables"][1]["rows"], 5);
    // X1 was filed in another district (shared by the national platform): counted per type, not in the rates.
    assert_eq!(v["local_reports"], 4);
    assert_eq!(v["shared_reports"], 1);
    assert!((v["district_per_10k"].as_f64().unwrap() - 4.0 / 12.0 * 10_000.0).abs() < 1e-9);
    assert_eq!(v["population"], 12);
    assert_eq!(v["by_fraud_type"][0]["key"], "order_brushing");
    assert_eq!(v["by_fraud_type"][0]["loss_yuan"], "170.50");
    assert_eq!(v["by_fraud_type"][1]["key"], "impersonate_police");
    assert_eq!(v["by_fraud_type"][1]["loss_yuan"], "1000.00");
    let weeks: Vec<_> =
        v["by_week"].as_array().unwrap().iter().map(|g| (g["key"].clone(), g["cases"].clone())).collect();
    assert_eq!(
        weeks,
        vec![("2026-W10".into(), 1.into()), ("2026-W11".into(), 3.into()), ("2026-W12".into(), 1.into())]
    );
    assert_eq!(v["period"]["first"], "2026-03-02");
    assert_eq!(v["period"]["last"], "2026-03-15");
    assert_eq!(v["period"]["days"], 14);
    let rates: Vec<_> = v["communities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["community"].as_str().unwrap().to_string(), c["cases"].as_u64().unwrap(), c["per_10k"].as_f64()))
        .collect();
    assert_eq!(
        rates,
        vec![("(unknown)".into(), 1, None), ("洋泾".into(), 1, Some(1250.0)), ("花木".into(), 2, Some(5000.0))]
    );
    let text = String::from_utf8_lossy(&fanzha(data.path(), &["stats"]).stdout).into_owned();
    assert!(text.contains("period: 2026-03-02..2026-03-15 (14 days, 2.0 weeks)"), "{text}");
    assert!(text.contains("population basis: residents in the store (12 in all)"), "{text}");
}

#[test]
fn stats_without_a_store_is_an_error() {
    let data = tempfile::tempdir().unwrap();
    let out = fanzha(data.path(), &["stats"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("run `fanzha ingest"));
    assert!(!data.path().join("fanzha.sqlite").exists(), "stats must not create a store");
}
