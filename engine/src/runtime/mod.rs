//! The token engine: a deterministic, synchronous core that applies one [`Trigger`] to one
//! process instance and returns its effects as data.
//!
//! `step` never performs I/O, never reads a clock (`now` is a parameter) and never generates
//! ids: the shell (`crate::engine`) persists the new state and the [`Outcome`] in one
//! transaction. A failed step leaves the state untouched. Element behaviors live one per file in
//! `behavior/`; the shared mechanics (agenda, flows, joins, scope completion, termination) in
//! `flow.rs`. Incidents stop one path, never the whole instance: other branches go on.

mod behavior;
mod continuation;
pub mod effect;
mod eval;
mod flow;
pub mod state;
mod timer;
pub mod trigger;
pub mod variables;

use keel_bpmn::ProcessDefinition;

pub use behavior::ad_hoc_sub_process::startable as ad_hoc_startable;
pub use behavior::call_activity::{CALLED_INCIDENT, MAX_CALL_DEPTH};
pub use effect::{
    AsyncPoint, CONDITION_PREFIX, CONTINUATION_JOB_TYPE, CallSpec, CalledVersion, Effect, Outcome,
    SIGNAL_PREFIX, TRIGGER_PREFIX, Transition, TransitionKind, UserTaskSpec, Work,
    is_engine_subscription, reserved_message_name,
};
pub use state::{ElementKey, ElementState, InstanceState, InstanceStatus, ROOT_KEY};
pub use timer::{Cycle, TimerError, TimerKind, parse_due};
pub use trigger::{Occurrence, Trigger};

/// Why a trigger could not be applied (the instance is left unchanged).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// The instance has already ended.
    #[error("process instance has already ended ({0})")]
    InstanceEnded(&'static str),
    /// No live element instance with that key.
    #[error("element instance {0} is not active")]
    ElementNotActive(ElementKey),
    /// The element instance does not wait for this kind of trigger.
    #[error("element '{element_id}' is not waiting for {expected}")]
    NotWaiting {
        /// BPMN id of the element.
        element_id: String,
        /// What the trigger needed.
        expected: &'static str,
    },
    /// The element instance has no open incident.
    #[error("element '{0}' has no open incident")]
    NoIncident(String),
    /// The model has no none start event (it starts by messages, timers or signals).
    #[error("process '{0}' has no none start event")]
    NoStartEvent(String),
    /// An error offered by a called instance is caught by nothing here.
    #[error("error '{0}' is not caught")]
    ErrorNotCaught(String),
    /// The incident of a call activity stands for the open incidents of the instance it
    /// called: those are resolved there, not here.
    #[error(
        "the incident of '{0}' stands for an open incident of the instance it called: resolve that one"
    )]
    IncidentInCalledInstance(String),
    /// The state refers to an element the definition does not have.
    #[error("state refers to unknown element '{0}'")]
    UnknownElement(String),
}

/// Parameters of one step.
#[derive(Debug, Clone)]
pub struct StepContext {
    /// The engine clock's reading for this step.
    pub now: jiff::Timestamp,
    /// Maximum number of element activations/completions before the run stops with a
    /// `step_budget` incident (a loop without a wait state).
    pub step_budget: u32,
}

/// Whether the condition of the process-level conditional start event `element_id` holds for
/// `variables` (a fresh instance's process scope at `now`): `Ok(false)` also when the event is
/// no conditional start event, or the condition reads a variable that is not given (as in
/// Camunda 7); `Err` names the expression and why for another null or non-boolean value.
pub fn start_condition_holds(
    definition: &ProcessDefinition,
    element_id: &str,
    variables: &serde_json::Map<String, serde_json::Value>,
    now: jiff::Timestamp,
) -> Result<bool, String> {
    let Some(node) = definition
        .node_by_id(element_id)
        .map(|n| definition.node(n))
    else {
        return Ok(false);
    };
    let keel_bpmn::FlowNodeKind::StartEvent { trigger, .. } = &node.kind else {
        return Ok(false);
    };
    let Some(conditional) = trigger.definitions().iter().find_map(|d| match d {
        keel_bpmn::EventTrigger::Conditional(c) => Some(c),
        _ => None,
    }) else {
        return Ok(false);
    };
    let state = InstanceState::new(variables.clone());
    let now = now.to_zoned(jiff::tz::TimeZone::UTC);
    let what = format!("condition of '{element_id}'");
    eval::condition_unless_missing(&state, ROOT_KEY, &now, &conditional.condition, &what)
        .map_err(|f| f.message)
}

/// Applies `trigger` to `state` and returns what happened. On error, `state` is unchanged.
pub fn step(
    definition: &ProcessDefinition,
    state: &mut InstanceState,
    trigger: Trigger,
    ctx: &StepContext,
) -> Result<Outcome, Error> {
    if state.status.is_ended() {
        return Err(Error::InstanceEnded(state.status.as_str()));
    }
    let mut working = state.clone();
    let mut outcome = {
        let mut run = flow::Run::new(definition, &mut working, ctx);
        run.apply(trigger)?;
        run.drain()?;
        run.finish()
    };
    behavior::call_activity::mirror_incidents(state, &working, &mut outcome);
    *state = working;
    Ok(outcome)
}
