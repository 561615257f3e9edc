//! What the engine hands to its callers: plain structs, independent of storage and HTTP.
//! Times are epoch milliseconds; the API formats them.

use serde_json::{Map, Value as Json};

use crate::runtime::{InstanceState, ROOT_KEY};
use crate::store::rows::{IncidentRow, InstanceRow, TaskRow};

/// A deployed process definition version.
#[derive(Debug, Clone, PartialEq)]
pub struct DefinitionView {
    /// `<key>:<version>`.
    pub id: String,
    /// The process id.
    pub key: String,
    /// 1, 2, ...
    pub version: i64,
    /// The process name.
    pub name: Option<String>,
    /// Deployment that created it.
    pub deployment_id: String,
    /// File name it came from.
    pub resource_name: String,
    /// SHA-256 of the deployed XML.
    pub xml_sha256: String,
    /// When.
    pub deployed_at: i64,
}

/// A deployment and the definitions it holds.
#[derive(Debug, Clone, PartialEq)]
pub struct DeploymentView {
    /// Deployment id.
    pub id: String,
    /// The definitions (existing ones when the content was unchanged).
    pub definitions: Vec<DefinitionView>,
}

/// A live (or ended) element instance.
#[derive(Debug, Clone, PartialEq)]
pub struct ActiveElement {
    /// BPMN id.
    pub element_id: String,
    /// BPMN local name.
    pub element_type: String,
    /// `activating`, `active`, `completing`, or `incident`.
    pub state: String,
}

/// A process instance.
#[derive(Debug, Clone, PartialEq)]
pub struct InstanceView {
    /// Instance id.
    pub id: String,
    /// Definition key.
    pub definition_key: String,
    /// Definition version.
    pub definition_version: i64,
    /// Business key.
    pub business_key: Option<String>,
    /// `active`, `completed`, `terminated`, `cancelled`.
    pub state: String,
    /// Process-scope variables.
    pub variables: Map<String, Json>,
    /// Element instances that are live.
    pub active_elements: Vec<ActiveElement>,
    /// Open incidents.
    pub incidents: i64,
    /// Start time.
    pub started_at: i64,
    /// End time.
    pub ended_at: Option<i64>,
    /// User id of the starter.
    pub started_by: Option<String>,
}

impl InstanceView {
    /// Builds the view from a stored row; `element_types` maps element ids to BPMN local names.
    pub fn from_row(row: &InstanceRow, element_type: impl Fn(&str) -> String) -> Self {
        let state: Option<InstanceState> = serde_json::from_str(&row.body).ok();
        Self::from_state(row, state.as_ref(), element_type)
    }

    /// Builds the view from a row and its already parsed state (no second decode of `body`).
    pub fn from_state(
        row: &InstanceRow,
        state: Option<&InstanceState>,
        element_type: impl Fn(&str) -> String,
    ) -> Self {
        let (variables, active_elements) = match state {
            Some(s) => (
                s.elements
                    .get(&ROOT_KEY)
                    .and_then(|e| e.variables.clone())
                    .unwrap_or_default(),
                s.active_elements()
                    .map(|(_, e)| ActiveElement {
                        element_type: element_type(&e.element_id),
                        element_id: e.element_id.clone(),
                        state: if e.incident.is_some() {
                            "incident".to_owned()
                        } else {
                            e.state.as_str().to_owned()
                        },
                    })
                    .collect(),
            ),
            None => (Map::new(), Vec::new()),
        };
        InstanceView {
            id: row.id.clone(),
            definition_key: row.definition_key.clone(),
            definition_version: row.definition_version,
            business_key: row.business_key.clone(),
            state: row.state.clone(),
            variables,
            active_elements,
            incidents: row.incidents,
            started_at: row.started_at,
            ended_at: row.ended_at,
            started_by: row.started_by.clone(),
        }
    }
}

/// A human task.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskView {
    /// Task id.
    pub id: String,
    /// Instance.
    pub instance_id: String,
    /// The user task's BPMN id.
    pub element_id: String,
    /// Its name.
    pub name: Option<String>,
    /// Assignee.
    pub assignee: Option<String>,
    /// Candidate users.
    pub candidate_users: Vec<String>,
    /// Candidate groups.
    pub candidate_groups: Vec<String>,
    /// `open`, `completed`, `cancelled`.
    pub state: String,
    /// Created.
    pub created_at: i64,
    /// Due.
    pub due_at: Option<i64>,
    /// Follow-up.
    pub follow_up_at: Option<i64>,
    /// Priority.
    pub priority: i64,
    /// Form key.
    pub form_key: Option<String>,
    /// Who completed it.
    pub completed_by: Option<String>,
    /// When.
    pub completed_at: Option<i64>,
    /// The model's `camunda:formRef` with its binding (filled by `Engine::task` only).
    pub form_ref: Option<FormRefView>,
}

/// A task's `camunda:formRef`: the form's key and which version of it the task shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormRefView {
    /// The form's key (also the task's `form_key`).
    pub key: String,
    /// `latest`, `deployment` or `version`.
    pub binding: &'static str,
    /// The version of a `version` binding.
    pub version: Option<u32>,
}

impl TaskView {
    /// From a stored row.
    pub fn from_row(row: &TaskRow) -> Self {
        TaskView {
            id: row.id.clone(),
            instance_id: row.instance_id.clone(),
            element_id: row.element_id.clone(),
            name: row.name.clone(),
            assignee: row.assignee.clone(),
            candidate_users: serde_json::from_str(&row.candidate_users).unwrap_or_default(),
            candidate_groups: serde_json::from_str(&row.candidate_groups).unwrap_or_default(),
            state: row.state.clone(),
            created_at: row.created_at,
            due_at: row.due_at,
            follow_up_at: row.follow_up_at,
            priority: row.priority,
            form_key: row.form_key.clone(),
            completed_by: row.completed_by.clone(),
            completed_at: row.completed_at,
            form_ref: None,
        }
    }
}

/// A job handed to a worker.
#[derive(Debug, Clone, PartialEq)]
pub struct JobView {
    /// Job id.
    pub id: String,
    /// Job type.
    pub job_type: String,
    /// Instance.
    pub instance_id: String,
    /// The task's BPMN id.
    pub element_id: String,
    /// Retries left.
    pub retries: i64,
    /// Variables visible at the task.
    pub variables: Map<String, Json>,
    /// Static headers.
    pub headers: Map<String, Json>,
    /// Lock expiry (epoch ms).
    pub lock_expires_at: i64,
}

/// An incident.
#[derive(Debug, Clone, PartialEq)]
pub struct IncidentView {
    /// Incident id.
    pub id: String,
    /// Instance.
    pub instance_id: String,
    /// Element.
    pub element_id: String,
    /// Kind.
    pub kind: String,
    /// Message.
    pub message: String,
    /// `open` or `resolved`.
    pub state: String,
    /// The failing job, if any.
    pub job_id: Option<String>,
    /// Created.
    pub created_at: i64,
    /// Resolved.
    pub resolved_at: Option<i64>,
}

impl IncidentView {
    /// From a stored row.
    pub fn from_row(row: &IncidentRow) -> Self {
        IncidentView {
            id: row.id.clone(),
            instance_id: row.instance_id.clone(),
            element_id: row.element_id.clone(),
            kind: row.kind.clone(),
            message: row.message.clone(),
            state: row.state.clone(),
            job_id: row.job_id.clone(),
            created_at: row.created_at,
            resolved_at: row.resolved_at,
        }
    }
}

/// A page of results with the total count.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    /// The items.
    pub items: Vec<T>,
    /// How many match in all.
    pub total: i64,
}

/// A job as operators see it (`GET /api/v1/jobs`): where it stands, not its variables.
#[derive(Debug, Clone, PartialEq)]
pub struct JobSummary {
    /// Job id.
    pub id: String,
    /// Job type.
    pub job_type: String,
    /// Instance.
    pub instance_id: String,
    /// The task's BPMN id.
    pub element_id: String,
    /// `ready`, `locked` or `failed` (parked behind an incident).
    pub state: String,
    /// Retries left.
    pub retries: i64,
    /// Ready: when it may run next (epoch ms). Locked: when the lock expires.
    pub available_at: i64,
    /// The worker holding the lock.
    pub lock_owner: Option<String>,
    /// The last failure reported.
    pub error_message: Option<String>,
    /// Created (epoch ms).
    pub created_at: i64,
}

impl JobSummary {
    /// From the stored row.
    pub fn from_row(row: &crate::store::rows::JobRow) -> Self {
        JobSummary {
            id: row.id.clone(),
            job_type: row.job_type.clone(),
            instance_id: row.instance_id.clone(),
            element_id: row.element_id.clone(),
            state: row.state.clone(),
            retries: row.retries,
            available_at: row.available_at,
            lock_owner: row.lock_owner.clone(),
            error_message: row.error_message.clone(),
            created_at: row.created_at,
        }
    }
}
