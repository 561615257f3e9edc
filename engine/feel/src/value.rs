//! FEEL runtime values and their conversion to and from JSON. Owns the value model (context
//! entry order, range bounds, function values); never evaluates expressions itself.

use std::fmt;
use std::sync::Arc;

use crate::ast::{Expr, Type};
use crate::number::Number;
use crate::temporal::{Date, DateTime, DayTimeDuration, Time, YearMonthDuration};

/// A FEEL context: entries in insertion order, keys unique.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Context {
    entries: Vec<(String, Value)>,
}

impl Context {
    /// An empty context.
    pub fn new() -> Context {
        Context::default()
    }

    /// The value of entry `key`.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.entries.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    /// Sets entry `key`, replacing an existing entry in place.
    pub fn insert(&mut self, key: impl Into<String>, value: Value) {
        let key = key.into();
        match self.entries.iter_mut().find(|(k, _)| *k == key) {
            Some(slot) => slot.1 = value,
            None => self.entries.push((key, value)),
        }
    }

    /// Entries in order.
    pub fn iter(&self) -> impl Iterator<Item = (&String, &Value)> {
        self.entries.iter().map(|(k, v)| (k, v))
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True without entries.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

impl FromIterator<(String, Value)> for Context {
    fn from_iter<I: IntoIterator<Item = (String, Value)>>(iter: I) -> Context {
        let mut c = Context::new();
        for (k, v) in iter {
            c.insert(k, v);
        }
        c
    }
}

/// One end of a range: `None` for an unbounded side (`< 5` has no start).
#[derive(Debug, Clone, PartialEq)]
pub struct Bound {
    /// The endpoint value.
    pub value: Box<Value>,
    /// Whether the endpoint itself belongs to the range.
    pub closed: bool,
}

/// A FEEL range (interval) such as `[1..10)` or `> 5`.
#[derive(Debug, Clone, PartialEq)]
pub struct Range {
    /// Lower end; `None` when unbounded.
    pub start: Option<Bound>,
    /// Upper end; `None` when unbounded.
    pub end: Option<Bound>,
}

/// A user-defined function (`function(a, b) a + b`) with the context it was defined in.
#[derive(Debug)]
pub struct Closure {
    /// Parameter names and optional declared types.
    pub params: Vec<(String, Option<Type>)>,
    /// The function body.
    pub body: Expr,
    /// Variables visible where the function was defined.
    pub captured: Context,
}

/// A FEEL function value.
#[derive(Debug, Clone)]
pub enum Function {
    /// A built-in function, by its FEEL name.
    Builtin(&'static str),
    /// A user-defined function.
    User(Arc<Closure>),
}

impl PartialEq for Function {
    fn eq(&self, other: &Function) -> bool {
        match (self, other) {
            (Function::Builtin(a), Function::Builtin(b)) => a == b,
            (Function::User(a), Function::User(b)) => Arc::ptr_eq(a, b),
            _ => false,
        }
    }
}

/// A FEEL value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// `null`
    Null,
    /// `true` / `false`
    Bool(bool),
    /// a decimal number (34 significant digits)
    Number(Number),
    /// a string
    String(String),
    /// a list
    List(Vec<Value>),
    /// a context (ordered map)
    Context(Context),
    /// a date
    Date(Date),
    /// a time (optionally zoned)
    Time(Time),
    /// a date and time (optionally zoned)
    DateTime(DateTime),
    /// a days and time duration
    DayTimeDuration(DayTimeDuration),
    /// a years and months duration
    YearMonthDuration(YearMonthDuration),
    /// a range
    Range(Range),
    /// a function
    Function(Function),
}

impl Value {
    /// Converts JSON to FEEL. Numbers are read exactly from their decimal text (the workspace
    /// enables serde_json's `arbitrary_precision`); numbers beyond the exponent range become null.
    pub fn from_json(v: &serde_json::Value) -> Value {
        match v {
            serde_json::Value::Null => Value::Null,
            serde_json::Value::Bool(b) => Value::Bool(*b),
            serde_json::Value::Number(n) => Number::parse(&n.to_string())
                .map(Value::Number)
                .unwrap_or(Value::Null),
            serde_json::Value::String(s) => Value::String(s.clone()),
            serde_json::Value::Array(items) => {
                Value::List(items.iter().map(Value::from_json).collect())
            }
            serde_json::Value::Object(map) => Value::Context(
                map.iter()
                    .map(|(k, v)| (k.clone(), Value::from_json(v)))
                    .collect(),
            ),
        }
    }

    /// Converts FEEL to JSON: numbers exactly, temporal values and ranges as their FEEL/ISO
    /// strings, functions as null.
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            Value::Null | Value::Function(_) => serde_json::Value::Null,
            Value::Bool(b) => serde_json::Value::Bool(*b),
            Value::Number(n) => serde_json::from_str::<serde_json::Value>(&n.to_string())
                .unwrap_or_else(|_| serde_json::Value::String(n.to_string())),
            Value::String(s) => serde_json::Value::String(s.clone()),
            Value::List(items) => {
                serde_json::Value::Array(items.iter().map(Value::to_json).collect())
            }
            Value::Context(c) => {
                serde_json::Value::Object(c.iter().map(|(k, v)| (k.clone(), v.to_json())).collect())
            }
            Value::Date(_)
            | Value::Time(_)
            | Value::DateTime(_)
            | Value::DayTimeDuration(_)
            | Value::YearMonthDuration(_)
            | Value::Range(_) => serde_json::Value::String(self.to_string()),
        }
    }

    /// The FEEL type name of the value.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "boolean",
            Value::Number(_) => "number",
            Value::String(_) => "string",
            Value::List(_) => "list",
            Value::Context(_) => "context",
            Value::Date(_) => "date",
            Value::Time(_) => "time",
            Value::DateTime(_) => "date and time",
            Value::DayTimeDuration(_) => "days and time duration",
            Value::YearMonthDuration(_) => "years and months duration",
            Value::Range(_) => "range",
            Value::Function(_) => "function",
        }
    }

    /// A short description for messages: the type and at most 64 characters of the value,
    /// e.g. `string "12"`, `number 100`, `null`, `list of 3 items [1, 2, 3]`. Large values
    /// are cut (`...`), never rendered whole.
    pub fn describe(&self) -> String {
        crate::explain::describe(self)
    }

    /// Shorthand for a number value from an integer.
    pub fn int(v: i64) -> Value {
        Value::Number(Number::from(v))
    }
}

fn write_quoted(f: &mut fmt::Formatter<'_>, v: &Value) -> fmt::Result {
    match v {
        Value::String(s) => {
            f.write_str("\"")?;
            for c in s.chars() {
                match c {
                    '"' => f.write_str("\\\"")?,
                    '\\' => f.write_str("\\\\")?,
                    c => write!(f, "{c}")?,
                }
            }
            f.write_str("\"")
        }
        other => write!(f, "{other}"),
    }
}

impl fmt::Display for Value {
    /// The FEEL `string()` form: strings unquoted at top level, quoted inside lists and contexts.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Null => f.write_str("null"),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Number(n) => write!(f, "{n}"),
            Value::String(s) => f.write_str(s),
            Value::List(items) => {
                f.write_str("[")?;
                for (i, v) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write_quoted(f, v)?;
                }
                f.write_str("]")
            }
            Value::Context(c) => {
                f.write_str("{")?;
                for (i, (k, v)) in c.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{k}: ")?;
                    write_quoted(f, v)?;
                }
                f.write_str("}")
            }
            Value::Date(d) => write!(f, "{d}"),
            Value::Time(t) => write!(f, "{t}"),
            Value::DateTime(d) => write!(f, "{d}"),
            Value::DayTimeDuration(d) => write!(f, "{d}"),
            Value::YearMonthDuration(d) => write!(f, "{d}"),
            Value::Range(r) => {
                match &r.start {
                    Some(b) => {
                        f.write_str(if b.closed { "[" } else { "(" })?;
                        write_quoted(f, &b.value)?;
                    }
                    None => f.write_str("(null")?,
                }
                f.write_str("..")?;
                match &r.end {
                    Some(b) => {
                        write_quoted(f, &b.value)?;
                        f.write_str(if b.closed { "]" } else { ")" })
                    }
                    None => f.write_str("null)"),
                }
            }
            Value::Function(Function::Builtin(name)) => write!(f, "function {name}"),
            Value::Function(Function::User(c)) => {
                let names: Vec<&str> = c.params.iter().map(|(n, _)| n.as_str()).collect();
                write!(f, "function({})", names.join(", "))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_round_trip_is_exact() {
        let j: serde_json::Value = serde_json::from_str(
            r#"{"a": 12345678901234567890.123456789, "b": [true, null, "x"]}"#,
        )
        .unwrap();
        let v = Value::from_json(&j);
        assert_eq!(
            v.to_json().to_string(),
            r#"{"a":12345678901234567890.123456789,"b":[true,null,"x"]}"#
        );
        assert_eq!(v.type_name(), "context");
    }

    #[test]
    fn display_quotes_nested_strings() {
        let v = Value::List(vec![Value::String("a".into()), Value::int(1)]);
        assert_eq!(v.to_string(), r#"["a", 1]"#);
    }
}
