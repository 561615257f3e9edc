//! Parses every `.bpmn`/`.xml` file of the shared corpus (`$KEEL_CORPUS`, default
//! `../../../shared/corpus` from this crate): no file may panic, the MIWG reference models must
//! be well-formed, and the negative inputs of `invalid/` that are invalid for an engine must
//! produce at least one error. Prints counts per top-level folder.
//!
//! Which `invalid/` entries must fail (decided per `kind` column of `invalid/INDEX.tsv`):
//! - not well-formed XML (any kind whose `xml_wellformedness` says so, the `not-well-formed/`
//!   folder, the hostile DOCTYPE file): must fail, and must fail at the XML level;
//! - `semantic (...)` (Camunda 7, Zeebe, SpiffWorkflow rejections) and `deployment rejected by
//!   Zeebe`: must fail, except the entries in [`ENGINE_VALID`];
//! - `read warnings/errors (bpmn-moddle)` and `import warnings/errors (bpmn-js)`: these are
//!   modeler import problems; those that break the semantic model (duplicate ids, dangling
//!   references, wrong root, no process, bad encoding) must fail, those that only concern the
//!   diagram layout or unknown extension content are valid for an engine ([`ENGINE_VALID`]);
//! - `lint violation (...)`: modelling style, legitimately deployable; counted, not asserted.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use keel_bpmn::parse;

/// `invalid/` entries that are legitimately valid for an engine, with the reason.
const ENGINE_VALID: &[(&str, &str)] = &[
    (
        "di-plane-no-bpmn-element.bpmn",
        "diagram layout only (BPMNPlane without bpmnElement)",
    ),
    (
        "di-no-bpmn-element.bpmn",
        "diagram layout only (DI element without bpmnElement)",
    ),
    (
        "multiple-dis.bpmn",
        "diagram layout only (two shapes for one element)",
    ),
    (
        "invalid-flow-element.bpmn",
        "diagram layout only (two shapes for one element)",
    ),
    (
        "extension-definition-missing.bpmn",
        "unknown vendor extension content is skipped",
    ),
    (
        "dangling-process-message-flow.bpmn",
        "message flows belong to the collaboration, which is skipped",
    ),
    ("invalid-child.bpmn", "unknown child elements are skipped"),
    (
        "testParseProcessDefinitionInvalidTtl.bpmn20.xml",
        "camunda:historyTimeToLive is a camunda 7 history setting, ignored",
    ),
    (
        "testInvalidProcessDefinition.bpmn20.xml",
        "xsd-order violation only; the model is sound",
    ),
    (
        "non-executable-process.bpmn",
        "a non-executable process is valid BPMN; it is deployed but cannot start",
    ),
    (
        "Disconnected-Boundary-Event.bpmn20.xml",
        "isExecutable=\"false\": execution rules do not apply",
    ),
    (
        "Subprocess-Not-Found.bpmn20.xml",
        "isExecutable=\"false\": execution rules do not apply",
    ),
    (
        "BpmnParseTest.testInvalidProcessWithoutStartEvent.bpmn20.xml",
        "BPMN 2.0 (10.5.2) lets a process without start events start every element without incoming flows; Keel warns",
    ),
    (
        "BpmnParseTest.testInvalidSubProcessWithoutStartEvent.bpmn",
        "BPMN 2.0 (10.5.2) lets a sub-process without start events start every element without incoming flows; Keel warns",
    ),
    (
        "Invalid-Workflows/No-Start-Event.bpmn20.xml",
        "BPMN 2.0 (10.5.2) lets a process without start events start every element without incoming flows; Keel warns",
    ),
    (
        "categoryValue.bpmn",
        "groups and categories are skipped; a dangling categoryValueRef does not affect execution",
    ),
];

#[derive(Default)]
struct Counts {
    files: usize,
    errors: usize,
    warnings_only: usize,
    clean: usize,
}

fn corpus_root() -> PathBuf {
    match std::env::var_os("KEEL_CORPUS") {
        Some(p) => PathBuf::from(p),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus"),
    }
}

/// The corpus folders holding BPMN models (`feel-tck/` and `xsd/` hold other XML).
const FOLDERS: [&str; 4] = ["exec", "invalid", "miwg", "wild"];

fn bpmn_files(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut dirs: Vec<PathBuf> = FOLDERS.iter().map(|f| root.join(f)).collect();
    while let Some(dir) = dirs.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                dirs.push(path);
            } else if matches!(
                path.extension().and_then(|e| e.to_str()),
                Some("bpmn" | "xml")
            ) {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

#[test]
fn corpus() {
    let root = corpus_root();
    assert!(
        root.join("invalid/INDEX.tsv").is_file(),
        "BPMN corpus not found at {} (set KEEL_CORPUS to the shared corpus directory)",
        root.display()
    );
    let mut counts: BTreeMap<String, Counts> = BTreeMap::new();
    for folder in FOLDERS {
        assert!(
            root.join(folder).is_dir(),
            "corpus folder {folder}/ is missing under {}",
            root.display()
        );
    }
    let mut failures = Vec::new();
    let mut results = BTreeMap::new();
    for path in bpmn_files(&root) {
        let rel = path
            .strip_prefix(&root)
            .unwrap_or(&path)
            .to_string_lossy()
            .replace('\\', "/");
        let bytes = std::fs::read(&path).unwrap_or_default();
        let parsed = match std::panic::catch_unwind(|| parse(&bytes)) {
            Ok(p) => p,
            Err(_) => {
                failures.push(format!("{rel}: panicked"));
                continue;
            }
        };
        let top = rel.split('/').next().unwrap_or_default().to_owned();
        let c = counts.entry(top).or_default();
        c.files += 1;
        if parsed.has_errors() {
            c.errors += 1;
        } else if parsed.diagnostics.is_empty() {
            c.clean += 1;
        } else {
            c.warnings_only += 1;
        }
        if rel.starts_with("miwg/Reference/") && !parsed.well_formed {
            failures.push(format!(
                "{rel}: xml-level error {:?}",
                parsed.diagnostics.first()
            ));
        }
        results.insert(rel, (parsed.has_errors(), parsed.well_formed));
    }
    check_invalid(&root, &results, &mut failures);
    for (folder, c) in &counts {
        println!(
            "{folder:<10} files {:>4}  with errors {:>4}  warnings only {:>4}  clean {:>4}",
            c.files, c.errors, c.warnings_only, c.clean
        );
    }
    assert!(
        failures.is_empty(),
        "{} corpus failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

fn check_invalid(
    root: &Path,
    results: &BTreeMap<String, (bool, bool)>,
    failures: &mut Vec<String>,
) {
    let index = std::fs::read_to_string(root.join("invalid/INDEX.tsv")).unwrap_or_default();
    let mut lint = (0, 0);
    for line in index.lines().skip(1) {
        let cols: Vec<&str> = line.split('\t').collect();
        let [file, kind, wellformed, ..] = cols.as_slice() else {
            continue;
        };
        let rel = format!("invalid/{file}");
        let Some(&(has_errors, well_formed)) = results.get(&rel) else {
            continue; // not a .bpmn/.xml file (a .dmn, for instance)
        };
        let not_well_formed = wellformed.starts_with("NOT well-formed")
            || file.starts_with("not-well-formed/")
            || kind.starts_with("hostile");
        if not_well_formed {
            if well_formed || !has_errors {
                failures.push(format!(
                    "{rel}: not well-formed ({wellformed}) but read as xml"
                ));
            }
            continue;
        }
        if kind.starts_with("lint violation") {
            lint.0 += 1;
            lint.1 += usize::from(has_errors);
            continue;
        }
        if let Some((_, why)) = ENGINE_VALID.iter().find(|(name, _)| file.ends_with(name)) {
            println!("engine-valid by decision: {rel} ({why}); errors: {has_errors}");
            continue;
        }
        if !has_errors {
            failures.push(format!("{rel}: expected at least one error ({kind})"));
        }
    }
    println!(
        "lint violations: {} files, {} of them with errors",
        lint.0, lint.1
    );
}
