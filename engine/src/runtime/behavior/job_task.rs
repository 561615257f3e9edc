//! Service, send and business-rule tasks: create a job of the task's type and wait for a worker
//! (or a built-in connector) to complete it, fail it or throw a BPMN error from it.

use keel_bpmn::{FlowNode, JobTask};

use super::Activation;
use crate::runtime::Effect;
use crate::runtime::eval::{self, Failure};
use crate::runtime::flow::Run;
use crate::runtime::state::ElementKey;

/// Retries a job starts with when the model says nothing.
pub const DEFAULT_RETRIES: i64 = 3;

/// Activates a job-creating task.
pub fn activate(
    run: &mut Run<'_>,
    key: ElementKey,
    node: &FlowNode,
    task: &JobTask,
) -> Result<Activation, Failure> {
    let job_type = eval::text(run.state, key, &run.now, &task.job_type, "job type")?;
    if job_type == crate::runtime::CONTINUATION_JOB_TYPE {
        // Deployment refuses it as a static type; a computed one stops here.
        return Err(Failure::expression(format!(
            "job type '{job_type}' of '{}' is reserved for the engine's asynchronous continuations",
            node.id
        )));
    }
    let retries = match &task.retries {
        None => task
            .retry_cycle
            .as_ref()
            .map_or(DEFAULT_RETRIES, keel_bpmn::RetryCycle::retries),
        Some(text) => {
            let value = eval::text(run.state, key, &run.now, text, "retries")?;
            value
                .trim()
                .parse::<i64>()
                .ok()
                .filter(|r| *r >= 0)
                .ok_or_else(|| {
                    Failure::expression(format!(
                        "retries of '{}' must be a non-negative integer, got '{value}'",
                        node.id
                    ))
                })?
        }
    };
    run.out.effects.push(Effect::CreateJob {
        key,
        element_id: node.id.clone(),
        job_type,
        retries,
        headers: task.headers.clone(),
    });
    Ok(Activation::Wait)
}
