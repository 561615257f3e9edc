//! User task attributes from static values and from FEEL expressions.

use keel_tests::audit::assert_trail;
use keel_tests::bpmn::{flows, zeebe};
use keel_tests::{Server, Value, json};

fn model(id: &str, extensions: &str) -> String {
    let body = format!(
        r#"    <bpmn:startEvent id="start" />
    <bpmn:userTask id="review" name="Review the order">
      <bpmn:extensionElements>
{extensions}
      </bpmn:extensionElements>
    </bpmn:userTask>
    <bpmn:endEvent id="end" />
{}"#,
        flows(&[("start", "review"), ("review", "end")])
    );
    zeebe(id, &body)
}

fn assert_attributes(task: &Value) {
    assert_eq!(task["name"], "Review the order", "{task}");
    assert_eq!(task["assignee"], "alice", "{task}");
    assert_eq!(task["candidate_users"], json!(["bob", "carol"]), "{task}");
    assert_eq!(
        task["candidate_groups"],
        json!(["sales", "managers"]),
        "{task}"
    );
    assert_eq!(task["due_at"], "2030-01-02T03:04:05.000Z", "{task}");
    assert_eq!(task["priority"], 70, "{task}");
    assert_eq!(task["form_key"], "forms/review", "{task}");
    assert_eq!(task["state"], "open", "{task}");
}

#[tokio::test]
async fn user_task_attributes_static_and_feel() {
    let server = Server::start().await;
    let admin = server.admin();
    let alice = server.api(&server.user("alice", &["sales"], &[]));
    admin
        .deploy(&model(
            "static_task",
            r#"        <zeebe:assignmentDefinition assignee="alice" candidateUsers="bob, carol" candidateGroups="sales, managers" />
        <zeebe:taskSchedule dueDate="2030-01-02T03:04:05Z" />
        <zeebe:priorityDefinition priority="70" />
        <zeebe:formDefinition formKey="forms/review" />"#,
        ))
        .await;
    admin
        .deploy(&model(
            "feel_task",
            r#"        <zeebe:assignmentDefinition assignee="=owner" candidateUsers="=[&quot;bob&quot;, backup]" candidateGroups="=groups" />
        <zeebe:taskSchedule dueDate="=due" />
        <zeebe:priorityDefinition priority="=urgency * 10" />
        <zeebe:formDefinition formKey="forms/review" />"#,
        ))
        .await;

    let a = admin.start("static_task", json!({"item": 1})).await;
    let b = admin
        .start(
            "feel_task",
            json!({"owner": "alice", "backup": "carol", "groups": ["sales", "managers"],
                   "due": "2030-01-02T03:04:05Z", "urgency": 7}),
        )
        .await;
    for instance in [&a, &b] {
        let id = instance["id"].as_str().unwrap();
        let task = admin.task_of(id).await;
        assert_attributes(&task);
        assert_eq!(task["instance_id"], id);
        assert_eq!(task["element_id"], "review");
        let detail = alice
            .get(&format!("/api/v1/tasks/{}", task["id"].as_str().unwrap()))
            .await
            .expect(200, "task detail");
        assert_eq!(detail["form"]["key"], "forms/review", "{detail}");
        assert!(detail["variables"].is_object(), "{detail}");
        let done = alice
            .post(
                &format!("/api/v1/tasks/{}/complete", task["id"].as_str().unwrap()),
                json!({"variables": {"ok": true}}),
            )
            .await
            .expect(200, "complete");
        assert_eq!(done["state"], "completed", "{done}");
        assert_eq!(done["completed_by"], "alice", "{done}");
        let ended = admin.wait_state(id, "completed").await;
        assert_eq!(ended["variables"]["ok"], true, "{ended}");
        let key = instance["definition_key"].as_str().unwrap();
        let activated = format!("{key}:activated");
        let completed = format!("{key}:completed");
        assert_trail(
            &admin.audit(id).await,
            &[
                (
                    "instance_started",
                    &[
                        &activated,
                        "start:activated",
                        "start:completed",
                        "f_start_review:taken",
                        "review:activated",
                    ],
                ),
                (
                    "task_completed",
                    &[
                        "review:completed",
                        "f_review_end:taken",
                        "end:activated",
                        "end:completed",
                        &completed,
                    ],
                ),
            ],
        );
    }
    assert_eq!(
        a["variables"]["item"], 1,
        "start variables are in the instance: {a}"
    );
}
