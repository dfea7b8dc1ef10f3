//! Scale check of Leiden without the CLI: reads an edge list (`u v` lines), clusters it and prints read and
//! clustering times, communities, modularity and, given a truth file of `node community` lines, NMI against it.
//! `--cpm R` (or `--cpm auto`) maximises CPM instead of modularity. Peak memory: run it under `/usr/bin/time -v`.
//!
//! `cargo run --release -p analytics --example cluster_scale -- EDGES [TRUTH] [--cpm R|auto] [--seed S]`

use std::collections::HashMap;
use std::io::BufReader;
use std::time::Instant;

use analytics::{CpmParams, CpmResolution, LeidenParams, Weights, modularity, nmi, read_edge_list};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let edges = args.first().expect("usage: cluster_scale EDGES [TRUTH] [--seed S]");
    let truth = args.get(1).filter(|a| !a.starts_with("--"));
    let flag = |name: &str| args.iter().position(|a| a == name).and_then(|i| args.get(i + 1));
    let seed = flag("--seed").map_or(1, |s| s.parse().expect("seed"));
    let started = Instant::now();
    let file = std::fs::File::open(edges).expect("edge file");
    let named = read_edge_list(BufReader::with_capacity(1 << 16, file), Weights::Unweighted).expect("edge list");
    let read_secs = started.elapsed().as_secs_f64();
    let clustered = Instant::now();
    let leiden = match flag("--cpm").map(String::as_str) {
        None => LeidenParams::modularity(seed).check(),
        Some("auto") => CpmParams { resolution: CpmResolution::FromModularity, seed, max_passes: 10 }.check(),
        Some(r) => {
            CpmParams { resolution: CpmResolution::Fixed(r.parse().expect("resolution")), seed, max_passes: 10 }.check()
        }
    }
    .expect("params");
    let (partition, quality) = leiden.cluster(&named.graph).expect("clustering");
    let cluster_secs = clustered.elapsed().as_secs_f64();
    let q = modularity(&named.graph, &partition, 1.0).expect("modularity");
    print!(
        "nodes {} edges {} read {read_secs:.2} s cluster {cluster_secs:.2} s {quality:?} communities {} modularity {q:.4}",
        named.graph.node_count(),
        named.graph.edge_count(),
        partition.community_count()
    );
    if let Some(truth) = truth {
        let text = std::fs::read_to_string(truth).expect("truth file");
        let of: HashMap<&str, &str> = text.lines().filter_map(|l| l.split_once(char::is_whitespace)).collect();
        let labels: Vec<&str> = named.names.iter().map(|n| of.get(n.as_str()).copied().unwrap_or("?")).collect();
        print!(" NMI {:.4}", nmi(&labels, partition.membership()).expect("nmi"));
    }
    println!();
}
