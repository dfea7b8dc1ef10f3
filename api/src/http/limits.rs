//! `fanzha serve`'s configuration (a TOML file, then `FANZHA_*` environment variables, validated at start) and
//! the per-token rate limit.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Instant;

use axum::http::{HeaderMap, HeaderValue};

use crate::error::{AppError, AppResult};

/// How the server runs. Every field has a working default; see `docs/serve.md`.
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServeConfig {
    /// Address to listen on.
    pub bind: SocketAddr,
    /// Largest request body accepted (413 above it).
    pub body_limit_bytes: usize,
    /// A query running longer is answered 503 `query_timeout`.
    pub query_timeout_ms: u64,
    /// Threads that run store queries, searches and other blocking work (default 4 per core). Bounded so the
    /// server's memory is too: each thread keeps its own allocator cache, and an unbounded pool grew with every
    /// burst of concurrent requests; more threads than this only wait for the cores and the store's connections.
    pub blocking_threads: usize,
    /// Requests per token per minute (a token bucket of this size, refilled evenly).
    pub rate_limit_per_minute: u32,
    /// The weekly pipeline run: `"MON 02:00"` (Beijing time), or `"off"`.
    pub schedule: String,
    /// Community adjacency CSV (`community_a,community_b`) for Gi* hot spots in area statistics.
    pub adjacency: Option<PathBuf>,
    /// Areas CSV (`community,…,lat,lon`, as the generator's `areas.csv`) that places communities on the console's
    /// map.
    pub areas: Option<PathBuf>,
    /// The interchange folder the scheduled pipeline ingests (the bureau's weekly export); without one the
    /// scheduled run re-clusters and re-scores what the store holds.
    pub input: Option<PathBuf>,
}

impl Default for ServeConfig {
    fn default() -> ServeConfig {
        ServeConfig {
            bind: SocketAddr::from(([127, 0, 0, 1], 8080)),
            body_limit_bytes: 1 << 20,
            query_timeout_ms: 10_000,
            blocking_threads: 4 * std::thread::available_parallelism().map_or(2, |n| n.get()),
            rate_limit_per_minute: 6_000,
            schedule: "MON 02:00".into(),
            adjacency: None,
            areas: None,
            input: None,
        }
    }
}

/// When the weekly pipeline runs: a weekday and a time, Beijing time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Schedule {
    pub weekday: chrono::Weekday,
    pub hour: u32,
    pub minute: u32,
}

impl ServeConfig {
    /// Reads `file` (if given), then the environment (`FANZHA_BIND`, `FANZHA_BODY_LIMIT_BYTES`,
    /// `FANZHA_QUERY_TIMEOUT_MS`, `FANZHA_BLOCKING_THREADS`, `FANZHA_RATE_LIMIT_PER_MINUTE`, `FANZHA_SCHEDULE`, `FANZHA_ADJACENCY`, `FANZHA_AREAS`, `FANZHA_INPUT`), and
    /// validates the result. Errors name the file or variable and the field.
    pub fn load(file: Option<&Path>, env: impl Fn(&str) -> Option<String>) -> AppResult<ServeConfig> {
        let mut cfg = match file {
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|e| {
                    AppError::invalid("invalid_config", "config", format!("cannot read {}: {e}", path.display()))
                })?;
                toml::from_str::<ServeConfig>(&text).map_err(|e| {
                    AppError::invalid("invalid_config", "config", format!("{}: {}", path.display(), e.message()))
                })?
            }
            None => ServeConfig::default(),
        };
        fn parsed<T: std::str::FromStr>(var: &str, v: &str) -> AppResult<T>
        where
            T::Err: std::fmt::Display,
        {
            v.trim().parse().map_err(|e| AppError::invalid("invalid_config", var, format!("{v:?}: {e}")))
        }
        if let Some(v) = env("FANZHA_BIND") {
            cfg.bind = parsed("FANZHA_BIND", &v)?;
        }
        if let Some(v) = env("FANZHA_BODY_LIMIT_BYTES") {
            cfg.body_limit_bytes = parsed("FANZHA_BODY_LIMIT_BYTES", &v)?;
        }
        if let Some(v) = env("FANZHA_QUERY_TIMEOUT_MS") {
            cfg.query_timeout_ms = parsed("FANZHA_QUERY_TIMEOUT_MS", &v)?;
        }
        if let Some(v) = env("FANZHA_BLOCKING_THREADS") {
            cfg.blocking_threads = parsed("FANZHA_BLOCKING_THREADS", &v)?;
        }
        if let Some(v) = env("FANZHA_RATE_LIMIT_PER_MINUTE") {
            cfg.rate_limit_per_minute = parsed("FANZHA_RATE_LIMIT_PER_MINUTE", &v)?;
        }
        if let Some(v) = env("FANZHA_SCHEDULE") {
            cfg.schedule = v;
        }
        if let Some(v) = env("FANZHA_ADJACENCY") {
            cfg.adjacency = Some(PathBuf::from(v));
        }
        if let Some(v) = env("FANZHA_AREAS") {
            cfg.areas = Some(PathBuf::from(v));
        }
        if let Some(v) = env("FANZHA_INPUT") {
            cfg.input = Some(PathBuf::from(v));
        }
        cfg.check()?;
        Ok(cfg)
    }

    fn check(&self) -> AppResult<()> {
        let bad = |field: &str, reason: &str| Err(AppError::invalid("invalid_config", field, reason));
        if !(1024..=(64 << 20)).contains(&self.body_limit_bytes) {
            return bad("body_limit_bytes", "must be between 1 KiB and 64 MiB");
        }
        if !(100..=600_000).contains(&self.query_timeout_ms) {
            return bad("query_timeout_ms", "must be between 100 ms and 10 minutes");
        }
        if !(1..=1024).contains(&self.blocking_threads) {
            return bad("blocking_threads", "must be between 1 and 1024");
        }
        if self.rate_limit_per_minute == 0 {
            return bad("rate_limit_per_minute", "must be at least 1");
        }
        self.schedule()?;
        Ok(())
    }

    /// The weekly schedule, `None` when `off`.
    pub fn schedule(&self) -> AppResult<Option<Schedule>> {
        let text = self.schedule.trim();
        if text.eq_ignore_ascii_case("off") {
            return Ok(None);
        }
        let bad = || {
            AppError::invalid("invalid_config", "schedule", format!("{text:?}: expected e.g. \"MON 02:00\" or \"off\""))
        };
        let (day, time) = text.split_once(' ').ok_or_else(bad)?;
        let weekday: chrono::Weekday = day.trim().parse().map_err(|_| bad())?;
        let (h, m) = time.trim().split_once(':').ok_or_else(bad)?;
        let (hour, minute): (u32, u32) = (h.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
        if hour > 23 || minute > 59 {
            return Err(bad());
        }
        Ok(Some(Schedule { weekday, hour, minute }))
    }
}

/// A token bucket per user.
pub struct RateLimiter {
    per_minute: u32,
    buckets: Mutex<HashMap<String, (f64, Instant)>>,
}

/// The outcome of taking one request from a bucket.
#[derive(Debug, Clone, Copy)]
pub struct Quota {
    pub allowed: bool,
    pub limit: u32,
    pub remaining: u32,
    /// Seconds until the bucket is full again (or, when refused, until one request is allowed).
    pub reset: u64,
}

impl Quota {
    /// `RateLimit-Limit`, `RateLimit-Remaining`, `RateLimit-Reset` (and `Retry-After` when refused).
    pub fn write_headers(&self, headers: &mut HeaderMap) {
        let num = |n: u64| HeaderValue::from_str(&n.to_string()).unwrap_or(HeaderValue::from_static("0"));
        headers.insert("ratelimit-limit", num(u64::from(self.limit)));
        headers.insert("ratelimit-remaining", num(u64::from(self.remaining)));
        headers.insert("ratelimit-reset", num(self.reset));
        if !self.allowed {
            headers.insert(axum::http::header::RETRY_AFTER, num(self.reset.max(1)));
        }
    }
}

impl RateLimiter {
    pub fn new(per_minute: u32) -> RateLimiter {
        RateLimiter { per_minute, buckets: Mutex::new(HashMap::new()) }
    }

    /// Takes one request from `who`'s bucket.
    pub fn take(&self, who: &str) -> Quota {
        let capacity = f64::from(self.per_minute);
        let per_second = capacity / 60.0;
        let now = Instant::now();
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        let (tokens, last) = buckets.entry(who.to_string()).or_insert((capacity, now));
        *tokens = (*tokens + now.duration_since(*last).as_secs_f64() * per_second).min(capacity);
        *last = now;
        let allowed = *tokens >= 1.0;
        if allowed {
            *tokens -= 1.0;
        }
        let reset = if allowed {
            ((capacity - *tokens) / per_second).ceil() as u64
        } else {
            ((1.0 - *tokens) / per_second).ceil() as u64
        };
        Quota { allowed, limit: self.per_minute, remaining: *tokens as u32, reset }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_reads_a_file_then_the_environment_and_names_bad_fields() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("serve.toml");
        std::fs::write(&path, "bind = \"127.0.0.1:9000\"\nrate_limit_per_minute = 10\n").unwrap();
        let cfg = ServeConfig::load(Some(&path), |_| None).unwrap();
        assert_eq!((cfg.bind.port(), cfg.rate_limit_per_minute), (9000, 10));
        let env = |k: &str| (k == "FANZHA_BIND").then(|| "127.0.0.1:9100".to_string());
        assert_eq!(ServeConfig::load(Some(&path), env).unwrap().bind.port(), 9100);
        std::fs::write(&path, "bogus = 1\n").unwrap();
        let e = ServeConfig::load(Some(&path), |_| None).unwrap_err();
        assert!(e.message().contains("bogus"), "{}", e.message());
        let e = ServeConfig::load(None, |k| (k == "FANZHA_SCHEDULE").then(|| "someday".into())).unwrap_err();
        assert_eq!(e.field_errors()[0].field, "schedule");
        let threads =
            |v: &'static str| ServeConfig::load(None, move |k| (k == "FANZHA_BLOCKING_THREADS").then(|| v.into()));
        assert_eq!(threads("12").unwrap().blocking_threads, 12);
        assert_eq!(threads("0").unwrap_err().field_errors()[0].field, "blocking_threads");
        assert!(ServeConfig::default().blocking_threads >= 4);
        let s = ServeConfig::default().schedule().unwrap().unwrap();
        assert_eq!((s.weekday, s.hour, s.minute), (chrono::Weekday::Mon, 2, 0));
    }

    #[test]
    fn a_token_bucket_refuses_past_its_size_and_says_when_to_retry() {
        let r = RateLimiter::new(3);
        assert!((0..3).all(|_| r.take("a").allowed));
        let refused = r.take("a");
        assert!(!refused.allowed);
        assert!(refused.reset >= 1);
        assert!(r.take("b").allowed, "buckets are per token");
    }
}
