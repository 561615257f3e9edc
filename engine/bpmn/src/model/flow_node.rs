//! Flow nodes: the closed set of element kinds the runtime executes.
//!
//! [`FlowNodeKind`] is a closed enum so every `match` over it in the runtime is exhaustive: a new
//! kind does not compile until each behavior handles it.

use super::{
    AsyncContinuations, CallActivity, ComplexGateway, EventTrigger, FlowIdx, InclusiveGateway,
    JobTask, MessageRef, MultiInstance, NodeIdx, ScopeIdx, ScriptTask, UserTask,
};
use crate::diagnostic::Position;
use crate::expression::Expression;

/// One BPMN flow node.
#[derive(Debug, Clone)]
pub struct FlowNode {
    /// BPMN id.
    pub id: String,
    /// BPMN name.
    pub name: Option<String>,
    /// The BPMN element it was parsed from.
    pub element_type: ElementType,
    /// What it does.
    pub kind: FlowNodeKind,
    /// The scope it lies in.
    pub scope: ScopeIdx,
    /// Incoming sequence flows.
    pub incoming: Vec<FlowIdx>,
    /// Outgoing sequence flows.
    pub outgoing: Vec<FlowIdx>,
    /// `default` flow of an exclusive or inclusive gateway (or an activity).
    pub default_flow: Option<FlowIdx>,
    /// Boundary events attached to this activity.
    pub boundary_events: Vec<NodeIdx>,
    /// Input mappings (`zeebe:input`, `camunda:inputParameter`), applied on activation into the
    /// element's local scope.
    pub inputs: Vec<Mapping>,
    /// Output mappings, applied on completion into the enclosing scope.
    pub outputs: Vec<Mapping>,
    /// Multi-instance loop characteristics of an activity: it then runs as a multi-instance body
    /// whose inner instances each run the activity (with the mappings above).
    pub multi_instance: Option<MultiInstance>,
    /// `isForCompensation`: a compensation handler, run only when the activity it compensates
    /// is compensated.
    pub is_for_compensation: bool,
    /// The compensation handler of this activity (associated with its compensation boundary
    /// event).
    pub compensation_handler: Option<NodeIdx>,
    /// `camunda:asyncBefore` / `camunda:asyncAfter`. On a multi-instance activity they apply to
    /// its body (before it starts, after it completed); those of its inner instances are
    /// [`MultiInstance::inner_async`].
    pub async_continuations: AsyncContinuations,
    /// Where the element starts in the XML.
    pub position: Position,
}

impl FlowNode {
    /// True when its scope can start it without a sequence flow (an ad-hoc sub-process, or a
    /// process or sub-process without start events, starts such nodes): anything but a
    /// boundary event, an event sub-process, a start event, a compensation handler or a link
    /// catch event.
    pub fn may_start_without_flow(&self) -> bool {
        !self.is_for_compensation
            && !matches!(
                self.kind,
                FlowNodeKind::BoundaryEvent { .. }
                    | FlowNodeKind::EventSubProcess { .. }
                    | FlowNodeKind::StartEvent { .. }
                    | FlowNodeKind::IntermediateCatchEvent {
                        trigger: super::EventTrigger::Link(_)
                    }
            )
    }
}

/// The scope and completion rules of an ad-hoc sub-process.
#[derive(Debug, Clone)]
pub struct AdHocSubProcess {
    /// The scope of its nodes.
    pub scope: ScopeIdx,
    /// `completionCondition`: evaluated in the sub-process's scope after each inner element
    /// completes; true completes the sub-process.
    pub completion_condition: Option<Expression>,
    /// `cancelRemainingInstances` (default true): when the completion condition holds, the inner
    /// elements still running are terminated; false lets them finish first.
    pub cancel_remaining_instances: bool,
    /// `zeebe:adHoc activeElementsCollection`: evaluated when the sub-process starts, the ids of
    /// the inner elements to start (instead of every element without incoming flows).
    pub active_elements: Option<Expression>,
}

/// A variable mapping: `target` receives the value of `source`.
#[derive(Debug, Clone)]
pub struct Mapping {
    /// Evaluated in the scope the mapping reads from.
    pub source: Expression,
    /// Variable name (a dotted path writes into a context).
    pub target: String,
}

/// What a flow node does at run time.
#[derive(Debug, Clone)]
pub enum FlowNodeKind {
    /// Starts its scope; `trigger` says what starts it.
    StartEvent {
        /// None, message, timer...
        trigger: EventTrigger,
        /// `isInterrupting` (absent: true). Only the start event of an event sub-process uses
        /// it: an interrupting one terminates the rest of its enclosing scope first.
        interrupting: bool,
    },
    /// Ends a path; `result` is what the end event throws (none, terminate, error, signal,
    /// message...).
    EndEvent {
        /// What the end event does besides ending the path.
        result: EventTrigger,
    },
    /// Waits for a message, a timer or another event.
    IntermediateCatchEvent {
        /// The event waited for.
        trigger: EventTrigger,
    },
    /// Throws an event and continues (a none throw event is a pass-through).
    IntermediateThrowEvent {
        /// The event thrown.
        trigger: EventTrigger,
    },
    /// An event attached to an activity.
    BoundaryEvent {
        /// The activity it is attached to.
        attached_to: NodeIdx,
        /// Interrupting (true) or not.
        cancel_activity: bool,
        /// The event caught.
        trigger: EventTrigger,
    },
    /// A task with no automated behavior (`task`, `manualTask`): it completes at once.
    Task,
    /// A task done by a job worker or a built-in connector (service, send, business rule task;
    /// a script task with a job definition; a message throw or end event with one).
    JobTask(JobTask),
    /// A task for a person.
    UserTask(UserTask),
    /// Waits for a message (`receiveTask messageRef`), like a message catch event; without a
    /// `messageRef` (`None`) it is a plain wait state that the API triggers (Camunda 7's
    /// `runtimeService.signal`).
    ReceiveTask(Option<MessageRef>),
    /// Evaluates a FEEL script and completes.
    ScriptTask(ScriptTask),
    /// Takes the first flow whose condition is true, else the default flow.
    ExclusiveGateway,
    /// Forks to every outgoing flow; joins by waiting for every incoming flow.
    ParallelGateway,
    /// Forks to every flow whose condition is true (else the default flow); joins by waiting for
    /// every token that can still arrive.
    InclusiveGateway(InclusiveGateway),
    /// Forks like an inclusive gateway; joins when its activation condition holds.
    ComplexGateway(ComplexGateway),
    /// Waits for the first of the catch events its outgoing flows lead to, then continues through
    /// that event only.
    EventBasedGateway,
    /// An embedded sub-process with its own scope.
    SubProcess {
        /// The scope of its nodes.
        scope: ScopeIdx,
    },
    /// An ad-hoc sub-process (`adHocSubProcess`): its inner activities without incoming flows
    /// all start with it; it completes when nothing runs in it any more, or when its completion
    /// condition holds after an inner completion.
    AdHocSubProcess(AdHocSubProcess),
    /// An event sub-process (`subProcess triggeredByEvent="true"`): no sequence flows; its one
    /// start event (message, timer, error, escalation...) starts it inside its enclosing scope
    /// (the process or an embedded sub-process) while that scope is active.
    EventSubProcess {
        /// The scope of its nodes.
        scope: ScopeIdx,
    },
    /// Starts an instance of another process and waits for it to complete.
    CallActivity(CallActivity),
    /// A BPMN element Keel recognises but does not execute yet (a parallel event-based
    /// gateway, an `eventDefinitionRef`...). Only non-executable processes can hold one without
    /// an error; the runtime never meets it in a deployable process.
    Unsupported {
        /// What is not supported: the element's local name (`inclusiveGateway`), or the event
        /// definition (`signalEventDefinition`), or a short description (`event subProcess`).
        element: String,
    },
}

/// The BPMN element a flow node was parsed from; `as_str` is the BPMN local name that the API
/// reports as `element_type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ElementType {
    /// `startEvent`
    StartEvent,
    /// `endEvent`
    EndEvent,
    /// `intermediateCatchEvent`
    IntermediateCatchEvent,
    /// `intermediateThrowEvent`
    IntermediateThrowEvent,
    /// `boundaryEvent`
    BoundaryEvent,
    /// `task`
    Task,
    /// `manualTask`
    ManualTask,
    /// `serviceTask`
    ServiceTask,
    /// `sendTask`
    SendTask,
    /// `businessRuleTask`
    BusinessRuleTask,
    /// `userTask`
    UserTask,
    /// `exclusiveGateway`
    ExclusiveGateway,
    /// `parallelGateway`
    ParallelGateway,
    /// `subProcess`
    SubProcess,
    /// `inclusiveGateway`
    InclusiveGateway,
    /// `eventBasedGateway`
    EventBasedGateway,
    /// `complexGateway`
    ComplexGateway,
    /// `scriptTask`
    ScriptTask,
    /// `receiveTask`
    ReceiveTask,
    /// `callActivity`
    CallActivity,
    /// `transaction` (a sub-process that a cancel end event can cancel)
    Transaction,
    /// `adHocSubProcess`
    AdHocSubProcess,
}

impl ElementType {
    /// The BPMN local element name.
    pub fn as_str(self) -> &'static str {
        match self {
            ElementType::StartEvent => "startEvent",
            ElementType::EndEvent => "endEvent",
            ElementType::IntermediateCatchEvent => "intermediateCatchEvent",
            ElementType::IntermediateThrowEvent => "intermediateThrowEvent",
            ElementType::BoundaryEvent => "boundaryEvent",
            ElementType::Task => "task",
            ElementType::ManualTask => "manualTask",
            ElementType::ServiceTask => "serviceTask",
            ElementType::SendTask => "sendTask",
            ElementType::BusinessRuleTask => "businessRuleTask",
            ElementType::UserTask => "userTask",
            ElementType::ExclusiveGateway => "exclusiveGateway",
            ElementType::ParallelGateway => "parallelGateway",
            ElementType::SubProcess => "subProcess",
            ElementType::InclusiveGateway => "inclusiveGateway",
            ElementType::EventBasedGateway => "eventBasedGateway",
            ElementType::ComplexGateway => "complexGateway",
            ElementType::ScriptTask => "scriptTask",
            ElementType::ReceiveTask => "receiveTask",
            ElementType::CallActivity => "callActivity",
            ElementType::Transaction => "transaction",
            ElementType::AdHocSubProcess => "adHocSubProcess",
        }
    }
}
