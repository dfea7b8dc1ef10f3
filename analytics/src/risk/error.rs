//! What can go wrong in the risk module, as data the edge turns into messages or statuses.

/// An error of the risk scorer (wrapped in the crate's [`crate::Error::Risk`]).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RiskError {
    /// A week string is not an ISO week.
    #[error("week {text:?} is not an ISO week: {reason}")]
    WeekFormat { text: String, reason: &'static str },
    /// There are no records at all to build features from.
    #[error("no {what} in the input: risk features need residents and reports")]
    NoData { what: &'static str },
    /// The requested week lies outside the weeks the data covers.
    #[error("week {week} has no data: {why}; the reports run from {first} to {last}")]
    WeekWithoutData { week: String, why: &'static str, first: String, last: String },
    /// The training window is empty or too short.
    #[error("training window {from}..{to} (exclusive) holds {weeks} weeks; at least {min} are needed")]
    WindowTooShort { from: String, to: String, weeks: i64, min: i64 },
    /// The training window holds only one class, so no model can be fitted.
    #[error("training window {from}..{to} (exclusive) has only one class: {positives} victims among {rows} rows")]
    OneClass { from: String, to: String, positives: usize, rows: usize },
    /// A resident was asked for who is not in the scored set.
    #[error("resident {id:?} is not in the snapshot for week {week}")]
    UnknownResident { id: String, week: String },
    /// A parameter is out of range.
    #[error("invalid parameter {name} = {value}: {reason}")]
    InvalidParameter { name: &'static str, value: String, reason: &'static str },
    /// The same id appears twice in the input.
    #[error("resident {id:?} appears twice in the input")]
    DuplicateResident { id: String },
    /// Two vectors that must be aligned differ in length.
    #[error("{what}: {left} values vs {right}")]
    LengthMismatch { what: &'static str, left: usize, right: usize },
    /// The underlying learner failed.
    #[error("model fitting failed ({model}): {message}")]
    Fit { model: &'static str, message: String },
}

impl RiskError {
    /// Whether the caller's input is at fault (otherwise: an internal failure).
    pub fn is_input(&self) -> bool {
        !matches!(self, RiskError::Fit { .. })
    }
}
