//! `callActivity` → [`CallActivity`]: the called process, the version binding and the variables
//! passed in and out, from `zeebe:calledElement` (Camunda 8) or `calledElement` with
//! `camunda:calledElementBinding` / `camunda:calledElementVersion`, `camunda:in` and
//! `camunda:out` (Camunda 7). Zeebe's defaults pass every variable both ways; Camunda 7's pass
//! only what `camunda:in` / `camunda:out` name. Refused, with a message: version tags, tenants,
//! business keys, variable mapping classes and delegates.

use super::context::Ctx;
use super::expr;
use super::extensions::{extensions, find};
use super::tree::{Element, Ns};
use crate::expression::{Expression, Text};
use crate::model::{CallActivity, CalledBinding, Mapping};

/// The call activity `e`, and its `camunda:out` mappings (output mappings of the node).
pub(crate) fn call_activity(ctx: &mut Ctx<'_, '_>, e: &Element) -> (CallActivity, Vec<Mapping>) {
    let exts = extensions(ctx, e);
    let mut call = CallActivity {
        called_element: Text::Static(String::new()),
        binding: CalledBinding::Latest,
        pass_all_variables: false,
        in_mappings: Vec::new(),
        return_all_variables: false,
    };
    let mut called = None;
    if let Some(z) = find(&exts, &Ns::Zeebe, "calledElement") {
        match z.attr("processId").map(str::trim).filter(|v| !v.is_empty()) {
            Some(v) => called = ctx.ok(e, expr::zeebe_text(v, "zeebe:calledElement processId")),
            None => ctx.exec_error(e, "zeebe:calledElement has no processId"),
        }
        call.pass_all_variables =
            z.attr("propagateAllParentVariables").map(str::trim) != Some("false");
        call.return_all_variables =
            z.attr("propagateAllChildVariables").map(str::trim) != Some("false");
        call.binding = match z.attr("bindingType").map(str::trim) {
            None | Some("latest") => CalledBinding::Latest,
            Some("deployment") => CalledBinding::Deployment,
            Some(other) => {
                ctx.exec_error(
                    e,
                    format!("zeebe:calledElement bindingType=\"{other}\" is not supported yet; use latest or deployment"),
                );
                CalledBinding::Latest
            }
        };
    } else if let Some(v) = e
        .attr("calledElement")
        .map(str::trim)
        .filter(|v| !v.is_empty())
    {
        called = ctx.ok(e, expr::camunda_text(v, "calledElement"));
        call.binding = camunda_binding(ctx, e);
    }
    match called {
        Some(c) => call.called_element = c,
        None => ctx.exec_error(
            e,
            "call activity has no called process: add zeebe:calledElement processId or calledElement",
        ),
    }
    for attr in [
        "calledElementVersionTag",
        "calledElementTenantId",
        "variableMappingClass",
        "variableMappingDelegateExpression",
    ] {
        if e.ns_attr(&Ns::Camunda, attr).is_some() {
            ctx.exec_error(e, format!("camunda:{attr} is not supported"));
        }
    }
    let outputs = camunda_in_out(ctx, e, &exts, &mut call);
    (call, outputs)
}

fn camunda_binding(ctx: &mut Ctx<'_, '_>, e: &Element) -> CalledBinding {
    match e
        .ns_attr(&Ns::Camunda, "calledElementBinding")
        .map(str::trim)
    {
        None | Some("latest") => CalledBinding::Latest,
        Some("deployment") => CalledBinding::Deployment,
        Some("version") => {
            let version = e
                .ns_attr(&Ns::Camunda, "calledElementVersion")
                .map(str::trim)
                .filter(|v| !v.is_empty());
            let Some(v) = version else {
                ctx.exec_error(
                    e,
                    "camunda:calledElementBinding=\"version\" needs a camunda:calledElementVersion",
                );
                return CalledBinding::Latest;
            };
            let text = ctx.ok(e, expr::camunda_text(v, "camunda:calledElementVersion"));
            if matches!(&text, Some(Text::Static(s)) if s.parse::<u32>().is_err()) {
                ctx.exec_error(
                    e,
                    format!("camunda:calledElementVersion \"{v}\" is not a whole number"),
                );
            }
            text.map(CalledBinding::Version)
                .unwrap_or(CalledBinding::Latest)
        }
        Some(other) => {
            ctx.exec_error(
                e,
                format!("camunda:calledElementBinding=\"{other}\" is not supported yet; use latest, deployment or version"),
            );
            CalledBinding::Latest
        }
    }
}

/// `camunda:in` → `call.in_mappings` (or `variables="all"`), `camunda:out` → the returned output
/// mappings (or `variables="all"`).
fn camunda_in_out(
    ctx: &mut Ctx<'_, '_>,
    e: &Element,
    exts: &[&Element],
    call: &mut CallActivity,
) -> Vec<Mapping> {
    let mut outputs = Vec::new();
    for x in exts.iter().filter(|x| x.ns == Ns::Camunda) {
        let incoming = match x.local.as_str() {
            "in" => true,
            "out" => false,
            _ => continue,
        };
        let what = format!("camunda:{}", x.local);
        if x.attr("businessKey").is_some() {
            ctx.exec_error(e, format!("{what} businessKey is not supported yet"));
            continue;
        }
        if x.attr("variables").map(str::trim) == Some("all") {
            if incoming {
                call.pass_all_variables = true;
            } else {
                call.return_all_variables = true;
            }
            continue;
        }
        let Some(mapping) = mapping(ctx, e, x, &what) else {
            continue;
        };
        if incoming {
            call.in_mappings.push(mapping);
        } else {
            outputs.push(mapping);
        }
    }
    outputs
}

/// `source="x" target="y"` or `sourceExpression="${...}" target="y"`.
fn mapping(ctx: &mut Ctx<'_, '_>, e: &Element, x: &Element, what: &str) -> Option<Mapping> {
    let Some(target) = x.attr("target").map(str::trim).filter(|t| !t.is_empty()) else {
        ctx.exec_error(e, format!("{what} needs a target (or variables=\"all\")"));
        return None;
    };
    let source = match (x.attr("source"), x.attr("sourceExpression")) {
        (Some(s), None) => Expression::variable(s.trim()).map_err(|err| {
            format!(
                "{what} source \"{s}\" is not a variable name: {}",
                err.message
            )
        }),
        (None, Some(s)) if expr::is_camunda7(s) => {
            expr::juel(s.trim(), &format!("{what} sourceExpression"))
        }
        (None, Some(s)) => Err(format!(
            "{what} sourceExpression \"{s}\" is not a ${{...}} expression"
        )),
        _ => Err(format!(
            "{what} needs either a source or a sourceExpression"
        )),
    };
    ctx.ok(e, source).map(|source| Mapping {
        source,
        target: target.to_owned(),
    })
}
