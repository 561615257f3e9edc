//! Where the corpus and the expectations live, and the parse of every model of a source folder
//! (with the panic of a parse caught and recorded, not propagated).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The source folders under `exec/`, in report order.
pub const SOURCES: [&str; 5] = [
    "camunda7",
    "zeebe",
    "spiffworkflow",
    "bpmn-engine",
    "bpmn-elements",
];

/// The repository root.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// `$KEEL_CORPUS/exec`, default `../shared/corpus/exec` beside the repository.
pub fn exec_root() -> PathBuf {
    let root = match std::env::var_os("KEEL_CORPUS") {
        Some(p) => PathBuf::from(p),
        None => repo_root().join("../shared/corpus"),
    };
    let exec = root.join("exec");
    assert!(
        exec.join("camunda7/MANIFEST.tsv").is_file(),
        "the executable corpus is missing at {} (set KEEL_CORPUS to the shared corpus folder)",
        exec.display()
    );
    exec
}

/// The expectations file of `source`.
pub fn expectations_path(source: &str) -> PathBuf {
    repo_root().join(format!("tests/conformance/{source}.toml"))
}

/// Every BPMN file of a source folder (`.bpmn`, `.bpmn20.xml`), as paths relative to it, sorted.
pub fn bpmn_files(source_dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut dirs = vec![source_dir.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let name = path.to_string_lossy().into_owned();
            if path.is_dir() {
                dirs.push(path);
            } else if (name.ends_with(".bpmn") || name.ends_with(".bpmn20.xml"))
                && let Ok(rel) = path.strip_prefix(source_dir)
            {
                out.push(rel.to_string_lossy().into_owned());
            }
        }
    }
    out.sort();
    out
}

/// What parsing one file gave.
#[derive(Debug, Clone, PartialEq)]
pub enum ParseResult {
    /// The parser panicked (a bug: the parser promises never to).
    Panicked,
    /// Not well-formed XML.
    NotWellFormed,
    /// Parsed; `errors` holds the error messages (empty when it would deploy), `executable`
    /// says whether it holds an executable process.
    Parsed {
        /// Error messages.
        errors: Vec<String>,
        /// At least one executable process.
        executable: bool,
    },
}

/// Parses every BPMN file of `source`; file → result.
pub fn parse_all(exec: &Path, source: &str) -> BTreeMap<String, ParseResult> {
    let dir = exec.join(source);
    bpmn_files(&dir)
        .into_iter()
        .map(|rel| {
            let bytes = std::fs::read(dir.join(&rel)).unwrap_or_default();
            let result = match std::panic::catch_unwind(|| keel_bpmn::parse(&bytes)) {
                Err(_) => ParseResult::Panicked,
                Ok(p) if !p.well_formed => ParseResult::NotWellFormed,
                Ok(p) => ParseResult::Parsed {
                    errors: p
                        .diagnostics
                        .iter()
                        .filter(|d| d.is_error())
                        .map(|d| d.message.clone())
                        .collect(),
                    executable: p.processes.iter().any(|p| p.is_executable),
                },
            };
            (rel, result)
        })
        .collect()
}

/// The element named by a "... is not supported yet" message, if it is one.
pub fn unsupported_element(message: &str) -> Option<String> {
    let head = message
        .split_once(" is not supported yet")
        .or_else(|| message.split_once(" are not supported yet"))?
        .0;
    let head = head
        .strip_prefix("a ")
        .or_else(|| head.strip_prefix("an "))
        .unwrap_or(head);
    Some(head.to_owned())
}

/// A parse error message with quoted names blanked, so equal problems group together.
pub fn error_pattern(message: &str) -> String {
    let mut out = String::new();
    let mut in_quote = false;
    for c in message.chars() {
        if c == '"' {
            if !in_quote {
                out.push_str("\"…\"");
            }
            in_quote = !in_quote;
        } else if !in_quote {
            out.push(c);
        }
    }
    out.split(';').next().unwrap_or("").trim().to_owned()
}
