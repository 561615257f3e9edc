//! Call activity: on activation it evaluates the called process id, its version and the
//! variables for the called instance, and asks the shell to start that instance (in the same
//! transaction); it waits until the called instance completes, then completes with the called
//! instance's variables: all of them propagate (Zeebe's default), or they land local to the call
//! activity and its output mappings (`zeebe:output`, `camunda:out`) say what comes back, or
//! nothing does (Camunda 7 without `camunda:out`). Terminating the call activity cancels the
//! called instance (see `flow::terminate`).

use keel_bpmn::{CallActivity, CalledBinding, FlowNode, FlowNodeKind};
use serde_json::{Map, Value as Json};

use super::Activation;
use crate::runtime::eval::{self, Failure};
use crate::runtime::flow::Run;
use crate::runtime::state::ElementKey;
use crate::runtime::variables::ScopeView;
use crate::runtime::{CallSpec, CalledVersion, Effect};

/// Deepest chain of call activities (a process calling itself without end stops here).
pub const MAX_CALL_DEPTH: u32 = 64;

/// Incident kind when the called instance cannot be started.
pub const CALL_FAILED: &str = "call_failed";

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
        run.state
            .elements
            .get(&key)
            .and_then(|e| e.variables.clone())
            .unwrap_or_default()
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
