//! JUEL trees back to text, for messages (`cannot coerce amount (string "x") to a number in
//! amount + 1`) and for listing the variables an expression reads. Output is cut to a bounded
//! length by the callers; recursion follows the tree, whose height the parser bounds.

use super::parser::{BinOp, Expr};
use crate::Value;

fn symbol(op: BinOp) -> &'static str {
    match op {
        BinOp::Add => "+",
        BinOp::Sub => "-",
        BinOp::Mul => "*",
        BinOp::Div => "/",
        BinOp::Mod => "%",
        BinOp::Eq => "==",
        BinOp::Ne => "!=",
        BinOp::Lt => "<",
        BinOp::Gt => ">",
        BinOp::Le => "<=",
        BinOp::Ge => ">=",
        BinOp::And => "&&",
        BinOp::Or => "||",
    }
}

/// An operand that needs parentheses to read unambiguously.
fn grouped(e: &Expr, out: &mut String) {
    if matches!(e, Expr::Binary(..) | Expr::Cond(..)) {
        out.push('(');
        print(e, out);
        out.push(')');
    } else {
        print(e, out);
    }
}

fn literal(v: &Value, out: &mut String) {
    match v {
        Value::String(s) => {
            out.push('\'');
            for c in s.chars() {
                if c == '\'' || c == '\\' {
                    out.push('\\');
                }
                out.push(c);
            }
            out.push('\'');
        }
        other => out.push_str(&other.to_string()),
    }
}

fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    chars
        .next()
        .is_some_and(|c| c.is_alphabetic() || c == '_' || c == '$')
        && chars.all(|c| c.is_alphanumeric() || c == '_' || c == '$')
}

/// Appends JUEL text for `e` (without `${` and `}`).
pub(crate) fn print(e: &Expr, out: &mut String) {
    match e {
        Expr::Lit(v) => literal(v, out),
        Expr::Var(n) => out.push_str(n),
        Expr::Index(base, index) => {
            grouped(base, out);
            match index.as_ref() {
                Expr::Lit(Value::String(name)) if is_identifier(name) => {
                    out.push('.');
                    out.push_str(name);
                }
                other => {
                    out.push('[');
                    print(other, out);
                    out.push(']');
                }
            }
        }
        Expr::Neg(x) => {
            out.push('-');
            grouped(x, out);
        }
        Expr::Not(x) => {
            out.push('!');
            grouped(x, out);
        }
        Expr::Empty(x) => {
            out.push_str("empty ");
            grouped(x, out);
        }
        Expr::Binary(op, a, b) => {
            grouped(a, out);
            out.push(' ');
            out.push_str(symbol(*op));
            out.push(' ');
            grouped(b, out);
        }
        Expr::Cond(c, a, b) => {
            grouped(c, out);
            out.push_str(" ? ");
            grouped(a, out);
            out.push_str(" : ");
            grouped(b, out);
        }
        Expr::GetVariable(name) => {
            out.push_str("execution.getVariable(");
            print(name, out);
            out.push(')');
        }
        Expr::HasVariable(name) => {
            out.push_str("execution.hasVariable(");
            print(name, out);
            out.push(')');
        }
        Expr::BusinessKey => out.push_str("execution.processBusinessKey"),
        Expr::InstanceId => out.push_str("execution.processInstanceId"),
    }
}

/// Root variables read by `e`, in order of first appearance, without duplicates.
pub(crate) fn variables(e: &Expr, out: &mut Vec<String>) {
    match e {
        Expr::Lit(_) | Expr::BusinessKey | Expr::InstanceId => {}
        Expr::Var(n) => {
            if !out.contains(n) {
                out.push(n.clone());
            }
        }
        Expr::Index(a, b) | Expr::Binary(_, a, b) => {
            variables(a, out);
            variables(b, out);
        }
        Expr::GetVariable(x) | Expr::HasVariable(x) => match x.as_ref() {
            Expr::Lit(Value::String(n)) => {
                if !out.contains(n) {
                    out.push(n.clone());
                }
            }
            other => variables(other, out),
        },
        Expr::Neg(x) | Expr::Not(x) | Expr::Empty(x) => variables(x, out),
        Expr::Cond(c, a, b) => {
            variables(c, out);
            variables(a, out);
            variables(b, out);
        }
    }
}
