//! Architecture rules, checked on the source: the runtime and the audit code are pure (no
//! database, async runtime, network, file system or wall clock), and the BPMN and FEEL crates
//! do no I/O.

use std::path::{Path, PathBuf};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ lives in the workspace")
        .to_path_buf()
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let entries =
        std::fs::read_dir(dir).unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()));
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The code of a line, without a `//` comment (good enough: no rule text sits in a string).
fn code_of(line: &str) -> &str {
    line.find("//").map_or(line, |i| &line[..i])
}

/// True when `needle` occurs in `code` not as part of a longer identifier.
fn mentions(code: &str, needle: &str) -> bool {
    let ident = |c: char| c.is_alphanumeric() || c == '_';
    code.match_indices(needle).any(|(i, _)| {
        let before = code[..i].chars().next_back();
        let after = code[i + needle.len()..].chars().next();
        !before.is_some_and(ident) && !after.is_some_and(ident)
    })
}

/// Every `file:line: uses X` under `dirs` for the `forbidden` names.
fn violations(dirs: &[&str], forbidden: &[&str]) -> Vec<String> {
    let root = workspace();
    let mut found = Vec::new();
    for dir in dirs {
        let mut files = Vec::new();
        rust_files(&root.join(dir), &mut files);
        assert!(
            !files.is_empty(),
            "no Rust files under {dir}: did the layout change?"
        );
        for file in files {
            let text = std::fs::read_to_string(&file).unwrap();
            for (n, line) in text.lines().enumerate() {
                let code = code_of(line);
                for name in forbidden {
                    if mentions(code, name) {
                        let rel = file.strip_prefix(&root).unwrap_or(&file);
                        found.push(format!("{}:{}: uses `{name}`", rel.display(), n + 1));
                    }
                }
            }
        }
    }
    found
}

#[test]
fn runtime_and_audit_are_pure() {
    let found = violations(
        &["engine/src/runtime", "engine/src/audit"],
        &[
            "sqlx",
            "tokio",
            "reqwest",
            "std::fs",
            "std::net",
            "SystemTime::now",
            "Timestamp::now",
            "Utc::now",
            "Instant::now",
            "crate::store",
            "crate::engine",
        ],
    );
    assert!(
        found.is_empty(),
        "the pure core (engine/src/runtime, engine/src/audit) must not touch the database, the \
         async runtime, the network, files or the wall clock:\n{}\n\
         How to fix: take the time from the StepContext/clock argument the shell passes in, \
         return an Effect instead of doing I/O, and let the shell in engine/src/engine \
         (which may use engine/src/store) perform it.",
        found.join("\n")
    );
}

#[test]
fn bpmn_and_feel_do_no_io() {
    let found = violations(
        &["engine/bpmn/src", "engine/feel/src"],
        &[
            "sqlx",
            "tokio",
            "reqwest",
            "std::fs",
            "std::net",
            "std::process",
            "File::open",
            "SystemTime::now",
        ],
    );
    assert!(
        found.is_empty(),
        "keel-bpmn and keel-feel are pure libraries (bytes in, model or value out):\n{}\n\
         How to fix: have the caller (api/ or engine/src/engine) read files, talk to the \
         database or read the clock, and pass the bytes or the time in as arguments.",
        found.join("\n")
    );
}

#[test]
fn bpmn_and_feel_do_not_depend_on_io_crates() {
    for manifest in ["engine/bpmn/Cargo.toml", "engine/feel/Cargo.toml"] {
        let text = std::fs::read_to_string(workspace().join(manifest)).unwrap();
        // Only the [dependencies] table matters; dev-dependencies may use anything.
        let deps = text
            .split("\n[")
            .find(|section| section.starts_with("dependencies]"))
            .unwrap_or("");
        for name in ["sqlx", "tokio", "reqwest", "hyper", "axum"] {
            assert!(
                !deps.lines().any(|l| l.trim_start().starts_with(name)),
                "{manifest} depends on `{name}`: keep keel-bpmn and keel-feel free of I/O \
                 crates; move the code that needs it to engine/src/engine or api/"
            );
        }
    }
}
