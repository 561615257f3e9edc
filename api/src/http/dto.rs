//! Wire shapes: snake_case JSON built from the engine's views, with RFC 3339 millisecond
//! timestamps ([`format_ms`]). Request bodies live with their routes.

use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use keel_engine::clock::format_ms;
use keel_engine::views::{
    ActiveElement, DefinitionView, DeploymentView, IncidentView, InstanceView, JobView, TaskView,
};
use serde::Serialize;
use serde_json::{Map, Value as Json};

/// A process definition version.
#[derive(Debug, Serialize)]
pub struct DefinitionDto {
    /// `<key>:<version>`.
    pub id: String,
    /// The process id.
    pub key: String,
    /// Version, from 1.
    pub version: i64,
    /// Process name.
    pub name: Option<String>,
    /// Deployment that created it.
    pub deployment_id: String,
    /// File it came from.
    pub resource_name: String,
    /// SHA-256 of the XML.
    pub xml_sha256: String,
    /// When it was deployed.
    pub deployed_at: String,
}

impl From<&DefinitionView> for DefinitionDto {
    fn from(d: &DefinitionView) -> Self {
        DefinitionDto {
            id: d.id.clone(),
            key: d.key.clone(),
            version: d.version,
            name: d.name.clone(),
            deployment_id: d.deployment_id.clone(),
            resource_name: d.resource_name.clone(),
            xml_sha256: d.xml_sha256.clone(),
            deployed_at: format_ms(d.deployed_at),
        }
    }
}

/// A deployment.
#[derive(Debug, Serialize)]
pub struct DeploymentDto {
    /// Deployment id.
    pub id: String,
    /// Definitions it holds.
    pub definitions: Vec<DefinitionDto>,
}

impl From<&DeploymentView> for DeploymentDto {
    fn from(d: &DeploymentView) -> Self {
        DeploymentDto {
            id: d.id.clone(),
            definitions: d.definitions.iter().map(DefinitionDto::from).collect(),
        }
    }
}

/// A live element instance.
#[derive(Debug, Serialize)]
pub struct ActiveElementDto {
    /// BPMN id.
    pub element_id: String,
    /// BPMN local name.
    pub element_type: String,
    /// Its state.
    pub state: String,
}

impl From<&ActiveElement> for ActiveElementDto {
    fn from(e: &ActiveElement) -> Self {
        ActiveElementDto {
            element_id: e.element_id.clone(),
            element_type: e.element_type.clone(),
            state: e.state.clone(),
        }
    }
}

/// A process instance.
#[derive(Debug, Serialize)]
pub struct InstanceDto {
    /// Instance id.
    pub id: String,
    /// Definition key.
    pub definition_key: String,
    /// Definition version.
    pub definition_version: i64,
    /// Business key.
    pub business_key: Option<String>,
    /// `active`, `completed`, `terminated` or `cancelled`.
    pub state: String,
    /// Root-scope variables.
    pub variables: Map<String, Json>,
    /// Live elements.
    pub active_elements: Vec<ActiveElementDto>,
    /// Open incidents.
    pub incidents: i64,
    /// Start time.
    pub started_at: String,
    /// End time.
    pub ended_at: Option<String>,
    /// User id of the starter.
    pub started_by: Option<String>,
}

impl From<&InstanceView> for InstanceDto {
    fn from(i: &InstanceView) -> Self {
        InstanceDto {
            id: i.id.clone(),
            definition_key: i.definition_key.clone(),
            definition_version: i.definition_version,
            business_key: i.business_key.clone(),
            state: i.state.clone(),
            variables: i.variables.clone(),
            active_elements: i
                .active_elements
                .iter()
                .map(ActiveElementDto::from)
                .collect(),
            incidents: i.incidents,
            started_at: format_ms(i.started_at),
            ended_at: i.ended_at.map(format_ms),
            started_by: i.started_by.clone(),
        }
    }
}

/// A human task.
#[derive(Debug, Serialize)]
pub struct TaskDto {
    /// Task id.
    pub id: String,
    /// Instance.
    pub instance_id: String,
    /// BPMN id of the user task.
    pub element_id: String,
    /// Name.
    pub name: Option<String>,
    /// Assignee (user name).
    pub assignee: Option<String>,
    /// Candidate users.
    pub candidate_users: Vec<String>,
    /// Candidate groups.
    pub candidate_groups: Vec<String>,
    /// `open`, `completed` or `cancelled`.
    pub state: String,
    /// Created.
    pub created_at: String,
    /// Due date.
    pub due_at: Option<String>,
    /// Follow-up date.
    pub follow_up_at: Option<String>,
    /// Priority.
    pub priority: i64,
    /// Form key.
    pub form_key: Option<String>,
    /// Who completed it.
    pub completed_by: Option<String>,
    /// When.
    pub completed_at: Option<String>,
}

impl From<&TaskView> for TaskDto {
    fn from(t: &TaskView) -> Self {
        TaskDto {
            id: t.id.clone(),
            instance_id: t.instance_id.clone(),
            element_id: t.element_id.clone(),
            name: t.name.clone(),
            assignee: t.assignee.clone(),
            candidate_users: t.candidate_users.clone(),
            candidate_groups: t.candidate_groups.clone(),
            state: t.state.clone(),
            created_at: format_ms(t.created_at),
            due_at: t.due_at.map(format_ms),
            follow_up_at: t.follow_up_at.map(format_ms),
            priority: t.priority,
            form_key: t.form_key.clone(),
            completed_by: t.completed_by.clone(),
            completed_at: t.completed_at.map(format_ms),
        }
    }
}

/// A task with the variables visible at it and its form.
#[derive(Debug, Serialize)]
pub struct TaskDetailDto {
    /// The task.
    #[serde(flatten)]
    pub task: TaskDto,
    /// Variables visible at the task.
    pub variables: Map<String, Json>,
    /// The form: `{"key", "binding"?, "version"?}`, or null without one.
    pub form: Option<FormDto>,
}

/// A task's form: its key, and for a `camunda:formRef` which version of the form it shows.
#[derive(Debug, Serialize)]
pub struct FormDto {
    /// The model's form key (or the key of its `camunda:formRef`).
    pub key: String,
    /// `camunda:formRefBinding`: `latest`, `deployment` or `version` (a `camunda:formRef` only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub binding: Option<&'static str>,
    /// `camunda:formRefVersion` of a `version` binding.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<u32>,
}

/// A job handed to a worker.
#[derive(Debug, Serialize)]
pub struct JobDto {
    /// Job id.
    pub id: String,
    /// Job type.
    #[serde(rename = "type")]
    pub job_type: String,
    /// Instance.
    pub instance_id: String,
    /// BPMN id of the task.
    pub element_id: String,
    /// Retries left.
    pub retries: i64,
    /// Variables visible at the task.
    pub variables: Map<String, Json>,
    /// Static headers.
    pub headers: Map<String, Json>,
    /// When the lock expires.
    pub lock_expires_at: String,
}

impl From<JobView> for JobDto {
    fn from(j: JobView) -> Self {
        JobDto {
            id: j.id,
            job_type: j.job_type,
            instance_id: j.instance_id,
            element_id: j.element_id,
            retries: j.retries,
            variables: j.variables,
            headers: j.headers,
            lock_expires_at: format_ms(j.lock_expires_at),
        }
    }
}

/// An incident.
#[derive(Debug, Serialize)]
pub struct IncidentDto {
    /// Incident id.
    pub id: String,
    /// Instance.
    pub instance_id: String,
    /// Element.
    pub element_id: String,
    /// snake_case kind.
    pub kind: String,
    /// Message.
    pub message: String,
    /// `open` or `resolved`.
    pub state: String,
    /// The failing job, if any.
    pub job_id: Option<String>,
    /// Created.
    pub created_at: String,
    /// Resolved.
    pub resolved_at: Option<String>,
}

impl From<&IncidentView> for IncidentDto {
    fn from(i: &IncidentView) -> Self {
        IncidentDto {
            id: i.id.clone(),
            instance_id: i.instance_id.clone(),
            element_id: i.element_id.clone(),
            kind: i.kind.clone(),
            message: i.message.clone(),
            state: i.state.clone(),
            job_id: i.job_id.clone(),
            created_at: format_ms(i.created_at),
            resolved_at: i.resolved_at.map(format_ms),
        }
    }
}

/// A job in `GET /api/v1/jobs`.
#[derive(Debug, Serialize)]
pub struct JobSummaryDto {
    /// Job id.
    pub id: String,
    /// Job type.
    #[serde(rename = "type")]
    pub job_type: String,
    /// Instance.
    pub instance_id: String,
    /// Element.
    pub element_id: String,
    /// `ready`, `locked` or `failed`.
    pub state: String,
    /// Retries left.
    pub retries: i64,
    /// Ready: when it may run next; locked: when the lock expires.
    pub available_at: String,
    /// The worker holding the lock.
    pub lock_owner: Option<String>,
    /// The last failure reported.
    pub error_message: Option<String>,
    /// Created.
    pub created_at: String,
}

impl From<&keel_engine::views::JobSummary> for JobSummaryDto {
    fn from(j: &keel_engine::views::JobSummary) -> Self {
        JobSummaryDto {
            id: j.id.clone(),
            job_type: j.job_type.clone(),
            instance_id: j.instance_id.clone(),
            element_id: j.element_id.clone(),
            state: j.state.clone(),
            retries: j.retries,
            available_at: format_ms(j.available_at),
            lock_owner: j.lock_owner.clone(),
            error_message: j.error_message.clone(),
            created_at: format_ms(j.created_at),
        }
    }
}

/// A page of a list: a JSON array with the `X-Total-Count` header.
#[derive(Debug)]
pub struct ListPage<T> {
    /// The items.
    pub items: Vec<T>,
    /// How many match in all.
    pub total: i64,
}

impl<T: Serialize> IntoResponse for ListPage<T> {
    fn into_response(self) -> Response {
        let mut response = axum::Json(self.items).into_response();
        response.headers_mut().insert(
            HeaderName::from_static("x-total-count"),
            HeaderValue::from(self.total),
        );
        response
    }
}

/// `201 Created` with a JSON body.
pub fn created<T: Serialize>(body: T) -> Response {
    (StatusCode::CREATED, axum::Json(body)).into_response()
}

/// `200 {}` for actions without a resulting object.
pub fn empty_ok() -> Response {
    axum::Json(serde_json::json!({})).into_response()
}
