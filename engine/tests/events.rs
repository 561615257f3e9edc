//! Throw and catch events end to end through the `Engine` façade: message throw and end events
//! (a job, or a publication inside the engine), signals and messages reaching the throwing
//! instance at the moment of the throw, events with several event definitions (any one, or with
//! `parallelMultiple` all), conditional events after an event-based gateway, an event-based
//! gateway with two flows to one event, and a terminate end event inside an event sub-process.
//! Each test asserts the exact element transitions of the audit trail (`element_id:event`, per
//! record).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, dead_code)] // test code

mod support;

use support::*;

const MESSAGES: &str = r#"<message id="m_ping" name="ping"/><message id="m_pong" name="pong"/>
<message id="m_paid" name="paid"><extensionElements><zeebe:subscription correlationKey="=orderId"/></extensionElements></message>
<signal id="s_alarm" name="alarm"/>"#;

const PING: &str = r#"<messageEventDefinition messageRef="m_ping"/>"#;
const PONG: &str = r#"<messageEventDefinition messageRef="m_pong"/>"#;
const PAID: &str = r#"<messageEventDefinition messageRef="m_paid"/>"#;
const ALARM: &str = r#"<signalEventDefinition signalRef="s_alarm"/>"#;
const HOUR_TIMER: &str =
    r#"<timerEventDefinition><timeDuration>PT1H</timeDuration></timerEventDefinition>"#;
const HOUR: i64 = 3_600_000;

fn events_model(id: &str, body: &[String]) -> String {
    model_with(id, MESSAGES, &body.join("\n"))
}

/// An event sub-process `id` started by `definition`, running `inner` (its one node `inner_id`).
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

/// `start → wait (a catch event of `definition`) → end`.
fn catcher(definition: &str) -> Vec<String> {
    vec![
        format!(
            r#"<startEvent id="start"/><intermediateCatchEvent id="wait">{definition}</intermediateCatchEvent><endEvent id="end"/>"#
        ),
        flow("start", "wait"),
        flow("wait", "end"),
    ]
}

const CATCHER_STARTED: &[&str] = &[
    "catcher:activated",
    "start:activated",
    "start:completed",
    "start_wait:taken",
    "wait:activated",
];

const CATCHER_DONE: &[&str] = &[
    "wait:completed",
    "wait_end:taken",
    "end:activated",
    "end:completed",
    "catcher:completed",
];

// ----- message throw events ---------------------------------------------------------------------

#[tokio::test]
async fn message_throw_event_publishes_to_the_instance_with_the_same_business_key() {
    let h = Harness::new().await;
    h.deploy(&events_model("catcher", &catcher(PING))).await;
    let thrower = [
        format!(
            r#"<startEvent id="start"/><intermediateThrowEvent id="send"><extensionElements><zeebe:ioMapping><zeebe:input source="=amount * 2" target="total"/></zeebe:ioMapping></extensionElements>{PING}</intermediateThrowEvent><endEvent id="end"/>"#
        ),
        flow("start", "send"),
        flow("send", "end"),
    ];
    h.deploy(&events_model("thrower", &thrower)).await;
    let other = h.start_keyed("catcher", "order-2", json!({})).await;
    let waiting = h.start_keyed("catcher", "order-1", json!({})).await;
    let thrown = h
        .start_keyed("thrower", "order-1", json!({"amount": 21}))
        .await;
    assert_eq!(thrown.state, "completed");
    let view = h.instance(&waiting.id).await;
    assert_eq!(view.state, "completed");
    assert_eq!(view.variables["total"], json!(42));
    // Another business key: not reached.
    assert_eq!(active(&h.instance(&other.id).await), ["wait"]);
    h.assert_trail(
        &thrown.id,
        &[(
            "instance_started",
            &[
                "thrower:activated",
                "start:activated",
                "start:completed",
                "start_send:taken",
                "send:activated",
                "send:completed",
                "send_end:taken",
                "end:activated",
                "end:completed",
                "thrower:completed",
            ],
        )],
    )
    .await;
    h.assert_trail(
        &waiting.id,
        &[
            ("instance_started", CATCHER_STARTED),
            ("message_correlated", CATCHER_DONE),
        ],
    )
    .await;
    // The correlation record names the thrower.
    let audit = h.engine.instance_audit(&waiting.id).await.unwrap();
    assert_eq!(audit[1].data["thrown_by"], json!(thrown.id));
    assert_eq!(audit[1].data["message_name"], json!("ping"));
}

#[tokio::test]
async fn a_thrown_message_nothing_takes_is_dropped_or_buffered_for_its_time_to_live() {
    let h = Harness::new().await;
    let thrower = [
        r#"<startEvent id="start"/><endEvent id="send"><messageEventDefinition messageRef="m_paid"><extensionElements><zeebe:publishMessage correlationKey="=order" timeToLive="PT1H"/></extensionElements></messageEventDefinition></endEvent>"#.to_owned(),
        flow("start", "send"),
    ];
    h.deploy(&events_model("payer", &thrower)).await;
    let dropper = [
        format!(r#"<startEvent id="start"/><endEvent id="send">{PONG}</endEvent>"#),
        flow("start", "send"),
    ];
    h.deploy(&events_model("dropper", &dropper)).await;
    h.deploy(&events_model("catcher", &catcher(PAID))).await;
    h.deploy(&events_model("ponger", &catcher(PONG))).await;
    // Nothing waits: the end event completes anyway, and the messages are gone or kept.
    let paid = h.start("payer", json!({"order": "o-7"})).await;
    assert_eq!(paid.state, "completed");
    let dropped = h.start("dropper", json!({})).await;
    assert_eq!(dropped.state, "completed");
    // The buffered message reaches the catch event that opens with the same correlation key.
    let late = h.start("catcher", json!({"orderId": "o-7"})).await;
    assert_eq!(h.instance(&late.id).await.state, "completed");
    h.assert_trail(
        &late.id,
        &[
            ("instance_started", CATCHER_STARTED),
            ("message_correlated", CATCHER_DONE),
        ],
    )
    .await;
    // Without a time to live the message was not kept.
    let pong = h.start_keyed("ponger", "bk-dropper", json!({})).await;
    assert_eq!(active(&h.instance(&pong.id).await), ["wait"]);
    // Once the hour is over, the buffered message no longer waits either.
    h.advance(HOUR + 1).await;
    let too_late = h.start("catcher", json!({"orderId": "o-7"})).await;
    assert_eq!(active(&h.instance(&too_late.id).await), ["wait"]);
}

#[tokio::test]
async fn a_thrown_message_starts_processes_with_the_throwers_business_key() {
    let h = Harness::new().await;
    let started = [
        format!(r#"<startEvent id="begin">{PING}</startEvent><endEvent id="end"/>"#),
        flow("begin", "end"),
    ];
    h.deploy(&events_model("on_ping", &started)).await;
    let thrower = [
        format!(r#"<startEvent id="start"/><endEvent id="send">{PING}</endEvent>"#),
        flow("start", "send"),
    ];
    h.deploy(&events_model("pinger", &thrower)).await;
    h.start_keyed("pinger", "case-9", json!({})).await;
    let on_ping = h.instances_of("on_ping").await;
    assert_eq!(on_ping.len(), 1);
    assert_eq!(on_ping[0].business_key.as_deref(), Some("case-9"));
    h.assert_trail(
        &on_ping[0].id,
        &[(
            "instance_started",
            &[
                "on_ping:activated",
                "begin:activated",
                "begin:completed",
                "begin_end:taken",
                "end:activated",
                "end:completed",
                "on_ping:completed",
            ],
        )],
    )
    .await;
}

#[tokio::test]
async fn message_throw_and_end_events_with_a_job_definition_are_jobs() {
    let h = Harness::new().await;
    let body = [
        format!(
            r#"<startEvent id="start"/><intermediateThrowEvent id="notify"><extensionElements><zeebe:taskDefinition type="notify"/></extensionElements>{PING}</intermediateThrowEvent>"#
        ),
        r#"<endEvent id="done"><messageEventDefinition messageRef="m_pong" camunda:type="external" camunda:topic="mail"/></endEvent>"#.to_owned(),
        flow("start", "notify"),
        flow("notify", "done"),
    ];
    h.deploy(&events_model("jobs", &body)).await;
    // A catch event for the message: a job publishes nothing by itself.
    h.deploy(&events_model("catcher", &catcher(PING))).await;
    let waiting = h.start_keyed("catcher", "same", json!({})).await;
    let inst = h.start_keyed("jobs", "same", json!({})).await;
    assert_eq!(active(&inst), ["notify"]);
    let jobs = h.jobs("notify").await;
    assert_eq!(jobs.len(), 1);
    h.complete_job(&jobs[0], json!({"sent": true})).await;
    let mail = h.jobs("mail").await;
    assert_eq!(mail.len(), 1);
    assert_eq!(mail[0].element_id, "done");
    h.complete_job(&mail[0], json!({})).await;
    let view = h.instance(&inst.id).await;
    assert_eq!(view.state, "completed");
    assert_eq!(view.variables["sent"], json!(true));
    assert_eq!(active(&h.instance(&waiting.id).await), ["wait"]);
    h.assert_trail(
        &inst.id,
        &[
            (
                "instance_started",
                &[
                    "jobs:activated",
                    "start:activated",
                    "start:completed",
                    "start_notify:taken",
                    "notify:activated",
                ],
            ),
            (
                "job_completed",
                &["notify:completed", "notify_done:taken", "done:activated"],
            ),
            ("job_completed", &["done:completed", "jobs:completed"]),
        ],
    )
    .await;
}

#[tokio::test]
async fn a_thrown_message_reaches_its_own_instance_at_the_throw() {
    let h = Harness::new().await;
    // The throw happens on one branch while the other still works: the event sub-process hears
    // it at once; the catch event the other branch opens later does not.
    let body = [
        r#"<startEvent id="start"/><parallelGateway id="fork"/><endEvent id="sent"/><endEvent id="end"/>"#.to_owned(),
        format!(r#"<intermediateThrowEvent id="send">{PING}</intermediateThrowEvent>"#),
        user_task("work"),
        format!(r#"<intermediateCatchEvent id="late">{PING}</intermediateCatchEvent>"#),
        event_sub("heard", false, PING, r#"<task id="note"/>"#, "note"),
        flow("start", "fork"),
        flow("fork", "send"),
        flow("send", "sent"),
        flow("fork", "work"),
        flow("work", "late"),
        flow("late", "end"),
    ];
    h.deploy(&events_model("self", &body)).await;
    let inst = h.start("self", json!({})).await;
    assert_eq!(active(&inst), ["work"]);
    h.complete_task(&inst.id, "work", json!({})).await;
    assert_eq!(active(&h.instance(&inst.id).await), ["late"]);
    h.assert_trail(
        &inst.id,
        &[
            (
                "instance_started",
                &[
                    "self:activated",
                    "start:activated",
                    "start:completed",
                    "start_fork:taken",
                    "fork:activated",
                    "fork:completed",
                    "fork_send:taken",
                    "fork_work:taken",
                    "send:activated",
                    "send:completed",
                    "send_sent:taken",
                    "work:activated",
                    "heard:activated",
                    "sent:activated",
                    "sent:completed",
                    "heard_start:activated",
                    "heard_start:completed",
                    "heard_start_note:taken",
                    "note:activated",
                    "note:completed",
                    "note_heard_end:taken",
                    "heard_end:activated",
                    "heard_end:completed",
                    "heard:completed",
                ],
            ),
            (
                "task_completed",
                &["work:completed", "work_late:taken", "late:activated"],
            ),
        ],
    )
    .await;
}

// ----- signals at the moment of the throw -------------------------------------------------------

#[tokio::test]
async fn a_thrown_signal_reaches_the_waits_open_at_the_throw_only() {
    let h = Harness::new().await;
    // Same shape as the message case: a non-interrupting signal event sub-process hears it, the
    // signal catch event the instance opens later does not.
    let body = [
        r#"<startEvent id="start"/><parallelGateway id="fork"/><endEvent id="sent"/><endEvent id="end"/>"#.to_owned(),
        format!(r#"<intermediateThrowEvent id="shout">{ALARM}</intermediateThrowEvent>"#),
        user_task("work"),
        format!(r#"<intermediateCatchEvent id="late">{ALARM}</intermediateCatchEvent>"#),
        event_sub("heard", false, ALARM, r#"<task id="note"/>"#, "note"),
        flow("start", "fork"),
        flow("fork", "shout"),
        flow("shout", "sent"),
        flow("fork", "work"),
        flow("work", "late"),
        flow("late", "end"),
    ];
    h.deploy(&events_model("alarmed", &body)).await;
    // Another instance waiting for the signal hears it after the throwing step.
    h.deploy(&events_model("catcher", &catcher(ALARM))).await;
    let other = h.start("catcher", json!({})).await;
    let inst = h.start("alarmed", json!({})).await;
    assert_eq!(h.instance(&other.id).await.state, "completed");
    h.complete_task(&inst.id, "work", json!({})).await;
    assert_eq!(active(&h.instance(&inst.id).await), ["late"]);
    h.assert_trail(
        &inst.id,
        &[
            (
                "instance_started",
                &[
                    "alarmed:activated",
                    "start:activated",
                    "start:completed",
                    "start_fork:taken",
                    "fork:activated",
                    "fork:completed",
                    "fork_shout:taken",
                    "fork_work:taken",
                    "shout:activated",
                    "shout:completed",
                    "shout_sent:taken",
                    "work:activated",
                    "heard:activated",
                    "sent:activated",
                    "sent:completed",
                    "heard_start:activated",
                    "heard_start:completed",
                    "heard_start_note:taken",
                    "note:activated",
                    "note:completed",
                    "note_heard_end:taken",
                    "heard_end:activated",
                    "heard_end:completed",
                    "heard:completed",
                ],
            ),
            (
                "task_completed",
                &["work:completed", "work_late:taken", "late:activated"],
            ),
        ],
    )
    .await;
    h.assert_trail(
        &other.id,
        &[
            ("instance_started", CATCHER_STARTED),
            ("signal_received", CATCHER_DONE),
        ],
    )
    .await;
}

#[tokio::test]
async fn a_signal_end_event_starts_its_own_interrupting_event_sub_process() {
    let h = Harness::new().await;
    // SpiffWorkflow's event-subprocess.bpmn, with an end event: the instance has not ended when
    // its own signal arrives, so the event sub-process runs, then the process completes.
    let body = [
        format!(r#"<startEvent id="start"/><endEvent id="shout">{ALARM}</endEvent>"#),
        flow("start", "shout"),
        event_sub("react", true, ALARM, r#"<task id="handle"/>"#, "handle"),
    ];
    h.deploy(&events_model("self_signal", &body)).await;
    let inst = h.start("self_signal", json!({})).await;
    assert_eq!(inst.state, "completed");
    h.assert_trail(
        &inst.id,
        &[(
            "instance_started",
            &[
                "self_signal:activated",
                "start:activated",
                "start:completed",
                "start_shout:taken",
                "shout:activated",
                "shout:terminated",
                "react:activated",
                "react_start:activated",
                "react_start:completed",
                "react_start_handle:taken",
                "handle:activated",
                "handle:completed",
                "handle_react_end:taken",
                "react_end:activated",
                "react_end:completed",
                "react:completed",
                "self_signal:completed",
            ],
        )],
    )
    .await;
}

// ----- events with several event definitions ----------------------------------------------------

#[tokio::test]
async fn a_catch_event_with_several_definitions_occurs_on_the_first() {
    let h = Harness::new().await;
    h.deploy(&events_model(
        "catcher",
        &catcher(&format!("{PING}{ALARM}{HOUR_TIMER}")),
    ))
    .await;
    // A message, a signal or the timer: whichever comes first.
    let by_message = h.start_keyed("catcher", "bk-a", json!({})).await;
    h.correlate("ping", "a", json!({"via": "message"}))
        .await
        .unwrap();
    let view = h.instance(&by_message.id).await;
    assert_eq!(view.state, "completed");
    assert_eq!(view.variables["via"], json!("message"));
    let by_signal = h.start_keyed("catcher", "bk-b", json!({})).await;
    h.engine
        .broadcast_signal("alarm", Map::new(), &admin())
        .await
        .unwrap();
    assert_eq!(h.instance(&by_signal.id).await.state, "completed");
    let by_timer = h.start_keyed("catcher", "bk-c", json!({})).await;
    assert_eq!(h.advance(HOUR).await, 1);
    assert_eq!(h.instance(&by_timer.id).await.state, "completed");
    // The other waits went with the event: nothing is left to take a message.
    assert!(matches!(
        h.correlate("ping", "c", json!({})).await,
        Err(keel_engine::Error::NoSubscription(_))
    ));
    for (id, kind) in [
        (&by_message.id, "message_correlated"),
        (&by_signal.id, "signal_received"),
        (&by_timer.id, "timer_fired"),
    ] {
        h.assert_trail(
            id,
            &[("instance_started", CATCHER_STARTED), (kind, CATCHER_DONE)],
        )
        .await;
    }
}

#[tokio::test]
async fn a_parallel_multiple_catch_event_waits_for_every_definition() {
    let h = Harness::new().await;
    let body = [
        format!(
            r#"<startEvent id="start"/><intermediateCatchEvent id="wait" parallelMultiple="true">{PING}{ALARM}</intermediateCatchEvent><endEvent id="end"/>"#
        ),
        flow("start", "wait"),
        flow("wait", "end"),
    ];
    h.deploy(&events_model("catcher", &body)).await;
    let inst = h.start("catcher", json!({})).await;
    h.correlate("ping", "catcher", json!({"a": 1}))
        .await
        .unwrap();
    let view = h.instance(&inst.id).await;
    assert_eq!(active(&view), ["wait"]);
    assert_eq!(view.variables["a"], json!(1));
    // The message has occurred: a second one is not waited for any more.
    assert!(matches!(
        h.correlate("ping", "catcher", json!({})).await,
        Err(keel_engine::Error::NoSubscription(_))
    ));
    h.engine
        .broadcast_signal("alarm", vars(json!({"b": 2})), &admin())
        .await
        .unwrap();
    let view = h.instance(&inst.id).await;
    assert_eq!(view.state, "completed");
    assert_eq!(view.variables["b"], json!(2));
    h.assert_trail(
        &inst.id,
        &[
            ("instance_started", CATCHER_STARTED),
            ("message_correlated", &[]),
            ("signal_received", CATCHER_DONE),
        ],
    )
    .await;
}

#[tokio::test]
async fn an_operator_trigger_stands_for_every_definition_of_a_multiple_catch_event() {
    let h = Harness::new().await;
    let body = [
        format!(
            r#"<startEvent id="start"/><intermediateCatchEvent id="wait" parallelMultiple="true">{PING}{HOUR_TIMER}</intermediateCatchEvent><endEvent id="end"/>"#
        ),
        flow("start", "wait"),
        flow("wait", "end"),
    ];
    h.deploy(&events_model("catcher", &body)).await;
    let inst = h.start("catcher", json!({})).await;
    h.engine
        .trigger_element(&inst.id, "wait", vars(json!({"by": "operator"})), &admin())
        .await
        .unwrap();
    let view = h.instance(&inst.id).await;
    assert_eq!(view.state, "completed");
    assert_eq!(view.variables["by"], json!("operator"));
    // Its message subscription and its timer went with it.
    assert!(matches!(
        h.correlate("ping", "catcher", json!({})).await,
        Err(keel_engine::Error::NoSubscription(_))
    ));
    assert_eq!(h.advance(2 * HOUR).await, 0);
    h.assert_trail(
        &inst.id,
        &[
            ("instance_started", CATCHER_STARTED),
            ("element_triggered", CATCHER_DONE),
        ],
    )
    .await;
}

#[tokio::test]
async fn a_parallel_multiple_boundary_event_fires_once_all_occurred_and_again() {
    let h = Harness::new().await;
    let body = [
        r#"<startEvent id="start"/><endEvent id="end"/><endEvent id="noted"/><task id="note"/>"#
            .to_owned(),
        user_task("work"),
        format!(
            r#"<boundaryEvent id="both" attachedToRef="work" cancelActivity="false" parallelMultiple="true">{PING}{PONG}</boundaryEvent>"#
        ),
        flow("start", "work"),
        flow("work", "end"),
        flow("both", "note"),
        flow("note", "noted"),
    ];
    h.deploy(&events_model("guarded", &body)).await;
    let inst = h.start("guarded", json!({})).await;
    h.correlate("pong", "guarded", json!({})).await.unwrap();
    h.correlate("ping", "guarded", json!({})).await.unwrap();
    // Fired once; the record starts over, so two more make it fire again.
    h.correlate("ping", "guarded", json!({})).await.unwrap();
    h.correlate("pong", "guarded", json!({})).await.unwrap();
    assert_eq!(active(&h.instance(&inst.id).await), ["work"]);
    let fired = [
        "both:activated",
        "both:completed",
        "both_note:taken",
        "note:activated",
        "note:completed",
        "note_noted:taken",
        "noted:activated",
        "noted:completed",
    ];
    h.assert_trail(
        &inst.id,
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
            ("message_correlated", &[]),
            ("message_correlated", &fired),
            ("message_correlated", &[]),
            ("message_correlated", &fired),
        ],
    )
    .await;
}

#[tokio::test]
async fn an_interrupting_boundary_event_with_a_message_or_a_timer() {
    let h = Harness::new().await;
    let body = [
        r#"<startEvent id="start"/><endEvent id="end"/><endEvent id="stopped"/>"#.to_owned(),
        user_task("work"),
        format!(
            r#"<boundaryEvent id="stop" attachedToRef="work">{PING}{HOUR_TIMER}</boundaryEvent>"#
        ),
        flow("start", "work"),
        flow("work", "end"),
        flow("stop", "stopped"),
    ];
    h.deploy(&events_model("stoppable", &body)).await;
    let by_timer = h.start("stoppable", json!({})).await;
    assert_eq!(h.advance(HOUR).await, 1);
    assert_eq!(h.instance(&by_timer.id).await.state, "completed");
    // Its message subscription went with the task.
    assert!(matches!(
        h.correlate("ping", "stoppable", json!({})).await,
        Err(keel_engine::Error::NoSubscription(_))
    ));
    h.assert_trail(
        &by_timer.id,
        &[
            (
                "instance_started",
                &[
                    "stoppable:activated",
                    "start:activated",
                    "start:completed",
                    "start_work:taken",
                    "work:activated",
                ],
            ),
            (
                "timer_fired",
                &[
                    "work:terminated",
                    "stop:activated",
                    "stop:completed",
                    "stop_stopped:taken",
                    "stopped:activated",
                    "stopped:completed",
                    "stoppable:completed",
                ],
            ),
        ],
    )
    .await;
}

#[tokio::test]
async fn a_start_event_with_two_messages_starts_on_either() {
    let h = Harness::new().await;
    let body = [
        format!(r#"<startEvent id="begin">{PING}{PONG}</startEvent><endEvent id="end"/>"#),
        flow("begin", "end"),
    ];
    h.deploy(&events_model("either", &body)).await;
    h.correlate("ping", "x", json!({})).await.unwrap();
    h.correlate("pong", "x", json!({})).await.unwrap();
    let started = h.instances_of("either").await;
    assert_eq!(started.len(), 2);
    for inst in &started {
        h.assert_trail(
            &inst.id,
            &[(
                "instance_started",
                &[
                    "either:activated",
                    "begin:activated",
                    "begin:completed",
                    "begin_end:taken",
                    "end:activated",
                    "end:completed",
                    "either:completed",
                ],
            )],
        )
        .await;
    }
}

#[tokio::test]
async fn a_parallel_multiple_start_event_starts_once_every_definition_occurred() {
    let h = Harness::new().await;
    let body = [
        format!(
            r#"<startEvent id="begin" parallelMultiple="true">{PING}{PONG}</startEvent><endEvent id="end"/>"#
        ),
        flow("begin", "end"),
    ];
    h.deploy(&events_model("both", &body)).await;
    // The first message starts an instance that waits at its start event...
    h.correlate("pong", "case", json!({"first": true}))
        .await
        .unwrap();
    let started = h.instances_of("both").await;
    assert_eq!(started.len(), 1);
    assert_eq!(active(&started[0]), ["begin"]);
    // ...the second (same business key) joins it rather than starting another.
    let joined = h
        .engine
        .correlate_message(
            CorrelateRequest {
                name: "ping".into(),
                business_key: Some("bk-case".into()),
                ..Default::default()
            },
            &admin(),
        )
        .await
        .unwrap();
    assert_eq!(joined.correlated, [started[0].id.clone()]);
    assert!(joined.started.is_empty());
    assert_eq!(h.instances_of("both").await.len(), 1);
    let view = h.instance(&started[0].id).await;
    assert_eq!(view.state, "completed");
    assert_eq!(view.variables["first"], json!(true));
    h.assert_trail(
        &started[0].id,
        &[
            ("instance_started", &["both:activated", "begin:activated"]),
            (
                "message_correlated",
                &[
                    "begin:completed",
                    "begin_end:taken",
                    "end:activated",
                    "end:completed",
                    "both:completed",
                ],
            ),
        ],
    )
    .await;
}

#[tokio::test]
async fn an_event_sub_process_started_by_a_message_or_a_timer() {
    let h = Harness::new().await;
    let body = [
        r#"<startEvent id="start"/><endEvent id="end"/>"#.to_owned(),
        user_task("work"),
        flow("start", "work"),
        flow("work", "end"),
        event_sub(
            "escalate",
            false,
            &format!("{PING}{HOUR_TIMER}"),
            r#"<task id="notify"/>"#,
            "notify",
        ),
    ];
    h.deploy(&events_model("watched", &body)).await;
    let inst = h.start("watched", json!({})).await;
    h.correlate("ping", "watched", json!({})).await.unwrap();
    assert_eq!(h.advance(HOUR).await, 1);
    assert_eq!(active(&h.instance(&inst.id).await), ["work"]);
    let ran = [
        "escalate:activated",
        "escalate_start:activated",
        "escalate_start:completed",
        "escalate_start_notify:taken",
        "notify:activated",
        "notify:completed",
        "notify_escalate_end:taken",
        "escalate_end:activated",
        "escalate_end:completed",
        "escalate:completed",
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
            ("message_correlated", &ran),
            ("timer_fired", &ran),
        ],
    )
    .await;
}

// ----- event-based gateway ----------------------------------------------------------------------

fn conditional(condition: &str) -> String {
    format!(
        r#"<conditionalEventDefinition><condition>{condition}</condition></conditionalEventDefinition>"#
    )
}

fn gateway_model(id: &str) -> String {
    let body = [
        r#"<startEvent id="start"/><eventBasedGateway id="gw"/><endEvent id="approved_end"/><endEvent id="cancelled_end"/>"#.to_owned(),
        format!(
            r#"<intermediateCatchEvent id="approved">{}</intermediateCatchEvent>"#,
            conditional("=approved = true")
        ),
        format!(r#"<intermediateCatchEvent id="cancelled">{PING}</intermediateCatchEvent>"#),
        flow("start", "gw"),
        flow("gw", "approved"),
        flow("gw", "cancelled"),
        flow("approved", "approved_end"),
        flow("cancelled", "cancelled_end"),
    ];
    events_model(id, &body)
}

#[tokio::test]
async fn a_conditional_boundary_event_still_interrupts_an_activity_with_an_incident() {
    let h = Harness::new().await;
    let body = [
        r#"<startEvent id="start"/><endEvent id="end"/><endEvent id="stopped"/>"#.to_owned(),
        service("work"),
        format!(
            r#"<boundaryEvent id="stop" attachedToRef="work">{}</boundaryEvent>"#,
            conditional("=stop = true")
        ),
        flow("start", "work"),
        flow("work", "end"),
        flow("stop", "stopped"),
    ];
    h.deploy(&events_model("guarded", &body)).await;
    let inst = h.start("guarded", json!({"stop": false})).await;
    // The job fails for good: an incident on the task...
    let job = h.jobs("work").await.remove(0);
    h.fail_job(&job.id, "w", 0, 0).await;
    assert_eq!(h.open_incidents(&inst.id).await.len(), 1);
    // ...whose conditional boundary event still waits, as its message or timer would.
    h.engine
        .set_variables(&inst.id, vars(json!({"stop": true})), &admin())
        .await
        .unwrap();
    let view = h.instance(&inst.id).await;
    assert_eq!(view.state, "completed");
    assert!(h.open_incidents(&inst.id).await.is_empty());
    h.assert_trail(
        &inst.id,
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
            ("job_failed", &[]),
            (
                "variables_set",
                &[
                    "work:terminated",
                    "stop:activated",
                    "stop:completed",
                    "stop_stopped:taken",
                    "stopped:activated",
                    "stopped:completed",
                    "guarded:completed",
                ],
            ),
        ],
    )
    .await;
}

#[tokio::test]
async fn when_two_conditions_after_an_event_based_gateway_hold_at_once_the_first_wins() {
    let h = Harness::new().await;
    let body = [
        r#"<startEvent id="start"/><eventBasedGateway id="gw"/><endEvent id="big_end"/><endEvent id="huge_end"/>"#.to_owned(),
        format!(r#"<intermediateCatchEvent id="big">{}</intermediateCatchEvent>"#, conditional("=x > 5")),
        format!(r#"<intermediateCatchEvent id="huge">{}</intermediateCatchEvent>"#, conditional("=x > 10")),
        flow("start", "gw"),
        flow("gw", "big"),
        flow("gw", "huge"),
        flow("big", "big_end"),
        flow("huge", "huge_end"),
    ];
    h.deploy(&events_model("sizes", &body)).await;
    let inst = h.start("sizes", json!({"x": 0})).await;
    h.engine
        .set_variables(&inst.id, vars(json!({"x": 20})), &admin())
        .await
        .unwrap();
    assert_eq!(h.instance(&inst.id).await.state, "completed");
    h.assert_trail(
        &inst.id,
        &[
            (
                "instance_started",
                &[
                    "sizes:activated",
                    "start:activated",
                    "start:completed",
                    "start_gw:taken",
                    "gw:activated",
                ],
            ),
            (
                "variables_set",
                &[
                    "gw:completed",
                    "gw_big:taken",
                    "big:activated",
                    "big:completed",
                    "big_big_end:taken",
                    "big_end:activated",
                    "big_end:completed",
                    "sizes:completed",
                ],
            ),
        ],
    )
    .await;
}

#[tokio::test]
async fn a_conditional_event_after_an_event_based_gateway_wins_when_its_condition_holds() {
    let h = Harness::new().await;
    h.deploy(&gateway_model("approval")).await;
    let inst = h.start("approval", json!({"approved": false})).await;
    assert_eq!(active(&inst), ["gw"]);
    h.engine
        .set_variables(&inst.id, vars(json!({"approved": true})), &admin())
        .await
        .unwrap();
    assert_eq!(h.instance(&inst.id).await.state, "completed");
    // The message wait went with the gateway.
    assert!(matches!(
        h.correlate("ping", "approval", json!({})).await,
        Err(keel_engine::Error::NoSubscription(_))
    ));
    h.assert_trail(
        &inst.id,
        &[
            (
                "instance_started",
                &[
                    "approval:activated",
                    "start:activated",
                    "start:completed",
                    "start_gw:taken",
                    "gw:activated",
                ],
            ),
            (
                "variables_set",
                &[
                    "gw:completed",
                    "gw_approved:taken",
                    "approved:activated",
                    "approved:completed",
                    "approved_approved_end:taken",
                    "approved_end:activated",
                    "approved_end:completed",
                    "approval:completed",
                ],
            ),
        ],
    )
    .await;
    // A condition that already holds when the gateway is reached wins in that step; a message
    // wins while it does not.
    let at_once = h.start("approval", json!({"approved": true})).await;
    assert_eq!(at_once.state, "completed");
    let cancelled = h.start("approval", json!({"approved": false})).await;
    h.correlate("ping", "approval", json!({})).await.unwrap();
    let view = h.instance(&cancelled.id).await;
    assert_eq!(view.state, "completed");
    h.assert_trail(
        &cancelled.id,
        &[
            (
                "instance_started",
                &[
                    "approval:activated",
                    "start:activated",
                    "start:completed",
                    "start_gw:taken",
                    "gw:activated",
                ],
            ),
            (
                "message_correlated",
                &[
                    "gw:completed",
                    "gw_cancelled:taken",
                    "cancelled:activated",
                    "cancelled:completed",
                    "cancelled_cancelled_end:taken",
                    "cancelled_end:activated",
                    "cancelled_end:completed",
                    "approval:completed",
                ],
            ),
        ],
    )
    .await;
}

#[tokio::test]
async fn two_flows_from_an_event_based_gateway_to_one_event_wait_once() {
    let h = Harness::new().await;
    let body = [
        r#"<startEvent id="start"/><eventBasedGateway id="gw"/><task id="after"/><endEvent id="end"/>"#.to_owned(),
        format!(r#"<intermediateCatchEvent id="late">{HOUR_TIMER}</intermediateCatchEvent>"#),
        format!(r#"<intermediateCatchEvent id="pinged">{PING}</intermediateCatchEvent>"#),
        flow("start", "gw"),
        r#"<sequenceFlow id="gw_late_1" sourceRef="gw" targetRef="late"/>"#.to_owned(),
        r#"<sequenceFlow id="gw_late_2" sourceRef="gw" targetRef="late"/>"#.to_owned(),
        flow("gw", "pinged"),
        flow("late", "after"),
        flow("pinged", "after"),
        flow("after", "end"),
    ];
    h.deploy(&events_model("same_target", &body)).await;
    let inst = h.start("same_target", json!({})).await;
    assert_eq!(h.advance(HOUR).await, 1);
    assert_eq!(h.instance(&inst.id).await.state, "completed");
    h.assert_trail(
        &inst.id,
        &[
            (
                "instance_started",
                &[
                    "same_target:activated",
                    "start:activated",
                    "start:completed",
                    "start_gw:taken",
                    "gw:activated",
                ],
            ),
            (
                "timer_fired",
                &[
                    "gw:completed",
                    "gw_late_1:taken",
                    "late:activated",
                    "late:completed",
                    "late_after:taken",
                    "after:activated",
                    "after:completed",
                    "after_end:taken",
                    "end:activated",
                    "end:completed",
                    "same_target:completed",
                ],
            ),
        ],
    )
    .await;
}

// ----- terminate end event in an event sub-process ----------------------------------------------

#[tokio::test]
async fn a_terminate_end_event_in_an_event_sub_process_ends_only_the_event_sub_process() {
    // Camunda 7 (MessageEventSubprocessTest#testNonInterruptingWithTerminatingEndEvent) and Zeebe
    // alike: the terminate end event ends its own flow scope, the event sub-process; the task
    // beside it keeps running.
    let h = Harness::new().await;
    let body = [
        r#"<startEvent id="start"/><endEvent id="end"/>"#.to_owned(),
        user_task("work"),
        flow("start", "work"),
        flow("work", "end"),
        format!(
            r#"<subProcess id="side" triggeredByEvent="true"><startEvent id="side_start" isInterrupting="false">{PING}</startEvent><parallelGateway id="split"/>{}{}<endEvent id="stop"><terminateEventDefinition/></endEvent>{}{}{}{}</subProcess>"#,
            user_task("check"),
            user_task("other"),
            flow("side_start", "split"),
            flow("split", "check"),
            flow("split", "other"),
            flow("check", "stop"),
        ),
    ];
    h.deploy(&events_model("terminating", &body)).await;
    let inst = h.start("terminating", json!({})).await;
    h.correlate("ping", "terminating", json!({})).await.unwrap();
    h.complete_task(&inst.id, "check", json!({})).await;
    let view = h.instance(&inst.id).await;
    assert_eq!(view.state, "active");
    assert_eq!(active(&view), ["work"]);
    h.complete_task(&inst.id, "work", json!({})).await;
    assert_eq!(h.instance(&inst.id).await.state, "completed");
    h.assert_trail(
        &inst.id,
        &[
            (
                "instance_started",
                &[
                    "terminating:activated",
                    "start:activated",
                    "start:completed",
                    "start_work:taken",
                    "work:activated",
                ],
            ),
            (
                "message_correlated",
                &[
                    "side:activated",
                    "side_start:activated",
                    "side_start:completed",
                    "side_start_split:taken",
                    "split:activated",
                    "split:completed",
                    "split_check:taken",
                    "split_other:taken",
                    "check:activated",
                    "other:activated",
                ],
            ),
            (
                "task_completed",
                &[
                    "check:completed",
                    "check_stop:taken",
                    "stop:activated",
                    "other:terminated",
                    "stop:completed",
                    "side:completed",
                ],
            ),
            (
                "task_completed",
                &[
                    "work:completed",
                    "work_end:taken",
                    "end:activated",
                    "end:completed",
                    "terminating:completed",
                ],
            ),
        ],
    )
    .await;
}

// ----- deploy errors ----------------------------------------------------------------------------

#[tokio::test]
async fn deploy_errors_name_the_element() {
    let h = Harness::new().await;
    let body = [
        r#"<startEvent id="start"/><endEvent id="end"/><endEvent id="e1"/><endEvent id="e2"/>"#
            .to_owned(),
        user_task("work"),
        format!(r#"<boundaryEvent id="b1" attachedToRef="work">{PING}</boundaryEvent>"#),
        format!(
            r#"<boundaryEvent id="b2" attachedToRef="work" cancelActivity="false">{PING}</boundaryEvent>"#
        ),
        flow("start", "work"),
        flow("work", "end"),
        flow("b1", "e1"),
        flow("b2", "e2"),
    ];
    let xml = events_model("twice", &body);
    assert_eq!(
        h.deploy_errors(&xml).await,
        [
            "boundary events of activity work: b1 and b2 wait for the same message \"ping\"; a message reaches only one wait of an instance, so each needs its own"
        ]
    );
    // The second of the two boundary events is the one named.
    assert_eq!(element_ids(&h.deploy_diagnostics(&xml).await), [Some("b2")]);
    let body = [
        format!(
            r#"<startEvent id="start"/><intermediateCatchEvent id="wait" parallelMultiple="true">{PING}<errorEventDefinition/></intermediateCatchEvent><endEvent id="end"/>"#
        ),
        flow("start", "wait"),
        flow("wait", "end"),
    ];
    let xml = events_model("bad_multiple", &body);
    assert_eq!(
        h.deploy_errors(&xml).await,
        [
            "an event with several event definitions can wait for messages, signals, a timer and a condition, not an errorEventDefinition",
            "an intermediate catch event cannot have an errorEventDefinition",
        ]
    );
    assert_eq!(
        element_ids(&h.deploy_diagnostics(&xml).await),
        [Some("wait"), Some("wait")]
    );
}

/// The element ids of deploy diagnostics, in order.
fn element_ids(diagnostics: &[(Option<String>, String)]) -> Vec<Option<&str>> {
    diagnostics.iter().map(|(id, _)| id.as_deref()).collect()
}

#[tokio::test]
async fn a_parallel_multiple_start_event_started_by_a_signal_waits_for_its_message() {
    let h = Harness::new().await;
    let body = [
        format!(
            r#"<startEvent id="begin" parallelMultiple="true">{ALARM}{PING}</startEvent><endEvent id="end"/>"#
        ),
        flow("begin", "end"),
    ];
    h.deploy(&events_model("alarm_and_ping", &body)).await;
    let result = h
        .engine
        .broadcast_signal("alarm", Map::new(), &admin())
        .await
        .unwrap();
    assert_eq!(result.started.len(), 1);
    let id = result.started[0].clone();
    assert_eq!(active(&h.instance(&id).await), ["begin"]);
    // The instance has no business key: the message finds it by its id.
    h.engine
        .correlate_message(
            CorrelateRequest {
                name: "ping".into(),
                instance_id: Some(id.clone()),
                ..Default::default()
            },
            &admin(),
        )
        .await
        .unwrap();
    assert_eq!(h.instance(&id).await.state, "completed");
    h.assert_trail(
        &id,
        &[
            (
                "instance_started",
                &["alarm_and_ping:activated", "begin:activated"],
            ),
            (
                "message_correlated",
                &[
                    "begin:completed",
                    "begin_end:taken",
                    "end:activated",
                    "end:completed",
                    "alarm_and_ping:completed",
                ],
            ),
        ],
    )
    .await;
}

#[tokio::test]
async fn a_thrown_message_nobody_takes_leaves_its_message_id_free() {
    let h = Harness::new().await;
    let ping = r#"<messageEventDefinition messageRef="m_ping"><extensionElements><zeebe:publishMessage messageId="=&quot;ping-1&quot;"/></extensionElements></messageEventDefinition>"#;
    let thrower = [
        format!(
            r#"<startEvent id="start"/><intermediateThrowEvent id="say">{ping}</intermediateThrowEvent><endEvent id="end"/>"#
        ),
        flow("start", "say"),
        flow("say", "end"),
    ];
    h.deploy(&events_model("thrower", &thrower)).await;
    h.deploy(&events_model("catcher", &catcher(PING))).await;
    // Nothing waits and there is no time to live: the message is dropped...
    let first = h.start_keyed("thrower", "k", json!({})).await;
    assert_eq!(h.instance(&first.id).await.state, "completed");
    // ...and its id is no duplicate later: a message with that id reaches a wait opened since.
    let waiting = h.start_keyed("catcher", "k", json!({})).await;
    let result = h
        .engine
        .correlate_message(
            CorrelateRequest {
                name: "ping".into(),
                business_key: Some("k".into()),
                message_id: Some("ping-1".into()),
                ..Default::default()
            },
            &admin(),
        )
        .await
        .unwrap();
    assert_eq!(result.correlated, std::slice::from_ref(&waiting.id));
    assert_eq!(h.instance(&waiting.id).await.state, "completed");
}

#[tokio::test]
async fn an_instance_answering_its_own_buffered_message_stops_after_the_bound() {
    let h = Harness::new().await;
    // It throws ping with a time to live before its catch is open (so the message is buffered),
    // then the catch opens and takes it from the buffer, and it throws again: every pass of the
    // command's follow-ups counts against the same bound.
    let ping = r#"<messageEventDefinition messageRef="m_ping"><extensionElements><zeebe:publishMessage timeToLive="PT1H"/></extensionElements></messageEventDefinition>"#;
    let body = [
        format!(
            r#"<startEvent id="start"/><exclusiveGateway id="again"/><intermediateThrowEvent id="say">{ping}</intermediateThrowEvent><intermediateCatchEvent id="hear">{PING}</intermediateCatchEvent>"#
        ),
        flow("start", "again"),
        flow("again", "say"),
        flow("say", "hear"),
        flow("hear", "again"),
    ];
    h.deploy(&events_model("echo", &body)).await;
    let inst = h.start_keyed("echo", "loop", json!({})).await;
    assert_eq!(active(&h.instance(&inst.id).await), ["hear"]);
    let trail = h.trail(&inst.id).await;
    assert_eq!(trail.len(), 1001, "the start and 1000 messages taken");
    assert!(
        trail[1..]
            .iter()
            .all(|(kind, _)| kind == "message_correlated")
    );
}

#[tokio::test]
async fn processes_that_keep_messaging_each_other_stop_after_the_bound() {
    let h = Harness::new().await;
    // Each answers the other's message with its own, forever: one command throws at most 1000.
    // left says ping, then waits for pong...
    let left = [
        format!(
            r#"<startEvent id="start"/><exclusiveGateway id="again"/><intermediateThrowEvent id="say">{PING}</intermediateThrowEvent><intermediateCatchEvent id="hear">{PONG}</intermediateCatchEvent>"#
        ),
        flow("start", "again"),
        flow("again", "say"),
        flow("say", "hear"),
        flow("hear", "again"),
    ];
    h.deploy(&events_model("left", &left)).await;
    // ...right waits for a ping, then says pong.
    let right = [
        format!(
            r#"<startEvent id="start"/><exclusiveGateway id="again"/><intermediateCatchEvent id="hear">{PING}</intermediateCatchEvent><intermediateThrowEvent id="say">{PONG}</intermediateThrowEvent>"#
        ),
        flow("start", "again"),
        flow("again", "hear"),
        flow("hear", "say"),
        flow("say", "again"),
    ];
    h.deploy(&events_model("right", &right)).await;
    let r = h.start_keyed("right", "loop", json!({})).await;
    let l = h.start_keyed("left", "loop", json!({})).await;
    // The command returned; both wait, each heard the other 500 times.
    assert_eq!(active(&h.instance(&l.id).await), ["hear"]);
    assert_eq!(active(&h.instance(&r.id).await), ["hear"]);
    for id in [&l.id, &r.id] {
        let trail = h.trail(id).await;
        assert_eq!(trail.len(), 501, "records of {id}");
        assert!(
            trail[1..]
                .iter()
                .all(|(kind, _)| kind == "message_correlated")
        );
    }
}

#[tokio::test]
async fn a_throw_event_with_several_definitions_throws_all_or_none() {
    let h = Harness::new().await;
    h.deploy(&events_model("catcher", &catcher(ALARM))).await;
    let body = [
        format!(
            r#"<startEvent id="start"/><intermediateThrowEvent id="both">{ALARM}<messageEventDefinition messageRef="m_paid"><extensionElements><zeebe:publishMessage correlationKey="=order" timeToLive="PT1H"/></extensionElements></messageEventDefinition></intermediateThrowEvent><endEvent id="end"/>"#
        ),
        flow("start", "both"),
        flow("both", "end"),
    ];
    h.deploy(&events_model("thrower", &body)).await;
    h.deploy(&events_model("catcher_paid", &catcher(PAID)))
        .await;
    let waiting = h.start("catcher", json!({})).await;
    // The message's correlation key has no value: an incident, and nothing thrown at all.
    let inst = h.start("thrower", json!({})).await;
    let incidents = h.open_incidents(&inst.id).await;
    assert_eq!(incidents.len(), 1);
    assert_eq!(incidents[0].element_id, "both");
    assert_eq!(active(&h.instance(&waiting.id).await), ["wait"]);
    // Resolved with the variable: the signal and the message go out.
    h.engine
        .resolve_incident(
            &incidents[0].id,
            None,
            vars(json!({"order": "o-1"})),
            &admin(),
        )
        .await
        .unwrap();
    assert_eq!(h.instance(&inst.id).await.state, "completed");
    assert_eq!(h.instance(&waiting.id).await.state, "completed");
    let paid = h.start("catcher_paid", json!({"orderId": "o-1"})).await;
    assert_eq!(h.instance(&paid.id).await.state, "completed");
    h.assert_trail(
        &inst.id,
        &[
            (
                "instance_started",
                &[
                    "thrower:activated",
                    "start:activated",
                    "start:completed",
                    "start_both:taken",
                    "both:activated",
                ],
            ),
            ("variables_set", &[]),
            (
                "incident_resolved",
                &[
                    "both:completed",
                    "both_end:taken",
                    "end:activated",
                    "end:completed",
                    "thrower:completed",
                ],
            ),
        ],
    )
    .await;
}
