//! Exclusive gateways (conditions, default flow, non-boolean conditions, no matching flow) and
//! parallel fork/join.

use keel_tests::audit::{assert_trail, transitions};
use keel_tests::bpmn::{cond_flow, flow, flows, service_task, zeebe};
use keel_tests::{Api, Server, json};

/// `start → gw`; `gw → big` when `amount > 1000`, else the default `gw → small`.
pub fn routing_model() -> String {
    let body = format!(
        r#"    <bpmn:startEvent id="start" />
    <bpmn:exclusiveGateway id="gw" default="f_gw_small" />
    <bpmn:endEvent id="big" />
    <bpmn:endEvent id="small" />
{}
{}
{}"#,
        flow("start", "gw"),
        cond_flow("gw", "big", "=amount > 1000"),
        flow("gw", "small"),
    );
    zeebe("routing", &body)
}

const HEAD: [&str; 5] = [
    "routing:activated",
    "start:activated",
    "start:completed",
    "f_start_gw:taken",
    "gw:activated",
];

async fn route(api: &Api, variables: keel_tests::Value) -> keel_tests::Value {
    api.start("routing", variables).await
}

#[tokio::test]
async fn exclusive_gateway_takes_the_true_condition_or_the_default() {
    let server = Server::start().await;
    let api = server.admin();
    api.deploy(&routing_model()).await;

    let big = route(&api, json!({"amount": 5000})).await;
    assert_eq!(big["state"], "completed", "{big}");
    let mut want: Vec<&str> = HEAD.to_vec();
    want.extend([
        "gw:completed",
        "f_gw_big:taken",
        "big:activated",
        "big:completed",
        "routing:completed",
    ]);
    assert_trail(
        &api.audit(big["id"].as_str().unwrap()).await,
        &[("instance_started", &want)],
    );

    let small = route(&api, json!({"amount": 10})).await;
    assert_eq!(small["state"], "completed", "{small}");
    let mut want: Vec<&str> = HEAD.to_vec();
    want.extend([
        "gw:completed",
        "f_gw_small:taken",
        "small:activated",
        "small:completed",
        "routing:completed",
    ]);
    assert_trail(
        &api.audit(small["id"].as_str().unwrap()).await,
        &[("instance_started", &want)],
    );
}

#[tokio::test]
async fn non_boolean_condition_raises_an_incident_never_the_default() {
    let server = Server::start().await;
    let api = server.admin();
    api.deploy(&routing_model()).await;
    // `"abc" > 1000` and `null > 1000` are null in FEEL: not a boolean.
    for variables in [json!({"amount": "abc"}), json!({}), json!({"amount": null})] {
        let instance = route(&api, variables.clone()).await;
        let id = instance["id"].as_str().unwrap();
        assert_eq!(instance["state"], "active", "{variables}: {instance}");
        assert_eq!(instance["incidents"], 1, "{variables}: {instance}");
        let incident = api.open_incident(id).await;
        assert_eq!(incident["kind"], "expression_error", "{incident}");
        assert_eq!(incident["element_id"], "gw", "{incident}");
        let trail = api.audit(id).await;
        assert_trail(&trail, &[("instance_started", &HEAD)]);
        assert!(
            !transitions(&trail).iter().any(|t| t.starts_with("f_gw_")),
            "the default flow must not be taken"
        );
    }
}

#[tokio::test]
async fn all_conditions_false_without_default_is_no_matching_flow() {
    let server = Server::start().await;
    let api = server.admin();
    let body = format!(
        r#"    <bpmn:startEvent id="start" />
    <bpmn:exclusiveGateway id="gw" />
    <bpmn:endEvent id="a" />
    <bpmn:endEvent id="b" />
{}
{}
{}"#,
        flow("start", "gw"),
        cond_flow("gw", "a", "=x = 1"),
        cond_flow("gw", "b", "=x = 2"),
    );
    api.deploy(&zeebe("nodefault", &body)).await;
    let instance = api.start("nodefault", json!({"x": 3})).await;
    let id = instance["id"].as_str().unwrap();
    assert_eq!(instance["state"], "active", "{instance}");
    let incident = api.open_incident(id).await;
    assert_eq!(incident["kind"], "no_matching_flow", "{incident}");
    assert_eq!(incident["element_id"], "gw", "{incident}");
}

#[tokio::test]
async fn parallel_join_fires_exactly_once() {
    let server = Server::start().await;
    let api = server.admin();
    let body = format!(
        "    <bpmn:startEvent id=\"start\" />
    <bpmn:parallelGateway id=\"fork\" />
    <bpmn:parallelGateway id=\"join\" />
{}\n{}\n{}
    <bpmn:endEvent id=\"end\" />
{}",
        service_task("a", "pa"),
        service_task("b", "pb"),
        service_task("after", "after"),
        flows(&[
            ("start", "fork"),
            ("fork", "a"),
            ("fork", "b"),
            ("a", "join"),
            ("b", "join"),
            ("join", "after"),
            ("after", "end"),
        ])
    );
    api.deploy(&zeebe("parallel", &body)).await;
    let instance = api.start("parallel", json!({})).await;
    let id = instance["id"].as_str().unwrap();
    let a = api.one_job("pa", "w").await;
    let b = api.one_job("pb", "w").await;
    api.complete_job(a["id"].as_str().unwrap(), "w", json!({"a": 1}))
        .await;
    assert!(
        api.activate("after", "w", 10).await.is_empty(),
        "the join must wait for both branches"
    );
    api.complete_job(b["id"].as_str().unwrap(), "w", json!({"b": 2}))
        .await;
    let after = api.one_job("after", "w").await;
    assert_eq!(after["variables"]["a"], 1);
    assert_eq!(after["variables"]["b"], 2);
    assert!(
        api.activate("after", "w", 10).await.is_empty(),
        "exactly one downstream job"
    );
    api.complete_job(after["id"].as_str().unwrap(), "w", json!({}))
        .await;
    api.wait_state(id, "completed").await;
    let trail = api.audit(id).await;
    assert_trail(
        &trail,
        &[
            (
                "instance_started",
                &[
                    "parallel:activated",
                    "start:activated",
                    "start:completed",
                    "f_start_fork:taken",
                    "fork:activated",
                    "fork:completed",
                    "f_fork_a:taken",
                    "f_fork_b:taken",
                    "a:activated",
                    "b:activated",
                ],
            ),
            ("job_completed", &["a:completed", "f_a_join:taken"]),
            (
                "job_completed",
                &[
                    "b:completed",
                    "f_b_join:taken",
                    "join:activated",
                    "join:completed",
                    "f_join_after:taken",
                    "after:activated",
                ],
            ),
            (
                "job_completed",
                &[
                    "after:completed",
                    "f_after_end:taken",
                    "end:activated",
                    "end:completed",
                    "parallel:completed",
                ],
            ),
        ],
    );
}
