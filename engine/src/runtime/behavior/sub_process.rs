//! Embedded sub-process: opens a variable scope and the waits of its event sub-processes, and
//! starts its none start event; it completes when no token is left inside (see
//! `flow::check_scope_completion`).

use keel_bpmn::ScopeIdx;
use serde_json::Map;

use super::Activation;
use crate::runtime::eval::Failure;
use crate::runtime::flow::Run;
use crate::runtime::state::{Action, ElementKey};

/// Activates a sub-process instance.
pub fn activate(
    run: &mut Run<'_>,
    key: ElementKey,
    scope: ScopeIdx,
) -> Result<Activation, Failure> {
    let def = run.def;
    let start = def
        .get_scope(scope)
        .and_then(|s| s.none_start)
        .ok_or_else(|| Failure {
            kind: "expression_error",
            message: "sub-process has no none start event".to_owned(),
        })?;
    if let Some(instance) = run.state.elements.get_mut(&key) {
        instance.variables.get_or_insert_with(Map::new);
    }
    super::data_object::declare(run, key, scope);
    super::event_sub_process::open(run, key, scope)?;
    run.state.agenda.push_back(Action::Activate {
        scope: key,
        element_id: def.node(start).id.clone(),
    });
    Ok(Activation::Wait)
}
