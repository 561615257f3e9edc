//! Operator actions on one element of a running instance (docs/decisions/0014), end to end
//! through the `Engine` façade: triggering wait states (`Engine::trigger_element`, Camunda 7's
//! `runtimeService.signal`) and activating inner elements of a running ad-hoc sub-process
//! (`Engine::activate_ad_hoc_elements`). Each test asserts the exact element transitions of the
//! audit trail.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, dead_code)] // test code

mod support;

use support::*;

// ----- triggering wait states ------------------------------------------------------------------

/// `start` forks to `msg` (a message catch event with a correlation key), `nap` (a timer catch
/// event), `recv` (a receive task waiting for a message) and `work` (a user task); each path
/// ends at its own end event.
fn waits_model() -> String {
    let roots = r#"<message id="m" name="paid"><extensionElements><zeebe:subscription correlationKey="=order"/></extensionElements></message>"#;
    let body = [
        r#"<startEvent id="start"/><parallelGateway id="fork"/>"#.to_owned(),
        r#"<intermediateCatchEvent id="msg"><messageEventDefinition messageRef="m"/></intermediateCatchEvent>"#.to_owned(),
        r#"<intermediateCatchEvent id="nap"><timerEventDefinition><timeDuration>PT1H</timeDuration></timerEventDefinition></intermediateCatchEvent>"#.to_owned(),
        r#"<receiveTask id="recv" messageRef="m"/>"#.to_owned(),
        user_task("work"),
        r#"<endEvent id="e1"/><endEvent id="e2"/><endEvent id="e3"/><endEvent id="e4"/>"#.to_owned(),
        flow("start", "fork"),
        flow("fork", "msg"),
        flow("fork", "nap"),
        flow("fork", "recv"),
        flow("fork", "work"),
        flow("msg", "e1"),
        flow("nap", "e2"),
        flow("recv", "e3"),
        flow("work", "e4"),
    ];
    model_with("waits", roots, &body.join("\n"))
}

#[tokio::test]
async fn catch_events_and_receive_tasks_can_be_triggered_but_tasks_cannot() {
    let h = Harness::new().await;
    h.deploy(&waits_model()).await;
    let inst = h.start("waits", json!({"order": "o-1"})).await;
    assert_eq!(active(&inst), ["msg", "nap", "recv", "work"]);
    // A user task has its own completion (with its rules): no trigger.
    assert!(matches!(
        h.engine
            .trigger_element(&inst.id, "work", Map::new(), &admin())
            .await,
        Err(keel_engine::Error::Conflict(_))
    ));
    // The message catch event: its variables land like a message's; its subscription is gone.
    h.engine
        .trigger_element(&inst.id, "msg", vars(json!({"via": "operator"})), &admin())
        .await
        .unwrap();
    let view = h.instance(&inst.id).await;
    assert_eq!(view.variables["via"], json!("operator"));
    assert_eq!(active(&view), ["nap", "recv", "work"]);
    // The receive task still waits for `paid`; a message reaches only it now.
    h.correlate_key("paid", "o-1", json!({})).await.unwrap();
    assert_eq!(active(&h.instance(&inst.id).await), ["nap", "work"]);
    // The timer catch event: triggered early, its timer never fires.
    h.engine
        .trigger_element(&inst.id, "nap", Map::new(), &admin())
        .await
        .unwrap();
    assert_eq!(h.advance(7_200_000).await, 0);
    // Nothing of `nap` waits any more.
    assert!(matches!(
        h.engine
            .trigger_element(&inst.id, "nap", Map::new(), &admin())
            .await,
        Err(keel_engine::Error::Conflict(_))
    ));
    h.complete_task(&inst.id, "work", json!({})).await;
    assert_eq!(h.instance(&inst.id).await.state, "completed");
    h.assert_trail(
        &inst.id,
        &[
            (
                "instance_started",
                &[
                    "waits:activated",
                    "start:activated",
                    "start:completed",
                    "start_fork:taken",
                    "fork:activated",
                    "fork:completed",
                    "fork_msg:taken",
                    "fork_nap:taken",
                    "fork_recv:taken",
                    "fork_work:taken",
                    "msg:activated",
                    "nap:activated",
                    "recv:activated",
                    "work:activated",
                ],
            ),
            (
                "element_triggered",
                &[
                    "msg:completed",
                    "msg_e1:taken",
                    "e1:activated",
                    "e1:completed",
                ],
            ),
            (
                "message_correlated",
                &[
                    "recv:completed",
                    "recv_e3:taken",
                    "e3:activated",
                    "e3:completed",
                ],
            ),
            (
                "element_triggered",
                &[
                    "nap:completed",
                    "nap_e2:taken",
                    "e2:activated",
                    "e2:completed",
                ],
            ),
            (
                "task_completed",
                &[
                    "work:completed",
                    "work_e4:taken",
                    "e4:activated",
                    "e4:completed",
                    "waits:completed",
                ],
            ),
        ],
    )
    .await;
}

#[tokio::test]
async fn a_receive_task_with_a_message_can_be_triggered_and_no_message_reaches_it_then() {
    let h = Harness::new().await;
    h.deploy(&waits_model()).await;
    let inst = h.start("waits", json!({"order": "o-2"})).await;
    let result = h
        .engine
        .trigger_element(&inst.id, "recv", Map::new(), &admin())
        .await
        .unwrap();
    assert_eq!(result.correlated, std::slice::from_ref(&inst.id));
    assert_eq!(active(&h.instance(&inst.id).await), ["msg", "nap", "work"]);
    // The message now reaches only the catch event.
    h.correlate_key("paid", "o-2", json!({})).await.unwrap();
    assert_eq!(active(&h.instance(&inst.id).await), ["nap", "work"]);
    h.assert_trail(
        &inst.id,
        &[
            (
                "instance_started",
                &[
                    "waits:activated",
                    "start:activated",
                    "start:completed",
                    "start_fork:taken",
                    "fork:activated",
                    "fork:completed",
                    "fork_msg:taken",
                    "fork_nap:taken",
                    "fork_recv:taken",
                    "fork_work:taken",
                    "msg:activated",
                    "nap:activated",
                    "recv:activated",
                    "work:activated",
                ],
            ),
            (
                "element_triggered",
                &[
                    "recv:completed",
                    "recv_e3:taken",
                    "e3:activated",
                    "e3:completed",
                ],
            ),
            (
                "message_correlated",
                &[
                    "msg:completed",
                    "msg_e1:taken",
                    "e1:activated",
                    "e1:completed",
                ],
            ),
        ],
    )
    .await;
}

#[tokio::test]
async fn the_oldest_waiting_instance_of_the_element_is_triggered() {
    let h = Harness::new().await;
    // One inner instance per item, each with its own `item`; completing writes it to `done`.
    let body = [
        r#"<startEvent id="start"/><receiveTask id="wait"><extensionElements><zeebe:ioMapping><zeebe:output source="=item" target="done"/></zeebe:ioMapping></extensionElements><multiInstanceLoopCharacteristics isSequential="false"><extensionElements><zeebe:loopCharacteristics inputCollection="=items" inputElement="item"/></extensionElements></multiInstanceLoopCharacteristics></receiveTask><endEvent id="end"/>"#.to_owned(),
        flow("start", "wait"),
        flow("wait", "end"),
    ];
    h.deploy(&model("twice", &body.join("\n"))).await;
    let inst = h
        .start("twice", json!({"items": ["first", "second"]}))
        .await;
    // The body and its two inner instances.
    assert_eq!(active(&inst), ["wait", "wait", "wait"]);
    // The first trigger completes the inner instance of the first item, the older one.
    h.engine
        .trigger_element(&inst.id, "wait", Map::new(), &admin())
        .await
        .unwrap();
    let view = h.instance(&inst.id).await;
    assert_eq!(view.variables["done"], json!("first"));
    assert_eq!(active(&view), ["wait", "wait"]);
    h.engine
        .trigger_element(&inst.id, "wait", Map::new(), &admin())
        .await
        .unwrap();
    let view = h.instance(&inst.id).await;
    assert_eq!(view.state, "completed");
    assert_eq!(view.variables["done"], json!("second"));
    h.assert_trail(
        &inst.id,
        &[
            (
                "instance_started",
                &[
                    "twice:activated",
                    "start:activated",
                    "start:completed",
                    "start_wait:taken",
                    "wait[body]:activated",
                    "wait:activated",
                    "wait:activated",
                ],
            ),
            ("element_triggered", &["wait:completed"]),
            (
                "element_triggered",
                &[
                    "wait:completed",
                    "wait[body]:completed",
                    "wait_end:taken",
                    "end:activated",
                    "end:completed",
                    "twice:completed",
                ],
            ),
        ],
    )
    .await;
    let audit = h.engine.instance_audit(&inst.id).await.unwrap();
    assert_eq!(audit[1].data["variables"], json!({"done": "first"}));
    assert_eq!(audit[2].data["variables"], json!({"done": "second"}));
}

#[tokio::test]
async fn a_conditional_catch_event_can_be_triggered_before_its_condition_holds() {
    let h = Harness::new().await;
    let body = [
        r#"<startEvent id="start"/><intermediateCatchEvent id="until"><conditionalEventDefinition><condition>=ready = true</condition></conditionalEventDefinition></intermediateCatchEvent><endEvent id="end"/>"#.to_owned(),
        flow("start", "until"),
        flow("until", "end"),
    ];
    h.deploy(&model("conditional", &body.join("\n"))).await;
    let inst = h.start("conditional", json!({"ready": false})).await;
    assert_eq!(active(&inst), ["until"]);
    h.engine
        .trigger_element(&inst.id, "until", Map::new(), &admin())
        .await
        .unwrap();
    assert_eq!(h.instance(&inst.id).await.state, "completed");
    h.assert_trail(
        &inst.id,
        &[
            (
                "instance_started",
                &[
                    "conditional:activated",
                    "start:activated",
                    "start:completed",
                    "start_until:taken",
                    "until:activated",
                ],
            ),
            (
                "element_triggered",
                &[
                    "until:completed",
                    "until_end:taken",
                    "end:activated",
                    "end:completed",
                    "conditional:completed",
                ],
            ),
        ],
    )
    .await;
}

#[tokio::test]
async fn a_wait_state_with_an_incident_is_not_triggered_and_the_refusal_says_why() {
    let h = Harness::new().await;
    let body = [
        r#"<startEvent id="start"/><intermediateCatchEvent id="until"><conditionalEventDefinition><condition>=ready = true</condition></conditionalEventDefinition></intermediateCatchEvent><endEvent id="end"/>"#.to_owned(),
        flow("start", "until"),
        flow("until", "end"),
    ];
    h.deploy(&model("conditional", &body.join("\n"))).await;
    // A condition that is no boolean: an incident on the catch event.
    let inst = h.start("conditional", json!({"ready": "yes"})).await;
    assert_eq!(h.open_incidents(&inst.id).await.len(), 1);
    let refused = h
        .engine
        .trigger_element(&inst.id, "until", Map::new(), &admin())
        .await;
    assert!(
        matches!(&refused, Err(keel_engine::Error::Conflict(m)) if m.contains("open incident")),
        "{refused:?}"
    );
    assert_eq!(active(&h.instance(&inst.id).await), ["until"]);
}

// ----- activating elements of an ad-hoc sub-process --------------------------------------------

fn ad_hoc_model() -> String {
    let body = [
        r#"<startEvent id="start"/><adHocSubProcess id="pick"><extensionElements><zeebe:adHoc activeElementsCollection="=[&quot;a&quot;]"/></extensionElements>"#.to_owned(),
        user_task("a"),
        user_task("b"),
        user_task("c"),
        flow("b", "c"),
        r#"<boundaryEvent id="late" attachedToRef="a"><timerEventDefinition><timeDuration>PT1H</timeDuration></timerEventDefinition></boundaryEvent>"#.to_owned(),
        r#"</adHocSubProcess><endEvent id="end"/>"#.to_owned(),
        flow("start", "pick"),
        flow("pick", "end"),
    ];
    model("ad_hoc", &body.join("\n"))
}

#[tokio::test]
async fn inner_elements_of_a_running_ad_hoc_sub_process_are_activated_later() {
    let h = Harness::new().await;
    h.deploy(&ad_hoc_model()).await;
    let inst = h.start("ad_hoc", json!({})).await;
    assert_eq!(active(&inst), ["a", "pick"]);
    let view = h
        .engine
        .activate_ad_hoc_elements(
            &inst.id,
            "pick",
            vec!["b".into()],
            vars(json!({"note": "from the operator"})),
            &admin(),
        )
        .await
        .unwrap();
    assert_eq!(active(&view), ["a", "b", "pick"]);
    // The variables are the ad-hoc sub-process's own: visible at `b`, not in the process scope.
    assert!(view.variables.get("note").is_none());
    let tasks = h.open_tasks(&inst.id).await;
    let b = tasks.iter().find(|t| t.element_id == "b").unwrap();
    let (_, seen) = h.engine.task(&b.id, &admin()).await.unwrap();
    assert_eq!(seen["note"], json!("from the operator"));
    h.complete_task(&inst.id, "a", json!({})).await;
    h.complete_task(&inst.id, "b", json!({})).await;
    h.complete_task(&inst.id, "c", json!({})).await;
    assert_eq!(h.instance(&inst.id).await.state, "completed");
    h.assert_trail(
        &inst.id,
        &[
            (
                "instance_started",
                &[
                    "ad_hoc:activated",
                    "start:activated",
                    "start:completed",
                    "start_pick:taken",
                    "pick:activated",
                    "a:activated",
                ],
            ),
            ("ad_hoc_elements_activated", &["b:activated"]),
            ("task_completed", &["a:completed"]),
            (
                "task_completed",
                &["b:completed", "b_c:taken", "c:activated"],
            ),
            (
                "task_completed",
                &[
                    "c:completed",
                    "pick:completed",
                    "pick_end:taken",
                    "end:activated",
                    "end:completed",
                    "ad_hoc:completed",
                ],
            ),
        ],
    )
    .await;
    let audit = h.engine.instance_audit(&inst.id).await.unwrap();
    assert_eq!(audit[1].element_id.as_deref(), Some("pick"));
    assert_eq!(audit[1].data["elements"], json!(["b"]));
}

#[tokio::test]
async fn activations_are_refused_with_a_reason() {
    let h = Harness::new().await;
    h.deploy(&ad_hoc_model()).await;
    let inst = h.start("ad_hoc", json!({})).await;
    let activate = |element: &'static str, ids: Vec<&'static str>| {
        let engine = h.engine.clone();
        let id = inst.id.clone();
        async move {
            engine
                .activate_ad_hoc_elements(
                    &id,
                    element,
                    ids.into_iter().map(str::to_owned).collect(),
                    Map::new(),
                    &admin(),
                )
                .await
        }
    };
    let invalid = |r: keel_engine::Result<InstanceView>| match r {
        Err(keel_engine::Error::Invalid { code, message }) => {
            assert_eq!(code, "invalid_element");
            message
        }
        other => panic!("expected invalid_element, got {other:?}"),
    };
    // A boundary event, an element of another scope, an unknown id, no id at all.
    assert!(invalid(activate("pick", vec!["late"]).await).contains("'late' is not an element"));
    assert!(invalid(activate("pick", vec!["end"]).await).contains("'end' is not an element"));
    assert!(invalid(activate("pick", vec!["ghost"]).await).contains("'ghost'"));
    assert!(invalid(activate("pick", vec![]).await).contains("at least one"));
    // The path names no ad-hoc sub-process, or nothing the process has.
    assert!(invalid(activate("a", vec!["b"]).await).contains("not an ad-hoc sub-process"));
    assert!(matches!(
        activate("nowhere", vec!["b"]).await,
        Err(keel_engine::Error::NotFound(_))
    ));
    assert!(matches!(
        h.engine
            .activate_ad_hoc_elements("nope", "pick", vec!["b".into()], Map::new(), &admin())
            .await,
        Err(keel_engine::Error::NotFound(_))
    ));
    // Once it has completed, nothing can be activated in it any more.
    h.complete_task(&inst.id, "a", json!({})).await;
    assert!(matches!(
        activate("pick", vec!["b"]).await,
        Err(keel_engine::Error::Conflict(_))
    ));
    // Only the start and the completion are in the trail: the refusals changed nothing.
    assert_eq!(h.trail(&inst.id).await.len(), 2);
    h.assert_trail(
        &inst.id,
        &[
            (
                "instance_started",
                &[
                    "ad_hoc:activated",
                    "start:activated",
                    "start:completed",
                    "start_pick:taken",
                    "pick:activated",
                    "a:activated",
                ],
            ),
            (
                "task_completed",
                &[
                    "a:completed",
                    "pick:completed",
                    "pick_end:taken",
                    "end:activated",
                    "end:completed",
                    "ad_hoc:completed",
                ],
            ),
        ],
    )
    .await;
}
