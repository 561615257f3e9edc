//! API error statuses and bodies: 401, 403, 404, 409, 422 (invalid BPMN, DOCTYPE, unsupported
//! camunda:class) and idempotent starts.

use keel_tests::bpmn::{ZEEBE_NS, service_chain, zeebe};
use keel_tests::{Resp, Server, json};

/// Every error has `{"error": {"code", "message", "details"}}`.
fn assert_error(r: &Resp, status: u16, code: &str) {
    assert_eq!(r.status, status, "{}", r.body);
    assert_eq!(r.code(), code, "{}", r.body);
    assert!(r.body["error"]["message"].is_string(), "{}", r.body);
}

#[tokio::test]
async fn unauthenticated_forbidden_and_unknown() {
    let server = Server::start().await;
    let admin = server.admin();
    admin.deploy(&service_chain("simple", &["job"])).await;

    let anonymous = server.anonymous();
    assert_error(
        &anonymous.get("/api/v1/definitions").await,
        401,
        "unauthorized",
    );
    let bogus = server.api("tok_nobody.secret");
    assert_error(&bogus.get("/api/v1/definitions").await, 401, "unauthorized");
    let health = anonymous.get("/health").await.expect(200, "health");
    assert_eq!(health, json!({"status": "ok"}));

    let plain = server.api_for("plain", &[]);
    assert_eq!(
        plain
            .deploy_raw(&service_chain("other", &["x"]))
            .await
            .status,
        403
    );
    let r = plain
        .post("/api/v1/jobs/activate", json!({"type": "job"}))
        .await;
    assert_eq!(r.status, 403, "{}", r.body);
    assert_eq!(plain.get("/api/v1/incidents").await.status, 403);
    assert_eq!(plain.get("/api/v1/audit").await.status, 403);
    // A plain user may start an instance, but not read someone else's.
    let mine = plain.start("simple", json!({})).await;
    let theirs = admin.start("simple", json!({})).await;
    plain.instance(mine["id"].as_str().unwrap()).await;
    let r = plain
        .get(&format!(
            "/api/v1/instances/{}",
            theirs["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(r.status, 403, "{}", r.body);
    let r = plain
        .post(
            &format!("/api/v1/instances/{}/cancel", mine["id"].as_str().unwrap()),
            json!({}),
        )
        .await;
    assert_eq!(r.status, 403, "cancel needs operator: {}", r.body);

    let unknown = "0196a000-0000-7000-8000-000000000000";
    for path in [
        format!("/api/v1/instances/{unknown}"),
        format!("/api/v1/tasks/{unknown}"),
        "/api/v1/definitions/nope".to_owned(),
    ] {
        assert_error(&admin.get(&path).await, 404, "not_found");
    }
    let r = admin
        .post("/api/v1/definitions/nope/instances", json!({}))
        .await;
    assert_eq!(r.status, 404, "{}", r.body);
    for path in [
        format!("/api/v1/jobs/{unknown}/complete"),
        format!("/api/v1/incidents/{unknown}/resolve"),
        format!("/api/v1/tasks/{unknown}/complete"),
        format!("/api/v1/instances/{unknown}/cancel"),
    ] {
        let r = admin.post(&path, json!({"worker": "w"})).await;
        assert_eq!(r.status, 404, "{path}: {}", r.body);
    }
}

#[tokio::test]
async fn conflicts() {
    let server = Server::start().await;
    let admin = server.admin();
    admin.deploy(&service_chain("simple", &["job"])).await;

    // A job locked by one worker cannot be completed by another.
    let w1 = server.api_for("worker1", &["worker"]);
    let w2 = server.api_for("worker2", &["worker"]);
    let instance = admin.start("simple", json!({})).await;
    let id = instance["id"].as_str().unwrap();
    let job = w1.one_job("job", "w1").await;
    let job_id = job["id"].as_str().unwrap();
    assert!(
        w2.activate("job", "w2", 5).await.is_empty(),
        "locked jobs are not handed out twice"
    );
    let r = w2
        .post(
            &format!("/api/v1/jobs/{job_id}/complete"),
            json!({"worker": "w2"}),
        )
        .await;
    assert_error(&r, 409, "conflict");
    w1.complete_job(job_id, "w1", json!({})).await;
    let r = w1
        .post(
            &format!("/api/v1/jobs/{job_id}/complete"),
            json!({"worker": "w1"}),
        )
        .await;
    assert_error(&r, 409, "conflict");
    admin.wait_state(id, "completed").await;

    // Cancel twice.
    let other = admin.start("simple", json!({})).await;
    let other = other["id"].as_str().unwrap();
    let cancelled = admin
        .post(
            &format!("/api/v1/instances/{other}/cancel"),
            json!({"reason": "test"}),
        )
        .await
        .expect(200, "cancel");
    assert_eq!(cancelled["state"], "cancelled", "{cancelled}");
    let r = admin
        .post(
            &format!("/api/v1/instances/{other}/cancel"),
            json!({"reason": "again"}),
        )
        .await;
    assert_error(&r, 409, "conflict");
    let trail = admin.audit(other).await;
    assert_eq!(
        keel_tests::audit::kinds(&trail),
        ["instance_started", "instance_cancelled"]
    );
    assert_eq!(
        keel_tests::audit::transitions_of(&trail[1]),
        ["job:terminated", "simple:terminated"]
    );
}

#[tokio::test]
async fn invalid_bpmn_lists_every_problem_with_positions() {
    let server = Server::start().await;
    let api = server.admin();
    let body = r#"    <bpmn:startEvent id="start" />
    <bpmn:sequenceFlow id="dangling" sourceRef="start" targetRef="nowhere" />
    <bpmn:serviceTask id="notype" />"#;
    let r = api.deploy_raw(&zeebe("broken", body)).await;
    assert_error(&r, 422, "invalid_bpmn");
    let details = r.body["error"]["details"].as_array().expect("details");
    let dangling = details
        .iter()
        .find(|d| d["element_id"] == "dangling")
        .unwrap_or_else(|| panic!("no detail names the dangling flow: {}", r.body));
    assert_eq!(dangling["line"], 5, "{dangling}");
    assert!(dangling["column"].as_u64().unwrap_or(0) >= 1, "{dangling}");
    assert!(
        dangling["message"]
            .as_str()
            .unwrap_or("")
            .contains("nowhere"),
        "{dangling}"
    );
    assert!(
        details
            .iter()
            .any(|d| d["element_id"] == "notype" && d["line"] == 6),
        "every problem is listed: {}",
        r.body
    );

    let doctype = format!(
        r#"<?xml version="1.0"?>
<!DOCTYPE d [ <!ENTITY boom "boom"> ]>
<bpmn:definitions {ZEEBE_NS} id="d" targetNamespace="t">
  <bpmn:process id="p" isExecutable="true"><bpmn:startEvent id="s" /></bpmn:process>
</bpmn:definitions>"#
    );
    let r = api.deploy_raw(&doctype).await;
    assert_error(&r, 422, "invalid_bpmn");
    assert!(r.body.to_string().contains("DOCTYPE"), "{}", r.body);

    let java = r#"<?xml version="1.0"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d" targetNamespace="t">
  <bpmn:process id="java" isExecutable="true">
    <bpmn:startEvent id="s" />
    <bpmn:serviceTask id="delegate" camunda:class="com.example.Charge" />
    <bpmn:endEvent id="e" />
    <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="delegate" />
    <bpmn:sequenceFlow id="f2" sourceRef="delegate" targetRef="e" />
  </bpmn:process>
</bpmn:definitions>"#;
    let r = api.deploy_raw(java).await;
    assert_error(&r, 422, "invalid_bpmn");
    let detail = r.body["error"]["details"]
        .as_array()
        .and_then(|d| d.iter().find(|d| d["element_id"] == "delegate"))
        .unwrap_or_else(|| panic!("no detail names the delegate: {}", r.body))
        .clone();
    let message = detail["message"].as_str().unwrap_or("");
    assert!(
        message.contains("camunda:class") && message.contains("external"),
        "the message says what to use instead: {message}"
    );
    assert_eq!(detail["line"], 6, "{detail}");
}

#[tokio::test]
async fn idempotent_start() {
    let server = Server::start().await;
    let api = server.admin();
    api.deploy(&service_chain("simple", &["job"])).await;
    let start = |body: keel_tests::Value, key: &'static str| {
        let api = api.clone();
        async move {
            let bytes = serde_json::to_vec(&body).unwrap();
            api.send(
                reqwest::Method::POST,
                "/api/v1/definitions/simple/instances",
                Some(("application/json", bytes)),
                &[("Idempotency-Key", key)],
            )
            .await
        }
    };
    let body = json!({"variables": {"n": 1}, "business_key": "b-1"});
    let first = start(body.clone(), "k-1").await.expect(201, "first start");
    let again = start(body.clone(), "k-1").await;
    assert!(again.status == 201 || again.status == 200, "{again:?}");
    assert_eq!(
        again.body["id"], first["id"],
        "same key and body: same instance"
    );
    let other = start(json!({"variables": {"n": 2}}), "k-1").await;
    assert_eq!(other.status, 422, "{}", other.body);
    assert_eq!(other.code(), "idempotency_key_reused", "{}", other.body);
    let fresh = start(body, "k-2").await.expect(201, "another key");
    assert_ne!(fresh["id"], first["id"]);
    let list = api
        .get("/api/v1/instances?definition_key=simple")
        .await
        .expect(200, "list");
    assert_eq!(list.as_array().map(Vec::len), Some(2), "{list}");
}
