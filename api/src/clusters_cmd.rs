//! The weekly pipeline's gang clustering step: a thin call into [`Service::clusters_run`]. Everything else of
//! `fanzha clusters` lives in `service::gangs` and `cli::clusters`; this goes once `pipeline` calls the service.

use std::path::Path;

use crate::service::Service;
use crate::service::gangs::{RunParams, RunSummary, hub_policy};

/// Clusters the store's reports with `seed` and the shipped hub policy (plus `policy_file`) and saves the run.
pub fn run(data_dir: &Path, seed: u64, policy_file: Option<&Path>) -> anyhow::Result<RunSummary> {
    let extra = match policy_file {
        Some(path) => Some((path.display().to_string(), std::fs::read_to_string(path)?)),
        None => None,
    };
    let policy = hub_policy(extra.as_ref().map(|(name, text)| (name.as_str(), text.as_str())))?;
    let params = RunParams { seed, policy, policy_source: policy_file.map(|p| p.display().to_string()) };
    Ok(Service::new(data_dir).clusters_run(&params)?)
}
