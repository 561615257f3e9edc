//! One owner never waits twice for the same message: the boundary events of one activity, the
//! catch events after one event-based gateway, the event sub-process start events of one
//! scope and the message start events of the process each wait for messages of distinct
//! (fixed) names (for start events: which one would start?). A message reaches at most one wait
//! of an instance, so a second one could never be told apart (Camunda 7 refuses these models
//! too; Zeebe refuses them for event-based gateways and boundary events).

use super::build::Builder;
use crate::expression::Text;
use crate::model::{EventTrigger, FlowNodeKind, NodeIdx};

/// Reports every pair of waits of one owner for the same message.
pub(crate) fn check(b: &mut Builder<'_, '_>) {
    let mut groups: Vec<(String, Vec<NodeIdx>)> = Vec::new();
    for node in &b.nodes {
        if !node.boundary_events.is_empty() {
            groups.push((
                format!("boundary events of activity {}", node.id),
                node.boundary_events.clone(),
            ));
        }
        if matches!(node.kind, FlowNodeKind::EventBasedGateway) {
            let mut targets: Vec<NodeIdx> = node
                .outgoing
                .iter()
                .filter_map(|f| b.flows.get(f.0 as usize).map(|f| f.target))
                .collect();
            targets.dedup();
            groups.push((
                format!("catch events after event-based gateway {}", node.id),
                targets,
            ));
        }
    }
    if let Some(root) = b.scopes.first()
        && root.start_events.len() > 1
    {
        groups.push((
            "message start events of the process".to_owned(),
            root.start_events.clone(),
        ));
    }
    for scope in &b.scopes {
        let starts: Vec<NodeIdx> = scope
            .event_sub_processes
            .iter()
            .filter_map(|esp| match &b.nodes.get(esp.0 as usize)?.kind {
                FlowNodeKind::EventSubProcess { scope } => b
                    .scopes
                    .get(scope.0 as usize)?
                    .start_events
                    .first()
                    .copied(),
                _ => None,
            })
            .collect();
        if starts.len() > 1 {
            let of = match scope.owner.and_then(|n| b.nodes.get(n.0 as usize)) {
                Some(owner) => format!("sub-process {}", owner.id),
                None => "the process".to_owned(),
            };
            groups.push((format!("event sub-process start events of {of}"), starts));
        }
    }
    for (what, members) in groups {
        let mut seen: Vec<(String, NodeIdx)> = Vec::new();
        for member in members {
            for name in message_names(b, member) {
                match seen
                    .iter()
                    .find(|(n, other)| *n == name && *other != member)
                {
                    Some((_, first)) => {
                        let first_id = b.nodes.get(first.0 as usize).map(|n| n.id.clone());
                        let (Some(node), Some(&e), Some(first_id)) = (
                            b.nodes.get(member.0 as usize),
                            b.node_elems.get(member.0 as usize),
                            first_id,
                        ) else {
                            continue;
                        };
                        let msg = format!(
                            "{what}: {first_id} and {} wait for the same message \"{name}\"; a message reaches only one wait of an instance, so each needs its own",
                            node.id
                        );
                        b.ctx.exec_error(e, msg);
                    }
                    None => seen.push((name, member)),
                }
            }
        }
    }
}

/// The fixed message names event `node` waits for.
fn message_names(b: &Builder<'_, '_>, node: NodeIdx) -> Vec<String> {
    let trigger = match b.nodes.get(node.0 as usize).map(|n| &n.kind) {
        Some(
            FlowNodeKind::BoundaryEvent { trigger, .. }
            | FlowNodeKind::IntermediateCatchEvent { trigger }
            | FlowNodeKind::StartEvent { trigger, .. },
        ) => trigger,
        _ => return Vec::new(),
    };
    trigger
        .definitions()
        .iter()
        .filter_map(|d| match d {
            EventTrigger::Message(m) => match &m.name {
                Text::Static(n) => Some(n.clone()),
                Text::Expr(_) => None,
            },
            _ => None,
        })
        .collect()
}
