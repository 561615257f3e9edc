//! Conditional events (`conditionalEventDefinition`), as Camunda 7 runs them: an intermediate
//! catch event evaluates its condition when it is reached and passes at once when it holds,
//! else waits; a conditional boundary event (interrupting or not) and a conditional event
//! sub-process start event (interrupting or not) are evaluated once the run that opened them
//! settles (the activity or scope has just started). Every open conditional wait of the instance
//! is evaluated again whenever variables changed during the step (set variables, job, task or
//! message variables, input and output mappings, scripts), each time the run settles with
//! nothing left to do; with `camunda:variableName`, only a change of that variable counts. A
//! true condition fires the event: the catch event completes, the boundary event starts its path
//! (terminating its activity when interrupting), the event sub-process starts; after an
//! event-based gateway, the gateway completes through it (a conditional catch event there is
//! evaluated once the run that reached the gateway settles, and at every change after). As one
//! definition of an event with several, the condition occurring fires the event (a parallel
//! multiple event records it and fires once the others have occurred too). A
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

use keel_bpmn::{ConditionalRef, EventTrigger, FlowNodeKind, ProcessDefinition, VariableEvents};
use serde_json::{Map, Value as Json};

use super::waits;
use crate::runtime::Occurrence;
use crate::runtime::eval::{self, Failure};
use crate::runtime::flow::Run;
use crate::runtime::state::{ElementKey, ElementState, InstanceState};

/// The variables of every scope of an instance, by element instance.
pub type Snapshot = BTreeMap<ElementKey, Map<String, Json>>;

/// True when the process has a conditional event anywhere (also as one of several
/// definitions).
pub fn has_any(def: &ProcessDefinition) -> bool {
    def.nodes.iter().any(|n| conditional_of(&n.kind).is_some())
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
struct Wait {
    /// The wait (owner, event, how they relate).
    open: waits::OpenWait,
    /// The owner is the catch event itself.
    own_catch: bool,
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
        let (key, event) = (wait.open.owner, wait.open.event);
        let node = run.def.node(event);
        let Some((_, conditional)) = conditional_of(&node.kind) else {
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
        // An earlier firing may have ended the owner. An activity with an incident (a failed
        // job, a called instance's incident) still takes its boundary events, as it does
        // messages, timers and signals; other owners wait for the resolution.
        let Some(owner) = run.state.elements.get(&key) else {
            continue;
        };
        let has_incident = owner.incident.is_some();
        let live = owner.state == ElementState::Active
            && (!has_incident || wait.open.kind == waits::WaitKind::Boundary);
        if !relevant || !live {
            continue;
        }
        match holds(run, key, &node.id, conditional) {
            Ok(false) => {}
            Ok(true) => fired |= fire(run, &wait),
            // The owner's incident stands; this condition is evaluated again at the next change.
            Err(_) if has_incident => {}
            Err(failure) => {
                if wait.own_catch
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

/// Fires `wait` (the condition is one definition of a parallel multiple event: records it);
/// true when the run has work again.
fn fire(run: &mut Run<'_>, wait: &Wait) -> bool {
    let (key, event) = (wait.open.owner, wait.open.event);
    let event_id = run.def.node(event).id.clone();
    let pending = run.state.agenda.len();
    let ok = run
        .event_arrived(
            key,
            &event_id,
            Occurrence::Condition,
            Map::new(),
            "a condition",
        )
        .is_ok();
    ok && run.state.agenda.len() > pending
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

/// The conditional definition of an event (its only one, or one of several) with its index.
fn conditional_of(kind: &FlowNodeKind) -> Option<(u32, &ConditionalRef)> {
    let trigger = match kind {
        FlowNodeKind::StartEvent { trigger, .. }
        | FlowNodeKind::IntermediateCatchEvent { trigger }
        | FlowNodeKind::BoundaryEvent { trigger, .. } => trigger,
        _ => return None,
    };
    trigger
        .definitions()
        .iter()
        .enumerate()
        .find_map(|(i, d)| match d {
            EventTrigger::Conditional(c) => Some((u32::try_from(i).unwrap_or(u32::MAX), c)),
            _ => None,
        })
}

/// Every conditional wait open in the instance whose condition has not occurred yet (a
/// parallel multiple event's), in element-instance order. A process's own start event is
/// evaluated only when asked (`start_condition_holds`), unless it waits for the rest of a
/// parallel multiple start.
fn open_waits(run: &Run<'_>) -> Vec<Wait> {
    let def = run.def;
    waits::open(run)
        .into_iter()
        .filter_map(|open| {
            let node = def.node(open.event);
            let (index, _) = conditional_of(&node.kind)?;
            if waits::has_occurred(run, open.owner, &node.id, index) {
                return None;
            }
            let own_catch = open.kind == waits::WaitKind::Own
                && matches!(node.kind, FlowNodeKind::IntermediateCatchEvent { .. });
            Some(Wait { open, own_catch })
        })
        .collect()
}
