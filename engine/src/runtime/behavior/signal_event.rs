//! Signal events: a signal catch (intermediate catch, boundary, event sub-process start) opens a
//! subscription named `signal:<name>` owned by its element instance; a signal throw
//! (intermediate throw, end event) broadcasts the signal, with the throw event's local variables
//! (its input mappings), at the moment of the throw: the waits of its own instance open then
//! receive it in the step itself (its event sub-processes included; not the catches it opens
//! later), and the shell delivers it to every other instance's waits and the signal start events
//! after the step, in the same transaction (docs/decisions/0008).

use keel_bpmn::{EventTrigger, SignalRef};
use serde_json::{Map, Value as Json};

use super::waits::{self, Definition};
use crate::runtime::eval::{self, Failure};
use crate::runtime::flow::Run;
use crate::runtime::state::ElementKey;
use crate::runtime::{Effect, Occurrence, SIGNAL_PREFIX};

/// Opens the signal subscription of event `element_id`, owned by `owner`; the name is evaluated
/// in `owner`'s scope.
pub fn open_subscription(
    run: &mut Run<'_>,
    owner: ElementKey,
    element_id: &str,
    signal: &SignalRef,
) -> Result<(), Failure> {
    let name = eval::text(run.state, owner, &run.now, &signal.name, "signal name")?;
    run.out.effects.push(Effect::OpenSubscription {
        key: owner,
        element_id: element_id.to_owned(),
        message_name: format!("{SIGNAL_PREFIX}{name}"),
        correlation_key: None,
    });
    Ok(())
}

/// A signal a throw event broadcasts, its name evaluated.
pub struct Signal {
    name: String,
    variables: Map<String, Json>,
}

/// Evaluates the signal of throw event instance `key` (in its scope, after its input mappings).
pub fn evaluate(run: &Run<'_>, key: ElementKey, signal: &SignalRef) -> Result<Signal, Failure> {
    let name = eval::text(run.state, key, &run.now, &signal.name, "signal name")?;
    let variables = run.state.local_variables(key);
    Ok(Signal { name, variables })
}

/// Broadcasts `signal`: the waits of this instance open now receive it, the shell does the
/// rest.
pub fn throw(run: &mut Run<'_>, signal: Signal) {
    let caught_here = deliver(run, &signal.name, &signal.variables);
    run.out.effects.push(Effect::BroadcastSignal {
        name: signal.name,
        variables: signal.variables,
        caught_here,
    });
}

/// Delivers signal `name` to every wait for it open in this instance now (the catches it opens
/// while they fire do not receive it); true when one did.
fn deliver(run: &mut Run<'_>, name: &str, variables: &Map<String, Json>) -> bool {
    let mut caught = false;
    for wait in waits::open(run) {
        let node = run.def.node(wait.event);
        for (index, definition) in waits::definitions(node) {
            let Definition::Other(EventTrigger::Signal(signal)) = definition else {
                continue;
            };
            if waits::has_occurred(run, wait.owner, &node.id, index) {
                continue;
            }
            let Ok(waited) = eval::text(run.state, wait.owner, &run.now, &signal.name, "signal")
            else {
                continue;
            };
            if waited != name {
                continue;
            }
            let occurrence = Occurrence::Signal(name.to_owned());
            // An earlier delivery may have ended the owner: then it no longer waits.
            caught |= run
                .event_arrived(
                    wait.owner,
                    &node.id,
                    occurrence,
                    variables.clone(),
                    "a signal",
                )
                .is_ok();
            break;
        }
    }
    caught
}
