//! Raw tree → model: one [`ProcessDefinition`] per `process`, its scopes, nodes and flows.
//!
//! Owns walking `definitions`/`process`/`subProcess` (and `transaction`, `adHocSubProcess`)
//! and creating flow nodes (delegating events to `events` and tasks to `extensions`);
//! references are resolved by `resolve` and rules checked by `validate` once every node exists. Diagnostics go through [`Ctx`]: dangling
//! references and duplicate ids are always errors; execution rules only for executable
//! processes. Every element it does not know is skipped, never fatal.

use std::collections::HashMap;

use super::context::{Ctx, Doc};
use super::tree::{Element, Ns, Tree};
use super::{call, continuations, events, extensions, initiator, loops, reach, script, validate};
use crate::diagnostic::Diagnostic;
use crate::model::{
    AdHocSubProcess, ComplexGateway, ElementType, FlowNode, FlowNodeKind, InclusiveGateway,
    NodeIdx, ProcessDefinition, Scope, ScopeIdx, SequenceFlow,
};

/// Builds every process of the document in `tree`.
pub(crate) fn build(tree: &Tree, diags: &mut Vec<Diagnostic>) -> Vec<ProcessDefinition> {
    let Some(root) = tree.root() else {
        return Vec::new();
    };
    if !root.is(&Ns::Bpmn, "definitions") {
        let ns = match &root.ns {
            Ns::Other(uri) => format!(" in namespace {uri}"),
            Ns::None => " without a namespace".to_owned(),
            _ => String::new(),
        };
        diags.push(Diagnostic::error(
            root.pos,
            root.id(),
            format!(
                "root element <{}>{ns} is not a bpmn definitions element (namespace {})",
                root.local,
                super::tree::BPMN_NS
            ),
        ));
        return Vec::new();
    }
    check_duplicate_ids(tree, diags);
    let doc = Doc::new(tree, root);
    check_item_refs(tree, &doc, diags);
    let mut out = Vec::new();
    let mut any = false;
    for p in tree.children_named(root, &Ns::Bpmn, "process") {
        any = true;
        let exec = p.flag("isExecutable") != Some(false);
        let mut ctx = Ctx::new(&doc, exec, &mut *diags);
        let Some(key) = p.id() else {
            ctx.error(p, "process has no id");
            continue;
        };
        out.push(Builder::new(ctx).process(p, key));
    }
    if !any {
        diags.push(Diagnostic::error(
            root.pos,
            root.id(),
            "definitions contains no process",
        ));
    }
    out
}

/// Every `id` of a BPMN element must be unique in the document.
fn check_duplicate_ids(tree: &Tree, diags: &mut Vec<Diagnostic>) {
    let mut seen: HashMap<&str, &Element> = HashMap::new();
    for e in tree.elements.iter().filter(|e| e.ns == Ns::Bpmn) {
        let Some(id) = e.id() else { continue };
        if let Some(first) = seen.get(id) {
            diags.push(Diagnostic::error(
                e.pos,
                Some(id),
                format!(
                    "duplicate id \"{id}\" (first used at line {})",
                    first.pos.line
                ),
            ));
        } else {
            seen.insert(id, e);
        }
    }
}

/// Every unprefixed `itemSubjectRef` (of a data object, property, data input or output, data
/// store...) must name an `itemDefinition` of the document. A prefixed one that names none
/// names a type from elsewhere (`xsd:string`, as Flowable and Activiti write them, or an
/// imported definition) and is accepted. Types are not checked: an item definition's
/// `structureRef` is free-form (an XML Schema type, a Java class...).
fn check_item_refs(tree: &Tree, doc: &Doc<'_>, diags: &mut Vec<Diagnostic>) {
    for e in tree.elements.iter().filter(|e| e.ns == Ns::Bpmn) {
        let Some(r) = e.attr("itemSubjectRef") else {
            continue;
        };
        if doc.item_definition(r).is_none() && !r.contains(':') {
            diags.push(Diagnostic::error(
                e.pos,
                e.id(),
                format!(
                    "itemSubjectRef \"{}\" of {} does not name an itemDefinition",
                    r.trim(),
                    e.local
                ),
            ));
        }
    }
}

/// Builds one process: nodes and flows in flat vectors, with the elements they came from.
pub(crate) struct Builder<'t, 'd> {
    /// Diagnostics and lookups.
    pub ctx: Ctx<'t, 'd>,
    /// Flow nodes built so far.
    pub nodes: Vec<FlowNode>,
    /// The element of each node (same index).
    pub node_elems: Vec<&'t Element>,
    /// Sequence flows resolved so far.
    pub flows: Vec<SequenceFlow>,
    /// The element of each flow (same index).
    pub flow_elems: Vec<&'t Element>,
    /// Scopes; `scopes[0]` is the process.
    pub scopes: Vec<Scope>,
    /// The element that owns each scope (process or sub-process).
    pub scope_elems: Vec<&'t Element>,
    /// Node ids to indices.
    pub node_ids: HashMap<String, NodeIdx>,
    /// Sequence flows seen by the walk, resolved once every node exists.
    pub pending_flows: Vec<(&'t Element, ScopeIdx)>,
    /// Associations seen by the walk (compensation boundary event → handler).
    pub pending_associations: Vec<&'t Element>,
    /// Data objects, data object references and data store references by id.
    pub data_refs: HashMap<String, super::data::DataRef>,
    /// Data object references seen by the walk: (id, `dataObjectRef`, element).
    pub pending_data_refs: Vec<(String, String, &'t Element)>,
    /// The ids of the process's `ioSpecification` data inputs.
    pub data_inputs: Vec<String>,
    /// The ids of the process's `ioSpecification` data outputs.
    pub data_outputs: Vec<String>,
}

impl<'t, 'd> Builder<'t, 'd> {
    fn new(ctx: Ctx<'t, 'd>) -> Self {
        Builder {
            ctx,
            nodes: Vec::new(),
            node_elems: Vec::new(),
            flows: Vec::new(),
            flow_elems: Vec::new(),
            scopes: Vec::new(),
            scope_elems: Vec::new(),
            node_ids: HashMap::new(),
            pending_flows: Vec::new(),
            pending_associations: Vec::new(),
            data_refs: HashMap::new(),
            pending_data_refs: Vec::new(),
            data_inputs: Vec::new(),
            data_outputs: Vec::new(),
        }
    }

    fn process(mut self, p: &'t Element, key: &str) -> ProcessDefinition {
        extensions::check_common(&mut self.ctx, p);
        let root = self.new_scope(p, None);
        self.walk(p, root);
        self.resolve_flows();
        self.resolve_defaults();
        self.resolve_attachments();
        self.resolve_links();
        self.resolve_compensation();
        self.resolve_data();
        self.implicit_starts();
        validate::run(&mut self);
        reach::inclusive_joins(&mut self.nodes, &self.flows);
        let initiator = initiator::read(&mut self);
        ProcessDefinition {
            key: key.to_owned(),
            name: p.attr("name").map(str::to_owned),
            is_executable: self.ctx.exec,
            nodes: self.nodes,
            flows: self.flows,
            scopes: self.scopes,
            node_ids: self.node_ids,
            initiator,
            data_inputs: self.data_inputs,
            data_outputs: self.data_outputs,
        }
    }

    /// A process or embedded sub-process (transaction) without any start event starts every
    /// node without incoming sequence flows that may start so (an ad-hoc sub-process does that
    /// by its own rules; an event sub-process always has its start event).
    fn implicit_starts(&mut self) {
        for scope in &mut self.scopes {
            let owner = scope.owner.and_then(|o| self.nodes.get(o.0 as usize));
            let own_rules = owner.is_some_and(|o| {
                matches!(
                    o.kind,
                    FlowNodeKind::EventSubProcess { .. } | FlowNodeKind::AdHocSubProcess(_)
                )
            });
            if own_rules || !scope.start_events.is_empty() {
                continue;
            }
            scope.implicit_starts = scope
                .nodes
                .iter()
                .copied()
                .filter(|n| {
                    self.nodes.get(n.0 as usize).is_some_and(|node| {
                        node.incoming.is_empty() && node.may_start_without_flow()
                    })
                })
                .collect();
        }
    }

    fn new_scope(&mut self, e: &'t Element, owner: Option<NodeIdx>) -> ScopeIdx {
        let idx = ScopeIdx(index_u32(self.scopes.len()));
        self.scopes.push(Scope {
            owner,
            ..Scope::default()
        });
        self.scope_elems.push(e);
        idx
    }

    fn walk(&mut self, container: &'t Element, scope: ScopeIdx) {
        let tree = self.ctx.doc.tree;
        for child in tree.children(container).filter(|c| c.ns == Ns::Bpmn) {
            let local = child.local.as_str();
            if local == "sequenceFlow" {
                self.pending_flows.push((child, scope));
                continue;
            }
            if local == "association" {
                self.pending_associations.push(child);
                continue;
            }
            if self.data_element(child, scope) {
                continue;
            }
            if local == "subProcess" {
                let kind = if child.flag("triggeredByEvent") == Some(true) {
                    Inner::EventSubProcess
                } else {
                    Inner::SubProcess
                };
                self.sub_process(child, scope, kind);
                continue;
            }
            if local == "transaction" {
                self.sub_process(child, scope, Inner::Transaction);
                continue;
            }
            if local == "adHocSubProcess" {
                self.sub_process(child, scope, Inner::AdHoc);
                continue;
            }
            if local == "callActivity" {
                let (call, outputs) = call::call_activity(&mut self.ctx, child);
                let kind = FlowNodeKind::CallActivity(call);
                if let Some(idx) = self.add_node(child, scope, ElementType::CallActivity, kind)
                    && let Some(node) = self.nodes.get_mut(idx.0 as usize)
                {
                    node.outputs.extend(outputs);
                }
                continue;
            }
            let start_in = self.start_context(scope);
            let built = if let Some(b) = events::event(&mut self.ctx, child, start_in) {
                Some(b)
            } else {
                self.task_or_gateway(child)
            };
            if let Some((ty, kind)) = built {
                self.add_node(child, scope, ty, kind);
            }
        }
    }

    fn task_or_gateway(&mut self, e: &'t Element) -> Option<(ElementType, FlowNodeKind)> {
        let built = match e.local.as_str() {
            "task" => (ElementType::Task, FlowNodeKind::Task),
            "manualTask" => (ElementType::ManualTask, FlowNodeKind::Task),
            "serviceTask" => (
                ElementType::ServiceTask,
                extensions::job_task(&mut self.ctx, e),
            ),
            "sendTask" => (
                ElementType::SendTask,
                extensions::job_task(&mut self.ctx, e),
            ),
            "businessRuleTask" => (
                ElementType::BusinessRuleTask,
                extensions::job_task(&mut self.ctx, e),
            ),
            "receiveTask" => (
                ElementType::ReceiveTask,
                FlowNodeKind::ReceiveTask(
                    e.attr("messageRef")
                        .is_some()
                        .then(|| events::message(&mut self.ctx, e, e)),
                ),
            ),
            "scriptTask" => (
                ElementType::ScriptTask,
                script::script_task(&mut self.ctx, e),
            ),
            "userTask" => (
                ElementType::UserTask,
                FlowNodeKind::UserTask(extensions::user_task(&mut self.ctx, e)),
            ),
            "exclusiveGateway" => (
                ElementType::ExclusiveGateway,
                FlowNodeKind::ExclusiveGateway,
            ),
            "parallelGateway" => (ElementType::ParallelGateway, FlowNodeKind::ParallelGateway),
            "inclusiveGateway" => (
                ElementType::InclusiveGateway,
                FlowNodeKind::InclusiveGateway(InclusiveGateway::default()),
            ),
            "eventBasedGateway" => (ElementType::EventBasedGateway, self.event_based_gateway(e)),
            "complexGateway" => (ElementType::ComplexGateway, self.complex_gateway(e)),
            _ => return None,
        };
        Some(built)
    }

    /// Exclusive, non-instantiating event-based gateways run; the others are refused.
    fn event_based_gateway(&mut self, e: &Element) -> FlowNodeKind {
        if e.attr("eventGatewayType").map(str::trim) == Some("Parallel") {
            return self.unsupported(e, "a parallel event-based gateway");
        }
        if e.flag("instantiate") == Some(true) {
            return self.unsupported(e, "an instantiating event-based gateway");
        }
        FlowNodeKind::EventBasedGateway
    }

    /// A complex gateway with its `activationCondition` (a formal expression, FEEL by default).
    fn complex_gateway(&mut self, e: &Element) -> FlowNodeKind {
        let condition = self
            .ctx
            .doc
            .tree
            .child(e, &Ns::Bpmn, "activationCondition")
            .filter(|c| !c.text.trim().is_empty())
            .and_then(|c| {
                let language = c.attr("language").or(self.ctx.doc.expression_language);
                let parsed = super::expr::condition(&c.text, language, "activationCondition");
                self.ctx.ok(e, parsed)
            });
        FlowNodeKind::ComplexGateway(ComplexGateway {
            join: InclusiveGateway::default(),
            activation_condition: condition,
        })
    }

    fn unsupported(&mut self, e: &Element, what: &str) -> FlowNodeKind {
        self.ctx
            .exec_error(e, format!("{what} is not supported yet"));
        FlowNodeKind::Unsupported {
            element: what.to_owned(),
        }
    }

    /// Where a start event of `scope` lies: the process, a sub-process or an event sub-process.
    fn start_context(&self, scope: ScopeIdx) -> events::StartIn {
        if scope == ScopeIdx::ROOT {
            return events::StartIn::Process;
        }
        let owner = self
            .scopes
            .get(scope.0 as usize)
            .and_then(|s| s.owner)
            .and_then(|n| self.nodes.get(n.0 as usize));
        match owner.map(|n| &n.kind) {
            Some(FlowNodeKind::EventSubProcess { .. }) => events::StartIn::EventSubProcess,
            _ => events::StartIn::SubProcess,
        }
    }

    /// An embedded sub-process, an event sub-process, a transaction or an ad-hoc sub-process.
    fn sub_process(&mut self, e: &'t Element, scope: ScopeIdx, what: Inner) {
        let inner = ScopeIdx(index_u32(self.scopes.len()));
        let triggered_by_event = what == Inner::EventSubProcess;
        let (ty, kind) = match what {
            Inner::SubProcess => (
                ElementType::SubProcess,
                FlowNodeKind::SubProcess { scope: inner },
            ),
            Inner::EventSubProcess => (
                ElementType::SubProcess,
                FlowNodeKind::EventSubProcess { scope: inner },
            ),
            Inner::Transaction => (
                ElementType::Transaction,
                FlowNodeKind::SubProcess { scope: inner },
            ),
            Inner::AdHoc => (
                ElementType::AdHocSubProcess,
                FlowNodeKind::AdHocSubProcess(AdHocSubProcess {
                    scope: inner,
                    completion_condition: loops::formal(&mut self.ctx, e, e, "completionCondition"),
                    cancel_remaining_instances: e.flag("cancelRemainingInstances") != Some(false),
                    active_elements: active_elements(&mut self.ctx, e),
                }),
            ),
        };
        if triggered_by_event {
            let exts = extensions::extensions(&self.ctx, e);
            if extensions::find(&exts, &Ns::Camunda, "inputOutput").is_some() {
                // Camunda 7 refuses them too: the event sub-process has no activation of its own.
                self.ctx.exec_error(
                    e,
                    "camunda:inputOutput is not supported on an event sub-process (triggeredByEvent=\"true\")",
                );
            }
        }
        let Some(idx) = self.add_node(e, scope, ty, kind) else {
            return;
        };
        if triggered_by_event && let Some(s) = self.scopes.get_mut(scope.0 as usize) {
            s.event_sub_processes.push(idx);
        }
        // `add_node` creates no scope, so the new scope gets exactly the index `inner`.
        let inner = self.new_scope(e, Some(idx));
        self.walk(e, inner);
    }

    fn add_node(
        &mut self,
        e: &'t Element,
        scope: ScopeIdx,
        element_type: ElementType,
        kind: FlowNodeKind,
    ) -> Option<NodeIdx> {
        let Some(id) = e.id() else {
            self.ctx.error(e, format!("{} has no id", e.local));
            return None;
        };
        if self.node_ids.contains_key(id) {
            // Reported once for the whole document by `check_duplicate_ids`.
            return None;
        }
        let multi_instance = if is_activity(element_type) {
            loops::loop_characteristics(&mut self.ctx, e)
        } else {
            None
        };
        extensions::check_common(&mut self.ctx, e);
        let (inputs, outputs) = extensions::io_mappings(&mut self.ctx, e);
        let async_continuations = continuations::read(&mut self.ctx, e, e);
        let idx = NodeIdx(index_u32(self.nodes.len()));
        if let Some(s) = self.scopes.get_mut(scope.0 as usize) {
            s.nodes.push(idx);
            if let FlowNodeKind::StartEvent { trigger, .. } = &kind {
                s.start_events.push(idx);
                if matches!(trigger, crate::model::EventTrigger::None) && s.none_start.is_none() {
                    s.none_start = Some(idx);
                }
            }
        }
        self.nodes.push(FlowNode {
            id: id.to_owned(),
            name: e.attr("name").map(str::to_owned),
            element_type,
            kind,
            scope,
            incoming: Vec::new(),
            outgoing: Vec::new(),
            default_flow: None,
            boundary_events: Vec::new(),
            inputs,
            outputs,
            multi_instance,
            is_for_compensation: is_activity(element_type)
                && e.flag("isForCompensation") == Some(true),
            compensation_handler: None,
            async_continuations,
            position: e.pos,
        });
        self.node_elems.push(e);
        self.node_ids.insert(id.to_owned(), idx);
        Some(idx)
    }
}

/// `zeebe:adHoc activeElementsCollection` of an ad-hoc sub-process (a FEEL expression).
fn active_elements<'t>(
    ctx: &mut Ctx<'t, '_>,
    e: &'t Element,
) -> Option<crate::expression::Expression> {
    let exts = extensions::extensions(ctx, e);
    let value = extensions::find(&exts, &Ns::Zeebe, "adHoc")?
        .attr("activeElementsCollection")
        .map(str::trim)
        .filter(|v| !v.is_empty())?;
    let parsed = super::expr::zeebe_expression(value, "zeebe:adHoc activeElementsCollection");
    ctx.ok(e, parsed)
}

/// What a sub-process element is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Inner {
    /// `subProcess`
    SubProcess,
    /// `subProcess triggeredByEvent="true"`
    EventSubProcess,
    /// `transaction`
    Transaction,
    /// `adHocSubProcess`
    AdHoc,
}

/// Activities: the elements that can carry boundary events and loop markers.
pub(crate) fn is_activity(t: ElementType) -> bool {
    matches!(
        t,
        ElementType::Task
            | ElementType::ManualTask
            | ElementType::ServiceTask
            | ElementType::SendTask
            | ElementType::BusinessRuleTask
            | ElementType::UserTask
            | ElementType::SubProcess
            | ElementType::ScriptTask
            | ElementType::ReceiveTask
            | ElementType::CallActivity
            | ElementType::Transaction
            | ElementType::AdHocSubProcess
    )
}

/// An index as `u32` (documents never hold 4 billion elements; saturates instead of panicking).
pub(crate) fn index_u32(i: usize) -> u32 {
    u32::try_from(i).unwrap_or(u32::MAX)
}
