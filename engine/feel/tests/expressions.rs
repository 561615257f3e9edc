//! End-to-end tests of FEEL expressions: parse, evaluate, print.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use keel_feel::{Env, Expression, UnaryTests, Value};

fn env_with<'a>(vars: &'a serde_json::Map<String, serde_json::Value>) -> Env<'a> {
    let now: jiff::Zoned = "2026-03-15T10:30:00+01:00[Europe/Paris]".parse().unwrap();
    Env {
        variables: vars,
        now,
    }
}

fn vars() -> serde_json::Map<String, serde_json::Value> {
    let v = serde_json::json!({
        "x": 5, "name": "Ada", "flag": true, "nothing": null,
        "Full Name": "Ada Lovelace",
        "xs": [1, 2, 3, 4, 5],
        "people": [{"name": "a", "age": 30}, {"name": "b", "age": 15}],
        "order": {"total": 120.5, "items": [{"price": 10}, {"price": 20}]}
    });
    v.as_object().unwrap().clone()
}

fn eval(src: &str) -> Value {
    let vars = vars();
    let e = Expression::parse(src).unwrap_or_else(|e| panic!("parse {src}: {e}"));
    e.evaluate(&env_with(&vars))
        .unwrap_or_else(|e| panic!("eval {src}: {e}"))
}

fn check(src: &str, expected: &str) {
    let v = eval(src);
    let shown = match &v {
        Value::String(s) => format!("{s:?}"),
        other => other.to_string(),
    };
    assert_eq!(shown, expected, "expression: {src}");
    // printer round trip
    let e = Expression::parse(src).unwrap();
    let printed = e.to_feel_string();
    let again =
        Expression::parse(&printed).unwrap_or_else(|err| panic!("reparse {printed}: {err}"));
    assert_eq!(again.ast(), e.ast(), "printed: {printed}");
}

#[test]
fn literals_and_arithmetic() {
    check("1 + 2 * 3", "7");
    check("(1 + 2) * 3", "9");
    check("2 ** 3 ** 2", "64");
    check("-3 ** 2", "9");
    check("10 / 4", "2.5");
    check("1 / 0", "null");
    check("0.1 + 0.2", "0.3");
    check("\"a\" + \"b\"", "\"ab\"");
    check("1 + null", "null");
    check("1 + \"a\"", "null");
    check("-x", "-5");
    check(".5 + 1", "1.5");
}

#[test]
fn logic_and_comparison() {
    check("true and null", "null");
    check("false and null", "false");
    check("true or null", "true");
    check("null or false", "null");
    check("x > 3 and x < 10", "true");
    check("x = null", "false");
    check("nothing = null", "true");
    check("missing = null", "true");
    check("\"5\" = 5", "null");
    check("x != 4", "true");
    check("[1, 2] = [1, 2]", "true");
    check("{a: 1} = {a: 1}", "true");
    check("x between 1 and 10", "true");
    check("not(true)", "false");
    check("not(null)", "null");
}

#[test]
fn in_operator() {
    check("x in [1..10]", "true");
    check("x in (5..10]", "false");
    check("x in (1, 2, 5)", "true");
    check("x in < 10", "true");
    check("x in (< 3, > 4)", "true");
    check("x in [1, 2, 3]", "false");
    check("x in ]1..5[", "false");
    check("x in [1..5[", "false");
}

#[test]
fn names_paths_filters() {
    check("Full Name", "\"Ada Lovelace\"");
    check("order.total", "120.5");
    check("order.items.price", "[10, 20]");
    check("xs[1]", "1");
    check("xs[-1]", "5");
    check("xs[0]", "null");
    check("xs[item > 3]", "[4, 5]");
    check("people[age > 18].name", "[\"a\"]");
    check("people[item.age < 18].name", "[\"b\"]");
    check("{a: 1, b: a + 1}.b", "2");
    check("{\"b c\": 2}.b c", "2");
    check("[1,2,3][item >= 2]", "[2, 3]");
}

#[test]
fn control_flow() {
    check("if x > 3 then \"big\" else \"small\"", "\"big\"");
    check("if null then 1 else 2", "2");
    check("for i in xs return i * 2", "[2, 4, 6, 8, 10]");
    check("for i in 1..3 return i", "[1, 2, 3]");
    check("for i in 3..1 return i", "[3, 2, 1]");
    check(
        "for i in [1,2], j in [10, 20] return i + j",
        "[11, 21, 12, 22]",
    );
    check(
        "for i in 1..5 return if i = 1 then 1 else i * partial[-1]",
        "[1, 2, 6, 24, 120]",
    );
    check("some i in xs satisfies i > 4", "true");
    check("every i in xs satisfies i > 4", "false");
    check("(function(a, b) a + b)(1, 2)", "3");
    check("{f: function(a) a * 2, r: f(4)}.r", "8");
    check(
        "{fact: function(n) if n <= 1 then 1 else n * fact(n - 1), r: fact(5)}.r",
        "120",
    );
}

#[test]
fn builtins() {
    check("string length(\"abc\")", "3");
    check("substring(\"foobar\", 3)", "\"obar\"");
    check(
        "substring(string: \"foobar\", start position: 3, length: 2)",
        "\"ob\"",
    );
    check("upper case(name)", "\"ADA\"");
    check("contains(\"abc\", \"b\")", "true");
    check("count(xs)", "5");
    check("sum(xs)", "15");
    check("mean(xs)", "3");
    check("min(xs)", "1");
    check("max(3, 1, 2)", "3");
    check("list contains(xs, 3)", "true");
    check("sort([3, 1, 2])", "[1, 2, 3]");
    check("sort([3, 1, 2], function(a, b) a > b)", "[3, 2, 1]");
    check("distinct values([1, 1, 2])", "[1, 2]");
    check("flatten([1, [2, [3]]])", "[1, 2, 3]");
    check("index of([1, 2, 1], 1)", "[1, 3]");
    check("decimal(1/3, 2)", "0.33");
    check("round half up(2.5, 0)", "3");
    check("floor(-1.5)", "-2");
    check("modulo(-7, 3)", "2");
    check("string join([\"a\", \"b\"], \", \")", "\"a, b\"");
    check("is defined(nothing)", "false");
    check("is defined(x)", "true");
    check("number(\"1,000.5\", \",\", \".\")", "1000.5");
    check("string(1.50)", "\"1.5\"");
    check("get value({a: 1}, \"a\")", "1");
    check("context put({a: 1}, \"b\", 2)", "{a: 1, b: 2}");
    check("matches(\"abc\", \"^a.c$\")", "true");
    check("replace(\"abc\", \"b\", \"x\")", "\"axc\"");
    check("split(\"a,b\", \",\")", "[\"a\", \"b\"]");
}

#[test]
fn temporal() {
    check("date(\"2026-01-31\") + duration(\"P1M\")", "2026-02-28");
    check("@\"2026-01-01\" < @\"2026-02-01\"", "true");
    check(
        "date and time(\"2026-01-01T10:00:00Z\") - date and time(\"2026-01-01T08:30:00Z\")",
        "PT1H30M",
    );
    check("date(\"2026-01-01\").year", "2026");
    check("today()", "2026-03-15");
    check("now()", "2026-03-15T10:30:00@Europe/Paris");
    check("day of week(date(\"2026-03-15\"))", "\"Sunday\"");
    check("duration(\"P1DT2H\") * 2", "P2DT4H");
    check(
        "years and months duration(date(\"2020-01-15\"), date(\"2021-03-14\"))",
        "P1Y1M",
    );
    check("time(\"10:00:00\") + duration(\"PT15H\")", "01:00:00");
    check("@\"P1D\" instance of days and time duration", "true");
    check(
        "date and time(\"2026-01-01T00:00:00\") instance of date and time",
        "true",
    );
}

#[test]
fn unary_tests() {
    let vars = vars();
    let env = env_with(&vars);
    let t = |src: &str, input: Value| {
        UnaryTests::parse(src)
            .unwrap()
            .evaluate(&input, &env)
            .unwrap()
    };
    assert_eq!(t("> 5, < 2", Value::int(1)), Value::Bool(true));
    assert_eq!(t("> 5, < 2", Value::int(3)), Value::Bool(false));
    assert_eq!(t("-", Value::int(3)), Value::Bool(true));
    assert_eq!(t("not(3)", Value::int(3)), Value::Bool(false));
    assert_eq!(t("[1..10]", Value::int(10)), Value::Bool(true));
    assert_eq!(
        t("\"a\", \"b\"", Value::String("b".into())),
        Value::Bool(true)
    );
    assert_eq!(t("? > x", Value::int(6)), Value::Bool(true));
}

#[test]
fn limits_hold() {
    let vars = vars();
    let env = env_with(&vars);
    let start = std::time::Instant::now();
    let e = Expression::parse("for x in 1..1000000000 return x").unwrap();
    assert!(e.evaluate(&env).is_err());
    let e = Expression::parse("for a in 1..1000, b in 1..1000, c in 1..1000 return 1").unwrap();
    assert!(e.evaluate(&env).is_err());
    assert!(start.elapsed().as_secs() < 10);
    let deep = "(".repeat(100_000) + "1" + &")".repeat(100_000);
    let err = Expression::parse(&deep).unwrap_err();
    assert!(err.message.contains("nested"), "{err}");
    let e = Expression::parse("10 ** 100000").unwrap();
    assert_eq!(e.evaluate(&env).unwrap(), Value::Null);
    let e = Expression::parse("{f: function(n) f(n + 1), r: f(1)}.r").unwrap();
    assert!(e.evaluate(&env).is_err());
}

#[test]
fn copying_large_values_is_charged() {
    let big: Vec<serde_json::Value> = (0..5_000).map(serde_json::Value::from).collect();
    let mut vars = serde_json::Map::new();
    vars.insert("big".into(), serde_json::Value::Array(big));
    let env = env_with(&vars);
    let start = std::time::Instant::now();
    let e = Expression::parse("for i in 1..1000000 return big").unwrap();
    assert!(e.evaluate(&env).is_err());
    let e = Expression::parse("count(big)").unwrap();
    assert_eq!(e.evaluate(&env).unwrap(), Value::int(5_000));
    assert!(start.elapsed().as_secs() < 10);
}

#[test]
fn deepest_accepted_expressions_fit_in_a_small_stack() {
    let worker = std::thread::Builder::new().stack_size(1 << 20).spawn(|| {
        let vars = vars();
        let env = env_with(&vars);
        let mut deepest = None;
        for depth in (10..200).step_by(10) {
            let src = "[".repeat(depth) + "1" + &"]".repeat(depth);
            if let Ok(e) = Expression::parse(&src) {
                deepest = Some(depth);
                e.evaluate(&env).unwrap();
            }
            let src = "-(".repeat(depth) + "1" + &")".repeat(depth);
            if let Ok(e) = Expression::parse(&src) {
                e.evaluate(&env).unwrap();
            }
        }
        let e =
            Expression::parse("{f: function(n) if n = 0 then 0 else 1 + f(n - 1), r: f(1000)}.r")
                .unwrap();
        assert!(e.evaluate(&env).is_err());
        deepest
    });
    let deepest = worker.unwrap().join().unwrap();
    assert!(deepest.unwrap_or(0) >= 50);
}

#[test]
fn parse_errors_have_positions() {
    let err = Expression::parse("a +\n  )").unwrap_err();
    assert_eq!((err.line, err.column), (2, 3));
    assert!(Expression::parse("\"abc").is_err());
    assert!(Expression::parse("a =").is_err());
    assert!(Expression::parse("").is_err());
}

#[test]
fn referenced_names() {
    let e = Expression::parse("a + b.c + count(xs) + (for i in ys return i + k)").unwrap();
    assert_eq!(e.referenced_names(), vec!["a", "b", "xs", "ys", "k"]);
}

#[test]
fn extreme_operands_never_panic() {
    let vars = vars();
    let env = env_with(&vars);
    let values = [
        "9.999999999999999999999999999999999e6144",
        "-9.999999999999999999999999999999999e6144",
        "1e-6176",
        "0",
        "@\"P999999999Y\"",
        "@\"-P999999999Y\"",
        "@\"P99999999999DT23H\"",
        "@\"-P99999999999D\"",
        "@\"9999-12-31\"",
        "@\"-9999-01-01\"",
        "@\"9999-12-31T23:59:59.999999999@Europe/Paris\"",
        "@\"-9999-01-01T00:00:00-14:00\"",
        "@\"23:59:59.999999999+14:00\"",
        "\"x\"",
        "[1, [2]]",
        "{a: 1}",
        "[1..10]",
        "null",
    ];
    let ops = ["+", "-", "*", "/", "**", "<", "=", "!="];
    for a in values {
        for b in values {
            for op in ops {
                let src = format!("{a} {op} {b}");
                let e = Expression::parse(&src).unwrap();
                let _ = e.evaluate(&env);
            }
            for f in [
                "years and months duration",
                "before",
                "includes",
                "modulo",
                "decimal",
                "round up",
                "substring",
            ] {
                let src = format!("{f}({a}, {b})");
                let _ = Expression::parse(&src).unwrap().evaluate(&env);
            }
        }
        for f in [
            "abs",
            "sqrt",
            "log",
            "exp",
            "floor",
            "string",
            "day of week",
            "week of year",
            "-",
        ] {
            let src = format!("{f}({a})");
            let _ = Expression::parse(&src).unwrap().evaluate(&env);
        }
        for prop in [
            "year",
            "days",
            "hours",
            "seconds",
            "time offset",
            "start",
            "weekday",
        ] {
            let src = format!("({a}).{prop}");
            let _ = Expression::parse(&src).unwrap().evaluate(&env);
        }
    }
}
