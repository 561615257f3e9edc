//! Inclusive gateway. As a fork it takes every outgoing flow whose condition is true (a flow
//! without a condition counts as true), else its default flow; a null or non-boolean condition is
//! an incident, never the default flow. As a join (several incoming flows) arriving tokens wait in
//! the scope instance's join record (like a parallel join's), and the gateway fires once no other
//! token of its scope can still reach it: this is decided when the step's agenda is empty, so every
//! token then sits in a wait state (or has ended), and it consumes every token waiting there.

use keel_bpmn::{FlowIdx, FlowNode, FlowNodeKind};

use crate::runtime::eval::Failure;
use crate::runtime::flow::Run;
use crate::runtime::state::{Action, ElementKey};

/// The flows the gateway takes.
pub fn outgoing(
    run: &mut Run<'_>,
    key: ElementKey,
    node: &FlowNode,
) -> Result<Vec<FlowIdx>, Failure> {
    let what = if matches!(node.kind, FlowNodeKind::ComplexGateway(_)) {
        "complex gateway"
    } else {
        "inclusive gateway"
    };
    super::gateway_outgoing(run, key, node, false, what)
}

/// Fires one waiting inclusive (or complex) join that no token can reach any more: its waiting
/// tokens are consumed and the gateway is put on the agenda (a complex gateway that fired already
/// just starts a new round). Returns false when none can fire. Called only when the agenda is
/// empty.
pub fn fire_ready_join(run: &mut Run<'_>) -> bool {
    let Some((scope, gateway_id)) = ready_join(run) else {
        return false;
    };
    let complex = run
        .def
        .node_by_id(&gateway_id)
        .is_some_and(|n| matches!(run.def.node(n).kind, FlowNodeKind::ComplexGateway(_)));
    if let Some(instance) = run.state.elements.get_mut(&scope) {
        let arrivals = instance.joins.remove(&gateway_id).unwrap_or_default();
        if complex {
            match super::complex_gateway::last_token(&arrivals) {
                Some(pending) => {
                    instance.joins.insert(gateway_id.clone(), pending);
                }
                // It fired already: the round ends; the scope may be done now.
                None => {
                    run.check_scope_completion(scope);
                    return true;
                }
            }
        }
    }
    run.state.agenda.push_back(Action::Activate {
        scope,
        element_id: gateway_id,
    });
    true
}

/// The first (scope instance, gateway id) whose inclusive join can fire, in key order.
fn ready_join(run: &Run<'_>) -> Option<(ElementKey, String)> {
    let def = run.def;
    for (scope, instance) in &run.state.elements {
        for (gateway_id, arrivals) in &instance.joins {
            let gateway = match def.node_by_id(gateway_id).map(|n| &def.node(n).kind) {
                Some(FlowNodeKind::InclusiveGateway(gateway)) => gateway,
                // A complex gateway being activated has no token waiting.
                Some(FlowNodeKind::ComplexGateway(complex))
                    if super::complex_gateway::arrived_tokens(arrivals) > 0 =>
                {
                    &complex.join
                }
                _ => continue,
            };
            let reachable = |element_id: &str| {
                def.node_by_id(element_id)
                    .is_some_and(|n| gateway.reachable_from(n))
            };
            // Tokens of the scope: its live element instances and the tokens waiting at its
            // other joins.
            let blocked = run
                .state
                .elements
                .values()
                .filter(|e| e.parent == Some(*scope))
                .any(|e| reachable(&e.element_id))
                || instance
                    .joins
                    .keys()
                    .filter(|g| *g != gateway_id)
                    .any(|g| reachable(g));
            if !blocked {
                return Some((*scope, gateway_id.clone()));
            }
        }
    }
    None
}
