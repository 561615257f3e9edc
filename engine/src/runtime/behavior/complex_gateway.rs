//! Complex gateway. As a fork it takes every outgoing flow whose condition is true, like an
//! inclusive gateway. As a join, arriving tokens wait in the scope instance's join record; with an
//! `activationCondition`, each arrival evaluates it in the scope with `activationCount` (the tokens
//! arrived so far in this round): once it holds the gateway fires, then waits, without firing
//! again, until no token of the scope can still reach it, and starts a new round (the tokens that
//! arrived meanwhile are consumed). Without a condition it joins like an inclusive gateway. When no
//! more tokens can arrive and the condition never held, the gateway is activated anyway and its
//! activation stops with an incident naming the condition (resolving evaluates it again).

use keel_bpmn::{ComplexGateway, FlowNode, FlowNodeKind};
use serde_json::{Map, Value as Json};

use super::Activation;
use crate::runtime::eval::{self, Failure};
use crate::runtime::flow::Run;
use crate::runtime::state::{Action, ElementKey};
use crate::runtime::variables;

/// Join-record entry: the gateway fired in this round (flow ids never start with `@`).
const FIRED: &str = "@fired";
/// Join-record entry: the activation count handed to the gateway instance being activated.
const COUNT: &str = "@count";
/// The variable conditions read.
const ACTIVATION_COUNT: &str = "activationCount";

/// Tokens waiting in a join record (its flow entries).
pub fn arrived_tokens(arrivals: &std::collections::BTreeMap<String, u32>) -> u32 {
    arrivals
        .iter()
        .filter(|(k, _)| !k.starts_with('@'))
        .map(|(_, c)| *c)
        .sum()
}

/// A token arrived at joining gateway `gateway_id` of scope instance `scope`: fires it when its
/// activation condition now holds (a failing evaluation counts as false here; the gateway reports
/// it if it has to be activated without the condition holding).
pub fn arrived(run: &mut Run<'_>, scope: ElementKey, gateway_id: &str) {
    let def = run.def;
    let Some(FlowNodeKind::ComplexGateway(ComplexGateway {
        activation_condition: Some(condition),
        ..
    })) = def.node_by_id(gateway_id).map(|n| &def.node(n).kind)
    else {
        return;
    };
    let Some(arrivals) = run
        .state
        .elements
        .get(&scope)
        .and_then(|s| s.joins.get(gateway_id))
    else {
        return;
    };
    if arrivals.contains_key(FIRED) {
        return;
    }
    let count = arrived_tokens(arrivals);
    let mut extra = Map::new();
    extra.insert(ACTIVATION_COUNT.to_owned(), Json::from(count));
    if !eval::holds_with(run.state, scope, &run.now, condition, &extra) {
        return;
    }
    if let Some(arrivals) = run
        .state
        .elements
        .get_mut(&scope)
        .and_then(|s| s.joins.get_mut(gateway_id))
    {
        arrivals.insert(FIRED.to_owned(), 1);
        arrivals.insert(COUNT.to_owned(), count);
    }
    run.state.agenda.push_back(Action::Activate {
        scope,
        element_id: gateway_id.to_owned(),
    });
}

/// No token can reach the gateway any more; `arrivals` is its (removed) join record. Returns the
/// record to keep while the gateway is activated, or `None` when the round just ends (the gateway
/// fired already).
pub fn last_token(
    arrivals: &std::collections::BTreeMap<String, u32>,
) -> Option<std::collections::BTreeMap<String, u32>> {
    if arrivals.contains_key(FIRED) {
        return None;
    }
    let mut pending = std::collections::BTreeMap::new();
    pending.insert(COUNT.to_owned(), arrived_tokens(arrivals));
    Some(pending)
}

/// Activates a complex gateway instance: as a join with a condition, takes the activation count
/// handed over and checks the condition (it holds unless the gateway is activated because no
/// more tokens can arrive).
pub fn activate(
    run: &mut Run<'_>,
    key: ElementKey,
    node: &FlowNode,
    gateway: &ComplexGateway,
) -> Result<Activation, Failure> {
    let scope = run.parent_of(key);
    if let Some(instance) = run.state.elements.get_mut(&scope)
        && let Some(arrivals) = instance.joins.get_mut(&node.id)
        && let Some(count) = arrivals.remove(COUNT)
    {
        if arrivals.is_empty() {
            instance.joins.remove(&node.id);
        }
        variables::set_local(run.state, key, ACTIVATION_COUNT, Json::from(count));
    }
    let Some(condition) = gateway.activation_condition.as_ref() else {
        return Ok(Activation::Complete);
    };
    if node.incoming.len() < 2 {
        return Ok(Activation::Complete);
    }
    let what = format!("activation condition of complex gateway '{}'", node.id);
    if eval::condition(run.state, key, &run.now, condition, &what)? {
        return Ok(Activation::Complete);
    }
    Err(Failure::expression(format!(
        "{what} ('{}') is false and no more tokens can arrive",
        condition.source()
    )))
}
