//! Process-level message and timer start events, end to end through the `Engine` façade on a
//! real database with a manual clock: which version starts, with what, how often, and what a
//! redeployment replaces. Each test asserts the audit trail of the instances it starts.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use std::sync::Arc;

use keel_engine::clock::ManualClock;
use keel_engine::views::InstanceView;
use keel_engine::{
    CorrelateRequest, CorrelateResult, DeployFile, Engine, EngineConfig, InstanceFilter, Principal,
    StartRequest, TaskFilter,
};
use serde_json::{Map, Value, json};

const MINUTE: i64 = 60_000;
const HOUR: i64 = 60 * MINUTE;

struct Harness {
    engine: Engine,
    clock: ManualClock,
    url: String,
    _dir: tempfile::TempDir,
}

fn admin() -> Principal {
    Principal {
        user_id: "u-admin".into(),
        name: "root".into(),
        groups: vec![],
        roles: vec!["admin".into()],
    }
}

fn vars(v: Value) -> Map<String, Value> {
    v.as_object().cloned().unwrap_or_default()
}

/// A `definitions` document with messages `go`, `go2` and `ping` and one executable process.
fn model(id: &str, body: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d" targetNamespace="t">
  <message id="m_go" name="go"/>
  <message id="m_go2" name="go2"/>
  <message id="m_ping" name="ping"><extensionElements><zeebe:subscription correlationKey="=key"/></extensionElements></message>
  <process id="{id}" isExecutable="true">
{body}
  </process>
</definitions>"#
    )
}

fn flow(from: &str, to: &str) -> String {
    format!(r#"<sequenceFlow id="{from}_{to}" sourceRef="{from}" targetRef="{to}"/>"#)
}

fn message_start(id: &str, message: &str) -> String {
    format!(
        r#"<startEvent id="{id}"><messageEventDefinition messageRef="{message}"/></startEvent>"#
    )
}

fn timer_start(id: &str, kind: &str, value: &str) -> String {
    format!(
        r#"<startEvent id="{id}"><timerEventDefinition><{kind}>{value}</{kind}></timerEventDefinition></startEvent>"#
    )
}

/// `start → end` from each of `starts`.
fn to_end(key: &str, starts: &[(&str, String)]) -> String {
    let mut body = vec![r#"<endEvent id="end"/>"#.to_owned()];
    for (id, xml) in starts {
        body.push(xml.clone());
        body.push(flow(id, "end"));
    }
    model(key, &body.join("\n"))
}

impl Harness {
    async fn new() -> Harness {
        let dir = tempfile::tempdir().unwrap();
        let url = keel_engine::store::scratch::database_url(dir.path())
            .await
            .unwrap();
        let clock = ManualClock::new("2030-01-01T00:00:00Z".parse().unwrap());
        let engine = Self::open(&url, &clock).await;
        Harness {
            engine,
            clock,
            url,
            _dir: dir,
        }
    }

    async fn open(url: &str, clock: &ManualClock) -> Engine {
        let mut config = EngineConfig::new(url);
        config.clock = Arc::new(clock.clone());
        Engine::open(config).await.unwrap()
    }

    /// Closes the engine and opens another on the same database (a restart).
    async fn restart(self) -> Harness {
        self.engine.close().await;
        let engine = Self::open(&self.url, &self.clock).await;
        Harness { engine, ..self }
    }

    async fn deploy(&self, xml: &str) -> Vec<i64> {
        self.engine
            .deploy(
                vec![DeployFile {
                    name: "m.bpmn".into(),
                    content: xml.as_bytes().to_vec(),
                }],
                &admin(),
            )
            .await
            .unwrap()
            .definitions
            .iter()
            .map(|d| d.version)
            .collect()
    }

    async fn publish(
        &self,
        name: &str,
        key: Option<&str>,
        message_id: Option<&str>,
        variables: Value,
    ) -> keel_engine::Result<CorrelateResult> {
        self.engine
            .correlate_message(
                CorrelateRequest {
                    name: name.into(),
                    correlation_key: key.map(str::to_owned),
                    business_key: Some("bk".into()),
                    message_id: message_id.map(str::to_owned),
                    variables: vars(variables),
                    ..Default::default()
                },
                &admin(),
            )
            .await
    }

    async fn advance(&self, ms: i64) -> usize {
        self.clock.advance_ms(ms);
        self.engine.fire_due_timers(100).await.unwrap()
    }

    /// The instances of `key`, oldest first.
    async fn instances_of(&self, key: &str) -> Vec<InstanceView> {
        let mut items = self
            .engine
            .list_instances(&InstanceFilter {
                definition_key: Some(key.into()),
                limit: 100,
                ..Default::default()
            })
            .await
            .unwrap()
            .items;
        items.reverse();
        items
    }

    /// Per audit record of `instance`: its kind, the element it names and its transitions.
    async fn trail(&self, instance: &str) -> Vec<(String, String, Vec<String>)> {
        self.engine
            .instance_audit(instance)
            .await
            .unwrap()
            .iter()
            .map(|r| {
                let transitions = r.data["transitions"]
                    .as_array()
                    .map(|ts| {
                        ts.iter()
                            .map(|t| {
                                format!(
                                    "{}:{}",
                                    t["element_id"].as_str().unwrap_or("?"),
                                    t["event"].as_str().unwrap_or("?")
                                )
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                (
                    r.kind.clone(),
                    r.element_id.clone().unwrap_or_default(),
                    transitions,
                )
            })
            .collect()
    }

    async fn assert_trail(&self, instance: &str, expected: &[(&str, &str, &[&str])]) {
        let expected: Vec<(String, String, Vec<String>)> = expected
            .iter()
            .map(|(k, e, ts)| {
                (
                    (*k).to_owned(),
                    (*e).to_owned(),
                    ts.iter().map(|t| (*t).to_owned()).collect(),
                )
            })
            .collect();
        assert_eq!(self.trail(instance).await, expected, "audit of {instance}");
        assert!(self.engine.verify_audit().await.unwrap().is_ok());
    }

    async fn complete_only_task(&self, instance: &str) {
        let tasks = self
            .engine
            .list_tasks(
                &TaskFilter {
                    instance_id: Some(instance.into()),
                    limit: 10,
                    ..Default::default()
                },
                &admin(),
            )
            .await
            .unwrap()
            .items;
        assert_eq!(tasks.len(), 1);
        self.engine
            .assign_task(&tasks[0].id, Some("root".into()), &admin())
            .await
            .unwrap();
        let user = Principal {
            roles: vec![],
            ..admin()
        };
        self.engine
            .complete_task(&tasks[0].id, Map::new(), &user)
            .await
            .unwrap();
    }
}

/// The trail of an instance started at `start` that runs straight to `end` in process `key`.
fn straight(key: &str, start: &str) -> Vec<String> {
    vec![
        format!("{key}:activated"),
        format!("{start}:activated"),
        format!("{start}:completed"),
        format!("{start}_end:taken"),
        "end:activated".into(),
        "end:completed".into(),
        format!("{key}:completed"),
    ]
}

fn strs(v: &[String]) -> Vec<&str> {
    v.iter().map(String::as_str).collect()
}

#[tokio::test]
async fn a_message_starts_the_process_at_its_message_start_event_with_its_variables() {
    let h = Harness::new().await;
    let body = [
        r#"<startEvent id="none"/><endEvent id="end"/>"#.to_owned(),
        message_start("by_go", "m_go"),
        timer_start("nightly", "timeCycle", "0 0 2 * * *"),
        r#"<userTask id="review"/>"#.to_owned(),
        flow("none", "review"),
        flow("by_go", "review"),
        flow("nightly", "review"),
        flow("review", "end"),
    ];
    h.deploy(&model("orders", &body.join("\n"))).await;
    let r = h
        .publish("go", Some("o-1"), Some("msg-1"), json!({"amount": 5}))
        .await
        .unwrap();
    assert_eq!(r.started.len(), 1);
    assert_eq!(r.correlated, r.started);
    assert!(!r.buffered);
    let id = r.started[0].clone();
    let view = h.engine.instance(&id).await.unwrap();
    assert_eq!(view.variables["amount"], json!(5));
    assert_eq!(view.business_key.as_deref(), Some("bk"));
    assert_eq!(view.definition_version, 1);
    h.assert_trail(
        &id,
        &[(
            "instance_started",
            "by_go",
            &[
                "orders:activated",
                "by_go:activated",
                "by_go:completed",
                "by_go_review:taken",
                "review:activated",
            ],
        )],
    )
    .await;
    let audit = h.engine.instance_audit(&id).await.unwrap();
    assert_eq!(audit[0].data["message_name"], json!("go"));
    assert_eq!(audit[0].data["message_id"], json!("msg-1"));

    // The same message id again: the first answer, no second instance.
    let again = h
        .publish("go", Some("o-1"), Some("msg-1"), json!({"amount": 6}))
        .await
        .unwrap();
    assert_eq!(again, r);
    // Another message with the key of an active instance it started starts nothing (Zeebe).
    let held = h.publish("go", Some("o-1"), Some("msg-2"), json!({})).await;
    assert!(
        matches!(held, Err(keel_engine::Error::NoSubscription(_))),
        "{held:?}"
    );
    // Another key starts another instance; no key at all always starts one.
    let other = h.publish("go", Some("o-2"), None, json!({})).await.unwrap();
    assert_eq!(other.started.len(), 1);
    let keyless = h.publish("go", None, None, json!({})).await.unwrap();
    assert_eq!(keyless.started.len(), 1);
    assert_eq!(h.instances_of("orders").await.len(), 3);

    // Once the instance of o-1 has ended, o-1 starts a new one.
    h.complete_only_task(&id).await;
    assert_eq!(h.engine.instance(&id).await.unwrap().state, "completed");
    let next = h.publish("go", Some("o-1"), None, json!({})).await.unwrap();
    assert_eq!(next.started.len(), 1);
    assert_ne!(next.started[0], id);

    // The API start uses the none start event.
    let api = h
        .engine
        .start_instance(
            StartRequest {
                definition_key: "orders".into(),
                ..Default::default()
            },
            &admin(),
        )
        .await
        .unwrap();
    h.assert_trail(
        &api.id,
        &[(
            "instance_started",
            "",
            &[
                "orders:activated",
                "none:activated",
                "none:completed",
                "none_review:taken",
                "review:activated",
            ],
        )],
    )
    .await;
}

#[tokio::test]
async fn a_message_continues_waiting_instances_and_starts_processes() {
    let h = Harness::new().await;
    let waiter = [
        r#"<startEvent id="s"/><endEvent id="end"/>"#.to_owned(),
        r#"<intermediateCatchEvent id="wait"><messageEventDefinition messageRef="m_ping"/></intermediateCatchEvent>"#.to_owned(),
        flow("s", "wait"),
        flow("wait", "end"),
    ];
    h.deploy(&model("waiter", &waiter.join("\n"))).await;
    h.deploy(&to_end(
        "pinged",
        &[("on_ping", message_start("on_ping", "m_ping"))],
    ))
    .await;
    let waiting = h
        .engine
        .start_instance(
            StartRequest {
                definition_key: "waiter".into(),
                variables: vars(json!({"key": "k-1"})),
                ..Default::default()
            },
            &admin(),
        )
        .await
        .unwrap();
    let r = h
        .publish("ping", Some("k-1"), None, json!({"n": 1}))
        .await
        .unwrap();
    assert_eq!(r.started.len(), 1);
    assert_eq!(r.correlated, vec![waiting.id.clone(), r.started[0].clone()]);
    assert_eq!(
        h.engine.instance(&waiting.id).await.unwrap().state,
        "completed"
    );
    let started = &r.started[0];
    h.assert_trail(
        started,
        &[(
            "instance_started",
            "on_ping",
            &strs(&straight("pinged", "on_ping")),
        )],
    )
    .await;
    // The process that only starts by messages refuses the API start.
    let refused = h
        .engine
        .start_instance(
            StartRequest {
                definition_key: "pinged".into(),
                ..Default::default()
            },
            &admin(),
        )
        .await;
    assert!(
        matches!(
            refused,
            Err(keel_engine::Error::Invalid {
                code: "no_none_start_event",
                ..
            })
        ),
        "{refused:?}"
    );
    // The started instance is not buffered-for: a message with a TTL that starts an instance
    // is not buffered.
    let r = h.publish_ttl("ping", Some("k-2"), 60_000).await.unwrap();
    assert_eq!(r.started.len(), 1);
    assert!(!r.buffered);
}

impl Harness {
    async fn publish_ttl(
        &self,
        name: &str,
        key: Option<&str>,
        ttl_ms: i64,
    ) -> keel_engine::Result<CorrelateResult> {
        self.engine
            .correlate_message(
                CorrelateRequest {
                    name: name.into(),
                    correlation_key: key.map(str::to_owned),
                    ttl_ms,
                    ..Default::default()
                },
                &admin(),
            )
            .await
    }
}

#[tokio::test]
async fn a_new_version_replaces_the_message_start_events_of_the_previous_one() {
    let h = Harness::new().await;
    let v1 = to_end("p", &[("by_go", message_start("by_go", "m_go"))]);
    assert_eq!(h.deploy(&v1).await, [1]);
    let v2 = to_end(
        "p",
        &[
            ("by_go2", message_start("by_go2", "m_go2")),
            ("plain", r#"<startEvent id="plain"/>"#.to_owned()),
        ],
    );
    assert_eq!(h.deploy(&v2).await, [2]);
    // Deploying the same content again makes no new version and keeps its subscriptions.
    assert_eq!(h.deploy(&v2).await, [2]);
    let gone = h.publish("go", None, None, json!({})).await;
    assert!(
        matches!(gone, Err(keel_engine::Error::NoSubscription(_))),
        "{gone:?}"
    );
    let r = h.publish("go2", None, None, json!({})).await.unwrap();
    assert_eq!(r.started.len(), 1);
    let view = h.engine.instance(&r.started[0]).await.unwrap();
    assert_eq!(view.definition_version, 2);
    assert_eq!(view.state, "completed");
    // A buffered message does not start a process deployed later (Zeebe).
    let buffered = h.publish_ttl("later", None, HOUR).await.unwrap();
    assert!(buffered.buffered);
    let later = model(
        "later_p",
        r#"<startEvent id="by_later"><messageEventDefinition messageRef="m_later"/></startEvent><endEvent id="end"/><sequenceFlow id="f" sourceRef="by_later" targetRef="end"/>"#,
    )
    .replace(
        r#"<message id="m_go" name="go"/>"#,
        r#"<message id="m_go" name="go"/><message id="m_later" name="later"/>"#,
    );
    h.deploy(&later).await;
    assert!(h.instances_of("later_p").await.is_empty());
}

#[tokio::test]
async fn a_timer_cycle_starts_one_instance_per_due_time_and_one_after_downtime() {
    let h = Harness::new().await;
    h.deploy(&to_end(
        "hourly",
        &[("tick", timer_start("tick", "timeCycle", "R/PT1H"))],
    ))
    .await;
    assert_eq!(h.advance(59 * MINUTE).await, 0);
    assert_eq!(h.advance(MINUTE).await, 1); // 01:00
    assert_eq!(h.advance(HOUR).await, 1); // 02:00
    // Down from 02:00 to 07:30: the missed firings are one, the next is on the grid (08:00).
    let h = h.restart().await;
    assert_eq!(h.advance(5 * HOUR + 30 * MINUTE).await, 1);
    assert_eq!(h.advance(0).await, 0);
    assert_eq!(h.advance(29 * MINUTE).await, 0);
    assert_eq!(h.advance(MINUTE).await, 1); // 08:00
    let instances = h.instances_of("hourly").await;
    assert_eq!(instances.len(), 4);
    assert!(instances.iter().all(|i| i.state == "completed"));
    let first = &instances[0];
    assert_eq!(first.started_by, None);
    h.assert_trail(
        &first.id,
        &[(
            "instance_started",
            "tick",
            &strs(&straight("hourly", "tick")),
        )],
    )
    .await;
    let audit = h.engine.instance_audit(&first.id).await.unwrap();
    assert_eq!(audit[0].data["due_at"], json!("2030-01-01T01:00:00.000Z"));
    assert_eq!(audit[0].actor.kind, "system");
}

#[tokio::test]
async fn dates_durations_and_counted_cycles_start_as_often_as_they_say() {
    let h = Harness::new().await;
    h.deploy(&to_end(
        "dated",
        &[("at", timer_start("at", "timeDate", "2030-01-01T03:00:00Z"))],
    ))
    .await;
    h.deploy(&to_end(
        "delayed",
        &[("after", timer_start("after", "timeDuration", "PT10M"))],
    ))
    .await;
    h.deploy(&to_end(
        "twice",
        &[("cycle", timer_start("cycle", "timeCycle", "R2/PT1H"))],
    ))
    .await;
    assert_eq!(h.advance(10 * MINUTE).await, 1); // delayed
    assert_eq!(h.advance(50 * MINUTE).await, 1); // twice, 01:00
    assert_eq!(h.advance(HOUR).await, 1); // twice, 02:00
    assert_eq!(h.advance(HOUR).await, 1); // dated, 03:00
    assert_eq!(h.advance(24 * HOUR).await, 0);
    for (key, n) in [("dated", 1), ("delayed", 1), ("twice", 2)] {
        assert_eq!(h.instances_of(key).await.len(), n, "{key}");
    }
}

#[tokio::test]
async fn a_new_version_replaces_the_start_timers_of_the_previous_one() {
    let h = Harness::new().await;
    h.deploy(&to_end(
        "p",
        &[("tick", timer_start("tick", "timeCycle", "R/PT1H"))],
    ))
    .await;
    assert_eq!(h.advance(HOUR).await, 1);
    assert_eq!(h.advance(30 * MINUTE).await, 0);
    // Version 2 at 01:30: its timer runs from now, version 1's is gone.
    h.deploy(&to_end(
        "p",
        &[
            ("later", timer_start("later", "timeDuration", "PT2H")),
            ("plain", r#"<startEvent id="plain"/>"#.to_owned()),
        ],
    ))
    .await;
    assert_eq!(h.advance(HOUR + 59 * MINUTE).await, 0);
    assert_eq!(h.advance(MINUTE).await, 1); // 03:30
    assert_eq!(h.advance(10 * HOUR).await, 0);
    let instances = h.instances_of("p").await;
    let versions: Vec<i64> = instances.iter().map(|i| i.definition_version).collect();
    assert_eq!(versions, [1, 2]);
    h.assert_trail(
        &instances[1].id,
        &[("instance_started", "later", &strs(&straight("p", "later")))],
    )
    .await;
    // A version without timer start events leaves none.
    h.deploy(&to_end(
        "p",
        &[("plain", r#"<startEvent id="plain"/>"#.to_owned())],
    ))
    .await;
    assert_eq!(h.advance(100 * HOUR).await, 0);
}

/// Two nodes on one PostgreSQL database fire the same start timer: each due time starts one
/// instance (the row is taken `FOR UPDATE SKIP LOCKED` and moved in the firing transaction).
/// SQLite allows one node per file, so this runs when `KEEL_TEST_DB=postgres`.
#[tokio::test]
async fn two_nodes_fire_each_due_time_once() {
    if keel_engine::store::scratch::backend() != "postgres" {
        return;
    }
    let h = Harness::new().await;
    let other = Harness::open(&h.url, &h.clock).await;
    h.deploy(&to_end(
        "shared",
        &[("tick", timer_start("tick", "timeCycle", "R/PT1M"))],
    ))
    .await;
    let mut fired = 0;
    for _ in 0..20 {
        h.clock.advance_ms(MINUTE);
        let (a, b) = tokio::join!(h.engine.fire_due_timers(100), other.fire_due_timers(100));
        fired += a.unwrap() + b.unwrap();
    }
    assert_eq!(fired, 20);
    assert_eq!(h.instances_of("shared").await.len(), 20);
    other.close().await;
}

/// Zeebe: a message held back by an active instance with its correlation key and buffered
/// starts the next instance when that one ends; an expired one does not.
#[tokio::test]
async fn a_held_back_buffered_message_starts_the_next_instance_when_the_holder_ends() {
    let h = Harness::new().await;
    let body = [
        r#"<endEvent id="end"/><userTask id="review"/>"#.to_owned(),
        message_start("by_go", "m_go"),
        flow("by_go", "review"),
        flow("review", "end"),
    ];
    h.deploy(&model("orders", &body.join("\n"))).await;
    let first = h
        .publish("go", Some("o-1"), None, json!({"n": 1}))
        .await
        .unwrap();
    let held = h
        .engine
        .correlate_message(
            CorrelateRequest {
                name: "go".into(),
                correlation_key: Some("o-1".into()),
                variables: vars(json!({"n": 2})),
                ttl_ms: HOUR,
                ..Default::default()
            },
            &admin(),
        )
        .await
        .unwrap();
    assert!(held.buffered);
    assert!(held.started.is_empty());
    let expiring = h
        .engine
        .correlate_message(
            CorrelateRequest {
                name: "go".into(),
                correlation_key: Some("o-1".into()),
                variables: vars(json!({"n": 3})),
                ttl_ms: MINUTE,
                ..Default::default()
            },
            &admin(),
        )
        .await
        .unwrap();
    assert!(expiring.buffered);
    assert_eq!(h.instances_of("orders").await.len(), 1);

    h.clock.advance_ms(2 * MINUTE);
    h.complete_only_task(&first.started[0]).await;
    let instances = h.instances_of("orders").await;
    assert_eq!(instances.len(), 2);
    assert_eq!(instances[0].state, "completed");
    let second = &instances[1];
    assert_eq!(second.variables["n"], json!(2));
    h.assert_trail(
        &second.id,
        &[(
            "instance_started",
            "by_go",
            &[
                "orders:activated",
                "by_go:activated",
                "by_go:completed",
                "by_go_review:taken",
                "review:activated",
            ],
        )],
    )
    .await;
    let audit = h.engine.instance_audit(&second.id).await.unwrap();
    assert!(audit[0].data["buffered_message"].is_string());
    assert_eq!(audit[0].actor.kind, "system");
    // The expired message (n = 3) starts nothing when the second one ends.
    h.complete_only_task(&second.id).await;
    assert_eq!(h.instances_of("orders").await.len(), 2);
}
