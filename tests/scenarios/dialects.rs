//! Other dialects: a Camunda 7 model (camunda: attributes, `${...}` expressions, external
//! task topic) and a plain BPMN 2.0 model in the default namespace.

use keel_tests::audit::kinds;
use keel_tests::{Server, json};

/// A Camunda 7 model; `ASSIGNEE` and `CONDITION` are filled in per test.
const CAMUNDA7: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:camunda="http://camunda.org/schema/1.0/bpmn"
    xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
    id="defs_c7" targetNamespace="http://keel.test/c7">
  <bpmn:process id="c7_order" isExecutable="true">
    <bpmn:startEvent id="start" />
    <bpmn:userTask id="approve" name="Approve" camunda:assignee="ASSIGNEE"
        camunda:candidateGroups="sales,managers" camunda:candidateUsers="bob"
        camunda:dueDate="2030-01-02T03:04:05Z" camunda:priority="40"
        camunda:formKey="embedded:app:forms/approve.html" />
    <bpmn:exclusiveGateway id="gw" default="f_reject" />
    <bpmn:serviceTask id="ship" camunda:type="external" camunda:topic="shipping" />
    <bpmn:endEvent id="end" />
    <bpmn:endEvent id="rejected" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="approve" />
    <bpmn:sequenceFlow id="f2" sourceRef="approve" targetRef="gw" />
    <bpmn:sequenceFlow id="f_ship" sourceRef="gw" targetRef="ship">
      <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">CONDITION</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="f_reject" sourceRef="gw" targetRef="rejected" />
    <bpmn:sequenceFlow id="f3" sourceRef="ship" targetRef="end" />
  </bpmn:process>
</bpmn:definitions>
"#;

const PLAIN: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" id="defs_plain"
    targetNamespace="http://keel.test/plain">
  <process id="plain_flow" isExecutable="true">
    <startEvent id="start" />
    <task id="note" />
    <parallelGateway id="fork" />
    <userTask id="review" name="Review" />
    <task id="log" />
    <parallelGateway id="join" />
    <endEvent id="end" />
    <sequenceFlow id="f1" sourceRef="start" targetRef="note" />
    <sequenceFlow id="f2" sourceRef="note" targetRef="fork" />
    <sequenceFlow id="f3" sourceRef="fork" targetRef="review" />
    <sequenceFlow id="f4" sourceRef="fork" targetRef="log" />
    <sequenceFlow id="f5" sourceRef="review" targetRef="join" />
    <sequenceFlow id="f6" sourceRef="log" targetRef="join" />
    <sequenceFlow id="f7" sourceRef="join" targetRef="end" />
  </process>
</definitions>
"#;

/// Deploys the Camunda 7 model with `assignee` and `condition`, approves as alice, ships.
async fn run_camunda7(assignee: &str, condition: &str) {
    let server = Server::start().await;
    let admin = server.admin();
    let alice = server.api(&server.user("alice", &["sales"], &[]));
    let xml = CAMUNDA7
        .replace("ASSIGNEE", assignee)
        .replace("CONDITION", condition);
    let deployed = admin.deploy(&xml).await;
    assert_eq!(deployed["definitions"][0]["key"], "c7_order", "{deployed}");

    let instance = admin.start("c7_order", json!({"owner": "alice"})).await;
    let id = instance["id"].as_str().unwrap();
    let task = admin.task_of(id).await;
    assert_eq!(task["assignee"], "alice", "{task}");
    assert_eq!(
        task["candidate_groups"],
        json!(["sales", "managers"]),
        "{task}"
    );
    assert_eq!(task["candidate_users"], json!(["bob"]), "{task}");
    assert_eq!(task["priority"], 40, "{task}");
    assert_eq!(task["due_at"], "2030-01-02T03:04:05.000Z", "{task}");
    assert_eq!(
        task["form_key"], "embedded:app:forms/approve.html",
        "{task}"
    );
    alice
        .post(
            &format!("/api/v1/tasks/{}/complete", task["id"].as_str().unwrap()),
            json!({"variables": {"approved": true}}),
        )
        .await
        .expect(200, "complete");
    let job = admin.one_job("shipping", "w").await;
    assert_eq!(job["element_id"], "ship");
    admin
        .complete_job(job["id"].as_str().unwrap(), "w", json!({}))
        .await;
    admin.wait_state(id, "completed").await;
    let trail = admin.audit(id).await;
    assert_eq!(
        kinds(&trail),
        ["instance_started", "task_completed", "job_completed"]
    );
    assert!(
        keel_tests::audit::transitions(&trail).contains(&"f_ship:taken".to_owned()),
        "{}",
        keel_tests::audit::render(&trail)
    );
}

#[tokio::test]
async fn camunda7_static_attributes_and_external_topic() {
    run_camunda7("alice", "=approved").await;
}

/// The contract: Camunda 7 models with `${...}` expressions run unchanged.
#[tokio::test]
async fn camunda7_dollar_expressions_run_unchanged() {
    run_camunda7("${owner}", "${approved}").await;
}

#[tokio::test]
async fn plain_bpmn_in_the_default_namespace_runs() {
    let server = Server::start().await;
    let admin = server.admin();
    let deployed = admin.deploy(PLAIN).await;
    assert_eq!(
        deployed["definitions"][0]["key"], "plain_flow",
        "{deployed}"
    );
    let instance = admin.start("plain_flow", json!({})).await;
    let id = instance["id"].as_str().unwrap();
    let task = admin.task_of(id).await;
    let t = task["id"].as_str().unwrap();
    admin
        .post(
            &format!("/api/v1/tasks/{t}/assign"),
            json!({"user": "admin"}),
        )
        .await
        .expect(200, "assign");
    admin
        .post(&format!("/api/v1/tasks/{t}/complete"), json!({}))
        .await
        .expect(200, "complete");
    admin.wait_state(id, "completed").await;
    let trail = admin.audit(id).await;
    assert_eq!(
        kinds(&trail),
        ["instance_started", "task_assigned", "task_completed"]
    );
    let ts = keel_tests::audit::transitions(&trail);
    let joins = ts.iter().filter(|t| *t == "join:completed").count();
    assert_eq!(joins, 1, "{}", keel_tests::audit::render(&trail));
}
