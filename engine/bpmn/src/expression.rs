//! Expressions as they appear in models, parsed once at deploy time.
//!
//! Camunda 8 models mark an expression with a leading `=` (FEEL); plain BPMN condition bodies
//! without a language are FEEL too. Camunda 7's `${...}` language arrives with its own front end;
//! until then such text is rejected at deploy with a message that says so. This module never
//! evaluates anything by itself: evaluation needs variables and a clock from the runtime.

use std::fmt;
use std::sync::Arc;

use keel_feel::{Env, EvalError, Value};

/// A parsed expression, cheap to clone (shared).
#[derive(Clone)]
pub struct Expression {
    inner: Arc<keel_feel::Expression>,
}

impl Expression {
    /// Parses FEEL text (without the leading `=`).
    pub fn feel(text: &str) -> Result<Expression, keel_feel::ParseError> {
        let parsed = keel_feel::Expression::parse(text)?;
        Ok(Expression {
            inner: Arc::new(parsed),
        })
    }

    /// The expression text as written in the model (without a leading `=`).
    pub fn source(&self) -> &str {
        self.inner.source()
    }

    /// Evaluates against variables and the engine's clock.
    pub fn evaluate(&self, env: &Env<'_>) -> Result<Value, EvalError> {
        self.inner.evaluate(env)
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
