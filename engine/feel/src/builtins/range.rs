//! Range built-ins: `range` (from text) and the interval functions of DMN 1.5 10.3.4.9
//! (`before`, `after`, `meets`, `met by`, `overlaps`, `overlaps before`, `overlaps after`,
//! `finishes`, `finished by`, `includes`, `during`, `starts`, `started by`, `coincides`).
//! Ranges with an unbounded side give null in the interval functions.

use std::cmp::Ordering;

use super::arg;
use crate::ast::{Args, Expr};
use crate::eval::at_literal;
use crate::ops::{compare, equal, in_range};
use crate::value::{Bound, Range, Value};

struct R<'v> {
    s: &'v Value,
    si: bool,
    e: &'v Value,
    ei: bool,
}

fn bounded(r: &Range) -> Option<R<'_>> {
    let (s, e) = (r.start.as_ref()?, r.end.as_ref()?);
    Some(R {
        s: &s.value,
        si: s.closed,
        e: &e.value,
        ei: e.closed,
    })
}

fn lt(a: &Value, b: &Value) -> Option<bool> {
    Some(compare(a, b)? == Ordering::Less)
}

fn eq(a: &Value, b: &Value) -> Option<bool> {
    Some(compare(a, b)? == Ordering::Equal)
}

fn before(a: &Value, b: &Value) -> Option<bool> {
    match (a, b) {
        (Value::Range(x), Value::Range(y)) => {
            let (x, y) = (bounded(x)?, bounded(y)?);
            Some(lt(x.e, y.s)? || ((!x.ei || !y.si) && eq(x.e, y.s)?))
        }
        (p, Value::Range(r)) => {
            let r = bounded(r)?;
            Some(lt(p, r.s)? || (eq(p, r.s)? && !r.si))
        }
        (Value::Range(r), p) => {
            let r = bounded(r)?;
            Some(lt(r.e, p)? || (eq(r.e, p)? && !r.ei))
        }
        (p, q) => lt(p, q),
    }
}

fn ranges<'v>(a: &'v Value, b: &'v Value) -> Option<(R<'v>, R<'v>)> {
    match (a, b) {
        (Value::Range(x), Value::Range(y)) => Some((bounded(x)?, bounded(y)?)),
        _ => None,
    }
}

fn overlaps_before(a: &Value, b: &Value) -> Option<bool> {
    let (x, y) = ranges(a, b)?;
    Some(
        (lt(x.s, y.s)? || (eq(x.s, y.s)? && x.si && !y.si))
            && (lt(y.s, x.e)? || (eq(x.e, y.s)? && x.ei && y.si))
            && (lt(x.e, y.e)? || (eq(x.e, y.e)? && (!x.ei || y.ei))),
    )
}

fn finishes(a: &Value, b: &Value) -> Option<bool> {
    match (a, b) {
        (Value::Range(_), Value::Range(_)) => {
            let (x, y) = ranges(a, b)?;
            Some(
                x.ei == y.ei
                    && eq(x.e, y.e)?
                    && (lt(y.s, x.s)? || (eq(x.s, y.s)? && (!x.si || y.si))),
            )
        }
        (p, Value::Range(r)) => {
            let r = bounded(r)?;
            Some(r.ei && eq(r.e, p)?)
        }
        _ => None,
    }
}

fn starts(a: &Value, b: &Value) -> Option<bool> {
    match (a, b) {
        (Value::Range(_), Value::Range(_)) => {
            let (x, y) = ranges(a, b)?;
            Some(
                x.si == y.si
                    && eq(x.s, y.s)?
                    && (lt(x.e, y.e)? || (eq(x.e, y.e)? && (!x.ei || y.ei))),
            )
        }
        (p, Value::Range(r)) => {
            let r = bounded(r)?;
            Some(r.si && eq(r.s, p)?)
        }
        _ => None,
    }
}

fn includes(a: &Value, b: &Value) -> Option<bool> {
    match (a, b) {
        (Value::Range(_), Value::Range(_)) => {
            let (x, y) = ranges(a, b)?;
            Some(
                (lt(x.s, y.s)? || (eq(x.s, y.s)? && (x.si || !y.si)))
                    && (lt(y.e, x.e)? || (eq(x.e, y.e)? && (x.ei || !y.ei))),
            )
        }
        (Value::Range(r), p) => in_range(p, r),
        _ => None,
    }
}

fn interval(name: &str, a: &Value, b: &Value) -> Option<bool> {
    match name {
        "before" => before(a, b),
        "after" => before(b, a),
        "meets" => ranges(a, b).and_then(|(x, y)| Some(x.ei && y.si && eq(x.e, y.s)?)),
        "met by" => ranges(b, a).and_then(|(x, y)| Some(x.ei && y.si && eq(x.e, y.s)?)),
        "overlaps" => {
            let (x, y) = ranges(a, b)?;
            Some(
                (lt(y.s, x.e)? || (eq(x.e, y.s)? && x.ei && y.si))
                    && (lt(x.s, y.e)? || (eq(x.s, y.e)? && x.si && y.ei)),
            )
        }
        "overlaps before" => overlaps_before(a, b),
        "overlaps after" => overlaps_before(b, a),
        "finishes" => finishes(a, b),
        "finished by" => finishes(b, a),
        "includes" => includes(a, b),
        "during" => includes(b, a),
        "starts" => starts(a, b),
        "started by" => starts(b, a),
        "coincides" => match (a, b) {
            (Value::Range(_), Value::Range(_)) => {
                let (x, y) = ranges(a, b)?;
                Some(x.si == y.si && x.ei == y.ei && eq(x.s, y.s)? && eq(x.e, y.e)?)
            }
            (Value::Range(_), _) | (_, Value::Range(_)) => None,
            (p, q) => {
                compare(p, q)?;
                equal(p, q)
            }
        },
        _ => None,
    }
}

fn literal(e: &Expr) -> Option<Value> {
    match e {
        Expr::Number(n) => Some(Value::Number(*n)),
        Expr::Neg(x) => match literal(x)? {
            Value::Number(n) => Some(Value::Number(n.neg())),
            _ => None,
        },
        Expr::String(s) => Some(Value::String(s.clone())),
        Expr::At(s) => Some(at_literal(s)).filter(|v| !matches!(v, Value::Null)),
        Expr::Null => Some(Value::Null),
        Expr::Call(f, Args::Positional(args)) => match (f.as_ref(), args.as_slice()) {
            (Expr::Name(n), [Expr::String(s)])
                if matches!(n.as_str(), "date" | "time" | "date and time" | "duration") =>
            {
                super::conversion::call(n, &[Value::String(s.clone())])
                    .filter(|v| !matches!(v, Value::Null))
            }
            _ => None,
        },
        _ => None,
    }
}

/// `range(from)`: parses range literal text such as `"[1..10)"` or `"[..5]"` with literal
/// endpoints; unary tests (`">= 5"`) are not range literals and give null.
fn range_from(text: &str) -> Option<Value> {
    let e = crate::parser::parse_expression(text, &[]).ok()?;
    let bound = |v: Value, closed| match v {
        Value::Null => None,
        v => Some(Bound {
            value: Box::new(v),
            closed,
        }),
    };
    let r = match e {
        Expr::Range {
            start,
            start_closed,
            end,
            end_closed,
        } => {
            let (s, t) = (literal(&start)?, literal(&end)?);
            if matches!((&s, &t), (Value::Null, Value::Null)) {
                return None;
            }
            if !matches!(s, Value::Null)
                && !matches!(t, Value::Null)
                && compare(&s, &t)? == Ordering::Greater
            {
                return None;
            }
            Range {
                start: bound(s, start_closed),
                end: bound(t, end_closed),
            }
        }
        // A unary test such as `>= 10` is not a range literal (DMN TCK 1156, case 017).
        _ => return None,
    };
    Some(Value::Range(r))
}

/// Dispatches range built-ins; `None` when `name` is not one of them.
pub fn call(name: &str, a: &[Value]) -> Option<Value> {
    if name == "range" {
        return Some(match arg(a, 0) {
            Value::String(s) => range_from(s).unwrap_or(Value::Null),
            _ => Value::Null,
        });
    }
    if super::INTERVAL_FNS.contains(&name) {
        return Some(interval(name, arg(a, 0), arg(a, 1)).map_or(Value::Null, Value::Bool));
    }
    None
}

#[cfg(test)]
mod tests {
    use crate::test_util::show;

    #[test]
    fn interval_functions() {
        assert_eq!(show("before(1, [2..3])"), "true");
        assert_eq!(show("after([5..6], 4)"), "true");
        assert_eq!(show("meets([1..5], [5..8])"), "true");
        assert_eq!(show("met by([5..8], [1..5])"), "true");
        assert_eq!(show("overlaps([1..5], [4..8])"), "true");
        assert_eq!(show("overlaps before([1..5], [3..8])"), "true");
        assert_eq!(show("finishes(5, [1..5])"), "true");
        assert_eq!(show("includes([1..10], [2..3])"), "true");
        assert_eq!(show("during(5, (5..8])"), "false");
        assert_eq!(show("starts([1..3], [1..5])"), "true");
        assert_eq!(show("coincides([1..3], [1..3])"), "true");
        assert_eq!(show("range(\"[1..10)\").end included"), "false");
        assert_eq!(show("range(\">= 5\")"), "null");
    }
}
