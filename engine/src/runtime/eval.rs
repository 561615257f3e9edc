//! Expression evaluation for the runtime: typed helpers that turn evaluation problems into
//! incident failures naming the expression and the values involved.

use keel_bpmn::{Expression, Text};
use keel_feel::{Env, Value};
use serde_json::Value as Json;

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

/// Evaluates `expr` with the variables visible at `key`.
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
    expr.evaluate(&env).map_err(|e| {
        Failure::expression(format!(
            "failed to evaluate expression '{}': {e}",
            expr.source()
        ))
    })
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
        Text::Expr(e) => match evaluate(state, key, now, e)?.to_json() {
            Json::String(s) => Ok(s),
            Json::Null => Err(Failure::expression(format!(
                "{what} expression '{}' evaluated to null",
                e.source()
            ))),
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
        Text::Expr(e) => evaluate(state, key, now, e)?.to_json(),
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
        other => Err(Failure::expression(format!(
            "{what} expression '{}' evaluated to {other}, expected a list or a comma-separated string",
            text.source()
        ))),
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
