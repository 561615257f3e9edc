//! Parsing of the ISO 8601 / XML Schema text forms FEEL uses for dates, times, date and
//! times (with `Z`, offsets or `@IANA/Zone`) and both kinds of duration. Returns `None` for
//! anything malformed or out of range; never panics.

use jiff::SignedDuration;
use jiff::civil;
use jiff::tz::TimeZone;

use super::{
    Date, DateTime, DayTimeDuration, Duration, NANOS_PER_DAY, NANOS_PER_SEC, Time,
    YearMonthDuration, Zone,
};

fn parse_int(s: &str) -> Option<i64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// Parses `YYYY-MM-DD` (optionally with a leading `-`, years of 4 or more digits).
pub fn parse_date(s: &str) -> Option<Date> {
    let (neg, body) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s),
    };
    let mut parts = body.splitn(3, '-');
    let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
    if y.len() < 4 || (y.len() > 4 && y.starts_with('0')) || m.len() != 2 || d.len() != 2 {
        return None;
    }
    let y = parse_int(y)?;
    let y = if neg { -y } else { y };
    let date = civil::Date::new(
        i16::try_from(y).ok()?,
        i8::try_from(parse_int(m)?).ok()?,
        i8::try_from(parse_int(d)?).ok()?,
    )
    .ok()?;
    Some(Date(date))
}

fn parse_zone(s: &str) -> Option<Option<Zone>> {
    if s.is_empty() {
        return Some(None);
    }
    if s == "Z" || s == "z" {
        return Some(Some(Zone::Offset(0)));
    }
    if let Some(name) = s.strip_prefix('@') {
        TimeZone::get(name).ok()?;
        return Some(Some(Zone::Named(name.to_string())));
    }
    let sign = match s.as_bytes().first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let mut it = s[1..].split(':');
    let h = it.next()?;
    let m = it.next()?;
    let sec = it.next().unwrap_or("00");
    if h.len() != 2 || m.len() != 2 || sec.len() != 2 || it.next().is_some() {
        return None;
    }
    let (h, m, sec) = (parse_int(h)?, parse_int(m)?, parse_int(sec)?);
    if h > 14 || m > 59 || sec > 59 {
        return None;
    }
    Some(Some(Zone::Offset(sign * (h * 3600 + m * 60 + sec) as i32)))
}

/// Parses `HH:MM:SS[.fff][zone]` where zone is `Z`, `+hh:mm` or `@Area/City`.
pub fn parse_time(s: &str) -> Option<Time> {
    if s.len() < 8 || !s.is_char_boundary(8) || !s[..8].is_ascii() {
        return None;
    }
    let (hms, rest) = s.split_at(8);
    let b = hms.as_bytes();
    if b.get(2) != Some(&b':') || b.get(5) != Some(&b':') {
        return None;
    }
    let h = parse_int(&hms[0..2])?;
    let m = parse_int(&hms[3..5])?;
    let sec = parse_int(&hms[6..8])?;
    let (nanos, zone) = match rest.strip_prefix('.') {
        Some(frac) => {
            let end = frac
                .find(|c: char| !c.is_ascii_digit())
                .unwrap_or(frac.len());
            let digits = &frac[..end];
            if digits.is_empty() {
                return None;
            }
            let mut padded = digits.chars().take(9).collect::<String>();
            while padded.len() < 9 {
                padded.push('0');
            }
            (parse_int(&padded)?, &frac[end..])
        }
        None => (0, rest),
    };
    let zone = parse_zone(zone)?;
    let (h, nanos) = if h == 24 && m == 0 && sec == 0 && nanos == 0 {
        (0, 0)
    } else {
        (h, nanos)
    };
    let time = civil::Time::new(
        i8::try_from(h).ok()?,
        i8::try_from(m).ok()?,
        i8::try_from(sec).ok()?,
        i32::try_from(nanos).ok()?,
    )
    .ok()?;
    Some(Time { time, zone })
}

/// Parses `date "T" time` (or a date alone, meaning midnight).
pub fn parse_date_time(s: &str) -> Option<DateTime> {
    match s.find('T') {
        Some(i) => {
            let date = parse_date(&s[..i])?;
            let text = &s[i + 1..];
            let time = parse_time(text)?;
            let dt = civil::DateTime::from_parts(date.0, time.time);
            let dt = if text.starts_with("24:") {
                dt.checked_add(SignedDuration::from_hours(24)).ok()?
            } else {
                dt
            };
            Some(DateTime {
                dt,
                zone: time.zone,
            })
        }
        None => {
            let date = parse_date(s)?;
            Some(DateTime {
                dt: date.0.to_datetime(civil::Time::midnight()),
                zone: None,
            })
        }
    }
}

/// Parses an ISO 8601 duration: `P1Y2M` (years and months) or `P1DT2H3M4.5S` (days and time).
pub fn parse_duration(s: &str) -> Option<Duration> {
    let (neg, body) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s),
    };
    let body = body.strip_prefix('P')?;
    let (date_part, time_part) = match body.find('T') {
        Some(i) => (&body[..i], Some(&body[i + 1..])),
        None => (body, None),
    };
    let mut months: i128 = 0;
    let mut nanos: i128 = 0;
    let (mut has_ym, mut has_dt, mut any) = (false, false, false);
    let mut num = String::new();
    for c in date_part.chars() {
        if c.is_ascii_digit() {
            num.push(c);
            continue;
        }
        let v = i128::from(parse_int(&num)?);
        num.clear();
        match c {
            'Y' => months = months.checked_add(v.checked_mul(12)?)?,
            'M' => months = months.checked_add(v)?,
            'D' => nanos = nanos.checked_add(v.checked_mul(NANOS_PER_DAY)?)?,
            _ => return None,
        }
        if c == 'D' {
            has_dt = true
        } else {
            has_ym = true
        }
        any = true;
    }
    if !num.is_empty() {
        return None;
    }
    if let Some(t) = time_part {
        if t.is_empty() {
            return None;
        }
        let mut frac: Option<String> = None;
        for c in t.chars() {
            if c.is_ascii_digit() {
                match &mut frac {
                    Some(f) => f.push(c),
                    None => num.push(c),
                }
                continue;
            }
            if c == '.' && frac.is_none() {
                frac = Some(String::new());
                continue;
            }
            let v = i128::from(parse_int(&num)?);
            num.clear();
            let unit = match c {
                'H' => 3600 * NANOS_PER_SEC,
                'M' => 60 * NANOS_PER_SEC,
                'S' => NANOS_PER_SEC,
                _ => return None,
            };
            nanos = nanos.checked_add(v.checked_mul(unit)?)?;
            if let Some(f) = frac.take() {
                if c != 'S' {
                    return None;
                }
                if f.is_empty() {
                    has_dt = true;
                    any = true;
                    continue;
                }
                let mut padded: String = f.chars().take(9).collect();
                while padded.len() < 9 {
                    padded.push('0');
                }
                nanos = nanos.checked_add(i128::from(parse_int(&padded)?))?;
            }
            has_dt = true;
            any = true;
        }
        if !num.is_empty() || frac.is_some() {
            return None;
        }
    }
    if !any || (has_ym && has_dt) {
        return None;
    }
    if has_ym {
        let m = i64::try_from(months).ok()?;
        Some(Duration::YearMonth(YearMonthDuration(if neg {
            -m
        } else {
            m
        })))
    } else {
        Some(Duration::DayTime(DayTimeDuration(if neg {
            -nanos
        } else {
            nanos
        })))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_malformed_text() {
        assert!(parse_date("2026-1-01").is_none());
        assert!(parse_date("02026-01-01").is_none());
        assert!(parse_time("25:00:00").is_none());
        assert!(parse_time("10:00:00+15:00").is_none());
        assert!(parse_time("10:00:00@Nowhere/City").is_none());
        assert!(parse_date_time("2026-01-01T10:00").is_none());
        assert_eq!(
            parse_date_time("2026-01-01T24:00:00").map(|d| d.to_string()),
            Some("2026-01-02T00:00:00".into())
        );
        assert!(parse_duration("P1H").is_none());
        assert!(parse_duration("-PT1.5S").is_some());
    }
}
