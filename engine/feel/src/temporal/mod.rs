//! FEEL temporal values: date, time, date and time (with an offset, an IANA zone or local),
//! days and time duration, years and months duration. Owns parsing from and printing to the
//! ISO 8601 / XML Schema forms FEEL uses, and the calendar arithmetic. Built on `jiff`; never
//! reads the system clock (the current instant comes from `Env::now`).

mod parse;

use std::cmp::Ordering;
use std::fmt;

use jiff::SignedDuration;
use jiff::civil;
use jiff::tz::{Offset, TimeZone};

pub use parse::{parse_date, parse_date_time, parse_duration, parse_time};

const NANOS_PER_SEC: i128 = 1_000_000_000;
const NANOS_PER_DAY: i128 = 86_400 * NANOS_PER_SEC;

/// A time zone attached to a time or date and time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Zone {
    /// A fixed UTC offset in seconds (`Z`, `+02:00`).
    Offset(i32),
    /// An IANA time zone name (`@Europe/Paris`).
    Named(String),
}

impl Zone {
    fn to_tz(&self) -> Option<TimeZone> {
        match self {
            Zone::Offset(s) => Some(TimeZone::fixed(Offset::from_seconds(*s).ok()?)),
            Zone::Named(n) => TimeZone::get(n).ok(),
        }
    }
}

/// A FEEL `date` (proleptic Gregorian, years -9999..=9999).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Date(pub civil::Date);

/// A FEEL `time`: local time of day, optionally with a zone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Time {
    /// Time of day.
    pub time: civil::Time,
    /// Offset or zone; `None` for a local time.
    pub zone: Option<Zone>,
}

/// A FEEL `date and time`, optionally with a zone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DateTime {
    /// Civil date and time.
    pub dt: civil::DateTime,
    /// Offset or zone; `None` for a local date and time.
    pub zone: Option<Zone>,
}

/// A FEEL `days and time duration`, in nanoseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct DayTimeDuration(pub i128);

/// A FEEL `years and months duration`, in months.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct YearMonthDuration(pub i64);

/// Either kind of duration, as parsed from ISO 8601 text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Duration {
    /// `P1DT2H`
    DayTime(DayTimeDuration),
    /// `P1Y2M`
    YearMonth(YearMonthDuration),
}

fn write_frac(f: &mut fmt::Formatter<'_>, nanos: i128) -> fmt::Result {
    if nanos != 0 {
        let s = format!("{nanos:09}");
        write!(f, ".{}", s.trim_end_matches('0'))?;
    }
    Ok(())
}

impl fmt::Display for Zone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Zone::Offset(0) => f.write_str("Z"),
            Zone::Offset(s) => {
                let sign = if *s < 0 { '-' } else { '+' };
                let a = s.unsigned_abs();
                write!(f, "{sign}{:02}:{:02}", a / 3600, (a % 3600) / 60)?;
                if a % 60 != 0 {
                    write!(f, ":{:02}", a % 60)?;
                }
                Ok(())
            }
            Zone::Named(n) => write!(f, "@{n}"),
        }
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let y = self.0.year();
        if y < 0 {
            write!(f, "-{:04}", -i32::from(y))?;
        } else {
            write!(f, "{y:04}")?;
        }
        write!(f, "-{:02}-{:02}", self.0.month(), self.0.day())
    }
}

fn write_time(f: &mut fmt::Formatter<'_>, t: civil::Time, zone: &Option<Zone>) -> fmt::Result {
    write!(f, "{:02}:{:02}:{:02}", t.hour(), t.minute(), t.second())?;
    write_frac(f, i128::from(t.subsec_nanosecond()))?;
    if let Some(z) = zone {
        write!(f, "{z}")?;
    }
    Ok(())
}

impl fmt::Display for Time {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_time(f, self.time, &self.zone)
    }
}

impl fmt::Display for DateTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}T", Date(self.dt.date()))?;
        write_time(f, self.dt.time(), &self.zone)
    }
}

impl fmt::Display for DayTimeDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.0;
        if n == 0 {
            return f.write_str("PT0S");
        }
        if n < 0 {
            f.write_str("-")?;
        }
        let a = n.unsigned_abs() as i128;
        let days = a / NANOS_PER_DAY;
        let rest = a % NANOS_PER_DAY;
        let h = rest / (3600 * NANOS_PER_SEC);
        let m = rest / (60 * NANOS_PER_SEC) % 60;
        let s = rest / NANOS_PER_SEC % 60;
        let sub = rest % NANOS_PER_SEC;
        f.write_str("P")?;
        if days > 0 {
            write!(f, "{days}D")?;
        }
        if rest > 0 {
            f.write_str("T")?;
            if h > 0 {
                write!(f, "{h}H")?;
            }
            if m > 0 {
                write!(f, "{m}M")?;
            }
            if s > 0 || sub > 0 {
                write!(f, "{s}")?;
                write_frac(f, sub)?;
                f.write_str("S")?;
            }
        }
        Ok(())
    }
}

impl fmt::Display for YearMonthDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let m = self.0;
        if m == 0 {
            return f.write_str("P0M");
        }
        if m < 0 {
            f.write_str("-")?;
        }
        let a = m.unsigned_abs();
        f.write_str("P")?;
        if a / 12 > 0 {
            write!(f, "{}Y", a / 12)?;
        }
        if !a.is_multiple_of(12) {
            write!(f, "{}M", a % 12)?;
        }
        Ok(())
    }
}

/// Converts nanoseconds to a jiff duration (`None` when out of range).
pub fn signed(nanos: i128) -> Option<SignedDuration> {
    let secs = i64::try_from(nanos.div_euclid(NANOS_PER_SEC)).ok()?;
    let sub = i32::try_from(nanos.rem_euclid(NANOS_PER_SEC)).ok()?;
    Some(SignedDuration::new(secs, sub))
}

impl DateTime {
    /// The instant in nanoseconds since the epoch, for zoned values.
    pub fn instant(&self) -> Option<i128> {
        let tz = self.zone.as_ref()?.to_tz()?;
        Some(tz.to_zoned(self.dt).ok()?.timestamp().as_nanosecond())
    }

    /// Compares two date and time values: instants when both have zones, civil values when
    /// neither has; `None` when only one has a zone.
    pub fn compare(&self, other: &DateTime) -> Option<Ordering> {
        match (&self.zone, &other.zone) {
            (None, None) => Some(self.dt.cmp(&other.dt)),
            (Some(_), Some(_)) => Some(self.instant()?.cmp(&other.instant()?)),
            _ => None,
        }
    }

    /// `self + d` for a days and time duration.
    pub fn add_nanos(&self, nanos: i128) -> Option<DateTime> {
        let d = signed(nanos)?;
        match &self.zone {
            Some(Zone::Named(_)) => {
                let tz = self.zone.as_ref()?.to_tz()?;
                let z = tz.to_zoned(self.dt).ok()?.checked_add(d).ok()?;
                Some(DateTime {
                    dt: z.datetime(),
                    zone: self.zone.clone(),
                })
            }
            _ => Some(DateTime {
                dt: self.dt.checked_add(d).ok()?,
                zone: self.zone.clone(),
            }),
        }
    }

    /// `self + n months` (day clamped to the month's length).
    pub fn add_months(&self, months: i64) -> Option<DateTime> {
        let date = Date(self.dt.date()).add_months(months)?;
        Some(DateTime {
            dt: civil::DateTime::from_parts(date.0, self.dt.time()),
            zone: self.zone.clone(),
        })
    }

    /// `self - other` as a days and time duration.
    pub fn sub(&self, other: &DateTime) -> Option<DayTimeDuration> {
        match (&self.zone, &other.zone) {
            (None, None) => Some(DayTimeDuration(self.dt.duration_since(other.dt).as_nanos())),
            (Some(_), Some(_)) => Some(DayTimeDuration(self.instant()? - other.instant()?)),
            _ => None,
        }
    }
}

impl Date {
    /// `self + n months` (day clamped to the month's length).
    pub fn add_months(&self, months: i64) -> Option<Date> {
        let total =
            (i64::from(self.0.year()) * 12 + i64::from(self.0.month()) - 1).checked_add(months)?;
        let y = i16::try_from(total.div_euclid(12)).ok()?;
        let m = i8::try_from(total.rem_euclid(12) + 1).ok()?;
        let first = civil::Date::new(y, m, 1).ok()?;
        let day = self.0.day().min(first.last_of_month().day());
        Some(Date(civil::Date::new(y, m, day).ok()?))
    }

    /// Midnight of this date, as a local date and time.
    pub fn at_midnight(&self) -> DateTime {
        DateTime {
            dt: self.0.to_datetime(civil::Time::midnight()),
            zone: None,
        }
    }
}

impl Time {
    /// Seconds-of-day in nanoseconds, shifted to UTC when an offset is known.
    fn utc_nanos(&self) -> i128 {
        let local = self.time.duration_since(civil::Time::midnight()).as_nanos();
        match &self.zone {
            Some(Zone::Offset(s)) => local - i128::from(*s) * NANOS_PER_SEC,
            _ => local,
        }
    }

    /// Compares two times; `None` when only one has a zone.
    pub fn compare(&self, other: &Time) -> Option<Ordering> {
        match (&self.zone, &other.zone) {
            (None, None) => Some(self.time.cmp(&other.time)),
            (Some(_), Some(_)) => Some(self.utc_nanos().cmp(&other.utc_nanos())),
            _ => None,
        }
    }

    /// `self + d`, wrapping around midnight.
    pub fn add_nanos(&self, nanos: i128) -> Option<Time> {
        let d = signed(nanos.rem_euclid(NANOS_PER_DAY))?;
        Some(Time {
            time: self.time.wrapping_add(d),
            zone: self.zone.clone(),
        })
    }

    /// `self - other` as a duration.
    pub fn sub(&self, other: &Time) -> Option<DayTimeDuration> {
        match (&self.zone, &other.zone) {
            (None, None) | (Some(_), Some(_)) => {
                Some(DayTimeDuration(self.utc_nanos() - other.utc_nanos()))
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_parse_and_print() {
        assert_eq!(parse_date("2017-01-31").unwrap().to_string(), "2017-01-31");
        assert!(parse_date("2017-02-30").is_none());
        assert!(parse_date("17-01-01").is_none());
        assert_eq!(
            parse_date("2017-01-31")
                .unwrap()
                .add_months(1)
                .unwrap()
                .to_string(),
            "2017-02-28"
        );
    }

    #[test]
    fn times_and_date_times() {
        assert_eq!(
            parse_time("10:30:00.500+02:00").unwrap().to_string(),
            "10:30:00.5+02:00"
        );
        assert_eq!(parse_time("23:59:00Z").unwrap().to_string(), "23:59:00Z");
        assert_eq!(
            parse_date_time("2018-12-08T10:30:11@Europe/Paris")
                .unwrap()
                .to_string(),
            "2018-12-08T10:30:11@Europe/Paris"
        );
        assert!(parse_date_time("2018-12-08T").is_none());
        let a = parse_date_time("2018-12-08T10:00:00+01:00").unwrap();
        let b = parse_date_time("2018-12-08T09:00:00Z").unwrap();
        assert_eq!(a.compare(&b), Some(Ordering::Equal));
    }

    #[test]
    fn durations() {
        assert_eq!(
            parse_duration("P13M"),
            Some(Duration::YearMonth(YearMonthDuration(13)))
        );
        assert_eq!(YearMonthDuration(13).to_string(), "P1Y1M");
        let Some(Duration::DayTime(d)) = parse_duration("P1DT2H3M4.5S") else {
            panic!()
        };
        assert_eq!(d.to_string(), "P1DT2H3M4.5S");
        assert_eq!(DayTimeDuration(-3_600_000_000_000).to_string(), "-PT1H");
        assert!(parse_duration("P").is_none());
        assert!(parse_duration("PT").is_none());
        assert!(parse_duration("P1Y1D").is_none());
    }
}
