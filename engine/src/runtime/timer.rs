//! Timer values: ISO 8601 dates, durations and repeating intervals turned into a due instant.
//!
//! Pure functions of the text and the step's `now`; timers themselves are rows in the database.

use jiff::{Span, SpanRelativeTo, Timestamp, Zoned, civil::DateTime, tz::TimeZone};

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
        // A date that is a duration is that long from now (Camunda 7's due date calendar).
        TimerKind::Date if value.starts_with('P') => add_duration(now, value).ok_or_else(|| {
            err("expected an ISO 8601 date-time such as 2026-01-01T10:00:00Z, or a duration such as PT1H")
        })?,
        TimerKind::Date => parse_date_time(value).ok_or_else(|| {
            err("expected an ISO 8601 date-time such as 2026-01-01T10:00:00Z, or a duration such as PT1H")
        })?,
        TimerKind::Duration => add_duration(now, value)
            .ok_or_else(|| err("expected an ISO 8601 duration such as PT5M or P1D"))?,
        TimerKind::Cycle => {
            let cycle = Cycle::parse(value)?;
            let due = cycle
                .first_due(now)
                .ok_or_else(|| err("the cycle has already ended"))?;
            return Ok(due);
        }
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

/// A repeating timer: an ISO 8601 repeating interval or a cron expression.
#[derive(Debug, Clone)]
pub struct Cycle {
    /// How many times it fires in all (`R3`: 3); `None`: without end (`R/...`, cron).
    pub repetitions: Option<u32>,
    schedule: Schedule,
}

#[derive(Debug, Clone)]
enum Schedule {
    /// `R[n]/[start/]<duration>[/end]`.
    Interval {
        start: Option<Timestamp>,
        every: Span,
        end: Option<Timestamp>,
    },
    /// A cron expression (UTC).
    Cron(keel_bpmn::cron::Cron),
}

impl Cycle {
    /// Parses `R[n]/<duration>`, `R[n]/<start>/<duration>`, `R[n]/<duration>/<end>` or a cron
    /// expression.
    pub fn parse(value: &str) -> Result<Cycle, TimerError> {
        let value = value.trim();
        let err = |reason: String| TimerError {
            value: value.to_owned(),
            reason,
        };
        let Some(rest) = value.strip_prefix('R') else {
            let cron = keel_bpmn::cron::Cron::parse(value).map_err(|e| {
                err(format!(
                    "expected an ISO 8601 repeating interval such as R3/PT10M or a cron expression: {e}"
                ))
            })?;
            return Ok(Cycle {
                repetitions: None,
                schedule: Schedule::Cron(cron),
            });
        };
        let bad = || err("expected an ISO 8601 repeating interval such as R3/PT10M".to_owned());
        let mut parts = rest.split('/');
        let count = parts.next().unwrap_or_default();
        let repetitions = if count.is_empty() {
            None
        } else {
            let n = count.parse::<u32>().map_err(|_| bad())?;
            if n == 0 {
                return Err(err("a cycle repeats at least once (R1 or more)".to_owned()));
            }
            Some(n)
        };
        let parts: Vec<&str> = parts.collect();
        let duration = |t: &str| {
            t.parse::<Span>()
                .ok()
                .filter(|s| !s.is_negative() && !s.is_zero())
        };
        let schedule = match parts.as_slice() {
            [d] => Schedule::Interval {
                start: None,
                every: duration(d).ok_or_else(bad)?,
                end: None,
            },
            [a, b] => match parse_date_time(a) {
                Some(start) => Schedule::Interval {
                    start: Some(start),
                    every: duration(b).ok_or_else(bad)?,
                    end: None,
                },
                None => Schedule::Interval {
                    start: None,
                    every: duration(a).ok_or_else(bad)?,
                    end: Some(parse_date_time(b).ok_or_else(bad)?),
                },
            },
            _ => return Err(bad()),
        };
        Ok(Cycle {
            repetitions,
            schedule,
        })
    }

    /// The first due instant (epoch ms), from `now`; `None` when the cycle has already ended.
    pub fn first_due(&self, now: &Zoned) -> Option<i64> {
        match &self.schedule {
            Schedule::Interval {
                start: Some(start), ..
            } => Some(start.as_millisecond()),
            Schedule::Interval { every, end, .. } => {
                let due = now.checked_add(*every).ok()?.timestamp();
                within(due, *end)
            }
            Schedule::Cron(cron) => cron.next_after(now.timestamp()).map(|t| t.as_millisecond()),
        }
    }

    /// The due instant after a firing that was due at `due_ms`: the first one of the cycle after
    /// `now` (reckoned from the due time, not from `now`, so the cycle does not drift; periods
    /// missed while the engine was down are skipped, not fired one by one). `None` when the
    /// cycle has ended. Repetitions are counted by the caller.
    pub fn next_due(&self, due_ms: i64, now: &Zoned) -> Option<i64> {
        let now_ms = now.timestamp().as_millisecond();
        match &self.schedule {
            Schedule::Interval { every, end, .. } => {
                // A fixed-length period (no months or years) jumps over missed periods at once.
                let fixed = every
                    .total((jiff::Unit::Millisecond, SpanRelativeTo::days_are_24_hours()))
                    .ok()
                    .filter(|ms| *ms >= 1.0 && *ms < 1e15)
                    .map(|ms| ms as i64);
                if let Some(ms) = fixed {
                    let periods = now_ms.saturating_sub(due_ms).max(0) / ms + 1;
                    let due = due_ms.checked_add(periods.checked_mul(ms)?)?;
                    return within(Timestamp::from_millisecond(due).ok()?, *end);
                }
                // Calendar periods step, a bounded number of times.
                let mut due = Timestamp::from_millisecond(due_ms)
                    .ok()?
                    .to_zoned(TimeZone::UTC);
                for _ in 0..100_000 {
                    due = due.checked_add(*every).ok()?;
                    if due.timestamp().as_millisecond() > now_ms {
                        return within(due.timestamp(), *end);
                    }
                }
                None
            }
            Schedule::Cron(cron) => {
                let from = Timestamp::from_millisecond(due_ms.max(now_ms)).ok()?;
                cron.next_after(from).map(|t| t.as_millisecond())
            }
        }
    }
}

/// `due` unless it lies after the cycle's `end`.
fn within(due: Timestamp, end: Option<Timestamp>) -> Option<i64> {
    match end {
        Some(end) if due > end => None,
        _ => Some(due.as_millisecond()),
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
        // A date given as a duration is that long from now (Camunda 7).
        assert_eq!(
            parse_due(TimerKind::Date, "P2DT2H30M", &n).unwrap(),
            ms("2026-11-23T12:30:00Z")
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
        assert!(parse_due(TimerKind::Cycle, "R0/PT1M", &n).is_err());
        assert!(parse_due(TimerKind::Cycle, "R/PT0S", &n).is_err());
        assert!(parse_due(TimerKind::Date, "2026-13-01T00:00:00Z", &n).is_err());
        assert!(parse_due(TimerKind::Date, "PT", &n).is_err());
        assert!(parse_due(TimerKind::Date, "P-1D", &n).is_err());
    }

    #[test]
    fn cycles_reschedule_from_the_due_time_and_skip_missed_periods() {
        let n = now(); // 10:00
        let c = Cycle::parse("R3/PT10M").unwrap();
        assert_eq!(c.repetitions, Some(3));
        let first = c.first_due(&n).unwrap();
        assert_eq!(first, ms("2026-11-21T10:10:00Z"));
        // Fired on time: the next one is one period after the due time.
        let at = |s: &str| s.parse::<Timestamp>().unwrap().to_zoned(TimeZone::UTC);
        assert_eq!(
            c.next_due(first, &at("2026-11-21T10:10:00Z")),
            Some(ms("2026-11-21T10:20:00Z"))
        );
        // Fired late (10:13): still on the grid of the due time.
        assert_eq!(
            c.next_due(first, &at("2026-11-21T10:13:00Z")),
            Some(ms("2026-11-21T10:20:00Z"))
        );
        // Fired after an hour of downtime: the first due time after now, once.
        assert_eq!(
            c.next_due(first, &at("2026-11-21T11:15:00Z")),
            Some(ms("2026-11-21T11:20:00Z"))
        );
        let monthly = Cycle::parse("R/2026-01-31T00:00:00Z/P1M").unwrap();
        assert_eq!(monthly.repetitions, None);
        assert_eq!(monthly.first_due(&n), Some(ms("2026-01-31T00:00:00Z")));
        assert_eq!(
            monthly.next_due(ms("2026-10-31T00:00:00Z"), &n),
            Some(ms("2026-11-30T00:00:00Z"))
        );
        let ending = Cycle::parse("R/PT1H/2026-11-21T11:30:00Z").unwrap();
        assert_eq!(ending.first_due(&n), Some(ms("2026-11-21T11:00:00Z")));
        assert_eq!(
            ending.next_due(ms("2026-11-21T11:00:00Z"), &at("2026-11-21T11:00:00Z")),
            None
        );
        let cron = Cycle::parse("0 0 9 * * MON-FRI").unwrap();
        // 2026-11-21 is a Saturday.
        assert_eq!(cron.first_due(&n), Some(ms("2026-11-23T09:00:00Z")));
        assert_eq!(
            cron.next_due(ms("2026-11-23T09:00:00Z"), &at("2026-11-25T12:00:00Z")),
            Some(ms("2026-11-26T09:00:00Z"))
        );
        assert_eq!(
            parse_due(TimerKind::Cycle, "0 9 * * *", &n).unwrap(),
            ms("2026-11-22T09:00:00Z")
        );
    }
}
