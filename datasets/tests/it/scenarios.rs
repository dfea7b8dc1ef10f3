//! The generator's scenario families (issue 14): each switch changes the structure it names, and the default is the
//! generator as it was.

use std::collections::{BTreeMap, BTreeSet};

use datasets::generate::{Config, MemorySink, SCENARIOS, Scenario, generate};
use datasets::{Record, Table, Transfer};

use super::generate::{Files, csv, records};

fn run_with(residents: u32, weeks: u32, seed: u64, scenario: Scenario) -> Files {
    let mut cfg = Config::new(residents, weeks, seed);
    cfg.scenario = scenario;
    let mut sink = MemorySink::new();
    generate(&cfg.validate().expect("valid config"), &mut sink, &mut |_| {}).expect("generation succeeds");
    sink.files()
}

/// A 30,000-resident, 52-week district (~250 reports) with the named families on.
fn district(names: &str) -> Files {
    run_with(30_000, 52, 11, Scenario::from_names(names).expect("known scenario"))
}

fn transfers(files: &Files) -> Vec<Transfer> {
    records(files, Table::Transfers)
        .into_iter()
        .map(|r| match r {
            Record::Transfer(t) => t,
            _ => unreachable!(),
        })
        .collect()
}

/// Account (as in transfers.csv) → (owner id, role) from truth/identifier_gang.csv.
fn owners(files: &Files) -> BTreeMap<String, (String, String)> {
    let ids = csv(files, "truth/identifier_gang.csv");
    let account = |key: &str| key.split_once(':').map_or(key, |(_, v)| v).to_string();
    ids.rows.iter().map(|r| (account(&r[0]), (r[2].to_string(), r[3].to_string()))).collect()
}

fn hub_accounts(files: &Files, why: &str) -> BTreeSet<String> {
    let hubs = csv(files, "truth/hubs.csv");
    hubs.rows.iter().filter(|r| r[2].contains(why)).map(|r| r[0].trim_start_matches("card:").to_string()).collect()
}

/// FNV-1a over every file's path and bytes.
fn digest(files: &Files) -> u64 {
    let mut h = 0xcbf2_9ce4_8422_2325u64;
    for (path, bytes) in files {
        for b in path.as_bytes().iter().chain(bytes) {
            h = (h ^ u64::from(*b)).wrapping_mul(0x100_0000_01b3);
        }
    }
    h
}

#[test]
fn the_default_scenario_is_the_generator_as_it_was() {
    // The digest of a small default district, taken from the generator before the scenario switches existed: the
    // default must stay byte-identical (tests and snapshot figures elsewhere depend on it).
    let files = run_with(2_000, 12, 5, Scenario::default());
    assert_eq!(digest(&files), 7_252_279_314_187_642_120, "default output changed");
    assert_eq!(files, run_with(2_000, 12, 5, Scenario::from_names("default").unwrap()));
    for (name, _) in SCENARIOS {
        let other = run_with(2_000, 12, 5, Scenario::from_names(name).unwrap());
        assert_ne!(digest(&other), digest(&files), "{name} changed nothing");
        assert_eq!(other["residents.csv"], files["residents.csv"], "{name} changed the residents");
    }
}

#[test]
fn with_relays_every_victim_payment_goes_through_a_platform_account_first() {
    let files = district("relays");
    let relays = hub_accounts(&files, "relay account");
    let shops = hub_accounts(&files, "genuine shop");
    assert_eq!(relays.len(), 4);
    assert!(relays.iter().all(|r| r.len() == 16 && r.starts_with("2088")), "{relays:?}");
    let owner = owners(&files);
    let gang_of: BTreeMap<String, String> =
        csv(&files, "truth/report_gang.csv").rows.iter().map(|r| (r[0].to_string(), r[1].to_string())).collect();
    let all = transfers(&files);
    let mut payouts: BTreeMap<(&str, i64), Vec<(i64, &str)>> = BTreeMap::new();
    for t in &all {
        payouts.entry((t.from_account.as_str(), t.amount.0)).or_default().push((t.at.0, t.to_account.as_str()));
    }
    let mut paid = 0;
    for t in all.iter().filter(|t| t.report_id.is_some()) {
        assert!(relays.contains(&t.to_account), "a victim paid {} directly", t.to_account);
        // The relay pays the same amount on to an L1 card of the report's gang within 30 minutes.
        let gang = &gang_of[t.report_id.as_deref().unwrap_or_default()];
        let next = payouts[&(t.to_account.as_str(), t.amount.0)].iter().any(|(at, to)| {
            (t.at.0..=t.at.0 + 1800).contains(at) && owner.get(*to).is_some_and(|(o, role)| o == gang && role == "l1")
        });
        assert!(next, "relay {} did not pay gang {gang}'s L1 card on", t.to_account);
        paid += 1;
    }
    assert!(paid > 100, "{paid} victim payments");
    // The relays also carry residents' purchases from genuine shops.
    let settled = all.iter().filter(|t| relays.contains(&t.from_account) && shops.contains(&t.to_account)).count();
    assert!(settled > 100, "{settled} shop settlements");
    let reports = csv(&files, "reports.csv");
    let named_l1 = reports.values("accounts").flat_map(|a| a.split(';')).filter(|a| {
        let digits: String = a.chars().filter(char::is_ascii_digit).collect();
        owner.get(&digits).is_some_and(|(_, role)| role == "l1")
    });
    assert_eq!(named_l1.count(), 0, "victims name the relay, not the L1 card behind it");
}

#[test]
fn otc_desks_are_shared_by_gangs_and_lone_scammers_and_swept_to_a_treasury() {
    let files = district("otc");
    let desks = hub_accounts(&files, "receiving card of OTC desk");
    let treasuries = hub_accounts(&files, "treasury card of OTC desk");
    assert_eq!(treasuries.len(), 3);
    let owner = owners(&files);
    let mut sellers: BTreeSet<&str> = BTreeSet::new();
    let (mut into, mut swept, mut buyers) = (0i64, 0i64, 0);
    for t in &transfers(&files) {
        if desks.contains(&t.to_account) {
            // Mule cards sell the proceeds; residents (cards nobody in the truth owns) buy USDT.
            match owner.get(&t.from_account) {
                Some((o, _)) => {
                    sellers.insert(o);
                }
                None => buyers += 1,
            }
            into += t.amount.0;
        }
        if desks.contains(&t.from_account) {
            assert!(treasuries.contains(&t.to_account), "a desk card paid {}", t.to_account);
            swept += t.amount.0;
        }
    }
    let gangs = sellers.iter().filter(|o| o.starts_with('G')).count();
    let lone = sellers.iter().filter(|o| o.starts_with('L')).count();
    assert!(gangs >= 10 && lone >= 5, "{gangs} gangs and {lone} lone scammers sold to the desks");
    assert!(buyers > 100, "{buyers} residents' purchases");
    assert!(swept > 0 && swept <= into, "swept {swept} of {into}");
    // A gang that sells to a desk pays no backer from its own chain.
    let sellers_to_backers = transfers(&files)
        .iter()
        .filter(|t| owner.get(&t.to_account).is_some_and(|(_, role)| role == "backer"))
        .filter(|t| owner.get(&t.from_account).is_some_and(|(o, _)| sellers.contains(o.as_str())))
        .count();
    assert_eq!(sellers_to_backers, 0);
}

/// (services' payments to backers, all services' last hops) in yuan fen.
fn service_backer_payments(files: &Files) -> (i64, i64) {
    let owner = owners(files);
    let (mut back, mut all) = (0, 0);
    for t in &transfers(files) {
        let from = owner.get(&t.from_account);
        if from.is_some_and(|(o, role)| o.starts_with('S') && role == "l3") {
            all += t.amount.0;
            if owner.get(&t.to_account).is_some_and(|(_, role)| role == "backer") {
                back += t.amount.0;
            }
        }
    }
    (back, all)
}

#[test]
fn services_that_keep_the_money_pay_no_backer() {
    let (back, all) = service_backer_payments(&district("default"));
    assert!(back as f64 > 0.7 * all as f64, "by default services pay backers back ({back} of {all})");
    let (back, all) = service_backer_payments(&district("keep-money"));
    assert!(all > 0 && back == 0, "keep-money: {back} of {all} paid to backers");
}

#[test]
fn shared_l2_cards_serve_several_services() {
    let files = district("shared-l2");
    let owner = owners(&files);
    let shared: BTreeSet<&String> =
        owner.iter().filter(|(_, (o, r))| r == "l2" && o.contains(';')).map(|(a, _)| a).collect();
    assert!(shared.len() >= 10, "{} shared L2 cards", shared.len());
    // A shared card pays the L3 cards of more than one service.
    let mut l3_services: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    let all = transfers(&files);
    for t in &all {
        if shared.contains(&t.from_account)
            && let Some((o, role)) = owner.get(&t.to_account)
            && role == "l3"
        {
            l3_services.entry(t.from_account.as_str()).or_default().insert(o.as_str());
        }
    }
    assert!(l3_services.values().any(|s| s.len() >= 2), "{l3_services:?}");
    assert!(owners(&district("default")).values().all(|(o, _)| !o.contains(';')));
}

#[test]
fn lone_scammers_have_no_gang_and_some_use_services() {
    let files = district("lone-services");
    let rg = csv(&files, "truth/report_gang.csv");
    let originals: Vec<_> = rg.rows.iter().filter(|r| r[2].is_empty()).collect();
    let lone = originals.iter().filter(|r| r[1].is_empty()).count();
    let share = lone as f64 / originals.len() as f64;
    assert!((0.12..=0.28).contains(&share), "{lone} of {} original reports are lone scammers'", originals.len());
    let gangs: BTreeSet<String> = csv(&files, "truth/gangs.csv").values("gang_id").map(str::to_string).collect();
    assert!(gangs.iter().all(|g| g.starts_with('G')));
    let owner = owners(&files);
    let (mut to_service, mut elsewhere) = (BTreeSet::new(), 0);
    for t in &transfers(&files) {
        let Some((o, _)) = owner.get(&t.from_account).filter(|(o, _)| o.starts_with('L')) else { continue };
        match owner.get(&t.to_account) {
            Some((s, role)) if s.starts_with('S') && role == "l2" => {
                to_service.insert(o.clone());
            }
            Some((other, _)) => panic!("lone scammer {o} paid {other}'s account"),
            None => elsewhere += 1,
        }
    }
    assert!(to_service.len() >= 10 && elsewhere > 0, "{} lone scammers used services", to_service.len());
}

#[test]
fn commission_ranges_from_zero_to_ten_percent() {
    let fees = |files: &Files| -> Vec<f64> {
        csv(files, "truth/services.csv").values("fee_percent").map(|f| f.parse().expect("a number")).collect()
    };
    let default = fees(&district("default"));
    assert!(default.iter().all(|f| (2.0..=3.5).contains(f)), "{default:?}");
    let wide = fees(&run_with(200_000, 52, 11, Scenario::from_names("commission").unwrap()));
    assert!(wide.iter().all(|f| (0.0..=10.0).contains(f)), "{wide:?}");
    assert!(wide.iter().any(|f| *f < 2.0) && wide.iter().any(|f| *f > 5.0), "{wide:?}");
}

/// Roles of the accounts that gang-owned (`G…`) cards of role `from` pay.
fn gang_hops(files: &Files, from: &str) -> BTreeMap<String, usize> {
    let owner = owners(files);
    let mut out = BTreeMap::new();
    for t in &transfers(files) {
        if owner.get(&t.from_account).is_some_and(|(o, role)| o.starts_with('G') && role == from) {
            let to = owner.get(&t.to_account).map_or("last hop".to_string(), |(o, r)| format!("{}:{r}", &o[..1]));
            *out.entry(to).or_default() += 1;
        }
    }
    out
}

#[test]
fn chains_have_the_configured_number_of_layers() {
    let layers = |lo: u32, hi: u32| run_with(30_000, 52, 11, Scenario { layers: (lo, hi), ..Scenario::default() });
    let five = layers(5, 5);
    assert_eq!(gang_hops(&five, "l3").keys().collect::<Vec<_>>(), ["G:l4"]);
    assert_eq!(gang_hops(&five, "l4").keys().collect::<Vec<_>>(), ["G:l5"]);
    assert!(!gang_hops(&five, "l5").keys().any(|k| k.starts_with("G:l")), "{:?}", gang_hops(&five, "l5"));
    let two = layers(2, 2);
    assert!(!gang_hops(&two, "l2").contains_key("G:l3"), "{:?}", gang_hops(&two, "l2"));
    assert!(gang_hops(&two, "l3").is_empty());
    // One layer: a gang's own L1 card pays the last hop (a backer, ATM, wallet or merchant), never its own L2.
    let one = gang_hops(&layers(1, 1), "l1");
    assert!(!one.contains_key("G:l2") && one.contains_key("G:backer"), "{one:?}");
    let default = gang_hops(&district("default"), "l3");
    assert!(!default.contains_key("G:l4"), "{default:?}");
    let deep = district("deep-chains");
    assert!(owners(&deep).values().any(|(_, r)| r == "l5"));
}

/// Original reports with a loss: (days from the first to the last payment, distinct accounts paid, days from the last
/// payment to the report).
fn payment_spans(files: &Files) -> Vec<(f64, usize, f64)> {
    let mut paid: BTreeMap<String, (i64, i64, BTreeSet<String>)> = BTreeMap::new();
    for t in &transfers(files) {
        if let Some(r) = &t.report_id {
            let e = paid.entry(r.clone()).or_insert((i64::MAX, i64::MIN, BTreeSet::new()));
            e.0 = e.0.min(t.at.0);
            e.1 = e.1.max(t.at.0);
            e.2.insert(t.to_account.clone());
        }
    }
    let mut out = Vec::new();
    for r in records(files, Table::Reports) {
        let Record::Report(r) = r else { unreachable!() };
        if let Some((first, last, cards)) = paid.get(&r.report_id) {
            let day = 86_400.0;
            out.push(((last - first) as f64 / day, cards.len(), (r.reported_at.0 - last) as f64 / day));
        }
    }
    out
}

#[test]
fn multi_pay_victims_pay_several_l1_cards_over_weeks() {
    let share = |files: &Files| {
        let spans = payment_spans(files);
        spans.iter().filter(|(days, cards, _)| *days >= 14.0 && *cards >= 2).count() as f64 / spans.len() as f64
    };
    let (default, multi) = (share(&district("default")), share(&district("multi-pay")));
    assert!(default < 0.1 && multi > 0.25, "share paying 2+ cards over two weeks or more: {default:.3} → {multi:.3}");
}

#[test]
fn late_reports_are_filed_weeks_after_the_payments() {
    let late = district("late-reports");
    let delays: Vec<f64> = payment_spans(&late).iter().map(|s| s.2).collect();
    assert!(delays.len() > 100);
    // A report filed after the data ends is not in it (its payments carry no report_id), and gangs.csv counts the rest.
    let start = chrono::DateTime::parse_from_rfc3339("2025-12-01T00:00:00+08:00").unwrap().timestamp();
    let end = start + 52 * 7 * 86_400;
    let reports: Vec<_> = records(&late, Table::Reports)
        .into_iter()
        .map(|r| match r {
            Record::Report(r) => r,
            _ => unreachable!(),
        })
        .collect();
    assert!(reports.iter().all(|r| r.reported_at.0 < end), "a report filed after the data ends");
    let rg = csv(&late, "truth/report_gang.csv");
    let originals = rg.rows.iter().filter(|r| r[2].is_empty()).count();
    let counted: u32 = csv(&late, "truth/gangs.csv").values("n_reports").map(|n| n.parse::<u32>().unwrap()).sum();
    assert_eq!(counted as usize, originals);
    assert!(delays.iter().all(|d| (14.0..57.0).contains(d)), "{:?}", delays.iter().copied().fold(f64::NAN, f64::min));
    let mut default: Vec<f64> = payment_spans(&district("default")).iter().map(|s| s.2).collect();
    default.sort_by(f64::total_cmp);
    assert!(default[default.len() / 2] < 2.0, "default median delay {} days", default[default.len() / 2]);
}
