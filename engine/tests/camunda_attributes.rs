//! Camunda 7 attributes users rely on, end to end through the `Engine` façade:
//! `camunda:initiator`, `camunda:errorCodeVariable` / `errorMessageVariable` (with the error's
//! `camunda:errorMessage`), `camunda:escalationCodeVariable`, due dates and `timeDate` values
//! given as durations, `expressionLanguage` XPath on the definitions, `camunda:formRef`, and
//! incidents of called instances mirrored on their call activity. Each test asserts the exact
//! element transitions of the audit trail.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, dead_code)] // test code

mod support;

use support::*;

// ----- camunda:initiator ------------------------------------------------------------------------

#[tokio::test]
async fn initiator_holds_the_name_of_the_starting_user() {
    let h = Harness::new().await;
    let body = [
        r#"<startEvent id="start" camunda:initiator="starter"/><userTask id="review" camunda:assignee="${starter}"/><endEvent id="end"/>"#.to_owned(),
        flow("start", "review"),
        flow("review", "end"),
    ];
    h.deploy(&model("initiated", &body.join("\n"))).await;
    let inst = h.start("initiated", json!({})).await;
    assert_eq!(inst.variables["starter"], json!("root"));
    let tasks = h.open_tasks(&inst.id).await;
    assert_eq!(tasks[0].assignee.as_deref(), Some("root"));
    h.assert_trail(
        &inst.id,
        &[(
            "instance_started",
            &[
                "initiated:activated",
                "start:activated",
                "start:completed",
                "start_review:taken",
                "review:activated",
            ],
        )],
    )
    .await;
    let audit = h.engine.instance_audit(&inst.id).await.unwrap();
    assert_eq!(audit[0].data["start_variables"]["starter"], json!("root"));
    // A start variable of that name wins.
    let inst = h.start("initiated", json!({"starter": "ann"})).await;
    assert_eq!(inst.variables["starter"], json!("ann"));
}

#[tokio::test]
async fn initiator_is_null_when_no_user_started_the_instance() {
    let h = Harness::new().await;
    let body = [
        r#"<startEvent id="tick" camunda:initiator="starter"><timerEventDefinition><timeDuration>PT1H</timeDuration></timerEventDefinition></startEvent><userTask id="look"/>"#.to_owned(),
        flow("tick", "look"),
    ];
    h.deploy(&model("timed", &body.join("\n"))).await;
    assert_eq!(h.advance(3_600_000).await, 1);
    let started = h.instances_of("timed").await;
    assert_eq!(started.len(), 1);
    assert_eq!(started[0].variables["starter"], Value::Null);
    h.assert_trail(
        &started[0].id,
        &[(
            "instance_started",
            &[
                "timed:activated",
                "tick:activated",
                "tick:completed",
                "tick_look:taken",
                "look:activated",
            ],
        )],
    )
    .await;
}

// ----- error and escalation variables -------------------------------------------------------------

fn error_boundary_model() -> String {
    let roots = r#"<error id="err" errorCode="E1" camunda:errorMessage="${reason} happened"/>"#;
    let body = [
        r#"<startEvent id="start"/><subProcess id="sub"><startEvent id="in"/><endEvent id="boom"><errorEventDefinition errorRef="err"/></endEvent>"#.to_owned(),
        flow("in", "boom"),
        r#"</subProcess><boundaryEvent id="caught" attachedToRef="sub"><errorEventDefinition errorRef="err" camunda:errorCodeVariable="code" camunda:errorMessageVariable="message"/></boundaryEvent>"#.to_owned(),
        r#"<userTask id="handle"/><endEvent id="end"/>"#.to_owned(),
        flow("start", "sub"),
        flow("sub", "end"),
        flow("caught", "handle"),
        flow("handle", "end"),
    ];
    model_with("erring", roots, &body.join("\n"))
}

#[tokio::test]
async fn a_caught_error_leaves_its_code_and_evaluated_message_in_the_named_variables() {
    let h = Harness::new().await;
    h.deploy(&error_boundary_model()).await;
    let inst = h.start("erring", json!({"reason": "disk full"})).await;
    assert_eq!(active(&inst), ["handle"]);
    assert_eq!(inst.variables["code"], json!("E1"));
    assert_eq!(inst.variables["message"], json!("disk full happened"));
    h.assert_trail(
        &inst.id,
        &[(
            "instance_started",
            &[
                "erring:activated",
                "start:activated",
                "start:completed",
                "start_sub:taken",
                "sub:activated",
                "in:activated",
                "in:completed",
                "in_boom:taken",
                "boom:activated",
                "boom:terminated",
                "sub:terminated",
                "caught:activated",
                "caught:completed",
                "caught_handle:taken",
                "handle:activated",
            ],
        )],
    )
    .await;
}

#[tokio::test]
async fn an_error_message_that_cannot_be_evaluated_is_an_incident_at_the_end_event() {
    let h = Harness::new().await;
    h.deploy(&error_boundary_model()).await;
    let inst = h.start("erring", json!({})).await;
    assert_eq!(active(&inst), ["boom", "sub"]);
    let incidents = h.open_incidents(&inst.id).await;
    assert_eq!(incidents.len(), 1);
    assert_eq!(incidents[0].element_id, "boom");
    assert_eq!(incidents[0].kind, "expression_error");
    // With the variable set, resolving throws again and the boundary event catches it.
    h.engine
        .resolve_incident(
            &incidents[0].id,
            None,
            vars(json!({"reason": "late"})),
            &admin(),
        )
        .await
        .unwrap();
    let view = h.instance(&inst.id).await;
    assert_eq!(active(&view), ["handle"]);
    assert_eq!(view.variables["message"], json!("late happened"));
    h.assert_trail(
        &inst.id,
        &[
            (
                "instance_started",
                &[
                    "erring:activated",
                    "start:activated",
                    "start:completed",
                    "start_sub:taken",
                    "sub:activated",
                    "in:activated",
                    "in:completed",
                    "in_boom:taken",
                    "boom:activated",
                ],
            ),
            ("variables_set", &[]),
            (
                "incident_resolved",
                &[
                    "boom:terminated",
                    "sub:terminated",
                    "caught:activated",
                    "caught:completed",
                    "caught_handle:taken",
                    "handle:activated",
                ],
            ),
        ],
    )
    .await;
}

#[tokio::test]
async fn an_error_event_sub_process_gets_a_job_error_code_and_message() {
    let h = Harness::new().await;
    let body = [
        r#"<startEvent id="start"/>"#.to_owned(),
        service("charge"),
        r#"<endEvent id="end"/>"#.to_owned(),
        flow("start", "charge"),
        flow("charge", "end"),
        r#"<subProcess id="on_error" triggeredByEvent="true"><startEvent id="err_start"><errorEventDefinition camunda:errorCodeVariable="code" camunda:errorMessageVariable="why"/></startEvent><userTask id="fix"/>"#.to_owned(),
        flow("err_start", "fix"),
        "</subProcess>".to_owned(),
    ];
    h.deploy(&model("charging", &body.join("\n"))).await;
    let inst = h.start("charging", json!({})).await;
    let job = h.jobs("charge").await.remove(0);
    h.throw_job_error(&job, "NO_FUNDS", "card declined", json!({}))
        .await;
    let view = h.instance(&inst.id).await;
    assert_eq!(active(&view), ["fix", "on_error"]);
    assert_eq!(view.variables["code"], json!("NO_FUNDS"));
    assert_eq!(view.variables["why"], json!("card declined"));
    h.assert_trail(
        &inst.id,
        &[
            (
                "instance_started",
                &[
                    "charging:activated",
                    "start:activated",
                    "start:completed",
                    "start_charge:taken",
                    "charge:activated",
                ],
            ),
            (
                "error_thrown",
                &[
                    "charge:terminated",
                    "on_error:activated",
                    "err_start:activated",
                    "err_start:completed",
                    "err_start_fix:taken",
                    "fix:activated",
                ],
            ),
        ],
    )
    .await;
}

#[tokio::test]
async fn an_escalation_boundary_event_leaves_the_code_in_the_named_variable() {
    let h = Harness::new().await;
    let roots = r#"<escalation id="esc" escalationCode="LATE"/>"#;
    let body = [
        r#"<startEvent id="start"/><subProcess id="sub"><startEvent id="in"/><intermediateThrowEvent id="shout"><escalationEventDefinition escalationRef="esc"/></intermediateThrowEvent><userTask id="inner"/>"#.to_owned(),
        flow("in", "shout"),
        flow("shout", "inner"),
        r#"</subProcess><boundaryEvent id="heard" attachedToRef="sub" cancelActivity="false"><escalationEventDefinition escalationRef="esc" camunda:escalationCodeVariable="escalated"/></boundaryEvent>"#.to_owned(),
        r#"<userTask id="outer"/><endEvent id="end"/><endEvent id="end2"/>"#.to_owned(),
        flow("start", "sub"),
        flow("sub", "end"),
        flow("heard", "outer"),
        flow("outer", "end2"),
    ];
    h.deploy(&model_with("escalating", roots, &body.join("\n")))
        .await;
    let inst = h.start("escalating", json!({})).await;
    assert_eq!(active(&inst), ["inner", "outer", "sub"]);
    assert_eq!(inst.variables["escalated"], json!("LATE"));
    h.assert_trail(
        &inst.id,
        &[(
            "instance_started",
            &[
                "escalating:activated",
                "start:activated",
                "start:completed",
                "start_sub:taken",
                "sub:activated",
                "in:activated",
                "in:completed",
                "in_shout:taken",
                "shout:activated",
                "shout:completed",
                "shout_inner:taken",
                "heard:activated",
                "heard:completed",
                "heard_outer:taken",
                "inner:activated",
                "outer:activated",
            ],
        )],
    )
    .await;
}

#[tokio::test]
async fn an_escalation_event_sub_process_leaves_the_code_in_the_named_variable() {
    let h = Harness::new().await;
    let roots = r#"<escalation id="esc" escalationCode="LATE"/>"#;
    let body = [
        r#"<startEvent id="start"/><intermediateThrowEvent id="shout"><escalationEventDefinition escalationRef="esc"/></intermediateThrowEvent>"#.to_owned(),
        user_task("go_on"),
        flow("start", "shout"),
        flow("shout", "go_on"),
        r#"<subProcess id="on_late" triggeredByEvent="true"><startEvent id="late" isInterrupting="false"><escalationEventDefinition camunda:escalationCodeVariable="why"/></startEvent>"#.to_owned(),
        user_task("chase"),
        flow("late", "chase"),
        "</subProcess>".to_owned(),
    ];
    h.deploy(&model_with("chasing", roots, &body.join("\n")))
        .await;
    let inst = h.start("chasing", json!({})).await;
    assert_eq!(active(&inst), ["chase", "go_on", "on_late"]);
    assert_eq!(inst.variables["why"], json!("LATE"));
    h.assert_trail(
        &inst.id,
        &[(
            "instance_started",
            &[
                "chasing:activated",
                "start:activated",
                "start:completed",
                "start_shout:taken",
                "shout:activated",
                "shout:completed",
                "shout_go_on:taken",
                "on_late:activated",
                "go_on:activated",
                "late:activated",
                "late:completed",
                "late_chase:taken",
                "chase:activated",
            ],
        )],
    )
    .await;
}

// ----- durations as dates ---------------------------------------------------------------------------

#[tokio::test]
async fn a_due_date_given_as_a_duration_is_that_long_from_now() {
    let h = Harness::new().await;
    let body = [
        r#"<startEvent id="start"/><userTask id="t" camunda:dueDate="${due}" camunda:followUpDate="PT1H"/>"#.to_owned(),
        flow("start", "t"),
    ];
    h.deploy(&model("dated", &body.join("\n"))).await;
    let inst = h.start("dated", json!({"due": "P2DT2H30M"})).await;
    let task = &h.open_tasks(&inst.id).await[0];
    let now: jiff::Timestamp = "2030-01-01T00:00:00Z".parse().unwrap();
    let due: jiff::Timestamp = "2030-01-03T02:30:00Z".parse().unwrap();
    assert_eq!(task.due_at, Some(due.as_millisecond()));
    assert_eq!(task.follow_up_at, Some(now.as_millisecond() + 3_600_000));
    h.assert_trail(
        &inst.id,
        &[(
            "instance_started",
            &[
                "dated:activated",
                "start:activated",
                "start:completed",
                "start_t:taken",
                "t:activated",
            ],
        )],
    )
    .await;
}

#[tokio::test]
async fn a_time_date_given_as_a_duration_fires_that_long_after_activation() {
    let h = Harness::new().await;
    let body = [
        r#"<startEvent id="start"/><intermediateCatchEvent id="wait"><timerEventDefinition><timeDate>${when}</timeDate></timerEventDefinition></intermediateCatchEvent><endEvent id="end"/>"#.to_owned(),
        flow("start", "wait"),
        flow("wait", "end"),
    ];
    h.deploy(&model("later", &body.join("\n"))).await;
    let inst = h.start("later", json!({"when": "PT1H"})).await;
    assert_eq!(h.advance(3_599_000).await, 0);
    assert_eq!(h.advance(1_000).await, 1);
    assert_eq!(h.instance(&inst.id).await.state, "completed");
    h.assert_trail(
        &inst.id,
        &[
            (
                "instance_started",
                &[
                    "later:activated",
                    "start:activated",
                    "start:completed",
                    "start_wait:taken",
                    "wait:activated",
                ],
            ),
            (
                "timer_fired",
                &[
                    "wait:completed",
                    "wait_end:taken",
                    "end:activated",
                    "end:completed",
                    "later:completed",
                ],
            ),
        ],
    )
    .await;
}

// ----- expressionLanguage XPath ----------------------------------------------------------------------

#[tokio::test]
async fn xpath_on_the_definitions_is_ignored() {
    let h = Harness::new().await;
    let body = [
        r#"<startEvent id="start"/><userTask id="review"><multiInstanceLoopCharacteristics isSequential="false"><loopCardinality>2</loopCardinality></multiInstanceLoopCharacteristics></userTask><endEvent id="end"/>"#.to_owned(),
        flow("start", "review"),
        flow("review", "end"),
    ];
    let xml = model("xpath", &body.join("\n")).replace(
        r#"id="d" targetNamespace="t""#,
        r#"id="d" targetNamespace="t" expressionLanguage="http://www.w3.org/1999/XPath""#,
    );
    assert!(xml.contains("XPath"));
    h.deploy(&xml).await;
    let inst = h.start("xpath", json!({})).await;
    assert_eq!(h.open_tasks(&inst.id).await.len(), 2);
    h.assert_trail(
        &inst.id,
        &[(
            "instance_started",
            &[
                "xpath:activated",
                "start:activated",
                "start:completed",
                "start_review:taken",
                "review[body]:activated",
                "review:activated",
                "review:activated",
            ],
        )],
    )
    .await;
}

// ----- camunda:formRef -----------------------------------------------------------------------------

#[tokio::test]
async fn a_task_shows_its_form_reference() {
    let h = Harness::new().await;
    let body = [
        r#"<startEvent id="start"/><userTask id="fill" camunda:formRef="invoice" camunda:formRefBinding="version" camunda:formRefVersion="2"/><userTask id="plain" camunda:formKey="embedded:app:forms/x.html"/>"#.to_owned(),
        flow("start", "fill"),
        flow("start", "plain"),
    ];
    h.deploy(&model("forms", &body.join("\n"))).await;
    let inst = h.start("forms", json!({})).await;
    let tasks = h.open_tasks(&inst.id).await;
    let fill = tasks.iter().find(|t| t.element_id == "fill").unwrap();
    assert_eq!(fill.form_key.as_deref(), Some("invoice"));
    let (detail, _) = h.engine.task(&fill.id, &admin()).await.unwrap();
    let form = detail.form_ref.expect("a form reference");
    assert_eq!(
        (form.key.as_str(), form.binding, form.version),
        ("invoice", "version", Some(2))
    );
    let plain = tasks.iter().find(|t| t.element_id == "plain").unwrap();
    let (detail, _) = h.engine.task(&plain.id, &admin()).await.unwrap();
    assert_eq!(
        detail.form_key.as_deref(),
        Some("embedded:app:forms/x.html")
    );
    assert!(detail.form_ref.is_none());
    h.assert_trail(
        &inst.id,
        &[(
            "instance_started",
            &[
                "forms:activated",
                "start:activated",
                "start:completed",
                "start_fill:taken",
                "start_plain:taken",
                "fill:activated",
                "plain:activated",
            ],
        )],
    )
    .await;
}

// ----- incidents of called instances ---------------------------------------------------------------

#[tokio::test]
async fn a_called_instance_incident_is_mirrored_on_the_call_activity_until_resolved() {
    let h = Harness::new().await;
    let called = [
        r#"<startEvent id="c_start"/>"#.to_owned(),
        service("c_work"),
        r#"<endEvent id="c_end"/>"#.to_owned(),
        flow("c_start", "c_work"),
        flow("c_work", "c_end"),
    ];
    let caller = [
        r#"<startEvent id="start"/><callActivity id="call"><extensionElements><zeebe:calledElement processId="worker"/></extensionElements></callActivity><endEvent id="end"/>"#.to_owned(),
        flow("start", "call"),
        flow("call", "end"),
    ];
    h.deploy(&model("worker", &called.join("\n"))).await;
    h.deploy(&model("boss", &caller.join("\n"))).await;
    let inst = h.start("boss", json!({})).await;
    let job = h.jobs("c_work").await.remove(0);
    h.fail_job(&job.id, "w", 0, 0).await;
    let view = h.instance(&inst.id).await;
    assert_eq!(view.incidents, 1);
    let mirrored = h.open_incidents(&inst.id).await;
    assert_eq!(mirrored[0].kind, "called_instance_incident");
    let child = h.instance(&job.instance_id).await;
    let root_cause = h.open_incidents(&child.id).await.remove(0);
    assert_eq!(root_cause.kind, "job_failed");
    // Resolving the root cause clears the mirror; the job runs again and the call completes.
    h.engine
        .resolve_incident(&root_cause.id, Some(1), Map::new(), &admin())
        .await
        .unwrap();
    assert_eq!(h.instance(&inst.id).await.incidents, 0);
    let job = h.jobs("c_work").await.remove(0);
    h.complete_job(&job, json!({})).await;
    assert_eq!(h.instance(&inst.id).await.state, "completed");
    h.assert_trail(
        &inst.id,
        &[
            (
                "instance_started",
                &[
                    "boss:activated",
                    "start:activated",
                    "start:completed",
                    "start_call:taken",
                    "call:activated",
                ],
            ),
            ("called_instance_incident", &[]),
            ("called_instance_incident", &[]),
            (
                "called_instance_completed",
                &[
                    "call:completed",
                    "call_end:taken",
                    "end:activated",
                    "end:completed",
                    "boss:completed",
                ],
            ),
        ],
    )
    .await;
}
