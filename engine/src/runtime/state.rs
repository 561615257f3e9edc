//! The persistent state of one process instance: its live element instances and variables.
//!
//! Only live element instances are kept (the process scope, sub-processes, waiting tasks and
//! events); completed ones leave the tree and survive in the history and audit trail. The tree
//! mirrors the model's scope tree: an element instance's `parent` is the element instance of
//! the scope (process or sub-process) it runs in. Elements are stored by BPMN id, not by model
//! index, so a state written by one Keel version reads correctly in the next.
//! Only the runtime mutates this state; the store serializes it as one compact JSON document.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value as Json};

/// Key of an element instance, unique within its process instance. The process scope is 0.
pub type ElementKey = u32;

/// The element instance key of the process scope itself.
pub const ROOT_KEY: ElementKey = 0;

/// Lifecycle of a whole process instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InstanceStatus {
    /// Running (possibly with open incidents).
    Active,
    /// Reached its end normally.
    Completed,
    /// A terminate end event ended it.
    Terminated,
    /// An operator cancelled it.
    Cancelled,
}

impl InstanceStatus {
    /// The contract's name for it.
    pub fn as_str(self) -> &'static str {
        match self {
            InstanceStatus::Active => "active",
            InstanceStatus::Completed => "completed",
            InstanceStatus::Terminated => "terminated",
            InstanceStatus::Cancelled => "cancelled",
        }
    }

    /// True once the instance has ended, whichever way.
    pub fn is_ended(self) -> bool {
        self != InstanceStatus::Active
    }
}

/// Where an element instance is in its lifecycle (Zeebe's element lifecycle, reduced to the
/// states that can be persisted: transient states never outlive one step).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ElementState {
    /// Being activated: input mappings and its behavior's activation have not finished (only
    /// persisted when an incident stopped the activation).
    Activating,
    /// Active: waiting for its job, task, timer, message or children.
    Active,
    /// Being completed: output mappings and outgoing flows (only persisted when an incident
    /// stopped the completion).
    Completing,
    /// Created, waiting for its asynchronous continuation before it starts
    /// (`camunda:asyncBefore`): a continuation job of the engine's own moves it on.
    AsyncBefore,
    /// Completed (output mappings applied), waiting for its asynchronous continuation to take
    /// its outgoing flows (`camunda:asyncAfter`); also kept when an incident stopped that.
    AsyncAfter,
}

impl ElementState {
    /// The name the API reports.
    pub fn as_str(self) -> &'static str {
        match self {
            ElementState::Activating => "activating",
            ElementState::Active => "active",
            ElementState::Completing => "completing",
            ElementState::AsyncBefore => "async_before",
            ElementState::AsyncAfter => "async_after",
        }
    }
}

/// An open incident on an element instance: the runtime stopped there and an operator must
/// resolve it; resolving retries the failed step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenIncident {
    /// Incident kind (`job_failed`, `expression_error`, `no_matching_flow`, `unhandled_error`,
    /// `call_failed`, `step_budget`, `called_instance_incident`).
    pub kind: String,
}

/// One live element instance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ElementInstance {
    /// The BPMN id of the flow node (empty for the process scope).
    #[serde(rename = "e")]
    pub element_id: String,
    /// The element instance of the enclosing scope (`None` only for the process scope).
    #[serde(rename = "p", default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<ElementKey>,
    /// Lifecycle state.
    #[serde(rename = "s")]
    pub state: ElementState,
    /// Local variables: present for scopes (process, sub-process) and for elements with
    /// input mappings or local job/task variables.
    #[serde(rename = "v", default, skip_serializing_if = "Option::is_none")]
    pub variables: Option<Map<String, Json>>,
    /// Tokens that reached a joining parallel or inclusive gateway of this scope, per gateway id,
    /// counted per incoming flow id.
    #[serde(rename = "j", default, skip_serializing_if = "BTreeMap::is_empty")]
    pub joins: BTreeMap<String, BTreeMap<String, u32>>,
    /// The incident that stopped this element, if any.
    #[serde(rename = "i", default, skip_serializing_if = "Option::is_none")]
    pub incident: Option<OpenIncident>,
    /// When it was activated (epoch ms), for the element history.
    #[serde(rename = "t", default)]
    pub started_at: i64,
    /// For an event-based gateway: the BPMN id of the catch event that occurred, whose flow the
    /// gateway completes through.
    #[serde(rename = "ev", default, skip_serializing_if = "Option::is_none")]
    pub triggered_by: Option<String>,
    /// Present on a multi-instance body (and only there): its inner instances are its children,
    /// elements of the same id. Its counters are its local variables.
    #[serde(rename = "mi", default, skip_serializing_if = "Option::is_none")]
    pub loop_state: Option<LoopState>,
    /// Repeating timers (`timeCycle`) this element instance owns, by timer event id: the cycle
    /// as evaluated when it was first scheduled and how often it has fired.
    #[serde(rename = "cy", default, skip_serializing_if = "BTreeMap::is_empty")]
    pub cycles: BTreeMap<String, CycleState>,
    /// For a scope instance: the completed activities of the scope that can be compensated, in
    /// completion order (each is compensated at most once).
    #[serde(rename = "cr", default, skip_serializing_if = "Vec::is_empty")]
    pub compensable: Vec<Compensable>,
    /// For a compensation throw event (or a cancel end event): the handlers (and re-created
    /// sub-processes) it waits for, by BPMN id.
    #[serde(rename = "cw", default, skip_serializing_if = "Vec::is_empty")]
    pub compensating: Vec<String>,
    /// A sub-process instance re-created only to compensate what completed inside it: it runs
    /// no start event, takes no sequence flows and applies no output mappings.
    #[serde(rename = "cx", default, skip_serializing_if = "std::ops::Not::not")]
    pub compensation: bool,
    /// For the owner of the waits of a parallel multiple event (the event itself, the activity
    /// of a boundary event, the scope of an event sub-process start event, an event-based
    /// gateway): which of the event's definitions have occurred so far, by event id (indices
    /// into its definitions). The event occurs once all have.
    #[serde(rename = "oc", default, skip_serializing_if = "BTreeMap::is_empty")]
    pub occurred: BTreeMap<String, BTreeSet<u32>>,
}

/// A completed activity that can be compensated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Compensable {
    /// An activity with a compensation handler, by BPMN id.
    Activity(String),
    /// A completed sub-process without a compensation handler of its own: compensating it
    /// compensates, in a re-created instance of it, what completed inside it (or runs its
    /// compensation event sub-process).
    Scope {
        /// The sub-process's BPMN id.
        #[serde(rename = "s")]
        id: String,
        /// What completed inside it, in completion order.
        #[serde(rename = "in", default)]
        inner: Vec<Compensable>,
        /// Its local variables when it completed: the instance re-created to compensate it
        /// starts with them (Camunda 7's variable snapshot).
        #[serde(rename = "v", default, skip_serializing_if = "Option::is_none")]
        variables: Option<Map<String, Json>>,
    },
}

impl Compensable {
    /// The BPMN id of the completed activity.
    pub fn id(&self) -> &str {
        match self {
            Compensable::Activity(id) | Compensable::Scope { id, .. } => id,
        }
    }
}

/// A repeating timer between two firings.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CycleState {
    /// The `timeCycle` value (expressions already evaluated).
    #[serde(rename = "c")]
    pub cycle: String,
    /// Times it has fired so far.
    #[serde(rename = "f", default)]
    pub fired: u32,
}

/// What a multi-instance body keeps besides its counter variables (`nrOfInstances`,
/// `nrOfCompletedInstances`, `nrOfActiveInstances`) and its output collection.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LoopState {
    /// Inner instances to run in all (`nrOfInstances`).
    #[serde(rename = "n", default)]
    pub count: u32,
    /// Inner instances created so far (the next one's index).
    #[serde(rename = "c", default)]
    pub created: u32,
    /// The input collection's items, as evaluated when the body was activated; dropped once the
    /// last inner instance is created. Empty with `loopCardinality`.
    #[serde(rename = "i", default, skip_serializing_if = "Vec::is_empty")]
    pub items: Vec<Json>,
}

/// Pending work of the runtime: kept in the state only while a step-budget incident stopped the
/// instance mid-run, so resolving it continues exactly where it stopped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "a", rename_all = "snake_case")]
pub enum Action {
    /// Activate `element_id` inside the scope instance `scope`.
    Activate {
        /// Scope element instance.
        scope: ElementKey,
        /// Flow node to activate.
        element_id: String,
    },
    /// Complete the element instance `key` (output mappings, then outgoing flows).
    Complete {
        /// Element instance.
        key: ElementKey,
    },
    /// Re-create the completed sub-process `element_id` inside the scope instance `scope` to
    /// compensate `inner` (what completed in it).
    Compensate {
        /// Scope element instance.
        scope: ElementKey,
        /// The sub-process's BPMN id.
        element_id: String,
        /// What completed inside it.
        inner: Vec<Compensable>,
        /// Its local variables when it completed.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        variables: Option<Map<String, Json>>,
    },
}

impl Action {
    /// The scope instance an activation (or re-creation) would happen in; `None` for a
    /// completion.
    pub fn activates_in(&self) -> Option<ElementKey> {
        match self {
            Action::Activate { scope, .. } | Action::Compensate { scope, .. } => Some(*scope),
            Action::Complete { .. } => None,
        }
    }
}

/// The whole runtime state of one process instance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InstanceState {
    /// Lifecycle of the instance.
    pub status: InstanceStatus,
    /// Next element-instance key to hand out.
    #[serde(rename = "next")]
    pub next_key: ElementKey,
    /// Live element instances by key; key 0 is the process scope.
    #[serde(rename = "el")]
    pub elements: BTreeMap<ElementKey, ElementInstance>,
    /// Work not yet done (non-empty only while stopped by the step budget).
    #[serde(default, skip_serializing_if = "VecDeque::is_empty")]
    pub agenda: VecDeque<Action>,
    /// Read-only values the engine provides to expressions, never shown as variables:
    /// `__instance_id` and `__business_key` (what Camunda 7's
    /// `execution.getProcessInstanceId()` / `getProcessBusinessKey()` read).
    #[serde(rename = "m", default, skip_serializing_if = "Map::is_empty")]
    pub engine_values: Map<String, Json>,
    /// The call activity that started this instance, if one did.
    #[serde(rename = "up", default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<ParentLink>,
}

/// Where a called instance was started: the calling instance and its call activity instance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParentLink {
    /// The calling process instance.
    #[serde(rename = "i")]
    pub instance_id: String,
    /// The call activity's element instance in it.
    #[serde(rename = "k")]
    pub key: ElementKey,
    /// The call activity's BPMN id.
    #[serde(rename = "e")]
    pub element_id: String,
    /// How many calls deep (a root instance's child is 1).
    #[serde(rename = "d", default)]
    pub depth: u32,
}

impl InstanceState {
    /// The variables local to element instance `key` (its input mappings' results, for a
    /// throw event what it throws), empty when it has none.
    pub fn local_variables(&self, key: ElementKey) -> Map<String, Json> {
        self.elements
            .get(&key)
            .and_then(|e| e.variables.clone())
            .unwrap_or_default()
    }

    /// A fresh instance: just the process scope with the start variables.
    pub fn new(variables: Map<String, Json>) -> Self {
        let mut elements = BTreeMap::new();
        elements.insert(
            ROOT_KEY,
            ElementInstance {
                element_id: String::new(),
                parent: None,
                state: ElementState::Active,
                variables: Some(variables),
                joins: BTreeMap::new(),
                incident: None,
                started_at: 0,
                triggered_by: None,
                loop_state: None,
                cycles: BTreeMap::new(),
                compensable: Vec::new(),
                compensating: Vec::new(),
                compensation: false,
                occurred: BTreeMap::new(),
            },
        );
        InstanceState {
            status: InstanceStatus::Active,
            next_key: 1,
            elements,
            agenda: VecDeque::new(),
            engine_values: Map::new(),
            parent: None,
        }
    }

    /// The element instance `key`, if live.
    pub fn element(&self, key: ElementKey) -> Option<&ElementInstance> {
        self.elements.get(&key)
    }

    /// Live element instances that are flow nodes (the process scope excluded), by key.
    pub fn active_elements(&self) -> impl Iterator<Item = (ElementKey, &ElementInstance)> {
        self.elements
            .iter()
            .filter(|(k, _)| **k != ROOT_KEY)
            .map(|(k, e)| (*k, e))
    }

    /// The process-scope variables.
    pub fn root_variables(&self) -> Option<&Map<String, Json>> {
        self.elements
            .get(&ROOT_KEY)
            .and_then(|e| e.variables.as_ref())
    }

    /// Number of element instances with an open incident.
    pub fn open_incidents(&self) -> usize {
        self.elements
            .values()
            .filter(|e| e.incident.is_some())
            .count()
    }

    /// Direct children of `scope`.
    pub fn children(&self, scope: ElementKey) -> Vec<ElementKey> {
        self.elements
            .iter()
            .filter(|(_, e)| e.parent == Some(scope))
            .map(|(k, _)| *k)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // test code

    use super::*;

    #[test]
    fn compensable_records_read_plain_ids_and_sub_processes() {
        // States written before sub-processes were recorded hold plain ids.
        let json = r#"{"e":"sub","s":"active","cr":["a",{"s":"inner","in":["b"]}]}"#;
        let element: ElementInstance = serde_json::from_str(json).unwrap();
        assert_eq!(
            element.compensable,
            [
                Compensable::Activity("a".into()),
                Compensable::Scope {
                    id: "inner".into(),
                    inner: vec![Compensable::Activity("b".into())],
                    variables: None,
                },
            ]
        );
        assert!(!element.compensation);
        let back = serde_json::to_string(&element).unwrap();
        assert!(
            back.contains(r#""cr":["a",{"s":"inner","in":["b"]}]"#),
            "{back}"
        );
        assert!(!back.contains("cx"), "{back}");
    }
}
