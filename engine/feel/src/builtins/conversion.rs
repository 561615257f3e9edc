//! Conversion built-ins: `string`, `number`, `date`, `time`, `date and time`, `duration`,
//! `years and months duration`. Pure; text that does not match the FEEL/ISO forms gives null.

use jiff::civil;

use super::arg;
use crate::number::Number;
use crate::temporal::{self, Date, DateTime, Time, YearMonthDuration, Zone};
use crate::value::Value;

fn int(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.to_i64(),
        _ => None,
    }
}

fn number_from(a: &[Value]) -> Option<Value> {
    let Value::String(s) = arg(a, 0) else {
        return None;
    };
    let group = match arg(a, 1) {
        Value::Null => None,
        Value::String(g) if [" ", ",", "."].contains(&g.as_str()) => Some(g.as_str()),
        _ => return None,
    };
    let dec = match arg(a, 2) {
        Value::Null => None,
        Value::String(d) if [",", "."].contains(&d.as_str()) => Some(d.as_str()),
        _ => return None,
    };
    if group.is_some() && group == dec {
        return None;
    }
    let mut t = s.clone();
    if let Some(g) = group {
        t = t.replace(g, "");
    }
    if let Some(d) = dec {
        t = t.replace(d, ".");
    }
    let body = t.strip_prefix('-').unwrap_or(&t);
    if body.is_empty()
        || !body.bytes().all(|b| {
            b.is_ascii_digit() || b == b'.' || b == b'e' || b == b'E' || b == b'+' || b == b'-'
        })
    {
        return None;
    }
    Number::parse(&t).map(Value::Number)
}

fn date(a: &[Value]) -> Option<Value> {
    if a.len() >= 3 {
        let y = i16::try_from(int(arg(a, 0))?).ok()?;
        let m = i8::try_from(int(arg(a, 1))?).ok()?;
        let d = i8::try_from(int(arg(a, 2))?).ok()?;
        return civil::Date::new(y, m, d).ok().map(|d| Value::Date(Date(d)));
    }
    match arg(a, 0) {
        Value::String(s) => temporal::parse_date(s).map(Value::Date),
        Value::Date(d) => Some(Value::Date(*d)),
        Value::DateTime(dt) => Some(Value::Date(Date(dt.dt.date()))),
        _ => None,
    }
}

fn time(a: &[Value]) -> Option<Value> {
    if a.len() >= 3 {
        let h = i8::try_from(int(arg(a, 0))?).ok()?;
        let m = i8::try_from(int(arg(a, 1))?).ok()?;
        let Value::Number(sec) = arg(a, 2) else {
            return None;
        };
        let whole = sec.trunc_i64()?;
        let nanos = sec
            .sub(&Number::from(whole))?
            .mul(&Number::from(1_000_000_000))?
            .trunc_i64()?;
        let zone = match arg(a, 3) {
            Value::Null => None,
            Value::DayTimeDuration(d) => {
                Some(Zone::Offset(i32::try_from(d.0 / 1_000_000_000).ok()?))
            }
            _ => return None,
        };
        let t =
            civil::Time::new(h, m, i8::try_from(whole).ok()?, i32::try_from(nanos).ok()?).ok()?;
        return Some(Value::Time(Time { time: t, zone }));
    }
    match arg(a, 0) {
        Value::String(s) => temporal::parse_time(s).map(Value::Time),
        Value::Time(t) => Some(Value::Time(t.clone())),
        Value::DateTime(dt) => Some(Value::Time(Time {
            time: dt.dt.time(),
            zone: dt.zone.clone(),
        })),
        Value::Date(_) => Some(Value::Time(Time {
            time: civil::Time::midnight(),
            zone: Some(Zone::Offset(0)),
        })),
        _ => None,
    }
}

fn date_and_time(a: &[Value]) -> Option<Value> {
    if a.len() >= 2 {
        let d = match arg(a, 0) {
            Value::Date(d) => d.0,
            Value::DateTime(dt) => dt.dt.date(),
            _ => return None,
        };
        let Value::Time(t) = arg(a, 1) else {
            return None;
        };
        return Some(Value::DateTime(DateTime {
            dt: civil::DateTime::from_parts(d, t.time),
            zone: t.zone.clone(),
        }));
    }
    match arg(a, 0) {
        Value::String(s) => temporal::parse_date_time(s).map(Value::DateTime),
        Value::DateTime(dt) => Some(Value::DateTime(dt.clone())),
        Value::Date(d) => Some(Value::DateTime(d.at_midnight())),
        _ => None,
    }
}

fn ym_between(a: &[Value]) -> Option<Value> {
    let civil_of = |v: &Value| match v {
        Value::Date(d) => Some(d.0.to_datetime(civil::Time::midnight())),
        Value::DateTime(dt) => Some(dt.dt),
        _ => None,
    };
    let from = civil_of(arg(a, 0))?;
    let to = civil_of(arg(a, 1))?;
    let months_of = |d: civil::DateTime| i64::from(d.year()) * 12 + i64::from(d.month());
    let rest = |d: civil::DateTime| d.day();
    let mut m = months_of(to) - months_of(from);
    if m > 0 && rest(to) < rest(from) {
        m -= 1;
    } else if m < 0 && rest(to) > rest(from) {
        m += 1;
    }
    Some(Value::YearMonthDuration(YearMonthDuration(m)))
}

/// Dispatches conversion built-ins; `None` when `name` is not one of them.
pub fn call(name: &str, a: &[Value]) -> Option<Value> {
    let r = match name {
        "string" => match arg(a, 0) {
            Value::Null => None,
            Value::String(s) => Some(Value::String(s.clone())),
            v => Some(Value::String(v.to_string())),
        },
        "number" => number_from(a),
        "date" => date(a),
        "time" => time(a),
        "date and time" => date_and_time(a),
        "duration" => match arg(a, 0) {
            Value::String(s) => match temporal::parse_duration(s) {
                Some(temporal::Duration::DayTime(d)) => Some(Value::DayTimeDuration(d)),
                Some(temporal::Duration::YearMonth(d)) => Some(Value::YearMonthDuration(d)),
                None => None,
            },
            _ => None,
        },
        "years and months duration" => ym_between(a),
        _ => return None,
    };
    Some(r.unwrap_or(Value::Null))
}

#[cfg(test)]
mod tests {
    use crate::test_util::show;

    #[test]
    fn conversions() {
        assert_eq!(show("string(date(2026, 1, 2))"), "\"2026-01-02\"");
        assert_eq!(show("number(\"1 000,5\", \" \", \",\")"), "1000.5");
        assert_eq!(show("number(\"abc\")"), "null");
        assert_eq!(show("date(\"2026-13-01\")"), "null");
        assert_eq!(
            show("time(10, 30, 15.5, duration(\"PT1H\"))"),
            "10:30:15.5+01:00"
        );
        assert_eq!(
            show("date and time(date(\"2026-01-01\"), time(\"10:00:00Z\"))"),
            "2026-01-01T10:00:00Z"
        );
        assert_eq!(show("duration(\"P1Y1D\")"), "null");
        assert_eq!(show("string([1, \"a\"])"), "\"[1, \\\"a\\\"]\"");
    }
}
