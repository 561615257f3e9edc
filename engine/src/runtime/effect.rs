//! Effects: the work a step asks the outside world to create or cancel, as plain data, plus the
//! element transitions it made (for history and the audit record).

use serde_json::{Map, Value as Json};

/// Subscriptions of signal events are message subscriptions named with this prefix (message
/// names may not start with it), see docs/decisions/0008-signal-subscriptions.md.
pub const SIGNAL_PREFIX: &str = "signal:";

/// Reserved: receive tasks without a message once waited under a subscription named with this
/// prefix and their element id (instances started before docs/decisions/0014 may still hold
/// one; `Engine::trigger_element` continues them like any receive task, and completing them
/// deletes the row). Message names may not start with it either.
pub const TRIGGER_PREFIX: &str = "trigger:";

/// A conditional start event of a process's latest version is a start subscription named with
/// this prefix and its element id, looked up by `Engine::evaluate_start_conditions` (message
/// names may not start with it either).
pub const CONDITION_PREFIX: &str = "condition:";

/// Why `name` may not be a message's name (it starts with one of the prefixes the engine keeps
/// for its own subscriptions), or `None` when it may.
pub fn reserved_message_name(name: &str) -> Option<String> {
    is_engine_subscription(name).then(|| {
            format!(
            "message name '{name}': names starting with '{SIGNAL_PREFIX}', '{TRIGGER_PREFIX}' or '{CONDITION_PREFIX}' are reserved for signals, wait states and conditional starts"
        )
    })
}

/// True for a subscription name the engine keeps for its own waits (signals, wait states,
/// conditional starts), never a message's.
pub fn is_engine_subscription(name: &str) -> bool {
    [SIGNAL_PREFIX, TRIGGER_PREFIX, CONDITION_PREFIX]
        .iter()
        .any(|p| name.starts_with(p))
}

/// The job type of the engine's asynchronous continuations ([`Effect::CreateContinuation`]):
/// reserved, like every `keel:` type, and never a built-in connector.
pub const CONTINUATION_JOB_TYPE: &str = "keel:async";

use super::state::ElementKey;

/// The kinds of persisted work an element instance can own: jobs, user tasks, timers,
/// message (or signal) subscriptions and asynchronous continuations. Cancelling an element instance only looks in the tables of
/// its kinds, so completing a service task deletes its job without probing three other tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Work(u8);

impl Work {
    /// Nothing.
    pub const NONE: Work = Work(0);
    /// Jobs (service, send, business-rule tasks...).
    pub const JOBS: Work = Work(1);
    /// User tasks.
    pub const USER_TASKS: Work = Work(2);
    /// Timers.
    pub const TIMERS: Work = Work(4);
    /// Message and signal subscriptions.
    pub const SUBSCRIPTIONS: Work = Work(8);
    /// What event waits use: timers and subscriptions.
    pub const EVENTS: Work = Work(4 | 8);
    /// Continuation jobs (`camunda:asyncBefore` / `asyncAfter`): rows of the jobs table with
    /// the engine's internal job type, owned only by an element instance that waits for one.
    pub const CONTINUATIONS: Work = Work(16);
    /// Every kind.
    pub const ALL: Work = Work(1 | 2 | 4 | 8 | 16);

    /// Both sets.
    pub const fn with(self, other: Work) -> Work {
        Work(self.0 | other.0)
    }

    /// True when every kind of `other` is in `self`.
    pub const fn contains(self, other: Work) -> bool {
        self.0 & other.0 == other.0
    }

    /// True when `self` and `other` share a kind.
    pub const fn intersects(self, other: Work) -> bool {
        self.0 & other.0 != 0
    }

    /// True for [`Work::NONE`].
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }
}

/// Work for the shell to persist or cancel, in the same transaction as the new state.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Create a job for a worker or a built-in connector.
    CreateJob {
        /// Owning element instance.
        key: ElementKey,
        /// The task's BPMN id.
        element_id: String,
        /// Job type.
        job_type: String,
        /// Retries the job starts with.
        retries: i64,
        /// Static headers from the model.
        headers: Vec<(String, String)>,
    },
    /// Create the continuation job of element instance `key`, which waits before it starts or
    /// after it completed (`camunda:asyncBefore` / `asyncAfter`) until the engine applies
    /// [`Trigger::AsyncContinued`](super::Trigger::AsyncContinued).
    CreateContinuation {
        /// The waiting element instance.
        key: ElementKey,
        /// Its BPMN id.
        element_id: String,
        /// Before it starts or after it completed.
        point: AsyncPoint,
    },
    /// Create a human task.
    CreateUserTask(UserTaskSpec),
    /// Start a timer that fires at `due_at_ms` (epoch milliseconds).
    ScheduleTimer {
        /// Owning element instance (the catch event, or the activity of a boundary event).
        key: ElementKey,
        /// The timer event's BPMN id.
        element_id: String,
        /// When it fires.
        due_at_ms: i64,
    },
    /// Wait for a message.
    OpenSubscription {
        /// Owning element instance.
        key: ElementKey,
        /// The message event's BPMN id.
        element_id: String,
        /// Message name.
        message_name: String,
        /// Correlation key value; `None` when the model defines no correlation key (the message
        /// then correlates by business key or instance id).
        correlation_key: Option<String>,
    },
    /// Broadcast a signal to every open signal subscription of other instances and to the signal
    /// start events (after this step, in the same transaction; signals are not buffered). The
    /// waits of this instance received it at the throw, in the step itself.
    BroadcastSignal {
        /// Signal name.
        name: String,
        /// The signal's variables (the throw event's input mappings).
        variables: Map<String, Json>,
        /// A wait of this instance caught it.
        caught_here: bool,
    },
    /// Publish a message, as `POST /api/v1/messages` would with the throwing instance's business
    /// key (after this step, in the same transaction): it continues the matching subscriptions
    /// of other instances, starts processes at their message start events, and is buffered for
    /// `ttl_ms` when nothing took it. Without a `message_id`, a wait of this instance that
    /// matched took it at the throw, in the step itself.
    PublishMessage {
        /// Message name.
        name: String,
        /// Correlation key value, if the model gives one.
        correlation_key: Option<String>,
        /// The message's variables (the throw event's input mappings).
        variables: Map<String, Json>,
        /// How long it is buffered when nothing takes it (0: not buffered).
        ttl_ms: i64,
        /// Deduplication id: the whole delivery, this instance's waits included, then happens
        /// after the step.
        message_id: Option<String>,
        /// A wait of this instance took it.
        caught_here: bool,
    },
    /// Start an instance of another process for call activity instance `key` (after this step,
    /// in the same transaction).
    StartCalled(CallSpec),
    /// This instance was started by a call activity and has completed: complete that call
    /// activity with these variables (after this step, in the same transaction).
    CompleteCaller {
        /// The calling instance.
        instance_id: String,
        /// The call activity's element instance there.
        key: ElementKey,
        /// The call activity's BPMN id.
        element_id: String,
        /// This instance's process-scope variables.
        variables: Map<String, Json>,
    },
    /// This called instance got its first open incident (`open`), or resolved its last one:
    /// the call activity instance `key` of the calling instance mirrors that (docs/bpmn-support.md,
    /// call activity; Camunda 7's incidents in super process instances).
    CalledIncidents {
        /// The calling instance.
        instance_id: String,
        /// Its call activity's element instance.
        key: ElementKey,
        /// The call activity's BPMN id.
        element_id: String,
        /// The called instance has open incidents.
        open: bool,
    },
    /// Call activity instance `key` was terminated: cancel the instance it called.
    CancelCalled {
        /// The call activity's element instance.
        key: ElementKey,
    },
    /// Error end event instance `key` threw `code` and nothing in this instance catches it:
    /// offer it to the calling instances (the end event waits for the verdict).
    PropagateError {
        /// The end event's element instance.
        key: ElementKey,
        /// The error code.
        code: String,
        /// The error's message (`camunda:errorMessage`), if it has one.
        message: Option<String>,
    },
    /// Delete every job, user task, timer and subscription owned by element instance `key`
    /// (it completed or was terminated).
    CancelWork {
        /// Owning element instance.
        key: ElementKey,
        /// The kinds of rows it can own (a superset): the shell looks only there.
        work: Work,
    },
    /// Raise an incident on element instance `key`.
    RaiseIncident {
        /// Element instance.
        key: ElementKey,
        /// Its BPMN id.
        element_id: String,
        /// Incident kind.
        kind: String,
        /// Why (names the expression/values involved, never secrets).
        message: String,
    },
    /// Resolve the incident open on element instance `key`.
    ResolveIncident {
        /// Element instance.
        key: ElementKey,
    },
}

/// Where an element instance waits for its asynchronous continuation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AsyncPoint {
    /// Before it starts (`camunda:asyncBefore`).
    Before,
    /// After it completed, before it takes its outgoing flows (`camunda:asyncAfter`).
    After,
}

impl AsyncPoint {
    /// `before` or `after`.
    pub fn as_str(self) -> &'static str {
        match self {
            AsyncPoint::Before => "before",
            AsyncPoint::After => "after",
        }
    }
}

/// What a call activity starts (expressions already evaluated).
#[derive(Debug, Clone, PartialEq)]
pub struct CallSpec {
    /// The call activity's element instance.
    pub key: ElementKey,
    /// Its BPMN id.
    pub element_id: String,
    /// The BPMN process id of the called process.
    pub process_id: String,
    /// Which version of it.
    pub version: CalledVersion,
    /// The called instance's start variables.
    pub variables: Map<String, Json>,
    /// How many calls deep the called instance is (a root instance's callee is 1).
    pub depth: u32,
}

/// Which version of a called process to start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CalledVersion {
    /// The latest one.
    Latest,
    /// The one deployed with the calling process's version.
    Deployment,
    /// This version number.
    Number(i64),
}

/// What a user task is created with (assignment already evaluated).
#[derive(Debug, Clone, PartialEq)]
pub struct UserTaskSpec {
    /// Owning element instance.
    pub key: ElementKey,
    /// The task's BPMN id.
    pub element_id: String,
    /// The task's name.
    pub name: Option<String>,
    /// Assignee.
    pub assignee: Option<String>,
    /// Candidate users.
    pub candidate_users: Vec<String>,
    /// Candidate groups.
    pub candidate_groups: Vec<String>,
    /// Due date (epoch ms).
    pub due_at_ms: Option<i64>,
    /// Follow-up date (epoch ms).
    pub follow_up_at_ms: Option<i64>,
    /// Priority (default 50).
    pub priority: i64,
    /// Form key.
    pub form_key: Option<String>,
}

/// What happened to an element in a step, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransitionKind {
    /// The element instance was created and activated.
    Activated,
    /// It completed normally.
    Completed,
    /// It was terminated (interrupted, cancelled).
    Terminated,
    /// A sequence flow was taken (`element_id` is the flow's id).
    FlowTaken,
    /// It waits for its asynchronous continuation before it starts.
    AsyncBefore,
    /// It completed and waits for its asynchronous continuation to take its outgoing flows.
    AsyncAfter,
}

impl TransitionKind {
    /// Name used in history rows and audit data.
    pub fn as_str(self) -> &'static str {
        match self {
            TransitionKind::Activated => "activated",
            TransitionKind::Completed => "completed",
            TransitionKind::Terminated => "terminated",
            TransitionKind::FlowTaken => "taken",
            TransitionKind::AsyncBefore => "async_before",
            TransitionKind::AsyncAfter => "async_after",
        }
    }
}

/// One element transition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transition {
    /// Element instance (0 for the process scope and for flows).
    pub key: ElementKey,
    /// BPMN id of the element or sequence flow (the process id for the process scope).
    pub element_id: String,
    /// BPMN local name (`userTask`, `sequenceFlow`, `process`, ...).
    pub element_type: &'static str,
    /// What happened.
    pub kind: TransitionKind,
    /// When the element instance was activated (epoch ms); for `Completed` and `Terminated`
    /// this is its start, for the others the step's time.
    pub started_at_ms: i64,
}

/// Everything one step produced.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Outcome {
    /// Work to create or cancel.
    pub effects: Vec<Effect>,
    /// Element transitions, in order.
    pub transitions: Vec<Transition>,
    /// Variables written by the trigger, by name (for the audit record).
    pub variables_set: serde_json::Map<String, Json>,
}
