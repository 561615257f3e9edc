//! Wait states an operator may trigger (`Engine::trigger_element`,
//! `POST /api/v1/instances/{id}/elements/{element_id}/trigger`; Camunda 7's
//! `runtimeService.signal`): the element instance completes as if what it waits for had come.
//!
//! Which waits qualify (docs/decisions/0014): a receive task, with or without a message, and
//! an intermediate catch event waiting for a message, a timer, a signal or a condition. Not a
//! user task or a job (they have their own completion, with its rules), a call activity, a
//! sub-process, a gateway, a boundary event or an event sub-process start (they have no
//! instance of their own that waits), nor a catch event after an event-based gateway (the
//! gateway waits, not the event). Manual tasks are no wait states in Keel (they complete at
//! once, as in Camunda 7 and 8), so there is nothing to trigger there.

use keel_bpmn::{EventTrigger, FlowNodeKind};

use crate::runtime::Error;
use crate::runtime::flow::Run;
use crate::runtime::state::{ElementKey, ElementState};

/// The oldest instance of `element_id` that waits in a state an operator may trigger.
pub fn waiting(run: &Run<'_>, element_id: &str) -> Result<ElementKey, Error> {
    let def = run.def;
    let kind_waits = def
        .node_by_id(element_id)
        .is_some_and(|n| triggerable(&def.node(n).kind));
    let mut with_incident = false;
    let found = kind_waits
        .then(|| {
            run.state.active_elements().find(|(_, e)| {
                let waits = e.element_id == element_id
                    && e.state == ElementState::Active
                    && e.loop_state.is_none()
                    && !e.compensation;
                // (A catch event whose condition failed waits to be evaluated again.)
                with_incident |= e.element_id == element_id && e.incident.is_some();
                waits && e.incident.is_none()
            })
        })
        .flatten();
    found.map(|(key, _)| key).ok_or_else(|| Error::NotWaiting {
        element_id: element_id.to_owned(),
        expected: if with_incident {
            "a trigger, but it has an open incident: resolve that first"
        } else {
            "a trigger (only a waiting receive task or intermediate message, timer, signal or conditional catch event can be triggered)"
        },
    })
}

/// Whether an element of this kind waits in a way an operator may trigger. Exhaustive, so a
/// new kind is decided on, not defaulted.
fn triggerable(kind: &FlowNodeKind) -> bool {
    match kind {
        FlowNodeKind::ReceiveTask(_) => true,
        FlowNodeKind::IntermediateCatchEvent { trigger } => catch_triggerable(trigger),
        FlowNodeKind::StartEvent { .. }
        | FlowNodeKind::EndEvent { .. }
        | FlowNodeKind::IntermediateThrowEvent { .. }
        | FlowNodeKind::BoundaryEvent { .. }
        | FlowNodeKind::Task
        | FlowNodeKind::JobTask(_)
        | FlowNodeKind::UserTask(_)
        | FlowNodeKind::ScriptTask(_)
        | FlowNodeKind::ExclusiveGateway
        | FlowNodeKind::ParallelGateway
        | FlowNodeKind::InclusiveGateway(_)
        | FlowNodeKind::ComplexGateway(_)
        | FlowNodeKind::EventBasedGateway
        | FlowNodeKind::SubProcess { .. }
        | FlowNodeKind::AdHocSubProcess(_)
        | FlowNodeKind::EventSubProcess { .. }
        | FlowNodeKind::CallActivity(_)
        | FlowNodeKind::Unsupported { .. } => false,
    }
}

/// Whether an intermediate catch event with this definition waits in a way an operator may
/// trigger: a message, timer, signal or condition, or several of those (a multiple event; with
/// `parallelMultiple` the trigger stands for every one of them).
fn catch_triggerable(trigger: &EventTrigger) -> bool {
    match trigger {
        EventTrigger::Message(_)
        | EventTrigger::Timer(_)
        | EventTrigger::Signal(_)
        | EventTrigger::Conditional(_) => true,
        EventTrigger::Multiple(m) => m.definitions.iter().all(catch_triggerable),
        // A link catch event never waits; the others are refused at deployment.
        EventTrigger::None
        | EventTrigger::Terminate
        | EventTrigger::Error(_)
        | EventTrigger::Link(_)
        | EventTrigger::Escalation(_)
        | EventTrigger::Compensation(_)
        | EventTrigger::Cancel => false,
    }
}
