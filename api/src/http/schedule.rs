//! The in-process weekly schedule: sleeps until the next configured time (Beijing) and runs the pipeline; a failed
//! run is logged and listed, and last week's snapshots keep serving.

use std::sync::Arc;

use chrono::{Datelike, Duration, NaiveTime, TimeZone, Timelike};

use super::Shared;
use super::limits::Schedule;

/// The first instant strictly after `now` (epoch seconds) that falls on the schedule, in Beijing time.
pub fn next_run(now: i64, s: Schedule) -> i64 {
    let tz = datasets::beijing();
    let local = tz.timestamp_opt(now, 0).single().unwrap_or_else(|| tz.timestamp_opt(0, 0).unwrap());
    let at = NaiveTime::from_hms_opt(s.hour, s.minute, 0).unwrap_or_default();
    let days_ahead = (7 + s.weekday.num_days_from_monday() as i64 - local.weekday().num_days_from_monday() as i64) % 7;
    let mut date = local.date_naive() + Duration::days(days_ahead);
    let candidate = |d: chrono::NaiveDate| tz.from_local_datetime(&d.and_time(at)).single().map(|t| t.timestamp());
    if days_ahead == 0 && (local.hour(), local.minute(), local.second()) >= (s.hour, s.minute, 0) {
        date += Duration::days(7);
    }
    candidate(date).unwrap_or(now + 7 * 86_400)
}

/// Runs `job` on the schedule until the process ends.
pub async fn run_weekly(state: Shared, schedule: Schedule, job: Arc<dyn Fn(&crate::service::Service) + Send + Sync>) {
    loop {
        let now = crate::service::risk::now();
        let next = next_run(now, schedule);
        tracing::info!(next_run = %datasets::Timestamp(next), "weekly pipeline scheduled");
        tokio::time::sleep(std::time::Duration::from_secs((next - now).max(1) as u64)).await;
        let svc = Arc::clone(&state.svc);
        let job = Arc::clone(&job);
        if let Err(e) = tokio::task::spawn_blocking(move || job(&svc)).await {
            tracing::error!(error = %e, "the scheduled pipeline run panicked");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> i64 {
        datasets::Timestamp::parse(text).unwrap().0
    }

    #[test]
    fn the_next_run_is_the_coming_monday_at_two_beijing_time() {
        let s = Schedule { weekday: chrono::Weekday::Mon, hour: 2, minute: 0 };
        // Sunday 2026-12-06 15:00 → Monday 2026-12-07 02:00.
        assert_eq!(next_run(at("2026-12-06 15:00:00"), s), at("2026-12-07 02:00:00"));
        // Monday 01:59 → the same Monday; Monday 02:00 exactly → a week later.
        assert_eq!(next_run(at("2026-12-07 01:59:00"), s), at("2026-12-07 02:00:00"));
        assert_eq!(next_run(at("2026-12-07 02:00:00"), s), at("2026-12-14 02:00:00"));
        assert_eq!(next_run(at("2026-12-08 09:00:00"), s), at("2026-12-14 02:00:00"));
    }
}
