//! Run-time problems are explained: when a FEEL expression gives null (FEEL's answer to a type
//! error) or a hard error, the message names the expression text, the sub-expressions and the
//! values involved, cut to a bounded length.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use keel_feel::{Env, Expression, Value};

fn vars() -> serde_json::Map<String, serde_json::Value> {
    serde_json::from_value(serde_json::json!({
        "amount": "12",
        "total": 10,
        "count": 0,
        "flag": "yes",
        "customer": {"name": "Ann", "age": 40},
        "items": [1, 2, 3],
        "long": "x".repeat(500),
        "big": (0..10_000).collect::<Vec<i32>>(),
    }))
    .unwrap()
}

/// The message for `src` used as a condition.
fn condition(src: &str) -> String {
    let vars = vars();
    let env = Env {
        variables: &vars,
        now: "2026-01-01T00:00:00Z[UTC]".parse().unwrap(),
    };
    match Expression::parse(src).unwrap().evaluate_bool(&env) {
        Ok(b) => format!("ok {b}"),
        Err(e) => e.message,
    }
}

fn notes(src: &str) -> Vec<String> {
    let vars = vars();
    let env = Env {
        variables: &vars,
        now: "2026-01-01T00:00:00Z[UTC]".parse().unwrap(),
    };
    Expression::parse(src)
        .unwrap()
        .evaluate_explained(&env)
        .notes
}

#[test]
fn comparisons_name_operands_and_values() {
    assert_eq!(
        condition("amount > 100"),
        "expression 'amount > 100' evaluated to null, expected a boolean: cannot compare amount \
         (string \"12\") with 100 (number)"
    );
    assert_eq!(
        notes("items[1] > \"a\""),
        vec!["cannot compare items[1] (number 1) with \"a\" (string)"]
    );
    assert_eq!(
        notes("amount between 1 and 10"),
        vec!["cannot test whether amount (string \"12\") is between 1 (number) and 10 (number)"]
    );
}

#[test]
fn missing_names_get_suggestions() {
    assert_eq!(
        condition("amout > 100"),
        "expression 'amout > 100' evaluated to null, expected a boolean: no variable named \
         'amout' (did you mean 'amount'?)"
    );
    assert_eq!(
        notes("strng length(\"a\") > 1"),
        vec!["no function named 'strng length' (did you mean 'string length'?)"]
    );
    assert_eq!(
        notes("customer.nmae = \"Ann\""),
        vec!["customer has no entry 'nmae' (did you mean 'name'?)"]
    );
    assert_eq!(notes("qqq"), vec!["no variable named 'qqq'"]);
}

#[test]
fn arithmetic_and_logic() {
    assert_eq!(
        notes("amount + 1"),
        vec!["cannot add amount (string \"12\") and 1 (number)"]
    );
    assert_eq!(
        notes("total - \"x\""),
        vec!["cannot subtract \"x\" (string) from total (number 10)"]
    );
    assert_eq!(
        notes("total / count"),
        vec!["division by zero: total / count (number 0)"]
    );
    assert_eq!(
        notes("flag and true"),
        vec!["flag (string \"yes\") is not a boolean, so 'and' can not use it"]
    );
    assert_eq!(
        notes("if amount > 1 then 1 else 2"),
        vec![
            "cannot compare amount (string \"12\") with 1 (number)",
            "the condition (amount > 1) (null) of 'if' is not a boolean, so the else branch \
             was taken"
        ]
    );
}

#[test]
fn calls() {
    assert_eq!(
        notes("string length(total)"),
        vec!["string length(number 10) returned null"]
    );
    assert_eq!(
        notes("substring(strin: \"abc\", start position: 1)"),
        vec![
            "built-in function 'substring' does not accept the parameters (strin, start \
             position); it takes substring(string, start position, length)"
        ]
    );
    assert_eq!(
        notes("(function(a: number) a)(\"x\")"),
        vec!["argument 'a' of function(a) is string \"x\", not a number"]
    );
    assert_eq!(
        notes("(function(a, b) a)(1)"),
        vec!["function(a, b) takes 2 arguments, not 1"]
    );
    assert_eq!(
        notes("total(1)"),
        vec!["total (number 10) is not a function"]
    );
}

#[test]
fn large_values_are_cut() {
    let n = notes("long < 1");
    assert_eq!(n.len(), 1);
    assert!(n[0].len() < 140, "{}", n[0]);
    assert!(n[0].contains("...) with 1 (number)"), "{}", n[0]);
    let n = notes("big + 1");
    assert!(
        n[0].starts_with("cannot add big (list of 10000 items [0, 1, 2, 3"),
        "{}",
        n[0]
    );
    assert!(n[0].len() < 160, "{}", n[0]);
    let long_src = format!("{} > 1", "total + ".repeat(30) + "amount");
    let msg = condition(&long_src);
    assert!(msg.starts_with("expression 'total + total"), "{msg}");
    assert!(msg.len() < 400, "{msg}");
}

#[test]
fn nulls_from_null_inputs_are_not_blamed_twice() {
    // The missing variable is the cause; the comparison with its null is not noted again.
    assert_eq!(
        notes("missing + 1 > 2"),
        vec!["no variable named 'missing'"]
    );
    // An explicit null still explains itself.
    assert_eq!(
        notes("null > 1"),
        vec!["cannot compare null (null) with 1 (number)"]
    );
}

#[test]
fn results_and_hard_errors() {
    assert_eq!(condition("total > 1"), "ok true");
    assert_eq!(
        condition("items"),
        "expression 'items' evaluated to list of 3 items [1, 2, 3], expected a boolean"
    );
    let msg = condition("{f: function(n) f(n), r: f(1)}.r");
    assert!(
        msg.starts_with(
            "failed to evaluate expression '{f: function(n) f(n), r: f(1)}.r': calls of \
             user-defined functions nested deeper than"
        ),
        "{msg}"
    );
    assert_eq!(Value::String("12".into()).describe(), "string \"12\"");
}
