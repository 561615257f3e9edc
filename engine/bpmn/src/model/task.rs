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
    /// `camunda:formKey`, `zeebe:formDefinition formKey` or `formId`.
    pub form_key: Option<String>,
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
