//! `fanzha graph …`: community detection on any edge list (`graph cluster`).

use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use analytics::{CommunityDetector, LeidenParams, Weights, connected_components, disconnected_communities};
use anyhow::{Context, bail};
use clap::Subcommand;

/// Graph subcommands.
#[derive(Debug, Subcommand)]
pub enum GraphCommand {
    /// Cluster an edge list (`u v [w]` lines, whitespace or comma separated, `#` comments, `.gz` accepted) with
    /// Leiden and write `node cluster` lines.
    Cluster {
        /// Edge-list file; a name ending in `.gz` is decompressed.
        #[arg(long)]
        edges: PathBuf,
        /// Read the third column as a non-negative edge weight (default: every edge weighs 1).
        #[arg(long)]
        weighted: bool,
        /// Random seed; the same seed and input give the same clusters.
        #[arg(long, default_value_t = 42)]
        seed: u64,
        /// Modularity resolution (> 0); higher gives smaller clusters.
        #[arg(long, default_value_t = 1.0)]
        resolution: f64,
        /// Output file of `node cluster` lines (clusters numbered by size, largest is 0).
        #[arg(long)]
        out: PathBuf,
    },
}

/// Runs a graph subcommand.
pub fn run(command: GraphCommand) -> anyhow::Result<ExitCode> {
    match command {
        GraphCommand::Cluster { edges, weighted, seed, resolution, out } => {
            let weights = if weighted { Weights::Weighted } else { Weights::Unweighted };
            cluster(&edges, weights, LeidenParams { resolution, seed, max_passes: 10 }, &out)
        }
    }
}

fn cluster(edges: &Path, weights: Weights, params: LeidenParams, out: &Path) -> anyhow::Result<ExitCode> {
    let resolution = params.resolution;
    let leiden = params.check()?;
    let started = Instant::now();
    let reader = open_maybe_gz(edges)?;
    let named = analytics::read_edge_list(reader, weights).with_context(|| format!("reading {}", edges.display()))?;
    let graph = &named.graph;
    let read_secs = started.elapsed().as_secs_f64();

    let components = connected_components(graph);
    let partition = leiden.detect(graph).context("clustering")?;
    let cluster_secs = started.elapsed().as_secs_f64() - read_secs;
    let broken = disconnected_communities(graph, &partition)?;
    if !broken.is_empty() {
        bail!("internal error: {} clusters are not connected", broken.len());
    }
    let q = analytics::modularity(graph, &partition, resolution)?;

    let file = File::create(out).with_context(|| format!("creating {}", out.display()))?;
    let mut w = BufWriter::new(file);
    for (name, &c) in named.names.iter().zip(partition.membership()) {
        writeln!(w, "{name} {c}")?;
    }
    w.flush().with_context(|| format!("writing {}", out.display()))?;

    let sizes = partition.sizes();
    let singletons = sizes.iter().filter(|&&s| s == 1).count();
    println!(
        "nodes {}  edges {} (from {} lines, {} self-loops)  components {}",
        graph.node_count(),
        graph.edge_count(),
        named.stats.edge_lines,
        named.stats.self_loops,
        components.community_count()
    );
    println!(
        "clusters {}  largest {}  singletons {}  modularity {q:.6} (resolution {resolution})",
        partition.community_count(),
        sizes.first().copied().unwrap_or(0),
        singletons
    );
    println!("read {read_secs:.3} s  cluster {cluster_secs:.3} s  wrote {}", out.display());
    Ok(ExitCode::SUCCESS)
}

/// Opens `path`, decompressing when its name ends in `.gz`.
fn open_maybe_gz(path: &Path) -> anyhow::Result<Box<dyn BufRead>> {
    let file = File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let gz = path.extension().is_some_and(|e| e.eq_ignore_ascii_case("gz"));
    Ok(if gz {
        Box::new(BufReader::with_capacity(1 << 16, flate2::read::MultiGzDecoder::new(file)))
    } else {
        Box::new(BufReader::with_capacity(1 << 16, file))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    const TWO_TRIANGLES: &str = "# two triangles and a bridge\na b\nb c\nc a\nd,e\ne,f\nf,d\nc d {}\n";

    fn params() -> LeidenParams {
        LeidenParams::modularity(1)
    }

    #[test]
    fn clusters_a_gz_edge_list_into_node_cluster_lines() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("edges.txt.gz");
        let mut gz = flate2::write::GzEncoder::new(File::create(&input).unwrap(), flate2::Compression::default());
        gz.write_all(TWO_TRIANGLES.as_bytes()).unwrap();
        gz.finish().unwrap();
        let out = dir.path().join("clusters.txt");
        cluster(&input, Weights::Unweighted, params(), &out).unwrap();
        let text = std::fs::read_to_string(&out).unwrap();
        let cluster_of: HashMap<&str, &str> = text.lines().map(|l| l.split_once(' ').unwrap()).collect();
        assert_eq!(cluster_of.len(), 6);
        assert_eq!(cluster_of["a"], cluster_of["b"]);
        assert_eq!(cluster_of["a"], cluster_of["c"]);
        assert_eq!(cluster_of["d"], cluster_of["f"]);
        assert_ne!(cluster_of["a"], cluster_of["d"]);
    }

    #[test]
    fn malformed_input_names_file_line_and_reason() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("bad.csv");
        std::fs::write(&input, "a,b,1\nb,c,heavy\n").unwrap();
        let err = cluster(&input, Weights::Weighted, params(), &dir.path().join("o")).unwrap_err();
        let msg = format!("{err:#}");
        assert!(
            msg.contains("bad.csv") && msg.contains("line 2") && msg.contains("\"heavy\" is not a number"),
            "{msg}"
        );
    }

    #[test]
    fn empty_file_and_bad_resolution_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("empty.txt");
        std::fs::write(&input, "# nothing\n").unwrap();
        let err = cluster(&input, Weights::Unweighted, params(), &dir.path().join("o")).unwrap_err();
        assert!(format!("{err:#}").contains("graph is empty"));
        let bad = LeidenParams { resolution: 0.0, ..params() };
        let err = cluster(&input, Weights::Unweighted, bad, &dir.path().join("o")).unwrap_err();
        assert!(format!("{err:#}").contains("resolution"));
    }
}
