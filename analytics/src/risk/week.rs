//! ISO weeks in Beijing time (`2026-W48`): parsing with typed errors, boundaries as epoch seconds, arithmetic.

use std::fmt;

use chrono::{Datelike, NaiveDate, Weekday};

use super::error::RiskError;

/// Seconds in a day and in a week.
pub(crate) const DAY: i64 = 86_400;
pub(crate) const WEEK: i64 = 7 * DAY;
/// Beijing is UTC+8 all year.
const BEIJING_OFFSET: i64 = 8 * 3600;

/// An ISO week (Monday to Sunday) in Beijing time, as the store's `reported_week` column writes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct IsoWeek {
    year: i32,
    week: u32,
}

impl IsoWeek {
    /// Parses `2026-W48` (also `2026W48` and a lower-case `w`); the week must exist in that ISO year.
    pub fn parse(text: &str) -> Result<IsoWeek, RiskError> {
        let bad = |reason: &'static str| RiskError::WeekFormat { text: text.to_string(), reason };
        let t = text.trim();
        let (y, w) = t.split_once(['W', 'w']).ok_or_else(|| bad("expected YYYY-Www, e.g. 2026-W48"))?;
        let y = y.strip_suffix('-').unwrap_or(y);
        if y.len() != 4 || !y.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad("the year must have four digits, e.g. 2026-W48"));
        }
        if w.is_empty() || w.len() > 2 || !w.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad("the week must be one or two digits, e.g. 2026-W48"));
        }
        let year: i32 = y.parse().map_err(|_| bad("the year is not a number"))?;
        let week: u32 = w.parse().map_err(|_| bad("the week is not a number"))?;
        if week == 0 {
            return Err(bad("weeks are numbered from 1"));
        }
        if NaiveDate::from_isoywd_opt(year, week, Weekday::Mon).is_none() {
            return Err(bad("that ISO year has fewer weeks (52 or 53)"));
        }
        Ok(IsoWeek { year, week })
    }

    /// The week holding the instant `epoch_secs` (Beijing time).
    pub fn of_timestamp(epoch_secs: i64) -> IsoWeek {
        let days = (epoch_secs + BEIJING_OFFSET).div_euclid(DAY);
        let date = NaiveDate::from_ymd_opt(1970, 1, 1)
            .and_then(|d| d.checked_add_signed(chrono::TimeDelta::days(days)))
            .unwrap_or_default();
        let w = date.iso_week();
        IsoWeek { year: w.year(), week: w.week() }
    }

    /// The first second of the week: Monday 00:00 Beijing, as epoch seconds.
    pub fn start(self) -> i64 {
        let monday = NaiveDate::from_isoywd_opt(self.year, self.week, Weekday::Mon).unwrap_or_default();
        let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap_or_default();
        (monday - epoch).num_days() * DAY - BEIJING_OFFSET
    }

    /// The first second after the week.
    pub fn end(self) -> i64 {
        self.start() + WEEK
    }

    /// The week `n` weeks later (earlier when `n` is negative).
    pub fn plus(self, n: i64) -> IsoWeek {
        IsoWeek::of_timestamp(self.start() + n * WEEK)
    }

    /// Whole weeks from `self` to `other` (positive when `other` is later).
    pub fn weeks_until(self, other: IsoWeek) -> i64 {
        (other.start() - self.start()) / WEEK
    }

    /// The ISO year.
    pub fn year(self) -> i32 {
        self.year
    }

    /// The week number, 1–53.
    pub fn week(self) -> u32 {
        self.week
    }
}

impl fmt::Display for IsoWeek {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-W{:02}", self.year, self.week)
    }
}

impl std::str::FromStr for IsoWeek {
    type Err = RiskError;
    fn from_str(s: &str) -> Result<IsoWeek, RiskError> {
        IsoWeek::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_round_trips() {
        let w = IsoWeek::parse("2026-W48").unwrap();
        assert_eq!((w.year(), w.week()), (2026, 48));
        assert_eq!(w.to_string(), "2026-W48");
        assert_eq!(IsoWeek::parse("2026w5").unwrap().to_string(), "2026-W05");
        // 2026-W48 starts Monday 2026-11-23 00:00 Beijing = 2026-11-22T16:00Z.
        assert_eq!(w.start(), 1_795_363_200);
        assert_eq!(IsoWeek::of_timestamp(w.start()), w);
        assert_eq!(IsoWeek::of_timestamp(w.start() - 1), w.plus(-1));
        assert_eq!(IsoWeek::of_timestamp(w.end() - 1), w);
        assert_eq!(w.plus(6).to_string(), "2027-W01");
        assert_eq!(w.weeks_until(w.plus(6)), 6);
    }

    #[test]
    fn week_format_errors_say_what_is_wrong() {
        for (text, needle) in [
            ("2026-48", "YYYY-Www"),
            ("26-W48", "four digits"),
            ("2026-W", "one or two digits"),
            ("2026-W480", "one or two digits"),
            ("2026-W00", "from 1"),
            ("2026-W54", "fewer weeks"),
            ("2025-W53", "fewer weeks"),
            ("", "YYYY-Www"),
            ("二〇二六-W48", "four digits"),
        ] {
            let e = IsoWeek::parse(text).unwrap_err();
            let msg = e.to_string();
            assert!(msg.contains(needle), "{text:?}: {msg}");
            assert!(msg.contains(&format!("{text:?}")), "{msg} names the input");
        }
        assert!(IsoWeek::parse("2026-W53").is_ok());
    }
}
