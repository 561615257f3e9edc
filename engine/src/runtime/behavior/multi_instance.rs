//! Multi-instance activities. The activity first runs as a multi-instance body (element type
//! `multiInstanceBody`, same BPMN id) in its scope; the body evaluates the input collection (or
//! `loopCardinality`) once, keeps the items in its [`LoopState`] and its counters
//! (`nrOfInstances`, `nrOfCompletedInstances`, `nrOfActiveInstances`) and output collection in its
//! local variables, and owns the activity's boundary events. Its children are the inner
//! instances, which run the activity itself, each in its own variable scope holding `loopCounter`
//! and the input element: all at once (parallel) or one after the other (sequential). After each
//! inner completion the output element is stored at the inner instance's position and the
//! completion condition is evaluated; true terminates the inner instances still running. The body
//! completes when every inner instance has completed (or the condition held) and hands its output
//! collection to its scope.

use keel_bpmn::{FlowNode, MultiInstance};
use keel_feel::Value;
use serde_json::{Map, Value as Json};

use super::Activation;
use crate::runtime::eval::{self, Failure};
use crate::runtime::flow::Run;
use crate::runtime::state::{Action, ElementKey, InstanceState, LoopState};
use crate::runtime::variables::{self, ScopeView};

/// The element type the history and audit report for a multi-instance body.
pub const BODY_TYPE: &str = "multiInstanceBody";
/// Most inner instances one body may run.
pub const MAX_INSTANCES: u32 = 10_000;

const NR_OF_INSTANCES: &str = "nrOfInstances";
const NR_OF_COMPLETED: &str = "nrOfCompletedInstances";
const NR_OF_ACTIVE: &str = "nrOfActiveInstances";
const LOOP_COUNTER: &str = "loopCounter";

/// True when element instance `key` is a multi-instance body.
pub fn is_body(state: &InstanceState, key: ElementKey) -> bool {
    state
        .elements
        .get(&key)
        .is_some_and(|e| e.loop_state.is_some())
}

/// The body element instance `key` is an inner instance of, if it is one.
pub fn body_of(state: &InstanceState, key: ElementKey) -> Option<ElementKey> {
    let element = state.elements.get(&key)?;
    let parent = element.parent?;
    let body = state.elements.get(&parent)?;
    (body.loop_state.is_some() && body.element_id == element.element_id).then_some(parent)
}

/// Activates body `key`: evaluates how many inner instances to run and starts the first (or all).
pub fn activate_body(
    run: &mut Run<'_>,
    key: ElementKey,
    node: &FlowNode,
    mi: &MultiInstance,
) -> Result<Activation, Failure> {
    let (count, items) = instances(run, key, node, mi)?;
    if let Some(body) = run.state.elements.get_mut(&key) {
        body.loop_state = Some(LoopState {
            count,
            created: 0,
            items,
        });
    }
    set_counter(run.state, key, NR_OF_INSTANCES, i64::from(count));
    set_counter(run.state, key, NR_OF_COMPLETED, 0);
    set_counter(run.state, key, NR_OF_ACTIVE, 0);
    if let Some(output) = &mi.output_collection {
        let nulls = vec![Json::Null; count as usize];
        variables::set_local(run.state, key, output, Json::Array(nulls));
    }
    if count == 0 {
        return Ok(Activation::Complete);
    }
    let first = if mi.is_sequential { 1 } else { count };
    for _ in 0..first {
        run.state.agenda.push_back(Action::Activate {
            scope: key,
            element_id: node.id.clone(),
        });
    }
    Ok(Activation::Wait)
}

/// The number of inner instances and the items they get.
fn instances(
    run: &Run<'_>,
    key: ElementKey,
    node: &FlowNode,
    mi: &MultiInstance,
) -> Result<(u32, Vec<Json>), Failure> {
    let (count, items) = if let Some(collection) = &mi.input_collection {
        match eval::evaluate(run.state, key, &run.now, collection)?.to_json() {
            Json::Array(items) => (u32::try_from(items.len()).unwrap_or(u32::MAX), items),
            other => {
                return Err(Failure::expression(format!(
                    "input collection '{}' of '{}' evaluated to {other}, expected a list",
                    collection.source(),
                    node.id
                )));
            }
        }
    } else if let Some(cardinality) = &mi.loop_cardinality {
        let value = eval::evaluate(run.state, key, &run.now, cardinality)?.to_json();
        let count = whole_number(&value).ok_or_else(|| {
            Failure::expression(format!(
                "loopCardinality '{}' of '{}' evaluated to {value}, expected a non-negative whole number",
                cardinality.source(),
                node.id
            ))
        })?;
        (count, Vec::new())
    } else {
        return Err(Failure::expression(format!(
            "multi-instance '{}' has neither an input collection nor a loopCardinality",
            node.id
        )));
    };
    if count > MAX_INSTANCES {
        return Err(Failure::expression(format!(
            "multi-instance '{}' would run {count} instances; at most {MAX_INSTANCES} are allowed",
            node.id
        )));
    }
    Ok((count, items))
}

fn whole_number(value: &Json) -> Option<u32> {
    let n = value.as_number()?;
    if let Some(u) = n.as_u64() {
        return u32::try_from(u).ok();
    }
    let f = n.as_f64()?;
    (f >= 0.0 && f.fract() == 0.0 && f <= f64::from(u32::MAX)).then_some(f as u32)
}

/// Sets up inner instance `key` of body `body`: its `loopCounter` and input element, local to
/// it. Called once, when the inner instance is created (before its input mappings).
pub fn init_inner(run: &mut Run<'_>, body: ElementKey, key: ElementKey, mi: &MultiInstance) {
    let Some(state) = run
        .state
        .elements
        .get_mut(&body)
        .and_then(|b| b.loop_state.as_mut())
    else {
        return;
    };
    let index = state.created;
    state.created = state.created.saturating_add(1);
    let item = state.items.get(index as usize).cloned();
    if state.created >= state.count {
        state.items = Vec::new();
    }
    let mut local = Map::new();
    local.insert(
        LOOP_COUNTER.to_owned(),
        Json::from(mi.loop_counter_start + i64::from(index)),
    );
    if let Some(name) = &mi.input_element {
        local.insert(name.clone(), item.unwrap_or(Json::Null));
    }
    if let Some(inner) = run.state.elements.get_mut(&key) {
        inner.variables = Some(local);
    }
    add_to_counter(run.state, body, NR_OF_ACTIVE, 1);
}

/// Inner instance `key` of body `body` is completing: stores its output element, counts it, and
/// evaluates the completion condition (true: the body is done). On failure nothing changed.
pub fn inner_completing(
    run: &mut Run<'_>,
    key: ElementKey,
    body: ElementKey,
    mi: &MultiInstance,
) -> Result<bool, Failure> {
    let output = match (&mi.output_collection, &mi.output_element) {
        (Some(name), Some(expr)) => Some((
            name,
            eval::evaluate(run.state, key, &run.now, expr)?.to_json(),
        )),
        _ => None,
    };
    let saved = run
        .state
        .elements
        .get(&body)
        .and_then(|b| b.variables.clone());
    if let Some((name, value)) = output {
        let index = ScopeView::new(run.state, key)
            .get(LOOP_COUNTER)
            .and_then(Json::as_i64)
            .map(|c| c - mi.loop_counter_start)
            .and_then(|i| usize::try_from(i).ok());
        let mut list = match ScopeView::new(run.state, body).get(name) {
            Some(Json::Array(items)) => items.clone(),
            _ => Vec::new(),
        };
        if let Some(slot) = index.and_then(|i| list.get_mut(i)) {
            *slot = value;
        }
        variables::set_local(run.state, body, name, Json::Array(list));
    }
    add_to_counter(run.state, body, NR_OF_COMPLETED, 1);
    add_to_counter(run.state, body, NR_OF_ACTIVE, -1);
    let Some(condition) = &mi.completion_condition else {
        return Ok(false);
    };
    let result = match eval::evaluate(run.state, key, &run.now, condition) {
        Ok(Value::Bool(done)) => Ok(done),
        Ok(other) => Err(Failure::expression(format!(
            "completion condition '{}' evaluated to {} ({}), expected a boolean",
            condition.source(),
            other.to_json(),
            other.type_name()
        ))),
        Err(failure) => Err(failure),
    };
    if result.is_err()
        && let Some(b) = run.state.elements.get_mut(&body)
    {
        b.variables = saved;
    }
    result
}

/// Inner instance of `node` in body `body` has completed: the body completes (terminating the
/// inner instances still running when `done`), or the next sequential inner instance starts.
pub fn inner_completed(
    run: &mut Run<'_>,
    body: ElementKey,
    node: &FlowNode,
    mi: &MultiInstance,
    done: bool,
) {
    if done {
        run.terminate_children(body);
        run.state.agenda.push_front(Action::Complete { key: body });
        return;
    }
    let (count, created) = run
        .state
        .elements
        .get(&body)
        .and_then(|b| b.loop_state.as_ref())
        .map(|s| (s.count, s.created))
        .unwrap_or_default();
    let completed = ScopeView::new(run.state, body)
        .get(NR_OF_COMPLETED)
        .and_then(Json::as_u64)
        .unwrap_or_default();
    if completed >= u64::from(count) {
        run.state.agenda.push_front(Action::Complete { key: body });
    } else if mi.is_sequential && created < count {
        run.state.agenda.push_back(Action::Activate {
            scope: body,
            element_id: node.id.clone(),
        });
    }
}

/// Body `key` is completing: its output collection goes to the enclosing scope.
pub fn body_completing(run: &mut Run<'_>, key: ElementKey, mi: &MultiInstance) {
    let Some(name) = &mi.output_collection else {
        return;
    };
    let value = run
        .state
        .elements
        .get(&key)
        .and_then(|b| b.variables.as_ref())
        .and_then(|v| v.get(name))
        .cloned()
        .unwrap_or(Json::Null);
    let parent = run.parent_of(key);
    variables::set_propagating(run.state, parent, name, value.clone());
    run.out.variables_set.insert(name.clone(), value);
}

fn set_counter(state: &mut InstanceState, body: ElementKey, name: &str, value: i64) {
    variables::set_local(state, body, name, Json::from(value));
}

fn add_to_counter(state: &mut InstanceState, body: ElementKey, name: &str, delta: i64) {
    let current = ScopeView::new(state, body)
        .get(name)
        .and_then(Json::as_i64)
        .unwrap_or_default();
    set_counter(state, body, name, current + delta);
}
