//! Elements working together, end to end through the `Engine` façade: reminders from a repeating
//! timer on a user task, compensation of an earlier activity after a later one failed, and an
//! inclusive join after a boundary event's detour. (The message/timer race on an event-based
//! gateway is `elements.rs`'s `event_based_gateway_*` tests, both ways.) Each test asserts the
//! exact element transitions of the audit trail (`element_id:event`, per record).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, dead_code)] // test code

mod support;

use support::*;

const HOUR: i64 = 3_600_000;

// ----- timer reminders on a user task -----------------------------------------------------------

fn reminders_model() -> String {
    let body = [
        r#"<startEvent id="start"/><endEvent id="end"/><endEvent id="reminded"/>"#.to_owned(),
        user_task("review"),
        r#"<boundaryEvent id="remind" attachedToRef="review" cancelActivity="false"><timerEventDefinition><timeCycle>R/PT1H</timeCycle></timerEventDefinition></boundaryEvent>"#.to_owned(),
        service("send_reminder"),
        flow("start", "review"),
        flow("review", "end"),
        flow("remind", "send_reminder"),
        flow("send_reminder", "reminded"),
    ];
    model("reviews", &body.join("\n"))
}

#[tokio::test]
async fn a_repeating_timer_reminds_until_the_user_task_completes() {
    let h = Harness::new().await;
    h.deploy(&reminders_model()).await;
    let inst = h.start("reviews", json!({})).await;
    // Nothing before the hour is over.
    assert_eq!(h.advance(HOUR - 1).await, 0);
    assert!(h.jobs("send_reminder").await.is_empty());
    // Each hour: one reminder job, the task stays.
    for _ in 0..2 {
        assert_eq!(h.advance(HOUR).await, 1);
        let jobs = h.jobs("send_reminder").await;
        assert_eq!(jobs.len(), 1);
        h.complete_job(&jobs[0], json!({})).await;
        assert_eq!(active(&h.instance(&inst.id).await), ["review"]);
    }
    // A third reminder is still being sent when the task completes: it goes on by itself.
    assert_eq!(h.advance(HOUR).await, 1);
    h.complete_task(&inst.id, "review", json!({"ok": true}))
        .await;
    assert_eq!(active(&h.instance(&inst.id).await), ["send_reminder"]);
    // The timer went with the task: no more reminders.
    assert_eq!(h.advance(10 * HOUR).await, 0);
    let pending = h.jobs("send_reminder").await;
    assert_eq!(pending.len(), 1);
    h.complete_job(&pending[0], json!({})).await;
    assert_eq!(h.instance(&inst.id).await.state, "completed");
    let reminder: &[&str] = &[
        "remind:activated",
        "remind:completed",
        "remind_send_reminder:taken",
        "send_reminder:activated",
    ];
    let sent: &[&str] = &[
        "send_reminder:completed",
        "send_reminder_reminded:taken",
        "reminded:activated",
        "reminded:completed",
    ];
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
                    "review:activated",
                ],
            ),
            ("timer_fired", reminder),
            ("job_completed", sent),
            ("timer_fired", reminder),
            ("job_completed", sent),
            ("timer_fired", reminder),
            (
                "task_completed",
                &[
                    "review:completed",
                    "review_end:taken",
                    "end:activated",
                    "end:completed",
                ],
            ),
            (
                "job_completed",
                &[
                    "send_reminder:completed",
                    "send_reminder_reminded:taken",
                    "reminded:activated",
                    "reminded:completed",
                    "reviews:completed",
                ],
            ),
        ],
    )
    .await;
}

// ----- compensation after a later failure -------------------------------------------------------

/// `book` (compensated by `cancel_booking`) then `charge`, whose `DECLINED` error is caught by
/// `catch`: a boundary event of `charge` whose path throws compensation.
fn booking_model() -> String {
    let body = [
        r#"<startEvent id="start"/><endEvent id="end"/><endEvent id="failed"/>"#.to_owned(),
        service("book"),
        r#"<boundaryEvent id="undo" attachedToRef="book"><compensateEventDefinition/></boundaryEvent>"#.to_owned(),
        r#"<serviceTask id="cancel_booking" isForCompensation="true"><extensionElements><zeebe:taskDefinition type="cancel_booking"/></extensionElements></serviceTask>"#.to_owned(),
        r#"<association id="undo_handler" associationDirection="One" sourceRef="undo" targetRef="cancel_booking"/>"#.to_owned(),
        service("charge"),
        r#"<boundaryEvent id="declined" attachedToRef="charge"><errorEventDefinition errorRef="e_declined"/></boundaryEvent>"#.to_owned(),
        r#"<intermediateThrowEvent id="roll_back"><compensateEventDefinition/></intermediateThrowEvent>"#.to_owned(),
        flow("start", "book"),
        flow("book", "charge"),
        flow("charge", "end"),
        flow("declined", "roll_back"),
        flow("roll_back", "failed"),
    ];
    model_with(
        "booking",
        r#"<error id="e_declined" errorCode="DECLINED"/>"#,
        &body.join("\n"),
    )
}

#[tokio::test]
async fn a_later_failure_compensates_the_activity_that_completed_before() {
    let h = Harness::new().await;
    h.deploy(&booking_model()).await;
    let inst = h.start("booking", json!({})).await;
    let book = h.jobs("book").await;
    h.complete_job(&book[0], json!({"booking": "B-1"})).await;
    let charge = h.jobs("charge").await;
    h.throw_job_error(&charge[0], "DECLINED", "card declined", json!({}))
        .await;
    // The compensation handler runs; the throw event waits for it.
    assert_eq!(
        active(&h.instance(&inst.id).await),
        ["cancel_booking", "roll_back"]
    );
    let undo = h.jobs("cancel_booking").await;
    assert_eq!(undo.len(), 1);
    assert_eq!(undo[0].variables["booking"], json!("B-1"));
    h.complete_job(&undo[0], json!({"cancelled": true})).await;
    let view = h.instance(&inst.id).await;
    assert_eq!(view.state, "completed");
    assert_eq!(view.variables["cancelled"], json!(true));
    h.assert_trail(
        &inst.id,
        &[
            (
                "instance_started",
                &[
                    "booking:activated",
                    "start:activated",
                    "start:completed",
                    "start_book:taken",
                    "book:activated",
                ],
            ),
            (
                "job_completed",
                &["book:completed", "book_charge:taken", "charge:activated"],
            ),
            (
                "error_thrown",
                &[
                    "charge:terminated",
                    "declined:activated",
                    "declined:completed",
                    "declined_roll_back:taken",
                    "roll_back:activated",
                    "cancel_booking:activated",
                ],
            ),
            (
                "job_completed",
                &[
                    "cancel_booking:completed",
                    "roll_back:completed",
                    "roll_back_failed:taken",
                    "failed:activated",
                    "failed:completed",
                    "booking:completed",
                ],
            ),
        ],
    )
    .await;
    // Nothing is left to compensate or to run.
    assert!(h.jobs("cancel_booking").await.is_empty());
}

/// The same booking, its `DECLINED` error caught by an error event sub-process of the process
/// whose path throws compensation: it compensates the process's completed activities (an event
/// sub-process does not take compensation for itself).
fn booking_esp_model() -> String {
    let body = [
        r#"<startEvent id="start"/><endEvent id="end"/>"#.to_owned(),
        service("book"),
        r#"<boundaryEvent id="undo" attachedToRef="book"><compensateEventDefinition/></boundaryEvent>"#.to_owned(),
        r#"<serviceTask id="cancel_booking" isForCompensation="true"><extensionElements><zeebe:taskDefinition type="cancel_booking"/></extensionElements></serviceTask>"#.to_owned(),
        r#"<association id="undo_handler" associationDirection="One" sourceRef="undo" targetRef="cancel_booking"/>"#.to_owned(),
        service("charge"),
        format!(
            r#"<subProcess id="on_decline" triggeredByEvent="true"><startEvent id="declined"><errorEventDefinition errorRef="e_declined"/></startEvent><intermediateThrowEvent id="roll_back"><compensateEventDefinition/></intermediateThrowEvent><endEvent id="failed"/>{}{}</subProcess>"#,
            flow("declined", "roll_back"),
            flow("roll_back", "failed"),
        ),
        flow("start", "book"),
        flow("book", "charge"),
        flow("charge", "end"),
    ];
    model_with(
        "booking",
        r#"<error id="e_declined" errorCode="DECLINED"/>"#,
        &body.join("\n"),
    )
}

#[tokio::test]
async fn an_error_event_sub_process_compensates_what_completed_before_the_failure() {
    let h = Harness::new().await;
    h.deploy(&booking_esp_model()).await;
    let inst = h.start("booking", json!({})).await;
    let book = h.jobs("book").await;
    h.complete_job(&book[0], json!({})).await;
    let charge = h.jobs("charge").await;
    h.throw_job_error(&charge[0], "DECLINED", "", json!({}))
        .await;
    assert_eq!(
        active(&h.instance(&inst.id).await),
        ["cancel_booking", "on_decline", "roll_back"]
    );
    let undo = h.jobs("cancel_booking").await;
    h.complete_job(&undo[0], json!({})).await;
    assert_eq!(h.instance(&inst.id).await.state, "completed");
    h.assert_trail(
        &inst.id,
        &[
            (
                "instance_started",
                &[
                    "booking:activated",
                    "start:activated",
                    "start:completed",
                    "start_book:taken",
                    "book:activated",
                ],
            ),
            (
                "job_completed",
                &["book:completed", "book_charge:taken", "charge:activated"],
            ),
            (
                "error_thrown",
                &[
                    "charge:terminated",
                    "on_decline:activated",
                    "declined:activated",
                    "declined:completed",
                    "declined_roll_back:taken",
                    "roll_back:activated",
                    "cancel_booking:activated",
                ],
            ),
            (
                "job_completed",
                &[
                    "cancel_booking:completed",
                    "roll_back:completed",
                    "roll_back_failed:taken",
                    "failed:activated",
                    "failed:completed",
                    "on_decline:completed",
                    "booking:completed",
                ],
            ),
        ],
    )
    .await;
}

// ----- inclusive join after a boundary detour ---------------------------------------------------

/// An inclusive split to `a` and `b`; `b`'s interrupting timer detours through `escalate`, whose
/// path rejoins the inclusive join.
fn detour_model() -> String {
    let body = [
        r#"<startEvent id="start"/><inclusiveGateway id="fork"/><inclusiveGateway id="join"/><task id="after"/><endEvent id="end"/>"#.to_owned(),
        user_task("a"),
        user_task("b"),
        user_task("escalate"),
        r#"<boundaryEvent id="late" attachedToRef="b"><timerEventDefinition><timeDuration>PT1H</timeDuration></timerEventDefinition></boundaryEvent>"#.to_owned(),
        flow("start", "fork"),
        cond("fork", "a", "=go_a"),
        cond("fork", "b", "=go_b"),
        flow("a", "join"),
        flow("b", "join"),
        flow("late", "escalate"),
        flow("escalate", "join"),
        flow("join", "after"),
        flow("after", "end"),
    ];
    model("detour", &body.join("\n"))
}

#[tokio::test]
async fn an_inclusive_join_waits_for_a_boundary_detour_and_fires_once() {
    let h = Harness::new().await;
    h.deploy(&detour_model()).await;
    let inst = h.start("detour", json!({"go_a": true, "go_b": true})).await;
    assert_eq!(active(&inst), ["a", "b"]);
    // b runs late: its timer interrupts it and the detour starts.
    assert_eq!(h.advance(HOUR).await, 1);
    assert_eq!(active(&h.instance(&inst.id).await), ["a", "escalate"]);
    // a arrives at the join, which waits: the detour can still reach it.
    h.complete_task(&inst.id, "a", json!({})).await;
    assert_eq!(active(&h.instance(&inst.id).await), ["escalate"]);
    h.complete_task(&inst.id, "escalate", json!({})).await;
    assert_eq!(h.instance(&inst.id).await.state, "completed");
    h.assert_trail(
        &inst.id,
        &[
            (
                "instance_started",
                &[
                    "detour:activated",
                    "start:activated",
                    "start:completed",
                    "start_fork:taken",
                    "fork:activated",
                    "fork:completed",
                    "fork_a:taken",
                    "fork_b:taken",
                    "a:activated",
                    "b:activated",
                ],
            ),
            (
                "timer_fired",
                &[
                    "b:terminated",
                    "late:activated",
                    "late:completed",
                    "late_escalate:taken",
                    "escalate:activated",
                ],
            ),
            ("task_completed", &["a:completed", "a_join:taken"]),
            (
                "task_completed",
                &[
                    "escalate:completed",
                    "escalate_join:taken",
                    "join:activated",
                    "join:completed",
                    "join_after:taken",
                    "after:activated",
                    "after:completed",
                    "after_end:taken",
                    "end:activated",
                    "end:completed",
                    "detour:completed",
                ],
            ),
        ],
    )
    .await;
}

#[tokio::test]
async fn an_inclusive_join_after_a_detour_not_taken_fires_once_no_token_can_come() {
    // Only a is chosen: b and its detour can never come, so a alone fires the join.
    let h = Harness::new().await;
    h.deploy(&detour_model()).await;
    let inst = h
        .start("detour", json!({"go_a": true, "go_b": false}))
        .await;
    assert_eq!(active(&inst), ["a"]);
    h.complete_task(&inst.id, "a", json!({})).await;
    assert_eq!(h.instance(&inst.id).await.state, "completed");
    h.assert_trail(
        &inst.id,
        &[
            (
                "instance_started",
                &[
                    "detour:activated",
                    "start:activated",
                    "start:completed",
                    "start_fork:taken",
                    "fork:activated",
                    "fork:completed",
                    "fork_a:taken",
                    "a:activated",
                ],
            ),
            (
                "task_completed",
                &[
                    "a:completed",
                    "a_join:taken",
                    "join:activated",
                    "join:completed",
                    "join_after:taken",
                    "after:activated",
                    "after:completed",
                    "after_end:taken",
                    "end:activated",
                    "end:completed",
                    "detour:completed",
                ],
            ),
        ],
    )
    .await;
}
