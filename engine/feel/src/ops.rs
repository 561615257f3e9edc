//! FEEL operator semantics on values: equality, ordering, arithmetic and temporal properties.
//! Type mismatches give `Value::Null` (FEEL semantics); nothing here returns hard errors or
//! looks at variables.

use std::cmp::Ordering;

use crate::ast::{ArithOp, CmpOp};
use crate::number::{Number, Rounding};
use crate::temporal::{DayTimeDuration, YearMonthDuration, Zone};
use crate::value::{Range, Value};

const NANOS_PER_SEC: i128 = 1_000_000_000;

/// FEEL `=`: `Some(bool)`, or `None` (null) when the values are of different kinds.
pub fn equal(a: &Value, b: &Value) -> Option<bool> {
    use Value::*;
    Some(match (a, b) {
        (Null, Null) => true,
        (Null, _) | (_, Null) => false,
        (Bool(x), Bool(y)) => x == y,
        (Number(x), Number(y)) => x == y,
        (String(x), String(y)) => x == y,
        (Date(x), Date(y)) => x == y,
        (Time(x), Time(y)) => match (&x.zone, &y.zone) {
            (None, None) => x.time == y.time,
            _ => x.compare(y)? == Ordering::Equal && (x.zone.is_some() == y.zone.is_some()),
        },
        (DateTime(x), DateTime(y)) => x.compare(y)? == Ordering::Equal,
        (DayTimeDuration(x), DayTimeDuration(y)) => x == y,
        (YearMonthDuration(x), YearMonthDuration(y)) => x == y,
        (List(x), List(y)) => {
            if x.len() != y.len() {
                return Some(false);
            }
            for (p, q) in x.iter().zip(y) {
                if !equal(p, q)? {
                    return Some(false);
                }
            }
            true
        }
        (Context(x), Context(y)) => {
            if x.len() != y.len() {
                return Some(false);
            }
            for (k, v) in x.iter() {
                match y.get(k) {
                    Some(w) => {
                        if !equal(v, w)? {
                            return Some(false);
                        }
                    }
                    None => return Some(false),
                }
            }
            true
        }
        (Range(x), Range(y)) => {
            let same =
                |p: &Option<crate::value::Bound>, q: &Option<crate::value::Bound>| match (p, q) {
                    (None, None) => Some(true),
                    (Some(p), Some(q)) => Some(p.closed == q.closed && equal(&p.value, &q.value)?),
                    _ => Some(false),
                };
            same(&x.start, &y.start)? && same(&x.end, &y.end)?
        }
        (Function(x), Function(y)) => x == y,
        _ => return None,
    })
}

/// FEEL ordering for `< <= > >=`; `None` when the values are not comparable.
pub fn compare(a: &Value, b: &Value) -> Option<Ordering> {
    use Value::*;
    match (a, b) {
        (Number(x), Number(y)) => Some(x.cmp(y)),
        (String(x), String(y)) => Some(x.cmp(y)),
        (Date(x), Date(y)) => Some(x.cmp(y)),
        (Time(x), Time(y)) => x.compare(y),
        (DateTime(x), DateTime(y)) => x.compare(y),
        (DayTimeDuration(x), DayTimeDuration(y)) => Some(x.cmp(y)),
        (YearMonthDuration(x), YearMonthDuration(y)) => Some(x.cmp(y)),
        _ => None,
    }
}

/// Applies a comparison operator with FEEL null semantics.
pub fn apply_cmp(op: CmpOp, a: &Value, b: &Value) -> Value {
    let r = match op {
        CmpOp::Eq => equal(a, b),
        CmpOp::Ne => equal(a, b).map(|e| !e),
        CmpOp::Lt => compare(a, b).map(|o| o == Ordering::Less),
        CmpOp::Le => compare(a, b).map(|o| o != Ordering::Greater),
        CmpOp::Gt => compare(a, b).map(|o| o == Ordering::Greater),
        CmpOp::Ge => compare(a, b).map(|o| o != Ordering::Less),
    };
    r.map_or(Value::Null, Value::Bool)
}

/// Whether `v` lies in `r`; `None` when not comparable.
pub fn in_range(v: &Value, r: &Range) -> Option<bool> {
    if let Some(s) = &r.start {
        let o = compare(v, &s.value)?;
        if o == Ordering::Less || (o == Ordering::Equal && !s.closed) {
            return Some(false);
        }
    }
    if let Some(e) = &r.end {
        let o = compare(v, &e.value)?;
        if o == Ordering::Greater || (o == Ordering::Equal && !e.closed) {
            return Some(false);
        }
    }
    Some(true)
}

fn dt_mul(d: &DayTimeDuration, n: &Number) -> Option<Value> {
    let nanos = Number::from_i128(d.0)
        .mul(n)?
        .round(0, Rounding::HalfEven)?;
    let v: i128 = nanos.to_string().parse().ok()?;
    Some(Value::DayTimeDuration(DayTimeDuration(v)))
}

fn ym_mul(d: &YearMonthDuration, n: &Number) -> Option<Value> {
    let m = Number::from(d.0).mul(n)?.round(0, Rounding::Down)?;
    Some(Value::YearMonthDuration(YearMonthDuration(m.to_i64()?)))
}

fn dt_div(d: &DayTimeDuration, n: &Number) -> Option<Value> {
    let nanos = Number::from_i128(d.0)
        .div(n)?
        .round(0, Rounding::HalfEven)?;
    let v: i128 = nanos.to_string().parse().ok()?;
    Some(Value::DayTimeDuration(DayTimeDuration(v)))
}

/// A date as a date and time at midnight UTC (for mixed date / date and time subtraction).
fn utc_midnight(d: &crate::temporal::Date) -> crate::temporal::DateTime {
    crate::temporal::DateTime {
        dt: d.at_midnight().dt,
        zone: Some(Zone::Offset(0)),
    }
}

/// Applies an arithmetic operator with FEEL semantics (null on type mismatch or overflow).
pub fn arith(op: ArithOp, a: &Value, b: &Value) -> Value {
    arith_opt(op, a, b).unwrap_or(Value::Null)
}

fn arith_opt(op: ArithOp, a: &Value, b: &Value) -> Option<Value> {
    use Value::*;
    match op {
        ArithOp::Add => match (a, b) {
            (Number(x), Number(y)) => x.add(y).map(Number),
            (String(x), String(y)) => Some(String(format!("{x}{y}"))),
            (DayTimeDuration(x), DayTimeDuration(y)) => Some(DayTimeDuration(
                crate::temporal::DayTimeDuration(x.0.checked_add(y.0)?),
            )),
            (YearMonthDuration(x), YearMonthDuration(y)) => Some(YearMonthDuration(
                crate::temporal::YearMonthDuration(x.0.checked_add(y.0)?),
            )),
            (DateTime(t), YearMonthDuration(d)) | (YearMonthDuration(d), DateTime(t)) => {
                t.add_months(d.0).map(DateTime)
            }
            (DateTime(t), DayTimeDuration(d)) | (DayTimeDuration(d), DateTime(t)) => {
                t.add_nanos(d.0).map(DateTime)
            }
            (Date(t), YearMonthDuration(d)) | (YearMonthDuration(d), Date(t)) => {
                t.add_months(d.0).map(Date)
            }
            (Date(t), DayTimeDuration(d)) | (DayTimeDuration(d), Date(t)) => {
                let dt = t.at_midnight().add_nanos(d.0)?;
                Some(Date(crate::temporal::Date(dt.dt.date())))
            }
            (Time(t), DayTimeDuration(d)) | (DayTimeDuration(d), Time(t)) => {
                t.add_nanos(d.0).map(Time)
            }
            _ => None,
        },
        ArithOp::Sub => match (a, b) {
            (Number(x), Number(y)) => x.sub(y).map(Number),
            (DayTimeDuration(_), DayTimeDuration(_))
            | (YearMonthDuration(_), YearMonthDuration(_))
            | (DateTime(_), DayTimeDuration(_) | YearMonthDuration(_))
            | (Date(_), DayTimeDuration(_) | YearMonthDuration(_))
            | (Time(_), DayTimeDuration(_)) => arith_opt(ArithOp::Add, a, &negate(b)?),
            (DateTime(x), DateTime(y)) => x.sub(y).map(DayTimeDuration),
            (Date(x), Date(y)) => x.at_midnight().sub(&y.at_midnight()).map(DayTimeDuration),
            (DateTime(x), Date(y)) => x.sub(&utc_midnight(y)).map(DayTimeDuration),
            (Date(x), DateTime(y)) => utc_midnight(x).sub(y).map(DayTimeDuration),
            (Time(x), Time(y)) => x.sub(y).map(DayTimeDuration),
            _ => None,
        },
        ArithOp::Mul => match (a, b) {
            (Number(x), Number(y)) => x.mul(y).map(Number),
            (DayTimeDuration(d), Number(n)) | (Number(n), DayTimeDuration(d)) => dt_mul(d, n),
            (YearMonthDuration(d), Number(n)) | (Number(n), YearMonthDuration(d)) => ym_mul(d, n),
            _ => None,
        },
        ArithOp::Div => match (a, b) {
            (Number(x), Number(y)) => x.div(y).map(Number),
            (DayTimeDuration(d), Number(n)) => dt_div(d, n),
            (YearMonthDuration(d), Number(n)) => {
                let m = crate::number::Number::from(d.0)
                    .div(n)?
                    .round(0, Rounding::Down)?;
                Some(YearMonthDuration(crate::temporal::YearMonthDuration(
                    m.to_i64()?,
                )))
            }
            (DayTimeDuration(x), DayTimeDuration(y)) => crate::number::Number::from_i128(x.0)
                .div(&crate::number::Number::from_i128(y.0))
                .map(Number),
            (YearMonthDuration(x), YearMonthDuration(y)) => crate::number::Number::from(x.0)
                .div(&crate::number::Number::from(y.0))
                .map(Number),
            _ => None,
        },
        ArithOp::Pow => match (a, b) {
            (Number(x), Number(y)) => {
                if y.abs() > crate::number::Number::from(999_999_999) {
                    return None;
                }
                x.pow(y).map(Number)
            }
            _ => None,
        },
    }
}

/// Arithmetic negation.
pub fn negate(v: &Value) -> Option<Value> {
    match v {
        Value::Number(n) => Some(Value::Number(n.neg())),
        Value::DayTimeDuration(d) => {
            Some(Value::DayTimeDuration(DayTimeDuration(d.0.checked_neg()?)))
        }
        Value::YearMonthDuration(d) => Some(Value::YearMonthDuration(YearMonthDuration(
            d.0.checked_neg()?,
        ))),
        _ => None,
    }
}

fn num(v: i64) -> Value {
    Value::int(v)
}

fn zone_props(zone: &Option<Zone>, name: &str) -> Option<Value> {
    match name {
        "time offset" => Some(match zone {
            Some(Zone::Offset(s)) => {
                Value::DayTimeDuration(DayTimeDuration(i128::from(*s) * NANOS_PER_SEC))
            }
            _ => Value::Null,
        }),
        "timezone" => Some(match zone {
            Some(Zone::Named(n)) => Value::String(n.clone()),
            _ => Value::Null,
        }),
        _ => None,
    }
}

/// Properties of temporal values and ranges (`d.year`, `t.hour`, `r.start included`...).
pub fn property(v: &Value, name: &str) -> Value {
    let civil_date = match v {
        Value::Date(d) => Some(d.0),
        Value::DateTime(d) => Some(d.dt.date()),
        _ => None,
    };
    if let Some(d) = civil_date {
        match name {
            "year" => return num(i64::from(d.year())),
            "month" => return num(i64::from(d.month())),
            "day" => return num(i64::from(d.day())),
            "weekday" => return num(i64::from(d.weekday().to_monday_one_offset())),
            _ => {}
        }
    }
    let (time, zone) = match v {
        Value::Time(t) => (Some(t.time), Some(&t.zone)),
        Value::DateTime(d) => (Some(d.dt.time()), Some(&d.zone)),
        _ => (None, None),
    };
    if let (Some(t), Some(zone)) = (time, zone) {
        match name {
            "hour" => return num(i64::from(t.hour())),
            "minute" => return num(i64::from(t.minute())),
            "second" => {
                let s = Number::from(i64::from(t.second()));
                let frac = Number::from(i64::from(t.subsec_nanosecond()))
                    .div(&Number::from(1_000_000_000));
                return frac
                    .and_then(|f| s.add(&f))
                    .map_or(Value::Null, Value::Number);
            }
            _ => {
                if let Some(p) = zone_props(zone, name) {
                    return p;
                }
            }
        }
    }
    match (v, name) {
        (Value::DayTimeDuration(d), _) => {
            let a = d.0.unsigned_abs() as i128;
            let sign = if d.0 < 0 { -1 } else { 1 };
            let secs = a / NANOS_PER_SEC;
            let r = match name {
                "days" => secs / 86_400,
                "hours" => secs / 3600 % 24,
                "minutes" => secs / 60 % 60,
                "seconds" => secs % 60,
                _ => return Value::Null,
            };
            Value::Number(Number::from_i128(sign * r))
        }
        (Value::YearMonthDuration(d), "years") => num(d.0 / 12),
        (Value::YearMonthDuration(d), "months") => num(d.0 % 12),
        (Value::Range(r), "start") => r.start.as_ref().map_or(Value::Null, |b| (*b.value).clone()),
        (Value::Range(r), "end") => r.end.as_ref().map_or(Value::Null, |b| (*b.value).clone()),
        (Value::Range(r), "start included") => {
            Value::Bool(r.start.as_ref().is_some_and(|b| b.closed))
        }
        (Value::Range(r), "end included") => Value::Bool(r.end.as_ref().is_some_and(|b| b.closed)),
        _ => Value::Null,
    }
}

#[cfg(test)]
mod tests {
    use crate::test_util::show;

    #[test]
    fn equality_and_ordering() {
        assert_eq!(show("[1, [2]] = [1, [2]]"), "true");
        assert_eq!(show("{a: 1} = {a: 2}"), "false");
        assert_eq!(
            show("@\"2026-01-01T10:00:00+01:00\" = @\"2026-01-01T09:00:00Z\""),
            "true"
        );
        assert_eq!(show("\"b\" > \"a\""), "true");
        assert_eq!(show("true < false"), "null");
    }

    #[test]
    fn temporal_arithmetic() {
        assert_eq!(show("@\"2026-01-01\" - @\"2025-12-25\""), "P7D");
        assert_eq!(show("@\"P1Y\" + @\"P2M\""), "P1Y2M");
        assert_eq!(show("@\"PT1H\" / @\"PT30M\""), "2");
        assert_eq!(show("@\"P1D\" + @\"P1M\""), "null");
        assert_eq!(show("-@\"PT1H\""), "-PT1H");
    }
}
