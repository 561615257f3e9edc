//! Triggers: everything that can move a process instance, as plain data.

use serde_json::{Map, Value as Json};

use super::state::ElementKey;

/// An input to [`super::step`]. Who caused it (the actor) is recorded by the engine, not here.
#[derive(Debug, Clone, PartialEq)]
pub enum Trigger {
    /// Start the instance where the process is entered: its none start event, or without any
    /// start event every node without incoming flows (`Scope::entry_nodes`; its state is fresh).
    Start,
    /// Start the instance at one of the process's start events (a message, signal, timer or
    /// conditional start event; its state is fresh).
    StartAt {
        /// The start event's BPMN id.
        element_id: String,
        /// Which of its event definitions occurred: a parallel multiple start event then waits
        /// for the others.
        by: Option<Occurrence>,
    },
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
        /// When it was due (epoch ms): a repeating timer's next due time is reckoned from it.
        due_at_ms: i64,
    },
    /// A message matched the subscription of element instance `key` (`element_id`: the catch or
    /// boundary event).
    MessageCorrelated {
        /// Element instance that owns the subscription.
        key: ElementKey,
        /// The message event's BPMN id.
        element_id: String,
        /// The message's name (which definition of an event with several it matched).
        name: String,
        /// The message's variables.
        variables: Map<String, Json>,
    },
    /// A broadcast signal reached the subscription of element instance `key` (`element_id`: the
    /// catch, boundary or event sub-process start event).
    SignalReceived {
        /// Element instance that owns the subscription.
        key: ElementKey,
        /// The signal event's BPMN id.
        element_id: String,
        /// The signal's name (which definition of an event with several it matched).
        name: String,
        /// The signal's variables.
        variables: Map<String, Json>,
    },
    /// The instance called by call activity instance `key` completed with these variables.
    CalledCompleted {
        /// The call activity's element instance.
        key: ElementKey,
        /// The called instance's process-scope variables.
        variables: Map<String, Json>,
    },
    /// The instance for call activity instance `key` could not be started (no such process or
    /// version): raise a `call_failed` incident; resolving it tries again.
    CallFailed {
        /// The call activity's element instance.
        key: ElementKey,
        /// Why.
        message: String,
    },
    /// The instance called by call activity instance `key` threw error `code` that it does not
    /// catch itself. The step fails with `Error::ErrorNotCaught` when nothing here catches it.
    CalledErrorThrown {
        /// The call activity's element instance.
        key: ElementKey,
        /// The error code.
        code: String,
        /// The error's message, if it has one.
        message: Option<String>,
    },
    /// No calling instance caught error `code` of end event instance `key` either: raise an
    /// `unhandled_error` incident there; resolving it throws again.
    ErrorNotCaught {
        /// The end event's element instance.
        key: ElementKey,
        /// The error code.
        code: String,
    },
    /// The engine ran the continuation job of element instance `key`, which waits before it
    /// starts or after it completed (`camunda:asyncBefore` / `asyncAfter`): go on from there.
    AsyncContinued {
        /// The waiting element instance.
        key: ElementKey,
    },
    /// The instance called by call activity instance `key` got its first open incident
    /// (`open`) or resolved its last one: the call activity mirrors that with an incident of
    /// its own (kind `called_instance_incident`), or clears it.
    CalledIncidents {
        /// The call activity's element instance.
        key: ElementKey,
        /// The called instance has open incidents.
        open: bool,
        /// The called instance's id (for the incident message).
        called: String,
    },
    /// An operator triggered the wait state `element_id` (a receive task or an intermediate
    /// catch event; Camunda 7's `runtimeService.signal`): its oldest waiting instance
    /// completes with these variables, as if its message (or timer...) had come.
    ElementTriggered {
        /// The waiting element's BPMN id.
        element_id: String,
        /// Variables, landing like a message's.
        variables: Map<String, Json>,
    },
    /// An operator activated inner elements of the running ad-hoc sub-process `element_id`
    /// (its oldest active instance), in this order, after setting `variables` in its scope.
    AdHocActivated {
        /// The ad-hoc sub-process's BPMN id.
        element_id: String,
        /// The BPMN ids of the inner elements to start.
        elements: Vec<String>,
        /// Variables set local to the ad-hoc sub-process first.
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

/// Which event definition of an event occurred: a parallel multiple event counts them, and
/// occurs once each has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Occurrence {
    /// A message of this name.
    Message(String),
    /// A signal of this name.
    Signal(String),
    /// Its timer.
    Timer,
    /// Its condition.
    Condition,
}

impl Trigger {
    /// The audit record kind for this trigger.
    pub fn audit_kind(&self) -> &'static str {
        match self {
            Trigger::Start | Trigger::StartAt { .. } => "instance_started",
            Trigger::JobCompleted { .. } => "job_completed",
            Trigger::JobFailed { .. } => "job_failed",
            Trigger::ErrorThrown { .. } => "error_thrown",
            Trigger::UserTaskCompleted { .. } => "task_completed",
            Trigger::TimerFired { .. } => "timer_fired",
            Trigger::MessageCorrelated { .. } => "message_correlated",
            Trigger::SignalReceived { .. } => "signal_received",
            Trigger::CalledCompleted { .. } => "called_instance_completed",
            Trigger::CallFailed { .. } => "call_failed",
            Trigger::CalledErrorThrown { .. } => "error_thrown",
            Trigger::ErrorNotCaught { .. } => "error_not_caught",
            Trigger::AsyncContinued { .. } => "async_continued",
            Trigger::ElementTriggered { .. } => "element_triggered",
            Trigger::CalledIncidents { .. } => "called_instance_incident",
            Trigger::AdHocActivated { .. } => "ad_hoc_elements_activated",
            Trigger::Cancel => "instance_cancelled",
            Trigger::ResolveIncident { .. } => "incident_resolved",
            Trigger::SetVariables { .. } => "variables_set",
        }
    }
}
