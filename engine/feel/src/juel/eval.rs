//! Evaluation of JUEL trees with the coercion rules of the EL 2.2 specification (section 1.18)
//! as Camunda 7 applies them: arithmetic coerces `null` to 0 and numeric strings to numbers,
//! `&&`/`||`/`!`/`?:` coerce to boolean (`null` and non-`"true"` strings are false), `==`
//! coerces to the number, boolean or string kind of either side, and comparisons with `null`
//! are false. A missing root variable is an error, as Camunda 7's `PropertyNotFoundException`.
//!
//! Errors name the sub-expression and the values involved (`cannot coerce amount (string
//! "abc") to a number in amount + 1`); a missing map entry (which is `null` in JUEL) is
//! recorded as a note for [`crate::Explained`]. Each node kind has its own small function so
//! that the recursion keeps little on the stack per level.

use super::parser::{BinOp, Expr, Part};
use super::print::print;
use crate::explain::{MAX_NOTES, did_you_mean, shorten};
use crate::number::Rounding;
use crate::{Env, EvalError, Number, Value};
use std::cmp::Ordering;

/// Evaluation state: the environment and the notes on where nulls came from.
pub(crate) struct Evaluator<'a, 'e> {
    env: &'a Env<'e>,
    pub(crate) notes: Vec<String>,
}

/// The expression as JUEL text, cut to a bounded length.
fn text(e: &Expr) -> String {
    let mut out = String::new();
    print(e, &mut out);
    shorten(&out)
}

/// `amount (string "12")` for a computed operand, `'x' (string)` for a literal.
fn operand(e: &Expr, v: &Value) -> String {
    match e {
        Expr::Lit(_) => format!("{} ({})", text(e), v.type_name()),
        _ => format!("{} ({})", text(e), v.describe()),
    }
}

/// JUEL coercion to string: `null` is empty.
fn to_text(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn is_empty(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        Value::List(l) => l.is_empty(),
        Value::Context(c) => c.is_empty(),
        _ => false,
    }
}

/// JUEL coercion to boolean; `None` when the value can not be coerced.
fn as_bool(v: &Value) -> Option<bool> {
    match v {
        Value::Null => Some(false),
        Value::Bool(b) => Some(*b),
        Value::String(s) => Some(s.eq_ignore_ascii_case("true")),
        _ => None,
    }
}

/// JUEL coercion to number: `null` and `""` are 0, numeric strings are parsed; `None` when
/// the value can not be coerced.
fn as_number(v: &Value) -> Option<Number> {
    match v {
        Value::Null => Some(Number::ZERO),
        Value::Number(n) => Some(*n),
        Value::String(s) if s.is_empty() => Some(Number::ZERO),
        Value::String(s) => Number::parse(s),
        _ => None,
    }
}

impl<'a, 'e> Evaluator<'a, 'e> {
    pub(crate) fn new(env: &'a Env<'e>) -> Evaluator<'a, 'e> {
        Evaluator {
            env,
            notes: Vec::new(),
        }
    }

    fn note(&mut self, message: impl FnOnce() -> String) {
        if self.notes.len() < MAX_NOTES {
            let m = message();
            if !self.notes.contains(&m) {
                self.notes.push(m);
            }
        }
    }

    /// Evaluates composite parts: a single expression keeps its type, anything else is a
    /// string.
    pub(crate) fn parts(&mut self, parts: &[Part]) -> Result<Value, EvalError> {
        if let [Part::Expr(e)] = parts {
            return self.eval(e);
        }
        let mut out = String::new();
        for p in parts {
            match p {
                Part::Text(t) => out.push_str(t),
                Part::Expr(e) => out.push_str(&to_text(&self.eval(e)?)),
            }
        }
        Ok(Value::String(out))
    }

    /// Evaluates a tree. Recursion follows the tree, whose height the parser bounds.
    fn eval(&mut self, e: &Expr) -> Result<Value, EvalError> {
        match e {
            Expr::Lit(v) => Ok(v.clone()),
            Expr::Var(name) => self.variable(name),
            Expr::Index(base, index) => self.index(base, index),
            Expr::Neg(x) => self.neg(x),
            Expr::Not(x) => {
                let v = self.eval(x)?;
                Ok(Value::Bool(!self.to_bool(x, &v, e)?))
            }
            Expr::Empty(x) => Ok(Value::Bool(is_empty(&self.eval(x)?))),
            Expr::Cond(c, a, b) => self.cond(c, a, b, e),
            Expr::Binary(BinOp::And, a, b) => self.logic(true, a, b, e),
            Expr::Binary(BinOp::Or, a, b) => self.logic(false, a, b, e),
            Expr::Binary(op, a, b) => self.binary(*op, a, b, e),
            Expr::GetVariable(name) => {
                let name = to_text(&self.eval(name)?);
                Ok(self.env.variables.lookup(&name).unwrap_or(Value::Null))
            }
            Expr::HasVariable(name) => {
                let name = to_text(&self.eval(name)?);
                Ok(Value::Bool(self.env.variables.lookup(&name).is_some()))
            }
            Expr::BusinessKey => Ok(self.special("__business_key")),
            Expr::InstanceId => Ok(self.special("__instance_id")),
        }
    }

    fn special(&self, name: &str) -> Value {
        self.env.variables.lookup(name).unwrap_or(Value::Null)
    }

    fn variable(&mut self, name: &str) -> Result<Value, EvalError> {
        if let Some(v) = self.env.variables.lookup(name) {
            return Ok(v);
        }
        let names = self.env.variables.names();
        Err(EvalError::new(format!(
            "unknown property used in expression: {name}{}",
            did_you_mean(name, names.iter().map(String::as_str))
        )))
    }

    /// `base.name` / `base[index]`: map entries (missing → null), 0-based list items (out of
    /// range → null); a `null` base gives `null`.
    fn index(&mut self, base: &Expr, index: &Expr) -> Result<Value, EvalError> {
        let b = self.eval(base)?;
        let i = self.eval(index)?;
        match &b {
            Value::Null => Ok(Value::Null),
            Value::Context(c) => {
                let key = to_text(&i);
                match c.get(&key) {
                    Some(v) => Ok(v.clone()),
                    None => {
                        self.note(|| {
                            format!(
                                "{} has no entry '{key}'{}",
                                text(base),
                                did_you_mean(&key, c.iter().map(|(k, _)| k.as_str()))
                            )
                        });
                        Ok(Value::Null)
                    }
                }
            }
            Value::List(items) => {
                let n = self.to_number(index, &i, index)?;
                let item = n
                    .trunc_i64()
                    .and_then(|n| usize::try_from(n).ok())
                    .and_then(|n| items.get(n));
                match item {
                    Some(v) => Ok(v.clone()),
                    None => {
                        self.note(|| {
                            format!(
                                "{} has no item {n} (it has {}; indexes start at 0)",
                                text(base),
                                items.len()
                            )
                        });
                        Ok(Value::Null)
                    }
                }
            }
            other => Err(EvalError::new(format!(
                "{} has no property '{}'",
                operand(base, other),
                shorten(&to_text(&i))
            ))),
        }
    }

    fn neg(&mut self, x: &Expr) -> Result<Value, EvalError> {
        let v = self.eval(x)?;
        match v {
            Value::Null => Ok(Value::Number(Number::ZERO)),
            v => Ok(Value::Number(self.to_number(x, &v, x)?.neg())),
        }
    }

    fn cond(&mut self, c: &Expr, a: &Expr, b: &Expr, whole: &Expr) -> Result<Value, EvalError> {
        let v = self.eval(c)?;
        if self.to_bool(c, &v, whole)? {
            self.eval(a)
        } else {
            self.eval(b)
        }
    }

    /// `&&` (`and == true`) and `||`, short-circuiting.
    fn logic(&mut self, and: bool, a: &Expr, b: &Expr, whole: &Expr) -> Result<Value, EvalError> {
        let x = self.eval(a)?;
        let x = self.to_bool(a, &x, whole)?;
        if x != and {
            return Ok(Value::Bool(x));
        }
        let y = self.eval(b)?;
        Ok(Value::Bool(self.to_bool(b, &y, whole)?))
    }

    /// JUEL coercion to boolean, or an error naming the operand and the expression.
    fn to_bool(&self, e: &Expr, v: &Value, whole: &Expr) -> Result<bool, EvalError> {
        as_bool(v).ok_or_else(|| {
            EvalError::new(format!(
                "cannot coerce {} to a boolean in {}",
                operand(e, v),
                text(whole)
            ))
        })
    }

    /// JUEL coercion to number, or an error naming the operand and the expression.
    fn to_number(&self, e: &Expr, v: &Value, whole: &Expr) -> Result<Number, EvalError> {
        as_number(v).ok_or_else(|| {
            EvalError::new(format!(
                "cannot coerce {} to a number in {}",
                operand(e, v),
                text(whole)
            ))
        })
    }

    fn binary(&mut self, op: BinOp, a: &Expr, b: &Expr, whole: &Expr) -> Result<Value, EvalError> {
        let x = self.eval(a)?;
        let y = self.eval(b)?;
        match op {
            BinOp::Eq => Ok(Value::Bool(self.equals(a, &x, b, &y, whole)?)),
            BinOp::Ne => Ok(Value::Bool(!self.equals(a, &x, b, &y, whole)?)),
            BinOp::Lt | BinOp::Gt | BinOp::Le | BinOp::Ge => {
                let Some(ord) = self.compare(a, &x, b, &y)? else {
                    return Ok(Value::Bool(false));
                };
                Ok(Value::Bool(match op {
                    BinOp::Lt => ord == Ordering::Less,
                    BinOp::Gt => ord == Ordering::Greater,
                    BinOp::Le => ord != Ordering::Greater,
                    _ => ord != Ordering::Less,
                }))
            }
            _ => self.arith(op, a, &x, b, &y, whole),
        }
    }

    fn arith(
        &self,
        op: BinOp,
        a: &Expr,
        x: &Value,
        b: &Expr,
        y: &Value,
        whole: &Expr,
    ) -> Result<Value, EvalError> {
        let (p, q) = (self.to_number(a, x, whole)?, self.to_number(b, y, whole)?);
        if matches!(op, BinOp::Div | BinOp::Mod) && q.is_zero() {
            return Err(EvalError::new(format!(
                "division by zero in {} ({} is {})",
                text(whole),
                text(b),
                y.describe()
            )));
        }
        let r = match op {
            BinOp::Add => p.add(&q),
            BinOp::Sub => p.sub(&q),
            BinOp::Mul => p.mul(&q),
            BinOp::Div => p.div(&q),
            // Java `%`: the remainder has the sign of the dividend.
            _ => p
                .div(&q)
                .and_then(|d| d.round(0, Rounding::Down))
                .and_then(|d| d.mul(&q))
                .and_then(|m| p.sub(&m)),
        };
        r.map(Value::Number)
            .ok_or_else(|| EvalError::new(format!("the result of {} is out of range", text(whole))))
    }

    /// EL `==`: null only equals null; a number on either side compares numerically, a
    /// boolean as booleans, a string as strings; otherwise deep equality.
    fn equals(
        &self,
        a: &Expr,
        x: &Value,
        b: &Expr,
        y: &Value,
        whole: &Expr,
    ) -> Result<bool, EvalError> {
        Ok(match (x, y) {
            (Value::Null, Value::Null) => true,
            (Value::Null, _) | (_, Value::Null) => false,
            (Value::Number(_), _) | (_, Value::Number(_)) => {
                self.to_number(a, x, whole)?
                    .cmp(&self.to_number(b, y, whole)?)
                    == Ordering::Equal
            }
            (Value::Bool(_), _) | (_, Value::Bool(_)) => {
                self.to_bool(a, x, whole)? == self.to_bool(b, y, whole)?
            }
            (Value::String(s), other) | (other, Value::String(s)) => *s == to_text(other),
            _ => x == y,
        })
    }

    /// EL `<` and friends: `None` (false) when either side is null.
    fn compare(
        &self,
        a: &Expr,
        x: &Value,
        b: &Expr,
        y: &Value,
    ) -> Result<Option<Ordering>, EvalError> {
        Ok(match (x, y) {
            (Value::Null, _) | (_, Value::Null) => None,
            (Value::Number(_), _) | (_, Value::Number(_)) => match (as_number(x), as_number(y)) {
                (Some(p), Some(q)) => Some(p.cmp(&q)),
                _ => return Err(self.incomparable(a, x, b, y)),
            },
            (Value::String(p), Value::String(q)) => Some(p.cmp(q)),
            _ => return Err(self.incomparable(a, x, b, y)),
        })
    }

    fn incomparable(&self, a: &Expr, x: &Value, b: &Expr, y: &Value) -> EvalError {
        EvalError::new(format!(
            "cannot compare {} with {}",
            operand(a, x),
            operand(b, y)
        ))
    }
}
