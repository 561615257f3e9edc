//! Tree-walking FEEL evaluator: scopes, null propagation, three-valued logic, filters, paths,
//! iteration, quantifiers, function calls and unary tests. Every node visit costs a step from
//! a budget and nesting is bounded (see `limits`); exceeding either is a hard `EvalError`.
//! FEEL type errors are not hard errors: they evaluate to null, and the evaluator records a
//! note naming the sub-expression and the values (see [`crate::Explained`]). Never reads the
//! clock or I/O.
//!
//! Stack use: `eval_inner` only dispatches; every construct has its own function so that each
//! level of recursion keeps little on the stack, even in unoptimised builds.

mod call;
mod iterate;
mod notes;
mod operators;

use std::sync::Arc;

use crate::ast::{Expr, Tests};
use crate::builtins;
use crate::explain::{MAX_NOTES, did_you_mean};
use crate::limits::{MAX_COLLECTION_LEN, MAX_EVAL_DEPTH, MAX_STEPS};
use crate::value::{Closure, Context, Function, Value};
use crate::{Env, EvalError, Explained};

pub use operators::at_literal;

/// Evaluated call arguments.
pub enum ArgVals {
    /// `f(a, b)`
    Positional(Vec<Value>),
    /// `f(x: a)`
    Named(Vec<(String, Value)>),
}

/// Evaluation state: scopes, budget, depth and notes.
pub struct Evaluator<'a, 'e> {
    pub(crate) env: &'a Env<'e>,
    frames: Vec<Context>,
    steps: u64,
    depth: usize,
    calls: usize,
    notes: Vec<String>,
}

/// Evaluates an expression in a fresh evaluator.
pub fn evaluate(e: &Expr, env: &Env<'_>) -> Result<Value, EvalError> {
    Evaluator::new(env).eval(e)
}

/// Evaluates an expression, keeping the notes on where nulls came from.
pub fn explain(e: &Expr, env: &Env<'_>) -> Explained {
    let mut ev = Evaluator::new(env);
    let result = ev.eval(e);
    Explained {
        result,
        notes: ev.notes,
    }
}

/// Evaluates unary tests against an input value.
pub fn evaluate_tests(t: &Tests, input: &Value, env: &Env<'_>) -> Result<Value, EvalError> {
    let mut ev = Evaluator::new(env);
    match t {
        Tests::Any => Ok(Value::Bool(true)),
        Tests::Positive(items) => ev.any_test(input, items),
        Tests::Not(items) => Ok(match ev.any_test(input, items)? {
            Value::Bool(b) => Value::Bool(!b),
            _ => Value::Null,
        }),
    }
}

fn bool_of(v: &Value) -> Option<bool> {
    match v {
        Value::Bool(b) => Some(*b),
        _ => None,
    }
}

impl<'a, 'e> Evaluator<'a, 'e> {
    /// A fresh evaluator with no local scopes.
    pub fn new(env: &'a Env<'e>) -> Evaluator<'a, 'e> {
        Evaluator {
            env,
            frames: Vec::new(),
            steps: 0,
            depth: 0,
            calls: 0,
            notes: Vec::new(),
        }
    }

    /// Charges `n` steps against the budget.
    pub fn charge(&mut self, n: u64) -> Result<(), EvalError> {
        self.steps = self.steps.saturating_add(n);
        if self.steps > MAX_STEPS {
            return Err(EvalError::new(format!(
                "evaluation exceeded the budget of {MAX_STEPS} steps"
            )));
        }
        Ok(())
    }

    /// Charges for the volume of a value that is copied or produced (top level only).
    pub fn charge_value(&mut self, v: &Value) -> Result<(), EvalError> {
        let n = match v {
            Value::List(items) => items.len(),
            Value::Context(c) => c.len(),
            Value::String(s) => s.len() / crate::limits::BYTES_PER_STEP,
            _ => 0,
        };
        if n > 0 { self.charge(n as u64) } else { Ok(()) }
    }

    /// Fails when a collection of `len` elements would exceed the size limit.
    pub fn check_len(&self, len: usize, what: &str) -> Result<(), EvalError> {
        if len > MAX_COLLECTION_LEN {
            return Err(EvalError::new(format!(
                "{what} would have {len} elements, more than the limit of {MAX_COLLECTION_LEN}"
            )));
        }
        Ok(())
    }

    /// Whether there is room for another note (build messages only then).
    pub(crate) fn noting(&self) -> bool {
        self.notes.len() < MAX_NOTES
    }

    /// How many notes were recorded so far.
    pub(crate) fn note_count(&self) -> usize {
        self.notes.len()
    }

    /// Records why something evaluated to null.
    pub(crate) fn note(&mut self, message: String) {
        if self.noting() && !self.notes.contains(&message) {
            self.notes.push(message);
        }
    }

    /// The value of a name: local scopes, then variables, then built-in functions.
    fn lookup(&self, name: &str) -> Option<Value> {
        for f in self.frames.iter().rev() {
            if let Some(v) = f.get(name) {
                return Some(v.clone());
            }
        }
        if let Some(v) = self.env.variables.lookup(name) {
            return Some(v);
        }
        builtins::lookup(name).map(|n| Value::Function(Function::Builtin(n)))
    }

    /// ` (did you mean 'x'?)` for a name that is not defined, from the names in scope.
    fn suggestion(&self, name: &str, functions: bool) -> String {
        let vars = self.env.variables.names();
        let mut candidates: Vec<&str> = Vec::new();
        for f in &self.frames {
            candidates.extend(f.iter().map(|(k, _)| k.as_str()));
        }
        candidates.extend(vars.iter().map(String::as_str));
        if functions {
            for n in builtins::names() {
                candidates.push(n);
            }
        }
        did_you_mean(name, candidates)
    }

    fn with_frame<T>(&mut self, frame: Context, f: impl FnOnce(&mut Self) -> T) -> T {
        self.frames.push(frame);
        let r = f(self);
        self.frames.pop();
        r
    }

    /// Evaluates an expression.
    pub fn eval(&mut self, e: &Expr) -> Result<Value, EvalError> {
        self.charge(1)?;
        self.depth += 1;
        if self.depth > MAX_EVAL_DEPTH {
            self.depth -= 1;
            return Err(EvalError::new(format!(
                "evaluation nested deeper than {MAX_EVAL_DEPTH} levels"
            )));
        }
        let r = self.eval_inner(e);
        self.depth -= 1;
        r
    }

    fn eval_inner(&mut self, e: &Expr) -> Result<Value, EvalError> {
        match e {
            Expr::Null => Ok(Value::Null),
            Expr::Bool(b) => Ok(Value::Bool(*b)),
            Expr::Number(n) => Ok(Value::Number(*n)),
            Expr::String(s) => Ok(Value::String(s.clone())),
            Expr::At(s) => Ok(self.at(s)),
            Expr::Name(n) => self.name(n),
            Expr::List(items) => self.list(items),
            Expr::Context(entries) => self.context(entries),
            Expr::Range {
                start,
                start_closed,
                end,
                end_closed,
            } => self.range(start, *start_closed, end, *end_closed),
            Expr::UnaryCmp(op, e) => self.unary_cmp(*op, e),
            Expr::Neg(x) => self.neg(x),
            Expr::Arith(op, a, b) => self.arith(*op, a, b),
            Expr::Compare(op, a, b) => self.compare(*op, a, b),
            Expr::And(a, b) => self.and(a, b),
            Expr::Or(a, b) => self.or(a, b),
            Expr::Between(v, lo, hi) => self.between(v, lo, hi),
            Expr::In(v, tests) => self.in_tests(v, tests),
            Expr::InstanceOf(v, t) => self.instance_of(v, t),
            Expr::Path(target, name) => self.path(target, name),
            Expr::Filter(target, filter) => self.filter_expr(target, filter),
            Expr::Call(callee, args) => self.call(callee, args),
            Expr::If(c, a, b) => self.if_then_else(c, a, b),
            Expr::For(its, body) => self.for_expr(its, body),
            Expr::Quantified {
                every,
                iterations,
                satisfies,
            } => self.quantified(*every, iterations, satisfies),
            Expr::Function(params, body) => Ok(self.closure(params, body)),
        }
    }

    fn name(&mut self, n: &str) -> Result<Value, EvalError> {
        match self.lookup(n) {
            Some(v) => {
                self.charge_value(&v)?;
                Ok(v)
            }
            None => {
                if self.noting() {
                    let m = format!("no variable named '{n}'{}", self.suggestion(n, false));
                    self.note(m);
                }
                Ok(Value::Null)
            }
        }
    }

    fn list(&mut self, items: &[Expr]) -> Result<Value, EvalError> {
        let mut out = Vec::with_capacity(items.len());
        for i in items {
            out.push(self.eval(i)?);
        }
        Ok(Value::List(out))
    }

    fn context(&mut self, entries: &[(String, Expr)]) -> Result<Value, EvalError> {
        self.frames.push(Context::new());
        let mut result = Ok(());
        for (k, v) in entries {
            match self.eval(v) {
                Ok(val) => {
                    if let Some(f) = self.frames.last_mut() {
                        f.insert(k.clone(), val);
                    }
                }
                Err(err) => {
                    result = Err(err);
                    break;
                }
            }
        }
        let ctx = self.frames.pop().unwrap_or_default();
        result?;
        Ok(Value::Context(ctx))
    }

    fn closure(&mut self, params: &[(String, Option<crate::ast::Type>)], body: &Expr) -> Value {
        let mut captured = Context::new();
        for f in &self.frames {
            for (k, v) in f.iter() {
                captured.insert(k.clone(), v.clone());
            }
        }
        Value::Function(Function::User(Arc::new(Closure {
            params: params.to_vec(),
            body: body.clone(),
            captured,
        })))
    }
}

fn any_sub(e: &Expr, pred: &dyn Fn(&Expr) -> bool) -> bool {
    if pred(e) {
        return true;
    }
    let mut found = false;
    crate::names::children(e, &mut |c| {
        if !found && any_sub(c, pred) {
            found = true;
        }
    });
    found
}

fn mentions_input(e: &Expr) -> bool {
    any_sub(e, &|x| matches!(x, Expr::Name(n) if n == "?"))
}

/// Free variable names of an expression.
pub fn free_names(e: &Expr) -> Vec<String> {
    crate::names::free_names(e)
}

#[cfg(test)]
mod tests {
    use crate::test_util::show;

    #[test]
    fn null_propagation_and_logic() {
        assert_eq!(show("null + 1"), "null");
        assert_eq!(show("null and false"), "false");
        assert_eq!(show("null or true"), "true");
        assert_eq!(show("\"a\" < 1"), "null");
        assert_eq!(show("1 between null and 3"), "null");
        assert_eq!(show("if 1 then 2 else 3"), "3");
    }

    #[test]
    fn unary_tests_inside_in() {
        assert_eq!(show("5 in (< 3, > 4)"), "true");
        assert_eq!(show("5 in [[1..2], [4..6]]"), "true");
        assert_eq!(show("5 in != 5"), "false");
        assert_eq!(show("5 in (null..10]"), "null");
    }

    #[test]
    fn functions_and_closures() {
        assert_eq!(show("{k: 10, f: function(a) a + k}.f(1)"), "11");
        assert_eq!(show("(function(a: number) a)(\"x\")"), "null");
        assert_eq!(show("(function(a, b) b)(b: 2, a: 1)"), "2");
        assert_eq!(show("not(true, false)"), "null");
    }

    #[test]
    fn paths_and_properties() {
        assert_eq!(show("[{a: 1}, {a: 2}].a"), "[1, 2]");
        assert_eq!(show("@\"10:30:15\".minute"), "30");
        assert_eq!(show("[1..5).end included"), "false");
        assert_eq!(show("duration(\"P2DT3H\").hours"), "3");
    }
}
