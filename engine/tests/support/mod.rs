//! The harness the engine's element tests share: an `Engine` on a fresh SQLite file (or
//! PostgreSQL with `KEEL_TEST_DB=postgres`) with a manual clock, model builders, and steps that
//! drive instances and read their audit trail back as element transitions.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    dead_code,
    unused_imports
)] // test code

pub use std::sync::Arc;

pub use keel_engine::clock::ManualClock;
pub use keel_engine::views::InstanceView;
pub use keel_engine::{
    ActivateRequest, CorrelateRequest, DeployFile, Engine, EngineConfig, Principal, StartRequest,
    TaskFilter,
};
pub use serde_json::{Map, Value, json};

// ----- harness --------------------------------------------------------------------------------

pub struct Harness {
    pub engine: Engine,
    pub clock: ManualClock,
    /// The database the engine runs on (a restart opens another engine on it).
    pub url: String,
    _dir: tempfile::TempDir,
}

pub fn admin() -> Principal {
    Principal {
        user_id: "u-admin".into(),
        name: "root".into(),
        groups: vec![],
        roles: vec!["admin".into()],
    }
}

pub fn vars(v: Value) -> Map<String, Value> {
    v.as_object().cloned().unwrap_or_default()
}

/// A `definitions` document with one executable process `id` holding `body` (BPMN is the default
/// namespace; `zeebe:` and `camunda:` are declared).
pub fn model(id: &str, body: &str) -> String {
    model_with(id, "", body)
}

/// Like [`model`], with root elements (messages, escalations...) before the process.
pub fn model_with(id: &str, roots: &str, body: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:zeebe="http://camunda.org/schema/zeebe/1.0"
    xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d" targetNamespace="t">
  {roots}
  <process id="{id}" isExecutable="true">
{body}
  </process>
</definitions>"#
    )
}

/// `<sequenceFlow id="{from}_{to}">` between two nodes.
pub fn flow(from: &str, to: &str) -> String {
    format!(r#"<sequenceFlow id="{from}_{to}" sourceRef="{from}" targetRef="{to}"/>"#)
}

/// A conditional sequence flow `{from}_{to}`.
pub fn cond(from: &str, to: &str, condition: &str) -> String {
    format!(
        r#"<sequenceFlow id="{from}_{to}" sourceRef="{from}" targetRef="{to}"><conditionExpression>{condition}</conditionExpression></sequenceFlow>"#
    )
}

/// A user task for the `staff` group.
pub fn user_task(id: &str) -> String {
    format!(
        r#"<userTask id="{id}"><extensionElements><zeebe:assignmentDefinition candidateGroups="staff"/></extensionElements></userTask>"#
    )
}

/// Who may work on `task`: its assignee, else a member of `staff`.
pub fn worker(task: &keel_engine::views::TaskView) -> Principal {
    Principal {
        user_id: "u-worker".into(),
        name: task.assignee.clone().unwrap_or_else(|| "staffer".into()),
        groups: vec!["staff".into()],
        roles: vec![],
    }
}

/// A service task with a job of type `id`.
pub fn service(id: &str) -> String {
    format!(
        r#"<serviceTask id="{id}"><extensionElements><zeebe:taskDefinition type="{id}"/></extensionElements></serviceTask>"#
    )
}

impl Harness {
    pub async fn new() -> Harness {
        let dir = tempfile::tempdir().unwrap();
        let clock = ManualClock::new("2030-01-01T00:00:00Z".parse().unwrap());
        let url = keel_engine::store::scratch::database_url(dir.path())
            .await
            .unwrap();
        let engine = Self::open(&url, &clock).await;
        Harness {
            engine,
            clock,
            url,
            _dir: dir,
        }
    }

    /// An engine on the database at `url` with `clock`.
    pub async fn open(url: &str, clock: &ManualClock) -> Engine {
        let mut config = EngineConfig::new(url);
        config.clock = Arc::new(clock.clone());
        Engine::open(config).await.unwrap()
    }

    /// Closes the engine and opens another on the same database with the same clock (a
    /// restart).
    pub async fn restart(self) -> Harness {
        self.engine.close().await;
        let engine = Self::open(&self.url, &self.clock).await;
        Harness { engine, ..self }
    }

    pub async fn deploy(&self, xml: &str) {
        self.try_deploy(xml).await.unwrap();
    }

    pub async fn try_deploy(&self, xml: &str) -> keel_engine::Result<()> {
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

    /// The deploy errors of `xml`, each as the id of the element it names (if any) and its
    /// message; panics unless the deploy is refused as invalid BPMN.
    pub async fn deploy_diagnostics(&self, xml: &str) -> Vec<(Option<String>, String)> {
        match self.try_deploy(xml).await {
            Err(keel_engine::Error::InvalidBpmn(diagnostics)) => diagnostics
                .into_iter()
                .filter(|(_, d)| d.is_error())
                .map(|(_, d)| (d.element_id, d.message))
                .collect(),
            other => panic!("expected invalid_bpmn, got {other:?}"),
        }
    }

    /// The deploy error messages of `xml` ([`Harness::deploy_diagnostics`] without the ids).
    pub async fn deploy_errors(&self, xml: &str) -> Vec<String> {
        self.deploy_diagnostics(xml)
            .await
            .into_iter()
            .map(|(_, message)| message)
            .collect()
    }

    /// Starts `key` with business key `bk-{key}` (what [`Harness::correlate`] publishes to).
    pub async fn start(&self, key: &str, variables: Value) -> InstanceView {
        self.start_keyed(key, &format!("bk-{key}"), variables).await
    }

    /// Starts `key` with business key `business_key` (instances sharing one exchange messages
    /// that correlate by it).
    pub async fn start_keyed(
        &self,
        key: &str,
        business_key: &str,
        variables: Value,
    ) -> InstanceView {
        self.engine
            .start_instance(
                StartRequest {
                    definition_key: key.into(),
                    variables: vars(variables),
                    business_key: Some(business_key.into()),
                    ..Default::default()
                },
                &admin(),
            )
            .await
            .unwrap()
    }

    /// The instances of definition `key`, newest first.
    pub async fn instances_of(&self, key: &str) -> Vec<InstanceView> {
        self.engine
            .list_instances(&keel_engine::InstanceFilter {
                definition_key: Some(key.into()),
                limit: 100,
                ..Default::default()
            })
            .await
            .unwrap()
            .items
    }

    pub async fn instance(&self, id: &str) -> InstanceView {
        self.engine.instance(id).await.unwrap()
    }

    /// The open user tasks of `instance`, oldest first.
    pub async fn open_tasks(&self, instance: &str) -> Vec<keel_engine::views::TaskView> {
        self.engine
            .list_tasks(
                &TaskFilter {
                    instance_id: Some(instance.into()),
                    limit: 100,
                    ..Default::default()
                },
                &admin(),
            )
            .await
            .unwrap()
            .items
    }

    /// Completes the one open user task `element_id` of `instance`.
    pub async fn complete_task(&self, instance: &str, element_id: &str, variables: Value) {
        let tasks = self.open_tasks(instance).await;
        let found: Vec<_> = tasks
            .iter()
            .filter(|t| t.element_id == element_id)
            .collect();
        assert_eq!(found.len(), 1, "expected one open task {element_id}");
        self.engine
            .complete_task(&found[0].id, vars(variables), &worker(found[0]))
            .await
            .unwrap();
    }

    /// Completes the oldest open user task `element_id` of `instance` (one of several).
    pub async fn complete_task_of(&self, instance: &str, element_id: &str) {
        let tasks = self.open_tasks(instance).await;
        let task = tasks
            .iter()
            .find(|t| t.element_id == element_id)
            .expect("an open task");
        self.engine
            .complete_task(&task.id, Map::new(), &worker(task))
            .await
            .unwrap();
    }

    /// Activates every job of `job_type`, in creation order.
    pub async fn jobs(&self, job_type: &str) -> Vec<keel_engine::views::JobView> {
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

    pub async fn complete_job(&self, job: &keel_engine::views::JobView, variables: Value) {
        self.engine
            .complete_job(&job.id, "w", vars(variables), &admin())
            .await
            .unwrap();
    }

    /// Throws BPMN error `code` with `message` and `variables` from `job` (activated by
    /// [`Harness::jobs`]).
    pub async fn throw_job_error(
        &self,
        job: &keel_engine::views::JobView,
        code: &str,
        message: &str,
        variables: Value,
    ) {
        self.engine
            .throw_job_error(
                &job.id,
                keel_engine::ThrowErrorRequest {
                    worker: "w".into(),
                    error_code: code.into(),
                    error_message: message.into(),
                    variables: vars(variables),
                },
                &admin(),
            )
            .await
            .unwrap();
    }

    /// Fails job `job_id`, locked by `worker`, with error message `down`, leaving `retries`
    /// retries after `backoff_ms` (no retries left: an incident).
    pub async fn fail_job(&self, job_id: &str, worker: &str, retries: i64, backoff_ms: i64) {
        self.engine
            .fail_job(
                job_id,
                keel_engine::FailRequest {
                    worker: worker.into(),
                    error_message: "down".into(),
                    retries: Some(retries),
                    retry_backoff_ms: backoff_ms,
                },
                &admin(),
            )
            .await
            .unwrap();
    }

    /// Publishes message `name` to the instance with business key `bk-{key}`.
    pub async fn correlate(
        &self,
        name: &str,
        key: &str,
        variables: Value,
    ) -> keel_engine::Result<()> {
        self.engine
            .correlate_message(
                CorrelateRequest {
                    name: name.into(),
                    business_key: Some(format!("bk-{key}")),
                    variables: vars(variables),
                    ..Default::default()
                },
                &admin(),
            )
            .await
            .map(|_| ())
    }

    /// Publishes message `name` with a correlation key.
    pub async fn correlate_key(
        &self,
        name: &str,
        correlation_key: &str,
        variables: Value,
    ) -> keel_engine::Result<()> {
        self.engine
            .correlate_message(
                CorrelateRequest {
                    name: name.into(),
                    correlation_key: Some(correlation_key.into()),
                    variables: vars(variables),
                    ..Default::default()
                },
                &admin(),
            )
            .await
            .map(|_| ())
    }

    /// Moves the clock by `ms` and fires the due timers; returns how many fired.
    pub async fn advance(&self, ms: i64) -> usize {
        self.clock.advance_ms(ms);
        self.engine.fire_due_timers(100).await.unwrap()
    }

    pub async fn open_incidents(&self, instance: &str) -> Vec<keel_engine::views::IncidentView> {
        self.engine
            .list_incidents(Some(instance), Some("open"), 100, 0)
            .await
            .unwrap()
            .items
    }

    /// The audit trail: per record, its kind and its transitions as `element_id:event`
    /// (`element_id[body]:event` for a multi-instance body, `[loop]` for a standard loop's).
    pub async fn trail(&self, instance: &str) -> Vec<(String, Vec<String>)> {
        trail_of(&self.engine, instance).await
    }

    /// Asserts the whole trail of `instance` and that the audit chain verifies.
    pub async fn assert_trail(&self, instance: &str, expected: &[(&str, &[&str])]) {
        assert_trail_of(&self.engine, instance, expected).await
    }
}

/// Sorted ids of the live elements.
pub fn active(view: &InstanceView) -> Vec<String> {
    let mut ids: Vec<String> = view
        .active_elements
        .iter()
        .map(|e| e.element_id.clone())
        .collect();
    ids.sort();
    ids
}

/// Per audit record of `instance`: its kind and its transitions as `element_id:event`
/// (`[body]`/`[loop]` mark a multi-instance or loop body).
pub async fn trail_of(engine: &Engine, instance: &str) -> Vec<(String, Vec<String>)> {
    engine
        .instance_audit(instance)
        .await
        .unwrap()
        .iter()
        .map(|r| {
            let transitions = r.data["transitions"]
                .as_array()
                .map(|ts| {
                    ts.iter()
                        .map(|t| {
                            let body = match t["element_type"].as_str() {
                                Some("multiInstanceBody") => "[body]",
                                Some("standardLoopBody") => "[loop]",
                                _ => "",
                            };
                            format!(
                                "{}{body}:{}",
                                t["element_id"].as_str().unwrap_or("?"),
                                t["event"].as_str().unwrap_or("?")
                            )
                        })
                        .collect()
                })
                .unwrap_or_default();
            (r.kind.clone(), transitions)
        })
        .collect()
}

/// Asserts the audit trail of `instance` record by record, and that the whole trail verifies.
pub async fn assert_trail_of(engine: &Engine, instance: &str, expected: &[(&str, &[&str])]) {
    let actual = trail_of(engine, instance).await;
    let expected: Vec<(String, Vec<String>)> = expected
        .iter()
        .map(|(k, ts)| {
            (
                (*k).to_owned(),
                ts.iter().map(|t| (*t).to_owned()).collect(),
            )
        })
        .collect();
    assert_eq!(actual, expected, "audit trail of {instance}");
    assert!(engine.verify_audit().await.unwrap().is_ok());
    // The writer's job cache (SQLite) still mirrors the jobs table.
    engine.verify_job_cache().await.unwrap();
}
