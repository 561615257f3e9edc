//! Process-level conditional start events (Camunda 7's
//! `runtimeService.createConditionEvaluation().evaluateStartConditions()`): each conditional
//! start event of the latest version of a process is a start subscription named
//! `condition:<element id>` (opened and replaced at deployment like message start events,
//! `starts::on_deploy`). [`start`] evaluates their conditions with the given variables, in
//! subscription order, and starts an instance of each whose condition holds at that event, with
//! those variables, in the same transaction.
//!
//! Conditions are evaluated only when asked (`Engine::evaluate_start_conditions`,
//! `POST /api/v1/conditions`), never on variable changes of running instances: as in Camunda 7,
//! a start condition looks at variables given to it, not at other instances' data. A condition
//! that reads a variable not given does not hold; another null or non-boolean value refuses the
//! request (422 `invalid_condition`), starting nothing.

use serde_json::{Map, Value as Json, json};

use super::batch::{ApplyCtx, Batch};
use super::instances::{NewInstance, create_instance};
use super::starts::{START_EVENT_KEY, version_of};
use crate::audit::Actor;
use crate::error::{Error, Result};
use crate::runtime::{CONDITION_PREFIX, Occurrence, Trigger, start_condition_holds};
use crate::store::query;
use crate::store::rows::SubscriptionRow;

/// Starts an instance at every conditional start event (of process `definition_key`, or of
/// every process) whose condition holds for `variables`; answers their ids. None at all:
/// `NotFound` (404, as Camunda 7 refuses an evaluation that starts nothing).
pub(crate) async fn start(
    batch: &mut Batch<'_>,
    definition_key: Option<&str>,
    variables: &Map<String, Json>,
    actor: &Actor,
) -> Result<Vec<String>> {
    let subscriptions: Vec<SubscriptionRow> = query(
        "SELECT s.* FROM subscriptions s JOIN definitions d ON d.id = s.instance_id \
         WHERE s.element_key = $1 AND s.message_name LIKE $2 AND ($3 IS NULL OR d.key = $3) \
         ORDER BY s.created_at, s.id",
    )
    .bind(START_EVENT_KEY)
    .bind(format!("{CONDITION_PREFIX}%"))
    .bind(definition_key)
    .fetch_all(&mut *batch.conn)
    .await?;
    // Evaluate every condition first: a failing one starts nothing.
    let mut due = Vec::new();
    for sub in subscriptions {
        let def = batch.definition(&sub.instance_id).await?;
        match start_condition_holds(&def, &sub.element_id, variables, batch.now) {
            Ok(true) => due.push((sub, def.key.clone())),
            Ok(false) => {}
            Err(message) => {
                return Err(Error::Invalid {
                    code: "invalid_condition",
                    message: format!("process '{}': {message}", def.key),
                });
            }
        }
    }
    let mut started = Vec::new();
    for (sub, key) in due {
        let new = NewInstance {
            id: batch.new_id(),
            definition_id: sub.instance_id.clone(),
            definition_key: key,
            version: version_of(&sub.instance_id),
            business_key: None,
            variables: variables.clone(),
            started_by: Some(actor.id.clone()),
            parent: None,
        };
        let mut ctx = ApplyCtx::new(actor.clone());
        ctx.element_id = Some(sub.element_id.clone());
        ctx.data.insert("condition_start".into(), json!(true));
        let trigger = Trigger::StartAt {
            element_id: sub.element_id.clone(),
            by: Some(Occurrence::Condition),
        };
        let row = create_instance(batch, new, trigger, ctx).await?;
        started.push(row.id);
    }
    if started.is_empty() {
        return Err(Error::NotFound(
            "conditional start event whose condition holds".to_owned(),
        ));
    }
    Ok(started)
}
