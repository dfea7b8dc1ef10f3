//! Records of the fanzha interchange format, identifier normalisation and extraction, readers that report every
//! bad row, and the synthetic district generator with planted ground truth.
//!
//! ```
//! use datasets::{FraudType, Fen};
//! assert_eq!(FraudType::parse("冒充公检法"), Some(FraudType::ImpersonatePolice));
//! assert_eq!(Fen::parse_yuan("12.5").unwrap(), Fen(1250));
//! ```
//!
//! Layout:
//! - `codes`: the fixed enumerations (fraud types, channels, …) with codes and Chinese labels.
//! - `values`: exact money (`Fen`) and Beijing-time `Timestamp`.
//! - `records`: one struct per interchange file, field parsing that collects every bad field.
//! - `ident`: canonical keys for phones, cards, URLs, apps, IM ids, IPs, IMEIs; extraction from narratives.
//! - `read`: CSV / JSON Lines readers with encoding detection and per-row diagnostics.
//! - `generate`: the synthetic district and its `truth/`.
//!
//! This crate does no network or database I/O; the generator and readers work on paths and writers handed in.

mod codes;
mod duty;
pub mod generate;
pub mod ident;
pub mod read;
mod records;
mod values;

pub use codes::{
    Audience, CaseStatus, ContactChannel, ContactKind, ContentFormat, FraudType, Gender, Language, Outcome,
    OutreachChannel, TransferChannel,
};
pub use duty::{Duty, DutyWindow};
pub use records::{
    Contact, Content, FieldError, FieldProblem, Outreach, Record, Report, Resident, RowSource, Staff, Table, Transfer,
};
pub use values::{AmountError, Fen, Timestamp, TimestampError, beijing};
