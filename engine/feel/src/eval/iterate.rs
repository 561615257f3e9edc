//! Iteration constructs of the evaluator: filters, `for` loops (with `partial`) and
//! quantified expressions. Every element visited is charged to the step budget; generated
//! lists are bounded by `MAX_COLLECTION_LEN`.

use super::{Evaluator, any_sub};
use crate::EvalError;
use crate::ast::{Expr, Iteration};
use crate::limits::{MAX_VALUE_DEPTH, nested_deeper_than};
use crate::temporal;
use crate::value::{Context, Value};

/// The values an iteration context runs over, produced lazily for numeric ranges.
type Values = Box<dyn Iterator<Item = Value>>;

/// `items[n]`: 1-based from the start, negative from the end; null when out of range.
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

impl Evaluator<'_, '_> {
    pub(super) fn filter(&mut self, v: Value, filter: &Expr) -> Result<Value, EvalError> {
        let items = match v {
            Value::List(items) => items,
            Value::Null => return Ok(Value::Null),
            other => vec![other],
        };
        let mut out = Vec::new();
        for (pos, item) in items.iter().enumerate() {
            self.charge(1)?;
            let mut frame = Context::new();
            frame.insert("item", item.clone());
            if let Value::Context(c) = item {
                for (k, v) in c.iter() {
                    frame.insert(k.clone(), v.clone());
                }
            }
            let keep = self.with_frame(frame, |ev| ev.eval(filter))?;
            match keep {
                Value::Number(n) if pos == 0 => return Ok(index(items, &n)),
                Value::Bool(true) => out.push(item.clone()),
                _ => {}
            }
        }
        Ok(Value::List(out))
    }

    fn note_no_iteration(&mut self, it: &Iteration) {
        if self.noting() {
            let to = it
                .to
                .as_ref()
                .map(|t| format!("..{}", super::notes::text(t)))
                .unwrap_or_default();
            self.note(format!(
                "'{} in {}{to}' has nothing to iterate over: the source is null, or not a list \
                 or a range of integers or dates",
                it.name,
                super::notes::text(&it.source)
            ));
        }
    }

    pub(super) fn iteration_values(&mut self, it: &Iteration) -> Result<Option<Values>, EvalError> {
        let from = self.eval(&it.source)?;
        let (from, to) = match (&it.to, from) {
            (Some(to), from) => (from, self.eval(to)?),
            (None, Value::Range(r)) => {
                let (Some(s), Some(e)) = (r.start, r.end) else {
                    return Ok(None);
                };
                let (Value::Number(a), Value::Number(b)) = (s.value.as_ref(), e.value.as_ref())
                else {
                    return Ok(None);
                };
                let (Some(a), Some(b)) = (a.to_i64(), b.to_i64()) else {
                    return Ok(None);
                };
                let a = if s.closed { a } else { a.saturating_add(1) };
                let b = if e.closed { b } else { b.saturating_sub(1) };
                if a > b {
                    return Ok(None);
                }
                (Value::int(a), Value::int(b))
            }
            (None, Value::List(items)) => return Ok(Some(Box::new(items.into_iter()))),
            (None, Value::Null) => return Ok(None),
            (None, other) => return Ok(Some(Box::new(std::iter::once(other)))),
        };
        match (&from, &to) {
            (Value::Number(a), Value::Number(b)) => {
                let (Some(a), Some(b)) = (a.to_i64(), b.to_i64()) else {
                    return Ok(None);
                };
                let len = a.abs_diff(b).saturating_add(1);
                self.check_len(
                    usize::try_from(len).unwrap_or(usize::MAX),
                    "the iteration range",
                )?;
                Ok(Some(if a <= b {
                    Box::new((a..=b).map(Value::int))
                } else {
                    Box::new((b..=a).rev().map(Value::int))
                }))
            }
            (Value::Date(a), Value::Date(b)) => {
                let days =
                    b.0.since(a.0)
                        .ok()
                        .map(|s| i64::from(s.get_days()))
                        .unwrap_or(i64::MAX);
                let len = days.unsigned_abs().saturating_add(1);
                self.check_len(
                    usize::try_from(len).unwrap_or(usize::MAX),
                    "the iteration range",
                )?;
                self.charge(len)?;
                let step = if days >= 0 { 1 } else { -1 };
                let mut out = Vec::new();
                let mut d = a.0;
                for _ in 0..len {
                    out.push(Value::Date(temporal::Date(d)));
                    d = match d.checked_add(jiff::Span::new().days(step)) {
                        Ok(n) => n,
                        Err(_) => break,
                    };
                }
                Ok(Some(Box::new(out.into_iter())))
            }
            _ => Ok(None),
        }
    }

    pub(super) fn for_expr(&mut self, its: &[Iteration], body: &Expr) -> Result<Value, EvalError> {
        let mut results = Vec::new();
        let partial = any_sub(body, &|x| matches!(x, Expr::Name(n) if n == "partial"));
        Ok(match self.for_loop(its, body, partial, &mut results)? {
            true => Value::List(results),
            false => Value::Null,
        })
    }

    fn for_loop(
        &mut self,
        its: &[Iteration],
        body: &Expr,
        partial: bool,
        results: &mut Vec<Value>,
    ) -> Result<bool, EvalError> {
        let Some((first, rest)) = its.split_first() else {
            self.check_len(results.len() + 1, "the for expression result")?;
            let mut frame = Context::new();
            if partial {
                self.charge(results.len() as u64)?;
                frame.insert("partial", Value::List(results.clone()));
            }
            let v = self.with_frame(frame, |ev| ev.eval(body))?;
            if partial {
                let mut visited = 0;
                let deep = nested_deeper_than(&v, MAX_VALUE_DEPTH, &mut visited);
                self.charge(visited)?;
                if deep {
                    return Err(EvalError::new(format!(
                        "the for expression builds a value nested deeper than \
                         {MAX_VALUE_DEPTH} levels through 'partial'"
                    )));
                }
            }
            results.push(v);
            return Ok(true);
        };
        let Some(values) = self.iteration_values(first)? else {
            self.note_no_iteration(first);
            return Ok(false);
        };
        for v in values {
            self.charge(1)?;
            let mut frame = Context::new();
            frame.insert(first.name.clone(), v);
            self.frames.push(frame);
            let r = self.for_loop(rest, body, partial, results);
            self.frames.pop();
            if !r? {
                return Ok(false);
            }
        }
        Ok(true)
    }

    pub(super) fn quantified(
        &mut self,
        every: bool,
        its: &[Iteration],
        cond: &Expr,
    ) -> Result<Value, EvalError> {
        let Some((first, rest)) = its.split_first() else {
            return self.eval(cond);
        };
        let Some(values) = self.iteration_values(first)? else {
            self.note_no_iteration(first);
            return Ok(Value::Null);
        };
        for v in values {
            self.charge(1)?;
            let mut frame = Context::new();
            frame.insert(first.name.clone(), v);
            self.frames.push(frame);
            let r = self.quantified(every, rest, cond);
            self.frames.pop();
            let r = r?;
            if every && r != Value::Bool(true) {
                return Ok(Value::Bool(false));
            }
            if !every && r == Value::Bool(true) {
                return Ok(Value::Bool(true));
            }
        }
        Ok(Value::Bool(every))
    }
}

#[cfg(test)]
mod tests {
    use crate::test_util::show;

    #[test]
    fn filters_and_loops() {
        assert_eq!(show("[1, 2, 3][item != 2]"), "[1, 3]");
        assert_eq!(show("[{item: 5}][item > 1]"), "[{item: 5}]");
        assert_eq!(show("[1, 2, 3][-2]"), "2");
        assert_eq!(show("5[item > 1]"), "[5]");
        assert_eq!(
            show("for d in @\"2026-01-30\"..@\"2026-02-01\" return d.day"),
            "[30, 31, 1]"
        );
        assert_eq!(show("for i in [1..3) return i"), "[1, 2]");
        assert_eq!(show("some x in [1, null] satisfies x > 0"), "true");
        assert_eq!(show("every x in [] satisfies false"), "true");
    }
}
