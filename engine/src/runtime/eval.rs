//! Expression evaluation for the runtime: typed helpers that turn evaluation problems into
//! incident failures naming the expression and the values involved.

use keel_bpmn::{Expression, Text};
use keel_feel::{Env, Value};
use serde_json::{Map, Value as Json};

use super::state::{ElementKey, InstanceState};
use super::variables::ScopeView;

/// Why an element stopped: becomes an incident of this kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// Incident kind.
    pub kind: &'static str,
    /// Explanation.
    pub message: String,
}

impl Failure {
    /// An `expression_error` failure.
    pub fn expression(message: String) -> Self {
        Failure {
            kind: "expression_error",
            message,
        }
    }
}

/// Evaluates `expr` with the variables visible at `key`. A hard error (a JUEL variable that is
/// not defined, a limit exceeded...) is an `expression_error` failure explaining it.
pub fn evaluate(
    state: &InstanceState,
    key: ElementKey,
    now: &jiff::Zoned,
    expr: &Expression,
) -> Result<Value, Failure> {
    let view = ScopeView::new(state, key);
    let env = Env {
        variables: &view,
        now: now.clone(),
    };
    expr.evaluate(&env)
        .map_err(|_| Failure::expression(explain(&env, expr, "a value")))
}

/// Evaluates `expr` for a context `what` (`sequence flow 'a_b'`, `input mapping 'x'`...): a
/// hard error is a failure whose message starts with `what`.
pub fn evaluate_for(
    state: &InstanceState,
    key: ElementKey,
    now: &jiff::Zoned,
    expr: &Expression,
    what: &str,
) -> Result<Value, Failure> {
    evaluate(state, key, now, expr)
        .map_err(|f| Failure::expression(format!("{what}: {}", f.message)))
}

/// Evaluates a condition: only a boolean counts; null or another type is an `expression_error`
/// failure naming `what`, the expression, its value and why, e.g. `sequence flow 'a_b':
/// expression 'amount > 100' evaluated to null, expected a boolean: cannot compare amount
/// (string "12") with 100 (number)`.
pub fn condition(
    state: &InstanceState,
    key: ElementKey,
    now: &jiff::Zoned,
    expr: &Expression,
    what: &str,
) -> Result<bool, Failure> {
    match evaluate_for(state, key, now, expr, what)? {
        Value::Bool(b) => Ok(b),
        _ => Err(mismatch(state, key, now, expr, what, "a boolean")),
    }
}

/// The failure for `expr` not evaluating to what was `expected` (`a list`...): evaluates it
/// again, explained (expressions are pure, so it gives the same value), to say why.
pub fn mismatch(
    state: &InstanceState,
    key: ElementKey,
    now: &jiff::Zoned,
    expr: &Expression,
    what: &str,
    expected: &str,
) -> Failure {
    let view = ScopeView::new(state, key);
    let env = Env {
        variables: &view,
        now: now.clone(),
    };
    Failure::expression(format!("{what}: {}", explain(&env, expr, expected)))
}

/// True when condition `expr` evaluates to `true` at `key` with the `extra` variables in front of
/// the visible ones; anything else (false, null, an error) is false.
pub fn holds_with(
    state: &InstanceState,
    key: ElementKey,
    now: &jiff::Zoned,
    expr: &Expression,
    extra: &Map<String, Json>,
) -> bool {
    let view = Overlay {
        extra,
        base: ScopeView::new(state, key),
    };
    let env = Env {
        variables: &view,
        now: now.clone(),
    };
    matches!(expr.evaluate(&env), Ok(Value::Bool(true)))
}

/// Like [`condition`], with the `extra` variables in front of the visible ones.
pub fn condition_with(
    state: &InstanceState,
    key: ElementKey,
    now: &jiff::Zoned,
    expr: &Expression,
    what: &str,
    extra: &Map<String, Json>,
) -> Result<bool, Failure> {
    let view = Overlay {
        extra,
        base: ScopeView::new(state, key),
    };
    let env = Env {
        variables: &view,
        now: now.clone(),
    };
    match expr.evaluate(&env) {
        Ok(Value::Bool(b)) => Ok(b),
        Ok(_) => Err(Failure::expression(format!(
            "{what}: {}",
            explain(&env, expr, "a boolean")
        ))),
        Err(_) => Err(Failure::expression(format!(
            "{what}: {}",
            explain(&env, expr, "a value")
        ))),
    }
}

/// Evaluates the condition of a conditional event: like [`condition`], except that a value
/// other than a boolean is `false` when the expression read a variable that is not defined (as
/// in Camunda 7, a condition over a variable not set yet simply does not hold).
pub fn condition_unless_missing(
    state: &InstanceState,
    key: ElementKey,
    now: &jiff::Zoned,
    expr: &Expression,
    what: &str,
) -> Result<bool, Failure> {
    let view = Tracking {
        base: ScopeView::new(state, key),
        missing: std::cell::Cell::new(false),
    };
    let env = Env {
        variables: &view,
        now: now.clone(),
    };
    match expr.evaluate(&env) {
        Ok(Value::Bool(b)) => Ok(b),
        _ if view.missing.get() => Ok(false),
        Ok(_) => Err(mismatch(state, key, now, expr, what, "a boolean")),
        Err(_) => Err(Failure::expression(format!(
            "{what}: {}",
            explain(&env, expr, "a value")
        ))),
    }
}

/// A scope's variables, noting whether a name that is not defined was looked up.
struct Tracking<'a> {
    base: ScopeView<'a>,
    missing: std::cell::Cell<bool>,
}

impl keel_feel::Variables for Tracking<'_> {
    fn lookup(&self, name: &str) -> Option<Value> {
        let found = self.base.lookup(name);
        if found.is_none() {
            self.missing.set(true);
        }
        found
    }

    fn names(&self) -> Vec<String> {
        self.base.names()
    }
}

/// Variables `extra` in front of a scope's.
struct Overlay<'a> {
    extra: &'a Map<String, Json>,
    base: ScopeView<'a>,
}

impl keel_feel::Variables for Overlay<'_> {
    fn lookup(&self, name: &str) -> Option<Value> {
        match self.extra.get(name) {
            Some(v) => Some(Value::from_json(v)),
            None => self.base.lookup(name),
        }
    }

    fn names(&self) -> Vec<String> {
        let mut names = self.base.names();
        names.extend(self.extra.keys().cloned());
        names
    }
}

/// `expression '...' evaluated to X, expected Y: notes` (or the hard error and the notes).
fn explain(env: &Env<'_>, expr: &Expression, expected: &str) -> String {
    expr.evaluate_explained(env)
        .failure(expr.source(), expected)
}

/// Evaluates a static-or-expression attribute to a string (numbers and booleans are written
/// as text; null is an error: a required value is missing).
pub fn text(
    state: &InstanceState,
    key: ElementKey,
    now: &jiff::Zoned,
    text: &Text,
    what: &str,
) -> Result<String, Failure> {
    match text {
        Text::Static(s) => Ok(s.clone()),
        Text::Expr(e) => match evaluate_for(state, key, now, e, what)?.to_json() {
            Json::String(s) => Ok(s),
            Json::Null => Err(mismatch(state, key, now, e, what, "a value")),
            other => Ok(scalar_text(&other)),
        },
    }
}

/// Evaluates a list-valued attribute (candidate users/groups): a list of strings, or one
/// comma-separated string.
pub fn list(
    state: &InstanceState,
    key: ElementKey,
    now: &jiff::Zoned,
    text: &Text,
    what: &str,
) -> Result<Vec<String>, Failure> {
    let value = match text {
        Text::Static(s) => Json::String(s.clone()),
        Text::Expr(e) => evaluate_for(state, key, now, e, what)?.to_json(),
    };
    match value {
        Json::Null => Ok(Vec::new()),
        Json::String(s) => Ok(split_list(&s)),
        Json::Array(items) => Ok(items
            .iter()
            .map(|i| match i {
                Json::String(s) => s.trim().to_owned(),
                other => scalar_text(other),
            })
            .filter(|s| !s.is_empty())
            .collect()),
        other => Err(match text {
            Text::Expr(e) => mismatch(
                state,
                key,
                now,
                e,
                what,
                "a list or a comma-separated string",
            ),
            Text::Static(_) => Failure::expression(format!(
                "{what}: {other} is not a list or a comma-separated string"
            )),
        }),
    }
}

/// Splits `a, b ,c` into trimmed, non-empty items.
pub fn split_list(s: &str) -> Vec<String> {
    s.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Text form of a JSON scalar (numbers exactly as written).
pub fn scalar_text(v: &Json) -> String {
    match v {
        Json::String(s) => s.clone(),
        other => other.to_string(),
    }
}
