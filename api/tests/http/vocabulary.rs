//! The routes of the executable vocabulary (issue 5): triggering a plain wait state (a receive
//! task without a message) and evaluating conditional start events.

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
