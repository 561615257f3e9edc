//! Process-level start events besides the none start event: signal, message and timer start
//! events of the latest version of each process key (docs/decisions/0009).
//!
//! Deploying a new version of a key replaces the previous version's start subscriptions and
//! start timers with its own, in the deployment's transaction (Camunda 7 and 8 alike), so only
//! the latest version starts on a message, a signal or a timer.
//!
//! - Signal and message start events are rows of `subscriptions` owned by the definition
//!   (`instance_id` = definition id, `element_key` = [`START_EVENT_KEY`];
//!   docs/decisions/0008). A message starts an instance of each process whose latest version
//!   waits for it ([`start_by_message`]), besides continuing the waiting instances (Zeebe).
//!   A message with a correlation key does not start a process while an instance of it that a
//!   message with the same key started is still active (Zeebe); buffered (with a TTL), such a
//!   message starts the next instance when that one ends ([`after_ends`]).
//! - Timer start events are rows of `start_timers`: `timeDate` due at that instant,
//!   `timeDuration` that long after the deployment, `timeCycle` at its first due time. Firing
//!   one ([`fire`]) starts an instance in the transaction that moves a cycle's row to its next
//!   due time (reckoned from the due time that fired; after downtime the missed firings are one)
//!   or deletes the row; PostgreSQL nodes take rows with `SKIP LOCKED`, so each due time fires
//!   once.

use keel_bpmn::{EventTrigger, FlowNodeKind, ProcessDefinition, ScopeIdx, Text, TimerDefinition};
use serde_json::{Map, Value as Json, json};

use super::batch::{ApplyCtx, Batch};
use super::instances::{NewInstance, create_instance};
use super::messages::CorrelateRequest;
use crate::audit::Actor;
use crate::error::{Error, Result};
use crate::runtime::{
    CONDITION_PREFIX, Cycle, Occurrence, SIGNAL_PREFIX, TimerKind, Trigger, parse_due,
};
use crate::store::rows::{StartTimerRow, SubscriptionRow};
use crate::store::{built, query};

/// `element_key` of the subscription row of a process's signal or message start event.
pub(crate) const START_EVENT_KEY: i64 = -1;

/// After deploying `definition_id` (a new version of its key, replacing `previous`): the start
/// events of the new version replace those of the previous one.
pub(crate) async fn on_deploy(
    batch: &mut Batch<'_>,
    previous: Option<&str>,
    definition_id: &str,
    process: &ProcessDefinition,
) -> Result<()> {
    if let Some(previous) = previous {
        query("DELETE FROM subscriptions WHERE instance_id = $1 AND element_key = $2")
            .bind(previous)
            .bind(START_EVENT_KEY)
            .execute(&mut *batch.conn)
            .await?;
        query("DELETE FROM start_timers WHERE definition_id = $1")
            .bind(previous)
            .execute(&mut *batch.conn)
            .await?;
    }
    let starts = process
        .get_scope(ScopeIdx::ROOT)
        .map(|s| s.start_events.clone())
        .unwrap_or_default();
    for start in starts {
        let node = process.node(start);
        let FlowNodeKind::StartEvent { trigger, .. } = &node.kind else {
            continue;
        };
        // Deployment refuses expressions in all three; an event with several definitions
        // starts on each.
        for definition in trigger.definitions() {
            open_start(batch, definition_id, &node.id, definition).await?;
        }
    }
    Ok(())
}

/// Opens the start subscription or timer of one definition of start event `element_id`.
async fn open_start(
    batch: &mut Batch<'_>,
    definition_id: &str,
    element_id: &str,
    trigger: &EventTrigger,
) -> Result<()> {
    match trigger {
        EventTrigger::Signal(signal) => {
            if let Text::Static(name) = &signal.name {
                let name = format!("{SIGNAL_PREFIX}{name}");
                subscribe(batch, definition_id, element_id, &name).await?;
            }
        }
        EventTrigger::Message(message) => {
            if let Text::Static(name) = &message.name {
                subscribe(batch, definition_id, element_id, name).await?;
            }
        }
        EventTrigger::Timer(timer) => {
            schedule(batch, definition_id, element_id, timer).await?;
        }
        EventTrigger::Conditional(_) => {
            let name = format!("{CONDITION_PREFIX}{element_id}");
            subscribe(batch, definition_id, element_id, &name).await?;
        }
        _ => {}
    }
    Ok(())
}

/// True when `process` has a message start event at process level: only its instances can
/// hold a correlation key that a buffered message waits for ([`after_ends`]).
pub(crate) fn has_message_start(process: &ProcessDefinition) -> bool {
    process.get_scope(ScopeIdx::ROOT).is_some_and(|scope| {
        scope
            .start_events
            .iter()
            .any(|&start| match &process.node(start).kind {
                FlowNodeKind::StartEvent { trigger, .. } => trigger
                    .definitions()
                    .iter()
                    .any(|d| matches!(d, EventTrigger::Message(_))),
                _ => false,
            })
    })
}

async fn subscribe(
    batch: &mut Batch<'_>,
    definition_id: &str,
    element_id: &str,
    name: &str,
) -> Result<()> {
    query(
        "INSERT INTO subscriptions (id, instance_id, element_key, element_id, message_name, \
         correlation_key, business_key, created_at) VALUES ($1, $2, $3, $4, $5, NULL, NULL, $6)",
    )
    .bind(batch.new_id())
    .bind(definition_id)
    .bind(START_EVENT_KEY)
    .bind(element_id)
    .bind(name)
    .bind(batch.now_ms)
    .execute(&mut *batch.conn)
    .await?;
    Ok(())
}

/// The static value of a timer start event and how to read it.
fn timer_value(timer: &TimerDefinition) -> Option<(TimerKind, &str)> {
    match timer {
        TimerDefinition::Date(Text::Static(v)) => Some((TimerKind::Date, v)),
        TimerDefinition::Duration(Text::Static(v)) => Some((TimerKind::Duration, v)),
        TimerDefinition::Cycle(Text::Static(v)) => Some((TimerKind::Cycle, v)),
        _ => None,
    }
}

/// Schedules the first firing of timer start event `element_id`.
async fn schedule(
    batch: &mut Batch<'_>,
    definition_id: &str,
    element_id: &str,
    timer: &TimerDefinition,
) -> Result<()> {
    let Some((kind, value)) = timer_value(timer) else {
        return Ok(());
    };
    let now = batch.now.to_zoned(jiff::tz::TimeZone::UTC);
    let due_at = match parse_due(kind, value, &now) {
        Ok(due) => due,
        Err(e) => {
            // A cycle that has already ended (checked for shape at deploy): nothing to schedule.
            tracing::warn!(definition = %definition_id, element = %element_id, error = %e,
                "timer start event not scheduled");
            return Ok(());
        }
    };
    query(
        "INSERT INTO start_timers (id, definition_id, element_id, due_at, fired, created_at) \
         VALUES ($1, $2, $3, $4, 0, $5)",
    )
    .bind(batch.new_id())
    .bind(definition_id)
    .bind(element_id)
    .bind(due_at)
    .bind(batch.now_ms)
    .execute(&mut *batch.conn)
    .await?;
    Ok(())
}

/// A message starting instances.
struct StartMessage<'a> {
    name: &'a str,
    correlation_key: Option<&'a str>,
    business_key: Option<&'a str>,
    variables: &'a Map<String, Json>,
    message_id: Option<&'a str>,
    /// The buffered message it was, if it was.
    buffered: Option<&'a str>,
}

/// Starts an instance of every process whose latest version has a message start event for the
/// message `r` (unless the correlation key rule holds it back, or the message joined a waiting
/// instance of that process at that start event, one of `joined`: (process key, start event
/// id)); returns the instances started.
pub(crate) async fn start_by_message(
    batch: &mut Batch<'_>,
    r: &CorrelateRequest,
    actor: &Actor,
    joined: &[(String, String)],
) -> Result<Vec<String>> {
    let subscriptions: Vec<SubscriptionRow> = query(
        "SELECT * FROM subscriptions WHERE message_name = $1 AND element_key = $2 \
         ORDER BY created_at, id",
    )
    .bind(&r.name)
    .bind(START_EVENT_KEY)
    .fetch_all(&mut *batch.conn)
    .await?;
    let message = StartMessage {
        name: &r.name,
        // An empty key is no key (Zeebe).
        correlation_key: r.correlation_key.as_deref().filter(|k| !k.is_empty()),
        business_key: r.business_key.as_deref(),
        variables: &r.variables,
        message_id: r.message_id.as_deref(),
        buffered: None,
    };
    let mut started = Vec::new();
    for sub in subscriptions {
        let key = sub
            .instance_id
            .rsplit_once(':')
            .map_or(sub.instance_id.as_str(), |(key, _)| key);
        if joined.iter().any(|(k, e)| k == key && *e == sub.element_id) {
            continue;
        }
        if let Some(id) = start_at(batch, &sub, &message, actor).await? {
            started.push(id);
        }
    }
    Ok(started)
}

/// Starts an instance of the definition of start subscription `sub` at its message start event
/// with `message`; `None` when the correlation key rule holds it back or the start failed.
async fn start_at(
    batch: &mut Batch<'_>,
    sub: &SubscriptionRow,
    message: &StartMessage<'_>,
    actor: &Actor,
) -> Result<Option<String>> {
    let def = match batch.definition(&sub.instance_id).await {
        Ok(def) => def,
        Err(Error::NotFound(e)) => {
            tracing::warn!(definition = %sub.instance_id, error = %e, "message start skipped");
            return Ok(None);
        }
        Err(e) => return Err(e),
    };
    let id = batch.new_id();
    if let Some(key) = message.correlation_key
        && !claim_correlation_key(batch, &def.key, key, &id).await?
    {
        return Ok(None);
    }
    let new = NewInstance {
        id,
        definition_id: sub.instance_id.clone(),
        definition_key: def.key.clone(),
        version: version_of(&sub.instance_id),
        business_key: message.business_key.map(str::to_owned),
        variables: message.variables.clone(),
        started_by: Some(actor.id.clone()),
        parent: None,
    };
    let mut ctx = ApplyCtx::new(actor.clone());
    ctx.element_id = Some(sub.element_id.clone());
    ctx.data.insert("message_name".into(), json!(message.name));
    ctx.data
        .insert("correlation_key".into(), json!(message.correlation_key));
    ctx.data
        .insert("message_id".into(), json!(message.message_id));
    if let Some(buffered) = message.buffered {
        ctx.data.insert("buffered_message".into(), json!(buffered));
    }
    let trigger = Trigger::StartAt {
        element_id: sub.element_id.clone(),
        by: Some(Occurrence::Message(sub.message_name.clone())),
    };
    match create_instance(batch, new, trigger, ctx).await {
        Ok(row) => Ok(Some(row.id)),
        Err(Error::Conflict(e) | Error::NotFound(e)) => {
            tracing::warn!(definition = %sub.instance_id, error = %e, "message start failed");
            Ok(None)
        }
        Err(e) => Err(e),
    }
}

/// After instances ended: each that a message with a correlation key started releases that key,
/// and the oldest live buffered message with that key for a message start event of the latest
/// version of its process starts the next instance (Zeebe).
pub(crate) async fn after_ends(batch: &mut Batch<'_>) -> Result<()> {
    for ended in std::mem::take(&mut batch.ended) {
        let keys: Vec<(String, String)> = query(
            "SELECT definition_key, correlation_key FROM message_start_keys WHERE instance_id = $1",
        )
        .bind(&ended)
        .fetch_all(&mut *batch.conn)
        .await?;
        for (definition_key, correlation_key) in keys {
            let starts: Vec<SubscriptionRow> = query(
                "SELECT s.* FROM subscriptions s JOIN definitions d ON d.id = s.instance_id \
                 WHERE d.key = $1 AND s.element_key = $2 ORDER BY s.created_at, s.id",
            )
            .bind(&definition_key)
            .bind(START_EVENT_KEY)
            .fetch_all(&mut *batch.conn)
            .await?;
            for sub in starts {
                if start_buffered(batch, &sub, &correlation_key).await? {
                    break;
                }
            }
        }
    }
    Ok(())
}

/// Starts `sub`'s process with the oldest live buffered message for it with `correlation_key`;
/// false when there is none (or the start did not happen).
async fn start_buffered(
    batch: &mut Batch<'_>,
    sub: &SubscriptionRow,
    correlation_key: &str,
) -> Result<bool> {
    // Another node may be delivering the same message: take only one no one holds.
    let buffered: Option<(String, String, Option<String>, Option<String>)> = built(format!(
        "SELECT id, variables, business_key, message_id FROM buffered_messages WHERE name = $1 \
         AND correlation_key = $2 AND expires_at > $3 ORDER BY created_at, id LIMIT 1{}",
        batch.conn.dialect().skip_locked()
    ))
    .bind(&sub.message_name)
    .bind(correlation_key)
    .bind(batch.now_ms)
    .fetch_optional(&mut *batch.conn)
    .await?;
    let Some((id, variables, business_key, message_id)) = buffered else {
        return Ok(false);
    };
    let variables = match serde_json::from_str(&variables) {
        Ok(Json::Object(m)) => m,
        _ => Map::new(),
    };
    let message = StartMessage {
        name: &sub.message_name,
        correlation_key: Some(correlation_key),
        business_key: business_key.as_deref(),
        variables: &variables,
        message_id: message_id.as_deref(),
        buffered: Some(&id),
    };
    let Some(_) = start_at(batch, sub, &message, &Actor::system()).await? else {
        return Ok(false);
    };
    query("DELETE FROM buffered_messages WHERE id = $1")
        .bind(&id)
        .execute(&mut *batch.conn)
        .await?;
    Ok(true)
}

/// Records that instance `instance_id` of `definition_key` is started by a message with
/// correlation key `key`; false while an instance a message with that key started is active.
async fn claim_correlation_key(
    batch: &mut Batch<'_>,
    definition_key: &str,
    key: &str,
    instance_id: &str,
) -> Result<bool> {
    let lock = batch.conn.dialect().for_update();
    let holder: Option<String> = built(format!(
        "SELECT instance_id FROM message_start_keys WHERE definition_key = $1 AND \
         correlation_key = $2{lock}"
    ))
    .bind(definition_key)
    .bind(key)
    .scalar_optional(&mut *batch.conn)
    .await?;
    let claimed = match holder {
        Some(holder) => {
            let active = batch
                .instance(&holder)
                .await?
                .is_some_and(|i| i.state == "active");
            if active {
                return Ok(false);
            }
            query(
                "UPDATE message_start_keys SET instance_id = $1 WHERE definition_key = $2 AND \
                 correlation_key = $3 AND instance_id = $4",
            )
            .bind(instance_id)
            .bind(definition_key)
            .bind(key)
            .bind(&holder)
            .execute(&mut *batch.conn)
            .await?
        }
        // Another node inserting the same key first makes this insert do nothing.
        None => {
            query(
                "INSERT INTO message_start_keys (definition_key, correlation_key, instance_id) \
             VALUES ($1, $2, $3) ON CONFLICT (definition_key, correlation_key) DO NOTHING",
            )
            .bind(definition_key)
            .bind(key)
            .bind(instance_id)
            .execute(&mut *batch.conn)
            .await?
        }
    };
    Ok(claimed == 1)
}

/// Fires up to `limit` due timer start events; returns how many instances they started.
pub(crate) async fn fire(batch: &mut Batch<'_>, limit: usize) -> Result<usize> {
    // Several nodes may fire at once: each takes the due rows no other node holds.
    let timers: Vec<StartTimerRow> = built(format!(
        "SELECT * FROM start_timers WHERE due_at <= $1 ORDER BY due_at, id LIMIT $2{}",
        batch.conn.dialect().skip_locked()
    ))
    .bind(batch.now_ms)
    .bind(i64::try_from(limit).unwrap_or(i64::MAX))
    .fetch_all(&mut *batch.conn)
    .await?;
    let mut fired = 0;
    for timer in timers {
        metrics::histogram!("keel_timer_lag_seconds")
            .record((batch.now_ms - timer.due_at).max(0) as f64 / 1000.0);
        let def = match batch.definition(&timer.definition_id).await {
            Ok(def) => def,
            Err(Error::NotFound(e)) => {
                tracing::warn!(timer = %timer.id, error = %e, "start timer of a missing definition dropped");
                query("DELETE FROM start_timers WHERE id = $1")
                    .bind(&timer.id)
                    .execute(&mut *batch.conn)
                    .await?;
                continue;
            }
            Err(e) => return Err(e),
        };
        let next = def
            .node_by_id(&timer.element_id)
            .and_then(|n| match &def.node(n).kind {
                FlowNodeKind::StartEvent { trigger, .. } => {
                    trigger.definitions().iter().find_map(|d| match d {
                        EventTrigger::Timer(t) => next_due(t, &timer, batch),
                        _ => None,
                    })
                }
                _ => None,
            });
        match next {
            Some(due_at) => {
                query("UPDATE start_timers SET due_at = $1, fired = fired + 1 WHERE id = $2")
                    .bind(due_at)
                    .bind(&timer.id)
                    .execute(&mut *batch.conn)
                    .await?;
            }
            None => {
                query("DELETE FROM start_timers WHERE id = $1")
                    .bind(&timer.id)
                    .execute(&mut *batch.conn)
                    .await?;
            }
        }
        let new = NewInstance {
            id: batch.new_id(),
            definition_id: timer.definition_id.clone(),
            definition_key: def.key.clone(),
            version: version_of(&timer.definition_id),
            business_key: None,
            variables: Map::new(),
            started_by: None,
            parent: None,
        };
        let mut ctx = ApplyCtx::new(Actor::system());
        ctx.element_id = Some(timer.element_id.clone());
        ctx.data.insert("timer_id".into(), json!(timer.id));
        ctx.data.insert(
            "due_at".into(),
            json!(crate::clock::format_ms(timer.due_at)),
        );
        let trigger = Trigger::StartAt {
            element_id: timer.element_id.clone(),
            by: Some(Occurrence::Timer),
        };
        match create_instance(batch, new, trigger, ctx).await {
            Ok(_) => fired += 1,
            Err(Error::Conflict(e) | Error::NotFound(e)) => {
                tracing::warn!(definition = %timer.definition_id, error = %e, "timer start failed")
            }
            Err(e) => return Err(e),
        }
    }
    Ok(fired)
}

/// The due time after `timer` fired, for a cycle that goes on; `None` otherwise.
fn next_due(def: &TimerDefinition, timer: &StartTimerRow, batch: &Batch<'_>) -> Option<i64> {
    let (TimerKind::Cycle, value) = timer_value(def)? else {
        return None;
    };
    let cycle = Cycle::parse(value).ok()?;
    let fired = timer.fired.saturating_add(1);
    if cycle.repetitions.is_some_and(|n| fired >= i64::from(n)) {
        return None;
    }
    cycle.next_due(timer.due_at, &batch.now.to_zoned(jiff::tz::TimeZone::UTC))
}

/// The version of definition id `key:version`.
pub(crate) fn version_of(definition_id: &str) -> i64 {
    definition_id
        .rsplit(':')
        .next()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}
