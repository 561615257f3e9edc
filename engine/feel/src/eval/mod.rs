//! Tree-walking FEEL evaluator: scopes, null propagation, three-valued logic, filters, paths,
//! iteration, quantifiers, function calls and unary tests. Every node visit costs a step from
//! a budget and nesting is bounded (see `limits`); exceeding either is a hard `EvalError`.
//! FEEL type errors are not hard errors: they evaluate to null. Never reads the clock or I/O.

mod call;
mod iterate;

use std::sync::Arc;

use crate::ast::{CmpOp, Expr, Tests};
use crate::builtins;
use crate::limits::{MAX_COLLECTION_LEN, MAX_EVAL_DEPTH, MAX_STEPS};
use crate::ops;
use crate::temporal;
use crate::types;
use crate::value::{Bound, Closure, Context, Function, Range, Value};
use crate::{Env, EvalError};

/// Evaluated call arguments.
pub enum ArgVals {
    /// `f(a, b)`
    Positional(Vec<Value>),
    /// `f(x: a)`
    Named(Vec<(String, Value)>),
}

/// Evaluation state: scopes, budget and depth.
pub struct Evaluator<'a, 'e> {
    pub(crate) env: &'a Env<'e>,
    frames: Vec<Context>,
    steps: u64,
    depth: usize,
}

/// Evaluates an expression in a fresh evaluator.
pub fn evaluate(e: &Expr, env: &Env<'_>) -> Result<Value, EvalError> {
    Evaluator::new(env).eval(e)
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

/// Parses an `@"..."` literal: date and time, date, time or duration.
pub fn at_literal(s: &str) -> Value {
    if let Some(d) = temporal::parse_date(s) {
        return Value::Date(d);
    }
    if let Some(d) = temporal::parse_date_time(s).filter(|_| s.contains('T')) {
        return Value::DateTime(d);
    }
    if let Some(t) = temporal::parse_time(s) {
        return Value::Time(t);
    }
    match temporal::parse_duration(s) {
        Some(temporal::Duration::DayTime(d)) => Value::DayTimeDuration(d),
        Some(temporal::Duration::YearMonth(d)) => Value::YearMonthDuration(d),
        None => Value::Null,
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

    fn lookup(&self, name: &str) -> Value {
        for f in self.frames.iter().rev() {
            if let Some(v) = f.get(name) {
                return v.clone();
            }
        }
        if let Some(v) = self.env.variables.lookup(name) {
            return v;
        }
        match builtins::lookup(name) {
            Some(n) => Value::Function(Function::Builtin(n)),
            None => Value::Null,
        }
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
        let r = crate::limits::with_stack(|| self.eval_inner(e));
        self.depth -= 1;
        r
    }

    fn eval_inner(&mut self, e: &Expr) -> Result<Value, EvalError> {
        Ok(match e {
            Expr::Null => Value::Null,
            Expr::Bool(b) => Value::Bool(*b),
            Expr::Number(n) => Value::Number(*n),
            Expr::String(s) => Value::String(s.clone()),
            Expr::At(s) => at_literal(s),
            Expr::Name(n) => {
                let v = self.lookup(n);
                self.charge_value(&v)?;
                v
            }
            Expr::List(items) => {
                let mut out = Vec::with_capacity(items.len());
                for i in items {
                    out.push(self.eval(i)?);
                }
                Value::List(out)
            }
            Expr::Context(entries) => self.context(entries)?,
            Expr::Range {
                start,
                start_closed,
                end,
                end_closed,
            } => {
                let s = self.eval(start)?;
                let t = self.eval(end)?;
                make_range(s, *start_closed, t, *end_closed)
            }
            Expr::UnaryCmp(op, e) => {
                let v = self.eval(e)?;
                unary_range(*op, v)
            }
            Expr::Neg(e) => {
                let v = self.eval(e)?;
                ops::negate(&v).unwrap_or(Value::Null)
            }
            Expr::Arith(op, a, b) => {
                let x = self.eval(a)?;
                let y = self.eval(b)?;
                let r = ops::arith(*op, &x, &y);
                if let Value::String(s) = &r {
                    self.check_len(s.len(), "string concatenation")?;
                }
                self.charge_value(&r)?;
                r
            }
            Expr::Compare(op, a, b) => {
                let x = self.eval(a)?;
                let y = self.eval(b)?;
                ops::apply_cmp(*op, &x, &y)
            }
            Expr::And(a, b) => {
                let x = bool_of(&self.eval(a)?);
                if x == Some(false) {
                    return Ok(Value::Bool(false));
                }
                match (x, bool_of(&self.eval(b)?)) {
                    (_, Some(false)) => Value::Bool(false),
                    (Some(true), Some(true)) => Value::Bool(true),
                    _ => Value::Null,
                }
            }
            Expr::Or(a, b) => {
                let x = bool_of(&self.eval(a)?);
                if x == Some(true) {
                    return Ok(Value::Bool(true));
                }
                match (x, bool_of(&self.eval(b)?)) {
                    (_, Some(true)) => Value::Bool(true),
                    (Some(false), Some(false)) => Value::Bool(false),
                    _ => Value::Null,
                }
            }
            Expr::Between(v, lo, hi) => {
                let v = self.eval(v)?;
                let lo = self.eval(lo)?;
                let hi = self.eval(hi)?;
                let a = bool_of(&ops::apply_cmp(CmpOp::Ge, &v, &lo));
                let b = bool_of(&ops::apply_cmp(CmpOp::Le, &v, &hi));
                match (a, b) {
                    (Some(false), _) | (_, Some(false)) => Value::Bool(false),
                    (Some(true), Some(true)) => Value::Bool(true),
                    _ => Value::Null,
                }
            }
            Expr::In(v, tests) => {
                let v = self.eval(v)?;
                self.any_test(&v, tests)?
            }
            Expr::InstanceOf(v, t) => {
                let v = self.eval(v)?;
                Value::Bool(types::instance_of(&v, t))
            }
            Expr::Path(target, name) => {
                let v = self.eval(target)?;
                path(&v, name)
            }
            Expr::Filter(target, filter) => {
                let v = self.eval(target)?;
                self.filter(v, filter)?
            }
            Expr::Call(callee, args) => self.call(callee, args)?,
            Expr::If(c, a, b) => {
                if self.eval(c)? == Value::Bool(true) {
                    self.eval(a)?
                } else {
                    self.eval(b)?
                }
            }
            Expr::For(its, body) => {
                let mut results = Vec::new();
                let partial = any_sub(body, &|x| matches!(x, Expr::Name(n) if n == "partial"));
                match self.for_loop(its, body, partial, &mut results)? {
                    true => Value::List(results),
                    false => Value::Null,
                }
            }
            Expr::Quantified {
                every,
                iterations,
                satisfies,
            } => self.quantified(*every, iterations, satisfies)?,
            Expr::Function(params, body) => self.closure(params, body),
        })
    }

    #[inline(never)]
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

    #[inline(never)]
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

    /// `true` if a positive unary test matches, `null` if none matched and one was undecided.
    fn any_test(&mut self, input: &Value, tests: &[Expr]) -> Result<Value, EvalError> {
        let mut frame = Context::new();
        frame.insert("?", input.clone());
        self.frames.push(frame);
        let mut saw_null = false;
        let mut result = Ok(Value::Bool(false));
        for t in tests {
            match self.test(input, t) {
                Ok(Value::Bool(true)) => {
                    result = Ok(Value::Bool(true));
                    break;
                }
                Ok(Value::Bool(false)) => {}
                Ok(_) => saw_null = true,
                Err(e) => {
                    result = Err(e);
                    break;
                }
            }
        }
        self.frames.pop();
        match result {
            Ok(Value::Bool(false)) if saw_null => Ok(Value::Null),
            r => r,
        }
    }

    fn test(&mut self, input: &Value, t: &Expr) -> Result<Value, EvalError> {
        if let Expr::UnaryCmp(op, e) = t {
            let v = self.eval(e)?;
            return Ok(ops::apply_cmp(*op, input, &v));
        }
        let v = self.eval(t)?;
        Ok(match &v {
            Value::Bool(_) if mentions_input(t) || !matches!(input, Value::Bool(_)) => v,
            Value::List(items) => {
                let found = items.iter().any(|i| matches_value(input, i) == Some(true));
                Value::Bool(
                    found
                        || (matches!(input, Value::List(_)) && ops::equal(input, &v) == Some(true)),
                )
            }
            other => matches_value(input, other).map_or(Value::Null, Value::Bool),
        })
    }
}

/// A value used as a test: a range contains the input, anything else equals it.
fn matches_value(input: &Value, test: &Value) -> Option<bool> {
    match test {
        Value::Range(r) => ops::in_range(input, r),
        other => ops::equal(input, other),
    }
}

fn index(items: Vec<Value>, n: &crate::number::Number) -> Value {
    let Some(i) = n.trunc_i64() else {
        return Value::Null;
    };
    let len = items.len() as i64;
    let idx = if i > 0 { i - 1 } else { len + i };
    if i == 0 || idx < 0 || idx >= len {
        return Value::Null;
    }
    items.into_iter().nth(idx as usize).unwrap_or(Value::Null)
}

fn make_range(s: Value, start_closed: bool, t: Value, end_closed: bool) -> Value {
    let bound = |v: Value, closed: bool| {
        Some(Bound {
            value: Box::new(v),
            closed,
        })
    };
    if matches!((&s, &t), (Value::Null, Value::Null)) {
        return Value::Null;
    }
    if !matches!((&s, &t), (Value::Null, _) | (_, Value::Null)) && ops::compare(&s, &t).is_none() {
        return Value::Null;
    }
    Value::Range(Range {
        start: bound(s, start_closed),
        end: bound(t, end_closed),
    })
}

fn unary_range(op: CmpOp, v: Value) -> Value {
    let b = |closed| {
        Some(Bound {
            value: Box::new(v.clone()),
            closed,
        })
    };
    match op {
        CmpOp::Lt => Value::Range(Range {
            start: None,
            end: b(false),
        }),
        CmpOp::Le => Value::Range(Range {
            start: None,
            end: b(true),
        }),
        CmpOp::Gt => Value::Range(Range {
            start: b(false),
            end: None,
        }),
        CmpOp::Ge => Value::Range(Range {
            start: b(true),
            end: None,
        }),
        CmpOp::Eq => Value::Range(Range {
            start: b(true),
            end: b(true),
        }),
        CmpOp::Ne => v,
    }
}

/// `v.name`: context entry, mapped over lists, or a temporal / range property.
pub fn path(v: &Value, name: &str) -> Value {
    match v {
        Value::Context(c) => c.get(name).cloned().unwrap_or(Value::Null),
        Value::List(items) => Value::List(items.iter().map(|i| path(i, name)).collect()),
        other => ops::property(other, name),
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
