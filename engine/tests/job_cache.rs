//! Job activation as workers see it, whichever way the engine serves it: from the writer's
//! job cache (SQLite) or from the `jobs` table (PostgreSQL, or SQLite after a restart until the
//! cache is loaded). After every step the cache is compared with the table
//! (`Engine::verify_job_cache`).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

mod support;

use keel_engine::{Error, JobFilter};
use support::*;

fn chain(key: &str) -> String {
    model(
        key,
        &format!(
            r#"<startEvent id="s"/>{}{}<endEvent id="e"/>{}{}{}"#,
            service("a"),
            service("b"),
            flow("s", "a"),
            flow("a", "b"),
            flow("b", "e")
        ),
    )
}

async fn activate(engine: &Engine, job_type: &str, worker: &str, max: i64) -> Vec<String> {
    engine
        .activate_jobs(ActivateRequest {
            job_type: job_type.into(),
            worker: worker.into(),
            max_jobs: max,
            lock_ms: 60_000,
            request_timeout_ms: 0,
        })
        .await
        .unwrap()
        .into_iter()
        .map(|j| j.id)
        .collect()
}

async fn complete(engine: &Engine, job: &str, worker: &str) -> keel_engine::Result<()> {
    engine.complete_job(job, worker, Map::new(), &admin()).await
}

#[tokio::test]
async fn jobs_are_handed_out_oldest_first_once_and_again_when_their_lock_expires() {
    let h = Harness::new().await;
    h.deploy(&chain("p")).await;
    let mut instances = Vec::new();
    for _ in 0..3 {
        instances.push(h.start("p", json!({})).await.id);
        h.clock.advance_ms(1);
    }
    let first = activate(&h.engine, "a", "w1", 2).await;
    assert_eq!(first.len(), 2);
    let filter = JobFilter {
        limit: 100,
        ..Default::default()
    };
    let jobs = h.engine.list_jobs(&filter).await.unwrap().items;
    let oldest: Vec<&str> = jobs
        .iter()
        .filter(|j| j.job_type == "a")
        .take(2)
        .map(|j| j.id.as_str())
        .collect();
    assert_eq!(first, oldest, "the two oldest jobs");
    h.engine.verify_job_cache().await.unwrap();

    let second = activate(&h.engine, "a", "w2", 10).await;
    assert_eq!(second.len(), 1, "only the third is left");
    assert!(activate(&h.engine, "a", "w2", 10).await.is_empty());

    // w1's locks expire: w2 takes both jobs over, and w1 can no longer complete them.
    h.clock.advance_ms(60_001);
    let taken = activate(&h.engine, "a", "w2", 10).await;
    assert_eq!(
        taken.len(),
        3,
        "two expired locks and the third, expired too"
    );
    assert!(matches!(
        complete(&h.engine, &first[0], "w1").await,
        Err(Error::Conflict(_))
    ));
    for job in &taken {
        complete(&h.engine, job, "w2").await.unwrap();
    }
    assert!(matches!(
        complete(&h.engine, &taken[0], "w2").await,
        Err(Error::Conflict(_))
    ));
    assert_eq!(activate(&h.engine, "b", "w1", 10).await.len(), 3);
    h.engine.verify_job_cache().await.unwrap();
    for id in &instances {
        assert_eq!(active(&h.instance(id).await), ["b"]);
    }
}

#[tokio::test]
async fn failed_jobs_wait_for_their_backoff_and_parked_ones_for_the_resolution() {
    let h = Harness::new().await;
    h.deploy(&chain("p")).await;
    let id = h.start("p", json!({})).await.id;
    let job = activate(&h.engine, "a", "w1", 1).await.remove(0);
    h.fail_job(&job, "w1", 2, 5_000).await;
    h.engine.verify_job_cache().await.unwrap();
    assert!(
        activate(&h.engine, "a", "w1", 1).await.is_empty(),
        "backoff"
    );
    h.clock.advance_ms(5_000);
    assert_eq!(
        activate(&h.engine, "a", "w1", 1).await,
        std::slice::from_ref(&job)
    );

    // No retries left: an incident, and the job is out of circulation.
    h.fail_job(&job, "w1", 0, 0).await;
    h.engine.verify_job_cache().await.unwrap();
    h.clock.advance_ms(120_000);
    assert!(activate(&h.engine, "a", "w1", 1).await.is_empty());
    let incident = h.open_incidents(&id).await.remove(0);
    h.engine
        .resolve_incident(&incident.id, Some(1), Map::new(), &admin())
        .await
        .unwrap();
    h.engine.verify_job_cache().await.unwrap();
    assert_eq!(
        activate(&h.engine, "a", "w1", 1).await,
        std::slice::from_ref(&job)
    );
    complete(&h.engine, &job, "w1").await.unwrap();
    h.engine.verify_job_cache().await.unwrap();
}

#[tokio::test]
async fn cancelling_an_instance_takes_its_jobs_out_of_circulation() {
    let h = Harness::new().await;
    h.deploy(&chain("p")).await;
    let gone = h.start("p", json!({})).await.id;
    let kept = h.start("p", json!({})).await.id;
    let locked = activate(&h.engine, "a", "w1", 1).await.remove(0);
    h.engine
        .cancel_instance(&gone, None, &admin())
        .await
        .unwrap();
    h.engine
        .cancel_instance(&kept, None, &admin())
        .await
        .unwrap();
    h.engine.verify_job_cache().await.unwrap();
    h.clock.advance_ms(120_000);
    assert!(activate(&h.engine, "a", "w1", 10).await.is_empty());
    assert!(matches!(
        complete(&h.engine, &locked, "w1").await,
        Err(Error::Conflict(_))
    ));
}

#[tokio::test]
async fn after_a_restart_locks_hold_and_ready_jobs_are_handed_out() {
    let h = Harness::new().await;
    h.deploy(&chain("p")).await;
    for _ in 0..2 {
        h.start("p", json!({})).await;
        h.clock.advance_ms(1);
    }
    let held = activate(&h.engine, "a", "w1", 1).await.remove(0);

    let h = h.restart().await;
    // The lock taken before the restart still holds: only the other job is handed out, and the
    // holder completes its job.
    let other = activate(&h.engine, "a", "w2", 10).await;
    assert_eq!(other.len(), 1);
    assert_ne!(other[0], held);
    h.engine.verify_job_cache().await.unwrap();
    complete(&h.engine, &held, "w1").await.unwrap();
    complete(&h.engine, &other[0], "w2").await.unwrap();
    assert_eq!(activate(&h.engine, "b", "w1", 10).await.len(), 2);
    h.engine.verify_job_cache().await.unwrap();
    h.engine.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_workers_complete_every_job_exactly_once() {
    let h = Arc::new(Harness::new().await);
    h.deploy(&chain("p")).await;
    let mut starts = Vec::new();
    for _ in 0..60 {
        let h = h.clone();
        starts.push(tokio::spawn(
            async move { h.start("p", json!({})).await.id },
        ));
    }
    let mut ids = Vec::new();
    for s in starts {
        ids.push(s.await.unwrap());
    }
    let mut workers = Vec::new();
    for w in 0..4 {
        let h = h.clone();
        workers.push(tokio::spawn(async move {
            let worker = format!("w{w}");
            let mut done = 0;
            let mut idle = 0;
            while idle < 3 {
                let mut any = false;
                for job_type in ["a", "b"] {
                    for job in activate(&h.engine, job_type, &worker, 7).await {
                        complete(&h.engine, &job, &worker).await.unwrap();
                        done += 1;
                        any = true;
                    }
                }
                idle = if any { 0 } else { idle + 1 };
                tokio::task::yield_now().await;
            }
            done
        }));
    }
    let mut done = 0;
    for w in workers {
        done += w.await.unwrap();
    }
    assert_eq!(done, 120, "two jobs per instance, each completed once");
    for id in &ids {
        assert_eq!(h.instance(id).await.state, "completed");
    }
    h.engine.verify_job_cache().await.unwrap();
}
