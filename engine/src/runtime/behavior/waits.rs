//! The waits open in an instance, derived from its live element instances and the model (the
//! rows of `subscriptions` and `timers` that the shell keeps mirror them): what a message or a
//! signal thrown inside the instance reaches at the moment of the throw, and what conditional
//! events evaluate.
//!
//! Who owns which wait: an intermediate catch event, a receive task and a start event waiting
//! for the rest of a parallel multiple start own their own; an activity owns its boundary
//! events' (a multi-instance body, not its inner instances; not a sub-process re-created to
//! compensate); a scope instance (process, sub-process, event sub-process) owns its event
//! sub-processes' start events while it takes events; an event-based gateway owns those of the
//! catch events after it. Only active owners wait; one with an incident only for its boundary
//! events and its event sub-processes (a failed job's task can still be interrupted), as the
//! subscription rows that other instances' messages and signals find stay open too.

use keel_bpmn::{EventTrigger, FlowNode, FlowNodeKind, MessageRef, NodeIdx};

use crate::runtime::flow::Run;
use crate::runtime::state::{ElementKey, ElementState};

/// One open wait: event `event`, owned by element instance `owner`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpenWait {
    /// The element instance that owns it.
    pub owner: ElementKey,
    /// The event (or receive task) waited at.
    pub event: NodeIdx,
    /// How the owner relates to the event.
    pub kind: WaitKind,
}

/// How the owner of a wait relates to its event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WaitKind {
    /// The event itself waits (intermediate catch event, receive task, parallel start event).
    Own,
    /// A boundary event of the owning activity.
    Boundary,
    /// An event sub-process start event of the owning scope.
    Start,
    /// A catch event after the owning event-based gateway.
    Gateway,
}

/// One event definition of a wait, by its index among the event's definitions.
pub enum Definition<'a> {
    /// A message (also a receive task's).
    Message(&'a MessageRef),
    /// Any other definition.
    Other(&'a EventTrigger),
}

/// The definitions of event (or receive task) `node`, with their indices.
pub fn definitions(node: &FlowNode) -> Vec<(u32, Definition<'_>)> {
    let trigger = match &node.kind {
        FlowNodeKind::ReceiveTask(Some(message)) => return vec![(0, Definition::Message(message))],
        FlowNodeKind::StartEvent { trigger, .. }
        | FlowNodeKind::IntermediateCatchEvent { trigger }
        | FlowNodeKind::BoundaryEvent { trigger, .. } => trigger,
        _ => return Vec::new(),
    };
    trigger
        .definitions()
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let i = u32::try_from(i).unwrap_or(u32::MAX);
            match d {
                EventTrigger::Message(m) => (i, Definition::Message(m)),
                other => (i, Definition::Other(other)),
            }
        })
        .collect()
}

/// True when definition `index` of event `event_id` has occurred already for `owner` (a
/// parallel multiple event waiting for the others).
pub fn has_occurred(run: &Run<'_>, owner: ElementKey, event_id: &str, index: u32) -> bool {
    run.state
        .elements
        .get(&owner)
        .and_then(|e| e.occurred.get(event_id))
        .is_some_and(|set| set.contains(&index))
}

/// Every wait open in the instance now, in element-instance order.
pub fn open(run: &Run<'_>) -> Vec<OpenWait> {
    let def = run.def;
    let mut waits = Vec::new();
    for (key, element) in &run.state.elements {
        let key = *key;
        if element.state != ElementState::Active {
            continue;
        }
        let healthy = element.incident.is_none();
        // A scope's event sub-processes take events whatever incident the scope instance has
        // (their subscription rows stay open, so another instance's message reaches them too).
        if element.triggered_by.is_none()
            && !element.compensation
            && let Some(scope) = super::event_sub_process::scope_of(run, key)
        {
            for esp in def
                .get_scope(scope)
                .map(|s| s.event_sub_processes.as_slice())
                .unwrap_or_default()
            {
                let FlowNodeKind::EventSubProcess { scope } = &def.node(*esp).kind else {
                    continue;
                };
                if let Some(start) = def.get_scope(*scope).and_then(|s| s.start_events.first()) {
                    waits.push(OpenWait {
                        owner: key,
                        event: *start,
                        kind: WaitKind::Start,
                    });
                }
            }
        }
        let Some(idx) = def.node_by_id(&element.element_id) else {
            continue;
        };
        let node = def.node(idx);
        match &node.kind {
            FlowNodeKind::IntermediateCatchEvent { .. }
                if healthy && !super::event_based_gateway::follows_gateway(def, node) =>
            {
                waits.push(OpenWait {
                    owner: key,
                    event: idx,
                    kind: WaitKind::Own,
                });
            }
            FlowNodeKind::ReceiveTask(Some(_)) | FlowNodeKind::StartEvent { .. } if healthy => {
                waits.push(OpenWait {
                    owner: key,
                    event: idx,
                    kind: WaitKind::Own,
                });
            }
            FlowNodeKind::EventBasedGateway if healthy => {
                // Two flows may lead to one event, not only side by side: it waits once.
                let mut targets: Vec<NodeIdx> = Vec::new();
                for target in node.outgoing.iter().filter_map(|f| def.get_flow(*f)) {
                    if !targets.contains(&target.target) {
                        targets.push(target.target);
                    }
                }
                waits.extend(targets.into_iter().map(|event| OpenWait {
                    owner: key,
                    event,
                    kind: WaitKind::Gateway,
                }));
            }
            _ => {}
        }
        // The boundary events of a multi-instance activity belong to its body.
        let owns_boundaries = !element.compensation
            && (element.loop_state.is_some()
                || (node.multi_instance.is_none()
                    && super::multi_instance::body_of(run.state, key).is_none()));
        if owns_boundaries {
            waits.extend(node.boundary_events.iter().map(|b| OpenWait {
                owner: key,
                event: *b,
                kind: WaitKind::Boundary,
            }));
        }
    }
    waits
}
