//! Task rules: who may claim, complete, see and reassign a human task.

use keel_tests::audit::{kinds, transitions_of};
use keel_tests::bpmn::{flows, zeebe};
use keel_tests::{Api, Server, Value, json};

/// `start → approve (candidate group sales) → end`, and `start → hr_only` tasks for visibility.
fn model() -> String {
    let body = format!(
        r#"    <bpmn:startEvent id="start" />
    <bpmn:userTask id="approve">
      <bpmn:extensionElements>
        <zeebe:assignmentDefinition candidateGroups="sales" />
      </bpmn:extensionElements>
    </bpmn:userTask>
    <bpmn:endEvent id="end" />
{}"#,
        flows(&[("start", "approve"), ("approve", "end")])
    );
    zeebe("approval", &body)
}

struct People {
    admin: Api,
    ops: Api,
    alice: Api,
    bob: Api,
    carol: Api,
}

async fn setup(server: &Server) -> People {
    let people = People {
        admin: server.admin(),
        ops: server.api(&server.user("ops", &[], &["operator"])),
        alice: server.api(&server.user("alice", &["sales"], &[])),
        bob: server.api(&server.user("bob", &["sales"], &[])),
        carol: server.api(&server.user("carol", &["hr"], &[])),
    };
    people.admin.deploy(&model()).await;
    people
}

async fn action(api: &Api, task: &str, verb: &str, body: Value) -> keel_tests::Resp {
    api.post(&format!("/api/v1/tasks/{task}/{verb}"), body)
        .await
}

#[tokio::test]
async fn claim_complete_and_reassign_rules() {
    let server = Server::start().await;
    let p = setup(&server).await;
    let instance = p.admin.start("approval", json!({})).await;
    let id = instance["id"].as_str().unwrap();
    let task = p.admin.task_of(id).await;
    let t = task["id"].as_str().unwrap();
    assert_eq!(task["assignee"], Value::Null);

    // Not a candidate: may neither claim nor complete.
    assert_eq!(action(&p.carol, t, "claim", json!({})).await.status, 403);
    assert_eq!(action(&p.carol, t, "complete", json!({})).await.status, 403);

    let claimed = action(&p.alice, t, "claim", json!({}))
        .await
        .expect(200, "claim");
    assert_eq!(claimed["assignee"], "alice", "{claimed}");
    assert_eq!(claimed["state"], "open", "{claimed}");
    // Held by alice: bob gets 409 on claim and 403 on complete; so does an admin.
    let r = action(&p.bob, t, "claim", json!({})).await;
    assert_eq!(r.status, 409, "{}", r.body);
    assert_eq!(action(&p.bob, t, "complete", json!({})).await.status, 403);
    let r = action(&p.admin, t, "complete", json!({})).await;
    assert_eq!(
        r.status, 403,
        "admin cannot complete alice's task: {}",
        r.body
    );
    // A plain user cannot reassign.
    let r = action(&p.bob, t, "assign", json!({"user": "bob"})).await;
    assert_eq!(r.status, 403, "{}", r.body);

    // An operator reassigns to bob; now only bob may complete.
    let assigned = action(&p.ops, t, "assign", json!({"user": "bob"}))
        .await
        .expect(200, "assign");
    assert_eq!(assigned["assignee"], "bob", "{assigned}");
    assert_eq!(action(&p.alice, t, "complete", json!({})).await.status, 403);
    let done = action(
        &p.bob,
        t,
        "complete",
        json!({"variables": {"approved": true}}),
    )
    .await
    .expect(200, "complete");
    assert_eq!(done["state"], "completed", "{done}");
    assert_eq!(done["completed_by"], "bob", "{done}");
    let r = action(&p.bob, t, "complete", json!({})).await;
    assert_eq!(r.status, 409, "no longer open: {}", r.body);
    let r = action(&p.alice, t, "claim", json!({})).await;
    assert_eq!(r.status, 409, "no longer open: {}", r.body);

    let ended = p.admin.wait_state(id, "completed").await;
    assert_eq!(ended["variables"]["approved"], true);
    let trail = p.admin.audit(id).await;
    assert_eq!(
        kinds(&trail),
        [
            "instance_started",
            "task_claimed",
            "task_assigned",
            "task_completed"
        ]
    );
    assert_eq!(transitions_of(&trail[1]), Vec::<String>::new());
    assert_eq!(
        transitions_of(&trail[3]),
        [
            "approve:completed",
            "f_approve_end:taken",
            "end:activated",
            "end:completed",
            "approval:completed"
        ]
    );
    assert_eq!(trail[3]["actor"]["type"], "user", "{}", trail[3]);
    assert_eq!(trail[3]["actor"]["name"], "bob", "{}", trail[3]);
}

#[tokio::test]
async fn completing_an_unassigned_task_claims_it() {
    let server = Server::start().await;
    let p = setup(&server).await;
    let instance = p.admin.start("approval", json!({})).await;
    let task = p.admin.task_of(instance["id"].as_str().unwrap()).await;
    let done = action(&p.bob, task["id"].as_str().unwrap(), "complete", json!({}))
        .await
        .expect(200, "complete");
    assert_eq!(done["completed_by"], "bob", "{done}");
    assert_eq!(done["assignee"], "bob", "{done}");
    assert_eq!(done["state"], "completed", "{done}");
}

#[tokio::test]
async fn a_plain_user_sees_only_tasks_it_may_work_on() {
    let server = Server::start().await;
    let p = setup(&server).await;
    let first = p.admin.start("approval", json!({})).await;
    let second = p.admin.start("approval", json!({})).await;
    let t1 = p.admin.task_of(first["id"].as_str().unwrap()).await;
    let t2 = p.admin.task_of(second["id"].as_str().unwrap()).await;
    let ids = |tasks: Vec<Value>| -> Vec<String> {
        tasks
            .iter()
            .map(|t| t["id"].as_str().unwrap().to_owned())
            .collect()
    };
    let both = vec![
        t1["id"].as_str().unwrap().to_owned(),
        t2["id"].as_str().unwrap().to_owned(),
    ];
    assert_eq!(ids(p.alice.tasks("").await), both);
    assert_eq!(ids(p.admin.tasks("").await), both);
    assert_eq!(ids(p.ops.tasks("").await), both);
    assert!(p.carol.tasks("").await.is_empty(), "carol is not in sales");
    assert!(p.carol.tasks("candidate_group=sales").await.is_empty());
    let r = p
        .carol
        .get(&format!("/api/v1/tasks/{}", t1["id"].as_str().unwrap()))
        .await;
    assert!(r.status == 403 || r.status == 404, "{r:?}");

    // Once alice holds t1, bob no longer sees it.
    action(&p.alice, t1["id"].as_str().unwrap(), "claim", json!({}))
        .await
        .expect(200, "claim");
    assert_eq!(ids(p.bob.tasks("").await), both[1..].to_vec());
    assert_eq!(
        ids(p.alice.tasks("assignee=alice").await),
        both[..1].to_vec()
    );
    let total = p.alice.get("/api/v1/tasks").await.total;
    assert_eq!(total, Some(2), "X-Total-Count counts only visible tasks");
    // Unclaim gives it back to the group.
    action(&p.alice, t1["id"].as_str().unwrap(), "unclaim", json!({}))
        .await
        .expect(200, "unclaim");
    assert_eq!(ids(p.bob.tasks("").await), both);
}
