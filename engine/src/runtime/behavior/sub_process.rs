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
    let starts: Vec<String> = match inner.none_start {
        Some(start) => vec![def.node(start).id.clone()],
        None if inner.start_events.is_empty() => inner
            .implicit_starts
            .iter()
            .map(|n| def.node(*n).id.clone())
            .collect(),
        None => {
            return Err(Failure {
                kind: "expression_error",
                message: "sub-process has no none start event".to_owned(),
            });
        }
    };
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
