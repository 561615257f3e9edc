//! Data objects: each `dataObject` of a process or sub-process is a variable of that scope,
//! declared when the scope starts (its `value` extension as a string, else null) unless the
//! scope already holds a variable of that name (a start variable). Writes from inside the scope
//! then land in it, and it ends with the scope. A process-level data object without a value is
//! not declared: it is undefined until written (so a condition over it does not hold yet, as in
//! SpiffWorkflow), and writes land in the process scope anyway. Data associations are mappings
//! (see keel-bpmn).

use keel_bpmn::ScopeIdx;
use serde_json::{Map, Value as Json};

use crate::runtime::flow::Run;
use crate::runtime::state::ElementKey;

/// Declares the data objects of `scope` in its instance `key`.
pub fn declare(run: &mut Run<'_>, key: ElementKey, scope: ScopeIdx) {
    let Some(objects) = run.def.get_scope(scope).map(|s| &s.data_objects) else {
        return;
    };
    if objects.is_empty() {
        return;
    }
    let Some(instance) = run.state.elements.get_mut(&key) else {
        return;
    };
    let local = instance.variables.get_or_insert_with(Map::new);
    for object in objects {
        if scope == ScopeIdx::ROOT && object.initial.is_none() {
            continue;
        }
        if !local.contains_key(&object.id) {
            let value = object.initial.clone().map_or(Json::Null, Json::String);
            local.insert(object.id.clone(), value);
        }
    }
}
