//! Cron expressions for timer cycles (`timeCycle`), as Camunda 8 (Spring) and Camunda 7 (Quartz)
//! write them, plus classic five-field cron.
//!
//! Six fields `second minute hour day-of-month month day-of-week` (Spring, Quartz), an optional
//! seventh `year` (Quartz), or five fields `minute hour day-of-month month day-of-week` (Unix,
//! seconds 0). Each field is `*`, `?` (day fields), a value, a range `a-b`, a step `*/n`, `a/n`
//! or `a-b/n`, or a comma-separated list of those; months and days of the week also by name
//! (`JAN`, `MON-FRI`). Days of the week count from Sunday = 0 (7 is Sunday too), as in Spring
//! and Unix; Quartz counts from Sunday = 1, so numbers mean another day there: use names.
//! With six or seven fields a time matches when both day fields match (Spring); with five
//! fields, when either restricted day field matches (Unix). Macros: `@yearly`, `@annually`,
//! `@monthly`, `@weekly`, `@daily`, `@midnight`, `@hourly`. Quartz's `L`, `W` and `#` are
//! refused. Times are UTC. Pure: no clock, no I/O.

use jiff::Timestamp;
use jiff::civil::{Date, DateTime};
use jiff::tz::TimeZone;

/// A parsed cron expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cron {
    seconds: u64,
    minutes: u64,
    hours: u64,
    days_of_month: u64,
    months: u64,
    days_of_week: u64,
    /// Matching years (bit `y - FIRST_YEAR`); `None`: every year.
    years: Option<Vec<bool>>,
    /// Five-field cron with both day fields restricted: either may match.
    either_day: bool,
}

/// Years a cron expression can name.
const FIRST_YEAR: i32 = 1970;
const LAST_YEAR: i32 = 2199;

const MONTHS: [&str; 12] = [
    "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
];
const DAYS: [&str; 7] = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

/// One field's rules: its range and its names.
struct Field {
    name: &'static str,
    min: u32,
    max: u32,
    names: &'static [&'static str],
    /// The value of the first name (1 for months, 0 for days of the week).
    names_from: u32,
}

const SECOND: Field = Field {
    name: "second",
    min: 0,
    max: 59,
    names: &[],
    names_from: 0,
};
const MINUTE: Field = Field {
    name: "minute",
    min: 0,
    max: 59,
    names: &[],
    names_from: 0,
};
const HOUR: Field = Field {
    name: "hour",
    min: 0,
    max: 23,
    names: &[],
    names_from: 0,
};
const DAY_OF_MONTH: Field = Field {
    name: "day of month",
    min: 1,
    max: 31,
    names: &[],
    names_from: 0,
};
const MONTH: Field = Field {
    name: "month",
    min: 1,
    max: 12,
    names: &MONTHS,
    names_from: 1,
};
const DAY_OF_WEEK: Field = Field {
    name: "day of week",
    min: 0,
    max: 7,
    names: &DAYS,
    names_from: 0,
};
const YEAR: Field = Field {
    name: "year",
    min: FIRST_YEAR as u32,
    max: LAST_YEAR as u32,
    names: &[],
    names_from: 0,
};

impl Cron {
    /// Parses a cron expression; the error says what is wrong.
    pub fn parse(text: &str) -> Result<Cron, String> {
        let text = text.trim();
        let expanded = match text.to_ascii_lowercase().as_str() {
            "@yearly" | "@annually" => "0 0 0 1 1 *",
            "@monthly" => "0 0 0 1 * *",
            "@weekly" => "0 0 0 * * 0",
            "@daily" | "@midnight" => "0 0 0 * * *",
            "@hourly" => "0 0 * * * *",
            _ => text,
        };
        let fields: Vec<&str> = expanded.split_whitespace().collect();
        let (second, rest) = match fields.len() {
            5 => ("0", &fields[..]),
            6 | 7 => (fields[0], &fields[1..]),
            n => return Err(format!("a cron expression has 5, 6 or 7 fields, not {n}")),
        };
        let [minute, hour, dom, month, dow, year @ ..] = rest else {
            return Err("a cron expression has 5, 6 or 7 fields".to_owned());
        };
        let any = |f: &str| f == "*" || f == "?";
        let either_day = fields.len() == 5 && !any(dom) && !any(dow);
        let mut days_of_week = parse_field(dow, &DAY_OF_WEEK)?;
        // 7 is Sunday too.
        if days_of_week & (1 << 7) != 0 {
            days_of_week = (days_of_week & !(1 << 7)) | 1;
        }
        let years = match year.first() {
            None => None,
            Some(y) if any(y) => None,
            Some(y) => {
                let mask = parse_years(y)?;
                Some(mask)
            }
        };
        Ok(Cron {
            seconds: parse_field(second, &SECOND)?,
            minutes: parse_field(minute, &MINUTE)?,
            hours: parse_field(hour, &HOUR)?,
            days_of_month: parse_field(dom, &DAY_OF_MONTH)?,
            months: parse_field(month, &MONTH)?,
            days_of_week,
            years,
            either_day,
        })
    }

    /// The first instant strictly after `after` that matches (whole seconds, UTC); `None` when
    /// nothing matches before the year 2200 (e.g. `0 0 0 30 2 *`).
    pub fn next_after(&self, after: Timestamp) -> Option<Timestamp> {
        let start = after.to_zoned(TimeZone::UTC).datetime();
        let mut t = Cursor {
            year: i32::from(start.year()),
            month: u32::try_from(start.month()).ok()?,
            day: u32::try_from(start.day()).ok()?,
            hour: u32::try_from(start.hour()).ok()?,
            minute: u32::try_from(start.minute()).ok()?,
            second: u32::try_from(start.second()).ok()?,
        };
        t.next_second();
        // Each pass moves to the next candidate of one field; a few thousand passes cover the
        // two centuries searched.
        for _ in 0..100_000 {
            if t.year > LAST_YEAR {
                return None;
            }
            if !self.year_matches(t.year) {
                t.next_year();
                continue;
            }
            match next_bit(self.months, t.month) {
                Some(m) if m == t.month => {}
                Some(m) => {
                    t.set_month(m);
                    continue;
                }
                None => {
                    t.next_year();
                    continue;
                }
            }
            let days = days_in_month(t.year, t.month)?;
            if t.day > days {
                t.next_month();
                continue;
            }
            if !self.day_matches(t.year, t.month, t.day)? {
                t.next_day();
                continue;
            }
            match next_bit(self.hours, t.hour) {
                Some(h) if h == t.hour => {}
                Some(h) => {
                    t.set_hour(h);
                    continue;
                }
                None => {
                    t.next_day();
                    continue;
                }
            }
            match next_bit(self.minutes, t.minute) {
                Some(m) if m == t.minute => {}
                Some(m) => {
                    t.set_minute(m);
                    continue;
                }
                None => {
                    t.next_hour();
                    continue;
                }
            }
            match next_bit(self.seconds, t.second) {
                Some(s) if s == t.second => return t.timestamp(),
                Some(s) => t.second = s,
                None => t.next_minute(),
            }
        }
        None
    }

    fn year_matches(&self, year: i32) -> bool {
        match &self.years {
            None => true,
            Some(mask) => usize::try_from(year - FIRST_YEAR)
                .ok()
                .and_then(|i| mask.get(i))
                .copied()
                .unwrap_or(false),
        }
    }

    fn day_matches(&self, year: i32, month: u32, day: u32) -> Option<bool> {
        let date = date(year, month, day)?;
        let weekday = u32::try_from(date.weekday().to_sunday_zero_offset()).ok()?;
        let dom = self.days_of_month & (1 << day) != 0;
        let dow = self.days_of_week & (1 << weekday) != 0;
        Some(if self.either_day {
            dom || dow
        } else {
            dom && dow
        })
    }
}

/// A civil UTC time being moved forward field by field.
struct Cursor {
    year: i32,
    month: u32,
    day: u32,
    hour: u32,
    minute: u32,
    second: u32,
}

impl Cursor {
    fn next_year(&mut self) {
        self.year += 1;
        self.set_month(1);
    }
    fn set_month(&mut self, month: u32) {
        self.month = month;
        self.day = 1;
        self.set_hour(0);
    }
    fn next_month(&mut self) {
        if self.month >= 12 {
            self.next_year();
        } else {
            self.set_month(self.month + 1);
        }
    }
    fn next_day(&mut self) {
        // Past the month's end is caught by the caller's days-in-month check.
        self.day += 1;
        self.set_hour(0);
    }
    fn set_hour(&mut self, hour: u32) {
        self.hour = hour;
        self.set_minute(0);
    }
    fn next_hour(&mut self) {
        if self.hour >= 23 {
            self.next_day();
        } else {
            self.set_hour(self.hour + 1);
        }
    }
    fn set_minute(&mut self, minute: u32) {
        self.minute = minute;
        self.second = 0;
    }
    fn next_minute(&mut self) {
        if self.minute >= 59 {
            self.next_hour();
        } else {
            self.set_minute(self.minute + 1);
        }
    }
    fn next_second(&mut self) {
        if self.second >= 59 {
            self.next_minute();
        } else {
            self.second += 1;
        }
    }
    fn timestamp(&self) -> Option<Timestamp> {
        let dt = DateTime::new(
            i16::try_from(self.year).ok()?,
            i8::try_from(self.month).ok()?,
            i8::try_from(self.day).ok()?,
            i8::try_from(self.hour).ok()?,
            i8::try_from(self.minute).ok()?,
            i8::try_from(self.second).ok()?,
            0,
        )
        .ok()?;
        dt.to_zoned(TimeZone::UTC).ok().map(|z| z.timestamp())
    }
}

fn date(year: i32, month: u32, day: u32) -> Option<Date> {
    Date::new(
        i16::try_from(year).ok()?,
        i8::try_from(month).ok()?,
        i8::try_from(day).ok()?,
    )
    .ok()
}

fn days_in_month(year: i32, month: u32) -> Option<u32> {
    date(year, month, 1).and_then(|d| u32::try_from(d.days_in_month()).ok())
}

/// The lowest set bit at or above `from`.
fn next_bit(mask: u64, from: u32) -> Option<u32> {
    if from >= 64 {
        return None;
    }
    let rest = mask >> from;
    (rest != 0).then(|| from + rest.trailing_zeros())
}

/// One field → bit mask of the values it matches.
fn parse_field(text: &str, field: &Field) -> Result<u64, String> {
    let mut mask = 0u64;
    for (lo, hi, step) in items(text, field)? {
        let mut v = lo;
        while v <= hi {
            mask |= 1 << v;
            v += step;
        }
    }
    Ok(mask)
}

fn parse_years(text: &str) -> Result<Vec<bool>, String> {
    let mut mask = vec![false; (LAST_YEAR - FIRST_YEAR + 1) as usize];
    for (lo, hi, step) in items(text, &YEAR)? {
        let mut v = lo;
        while v <= hi {
            if let Some(slot) = mask.get_mut((v - YEAR.min) as usize) {
                *slot = true;
            }
            v += step;
        }
    }
    Ok(mask)
}

/// The `(low, high, step)` ranges of a comma-separated field.
fn items(text: &str, field: &Field) -> Result<Vec<(u32, u32, u32)>, String> {
    let mut out = Vec::new();
    for item in text.split(',') {
        let (range, step) = match item.split_once('/') {
            Some((r, s)) => {
                let step = s.parse::<u32>().ok().filter(|s| *s > 0).ok_or_else(|| {
                    format!(
                        "step '{s}' of the {} field is not a positive number",
                        field.name
                    )
                })?;
                (r, step)
            }
            None => (item, 1),
        };
        let (lo, hi) = if range == "*" || range == "?" {
            if range == "?" && !matches!(field.name, "day of month" | "day of week") {
                return Err(format!(
                    "'?' is only allowed in the day fields, not in the {} field",
                    field.name
                ));
            }
            (field.min, field.max)
        } else if let Some((a, b)) = range.split_once('-') {
            (value(a, field)?, value(b, field)?)
        } else {
            let v = value(range, field)?;
            // `a/n` runs from a to the end of the range.
            (v, if item.contains('/') { field.max } else { v })
        };
        if lo > hi {
            return Err(format!(
                "range '{range}' of the {} field runs backwards",
                field.name
            ));
        }
        out.push((lo, hi, step));
    }
    Ok(out)
}

fn value(text: &str, field: &Field) -> Result<u32, String> {
    let upper = text.to_ascii_uppercase();
    if let Some(i) = field.names.iter().position(|n| *n == upper) {
        return Ok(field.names_from + u32::try_from(i).unwrap_or(0));
    }
    if text.contains(['L', 'W', '#']) {
        return Err(format!(
            "'{text}' in the {} field: the Quartz forms L, W and # are not supported",
            field.name
        ));
    }
    let v = text
        .parse::<u32>()
        .map_err(|_| format!("'{text}' is not a valid {} value", field.name))?;
    if v < field.min || v > field.max {
        return Err(format!(
            "{v} is out of range for the {} field ({}-{})",
            field.name, field.min, field.max
        ));
    }
    Ok(v)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn next(cron: &str, after: &str) -> String {
        Cron::parse(cron)
            .unwrap()
            .next_after(ts(after))
            .unwrap()
            .to_string()
    }

    #[test]
    fn spring_six_fields() {
        // 2030-01-01 is a Tuesday.
        assert_eq!(
            next("0 0 9 * * MON-FRI", "2030-01-01T00:00:00Z"),
            "2030-01-01T09:00:00Z"
        );
        assert_eq!(
            next("0 0 9 * * MON-FRI", "2030-01-01T09:00:00Z"),
            "2030-01-02T09:00:00Z"
        );
        assert_eq!(
            next("0 0 9 * * MON-FRI", "2030-01-04T10:00:00Z"),
            "2030-01-07T09:00:00Z"
        );
        assert_eq!(
            next("*/15 * * * * *", "2030-01-01T00:00:14Z"),
            "2030-01-01T00:00:15Z"
        );
        assert_eq!(
            next("0 30 * * * ?", "2030-01-01T23:45:00Z"),
            "2030-01-02T00:30:00Z"
        );
        assert_eq!(
            next("0 0 0 29 2 *", "2030-03-01T00:00:00Z"),
            "2032-02-29T00:00:00Z"
        );
        assert_eq!(
            next("0 0 12 ? JAN,JUL SUN", "2030-02-01T00:00:00Z"),
            "2030-07-07T12:00:00Z"
        );
        assert_eq!(
            next("0 0 0 * * 7", "2030-01-01T00:00:00Z"),
            "2030-01-06T00:00:00Z"
        );
    }

    #[test]
    fn five_fields_and_macros() {
        assert_eq!(
            next("0 9 * * 1-5", "2030-01-05T00:00:00Z"),
            "2030-01-07T09:00:00Z"
        );
        // Both day fields restricted: either matches (the 13th, or a Friday).
        assert_eq!(
            next("0 0 13 * 5", "2030-01-01T00:00:00Z"),
            "2030-01-04T00:00:00Z"
        );
        assert_eq!(
            next("@daily", "2030-01-01T00:00:00Z"),
            "2030-01-02T00:00:00Z"
        );
        assert_eq!(
            next("@hourly", "2030-01-01T00:59:59Z"),
            "2030-01-01T01:00:00Z"
        );
        assert_eq!(
            next("0 0 0 1 1 ? 2031", "2030-01-01T00:00:00Z"),
            "2031-01-01T00:00:00Z"
        );
    }

    #[test]
    fn impossible_and_invalid() {
        assert_eq!(
            Cron::parse("0 0 0 30 2 *")
                .unwrap()
                .next_after(ts("2030-01-01T00:00:00Z")),
            None
        );
        for bad in [
            "",
            "* * *",
            "0 0 25 * * *",
            "0 0 9 L * ?",
            "0 0 9 ? * 6#3",
            "x * * * * *",
            "0 0 9 * * MON-",
            "5-1 * * * * *",
            "*/0 * * * * *",
            "? * * * * *",
        ] {
            assert!(Cron::parse(bad).is_err(), "{bad}");
        }
    }
}
