//! Incidents: a job failing without retries, fixing variables and resolving; resolving an
//! expression incident after fixing the data.

use keel_tests::audit::{assert_gapless, kinds};
use keel_tests::bpmn::service_chain;
use keel_tests::{Server, json};

#[tokio::test]
async fn job_failed_without_retries_then_resolved() {
    let server = Server::start().await;
    let api = server.admin();
    api.deploy(&service_chain("fragile", &["io"])).await;
    let instance = api.start("fragile", json!({"path": "/bad"})).await;
    let id = instance["id"].as_str().unwrap();

    // A failure with retries left re-offers the job.
    let job = api.one_job("io", "w").await;
    let job_id = job["id"].as_str().unwrap().to_owned();
    api.post(
        &format!("/api/v1/jobs/{job_id}/fail"),
        json!({"worker": "w", "error_message": "transient", "retries": 1}),
    )
    .await
    .expect(200, "fail with retries");
    let again = api.one_job("io", "w").await;
    assert_eq!(again["id"], job_id.as_str());
    assert_eq!(again["retries"], 1, "{again}");
    assert_eq!(api.instance(id).await["incidents"], 0);

    api.post(
        &format!("/api/v1/jobs/{job_id}/fail"),
        json!({"worker": "w", "error_message": "disk full on /bad", "retries": 0}),
    )
    .await
    .expect(200, "fail without retries");
    let incident = api.open_incident(id).await;
    assert_eq!(incident["kind"], "job_failed", "{incident}");
    assert_eq!(incident["element_id"], "io", "{incident}");
    assert!(
        incident["message"]
            .as_str()
            .unwrap_or("")
            .contains("disk full on /bad"),
        "the incident carries the worker's message: {incident}"
    );
    assert!(
        api.activate("io", "w", 5).await.is_empty(),
        "no job while the incident is open"
    );

    api.put(
        &format!("/api/v1/instances/{id}/variables"),
        json!({"variables": {"path": "/good"}}),
    )
    .await
    .expect(200, "set variables");
    api.post(
        &format!(
            "/api/v1/incidents/{}/resolve",
            incident["id"].as_str().unwrap()
        ),
        json!({"retries": 2}),
    )
    .await
    .expect(200, "resolve");
    let retried = api.one_job("io", "w").await;
    assert_eq!(retried["variables"]["path"], "/good", "{retried}");
    assert_eq!(retried["retries"], 2, "{retried}");
    api.complete_job(retried["id"].as_str().unwrap(), "w", json!({}))
        .await;
    let done = api.wait_state(id, "completed").await;
    assert_eq!(done["incidents"], 0, "{done}");
    let resolved = &api.incidents(id).await[0];
    assert_eq!(resolved["state"], "resolved", "{resolved}");

    let trail = api.audit(id).await;
    assert_gapless(&trail);
    assert_eq!(
        kinds(&trail),
        [
            "instance_started",
            "job_failed",
            "job_failed",
            "variables_set",
            "incident_resolved",
            "job_completed"
        ],
        "{}",
        keel_tests::audit::render(&trail)
    );
}

#[tokio::test]
async fn expression_incident_resolved_after_fixing_variables() {
    let server = Server::start().await;
    let api = server.admin();
    api.deploy(&super::gateways::routing_model()).await;
    let instance = api.start("routing", json!({"amount": "lots"})).await;
    let id = instance["id"].as_str().unwrap();
    let incident = api.open_incident(id).await;
    assert_eq!(incident["kind"], "expression_error", "{incident}");
    let incident_id = incident["id"].as_str().unwrap();

    // Resolving without fixing the data raises the incident again (never the default flow).
    let retry = api
        .post(
            &format!("/api/v1/incidents/{incident_id}/resolve"),
            json!({}),
        )
        .await;
    assert!(retry.status == 200 || retry.status == 409, "{retry:?}");
    let again = api.open_incident(id).await;
    assert_eq!(again["kind"], "expression_error", "{again}");
    assert_eq!(api.instance(id).await["state"], "active");

    api.put(
        &format!("/api/v1/instances/{id}/variables"),
        json!({"variables": {"amount": 5000}}),
    )
    .await
    .expect(200, "set variables");
    api.post(
        &format!(
            "/api/v1/incidents/{}/resolve",
            again["id"].as_str().unwrap()
        ),
        json!({}),
    )
    .await
    .expect(200, "resolve");
    api.wait_state(id, "completed").await;
    let trail = api.audit(id).await;
    assert_gapless(&trail);
    let last = trail.last().unwrap();
    assert_eq!(last["kind"], "incident_resolved", "{last}");
    let ts = keel_tests::audit::transitions_of(last);
    assert_eq!(
        ts,
        [
            "gw:completed",
            "f_gw_big:taken",
            "big:activated",
            "big:completed",
            "routing:completed"
        ]
    );
}

/// A failure with retries left writes a `job_failed` record; the instance chain must stay
/// gapless and verifiable through the next record.
#[tokio::test]
async fn job_failure_with_retries_keeps_the_instance_chain_intact() {
    let server = Server::start().await;
    let api = server.admin();
    api.deploy(&service_chain("retrying", &["flaky"])).await;
    let instance = api.start("retrying", json!({})).await;
    let id = instance["id"].as_str().unwrap();
    let job = api.one_job("flaky", "w").await;
    api.post(
        &format!("/api/v1/jobs/{}/fail", job["id"].as_str().unwrap()),
        json!({"worker": "w", "error_message": "try again", "retries": 2}),
    )
    .await
    .expect(200, "fail");
    let job = api.one_job("flaky", "w").await;
    api.complete_job(job["id"].as_str().unwrap(), "w", json!({}))
        .await;
    api.wait_state(id, "completed").await;
    let trail = api.audit(id).await;
    assert_eq!(
        kinds(&trail),
        ["instance_started", "job_failed", "job_completed"]
    );
    let db = server.db.clone();
    let verify =
        tokio::task::spawn_blocking(move || keel_tests::keel(["audit", "verify", "--db", &db]))
            .await
            .unwrap();
    assert_eq!(verify.code, Some(0), "the stored trail verifies:\n{verify}");
    assert_gapless(&trail);
}
