//! Incidents: listing and resolving. Resolving retries the failed step: a failed job is handed
//! out again with the given retries, an activation or completion is re-run, a step-budget stop
//! continues where it stopped.

use crate::store::{built, query};
use serde_json::{Map, Value as Json, json};

use super::Engine;
use super::batch::{ApplyCtx, Batch};
use super::writer::{Op, Reply};
use crate::audit::Actor;
use crate::error::{Error, Result};
use crate::principal::Principal;
use crate::runtime::{ElementKey, Trigger};
use crate::store::rows::{IncidentRow, JobRow};
use crate::views::{IncidentView, Page};

pub(crate) struct ResolveOp {
    incident_id: String,
    retries: Option<i64>,
    variables: Map<String, Json>,
    actor: Actor,
}

impl Engine {
    /// Incidents, newest first.
    pub async fn list_incidents(
        &self,
        instance_id: Option<&str>,
        state: Option<&str>,
        limit: i64,
        offset: i64,
    ) -> Result<Page<IncidentView>> {
        const WHERE: &str = "WHERE ($1 IS NULL OR instance_id = $1) AND ($2 IS NULL OR state = $2)";
        let rows: Vec<IncidentRow> = built(format!(
            "SELECT * FROM incidents {WHERE} ORDER BY created_at DESC, id DESC LIMIT $3 OFFSET $4"
        ))
        .bind(instance_id)
        .bind(state)
        .bind(limit)
        .bind(offset)
        .fetch_all(self.read())
        .await?;
        let total: i64 = built(format!("SELECT COUNT(*) FROM incidents {WHERE}"))
            .bind(instance_id)
            .bind(state)
            .scalar(self.read())
            .await?;
        Ok(Page {
            items: rows.iter().map(IncidentView::from_row).collect(),
            total,
        })
    }

    /// Resolves an open incident, optionally setting variables first.
    pub async fn resolve_incident(
        &self,
        id: &str,
        retries: Option<i64>,
        variables: Map<String, Json>,
        caller: &Principal,
    ) -> Result<()> {
        let op = ResolveOp {
            incident_id: id.to_owned(),
            retries,
            variables,
            actor: caller.actor(),
        };
        self.send(Op::Resolve(op)).await.map(|_| ())
    }
}

pub(crate) async fn resolve(batch: &mut Batch<'_>, op: ResolveOp) -> Result<Reply> {
    let row: Option<IncidentRow> = query("SELECT * FROM incidents WHERE id = $1")
        .bind(&op.incident_id)
        .fetch_optional(&mut *batch.conn)
        .await?;
    let incident = row.ok_or_else(|| Error::NotFound(format!("incident {}", op.incident_id)))?;
    if incident.state != "open" {
        return Err(Error::Conflict(format!(
            "incident {} is already resolved",
            incident.id
        )));
    }
    if incident.kind == crate::runtime::CALLED_INCIDENT {
        // Its message names the called instance, where the incident to resolve is.
        return Err(Error::Conflict(format!(
            "incident {} cannot be resolved here: {}",
            incident.id, incident.message
        )));
    }
    let mut instance = super::instances::load_active(batch, &incident.instance_id).await?;
    if !op.variables.is_empty() {
        let ctx = ApplyCtx::new(op.actor.clone());
        let trigger = Trigger::SetVariables {
            variables: op.variables,
        };
        instance = batch.apply(instance, trigger, ctx).await?.0;
    }
    let mut ctx = ApplyCtx::new(op.actor);
    ctx.element_id = Some(incident.element_id.clone());
    ctx.data.insert("incident_id".into(), json!(incident.id));
    ctx.data
        .insert("incident_kind".into(), json!(incident.kind));
    let trigger = Trigger::ResolveIncident {
        key: ElementKey::try_from(incident.element_key).unwrap_or(0),
    };
    batch.apply(instance, trigger, ctx).await?;
    if let Some(job_id) = &incident.job_id {
        let retries = op.retries.unwrap_or(1).max(1);
        let ready: Option<JobRow> = query(
            "UPDATE jobs SET state = 'ready', retries = $1, available_at = $2, lock_owner = NULL, \
             version = version + 1 WHERE id = $3 AND state = 'failed' RETURNING *",
        )
        .bind(retries)
        .bind(batch.now_ms)
        .bind(job_id)
        .fetch_optional(&mut *batch.conn)
        .await?;
        if let Some(row) = ready {
            batch.job_written(row);
        }
        batch.jobs_created = true;
    }
    Ok(Reply::Empty)
}
