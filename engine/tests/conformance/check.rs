//! The end state of a driven instance and its comparison with a case's expectations, as a
//! readable list of differences.

use std::collections::BTreeMap;

use keel_engine::{Engine, InstanceFilter, TaskFilter};
use serde_json::{Map, Value};

use crate::expect::Case;

/// What the instance looks like after the steps.
#[derive(Debug)]
pub struct Actual {
    /// `completed`, `active`, `incident` (active with an open incident), `terminated`,
    /// `cancelled`.
    pub state: String,
    /// Element ids in order of completion (multi-instance bodies marked `[body]`), the
    /// instance's first, then those of the instances it called.
    pub completions: Vec<String>,
    /// Element ids terminated.
    pub terminated: Vec<String>,
    /// Process variables.
    pub variables: Map<String, Value>,
    /// Open user tasks (of the instance and the instances it called), sorted.
    pub open_tasks: Vec<String>,
    /// Live element ids, sorted, distinct.
    pub active: Vec<String>,
    /// Elements with an open incident, sorted.
    pub incidents: Vec<String>,
    /// The open incidents' messages (for failure reports).
    pub incident_messages: Vec<String>,
}

fn admin() -> keel_engine::Principal {
    keel_engine::Principal {
        user_id: "u-conformance".into(),
        name: "conformance".into(),
        groups: vec![],
        roles: vec!["admin".into()],
    }
}

/// Reads the end state of `instance`.
pub async fn gather(engine: &Engine, instance: &str) -> Result<Actual, String> {
    let view = engine.instance(instance).await.map_err(|e| e.to_string())?;
    // The instance first, then the instances it called (the database is the case's own).
    let mut ids = vec![instance.to_owned()];
    let mut others: Vec<(i64, String)> = engine
        .list_instances(&InstanceFilter {
            limit: 1000,
            ..Default::default()
        })
        .await
        .map_err(|e| e.to_string())?
        .items
        .into_iter()
        .filter(|i| i.id != instance)
        .map(|i| (i.started_at, i.id))
        .collect();
    others.sort();
    ids.extend(others.into_iter().map(|(_, id)| id));
    let mut audit = Vec::new();
    for id in &ids {
        audit.extend(engine.instance_audit(id).await.map_err(|e| e.to_string())?);
    }
    let mut completions = Vec::new();
    let mut terminated = Vec::new();
    for record in &audit {
        for t in record.data["transitions"].as_array().into_iter().flatten() {
            let id = t["element_id"].as_str().unwrap_or("?");
            let body = t["element_type"] == "multiInstanceBody";
            let id = if body {
                format!("{id}[body]")
            } else {
                id.to_owned()
            };
            match t["event"].as_str() {
                Some("completed") => completions.push(id),
                Some("terminated") => terminated.push(id),
                _ => {}
            }
        }
    }
    let mut open_tasks: Vec<String> = engine
        .list_tasks(
            &TaskFilter {
                limit: 1000,
                ..Default::default()
            },
            &admin(),
        )
        .await
        .map_err(|e| e.to_string())?
        .items
        .into_iter()
        .map(|t| t.element_id)
        .collect();
    open_tasks.sort();
    let open_incidents = engine
        .list_incidents(None, Some("open"), 1000, 0)
        .await
        .map_err(|e| e.to_string())?
        .items;
    let mut incidents: Vec<String> = open_incidents
        .iter()
        .map(|i| i.element_id.clone())
        .collect();
    incidents.sort();
    let incident_messages = open_incidents
        .iter()
        .map(|i| format!("{}: {}", i.element_id, i.message))
        .collect();
    let mut active: Vec<String> = view
        .active_elements
        .iter()
        .map(|e| e.element_id.clone())
        .collect();
    active.sort();
    active.dedup();
    let state = if view.state == "active" && view.incidents > 0 {
        "incident".to_owned()
    } else {
        view.state.clone()
    };
    Ok(Actual {
        state,
        completions,
        terminated,
        variables: view.variables,
        open_tasks,
        active,
        incidents,
        incident_messages,
    })
}

impl Actual {
    /// One line for a failure message.
    pub fn summary(&self) -> String {
        format!(
            "state {}; completed {:?}; active {:?}; open tasks {:?}; incidents {:?}; variables {}",
            self.state,
            self.completions,
            self.active,
            self.open_tasks,
            self.incident_messages,
            Value::Object(self.variables.clone())
        )
    }

    fn completed(&self, id: &str) -> bool {
        self.completions
            .iter()
            .any(|c| c == id || c.strip_suffix("[body]") == Some(id))
    }
}

/// The differences between `case` and `actual`; empty when the case passes.
pub fn compare(case: &Case, actual: &Actual) -> Vec<String> {
    let mut diffs = Vec::new();
    if let Some(state) = &case.state
        && *state != actual.state
    {
        diffs.push(format!("state: expected {state}, got {}", actual.state));
    }
    let missing: Vec<&String> = case
        .completed
        .iter()
        .filter(|id| !actual.completed(id))
        .collect();
    if !missing.is_empty() {
        diffs.push(format!("completed: missing {missing:?}"));
    }
    let extra: Vec<&String> = case
        .not_completed
        .iter()
        .filter(|id| actual.completed(id))
        .collect();
    if !extra.is_empty() {
        diffs.push(format!("not_completed: but completed {extra:?}"));
    }
    let not_terminated: Vec<&String> = case
        .terminated
        .iter()
        .filter(|id| {
            !actual
                .terminated
                .iter()
                .any(|t| t == *id || t.strip_suffix("[body]") == Some(id))
        })
        .collect();
    if !not_terminated.is_empty() {
        diffs.push(format!("terminated: missing {not_terminated:?}"));
    }
    if !case.order.is_empty() {
        let firsts: Vec<&String> = actual
            .completions
            .iter()
            .filter(|c| case.order.contains(c))
            .fold(Vec::new(), |mut seen, c| {
                if !seen.contains(&c) {
                    seen.push(c);
                }
                seen
            });
        let expected: Vec<&String> = case.order.iter().collect();
        if firsts != expected {
            diffs.push(format!("order: expected {expected:?}, got {firsts:?}"));
        }
    }
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for c in &actual.completions {
        *counts.entry(c.as_str()).or_default() += 1;
    }
    for (id, n) in &case.counts {
        let got = counts.get(id.as_str()).copied().unwrap_or(0);
        if got != *n {
            diffs.push(format!("counts: {id} completed {got} times, expected {n}"));
        }
    }
    if let Some(vars) = &case.variables {
        for (name, want) in vars {
            match actual.variables.get(name) {
                Some(got) if same(got, want) => {}
                got => diffs.push(format!("variable {name}: expected {want}, got {got:?}")),
            }
        }
    }
    let exact = [
        ("open_tasks", &case.open_tasks, &actual.open_tasks),
        ("active", &case.active, &actual.active),
        ("incidents", &case.incidents, &actual.incidents),
    ];
    for (what, want, got) in exact {
        if let Some(want) = want {
            let mut want = want.clone();
            want.sort();
            if want != *got {
                diffs.push(format!("{what}: expected {want:?}, got {got:?}"));
            }
        }
    }
    diffs
}

/// JSON equality with numbers compared by value (`1` equals `1.0`).
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => match (x.as_f64(), y.as_f64()) {
            (Some(x), Some(y)) => x == y,
            _ => x == y,
        },
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same(x, y))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
        }
        _ => a == b,
    }
}
