//! Exclusive gateway: takes the first outgoing flow (in document order) whose condition is true,
//! else its default flow; with neither, the instance stops with a `no_matching_flow` incident.

use keel_bpmn::{FlowIdx, FlowNode};

use super::condition_holds;
use crate::runtime::eval::Failure;
use crate::runtime::flow::Run;
use crate::runtime::state::ElementKey;

/// The one flow the gateway takes.
pub fn outgoing(
    run: &mut Run<'_>,
    key: ElementKey,
    node: &FlowNode,
) -> Result<Vec<FlowIdx>, Failure> {
    let def = run.def;
    for flow in &node.outgoing {
        if Some(*flow) == node.default_flow {
            continue;
        }
        let Some(sequence_flow) = def.get_flow(*flow) else {
            continue;
        };
        let holds = match &sequence_flow.condition {
            // A single unconditioned flow (validation requires conditions when there are more).
            None => true,
            Some(condition) => condition_holds(run, key, &sequence_flow.id, condition)?,
        };
        if holds {
            return Ok(vec![*flow]);
        }
    }
    match node.default_flow {
        Some(default) => Ok(vec![default]),
        None => Err(Failure {
            kind: "no_matching_flow",
            message: format!(
                "no condition of exclusive gateway '{}' is true and it has no default flow",
                node.id
            ),
        }),
    }
}
