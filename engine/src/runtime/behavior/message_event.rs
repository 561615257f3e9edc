//! Message throw and end events without a job definition: they publish their message inside the
//! engine when reached (docs/decisions/0013), as `POST /api/v1/messages` would with the throwing
//! instance's business key: the name from `messageRef`, the correlation key, time to live and
//! message id from the model (evaluated in the throw event's scope, after its input mappings),
//! the variables from its input mappings. A wait of its own instance that matches (name, and
//! correlation key when the wait has one) takes it at the moment of the throw, in this step;
//! the shell delivers it to other instances, starts processes and buffers it after the step, in
//! the same transaction. Without a time to live a message that nothing takes is dropped (no
//! error: the thrower goes on). With a message id, the whole delivery (this instance included)
//! happens in the shell, where duplicates are dropped.

use keel_bpmn::MessageRef;
use serde_json::{Map, Value as Json};

use super::waits::{self, Definition};
use crate::runtime::eval::{self, Failure};
use crate::runtime::flow::Run;
use crate::runtime::state::ElementKey;
use crate::runtime::timer::{TimerKind, parse_due};
use crate::runtime::{Effect, Occurrence, reserved_message_name};

/// A message a throw event publishes, its expressions evaluated.
pub struct Message {
    name: String,
    correlation_key: Option<String>,
    variables: Map<String, Json>,
    ttl_ms: i64,
    message_id: Option<String>,
}

/// Evaluates the message of throw event instance `key` (in its scope, after its input
/// mappings).
pub fn evaluate(run: &Run<'_>, key: ElementKey, message: &MessageRef) -> Result<Message, Failure> {
    let name = eval::text(run.state, key, &run.now, &message.name, "message name")?;
    if let Some(why) = reserved_message_name(&name) {
        return Err(Failure::expression(why));
    }
    let correlation_key = match &message.correlation_key {
        None => None,
        Some(expr) => {
            let what = "correlation key of the thrown message";
            let value = eval::evaluate_for(run.state, key, &run.now, expr, what)?.to_json();
            if value.is_null() {
                return Err(eval::mismatch(
                    run.state, key, &run.now, expr, what, "a value",
                ));
            }
            Some(eval::scalar_text(&value))
        }
    };
    let ttl_ms = match &message.time_to_live {
        None => 0,
        Some(text) => {
            let value = eval::text(run.state, key, &run.now, text, "time to live")?;
            let due = parse_due(TimerKind::Duration, &value, &run.now)
                .map_err(|e| Failure::expression(format!("time to live of the message: {e}")))?;
            (due - run.now_ms).max(0)
        }
    };
    let message_id = match &message.message_id {
        None => None,
        Some(text) => Some(eval::text(run.state, key, &run.now, text, "message id")?),
    };
    let variables = run.state.local_variables(key);
    Ok(Message {
        name,
        correlation_key,
        variables,
        ttl_ms,
        message_id,
    })
}

/// Publishes `message`: a wait of this instance takes it now, the shell does the rest.
pub fn throw(run: &mut Run<'_>, message: Message) {
    let caught_here = message.message_id.is_none()
        && deliver(
            run,
            &message.name,
            message.correlation_key.as_deref(),
            &message.variables,
        );
    run.out.effects.push(Effect::PublishMessage {
        name: message.name,
        correlation_key: message.correlation_key,
        variables: message.variables,
        ttl_ms: message.ttl_ms,
        message_id: message.message_id,
        caught_here,
    });
}

/// Hands message `name` to the first wait of this instance open now that matches it; true when
/// one took it (a message reaches at most one wait of an instance).
fn deliver(
    run: &mut Run<'_>,
    name: &str,
    correlation_key: Option<&str>,
    variables: &Map<String, Json>,
) -> bool {
    for wait in waits::open(run) {
        let node = run.def.node(wait.event);
        for (index, definition) in waits::definitions(node) {
            let Definition::Message(message) = definition else {
                continue;
            };
            if waits::has_occurred(run, wait.owner, &node.id, index)
                || !matches(run, wait.owner, message, name, correlation_key)
            {
                continue;
            }
            let occurrence = Occurrence::Message(name.to_owned());
            let taken = run
                .event_arrived(
                    wait.owner,
                    &node.id,
                    occurrence,
                    variables.clone(),
                    "a message",
                )
                .is_ok();
            if taken {
                return true;
            }
        }
    }
    false
}

/// True when the wait for `message` owned by `owner` takes a message `name` with
/// `correlation_key`: the names match, and a wait with a correlation key has the same one (one
/// without is reached through this instance's id, which the message carries).
fn matches(
    run: &Run<'_>,
    owner: ElementKey,
    message: &MessageRef,
    name: &str,
    correlation_key: Option<&str>,
) -> bool {
    let waited = eval::text(run.state, owner, &run.now, &message.name, "message name");
    if waited.ok().as_deref() != Some(name) {
        return false;
    }
    let Some(expr) = &message.correlation_key else {
        return true;
    };
    let what = "correlation key";
    match eval::evaluate_for(run.state, owner, &run.now, expr, what).map(|v| v.to_json()) {
        Ok(value) if !value.is_null() => {
            Some(eval::scalar_text(&value).as_str()) == correlation_key
        }
        _ => false,
    }
}
