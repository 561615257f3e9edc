//! Task definitions: what a job-creating task, a user task and a script task carry from the
//! model.

use crate::expression::{Expression, Text};

/// A service, send or business-rule task: it creates a job of `job_type` for a worker (or for
/// a built-in connector when the type starts with `keel:`).
#[derive(Debug, Clone)]
pub struct JobTask {
    /// `zeebe:taskDefinition type` or `camunda:topic`.
    pub job_type: Text,
    /// `zeebe:taskDefinition retries`; 3 when absent.
    pub retries: Option<Text>,
    /// `zeebe:taskHeaders` (static key/value pairs handed to the worker).
    pub headers: Vec<(String, String)>,
    /// `camunda:failedJobRetryTimeCycle`: how often and how far apart a built-in connector
    /// retries a failed call (checked at deploy).
    pub retry_cycle: Option<RetryCycle>,
}

/// A parsed `camunda:failedJobRetryTimeCycle`: `R<n>/<duration>` (n retries, that far apart)
/// or a comma-separated list of durations (one retry per entry, each waiting its own time).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetryCycle {
    /// Waits before each retry, in milliseconds; its length is the number of retries.
    pub backoff_ms: Vec<i64>,
}

impl RetryCycle {
    /// Parses `R5/PT10S` or `PT1M,PT5M,PT10M`; the error says what was expected.
    pub fn parse(value: &str) -> Result<RetryCycle, String> {
        let value = value.trim();
        let bad = || {
            format!(
                "camunda:failedJobRetryTimeCycle \"{value}\" is not R<retries>/<iso 8601 duration> \
                 (like R5/PT10S) or a comma-separated list of durations (like PT1M,PT5M)"
            )
        };
        let backoff_ms = if let Some(rest) = value.strip_prefix('R') {
            let (count, every) = rest.split_once('/').ok_or_else(bad)?;
            let count: usize = count.parse().map_err(|_| bad())?;
            if count > 1000 {
                return Err(format!(
                    "camunda:failedJobRetryTimeCycle \"{value}\": at most 1000 retries"
                ));
            }
            vec![duration_ms(every).ok_or_else(bad)?; count]
        } else {
            value
                .split(',')
                .map(|d| duration_ms(d.trim()).ok_or_else(bad))
                .collect::<Result<Vec<_>, _>>()?
        };
        Ok(RetryCycle { backoff_ms })
    }

    /// Number of retries the cycle allows.
    pub fn retries(&self) -> i64 {
        i64::try_from(self.backoff_ms.len()).unwrap_or(i64::MAX)
    }

    /// The wait before the next try when `retries_left` retries remain (the first retry waits
    /// the first entry); past the list, the last entry.
    pub fn backoff_for(&self, retries_left: i64) -> i64 {
        let used = self
            .retries()
            .saturating_sub(retries_left.saturating_add(1))
            .max(0);
        let index = usize::try_from(used).unwrap_or(usize::MAX);
        self.backoff_ms
            .get(index)
            .or(self.backoff_ms.last())
            .copied()
            .unwrap_or(0)
    }
}

/// An ISO 8601 duration (`PT10S`, `P1D`; days are 24 hours) in milliseconds, if it is one.
fn duration_ms(value: &str) -> Option<i64> {
    if !value.starts_with(['P', 'p']) {
        return None;
    }
    let span: jiff::Span = value.parse().ok()?;
    let total = span
        .total(jiff::SpanTotal::from(jiff::Unit::Millisecond).days_are_24_hours())
        .ok()?;
    (0.0..1e15).contains(&total).then_some(total as i64)
}

/// A user task's assignment, scheduling and form, from `zeebe:` or `camunda:` attributes.
/// Each value is static or an expression evaluated when the task is created.
#[derive(Debug, Clone, Default)]
pub struct UserTask {
    /// The user the task is assigned to.
    pub assignee: Option<Text>,
    /// Comma-separated list, or an expression giving a list or a comma-separated string.
    pub candidate_users: Option<Text>,
    /// Comma-separated list, or an expression giving a list or a comma-separated string.
    pub candidate_groups: Option<Text>,
    /// ISO 8601 date-time (or an expression giving one).
    pub due_date: Option<Text>,
    /// ISO 8601 date-time of the follow-up.
    pub follow_up_date: Option<Text>,
    /// Integer priority.
    pub priority: Option<Text>,
    /// `camunda:formKey`, `zeebe:formDefinition formKey` or `formId`, or the key of
    /// `camunda:formRef`.
    pub form_key: Option<String>,
    /// `camunda:formRef` with its binding: a reference to a deployed form (the key is also
    /// [`UserTask::form_key`]).
    pub form_ref: Option<FormRef>,
}

/// `camunda:formRef`, `camunda:formRefBinding`, `camunda:formRefVersion`: which version of the
/// form a task shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormRef {
    /// The form's key (`camunda:formRef`).
    pub key: String,
    /// `camunda:formRefBinding`: `latest` (the default), `deployment` or `version`.
    pub binding: FormRefBinding,
}

/// Which version of a referenced form a task shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormRefBinding {
    /// The latest deployed version.
    Latest,
    /// The version deployed with the process.
    Deployment,
    /// This version (`camunda:formRefVersion`).
    Version(u32),
}

impl FormRefBinding {
    /// The binding's name as written in the model.
    pub fn as_str(self) -> &'static str {
        match self {
            FormRefBinding::Latest => "latest",
            FormRefBinding::Deployment => "deployment",
            FormRefBinding::Version(_) => "version",
        }
    }

    /// The version of a `version` binding.
    pub fn version(self) -> Option<u32> {
        match self {
            FormRefBinding::Version(v) => Some(v),
            FormRefBinding::Latest | FormRefBinding::Deployment => None,
        }
    }
}

/// A script task whose script is one FEEL expression (`zeebe:script`, or Camunda 7
/// `scriptFormat="feel"`), evaluated when the task is activated.
#[derive(Debug, Clone)]
pub struct ScriptTask {
    /// The script.
    pub expression: Expression,
    /// The variable that receives the result (`zeebe:script resultVariable`,
    /// `camunda:resultVariable`); without one the result is dropped.
    pub result_variable: Option<String>,
}
