//! Structural rules over one built process (after references are resolved).
//!
//! Owns the rules that need the whole graph: start events per scope, event sub-processes,
//! compensation, cancel events and transactions, ad-hoc sub-processes, `default` flows,
//! exclusive-gateway conditions, conditions elsewhere, boundary attachment and outgoing flows,
//! what may follow an event-based gateway,
//! flows into start events and out of end events, and the warnings about dead ends and
//! unreachable nodes. Rules apply to executable processes only (a `default` that is not an
//! outgoing flow is invalid BPMN and always reported). It reports; it never changes the model.

use super::build::{Builder, index_u32, is_activity};
use crate::model::{ElementType, EventTrigger, FlowIdx, FlowNodeKind};

/// Runs every rule and reports through the builder's context.
pub(crate) fn run(b: &mut Builder<'_, '_>) {
    starts(b);
    event_sub_processes(b);
    compensation(b);
    transactions(b);
    ad_hoc(b);
    defaults(b);
    conditions(b);
    boundaries(b);
    event_based_gateways(b);
    super::message_waits::check(b);
    ends_and_dead_ends(b);
}

/// An executable process has at most one none start event at its root, and exactly one unless
/// it has a signal, message or timer start event (its message start events name distinct
/// messages) or no start event at all; each embedded sub-process has at most one, and only none
/// start events. Without any start event, the elements without incoming sequence flows start
/// with the (sub-)process (BPMN 2.0, 10.5.2; a warning says which); with none of those either it
/// is an error (unless a sub-process holds event sub-processes). An event sub-process has
/// exactly one start event.
fn starts(b: &mut Builder<'_, '_>) {
    for s in 0..b.scopes.len() {
        let (Some(scope), Some(&e)) = (b.scopes.get(s), b.scope_elems.get(s)) else {
            continue;
        };
        let nones: Vec<String> = scope
            .start_events
            .iter()
            .filter_map(|&n| b.nodes.get(n.0 as usize))
            .filter(|n| {
                matches!(
                    &n.kind,
                    FlowNodeKind::StartEvent {
                        trigger: crate::model::EventTrigger::None,
                        ..
                    }
                )
            })
            .map(|n| n.id.clone())
            .collect();
        let event_sub = scope
            .owner
            .and_then(|o| b.nodes.get(o.0 as usize))
            .is_some_and(|o| matches!(o.kind, FlowNodeKind::EventSubProcess { .. }));
        if event_sub {
            let msg = match scope.start_events.len() {
                1 => continue,
                0 => "event sub-process has no start event".to_owned(),
                n => format!("event sub-process has {n} start events; exactly one is allowed"),
            };
            b.ctx.exec_error(e, msg);
            continue;
        }
        let ad_hoc = scope
            .owner
            .and_then(|o| b.nodes.get(o.0 as usize))
            .is_some_and(|o| matches!(o.kind, FlowNodeKind::AdHocSubProcess(_)));
        if ad_hoc {
            continue; // see `ad_hoc`
        }
        let what = if s == 0 { "process" } else { "sub-process" };
        // A process started only by signals, messages or timers needs no none start event.
        let event_started = s == 0 && scope.start_events.len() > nones.len();
        let no_start_events = scope.start_events.is_empty();
        let has_event_sub = !scope.event_sub_processes.is_empty();
        let implicit: Vec<String> = scope
            .implicit_starts
            .iter()
            .filter_map(|n| b.nodes.get(n.0 as usize))
            .map(|n| n.id.clone())
            .collect();
        let msg = match nones.as_slice() {
            [_] => continue,
            [] if event_started => continue,
            // BPMN 2.0 (10.5.2): without start events, every node without incoming sequence
            // flows starts with the scope.
            [] if no_start_events && implicit.is_empty() && (s == 0 || !has_event_sub) => {
                format!(
                    "{what} has no start event and no element without incoming sequence flows that could start it"
                )
            }
            [] if no_start_events => {
                let msg = if implicit.is_empty() {
                    format!(
                        "{what} has no start event and nothing to start but event sub-processes: it completes as soon as it starts"
                    )
                } else {
                    format!(
                        "{what} has no start event: its elements without incoming sequence flows ({}) start when it starts",
                        implicit.join(", ")
                    )
                };
                b.ctx.warning(e, msg);
                continue;
            }
            [] => format!("{what} has no none start event (a startEvent without event definition)"),
            many => format!(
                "{what} has {} none start events ({}); exactly one is allowed",
                many.len(),
                many.join(", ")
            ),
        };
        b.ctx.exec_error(e, msg);
    }
}

/// A compensation handler has no sequence flows; a compensation throw event's `activityRef`
/// names an activity of its own scope.
fn compensation(b: &mut Builder<'_, '_>) {
    for i in 0..b.nodes.len() {
        let (Some(node), Some(&e)) = (b.nodes.get(i), b.node_elems.get(i)) else {
            continue;
        };
        let mut problems = Vec::new();
        if node.is_for_compensation && (!node.incoming.is_empty() || !node.outgoing.is_empty()) {
            problems.push(format!(
                "compensation handler {} cannot have sequence flows",
                node.id
            ));
        }
        let activity = match &node.kind {
            FlowNodeKind::IntermediateThrowEvent {
                trigger: EventTrigger::Compensation(c),
            }
            | FlowNodeKind::EndEvent {
                result: EventTrigger::Compensation(c),
            } => c.activity.as_deref(),
            _ => None,
        };
        if let Some(a) = activity {
            let target = b
                .node_ids
                .get(a)
                .and_then(|t| b.nodes.get(t.0 as usize))
                .filter(|t| is_activity(t.element_type) && t.scope == node.scope);
            if target.is_none() {
                problems.push(format!(
                    "activityRef \"{a}\" of {} does not name an activity of its scope",
                    node.id
                ));
            }
        }
        for p in problems {
            b.ctx.exec_error(e, p);
        }
    }
}

/// A cancel end event lies directly in a transaction that has a cancel boundary event.
fn transactions(b: &mut Builder<'_, '_>) {
    for i in 0..b.nodes.len() {
        let (Some(node), Some(&e)) = (b.nodes.get(i), b.node_elems.get(i)) else {
            continue;
        };
        if !matches!(
            node.kind,
            FlowNodeKind::EndEvent {
                result: EventTrigger::Cancel
            }
        ) {
            continue;
        }
        let owner = b
            .scopes
            .get(node.scope.0 as usize)
            .and_then(|s| s.owner)
            .and_then(|o| b.nodes.get(o.0 as usize));
        let msg = match owner {
            Some(t) if t.element_type == ElementType::Transaction => {
                let has_cancel_boundary = t.boundary_events.iter().any(|n| {
                    b.nodes.get(n.0 as usize).is_some_and(|n| {
                        matches!(
                            n.kind,
                            FlowNodeKind::BoundaryEvent {
                                trigger: EventTrigger::Cancel,
                                ..
                            }
                        )
                    })
                });
                if has_cancel_boundary {
                    continue;
                }
                format!(
                    "cancel end event {} needs a cancel boundary event on transaction {}",
                    node.id, t.id
                )
            }
            _ => format!(
                "cancel end event {} must lie directly in a transaction",
                node.id
            ),
        };
        b.ctx.exec_error(e, msg);
    }
}

/// An ad-hoc sub-process holds no start events (its activities without incoming flows start
/// with it).
fn ad_hoc(b: &mut Builder<'_, '_>) {
    for i in 0..b.nodes.len() {
        let (Some(node), Some(&e)) = (b.nodes.get(i), b.node_elems.get(i)) else {
            continue;
        };
        let FlowNodeKind::AdHocSubProcess(ad_hoc) = &node.kind else {
            continue;
        };
        let starts = b
            .scopes
            .get(ad_hoc.scope.0 as usize)
            .map(|s| s.start_events.len())
            .unwrap_or(0);
        if starts > 0 {
            let msg = format!(
                "ad-hoc sub-process {} cannot hold start events (its activities without incoming sequence flows start with it)",
                node.id
            );
            b.ctx.exec_error(e, msg);
        }
    }
}

/// An event sub-process has no sequence flows, no boundary events and no loop; one started by
/// compensation lies in a sub-process.
fn event_sub_processes(b: &mut Builder<'_, '_>) {
    for i in 0..b.nodes.len() {
        let (Some(node), Some(&e)) = (b.nodes.get(i), b.node_elems.get(i)) else {
            continue;
        };
        if !matches!(node.kind, FlowNodeKind::EventSubProcess { .. }) {
            continue;
        }
        let mut problems = Vec::new();
        if !node.incoming.is_empty() || !node.outgoing.is_empty() {
            problems.push(format!(
                "event sub-process {} cannot have incoming or outgoing sequence flows",
                node.id
            ));
        }
        if !node.boundary_events.is_empty() {
            problems.push(format!(
                "event sub-process {} cannot have boundary events",
                node.id
            ));
        }
        if node.multi_instance.is_some() {
            problems.push(format!(
                "event sub-process {} cannot be a multi-instance activity",
                node.id
            ));
        }
        let compensation_start = match &node.kind {
            FlowNodeKind::EventSubProcess { scope } => b
                .scopes
                .get(scope.0 as usize)
                .and_then(|s| s.start_events.first())
                .and_then(|n| b.nodes.get(n.0 as usize))
                .is_some_and(|n| {
                    matches!(
                        n.kind,
                        FlowNodeKind::StartEvent {
                            trigger: EventTrigger::Compensation(_),
                            ..
                        }
                    )
                }),
            _ => false,
        };
        if compensation_start && node.scope == crate::model::ScopeIdx::ROOT {
            problems.push(format!(
                "compensation event sub-process {} must lie in a sub-process (a process is never compensated)",
                node.id
            ));
        }
        for p in problems {
            b.ctx.exec_error(e, p);
        }
    }
}

/// A `default` flow must leave its node and have no condition.
fn defaults(b: &mut Builder<'_, '_>) {
    for i in 0..b.nodes.len() {
        let (Some(node), Some(&e)) = (b.nodes.get(i), b.node_elems.get(i)) else {
            continue;
        };
        let Some(d) = node.default_flow else { continue };
        let Some(flow) = b.flows.get(d.0 as usize) else {
            continue;
        };
        if flow.source.0 as usize != i {
            let msg = format!(
                "default flow \"{}\" is not an outgoing flow of {}",
                flow.id, node.id
            );
            b.ctx.error(e, msg);
        } else if flow.condition.is_some() {
            let msg = format!("default flow \"{}\" must not have a condition", flow.id);
            b.ctx.exec_error(e, msg);
        }
    }
}

/// Conditions: every non-default flow out of an exclusive gateway with several outgoing flows
/// needs one; flows out of other nodes must not have one.
fn conditions(b: &mut Builder<'_, '_>) {
    for f in 0..b.flows.len() {
        let (Some(flow), Some(&e)) = (b.flows.get(f), b.flow_elems.get(f)) else {
            continue;
        };
        let Some(source) = b.nodes.get(flow.source.0 as usize) else {
            continue;
        };
        let is_default = source.default_flow == Some(FlowIdx(index_u32(f)));
        let msg = match source.element_type {
            ElementType::ExclusiveGateway => {
                if flow.condition.is_some() || is_default || source.outgoing.len() < 2 {
                    continue;
                }
                if has_condition_element(b, e) {
                    continue; // the condition was reported as invalid already
                }
                format!(
                    "sequence flow {} leaves exclusive gateway {} without a condition; only its default flow may have none",
                    flow.id, source.id
                )
            }
            ElementType::ParallelGateway if flow.condition.is_some() => {
                let msg = format!(
                    "the condition of sequence flow {} is ignored: it leaves a parallel gateway",
                    flow.id
                );
                b.ctx.warning(e, msg);
                continue;
            }
            // Conditional flows out of activities and events run (every true condition is taken,
            // the default flow only when none is); gateways judge their own flows.
            _ => continue,
        };
        b.ctx.exec_error(e, msg);
    }
}

fn has_condition_element(b: &Builder<'_, '_>, e: &super::tree::Element) -> bool {
    b.ctx
        .doc
        .tree
        .child(e, &super::tree::Ns::Bpmn, "conditionExpression")
        .is_some_and(|c| !c.text.trim().is_empty())
}

/// A boundary event is attached to an activity of its own scope and has no incoming flow; its
/// outgoing flows are all taken (none: its path ends there; several: an implicit parallel
/// split), except on a compensation boundary event, which has none. A cancel boundary event is
/// attached to a transaction, at most one per transaction.
fn boundaries(b: &mut Builder<'_, '_>) {
    for i in 0..b.nodes.len() {
        let (Some(node), Some(&e)) = (b.nodes.get(i), b.node_elems.get(i)) else {
            continue;
        };
        let FlowNodeKind::BoundaryEvent {
            attached_to,
            ref trigger,
            ..
        } = node.kind
        else {
            continue;
        };
        let compensation = matches!(trigger, EventTrigger::Compensation(_));
        let mut problems = Vec::new();
        if let Some(host) = b.nodes.get(attached_to.0 as usize) {
            if !is_activity(host.element_type) {
                problems.push(format!(
                    "boundary event {} is attached to {} ({}), which is not an activity",
                    node.id,
                    host.id,
                    host.element_type.as_str()
                ));
            } else if host.scope != node.scope {
                problems.push(format!(
                    "boundary event {} and the activity {} it is attached to lie in different scopes",
                    node.id, host.id
                ));
            }
        }
        if compensation && !node.outgoing.is_empty() {
            problems.push(format!(
                "compensation boundary event {} cannot have outgoing sequence flows; associate it with its compensation handler",
                node.id
            ));
        }
        let cancel = matches!(trigger, EventTrigger::Cancel);
        let host_type = b.nodes.get(attached_to.0 as usize).map(|h| h.element_type);
        if cancel && host_type != Some(ElementType::Transaction) {
            problems.push(format!(
                "cancel boundary event {} must be attached to a transaction",
                node.id
            ));
        }
        if cancel && let Some(host) = b.nodes.get(attached_to.0 as usize) {
            let cancels = host
                .boundary_events
                .iter()
                .filter(|n| {
                    b.nodes.get(n.0 as usize).is_some_and(|n| {
                        matches!(
                            n.kind,
                            FlowNodeKind::BoundaryEvent {
                                trigger: EventTrigger::Cancel,
                                ..
                            }
                        )
                    })
                })
                .count();
            if cancels > 1 {
                problems.push(format!(
                    "transaction {} has {cancels} cancel boundary events; at most one is allowed",
                    host.id
                ));
            }
        }
        if !node.incoming.is_empty() {
            problems.push(format!(
                "boundary event {} cannot have incoming sequence flows",
                node.id
            ));
        }
        for p in problems {
            b.ctx.exec_error(e, p);
        }
    }
}

/// An event-based gateway has at least two outgoing flows, without conditions, each leading to a
/// message, timer, signal or conditional intermediate catch event (or one with several of
/// those definitions) whose incoming flows all come from the gateway (two flows to the same
/// event open its wait once).
fn event_based_gateways(b: &mut Builder<'_, '_>) {
    for i in 0..b.nodes.len() {
        let (Some(node), Some(&e)) = (b.nodes.get(i), b.node_elems.get(i)) else {
            continue;
        };
        if !matches!(node.kind, FlowNodeKind::EventBasedGateway) {
            continue;
        }
        let mut problems = Vec::new();
        if node.outgoing.len() < 2 {
            problems.push(format!(
                "event-based gateway {} needs at least two outgoing sequence flows (it has {})",
                node.id,
                node.outgoing.len()
            ));
        }
        for flow in node
            .outgoing
            .iter()
            .filter_map(|f| b.flows.get(f.0 as usize))
        {
            if flow.condition.is_some() {
                problems.push(format!(
                    "sequence flow {} leaves event-based gateway {} and cannot have a condition",
                    flow.id, node.id
                ));
            }
            let Some(target) = b.nodes.get(flow.target.0 as usize) else {
                continue;
            };
            let waits = match &target.kind {
                FlowNodeKind::IntermediateCatchEvent { trigger } => {
                    trigger.definitions().iter().all(|d| {
                        matches!(
                            d,
                            EventTrigger::Message(_)
                                | EventTrigger::Timer(_)
                                | EventTrigger::Signal(_)
                                | EventTrigger::Conditional(_)
                        )
                    })
                }
                _ => false,
            };
            let other_sources = target.incoming.iter().any(|f| {
                b.flows
                    .get(f.0 as usize)
                    .is_some_and(|f| f.source.0 as usize != i)
            });
            if !waits {
                problems.push(format!(
                    "{} ({}) cannot follow event-based gateway {}; only message, timer, signal and conditional intermediate catch events can",
                    target.id,
                    target.element_type.as_str(),
                    node.id
                ));
            } else if other_sources {
                problems.push(format!(
                    "{} follows event-based gateway {} and cannot have incoming sequence flows from elsewhere",
                    target.id, node.id
                ));
            }
        }
        problems.sort();
        problems.dedup();
        for p in problems {
            b.ctx.exec_error(e, p);
        }
    }
}

/// Start events and link catch events have no incoming flow, end events and link throw events no
/// outgoing flow; other nodes without an incoming flow are unreachable and nodes without an
/// outgoing flow end their path (warnings).
fn ends_and_dead_ends(b: &mut Builder<'_, '_>) {
    for i in 0..b.nodes.len() {
        let (Some(node), Some(&e)) = (b.nodes.get(i), b.node_elems.get(i)) else {
            continue;
        };
        let id = node.id.clone();
        let ty = node.element_type;
        let (incoming, outgoing) = (node.incoming.len(), node.outgoing.len());
        let event_sub = matches!(&node.kind, FlowNodeKind::EventSubProcess { .. });
        let link_catch = matches!(
            &node.kind,
            FlowNodeKind::IntermediateCatchEvent {
                trigger: EventTrigger::Link(_)
            }
        );
        let link_throw = matches!(
            &node.kind,
            FlowNodeKind::IntermediateThrowEvent {
                trigger: EventTrigger::Link(_)
            }
        );
        let compensation = e.flag("isForCompensation") == Some(true);
        match ty {
            ElementType::StartEvent if incoming > 0 => {
                b.ctx.exec_error(
                    e,
                    format!("start event {id} cannot have incoming sequence flows"),
                );
            }
            ElementType::EndEvent if outgoing > 0 => {
                b.ctx.exec_error(
                    e,
                    format!("end event {id} cannot have outgoing sequence flows"),
                );
            }
            _ if link_throw && outgoing > 0 => b.ctx.exec_error(
                e,
                format!("link throw event {id} cannot have outgoing sequence flows"),
            ),
            _ if link_catch && incoming > 0 => b.ctx.exec_error(
                e,
                format!("link catch event {id} cannot have incoming sequence flows"),
            ),
            _ => {}
        }
        let implicit_start = b.scopes.get(node.scope.0 as usize).is_some_and(|s| {
            s.implicit_starts
                .contains(&crate::model::NodeIdx(index_u32(i)))
        });
        let exempt = event_sub || compensation || implicit_start;
        let in_ad_hoc = b
            .scopes
            .get(node.scope.0 as usize)
            .and_then(|s| s.owner)
            .and_then(|o| b.nodes.get(o.0 as usize))
            .is_some_and(|o| matches!(o.kind, FlowNodeKind::AdHocSubProcess(_)));
        if incoming == 0
            && !exempt
            && !in_ad_hoc
            && !link_catch
            && !matches!(ty, ElementType::StartEvent | ElementType::BoundaryEvent)
        {
            b.ctx.warning(
                e,
                format!("{id} has no incoming sequence flow and is never reached"),
            );
        }
        if outgoing == 0
            && !exempt
            && !link_throw
            && !matches!(ty, ElementType::EndEvent | ElementType::BoundaryEvent)
        {
            b.ctx.warning(
                e,
                format!("{id} has no outgoing sequence flow: the path ends there"),
            );
        }
    }
}
