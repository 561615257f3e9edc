//! Receive tasks: wait for their message (`messageRef`), like a message intermediate catch
//! event; without a message they are a plain wait state (Camunda 7's `runtimeService.signal`):
//! a subscription named `trigger:<element id>` that correlates by instance id only, which
//! `Engine::trigger_element` (`POST /api/v1/instances/{id}/elements/{element_id}/trigger`)
//! continues. Either way the variables they receive land like a task's completion variables.

use keel_bpmn::{FlowNode, MessageRef};

use super::Activation;
use super::intermediate_catch_event;
use crate::runtime::eval::Failure;
use crate::runtime::flow::Run;
use crate::runtime::state::ElementKey;
use crate::runtime::{Effect, TRIGGER_PREFIX};

/// Activates a receive task: opens its message subscription, or its trigger subscription.
pub fn activate(
    run: &mut Run<'_>,
    key: ElementKey,
    node: &FlowNode,
    message: Option<&MessageRef>,
) -> Result<Activation, Failure> {
    match message {
        Some(message) => intermediate_catch_event::open_subscription(run, key, &node.id, message)?,
        None => run.out.effects.push(Effect::OpenSubscription {
            key,
            element_id: node.id.clone(),
            message_name: trigger_name(&node.id),
            correlation_key: None,
        }),
    }
    Ok(Activation::Wait)
}

/// The subscription name a plain wait state `element_id` waits under.
pub fn trigger_name(element_id: &str) -> String {
    format!("{TRIGGER_PREFIX}{element_id}")
}
