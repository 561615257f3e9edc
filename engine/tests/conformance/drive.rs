//! Runs one case: a fresh engine on its own database with a manual clock, deploy, start, the
//! steps, then the end state is gathered for `check`.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use keel_engine::clock::ManualClock;
use keel_engine::views::JobView;
use keel_engine::{
    ActivateRequest, ContinuationConfig, CorrelateRequest, DeployFile, Engine, EngineConfig,
    FailRequest, InstanceFilter, Principal, StartRequest, TaskFilter, ThrowErrorRequest,
};
use serde_json::{Map, Value};

use crate::check::Actual;
use crate::corpus::unsupported_element;
use crate::expect::{Action, Case};

/// The business key every instance is started with (messages without a key correlate by it).
pub const BUSINESS_KEY: &str = "conformance";
/// The worker and user name of the harness.
const WORKER: &str = "conformance";
/// Job locks outlast any clock advance of a case.
const LOCK_MS: i64 = 10 * 366 * 86_400_000;

/// How a case ended before its end state was checked.
pub enum Run {
    /// Steps done; the state to check.
    Done(Box<Actual>),
    /// The deploy failed as the case expects.
    Refused,
    /// The deploy refused an element Keel does not run yet.
    Unsupported(String),
    /// The case could not be driven (deploy error, missing task or job...).
    Broken(String),
}

fn admin() -> Principal {
    Principal {
        user_id: "u-conformance".into(),
        name: WORKER.into(),
        groups: vec![],
        roles: vec!["admin".into()],
    }
}

struct Driver {
    engine: Engine,
    clock: ManualClock,
    instance: String,
    /// Element id → static job type, from the deployed models.
    job_types: HashMap<String, String>,
    /// Jobs activated and not yet completed, in activation order.
    held: Vec<JobView>,
}

/// Drives `case` of the source folder `dir`.
pub async fn run(dir: &Path, case: &Case) -> Run {
    let tmp = match tempfile::tempdir() {
        Ok(t) => t,
        Err(e) => return Run::Broken(format!("tempdir: {e}")),
    };
    match drive(dir, case, tmp.path()).await {
        Ok(run) => run,
        Err(e) => Run::Broken(e),
    }
}

async fn drive(dir: &Path, case: &Case, tmp: &Path) -> Result<Run, String> {
    let clock = ManualClock::new(
        "2030-01-01T00:00:00Z"
            .parse()
            .map_err(|e| format!("clock: {e}"))?,
    );
    // BPMN semantics, not storage, are under test here: every case gets a fresh SQLite file
    // whatever KEEL_TEST_DB says (hundreds of PostgreSQL databases would only add minutes).
    let url = format!("sqlite://{}", tmp.join("keel.db").display());
    let mut config = EngineConfig::new(&url);
    config.clock = Arc::new(clock.clone());
    config.durability = keel_engine::store::Durability::Normal;
    let engine = Engine::open(config)
        .await
        .map_err(|e| format!("open: {e}"))?;
    let mut files = Vec::new();
    let mut job_types = HashMap::new();
    let mut first_process = None;
    for name in std::iter::once(&case.file).chain(&case.also_deploy) {
        let content = std::fs::read(dir.join(name)).map_err(|e| format!("{name}: {e}"))?;
        let parsed = keel_bpmn::parse(&content);
        for p in parsed.processes.iter().filter(|p| p.is_executable) {
            first_process.get_or_insert_with(|| p.key.clone());
            for node in &p.nodes {
                if let keel_bpmn::FlowNodeKind::JobTask(j) = &node.kind
                    && let keel_bpmn::Text::Static(t) = &j.job_type
                {
                    job_types.insert(node.id.clone(), t.clone());
                }
            }
        }
        files.push(DeployFile {
            name: name.clone(),
            content,
        });
    }
    match engine.deploy(files, &admin()).await {
        Ok(_) if case.deploy_fails.is_some() => {
            engine.close().await;
            return Ok(Run::Broken(
                "the model deployed, but the source expects it to be refused".into(),
            ));
        }
        Ok(_) => {}
        Err(keel_engine::Error::InvalidBpmn(problems)) => {
            engine.close().await;
            return Ok(refused(case, &problems));
        }
        Err(e) => return Err(format!("deploy failed: {e}")),
    }
    let key = case
        .process
        .clone()
        .or(first_process)
        .ok_or("no executable process")?;
    let mut d = Driver {
        engine,
        clock,
        instance: String::new(),
        job_types,
        held: Vec::new(),
    };
    d.instance = match &case.start_by {
        None => {
            let id = d
                .engine
                .start_instance(
                    StartRequest {
                        definition_key: key.clone(),
                        variables: case.start.clone(),
                        business_key: Some(BUSINESS_KEY.into()),
                        ..Default::default()
                    },
                    &admin(),
                )
                .await
                .map_err(|e| format!("start {key}: {e}"))?
                .id;
            d.settle().await?;
            id
        }
        Some(step) => {
            let action = step.action()?;
            let vars = if step.vars.is_empty() {
                &case.start
            } else {
                &step.vars
            };
            d.act(&action, None, vars)
                .await
                .map_err(|e| format!("start_by ({action:?}): {e}"))?;
            d.first_instance(&key).await?
        }
    };
    let mut result = d.steps(case).await;
    if result.is_ok()
        && let Err(e) = d.engine.verify_job_cache().await
    {
        result = Err(e.to_string());
    }
    let actual = match result {
        Ok(()) => crate::check::gather(&d.engine, &d.instance).await,
        Err(e) => {
            let state = crate::check::gather(&d.engine, &d.instance).await;
            Err(match state {
                Ok(a) => format!("{e}\n  state then: {}", a.summary()),
                Err(_) => e,
            })
        }
    };
    d.engine.close().await;
    actual.map(|a| Run::Done(Box::new(a)))
}

impl Driver {
    async fn steps(&mut self, case: &Case) -> Result<(), String> {
        for (i, step) in case.steps.iter().enumerate() {
            let action = step.action()?;
            for _ in 0..step.times.unwrap_or(1) {
                self.act(&action, step.job_type.as_deref(), &step.vars)
                    .await
                    .map_err(|e| format!("step {} ({action:?}): {e}", i + 1))?;
            }
        }
        Ok(())
    }

    /// Does `action`, then runs the asynchronous continuations it left due (what `keel serve`
    /// does by itself).
    async fn act(
        &mut self,
        action: &Action,
        job_type: Option<&str>,
        vars: &Map<String, Value>,
    ) -> Result<(), String> {
        self.act_once(action, job_type, vars).await?;
        self.settle().await
    }

    /// Runs asynchronous continuations until none is due.
    async fn settle(&self) -> Result<(), String> {
        let config = ContinuationConfig::new(WORKER);
        for _ in 0..1000 {
            let taken = self
                .engine
                .run_due_continuations(&config)
                .await
                .map_err(|e| format!("continuations: {e}"))?;
            if taken == 0 {
                return Ok(());
            }
        }
        Err("asynchronous continuations keep coming after 1000 runs".into())
    }

    async fn act_once(
        &mut self,
        action: &Action,
        job_type: Option<&str>,
        vars: &Map<String, Value>,
    ) -> Result<(), String> {
        match action {
            Action::Task(element) => self.complete_task(Some(element), vars).await.map(|_| ()),
            Action::AllTasks => {
                for _ in 0..100 {
                    if !self.complete_task(None, vars).await? {
                        return Ok(());
                    }
                    self.settle().await?;
                }
                Err("user tasks keep coming after 100 completions".into())
            }
            Action::Complete(element) => {
                let job = self.job(element, job_type).await?;
                self.engine
                    .complete_job(&job.id, WORKER, vars.clone(), &admin())
                    .await
                    .map_err(|e| e.to_string())
            }
            Action::Fail(element, message, retries) => {
                let job = self.job(element, job_type).await?;
                let request = FailRequest {
                    worker: WORKER.into(),
                    error_message: message.clone(),
                    retries: Some(*retries),
                    retry_backoff_ms: 0,
                };
                self.engine
                    .fail_job(&job.id, request, &admin())
                    .await
                    .map_err(|e| e.to_string())
            }
            Action::Error(element, code) => {
                let job = self.job(element, job_type).await?;
                let request = ThrowErrorRequest {
                    worker: WORKER.into(),
                    error_code: code.clone(),
                    error_message: format!("error {code}"),
                    variables: vars.clone(),
                };
                self.engine
                    .throw_job_error(&job.id, request, &admin())
                    .await
                    .map_err(|e| e.to_string())
            }
            Action::Message(name, key, ttl_ms) => {
                let request = CorrelateRequest {
                    name: name.clone(),
                    correlation_key: key.clone(),
                    business_key: key.is_none().then(|| BUSINESS_KEY.to_owned()),
                    variables: vars.clone(),
                    ttl_ms: *ttl_ms,
                    ..Default::default()
                };
                self.engine
                    .correlate_message(request, &admin())
                    .await
                    .map(|_| ())
                    .map_err(|e| e.to_string())
            }
            Action::Conditions => self
                .engine
                .evaluate_start_conditions(None, vars.clone(), &admin())
                .await
                .map(|_| ())
                .map_err(|e| e.to_string()),
            Action::Signal(name) => self
                .engine
                .broadcast_signal(name, vars.clone(), &admin())
                .await
                .map(|_| ())
                .map_err(|e| e.to_string()),
            Action::Trigger(element) => self
                .engine
                .trigger_element(&self.instance, element, vars.clone(), &admin())
                .await
                .map(|_| ())
                .map_err(|e| e.to_string()),
            Action::StartProcess(key, business_key) => self
                .engine
                .start_instance(
                    StartRequest {
                        definition_key: key.clone(),
                        variables: vars.clone(),
                        business_key: Some(
                            business_key
                                .clone()
                                .unwrap_or_else(|| format!("{BUSINESS_KEY}-{key}")),
                        ),
                        ..Default::default()
                    },
                    &admin(),
                )
                .await
                .map(|_| ())
                .map_err(|e| e.to_string()),
            Action::Advance(ms) => {
                self.clock.advance_ms(*ms);
                for _ in 0..100 {
                    let fired = self
                        .engine
                        .fire_due_timers(100)
                        .await
                        .map_err(|e| e.to_string())?;
                    if fired == 0 {
                        break;
                    }
                }
                Ok(())
            }
        }
    }

    /// Completes the oldest open user task `element` (any, when `None`); false when `element`
    /// is `None` and no task is open.
    async fn complete_task(
        &mut self,
        element: Option<&str>,
        vars: &Map<String, Value>,
    ) -> Result<bool, String> {
        let open = self
            .engine
            .list_tasks(
                &TaskFilter {
                    limit: 1000,
                    ..Default::default()
                },
                &admin(),
            )
            .await
            .map_err(|e| e.to_string())?
            .items;
        let Some(task) = open
            .iter()
            .find(|t| element.is_none_or(|e| t.element_id == e))
        else {
            let Some(element) = element else {
                return Ok(false);
            };
            let ids: Vec<&str> = open.iter().map(|t| t.element_id.as_str()).collect();
            return Err(format!("no open user task {element} (open: {ids:?})"));
        };
        self.engine
            .assign_task(&task.id, Some(WORKER.into()), &admin())
            .await
            .map_err(|e| e.to_string())?;
        let user = Principal {
            roles: vec![],
            ..admin()
        };
        self.engine
            .complete_task(&task.id, vars.clone(), &user)
            .await
            .map(|_| true)
            .map_err(|e| e.to_string())
    }

    /// A job of `element` of this instance, taken from the held ones or activated; removed from
    /// the held ones (a job is completed, failed or errored once).
    async fn job(&mut self, element: &str, job_type: Option<&str>) -> Result<JobView, String> {
        let Some(job_type) = job_type
            .map(str::to_owned)
            .or_else(|| self.job_types.get(element).cloned())
        else {
            return Err(format!(
                "no static job type for {element}: give the step a type"
            ));
        };
        // The database is the case's own: every job belongs to its instance or a called one.
        let mine = |j: &JobView| j.element_id == element;
        if !self.held.iter().any(mine) {
            let jobs = self
                .engine
                .activate_jobs(ActivateRequest {
                    job_type: job_type.clone(),
                    worker: WORKER.into(),
                    max_jobs: 1000,
                    lock_ms: LOCK_MS,
                    request_timeout_ms: 0,
                })
                .await
                .map_err(|e| e.to_string())?;
            self.held.extend(jobs);
        }
        // A held job may be gone since (its task interrupted): only live ones count.
        while let Some(pos) = self.held.iter().position(mine) {
            let job = self.held.remove(pos);
            let live = self.live_elements(&job.instance_id).await?;
            if live.iter().any(|e| e == element) {
                return Ok(job);
            }
        }
        Err(format!("no job of type {job_type:?} for {element}"))
    }

    /// The oldest instance of process `key`.
    async fn first_instance(&self, key: &str) -> Result<String, String> {
        let page = self
            .engine
            .list_instances(&InstanceFilter {
                definition_key: Some(key.to_owned()),
                limit: 1000,
                ..Default::default()
            })
            .await
            .map_err(|e| e.to_string())?;
        page.items
            .last()
            .map(|i| i.id.clone())
            .ok_or_else(|| format!("start_by started no instance of {key}"))
    }

    async fn live_elements(&self, instance: &str) -> Result<Vec<String>, String> {
        let view = self
            .engine
            .instance(instance)
            .await
            .map_err(|e| e.to_string())?;
        Ok(view
            .active_elements
            .into_iter()
            .map(|e| e.element_id)
            .collect())
    }
}

/// What a failed deploy means for `case`: the expected refusal, an element Keel does not run yet
/// (such errors never count as a refusal), or a broken case.
fn refused(case: &Case, problems: &[(String, keel_bpmn::Diagnostic)]) -> Run {
    let errors: Vec<&(String, keel_bpmn::Diagnostic)> =
        problems.iter().filter(|(_, d)| d.is_error()).collect();
    let mut unsupported: Vec<String> = errors
        .iter()
        .filter_map(|(_, d)| unsupported_element(&d.message))
        .collect();
    unsupported.sort();
    unsupported.dedup();
    let others: Vec<String> = errors
        .iter()
        .filter(|(_, d)| unsupported_element(&d.message).is_none())
        .map(|(f, d)| format!("{f}:{}: {}", d.line, d.message))
        .collect();
    match &case.deploy_fails {
        Some(wanted) if others.iter().any(|m| m.contains(wanted.as_str())) => Run::Refused,
        _ if !unsupported.is_empty() => Run::Unsupported(unsupported.join(", ")),
        Some(wanted) => Run::Broken(format!(
            "the deploy failed without {wanted:?}: {}",
            others.join(" | ")
        )),
        None => Run::Broken(format!("deploy failed: {}", others.join(" | "))),
    }
}
