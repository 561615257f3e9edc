//! Benchmarks of the engine's hot paths, each in isolation: parsing a deployed model,
//! evaluating typical FEEL and Camunda 7 expressions, one runtime step (a job completion in a
//! 10-task process), and sealing an audit record. Run with `cargo bench -p keel-engine`.
//! (Whole-engine durable throughput is `keel bench`.)

#![allow(clippy::unwrap_used, clippy::expect_used)] // benchmark setup: a failure should panic

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use keel_engine::audit::{Actor, AuditRecord, ENCODING_VERSION, GENESIS_HASH};
use keel_engine::runtime::{InstanceState, StepContext, Trigger, step};
use keel_feel::{Env, Expression};
use serde_json::{Map, Value, json};

fn straight_model(tasks: usize) -> String {
    let mut body = String::from(r#"<bpmn:startEvent id="start"/>"#);
    let mut prev = "start".to_string();
    for i in 1..=tasks {
        body.push_str(&format!(
            r#"<bpmn:serviceTask id="task_{i}"><bpmn:extensionElements><zeebe:taskDefinition type="work"/></bpmn:extensionElements></bpmn:serviceTask><bpmn:sequenceFlow id="f_{i}" sourceRef="{prev}" targetRef="task_{i}"/>"#
        ));
        prev = format!("task_{i}");
    }
    body.push_str(&format!(
        r#"<bpmn:endEvent id="end"/><bpmn:sequenceFlow id="f_end" sourceRef="{prev}" targetRef="end"/>"#
    ));
    format!(
        r#"<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d" targetNamespace="t"><bpmn:process id="straight" isExecutable="true">{body}</bpmn:process></bpmn:definitions>"#
    )
}

fn variables() -> Map<String, Value> {
    json!({
        "amount": 5000, "approved": true, "requester": "alice",
        "order": {"id": "o-1", "lines": [{"qty": 2, "price": 10.5}, {"qty": 0, "price": 3}, {"qty": 1, "price": 99.99}]}
    })
    .as_object()
    .cloned()
    .unwrap()
}

fn parsing(c: &mut Criterion) {
    let shipped = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../processes/vm_request.bpmn"
    ))
    .unwrap();
    c.bench_function("parse vm_request.bpmn (13 nodes, DI)", |b| {
        b.iter(|| keel_bpmn::parse(black_box(&shipped)))
    });
    let generated = straight_model(50);
    c.bench_function("parse generated 50-task process", |b| {
        b.iter(|| keel_bpmn::parse(black_box(generated.as_bytes())))
    });
}

fn expressions(c: &mut Criterion) {
    let vars = variables();
    let env = Env {
        variables: &vars,
        now: jiff::Timestamp::UNIX_EPOCH.to_zoned(jiff::tz::TimeZone::UTC),
    };
    let condition = Expression::parse("amount > 1000 and approved").unwrap();
    c.bench_function("FEEL condition: amount > 1000 and approved", |b| {
        b.iter(|| condition.evaluate(black_box(&env)).unwrap())
    });
    let mapping = Expression::parse(
        "{id: order.id, total: sum(order.lines[qty > 0].price), by: upper case(requester)}",
    )
    .unwrap();
    c.bench_function(
        "FEEL mapping: context with filter, sum, string function",
        |b| b.iter(|| mapping.evaluate(black_box(&env)).unwrap()),
    );
    let juel = keel_feel::juel::Expression::parse("${amount > 1000 && approved}").unwrap();
    c.bench_function("Camunda 7 condition: ${amount > 1000 && approved}", |b| {
        b.iter(|| juel.evaluate(black_box(&env)).unwrap())
    });
}

fn runtime_step(c: &mut Criterion) {
    let def = keel_bpmn::parse(straight_model(10).as_bytes())
        .processes
        .remove(0);
    let ctx = StepContext {
        now: jiff::Timestamp::UNIX_EPOCH,
        step_budget: 1000,
    };
    let mut started = InstanceState::new(variables());
    step(&def, &mut started, Trigger::Start, &ctx).unwrap();
    let waiting = started.active_elements().next().map(|(k, _)| k).unwrap();
    let mut done = Map::new();
    done.insert("task_1_done".into(), json!(true));
    c.bench_function(
        "runtime step: complete a job, activate the next task",
        |b| {
            b.iter(|| {
                let mut state = started.clone();
                step(
                    &def,
                    &mut state,
                    Trigger::JobCompleted {
                        key: waiting,
                        variables: done.clone(),
                    },
                    &ctx,
                )
                .unwrap()
            })
        },
    );
    c.bench_function("instance state: JSON encode + decode", |b| {
        b.iter(|| {
            let text = serde_json::to_string(black_box(&started)).unwrap();
            serde_json::from_str::<InstanceState>(&text).unwrap()
        })
    });
}

fn audit(c: &mut Criterion) {
    let record = AuditRecord {
        v: ENCODING_VERSION,
        seq: 42,
        at: "2026-11-21T20:54:35.123Z".into(),
        instance_id: Some("01a20055-f9a0-7758-97f2-576282625711".into()),
        instance_seq: Some(3),
        element_id: Some("task_1".into()),
        kind: "job_completed".into(),
        actor: Actor::user("01a20055-f92f-73a3-8e9c-588d066a548d", "robot"),
        data: json!({"job_id": "01a20055-fbc5-754e-af5e-df61c1a58db8", "worker": "w",
                     "variables": {"task_1_done": true},
                     "transitions": [{"element_id": "task_1", "element_type": "serviceTask", "event": "completed"},
                                     {"element_id": "f_2", "element_type": "sequenceFlow", "event": "taken"},
                                     {"element_id": "task_2", "element_type": "serviceTask", "event": "activated"}]}),
        prev_hash: GENESIS_HASH.into(),
        instance_prev_hash: Some(GENESIS_HASH.into()),
        hash: String::new(),
    };
    c.bench_function("audit record: canonical encoding + SHA-256", |b| {
        b.iter(|| black_box(&record).compute_hash())
    });
}

criterion_group!(benches, parsing, expressions, runtime_step, audit);
criterion_main!(benches);
