//! Job locks as workers see them (CONTRACT: "a worker whose lock expired or who never held it
//! gets 409"): a complete, fail or throw-error on a job that is over (completed by anyone, or
//! its element left) is 409 like a lost lock, and changes nothing; only an id that never named
//! a job is 404. Runs on SQLite, or PostgreSQL with `KEEL_TEST_DB=postgres`.

use keel_tests::audit::{assert_gapless, kinds, render};
use keel_tests::bpmn::service_chain;
use keel_tests::{Api, Resp, Server, eventually, json, keel};

/// `POST /api/v1/jobs/{job}/{action}` with `body`.
async fn on_job(api: &Api, job: &str, action: &str, body: serde_json::Value) -> Resp {
    api.post(&format!("/api/v1/jobs/{job}/{action}"), body)
        .await
}

fn assert_conflict(r: &Resp, what: &str) {
    assert_eq!(
        (r.status, r.code()),
        (409, "conflict"),
        "{what}: {}",
        r.body
    );
    assert!(r.body["error"]["message"].is_string(), "{what}: {}", r.body);
}

/// Every late request a worker can make on job `job`, as `worker`: all 409.
async fn assert_all_refused(api: &Api, job: &str, worker: &str) {
    let complete = json!({"worker": worker, "variables": {"late": true}});
    assert_conflict(
        &on_job(api, job, "complete", complete).await,
        &format!("complete by {worker}"),
    );
    let fail = json!({"worker": worker, "error_message": "late", "retries": 0});
    assert_conflict(
        &on_job(api, job, "fail", fail).await,
        &format!("fail by {worker}"),
    );
    let throw = json!({"worker": worker, "error_code": "LATE", "error_message": "late"});
    assert_conflict(
        &on_job(api, job, "throw-error", throw).await,
        &format!("throw-error by {worker}"),
    );
}

fn verify(server: &Server) {
    keel(["audit", "verify", "--db", &server.db]).assert_ok("keel audit verify");
}

#[tokio::test]
async fn a_completed_job_answers_409_to_every_later_request_and_an_unknown_id_404() {
    let server = Server::start().await;
    let api = server.admin();
    api.deploy(&service_chain("late", &["work", "next"])).await;
    let id = api.start("late", json!({})).await["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let job = api.one_job("work", "w1").await;
    let job = job["id"].as_str().expect("job id").to_owned();
    api.complete_job(&job, "w1", json!({"by": "w1"})).await;

    // The same worker again (a retry after a lost answer), and another worker.
    assert_all_refused(&api, &job, "w1").await;
    assert_all_refused(&api, &job, "w2").await;
    // An id that never named a job.
    let unknown = "0196a000-0000-7000-8000-000000000000";
    let r = on_job(&api, unknown, "complete", json!({"worker": "w1"})).await;
    assert_eq!((r.status, r.code()), (404, "not_found"), "{}", r.body);

    // Nothing changed: one completion, the instance waits at the next task.
    let instance = api.instance(&id).await;
    assert_eq!(instance["variables"]["by"], "w1", "{instance}");
    assert!(instance["variables"].get("late").is_none(), "{instance}");
    let trail = api.audit(&id).await;
    assert_gapless(&trail);
    assert_eq!(
        kinds(&trail),
        ["instance_started", "job_completed"],
        "{}",
        render(&trail)
    );
    let next = api.one_job("next", "w1").await;
    api.complete_job(next["id"].as_str().expect("job id"), "w1", json!({}))
        .await;
    api.wait_state(&id, "completed").await;
    verify(&server);
}

#[tokio::test]
async fn a_worker_whose_lock_expired_and_was_taken_over_gets_409_before_and_after_the_new_holder_completes()
 {
    let server = Server::start().await;
    let api = server.admin();
    api.deploy(&service_chain("taken", &["work"])).await;
    let id = api.start("taken", json!({})).await["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let short = json!({"type": "work", "worker": "a", "max_jobs": 1, "lock_ms": 200});
    let jobs = api
        .post("/api/v1/jobs/activate", short)
        .await
        .expect(200, "worker a activates");
    let job = jobs["jobs"][0]["id"].as_str().expect("a job").to_owned();
    // Worker b gets the job once a's lock has expired.
    let taken = eventually(
        "worker b to take the job after a's lock expired",
        || async { api.activate("work", "b", 1).await.into_iter().next() },
    )
    .await;
    assert_eq!(taken["id"], job.as_str(), "the same job");

    // While b holds it, and after b completed it: a is refused either way.
    assert_conflict(
        &on_job(&api, &job, "complete", json!({"worker": "a"})).await,
        "a completes the job b holds",
    );
    api.complete_job(&job, "b", json!({"by": "b"})).await;
    assert_all_refused(&api, &job, "a").await;

    api.wait_state(&id, "completed").await;
    let trail = api.audit(&id).await;
    assert_eq!(
        kinds(&trail),
        ["instance_started", "job_completed"],
        "{}",
        render(&trail)
    );
    assert_eq!(trail[1]["data"]["worker"], "b", "{}", trail[1]);
    verify(&server);
}

#[tokio::test]
async fn a_job_whose_instance_was_cancelled_answers_409() {
    let server = Server::start().await;
    let api = server.admin();
    api.deploy(&service_chain("left", &["work"])).await;
    let id = api.start("left", json!({})).await["id"]
        .as_str()
        .expect("id")
        .to_owned();
    let job = api.one_job("work", "w").await;
    let job = job["id"].as_str().expect("job id").to_owned();
    api.post(
        &format!("/api/v1/instances/{id}/cancel"),
        json!({"reason": "test"}),
    )
    .await
    .expect(200, "cancel");
    assert_all_refused(&api, &job, "w").await;
    let trail = api.audit(&id).await;
    assert!(
        !kinds(&trail).iter().any(|k| k == "job_completed"),
        "{}",
        render(&trail)
    );
    verify(&server);
}
