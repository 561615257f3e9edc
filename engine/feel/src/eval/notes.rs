//! Texts for evaluation notes: how a sub-expression and its value are shown in a message
//! (`amount (string "12")`, `100 (number)`), always cut to a bounded length.

use crate::ast::{ArithOp, Expr};
use crate::explain::shorten;
use crate::value::Value;

/// The expression as FEEL text, cut to a bounded length.
pub(crate) fn text(e: &Expr) -> String {
    let mut out = String::new();
    e.print(&mut out);
    shorten(&out)
}

/// A literal shows itself, so only its type is added.
fn is_literal(e: &Expr) -> bool {
    matches!(
        e,
        Expr::Null | Expr::Bool(_) | Expr::Number(_) | Expr::String(_)
    )
}

/// `amount (string "12")` for a computed operand, `100 (number)` for a literal.
pub(crate) fn operand(e: &Expr, v: &Value) -> String {
    if is_literal(e) {
        format!("{} ({})", text(e), v.type_name())
    } else {
        format!("{} ({})", text(e), v.describe())
    }
}

/// The verb for an arithmetic operator in "cannot add a and b".
pub(crate) fn verb(op: ArithOp) -> (&'static str, &'static str) {
    match op {
        ArithOp::Add => ("add", "and"),
        ArithOp::Sub => ("subtract", "from"),
        ArithOp::Mul => ("multiply", "by"),
        ArithOp::Div => ("divide", "by"),
        ArithOp::Pow => ("raise", "to the power"),
    }
}
