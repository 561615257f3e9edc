//! Script tasks → [`FlowNodeKind`]: a FEEL script (`zeebe:script expression resultVariable`, or
//! Camunda 7 `scriptFormat="feel"` with a `script` body and `camunda:resultVariable`), or a job
//! (`zeebe:taskDefinition`, as Zeebe allows). Any other script language is refused, naming the
//! language: Keel embeds no scripting engine.

use super::context::Ctx;
use super::expr;
use super::extensions::{self, extensions, find};
use super::tree::{Element, Ns};
use crate::model::{FlowNodeKind, ScriptTask};

const USE_FEEL: &str =
    "write the script as FEEL (zeebe:script expression=\"=...\", or scriptFormat=\"feel\")";

/// A script task's kind.
pub(crate) fn script_task(ctx: &mut Ctx<'_, '_>, e: &Element) -> FlowNodeKind {
    let exts = extensions(ctx, e);
    if let Some(script) = find(&exts, &Ns::Zeebe, "script") {
        return zeebe_script(ctx, e, script);
    }
    if find(&exts, &Ns::Zeebe, "taskDefinition").is_some() {
        return extensions::job_task(ctx, e);
    }
    camunda_script(ctx, e)
}

fn zeebe_script(ctx: &mut Ctx<'_, '_>, e: &Element, script: &Element) -> FlowNodeKind {
    let expression = match script.attr("expression").map(str::trim) {
        Some(x) if !x.is_empty() => ctx.ok(e, expr::zeebe_expression(x, "zeebe:script expression")),
        _ => {
            ctx.exec_error(e, "zeebe:script has no expression");
            None
        }
    };
    let result_variable = result_variable(ctx, e, script.attr("resultVariable"));
    finish(expression, result_variable)
}

fn camunda_script(ctx: &mut Ctx<'_, '_>, e: &Element) -> FlowNodeKind {
    let tree = ctx.doc.tree;
    let format = e.attr("scriptFormat").map(str::trim).unwrap_or_default();
    if format.is_empty() {
        ctx.exec_error(e, format!("script task has no script: {USE_FEEL}"));
        return finish(None, None);
    }
    if !expr::is_feel_language(format) {
        ctx.exec_error(
            e,
            format!("script language \"{format}\" is not supported; {USE_FEEL}"),
        );
        return finish(None, None);
    }
    if e.ns_attr(&Ns::Camunda, "resource").is_some() {
        ctx.exec_error(
            e,
            format!("external scripts (camunda:resource) are not supported; {USE_FEEL}"),
        );
        return finish(None, None);
    }
    let body = tree
        .child(e, &Ns::Bpmn, "script")
        .map(|s| s.text.trim())
        .unwrap_or_default();
    let expression = if body.is_empty() {
        ctx.exec_error(e, "script task has an empty script");
        None
    } else {
        let src = body.strip_prefix('=').unwrap_or(body);
        ctx.ok(e, expr::feel(src, "script"))
    };
    let result_variable = result_variable(ctx, e, e.ns_attr(&Ns::Camunda, "resultVariable"));
    finish(expression, result_variable)
}

fn result_variable(ctx: &mut Ctx<'_, '_>, e: &Element, name: Option<&str>) -> Option<String> {
    let name = name.map(str::trim).filter(|n| !n.is_empty())?;
    if expr::is_camunda7(name) || name.starts_with('=') {
        ctx.exec_error(
            e,
            format!("result variable \"{name}\" must be a variable name, not an expression"),
        );
        return None;
    }
    Some(name.to_owned())
}

/// The task, or (after an error was reported) a placeholder the runtime never meets.
fn finish(expression: Option<crate::Expression>, result_variable: Option<String>) -> FlowNodeKind {
    match expression {
        Some(expression) => FlowNodeKind::ScriptTask(ScriptTask {
            expression,
            result_variable,
        }),
        None => FlowNodeKind::Unsupported {
            element: "scriptTask".to_owned(),
        },
    }
}
