//! `fanzha graph …`: community detection on any edge list (`graph cluster`).

use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use analytics::{
    Clustering, CpmParams, CpmResolution, Leiden, LeidenParams, Quality, Weights, connected_components,
    disconnected_communities,
};
use anyhow::{Context, bail};
use clap::{Subcommand, ValueEnum};

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
        /// Quality to maximise: `modularity`, or `cpm` (Constant Potts Model: no resolution limit, finds small
        /// dense clusters that modularity merges in large graphs).
        #[arg(long, value_enum, default_value_t = QualityArg::Modularity)]
        quality: QualityArg,
        /// Resolution γ (> 0; higher gives smaller clusters), or for CPM only: `auto` (a quarter of the inner
        /// density of a modularity clustering, see `CpmResolution::FromModularity`), or `stable` (a scan of seven
        /// resolutions around `auto`'s, three seeded runs each, keeping the one whose runs agree best; about 20
        /// times `auto`'s time; see `CpmResolution::Stable`). Default: 1 for modularity, `auto` for CPM.
        #[arg(long, value_parser = parse_resolution)]
        resolution: Option<ResolutionArg>,
        /// Output file of `node cluster` lines (clusters numbered by size, largest is 0).
        #[arg(long)]
        out: PathBuf,
    },
}

/// Runs a graph subcommand; `quiet` hides the progress bar.
pub fn run(command: GraphCommand, quiet: bool) -> anyhow::Result<ExitCode> {
    match command {
        GraphCommand::Cluster { edges, weighted, seed, quality, resolution, out } => {
            let weights = if weighted { Weights::Weighted } else { Weights::Unweighted };
            // Only the stability scan is a job of many runs worth a bar.
            let scan_bar = !quiet && resolution == Some(ResolutionArg::Stable);
            cluster(&edges, weights, detector(quality, resolution, seed)?, &out, scan_bar)
        }
    }
}

/// `--quality`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum QualityArg {
    /// Newman–Girvan modularity.
    Modularity,
    /// Constant Potts Model.
    Cpm,
}

/// `--resolution`: a number, `auto` or `stable`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ResolutionArg {
    /// This γ.
    Value(f64),
    /// Chosen from the graph's density (CPM only).
    Auto,
    /// Chosen by a stability scan (CPM only).
    Stable,
}

fn parse_resolution(text: &str) -> Result<ResolutionArg, String> {
    if text.eq_ignore_ascii_case("auto") {
        return Ok(ResolutionArg::Auto);
    }
    if text.eq_ignore_ascii_case("stable") {
        return Ok(ResolutionArg::Stable);
    }
    text.parse().map(ResolutionArg::Value).map_err(|_| format!("{text:?} is not a number, `auto` or `stable`"))
}

/// Validates `--quality` and `--resolution` into a detector (10 passes at most).
fn detector(quality: QualityArg, resolution: Option<ResolutionArg>, seed: u64) -> anyhow::Result<Leiden> {
    const MAX_PASSES: usize = 10;
    Ok(match (quality, resolution) {
        (QualityArg::Modularity, Some(ResolutionArg::Auto | ResolutionArg::Stable)) => {
            bail!("--resolution auto and stable are for --quality cpm; modularity takes a number (default 1)")
        }
        (QualityArg::Modularity, value) => {
            let resolution = if let Some(ResolutionArg::Value(r)) = value { r } else { 1.0 };
            LeidenParams { resolution, seed, max_passes: MAX_PASSES }.check()?
        }
        (QualityArg::Cpm, value) => {
            let resolution = match value {
                Some(ResolutionArg::Value(r)) => CpmResolution::Fixed(r),
                Some(ResolutionArg::Auto) | None => CpmResolution::FromModularity,
                Some(ResolutionArg::Stable) => CpmResolution::Stable,
            };
            CpmParams { resolution, seed, max_passes: MAX_PASSES }.check()?
        }
    })
}

/// Clusters `edges` into `out` and prints a summary; `scan_bar` shows a bar over the stability scan's runs.
fn cluster(edges: &Path, weights: Weights, leiden: Leiden, out: &Path, scan_bar: bool) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    let reader = open_maybe_gz(edges)?;
    // Edges beyond the first few million wait in a temporary file, not in memory beside the graph.
    let named = analytics::read_edge_list_spilling(reader, weights, &std::env::temp_dir())
        .with_context(|| format!("reading {}", edges.display()))?;
    let graph = &named.graph;
    let read_secs = started.elapsed().as_secs_f64();
    // Counted for the summary line, outside the clustering's time.
    let components = connected_components(graph);
    let clustering_started = Instant::now();
    let bar = crate::progress::runs_bar("resolution scan", !scan_bar);
    let on_run = &mut |done: usize, total: usize| {
        bar.set_length(total as u64);
        bar.set_position(done as u64);
    };
    let Clustering { partition, quality, scan } = leiden.cluster_with_scan(graph, on_run).context("clustering")?;
    bar.finish_and_clear();
    let cluster_secs = clustering_started.elapsed().as_secs_f64();
    let broken = disconnected_communities(graph, &partition)?;
    if !broken.is_empty() {
        bail!("internal error: {} clusters are not connected", broken.len());
    }
    let q = analytics::modularity(graph, &partition, 1.0)?;
    let maximised = match quality {
        Quality::Modularity { resolution: 1.0 } => String::new(),
        Quality::Modularity { resolution } => {
            format!("  modularity at resolution {resolution}: {:.6}", quality.value(graph, &partition)?)
        }
        Quality::Cpm { resolution } => {
            format!("  cpm {:.1} (resolution {resolution})", quality.value(graph, &partition)?)
        }
    };

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
        "clusters {}  largest {}  singletons {}  modularity {q:.6}{maximised}",
        partition.community_count(),
        sizes.first().copied().unwrap_or(0),
        singletons
    );
    if let Some(scan) = &scan {
        for (i, step) in scan.steps.iter().enumerate() {
            let chosen = if i == scan.chosen { "  (chosen)" } else { "" };
            println!(
                "scan resolution {:.6}  stability {:.4}  clusters {}{chosen}",
                step.resolution, step.stability, step.communities
            );
        }
    }
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

    fn params() -> Leiden {
        LeidenParams::modularity(1).check().unwrap()
    }

    #[test]
    fn clusters_a_gz_edge_list_into_node_cluster_lines() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("edges.txt.gz");
        let mut gz = flate2::write::GzEncoder::new(File::create(&input).unwrap(), flate2::Compression::default());
        gz.write_all(TWO_TRIANGLES.as_bytes()).unwrap();
        gz.finish().unwrap();
        let out = dir.path().join("clusters.txt");
        cluster(&input, Weights::Unweighted, params(), &out, false).unwrap();
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
        let err = cluster(&input, Weights::Weighted, params(), &dir.path().join("o"), false).unwrap_err();
        let msg = format!("{err:#}");
        assert!(
            msg.contains("bad.csv") && msg.contains("line 2") && msg.contains("\"heavy\" is not a number"),
            "{msg}"
        );
    }

    #[test]
    fn empty_file_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("empty.txt");
        std::fs::write(&input, "# nothing\n").unwrap();
        let err = cluster(&input, Weights::Unweighted, params(), &dir.path().join("o"), false).unwrap_err();
        assert!(format!("{err:#}").contains("graph is empty"));
    }

    #[test]
    fn quality_and_resolution_flags_are_validated() {
        let err = detector(QualityArg::Modularity, Some(ResolutionArg::Value(0.0)), 1).unwrap_err();
        assert!(format!("{err:#}").contains("resolution"));
        let err = detector(QualityArg::Modularity, Some(ResolutionArg::Auto), 1).unwrap_err();
        assert!(format!("{err:#}").contains("--quality cpm"));
        assert!(detector(QualityArg::Cpm, Some(ResolutionArg::Value(-1.0)), 1).is_err());
        let auto = CpmParams { resolution: CpmResolution::FromModularity, seed: 1, max_passes: 10 }.check().unwrap();
        assert_eq!(detector(QualityArg::Cpm, None, 1).unwrap(), auto);
        let err = detector(QualityArg::Modularity, Some(ResolutionArg::Stable), 1).unwrap_err();
        assert!(format!("{err:#}").contains("--quality cpm"));
        let stable = CpmParams { resolution: CpmResolution::Stable, seed: 1, max_passes: 10 }.check().unwrap();
        assert_eq!(detector(QualityArg::Cpm, Some(ResolutionArg::Stable), 1).unwrap(), stable);
        assert_eq!(parse_resolution("stable"), Ok(ResolutionArg::Stable));
        assert_eq!(parse_resolution("AUTO"), Ok(ResolutionArg::Auto));
        assert_eq!(parse_resolution("0.05"), Ok(ResolutionArg::Value(0.05)));
        assert!(parse_resolution("fine").is_err());
    }

    #[test]
    fn cpm_clusters_the_two_triangles() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("edges.txt");
        std::fs::write(&input, TWO_TRIANGLES).unwrap();
        let out = dir.path().join("clusters.txt");
        // The scan runs from γ = 0.25 (a quarter of the triangles' density): every run agrees at each γ, and the
        // one nearest 0.25 splits the triangles.
        for resolution in [ResolutionArg::Value(0.5), ResolutionArg::Stable] {
            let leiden = detector(QualityArg::Cpm, Some(resolution), 1).unwrap();
            cluster(&input, Weights::Unweighted, leiden, &out, false).unwrap();
            let text = std::fs::read_to_string(&out).unwrap();
            let cluster_of: HashMap<&str, &str> = text.lines().map(|l| l.split_once(' ').unwrap()).collect();
            assert_eq!(cluster_of["a"], cluster_of["c"], "{resolution:?}");
            assert_ne!(cluster_of["a"], cluster_of["d"], "{resolution:?}");
        }
    }
}
