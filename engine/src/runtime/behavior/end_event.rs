//! End events: none (ends the path), terminate (ends every path of its scope), error (throws a
//! BPMN error to the nearest matching catch event), escalation (throws an escalation, then
//! ends the path unless an interrupting catch ended it first), signal and message (broadcasts
//! the signal, publishes the message, then ends the path; a message end event with a job
//! definition is a job task instead), several of those, compensation and cancel (cancels its
//! transaction, see `transaction`).

use keel_bpmn::EventTrigger;

use super::{Activation, boundary_event};
use crate::runtime::eval::{self, Failure};
use crate::runtime::flow::Run;
use crate::runtime::state::ElementKey;

/// Activates an end event.
pub fn activate(
    run: &mut Run<'_>,
    key: ElementKey,
    result: &EventTrigger,
) -> Result<Activation, Failure> {
    match result {
        EventTrigger::Terminate => {
            let scope = run.parent_of(key);
            let siblings: Vec<ElementKey> = run
                .state
                .children(scope)
                .into_iter()
                .filter(|k| *k != key)
                .collect();
            for sibling in siblings {
                run.terminate(sibling);
            }
            if let Some(instance) = run.state.elements.get_mut(&scope) {
                instance.joins.clear();
            }
            run.state.agenda.retain(|a| a.activates_in() != Some(scope));
            run.mark_terminated(scope);
            Ok(Activation::Complete)
        }
        EventTrigger::Error(error) => {
            let code = error.code.clone().unwrap_or_default();
            // `camunda:errorMessage`, evaluated in the end event's scope as it throws.
            let message = match &error.message {
                Some(text) => Some(eval::text(
                    run.state,
                    key,
                    &run.now,
                    text,
                    "camunda:errorMessage",
                )?),
                None => None,
            };
            let variables = serde_json::Map::new();
            if boundary_event::throw_error(run, key, &code, message.as_deref(), variables) {
                Ok(Activation::Done)
            } else if run.state.parent.is_some() {
                // The calling instances may catch it; the end event waits for the verdict.
                run.out
                    .effects
                    .push(crate::runtime::Effect::PropagateError { key, code, message });
                Ok(Activation::Wait)
            } else {
                Err(Failure {
                    kind: "unhandled_error",
                    message: format!("error '{code}' thrown by an end event was not caught"),
                })
            }
        }
        EventTrigger::Escalation(escalation) => Ok(super::escalation::throw(
            run,
            key,
            escalation.code.as_deref().unwrap_or_default(),
        )),
        EventTrigger::Compensation(compensate) => {
            Ok(super::compensation::throw(run, key, compensate))
        }
        EventTrigger::Signal(_) | EventTrigger::Message(_) | EventTrigger::Multiple(_) => {
            super::throw_all(run, key, result)
        }
        EventTrigger::Cancel => Ok(super::transaction::cancel(run, key)),
        EventTrigger::None
        | EventTrigger::Timer(_)
        | EventTrigger::Link(_)
        | EventTrigger::Conditional(_) => Ok(Activation::Complete),
    }
}
