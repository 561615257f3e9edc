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
//!
//! A standard loop (`standardLoopCharacteristics`) runs the same way as a sequential body
//! (element type `standardLoopBody`) of at most `loopMaximum` iterations (10000 without one),
//! each with `loopCounter` from 1; its `loopCondition` is evaluated after each iteration in the
//! iteration's scope (and, with `testBefore`, before the first in the body's, `loopCounter` 0):
//! false ends the loop.

use keel_bpmn::{FlowNode, MultiInstance, StandardLoop};
use serde_json::{Map, Value as Json};

use super::Activation;
use crate::runtime::eval::{self, Failure};
use crate::runtime::flow::Run;
use crate::runtime::state::{Action, ElementKey, InstanceState, LoopState};
use crate::runtime::variables::{self, ScopeView};

/// The element type the history and audit report for a multi-instance body.
pub const BODY_TYPE: &str = "multiInstanceBody";
/// The element type the history and audit report for the body of a standard loop.
pub const STANDARD_LOOP_BODY_TYPE: &str = "standardLoopBody";
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
    let (count, items) = match &mi.standard_loop {
        Some(sl) => (iterations(run, key, sl)?, Vec::new()),
        None => instances(run, key, node, mi)?,
    };
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

/// At most how many iterations a standard loop runs: 0 when `testBefore` and the condition is
/// false at the start.
fn iterations(run: &Run<'_>, key: ElementKey, sl: &StandardLoop) -> Result<u32, Failure> {
    let max = sl.loop_maximum.unwrap_or(MAX_INSTANCES).min(MAX_INSTANCES);
    if max > 0 && sl.test_before && !loop_continues(run, key, sl, 0)? {
        return Ok(0);
    }
    Ok(max)
}

/// The loop condition of a standard loop after `done` iterations, evaluated at `key` (true
/// without a condition).
fn loop_continues(
    run: &Run<'_>,
    key: ElementKey,
    sl: &StandardLoop,
    done: i64,
) -> Result<bool, Failure> {
    let Some(condition) = &sl.loop_condition else {
        return Ok(true);
    };
    let mut extra = Map::new();
    extra.insert(LOOP_COUNTER.to_owned(), Json::from(done));
    eval::condition_with(
        run.state,
        key,
        &run.now,
        condition,
        "loop condition",
        &extra,
    )
}

/// The element type the history and audit report for the body of `node`'s loop.
pub fn body_type(node: &FlowNode) -> &'static str {
    match &node.multi_instance {
        Some(mi) if mi.standard_loop.is_some() => STANDARD_LOOP_BODY_TYPE,
        _ => BODY_TYPE,
    }
}

/// The number of inner instances and the items they get.
fn instances(
    run: &Run<'_>,
    key: ElementKey,
    node: &FlowNode,
    mi: &MultiInstance,
) -> Result<(u32, Vec<Json>), Failure> {
    let (count, items) = if let Some(collection) = &mi.input_collection {
        let what = format!("input collection of '{}'", node.id);
        match eval::evaluate_for(run.state, key, &run.now, collection, &what)?.to_json() {
            Json::Array(items) => (u32::try_from(items.len()).unwrap_or(u32::MAX), items),
            _ => {
                return Err(eval::mismatch(
                    run.state, key, &run.now, collection, &what, "a list",
                ));
            }
        }
    } else if let Some(cardinality) = &mi.loop_cardinality {
        let what = format!("loopCardinality of '{}'", node.id);
        let value = eval::evaluate_for(run.state, key, &run.now, cardinality, &what)?.to_json();
        let count = whole_number(&value).ok_or_else(|| {
            eval::mismatch(
                run.state,
                key,
                &run.now,
                cardinality,
                &what,
                "a non-negative whole number",
            )
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
    if let Some(name) = &mi.output_item {
        local.insert(name.clone(), Json::Null);
    }
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
            eval::evaluate_for(run.state, key, &run.now, expr, "output element")?.to_json(),
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
    let result = if let Some(sl) = &mi.standard_loop {
        let done = ScopeView::new(run.state, key)
            .get(LOOP_COUNTER)
            .and_then(Json::as_i64)
            .unwrap_or_default();
        loop_continues(run, key, sl, done).map(|more| !more)
    } else if let Some(condition) = &mi.completion_condition {
        eval::condition(run.state, key, &run.now, condition, "completion condition")
    } else {
        return Ok(false);
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
