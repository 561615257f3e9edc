//! Scopes and data, end to end through the `Engine` façade: sub-processes and processes without
//! start events (their elements without incoming flows start), compensation handlers seeing
//! the compensated sub-process's variables as they were when it completed, `property` elements
//! as scope variables, and a process's `ioSpecification` data inputs and outputs when a call
//! activity calls it. Each test asserts the exact element transitions of the audit trail.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, dead_code)] // test code

mod support;

use support::*;

// ----- no start event ----------------------------------------------------------------------------

#[tokio::test]
async fn a_sub_process_without_start_event_starts_its_elements_without_incoming_flows() {
    let h = Harness::new().await;
    let body = [
        r#"<startEvent id="start"/><subProcess id="sub">"#.to_owned(),
        user_task("a"),
        user_task("b"),
        r#"<endEvent id="a_done"/>"#.to_owned(),
        flow("a", "a_done"),
        r#"</subProcess><endEvent id="end"/>"#.to_owned(),
        flow("start", "sub"),
        flow("sub", "end"),
    ];
    h.deploy(&model("startless", &body.join("\n"))).await;
    let inst = h.start("startless", json!({})).await;
    assert_eq!(active(&inst), ["a", "b", "sub"]);
    h.complete_task(&inst.id, "a", json!({})).await;
    assert_eq!(active(&h.instance(&inst.id).await), ["b", "sub"]);
    h.complete_task(&inst.id, "b", json!({})).await;
    assert_eq!(h.instance(&inst.id).await.state, "completed");
    h.assert_trail(
        &inst.id,
        &[
            (
                "instance_started",
                &[
                    "startless:activated",
                    "start:activated",
                    "start:completed",
                    "start_sub:taken",
                    "sub:activated",
                    "a:activated",
                    "b:activated",
                ],
            ),
            (
                "task_completed",
                &[
                    "a:completed",
                    "a_a_done:taken",
                    "a_done:activated",
                    "a_done:completed",
                ],
            ),
            (
                "task_completed",
                &[
                    "b:completed",
                    "sub:completed",
                    "sub_end:taken",
                    "end:activated",
                    "end:completed",
                    "startless:completed",
                ],
            ),
        ],
    )
    .await;
}

#[tokio::test]
async fn a_process_without_start_events_starts_its_elements_without_incoming_flows() {
    let h = Harness::new().await;
    let body = [
        user_task("ask"),
        r#"<task id="note"/><endEvent id="end"/>"#.to_owned(),
        flow("ask", "end"),
    ];
    h.deploy(&model("open", &body.join("\n"))).await;
    let inst = h.start("open", json!({})).await;
    assert_eq!(active(&inst), ["ask"]);
    h.complete_task(&inst.id, "ask", json!({})).await;
    assert_eq!(h.instance(&inst.id).await.state, "completed");
    h.assert_trail(
        &inst.id,
        &[
            (
                "instance_started",
                &[
                    "open:activated",
                    "ask:activated",
                    "note:activated",
                    "note:completed",
                ],
            ),
            (
                "task_completed",
                &[
                    "ask:completed",
                    "ask_end:taken",
                    "end:activated",
                    "end:completed",
                    "open:completed",
                ],
            ),
        ],
    )
    .await;
    // Nothing that could start it: refused at deployment.
    let errors = h
        .deploy_errors(&model(
            "loop",
            &[
                r#"<task id="x"/><task id="y"/>"#.to_owned(),
                flow("x", "y"),
                flow("y", "x"),
            ]
            .join("\n"),
        ))
        .await;
    assert_eq!(
        errors,
        [
            "process has no start event and no element without incoming sequence flows that could start it"
        ]
    );
}

// ----- compensation snapshots ---------------------------------------------------------------------

#[tokio::test]
async fn compensation_handlers_see_the_sub_process_variables_as_they_were_at_completion() {
    let h = Harness::new().await;
    let body = [
        r#"<startEvent id="start"/><subProcess id="stay"><multiInstanceLoopCharacteristics isSequential="true" camunda:collection="${hotels}" camunda:elementVariable="hotel"/>"#.to_owned(),
        r#"<startEvent id="in"/>"#.to_owned(),
        service("book"),
        r#"<endEvent id="in_end"/>"#.to_owned(),
        r#"<boundaryEvent id="undo_book" attachedToRef="book"><compensateEventDefinition/></boundaryEvent>"#.to_owned(),
        r#"<serviceTask id="cancel" isForCompensation="true"><extensionElements><zeebe:taskDefinition type="cancel"/></extensionElements></serviceTask>"#.to_owned(),
        r#"<association id="a_book" sourceRef="undo_book" targetRef="cancel"/>"#.to_owned(),
        flow("in", "book"),
        flow("book", "in_end"),
        r#"</subProcess><intermediateThrowEvent id="undo"><compensateEventDefinition/></intermediateThrowEvent><endEvent id="end"/>"#.to_owned(),
        flow("start", "stay"),
        flow("stay", "undo"),
        flow("undo", "end"),
    ];
    h.deploy(&model("trip", &body.join("\n"))).await;
    let inst = h
        .start("trip", json!({"hotels": ["Rupert", "Milliways"]}))
        .await;
    for _ in 0..2 {
        let job = h.jobs("book").await.remove(0);
        h.complete_job(&job, json!({})).await;
    }
    // Both stays are compensated, last first, each handler in a re-created sub-process that
    // holds that stay's variables as they were when it completed.
    let jobs = h.jobs("cancel").await;
    let seen: Vec<(Value, Value)> = jobs
        .iter()
        .map(|j| {
            (
                j.variables["hotel"].clone(),
                j.variables["loopCounter"].clone(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [(json!("Milliways"), json!(1)), (json!("Rupert"), json!(0))]
    );
    for job in &jobs {
        h.complete_job(job, json!({})).await;
    }
    let view = h.instance(&inst.id).await;
    assert_eq!(view.state, "completed");
    assert!(view.variables.get("hotel").is_none());
    // The second stay's completion ends the loop and starts both handlers at once.
    h.assert_trail(
        &inst.id,
        &[
            (
                "instance_started",
                &[
                    "trip:activated",
                    "start:activated",
                    "start:completed",
                    "start_stay:taken",
                    "stay[body]:activated",
                    "stay:activated",
                    "in:activated",
                    "in:completed",
                    "in_book:taken",
                    "book:activated",
                ],
            ),
            (
                "job_completed",
                &[
                    "book:completed",
                    "book_in_end:taken",
                    "in_end:activated",
                    "in_end:completed",
                    "stay:completed",
                    "stay:activated",
                    "in:activated",
                    "in:completed",
                    "in_book:taken",
                    "book:activated",
                ],
            ),
            (
                "job_completed",
                &[
                    "book:completed",
                    "book_in_end:taken",
                    "in_end:activated",
                    "in_end:completed",
                    "stay:completed",
                    "stay[body]:completed",
                    "stay_undo:taken",
                    "undo:activated",
                    "stay:activated",
                    "stay:activated",
                    "cancel:activated",
                    "cancel:activated",
                ],
            ),
            ("job_completed", &["cancel:completed", "stay:completed"]),
            (
                "job_completed",
                &[
                    "cancel:completed",
                    "stay:completed",
                    "undo:completed",
                    "undo_end:taken",
                    "end:activated",
                    "end:completed",
                    "trip:completed",
                ],
            ),
        ],
    )
    .await;
}

// ----- properties -----------------------------------------------------------------------------------

#[tokio::test]
async fn a_property_of_a_sub_process_is_a_variable_of_its_scope() {
    let h = Harness::new().await;
    let body = [
        r#"<startEvent id="start"/><subProcess id="sub"><property id="partial"/><startEvent id="in"/>"#.to_owned(),
        service("work"),
        r#"<endEvent id="in_end"/>"#.to_owned(),
        flow("in", "work"),
        flow("work", "in_end"),
        r#"</subProcess>"#.to_owned(),
        user_task("after"),
        flow("start", "sub"),
        flow("sub", "after"),
    ];
    h.deploy(&model("props", &body.join("\n"))).await;
    let inst = h.start("props", json!({})).await;
    let job = h.jobs("work").await.remove(0);
    assert_eq!(job.variables["partial"], Value::Null);
    h.complete_job(&job, json!({"partial": 5, "total": 7}))
        .await;
    let view = h.instance(&inst.id).await;
    assert_eq!(active(&view), ["after"]);
    // `partial` ended with its sub-process; `total` landed in the process scope.
    assert!(view.variables.get("partial").is_none());
    assert_eq!(view.variables["total"], json!(7));
    h.assert_trail(
        &inst.id,
        &[
            (
                "instance_started",
                &[
                    "props:activated",
                    "start:activated",
                    "start:completed",
                    "start_sub:taken",
                    "sub:activated",
                    "in:activated",
                    "in:completed",
                    "in_work:taken",
                    "work:activated",
                ],
            ),
            (
                "job_completed",
                &[
                    "work:completed",
                    "work_in_end:taken",
                    "in_end:activated",
                    "in_end:completed",
                    "sub:completed",
                    "sub_after:taken",
                    "after:activated",
                ],
            ),
        ],
    )
    .await;
}

// ----- process data inputs and outputs ---------------------------------------------------------------

fn io_called() -> String {
    let body = [
        r#"<ioSpecification><dataInput id="in_1"/><dataOutput id="out_1"/><dataOutput id="out_2"/>
<inputSet><dataInputRefs>in_1</dataInputRefs></inputSet><outputSet><dataOutputRefs>out_1</dataOutputRefs><dataOutputRefs>out_2</dataOutputRefs></outputSet></ioSpecification>"#.to_owned(),
        r#"<startEvent id="c_start"/>"#.to_owned(),
        service("double"),
        r#"<endEvent id="c_end"/>"#.to_owned(),
        flow("c_start", "double"),
        flow("double", "c_end"),
    ];
    model("doubler", &body.join("\n"))
}

fn io_caller() -> String {
    let body = [
        r#"<startEvent id="start"/><callActivity id="call"><extensionElements><zeebe:calledElement processId="doubler"/></extensionElements></callActivity>"#.to_owned(),
        user_task("after"),
        flow("start", "call"),
        flow("call", "after"),
    ];
    model("asker", &body.join("\n"))
}

#[tokio::test]
async fn a_called_process_gets_its_data_inputs_and_gives_back_its_data_outputs() {
    let h = Harness::new().await;
    h.deploy(&io_called()).await;
    h.deploy(&io_caller()).await;
    let inst = h.start("asker", json!({"in_1": 21, "other": true})).await;
    let job = h.jobs("double").await.remove(0);
    // Only the data input went in.
    let called = h.instance(&job.instance_id).await;
    assert_eq!(called.variables, vars(json!({"in_1": 21})));
    h.complete_job(&job, json!({"out_1": 42, "scratch": 1}))
        .await;
    // Only the data outputs came back; one the called instance never set comes back null.
    let view = h.instance(&inst.id).await;
    assert_eq!(active(&view), ["after"]);
    assert_eq!(
        view.variables,
        vars(json!({"in_1": 21, "other": true, "out_1": 42, "out_2": null}))
    );
    h.assert_trail(
        &inst.id,
        &[
            (
                "instance_started",
                &[
                    "asker:activated",
                    "start:activated",
                    "start:completed",
                    "start_call:taken",
                    "call:activated",
                ],
            ),
            (
                "called_instance_completed",
                &["call:completed", "call_after:taken", "after:activated"],
            ),
        ],
    )
    .await;
}

#[tokio::test]
async fn a_missing_data_input_is_a_call_failed_incident_until_it_is_set() {
    let h = Harness::new().await;
    h.deploy(&io_called()).await;
    h.deploy(&io_caller()).await;
    let inst = h.start("asker", json!({})).await;
    let incidents = h.open_incidents(&inst.id).await;
    assert_eq!(incidents.len(), 1);
    assert_eq!(incidents[0].kind, "call_failed");
    assert_eq!(
        incidents[0].message,
        "'call' passes no variable 'in_1', a data input of process 'doubler'"
    );
    h.engine
        .resolve_incident(&incidents[0].id, None, vars(json!({"in_1": 2})), &admin())
        .await
        .unwrap();
    let job = h.jobs("double").await.remove(0);
    assert_eq!(job.variables["in_1"], json!(2));
    h.assert_trail(
        &inst.id,
        &[
            (
                "instance_started",
                &[
                    "asker:activated",
                    "start:activated",
                    "start:completed",
                    "start_call:taken",
                    "call:activated",
                ],
            ),
            ("call_failed", &[]),
            ("variables_set", &[]),
            ("incident_resolved", &[]),
        ],
    )
    .await;
}
