//! Conformance on others' models: the executable corpus (`exec/<source>/` of the shared corpus)
//! run against expectations written from each source project's own tests.
//!
//! - `every_exec_model_parses`: every BPMN file of every source folder parses without a panic,
//!   and every expectation names a file that exists.
//! - `expectations_hold`: every case of `tests/conformance/<source>.toml` that is not skipped is
//!   driven on a fresh engine (manual clock) and its end state compared; a model whose deploy
//!   refuses an element "not supported yet" is reported as unsupported, not as a failure; a case
//!   marked `xfail` is a known divergence (reported, not fatal; once it passes, the run fails
//!   until the mark is removed). Each source must reach its recorded `floor` of passes, and
//!   `docs/conformance.md` must be what this run generates (write it with
//!   `KEEL_WRITE_CONFORMANCE=1 cargo test -p keel-engine --test conformance`).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

mod check;
mod corpus;
mod drive;
mod expect;
mod report;

use std::collections::HashMap;
use std::path::PathBuf;
use std::rc::Rc;

use corpus::{ParseResult, SOURCES};
use drive::Run;
use expect::Case;
use report::{CaseResult, Outcome, SourceReport};

/// Cases run at once (each on its own database).
const PARALLEL: usize = 4;

#[test]
fn every_exec_model_parses() {
    let exec = corpus::exec_root();
    let mut problems = Vec::new();
    for source in SOURCES {
        let parsed = corpus::parse_all(&exec, source);
        assert!(!parsed.is_empty(), "no BPMN file under exec/{source}");
        for (file, result) in &parsed {
            if *result == ParseResult::Panicked {
                problems.push(format!("{source}/{file}: the parser panicked"));
            }
        }
        let expectations = expect::load(&corpus::expectations_path(source));
        assert_eq!(expectations.source, source);
        for case in &expectations.cases {
            for file in std::iter::once(&case.file).chain(&case.also_deploy) {
                if !exec.join(source).join(file).is_file() {
                    problems.push(format!("{source}: {file} is not in the corpus"));
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expectations_hold() {
    let exec = corpus::exec_root();
    let mut reports = Vec::new();
    let mut problems = Vec::new();
    for source in SOURCES {
        let expectations = expect::load(&corpus::expectations_path(source));
        let cases = run_all(exec.join(source), expectations.cases).await;
        for c in &cases {
            match &c.outcome {
                Outcome::Fail(diff) => problems.push(format!("{source}: {}\n  {diff}", c.label)),
                Outcome::Pass if c.xfail => problems.push(format!(
                    "{source}: {} passes now: remove its xfail line",
                    c.label
                )),
                Outcome::KnownFail(_, diff) => {
                    eprintln!("known failure {source}: {}\n  {diff}", c.label)
                }
                _ => {}
            }
        }
        let report = SourceReport {
            source: source.to_owned(),
            parsed: corpus::parse_all(&exec, source),
            floor: expectations.floor,
            cases,
        };
        if report.passed() < report.floor {
            problems.push(format!(
                "{source}: {} cases pass, below the floor of {}",
                report.passed(),
                report.floor
            ));
        }
        reports.push(report);
    }
    let markdown = report::render(&reports);
    let docs = corpus::repo_root().join("docs/conformance.md");
    if std::env::var_os("KEEL_WRITE_CONFORMANCE").is_some() {
        std::fs::write(&docs, &markdown).unwrap();
    } else if std::fs::read_to_string(&docs).unwrap_or_default() != markdown {
        problems.push(
            "docs/conformance.md is out of date: run \
             KEEL_WRITE_CONFORMANCE=1 cargo test -p keel-engine --test conformance"
                .to_owned(),
        );
    }
    for r in &reports {
        eprintln!(
            "conformance {}: {} sampled, {} passed",
            r.source,
            r.cases.len(),
            r.passed()
        );
    }
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
}

/// Cases in flight: the task set and, per task, the case's index and label.
type InFlight = (
    tokio::task::JoinSet<CaseResult>,
    HashMap<tokio::task::Id, (usize, String)>,
);

/// Starts `next` (on the current `LocalSet`).
fn spawn(flight: &mut InFlight, dir: &Rc<PathBuf>, next: Option<(usize, Case)>) {
    if let Some((i, case)) = next {
        let dir = Rc::clone(dir);
        let label = case.label();
        let handle = flight
            .0
            .spawn_local(async move { run_case(&dir, case).await });
        flight.1.insert(handle.id(), (i, label));
    }
}

/// Runs the cases of one source, `PARALLEL` at a time (on this thread: the futures borrow, so
/// they are not `Send`; the databases work on their own threads); results in case order. A case
/// that panics fails alone.
async fn run_all(dir: PathBuf, cases: Vec<Case>) -> Vec<CaseResult> {
    let dir = Rc::new(dir);
    let total = cases.len();
    let local = tokio::task::LocalSet::new();
    local
        .run_until(async move {
            let mut results: Vec<Option<CaseResult>> = vec![None; total];
            let mut flight: InFlight = (tokio::task::JoinSet::new(), HashMap::new());
            let mut pending = cases.into_iter().enumerate();
            for _ in 0..PARALLEL {
                spawn(&mut flight, &dir, pending.next());
            }
            while let Some(joined) = flight.0.join_next_with_id().await {
                let (id, result) = match joined {
                    Ok((id, result)) => (id, Ok(result)),
                    Err(e) => (e.id(), Err(e)),
                };
                let (i, label) = flight.1.remove(&id).expect("a spawned case");
                results[i] = Some(result.unwrap_or_else(|e| CaseResult {
                    label,
                    outcome: Outcome::Fail(format!("the case panicked: {e}")),
                    note: None,
                    xfail: false,
                }));
                spawn(&mut flight, &dir, pending.next());
            }
            results.into_iter().flatten().collect()
        })
        .await
}

async fn run_case(dir: &std::path::Path, case: Case) -> CaseResult {
    let outcome = match &case.skip {
        Some(category) => Outcome::Skip(category.clone()),
        None => match drive::run(dir, &case).await {
            Run::Unsupported(elements) => Outcome::Unsupported(elements),
            Run::Refused => Outcome::Pass,
            Run::Broken(e) => failed(&case, e),
            Run::Done(actual) => {
                let diffs = check::compare(&case, &actual);
                if diffs.is_empty() {
                    Outcome::Pass
                } else {
                    failed(
                        &case,
                        format!("{}\n  actual: {}", diffs.join("\n  "), actual.summary()),
                    )
                }
            }
        },
    };
    CaseResult {
        label: case.label(),
        outcome,
        note: case.note.clone(),
        xfail: case.xfail.is_some(),
    }
}

fn failed(case: &Case, diff: String) -> Outcome {
    match &case.xfail {
        Some(why) => Outcome::KnownFail(why.clone(), diff),
        None => Outcome::Fail(diff),
    }
}
