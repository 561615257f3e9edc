//! Stack safety without stack tricks: deeply nested or recursive input is refused with an
//! error, never a crash, on a thread with a 2 MiB stack (Rust's default for spawned threads),
//! and the deepest input that is accepted parses, evaluates, prints and drops on such a thread.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use keel_feel::limits::{MAX_CALL_DEPTH, MAX_PARSE_DEPTH};
use keel_feel::{Env, EvalError, Expression, UnaryTests, Value};

const STACK: usize = 2 * 1024 * 1024;

/// Runs `f` on a thread with a 2 MiB stack.
fn on_small_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new()
        .stack_size(STACK)
        .spawn(f)
        .unwrap()
        .join()
        .unwrap()
}

fn env() -> Env<'static> {
    Env {
        variables: &(),
        now: "2026-01-01T00:00:00Z[UTC]".parse().unwrap(),
    }
}

fn eval(src: &str) -> Result<Value, EvalError> {
    let e = Expression::parse(src).unwrap_or_else(|e| panic!("{src:.80}: {e}"));
    // Printing and re-parsing the deepest trees must be safe too.
    let _ = Expression::parse(&e.to_feel_string());
    let r = e.evaluate(&env());
    if let Ok(v) = &r {
        let _ = (v.to_json(), v.to_string(), v == &v.clone());
    }
    r
}

fn nested(open: &str, inner: &str, close: &str, n: usize) -> String {
    format!("{}{inner}{}", open.repeat(n), close.repeat(n))
}

#[test]
fn hostile_nesting_is_a_parse_error() {
    on_small_stack(|| {
        let n = 100_000;
        let cases = [
            nested("(", "1", ")", n),
            nested("[", "1", "]", n),
            nested("not(", "true", ")", n),
            nested("{a: ", "1", "}", n),
            nested("abs(", "1", ")", n),
            nested("if true then ", "1", " else 2", n / 2),
            nested("x[", "1", "]", n),
            format!("{}1", "-".repeat(n)),
            format!("1{}", " + 1".repeat(n)),
            format!("1{}", " ** 1".repeat(n)),
            format!("a{}", ".b".repeat(n)),
            format!("f{}", "()".repeat(n)),
            format!("x{}", " = 1".repeat(n)),
            format!("x{}", " and true".repeat(n)),
            format!("x instance of {}number{}", "list<".repeat(n), ">".repeat(n)),
            format!("{}1", "< ".repeat(n)),
        ];
        for src in cases {
            let e = Expression::parse(&src).expect_err(&src[..40]);
            assert!(
                e.message.contains("nested deeper than"),
                "{}: {}",
                &src[..40],
                e.message
            );
        }
        let tests = nested("not(", "1", ")", n);
        assert!(UnaryTests::parse(&tests).is_err());
    });
}

#[test]
fn deepest_accepted_input_runs_on_a_small_stack() {
    on_small_stack(|| {
        let d = MAX_PARSE_DEPTH - 1;
        assert_eq!(eval(&nested("(", "1", ")", d)).unwrap(), Value::int(1));
        assert!(eval(&nested("[", "1", "]", d)).is_ok());
        assert!(eval(&nested("{a: ", "1", "}", d)).is_ok());
        assert_eq!(
            eval(&format!("{}1", "-".repeat(d))).unwrap(),
            Value::int(-1)
        );
        assert_eq!(
            eval(&format!("1{}", " + 1".repeat(d))).unwrap(),
            Value::int(128)
        );
        assert_eq!(
            eval(&nested("if true then ", "1", " else 2", d / 2)).unwrap(),
            Value::int(1)
        );
        assert!(eval(&nested("abs(", "1", ")", d / 2)).is_ok());
        // One level more is refused.
        assert!(Expression::parse(&nested("(", "1", ")", d + 1)).is_err());
    });
}

#[test]
fn unbounded_recursion_is_an_error() {
    on_small_stack(|| {
        let rec = "{f: function(n) if n = 0 then 0 else 1 + f(n - 1), r: f(100000)}.r";
        let err = eval(rec).unwrap_err();
        assert!(
            err.message.contains(&format!(
                "user-defined functions nested deeper than {MAX_CALL_DEPTH}"
            )),
            "{err}"
        );
        // Legit recursion within the limit works.
        let ok = "{f: function(n) if n = 0 then 0 else 1 + f(n - 1), r: f(50)}.r";
        assert_eq!(eval(ok).unwrap(), Value::int(50));
        // Recursion through a higher-order built-in is bounded the same way.
        let sort = "{f: function(n) if n = 0 then 0 else \
                    sort([1, 2], function(a, b) f(n - 1) < 1)[1], r: f(100000)}.r";
        assert!(eval(sort).is_err());
        // Deep bodies recursing: the evaluation depth limit applies across calls.
        let body = nested("1 + (", "f(n - 1)", ")", 58);
        let deep = format!("{{f: function(n) if n = 0 then 0 else {body}, r: f(1000)}}.r");
        let err = eval(&deep).unwrap_err();
        assert!(err.message.contains("nested deeper than"), "{err}");
    });
}

#[test]
fn values_built_at_run_time_stay_shallow() {
    on_small_stack(|| {
        let wrap = "for i in 1..5000 return if i = 1 then [] else [partial[-1]]";
        let err = eval(wrap).unwrap_err();
        assert!(err.message.contains("nested deeper than"), "{err}");
        let closures = "count(for i in 1..5000 return function() partial)";
        assert!(eval(closures).is_err());
        let path = "context put({}, for i in 1..100000 return \"a\", 1)";
        assert_eq!(eval(path).unwrap(), Value::Null);
        let ok = "context put({}, [\"a\", \"b\"], 1).a.b";
        assert_eq!(eval(ok).unwrap(), Value::int(1));
    });
}
