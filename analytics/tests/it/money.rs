//! Money tracing (FIFO / LIFO / pro rata / matched) on hand-built transfer sets with hand-computed answers, the
//! conservation property on random graphs, and upstream tracing.

use analytics::{Method, MoneyTransfer, NodeEnd, Trace, TraceParams, TransferGraph, trace_downstream, trace_upstream};
use datasets::TransferChannel;
use proptest::prelude::*;

fn tx(from: &str, to: &str, amount_fen: i64, at: i64, channel: TransferChannel, report: Option<&str>) -> MoneyTransfer {
    MoneyTransfer {
        from_account: from.into(),
        to_account: to.into(),
        amount_fen,
        at,
        channel: Some(channel),
        report_id: report.map(String::from),
    }
}

/// X pays M 500 (clean) at 100; the victim V pays M 1000 at 200 (report R1); M pays A 600 at 300 and B 900 at
/// 400; A withdraws 520 at an ATM at 500; B pays C 1000 at 600 (100 more than B ever received).
fn case() -> TransferGraph {
    use TransferChannel::*;
    TransferGraph::build(vec![
        tx("X", "M", 500, 100, Bank, None),
        tx("V", "M", 1000, 200, MobileBanking, Some("R1")),
        tx("M", "A", 600, 300, Bank, None),
        tx("M", "B", 900, 400, Bank, None),
        tx("A", "ATM-1", 520, 500, Atm, None),
        tx("B", "C", 1000, 600, Bank, None),
    ])
}

fn run(g: &TransferGraph, params: &TraceParams) -> Trace {
    trace_downstream(g, g.report_transfers("R1").unwrap(), params).unwrap()
}

fn holdings(g: &TransferGraph, t: &Trace) -> Vec<(String, i64)> {
    t.holdings.iter().map(|h| (g.key(h.account).to_string(), h.amount_fen)).collect()
}

fn conserved(t: &Trace) {
    assert_eq!(t.victim_fen, t.held_fen() + t.cashed_out_fen() + t.untraced.total(), "{t:#?}");
}

#[test]
fn fifo_lifo_and_pro_rata_give_the_hand_computed_holdings() {
    let g = case();
    // FIFO: M = [clean 500, victim 1000]; M→A 600 takes clean 500 + victim 100 (A keeps that order); M→B 900
    // takes victim 900; A's ATM 520 takes clean 500 + victim 20; B→C 1000 takes all 900 (+100 from outside).
    let fifo = run(&g, &TraceParams::new(Method::Fifo));
    assert_eq!(fifo.victim_fen, 1000);
    assert_eq!(holdings(&g, &fifo), vec![("acct:C".into(), 900), ("acct:A".into(), 80)]);
    assert_eq!(fifo.cashed_out_fen(), 20);
    assert_eq!(g.key(fifo.cashed_out[0].account), "acct:ATM-1");
    assert_eq!(fifo.cashed_out[0].channel, TransferChannel::Atm);
    conserved(&fifo);
    // LIFO: M→A takes victim 600; M→B takes victim 400 + clean 500; the ATM takes 520 of A's 600 victim money;
    // B→C carries 400.
    let lifo = run(&g, &TraceParams::new(Method::Lifo));
    assert_eq!(holdings(&g, &lifo), vec![("acct:C".into(), 400), ("acct:A".into(), 80)]);
    assert_eq!(lifo.cashed_out_fen(), 520);
    conserved(&lifo);
    // Pro rata: M→A 600 of 1500 carries 1000·600/1500 = 400 victim (+200 clean); M→B 900 drains M: 600 victim;
    // the ATM's 520 carries 400·520/600 = 346.67 → 347 (largest remainder); B→C carries B's 600.
    let pro = run(&g, &TraceParams::new(Method::ProRata));
    assert_eq!(holdings(&g, &pro), vec![("acct:C".into(), 600), ("acct:A".into(), 53)]);
    assert_eq!(pro.cashed_out_fen(), 347);
    conserved(&pro);
}

/// A pooled card P: O pays 700 (clean) at 100, the victim V 1000 at 200 (report R1), Q 500 (clean) at 250; P pays
/// C `to_c` at 300, B 700 at 400, D 480 at 500.
fn pool(to_c: i64) -> TransferGraph {
    use TransferChannel::*;
    TransferGraph::build(vec![
        tx("O", "P", 700, 100, Bank, None),
        tx("V", "P", 1000, 200, MobileBanking, Some("R1")),
        tx("Q", "P", 500, 250, Bank, None),
        tx("P", "C", to_c, 300, Bank, None),
        tx("P", "B", 700, 400, Bank, None),
        tx("P", "D", 480, 500, Bank, None),
    ])
}

#[test]
fn matched_follows_the_payout_of_the_same_amount_where_fifo_and_lifo_guess() {
    let g = pool(1000);
    // FIFO: P→C takes O 700 + V 300, P→B the other V 700. LIFO: P→C takes Q 500 + V 500, P→B V 500 + O 200.
    assert_eq!(
        holdings(&g, &run(&g, &TraceParams::new(Method::Fifo))),
        vec![("acct:B".into(), 700), ("acct:C".into(), 300)]
    );
    assert_eq!(
        holdings(&g, &run(&g, &TraceParams::new(Method::Lifo))),
        vec![("acct:C".into(), 500), ("acct:B".into(), 500)]
    );
    // Matched: P→C passes on exactly the 1000 V paid in.
    let t = run(&g, &TraceParams::new(Method::Matched));
    assert_eq!(holdings(&g, &t), vec![("acct:C".into(), 1000)]);
    let c = t.nodes.iter().find(|n| g.key(n.account) == "acct:C").unwrap();
    assert!(c.matched && !t.nodes[c.parent.unwrap() as usize].matched);
    assert_eq!(t.held_matched_fen(), 1000);
    conserved(&t);
    // Upstream, the 1000 C received is V's payment, not the newest money in P.
    let up = trace_upstream(&g, g.account("C").unwrap(), i64::MAX, &TraceParams::new(Method::Matched)).unwrap();
    let origins: Vec<(String, i64)> = up.origins.iter().map(|o| (g.key(o.account).into(), o.amount_fen)).collect();
    assert_eq!(origins, vec![("acct:V".into(), 1000)]);
    assert_eq!(Method::parse("MATCHED").unwrap(), Method::Matched);
}

#[test]
fn matched_falls_back_to_the_newest_money_and_tolerates_a_cut_only_when_asked() {
    // P→C 990 matches no arrival exactly: the newest money leaves first (Q 500 + V 490). P→B 700 passes on O's 700
    // (paired by amount), so it carries P's other money, not V's; P→D 480 takes the newest money, V's.
    let g = pool(990);
    let t = run(&g, &TraceParams::new(Method::Matched));
    assert_eq!(holdings(&g, &t), vec![("acct:C".into(), 490), ("acct:D".into(), 480), ("acct:P".into(), 30)]);
    assert_eq!(t.held_matched_fen(), 0);
    conserved(&t);
    // Allowing a 2% cut, P→C passes V's 1000 on less 10; the 10 left is no longer reserved, P→B still passes on O's
    // 700, and P→D takes the newest money: the 10.
    let mut p = TraceParams::new(Method::Matched);
    p.match_tolerance = 0.02;
    let t = run(&g, &p);
    assert_eq!(holdings(&g, &t), vec![("acct:C".into(), 990), ("acct:D".into(), 10)]);
    assert_eq!(t.held_matched_fen(), 990);
    conserved(&t);
    p.match_tolerance = 1.0;
    assert!(
        trace_downstream(&g, g.report_transfers("R1").unwrap(), &p)
            .unwrap_err()
            .to_string()
            .contains("match_tolerance")
    );
}

/// Two victims pay a pooled card P 1000 each (A at 100, report RA; B at 200, RB); P pays O1 1000 at 300 and O2
/// 1000 at 400; then V pays P 700 at 500 (report RV), and P pays X 1500 at 600 and Y 700 at 700.
fn two_clients() -> TransferGraph {
    use TransferChannel::*;
    TransferGraph::build(vec![
        tx("A", "P", 1000, 100, MobileBanking, Some("RA")),
        tx("B", "P", 1000, 200, MobileBanking, Some("RB")),
        tx("P", "O1", 1000, 300, Bank, None),
        tx("P", "O2", 1000, 400, Bank, None),
        tx("V", "P", 700, 500, MobileBanking, Some("RV")),
        tx("P", "X", 1500, 600, Bank, None),
        tx("P", "Y", 700, 700, Bank, None),
    ])
}

#[test]
fn matched_pairs_a_cards_payouts_the_same_way_whoever_is_traced() {
    let g = two_clients();
    let trace = |report: &str| {
        let t = trace_downstream(&g, g.report_transfers(report).unwrap(), &TraceParams::new(Method::Matched)).unwrap();
        conserved(&t);
        t
    };
    // A's 1000 arrived first and leaves with O1; B's, traced alone (A's money is then only P's old balance), still
    // leaves with O2, not with the first payout of its amount after it.
    assert_eq!(holdings(&g, &trace("RA"))[0], ("acct:O1".into(), 1000));
    assert_eq!(holdings(&g, &trace("RB"))[0], ("acct:O2".into(), 1000));
    // V's 700 is paired with Y's payout at 700, but P→X 1500 drains P first: V's money goes to X, unmatched.
    let v = trace("RV");
    assert_eq!(holdings(&g, &v), vec![("acct:X".into(), 700)]);
    assert!(v.nodes.iter().all(|n| !n.matched) && v.held_matched_fen() == 0);

    // Claims chain over more than two weeks: A (day 0) takes O1 (day 6.5), so C (day 6, clean) takes O2 (day 11),
    // D (day 10.5, clean) O3 (day 16) and B (day 15) O4 (day 18). Paired from a week before B only, D would take O2
    // and B O3; paired from two weeks before O4, C would take O1 and B O3.
    use TransferChannel::*;
    let day = 86_400;
    let g = TransferGraph::build(vec![
        tx("A", "P", 1000, 0, MobileBanking, Some("RA")),
        tx("C", "P", 1000, 6 * day, Bank, None),
        tx("P", "O1", 1000, 6 * day + day / 2, Bank, None),
        tx("D", "P", 1000, 10 * day + day / 2, Bank, None),
        tx("P", "O2", 1000, 11 * day, Bank, None),
        tx("B", "P", 1000, 15 * day, MobileBanking, Some("RB")),
        tx("P", "O3", 1000, 16 * day, Bank, None),
        tx("P", "O4", 1000, 18 * day, Bank, None),
    ]);
    let trace = |report: &str| {
        let t = trace_downstream(&g, g.report_transfers(report).unwrap(), &TraceParams::new(Method::Matched)).unwrap();
        conserved(&t);
        holdings(&g, &t)
    };
    assert_eq!(trace("RA"), vec![("acct:O1".into(), 1000)]);
    assert_eq!(trace("RB"), vec![("acct:O4".into(), 1000)]);
    let up = trace_upstream(&g, g.account("O4").unwrap(), i64::MAX, &TraceParams::new(Method::Matched)).unwrap();
    assert_eq!(up.origins.iter().map(|o| g.key(o.account)).collect::<Vec<_>>(), vec!["acct:B"]);
}

#[test]
fn trail_nodes_carry_amounts_times_and_dwell() {
    let g = case();
    let t = run(&g, &TraceParams::new(Method::Fifo));
    let node = |key: &str| t.nodes.iter().find(|n| g.key(n.account) == key).unwrap();
    let m = node("acct:M");
    assert_eq!((m.parent, m.amount_fen, m.at, m.dwell_s, m.depth), (None, 1000, 200, None, 1));
    let b = node("acct:B");
    assert_eq!((b.amount_fen, b.at, b.dwell_s, b.depth), (900, 400, Some(200), 2));
    let c = node("acct:C");
    assert_eq!((c.amount_fen, c.dwell_s, c.depth, c.held_fen), (900, Some(200), 3, 900));
    assert_eq!(g.key(t.nodes[c.parent.unwrap() as usize].account), "acct:B");
    let atm = node("acct:ATM-1");
    assert_eq!((atm.amount_fen, atm.end, atm.dwell_s), (20, NodeEnd::CashedOut, Some(200)));
    assert_eq!(t.children(None).count(), 1);
}

#[test]
fn depth_and_horizon_limits_stop_the_trail_and_are_reported() {
    let g = case();
    let mut p = TraceParams::new(Method::Fifo);
    p.max_depth = 2;
    let t = run(&g, &p);
    assert_eq!(t.untraced.depth_limit_fen, 900, "B→C is hop 3");
    assert_eq!(holdings(&g, &t), vec![("acct:A".into(), 80)]);
    conserved(&t);
    let mut p = TraceParams::new(Method::Fifo);
    p.horizon_s = 250; // up to t = 450: neither the ATM nor B→C
    let t = run(&g, &p);
    assert_eq!(holdings(&g, &t), vec![("acct:B".into(), 900), ("acct:A".into(), 100)]);
    conserved(&t);
    p.max_depth = 0;
    assert!(trace_downstream(&g, &[0], &p).is_err());
}

#[test]
fn upstream_attributes_inflows_to_the_feeding_accounts() {
    let g = case();
    let c = g.account("C").unwrap();
    // C got 1000 from B; B had received 900 (M), so 100 is B's own; M's 900 came from V (LIFO) or X 500 + V 400.
    let up = trace_upstream(&g, c, i64::MAX, &TraceParams::new(Method::Lifo)).unwrap();
    let origins: Vec<(String, i64)> = up.origins.iter().map(|o| (g.key(o.account).into(), o.amount_fen)).collect();
    assert_eq!(origins, vec![("acct:V".into(), 900), ("acct:B".into(), 100)]);
    assert_eq!(up.inflow_fen, 1000);
    let up = trace_upstream(&g, c, i64::MAX, &TraceParams::new(Method::Fifo)).unwrap();
    let origins: Vec<(String, i64)> = up.origins.iter().map(|o| (g.key(o.account).into(), o.amount_fen)).collect();
    assert_eq!(origins, vec![("acct:X".into(), 500), ("acct:V".into(), 400), ("acct:B".into(), 100)]);
    let total: i64 = up.origins.iter().map(|o| o.amount_fen).sum::<i64>() + up.untraced_fen;
    assert_eq!(total, up.inflow_fen);
}

#[test]
fn bad_input_is_named() {
    let g = case();
    assert!(g.report_transfers("R9").unwrap_err().to_string().contains("R9"));
    assert!(g.account("nobody").unwrap_err().to_string().contains("nobody"));
    assert!(Method::parse("random").unwrap_err().to_string().contains("random"));
    assert_eq!(Method::parse("Pro-Rata").unwrap(), Method::ProRata);
}

const CHANNELS: [TransferChannel; 5] = [
    TransferChannel::Bank,
    TransferChannel::MobileBanking,
    TransferChannel::Atm,
    TransferChannel::Crypto,
    TransferChannel::Merchant,
];

fn random_graph() -> impl Strategy<Value = Vec<MoneyTransfer>> {
    // Amounts from a few round values half the time, so that payouts of an arrival's amount occur.
    let amount = prop_oneof![1i64..20_000, (1i64..5).prop_map(|k| k * 500)];
    // Times over a month, so that pairing windows (a week) start and end inside the data.
    prop::collection::vec((0u8..8, 0u8..8, amount, 0i64..2_592_000, 0usize..5, prop::bool::weighted(0.2)), 1..60)
        .prop_map(|rows| {
            rows.into_iter()
                .map(|(f, t, amount, at, c, seed)| {
                    let ch = if c >= 2 && !seed { CHANNELS[c] } else { CHANNELS[c % 2] };
                    tx(&format!("a{f}"), &format!("a{t}"), amount, at, ch, seed.then_some("R"))
                })
                .collect()
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]
    #[test]
    fn victim_money_is_conserved_for_every_method(
        rows in random_graph(),
        depth in 1u32..6,
        min_fen in 1i64..200,
        max_nodes in 1usize..80,
    ) {
        let g = TransferGraph::build(rows);
        let Ok(seeds) = g.report_transfers("R") else { return Ok(()) };
        let matched = [(Method::Matched, 0.0), (Method::Matched, 0.3)];
        let conventions = [(Method::Fifo, 0.0), (Method::Lifo, 0.0), (Method::ProRata, 0.0)];
        for (method, tolerance) in conventions.into_iter().chain(matched) {
            let mut p = TraceParams::new(method);
            p.match_tolerance = tolerance;
            p.max_depth = depth;
            p.min_fen = min_fen;
            p.max_nodes = max_nodes;
            let t = trace_downstream(&g, seeds, &p).unwrap();
            let seeded: i64 = seeds.iter().map(|&s| g.amount(s)).sum();
            prop_assert_eq!(t.victim_fen, seeded);
            prop_assert_eq!(t.victim_fen, t.held_fen() + t.cashed_out_fen() + t.untraced.total());
            prop_assert!(t.holdings.iter().all(|h| h.amount_fen > 0));
            prop_assert!(t.nodes.iter().all(|n| n.amount_fen > 0 && n.held_fen <= n.amount_fen));
            prop_assert!(method == Method::Matched || t.nodes.iter().all(|n| !n.matched));
            // A matched hop passes on its parent's arrival, less at most the tolerance, within the window, and each
            // payout passes on one arrival only.
            let mut arrival_of: std::collections::HashMap<u32, u32> = std::collections::HashMap::new();
            for n in t.nodes.iter().filter(|n| n.matched) {
                let parent = n.parent.map(|p| t.nodes[p as usize].transfer);
                prop_assert!(parent.is_some(), "a victim's payment is matched");
                let arrived = g.amount(parent.unwrap());
                prop_assert!(g.amount(n.transfer) <= arrived);
                prop_assert!((arrived - g.amount(n.transfer)) as f64 <= tolerance * arrived as f64);
                prop_assert!(n.at - g.at(parent.unwrap()) <= analytics::MATCH_WINDOW_S);
                prop_assert_eq!(*arrival_of.entry(n.transfer).or_insert(parent.unwrap()), parent.unwrap());
            }
            // Every node's money is forwarded, held, cashed out or dropped: children never carry more.
            for (i, n) in t.nodes.iter().enumerate() {
                let out: i64 = t.nodes.iter().filter(|c| c.parent == Some(i as u32)).map(|c| c.amount_fen).sum();
                prop_assert!(out + n.held_fen <= n.amount_fen);
                prop_assert!(n.dwell_s.is_none_or(|d| d >= 0));
            }
            let up = trace_upstream(&g, g.to(seeds[0]), i64::MAX, &p).unwrap();
            let origins: i64 = up.origins.iter().map(|o| o.amount_fen).sum();
            prop_assert_eq!(up.inflow_fen, origins + up.untraced_fen);
        }
    }
}
