//! Property tests: the parser never panics on arbitrary text, and printing a parsed expression
//! gives text that parses back to the same tree (and evaluates without panicking).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use keel_feel::{Env, Expression, UnaryTests};
use proptest::prelude::*;

fn leaf() -> impl Strategy<Value = String> {
    prop_oneof![
        (0u32..1000).prop_map(|n| n.to_string()),
        (0u32..1000, 1u32..99).prop_map(|(a, b)| format!("{a}.{b}")),
        "[a-z]{1,6}".prop_map(|s| format!("\"{s}\"")),
        prop_oneof![Just("x"), Just("y"), Just("Full Name"), Just("item")].prop_map(String::from),
        prop_oneof![Just("true"), Just("false"), Just("null")].prop_map(String::from),
        Just("@\"2026-01-01\"".to_string()),
    ]
}

fn expr() -> impl Strategy<Value = String> {
    leaf().prop_recursive(4, 48, 4, |inner| {
        let op = prop_oneof![
            Just("+"),
            Just("-"),
            Just("*"),
            Just("/"),
            Just("**"),
            Just("="),
            Just("!="),
            Just("<"),
            Just(">="),
            Just("and"),
            Just("or"),
        ];
        prop_oneof![
            (inner.clone(), op, inner.clone()).prop_map(|(a, o, b)| format!("({a} {o} {b})")),
            inner.clone().prop_map(|a| format!("(-({a}))")),
            inner.clone().prop_map(|a| format!("(({a}))")),
            prop::collection::vec(inner.clone(), 0..4)
                .prop_map(|v| format!("([{}])", v.join(", "))),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({{a: {a}, b c: {b}}})")),
            (inner.clone(), inner.clone(), inner.clone())
                .prop_map(|(a, b, c)| format!("(if {a} then {b} else {c})")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("(for i in {a} return {b})")),
            (inner.clone(), inner.clone())
                .prop_map(|(a, b)| format!("(some i in {a} satisfies {b})")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("({a} between {b} and 10)")),
            (inner.clone(), inner.clone())
                .prop_map(|(a, b)| format!("({a} in ({b}, < 5, [1..3]))")),
            (inner.clone(), inner.clone()).prop_map(|(a, b)| format!("(({a})[{b}])")),
            inner.clone().prop_map(|a| format!("(({a}).b c)")),
            inner.clone().prop_map(|a| format!("(string length({a}))")),
            (inner.clone(), inner.clone())
                .prop_map(|(a, b)| format!("(substring(string: {a}, start position: {b}))")),
            inner
                .clone()
                .prop_map(|a| format!("((function(p, q) p + {a})(1, 2))")),
            inner
                .clone()
                .prop_map(|a| format!("({a} instance of list<number>)")),
        ]
    })
}

fn env() -> Env<'static> {
    Env {
        variables: &(),
        now: "2026-01-01T00:00:00Z[UTC]".parse().unwrap(),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn parser_never_panics_on_any_text(s in any::<String>()) {
        let _ = Expression::parse(&s);
        let _ = UnaryTests::parse(&s);
    }

    #[test]
    fn parser_never_panics_on_feel_like_text(s in "[a-z0-9 +*/().,<>=!:\"@?{}\\[\\]-]{0,60}") {
        if let Ok(e) = Expression::parse(&s) {
            let _ = e.evaluate(&env());
            let _ = e.to_feel_string();
        }
        let _ = UnaryTests::parse(&s);
    }

    #[test]
    fn temporal_and_number_text_never_panics(s in "[0-9:TZPYMDHS@.+ /a-zé-]{0,30}") {
        let quoted = s.replace('"', "");
        for src in [
            format!("@\"{quoted}\""),
            format!("date(\"{quoted}\")"),
            format!("time(\"{quoted}\")"),
            format!("date and time(\"{quoted}\")"),
            format!("duration(\"{quoted}\")"),
            format!("number(\"{quoted}\")"),
            format!("range(\"{quoted}\")"),
        ] {
            let e = Expression::parse(&src).unwrap();
            let _ = e.evaluate(&env());
        }
    }

    #[test]
    fn number_text_round_trips(int in -1_000_000_000i64..1_000_000_000, frac in 0u32..1_000_000, exp in -40i32..40) {
        let text = format!("{int}.{frac:06}e{exp}");
        let n = keel_feel::Number::parse(&text).unwrap();
        let again = keel_feel::Number::parse(&n.to_string()).unwrap();
        prop_assert_eq!(n, again);
        let m = keel_feel::Number::parse(&format!("{frac}e{}", -exp)).unwrap();
        let diff = n.sub(&m).unwrap();
        prop_assert_eq!(n.cmp(&m), diff.cmp(&keel_feel::Number::ZERO));
    }

    #[test]
    fn print_then_parse_is_stable(src in expr()) {
        let e = Expression::parse(&src).unwrap();
        let printed = e.to_feel_string();
        let again = Expression::parse(&printed).unwrap_or_else(|err| panic!("{printed}: {err}"));
        prop_assert_eq!(again.ast(), e.ast());
        prop_assert_eq!(again.to_feel_string(), printed);
        let _ = e.evaluate(&env());
    }
}
