//! Parsing an edge list (`u v [w]`, whitespace or comma separated, `#` comments) from any `BufRead` into a CSR graph.

use std::hash::BuildHasher;
use std::io::BufRead;
use std::path::Path;

use hashbrown::{DefaultHashBuilder, HashTable};

use super::csr::{CsrGraph, EdgeBuffer};
use crate::error::{Error, LineProblem, Result};

/// Whether the third column is read as an edge weight.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Weights {
    /// Every edge weighs 1; columns after the second are ignored (timestamps, attributes).
    Unweighted,
    /// The third column, when present, is a non-negative weight; a missing weight is 1.
    Weighted,
}

/// A graph whose nodes carry the names they had in the input.
#[derive(Debug, Clone)]
pub struct NamedGraph {
    /// `names[id]` is the input name of node `id`; ids follow first appearance in the input.
    pub names: Vec<String>,
    /// The graph over ids `0..names.len()`.
    pub graph: CsrGraph,
    /// Counts seen while reading.
    pub stats: EdgeListStats,
}

/// What the reader saw, for the command's summary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct EdgeListStats {
    /// Lines read, comments and blank lines included.
    pub lines: usize,
    /// Edge lines accepted (before merging parallel edges).
    pub edge_lines: usize,
    /// Edge lines with both ends the same node.
    pub self_loops: usize,
    /// Edges written to the spill file ([`read_edge_list_spilling`]) instead of kept in memory.
    pub spilled_edges: usize,
}

/// Reads an edge list into a [`NamedGraph`].
///
/// Each non-blank line that does not start with `#` is `u v [w]`. Columns are split on commas when the line has one,
/// otherwise on whitespace. A trailing attribute column starting with `{` (e.g. networkx's `{}` or
/// `{'weight': 2}`) is ignored. Node names are arbitrary strings. Parallel edges are merged by summing weights.
///
/// Errors carry the 1-based line number: one column only, an empty name, a non-numeric, negative or non-finite
/// weight, extra columns in weighted mode, invalid UTF-8, or a read failure. No edges at all is [`Error::EmptyGraph`].
pub fn read_edge_list<R: BufRead>(reader: R, weights: Weights) -> Result<NamedGraph> {
    read_into(reader, weights, EdgeBuffer::default())
}

/// [`read_edge_list`] for edge lists too large to copy in memory: beyond the first 4 million edges (48 MB), the
/// parsed edges go to an anonymous temporary file in `spill_dir` (12 bytes an edge, gone when the read ends; not made
/// for smaller lists) and are read back once, straight into the graph's rows. Memory then holds the node names and the
/// graph, not a copy of the edge list besides. Errors as [`read_edge_list`]'s, and [`Error::EdgeListSpill`] when the
/// file cannot be created, written or read (a full disk).
pub fn read_edge_list_spilling<R: BufRead>(reader: R, weights: Weights, spill_dir: &Path) -> Result<NamedGraph> {
    read_into(reader, weights, EdgeBuffer::spilling(spill_dir))
}

fn read_into<R: BufRead>(mut reader: R, weights: Weights, mut edges: EdgeBuffer) -> Result<NamedGraph> {
    // Node ids by name: the table holds ids and hashes `names[id]`, so each name is stored once.
    let hasher = DefaultHashBuilder::default();
    let mut ids: HashTable<u32> = HashTable::new();
    let mut names: Vec<String> = Vec::new();
    let mut stats = EdgeListStats::default();
    let mut buf = Vec::new();
    loop {
        buf.clear();
        let line_no = stats.lines + 1;
        let read =
            reader.read_until(b'\n', &mut buf).map_err(|source| Error::EdgeListRead { line: line_no, source })?;
        if read == 0 {
            break;
        }
        stats.lines = line_no;
        let line_err = |problem| Error::EdgeListLine { line: line_no, problem };
        let text = std::str::from_utf8(&buf).map_err(|_| line_err(LineProblem::NotUtf8))?;
        let Some((u, v, w)) = parse_line(text, weights).map_err(line_err)? else {
            continue;
        };
        let mut id_of = |name: &str| -> Result<u32> {
            let hash = hasher.hash_one(name);
            if let Some(&id) = ids.find(hash, |&id| names[id as usize] == name) {
                return Ok(id);
            }
            if names.len() >= CsrGraph::MAX_NODES {
                return Err(Error::TooManyNodes { count: names.len() + 1, max: CsrGraph::MAX_NODES });
            }
            let id = names.len() as u32;
            names.push(name.to_owned());
            ids.insert_unique(hash, id, |&id| hasher.hash_one(&names[id as usize]));
            Ok(id)
        };
        let (a, b) = (id_of(u)?, id_of(v)?);
        stats.edge_lines += 1;
        if a == b {
            stats.self_loops += 1;
        }
        edges.push(a, b, w).map_err(|source| Error::EdgeListSpill { source })?;
    }
    drop(ids);
    if edges.is_empty() {
        return Err(Error::EmptyGraph);
    }
    stats.spilled_edges = edges.spilled_edges();
    let graph = CsrGraph::from_buffer(names.len(), edges).map_err(|source| Error::EdgeListSpill { source })?;
    Ok(NamedGraph { names, graph, stats })
}

/// Parses one line: `Ok(None)` for blank and comment lines.
fn parse_line(line: &str, weights: Weights) -> std::result::Result<Option<(&str, &str, f64)>, LineProblem> {
    let mut line = line.trim();
    if line.is_empty() || line.starts_with('#') {
        return Ok(None);
    }
    if let Some(brace) = line.find('{') {
        line = line[..brace].trim_end().trim_end_matches(',').trim_end();
    }
    let (fields, count) = if line.contains(',') {
        first_fields(line.split(',').map(str::trim))
    } else {
        first_fields(line.split_whitespace())
    };
    if count < 2 {
        return Err(LineProblem::OneColumn);
    }
    let (u, v) = (fields[0], fields[1]);
    if u.is_empty() || v.is_empty() {
        return Err(LineProblem::EmptyNodeName);
    }
    let weight = match weights {
        Weights::Unweighted => 1.0,
        Weights::Weighted if count > 3 => return Err(LineProblem::TooManyColumns { count }),
        Weights::Weighted if count == 2 => 1.0,
        Weights::Weighted => parse_weight(fields[2])?,
    };
    Ok(Some((u, v, weight)))
}

/// The first four fields and the total number of fields.
fn first_fields<'a>(split: impl Iterator<Item = &'a str>) -> ([&'a str; 4], usize) {
    let mut fields = [""; 4];
    let mut count = 0;
    for field in split {
        if let Some(slot) = fields.get_mut(count) {
            *slot = field;
        }
        count += 1;
    }
    (fields, count)
}

fn parse_weight(text: &str) -> std::result::Result<f64, LineProblem> {
    let value: f64 = text.parse().map_err(|_| LineProblem::WeightNotNumeric { text: text.to_owned() })?;
    if !value.is_finite() {
        return Err(LineProblem::NonFiniteWeight { text: text.to_owned() });
    }
    if value < 0.0 {
        return Err(LineProblem::NegativeWeight { value });
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str, weights: Weights) -> Result<NamedGraph> {
        read_edge_list(text.as_bytes(), weights)
    }

    fn line_problem(text: &str, weights: Weights) -> (usize, LineProblem) {
        match read(text, weights) {
            Err(Error::EdgeListLine { line, problem }) => (line, problem),
            other => panic!("expected a line error, got {other:?}"),
        }
    }

    #[test]
    fn reads_names_weights_comments_and_merges() {
        let g = read("# header\n\nalice bob 2\nbob,carol, 0.5\n  alice\tbob 1.5 \n张三 alice\n", Weights::Weighted)
            .unwrap();
        assert_eq!(g.names, vec!["alice", "bob", "carol", "张三"]);
        assert_eq!(g.graph.edge_count(), 3);
        assert_eq!(g.graph.neighbors(0).collect::<Vec<_>>(), vec![(1, 3.5), (3, 1.0)]);
        assert_eq!(g.stats, EdgeListStats { lines: 6, edge_lines: 4, self_loops: 0, spilled_edges: 0 });
    }

    #[test]
    fn unweighted_ignores_extra_columns() {
        let g = read("a b 7 1700000000\nb c x\n", Weights::Unweighted).unwrap();
        assert_eq!(g.graph.total_weight(), 2.0);
    }

    #[test]
    fn attribute_column_is_no_weight() {
        let g = read("0\t157\t{}\n0 413 {'weight': 9, 'x': 1}\n", Weights::Weighted).unwrap();
        assert_eq!(g.graph.total_weight(), 2.0);
        assert_eq!(g.names, vec!["0", "157", "413"]);
    }

    #[test]
    fn self_loops_are_counted() {
        let g = read("a a\na b\n", Weights::Unweighted).unwrap();
        assert_eq!(g.stats.self_loops, 1);
        assert_eq!(g.graph.degree(0), 3.0);
    }

    #[test]
    fn malformed_lines_name_line_and_reason() {
        assert_eq!(line_problem("a b\nlonely\n", Weights::Unweighted), (2, LineProblem::OneColumn));
        assert_eq!(
            line_problem("# c\na b heavy\n", Weights::Weighted),
            (2, LineProblem::WeightNotNumeric { text: "heavy".into() })
        );
        assert_eq!(line_problem("a b -1\n", Weights::Weighted), (1, LineProblem::NegativeWeight { value: -1.0 }));
        assert_eq!(
            line_problem("a b inf\n", Weights::Weighted),
            (1, LineProblem::NonFiniteWeight { text: "inf".into() })
        );
        assert_eq!(line_problem("a,,1\n", Weights::Weighted), (1, LineProblem::EmptyNodeName));
        assert_eq!(line_problem("a b 1 2\n", Weights::Weighted), (1, LineProblem::TooManyColumns { count: 4 }));
        let msg = read("a b\nc d x\n", Weights::Weighted).unwrap_err().to_string();
        assert_eq!(msg, "line 2: weight \"x\" is not a number");
    }

    #[test]
    fn invalid_utf8_is_a_line_error() {
        let bytes: &[u8] = b"a b\n\xff\xfe c\n";
        assert!(matches!(
            read_edge_list(bytes, Weights::Unweighted),
            Err(Error::EdgeListLine { line: 2, problem: LineProblem::NotUtf8 })
        ));
    }

    #[test]
    fn empty_input_is_an_empty_graph_error() {
        assert!(matches!(read("", Weights::Unweighted), Err(Error::EmptyGraph)));
        assert!(matches!(read("# only comments\n\n", Weights::Unweighted), Err(Error::EmptyGraph)));
    }

    #[test]
    fn read_failure_is_reported_with_line() {
        struct Failing;
        impl std::io::Read for Failing {
            fn read(&mut self, _: &mut [u8]) -> std::io::Result<usize> {
                Err(std::io::Error::other("disk on fire"))
            }
        }
        let err = read_edge_list(std::io::BufReader::new(Failing), Weights::Unweighted).unwrap_err();
        assert!(matches!(err, Error::EdgeListRead { line: 1, .. }));
    }

    #[test]
    fn a_spilled_edge_list_gives_the_same_graph() {
        // Unit tests use chunks of 64 edges and keep 4 in memory: 3,000 edge lines (parallel edges, self-loops and
        // weights among them) spill most of theirs.
        let mut text = String::from("# a comment\n");
        let mut x = 7u64;
        for _ in 0..3_000 {
            x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            let (u, v, w) = ((x >> 33) % 400, (x >> 17) % 400, (x >> 50) % 5);
            text.push_str(&format!("n{u} n{v} {w}.5\n"));
        }
        let dir = tempfile::tempdir().unwrap();
        let kept = read_edge_list(text.as_bytes(), Weights::Weighted).unwrap();
        let spilled = read_edge_list_spilling(text.as_bytes(), Weights::Weighted, dir.path()).unwrap();
        assert_eq!(kept.stats.spilled_edges, 0);
        assert!(spilled.stats.spilled_edges >= 2_500, "{:?}", spilled.stats);
        assert_eq!(spilled.graph, kept.graph);
        assert_eq!(spilled.names, kept.names);
        assert_eq!(EdgeListStats { spilled_edges: 0, ..spilled.stats }, kept.stats);
        // The spill file has no name: nothing is left in the folder.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
        // A folder that cannot hold it is a clear error, once there is something to write; a small list needs none.
        let missing = dir.path().join("missing");
        let err = read_edge_list_spilling(text.as_bytes(), Weights::Weighted, &missing).unwrap_err();
        assert!(matches!(err, Error::EdgeListSpill { .. }), "{err:?}");
        assert!(err.to_string().contains("spill file"), "{err}");
        let small = read_edge_list_spilling("a b\nb c\n".as_bytes(), Weights::Unweighted, &missing).unwrap();
        assert_eq!((small.graph.edge_count(), small.stats.spilled_edges), (2, 0));
    }
}
