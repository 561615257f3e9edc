//! Loop characteristics of activities → [`MultiInstance`]: `multiInstanceLoopCharacteristics`
//! with `zeebe:loopCharacteristics` (inputCollection, inputElement, outputCollection,
//! outputElement) or Camunda 7 `camunda:collection` / `camunda:elementVariable`, or the
//! standard BPMN data (`loopDataInputRef`, `inputDataItem`, `loopDataOutputRef`,
//! `outputDataItem`, named as SpiffWorkflow names them), plus `loopCardinality` and
//! `completionCondition`; and `standardLoopCharacteristics` (a sequential body that loops while
//! its `loopCondition` holds). When several give a value, `zeebe:` wins, then `camunda:`, then
//! the BPMN data.

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
    let data = bpmn_data(ctx, e, mi);
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
        (None, None) => data
            .input
            .as_deref()
            .and_then(|name| ctx.ok(e, super::data::plain_variable(name, "loopDataInputRef"))),
    };
    let input_element = zeebe_attr("inputElement")
        .or_else(|| camunda_attr("elementVariable"))
        .map(str::to_owned)
        .or_else(|| data.input_item.clone());
    let output_collection = zeebe_attr("outputCollection")
        .map(str::to_owned)
        .or_else(|| data.output.clone());
    let output_element = match zeebe_attr("outputElement") {
        Some(o) => ctx.ok(
            e,
            expr::zeebe_expression(o, "zeebe:loopCharacteristics outputElement"),
        ),
        None if zeebe_attr("outputCollection").is_none() => data
            .output_item
            .as_deref()
            .and_then(|name| ctx.ok(e, super::data::plain_variable(name, "outputDataItem"))),
        None => None,
    };
    if zeebe_attr("outputCollection").is_some() != zeebe_attr("outputElement").is_some() {
        ctx.exec_error(
            e,
            "zeebe:loopCharacteristics needs both outputCollection and outputElement, or neither",
        );
    }
    let loop_cardinality = formal(ctx, e, mi, "loopCardinality");
    let completion_condition = formal(ctx, e, mi, "completionCondition");
    let has_cardinality = tree.child(mi, &Ns::Bpmn, "loopCardinality").is_some();
    let has_collection = zeebe_attr("inputCollection").is_some()
        || camunda_attr("collection").is_some()
        || data.input.is_some();
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
        output_item: if zeebe_attr("outputCollection").is_none() {
            data.output_item.clone()
        } else {
            None
        },
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
        output_item: None,
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

/// The standard BPMN multi-instance data of `mi` (SpiffWorkflow's way): `loopDataInputRef`
/// names the variable holding the list, `inputDataItem` the variable that receives each item
/// in an inner instance, `loopDataOutputRef` the variable collecting, in item order, the value
/// each inner instance leaves in the variable `outputDataItem` names. A data item is named by
/// its `id` (else its `name`), as SpiffWorkflow does; a reference is the text of the element
/// (the id of a data object, data input or property, which is its variable's name).
#[derive(Debug, Default)]
struct BpmnData {
    input: Option<String>,
    input_item: Option<String>,
    output: Option<String>,
    output_item: Option<String>,
}

fn bpmn_data(ctx: &mut Ctx<'_, '_>, e: &Element, mi: &Element) -> BpmnData {
    let tree = ctx.doc.tree;
    let reference = |local: &str| {
        tree.child(mi, &Ns::Bpmn, local)
            .map(|c| c.text.trim())
            .filter(|t| !t.is_empty())
            .map(|t| {
                // A qualified reference (`tns:items`) names the local id.
                t.rsplit(':').next().unwrap_or(t).to_owned()
            })
    };
    let item = |local: &str| {
        tree.child(mi, &Ns::Bpmn, local).and_then(|c| {
            c.id()
                .or_else(|| c.attr("name"))
                .map(str::trim)
                .filter(|n| !n.is_empty())
                .map(str::to_owned)
        })
    };
    let data = BpmnData {
        input: reference("loopDataInputRef"),
        input_item: item("inputDataItem"),
        output: reference("loopDataOutputRef"),
        output_item: item("outputDataItem"),
    };
    if data.output.is_some() && data.output_item.is_none() {
        ctx.exec_error(
            e,
            "loopDataOutputRef needs an outputDataItem: the variable whose value each inner instance contributes",
        );
    }
    if data.input.is_some() && tree.child(mi, &Ns::Bpmn, "loopCardinality").is_some() {
        ctx.exec_error(
            e,
            "multi-instance has both a loopCardinality and a loopDataInputRef: give exactly one",
        );
    }
    if data.output_item.is_some() && data.output.is_none() {
        ctx.exec_error(
            e,
            "outputDataItem needs a loopDataOutputRef: the variable that collects the items",
        );
    }
    data
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
