//! `errorEventDefinition` / `escalationEventDefinition` → [`ErrorRef`] / [`EscalationRef`]:
//! the code of the referenced `error` or `escalation` element, the `camunda:errorMessage` an
//! error end event throws with it, and the variables a catch event stores what it caught in
//! (`camunda:errorCodeVariable`, `camunda:errorMessageVariable`,
//! `camunda:escalationCodeVariable`).
//!
//! An `errorRef` naming no `error` element is the error code itself (as in Camunda 7); a
//! dangling `escalationRef` is an error. Codes must be fixed values; an error message may hold
//! `${...}` (evaluated when the error is thrown); a variable name must be a fixed, non-empty name.

use super::context::Ctx;
use super::expr;
use super::tree::{Element, Ns};
use crate::model::{ErrorRef, EscalationRef};

/// The error an `errorEventDefinition` `d` of event `e` throws or catches.
pub(crate) fn error(ctx: &mut Ctx<'_, '_>, e: &Element, d: &Element) -> ErrorRef {
    let mut out = ErrorRef {
        code_variable: variable(ctx, e, d, "errorCodeVariable"),
        message_variable: variable(ctx, e, d, "errorMessageVariable"),
        ..ErrorRef::default()
    };
    let Some(r) = d.attr("errorRef") else {
        return out;
    };
    let Some(err) = ctx.doc.error(r) else {
        // Camunda 7 takes a reference naming no `error` element as the error code itself.
        let code = r.trim();
        if expr::is_camunda7(code) {
            ctx.exec_error(
                e,
                format!(
                    "errorRef \"{code}\" (used as the error code): {}",
                    expr::CAMUNDA7_EXPR
                ),
            );
        }
        out.code = (!code.is_empty()).then(|| code.to_owned());
        return out;
    };
    let code = err
        .attr("errorCode")
        .map(str::trim)
        .filter(|c| !c.is_empty());
    if code.is_some_and(expr::is_camunda7) {
        ctx.exec_error(
            e,
            format!("errorCode of error \"{r}\": {}", expr::CAMUNDA7_EXPR),
        );
    }
    out.code = code.map(str::to_owned);
    out.message = err
        .ns_attr(&Ns::Camunda, "errorMessage")
        .filter(|m| !m.trim().is_empty())
        .and_then(|m| {
            let what = format!("camunda:errorMessage of error \"{r}\"");
            ctx.ok(e, expr::camunda_text(m, &what))
        });
    out
}

/// The escalation an `escalationEventDefinition` `d` of event `e` throws or catches.
pub(crate) fn escalation(ctx: &mut Ctx<'_, '_>, e: &Element, d: &Element) -> EscalationRef {
    let mut out = EscalationRef {
        code_variable: variable(ctx, e, d, "escalationCodeVariable"),
        ..EscalationRef::default()
    };
    let Some(r) = d.attr("escalationRef") else {
        return out;
    };
    let Some(esc) = ctx.doc.escalation(r) else {
        ctx.error(
            e,
            format!("escalationRef \"{r}\" does not name an escalation"),
        );
        return out;
    };
    let code = esc
        .attr("escalationCode")
        .map(str::trim)
        .filter(|c| !c.is_empty());
    if code.is_some_and(expr::is_camunda7) {
        ctx.exec_error(
            e,
            format!(
                "escalationCode of escalation \"{r}\": {}",
                expr::CAMUNDA7_EXPR
            ),
        );
    }
    out.code = code.map(str::to_owned);
    out
}

/// A `camunda:<attr>` variable name on `d` (an event definition, or the event `e` itself):
/// fixed and non-empty; problems are reported at `e`. `None` when absent or refused.
pub(super) fn variable(
    ctx: &mut Ctx<'_, '_>,
    e: &Element,
    d: &Element,
    attr: &str,
) -> Option<String> {
    let value = d.ns_attr(&Ns::Camunda, attr)?.trim();
    if value.is_empty() {
        ctx.exec_error(e, format!("camunda:{attr} is empty"));
        return None;
    }
    if expr::is_camunda7(value) {
        ctx.exec_error(
            e,
            format!("camunda:{attr} names a variable: {}", expr::CAMUNDA7_EXPR),
        );
        return None;
    }
    Some(value.to_owned())
}
