//! Compensation. An activity with a compensation boundary event (associated with a handler, an
//! activity with `isForCompensation="true"`) is recorded in its scope instance when it completes.
//! A compensation throw event (intermediate throw or end event) compensates, in reverse order of
//! completion, every recorded activity of its scope, or only the one its `activityRef` names: it
//! starts each handler in that scope (each recorded completion at most once) and, with
//! `waitForCompletion` (the default), waits until they have completed. Not yet: compensation
//! event sub-processes, and compensating the activities inside a completed sub-process.

use keel_bpmn::{CompensateRef, FlowNode};

use super::Activation;
use crate::runtime::flow::Run;
use crate::runtime::state::{Action, ElementKey};

/// Element `node` completed in scope instance `scope` (not an inner instance of a
/// multi-instance activity): records it when it can be compensated, and tells the throw event
/// waiting for it when it is a compensation handler.
pub fn completed(run: &mut Run<'_>, scope: ElementKey, node: &FlowNode) {
    if node.compensation_handler.is_some()
        && let Some(instance) = run.state.elements.get_mut(&scope)
    {
        instance.compensable.push(node.id.clone());
    }
    if !node.is_for_compensation {
        return;
    }
    let thrower = run
        .state
        .elements
        .iter_mut()
        .find(|(_, e)| e.parent == Some(scope) && e.compensating.contains(&node.id));
    if let Some((key, element)) = thrower {
        if let Some(i) = element.compensating.iter().position(|h| *h == node.id) {
            element.compensating.remove(i);
        }
        if element.compensating.is_empty() {
            let key = *key;
            run.state.agenda.push_back(Action::Complete { key });
        }
    }
}

/// Compensation throw event instance `key`: starts the handlers; returns how it goes on.
pub fn throw(run: &mut Run<'_>, key: ElementKey, compensate: &CompensateRef) -> Activation {
    let def = run.def;
    let scope = run.parent_of(key);
    let Some(instance) = run.state.elements.get_mut(&scope) else {
        return Activation::Complete;
    };
    let mut targets = Vec::new();
    instance.compensable.retain(|id| {
        let hit = compensate.activity.as_deref().is_none_or(|a| a == id);
        if hit {
            targets.push(id.clone());
        }
        !hit
    });
    let mut handlers = Vec::new();
    for activity in targets.iter().rev() {
        let handler = def
            .node_by_id(activity)
            .and_then(|n| def.node(n).compensation_handler)
            .map(|h| def.node(h).id.clone());
        if let Some(handler) = handler {
            run.state.agenda.push_back(Action::Activate {
                scope,
                element_id: handler.clone(),
            });
            handlers.push(handler);
        }
    }
    if handlers.is_empty() || !compensate.wait_for_completion {
        return Activation::Complete;
    }
    if let Some(thrower) = run.state.elements.get_mut(&key) {
        thrower.compensating = handlers;
    }
    Activation::Wait
}
