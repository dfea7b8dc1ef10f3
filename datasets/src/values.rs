//! Scalar values of the interchange format: exact money (`Fen`) and Beijing-time timestamps (`Timestamp`).

use std::fmt;

use chrono::{DateTime, Datelike, FixedOffset, NaiveDateTime, TimeZone, Timelike};

/// An amount of money in fen (1/100 yuan), stored exactly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Fen(pub i64);

/// Why a yuan amount could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AmountError {
    #[error("not a number")]
    NotANumber,
    #[error("negative amount")]
    Negative,
    #[error("more than 2 decimals")]
    TooManyDecimals,
    #[error("amount too large")]
    TooLarge,
}

impl Fen {
    /// Parses a non-negative yuan amount with at most two decimals (`1234`, `1234.5`, `1,234.56`, `¥1234`).
    pub fn parse_yuan(s: &str) -> Result<Fen, AmountError> {
        let t = s.trim().trim_start_matches(['¥', '￥']).trim();
        let t = t.strip_suffix('元').unwrap_or(t).trim();
        if t.starts_with('-') {
            return Err(AmountError::Negative);
        }
        let t = t.strip_prefix('+').unwrap_or(t);
        let cleaned: String = t.chars().filter(|c| *c != ',').collect();
        let (int, frac) = match cleaned.split_once('.') {
            Some((i, f)) => (i, f),
            None => (cleaned.as_str(), ""),
        };
        if (int.is_empty() && frac.is_empty())
            || !int.bytes().all(|b| b.is_ascii_digit())
            || !frac.bytes().all(|b| b.is_ascii_digit())
        {
            return Err(AmountError::NotANumber);
        }
        if frac.len() > 2 {
            return Err(AmountError::TooManyDecimals);
        }
        let yuan: i64 = if int.is_empty() { 0 } else { int.parse().map_err(|_| AmountError::TooLarge)? };
        let mut cents: i64 = if frac.is_empty() { 0 } else { frac.parse().map_err(|_| AmountError::NotANumber)? };
        if frac.len() == 1 {
            cents *= 10;
        }
        yuan.checked_mul(100).and_then(|v| v.checked_add(cents)).map(Fen).ok_or(AmountError::TooLarge)
    }

    /// The amount in yuan as a float, for statistics only (never for storage).
    pub fn yuan_f64(self) -> f64 {
        self.0 as f64 / 100.0
    }
}

impl fmt::Display for Fen {
    /// Formats as yuan with two decimals, e.g. `1234.50`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let a = self.0.unsigned_abs();
        write!(f, "{sign}{}.{:02}", a / 100, a % 100)
    }
}

/// A point in time, as seconds since the Unix epoch. Files carry Beijing time (UTC+8).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(pub i64);

/// Why a timestamp could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("expected RFC 3339 (2026-03-01T09:30:00+08:00) or `YYYY-MM-DD HH:MM:SS` in Beijing time")]
pub struct TimestampError;

/// Beijing time, the offset assumed for timestamps written without one.
pub fn beijing() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("UTC+8 is a valid offset")
}

impl Timestamp {
    /// Parses RFC 3339, or `YYYY-MM-DD HH:MM:SS` / `YYYY-MM-DDTHH:MM:SS` / `YYYY/MM/DD HH:MM:SS` /
    /// `YYYY-MM-DD` taken as Beijing time.
    pub fn parse(s: &str) -> Result<Timestamp, TimestampError> {
        let t = s.trim();
        if let Ok(dt) = DateTime::parse_from_rfc3339(t) {
            return Ok(Timestamp(dt.timestamp()));
        }
        for fmt in ["%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y/%m/%d %H:%M:%S", "%Y-%m-%d %H:%M"] {
            if let Ok(naive) = NaiveDateTime::parse_from_str(t, fmt) {
                return Self::from_beijing(naive).ok_or(TimestampError);
            }
        }
        if let Ok(d) = chrono::NaiveDate::parse_from_str(t, "%Y-%m-%d") {
            return Self::from_beijing(d.and_hms_opt(0, 0, 0).ok_or(TimestampError)?).ok_or(TimestampError);
        }
        Err(TimestampError)
    }

    fn from_beijing(naive: NaiveDateTime) -> Option<Timestamp> {
        beijing().from_local_datetime(&naive).single().map(|dt| Timestamp(dt.timestamp()))
    }

    /// This instant in Beijing time.
    pub fn to_beijing(self) -> DateTime<FixedOffset> {
        DateTime::from_timestamp(self.0, 0).unwrap_or_default().with_timezone(&beijing())
    }
}

impl fmt::Display for Timestamp {
    /// RFC 3339 in Beijing time, e.g. `2026-03-01T09:30:00+08:00`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let t = self.to_beijing();
        if (0..=9999).contains(&t.year()) {
            // What `%Y-%m-%dT%H:%M:%S%:z` gives for four-digit years, without interpreting a format string.
            let (d, h) = (t.date_naive(), t.time());
            write!(
                f,
                "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}+08:00",
                d.year(),
                d.month(),
                d.day(),
                h.hour(),
                h.minute(),
                h.second()
            )
        } else {
            write!(f, "{}", t.format("%Y-%m-%dT%H:%M:%S%:z"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yuan_amounts_are_exact() {
        assert_eq!(Fen::parse_yuan("1234"), Ok(Fen(123_400)));
        assert_eq!(Fen::parse_yuan("1234.5"), Ok(Fen(123_450)));
        assert_eq!(Fen::parse_yuan("0.07"), Ok(Fen(7)));
        assert_eq!(Fen::parse_yuan("1,234.56"), Ok(Fen(123_456)));
        assert_eq!(Fen::parse_yuan("¥20"), Ok(Fen(2_000)));
        assert_eq!(Fen::parse_yuan("-5"), Err(AmountError::Negative));
        assert_eq!(Fen::parse_yuan("5.123"), Err(AmountError::TooManyDecimals));
        assert_eq!(Fen::parse_yuan("abc"), Err(AmountError::NotANumber));
        assert_eq!(Fen::parse_yuan(""), Err(AmountError::NotANumber));
        assert_eq!(Fen::parse_yuan("."), Err(AmountError::NotANumber));
        assert_eq!(Fen::parse_yuan("99999999999999999999"), Err(AmountError::TooLarge));
        assert_eq!(Fen(123_450).to_string(), "1234.50");
    }

    #[test]
    fn timestamp_display_matches_the_rfc3339_format_string() {
        let chrono_text = |t: Timestamp| t.to_beijing().format("%Y-%m-%dT%H:%M:%S%:z").to_string();
        // Epoch, leap days, year ends around the +08:00 shift, and the four-digit-year bounds.
        let mut cases = vec![0, -1, 951_753_600, 1_709_164_799, 1_767_196_799, 1_767_196_800, -62_167_248_000];
        cases.extend([253_402_271_999, 253_402_272_000, -62_167_248_001]);
        cases.extend((0..2_000).map(|i| -2_000_000_000 + i * 2_345_678_901_i64 % 4_000_000_000));
        for secs in cases {
            assert_eq!(Timestamp(secs).to_string(), chrono_text(Timestamp(secs)), "{secs}");
        }
    }

    #[test]
    fn timestamps_default_to_beijing() {
        let a = Timestamp::parse("2026-03-01 09:30:00").unwrap();
        let b = Timestamp::parse("2026-03-01T01:30:00Z").unwrap();
        let c = Timestamp::parse("2026-03-01T09:30:00+08:00").unwrap();
        assert_eq!(a, b);
        assert_eq!(a, c);
        assert_eq!(a.to_string(), "2026-03-01T09:30:00+08:00");
        assert!(Timestamp::parse("2026-13-01 00:00:00").is_err());
        assert!(Timestamp::parse("yesterday").is_err());
    }
}
