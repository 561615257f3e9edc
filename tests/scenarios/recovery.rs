//! Crash recovery: SIGKILL `keel serve` in the middle of a run, restart it on the same
//! database, and check that every acknowledged start completes exactly once, no job completion
//! is applied twice, and the audit trail verifies. Also: one SQLite file, one server.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use keel_tests::audit::{assert_gapless, kinds, render};
use keel_tests::bpmn::service_chain;
use keel_tests::poll::eventually_within;
use keel_tests::{Api, Server, json, keel};
use tokio::sync::Mutex;

const INSTANCES: usize = 50;
const TASKS: [&str; 3] = ["t1", "t2", "t3"];

/// Completes jobs of every type until `stop`; tolerates a dead server and lost locks.
async fn worker(api: Api, stop: Arc<AtomicBool>) {
    while !stop.load(Ordering::Relaxed) {
        let mut idle = true;
        for t in TASKS {
            let body = json!({"type": t, "worker": "crash-w", "max_jobs": 20, "lock_ms": 1500});
            let Ok(r) = api.try_post("/api/v1/jobs/activate", &body, &[]).await else {
                continue;
            };
            for job in r.body["jobs"].as_array().cloned().unwrap_or_default() {
                idle = false;
                let id = job["id"].as_str().unwrap_or_default();
                let done = json!({"worker": "crash-w", "variables": {format!("{t}_done"): true}});
                let _ = api
                    .try_post(&format!("/api/v1/jobs/{id}/complete"), &done, &[])
                    .await;
            }
        }
        if idle {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}

/// Starts `INSTANCES` instances, each with its own Idempotency-Key, retrying through the
/// crash; records the id of every 201.
async fn starter(api: Api, started: Arc<Mutex<Vec<String>>>) {
    for i in 0..INSTANCES {
        let key = format!("crash-{i}");
        let body = json!({"variables": {"n": i}});
        loop {
            match api
                .try_post(
                    "/api/v1/definitions/crashy/instances",
                    &body,
                    &[("Idempotency-Key", &key)],
                )
                .await
            {
                Ok(r) if r.status == 201 => {
                    let id = r.body["id"].as_str().expect("instance id").to_owned();
                    started.lock().await.push(id);
                    break;
                }
                _ => tokio::time::sleep(Duration::from_millis(20)).await,
            }
        }
    }
}

/// How a run is interrupted.
enum Crash {
    /// SIGKILL from outside once 20 starts were acknowledged.
    Kill,
    /// The server aborts itself at a named failpoint (`KEEL_FAILPOINTS`).
    Failpoint(&'static str),
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_mid_run_loses_nothing_and_applies_nothing_twice() {
    crash_and_recover(Crash::Kill).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn abort_before_the_flush_loses_nothing_and_applies_nothing_twice() {
    crash_and_recover(Crash::Failpoint("writer_before_flush=abort@25")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn abort_before_the_commit_loses_nothing_and_applies_nothing_twice() {
    crash_and_recover(Crash::Failpoint("writer_before_commit=abort@25")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn abort_after_the_commit_before_any_answer_loses_nothing_and_applies_nothing_twice() {
    crash_and_recover(Crash::Failpoint("writer_after_commit=abort@25")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn injected_storage_errors_answer_503_and_change_nothing() {
    // Every 7th batch fails before its commit: callers in it get 503 and retry.
    crash_and_recover(Crash::Failpoint("writer_before_commit=error@7")).await;
}

/// Runs `INSTANCES` three-task instances with retrying clients, interrupts the server as
/// `crash` says, restarts it on the same database without failpoints, and checks that every
/// acknowledged start completed exactly once, each job once, and the audit verifies.
async fn crash_and_recover(crash: Crash) {
    let mut server = match &crash {
        Crash::Kill => Server::start().await,
        Crash::Failpoint(spec) => Server::start_with_env(&[("KEEL_FAILPOINTS", spec)]).await,
    };
    assert!(
        !server.log().contains("this build has no failpoints"),
        "this keel binary has no failpoints: build it with `cargo build -p keel --features \
         failpoints` (`cargo test --workspace` does)"
    );
    let token = server.user("admin", &[], &["admin"]);
    let api = server.api(&token);
    // An injected storage error may hit the deployment's own batch: like every client here,
    // retry on 503 (a rolled-back batch changed nothing).
    let model = service_chain("crashy", &TASKS);
    let mut deployed = api.deploy_raw(&model).await;
    for _ in 0..20 {
        if deployed.status != 503 {
            break;
        }
        deployed = api.deploy_raw(&model).await;
    }
    deployed.expect(201, "deploy");

    let started = Arc::new(Mutex::new(Vec::new()));
    let stop = Arc::new(AtomicBool::new(false));
    let work = tokio::spawn(worker(api.clone(), stop.clone()));
    let starts = tokio::spawn(starter(api.clone(), started.clone()));

    match crash {
        Crash::Kill => {
            eventually_within(
                "20 acknowledged starts",
                Duration::from_secs(60),
                || async { (started.lock().await.len() >= 20).then_some(()) },
            )
            .await;
            server.kill();
            server.restart().await;
        }
        Crash::Failpoint(spec) if spec.ends_with("abort@25") => {
            assert!(
                server.wait_for_exit(Duration::from_secs(60)).await,
                "failpoint {spec} never stopped the server: was keel built with the \
                 `failpoints` feature? (`cargo test --workspace` builds it so)\n{}",
                server.log()
            );
            assert!(
                server.log().contains("failpoint reached"),
                "the server died, but not at the failpoint:\n{}",
                server.log()
            );
            server.clear_env();
            server.restart().await;
        }
        Crash::Failpoint(spec) => {
            // Errors, not crashes: the same server keeps running; the failed batch is rolled
            // back and its callers answered 503 (they retry).
            eventually_within(
                "an injected failure rolled back",
                Duration::from_secs(60),
                || async {
                    let log = server.log();
                    (log.contains("failpoint reached") && log.contains("rolled back")).then_some(())
                },
            )
            .await;
            assert!(
                server
                    .log()
                    .contains("failpoint writer_before_commit injected an error"),
                "{spec}: the rollback names the failpoint:\n{}",
                server.log()
            );
        }
    }

    starts.await.expect("starter");
    let ids = started.lock().await.clone();
    assert_eq!(ids.len(), INSTANCES);
    let all_done = eventually_within(
        "every instance to complete",
        Duration::from_secs(90),
        || async {
            let r = api
                .try_send(
                    reqwest::Method::GET,
                    "/api/v1/instances?definition_key=crashy&state=completed&limit=1000",
                    None,
                    &[],
                )
                .await
                .ok()?;
            (r.body.as_array().map(Vec::len) == Some(INSTANCES)).then_some(r.body)
        },
    )
    .await;
    stop.store(true, Ordering::Relaxed);
    work.await.expect("worker");

    let mut done: Vec<&str> = all_done
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap())
        .collect();
    done.sort_unstable();
    let mut want: Vec<&str> = ids.iter().map(String::as_str).collect();
    want.sort_unstable();
    assert_eq!(done, want, "exactly the acknowledged instances, each once");
    let every = api
        .get("/api/v1/instances?definition_key=crashy&limit=1000")
        .await
        .expect(200, "list");
    assert_eq!(
        every.as_array().map(Vec::len),
        Some(INSTANCES),
        "no extra instance"
    );

    for id in &ids {
        let instance = api.instance(id).await;
        assert_eq!(instance["variables"]["t3_done"], true, "{instance}");
        let trail = api.audit(id).await;
        assert_gapless(&trail);
        assert_eq!(
            kinds(&trail),
            [
                "instance_started",
                "job_completed",
                "job_completed",
                "job_completed"
            ],
            "instance {id}:\n{}",
            render(&trail)
        );
        let tasks: Vec<&str> = trail[1..]
            .iter()
            .map(|r| r["element_id"].as_str().unwrap_or("?"))
            .collect();
        assert_eq!(tasks, TASKS, "one completion per task, in order: {id}");
    }

    let db = server.db.clone();
    let verify = tokio::task::spawn_blocking(move || keel(["audit", "verify", "--db", &db]))
        .await
        .unwrap();
    verify.assert_ok("keel audit verify --db after the crash");
}

#[tokio::test]
async fn a_second_server_is_refused_on_a_sqlite_file_and_joins_on_postgres() {
    let server = Server::start().await;
    let mut second = server.spawn_second();
    if keel_engine::store::scratch::backend() == "postgres" {
        // PostgreSQL is shared by design: a second node starts and stays up.
        let out = second.wait_exit(Duration::from_secs(5)).await;
        assert!(
            out.is_none(),
            "a second node on the same PostgreSQL database exited: {:?}",
            out.map(|o| String::from_utf8_lossy(&o.stderr).into_owned())
        );
        return;
    }
    let out = second
        .wait_exit(Duration::from_secs(20))
        .await
        .expect("a second server on the same SQLite file kept running");
    let status = out.status;
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !status.success(),
        "a second server on the same file must fail: {status:?}\n{stderr}"
    );
    assert!(
        status.code().is_some(),
        "an error exit, not a crash: {status:?}\n{stderr}"
    );
    assert!(
        stderr.to_lowercase().contains("lock"),
        "the message names the lock: {stderr}"
    );
    // The first server is unaffected.
    server
        .anonymous()
        .get("/health")
        .await
        .expect(200, "first server");
}
