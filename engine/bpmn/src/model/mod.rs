//! The executable process model: pure data, immutable after parsing.
//!
//! A [`ProcessDefinition`] holds every flow node and sequence flow of one BPMN process in flat
//! vectors addressed by small indices ([`NodeIdx`], [`FlowIdx`], [`ScopeIdx`]); a [`Scope`] is
//! the process itself or one embedded sub-process. The runtime's element-instance tree mirrors
//! this scope tree one to one. Nothing here performs I/O or evaluates expressions.

mod call_activity;
mod continuation;
mod data_object;
mod event;
mod flow_node;
mod gateway;
mod multi_instance;
mod task;

use std::collections::HashMap;

pub use call_activity::{CallActivity, CalledBinding};
pub use continuation::AsyncContinuations;
pub use data_object::DataObject;
pub use event::{
    CompensateRef, ConditionalRef, ErrorRef, EscalationRef, EventTrigger, LinkRef, MessageRef,
    MultipleTrigger, SignalRef, TimerDefinition, VariableEvents,
};
pub use flow_node::{AdHocSubProcess, ElementType, FlowNode, FlowNodeKind, Mapping};
pub use gateway::{ComplexGateway, InclusiveGateway};
pub use multi_instance::{MultiInstance, StandardLoop};
pub use task::{FormRef, FormRefBinding, JobTask, RetryCycle, ScriptTask, UserTask};

use crate::expression::Expression;

/// Index of a flow node in [`ProcessDefinition::nodes`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeIdx(pub u32);

/// Index of a sequence flow in [`ProcessDefinition::flows`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FlowIdx(pub u32);

/// Index of a scope in [`ProcessDefinition::scopes`]; `ScopeIdx::ROOT` is the process.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ScopeIdx(pub u32);

impl ScopeIdx {
    /// The process's own scope.
    pub const ROOT: ScopeIdx = ScopeIdx(0);
}

/// One executable BPMN process, as deployed.
#[derive(Debug, Clone)]
pub struct ProcessDefinition {
    /// The process element's `id`: the definition key.
    pub key: String,
    /// The process element's `name`.
    pub name: Option<String>,
    /// `isExecutable` (absent counts as executable).
    pub is_executable: bool,
    /// Every flow node of every scope.
    pub nodes: Vec<FlowNode>,
    /// Every sequence flow of every scope.
    pub flows: Vec<SequenceFlow>,
    /// `scopes[0]` is the process; one more per embedded sub-process.
    pub scopes: Vec<Scope>,
    /// Node ids to indices.
    pub node_ids: HashMap<String, NodeIdx>,
    /// `camunda:initiator` of a start event of the process: the variable that receives the
    /// name of the user who started the instance (Camunda 7 reads it per process, for every
    /// start).
    pub initiator: Option<String>,
    /// The ids of the `dataInput`s of the process's `ioSpecification`: a call activity starting
    /// it passes exactly these variables (each is required), as SpiffWorkflow does.
    pub data_inputs: Vec<String>,
    /// The ids of the `dataOutput`s of the process's `ioSpecification`: when it was started by
    /// a call activity, only these variables go back to it.
    pub data_outputs: Vec<String>,
}

impl ProcessDefinition {
    /// The node at `idx`. Indices come from this definition, so they are always in range;
    /// an out-of-range index (a bug) yields the first node rather than a panic.
    pub fn node(&self, idx: NodeIdx) -> &FlowNode {
        let i = idx.0 as usize;
        match self.nodes.get(i) {
            Some(n) => n,
            None => &self.nodes[0],
        }
    }

    /// The node at `idx`, if it exists.
    pub fn get_node(&self, idx: NodeIdx) -> Option<&FlowNode> {
        self.nodes.get(idx.0 as usize)
    }

    /// The sequence flow at `idx`, if it exists.
    pub fn get_flow(&self, idx: FlowIdx) -> Option<&SequenceFlow> {
        self.flows.get(idx.0 as usize)
    }

    /// The scope at `idx`, if it exists.
    pub fn get_scope(&self, idx: ScopeIdx) -> Option<&Scope> {
        self.scopes.get(idx.0 as usize)
    }

    /// Looks a node up by its BPMN id.
    pub fn node_by_id(&self, id: &str) -> Option<NodeIdx> {
        self.node_ids.get(id).copied()
    }
}

/// The nodes of the process or of one embedded sub-process.
#[derive(Debug, Clone, Default)]
pub struct Scope {
    /// The sub-process node that owns this scope; `None` for the process.
    pub owner: Option<NodeIdx>,
    /// The none start event that starts this scope.
    pub none_start: Option<NodeIdx>,
    /// Every start event directly in this scope.
    pub start_events: Vec<NodeIdx>,
    /// Every flow node directly in this scope (boundary events included).
    pub nodes: Vec<NodeIdx>,
    /// The event sub-processes directly in this scope.
    pub event_sub_processes: Vec<NodeIdx>,
    /// The data objects declared directly in this scope: variables of the scope.
    pub data_objects: Vec<DataObject>,
    /// For a process or embedded sub-process without any start event: the nodes without
    /// incoming sequence flows that start when the scope starts (BPMN 2.0, 10.5.2: "all Flow
    /// Nodes without incoming Sequence Flows" are instantiated). Empty otherwise.
    pub implicit_starts: Vec<NodeIdx>,
}

impl Scope {
    /// Where the scope starts when it is entered (not by an event): its none start event, or,
    /// without any start event, the nodes without incoming sequence flows. Empty when neither
    /// exists (a scope started only by its events).
    pub fn entry_nodes(&self) -> Vec<NodeIdx> {
        match self.none_start {
            Some(start) => vec![start],
            None => self.implicit_starts.clone(),
        }
    }
}

/// A sequence flow between two nodes of the same scope.
#[derive(Debug, Clone)]
pub struct SequenceFlow {
    /// BPMN id.
    pub id: String,
    /// `sourceRef`.
    pub source: NodeIdx,
    /// `targetRef`.
    pub target: NodeIdx,
    /// `conditionExpression`, parsed at deploy.
    pub condition: Option<Expression>,
}
