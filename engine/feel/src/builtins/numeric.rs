//! Number built-ins: `decimal`, `floor`, `ceiling`, the `round ...` family, `abs`, `modulo`,
//! `sqrt`, `log`, `exp`, `odd`, `even`. Pure functions over `Number`; invalid input gives null.

use super::arg;
use crate::number::{Number, Rounding};
use crate::ops::negate;
use crate::value::Value;

fn scale(v: &Value, required: bool) -> Option<i64> {
    match v {
        Value::Null if !required => Some(0),
        Value::Number(n) => n.trunc_i64().filter(|s| (-6111..=6176).contains(s)),
        _ => None,
    }
}

fn num(v: &Value) -> Option<Number> {
    match v {
        Value::Number(n) => Some(*n),
        _ => None,
    }
}

/// Dispatches number built-ins; `None` when `name` is not one of them.
pub fn call(name: &str, a: &[Value]) -> Option<Value> {
    let mode = match name {
        "decimal" | "round half even" => Some(Rounding::HalfEven),
        "floor" => Some(Rounding::Floor),
        "ceiling" => Some(Rounding::Ceiling),
        "round up" => Some(Rounding::Up),
        "round down" => Some(Rounding::Down),
        "round half up" => Some(Rounding::HalfUp),
        "round half down" => Some(Rounding::HalfDown),
        _ => None,
    };
    if let Some(mode) = mode {
        let r = num(arg(a, 0))
            .zip(scale(arg(a, 1), name == "decimal" || a.len() > 1))
            .and_then(|(n, s)| n.round(s, mode));
        return Some(r.map_or(Value::Null, Value::Number));
    }
    let r = match name {
        "abs" => match arg(a, 0) {
            Value::Number(n) => Some(Value::Number(n.abs())),
            v @ (Value::DayTimeDuration(_) | Value::YearMonthDuration(_)) => {
                let neg = matches!(v, Value::DayTimeDuration(d) if d.0 < 0)
                    || matches!(v, Value::YearMonthDuration(d) if d.0 < 0);
                if neg { negate(v) } else { Some(v.clone()) }
            }
            _ => None,
        },
        "modulo" => num(arg(a, 0))
            .zip(num(arg(a, 1)))
            .and_then(|(x, y)| x.modulo(&y))
            .map(Value::Number),
        "sqrt" => num(arg(a, 0)).and_then(|n| n.sqrt()).map(Value::Number),
        "log" => num(arg(a, 0)).and_then(|n| n.ln()).map(Value::Number),
        "exp" => num(arg(a, 0)).and_then(|n| n.exp()).map(Value::Number),
        "odd" | "even" => num(arg(a, 0)).filter(Number::is_integer).map(|n| {
            let odd = n.modulo(&Number::from(2)).is_some_and(|m| !m.is_zero());
            Value::Bool(odd == (name == "odd"))
        }),
        _ => return None,
    };
    Some(r.unwrap_or(Value::Null))
}

#[cfg(test)]
mod tests {
    use crate::test_util::show;

    #[test]
    fn number_functions() {
        assert_eq!(show("decimal(2.5, 0)"), "2");
        assert_eq!(show("ceiling(1.21, 1)"), "1.3");
        assert_eq!(show("round up(-1.1, 0)"), "-2");
        assert_eq!(show("round down(-1.9, 0)"), "-1");
        assert_eq!(show("round half down(2.5, 0)"), "2");
        assert_eq!(show("floor(1.5, null)"), "null");
        assert_eq!(show("abs(-2)"), "2");
        assert_eq!(show("abs(@\"-P1D\")"), "P1D");
        assert_eq!(show("sqrt(-1)"), "null");
        assert_eq!(show("log(0)"), "null");
        assert_eq!(show("odd(3)"), "true");
        assert_eq!(show("even(2.5)"), "null");
        assert_eq!(show("modulo(10, 0)"), "null");
    }
}
