//! List built-ins: `list contains`, `count`, `min`, `max`, `sum`, `mean`, `median`, `stddev`,
//! `mode`, `product`, `all`, `any`, `sublist`, `append`, `concatenate`, `insert before`,
//! `remove`, `reverse`, `index of`, `union`, `distinct values`, `flatten`, `sort`,
//! `list replace`. Sorting uses our own merge sort, so a user `precedes` function that is not a
//! total order can not make the standard library's sort panic. Work is charged to the budget.

use std::cmp::Ordering;

use super::{arg, list_or_varargs};
use crate::EvalError;
use crate::eval::Evaluator;
use crate::number::Number;
use crate::ops::{compare, equal};
use crate::value::{Function, Value};

fn list(v: &Value) -> Option<&Vec<Value>> {
    match v {
        Value::List(items) => Some(items),
        _ => None,
    }
}

fn numbers(items: &[Value]) -> Option<Vec<Number>> {
    items
        .iter()
        .map(|v| match v {
            Value::Number(n) => Some(*n),
            _ => None,
        })
        .collect()
}

fn position(len: usize, p: &Value) -> Option<usize> {
    let Value::Number(n) = p else { return None };
    let i = n.trunc_i64()?;
    let len = len as i64;
    let idx = if i > 0 { i - 1 } else { len + i };
    (i != 0 && idx >= 0 && idx < len).then_some(idx as usize)
}

fn extreme(items: &[Value], want: Ordering) -> Option<Value> {
    let mut best = items.first()?;
    for v in items.iter().skip(1) {
        if compare(v, best)? == want {
            best = v;
        }
    }
    if items.len() == 1 {
        compare(best, best)?;
    }
    Some(best.clone())
}

fn sum(ns: &[Number]) -> Option<Number> {
    ns.iter().try_fold(Number::ZERO, |acc, n| acc.add(n))
}

fn contains(items: &[Value], v: &Value) -> bool {
    items.iter().any(|i| equal(i, v) == Some(true))
}

fn sort_numbers(ns: &mut [Number]) {
    ns.sort();
}

fn stats(name: &str, items: &[Value]) -> Option<Value> {
    let mut ns = numbers(items)?;
    let count = Number::from(ns.len() as i64);
    match name {
        "sum" => sum(&ns).map(Value::Number),
        "mean" if !ns.is_empty() => sum(&ns)?.div(&count).map(Value::Number),
        "product" if !ns.is_empty() => ns
            .iter()
            .try_fold(Number::ONE, |acc, n| acc.mul(n))
            .map(Value::Number),
        "median" if !ns.is_empty() => {
            sort_numbers(&mut ns);
            let mid = ns.len() / 2;
            if ns.len() % 2 == 1 {
                ns.get(mid).copied().map(Value::Number)
            } else {
                let two = Number::from(2);
                ns.get(mid - 1)?
                    .add(ns.get(mid)?)?
                    .div(&two)
                    .map(Value::Number)
            }
        }
        "stddev" if ns.len() > 1 => {
            let mean = sum(&ns)?.div(&count)?;
            let sq = ns.iter().try_fold(Number::ZERO, |acc, n| {
                let d = n.sub(&mean)?;
                acc.add(&d.mul(&d)?)
            })?;
            sq.div(&count.sub(&Number::ONE)?)?.sqrt().map(Value::Number)
        }
        "mode" => {
            sort_numbers(&mut ns);
            let mut best: Vec<Number> = Vec::new();
            let mut best_n = 0;
            let mut i = 0;
            while i < ns.len() {
                let cur = ns.get(i).copied()?;
                let run = ns.iter().skip(i).take_while(|x| **x == cur).count();
                if run > best_n {
                    best = vec![cur];
                    best_n = run;
                } else if run == best_n {
                    best.push(cur);
                }
                i += run.max(1);
            }
            Some(Value::List(best.into_iter().map(Value::Number).collect()))
        }
        _ => None,
    }
}

fn all_any(items: &[Value], all: bool) -> Value {
    let mut saw_other = false;
    for v in items {
        match v {
            Value::Bool(b) if *b != all => return Value::Bool(!all),
            Value::Bool(_) => {}
            _ => saw_other = true,
        }
    }
    if saw_other {
        Value::Null
    } else {
        Value::Bool(all)
    }
}

fn flatten_into(v: &Value, out: &mut Vec<Value>) {
    match v {
        Value::List(items) => items.iter().for_each(|i| flatten_into(i, out)),
        other => out.push(other.clone()),
    }
}

/// "a precedes b": `Some(bool)`, or `None` when the elements can not be compared.
type Precedes<'f> = &'f mut dyn FnMut(&Value, &Value) -> Result<Option<bool>, EvalError>;

/// Stable merge sort with a fallible "a precedes b" predicate.
fn merge_sort(items: Vec<Value>, less: Precedes<'_>) -> Result<Option<Vec<Value>>, EvalError> {
    if items.len() <= 1 {
        return Ok(Some(items));
    }
    let mut left = items;
    let right = left.split_off(left.len() / 2);
    let Some(left) = merge_sort(left, less)? else {
        return Ok(None);
    };
    let Some(right) = merge_sort(right, less)? else {
        return Ok(None);
    };
    let mut out = Vec::with_capacity(left.len() + right.len());
    let mut l = left.into_iter().peekable();
    let mut r = right.into_iter().peekable();
    while let (Some(a), Some(b)) = (l.peek(), r.peek()) {
        let Some(b_first) = less(b, a)? else {
            return Ok(None);
        };
        let next = if b_first { r.next() } else { l.next() };
        out.extend(next);
    }
    out.extend(l);
    out.extend(r);
    Ok(Some(out))
}

fn sort(ev: &mut Evaluator<'_, '_>, a: &[Value]) -> Result<Value, EvalError> {
    let Some(items) = list(arg(a, 0)) else {
        return Ok(Value::Null);
    };
    let precedes = arg(a, 1).clone();
    let mut less = |x: &Value, y: &Value| -> Result<Option<bool>, EvalError> {
        ev.charge(1)?;
        match &precedes {
            Value::Null => Ok(compare(x, y).map(|o| o == Ordering::Less)),
            f @ Value::Function(_) => Ok(Some(
                ev.call_value(f, vec![x.clone(), y.clone()])? == Value::Bool(true),
            )),
            _ => Ok(None),
        }
    };
    Ok(merge_sort(items.clone(), &mut less)?.map_or(Value::Null, Value::List))
}

fn list_replace(ev: &mut Evaluator<'_, '_>, a: &[Value]) -> Result<Value, EvalError> {
    let Some(items) = list(arg(a, 0)) else {
        return Ok(Value::Null);
    };
    let new_item = arg(a, 2);
    match arg(a, 1) {
        Value::Function(Function::User(c)) if c.params.len() != 2 => Ok(Value::Null),
        f @ Value::Function(_) => {
            let mut out = Vec::with_capacity(items.len());
            for i in items {
                let m = ev.call_value(f, vec![i.clone(), new_item.clone()])?;
                out.push(match m {
                    Value::Bool(true) => new_item.clone(),
                    Value::Bool(false) | Value::Null => i.clone(),
                    // The match function must give booleans.
                    _ => return Ok(Value::Null),
                });
            }
            Ok(Value::List(out))
        }
        p => Ok(match position(items.len(), p) {
            Some(idx) => {
                let mut out = items.clone();
                if let Some(slot) = out.get_mut(idx) {
                    *slot = new_item.clone();
                }
                Value::List(out)
            }
            None => Value::Null,
        }),
    }
}

fn simple(ev: &mut Evaluator<'_, '_>, name: &str, a: &[Value]) -> Result<Option<Value>, EvalError> {
    Ok(match name {
        "list contains" => list(arg(a, 0)).map(|l| Value::Bool(contains(l, arg(a, 1)))),
        "count" => list(arg(a, 0)).map(|l| Value::int(l.len() as i64)),
        "min" | "max" => {
            let want = if name == "min" {
                Ordering::Less
            } else {
                Ordering::Greater
            };
            list_or_varargs(a).and_then(|l| extreme(&l, want))
        }
        "sum" | "mean" | "median" | "stddev" | "mode" | "product" => list_or_varargs(a)
            .filter(|l| !l.is_empty() || name == "mode")
            .and_then(|l| stats(name, &l)),
        "all" | "any" => list_or_varargs(a).map(|l| all_any(&l, name == "all")),
        "sublist" => {
            let Some(l) = list(arg(a, 0)) else {
                return Ok(None);
            };
            let Some(from) = position(l.len(), arg(a, 1)) else {
                return Ok(None);
            };
            let take = match arg(a, 2) {
                Value::Null => l.len() - from,
                Value::Number(n) => usize::try_from(n.to_i64().unwrap_or(-1)).unwrap_or(usize::MAX),
                _ => return Ok(None),
            };
            if take == usize::MAX || from + take > l.len() {
                return Ok(None);
            }
            l.get(from..from + take).map(|s| Value::List(s.to_vec()))
        }
        "append" => list(arg(a, 0)).map(|l| {
            let mut out = l.clone();
            out.extend(a.iter().skip(1).cloned());
            Value::List(out)
        }),
        "concatenate" | "union" => {
            let mut out: Vec<Value> = Vec::new();
            for v in a {
                let Some(l) = list(v) else { return Ok(None) };
                ev.check_len(out.len() + l.len(), name)?;
                for i in l {
                    if name == "concatenate" || !contains(&out, i) {
                        out.push(i.clone());
                    }
                }
            }
            Some(Value::List(out))
        }
        "insert before" => {
            let Some(l) = list(arg(a, 0)) else {
                return Ok(None);
            };
            position(l.len(), arg(a, 1)).map(|idx| {
                let mut out = l.clone();
                out.insert(idx, arg(a, 2).clone());
                Value::List(out)
            })
        }
        "remove" => {
            let Some(l) = list(arg(a, 0)) else {
                return Ok(None);
            };
            position(l.len(), arg(a, 1)).map(|idx| {
                let mut out = l.clone();
                out.remove(idx);
                Value::List(out)
            })
        }
        "reverse" => list(arg(a, 0)).map(|l| Value::List(l.iter().rev().cloned().collect())),
        "index of" => list(arg(a, 0)).map(|l| {
            let m = arg(a, 1);
            Value::List(
                l.iter()
                    .enumerate()
                    .filter(|(_, v)| equal(v, m) == Some(true))
                    .map(|(i, _)| Value::int(i as i64 + 1))
                    .collect(),
            )
        }),
        "distinct values" => list(arg(a, 0)).map(|l| {
            let mut out: Vec<Value> = Vec::new();
            for i in l {
                if !contains(&out, i) {
                    out.push(i.clone());
                }
            }
            Value::List(out)
        }),
        "flatten" => list(arg(a, 0)).map(|_| {
            let mut out = Vec::new();
            flatten_into(arg(a, 0), &mut out);
            Value::List(out)
        }),
        _ => return Ok(None),
    })
}

/// Dispatches list built-ins; `None` when `name` is not one of them.
pub fn call(
    ev: &mut Evaluator<'_, '_>,
    name: &str,
    a: &[Value],
) -> Option<Result<Value, EvalError>> {
    match name {
        "sort" => Some(sort(ev, a)),
        "list replace" => Some(list_replace(ev, a)),
        "list contains" | "count" | "min" | "max" | "sum" | "mean" | "median" | "stddev"
        | "mode" | "product" | "all" | "any" | "sublist" | "append" | "concatenate" | "union"
        | "insert before" | "remove" | "reverse" | "index of" | "distinct values" | "flatten" => {
            if let Some(items) = a.first().and_then(list)
                && let Err(e) = ev.charge(items.len() as u64)
            {
                return Some(Err(e));
            }
            Some(simple(ev, name, a).map(|v| v.unwrap_or(Value::Null)))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use crate::test_util::show;

    #[test]
    fn list_functions() {
        assert_eq!(show("sublist([1, 2, 3], 2)"), "[2, 3]");
        assert_eq!(show("append([1], 2, 3)"), "[1, 2, 3]");
        assert_eq!(show("concatenate([1], [2, 3])"), "[1, 2, 3]");
        assert_eq!(show("insert before([1, 3], 2, 2)"), "[1, 2, 3]");
        assert_eq!(show("remove([1, 2, 3], 2)"), "[1, 3]");
        assert_eq!(show("reverse([1, 2])"), "[2, 1]");
        assert_eq!(show("union([1, 2], [2, 3])"), "[1, 2, 3]");
        assert_eq!(show("median([3, 1, 2, 4])"), "2.5");
        assert_eq!(show("mode([1, 2, 2, 3, 3])"), "[2, 3]");
        assert_eq!(
            show("stddev([2, 4, 7, 5])"),
            "2.081665999466132735282297706979931"
        );
        assert_eq!(show("product(2, 3)"), "6");
        assert_eq!(show("all([true, null])"), "null");
        assert_eq!(show("any([false, true])"), "true");
        assert_eq!(show("sum([])"), "null");
        assert_eq!(show("min([1, \"a\"])"), "null");
        assert_eq!(show("sort([3, 1, 2], function(x, y) true)"), "[2, 1, 3]");
        assert_eq!(show("list replace([1, 2, 3], 2, 9)"), "[1, 9, 3]");
        assert_eq!(
            show("list replace([1, 2, 3], function(item, new) item > 1, 0)"),
            "[1, 0, 0]"
        );
        assert_eq!(show("count(5)"), "1");
    }
}
