//! Triggers: everything that can move a process instance, as plain data.

use serde_json::{Map, Value as Json};

use super::state::ElementKey;

/// An input to [`super::step`]. Who caused it (the actor) is recorded by the engine, not here.
#[derive(Debug, Clone, PartialEq)]
pub enum Trigger {
    /// Start the instance at the process's none start event (its state is fresh).
    Start,
    /// The job of element `key` was completed with these variables.
    JobCompleted {
        /// Element instance of the task.
        key: ElementKey,
        /// Variables from the worker.
        variables: Map<String, Json>,
    },
    /// The job of element `key` failed with no retries left: raise a `job_failed` incident.
    JobFailed {
        /// Element instance of the task.
        key: ElementKey,
        /// The worker's error message.
        message: String,
    },
    /// The job of element `key` threw a BPMN error.
    ErrorThrown {
        /// Element instance of the task.
        key: ElementKey,
        /// `errorCode` to match against error catch events.
        code: String,
        /// The worker's message.
        message: String,
        /// Variables set on the catching scope.
        variables: Map<String, Json>,
    },
    /// The user task of element `key` was completed.
    UserTaskCompleted {
        /// Element instance of the task.
        key: ElementKey,
        /// Variables from the completing user.
        variables: Map<String, Json>,
    },
    /// A timer owned by element instance `key` fired; `element_id` is the catch or boundary event.
    TimerFired {
        /// Element instance that owns the timer.
        key: ElementKey,
        /// The timer event's BPMN id.
        element_id: String,
    },
    /// A message matched the subscription of element instance `key` (`element_id`: the catch or
    /// boundary event).
    MessageCorrelated {
        /// Element instance that owns the subscription.
        key: ElementKey,
        /// The message event's BPMN id.
        element_id: String,
        /// The message's variables.
        variables: Map<String, Json>,
    },
    /// An operator cancelled the instance.
    Cancel,
    /// An operator resolved the incident on element instance `key`: retry the failed step.
    ResolveIncident {
        /// Element instance with the incident.
        key: ElementKey,
    },
    /// An operator set variables on the process scope.
    SetVariables {
        /// Variables to set (root scope).
        variables: Map<String, Json>,
    },
}

impl Trigger {
    /// The audit record kind for this trigger.
    pub fn audit_kind(&self) -> &'static str {
        match self {
            Trigger::Start => "instance_started",
            Trigger::JobCompleted { .. } => "job_completed",
            Trigger::JobFailed { .. } => "job_failed",
            Trigger::ErrorThrown { .. } => "error_thrown",
            Trigger::UserTaskCompleted { .. } => "task_completed",
            Trigger::TimerFired { .. } => "timer_fired",
            Trigger::MessageCorrelated { .. } => "message_correlated",
            Trigger::Cancel => "instance_cancelled",
            Trigger::ResolveIncident { .. } => "incident_resolved",
            Trigger::SetVariables { .. } => "variables_set",
        }
    }
}
