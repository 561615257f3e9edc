//! The route table — the one place that says which routes exist, which handler serves each, and
//! which role it needs — and the OpenAPI 3.1 document generated from it.
//!
//! [`crate::http::router`] builds the router from [`routes`] (layering the role check from each
//! entry), the OpenAPI document is rendered from the same entries, and the HTTP tests enumerate
//! them, so the three cannot drift apart. `render.rs` turns the table into the document,
//! `schemas.rs` holds the component schemas.

mod render;
mod schemas;

pub use render::document;

use axum::handler::Handler;
use axum::routing::{MethodFilter, MethodRouter, on};
use keel_engine::Role;

use super::AppState;
use super::routes::{audit, definitions, health, incidents, instances, jobs, messages, tasks};

/// An HTTP method used by the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verb {
    /// GET.
    Get,
    /// POST.
    Post,
    /// PUT.
    Put,
}

impl Verb {
    /// Upper-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Verb::Get => "GET",
            Verb::Post => "POST",
            Verb::Put => "PUT",
        }
    }

    fn filter(self) -> MethodFilter {
        match self {
            Verb::Get => MethodFilter::GET,
            Verb::Post => MethodFilter::POST,
            Verb::Put => MethodFilter::PUT,
        }
    }
}

/// Who may call a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// No token (only `/health` and `/metrics`).
    Public,
    /// Any authenticated user (the handler or the engine may narrow it further).
    Authenticated,
    /// Users with this role (admin has every role).
    Role(Role),
}

/// A request body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Payload {
    /// No body.
    None,
    /// JSON matching the named component schema (an empty body reads as `{}`).
    Json(&'static str),
    /// A BPMN upload (XML or multipart).
    Bpmn,
}

/// A successful response body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reply {
    /// A JSON object matching the named component schema.
    Object(&'static str),
    /// A JSON array of the named schema, paged, with `X-Total-Count`.
    List(&'static str),
    /// XML bytes.
    Xml,
    /// Prometheus text.
    Metrics,
    /// A JSON Lines or CSV stream.
    AuditStream,
}

/// One route.
#[derive(Debug)]
pub struct Route {
    /// Method.
    pub verb: Verb,
    /// Full path with `{param}` placeholders.
    pub path: &'static str,
    /// One-line summary.
    pub summary: &'static str,
    /// Longer description (optional).
    pub description: &'static str,
    /// Who may call it.
    pub access: Access,
    /// Query parameters: (name, JSON type, description).
    pub query: &'static [(&'static str, &'static str, &'static str)],
    /// Request body.
    pub request: Payload,
    /// Success status.
    pub status: u16,
    /// Success body.
    pub reply: Reply,
    /// The handler, bound to `verb`.
    pub handler: MethodRouter<AppState>,
}

fn route<H, T>(verb: Verb, path: &'static str, summary: &'static str, handler: H) -> Route
where
    H: Handler<T, AppState>,
    T: 'static,
{
    Route {
        verb,
        path,
        summary,
        description: "",
        access: Access::Authenticated,
        query: &[],
        request: Payload::None,
        status: 200,
        reply: Reply::Object("Empty"),
        handler: on(verb.filter(), handler),
    }
}

impl Route {
    fn role(mut self, role: Role) -> Self {
        self.access = Access::Role(role);
        self
    }
    fn public(mut self) -> Self {
        self.access = Access::Public;
        self
    }
    fn query(mut self, query: &'static [(&'static str, &'static str, &'static str)]) -> Self {
        self.query = query;
        self
    }
    fn body(mut self, payload: Payload) -> Self {
        self.request = payload;
        self
    }
    fn returns(mut self, status: u16, reply: Reply) -> Self {
        self.status = status;
        self.reply = reply;
        self
    }
    fn describe(mut self, text: &'static str) -> Self {
        self.description = text;
        self
    }
}

const PAGING: [(&str, &str, &str); 2] = [
    ("limit", "integer", "page size (default 100, at most 1000)"),
    ("offset", "integer", "items to skip"),
];
const LIST: &[(&str, &str, &str)] = &PAGING;
const VERSION: &[(&str, &str, &str)] =
    &[("version", "integer", "definition version (default: latest)")];
const INSTANCE_FILTERS: &[(&str, &str, &str)] = &[
    ("definition_key", "string", "only this process"),
    (
        "state",
        "string",
        "active, completed, terminated or cancelled",
    ),
    ("business_key", "string", "only this business key"),
    PAGING[0],
    PAGING[1],
];
const TASK_FILTERS: &[(&str, &str, &str)] = &[
    ("state", "string", "open (default), completed or cancelled"),
    (
        "assignee",
        "string",
        "only tasks assigned to this user name",
    ),
    (
        "candidate_group",
        "string",
        "only tasks offered to this group",
    ),
    ("instance_id", "string", "only tasks of this instance"),
    PAGING[0],
    PAGING[1],
];
const INCIDENT_FILTERS: &[(&str, &str, &str)] = &[
    ("instance_id", "string", "only this instance"),
    ("state", "string", "open or resolved"),
    PAGING[0],
    PAGING[1],
];
const JOB_FILTERS: &[(&str, &str, &str)] = &[
    ("type", "string", "only this job type"),
    ("state", "string", "ready, locked or failed"),
    ("instance_id", "string", "only this instance"),
    PAGING[0],
    PAGING[1],
];
const AUDIT_FILTERS: &[(&str, &str, &str)] = &[
    ("format", "string", "jsonl (default) or csv"),
    (
        "instance_id",
        "string",
        "only this instance (verifies through the per-instance chain)",
    ),
    ("definition_key", "string", "only instances of this process"),
    ("from", "string", "RFC 3339, inclusive"),
    ("to", "string", "RFC 3339, exclusive"),
];

/// Every route of the HTTP surface.
pub fn routes() -> Vec<Route> {
    use Verb::{Get, Post, Put};
    vec![
        route(Get, "/health", "Liveness", health::health).public().returns(200, Reply::Object("Health")),
        route(Get, "/metrics", "Prometheus metrics", health::metrics).public().returns(200, Reply::Metrics),
        route(Get, "/api/v1/openapi.json", "This OpenAPI document", health::openapi).returns(200, Reply::Object("OpenApi")),
        route(Post, "/api/v1/deployments", "Deploy BPMN files", definitions::deploy)
            .role(Role::Deployer).body(Payload::Bpmn).returns(201, Reply::Object("Deployment"))
            .describe("Raw application/xml or text/xml (file name process.bpmn), or multipart/form-data with one or more file parts. Content identical to the latest version of a key creates no new version. Invalid BPMN: 422 invalid_bpmn with every problem in details."),
        route(Get, "/api/v1/definitions", "Latest version of every definition", definitions::list).query(LIST).returns(200, Reply::List("Definition")),
        route(Get, "/api/v1/definitions/{key}", "One definition version", definitions::get).query(VERSION).returns(200, Reply::Object("Definition")),
        route(Get, "/api/v1/definitions/{key}/versions", "Every version of a definition, newest first", definitions::versions).query(LIST).returns(200, Reply::List("Definition")),
        route(Get, "/api/v1/definitions/{key}/xml", "The deployed XML, byte for byte", definitions::xml).query(VERSION).returns(200, Reply::Xml),
        route(Post, "/api/v1/definitions/{key}/instances", "Start an instance", instances::start)
            .query(VERSION).body(Payload::Json("StartInstance")).returns(201, Reply::Object("Instance"))
            .describe("Runs the instance to its first wait state. Idempotency-Key header: a repeat with the same key and body returns the first result; the same key with another body is 422 idempotency_key_reused."),
        route(Get, "/api/v1/instances", "List instances, newest first", instances::list)
            .query(INSTANCE_FILTERS).returns(200, Reply::List("Instance"))
            .describe("Callers without the operator role see only the instances they started."),
        route(Get, "/api/v1/instances/{id}", "One instance", instances::get).returns(200, Reply::Object("Instance"))
            .describe("Its starter, or an operator; others get 403."),
        route(Post, "/api/v1/instances/{id}/cancel", "Cancel an instance", instances::cancel)
            .role(Role::Operator).body(Payload::Json("Cancel")).returns(200, Reply::Object("Instance")),
        route(Put, "/api/v1/instances/{id}/variables", "Set root-scope variables", instances::set_variables)
            .role(Role::Operator).body(Payload::Json("SetVariables")).returns(200, Reply::Object("Instance")),
        route(Post, "/api/v1/instances/{id}/elements/{element_id}/trigger", "Trigger a waiting element", instances::trigger)
            .role(Role::Operator).body(Payload::Json("Trigger")).returns(200, Reply::Object("Correlated"))
            .describe("Continues the element's oldest waiting instance with the variables (they land like a message's), as Camunda 7's runtimeService.signal: a receive task (with or without messageRef) or an intermediate message, timer, signal or conditional catch event. 404 unknown instance or element, 409 when the element does not wait to be triggered."),
        route(Post, "/api/v1/instances/{id}/elements/{element_id}/activate", "Activate elements of an ad-hoc sub-process", instances::activate)
            .role(Role::Operator).body(Payload::Json("ActivateElements")).returns(200, Reply::Object("Instance"))
            .describe("Starts the inner elements element_ids, in that order, in the oldest running instance of the ad-hoc sub-process element_id, after setting variables local to it. 404 unknown instance or element, 409 when the ad-hoc sub-process is not running, 422 invalid_element when an id is not an inner element it can start (boundary events, event sub-processes, start events, compensation handlers and link catch events cannot be) or element_id is no ad-hoc sub-process."),
        route(Get, "/api/v1/instances/{id}/audit", "The instance's audit records, oldest first", instances::audit)
            .query(LIST).returns(200, Reply::List("AuditRecord"))
            .describe("Its starter, operators and auditors."),
        route(Get, "/api/v1/tasks", "List tasks, oldest first", tasks::list)
            .query(TASK_FILTERS).returns(200, Reply::List("Task"))
            .describe("Callers without the operator role see only tasks they may work on."),
        route(Get, "/api/v1/tasks/{id}", "One task with its variables and form", tasks::get).returns(200, Reply::Object("TaskDetail")),
        route(Post, "/api/v1/tasks/{id}/claim", "Become the assignee", tasks::claim).returns(200, Reply::Object("Task"))
            .describe("409 when someone else holds it; 403 when the caller is not a candidate."),
        route(Post, "/api/v1/tasks/{id}/unclaim", "Remove the assignee", tasks::unclaim).returns(200, Reply::Object("Task")),
        route(Post, "/api/v1/tasks/{id}/assign", "Set the assignee", tasks::assign)
            .role(Role::Operator).body(Payload::Json("Assign")).returns(200, Reply::Object("Task")),
        route(Post, "/api/v1/tasks/{id}/complete", "Complete a task", tasks::complete)
            .body(Payload::Json("CompleteTask")).returns(200, Reply::Object("Task"))
            .describe("403 when the caller may not work on it, 409 when it is no longer open. Completing an unassigned task claims it in the same step."),
        route(Get, "/api/v1/jobs", "List jobs, oldest first", jobs::list)
            .role(Role::Operator).query(JOB_FILTERS).returns(200, Reply::List("JobSummary"))
            .describe("Where work stands: ready jobs, locks and their holders, jobs parked behind an incident."),
        route(Post, "/api/v1/jobs/activate", "Lock jobs of a type", jobs::activate)
            .role(Role::Worker).body(Payload::Json("Activate")).returns(200, Reply::Object("ActivatedJobs"))
            .describe("Types beginning with keel: are reserved for built-in connectors (403 reserved_job_type). request_timeout_ms long-polls (at most 60000)."),
        route(Post, "/api/v1/jobs/{id}/complete", "Complete a job", jobs::complete)
            .role(Role::Worker).body(Payload::Json("CompleteJob")).returns(200, Reply::Object("Empty"))
            .describe("409 when the worker does not hold the lock or it expired."),
        route(Post, "/api/v1/jobs/{id}/fail", "Report a failed attempt", jobs::fail)
            .role(Role::Worker).body(Payload::Json("FailJob")).returns(200, Reply::Object("Empty"))
            .describe("retries is the number left; 0 raises an incident."),
        route(Post, "/api/v1/jobs/{id}/throw-error", "Throw a BPMN error from a job", jobs::throw_error)
            .role(Role::Worker).body(Payload::Json("ThrowError")).returns(200, Reply::Object("Empty")),
        route(Post, "/api/v1/conditions", "Evaluate conditional start events", messages::evaluate_conditions)
            .role(Role::Operator).body(Payload::Json("Conditions")).returns(200, Reply::Object("Correlated"))
            .describe("Starts an instance of the latest version of each process (of definition_key only, when given) at each conditional start event whose condition holds for the variables (Camunda 7's POST /condition). 404 when none holds; 422 invalid_condition when a condition is null or not a boolean."),
        route(Post, "/api/v1/messages", "Correlate a message", messages::correlate)
            .role(Role::Operator).body(Payload::Json("Message")).returns(200, Reply::Object("Correlated"))
            .describe("Continues every matching waiting subscription, then starts the latest version of every process with a message start event of that name (started instances are in correlated and in started). No match: 404 no_subscription, unless ttl_ms > 0 (then buffered). A repeated message_id is ignored."),
        route(Post, "/api/v1/signals", "Broadcast a signal", messages::broadcast)
            .role(Role::Operator).body(Payload::Json("Signal")).returns(200, Reply::Object("Triggered"))
            .describe("Reaches every open signal catch (intermediate, boundary, event sub-process start) in every instance and starts every process whose latest version has a signal start event of that name; not buffered."),
        route(Get, "/api/v1/incidents", "List incidents, newest first", incidents::list)
            .role(Role::Operator).query(INCIDENT_FILTERS).returns(200, Reply::List("Incident")),
        route(Post, "/api/v1/incidents/{id}/resolve", "Resolve an incident (retry the failed step)", incidents::resolve)
            .role(Role::Operator).body(Payload::Json("Resolve")).returns(200, Reply::Object("Empty")),
        route(Get, "/api/v1/audit", "Export the audit trail", audit::export)
            .role(Role::Auditor).query(AUDIT_FILTERS).returns(200, Reply::AuditStream)
            .describe("Streamed: application/x-ndjson (one canonical record per line, verifiable) or text/csv."),
    ]
}
