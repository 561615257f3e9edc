//! Boundary events: timers and messages attached to a waiting activity, and the catching of BPMN
//! errors thrown inside an activity (by a job or an error end event), from the innermost scope
//! outward. A non-interrupting timer cycle fires again after each firing (`timer_cycle`).

use keel_bpmn::{EventTrigger, FlowNode, FlowNodeKind, NodeIdx};
use serde_json::{Map, Value as Json};

use super::event_sub_process::{self, Thrown};
use super::intermediate_catch_event::open_wait;
use crate::runtime::Error;
use crate::runtime::eval::Failure;
use crate::runtime::flow::Run;
use crate::runtime::state::{Action, ElementKey, ROOT_KEY};

/// Opens the timers and subscriptions of the boundary events of a freshly waiting activity.
pub fn subscribe(run: &mut Run<'_>, key: ElementKey, node: &FlowNode) -> Result<(), Failure> {
    let def = run.def;
    for boundary in &node.boundary_events {
        let boundary_node = def.node(*boundary);
        if let FlowNodeKind::BoundaryEvent {
            trigger,
            cancel_activity,
            ..
        } = &boundary_node.kind
        {
            open_wait(run, key, &boundary_node.id, trigger, !cancel_activity)?;
        }
    }
    Ok(())
}

/// A timer or message of boundary event `boundary` on activity instance `key` arrived.
pub fn trigger(
    run: &mut Run<'_>,
    key: ElementKey,
    boundary: NodeIdx,
    variables: Map<String, Json>,
) -> Result<(), Error> {
    let def = run.def;
    let boundary_node = def.node(boundary);
    let activity_id = run
        .state
        .elements
        .get(&key)
        .map(|e| e.element_id.clone())
        .ok_or(Error::ElementNotActive(key))?;
    let FlowNodeKind::BoundaryEvent {
        attached_to,
        cancel_activity,
        ..
    } = &boundary_node.kind
    else {
        return Err(Error::NotWaiting {
            element_id: boundary_node.id.clone(),
            expected: "an event",
        });
    };
    if def.node(*attached_to).id != activity_id {
        return Err(Error::NotWaiting {
            element_id: boundary_node.id.clone(),
            expected: "an event of this activity",
        });
    }
    let scope = run.parent_of(key);
    if *cancel_activity {
        run.terminate(key);
    }
    run.set_from_event(scope, variables);
    run.state.agenda.push_back(Action::Activate {
        scope,
        element_id: boundary_node.id.clone(),
    });
    Ok(())
}

/// Throws error `code` (with `message`, if any) from element instance `key`: the nearest
/// catcher outward catches it: the element's own error boundary event, then an error event
/// sub-process of the scope it runs in, then the boundary events of that scope's activity, and
/// so on. `variables` and the catcher's code and message variables land in the catching scope.
/// Returns false when nothing catches it.
pub fn throw_error(
    run: &mut Run<'_>,
    key: ElementKey,
    code: &str,
    message: Option<&str>,
    variables: Map<String, Json>,
) -> bool {
    let thrown = Thrown::Error { code, message };
    let def = run.def;
    let mut current = key;
    for _ in 0..=run.state.elements.len() {
        if current == ROOT_KEY {
            return false;
        }
        let Some(element) = run.state.elements.get(&current) else {
            return false;
        };
        let parent = element.parent.unwrap_or(ROOT_KEY);
        // An inner instance of a multi-instance activity: its body holds the boundary events.
        let inner = super::multi_instance::body_of(run.state, current).is_some();
        if let Some(node) = def.node_by_id(&element.element_id)
            && !inner
            && let Some(boundary) = matching_error_boundary(run, def.node(node), code)
        {
            let boundary_node = def.node(boundary);
            let mut variables = variables;
            if let FlowNodeKind::BoundaryEvent { trigger, .. } = &boundary_node.kind {
                thrown.caught_into(trigger, &mut variables);
            }
            let boundary_id = boundary_node.id.clone();
            run.terminate(current);
            run.set_from_event(parent, variables);
            run.state.agenda.push_back(Action::Activate {
                scope: parent,
                element_id: boundary_id,
            });
            return true;
        }
        let from = element.element_id.clone();
        if event_sub_process::catch(run, parent, &from, &thrown, variables.clone()).is_some() {
            return true;
        }
        current = parent;
    }
    false
}

/// The error boundary of `node` that catches `code`: one naming that code first, else one
/// catching every error.
fn matching_error_boundary(run: &Run<'_>, node: &FlowNode, code: &str) -> Option<NodeIdx> {
    let def = run.def;
    let mut catch_all = None;
    for boundary in &node.boundary_events {
        if let FlowNodeKind::BoundaryEvent {
            trigger: EventTrigger::Error(error),
            ..
        } = &def.node(*boundary).kind
        {
            match &error.code {
                Some(c) if c == code => return Some(*boundary),
                Some(_) => {}
                None => catch_all = catch_all.or(Some(*boundary)),
            }
        }
    }
    catch_all
}
