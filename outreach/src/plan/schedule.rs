//! Visits grouped into walkable officer-days: by grid, then resident, in as few days as the daily maximum allows,
//! spread evenly so days stay between the minimum and the maximum when the officer has enough visits.

use serde::{Deserialize, Serialize};

use crate::params::VisitDays;

/// One officer's visits on one day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VisitDay {
    pub staff_id: String,
    /// 0 = the week's Monday.
    pub day: u32,
    /// Grids of the day's visits, in visiting order.
    pub grids: Vec<String>,
    pub resident_ids: Vec<String>,
    /// Fewer visits than the daily minimum (the officer has too few visits this week to fill a day).
    pub short: bool,
}

/// Groups one officer's visits (resident id, grid) into days.
pub(crate) fn visit_days(staff_id: &str, mut visits: Vec<(String, String)>, rule: &VisitDays) -> Vec<VisitDay> {
    if visits.is_empty() {
        return Vec::new();
    }
    visits.sort_by(|a, b| (&a.1, &a.0).cmp(&(&b.1, &b.0)));
    let n = visits.len();
    let days = n.div_ceil(rule.max_per_day as usize).clamp(1, rule.days_per_week as usize);
    let (base, extra) = (n / days, n % days);
    let mut out = Vec::with_capacity(days);
    let mut it = visits.into_iter();
    for d in 0..days {
        let take = base + usize::from(d < extra);
        let chunk: Vec<(String, String)> = it.by_ref().take(take).collect();
        let mut grids: Vec<String> = chunk.iter().map(|(_, g)| g.clone()).collect();
        grids.dedup();
        out.push(VisitDay {
            staff_id: staff_id.to_string(),
            day: d as u32,
            grids,
            short: (take as u32) < rule.min_per_day,
            resident_ids: chunk.into_iter().map(|(r, _)| r).collect(),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_are_even_and_within_limits() {
        let rule = VisitDays { min_per_day: 6, max_per_day: 10, days_per_week: 5 };
        let visits = |n: usize| (0..n).map(|i| (format!("R{i:02}"), format!("G{}", i % 3))).collect::<Vec<_>>();
        let sizes = |n| visit_days("S1", visits(n), &rule).iter().map(|d| d.resident_ids.len()).collect::<Vec<_>>();
        assert_eq!(sizes(23), vec![8, 8, 7]);
        assert_eq!(sizes(10), vec![10]);
        assert_eq!(sizes(50), vec![10; 5]);
        let few = visit_days("S1", visits(4), &rule);
        assert!(few[0].short && few.len() == 1);
        assert_eq!(few[0].grids, vec!["G0", "G1", "G2"]);
    }
}
