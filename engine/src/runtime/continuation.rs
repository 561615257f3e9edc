//! Asynchronous continuations (`camunda:asyncBefore` / `camunda:asyncAfter`): where an element
//! instance stops so that the engine commits, and how [`Trigger::AsyncContinued`] resumes it.
//!
//! - *Before*: the element instance is created (recorded as activated, a multi-instance inner
//!   instance with its `loopCounter` and item), then waits in state `AsyncBefore`. The
//!   continuation runs its activation: input mappings, then its behavior.
//! - *After*: the element instance completed (output mappings applied; its own work and the
//!   waits of its boundary events cancelled, so nothing can interrupt it any more), then waits
//!   in state `AsyncAfter`. The continuation takes its outgoing flows (for an inner instance of
//!   a multi-instance activity: finishes the iteration). An incident while doing so keeps the
//!   state `AsyncAfter`, and resolving it tries that again (the output mappings do not run
//!   twice).
//!
//! On a multi-instance activity the node's flags apply to the body, those of its loop
//! characteristics to each inner instance. A sub-process re-created only to compensate never
//! waits. Either wait emits one [`Effect::CreateContinuation`]; the engine deletes that job in
//! the transaction that applies the continuation, and terminating the element instance cancels
//! it ([`Work::CONTINUATIONS`] is part of [`Work::ALL`]).
//!
//! [`Trigger::AsyncContinued`]: super::Trigger::AsyncContinued
//! [`Work::CONTINUATIONS`]: super::Work::CONTINUATIONS
//! [`Work::ALL`]: super::Work::ALL

use keel_bpmn::{AsyncContinuations, FlowNode, NodeIdx};

use super::behavior::{self, multi_instance};
use super::flow::Run;
use super::state::{ElementKey, ElementState};
use super::{AsyncPoint, Effect, Error, TransitionKind};

/// The continuations of an instance of `node`: an inner instance of a multi-instance activity
/// (`inner`) has those of the loop characteristics, anything else (a body included) the node's.
pub fn declared(node: &FlowNode, inner: bool) -> AsyncContinuations {
    match (&node.multi_instance, inner) {
        (Some(mi), true) => mi.inner_async,
        _ => node.async_continuations,
    }
}

/// True when completing element instance `key` of `node` stops before its outgoing flows.
/// Cheap for a model without continuations: two flags, no lookup.
pub fn waits_after(run: &Run<'_>, key: ElementKey, node: &FlowNode) -> bool {
    let inner_after = node
        .multi_instance
        .as_ref()
        .is_some_and(|mi| mi.inner_async.after);
    if !node.async_continuations.after && !inner_after {
        return false;
    }
    let inner = multi_instance::body_of(run.state, key).is_some();
    declared(node, inner).after
}

impl Run<'_> {
    /// Stops element instance `key` of `node` at `point`: records it, sets its state and asks
    /// for its continuation job. After completion, first cancels the work it owned.
    pub fn wait_async(&mut self, key: ElementKey, node: &FlowNode, point: AsyncPoint) {
        let (state, kind) = match point {
            AsyncPoint::Before => (ElementState::AsyncBefore, TransitionKind::AsyncBefore),
            AsyncPoint::After => (ElementState::AsyncAfter, TransitionKind::AsyncAfter),
        };
        if point == AsyncPoint::After {
            // Its job, task or subscription and its boundary events' waits end with it; the
            // continuation job (inserted after the batch's cancellations) is not touched.
            let work = behavior::owned_work(self.def, node);
            if !work.is_empty() {
                self.out.effects.push(Effect::CancelWork { key, work });
            }
        }
        let Some(element) = self.state.elements.get_mut(&key) else {
            return;
        };
        element.state = state;
        let element_type = if element.loop_state.is_some() {
            multi_instance::body_type(node)
        } else {
            node.element_type.as_str()
        };
        let started_at = element.started_at;
        self.record_ended(key, node.id.clone(), element_type, kind, started_at);
        self.out.effects.push(Effect::CreateContinuation {
            key,
            element_id: node.id.clone(),
            point,
        });
    }

    /// Applies the continuation of element instance `key`: activates it (after `AsyncBefore`)
    /// or takes its outgoing flows (after `AsyncAfter`).
    pub fn continue_async(&mut self, key: ElementKey) -> Result<(), Error> {
        let element = self
            .state
            .elements
            .get(&key)
            .ok_or(Error::ElementNotActive(key))?;
        let waiting = element.incident.is_none()
            && matches!(
                element.state,
                ElementState::AsyncBefore | ElementState::AsyncAfter
            );
        if !waiting {
            return Err(Error::NotWaiting {
                element_id: element.element_id.clone(),
                expected: "an asynchronous continuation",
            });
        }
        let state = element.state;
        let node = self.node_idx(&element.element_id.clone())?;
        self.continue_from(key, node, state)
    }

    /// Goes on from the wait `state` of element instance `key` (also when an incident that
    /// stopped the continuation is resolved).
    pub fn continue_from(
        &mut self,
        key: ElementKey,
        node: NodeIdx,
        state: ElementState,
    ) -> Result<(), Error> {
        if state == ElementState::AsyncBefore {
            if let Some(element) = self.state.elements.get_mut(&key) {
                element.state = ElementState::Activating;
            }
            return self.run_activation(key, node);
        }
        self.leave(key, node, false)
    }
}
