//! Process-level start events over HTTP: a message start event started by `POST /messages`
//! (once per message id), a timer start event started by the server's timer loop, and the API
//! start refused without a none start event.

use keel_tests::audit::assert_trail;
use keel_tests::bpmn::{flows, zeebe_with};
use keel_tests::poll::eventually;
use keel_tests::{Server, json};

fn started_by_message() -> String {
    let body = format!(
        r#"    <bpmn:startEvent id="ordered">
      <bpmn:messageEventDefinition messageRef="msg_order" />
    </bpmn:startEvent>
    <bpmn:userTask id="pack" />
    <bpmn:endEvent id="end" />
{}"#,
        flows(&[("ordered", "pack"), ("pack", "end")])
    );
    let roots = r#"  <bpmn:message id="msg_order" name="order placed" />"#;
    zeebe_with("ordering", &body, roots)
}

#[tokio::test]
async fn a_message_starts_an_instance_once_per_message_id() {
    let server = Server::start().await;
    let api = server.admin();
    api.deploy(&started_by_message()).await;

    let refused = api
        .post("/api/v1/definitions/ordering/instances", json!({}))
        .await;
    assert_eq!(refused.status, 422, "{:?}", refused.body);
    assert_eq!(refused.code(), "no_none_start_event", "{:?}", refused.body);

    let body = json!({"name": "order placed", "message_id": "order-1", "business_key": "B-1",
                      "variables": {"sku": "X-1"}});
    let first = api
        .post("/api/v1/messages", body.clone())
        .await
        .expect(200, "message start");
    let started = first["started"].as_array().cloned().unwrap_or_default();
    assert_eq!(started.len(), 1, "{first}");
    assert_eq!(first["correlated"], json!(started), "{first}");
    assert_eq!(first["buffered"], false, "{first}");
    let id = started[0].as_str().unwrap();
    let view = api.instance(id).await;
    assert_eq!(view["state"], "active", "{view}");
    assert_eq!(view["business_key"], "B-1", "{view}");
    assert_eq!(view["variables"]["sku"], "X-1", "{view}");
    let trail = api.audit(id).await;
    assert_eq!(trail[0]["element_id"], "ordered", "{}", trail[0]);
    assert_trail(
        &trail,
        &[(
            "instance_started",
            &[
                "ordering:activated",
                "ordered:activated",
                "ordered:completed",
                "f_ordered_pack:taken",
                "pack:activated",
            ],
        )],
    );

    // The same message id again: the first answer, and still one instance.
    let again = api
        .post("/api/v1/messages", body)
        .await
        .expect(200, "repeated message");
    assert_eq!(again["started"], first["started"], "{again}");
    let listed = api
        .get("/api/v1/instances?definition_key=ordering")
        .await
        .expect(200, "list");
    assert_eq!(listed.as_array().map(Vec::len), Some(1), "{listed}");
}

#[tokio::test]
async fn a_timer_cycle_starts_instances_from_the_timer_loop() {
    let server = Server::start().await;
    let api = server.admin();
    let body = format!(
        r#"    <bpmn:startEvent id="tick">
      <bpmn:timerEventDefinition><bpmn:timeCycle>R2/PT1S</bpmn:timeCycle></bpmn:timerEventDefinition>
    </bpmn:startEvent>
    <bpmn:endEvent id="end" />
{}"#,
        flows(&[("tick", "end")])
    );
    api.deploy(&zeebe_with("ticking", &body, "")).await;
    let instances = eventually("two timer-started instances", || async {
        let listed = api
            .get("/api/v1/instances?definition_key=ticking")
            .await
            .expect(200, "list");
        let items = listed.as_array().cloned().unwrap_or_default();
        (items.len() == 2).then_some(items)
    })
    .await;
    for instance in &instances {
        assert_eq!(instance["state"], "completed", "{instance}");
        let trail = api.audit(instance["id"].as_str().unwrap()).await;
        assert_eq!(trail[0]["actor"]["type"], "system", "{}", trail[0]);
        assert_trail(
            &trail,
            &[(
                "instance_started",
                &[
                    "ticking:activated",
                    "tick:activated",
                    "tick:completed",
                    "f_tick_end:taken",
                    "end:activated",
                    "end:completed",
                    "ticking:completed",
                ],
            )],
        );
    }
}
