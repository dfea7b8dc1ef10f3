//! `fanzha trace` and `fanzha typologies`: a generated report's money reaches its gang's L2 and L3 cards and
//! cash-out points (truth files); bad input gives named errors; victims' cards are masked.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use datasets::generate::{Config, MemorySink, generate};

use crate::{REP_HEADER, RES_HEADER, fanzha, folder, ingest};

/// A small generated district: interchange files in `dir`, truth files returned by name.
fn district(dir: &Path) -> HashMap<String, String> {
    let cfg = Config::new(3_000, 8, 3).validate().unwrap();
    let mut sink = MemorySink::new();
    generate(&cfg, &mut sink, &mut |_| {}).unwrap();
    let mut truth = HashMap::new();
    for (name, body) in sink.files() {
        let body = String::from_utf8_lossy(&body).into_owned();
        match name.strip_prefix("truth/") {
            Some(t) => {
                truth.insert(t.to_string(), body);
            }
            None if !name.contains('/') => std::fs::write(dir.join(name), body).unwrap(),
            None => {}
        }
    }
    truth
}

fn rows(csv_text: &str) -> Vec<Vec<String>> {
    csv_text.lines().skip(1).map(|l| l.split(',').map(String::from).collect()).collect()
}

fn run(data: &Path, args: &[&str]) -> (i32, String, String) {
    let out = fanzha(data, args);
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_reports_money_reaches_its_gangs_l2_l3_and_cash_out() {
    let src = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    let truth = district(src.path());
    ingest(src.path(), data.path());
    let transfers = std::fs::read_to_string(src.path().join("transfers.csv")).unwrap();
    let paid: HashSet<String> = rows(&transfers).into_iter().filter_map(|r| r.get(6).cloned()).collect();
    let services: HashMap<String, Vec<String>> = rows(&truth["gangs.csv"])
        .into_iter()
        .map(|r| (r[0].clone(), r[5].split(';').filter(|s| !s.is_empty()).map(String::from).collect()))
        .collect();
    // (owner, role) of every truth identifier, by the part of the key after the kind (wallets are `crypto:` in
    // truth and raw account text in transfers).
    let roles: HashMap<String, (String, String)> = rows(&truth["identifier_gang.csv"])
        .into_iter()
        .map(|r| (r[0].split_once(':').unwrap().1.to_string(), (r[2].clone(), r[3].clone())))
        .collect();
    let role_of = |account: &str, owners: &HashSet<String>| -> Option<String> {
        let bare = account.split_once(':').map_or(account, |(_, b)| b);
        roles.get(bare).filter(|(o, _)| owners.contains(o)).map(|(_, r)| r.clone())
    };
    let mut checked = 0;
    for r in rows(&truth["report_gang.csv"]).into_iter().filter(|r| r[2].is_empty() && paid.contains(&r[0])).take(3) {
        let (report, gang) = (&r[0], &r[1]);
        let mut owners: HashSet<String> = services[gang].iter().cloned().collect();
        owners.insert(gang.clone());
        let (code, out, err) = run(data.path(), &["trace", "--report", report, "--json"]);
        assert_eq!(code, 0, "{err}");
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        let fen = |x: &serde_json::Value| -> i64 { datasets::Fen::parse_yuan(x.as_str().unwrap()).unwrap().0 };
        assert_eq!(
            fen(&v["victim_yuan"]),
            fen(&v["held_yuan"]) + fen(&v["cashed_out_yuan"]) + fen(&v["untraced"]["total_yuan"])
        );
        let trail = v["trail"].as_array().unwrap();
        let at_depth = |d: u64| trail.iter().filter(move |n| n["depth"] == d);
        for n in at_depth(1) {
            assert_eq!(role_of(n["account"].as_str().unwrap(), &owners).as_deref(), Some("l1"), "{n}");
        }
        let l2: Vec<_> = at_depth(2).collect();
        assert!(!l2.is_empty(), "{report}: no L2 hop");
        for n in &l2 {
            assert_eq!(role_of(n["account"].as_str().unwrap(), &owners).as_deref(), Some("l2"), "{report}: {n}");
        }
        let l3: Vec<_> = at_depth(3).collect();
        assert!(!l3.is_empty(), "{report}: no L3 hop");
        for n in &l3 {
            assert_eq!(role_of(n["account"].as_str().unwrap(), &owners).as_deref(), Some("l3"), "{report}: {n}");
        }
        // The money ends at ATMs, wallets and merchants, or in the gang's backer accounts (paid by the gang's own L3
        // cards or by a laundering service): mostly cashed out or with the backer within the horizon.
        let cashed: Vec<_> = trail.iter().filter(|n| n["end"] == "cashed_out").collect();
        assert!(cashed.iter().all(|n| n["depth"] == 4), "{report}: cash-out not after L3");
        // Crypto cash-outs go to the gang's (or its service's) own wallets, or to the gang's backer's wallet.
        for n in cashed.iter().filter(|n| n["channel"] == "crypto") {
            let role = role_of(n["account"].as_str().unwrap(), &owners);
            assert!(matches!(role.as_deref(), Some("cashout" | "backer")), "{n}");
        }
        let with_backer: i64 = at_depth(4)
            .filter(|n| role_of(n["account"].as_str().unwrap(), &owners).as_deref() == Some("backer"))
            .map(|n| fen(&n["held_yuan"]))
            .sum();
        assert!(
            (fen(&v["cashed_out_yuan"]) + with_backer) * 2 > fen(&v["victim_yuan"]),
            "{report}: cashed out {}, with the backer {with_backer} fen",
            v["cashed_out_yuan"]
        );
        for method in ["lifo", "prorata", "matched"] {
            let (code, out, err) = run(data.path(), &["trace", "--report", report, "--method", method, "--json"]);
            assert_eq!(code, 0, "{err}");
            let w: serde_json::Value = serde_json::from_str(&out).unwrap();
            assert_eq!(w["victim_yuan"], v["victim_yuan"]);
            assert_eq!(
                fen(&w["victim_yuan"]),
                fen(&w["held_yuan"]) + fen(&w["cashed_out_yuan"]) + fen(&w["untraced"]["total_yuan"])
            );
            // The generator's L3 cards pass each chunk on in full: matching follows them.
            if method == "matched" {
                let matched = w["trail"].as_array().unwrap().iter().filter(|n| n["matched"] == true).count();
                assert!(matched > 0, "{report}: no matched hop");
            }
        }
        checked += 1;
    }
    assert_eq!(checked, 3);

    // Text output masks the victim's card; --unmasked shows it.
    let report = rows(&transfers).into_iter().find(|r| r.get(6).is_some_and(|x| !x.is_empty())).unwrap();
    let (code, text, _) = run(data.path(), &["trace", "--report", &report[6]]);
    assert_eq!(code, 0);
    let card = &report[1];
    let masked = format!("{} **** **** {}", &card[..4], &card[card.len() - 4..]);
    assert!(text.contains(&masked) && !text.contains(card.as_str()), "{text}");
    let (_, text, _) = run(data.path(), &["trace", "--report", &report[6], "--unmasked"]);
    assert!(text.contains(card.as_str()));
    // Upstream: the L1 card was fed by the victim.
    let (code, text, err) = run(data.path(), &["trace", "--account", &report[2], "--upstream", "--unmasked"]);
    assert_eq!(code, 0, "{err}");
    assert!(text.contains(card.as_str()), "{text}");
    // Typologies run over the same store; every finding names accounts and transfers.
    let (code, out, err) = run(data.path(), &["typologies", "--json"]);
    assert_eq!(code, 0, "{err}");
    let found: serde_json::Value = serde_json::from_str(&out).unwrap();
    let found = found.as_array().unwrap();
    assert!(found.iter().any(|f| f["kind"] == "fan-out") && found.iter().any(|f| f["kind"] == "stack"));
    assert!(found.iter().all(|f| !f["accounts"].as_array().unwrap().is_empty()));
    let (code, out, _) = run(data.path(), &["typologies", "--kind", "pass-through"]);
    assert_eq!(code, 0);
    assert!(out.contains("pass-through:") && !out.contains("fan-in:"), "{out}");
    let (code, out, err) = run(data.path(), &["typologies", "--kind", "structuring"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("structuring:") && !out.contains("stack:"), "{out}");
    // The ranking: points never rise down the list, and the top account takes part in some pattern.
    let (code, out, err) = run(data.path(), &["typologies", "--accounts", "--json"]);
    assert_eq!(code, 0, "{err}");
    let ranked: serde_json::Value = serde_json::from_str(&out).unwrap();
    let ranked = ranked.as_array().unwrap();
    assert!(!ranked.is_empty() && !ranked[0]["kinds"].as_array().unwrap().is_empty());
    let points: Vec<u64> = ranked.iter().map(|r| r["points"].as_u64().unwrap()).collect();
    assert!(points.windows(2).all(|w| w[0] >= w[1]), "{points:?}");
}

#[test]
fn trace_and_typologies_bad_input_gives_clear_errors() {
    let empty = tempfile::tempdir().unwrap();
    let (code, _, err) = run(empty.path(), &["trace", "--report", "R1"]);
    assert_eq!(code, 1);
    assert!(err.contains("no store"), "{err}");
    // A store with reports but no transfers.
    let data = tempfile::tempdir().unwrap();
    let reports =
        format!("{REP_HEADER}\nR1,2026-03-02,310115,,,刷单返利,100,接到电话\nR2,2026-03-03,310115,,,刷单返利,100,x\n");
    let dir = folder(&[("residents.csv", &format!("{RES_HEADER}\n")), ("reports.csv", &reports)]);
    ingest(dir.path(), data.path());
    let (code, _, err) = run(data.path(), &["typologies"]);
    assert_eq!(code, 5, "a conflict with what is stored");
    assert!(err.contains("no transfers"), "{err}");
    // Now transfers for R1 only.
    let transfers = "transfer_id,from_account,to_account,amount_yuan,at,channel,report_id\n\
                     T1,6222021234567890128,6228480402564890018,100,2026-03-02 10:00:00,bank,R1\n\
                     T2,6228480402564890018,6217001234567890,90,2026-03-02 10:05:00,bank,\n";
    let dir = folder(&[
        ("residents.csv", &format!("{RES_HEADER}\n")),
        ("reports.csv", &reports),
        ("transfers.csv", transfers),
    ]);
    ingest(dir.path(), data.path());
    // Exit codes follow the error's kind: 2 invalid input (clap or the service), 4 not found, 5 conflict.
    for (args, code_wanted, needle) in [
        (&["trace", "--report", "R9"][..], 4, "unknown report \"R9\""),
        (&["trace", "--report", "R2"][..], 5, "report \"R2\" has no transfers"),
        (&["trace", "--account", "6212345678901234"][..], 4, "unknown account"),
        (&["trace", "--report", "R1", "--method", "average"][..], 2, "unknown tracing method \"average\""),
        (&["trace", "--report", "R1", "--upstream"][..], 2, "--upstream"),
        (&["trace", "--report", "R1", "--method", "matched", "--match-tolerance", "1.5"][..], 2, "match_tolerance"),
        (&["trace", "--report", "R1", "--match-tolerance", "0.02"][..], 2, "--method matched only"),
        (&["typologies", "--kind", "smurf"][..], 2, "unknown typology \"smurf\""),
    ] {
        let (code, _, err) = run(data.path(), args);
        assert_eq!(code, code_wanted, "{args:?}: {err}");
        assert!(err.contains(needle), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{err}");
    }
    let (code, out, err) = run(data.path(), &["trace", "--report", "R1"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("6222 **** **** 0128") && out.contains("card:6217001234567890"), "{out}");
    assert!(out.contains("¥100.00 traced = ¥100.00 held"), "{out}");
}

#[test]
fn cash_outs_without_a_counterparty_are_stored_and_traced_as_leaving_the_system() {
    let data = tempfile::tempdir().unwrap();
    let reports = format!("{REP_HEADER}\nR1,2026-03-02,310115,,,刷单返利,5000,接到电话\n");
    // T2 and T3 withdraw with no receiving account (cash-outs); T4 has none on a bank transfer: rejected.
    let transfers = "transfer_id,from_account,to_account,amount_yuan,at,channel,report_id\n\
                     T1,6222021234567890128,6228480402564890018,5000,2026-03-02 10:00:00,bank,R1\n\
                     T2,6228480402564890018,,3000,2026-03-02 11:00:00,atm,\n\
                     T3,6228480402564890018,,1500,2026-03-02 12:00:00,cash,\n\
                     T4,6228480402564890018,,100,2026-03-02 13:00:00,bank,\n";
    let dir = folder(&[
        ("residents.csv", &format!("{RES_HEADER}\n")),
        ("reports.csv", &reports),
        ("transfers.csv", transfers),
    ]);
    let (code, stdout) = ingest(dir.path(), data.path());
    assert_eq!(code, 3, "one row rejected: {stdout}");
    let rejects = std::fs::read_to_string(data.path().join("rejects/1.csv")).unwrap();
    let line = rejects.lines().nth(1).unwrap();
    assert!(line.contains("transfers.csv") && line.contains(",5,to_account,"), "{rejects}");
    assert!(line.contains("only a cash-out") && line.contains("channel is bank"), "{rejects}");
    let (code, out, err) = run(data.path(), &["trace", "--report", "R1", "--json"]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["cashed_out_yuan"], "4500.00", "{v}");
    let sinks: Vec<&str> = v["cashed_out"].as_array().unwrap().iter().map(|c| c["account"].as_str().unwrap()).collect();
    assert_eq!(sinks.len(), 2, "{v}");
    // Each withdrawal ends at the mule card's own sink for its channel (a mule's card is shown to investigators).
    assert_eq!(sinks, ["cashout:atm:card:6228480402564890018", "cashout:cash:card:6228480402564890018"]);
}
