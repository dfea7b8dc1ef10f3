//! Urgent warnings (预警劝阻): raising them from contacts with flagged numbers (never before a number was known),
//! accepting pushed ones, and turning each into a task with deadlines by grade, an on-duty officer, escalation when
//! the resident is not reached, overdue tracking and the staff minutes it books. Never capped, never held out.

mod task;
mod warning;

use serde::{Deserialize, Serialize};

pub use task::{
    ActionMinutes, Deadlines, Due, Escalation, Overdue, Shift, StepRule, Task, TaskState, TaskStep, booked_minutes,
    open_task,
};
pub use warning::{
    FlagSource, FlaggedNumber, PhoneBook, PhoneContact, WarnedPerson, Warning, WarningInput, WarningRule,
    accept_warning, raise_warnings,
};

/// A warning's grade.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Grade {
    High,
    Medium,
    Low,
}

impl Grade {
    pub fn code(self) -> &'static str {
        match self {
            Grade::High => "high",
            Grade::Medium => "medium",
            Grade::Low => "low",
        }
    }

    /// Parses `high`/`medium`/`low` or 高/中/低.
    pub fn parse(s: &str) -> Option<Grade> {
        match s.trim() {
            "high" | "高" => Some(Grade::High),
            "medium" | "中" => Some(Grade::Medium),
            "low" | "低" => Some(Grade::Low),
            _ => None,
        }
    }
}

/// What an officer does on a task.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// A dissuasion call (96110).
    Call,
    /// A warning SMS (12381).
    Sms,
    /// A home visit, dispatched.
    Visit,
    /// Calling the resident's family.
    FamilyContact,
}
