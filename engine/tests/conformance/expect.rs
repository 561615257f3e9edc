//! The expectations format: one TOML file per corpus source, `tests/conformance/<source>.toml`
//! (documented in `tests/conformance/README.md`). Each `[[case]]` names one model of the source
//! folder and either how to drive it and what must hold at the end, or why it is skipped.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;
use serde_json::{Map, Value};

/// The reason categories a skip may name (a category ending in `:` takes a detail).
pub const SKIP_CATEGORIES: [&str; 10] = [
    "java-delegate",
    "script:",
    "expression:",
    "non-bpmn",
    "not-executable",
    "unsupported:",
    "needs-api:",
    "external-resource",
    "no-behaviour",
    "multiple-instances",
];

/// One `<source>.toml`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceFile {
    /// The folder under `exec/` (`camunda7`, `zeebe`...).
    pub source: String,
    /// The least number of passing cases; fewer fails the run.
    pub floor: usize,
    /// The cases, in file order.
    #[serde(default, rename = "case")]
    pub cases: Vec<Case>,
}

/// One model, driven or skipped.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Case {
    /// Path of the model, relative to the source folder.
    pub file: String,
    /// Tells apart several cases on one file.
    pub name: Option<String>,
    /// Further files of the source folder deployed with it (called processes...).
    #[serde(default)]
    pub also_deploy: Vec<String>,
    /// The deploy must fail with an error containing this text (any error when empty); then
    /// nothing is started.
    pub deploy_fails: Option<String>,
    /// The process id to start; default: the first executable process of `file`.
    pub process: Option<String>,
    /// Start variables.
    #[serde(default)]
    pub start: Map<String, Value>,
    /// Start the instance by this step instead of the API start: a `message` (a message start
    /// event), a `signal` (a signal start event), `conditions` (conditional start events) or an
    /// `advance` (a timer start event); the case follows the first instance of the process it
    /// starts.
    pub start_by: Option<Step>,
    /// What is done to the instance, in order.
    #[serde(default)]
    pub steps: Vec<Step>,
    /// `completed`, `active` (no open incident), `incident`, `terminated`, `cancelled`.
    pub state: Option<String>,
    /// Elements completed at least once.
    #[serde(default)]
    pub completed: Vec<String>,
    /// Elements never completed.
    #[serde(default)]
    pub not_completed: Vec<String>,
    /// Elements terminated at least once.
    #[serde(default)]
    pub terminated: Vec<String>,
    /// Elements whose first completions come in this order.
    #[serde(default)]
    pub order: Vec<String>,
    /// Exact completion counts (inner instances of a multi-instance activity, not its body).
    #[serde(default)]
    pub counts: BTreeMap<String, usize>,
    /// A subset of the final process variables.
    pub variables: Option<Map<String, Value>>,
    /// Exactly these open user tasks (element ids, sorted).
    pub open_tasks: Option<Vec<String>>,
    /// Exactly these live elements (ids, sorted, distinct).
    pub active: Option<Vec<String>>,
    /// Exactly these elements with an open incident (sorted).
    pub incidents: Option<Vec<String>>,
    /// Do not run: a reason category (see [`SKIP_CATEGORIES`]).
    pub skip: Option<String>,
    /// Free text: what the source test checks, or why the case is skipped or fails.
    pub note: Option<String>,
    /// A known divergence: the case runs, and a failure is reported, not fatal.
    pub xfail: Option<String>,
}

impl Case {
    /// `file` or `file#name`.
    pub fn label(&self) -> String {
        match &self.name {
            Some(n) => format!("{}#{n}", self.file),
            None => self.file.clone(),
        }
    }
}

/// One thing done to the instance; exactly one of `task`, `all_tasks`, `job`, `message`,
/// `trigger`, `signal`, `conditions`, `advance`, `start_process` is set.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    /// Complete the open user task with this element id.
    pub task: Option<String>,
    /// Complete every open user task, again and again until none is open (at most 100 rounds).
    pub all_tasks: Option<bool>,
    /// Complete (or `fail`, or `error`) the job of this element id.
    pub job: Option<String>,
    /// The job type, when the model computes it.
    #[serde(rename = "type")]
    pub job_type: Option<String>,
    /// Fail the job with this message (`retries` left, default 0).
    pub fail: Option<String>,
    /// Retries left after `fail`.
    pub retries: Option<i64>,
    /// Throw this BPMN error code from the job.
    pub error: Option<String>,
    /// Publish a message of this name.
    pub message: Option<String>,
    /// Its correlation key; without it the message correlates by the instance's business key.
    pub key: Option<String>,
    /// Buffer the message this long (ISO 8601 duration) when nothing waits for it.
    pub ttl: Option<String>,
    /// Evaluate the conditional start events of the deployed processes with `vars`
    /// (Camunda 7's `createConditionEvaluation().evaluateStartConditions()`).
    pub conditions: Option<bool>,
    /// Trigger the wait state with this element id (a receive task or an intermediate catch
    /// event; Camunda 7's `runtimeService.signal`) in the case's instance.
    pub trigger: Option<String>,
    /// Broadcast a signal of this name with `vars` (`POST /api/v1/signals`; Camunda 7's
    /// `signalEventReceived`, Zeebe's `broadcastSignal`).
    pub signal: Option<String>,
    /// Move the clock by this ISO 8601 duration and fire the due timers.
    pub advance: Option<String>,
    /// Start another instance of this process (deployed with the case) with `vars`; the end
    /// state stays the first instance's.
    pub start_process: Option<String>,
    /// The business key of the instance `start_process` starts (default
    /// `conformance-<process>`): the same as the case's instance lets the two exchange
    /// messages that correlate by business key. Refused on any other step.
    pub business_key: Option<String>,
    /// Variables of the completion, error or message.
    #[serde(default)]
    pub vars: Map<String, Value>,
    /// Do it this many times (default 1).
    pub times: Option<usize>,
}

/// What a [`Step`] does.
#[derive(Debug, Clone)]
pub enum Action {
    /// Complete a user task.
    Task(String),
    /// Complete every open user task until none is left.
    AllTasks,
    /// Complete a job.
    Complete(String),
    /// Fail a job.
    Fail(String, String, i64),
    /// Throw a BPMN error from a job.
    Error(String, String),
    /// Publish a message: name, correlation key, ttl in ms.
    Message(String, Option<String>, i64),
    /// Trigger a wait state.
    Trigger(String),
    /// Broadcast a signal.
    Signal(String),
    /// Evaluate the conditional start events.
    Conditions,
    /// Advance the clock (ms) and fire timers.
    Advance(i64),
    /// Start another instance of a process, with this business key.
    StartProcess(String, Option<String>),
}

impl Step {
    /// The action, or why the step is malformed.
    pub fn action(&self) -> Result<Action, String> {
        let set = [
            self.task.is_some(),
            self.all_tasks == Some(true),
            self.job.is_some(),
            self.message.is_some(),
            self.trigger.is_some(),
            self.signal.is_some(),
            self.conditions == Some(true),
            self.advance.is_some(),
            self.start_process.is_some(),
        ];
        if set.iter().filter(|s| **s).count() != 1 {
            return Err(format!(
                "a step needs exactly one of task, all_tasks, job, message, trigger, signal, conditions, advance, start_process: {self:?}"
            ));
        }
        if self.business_key.is_some() && self.start_process.is_none() {
            return Err(format!(
                "business_key names the business key of the instance a start_process step starts; this step starts none (a message correlates by its key, or by the case's business key without one): {self:?}"
            ));
        }
        if let Some(t) = &self.task {
            return Ok(Action::Task(t.clone()));
        }
        if self.all_tasks == Some(true) {
            return Ok(Action::AllTasks);
        }
        if let Some(j) = &self.job {
            return Ok(match (&self.fail, &self.error) {
                (Some(m), None) => Action::Fail(j.clone(), m.clone(), self.retries.unwrap_or(0)),
                (None, Some(code)) => Action::Error(j.clone(), code.clone()),
                (None, None) => Action::Complete(j.clone()),
                _ => return Err(format!("job step with both fail and error: {self:?}")),
            });
        }
        if let Some(m) = &self.message {
            let ttl = match &self.ttl {
                Some(t) => duration_ms(t)?,
                None => 0,
            };
            return Ok(Action::Message(m.clone(), self.key.clone(), ttl));
        }
        if let Some(t) = &self.trigger {
            return Ok(Action::Trigger(t.clone()));
        }
        if let Some(s) = &self.signal {
            return Ok(Action::Signal(s.clone()));
        }
        if self.conditions == Some(true) {
            return Ok(Action::Conditions);
        }
        if let Some(p) = &self.start_process {
            return Ok(Action::StartProcess(p.clone(), self.business_key.clone()));
        }
        let advance = self.advance.as_deref().unwrap_or("PT0S");
        Ok(Action::Advance(duration_ms(advance)?))
    }
}

/// Milliseconds of an ISO 8601 duration `PnDTnHnMn.nS` (weeks and days count 7 and 1 x 24 h;
/// years and months are refused).
pub fn duration_ms(text: &str) -> Result<i64, String> {
    let bad = || format!("not an ISO 8601 duration: {text:?}");
    let rest = text.strip_prefix('P').ok_or_else(bad)?;
    let mut ms = 0f64;
    let mut number = String::new();
    let mut in_time = false;
    for c in rest.chars() {
        match c {
            'T' if !in_time && number.is_empty() => in_time = true,
            '0'..='9' | '.' => number.push(c),
            _ => {
                let n: f64 = number.parse().map_err(|_| bad())?;
                number.clear();
                let unit = match (in_time, c) {
                    (false, 'W') => 7.0 * 86_400_000.0,
                    (false, 'D') => 86_400_000.0,
                    (true, 'H') => 3_600_000.0,
                    (true, 'M') => 60_000.0,
                    (true, 'S') => 1_000.0,
                    _ => return Err(bad()),
                };
                ms += n * unit;
            }
        }
    }
    if !number.is_empty() {
        return Err(bad());
    }
    Ok(ms.round() as i64)
}

/// Reads and checks one expectations file.
pub fn load(path: &Path) -> SourceFile {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let file: SourceFile =
        toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut labels = std::collections::BTreeSet::new();
    for case in &file.cases {
        assert!(
            labels.insert(case.label()),
            "{}: two cases are labelled {}",
            path.display(),
            case.label()
        );
        if let Some(skip) = &case.skip {
            assert!(
                SKIP_CATEGORIES.iter().any(|c| if c.ends_with(':') {
                    skip.starts_with(c) && skip.len() > c.len()
                } else {
                    skip == c
                }),
                "{}: {}: unknown skip category {skip:?} (one of {SKIP_CATEGORIES:?})",
                path.display(),
                case.label()
            );
        }
        if let Some(step) = &case.start_by {
            match step.action() {
                Ok(
                    Action::Message(..)
                    | Action::Advance(_)
                    | Action::Conditions
                    | Action::StartProcess(..)
                    | Action::Signal(_),
                ) => {}
                Ok(other) => panic!(
                    "{}: {}: start_by is a message, a signal, an advance, conditions or start_process, not {other:?}",
                    path.display(),
                    case.label()
                ),
                Err(e) => panic!("{}: {}: {e}", path.display(), case.label()),
            }
        }
        for step in &case.steps {
            if let Err(e) = step.action() {
                panic!("{}: {}: {e}", path.display(), case.label());
            }
        }
    }
    file
}

#[cfg(test)]
mod tests {
    use super::{Action, Step, duration_ms};

    #[test]
    fn durations() {
        assert_eq!(duration_ms("PT1H"), Ok(3_600_000));
        assert_eq!(duration_ms("P1DT1M"), Ok(86_460_000));
        assert_eq!(duration_ms("PT0.5S"), Ok(500));
        assert!(duration_ms("P1Y").is_err());
    }

    #[test]
    fn a_business_key_belongs_to_a_start_process_step_only() {
        let started = Step {
            start_process: Some("other".into()),
            business_key: Some("bk".into()),
            ..Default::default()
        };
        assert!(matches!(
            started.action(),
            Ok(Action::StartProcess(p, Some(k))) if p == "other" && k == "bk"
        ));
        let message = Step {
            message: Some("paid".into()),
            business_key: Some("bk".into()),
            ..Default::default()
        };
        let refused = message.action().unwrap_err();
        assert!(refused.starts_with("business_key names"), "{refused}");
    }
}
