//! Context and boolean built-ins: `get value`, `get entries`, `context`, `context put`,
//! `context merge`, `not`, `is defined`, `get or else`, `is`. Pure functions over values.

use super::arg;
use crate::ops::equal;
use crate::value::{Context, Value};

/// `context put` with a key path; paths longer than `MAX_VALUE_DEPTH` give null.
fn put(ctx: &Context, keys: &[Value], value: &Value) -> Option<Context> {
    if keys.len() > crate::limits::MAX_VALUE_DEPTH {
        return None;
    }
    let (first, rest) = keys.split_first()?;
    let Value::String(k) = first else { return None };
    let mut out = ctx.clone();
    if rest.is_empty() {
        out.insert(k.clone(), value.clone());
    } else {
        let inner = match ctx.get(k) {
            Some(Value::Context(c)) => c.clone(),
            Some(_) => return None,
            None => Context::new(),
        };
        out.insert(k.clone(), Value::Context(put(&inner, rest, value)?));
    }
    Some(out)
}

fn from_entries(entries: &[Value]) -> Option<Context> {
    let mut out = Context::new();
    for e in entries {
        let Value::Context(c) = e else { return None };
        let (Some(Value::String(k)), Some(v)) = (c.get("key"), c.get("value")) else {
            return None;
        };
        if out.get(k).is_some() {
            return None;
        }
        out.insert(k.clone(), v.clone());
    }
    Some(out)
}

/// Dispatches context and boolean built-ins; `None` when `name` is not one of them.
pub fn call(name: &str, a: &[Value]) -> Option<Value> {
    let r = match name {
        "not" => match arg(a, 0) {
            Value::Bool(b) => Some(Value::Bool(!b)),
            _ => None,
        },
        "is defined" => Some(Value::Bool(!matches!(arg(a, 0), Value::Null))),
        "get or else" => Some(match arg(a, 0) {
            Value::Null => arg(a, 1).clone(),
            v => v.clone(),
        }),
        "is" => Some(Value::Bool(
            arg(a, 0).type_name() == arg(a, 1).type_name()
                && equal(arg(a, 0), arg(a, 1)) == Some(true)
                && same_zone_kind(arg(a, 0), arg(a, 1)),
        )),
        "get value" => match (arg(a, 0), arg(a, 1)) {
            (Value::Context(c), Value::String(k)) => Some(c.get(k).cloned().unwrap_or(Value::Null)),
            (Value::Context(c), Value::List(keys)) => {
                let mut cur = Value::Context(c.clone());
                for k in keys {
                    cur = match (&cur, k) {
                        (Value::Context(c), Value::String(k)) => {
                            c.get(k).cloned().unwrap_or(Value::Null)
                        }
                        _ => Value::Null,
                    };
                }
                Some(cur)
            }
            _ => None,
        },
        "get entries" => match arg(a, 0) {
            Value::Context(c) => Some(Value::List(
                c.iter()
                    .map(|(k, v)| {
                        let mut e = Context::new();
                        e.insert("key", Value::String(k.clone()));
                        e.insert("value", v.clone());
                        Value::Context(e)
                    })
                    .collect(),
            )),
            _ => None,
        },
        "context" => match arg(a, 0) {
            Value::List(entries) => from_entries(entries).map(Value::Context),
            _ => None,
        },
        "context put" => match (arg(a, 0), arg(a, 1)) {
            (Value::Context(c), k @ Value::String(_)) => put(c, std::slice::from_ref(k), arg(a, 2)),
            (Value::Context(c), Value::List(keys)) => put(c, keys, arg(a, 2)),
            _ => None,
        }
        .map(Value::Context),
        "context merge" => match arg(a, 0) {
            Value::List(items) => {
                let mut out = Context::new();
                for i in items {
                    let Value::Context(c) = i else {
                        return Some(Value::Null);
                    };
                    for (k, v) in c.iter() {
                        out.insert(k.clone(), v.clone());
                    }
                }
                Some(Value::Context(out))
            }
            _ => None,
        },
        _ => return None,
    };
    Some(r.unwrap_or(Value::Null))
}

fn same_zone_kind(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::DateTime(x), Value::DateTime(y)) => x.zone == y.zone,
        (Value::Time(x), Value::Time(y)) => x.zone == y.zone,
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use crate::test_util::show;

    #[test]
    fn context_functions() {
        assert_eq!(show("get entries({a: 1})"), "[{key: \"a\", value: 1}]");
        assert_eq!(show("context([{key: \"a\", value: 1}])"), "{a: 1}");
        assert_eq!(
            show("context put({a: {b: 1}}, [\"a\", \"b\"], 2)"),
            "{a: {b: 2}}"
        );
        assert_eq!(
            show("context merge([{a: 1}, {a: 2, b: 3}])"),
            "{a: 2, b: 3}"
        );
        assert_eq!(show("get value({a: {b: 1}}, [\"a\", \"b\"])"), "1");
        assert_eq!(show("get or else(null, 5)"), "5");
        assert_eq!(show("is(1, 1)"), "true");
        assert_eq!(show("is(@\"10:00:00Z\", @\"10:00:00+00:00\")"), "true");
    }
}
