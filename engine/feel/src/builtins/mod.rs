//! FEEL built-in functions (DMN 1.5, 10.3.4) plus Camunda's `is defined` and `get or else`.
//! Owns the signature table (parameter names for named invocation, overloads, arity) and the
//! dispatch; each group lives in its own file. Built-ins never touch I/O or the system clock.

mod context;
mod conversion;
mod list;
mod numeric;
mod range;
mod string;
mod temporal;
mod xsd_regex;

use crate::EvalError;
use crate::eval::{ArgVals, Evaluator};
use crate::value::Value;

/// One signature: name, parameter names, number of required parameters, variadic tail.
struct Sig(&'static str, &'static [&'static str], usize, bool);

const LIST: &[&str] = &["list"];
const STRING: &[&str] = &["string"];
const STRING_MATCH: &[&str] = &["string", "match"];
const N_SCALE: &[&str] = &["n", "scale"];
const NUMBER: &[&str] = &["number"];
const DATE: &[&str] = &["date"];

const INTERVAL_FNS: &[&str] = &[
    "before",
    "after",
    "meets",
    "met by",
    "overlaps",
    "overlaps before",
    "overlaps after",
    "finishes",
    "finished by",
    "includes",
    "during",
    "starts",
    "started by",
    "coincides",
];

static SIGS: &[Sig] = &[
    Sig("not", &["negand"], 1, false),
    Sig("is defined", &["value"], 1, false),
    Sig("get or else", &["value", "default"], 2, false),
    Sig("string", &["from"], 1, false),
    Sig(
        "number",
        &["from", "grouping separator", "decimal separator"],
        1,
        false,
    ),
    Sig("date", &["from"], 1, false),
    Sig("date", &["year", "month", "day"], 3, false),
    Sig("time", &["from"], 1, false),
    Sig("time", &["hour", "minute", "second", "offset"], 3, false),
    Sig("date and time", &["from"], 1, false),
    Sig("date and time", &["date", "time"], 2, false),
    Sig("duration", &["from"], 1, false),
    Sig("years and months duration", &["from", "to"], 2, false),
    Sig(
        "substring",
        &["string", "start position", "length"],
        2,
        false,
    ),
    Sig("string length", STRING, 1, false),
    Sig("upper case", STRING, 1, false),
    Sig("lower case", STRING, 1, false),
    Sig("substring before", STRING_MATCH, 2, false),
    Sig("substring after", STRING_MATCH, 2, false),
    Sig("contains", STRING_MATCH, 2, false),
    Sig("starts with", STRING_MATCH, 2, false),
    Sig("ends with", STRING_MATCH, 2, false),
    Sig("matches", &["input", "pattern", "flags"], 2, false),
    Sig(
        "replace",
        &["input", "pattern", "replacement", "flags"],
        3,
        false,
    ),
    Sig("split", &["string", "delimiter"], 2, false),
    Sig("string join", &["list", "delimiter"], 1, false),
    Sig("list contains", &["list", "element"], 2, false),
    Sig("count", LIST, 1, false),
    Sig("min", LIST, 0, true),
    Sig("max", LIST, 0, true),
    Sig("sum", LIST, 0, true),
    Sig("mean", LIST, 0, true),
    Sig("median", LIST, 0, true),
    Sig("stddev", LIST, 0, true),
    Sig("mode", LIST, 0, true),
    Sig("product", LIST, 0, true),
    Sig("all", LIST, 0, true),
    Sig("any", LIST, 0, true),
    Sig("sublist", &["list", "start position", "length"], 2, false),
    Sig("append", &["list", "item"], 1, true),
    Sig("concatenate", LIST, 0, true),
    Sig("insert before", &["list", "position", "newItem"], 3, false),
    Sig("remove", &["list", "position"], 2, false),
    Sig("reverse", LIST, 1, false),
    Sig("index of", &["list", "match"], 2, false),
    Sig("union", LIST, 0, true),
    Sig("distinct values", LIST, 1, false),
    Sig("flatten", LIST, 1, false),
    Sig("sort", &["list", "precedes"], 1, false),
    Sig("list replace", &["list", "position", "newItem"], 3, false),
    Sig("list replace", &["list", "match", "newItem"], 3, false),
    Sig("decimal", N_SCALE, 2, false),
    Sig("floor", N_SCALE, 1, false),
    Sig("ceiling", N_SCALE, 1, false),
    Sig("round up", N_SCALE, 1, false),
    Sig("round down", N_SCALE, 1, false),
    Sig("round half up", N_SCALE, 1, false),
    Sig("round half down", N_SCALE, 1, false),
    Sig("round half even", N_SCALE, 1, false),
    Sig("abs", &["n"], 1, false),
    Sig("modulo", &["dividend", "divisor"], 2, false),
    Sig("sqrt", NUMBER, 1, false),
    Sig("log", NUMBER, 1, false),
    Sig("exp", NUMBER, 1, false),
    Sig("odd", NUMBER, 1, false),
    Sig("even", NUMBER, 1, false),
    Sig("get value", &["m", "key"], 2, false),
    Sig("get entries", &["m"], 1, false),
    Sig("context", &["entries"], 1, false),
    Sig("context put", &["context", "key", "value"], 3, false),
    Sig("context put", &["context", "keys", "value"], 3, false),
    Sig("context merge", &["contexts"], 1, false),
    Sig("now", &[], 0, false),
    Sig("today", &[], 0, false),
    Sig("day of week", DATE, 1, false),
    Sig("day of year", DATE, 1, false),
    Sig("week of year", DATE, 1, false),
    Sig("month of year", DATE, 1, false),
    Sig("is", &["value1", "value2"], 2, false),
    Sig("range", &["from"], 1, false),
];

const INTERVAL_PARAMS: &[&[&str]] = &[
    &["point1", "point2"],
    &["point", "range"],
    &["range", "point"],
    &["range1", "range2"],
];

/// The canonical (static) name of a built-in function, if `name` is one.
pub fn lookup(name: &str) -> Option<&'static str> {
    SIGS.iter()
        .map(|s| s.0)
        .chain(INTERVAL_FNS.iter().copied())
        .find(|n| *n == name)
}

/// Names of all built-in functions (with repeats for overloads), for suggestions.
pub fn names() -> impl Iterator<Item = &'static str> {
    SIGS.iter().map(|s| s.0).chain(INTERVAL_FNS.iter().copied())
}

fn signatures(name: &str) -> Vec<(&'static [&'static str], usize, bool)> {
    if INTERVAL_FNS.contains(&name) {
        return INTERVAL_PARAMS.iter().map(|p| (*p, 2, false)).collect();
    }
    SIGS.iter()
        .filter(|s| s.0 == name)
        .map(|s| (s.1, s.2, s.3))
        .collect()
}

/// Maps named or positional arguments onto a signature; `None` when no signature fits.
fn bind(name: &str, args: ArgVals) -> Option<Vec<Value>> {
    let sigs = signatures(name);
    match args {
        ArgVals::Positional(vals) => {
            let n = vals.len();
            sigs.iter()
                .any(|(p, req, var)| n >= *req && (*var || n <= p.len()))
                .then_some(vals)
        }
        ArgVals::Named(pairs) => {
            let (params, req, _) = sigs
                .iter()
                .find(|(p, _, _)| pairs.iter().all(|(k, _)| p.contains(&k.as_str())))?;
            let mut out: Vec<Value> = Vec::new();
            for (k, v) in pairs {
                let i = params.iter().position(|p| *p == k)?;
                if out.len() <= i {
                    out.resize(i + 1, Value::Null);
                }
                if let Some(slot) = out.get_mut(i) {
                    *slot = v;
                }
            }
            if out.len() < *req {
                out.resize(*req, Value::Null);
            }
            Some(out)
        }
    }
}

/// Parameters that take a list: a single non-list value is treated as a singleton list.
fn takes_list(name: &str, index: usize) -> bool {
    index == 0
        && matches!(
            name,
            "string join"
                | "context"
                | "context merge"
                | "count"
                | "sublist"
                | "append"
                | "insert before"
                | "remove"
                | "reverse"
                | "index of"
                | "distinct values"
                | "flatten"
                | "sort"
                | "list contains"
                | "list replace"
        )
}

/// The shape of the arguments, for a note: `2 arguments`, `the parameters (a, b)`.
fn shown_args(args: &ArgVals) -> String {
    match args {
        ArgVals::Positional(v) => format!("{} arguments", v.len()),
        ArgVals::Named(v) => {
            let names: Vec<&str> = v.iter().map(|(k, _)| k.as_str()).collect();
            format!("the parameters ({})", names.join(", "))
        }
    }
}

/// Notes that no signature of `name` fits the arguments.
fn note_unbound(ev: &mut Evaluator<'_, '_>, name: &str, shown: &str) {
    let params: Vec<String> = signatures(name)
        .iter()
        .map(|(p, _, _)| format!("{name}({})", p.join(", ")))
        .collect();
    ev.note(format!(
        "built-in function '{name}' does not accept {shown}; it takes {}",
        params.join(" or ")
    ));
}

/// `context put(key: [...])`: the `key` overload takes a single string, the list form is
/// `keys` (positional calls choose by the argument's type).
fn named_key_is_a_list(name: &str, args: &ArgVals) -> bool {
    name == "context put"
        && matches!(args, ArgVals::Named(pairs)
            if pairs.iter().any(|(k, v)| k == "key" && matches!(v, Value::List(_))))
}

/// Invokes built-in `name`. Wrong arity or argument types give null.
pub fn call(ev: &mut Evaluator<'_, '_>, name: &str, args: ArgVals) -> Result<Value, EvalError> {
    if named_key_is_a_list(name, &args) {
        ev.note("context put(key: ...) takes one key (a string); pass a list as keys:".into());
        return Ok(Value::Null);
    }
    let shown = ev.noting().then(|| shown_args(&args));
    let Some(mut a) = bind(name, args) else {
        if let Some(shown) = shown {
            note_unbound(ev, name, &shown);
        }
        return Ok(Value::Null);
    };
    for (i, v) in a.iter_mut().enumerate() {
        if takes_list(name, i) && !matches!(v, Value::List(_) | Value::Null) {
            *v = Value::List(vec![std::mem::replace(v, Value::Null)]);
        }
    }
    ev.charge(a.len() as u64 + 1)?;
    let before = ev.note_count();
    let r = dispatch(ev, name, &a)?;
    ev.charge_value(&r)?;
    if r == Value::Null
        && ev.noting()
        && ev.note_count() == before
        && !a.iter().any(|v| matches!(v, Value::Null))
    {
        let shown: Vec<String> = a.iter().take(8).map(Value::describe).collect();
        ev.note(format!("{name}({}) returned null", shown.join(", ")));
    }
    Ok(r)
}

fn dispatch(ev: &mut Evaluator<'_, '_>, name: &str, a: &[Value]) -> Result<Value, EvalError> {
    if let Some(r) = string::call(name, a) {
        return r;
    }
    if let Some(r) = list::call(ev, name, a) {
        return r;
    }
    if let Some(v) = numeric::call(name, a) {
        return Ok(v);
    }
    if let Some(v) = conversion::call(name, a) {
        return Ok(v);
    }
    if let Some(v) = context::call(name, a) {
        return Ok(v);
    }
    if let Some(v) = temporal::call(ev, name, a) {
        return Ok(v);
    }
    if let Some(v) = range::call(name, a) {
        return Ok(v);
    }
    Ok(Value::Null)
}

/// The argument at `i`, or null.
fn arg(a: &[Value], i: usize) -> &Value {
    a.get(i).unwrap_or(&Value::Null)
}

/// Varargs helper: a single list argument, or the arguments themselves.
fn list_or_varargs(a: &[Value]) -> Option<Vec<Value>> {
    match a {
        [Value::List(items)] => Some(items.clone()),
        [Value::Null] => None,
        [] => None,
        items => Some(items.to_vec()),
    }
}

#[cfg(test)]
mod tests {
    use crate::test_util::show;

    #[test]
    fn named_arguments_and_arity() {
        assert_eq!(
            show("substring(start position: 2, string: \"abc\")"),
            "\"bc\""
        );
        assert_eq!(show("substring(\"abc\")"), "null");
        assert_eq!(show("substring(strin: \"abc\", start position: 1)"), "null");
        assert_eq!(show("date(year: 2026, month: 1, day: 2)"), "2026-01-02");
        assert_eq!(show("max(list: [1, 3])"), "3");
        assert_eq!(show("string join(\"a\")"), "\"a\"");
    }
}
