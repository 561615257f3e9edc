//! Start events: they complete at once, except a parallel multiple start event of the process
//! (`parallelMultiple="true"` with several definitions), which records the definition that
//! started the instance and waits, owning the waits of its other definitions, until each has
//! occurred (`parallel_event`). An event sub-process's start events wait in their scope
//! (`event_sub_process`), so they too complete at once when reached.

use keel_bpmn::{EventTrigger, FlowNode, ScopeIdx};

use super::Activation;
use super::intermediate_catch_event::open_wait;
use crate::runtime::eval::Failure;
use crate::runtime::flow::Run;
use crate::runtime::state::ElementKey;

/// Activates start event instance `key` of `node`.
pub fn activate(
    run: &mut Run<'_>,
    key: ElementKey,
    node: &FlowNode,
    trigger: &EventTrigger,
) -> Result<Activation, Failure> {
    if !trigger.is_parallel() || node.scope != ScopeIdx::ROOT {
        return Ok(Activation::Complete);
    }
    if let Some(occurrence) = run.start_occurrence.take() {
        super::parallel_event::record(run, key, &node.id, trigger, &occurrence);
    }
    open_wait(run, key, &node.id, trigger, false)?;
    Ok(Activation::Wait)
}
