//! Event elements → [`FlowNodeKind`]: which event definition each event carries, resolved
//! against the document's `message` and `error` elements, and which combinations run.
//!
//! Owns the event matrix: start (none, signal, message, timer, conditional; in an event
//! sub-process message, timer, signal, conditional, error, escalation, compensation), end (none,
//! terminate, error, escalation, signal, message, compensation, cancel), intermediate catch
//! (message, timer, link, signal, conditional), intermediate throw (none, link, escalation,
//! signal, message, compensation), boundary (error, timer, message, escalation, signal,
//! compensation, conditional, cancel). Events with several definitions are checked by
//! `multiple`, message throw and end events built by `message_throw`.
//! Other definitions are recognised and refused as "not supported yet"; impossible
//! combinations are errors. A dangling `escalationRef`/`signalRef`, and a dangling `messageRef`
//! of a catch, is an error; an `errorRef` naming no `error` element is the error code itself,
//! and so is the `messageRef` of a message throw event the message name (a warning; Camunda 7
//! never resolves either).
//! Timer values are checked for shape only; nothing is scheduled or evaluated here.

use super::context::Ctx;
use super::errors;
use super::expr;
use super::extensions;
use super::forms;
use super::tree::{Element, Ns};
use crate::expression::Text;
use crate::model::{
    CompensateRef, ConditionalRef, ElementType, ErrorRef, EscalationRef, EventTrigger,
    FlowNodeKind, LinkRef, MessageRef, MultipleTrigger, NodeIdx, SignalRef, TimerDefinition,
    VariableEvents,
};

/// Where a start event lies: what it may wait for depends on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StartIn {
    /// The process itself.
    Process,
    /// An embedded sub-process (none start events only).
    SubProcess,
    /// An event sub-process (message, timer, error, escalation start events only).
    EventSubProcess,
}

/// The kind of an event element, or `None` when `e` is not an event.
pub(crate) fn event(
    ctx: &mut Ctx<'_, '_>,
    e: &Element,
    start_in: StartIn,
) -> Option<(ElementType, FlowNodeKind)> {
    let ty = match e.local.as_str() {
        "startEvent" => ElementType::StartEvent,
        "endEvent" => ElementType::EndEvent,
        "intermediateCatchEvent" => ElementType::IntermediateCatchEvent,
        "intermediateThrowEvent" => ElementType::IntermediateThrowEvent,
        "boundaryEvent" => ElementType::BoundaryEvent,
        _ => return None,
    };
    let tree = ctx.doc.tree;
    let defs: Vec<&Element> = tree
        .children(e)
        .filter(|c| {
            c.ns == Ns::Bpmn
                && (c.local.ends_with("EventDefinition") || c.local == "eventDefinitionRef")
        })
        .collect();
    let trigger = match defs.as_slice() {
        [] => EventTrigger::None,
        [d] => match definition(ctx, e, d) {
            Some(t) => t,
            None => return Some((ty, unsupported(ctx, e, &d.local))),
        },
        many => {
            let mut definitions = Vec::with_capacity(many.len());
            for d in many {
                match definition(ctx, e, d) {
                    Some(t) => definitions.push(t),
                    None => return Some((ty, unsupported(ctx, e, &d.local))),
                }
            }
            let parallel = e.flag("parallelMultiple") == Some(true);
            let multiple = MultipleTrigger {
                definitions,
                parallel,
            };
            super::multiple::check(ctx, e, ty, start_in, &multiple);
            EventTrigger::Multiple(multiple)
        }
    };
    // A message throw or end event with a job definition is a job, like a send task; without
    // one it publishes its message inside the engine.
    if matches!(
        ty,
        ElementType::IntermediateThrowEvent | ElementType::EndEvent
    ) {
        if let ([d], EventTrigger::Message(message)) = (defs.as_slice(), &trigger) {
            if let Some(job) = super::message_throw::job(ctx, e, d) {
                return Some((ty, job));
            }
            let published = super::message_throw::publish(ctx, e, d, message.clone());
            let kind = match ty {
                ElementType::EndEvent => FlowNodeKind::EndEvent {
                    result: EventTrigger::Message(published),
                },
                _ => FlowNodeKind::IntermediateThrowEvent {
                    trigger: EventTrigger::Message(published),
                },
            };
            return Some((ty, kind));
        }
        if let EventTrigger::Multiple(multiple) = trigger {
            let multiple = super::message_throw::publish_all(ctx, e, &defs, multiple);
            let trigger = EventTrigger::Multiple(multiple);
            let kind = match ty {
                ElementType::EndEvent => FlowNodeKind::EndEvent { result: trigger },
                _ => FlowNodeKind::IntermediateThrowEvent { trigger },
            };
            return Some((ty, kind));
        }
    }
    let kind = match ty {
        ElementType::StartEvent => start(ctx, e, trigger, start_in),
        ElementType::EndEvent => end(ctx, e, trigger),
        ElementType::IntermediateCatchEvent => catch(ctx, e, trigger),
        ElementType::IntermediateThrowEvent => throw(ctx, e, trigger),
        _ => boundary(ctx, e, trigger),
    };
    Some((ty, kind))
}

fn unsupported(ctx: &mut Ctx<'_, '_>, e: &Element, what: &str) -> FlowNodeKind {
    ctx.exec_error(e, format!("{what} is not supported yet"));
    FlowNodeKind::Unsupported {
        element: what.to_owned(),
    }
}

pub(crate) fn name(t: &EventTrigger) -> &'static str {
    match t {
        EventTrigger::None => "none",
        EventTrigger::Terminate => "terminate",
        EventTrigger::Message(_) => "message",
        EventTrigger::Timer(_) => "timer",
        EventTrigger::Error(_) => "error",
        EventTrigger::Link(_) => "link",
        EventTrigger::Escalation(_) => "escalation",
        EventTrigger::Signal(_) => "signal",
        EventTrigger::Compensation(_) => "compensate",
        EventTrigger::Cancel => "cancel",
        EventTrigger::Conditional(_) => "conditional",
        EventTrigger::Multiple(_) => "multiple",
    }
}

/// `a timerEventDefinition`, `an errorEventDefinition`...
pub(crate) fn a_definition(t: &EventTrigger) -> String {
    let n = name(t);
    let article = if n.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    };
    format!("{article} {n}EventDefinition")
}

pub(super) fn start(
    ctx: &mut Ctx<'_, '_>,
    e: &Element,
    trigger: EventTrigger,
    start_in: StartIn,
) -> FlowNodeKind {
    let interrupting = e.flag("isInterrupting") != Some(false);
    // A start form is for a task list Keel does not have: checked as Camunda 7 checks it.
    forms::camunda(ctx, e);
    if start_in == StartIn::EventSubProcess {
        event_sub_process_start(ctx, e, &trigger, interrupting);
        return FlowNodeKind::StartEvent {
            trigger,
            interrupting,
        };
    }
    match &trigger {
        EventTrigger::None => {}
        _ if start_in == StartIn::SubProcess => ctx.exec_error(
            e,
            "the start event of an embedded sub-process must be a none start event",
        ),
        EventTrigger::Signal(SignalRef {
            name: Text::Static(_),
        }) => {}
        EventTrigger::Signal(_) => ctx.exec_error(
            e,
            "the signal of a process's signal start event needs a fixed name (not an expression)",
        ),
        EventTrigger::Message(MessageRef {
            name: Text::Static(_),
            ..
        }) => {}
        EventTrigger::Message(_) => ctx.exec_error(
            e,
            "the message of a process's message start event needs a fixed name (not an expression)",
        ),
        EventTrigger::Timer(
            TimerDefinition::Date(Text::Static(_))
            | TimerDefinition::Duration(Text::Static(_))
            | TimerDefinition::Cycle(Text::Static(_)),
        ) => {}
        EventTrigger::Timer(_) => ctx.exec_error(
            e,
            "a process's timer start event needs a fixed timeDate, timeDuration or timeCycle (not an expression): it is scheduled at deployment",
        ),
        // Evaluated when `Engine::evaluate_start_conditions` is asked to (Camunda 7).
        EventTrigger::Conditional(_) => {}
        // Each definition is checked like a start event of its own (`multiple::check`).
        EventTrigger::Multiple(_) => {}
        _ => ctx.exec_error(
            e,
            format!("a start event cannot have {}", a_definition(&trigger)),
        ),
    }
    FlowNodeKind::StartEvent {
        trigger,
        interrupting,
    }
}

/// The start event of an event sub-process waits for a message, a timer, an error or an
/// escalation; an error start event always interrupts.
fn event_sub_process_start(
    ctx: &mut Ctx<'_, '_>,
    e: &Element,
    trigger: &EventTrigger,
    interrupting: bool,
) {
    match trigger {
        EventTrigger::Message(_)
        | EventTrigger::Timer(_)
        | EventTrigger::Escalation(_)
        | EventTrigger::Signal(_)
        | EventTrigger::Conditional(_)
        | EventTrigger::Compensation(_)
        | EventTrigger::Multiple(_) => {}
        EventTrigger::Error(_) if !interrupting => ctx.exec_error(
            e,
            "an error start event is always interrupting (isInterrupting=\"true\")",
        ),
        EventTrigger::Error(_) => {}
        EventTrigger::None => ctx.exec_error(
            e,
            "the start event of an event sub-process needs a message, timer, signal, conditional, error, escalation or compensate event definition",
        ),
        EventTrigger::Terminate | EventTrigger::Link(_) | EventTrigger::Cancel => ctx.exec_error(
            e,
            format!("a start event cannot have {}", a_definition(trigger)),
        ),
    }
}

fn end(ctx: &mut Ctx<'_, '_>, e: &Element, result: EventTrigger) -> FlowNodeKind {
    match &result {
        EventTrigger::None
        | EventTrigger::Terminate
        | EventTrigger::Signal(_)
        | EventTrigger::Cancel
        | EventTrigger::Compensation(_) => {}
        EventTrigger::Error(ErrorRef { code: Some(_), .. }) => {}
        EventTrigger::Error(ErrorRef { code: None, .. }) => {
            ctx.exec_error(
                e,
                "error end event needs an errorRef to an error with an errorCode",
            );
        }
        EventTrigger::Escalation(EscalationRef { code: Some(_), .. }) => {}
        EventTrigger::Escalation(EscalationRef { code: None, .. }) => ctx.exec_error(
            e,
            "escalation end event needs an escalationRef to an escalation with an escalationCode",
        ),
        // Built by `event` (a job, or a publication); never reached.
        EventTrigger::Message(_) | EventTrigger::Multiple(_) => {}
        EventTrigger::Timer(_) | EventTrigger::Link(_) | EventTrigger::Conditional(_) => ctx
            .exec_error(
                e,
                format!("an end event cannot have {}", a_definition(&result)),
            ),
    }
    FlowNodeKind::EndEvent { result }
}

pub(super) fn catch(ctx: &mut Ctx<'_, '_>, e: &Element, trigger: EventTrigger) -> FlowNodeKind {
    match &trigger {
        EventTrigger::Message(_)
        | EventTrigger::Timer(_)
        | EventTrigger::Link(_)
        | EventTrigger::Signal(_)
        | EventTrigger::Conditional(_)
        | EventTrigger::Multiple(_) => {}
        EventTrigger::None => {
            ctx.exec_error(
                e,
                "an intermediate catch event needs a message, timer, signal, conditional or link event definition",
            );
        }
        _ => ctx.exec_error(
            e,
            format!(
                "an intermediate catch event cannot have {}",
                a_definition(&trigger)
            ),
        ),
    }
    FlowNodeKind::IntermediateCatchEvent { trigger }
}

fn throw(ctx: &mut Ctx<'_, '_>, e: &Element, trigger: EventTrigger) -> FlowNodeKind {
    match &trigger {
        EventTrigger::None
        | EventTrigger::Link(_)
        | EventTrigger::Signal(_)
        | EventTrigger::Compensation(_) => {}
        EventTrigger::Escalation(EscalationRef { code: Some(_), .. }) => {}
        EventTrigger::Escalation(EscalationRef { code: None, .. }) => ctx.exec_error(
            e,
            "escalation intermediate throw event needs an escalationRef to an escalation with an escalationCode",
        ),
        // Built by `event` (a job, or a publication); never reached.
        EventTrigger::Message(_) | EventTrigger::Multiple(_) => {}
        _ => ctx.exec_error(
            e,
            format!(
                "an intermediate throw event cannot have {}",
                a_definition(&trigger)
            ),
        ),
    }
    FlowNodeKind::IntermediateThrowEvent { trigger }
}

pub(super) fn boundary(ctx: &mut Ctx<'_, '_>, e: &Element, trigger: EventTrigger) -> FlowNodeKind {
    let cancel_activity = e.flag("cancelActivity") != Some(false);
    match &trigger {
        EventTrigger::Timer(_)
        | EventTrigger::Message(_)
        | EventTrigger::Escalation(_)
        | EventTrigger::Signal(_)
        | EventTrigger::Conditional(_)
        | EventTrigger::Compensation(_)
        | EventTrigger::Multiple(_) => {}
        EventTrigger::Cancel if !cancel_activity => ctx.exec_error(
            e,
            "a cancel boundary event must be interrupting (cancelActivity=\"true\")",
        ),
        EventTrigger::Cancel => {}
        EventTrigger::Error(_) if !cancel_activity => {
            ctx.exec_error(
                e,
                "an error boundary event must be interrupting (cancelActivity=\"true\")",
            );
        }
        EventTrigger::Error(_) => {}
        EventTrigger::None => ctx.exec_error(e, "a boundary event needs an event definition"),
        EventTrigger::Terminate | EventTrigger::Link(_) => ctx.exec_error(
            e,
            format!("a boundary event cannot have {}", a_definition(&trigger)),
        ),
    }
    FlowNodeKind::BoundaryEvent {
        // Resolved by the builder once every node exists.
        attached_to: NodeIdx(u32::MAX),
        cancel_activity,
        trigger,
    }
}

/// The trigger of one event definition; `None` when the definition is not supported.
fn definition(ctx: &mut Ctx<'_, '_>, e: &Element, d: &Element) -> Option<EventTrigger> {
    let t = match d.local.as_str() {
        "terminateEventDefinition" => EventTrigger::Terminate,
        "messageEventDefinition" => EventTrigger::Message(message(ctx, e, d)),
        "errorEventDefinition" => EventTrigger::Error(errors::error(ctx, e, d)),
        "timerEventDefinition" => EventTrigger::Timer(timer(ctx, e, d)),
        "linkEventDefinition" => EventTrigger::Link(link(ctx, e, d)),
        "escalationEventDefinition" => EventTrigger::Escalation(errors::escalation(ctx, e, d)),
        "signalEventDefinition" => EventTrigger::Signal(signal(ctx, e, d)),
        "cancelEventDefinition" => EventTrigger::Cancel,
        "conditionalEventDefinition" => EventTrigger::Conditional(conditional(ctx, e, d)?),
        "compensateEventDefinition" => EventTrigger::Compensation(CompensateRef {
            activity: d
                .attr("activityRef")
                .map(str::trim)
                .filter(|a| !a.is_empty())
                .map(str::to_owned),
            wait_for_completion: d.flag("waitForCompletion") != Some(false),
        }),
        _ => return None,
    };
    Some(t)
}

/// The message `d.messageRef` names (`d`: a `messageEventDefinition`, or a receive task),
/// reported at `e`.
pub(crate) fn message(ctx: &mut Ctx<'_, '_>, e: &Element, d: &Element) -> MessageRef {
    let mut out = MessageRef {
        name: Text::Static(String::new()),
        correlation_key: None,
        time_to_live: None,
        message_id: None,
    };
    let Some(r) = d.attr("messageRef") else {
        // SpiffWorkflow names a message without `messageRef` after its event.
        let name = named_after(e);
        ctx.warning(
            e,
            format!(
                "{} has no messageRef: the message is named after the event (\"{name}\")",
                d.local
            ),
        );
        check_reserved(ctx, e, &name, "the message of this event");
        out.name = Text::Static(name);
        return out;
    };
    let Some(m) = ctx.doc.message(r) else {
        if matches!(e.local.as_str(), "intermediateThrowEvent" | "endEvent") {
            // Camunda 7 never resolves the reference of a message throw event: the thrown
            // message is named by the reference.
            let name = r.trim().to_owned();
            ctx.warning(
                e,
                format!(
                    "messageRef \"{r}\" names no message: the thrown message is named \"{name}\""
                ),
            );
            check_reserved(ctx, e, &name, "the message of this event");
            out.name = Text::Static(name);
            return out;
        }
        ctx.error(e, format!("messageRef \"{r}\" does not name a message"));
        return out;
    };
    let mid = m.id().unwrap_or(r);
    match m.attr("name").map(str::trim).filter(|n| !n.is_empty()) {
        None => ctx.exec_error(e, format!("message \"{mid}\" has no name")),
        Some(n) if is_reserved(n) => check_reserved(ctx, e, n, &format!("message \"{mid}\"")),
        Some(n) => {
            let what = format!("the name of message \"{mid}\"");
            if let Some(t) = ctx.ok(e, expr::zeebe_text(n, &what)) {
                out.name = t;
            }
        }
    }
    out.correlation_key = extensions::correlation_key(ctx, e, m);
    out
}

/// The name of a message or signal that an event without a `messageRef`/`signalRef` waits for
/// or throws: the event's `name`, else its `id`.
fn named_after(e: &Element) -> String {
    e.attr("name")
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .or_else(|| e.id())
        .unwrap_or_default()
        .to_owned()
}

/// Message names starting with `signal:`, `trigger:` or `condition:` are reserved for the
/// subscriptions of signal events, of receive tasks without a message and of conditional start
/// events (docs/decisions/0008).
fn is_reserved(name: &str) -> bool {
    name.starts_with("signal:") || name.starts_with("trigger:") || name.starts_with("condition:")
}

fn check_reserved(ctx: &mut Ctx<'_, '_>, e: &Element, name: &str, what: &str) {
    if is_reserved(name) {
        ctx.exec_error(
            e,
            format!(
                "the name of {what} (\"{name}\") starts with 'signal:', 'trigger:' or 'condition:', which are reserved"
            ),
        );
    }
}

/// The signal `d.signalRef` names (static, or a `=` FEEL expression).
fn signal(ctx: &mut Ctx<'_, '_>, e: &Element, d: &Element) -> SignalRef {
    let mut out = SignalRef {
        name: Text::Static(String::new()),
    };
    let Some(r) = d.attr("signalRef") else {
        // As for messages: a signal without `signalRef` is named after its event.
        let name = named_after(e);
        ctx.warning(
            e,
            format!(
                "signalEventDefinition has no signalRef: the signal is named after the event (\"{name}\")"
            ),
        );
        out.name = Text::Static(name);
        return out;
    };
    let Some(s) = ctx.doc.signal(r) else {
        ctx.error(e, format!("signalRef \"{r}\" does not name a signal"));
        return out;
    };
    let sid = s.id().unwrap_or(r);
    match s.attr("name").map(str::trim).filter(|n| !n.is_empty()) {
        None => ctx.exec_error(e, format!("signal \"{sid}\" has no name")),
        Some(n) => {
            let what = format!("the name of signal \"{sid}\"");
            if let Some(t) = ctx.ok(e, expr::zeebe_text(n, &what)) {
                out.name = t;
            }
        }
    }
    out
}

/// The `condition` of a `conditionalEventDefinition` (FEEL, or `${...}`; `language` as for
/// sequence flow conditions) and its `camunda:variableName` filter.
fn conditional(ctx: &mut Ctx<'_, '_>, e: &Element, d: &Element) -> Option<ConditionalRef> {
    let body = ctx
        .doc
        .tree
        .child(d, &Ns::Bpmn, "condition")
        .filter(|c| !c.text.trim().is_empty());
    let parsed = match body {
        None => Err("conditionalEventDefinition has no condition".to_owned()),
        Some(c) => {
            let language = c.attr("language").or(ctx.doc.expression_language);
            expr::condition(&c.text, language, "condition")
        }
    };
    // Without a valid condition the document is refused; `false` only keeps the model whole.
    let condition = ctx
        .ok(e, parsed)
        .or_else(|| crate::expression::Expression::feel("false").ok())?;
    let variable_name = d
        .ns_attr(&Ns::Camunda, "variableName")
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_owned);
    let variable_events = d
        .ns_attr(&Ns::Camunda, "variableEvents")
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .and_then(|v| {
            let parsed = variable_events(v);
            ctx.ok(e, parsed)
        });
    Some(ConditionalRef {
        condition,
        variable_name,
        variable_events,
    })
}

/// `camunda:variableEvents`: a comma-separated list of `create`, `update`, `delete`.
fn variable_events(value: &str) -> Result<VariableEvents, String> {
    let mut events = VariableEvents::default();
    for part in value.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        match part {
            "create" => events.create = true,
            "update" => events.update = true,
            "delete" => events.delete = true,
            other => {
                return Err(format!(
                    "camunda:variableEvents \"{value}\": \"{other}\" is not create, update or delete"
                ));
            }
        }
    }
    Ok(events)
}

fn link(ctx: &mut Ctx<'_, '_>, e: &Element, d: &Element) -> LinkRef {
    let name = d.attr("name").map(str::trim).unwrap_or_default();
    if name.is_empty() {
        ctx.exec_error(e, "linkEventDefinition has no name");
    }
    LinkRef {
        name: name.to_owned(),
        // Resolved by the builder once every node exists.
        target: None,
    }
}

fn timer(ctx: &mut Ctx<'_, '_>, e: &Element, d: &Element) -> TimerDefinition {
    let tree = ctx.doc.tree;
    let parts: Vec<&Element> = tree
        .children(d)
        .filter(|c| {
            c.ns == Ns::Bpmn
                && matches!(c.local.as_str(), "timeDate" | "timeDuration" | "timeCycle")
        })
        .collect();
    let fallback = TimerDefinition::Duration(Text::Static(String::new()));
    let [part] = parts.as_slice() else {
        let msg = if parts.is_empty() {
            "timerEventDefinition needs a timeDate, timeDuration or timeCycle"
        } else {
            "timerEventDefinition must have only one of timeDate, timeDuration and timeCycle"
        };
        ctx.exec_error(e, msg);
        return fallback;
    };
    let body = part.text.trim();
    let what = part.local.as_str();
    let text = if body.is_empty() {
        Err(format!("{what} is empty"))
    } else if let Some(src) = body.strip_prefix('=') {
        expr::feel(src, what).map(Text::Expr)
    } else if expr::is_camunda7(body) {
        expr::juel(body, what).map(Text::Expr)
    } else {
        check_static_timer(what, body).map(|()| Text::Static(body.to_owned()))
    };
    let Some(text) = ctx.ok(e, text) else {
        return fallback;
    };
    match what {
        "timeDate" => TimerDefinition::Date(text),
        "timeDuration" => TimerDefinition::Duration(text),
        _ => TimerDefinition::Cycle(text),
    }
}

/// Shape checks for static timer values (ISO 8601 date-time, duration, repeating interval, or
/// a cron expression for cycles).
fn check_static_timer(what: &str, v: &str) -> Result<(), String> {
    if what == "timeCycle" && !v.starts_with('R') {
        return crate::cron::Cron::parse(v)
            .map(|_| ())
            .map_err(|e| format!("timeCycle \"{v}\" is not a valid cron expression: {e}"));
    }
    let ok = match what {
        // Camunda 7 reads a timeDate starting with `P` as a duration from now.
        "timeDate" => is_date_time(v) || (v.starts_with('P') && is_duration(v)),
        "timeDuration" => is_duration(v),
        _ => is_cycle(v),
    };
    if ok {
        return Ok(());
    }
    let expected = match what {
        "timeDate" => {
            "an iso 8601 date-time like 2030-01-31T09:00:00Z (or a duration from now like PT1H)"
        }
        "timeDuration" => "an iso 8601 duration like PT5M",
        _ => "an iso 8601 repeating interval like R3/PT10M or a cron expression",
    };
    Err(format!("{what} \"{v}\" is not {expected}"))
}

/// An ISO 8601 duration (`PT5M`, `-P1D`), as `jiff` reads it.
pub(super) fn is_duration(v: &str) -> bool {
    v.starts_with(['P', 'p', '-', '+']) && v.parse::<jiff::Span>().is_ok()
}

fn is_date_time(v: &str) -> bool {
    v.parse::<jiff::Timestamp>().is_ok()
        || v.parse::<jiff::Zoned>().is_ok()
        || v.parse::<jiff::civil::DateTime>().is_ok()
}

fn is_cycle(v: &str) -> bool {
    if let Some(rest) = v.strip_prefix('R') {
        let mut parts = rest.split('/');
        let count = parts.next().unwrap_or_default();
        let rest: Vec<&str> = parts.collect();
        return count.bytes().all(|b| b.is_ascii_digit())
            && count.parse::<u64>() != Ok(0)
            && (1..=2).contains(&rest.len())
            && rest.iter().any(|p| is_duration(p))
            && rest.iter().all(|p| is_duration(p) || is_date_time(p));
    }
    crate::cron::Cron::parse(v).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timer_shapes() {
        assert!(is_duration("PT5M"));
        assert!(is_duration("P1DT2H"));
        assert!(!is_duration("5 minutes"));
        assert!(is_date_time("2030-01-31T09:00:00Z"));
        assert!(is_date_time("2030-01-31T09:00:00"));
        assert!(!is_date_time("tomorrow"));
        assert!(is_cycle("R3/PT10M"));
        assert!(is_cycle("R/PT1H"));
        assert!(is_cycle("R2/2030-01-31T09:00:00Z/P1D"));
        assert!(is_cycle("0 0 9 * * MON-FRI"));
        assert!(!is_cycle("R3"));
        assert!(!is_cycle("R0/PT1M"));
        assert!(!is_cycle("0 0 9 * * FUNDAY"));
        assert!(!is_cycle("every day"));
    }
}
