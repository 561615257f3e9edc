//! Reference resolution for one process: `sourceRef`/`targetRef` (with conditions),
//! `default`, `attachedToRef` and link names.
//!
//! Owns turning id references into indices and filling `incoming`/`outgoing`,
//! `default_flow` and `boundary_events` from them (never from `<incoming>`/`<outgoing>`
//! children), pointing each link throw event at the link catch event of the same name in its
//! scope, and each compensation boundary event's activity at the handler it is associated with (a missing or ambiguous link is an execution error). A missing or dangling reference is always an error (invalid BPMN), whatever the
//! process; a flow without an id gets a synthetic one, `sequenceFlow@LINE:COLUMN`, which can
//! never clash with an XML id. It never reorders nodes or flows.

use super::build::{Builder, index_u32};
use super::expr;
use super::tree::{Element, Ns};
use crate::expression::Expression;
use crate::model::{EventTrigger, FlowIdx, FlowNodeKind, NodeIdx, SequenceFlow};

impl Builder<'_, '_> {
    /// Resolves a node reference; reports a missing or dangling one (always an error).
    pub(crate) fn node_ref(&mut self, e: &Element, attr: &str) -> Option<NodeIdx> {
        let Some(r) = e.attr(attr).map(str::trim) else {
            self.ctx.error(e, format!("{} has no {attr}", e.local));
            return None;
        };
        let found = self.node_ids.get(r).copied();
        if found.is_none() {
            self.ctx.error(
                e,
                format!(
                    "{attr} \"{r}\" of {} does not name a flow node of this process",
                    e.local
                ),
            );
        }
        found
    }

    /// See the module documentation.
    pub(crate) fn resolve_flows(&mut self) {
        let pending = std::mem::take(&mut self.pending_flows);
        for (e, scope) in pending {
            let id = match e.id() {
                Some(id) => id.to_owned(),
                None => format!("sequenceFlow@{}:{}", e.pos.line, e.pos.column),
            };
            let source = self.node_ref(e, "sourceRef");
            let target = self.node_ref(e, "targetRef");
            let (Some(source), Some(target)) = (source, target) else {
                continue;
            };
            let mut misplaced = false;
            for n in [source, target] {
                let Some(node) = self.nodes.get(n.0 as usize) else {
                    continue;
                };
                if node.scope != scope {
                    misplaced = true;
                    let msg = format!(
                        "sequence flow {id} connects \"{}\", which lies in another (sub-)process",
                        node.id
                    );
                    self.ctx.error(e, msg);
                }
            }
            if misplaced {
                continue;
            }
            let condition = self.condition(e);
            let idx = FlowIdx(index_u32(self.flows.len()));
            if let Some(n) = self.nodes.get_mut(source.0 as usize) {
                n.outgoing.push(idx);
            }
            if let Some(n) = self.nodes.get_mut(target.0 as usize) {
                n.incoming.push(idx);
            }
            self.flows.push(SequenceFlow {
                id,
                source,
                target,
                condition,
            });
            self.flow_elems.push(e);
        }
    }

    fn condition(&mut self, e: &Element) -> Option<Expression> {
        let c = self
            .ctx
            .doc
            .tree
            .child(e, &Ns::Bpmn, "conditionExpression")?;
        if c.text.trim().is_empty() {
            if c.ns_attr(&Ns::Camunda, "resource").is_some() {
                self.ctx.exec_error(e, "external condition scripts (camunda:resource) are not supported; use FEEL (=...)");
            }
            return None;
        }
        let r = expr::condition(
            &c.text,
            c.attr("language").or(self.ctx.doc.expression_language),
            "conditionExpression",
        );
        self.ctx.ok(e, r)
    }

    /// See the module documentation.
    pub(crate) fn resolve_defaults(&mut self) {
        for i in 0..self.nodes.len() {
            let Some(&e) = self.node_elems.get(i) else {
                continue;
            };
            let Some(r) = e.attr("default").map(str::trim) else {
                continue;
            };
            let found = self
                .flow_elems
                .iter()
                .position(|f| f.id().map(str::trim) == Some(r));
            match found {
                Some(f) => {
                    if let Some(n) = self.nodes.get_mut(i) {
                        n.default_flow = Some(FlowIdx(index_u32(f)));
                    }
                }
                None => self.ctx.error(
                    e,
                    format!("default \"{r}\" does not name a sequence flow of this process"),
                ),
            }
        }
    }

    /// See the module documentation.
    pub(crate) fn resolve_attachments(&mut self) {
        for i in 0..self.nodes.len() {
            let Some(&e) = self.node_elems.get(i) else {
                continue;
            };
            let Some(FlowNodeKind::BoundaryEvent { .. }) = self.nodes.get(i).map(|n| &n.kind)
            else {
                continue;
            };
            let Some(target) = self.node_ref(e, "attachedToRef") else {
                continue;
            };
            let me = NodeIdx(index_u32(i));
            if let Some(FlowNodeKind::BoundaryEvent { attached_to, .. }) =
                self.nodes.get_mut(i).map(|n| &mut n.kind)
            {
                *attached_to = target;
            }
            if let Some(host) = self.nodes.get_mut(target.0 as usize) {
                host.boundary_events.push(me);
            }
        }
    }
}

impl Builder<'_, '_> {
    /// See the module documentation.
    pub(crate) fn resolve_links(&mut self) {
        let mut catches: std::collections::HashMap<(u32, &str), NodeIdx> =
            std::collections::HashMap::new();
        let mut problems = Vec::new();
        for (i, node) in self.nodes.iter().enumerate() {
            if let FlowNodeKind::IntermediateCatchEvent {
                trigger: EventTrigger::Link(link),
            } = &node.kind
            {
                let me = NodeIdx(index_u32(i));
                if let Some(first) = catches.insert((node.scope.0, link.name.as_str()), me) {
                    let first = self.nodes.get(first.0 as usize).map(|n| n.id.as_str());
                    problems.push((
                        i,
                        format!(
                            "link catch events {} and {} of the same scope share the name \"{}\"",
                            first.unwrap_or_default(),
                            node.id,
                            link.name
                        ),
                    ));
                }
            }
        }
        let mut targets = Vec::new();
        for (i, node) in self.nodes.iter().enumerate() {
            if let FlowNodeKind::IntermediateThrowEvent {
                trigger: EventTrigger::Link(link),
            } = &node.kind
            {
                match catches.get(&(node.scope.0, link.name.as_str())) {
                    Some(target) => targets.push((i, *target)),
                    None => problems.push((
                        i,
                        format!(
                            "link throw event {} has no link catch event named \"{}\" in its scope",
                            node.id, link.name
                        ),
                    )),
                }
            }
        }
        for (i, target) in targets {
            if let Some(FlowNodeKind::IntermediateThrowEvent {
                trigger: EventTrigger::Link(link),
            }) = self.nodes.get_mut(i).map(|n| &mut n.kind)
            {
                link.target = Some(target);
            }
        }
        for (i, message) in problems {
            if let Some(&e) = self.node_elems.get(i) {
                self.ctx.exec_error(e, message);
            }
        }
    }
}

impl Builder<'_, '_> {
    /// Associations from a compensation boundary event (source) to a compensation handler
    /// (target, `isForCompensation="true"`): the handler becomes the compensation handler of the
    /// boundary event's activity. Associations between other elements (text annotations...) are
    /// skipped.
    pub(crate) fn resolve_compensation(&mut self) {
        let pending = std::mem::take(&mut self.pending_associations);
        let mut associated = vec![false; self.nodes.len()];
        for a in pending {
            let ends = (a.attr("sourceRef"), a.attr("targetRef"));
            let (Some(source), Some(target)) = ends else {
                continue;
            };
            let source = self.node_ids.get(source.trim()).copied();
            let target = self.node_ids.get(target.trim()).copied();
            let (Some(source), Some(target)) = (source, target) else {
                continue;
            };
            let Some(FlowNodeKind::BoundaryEvent {
                attached_to,
                trigger: EventTrigger::Compensation(_),
                ..
            }) = self.nodes.get(source.0 as usize).map(|n| n.kind.clone())
            else {
                continue;
            };
            let handler = self.nodes.get(target.0 as usize);
            if !handler.is_some_and(|h| h.is_for_compensation) {
                let msg = format!(
                    "compensation boundary event {} is associated with {}, which is not a compensation handler (isForCompensation=\"true\")",
                    self.nodes
                        .get(source.0 as usize)
                        .map(|n| n.id.as_str())
                        .unwrap_or_default(),
                    handler.map(|h| h.id.as_str()).unwrap_or_default()
                );
                self.ctx.exec_error(a, msg);
                continue;
            }
            if let Some(slot) = associated.get_mut(source.0 as usize) {
                *slot = true;
            }
            if let Some(host) = self.nodes.get_mut(attached_to.0 as usize) {
                host.compensation_handler = Some(target);
            }
        }
        for (i, node) in self.nodes.iter().enumerate() {
            let compensation = matches!(
                &node.kind,
                FlowNodeKind::BoundaryEvent {
                    trigger: EventTrigger::Compensation(_),
                    ..
                }
            );
            if compensation
                && !associated.get(i).copied().unwrap_or(false)
                && let Some(&e) = self.node_elems.get(i)
            {
                let msg = format!(
                    "compensation boundary event {} needs an association to a compensation handler",
                    node.id
                );
                self.ctx.exec_error(e, msg);
            }
        }
    }
}
