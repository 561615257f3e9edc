//! Receive tasks: wait for their message (`messageRef`), like a message intermediate catch
//! event; without a message they are a plain wait state that only `Engine::trigger_element`
//! (`POST /api/v1/instances/{id}/elements/{element_id}/trigger`, Camunda 7's
//! `runtimeService.signal`; see `operator_trigger`) continues: no row waits for them, so no message
//! reaches them. Either way the variables they receive land like a message's.

use keel_bpmn::{FlowNode, MessageRef};

use super::Activation;
use super::intermediate_catch_event;
use crate::runtime::eval::Failure;
use crate::runtime::flow::Run;
use crate::runtime::state::ElementKey;

/// Activates a receive task: opens its message subscription (a plain wait state opens nothing).
pub fn activate(
    run: &mut Run<'_>,
    key: ElementKey,
    node: &FlowNode,
    message: Option<&MessageRef>,
) -> Result<Activation, Failure> {
    if let Some(message) = message {
        intermediate_catch_event::open_subscription(run, key, &node.id, message)?;
    }
    Ok(Activation::Wait)
}
