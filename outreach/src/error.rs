//! The outreach crate's error type: every variant names what was wrong as data, and `kind()` lets the edge map it.

use crate::urgent::Action;

/// Broad class of an error, so the edge can map it (user input vs missing thing vs state conflict).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    InvalidInput,
    NotFound,
    Conflict,
}

/// Every error of the outreach crate.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum OutreachError {
    #[error("parameter {name} = {value} is invalid: {reason}")]
    InvalidParameter { name: &'static str, value: String, reason: &'static str },
    #[error("unknown resident {id:?} in {context}")]
    UnknownResident { id: String, context: &'static str },
    #[error("unknown staff member {id:?} in {context}")]
    UnknownStaff { id: String, context: &'static str },
    #[error("resident {id:?} appears twice in {context}")]
    DuplicateResident { id: String, context: &'static str },
    #[error("no risk scores for the week starting at {week_start}: a plan needs the week's snapshot")]
    NoScores { week_start: i64 },
    #[error("score of resident {id:?} is {value}, not a probability in [0, 1]")]
    InvalidScore { id: String, value: f64 },
    #[error("no staff minutes left this week: {available} available, {booked} booked by urgent tasks")]
    NoCapacity { available: u64, booked: u64 },
    #[error("no staff listed: a plan and urgent tasks need staff.csv")]
    NoStaff,
    #[error("warning {id:?} has no grade (high, medium or low)")]
    MissingGrade { id: String },
    #[error("warning {id:?} names no resident and its phone {phone:?} maps to no resident")]
    UnmappedPhone { id: String, phone: String },
    #[error("warning {id:?} names neither a resident nor a phone")]
    NoSubject { id: String },
    #[error("no staff member covers grid {grid:?} of resident {resident:?}")]
    NoStaffForGrid { grid: String, resident: String },
    #[error("task {task:?} is {state}: {action:?} cannot be recorded now")]
    InvalidTransition { task: String, state: &'static str, action: Action },
    #[error("event at {at} is before the task's last event at {last}")]
    EventOutOfOrder { at: i64, last: i64 },
}

impl OutreachError {
    /// The broad class, for exit codes and HTTP statuses.
    pub fn kind(&self) -> ErrorKind {
        match self {
            OutreachError::UnknownResident { .. }
            | OutreachError::UnknownStaff { .. }
            | OutreachError::NoScores { .. }
            | OutreachError::UnmappedPhone { .. } => ErrorKind::NotFound,
            OutreachError::InvalidTransition { .. } | OutreachError::EventOutOfOrder { .. } => ErrorKind::Conflict,
            _ => ErrorKind::InvalidInput,
        }
    }
}

/// The crate's result type.
pub type Result<T> = std::result::Result<T, OutreachError>;
