//! Camunda 7 expressions: the JUEL (Unified Expression Language 2.2) subset that Camunda 7
//! models use, `${...}` and `#{...}`, parsed at deploy and evaluated over [`Value`]s.
//!
//! What it owns: composite text (`"Dear ${name}!"`, whose result is a string, versus a text
//! that is exactly one `${...}`, whose result keeps its type), literals, variables, property
//! and index access (`a.b`, `a['b']`, 0-based `list[0]`), the EL operators with their keyword
//! forms (`eq`, `and`, `div`, `empty`...), `?:`, and JUEL's coercions (see `eval`).
//!
//! What it must never do: call host code. The only calls accepted are
//! `execution.getVariable(name)` (the variable, or null when missing, as in Camunda 7),
//! `execution.getProcessBusinessKey()` (the engine-provided variable `__business_key`, null
//! when absent) and `execution.getProcessInstanceId()` (variable `__instance_id`), plus their
//! property forms `execution.processBusinessKey` / `execution.processInstanceId`. Any other
//! method or function call (`execution.setVariable`, `dateTime()`, beans, `fn:x()`) is a parse
//! error, so such models are refused at deploy. A missing root variable is an evaluation error
//! ("unknown property used in expression: x"), as Camunda 7's `PropertyNotFoundException`.
//! Nesting is bounded at parse time and nothing here panics on any input.

mod eval;
mod lexer;
mod parser;

use crate::{Env, EvalError, ParseError, Value};

/// A parsed Camunda 7 expression or composite text.
#[derive(Debug, Clone, PartialEq)]
pub struct Expression {
    source: String,
    parts: Vec<parser::Part>,
}

impl Expression {
    /// Parses the full text, e.g. `${amount > 1000}`, `Hello ${name}!` or `#{x}`. Text
    /// without any `${`/`#{` parses as a constant string. `\${` writes a literal `${`.
    pub fn parse(src: &str) -> Result<Expression, ParseError> {
        let parts = parser::parse_template(src)?;
        Ok(Expression {
            source: src.to_owned(),
            parts,
        })
    }

    /// The text the expression was parsed from.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Evaluates: a single `${...}` yields its value, composite text a string. `Err` for a
    /// missing variable, an impossible coercion or division by zero.
    pub fn evaluate(&self, env: &Env<'_>) -> Result<Value, EvalError> {
        eval::evaluate_parts(&self.parts, env)
    }
}

#[cfg(test)]
mod tests;
