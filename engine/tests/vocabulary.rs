//! The rest of the executable BPMN vocabulary (issue 5), end to end through the `Engine` façade:
//! receive tasks without a message (plain wait states triggered through the API), message and
//! signal events without a reference (named after the event), and standard BPMN multi-instance
//! data (`loopDataInputRef`, `inputDataItem`, `loopDataOutputRef`, `outputDataItem`). Each test
//! asserts the exact element transitions of the audit trail (`element_id:event`, per record).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, dead_code)] // test code

mod support;

use support::*;

// ----- receive task without a message -------------------------------------------------------

fn wait_state_model() -> String {
    let body = [
        r#"<startEvent id="start"/><receiveTask id="wait"/><endEvent id="done"/>"#.to_owned(),
        flow("start", "wait"),
        flow("wait", "done"),
    ];
    model("waiting", &body.join("\n"))
}

#[tokio::test]
async fn receive_task_without_a_message_waits_until_triggered() {
    let h = Harness::new().await;
    h.deploy(&wait_state_model()).await;
    let inst = h.start("waiting", json!({})).await;
    assert_eq!(active(&inst), ["wait"]);
    // A message cannot reach it, not even one named like its subscription.
    assert!(matches!(
        h.correlate("wait", "waiting", json!({})).await,
        Err(keel_engine::Error::NoSubscription(_))
    ));
    assert!(matches!(
        h.correlate("trigger:wait", "waiting", json!({})).await,
        Err(keel_engine::Error::Invalid { .. })
    ));
    // Another element, an element the process does not have, or an unknown instance, is
    // refused.
    assert!(matches!(
        h.engine
            .trigger_element(&inst.id, "start", Map::new(), &admin())
            .await,
        Err(keel_engine::Error::Conflict(_))
    ));
    assert!(matches!(
        h.engine
            .trigger_element(&inst.id, "ghost", Map::new(), &admin())
            .await,
        Err(keel_engine::Error::NotFound(_))
    ));
    assert!(matches!(
        h.engine
            .trigger_element("nope", "wait", Map::new(), &admin())
            .await,
        Err(keel_engine::Error::NotFound(_))
    ));
    let result = h
        .engine
        .trigger_element(&inst.id, "wait", vars(json!({"ok": true})), &admin())
        .await
        .unwrap();
    assert_eq!(result.correlated, std::slice::from_ref(&inst.id));
    let view = h.instance(&inst.id).await;
    assert_eq!(view.state, "completed");
    assert_eq!(view.variables["ok"], json!(true));
    h.assert_trail(
        &inst.id,
        &[
            (
                "instance_started",
                &[
                    "waiting:activated",
                    "start:activated",
                    "start:completed",
                    "start_wait:taken",
                    "wait:activated",
                ],
            ),
            (
                "element_triggered",
                &[
                    "wait:completed",
                    "wait_done:taken",
                    "done:activated",
                    "done:completed",
                    "waiting:completed",
                ],
            ),
        ],
    )
    .await;
    // Triggering again: the instance has ended, nothing waits.
    assert!(matches!(
        h.engine
            .trigger_element(&inst.id, "wait", Map::new(), &admin())
            .await,
        Err(keel_engine::Error::Conflict(_))
    ));
}

// ----- message and signal events without a reference ------------------------------------------

#[tokio::test]
async fn message_event_without_message_ref_waits_for_the_event_name() {
    let h = Harness::new().await;
    let body = [
        r#"<startEvent id="start"/><userTask id="work"/>"#.to_owned(),
        r#"<boundaryEvent id="stop" name="Stop Work" attachedToRef="work"><messageEventDefinition/></boundaryEvent>"#.to_owned(),
        r#"<endEvent id="done"/><endEvent id="stopped"/>"#.to_owned(),
        flow("start", "work"),
        flow("work", "done"),
        flow("stop", "stopped"),
    ];
    h.deploy(&model("named", &body.join("\n"))).await;
    let inst = h.start("named", json!({})).await;
    h.correlate("Stop Work", "named", json!({})).await.unwrap();
    let view = h.instance(&inst.id).await;
    assert_eq!(view.state, "completed");
    h.assert_trail(
        &inst.id,
        &[
            (
                "instance_started",
                &[
                    "named:activated",
                    "start:activated",
                    "start:completed",
                    "start_work:taken",
                    "work:activated",
                ],
            ),
            (
                "message_correlated",
                &[
                    "work:terminated",
                    "stop:activated",
                    "stop:completed",
                    "stop_stopped:taken",
                    "stopped:activated",
                    "stopped:completed",
                    "named:completed",
                ],
            ),
        ],
    )
    .await;
}

#[tokio::test]
async fn signal_events_without_signal_ref_are_named_after_the_event() {
    let h = Harness::new().await;
    let catcher = [
        r#"<startEvent id="start"/><intermediateCatchEvent id="hear" name="alarm"><signalEventDefinition/></intermediateCatchEvent><endEvent id="end"/>"#.to_owned(),
        flow("start", "hear"),
        flow("hear", "end"),
    ];
    let thrower = [
        r#"<startEvent id="start2"/><intermediateThrowEvent id="shout" name="alarm"><signalEventDefinition/></intermediateThrowEvent><endEvent id="end2"/>"#.to_owned(),
        flow("start2", "shout"),
        flow("shout", "end2"),
    ];
    h.deploy(&model("catcher", &catcher.join("\n"))).await;
    h.deploy(&model("thrower", &thrower.join("\n"))).await;
    let caught = h.start("catcher", json!({})).await;
    assert_eq!(active(&caught), ["hear"]);
    let thrown = h.start("thrower", json!({})).await;
    assert_eq!(thrown.state, "completed");
    assert_eq!(h.instance(&caught.id).await.state, "completed");
}

// ----- standard BPMN multi-instance data --------------------------------------------------------

fn bpmn_data_model(sequential: bool) -> String {
    let body = [
        format!(
            r#"<startEvent id="start"/><userTask id="review"><extensionElements><zeebe:assignmentDefinition candidateGroups="staff"/></extensionElements><multiInstanceLoopCharacteristics isSequential="{sequential}">
<loopDataInputRef>reviewers</loopDataInputRef><loopDataOutputRef>votes</loopDataOutputRef>
<inputDataItem id="reviewer" name="a reviewer"/><outputDataItem id="vote" name="the vote"/>
</multiInstanceLoopCharacteristics></userTask><endEvent id="end"/>"#
        ),
        flow("start", "review"),
        flow("review", "end"),
    ];
    model("votes", &body.join("\n"))
}

#[tokio::test]
async fn bpmn_multi_instance_data_maps_items_in_and_outputs_out() {
    let h = Harness::new().await;
    h.deploy(&bpmn_data_model(false)).await;
    let inst = h.start("votes", json!({"reviewers": ["ann", "bob"]})).await;
    let tasks = h.open_tasks(&inst.id).await;
    assert_eq!(tasks.len(), 2);
    // Each inner instance sees its item under the inputDataItem's id.
    let mut seen = Vec::new();
    for task in &tasks {
        let (_, variables) = h.engine.task(&task.id, &admin()).await.unwrap();
        seen.push(variables["reviewer"].clone());
    }
    seen.sort_by_key(ToString::to_string);
    assert_eq!(seen, [json!("ann"), json!("bob")]);
    // Complete bob's first: outputs still land in item order; `vote` stays the inner instance's.
    for (task, reviewer) in tasks.iter().rev().zip(["bob", "ann"]) {
        h.engine
            .complete_task(
                &task.id,
                vars(json!({"vote": format!("yes-{reviewer}")})),
                &worker(task),
            )
            .await
            .unwrap();
    }
    let view = h.instance(&inst.id).await;
    assert_eq!(view.state, "completed");
    assert_eq!(view.variables["votes"], json!(["yes-ann", "yes-bob"]));
    assert!(view.variables.get("vote").is_none());
    h.assert_trail(
        &inst.id,
        &[
            (
                "instance_started",
                &[
                    "votes:activated",
                    "start:activated",
                    "start:completed",
                    "start_review:taken",
                    "review[body]:activated",
                    "review:activated",
                    "review:activated",
                ],
            ),
            ("task_completed", &["review:completed"]),
            (
                "task_completed",
                &[
                    "review:completed",
                    "review[body]:completed",
                    "review_end:taken",
                    "end:activated",
                    "end:completed",
                    "votes:completed",
                ],
            ),
        ],
    )
    .await;
}

#[tokio::test]
async fn bpmn_multi_instance_data_needs_variable_names_and_both_output_halves() {
    let h = Harness::new().await;
    let mi = |inner: &str| {
        model(
            "bad",
            &format!(
                r#"<startEvent id="s"/><task id="t"><multiInstanceLoopCharacteristics>{inner}</multiInstanceLoopCharacteristics></task>{}"#,
                flow("s", "t")
            ),
        )
    };
    let errors = h
        .deploy_errors(&mi("<loopDataInputRef>2items</loopDataInputRef>"))
        .await;
    assert_eq!(errors.len(), 1);
    assert!(
        errors[0].starts_with("loopDataInputRef: \"2items\" is not a variable name: "),
        "{errors:?}"
    );
    // Any other id names a variable, hyphens included (as modelers write data ids).
    h.deploy(&mi(
        "<loopDataInputRef>my-items</loopDataInputRef><inputDataItem id=\"_a1-b2\"/>",
    ))
    .await;
    assert_eq!(
        h.deploy_errors(&mi(
            "<loopDataInputRef>items</loopDataInputRef><loopDataOutputRef>out</loopDataOutputRef>"
        ))
        .await,
        [
            "loopDataOutputRef needs an outputDataItem: the variable whose value each inner instance contributes"
        ]
    );
}

// ----- data objects ---------------------------------------------------------------------------

fn data_object_model() -> String {
    let body = [
        r#"<dataObject id="order"/><dataObject id="note"><extensionElements><camunda:value>none</camunda:value></extensionElements></dataObject>
<dataObjectReference id="order_ref" dataObjectRef="order"/><dataStoreReference id="db"/>
<startEvent id="start"/>
<userTask id="enter"><extensionElements><zeebe:assignmentDefinition candidateGroups="staff"/></extensionElements>
  <dataOutputAssociation><targetRef>order_ref</targetRef></dataOutputAssociation></userTask>
<subProcess id="sub"><dataObject id="draft"/>
  <startEvent id="sub_start"/>
  <userTask id="edit"><extensionElements><zeebe:assignmentDefinition candidateGroups="staff"/></extensionElements></userTask>
  <endEvent id="sub_end"/>
  <sequenceFlow id="sub_start_edit" sourceRef="sub_start" targetRef="edit"/><sequenceFlow id="edit_sub_end" sourceRef="edit" targetRef="sub_end"/>
</subProcess>
<serviceTask id="ship"><extensionElements><zeebe:taskDefinition type="ship"/></extensionElements>
  <ioSpecification><dataInput id="parcel"/><inputSet><dataInputRefs>parcel</dataInputRefs></inputSet><outputSet/></ioSpecification>
  <dataInputAssociation><sourceRef>order_ref</sourceRef><targetRef>parcel</targetRef></dataInputAssociation>
  <dataInputAssociation><sourceRef>db</sourceRef></dataInputAssociation>
</serviceTask>
<endEvent id="end"/>"#
            .to_owned(),
        flow("start", "enter"),
        flow("enter", "sub"),
        flow("sub", "ship"),
        flow("ship", "end"),
    ];
    model("data", &body.join("\n"))
}

#[tokio::test]
async fn data_associations_map_ids_with_hyphens_as_modelers_write_them() {
    let h = Harness::new().await;
    let body = [
        r#"<dataObject id="_order-1"><extensionElements><camunda:value>book</camunda:value></extensionElements></dataObject>
<dataObjectReference id="_ref-1" dataObjectRef="_order-1"/>
<startEvent id="start"/>
<serviceTask id="ship"><extensionElements><zeebe:taskDefinition type="ship"/></extensionElements>
  <ioSpecification><dataInput id="_parcel-1"/><inputSet><dataInputRefs>_parcel-1</dataInputRefs></inputSet><outputSet/></ioSpecification>
  <dataInputAssociation><sourceRef>_ref-1</sourceRef><targetRef>_parcel-1</targetRef></dataInputAssociation>
</serviceTask>
<endEvent id="end"/>"#
            .to_owned(),
        flow("start", "ship"),
        flow("ship", "end"),
    ];
    h.deploy(&model("hyphens", &body.join("\n"))).await;
    let inst = h.start("hyphens", json!({})).await;
    let jobs = h.jobs("ship").await;
    assert_eq!(jobs[0].variables["_parcel-1"], json!("book"));
    h.complete_job(&jobs[0], json!({})).await;
    assert_eq!(h.instance(&inst.id).await.state, "completed");
}

#[tokio::test]
async fn data_objects_are_variables_of_their_scope() {
    let h = Harness::new().await;
    h.deploy(&data_object_model()).await;
    let inst = h.start("data", json!({})).await;
    // Declared when the process starts with its value extension; without one a process-level
    // data object is undefined until written.
    assert!(inst.variables.get("order").is_none());
    assert_eq!(inst.variables["note"], json!("none"));
    h.complete_task(&inst.id, "enter", json!({"order": {"item": "book"}}))
        .await;
    // The sub-process's data object is its own: a write there stays there and ends with it.
    let (_, visible) = h
        .engine
        .task(&h.open_tasks(&inst.id).await[0].id, &admin())
        .await
        .unwrap();
    assert_eq!(visible["draft"], Value::Null);
    assert_eq!(visible["order"], json!({"item": "book"}));
    h.complete_task(&inst.id, "edit", json!({"draft": "v1", "note": "fragile"}))
        .await;
    let view = h.instance(&inst.id).await;
    assert!(view.variables.get("draft").is_none());
    assert_eq!(view.variables["note"], json!("fragile"));
    // The data input association maps the data object into the task's data input.
    let jobs = h.jobs("ship").await;
    assert_eq!(jobs.len(), 1);
    assert_eq!(jobs[0].variables["parcel"], json!({"item": "book"}));
    h.complete_job(&jobs[0], json!({})).await;
    let view = h.instance(&inst.id).await;
    assert_eq!(view.state, "completed");
    assert!(view.variables.get("parcel").is_none());
    h.assert_trail(
        &inst.id,
        &[
            (
                "instance_started",
                &[
                    "data:activated",
                    "start:activated",
                    "start:completed",
                    "start_enter:taken",
                    "enter:activated",
                ],
            ),
            (
                "task_completed",
                &[
                    "enter:completed",
                    "enter_sub:taken",
                    "sub:activated",
                    "sub_start:activated",
                    "sub_start:completed",
                    "sub_start_edit:taken",
                    "edit:activated",
                ],
            ),
            (
                "task_completed",
                &[
                    "edit:completed",
                    "edit_sub_end:taken",
                    "sub_end:activated",
                    "sub_end:completed",
                    "sub:completed",
                    "sub_ship:taken",
                    "ship:activated",
                ],
            ),
            (
                "job_completed",
                &[
                    "ship:completed",
                    "ship_end:taken",
                    "end:activated",
                    "end:completed",
                    "data:completed",
                ],
            ),
        ],
    )
    .await;
}

#[tokio::test]
async fn data_associations_must_name_data_objects() {
    let h = Harness::new().await;
    let body = r#"<dataObjectReference id="r" dataObjectRef="missing"/><startEvent id="s"/>
<task id="t"><dataInputAssociation><sourceRef>nowhere</sourceRef><targetRef>x</targetRef></dataInputAssociation></task>
<sequenceFlow id="f" sourceRef="s" targetRef="t"/>"#;
    assert_eq!(
        h.deploy_errors(&model("bad", body)).await,
        [
            "dataObjectRef \"missing\" does not name a dataObject of this process",
            "dataInputAssociation sourceRef \"nowhere\" names no data object or data store",
        ]
    );
}

// ----- camunda:variableEvents ---------------------------------------------------------------------

#[tokio::test]
async fn conditional_event_counts_only_the_variable_events_it_names() {
    let h = Harness::new().await;
    let body = [
        r#"<startEvent id="start"/>
<intermediateCatchEvent id="cond"><conditionalEventDefinition camunda:variableName="x" camunda:variableEvents="update">
  <condition>${x &gt; 1}</condition></conditionalEventDefinition></intermediateCatchEvent>
<endEvent id="end"/>"#
            .to_owned(),
        flow("start", "cond"),
        flow("cond", "end"),
    ];
    h.deploy(&model("events", &body.join("\n"))).await;
    let inst = h.start("events", json!({})).await;
    assert_eq!(active(&inst), ["cond"]);
    // Creating x (already > 1) is not an update: the event keeps waiting.
    let view = h
        .engine
        .set_variables(&inst.id, vars(json!({"x": 5})), &admin())
        .await
        .unwrap();
    assert_eq!(active(&view), ["cond"]);
    // Updating it counts.
    let view = h
        .engine
        .set_variables(&inst.id, vars(json!({"x": 6})), &admin())
        .await
        .unwrap();
    assert_eq!(view.state, "completed");
    h.assert_trail(
        &inst.id,
        &[
            (
                "instance_started",
                &[
                    "events:activated",
                    "start:activated",
                    "start:completed",
                    "start_cond:taken",
                    "cond:activated",
                ],
            ),
            ("variables_set", &[]),
            (
                "variables_set",
                &[
                    "cond:completed",
                    "cond_end:taken",
                    "end:activated",
                    "end:completed",
                    "events:completed",
                ],
            ),
        ],
    )
    .await;
}

// ----- process-level conditional start events -----------------------------------------------------

fn conditional_start_model(threshold: u32) -> String {
    let body = [
        format!(
            r#"<startEvent id="go"><conditionalEventDefinition><condition>${{amount &gt; {threshold}}}</condition></conditionalEventDefinition></startEvent>"#
        ),
        user_task("work"),
        r#"<endEvent id="end"/>"#.to_owned(),
        flow("go", "work"),
        flow("work", "end"),
    ];
    model("big_orders", &body.join("\n"))
}

#[tokio::test]
async fn conditional_start_events_start_the_latest_version_when_their_condition_holds() {
    let h = Harness::new().await;
    h.deploy(&conditional_start_model(100)).await;
    let root = admin();
    let evaluate = |variables: Value, key: Option<&str>| {
        h.engine
            .evaluate_start_conditions(key.map(str::to_owned), vars(variables), &root)
    };
    // False, or reading a variable not given: nothing starts.
    assert!(matches!(
        evaluate(json!({"amount": 50}), None).await,
        Err(keel_engine::Error::NotFound(_))
    ));
    assert!(matches!(
        evaluate(json!({}), None).await,
        Err(keel_engine::Error::NotFound(_))
    ));
    assert!(matches!(
        evaluate(json!({"amount": 500}), Some("other")).await,
        Err(keel_engine::Error::NotFound(_))
    ));
    // A non-boolean value refuses the request.
    assert!(matches!(
        evaluate(json!({"amount": "lots"}), None).await,
        Err(keel_engine::Error::Invalid {
            code: "invalid_condition",
            ..
        })
    ));
    let result = evaluate(json!({"amount": 500}), Some("big_orders"))
        .await
        .unwrap();
    assert_eq!(result.started.len(), 1);
    let view = h.instance(&result.started[0]).await;
    assert_eq!(view.definition_version, 1);
    assert_eq!(active(&view), ["work"]);
    assert_eq!(view.variables["amount"], json!(500));
    h.assert_trail(
        &view.id,
        &[(
            "instance_started",
            &[
                "big_orders:activated",
                "go:activated",
                "go:completed",
                "go_work:taken",
                "work:activated",
            ],
        )],
    )
    .await;
    // A new version replaces the old one's start condition.
    h.deploy(&conditional_start_model(1000)).await;
    assert!(matches!(
        evaluate(json!({"amount": 500}), None).await,
        Err(keel_engine::Error::NotFound(_))
    ));
    let result = evaluate(json!({"amount": 5000}), None).await.unwrap();
    assert_eq!(h.instance(&result.started[0]).await.definition_version, 2);
}

// ----- ad-hoc sub-process activeElementsCollection ----------------------------------------------

fn ad_hoc_model() -> String {
    let body = [
        r#"<startEvent id="start"/><adHocSubProcess id="pick"><extensionElements><zeebe:adHoc activeElementsCollection="=chosen"/></extensionElements>"#.to_owned(),
        user_task("a"),
        user_task("b"),
        user_task("c"),
        flow("b", "c"),
        r#"</adHocSubProcess><endEvent id="end"/>"#.to_owned(),
        flow("start", "pick"),
        flow("pick", "end"),
    ];
    model("ad_hoc", &body.join("\n"))
}

#[tokio::test]
async fn ad_hoc_sub_process_starts_the_elements_its_collection_names() {
    let h = Harness::new().await;
    h.deploy(&ad_hoc_model()).await;
    // `c` has an incoming flow: it may still be started by name.
    let inst = h.start("ad_hoc", json!({"chosen": ["c"]})).await;
    assert_eq!(active(&inst), ["c", "pick"]);
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
                    "c:activated",
                ],
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
    // Not a list of inner element ids: an incident on the sub-process; fixed, it starts.
    let inst = h.start("ad_hoc", json!({"chosen": ["nope"]})).await;
    let incidents = h.open_incidents(&inst.id).await;
    assert_eq!(incidents.len(), 1);
    assert_eq!(incidents[0].element_id, "pick");
    assert_eq!(incidents[0].kind, "expression_error");
    h.engine
        .set_variables(&inst.id, vars(json!({"chosen": ["a", "b"]})), &admin())
        .await
        .unwrap();
    h.engine
        .resolve_incident(&incidents[0].id, None, Map::new(), &admin())
        .await
        .unwrap();
    let view = h.instance(&inst.id).await;
    assert_eq!(active(&view), ["a", "b", "pick"]);
}
