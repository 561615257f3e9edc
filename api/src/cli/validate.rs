//! `keel validate FILE|DIR...`: offline parsing and validation. One line per problem,
//! `FILE:LINE:COLUMN: error|warning: [ELEMENT_ID] message`; exit 0 when every file is valid,
//! 1 otherwise. Folders are walked for `.bpmn` and `.xml` files; `--summary` prints, per
//! folder, how many files were valid, had errors, or had warnings only.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// `keel validate` arguments.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// BPMN files, or folders to search for `.bpmn` / `.xml` files.
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// Print counts per folder at the end (`files=N valid=N errors=N warnings_only=N FOLDER`).
    #[arg(long)]
    summary: bool,
    /// Group the summary by the first N path components below each argument (0: one line per
    /// argument).
    #[arg(long, default_value_t = 1)]
    depth: usize,
    /// Do not print individual problems.
    #[arg(long)]
    quiet: bool,
}

#[derive(Default)]
struct Counts {
    files: u32,
    clean: u32,
    errors: u32,
    warnings_only: u32,
}

pub fn run(args: &Args) -> ExitCode {
    let mut any_error = false;
    let mut summary: BTreeMap<String, Counts> = BTreeMap::new();
    for root in &args.paths {
        let mut files = Vec::new();
        collect(root, &mut files);
        files.sort();
        for file in files {
            let (errors, warnings) = validate_file(&file, args.quiet);
            any_error |= errors > 0;
            let group = group_of(root, &file, args.depth);
            let c = summary.entry(group).or_default();
            c.files += 1;
            if errors > 0 {
                c.errors += 1;
            } else if warnings > 0 {
                c.warnings_only += 1;
            } else {
                c.clean += 1;
            }
        }
    }
    if args.summary {
        for (group, c) in &summary {
            println!(
                "files={} valid={} errors={} warnings_only={} {group}",
                c.files,
                c.clean + c.warnings_only,
                c.errors,
                c.warnings_only
            );
        }
    }
    if any_error {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

fn validate_file(file: &Path, quiet: bool) -> (usize, usize) {
    let name = file.display();
    let bytes = match std::fs::read(file) {
        Ok(b) => b,
        Err(e) => {
            if !quiet {
                println!("{name}:1:1: error: cannot read the file: {e}");
            }
            return (1, 0);
        }
    };
    let parsed = keel_bpmn::parse(&bytes);
    let mut errors = 0;
    let mut warnings = 0;
    for d in &parsed.diagnostics {
        if d.is_error() {
            errors += 1;
        } else {
            warnings += 1;
        }
        if !quiet {
            println!("{name}:{d}");
        }
    }
    if errors == 0 && !parsed.processes.iter().any(|p| p.is_executable) {
        warnings += 1;
        if !quiet {
            println!("{name}:1:1: warning: no executable process: nothing here can be deployed");
        }
    }
    (errors, warnings)
}

fn collect(path: &Path, out: &mut Vec<PathBuf>) {
    if path.is_dir() {
        let Ok(entries) = std::fs::read_dir(path) else {
            out.push(path.to_path_buf());
            return;
        };
        for entry in entries.flatten() {
            let p = entry.path();
            if p.is_dir() {
                collect(&p, out);
            } else if is_bpmn(&p) {
                out.push(p);
            }
        }
    } else {
        out.push(path.to_path_buf());
    }
}

fn is_bpmn(p: &Path) -> bool {
    let name = p
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    name.ends_with(".bpmn")
        || name.ends_with(".bpmn2")
        || name.ends_with(".bpmn20.xml")
        || name.ends_with(".xml")
}

fn group_of(root: &Path, file: &Path, depth: usize) -> String {
    let rel = file.strip_prefix(root).unwrap_or(file);
    let mut parts: Vec<String> = rel
        .parent()
        .map(|p| {
            p.components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    parts.truncate(depth);
    let mut group = root.display().to_string();
    for p in parts {
        group.push('/');
        group.push_str(&p);
    }
    group
}
