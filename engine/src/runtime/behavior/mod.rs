//! Element behaviors: what each BPMN element kind does when activated and which flows it takes
//! when it completes. One file per element kind; dispatch is an exhaustive `match` over
//! [`FlowNodeKind`] with no catch-all arm, so a new kind does not compile until it is handled.

pub mod ad_hoc_sub_process;
pub mod boundary_event;
pub mod call_activity;
pub mod compensation;
pub mod complex_gateway;
pub mod conditional_event;
pub mod data_object;
mod end_event;
mod escalation;
pub mod event_based_gateway;
pub mod event_sub_process;
mod exclusive_gateway;
pub mod inclusive_gateway;
mod intermediate_catch_event;
mod job_task;
mod link_event;
mod message_event;
pub mod multi_instance;
pub mod operator_trigger;
pub mod parallel_event;
pub mod receive_task;
mod script_task;
mod signal_event;
mod start_event;
mod sub_process;
pub mod timer_cycle;
pub mod transaction;
mod user_task;
pub mod waits;

use keel_bpmn::{EventTrigger, FlowIdx, FlowNode, FlowNodeKind, NodeIdx, ProcessDefinition};

use super::effect::Work;
use super::eval::{self, Failure};
use super::flow::Run;
use super::state::ElementKey;

/// What an activation leads to.
pub enum Activation {
    /// The element waits (job, task, timer, message, children).
    Wait,
    /// The element completes at once.
    Complete,
    /// The behavior already moved on by itself (e.g. an error end event whose error was caught).
    Done,
}

/// Activates element instance `key` of `node`.
pub fn activate(run: &mut Run<'_>, key: ElementKey, node: NodeIdx) -> Result<Activation, Failure> {
    let def = run.def;
    let flow_node = def.node(node);
    if let Some(mi) = &flow_node.multi_instance
        && multi_instance::is_body(run.state, key)
    {
        let activation = multi_instance::activate_body(run, key, flow_node, mi)?;
        if matches!(activation, Activation::Wait) && !flow_node.boundary_events.is_empty() {
            boundary_event::subscribe(run, key, flow_node)?;
        }
        return Ok(activation);
    }
    // A sub-process re-created to compensate: no start event, no boundary events.
    if run.state.elements.get(&key).is_some_and(|e| e.compensation) {
        return Ok(compensation::activate_recreated(run, key, flow_node));
    }
    let activation = match &flow_node.kind {
        FlowNodeKind::StartEvent { trigger, .. } => {
            start_event::activate(run, key, flow_node, trigger)?
        }
        FlowNodeKind::EndEvent { result } => end_event::activate(run, key, result)?,
        // After an event-based gateway the event has occurred when the catch event is reached.
        FlowNodeKind::IntermediateCatchEvent { .. }
            if event_based_gateway::follows_gateway(def, flow_node) =>
        {
            Activation::Complete
        }
        FlowNodeKind::IntermediateCatchEvent { trigger } => {
            intermediate_catch_event::activate(run, key, flow_node, trigger)?
        }
        FlowNodeKind::IntermediateThrowEvent {
            trigger: EventTrigger::Escalation(escalation),
        } => escalation::throw(run, key, escalation.code.as_deref().unwrap_or_default()),
        FlowNodeKind::IntermediateThrowEvent {
            trigger: EventTrigger::Compensation(compensate),
        } => compensation::throw(run, key, compensate),
        FlowNodeKind::IntermediateThrowEvent {
            trigger:
                trigger @ (EventTrigger::Signal(_)
                | EventTrigger::Message(_)
                | EventTrigger::Multiple(_)),
        } => throw_all(run, key, trigger)?,
        // A none throw event is a pass-through; a link throw event jumps when it completes.
        FlowNodeKind::IntermediateThrowEvent { .. } => Activation::Complete,
        // Reached only once the event was triggered (see boundary_event::trigger).
        FlowNodeKind::BoundaryEvent { .. } => Activation::Complete,
        FlowNodeKind::Task => Activation::Complete,
        FlowNodeKind::JobTask(task) => job_task::activate(run, key, flow_node, task)?,
        FlowNodeKind::UserTask(task) => user_task::activate(run, key, flow_node, task)?,
        FlowNodeKind::ReceiveTask(message) => {
            receive_task::activate(run, key, flow_node, message.as_ref())?
        }
        FlowNodeKind::ScriptTask(task) => script_task::activate(run, key, flow_node, task)?,
        FlowNodeKind::ExclusiveGateway
        | FlowNodeKind::ParallelGateway
        | FlowNodeKind::InclusiveGateway(_) => Activation::Complete,
        FlowNodeKind::EventBasedGateway => event_based_gateway::activate(run, key, flow_node)?,
        FlowNodeKind::ComplexGateway(gateway) => {
            complex_gateway::activate(run, key, flow_node, gateway)?
        }
        FlowNodeKind::CallActivity(call) => call_activity::activate(run, key, flow_node, call)?,
        FlowNodeKind::SubProcess { scope } => sub_process::activate(run, key, *scope)?,
        FlowNodeKind::AdHocSubProcess(ad_hoc) => ad_hoc_sub_process::activate(run, key, ad_hoc)?,
        FlowNodeKind::EventSubProcess { scope } => event_sub_process::activate(run, key, *scope)?,
        // Deployment refuses executable processes with unsupported elements; a state that
        // reaches one anyway stops with an incident instead of guessing.
        FlowNodeKind::Unsupported { element } => {
            return Err(Failure {
                kind: "unsupported_element",
                message: format!("{element} '{}' is not supported", flow_node.id),
            });
        }
    };
    // The boundary events of a multi-instance activity belong to its body.
    if matches!(activation, Activation::Wait)
        && !flow_node.boundary_events.is_empty()
        && multi_instance::body_of(run.state, key).is_none()
    {
        boundary_event::subscribe(run, key, flow_node)?;
    }
    Ok(activation)
}

/// One message or signal a throw event throws, its expressions evaluated.
enum Thrown {
    Message(message_event::Message),
    Signal(signal_event::Signal),
}

/// Throws the message(s) and signal(s) of throw event instance `key`, in document order, each
/// reaching the waits of this instance at once; `Done` when that ended the thrower (an
/// interrupting catch around it). Every expression is evaluated first: a failure throws
/// nothing (an incident; resolving it throws them all).
pub fn throw_all(
    run: &mut Run<'_>,
    key: ElementKey,
    trigger: &EventTrigger,
) -> Result<Activation, Failure> {
    let mut thrown = Vec::new();
    for definition in trigger.definitions() {
        match definition {
            EventTrigger::Message(message) => {
                thrown.push(Thrown::Message(message_event::evaluate(run, key, message)?));
            }
            EventTrigger::Signal(signal) => {
                thrown.push(Thrown::Signal(signal_event::evaluate(run, key, signal)?));
            }
            _ => {} // deployment refuses other definitions on a throw event with several
        }
    }
    for one in thrown {
        match one {
            Thrown::Message(message) => message_event::throw(run, message),
            Thrown::Signal(signal) => signal_event::throw(run, signal),
        }
        if !run.state.elements.contains_key(&key) {
            return Ok(Activation::Done);
        }
    }
    Ok(Activation::Complete)
}

/// The flows element instance `key` of `node` takes when it completes.
pub fn outgoing(
    run: &mut Run<'_>,
    key: ElementKey,
    node: NodeIdx,
) -> Result<Vec<FlowIdx>, Failure> {
    let def = run.def;
    let flow_node = def.node(node);
    match &flow_node.kind {
        FlowNodeKind::IntermediateThrowEvent {
            trigger: EventTrigger::Link(link),
        } => link_event::jump(run, key, link),
        FlowNodeKind::ExclusiveGateway => exclusive_gateway::outgoing(run, key, flow_node),
        FlowNodeKind::ParallelGateway => Ok(flow_node.outgoing.clone()),
        FlowNodeKind::InclusiveGateway(_) | FlowNodeKind::ComplexGateway(_) => {
            inclusive_gateway::outgoing(run, key, flow_node)
        }
        FlowNodeKind::EventBasedGateway => event_based_gateway::outgoing(run, key, flow_node),
        FlowNodeKind::StartEvent { .. }
        | FlowNodeKind::EndEvent { .. }
        | FlowNodeKind::IntermediateCatchEvent { .. }
        | FlowNodeKind::IntermediateThrowEvent { .. }
        | FlowNodeKind::BoundaryEvent { .. }
        | FlowNodeKind::Task
        | FlowNodeKind::JobTask(_)
        | FlowNodeKind::UserTask(_)
        | FlowNodeKind::ReceiveTask(_)
        | FlowNodeKind::ScriptTask(_)
        | FlowNodeKind::SubProcess { .. }
        | FlowNodeKind::AdHocSubProcess(_)
        | FlowNodeKind::EventSubProcess { .. }
        | FlowNodeKind::CallActivity(_)
        | FlowNodeKind::Unsupported { .. } => uncontrolled_outgoing(run, key, flow_node),
    }
}

/// The kinds of rows an instance of `node` can own (a superset: its own wait, its boundary
/// events' waits, and the waits of event sub-process start events of its scope).
pub fn owned_work(def: &ProcessDefinition, node: &FlowNode) -> Work {
    let boundary = if node.boundary_events.is_empty() {
        Work::NONE
    } else {
        Work::EVENTS
    };
    let own = match &node.kind {
        FlowNodeKind::SubProcess { scope } | FlowNodeKind::EventSubProcess { scope } => {
            if event_sub_process::has_waits(def, *scope) {
                Work::EVENTS
            } else {
                Work::NONE
            }
        }
        FlowNodeKind::AdHocSubProcess(ad_hoc) => {
            if event_sub_process::has_waits(def, ad_hoc.scope) {
                Work::EVENTS
            } else {
                Work::NONE
            }
        }
        FlowNodeKind::JobTask(_) => Work::JOBS,
        FlowNodeKind::UserTask(_) => Work::USER_TASKS,
        FlowNodeKind::ReceiveTask(_) => Work::SUBSCRIPTIONS,
        FlowNodeKind::IntermediateCatchEvent { .. } | FlowNodeKind::EventBasedGateway => {
            Work::EVENTS
        }
        // A parallel multiple start event of the process waits for its other definitions.
        FlowNodeKind::StartEvent { trigger, .. } if trigger.is_parallel() => Work::EVENTS,
        FlowNodeKind::StartEvent { .. }
        | FlowNodeKind::EndEvent { .. }
        | FlowNodeKind::IntermediateThrowEvent { .. }
        | FlowNodeKind::BoundaryEvent { .. }
        | FlowNodeKind::Task
        | FlowNodeKind::ScriptTask(_)
        | FlowNodeKind::ExclusiveGateway
        | FlowNodeKind::ParallelGateway
        | FlowNodeKind::InclusiveGateway(_)
        | FlowNodeKind::ComplexGateway(_)
        | FlowNodeKind::CallActivity(_)
        | FlowNodeKind::Unsupported { .. } => Work::NONE,
    };
    own.with(boundary)
}

/// Outgoing flows of an activity or event: every flow without a condition and every flow whose
/// condition is true; the default flow only when no conditional flow is true.
fn uncontrolled_outgoing(
    run: &mut Run<'_>,
    key: ElementKey,
    node: &FlowNode,
) -> Result<Vec<FlowIdx>, Failure> {
    let def = run.def;
    let mut taken = Vec::new();
    let mut any_conditional_true = false;
    let mut any_conditional = false;
    for flow in &node.outgoing {
        if Some(*flow) == node.default_flow {
            continue;
        }
        let Some(sequence_flow) = def.get_flow(*flow) else {
            continue;
        };
        match &sequence_flow.condition {
            None => taken.push(*flow),
            Some(condition) => {
                any_conditional = true;
                if condition_holds(run, key, &sequence_flow.id, condition)? {
                    any_conditional_true = true;
                    taken.push(*flow);
                }
            }
        }
    }
    if any_conditional
        && !any_conditional_true
        && let Some(default) = node.default_flow
    {
        taken.push(default);
    }
    if taken.is_empty() && !node.outgoing.is_empty() {
        return Err(Failure {
            kind: "no_matching_flow",
            message: format!(
                "no outgoing sequence flow of '{}' can be taken: every condition is false and there is no default flow",
                node.id
            ),
        });
    }
    Ok(taken)
}

/// The outgoing flows of gateway `node` whose condition holds (a flow without a condition holds),
/// in document order and leaving out the default flow; with `first_only`, evaluation stops at
/// the first (exclusive gateway). Else its default flow; with neither, a `no_matching_flow`
/// incident naming `what` (the gateway's kind). An inclusive or complex gateway without
/// outgoing flows takes none; an exclusive one must take one.
fn gateway_outgoing(
    run: &mut Run<'_>,
    key: ElementKey,
    node: &FlowNode,
    first_only: bool,
    what: &str,
) -> Result<Vec<FlowIdx>, Failure> {
    let def = run.def;
    let mut taken = Vec::new();
    for flow in &node.outgoing {
        if Some(*flow) == node.default_flow {
            continue;
        }
        let Some(sequence_flow) = def.get_flow(*flow) else {
            continue;
        };
        let holds = match &sequence_flow.condition {
            None => true,
            Some(condition) => condition_holds(run, key, &sequence_flow.id, condition)?,
        };
        if holds {
            taken.push(*flow);
            if first_only {
                break;
            }
        }
    }
    if !taken.is_empty() || (node.outgoing.is_empty() && !first_only) {
        return Ok(taken);
    }
    match node.default_flow {
        Some(default) => Ok(vec![default]),
        None => Err(Failure {
            kind: "no_matching_flow",
            message: format!(
                "no condition of {what} '{}' is true and it has no default flow",
                node.id
            ),
        }),
    }
}

/// Evaluates a sequence-flow condition: only a boolean counts; null or another type raises an
/// incident (it never silently falls through to the default flow).
fn condition_holds(
    run: &Run<'_>,
    key: ElementKey,
    flow_id: &str,
    condition: &keel_bpmn::Expression,
) -> Result<bool, Failure> {
    let what = format!("condition of sequence flow '{flow_id}'");
    eval::condition(run.state, key, &run.now, condition, &what)
}
