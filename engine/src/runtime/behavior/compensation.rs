//! Compensation. A completed activity is recorded in its scope instance when it can be
//! compensated: an activity with a compensation boundary event (associated with a handler, an
//! activity with `isForCompensation="true"`), or a sub-process without one whose inner
//! activities can be compensated or that holds a compensation event sub-process (with what
//! completed inside it).
//!
//! A compensation throw event (intermediate throw or end event) compensates, in reverse order of
//! completion, every recorded activity of its scope, or only the one its `activityRef` names,
//! each recorded completion at most once: it starts an activity's handler in that scope, or
//! re-creates a recorded sub-process there (an instance that runs no start event and takes no
//! flows) which runs its compensation event sub-process if it has one, else compensates what
//! completed inside it the same way. With `waitForCompletion` (the default) the throw event
//! completes once every handler and re-created sub-process has. A cancel end event compensates
//! its transaction the same way (see `transaction`). Each inner instance of a completed
//! multi-instance sub-process without a handler is recorded on its own.
//!
//! Data snapshots (Camunda 7's): a recorded sub-process keeps its local variables as they were
//! when it completed, and the instance re-created to compensate it starts with them, so the
//! handlers and the compensation event sub-process running in it see them (an inner instance of
//! a multi-instance sub-process: its own input element and `loopCounter` too). A handler of an
//! activity recorded directly in a scope that still runs sees that scope's current variables.

use keel_bpmn::{CompensateRef, EventTrigger, FlowNode, FlowNodeKind, ScopeIdx};

use super::Activation;
use crate::runtime::flow::Run;
use crate::runtime::state::{Action, Compensable, ElementKey, ROOT_KEY};

/// An element instance that just completed, as compensation sees it.
pub struct Completed<'a> {
    /// Its flow node.
    pub node: &'a FlowNode,
    /// It was a sub-process re-created to compensate.
    pub recreated: bool,
    /// It was a multi-instance body (`inner`: what its inner instances left to compensate).
    pub body: bool,
    /// What could be compensated inside it (a sub-process).
    pub inner: Vec<Compensable>,
    /// Its local variables when it completed.
    pub variables: Option<serde_json::Map<String, serde_json::Value>>,
}

/// Element instance `done` completed in scope instance `scope` (not an inner instance of a
/// multi-instance activity): records it when it can be compensated, and tells the throw event
/// waiting for it when it is a compensation handler or a re-created sub-process.
pub fn completed(run: &mut Run<'_>, scope: ElementKey, done: Completed<'_>) {
    let node = done.node;
    if done.body && node.compensation_handler.is_none() {
        // Each inner instance of a multi-instance sub-process is compensated on its own.
        if let Some(instance) = run.state.elements.get_mut(&scope) {
            instance.compensable.extend(done.inner);
        }
    } else if !done.recreated {
        let entry = if node.compensation_handler.is_some() {
            Some(Compensable::Activity(node.id.clone()))
        } else if !done.inner.is_empty() || compensation_event_sub_process(run, node).is_some() {
            Some(Compensable::Scope {
                id: node.id.clone(),
                inner: done.inner,
                variables: done.variables,
            })
        } else {
            None
        };
        if let Some(entry) = entry
            && let Some(instance) = run.state.elements.get_mut(&scope)
        {
            instance.compensable.push(entry);
        }
    }
    if !node.is_for_compensation && !done.recreated {
        return;
    }
    // The thrower lies in `scope`, or in event sub-processes running in it.
    let thrower = run
        .state
        .elements
        .iter()
        .filter(|(_, e)| e.compensating.contains(&node.id))
        .map(|(k, _)| *k)
        .find(|k| compensated_scope(run, *k) == scope);
    let Some(key) = thrower else {
        return;
    };
    let Some(element) = run.state.elements.get_mut(&key) else {
        return;
    };
    if let Some(i) = element.compensating.iter().position(|h| *h == node.id) {
        element.compensating.remove(i);
    }
    if !element.compensating.is_empty() {
        return;
    }
    let element_id = element.element_id.clone();
    let cancels = run.def.node_by_id(&element_id).is_some_and(|n| {
        matches!(
            run.def.node(n).kind,
            FlowNodeKind::EndEvent {
                result: EventTrigger::Cancel
            }
        )
    });
    if cancels {
        super::transaction::leave(run, key);
    } else {
        run.state.agenda.push_back(Action::Complete { key });
    }
}

/// An inner instance of the multi-instance sub-process whose body is `body` completed: what
/// can be compensated inside it is kept by the body (the body hands it to its scope when it
/// completes).
pub fn iteration_completed(run: &mut Run<'_>, body: ElementKey, done: Completed<'_>) {
    let node = done.node;
    if node.compensation_handler.is_some()
        || (done.inner.is_empty() && compensation_event_sub_process(run, node).is_none())
    {
        return;
    }
    if let Some(instance) = run.state.elements.get_mut(&body) {
        instance.compensable.push(Compensable::Scope {
            id: node.id.clone(),
            inner: done.inner,
            variables: done.variables,
        });
    }
}

/// Compensation throw event instance `key`: starts the handlers; returns how it goes on.
/// Inside an event sub-process (an error handler, a compensation event sub-process...) it
/// compensates the scope the event sub-process runs in (Camunda 7: event sub-processes do not
/// consume compensation).
pub fn throw(run: &mut Run<'_>, key: ElementKey, compensate: &CompensateRef) -> Activation {
    let scope = compensated_scope(run, key);
    let started = start(run, scope, compensate.activity.as_deref());
    if started.is_empty() || !compensate.wait_for_completion {
        return Activation::Complete;
    }
    wait_for(run, key, started);
    Activation::Wait
}

/// Makes element instance `key` wait for the handlers and re-created sub-processes `started`.
pub fn wait_for(run: &mut Run<'_>, key: ElementKey, started: Vec<String>) {
    if let Some(thrower) = run.state.elements.get_mut(&key) {
        thrower.compensating = started;
    }
}

/// Compensates, in reverse order of completion, the recorded completions of scope instance
/// `scope` (only those of `activity` when given): each is taken off the record and its handler
/// started, or its sub-process re-created, in `scope`. Returns the BPMN ids started.
pub fn start(run: &mut Run<'_>, scope: ElementKey, activity: Option<&str>) -> Vec<String> {
    let def = run.def;
    let Some(instance) = run.state.elements.get_mut(&scope) else {
        return Vec::new();
    };
    let mut targets = Vec::new();
    instance.compensable.retain(|entry| {
        let hit = activity.is_none_or(|a| a == entry.id());
        if hit {
            targets.push(entry.clone());
        }
        !hit
    });
    let mut started = Vec::new();
    for target in targets.into_iter().rev() {
        match target {
            Compensable::Activity(activity) => {
                let handler = def
                    .node_by_id(&activity)
                    .and_then(|n| def.node(n).compensation_handler)
                    .map(|h| def.node(h).id.clone());
                if let Some(handler) = handler {
                    run.state.agenda.push_back(Action::Activate {
                        scope,
                        element_id: handler.clone(),
                    });
                    started.push(handler);
                }
            }
            Compensable::Scope {
                id,
                inner,
                variables,
            } => {
                run.state.agenda.push_back(Action::Compensate {
                    scope,
                    element_id: id.clone(),
                    inner,
                    variables,
                });
                started.push(id);
            }
        }
    }
    started
}

/// Activates a sub-process instance `key` re-created to compensate: runs its compensation event
/// sub-process, else compensates what completed inside it; it completes when that is done.
pub fn activate_recreated(run: &mut Run<'_>, key: ElementKey, node: &FlowNode) -> Activation {
    if let Some(instance) = run.state.elements.get_mut(&key) {
        instance.variables.get_or_insert_with(serde_json::Map::new);
    }
    if let Some(esp) = compensation_event_sub_process(run, node) {
        if let Some(instance) = run.state.elements.get_mut(&key) {
            instance.compensable.clear();
        }
        run.state.agenda.push_back(Action::Activate {
            scope: key,
            element_id: esp,
        });
        return Activation::Wait;
    }
    if start(run, key, None).is_empty() {
        Activation::Complete
    } else {
        Activation::Wait
    }
}

/// The compensation event sub-process directly in sub-process `node`, by BPMN id.
fn compensation_event_sub_process(run: &Run<'_>, node: &FlowNode) -> Option<String> {
    let def = run.def;
    let scope = inner_scope(node)?;
    def.get_scope(scope)?
        .event_sub_processes
        .iter()
        .find(|esp| {
            let FlowNodeKind::EventSubProcess { scope } = &def.node(**esp).kind else {
                return false;
            };
            def.get_scope(*scope)
                .and_then(|s| s.start_events.first())
                .is_some_and(|start| {
                    matches!(
                        def.node(*start).kind,
                        FlowNodeKind::StartEvent {
                            trigger: EventTrigger::Compensation(_),
                            ..
                        }
                    )
                })
        })
        .map(|esp| def.node(*esp).id.clone())
}

/// The scope instance a compensation throw event instance `key` compensates: the one it runs
/// in, or, from inside event sub-processes, the first scope around them that is none.
fn compensated_scope(run: &Run<'_>, key: ElementKey) -> ElementKey {
    let mut scope = run.parent_of(key);
    for _ in 0..run.state.elements.len() {
        if scope == ROOT_KEY || !is_event_sub_process(run, scope) {
            break;
        }
        scope = run.parent_of(scope);
    }
    scope
}

/// True when element instance `key` is an event sub-process (of any start event).
fn is_event_sub_process(run: &Run<'_>, key: ElementKey) -> bool {
    let def = run.def;
    run.state
        .elements
        .get(&key)
        .and_then(|e| def.node_by_id(&e.element_id))
        .is_some_and(|node| matches!(def.node(node).kind, FlowNodeKind::EventSubProcess { .. }))
}

/// The scope of a sub-process (embedded, transaction or ad-hoc).
fn inner_scope(node: &FlowNode) -> Option<ScopeIdx> {
    match &node.kind {
        FlowNodeKind::SubProcess { scope } => Some(*scope),
        FlowNodeKind::AdHocSubProcess(ad_hoc) => Some(ad_hoc.scope),
        _ => None,
    }
}
