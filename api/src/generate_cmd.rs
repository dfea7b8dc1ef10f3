//! `fanzha generate`: writes a synthetic district (interchange files plus `truth/`) into a folder, with a progress bar.

use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context;
use datasets::generate::{Config, DistrictSink, Phase, Progress, Scenario, generate};
use indicatif::{ProgressBar, ProgressStyle};

/// Creates files under a root folder, making parent folders as needed.
struct DirSink {
    root: PathBuf,
}

impl DistrictSink for DirSink {
    fn create(&mut self, path: &str) -> std::io::Result<Box<dyn Write>> {
        let full = self.root.join(path);
        if let Some(parent) = full.parent() {
            fs::create_dir_all(parent)?;
        }
        Ok(Box::new(BufWriter::with_capacity(1 << 20, File::create(full)?)))
    }
}

/// The options of `fanzha generate`.
#[derive(Debug, Clone)]
pub struct Options {
    pub residents: u32,
    pub weeks: u32,
    pub seed: u64,
    pub truth_weeks: u32,
    pub incidence: Option<f64>,
    /// Scenario family names (empty: none).
    pub scenario: Vec<String>,
}

/// Runs the command.
pub fn run(out: &Path, options: &Options, quiet: bool) -> anyhow::Result<()> {
    let Options { residents, weeks, seed, truth_weeks, incidence, .. } = *options;
    let mut config = Config::new(residents, weeks, seed);
    config.truth_weeks = truth_weeks.min(weeks);
    if let Some(rate) = incidence {
        config.rates.incidence_per_10k_year = rate;
    }
    config.scenario = Scenario::from_names(&options.scenario.join(",")).context("invalid --scenario")?;
    let config = config.validate().context("invalid generate options")?;
    fs::create_dir_all(out).with_context(|| format!("cannot create output folder {}", out.display()))?;
    let bar = if quiet { ProgressBar::hidden() } else { ProgressBar::new(u64::from(residents)) };
    bar.set_style(
        ProgressStyle::with_template("{msg:>10} [{bar:40}] {pos}/{len} {elapsed_precise}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    let started = Instant::now();
    let mut on_progress = |p: Progress| {
        let msg = match p.phase {
            Phase::Residents => "residents",
            Phase::Weeks => "weeks",
            Phase::Truth => "truth",
        };
        bar.set_message(msg);
        bar.set_length(p.total);
        bar.set_position(p.done);
    };
    let mut sink = DirSink { root: out.to_path_buf() };
    let summary =
        generate(&config, &mut sink, &mut on_progress).with_context(|| format!("generating into {}", out.display()))?;
    bar.finish_and_clear();
    if !quiet {
        eprintln!(
            "wrote {} in {:.1}s: {} residents, {} reports ({} local), {} transfers, {} contacts, {} outreach, {} gangs, {} services",
            out.display(),
            started.elapsed().as_secs_f64(),
            summary.residents,
            summary.reports,
            summary.local_reports,
            summary.transfers,
            summary.contacts,
            summary.outreach,
            summary.gangs,
            summary.services
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options(residents: u32, incidence: Option<f64>, scenario: &[&str]) -> Options {
        let scenario = scenario.iter().map(|s| s.to_string()).collect();
        Options { residents, weeks: 3, seed: 9, truth_weeks: 2, incidence, scenario }
    }

    #[test]
    fn writes_the_interchange_files_and_truth_into_a_folder() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("district");
        run(&out, &options(300, None, &[]), true).unwrap();
        for f in ["residents.csv", "reports.csv", "transfers.csv", "areas.csv", "adjacency.csv", "truth/README.md"] {
            assert!(out.join(f).is_file(), "{f} missing");
        }
        let risk = fs::read_to_string(out.join("truth/resident_risk.csv")).unwrap();
        assert_eq!(risk.lines().count(), 1 + 300 * 2);
        let err = run(&out, &options(0, None, &[]), true).unwrap_err();
        assert!(format!("{err:#}").contains("residents"), "{err:#}");
        // --incidence: a raised rate gives more reports; an impossible one is refused by name.
        let reports = |dir: &Path| fs::read_to_string(dir.join("reports.csv")).unwrap().lines().count();
        let high = dir.path().join("high");
        run(&high, &options(300, Some(200.0), &[]), true).unwrap();
        assert!(reports(&high) > reports(&out), "{} vs {}", reports(&high), reports(&out));
        let err = run(&high, &options(300, Some(-1.0), &[]), true).unwrap_err();
        assert!(format!("{err:#}").contains("incidence_per_10k_year"), "{err:#}");
        // --scenario: a family changes the truth (a section naming it); an unknown name is refused with the list.
        let relays = dir.path().join("relays");
        run(&relays, &options(300, None, &["relays", "late-reports"]), true).unwrap();
        let readme = fs::read_to_string(relays.join("truth/README.md")).unwrap();
        assert!(readme.contains("Relays:") && readme.contains("Late reports:"), "{readme}");
        assert!(!fs::read_to_string(out.join("truth/README.md")).unwrap().contains("Scenario switches"));
        let err = run(&relays, &options(300, None, &["nope"]), true).unwrap_err();
        assert!(format!("{err:#}").contains("deep-chains"), "{err:#}");
    }
}
