//! Helpers for unit tests: evaluate FEEL text with no variables and a fixed clock.

use crate::{Env, Expression, Value};

/// Parses and evaluates `src`, panicking on parse or hard evaluation errors.
pub fn eval(src: &str) -> Value {
    let now = "2026-03-15T10:30:00+01:00[Europe/Paris]".parse().unwrap();
    let env = Env {
        variables: &(),
        now,
    };
    Expression::parse(src).unwrap().evaluate(&env).unwrap()
}

/// `eval(src)` displayed in FEEL `string()` form (strings quoted for clarity).
pub fn show(src: &str) -> String {
    match eval(src) {
        Value::String(s) => format!("{s:?}"),
        v => v.to_string(),
    }
}
