//! Times word queries against an index built by `fanzha index` and prints what each returned, so that two builds
//! can be compared query by query (latency and answers).
//!
//! usage: cargo run --release -p search --example bench_loose -- INDEX_DIR QUERIES.jsonl ROUNDS [LIMIT]
//!
//! QUERIES.jsonl: one `{"kind": …, "q": …}` a line (no filters). Every query runs ROUNDS + 1 times (the first warms
//! caches); a line per query on stdout: kind, the fastest round in microseconds, total, the page's ids (comma
//! separated), and the matching report as JSON.

use std::io::BufRead;
use std::time::Instant;

use search::{Analyzer, AnalyzerOptions, CaseIndex, IdentExtractor, SearchOptions};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let [_, dir, queries, rounds, rest @ ..] = args.as_slice() else {
        return Err("usage: bench_loose INDEX_DIR QUERIES.jsonl ROUNDS [LIMIT]".into());
    };
    let rounds: usize = rounds.parse()?;
    let limit: usize = rest.first().map_or(Ok(10), |l| l.parse())?;
    let index = CaseIndex::create_or_open(
        std::path::Path::new(dir),
        Analyzer::new(&AnalyzerOptions::default())?,
        Box::new(IdentExtractor),
    )?;
    let mut qs: Vec<(String, String)> = Vec::new();
    for line in std::io::BufReader::new(std::fs::File::open(queries)?).lines() {
        let v: serde_json::Value = serde_json::from_str(&line?)?;
        let field = |k: &str| v.get(k).and_then(|x| x.as_str()).unwrap_or_default().to_string();
        qs.push((field("kind"), field("q")));
    }
    let opts = SearchOptions::top(limit);
    let mut best = vec![u128::MAX; qs.len()];
    let mut last = Vec::new();
    for round in 0..=rounds {
        last.clear();
        for (i, (_, q)) in qs.iter().enumerate() {
            let t = Instant::now();
            let r = index.search(q, &opts)?;
            if round > 0 {
                best[i] = best[i].min(t.elapsed().as_micros());
            }
            last.push(r);
        }
    }
    for (((kind, _), us), r) in qs.iter().zip(&best).zip(&last) {
        let ids: Vec<&str> = r.hits.iter().map(|h| h.id.as_str()).collect();
        println!("{kind}\t{us}\t{}\t{}\t{}", r.total, ids.join(","), serde_json::to_string(&r.matching)?);
    }
    Ok(())
}
