//! Expressions as they appear in models, parsed once at deploy time.
//!
//! Camunda 8 models mark an expression with a leading `=` (FEEL); plain BPMN condition bodies
//! without a language are FEEL too. Camunda 7's `${...}` / `#{...}` (JUEL) text is parsed by
//! [`keel_feel::juel`]; an [`Expression`] holds either kind and dispatches on it. This module
//! never evaluates anything by itself: evaluation needs variables and a clock from the runtime.

use std::fmt;
use std::sync::Arc;

use keel_feel::{Env, EvalError, Explained, Value};

/// A parsed expression, cheap to clone (shared).
#[derive(Clone)]
pub struct Expression {
    inner: Arc<Lang>,
}

/// The language an [`Expression`] is written in.
enum Lang {
    /// FEEL (Camunda 8, DMN).
    Feel(keel_feel::Expression),
    /// Camunda 7 JUEL: `${...}`, `#{...}` or composite text.
    Juel(keel_feel::juel::Expression),
}

impl Expression {
    /// Parses FEEL text (without the leading `=`).
    pub fn feel(text: &str) -> Result<Expression, keel_feel::ParseError> {
        let parsed = keel_feel::Expression::parse(text)?;
        Ok(Expression {
            inner: Arc::new(Lang::Feel(parsed)),
        })
    }

    /// The value of variable `name` (which may contain spaces or `+ - * / . '`), as FEEL.
    pub fn variable(name: &str) -> Result<Expression, keel_feel::ParseError> {
        let parsed = keel_feel::Expression::parse_with_names(name, &[name])?;
        Ok(Expression {
            inner: Arc::new(Lang::Feel(parsed)),
        })
    }

    /// Parses Camunda 7 text: the full attribute or body, e.g. `${amount > 10}` or
    /// `Dear ${name}` (composite text evaluates to a string).
    pub fn juel(text: &str) -> Result<Expression, keel_feel::ParseError> {
        let parsed = keel_feel::juel::Expression::parse(text)?;
        Ok(Expression {
            inner: Arc::new(Lang::Juel(parsed)),
        })
    }

    /// True for a Camunda 7 (JUEL) expression.
    pub fn is_juel(&self) -> bool {
        matches!(*self.inner, Lang::Juel(_))
    }

    /// The expression text as written in the model (without a leading `=`).
    pub fn source(&self) -> &str {
        match &*self.inner {
            Lang::Feel(e) => e.source(),
            Lang::Juel(e) => e.source(),
        }
    }

    /// Evaluates against variables and the engine's clock.
    pub fn evaluate(&self, env: &Env<'_>) -> Result<Value, EvalError> {
        match &*self.inner {
            Lang::Feel(e) => e.evaluate(env),
            Lang::Juel(e) => e.evaluate(env),
        }
    }

    /// Evaluates like [`Expression::evaluate`] and explains where `null` (or an error) came
    /// from; [`Explained::failure`] turns the result into a message quoting the expression.
    pub fn evaluate_explained(&self, env: &Env<'_>) -> Explained {
        match &*self.inner {
            Lang::Feel(e) => e.evaluate_explained(env),
            Lang::Juel(e) => e.evaluate_explained(env),
        }
    }
}

impl fmt::Debug for Expression {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Expression({:?})", self.source())
    }
}

/// A model attribute that is either a fixed string or an expression evaluated at run time
/// (assignee, candidate groups, due date, job type, timer value, message name...).
#[derive(Clone, Debug)]
pub enum Text {
    /// Used as written.
    Static(String),
    /// Evaluated when the element is activated.
    Expr(Expression),
}

impl Text {
    /// The text as written in the model (an expression without its marker).
    pub fn source(&self) -> &str {
        match self {
            Text::Static(s) => s,
            Text::Expr(e) => e.source(),
        }
    }
}
