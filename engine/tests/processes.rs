//! Every BPMN file in processes/ deploys and runs, driven through the `Engine` façade with
//! in-test workers, on a real SQLite file.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed setup should panic

use keel_engine::{
    ActivateRequest, DeployFile, Engine, EngineConfig, Principal, StartRequest, TaskFilter,
};
use serde_json::{Map, Value, json};

fn admin() -> Principal {
    Principal {
        user_id: "u-admin".into(),
        name: "root".into(),
        groups: vec![],
        roles: vec!["admin".into()],
    }
}

fn member(group: &str) -> Principal {
    Principal {
        user_id: format!("u-{group}"),
        name: format!("{group}-member"),
        groups: vec![group.into()],
        roles: vec![],
    }
}

fn obj(v: Value) -> Map<String, Value> {
    v.as_object().unwrap().clone()
}

async fn complete_one(engine: &Engine, job_type: &str, vars: Value) -> keel_engine::views::JobView {
    let jobs = engine
        .activate_jobs(ActivateRequest {
            job_type: job_type.into(),
            worker: "w".into(),
            max_jobs: 1,
            lock_ms: 60_000,
            request_timeout_ms: 0,
        })
        .await
        .unwrap();
    assert_eq!(jobs.len(), 1, "expected one {job_type} job");
    engine
        .complete_job(&jobs[0].id, "w", obj(vars), &admin())
        .await
        .unwrap();
    jobs[0].clone()
}

#[tokio::test]
async fn every_shipped_process_parses_without_errors() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../processes");
    let mut count = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some("bpmn") {
            continue;
        }
        let parsed = keel_bpmn::parse(&std::fs::read(&path).unwrap());
        assert!(
            parsed.diagnostics.is_empty(),
            "{}: {:?}",
            path.display(),
            parsed.diagnostics
        );
        assert!(parsed.processes.iter().any(|p| p.is_executable));
        count += 1;
    }
    assert!(count >= 1);
}

#[tokio::test]
async fn vm_request_runs_through_approval_quota_error_and_provisioning() {
    let dir = tempfile::tempdir().unwrap();
    let url = keel_engine::store::scratch::database_url(dir.path())
        .await
        .unwrap();
    let engine = Engine::open(EngineConfig::new(&url)).await.unwrap();
    let xml = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../processes/vm_request.bpmn"
    ))
    .unwrap();
    engine
        .deploy(
            vec![DeployFile {
                name: "vm_request.bpmn".into(),
                content: xml,
            }],
            &admin(),
        )
        .await
        .unwrap();
    let instance = engine
        .start_instance(
            StartRequest {
                definition_key: "vm_request".into(),
                variables: obj(json!({"request": {"cost_center": "CC-42", "justification": "load test", "urgent": true}})),
                business_key: Some("RITM0010001".into()),
                ..Default::default()
            },
            &admin(),
        )
        .await
        .unwrap();
    let policy_job = complete_one(
        &engine,
        "policy-check",
        json!({"policy": {"requires_approval": true, "approver_group": "finance"}}),
    )
    .await;
    assert_eq!(
        policy_job.variables["cost_center"],
        json!("CC-42"),
        "input mapping"
    );
    let tasks = engine
        .list_tasks(
            &TaskFilter {
                limit: 10,
                ..Default::default()
            },
            &member("finance"),
        )
        .await
        .unwrap();
    assert_eq!(tasks.total, 1);
    let task = &tasks.items[0];
    assert_eq!(task.priority, 80);
    assert_eq!(task.form_key.as_deref(), Some("keel:forms/approve-request"));
    assert!(task.due_at.is_some());
    engine
        .complete_task(&task.id, obj(json!({"approved": true})), &member("finance"))
        .await
        .unwrap();
    // The first provisioning attempt hits the quota: the error boundary routes to cloud-ops.
    let jobs = engine
        .activate_jobs(ActivateRequest {
            job_type: "provision-vm".into(),
            worker: "w".into(),
            max_jobs: 1,
            lock_ms: 60_000,
            request_timeout_ms: 0,
        })
        .await
        .unwrap();
    assert_eq!(jobs[0].headers["flavor"], json!("m1.medium"));
    engine
        .throw_job_error(
            &jobs[0].id,
            keel_engine::ThrowErrorRequest {
                worker: "w".into(),
                error_code: "QUOTA_EXCEEDED".into(),
                error_message: "project quota reached".into(),
                variables: Map::new(),
            },
            &admin(),
        )
        .await
        .unwrap();
    let fix = engine
        .list_tasks(
            &TaskFilter {
                limit: 10,
                ..Default::default()
            },
            &member("cloud-ops"),
        )
        .await
        .unwrap();
    assert_eq!(fix.items[0].element_id, "fix_quota");
    engine
        .complete_task(&fix.items[0].id, Map::new(), &member("cloud-ops"))
        .await
        .unwrap();
    complete_one(&engine, "provision-vm", json!({"server": {"id": "srv-1"}})).await;
    complete_one(&engine, "notify-requester", json!({})).await;
    complete_one(&engine, "cmdb-record", json!({})).await;
    let done = engine.instance(&instance.id).await.unwrap();
    assert_eq!(done.state, "completed");
    assert_eq!(done.variables["server"], json!({"id": "srv-1"}));
    let kinds: Vec<String> = engine
        .instance_audit(&instance.id)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.kind)
        .collect();
    assert_eq!(
        kinds,
        [
            "instance_started",
            "job_completed",
            "task_completed",
            "error_thrown",
            "task_completed",
            "job_completed",
            "job_completed",
            "job_completed"
        ]
    );
    assert!(engine.verify_audit().await.unwrap().is_ok());
}
