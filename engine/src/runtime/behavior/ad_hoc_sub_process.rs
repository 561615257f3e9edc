//! Ad-hoc sub-processes (`adHocSubProcess`), as Camunda 8 runs them: when the sub-process
//! starts (own variable scope, waits of its event sub-processes opened), the inner elements its
//! `zeebe:adHoc activeElementsCollection` names start (a list of element ids, evaluated then in
//! its scope; anything else is an `expression_error` incident on the sub-process); without one,
//! every inner activity, gateway or event without incoming sequence flows starts at once
//! (boundary events, event sub-processes, compensation handlers and link catch events
//! excepted). Their outgoing flows are followed as anywhere else. After
//! each inner element completes, the `completionCondition` (if any) is evaluated in the
//! sub-process's scope: true completes the sub-process, terminating the inner elements still
//! running unless `cancelRemainingInstances="false"`, which lets them finish first (the paths
//! they continue included). Without a condition, or while it is false, the sub-process
//! completes when nothing runs in it any more. A null or non-boolean condition is an
//! `expression_error` incident on the inner element that completed (resolving evaluates again).

use keel_bpmn::{AdHocSubProcess, FlowNode, FlowNodeKind};
use serde_json::{Map, Value as Json};

use super::Activation;
use crate::runtime::eval::{self, Failure};
use crate::runtime::flow::Run;
use crate::runtime::state::{Action, ElementKey};

/// Activates an ad-hoc sub-process instance.
pub fn activate(
    run: &mut Run<'_>,
    key: ElementKey,
    ad_hoc: &AdHocSubProcess,
) -> Result<Activation, Failure> {
    let def = run.def;
    if let Some(instance) = run.state.elements.get_mut(&key) {
        instance.variables.get_or_insert_with(Map::new);
    }
    // Evaluated first: a failure (an incident, resolved by activating again) opens nothing.
    let chosen = match &ad_hoc.active_elements {
        Some(expression) => Some(active_elements(run, key, ad_hoc, expression)?),
        None => None,
    };
    super::data_object::declare(run, key, ad_hoc.scope);
    super::event_sub_process::open(run, key, ad_hoc.scope)?;
    let starting: Vec<String> = match chosen {
        Some(ids) => ids,
        None => def
            .get_scope(ad_hoc.scope)
            .map(|s| s.nodes.as_slice())
            .unwrap_or_default()
            .iter()
            .map(|n| def.node(*n))
            .filter(|node| node.incoming.is_empty() && node.may_start_without_flow())
            .map(|node| node.id.clone())
            .collect(),
    };
    for element_id in &starting {
        run.state.agenda.push_back(Action::Activate {
            scope: key,
            element_id: element_id.clone(),
        });
    }
    Ok(if starting.is_empty() {
        Activation::Complete
    } else {
        Activation::Wait
    })
}

/// The inner element `id` of ad-hoc sub-process `ad_hoc` if the sub-process may start it (by
/// `activeElementsCollection` or an operator's activation): an element of its scope that can
/// start without a flow (not a boundary event, event sub-process, start event, compensation
/// handler or link catch event).
pub fn startable<'d>(
    def: &'d keel_bpmn::ProcessDefinition,
    ad_hoc: &AdHocSubProcess,
    id: &str,
) -> Option<&'d FlowNode> {
    def.node_by_id(id)
        .map(|n| def.node(n))
        .filter(|n| n.scope == ad_hoc.scope && n.may_start_without_flow())
}

/// The element ids `activeElementsCollection` gives: a list of strings, each the id of an
/// inner element the sub-process may start (with or without incoming flows), in list order.
fn active_elements(
    run: &Run<'_>,
    key: ElementKey,
    ad_hoc: &AdHocSubProcess,
    expression: &keel_bpmn::Expression,
) -> Result<Vec<String>, Failure> {
    let what = "activeElementsCollection";
    let value = eval::evaluate_for(run.state, key, &run.now, expression, what)?.to_json();
    let Json::Array(items) = value else {
        return Err(eval::mismatch(
            run.state,
            key,
            &run.now,
            expression,
            what,
            "a list of element ids",
        ));
    };
    let def = run.def;
    let mut ids = Vec::with_capacity(items.len());
    for item in items {
        let id = item.as_str().unwrap_or_default();
        if startable(def, ad_hoc, id).is_none() {
            return Err(Failure::expression(format!(
                "{what}: {item} is not the id of an element of this ad-hoc sub-process that it can start"
            )));
        }
        ids.push(id.to_owned());
    }
    Ok(ids)
}

/// An element instance completes in scope instance `scope`: true when `scope` is an ad-hoc
/// sub-process whose completion condition now holds and that ends its remaining elements.
pub fn completion_holds(run: &mut Run<'_>, scope: ElementKey) -> Result<bool, Failure> {
    let def = run.def;
    let Some(instance) = run.state.elements.get(&scope) else {
        return Ok(false);
    };
    if instance.loop_state.is_some() || instance.compensation {
        return Ok(false);
    }
    let Some(node) = def.node_by_id(&instance.element_id) else {
        return Ok(false);
    };
    let FlowNodeKind::AdHocSubProcess(ad_hoc) = &def.node(node).kind else {
        return Ok(false);
    };
    let Some(condition) = &ad_hoc.completion_condition else {
        return Ok(false);
    };
    let what = format!("completion condition of '{}'", def.node(node).id);
    let holds = eval::condition(run.state, scope, &run.now, condition, &what)?;
    Ok(holds && ad_hoc.cancel_remaining_instances)
}

/// The completion condition of ad-hoc sub-process instance `scope` held: terminates what still
/// runs in it and completes it.
pub fn complete(run: &mut Run<'_>, scope: ElementKey) {
    run.terminate_children(scope);
    run.check_scope_completion(scope);
}

/// An operator activates `elements` (inner element ids, in this order) in the oldest active
/// instance of ad-hoc sub-process `element_id`, after setting `variables` local to it
/// (`Engine::activate_ad_hoc_elements`, docs/decisions/0014). Each must be an inner element the
/// sub-process may start (as for `activeElementsCollection`); an element already running
/// starts once more. Fails, changing nothing, when no instance of it is active or an id does
/// not qualify.
pub fn activate_later(
    run: &mut Run<'_>,
    element_id: &str,
    elements: &[String],
    variables: Map<String, Json>,
) -> Result<(), crate::runtime::Error> {
    let def = run.def;
    let not_waiting = |expected| crate::runtime::Error::NotWaiting {
        element_id: element_id.to_owned(),
        expected,
    };
    let Some(FlowNodeKind::AdHocSubProcess(ad_hoc)) =
        def.node_by_id(element_id).map(|n| &def.node(n).kind)
    else {
        return Err(not_waiting("activations (it is no ad-hoc sub-process)"));
    };
    for id in elements {
        if startable(def, ad_hoc, id).is_none() {
            return Err(crate::runtime::Error::NotWaiting {
                element_id: id.clone(),
                expected: "an activation (it is no inner element the ad-hoc sub-process can start)",
            });
        }
    }
    let key = run
        .state
        .active_elements()
        .find(|(_, e)| {
            e.element_id == element_id
                && e.state == crate::runtime::state::ElementState::Active
                && e.loop_state.is_none()
                && !e.compensation
                && e.triggered_by.is_none()
        })
        .map(|(k, _)| k)
        .ok_or_else(|| not_waiting("activations (no instance of it is active)"))?;
    for (name, value) in variables {
        crate::runtime::variables::set_local(run.state, key, &name, value.clone());
        run.out.variables_set.insert(name, value);
    }
    for id in elements {
        run.state.agenda.push_back(Action::Activate {
            scope: key,
            element_id: id.clone(),
        });
    }
    Ok(())
}
