//! Message throw and end events (`messageEventDefinition` on an `intermediateThrowEvent` or
//! `endEvent`).
//!
//! With a job definition (`zeebe:taskDefinition` on the event, or Camunda 7's
//! `camunda:type="external" camunda:topic` on its `messageEventDefinition`) the event is a job,
//! exactly like a send task (Zeebe, Camunda 7 external tasks). Without one it publishes its
//! message inside the engine when it is reached: the name from `messageRef`, the correlation
//! key, time to live and message id from `zeebe:publishMessage` (on the
//! `messageEventDefinition`, or on the event), the correlation key else from the message's
//! `zeebe:subscription correlationKey` (docs/decisions/0013). A throw event with several
//! definitions throws each message and signal; it cannot be a job.

use super::context::Ctx;
use super::events::a_definition;
use super::expr;
use super::extensions::{self, find};
use super::tree::{Element, Ns};
use crate::expression::Text;
use crate::model::{EventTrigger, FlowNodeKind, MessageRef, MultipleTrigger};

/// The Camunda 7 attributes that make a `messageEventDefinition` "service-task like".
const CAMUNDA_JOB_ATTRIBUTES: [&str; 4] = ["type", "class", "delegateExpression", "expression"];

/// The job of message throw event `e` (definition `d`), when it has a job definition.
pub(crate) fn job(ctx: &mut Ctx<'_, '_>, e: &Element, d: &Element) -> Option<FlowNodeKind> {
    let exts = extensions::extensions(ctx, e);
    let zeebe = find(&exts, &Ns::Zeebe, "taskDefinition").is_some();
    let camunda = CAMUNDA_JOB_ATTRIBUTES
        .iter()
        .any(|a| d.ns_attr(&Ns::Camunda, a).is_some());
    if !zeebe && !camunda {
        return None;
    }
    if publish_element(ctx, e, d).is_some() {
        ctx.exec_error(
            e,
            "a message throw event has either a job definition (zeebe:taskDefinition) or zeebe:publishMessage, not both",
        );
    }
    Some(extensions::job_definition(ctx, e, d, "message throw event"))
}

/// `message` as event `e` (definition `d`) publishes it: with the settings of its
/// `zeebe:publishMessage`, if any.
pub(crate) fn publish(
    ctx: &mut Ctx<'_, '_>,
    e: &Element,
    d: &Element,
    mut message: MessageRef,
) -> MessageRef {
    let Some(p) = publish_element(ctx, e, d) else {
        return message;
    };
    if let Some(key) = attribute(p, "correlationKey") {
        let parsed = expr::zeebe_expression(key, "zeebe:publishMessage correlationKey");
        if let Some(key) = ctx.ok(e, parsed) {
            message.correlation_key = Some(key);
        }
    }
    if let Some(ttl) = attribute(p, "timeToLive") {
        let parsed = match ttl.strip_prefix('=') {
            Some(src) => expr::feel(src, "zeebe:publishMessage timeToLive").map(Text::Expr),
            // A time to live is never negative.
            None if !ttl.starts_with('-') && super::events::is_duration(ttl) => {
                Ok(Text::Static(ttl.to_owned()))
            }
            None => Err(format!(
                "zeebe:publishMessage timeToLive \"{ttl}\" is not an iso 8601 duration like PT1H"
            )),
        };
        message.time_to_live = ctx.ok(e, parsed);
    }
    if let Some(id) = attribute(p, "messageId") {
        message.message_id = ctx.ok(e, expr::zeebe_text(id, "zeebe:publishMessage messageId"));
    }
    message
}

/// The definitions of throw event `e` with several event definitions (`defs`, in the same
/// order): messages are published, signals broadcast; anything else is an error.
pub(crate) fn publish_all(
    ctx: &mut Ctx<'_, '_>,
    e: &Element,
    defs: &[&Element],
    multiple: MultipleTrigger,
) -> MultipleTrigger {
    let mut definitions = Vec::with_capacity(multiple.definitions.len());
    for (d, definition) in defs.iter().zip(multiple.definitions) {
        match definition {
            EventTrigger::Message(message) => {
                if job(ctx, e, d).is_some() {
                    ctx.exec_error(
                        e,
                        "a throw event with several event definitions cannot be a job (zeebe:taskDefinition, camunda:type)",
                    );
                }
                definitions.push(EventTrigger::Message(publish(ctx, e, d, message)));
            }
            EventTrigger::Signal(_) => definitions.push(definition),
            other => {
                ctx.exec_error(
                    e,
                    format!(
                        "a throw event with several event definitions can throw messages and signals, not {}",
                        a_definition(&other)
                    ),
                );
                definitions.push(other);
            }
        }
    }
    MultipleTrigger {
        definitions,
        parallel: false,
    }
}

/// The `zeebe:publishMessage` of `d`, else of `e`.
fn publish_element<'t>(ctx: &Ctx<'t, '_>, e: &'t Element, d: &'t Element) -> Option<&'t Element> {
    let on_definition = extensions::extensions(ctx, d);
    find(&on_definition, &Ns::Zeebe, "publishMessage").or_else(|| {
        let on_event = extensions::extensions(ctx, e);
        find(&on_event, &Ns::Zeebe, "publishMessage")
    })
}

/// A non-empty attribute of `zeebe:publishMessage`, trimmed.
fn attribute<'t>(p: &'t Element, name: &str) -> Option<&'t str> {
    p.attr(name)
        .or_else(|| p.ns_attr(&Ns::Zeebe, name))
        .map(str::trim)
        .filter(|v| !v.is_empty())
}
