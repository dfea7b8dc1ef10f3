//! Hubs: identifiers that link too many unrelated reports. An editable allow-list of legitimate numbers and
//! platforms, per-kind degree statistics computed at build time, and an investigator's `force_include` override.

use std::collections::{BTreeMap, BTreeSet};

use datasets::ident::IdKind;

use crate::error::{Error, Result};

/// The shipped allow-list (`analytics/hubs/allowlist.txt`).
pub const SHIPPED_ALLOWLIST: &str = include_str!("../../hubs/allowlist.txt");

/// Which identifiers are never used to link reports, and which are always used.
///
/// Text format, one entry a line, `#` comments: `KEY REASON…` or `allow KEY REASON…` adds `KEY` (a canonical key,
/// see keys.md) to the allow-list; `force_include KEY` makes `KEY` link reports even if it is allow-listed or its
/// degree statistics flag it (it is still listed as a hub, marked overridden).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct HubPolicy {
    allow: BTreeMap<String, String>,
    force_include: BTreeSet<String>,
}

impl HubPolicy {
    /// The shipped allow-list, with no overrides.
    pub fn shipped() -> Result<HubPolicy> {
        HubPolicy::parse(SHIPPED_ALLOWLIST)
    }

    /// Parses a policy text (see the type's doc). Errors name the line and what is wrong.
    pub fn parse(text: &str) -> Result<HubPolicy> {
        let mut policy = HubPolicy::default();
        policy.merge_text(text)?;
        Ok(policy)
    }

    /// Adds the entries of another policy text to this one (e.g. an investigator's file over the shipped list).
    pub fn merge_text(&mut self, text: &str) -> Result<()> {
        for (i, raw) in text.lines().enumerate() {
            let line_no = i + 1;
            let line = raw.split_once('#').map_or(raw, |(before, _)| before).trim();
            if line.is_empty() {
                continue;
            }
            let mut words = line.split_whitespace();
            let first = words.next().unwrap_or_default();
            let bad = |reason: &'static str| Error::HubPolicyLine { line: line_no, text: raw.trim().into(), reason };
            match first {
                "force_include" => {
                    let key = words.next().ok_or_else(|| bad("force_include needs a key"))?;
                    check_key(key).map_err(bad)?;
                    if words.next().is_some() {
                        return Err(bad("force_include takes one key"));
                    }
                    self.force_include.insert(key.to_string());
                }
                _ => {
                    let key =
                        if first == "allow" { words.next().ok_or_else(|| bad("allow needs a key"))? } else { first };
                    check_key(key).map_err(bad)?;
                    let reason: Vec<&str> = words.collect();
                    if reason.is_empty() {
                        return Err(bad("an allow-listed key needs a reason after it"));
                    }
                    self.allow.insert(key.to_string(), reason.join(" "));
                }
            }
        }
        Ok(())
    }

    /// The allow-list reason for `key`, if listed.
    pub fn allowed(&self, key: &str) -> Option<&str> {
        self.allow.get(key).map(String::as_str)
    }

    /// Whether an investigator forced `key` to link reports.
    pub fn forced(&self, key: &str) -> bool {
        self.force_include.contains(key)
    }

    /// Allow-listed keys with their reasons, in key order.
    pub fn allow_list(&self) -> impl Iterator<Item = (&str, &str)> {
        self.allow.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// Keys forced to link reports, in key order.
    pub fn force_included(&self) -> impl Iterator<Item = &str> {
        self.force_include.iter().map(String::as_str)
    }
}

fn check_key(key: &str) -> std::result::Result<(), &'static str> {
    match key.split_once(':') {
        Some((code, value)) if !value.is_empty() && (IdKind::from_code(code).is_some() || code == "acct") => Ok(()),
        _ => Err("not a canonical key (kind:value, e.g. tel:95588, app:支付宝)"),
    }
}

/// Thresholds of the statistical hub detector.
#[derive(Debug, Clone, PartialEq)]
pub struct HubParams {
    /// Robust z-score of ln(report degree) within the identifier's kind above which a key is an outlier.
    pub z_max: f64,
    /// Floor of the robust spread (1.4826·MAD of ln degree), so kinds where almost every key has degree 1 do not
    /// flag keys of degree 2.
    pub min_spread: f64,
    /// Minimum report degree to be flagged at all.
    pub min_degree: usize,
    /// An outlier is a hub only if its reports are diverse: at least this many fraud types …
    pub min_fraud_types: usize,
    /// … and spanning at least this many days.
    pub min_span_days: f64,
    /// A key linking more reports than this is a supernode, a hub whatever its diversity.
    pub max_link_degree: usize,
}

impl HubParams {
    /// Defaults: z > 1 with spread ≥ 0.5 (above the kind's typical degree), degree ≥ 5, ≥ 4 fraud types over
    /// ≥ 60 days (diversity does most of the work: a gang's identifiers serve its 1–3 specialities); supernodes
    /// above 500 reports.
    pub fn defaults() -> HubParams {
        HubParams {
            z_max: 1.0,
            min_spread: 0.5,
            min_degree: 5,
            min_fraud_types: 4,
            min_span_days: 60.0,
            max_link_degree: 500,
        }
    }

    pub(crate) fn check(&self) -> Result<()> {
        let bad = |name: &'static str, value: String, reason: &'static str| {
            Err(Error::InvalidParameter { name, value, reason })
        };
        if !(self.z_max.is_finite() && self.z_max > 0.0) {
            return bad("hub.z_max", self.z_max.to_string(), "must be a finite number greater than 0");
        }
        if !(self.min_spread.is_finite() && self.min_spread > 0.0) {
            return bad("hub.min_spread", self.min_spread.to_string(), "must be a finite number greater than 0");
        }
        if !(self.min_span_days.is_finite() && self.min_span_days >= 0.0) {
            return bad("hub.min_span_days", self.min_span_days.to_string(), "must be a finite number ≥ 0");
        }
        if self.max_link_degree < 2 {
            return bad("hub.max_link_degree", self.max_link_degree.to_string(), "must be at least 2");
        }
        Ok(())
    }
}

/// Why an identifier is a hub.
#[derive(Debug, Clone, PartialEq)]
pub enum HubReason {
    /// On the allow-list, with its reason.
    AllowListed { note: String },
    /// Its report degree is an outlier for its kind and its reports are diverse.
    Outlier { z: f64, fraud_types: usize, span_days: f64 },
    /// More reports than any single gang plausibly has.
    Supernode { cap: usize },
    /// An account that passes on money for many unrelated payers over a long life (see `gangs::relay`).
    Relay { sources: usize, destinations: usize, active_days: f64, median_dwell_hours: f64, pass_through: f64 },
}

impl std::fmt::Display for HubReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            HubReason::AllowListed { note } => write!(f, "allow-listed: {note}"),
            HubReason::Outlier { z, fraud_types, span_days } => write!(
                f,
                "degree outlier for its kind (robust z {z:.1}); reports span {fraud_types} fraud types over \
                 {span_days:.0} days"
            ),
            HubReason::Supernode { cap } => write!(f, "links more than {cap} reports"),
            HubReason::Relay { sources, destinations, active_days, median_dwell_hours, pass_through } => write!(
                f,
                "relay: passes on money of {sources} payers to {destinations} payees over {active_days:.0} days, \
                 median dwell {median_dwell_hours:.1} h, {:.0}% passed on",
                pass_through * 100.0
            ),
        }
    }
}

/// One excluded (or overridden) hub.
#[derive(Debug, Clone, PartialEq)]
pub struct Hub {
    pub key: String,
    pub kind: super::graph::EntityKind,
    /// Reports naming it.
    pub degree: usize,
    pub reason: HubReason,
    /// An investigator's `force_include` keeps it linking reports.
    pub overridden: bool,
}

/// Per-identifier facts the detector looks at.
pub(crate) struct KeyStats {
    pub(crate) degree: usize,
    pub(crate) fraud_types: usize,
    pub(crate) span_days: f64,
}

/// Median of a sorted slice.
fn median(sorted: &[f64]) -> f64 {
    let n = sorted.len();
    if n == 0 {
        0.0
    } else if n % 2 == 1 {
        sorted[n / 2]
    } else {
        (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0
    }
}

/// Robust z-scores of ln(degree) within one kind: (ln d − median) / max(1.4826·MAD, floor).
pub(crate) fn robust_z(degrees: &[usize], min_spread: f64) -> Vec<f64> {
    let mut logs: Vec<f64> = degrees.iter().map(|&d| (d.max(1) as f64).ln()).collect();
    let original = logs.clone();
    logs.sort_unstable_by(f64::total_cmp);
    let med = median(&logs);
    let mut dev: Vec<f64> = logs.iter().map(|l| (l - med).abs()).collect();
    dev.sort_unstable_by(f64::total_cmp);
    let spread = (1.4826 * median(&dev)).max(min_spread);
    original.into_iter().map(|l| (l - med) / spread).collect()
}

/// Decides whether a key with these stats is a hub (allow-list first, then supernode, then outlier).
pub(crate) fn judge(key: &str, stats: &KeyStats, z: f64, params: &HubParams, policy: &HubPolicy) -> Option<HubReason> {
    if let Some(note) = policy.allowed(key) {
        return Some(HubReason::AllowListed { note: note.to_string() });
    }
    if stats.degree > params.max_link_degree {
        return Some(HubReason::Supernode { cap: params.max_link_degree });
    }
    if stats.degree >= params.min_degree
        && z > params.z_max
        && stats.fraud_types >= params.min_fraud_types
        && stats.span_days >= params.min_span_days
    {
        return Some(HubReason::Outlier { z, fraud_types: stats.fraud_types, span_days: stats.span_days });
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_list_parses_and_holds_the_classic_hubs() {
        let p = HubPolicy::shipped().unwrap();
        for key in ["tel:95588", "tel:12345", "tel:96110", "tel:110", "app:支付宝", "app:国家反诈中心", "app:拼多多"]
        {
            assert!(p.allowed(key).is_some(), "{key} missing");
        }
        assert_eq!(p.force_included().count(), 0);
    }

    #[test]
    fn overrides_and_errors_name_the_line() {
        let mut p = HubPolicy::shipped().unwrap();
        p.merge_text("# mine\nforce_include tel:95588\nallow app:某某 本地常见平台\n").unwrap();
        assert!(p.forced("tel:95588"));
        assert_eq!(p.allowed("app:某某"), Some("本地常见平台"));
        let err = HubPolicy::parse("tel:95588 ok\n\nbogus\n").unwrap_err();
        assert!(matches!(err, Error::HubPolicyLine { line: 3, .. }), "{err}");
        assert!(HubPolicy::parse("tel:95588\n").is_err());
        assert!(HubPolicy::parse("force_include\n").is_err());
    }

    #[test]
    fn outliers_need_degree_and_diversity() {
        let degrees = [1usize, 1, 1, 2, 1, 3, 1, 40];
        let z = robust_z(&degrees, 0.5);
        assert!(z[7] > 3.5 && z[0] < 1.0);
        let params = HubParams::defaults();
        let policy = HubPolicy::default();
        let diverse = KeyStats { degree: 40, fraud_types: 8, span_days: 300.0 };
        let narrow = KeyStats { degree: 40, fraud_types: 2, span_days: 300.0 };
        assert!(matches!(judge("app:x", &diverse, z[7], &params, &policy), Some(HubReason::Outlier { .. })));
        assert_eq!(judge("app:x", &narrow, z[7], &params, &policy), None);
        let huge = KeyStats { degree: 501, fraud_types: 1, span_days: 1.0 };
        assert!(matches!(judge("app:x", &huge, 0.0, &params, &policy), Some(HubReason::Supernode { .. })));
    }
}
