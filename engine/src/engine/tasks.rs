//! Human tasks: claim, unclaim, assign and complete, with the contract's rules checked inside
//! the writing transaction, and the task queries (a caller sees only tasks it may work on,
//! unless it is an operator or admin).

use crate::store::{built, query};
use serde_json::{Map, Value as Json, json};

use super::Engine;
use super::batch::{ApplyCtx, Batch};
use super::writer::{Op, Reply};
use crate::error::{Error, Result};
use crate::principal::{Principal, Role};
use crate::runtime::variables::ScopeView;
use crate::runtime::{ElementKey, InstanceState, Trigger};
use crate::store::rows::TaskRow;
use crate::views::{FormRefView, Page, TaskView};

/// Filters for listing tasks.
#[derive(Debug, Clone, Default)]
pub struct TaskFilter {
    /// `open` (default), `completed`, `cancelled`.
    pub state: Option<String>,
    /// Only tasks assigned to this user name.
    pub assignee: Option<String>,
    /// Only tasks with this candidate group.
    pub candidate_group: Option<String>,
    /// Only tasks of this instance.
    pub instance_id: Option<String>,
    /// Page size.
    pub limit: i64,
    /// Page start.
    pub offset: i64,
}

pub(crate) enum TaskOp {
    Claim {
        task_id: String,
        caller: Principal,
    },
    Unclaim {
        task_id: String,
        caller: Principal,
    },
    Assign {
        task_id: String,
        user: Option<String>,
        caller: Principal,
    },
    Complete {
        task_id: String,
        variables: Map<String, Json>,
        caller: Principal,
    },
}

impl Engine {
    /// Makes the caller the assignee.
    pub async fn claim_task(&self, task_id: &str, caller: &Principal) -> Result<TaskView> {
        self.task_op(TaskOp::Claim {
            task_id: task_id.to_owned(),
            caller: caller.clone(),
        })
        .await
    }

    /// Removes the assignee (the assignee itself, or an operator).
    pub async fn unclaim_task(&self, task_id: &str, caller: &Principal) -> Result<TaskView> {
        self.task_op(TaskOp::Unclaim {
            task_id: task_id.to_owned(),
            caller: caller.clone(),
        })
        .await
    }

    /// Sets the assignee (operator or admin).
    pub async fn assign_task(
        &self,
        task_id: &str,
        user: Option<String>,
        caller: &Principal,
    ) -> Result<TaskView> {
        self.task_op(TaskOp::Assign {
            task_id: task_id.to_owned(),
            user,
            caller: caller.clone(),
        })
        .await
    }

    /// Completes the task (claiming it if unassigned).
    pub async fn complete_task(
        &self,
        task_id: &str,
        variables: Map<String, Json>,
        caller: &Principal,
    ) -> Result<TaskView> {
        self.task_op(TaskOp::Complete {
            task_id: task_id.to_owned(),
            variables,
            caller: caller.clone(),
        })
        .await
    }

    async fn task_op(&self, op: TaskOp) -> Result<TaskView> {
        match self.send(Op::Task(op)).await? {
            Reply::Task(t) => Ok(*t),
            _ => Err(Error::Unavailable),
        }
    }

    /// One task and the variables visible at it. `None` when the caller may not see it.
    pub async fn task(
        &self,
        task_id: &str,
        caller: &Principal,
    ) -> Result<(TaskView, Map<String, Json>)> {
        let row: Option<TaskRow> = query("SELECT * FROM user_tasks WHERE id = $1")
            .bind(task_id)
            .fetch_optional(self.read())
            .await?;
        let row = row.ok_or_else(|| Error::NotFound(format!("task {task_id}")))?;
        let view = TaskView::from_row(&row);
        if !sees_all(caller)
            && !caller.may_work_on(
                view.assignee.as_deref(),
                &view.candidate_users,
                &view.candidate_groups,
            )
        {
            return Err(Error::Forbidden(format!(
                "you may not work on task {task_id}"
            )));
        }
        let mut view = view;
        let instance: Option<(String, String)> =
            query("SELECT body, definition_id FROM instances WHERE id = $1")
                .bind(&row.instance_id)
                .fetch_optional(self.read())
                .await?;
        let (body, definition_id) = instance.unzip();
        if let Some(definition_id) = definition_id {
            let def = self.shared.defs.get(self.read(), &definition_id).await?;
            view.form_ref = form_ref(&def, &row.element_id);
        }
        let variables = body
            .and_then(|b| serde_json::from_str::<InstanceState>(&b).ok())
            .map(|s| {
                let key = ElementKey::try_from(row.element_key).unwrap_or(0);
                if s.element(key).is_some() {
                    ScopeView::new(&s, key).collect()
                } else {
                    s.root_variables().cloned().unwrap_or_default()
                }
            })
            .unwrap_or_default();
        Ok((view, variables))
    }

    /// Tasks matching `filter` that the caller may see, oldest first.
    pub async fn list_tasks(
        &self,
        filter: &TaskFilter,
        caller: &Principal,
    ) -> Result<Page<TaskView>> {
        let all = sees_all(caller);
        let groups = Json::Array(caller.groups.iter().map(|g| json!(g)).collect()).to_string();
        let where_clause = format!(
            "WHERE t.state = $1 \
             AND ($2 IS NULL OR t.assignee = $2) \
             AND ($3 IS NULL OR EXISTS (SELECT 1 FROM task_candidates c WHERE c.task_id = t.id AND c.kind = 'group' AND c.value = $3)) \
             AND ($4 IS NULL OR t.instance_id = $4) \
             AND ($5 = 1 OR t.assignee = $6 OR (t.assignee IS NULL AND EXISTS (SELECT 1 FROM task_candidates c WHERE c.task_id = t.id AND \
                  ((c.kind = 'user' AND c.value = $6) OR (c.kind = 'group' AND c.value IN ({}))))))",
            self.read().dialect().json_strings(7)
        );
        let state = filter.state.clone().unwrap_or_else(|| "open".into());
        let rows: Vec<TaskRow> = built(format!(
            "SELECT t.* FROM user_tasks t {where_clause} ORDER BY t.created_at, t.id LIMIT $8 OFFSET $9"
        ))
        .bind(&state)
        .bind(&filter.assignee)
        .bind(&filter.candidate_group)
        .bind(&filter.instance_id)
        .bind(i64::from(all))
        .bind(&caller.name)
        .bind(&groups)
        .bind(filter.limit)
        .bind(filter.offset)
        .fetch_all(self.read())
        .await?;
        let total: i64 = built(format!("SELECT COUNT(*) FROM user_tasks t {where_clause}"))
            .bind(&state)
            .bind(&filter.assignee)
            .bind(&filter.candidate_group)
            .bind(&filter.instance_id)
            .bind(i64::from(all))
            .bind(&caller.name)
            .bind(&groups)
            .scalar(self.read())
            .await?;
        Ok(Page {
            items: rows.iter().map(TaskView::from_row).collect(),
            total,
        })
    }
}

fn sees_all(caller: &Principal) -> bool {
    caller.has_role(Role::Operator)
}

pub(crate) async fn execute(batch: &mut Batch<'_>, op: TaskOp) -> Result<Reply> {
    let task_id = match &op {
        TaskOp::Claim { task_id, .. }
        | TaskOp::Unclaim { task_id, .. }
        | TaskOp::Assign { task_id, .. }
        | TaskOp::Complete { task_id, .. } => task_id.clone(),
    };
    let lock = batch.conn.dialect().for_update();
    let row: Option<TaskRow> = built(format!("SELECT * FROM user_tasks WHERE id = $1{lock}"))
        .bind(&task_id)
        .fetch_optional(&mut *batch.conn)
        .await?;
    let mut task = row.ok_or_else(|| Error::NotFound(format!("task {task_id}")))?;
    if task.state != "open" || batch.is_removed(&task.instance_id, task.element_key) {
        return Err(Error::Conflict(format!("task {task_id} is no longer open")));
    }
    let view = TaskView::from_row(&task);
    match op {
        TaskOp::Claim { caller, .. } => {
            match task.assignee.as_deref() {
                Some(a) if a == caller.name => {}
                Some(a) => {
                    return Err(Error::Conflict(format!(
                        "task {task_id} is already claimed by {a}"
                    )));
                }
                None => {
                    if !caller.may_work_on(None, &view.candidate_users, &view.candidate_groups) {
                        return Err(Error::Forbidden(format!(
                            "you are not a candidate for task {task_id}"
                        )));
                    }
                }
            }
            task.assignee = Some(caller.name.clone());
            set_assignee(batch, &task, "task_claimed", &caller).await?;
        }
        TaskOp::Unclaim { caller, .. } => {
            let own = task.assignee.as_deref() == Some(caller.name.as_str());
            if !own && !caller.has_role(Role::Operator) {
                return Err(Error::Forbidden(format!(
                    "only the assignee or an operator may unclaim task {task_id}"
                )));
            }
            task.assignee = None;
            set_assignee(batch, &task, "task_unclaimed", &caller).await?;
        }
        TaskOp::Assign { user, caller, .. } => {
            if !caller.has_role(Role::Operator) {
                return Err(Error::Forbidden(
                    "assigning tasks needs the operator role".into(),
                ));
            }
            task.assignee = user.filter(|u| !u.is_empty());
            set_assignee(batch, &task, "task_assigned", &caller).await?;
        }
        TaskOp::Complete {
            variables, caller, ..
        } => {
            if !caller.may_work_on(
                view.assignee.as_deref(),
                &view.candidate_users,
                &view.candidate_groups,
            ) {
                return Err(Error::Forbidden(match &view.assignee {
                    Some(a) => format!("task {task_id} is assigned to {a}"),
                    None => format!("you are not a candidate for task {task_id}"),
                }));
            }
            let instance = super::instances::load_active(batch, &task.instance_id).await?;
            let mut ctx = ApplyCtx::new(caller.actor());
            ctx.element_id = Some(task.element_id.clone());
            ctx.data.insert("task_id".into(), json!(task.id));
            let trigger = Trigger::UserTaskCompleted {
                key: ElementKey::try_from(task.element_key).unwrap_or(0),
                variables,
            };
            batch.apply(instance, trigger, ctx).await?;
            task.assignee = Some(task.assignee.clone().unwrap_or_else(|| caller.name.clone()));
            task.state = "completed".into();
            task.completed_by = Some(caller.name.clone());
            task.completed_at = Some(batch.now_ms);
            query(
                "UPDATE user_tasks SET state = 'completed', assignee = $1, completed_by = $2, \
                 completed_at = $3 WHERE id = $4",
            )
            .bind(&task.assignee)
            .bind(&task.completed_by)
            .bind(task.completed_at)
            .bind(&task.id)
            .execute(&mut *batch.conn)
            .await?;
        }
    }
    Ok(Reply::Task(Box::new(TaskView::from_row(&task))))
}

/// Stores a new assignee and audits it on the instance's chain.
async fn set_assignee(
    batch: &mut Batch<'_>,
    task: &TaskRow,
    kind: &str,
    caller: &Principal,
) -> Result<()> {
    let mut instance = super::instances::load_active(batch, &task.instance_id).await?;
    batch.append_audit(
        Some(&mut instance),
        kind,
        Some(task.element_id.clone()),
        caller.actor(),
        json!({"task_id": task.id, "assignee": task.assignee, "transitions": []}),
    );
    batch.touch_instance(instance)?;
    query("UPDATE user_tasks SET assignee = $1 WHERE id = $2")
        .bind(&task.assignee)
        .bind(&task.id)
        .execute(&mut *batch.conn)
        .await?;
    Ok(())
}

/// The `camunda:formRef` of user task `element_id` in `def`.
fn form_ref(def: &keel_bpmn::ProcessDefinition, element_id: &str) -> Option<FormRefView> {
    let node = def.node(def.node_by_id(element_id)?);
    let keel_bpmn::FlowNodeKind::UserTask(task) = &node.kind else {
        return None;
    };
    task.form_ref.as_ref().map(|r| FormRefView {
        key: r.key.clone(),
        binding: r.binding.as_str(),
        version: r.binding.version(),
    })
}
