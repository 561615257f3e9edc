//! Built-in connectors run by `keel serve` itself (`keel:http` against a real local HTTP
//! server): a crash between the call and the recording of its result is reconciled, not
//! repeated blindly; the repeat call, when there is one, carries the same idempotency key; a
//! retry cycle backs off, ends in an incident, and resolving it continues with the same key.
//! A node hands its connector jobs back when it stops (SIGTERM) and, restarted under the same
//! `--node-id` after a crash, at start: the next attempt runs at once, not after the lock; a
//! call that outlives its lock is fenced (its late result records nothing).

use std::time::Duration;

use keel_tests::audit::{assert_gapless, kinds, render};
use keel_tests::poll::eventually_within;
use keel_tests::target::Target;
use keel_tests::{Api, Server, Value, json, keel};

const NS: &str = r#"xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" xmlns:camunda="http://camunda.org/schema/1.0/bpmn""#;

/// `start → call (keel:http with these task headers and extension elements) → end`.
fn http_model(id: &str, headers: &[(&str, &str)], extra: &str) -> String {
    http_model_with(id, headers, extra, "", "")
}

/// [`http_model`] plus more process `body` and `roots` next to the process.
fn http_model_with(
    id: &str,
    headers: &[(&str, &str)],
    extra: &str,
    body: &str,
    roots: &str,
) -> String {
    let headers: String = headers
        .iter()
        .map(|(k, v)| format!(r#"<zeebe:header key="{k}" value="{v}" />"#))
        .collect();
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions {NS} id="defs_{id}" targetNamespace="http://keel.test/connectors">
  <bpmn:process id="{id}" isExecutable="true">
    <bpmn:startEvent id="start" />
    <bpmn:serviceTask id="call">
      <bpmn:extensionElements>
        <zeebe:taskDefinition type="keel:http" />
        <zeebe:taskHeaders>{headers}</zeebe:taskHeaders>
        {extra}
      </bpmn:extensionElements>
    </bpmn:serviceTask>
    <bpmn:endEvent id="end" />
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="call" />
    <bpmn:sequenceFlow id="f2" sourceRef="call" targetRef="end" />
{body}
  </bpmn:process>
{roots}
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

async fn wait_completed(api: &Api, id: &str) -> Value {
    eventually_within(
        &format!("instance {id} to complete"),
        Duration::from_secs(30),
        || async {
            let i = api.instance(id).await;
            (i["state"] == "completed").then_some(i)
        },
    )
    .await
}

fn verify_audit(server: &Server) {
    let out = keel(["audit", "verify", "--db", &server.db]);
    out.assert_ok("keel audit verify");
}

/// The `connector` object of the instance's single `job_completed` record.
fn completion(trail: &[Value]) -> Value {
    let done: Vec<&Value> = trail
        .iter()
        .filter(|r| r["kind"] == "job_completed")
        .collect();
    assert_eq!(done.len(), 1, "one completion:\n{}", render(trail));
    assert_eq!(done[0]["actor"]["type"], "system", "{}", done[0]);
    done[0]["data"]["connector"].clone()
}

/// Starts a server whose first connector call aborts the process at `point`
/// (`after_connector_call`: the target answered, the result is not recorded;
/// `before_connector_call`: the intent is committed, the request not sent), waits for the
/// crash, and restarts it without the failpoint. Returns the server, an admin client and the
/// instance id.
async fn crash_at(point: &str, target: &Target, headers: &[(&str, &str)]) -> (Server, Api, String) {
    crash_with(
        point,
        target,
        headers,
        &[("KEEL_CONNECTOR_LOCK_MS", "1500"), ("KEEL_LOG", "info")],
    )
    .await
}

/// [`crash_at`] with this environment for both runs (the failpoint only for the first).
async fn crash_with(
    point: &str,
    target: &Target,
    headers: &[(&str, &str)],
    env: &[(&str, &str)],
) -> (Server, Api, String) {
    let spec = format!("{point}=abort@1");
    let mut env = env.to_vec();
    env.push(("KEEL_FAILPOINTS", spec.as_str()));
    let mut server = Server::start_with_env(&env).await;
    let api = server.admin();
    api.deploy(&http_model("orders", headers, "")).await;
    // The process may die before this answer is written: the instance is looked up later.
    let _ = api
        .try_post(
            "/api/v1/definitions/orders/instances",
            &json!({"variables": {"body": {"order": 7}}}),
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
        log.contains("failpoint reached") && log.contains(point),
        "the server died, but not at {point}:\n{log}"
    );
    let reached = usize::from(point == "after_connector_call");
    assert_eq!(
        target.post_keys().len(),
        reached,
        "requests before the crash"
    );
    server.remove_env("KEEL_FAILPOINTS");
    server.restart().await;
    let id = only_instance(&api, "orders").await;
    (server, api, id)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crash_after_the_call_is_reconciled_and_not_called_again() {
    let target = Target::start().await;
    let things = format!("{}/things", target.base);
    let (server, api, id) = crash_at(
        "after_connector_call",
        &target,
        &[("url", &things), ("reconcileUrl", &things)],
    )
    .await;
    let instance = wait_completed(&api, &id).await;

    let posts = target.post_keys();
    assert_eq!(posts.len(), 1, "the target was called once: {posts:?}");
    let key = posts[0].clone();
    assert!(
        key.starts_with("keel-"),
        "an idempotency key was sent: {key:?}"
    );
    assert_eq!(
        target.seen(|s| s.lookups.clone()),
        std::slice::from_ref(&key),
        "the restarted node looked the effect up by the same key"
    );
    assert_eq!(target.seen(|s| s.things.len()), 1, "one thing created");
    // The job completed with what the lookup found: the thing created before the crash.
    let response = &instance["variables"]["response"];
    assert_eq!(response["body"]["id"], 1, "{instance}");
    assert_eq!(response["body"]["key"], key.as_str(), "{instance}");

    let trail = api.audit(&id).await;
    assert_gapless(&trail);
    assert_eq!(
        kinds(&trail),
        ["instance_started", "job_completed"],
        "{}",
        render(&trail)
    );
    let connector = completion(&trail);
    assert_eq!(connector["reconciled"], true, "{connector}");
    assert_eq!(connector["reconcile"], "found", "{connector}");
    assert_eq!(connector["idempotency_key"], key.as_str(), "{connector}");
    assert_eq!(connector["attempt"], 2, "{connector}");
    assert!(
        server.log().contains("reconciled: the effect exists"),
        "the restarted node logs the reconcile:\n{}",
        server.log()
    );
    let metrics = server
        .anonymous()
        .get("/metrics")
        .await
        .expect(200, "metrics");
    let metrics = metrics.as_str().unwrap_or_default().to_owned();
    assert!(
        metrics
            .lines()
            .any(|l| l.starts_with("keel_connector_calls_total")
                && l.contains("outcome=\"reconciled\"")
                && l.contains("type=\"keel:http\"")),
        "keel_connector_calls_total counts the reconciled call:\n{metrics}"
    );
    verify_audit(&server);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crash_before_the_call_is_reconciled_as_never_happened_and_called_once_with_the_key() {
    let target = Target::start().await;
    let things = format!("{}/things", target.base);
    let (server, api, id) = crash_at(
        "before_connector_call",
        &target,
        &[("url", &things), ("reconcileUrl", &things)],
    )
    .await;
    let instance = wait_completed(&api, &id).await;

    let posts = target.post_keys();
    assert_eq!(posts.len(), 1, "called once, after the restart: {posts:?}");
    let lookups = target.seen(|s| s.lookups.clone());
    assert_eq!(lookups, posts, "looked up first, by the key it then sent");
    assert_eq!(
        instance["variables"]["response"]["status"], 201,
        "{instance}"
    );
    let trail = api.audit(&id).await;
    assert_gapless(&trail);
    assert_eq!(
        kinds(&trail),
        ["instance_started", "job_completed"],
        "{}",
        render(&trail)
    );
    let connector = completion(&trail);
    assert_eq!(connector["reconcile"], "not_found", "{connector}");
    assert_eq!(connector["reconciled"], false, "{connector}");
    assert_eq!(connector["attempt"], 2, "{connector}");
    assert_eq!(
        connector["idempotency_key"],
        posts[0].as_str(),
        "{connector}"
    );
    verify_audit(&server);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_lookup_the_repeat_call_carries_the_same_key_and_the_target_dedupes() {
    let target = Target::start().await;
    let things = format!("{}/things", target.base);
    let (server, api, id) = crash_at("after_connector_call", &target, &[("url", &things)]).await;
    let instance = wait_completed(&api, &id).await;

    let posts = target.post_keys();
    assert_eq!(posts.len(), 2, "called again after the crash: {posts:?}");
    assert_eq!(posts[0], posts[1], "with the same Idempotency-Key");
    assert_eq!(
        target.seen(|s| s.things.len()),
        1,
        "the target created one thing"
    );
    assert!(
        target.seen(|s| s.lookups.is_empty()),
        "no lookup configured"
    );
    assert_eq!(
        instance["variables"]["response"]["status"], 201,
        "{instance}"
    );
    assert_eq!(
        instance["variables"]["response"]["body"]["id"], 1,
        "{instance}"
    );

    let trail = api.audit(&id).await;
    assert_gapless(&trail);
    assert_eq!(
        kinds(&trail),
        ["instance_started", "job_completed"],
        "{}",
        render(&trail)
    );
    let connector = completion(&trail);
    assert_eq!(connector["reconcile"], "unsupported", "{connector}");
    assert_eq!(connector["reconciled"], false, "{connector}");
    assert_eq!(
        connector["idempotency_key"],
        posts[0].as_str(),
        "{connector}"
    );
    verify_audit(&server);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retry_cycle_backs_off_then_raises_an_incident_and_resolving_it_continues_with_the_same_key()
 {
    let target = Target::start().await;
    let things = format!("{}/things", target.base);
    let server = Server::start().await;
    let api = server.admin();
    api.deploy(&http_model(
        "retrying",
        &[("url", &things)],
        "<camunda:failedJobRetryTimeCycle>R2/PT1S</camunda:failedJobRetryTimeCycle>",
    ))
    .await;
    target.fail_next(&[503, 503]);
    let id = api.start("retrying", json!({"body": {"n": 1}})).await["id"]
        .as_str()
        .expect("id")
        .to_owned();

    let incident = api.open_incident(&id).await;
    assert_eq!(incident["kind"], "job_failed", "{incident}");
    assert_eq!(incident["element_id"], "call", "{incident}");
    let message = incident["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("503"),
        "the incident names the failure: {incident}"
    );
    let posts = target.seen(|s| s.posts.clone());
    assert_eq!(posts.len(), 2, "R2: two tries, then the incident");
    assert_eq!(posts[0].0, posts[1].0, "the retry carries the same key");
    let gap = posts[1].1 - posts[0].1;
    assert!(
        gap >= Duration::from_millis(950),
        "the retry waited the cycle's PT1S, not {gap:?}"
    );
    // Parked behind the incident: nothing more is tried.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(
        target.post_keys().len(),
        2,
        "no call while the incident is open"
    );

    let resolved = api
        .post(
            &format!(
                "/api/v1/incidents/{}/resolve",
                incident["id"].as_str().unwrap()
            ),
            json!({"retries": 1}),
        )
        .await;
    assert_eq!(resolved.status, 200, "{:?}", resolved.body);
    let instance = wait_completed(&api, &id).await;
    let posts = target.post_keys();
    assert_eq!(posts.len(), 3, "{posts:?}");
    assert!(
        posts.iter().all(|k| *k == posts[0]),
        "one key throughout: {posts:?}"
    );
    assert_eq!(target.seen(|s| s.things.len()), 1);
    assert_eq!(
        instance["variables"]["response"]["status"], 201,
        "{instance}"
    );

    let trail = api.audit(&id).await;
    assert_gapless(&trail);
    assert_eq!(
        kinds(&trail),
        [
            "instance_started",
            "job_failed",
            "job_failed",
            "incident_resolved",
            "job_completed"
        ],
        "{}",
        render(&trail)
    );
    let connector = completion(&trail);
    assert_eq!(connector["attempt"], 3, "{connector}");
    assert_eq!(
        connector["idempotency_key"],
        posts[0].as_str(),
        "{connector}"
    );
    verify_audit(&server);
}

#[tokio::test]
async fn a_client_error_raises_an_incident_without_retrying() {
    let target = Target::start().await;
    let things = format!("{}/things", target.base);
    let server = Server::start().await;
    let api = server.admin();
    api.deploy(&http_model("rejected", &[("url", &things)], ""))
        .await;
    target.fail_next(&[422]);
    let id = api.start("rejected", json!({"body": {}})).await["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let incident = api.open_incident(&id).await;
    assert!(
        incident["message"]
            .as_str()
            .unwrap_or_default()
            .contains("422"),
        "{incident}"
    );
    assert_eq!(target.post_keys().len(), 1, "a 4xx is not retried");
}

#[tokio::test]
async fn a_client_error_can_be_a_bpmn_error_caught_by_a_boundary_event() {
    let target = Target::start().await;
    let things = format!("{}/things", target.base);
    let server = Server::start().await;
    let api = server.admin();
    api.deploy(&http_model_with(
        "caught",
        &[("url", &things), ("throwOnClientError", "true")],
        "",
        r#"    <bpmn:boundaryEvent id="conflict" attachedToRef="call">
      <bpmn:errorEventDefinition errorRef="http409" />
    </bpmn:boundaryEvent>
    <bpmn:endEvent id="handled" />
    <bpmn:sequenceFlow id="f3" sourceRef="conflict" targetRef="handled" />"#,
        r#"<bpmn:error id="http409" errorCode="HTTP_409" />"#,
    ))
    .await;
    target.fail_next(&[409]);
    let id = api.start("caught", json!({"body": {}})).await["id"]
        .as_str()
        .expect("id")
        .to_owned();
    api.wait_state(&id, "completed").await;
    assert!(api.incidents(&id).await.is_empty(), "caught, no incident");
    assert_eq!(target.post_keys().len(), 1);
    let trail = api.audit(&id).await;
    let thrown = trail
        .iter()
        .find(|r| r["kind"] == "error_thrown")
        .unwrap_or_else(|| panic!("an error_thrown record:\n{}", render(&trail)));
    assert_eq!(thrown["data"]["error_code"], "HTTP_409", "{thrown}");
    verify_audit(&server);
}

#[tokio::test]
async fn a_bad_retry_cycle_is_a_deploy_error_naming_the_element() {
    let server = Server::start().await;
    let api = server.admin();
    let r = api
        .deploy_raw(&http_model(
            "badcycle",
            &[("url", "http://127.0.0.1:1/x")],
            "<camunda:failedJobRetryTimeCycle>every minute</camunda:failedJobRetryTimeCycle>",
        ))
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    let text = r.body.to_string();
    assert!(
        text.contains("failedJobRetryTimeCycle") && text.contains("call"),
        "the error names the setting and the element: {text}"
    );
}

/// Far longer than any wait below: a job that waited for this lock to expire would fail the
/// scenario.
const LONG_LOCK_MS: &str = "600000";

/// The `connector` object of the completion, after checking the trail holds just the start
/// and one completion, from a reconcile that found the effect of attempt 1 (`key`).
fn assert_reconciled_once(trail: &[Value], key: &str) {
    assert_gapless(trail);
    assert_eq!(
        kinds(trail),
        ["instance_started", "job_completed"],
        "{}",
        render(trail)
    );
    let connector = completion(trail);
    assert_eq!(connector["reconcile"], "found", "{connector}");
    assert_eq!(connector["reconciled"], true, "{connector}");
    assert_eq!(connector["attempt"], 2, "{connector}");
    assert_eq!(connector["idempotency_key"], key, "{connector}");
}

/// The target saw one post (attempt 1's), created one thing, and was looked up by the same key
/// once; returns the key.
fn assert_one_effect(target: &Target) -> String {
    let posts = target.post_keys();
    assert_eq!(posts.len(), 1, "one call: {posts:?}");
    assert_eq!(target.seen(|s| s.things.len()), 1, "one thing created");
    assert_eq!(
        target.seen(|s| s.lookups.clone()),
        posts,
        "the next attempt looked the effect up by the same key"
    );
    posts[0].clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_graceful_shutdown_hands_the_connector_job_back_and_the_next_node_reconciles_at_once() {
    let target = Target::start().await;
    let things = format!("{}/things", target.base);
    // The first call creates its thing at once but answers only after a minute: it is in flight
    // when the node is told to stop.
    target.delay_next(&[60_000]);
    let mut server = Server::start_with_env(&[
        ("KEEL_CONNECTOR_LOCK_MS", LONG_LOCK_MS),
        ("KEEL_LOG", "info"),
    ])
    .await;
    let api = server.admin();
    api.deploy(&http_model(
        "orders",
        &[("url", &things), ("reconcileUrl", &things)],
        "",
    ))
    .await;
    let id = api.start("orders", json!({"body": {"order": 8}})).await["id"]
        .as_str()
        .expect("id")
        .to_owned();
    eventually_within(
        "the first call to reach the target",
        Duration::from_secs(30),
        || async { (target.post_keys().len() == 1).then_some(()) },
    )
    .await;
    assert!(
        server.terminate(Duration::from_secs(30)).await,
        "keel serve exits on SIGTERM:\n{}",
        server.log()
    );
    let log = server.log();
    assert!(
        log.contains("connector executor stopped") && log.contains("released=1"),
        "the stopping node released its job:\n{log}"
    );
    // The next node (a new node id) takes the job at once, not after the ten-minute lock.
    server.restart().await;
    wait_completed(&api, &id).await;
    let key = assert_one_effect(&target);
    assert_reconciled_once(&api.audit(&id).await, &key);
    verify_audit(&server);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_restarted_under_its_node_id_after_a_crash_releases_its_locks_and_reconciles() {
    let target = Target::start().await;
    let things = format!("{}/things", target.base);
    let (server, api, id) = crash_with(
        "after_connector_call",
        &target,
        &[("url", &things), ("reconcileUrl", &things)],
        &[
            ("KEEL_CONNECTOR_LOCK_MS", LONG_LOCK_MS),
            ("KEEL_NODE_ID", "node-a"),
            ("KEEL_LOG", "info"),
        ],
    )
    .await;
    // Restarted as node-a: the job it held when it died is ready again at once.
    wait_completed(&api, &id).await;
    let key = assert_one_effect(&target);
    assert_reconciled_once(&api.audit(&id).await, &key);
    let log = server.log();
    assert!(
        log.contains("released the jobs an earlier run of this node left locked")
            && log.contains("reconciled: the effect exists"),
        "the restarted node released its old lock and reconciled:\n{log}"
    );
    verify_audit(&server);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_that_outlives_its_lock_is_fenced_and_the_next_attempt_reconciles_with_the_same_key()
{
    let target = Target::start().await;
    let things = format!("{}/things", target.base);
    // The first call creates its thing but answers three times later than its lock lasts.
    target.delay_next(&[3_000]);
    let server =
        Server::start_with_env(&[("KEEL_CONNECTOR_LOCK_MS", "1000"), ("KEEL_LOG", "info")]).await;
    let api = server.admin();
    api.deploy(&http_model(
        "orders",
        &[("url", &things), ("reconcileUrl", &things)],
        "",
    ))
    .await;
    let id = api.start("orders", json!({"body": {"order": 9}})).await["id"]
        .as_str()
        .expect("id")
        .to_owned();
    // Once the lock expired the job is taken again; that attempt finds the effect by its key.
    wait_completed(&api, &id).await;
    // The first attempt's answer comes later still, and its result is refused.
    eventually_within(
        "the first attempt's late result to be refused",
        Duration::from_secs(30),
        || async {
            server
                .log()
                .contains("connector attempt abandoned")
                .then_some(())
        },
    )
    .await;
    let key = assert_one_effect(&target);
    let trail = api.audit(&id).await;
    assert_reconciled_once(&trail, &key);
    let instance = api.instance(&id).await;
    assert_eq!(
        instance["variables"]["response"]["body"]["id"], 1,
        "completed with the thing the first call created: {instance}"
    );
    verify_audit(&server);
}
