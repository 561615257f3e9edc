//! Embedded sub-processes: scopes and where variables land.

use keel_tests::audit::assert_trail;
use keel_tests::bpmn::{flows, service_task, zeebe};
use keel_tests::{Server, json};

#[tokio::test]
async fn variables_land_in_the_nearest_scope_that_defines_them() {
    let server = Server::start().await;
    let api = server.admin();
    let body = format!(
        r#"    <bpmn:startEvent id="start" />
    <bpmn:subProcess id="sub">
      <bpmn:extensionElements>
        <zeebe:ioMapping><zeebe:input source="=0" target="counter" /></zeebe:ioMapping>
      </bpmn:extensionElements>
      <bpmn:startEvent id="sub_start" />
{}
{}
      <bpmn:endEvent id="sub_end" />
{}
    </bpmn:subProcess>
    <bpmn:endEvent id="end" />
{}"#,
        service_task("inner", "inner"),
        service_task("check", "check"),
        flows(&[
            ("sub_start", "inner"),
            ("inner", "check"),
            ("check", "sub_end")
        ]),
        flows(&[("start", "sub"), ("sub", "end")]),
    );
    api.deploy(&zeebe("scoped", &body)).await;
    let instance = api.start("scoped", json!({"total": 1})).await;
    let id = instance["id"].as_str().unwrap();

    let inner = api.one_job("inner", "w").await;
    assert_eq!(inner["variables"]["counter"], 0, "{inner}");
    assert_eq!(inner["variables"]["total"], 1, "{inner}");
    api.complete_job(
        inner["id"].as_str().unwrap(),
        "w",
        json!({"counter": 5, "total": 2, "fresh": "x"}),
    )
    .await;

    // While the sub-process runs: `counter` lives in its scope, `total` and `fresh` in root.
    let running = api.instance(id).await;
    let root = &running["variables"];
    assert_eq!(root["total"], 2, "total is defined in root: {running}");
    assert_eq!(
        root["fresh"], "x",
        "fresh is defined nowhere: root: {running}"
    );
    assert!(
        root.get("counter").is_none(),
        "counter is defined by the sub-process: {running}"
    );
    let check = api.one_job("check", "w").await;
    assert_eq!(check["variables"]["counter"], 5, "{check}");
    api.complete_job(check["id"].as_str().unwrap(), "w", json!({}))
        .await;

    let done = api.wait_state(id, "completed").await;
    assert!(done["variables"].get("counter").is_none(), "{done}");
    assert_trail(
        &api.audit(id).await,
        &[
            (
                "instance_started",
                &[
                    "scoped:activated",
                    "start:activated",
                    "start:completed",
                    "f_start_sub:taken",
                    "sub:activated",
                    "sub_start:activated",
                    "sub_start:completed",
                    "f_sub_start_inner:taken",
                    "inner:activated",
                ],
            ),
            (
                "job_completed",
                &["inner:completed", "f_inner_check:taken", "check:activated"],
            ),
            (
                "job_completed",
                &[
                    "check:completed",
                    "f_check_sub_end:taken",
                    "sub_end:activated",
                    "sub_end:completed",
                    "sub:completed",
                    "f_sub_end:taken",
                    "end:activated",
                    "end:completed",
                    "scoped:completed",
                ],
            ),
        ],
    );
}
