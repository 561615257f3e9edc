//! Link events: a link throw event completes without taking a sequence flow and its scope goes
//! on at the link catch event of the same name (resolved at deploy), which is a pass-through.

use keel_bpmn::{FlowIdx, LinkRef};

use crate::runtime::eval::Failure;
use crate::runtime::flow::Run;
use crate::runtime::state::{Action, ElementKey};

/// The throw event `key` completes: its scope continues at the link's catch event.
pub fn jump(run: &mut Run<'_>, key: ElementKey, link: &LinkRef) -> Result<Vec<FlowIdx>, Failure> {
    let def = run.def;
    let target = link
        .target
        .and_then(|t| def.get_node(t))
        .ok_or_else(|| Failure {
            kind: "no_matching_flow",
            message: format!("no link catch event is named '{}'", link.name),
        })?;
    run.state.agenda.push_back(Action::Activate {
        scope: run.parent_of(key),
        element_id: target.id.clone(),
    });
    Ok(Vec::new())
}
