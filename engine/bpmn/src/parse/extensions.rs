//! `zeebe:` and `camunda:` extensions → job tasks, user tasks, mappings, correlation keys.
//!
//! Owns reading the vendor extensions Keel honours (see the crate docs of `keel-bpmn` and the
//! contract's "BPMN dialects accepted") and refusing, with a message that says what to use
//! instead, the implementations that would run code (`camunda:class`, `delegateExpression`,
//! `expression`, connectors, listeners with code). Extensions it does not know are skipped.
//! When both dialects give a value, the `zeebe:` one wins. It never evaluates anything.

use super::context::Ctx;
use super::expr;
use super::forms;
use super::tree::{Element, Ns};
use crate::expression::{Expression, Text};
use crate::model::{FlowNodeKind, JobTask, Mapping, RetryCycle, UserTask};

const USE_INSTEAD: &str =
    "use a job worker (zeebe:taskDefinition type, or camunda:type=\"external\" camunda:topic)";

/// The children of `e`'s `extensionElements`.
pub(crate) fn extensions<'t>(ctx: &Ctx<'t, '_>, e: &'t Element) -> Vec<&'t Element> {
    let tree = ctx.doc.tree;
    tree.children_named(e, &Ns::Bpmn, "extensionElements")
        .flat_map(|x| tree.children(x))
        .collect()
}

/// The first extension `local` in namespace `ns`.
pub(crate) fn find<'t>(exts: &[&'t Element], ns: &Ns, local: &str) -> Option<&'t Element> {
    exts.iter().copied().find(|x| x.is(ns, local))
}

/// A service, send or business-rule task: its job type, retries and headers.
pub(crate) fn job_task(ctx: &mut Ctx<'_, '_>, e: &Element) -> FlowNodeKind {
    let what = match e.local.as_str() {
        "sendTask" => "send task",
        "businessRuleTask" => "business rule task",
        "scriptTask" => "script task",
        _ => "service task",
    };
    job_definition(ctx, e, e, what)
}

/// The job of element `e` (its job type, retries and headers), `what` naming it in messages:
/// `zeebe:` extensions are read from `e`, the Camunda 7 attributes (`camunda:type`,
/// `camunda:topic`...) from `attrs` (`e` itself, or the `messageEventDefinition` of a message
/// throw event, where Camunda 7 puts them).
pub(crate) fn job_definition(
    ctx: &mut Ctx<'_, '_>,
    e: &Element,
    attrs: &Element,
    what: &str,
) -> FlowNodeKind {
    let exts = extensions(ctx, e);
    let mut refused = false;
    let mut refuse = |ctx: &mut Ctx<'_, '_>, msg: String| {
        refused = true;
        ctx.exec_error(e, msg);
    };
    for attr in ["class", "delegateExpression"] {
        if attrs.ns_attr(&Ns::Camunda, attr).is_some() {
            refuse(
                ctx,
                format!("camunda:{attr} runs java code, which keel does not do; {USE_INSTEAD}"),
            );
        }
    }
    if attrs.ns_attr(&Ns::Camunda, "expression").is_some() {
        refuse(
            ctx,
            format!("camunda:expression on a {what} is not supported; {USE_INSTEAD}"),
        );
    }
    if attrs.ns_attr(&Ns::Camunda, "decisionRef").is_some()
        || find(&exts, &Ns::Zeebe, "calledDecision").is_some()
    {
        refuse(
            ctx,
            format!("dmn decisions are not supported yet; {USE_INSTEAD}"),
        );
    }
    if find(&exts, &Ns::Camunda, "connector").is_some() {
        refuse(
            ctx,
            format!("camunda:connector is not supported; {USE_INSTEAD}"),
        );
    }
    let mut job_type = None;
    let mut retries = None;
    if let Some(td) = find(&exts, &Ns::Zeebe, "taskDefinition") {
        match td.attr("type").map(str::trim).filter(|t| !t.is_empty()) {
            Some(t) => job_type = ctx.ok(e, expr::zeebe_text(t, "zeebe:taskDefinition type")),
            None => refuse(ctx, "zeebe:taskDefinition has no type".to_owned()),
        }
        if let Some(r) = td.attr("retries").map(str::trim).filter(|r| !r.is_empty()) {
            retries = ctx.ok(e, expr::zeebe_text(r, "zeebe:taskDefinition retries"));
            if matches!(&retries, Some(Text::Static(s)) if s.parse::<u32>().is_err()) {
                ctx.exec_error(
                    e,
                    format!("zeebe:taskDefinition retries \"{r}\" is not a whole number"),
                );
            }
        }
    }
    match attrs.ns_attr(&Ns::Camunda, "type").map(str::trim) {
        None => {}
        Some("external") => match attrs
            .ns_attr(&Ns::Camunda, "topic")
            .map(str::trim)
            .filter(|t| !t.is_empty())
        {
            Some(topic) if job_type.is_none() => {
                job_type = ctx.ok(e, expr::camunda_text(topic, "camunda:topic"));
            }
            Some(_) => {}
            None => refuse(
                ctx,
                "camunda:type=\"external\" needs a camunda:topic".to_owned(),
            ),
        },
        Some(other) => refuse(
            ctx,
            format!("camunda:type=\"{other}\" is not supported; {USE_INSTEAD}"),
        ),
    }
    if job_type.is_none() && !refused {
        ctx.exec_error(
            e,
            format!("{what} has no job type: add zeebe:taskDefinition type or camunda:type=\"external\" camunda:topic"),
        );
    }
    let mut headers = Vec::new();
    for h in find(&exts, &Ns::Zeebe, "taskHeaders")
        .into_iter()
        .flat_map(|th| ctx.doc.tree.children_named(th, &Ns::Zeebe, "header"))
    {
        match h.attr("key") {
            Some(k) => headers.push((k.to_owned(), h.attr("value").unwrap_or_default().to_owned())),
            None => ctx.exec_error(e, "zeebe:header has no key"),
        }
    }
    let retry_cycle = find(&exts, &Ns::Camunda, "failedJobRetryTimeCycle")
        .map(|c| c.text.clone())
        .and_then(|v| ctx.ok(e, RetryCycle::parse(&v)));
    FlowNodeKind::JobTask(JobTask {
        job_type: job_type.unwrap_or(Text::Static(String::new())),
        retries,
        headers,
        retry_cycle,
    })
}

/// A user task's assignment, schedule, priority and form.
pub(crate) fn user_task(ctx: &mut Ctx<'_, '_>, e: &Element) -> UserTask {
    let exts = extensions(ctx, e);
    let mut ut = UserTask::default();
    let zeebe = |ctx: &mut Ctx<'_, '_>, el: &str, attr: &str| -> Option<Text> {
        let v = find(&exts, &Ns::Zeebe, el)?.attr(attr)?.trim();
        if v.is_empty() {
            return None;
        }
        ctx.ok(e, expr::zeebe_text(v, &format!("zeebe:{el} {attr}")))
    };
    let camunda = |ctx: &mut Ctx<'_, '_>, attr: &str| -> Option<Text> {
        let v = e.ns_attr(&Ns::Camunda, attr)?.trim();
        if v.is_empty() {
            return None;
        }
        ctx.ok(e, expr::camunda_text(v, &format!("camunda:{attr}")))
    };
    ut.assignee =
        zeebe(ctx, "assignmentDefinition", "assignee").or_else(|| camunda(ctx, "assignee"));
    ut.candidate_users = zeebe(ctx, "assignmentDefinition", "candidateUsers")
        .or_else(|| camunda(ctx, "candidateUsers"));
    ut.candidate_groups = zeebe(ctx, "assignmentDefinition", "candidateGroups")
        .or_else(|| camunda(ctx, "candidateGroups"));
    ut.due_date = zeebe(ctx, "taskSchedule", "dueDate").or_else(|| camunda(ctx, "dueDate"));
    ut.follow_up_date =
        zeebe(ctx, "taskSchedule", "followUpDate").or_else(|| camunda(ctx, "followUpDate"));
    ut.priority = zeebe(ctx, "priorityDefinition", "priority").or_else(|| camunda(ctx, "priority"));
    if let Some(Text::Static(p)) = &ut.priority
        && p.parse::<i64>().is_err()
    {
        ctx.exec_error(
            e,
            format!("user task priority \"{p}\" is not a whole number"),
        );
    }
    let zeebe_form = find(&exts, &Ns::Zeebe, "formDefinition").and_then(|f| {
        f.attr("formKey")
            .or_else(|| f.attr("formId"))
            .or_else(|| f.attr("externalReference"))
    });
    let camunda_form = forms::camunda(ctx, e);
    let form = zeebe_form
        .map(str::to_owned)
        .or_else(|| camunda_form.form_key.clone())
        .or_else(|| camunda_form.form_ref.as_ref().map(|r| r.key.clone()))
        .filter(|f| !f.trim().is_empty());
    if let Some(f) = form {
        if expr::is_camunda7(&f) {
            ctx.exec_error(e, format!("form key: {}", expr::CAMUNDA7_EXPR));
        }
        ut.form_key = Some(f.trim().to_owned());
    }
    if zeebe_form.is_none() {
        ut.form_ref = camunda_form.form_ref;
    }
    ut
}

/// Input and output mappings of any flow node (`zeebe:ioMapping`, `camunda:inputOutput`).
pub(crate) fn io_mappings(ctx: &mut Ctx<'_, '_>, e: &Element) -> (Vec<Mapping>, Vec<Mapping>) {
    let exts = extensions(ctx, e);
    let tree = ctx.doc.tree;
    let mut inputs = Vec::new();
    let mut outputs = Vec::new();
    if let Some(io) = find(&exts, &Ns::Zeebe, "ioMapping") {
        for m in tree.children(io).filter(|m| m.ns == Ns::Zeebe) {
            let out = match m.local.as_str() {
                "input" => &mut inputs,
                "output" => &mut outputs,
                _ => continue,
            };
            let what = format!("zeebe:{}", m.local);
            let (Some(source), Some(target)) = (m.attr("source"), m.attr("target").map(str::trim))
            else {
                ctx.exec_error(e, format!("{what} needs a source and a target"));
                continue;
            };
            let source = ctx.ok(
                e,
                expr::zeebe_expression(source.trim(), &format!("{what} source")),
            );
            if let Some(source) = source {
                out.push(Mapping {
                    source,
                    target: target.to_owned(),
                });
            }
        }
    }
    if let Some(io) = find(&exts, &Ns::Camunda, "inputOutput") {
        for m in tree.children(io).filter(|m| m.ns == Ns::Camunda) {
            let out = match m.local.as_str() {
                "inputParameter" => &mut inputs,
                "outputParameter" => &mut outputs,
                _ => continue,
            };
            let what = format!("camunda:{}", m.local);
            let Some(name) = m.attr("name").map(str::trim).filter(|n| !n.is_empty()) else {
                ctx.exec_error(e, format!("{what} has no name"));
                continue;
            };
            if let Some(c) = tree.children(m).find(|c| c.ns == Ns::Camunda) {
                ctx.exec_error(
                    e,
                    format!("camunda:{} in {what} \"{name}\" is not supported yet; use a FEEL expression", c.local),
                );
                continue;
            }
            if let Some(source) =
                ctx.ok(e, camunda_parameter(&m.text, &format!("{what} \"{name}\"")))
            {
                out.push(Mapping {
                    source,
                    target: name.to_owned(),
                });
            }
        }
    }
    (inputs, outputs)
}

/// The value of a `camunda:inputParameter`: text holding `${...}` is JUEL, empty is null,
/// other text is a static string.
fn camunda_parameter(text: &str, what: &str) -> Result<Expression, String> {
    let t = text.trim();
    if expr::is_camunda7(t) {
        return expr::juel(t, what);
    }
    if t.is_empty() {
        return expr::feel("null", what);
    }
    expr::feel(&expr::string_literal(t), what)
}

/// `zeebe:subscription correlationKey` of a `message`, reported at the event `e`.
pub(crate) fn correlation_key(
    ctx: &mut Ctx<'_, '_>,
    e: &Element,
    message: &Element,
) -> Option<Expression> {
    let exts = extensions(ctx, message);
    let key = find(&exts, &Ns::Zeebe, "subscription")?
        .attr("correlationKey")?
        .trim();
    if key.is_empty() {
        return None;
    }
    ctx.ok(
        e,
        expr::zeebe_expression(key, "zeebe:subscription correlationKey"),
    )
}

/// Checks shared by every flow node and the process: listeners that run code are refused,
/// Camunda 7 job and task priorities must be whole numbers.
pub(crate) fn check_common(ctx: &mut Ctx<'_, '_>, e: &Element) {
    for attr in ["jobPriority", "taskPriority"] {
        if let Some(v) = e.ns_attr(&Ns::Camunda, attr).map(str::trim)
            && !expr::is_camunda7(v)
            && v.parse::<i64>().is_err()
        {
            ctx.exec_error(e, format!("camunda:{attr} \"{v}\" is not a whole number"));
        }
    }
    let exts = extensions(ctx, e);
    let tree = ctx.doc.tree;
    for l in exts
        .iter()
        .filter(|x| x.ns == Ns::Camunda && x.local.ends_with("Listener"))
    {
        let how = if l.attr("class").is_some() {
            "camunda:class (java code)"
        } else if l.attr("delegateExpression").is_some() {
            "camunda:delegateExpression (java code)"
        } else if l.attr("expression").is_some() {
            "an expression"
        } else if tree.child(l, &Ns::Camunda, "script").is_some() {
            "a script"
        } else {
            continue;
        };
        ctx.exec_error(
            e,
            format!(
                "camunda:{} with {how} is not supported: listeners that run code are refused; model the work as a task",
                l.local
            ),
        );
    }
}
