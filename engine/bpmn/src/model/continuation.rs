//! Asynchronous continuations: Camunda 7's `camunda:asyncBefore` / `camunda:asyncAfter`
//! (transaction boundaries before or after a flow node).

/// Where a flow node's run is cut into separate transactions. Parsed from
/// `camunda:asyncBefore` (or the legacy `camunda:async`), `camunda:asyncAfter` and
/// `camunda:exclusive` on the flow node, and, for the inner instances of a multi-instance
/// activity, on its `multiInstanceLoopCharacteristics`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AsyncContinuations {
    /// `camunda:asyncBefore`: the element instance is created, then waits for a continuation
    /// job before it starts (input mappings, its behavior).
    pub before: bool,
    /// `camunda:asyncAfter`: once the element completed (output mappings applied), a
    /// continuation job takes its outgoing flows.
    pub after: bool,
    /// `camunda:exclusive` (default true). Keel applies every continuation under its
    /// instance's lock, so continuations of one instance never run at the same time whatever
    /// this says; it is recorded only.
    pub exclusive: bool,
}

impl AsyncContinuations {
    /// No continuation: the element runs in the transaction that reached it.
    pub const NONE: AsyncContinuations = AsyncContinuations {
        before: false,
        after: false,
        exclusive: true,
    };

    /// True when neither `before` nor `after` is set.
    pub fn is_none(&self) -> bool {
        !self.before && !self.after
    }
}

impl Default for AsyncContinuations {
    fn default() -> Self {
        AsyncContinuations::NONE
    }
}
