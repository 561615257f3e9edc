//! Uploads, incidents and the public endpoints through HTTP: multipart deployments and
//! versions, failed jobs raising incidents that operators resolve, health, metrics, signals.

use axum::http::{Method, StatusCode};
use serde_json::json;

use crate::support::{Api, service_process};

#[tokio::test]
async fn multipart_deployments_versions_and_xml() {
    let api = Api::new().await;
    let deployer = api.user("dep", &[], &["deployer"]).await;
    let boundary = "XyZ";
    let part = |name: &str, xml: &str| {
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: application/xml\r\n\r\n{xml}\r\n"
        )
    };
    let first = service_process("one", "a");
    let body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"deployment-name\"\r\n\r\nmine\r\n{}{}--{boundary}--\r\n",
        part("one.bpmn", &first),
        part("two.bpmn", &service_process("two", "b"))
    );
    let ct = format!("multipart/form-data; boundary={boundary}");
    let r = api
        .raw(
            Method::POST,
            "/api/v1/deployments",
            Some(&deployer),
            Some(&ct),
            body,
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let keys: Vec<_> = r.json()["definitions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["key"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(keys, ["one", "two"]);
    assert_eq!(r.json()["definitions"][0]["resource_name"], "one.bpmn");
    // A changed model is version 2; both stay readable.
    let changed = service_process("one", "a2");
    api.deploy(&deployer, &changed).await;
    let r = api.get("/api/v1/definitions/one/versions", &deployer).await;
    assert_eq!(r.total(), 2);
    assert_eq!(r.json()[0]["version"], 2);
    assert_eq!(
        api.get("/api/v1/definitions/one", &deployer).await.json()["version"],
        2
    );
    assert_eq!(
        api.get("/api/v1/definitions/one?version=1", &deployer)
            .await
            .json()["id"],
        "one:1"
    );
    let r = api
        .get("/api/v1/definitions/one/xml?version=1", &deployer)
        .await;
    assert_eq!(r.text(), first);
    let r = api.get("/api/v1/definitions/one/xml", &deployer).await;
    assert_eq!(r.text(), changed);
    let r = api
        .get("/api/v1/definitions/one?version=9", &deployer)
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let empty = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\ny\r\n--{boundary}--\r\n"
    );
    let r = api
        .raw(
            Method::POST,
            "/api/v1/deployments",
            Some(&deployer),
            Some(&ct),
            empty,
        )
        .await;
    assert_eq!(
        (r.status, r.code().as_str()),
        (StatusCode::BAD_REQUEST, "bad_request")
    );
}

#[tokio::test]
async fn failed_jobs_raise_incidents_that_operators_resolve() {
    let api = Api::new().await;
    let admin = api.user("root", &[], &["admin"]).await;
    let worker = api.user("w", &[], &["worker"]).await;
    let operator = api.user("op", &[], &["operator"]).await;
    api.deploy(&admin, &service_process("svc", "flaky")).await;
    let instance = api
        .start(&admin, "svc", json!({"variables": {"x": 1}}))
        .await;
    let id = instance["id"].as_str().unwrap();
    let activate = json!({"type": "flaky", "worker": "w1"});
    let job = api
        .post("/api/v1/jobs/activate", &worker, activate.clone())
        .await
        .json()["jobs"][0]
        .clone();
    let job_id = job["id"].as_str().unwrap();
    let r = api
        .post(
            &format!("/api/v1/jobs/{job_id}/fail"),
            &worker,
            json!({"worker": "w1", "error_message": "down", "retries": 0}),
        )
        .await;
    assert_eq!((r.status, r.json()), (StatusCode::OK, json!({})));
    let r = api
        .get(
            &format!("/api/v1/incidents?instance_id={id}&state=open"),
            &operator,
        )
        .await;
    assert_eq!(r.total(), 1, "{}", r.text());
    let incident = r.json()[0].clone();
    assert_eq!(
        (incident["element_id"].as_str(), incident["state"].as_str()),
        (Some("work"), Some("open"))
    );
    assert!(incident["kind"].is_string() && incident["created_at"].is_string());
    assert_eq!(
        api.get(&format!("/api/v1/instances/{id}"), &admin)
            .await
            .json()["incidents"],
        1
    );
    let incident_id = incident["id"].as_str().unwrap();
    let r = api
        .post(
            &format!("/api/v1/incidents/{incident_id}/resolve"),
            &operator,
            json!({"retries": 2, "variables": {"x": 2}}),
        )
        .await;
    assert_eq!(
        (r.status, r.json()),
        (StatusCode::OK, json!({})),
        "{}",
        r.text()
    );
    let r = api
        .post(
            &format!("/api/v1/incidents/{incident_id}/resolve"),
            &operator,
            json!({}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    let again = api
        .post("/api/v1/jobs/activate", &worker, activate)
        .await
        .json()["jobs"][0]
        .clone();
    assert_eq!(
        (again["id"].as_str(), again["retries"].as_i64()),
        (Some(job_id), Some(2))
    );
    assert_eq!(again["variables"]["x"], 2);
    let r = api
        .post(
            &format!("/api/v1/jobs/{job_id}/throw-error"),
            &worker,
            json!({"worker": "w1", "error_code": "E1"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(
        api.get("/api/v1/incidents?state=open", &operator)
            .await
            .total(),
        1
    );
}

#[tokio::test]
async fn public_endpoints_and_signals() {
    let api = Api::new().await;
    let r = api
        .raw(
            Method::GET,
            "/health",
            None,
            None,
            axum::body::Body::empty(),
        )
        .await;
    assert_eq!(
        (r.status, r.json()),
        (StatusCode::OK, json!({"status": "ok"}))
    );
    let r = api
        .raw(
            Method::GET,
            "/metrics",
            None,
            None,
            axum::body::Body::empty(),
        )
        .await;
    assert!(
        r.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain")
    );
    let operator = api.user("op", &[], &["operator"]).await;
    let r = api
        .post(
            "/api/v1/signals",
            &operator,
            json!({"name": "alarm", "variables": {}}),
        )
        .await;
    assert_eq!(
        (r.status, r.json()),
        (
            StatusCode::OK,
            json!({"triggered": 0, "caught": [], "started": []})
        )
    );
    let r = api
        .post("/api/v1/signals", &operator, json!({"name": ""}))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let r = api
        .put(
            "/api/v1/instances/nope/variables",
            &operator,
            json!({"variables": {"a": 1}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = api
        .put("/api/v1/instances/nope/variables", &operator, json!({}))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn operators_list_jobs_with_their_state_lock_holder_and_failure() {
    let api = Api::new().await;
    let admin = api.user("root", &[], &["admin"]).await;
    let worker = api.user("w", &[], &["worker"]).await;
    api.deploy(&admin, &service_process("listed", "listed-work"))
        .await;
    let first = api.start(&admin, "listed", json!({})).await;
    let second = api.start(&admin, "listed", json!({})).await;
    let r = api.get("/api/v1/jobs?type=listed-work", &admin).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.total(), 2);
    let jobs = r.json();
    assert_eq!(jobs[0]["instance_id"], first["id"]);
    assert_eq!(jobs[1]["instance_id"], second["id"]);
    assert_eq!(jobs[0]["state"], "ready");
    assert_eq!(jobs[0]["type"], "listed-work");
    assert_eq!(jobs[0]["lock_owner"], json!(null));
    // One is locked by a worker, then fails for good: parked behind an incident.
    let activated = api
        .post(
            "/api/v1/jobs/activate",
            &worker,
            json!({"type": "listed-work", "worker": "w1", "max_jobs": 1}),
        )
        .await;
    let job_id = activated.json()["jobs"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = api.get("/api/v1/jobs?state=locked", &admin).await;
    assert_eq!(r.total(), 1);
    assert_eq!(r.json()[0]["id"], json!(job_id));
    assert_eq!(r.json()[0]["lock_owner"], "w1");
    let r = api
        .post(
            &format!("/api/v1/jobs/{job_id}/fail"),
            &worker,
            json!({"worker": "w1", "error_message": "quota exceeded", "retries": 0}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let r = api.get("/api/v1/jobs?state=failed", &admin).await;
    assert_eq!(r.total(), 1);
    assert_eq!(r.json()[0]["error_message"], "quota exceeded");
    assert_eq!(r.json()[0]["retries"], 0);
    let instance = first["id"].as_str().unwrap();
    let r = api
        .get(&format!("/api/v1/jobs?instance_id={instance}"), &admin)
        .await;
    assert_eq!(r.total(), 1);
    // Workers do not see the list; unknown states are refused.
    assert_eq!(
        api.get("/api/v1/jobs", &worker).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        api.get("/api/v1/jobs?state=sleeping", &admin).await.status,
        StatusCode::BAD_REQUEST
    );
}

#[tokio::test]
async fn a_broadcast_signal_reaches_the_waiting_instance() {
    let api = Api::new().await;
    let admin = api.user("root", &[], &["admin"]).await;
    let xml = r#"<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="t">
  <signal id="sig" name="alarm"/>
  <process id="waiter" isExecutable="true">
    <startEvent id="start"/>
    <sequenceFlow id="f1" sourceRef="start" targetRef="wait"/>
    <intermediateCatchEvent id="wait"><signalEventDefinition signalRef="sig"/></intermediateCatchEvent>
    <sequenceFlow id="f2" sourceRef="wait" targetRef="end"/>
    <endEvent id="end"/>
  </process>
</definitions>"#;
    api.deploy(&admin, xml).await;
    let instance = api.start(&admin, "waiter", json!({})).await;
    let id = instance["id"].as_str().unwrap();
    let r = api
        .post(
            "/api/v1/signals",
            &admin,
            json!({"name": "alarm", "variables": {"level": 3}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(r.json()["triggered"], 1);
    assert_eq!(r.json()["caught"], json!([id]));
    let r = api.get(&format!("/api/v1/instances/{id}"), &admin).await;
    assert_eq!(r.json()["state"], "completed", "{}", r.text());
    assert_eq!(r.json()["variables"]["level"], 3);
}
