//! JSON Schemas (OpenAPI 3.1 components) of the wire shapes in `dto.rs` and the request bodies
//! of the routes. Top-level fields are listed; nested user data stays free-form.

use serde_json::{Map, Value as Json, json};

fn object(required: &[&str], properties: Json) -> Json {
    json!({"type": "object", "required": required, "properties": properties})
}

fn s() -> Json {
    json!({"type": "string"})
}
fn s_null() -> Json {
    json!({"type": ["string", "null"]})
}
fn time() -> Json {
    json!({"type": "string", "format": "date-time"})
}
fn time_null() -> Json {
    json!({"type": ["string", "null"], "format": "date-time"})
}
fn int() -> Json {
    json!({"type": "integer"})
}
fn vars() -> Json {
    json!({"type": "object", "description": "variables: a JSON object; numbers round-trip exactly"})
}
fn strings() -> Json {
    json!({"type": "array", "items": {"type": "string"}})
}
fn r(name: &str) -> Json {
    json!({"$ref": format!("#/components/schemas/{name}")})
}

const TASK_FIELDS: [&str; 14] = [
    "id",
    "instance_id",
    "element_id",
    "name",
    "assignee",
    "candidate_users",
    "candidate_groups",
    "state",
    "created_at",
    "due_at",
    "priority",
    "form_key",
    "completed_by",
    "completed_at",
];

fn task_properties() -> Json {
    json!({
        "id": s(), "instance_id": s(), "element_id": s(), "name": s_null(), "assignee": s_null(),
        "candidate_users": strings(), "candidate_groups": strings(),
        "state": {"enum": ["open", "completed", "cancelled"]},
        "created_at": time(), "due_at": time_null(), "follow_up_at": time_null(),
        "priority": int(), "form_key": s_null(), "completed_by": s_null(), "completed_at": time_null(),
    })
}

/// Every component schema by name.
pub fn components() -> Json {
    let mut task_detail_props = task_properties();
    if let Json::Object(p) = &mut task_detail_props {
        p.insert("variables".into(), vars());
        p.insert(
            "form".into(),
            json!({"type": ["object", "null"], "required": ["key"], "properties": {
                "key": s(),
                "binding": {"enum": ["latest", "deployment", "version"], "description": "camunda:formRefBinding (a camunda:formRef only)"},
                "version": {"type": "integer", "description": "camunda:formRefVersion of a version binding"},
            }}),
        );
    }
    let mut detail_required: Vec<&str> = TASK_FIELDS.to_vec();
    detail_required.extend(["variables", "form"]);
    let entries: Vec<(&str, Json)> = vec![
        (
            "Error",
            object(
                &["error"],
                json!({"error": object(&["code", "message", "details"], json!({
                    "code": s(), "message": s(),
                    "details": {"type": "array", "items": {"type": "object", "description": "for invalid_bpmn: file, line, column, element_id, message"}},
                }))}),
            ),
        ),
        ("Empty", json!({"type": "object", "maxProperties": 0})),
        (
            "Health",
            object(&["status"], json!({"status": {"const": "ok"}})),
        ),
        (
            "OpenApi",
            json!({"type": "object", "description": "this document"}),
        ),
        (
            "Definition",
            object(
                &["id", "key", "version", "name"],
                json!({
                    "id": s(), "key": s(), "version": int(), "name": s_null(), "deployment_id": s(),
                    "resource_name": s(), "xml_sha256": s(), "deployed_at": time(),
                }),
            ),
        ),
        (
            "Deployment",
            object(
                &["id", "definitions"],
                json!({
                    "id": s(), "definitions": {"type": "array", "items": r("Definition")},
                }),
            ),
        ),
        (
            "ActiveElement",
            object(
                &["element_id", "element_type", "state"],
                json!({
                    "element_id": s(), "element_type": s(), "state": s(),
                }),
            ),
        ),
        (
            "Instance",
            object(
                &[
                    "id",
                    "definition_key",
                    "definition_version",
                    "business_key",
                    "state",
                    "variables",
                    "active_elements",
                    "incidents",
                    "started_at",
                    "ended_at",
                    "started_by",
                ],
                json!({
                    "id": s(), "definition_key": s(), "definition_version": int(), "business_key": s_null(),
                    "state": {"enum": ["active", "completed", "terminated", "cancelled"]},
                    "variables": vars(), "active_elements": {"type": "array", "items": r("ActiveElement")},
                    "incidents": int(), "started_at": time(), "ended_at": time_null(), "started_by": s_null(),
                }),
            ),
        ),
        ("Task", object(&TASK_FIELDS, task_properties())),
        ("TaskDetail", object(&detail_required, task_detail_props)),
        (
            "Job",
            object(
                &[
                    "id",
                    "type",
                    "instance_id",
                    "element_id",
                    "retries",
                    "variables",
                    "headers",
                ],
                json!({
                    "id": s(), "type": s(), "instance_id": s(), "element_id": s(), "retries": int(),
                    "variables": vars(), "headers": {"type": "object"}, "lock_expires_at": time(),
                }),
            ),
        ),
        (
            "ActivatedJobs",
            object(
                &["jobs"],
                json!({"jobs": {"type": "array", "items": r("Job")}}),
            ),
        ),
        (
            "Incident",
            object(
                &[
                    "id",
                    "instance_id",
                    "element_id",
                    "kind",
                    "message",
                    "state",
                    "created_at",
                ],
                json!({
                    "id": s(), "instance_id": s(), "element_id": s(),
                    "kind": {"type": "string", "description": "snake_case: job_failed, no_matching_flow, expression_error, unhandled_error, call_failed, step_budget, called_instance_incident (a call activity whose called instance has open incidents; resolve those), ..."},
                    "message": s(), "state": {"enum": ["open", "resolved"]}, "job_id": s_null(),
                    "created_at": time(), "resolved_at": time_null(),
                }),
            ),
        ),
        (
            "JobSummary",
            object(
                &[
                    "id",
                    "type",
                    "instance_id",
                    "element_id",
                    "state",
                    "retries",
                    "available_at",
                    "created_at",
                ],
                json!({
                    "id": s(), "type": s(), "instance_id": s(), "element_id": s(),
                    "state": {"enum": ["ready", "locked", "failed"]}, "retries": int(),
                    "available_at": time(), "lock_owner": s_null(), "error_message": s_null(),
                    "created_at": time(),
                }),
            ),
        ),
        (
            "Correlated",
            object(
                &["correlated", "started", "buffered"],
                json!({
                    "correlated": strings(), "started": strings(), "buffered": {"type": "boolean"},
                }),
            ),
        ),
        (
            "Triggered",
            object(
                &["triggered", "caught", "started"],
                json!({"triggered": int(), "caught": strings(), "started": strings()}),
            ),
        ),
        (
            "AuditRecord",
            object(
                &[
                    "seq",
                    "at",
                    "instance_id",
                    "instance_seq",
                    "element_id",
                    "kind",
                    "actor",
                    "data",
                    "prev_hash",
                    "instance_prev_hash",
                    "hash",
                ],
                json!({
                    "v": int(), "seq": int(), "at": time(), "instance_id": s_null(),
                    "instance_seq": {"type": ["integer", "null"]}, "element_id": s_null(), "kind": s(),
                    "actor": object(&["type", "id"], json!({"type": {"enum": ["user", "service", "system"]}, "id": s(), "name": s()})),
                    "data": {"type": "object"}, "prev_hash": s(), "instance_prev_hash": s_null(), "hash": s(),
                }),
            ),
        ),
        (
            "StartInstance",
            object(&[], json!({"variables": vars(), "business_key": s()})),
        ),
        ("Cancel", object(&[], json!({"reason": s()}))),
        ("Trigger", object(&[], json!({"variables": vars()}))),
        (
            "ActivateElements",
            object(
                &["element_ids"],
                json!({
                    "element_ids": {"type": "array", "items": s(), "minItems": 1},
                    "variables": vars(),
                }),
            ),
        ),
        (
            "Conditions",
            object(&[], json!({"variables": vars(), "definition_key": s()})),
        ),
        (
            "SetVariables",
            object(&["variables"], json!({"variables": vars()})),
        ),
        ("Assign", object(&["user"], json!({"user": s_null()}))),
        ("CompleteTask", object(&[], json!({"variables": vars()}))),
        (
            "Activate",
            object(
                &["type"],
                json!({
                    "type": s(), "worker": {"type": "string", "description": "lock owner (default: the caller's user name)"},
                    "max_jobs": {"type": "integer", "default": 10, "maximum": 1000},
                    "lock_ms": {"type": "integer", "default": 300_000},
                    "request_timeout_ms": {"type": "integer", "default": 0, "maximum": 60_000},
                }),
            ),
        ),
        (
            "CompleteJob",
            object(&[], json!({"worker": s(), "variables": vars()})),
        ),
        (
            "FailJob",
            object(
                &[],
                json!({
                    "worker": s(), "error_message": s(),
                    "retries": {"type": "integer", "description": "retries left (default: one fewer); 0 raises an incident"},
                    "retry_backoff_ms": int(),
                }),
            ),
        ),
        (
            "ThrowError",
            object(
                &["error_code"],
                json!({
                    "worker": s(), "error_code": s(), "error_message": s(), "variables": vars(),
                }),
            ),
        ),
        (
            "Message",
            object(
                &["name"],
                json!({
                    "name": s(), "correlation_key": s(), "business_key": s(), "instance_id": s(),
                    "variables": vars(), "message_id": s(), "ttl_ms": int(),
                }),
            ),
        ),
        (
            "Signal",
            object(&["name"], json!({"name": s(), "variables": vars()})),
        ),
        (
            "Resolve",
            object(
                &[],
                json!({"retries": {"type": "integer", "minimum": 1}, "variables": vars()}),
            ),
        ),
    ];
    let mut map = Map::new();
    for (name, schema) in entries {
        map.insert(name.to_owned(), schema);
    }
    Json::Object(map)
}
