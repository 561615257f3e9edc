//! Asynchronous continuations (`camunda:asyncBefore` / `camunda:asyncAfter`) end to end through
//! the `Engine` façade on a real database (SQLite, or PostgreSQL with `KEEL_TEST_DB=postgres`):
//! the instance visibly waits with a continuation job between two transactions, the engine's
//! continuation run moves it on (one `async_continued` audit record each), cancelling or
//! terminating removes the job, a failure in the continued work is an incident that resolving
//! resumes, and neither workers nor models can use the continuation job type.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

mod support;

use std::sync::Arc;

use keel_engine::clock::ManualClock;
use keel_engine::views::{InstanceView, JobSummary};
use keel_engine::{
    ActivateRequest, ContinuationConfig, DeployFile, Engine, EngineConfig, JobFilter, Principal,
    StartRequest, TaskFilter,
};
use serde_json::{Map, Value, json};

const ASYNC: &str = "keel:async";

struct Harness {
    engine: Engine,
    clock: ManualClock,
    _dir: tempfile::TempDir,
}

fn admin() -> Principal {
    Principal {
        user_id: "u-admin".into(),
        name: "root".into(),
        groups: vec![],
        roles: vec!["admin".into()],
    }
}

fn vars(v: Value) -> Map<String, Value> {
    v.as_object().cloned().unwrap_or_default()
}

/// A `definitions` document with one executable process `id` holding `body`.
fn model(id: &str, body: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:zeebe="http://camunda.org/schema/zeebe/1.0"
    xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d" targetNamespace="t">
  <process id="{id}" isExecutable="true">
{body}
  </process>
</definitions>"#
    )
}

fn flow(from: &str, to: &str) -> String {
    format!(r#"<sequenceFlow id="{from}_{to}" sourceRef="{from}" targetRef="{to}"/>"#)
}

fn cond(from: &str, to: &str, condition: &str) -> String {
    format!(
        r#"<sequenceFlow id="{from}_{to}" sourceRef="{from}" targetRef="{to}"><conditionExpression>{condition}</conditionExpression></sequenceFlow>"#
    )
}

/// An external-task service task of topic `id` with extra attributes.
fn service(id: &str, attrs: &str) -> String {
    format!(r#"<serviceTask id="{id}" camunda:type="external" camunda:topic="{id}" {attrs}/>"#)
}

impl Harness {
    async fn new() -> Harness {
        let dir = tempfile::tempdir().unwrap();
        let clock = ManualClock::new("2030-01-01T00:00:00Z".parse().unwrap());
        let url = keel_engine::store::scratch::database_url(dir.path())
            .await
            .unwrap();
        let mut config = EngineConfig::new(&url);
        config.clock = Arc::new(clock.clone());
        let engine = Engine::open(config).await.unwrap();
        Harness {
            engine,
            clock,
            _dir: dir,
        }
    }

    async fn try_deploy(&self, xml: &str) -> keel_engine::Result<()> {
        self.engine
            .deploy(
                vec![DeployFile {
                    name: "m.bpmn".into(),
                    content: xml.as_bytes().to_vec(),
                }],
                &admin(),
            )
            .await
            .map(|_| ())
    }

    async fn deploy(&self, xml: &str) {
        self.try_deploy(xml).await.unwrap();
    }

    async fn start(&self, key: &str, variables: Value) -> InstanceView {
        self.engine
            .start_instance(
                StartRequest {
                    definition_key: key.into(),
                    variables: vars(variables),
                    business_key: Some(format!("bk-{key}")),
                    ..Default::default()
                },
                &admin(),
            )
            .await
            .unwrap()
    }

    async fn instance(&self, id: &str) -> InstanceView {
        self.engine.instance(id).await.unwrap()
    }

    /// Runs the due continuations as node `node`; returns how many it took.
    async fn continue_as(&self, node: &str) -> usize {
        self.engine
            .run_due_continuations(&ContinuationConfig::new(node))
            .await
            .unwrap()
    }

    async fn continue_all(&self) -> usize {
        self.continue_as("node-a").await
    }

    /// The rows of the jobs table of `job_type`.
    async fn job_rows(&self, job_type: &str) -> Vec<JobSummary> {
        self.engine
            .list_jobs(&JobFilter {
                job_type: Some(job_type.into()),
                limit: 100,
                ..Default::default()
            })
            .await
            .unwrap()
            .items
    }

    /// Activates every job of `job_type` for worker `w`.
    async fn activate(&self, job_type: &str) -> Vec<keel_engine::views::JobView> {
        self.engine
            .activate_jobs(ActivateRequest {
                job_type: job_type.into(),
                worker: "w".into(),
                max_jobs: 100,
                lock_ms: 60_000,
                request_timeout_ms: 0,
            })
            .await
            .unwrap()
    }

    /// Activates and completes the one job of `job_type`.
    async fn complete_job(&self, job_type: &str, variables: Value) {
        let jobs = self.activate(job_type).await;
        assert_eq!(jobs.len(), 1, "one job of {job_type}");
        self.engine
            .complete_job(&jobs[0].id, "w", vars(variables), &admin())
            .await
            .unwrap();
    }

    async fn open_incidents(&self, instance: &str) -> Vec<keel_engine::views::IncidentView> {
        self.engine
            .list_incidents(Some(instance), Some("open"), 100, 0)
            .await
            .unwrap()
            .items
    }

    async fn trail(&self, instance: &str) -> Vec<(String, Vec<String>)> {
        support::trail_of(&self.engine, instance).await
    }

    async fn assert_trail(&self, instance: &str, expected: &[(&str, &[&str])]) {
        support::assert_trail_of(&self.engine, instance, expected).await
    }
}

/// `(element_id, state)` of the live elements, sorted.
fn waiting(view: &InstanceView) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = view
        .active_elements
        .iter()
        .map(|e| (e.element_id.clone(), e.state.clone()))
        .collect();
    out.sort();
    out
}

fn pair(id: &str, state: &str) -> (String, String) {
    (id.to_owned(), state.to_owned())
}

#[tokio::test]
async fn async_before_a_service_task_commits_first_then_the_engine_creates_its_job() {
    let h = Harness::new().await;
    let body = [
        r#"<startEvent id="s"/>"#.to_owned(),
        service("charge", r#"camunda:asyncBefore="true""#),
        r#"<endEvent id="e"/>"#.to_owned(),
        flow("s", "charge"),
        flow("charge", "e"),
    ]
    .concat();
    h.deploy(&model("p", &body)).await;
    let started = h.start("p", json!({"amount": 3})).await;
    assert_eq!(started.state, "active");
    assert_eq!(waiting(&started), [pair("charge", "async_before")]);
    // Between the two transactions: a continuation job, no worker job yet.
    let rows = h.job_rows(ASYNC).await;
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].element_id, "charge");
    assert_eq!(rows[0].state, "ready");
    assert!(h.activate("charge").await.is_empty());

    assert_eq!(h.continue_all().await, 1);
    assert!(h.job_rows(ASYNC).await.is_empty());
    let view = h.instance(&started.id).await;
    assert_eq!(waiting(&view), [pair("charge", "active")]);
    assert_eq!(h.continue_all().await, 0);
    h.complete_job("charge", json!({"paid": true})).await;
    let view = h.instance(&started.id).await;
    assert_eq!(view.state, "completed");
    h.assert_trail(
        &started.id,
        &[
            (
                "instance_started",
                &[
                    "p:activated",
                    "s:activated",
                    "s:completed",
                    "s_charge:taken",
                    "charge:activated",
                    "charge:async_before",
                ],
            ),
            ("async_continued", &[]),
            (
                "job_completed",
                &[
                    "charge:completed",
                    "charge_e:taken",
                    "e:activated",
                    "e:completed",
                    "p:completed",
                ],
            ),
        ],
    )
    .await;
    let records = h.engine.instance_audit(&started.id).await.unwrap();
    let continued = &records[1];
    assert_eq!(continued.element_id.as_deref(), Some("charge"));
    assert_eq!(continued.actor.kind, "system");
    assert_eq!(continued.data["node"], json!("node-a"));
}

#[tokio::test]
async fn async_before_a_user_task_creates_the_task_only_when_continued() {
    let h = Harness::new().await;
    let body = [
        r#"<startEvent id="s"/>"#,
        r#"<userTask id="review" camunda:async="true" camunda:assignee="root"/>"#,
        r#"<endEvent id="e"/>"#,
        &flow("s", "review"),
        &flow("review", "e"),
    ]
    .concat();
    h.deploy(&model("p", &body)).await;
    let started = h.start("p", json!({})).await;
    assert_eq!(waiting(&started), [pair("review", "async_before")]);
    let filter = TaskFilter {
        instance_id: Some(started.id.clone()),
        limit: 10,
        ..Default::default()
    };
    assert!(
        h.engine
            .list_tasks(&filter, &admin())
            .await
            .unwrap()
            .items
            .is_empty()
    );
    assert_eq!(h.continue_all().await, 1);
    let tasks = h.engine.list_tasks(&filter, &admin()).await.unwrap().items;
    assert_eq!(tasks.len(), 1);
    h.engine
        .complete_task(&tasks[0].id, Map::new(), &admin())
        .await
        .unwrap();
    assert_eq!(h.instance(&started.id).await.state, "completed");
}

#[tokio::test]
async fn a_failing_gateway_after_its_continuation_raises_an_incident_and_resolving_resumes() {
    let h = Harness::new().await;
    let body = [
        r#"<startEvent id="s"/>"#.to_owned(),
        r#"<exclusiveGateway id="gw" camunda:asyncBefore="true" default="gw_low"/>"#.to_owned(),
        r#"<endEvent id="high"/><endEvent id="low"/>"#.to_owned(),
        flow("s", "gw"),
        cond("gw", "high", "${amount &gt; 100}"),
        r#"<sequenceFlow id="gw_low" sourceRef="gw" targetRef="low"/>"#.to_owned(),
    ]
    .concat();
    h.deploy(&model("p", &body)).await;
    // `amount` is missing: the condition fails, but only once the continuation runs.
    let started = h.start("p", json!({})).await;
    assert_eq!(waiting(&started), [pair("gw", "async_before")]);
    assert!(h.open_incidents(&started.id).await.is_empty());
    assert_eq!(h.continue_all().await, 1);
    let incidents = h.open_incidents(&started.id).await;
    assert_eq!(incidents.len(), 1, "{incidents:?}");
    assert_eq!(incidents[0].element_id, "gw");
    assert_eq!(incidents[0].kind, "expression_error");
    // The continuation is spent: no second job, nothing to run.
    assert!(h.job_rows(ASYNC).await.is_empty());
    assert_eq!(h.continue_all().await, 0);
    h.engine
        .resolve_incident(
            &incidents[0].id,
            None,
            vars(json!({"amount": 150})),
            &admin(),
        )
        .await
        .unwrap();
    let view = h.instance(&started.id).await;
    assert_eq!(view.state, "completed");
    let trail = h.trail(&started.id).await;
    let kinds: Vec<&str> = trail.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        kinds,
        [
            "instance_started",
            "async_continued",
            "variables_set",
            "incident_resolved"
        ]
    );
    assert!(trail[3].1.contains(&"high:completed".to_owned()));
}

#[tokio::test]
async fn async_before_an_end_event_keeps_the_instance_active_until_continued() {
    let h = Harness::new().await;
    let body = [
        r#"<startEvent id="s"/>"#,
        r#"<endEvent id="e" camunda:asyncBefore="true"/>"#,
        &flow("s", "e"),
    ]
    .concat();
    h.deploy(&model("p", &body)).await;
    let started = h.start("p", json!({})).await;
    assert_eq!(started.state, "active");
    assert_eq!(waiting(&started), [pair("e", "async_before")]);
    assert_eq!(h.continue_all().await, 1);
    let view = h.instance(&started.id).await;
    assert_eq!(view.state, "completed");
    h.assert_trail(
        &started.id,
        &[
            (
                "instance_started",
                &[
                    "p:activated",
                    "s:activated",
                    "s:completed",
                    "s_e:taken",
                    "e:activated",
                    "e:async_before",
                ],
            ),
            ("async_continued", &["e:completed", "p:completed"]),
        ],
    )
    .await;
}

#[tokio::test]
async fn async_after_a_service_task_takes_its_flows_in_a_continuation() {
    let h = Harness::new().await;
    // A boundary timer on the task: it must not fire once the task completed.
    let body = [
        r#"<startEvent id="s"/>"#.to_owned(),
        service("charge", r#"camunda:asyncAfter="true""#),
        r#"<boundaryEvent id="late" attachedToRef="charge"><timerEventDefinition><timeDuration>PT1H</timeDuration></timerEventDefinition></boundaryEvent>"#.to_owned(),
        service("ship", ""),
        r#"<endEvent id="e"/><endEvent id="timeout"/>"#.to_owned(),
        flow("s", "charge"),
        flow("charge", "ship"),
        flow("ship", "e"),
        flow("late", "timeout"),
    ]
    .concat();
    h.deploy(&model("p", &body)).await;
    let started = h.start("p", json!({})).await;
    h.complete_job("charge", json!({"paid": true})).await;
    let view = h.instance(&started.id).await;
    assert_eq!(waiting(&view), [pair("charge", "async_after")]);
    assert_eq!(view.variables["paid"], json!(true));
    // The task's job is gone, its continuation is there, the boundary timer is cancelled.
    assert!(h.job_rows("charge").await.is_empty());
    assert_eq!(h.job_rows(ASYNC).await.len(), 1);
    h.clock.advance_ms(2 * 3_600_000);
    assert_eq!(h.engine.fire_due_timers(10).await.unwrap(), 0);
    assert_eq!(h.continue_all().await, 1);
    let view = h.instance(&started.id).await;
    assert_eq!(waiting(&view), [pair("ship", "active")]);
    h.complete_job("ship", json!({})).await;
    h.assert_trail(
        &started.id,
        &[
            (
                "instance_started",
                &[
                    "p:activated",
                    "s:activated",
                    "s:completed",
                    "s_charge:taken",
                    "charge:activated",
                ],
            ),
            ("job_completed", &["charge:async_after"]),
            (
                "async_continued",
                &["charge:completed", "charge_ship:taken", "ship:activated"],
            ),
            (
                "job_completed",
                &[
                    "ship:completed",
                    "ship_e:taken",
                    "e:activated",
                    "e:completed",
                    "p:completed",
                ],
            ),
        ],
    )
    .await;
}

#[tokio::test]
async fn before_and_after_on_one_task_are_two_continuations() {
    let h = Harness::new().await;
    let body = [
        r#"<startEvent id="s"/>"#,
        r#"<task id="t" camunda:asyncBefore="true" camunda:asyncAfter="true"/>"#,
        r#"<endEvent id="e"/>"#,
        &flow("s", "t"),
        &flow("t", "e"),
    ]
    .concat();
    h.deploy(&model("p", &body)).await;
    let started = h.start("p", json!({})).await;
    assert_eq!(waiting(&started), [pair("t", "async_before")]);
    assert_eq!(h.continue_all().await, 1);
    let view = h.instance(&started.id).await;
    assert_eq!(waiting(&view), [pair("t", "async_after")]);
    assert_eq!(h.continue_all().await, 1);
    assert_eq!(h.instance(&started.id).await.state, "completed");
    h.assert_trail(
        &started.id,
        &[
            (
                "instance_started",
                &[
                    "p:activated",
                    "s:activated",
                    "s:completed",
                    "s_t:taken",
                    "t:activated",
                    "t:async_before",
                ],
            ),
            ("async_continued", &["t:async_after"]),
            (
                "async_continued",
                &[
                    "t:completed",
                    "t_e:taken",
                    "e:activated",
                    "e:completed",
                    "p:completed",
                ],
            ),
        ],
    )
    .await;
}

#[tokio::test]
async fn cancelling_a_waiting_instance_removes_its_continuation() {
    let h = Harness::new().await;
    let body = [
        r#"<startEvent id="s"/>"#.to_owned(),
        service("charge", r#"camunda:asyncBefore="true""#),
        flow("s", "charge"),
    ]
    .concat();
    h.deploy(&model("p", &body)).await;
    let started = h.start("p", json!({})).await;
    assert_eq!(h.job_rows(ASYNC).await.len(), 1);
    h.engine
        .cancel_instance(&started.id, Some("no longer needed".into()), &admin())
        .await
        .unwrap();
    assert!(h.job_rows(ASYNC).await.is_empty());
    assert_eq!(h.continue_all().await, 0);
    assert_eq!(h.instance(&started.id).await.state, "cancelled");
}

#[tokio::test]
async fn a_terminate_end_event_in_the_same_step_drops_the_new_continuation() {
    let h = Harness::new().await;
    let body = [
        r#"<startEvent id="s"/><parallelGateway id="fork"/>"#,
        r#"<task id="later" camunda:asyncBefore="true"/>"#,
        r#"<endEvent id="stop"><terminateEventDefinition/></endEvent><endEvent id="e"/>"#,
        &flow("s", "fork"),
        &flow("fork", "later"),
        &flow("fork", "stop"),
        &flow("later", "e"),
    ]
    .concat();
    h.deploy(&model("p", &body)).await;
    let started = h.start("p", json!({})).await;
    assert_eq!(started.state, "terminated");
    assert!(h.job_rows(ASYNC).await.is_empty());
    assert_eq!(h.continue_all().await, 0);
}

#[tokio::test]
async fn an_interrupting_boundary_event_removes_the_continuation_after_the_task() {
    let h = Harness::new().await;
    // A sub-process whose inner task waits after completing; a message on the sub-process
    // interrupts it before the continuation runs.
    let body = [
        r#"<startEvent id="s"/>"#,
        r#"<subProcess id="sub"><startEvent id="ss"/><task id="inner" camunda:asyncAfter="true"/><endEvent id="se"/>"#,
        &flow("ss", "inner"),
        &flow("inner", "se"),
        r#"</subProcess>"#,
        r#"<boundaryEvent id="stop" attachedToRef="sub"><timerEventDefinition><timeDuration>PT1M</timeDuration></timerEventDefinition></boundaryEvent>"#,
        r#"<endEvent id="e"/><endEvent id="stopped"/>"#,
        &flow("s", "sub"),
        &flow("sub", "e"),
        &flow("stop", "stopped"),
    ]
    .concat();
    h.deploy(&model("p", &body)).await;
    let started = h.start("p", json!({})).await;
    assert_eq!(
        waiting(&started),
        [pair("inner", "async_after"), pair("sub", "active")]
    );
    assert_eq!(h.job_rows(ASYNC).await.len(), 1);
    h.clock.advance_ms(61_000);
    assert_eq!(h.engine.fire_due_timers(10).await.unwrap(), 1);
    assert!(h.job_rows(ASYNC).await.is_empty());
    let view = h.instance(&started.id).await;
    assert_eq!(view.state, "completed");
    let trail = h.trail(&started.id).await;
    assert!(trail[1].1.contains(&"inner:terminated".to_owned()));
    assert!(trail[1].1.contains(&"stopped:completed".to_owned()));
}

#[tokio::test]
async fn inner_instances_of_a_multi_instance_task_continue_each() {
    let h = Harness::new().await;
    let body = [
        r#"<startEvent id="s"/>"#,
        r#"<task id="each"><multiInstanceLoopCharacteristics camunda:collection="${items}" camunda:elementVariable="item" camunda:asyncBefore="true"/></task>"#,
        r#"<endEvent id="e"/>"#,
        &flow("s", "each"),
        &flow("each", "e"),
    ]
    .concat();
    h.deploy(&model("p", &body)).await;
    let started = h.start("p", json!({"items": [1, 2, 3]})).await;
    assert_eq!(
        waiting(&started),
        [
            pair("each", "active"),
            pair("each", "async_before"),
            pair("each", "async_before"),
            pair("each", "async_before"),
        ]
    );
    assert_eq!(h.job_rows(ASYNC).await.len(), 3);
    assert_eq!(h.continue_all().await, 3);
    let view = h.instance(&started.id).await;
    assert_eq!(view.state, "completed");
    let kinds: Vec<String> = h
        .trail(&started.id)
        .await
        .into_iter()
        .map(|(k, _)| k)
        .collect();
    assert_eq!(
        kinds,
        [
            "instance_started",
            "async_continued",
            "async_continued",
            "async_continued"
        ]
    );
}

#[tokio::test]
async fn async_before_on_a_multi_instance_activity_waits_before_its_body() {
    let h = Harness::new().await;
    let body = [
        r#"<startEvent id="s"/>"#,
        r#"<task id="each" camunda:asyncBefore="true"><multiInstanceLoopCharacteristics isSequential="true" camunda:collection="${items}" camunda:elementVariable="item"/></task>"#,
        r#"<endEvent id="e"/>"#,
        &flow("s", "each"),
        &flow("each", "e"),
    ]
    .concat();
    h.deploy(&model("p", &body)).await;
    let started = h.start("p", json!({"items": ["a", "b"]})).await;
    assert_eq!(waiting(&started), [pair("each", "async_before")]);
    assert_eq!(h.continue_all().await, 1);
    h.assert_trail(
        &started.id,
        &[
            (
                "instance_started",
                &[
                    "p:activated",
                    "s:activated",
                    "s:completed",
                    "s_each:taken",
                    "each[body]:activated",
                    "each[body]:async_before",
                ],
            ),
            (
                "async_continued",
                &[
                    "each:activated",
                    "each:completed",
                    "each:activated",
                    "each:completed",
                    "each[body]:completed",
                    "each_e:taken",
                    "e:activated",
                    "e:completed",
                    "p:completed",
                ],
            ),
        ],
    )
    .await;
}

#[tokio::test]
async fn a_continuation_locked_by_a_dead_node_runs_once_its_lock_expired() {
    let h = Harness::new().await;
    let body = [
        r#"<startEvent id="s"/>"#,
        r#"<task id="t" camunda:asyncBefore="true"/>"#,
        r#"<endEvent id="e"/>"#,
        &flow("s", "t"),
        &flow("t", "e"),
    ]
    .concat();
    h.deploy(&model("p", &body)).await;
    let started = h.start("p", json!({})).await;
    // A node takes the continuation and dies before applying it.
    let taken = h
        .engine
        .activate_jobs(ActivateRequest {
            job_type: ASYNC.into(),
            worker: "node-dead".into(),
            max_jobs: 1,
            lock_ms: 10_000,
            request_timeout_ms: 0,
        })
        .await
        .unwrap();
    assert_eq!(taken.len(), 1);
    // Locked: another node finds nothing to do until the lock expires.
    assert_eq!(h.continue_as("node-b").await, 0);
    assert_eq!(h.instance(&started.id).await.state, "active");
    h.clock.advance_ms(10_001);
    assert_eq!(h.continue_as("node-b").await, 1);
    assert_eq!(h.instance(&started.id).await.state, "completed");
    // The dead node's lock is void: its job is gone, nothing runs twice.
    assert_eq!(h.continue_as("node-dead").await, 0);
    let continued = h
        .trail(&started.id)
        .await
        .iter()
        .filter(|(k, _)| k == "async_continued")
        .count();
    assert_eq!(continued, 1);
}

#[tokio::test]
async fn workers_cannot_complete_or_fail_a_continuation_and_models_cannot_use_its_type() {
    let h = Harness::new().await;
    let body = [
        r#"<startEvent id="s"/>"#,
        r#"<task id="t" camunda:asyncBefore="true"/>"#,
        &flow("s", "t"),
    ]
    .concat();
    h.deploy(&model("p", &body)).await;
    let started = h.start("p", json!({})).await;
    // The HTTP API refuses every `keel:` type on activation; even a job taken behind its back
    // cannot be completed, failed or errored by a worker.
    let jobs = h.activate(ASYNC).await;
    assert_eq!(jobs.len(), 1);
    let complete = h
        .engine
        .complete_job(&jobs[0].id, "w", Map::new(), &admin())
        .await;
    assert!(
        matches!(complete, Err(keel_engine::Error::Forbidden(_))),
        "{complete:?}"
    );
    let fail = h
        .engine
        .fail_job(
            &jobs[0].id,
            keel_engine::FailRequest {
                worker: "w".into(),
                error_message: "no".into(),
                retries: Some(0),
                retry_backoff_ms: 0,
            },
            &admin(),
        )
        .await;
    assert!(
        matches!(fail, Err(keel_engine::Error::Forbidden(_))),
        "{fail:?}"
    );
    assert_eq!(
        waiting(&h.instance(&started.id).await),
        [pair("t", "async_before")]
    );
    // A service task may not name the continuation type.
    let refused = h
        .try_deploy(&model(
            "q",
            &[
                r#"<startEvent id="s"/>"#.to_owned(),
                r#"<serviceTask id="x" camunda:type="external" camunda:topic="keel:async"/>"#
                    .to_owned(),
                flow("s", "x"),
            ]
            .concat(),
        ))
        .await;
    assert!(
        matches!(refused, Err(keel_engine::Error::InvalidBpmn(_))),
        "{refused:?}"
    );
}
