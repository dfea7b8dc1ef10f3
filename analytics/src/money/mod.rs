//! Money flow (issue 3, points 5–6): a time-sorted transfer graph, downstream and upstream tracing with FIFO, LIFO
//! and pro-rata attribution, and laundering typology detectors.

mod error;
mod graph;
mod pairing;
mod trace;
mod typology;
mod upstream;

pub use error::MoneyError;
pub use graph::{MoneyBuildStats, MoneyTransfer, TransferGraph};
pub use pairing::MATCH_WINDOW_S;

pub use trace::{
    CASH_OUT_CHANNELS, CashOut, Holding, Method, NodeEnd, Trace, TraceParams, TrailNode, Untraced, trace_downstream,
};
pub(crate) use trace::{Pairings, trace_downstream_paired};
pub use typology::{AccountScore, CycleOrder, Finding, TypologyKind, TypologyParams, detect, score_accounts};
pub use upstream::{FeedNode, Origin, Upstream, trace_upstream};
