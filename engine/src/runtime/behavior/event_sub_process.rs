//! Event sub-processes: a scope (the process or an embedded sub-process) opens the waits of its
//! event sub-processes' message and timer start events when it starts; they are owned by the
//! scope's element instance, so they close with it. Error and escalation start events need no
//! wait: a thrown error or escalation looks for them from the thrower's scope outward, before the
//! boundary events of the enclosing activity.
//!
//! When a start event occurs, an interrupting event sub-process terminates everything else in the
//! scope (running non-interrupting event sub-processes included) and the scope takes no other
//! event any more (its `triggered_by` names the start event); a non-interrupting one runs beside
//! the rest, and several may run at once. The scope completes when nothing is left in it.

use keel_bpmn::{EventTrigger, FlowNodeKind, NodeIdx, ProcessDefinition, ScopeIdx};
use serde_json::{Map, Value as Json};

use super::Activation;
use super::intermediate_catch_event::open_wait;
use crate::runtime::Error;
use crate::runtime::eval::Failure;
use crate::runtime::flow::Run;
use crate::runtime::state::{Action, ElementKey, ElementState, ROOT_KEY};

/// The event sub-processes of `scope` with their start events.
fn in_scope(def: &ProcessDefinition, scope: ScopeIdx) -> impl Iterator<Item = (NodeIdx, NodeIdx)> {
    def.get_scope(scope)
        .map(|s| s.event_sub_processes.as_slice())
        .unwrap_or_default()
        .iter()
        .filter_map(move |n| match &def.node(*n).kind {
            FlowNodeKind::EventSubProcess { scope } => def
                .get_scope(*scope)
                .and_then(|s| s.start_events.first())
                .map(|start| (*n, *start)),
            _ => None,
        })
}

/// The trigger of a start event and whether it interrupts.
fn start_trigger(def: &ProcessDefinition, start: NodeIdx) -> Option<(&EventTrigger, bool)> {
    match &def.node(start).kind {
        FlowNodeKind::StartEvent {
            trigger,
            interrupting,
        } => Some((trigger, *interrupting)),
        _ => None,
    }
}

/// True when instances of `scope` own waits for event sub-process start events.
pub fn has_waits(def: &ProcessDefinition, scope: ScopeIdx) -> bool {
    in_scope(def, scope).any(|(_, start)| {
        start_trigger(def, start).is_some_and(|(trigger, _)| {
            trigger.definitions().iter().any(|d| {
                matches!(
                    d,
                    EventTrigger::Message(_) | EventTrigger::Timer(_) | EventTrigger::Signal(_)
                )
            })
        })
    })
}

/// Opens the waits of the event sub-processes of `scope`, owned by its instance `key`: all or
/// none (on failure the effects opened so far are dropped).
pub fn open(run: &mut Run<'_>, key: ElementKey, scope: ScopeIdx) -> Result<(), Failure> {
    let def = run.def;
    let opened = run.out.effects.len();
    for (_, start) in in_scope(def, scope) {
        let Some((trigger, interrupting)) = start_trigger(def, start) else {
            continue;
        };
        let id = &def.node(start).id;
        let result = open_wait(run, key, id, trigger, !interrupting);
        if let Err(failure) = result {
            run.out.effects.truncate(opened);
            return Err(failure);
        }
    }
    Ok(())
}

/// Activates an event sub-process instance (its start event has occurred): opens its variable
/// scope and the waits of event sub-processes nested in it, and runs its start event.
pub fn activate(
    run: &mut Run<'_>,
    key: ElementKey,
    scope: ScopeIdx,
) -> Result<Activation, Failure> {
    let def = run.def;
    let start = def
        .get_scope(scope)
        .and_then(|s| s.start_events.first())
        .ok_or_else(|| Failure {
            kind: "expression_error",
            message: "event sub-process has no start event".to_owned(),
        })?;
    if let Some(instance) = run.state.elements.get_mut(&key) {
        instance.variables.get_or_insert_with(Map::new);
    }
    super::data_object::declare(run, key, scope);
    open(run, key, scope)?;
    run.state.agenda.push_back(Action::Activate {
        scope: key,
        element_id: def.node(*start).id.clone(),
    });
    Ok(Activation::Wait)
}

/// True when `node` is the start event of an event sub-process.
pub fn is_start(def: &ProcessDefinition, node: NodeIdx) -> bool {
    let n = def.node(node);
    matches!(n.kind, FlowNodeKind::StartEvent { .. })
        && def
            .get_scope(n.scope)
            .and_then(|s| s.owner)
            .is_some_and(|o| matches!(def.node(o).kind, FlowNodeKind::EventSubProcess { .. }))
}

/// The scope whose instance is `key` (the process, a sub-process or an event sub-process
/// instance); `None` for other elements and for multi-instance bodies.
pub fn scope_of(run: &Run<'_>, key: ElementKey) -> Option<ScopeIdx> {
    if key == ROOT_KEY {
        return Some(ScopeIdx::ROOT);
    }
    let element = run.state.elements.get(&key)?;
    if element.loop_state.is_some() {
        return None;
    }
    let node = run.def.node_by_id(&element.element_id)?;
    match &run.def.node(node).kind {
        FlowNodeKind::SubProcess { scope } | FlowNodeKind::EventSubProcess { scope } => {
            Some(*scope)
        }
        FlowNodeKind::AdHocSubProcess(ad_hoc) => Some(ad_hoc.scope),
        _ => None,
    }
}

/// True when the scope instance `key` still takes events for its event sub-processes: it is
/// active and no interrupting event sub-process has started in it.
fn open_for_events(run: &Run<'_>, key: ElementKey) -> bool {
    run.state
        .elements
        .get(&key)
        .is_some_and(|e| e.state == ElementState::Active && e.triggered_by.is_none())
}

/// True when the scope instance `key` waits for start event `start` of one of its event
/// sub-processes: it is that scope's instance and still takes events.
pub fn accepts(run: &Run<'_>, key: ElementKey, start: NodeIdx) -> bool {
    let def = run.def;
    let esp = def.get_scope(def.node(start).scope).and_then(|s| s.owner);
    let fits = esp.is_some_and(|esp| scope_of(run, key) == Some(def.node(esp).scope));
    fits && open_for_events(run, key)
}

/// The message or timer of start event `start` arrived at the scope instance `key`.
pub fn trigger(
    run: &mut Run<'_>,
    key: ElementKey,
    start: NodeIdx,
    variables: Map<String, Json>,
) -> Result<(), Error> {
    let def = run.def;
    let start_node = def.node(start);
    run.state
        .elements
        .get(&key)
        .ok_or(Error::ElementNotActive(key))?;
    let esp = def.get_scope(start_node.scope).and_then(|s| s.owner);
    let (Some(esp), Some((_, interrupting)), true) =
        (esp, start_trigger(def, start), accepts(run, key, start))
    else {
        return Err(Error::NotWaiting {
            element_id: start_node.id.clone(),
            expected: "an event",
        });
    };
    run_event_sub_process(run, key, esp, start, interrupting, variables);
    Ok(())
}

/// Starts event sub-process `esp` (through `start`) in the scope instance `key`.
fn run_event_sub_process(
    run: &mut Run<'_>,
    key: ElementKey,
    esp: NodeIdx,
    start: NodeIdx,
    interrupting: bool,
    variables: Map<String, Json>,
) {
    let def = run.def;
    if interrupting {
        run.terminate_children(key);
        if let Some(scope) = run.state.elements.get_mut(&key) {
            scope.triggered_by = Some(def.node(start).id.clone());
        }
    }
    run.set_from_event(key, variables);
    run.state.agenda.push_back(Action::Activate {
        scope: key,
        element_id: def.node(esp).id.clone(),
    });
}

/// What a thrown error or escalation is.
pub enum Thrown<'a> {
    /// A BPMN error with this code and message.
    Error {
        /// `errorCode`.
        code: &'a str,
        /// The error's message, if it has one.
        message: Option<&'a str>,
    },
    /// An escalation with this code.
    Escalation(&'a str),
}

impl Thrown<'_> {
    /// The thrown code.
    pub fn code(&self) -> &str {
        match self {
            Thrown::Error { code, .. } | Thrown::Escalation(code) => code,
        }
    }

    /// The variables a catch event defined by `trigger` stores what it caught in
    /// (`camunda:errorCodeVariable`, `errorMessageVariable`, `escalationCodeVariable`), added
    /// to `variables`.
    pub fn caught_into(&self, trigger: &EventTrigger, variables: &mut Map<String, Json>) {
        match (trigger, self) {
            (EventTrigger::Error(error), Thrown::Error { code, message }) => {
                if let Some(name) = &error.code_variable {
                    variables.insert(name.clone(), Json::String((*code).to_owned()));
                }
                if let Some(name) = &error.message_variable {
                    let message = message.map_or(Json::Null, |m| Json::String(m.to_owned()));
                    variables.insert(name.clone(), message);
                }
            }
            (EventTrigger::Escalation(escalation), Thrown::Escalation(code)) => {
                if let Some(name) = &escalation.code_variable {
                    variables.insert(name.clone(), Json::String((*code).to_owned()));
                }
            }
            _ => {}
        }
    }
}

/// An error or escalation thrown inside the scope instance `key`: starts the event sub-process
/// of that scope whose start event catches it (one naming the code first, else one catching
/// every code). `from` is the element id of the child of `key` the throw came through: an event
/// sub-process never catches what is thrown inside itself (a rethrow goes further out). Returns
/// whether it interrupts, or `None` when no event sub-process catches it.
pub fn catch(
    run: &mut Run<'_>,
    key: ElementKey,
    from: &str,
    thrown: &Thrown<'_>,
    mut variables: Map<String, Json>,
) -> Option<bool> {
    let def = run.def;
    let scope = scope_of(run, key)?;
    if !open_for_events(run, key) {
        return None;
    }
    let mut catch_all = None;
    let mut found = None;
    for (esp, start) in in_scope(def, scope) {
        if def.node(esp).id == from {
            continue;
        }
        let Some((trigger, interrupting)) = start_trigger(def, start) else {
            continue;
        };
        let code = match (trigger, thrown) {
            (EventTrigger::Error(e), Thrown::Error { .. }) => e.code.as_deref(),
            (EventTrigger::Escalation(e), Thrown::Escalation(_)) => e.code.as_deref(),
            _ => continue,
        };
        let thrown_code = thrown.code();
        match code {
            Some(c) if c == thrown_code => {
                found = Some((esp, start, interrupting));
                break;
            }
            Some(_) => {}
            None => catch_all = catch_all.or(Some((esp, start, interrupting))),
        }
    }
    let (esp, start, interrupting) = found.or(catch_all)?;
    if let Some((trigger, _)) = start_trigger(def, start) {
        thrown.caught_into(trigger, &mut variables);
    }
    run_event_sub_process(run, key, esp, start, interrupting, variables);
    Some(interrupting)
}
