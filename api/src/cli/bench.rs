//! `keel bench`: starts N instances (concurrently) of a generated process of K service tasks in
//! sequence and completes their jobs with in-process workers through the same job path external
//! workers use (activate with a lock, complete fenced by the lock). Prints one JSON line last.
//! Durability settings are the defaults (SQLite WAL, synchronous=FULL).

use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;
use keel_engine::{ActivateRequest, DeployFile, Engine, EngineConfig, Principal, StartRequest};
use serde_json::{Map, json};
use tokio::sync::{Mutex, Semaphore};
use tokio::task::JoinSet;

const JOB_TYPE: &str = "bench-task";

/// `keel bench` arguments.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Database URL; default: a fresh SQLite file in the system temp folder, removed afterwards.
    #[arg(long, env = "KEEL_DB")]
    db: Option<String>,
    /// Instances to run.
    #[arg(long, default_value_t = 1000)]
    instances: usize,
    /// Service tasks per instance.
    #[arg(long, default_value_t = 10)]
    tasks: usize,
    /// Concurrent in-process workers.
    #[arg(long, default_value_t = 4)]
    workers: usize,
    /// Jobs a worker activates at once.
    #[arg(long, default_value_t = 128)]
    max_jobs: i64,
    /// Engine nodes sharing the database (PostgreSQL only): each has its own writer and
    /// connections, as separate `keel serve` processes would; starts and workers are spread
    /// over them.
    #[arg(long, default_value_t = 1)]
    nodes: usize,
    /// Most commands one write transaction (group commit) takes.
    #[arg(long, default_value_t = keel_engine::EngineConfig::DEFAULT_MAX_BATCH)]
    max_batch: usize,
    /// Print the engine's batch metrics (size, time per phase) to stderr after the run.
    #[arg(long)]
    metrics: bool,
}

struct Shared {
    engines: Vec<Engine>,
    principal: Principal,
    started_at: Mutex<Vec<Option<Instant>>>,
    ends: Mutex<Vec<(Instant, String)>>,
    completed: AtomicUsize,
}

pub async fn run(args: Args) -> anyhow::Result<ExitCode> {
    anyhow::ensure!(
        args.instances > 0 && args.tasks > 0,
        "--instances and --tasks must be at least 1"
    );
    let (db, temp) = match &args.db {
        Some(db) => (db.clone(), None),
        None => {
            let path = std::env::temp_dir().join(format!("keel-bench-{}.db", std::process::id()));
            (format!("sqlite://{}", path.display()), Some(path))
        }
    };
    anyhow::ensure!(
        args.nodes == 1 || !db.starts_with("sqlite"),
        "--nodes above 1 needs PostgreSQL (--db postgres://...): SQLite serves one node per file"
    );
    let metrics = if args.metrics {
        metrics_exporter_prometheus::PrometheusBuilder::new()
            .install_recorder()
            .ok()
    } else {
        None
    };
    let mut engines = Vec::with_capacity(args.nodes.max(1));
    for _ in 0..args.nodes.max(1) {
        engines.push(
            Engine::open(EngineConfig {
                max_batch: args.max_batch,
                ..EngineConfig::new(&db)
            })
            .await
            .with_context(|| format!("cannot open {db}"))?,
        );
    }
    let engine = engines[0].clone();
    let principal = Principal {
        user_id: "bench".into(),
        name: "bench".into(),
        groups: vec![],
        roles: vec!["admin".into()],
    };
    let key = format!("bench_{}_tasks", args.tasks);
    engine
        .deploy(
            vec![DeployFile {
                name: format!("{key}.bpmn"),
                content: model(&key, args.tasks).into_bytes(),
            }],
            &principal,
        )
        .await?;
    let shared = Arc::new(Shared {
        engines: engines.clone(),
        principal,
        started_at: Mutex::new(vec![None; args.instances]),
        ends: Mutex::new(Vec::with_capacity(args.instances)),
        completed: AtomicUsize::new(0),
    });
    let last_task = format!("task_{}", args.tasks);
    let mut workers = JoinSet::new();
    for w in 0..args.workers.max(1) {
        let shared = shared.clone();
        let last_task = last_task.clone();
        let total = args.instances;
        let max_jobs = args.max_jobs;
        workers.spawn(async move {
            worker(
                shared,
                w,
                format!("bench-worker-{w}"),
                last_task,
                total,
                max_jobs,
            )
            .await
        });
    }
    let begin = Instant::now();
    let starts = Arc::new(Semaphore::new(512));
    let mut starters = JoinSet::new();
    for i in 0..args.instances {
        let shared = shared.clone();
        let key = key.clone();
        let permit = starts.clone().acquire_owned().await?;
        starters.spawn(async move {
            let t0 = Instant::now();
            let request = StartRequest {
                definition_key: key,
                variables: json!({"n": i, "order": {"id": format!("o-{i}"), "amount": 100 + i}})
                    .as_object()
                    .cloned()
                    .unwrap_or_default(),
                business_key: Some(format!("bench-{i}")),
                ..Default::default()
            };
            let result = shared.engines[i % shared.engines.len()]
                .start_instance(request, &shared.principal)
                .await;
            drop(permit);
            let view = result?;
            let mut started = shared.started_at.lock().await;
            if let Some(slot) = started.get_mut(i) {
                *slot = Some(t0);
            }
            drop(started);
            let _ = view;
            anyhow::Ok(())
        });
    }
    while let Some(r) = starters.join_next().await {
        r??;
    }
    while let Some(r) = workers.join_next().await {
        r??;
    }
    let ends = shared.ends.lock().await;
    let seconds = ends
        .iter()
        .map(|(t, _)| t.duration_since(begin))
        .max()
        .unwrap_or_default()
        .as_secs_f64();
    // Per-instance latency: from the start request to the commit of its last job completion.
    let started = shared.started_at.lock().await;
    let index: std::collections::HashMap<String, usize> = (0..args.instances)
        .map(|i| (format!("bench-{i}"), i))
        .collect();
    let mut latencies: Vec<f64> = ends
        .iter()
        .filter_map(|(end, bk)| {
            let t0 = started.get(*index.get(bk)?)?.as_ref()?;
            Some(end.duration_since(*t0).as_secs_f64() * 1000.0)
        })
        .collect();
    latencies.sort_by(|a, b| a.total_cmp(b));
    let completed = engine
        .list_instances(&keel_engine::InstanceFilter {
            definition_key: Some(key.clone()),
            state: Some("completed".into()),
            limit: 1,
            ..Default::default()
        })
        .await?
        .total;
    anyhow::ensure!(
        usize::try_from(completed).unwrap_or(0) == args.instances,
        "only {completed} of {} instances completed",
        args.instances
    );
    let audit_ok = engine.verify_audit().await?.is_ok();
    anyhow::ensure!(audit_ok, "the audit trail does not verify after the run");
    for node in engines {
        node.close().await;
    }
    if let Some(path) = temp {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
        }
    }
    // Keys in the contract's order (serde_json maps are sorted, so the line is built by hand).
    let db_kind = if db.starts_with("sqlite") {
        "sqlite"
    } else {
        "postgres"
    };
    let line = format!(
        "{{\"db\":\"{db_kind}\",\"instances\":{},\"tasks\":{},\"seconds\":{},\"instances_per_s\":{},\"p50_ms\":{},\"p99_ms\":{},\"peak_rss_mb\":{}}}",
        args.instances,
        args.tasks,
        round(seconds, 3),
        round(args.instances as f64 / seconds.max(1e-9), 1),
        round(percentile(&latencies, 0.50), 1),
        round(percentile(&latencies, 0.99), 1),
        round(peak_rss_mb(), 1),
    );
    if let Some(handle) = metrics {
        for l in handle.render().lines() {
            if l.starts_with("keel_batch") && (l.contains("_sum") || l.contains("_count")) {
                eprintln!("{l}");
            }
        }
    }
    println!("{line}");
    Ok(ExitCode::SUCCESS)
}

/// One in-process worker: activate a batch, complete every job of it concurrently (so the
/// completions share group commits), repeat until every instance has ended.
async fn worker(
    shared: Arc<Shared>,
    node: usize,
    name: String,
    last_task: String,
    total: usize,
    max_jobs: i64,
) -> anyhow::Result<()> {
    let engine = shared.engines[node % shared.engines.len()].clone();
    while shared.completed.load(Ordering::SeqCst) < total {
        let jobs = engine
            .activate_jobs(ActivateRequest {
                job_type: JOB_TYPE.into(),
                worker: name.clone(),
                max_jobs,
                lock_ms: 300_000,
                request_timeout_ms: 200,
            })
            .await?;
        let mut completions = JoinSet::new();
        for job in jobs {
            let shared = shared.clone();
            let engine = engine.clone();
            let name = name.clone();
            let last = job.element_id == last_task;
            completions.spawn(async move {
                let mut out = Map::new();
                out.insert(format!("{}_done", job.element_id), json!(true));
                engine
                    .complete_job(&job.id, &name, out, &shared.principal)
                    .await?;
                if last {
                    let bk = job
                        .variables
                        .get("n")
                        .map(|n| format!("bench-{n}"))
                        .unwrap_or_default();
                    shared.ends.lock().await.push((Instant::now(), bk));
                    shared.completed.fetch_add(1, Ordering::SeqCst);
                }
                anyhow::Ok(())
            });
        }
        while let Some(r) = completions.join_next().await {
            r??;
        }
        tokio::time::sleep(Duration::ZERO).await;
    }
    Ok(())
}

/// A process of `tasks` service tasks in sequence, with DI so a modeler can open it.
fn model(key: &str, tasks: usize) -> String {
    let mut nodes = String::new();
    let mut shapes = String::new();
    let mut prev = "start".to_owned();
    shapes.push_str(r#"<bpmndi:BPMNShape id="s_start" bpmnElement="start"><dc:Bounds x="100" y="100" width="36" height="36"/></bpmndi:BPMNShape>"#);
    for i in 1..=tasks {
        let id = format!("task_{i}");
        nodes.push_str(&format!(
            r#"<bpmn:serviceTask id="{id}" name="Task {i}"><bpmn:extensionElements><zeebe:taskDefinition type="{JOB_TYPE}" retries="3"/></bpmn:extensionElements></bpmn:serviceTask><bpmn:sequenceFlow id="f_{i}" sourceRef="{prev}" targetRef="{id}"/>"#
        ));
        shapes.push_str(&format!(
            r#"<bpmndi:BPMNShape id="s_{id}" bpmnElement="{id}"><dc:Bounds x="{}" y="78" width="100" height="80"/></bpmndi:BPMNShape>"#,
            60 + i * 150
        ));
        prev = id;
    }
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="defs_{key}" targetNamespace="https://keel.dev/bench">
<bpmn:process id="{key}" name="Bench {tasks} tasks" isExecutable="true"><bpmn:startEvent id="start"/>{nodes}<bpmn:endEvent id="end"/><bpmn:sequenceFlow id="f_end" sourceRef="{prev}" targetRef="end"/></bpmn:process>
<bpmndi:BPMNDiagram id="diagram"><bpmndi:BPMNPlane id="plane" bpmnElement="{key}">{shapes}</bpmndi:BPMNPlane></bpmndi:BPMNDiagram>
</bpmn:definitions>"#
    )
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted.get(rank).copied().unwrap_or(0.0)
}

fn round(v: f64, digits: i32) -> f64 {
    let f = 10f64.powi(digits);
    (v * f).round() / f
}

/// Peak resident set size of this process (VmHWM), in MiB.
fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<f64>().ok())
        })
        .map(|kb| kb / 1024.0)
        .unwrap_or(0.0)
}
