//! Catch events with several event definitions (BPMN's "multiple" and "parallel multiple"
//! start, intermediate catch and boundary events): which combinations run.
//!
//! Each definition must be a message, a signal, a timer (at most one) or a condition (at most
//! one), and must be valid on the event as a single definition (a process's start events need
//! fixed names and timers, a boundary event's rules, ...). One event never waits twice for the
//! same message or signal. A parallel multiple event (`parallelMultiple="true"`) needs fixed
//! message and signal names: which of its definitions occurred is told by the name. Throw events
//! with several definitions are `message_throw`'s.

use super::context::Ctx;
use super::events::{StartIn, a_definition, boundary, catch, start};
use super::tree::Element;
use crate::expression::Text;
use crate::model::{ElementType, EventTrigger, MultipleTrigger};

/// Reports what is wrong with the definitions of catch event `e` (of type `ty`).
pub(crate) fn check(
    ctx: &mut Ctx<'_, '_>,
    e: &Element,
    ty: ElementType,
    start_in: StartIn,
    multiple: &MultipleTrigger,
) {
    if !matches!(
        ty,
        ElementType::StartEvent | ElementType::IntermediateCatchEvent | ElementType::BoundaryEvent
    ) {
        return; // throw events: `message_throw::publish_all`
    }
    let mut timers = 0;
    let mut conditions = 0;
    let mut names: Vec<(&'static str, &str)> = Vec::new();
    for definition in &multiple.definitions {
        let (kind, name) = match definition {
            EventTrigger::Message(m) => ("message", &m.name),
            EventTrigger::Signal(s) => ("signal", &s.name),
            EventTrigger::Timer(_) => {
                timers += 1;
                continue;
            }
            EventTrigger::Conditional(_) => {
                conditions += 1;
                continue;
            }
            other => {
                ctx.exec_error(
                    e,
                    format!(
                        "an event with several event definitions can wait for messages, signals, a timer and a condition, not {}",
                        a_definition(other)
                    ),
                );
                continue;
            }
        };
        match name {
            Text::Static(n) if names.contains(&(kind, n.as_str())) => ctx.exec_error(
                e,
                format!("the event waits twice for the {kind} \"{n}\"; each definition needs its own"),
            ),
            Text::Static(n) => names.push((kind, n.as_str())),
            Text::Expr(_) if multiple.parallel => ctx.exec_error(
                e,
                format!(
                    "a parallel multiple event needs fixed {kind} names (not expressions): the name tells which definition occurred"
                ),
            ),
            Text::Expr(_) => {}
        }
    }
    if timers > 1 {
        ctx.exec_error(
            e,
            "an event with several event definitions can have at most one timerEventDefinition",
        );
    }
    if conditions > 1 {
        ctx.exec_error(
            e,
            "an event with several event definitions can have at most one conditionalEventDefinition",
        );
    }
    // Each definition must also be valid as the event's only one.
    for definition in &multiple.definitions {
        let single = definition.clone();
        match ty {
            ElementType::StartEvent => {
                start(ctx, e, single, start_in);
            }
            ElementType::IntermediateCatchEvent => {
                catch(ctx, e, single);
            }
            _ => {
                boundary(ctx, e, single);
            }
        }
    }
}
