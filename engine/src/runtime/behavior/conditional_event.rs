//! Conditional events (`conditionalEventDefinition`), as Camunda 7 runs them: an intermediate
//! catch event evaluates its condition when it is reached and passes at once when it holds,
//! else waits; a conditional boundary event (interrupting or not) and a conditional event
//! sub-process start event (interrupting or not) are evaluated once the run that opened them
//! settles (the activity or scope has just started). Every open conditional wait of the instance
//! is evaluated again whenever variables changed during the step (set variables, job, task or
//! message variables, input and output mappings, scripts), each time the run settles with
//! nothing left to do; with `camunda:variableName`, only a change of that variable counts. A
//! true condition fires the event: the catch event completes, the boundary event starts its path
//! (terminating its activity when interrupting), the event sub-process starts. A
//! non-interrupting event fires again whenever a later run settles with changed variables while
//! its condition holds (Camunda 7 fires it once per changed variable; Keel once per settle). Conditions are evaluated in the scope of the element owning the wait; a
//! change anywhere in the instance counts. A condition that reads a variable not defined yet
//! does not hold (as in Camunda 7); another null or non-boolean value is an `expression_error`
//! incident on the owner (a catch event evaluates again when it is resolved; a boundary or
//! start event at the next change). `camunda:variableEvents` (`create`, `update`, `delete`)
//! restricts which kinds of change count: a variable set in a scope that did not hold it is
//! created there, one that got another value updated, one removed from a scope that still runs
//! deleted.

use std::collections::{BTreeMap, BTreeSet};

use keel_bpmn::{
    ConditionalRef, EventTrigger, FlowNodeKind, NodeIdx, ProcessDefinition, VariableEvents,
};
use serde_json::{Map, Value as Json};

use crate::runtime::eval::{self, Failure};
use crate::runtime::flow::Run;
use crate::runtime::state::{Action, ElementKey, ElementState, InstanceState};

/// The variables of every scope of an instance, by element instance.
pub type Snapshot = BTreeMap<ElementKey, Map<String, Json>>;

/// True when the process has a conditional event anywhere.
pub fn has_any(def: &ProcessDefinition) -> bool {
    def.nodes.iter().any(|n| {
        matches!(
            &n.kind,
            FlowNodeKind::StartEvent {
                trigger: EventTrigger::Conditional(_),
                ..
            } | FlowNodeKind::IntermediateCatchEvent {
                trigger: EventTrigger::Conditional(_)
            } | FlowNodeKind::BoundaryEvent {
                trigger: EventTrigger::Conditional(_),
                ..
            }
        )
    })
}

/// The variables of every element instance that holds some.
pub fn snapshot(state: &InstanceState) -> Snapshot {
    state
        .elements
        .iter()
        .filter_map(|(k, e)| e.variables.as_ref().map(|v| (*k, v.clone())))
        .collect()
}

/// Evaluates the condition of conditional event `element_id` in the scope of element instance
/// `key`.
pub fn holds(
    run: &Run<'_>,
    key: ElementKey,
    element_id: &str,
    conditional: &ConditionalRef,
) -> Result<bool, Failure> {
    let what = format!("condition of '{element_id}'");
    eval::condition_unless_missing(run.state, key, &run.now, &conditional.condition, &what)
}

/// One open conditional wait.
enum Wait {
    /// An intermediate catch event instance.
    Catch { key: ElementKey, event: NodeIdx },
    /// A boundary event of the activity instance `key`.
    Boundary { key: ElementKey, event: NodeIdx },
    /// An event sub-process start event of the scope instance `key`.
    Start { key: ElementKey, event: NodeIdx },
}

impl Wait {
    fn parts(&self) -> (ElementKey, NodeIdx) {
        match self {
            Wait::Catch { key, event }
            | Wait::Boundary { key, event }
            | Wait::Start { key, event } => (*key, *event),
        }
    }
}

/// Called when the run has nothing left to do: evaluates the conditional waits opened since
/// the last call, and every open one when variables changed. Returns true when an event fired
/// (the run has work again).
pub fn settle(run: &mut Run<'_>) -> bool {
    let Some(before) = run.condition_variables.take() else {
        return false;
    };
    let now = snapshot(run.state);
    let changed = changes(&before, &now);
    run.condition_variables = Some(now);
    let fresh: BTreeSet<ElementKey> = std::mem::take(&mut run.conditions_opened)
        .into_iter()
        .collect();
    if changed.is_empty() && fresh.is_empty() {
        return false;
    }
    let mut fired = false;
    for wait in open_waits(run) {
        let (key, event) = wait.parts();
        let node = run.def.node(event);
        let Some(conditional) = conditional_of(&node.kind) else {
            continue;
        };
        let counts = |change: &VariableEvents| {
            conditional
                .variable_events
                .is_none_or(|events| events.accepts(*change))
        };
        let relevant = fresh.contains(&key)
            || match &conditional.variable_name {
                Some(name) => changed.get(name).is_some_and(counts),
                None => changed.values().any(counts),
            };
        // An earlier firing may have ended the owner.
        let live = run
            .state
            .elements
            .get(&key)
            .is_some_and(|e| e.state == ElementState::Active && e.incident.is_none());
        if !relevant || !live {
            continue;
        }
        match holds(run, key, &node.id, conditional) {
            Ok(false) => {}
            Ok(true) => fired |= fire(run, &wait),
            Err(failure) => {
                if matches!(wait, Wait::Catch { .. })
                    && let Some(element) = run.state.elements.get_mut(&key)
                {
                    // Resolving the incident evaluates the catch event again.
                    element.state = ElementState::Activating;
                }
                run.raise(key, failure);
            }
        }
    }
    fired
}

/// Fires `wait`; true when the run has work again.
fn fire(run: &mut Run<'_>, wait: &Wait) -> bool {
    match *wait {
        Wait::Catch { key, .. } => {
            run.state.agenda.push_back(Action::Complete { key });
            true
        }
        Wait::Boundary { key, event } => {
            super::boundary_event::trigger(run, key, event, Map::new()).is_ok()
        }
        Wait::Start { key, event } => {
            super::event_sub_process::trigger(run, key, event, Map::new()).is_ok()
        }
    }
}

/// The variables that are new, changed or removed in `now`, with the kinds of change each saw
/// (a scope that ended is no change).
fn changes(before: &Snapshot, now: &Snapshot) -> BTreeMap<String, VariableEvents> {
    let empty = Map::new();
    let mut changed: BTreeMap<String, VariableEvents> = BTreeMap::new();
    for (key, variables) in now {
        let old = before.get(key).unwrap_or(&empty);
        for (name, value) in variables {
            match old.get(name) {
                Some(previous) if previous == value => {}
                Some(_) => changed.entry(name.clone()).or_default().update = true,
                None => changed.entry(name.clone()).or_default().create = true,
            }
        }
        for name in old.keys() {
            if !variables.contains_key(name) {
                changed.entry(name.clone()).or_default().delete = true;
            }
        }
    }
    changed
}

fn conditional_of(kind: &FlowNodeKind) -> Option<&ConditionalRef> {
    match kind {
        FlowNodeKind::StartEvent {
            trigger: EventTrigger::Conditional(c),
            ..
        }
        | FlowNodeKind::IntermediateCatchEvent {
            trigger: EventTrigger::Conditional(c),
        }
        | FlowNodeKind::BoundaryEvent {
            trigger: EventTrigger::Conditional(c),
            ..
        } => Some(c),
        _ => None,
    }
}

/// Every conditional wait open in the instance, in element-instance order.
fn open_waits(run: &Run<'_>) -> Vec<Wait> {
    let def = run.def;
    let mut waits = Vec::new();
    for (key, element) in &run.state.elements {
        let key = *key;
        if element.state != ElementState::Active || element.incident.is_some() {
            continue;
        }
        if let Some(scope) = super::event_sub_process::scope_of(run, key)
            && element.triggered_by.is_none()
            && !element.compensation
        {
            for esp in def
                .get_scope(scope)
                .map(|s| s.event_sub_processes.as_slice())
                .unwrap_or_default()
            {
                let FlowNodeKind::EventSubProcess { scope } = &def.node(*esp).kind else {
                    continue;
                };
                if let Some(start) = def.get_scope(*scope).and_then(|s| s.start_events.first())
                    && conditional_of(&def.node(*start).kind).is_some()
                {
                    waits.push(Wait::Start { key, event: *start });
                }
            }
        }
        let Some(idx) = def.node_by_id(&element.element_id) else {
            continue;
        };
        let node = def.node(idx);
        if conditional_of(&node.kind).is_some()
            && matches!(node.kind, FlowNodeKind::IntermediateCatchEvent { .. })
        {
            waits.push(Wait::Catch { key, event: idx });
        }
        // The boundary events of a multi-instance activity belong to its body.
        let owns_boundaries = !element.compensation
            && (element.loop_state.is_some()
                || (node.multi_instance.is_none()
                    && super::multi_instance::body_of(run.state, key).is_none()));
        if owns_boundaries {
            for boundary in &node.boundary_events {
                if conditional_of(&def.node(*boundary).kind).is_some() {
                    waits.push(Wait::Boundary {
                        key,
                        event: *boundary,
                    });
                }
            }
        }
    }
    waits
}
