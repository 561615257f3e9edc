//! `camunda:initiator` on start events: the variable that receives the name of the user who
//! started the instance. Camunda 7 reads it per process (for every start of the process), so it
//! is read from the start events directly in the process; on a start event of a sub-process it
//! means nothing (a warning says so). The value names a variable: a fixed, non-empty name.

use super::build::Builder;
use super::expr;
use super::tree::Ns;
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
        let Some(value) = e.ns_attr(&Ns::Camunda, "initiator").map(str::trim) else {
            continue;
        };
        let at_process = node.scope == ScopeIdx::ROOT;
        if value.is_empty() {
            b.ctx.exec_error(e, "camunda:initiator is empty");
        } else if expr::is_camunda7(value) {
            b.ctx.exec_error(
                e,
                format!(
                    "camunda:initiator names a variable: {}",
                    expr::CAMUNDA7_EXPR
                ),
            );
        } else if !at_process {
            let msg = format!(
                "camunda:initiator on {} is ignored: only a start event of the process names the variable that receives the starting user",
                node.id
            );
            b.ctx.warning(e, msg);
        } else {
            found = Some(value.to_owned());
        }
    }
    found
}
