//! Parallel multiple events (`parallelMultiple="true"` on a catch event with several event
//! definitions): each definition that occurs is recorded in the owner of the event's waits
//! (`ElementInstance::occurred`); the event fires once every definition has occurred, then the
//! record starts over (a non-interrupting event can fire again). A definition that occurred
//! already is no longer waited for. The variables each occurrence carries land when it occurs,
//! where the event's would.

use keel_bpmn::{EventTrigger, FlowNodeKind, NodeIdx, Text};
use serde_json::{Map, Value as Json};

use super::waits;
use crate::runtime::flow::Run;
use crate::runtime::state::{ElementKey, ElementState};
use crate::runtime::{Error, Occurrence};

/// The event definitions of event `node`, when it is a parallel multiple event.
fn parallel_trigger(kind: &FlowNodeKind) -> Option<&EventTrigger> {
    match kind {
        FlowNodeKind::StartEvent { trigger, .. }
        | FlowNodeKind::IntermediateCatchEvent { trigger }
        | FlowNodeKind::BoundaryEvent { trigger, .. } => Some(trigger).filter(|t| t.is_parallel()),
        _ => None,
    }
}

/// The index of the definition of `trigger` that `occurrence` is.
pub fn index_of(trigger: &EventTrigger, occurrence: &Occurrence) -> Option<u32> {
    let position = trigger
        .definitions()
        .iter()
        .position(|d| match (d, occurrence) {
            (EventTrigger::Message(m), Occurrence::Message(name)) => {
                matches!(&m.name, Text::Static(n) if n == name)
            }
            (EventTrigger::Signal(s), Occurrence::Signal(name)) => {
                matches!(&s.name, Text::Static(n) if n == name)
            }
            (EventTrigger::Timer(_), Occurrence::Timer) => true,
            (EventTrigger::Conditional(_), Occurrence::Condition) => true,
            _ => false,
        })?;
    u32::try_from(position).ok()
}

/// `occurrence` of event `event` arrived at element instance `key`. Returns the variables to
/// fire the event with, or `None` when it is a parallel multiple event that waits for more
/// (the occurrence is recorded). `Err` (nothing changed) when `key` does not wait for it.
pub fn arrived(
    run: &mut Run<'_>,
    key: ElementKey,
    event: NodeIdx,
    occurrence: &Occurrence,
    variables: Map<String, Json>,
    what: &'static str,
) -> Result<Option<Map<String, Json>>, Error> {
    let def = run.def;
    let node = def.node(event);
    let Some(trigger) = parallel_trigger(&node.kind) else {
        return Ok(Some(variables));
    };
    let not_waiting = || Error::NotWaiting {
        element_id: node.id.clone(),
        expected: what,
    };
    let index = index_of(trigger, occurrence).ok_or_else(not_waiting)?;
    let kind = wait_kind(run, key, event).ok_or_else(not_waiting)?;
    if waits::has_occurred(run, key, &node.id, index) {
        return Err(not_waiting());
    }
    let total = trigger.definitions().len();
    let Some(owner) = run.state.elements.get_mut(&key) else {
        return Err(not_waiting());
    };
    let record = owner.occurred.entry(node.id.clone()).or_default();
    record.insert(index);
    if record.len() >= total {
        owner.occurred.remove(&node.id);
        return Ok(Some(variables));
    }
    // Not yet: this occurrence's variables land where the event's would.
    let target = match kind {
        waits::WaitKind::Boundary => run.parent_of(key),
        waits::WaitKind::Own | waits::WaitKind::Start | waits::WaitKind::Gateway => key,
    };
    run.set_from_event(target, variables);
    Ok(None)
}

/// Records that the definition of parallel multiple event `event_id` (with `trigger`) that
/// `occurrence` is occurred for `owner`, without firing (a start event that started the
/// instance, a condition that held when its catch event was reached).
pub fn record(
    run: &mut Run<'_>,
    owner: ElementKey,
    event_id: &str,
    trigger: &EventTrigger,
    occurrence: &Occurrence,
) {
    let Some(index) = index_of(trigger, occurrence) else {
        return;
    };
    if let Some(element) = run.state.elements.get_mut(&owner) {
        element
            .occurred
            .entry(event_id.to_owned())
            .or_default()
            .insert(index);
    }
}

/// How element instance `key` waits for event `event`, if it does.
fn wait_kind(run: &Run<'_>, key: ElementKey, event: NodeIdx) -> Option<waits::WaitKind> {
    let def = run.def;
    let node = def.node(event);
    let element = run.state.elements.get(&key)?;
    if element.element_id == node.id {
        let live = element.state == ElementState::Active && element.incident.is_none();
        return live.then_some(waits::WaitKind::Own);
    }
    if super::event_sub_process::is_start(def, event) {
        return super::event_sub_process::accepts(run, key, event)
            .then_some(waits::WaitKind::Start);
    }
    if super::event_based_gateway::waits_for(run, key, &node.id) {
        return Some(waits::WaitKind::Gateway);
    }
    match &node.kind {
        FlowNodeKind::BoundaryEvent { attached_to, .. }
            if def.node(*attached_to).id == element.element_id
                && element.state == ElementState::Active =>
        {
            Some(waits::WaitKind::Boundary)
        }
        _ => None,
    }
}
