//! Escalations thrown by escalation end and intermediate throw events: the nearest catcher
//! outward catches it: an escalation event sub-process of the thrower's scope, then an escalation
//! boundary event of that scope's activity (sub-process), and so on (one naming the code first,
//! else one catching every escalation); an event sub-process never catches what is thrown inside
//! itself (a rethrow from it goes further out). An interrupting catch terminates that
//! activity and everything in it, the thrower included; a non-interrupting one starts the boundary
//! path beside it and the thrower goes on. An uncaught escalation is not an error: the thrower just
//! goes on.

use keel_bpmn::{EventTrigger, FlowNode, FlowNodeKind, NodeIdx};

use serde_json::Map;

use super::Activation;
use super::event_sub_process::{self, Thrown};
use crate::runtime::flow::Run;
use crate::runtime::state::{Action, ElementKey, ROOT_KEY};

/// Throws escalation `code` from element instance `key`; returns how the thrower goes on.
pub fn throw(run: &mut Run<'_>, key: ElementKey, code: &str) -> Activation {
    let def = run.def;
    let mut current = key;
    for _ in 0..=run.state.elements.len() {
        if current == ROOT_KEY {
            break;
        }
        let Some(element) = run.state.elements.get(&current) else {
            break;
        };
        let parent = element.parent.unwrap_or(ROOT_KEY);
        // An inner instance of a multi-instance activity: its body holds the boundary events.
        let inner = super::multi_instance::body_of(run.state, current).is_some();
        let catcher = def
            .node_by_id(&element.element_id)
            .filter(|_| !inner)
            .and_then(|n| matching_boundary(run, def.node(n), code));
        if let Some((boundary, interrupting)) = catcher {
            if interrupting {
                run.terminate(current);
            }
            let mut variables = Map::new();
            if let FlowNodeKind::BoundaryEvent { trigger, .. } = &def.node(boundary).kind {
                Thrown::Escalation(code).caught_into(trigger, &mut variables);
            }
            run.set_from_event(parent, variables);
            run.state.agenda.push_back(Action::Activate {
                scope: parent,
                element_id: def.node(boundary).id.clone(),
            });
            return if interrupting {
                Activation::Done
            } else {
                Activation::Complete
            };
        }
        let thrown = Thrown::Escalation(code);
        let from = element.element_id.clone();
        if let Some(interrupting) =
            event_sub_process::catch(run, parent, &from, &thrown, Map::new())
        {
            return if interrupting {
                Activation::Done
            } else {
                Activation::Complete
            };
        }
        current = parent;
    }
    Activation::Complete
}

/// The escalation boundary event of `node` that catches `code`, and whether it interrupts.
fn matching_boundary(run: &Run<'_>, node: &FlowNode, code: &str) -> Option<(NodeIdx, bool)> {
    let def = run.def;
    let mut catch_all = None;
    for boundary in &node.boundary_events {
        if let FlowNodeKind::BoundaryEvent {
            trigger: EventTrigger::Escalation(escalation),
            cancel_activity,
            ..
        } = &def.node(*boundary).kind
        {
            match &escalation.code {
                Some(c) if c == code => return Some((*boundary, *cancel_activity)),
                Some(_) => {}
                None => catch_all = catch_all.or(Some((*boundary, *cancel_activity))),
            }
        }
    }
    catch_all
}
