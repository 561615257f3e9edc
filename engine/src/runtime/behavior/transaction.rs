//! Transactions (`transaction`): sub-processes that a cancel end event can cancel. When a path
//! reaches a cancel end event (which lies directly in the transaction), everything else running
//! in the transaction is terminated, the activities completed inside it are compensated in
//! reverse order (the compensation machinery of `compensation`, handlers running in the
//! transaction), and once every handler has completed the cancel end event completes, the
//! transaction is terminated (its multi-instance body, if it has one) and the path leaves
//! through the transaction's cancel boundary event. Otherwise a transaction runs like an
//! embedded sub-process: it completes when no token is left, and its error and other boundary
//! events behave as on a sub-process.

use keel_bpmn::{EventTrigger, FlowNodeKind};

use super::Activation;
use super::multi_instance;
use crate::runtime::TransitionKind;
use crate::runtime::flow::Run;
use crate::runtime::state::{Action, ElementKey};

/// Cancel end event instance `key` is reached: cancels its transaction.
pub fn cancel(run: &mut Run<'_>, key: ElementKey) -> Activation {
    let transaction = run.parent_of(key);
    let others: Vec<ElementKey> = run
        .state
        .children(transaction)
        .into_iter()
        .filter(|k| *k != key)
        .collect();
    for other in others {
        run.terminate(other);
    }
    if let Some(instance) = run.state.elements.get_mut(&transaction) {
        instance.joins.clear();
    }
    run.state
        .agenda
        .retain(|a| a.activates_in() != Some(transaction));
    let started = super::compensation::start(run, transaction, None);
    if started.is_empty() {
        leave(run, key);
        return Activation::Done;
    }
    super::compensation::wait_for(run, key, started);
    Activation::Wait
}

/// The compensation of cancel end event instance `key` is done: the end event completes, its
/// transaction is terminated and the path goes on at the transaction's cancel boundary event.
pub fn leave(run: &mut Run<'_>, key: ElementKey) {
    let def = run.def;
    let transaction = run.parent_of(key);
    if let Some(end) = run.state.elements.remove(&key) {
        run.record_ended(
            key,
            end.element_id,
            "endEvent",
            TransitionKind::Completed,
            end.started_at,
        );
    }
    let host = multi_instance::body_of(run.state, transaction).unwrap_or(transaction);
    let boundary = run
        .state
        .elements
        .get(&transaction)
        .and_then(|t| def.node_by_id(&t.element_id))
        .and_then(|t| {
            def.node(t).boundary_events.iter().copied().find(|b| {
                matches!(
                    def.node(*b).kind,
                    FlowNodeKind::BoundaryEvent {
                        trigger: EventTrigger::Cancel,
                        ..
                    }
                )
            })
        });
    let scope = run.parent_of(host);
    run.terminate(host);
    // Deployment guarantees the cancel boundary event; without one the path just ends.
    match boundary {
        Some(boundary) => run.state.agenda.push_back(Action::Activate {
            scope,
            element_id: def.node(boundary).id.clone(),
        }),
        None => run.check_scope_completion(scope),
    }
}
