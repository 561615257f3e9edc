//! The routes of the executable vocabulary (issue 5): triggering wait states, activating inner
//! elements of a running ad-hoc sub-process (docs/decisions/0014), evaluating conditional start
//! events, and a task's form reference.

use axum::http::StatusCode;
use serde_json::json;

use crate::support::Api;

const WAIT: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="t">
  <process id="waiting" isExecutable="true">
    <startEvent id="s"/><sequenceFlow id="f1" sourceRef="s" targetRef="wait"/>
    <receiveTask id="wait"/><sequenceFlow id="f2" sourceRef="wait" targetRef="e"/><endEvent id="e"/>
  </process>
  <process id="big" isExecutable="true">
    <startEvent id="go"><conditionalEventDefinition><condition>${amount &gt; 100}</condition></conditionalEventDefinition></startEvent>
    <sequenceFlow id="f3" sourceRef="go" targetRef="w2"/><receiveTask id="w2"/>
  </process>
</definitions>"#;

#[tokio::test]
async fn wait_states_are_triggered_and_start_conditions_evaluated_over_http() {
    let api = Api::new().await;
    let admin = api.user("root", &[], &["admin"]).await;
    let alice = api.user("alice", &[], &[]).await;
    api.deploy(&admin, WAIT).await;
    let r = api
        .post(
            "/api/v1/definitions/waiting/instances",
            &admin,
            json!({"variables": {}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let id = r.json()["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/instances/{id}/elements/wait/trigger");
    // Operators only.
    let r = api.post(&path, &alice, json!({})).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = api
        .post(
            "/api/v1/instances/nope/elements/wait/trigger",
            &admin,
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = api
        .post(&path, &admin, json!({"variables": {"ok": true}}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["correlated"], json!([id]));
    let r = api.get(&format!("/api/v1/instances/{id}"), &admin).await;
    assert_eq!(r.json()["state"], "completed");
    assert_eq!(r.json()["variables"]["ok"], true);
    // Nothing waits any more.
    let r = api.post(&path, &admin, json!({})).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    // The reserved prefix is not a message name.
    let r = api
        .post("/api/v1/messages", &admin, json!({"name": "trigger:wait"}))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    // Conditional start events.
    let r = api
        .post(
            "/api/v1/conditions",
            &admin,
            json!({"variables": {"amount": 5}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = api
        .post(
            "/api/v1/conditions",
            &admin,
            json!({"variables": {"amount": 500}, "definition_key": "big"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let started = r.json()["started"].clone();
    assert_eq!(started.as_array().map(Vec::len), Some(1));
    let r = api
        .get(
            &format!("/api/v1/instances/{}", started[0].as_str().unwrap()),
            &admin,
        )
        .await;
    assert_eq!(r.json()["definition_key"], "big");
    assert_eq!(r.json()["active_elements"][0]["element_id"], "w2");
}

const AD_HOC: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d" targetNamespace="t">
  <process id="case" isExecutable="true">
    <startEvent id="s"/><sequenceFlow id="f1" sourceRef="s" targetRef="pick"/>
    <adHocSubProcess id="pick">
      <extensionElements><zeebe:adHoc activeElementsCollection="=[&quot;a&quot;]"/></extensionElements>
      <userTask id="a" camunda:formRef="checklist" camunda:formRefBinding="deployment"/>
      <userTask id="b"/>
      <intermediateCatchEvent id="nap"><timerEventDefinition><timeDuration>PT1H</timeDuration></timerEventDefinition></intermediateCatchEvent>
    </adHocSubProcess>
    <sequenceFlow id="f2" sourceRef="pick" targetRef="e"/><endEvent id="e"/>
  </process>
</definitions>"#;

#[tokio::test]
async fn ad_hoc_elements_are_activated_and_catch_events_triggered_over_http() {
    let api = Api::new().await;
    let admin = api.user("root", &[], &["admin"]).await;
    let alice = api.user("alice", &[], &[]).await;
    api.deploy(&admin, AD_HOC).await;
    let r = api
        .post("/api/v1/definitions/case/instances", &admin, json!({}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let id = r.json()["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/instances/{id}/elements/pick/activate");
    // Operators only; element_ids is required; ids must be inner elements it can start.
    let r = api.post(&path, &alice, json!({"element_ids": ["b"]})).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = api.post(&path, &admin, json!({})).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    // An empty list is refused too (the schema says `minItems: 1`).
    let r = api.post(&path, &admin, json!({"element_ids": []})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert_eq!(r.json()["error"]["code"], "invalid_element");
    let doc = api.get("/api/v1/openapi.json", &admin).await.json();
    assert_eq!(
        doc["components"]["schemas"]["ActivateElements"]["properties"]["element_ids"]["minItems"],
        1
    );
    let r = api.post(&path, &admin, json!({"element_ids": ["e"]})).await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert_eq!(r.json()["error"]["code"], "invalid_element");
    let r = api
        .post(
            &format!("/api/v1/instances/{id}/elements/ghost/activate"),
            &admin,
            json!({"element_ids": ["b"]}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = api
        .post(
            &path,
            &admin,
            json!({"element_ids": ["b", "nap"], "variables": {"hint": 1}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let live: Vec<String> = r.json()["active_elements"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["element_id"].as_str().unwrap().to_owned())
        .collect();
    for element in ["a", "b", "nap", "pick"] {
        assert!(live.iter().any(|l| l == element), "{live:?}");
    }
    // The timer catch event started by the operator is triggered by the operator too.
    let r = api
        .post(
            &format!("/api/v1/instances/{id}/elements/nap/trigger"),
            &admin,
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    // A user task cannot be triggered.
    let r = api
        .post(
            &format!("/api/v1/instances/{id}/elements/b/trigger"),
            &admin,
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    // The form reference shows on the task.
    let r = api
        .get(&format!("/api/v1/tasks?instance_id={id}"), &admin)
        .await;
    let tasks = r.json();
    let a = tasks
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["element_id"] == "a")
        .unwrap()
        .clone();
    assert_eq!(a["form_key"], "checklist");
    let r = api
        .get(
            &format!("/api/v1/tasks/{}", a["id"].as_str().unwrap()),
            &admin,
        )
        .await;
    assert_eq!(
        r.json()["form"],
        json!({"key": "checklist", "binding": "deployment"})
    );
    let r = api
        .get(&format!("/api/v1/instances/{id}/audit"), &admin)
        .await;
    let kinds: Vec<String> = r
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["kind"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        kinds,
        [
            "instance_started",
            "ad_hoc_elements_activated",
            "element_triggered"
        ]
    );
}
