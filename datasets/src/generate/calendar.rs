//! Time in the synthetic district: days and weeks from the start Monday, seasonality (Q4 high, Spring Festival
//! low) and office-hour / weekday patterns of fraud calls.

use chrono::{Datelike, Duration, NaiveDate};
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use crate::values::{Timestamp, beijing};

/// Spring Festival (春节) dates, for the seasonal dip.
const SPRING_FESTIVALS: [(i32, u32, u32); 12] = [
    (2024, 2, 10),
    (2025, 1, 29),
    (2026, 2, 17),
    (2027, 2, 6),
    (2028, 1, 26),
    (2029, 2, 13),
    (2030, 2, 3),
    (2031, 1, 23),
    (2032, 2, 11),
    (2033, 1, 31),
    (2034, 2, 19),
    (2035, 2, 8),
];

/// Converts simulation seconds (from the start Monday 00:00 Beijing time) to timestamps.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Clock {
    start_date: NaiveDate,
    start_unix: i64,
}

pub(crate) const DAY: i64 = 86_400;
pub(crate) const WEEK: i64 = 7 * DAY;

impl Clock {
    pub(crate) fn new(start: NaiveDate) -> Clock {
        let naive = start.and_hms_opt(0, 0, 0).unwrap_or_default();
        let start_unix = naive.and_local_timezone(beijing()).single().map(|d| d.timestamp()).unwrap_or(0);
        Clock { start_date: start, start_unix }
    }

    /// The timestamp `secs` after the start.
    pub(crate) fn at(&self, secs: i64) -> Timestamp {
        Timestamp(self.start_unix + secs)
    }

    /// The calendar date of day `day`.
    pub(crate) fn date(&self, day: i64) -> NaiveDate {
        self.start_date + Duration::days(day)
    }

    /// Relative fraud activity in week `w`: Q4 ×1.2, the weeks around Spring Festival ×0.6.
    pub(crate) fn season(&self, w: u32) -> f64 {
        let mid = self.date(i64::from(w) * 7 + 3);
        for (y, m, d) in SPRING_FESTIVALS {
            if let Some(sf) = NaiveDate::from_ymd_opt(y, m, d)
                && (mid - sf).num_days().abs() <= 7
            {
                return 0.6;
            }
        }
        if mid.month() >= 10 { 1.2 } else { 1.0 }
    }

    /// A time within week `w` following the call pattern: weekdays weigh double, 08–11 and 14–17 hold 80%.
    pub(crate) fn call_time(&self, w: u32, rng: &mut ChaCha8Rng) -> i64 {
        let day = if rng.gen_bool(10.0 / 12.0) { rng.gen_range(0..5) } else { rng.gen_range(5..7) };
        let hour = match rng.gen_range(0..10) {
            0..=3 => rng.gen_range(8..11),
            4..=7 => rng.gen_range(14..17),
            _ => [7, 11, 12, 13, 17, 18, 19, 20, 21][rng.gen_range(0..9)],
        };
        i64::from(w) * WEEK + day * DAY + hour * 3600 + rng.gen_range(0..3600)
    }

    /// A routine campaign's time: office hours on the Monday or Tuesday of week `w` (campaigns open the week).
    pub(crate) fn campaign_time(&self, w: u32, rng: &mut ChaCha8Rng) -> i64 {
        i64::from(w) * WEEK + rng.gen_range(0..2) * DAY + rng.gen_range(9..17) * 3600 + rng.gen_range(0..3600)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn start_is_beijing_midnight_and_seasons_vary() {
        let c = Clock::new(NaiveDate::from_ymd_opt(2025, 12, 1).unwrap());
        assert_eq!(c.at(0).to_string(), "2025-12-01T00:00:00+08:00");
        assert_eq!(c.season(0), 1.2);
        assert_eq!(c.season(11), 0.6); // week of 2026-02-16
        assert_eq!(c.season(20), 1.0);
    }
}
