//! Signal events: a signal catch (intermediate catch, boundary, event sub-process start) opens a
//! subscription named `signal:<name>` owned by its element instance; a signal throw
//! (intermediate throw, end event) asks the shell to broadcast the signal, with the throw
//! event's local variables (its input mappings), to every subscription open at that moment.

use keel_bpmn::SignalRef;

use crate::runtime::eval::{self, Failure};
use crate::runtime::flow::Run;
use crate::runtime::state::ElementKey;
use crate::runtime::{Effect, SIGNAL_PREFIX};

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

/// Throws the signal of event instance `key`.
pub fn throw(run: &mut Run<'_>, key: ElementKey, signal: &SignalRef) -> Result<(), Failure> {
    let name = eval::text(run.state, key, &run.now, &signal.name, "signal name")?;
    let variables = run
        .state
        .elements
        .get(&key)
        .and_then(|e| e.variables.clone())
        .unwrap_or_default();
    run.out
        .effects
        .push(Effect::BroadcastSignal { name, variables });
    Ok(())
}
