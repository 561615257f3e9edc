//! Reachability precomputed at deploy time: for each joining inclusive or complex gateway, the
//! nodes of its scope from which a token can still reach it.
//!
//! A token at node `n` can reach gateway `g` when a path of sequence flows leads from `n` to `g`
//! without passing through `g`; a token in an activity can also leave it through any of its
//! boundary events, and a link throw event continues at its link catch event. The runtime asks
//! this set when it decides whether a waiting inclusive join fires. Pure graph walking: nothing
//! is reported here.

use crate::model::{ComplexGateway, EventTrigger, FlowNode, FlowNodeKind, NodeIdx, SequenceFlow};

/// Fills `upstream` of every inclusive and complex gateway with more than one incoming flow.
pub(crate) fn inclusive_joins(nodes: &mut [FlowNode], flows: &[SequenceFlow]) {
    let predecessors = predecessors(nodes, flows);
    for (g, node) in nodes.iter_mut().enumerate() {
        if node.incoming.len() < 2 {
            continue;
        }
        match &mut node.kind {
            FlowNodeKind::InclusiveGateway(gateway)
            | FlowNodeKind::ComplexGateway(ComplexGateway { join: gateway, .. }) => {
                gateway.upstream = upstream_of(&predecessors, g);
            }
            _ => {}
        }
    }
}

/// For each node, the nodes a token can come from in one hop.
fn predecessors(nodes: &[FlowNode], flows: &[SequenceFlow]) -> Vec<Vec<usize>> {
    let mut pred: Vec<Vec<usize>> = vec![Vec::new(); nodes.len()];
    let mut add = |to: usize, from: usize| {
        if let Some(p) = pred.get_mut(to) {
            p.push(from);
        }
    };
    for flow in flows {
        add(flow.target.0 as usize, flow.source.0 as usize);
    }
    for (i, node) in nodes.iter().enumerate() {
        match &node.kind {
            // A token in the host can leave through the boundary event.
            FlowNodeKind::BoundaryEvent { attached_to, .. } => add(i, attached_to.0 as usize),
            FlowNodeKind::IntermediateThrowEvent {
                trigger: EventTrigger::Link(link),
            } => {
                if let Some(target) = link.target {
                    add(target.0 as usize, i);
                }
            }
            _ => {}
        }
    }
    pred
}

/// Reverse breadth-first walk from `gateway`, never expanding the gateway itself.
fn upstream_of(predecessors: &[Vec<usize>], gateway: usize) -> Vec<NodeIdx> {
    let mut seen = vec![false; predecessors.len()];
    let mut work: Vec<usize> = predecessors.get(gateway).cloned().unwrap_or_default();
    while let Some(n) = work.pop() {
        if n == gateway {
            continue;
        }
        match seen.get_mut(n) {
            Some(s) if !*s => *s = true,
            _ => continue,
        }
        if let Some(p) = predecessors.get(n) {
            work.extend(p.iter().copied());
        }
    }
    seen.iter()
        .enumerate()
        .filter(|(_, s)| **s)
        .map(|(i, _)| NodeIdx(super::build::index_u32(i)))
        .collect()
}
