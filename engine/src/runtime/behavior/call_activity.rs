//! Call activity: on activation it evaluates the called process id, its version and the
//! variables for the called instance, and asks the shell to start that instance (in the same
//! transaction); it waits until the called instance completes, then completes with the called
//! instance's variables: all of them propagate (Zeebe's default), or they land local to the call
//! activity and its output mappings (`zeebe:output`, `camunda:out`) say what comes back, or
//! nothing does (Camunda 7 without `camunda:out`). Terminating the call activity cancels the
//! called instance (see `flow::terminate`). While the called instance has open incidents, the
//! call activity has one of kind `called_instance_incident` that stands for them (Camunda 7's
//! incidents in the super process instance): it is raised with the called instance's first and
//! cleared with its last, and cannot be resolved by itself.

use keel_bpmn::{CallActivity, CalledBinding, FlowNode, FlowNodeKind};
use serde_json::{Map, Value as Json};

use super::Activation;
use crate::runtime::eval::{self, Failure};
use crate::runtime::flow::Run;
use crate::runtime::state::{ElementKey, InstanceState};
use crate::runtime::variables::ScopeView;
use crate::runtime::{CallSpec, CalledVersion, Effect, Error, Outcome};

/// Deepest chain of call activities (a process calling itself without end stops here).
pub const MAX_CALL_DEPTH: u32 = 64;

/// Incident kind when the called instance cannot be started.
pub const CALL_FAILED: &str = "call_failed";

/// Incident kind of a call activity whose called instance has open incidents.
pub const CALLED_INCIDENT: &str = "called_instance_incident";

/// Activates a call activity.
pub fn activate(
    run: &mut Run<'_>,
    key: ElementKey,
    node: &FlowNode,
    call: &CallActivity,
) -> Result<Activation, Failure> {
    start(run, key, node, call)?;
    Ok(Activation::Wait)
}

/// Evaluates what to start and asks for it.
fn start(
    run: &mut Run<'_>,
    key: ElementKey,
    node: &FlowNode,
    call: &CallActivity,
) -> Result<(), Failure> {
    let process_id = eval::text(
        run.state,
        key,
        &run.now,
        &call.called_element,
        "called element",
    )?;
    let version =
        match &call.binding {
            CalledBinding::Latest => CalledVersion::Latest,
            CalledBinding::Deployment => CalledVersion::Deployment,
            CalledBinding::Version(text) => {
                let v = eval::text(run.state, key, &run.now, text, "called element version")?;
                let n = v.trim().parse::<i64>().ok().filter(|n| *n > 0).ok_or_else(|| {
                Failure::expression(format!(
                    "called element version of '{}' must be a positive whole number, got '{v}'",
                    node.id
                ))
            })?;
                CalledVersion::Number(n)
            }
        };
    let mut variables = if call.pass_all_variables {
        ScopeView::new(run.state, key).collect()
    } else {
        run.state.local_variables(key)
    };
    for mapping in &call.in_mappings {
        let what = format!("camunda:in '{}'", mapping.target);
        let value = eval::evaluate_for(run.state, key, &run.now, &mapping.source, &what)?;
        variables.insert(mapping.target.clone(), value.to_json());
    }
    let depth = run.state.parent.as_ref().map_or(0, |p| p.depth) + 1;
    if depth > MAX_CALL_DEPTH {
        return Err(Failure {
            kind: CALL_FAILED,
            message: format!(
                "'{}' would call '{process_id}' {depth} calls deep; at most {MAX_CALL_DEPTH} are allowed (a process calling itself without end?)",
                node.id
            ),
        });
    }
    run.out.effects.push(Effect::StartCalled(CallSpec {
        key,
        element_id: node.id.clone(),
        process_id,
        version,
        variables,
        depth,
    }));
    Ok(())
}

/// Resolving a `call_failed` incident of a waiting call activity: asks again.
pub fn retry(run: &mut Run<'_>, key: ElementKey, node: &FlowNode) {
    if let FlowNodeKind::CallActivity(call) = &node.kind
        && let Err(failure) = start(run, key, node, call)
    {
        run.raise(key, failure);
    }
}

/// The variables that come back from a completed called instance: all of them when the call
/// activity has output mappings (they land local to it, the mappings pick) or propagates every
/// child variable, else none.
pub fn returned(node: &FlowNode, variables: Map<String, Json>) -> Map<String, Json> {
    let all = matches!(&node.kind, FlowNodeKind::CallActivity(c) if c.return_all_variables);
    if all || !node.outputs.is_empty() {
        variables
    } else {
        Map::new()
    }
}

/// After a step of a called instance: when it went from no open incident to some (or back),
/// asks the calling instance to mirror that on its call activity. A clearing goes first (before
/// the completion of the call activity the same step may ask for), a raising last.
pub fn mirror_incidents(before: &InstanceState, after: &InstanceState, outcome: &mut Outcome) {
    let Some(parent) = &after.parent else {
        return;
    };
    let (was, is) = (before.open_incidents() > 0, after.open_incidents() > 0);
    if was == is {
        return;
    }
    let effect = Effect::CalledIncidents {
        instance_id: parent.instance_id.clone(),
        key: parent.key,
        element_id: parent.element_id.clone(),
        open: is,
    };
    if is {
        outcome.effects.push(effect);
    } else {
        outcome.effects.insert(0, effect);
    }
}

/// The instance called by call activity instance `key` got its first open incident (`open`)
/// or resolved its last one: raises or clears the call activity's `called_instance_incident`.
pub fn called_incidents(
    run: &mut Run<'_>,
    key: ElementKey,
    open: bool,
    called: &str,
) -> Result<(), Error> {
    let element = run
        .state
        .elements
        .get_mut(&key)
        .ok_or(Error::ElementNotActive(key))?;
    let is_call = run
        .def
        .node_by_id(&element.element_id)
        .is_some_and(|n| matches!(run.def.node(n).kind, FlowNodeKind::CallActivity(_)));
    if !is_call || element.loop_state.is_some() {
        return Err(Error::NotWaiting {
            element_id: element.element_id.clone(),
            expected: "news of its called instance",
        });
    }
    let mirrored = element
        .incident
        .as_ref()
        .is_some_and(|i| i.kind == CALLED_INCIDENT);
    if open && element.incident.is_none() {
        let message = format!(
            "the instance {called} it called has an open incident; resolve that one (this one then goes away)"
        );
        run.raise(
            key,
            Failure {
                kind: CALLED_INCIDENT,
                message,
            },
        );
    } else if !open && mirrored {
        element.incident = None;
        run.out.effects.push(Effect::ResolveIncident { key });
    }
    Ok(())
}
