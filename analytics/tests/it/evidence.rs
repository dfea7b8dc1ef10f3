//! Cluster evidence on small hand-built graphs with known answers: PageRank and betweenness, the explain chain,
//! hub exclusion, confidence, L1 activity, masking, and exports that parse back.

use std::collections::BTreeSet;

use analytics::{
    BetweennessMethod, ChainNode, ExplainError, ExportFormat, GangGraph, LinkIndex, LinkKind, MoneyEnd, Relays,
    ReportInput, Shared, SubgraphParams, TransferInput, betweenness, cluster_confidence, cluster_subgraph,
    cluster_subgraph_with_shared, data_end, explain_link, l1_accounts, page_rank, write_csv, write_gexf, write_graphml,
    write_json,
};
use datasets::FraudType;
use quick_xml::Reader;
use quick_xml::events::Event;

fn undirected(n: usize, edges: &[(usize, usize)]) -> Vec<Vec<usize>> {
    let mut adj = vec![Vec::new(); n];
    for &(a, b) in edges {
        adj[a].push(b);
        adj[b].push(a);
    }
    adj
}

#[test]
fn page_rank_puts_a_star_centre_first() {
    let adj = undirected(6, &[(0, 1), (0, 2), (0, 3), (0, 4), (0, 5)]);
    let pr = page_rank(&adj);
    assert!((pr.iter().sum::<f64>() - 1.0).abs() < 1e-9);
    for leaf in 1..6 {
        assert!(pr[0] > 2.0 * pr[leaf], "{pr:?}");
        assert!((pr[leaf] - pr[1]).abs() < 1e-12);
    }
    // Closed form for a star with k leaves: centre = (1 - d)/n + d·(k·leaf), leaf = (1 - d)/n + d·centre/k.
    let (d, n, k) = (0.85, 6.0, 5.0);
    let centre = ((1.0 - d) / n + d * k * (1.0 - d) / n) / (1.0 - d * d);
    assert!((pr[0] - centre).abs() < 1e-8, "{} vs {centre}", pr[0]);
    assert!(page_rank(&[]).is_empty());
}

#[test]
fn betweenness_of_a_path_and_a_large_sampled_graph() {
    let (bc, method) = betweenness(&undirected(5, &[(0, 1), (1, 2), (2, 3), (3, 4)]), 1);
    assert_eq!(method, BetweennessMethod::Exact);
    assert_eq!(bc, vec![0.0, 3.0, 4.0, 3.0, 0.0]);
    let (bc, _) = betweenness(&undirected(3, &[(0, 1), (1, 2)]), 1);
    assert_eq!(bc, vec![0.0, 1.0, 0.0]);
    // Two hubs joined by a bridge node, 1,500 leaves each: sampled; the bridge carries every cross pair.
    let leaves = 1_500;
    let mut edges = vec![(0, 2), (2, 1)];
    for i in 0..leaves {
        edges.push((0, 3 + i));
        edges.push((1, 3 + leaves + i));
    }
    let n = 3 + 2 * leaves;
    let (bc, method) = betweenness(&undirected(n, &edges), 7);
    assert!(matches!(method, BetweennessMethod::Sampled { .. }));
    let exact_bridge = ((leaves + 1) * (leaves + 1)) as f64;
    assert!((bc[2] - exact_bridge).abs() / exact_bridge < 0.2, "{} vs {exact_bridge}", bc[2]);
    assert!(bc[0] > bc[2] && bc[3] == 0.0);
}

fn report(id: &str, at: i64, phones: &[&str]) -> ReportInput {
    ReportInput {
        phones: phones.iter().map(|s| s.to_string()).collect(),
        ..ReportInput::new(id, at, FraudType::OrderBrushing)
    }
}

fn pay(from: &str, to: &str, fen: i64, at: i64, report: Option<&str>) -> TransferInput {
    TransferInput {
        from_account: from.into(),
        to_account: to.into(),
        amount_fen: fen,
        at,
        report_id: report.map(String::from),
        channel: None,
    }
}

const DAY: i64 = 86_400;
const VICTIM: &str = "6217000000000000001";
const L1B: &str = "6222020000000000002";
const L1C: &str = "6222020000000000003";
const L2: &str = "6228480000000000009";

/// A and B share a caller phone; B's and C's victims paid L1 cards draining into one L2; D shares only the bank
/// hotline with A; E and F were paid from the same victim account into different, unconnected cards.
fn graph() -> GangGraph {
    let reports = vec![
        report("A", 0, &["13800138000", "95588"]),
        report("B", DAY, &["13800138000"]),
        report("C", 2 * DAY, &[]),
        report("D", 3 * DAY, &["95588"]),
        report("E", 4 * DAY, &[]),
        report("F", 5 * DAY, &[]),
    ];
    let transfers = vec![
        pay("6217000000000000011", L1B, 50_000, DAY, Some("B")),
        pay("6217000000000000012", L1C, 30_000, 2 * DAY, Some("C")),
        // Earlier transfers between the same accounts, before the victims' money arrived: never what a chain shows.
        pay(L1B, L2, 7_000, DAY - 3_600, None),
        pay(L1C, L2, 5_000, DAY, None),
        pay(L1B, L2, 49_000, DAY + 120, None),
        pay(L1C, L2, 29_000, 2 * DAY + 60, None),
        pay(VICTIM, "6222020000000000005", 10_000, 4 * DAY, Some("E")),
        pay(VICTIM, "6222020000000000006", 10_000, 5 * DAY, Some("F")),
        pay("6222020000000000006", L2, 9_000, 30 * DAY, None),
    ];
    GangGraph::build(&reports, transfers)
}

fn is_hub(key: &str) -> bool {
    key == "tel:95588"
}

#[test]
fn explain_finds_the_shortest_chain_through_shared_identifiers_and_money() {
    let g = graph();
    let chain = explain_link(&g, 0, 2, &is_hub, &Relays::default(), &SubgraphParams::defaults(), &[]).unwrap();
    let kinds: Vec<(LinkKind, bool)> = chain.steps.iter().map(|s| (s.kind, s.reversed)).collect();
    assert_eq!(
        kinds,
        vec![
            (LinkKind::Mention, false),
            (LinkKind::Mention, true),
            (LinkKind::Payment, false),
            (LinkKind::Transfer, false),
            (LinkKind::Transfer, true),
            (LinkKind::Payment, true),
        ]
    );
    assert_eq!(chain.steps[0].from, ChainNode::Report(0));
    assert_eq!(chain.steps[1].to, ChainNode::Report(1));
    assert_eq!(chain.steps[5].to, ChainNode::Report(2));
    let phone = g.entity("tel:+8613800138000").unwrap();
    assert_eq!(chain.steps[0].to, ChainNode::Entity(phone));
    // Transfers shown follow the money in time: after B's payment going down, after C's payment coming back up.
    assert_eq!((chain.steps[3].at, chain.steps[3].amount_fen), (Some(DAY + 120), Some(49_000)));
    assert_eq!((chain.steps[4].at, chain.steps[4].amount_fen), (Some(2 * DAY + 60), Some(29_000)));
    assert_eq!((chain.steps[2].at, chain.steps[2].amount_fen), (Some(DAY), Some(50_000)));
    // Symmetric length, and one hop for directly linked reports.
    assert_eq!(
        explain_link(&g, 2, 0, &is_hub, &Relays::default(), &SubgraphParams::defaults(), &[]).unwrap().steps.len(),
        6
    );
    assert_eq!(
        explain_link(&g, 0, 1, &is_hub, &Relays::default(), &SubgraphParams::defaults(), &[]).unwrap().steps.len(),
        2
    );
    assert!(
        explain_link(&g, 3, 3, &is_hub, &Relays::default(), &SubgraphParams::defaults(), &[]).unwrap().steps.is_empty()
    );
}

#[test]
fn explain_follows_the_money_through_a_payment_platform_as_clustering_does() {
    // Two victims pay a payment platform P (a relay, held apart), which passes each amount on, less 1%, to the same
    // gang card X within minutes; P also pays other merchants other amounts.
    const P: &str = "6222020000000000100";
    const X: &str = "6222020000000000200";
    let reports = vec![report("R1", 0, &[]), report("R2", DAY, &[])];
    let transfers = vec![
        pay("6217000000000000031", P, 50_000, 1_000, Some("R1")),
        pay(P, "6222020000000000300", 20_000, 1_100, None),
        pay(P, X, 49_500, 1_300, None),
        pay("6217000000000000032", P, 30_000, DAY + 1_000, Some("R2")),
        pay(P, X, 29_700, DAY + 1_600, None),
    ];
    let g = GangGraph::build(&reports, transfers);
    let (p, x) = (g.entity(&format!("card:{P}")).unwrap(), g.entity(&format!("card:{X}")).unwrap());
    let held_apart = |k: &str| k == format!("card:{P}");
    let params = SubgraphParams::defaults();
    // Without the relays, the platform is only an excluded account: nothing links the two.
    assert!(matches!(
        explain_link(&g, 0, 1, &held_apart, &Relays::default(), &params, &[]),
        Err(ExplainError::NotLinked { .. })
    ));
    // Through the relay, each payment goes on by the payout of its amount: both reach X.
    let relays = Relays::new(vec![p], vec![]);
    let chain = explain_link(&g, 0, 1, &held_apart, &relays, &params, &[]).unwrap();
    let steps: Vec<_> = chain.steps.iter().map(|s| (s.kind, s.reversed, s.from, s.to, s.at, s.dwell_secs)).collect();
    let (r1, r2) = (ChainNode::Report(0), ChainNode::Report(1));
    let (p, x) = (ChainNode::Entity(p), ChainNode::Entity(x));
    assert_eq!(
        steps,
        vec![
            (LinkKind::Payment, false, r1, p, Some(1_000), None),
            (LinkKind::Transfer, false, p, x, Some(1_300), Some(300)),
            (LinkKind::Transfer, true, x, p, Some(DAY + 1_600), Some(600)),
            (LinkKind::Payment, true, p, r2, Some(DAY + 1_000), None),
        ]
    );
    // A collector passes nothing on; and the platform's payout of another amount carries nobody's money.
    let ChainNode::Entity(p) = p else { unreachable!() };
    let collector = Relays::new(vec![p], vec![p]);
    assert!(explain_link(&g, 0, 1, &held_apart, &collector, &params, &[]).is_err());
    // Confidence counts the same link: through the platform both victims count as paying X; without the
    // relays nothing joins them.
    let through = LinkIndex::new(&g, &held_apart, &Relays::new(vec![p], vec![]), &params);
    let plain = LinkIndex::new(&g, &held_apart, &Relays::default(), &params);
    assert_eq!(cluster_confidence(&g, &[0, 1], &through, &[]).linked_pairs, 1);
    assert_eq!(cluster_confidence(&g, &[0, 1], &plain, &[]).linked_pairs, 0);
}

#[test]
fn a_link_index_kept_for_many_pairs_explains_as_each_call_does() {
    let g = graph();
    let l2 = g.entity("card:6228480000000000009").unwrap();
    let ends = [MoneyEnd { report: 3, account: l2, share: 0.65 }, MoneyEnd { report: 4, account: l2, share: 0.8 }];
    let params = SubgraphParams::defaults();
    let index = LinkIndex::new(&g, &is_hub, &Relays::default(), &params);
    for a in 0..7 {
        for b in 0..7 {
            for money in [&ends[..], &[]] {
                let each = explain_link(&g, a, b, &is_hub, &Relays::default(), &params, money);
                assert_eq!(index.explain(&g, a, b, money), each, "{a} {b}");
            }
        }
    }
}

#[test]
fn hubs_and_victims_own_accounts_never_link() {
    let g = graph();
    assert_eq!(
        explain_link(&g, 0, 3, &is_hub, &Relays::default(), &SubgraphParams::defaults(), &[]),
        Err(ExplainError::NotLinked { a: "A".into(), b: "D".into() })
    );
    assert_eq!(
        explain_link(&g, 0, 3, &|_| false, &Relays::default(), &SubgraphParams::defaults(), &[]).unwrap().steps.len(),
        2,
        "without the hub rule 95588 links"
    );
    // E and F share only the victim's paying account (upstream of their L1s): not a link. F's card pays L2 25 days
    // after F's money arrived: that transfer cannot carry it, so F is not linked to the B/C gang either.
    let params = SubgraphParams::defaults();
    assert!(matches!(
        explain_link(&g, 4, 5, &is_hub, &Relays::default(), &params, &[]),
        Err(ExplainError::NotLinked { .. })
    ));
    assert!(matches!(
        explain_link(&g, 5, 2, &is_hub, &Relays::default(), &params, &[]),
        Err(ExplainError::NotLinked { .. })
    ));
    // With a 30-day window the transfer follows F's money, and the chain shows the 25 days it sat there.
    let month = SubgraphParams { hop_window_secs: 30 * DAY, ..params };
    let chain = explain_link(&g, 5, 2, &is_hub, &Relays::default(), &month, &[]).unwrap();
    assert_eq!(chain.steps.len(), 4);
    assert_eq!(chain.steps[1].dwell_secs, Some(25 * DAY));
    assert_eq!(
        explain_link(&g, 0, 9, &is_hub, &Relays::default(), &SubgraphParams::defaults(), &[]),
        Err(ExplainError::UnknownReport { index: 9, count: 6 })
    );
}

#[test]
fn attributed_money_links_reports_whose_money_ends_in_one_account() {
    let g = graph();
    let links = LinkIndex::new(&g, &is_hub, &Relays::default(), &SubgraphParams::defaults());
    let l2 = g.entity("card:6228480000000000009").unwrap();
    let ends = [MoneyEnd { report: 3, account: l2, share: 0.65 }, MoneyEnd { report: 4, account: l2, share: 0.8 }];
    // D and E share nothing but where their money ended.
    assert!(matches!(
        explain_link(&g, 3, 4, &is_hub, &Relays::default(), &SubgraphParams::defaults(), &[]),
        Err(ExplainError::NotLinked { .. })
    ));
    let chain = explain_link(&g, 3, 4, &is_hub, &Relays::default(), &SubgraphParams::defaults(), &ends).unwrap();
    let steps: Vec<_> = chain.steps.iter().map(|s| (s.kind, s.reversed, s.share, s.to)).collect();
    assert_eq!(
        steps,
        vec![
            (LinkKind::AttributedMoney, false, Some(0.65), ChainNode::Entity(l2)),
            (LinkKind::AttributedMoney, true, Some(0.8), ChainNode::Report(4)),
        ]
    );
    // An end account judged a hub or a service's never links; a chain may mix identifiers, transfers and money.
    let l2_excluded = |k: &str| is_hub(k) || k == "card:6228480000000000009";
    assert!(matches!(
        explain_link(&g, 3, 4, &l2_excluded, &Relays::default(), &SubgraphParams::defaults(), &ends),
        Err(ExplainError::NotLinked { .. })
    ));
    let mixed = explain_link(&g, 0, 4, &is_hub, &Relays::default(), &SubgraphParams::defaults(), &ends).unwrap();
    let kinds: Vec<LinkKind> = mixed.steps.iter().map(|s| s.kind).collect();
    assert_eq!(
        kinds,
        [LinkKind::Mention, LinkKind::Mention, LinkKind::Payment, LinkKind::Transfer, LinkKind::AttributedMoney]
    );
    assert_eq!(LinkKind::AttributedMoney.code(), "attributed_money");
    // A and C are linked by identifiers and transfers in 6 steps: that chain is shown, not 2 steps of attributed
    // money (weaker evidence).
    let shortcut = [MoneyEnd { report: 0, account: l2, share: 0.9 }, MoneyEnd { report: 2, account: l2, share: 0.9 }];
    let chain = explain_link(&g, 0, 2, &is_hub, &Relays::default(), &SubgraphParams::defaults(), &shortcut).unwrap();
    assert_eq!(chain.steps.len(), 6);
    assert!(chain.steps.iter().all(|s| s.kind != LinkKind::AttributedMoney));

    // The subgraph of {D, E} shows where their money ended (an edge each, with its share), the exports carry it,
    // and confidence counts the link: nothing else joins D and E.
    let sub = cluster_subgraph(&g, &[3, 4], &SubgraphParams::defaults(), &is_hub, &|_| false, &ends);
    let money: Vec<_> = sub.edges.iter().filter(|e| e.kind == LinkKind::AttributedMoney).collect();
    assert_eq!(money.len(), 2);
    assert_eq!(money.iter().map(|e| e.share).collect::<Vec<_>>(), [Some(0.65), Some(0.8)]);
    assert!(money.iter().all(|e| sub.nodes[e.target].key == "card:6228480000000000009"));
    let mut json = Vec::new();
    write_json(&sub, 1, false, &mut json).unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&json).unwrap();
    let shares: Vec<f64> = doc["links"].as_array().unwrap().iter().filter_map(|l| l["share"].as_f64()).collect();
    assert_eq!(shares, [0.65, 0.8]);
    let without = cluster_confidence(&g, &[3, 4], &links, &[]);
    let with = cluster_confidence(&g, &[3, 4], &links, &ends);
    assert_eq!((without.linked_pairs, with.linked_pairs), (0, 1));
    // Two reports share the account: specificity 1 / log2(3); the weaker share bounds the link.
    let s = 0.65 / 3f64.log2();
    assert!((with.attachment - s).abs() < 1e-12, "{with:?}");
    assert!((with.cohesion - 1.0).abs() < 1e-12 && with.score > without.score);
}

#[test]
fn subgraph_l1_activity_and_confidence() {
    let g = graph();
    let links = LinkIndex::new(&g, &is_hub, &Relays::default(), &SubgraphParams::defaults());
    let cluster = [0usize, 1, 2];
    let victims: BTreeSet<String> = ["card:6217000000000000011".to_string()].into();
    let sub = cluster_subgraph(&g, &cluster, &SubgraphParams::defaults(), &is_hub, &|k| victims.contains(k), &[]);
    // 3 reports; phone, L1b, L1c, L2 (95588 excluded); edges: A–phone, B–phone, B→L1b, C→L1c, L1b→L2, L1c→L2.
    assert_eq!(sub.nodes.len(), 7, "{:?}", sub.nodes);
    assert_eq!(sub.edges.len(), 6);
    assert!(sub.nodes.iter().all(|n| n.key != "tel:95588" && !n.personal));
    let adj = sub.adjacency();
    let pr = page_rank(&adj);
    let (bc, _) = betweenness(&adj, 1);
    let l2 = sub.entity_node(g.entity(&format!("card:{L2}")).unwrap()).unwrap();
    let top_bc = (0..bc.len()).max_by(|&a, &b| bc[a].total_cmp(&bc[b])).unwrap();
    assert!(pr[l2] > pr[0]);
    assert_eq!(sub.nodes[top_bc].kind.code(), "account", "the L2 and B's card sit on every cross path");

    let end = data_end(&g).unwrap();
    assert_eq!(end, 30 * DAY);
    let l1 = l1_accounts(&g, &cluster, &is_hub, end, 7);
    assert_eq!(l1.len(), 2);
    assert_eq!((l1[0].received_fen, l1[0].payments, l1[0].active), (50_000, 1, false));
    let l1 = l1_accounts(&g, &[5], &is_hub, end, 7);
    assert!(l1[0].active, "F's card moved money on the last day of the data");

    let c = cluster_confidence(&g, &[0, 1], &links, &[]);
    assert!((c.attachment - 1.0 / 3f64.log2()).abs() < 1e-9, "{c:?}");
    assert_eq!((c.linked_pairs, c.density), (1, 1.0));
    // B's L2 (one hop down, shared with C outside): weight 0.7·s against 2·s inside (each pair counted twice).
    assert!((c.cohesion - 2.0 / 2.7).abs() < 1e-9, "{c:?}");
    assert_eq!(c.score, c.attachment * c.cohesion);
    // Split B from A: A's phone now links outside its cluster.
    let split = cluster_confidence(&g, &[0, 3], &links, &[]);
    assert_eq!((split.score, split.cohesion, split.linked_pairs), (0.0, 0.0, 0));
    let whole = cluster_confidence(&g, &cluster, &links, &[]);
    assert_eq!(whole.cohesion, 1.0, "F's card feeds L2 weeks later, outside the hop window: {whole:?}");
    assert_eq!(whole.linked_pairs, 2);
    assert!(cluster_confidence(&g, &[3], &links, &[]).score == 0.0);
}

/// With the shared nodes shown: the bank hotline (a hub) A names and the L2 (here a laundering service's account)
/// that B's and C's money reached come last, marked, with their edges; the money stops there; everything before
/// them, and the centrality of it, is the plain subgraph's; the exports carry the mark.
#[test]
fn a_subgraph_with_shared_nodes_marks_the_hubs_and_services_it_touches() {
    let g = graph();
    let l2 = format!("card:{L2}");
    let shared = |k: &str| {
        if is_hub(k) {
            Some(Shared::Hub)
        } else if k == l2 {
            Some(Shared::Service)
        } else {
            None
        }
    };
    let excluded = |k: &str| shared(k).is_some();
    let cluster = [0usize, 1, 2];
    let plain = cluster_subgraph(&g, &cluster, &SubgraphParams::defaults(), &excluded, &|_| false, &[]);
    let marked = cluster_subgraph_with_shared(&g, &cluster, &SubgraphParams::defaults(), &shared, &|_| false, &[]);
    let core = plain.nodes.len();
    assert_eq!(marked.core_len(), core);
    assert_eq!(marked.nodes[..core], plain.nodes[..]);
    assert_eq!(marked.edges[..plain.edges.len()], plain.edges[..]);
    assert_eq!(marked.adjacency(), plain.adjacency());
    let tail: Vec<(&str, Option<Shared>)> = marked.nodes[core..].iter().map(|n| (n.key.as_str(), n.shared)).collect();
    assert_eq!(tail, [("tel:95588", Some(Shared::Hub)), (l2.as_str(), Some(Shared::Service))]);
    let into = |key: &str| -> Vec<(LinkKind, Option<i64>)> {
        let n = marked.nodes.iter().position(|n| n.key == key).unwrap();
        marked.edges.iter().filter(|e| e.target == n).map(|e| (e.kind, e.amount_fen)).collect()
    };
    assert_eq!(into("tel:95588"), [(LinkKind::Mention, None)]);
    // The victims' money into L2 within the hop window; not the earlier 70 and 50 yuan.
    assert_eq!(into(&l2), [(LinkKind::Transfer, Some(49_000)), (LinkKind::Transfer, Some(29_000))]);
    assert!(marked.edges.iter().all(|e| e.source < core), "nothing is followed out of a shared node");

    let mut json = Vec::new();
    write_json(&marked, 1, false, &mut json).unwrap();
    let v: serde_json::Value = serde_json::from_slice(&json).unwrap();
    let nodes = v["nodes"].as_array().unwrap();
    let marks: Vec<&str> = nodes.iter().filter_map(|n| n["shared"].as_str()).collect();
    assert_eq!(marks, ["hub", "laundering_service"]);
    assert!(nodes[core..].iter().all(|n| n["pagerank"] == 0.0 && n["betweenness"] == 0.0));
    let mut plain_json = Vec::new();
    write_json(&plain, 1, false, &mut plain_json).unwrap();
    let p: serde_json::Value = serde_json::from_slice(&plain_json).unwrap();
    assert_eq!(nodes[..core], p["nodes"].as_array().unwrap()[..], "the core's figures are unchanged");
    let mut graphml = Vec::new();
    write_graphml(&marked, 1, false, &mut graphml).unwrap();
    assert!(String::from_utf8(graphml).unwrap().contains(r#"<data key="node_shared">laundering_service</data>"#));
}

/// Counts start/empty elements by local name.
fn xml_counts(xml: &[u8], names: &[&str]) -> Vec<usize> {
    let mut reader = Reader::from_reader(xml);
    let mut counts = vec![0; names.len()];
    let mut buf = Vec::new();
    loop {
        match reader.read_event_into(&mut buf).expect("well-formed XML") {
            Event::Eof => break,
            Event::Start(e) | Event::Empty(e) => {
                let name = e.local_name();
                if let Some(i) = names.iter().position(|n| n.as_bytes() == name.as_ref()) {
                    counts[i] += 1;
                }
            }
            _ => {}
        }
        buf.clear();
    }
    counts
}

#[test]
fn exports_parse_back_with_the_right_counts_and_mask_victims() {
    let g = graph();
    let victim_card = format!("card:{L1B}");
    let personal = |k: &str| k == victim_card || k == "tel:+8613800138000";
    let sub = cluster_subgraph(&g, &[0, 1, 2], &SubgraphParams::defaults(), &is_hub, &personal, &[]);
    let (n, e) = (sub.nodes.len(), sub.edges.len());

    let mut graphml = Vec::new();
    write_graphml(&sub, 4, false, &mut graphml).unwrap();
    assert_eq!(xml_counts(&graphml, &["node", "edge", "key", "graph"]), vec![n, e, 13, 1]);
    let text = String::from_utf8(graphml.clone()).unwrap();
    assert!(text.contains(r#"attr.name="amount_yuan" attr.type="double""#), "{text}");
    assert!(text.contains("tel:+86138****8000") && !text.contains("13800138000"));
    assert!(text.contains("card:6222 **** **** 0002"));
    let mut unmasked = Vec::new();
    write_graphml(&sub, 4, true, &mut unmasked).unwrap();
    assert!(String::from_utf8(unmasked).unwrap().contains("tel:+8613800138000"));

    let mut gexf = Vec::new();
    write_gexf(&sub, 4, false, &mut gexf).unwrap();
    assert_eq!(xml_counts(&gexf, &["node", "edge", "attribute"]), vec![n, e, 13]);
    assert!(String::from_utf8(gexf).unwrap().contains(r#"<gexf xmlns="http://gexf.net/1.3" version="1.3">"#));

    let (mut entities, mut links) = (Vec::new(), Vec::new());
    write_csv(&sub, false, &mut entities, &mut links).unwrap();
    let mut rdr = csv::Reader::from_reader(&entities[..]);
    let headers: Vec<String> = rdr.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(headers, ["id", "type", "label", "personal", "pagerank", "betweenness", "time", "fraud_type", "shared"]);
    assert_eq!(rdr.records().count(), n);
    let mut rdr = csv::Reader::from_reader(&links[..]);
    let rows: Vec<csv::StringRecord> = rdr.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), e);
    assert!(rows.iter().any(|r| &r[3] == "transfer" && &r[4] == "490"));

    let mut json = Vec::new();
    write_json(&sub, 4, false, &mut json).unwrap();
    let v: serde_json::Value = serde_json::from_slice(&json).unwrap();
    assert_eq!(v["nodes"].as_array().unwrap().len(), n);
    assert_eq!(v["links"].as_array().unwrap().len(), e);

    assert_eq!(ExportFormat::parse("GraphML").unwrap(), ExportFormat::GraphMl);
    let err = ExportFormat::parse("pdf").unwrap_err().to_string();
    assert!(err.contains("\"pdf\"") && err.contains("graphml, gexf, csv, json"), "{err}");
    assert_eq!(datasets::ident::mask_key("card:6222021234567890128"), "card:6222 **** **** 0128");
}

/// A victim's later payment is followed on through an account its earlier payment reached first: R's first payment
/// reaches L2 through X1 and stops there; the second reaches L2 through X2 ten days later and goes on to L3, which S
/// paid. The chain shows the second payment's path.
#[test]
fn a_later_payment_is_followed_through_an_account_an_earlier_one_reached() {
    let (x1, x2, l2, l3) = ("6222020000000000101", "6222020000000000102", "6228480000000000103", "6228480000000000104");
    let reports = vec![report("R", 0, &[]), report("S", 11 * DAY, &[])];
    let transfers = vec![
        pay("6217000000000000201", x1, 10_000, 0, Some("R")),
        pay(x1, l2, 10_000, 60, None),
        pay("6217000000000000201", x2, 20_000, 10 * DAY, Some("R")),
        pay(x2, l2, 20_000, 10 * DAY + 60, None),
        pay(l2, l3, 20_000, 10 * DAY + 120, None),
        pay("6217000000000000202", l3, 5_000, 11 * DAY, Some("S")),
    ];
    let g = GangGraph::build(&reports, transfers);
    let chain = explain_link(&g, 0, 1, &|_| false, &Relays::default(), &SubgraphParams::defaults(), &[]).unwrap();
    let times: Vec<Option<i64>> = chain.steps.iter().map(|s| s.at).collect();
    assert_eq!(times, [Some(10 * DAY), Some(10 * DAY + 60), Some(10 * DAY + 120), Some(11 * DAY)]);
    assert_eq!(chain.steps[2].dwell_secs, Some(60));
}
