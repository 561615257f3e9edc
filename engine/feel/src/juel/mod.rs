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
//! `execution.hasVariable(name)`,
//! `execution.getProcessBusinessKey()` / `getBusinessKey()` (the engine-provided variable
//! `__business_key`, null when absent) and `execution.getProcessInstanceId()` (variable
//! `__instance_id`), plus their property forms `execution.processBusinessKey`,
//! `execution.businessKey` and `execution.processInstanceId`. Any other
//! method or function call (`execution.setVariable`, `dateTime()`, beans, `fn:x()`) is a parse
//! error, so such models are refused at deploy. A missing root variable is an evaluation error
//! ("unknown property used in expression: x"), as Camunda 7's `PropertyNotFoundException`.
//! Nesting is bounded at parse time and nothing here panics on any input.

mod eval;
mod lexer;
mod parser;
mod print;

use crate::{Env, EvalError, Explained, ParseError, Value};

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
    /// missing variable, an impossible coercion or division by zero; the message names the
    /// sub-expression and the values involved.
    pub fn evaluate(&self, env: &Env<'_>) -> Result<Value, EvalError> {
        eval::Evaluator::new(env).parts(&self.parts)
    }

    /// Evaluates and explains where `null` came from (a missing map entry, a list index out
    /// of range), like [`crate::Expression::evaluate_explained`].
    pub fn evaluate_explained(&self, env: &Env<'_>) -> Explained {
        let mut ev = eval::Evaluator::new(env);
        let result = ev.parts(&self.parts);
        Explained {
            result,
            notes: ev.notes,
        }
    }

    /// Evaluates a condition as Camunda 7 does: only a boolean result is accepted (`null` and
    /// strings are errors). The error message names the expression text, the value and why.
    pub fn evaluate_bool(&self, env: &Env<'_>) -> Result<bool, EvalError> {
        self.evaluate_explained(env).into_bool(&self.source)
    }

    /// Root variables the expression reads (including literal `execution.getVariable('x')`
    /// names), in order of first appearance, without duplicates.
    pub fn referenced_names(&self) -> Vec<String> {
        let mut out = Vec::new();
        for p in &self.parts {
            if let parser::Part::Expr(e) = p {
                print::variables(e, &mut out);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests;
