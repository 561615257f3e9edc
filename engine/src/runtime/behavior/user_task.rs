//! User tasks: evaluate assignment, schedule, priority and form, create the task and wait for a
//! person to complete it.

use keel_bpmn::{FlowNode, Text, UserTask};

use super::Activation;
use crate::runtime::eval::{self, Failure};
use crate::runtime::flow::Run;
use crate::runtime::state::ElementKey;
use crate::runtime::timer::{self, TimerKind};
use crate::runtime::{Effect, UserTaskSpec};

/// Priority of a task whose model sets none (Camunda's default).
pub const DEFAULT_PRIORITY: i64 = 50;

/// Activates a user task.
pub fn activate(
    run: &mut Run<'_>,
    key: ElementKey,
    node: &FlowNode,
    task: &UserTask,
) -> Result<Activation, Failure> {
    let assignee = optional_text(run, key, task.assignee.as_ref(), "assignee")?;
    let candidate_users = match &task.candidate_users {
        Some(t) => eval::list(run.state, key, &run.now, t, "candidate users")?,
        None => Vec::new(),
    };
    let candidate_groups = match &task.candidate_groups {
        Some(t) => eval::list(run.state, key, &run.now, t, "candidate groups")?,
        None => Vec::new(),
    };
    let due_at_ms = optional_date(run, key, task.due_date.as_ref(), "due date")?;
    let follow_up_at_ms = optional_date(run, key, task.follow_up_date.as_ref(), "follow-up date")?;
    let priority = match optional_text(run, key, task.priority.as_ref(), "priority")? {
        None => DEFAULT_PRIORITY,
        Some(p) => p.trim().parse::<i64>().map_err(|_| {
            Failure::expression(format!(
                "priority of '{}' must be an integer, got '{p}'",
                node.id
            ))
        })?,
    };
    run.out.effects.push(Effect::CreateUserTask(UserTaskSpec {
        key,
        element_id: node.id.clone(),
        name: node.name.clone(),
        assignee: assignee.filter(|a| !a.trim().is_empty()),
        candidate_users,
        candidate_groups,
        due_at_ms,
        follow_up_at_ms,
        priority,
        form_key: task.form_key.clone(),
    }));
    Ok(Activation::Wait)
}

fn optional_text(
    run: &Run<'_>,
    key: ElementKey,
    text: Option<&Text>,
    what: &str,
) -> Result<Option<String>, Failure> {
    match text {
        None => Ok(None),
        Some(Text::Expr(e)) => {
            let value = eval::evaluate_for(run.state, key, &run.now, e, what)?.to_json();
            Ok((!value.is_null()).then(|| eval::scalar_text(&value)))
        }
        Some(t) => eval::text(run.state, key, &run.now, t, what).map(Some),
    }
}

fn optional_date(
    run: &Run<'_>,
    key: ElementKey,
    text: Option<&Text>,
    what: &str,
) -> Result<Option<i64>, Failure> {
    match optional_text(run, key, text, what)? {
        None => Ok(None),
        Some(s) if s.trim().is_empty() => Ok(None),
        Some(s) => timer::parse_due(TimerKind::Date, &s, &run.now)
            .map(Some)
            .map_err(|e| Failure::expression(format!("{what}: {e}"))),
    }
}
