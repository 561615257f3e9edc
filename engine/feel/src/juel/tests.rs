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
        ("${amount.x}", "error: property 'x' not found on a number"),
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
            "error: cannot coerce string 'Ann' to a number",
        ),
        ("${1 / 0}", "error: division by zero"),
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
            "error: cannot coerce boolean 'true' to a number",
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
            "error: cannot coerce number '1500' to a boolean",
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
    ]);
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
            e.message
                .starts_with("method calls are not supported in keel (only execution.getVariable"),
            "{src}: {e}"
        );
    }
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
        .stack_size(256 * 1024)
        .spawn(|| {
            for n in [10_000usize, 100_000] {
                let s = format!("${{{}1{}}}", "(".repeat(n), ")".repeat(n));
                assert!(Expression::parse(&s).is_err());
                let s = format!("${{{}x}}", "!".repeat(n));
                assert!(Expression::parse(&s).is_err());
                let s = format!("${{1{}}}", "+1".repeat(n));
                assert!(Expression::parse(&s).is_err());
            }
            let ok = format!("${{{}1{}}}", "(".repeat(100), ")".repeat(100));
            assert!(Expression::parse(&ok).is_ok());
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
