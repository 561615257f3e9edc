//! Loop characteristics of activities → [`MultiInstance`]: `multiInstanceLoopCharacteristics`
//! with `zeebe:loopCharacteristics` (inputCollection, inputElement, outputCollection,
//! outputElement) or Camunda 7 `camunda:collection` / `camunda:elementVariable`, plus
//! `loopCardinality` and `completionCondition`; and `standardLoopCharacteristics` (a sequential
//! body that loops while its `loopCondition` holds). BPMN data associations
//! (`loopDataInputRef`...) are refused. When both dialects give a value, the
//! `zeebe:` one wins.

use super::context::Ctx;
use super::continuations;
use super::expr;
use super::extensions::{extensions, find};
use super::tree::{Element, Ns};
use crate::expression::Expression;
use crate::model::{MultiInstance, StandardLoop};

/// The multi-instance characteristics of activity `e`, if it has any (errors are reported).
pub(crate) fn loop_characteristics(ctx: &mut Ctx<'_, '_>, e: &Element) -> Option<MultiInstance> {
    let tree = ctx.doc.tree;
    let mut found = None;
    for c in tree.children(e).filter(|c| c.ns == Ns::Bpmn) {
        match c.local.as_str() {
            "standardLoopCharacteristics" => found = standard_loop(ctx, e, c),
            "multiInstanceLoopCharacteristics" => found = multi_instance(ctx, e, c),
            _ => {}
        }
    }
    found
}

fn multi_instance(ctx: &mut Ctx<'_, '_>, e: &Element, mi: &Element) -> Option<MultiInstance> {
    let tree = ctx.doc.tree;
    for refused in [
        "loopDataInputRef",
        "loopDataOutputRef",
        "inputDataItem",
        "outputDataItem",
    ] {
        if tree.child(mi, &Ns::Bpmn, refused).is_some() {
            ctx.exec_error(
                e,
                format!("{refused} is not supported; use zeebe:loopCharacteristics or camunda:collection"),
            );
        }
    }
    let exts = extensions(ctx, mi);
    let zeebe = find(&exts, &Ns::Zeebe, "loopCharacteristics");
    let zeebe_attr = |name: &str| {
        zeebe
            .and_then(|z| z.attr(name))
            .map(str::trim)
            .filter(|v| !v.is_empty())
    };
    let camunda_attr = |name: &str| {
        mi.ns_attr(&Ns::Camunda, name)
            .map(str::trim)
            .filter(|v| !v.is_empty())
    };
    let input_collection = match (zeebe_attr("inputCollection"), camunda_attr("collection")) {
        (Some(z), _) => ctx.ok(
            e,
            expr::zeebe_expression(z, "zeebe:loopCharacteristics inputCollection"),
        ),
        (None, Some(c)) => ctx.ok(e, camunda_collection(c)),
        (None, None) => None,
    };
    let input_element = zeebe_attr("inputElement")
        .or_else(|| camunda_attr("elementVariable"))
        .map(str::to_owned);
    let output_collection = zeebe_attr("outputCollection").map(str::to_owned);
    let output_element = zeebe_attr("outputElement").and_then(|o| {
        ctx.ok(
            e,
            expr::zeebe_expression(o, "zeebe:loopCharacteristics outputElement"),
        )
    });
    if output_collection.is_some() != zeebe_attr("outputElement").is_some() {
        ctx.exec_error(
            e,
            "zeebe:loopCharacteristics needs both outputCollection and outputElement, or neither",
        );
    }
    let loop_cardinality = formal(ctx, e, mi, "loopCardinality");
    let completion_condition = formal(ctx, e, mi, "completionCondition");
    let has_cardinality = tree.child(mi, &Ns::Bpmn, "loopCardinality").is_some();
    let has_collection =
        zeebe_attr("inputCollection").is_some() || camunda_attr("collection").is_some();
    if !has_collection && !has_cardinality {
        ctx.exec_error(
            e,
            "multi-instance needs an input collection (zeebe:loopCharacteristics inputCollection, camunda:collection) or a loopCardinality",
        );
    }
    Some(MultiInstance {
        is_sequential: mi.flag("isSequential") == Some(true),
        input_collection,
        input_element,
        loop_cardinality,
        output_collection,
        output_element,
        completion_condition,
        loop_counter_start: if zeebe.is_some() { 1 } else { 0 },
        standard_loop: None,
        inner_async: continuations::read(ctx, e, mi),
    })
}

/// `standardLoopCharacteristics testBefore loopMaximum` with a `loopCondition`: a sequential
/// loop body whose iterations continue while the condition holds.
fn standard_loop(ctx: &mut Ctx<'_, '_>, e: &Element, sl: &Element) -> Option<MultiInstance> {
    let loop_condition = formal(ctx, e, sl, "loopCondition");
    let loop_maximum = match sl.attr("loopMaximum").map(str::trim) {
        None => None,
        Some(m) => match m.parse::<u32>() {
            Ok(n) => Some(n),
            Err(_) => {
                ctx.exec_error(e, format!("loopMaximum \"{m}\" is not a whole number"));
                None
            }
        },
    };
    let has_condition = ctx.doc.tree.child(sl, &Ns::Bpmn, "loopCondition").is_some();
    if !has_condition && loop_maximum.is_none() {
        ctx.exec_error(
            e,
            "standardLoopCharacteristics needs a loopCondition or a loopMaximum",
        );
    }
    Some(MultiInstance {
        is_sequential: true,
        input_collection: None,
        input_element: None,
        loop_cardinality: None,
        output_collection: None,
        output_element: None,
        completion_condition: None,
        loop_counter_start: 1,
        standard_loop: Some(StandardLoop {
            loop_condition,
            test_before: sl.flag("testBefore") == Some(true),
            loop_maximum,
        }),
        inner_async: crate::model::AsyncContinuations::NONE,
    })
}

/// `camunda:collection`: an expression (`${list}`), or the name of a variable holding the list.
fn camunda_collection(value: &str) -> Result<Expression, String> {
    if expr::is_camunda7(value) {
        return expr::juel(value, "camunda:collection");
    }
    expr::feel(value, "camunda:collection")
}

/// A formal expression child (`loopCardinality`, `completionCondition`) of `mi`.
pub(crate) fn formal(
    ctx: &mut Ctx<'_, '_>,
    e: &Element,
    mi: &Element,
    local: &str,
) -> Option<Expression> {
    let c = ctx.doc.tree.child(mi, &Ns::Bpmn, local)?;
    if c.text.trim().is_empty() {
        ctx.exec_error(e, format!("{local} is empty"));
        return None;
    }
    let r = expr::condition(
        &c.text,
        c.attr("language").or(ctx.doc.expression_language),
        local,
    );
    ctx.ok(e, r)
}
