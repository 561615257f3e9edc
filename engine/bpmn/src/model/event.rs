//! Event definitions: what a start, catch, boundary or end event waits for or throws.

use super::NodeIdx;
use crate::expression::{Expression, Text};

/// The event definition of an event element (`messageEventDefinition`, ...), resolved against
/// the document's root elements (`message`, `error`, `escalation`).
#[derive(Debug, Clone)]
pub enum EventTrigger {
    /// No event definition.
    None,
    /// `terminateEventDefinition` (end events only).
    Terminate,
    /// `messageEventDefinition`.
    Message(MessageRef),
    /// `timerEventDefinition`.
    Timer(TimerDefinition),
    /// `errorEventDefinition`.
    Error(ErrorRef),
    /// `linkEventDefinition` (intermediate throw and catch events only).
    Link(LinkRef),
    /// `escalationEventDefinition` (end, intermediate throw and boundary events).
    Escalation(EscalationRef),
    /// `signalEventDefinition`: thrown (end, intermediate throw events) to every open signal
    /// catch, caught (start, intermediate catch, boundary events).
    Signal(SignalRef),
    /// `compensateEventDefinition`: thrown (end, intermediate throw events) to compensate
    /// completed activities; on a boundary event it marks the activity's compensation handler.
    Compensation(CompensateRef),
    /// `cancelEventDefinition`: thrown by an end event inside a transaction (which it cancels),
    /// caught by the transaction's cancel boundary event.
    Cancel,
    /// `conditionalEventDefinition`: caught (intermediate catch, boundary, event sub-process
    /// start events) when its condition holds.
    Conditional(ConditionalRef),
    /// Several event definitions on one event (BPMN's "multiple" and "parallel multiple"
    /// events): a catch event waits for all of them at once and occurs when any one does, or,
    /// with `parallelMultiple`, once every one has; a throw event throws each, in document order.
    Multiple(MultipleTrigger),
}

impl EventTrigger {
    /// The event definitions: those of a multiple event, else the trigger itself.
    pub fn definitions(&self) -> &[EventTrigger] {
        match self {
            EventTrigger::Multiple(m) => &m.definitions,
            other => std::slice::from_ref(other),
        }
    }

    /// True for a parallel multiple catch event (`parallelMultiple="true"`): it occurs once
    /// every one of its definitions has occurred.
    pub fn is_parallel(&self) -> bool {
        matches!(self, EventTrigger::Multiple(m) if m.parallel)
    }
}

/// The definitions of an event with several event definitions.
#[derive(Debug, Clone)]
pub struct MultipleTrigger {
    /// The event definitions, in document order (none of them is itself multiple). On a catch
    /// event: messages, signals (fixed names when `parallel`), at most one timer and at most one
    /// condition; on a throw event: messages and signals.
    pub definitions: Vec<EventTrigger>,
    /// `parallelMultiple="true"` (catch events only): every definition must occur.
    pub parallel: bool,
}

/// The condition a conditional event waits for.
#[derive(Debug, Clone)]
pub struct ConditionalRef {
    /// The `condition` (FEEL, or `${...}`), evaluated in the scope of the element owning the
    /// wait.
    pub condition: Expression,
    /// `camunda:variableName`: only changes of this variable re-evaluate the condition.
    pub variable_name: Option<String>,
    /// `camunda:variableEvents`: only these kinds of change re-evaluate the condition; `None`:
    /// every kind.
    pub variable_events: Option<VariableEvents>,
}

/// The kinds of variable change a conditional event listens to (`camunda:variableEvents`,
/// a comma-separated list of `create`, `update`, `delete`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct VariableEvents {
    /// A variable that did not exist in a scope was set there.
    pub create: bool,
    /// A variable got another value.
    pub update: bool,
    /// A variable was removed from a scope that still runs.
    pub delete: bool,
}

impl VariableEvents {
    /// True when a change with these kinds counts.
    pub fn accepts(self, change: VariableEvents) -> bool {
        (self.create && change.create)
            || (self.update && change.update)
            || (self.delete && change.delete)
    }
}

/// What a compensation throw event compensates.
#[derive(Debug, Clone)]
pub struct CompensateRef {
    /// `activityRef`: only this activity of the thrower's scope; `None`: every completed activity
    /// of the scope that has a compensation handler.
    pub activity: Option<String>,
    /// `waitForCompletion` (default true): the throw event completes once the handlers have.
    pub wait_for_completion: bool,
}

/// A signal, by name.
#[derive(Debug, Clone)]
pub struct SignalRef {
    /// The referenced `signal` element's `name` (static, or an expression evaluated when the
    /// signal is thrown or its subscription opens; fixed on a process start event).
    pub name: Text,
}

/// A message, by name, with the correlation key expression that picks the instance.
#[derive(Debug, Clone)]
pub struct MessageRef {
    /// The message's `name` (static, or an expression evaluated when the subscription opens or
    /// the message is thrown).
    pub name: Text,
    /// On a catch: `zeebe:subscription correlationKey` of the message (evaluated when the
    /// subscription opens). On a throw that publishes: `zeebe:publishMessage correlationKey`,
    /// else the message's `zeebe:subscription correlationKey` (evaluated when it is thrown).
    /// Without one, messages correlate by business key or instance id.
    pub correlation_key: Option<Expression>,
    /// On a throw that publishes: `zeebe:publishMessage timeToLive` (an ISO 8601 duration,
    /// static or FEEL): how long the message is buffered when nothing waits for it. `None`:
    /// not buffered.
    pub time_to_live: Option<Text>,
    /// On a throw that publishes: `zeebe:publishMessage messageId` (static or FEEL): a second
    /// message with the same id is dropped.
    pub message_id: Option<Text>,
}

/// A link, by name: a link throw event continues at the link catch event of the same name in
/// the same scope.
#[derive(Debug, Clone)]
pub struct LinkRef {
    /// The `linkEventDefinition`'s `name`.
    pub name: String,
    /// On a throw event, the catch event it jumps to (resolved at deploy); `None` on a catch
    /// event.
    pub target: Option<NodeIdx>,
}

/// An error, by code. On a catch event, `code: None` catches every error.
#[derive(Debug, Clone, Default)]
pub struct ErrorRef {
    /// The referenced `error` element's `errorCode`.
    pub code: Option<String>,
    /// On a throw event: the referenced `error` element's `camunda:errorMessage` (static or
    /// `${...}`, evaluated when the error is thrown).
    pub message: Option<Text>,
    /// On a catch event: `camunda:errorCodeVariable`, the variable that receives the caught
    /// error's code.
    pub code_variable: Option<String>,
    /// On a catch event: `camunda:errorMessageVariable`, the variable that receives the caught
    /// error's message (null when it has none).
    pub message_variable: Option<String>,
}

/// An escalation, by code. On a boundary event, `code: None` catches every escalation.
#[derive(Debug, Clone, Default)]
pub struct EscalationRef {
    /// The referenced `escalation` element's `escalationCode`.
    pub code: Option<String>,
    /// On a catch event: `camunda:escalationCodeVariable`, the variable that receives the
    /// caught escalation's code.
    pub code_variable: Option<String>,
}

/// A timer: an ISO 8601 date, duration or repeating cycle (or a cron expression for cycles).
#[derive(Debug, Clone)]
pub enum TimerDefinition {
    /// `timeDate`: fires at that instant.
    Date(Text),
    /// `timeDuration`: fires that long after activation.
    Duration(Text),
    /// `timeCycle`: `R<n>/<start>/<duration>`, `R/<duration>` or cron.
    Cycle(Text),
}
