//! The one error type of the analytics crate, with a `kind()` the edge maps to exit codes or HTTP statuses.

use std::fmt;

/// Result alias used across the crate.
pub type Result<T> = std::result::Result<T, Error>;

/// Broad class of an [`Error`], so callers can map it without matching every variant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The caller's input (a file, a parameter) is wrong.
    InvalidInput,
    /// Something failed that the caller could not have prevented.
    Internal,
}

/// What is wrong with one line of an edge list.
#[derive(Debug, Clone, PartialEq)]
pub enum LineProblem {
    /// Only one column: an edge needs two node names.
    OneColumn,
    /// A node name is empty (e.g. `a,,1`).
    EmptyNodeName,
    /// The weight column is not a number.
    WeightNotNumeric { text: String },
    /// The weight is negative.
    NegativeWeight { value: f64 },
    /// The weight is NaN or infinite.
    NonFiniteWeight { text: String },
    /// More columns than `u v w` in weighted mode.
    TooManyColumns { count: usize },
    /// The line is not valid UTF-8.
    NotUtf8,
}

impl fmt::Display for LineProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::OneColumn => write!(f, "only one column; an edge needs `u v [w]`"),
            Self::EmptyNodeName => write!(f, "empty node name"),
            Self::WeightNotNumeric { text } => write!(f, "weight {text:?} is not a number"),
            Self::NegativeWeight { value } => write!(f, "weight {value} is negative"),
            Self::NonFiniteWeight { text } => write!(f, "weight {text:?} is not finite"),
            Self::TooManyColumns { count } => write!(f, "{count} columns; a weighted edge is `u v w`"),
            Self::NotUtf8 => write!(f, "line is not valid UTF-8"),
        }
    }
}

/// Everything that can go wrong in the analytics crate.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A malformed edge-list line.
    #[error("line {line}: {problem}")]
    EdgeListLine { line: usize, problem: LineProblem },
    /// The edge-list reader failed (e.g. a corrupt gzip stream).
    #[error("line {line}: read failed: {source}")]
    EdgeListRead {
        line: usize,
        #[source]
        source: std::io::Error,
    },
    /// Writing the edges to, or reading them back from, the reader's spill file failed (a full disk).
    #[error("the edge list's spill file failed: {source}")]
    EdgeListSpill {
        #[source]
        source: std::io::Error,
    },
    /// The input held no edges.
    #[error("the graph is empty: no edges were read")]
    EmptyGraph,
    /// More nodes than the compact graph can index.
    #[error("too many nodes: {count} (at most {max})")]
    TooManyNodes { count: usize, max: usize },
    /// An edge names a node index outside the graph.
    #[error("edge ({u}, {v}) names a node outside 0..{node_count}")]
    NodeOutOfRange { u: usize, v: usize, node_count: usize },
    /// An edge weight is negative, NaN or infinite.
    #[error("edge ({u}, {v}) has invalid weight {weight}")]
    InvalidWeight { u: usize, v: usize, weight: f64 },
    /// A clustering parameter is out of range.
    #[error("invalid parameter {name} = {value}: {reason}")]
    InvalidParameter { name: &'static str, value: String, reason: &'static str },
    /// Two label vectors compared by a metric differ in length.
    #[error("label vectors differ in length: {left} vs {right}")]
    LengthMismatch { left: usize, right: usize },
    /// A partition does not cover the graph it is used with.
    #[error("partition has {partition} nodes but the graph has {graph}")]
    PartitionSize { partition: usize, graph: usize },
    /// A malformed line of a hub policy (allow-list or override file).
    #[error("hub policy line {line} ({text:?}): {reason}")]
    HubPolicyLine { line: usize, text: String, reason: &'static str },
    /// The Leiden backend failed.
    #[error("community detection failed: {message}")]
    Detector { message: String },
    /// The risk scorer failed (bad week, no data, one-class window, …).
    #[error(transparent)]
    Risk(#[from] crate::risk::RiskError),
}

impl Error {
    /// The broad class of this error.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::EdgeListRead { .. } | Self::EdgeListSpill { .. } | Self::Detector { .. } => ErrorKind::Internal,
            Self::Risk(e) if !e.is_input() => ErrorKind::Internal,
            _ => ErrorKind::InvalidInput,
        }
    }
}
