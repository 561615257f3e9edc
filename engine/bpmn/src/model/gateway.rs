//! Gateway definitions that carry more than their flows: what an inclusive or complex gateway's
//! join waits for, computed once at deploy time, and a complex gateway's activation condition.

use super::NodeIdx;
use crate::expression::Expression;

/// An inclusive gateway. As a fork it takes every flow whose condition is true (the default flow
/// when none is); as a join (several incoming flows) it fires once no token of its scope can
/// still reach it.
#[derive(Debug, Clone, Default)]
pub struct InclusiveGateway {
    /// The nodes of the gateway's scope from which a token can still reach the gateway without
    /// passing through it (following sequence flows, and from an activity through its boundary
    /// events), sorted. Empty when the gateway does not join.
    pub upstream: Vec<NodeIdx>,
}

impl InclusiveGateway {
    /// True when a token at `node` can still reach the gateway.
    pub fn reachable_from(&self, node: NodeIdx) -> bool {
        self.upstream.binary_search(&node).is_ok()
    }
}

/// A complex gateway. As a fork it behaves like an inclusive gateway. As a join it fires once its
/// `activationCondition` holds for the tokens arrived so far (variable `activationCount`), then
/// waits, without firing again, for the tokens that can still arrive, and starts over; without a
/// condition it joins like an inclusive gateway.
#[derive(Debug, Clone, Default)]
pub struct ComplexGateway {
    /// Where tokens can still come from (as for an inclusive join).
    pub join: InclusiveGateway,
    /// `activationCondition`, evaluated in the gateway's scope whenever a token arrives.
    pub activation_condition: Option<Expression>,
}
