//! Operator actions on one element of a running instance (docs/decisions/0014): triggering a
//! wait state (Camunda 7's `runtimeService.signal`; `POST
//! /api/v1/instances/{id}/elements/{element_id}/trigger`) and activating inner elements of a
//! running ad-hoc sub-process (`POST /api/v1/instances/{id}/elements/{element_id}/activate`).
//! Each is one writer command and one audit record (`element_triggered`,
//! `ad_hoc_elements_activated`) naming the element.
//!
//! Errors: an unknown instance or an element the process does not have is `NotFound`; an
//! element that does not wait for this (or an instance that has ended) is `Conflict`; for an
//! activation, an id that is no inner element the ad-hoc sub-process may start (or a path
//! element that is no ad-hoc sub-process) is `Invalid` (`invalid_element`).

use serde_json::{Map, Value as Json, json};

use super::Engine;
use super::batch::{ApplyCtx, Batch};
use super::messages::CorrelateResult;
use super::writer::{Op, Reply};
use crate::audit::Actor;
use crate::error::{Error, Result};
use crate::principal::Principal;
use crate::runtime::Trigger;
use crate::views::InstanceView;

/// What is done to the element.
pub(crate) enum ElementAction {
    /// Trigger the wait state with these variables.
    Trigger { variables: Map<String, Json> },
    /// Start these inner elements of the ad-hoc sub-process, after setting `variables` in it.
    Activate {
        elements: Vec<String>,
        variables: Map<String, Json>,
    },
}

pub(crate) struct ElementOp {
    instance_id: String,
    element_id: String,
    action: ElementAction,
    actor: Actor,
}

impl Engine {
    /// Triggers the wait state `element_id` of instance `instance_id` (its oldest waiting
    /// instance): a receive task, with or without a message, or an intermediate message,
    /// timer, signal or conditional catch event completes with `variables` (which land like a
    /// message's), as with Camunda 7's `runtimeService.signal`. Unknown instance or element:
    /// `NotFound`; nothing of that element waits to be triggered: `Conflict`.
    pub async fn trigger_element(
        &self,
        instance_id: &str,
        element_id: &str,
        variables: Map<String, Json>,
        caller: &Principal,
    ) -> Result<CorrelateResult> {
        let op = ElementOp {
            instance_id: instance_id.to_owned(),
            element_id: element_id.to_owned(),
            action: ElementAction::Trigger { variables },
            actor: caller.actor(),
        };
        match self.send(Op::Element(op)).await? {
            Reply::Correlated(r) => Ok(r),
            _ => Err(Error::Unavailable),
        }
    }

    /// Starts the inner elements `elements` (BPMN ids, in this order) of the running ad-hoc
    /// sub-process `element_id` of instance `instance_id` (its oldest active instance), after
    /// setting `variables` local to it. Unknown instance or element: `NotFound`; the ad-hoc
    /// sub-process is not running: `Conflict`; no ids, an id that is no inner element it may
    /// start, or an element that is no ad-hoc sub-process: `Invalid`.
    pub async fn activate_ad_hoc_elements(
        &self,
        instance_id: &str,
        element_id: &str,
        elements: Vec<String>,
        variables: Map<String, Json>,
        caller: &Principal,
    ) -> Result<InstanceView> {
        let op = ElementOp {
            instance_id: instance_id.to_owned(),
            element_id: element_id.to_owned(),
            action: ElementAction::Activate {
                elements,
                variables,
            },
            actor: caller.actor(),
        };
        match self.send(Op::Element(op)).await? {
            Reply::Instance(v) => Ok(*v),
            _ => Err(Error::Unavailable),
        }
    }
}

pub(crate) async fn execute(batch: &mut Batch<'_>, op: ElementOp) -> Result<Reply> {
    let row = batch
        .instance(&op.instance_id)
        .await?
        .ok_or_else(|| Error::NotFound(format!("instance {}", op.instance_id)))?;
    let def = batch.definition(&row.definition_id).await?;
    let Some(node) = def.node_by_id(&op.element_id).map(|n| def.node(n)) else {
        return Err(Error::NotFound(format!(
            "element '{}' in process {}",
            op.element_id, row.definition_key
        )));
    };
    if let ElementAction::Activate { elements, .. } = &op.action {
        check_activation(&def, node, elements)?;
    }
    if row.state != "active" {
        return Err(Error::Conflict(format!(
            "instance {} is {}",
            row.id, row.state
        )));
    }
    let mut ctx = ApplyCtx::new(op.actor);
    ctx.element_id = Some(op.element_id.clone());
    let trigger = match op.action {
        ElementAction::Trigger { variables } => Trigger::ElementTriggered {
            element_id: op.element_id,
            variables,
        },
        ElementAction::Activate {
            elements,
            variables,
        } => {
            ctx.data.insert("elements".into(), json!(elements));
            Trigger::AdHocActivated {
                element_id: op.element_id,
                elements,
                variables,
            }
        }
    };
    let activation = matches!(trigger, Trigger::AdHocActivated { .. });
    let (row, _, _) = batch.apply(row, trigger, ctx).await?;
    if activation {
        super::follow_up::run_queued(batch).await?;
        let row = batch.instance(&row.id).await?.unwrap_or(row);
        let view = super::instances::view_in_batch(batch, &row).await?;
        return Ok(Reply::Instance(Box::new(view)));
    }
    Ok(Reply::Correlated(CorrelateResult {
        correlated: vec![row.id],
        started: Vec::new(),
        buffered: false,
    }))
}

/// The path element is an ad-hoc sub-process and every id one of its inner elements it may
/// start.
fn check_activation(
    def: &keel_bpmn::ProcessDefinition,
    node: &keel_bpmn::FlowNode,
    elements: &[String],
) -> Result<()> {
    let invalid = |message: String| Error::Invalid {
        code: "invalid_element",
        message,
    };
    let keel_bpmn::FlowNodeKind::AdHocSubProcess(ad_hoc) = &node.kind else {
        return Err(invalid(format!(
            "'{}' is a {}, not an ad-hoc sub-process",
            node.id,
            node.element_type.as_str()
        )));
    };
    if elements.is_empty() {
        return Err(invalid("give at least one element id to activate".into()));
    }
    for id in elements {
        if crate::runtime::ad_hoc_startable(def, ad_hoc, id).is_none() {
            return Err(invalid(format!(
                "'{id}' is not an element of ad-hoc sub-process '{}' that it can start (boundary events, event sub-processes, start events, compensation handlers and link catch events cannot be)",
                node.id
            )));
        }
    }
    Ok(())
}
