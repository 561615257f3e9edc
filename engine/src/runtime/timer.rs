//! Timer values: ISO 8601 dates, durations and repeating intervals turned into a due instant.
//!
//! Pure functions of the text and the step's `now`; timers themselves are rows in the database.

use jiff::{Span, Timestamp, Zoned, civil::DateTime, tz::TimeZone};

/// Which kind of timer value is being read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimerKind {
    /// `timeDate`
    Date,
    /// `timeDuration`
    Duration,
    /// `timeCycle`
    Cycle,
}

/// A timer value that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid timer value '{value}': {reason}")]
pub struct TimerError {
    /// The text as evaluated.
    pub value: String,
    /// What is wrong with it.
    pub reason: String,
}

/// The first instant (epoch ms) at which a timer of `kind` with `value` fires, from `now`.
pub fn parse_due(kind: TimerKind, value: &str, now: &Zoned) -> Result<i64, TimerError> {
    let value = value.trim();
    let err = |reason: &str| TimerError {
        value: value.to_owned(),
        reason: reason.to_owned(),
    };
    let due = match kind {
        TimerKind::Date => parse_date_time(value)
            .ok_or_else(|| err("expected an ISO 8601 date-time such as 2026-01-01T10:00:00Z"))?,
        TimerKind::Duration => add_duration(now, value)
            .ok_or_else(|| err("expected an ISO 8601 duration such as PT5M or P1D"))?,
        TimerKind::Cycle => first_of_cycle(value, now)
            .ok_or_else(|| err("expected an ISO 8601 repeating interval such as R3/PT10M"))?,
    };
    Ok(due.as_millisecond())
}

fn parse_date_time(value: &str) -> Option<Timestamp> {
    if let Ok(ts) = value.parse::<Timestamp>() {
        return Some(ts);
    }
    if let Ok(z) = value.parse::<Zoned>() {
        return Some(z.timestamp());
    }
    // A date-time without offset is read as UTC.
    let dt = value.parse::<DateTime>().ok()?;
    dt.to_zoned(TimeZone::UTC).ok().map(|z| z.timestamp())
}

fn add_duration(from: &Zoned, value: &str) -> Option<Timestamp> {
    let span = value.parse::<Span>().ok()?;
    if span.is_negative() {
        return None;
    }
    from.checked_add(span).ok().map(|z| z.timestamp())
}

/// `R[n]/<duration>`, `R[n]/<start>/<duration>` or `R[n]/<duration>/<end>`: the first due time.
fn first_of_cycle(value: &str, now: &Zoned) -> Option<Timestamp> {
    let mut parts = value.split('/');
    let repeat = parts.next()?;
    if !repeat.starts_with('R') {
        return None;
    }
    let rest = &repeat[1..];
    if !rest.is_empty() && rest.parse::<u64>().is_err() {
        return None;
    }
    let a = parts.next()?;
    match parts.next() {
        None => add_duration(now, a),
        Some(b) => {
            if parts.next().is_some() {
                return None;
            }
            if let Some(start) = parse_date_time(a) {
                b.parse::<Span>().ok()?;
                Some(start)
            } else {
                parse_date_time(b)?;
                add_duration(now, a)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> Zoned {
        "2026-11-21T10:00:00Z"
            .parse::<Timestamp>()
            .unwrap()
            .to_zoned(TimeZone::UTC)
    }

    fn ms(s: &str) -> i64 {
        s.parse::<Timestamp>().unwrap().as_millisecond()
    }

    #[test]
    fn dates_durations_and_cycles() {
        let n = now();
        assert_eq!(
            parse_due(TimerKind::Date, "2026-12-01T08:30:00Z", &n).unwrap(),
            ms("2026-12-01T08:30:00Z")
        );
        assert_eq!(
            parse_due(TimerKind::Date, "2026-12-01T08:30:00", &n).unwrap(),
            ms("2026-12-01T08:30:00Z")
        );
        assert_eq!(
            parse_due(TimerKind::Duration, "PT5M", &n).unwrap(),
            ms("2026-11-21T10:05:00Z")
        );
        assert_eq!(
            parse_due(TimerKind::Duration, "P1D", &n).unwrap(),
            ms("2026-11-22T10:00:00Z")
        );
        assert_eq!(
            parse_due(TimerKind::Cycle, "R3/PT10M", &n).unwrap(),
            ms("2026-11-21T10:10:00Z")
        );
        assert_eq!(
            parse_due(TimerKind::Cycle, "R/2026-12-24T00:00:00Z/P1D", &n).unwrap(),
            ms("2026-12-24T00:00:00Z")
        );
    }

    #[test]
    fn rejects_garbage() {
        let n = now();
        for bad in ["", "soon", "-PT5M", "R3", "X/PT1M", "R3/PT1M/PT1M/PT1M"] {
            assert!(parse_due(TimerKind::Cycle, bad, &n).is_err(), "{bad}");
        }
        assert!(parse_due(TimerKind::Duration, "PT", &n).is_err());
        assert!(parse_due(TimerKind::Date, "2026-13-01T00:00:00Z", &n).is_err());
    }
}
