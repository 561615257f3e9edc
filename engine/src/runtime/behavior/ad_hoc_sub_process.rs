//! Ad-hoc sub-processes (`adHocSubProcess`), as Camunda 8 runs them without an
//! `activeElementsCollection`: when the sub-process starts (own variable scope, waits of its
//! event sub-processes opened), every inner activity, gateway or event without incoming
//! sequence flows starts at once (boundary events, event sub-processes, compensation handlers
//! and link catch events excepted); their outgoing flows are followed as anywhere else. After
//! each inner element completes, the `completionCondition` (if any) is evaluated in the
//! sub-process's scope: true completes the sub-process, terminating the inner elements still
//! running unless `cancelRemainingInstances="false"`, which lets them finish first (the paths
//! they continue included). Without a condition, or while it is false, the sub-process
//! completes when nothing runs in it any more. A null or non-boolean condition is an
//! `expression_error` incident on the inner element that completed (resolving evaluates again).

use keel_bpmn::{AdHocSubProcess, EventTrigger, FlowNodeKind};
use serde_json::Map;

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
    super::event_sub_process::open(run, key, ad_hoc.scope)?;
    let nodes = def
        .get_scope(ad_hoc.scope)
        .map(|s| s.nodes.as_slice())
        .unwrap_or_default();
    let mut started = false;
    for node in nodes.iter().map(|n| def.node(*n)) {
        let starts = node.incoming.is_empty()
            && !node.is_for_compensation
            && !matches!(
                node.kind,
                FlowNodeKind::BoundaryEvent { .. }
                    | FlowNodeKind::EventSubProcess { .. }
                    | FlowNodeKind::StartEvent { .. }
                    | FlowNodeKind::IntermediateCatchEvent {
                        trigger: EventTrigger::Link(_)
                    }
            );
        if starts {
            run.state.agenda.push_back(Action::Activate {
                scope: key,
                element_id: node.id.clone(),
            });
            started = true;
        }
    }
    Ok(if started {
        Activation::Wait
    } else {
        Activation::Complete
    })
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
