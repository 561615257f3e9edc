//! Embedded sub-process: opens a variable scope and the waits of its event sub-processes, and
//! starts its none start event, or without any start event every element without incoming
//! sequence flows (BPMN 2.0, 10.5.2; none at all: it completes at once); it completes when no
//! token is left inside (see `flow::check_scope_completion`).

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
    let Some(inner) = def.get_scope(scope) else {
        return Err(Failure {
            kind: "expression_error",
            message: "sub-process has no scope".to_owned(),
        });
    };
    if inner.none_start.is_none() && !inner.start_events.is_empty() {
        // The parser refuses this; a definition that got here anyway gets an incident.
        let id = inner.owner.map_or("?", |n| def.node(n).id.as_str());
        return Err(Failure {
            kind: "expression_error",
            message: format!("sub-process {id} has start events but no none start event"),
        });
    }
    let starts: Vec<String> = inner
        .entry_nodes()
        .into_iter()
        .map(|n| def.node(n).id.clone())
        .collect();
    if let Some(instance) = run.state.elements.get_mut(&key) {
        instance.variables.get_or_insert_with(Map::new);
    }
    super::data_object::declare(run, key, scope);
    super::event_sub_process::open(run, key, scope)?;
    if starts.is_empty() {
        return Ok(Activation::Complete);
    }
    for element_id in starts {
        run.state.agenda.push_back(Action::Activate {
            scope: key,
            element_id,
        });
    }
    Ok(Activation::Wait)
}
