//! The engine's only source of time. Tests use [`ManualClock`] to move time explicitly.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use jiff::Timestamp;

/// Where "now" comes from.
pub trait Clock: Send + Sync + std::fmt::Debug {
    /// The current instant.
    fn now(&self) -> Timestamp;

    /// True for the wall clock: several PostgreSQL nodes then read "now" from the database
    /// instead (one clock for every node's lock expiries and due timers). A manual clock is
    /// never replaced.
    fn is_wall_clock(&self) -> bool {
        false
    }
}

/// The system clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        Timestamp::now()
    }

    fn is_wall_clock(&self) -> bool {
        true
    }
}

/// A clock that only moves when told to (tests, benchmarks of timers).
#[derive(Debug, Clone)]
pub struct ManualClock {
    ms: Arc<AtomicI64>,
}

impl ManualClock {
    /// A clock standing at `start`.
    pub fn new(start: Timestamp) -> Self {
        ManualClock {
            ms: Arc::new(AtomicI64::new(start.as_millisecond())),
        }
    }

    /// Moves the clock forward by `ms` milliseconds.
    pub fn advance_ms(&self, ms: i64) {
        self.ms.fetch_add(ms, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Timestamp {
        Timestamp::from_millisecond(self.ms.load(Ordering::SeqCst)).unwrap_or(Timestamp::UNIX_EPOCH)
    }
}

/// RFC 3339 UTC with milliseconds (`2026-11-21T20:54:35.123Z`), the API's timestamp format.
pub fn format_ms(ms: i64) -> String {
    match Timestamp::from_millisecond(ms) {
        Ok(ts) => ts.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string(),
        Err(_) => String::from("1970-01-01T00:00:00.000Z"),
    }
}

/// Parses an RFC 3339 timestamp (any offset) to epoch milliseconds.
pub fn parse_ms(text: &str) -> Option<i64> {
    text.parse::<Timestamp>().ok().map(|t| t.as_millisecond())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_with_milliseconds_in_utc() {
        assert_eq!(format_ms(1_795_294_475_123), "2026-11-21T20:54:35.123Z");
        assert_eq!(
            parse_ms("2026-11-21T21:54:35.123+01:00"),
            Some(1_795_294_475_123)
        );
    }

    #[test]
    fn manual_clock_moves_only_when_told() {
        let c = ManualClock::new(Timestamp::from_millisecond(1000).unwrap());
        assert_eq!(c.now().as_millisecond(), 1000);
        c.advance_ms(500);
        assert_eq!(c.now().as_millisecond(), 1500);
    }
}
