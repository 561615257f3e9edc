//! BPMN errors thrown by jobs: caught on the task, caught on the enclosing sub-process, and
//! uncaught (incident `unhandled_error`).

use keel_tests::audit::assert_trail;
use keel_tests::bpmn::{flows, service_task, zeebe_with};
use keel_tests::{Server, Value, json};

const ERRORS: &str = r#"  <bpmn:error id="err_e1" name="E1" errorCode="E1" />
  <bpmn:error id="err_e2" name="E2" errorCode="E2" />"#;

/// `start → sub[ s_start → risky → s_end ] → end`, with an `E1` boundary on `risky`
/// (→ `on_task`) and an `E2` boundary on `sub` (→ `on_sub`).
fn model() -> String {
    let body = format!(
        r#"    <bpmn:startEvent id="start" />
    <bpmn:subProcess id="sub">
      <bpmn:startEvent id="s_start" />
{}
      <bpmn:endEvent id="s_end" />
      <bpmn:boundaryEvent id="catch_task" attachedToRef="risky">
        <bpmn:errorEventDefinition errorRef="err_e1" />
      </bpmn:boundaryEvent>
      <bpmn:endEvent id="on_task" />
{}
    </bpmn:subProcess>
    <bpmn:boundaryEvent id="catch_sub" attachedToRef="sub">
      <bpmn:errorEventDefinition errorRef="err_e2" />
    </bpmn:boundaryEvent>
    <bpmn:endEvent id="on_sub" />
    <bpmn:endEvent id="end" />
{}"#,
        service_task("risky", "risky"),
        flows(&[
            ("s_start", "risky"),
            ("risky", "s_end"),
            ("catch_task", "on_task")
        ]),
        flows(&[("start", "sub"), ("sub", "end"), ("catch_sub", "on_sub")]),
    );
    zeebe_with("erring", &body, ERRORS)
}

const STARTED: [&str; 9] = [
    "erring:activated",
    "start:activated",
    "start:completed",
    "f_start_sub:taken",
    "sub:activated",
    "s_start:activated",
    "s_start:completed",
    "f_s_start_risky:taken",
    "risky:activated",
];

/// Deploys, starts, throws `code` from the `risky` job; returns (server, instance id).
async fn throw(code: &str) -> (Server, String, keel_tests::Api) {
    let server = Server::start().await;
    let api = server.admin();
    api.deploy(&model()).await;
    let instance = api.start("erring", json!({})).await;
    let id = instance["id"].as_str().unwrap().to_owned();
    let job = api.one_job("risky", "w").await;
    api.post(
        &format!("/api/v1/jobs/{}/throw-error", job["id"].as_str().unwrap()),
        json!({"worker": "w", "error_code": code, "error_message": "boom",
               "variables": {"reason": "card declined"}}),
    )
    .await
    .expect(200, "throw-error");
    (server, id, api)
}

#[tokio::test]
async fn error_caught_by_the_task_boundary() {
    let (_server, id, api) = throw("E1").await;
    let done: Value = api.wait_state(&id, "completed").await;
    assert_eq!(done["variables"]["reason"], "card declined", "{done}");
    assert_trail(
        &api.audit(&id).await,
        &[
            ("instance_started", &STARTED),
            (
                "error_thrown",
                &[
                    "risky:terminated",
                    "catch_task:activated",
                    "catch_task:completed",
                    "f_catch_task_on_task:taken",
                    "on_task:activated",
                    "on_task:completed",
                    "sub:completed",
                    "f_sub_end:taken",
                    "end:activated",
                    "end:completed",
                    "erring:completed",
                ],
            ),
        ],
    );
}

#[tokio::test]
async fn error_caught_by_the_sub_process_boundary() {
    let (_server, id, api) = throw("E2").await;
    api.wait_state(&id, "completed").await;
    assert_trail(
        &api.audit(&id).await,
        &[
            ("instance_started", &STARTED),
            (
                "error_thrown",
                &[
                    "risky:terminated",
                    "sub:terminated",
                    "catch_sub:activated",
                    "catch_sub:completed",
                    "f_catch_sub_on_sub:taken",
                    "on_sub:activated",
                    "on_sub:completed",
                    "erring:completed",
                ],
            ),
        ],
    );
}

#[tokio::test]
async fn uncaught_error_raises_unhandled_error() {
    let (_server, id, api) = throw("E3").await;
    let incident = api.open_incident(&id).await;
    assert_eq!(incident["kind"], "unhandled_error", "{incident}");
    assert_eq!(incident["element_id"], "risky", "{incident}");
    assert!(
        incident["message"].as_str().unwrap_or("").contains("E3"),
        "the message names the error code: {incident}"
    );
    let instance = api.instance(&id).await;
    assert_eq!(instance["state"], "active", "{instance}");
    assert_eq!(instance["incidents"], 1, "{instance}");
    assert_trail(
        &api.audit(&id).await,
        &[("instance_started", &STARTED), ("error_thrown", &[])],
    );
}
