//! The command line: `keel validate` (files, output format, the corpus summary) and
//! `keel audit export|verify` (JSON Lines, tampering, per-instance exports, CSV), cross-checked
//! with the independent `tests/tools/verify_audit.py`.

use std::path::{Path, PathBuf};
use std::process::Command;

use keel_tests::bpmn::service_chain;
use keel_tests::{CliOutput, Server, json, keel};

fn fixture(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(path)
}

/// Runs `keel` off the async runtime's thread.
async fn keel_async(args: Vec<String>) -> CliOutput {
    tokio::task::spawn_blocking(move || keel(args))
        .await
        .expect("keel")
}

fn python_verify(file: &Path) -> CliOutput {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tools/verify_audit.py");
    let out = Command::new("python3")
        .arg(script)
        .arg(file)
        .output()
        .expect("python3 must be installed to run tests/tools/verify_audit.py");
    CliOutput {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

#[test]
fn validate_reports_problems_as_file_line_column() {
    let valid = fixture("validate/valid.bpmn");
    let out = keel(["validate".as_ref(), valid.as_os_str()]);
    assert_eq!(out.code, Some(0), "{out}");
    assert!(
        !out.stdout.contains("error"),
        "a valid file prints no error: {out}"
    );

    let invalid = fixture("validate/invalid.bpmn");
    let out = keel(["validate".as_ref(), invalid.as_os_str()]);
    assert_eq!(out.code, Some(1), "{out}");
    let name = invalid.display().to_string();
    let problems: Vec<(u32, u32, String, String)> = out
        .stdout
        .lines()
        .filter_map(|line| {
            let rest = line.strip_prefix(&format!("{name}:"))?;
            let mut parts = rest.splitn(3, ':');
            let l = parts.next()?.parse().ok()?;
            let c = parts.next()?.parse().ok()?;
            let tail = parts.next()?;
            let tail = tail.strip_prefix(" error: [")?;
            let (id, message) = tail.split_once("] ")?;
            Some((l, c, id.to_owned(), message.to_owned()))
        })
        .collect();
    assert!(
        problems
            .iter()
            .any(|(l, c, id, m)| *l == 8 && *c >= 1 && id == "dangling" && m.contains("nowhere")),
        "expected `{name}:8:COL: error: [dangling] ...nowhere...`: {out}"
    );
    assert!(
        problems
            .iter()
            .any(|(l, _, id, _)| *l == 5 && id == "untyped"),
        "expected `{name}:5:COL: error: [untyped] ...` (service task without a type): {out}"
    );

    // Valid and invalid together: 1; an unreadable path: 1, never a crash.
    let out = keel(["validate".as_ref(), valid.as_os_str(), invalid.as_os_str()]);
    assert_eq!(out.code, Some(1), "{out}");
    let out = keel(["validate", "/nonexistent/nothing.bpmn"]);
    assert_eq!(out.code, Some(1), "{out}");
}

#[test]
fn validate_summary_over_the_corpus_never_crashes() {
    let corpus = std::env::var_os("KEEL_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus"));
    assert!(
        corpus.is_dir(),
        "the BPMN corpus is missing at {}: set KEEL_CORPUS to its folder",
        corpus.display()
    );
    let out = keel([
        "validate".as_ref(),
        "--summary".as_ref(),
        "--quiet".as_ref(),
        corpus.as_os_str(),
    ]);
    assert!(
        matches!(out.code, Some(0 | 1)),
        "validate must finish with 0 or 1, never crash: {out}"
    );
    assert!(!out.stderr.contains("panicked"), "{out}");
    assert!(
        out.stdout
            .lines()
            .any(|l| l.contains("files=") && l.contains("errors=")),
        "a summary line per folder: {out}"
    );
}

#[tokio::test]
async fn audit_export_verify_and_tamper() {
    let server = Server::start().await;
    let api = server.admin();
    api.deploy(&service_chain("audited", &["note"])).await;
    let mut ids = Vec::new();
    for i in 0..2 {
        let instance = api.start("audited", json!({"i": i})).await;
        let job = api.one_job("note", "w").await;
        api.complete_job(
            job["id"].as_str().unwrap(),
            "w",
            json!({"note": format!("original-{i}")}),
        )
        .await;
        let id = instance["id"].as_str().unwrap().to_owned();
        api.wait_state(&id, "completed").await;
        ids.push(id);
    }

    let dir = server.dir().to_owned();
    let export = |name: &str, extra: &[&str]| {
        let out = dir.join(name);
        let mut args: Vec<String> = ["audit", "export", "--db", &server.db, "--out"]
            .iter()
            .map(|s| (*s).to_owned())
            .collect();
        args.push(out.display().to_string());
        args.extend(extra.iter().map(|s| (*s).to_owned()));
        (out, args)
    };
    let (full, args) = export("full.jsonl", &["--format", "jsonl"]);
    keel_async(args).await.assert_ok("audit export");
    let verify = |file: &Path| keel(["audit".as_ref(), "verify".as_ref(), file.as_os_str()]);
    verify(&full).assert_ok("audit verify of a full export");
    python_verify(&full).assert_ok("verify_audit.py of a full export");

    // Tamper with one variable value: both verifiers name that record.
    let text = std::fs::read_to_string(&full).unwrap();
    let (index, line) = text
        .lines()
        .enumerate()
        .find(|(_, l)| l.contains("original-1"))
        .expect("a record carries the job's variables");
    let record: keel_tests::Value = serde_json::from_str(line).unwrap();
    let seq = record["seq"].as_i64().unwrap();
    let tampered_text: Vec<String> = text
        .lines()
        .enumerate()
        .map(|(i, l)| {
            if i == index {
                l.replace("original-1", "forged-1")
            } else {
                l.to_owned()
            }
        })
        .collect();
    let tampered = dir.join("tampered.jsonl");
    std::fs::write(&tampered, tampered_text.join("\n") + "\n").unwrap();
    let out = verify(&tampered);
    assert!(
        matches!(out.code, Some(c) if c != 0),
        "tampering detected: {out}"
    );
    assert!(
        out.stdout.contains(&format!("seq {seq}")) || out.stderr.contains(&format!("seq {seq}")),
        "verify names seq {seq}: {out}"
    );
    let py = python_verify(&tampered);
    assert_eq!(py.code, Some(1), "{py}");
    assert!(py.stdout.contains(&format!("seq {seq}")), "{py}");

    // An export filtered to one instance verifies through the instance chain.
    let (one, args) = export("one.jsonl", &["--format", "jsonl", "--instance", &ids[1]]);
    keel_async(args).await.assert_ok("filtered export");
    let lines = std::fs::read_to_string(&one).unwrap();
    assert_eq!(
        lines.lines().count(),
        2,
        "start and job completion: {lines}"
    );
    verify(&one).assert_ok("audit verify of an instance export");
    python_verify(&one).assert_ok("verify_audit.py of an instance export");

    // The database verifies too, and the HTTP export matches the CLI export.
    keel_async(vec![
        "audit".into(),
        "verify".into(),
        "--db".into(),
        server.db.clone(),
    ])
    .await
    .assert_ok("audit verify --db");
    let http = api
        .get("/api/v1/audit?format=jsonl")
        .await
        .expect(200, "GET audit");
    assert_eq!(
        http.as_str().unwrap_or(""),
        text,
        "HTTP and CLI exports agree"
    );

    let (csv, args) = export("audit.csv", &["--format", "csv"]);
    keel_async(args).await.assert_ok("csv export");
    let csv = std::fs::read_to_string(&csv).unwrap();
    let header = csv.lines().next().unwrap_or("");
    assert!(
        header.starts_with("seq,at,instance_id,instance_seq,element_id,kind,"),
        "{header}"
    );
    assert!(header.ends_with(",hash"), "{header}");
    assert_eq!(csv.lines().count(), text.lines().count() + 1);
}
