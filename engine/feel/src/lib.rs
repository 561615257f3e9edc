//! `keel-feel`: Keel's own parser and evaluator for FEEL, the DMN 1.5 "Friendly Enough
//! Expression Language" (chapter 10 of the DMN specification).
//!
//! What this crate owns: FEEL text → AST (`Expression::parse`, `UnaryTests::parse`), printing
//! the AST back to FEEL, and evaluating it over [`Value`]s with variables supplied by the engine
//! through [`Variables`]. What it must never do: touch I/O, read the system clock (`now()` and
//! `today()` come from [`Env::now`]), call host code, or panic on any input. Hostile input is
//! bounded: parser nesting depth, an evaluation step budget (which also charges for copying
//! large values), evaluation and function-call depth limits, and a cap on generated list and
//! string sizes (see [`limits`]). The depth limits are sized so that parsing and evaluating
//! the deepest accepted input fits a 2 MiB thread stack; no platform stack tricks, no C code.
//!
//! Semantics: FEEL type errors (`"a" + 1`, `date("x")`, a wrong argument count) evaluate to
//! `null`; [`EvalError`] is reserved for hard failures (limits). To tell a user why an
//! expression gave `null`, [`Expression::evaluate_explained`] returns notes naming the
//! sub-expressions and values involved (`cannot compare amount (string "12") with 100
//! (number)`, `no variable named 'amout' (did you mean 'amount'?)`), and
//! [`Explained::failure`] turns them into a message that quotes the expression text. Logic is
//! three-valued, `=` compares like kinds only (`"5" = 5` is null, `x = null` is a boolean null
//! check), equality is deep on lists and contexts, and a missing variable is `null`. Date and time equality keeps
//! sub-second precision (the TCK expects second resolution; we prefer exact comparison).
//!
//! Numbers: FEEL numbers are decimal128-like. We implement them ourselves in [`number`]
//! (`u128` coefficient + decimal exponent, 34 significant digits, round half even) rather than
//! using `rust_decimal` (only 28 digits) or `fastnum` (its decimal types trap, i.e. panic, on
//! exceptional conditions in debug builds). Wide intermediates use `num-bigint`.
//!
//! Names with spaces: the lexer joins consecutive words into one name (`Full Name`,
//! `string length`) unless a word is a FEEL keyword; the multi-word built-ins that contain a
//! keyword (`date and time`, `years and months duration`) are known to the parser. Names with
//! other characters (`Loan-to-Value`, `a.b`) are recognised when passed to
//! [`Expression::parse_with_names`]; context keys such as `{foo+bar: 1}` are taken verbatim.
//!
//! Not supported: `function(..) external` (Java/PMML), user item-definition types in
//! `instance of` (only built-in types), DMN type coercion of results (a boxed-expression /
//! DRG concern), years outside -9999..=9999.

#![warn(missing_docs)]

pub mod ast;
mod builtins;
mod error;
mod eval;
mod explain;
pub mod juel;
mod lexer;
pub mod limits;
mod names;
pub mod number;
mod ops;
mod parser;
pub mod temporal;
#[cfg(test)]
mod test_util;
mod types;
mod value;

pub use error::{EvalError, ParseError};
pub use explain::{Explained, MAX_SHOWN_CHARS};
pub use number::Number;
pub use temporal::{Date, DateTime, DayTimeDuration, Time, YearMonthDuration, Zone};
pub use value::{Bound, Closure, Context, Function, Range, Value};

/// Variable resolution supplied by the engine.
pub trait Variables {
    /// The value of variable `name`, or `None` when it is not defined.
    fn lookup(&self, name: &str) -> Option<Value>;

    /// The names of the defined variables. Only used to suggest a correction when an
    /// expression names a variable that is not defined ("did you mean 'amount'?"); the
    /// default knows no names, so there are no suggestions.
    fn names(&self) -> Vec<String> {
        Vec::new()
    }
}

impl Variables for serde_json::Map<String, serde_json::Value> {
    fn lookup(&self, name: &str) -> Option<Value> {
        self.get(name).map(Value::from_json)
    }

    fn names(&self) -> Vec<String> {
        self.keys().cloned().collect()
    }
}

impl Variables for Context {
    fn lookup(&self, name: &str) -> Option<Value> {
        self.get(name).cloned()
    }

    fn names(&self) -> Vec<String> {
        self.iter().map(|(k, _)| k.clone()).collect()
    }
}

/// No variables at all.
impl Variables for () {
    fn lookup(&self, _name: &str) -> Option<Value> {
        None
    }
}

/// The evaluation environment: variables and the current instant.
pub struct Env<'a> {
    /// Variable resolution.
    pub variables: &'a dyn Variables,
    /// The current instant and zone, used by `now()` and `today()`.
    pub now: jiff::Zoned,
}

/// A parsed FEEL expression.
#[derive(Debug, Clone, PartialEq)]
pub struct Expression {
    source: String,
    expr: ast::Expr,
}

impl Expression {
    /// Parses FEEL text.
    pub fn parse(src: &str) -> Result<Expression, ParseError> {
        Expression::parse_with_names(src, &[])
    }

    /// Parses FEEL text, recognising the given variable names even when they contain spaces
    /// around keywords or the characters `+ - * / . '` (the DMN "known names" rule).
    pub fn parse_with_names(src: &str, known_names: &[&str]) -> Result<Expression, ParseError> {
        let expr = parser::parse_expression(src, known_names)?;
        Ok(Expression {
            source: src.to_string(),
            expr,
        })
    }

    /// The text the expression was parsed from.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The syntax tree.
    pub fn ast(&self) -> &ast::Expr {
        &self.expr
    }

    /// Evaluates the expression. FEEL type errors yield `Ok(Value::Null)`; `Err` means a hard
    /// error (a limit was exceeded).
    pub fn evaluate(&self, env: &Env<'_>) -> Result<Value, EvalError> {
        eval::evaluate(&self.expr, env)
    }

    /// Evaluates the expression and explains where `null` came from: the result (as
    /// [`Expression::evaluate`]) plus notes naming the sub-expressions and values involved.
    /// Use [`Explained::failure`] for a message quoting the expression text.
    pub fn evaluate_explained(&self, env: &Env<'_>) -> Explained {
        eval::explain(&self.expr, env)
    }

    /// Evaluates a condition: `Ok(b)` for a boolean result, otherwise an error whose message
    /// names the expression text, the value it gave and why, e.g. `expression 'amount > 100'
    /// evaluated to null, expected a boolean: cannot compare amount (string "12") with 100
    /// (number)`.
    pub fn evaluate_bool(&self, env: &Env<'_>) -> Result<bool, EvalError> {
        self.evaluate_explained(env).into_bool(&self.source)
    }

    /// Prints the expression as FEEL text; parsing the result gives the same tree.
    pub fn to_feel_string(&self) -> String {
        let mut out = String::new();
        self.expr.print(&mut out);
        out
    }

    /// Free variable names (first path segment), best effort, without duplicates, in order of
    /// first appearance. Built-in function names that are called are not included.
    pub fn referenced_names(&self) -> Vec<String> {
        eval::free_names(&self.expr)
    }
}

/// Parsed unary tests, e.g. the input entry of a decision table: `> 5, < 2`, `[1..10]`, `-`,
/// `not(3)`.
#[derive(Debug, Clone, PartialEq)]
pub struct UnaryTests {
    source: String,
    tests: ast::Tests,
}

impl UnaryTests {
    /// Parses unary tests.
    pub fn parse(src: &str) -> Result<UnaryTests, ParseError> {
        UnaryTests::parse_with_names(src, &[])
    }

    /// Parses unary tests with known variable names (see [`Expression::parse_with_names`]).
    pub fn parse_with_names(src: &str, known_names: &[&str]) -> Result<UnaryTests, ParseError> {
        let tests = parser::parse_unary_tests(src, known_names)?;
        Ok(UnaryTests {
            source: src.to_string(),
            tests,
        })
    }

    /// The text the tests were parsed from.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Tests `input`: `Bool(true)` when it matches, `Bool(false)` when not, `Null` when a test
    /// can not be decided.
    pub fn evaluate(&self, input: &Value, env: &Env<'_>) -> Result<Value, EvalError> {
        eval::evaluate_tests(&self.tests, input, env)
    }

    /// Prints the tests as FEEL text.
    pub fn to_feel_string(&self) -> String {
        let mut out = String::new();
        self.tests.print(&mut out);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_shareable<T: Clone + std::fmt::Debug + Send + Sync + 'static>() {}

    #[test]
    fn public_types_are_shareable() {
        assert_shareable::<Expression>();
        assert_shareable::<UnaryTests>();
        assert_shareable::<Value>();
        assert_shareable::<ParseError>();
        assert_shareable::<EvalError>();
    }

    #[test]
    fn json_variables_and_known_names() {
        let vars: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(r#"{"Loan-to-Value": 0.8, "amount": 10.25}"#).unwrap();
        let env = Env {
            variables: &vars,
            now: "2026-01-01T00:00:00Z[UTC]".parse().unwrap(),
        };
        let e = Expression::parse_with_names("Loan-to-Value * 100 + amount", &["Loan-to-Value"])
            .unwrap();
        assert_eq!(e.evaluate(&env).unwrap().to_json().to_string(), "90.25");
        assert_eq!(e.referenced_names(), vec!["Loan-to-Value", "amount"]);
        assert_eq!(e.source(), "Loan-to-Value * 100 + amount");
        let t = UnaryTests::parse("> 5").unwrap();
        assert_eq!(t.evaluate(&Value::int(6), &env).unwrap(), Value::Bool(true));
        assert_eq!(t.to_feel_string(), "> 5");
    }
}
