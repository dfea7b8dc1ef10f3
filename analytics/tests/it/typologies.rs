//! Typology detectors: each finds its planted pattern inside a random background and stays silent on the
//! background alone; AMLSim (external data) scores fan-in and cycle detection against `isFraud`.

use std::collections::HashSet;
use std::path::PathBuf;

use analytics::{CycleOrder, MoneyTransfer, TransferGraph, TypologyKind, TypologyParams, detect, score_accounts};
use datasets::TransferChannel;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

const HOUR: i64 = 3_600;
const DAY: i64 = 86_400;

fn tx(from: &str, to: &str, yuan: i64, at: i64) -> MoneyTransfer {
    MoneyTransfer {
        from_account: from.into(),
        to_account: to.into(),
        amount_fen: yuan * 100,
        at,
        channel: Some(TransferChannel::Bank),
        report_id: None,
    }
}

/// 300 ordinary accounts paying each other about once a month each, random amounts over 90 days.
fn background(seed: u64) -> Vec<MoneyTransfer> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..900)
        .map(|_| {
            let (a, b) = (rng.gen_range(0..300), rng.gen_range(0..300));
            tx(&format!("bg{a}"), &format!("bg{b}"), rng.gen_range(10..20_000), rng.gen_range(0..90 * DAY))
        })
        .collect()
}

/// Each planted pattern: (kind, its transfers, the focal account, all its accounts).
fn planted() -> Vec<(TypologyKind, Vec<MoneyTransfer>, &'static str, Vec<String>)> {
    let t = 10 * DAY;
    let names = |p: &str, n: usize| (0..n).map(|i| format!("{p}{i}")).collect::<Vec<_>>();
    let mut out = Vec::new();
    let senders = names("fi", 6);
    let fan_in = senders.iter().enumerate().map(|(i, s)| tx(s, "HUB-IN", 5_000, t + i as i64 * HOUR)).collect();
    out.push((TypologyKind::FanIn, fan_in, "HUB-IN", [senders, vec!["HUB-IN".into()]].concat()));
    let recips = names("fo", 6);
    let fan_out = recips.iter().enumerate().map(|(i, r)| tx("HUB-OUT", r, 4_900, t + i as i64 * 600)).collect();
    out.push((TypologyKind::FanOut, fan_out, "HUB-OUT", [recips, vec!["HUB-OUT".into()]].concat()));
    let ring = ["CY-A", "CY-B", "CY-C", "CY-D"];
    let cycle = (0..4).map(|i| tx(ring[i], ring[(i + 1) % 4], 10_000 - 200 * i as i64, t + i as i64 * HOUR)).collect();
    out.push((TypologyKind::Cycle, cycle, "CY-A", ring.iter().map(|s| s.to_string()).collect()));
    let mids = names("sg", 3);
    let mut sg: Vec<MoneyTransfer> = mids.iter().map(|m| tx("SG-SRC", m, 9_000, t)).collect();
    sg.extend(mids.iter().map(|m| tx(m, "SG-SINK", 8_800, t + 2 * HOUR)));
    out.push((TypologyKind::ScatterGather, sg, "SG-SRC", [mids, vec!["SG-SRC".into(), "SG-SINK".into()]].concat()));
    let (ins, outs) = (names("gi", 5), names("go", 5));
    let mut gs: Vec<MoneyTransfer> = ins.iter().map(|s| tx(s, "GS-HUB", 3_000, t)).collect();
    gs.extend(outs.iter().map(|r| tx("GS-HUB", r, 2_900, t + DAY)));
    out.push((TypologyKind::GatherScatter, gs, "GS-HUB", [ins, outs, vec!["GS-HUB".into()]].concat()));
    // L1 → 3 L2 → 2 L3 each → a cash-out each.
    let mut st = Vec::new();
    let mut accts = vec!["ST-L1".to_string()];
    for i in 0..3 {
        let l2 = format!("st2-{i}");
        st.push(tx("ST-L1", &l2, 30_000, t + i * 60));
        for j in 0..2 {
            let l3 = format!("st3-{i}-{j}");
            st.push(tx(&l2, &l3, 14_900, t + HOUR + j * 60));
            st.push(tx(&l3, &format!("stx-{i}-{j}"), 14_800, t + 10 * HOUR));
            accts.extend([l3, format!("stx-{i}-{j}")]);
        }
        accts.push(l2);
    }
    out.push((TypologyKind::Stack, st, "ST-L1", accts));
    let pass = vec![
        tx("pt-in", "PASS", 50_000, t),
        tx("PASS", "pt-o1", 29_990, t + 300),
        tx("PASS", "pt-o2", 19_900, t + 420),
    ];
    // Structuring: four chunks just under ¥5,000 within two hours, one sender to one receiver.
    let chunks = [4_990, 4_950, 4_980, 4_900];
    let sm = chunks.iter().enumerate().map(|(i, &y)| tx("SM-A", "SM-B", y, t + i as i64 * 1_800)).collect();
    out.push((TypologyKind::Structuring, sm, "SM-A", vec!["SM-A".into(), "SM-B".into()]));
    out.push((
        TypologyKind::PassThrough,
        pass,
        "PASS",
        vec!["pt-in".into(), "PASS".into(), "pt-o1".into(), "pt-o2".into()],
    ));
    out
}

#[test]
fn each_detector_finds_its_planted_pattern_and_not_the_background() {
    let params = TypologyParams::new();
    let bg = TransferGraph::build(background(7));
    for kind in TypologyKind::ALL {
        let found = detect(&bg, kind, &params).unwrap();
        assert!(found.is_empty(), "{kind:?} fired on the random background: {:?}", &found[..found.len().min(3)]);
    }
    for (kind, pattern, focal, accounts) in planted() {
        let g = TransferGraph::build(background(7).into_iter().chain(pattern.clone()));
        let found = detect(&g, kind, &params).unwrap();
        let focal_id = g.account(focal).unwrap();
        let hit =
            found.iter().find(|f| f.accounts.contains(&focal_id)).unwrap_or_else(|| panic!("{kind:?}: no finding"));
        let keys: HashSet<String> = hit.accounts.iter().map(|&a| g.key(a).to_string()).collect();
        for a in &accounts {
            assert!(keys.contains(&format!("acct:{a}")), "{kind:?}: {a} missing from {keys:?}");
        }
        assert_eq!(hit.kind, kind);
        assert!(!hit.transfers.is_empty() && hit.amount_fen > 0);
        assert!(found.len() <= 2, "{kind:?}: {} findings, expected just the planted one", found.len());
    }
}

#[test]
fn unknown_kinds_and_bad_parameters_are_named() {
    let err = TypologyKind::parse("smurfing").unwrap_err().to_string();
    assert!(err.contains("smurfing") && err.contains("fan-in"), "{err}");
    assert_eq!(TypologyKind::parse("Scatter_Gather").unwrap(), TypologyKind::ScatterGather);
    let mut p = TypologyParams::new();
    p.min_fan = 1;
    let g = TransferGraph::build(background(1));
    assert!(detect(&g, TypologyKind::FanIn, &p).unwrap_err().to_string().contains("min_fan"));
}

#[test]
fn fans_count_transfers_and_can_require_similar_amounts() {
    // Two senders, 12 transfers each within a day: few parties, many payments.
    let t = 10 * DAY;
    let mut many: Vec<MoneyTransfer> = background(3);
    for i in 0..24 {
        many.push(tx(if i % 2 == 0 { "mt-a" } else { "mt-b" }, "MANY", 900 + i, t + i * 1_200));
    }
    let g = TransferGraph::build(many);
    let hub = g.account("MANY").unwrap();
    let mut p = TypologyParams::new();
    let fired = |p: &TypologyParams| detect(&g, TypologyKind::FanIn, p).unwrap().iter().any(|f| f.accounts[0] == hub);
    assert!(fired(&p), "24 transfers from 2 senders within a day is a fan-in by default");
    p.fan_min_transfers = 25;
    assert!(!fired(&p), "fan_min_transfers above the count");
    p.fan_min_transfers = 0;
    assert!(!fired(&p), "counting distinct senders only");
    // Five senders with wildly different amounts: a fan by default, not when amounts must be similar.
    let mut mixed = background(3);
    for (i, y) in [10, 300, 5_000, 40_000, 90_000].into_iter().enumerate() {
        mixed.push(tx(&format!("mx{i}"), "MIXED", y, t + i as i64 * HOUR));
    }
    for i in 0..5 {
        mixed.push(tx(&format!("sim{i}"), "SIMILAR", 4_800 + 40 * i, t + i * HOUR));
    }
    let g = TransferGraph::build(mixed);
    let (m, s) = (g.account("MIXED").unwrap(), g.account("SIMILAR").unwrap());
    let hubs = |p: &TypologyParams| -> Vec<u32> {
        detect(&g, TypologyKind::FanIn, p).unwrap().iter().map(|f| f.accounts[0]).collect()
    };
    let mut p = TypologyParams::new();
    assert!(hubs(&p).contains(&m) && hubs(&p).contains(&s));
    p.fan_amount_tolerance = Some(0.1);
    assert!(!hubs(&p).contains(&m) && hubs(&p).contains(&s), "similar amounts required");
    p.fan_amount_tolerance = Some(-1.0);
    assert!(detect(&g, TypologyKind::FanIn, &p).unwrap_err().to_string().contains("fan_amount_tolerance"));
}

#[test]
fn structuring_needs_enough_similar_transfers_within_the_window() {
    let t = 10 * DAY;
    let pair = |amounts: &[i64], gap: i64| -> Vec<MoneyTransfer> {
        amounts.iter().enumerate().map(|(i, &y)| tx("S-A", "S-B", y, t + i as i64 * gap)).collect()
    };
    let p = TypologyParams::new();
    let found = |ts: Vec<MoneyTransfer>, p: &TypologyParams| {
        let g = TransferGraph::build(background(5).into_iter().chain(ts));
        let a = g.account("S-A").unwrap();
        detect(&g, TypologyKind::Structuring, p).unwrap().into_iter().find(|f| f.accounts[0] == a)
    };
    // Three similar chunks within a day, plus one far larger: the burst is the three.
    let f = found(pair(&[4_900, 20_000, 4_950, 4_990], HOUR), &p).expect("burst");
    assert_eq!(f.transfers.len(), 3);
    assert_eq!(f.amount_fen, (4_900 + 4_950 + 4_990) * 100);
    assert_eq!(f.core, 2);
    // Spread over three days: no burst within 24 hours.
    assert!(found(pair(&[4_900, 4_950, 4_990], DAY + 1), &p).is_none());
    // Amounts too different.
    assert!(found(pair(&[1_000, 2_500, 6_000], HOUR), &p).is_none());
    // Two are enough with burst_min_transfers = 2.
    let mut two = TypologyParams::new();
    two.burst_min_transfers = 2;
    assert!(found(pair(&[4_900, 4_950], HOUR), &p).is_none());
    assert!(found(pair(&[4_900, 4_950], HOUR), &two).is_some());
    two.burst_min_transfers = 1;
    let g = TransferGraph::build(background(5));
    assert!(detect(&g, TypologyKind::Structuring, &two).unwrap_err().to_string().contains("burst_min_transfers"));
}

#[test]
fn combined_score_ranks_accounts_in_several_typologies_first() {
    // HUB receives a structuring burst from SM-A and fans out to six recipients within the hour.
    let t = 10 * DAY;
    let mut ts = background(9);
    for i in 0..4 {
        ts.push(tx("SM-A", "HUB", 4_900 + 10 * i, t + i * 600));
    }
    for i in 0..6 {
        ts.push(tx("HUB", &format!("r{i}"), 3_200, t + HOUR + i * 60));
    }
    let g = TransferGraph::build(ts);
    let p = TypologyParams::new();
    let mut all = Vec::new();
    for kind in TypologyKind::ALL {
        all.extend(detect(&g, kind, &p).unwrap());
    }
    let ranked = score_accounts(&g, &all);
    let hub = g.account("HUB").unwrap();
    let top = &ranked[0];
    assert_eq!(top.account, hub, "{ranked:?}");
    assert!(top.kinds.contains(&TypologyKind::Structuring) && top.kinds.contains(&TypologyKind::FanOut));
    assert!(top.points >= 4 && top.core >= 2, "{top:?}");
    // A fan-out recipient is a counterparty only: 1 point per typology.
    let r0 = ranked.iter().find(|s| s.account == g.account("r0").unwrap()).unwrap();
    assert!(r0.points < top.points && r0.core == 0, "{r0:?}");
    assert!(ranked.windows(2).all(|w| w[0].points >= w[1].points));
}

#[test]
fn cycles_can_allow_a_slack_or_any_order_within_the_window() {
    // A → B at 10:00, B → C booked at 09:50 (before it was funded), C → A at 11:00; each hop a burst of 3.
    let t = 10 * DAY;
    let mut ts = background(11);
    for _ in 0..3 {
        ts.push(tx("SL-A", "SL-B", 8_000, t));
        ts.push(tx("SL-B", "SL-C", 7_900, t - 600));
        ts.push(tx("SL-C", "SL-A", 7_800, t + HOUR));
    }
    let g = TransferGraph::build(ts);
    let a = g.account("SL-A").unwrap();
    let found = |order: CycleOrder| {
        let mut p = TypologyParams::new();
        p.cycle_order = order;
        p.search_budget = 50;
        detect(&g, TypologyKind::Cycle, &p).unwrap().into_iter().filter(|f| f.accounts.contains(&a)).count()
    };
    assert_eq!(found(CycleOrder::TimeRespecting), 0);
    assert_eq!(found(CycleOrder::Slack(300)), 0, "10 minutes out of order is more than 5 minutes of slack");
    assert_eq!(found(CycleOrder::Slack(900)), 1);
    assert_eq!(found(CycleOrder::AnyOrder), 1);
    let mut p = TypologyParams::new();
    p.cycle_order = CycleOrder::Slack(-1);
    assert!(detect(&g, TypologyKind::Cycle, &p).unwrap_err().to_string().contains("cycle_order"));
}

/// AMLSim: (graph, fraud account keys).
fn amlsim(dir: &std::path::Path) -> (TransferGraph, HashSet<String>) {
    let mut fraud = HashSet::new();
    let mut nodes = csv::Reader::from_path(dir.join("nodes.csv")).unwrap();
    for row in nodes.records() {
        let row = row.unwrap();
        if &row[1] == "1" {
            fraud.insert(format!("acct:{}", &row[0]));
        }
    }
    let mut txs = csv::Reader::from_path(dir.join("transactions.csv")).unwrap();
    let rows: Vec<MoneyTransfer> = txs
        .records()
        .map(|r| {
            let r = r.unwrap();
            let yuan: f64 = r[2].parse().unwrap();
            let step: i64 = r[3].parse().unwrap();
            MoneyTransfer {
                from_account: r[0].to_string(),
                to_account: r[1].to_string(),
                amount_fen: (yuan * 100.0).round() as i64,
                at: step * DAY,
                channel: None,
                report_id: None,
            }
        })
        .collect();
    (TransferGraph::build(rows), fraud)
}

/// (precision, recall, flagged) of the accounts in `findings` against the fraud labels.
fn score(g: &TransferGraph, findings: &[analytics::Finding], fraud: &HashSet<String>) -> (f64, f64, usize) {
    let flagged: HashSet<&str> = findings.iter().flat_map(|f| f.accounts.iter().map(|&a| g.key(a))).collect();
    let tp = flagged.iter().filter(|k| fraud.contains(**k)).count();
    (tp as f64 / flagged.len().max(1) as f64, tp as f64 / fraud.len().max(1) as f64, flagged.len())
}

/// As [`score`], counting only the findings' core accounts (hubs, sources, senders, cycle members).
fn core_score(g: &TransferGraph, findings: &[analytics::Finding], fraud: &HashSet<String>) -> (f64, f64, usize) {
    let flagged: HashSet<&str> = findings.iter().flat_map(|f| f.accounts[..f.core].iter().map(|&a| g.key(a))).collect();
    let tp = flagged.iter().filter(|k| fraud.contains(**k)).count();
    (tp as f64 / flagged.len().max(1) as f64, tp as f64 / fraud.len().max(1) as f64, flagged.len())
}

/// Each detector with the defaults, the union, and accounts in ≥ 2 typologies, on one AMLSim set; returns
/// (label, precision, recall, flagged) rows, printed as a table.
fn amlsim_table(name: &str, g: &TransferGraph, fraud: &HashSet<String>) -> Vec<(String, f64, f64, usize)> {
    let params = TypologyParams::new();
    let mut rows = Vec::new();
    let mut all = Vec::new();
    for kind in TypologyKind::ALL {
        let found = detect(g, kind, &params).unwrap();
        let (p, r, n) = score(g, &found, fraud);
        rows.push((kind.code().to_string(), p, r, n));
        all.extend(found);
    }
    let ranked = score_accounts(g, &all);
    for min_points in 1..=4 {
        let flagged: HashSet<&str> =
            ranked.iter().filter(|s| s.points >= min_points).map(|s| g.key(s.account)).collect();
        let tp = flagged.iter().filter(|k| fraud.contains(**k)).count();
        let (p, r) = (tp as f64 / flagged.len().max(1) as f64, tp as f64 / fraud.len() as f64);
        rows.push((format!("score >= {min_points}"), p, r, flagged.len()));
    }
    // Core accounts only, per detector.
    for kind in TypologyKind::ALL {
        let of_kind: Vec<analytics::Finding> = all.iter().filter(|f| f.kind == kind).cloned().collect();
        let (p, r, n) = core_score(g, &of_kind, fraud);
        rows.push((format!("{} (core)", kind.code()), p, r, n));
    }
    println!("{name}: base rate {:.3}", fraud.len() as f64 / g.account_count() as f64);
    for (label, p, r, n) in &rows {
        println!("| {name} | {label} | {p:.3} | {r:.3} | {n} |");
    }
    rows
}

fn row<'a>(rows: &'a [(String, f64, f64, usize)], label: &str) -> &'a (String, f64, f64, usize) {
    rows.iter().find(|r| r.0 == label).unwrap()
}

/// AMLSim steps are days. Figures are recorded in bench/README.md ("Money tracing and typologies").
#[test]
fn amlsim_typologies_against_is_fraud() {
    let Some(root) = std::env::var_os("FANZHA_EXTERNAL_DATA").map(PathBuf::from) else {
        println!("skipped: FANZHA_EXTERNAL_DATA is not set (path to the shared data folder)");
        return;
    };
    let root = root.join("amlsim");
    // Fan-in set, defaults. The planted transfers are bursts of repeated transfers (structuring); the fan-in hubs
    // have at most 4 distinct senders, spread over months, so fan-in with defaults finds other hubs.
    let (g, fraud) = amlsim(&root.join("20K_fanin200"));
    let rows = amlsim_table("20K_fanin200", &g, &fraud);
    let (_, p, r, _) = row(&rows, "structuring");
    assert!(*p >= 0.95 && *r >= 0.5, "fan-in set, structuring: precision {p:.3}, recall {r:.3}");
    // Sensitivity of structuring to its main parameter.
    for k in 2..=6 {
        let mut params = TypologyParams::new();
        params.burst_min_transfers = k;
        let (p, r, n) = score(&g, &detect(&g, TypologyKind::Structuring, &params).unwrap(), &fraud);
        println!("20K_fanin200 structuring burst_min_transfers={k}: precision {p:.3} recall {r:.3} flagged {n}");
    }
    let (_, p, r, _) = row(&rows, "fan-in (core)");
    assert!(*p >= 0.15 && *r >= 0.14, "fan-in set, fan-in hubs: precision {p:.3}, recall {r:.3}");
    let (_, p, r, _) = row(&rows, "score >= 4");
    assert!(*p >= 0.25 && *r >= 0.2, "fan-in set, score >= 4: precision {p:.3}, recall {r:.3}");
    // Sensitivity of fan-in (hubs) to its window, distinct senders only or with amount bands.
    for days in [1, 3, 7, 30] {
        for tol in [None, Some(0.2)] {
            let mut params = TypologyParams::new();
            params.fan_window_s = days * DAY;
            params.fan_amount_tolerance = tol;
            let found = detect(&g, TypologyKind::FanIn, &params).unwrap();
            let (p, r, n) = core_score(&g, &found, &fraud);
            println!(
                "20K_fanin200 fan-in hubs window {days} d, amount tolerance {tol:?}: precision {p:.3} recall {r:.3} flagged {n}"
            );
        }
    }
    // Cycle set, defaults.
    let (g, fraud) = amlsim(&root.join("20K_cycle200"));
    let rows = amlsim_table("20K_cycle200", &g, &fraud);
    let (_, p, r, _) = row(&rows, "structuring");
    assert!(*p >= 0.95 && *r >= 0.5, "cycle set, structuring: precision {p:.3}, recall {r:.3}");
    let (_, p, r, _) = row(&rows, "fan-in (core)");
    assert!(*p >= 0.15 && *r >= 0.14, "cycle set, fan-in hubs: precision {p:.3}, recall {r:.3}");
    let (_, p, r, _) = row(&rows, "score >= 4");
    assert!(*p >= 0.25 && *r >= 0.2, "cycle set, score >= 4: precision {p:.3}, recall {r:.3}");
    for k in 2..=6 {
        let mut params = TypologyParams::new();
        params.burst_min_transfers = k;
        let (p, r, n) = score(&g, &detect(&g, TypologyKind::Structuring, &params).unwrap(), &fraud);
        println!("20K_cycle200 structuring burst_min_transfers={k}: precision {p:.3} recall {r:.3} flagged {n}");
    }
    // Cycles: AMLSim schedules a cycle's hops at independent steps with one amount, so any order within the
    // 200-step span, amounts within 1% (the non-default option).
    let mut params = TypologyParams::new();
    params.chain_window_s = 200 * DAY;
    params.cycle_order = CycleOrder::AnyOrder;
    params.amount_tolerance = 0.01;
    let found = detect(&g, TypologyKind::Cycle, &params).unwrap();
    let (p, r, n) = score(&g, &found, &fraud);
    println!("20K_cycle200 cycle any order: {} findings, {n} flagged, precision {p:.3}, recall {r:.3}", found.len());
    assert!(p >= 0.9 && r >= 0.09, "cycle precision {p:.3}, recall {r:.3}");
    // Sensitivity to the window (any order, amounts within 1%; with 20% the search is slower and less precise).
    for days in [7, 30, 90] {
        params.chain_window_s = days * DAY;
        let (p, r, n) = score(&g, &detect(&g, TypologyKind::Cycle, &params).unwrap(), &fraud);
        println!(
            "20K_cycle200 cycle any order window {days} d, tolerance 0.01: precision {p:.3} recall {r:.3} flagged {n}"
        );
    }
}
