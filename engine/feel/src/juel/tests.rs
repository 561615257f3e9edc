//! Unit tests of the Camunda 7 expression front end, one group per construct.

use super::Expression;
use crate::{Context, Env, Value};

fn vars() -> Context {
    let json: serde_json::Value = serde_json::json!({
        "amount": 1500,
        "name": "Ann",
        "numStr": "42",
        "flag": true,
        "flagStr": "true",
        "nothing": null,
        "emptyStr": "",
        "items": [10, 20, {"k": "v"}],
        "emptyList": [],
        "customer": {"name": "Bob", "address": {"city": "Oslo"}, "tags": []},
        "__business_key": "order-7",
    });
    match Value::from_json(&json) {
        Value::Context(c) => c,
        _ => Context::new(),
    }
}

fn run(src: &str) -> Result<Value, String> {
    let ctx = vars();
    let env = Env {
        variables: &ctx,
        now: "2026-03-15T10:30:00+01:00[Europe/Paris]".parse().unwrap(),
    };
    let e = Expression::parse(src).map_err(|e| format!("parse: {e}"))?;
    assert_eq!(e.source(), src);
    e.evaluate(&env).map_err(|e| e.to_string())
}

fn show(src: &str) -> String {
    match run(src) {
        Ok(Value::String(s)) => format!("{s:?}"),
        Ok(v) => v.to_string(),
        Err(e) => format!("error: {e}"),
    }
}

fn check(cases: &[(&str, &str)]) {
    for (src, want) in cases {
        assert_eq!(show(src), *want, "{src}");
    }
}

#[test]
fn literals() {
    check(&[
        ("${1}", "1"),
        ("${1.5}", "1.5"),
        ("${1e3}", "1000"),
        ("${'a\\'b'}", "\"a'b\""),
        ("${\"x\\\\y\"}", "\"x\\\\y\""),
        ("${true}", "true"),
        ("${false}", "false"),
        ("${null}", "null"),
    ]);
}

#[test]
fn variables_and_properties() {
    check(&[
        ("${amount}", "1500"),
        ("${name}", "\"Ann\""),
        ("${customer.name}", "\"Bob\""),
        ("${customer['name']}", "\"Bob\""),
        ("${customer.address.city}", "\"Oslo\""),
        ("${customer.missing}", "null"),
        ("${nothing.x}", "null"),
        ("${items[0]}", "10"),
        ("${items[1]}", "20"),
        ("${items[2].k}", "\"v\""),
        ("${items[9]}", "null"),
        ("${items['1']}", "20"),
        (
            "${missing}",
            "error: unknown property used in expression: missing",
        ),
        (
            "${amount.x}",
            "error: amount (number 1500) has no property 'x'",
        ),
        (
            "${amout > 1}",
            "error: unknown property used in expression: amout (did you mean 'amount'?)",
        ),
    ]);
}

#[test]
fn arithmetic() {
    check(&[
        ("${1 + 2 * 3}", "7"),
        ("${(1 + 2) * 3}", "9"),
        ("${7 / 2}", "3.5"),
        ("${7 div 2}", "3.5"),
        ("${7 % 3}", "1"),
        ("${-7 mod 3}", "-1"),
        ("${-amount}", "-1500"),
        ("${numStr + 1}", "43"),
        ("${nothing + 1}", "1"),
        (
            "${name + 1}",
            "error: cannot coerce name (string \"Ann\") to a number in name + 1",
        ),
        (
            "${1 / 0}",
            "error: division by zero in 1 / 0 (0 is number 0)",
        ),
        (
            "${amount / (numStr - 42)}",
            "error: division by zero in amount / (numStr - 42) (numStr - 42 is number 0)",
        ),
        ("${amount - 500}", "1000"),
    ]);
}

#[test]
fn comparisons() {
    check(&[
        ("${amount > 1000}", "true"),
        ("${amount gt 2000}", "false"),
        ("${amount >= 1500}", "true"),
        ("${amount ge 1501}", "false"),
        ("${amount < 2000}", "true"),
        ("${amount lt 1}", "false"),
        ("${amount <= 1500}", "true"),
        ("${amount le 1}", "false"),
        ("${numStr > 41}", "true"),
        ("${'a' < 'b'}", "true"),
        ("${nothing < 1}", "false"),
        (
            "${flag < 1}",
            "error: cannot compare flag (boolean true) with 1 (number)",
        ),
    ]);
}

#[test]
fn equality() {
    check(&[
        ("${amount == 1500}", "true"),
        ("${amount eq 1500.0}", "true"),
        ("${numStr == 42}", "true"),
        ("${name == 'Ann'}", "true"),
        ("${name != 'Ann'}", "false"),
        ("${name ne 'Bob'}", "true"),
        ("${nothing == null}", "true"),
        ("${name == null}", "false"),
        ("${flagStr == true}", "true"),
        ("${flag eq true}", "true"),
    ]);
}

#[test]
fn logic() {
    check(&[
        ("${flag && amount > 1}", "true"),
        ("${flag and false}", "false"),
        ("${false || flagStr}", "true"),
        ("${false or nothing}", "false"),
        ("${!flag}", "false"),
        ("${not nothing}", "true"),
        ("${false && missing}", "false"),
        ("${true || missing}", "true"),
        (
            "${amount && true}",
            "error: cannot coerce amount (number 1500) to a boolean in amount && true",
        ),
    ]);
}

#[test]
fn empty_operator() {
    check(&[
        ("${empty nothing}", "true"),
        ("${empty emptyStr}", "true"),
        ("${empty emptyList}", "true"),
        ("${empty customer.tags}", "true"),
        ("${empty items}", "false"),
        ("${not empty name}", "true"),
        ("${empty customer.missing}", "true"),
    ]);
}

#[test]
fn ternary() {
    check(&[
        ("${amount > 1000 ? 'big' : 'small'}", "\"big\""),
        ("${flag ? 1 : missing}", "1"),
        ("${false ? 1 : true ? 2 : 3}", "2"),
    ]);
}

#[test]
fn composite_text() {
    check(&[
        ("Dear ${name}!", "\"Dear Ann!\""),
        ("${name}-${amount}", "\"Ann-1500\""),
        ("v=${nothing}.", "\"v=.\""),
        ("plain", "\"plain\""),
        ("", "\"\""),
        ("cost \\${x}", "\"cost ${x}\""),
        ("#{amount > 1}", "true"),
        ("a #{name}", "\"a Ann\""),
        ("${flag}", "true"),
    ]);
}

#[test]
fn execution_methods() {
    check(&[
        ("${execution.getVariable('amount')}", "1500"),
        ("${execution.getVariable(\"name\") == 'Ann'}", "true"),
        ("${execution.getVariable('missing')}", "null"),
        ("${execution.getProcessBusinessKey()}", "\"order-7\""),
        ("${execution.processBusinessKey}", "\"order-7\""),
        ("${execution.getProcessInstanceId()}", "null"),
        ("${execution.hasVariable('amount')}", "true"),
        ("${execution.getBusinessKey()}", "\"order-7\""),
        ("#{execution.businessKey}", "\"order-7\""),
        ("${execution.hasVariable('nothing')}", "true"),
        ("${!execution.hasVariable('missing')}", "true"),
    ]);
}

#[test]
fn conditions_explain_why_they_are_not_boolean() {
    let ctx = vars();
    let env = Env {
        variables: &ctx,
        now: "2026-03-15T10:30:00+01:00[Europe/Paris]".parse().unwrap(),
    };
    let bool_of = |src: &str| Expression::parse(src).unwrap().evaluate_bool(&env);
    assert_eq!(bool_of("${amount > 1000}"), Ok(true));
    assert_eq!(
        bool_of("${customer.nmae}").unwrap_err().message,
        "expression '${customer.nmae}' evaluated to null, expected a boolean: customer has no \
         entry 'nmae' (did you mean 'name'?)"
    );
    assert_eq!(
        bool_of("${flagStr}").unwrap_err().message,
        "expression '${flagStr}' evaluated to string \"true\", expected a boolean"
    );
    assert_eq!(
        bool_of("${items[5] == 1}"),
        Ok(false),
        "comparisons with null are false in JUEL"
    );
    let e = Expression::parse("${items[5]}")
        .unwrap()
        .evaluate_explained(&env);
    assert_eq!(
        e.notes,
        vec!["items has no item 5 (it has 3; indexes start at 0)".to_string()]
    );
    assert_eq!(
        bool_of("${name + 1 > 2}").unwrap_err().message,
        "failed to evaluate expression '${name + 1 > 2}': cannot coerce name (string \"Ann\") \
         to a number in name + 1"
    );
}

#[test]
fn referenced_names() {
    let e = Expression::parse(
        "${a.b > 1 && c[d] == execution.getVariable('e') || a} #{execution.processBusinessKey}",
    )
    .unwrap();
    assert_eq!(e.referenced_names(), vec!["a", "c", "d", "e"]);
}

#[test]
fn refused_calls() {
    for src in [
        "${execution.setVariable('a', 1)}",
        "${myBean.doIt()}",
        "${dateTime().plusDays(1).toDate()}",
        "${items.size() > 0}",
        "${fn:upper(name)}",
        "${now()}",
    ] {
        let e = Expression::parse(src).unwrap_err();
        assert!(
            e.message.starts_with(
                "method calls are not supported in keel (only execution.getVariable, \
                 getProcessBusinessKey, getProcessInstanceId); use FEEL: "
            ) && e.message.contains("keel never runs code from expressions"),
            "{src}: {e}"
        );
    }
    let e = Expression::parse("${order.isPremium()}").unwrap_err();
    assert!(
        e.message
            .contains("use FEEL: order.isPremium(...) would run code"),
        "{e}"
    );
    let e = Expression::parse("${fn:upper(name)}").unwrap_err();
    assert!(e.message.contains("fn:upper(...)"), "{e}");
}

#[test]
fn parse_errors_have_positions() {
    let e = Expression::parse("x ${a >}").unwrap_err();
    assert_eq!((e.offset, e.line, e.column), (7, 1, 8));
    let e = Expression::parse("${a").unwrap_err();
    assert!(e.message.contains("missing '}'"), "{e}");
    assert!(Expression::parse("${'abc}").is_err());
    assert!(Expression::parse("${a ? b}").is_err());
    assert!(Expression::parse("${a.}").is_err());
    assert!(Expression::parse("${a[1}").is_err());
}

#[test]
fn deep_input_is_refused_not_crashing() {
    let t = std::thread::Builder::new()
        .stack_size(2 * 1024 * 1024)
        .spawn(|| {
            for n in [10_000usize, 100_000] {
                let s = format!("${{{}1{}}}", "(".repeat(n), ")".repeat(n));
                assert!(Expression::parse(&s).is_err());
                let s = format!("${{{}x}}", "!".repeat(n));
                assert!(Expression::parse(&s).is_err());
                let s = format!("${{{}x}}", "-".repeat(n));
                assert!(Expression::parse(&s).is_err());
                let s = format!("${{1{}}}", "+1".repeat(n));
                assert!(Expression::parse(&s).is_err());
                let s = format!("${{a{}}}", ".b".repeat(n));
                assert!(Expression::parse(&s).is_err());
                let s = format!("${{{}1{}}}", "a[".repeat(n), "]".repeat(n));
                assert!(Expression::parse(&s).is_err());
                let s = format!("${{{}1}}", "true ? 1 : ".repeat(n));
                assert!(Expression::parse(&s).is_err());
            }
            // The deepest accepted text parses and evaluates on a 2 MiB stack.
            let ok = format!("${{{}1{}}}", "(".repeat(126), ")".repeat(126));
            assert_eq!(show(&ok), "1");
            let ok = format!("${{{}1}}", "-".repeat(126));
            assert_eq!(show(&ok), "1");
            let ok = format!("${{1{}}}", " + 1".repeat(126));
            assert_eq!(show(&ok), "127");
            let ok = format!("${{{}x}}", "!".repeat(126));
            assert_eq!(show(&ok), "error: unknown property used in expression: x");
        })
        .unwrap();
    t.join().unwrap();
}

mod prop {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn parse_never_panics(s in "\\PC*") {
            let _ = Expression::parse(&s);
        }

        #[test]
        fn expression_like_text_never_panics(s in "[$#{}()\\[\\]'\"a-z0-9 .+*/%<>=!&|?:,-]{0,40}") {
            if let Ok(e) = Expression::parse(&s) {
                let ctx = vars();
                let env = Env { variables: &ctx, now: "2026-03-15T10:30:00+01:00[Europe/Paris]".parse().unwrap() };
                let _ = e.evaluate(&env);
            }
        }
    }
}
