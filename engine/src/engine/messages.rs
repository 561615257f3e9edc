//! Message correlation: a message (from the API, or thrown by a message throw event: a
//! follow-up of its step, [`publish`], docs/decisions/0013) continues every waiting
//! subscription whose name and correlation key match (at most one per instance; committed rows
//! and those opened earlier in the batch), then starts an instance of every process
//! whose latest version has a message start event for it (`starts`); with no match at all it
//! is buffered for `ttl_ms` and correlates to the first matching catch subscription that opens
//! (it starts an instance only when the instance that held back its correlation key ends,
//! `starts::after_ends`). A repeated `message_id` is answered with the
//! first result and changes nothing (so one message id starts at most one instance).

use crate::store::{built, query};
use serde_json::{Map, Value as Json, json};

use super::Engine;
use super::batch::{ApplyCtx, Batch};
use super::starts::START_EVENT_KEY;
use super::writer::{Op, Reply};
use crate::audit::Actor;
use crate::error::{Error, Result};
use crate::principal::Principal;
use crate::runtime::{CONDITION_PREFIX, ElementKey, Trigger};
use crate::store::rows::SubscriptionRow;

/// `POST /messages`.
#[derive(Debug, Clone, Default)]
pub struct CorrelateRequest {
    /// Message name.
    pub name: String,
    /// Correlation key value.
    pub correlation_key: Option<String>,
    /// Correlate by business key (subscriptions without a correlation key).
    pub business_key: Option<String>,
    /// Correlate to this instance (subscriptions without a correlation key).
    pub instance_id: Option<String>,
    /// Variables the message carries.
    pub variables: Map<String, Json>,
    /// Deduplication id.
    pub message_id: Option<String>,
    /// Buffer this long when nothing matches.
    pub ttl_ms: i64,
}

/// What a message did.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CorrelateResult {
    /// Instances it continued or started.
    pub correlated: Vec<String>,
    /// Instances it started (at message start events), also in `correlated`.
    #[serde(default)]
    pub started: Vec<String>,
    /// It was buffered.
    pub buffered: bool,
}

pub(crate) struct CorrelateOp {
    request: CorrelateRequest,
    actor: Actor,
    /// What the request delivers.
    delivery: Delivery,
}

/// What a [`CorrelateOp`] delivers: the ways variables reach waiting subscriptions.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Delivery {
    /// A message (`POST /api/v1/messages`).
    Message,
    /// Variables for the conditional start events (`evaluate_start_conditions`): of the
    /// latest version of this process key, or of every process.
    StartConditions(Option<String>),
    /// A message thrown by a message throw or end event of instance `by` (a follow-up of its
    /// step): without a message id, that instance's waits had their chance at the throw
    /// (`caught_here`: one took it) and are left out; a message nothing takes is dropped, or
    /// buffered with a time to live, never an error.
    Thrown {
        /// The throwing instance.
        by: String,
        /// One of its waits took it at the throw.
        caught_here: bool,
    },
}

impl Engine {
    /// Publishes a message.
    pub async fn correlate_message(
        &self,
        request: CorrelateRequest,
        caller: &Principal,
    ) -> Result<CorrelateResult> {
        let op = CorrelateOp {
            request,
            actor: caller.actor(),
            delivery: Delivery::Message,
        };
        match self.send(Op::Correlate(op)).await? {
            Reply::Correlated(r) => Ok(r),
            _ => Err(Error::Unavailable),
        }
    }
}

impl Engine {
    /// Evaluates the conditional start events of the latest version of every process (or of
    /// process `definition_key` only) with `variables`, and starts an instance, with those
    /// variables, at each whose condition holds (Camunda 7's
    /// `runtimeService.createConditionEvaluation().evaluateStartConditions()`). Answers the
    /// started instances (`started`, also in `correlated`); none at all is `NotFound`.
    pub async fn evaluate_start_conditions(
        &self,
        definition_key: Option<String>,
        variables: Map<String, Json>,
        caller: &Principal,
    ) -> Result<CorrelateResult> {
        let op = CorrelateOp {
            request: CorrelateRequest {
                name: CONDITION_PREFIX.to_owned(),
                variables,
                ..CorrelateRequest::default()
            },
            actor: caller.actor(),
            delivery: Delivery::StartConditions(definition_key),
        };
        match self.send(Op::Correlate(op)).await? {
            Reply::Correlated(r) => Ok(r),
            _ => Err(Error::Unavailable),
        }
    }
}

pub(crate) async fn correlate(batch: &mut Batch<'_>, op: CorrelateOp) -> Result<Reply> {
    let r = op.request;
    if let Delivery::StartConditions(key) = &op.delivery {
        let started =
            super::conditions::start(batch, key.as_deref(), &r.variables, &op.actor).await?;
        return Ok(Reply::Correlated(CorrelateResult {
            correlated: started.clone(),
            started,
            buffered: false,
        }));
    }
    if let Some(why) = crate::runtime::reserved_message_name(&r.name) {
        return Err(Error::Invalid {
            code: "invalid_message",
            message: why,
        });
    }
    let dedupe_ttl = r.ttl_ms.max(24 * 3600 * 1000);
    if let Some(id) = &r.message_id {
        // Claim the message id first: a concurrent correlation of the same id (this node or
        // another) waits on the row and then sees the claim, so it is never delivered twice.
        let claimed = query(
            "INSERT INTO message_ids (message_id, response, expires_at) VALUES ($1, '', $2) \
             ON CONFLICT (message_id) DO UPDATE SET response = '', expires_at = excluded.expires_at \
             WHERE message_ids.expires_at <= $3",
        )
        .bind(id)
        .bind(batch.now_ms.saturating_add(dedupe_ttl))
        .bind(batch.now_ms)
        .execute(&mut *batch.conn)
        .await?;
        if claimed == 0 {
            let previous: Option<String> =
                query("SELECT response FROM message_ids WHERE message_id = $1")
                    .bind(id)
                    .scalar_optional(&mut *batch.conn)
                    .await?;
            return match previous.and_then(|p| serde_json::from_str::<CorrelateResult>(&p).ok()) {
                Some(result) => Ok(Reply::Correlated(result)),
                None => Err(Error::Conflict(format!(
                    "message {id} is being correlated by another request"
                ))),
            };
        }
    }
    let mut subscriptions: Vec<SubscriptionRow> = query(
        "SELECT * FROM subscriptions WHERE message_name = $1 AND element_key <> $5 AND \
         ((correlation_key IS NOT NULL AND correlation_key = $2) OR \
          (correlation_key IS NULL AND ((business_key IS NOT NULL AND business_key = $3) OR instance_id = $4))) \
         ORDER BY created_at, id",
    )
    .bind(&r.name)
    .bind(&r.correlation_key)
    .bind(&r.business_key)
    .bind(&r.instance_id)
    .bind(START_EVENT_KEY)
    .fetch_all(&mut *batch.conn)
    .await?;
    // And those opened earlier in this batch, not flushed yet.
    batch.add_pending_subscriptions(&mut subscriptions, |s| takes(s, &r));
    // The thrower's own waits had their chance at the throw.
    let (thrown_by, caught_here) = match &op.delivery {
        Delivery::Thrown { by, caught_here } if r.message_id.is_none() => {
            (Some(by.as_str()), *caught_here)
        }
        Delivery::Thrown { by, .. } => (Some(by.as_str()), false),
        _ => (None, false),
    };
    let mut correlated: Vec<String> = Vec::new();
    // Process start events the message reached in instances waiting there (parallel multiple).
    let mut joined: Vec<(String, String)> = Vec::new();
    if let Some(by) = thrown_by
        && caught_here
    {
        correlated.push(by.to_owned());
    }
    for sub in subscriptions {
        let own = r.message_id.is_none() && thrown_by == Some(sub.instance_id.as_str());
        if own
            || correlated.contains(&sub.instance_id)
            || batch.is_removed(&sub.instance_id, sub.element_key)
        {
            continue;
        }
        let Some(instance) = batch.instance(&sub.instance_id).await? else {
            continue;
        };
        if instance.state != "active" {
            continue;
        }
        let definition_id = instance.definition_id.clone();
        let mut ctx = ApplyCtx::new(op.actor.clone());
        ctx.element_id = Some(sub.element_id.clone());
        ctx.data.insert("message_name".into(), json!(r.name));
        ctx.data
            .insert("correlation_key".into(), json!(r.correlation_key));
        ctx.data.insert("message_id".into(), json!(r.message_id));
        if let Some(by) = thrown_by {
            ctx.data.insert("thrown_by".into(), json!(by));
        }
        let trigger = Trigger::MessageCorrelated {
            key: ElementKey::try_from(sub.element_key).unwrap_or(0),
            element_id: sub.element_id.clone(),
            name: r.name.clone(),
            variables: r.variables.clone(),
        };
        match batch.apply(instance, trigger, ctx).await {
            Ok(_) => {
                correlated.push(sub.instance_id.clone());
                if let Some(key) = waits_to_start(batch, &definition_id, &sub.element_id).await? {
                    joined.push((key, sub.element_id.clone()));
                }
            }
            Err(Error::Conflict(_)) => continue,
            Err(e) => return Err(e),
        }
    }
    // Then the message start events of the latest versions (Zeebe: both, in this order); not
    // a parallel multiple start event that the message just joined in an instance waiting
    // there (it is that start).
    let started = super::starts::start_by_message(batch, &r, &op.actor, &joined).await?;
    correlated.extend(started.iter().cloned());
    let mut buffered = false;
    if correlated.is_empty() {
        if r.ttl_ms <= 0 {
            if let Some(id) = &r.message_id {
                // Release the claim: nobody took the message, so the same id may come again
                // (thrown again, or published through the API) and be taken then.
                query("DELETE FROM message_ids WHERE message_id = $1")
                    .bind(id)
                    .execute(&mut *batch.conn)
                    .await?;
            }
            if thrown_by.is_none() {
                return Err(Error::NoSubscription(r.name));
            }
            // A thrown message nothing takes is gone (Camunda 7 passes such an event; Zeebe
            // drops a published message without a time to live).
            tracing::debug!(message = %r.name, "thrown message taken by no one");
            return Ok(Reply::Correlated(CorrelateResult {
                correlated,
                started,
                buffered: false,
            }));
        } else {
            buffer(batch, &r).await?;
            buffered = true;
        }
    }
    let result = CorrelateResult {
        correlated,
        started,
        buffered,
    };
    if let Some(id) = &r.message_id {
        query("UPDATE message_ids SET response = $1 WHERE message_id = $2")
            .bind(serde_json::to_string(&result).unwrap_or_default())
            .bind(id)
            .execute(&mut *batch.conn)
            .await?;
    }
    Ok(Reply::Correlated(result))
}

/// The process key when `element_id` is a start event of the process of `definition_id`: an
/// instance that waits there waits for the rest of a parallel multiple start.
async fn waits_to_start(
    batch: &mut Batch<'_>,
    definition_id: &str,
    element_id: &str,
) -> Result<Option<String>> {
    let def = batch.definition(definition_id).await?;
    let start = def.node_by_id(element_id).is_some_and(|n| {
        let node = def.node(n);
        node.scope == keel_bpmn::ScopeIdx::ROOT
            && matches!(node.kind, keel_bpmn::FlowNodeKind::StartEvent { .. })
    });
    Ok(start.then(|| def.key.clone()))
}

/// Buffers message `r` for its time to live.
async fn buffer(batch: &mut Batch<'_>, r: &CorrelateRequest) -> Result<()> {
    // A wait this command opened before may take it (`follow_up::after_command`).
    batch.buffered_messages = true;
    query(
            "INSERT INTO buffered_messages (id, name, correlation_key, business_key, instance_id, \
             variables, message_id, expires_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(batch.new_id())
        .bind(&r.name)
        .bind(&r.correlation_key)
        .bind(&r.business_key)
        .bind(&r.instance_id)
        .bind(Json::Object(r.variables.clone()).to_string())
        .bind(&r.message_id)
        .bind(batch.now_ms.saturating_add(r.ttl_ms))
        .bind(batch.now_ms)
        .execute(&mut *batch.conn)
        .await?;
    Ok(())
}

/// True when subscription `sub` takes message `r` (the query's rule, for rows not flushed).
fn takes(sub: &SubscriptionRow, r: &CorrelateRequest) -> bool {
    sub.message_name == r.name
        && sub.element_key != START_EVENT_KEY
        && match &sub.correlation_key {
            Some(key) => r.correlation_key.as_ref() == Some(key),
            None => {
                (sub.business_key.is_some() && sub.business_key == r.business_key)
                    || r.instance_id.as_ref() == Some(&sub.instance_id)
            }
        }
}

/// Publishes the message a throw event of instance `by` threw (a follow-up of its step), as
/// `POST /api/v1/messages` would with that instance's business key.
pub(crate) async fn publish(
    batch: &mut Batch<'_>,
    by: &str,
    thrown: Thrown,
    actor: &Actor,
) -> Result<()> {
    let business_key = batch.instance(by).await?.and_then(|i| i.business_key);
    let op = CorrelateOp {
        request: CorrelateRequest {
            name: thrown.name,
            correlation_key: thrown.correlation_key,
            business_key,
            instance_id: Some(by.to_owned()),
            variables: thrown.variables,
            message_id: thrown.message_id,
            ttl_ms: thrown.ttl_ms,
        },
        actor: actor.clone(),
        delivery: Delivery::Thrown {
            by: by.to_owned(),
            caught_here: thrown.caught_here,
        },
    };
    correlate(batch, op).await.map(|_| ())
}

/// A message a throw event threw ([`crate::runtime::Effect::PublishMessage`]).
pub(crate) struct Thrown {
    /// Its name.
    pub name: String,
    /// Its correlation key, if the model gives one.
    pub correlation_key: Option<String>,
    /// Its variables.
    pub variables: Map<String, Json>,
    /// How long it is buffered when nothing takes it.
    pub ttl_ms: i64,
    /// Its deduplication id.
    pub message_id: Option<String>,
    /// A wait of the throwing instance took it at the throw.
    pub caught_here: bool,
}

/// After subscriptions opened in this batch, hands each the oldest live buffered message that
/// matches it. Called by the writer after every applied command.
pub(crate) async fn deliver_buffered(batch: &mut Batch<'_>, from: usize) -> Result<()> {
    let mut index = from;
    while index < batch.writes.subscriptions.len() {
        let sub = batch.writes.subscriptions[index].clone();
        index += 1;
        if batch.is_removed(&sub.instance_id, sub.element_key)
            || crate::runtime::is_engine_subscription(&sub.message_name)
        {
            continue;
        }
        // Another node may be delivering the same message: take only one no one holds.
        let message: Option<(String, String)> = built(format!(
            "SELECT id, variables FROM buffered_messages WHERE name = $1 AND expires_at > $2 AND \
             ((correlation_key IS NOT NULL AND correlation_key = $3) OR \
              (($3 IS NULL) AND ((business_key IS NOT NULL AND business_key = $4) OR instance_id = $5))) \
             ORDER BY created_at LIMIT 1{}",
            batch.conn.dialect().skip_locked()
        ))
        .bind(&sub.message_name)
        .bind(batch.now_ms)
        .bind(&sub.correlation_key)
        .bind(&sub.business_key)
        .bind(&sub.instance_id)
        .fetch_optional(&mut *batch.conn)
        .await?;
        let Some((message_id, variables)) = message else {
            continue;
        };
        let Some(instance) = batch.instance(&sub.instance_id).await? else {
            continue;
        };
        let variables = match serde_json::from_str(&variables) {
            Ok(Json::Object(m)) => m,
            _ => Map::new(),
        };
        let mut ctx = ApplyCtx::new(Actor::system());
        ctx.element_id = Some(sub.element_id.clone());
        ctx.data
            .insert("message_name".into(), json!(sub.message_name));
        ctx.data
            .insert("buffered_message".into(), json!(message_id));
        let trigger = Trigger::MessageCorrelated {
            key: ElementKey::try_from(sub.element_key).unwrap_or(0),
            element_id: sub.element_id.clone(),
            name: sub.message_name.clone(),
            variables,
        };
        match batch.apply(instance, trigger, ctx).await {
            Ok(_) => {
                query("DELETE FROM buffered_messages WHERE id = $1")
                    .bind(&message_id)
                    .execute(&mut *batch.conn)
                    .await?;
            }
            Err(Error::Conflict(_)) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}
