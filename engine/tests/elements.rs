//! BPMN elements beyond the basics, end to end through the `Engine` façade on a real SQLite file:
//! inclusive and event-based gateways, receive and script tasks, link and escalation events,
//! multi-instance activities. Each test asserts the exact element transitions of the audit trail
//! (`element_id:event`, per audit record).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use std::sync::Arc;

use keel_engine::clock::ManualClock;
use keel_engine::views::InstanceView;
use keel_engine::{
    ActivateRequest, CorrelateRequest, DeployFile, Engine, EngineConfig, Principal, StartRequest,
    TaskFilter,
};
use serde_json::{Map, Value, json};

// ----- harness --------------------------------------------------------------------------------

struct Harness {
    engine: Engine,
    clock: ManualClock,
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

/// A `definitions` document with one executable process `id` holding `body` (BPMN is the default
/// namespace; `zeebe:` and `camunda:` are declared).
fn model(id: &str, body: &str) -> String {
    model_with(id, "", body)
}

/// Like [`model`], with root elements (messages, escalations...) before the process.
fn model_with(id: &str, roots: &str, body: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:zeebe="http://camunda.org/schema/zeebe/1.0"
    xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d" targetNamespace="t">
  {roots}
  <process id="{id}" isExecutable="true">
{body}
  </process>
</definitions>"#
    )
}

/// `<sequenceFlow id="{from}_{to}">` between two nodes.
fn flow(from: &str, to: &str) -> String {
    format!(r#"<sequenceFlow id="{from}_{to}" sourceRef="{from}" targetRef="{to}"/>"#)
}

/// A conditional sequence flow `{from}_{to}`.
fn cond(from: &str, to: &str, condition: &str) -> String {
    format!(
        r#"<sequenceFlow id="{from}_{to}" sourceRef="{from}" targetRef="{to}"><conditionExpression>{condition}</conditionExpression></sequenceFlow>"#
    )
}

/// A user task for the `staff` group.
fn user_task(id: &str) -> String {
    format!(
        r#"<userTask id="{id}"><extensionElements><zeebe:assignmentDefinition candidateGroups="staff"/></extensionElements></userTask>"#
    )
}

/// Who may work on `task`: its assignee, else a member of `staff`.
fn worker(task: &keel_engine::views::TaskView) -> Principal {
    Principal {
        user_id: "u-worker".into(),
        name: task.assignee.clone().unwrap_or_else(|| "staffer".into()),
        groups: vec!["staff".into()],
        roles: vec![],
    }
}

/// A service task with a job of type `id`.
fn service(id: &str) -> String {
    format!(
        r#"<serviceTask id="{id}"><extensionElements><zeebe:taskDefinition type="{id}"/></extensionElements></serviceTask>"#
    )
}

impl Harness {
    async fn new() -> Harness {
        let dir = tempfile::tempdir().unwrap();
        let clock = ManualClock::new("2030-01-01T00:00:00Z".parse().unwrap());
        let url = keel_engine::store::scratch::database_url(dir.path())
            .await
            .unwrap();
        let mut config = EngineConfig::new(&url);
        config.clock = Arc::new(clock.clone());
        let engine = Engine::open(config).await.unwrap();
        Harness {
            engine,
            clock,
            _dir: dir,
        }
    }

    async fn deploy(&self, xml: &str) {
        self.try_deploy(xml).await.unwrap();
    }

    async fn try_deploy(&self, xml: &str) -> keel_engine::Result<()> {
        self.engine
            .deploy(
                vec![DeployFile {
                    name: "m.bpmn".into(),
                    content: xml.as_bytes().to_vec(),
                }],
                &admin(),
            )
            .await
            .map(|_| ())
    }

    /// The deploy error messages of `xml`.
    async fn deploy_errors(&self, xml: &str) -> Vec<String> {
        match self.try_deploy(xml).await {
            Err(keel_engine::Error::InvalidBpmn(diagnostics)) => diagnostics
                .into_iter()
                .filter(|(_, d)| d.is_error())
                .map(|(_, d)| d.message)
                .collect(),
            other => panic!("expected invalid_bpmn, got {other:?}"),
        }
    }

    async fn start(&self, key: &str, variables: Value) -> InstanceView {
        self.engine
            .start_instance(
                StartRequest {
                    definition_key: key.into(),
                    variables: vars(variables),
                    business_key: Some(format!("bk-{key}")),
                    ..Default::default()
                },
                &admin(),
            )
            .await
            .unwrap()
    }

    async fn instance(&self, id: &str) -> InstanceView {
        self.engine.instance(id).await.unwrap()
    }

    /// The open user tasks of `instance`, oldest first.
    async fn open_tasks(&self, instance: &str) -> Vec<keel_engine::views::TaskView> {
        self.engine
            .list_tasks(
                &TaskFilter {
                    instance_id: Some(instance.into()),
                    limit: 100,
                    ..Default::default()
                },
                &admin(),
            )
            .await
            .unwrap()
            .items
    }

    /// Completes the one open user task `element_id` of `instance`.
    async fn complete_task(&self, instance: &str, element_id: &str, variables: Value) {
        let tasks = self.open_tasks(instance).await;
        let found: Vec<_> = tasks
            .iter()
            .filter(|t| t.element_id == element_id)
            .collect();
        assert_eq!(found.len(), 1, "expected one open task {element_id}");
        self.engine
            .complete_task(&found[0].id, vars(variables), &worker(found[0]))
            .await
            .unwrap();
    }

    /// Activates every job of `job_type`, in creation order.
    async fn jobs(&self, job_type: &str) -> Vec<keel_engine::views::JobView> {
        self.engine
            .activate_jobs(ActivateRequest {
                job_type: job_type.into(),
                worker: "w".into(),
                max_jobs: 100,
                lock_ms: 60_000,
                request_timeout_ms: 0,
            })
            .await
            .unwrap()
    }

    async fn complete_job(&self, job: &keel_engine::views::JobView, variables: Value) {
        self.engine
            .complete_job(&job.id, "w", vars(variables), &admin())
            .await
            .unwrap();
    }

    /// Publishes message `name` to the instance with business key `bk-{key}`.
    async fn correlate(&self, name: &str, key: &str, variables: Value) -> keel_engine::Result<()> {
        self.engine
            .correlate_message(
                CorrelateRequest {
                    name: name.into(),
                    business_key: Some(format!("bk-{key}")),
                    variables: vars(variables),
                    ..Default::default()
                },
                &admin(),
            )
            .await
            .map(|_| ())
    }

    /// Publishes message `name` with a correlation key.
    async fn correlate_key(
        &self,
        name: &str,
        correlation_key: &str,
        variables: Value,
    ) -> keel_engine::Result<()> {
        self.engine
            .correlate_message(
                CorrelateRequest {
                    name: name.into(),
                    correlation_key: Some(correlation_key.into()),
                    variables: vars(variables),
                    ..Default::default()
                },
                &admin(),
            )
            .await
            .map(|_| ())
    }

    /// Moves the clock by `ms` and fires the due timers; returns how many fired.
    async fn advance(&self, ms: i64) -> usize {
        self.clock.advance_ms(ms);
        self.engine.fire_due_timers(100).await.unwrap()
    }

    async fn open_incidents(&self, instance: &str) -> Vec<keel_engine::views::IncidentView> {
        self.engine
            .list_incidents(Some(instance), Some("open"), 100, 0)
            .await
            .unwrap()
            .items
    }

    /// The audit trail: per record, its kind and its transitions as `element_id:event`
    /// (`element_id[body]:event` for a multi-instance body).
    async fn trail(&self, instance: &str) -> Vec<(String, Vec<String>)> {
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
                                let body = if t["element_type"] == "multiInstanceBody" {
                                    "[body]"
                                } else {
                                    ""
                                };
                                format!(
                                    "{}{body}:{}",
                                    t["element_id"].as_str().unwrap_or("?"),
                                    t["event"].as_str().unwrap_or("?")
                                )
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                (r.kind.clone(), transitions)
            })
            .collect()
    }

    /// Asserts the whole trail of `instance` and that the audit chain verifies.
    async fn assert_trail(&self, instance: &str, expected: &[(&str, &[&str])]) {
        let actual = self.trail(instance).await;
        let expected: Vec<(String, Vec<String>)> = expected
            .iter()
            .map(|(k, ts)| {
                (
                    (*k).to_owned(),
                    ts.iter().map(|t| (*t).to_owned()).collect(),
                )
            })
            .collect();
        assert_eq!(actual, expected, "audit trail of {instance}");
        assert!(self.engine.verify_audit().await.unwrap().is_ok());
    }
}

/// Sorted ids of the live elements.
fn active(view: &InstanceView) -> Vec<String> {
    let mut ids: Vec<String> = view
        .active_elements
        .iter()
        .map(|e| e.element_id.clone())
        .collect();
    ids.sort();
    ids
}

// ----- inclusive gateway ------------------------------------------------------------------------

fn inclusive_model() -> String {
    let body = [
        r#"<startEvent id="start"/><inclusiveGateway id="fork" default="fork_c"/>"#.to_owned(),
        user_task("a"),
        user_task("b"),
        user_task("c"),
        r#"<inclusiveGateway id="join"/><endEvent id="end"/>"#.to_owned(),
        flow("start", "fork"),
        cond("fork", "a", "=x &gt; 1"),
        cond("fork", "b", "=x &gt; 2"),
        flow("fork", "c"),
        flow("a", "join"),
        flow("b", "join"),
        flow("c", "join"),
        flow("join", "end"),
    ];
    model("inclusive", &body.join("\n"))
}

const INCLUSIVE_START: [&str; 5] = [
    "inclusive:activated",
    "start:activated",
    "start:completed",
    "start_fork:taken",
    "fork:activated",
];

const INCLUSIVE_END: [&str; 6] = [
    "join:activated",
    "join:completed",
    "join_end:taken",
    "end:activated",
    "end:completed",
    "inclusive:completed",
];

#[tokio::test]
async fn inclusive_gateway_forks_every_true_condition_and_joins_them_all() {
    let h = Harness::new().await;
    h.deploy(&inclusive_model()).await;
    let inst = h.start("inclusive", json!({"x": 3})).await;
    assert_eq!(active(&inst), ["a", "b"]);
    h.complete_task(&inst.id, "a", json!({})).await;
    // b can still reach the join: it waits.
    assert_eq!(active(&h.instance(&inst.id).await), ["b"]);
    h.complete_task(&inst.id, "b", json!({})).await;
    assert_eq!(h.instance(&inst.id).await.state, "completed");
    let started: Vec<&str> = INCLUSIVE_START
        .iter()
        .copied()
        .chain([
            "fork:completed",
            "fork_a:taken",
            "fork_b:taken",
            "a:activated",
            "b:activated",
        ])
        .collect();
    let last: Vec<&str> = ["b:completed", "b_join:taken"]
        .into_iter()
        .chain(INCLUSIVE_END)
        .collect();
    h.assert_trail(
        &inst.id,
        &[
            ("instance_started", &started),
            ("task_completed", &["a:completed", "a_join:taken"]),
            ("task_completed", &last),
        ],
    )
    .await;
}

#[tokio::test]
async fn inclusive_gateway_takes_the_default_only_when_no_condition_is_true() {
    let h = Harness::new().await;
    h.deploy(&inclusive_model()).await;
    let one = h.start("inclusive", json!({"x": 2})).await;
    assert_eq!(active(&one), ["a"]);
    let none = h.start("inclusive", json!({"x": 0})).await;
    assert_eq!(active(&none), ["c"]);
    // A single token: the join fires as soon as it arrives.
    h.complete_task(&none.id, "c", json!({})).await;
    let started: Vec<&str> = INCLUSIVE_START
        .iter()
        .copied()
        .chain(["fork:completed", "fork_c:taken", "c:activated"])
        .collect();
    let last: Vec<&str> = ["c:completed", "c_join:taken"]
        .into_iter()
        .chain(INCLUSIVE_END)
        .collect();
    h.assert_trail(
        &none.id,
        &[("instance_started", &started), ("task_completed", &last)],
    )
    .await;
}

#[tokio::test]
async fn inclusive_join_fires_once_no_token_can_reach_it() {
    // fork → a → join; fork → b → route → (join | gone); fork → c → end_c (never reaches join).
    let body = [
        r#"<startEvent id="start"/><inclusiveGateway id="fork"/>"#.to_owned(),
        user_task("a"),
        user_task("b"),
        user_task("c"),
        r#"<exclusiveGateway id="route" default="route_gone"/><endEvent id="gone"/>"#.to_owned(),
        r#"<inclusiveGateway id="join"/><endEvent id="end"/><endEvent id="end_c"/>"#.to_owned(),
        flow("start", "fork"),
        flow("fork", "a"),
        flow("fork", "b"),
        flow("fork", "c"),
        flow("a", "join"),
        flow("b", "route"),
        cond("route", "join", "=back"),
        flow("route", "gone"),
        flow("c", "end_c"),
        flow("join", "end"),
    ];
    let h = Harness::new().await;
    h.deploy(&model("reach", &body.join("\n"))).await;
    let inst = h.start("reach", json!({})).await;
    assert_eq!(active(&inst), ["a", "b", "c"]);
    h.complete_task(&inst.id, "a", json!({})).await;
    assert_eq!(active(&h.instance(&inst.id).await), ["b", "c"]);
    // b leaves the paths to the join: the join fires although c is still active.
    h.complete_task(&inst.id, "b", json!({"back": false})).await;
    assert_eq!(active(&h.instance(&inst.id).await), ["c"]);
    h.complete_task(&inst.id, "c", json!({})).await;
    assert_eq!(h.instance(&inst.id).await.state, "completed");
    h.assert_trail(
        &inst.id,
        &[
            (
                "instance_started",
                &[
                    "reach:activated",
                    "start:activated",
                    "start:completed",
                    "start_fork:taken",
                    "fork:activated",
                    "fork:completed",
                    "fork_a:taken",
                    "fork_b:taken",
                    "fork_c:taken",
                    "a:activated",
                    "b:activated",
                    "c:activated",
                ],
            ),
            ("task_completed", &["a:completed", "a_join:taken"]),
            (
                "task_completed",
                &[
                    "b:completed",
                    "b_route:taken",
                    "route:activated",
                    "route:completed",
                    "route_gone:taken",
                    "gone:activated",
                    "gone:completed",
                    "join:activated",
                    "join:completed",
                    "join_end:taken",
                    "end:activated",
                    "end:completed",
                ],
            ),
            (
                "task_completed",
                &[
                    "c:completed",
                    "c_end_c:taken",
                    "end_c:activated",
                    "end_c:completed",
                    "reach:completed",
                ],
            ),
        ],
    )
    .await;
}

#[tokio::test]
async fn inclusive_gateway_null_condition_is_an_incident_not_the_default() {
    let h = Harness::new().await;
    h.deploy(&inclusive_model()).await;
    let inst = h.start("inclusive", json!({})).await;
    assert_eq!(inst.incidents, 1);
    assert!(active(&inst).contains(&"fork".to_owned()));
    let incidents = h.open_incidents(&inst.id).await;
    assert_eq!(incidents[0].kind, "expression_error");
    assert_eq!(incidents[0].element_id, "fork");
    h.engine
        .resolve_incident(&incidents[0].id, None, vars(json!({"x": 5})), &admin())
        .await
        .unwrap();
    assert_eq!(active(&h.instance(&inst.id).await), ["a", "b"]);
}

// ----- event-based gateway ----------------------------------------------------------------------

fn race_model() -> String {
    let body = [
        r#"<startEvent id="start"/><eventBasedGateway id="gw"/>"#.to_owned(),
        r#"<intermediateCatchEvent id="paid"><messageEventDefinition messageRef="m_pay"/></intermediateCatchEvent>"#.to_owned(),
        r#"<intermediateCatchEvent id="late"><timerEventDefinition><timeDuration>PT1H</timeDuration></timerEventDefinition></intermediateCatchEvent>"#.to_owned(),
        r#"<endEvent id="done"/><endEvent id="expired"/>"#.to_owned(),
        flow("start", "gw"),
        flow("gw", "paid"),
        flow("gw", "late"),
        flow("paid", "done"),
        flow("late", "expired"),
    ];
    model_with(
        "race",
        r#"<message id="m_pay" name="pay"/>"#,
        &body.join("\n"),
    )
}

const RACE_START: [&str; 5] = [
    "race:activated",
    "start:activated",
    "start:completed",
    "start_gw:taken",
    "gw:activated",
];

#[tokio::test]
async fn event_based_gateway_message_wins_and_cancels_the_timer() {
    let h = Harness::new().await;
    h.deploy(&race_model()).await;
    let inst = h.start("race", json!({})).await;
    assert_eq!(active(&inst), ["gw"]);
    h.correlate("pay", "race", json!({"amount": 12}))
        .await
        .unwrap();
    let view = h.instance(&inst.id).await;
    assert_eq!(view.state, "completed");
    assert_eq!(view.variables["amount"], json!(12));
    // The timer was deleted with the gateway's work: nothing fires later.
    assert_eq!(h.advance(2 * 3600 * 1000).await, 0);
    h.assert_trail(
        &inst.id,
        &[
            ("instance_started", &RACE_START),
            (
                "message_correlated",
                &[
                    "gw:completed",
                    "gw_paid:taken",
                    "paid:activated",
                    "paid:completed",
                    "paid_done:taken",
                    "done:activated",
                    "done:completed",
                    "race:completed",
                ],
            ),
        ],
    )
    .await;
}

#[tokio::test]
async fn event_based_gateway_timer_wins_and_closes_the_subscription() {
    let h = Harness::new().await;
    h.deploy(&race_model()).await;
    let inst = h.start("race", json!({})).await;
    assert_eq!(h.advance(30 * 60 * 1000).await, 0);
    assert_eq!(h.advance(30 * 60 * 1000).await, 1);
    assert_eq!(h.instance(&inst.id).await.state, "completed");
    // The subscription was deleted with the gateway's work: the message matches nothing.
    assert!(matches!(
        h.correlate("pay", "race", json!({})).await,
        Err(keel_engine::Error::NoSubscription(_))
    ));
    h.assert_trail(
        &inst.id,
        &[
            ("instance_started", &RACE_START),
            (
                "timer_fired",
                &[
                    "gw:completed",
                    "gw_late:taken",
                    "late:activated",
                    "late:completed",
                    "late_expired:taken",
                    "expired:activated",
                    "expired:completed",
                    "race:completed",
                ],
            ),
        ],
    )
    .await;
}

#[tokio::test]
async fn event_based_gateway_must_lead_to_catch_events() {
    let h = Harness::new().await;
    let body = [
        r#"<startEvent id="start"/><eventBasedGateway id="gw"/><task id="t"/>"#.to_owned(),
        r#"<intermediateCatchEvent id="late"><timerEventDefinition><timeDuration>PT1H</timeDuration></timerEventDefinition></intermediateCatchEvent>"#.to_owned(),
        flow("start", "gw"),
        flow("gw", "t"),
        flow("gw", "late"),
    ];
    assert_eq!(
        h.deploy_errors(&model("bad_gw", &body.join("\n"))).await,
        [
            "t (task) cannot follow event-based gateway gw; only message and timer intermediate catch events can"
        ]
    );
}

// ----- receive task -----------------------------------------------------------------------------

fn receive_model() -> String {
    let body = [
        r#"<startEvent id="start"/>"#.to_owned(),
        r#"<receiveTask id="wait" messageRef="m_doc"/>"#.to_owned(),
        r#"<boundaryEvent id="timeout" attachedToRef="wait"><timerEventDefinition><timeDuration>PT1H</timeDuration></timerEventDefinition></boundaryEvent>"#.to_owned(),
        r#"<endEvent id="done"/><endEvent id="late"/>"#.to_owned(),
        flow("start", "wait"),
        flow("wait", "done"),
        flow("timeout", "late"),
    ];
    model_with(
        "receive",
        r#"<message id="m_doc" name="document"><extensionElements><zeebe:subscription correlationKey="=orderId"/></extensionElements></message>"#,
        &body.join("\n"),
    )
}

const RECEIVE_START: [&str; 5] = [
    "receive:activated",
    "start:activated",
    "start:completed",
    "start_wait:taken",
    "wait:activated",
];

#[tokio::test]
async fn receive_task_completes_with_its_message() {
    let h = Harness::new().await;
    h.deploy(&receive_model()).await;
    let inst = h.start("receive", json!({"orderId": "o-1"})).await;
    assert_eq!(active(&inst), ["wait"]);
    assert!(matches!(
        h.correlate_key("document", "o-2", json!({})).await,
        Err(keel_engine::Error::NoSubscription(_))
    ));
    h.correlate_key("document", "o-1", json!({"doc": "scan.pdf"}))
        .await
        .unwrap();
    let view = h.instance(&inst.id).await;
    assert_eq!(view.state, "completed");
    assert_eq!(view.variables["doc"], json!("scan.pdf"));
    // The boundary timer went with the task.
    assert_eq!(h.advance(2 * 3600 * 1000).await, 0);
    h.assert_trail(
        &inst.id,
        &[
            ("instance_started", &RECEIVE_START),
            (
                "message_correlated",
                &[
                    "wait:completed",
                    "wait_done:taken",
                    "done:activated",
                    "done:completed",
                    "receive:completed",
                ],
            ),
        ],
    )
    .await;
}

#[tokio::test]
async fn receive_task_boundary_timer_interrupts_it() {
    let h = Harness::new().await;
    h.deploy(&receive_model()).await;
    let inst = h.start("receive", json!({"orderId": "o-1"})).await;
    assert_eq!(h.advance(3600 * 1000).await, 1);
    assert_eq!(h.instance(&inst.id).await.state, "completed");
    assert!(matches!(
        h.correlate_key("document", "o-1", json!({})).await,
        Err(keel_engine::Error::NoSubscription(_))
    ));
    h.assert_trail(
        &inst.id,
        &[
            ("instance_started", &RECEIVE_START),
            (
                "timer_fired",
                &[
                    "wait:terminated",
                    "timeout:activated",
                    "timeout:completed",
                    "timeout_late:taken",
                    "late:activated",
                    "late:completed",
                    "receive:completed",
                ],
            ),
        ],
    )
    .await;
}

// ----- script task ------------------------------------------------------------------------------

#[tokio::test]
async fn script_tasks_evaluate_feel_into_their_result_variable() {
    let body = [
        r#"<startEvent id="start"/>"#.to_owned(),
        r#"<scriptTask id="add"><extensionElements><zeebe:script expression="=a + b" resultVariable="sum"/></extensionElements></scriptTask>"#.to_owned(),
        r#"<scriptTask id="twice" scriptFormat="feel" camunda:resultVariable="double"><script>sum * 2</script></scriptTask>"#.to_owned(),
        r#"<scriptTask id="greet" scriptFormat="FEEL"><script>="ignored"</script></scriptTask>"#.to_owned(),
        r#"<endEvent id="end"/>"#.to_owned(),
        flow("start", "add"),
        flow("add", "twice"),
        flow("twice", "greet"),
        flow("greet", "end"),
    ];
    let h = Harness::new().await;
    h.deploy(&model("script", &body.join("\n"))).await;
    let inst = h.start("script", json!({"a": 1, "b": 2.5})).await;
    assert_eq!(inst.state, "completed");
    assert_eq!(inst.variables["sum"].as_f64(), Some(3.5));
    assert_eq!(inst.variables["double"].as_f64(), Some(7.0));
    assert!(!inst.variables.contains_key("greet"));
    h.assert_trail(
        &inst.id,
        &[(
            "instance_started",
            &[
                "script:activated",
                "start:activated",
                "start:completed",
                "start_add:taken",
                "add:activated",
                "add:completed",
                "add_twice:taken",
                "twice:activated",
                "twice:completed",
                "twice_greet:taken",
                "greet:activated",
                "greet:completed",
                "greet_end:taken",
                "end:activated",
                "end:completed",
                "script:completed",
            ],
        )],
    )
    .await;
    let audit = h.engine.instance_audit(&inst.id).await.unwrap();
    // Non-integers are written as text in audit data.
    assert_eq!(audit[0].data["variables"]["sum"], json!("3.5"));
}

#[tokio::test]
async fn script_tasks_in_other_languages_are_deploy_errors() {
    let h = Harness::new().await;
    let body = [
        r#"<startEvent id="start"/>"#.to_owned(),
        r#"<scriptTask id="s" scriptFormat="groovy"><script>x + 1</script></scriptTask>"#
            .to_owned(),
        flow("start", "s"),
    ];
    assert_eq!(
        h.deploy_errors(&model("groovy", &body.join("\n"))).await,
        [
            "script language \"groovy\" is not supported; write the script as FEEL (zeebe:script expression=\"=...\", or scriptFormat=\"feel\")"
        ]
    );
}

// ----- link events, undefined and manual tasks --------------------------------------------------

#[tokio::test]
async fn link_throw_jumps_to_the_catch_of_the_same_name() {
    let body = [
        r#"<startEvent id="start"/><task id="t1"/>"#.to_owned(),
        r#"<intermediateThrowEvent id="go"><linkEventDefinition name="L"/></intermediateThrowEvent>"#.to_owned(),
        r#"<intermediateCatchEvent id="land"><linkEventDefinition name="L"/></intermediateCatchEvent>"#.to_owned(),
        r#"<intermediateCatchEvent id="other"><linkEventDefinition name="M"/></intermediateCatchEvent>"#.to_owned(),
        r#"<manualTask id="t2"/><endEvent id="end"/><endEvent id="never"/>"#.to_owned(),
        flow("start", "t1"),
        flow("t1", "go"),
        flow("land", "t2"),
        flow("t2", "end"),
        flow("other", "never"),
    ];
    let h = Harness::new().await;
    h.deploy(&model("link", &body.join("\n"))).await;
    let inst = h.start("link", json!({})).await;
    assert_eq!(inst.state, "completed");
    h.assert_trail(
        &inst.id,
        &[(
            "instance_started",
            &[
                "link:activated",
                "start:activated",
                "start:completed",
                "start_t1:taken",
                "t1:activated",
                "t1:completed",
                "t1_go:taken",
                "go:activated",
                "go:completed",
                "land:activated",
                "land:completed",
                "land_t2:taken",
                "t2:activated",
                "t2:completed",
                "t2_end:taken",
                "end:activated",
                "end:completed",
                "link:completed",
            ],
        )],
    )
    .await;
}

#[tokio::test]
async fn link_throw_without_a_catch_in_its_scope_is_a_deploy_error() {
    let body = [
        r#"<startEvent id="start"/>"#.to_owned(),
        r#"<intermediateThrowEvent id="go"><linkEventDefinition name="L"/></intermediateThrowEvent>"#.to_owned(),
        r#"<subProcess id="sub"><startEvent id="s2"/><sequenceFlow id="s2_e2" sourceRef="s2" targetRef="e2"/><endEvent id="e2"/>"#.to_owned(),
        r#"<intermediateCatchEvent id="land"><linkEventDefinition name="L"/></intermediateCatchEvent></subProcess>"#.to_owned(),
        flow("start", "go"),
    ];
    let h = Harness::new().await;
    assert_eq!(
        h.deploy_errors(&model("nolink", &body.join("\n"))).await,
        ["link throw event go has no link catch event named \"L\" in its scope"]
    );
}

// ----- escalation -------------------------------------------------------------------------------

const ESCALATIONS: &str =
    r#"<escalation id="esc_a" escalationCode="A"/><escalation id="esc_b" escalationCode="B"/>"#;

#[tokio::test]
async fn non_interrupting_escalation_boundary_runs_beside_the_sub_process() {
    let body = [
        r#"<startEvent id="start"/><endEvent id="end"/><endEvent id="notified"/>"#.to_owned(),
        user_task("notify"),
        r#"<subProcess id="sub"><startEvent id="s2"/><endEvent id="e2"/>"#.to_owned(),
        user_task("work"),
        r#"<intermediateThrowEvent id="raise"><escalationEventDefinition escalationRef="esc_a"/></intermediateThrowEvent>"#.to_owned(),
        flow("s2", "raise"),
        flow("raise", "work"),
        flow("work", "e2"),
        "</subProcess>".to_owned(),
        r#"<boundaryEvent id="caught" attachedToRef="sub" cancelActivity="false"><escalationEventDefinition escalationRef="esc_a"/></boundaryEvent>"#.to_owned(),
        flow("start", "sub"),
        flow("sub", "end"),
        flow("caught", "notify"),
        flow("notify", "notified"),
    ];
    let h = Harness::new().await;
    h.deploy(&model_with("escalate", ESCALATIONS, &body.join("\n")))
        .await;
    let inst = h.start("escalate", json!({})).await;
    assert_eq!(active(&inst), ["notify", "sub", "work"]);
    h.complete_task(&inst.id, "work", json!({})).await;
    h.complete_task(&inst.id, "notify", json!({})).await;
    assert_eq!(h.instance(&inst.id).await.state, "completed");
    h.assert_trail(
        &inst.id,
        &[
            (
                "instance_started",
                &[
                    "escalate:activated",
                    "start:activated",
                    "start:completed",
                    "start_sub:taken",
                    "sub:activated",
                    "s2:activated",
                    "s2:completed",
                    "s2_raise:taken",
                    "raise:activated",
                    "raise:completed",
                    "raise_work:taken",
                    "caught:activated",
                    "caught:completed",
                    "caught_notify:taken",
                    "work:activated",
                    "notify:activated",
                ],
            ),
            (
                "task_completed",
                &[
                    "work:completed",
                    "work_e2:taken",
                    "e2:activated",
                    "e2:completed",
                    "sub:completed",
                    "sub_end:taken",
                    "end:activated",
                    "end:completed",
                ],
            ),
            (
                "task_completed",
                &[
                    "notify:completed",
                    "notify_notified:taken",
                    "notified:activated",
                    "notified:completed",
                    "escalate:completed",
                ],
            ),
        ],
    )
    .await;
}

#[tokio::test]
async fn interrupting_escalation_boundary_ends_the_sub_process() {
    // The end event throws B; the boundary catches every escalation (no escalationRef).
    let body = [
        r#"<startEvent id="start"/><endEvent id="end"/><endEvent id="handled"/>"#.to_owned(),
        r#"<subProcess id="sub"><startEvent id="s2"/><userTask id="side"/>"#.to_owned(),
        r#"<parallelGateway id="fork"/><endEvent id="give_up"><escalationEventDefinition escalationRef="esc_b"/></endEvent>"#.to_owned(),
        flow("s2", "fork"),
        flow("fork", "side"),
        flow("fork", "give_up"),
        "</subProcess>".to_owned(),
        r#"<boundaryEvent id="caught" attachedToRef="sub"><escalationEventDefinition/></boundaryEvent>"#.to_owned(),
        flow("start", "sub"),
        flow("sub", "end"),
        flow("caught", "handled"),
    ];
    let h = Harness::new().await;
    h.deploy(&model_with("interrupt", ESCALATIONS, &body.join("\n")))
        .await;
    let inst = h.start("interrupt", json!({})).await;
    assert_eq!(inst.state, "completed");
    h.assert_trail(
        &inst.id,
        &[(
            "instance_started",
            &[
                "interrupt:activated",
                "start:activated",
                "start:completed",
                "start_sub:taken",
                "sub:activated",
                "s2:activated",
                "s2:completed",
                "s2_fork:taken",
                "fork:activated",
                "fork:completed",
                "fork_side:taken",
                "fork_give_up:taken",
                "side:activated",
                "give_up:activated",
                "side:terminated",
                "give_up:terminated",
                "sub:terminated",
                "caught:activated",
                "caught:completed",
                "caught_handled:taken",
                "handled:activated",
                "handled:completed",
                "interrupt:completed",
            ],
        )],
    )
    .await;
}

#[tokio::test]
async fn uncaught_escalation_is_not_an_error() {
    // The inner sub-process catches only A; B goes up to the outer one, whose boundary catches
    // it without interrupting; the escalation end event at the root is caught by nobody.
    let body = [
        r#"<startEvent id="start"/><endEvent id="end"><escalationEventDefinition escalationRef="esc_a"/></endEvent>"#.to_owned(),
        r#"<endEvent id="seen"/>"#.to_owned(),
        r#"<subProcess id="outer"><startEvent id="s1"/><endEvent id="e1"/><endEvent id="never"/>"#
            .to_owned(),
        r#"<subProcess id="inner"><startEvent id="s2"/><endEvent id="e2"/>"#.to_owned(),
        r#"<intermediateThrowEvent id="raise"><escalationEventDefinition escalationRef="esc_b"/></intermediateThrowEvent>"#.to_owned(),
        flow("s2", "raise"),
        flow("raise", "e2"),
        "</subProcess>".to_owned(),
        r#"<boundaryEvent id="inner_a" attachedToRef="inner"><escalationEventDefinition escalationRef="esc_a"/></boundaryEvent>"#.to_owned(),
        flow("s1", "inner"),
        flow("inner", "e1"),
        flow("inner_a", "never"),
        "</subProcess>".to_owned(),
        r#"<boundaryEvent id="outer_b" attachedToRef="outer" cancelActivity="false"><escalationEventDefinition escalationRef="esc_b"/></boundaryEvent>"#.to_owned(),
        flow("start", "outer"),
        flow("outer", "end"),
        flow("outer_b", "seen"),
    ];
    let h = Harness::new().await;
    h.deploy(&model_with("uncaught", ESCALATIONS, &body.join("\n")))
        .await;
    let inst = h.start("uncaught", json!({})).await;
    assert_eq!(inst.state, "completed");
    assert_eq!(inst.incidents, 0);
    h.assert_trail(
        &inst.id,
        &[(
            "instance_started",
            &[
                "uncaught:activated",
                "start:activated",
                "start:completed",
                "start_outer:taken",
                "outer:activated",
                "s1:activated",
                "s1:completed",
                "s1_inner:taken",
                "inner:activated",
                "s2:activated",
                "s2:completed",
                "s2_raise:taken",
                "raise:activated",
                "raise:completed",
                "raise_e2:taken",
                "outer_b:activated",
                "outer_b:completed",
                "outer_b_seen:taken",
                "e2:activated",
                "e2:completed",
                "inner:completed",
                "inner_e1:taken",
                "seen:activated",
                "seen:completed",
                "e1:activated",
                "e1:completed",
                "outer:completed",
                "outer_end:taken",
                "end:activated",
                "end:completed",
                "uncaught:completed",
            ],
        )],
    )
    .await;
}

// ----- multi-instance ---------------------------------------------------------------------------

fn review_model(extra: &str) -> String {
    let body = [
        r#"<startEvent id="start"/><endEvent id="end"/>"#.to_owned(),
        r#"<userTask id="review"><extensionElements><zeebe:assignmentDefinition assignee="=reviewer"/></extensionElements>
  <multiInstanceLoopCharacteristics><extensionElements>
    <zeebe:loopCharacteristics inputCollection="=reviewers" inputElement="reviewer" outputCollection="votes" outputElement="=vote"/>
  </extensionElements></multiInstanceLoopCharacteristics></userTask>"#
            .to_owned(),
        extra.to_owned(),
        flow("start", "review"),
        flow("review", "end"),
    ];
    model("reviews", &body.join("\n"))
}

#[tokio::test]
async fn parallel_multi_instance_user_task_collects_outputs_in_item_order() {
    let h = Harness::new().await;
    h.deploy(&review_model("")).await;
    let inst = h
        .start("reviews", json!({"reviewers": ["ann", "bob", "cy"]}))
        .await;
    // The body and its three inner instances.
    assert_eq!(active(&inst), ["review"; 4]);
    let tasks = h.open_tasks(&inst.id).await;
    let assignees: Vec<Option<&str>> = tasks.iter().map(|t| t.assignee.as_deref()).collect();
    assert_eq!(assignees, [Some("ann"), Some("bob"), Some("cy")]);
    let (_, visible) = h.engine.task(&tasks[1].id, &admin()).await.unwrap();
    assert_eq!(visible["reviewer"], json!("bob"));
    assert_eq!(visible["loopCounter"], json!(2));
    assert_eq!(visible["nrOfInstances"], json!(3));
    assert_eq!(visible["nrOfActiveInstances"], json!(3));
    for (task, vote) in [(&tasks[1], "no"), (&tasks[0], "yes"), (&tasks[2], "yes")] {
        h.engine
            .complete_task(&task.id, vars(json!({ "vote": vote })), &worker(task))
            .await
            .unwrap();
    }
    let view = h.instance(&inst.id).await;
    assert_eq!(view.state, "completed");
    assert_eq!(view.variables["votes"], json!(["yes", "no", "yes"]));
    // The inner instances' own variables stayed in their scopes.
    assert!(!view.variables.contains_key("reviewer"));
    assert!(!view.variables.contains_key("loopCounter"));
    h.assert_trail(
        &inst.id,
        &[
            (
                "instance_started",
                &[
                    "reviews:activated",
                    "start:activated",
                    "start:completed",
                    "start_review:taken",
                    "review[body]:activated",
                    "review:activated",
                    "review:activated",
                    "review:activated",
                ],
            ),
            ("task_completed", &["review:completed"]),
            ("task_completed", &["review:completed"]),
            (
                "task_completed",
                &[
                    "review:completed",
                    "review[body]:completed",
                    "review_end:taken",
                    "end:activated",
                    "end:completed",
                    "reviews:completed",
                ],
            ),
        ],
    )
    .await;
}

#[tokio::test]
async fn multi_instance_over_an_empty_collection_completes_at_once() {
    let h = Harness::new().await;
    h.deploy(&review_model("")).await;
    let inst = h.start("reviews", json!({"reviewers": []})).await;
    assert_eq!(inst.state, "completed");
    assert_eq!(inst.variables["votes"], json!([]));
    let inst = h.start("reviews", json!({})).await;
    assert_eq!(inst.incidents, 1);
    let incidents = h.open_incidents(&inst.id).await;
    assert_eq!(incidents[0].kind, "expression_error");
    assert!(
        incidents[0].message.contains("expected a list"),
        "{}",
        incidents[0].message
    );
    h.engine
        .resolve_incident(
            &incidents[0].id,
            None,
            vars(json!({"reviewers": ["dan"]})),
            &admin(),
        )
        .await
        .unwrap();
    assert_eq!(
        h.open_tasks(&inst.id).await[0].assignee.as_deref(),
        Some("dan")
    );
}

#[tokio::test]
async fn interrupting_boundary_event_of_a_multi_instance_activity_ends_every_inner_instance() {
    let h = Harness::new().await;
    let timer = [
        r#"<boundaryEvent id="timeout" attachedToRef="review"><timerEventDefinition><timeDuration>PT1H</timeDuration></timerEventDefinition></boundaryEvent>"#.to_owned(),
        r#"<endEvent id="late"/>"#.to_owned(),
        flow("timeout", "late"),
    ];
    h.deploy(&review_model(&timer.join("\n"))).await;
    let inst = h
        .start("reviews", json!({"reviewers": ["ann", "bob"]}))
        .await;
    let tasks = h.open_tasks(&inst.id).await;
    h.engine
        .complete_task(
            &tasks[0].id,
            vars(json!({"vote": "yes"})),
            &worker(&tasks[0]),
        )
        .await
        .unwrap();
    assert_eq!(h.advance(3600 * 1000).await, 1);
    assert_eq!(h.instance(&inst.id).await.state, "completed");
    assert!(h.open_tasks(&inst.id).await.is_empty());
    let trail = h.trail(&inst.id).await;
    assert_eq!(
        trail[2],
        (
            "timer_fired".to_owned(),
            [
                "review:terminated",
                "review[body]:terminated",
                "timeout:activated",
                "timeout:completed",
                "timeout_late:taken",
                "late:activated",
                "late:completed",
                "reviews:completed",
            ]
            .map(str::to_owned)
            .to_vec()
        )
    );
}

#[tokio::test]
async fn sequential_multi_instance_job_with_camunda_collection_stops_at_its_completion_condition() {
    let body = [
        r#"<startEvent id="start"/><endEvent id="end"/>"#.to_owned(),
        r#"<serviceTask id="charge" camunda:type="external" camunda:topic="charge">
  <multiInstanceLoopCharacteristics isSequential="true" camunda:collection="${amounts}" camunda:elementVariable="amount">
    <completionCondition>${nrOfCompletedInstances &gt;= 2}</completionCondition>
  </multiInstanceLoopCharacteristics></serviceTask>"#
            .to_owned(),
        flow("start", "charge"),
        flow("charge", "end"),
    ];
    let h = Harness::new().await;
    h.deploy(&model("charges", &body.join("\n"))).await;
    let inst = h.start("charges", json!({"amounts": [10, 20, 30]})).await;
    let mut seen = Vec::new();
    for _ in 0..2 {
        let jobs = h.jobs("charge").await;
        assert_eq!(jobs.len(), 1, "one inner instance at a time");
        seen.push((
            jobs[0].variables["amount"].clone(),
            jobs[0].variables["loopCounter"].clone(),
            jobs[0].variables["nrOfCompletedInstances"].clone(),
        ));
        h.complete_job(&jobs[0], json!({})).await;
    }
    assert_eq!(
        seen,
        [
            (json!(10), json!(0), json!(0)),
            (json!(20), json!(1), json!(1))
        ]
    );
    assert!(h.jobs("charge").await.is_empty());
    assert_eq!(h.instance(&inst.id).await.state, "completed");
    h.assert_trail(
        &inst.id,
        &[
            (
                "instance_started",
                &[
                    "charges:activated",
                    "start:activated",
                    "start:completed",
                    "start_charge:taken",
                    "charge[body]:activated",
                    "charge:activated",
                ],
            ),
            ("job_completed", &["charge:completed", "charge:activated"]),
            (
                "job_completed",
                &[
                    "charge:completed",
                    "charge[body]:completed",
                    "charge_end:taken",
                    "end:activated",
                    "end:completed",
                    "charges:completed",
                ],
            ),
        ],
    )
    .await;
}

#[tokio::test]
async fn parallel_multi_instance_sub_process_with_cardinality_terminates_the_rest_when_done() {
    let body = [
        r#"<startEvent id="start"/><endEvent id="end"/>"#.to_owned(),
        r#"<subProcess id="sub"><multiInstanceLoopCharacteristics>
  <loopCardinality>=n</loopCardinality>
  <completionCondition>=nrOfCompletedInstances = 2</completionCondition>
</multiInstanceLoopCharacteristics>"#
            .to_owned(),
        r#"<startEvent id="s2"/><endEvent id="e2"/>"#.to_owned(),
        user_task("step"),
        flow("s2", "step"),
        flow("step", "e2"),
        "</subProcess>".to_owned(),
        flow("start", "sub"),
        flow("sub", "end"),
    ];
    let h = Harness::new().await;
    h.deploy(&model("cards", &body.join("\n"))).await;
    let inst = h.start("cards", json!({"n": 3})).await;
    let tasks = h.open_tasks(&inst.id).await;
    assert_eq!(tasks.len(), 3);
    let counters: Vec<Value> = {
        let mut out = Vec::new();
        for t in &tasks {
            out.push(h.engine.task(&t.id, &admin()).await.unwrap().1["loopCounter"].clone());
        }
        out
    };
    assert_eq!(counters, [json!(0), json!(1), json!(2)]);
    // Each inner sub-process is its own scope: a local write stays there.
    for t in &tasks[..2] {
        h.engine
            .complete_task(&t.id, Map::new(), &worker(t))
            .await
            .unwrap();
    }
    assert_eq!(h.instance(&inst.id).await.state, "completed");
    assert!(h.open_tasks(&inst.id).await.is_empty());
    let s2 = ["s2:activated", "s2:completed", "s2_step:taken"];
    let started: Vec<&str> = [
        "cards:activated",
        "start:activated",
        "start:completed",
        "start_sub:taken",
        "sub[body]:activated",
        "sub:activated",
        "sub:activated",
        "sub:activated",
    ]
    .into_iter()
    .chain(s2)
    .chain(s2)
    .chain(s2)
    .chain(["step:activated", "step:activated", "step:activated"])
    .collect();
    let inner_done = [
        "step:completed",
        "step_e2:taken",
        "e2:activated",
        "e2:completed",
        "sub:completed",
    ];
    let last: Vec<&str> = inner_done
        .into_iter()
        .chain([
            "step:terminated",
            "sub:terminated",
            "sub[body]:completed",
            "sub_end:taken",
            "end:activated",
            "end:completed",
            "cards:completed",
        ])
        .collect();
    h.assert_trail(
        &inst.id,
        &[
            ("instance_started", &started),
            ("task_completed", &inner_done),
            ("task_completed", &last),
        ],
    )
    .await;
}

#[tokio::test]
async fn error_from_an_inner_job_is_caught_by_the_multi_instance_activity() {
    let body = [
        r#"<startEvent id="start"/><endEvent id="end"/><endEvent id="handled"/>"#.to_owned(),
        service("work").replace(
            "</serviceTask>",
            r#"<multiInstanceLoopCharacteristics><extensionElements><zeebe:loopCharacteristics inputCollection="=[1, 2]" inputElement="n"/></extensionElements></multiInstanceLoopCharacteristics></serviceTask>"#,
        ),
        r#"<boundaryEvent id="failed" attachedToRef="work"><errorEventDefinition/></boundaryEvent>"#.to_owned(),
        flow("start", "work"),
        flow("work", "end"),
        flow("failed", "handled"),
    ];
    let h = Harness::new().await;
    h.deploy(&model("works", &body.join("\n"))).await;
    let inst = h.start("works", json!({})).await;
    let jobs = h.jobs("work").await;
    let items: Vec<&Value> = jobs.iter().map(|j| &j.variables["n"]).collect();
    assert_eq!(items, [&json!(1), &json!(2)]);
    h.engine
        .throw_job_error(
            &jobs[1].id,
            keel_engine::ThrowErrorRequest {
                worker: "w".into(),
                error_code: "BROKEN".into(),
                error_message: String::new(),
                variables: Map::new(),
            },
            &admin(),
        )
        .await
        .unwrap();
    assert_eq!(h.instance(&inst.id).await.state, "completed");
    assert!(h.jobs("work").await.is_empty());
    h.assert_trail(
        &inst.id,
        &[
            (
                "instance_started",
                &[
                    "works:activated",
                    "start:activated",
                    "start:completed",
                    "start_work:taken",
                    "work[body]:activated",
                    "work:activated",
                    "work:activated",
                ],
            ),
            (
                "error_thrown",
                &[
                    "work:terminated",
                    "work:terminated",
                    "work[body]:terminated",
                    "failed:activated",
                    "failed:completed",
                    "failed_handled:taken",
                    "handled:activated",
                    "handled:completed",
                    "works:completed",
                ],
            ),
        ],
    )
    .await;
}

#[tokio::test]
async fn non_boolean_completion_condition_is_an_incident_on_the_inner_instance() {
    let body = [
        r#"<startEvent id="start"/><endEvent id="end"/>"#.to_owned(),
        r#"<task id="t"><multiInstanceLoopCharacteristics>
  <loopCardinality>2</loopCardinality><completionCondition>=flag</completionCondition>
</multiInstanceLoopCharacteristics></task>"#
            .to_owned(),
        flow("start", "t"),
        flow("t", "end"),
    ];
    let h = Harness::new().await;
    h.deploy(&model("flags", &body.join("\n"))).await;
    let inst = h.start("flags", json!({})).await;
    assert_eq!(inst.incidents, 2);
    let incidents = h.open_incidents(&inst.id).await;
    assert!(
        incidents
            .iter()
            .all(|i| i.kind == "expression_error" && i.element_id == "t")
    );
    h.engine
        .resolve_incident(
            &incidents[0].id,
            None,
            vars(json!({"flag": false})),
            &admin(),
        )
        .await
        .unwrap();
    assert_eq!(h.instance(&inst.id).await.state, "active");
    h.engine
        .resolve_incident(&incidents[1].id, None, Map::new(), &admin())
        .await
        .unwrap();
    assert_eq!(h.instance(&inst.id).await.state, "completed");
    let trail = h.trail(&inst.id).await;
    let kinds: Vec<&str> = trail.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        kinds,
        [
            "instance_started",
            "variables_set",
            "incident_resolved",
            "incident_resolved"
        ]
    );
    assert_eq!(
        trail.first().map(|(_, t)| t.clone()),
        Some(
            [
                "flags:activated",
                "start:activated",
                "start:completed",
                "start_t:taken",
                "t[body]:activated",
                "t:activated",
                "t:activated",
            ]
            .map(str::to_owned)
            .to_vec()
        )
    );
    let resolved: Vec<Vec<String>> = trail
        .iter()
        .filter(|(kind, _)| kind == "incident_resolved")
        .map(|(_, t)| t.clone())
        .collect();
    assert_eq!(
        resolved,
        [
            vec!["t:completed".to_owned()],
            [
                "t:completed",
                "t[body]:completed",
                "t_end:taken",
                "end:activated",
                "end:completed",
                "flags:completed",
            ]
            .map(str::to_owned)
            .to_vec()
        ]
    );
}
