//! The shared mechanics of a step: the agenda, element activation and completion (with the
//! multi-instance body / inner instance hooks), sequence flows, parallel and inclusive joins,
//! scope completion and termination.
//!
//! Only this file and the behaviors change element instances, and every change is recorded as a
//! [`Transition`], so history and audit are complete by construction.

use std::collections::BTreeMap;

use keel_bpmn::{FlowIdx, FlowNodeKind, NodeIdx, ProcessDefinition, ScopeIdx};
use serde_json::{Map, Value as Json};

use super::behavior::{self, Activation, multi_instance};
use super::continuation;
use super::eval::{self, Failure};
use super::state::{
    Action, Compensable, ElementInstance, ElementKey, ElementState, InstanceState, InstanceStatus,
    LoopState, OpenIncident, ROOT_KEY,
};
use super::variables::{self, ScopeView};
use super::{
    AsyncPoint, Effect, Error, Occurrence, Outcome, StepContext, Transition, TransitionKind,
    Trigger, Work,
};

/// What a sub-process re-created to compensate starts with: what completed inside it, and its
/// local variables as they were when it completed.
type Recreated = (Vec<Compensable>, Option<Map<String, Json>>);

/// How a completing element instance goes on.
enum Ending {
    /// Along these flows of its scope.
    Flows(Vec<FlowIdx>),
    /// An inner instance of a multi-instance body: the body decides (`done`: the completion
    /// condition held).
    Inner { body: ElementKey, done: bool },
    /// An inner element of an ad-hoc sub-process after which its completion condition holds.
    AdHocDone,
}

/// One step in progress.
pub struct Run<'a> {
    pub def: &'a ProcessDefinition,
    pub state: &'a mut InstanceState,
    pub now: jiff::Zoned,
    pub now_ms: i64,
    pub out: Outcome,
    budget: u32,
    steps: u32,
    /// Scopes ended by a terminate end event (the process ends `terminated`).
    terminated_root: bool,
    /// Element instances that opened conditional waits not evaluated yet.
    pub conditions_opened: Vec<ElementKey>,
    /// For a process with conditional events: the variables as the conditions last saw them.
    pub condition_variables: Option<behavior::conditional_event::Snapshot>,
    /// Which definition of the process's start event started this run's instance (a
    /// parallel multiple start event records it, then waits for the others).
    pub start_occurrence: Option<Occurrence>,
}

impl<'a> Run<'a> {
    pub fn new(
        def: &'a ProcessDefinition,
        state: &'a mut InstanceState,
        ctx: &StepContext,
    ) -> Self {
        let condition_variables = behavior::conditional_event::has_any(def)
            .then(|| behavior::conditional_event::snapshot(state));
        Run {
            def,
            state,
            now: ctx.now.to_zoned(jiff::tz::TimeZone::UTC),
            now_ms: ctx.now.as_millisecond(),
            out: Outcome::default(),
            budget: ctx.step_budget.max(1),
            steps: 0,
            terminated_root: false,
            conditions_opened: Vec::new(),
            condition_variables,
            start_occurrence: None,
        }
    }

    pub fn finish(self) -> Outcome {
        self.out
    }

    /// Applies the trigger's direct effect; follow-up work goes to the agenda.
    pub fn apply(&mut self, trigger: Trigger) -> Result<(), Error> {
        match trigger {
            Trigger::Start => {
                let starts = self
                    .def
                    .get_scope(ScopeIdx::ROOT)
                    .map(keel_bpmn::Scope::entry_nodes)
                    .unwrap_or_default();
                if starts.is_empty() {
                    return Err(Error::NoStartEvent(self.def.key.clone()));
                }
                self.start_root(&starts);
            }
            Trigger::StartAt { element_id, by } => {
                let start = self.node_idx(&element_id)?;
                let node = self.def.node(start);
                if node.scope != ScopeIdx::ROOT
                    || !matches!(node.kind, FlowNodeKind::StartEvent { .. })
                {
                    return Err(Error::NotWaiting {
                        element_id,
                        expected: "a start of the process",
                    });
                }
                self.start_occurrence = by;
                self.start_root(&[start]);
            }
            Trigger::JobCompleted { key, variables } => {
                self.expect_waiting(key, "a job", |k| matches!(k, FlowNodeKind::JobTask(_)))?;
                self.complete_with_variables(key, variables);
            }
            Trigger::UserTaskCompleted { key, variables } => {
                self.expect_waiting(key, "a user task", |k| {
                    matches!(k, FlowNodeKind::UserTask(_))
                })?;
                self.complete_with_variables(key, variables);
            }
            Trigger::JobFailed { key, message } => {
                self.expect_waiting(key, "a job", |k| matches!(k, FlowNodeKind::JobTask(_)))?;
                self.raise(
                    key,
                    Failure {
                        kind: "job_failed",
                        message,
                    },
                );
            }
            Trigger::ErrorThrown {
                key,
                code,
                message,
                variables,
            } => {
                self.expect_waiting(key, "a job", |k| matches!(k, FlowNodeKind::JobTask(_)))?;
                let thrown_message = (!message.is_empty()).then_some(message.as_str());
                if !behavior::boundary_event::throw_error(
                    self,
                    key,
                    &code,
                    thrown_message,
                    variables,
                ) {
                    let message = if message.is_empty() {
                        format!("error '{code}' was thrown and not caught")
                    } else {
                        format!("error '{code}' was thrown and not caught: {message}")
                    };
                    self.raise(
                        key,
                        Failure {
                            kind: "unhandled_error",
                            message,
                        },
                    );
                }
            }
            Trigger::TimerFired {
                key,
                element_id,
                due_at_ms,
            } => {
                self.event_arrived(key, &element_id, Occurrence::Timer, Map::new(), "a timer")?;
                behavior::timer_cycle::fired(self, key, &element_id, due_at_ms);
            }
            Trigger::MessageCorrelated {
                key,
                element_id,
                name,
                variables,
            } => {
                let occurrence = Occurrence::Message(name);
                self.event_arrived(key, &element_id, occurrence, variables, "a message")?;
            }
            Trigger::SignalReceived {
                key,
                element_id,
                name,
                variables,
            } => {
                let occurrence = Occurrence::Signal(name);
                self.event_arrived(key, &element_id, occurrence, variables, "a signal")?;
            }
            Trigger::CalledCompleted { key, variables } => {
                self.expect_waiting(key, "its called instance", |k| {
                    matches!(k, FlowNodeKind::CallActivity(_))
                })?;
                let element_id = self
                    .state
                    .elements
                    .get(&key)
                    .map(|e| e.element_id.clone())
                    .unwrap_or_default();
                let node = self.node_idx(&element_id)?;
                let variables = behavior::call_activity::returned(self.def.node(node), variables);
                self.complete_with_variables(key, variables);
            }
            Trigger::CallFailed { key, message } => {
                self.expect_waiting(key, "its called instance", |k| {
                    matches!(k, FlowNodeKind::CallActivity(_))
                })?;
                let kind = behavior::call_activity::CALL_FAILED;
                self.raise(key, Failure { kind, message });
            }
            Trigger::CalledErrorThrown { key, code, message } => {
                self.expect_waiting(key, "its called instance", |k| {
                    matches!(k, FlowNodeKind::CallActivity(_))
                })?;
                let message = message.as_deref();
                if !behavior::boundary_event::throw_error(self, key, &code, message, Map::new()) {
                    return Err(Error::ErrorNotCaught(code));
                }
            }
            Trigger::ErrorNotCaught { key, code } => {
                self.expect_waiting(key, "the verdict on its error", |k| {
                    matches!(k, FlowNodeKind::EndEvent { .. })
                })?;
                self.set_state(key, ElementState::Activating);
                let message = format!(
                    "error '{code}' thrown by an end event was not caught, neither here nor by the calling instances"
                );
                self.raise(
                    key,
                    Failure {
                        kind: "unhandled_error",
                        message,
                    },
                );
            }
            Trigger::AsyncContinued { key } => self.continue_async(key)?,
            Trigger::CalledIncidents { key, open, called } => {
                behavior::call_activity::called_incidents(self, key, open, &called)?;
            }
            Trigger::ElementTriggered {
                element_id,
                variables,
            } => {
                let key = behavior::operator_trigger::waiting(self, &element_id)?;
                self.set_from_event(key, variables);
                self.state.agenda.push_front(Action::Complete { key });
            }
            Trigger::AdHocActivated {
                element_id,
                elements,
                variables,
            } => behavior::ad_hoc_sub_process::activate_later(
                self,
                &element_id,
                &elements,
                variables,
            )?,
            Trigger::Cancel => {
                self.terminate_children(ROOT_KEY);
                self.state.agenda.clear();
                self.end_instance(InstanceStatus::Cancelled, TransitionKind::Terminated);
            }
            Trigger::ResolveIncident { key } => self.resolve(key)?,
            Trigger::SetVariables { variables } => {
                for (name, value) in variables {
                    variables::set_local(self.state, ROOT_KEY, &name, value.clone());
                    self.out.variables_set.insert(name, value);
                }
            }
        }
        Ok(())
    }

    /// Starts the process at `starts` (its start event, or the nodes a process without start
    /// events starts) and opens the waits of its event sub-processes.
    fn start_root(&mut self, starts: &[NodeIdx]) {
        if let Some(root) = self.state.elements.get_mut(&ROOT_KEY) {
            root.started_at = self.now_ms;
        }
        self.record(
            ROOT_KEY,
            self.def.key.clone(),
            "process",
            TransitionKind::Activated,
        );
        behavior::data_object::declare(self, ROOT_KEY, ScopeIdx::ROOT);
        for start in starts {
            let element_id = self.def.node(*start).id.clone();
            self.state.agenda.push_back(Action::Activate {
                scope: ROOT_KEY,
                element_id,
            });
        }
        self.open_root_waits();
    }

    /// Opens the waits of the process's event sub-processes; a failure (an expression in a
    /// message name...) is an incident on the process (its paths go on; its event sub-processes
    /// wait for nothing), and resolving it runs this again.
    fn open_root_waits(&mut self) {
        match behavior::event_sub_process::open(self, ROOT_KEY, ScopeIdx::ROOT) {
            Ok(()) => self.set_state(ROOT_KEY, ElementState::Active),
            Err(failure) => {
                self.set_state(ROOT_KEY, ElementState::Activating);
                self.raise(ROOT_KEY, failure);
            }
        }
    }

    /// Runs the agenda until it is empty or the step budget is spent; whenever it is empty,
    /// fires the inclusive joins that no token can reach any more, then the conditional events
    /// whose conditions now hold.
    pub fn drain(&mut self) -> Result<(), Error> {
        loop {
            self.drain_agenda()?;
            if !self.state.agenda.is_empty() || self.state.status.is_ended() {
                return Ok(());
            }
            if !behavior::inclusive_gateway::fire_ready_join(self)
                && !behavior::conditional_event::settle(self)
            {
                return Ok(());
            }
        }
    }

    fn drain_agenda(&mut self) -> Result<(), Error> {
        while let Some(action) = self.state.agenda.pop_front() {
            if self.state.status.is_ended() {
                self.state.agenda.clear();
                break;
            }
            if self.steps >= self.budget {
                self.state.agenda.push_front(action.clone());
                let scope = match &action {
                    Action::Activate { scope, .. } | Action::Compensate { scope, .. } => *scope,
                    Action::Complete { key } => *key,
                };
                let message = format!(
                    "the run took more than {} steps without reaching a wait state (a loop?)",
                    self.budget
                );
                self.raise(
                    scope,
                    Failure {
                        kind: "step_budget",
                        message,
                    },
                );
                break;
            }
            self.steps += 1;
            match action {
                Action::Activate { scope, element_id } => {
                    self.activate(scope, &element_id, None)?;
                }
                Action::Compensate {
                    scope,
                    element_id,
                    inner,
                    variables,
                } => self.activate(scope, &element_id, Some((inner, variables)))?,
                Action::Complete { key } => self.complete(key)?,
            }
        }
        Ok(())
    }

    // ----- activation ---------------------------------------------------------------------

    /// Activates `element_id` in the scope instance `scope`; with `compensate`, a completed
    /// sub-process is re-created only to compensate what completed inside it, with its local
    /// variables as they were when it completed.
    fn activate(
        &mut self,
        scope: ElementKey,
        element_id: &str,
        compensate: Option<Recreated>,
    ) -> Result<(), Error> {
        let Some(scope_instance) = self.state.elements.get(&scope) else {
            return Ok(()); // the scope was terminated meanwhile
        };
        let node = self.node_idx(element_id)?;
        let flow_node = self.def.node(node);
        // A multi-instance activity runs as a body first, then as its inner instances.
        let inner = scope_instance.loop_state.is_some() && scope_instance.element_id == element_id;
        let compensation = compensate.is_some();
        let (compensable, snapshot) = compensate.unwrap_or_default();
        let body = flow_node.multi_instance.is_some() && !inner && !compensation;
        let key = self.state.next_key;
        self.state.next_key = self.state.next_key.saturating_add(1);
        self.state.elements.insert(
            key,
            ElementInstance {
                element_id: element_id.to_owned(),
                parent: Some(scope),
                state: ElementState::Activating,
                variables: snapshot,
                joins: BTreeMap::new(),
                incident: None,
                started_at: self.now_ms,
                triggered_by: None,
                loop_state: body.then(LoopState::default),
                cycles: BTreeMap::new(),
                compensable,
                compensating: Vec::new(),
                compensation,
                occurred: BTreeMap::new(),
            },
        );
        let element_type = if body {
            multi_instance::body_type(flow_node)
        } else {
            flow_node.element_type.as_str()
        };
        self.record(
            key,
            element_id.to_owned(),
            element_type,
            TransitionKind::Activated,
        );
        if let (true, Some(mi)) = (inner, &flow_node.multi_instance) {
            multi_instance::init_inner(self, scope, key, mi);
        }
        if !compensation && continuation::declared(flow_node, inner).before {
            self.wait_async(key, flow_node, AsyncPoint::Before);
            return Ok(());
        }
        self.run_activation(key, node)
    }

    /// Input mappings, then the behavior's activation. Re-run when an activation incident is
    /// resolved.
    pub fn run_activation(&mut self, key: ElementKey, node: NodeIdx) -> Result<(), Error> {
        let flow_node = self.def.node(node);
        let scope = self.parent_of(key);
        // A body's mappings belong to its inner instances; a re-created sub-process has none.
        let recreated = self
            .state
            .elements
            .get(&key)
            .is_some_and(|e| e.compensation);
        let inputs = if multi_instance::is_body(self.state, key) || recreated {
            &[][..]
        } else {
            &flow_node.inputs[..]
        };
        for mapping in inputs {
            let what = format!("input mapping '{}'", mapping.target);
            match eval::evaluate_for(self.state, scope, &self.now, &mapping.source, &what) {
                Ok(value) => self.write_mapping(key, &mapping.target, value.to_json(), false),
                Err(failure) => {
                    self.raise(key, failure);
                    return Ok(());
                }
            }
        }
        match behavior::activate(self, key, node) {
            Ok(Activation::Wait) => self.set_state(key, ElementState::Active),
            Ok(Activation::Complete) => {
                self.set_state(key, ElementState::Active);
                self.state.agenda.push_front(Action::Complete { key });
            }
            Ok(Activation::Done) => {}
            Err(failure) => self.raise(key, failure),
        }
        Ok(())
    }

    // ----- completion ---------------------------------------------------------------------

    fn complete(&mut self, key: ElementKey) -> Result<(), Error> {
        let Some(element) = self.state.elements.get(&key) else {
            return Ok(()); // terminated meanwhile
        };
        // The process scope ends through `check_scope_completion`; an instance waiting for its
        // asynchronous continuation goes on only with it.
        if key == ROOT_KEY
            || matches!(
                element.state,
                ElementState::AsyncBefore | ElementState::AsyncAfter
            )
        {
            return Ok(());
        }
        let node = self.node_idx(&element.element_id.clone())?;
        let compensation = element.compensation;
        self.set_state(key, ElementState::Completing);
        let flow_node = self.def.node(node);
        let parent = self.parent_of(key);
        let is_body = multi_instance::is_body(self.state, key);
        // A body's mappings belong to its inner instances; a re-created sub-process has none.
        let outputs = if is_body || compensation {
            &[][..]
        } else {
            &flow_node.outputs[..]
        };
        for mapping in outputs {
            let what = format!("output mapping '{}'", mapping.target);
            match eval::evaluate_for(self.state, key, &self.now, &mapping.source, &what) {
                Ok(value) => self.write_mapping(parent, &mapping.target, value.to_json(), true),
                Err(failure) => {
                    self.raise(key, failure);
                    return Ok(());
                }
            }
        }
        if !compensation && continuation::waits_after(self, key, flow_node) {
            self.wait_async(key, flow_node, AsyncPoint::After);
            return Ok(());
        }
        self.leave(key, node, true)
    }

    /// Ends element instance `key` of `node` once its output mappings ran: decides how it goes
    /// on (outgoing flows, the multi-instance body, the ad-hoc sub-process), removes it, records
    /// its completion and goes on. `cancel_work` is false when its work was cancelled already
    /// (it waited for an asynchronous continuation after completing).
    pub fn leave(
        &mut self,
        key: ElementKey,
        node: NodeIdx,
        cancel_work: bool,
    ) -> Result<(), Error> {
        let compensation = self
            .state
            .elements
            .get(&key)
            .is_some_and(|e| e.compensation);
        let flow_node = self.def.node(node);
        let parent = self.parent_of(key);
        let is_body = multi_instance::is_body(self.state, key);
        let ending = match (
            multi_instance::body_of(self.state, key),
            &flow_node.multi_instance,
        ) {
            (Some(body), Some(mi)) => multi_instance::inner_completing(self, key, body, mi)
                .map(|done| Ending::Inner { body, done }),
            _ if compensation => Ok(Ending::Flows(Vec::new())),
            (_, mi) => {
                if let (true, Some(mi)) = (is_body, mi) {
                    multi_instance::body_completing(self, key, mi);
                }
                behavior::ad_hoc_sub_process::completion_holds(self, parent).and_then(|done| {
                    if done {
                        // The ad-hoc sub-process completes: this path goes no further.
                        Ok(Ending::AdHocDone)
                    } else {
                        behavior::outgoing(self, key, node).map(Ending::Flows)
                    }
                })
            }
        };
        let ending = match ending {
            Ok(ending) => ending,
            Err(failure) => {
                self.raise(key, failure);
                return Ok(());
            }
        };
        let removed = self.state.elements.remove(&key);
        let started_at = removed
            .as_ref()
            .map(|e| e.started_at)
            .unwrap_or(self.now_ms);
        let (inner, variables) = removed
            .map(|e| (e.compensable, e.variables))
            .unwrap_or_default();
        let completed = behavior::compensation::Completed {
            node: flow_node,
            recreated: compensation,
            body: is_body,
            inner,
            variables,
        };
        let work = behavior::owned_work(self.def, flow_node);
        if cancel_work && !work.is_empty() {
            self.out.effects.push(Effect::CancelWork { key, work });
        }
        let element_type = if is_body {
            multi_instance::body_type(flow_node)
        } else {
            flow_node.element_type.as_str()
        };
        self.record_ended(
            key,
            flow_node.id.clone(),
            element_type,
            TransitionKind::Completed,
            started_at,
        );
        match ending {
            Ending::Inner { body, done } => {
                behavior::compensation::iteration_completed(self, body, completed);
                if let Some(mi) = &flow_node.multi_instance {
                    multi_instance::inner_completed(self, body, flow_node, mi, done);
                }
            }
            Ending::AdHocDone => {
                behavior::compensation::completed(self, parent, completed);
                behavior::ad_hoc_sub_process::complete(self, parent);
            }
            Ending::Flows(flows) => {
                behavior::compensation::completed(self, parent, completed);
                for flow in &flows {
                    self.take(parent, *flow)?;
                }
                if flows.is_empty() {
                    self.check_scope_completion(parent);
                }
            }
        }
        Ok(())
    }

    fn take(&mut self, scope: ElementKey, flow: FlowIdx) -> Result<(), Error> {
        let Some(sequence_flow) = self.def.get_flow(flow) else {
            return Err(Error::UnknownElement(format!("flow #{}", flow.0)));
        };
        self.record(
            ROOT_KEY,
            sequence_flow.id.clone(),
            "sequenceFlow",
            TransitionKind::FlowTaken,
        );
        let target = self.def.node(sequence_flow.target);
        let parallel = matches!(target.kind, FlowNodeKind::ParallelGateway);
        let complex = matches!(target.kind, FlowNodeKind::ComplexGateway(_));
        let joining =
            (parallel || complex || matches!(target.kind, FlowNodeKind::InclusiveGateway(_)))
                && target.incoming.len() > 1;
        if !joining {
            self.state.agenda.push_back(Action::Activate {
                scope,
                element_id: target.id.clone(),
            });
            return Ok(());
        }
        let flow_id = sequence_flow.id.clone();
        let gateway_id = target.id.clone();
        let incoming: Vec<String> = target
            .incoming
            .iter()
            .filter_map(|f| self.def.get_flow(*f).map(|f| f.id.clone()))
            .collect();
        let Some(scope_instance) = self.state.elements.get_mut(&scope) else {
            return Ok(());
        };
        let arrivals = scope_instance.joins.entry(gateway_id.clone()).or_default();
        *arrivals.entry(flow_id).or_insert(0) += 1;
        if complex {
            behavior::complex_gateway::arrived(self, scope, &gateway_id);
            return Ok(());
        }
        // An inclusive join fires once no token can reach it (decided when the agenda is empty).
        if parallel
            && incoming
                .iter()
                .all(|f| arrivals.get(f).copied().unwrap_or(0) > 0)
        {
            for f in &incoming {
                if let Some(count) = arrivals.get_mut(f) {
                    *count -= 1;
                }
            }
            arrivals.retain(|_, c| *c > 0);
            if arrivals.is_empty() {
                scope_instance.joins.remove(&gateway_id);
            }
            self.state.agenda.push_back(Action::Activate {
                scope,
                element_id: gateway_id,
            });
        }
        Ok(())
    }

    /// Completes `scope` when no token is left in it: no live child, no token waiting at a join
    /// and no pending activation.
    pub fn check_scope_completion(&mut self, scope: ElementKey) {
        let Some(instance) = self.state.elements.get(&scope) else {
            return;
        };
        if !instance.joins.is_empty() {
            return;
        }
        if self
            .state
            .elements
            .values()
            .any(|e| e.parent == Some(scope))
        {
            return;
        }
        let pending = self
            .state
            .agenda
            .iter()
            .any(|a| a.activates_in() == Some(scope));
        if pending {
            return;
        }
        if scope == ROOT_KEY {
            let status = if self.terminated_root {
                InstanceStatus::Terminated
            } else {
                InstanceStatus::Completed
            };
            self.end_instance(status, TransitionKind::Completed);
        } else {
            self.state
                .agenda
                .push_front(Action::Complete { key: scope });
        }
    }

    fn end_instance(&mut self, status: InstanceStatus, kind: TransitionKind) {
        self.state.status = status;
        self.state.agenda.clear();
        if behavior::event_sub_process::has_waits(self.def, ScopeIdx::ROOT) {
            self.out.effects.push(Effect::CancelWork {
                key: ROOT_KEY,
                work: Work::EVENTS,
            });
        }
        // A called instance that ends by itself completes its call activity, with its data
        // outputs only when the process declares some (one it does not hold comes back null).
        if let (Some(parent), InstanceStatus::Completed | InstanceStatus::Terminated) =
            (&self.state.parent, status)
        {
            let mut variables = self.state.root_variables().cloned().unwrap_or_default();
            if !self.def.data_outputs.is_empty() {
                variables = self
                    .def
                    .data_outputs
                    .iter()
                    .map(|o| (o.clone(), variables.get(o).cloned().unwrap_or(Json::Null)))
                    .collect();
            }
            self.out.effects.push(Effect::CompleteCaller {
                instance_id: parent.instance_id.clone(),
                key: parent.key,
                element_id: parent.element_id.clone(),
                variables,
            });
        }
        let started_at = self
            .state
            .elements
            .get(&ROOT_KEY)
            .map(|e| e.started_at)
            .unwrap_or(self.now_ms);
        self.record_ended(ROOT_KEY, self.def.key.clone(), "process", kind, started_at);
    }

    // ----- termination --------------------------------------------------------------------

    /// Terminates every element instance inside `scope` (recursively), cancelling their work
    /// and pending activations.
    pub fn terminate_children(&mut self, scope: ElementKey) {
        let children = self.state.children(scope);
        for child in children {
            self.terminate(child);
        }
        if let Some(instance) = self.state.elements.get_mut(&scope) {
            instance.joins.clear();
        }
        self.state
            .agenda
            .retain(|a| a.activates_in() != Some(scope));
    }

    /// Terminates element instance `key` and everything inside it.
    pub fn terminate(&mut self, key: ElementKey) {
        self.terminate_children(key);
        let Some(instance) = self.state.elements.remove(&key) else {
            return;
        };
        self.state
            .agenda
            .retain(|a| !matches!(a, Action::Complete { key: k } if *k == key));
        let element_type = match self.def.node_by_id(&instance.element_id) {
            Some(n) if instance.loop_state.is_some() => multi_instance::body_type(self.def.node(n)),
            Some(n) => self.def.node(n).element_type.as_str(),
            None => "unknown",
        };
        if instance.incident.is_some() {
            self.out.effects.push(Effect::ResolveIncident { key });
        }
        // Terminated: whatever it may own, in every table (cheap next to the step's other work).
        self.out.effects.push(Effect::CancelWork {
            key,
            work: Work::ALL,
        });
        let calls = self
            .def
            .node_by_id(&instance.element_id)
            .is_some_and(|n| matches!(self.def.node(n).kind, FlowNodeKind::CallActivity(_)));
        if calls && instance.loop_state.is_none() {
            self.out.effects.push(Effect::CancelCalled { key });
        }
        self.record_ended(
            key,
            instance.element_id,
            element_type,
            TransitionKind::Terminated,
            instance.started_at,
        );
    }

    /// Marks the root as ended by a terminate end event.
    pub fn mark_terminated(&mut self, scope: ElementKey) {
        if scope == ROOT_KEY {
            self.terminated_root = true;
        }
    }

    // ----- events, incidents ----------------------------------------------------------------

    /// Event `element_id`, waited for by element instance `key`, occurred (`occurrence` tells
    /// which of its definitions): it fires (a parallel multiple event once every definition
    /// has occurred). `Err` when `key` does not wait for it; nothing changed then.
    pub fn event_arrived(
        &mut self,
        key: ElementKey,
        element_id: &str,
        occurrence: Occurrence,
        variables: Map<String, Json>,
        what: &'static str,
    ) -> Result<(), Error> {
        let event = self.node_idx(element_id)?;
        let Some(variables) =
            behavior::parallel_event::arrived(self, key, event, &occurrence, variables, what)?
        else {
            return Ok(()); // a parallel multiple event waits for its other definitions
        };
        let element = self
            .state
            .elements
            .get(&key)
            .ok_or(Error::ElementNotActive(key))?;
        if element.element_id == element_id {
            if element.state != ElementState::Active || element.incident.is_some() {
                return Err(Error::NotWaiting {
                    element_id: element_id.to_owned(),
                    expected: what,
                });
            }
            self.set_from_event(key, variables);
            self.state.agenda.push_front(Action::Complete { key });
            return Ok(());
        }
        if behavior::event_sub_process::is_start(self.def, event) {
            return behavior::event_sub_process::trigger(self, key, event, variables);
        }
        let owner = self.node_idx(&element.element_id)?;
        if matches!(self.def.node(owner).kind, FlowNodeKind::EventBasedGateway) {
            return behavior::event_based_gateway::trigger(self, key, event, variables);
        }
        behavior::boundary_event::trigger(self, key, event, variables)
    }

    /// Variables carried by a message or error land like task variables.
    pub fn set_from_event(&mut self, key: ElementKey, variables: Map<String, Json>) {
        for (name, value) in variables {
            variables::set_propagating(self.state, key, &name, value.clone());
            self.out.variables_set.insert(name, value);
        }
    }

    fn resolve(&mut self, key: ElementKey) -> Result<(), Error> {
        let element = self
            .state
            .elements
            .get_mut(&key)
            .ok_or(Error::ElementNotActive(key))?;
        if element
            .incident
            .as_ref()
            .is_some_and(|i| i.kind == behavior::call_activity::CALLED_INCIDENT)
        {
            return Err(Error::IncidentInCalledInstance(element.element_id.clone()));
        }
        if element.incident.take().is_none() {
            return Err(Error::NoIncident(element.element_id.clone()));
        }
        let state = element.state;
        let element_id = element.element_id.clone();
        self.out.effects.push(Effect::ResolveIncident { key });
        if !self.state.agenda.is_empty() {
            return Ok(()); // a step-budget stop: drain() continues the agenda
        }
        match state {
            ElementState::Activating if key == ROOT_KEY => self.open_root_waits(),
            ElementState::Activating => {
                let node = self.node_idx(&element_id)?;
                self.run_activation(key, node)?;
            }
            ElementState::Completing => self.state.agenda.push_front(Action::Complete { key }),
            // A call activity whose called instance could not be started: ask again.
            ElementState::Active
                if matches!(
                    self.def
                        .node_by_id(&element_id)
                        .map(|n| &self.def.node(n).kind),
                    Some(FlowNodeKind::CallActivity(_))
                ) =>
            {
                let node = self.node_idx(&element_id)?;
                behavior::call_activity::retry(self, key, self.def.node(node));
            }
            // A job that failed or threw an uncaught error: the engine re-arms the job.
            ElementState::Active => {}
            // Taking the outgoing flows after an asynchronous continuation failed: again.
            ElementState::AsyncAfter | ElementState::AsyncBefore => {
                let node = self.node_idx(&element_id)?;
                self.continue_from(key, node, state)?;
            }
        }
        Ok(())
    }

    /// Stops element `key` with an incident.
    pub fn raise(&mut self, key: ElementKey, failure: Failure) {
        let element_id = match self.state.elements.get_mut(&key) {
            Some(element) => {
                element.incident = Some(OpenIncident {
                    kind: failure.kind.to_owned(),
                });
                if key == ROOT_KEY {
                    self.def.key.clone()
                } else {
                    element.element_id.clone()
                }
            }
            None => return,
        };
        self.out.effects.push(Effect::RaiseIncident {
            key,
            element_id,
            kind: failure.kind.to_owned(),
            message: failure.message,
        });
    }

    // ----- helpers ----------------------------------------------------------------------------

    fn expect_waiting(
        &self,
        key: ElementKey,
        expected: &'static str,
        kind: impl Fn(&FlowNodeKind) -> bool,
    ) -> Result<(), Error> {
        let element = self
            .state
            .elements
            .get(&key)
            .ok_or(Error::ElementNotActive(key))?;
        let node = self.node_idx(&element.element_id)?;
        if element.state != ElementState::Active || !kind(&self.def.node(node).kind) {
            return Err(Error::NotWaiting {
                element_id: element.element_id.clone(),
                expected,
            });
        }
        Ok(())
    }

    /// Task completion: with output mappings the variables are local to the task (the mappings
    /// export them); without, they propagate.
    pub fn complete_with_variables(&mut self, key: ElementKey, variables: Map<String, Json>) {
        let has_outputs = self
            .state
            .elements
            .get(&key)
            .and_then(|e| self.def.node_by_id(&e.element_id))
            .is_some_and(|n| !self.def.node(n).outputs.is_empty());
        for (name, value) in variables {
            if has_outputs {
                variables::set_local(self.state, key, &name, value.clone());
            } else {
                variables::set_propagating(self.state, key, &name, value.clone());
            }
            self.out.variables_set.insert(name, value);
        }
        if let Some(element) = self.state.elements.get_mut(&key) {
            element.incident = None;
        }
        self.state.agenda.push_front(Action::Complete { key });
    }

    fn write_mapping(&mut self, key: ElementKey, target: &str, value: Json, propagate: bool) {
        let path: Vec<&str> = target.split('.').collect();
        let Some((head, rest)) = path.split_first() else {
            return;
        };
        let value = if rest.is_empty() {
            value
        } else {
            let existing = ScopeView::new(self.state, key).get(head).cloned();
            variables::write_path(existing, rest, value)
        };
        if propagate {
            variables::set_propagating(self.state, key, head, value.clone());
            self.out.variables_set.insert((*head).to_owned(), value);
        } else {
            variables::set_local(self.state, key, head, value);
        }
    }

    pub fn parent_of(&self, key: ElementKey) -> ElementKey {
        self.state
            .elements
            .get(&key)
            .and_then(|e| e.parent)
            .unwrap_or(ROOT_KEY)
    }

    pub fn node_idx(&self, element_id: &str) -> Result<NodeIdx, Error> {
        self.def
            .node_by_id(element_id)
            .ok_or_else(|| Error::UnknownElement(element_id.to_owned()))
    }

    fn set_state(&mut self, key: ElementKey, state: ElementState) {
        if let Some(element) = self.state.elements.get_mut(&key) {
            element.state = state;
        }
    }

    pub fn record(
        &mut self,
        key: ElementKey,
        element_id: String,
        element_type: &'static str,
        kind: TransitionKind,
    ) {
        let now = self.now_ms;
        self.record_ended(key, element_id, element_type, kind, now);
    }

    /// Records a transition of an element instance that started at `started_at_ms`.
    pub fn record_ended(
        &mut self,
        key: ElementKey,
        element_id: String,
        element_type: &'static str,
        kind: TransitionKind,
        started_at_ms: i64,
    ) {
        self.out.transitions.push(Transition {
            key,
            element_id,
            element_type,
            kind,
            started_at_ms,
        });
    }
}
