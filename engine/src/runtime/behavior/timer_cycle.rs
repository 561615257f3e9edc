//! Repeating timers (`timeCycle`) of non-interrupting boundary events and event sub-process
//! start events: after each firing the owner schedules the next due time, reckoned from the due
//! time that fired (not from now, so the cycle does not drift); after downtime the next due time
//! is the first one after now (missed periods fire once, not once each); `R<n>` stops after n
//! firings.

use keel_bpmn::TimerDefinition;

use crate::runtime::Effect;
use crate::runtime::eval::Failure;
use crate::runtime::flow::Run;
use crate::runtime::state::{CycleState, ElementKey};
use crate::runtime::timer::Cycle;

/// Remembers the cycle `value` of timer `element_id` owned by `owner` when it may fire again.
pub fn remember(
    run: &mut Run<'_>,
    owner: ElementKey,
    element_id: &str,
    timer: &TimerDefinition,
    value: &str,
) -> Result<(), Failure> {
    if !matches!(timer, TimerDefinition::Cycle(_)) {
        return Ok(());
    }
    let cycle = Cycle::parse(value)
        .map_err(|e| Failure::expression(format!("timer of '{element_id}': {e}")))?;
    if cycle.repetitions == Some(1) {
        return Ok(());
    }
    if let Some(element) = run.state.elements.get_mut(&owner) {
        element.cycles.insert(
            element_id.to_owned(),
            CycleState {
                cycle: value.to_owned(),
                fired: 0,
            },
        );
    }
    Ok(())
}

/// Timer `element_id` of `owner`, due at `due_ms`, fired: schedules its next firing, if any.
pub fn fired(run: &mut Run<'_>, owner: ElementKey, element_id: &str, due_ms: i64) {
    let now = run.now.clone();
    let Some(element) = run.state.elements.get_mut(&owner) else {
        return; // interrupted, or completed
    };
    let Some(state) = element.cycles.get_mut(element_id) else {
        return;
    };
    state.fired = state.fired.saturating_add(1);
    let next = Cycle::parse(&state.cycle).ok().and_then(|cycle| {
        let more = cycle.repetitions.is_none_or(|n| state.fired < n);
        more.then(|| cycle.next_due(due_ms, &now)).flatten()
    });
    match next {
        Some(due_at_ms) => run.out.effects.push(Effect::ScheduleTimer {
            key: owner,
            element_id: element_id.to_owned(),
            due_at_ms,
        }),
        None => {
            element.cycles.remove(element_id);
        }
    }
}
