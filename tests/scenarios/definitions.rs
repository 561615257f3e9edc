//! Deployments and definitions: versions, identical content, the XML byte for byte, starting
//! an older version; cancelling an instance with open work.

use keel_tests::bpmn::{service_chain, zeebe};
use keel_tests::{Server, json};

#[tokio::test]
async fn versions_and_identical_content() {
    let server = Server::start().await;
    let api = server.admin();
    let v1 = service_chain("versioned", &["a"]);
    let first = api.deploy(&v1).await;
    assert_eq!(first["definitions"][0]["key"], "versioned", "{first}");
    assert_eq!(first["definitions"][0]["version"], 1, "{first}");
    let same = api.deploy(&v1).await;
    assert_eq!(
        same["definitions"][0]["version"], 1,
        "identical content: {same}"
    );
    let v2 = service_chain("versioned", &["a", "b"]);
    let second = api.deploy(&v2).await;
    assert_eq!(second["definitions"][0]["version"], 2, "{second}");

    let latest = api
        .get("/api/v1/definitions/versioned")
        .await
        .expect(200, "latest");
    assert_eq!(latest["version"], 2, "{latest}");
    let r = api.get("/api/v1/definitions/versioned/versions").await;
    assert_eq!(r.total, Some(2), "{:?}", r);
    let xml = api
        .get("/api/v1/definitions/versioned/xml?version=1")
        .await
        .expect(200, "xml");
    assert_eq!(
        xml.as_str(),
        Some(v1.as_str()),
        "the deployed XML, byte for byte"
    );

    let old = api
        .post(
            "/api/v1/definitions/versioned/instances?version=1",
            json!({"variables": {}}),
        )
        .await
        .expect(201, "start version 1");
    assert_eq!(old["definition_version"], 1, "{old}");
    let new = api.start("versioned", json!({})).await;
    assert_eq!(new["definition_version"], 2, "{new}");
    let listed = api.get("/api/v1/definitions").await.expect(200, "list");
    assert_eq!(
        listed.as_array().map(Vec::len),
        Some(1),
        "latest of each key: {listed}"
    );
}

#[tokio::test]
async fn cancel_terminates_open_work() {
    let server = Server::start().await;
    let api = server.admin();
    let body = format!(
        r#"    <bpmn:startEvent id="start" />
    <bpmn:parallelGateway id="fork" />
    <bpmn:userTask id="review">
      <bpmn:extensionElements><zeebe:assignmentDefinition assignee="admin" /></bpmn:extensionElements>
    </bpmn:userTask>
{}
    <bpmn:endEvent id="e1" />
    <bpmn:endEvent id="e2" />
{}"#,
        keel_tests::bpmn::service_task("work", "work"),
        keel_tests::bpmn::flows(&[
            ("start", "fork"),
            ("fork", "review"),
            ("fork", "work"),
            ("review", "e1"),
            ("work", "e2"),
        ])
    );
    api.deploy(&zeebe("cancelling", &body)).await;
    let instance = api.start("cancelling", json!({})).await;
    let id = instance["id"].as_str().unwrap();
    let task = api.task_of(id).await;
    let job = api.one_job("work", "w").await;
    let cancelled = api
        .post(
            &format!("/api/v1/instances/{id}/cancel"),
            json!({"reason": "customer left"}),
        )
        .await
        .expect(200, "cancel");
    assert_eq!(cancelled["state"], "cancelled", "{cancelled}");
    assert!(cancelled["ended_at"].is_string(), "{cancelled}");
    let t = api
        .get(&format!("/api/v1/tasks/{}", task["id"].as_str().unwrap()))
        .await
        .expect(200, "task");
    assert_eq!(t["state"], "cancelled", "{t}");
    let r = api
        .post(
            &format!("/api/v1/jobs/{}/complete", job["id"].as_str().unwrap()),
            json!({"worker": "w"}),
        )
        .await;
    assert!(
        r.status == 404 || r.status == 409,
        "job of a cancelled instance: {r:?}"
    );
    let r = api
        .post(
            &format!("/api/v1/tasks/{}/complete", task["id"].as_str().unwrap()),
            json!({}),
        )
        .await;
    assert_eq!(r.status, 409, "task of a cancelled instance: {r:?}");
    let trail = api.audit(id).await;
    assert_eq!(
        keel_tests::audit::kinds(&trail),
        ["instance_started", "instance_cancelled"]
    );
    assert_eq!(trail[1]["data"]["reason"], "customer left", "{}", trail[1]);
}
