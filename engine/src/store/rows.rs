//! Row structs: one per table, exactly as stored (times in epoch ms, JSON as text).

use sqlx::FromRow;

/// `instances`.
#[derive(Debug, Clone, FromRow, PartialEq)]
pub struct InstanceRow {
    pub id: String,
    pub definition_id: String,
    pub definition_key: String,
    pub definition_version: i64,
    pub business_key: Option<String>,
    pub state: String,
    pub started_at: i64,
    pub ended_at: Option<i64>,
    pub started_by: Option<String>,
    pub incidents: i64,
    pub audit_seq: i64,
    pub audit_hash: String,
    pub version: i64,
    pub body: String,
}

impl InstanceRow {
    /// A copy without the encoded state (`body`), for caches that keep the parsed state.
    pub fn without_body(&self) -> InstanceRow {
        InstanceRow {
            id: self.id.clone(),
            definition_id: self.definition_id.clone(),
            definition_key: self.definition_key.clone(),
            definition_version: self.definition_version,
            business_key: self.business_key.clone(),
            state: self.state.clone(),
            started_at: self.started_at,
            ended_at: self.ended_at,
            started_by: self.started_by.clone(),
            incidents: self.incidents,
            audit_seq: self.audit_seq,
            audit_hash: self.audit_hash.clone(),
            version: self.version,
            body: String::new(),
        }
    }
}

/// `jobs`.
#[derive(Debug, Clone, FromRow, PartialEq)]
pub struct JobRow {
    pub id: String,
    pub instance_id: String,
    pub element_key: i64,
    pub element_id: String,
    #[sqlx(rename = "type")]
    pub job_type: String,
    pub state: String,
    pub retries: i64,
    pub available_at: i64,
    pub lock_owner: Option<String>,
    pub error_message: Option<String>,
    pub headers: String,
    pub created_at: i64,
    pub version: i64,
}

/// `user_tasks`.
#[derive(Debug, Clone, FromRow, PartialEq)]
pub struct TaskRow {
    pub id: String,
    pub instance_id: String,
    pub element_key: i64,
    pub element_id: String,
    pub name: Option<String>,
    pub assignee: Option<String>,
    pub state: String,
    pub created_at: i64,
    pub due_at: Option<i64>,
    pub follow_up_at: Option<i64>,
    pub priority: i64,
    pub form_key: Option<String>,
    pub completed_by: Option<String>,
    pub completed_at: Option<i64>,
    pub candidate_users: String,
    pub candidate_groups: String,
}

/// `timers`.
#[derive(Debug, Clone, FromRow, PartialEq)]
pub struct TimerRow {
    pub id: String,
    pub instance_id: String,
    pub element_key: i64,
    pub element_id: String,
    pub due_at: i64,
    pub created_at: i64,
}

/// `start_timers`: a timer start event of a definition version.
#[derive(Debug, Clone, FromRow, PartialEq)]
pub struct StartTimerRow {
    pub id: String,
    pub definition_id: String,
    pub element_id: String,
    pub due_at: i64,
    pub fired: i64,
    pub created_at: i64,
}

/// `subscriptions`.
#[derive(Debug, Clone, FromRow, PartialEq)]
pub struct SubscriptionRow {
    pub id: String,
    pub instance_id: String,
    pub element_key: i64,
    pub element_id: String,
    pub message_name: String,
    pub correlation_key: Option<String>,
    pub business_key: Option<String>,
    pub created_at: i64,
}

/// `incidents`.
#[derive(Debug, Clone, FromRow, PartialEq)]
pub struct IncidentRow {
    pub id: String,
    pub instance_id: String,
    pub element_key: i64,
    pub element_id: String,
    pub kind: String,
    pub message: String,
    pub state: String,
    pub job_id: Option<String>,
    pub created_at: i64,
    pub resolved_at: Option<i64>,
}

/// `history`: one row per ended element instance (and one for the process itself).
#[derive(Debug, Clone, FromRow, PartialEq)]
pub struct HistoryRow {
    pub instance_id: String,
    pub element_key: i64,
    pub element_id: String,
    pub element_type: String,
    pub state: String,
    pub started_at: i64,
    pub ended_at: i64,
    pub audit_seq: i64,
}

/// `definitions` without the XML.
#[derive(Debug, Clone, FromRow, PartialEq)]
pub struct DefinitionRow {
    pub id: String,
    pub key: String,
    pub version: i64,
    pub name: Option<String>,
    pub deployment_id: String,
    pub resource_name: String,
    pub xml_sha256: String,
    pub deployed_at: i64,
}

/// `audit`, as stored.
#[derive(Debug, Clone, FromRow, PartialEq)]
pub struct AuditRow {
    pub seq: i64,
    pub v: i64,
    pub at: String,
    pub instance_id: Option<String>,
    pub instance_seq: Option<i64>,
    pub element_id: Option<String>,
    pub kind: String,
    pub actor: String,
    pub data: String,
    pub prev_hash: String,
    pub instance_prev_hash: Option<String>,
    pub hash: String,
}

/// `users` with groups and roles folded in.
#[derive(Debug, Clone, PartialEq)]
pub struct UserRow {
    pub id: String,
    pub name: String,
    pub email: Option<String>,
    pub groups: Vec<String>,
    pub roles: Vec<String>,
}
