//! Operator nodes of the evaluator: literals that need work (`@"..."`, ranges), arithmetic,
//! comparison, `and`/`or`, `between`, `in`, `instance of`, paths, filters and `if`, plus unary
//! tests. Value-level semantics live in `crate::ops`; this file evaluates operands, applies
//! them and records a note when FEEL's rules turn a type error into null.

use super::notes::{operand, text, verb};
use super::{Evaluator, bool_of, mentions_input};
use crate::EvalError;
use crate::ast::{ArithOp, CmpOp, Expr, Type};
use crate::explain::did_you_mean;
use crate::ops;
use crate::temporal;
use crate::types;
use crate::value::{Bound, Range, Value};

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

/// `v.name`: context entry, mapped over lists, or a temporal / range property.
pub fn path(v: &Value, name: &str) -> Value {
    match v {
        Value::Context(c) => c.get(name).cloned().unwrap_or(Value::Null),
        Value::List(items) => Value::List(items.iter().map(|i| path(i, name)).collect()),
        other => ops::property(other, name),
    }
}

/// A value used as a test: a range contains the input, anything else equals it.
fn matches_value(input: &Value, test: &Value) -> Option<bool> {
    match test {
        Value::Range(r) => ops::in_range(input, r),
        other => ops::equal(input, other),
    }
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
    let (start, end) = match op {
        CmpOp::Lt => (None, b(false)),
        CmpOp::Le => (None, b(true)),
        CmpOp::Gt => (b(false), None),
        CmpOp::Ge => (b(true), None),
        CmpOp::Eq => (b(true), b(true)),
        CmpOp::Ne => return v,
    };
    Value::Range(Range { start, end })
}

impl Evaluator<'_, '_> {
    pub(super) fn at(&mut self, s: &str) -> Value {
        let v = at_literal(s);
        if v == Value::Null && self.noting() {
            self.note(format!(
                "@{} is not a valid date, time, date and time or duration",
                text(&Expr::String(s.to_string()))
            ));
        }
        v
    }

    pub(super) fn range(
        &mut self,
        start: &Expr,
        start_closed: bool,
        end: &Expr,
        end_closed: bool,
    ) -> Result<Value, EvalError> {
        let s = self.eval(start)?;
        let t = self.eval(end)?;
        let r = make_range(s.clone(), start_closed, t.clone(), end_closed);
        if r == Value::Null && self.noting() {
            self.note(format!(
                "cannot make a range from {} to {}",
                operand(start, &s),
                operand(end, &t)
            ));
        }
        Ok(r)
    }

    pub(super) fn unary_cmp(&mut self, op: CmpOp, e: &Expr) -> Result<Value, EvalError> {
        let v = self.eval(e)?;
        Ok(unary_range(op, v))
    }

    pub(super) fn neg(&mut self, x: &Expr) -> Result<Value, EvalError> {
        let before = self.notes.len();
        let v = self.eval(x)?;
        match ops::negate(&v) {
            Some(r) => Ok(r),
            None => {
                if self.worth_noting(before, &[&v]) {
                    self.note(format!("cannot negate {}", operand(x, &v)));
                }
                Ok(Value::Null)
            }
        }
    }

    pub(super) fn arith(&mut self, op: ArithOp, a: &Expr, b: &Expr) -> Result<Value, EvalError> {
        let before = self.notes.len();
        let x = self.eval(a)?;
        let y = self.eval(b)?;
        let r = ops::arith(op, &x, &y);
        if let Value::String(s) = &r {
            self.check_len(s.len(), "string concatenation")?;
        }
        self.charge_value(&r)?;
        if r == Value::Null && self.worth_noting(before, &[&x, &y]) {
            self.note_arith(op, a, &x, b, &y);
        }
        Ok(r)
    }

    fn note_arith(&mut self, op: ArithOp, a: &Expr, x: &Value, b: &Expr, y: &Value) {
        let m = match (x, y) {
            (Value::Number(_), Value::Number(n)) if op == ArithOp::Div && n.is_zero() => {
                format!("division by zero: {} / {}", text(a), operand(b, y))
            }
            (Value::Number(_), Value::Number(_)) => format!(
                "the result of {} is out of the number range",
                text(&Expr::Arith(op, Box::new(a.clone()), Box::new(b.clone())))
            ),
            _ => {
                let (v, prep) = verb(op);
                let (first, second) = match op {
                    ArithOp::Sub => (operand(b, y), operand(a, x)),
                    _ => (operand(a, x), operand(b, y)),
                };
                format!("cannot {v} {first} {prep} {second}")
            }
        };
        self.note(m);
    }

    pub(super) fn compare(&mut self, op: CmpOp, a: &Expr, b: &Expr) -> Result<Value, EvalError> {
        let before = self.notes.len();
        let x = self.eval(a)?;
        let y = self.eval(b)?;
        let r = ops::apply_cmp(op, &x, &y);
        if r == Value::Null && self.worth_noting(before, &[&x, &y]) {
            let m = match op {
                CmpOp::Eq | CmpOp::Ne => format!(
                    "cannot test {} {} {}: different kinds of values",
                    operand(a, &x),
                    op.symbol(),
                    operand(b, &y)
                ),
                _ => format!("cannot compare {} with {}", operand(a, &x), operand(b, &y)),
            };
            self.note(m);
        }
        Ok(r)
    }

    /// Whether a null result deserves a note of its own: not when an operand is null and its
    /// cause was already noted (a missing variable, say).
    fn worth_noting(&self, before: usize, operands: &[&Value]) -> bool {
        self.noting()
            && !(self.notes.len() > before && operands.iter().any(|v| matches!(v, Value::Null)))
    }

    /// Notes an operand of `and`/`or` that is not a boolean.
    fn note_not_boolean(&mut self, before: usize, e: &Expr, v: &Value, op: &str) {
        if self.worth_noting(before, &[v]) {
            self.note(format!(
                "{} is not a boolean, so '{op}' can not use it",
                operand(e, v)
            ));
        }
    }

    pub(super) fn and(&mut self, a: &Expr, b: &Expr) -> Result<Value, EvalError> {
        let before = self.notes.len();
        let x = self.eval(a)?;
        if x == Value::Bool(false) {
            return Ok(Value::Bool(false));
        }
        let y = self.eval(b)?;
        Ok(match (bool_of(&x), bool_of(&y)) {
            (_, Some(false)) => Value::Bool(false),
            (Some(true), Some(true)) => Value::Bool(true),
            (p, q) => {
                if p.is_none() {
                    self.note_not_boolean(before, a, &x, "and");
                }
                if q.is_none() {
                    self.note_not_boolean(before, b, &y, "and");
                }
                Value::Null
            }
        })
    }

    pub(super) fn or(&mut self, a: &Expr, b: &Expr) -> Result<Value, EvalError> {
        let before = self.notes.len();
        let x = self.eval(a)?;
        if x == Value::Bool(true) {
            return Ok(Value::Bool(true));
        }
        let y = self.eval(b)?;
        Ok(match (bool_of(&x), bool_of(&y)) {
            (_, Some(true)) => Value::Bool(true),
            (Some(false), Some(false)) => Value::Bool(false),
            (p, q) => {
                if p.is_none() {
                    self.note_not_boolean(before, a, &x, "or");
                }
                if q.is_none() {
                    self.note_not_boolean(before, b, &y, "or");
                }
                Value::Null
            }
        })
    }

    pub(super) fn between(&mut self, v: &Expr, lo: &Expr, hi: &Expr) -> Result<Value, EvalError> {
        let before = self.notes.len();
        let x = self.eval(v)?;
        let l = self.eval(lo)?;
        let h = self.eval(hi)?;
        let a = bool_of(&ops::apply_cmp(CmpOp::Ge, &x, &l));
        let b = bool_of(&ops::apply_cmp(CmpOp::Le, &x, &h));
        Ok(match (a, b) {
            (Some(false), _) | (_, Some(false)) => Value::Bool(false),
            (Some(true), Some(true)) => Value::Bool(true),
            _ => {
                if self.worth_noting(before, &[&x, &l, &h]) {
                    self.note(format!(
                        "cannot test whether {} is between {} and {}",
                        operand(v, &x),
                        operand(lo, &l),
                        operand(hi, &h)
                    ));
                }
                Value::Null
            }
        })
    }

    pub(super) fn in_tests(&mut self, v: &Expr, tests: &[Expr]) -> Result<Value, EvalError> {
        let before = self.notes.len();
        let x = self.eval(v)?;
        let r = self.any_test(&x, tests)?;
        if r == Value::Null && self.worth_noting(before, &[&x]) && self.notes.len() == before {
            self.note(format!(
                "cannot decide whether {} is in the tests given",
                operand(v, &x)
            ));
        }
        Ok(r)
    }

    pub(super) fn instance_of(&mut self, v: &Expr, t: &Type) -> Result<Value, EvalError> {
        let x = self.eval(v)?;
        Ok(Value::Bool(types::instance_of(&x, t)))
    }

    pub(super) fn path(&mut self, target: &Expr, name: &str) -> Result<Value, EvalError> {
        let v = self.eval(target)?;
        let r = path(&v, name);
        if r == Value::Null && self.noting() {
            match &v {
                Value::Null => {}
                Value::Context(c) => {
                    let m = format!(
                        "{} has no entry '{name}'{}",
                        text(target),
                        did_you_mean(name, c.iter().map(|(k, _)| k.as_str()))
                    );
                    self.note(m);
                }
                _ => self.note(format!("{} has no property '{name}'", operand(target, &v))),
            }
        }
        Ok(r)
    }

    pub(super) fn filter_expr(&mut self, target: &Expr, filter: &Expr) -> Result<Value, EvalError> {
        let v = self.eval(target)?;
        self.filter(v, filter)
    }

    pub(super) fn if_then_else(
        &mut self,
        c: &Expr,
        a: &Expr,
        b: &Expr,
    ) -> Result<Value, EvalError> {
        let cond = self.eval(c)?;
        if cond == Value::Bool(true) {
            return self.eval(a);
        }
        if !matches!(cond, Value::Bool(false)) && self.noting() {
            self.note(format!(
                "the condition {} of 'if' is not a boolean, so the else branch was taken",
                operand(c, &cond)
            ));
        }
        self.eval(b)
    }

    /// `true` if a positive unary test matches, `null` if none matched and one was undecided.
    pub(super) fn any_test(&mut self, input: &Value, tests: &[Expr]) -> Result<Value, EvalError> {
        let mut frame = crate::value::Context::new();
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
