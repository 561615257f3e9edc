//! AST walking helpers: visiting sub-expressions and collecting free variable names. Read-only
//! over the AST; never evaluates.

use crate::ast::{Args, Expr};
use crate::builtins;

/// Calls `f` for each direct sub-expression of `e`.
pub fn children(e: &Expr, f: &mut dyn FnMut(&Expr)) {
    match e {
        Expr::Null
        | Expr::Bool(_)
        | Expr::Number(_)
        | Expr::String(_)
        | Expr::At(_)
        | Expr::Name(_) => {}
        Expr::List(items) => items.iter().for_each(f),
        Expr::Context(entries) => entries.iter().for_each(|(_, v)| f(v)),
        Expr::Range { start, end, .. } => {
            f(start);
            f(end);
        }
        Expr::UnaryCmp(_, x) | Expr::Neg(x) | Expr::InstanceOf(x, _) | Expr::Path(x, _) => f(x),
        Expr::Arith(_, a, b)
        | Expr::Compare(_, a, b)
        | Expr::And(a, b)
        | Expr::Or(a, b)
        | Expr::Filter(a, b) => {
            f(a);
            f(b);
        }
        Expr::Between(a, b, c) | Expr::If(a, b, c) => {
            f(a);
            f(b);
            f(c);
        }
        Expr::In(a, tests) => {
            f(a);
            tests.iter().for_each(f);
        }
        Expr::Call(callee, args) => {
            f(callee);
            match args {
                Args::Positional(items) => items.iter().for_each(f),
                Args::Named(items) => items.iter().for_each(|(_, v)| f(v)),
            }
        }
        Expr::For(its, body)
        | Expr::Quantified {
            iterations: its,
            satisfies: body,
            ..
        } => {
            for it in its {
                f(&it.source);
                if let Some(to) = &it.to {
                    f(to);
                }
            }
            f(body);
        }
        Expr::Function(_, body) => f(body),
    }
}

fn collect(e: &Expr, bound: &mut Vec<String>, out: &mut Vec<String>) {
    match e {
        Expr::Name(n) => {
            if !bound.contains(n) && !out.contains(n) && n != "?" && n != "item" {
                out.push(n.clone());
            }
        }
        Expr::Call(callee, args) => {
            match callee.as_ref() {
                Expr::Name(n) if builtins::lookup(n).is_some() && !bound.contains(n) => {}
                other => collect(other, bound, out),
            }
            match args {
                Args::Positional(items) => items.iter().for_each(|a| collect(a, bound, out)),
                Args::Named(items) => items.iter().for_each(|(_, a)| collect(a, bound, out)),
            }
        }
        Expr::Context(entries) => {
            let mark = bound.len();
            for (k, v) in entries {
                collect(v, bound, out);
                bound.push(k.clone());
            }
            bound.truncate(mark);
        }
        Expr::For(its, body)
        | Expr::Quantified {
            iterations: its,
            satisfies: body,
            ..
        } => {
            let mark = bound.len();
            for it in its {
                collect(&it.source, bound, out);
                if let Some(to) = &it.to {
                    collect(to, bound, out);
                }
                bound.push(it.name.clone());
            }
            bound.push("partial".to_string());
            collect(body, bound, out);
            bound.truncate(mark);
        }
        Expr::Function(params, body) => {
            let mark = bound.len();
            bound.extend(params.iter().map(|(p, _)| p.clone()));
            collect(body, bound, out);
            bound.truncate(mark);
        }
        other => children(other, &mut |c| collect(c, bound, out)),
    }
}

/// Free variable names of `e` (first path segment), in order of first appearance.
pub fn free_names(e: &Expr) -> Vec<String> {
    let mut out = Vec::new();
    collect(e, &mut Vec::new(), &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parser::parse_expression;

    #[test]
    fn bound_names_are_not_free() {
        let e = parse_expression(
            "{a: x, b: a} + (function(p) p + q)(1) + sum(for i in ys return i)",
            &[],
        )
        .unwrap();
        assert_eq!(free_names(&e), vec!["x", "q", "ys"]);
    }
}
