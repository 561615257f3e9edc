//! The FEEL type system as far as `instance of` and typed function parameters need it.
//! Pure functions over values and type expressions.

use crate::ast::Type;
use crate::value::{Function, Value};

/// Whether `v` is an instance of type `t` (DMN 1.5, 10.3.2.9).
pub fn instance_of(v: &Value, t: &Type) -> bool {
    match t {
        Type::Named(name) => match name.as_str() {
            "Any" => !matches!(v, Value::Null),
            "Null" => matches!(v, Value::Null),
            other => v.type_name() == other && !matches!(v, Value::Null),
        },
        Type::List(inner) => match v {
            Value::List(items) => items
                .iter()
                .all(|i| matches!(i, Value::Null) || instance_of(i, inner)),
            _ => false,
        },
        Type::Range(inner) => match v {
            Value::Range(r) => [&r.start, &r.end]
                .into_iter()
                .flatten()
                .all(|b| instance_of(&b.value, inner)),
            _ => false,
        },
        Type::Context(entries) => match v {
            Value::Context(c) => entries.iter().all(|(k, t)| {
                c.get(k)
                    .is_some_and(|x| matches!(x, Value::Null) || instance_of(x, t))
            }),
            _ => false,
        },
        Type::Function(params, _) => match v {
            Value::Function(Function::User(c)) => c.params.len() == params.len(),
            Value::Function(Function::Builtin(_)) => true,
            _ => false,
        },
    }
}

#[cfg(test)]
mod tests {
    use crate::test_util::show;

    #[test]
    fn instance_of() {
        assert_eq!(show("1 instance of number"), "true");
        assert_eq!(show("null instance of Any"), "false");
        assert_eq!(show("null instance of Null"), "true");
        assert_eq!(show("[1, 2] instance of list<number>"), "true");
        assert_eq!(show("[1, \"a\"] instance of list<number>"), "false");
        assert_eq!(show("{a: 1} instance of context<a: number>"), "true");
        assert_eq!(
            show("(function(a) a) instance of function<Any> -> Any"),
            "true"
        );
    }
}
