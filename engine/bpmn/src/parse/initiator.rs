//! `camunda:initiator` on start events: the variable that receives the name of the user who
//! started the instance. Camunda 7 reads it per process (for every start of the process), so it
//! is read from the start events directly in the process; on a start event of a sub-process it
//! means nothing (a warning says so). The value names a variable: a fixed, non-empty name.

use super::build::Builder;
use crate::model::{FlowNodeKind, ScopeIdx};

/// The initiator variable of the process being built (the last start event naming one wins,
/// as in Camunda 7).
pub(crate) fn read(b: &mut Builder<'_, '_>) -> Option<String> {
    let mut found = None;
    for i in 0..b.nodes.len() {
        let (Some(node), Some(&e)) = (b.nodes.get(i), b.node_elems.get(i)) else {
            continue;
        };
        if !matches!(node.kind, FlowNodeKind::StartEvent { .. }) {
            continue;
        }
        let at_process = node.scope == ScopeIdx::ROOT;
        let id = node.id.clone();
        let Some(value) = super::errors::variable(&mut b.ctx, e, e, "initiator") else {
            continue;
        };
        if !at_process {
            let msg = format!(
                "camunda:initiator on {id} is ignored: only a start event of the process names the variable that receives the starting user"
            );
            b.ctx.warning(e, msg);
        } else {
            found = Some(value);
        }
    }
    found
}
