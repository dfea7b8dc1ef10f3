//! The typed error of money-flow tracing and typology detection.

/// What went wrong in `money`: every variant names the value at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    /// The graph holds no transfers.
    #[error("no transfers: the store holds no usable transfers")]
    NoTransfers,
    /// No transfer carries this report id.
    #[error("report {report_id:?} has no transfers (no transfer carries its report id)")]
    ReportWithoutTransfers { report_id: String },
    /// The account key names no account of the graph.
    #[error("unknown account {key:?}: no transfer goes to or from it")]
    UnknownAccount { key: String },
    /// `--method` is not fifo, lifo, prorata or matched.
    #[error("unknown tracing method {text:?} (expected fifo, lifo, prorata or matched)")]
    UnknownMethod { text: String },
    /// `--kind` is not a typology.
    #[error("unknown typology {text:?} (expected one of {expected})")]
    UnknownKind { text: String, expected: &'static str },
    /// A parameter is out of range.
    #[error("invalid parameter {name} = {value}: {reason}")]
    InvalidParameter { name: &'static str, value: String, reason: &'static str },
}
