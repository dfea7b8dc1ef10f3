//! Weekly risk: snapshots written by `score`, read by week, resident and area.

/// Snapshots already read, kept in memory (a snapshot never changes once written).
#[derive(Default)]
pub(crate) struct RiskCache {}
