//! End-to-end paths through HTTP: deploy, start, work the user task as a group member, run the
//! job as a worker, read the audit trail; task reassignment by operators.

use axum::http::{Method, StatusCode};
use serde_json::json;

use crate::support::{APPROVAL, Api};

#[tokio::test]
async fn approval_then_provision_end_to_end() {
    let api = Api::new().await;
    let deployer = api.user("dep", &[], &["deployer"]).await;
    let requester = api.user("rita", &[], &[]).await;
    let approver = api.user("alice", &["approvers"], &[]).await;
    let outsider = api.user("bob", &["finance"], &[]).await;
    let worker = api.user("provisioner", &[], &["worker"]).await;
    let auditor = api.user("aud", &[], &["auditor"]).await;

    let deployment = api.deploy(&deployer, APPROVAL).await;
    let def = &deployment["definitions"][0];
    assert_eq!(
        (
            def["id"].as_str(),
            def["key"].as_str(),
            def["version"].as_i64()
        ),
        (Some("approval:1"), Some("approval"), Some(1))
    );
    assert_eq!(def["name"], "Approval");
    // Same content again: no new version.
    let again = api.deploy(&deployer, APPROVAL).await;
    assert_eq!(again["definitions"][0]["version"], 1);
    let r = api
        .get("/api/v1/definitions/approval/xml", &requester)
        .await;
    assert_eq!(r.headers["content-type"], "application/xml");
    assert_eq!(r.body.as_ref(), APPROVAL.as_bytes());

    let body = r#"{"variables": {"amount": 12.50, "big": 12345678901234567890.123, "item": "laptop"}, "business_key": "REQ-1"}"#;
    let r = api
        .raw(
            Method::POST,
            "/api/v1/definitions/approval/instances",
            Some(&requester),
            Some("application/json"),
            body,
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let instance = r.json();
    let id = instance["id"].as_str().unwrap().to_owned();
    assert_eq!(instance["state"], "active");
    assert_eq!(instance["business_key"], "REQ-1");
    assert_eq!(instance["variables"]["amount"].to_string(), "12.50");
    assert_eq!(
        instance["variables"]["big"].to_string(),
        "12345678901234567890.123"
    );
    assert_eq!(
        instance["active_elements"],
        json!([{"element_id": "approve", "element_type": "userTask", "state": "active"}])
    );
    assert!(instance["started_at"].as_str().unwrap().ends_with('Z'));
    assert_eq!(instance["ended_at"], json!(null));

    assert_eq!(api.get("/api/v1/tasks", &outsider).await.total(), 0);
    let r = api.get("/api/v1/tasks", &approver).await;
    assert_eq!(r.total(), 1, "{}", r.text());
    let task = r.json()[0].clone();
    let task_id = task["id"].as_str().unwrap().to_owned();
    assert_eq!(task["candidate_groups"], json!(["approvers"]));
    assert_eq!(
        (task["state"].as_str(), task["assignee"].as_str()),
        (Some("open"), None)
    );
    let r = api
        .get(&format!("/api/v1/tasks/{task_id}"), &approver)
        .await;
    assert_eq!(r.json()["variables"]["item"], "laptop");
    assert_eq!(r.json()["form"], json!(null));
    assert_eq!(
        api.get(&format!("/api/v1/tasks/{task_id}"), &outsider)
            .await
            .status,
        StatusCode::FORBIDDEN
    );

    // Neither a worker nor a non-candidate may complete it.
    let done = format!("/api/v1/tasks/{task_id}/complete");
    let r = api.post(&done, &worker, json!({})).await;
    assert_eq!(
        (r.status, r.code().as_str()),
        (StatusCode::FORBIDDEN, "forbidden")
    );
    assert_eq!(
        api.post(&done, &outsider, json!({})).await.status,
        StatusCode::FORBIDDEN
    );
    // Claim, then someone else's claim conflicts.
    let r = api
        .post(
            &format!("/api/v1/tasks/{task_id}/claim"),
            &approver,
            json!({}),
        )
        .await;
    assert_eq!(
        (r.status, r.json()["assignee"].as_str()),
        (StatusCode::OK, Some("alice"))
    );
    let carol = api.user("carol", &["approvers"], &[]).await;
    let r = api
        .post(&format!("/api/v1/tasks/{task_id}/claim"), &carol, json!({}))
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    let r = api
        .post(&done, &approver, json!({"variables": {"approved": true}}))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    assert_eq!(
        (
            r.json()["state"].as_str(),
            r.json()["completed_by"].as_str()
        ),
        (Some("completed"), Some("alice"))
    );
    assert_eq!(
        api.post(&done, &approver, json!({})).await.status,
        StatusCode::CONFLICT
    );

    // The worker runs the provisioning job; `keel:` types are refused.
    let r = api
        .post(
            "/api/v1/jobs/activate",
            &worker,
            json!({"type": "keel:mail", "worker": "w"}),
        )
        .await;
    assert_eq!(
        (r.status, r.code().as_str()),
        (StatusCode::FORBIDDEN, "reserved_job_type")
    );
    let r = api
        .post(
            "/api/v1/jobs/activate",
            &worker,
            json!({"type": "provision", "worker": "w", "max_jobs": 5, "lock_ms": 60000}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let jobs = r.json()["jobs"].clone();
    assert_eq!(jobs.as_array().unwrap().len(), 1, "{jobs}");
    let job = &jobs[0];
    assert_eq!(
        (
            job["type"].as_str(),
            job["element_id"].as_str(),
            job["instance_id"].as_str()
        ),
        (Some("provision"), Some("provision"), Some(id.as_str()))
    );
    assert_eq!(job["variables"]["approved"], true);
    let job_id = job["id"].as_str().unwrap();
    let r = api
        .post(
            &format!("/api/v1/jobs/{job_id}/complete"),
            &worker,
            json!({"worker": "w", "variables": {"account": "acc-1"}}),
        )
        .await;
    assert_eq!((r.status, r.json()), (StatusCode::OK, json!({})));

    let r = api
        .get(&format!("/api/v1/instances/{id}"), &requester)
        .await;
    let done = r.json();
    assert_eq!(done["state"], "completed", "{done}");
    assert_eq!(done["variables"]["account"], "acc-1");
    assert!(done["ended_at"].is_string());
    assert_eq!(
        api.get("/api/v1/instances?state=completed", &requester)
            .await
            .total(),
        1
    );

    let r = api
        .get(
            &format!("/api/v1/audit?format=jsonl&instance_id={id}"),
            &auditor,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.headers["content-type"], "application/x-ndjson");
    let lines: Vec<serde_json::Value> = r
        .text()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(lines.len() >= 4, "{}", r.text());
    assert!(
        lines
            .iter()
            .all(|l| l["instance_id"] == id.as_str() && l["hash"].is_string())
    );
    let kinds: Vec<&str> = lines.iter().map(|l| l["kind"].as_str().unwrap()).collect();
    assert!(kinds.contains(&"task_claimed"), "{kinds:?}");
    let r = api
        .get(&format!("/api/v1/instances/{id}/audit"), &requester)
        .await;
    assert_eq!(r.total(), i64::try_from(lines.len()).unwrap());
    let r = api.get("/api/v1/audit?format=csv", &auditor).await;
    assert!(
        r.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let csv = r.text();
    assert!(csv.starts_with("seq,at,instance_id,"));
    assert!(
        csv.lines().count() > lines.len(),
        "the full trail also holds user and deployment records"
    );
}

#[tokio::test]
async fn operators_reassign_and_even_admins_cannot_complete_others_tasks() {
    let api = Api::new().await;
    let admin = api.user("root", &["approvers"], &["admin"]).await;
    let operator = api.user("op", &[], &["operator"]).await;
    let alice = api.user("alice", &["approvers"], &[]).await;
    let carol = api.user("carol", &["approvers"], &[]).await;
    api.deploy(&admin, APPROVAL).await;
    api.start(&alice, "approval", json!({})).await;
    let task = api.get("/api/v1/tasks", &operator).await.json()[0].clone();
    let path = format!("/api/v1/tasks/{}", task["id"].as_str().unwrap());
    let r = api
        .post(&format!("{path}/assign"), &operator, json!({}))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let r = api
        .post(&format!("{path}/assign"), &alice, json!({"user": "carol"}))
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = api
        .post(
            &format!("{path}/assign"),
            &operator,
            json!({"user": "carol"}),
        )
        .await;
    assert_eq!(
        (r.status, r.json()["assignee"].as_str()),
        (StatusCode::OK, Some("carol"))
    );
    assert_eq!(
        api.get("/api/v1/tasks?assignee=carol", &carol)
            .await
            .total(),
        1
    );
    assert_eq!(api.get("/api/v1/tasks", &alice).await.total(), 0);
    for token in [&alice, &admin] {
        let r = api
            .post(&format!("{path}/complete"), token, json!({}))
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
    }
    let r = api
        .post(&format!("{path}/unclaim"), &carol, json!({}))
        .await;
    assert_eq!(
        (r.status, r.json()["assignee"].clone()),
        (StatusCode::OK, json!(null))
    );
    // Completing an unassigned task claims it in the same step.
    let r = api
        .post(&format!("{path}/complete"), &alice, json!({}))
        .await;
    assert_eq!(
        (r.status, r.json()["assignee"].as_str()),
        (StatusCode::OK, Some("alice"))
    );
    let r = api.get("/api/v1/tasks?state=completed", &alice).await;
    assert_eq!(r.total(), 1);
}
