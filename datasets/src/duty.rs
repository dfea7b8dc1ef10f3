//! Duty hours of prevention staff (staff.csv `duty`): weekly windows in Beijing time, such as
//! `mon-fri 08:30-17:30; sat 09:00-12:00` or a night shift `daily 20:00-08:00`. Urgent warnings go to an officer on
//! duty when one covers the resident's grid.
//!
//! Written by hand: the format is a handful of day names and `HH:MM` times, and no crate parses this kind of
//! opening-hours text in both English and Chinese day names with errors that name the part that is wrong.

use std::fmt;

const DAY_NAMES: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
const DAY_NAMES_FULL: [&str; 7] = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"];
const DAY_NAMES_ZH: [&str; 7] = ["周一", "周二", "周三", "周四", "周五", "周六", "周日"];
const MINUTES_PER_DAY: u16 = 24 * 60;

/// One weekly window: on the given days, from `start` to `end` (minutes after midnight, Beijing time); an `end` at
/// or before `start` runs past midnight into the next day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DutyWindow {
    /// Bit 0 = Monday … bit 6 = Sunday.
    pub days: u8,
    pub start: u16,
    pub end: u16,
}

/// A staff member's duty hours: one or more weekly windows.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Duty(Vec<DutyWindow>);

impl Duty {
    /// Parses `days HH:MM-HH:MM` windows separated by `;` (or `；`). Days: `mon`…`sun` or `周一`…`周日` (`周天`
    /// too), a range `mon-fri`, a list `mon,wed,fri`, or `daily` / `每天`. The error says which part is wrong.
    pub fn parse(text: &str) -> Result<Duty, String> {
        let mut windows = Vec::new();
        for part in text.split([';', '；']).map(str::trim).filter(|s| !s.is_empty()) {
            let (days, hours) = part
                .rsplit_once(char::is_whitespace)
                .ok_or_else(|| format!("{part:?}: expected days and hours, like \"mon-fri 08:30-17:30\""))?;
            let days = parse_days(days.trim()).map_err(|e| format!("{part:?}: {e}"))?;
            let (start, end) = hours
                .split_once('-')
                .ok_or_else(|| format!("{part:?}: hours must be HH:MM-HH:MM, like 08:30-17:30"))?;
            let (start, end) = (
                parse_time(start).map_err(|e| format!("{part:?}: {e}"))?,
                parse_time(end).map_err(|e| format!("{part:?}: {e}"))?,
            );
            if start == end {
                return Err(format!("{part:?}: a window must not start and end at the same time"));
            }
            windows.push(DutyWindow { days, start, end });
        }
        if windows.is_empty() {
            return Err("no duty window given".into());
        }
        Ok(Duty(windows))
    }

    pub fn windows(&self) -> &[DutyWindow] {
        &self.0
    }

    /// The shifts (epoch seconds, [from, to)) that start on the `days` days from `midnight` (a Beijing midnight, as
    /// epoch seconds) onwards; `weekday` is that first day's weekday (0 = Monday).
    pub fn shifts(&self, midnight: i64, weekday: u8, days: u32) -> Vec<(i64, i64)> {
        let mut out = Vec::new();
        for d in 0..days {
            let wd = (u32::from(weekday) + d) % 7;
            let day = midnight + i64::from(d) * 86_400;
            for w in &self.0 {
                if w.days & (1 << wd) != 0 {
                    let end = if w.end > w.start { w.end } else { w.end + MINUTES_PER_DAY };
                    out.push((day + i64::from(w.start) * 60, day + i64::from(end) * 60));
                }
            }
        }
        out
    }
}

impl fmt::Display for Duty {
    /// The canonical form: `mon-fri 08:30-17:30; sat 09:00-12:00`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, w) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{} {}-{}", days_text(w.days), time_text(w.start), time_text(w.end))?;
        }
        Ok(())
    }
}

/// A day's index (Monday = 0) from its English name or any prefix of it of 3 letters or more (`tue`, `tues`), or its
/// Chinese name.
fn day_index(name: &str) -> Option<u8> {
    let lower = name.to_ascii_lowercase();
    DAY_NAMES_FULL
        .iter()
        .position(|d| lower.len() >= 3 && d.starts_with(&lower))
        .or_else(|| DAY_NAMES_ZH.iter().position(|d| *d == name))
        .or_else(|| (name == "周天").then_some(6))
        .map(|i| i as u8)
}

fn parse_days(text: &str) -> Result<u8, String> {
    if matches!(text.to_ascii_lowercase().as_str(), "daily" | "every day") || text == "每天" {
        return Ok(0x7f);
    }
    let mut mask = 0u8;
    for item in text.split([',', '，', '、']).map(str::trim) {
        let bad = || format!("unknown day {item:?}; use mon…sun or 周一…周日, a range mon-fri, or daily");
        match item.split_once(['-', '~', '至']) {
            Some((a, b)) => {
                let (a, b) = (day_index(a.trim()).ok_or_else(bad)?, day_index(b.trim()).ok_or_else(bad)?);
                // A range may wrap the week end: sat-mon.
                let mut d = a;
                loop {
                    mask |= 1 << d;
                    if d == b {
                        break;
                    }
                    d = (d + 1) % 7;
                }
            }
            None => mask |= 1 << day_index(item).ok_or_else(bad)?,
        }
    }
    Ok(mask)
}

fn parse_time(text: &str) -> Result<u16, String> {
    let text = text.trim();
    let bad = || format!("bad time {text:?}: expected HH:MM between 00:00 and 24:00");
    let (h, m) = text.split_once([':', '：']).ok_or_else(bad)?;
    let (h, m): (u16, u16) = (h.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
    if m >= 60 || h > 24 || (h == 24 && m > 0) || text.chars().count() > 5 {
        return Err(bad());
    }
    Ok(h * 60 + m)
}

fn days_text(mask: u8) -> String {
    if mask == 0x7f {
        return "daily".into();
    }
    // Runs of consecutive days, as ranges.
    let mut parts = Vec::new();
    let mut d = 0;
    while d < 7 {
        if mask & (1 << d) == 0 {
            d += 1;
            continue;
        }
        let start = d;
        while d + 1 < 7 && mask & (1 << (d + 1)) != 0 {
            d += 1;
        }
        parts.push(if d > start {
            format!("{}-{}", DAY_NAMES[start], DAY_NAMES[d])
        } else {
            DAY_NAMES[start].to_string()
        });
        d += 1;
    }
    parts.join(",")
}

fn time_text(minutes: u16) -> String {
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duty_hours_parse_and_print_canonically() {
        let d = Duty::parse("Mon-Fri 08:30-17:30；sat 09:00-12:00").unwrap();
        assert_eq!(d.to_string(), "mon-fri 08:30-17:30; sat 09:00-12:00");
        assert_eq!(Duty::parse(&d.to_string()).unwrap(), d);
        assert_eq!(Duty::parse("周一至周五 08:00-18:00").unwrap().to_string(), "mon-fri 08:00-18:00");
        assert_eq!(Duty::parse("每天 20:00-08:00").unwrap().to_string(), "daily 20:00-08:00");
        assert_eq!(Duty::parse("Tues-Thursday 10:00-16:00").unwrap().to_string(), "tue-thu 10:00-16:00");
        assert!(Duty::parse("mo 10:00-16:00").unwrap_err().contains("unknown day \"mo\""));
        assert_eq!(Duty::parse("周六、周日 09：00-12：00").unwrap().to_string(), "sat-sun 09:00-12:00");
        assert_eq!(Duty::parse("mon,wed,fri 09:00-24:00").unwrap().to_string(), "mon,wed,fri 09:00-24:00");
        assert_eq!(Duty::parse("sat-mon 10:00-16:00").unwrap().to_string(), "mon,sat-sun 10:00-16:00");
    }

    #[test]
    fn bad_duty_hours_say_which_part_is_wrong() {
        for (text, needle) in [
            ("", "no duty window"),
            ("weekdays 08:00-17:00", "unknown day \"weekdays\""),
            ("mon-fri 8-17", "bad time \"8\""),
            ("mon-fri 0800", "hours must be HH:MM-HH:MM"),
            ("mon-fri 08:00-25:00", "bad time \"25:00\""),
            ("mon-fri 08:61-17:00", "bad time \"08:61\""),
            ("mon 09:00-09:00", "start and end at the same time"),
            ("08:00-17:00", "expected days and hours"),
        ] {
            let e = Duty::parse(text).unwrap_err();
            assert!(e.contains(needle), "{text:?}: {e}");
        }
    }

    #[test]
    fn shifts_fall_on_their_days_and_run_past_midnight() {
        // 2026-06-22 is a Monday; its Beijing midnight.
        let monday = 1_782_057_600;
        let d = Duty::parse("mon-fri 08:30-17:30; sun 20:00-08:00").unwrap();
        let week = d.shifts(monday, 0, 7);
        assert_eq!(week.len(), 6);
        assert_eq!(week[0], (monday + 8 * 3600 + 1800, monday + 17 * 3600 + 1800));
        let sunday = monday + 6 * 86_400;
        assert_eq!(week[5], (sunday + 20 * 3600, sunday + 86_400 + 8 * 3600));
        // From a Saturday: Saturday has none, Sunday the night shift.
        assert_eq!(d.shifts(monday + 5 * 86_400, 5, 2), vec![(sunday + 20 * 3600, sunday + 86_400 + 8 * 3600)]);
    }
}
