//! A cluster: several real `keel serve` nodes on ONE PostgreSQL database (always PostgreSQL,
//! whatever `KEEL_TEST_DB` says). Workers race for jobs through every node, timers are due on
//! every node at once, a node is frozen (SIGSTOP) past its worker's lock, PostgreSQL restarts
//! under load; each time, every job completes and every timer fires exactly once per instance
//! (counted in the exported audit trail), and `keel audit verify` accepts the trail.
//!
//! A worker long-polling on one node gets a job started through another at once (the nodes
//! wake each other with LISTEN/NOTIFY, also after PostgreSQL restarted), not at a poll.
//!
//! `postgres_restart_mid_run_nodes_reconnect_and_finish` restarts the local PostgreSQL server
//! (`pg_ctlcluster ... restart -m immediate`), which breaks every other test using it at that
//! moment: it runs only with `KEEL_TEST_PG_RESTART=1` (in a CI step of its own).

use std::collections::{BTreeMap, HashMap};
use std::ops::Range;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use keel_tests::audit::{assert_gapless, kinds, render};
use keel_tests::bpmn::{flows, service_chain, zeebe};
use keel_tests::poll::eventually_within;
use keel_tests::{Api, Server, Value, json, keel};
use tokio::task::JoinSet;

/// How long a whole run may take before the scenario fails (generous: debug builds on busy
/// machines).
const RUN_DEADLINE: Duration = Duration::from_secs(240);

/// What the workers and starters saw, for exact assertions at the end.
#[derive(Debug, Default)]
struct Stats {
    /// Job id → number of 200 answers to its completion.
    completed: HashMap<String, usize>,
    /// Completions refused because another worker holds (or finished) the job: 409.
    lost: usize,
    /// 5xx answers (always retried, never counted as done).
    unavailable: usize,
    /// Transport errors (the node did not answer).
    transport: usize,
    /// Answers no worker or starter expects (4xx other than 409 on complete: a job that was
    /// handed out is never unknown, even once it is over).
    unexpected: Vec<String>,
}

type Shared = Arc<Mutex<Stats>>;

fn note(stats: &Shared, f: impl FnOnce(&mut Stats)) {
    f(&mut stats.lock().expect("stats"));
}

/// `start → timer (PT1S) → end`.
fn timer_model(key: &str) -> String {
    let body = format!(
        r#"    <bpmn:startEvent id="start" />
    <bpmn:intermediateCatchEvent id="pause">
      <bpmn:timerEventDefinition><bpmn:timeDuration>PT1S</bpmn:timeDuration></bpmn:timerEventDefinition>
    </bpmn:intermediateCatchEvent>
    <bpmn:endEvent id="end" />
{}"#,
        flows(&[("start", "pause"), ("pause", "end")])
    );
    zeebe(key, &body)
}

/// Completes one job as `worker`, retrying on 5xx and transport errors until the answer is
/// final: 200 (done), 409 (someone else has it, or had it).
async fn complete(api: Api, worker: String, id: String, stats: Shared) {
    let path = format!("/api/v1/jobs/{id}/complete");
    let body = json!({"worker": worker, "variables": {"done_by": worker}});
    loop {
        match api.try_post(&path, &body, &[]).await {
            Ok(r) if r.status == 200 => {
                return note(&stats, |s| *s.completed.entry(id).or_default() += 1);
            }
            Ok(r) if r.status == 409 => return note(&stats, |s| s.lost += 1),
            Ok(r) if r.status >= 500 => note(&stats, |s| s.unavailable += 1),
            Ok(r) => {
                let what = format!("complete {id}: {} {}", r.status, r.body);
                return note(&stats, |s| s.unexpected.push(what));
            }
            Err(_) => note(&stats, |s| s.transport += 1),
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Activates jobs of `job_type` through `api` until `stop`, completing each batch of jobs
/// concurrently.
async fn worker(
    api: Api,
    worker: String,
    job_type: &'static str,
    lock_ms: u64,
    stop: Arc<AtomicBool>,
    stats: Shared,
) {
    let body = json!({
        "type": job_type, "worker": worker, "max_jobs": 32, "lock_ms": lock_ms,
        "request_timeout_ms": 500,
    });
    while !stop.load(Ordering::Relaxed) {
        let jobs = match api.try_post("/api/v1/jobs/activate", &body, &[]).await {
            Ok(r) if r.status == 200 => r.body["jobs"].as_array().cloned().unwrap_or_default(),
            Ok(r) => {
                if r.status >= 500 {
                    note(&stats, |s| s.unavailable += 1);
                } else {
                    let what = format!("activate: {} {}", r.status, r.body);
                    note(&stats, |s| s.unexpected.push(what));
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
            Err(_) => {
                note(&stats, |s| s.transport += 1);
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let mut completions = JoinSet::new();
        for job in jobs {
            let id = job["id"].as_str().expect("job id").to_owned();
            completions.spawn(complete(api.clone(), worker.clone(), id, stats.clone()));
        }
        while completions.join_next().await.is_some() {}
    }
}

/// Starts instance `n` of `key` through `api` with an Idempotency-Key, retrying 5xx and
/// transport errors until 201 or `until`; the instance id on 201.
async fn start(api: &Api, key: &str, n: usize, until: Instant, stats: &Shared) -> Option<String> {
    let path = format!("/api/v1/definitions/{key}/instances");
    let idem = format!("{key}-{n}");
    let body = json!({"variables": {"n": n}});
    while Instant::now() < until {
        match api
            .try_post(&path, &body, &[("Idempotency-Key", &idem)])
            .await
        {
            Ok(r) if r.status == 201 => {
                return Some(r.body["id"].as_str().expect("instance id").to_owned());
            }
            Ok(r) if r.status >= 500 => note(stats, |s| s.unavailable += 1),
            Ok(r) => {
                let what = format!("start {key} #{n}: {} {}", r.status, r.body);
                note(stats, |s| s.unexpected.push(what));
                return None;
            }
            Err(_) => note(stats, |s| s.transport += 1),
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    None
}

/// Starts the instances numbered `range` of each `(key, range)` (instance `n` with the
/// Idempotency-Key `key-n`) with `parallel` concurrent starters, the i-th start going through
/// node `i % nodes.len()`; returns the acknowledged ids per key.
async fn start_all(
    nodes: &[Api],
    plan: &[(&'static str, Range<usize>)],
    parallel: usize,
    stats: &Shared,
) -> HashMap<&'static str, Vec<String>> {
    let work: Arc<Vec<(&'static str, usize)>> = Arc::new(
        plan.iter()
            .flat_map(|(key, range)| range.clone().map(move |n| (*key, n)))
            .collect(),
    );
    let next = Arc::new(AtomicUsize::new(0));
    let started = Arc::new(Mutex::new(HashMap::<&'static str, Vec<String>>::new()));
    let until = Instant::now() + RUN_DEADLINE;
    let mut starters = JoinSet::new();
    for _ in 0..parallel {
        let (work, next, started, stats) =
            (work.clone(), next.clone(), started.clone(), stats.clone());
        let nodes = nodes.to_vec();
        starters.spawn(async move {
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(&(key, n)) = work.get(i) else { return };
                let api = &nodes[i % nodes.len()];
                if let Some(id) = start(api, key, n, until, &stats).await {
                    started
                        .lock()
                        .expect("started")
                        .entry(key)
                        .or_default()
                        .push(id);
                }
            }
        });
    }
    while let Some(r) = starters.join_next().await {
        r.expect("starter");
    }
    let mut started = started.lock().expect("started");
    std::mem::take(&mut *started)
}

/// Instances of `key` in `state` (`X-Total-Count`), through any node that answers.
async fn count(nodes: &[Api], key: &str, state: Option<&str>) -> Option<i64> {
    let filter = state.map(|s| format!("&state={s}")).unwrap_or_default();
    let path = format!("/api/v1/instances?definition_key={key}{filter}&limit=1");
    for api in nodes {
        if let Ok(r) = api.try_send(reqwest::Method::GET, &path, None, &[]).await
            && r.status == 200
        {
            return r.total;
        }
    }
    None
}

/// The whole audit trail (`keel audit export --db`), grouped by instance id.
async fn trails_by_instance(db: &str) -> BTreeMap<String, Vec<Value>> {
    let db = db.to_owned();
    let out = tokio::task::spawn_blocking(move || keel(["audit", "export", "--db", &db]))
        .await
        .expect("export");
    out.assert_ok("keel audit export --db");
    let mut trails: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    for line in out.stdout.lines().filter(|l| !l.trim().is_empty()) {
        let record: Value = serde_json::from_str(line).expect("an audit record per line");
        if let Some(id) = record["instance_id"].as_str() {
            trails.entry(id.to_owned()).or_default().push(record);
        }
    }
    trails
}

/// `keel audit verify --db` succeeds.
async fn verify(db: &str) {
    let db = db.to_owned();
    let out = tokio::task::spawn_blocking(move || keel(["audit", "verify", "--db", &db]))
        .await
        .expect("verify");
    out.assert_ok("keel audit verify --db");
}

/// Asserts every instance of `key` in the trail has exactly the record kinds `want` (with a
/// gapless `instance_seq`), and that exactly the instances `ids` (and no other) exist for
/// `key`; returns the trails by id.
fn assert_each_once<'t>(
    trails: &'t BTreeMap<String, Vec<Value>>,
    key: &str,
    ids: &[String],
    want: &[&str],
) -> HashMap<&'t str, &'t [Value]> {
    let of_key: HashMap<&str, &[Value]> = trails
        .iter()
        .filter(|(_, t)| {
            t.first().is_some_and(|r| {
                r["kind"] == "instance_started"
                    && r["data"]["definition_id"]
                        .as_str()
                        .is_some_and(|d| d.starts_with(&format!("{key}:")))
            })
        })
        .map(|(id, t)| (id.as_str(), t.as_slice()))
        .collect();
    let mut found: Vec<&str> = of_key.keys().copied().collect();
    found.sort_unstable();
    let mut wanted: Vec<&str> = ids.iter().map(String::as_str).collect();
    wanted.sort_unstable();
    assert_eq!(
        found.len(),
        wanted.len(),
        "{key}: instances in the trail vs acknowledged starts"
    );
    assert_eq!(found, wanted, "{key}: exactly the acknowledged instances");
    for (id, trail) in &of_key {
        assert_gapless(trail);
        assert_eq!(
            kinds(trail),
            want,
            "{key} instance {id}:\n{}",
            render(trail)
        );
    }
    of_key
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_nodes_share_1000_jobs_and_500_timers_each_runs_once() {
    const JOBS: usize = 1000;
    const TIMERS: usize = 500;
    let t0 = Instant::now();
    let first = Server::start_postgres().await;
    let second = Server::start_node(&first.db).await;
    let third = Server::start_node(&first.db).await;
    let token = first.user("admin", &[], &["admin"]);
    let nodes: Vec<Api> = [&first, &second, &third]
        .iter()
        .map(|s| s.api(&token))
        .collect();
    nodes[0]
        .deploy(&service_chain("cluster_jobs", &["work"]))
        .await;
    nodes[0].deploy(&timer_model("cluster_timers")).await;

    let stats = Shared::default();
    let stop = Arc::new(AtomicBool::new(false));
    let mut workers = JoinSet::new();
    for (n, api) in nodes.iter().enumerate() {
        for w in 0..2 {
            workers.spawn(worker(
                api.clone(),
                format!("w{n}-{w}"),
                "work",
                30_000,
                stop.clone(),
                stats.clone(),
            ));
        }
    }
    let started = start_all(
        &nodes,
        &[("cluster_jobs", 0..JOBS), ("cluster_timers", 0..TIMERS)],
        12,
        &stats,
    )
    .await;
    let t_started = t0.elapsed();
    let jobs = started.get("cluster_jobs").cloned().unwrap_or_default();
    let timers = started.get("cluster_timers").cloned().unwrap_or_default();
    assert_eq!(jobs.len(), JOBS, "acknowledged job instances");
    assert_eq!(timers.len(), TIMERS, "acknowledged timer instances");

    eventually_within("every instance to complete", RUN_DEADLINE, || async {
        let j = count(&nodes, "cluster_jobs", Some("completed")).await?;
        let t = count(&nodes, "cluster_timers", Some("completed")).await?;
        (j == JOBS as i64 && t == TIMERS as i64).then_some(())
    })
    .await;
    let t_done = t0.elapsed();
    stop.store(true, Ordering::Relaxed);
    while let Some(r) = workers.join_next().await {
        r.expect("worker");
    }

    let stats = std::mem::take(&mut *stats.lock().expect("stats"));
    assert!(stats.unexpected.is_empty(), "{:#?}", stats.unexpected);
    let twice: Vec<_> = stats.completed.iter().filter(|(_, n)| **n != 1).collect();
    assert!(
        twice.is_empty(),
        "jobs completed with 200 more than once: {twice:?}"
    );
    assert_eq!(
        stats.completed.len(),
        JOBS,
        "one acknowledged completion per job"
    );

    let trails = trails_by_instance(&first.db).await;
    let job_trails = assert_each_once(
        &trails,
        "cluster_jobs",
        &jobs,
        &["instance_started", "job_completed"],
    );
    let mut completed_jobs: Vec<&str> = job_trails
        .values()
        .map(|t| t[1]["data"]["job_id"].as_str().expect("job_id"))
        .collect();
    completed_jobs.sort_unstable();
    let mut acknowledged: Vec<&str> = stats.completed.keys().map(String::as_str).collect();
    acknowledged.sort_unstable();
    assert_eq!(
        completed_jobs, acknowledged,
        "the audited completions are the acknowledged ones"
    );
    // The three nodes shared the work: each node's workers completed some of the jobs.
    let mut by_node = [0usize; 3];
    for trail in job_trails.values() {
        let worker = trail[1]["data"]["worker"].as_str().expect("worker");
        let node: usize = worker[1..2].parse().expect("worker name w<node>-<n>");
        by_node[node] += 1;
    }
    assert!(
        by_node.iter().all(|n| *n > 0),
        "completions by node: {by_node:?}"
    );
    let timer_trails = assert_each_once(
        &trails,
        "cluster_timers",
        &timers,
        &["instance_started", "timer_fired"],
    );
    for (id, trail) in timer_trails {
        assert_eq!(trail[1]["element_id"], "pause", "{id}:\n{}", render(trail));
    }
    verify(&first.db).await;
    eprintln!(
        "cluster: {JOBS} job + {TIMERS} timer instances on 3 nodes: started in {t_started:?}, \
         all done at {t_done:?}, checked at {:?}; completions by node {by_node:?}; {} lost \
         completions (409), {} 5xx, {} transport errors",
        t0.elapsed(),
        stats.lost,
        stats.unavailable,
        stats.transport
    );
}

/// Sends `signal` (`STOP`, `CONT`) to the process `pid`.
fn signal(pid: u32, signal: &str) {
    let status = std::process::Command::new("kill")
        .arg(format!("-{signal}"))
        .arg(pid.to_string())
        .status()
        .expect("run kill");
    assert!(status.success(), "kill -{signal} {pid}: {status:?}");
}

/// `POST /api/v1/jobs/{job}/complete` as `worker`, whatever the answer.
async fn complete_as(api: &Api, job: &str, worker: &str) -> keel_tests::Resp {
    api.post(
        &format!("/api/v1/jobs/{job}/complete"),
        json!({"worker": worker, "variables": {"by": worker}}),
    )
    .await
}

/// Resumes a stopped node when dropped, so a failing assertion never leaves it frozen.
struct Resume(u32);

impl Drop for Resume {
    fn drop(&mut self) {
        let _ = std::process::Command::new("kill")
            .arg("-CONT")
            .arg(self.0.to_string())
            .status();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stopped_node_resumed_after_its_lock_expired_is_fenced() {
    let first = Server::start_postgres().await;
    let second = Server::start_node(&first.db).await;
    let token = first.user("admin", &[], &["admin"]);
    let (one, two) = (first.api(&token), second.api(&token));
    one.deploy(&service_chain("fenced", &["fence", "after"]))
        .await;
    // Two instances: B completes the job of `done` while node 1 is frozen, and only
    // re-activates the job of `held` (it still holds it when node 1 wakes up).
    let done = one.start("fenced", json!({"name": "done"})).await;
    let held = one.start("fenced", json!({"name": "held"})).await;
    let done = done["id"].as_str().expect("instance id").to_owned();
    let held = held["id"].as_str().expect("instance id").to_owned();

    let activate = |worker: &'static str, lock_ms: u64| json!({"type": "fence", "worker": worker, "max_jobs": 2, "lock_ms": lock_ms});
    let jobs = one
        .post("/api/v1/jobs/activate", activate("worker-a", 1000))
        .await
        .expect(200, "worker A activates through node 1");
    let jobs_of_a: HashMap<String, String> = jobs["jobs"]
        .as_array()
        .expect("jobs")
        .iter()
        .map(|j| {
            let id = j["id"].as_str().expect("job id").to_owned();
            (j["instance_id"].as_str().expect("instance").to_owned(), id)
        })
        .collect();
    assert_eq!(jobs_of_a.len(), 2, "worker A holds both jobs: {jobs}");
    let (job_done, job_held) = (jobs_of_a[&done].clone(), jobs_of_a[&held].clone());

    let pid = first.pid().expect("node 1 runs");
    signal(pid, "STOP");
    let resume = Resume(pid);
    // Node 2 hands both jobs out again once worker A's lock has expired.
    let jobs_of_b: Mutex<HashMap<String, String>> = Mutex::default();
    eventually_within(
        "worker B to get both jobs after A's lock expired",
        Duration::from_secs(30),
        || async {
            let r = two
                .post("/api/v1/jobs/activate", activate("worker-b", 60_000))
                .await
                .expect(200, "worker B activates through node 2");
            let mut held = jobs_of_b.lock().expect("jobs of B");
            for j in r["jobs"].as_array().expect("jobs") {
                let id = j["id"].as_str().expect("job id").to_owned();
                held.insert(j["instance_id"].as_str().expect("instance").to_owned(), id);
            }
            (held.len() == 2).then_some(())
        },
    )
    .await;
    assert_eq!(
        jobs_of_b.into_inner().expect("jobs of B"),
        jobs_of_a,
        "the same jobs"
    );
    two.complete_job(&job_done, "worker-b", json!({"by": "b"}))
        .await;
    // B's completion moved the instance on to the next task.
    let moved = two.instance(&done).await;
    let active: Vec<&str> = moved["active_elements"]
        .as_array()
        .expect("active elements")
        .iter()
        .map(|e| e["element_id"].as_str().unwrap_or("?"))
        .collect();
    assert_eq!(active, ["after"], "{moved}");
    assert_eq!(moved["variables"]["by"], "b", "{moved}");

    signal(pid, "CONT");
    drop(resume);
    // The job B holds: A's lock expired, B's lock fences A out.
    let stale = complete_as(&one, &job_held, "worker-a").await;
    assert_eq!(
        (stale.status, stale.code()),
        (409, "conflict"),
        "worker A's completion of a job B now holds: {}",
        stale.body
    );
    // The job B completed is over: refused with 409 as well, and changes nothing.
    let stale = complete_as(&one, &job_done, "worker-a").await;
    assert_eq!(
        (stale.status, stale.code()),
        (409, "conflict"),
        "worker A's completion of a job B completed: {}",
        stale.body
    );
    let trail = one.audit(&done).await;
    assert_eq!(
        kinds(&trail),
        ["instance_started", "job_completed"],
        "{}",
        render(&trail)
    );
    assert_eq!(trail[1]["element_id"], "fence", "{}", trail[1]);
    assert_eq!(trail[1]["data"]["worker"], "worker-b", "{}", trail[1]);
    let unchanged = one.instance(&done).await;
    assert_eq!(unchanged["variables"]["by"], "b", "{unchanged}");
    let waiting = one.audit(&held).await;
    assert_eq!(
        kinds(&waiting),
        ["instance_started"],
        "{}",
        render(&waiting)
    );

    // B still completes the job it holds; node 1 works normally after its pause and finishes
    // both instances.
    two.complete_job(&job_held, "worker-b", json!({"by": "b"}))
        .await;
    for _ in 0..2 {
        let next = one.one_job("after", "worker-a").await;
        one.complete_job(next["id"].as_str().expect("job id"), "worker-a", json!({}))
            .await;
    }
    for id in [&done, &held] {
        two.wait_state(id, "completed").await;
        let trail = two.audit(id).await;
        assert_eq!(
            kinds(&trail),
            ["instance_started", "job_completed", "job_completed"],
            "{}",
            render(&trail)
        );
        assert_eq!(trail[1]["data"]["worker"], "worker-b", "{}", trail[1]);
        assert_eq!(trail[2]["data"]["worker"], "worker-a", "{}", trail[2]);
    }
    verify(&first.db).await;
}

/// Runs `CHECKPOINT` on the test PostgreSQL server, so that the crash recovery after
/// [`restart_postgres`] is short: it replays the WAL written since the last checkpoint, which
/// on a busy test server can take minutes.
fn checkpoint_postgres() {
    let admin = std::env::var("KEEL_TEST_PG_URL")
        .unwrap_or_else(|_| keel_engine::store::scratch::DEFAULT_PG_URL.to_owned());
    let checkpoint = std::process::Command::new("psql")
        .args([admin.as_str(), "-c", "CHECKPOINT"])
        .output()
        .expect("run psql");
    assert!(
        checkpoint.status.success(),
        "psql -c CHECKPOINT: {}",
        String::from_utf8_lossy(&checkpoint.stderr)
    );
}

/// Restarts the local PostgreSQL server with an immediate (crash-like) shutdown and returns
/// once it accepts connections again (pg_ctl waits up to 5 minutes).
fn restart_postgres() {
    let versions: Vec<String> = std::fs::read_dir("/etc/postgresql")
        .expect("/etc/postgresql lists the installed PostgreSQL versions")
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(versions.len(), 1, "one PostgreSQL version: {versions:?}");
    let out = std::process::Command::new("pg_ctlcluster")
        .args(["--skip-systemctl-redirect", "-m", "immediate", "--"])
        .args([versions[0].as_str(), "main", "restart", "-t", "300"])
        .output()
        .expect("run pg_ctlcluster");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let tail: Vec<&str> = stderr.lines().rev().take(20).collect();
    assert!(
        out.status.success(),
        "pg_ctlcluster restart: {:?}\n{}\n...\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        tail.into_iter().rev().collect::<Vec<_>>().join("\n")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_restart_mid_run_nodes_reconnect_and_finish() {
    if std::env::var("KEEL_TEST_PG_RESTART").as_deref() != Ok("1") {
        eprintln!(
            "skipped: restarting PostgreSQL breaks other tests using it; run with \
             KEEL_TEST_PG_RESTART=1 on its own"
        );
        return;
    }
    // Half the instances are started before the restart, the other half from the moment
    // PostgreSQL is killed: those starts, and the jobs they create, can only succeed once the
    // nodes have reconnected.
    const BEFORE: usize = 100;
    const INSTANCES: usize = 2 * BEFORE;
    let t0 = Instant::now();
    // Polls every minute: after the restart, only a re-established LISTEN hands a worker
    // long-polling on one node the job started on the other (checked at the end). The
    // workers below re-ask every 500 ms (their long-poll's timeout) anyway.
    let slow = [("KEEL_POLL_MS", "60000")];
    let first = Server::start_postgres_with_env(&slow).await;
    let second = Server::start_node_with_env(&first.db, &slow).await;
    let token = first.user("admin", &[], &["admin"]);
    let nodes = vec![first.api(&token), second.api(&token)];
    nodes[0]
        .deploy(&service_chain("restarted", &["work"]))
        .await;
    nodes[0].deploy(&service_chain("wake", &["woken"])).await;

    let stats = Shared::default();
    let stop = Arc::new(AtomicBool::new(false));
    let mut workers = JoinSet::new();
    for (n, api) in nodes.iter().enumerate() {
        for w in 0..2 {
            workers.spawn(worker(
                api.clone(),
                format!("w{n}-{w}"),
                "work",
                5_000,
                stop.clone(),
                stats.clone(),
            ));
        }
    }
    let starts = |range: Range<usize>| {
        let (nodes, stats) = (nodes.clone(), stats.clone());
        tokio::spawn(async move { start_all(&nodes, &[("restarted", range)], 4, &stats).await })
    };
    let before = starts(0..BEFORE);
    eventually_within(
        "a quarter of the first instances to complete before the restart",
        RUN_DEADLINE,
        || async {
            let done = count(&nodes, "restarted", Some("completed")).await?;
            (done >= (BEFORE / 4) as i64).then_some(())
        },
    )
    .await;
    tokio::task::spawn_blocking(checkpoint_postgres)
        .await
        .expect("checkpoint");
    let during = starts(BEFORE..INSTANCES);
    let t_restart = t0.elapsed();
    tokio::task::spawn_blocking(restart_postgres)
        .await
        .expect("restart PostgreSQL");
    let t_back = t0.elapsed();

    let mut ids = Vec::new();
    for phase in [before, during] {
        let started = phase.await.expect("starters");
        ids.extend(started.get("restarted").cloned().unwrap_or_default());
    }
    assert_eq!(
        ids.len(),
        INSTANCES,
        "every start is acknowledged once PostgreSQL is back"
    );
    eventually_within("every instance to complete", RUN_DEADLINE, || async {
        let all = count(&nodes, "restarted", None).await?;
        let done = count(&nodes, "restarted", Some("completed")).await?;
        (all == done && done >= INSTANCES as i64).then_some(())
    })
    .await;
    let t_done = t0.elapsed();
    stop.store(true, Ordering::Relaxed);
    while let Some(r) = workers.join_next().await {
        r.expect("worker");
    }
    let stats = std::mem::take(&mut *stats.lock().expect("stats"));
    assert!(stats.unexpected.is_empty(), "{:#?}", stats.unexpected);
    let twice: Vec<_> = stats.completed.iter().filter(|(_, n)| **n != 1).collect();
    assert!(
        twice.is_empty(),
        "jobs completed with 200 more than once: {twice:?}"
    );

    let trails = trails_by_instance(&first.db).await;
    assert_each_once(
        &trails,
        "restarted",
        &ids,
        &["instance_started", "job_completed"],
    );
    // Both nodes listen again: node 1's long-poll gets what is started through node 0.
    let mut woken = start_to_activation(&nodes[0], &nodes[1], "wake", 3).await;
    verify(&first.db).await;
    eprintln!(
        "after the restart, start → activation across nodes: {}",
        summary(&mut woken)
    );
    eprintln!(
        "restart: {INSTANCES} instances on 2 nodes; PostgreSQL restarted at {t_restart:?} (back \
         at {t_back:?}), all done at {t_done:?}; {} lost completions, {} 5xx, {} transport errors",
        stats.lost, stats.unavailable, stats.transport
    );
}

/// Per sample: the time from a start request on `a` to the answer of a worker's activation
/// long-polling on `b` (sent before the start), which must hold the new job.
async fn start_to_activation(a: &Api, b: &Api, key: &str, samples: usize) -> Vec<Duration> {
    let mut latencies = Vec::with_capacity(samples);
    for n in 0..samples {
        let waiting = {
            let b = b.clone();
            tokio::spawn(async move {
                let body = json!({
                    "type": "woken", "worker": "b", "max_jobs": 1, "lock_ms": 60_000,
                    "request_timeout_ms": 20_000,
                });
                let r = b.post("/api/v1/jobs/activate", body).await;
                (r, Instant::now())
            })
        };
        // Give the long-poll a moment to park on node B (if it has not, its first look simply
        // finds the job: the sample is then shorter, never wrong).
        tokio::time::sleep(Duration::from_millis(100)).await;
        let sent = Instant::now();
        a.start(key, json!({"n": n})).await;
        let (r, answered) = waiting.await.expect("long-poll");
        let jobs = r.expect(200, "activate on node B");
        let jobs = jobs["jobs"].as_array().expect("jobs");
        assert_eq!(
            jobs.len(),
            1,
            "the worker long-polling on node B got the job started on node A: {jobs:?}"
        );
        b.complete_job(jobs[0]["id"].as_str().expect("job id"), "b", json!({}))
            .await;
        latencies.push(answered - sent);
    }
    latencies
}

/// `p50/p90/max` of `samples`, for the log.
fn summary(samples: &mut [Duration]) -> String {
    samples.sort_unstable();
    let at = |percent: usize| samples[(samples.len() - 1) * percent / 100];
    format!("p50 {:?}, p90 {:?}, max {:?}", at(50), at(90), at(100))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_long_polling_on_one_node_gets_a_job_created_on_another_without_a_poll() {
    const SAMPLES: usize = 15;
    // Polls every minute: within the 20 s long-poll only a wake-up from node A's commit
    // (LISTEN/NOTIFY) can hand node B's worker the job.
    let slow = [("KEEL_POLL_MS", "60000")];
    let a = Server::start_postgres_with_env(&slow).await;
    let b = Server::start_node_with_env(&a.db, &slow).await;
    let token = a.user("admin", &[], &["admin"]);
    let (on_a, on_b) = (a.api(&token), b.api(&token));
    on_a.deploy(&service_chain("wake", &["woken"])).await;
    let mut notified = start_to_activation(&on_a, &on_b, "wake", SAMPLES).await;

    // For comparison: the same with LISTEN off and the default polls (500 ms for jobs).
    let polling = [("KEEL_PG_LISTEN", "false")];
    let c = Server::start_postgres_with_env(&polling).await;
    let d = Server::start_node_with_env(&c.db, &polling).await;
    let token = c.user("admin", &[], &["admin"]);
    let (on_c, on_d) = (c.api(&token), d.api(&token));
    on_c.deploy(&service_chain("wake", &["woken"])).await;
    let mut polled = start_to_activation(&on_c, &on_d, "wake", SAMPLES).await;
    eprintln!(
        "start on node A → activation on node B ({SAMPLES} samples): with LISTEN/NOTIFY (polls \
         every 60 s) {}; without (polls every 500 ms) {}",
        summary(&mut notified),
        summary(&mut polled)
    );
    verify(&a.db).await;
}
