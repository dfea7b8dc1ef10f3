//! A compact undirected graph in CSR form with `f32` edge weights (`f64` degrees and totals): parallel edges merged,
//! self-loops kept once.

use rayon::prelude::*;

use crate::error::{Error, Result};

/// An undirected weighted graph in compressed sparse row form.
///
/// Node ids are `0..node_count()`. Parallel edges are merged by summing their weights; an edge and its reverse are
/// the same edge. A self-loop `(u, u, w)` is stored once in `u`'s row and adds `2w` to `u`'s degree (the usual
/// convention for modularity). Zero-weight edges are dropped, but their end nodes stay in the graph. Each row is
/// sorted by neighbour id, so the layout does not depend on input order.
#[derive(Debug, Clone, PartialEq)]
pub struct CsrGraph {
    offsets: Vec<usize>,
    targets: Vec<u32>,
    weights: Vec<Weight>,
    degrees: Vec<f64>,
    total_weight: f64,
    edge_count: usize,
}

/// A stored edge weight. `f32` halves the bytes the hot loops read per neighbour against `f64` (8 instead of 12 with
/// the `u32` id); sums over edges are kept in `f64`. Integer weights are exact up to 2^24, others keep 7 significant
/// digits, and weights beyond `f32::MAX` are stored as `f32::MAX`.
pub(crate) type Weight = f32;

/// `w` as stored: rounded to [`Weight`], at most `f32::MAX`.
pub(crate) fn stored(w: f64) -> Weight {
    w.min(f32::MAX as f64) as Weight
}

impl CsrGraph {
    /// Largest number of nodes a graph can hold (ids are `u32`).
    pub const MAX_NODES: usize = u32::MAX as usize;

    /// Builds the graph over `node_count` nodes from `(u, v, weight)` edges.
    ///
    /// Errors if an end is `>= node_count`, a weight is negative, NaN or infinite, or `node_count` exceeds
    /// [`CsrGraph::MAX_NODES`].
    pub fn from_edges(node_count: usize, edges: impl IntoIterator<Item = (usize, usize, f64)>) -> Result<Self> {
        if node_count > Self::MAX_NODES {
            return Err(Error::TooManyNodes { count: node_count, max: Self::MAX_NODES });
        }
        let mut buffer = EdgeBuffer::default();
        for (u, v, w) in edges {
            if u >= node_count || v >= node_count {
                return Err(Error::NodeOutOfRange { u, v, node_count });
            }
            if !w.is_finite() || w < 0.0 {
                return Err(Error::InvalidWeight { u, v, weight: w });
            }
            // Both ends are < node_count <= u32::MAX, so the casts are lossless. An in-memory buffer cannot fail.
            buffer.push(u as u32, v as u32, w).map_err(|source| Error::EdgeListSpill { source })?;
        }
        Self::from_buffer(node_count, buffer).map_err(|source| Error::EdgeListSpill { source })
    }

    /// Builds from checked edges (both ends `< node_count`), without sorting the edge list: each edge is placed in
    /// its ends' rows (a counting sort, chunk by chunk, each chunk freed once placed), then every row is sorted and
    /// its parallel edges merged in parallel, and the rows are packed. Memory peaks at the buffer's in-memory chunks
    /// plus the graph; spilled chunks are read back one at a time. Fails only when reading the spill file fails.
    pub(crate) fn from_buffer(node_count: usize, buffer: EdgeBuffer) -> std::io::Result<Self> {
        let EdgeBuffer { chunks, mut slots, spill } = buffer;
        slots.resize(node_count, 0);
        let mut offsets = Vec::with_capacity(node_count + 1);
        offsets.push(0usize);
        for &s in &slots {
            offsets.push(offsets[offsets.len() - 1] + s);
        }
        drop(slots);
        let total = offsets[node_count];
        let mut targets = vec![0u32; total];
        let mut weights: Vec<Weight> = vec![0.0; total];
        let mut cursor = offsets[..node_count].to_vec();
        let mut place = |chunk: &[(u32, u32, Weight)]| {
            for &(a, b, w) in chunk {
                let slot = &mut cursor[a as usize];
                targets[*slot] = b;
                weights[*slot] = w;
                *slot += 1;
                if a != b {
                    let slot = &mut cursor[b as usize];
                    targets[*slot] = a;
                    weights[*slot] = w;
                    *slot += 1;
                }
            }
        };
        for chunk in chunks {
            place(&chunk);
        }
        if let Some(spill) = spill {
            read_chunks(spill, &mut place)?;
        }
        drop(cursor);

        // Sort and merge each row in place, in tasks of consecutive rows: a row keeps its first `kept[v]` slots.
        let mut kept = vec![0usize; node_count];
        let mut degrees = vec![0f64; node_count];
        let mut tasks = Vec::with_capacity(node_count.div_ceil(ROWS_PER_TASK));
        let (mut ts, mut ws, mut ks, mut ds) = (&mut targets[..], &mut weights[..], &mut kept[..], &mut degrees[..]);
        for first in (0..node_count).step_by(ROWS_PER_TASK) {
            let last = (first + ROWS_PER_TASK).min(node_count);
            let len = offsets[last] - offsets[first];
            let (t, t_rest) = ts.split_at_mut(len);
            let (w, w_rest) = ws.split_at_mut(len);
            let (k, k_rest) = ks.split_at_mut(last - first);
            let (d, d_rest) = ds.split_at_mut(last - first);
            tasks.push((first, t, w, k, d));
            (ts, ws, ks, ds) = (t_rest, w_rest, k_rest, d_rest);
        }
        let edge_count: usize = tasks
            .into_par_iter()
            .map_init(Vec::new, |row: &mut Vec<(u32, Weight)>, (first, t, w, kept, degrees)| {
                let base = offsets[first];
                let mut edges = 0;
                for (i, (kept, degree)) in kept.iter_mut().zip(degrees.iter_mut()).enumerate() {
                    let v = (first + i) as u32;
                    let range = offsets[first + i] - base..offsets[first + i + 1] - base;
                    row.clear();
                    row.extend(t[range.clone()].iter().copied().zip(w[range.clone()].iter().copied()));
                    // Weights of parallel edges are summed in increasing order, so the sum does not depend on the
                    // order of the input.
                    row.sort_unstable_by(|x, y| x.0.cmp(&y.0).then(x.1.total_cmp(&y.1)));
                    let (t, w) = (&mut t[range.clone()], &mut w[range]);
                    let mut n = 0;
                    let mut j = 0;
                    while j < row.len() {
                        let target = row[j].0;
                        let mut sum = 0f64;
                        while j < row.len() && row[j].0 == target {
                            sum += row[j].1 as f64;
                            j += 1;
                        }
                        let weight = stored(sum);
                        if weight > 0.0 {
                            t[n] = target;
                            w[n] = weight;
                            n += 1;
                            // A self-loop is stored once and counts twice in the degree.
                            *degree += if target == v { 2.0 * weight as f64 } else { weight as f64 };
                            edges += usize::from(target >= v);
                        }
                    }
                    *kept = n;
                }
                edges
            })
            .sum();

        // Pack the rows.
        let mut write = 0;
        for v in 0..node_count {
            let (start, n) = (offsets[v], kept[v]);
            targets.copy_within(start..start + n, write);
            weights.copy_within(start..start + n, write);
            offsets[v] = write;
            write += n;
        }
        offsets[node_count] = write;
        targets.truncate(write);
        targets.shrink_to_fit();
        weights.truncate(write);
        weights.shrink_to_fit();
        let total_weight = degrees.iter().sum::<f64>() / 2.0;
        Ok(Self { offsets, targets, weights, degrees, total_weight, edge_count })
    }

    /// The same graph with node `v` renamed `new_id[v]` (a permutation of `0..node_count()`); rows stay sorted.
    /// Rows are written in parallel, by tasks of consecutive new ids, straight into the new arrays.
    pub(crate) fn permuted(&self, new_id: &[u32]) -> CsrGraph {
        let n = self.node_count();
        debug_assert_eq!(new_id.len(), n);
        let mut old_id = vec![0u32; n];
        for (v, &p) in new_id.iter().enumerate() {
            old_id[p as usize] = v as u32;
        }
        let mut offsets = Vec::with_capacity(n + 1);
        offsets.push(0usize);
        for &v in &old_id {
            let v = v as usize;
            offsets.push(offsets[offsets.len() - 1] + self.offsets[v + 1] - self.offsets[v]);
        }
        let slots = self.targets.len();
        let mut targets = vec![0u32; slots];
        let mut weights: Vec<Weight> = vec![0.0; slots];
        // Each task's rows, as disjoint slices of the new arrays.
        let mut tasks = Vec::with_capacity(n.div_ceil(ROWS_PER_TASK));
        let (mut ts, mut ws) = (&mut targets[..], &mut weights[..]);
        for first in (0..n).step_by(ROWS_PER_TASK) {
            let last = (first + ROWS_PER_TASK).min(n);
            let len = offsets[last] - offsets[first];
            let (t, t_rest) = ts.split_at_mut(len);
            let (w, w_rest) = ws.split_at_mut(len);
            tasks.push((first, last, t, w));
            (ts, ws) = (t_rest, w_rest);
        }
        tasks.into_par_iter().for_each_init(Vec::new, |row: &mut Vec<(u32, Weight)>, (first, last, t, w)| {
            let base = offsets[first];
            for p in first..last {
                let (old_ts, old_ws) = self.row(old_id[p] as usize);
                row.clear();
                row.extend(old_ts.iter().zip(old_ws).map(|(&u, &w)| (new_id[u as usize], w)));
                row.sort_unstable_by_key(|&(u, _)| u);
                let at = offsets[p] - base;
                for (i, &(u, x)) in row.iter().enumerate() {
                    t[at + i] = u;
                    w[at + i] = x;
                }
            }
        });
        let degrees = old_id.iter().map(|&v| self.degrees[v as usize]).collect();
        Self { offsets, targets, weights, degrees, total_weight: self.total_weight, edge_count: self.edge_count }
    }

    /// Joins rows built apart, in order: the first part's rows are nodes `0..`, the next part's follow.
    pub(crate) fn from_rows(parts: Vec<Rows>, total_weight: f64) -> CsrGraph {
        let nodes: usize = parts.iter().map(|p| p.degrees.len()).sum();
        let slots: usize = parts.iter().map(|p| p.targets.len()).sum();
        let mut offsets = Vec::with_capacity(nodes + 1);
        offsets.push(0usize);
        let mut targets: Vec<u32> = Vec::with_capacity(slots);
        let mut weights: Vec<Weight> = Vec::with_capacity(slots);
        let mut degrees = Vec::with_capacity(nodes);
        let mut edge_count = 0usize;
        for part in parts {
            let base = targets.len();
            offsets.extend(part.ends.iter().map(|&e| base + e));
            targets.extend_from_slice(&part.targets);
            weights.extend_from_slice(&part.weights);
            degrees.extend_from_slice(&part.degrees);
            edge_count += part.edge_count;
        }
        Self { offsets, targets, weights, degrees, total_weight, edge_count }
    }

    /// Neighbour ids and edge weights of `node` as two parallel slices (the hot-path form of [`Self::neighbors`]).
    pub(crate) fn row(&self, node: usize) -> (&[u32], &[Weight]) {
        let range = self.offsets[node]..self.offsets[node + 1];
        (&self.targets[range.clone()], &self.weights[range])
    }

    /// The number of slots in `node`'s row (its neighbours, itself included for a self-loop).
    pub(crate) fn row_len(&self, node: usize) -> usize {
        self.offsets[node + 1] - self.offsets[node]
    }

    /// Where `node`'s row lies in the slot arrays (for [`Self::slots`]).
    pub(crate) fn row_bounds(&self, node: usize) -> (usize, usize) {
        (self.offsets[node], self.offsets[node + 1])
    }

    /// Neighbour ids and weights in slots `start..end` (a row, from [`Self::row_bounds`]).
    pub(crate) fn slots(&self, start: usize, end: usize) -> (&[u32], &[Weight]) {
        (&self.targets[start..end], &self.weights[start..end])
    }

    /// Number of nodes.
    pub fn node_count(&self) -> usize {
        self.degrees.len()
    }

    /// Number of distinct undirected edges (self-loops included) after merging.
    pub fn edge_count(&self) -> usize {
        self.edge_count
    }

    /// Sum of edge weights, each undirected edge once (`m` in the modularity formula).
    pub fn total_weight(&self) -> f64 {
        self.total_weight
    }

    /// Weighted degree of `node`; a self-loop counts twice.
    pub fn degree(&self, node: usize) -> f64 {
        self.degrees[node]
    }

    /// Neighbours of `node` with edge weights, in increasing id order; a self-loop appears once.
    pub fn neighbors(&self, node: usize) -> impl Iterator<Item = (usize, f64)> + '_ {
        let range = self.offsets[node]..self.offsets[node + 1];
        self.targets[range.clone()].iter().zip(&self.weights[range]).map(|(&t, &w)| (t as usize, w as f64))
    }

    /// Every edge once as `(u, v, w)` with `u <= v`, in increasing `(u, v)` order.
    pub fn edges(&self) -> impl Iterator<Item = (usize, usize, f64)> + '_ {
        (0..self.node_count())
            .flat_map(move |u| self.neighbors(u).filter(move |&(v, _)| v >= u).map(move |(v, w)| (u, v, w)))
    }
}

/// Edges gathered for [`CsrGraph::from_buffer`]: compact `(u, v, weight)` triples in fixed-size chunks (so growing
/// never copies them into a buffer twice the size), and how many row slots each node needs.
///
/// With a spill file ([`EdgeBuffer::spilling`]), only the first [`MEMORY_CHUNKS`] chunks stay in memory; every later
/// full chunk is appended to the file (12 bytes an edge) and read back while the rows are filled. An edge list of 100
/// million lines then never has its 1.2 GB copy in memory beside the graph's arrays. The file is an anonymous
/// temporary file: it has no name and goes away with its handle, whatever happens.
#[derive(Default)]
pub(crate) struct EdgeBuffer {
    chunks: Vec<Vec<(u32, u32, Weight)>>,
    slots: Vec<usize>,
    spill: Option<Spill>,
}

/// Where full chunks go: the folder, the file (made at the first chunk written) and how many chunks it holds.
struct Spill {
    dir: std::path::PathBuf,
    file: Option<std::io::BufWriter<std::fs::File>>,
    chunks: usize,
}

/// Edges per chunk of an [`EdgeBuffer`] (12 MB); 64 in unit tests, so small graphs cross chunks and spill.
const EDGE_CHUNK: usize = if cfg!(test) { 1 << 6 } else { 1 << 20 };

/// Chunks a spilling [`EdgeBuffer`] keeps in memory (48 MB): smaller edge lists are never written out.
const MEMORY_CHUNKS: usize = 4;

/// Bytes of one spilled edge: `u`, `v` and the weight, little-endian.
const EDGE_BYTES: usize = 12;

impl EdgeBuffer {
    /// A buffer that writes its chunks beyond the first [`MEMORY_CHUNKS`] to an anonymous file in `dir`, made when
    /// the first chunk is written out (a small edge list makes none).
    pub(crate) fn spilling(dir: &std::path::Path) -> EdgeBuffer {
        EdgeBuffer { spill: Some(Spill { dir: dir.to_path_buf(), file: None, chunks: 0 }), ..Self::default() }
    }

    /// Adds the edge `u`–`v` (a self-loop when equal) of weight `w` (checked: finite, not negative). Fails only
    /// when writing to the spill file fails.
    pub(crate) fn push(&mut self, u: u32, v: u32, w: f64) -> std::io::Result<()> {
        let top = u.max(v) as usize;
        if self.slots.len() <= top {
            self.slots.resize(top + 1, 0);
        }
        self.slots[u as usize] += 1;
        if u != v {
            self.slots[v as usize] += 1;
        }
        let edge = (u, v, stored(w));
        match self.chunks.last_mut() {
            Some(chunk) if chunk.len() < EDGE_CHUNK => chunk.push(edge),
            _ => {
                let mut chunk = match &mut self.spill {
                    Some(spill) if self.chunks.len() >= MEMORY_CHUNKS => {
                        // The last chunk is full: write it out and reuse its memory.
                        let mut chunk = self.chunks.pop().unwrap_or_default();
                        let file = match &mut spill.file {
                            Some(file) => file,
                            None => spill
                                .file
                                .insert(std::io::BufWriter::with_capacity(1 << 20, tempfile::tempfile_in(&spill.dir)?)),
                        };
                        write_chunk(file, &chunk)?;
                        spill.chunks += 1;
                        chunk.clear();
                        chunk
                    }
                    _ => Vec::with_capacity(EDGE_CHUNK),
                };
                chunk.push(edge);
                self.chunks.push(chunk);
            }
        }
        Ok(())
    }

    /// Whether no edge was added.
    pub(crate) fn is_empty(&self) -> bool {
        self.chunks.is_empty()
    }

    /// Edges written to the spill file.
    pub(crate) fn spilled_edges(&self) -> usize {
        self.spill.as_ref().map_or(0, |s| s.chunks * EDGE_CHUNK)
    }
}

fn write_chunk(out: &mut impl std::io::Write, chunk: &[(u32, u32, Weight)]) -> std::io::Result<()> {
    let mut bytes = Vec::with_capacity(chunk.len() * EDGE_BYTES);
    for &(u, v, w) in chunk {
        bytes.extend_from_slice(&u.to_le_bytes());
        bytes.extend_from_slice(&v.to_le_bytes());
        bytes.extend_from_slice(&w.to_le_bytes());
    }
    out.write_all(&bytes)
}

/// Reads back the spilled chunks one at a time, calling `place` on each.
fn read_chunks(spill: Spill, mut place: impl FnMut(&[(u32, u32, Weight)])) -> std::io::Result<()> {
    use std::io::{Read, Seek};
    let Some(file) = spill.file else { return Ok(()) };
    let mut file = file.into_inner().map_err(|e| e.into_error())?;
    file.seek(std::io::SeekFrom::Start(0))?;
    let mut reader = std::io::BufReader::with_capacity(1 << 20, file);
    let mut bytes = vec![0u8; EDGE_CHUNK * EDGE_BYTES];
    let mut chunk = Vec::with_capacity(EDGE_CHUNK);
    for _ in 0..spill.chunks {
        reader.read_exact(&mut bytes)?;
        chunk.clear();
        chunk.extend(bytes.chunks_exact(EDGE_BYTES).map(|b| {
            let word = |i: usize| [b[i], b[i + 1], b[i + 2], b[i + 3]];
            (u32::from_le_bytes(word(0)), u32::from_le_bytes(word(4)), Weight::from_le_bytes(word(8)))
        }));
        place(&chunk);
    }
    Ok(())
}

/// Nodes whose rows one task writes in [`CsrGraph::permuted`] and [`CsrGraph::from_buffer`].
const ROWS_PER_TASK: usize = 16_384;

/// Rows of consecutive nodes, built apart (by one parallel task) and joined by [`CsrGraph::from_rows`]: fill
/// `targets` / `weights` (sorted by target) and count the edges to targets `>=` the node in `edge_count`, then close
/// each row with [`Rows::end_row`].
#[derive(Default)]
pub(crate) struct Rows {
    ends: Vec<usize>,
    pub(crate) targets: Vec<u32>,
    pub(crate) weights: Vec<Weight>,
    degrees: Vec<f64>,
    pub(crate) edge_count: usize,
}

impl Rows {
    /// Room for `rows` rows of `slots` slots in all.
    pub(crate) fn with_capacity(rows: usize, slots: usize) -> Rows {
        Rows {
            ends: Vec::with_capacity(rows),
            targets: Vec::with_capacity(slots),
            weights: Vec::with_capacity(slots),
            degrees: Vec::with_capacity(rows),
            edge_count: 0,
        }
    }

    /// Ends the current row; `degree` is its node's weighted degree.
    pub(crate) fn end_row(&mut self, degree: f64) {
        self.ends.push(self.targets.len());
        self.degrees.push(degree);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merges_parallel_and_reverse_edges_and_sorts_rows() {
        let g = CsrGraph::from_edges(4, [(2, 0, 1.0), (0, 2, 2.5), (1, 0, 1.0), (3, 2, 1.0)]).unwrap();
        assert_eq!(g.node_count(), 4);
        assert_eq!(g.edge_count(), 3);
        assert_eq!(g.neighbors(0).collect::<Vec<_>>(), vec![(1, 1.0), (2, 3.5)]);
        assert_eq!(g.neighbors(2).collect::<Vec<_>>(), vec![(0, 3.5), (3, 1.0)]);
        assert_eq!(g.total_weight(), 5.5);
        assert_eq!(g.degree(0), 4.5);
        assert_eq!(g.edges().collect::<Vec<_>>(), vec![(0, 1, 1.0), (0, 2, 3.5), (2, 3, 1.0)]);
    }

    #[test]
    fn self_loop_stored_once_and_counts_twice_in_degree() {
        let g = CsrGraph::from_edges(2, [(0, 0, 2.0), (0, 1, 1.0)]).unwrap();
        assert_eq!(g.neighbors(0).collect::<Vec<_>>(), vec![(0, 2.0), (1, 1.0)]);
        assert_eq!(g.degree(0), 5.0);
        assert_eq!(g.degree(1), 1.0);
        assert_eq!(g.total_weight(), 3.0);
        let sum: f64 = (0..2).map(|u| g.degree(u)).sum();
        assert_eq!(sum, 2.0 * g.total_weight());
    }

    #[test]
    fn zero_weight_edges_are_dropped_but_nodes_kept() {
        let g = CsrGraph::from_edges(3, [(0, 1, 0.0), (1, 2, 1.0)]).unwrap();
        assert_eq!(g.node_count(), 3);
        assert_eq!(g.edge_count(), 1);
        assert_eq!(g.neighbors(0).count(), 0);
    }

    #[test]
    fn layout_does_not_depend_on_edge_order() {
        let edges = vec![(0, 1, 0.1), (1, 2, 0.2), (0, 1, 0.7), (2, 3, 1.0), (1, 0, 0.3), (3, 0, 4.0)];
        let mut reversed = edges.clone();
        reversed.reverse();
        assert_eq!(CsrGraph::from_edges(4, edges).unwrap(), CsrGraph::from_edges(4, reversed).unwrap());
    }

    #[test]
    fn a_permuted_graph_is_the_graph_with_renamed_nodes() {
        let edges = vec![(0, 1, 0.5), (1, 2, 2.0), (2, 2, 1.0), (3, 0, 4.0), (1, 3, 1.5)];
        let g = CsrGraph::from_edges(4, edges.clone()).unwrap();
        let new_id = [2u32, 0, 3, 1];
        let renamed = edges.iter().map(|&(u, v, w)| (new_id[u] as usize, new_id[v] as usize, w));
        assert_eq!(g.permuted(&new_id), CsrGraph::from_edges(4, renamed).unwrap());
    }

    #[test]
    fn rows_built_in_chunks_and_tasks_equal_a_plain_merge() {
        // More edges than one buffer chunk and more nodes than one row task, with parallel edges and self-loops.
        let n = 3 * ROWS_PER_TASK + 5;
        let mut state = 7u64;
        let mut next = |below: usize| {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            ((state >> 33) as usize) % below
        };
        let edges: Vec<(usize, usize, f64)> =
            (0..EDGE_CHUNK + 1000).map(|_| (next(n), next(n), [0.5, 1.0, 2.0][next(3)])).collect();
        let g = CsrGraph::from_edges(n, edges.iter().copied()).unwrap();
        let mut merged = std::collections::BTreeMap::new();
        for &(u, v, w) in &edges {
            *merged.entry((u.min(v), u.max(v))).or_insert(0.0) += w;
        }
        assert_eq!(g.edge_count(), merged.len());
        assert_eq!(g.edges().collect::<Vec<_>>(), merged.iter().map(|(&(u, v), &w)| (u, v, w)).collect::<Vec<_>>());
        let total: f64 = merged.values().sum();
        assert!((g.total_weight() - total).abs() < 1e-6 * total);
        for v in [0, 1, ROWS_PER_TASK, n - 1] {
            let degree: f64 = g.neighbors(v).map(|(u, w)| if u == v { 2.0 * w } else { w }).sum();
            assert_eq!(g.degree(v), degree);
        }
    }

    #[test]
    fn rejects_bad_edges() {
        assert!(matches!(CsrGraph::from_edges(2, [(0, 2, 1.0)]), Err(Error::NodeOutOfRange { u: 0, v: 2, .. })));
        assert!(matches!(CsrGraph::from_edges(2, [(0, 1, -1.0)]), Err(Error::InvalidWeight { .. })));
        assert!(matches!(CsrGraph::from_edges(2, [(0, 1, f64::NAN)]), Err(Error::InvalidWeight { .. })));
    }
}
