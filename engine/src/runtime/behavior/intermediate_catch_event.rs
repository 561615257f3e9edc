//! Intermediate catch events: wait for a message, a timer, a signal or a condition (or several
//! of them: any one, or with `parallelMultiple` all), then continue. The subscription and timer
//! helpers here are shared with boundary events.

use keel_bpmn::{EventTrigger, FlowNode, MessageRef, TimerDefinition};

use super::Activation;
use crate::runtime::eval::{self, Failure};
use crate::runtime::flow::Run;
use crate::runtime::state::ElementKey;
use crate::runtime::timer::{self, TimerKind};
use crate::runtime::{Effect, reserved_message_name};

/// Activates an intermediate catch event.
pub fn activate(
    run: &mut Run<'_>,
    key: ElementKey,
    node: &FlowNode,
    trigger: &EventTrigger,
) -> Result<Activation, Failure> {
    // A conditional catch event whose condition already holds passes at once (a parallel
    // multiple one records it and waits for the rest).
    if let EventTrigger::Conditional(conditional) = trigger {
        let holds = super::conditional_event::holds(run, key, &node.id, conditional)?;
        return Ok(if holds {
            Activation::Complete
        } else {
            Activation::Wait
        });
    }
    let conditional = trigger.definitions().iter().find_map(|d| match d {
        EventTrigger::Conditional(c) => Some(c),
        _ => None,
    });
    if let Some(conditional) = conditional
        && super::conditional_event::holds(run, key, &node.id, conditional)?
    {
        if !trigger.is_parallel() {
            return Ok(Activation::Complete);
        }
        let occurrence = crate::runtime::Occurrence::Condition;
        super::parallel_event::record(run, key, &node.id, trigger, &occurrence);
    }
    // A link catch event (and any event without a wait) is a pass-through.
    if open_wait(run, key, &node.id, trigger, false)? {
        Ok(Activation::Wait)
    } else {
        Ok(Activation::Complete)
    }
}

/// Opens the wait of event `element_id` owned by element instance `owner`: a message or signal
/// subscription, or a timer (`repeating`: a cycle keeps firing, as on non-interrupting events).
/// Returns false for triggers that have nothing to wait for (none, link, error, ...). The one
/// place catch events, boundary events, event-based gateways and event sub-process starts open
/// their waits; an event with several definitions opens one per definition (those of a
/// parallel multiple event that occurred already excepted).
pub fn open_wait(
    run: &mut Run<'_>,
    owner: ElementKey,
    element_id: &str,
    trigger: &EventTrigger,
    repeating: bool,
) -> Result<bool, Failure> {
    match trigger {
        EventTrigger::Multiple(multiple) => {
            let mut opened = false;
            for (i, definition) in multiple.definitions.iter().enumerate() {
                let index = u32::try_from(i).unwrap_or(u32::MAX);
                if super::waits::has_occurred(run, owner, element_id, index) {
                    continue;
                }
                opened |= open_wait(run, owner, element_id, definition, repeating)?;
            }
            return Ok(opened);
        }
        EventTrigger::Message(message) => open_subscription(run, owner, element_id, message)?,
        EventTrigger::Timer(timer) => schedule_timer(run, owner, element_id, timer, repeating)?,
        EventTrigger::Signal(signal) => {
            super::signal_event::open_subscription(run, owner, element_id, signal)?
        }
        // Evaluated once the run settles, and again whenever variables change.
        EventTrigger::Conditional(_) => run.conditions_opened.push(owner),
        EventTrigger::None
        | EventTrigger::Terminate
        | EventTrigger::Error(_)
        | EventTrigger::Link(_)
        | EventTrigger::Escalation(_)
        | EventTrigger::Compensation(_)
        | EventTrigger::Cancel => return Ok(false),
    }
    Ok(true)
}

/// Opens a message subscription owned by element instance `owner` for event `element_id`;
/// name and correlation key are evaluated in `owner`'s scope.
pub fn open_subscription(
    run: &mut Run<'_>,
    owner: ElementKey,
    element_id: &str,
    message: &MessageRef,
) -> Result<(), Failure> {
    let message_name = eval::text(run.state, owner, &run.now, &message.name, "message name")?;
    if let Some(why) = reserved_message_name(&message_name) {
        return Err(Failure::expression(format!("{why} (at '{element_id}')")));
    }
    let correlation_key = match &message.correlation_key {
        None => None,
        Some(expr) => {
            let what = format!("correlation key of '{element_id}'");
            let value = eval::evaluate_for(run.state, owner, &run.now, expr, &what)?.to_json();
            if value.is_null() {
                return Err(eval::mismatch(
                    run.state, owner, &run.now, expr, &what, "a value",
                ));
            }
            Some(eval::scalar_text(&value))
        }
    };
    run.out.effects.push(Effect::OpenSubscription {
        key: owner,
        element_id: element_id.to_owned(),
        message_name,
        correlation_key,
    });
    Ok(())
}

/// Schedules a timer owned by element instance `owner` for event `element_id`. With `repeat`
/// (a non-interrupting event), a cycle fires again after each firing (see `timer_cycle`);
/// otherwise it fires once, at its first due time.
pub fn schedule_timer(
    run: &mut Run<'_>,
    owner: ElementKey,
    element_id: &str,
    timer_definition: &TimerDefinition,
    repeat: bool,
) -> Result<(), Failure> {
    let (kind, text) = match timer_definition {
        TimerDefinition::Date(t) => (TimerKind::Date, t),
        TimerDefinition::Duration(t) => (TimerKind::Duration, t),
        TimerDefinition::Cycle(t) => (TimerKind::Cycle, t),
    };
    let value = eval::text(run.state, owner, &run.now, text, "timer")?;
    let due_at_ms = timer::parse_due(kind, &value, &run.now)
        .map_err(|e| Failure::expression(format!("timer of '{element_id}': {e}")))?;
    if repeat {
        super::timer_cycle::remember(run, owner, element_id, timer_definition, &value)?;
    }
    run.out.effects.push(Effect::ScheduleTimer {
        key: owner,
        element_id: element_id.to_owned(),
        due_at_ms,
    });
    Ok(())
}
