//! Signals: a broadcast reaches every signal subscription open at that moment (intermediate
//! catch, boundary and event sub-process start events, in every instance) and starts an
//! instance of every process whose latest version has a signal start event of that name. Signals
//! are not buffered: one nobody waits for is gone. A broadcast comes from the API
//! ([`Engine::broadcast_signal`]) or from a signal throw event (a follow-up of its step, in the
//! same transaction; the throwing instance's own waits took it in the step, at the throw, and
//! its rows are left out here); each is one global audit record `signal_broadcast`, and each
//! instance it reaches gets its own record (`signal_received`, `instance_started`).
//!
//! Subscriptions are rows of `subscriptions` whose `message_name` is `signal:<name>`
//! (docs/decisions/0008-signal-subscriptions.md); a signal start event's row belongs to its
//! definition version: `instance_id` is the definition id and `element_key` is
//! [`START_EVENT_KEY`], opened at deployment by `starts::on_deploy`.

use serde_json::{Map, Value as Json, json};

use super::Engine;
use super::batch::{ApplyCtx, Batch};
use super::instances::{NewInstance, create_instance};
use super::starts::{START_EVENT_KEY, version_of};
use super::writer::{Op, Reply};
use crate::audit::{Actor, audit_value};
use crate::error::{Error, Result};
use crate::principal::Principal;
use crate::runtime::{ElementKey, Occurrence, SIGNAL_PREFIX, Trigger};
use crate::store::query;
use crate::store::rows::SubscriptionRow;

/// What a broadcast did.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SignalResult {
    /// Instances it reached (each once, however many of its events caught it).
    pub caught: Vec<String>,
    /// Instances it started.
    pub started: Vec<String>,
}

pub(crate) struct BroadcastOp {
    name: String,
    variables: Map<String, Json>,
    actor: Actor,
}

impl Engine {
    /// Broadcasts signal `name` with `variables` to every open signal catch event and starts the
    /// processes with a signal start event of that name. Not buffered.
    pub async fn broadcast_signal(
        &self,
        name: &str,
        variables: Map<String, Json>,
        caller: &Principal,
    ) -> Result<SignalResult> {
        if name.trim().is_empty() {
            return Err(Error::Invalid {
                code: "invalid_signal",
                message: "a signal needs a name".into(),
            });
        }
        let op = BroadcastOp {
            name: name.to_owned(),
            variables,
            actor: caller.actor(),
        };
        match self.send(Op::BroadcastSignal(op)).await? {
            Reply::Signalled(r) => Ok(r),
            _ => Err(Error::Unavailable),
        }
    }
}

/// Who threw a signal a throw event threw: its own waits took it in the throwing step.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Thrown<'a> {
    /// The throwing instance.
    pub by: &'a str,
    /// One of its waits caught it.
    pub caught_here: bool,
}

pub(crate) async fn broadcast(batch: &mut Batch<'_>, op: BroadcastOp) -> Result<Reply> {
    let result = deliver(batch, &op.name, &op.variables, &op.actor, None).await?;
    Ok(Reply::Signalled(result))
}

/// Delivers signal `name` (thrown by a throw event, or by the API) to the subscriptions open
/// now: committed ones and those opened earlier in this batch; a throwing instance's own waits
/// took it in its step already.
pub(crate) async fn deliver(
    batch: &mut Batch<'_>,
    name: &str,
    variables: &Map<String, Json>,
    actor: &Actor,
    thrown: Option<Thrown<'_>>,
) -> Result<SignalResult> {
    let thrown_by = thrown.map(|t| t.by);
    let full = format!("{SIGNAL_PREFIX}{name}");
    let mut subscriptions: Vec<SubscriptionRow> =
        query("SELECT * FROM subscriptions WHERE message_name = $1 ORDER BY created_at, id")
            .bind(&full)
            .fetch_all(&mut *batch.conn)
            .await?;
    batch.add_pending_subscriptions(&mut subscriptions, |s| s.message_name == full);
    let mut result = SignalResult::default();
    if let Some(Thrown {
        by,
        caught_here: true,
    }) = thrown
    {
        result.caught.push(by.to_owned());
    }
    for sub in subscriptions {
        if sub.element_key == START_EVENT_KEY {
            match start(batch, &sub, name, variables, actor).await {
                Ok(started) => result.started.push(started),
                Err(Error::Conflict(e) | Error::NotFound(e)) => {
                    tracing::warn!(definition = %sub.instance_id, error = %e, "signal start failed")
                }
                Err(e) => return Err(e),
            }
            continue;
        }
        if batch.is_removed(&sub.instance_id, sub.element_key)
            || thrown_by == Some(sub.instance_id.as_str())
        {
            continue;
        }
        let Some(instance) = batch.instance(&sub.instance_id).await? else {
            continue;
        };
        if instance.state != "active" {
            continue;
        }
        let mut ctx = ApplyCtx::new(actor.clone());
        ctx.element_id = Some(sub.element_id.clone());
        ctx.data.insert("signal_name".into(), json!(name));
        ctx.data.insert("thrown_by".into(), json!(thrown_by));
        let trigger = Trigger::SignalReceived {
            key: ElementKey::try_from(sub.element_key).unwrap_or(0),
            element_id: sub.element_id.clone(),
            name: name.to_owned(),
            variables: variables.clone(),
        };
        match batch.apply(instance, trigger, ctx).await {
            Ok(_) => {
                if !result.caught.contains(&sub.instance_id) {
                    result.caught.push(sub.instance_id.clone());
                }
            }
            // The element no longer waits for it (ended or interrupted in this broadcast).
            Err(Error::Conflict(_)) => {}
            Err(e) => return Err(e),
        }
    }
    batch.append_audit(
        None,
        "signal_broadcast",
        None,
        actor.clone(),
        json!({
            "name": name,
            "variables": audit_value(&Json::Object(variables.clone())),
            "thrown_by": thrown_by,
            "caught": result.caught,
            "started": result.started,
        }),
    );
    Ok(result)
}

/// Starts an instance of the definition of start subscription `sub` at its signal start event.
async fn start(
    batch: &mut Batch<'_>,
    sub: &SubscriptionRow,
    name: &str,
    variables: &Map<String, Json>,
    actor: &Actor,
) -> Result<String> {
    let def = batch.definition(&sub.instance_id).await?;
    let version = version_of(&sub.instance_id);
    let new = NewInstance {
        id: batch.new_id(),
        definition_id: sub.instance_id.clone(),
        definition_key: def.key.clone(),
        version,
        business_key: None,
        variables: variables.clone(),
        started_by: Some(actor.id.clone()),
        parent: None,
    };
    let mut ctx = ApplyCtx::new(actor.clone());
    ctx.element_id = Some(sub.element_id.clone());
    ctx.data.insert("signal_name".into(), json!(name));
    let trigger = Trigger::StartAt {
        element_id: sub.element_id.clone(),
        by: Some(Occurrence::Signal(name.to_owned())),
    };
    let row = create_instance(batch, new, trigger, ctx).await?;
    Ok(row.id)
}
