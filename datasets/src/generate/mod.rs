//! The synthetic district generator with planted ground truth.
//!
//! [`generate`] takes a validated [`Config`] and a [`DistrictSink`] and writes the interchange files
//! (`residents.csv`, `reports.csv`, `transfers.csv`, `contacts.csv`, `content.csv`, `staff.csv`, `outreach.csv`),
//! `areas.csv` (community, district, population, urban_rural, lat, lon), `adjacency.csv` (community_a,
//! community_b: communities sharing a border) and `truth/` (documented in the `truth/README.md` it writes).
//! The same config gives byte-identical output; memory is bounded by a compact state per resident.
//!
//! ```
//! use datasets::generate::{Config, MemorySink, generate};
//! let cfg = Config::new(500, 4, 7).validate().unwrap();
//! let mut sink = MemorySink::new();
//! let summary = generate(&cfg, &mut sink, &mut |_| {}).unwrap();
//! assert_eq!(summary.residents, 500);
//! assert!(sink.files().contains_key("truth/report_gang.csv"));
//! ```
//!
//! [`Scenario`] switches change the criminal side's structure (relays, OTC desks, services keeping the money or
//! sharing L2 cards, lone scammers, commission, 1–5 layers, multi-pay victims, late reports); the default changes
//! nothing.
//!
//! Layout: `config` (parameters and scenarios), `sample` (seeded sub-streams), `numbers` (opaque ids), `calendar`,
//! `population`, `gangs`, `money` (mule chains), `forms` and `templates` and `narratives` (written text),
//! `incidents` (reports), `outreach` (campaigns, warnings, effects, true risk), `district` (the weekly loop),
//! `truth`, `writer` (the sink seam).

mod calendar;
mod config;
mod district;
mod forms;
mod gangs;
mod incidents;
mod money;
mod narratives;
mod numbers;
mod outreach;
mod population;
mod sample;
mod templates;
mod truth;
mod writer;

pub use config::{
    ChannelEffects, Config, ConfigError, LossDist, MAX_RESIDENTS, Rates, SCENARIOS, Scenario, ValidConfig,
};
pub use writer::{DistrictSink, MemorySink};

/// Why generation failed.
#[derive(Debug, thiserror::Error)]
pub enum GenerateError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("cannot write {path}: {source}")]
    Write { path: String, source: std::io::Error },
}

/// The stage a progress report refers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Writing residents (`done` of `total` residents).
    Residents,
    /// Simulating weeks (`done` of `total` weeks).
    Weeks,
    /// Writing the end-of-run truth tables.
    Truth,
}

/// A progress report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    pub phase: Phase,
    pub done: u64,
    pub total: u64,
}

/// Counts of what was written.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    pub residents: u64,
    /// All reports, local and shared from other districts, duplicates included.
    pub reports: u64,
    pub local_reports: u64,
    pub transfers: u64,
    pub contacts: u64,
    pub outreach: u64,
    pub gangs: u64,
    pub services: u64,
}

/// Generates a district into `sink`, calling `progress` as it goes.
pub fn generate(
    config: &ValidConfig,
    sink: &mut dyn DistrictSink,
    progress: &mut dyn FnMut(Progress),
) -> Result<Summary, GenerateError> {
    district::run(config, sink, progress)
}
