//! Evaluation of JUEL trees with the coercion rules of the EL 2.2 specification (section 1.18)
//! as Camunda 7 applies them: arithmetic coerces `null` to 0 and numeric strings to numbers,
//! `&&`/`||`/`!`/`?:` coerce to boolean (`null` and non-`"true"` strings are false), `==`
//! coerces to the number, boolean or string kind of either side, and comparisons with `null`
//! are false. A missing root variable is an error, as Camunda 7's `PropertyNotFoundException`.

use super::parser::{BinOp, Expr, Part};
use crate::number::Rounding;
use crate::{Env, EvalError, Number, Value};
use std::cmp::Ordering;

/// Evaluates composite parts: a single expression keeps its type, anything else is a string.
pub(crate) fn evaluate_parts(parts: &[Part], env: &Env<'_>) -> Result<Value, EvalError> {
    if let [Part::Expr(e)] = parts {
        return eval(e, env);
    }
    let mut out = String::new();
    for p in parts {
        match p {
            Part::Text(t) => out.push_str(t),
            Part::Expr(e) => out.push_str(&to_text(&eval(e, env)?)),
        }
    }
    Ok(Value::String(out))
}

/// JUEL coercion to string: `null` is empty.
fn to_text(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn eval(e: &Expr, env: &Env<'_>) -> Result<Value, EvalError> {
    crate::limits::with_stack(|| eval_inner(e, env))
}

fn eval_inner(e: &Expr, env: &Env<'_>) -> Result<Value, EvalError> {
    Ok(match e {
        Expr::Lit(v) => v.clone(),
        Expr::Var(name) => env.variables.lookup(name).ok_or_else(|| {
            EvalError::new(format!("unknown property used in expression: {name}"))
        })?,
        Expr::Index(base, index) => {
            let base = eval(base, env)?;
            let index = eval(index, env)?;
            property(&base, &index)?
        }
        Expr::Neg(x) => match eval(x, env)? {
            Value::Null => Value::Number(Number::ZERO),
            v => Value::Number(to_number(&v)?.neg()),
        },
        Expr::Not(x) => Value::Bool(!to_bool(&eval(x, env)?)?),
        Expr::Empty(x) => Value::Bool(is_empty(&eval(x, env)?)),
        Expr::Cond(c, a, b) => {
            if to_bool(&eval(c, env)?)? {
                eval(a, env)?
            } else {
                eval(b, env)?
            }
        }
        Expr::Binary(BinOp::And, a, b) => {
            Value::Bool(to_bool(&eval(a, env)?)? && to_bool(&eval(b, env)?)?)
        }
        Expr::Binary(BinOp::Or, a, b) => {
            Value::Bool(to_bool(&eval(a, env)?)? || to_bool(&eval(b, env)?)?)
        }
        Expr::Binary(op, a, b) => binary(*op, &eval(a, env)?, &eval(b, env)?)?,
        Expr::GetVariable(name) => {
            let name = to_text(&eval(name, env)?);
            env.variables.lookup(&name).unwrap_or(Value::Null)
        }
        Expr::BusinessKey => env
            .variables
            .lookup("__business_key")
            .unwrap_or(Value::Null),
        Expr::InstanceId => env.variables.lookup("__instance_id").unwrap_or(Value::Null),
    })
}

/// `base.name` / `base[index]`: map entries (missing → null), 0-based list items (out of
/// range → null); a `null` base gives `null`.
fn property(base: &Value, index: &Value) -> Result<Value, EvalError> {
    match base {
        Value::Null => Ok(Value::Null),
        Value::Context(c) => Ok(c.get(&to_text(index)).cloned().unwrap_or(Value::Null)),
        Value::List(items) => {
            let i = to_number(index)?;
            let item = i
                .trunc_i64()
                .and_then(|i| usize::try_from(i).ok())
                .and_then(|i| items.get(i));
            Ok(item.cloned().unwrap_or(Value::Null))
        }
        other => Err(EvalError::new(format!(
            "property '{}' not found on a {}",
            to_text(index),
            other.type_name()
        ))),
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

/// JUEL coercion to boolean.
fn to_bool(v: &Value) -> Result<bool, EvalError> {
    match v {
        Value::Null => Ok(false),
        Value::Bool(b) => Ok(*b),
        Value::String(s) => Ok(s.eq_ignore_ascii_case("true")),
        other => Err(EvalError::new(format!(
            "cannot coerce {} '{other}' to a boolean",
            other.type_name()
        ))),
    }
}

/// JUEL coercion to number: `null` and `""` are 0, numeric strings are parsed.
fn to_number(v: &Value) -> Result<Number, EvalError> {
    match v {
        Value::Null => Ok(Number::ZERO),
        Value::Number(n) => Ok(*n),
        Value::String(s) if s.is_empty() => Ok(Number::ZERO),
        Value::String(s) => Number::parse(s)
            .ok_or_else(|| EvalError::new(format!("cannot coerce string '{s}' to a number"))),
        other => Err(EvalError::new(format!(
            "cannot coerce {} '{other}' to a number",
            other.type_name()
        ))),
    }
}

fn arith(op: BinOp, a: &Value, b: &Value) -> Result<Value, EvalError> {
    let (x, y) = (to_number(a)?, to_number(b)?);
    let r = match op {
        BinOp::Add => x.add(&y),
        BinOp::Sub => x.sub(&y),
        BinOp::Mul => x.mul(&y),
        BinOp::Div => {
            if y.is_zero() {
                return Err(EvalError::new("division by zero"));
            }
            x.div(&y)
        }
        _ => {
            if y.is_zero() {
                return Err(EvalError::new("division by zero"));
            }
            // Java `%`: the remainder has the sign of the dividend.
            x.div(&y)
                .and_then(|q| q.round(0, Rounding::Down))
                .and_then(|q| q.mul(&y))
                .and_then(|p| x.sub(&p))
        }
    };
    r.map(Value::Number)
        .ok_or_else(|| EvalError::new("number out of range"))
}

fn binary(op: BinOp, a: &Value, b: &Value) -> Result<Value, EvalError> {
    match op {
        BinOp::Eq => Ok(Value::Bool(equals(a, b)?)),
        BinOp::Ne => Ok(Value::Bool(!equals(a, b)?)),
        BinOp::Lt | BinOp::Gt | BinOp::Le | BinOp::Ge => {
            let Some(ord) = compare(a, b)? else {
                return Ok(Value::Bool(false));
            };
            Ok(Value::Bool(match op {
                BinOp::Lt => ord == Ordering::Less,
                BinOp::Gt => ord == Ordering::Greater,
                BinOp::Le => ord != Ordering::Greater,
                _ => ord != Ordering::Less,
            }))
        }
        _ => arith(op, a, b),
    }
}

/// EL `==`: null only equals null; a number on either side compares numerically, a boolean
/// as booleans, a string as strings; otherwise deep equality.
fn equals(a: &Value, b: &Value) -> Result<bool, EvalError> {
    Ok(match (a, b) {
        (Value::Null, Value::Null) => true,
        (Value::Null, _) | (_, Value::Null) => false,
        (Value::Number(_), _) | (_, Value::Number(_)) => {
            to_number(a)?.cmp(&to_number(b)?) == Ordering::Equal
        }
        (Value::Bool(_), _) | (_, Value::Bool(_)) => to_bool(a)? == to_bool(b)?,
        (Value::String(x), y) | (y, Value::String(x)) => *x == to_text(y),
        _ => a == b,
    })
}

/// EL `<` and friends: `None` (false) when either side is null.
fn compare(a: &Value, b: &Value) -> Result<Option<Ordering>, EvalError> {
    Ok(match (a, b) {
        (Value::Null, _) | (_, Value::Null) => None,
        (Value::Number(_), _) | (_, Value::Number(_)) => Some(to_number(a)?.cmp(&to_number(b)?)),
        (Value::String(x), Value::String(y)) => Some(x.cmp(y)),
        _ => {
            return Err(EvalError::new(format!(
                "cannot compare {} with {}",
                a.type_name(),
                b.type_name()
            )));
        }
    })
}
