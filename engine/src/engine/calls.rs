//! Call activities across instances, run as follow-ups in the transaction of the step that asked:
//! starting the called instance (a new row with its own audit chain; its state names the calling
//! instance and call activity), completing the call activity when the called instance completes,
//! cancelling the called instance when the call activity is terminated, offering an error the
//! called instance does not catch to the calling instances, innermost first, and mirroring the
//! called instance's open incidents on its call activity.
//!
//! A called instance's id is the caller's id, `.`, and the call activity's element key: unique
//! (element keys are never reused) and found again from the caller without a lookup.

use serde_json::{Map, Value as Json, json};

use super::batch::{ApplyCtx, Batch};
use super::instances::{NewInstance, create_instance};
use crate::audit::Actor;
use crate::error::{Error, Result};
use crate::runtime::state::ParentLink;
use crate::runtime::{CallSpec, CalledVersion, ElementKey, Trigger};
use crate::store::query;

/// The id of the instance called by call activity instance `key` of instance `caller`.
pub(crate) fn called_instance_id(caller: &str, key: ElementKey) -> String {
    format!("{caller}.{key}")
}

/// Starts the instance call activity `spec.key` of instance `caller` asked for; when that is not
/// possible the call activity gets a `call_failed` incident.
pub(crate) async fn start_called(
    batch: &mut Batch<'_>,
    caller: &str,
    mut spec: CallSpec,
    actor: &Actor,
) -> Result<()> {
    let Some(caller_row) = batch.instance(caller).await? else {
        return Ok(());
    };
    if caller_row.state != "active" {
        return Ok(());
    }
    let id = called_instance_id(caller, spec.key);
    if batch.instance(&id).await?.is_some() {
        return Ok(()); // started already
    }
    let failure = match definition(batch, &caller_row.definition_id, &spec).await? {
        None => Some(match &spec.version {
            CalledVersion::Latest => format!("no process '{}' is deployed", spec.process_id),
            CalledVersion::Deployment => format!(
                "no version of process '{}' was deployed with {}",
                spec.process_id, caller_row.definition_id
            ),
            CalledVersion::Number(v) => {
                format!("process '{}' has no version {v}", spec.process_id)
            }
        }),
        Some((definition_id, version)) => {
            match data_inputs(batch, &definition_id, &mut spec).await? {
                Err(message) => Some(message),
                Ok(variables) => {
                    let new = NewInstance {
                        id,
                        definition_id,
                        definition_key: spec.process_id.clone(),
                        version,
                        business_key: None,
                        variables,
                        started_by: caller_row.started_by.clone(),
                        parent: Some(ParentLink {
                            instance_id: caller.to_owned(),
                            key: spec.key,
                            element_id: spec.element_id.clone(),
                            depth: spec.depth,
                        }),
                    };
                    let mut ctx = ApplyCtx::new(actor.clone());
                    ctx.data.insert(
                        "called_by".into(),
                        json!({"instance_id": caller, "element_id": spec.element_id}),
                    );
                    match create_instance(batch, new, Trigger::Start, ctx).await {
                        Ok(_) => None,
                        // The called process cannot start (no none start event...).
                        Err(Error::Conflict(e)) => Some(format!(
                            "process '{}' could not be started: {e}",
                            spec.process_id
                        )),
                        Err(e) => return Err(e),
                    }
                }
            }
        }
    };
    let Some(message) = failure else {
        return Ok(());
    };
    let Some(caller_row) = batch.instance(caller).await? else {
        return Ok(());
    };
    let mut ctx = ApplyCtx::new(actor.clone());
    ctx.element_id = Some(spec.element_id.clone());
    ctx.data.insert("message".into(), json!(message));
    let trigger = Trigger::CallFailed {
        key: spec.key,
        message,
    };
    match batch.apply(caller_row, trigger, ctx).await {
        Ok(_) | Err(Error::Conflict(_)) => Ok(()),
        Err(e) => Err(e),
    }
}

/// The variables the called instance starts with: what the call activity passes, or, when the
/// called process declares data inputs (its `ioSpecification`), exactly those, each of which
/// the call activity must pass (SpiffWorkflow's rule); `Err` says which one is missing.
async fn data_inputs(
    batch: &mut Batch<'_>,
    definition_id: &str,
    spec: &mut CallSpec,
) -> Result<std::result::Result<Map<String, Json>, String>> {
    let def = batch.definition(definition_id).await?;
    if def.data_inputs.is_empty() {
        // Taken, not copied: the call passes them on and needs them no more.
        return Ok(Ok(std::mem::take(&mut spec.variables)));
    }
    let mut variables = Map::new();
    for input in &def.data_inputs {
        let Some(value) = spec.variables.get(input) else {
            return Ok(Err(format!(
                "'{}' passes no variable '{input}', a data input of process '{}'",
                spec.element_id, spec.process_id
            )));
        };
        variables.insert(input.clone(), value.clone());
    }
    Ok(Ok(variables))
}

/// The definition id and version the call resolves to.
async fn definition(
    batch: &mut Batch<'_>,
    caller_definition: &str,
    spec: &CallSpec,
) -> Result<Option<(String, i64)>> {
    let key = &spec.process_id;
    let found: Option<(String, i64)> = match spec.version {
        CalledVersion::Latest => {
            if let Some(found) = batch.latest_definition(key) {
                return Ok(Some(found));
            }
            query(
                "SELECT id, version FROM definitions WHERE key = $1 ORDER BY version DESC LIMIT 1",
            )
            .bind(key)
            .fetch_optional(&mut *batch.conn)
            .await?
        }
        CalledVersion::Number(v) => {
            query("SELECT id, version FROM definitions WHERE key = $1 AND version = $2")
                .bind(key)
                .bind(v)
                .fetch_optional(&mut *batch.conn)
                .await?
        }
        CalledVersion::Deployment => {
            let same: Option<(String, i64)> = query(
                "SELECT id, version FROM definitions WHERE key = $1 AND deployment_id = \
                 (SELECT deployment_id FROM definitions WHERE id = $2) ORDER BY version DESC LIMIT 1",
            )
            .bind(key)
            .bind(caller_definition)
            .fetch_optional(&mut *batch.conn)
            .await?;
            match same {
                Some(found) => Some(found),
                // Deployed unchanged with the caller (no new version): the version that was
                // the latest when the caller's version was deployed.
                None => query(
                    "SELECT id, version FROM definitions WHERE key = $1 AND deployed_at <= \
                     (SELECT deployed_at FROM definitions WHERE id = $2) ORDER BY version DESC LIMIT 1",
                )
                .bind(key)
                .bind(caller_definition)
                .fetch_optional(&mut *batch.conn)
                .await?,
            }
        }
    };
    Ok(found)
}

/// A called instance that completed, for its caller.
pub(crate) struct Completed {
    /// The calling instance.
    pub caller: String,
    /// Its call activity's element instance.
    pub key: ElementKey,
    /// The call activity's BPMN id.
    pub element_id: String,
    /// The called instance.
    pub called: String,
    /// The called instance's process-scope variables.
    pub variables: Map<String, Json>,
}

/// Completes the call activity whose called instance completed.
pub(crate) async fn complete_caller(
    batch: &mut Batch<'_>,
    completed: Completed,
    actor: &Actor,
) -> Result<()> {
    let Some(caller) = batch.instance(&completed.caller).await? else {
        return Ok(());
    };
    if caller.state != "active" {
        return Ok(());
    }
    let mut ctx = ApplyCtx::new(actor.clone());
    ctx.element_id = Some(completed.element_id);
    ctx.data
        .insert("called_instance".into(), json!(completed.called));
    let trigger = Trigger::CalledCompleted {
        key: completed.key,
        variables: completed.variables,
    };
    match batch.apply(caller, trigger, ctx).await {
        Ok(_) => Ok(()),
        Err(Error::Conflict(e)) => {
            tracing::warn!(instance = %completed.caller, error = %e, "call activity no longer waits");
            Ok(())
        }
        Err(e) => Err(e),
    }
}

/// Cancels the instance called by call activity instance `key` of `caller` (it was terminated).
pub(crate) async fn cancel_called(
    batch: &mut Batch<'_>,
    caller: &str,
    key: ElementKey,
    actor: &Actor,
) -> Result<()> {
    let id = called_instance_id(caller, key);
    let Some(called) = batch.instance(&id).await? else {
        return Ok(()); // never started
    };
    if called.state != "active" {
        return Ok(());
    }
    let mut ctx = ApplyCtx::new(actor.clone());
    ctx.data.insert(
        "reason".into(),
        json!("the call activity that started it was terminated"),
    );
    ctx.data.insert("called_by".into(), json!(caller));
    match batch.apply(called, Trigger::Cancel, ctx).await {
        Ok(_) | Err(Error::Conflict(_)) => Ok(()),
        Err(e) => Err(e),
    }
}

/// An error an end event of a called instance threw and nothing there caught.
pub(crate) struct Thrown<'a> {
    /// The called instance.
    pub called: &'a str,
    /// The end event's element instance.
    pub key: ElementKey,
    /// The error code.
    pub code: &'a str,
    /// The error's message, if any.
    pub message: Option<&'a str>,
}

/// Offers the error `thrown` by an end event of a called instance and not caught there to the
/// calling instances, innermost first; the first that catches it terminates its call activity
/// (which cancels the called instances below). When none does, the end event gets an
/// `unhandled_error` incident.
pub(crate) async fn propagate_error(
    batch: &mut Batch<'_>,
    thrown: Thrown<'_>,
    actor: &Actor,
) -> Result<()> {
    let Thrown {
        called,
        key,
        code,
        message,
    } = thrown;
    let Some(row) = batch.instance(called).await? else {
        return Ok(());
    };
    let mut link = batch.state_of(&row)?.parent.clone();
    for _ in 0..=crate::runtime::MAX_CALL_DEPTH {
        let Some(at) = link else {
            break;
        };
        let Some(caller) = batch.instance(&at.instance_id).await? else {
            break;
        };
        if caller.state != "active" {
            break;
        }
        let mut ctx = ApplyCtx::new(actor.clone());
        ctx.element_id = Some(at.element_id.clone());
        ctx.data.insert("error_code".into(), json!(code));
        ctx.data.insert("thrown_in".into(), json!(called));
        let trigger = Trigger::CalledErrorThrown {
            key: at.key,
            code: code.to_owned(),
            message: message.map(str::to_owned),
        };
        match batch.apply(caller.clone(), trigger, ctx).await {
            Ok(_) => return Ok(()),
            Err(Error::Conflict(_)) => link = batch.state_of(&caller)?.parent.clone(),
            Err(e) => return Err(e),
        }
    }
    let Some(row) = batch.instance(called).await? else {
        return Ok(());
    };
    if row.state != "active" {
        return Ok(());
    }
    let mut ctx = ApplyCtx::new(actor.clone());
    ctx.data.insert("error_code".into(), json!(code));
    let trigger = Trigger::ErrorNotCaught {
        key,
        code: code.to_owned(),
    };
    match batch.apply(row, trigger, ctx).await {
        Ok(_) | Err(Error::Conflict(_)) => Ok(()),
        Err(e) => Err(e),
    }
}

/// A called instance got its first open incident or resolved its last one.
pub(crate) struct Mirror {
    /// The calling instance.
    pub caller: String,
    /// Its call activity's element instance.
    pub key: ElementKey,
    /// The call activity's BPMN id.
    pub element_id: String,
    /// The called instance.
    pub called: String,
    /// The called instance has open incidents.
    pub open: bool,
}

/// Raises or clears the `called_instance_incident` of the call activity (which, changing the
/// caller's own incidents, goes on up to its caller).
pub(crate) async fn mirror_incidents(
    batch: &mut Batch<'_>,
    mirror: Mirror,
    actor: &Actor,
) -> Result<()> {
    let Some(caller) = batch.instance(&mirror.caller).await? else {
        return Ok(());
    };
    if caller.state != "active" {
        return Ok(());
    }
    let mut ctx = ApplyCtx::new(actor.clone());
    ctx.element_id = Some(mirror.element_id);
    ctx.data
        .insert("called_instance".into(), json!(mirror.called));
    ctx.data.insert("open".into(), json!(mirror.open));
    let trigger = Trigger::CalledIncidents {
        key: mirror.key,
        open: mirror.open,
        called: mirror.called,
    };
    match batch.apply(caller, trigger, ctx).await {
        Ok(_) | Err(Error::Conflict(_)) => Ok(()),
        Err(e) => Err(e),
    }
}
