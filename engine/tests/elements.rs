//! BPMN elements beyond the basics, end to end through the `Engine` façade on a real SQLite file:
//! inclusive and event-based gateways, receive and script tasks, link and escalation events,
//! multi-instance activities. Each test asserts the exact element transitions of the audit trail
//! (`element_id:event`, per audit record).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

mod support;

use support::*;

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
            "t (task) cannot follow event-based gateway gw; only message, timer, signal and conditional intermediate catch events can"
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

#[tokio::test]
async fn unknown_builtin_connector_types_are_deploy_errors() {
    let h = Harness::new().await;
    let body = [
        r#"<startEvent id="start"/>"#.to_owned(),
        r#"<serviceTask id="mail"><extensionElements><zeebe:taskDefinition type="keel:mail"/></extensionElements></serviceTask>"#
            .to_owned(),
        flow("start", "mail"),
    ];
    assert_eq!(
        h.deploy_errors(&model("mailer", &body.join("\n"))).await,
        [
            "job type \"keel:mail\" is reserved for built-in connectors and names none (built in: keel:http)"
        ]
    );
    let body = [
        r#"<startEvent id="start"/>"#.to_owned(),
        r#"<serviceTask id="call"><extensionElements><zeebe:taskDefinition type="keel:http"/></extensionElements></serviceTask>"#
            .to_owned(),
        flow("start", "call"),
    ];
    h.deploy(&model("caller", &body.join("\n"))).await;
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
async fn escalation_rethrown_by_an_event_sub_process_goes_past_it() {
    // The event sub-process catches esc_a and throws it again: not to itself, but to the
    // boundary of the sub-process around it.
    let body = [
        r#"<startEvent id="start"/><endEvent id="end"/><endEvent id="notified"/>"#.to_owned(),
        user_task("notify"),
        r#"<subProcess id="sub"><startEvent id="s2"/><endEvent id="e2"/>"#.to_owned(),
        user_task("work"),
        r#"<intermediateThrowEvent id="raise"><escalationEventDefinition escalationRef="esc_a"/></intermediateThrowEvent>"#.to_owned(),
        flow("s2", "raise"),
        flow("raise", "work"),
        flow("work", "e2"),
        event_sub(
            "on_esc",
            false,
            r#"<escalationEventDefinition escalationRef="esc_a"/>"#,
            r#"<intermediateThrowEvent id="again"><escalationEventDefinition escalationRef="esc_a"/></intermediateThrowEvent>"#,
            "again",
        ),
        "</subProcess>".to_owned(),
        r#"<boundaryEvent id="caught" attachedToRef="sub" cancelActivity="false"><escalationEventDefinition/></boundaryEvent>"#.to_owned(),
        flow("start", "sub"),
        flow("sub", "end"),
        flow("caught", "notify"),
        flow("notify", "notified"),
    ];
    let h = Harness::new().await;
    h.deploy(&model_with("rethrow", ESCALATIONS, &body.join("\n")))
        .await;
    let inst = h.start("rethrow", json!({})).await;
    assert_eq!(inst.state, "active");
    assert_eq!(active(&inst), ["notify", "sub", "work"]);
    h.complete_task(&inst.id, "work", json!({})).await;
    h.complete_task(&inst.id, "notify", json!({})).await;
    assert_eq!(h.instance(&inst.id).await.state, "completed");
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
    let mut jobs = h.jobs("work").await;
    // Jobs that became available together come in no particular order (PostgreSQL).
    jobs.sort_by_key(|j| j.variables["n"].as_i64());
    let items: Vec<&Value> = jobs.iter().map(|j| &j.variables["n"]).collect();
    assert_eq!(items, [&json!(1), &json!(2)]);
    h.throw_job_error(&jobs[1], "BROKEN", "", json!({})).await;
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

// ----- expression errors ------------------------------------------------------------------------

#[tokio::test]
async fn failed_conditions_and_mappings_name_the_expression_and_the_values() {
    let body = [
        r#"<startEvent id="start"/><exclusiveGateway id="gw" default="gw_small"/>"#.to_owned(),
        r#"<task id="big"><extensionElements><zeebe:ioMapping><zeebe:input source="=amout + 1" target="x"/></zeebe:ioMapping></extensionElements></task>"#.to_owned(),
        r#"<endEvent id="small"/><endEvent id="end"/>"#.to_owned(),
        flow("start", "gw"),
        cond("gw", "big", "=amount > 100"),
        flow("gw", "small"),
        flow("big", "end"),
    ];
    let h = Harness::new().await;
    h.deploy(&model("explain", &body.join("\n"))).await;
    let inst = h.start("explain", json!({"amount": "12"})).await;
    let incidents = h.open_incidents(&inst.id).await;
    assert_eq!(incidents.len(), 1);
    assert_eq!(incidents[0].kind, "expression_error");
    assert_eq!(incidents[0].element_id, "gw");
    assert_eq!(
        incidents[0].message,
        r#"condition of sequence flow 'gw_big': expression 'amount > 100' evaluated to null, expected a boolean: cannot compare amount (string "12") with 100 (number)"#
    );
    // Fixed data takes the flow; the input mapping of `big` adds to a misspelt variable, which
    // FEEL evaluates to null without an error: the mapping just writes null.
    h.engine
        .resolve_incident(
            &incidents[0].id,
            None,
            vars(json!({"amount": 200})),
            &admin(),
        )
        .await
        .unwrap();
    let view = h.instance(&inst.id).await;
    assert_eq!(view.state, "completed");
    h.assert_trail(
        &inst.id,
        &[
            (
                "instance_started",
                &[
                    "explain:activated",
                    "start:activated",
                    "start:completed",
                    "start_gw:taken",
                    "gw:activated",
                ],
            ),
            ("variables_set", &[]),
            (
                "incident_resolved",
                &[
                    "gw:completed",
                    "gw_big:taken",
                    "big:activated",
                    "big:completed",
                    "big_end:taken",
                    "end:activated",
                    "end:completed",
                    "explain:completed",
                ],
            ),
        ],
    )
    .await;
}

#[tokio::test]
async fn failed_juel_mapping_suggests_the_variable_meant() {
    let body = [
        r#"<startEvent id="start"/><endEvent id="end"/>"#.to_owned(),
        r#"<task id="t"><extensionElements><camunda:inputOutput><camunda:inputParameter name="x">${amout + 1}</camunda:inputParameter></camunda:inputOutput></extensionElements></task>"#.to_owned(),
        flow("start", "t"),
        flow("t", "end"),
    ];
    let h = Harness::new().await;
    h.deploy(&model("juel_explain", &body.join("\n"))).await;
    let inst = h.start("juel_explain", json!({"amount": 5})).await;
    let incidents = h.open_incidents(&inst.id).await;
    assert_eq!(incidents.len(), 1);
    assert_eq!(incidents[0].element_id, "t");
    assert_eq!(
        incidents[0].message,
        "input mapping 'x': failed to evaluate expression '${amout + 1}': unknown property used in expression: amout (did you mean 'amount'?)"
    );
}

// ----- timer cycles -----------------------------------------------------------------------------

const MINUTE: i64 = 60 * 1000;

/// A user task `work` with a non-interrupting boundary timer `tick` of `cycle` leading to `note`.
fn ticking_model(key: &str, cycle: &str) -> String {
    let body = [
        r#"<startEvent id="start"/><endEvent id="end"/><endEvent id="noted"/><task id="note"/>"#
            .to_owned(),
        user_task("work"),
        format!(
            r#"<boundaryEvent id="tick" attachedToRef="work" cancelActivity="false"><timerEventDefinition><timeCycle>{cycle}</timeCycle></timerEventDefinition></boundaryEvent>"#
        ),
        flow("start", "work"),
        flow("work", "end"),
        flow("tick", "note"),
        flow("note", "noted"),
    ];
    model(key, &body.join("\n"))
}

const TICK: [&str; 7] = [
    "tick:activated",
    "tick:completed",
    "tick_note:taken",
    "note:activated",
    "note:completed",
    "note_noted:taken",
    "noted:activated",
];

/// [`TICK`] plus the end of the `noted` path.
fn tick() -> Vec<&'static str> {
    let mut t = TICK.to_vec();
    t.push("noted:completed");
    t
}

#[tokio::test]
async fn non_interrupting_timer_cycle_repeats_its_repetitions_then_stops() {
    let h = Harness::new().await;
    h.deploy(&ticking_model("ticks", "R3/PT10M")).await;
    let inst = h.start("ticks", json!({})).await;
    assert_eq!(h.advance(9 * MINUTE).await, 0);
    assert_eq!(h.advance(MINUTE).await, 1);
    // Fired 3 minutes late: the next one is still due 10 minutes after the first due time.
    assert_eq!(h.advance(13 * MINUTE).await, 1);
    assert_eq!(h.advance(7 * MINUTE).await, 1);
    assert_eq!(h.advance(60 * MINUTE).await, 0);
    assert_eq!(active(&h.instance(&inst.id).await), ["work"]);
    h.complete_task(&inst.id, "work", json!({})).await;
    assert_eq!(h.instance(&inst.id).await.state, "completed");
    let t = tick();
    h.assert_trail(
        &inst.id,
        &[
            (
                "instance_started",
                &[
                    "ticks:activated",
                    "start:activated",
                    "start:completed",
                    "start_work:taken",
                    "work:activated",
                ],
            ),
            ("timer_fired", &t),
            ("timer_fired", &t),
            ("timer_fired", &t),
            (
                "task_completed",
                &[
                    "work:completed",
                    "work_end:taken",
                    "end:activated",
                    "end:completed",
                    "ticks:completed",
                ],
            ),
        ],
    )
    .await;
}

#[tokio::test]
async fn missed_cycles_fire_once_after_downtime_and_the_cycle_keeps_its_grid() {
    let h = Harness::new().await;
    h.deploy(&ticking_model("hourly", "R/PT1H")).await;
    let inst = h.start("hourly", json!({})).await;
    // Down from 00:00 to 03:30: the 01:00, 02:00 and 03:00 firings are one firing.
    assert_eq!(h.advance(210 * MINUTE).await, 1);
    assert_eq!(h.advance(29 * MINUTE).await, 0);
    // Next due at 04:00, on the grid of the first due time, not 04:30.
    assert_eq!(h.advance(MINUTE).await, 1);
    assert_eq!(h.advance(60 * MINUTE).await, 1);
    h.complete_task(&inst.id, "work", json!({})).await;
    // The timer went with the task.
    assert_eq!(h.advance(600 * MINUTE).await, 0);
    let kinds: Vec<String> = h
        .trail(&inst.id)
        .await
        .into_iter()
        .map(|(k, _)| k)
        .collect();
    assert_eq!(
        kinds,
        [
            "instance_started",
            "timer_fired",
            "timer_fired",
            "timer_fired",
            "task_completed"
        ]
    );
}

#[tokio::test]
async fn cron_cycle_fires_on_working_days() {
    // 2030-01-01 is a Tuesday; the harness clock starts at midnight.
    let h = Harness::new().await;
    h.deploy(&ticking_model("weekdays", "0 0 9 * * MON-FRI"))
        .await;
    let inst = h.start("weekdays", json!({})).await;
    assert_eq!(h.advance(9 * 60 * MINUTE - MINUTE).await, 0);
    assert_eq!(h.advance(MINUTE).await, 1); // Tue 09:00
    assert_eq!(h.advance(24 * 60 * MINUTE).await, 1); // Wed
    assert_eq!(h.advance(24 * 60 * MINUTE).await, 1); // Thu
    assert_eq!(h.advance(24 * 60 * MINUTE).await, 1); // Fri 04 09:00
    assert_eq!(h.advance(24 * 60 * MINUTE).await, 0); // Sat
    assert_eq!(h.advance(24 * 60 * MINUTE).await, 0); // Sun
    assert_eq!(h.advance(24 * 60 * MINUTE).await, 1); // Mon 07 09:00
    let t = tick();
    h.assert_trail(
        &inst.id,
        &[
            (
                "instance_started",
                &[
                    "weekdays:activated",
                    "start:activated",
                    "start:completed",
                    "start_work:taken",
                    "work:activated",
                ],
            ),
            ("timer_fired", &t),
            ("timer_fired", &t),
            ("timer_fired", &t),
            ("timer_fired", &t),
            ("timer_fired", &t),
        ],
    )
    .await;
}

#[tokio::test]
async fn timer_catch_waits_for_the_first_due_time_of_a_cycle() {
    let body = [
        r#"<startEvent id="start"/><endEvent id="end"/>"#.to_owned(),
        r#"<intermediateCatchEvent id="at_start"><timerEventDefinition><timeCycle>R3/2030-01-01T01:00:00Z/PT1H</timeCycle></timerEventDefinition></intermediateCatchEvent>"#.to_owned(),
        r#"<intermediateCatchEvent id="at_nine"><timerEventDefinition><timeCycle>0 9 * * *</timeCycle></timerEventDefinition></intermediateCatchEvent>"#.to_owned(),
        flow("start", "at_start"),
        flow("at_start", "at_nine"),
        flow("at_nine", "end"),
    ];
    let h = Harness::new().await;
    h.deploy(&model("catch_cycles", &body.join("\n"))).await;
    let inst = h.start("catch_cycles", json!({})).await;
    assert_eq!(h.advance(60 * MINUTE).await, 1); // 01:00, the cycle's start
    assert_eq!(h.advance(7 * 60 * MINUTE).await, 0);
    assert_eq!(h.advance(60 * MINUTE).await, 1); // 09:00, the cron's first time
    assert_eq!(h.instance(&inst.id).await.state, "completed");
    // A catch event fires once: nothing repeats.
    assert_eq!(h.advance(48 * 60 * MINUTE).await, 0);
    h.assert_trail(
        &inst.id,
        &[
            (
                "instance_started",
                &[
                    "catch_cycles:activated",
                    "start:activated",
                    "start:completed",
                    "start_at_start:taken",
                    "at_start:activated",
                ],
            ),
            (
                "timer_fired",
                &[
                    "at_start:completed",
                    "at_start_at_nine:taken",
                    "at_nine:activated",
                ],
            ),
            (
                "timer_fired",
                &[
                    "at_nine:completed",
                    "at_nine_end:taken",
                    "end:activated",
                    "end:completed",
                    "catch_cycles:completed",
                ],
            ),
        ],
    )
    .await;
}

#[tokio::test]
async fn invalid_cron_cycles_are_deploy_errors() {
    let h = Harness::new().await;
    assert_eq!(
        h.deploy_errors(&ticking_model("bad_cron", "0 0 9 L * ?"))
            .await,
        [
            "timeCycle \"0 0 9 L * ?\" is not a valid cron expression: 'L' in the day of month field: the Quartz forms L, W and # are not supported"
        ]
    );
}

// ----- event sub-processes ----------------------------------------------------------------------

/// An event sub-process `id` whose start event `{id}_start` (with `definition`) leads to `inner`
/// then to the end event `{id}_end`.
fn event_sub(
    id: &str,
    interrupting: bool,
    definition: &str,
    inner: &str,
    inner_id: &str,
) -> String {
    format!(
        r#"<subProcess id="{id}" triggeredByEvent="true"><startEvent id="{id}_start" isInterrupting="{interrupting}">{definition}</startEvent>{inner}<endEvent id="{id}_end"/>{}{}</subProcess>"#,
        flow(&format!("{id}_start"), inner_id),
        flow(inner_id, &format!("{id}_end")),
    )
}

#[tokio::test]
async fn interrupting_timer_event_sub_process_ends_everything_else_in_the_process() {
    let body = [
        r#"<startEvent id="start"/><endEvent id="end"/>"#.to_owned(),
        user_task("work"),
        event_sub(
            "ping",
            false,
            r#"<messageEventDefinition messageRef="m_ping"/>"#,
            &user_task("pong"),
            "pong",
        ),
        event_sub(
            "timeout",
            true,
            r#"<timerEventDefinition><timeDuration>PT1H</timeDuration></timerEventDefinition>"#,
            r#"<task id="give_up"/>"#,
            "give_up",
        ),
        flow("start", "work"),
        flow("work", "end"),
    ];
    let h = Harness::new().await;
    h.deploy(&model_with(
        "esp_timer",
        r#"<message id="m_ping" name="ping"/>"#,
        &body.join("\n"),
    ))
    .await;
    let inst = h.start("esp_timer", json!({})).await;
    h.correlate("ping", "esp_timer", json!({"n": 1}))
        .await
        .unwrap();
    h.correlate("ping", "esp_timer", json!({"n": 2}))
        .await
        .unwrap();
    // Two non-interrupting instances run beside the task.
    assert_eq!(
        active(&h.instance(&inst.id).await),
        ["ping", "ping", "pong", "pong", "work"]
    );
    h.complete_task_of(&inst.id, "pong").await;
    assert_eq!(h.advance(60 * MINUTE).await, 1);
    let view = h.instance(&inst.id).await;
    assert_eq!(view.state, "completed");
    assert_eq!(view.variables["n"], json!(2));
    // Its subscriptions closed with the process.
    assert!(matches!(
        h.correlate("ping", "esp_timer", json!({})).await,
        Err(keel_engine::Error::NoSubscription(_))
    ));
    let ping = [
        "ping:activated",
        "ping_start:activated",
        "ping_start:completed",
        "ping_start_pong:taken",
        "pong:activated",
    ];
    h.assert_trail(
        &inst.id,
        &[
            (
                "instance_started",
                &[
                    "esp_timer:activated",
                    "start:activated",
                    "start:completed",
                    "start_work:taken",
                    "work:activated",
                ],
            ),
            ("message_correlated", &ping),
            ("message_correlated", &ping),
            (
                "task_completed",
                &[
                    "pong:completed",
                    "pong_ping_end:taken",
                    "ping_end:activated",
                    "ping_end:completed",
                    "ping:completed",
                ],
            ),
            (
                "timer_fired",
                &[
                    "work:terminated",
                    "pong:terminated",
                    "ping:terminated",
                    "timeout:activated",
                    "timeout_start:activated",
                    "timeout_start:completed",
                    "timeout_start_give_up:taken",
                    "give_up:activated",
                    "give_up:completed",
                    "give_up_timeout_end:taken",
                    "timeout_end:activated",
                    "timeout_end:completed",
                    "timeout:completed",
                    "esp_timer:completed",
                ],
            ),
        ],
    )
    .await;
}

#[tokio::test]
async fn non_interrupting_timer_cycle_event_sub_process_repeats_while_its_sub_process_runs() {
    let body = [
        r#"<startEvent id="start"/><endEvent id="end"/>"#.to_owned(),
        r#"<subProcess id="sub"><startEvent id="s2"/><endEvent id="e2"/>"#.to_owned(),
        user_task("work"),
        flow("s2", "work"),
        flow("work", "e2"),
        event_sub(
            "remind",
            false,
            r#"<timerEventDefinition><timeCycle>R/PT1H</timeCycle></timerEventDefinition>"#,
            r#"<task id="note"/>"#,
            "note",
        ),
        "</subProcess>".to_owned(),
        flow("start", "sub"),
        flow("sub", "end"),
    ];
    let h = Harness::new().await;
    h.deploy(&model("esp_cycle", &body.join("\n"))).await;
    let inst = h.start("esp_cycle", json!({})).await;
    assert_eq!(h.advance(60 * MINUTE).await, 1);
    assert_eq!(h.advance(60 * MINUTE).await, 1);
    h.complete_task(&inst.id, "work", json!({})).await;
    assert_eq!(h.instance(&inst.id).await.state, "completed");
    // The cycle closed with the sub-process.
    assert_eq!(h.advance(600 * MINUTE).await, 0);
    let remind = [
        "remind:activated",
        "remind_start:activated",
        "remind_start:completed",
        "remind_start_note:taken",
        "note:activated",
        "note:completed",
        "note_remind_end:taken",
        "remind_end:activated",
        "remind_end:completed",
        "remind:completed",
    ];
    h.assert_trail(
        &inst.id,
        &[
            (
                "instance_started",
                &[
                    "esp_cycle:activated",
                    "start:activated",
                    "start:completed",
                    "start_sub:taken",
                    "sub:activated",
                    "s2:activated",
                    "s2:completed",
                    "s2_work:taken",
                    "work:activated",
                ],
            ),
            ("timer_fired", &remind),
            ("timer_fired", &remind),
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
                    "esp_cycle:completed",
                ],
            ),
        ],
    )
    .await;
}

#[tokio::test]
async fn error_event_sub_process_catches_before_the_boundary_of_its_sub_process() {
    let body = [
        r#"<startEvent id="start"/><endEvent id="end"/><endEvent id="never"/>"#.to_owned(),
        r#"<subProcess id="sub"><startEvent id="s2"/><parallelGateway id="fork"/>"#.to_owned(),
        user_task("side"),
        r#"<endEvent id="fail"><errorEventDefinition errorRef="err_1"/></endEvent>"#.to_owned(),
        flow("s2", "fork"),
        flow("fork", "side"),
        flow("fork", "fail"),
        event_sub(
            "on_error",
            true,
            r#"<errorEventDefinition errorRef="err_1"/>"#,
            r#"<task id="handle"/>"#,
            "handle",
        ),
        "</subProcess>".to_owned(),
        r#"<boundaryEvent id="caught" attachedToRef="sub"><errorEventDefinition/></boundaryEvent>"#
            .to_owned(),
        flow("start", "sub"),
        flow("sub", "end"),
        flow("caught", "never"),
    ];
    let h = Harness::new().await;
    h.deploy(&model_with(
        "esp_error",
        r#"<error id="err_1" errorCode="E1"/>"#,
        &body.join("\n"),
    ))
    .await;
    let inst = h.start("esp_error", json!({})).await;
    assert_eq!(inst.state, "completed");
    h.assert_trail(
        &inst.id,
        &[(
            "instance_started",
            &[
                "esp_error:activated",
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
                "fork_fail:taken",
                "side:activated",
                "fail:activated",
                "side:terminated",
                "fail:terminated",
                "on_error:activated",
                "on_error_start:activated",
                "on_error_start:completed",
                "on_error_start_handle:taken",
                "handle:activated",
                "handle:completed",
                "handle_on_error_end:taken",
                "on_error_end:activated",
                "on_error_end:completed",
                "on_error:completed",
                "sub:completed",
                "sub_end:taken",
                "end:activated",
                "end:completed",
                "esp_error:completed",
            ],
        )],
    )
    .await;
}

#[tokio::test]
async fn job_error_and_escalation_reach_the_event_sub_processes_of_the_process() {
    let body = [
        r#"<startEvent id="start"/><endEvent id="end"/>"#.to_owned(),
        r#"<intermediateThrowEvent id="raise"><escalationEventDefinition escalationRef="esc_a"/></intermediateThrowEvent>"#.to_owned(),
        service("charge"),
        flow("start", "raise"),
        flow("raise", "charge"),
        flow("charge", "end"),
        event_sub(
            "on_escalation",
            false,
            r#"<escalationEventDefinition/>"#,
            r#"<task id="log"/>"#,
            "log",
        ),
        event_sub(
            "on_error",
            true,
            r#"<errorEventDefinition/>"#,
            &user_task("refund"),
            "refund",
        ),
    ];
    let h = Harness::new().await;
    h.deploy(&model_with("esp_throw", ESCALATIONS, &body.join("\n")))
        .await;
    let inst = h.start("esp_throw", json!({})).await;
    assert_eq!(active(&inst), ["charge"]);
    let jobs = h.jobs("charge").await;
    h.throw_job_error(
        &jobs[0],
        "DECLINED",
        "card declined",
        json!({"reason": "declined"}),
    )
    .await;
    let view = h.instance(&inst.id).await;
    assert_eq!(active(&view), ["on_error", "refund"]);
    assert_eq!(view.variables["reason"], json!("declined"));
    h.complete_task(&inst.id, "refund", json!({})).await;
    assert_eq!(h.instance(&inst.id).await.state, "completed");
    h.assert_trail(
        &inst.id,
        &[
            (
                "instance_started",
                &[
                    "esp_throw:activated",
                    "start:activated",
                    "start:completed",
                    "start_raise:taken",
                    "raise:activated",
                    "raise:completed",
                    "raise_charge:taken",
                    "on_escalation:activated",
                    "charge:activated",
                    "on_escalation_start:activated",
                    "on_escalation_start:completed",
                    "on_escalation_start_log:taken",
                    "log:activated",
                    "log:completed",
                    "log_on_escalation_end:taken",
                    "on_escalation_end:activated",
                    "on_escalation_end:completed",
                    "on_escalation:completed",
                ],
            ),
            (
                "error_thrown",
                &[
                    "charge:terminated",
                    "on_error:activated",
                    "on_error_start:activated",
                    "on_error_start:completed",
                    "on_error_start_refund:taken",
                    "refund:activated",
                ],
            ),
            (
                "task_completed",
                &[
                    "refund:completed",
                    "refund_on_error_end:taken",
                    "on_error_end:activated",
                    "on_error_end:completed",
                    "on_error:completed",
                    "esp_throw:completed",
                ],
            ),
        ],
    )
    .await;
}

#[tokio::test]
async fn interrupting_message_event_sub_process_of_a_sub_process_lets_it_complete() {
    let body = [
        r#"<startEvent id="start"/><endEvent id="end"/>"#.to_owned(),
        r#"<subProcess id="sub"><startEvent id="s2"/><endEvent id="e2"/>"#.to_owned(),
        user_task("work"),
        flow("s2", "work"),
        flow("work", "e2"),
        event_sub(
            "stop",
            true,
            r#"<messageEventDefinition messageRef="m_stop"/>"#,
            r#"<task id="wrap_up"/>"#,
            "wrap_up",
        ),
        "</subProcess>".to_owned(),
        flow("start", "sub"),
        flow("sub", "end"),
    ];
    let h = Harness::new().await;
    h.deploy(&model_with(
        "esp_stop",
        r#"<message id="m_stop" name="stop"><extensionElements><zeebe:subscription correlationKey="=orderId"/></extensionElements></message>"#,
        &body.join("\n"),
    ))
    .await;
    let inst = h.start("esp_stop", json!({"orderId": "o-7"})).await;
    h.correlate_key("stop", "o-7", json!({"why": "customer"}))
        .await
        .unwrap();
    let view = h.instance(&inst.id).await;
    assert_eq!(view.state, "completed");
    assert_eq!(view.variables["why"], json!("customer"));
    assert!(h.open_tasks(&inst.id).await.is_empty());
    h.assert_trail(
        &inst.id,
        &[
            (
                "instance_started",
                &[
                    "esp_stop:activated",
                    "start:activated",
                    "start:completed",
                    "start_sub:taken",
                    "sub:activated",
                    "s2:activated",
                    "s2:completed",
                    "s2_work:taken",
                    "work:activated",
                ],
            ),
            (
                "message_correlated",
                &[
                    "work:terminated",
                    "stop:activated",
                    "stop_start:activated",
                    "stop_start:completed",
                    "stop_start_wrap_up:taken",
                    "wrap_up:activated",
                    "wrap_up:completed",
                    "wrap_up_stop_end:taken",
                    "stop_end:activated",
                    "stop_end:completed",
                    "stop:completed",
                    "sub:completed",
                    "sub_end:taken",
                    "end:activated",
                    "end:completed",
                    "esp_stop:completed",
                ],
            ),
        ],
    )
    .await;
}

// ----- signals ----------------------------------------------------------------------------------

const GO: &str = r#"<signalEventDefinition signalRef="sig_go"/>"#;
const SIG_GO: &str = r#"<signal id="sig_go" name="go"/>"#;

#[tokio::test]
async fn thrown_signal_reaches_every_catch_and_starts_signal_start_processes() {
    let waiter = [
        r#"<startEvent id="start"/><endEvent id="end"/>"#.to_owned(),
        format!(r#"<intermediateCatchEvent id="wait_go">{GO}</intermediateCatchEvent>"#),
        flow("start", "wait_go"),
        flow("wait_go", "end"),
    ];
    let watcher = [
        r#"<startEvent id="start"/><endEvent id="end"/><endEvent id="noted"/><task id="note"/>"#
            .to_owned(),
        user_task("work"),
        format!(
            r#"<boundaryEvent id="heard" attachedToRef="work" cancelActivity="false">{GO}</boundaryEvent>"#
        ),
        flow("start", "work"),
        flow("work", "end"),
        flow("heard", "note"),
        flow("note", "noted"),
    ];
    let listener = [
        r#"<startEvent id="start"/><endEvent id="end"/>"#.to_owned(),
        user_task("idle"),
        flow("start", "idle"),
        flow("idle", "end"),
        event_sub("on_signal", true, GO, r#"<task id="react"/>"#, "react"),
    ];
    let started = [
        format!(r#"<startEvent id="go_start">{GO}</startEvent><endEvent id="end"/>"#),
        flow("go_start", "end"),
    ];
    let thrower = [
        r#"<startEvent id="start"/>"#.to_owned(),
        format!(
            r#"<intermediateThrowEvent id="shout"><extensionElements><zeebe:ioMapping><zeebe:input source="=42" target="answer"/></zeebe:ioMapping></extensionElements>{GO}</intermediateThrowEvent>"#
        ),
        format!(r#"<endEvent id="done">{GO}</endEvent>"#),
        flow("start", "shout"),
        flow("shout", "done"),
    ];
    let h = Harness::new().await;
    for (key, body) in [
        ("waiter", waiter.join("\n")),
        ("watcher", watcher.join("\n")),
        ("listener", listener.join("\n")),
        ("on_go", started.join("\n")),
        ("thrower", thrower.join("\n")),
    ] {
        h.deploy(&model_with(key, SIG_GO, &body)).await;
    }
    let waiting = h.start("waiter", json!({})).await;
    let watching = h.start("watcher", json!({})).await;
    let listening = h.start("listener", json!({})).await;
    let throwing = h.start("thrower", json!({})).await;
    assert_eq!(throwing.state, "completed");
    let view = h.instance(&waiting.id).await;
    assert_eq!(view.state, "completed");
    assert_eq!(view.variables["answer"], json!(42));
    assert_eq!(h.instance(&listening.id).await.state, "completed");
    assert_eq!(active(&h.instance(&watching.id).await), ["work"]);
    // The shout and the end event each started one instance.
    let on_go = h.instances_of("on_go").await;
    assert_eq!(on_go.len(), 2);
    assert!(on_go.iter().all(|i| i.state == "completed"));
    h.assert_trail(
        &throwing.id,
        &[(
            "instance_started",
            &[
                "thrower:activated",
                "start:activated",
                "start:completed",
                "start_shout:taken",
                "shout:activated",
                "shout:completed",
                "shout_done:taken",
                "done:activated",
                "done:completed",
                "thrower:completed",
            ],
        )],
    )
    .await;
    h.assert_trail(
        &waiting.id,
        &[
            (
                "instance_started",
                &[
                    "waiter:activated",
                    "start:activated",
                    "start:completed",
                    "start_wait_go:taken",
                    "wait_go:activated",
                ],
            ),
            (
                "signal_received",
                &[
                    "wait_go:completed",
                    "wait_go_end:taken",
                    "end:activated",
                    "end:completed",
                    "waiter:completed",
                ],
            ),
        ],
    )
    .await;
    let heard = [
        "heard:activated",
        "heard:completed",
        "heard_note:taken",
        "note:activated",
        "note:completed",
        "note_noted:taken",
        "noted:activated",
        "noted:completed",
    ];
    h.assert_trail(
        &watching.id,
        &[
            (
                "instance_started",
                &[
                    "watcher:activated",
                    "start:activated",
                    "start:completed",
                    "start_work:taken",
                    "work:activated",
                ],
            ),
            ("signal_received", &heard),
            ("signal_received", &heard),
        ],
    )
    .await;
    h.assert_trail(
        &listening.id,
        &[
            (
                "instance_started",
                &[
                    "listener:activated",
                    "start:activated",
                    "start:completed",
                    "start_idle:taken",
                    "idle:activated",
                ],
            ),
            (
                "signal_received",
                &[
                    "idle:terminated",
                    "on_signal:activated",
                    "on_signal_start:activated",
                    "on_signal_start:completed",
                    "on_signal_start_react:taken",
                    "react:activated",
                    "react:completed",
                    "react_on_signal_end:taken",
                    "on_signal_end:activated",
                    "on_signal_end:completed",
                    "on_signal:completed",
                    "listener:completed",
                ],
            ),
        ],
    )
    .await;
    h.assert_trail(
        &on_go[0].id,
        &[(
            "instance_started",
            &[
                "on_go:activated",
                "go_start:activated",
                "go_start:completed",
                "go_start_end:taken",
                "end:activated",
                "end:completed",
                "on_go:completed",
            ],
        )],
    )
    .await;
}

#[tokio::test]
async fn broadcast_signal_is_not_buffered_and_interrupts_by_name() {
    let body = [
        r#"<startEvent id="start"/><endEvent id="end"/><endEvent id="aborted"/>"#.to_owned(),
        user_task("work"),
        r#"<boundaryEvent id="abort" attachedToRef="work"><signalEventDefinition signalRef="sig_stop"/></boundaryEvent>"#.to_owned(),
        flow("start", "work"),
        flow("work", "end"),
        flow("abort", "aborted"),
    ];
    let h = Harness::new().await;
    h.deploy(&model_with(
        "guarded",
        r#"<signal id="sig_stop" name="=&quot;stop-&quot; + line"/>"#,
        &body.join("\n"),
    ))
    .await;
    let none = h
        .engine
        .broadcast_signal("stop-a", Map::new(), &admin())
        .await
        .unwrap();
    assert_eq!(none, keel_engine::SignalResult::default());
    let a = h.start("guarded", json!({"line": "a"})).await;
    let b = h.start("guarded", json!({"line": "b"})).await;
    let result = h
        .engine
        .broadcast_signal("stop-a", vars(json!({"why": "maintenance"})), &admin())
        .await
        .unwrap();
    assert_eq!(result.caught, std::slice::from_ref(&a.id));
    assert!(result.started.is_empty());
    let view = h.instance(&a.id).await;
    assert_eq!(view.state, "completed");
    assert_eq!(view.variables["why"], json!("maintenance"));
    assert_eq!(h.instance(&b.id).await.state, "active");
    // Gone with its task: the same signal again reaches nothing.
    let again = h
        .engine
        .broadcast_signal("stop-a", Map::new(), &admin())
        .await
        .unwrap();
    assert!(again.caught.is_empty());
    assert!(matches!(
        h.correlate("signal:stop-b", "guarded", json!({})).await,
        Err(keel_engine::Error::Invalid { .. })
    ));
    h.assert_trail(
        &a.id,
        &[
            (
                "instance_started",
                &[
                    "guarded:activated",
                    "start:activated",
                    "start:completed",
                    "start_work:taken",
                    "work:activated",
                ],
            ),
            (
                "signal_received",
                &[
                    "work:terminated",
                    "abort:activated",
                    "abort:completed",
                    "abort_aborted:taken",
                    "aborted:activated",
                    "aborted:completed",
                    "guarded:completed",
                ],
            ),
        ],
    )
    .await;
}

// ----- call activity ----------------------------------------------------------------------------

/// `payment`: a user task `approve` between start and end.
fn payment_model() -> String {
    let body = [
        r#"<startEvent id="p_start"/><endEvent id="p_end"/>"#.to_owned(),
        user_task("approve"),
        flow("p_start", "approve"),
        flow("approve", "p_end"),
    ];
    model("payment", &body.join("\n"))
}

const PAYMENT_START: [&str; 5] = [
    "payment:activated",
    "p_start:activated",
    "p_start:completed",
    "p_start_approve:taken",
    "approve:activated",
];

#[tokio::test]
async fn zeebe_call_activity_runs_the_called_process_and_takes_its_variables() {
    let body = [
        r#"<startEvent id="start"/><endEvent id="end"/>"#.to_owned(),
        r#"<callActivity id="pay"><extensionElements><zeebe:calledElement processId="=&quot;pay&quot; + &quot;ment&quot;"/>
  <zeebe:ioMapping><zeebe:input source="=total * 2" target="amount"/></zeebe:ioMapping></extensionElements></callActivity>"#.to_owned(),
        flow("start", "pay"),
        flow("pay", "end"),
    ];
    let h = Harness::new().await;
    h.deploy(&payment_model()).await;
    h.deploy(&model("order", &body.join("\n"))).await;
    let order = h.start("order", json!({"total": 21})).await;
    assert_eq!(active(&order), ["pay"]);
    let children = h.instances_of("payment").await;
    assert_eq!(children.len(), 1);
    let child = &children[0];
    assert!(
        child.id.starts_with(&format!("{}.", order.id)),
        "{}",
        child.id
    );
    // Every variable visible at the call activity went in.
    assert_eq!(child.variables, vars(json!({"total": 21, "amount": 42})));
    // Cancelling the called instance directly is refused: its caller owns it.
    assert!(matches!(
        h.engine.cancel_instance(&child.id, None, &admin()).await,
        Err(keel_engine::Error::Conflict(_))
    ));
    h.complete_task(&child.id, "approve", json!({"approved": true}))
        .await;
    let view = h.instance(&order.id).await;
    assert_eq!(view.state, "completed");
    assert_eq!(view.variables["approved"], json!(true));
    assert_eq!(h.instance(&child.id).await.state, "completed");
    h.assert_trail(
        &order.id,
        &[
            (
                "instance_started",
                &[
                    "order:activated",
                    "start:activated",
                    "start:completed",
                    "start_pay:taken",
                    "pay:activated",
                ],
            ),
            (
                "called_instance_completed",
                &[
                    "pay:completed",
                    "pay_end:taken",
                    "end:activated",
                    "end:completed",
                    "order:completed",
                ],
            ),
        ],
    )
    .await;
    h.assert_trail(
        &child.id,
        &[
            ("instance_started", &PAYMENT_START),
            (
                "task_completed",
                &[
                    "approve:completed",
                    "approve_p_end:taken",
                    "p_end:activated",
                    "p_end:completed",
                    "payment:completed",
                ],
            ),
        ],
    )
    .await;
}

#[tokio::test]
async fn camunda_call_activity_binds_a_version_and_maps_in_and_out() {
    // Version 1 decides synchronously; version 2 would wait for a person.
    let v1 = [
        r#"<startEvent id="c_start"/><endEvent id="c_end"/>"#.to_owned(),
        r#"<scriptTask id="decide"><extensionElements><zeebe:script expression="=amount &lt; 100" resultVariable="approved"/></extensionElements></scriptTask>"#.to_owned(),
        flow("c_start", "decide"),
        flow("decide", "c_end"),
    ];
    let body = [
        r#"<startEvent id="start"/><endEvent id="end"/>"#.to_owned(),
        r#"<callActivity id="check" calledElement="${'checker'}" camunda:calledElementBinding="version" camunda:calledElementVersion="1"><extensionElements>
  <camunda:in source="total" target="amount"/><camunda:out source="approved" target="ok"/></extensionElements></callActivity>"#.to_owned(),
        flow("start", "check"),
        flow("check", "end"),
    ];
    let h = Harness::new().await;
    h.deploy(&model("checker", &v1.join("\n"))).await;
    h.deploy(&payment_model().replace("payment", "checker"))
        .await;
    h.deploy(&model("caller", &body.join("\n"))).await;
    let inst = h.start("caller", json!({"total": 12, "other": "x"})).await;
    // The called instance completed in the same transaction.
    assert_eq!(inst.state, "completed");
    assert_eq!(
        inst.variables,
        vars(json!({"total": 12, "other": "x", "ok": true}))
    );
    let children = h.instances_of("checker").await;
    assert_eq!(children.len(), 1);
    assert_eq!(children[0].definition_version, 1);
    // Only what camunda:in names went in.
    assert_eq!(
        children[0].variables,
        vars(json!({"amount": 12, "approved": true}))
    );
    h.assert_trail(
        &inst.id,
        &[
            (
                "instance_started",
                &[
                    "caller:activated",
                    "start:activated",
                    "start:completed",
                    "start_check:taken",
                    "check:activated",
                ],
            ),
            (
                "called_instance_completed",
                &[
                    "check:completed",
                    "check_end:taken",
                    "end:activated",
                    "end:completed",
                    "caller:completed",
                ],
            ),
        ],
    )
    .await;
}

#[tokio::test]
async fn error_end_event_of_the_called_instance_reaches_the_call_activity_boundary() {
    let failing = [
        r#"<startEvent id="f_start"/><endEvent id="f_fail"><errorEventDefinition errorRef="err_pay"/></endEvent>"#.to_owned(),
        user_task("check"),
        flow("f_start", "check"),
        flow("check", "f_fail"),
    ];
    let body = [
        r#"<startEvent id="start"/><endEvent id="end"/><endEvent id="failed"/>"#.to_owned(),
        r#"<callActivity id="pay"><extensionElements><zeebe:calledElement processId="failing"/></extensionElements></callActivity>"#.to_owned(),
        r#"<boundaryEvent id="declined" attachedToRef="pay"><errorEventDefinition errorRef="err_pay"/></boundaryEvent>"#.to_owned(),
        flow("start", "pay"),
        flow("pay", "end"),
        flow("declined", "failed"),
    ];
    let errors = r#"<error id="err_pay" errorCode="DECLINED"/>"#;
    let h = Harness::new().await;
    h.deploy(&model_with("failing", errors, &failing.join("\n")))
        .await;
    h.deploy(&model_with("guarded_call", errors, &body.join("\n")))
        .await;
    let inst = h.start("guarded_call", json!({})).await;
    let child = h.instances_of("failing").await.remove(0);
    h.complete_task(&child.id, "check", json!({})).await;
    assert_eq!(h.instance(&inst.id).await.state, "completed");
    assert_eq!(h.instance(&child.id).await.state, "cancelled");
    h.assert_trail(
        &inst.id,
        &[
            (
                "instance_started",
                &[
                    "guarded_call:activated",
                    "start:activated",
                    "start:completed",
                    "start_pay:taken",
                    "pay:activated",
                ],
            ),
            (
                "error_thrown",
                &[
                    "pay:terminated",
                    "declined:activated",
                    "declined:completed",
                    "declined_failed:taken",
                    "failed:activated",
                    "failed:completed",
                    "guarded_call:completed",
                ],
            ),
        ],
    )
    .await;
    h.assert_trail(
        &child.id,
        &[
            (
                "instance_started",
                &[
                    "failing:activated",
                    "f_start:activated",
                    "f_start:completed",
                    "f_start_check:taken",
                    "check:activated",
                ],
            ),
            (
                "task_completed",
                &["check:completed", "check_f_fail:taken", "f_fail:activated"],
            ),
            (
                "instance_cancelled",
                &["f_fail:terminated", "failing:terminated"],
            ),
        ],
    )
    .await;
}

#[tokio::test]
async fn error_no_caller_catches_is_an_incident_in_the_called_instance() {
    let failing = [
        r#"<startEvent id="f_start"/><endEvent id="f_fail"><errorEventDefinition errorRef="err_pay"/></endEvent>"#.to_owned(),
        flow("f_start", "f_fail"),
    ];
    let body = [
        r#"<startEvent id="start"/><endEvent id="end"/>"#.to_owned(),
        r#"<callActivity id="pay"><extensionElements><zeebe:calledElement processId="failing"/></extensionElements></callActivity>"#.to_owned(),
        flow("start", "pay"),
        flow("pay", "end"),
    ];
    let errors = r#"<error id="err_pay" errorCode="DECLINED"/>"#;
    let h = Harness::new().await;
    h.deploy(&model_with("failing", errors, &failing.join("\n")))
        .await;
    h.deploy(&model_with("open_call", errors, &body.join("\n")))
        .await;
    let inst = h.start("open_call", json!({})).await;
    assert_eq!(inst.state, "active");
    // The call activity mirrors the called instance's incident (Camunda 7's incidents in the
    // super process instance).
    assert_eq!(inst.incidents, 1);
    let mirrored = h.open_incidents(&inst.id).await;
    assert_eq!(mirrored.len(), 1);
    assert_eq!(mirrored[0].kind, "called_instance_incident");
    assert_eq!(mirrored[0].element_id, "pay");
    let child = h.instances_of("failing").await.remove(0);
    assert!(
        mirrored[0].message.contains(&child.id),
        "{}",
        mirrored[0].message
    );
    // It stands for the one below: resolving it by itself is refused, naming where to go.
    let refused = h
        .engine
        .resolve_incident(&mirrored[0].id, None, Map::new(), &admin())
        .await;
    assert!(
        matches!(&refused, Err(keel_engine::Error::Conflict(m)) if m.contains(&child.id)),
        "{refused:?}"
    );
    h.assert_trail(
        &inst.id,
        &[
            (
                "instance_started",
                &[
                    "open_call:activated",
                    "start:activated",
                    "start:completed",
                    "start_pay:taken",
                    "pay:activated",
                ],
            ),
            ("called_instance_incident", &[]),
        ],
    )
    .await;
    let incidents = h.open_incidents(&child.id).await;
    assert_eq!(incidents.len(), 1);
    assert_eq!(incidents[0].kind, "unhandled_error");
    assert_eq!(incidents[0].element_id, "f_fail");
    assert_eq!(
        incidents[0].message,
        "error 'DECLINED' thrown by an end event was not caught, neither here nor by the calling instances"
    );
    h.assert_trail(
        &child.id,
        &[
            (
                "instance_started",
                &[
                    "failing:activated",
                    "f_start:activated",
                    "f_start:completed",
                    "f_start_f_fail:taken",
                    "f_fail:activated",
                ],
            ),
            ("error_not_caught", &[]),
        ],
    )
    .await;
}

#[tokio::test]
async fn cancelling_the_caller_cancels_the_called_instance() {
    let body = [
        r#"<startEvent id="start"/><endEvent id="end"/>"#.to_owned(),
        r#"<callActivity id="pay"><extensionElements><zeebe:calledElement processId="payment"/></extensionElements></callActivity>"#.to_owned(),
        flow("start", "pay"),
        flow("pay", "end"),
    ];
    let h = Harness::new().await;
    h.deploy(&payment_model()).await;
    h.deploy(&model("order", &body.join("\n"))).await;
    let order = h.start("order", json!({})).await;
    let child = h.instances_of("payment").await.remove(0);
    assert_eq!(h.open_tasks(&child.id).await.len(), 1);
    h.engine
        .cancel_instance(&order.id, Some("customer left".into()), &admin())
        .await
        .unwrap();
    assert_eq!(h.instance(&child.id).await.state, "cancelled");
    assert!(h.open_tasks(&child.id).await.is_empty());
    h.assert_trail(
        &order.id,
        &[
            (
                "instance_started",
                &[
                    "order:activated",
                    "start:activated",
                    "start:completed",
                    "start_pay:taken",
                    "pay:activated",
                ],
            ),
            (
                "instance_cancelled",
                &["pay:terminated", "order:terminated"],
            ),
        ],
    )
    .await;
    h.assert_trail(
        &child.id,
        &[
            ("instance_started", &PAYMENT_START),
            (
                "instance_cancelled",
                &["approve:terminated", "payment:terminated"],
            ),
        ],
    )
    .await;
}

#[tokio::test]
async fn call_to_a_process_not_deployed_is_an_incident_resolved_by_deploying_it() {
    let body = [
        r#"<startEvent id="start"/><endEvent id="end"/>"#.to_owned(),
        r#"<callActivity id="pay" calledElement="payment"><extensionElements><camunda:in variables="all"/><camunda:out variables="all"/></extensionElements></callActivity>"#.to_owned(),
        flow("start", "pay"),
        flow("pay", "end"),
    ];
    let h = Harness::new().await;
    h.deploy(&model("early", &body.join("\n"))).await;
    let inst = h.start("early", json!({"total": 3})).await;
    let incidents = h.open_incidents(&inst.id).await;
    assert_eq!(incidents.len(), 1);
    assert_eq!(incidents[0].kind, "call_failed");
    assert_eq!(incidents[0].message, "no process 'payment' is deployed");
    h.deploy(&payment_model()).await;
    h.engine
        .resolve_incident(&incidents[0].id, None, Map::new(), &admin())
        .await
        .unwrap();
    let child = h.instances_of("payment").await.remove(0);
    assert_eq!(child.variables["total"], json!(3));
    h.complete_task(&child.id, "approve", json!({"approved": false}))
        .await;
    let view = h.instance(&inst.id).await;
    assert_eq!(view.state, "completed");
    assert_eq!(view.variables["approved"], json!(false));
    h.assert_trail(
        &inst.id,
        &[
            (
                "instance_started",
                &[
                    "early:activated",
                    "start:activated",
                    "start:completed",
                    "start_pay:taken",
                    "pay:activated",
                ],
            ),
            ("call_failed", &[]),
            ("incident_resolved", &[]),
            (
                "called_instance_completed",
                &[
                    "pay:completed",
                    "pay_end:taken",
                    "end:activated",
                    "end:completed",
                    "early:completed",
                ],
            ),
        ],
    )
    .await;
}

// ----- complex gateway --------------------------------------------------------------------------

/// Three reviews in parallel joined by complex gateway `quorum` with `condition`, then `decide`.
fn quorum_model(key: &str, branches: &[&str], condition: &str) -> String {
    let mut body = vec![
        format!(
            r#"<startEvent id="start"/><parallelGateway id="split"/><complexGateway id="quorum"><activationCondition>{condition}</activationCondition></complexGateway><endEvent id="end"/>"#
        ),
        user_task("decide"),
        flow("start", "split"),
        flow("quorum", "decide"),
        flow("decide", "end"),
    ];
    for b in branches {
        body.push(user_task(b));
        body.push(flow("split", b));
        body.push(flow(b, "quorum"));
    }
    model(key, &body.join("\n"))
}

#[tokio::test]
async fn complex_gateway_fires_once_its_activation_condition_holds() {
    let h = Harness::new().await;
    h.deploy(&quorum_model(
        "reviews3",
        &["r1", "r2", "r3"],
        "=activationCount >= 2",
    ))
    .await;
    let inst = h.start("reviews3", json!({})).await;
    h.complete_task(&inst.id, "r2", json!({})).await;
    assert_eq!(active(&h.instance(&inst.id).await), ["r1", "r3"]);
    h.complete_task(&inst.id, "r1", json!({})).await;
    assert_eq!(active(&h.instance(&inst.id).await), ["decide", "r3"]);
    // The late token is consumed without firing again.
    h.complete_task(&inst.id, "r3", json!({})).await;
    assert_eq!(active(&h.instance(&inst.id).await), ["decide"]);
    h.complete_task(&inst.id, "decide", json!({})).await;
    assert_eq!(h.instance(&inst.id).await.state, "completed");
    h.assert_trail(
        &inst.id,
        &[
            (
                "instance_started",
                &[
                    "reviews3:activated",
                    "start:activated",
                    "start:completed",
                    "start_split:taken",
                    "split:activated",
                    "split:completed",
                    "split_r1:taken",
                    "split_r2:taken",
                    "split_r3:taken",
                    "r1:activated",
                    "r2:activated",
                    "r3:activated",
                ],
            ),
            ("task_completed", &["r2:completed", "r2_quorum:taken"]),
            (
                "task_completed",
                &[
                    "r1:completed",
                    "r1_quorum:taken",
                    "quorum:activated",
                    "quorum:completed",
                    "quorum_decide:taken",
                    "decide:activated",
                ],
            ),
            ("task_completed", &["r3:completed", "r3_quorum:taken"]),
            (
                "task_completed",
                &[
                    "decide:completed",
                    "decide_end:taken",
                    "end:activated",
                    "end:completed",
                    "reviews3:completed",
                ],
            ),
        ],
    )
    .await;
}

#[tokio::test]
async fn complex_gateway_whose_condition_cannot_hold_any_more_is_an_incident() {
    let h = Harness::new().await;
    h.deploy(&quorum_model(
        "never",
        &["r1", "r2"],
        "=activationCount >= 3",
    ))
    .await;
    let inst = h.start("never", json!({})).await;
    h.complete_task(&inst.id, "r1", json!({})).await;
    h.complete_task(&inst.id, "r2", json!({})).await;
    let incidents = h.open_incidents(&inst.id).await;
    assert_eq!(incidents.len(), 1);
    assert_eq!(incidents[0].element_id, "quorum");
    assert_eq!(
        incidents[0].message,
        "activation condition of complex gateway 'quorum' ('activationCount >= 3') is false and no more tokens can arrive"
    );
    let trail = h.trail(&inst.id).await;
    assert_eq!(
        trail.last().map(|(_, t)| t.clone()),
        Some(
            ["r2:completed", "r2_quorum:taken", "quorum:activated"]
                .map(str::to_owned)
                .to_vec()
        )
    );
}

// ----- standard loop ----------------------------------------------------------------------------

#[tokio::test]
async fn standard_loop_repeats_while_its_condition_holds() {
    let body = [
        r#"<startEvent id="start"/><endEvent id="end"/>"#.to_owned(),
        r#"<scriptTask id="step"><extensionElements><zeebe:script expression="=count + loopCounter" resultVariable="count"/></extensionElements>
  <standardLoopCharacteristics><loopCondition>=loopCounter &lt; 3</loopCondition></standardLoopCharacteristics></scriptTask>"#.to_owned(),
        flow("start", "step"),
        flow("step", "end"),
    ];
    let h = Harness::new().await;
    h.deploy(&model("looping", &body.join("\n"))).await;
    let inst = h.start("looping", json!({"count": 0})).await;
    assert_eq!(inst.state, "completed");
    // 1 + 2 + 3: three iterations, loopCounter from 1.
    assert_eq!(inst.variables["count"], json!(6));
    h.assert_trail(
        &inst.id,
        &[(
            "instance_started",
            &[
                "looping:activated",
                "start:activated",
                "start:completed",
                "start_step:taken",
                "step[loop]:activated",
                "step:activated",
                "step:completed",
                "step:activated",
                "step:completed",
                "step:activated",
                "step:completed",
                "step[loop]:completed",
                "step_end:taken",
                "end:activated",
                "end:completed",
                "looping:completed",
            ],
        )],
    )
    .await;
}

#[tokio::test]
async fn standard_loop_tests_before_and_stops_at_its_maximum() {
    let body = [
        r#"<startEvent id="start"/><endEvent id="end"/>"#.to_owned(),
        user_task("ask").replace(
            "</userTask>",
            r#"<standardLoopCharacteristics testBefore="true" loopMaximum="2"><loopCondition>=not(done)</loopCondition></standardLoopCharacteristics></userTask>"#,
        ),
        flow("start", "ask"),
        flow("ask", "end"),
    ];
    let h = Harness::new().await;
    h.deploy(&model("asking", &body.join("\n"))).await;
    // Tested before the first iteration: nothing to do.
    let skipped = h.start("asking", json!({"done": true})).await;
    assert_eq!(skipped.state, "completed");
    h.assert_trail(
        &skipped.id,
        &[(
            "instance_started",
            &[
                "asking:activated",
                "start:activated",
                "start:completed",
                "start_ask:taken",
                "ask[loop]:activated",
                "ask[loop]:completed",
                "ask_end:taken",
                "end:activated",
                "end:completed",
                "asking:completed",
            ],
        )],
    )
    .await;
    // The condition still holds after two iterations, but the maximum is two.
    let inst = h.start("asking", json!({"done": false})).await;
    h.complete_task(&inst.id, "ask", json!({})).await;
    h.complete_task(&inst.id, "ask", json!({})).await;
    assert_eq!(h.instance(&inst.id).await.state, "completed");
    h.assert_trail(
        &inst.id,
        &[
            (
                "instance_started",
                &[
                    "asking:activated",
                    "start:activated",
                    "start:completed",
                    "start_ask:taken",
                    "ask[loop]:activated",
                    "ask:activated",
                ],
            ),
            ("task_completed", &["ask:completed", "ask:activated"]),
            (
                "task_completed",
                &[
                    "ask:completed",
                    "ask[loop]:completed",
                    "ask_end:taken",
                    "end:activated",
                    "end:completed",
                    "asking:completed",
                ],
            ),
        ],
    )
    .await;
}

// ----- compensation -----------------------------------------------------------------------------

/// `book_hotel` then `book_flight`, each with a compensation handler (`cancel_hotel`, a task;
/// `cancel_flight`, a user task), then `throw` (an intermediate throw or end event holding
/// `compensate`).
fn trip_model(key: &str, throw: &str) -> String {
    let body = [
        r#"<startEvent id="start"/><task id="book_hotel"/><task id="book_flight"/>"#.to_owned(),
        r#"<boundaryEvent id="undo_hotel" attachedToRef="book_hotel"><compensateEventDefinition/></boundaryEvent>"#.to_owned(),
        r#"<boundaryEvent id="undo_flight" attachedToRef="book_flight"><compensateEventDefinition/></boundaryEvent>"#.to_owned(),
        r#"<task id="cancel_hotel" isForCompensation="true"/>"#.to_owned(),
        r#"<userTask id="cancel_flight" isForCompensation="true"><extensionElements><zeebe:assignmentDefinition candidateGroups="staff"/></extensionElements></userTask>"#.to_owned(),
        r#"<association id="a_hotel" sourceRef="undo_hotel" targetRef="cancel_hotel"/>"#.to_owned(),
        r#"<association id="a_flight" sourceRef="undo_flight" targetRef="cancel_flight"/>"#.to_owned(),
        throw.to_owned(),
        flow("start", "book_hotel"),
        flow("book_hotel", "book_flight"),
        flow("book_flight", "rollback"),
    ];
    model(key, &body.join("\n"))
}

const BOOKED: [&str; 10] = [
    "start:activated",
    "start:completed",
    "start_book_hotel:taken",
    "book_hotel:activated",
    "book_hotel:completed",
    "book_hotel_book_flight:taken",
    "book_flight:activated",
    "book_flight:completed",
    "book_flight_rollback:taken",
    "rollback:activated",
];

#[tokio::test]
async fn compensation_throw_runs_every_handler_in_reverse_order_and_waits_for_them() {
    let throw = [
        r#"<intermediateThrowEvent id="rollback"><compensateEventDefinition/></intermediateThrowEvent><endEvent id="end"/>"#.to_owned(),
        flow("rollback", "end"),
    ];
    let h = Harness::new().await;
    h.deploy(&trip_model("trip", &throw.join("\n"))).await;
    let inst = h.start("trip", json!({})).await;
    assert_eq!(active(&inst), ["cancel_flight", "rollback"]);
    h.complete_task(&inst.id, "cancel_flight", json!({})).await;
    assert_eq!(h.instance(&inst.id).await.state, "completed");
    let mut started = vec!["trip:activated"];
    started.extend(BOOKED);
    started.extend([
        "cancel_flight:activated",
        "cancel_hotel:activated",
        "cancel_hotel:completed",
    ]);
    h.assert_trail(
        &inst.id,
        &[
            ("instance_started", &started),
            (
                "task_completed",
                &[
                    "cancel_flight:completed",
                    "rollback:completed",
                    "rollback_end:taken",
                    "end:activated",
                    "end:completed",
                    "trip:completed",
                ],
            ),
        ],
    )
    .await;
}

#[tokio::test]
async fn compensation_end_event_compensates_the_activity_it_names() {
    let throw = r#"<endEvent id="rollback"><compensateEventDefinition activityRef="book_hotel"/></endEvent>"#;
    let h = Harness::new().await;
    h.deploy(&trip_model("hotel_only", throw)).await;
    let inst = h.start("hotel_only", json!({})).await;
    assert_eq!(inst.state, "completed");
    let mut started = vec!["hotel_only:activated"];
    started.extend(BOOKED);
    started.extend([
        "cancel_hotel:activated",
        "cancel_hotel:completed",
        "rollback:completed",
        "hotel_only:completed",
    ]);
    h.assert_trail(&inst.id, &[("instance_started", &started)])
        .await;
}

#[tokio::test]
async fn compensation_models_are_checked_at_deploy() {
    let h = Harness::new().await;
    let unassociated = trip_model(
        "bad_trip",
        r#"<endEvent id="rollback"><compensateEventDefinition activityRef="nowhere"/></endEvent>"#,
    )
    .replace(
        r#"<association id="a_hotel" sourceRef="undo_hotel" targetRef="cancel_hotel"/>"#,
        "",
    );
    assert_eq!(
        h.deploy_errors(&unassociated).await,
        [
            "compensation boundary event undo_hotel needs an association to a compensation handler",
            "activityRef \"nowhere\" of rollback does not name an activity of its scope"
        ]
    );
}

// ----- transactions -----------------------------------------------------------------------------

/// A transaction `tx`: `book_hotel` and `book_flight` (tasks with handlers `cancel_hotel`, a task,
/// and `cancel_flight`, a user task), then the user task `review`; `ok` leads to its end, else
/// to the cancel end event `abort`. The cancel boundary `cancelled` leads to `notify`; a job of
/// `pay` throws errors caught by the error boundary `failed`.
fn transaction_model(key: &str) -> String {
    let body = [
        r#"<startEvent id="start"/><endEvent id="done"/><endEvent id="notified"/><endEvent id="given_up"/>"#.to_owned(),
        r#"<transaction id="tx"><startEvent id="tx_start"/><task id="book_hotel"/><task id="book_flight"/>"#.to_owned(),
        r#"<boundaryEvent id="undo_hotel" attachedToRef="book_hotel"><compensateEventDefinition/></boundaryEvent>"#.to_owned(),
        r#"<boundaryEvent id="undo_flight" attachedToRef="book_flight"><compensateEventDefinition/></boundaryEvent>"#.to_owned(),
        r#"<task id="cancel_hotel" isForCompensation="true"/>"#.to_owned(),
        user_task("cancel_flight").replace("<userTask id=\"cancel_flight\"", "<userTask id=\"cancel_flight\" isForCompensation=\"true\""),
        r#"<association id="a_hotel" sourceRef="undo_hotel" targetRef="cancel_hotel"/>"#.to_owned(),
        r#"<association id="a_flight" sourceRef="undo_flight" targetRef="cancel_flight"/>"#.to_owned(),
        service("pay"),
        user_task("review"),
        r#"<exclusiveGateway id="ok" default="ok_abort"/><endEvent id="tx_end"/><endEvent id="abort"><cancelEventDefinition/></endEvent>"#.to_owned(),
        flow("tx_start", "book_hotel"),
        flow("book_hotel", "book_flight"),
        flow("book_flight", "pay"),
        flow("pay", "review"),
        flow("review", "ok"),
        cond("ok", "tx_end", "=approved"),
        flow("ok", "abort"),
        "</transaction>".to_owned(),
        r#"<boundaryEvent id="cancelled" attachedToRef="tx"><cancelEventDefinition/></boundaryEvent>"#.to_owned(),
        r#"<boundaryEvent id="failed" attachedToRef="tx"><errorEventDefinition errorRef="NO_FUNDS"/></boundaryEvent>"#.to_owned(),
        r#"<task id="notify"/>"#.to_owned(),
        flow("start", "tx"),
        flow("tx", "done"),
        flow("cancelled", "notify"),
        flow("notify", "notified"),
        flow("failed", "given_up"),
    ];
    model(key, &body.join("\n"))
}

const TX_BOOKED: [&str; 15] = [
    "trip:activated",
    "start:activated",
    "start:completed",
    "start_tx:taken",
    "tx:activated",
    "tx_start:activated",
    "tx_start:completed",
    "tx_start_book_hotel:taken",
    "book_hotel:activated",
    "book_hotel:completed",
    "book_hotel_book_flight:taken",
    "book_flight:activated",
    "book_flight:completed",
    "book_flight_pay:taken",
    "pay:activated",
];

#[tokio::test]
async fn cancel_end_event_compensates_the_transaction_and_leaves_through_its_cancel_boundary() {
    let h = Harness::new().await;
    h.deploy(&transaction_model("trip")).await;
    let inst = h.start("trip", json!({})).await;
    let job = h.jobs("pay").await;
    h.complete_job(&job[0], json!({})).await;
    h.complete_task(&inst.id, "review", json!({"approved": false}))
        .await;
    // Everything else in the transaction ended; the handlers run in reverse order.
    assert_eq!(
        active(&h.instance(&inst.id).await),
        ["abort", "cancel_flight", "tx"]
    );
    h.complete_task(&inst.id, "cancel_flight", json!({})).await;
    assert_eq!(h.instance(&inst.id).await.state, "completed");
    h.assert_trail(
        &inst.id,
        &[
            ("instance_started", &TX_BOOKED),
            (
                "job_completed",
                &["pay:completed", "pay_review:taken", "review:activated"],
            ),
            (
                "task_completed",
                &[
                    "review:completed",
                    "review_ok:taken",
                    "ok:activated",
                    "ok:completed",
                    "ok_abort:taken",
                    "abort:activated",
                    "cancel_flight:activated",
                    "cancel_hotel:activated",
                    "cancel_hotel:completed",
                ],
            ),
            (
                "task_completed",
                &[
                    "cancel_flight:completed",
                    "abort:completed",
                    "tx:terminated",
                    "cancelled:activated",
                    "cancelled:completed",
                    "cancelled_notify:taken",
                    "notify:activated",
                    "notify:completed",
                    "notify_notified:taken",
                    "notified:activated",
                    "notified:completed",
                    "trip:completed",
                ],
            ),
        ],
    )
    .await;
}

#[tokio::test]
async fn transaction_completes_normally_and_its_error_boundary_catches_like_a_sub_process() {
    let h = Harness::new().await;
    h.deploy(&transaction_model("trip")).await;
    let approved = h.start("trip", json!({})).await;
    let job = h.jobs("pay").await;
    h.complete_job(&job[0], json!({})).await;
    h.complete_task(&approved.id, "review", json!({"approved": true}))
        .await;
    let view = h.instance(&approved.id).await;
    assert_eq!(view.state, "completed");
    let trail = h.trail(&approved.id).await;
    let last = &trail.last().unwrap().1;
    assert_eq!(
        &last[last.len() - 6..],
        [
            "tx_end:completed",
            "tx:completed",
            "tx_done:taken",
            "done:activated",
            "done:completed",
            "trip:completed"
        ]
    );

    let failing = h.start("trip", json!({})).await;
    let job = h.jobs("pay").await;
    h.throw_job_error(&job[0], "NO_FUNDS", "card declined", json!({}))
        .await;
    assert_eq!(h.instance(&failing.id).await.state, "completed");
    let trail = h.trail(&failing.id).await;
    assert_eq!(
        trail.last().unwrap().1,
        [
            "pay:terminated",
            "tx:terminated",
            "failed:activated",
            "failed:completed",
            "failed_given_up:taken",
            "given_up:activated",
            "given_up:completed",
            "trip:completed"
        ]
    );
}

#[tokio::test]
async fn cancel_events_are_checked_at_deploy() {
    let h = Harness::new().await;
    let without_boundary = transaction_model("bad_tx").replace(
        r#"<boundaryEvent id="cancelled" attachedToRef="tx"><cancelEventDefinition/></boundaryEvent>"#,
        "",
    ).replace(&flow("cancelled", "notify"), "");
    assert_eq!(
        h.deploy_errors(&without_boundary).await,
        ["cancel end event abort needs a cancel boundary event on transaction tx"]
    );
}

#[tokio::test]
async fn compensating_a_completed_sub_process_compensates_its_inner_activities_in_reverse() {
    let body = [
        r#"<startEvent id="start"/><endEvent id="end"/>"#.to_owned(),
        r#"<subProcess id="trip"><startEvent id="trip_start"/><task id="book_hotel"/><task id="book_flight"/><endEvent id="trip_end"/>"#.to_owned(),
        r#"<boundaryEvent id="undo_hotel" attachedToRef="book_hotel"><compensateEventDefinition/></boundaryEvent>"#.to_owned(),
        r#"<boundaryEvent id="undo_flight" attachedToRef="book_flight"><compensateEventDefinition/></boundaryEvent>"#.to_owned(),
        r#"<task id="cancel_hotel" isForCompensation="true"/><task id="cancel_flight" isForCompensation="true"/>"#.to_owned(),
        r#"<association id="a_hotel" sourceRef="undo_hotel" targetRef="cancel_hotel"/>"#.to_owned(),
        r#"<association id="a_flight" sourceRef="undo_flight" targetRef="cancel_flight"/>"#.to_owned(),
        flow("trip_start", "book_hotel"),
        flow("book_hotel", "book_flight"),
        flow("book_flight", "trip_end"),
        "</subProcess>".to_owned(),
        r#"<intermediateThrowEvent id="rollback"><compensateEventDefinition/></intermediateThrowEvent>"#.to_owned(),
        flow("start", "trip"),
        flow("trip", "rollback"),
        flow("rollback", "end"),
    ];
    let h = Harness::new().await;
    h.deploy(&model("nested_trip", &body.join("\n"))).await;
    let inst = h.start("nested_trip", json!({})).await;
    assert_eq!(inst.state, "completed");
    h.assert_trail(
        &inst.id,
        &[(
            "instance_started",
            &[
                "nested_trip:activated",
                "start:activated",
                "start:completed",
                "start_trip:taken",
                "trip:activated",
                "trip_start:activated",
                "trip_start:completed",
                "trip_start_book_hotel:taken",
                "book_hotel:activated",
                "book_hotel:completed",
                "book_hotel_book_flight:taken",
                "book_flight:activated",
                "book_flight:completed",
                "book_flight_trip_end:taken",
                "trip_end:activated",
                "trip_end:completed",
                "trip:completed",
                "trip_rollback:taken",
                "rollback:activated",
                // The sub-process is re-created to run its inner handlers, last completed first.
                "trip:activated",
                "cancel_flight:activated",
                "cancel_flight:completed",
                "cancel_hotel:activated",
                "cancel_hotel:completed",
                "trip:completed",
                "rollback:completed",
                "rollback_end:taken",
                "end:activated",
                "end:completed",
                "nested_trip:completed",
            ],
        )],
    )
    .await;
}

#[tokio::test]
async fn compensation_event_sub_process_runs_when_its_sub_process_is_compensated() {
    let body = [
        r#"<startEvent id="start"/><endEvent id="end"/>"#.to_owned(),
        r#"<subProcess id="trip"><startEvent id="trip_start"/>"#.to_owned(),
        user_task("book"),
        r#"<endEvent id="trip_end"/>"#.to_owned(),
        r#"<subProcess id="undo" triggeredByEvent="true"><startEvent id="undo_start"><compensateEventDefinition/></startEvent>"#.to_owned(),
        user_task("unbook"),
        r#"<endEvent id="undo_end"/>"#.to_owned(),
        flow("undo_start", "unbook"),
        flow("unbook", "undo_end"),
        "</subProcess>".to_owned(),
        flow("trip_start", "book"),
        flow("book", "trip_end"),
        "</subProcess>".to_owned(),
        r#"<endEvent id="rollback"><compensateEventDefinition/></endEvent>"#.to_owned(),
        flow("start", "trip"),
        flow("trip", "rollback"),
    ];
    let h = Harness::new().await;
    h.deploy(&model("esp_trip", &body.join("\n"))).await;
    let inst = h.start("esp_trip", json!({})).await;
    h.complete_task(&inst.id, "book", json!({})).await;
    assert_eq!(
        active(&h.instance(&inst.id).await),
        ["rollback", "trip", "unbook", "undo"]
    );
    h.complete_task(&inst.id, "unbook", json!({})).await;
    assert_eq!(h.instance(&inst.id).await.state, "completed");
    h.assert_trail(
        &inst.id,
        &[
            (
                "instance_started",
                &[
                    "esp_trip:activated",
                    "start:activated",
                    "start:completed",
                    "start_trip:taken",
                    "trip:activated",
                    "trip_start:activated",
                    "trip_start:completed",
                    "trip_start_book:taken",
                    "book:activated",
                ],
            ),
            (
                "task_completed",
                &[
                    "book:completed",
                    "book_trip_end:taken",
                    "trip_end:activated",
                    "trip_end:completed",
                    "trip:completed",
                    "trip_rollback:taken",
                    "rollback:activated",
                    "trip:activated",
                    "undo:activated",
                    "undo_start:activated",
                    "undo_start:completed",
                    "undo_start_unbook:taken",
                    "unbook:activated",
                ],
            ),
            (
                "task_completed",
                &[
                    "unbook:completed",
                    "unbook_undo_end:taken",
                    "undo_end:activated",
                    "undo_end:completed",
                    "undo:completed",
                    "trip:completed",
                    "rollback:completed",
                    "esp_trip:completed",
                ],
            ),
        ],
    )
    .await;
}

// ----- conditional events -----------------------------------------------------------------------

#[tokio::test]
async fn conditional_catch_event_waits_until_a_variable_change_makes_it_true() {
    let body = [
        r#"<startEvent id="start"/><endEvent id="end"/>"#.to_owned(),
        r#"<intermediateCatchEvent id="wait"><conditionalEventDefinition><condition>=x &gt; 1</condition></conditionalEventDefinition></intermediateCatchEvent>"#.to_owned(),
        user_task("after"),
        flow("start", "wait"),
        flow("wait", "after"),
        flow("after", "end"),
    ];
    let h = Harness::new().await;
    h.deploy(&model("until", &body.join("\n"))).await;
    let waiting = h.start("until", json!({"x": 0})).await;
    assert_eq!(active(&waiting), ["wait"]);
    h.engine
        .set_variables(&waiting.id, vars(json!({"y": 7})), &admin())
        .await
        .unwrap();
    assert_eq!(active(&h.instance(&waiting.id).await), ["wait"]);
    h.engine
        .set_variables(&waiting.id, vars(json!({"x": 5})), &admin())
        .await
        .unwrap();
    assert_eq!(active(&h.instance(&waiting.id).await), ["after"]);
    h.assert_trail(
        &waiting.id,
        &[
            (
                "instance_started",
                &[
                    "until:activated",
                    "start:activated",
                    "start:completed",
                    "start_wait:taken",
                    "wait:activated",
                ],
            ),
            ("variables_set", &[]),
            (
                "variables_set",
                &["wait:completed", "wait_after:taken", "after:activated"],
            ),
        ],
    )
    .await;
    // A condition that already holds passes at once.
    let passing = h.start("until", json!({"x": 2})).await;
    assert_eq!(active(&passing), ["after"]);
}

/// `work` (a user task) with an interrupting conditional boundary event `stop` (`${stop}`) and a
/// non-interrupting one `nudge` (`=nudge`, only on changes of `nudge`), in a process with a
/// non-interrupting conditional event sub-process `watch` (`=level > 2`).
fn conditional_model() -> String {
    let body = [
        r#"<startEvent id="start"/><endEvent id="end"/><endEvent id="stopped"/><endEvent id="nudged"/>"#.to_owned(),
        user_task("work"),
        r#"<boundaryEvent id="stop" attachedToRef="work"><conditionalEventDefinition><condition>${stop}</condition></conditionalEventDefinition></boundaryEvent>"#.to_owned(),
        r#"<boundaryEvent id="nudge" attachedToRef="work" cancelActivity="false"><conditionalEventDefinition camunda:variableName="nudge"><condition>=nudge</condition></conditionalEventDefinition></boundaryEvent>"#.to_owned(),
        event_sub(
            "watch",
            false,
            r#"<conditionalEventDefinition><condition>=level &gt; 2</condition></conditionalEventDefinition>"#,
            r#"<task id="alarm"/>"#,
            "alarm",
        ),
        flow("start", "work"),
        flow("work", "end"),
        flow("stop", "stopped"),
        flow("nudge", "nudged"),
    ];
    model("watched", &body.join("\n"))
}

#[tokio::test]
async fn conditional_boundary_events_and_event_sub_processes_fire_on_variable_changes() {
    let h = Harness::new().await;
    h.deploy(&conditional_model()).await;
    let inst = h
        .start(
            "watched",
            json!({"stop": false, "nudge": false, "level": 0}),
        )
        .await;
    assert_eq!(active(&inst), ["work"]);
    let set = |v: Value| {
        let engine = &h.engine;
        let id = inst.id.clone();
        async move {
            engine.set_variables(&id, vars(v), &admin()).await.unwrap();
        }
    };
    set(json!({"nudge": true})).await;
    // Another variable: `nudge` is filtered on its own name, `watch` stays false.
    set(json!({"level": 1})).await;
    set(json!({"level": 3})).await;
    // Still above 2 after a change: the non-interrupting event sub-process starts again.
    set(json!({"level": 4})).await;
    set(json!({"stop": true, "level": 0})).await;
    assert_eq!(h.instance(&inst.id).await.state, "completed");
    let watch = [
        "watch:activated",
        "watch_start:activated",
        "watch_start:completed",
        "watch_start_alarm:taken",
        "alarm:activated",
        "alarm:completed",
        "alarm_watch_end:taken",
        "watch_end:activated",
        "watch_end:completed",
        "watch:completed",
    ];
    h.assert_trail(
        &inst.id,
        &[
            (
                "instance_started",
                &[
                    "watched:activated",
                    "start:activated",
                    "start:completed",
                    "start_work:taken",
                    "work:activated",
                ],
            ),
            (
                "variables_set",
                &[
                    "nudge:activated",
                    "nudge:completed",
                    "nudge_nudged:taken",
                    "nudged:activated",
                    "nudged:completed",
                ],
            ),
            ("variables_set", &[]),
            ("variables_set", &watch),
            ("variables_set", &watch),
            (
                "variables_set",
                &[
                    "work:terminated",
                    "stop:activated",
                    "stop:completed",
                    "stop_stopped:taken",
                    "stopped:activated",
                    "stopped:completed",
                    "watched:completed",
                ],
            ),
        ],
    )
    .await;
}

#[tokio::test]
async fn conditional_boundary_event_that_holds_when_its_activity_starts_fires_at_once() {
    let h = Harness::new().await;
    h.deploy(&conditional_model()).await;
    let inst = h
        .start("watched", json!({"stop": true, "nudge": false, "level": 0}))
        .await;
    assert_eq!(inst.state, "completed");
    assert_eq!(
        h.trail(&inst.id).await[0].1,
        [
            "watched:activated",
            "start:activated",
            "start:completed",
            "start_work:taken",
            "work:activated",
            "work:terminated",
            "stop:activated",
            "stop:completed",
            "stop_stopped:taken",
            "stopped:activated",
            "stopped:completed",
            "watched:completed",
        ]
    );
    // A condition that is not a boolean is an incident on the activity.
    let broken = h
        .start(
            "watched",
            json!({"stop": "yes", "nudge": false, "level": 0}),
        )
        .await;
    let incidents = h.open_incidents(&broken.id).await;
    assert_eq!(incidents.len(), 1);
    assert_eq!(incidents[0].element_id, "work");
    assert!(
        incidents[0].message.contains("condition of 'stop'"),
        "{}",
        incidents[0].message
    );
}

// ----- ad-hoc sub-processes -------------------------------------------------------------------

#[tokio::test]
async fn ad_hoc_sub_process_starts_its_free_activities_and_stops_at_its_completion_condition() {
    let body = [
        r#"<startEvent id="start"/><endEvent id="end"/>"#.to_owned(),
        r#"<adHocSubProcess id="todo"><completionCondition>=done</completionCondition>"#.to_owned(),
        user_task("shop"),
        user_task("clean"),
        r#"<task id="cook"/>"#.to_owned(),
        user_task("serve"),
        flow("cook", "serve"),
        "</adHocSubProcess>".to_owned(),
        flow("start", "todo"),
        flow("todo", "end"),
    ];
    let h = Harness::new().await;
    h.deploy(&model("chores", &body.join("\n"))).await;
    let inst = h.start("chores", json!({"done": false})).await;
    assert_eq!(active(&inst), ["clean", "serve", "shop", "todo"]);
    h.complete_task(&inst.id, "shop", json!({})).await;
    assert_eq!(
        active(&h.instance(&inst.id).await),
        ["clean", "serve", "todo"]
    );
    h.complete_task(&inst.id, "serve", json!({"done": true}))
        .await;
    assert_eq!(h.instance(&inst.id).await.state, "completed");
    h.assert_trail(
        &inst.id,
        &[
            (
                "instance_started",
                &[
                    "chores:activated",
                    "start:activated",
                    "start:completed",
                    "start_todo:taken",
                    "todo:activated",
                    "shop:activated",
                    "clean:activated",
                    "cook:activated",
                    "cook:completed",
                    "cook_serve:taken",
                    "serve:activated",
                ],
            ),
            ("task_completed", &["shop:completed"]),
            (
                "task_completed",
                &[
                    "serve:completed",
                    "clean:terminated",
                    "todo:completed",
                    "todo_end:taken",
                    "end:activated",
                    "end:completed",
                    "chores:completed",
                ],
            ),
        ],
    )
    .await;
}

// ----- boundary event flows ---------------------------------------------------------------------

#[tokio::test]
async fn boundary_event_paths_may_end_at_once_or_split_in_parallel() {
    let body = [
        r#"<startEvent id="start"/><endEvent id="end"/><task id="x"/><task id="y"/><endEvent id="x_end"/><endEvent id="y_end"/>"#.to_owned(),
        user_task("work"),
        r#"<boundaryEvent id="remind" attachedToRef="work" cancelActivity="false"><timerEventDefinition><timeDuration>PT1H</timeDuration></timerEventDefinition></boundaryEvent>"#.to_owned(),
        r#"<boundaryEvent id="abort" attachedToRef="work"><messageEventDefinition messageRef="m_abort"/></boundaryEvent>"#.to_owned(),
        flow("start", "work"),
        flow("work", "end"),
        flow("abort", "x"),
        flow("abort", "y"),
        flow("x", "x_end"),
        flow("y", "y_end"),
    ];
    let h = Harness::new().await;
    h.deploy(&model_with(
        "split",
        r#"<message id="m_abort" name="abort"/>"#,
        &body.join("\n"),
    ))
    .await;
    let inst = h.start("split", json!({})).await;
    assert_eq!(h.advance(60 * MINUTE).await, 1);
    assert_eq!(active(&h.instance(&inst.id).await), ["work"]);
    h.correlate("abort", "split", json!({})).await.unwrap();
    assert_eq!(h.instance(&inst.id).await.state, "completed");
    h.assert_trail(
        &inst.id,
        &[
            (
                "instance_started",
                &[
                    "split:activated",
                    "start:activated",
                    "start:completed",
                    "start_work:taken",
                    "work:activated",
                ],
            ),
            ("timer_fired", &["remind:activated", "remind:completed"]),
            (
                "message_correlated",
                &[
                    "work:terminated",
                    "abort:activated",
                    "abort:completed",
                    "abort_x:taken",
                    "abort_y:taken",
                    "x:activated",
                    "x:completed",
                    "x_x_end:taken",
                    "y:activated",
                    "y:completed",
                    "y_y_end:taken",
                    "x_end:activated",
                    "x_end:completed",
                    "y_end:activated",
                    "y_end:completed",
                    "split:completed",
                ],
            ),
        ],
    )
    .await;
}

#[tokio::test]
async fn error_ref_naming_no_error_element_is_the_error_code() {
    let body = [
        r#"<startEvent id="start"/><endEvent id="end"/><endEvent id="caught_end"/>"#.to_owned(),
        r#"<subProcess id="sub"><startEvent id="sub_start"/><endEvent id="fail"><errorEventDefinition errorRef="E_LATE"/></endEvent>"#.to_owned(),
        flow("sub_start", "fail"),
        "</subProcess>".to_owned(),
        r#"<boundaryEvent id="other" attachedToRef="sub"><errorEventDefinition errorRef="E_OTHER"/></boundaryEvent>"#.to_owned(),
        r#"<boundaryEvent id="late" attachedToRef="sub"><errorEventDefinition errorRef="E_LATE"/></boundaryEvent>"#.to_owned(),
        flow("start", "sub"),
        flow("sub", "end"),
        flow("other", "end"),
        flow("late", "caught_end"),
    ];
    let h = Harness::new().await;
    h.deploy(&model("codes", &body.join("\n"))).await;
    let inst = h.start("codes", json!({})).await;
    assert_eq!(inst.state, "completed");
    let trail = h.trail(&inst.id).await;
    assert_eq!(
        trail[0].1[trail[0].1.len() - 7..],
        [
            "sub:terminated",
            "late:activated",
            "late:completed",
            "late_caught_end:taken",
            "caught_end:activated",
            "caught_end:completed",
            "codes:completed"
        ]
    );
}

#[tokio::test]
async fn compensating_a_multi_instance_sub_process_compensates_each_inner_instance() {
    let body = [
        r#"<startEvent id="start"/><endEvent id="end"/>"#.to_owned(),
        r#"<subProcess id="rooms"><multiInstanceLoopCharacteristics isSequential="true"><loopCardinality>2</loopCardinality></multiInstanceLoopCharacteristics>"#.to_owned(),
        r#"<startEvent id="rooms_start"/><task id="book"/><endEvent id="rooms_end"/>"#.to_owned(),
        r#"<boundaryEvent id="undo" attachedToRef="book"><compensateEventDefinition/></boundaryEvent>"#.to_owned(),
        r#"<task id="unbook" isForCompensation="true"/>"#.to_owned(),
        r#"<association id="a_undo" sourceRef="undo" targetRef="unbook"/>"#.to_owned(),
        flow("rooms_start", "book"),
        flow("book", "rooms_end"),
        "</subProcess>".to_owned(),
        r#"<intermediateThrowEvent id="rollback"><compensateEventDefinition activityRef="rooms"/></intermediateThrowEvent>"#.to_owned(),
        flow("start", "rooms"),
        flow("rooms", "rollback"),
        flow("rollback", "end"),
    ];
    let h = Harness::new().await;
    h.deploy(&model("hotel", &body.join("\n"))).await;
    let inst = h.start("hotel", json!({})).await;
    assert_eq!(inst.state, "completed");
    let iteration = [
        "rooms:activated",
        "rooms_start:activated",
        "rooms_start:completed",
        "rooms_start_book:taken",
        "book:activated",
        "book:completed",
        "book_rooms_end:taken",
        "rooms_end:activated",
        "rooms_end:completed",
        "rooms:completed",
    ];
    let undone = ["unbook:activated", "unbook:completed", "rooms:completed"];
    let mut expected = vec![
        "hotel:activated",
        "start:activated",
        "start:completed",
        "start_rooms:taken",
        "rooms[body]:activated",
    ];
    expected.extend(iteration);
    expected.extend(iteration);
    expected.extend([
        "rooms[body]:completed",
        "rooms_rollback:taken",
        "rollback:activated",
    ]);
    // One re-created instance per inner instance, the last completed first, all started at once.
    expected.extend(["rooms:activated", "rooms:activated"]);
    expected.extend(undone);
    expected.extend(undone);
    expected.extend([
        "rollback:completed",
        "rollback_end:taken",
        "end:activated",
        "end:completed",
        "hotel:completed",
    ]);
    h.assert_trail(&inst.id, &[("instance_started", &expected)])
        .await;
}
