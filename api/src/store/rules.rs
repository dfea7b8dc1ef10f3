//! The store's shared rules, each defined once: which reports are local, which community a report belongs to, how
//! a stored list reads back.

/// A report is *local* when it was filed in a district the store's residents live in; other districts' reports
/// arrive through the national platform for linking cases and are not part of this district's incidence.
/// An SQL expression (0 or 1) over the reports alias `r`.
pub(crate) const LOCAL_REPORT: &str = "(r.district IN (SELECT DISTINCT district FROM residents))";

/// A report's community: its own when filled in (an empty text counts as missing), else its victim's; NULL when
/// neither is known. An SQL expression over the reports alias `r` joined to its victim as `v`
/// (`LEFT JOIN residents v ON v.resident_id = r.victim_id`).
pub(crate) const REPORT_COMMUNITY: &str = "COALESCE(NULLIF(r.community, ''), v.community)";

/// A `;`-joined stored list (phones, accounts, grids…) as its items, blanks dropped.
pub fn split_list(s: &str) -> Vec<String> {
    s.split(';').map(str::trim).filter(|v| !v.is_empty()).map(String::from).collect()
}
