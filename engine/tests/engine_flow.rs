//! End-to-end through the `Engine` façade on a real database (SQLite, or PostgreSQL with
//! `KEEL_TEST_DB=postgres`): start, jobs, user tasks,
//! gateways, incidents, audit chain.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a failed setup should panic

use keel_engine::{ActivateRequest, DeployFile, Engine, EngineConfig, Principal, StartRequest};
use serde_json::{Map, json};

const APPROVAL: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d" targetNamespace="t">
  <bpmn:process id="approval" isExecutable="true">
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="validate"/>
    <bpmn:serviceTask id="validate">
      <bpmn:extensionElements><zeebe:taskDefinition type="validate"/></bpmn:extensionElements>
    </bpmn:serviceTask>
    <bpmn:sequenceFlow id="f2" sourceRef="validate" targetRef="big"/>
    <bpmn:exclusiveGateway id="big" default="small"/>
    <bpmn:sequenceFlow id="large" sourceRef="big" targetRef="approve">
      <bpmn:conditionExpression>=amount &gt; 1000</bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="small" sourceRef="big" targetRef="end"/>
    <bpmn:userTask id="approve" name="Approve">
      <bpmn:extensionElements><zeebe:assignmentDefinition candidateGroups="approvers"/></bpmn:extensionElements>
    </bpmn:userTask>
    <bpmn:sequenceFlow id="f3" sourceRef="approve" targetRef="end"/>
    <bpmn:endEvent id="end"/>
  </bpmn:process>
</bpmn:definitions>"#;

fn admin() -> Principal {
    Principal {
        user_id: "u-admin".into(),
        name: "root".into(),
        groups: vec![],
        roles: vec!["admin".into()],
    }
}

fn approver() -> Principal {
    Principal {
        user_id: "u-alice".into(),
        name: "alice".into(),
        groups: vec!["approvers".into()],
        roles: vec![],
    }
}

async fn engine() -> (Engine, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let url = keel_engine::store::scratch::database_url(dir.path())
        .await
        .unwrap();
    (Engine::open(EngineConfig::new(&url)).await.unwrap(), dir)
}

fn vars(v: serde_json::Value) -> Map<String, serde_json::Value> {
    v.as_object().unwrap().clone()
}

#[tokio::test]
async fn approval_runs_to_completion_and_audit_verifies() {
    let (engine, _dir) = engine().await;
    let d = engine
        .deploy(
            vec![DeployFile {
                name: "a.bpmn".into(),
                content: APPROVAL.as_bytes().to_vec(),
            }],
            &admin(),
        )
        .await
        .unwrap();
    assert_eq!(d.definitions[0].key, "approval");
    let inst = engine
        .start_instance(
            StartRequest {
                definition_key: "approval".into(),
                variables: vars(json!({"amount": 5000})),
                ..Default::default()
            },
            &admin(),
        )
        .await
        .unwrap();
    assert_eq!(inst.state, "active");
    assert_eq!(inst.active_elements[0].element_id, "validate");
    let jobs = engine
        .activate_jobs(ActivateRequest {
            job_type: "validate".into(),
            worker: "w1".into(),
            max_jobs: 10,
            lock_ms: 60_000,
            request_timeout_ms: 0,
        })
        .await
        .unwrap();
    assert_eq!(jobs.len(), 1);
    assert_eq!(jobs[0].variables["amount"], json!(5000));
    engine
        .complete_job(&jobs[0].id, "w1", vars(json!({"valid": true})), &admin())
        .await
        .unwrap();
    // completing twice is a conflict (fenced)
    assert!(
        engine
            .complete_job(&jobs[0].id, "w1", Map::new(), &admin())
            .await
            .is_err()
    );
    let tasks = engine
        .list_tasks(
            &keel_engine::TaskFilter {
                limit: 100,
                ..Default::default()
            },
            &approver(),
        )
        .await
        .unwrap();
    assert_eq!(tasks.total, 1);
    let task = &tasks.items[0];
    assert_eq!(task.candidate_groups, vec!["approvers".to_string()]);
    let done = engine
        .complete_task(&task.id, vars(json!({"approved": true})), &approver())
        .await
        .unwrap();
    assert_eq!(done.state, "completed");
    assert_eq!(done.completed_by.as_deref(), Some("alice"));
    let inst = engine.instance(&inst.id).await.unwrap();
    assert_eq!(inst.state, "completed");
    assert_eq!(inst.variables["approved"], json!(true));
    assert_eq!(inst.variables["valid"], json!(true));
    let audit = engine.instance_audit(&inst.id).await.unwrap();
    let kinds: Vec<&str> = audit.iter().map(|r| r.kind.as_str()).collect();
    assert_eq!(
        kinds,
        vec!["instance_started", "job_completed", "task_completed"]
    );
    assert_eq!(engine.verify_audit().await.unwrap().unwrap(), 4);
}

#[tokio::test]
async fn null_condition_raises_incident_and_resolving_with_variables_continues() {
    let (engine, _dir) = engine().await;
    engine
        .deploy(
            vec![DeployFile {
                name: "a.bpmn".into(),
                content: APPROVAL.as_bytes().to_vec(),
            }],
            &admin(),
        )
        .await
        .unwrap();
    let inst = engine
        .start_instance(
            StartRequest {
                definition_key: "approval".into(),
                ..Default::default()
            },
            &admin(),
        )
        .await
        .unwrap();
    let jobs = engine
        .activate_jobs(ActivateRequest {
            job_type: "validate".into(),
            worker: "w1".into(),
            max_jobs: 1,
            lock_ms: 60_000,
            request_timeout_ms: 0,
        })
        .await
        .unwrap();
    engine
        .complete_job(&jobs[0].id, "w1", Map::new(), &admin())
        .await
        .unwrap();
    let view = engine.instance(&inst.id).await.unwrap();
    assert_eq!(view.state, "active");
    assert_eq!(view.incidents, 1);
    let incidents = engine
        .list_incidents(Some(&inst.id), Some("open"), 100, 0)
        .await
        .unwrap();
    assert_eq!(incidents.items[0].kind, "expression_error");
    assert_eq!(incidents.items[0].element_id, "big");
    engine
        .resolve_incident(
            &incidents.items[0].id,
            None,
            vars(json!({"amount": 10})),
            &admin(),
        )
        .await
        .unwrap();
    let view = engine.instance(&inst.id).await.unwrap();
    assert_eq!(view.state, "completed");
    assert_eq!(view.incidents, 0);
    let open = engine
        .list_incidents(Some(&inst.id), Some("open"), 100, 0)
        .await
        .unwrap();
    assert_eq!(open.total, 0);
}

const CONDITIONAL: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="t">
  <process id="conditional" isExecutable="true">
    <startEvent id="start"/>
    <sequenceFlow id="f0" sourceRef="start" targetRef="decide"/>
    <task id="decide" default="to_c"/>
    <sequenceFlow id="to_a" sourceRef="decide" targetRef="a"><conditionExpression>=x &gt; 1</conditionExpression></sequenceFlow>
    <sequenceFlow id="to_b" sourceRef="decide" targetRef="b"><conditionExpression>=x &gt; 2</conditionExpression></sequenceFlow>
    <sequenceFlow id="to_c" sourceRef="decide" targetRef="c"/>
    <userTask id="a"/><userTask id="b"/><userTask id="c"/>
  </process>
</definitions>"#;

#[tokio::test]
async fn conditional_flows_out_of_a_task_take_every_true_condition_else_the_default() {
    let (engine, _dir) = engine().await;
    engine
        .deploy(
            vec![DeployFile {
                name: "c.bpmn".into(),
                content: CONDITIONAL.as_bytes().to_vec(),
            }],
            &admin(),
        )
        .await
        .unwrap();
    let active = |x: i64| {
        let engine = engine.clone();
        async move {
            let inst = engine
                .start_instance(
                    StartRequest {
                        definition_key: "conditional".into(),
                        variables: vars(json!({ "x": x })),
                        ..Default::default()
                    },
                    &admin(),
                )
                .await
                .unwrap();
            let mut ids: Vec<String> = inst
                .active_elements
                .into_iter()
                .map(|e| e.element_id)
                .collect();
            ids.sort();
            (ids, inst.incidents)
        }
    };
    assert_eq!(active(3).await, (vec!["a".to_string(), "b".to_string()], 0));
    assert_eq!(active(2).await, (vec!["a".to_string()], 0));
    assert_eq!(active(0).await, (vec!["c".to_string()], 0));
}

const C7_KEYS: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d" targetNamespace="t">
  <bpmn:process id="c7_keys" isExecutable="true">
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="review"/>
    <bpmn:userTask id="review" camunda:assignee="${execution.getProcessBusinessKey()}"
        camunda:candidateGroups="${execution.getProcessInstanceId() == null ? 'none' : 'reviewers'}"/>
  </bpmn:process>
</bpmn:definitions>"#;

#[tokio::test]
async fn camunda7_execution_keys_read_the_business_key_and_instance_id() {
    let (engine, _dir) = engine().await;
    engine
        .deploy(
            vec![DeployFile {
                name: "c7.bpmn".into(),
                content: C7_KEYS.as_bytes().to_vec(),
            }],
            &admin(),
        )
        .await
        .unwrap();
    let inst = engine
        .start_instance(
            StartRequest {
                definition_key: "c7_keys".into(),
                business_key: Some("alice".into()),
                ..Default::default()
            },
            &admin(),
        )
        .await
        .unwrap();
    assert_eq!(inst.incidents, 0);
    // Engine values are readable by expressions but are not variables.
    assert!(!inst.variables.contains_key("__business_key"));
    let tasks = engine
        .list_tasks(
            &keel_engine::TaskFilter {
                limit: 10,
                ..Default::default()
            },
            &admin(),
        )
        .await
        .unwrap();
    assert_eq!(tasks.items[0].assignee.as_deref(), Some("alice"));
    assert_eq!(
        tasks.items[0].candidate_groups,
        vec!["reviewers".to_string()]
    );
}
