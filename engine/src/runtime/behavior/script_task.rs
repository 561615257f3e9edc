//! Script task: evaluates its FEEL script in the task's scope and completes; the result lands in
//! the result variable like a task's completion variables (local to the task when it has output
//! mappings, else in the nearest scope that defines it, else the process scope). A failing script
//! is an incident; resolving it runs the script again.

use keel_bpmn::{FlowNode, ScriptTask};

use super::Activation;
use crate::runtime::eval::{self, Failure};
use crate::runtime::flow::Run;
use crate::runtime::state::ElementKey;
use crate::runtime::variables;

/// Runs the script.
pub fn activate(
    run: &mut Run<'_>,
    key: ElementKey,
    node: &FlowNode,
    task: &ScriptTask,
) -> Result<Activation, Failure> {
    let what = format!("script of '{}'", node.id);
    let value = eval::evaluate_for(run.state, key, &run.now, &task.expression, &what)?.to_json();
    if let Some(name) = &task.result_variable {
        if node.outputs.is_empty() {
            variables::set_propagating(run.state, key, name, value.clone());
        } else {
            variables::set_local(run.state, key, name, value.clone());
        }
        run.out.variables_set.insert(name.clone(), value);
    }
    Ok(Activation::Complete)
}
