//! Process instances: start (idempotent with a key), cancel, set variables, and the queries.

use crate::store::{built, query};
use serde_json::{Map, Value as Json, json};
use sha2::{Digest, Sha256};

use super::Engine;
use super::batch::{ApplyCtx, Batch};
use super::writer::{Op, Reply};
use crate::audit::{Actor, AuditRecord, GENESIS_HASH};
use crate::error::{Error, Result};
use crate::principal::Principal;
use crate::runtime::{InstanceState, Trigger};
use crate::store::rows::{AuditRow, InstanceRow};
use crate::views::{InstanceView, Page};

/// A request to start an instance.
#[derive(Debug, Clone, Default)]
pub struct StartRequest {
    /// Definition key.
    pub definition_key: String,
    /// Version; latest when `None`.
    pub version: Option<i64>,
    /// Start variables.
    pub variables: Map<String, Json>,
    /// Business key.
    pub business_key: Option<String>,
    /// `Idempotency-Key` header.
    pub idempotency_key: Option<String>,
}

/// Filters for listing instances.
#[derive(Debug, Clone, Default)]
pub struct InstanceFilter {
    /// Only this definition key.
    pub definition_key: Option<String>,
    /// Only this state.
    pub state: Option<String>,
    /// Only this business key.
    pub business_key: Option<String>,
    /// Only instances started by this user id (callers without operator rights).
    pub started_by: Option<String>,
    /// Page size.
    pub limit: i64,
    /// Page start.
    pub offset: i64,
}

pub(crate) struct StartOp {
    request: StartRequest,
    request_hash: String,
    caller_id: String,
    actor: Actor,
}

pub(crate) struct CancelOp {
    instance_id: String,
    reason: Option<String>,
    actor: Actor,
}

pub(crate) struct SetVariablesOp {
    instance_id: String,
    variables: Map<String, Json>,
    actor: Actor,
}

impl Engine {
    /// Starts an instance and runs it to its first wait state.
    pub async fn start_instance(
        &self,
        request: StartRequest,
        caller: &Principal,
    ) -> Result<InstanceView> {
        let request_hash = {
            let body = json!({
                "key": request.definition_key,
                "version": request.version,
                "variables": request.variables,
                "business_key": request.business_key,
            });
            hex::encode(Sha256::digest(
                crate::audit::canonical::to_string(&body).as_bytes(),
            ))
        };
        let op = StartOp {
            request,
            request_hash,
            caller_id: caller.user_id.clone(),
            actor: caller.actor(),
        };
        match self.send(Op::Start(op)).await? {
            Reply::Instance(v) => Ok(*v),
            _ => Err(Error::Unavailable),
        }
    }

    /// Cancels a running instance.
    pub async fn cancel_instance(
        &self,
        id: &str,
        reason: Option<String>,
        caller: &Principal,
    ) -> Result<InstanceView> {
        let op = CancelOp {
            instance_id: id.to_owned(),
            reason,
            actor: caller.actor(),
        };
        match self.send(Op::Cancel(op)).await? {
            Reply::Instance(v) => Ok(*v),
            _ => Err(Error::Unavailable),
        }
    }

    /// Sets process-scope variables (an operator fixing data before resolving an incident).
    pub async fn set_variables(
        &self,
        id: &str,
        variables: Map<String, Json>,
        caller: &Principal,
    ) -> Result<InstanceView> {
        let op = SetVariablesOp {
            instance_id: id.to_owned(),
            variables,
            actor: caller.actor(),
        };
        match self.send(Op::SetVariables(op)).await? {
            Reply::Instance(v) => Ok(*v),
            _ => Err(Error::Unavailable),
        }
    }

    /// One instance.
    pub async fn instance(&self, id: &str) -> Result<InstanceView> {
        let row: Option<InstanceRow> = query("SELECT * FROM instances WHERE id = $1")
            .bind(id)
            .fetch_optional(self.read())
            .await?;
        let row = row.ok_or_else(|| Error::NotFound(format!("instance {id}")))?;
        self.view(&row).await
    }

    pub(crate) async fn view(&self, row: &InstanceRow) -> Result<InstanceView> {
        let def = self
            .shared
            .defs
            .get(self.read(), &row.definition_id)
            .await?;
        Ok(InstanceView::from_row(row, |id| element_type(&def, id)))
    }

    /// Instances matching `filter`, newest first.
    pub async fn list_instances(&self, filter: &InstanceFilter) -> Result<Page<InstanceView>> {
        const WHERE: &str = "WHERE ($1 IS NULL OR definition_key = $1) AND ($2 IS NULL OR state = $2) \
             AND ($3 IS NULL OR business_key = $3) AND ($4 IS NULL OR started_by = $4)";
        let rows: Vec<InstanceRow> = built(format!(
            "SELECT * FROM instances {WHERE} ORDER BY started_at DESC, id DESC LIMIT $5 OFFSET $6"
        ))
        .bind(&filter.definition_key)
        .bind(&filter.state)
        .bind(&filter.business_key)
        .bind(&filter.started_by)
        .bind(filter.limit)
        .bind(filter.offset)
        .fetch_all(self.read())
        .await?;
        let total: i64 = built(format!("SELECT COUNT(*) FROM instances {WHERE}"))
            .bind(&filter.definition_key)
            .bind(&filter.state)
            .bind(&filter.business_key)
            .bind(&filter.started_by)
            .scalar(self.read())
            .await?;
        let mut items = Vec::with_capacity(rows.len());
        for row in &rows {
            items.push(self.view(row).await?);
        }
        Ok(Page { items, total })
    }

    /// The audit records of one instance, oldest first.
    pub async fn instance_audit(&self, id: &str) -> Result<Vec<AuditRecord>> {
        let rows: Vec<AuditRow> =
            query("SELECT * FROM audit WHERE instance_id = $1 ORDER BY instance_seq")
                .bind(id)
                .fetch_all(self.read())
                .await?;
        rows.iter().map(super::users::record_from_row).collect()
    }
}

/// BPMN local name of element `id` in `def` (`unknown` if absent).
pub(crate) fn element_type(def: &keel_bpmn::ProcessDefinition, id: &str) -> String {
    def.node_by_id(id)
        .map(|n| def.node(n).element_type.as_str().to_owned())
        .unwrap_or_else(|| "unknown".to_owned())
}

pub(crate) async fn view_in_batch(
    batch: &mut Batch<'_>,
    row: &InstanceRow,
) -> Result<InstanceView> {
    let def = batch.definition(&row.definition_id).await?;
    // The batch holds the parsed state of every row it read or wrote: no second JSON decode.
    let state = batch.state_of(row)?;
    Ok(InstanceView::from_state(row, Some(&state), |id| {
        element_type(&def, id)
    }))
}

pub(crate) async fn start(batch: &mut Batch<'_>, op: StartOp) -> Result<Reply> {
    let request = op.request;
    if let Some(key) = &request.idempotency_key {
        let existing: Option<(String, String)> = query(
            "SELECT request_hash, instance_id FROM idempotency_keys WHERE caller = $1 AND key = $2",
        )
        .bind(&op.caller_id)
        .bind(key)
        .fetch_optional(&mut *batch.conn)
        .await?;
        if let Some((hash, instance_id)) = existing {
            if hash != op.request_hash {
                return Err(Error::Invalid {
                    code: "idempotency_key_reused",
                    message: format!("Idempotency-Key '{key}' was used with another request body"),
                });
            }
            let row = batch
                .instance(&instance_id)
                .await?
                .ok_or_else(|| Error::NotFound(format!("instance {instance_id}")))?;
            return Ok(Reply::Instance(Box::new(view_in_batch(batch, &row).await?)));
        }
    }
    let cached = match request.version {
        None => batch.latest_definition(&request.definition_key),
        Some(_) => None,
    };
    let def = match cached {
        Some(found) => Some(found),
        None => {
            let found: Option<(String, i64)> = query(
                "SELECT id, version FROM definitions WHERE key = $1 AND ($2 IS NULL OR version = $2) \
                 ORDER BY version DESC LIMIT 1",
            )
            .bind(&request.definition_key)
            .bind(request.version)
            .fetch_optional(&mut *batch.conn)
            .await?;
            if let (Some((id, version)), None) = (&found, request.version) {
                batch.remember_latest(&request.definition_key, id, *version);
            }
            found
        }
    };
    let (definition_id, version) = def.ok_or_else(|| {
        Error::NotFound(match request.version {
            Some(v) => format!("definition {} version {v}", request.definition_key),
            None => format!("definition {}", request.definition_key),
        })
    })?;
    let def = batch.definition(&definition_id).await?;
    // The API start: the none start event, or without any start event the nodes without
    // incoming flows.
    let api_start = def
        .get_scope(keel_bpmn::ScopeIdx::ROOT)
        .is_some_and(|s| !s.entry_nodes().is_empty());
    if !api_start {
        return Err(Error::Invalid {
            code: "no_none_start_event",
            message: format!(
                "process {} has no none start event: it starts only by its message, timer, \
                 signal or conditional start events",
                request.definition_key
            ),
        });
    }
    let new = NewInstance {
        id: batch.new_id(),
        definition_id,
        definition_key: request.definition_key.clone(),
        version,
        business_key: request.business_key.clone(),
        variables: request.variables,
        started_by: Some(op.caller_id.clone()),
        parent: None,
    };
    let row = create_instance(batch, new, Trigger::Start, ApplyCtx::new(op.actor)).await?;
    // Called instances that complete at once complete their call activities: show that.
    super::follow_up::run_queued(batch).await?;
    let row = batch.instance(&row.id).await?.unwrap_or(row);
    if let Some(key) = &request.idempotency_key {
        query(
            "INSERT INTO idempotency_keys (caller, key, request_hash, instance_id, created_at) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&op.caller_id)
        .bind(key)
        .bind(&op.request_hash)
        .bind(&row.id)
        .bind(batch.now_ms)
        .execute(&mut *batch.conn)
        .await?;
    }
    Ok(Reply::Instance(Box::new(view_in_batch(batch, &row).await?)))
}

/// An instance to create in a batch.
pub(crate) struct NewInstance {
    /// Its id.
    pub id: String,
    /// `key:version`.
    pub definition_id: String,
    /// The process id.
    pub definition_key: String,
    /// The definition version.
    pub version: i64,
    /// Business key.
    pub business_key: Option<String>,
    /// Start variables (the process scope).
    pub variables: Map<String, Json>,
    /// The user who started it.
    pub started_by: Option<String>,
    /// The call activity that started it.
    pub parent: Option<crate::runtime::state::ParentLink>,
}

/// Creates an instance row and applies its start `trigger` (`Start`, or `StartAt` a start event);
/// the audit record gets the definition, business key and start variables besides `ctx.data`.
pub(crate) async fn create_instance(
    batch: &mut Batch<'_>,
    new: NewInstance,
    trigger: Trigger,
    mut ctx: ApplyCtx,
) -> Result<InstanceRow> {
    let mut new = new;
    // `camunda:initiator`: the starting user's name (null when no user started it, as in
    // Camunda 7); a start variable of the same name wins.
    let def = batch.definition(&new.definition_id).await?;
    if let Some(name) = &def.initiator
        && !new.variables.contains_key(name)
    {
        let user = (ctx.actor.kind == "user")
            .then(|| ctx.actor.name.clone())
            .flatten();
        new.variables
            .insert(name.clone(), user.map_or(Json::Null, Json::String));
    }
    let mut state = InstanceState::new(new.variables.clone());
    state
        .engine_values
        .insert("__instance_id".into(), Json::String(new.id.clone()));
    if let Some(bk) = &new.business_key {
        state
            .engine_values
            .insert("__business_key".into(), Json::String(bk.clone()));
    }
    state.parent = new.parent;
    let row = InstanceRow {
        id: new.id,
        definition_id: new.definition_id.clone(),
        definition_key: new.definition_key,
        definition_version: new.version,
        business_key: new.business_key.clone(),
        state: "active".into(),
        started_at: batch.now_ms,
        ended_at: None,
        started_by: new.started_by,
        incidents: 0,
        audit_seq: 0,
        audit_hash: GENESIS_HASH.to_owned(),
        version: 0,
        body: serde_json::to_string(&state).unwrap_or_default(),
    };
    let mut data = Map::new();
    data.insert("definition_id".into(), json!(new.definition_id));
    data.insert("business_key".into(), json!(new.business_key));
    data.insert(
        "start_variables".into(),
        crate::audit::audit_value(&Json::Object(new.variables)),
    );
    data.append(&mut ctx.data);
    ctx.data = data;
    let (row, _, _) = batch.apply(row, trigger, ctx).await?;
    Ok(row)
}

pub(crate) async fn cancel(batch: &mut Batch<'_>, op: CancelOp) -> Result<Reply> {
    let row = load_active(batch, &op.instance_id).await?;
    if let Some(parent) = &batch.state_of(&row)?.parent {
        return Err(Error::Conflict(format!(
            "instance {} was started by call activity '{}' of instance {}; cancel that instance",
            row.id, parent.element_id, parent.instance_id
        )));
    }
    let mut ctx = ApplyCtx::new(op.actor);
    ctx.data.insert("reason".into(), json!(op.reason));
    let (row, _, _) = batch.apply(row, Trigger::Cancel, ctx).await?;
    Ok(Reply::Instance(Box::new(view_in_batch(batch, &row).await?)))
}

pub(crate) async fn set_variables(batch: &mut Batch<'_>, op: SetVariablesOp) -> Result<Reply> {
    let row = load_active(batch, &op.instance_id).await?;
    let ctx = ApplyCtx::new(op.actor);
    let (row, _, _) = batch
        .apply(
            row,
            Trigger::SetVariables {
                variables: op.variables,
            },
            ctx,
        )
        .await?;
    Ok(Reply::Instance(Box::new(view_in_batch(batch, &row).await?)))
}

/// The instance row, which must exist and still be active.
pub(crate) async fn load_active(batch: &mut Batch<'_>, id: &str) -> Result<InstanceRow> {
    let row = batch
        .instance(id)
        .await?
        .ok_or_else(|| Error::NotFound(format!("instance {id}")))?;
    if row.state != "active" {
        return Err(Error::Conflict(format!("instance {id} is {}", row.state)));
    }
    Ok(row)
}
