//! Gang clustering scored against the synthetic generator's truth (issue 3, point 8): report-level ARI and gang
//! recovery for hub-aware clustering, beside plain connected components.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use analytics::{
    GangGraph, GangParams, HubPolicy, Partition, PreviousCluster, ReportInput, TransferInput, ari, cluster_gangs,
    plain_components,
};
use datasets::generate::{Config, MemorySink, generate};
use datasets::{Record, RowSource, Table, TransferChannel};

struct Row<'a> {
    headers: &'a csv::StringRecord,
    record: &'a csv::StringRecord,
}

impl RowSource for Row<'_> {
    fn raw(&self, field: &str) -> Option<&str> {
        let i = self.headers.iter().position(|h| h == field)?;
        self.record.get(i).filter(|s| !s.is_empty())
    }
}

fn records(bytes: &[u8], table: Table) -> Vec<Record> {
    let mut reader = csv::Reader::from_reader(bytes);
    let headers = reader.headers().expect("header row").clone();
    reader
        .records()
        .map(|rec| {
            let record = rec.expect("csv row");
            Record::parse(table, &Row { headers: &headers, record: &record }).expect("generated rows parse")
        })
        .collect()
}

struct District {
    reports: Vec<ReportInput>,
    transfers: Vec<TransferInput>,
    /// Truth gang of every report (duplicates take their original's gang), by report id.
    gang: HashMap<String, String>,
    hubs: BTreeSet<String>,
    service_accounts: BTreeSet<String>,
    gang_keys: BTreeSet<String>,
    /// Owner (gang or service id) and role of every planted identifier, by key.
    owner: HashMap<String, String>,
}

/// A generated district; `backer_share`: the generator's share of L3 chunks paid to the gang's backer, if not its
/// default.
fn district(residents: u32, weeks: u32, seed: u64, backer_share: Option<f64>) -> District {
    district_of(residents, weeks, seed, backer_share, &[])
}

/// [`district`] with the generator's scenario families `scenarios` switched on.
fn district_of(residents: u32, weeks: u32, seed: u64, backer_share: Option<f64>, scenarios: &[&str]) -> District {
    let mut cfg = Config::new(residents, weeks, seed);
    cfg.truth_weeks = 0;
    for s in scenarios {
        cfg.scenario.apply(s).expect("a scenario family");
    }
    if let Some(share) = backer_share {
        cfg.rates.backer_share = share;
    }
    let cfg = cfg.validate().expect("config");
    let mut sink = MemorySink::new();
    generate(&cfg, &mut sink, &mut |_| {}).expect("generate");
    let files = sink.files();
    let reports = records(&files["reports.csv"], Table::Reports)
        .iter()
        .map(|r| match r {
            Record::Report(r) => ReportInput::from(r),
            other => panic!("not a report: {other:?}"),
        })
        .collect();
    let transfers = records(&files["transfers.csv"], Table::Transfers)
        .iter()
        .map(|t| match t {
            Record::Transfer(t) => TransferInput::from(t),
            other => panic!("not a transfer: {other:?}"),
        })
        .collect();
    let mut raw: Vec<(String, String, String)> = Vec::new();
    let mut rdr = csv::Reader::from_reader(&files["truth/report_gang.csv"][..]);
    for rec in rdr.records() {
        let rec = rec.expect("truth row");
        raw.push((rec[0].to_string(), rec[1].to_string(), rec[2].to_string()));
    }
    let direct: HashMap<String, String> = raw.iter().map(|(r, g, _)| (r.clone(), g.clone())).collect();
    let gang = raw
        .iter()
        .map(|(r, g, dup)| (r.clone(), if dup.is_empty() { g.clone() } else { direct.get(dup).unwrap_or(g).clone() }))
        .collect();
    let column = |path: &str, keep: &dyn Fn(&csv::StringRecord) -> bool| -> BTreeSet<String> {
        let mut rdr = csv::Reader::from_reader(&files[path][..]);
        rdr.records().map(|r| r.expect("truth row")).filter(|r| keep(r)).map(|r| r[0].to_string()).collect()
    };
    let hubs = column("truth/hubs.csv", &|_| true);
    let service_accounts = column("truth/identifier_gang.csv", &|r| r[2].starts_with('S'));
    let gang_keys = column("truth/identifier_gang.csv", &|r| r[2].starts_with('G'));
    let mut owner = HashMap::new();
    let mut rdr = csv::Reader::from_reader(&files["truth/identifier_gang.csv"][..]);
    for rec in rdr.records() {
        let rec = rec.expect("truth row");
        owner.insert(rec[0].to_string(), format!("{} {}", &rec[2], &rec[3]));
    }
    District { reports, transfers, gang, hubs, service_accounts, gang_keys, owner }
}

struct Score {
    ari: f64,
    recovered: usize,
    gangs: usize,
    /// Reports not of their cluster's largest gang (false merges), and clusters holding more than one gang.
    misplaced: usize,
    mixed: usize,
}

/// ARI against truth, and gangs recovered: one cluster holds ≥ 80% of the gang's reports at ≥ 80% purity.
fn score(d: &District, graph: &GangGraph, labels: &[u32]) -> Score {
    let truth: Vec<&str> = graph.reports().iter().map(|r| d.gang[&r.report_id].as_str()).collect();
    let ari = ari(&truth, labels).expect("same length");
    let mut gang_size: BTreeMap<&str, usize> = BTreeMap::new();
    let mut cluster_size: HashMap<u32, usize> = HashMap::new();
    let mut both: HashMap<(&str, u32), usize> = HashMap::new();
    for (g, &c) in truth.iter().zip(labels) {
        *gang_size.entry(g).or_default() += 1;
        *cluster_size.entry(c).or_default() += 1;
        *both.entry((g, c)).or_default() += 1;
    }
    let recovered = gang_size
        .iter()
        .filter(|&(g, &size)| {
            both.iter().any(|(&(bg, c), &n)| {
                bg == *g && n as f64 >= 0.8 * size as f64 && n as f64 >= 0.8 * cluster_size[&c] as f64
            })
        })
        .count();
    let mut top: HashMap<u32, usize> = HashMap::new();
    let mut kinds: HashMap<u32, usize> = HashMap::new();
    for (&(_, c), &n) in &both {
        let t = top.entry(c).or_default();
        *t = (*t).max(n);
        *kinds.entry(c).or_default() += 1;
    }
    let misplaced = cluster_size.iter().map(|(c, &n)| n - top[c]).sum();
    let mixed = kinds.values().filter(|&&k| k > 1).count();
    Score { ari, recovered, gangs: gang_size.len(), misplaced, mixed }
}

fn labels(p: &Partition) -> Vec<u32> {
    p.membership().to_vec()
}

/// What this method reaches on the generator, where the proceeds end with each gang's backer (金主) accounts, paid
/// by the gang's own L3 cards or by the laundering services it uses, which pass each chunk on as it came. Measured
/// with money links (defaults: amounts matched where they can be): ARI 0.998 and 0.998, gangs recovered 28/29 and
/// 29/29 for seeds 1 and 2, no report in another gang's cluster; with the rule of before (the three tracing
/// conventions averaged, a fifth of the money in common enough): 0.996 and 0.990, 26/29 and 26/29, 0 and 1; without
/// money links 0.943 and 0.934, 17/29 and 18/29. The truth-told bound is 29/29 in both. At 200,000 residents
/// (`GANGS_LARGE=1`), seeds 3 and 4: ARI 0.996 and 1.000, 112/115 and 117/117, none in another gang's cluster (rule
/// of before: 0.975 and 0.992, 104/115 and 114/117, 18 and 3; without money links 0.882 and 0.935, 68/115 and
/// 76/117; bound 115/115 and 117/117). At 1,000,000 (`fanzha clusters run`, seed 1): ARI 0.998, 576/578 (99.7%),
/// none of 5,117 reports in another gang's cluster (rule of before: 0.981, 545/578, 43).
/// Where nothing is passed on exactly, the conventions take over: see
/// `cards_keeping_a_cut_leave_matching_no_worse_than_the_conventions`.
/// The targets, at both sizes.
const MIN_ARI: f64 = 0.95;
const MIN_RECOVERED: f64 = 0.95;

#[test]
fn hub_aware_clustering_recovers_the_planted_gangs() {
    let policy = HubPolicy::shipped().expect("shipped allow-list");
    let mut failures: Vec<String> = Vec::new();
    // GANGS_LARGE=1: the 200,000-resident districts of seeds 3 and 4 instead (slow in a debug build).
    let large = std::env::var("GANGS_LARGE").is_ok();
    let (residents, seeds) = if large { (200_000, [3u64, 4]) } else { (50_000, [1, 2]) };
    let (min_ari, min_recovered) = (MIN_ARI, MIN_RECOVERED);
    for seed in seeds {
        let d = district(residents, 52, seed, None);
        let graph = GangGraph::build(&d.reports, d.transfers.iter().cloned());
        let params = GangParams::defaults(seed);
        let started = std::time::Instant::now();
        let result = cluster_gangs(&graph, &params, &policy, &[]).expect("clustering");
        let took = started.elapsed();
        let ours = score(&d, &graph, &result.membership);
        let first_cut = score(&d, &graph, &labels(&result.components));
        let plain = plain_components(&graph, params.money_hops, params.hop_window_secs).expect("components");
        let plain = score(&d, &graph, &labels(&plain));
        let started = std::time::Instant::now();
        let (oracle_labels, alone) = oracle(&d, &graph, &params);
        println!("seed {seed}: bound computed in {:.2} s", started.elapsed().as_secs_f64());
        let bound = score(&d, &graph, &oracle_labels);
        // The method without money links (identifiers and 2 hops downstream only): what it adds, and what it mixes.
        let no_money = GangParams { money_link_min_share: 0.0, ..params.clone() };
        let without = cluster_gangs(&graph, &no_money, &policy, &[]).expect("clustering");
        let without = score(&d, &graph, &without.membership);
        // Before amounts were matched: every report traced with the three conventions averaged, and a common part of
        // a fifth of each report's money enough.
        let old_rule = GangParams { money_link_matched_min_share: None, money_link_min_common: 0.2, ..params.clone() };
        let old_rule = cluster_gangs(&graph, &old_rule, &policy, &[]).expect("clustering");
        let old_rule = score(&d, &graph, &old_rule.membership);

        // Degree statistics alone, without the allow-list.
        let bare = cluster_gangs(&graph, &params, &HubPolicy::default(), &[]).expect("clustering");
        let stats_only = score(&d, &graph, &bare.membership);
        println!(
            "seed {seed}: statistics-only hubs ARI {:.4}, gangs recovered {}/{}; flagged {:?}",
            stats_only.ari,
            stats_only.recovered,
            stats_only.gangs,
            bare.hubs.iter().map(|h| h.key.as_str()).collect::<Vec<_>>()
        );

        failures.extend(
            (stats_only.ari < 0.85).then(|| format!("seed {seed}: statistics-only hubs ARI {:.4}", stats_only.ari)),
        );
        assert!(bare.hubs.iter().all(|h| !d.gang_keys.contains(&h.key)), "a gang identifier was judged a hub");
        assert!(result.hubs.iter().all(|h| !d.gang_keys.contains(&h.key)), "a gang identifier was judged a hub");

        let flagged: BTreeSet<&str> = result.hubs.iter().map(|h| h.key.as_str()).collect();
        let missed_hubs: Vec<&String> =
            d.hubs.iter().filter(|h| graph.entity(h).is_some() && !flagged.contains(h.as_str())).collect();
        let detected: BTreeSet<&str> =
            result.services.iter().flat_map(|s| s.accounts.iter().map(String::as_str)).collect();
        let true_service = detected.iter().filter(|a| d.service_accounts.contains(**a)).count();
        println!(
            "seed {seed}: {} reports, {} transfers, {} gangs; hubs flagged {} (truth hubs in graph not flagged: {}), \
             service clusters {} ({} accounts, {} owned by a true service)",
            graph.report_count(),
            graph.transfer_count(),
            ours.gangs,
            result.hubs.len(),
            missed_hubs.len(),
            result.services.len(),
            detected.len(),
            true_service,
        );
        println!(
            "seed {seed}: hub-aware Leiden  ARI {:.4}, gangs recovered {}/{} ({:.1}%), {} clusters ({:.2} s)",
            ours.ari,
            ours.recovered,
            ours.gangs,
            100.0 * ours.recovered as f64 / ours.gangs as f64,
            result.clusters.len(),
            took.as_secs_f64()
        );
        println!(
            "seed {seed}: hub-aware components ARI {:.4}, gangs recovered {}/{}",
            first_cut.ari, first_cut.recovered, first_cut.gangs
        );
        println!(
            "seed {seed}: without money links ARI {:.4}, gangs recovered {}/{}; reports in a cluster of another gang \
             {} ({} mixed clusters), with money links {} ({} mixed clusters)",
            without.ari, without.recovered, without.gangs, without.misplaced, without.mixed, ours.misplaced, ours.mixed
        );
        println!(
            "seed {seed}: money links without matching amounts (rule of before) ARI {:.4}, gangs recovered {}/{}, reports \
             in a cluster of another gang {}",
            old_rule.ari, old_rule.recovered, old_rule.gangs, old_rule.misplaced
        );
        println!(
            "seed {seed}: plain components  ARI {:.4}, gangs recovered {}/{}",
            plain.ari, plain.recovered, plain.gangs
        );
        println!(
            "seed {seed}: truth-told bound (gang pieces linked by non-hub, non-service tokens and by the gang's \
             own accounts its money reaches) ARI {:.4}, gangs recoverable {}/{}; {alone} reports of multi-report \
             gangs share no such token with their gang",
            bound.ari, bound.recovered, bound.gangs
        );
        let owner = |key: &str| {
            let key = key.strip_prefix("acct:").map_or(key.to_string(), |w| format!("crypto:{w}"));
            d.owner.get(&key).map(String::as_str).unwrap_or("-")
        };
        println!(
            "seed {seed}: money traced for {} reports; {} terminals; {} money links ({} across gangs)",
            result.money_traced_reports,
            result.money_terminals.len(),
            result.money_links.len(),
            result
                .money_links
                .iter()
                .filter(|l| d.gang[&graph.report(l.a).report_id] != d.gang[&graph.report(l.b).report_id])
                .count()
        );
        for h in result.hubs.iter().filter(|h| !d.hubs.contains(&h.key)).take(10) {
            println!("  flagged but not a truth hub: {} ({}): {}", h.key, h.degree, h.reason);
        }
        for h in missed_hubs.iter().take(10) {
            println!("  truth hub not flagged: {h}");
        }

        if std::env::var("GANGS_DEBUG").is_ok() {
            for c in &result.clusters {
                let mut comp: BTreeMap<&str, usize> = BTreeMap::new();
                for &r in &c.reports {
                    *comp.entry(d.gang[&graph.report(r).report_id].as_str()).or_default() += 1;
                }
                println!("  cluster {} size {}: {:?}", c.id, c.reports.len(), comp);
            }
            for t in &result.money_terminals {
                let gangs: BTreeSet<&str> =
                    t.reports.iter().map(|&(r, _)| d.gang[&graph.report(r).report_id].as_str()).collect();
                println!(
                    "  terminal {} (owner {}): {} reports of gangs {gangs:?}",
                    t.key,
                    owner(&t.key),
                    t.reports.len()
                );
            }
            for l in &result.money_links {
                let (ga, gb) = (&d.gang[&graph.report(l.a).report_id], &d.gang[&graph.report(l.b).report_id]);
                if ga != gb {
                    let ends = |r: usize| -> Vec<String> {
                        let mut v: Vec<String> = result
                            .money_terminals
                            .iter()
                            .filter_map(|t| {
                                t.reports.iter().find(|x| x.0 == r).map(|x| format!("{}:{:.2}", owner(&t.key), x.1))
                            })
                            .collect();
                        v.sort();
                        v
                    };
                    println!("  cross link {ga}/{gb} overlap {:.2}: {:?} | {:?}", l.overlap, ends(l.a), ends(l.b));
                }
            }
            // Reports outside their gang's largest cluster, and why.
            let mut by_gang: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
            for r in 0..graph.report_count() {
                by_gang.entry(d.gang[&graph.report(r).report_id].as_str()).or_default().push(r);
            }
            let terms: HashMap<usize, Vec<String>> = {
                let mut m: HashMap<usize, Vec<String>> = HashMap::new();
                for t in &result.money_terminals {
                    for &(r, sh) in &t.reports {
                        m.entry(r).or_default().push(format!("{}({:.2})", owner(&t.key), sh));
                    }
                }
                m
            };
            let money = analytics::TransferGraph::build(d.transfers.iter().map(|t| analytics::MoneyTransfer {
                from_account: t.from_account.clone(),
                to_account: t.to_account.clone(),
                amount_fen: t.amount_fen,
                at: t.at,
                channel: t.channel,
                report_id: t.report_id.clone(),
            }));
            for (g, rs) in &by_gang {
                let mut count: HashMap<u32, usize> = HashMap::new();
                for &r in rs {
                    *count.entry(result.membership[r]).or_default() += 1;
                }
                let (&best, _) = count.iter().max_by_key(|(c, n)| (**n, std::cmp::Reverse(**c))).unwrap();
                for &r in rs.iter().filter(|&&r| result.membership[r] != best) {
                    let l2: BTreeSet<String> = graph
                        .payments(r)
                        .iter()
                        .flat_map(|p| {
                            graph.transfers_from(p.account).iter().map(|o| owner(graph.key(o.to)).to_string())
                        })
                        .collect();
                    println!(
                        "  stray {g} report {} cluster {} (gang's main {}): {} payments, L2 owners {:?}, terminals {:?}",
                        graph.report(r).report_id,
                        result.membership[r],
                        best,
                        graph.payments(r).len(),
                        l2,
                        terms.get(&r)
                    );
                    if let Ok(seeds) = money.report_transfers(&graph.report(r).report_id) {
                        let mut tp = analytics::TraceParams::new(analytics::Method::ProRata);
                        let pays = graph.payments(r);
                        tp.horizon_s = pays.last().map_or(0, |l| l.at - pays[0].at) + params.money_link_horizon_secs;
                        tp.max_depth = 16;
                        tp.max_nodes = params.money_link_max_nodes;
                        tp.cash_out = vec![TransferChannel::Atm, TransferChannel::Merchant, TransferChannel::Cash];
                        let tr = analytics::trace_downstream(&money, seeds, &tp).unwrap();
                        let top: Vec<String> = tr
                            .holdings
                            .iter()
                            .take(5)
                            .map(|h| {
                                format!(
                                    "{}:{:.2}",
                                    owner(money.key(h.account)),
                                    h.amount_fen as f64 / tr.victim_fen as f64
                                )
                            })
                            .collect();
                        println!("      trace: {top:?}");
                    }
                }
            }
            for s in &result.services {
                let owned = s.accounts.iter().filter(|a| d.service_accounts.contains(*a)).count();
                println!(
                    "  service {} accounts ({} true), {} reports, serves {:?}",
                    s.accounts.len(),
                    owned,
                    s.reports,
                    s.served_clusters
                );
            }
            for h in &result.hubs {
                println!("  hub {} {} {}", h.key, h.degree, h.reason);
            }
        }
        failures.extend((ours.recovered < without.recovered + 2).then(|| {
            format!("seed {seed}: {} gangs recovered, {} without money links", ours.recovered, without.recovered)
        }));
        // False merges: at most one report in 200 more in another gang's cluster than without money links (none
        // measured; the rule of before put 18 of 1,024 there at 200,000 residents).
        failures.extend((ours.misplaced > without.misplaced + graph.report_count() / 200).then(|| {
            format!(
                "seed {seed}: {} reports in another gang's cluster ({} mixed clusters), {} without money links",
                ours.misplaced, ours.mixed, without.misplaced
            )
        }));
        failures.extend((ours.ari < min_ari).then(|| format!("seed {seed}: ARI {:.4} below {min_ari}", ours.ari)));
        failures.extend(((ours.recovered as f64) < min_recovered * ours.gangs as f64).then(|| {
            format!("seed {seed}: {} of {} gangs recovered, below {min_recovered}", ours.recovered, ours.gangs)
        }));
        assert!(ours.ari > plain.ari + 0.5, "hub handling must beat plain components by far");

        // Same input, same seed: same clusters; a rerun with last run's clusters keeps every id.
        let again = cluster_gangs(&graph, &params, &policy, &[]).expect("clustering");
        assert_eq!(again.membership, result.membership);
        let previous: Vec<PreviousCluster> = result
            .clusters
            .iter()
            .map(|c| PreviousCluster {
                id: c.id * 10,
                report_ids: c.reports.iter().map(|&r| graph.report(r).report_id.clone()).collect(),
            })
            .collect();
        let rerun = cluster_gangs(&graph, &params, &policy, &previous).expect("clustering");
        for (a, b) in result.clusters.iter().zip(&rerun.clusters) {
            assert_eq!(b.id, a.id * 10);
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

/// Accounts reached from report `r`'s payments within `hops` time-respecting transfers (each within `window` s).
fn downstream(graph: &GangGraph, r: usize, hops: usize, window: i64) -> Vec<u32> {
    let mut out = Vec::new();
    for p in graph.payments(r) {
        let mut frontier = vec![(p.account, p.at)];
        for _ in 0..hops {
            let mut next = Vec::new();
            for &(x, tx) in &frontier {
                for o in graph.transfers_from(x).iter().filter(|o| o.at >= tx && o.at <= tx.saturating_add(window)) {
                    next.push((o.to, o.at));
                    out.push(o.to);
                }
            }
            next.sort_unstable();
            next.dedup();
            frontier = next;
        }
    }
    out
}

/// Accounts owned by gang `gang` (truth) that report `r`'s money can reach: time-respecting paths of up to 4
/// transfers from its payments, each leaving within `window` s after the money arrived (the L1 → L2 → L3 → backer
/// chain through a laundering service, or a gang's own chain to its wallets).
fn gang_ends(d: &District, graph: &GangGraph, r: usize, gang: &str, window: i64) -> Vec<u32> {
    let mut best: HashMap<u32, i64> = HashMap::new();
    let mut frontier: Vec<(u32, i64)> = graph.payments(r).iter().map(|p| (p.account, p.at)).collect();
    for _ in 0..4 {
        let mut next: HashMap<u32, i64> = HashMap::new();
        for &(x, tx) in &frontier {
            for o in graph.transfers_from(x).iter().filter(|o| o.at >= tx && o.at <= tx.saturating_add(window)) {
                let t = next.entry(o.to).or_insert(o.at);
                *t = (*t).min(o.at);
            }
        }
        next.retain(|e, t| best.get(e).is_none_or(|&b| *t < b));
        best.extend(next.iter().map(|(&e, &t)| (e, t)));
        frontier = next.into_iter().collect();
    }
    let owned_by_gang = |key: &str| {
        let key = key.strip_prefix("acct:").map_or(key.to_string(), |w| format!("crypto:{w}"));
        d.owner.get(&key).is_some_and(|o| o.split(' ').next() == Some(gang))
    };
    best.into_keys().filter(|&e| owned_by_gang(graph.key(e))).collect()
}

/// What the data lets anyone recover, told by the truth: each gang's reports split into the pieces connected by
/// identifiers and downstream accounts (2 hops) that are neither truth hubs nor owned by a laundering service
/// (partial cards aside), and by the gang's own accounts its victims' money reaches further down, through services
/// included (within `money_link_horizon_secs` per hop: where attributed money can end). The last are what money
/// attribution can link; no method can link through an account the money cannot reach, so the bound stays an upper
/// bound for linking by identifiers and money, though attribution through pooled service accounts is uncertain and
/// may fall short of it. Returns the oracle labels (gang, piece) and the number of reports sharing no such token
/// with another report of their gang.
/// Money links must not depend on the generator's backer rate: where less of the proceeds (or none) ends with the
/// gang's backer, they add less, and still merge no more gangs. Measured, 50,000 residents, seed 1: with no backer
/// payments (the money ends at ATMs, merchants and the services' own wallets, which every client's money reaches),
/// ARI 0.941, 17/29, 1 report in another gang's cluster (without money links 0.943, 17/29, none); with half the
/// chunks paid to the backer, ARI 0.983, 25/29, none in another gang's cluster.
#[test]
fn money_links_add_what_the_money_shows_and_no_false_merges() {
    let policy = HubPolicy::shipped().expect("shipped allow-list");
    for share in [0.0, 0.5] {
        let d = district(50_000, 52, 1, Some(share));
        let graph = GangGraph::build(&d.reports, d.transfers.iter().cloned());
        let params = GangParams::defaults(1);
        let ours = cluster_gangs(&graph, &params, &policy, &[]).expect("clustering");
        let ours = score(&d, &graph, &ours.membership);
        let no_money = GangParams { money_link_min_share: 0.0, ..params };
        let without = cluster_gangs(&graph, &no_money, &policy, &[]).expect("clustering");
        let without = score(&d, &graph, &without.membership);
        println!(
            "backer share {share}: ARI {:.4}, {}/{} recovered, {} in another gang's cluster; without money links \
             ARI {:.4}, {}/{}, {}",
            ours.ari,
            ours.recovered,
            ours.gangs,
            ours.misplaced,
            without.ari,
            without.recovered,
            without.gangs,
            without.misplaced
        );
        assert!(ours.recovered >= without.recovered, "backer share {share}: fewer gangs recovered with money links");
        assert!(ours.misplaced <= without.misplaced + graph.report_count() / 50, "backer share {share}: false merges");
        if share == 0.0 {
            assert!(ours.ari >= without.ari - 0.005, "no money signal, yet ARI {:.4} < {:.4}", ours.ari, without.ari);
        } else {
            assert!(ours.recovered >= without.recovered + 2, "backer share {share}: money links gained nothing");
        }
    }
}

/// Every transfer but the victims' own payments carries `lo`–`hi` less than generated, drawn per transfer: a
/// payout is no longer exactly what arrived, but now a little above, now a little below it.
fn cut(transfers: &[TransferInput], lo: f64, hi: f64) -> Vec<TransferInput> {
    use rand::{Rng, SeedableRng};
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
    transfers
        .iter()
        .map(|t| {
            if t.report_id.is_some() {
                return t.clone();
            }
            let kept = 1.0 - rng.gen_range(lo..hi);
            TransferInput { amount_fen: ((t.amount_fen as f64 * kept) as i64).max(1), ..t.clone() }
        })
        .collect()
}

/// Matching amounts must not depend on our generator passing chunks on in full. Where every card keeps a cut of up
/// to 1% or of 3–8% (each transfer cut on its own, so a payout is now above, now below what arrived: about half the
/// chunks, or a third, still within the 2% tolerance), the clusters recover within one gang of the conventions
/// alone, and merge no more gangs than without money links. Measured, 50,000 residents: see
/// `bench/README.md` (gang clustering, session 5).
#[test]
fn cards_keeping_a_cut_leave_matching_no_worse_than_the_conventions() {
    let policy = HubPolicy::shipped().expect("shipped allow-list");
    for seed in [1u64, 2] {
        let d = district(50_000, 52, seed, None);
        for (lo, hi) in [(0.0, 0.01), (0.03, 0.08)] {
            let graph = GangGraph::build(&d.reports, cut(&d.transfers, lo, hi));
            let params = GangParams::defaults(seed);
            let run = |p: &GangParams| {
                let c = cluster_gangs(&graph, p, &policy, &[]).expect("clustering");
                score(&d, &graph, &c.membership)
            };
            let ours = run(&params);
            let conventions = run(&GangParams { money_link_matched_min_share: None, ..params.clone() });
            let without = run(&GangParams { money_link_min_share: 0.0, ..params.clone() });
            println!(
                "seed {seed}, cut {lo}–{hi}: ARI {:.4}, {}/{} recovered, {} in another gang's cluster; conventions \
                 only {:.4}, {}, {}; without money links {:.4}, {}, {}",
                ours.ari,
                ours.recovered,
                ours.gangs,
                ours.misplaced,
                conventions.ari,
                conventions.recovered,
                conventions.misplaced,
                without.ari,
                without.recovered,
                without.misplaced
            );
            let case = format!("seed {seed}, cut {lo}–{hi}");
            assert!(ours.recovered + 1 >= conventions.recovered, "{case}: matching lost gangs");
            assert!(ours.recovered >= without.recovered + 2, "{case}: money links gained nothing");
            assert!(ours.misplaced <= without.misplaced + graph.report_count() / 50, "{case}: false merges");
        }
    }
}

fn oracle(d: &District, graph: &GangGraph, params: &GangParams) -> (Vec<u32>, usize) {
    let n = graph.report_count();
    let truth: Vec<&str> = (0..n).map(|r| d.gang[&graph.report(r).report_id].as_str()).collect();
    let clean = |e: u32| {
        let k = graph.key(e);
        graph.kind(e) != analytics::EntityKind::PartialCard && !d.hubs.contains(k) && !d.service_accounts.contains(k)
    };
    // (gang, token) -> reports
    let mut by_token: HashMap<(&str, u32), Vec<u32>> = HashMap::new();
    for (r, &gang) in truth.iter().enumerate() {
        let mut toks: Vec<u32> = graph.mentions(r).to_vec();
        toks.extend(downstream(graph, r, params.money_hops, params.hop_window_secs));
        toks.extend(gang_ends(d, graph, r, gang, params.money_link_horizon_secs));
        toks.sort_unstable();
        toks.dedup();
        for e in toks.into_iter().filter(|&e| clean(e)) {
            by_token.entry((gang, e)).or_default().push(r as u32);
        }
    }
    let mut parent: Vec<u32> = (0..n as u32).collect();
    fn find(p: &mut [u32], mut x: u32) -> u32 {
        while p[x as usize] != x {
            p[x as usize] = p[p[x as usize] as usize];
            x = p[x as usize];
        }
        x
    }
    let mut linked = vec![false; n];
    for list in by_token.values().filter(|l| l.len() > 1) {
        for w in list.windows(2) {
            let (a, b) = (find(&mut parent, w[0]), find(&mut parent, w[1]));
            parent[a.max(b) as usize] = a.min(b);
        }
        for &r in list {
            linked[r as usize] = true;
        }
    }
    let mut gang_size: HashMap<&str, usize> = HashMap::new();
    for g in &truth {
        *gang_size.entry(g).or_default() += 1;
    }
    let alone = (0..n).filter(|&r| !linked[r] && gang_size[truth[r]] > 1).count();
    let labels = (0..n as u32).map(|r| find(&mut parent, r)).collect();
    (labels, alone)
}

/// Every chain `explain_link` prints follows the money forward in time (issue 14, point 1): on generated districts
/// (3 seeds), for pairs of reports of one cluster, each money leg read in the money's direction has non-decreasing
/// times, every transfer leaves its account after the money arrived there (its dwell, equal to the time since the
/// step before it) and within the hop window.
#[test]
fn every_explained_chain_follows_the_money_forward_in_time() {
    use analytics::{ChainNode, ChainStep, LinkKind, RelayParams, Relays, SubgraphParams, explain_link};
    let params = SubgraphParams::defaults();
    let (mut legs, mut through_relays) = (0, 0);
    for (seed, scenarios) in [(1, &[][..]), (2, &[]), (3, &[]), (1, &["relays"])] {
        let d = district_of(10_000, 12, seed, None, scenarios);
        let graph = GangGraph::build(&d.reports, d.transfers.clone());
        let run = cluster_gangs(&graph, &GangParams::defaults(seed), &HubPolicy::shipped().unwrap(), &[]).unwrap();
        let excluded: BTreeSet<&str> = run.hubs.iter().map(|h| h.key.as_str()).collect();
        let relays = Relays::find(&graph, &RelayParams::defaults(), |k| excluded.contains(k));
        let pairs = run.clusters.iter().flat_map(|c| {
            let r = &c.reports[..c.reports.len().min(12)];
            r.iter().enumerate().flat_map(move |(i, &a)| r[i + 1..].iter().map(move |&b| (a, b)))
        });
        {
            for (first, other) in pairs {
                // Chains of identifiers and money, and of money alone (every identifier but accounts left out).
                let with_ids = |k: &str| excluded.contains(k);
                let money_only =
                    |k: &str| excluded.contains(k) || !["card:", "acct:", "alipay:"].iter().any(|p| k.starts_with(p));
                let skips: [&dyn Fn(&str) -> bool; 2] = [&with_ids, &money_only];
                for chain in skips
                    .into_iter()
                    .filter_map(|skip| explain_link(&graph, first, other, skip, &relays, &params, &[]).ok())
                {
                    // Split into legs: maximal runs of payment and transfer steps walked the same way.
                    let mut runs: Vec<Vec<ChainStep>> = Vec::new();
                    for s in chain.steps {
                        let money = matches!(s.kind, LinkKind::Payment | LinkKind::Transfer);
                        match runs.last_mut() {
                            Some(run) if money && run[0].reversed == s.reversed && s.kind == LinkKind::Transfer => {
                                run.push(s)
                            }
                            _ if money => runs.push(vec![s]),
                            _ => {}
                        }
                    }
                    for mut leg in runs {
                        if leg[0].reversed {
                            leg.reverse();
                        }
                        legs += usize::from(leg.len() > 1);
                        let relayed = |n: ChainNode| matches!(n, ChainNode::Entity(e) if relays.relay(e));
                        through_relays += usize::from(leg.iter().any(|s| relayed(s.to) || relayed(s.from)));
                        for w in leg.windows(2) {
                            let (before, after) = (w[0].at.unwrap(), w[1].at.unwrap());
                            let dwell = w[1].dwell_secs.expect("a transfer step has its dwell");
                            assert!(
                                after >= before,
                                "seed {seed}: a transfer at {after} before the money arrived at {before}"
                            );
                            assert_eq!(dwell, after - before, "seed {seed}: dwell is the time since the money arrived");
                            assert!(dwell <= params.hop_window_secs, "seed {seed}: dwell {dwell} s beyond the window");
                        }
                    }
                }
            }
        }
    }
    assert!(legs > 20, "only {legs} money legs with transfers were explained");
    assert!(through_relays > 5, "only {through_relays} money legs pass through a relay");
}

/// `explain` finds a chain for every pair of reports a cluster holds when victims pay payment platforms (issue 14):
/// it follows the money through the run's relays as clustering did. Without the relays some pairs it clustered
/// through a platform-forwarded payment get "not linked" (7 of 223 pairs on these two districts when this test was
/// written).
#[test]
fn explain_links_every_pair_a_cluster_holds_through_payment_platforms() {
    use analytics::{LinkIndex, MoneyEnd, RelayParams, Relays, SubgraphParams};
    let (mut pairs, mut without_relays) = (0, 0);
    for (scenario, seed) in [("relays", 2), ("kitchen-sink", 1)] {
        let d = district_of(60_000, 26, seed, None, &[scenario]);
        let graph = GangGraph::build(&d.reports, d.transfers.clone());
        let run = cluster_gangs(&graph, &GangParams::defaults(seed), &HubPolicy::shipped().unwrap(), &[]).unwrap();
        // What the service holds apart: hubs (relays among them) and laundering services' accounts.
        let hubs: BTreeSet<&str> = run.hubs.iter().map(|h| h.key.as_str()).collect();
        let mut excluded = hubs.clone();
        excluded.extend(run.services.iter().flat_map(|s| s.accounts.iter().map(String::as_str)));
        let relays = Relays::find(&graph, &RelayParams::defaults(), |k| hubs.contains(k));
        let ends: Vec<MoneyEnd> = run
            .money_terminals
            .iter()
            .filter_map(|t| graph.entity(&t.key).map(|a| (a, t)))
            .flat_map(|(account, t)| t.reports.iter().map(move |&(report, share)| MoneyEnd { report, account, share }))
            .collect();
        let skip = |k: &str| excluded.contains(k);
        let params = SubgraphParams::defaults();
        let (through, plain) = (
            LinkIndex::new(&graph, &skip, &relays, &params),
            LinkIndex::new(&graph, &skip, &Relays::default(), &params),
        );
        for c in &run.clusters {
            for &other in &c.reports[1..] {
                pairs += 1;
                let chain = through.explain(&graph, c.reports[0], other, &ends);
                assert!(chain.is_ok(), "{scenario} seed {seed}: {chain:?}");
                without_relays += usize::from(plain.explain(&graph, c.reports[0], other, &ends).is_err());
            }
        }
    }
    assert!(pairs > 100, "{pairs} pairs");
    assert!(without_relays > 0, "the districts must have pairs linked only through a platform");
}
