//! Intermediate catch events: messages (correlation key, buffering with a TTL, duplicate
//! message ids) and timers.

use keel_tests::audit::{assert_trail, kinds};
use keel_tests::bpmn::{flows, zeebe, zeebe_with};
use keel_tests::{Api, Server, Value, json};

fn message_model() -> String {
    let body = format!(
        r#"    <bpmn:startEvent id="start" />
    <bpmn:intermediateCatchEvent id="wait">
      <bpmn:messageEventDefinition messageRef="msg_payment" />
    </bpmn:intermediateCatchEvent>
    <bpmn:endEvent id="end" />
{}"#,
        flows(&[("start", "wait"), ("wait", "end")])
    );
    let roots = r#"  <bpmn:message id="msg_payment" name="payment">
    <bpmn:extensionElements><zeebe:subscription correlationKey="=orderId" /></bpmn:extensionElements>
  </bpmn:message>"#;
    zeebe_with("paying", &body, roots)
}

const WAITING: [&str; 5] = [
    "paying:activated",
    "start:activated",
    "start:completed",
    "f_start_wait:taken",
    "wait:activated",
];
const CONTINUED: [&str; 5] = [
    "wait:completed",
    "f_wait_end:taken",
    "end:activated",
    "end:completed",
    "paying:completed",
];

async fn message(api: &Api, body: Value) -> keel_tests::Resp {
    api.post("/api/v1/messages", body).await
}

#[tokio::test]
async fn message_correlates_by_key_and_ignores_repeated_ids() {
    let server = Server::start().await;
    let api = server.admin();
    api.deploy(&message_model()).await;
    let a = api.start("paying", json!({"orderId": "o-1"})).await;
    let a = a["id"].as_str().unwrap();

    let miss = message(&api, json!({"name": "payment", "correlation_key": "o-2"})).await;
    assert_eq!(miss.status, 404, "{:?}", miss.body);
    assert_eq!(miss.code(), "no_subscription", "{:?}", miss.body);

    let hit = message(
        &api,
        json!({"name": "payment", "correlation_key": "o-1", "message_id": "m-1",
               "variables": {"paid": true}}),
    )
    .await
    .expect(200, "correlate");
    assert_eq!(hit["correlated"], json!([a]), "{hit}");
    let done = api.wait_state(a, "completed").await;
    assert_eq!(done["variables"]["paid"], true, "{done}");
    assert_trail(
        &api.audit(a).await,
        &[
            ("instance_started", &WAITING),
            ("message_correlated", &CONTINUED),
        ],
    );

    // A second instance waits on the same key: repeating message id m-1 must not reach it.
    let b = api.start("paying", json!({"orderId": "o-1"})).await;
    let b = b["id"].as_str().unwrap();
    let repeat = message(
        &api,
        json!({"name": "payment", "correlation_key": "o-1", "message_id": "m-1"}),
    )
    .await;
    assert!(
        repeat.status == 200 || repeat.status == 409,
        "a repeated message id is ignored: {} {}",
        repeat.status,
        repeat.body
    );
    if repeat.status == 200 {
        // Ignored: either nothing, or the first result replayed; never the new instance.
        let correlated = repeat.body["correlated"].clone();
        assert!(
            correlated == json!([]) || correlated == json!([a]),
            "{}",
            repeat.body
        );
    }
    let still = api.instance(b).await;
    assert_eq!(still["state"], "active", "{still}");
    assert_eq!(kinds(&api.audit(b).await), ["instance_started"]);
}

#[tokio::test]
async fn buffered_message_correlates_when_the_subscription_opens() {
    let server = Server::start().await;
    let api = server.admin();
    api.deploy(&message_model()).await;
    let buffered = message(
        &api,
        json!({"name": "payment", "correlation_key": "o-9", "ttl_ms": 60_000,
               "variables": {"paid": "early"}}),
    )
    .await
    .expect(200, "buffer");
    assert_eq!(buffered["buffered"], true, "{buffered}");
    assert_eq!(buffered["correlated"], json!([]), "{buffered}");

    let instance = api.start("paying", json!({"orderId": "o-9"})).await;
    let id = instance["id"].as_str().unwrap();
    let done = api.wait_state(id, "completed").await;
    assert_eq!(done["variables"]["paid"], "early", "{done}");
    let trail = api.audit(id).await;
    assert_eq!(
        kinds(&trail),
        ["instance_started", "message_correlated"],
        "{}",
        keel_tests::audit::render(&trail)
    );
    assert_trail(
        &trail,
        &[
            ("instance_started", &WAITING),
            ("message_correlated", &CONTINUED),
        ],
    );

    // Consumed: a second instance with the same key waits.
    let other = api.start("paying", json!({"orderId": "o-9"})).await;
    assert_eq!(other["state"], "active", "{other}");
}

#[tokio::test]
async fn timer_catch_event_fires_after_its_duration() {
    let server = Server::start().await;
    let api = server.admin();
    let body = format!(
        r#"    <bpmn:startEvent id="start" />
    <bpmn:intermediateCatchEvent id="pause">
      <bpmn:timerEventDefinition><bpmn:timeDuration>PT1S</bpmn:timeDuration></bpmn:timerEventDefinition>
    </bpmn:intermediateCatchEvent>
    <bpmn:endEvent id="end" />
{}"#,
        flows(&[("start", "pause"), ("pause", "end")])
    );
    api.deploy(&zeebe("pausing", &body)).await;
    let instance = api.start("pausing", json!({})).await;
    let id = instance["id"].as_str().unwrap();
    assert_eq!(instance["state"], "active", "{instance}");
    api.wait_state(id, "completed").await;
    let trail = api.audit(id).await;
    assert_eq!(trail[1]["element_id"], "pause", "{}", trail[1]);
    assert_trail(
        &trail,
        &[
            (
                "instance_started",
                &[
                    "pausing:activated",
                    "start:activated",
                    "start:completed",
                    "f_start_pause:taken",
                    "pause:activated",
                ],
            ),
            (
                "timer_fired",
                &[
                    "pause:completed",
                    "f_pause_end:taken",
                    "end:activated",
                    "end:completed",
                    "pausing:completed",
                ],
            ),
        ],
    );
}
