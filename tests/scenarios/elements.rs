//! Basic elements: none start/end, terminate end, service task jobs, user task attributes,
//! input/output mappings and the step budget.

use keel_tests::audit::{assert_gapless, assert_trail, kinds};
use keel_tests::bpmn::{flow, flows, service_chain, zeebe};
use keel_tests::{Server, json};

#[tokio::test]
async fn none_start_to_none_end_completes_at_once() {
    let server = Server::start().await;
    let api = server.admin();
    let body = format!(
        r#"    <bpmn:startEvent id="start" />
    <bpmn:endEvent id="end" />
{}"#,
        flow("start", "end")
    );
    api.deploy(&zeebe("nothing", &body)).await;
    let instance = api.start("nothing", json!({})).await;
    assert_eq!(instance["state"], "completed", "{instance}");
    assert!(instance["ended_at"].is_string(), "{instance}");
    let trail = api.audit(instance["id"].as_str().unwrap()).await;
    assert_trail(
        &trail,
        &[(
            "instance_started",
            &[
                "nothing:activated",
                "start:activated",
                "start:completed",
                "f_start_end:taken",
                "end:activated",
                "end:completed",
                "nothing:completed",
            ],
        )],
    );
}

#[tokio::test]
async fn terminate_end_event_cancels_the_other_branch() {
    let server = Server::start().await;
    let api = server.admin();
    let body = format!(
        r#"    <bpmn:startEvent id="start" />
    <bpmn:parallelGateway id="fork" />
    <bpmn:userTask id="review">
      <bpmn:extensionElements><zeebe:assignmentDefinition assignee="admin" /></bpmn:extensionElements>
    </bpmn:userTask>
    <bpmn:endEvent id="done" />
    <bpmn:serviceTask id="work">
      <bpmn:extensionElements><zeebe:taskDefinition type="work" /></bpmn:extensionElements>
    </bpmn:serviceTask>
    <bpmn:endEvent id="kill"><bpmn:terminateEventDefinition /></bpmn:endEvent>
{}"#,
        flows(&[
            ("start", "fork"),
            ("fork", "review"),
            ("review", "done"),
            ("fork", "work"),
            ("work", "kill"),
        ])
    );
    api.deploy(&zeebe("terminating", &body)).await;
    let instance = api.start("terminating", json!({})).await;
    let id = instance["id"].as_str().unwrap();
    let task = api.task_of(id).await;
    let job = api.one_job("work", "w1").await;
    api.complete_job(job["id"].as_str().unwrap(), "w1", json!({}))
        .await;

    let ended = api.wait_state(id, "terminated").await;
    assert_eq!(ended["active_elements"], json!([]), "{ended}");
    let task = api
        .get(&format!("/api/v1/tasks/{}", task["id"].as_str().unwrap()))
        .await
        .expect(200, "get task");
    assert_eq!(task["state"], "cancelled", "{task}");
    let trail = api.audit(id).await;
    assert_trail(
        &trail,
        &[
            (
                "instance_started",
                &[
                    "terminating:activated",
                    "start:activated",
                    "start:completed",
                    "f_start_fork:taken",
                    "fork:activated",
                    "fork:completed",
                    "f_fork_review:taken",
                    "f_fork_work:taken",
                    "review:activated",
                    "work:activated",
                ],
            ),
            (
                "job_completed",
                &[
                    "work:completed",
                    "f_work_kill:taken",
                    "kill:activated",
                    "review:terminated",
                    "kill:completed",
                    "terminating:completed",
                ],
            ),
        ],
    );
}

#[tokio::test]
async fn service_task_job_variables_land_in_root_scope() {
    let server = Server::start().await;
    let api = server.admin();
    api.deploy(&service_chain("charging", &["charge"])).await;
    let instance = api
        .start("charging", json!({"order": "o-1", "amount": 10}))
        .await;
    let id = instance["id"].as_str().unwrap();
    assert_eq!(instance["state"], "active");
    assert_eq!(
        instance["active_elements"],
        json!([{"element_id": "charge", "element_type": "serviceTask", "state": "active"}])
    );

    let job = api.one_job("charge", "w1").await;
    assert_eq!(job["type"], "charge");
    assert_eq!(job["instance_id"], id);
    assert_eq!(job["element_id"], "charge");
    assert_eq!(job["retries"], 3, "default retries: {job}");
    assert_eq!(job["variables"]["order"], "o-1", "{job}");
    // Exact decimals: a value f64 cannot hold.
    let exact: keel_tests::Value = serde_json::from_str("12345678901234567.89").unwrap();
    api.complete_job(
        job["id"].as_str().unwrap(),
        "w1",
        json!({"receipt": "r-1", "amount": exact}),
    )
    .await;

    let done = api.wait_state(id, "completed").await;
    assert_eq!(done["variables"]["receipt"], "r-1", "{done}");
    assert_eq!(
        done["variables"]["amount"].to_string(),
        "12345678901234567.89",
        "numbers round-trip exactly: {done}"
    );
    let trail = api.audit(id).await;
    assert_gapless(&trail);
    assert_trail(
        &trail,
        &[
            (
                "instance_started",
                &[
                    "charging:activated",
                    "start:activated",
                    "start:completed",
                    "f_start_charge:taken",
                    "charge:activated",
                ],
            ),
            (
                "job_completed",
                &[
                    "charge:completed",
                    "f_charge_end:taken",
                    "end:activated",
                    "end:completed",
                    "charging:completed",
                ],
            ),
        ],
    );
    assert_eq!(trail[1]["data"]["variables"]["receipt"], "r-1");
}

#[tokio::test]
async fn input_and_output_mappings() {
    let server = Server::start().await;
    let api = server.admin();
    let body = format!(
        r#"    <bpmn:startEvent id="start" />
    <bpmn:serviceTask id="calc">
      <bpmn:extensionElements>
        <zeebe:taskDefinition type="calc" />
        <zeebe:ioMapping>
          <zeebe:input source="=amount * 2" target="doubled" />
          <zeebe:input source="=&quot;fixed&quot;" target="label" />
          <zeebe:output source="=result + 1" target="final" />
        </zeebe:ioMapping>
      </bpmn:extensionElements>
    </bpmn:serviceTask>
    <bpmn:endEvent id="end" />
{}"#,
        flows(&[("start", "calc"), ("calc", "end")])
    );
    api.deploy(&zeebe("mapping", &body)).await;
    let instance = api.start("mapping", json!({"amount": 10})).await;
    let id = instance["id"].as_str().unwrap();
    let job = api.one_job("calc", "w").await;
    assert_eq!(job["variables"]["doubled"], 20, "{job}");
    assert_eq!(job["variables"]["label"], "fixed", "{job}");
    assert_eq!(job["variables"]["amount"], 10, "{job}");
    api.complete_job(job["id"].as_str().unwrap(), "w", json!({"result": 5}))
        .await;
    let done = api.wait_state(id, "completed").await;
    let vars = &done["variables"];
    assert_eq!(vars["final"], 6, "output mapping: {done}");
    assert!(
        vars.get("doubled").is_none() && vars.get("label").is_none(),
        "input mappings are local to the task: {done}"
    );
}

#[tokio::test]
async fn a_loop_without_wait_state_hits_the_step_budget() {
    let server = Server::start().await;
    let api = server.admin();
    let body = format!(
        r#"    <bpmn:startEvent id="start" />
    <bpmn:exclusiveGateway id="gw" />
    <bpmn:task id="spin" />
    <bpmn:endEvent id="end" />
{}
{}
{}
{}"#,
        flow("start", "gw"),
        keel_tests::bpmn::cond_flow("gw", "spin", "=true"),
        keel_tests::bpmn::cond_flow("gw", "end", "=false"),
        flow("spin", "gw"),
    );
    api.deploy(&zeebe("spinning", &body)).await;
    // A bounded request: the start must come back (201) instead of hanging.
    let instance = tokio::time::timeout(
        std::time::Duration::from_secs(30),
        api.start("spinning", json!({})),
    )
    .await
    .expect("starting a looping process must not hang");
    let id = instance["id"].as_str().unwrap();
    assert_eq!(instance["state"], "active", "{instance}");
    assert_eq!(instance["incidents"], 1, "{instance}");
    let incident = api.open_incident(id).await;
    assert_eq!(incident["kind"], "step_budget", "{incident}");
    assert_eq!(kinds(&api.audit(id).await), ["instance_started"]);
}
