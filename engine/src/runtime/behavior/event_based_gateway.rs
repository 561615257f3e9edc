//! Event-based gateway: on activation it opens the wait of every catch event its outgoing flows
//! lead to (message and signal subscriptions, timers, conditions; all owned by the gateway's
//! element instance; an event two flows lead to waits once). The first event to occur wins: the
//! gateway completes through the (first) flow to that event (its other waits are deleted with
//! the gateway's work) and the event, which has then occurred, completes at once.

use keel_bpmn::{FlowIdx, FlowNode, FlowNodeKind, NodeIdx, ProcessDefinition};
use serde_json::{Map, Value as Json};

use super::Activation;
use super::intermediate_catch_event::open_wait;
use crate::runtime::Error;
use crate::runtime::eval::Failure;
use crate::runtime::flow::Run;
use crate::runtime::state::{Action, ElementKey, ElementState};

/// Opens the wait of every following catch event.
pub fn activate(
    run: &mut Run<'_>,
    key: ElementKey,
    node: &FlowNode,
) -> Result<Activation, Failure> {
    // All waits open or none: a failure (an incident, retried when resolved) opens nothing.
    let opened = run.out.effects.len();
    let result = open_waits(run, key, node);
    if result.is_err() {
        run.out.effects.truncate(opened);
    }
    result.map(|()| Activation::Wait)
}

fn open_waits(run: &mut Run<'_>, key: ElementKey, node: &FlowNode) -> Result<(), Failure> {
    let def = run.def;
    let mut opened: Vec<NodeIdx> = Vec::new();
    for flow in &node.outgoing {
        let Some(sequence_flow) = def.get_flow(*flow) else {
            continue;
        };
        // Two flows to one event open its wait once.
        if opened.contains(&sequence_flow.target) {
            continue;
        }
        opened.push(sequence_flow.target);
        let event = def.node(sequence_flow.target);
        if let FlowNodeKind::IntermediateCatchEvent { trigger } = &event.kind {
            open_wait(run, key, &event.id, trigger, false)?;
        }
    }
    Ok(())
}

/// True when gateway instance `key` waits for catch event `event_id` after it.
pub fn waits_for(run: &Run<'_>, key: ElementKey, event_id: &str) -> bool {
    let def = run.def;
    run.state.elements.get(&key).is_some_and(|element| {
        element.state == ElementState::Active
            && element.incident.is_none()
            && def.node_by_id(&element.element_id).is_some_and(|gateway| {
                matches!(def.node(gateway).kind, FlowNodeKind::EventBasedGateway)
                    && flow_to(def, def.node(gateway), event_id).is_some()
            })
    })
}

/// The wait of catch event `event` of gateway instance `key` ended: the gateway completes
/// through it.
pub fn trigger(
    run: &mut Run<'_>,
    key: ElementKey,
    event: NodeIdx,
    variables: Map<String, Json>,
) -> Result<(), Error> {
    let def = run.def;
    let event_id = def.node(event).id.clone();
    let element = run
        .state
        .elements
        .get_mut(&key)
        .ok_or(Error::ElementNotActive(key))?;
    let gateway = def
        .node_by_id(&element.element_id)
        .ok_or_else(|| Error::UnknownElement(element.element_id.clone()))?;
    let follows = flow_to(def, def.node(gateway), &event_id).is_some();
    // The first event wins: once one has occurred (earlier in this same step, say two
    // conditions that hold at once) the gateway takes no other.
    if !follows
        || element.state != ElementState::Active
        || element.incident.is_some()
        || element.triggered_by.is_some()
    {
        return Err(Error::NotWaiting {
            element_id: event_id,
            expected: "an event",
        });
    }
    element.triggered_by = Some(event_id);
    run.set_from_event(key, variables);
    run.state.agenda.push_front(Action::Complete { key });
    Ok(())
}

/// The flow to the event that occurred.
pub fn outgoing(run: &Run<'_>, key: ElementKey, node: &FlowNode) -> Result<Vec<FlowIdx>, Failure> {
    let event = run
        .state
        .elements
        .get(&key)
        .and_then(|e| e.triggered_by.as_deref());
    match event.and_then(|id| flow_to(run.def, node, id)) {
        Some(flow) => Ok(vec![flow]),
        None => Err(Failure {
            kind: "no_matching_flow",
            message: format!("no event of event-based gateway '{}' has occurred", node.id),
        }),
    }
}

/// True when `node` is a catch event that follows an event-based gateway: it is only activated
/// once its event has occurred.
pub fn follows_gateway(def: &ProcessDefinition, node: &FlowNode) -> bool {
    node.incoming.iter().any(|f| {
        def.get_flow(*f)
            .is_some_and(|f| matches!(def.node(f.source).kind, FlowNodeKind::EventBasedGateway))
    })
}

fn flow_to(def: &ProcessDefinition, gateway: &FlowNode, event_id: &str) -> Option<FlowIdx> {
    gateway.outgoing.iter().copied().find(|f| {
        def.get_flow(*f)
            .is_some_and(|f| def.node(f.target).id == event_id)
    })
}
