//! Asynchronous continuations (`camunda:asyncBefore` / `asyncAfter`) run by `keel serve`
//! itself: the continuation loop moves waiting instances on; a node killed (`kill -9` by a
//! failpoint) right after it took a continuation's lock leaves it to the next run once the
//! lock expired, and the instance continues exactly once; workers cannot take continuations.

use std::time::Duration;

use keel_tests::audit::{kinds, render};
use keel_tests::poll::eventually_within;
use keel_tests::{Api, Server, Value, json, keel};

const NS: &str = r#"xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:camunda="http://camunda.org/schema/1.0/bpmn""#;

/// `start → prepare (asyncBefore) → ship (external task, asyncAfter) → end`.
fn model(id: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions {NS} id="defs_{id}" targetNamespace="http://keel.test/async">
  <bpmn:process id="{id}" isExecutable="true">
    <bpmn:startEvent id="start" />
    <bpmn:task id="prepare" camunda:asyncBefore="true" />
    <bpmn:serviceTask id="ship" camunda:type="external" camunda:topic="ship" camunda:asyncAfter="true" />
    <bpmn:endEvent id="end" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="prepare" />
    <bpmn:sequenceFlow id="f2" sourceRef="prepare" targetRef="ship" />
    <bpmn:sequenceFlow id="f3" sourceRef="ship" targetRef="end" />
  </bpmn:process>
</bpmn:definitions>
"#
    )
}

/// The only instance of `key` (started by a request whose answer may have been lost).
async fn only_instance(api: &Api, key: &str) -> String {
    let list = api
        .get(&format!("/api/v1/instances?definition_key={key}"))
        .await
        .expect(200, "list instances");
    let list = list.as_array().expect("array");
    assert_eq!(list.len(), 1, "exactly one instance: {list:?}");
    list[0]["id"].as_str().expect("id").to_owned()
}

async fn wait_for(api: &Api, id: &str, what: &str, done: impl Fn(&Value) -> bool) -> Value {
    eventually_within(
        &format!("instance {id}: {what}"),
        Duration::from_secs(30),
        || async {
            let i = api.instance(id).await;
            done(&i).then_some(i)
        },
    )
    .await
}

fn element_states(instance: &Value) -> Vec<(String, String)> {
    instance["active_elements"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|e| {
                    (
                        e["element_id"].as_str().unwrap_or("?").to_owned(),
                        e["state"].as_str().unwrap_or("?").to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_killed_after_taking_a_continuation_leaves_it_to_the_next_run_exactly_once() {
    let mut server = Server::start_with_env(&[
        ("KEEL_FAILPOINTS", "before_async_continuation=abort@1"),
        ("KEEL_CONTINUATION_LOCK_MS", "1500"),
        ("KEEL_LOG", "info"),
    ])
    .await;
    let api = server.admin();
    api.deploy(&model("shipping")).await;
    // The answer comes after the commit that leaves the instance waiting; the node may die
    // before writing it: the instance is looked up later.
    let _ = api
        .try_post(
            "/api/v1/definitions/shipping/instances",
            &json!({"variables": {"order": 7}}),
            &[],
        )
        .await;
    assert!(
        server.wait_for_exit(Duration::from_secs(30)).await,
        "the failpoint never stopped the server (built without `failpoints`?):\n{}",
        server.log()
    );
    let log = server.log();
    assert!(
        log.contains("failpoint reached") && log.contains("before_async_continuation"),
        "the server died, but not at before_async_continuation:\n{log}"
    );
    server.remove_env("KEEL_FAILPOINTS");
    server.restart().await;
    let id = only_instance(&api, "shipping").await;
    // Once the dead node's lock expired, the restarted node runs the continuation.
    let waiting = wait_for(&api, &id, "ship to wait for its worker", |i| {
        element_states(i) == [("ship".to_owned(), "active".to_owned())]
    })
    .await;
    assert_eq!(waiting["state"], "active");
    // Workers cannot take continuations.
    let refused = api
        .post(
            "/api/v1/jobs/activate",
            json!({"type": "keel:async", "worker": "w", "max_jobs": 10}),
        )
        .await;
    assert_eq!(refused.status, 403, "{:?}", refused.body);
    let job = api.one_job("ship", "w").await;
    api.complete_job(
        job["id"].as_str().expect("id"),
        "w",
        json!({"shipped": true}),
    )
    .await;
    let done = wait_for(&api, &id, "completed", |i| i["state"] == "completed").await;
    assert_eq!(done["variables"]["shipped"], json!(true));
    let trail = api.audit(&id).await;
    assert_eq!(
        kinds(&trail),
        [
            "instance_started",
            "async_continued",
            "job_completed",
            "async_continued"
        ],
        "{}",
        render(&trail)
    );
    for record in trail.iter().filter(|r| r["kind"] == "async_continued") {
        assert_eq!(record["actor"]["type"], "system", "{record}");
    }
    keel(["audit", "verify", "--db", &server.db]).assert_ok("keel audit verify");
}
