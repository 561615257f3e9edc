//! Exclusive gateway: takes the first outgoing flow (in document order) whose condition is true,
//! else its default flow; with neither, the instance stops with a `no_matching_flow` incident.

use keel_bpmn::{FlowIdx, FlowNode};

use crate::runtime::eval::Failure;
use crate::runtime::flow::Run;
use crate::runtime::state::ElementKey;

/// The one flow the gateway takes.
pub fn outgoing(
    run: &mut Run<'_>,
    key: ElementKey,
    node: &FlowNode,
) -> Result<Vec<FlowIdx>, Failure> {
    // A single unconditioned flow counts as true (validation requires conditions when there
    // are more).
    super::gateway_outgoing(run, key, node, true, "exclusive gateway")
}
