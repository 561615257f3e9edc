//! Locating and running the `keel` binary.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The `keel` binary built in the same target directory as this test executable
/// (`<target>/debug/deps/<test>` → `<target>/debug/keel`). `KEEL_BIN` overrides it.
/// Located (and checked) once per test process.
pub fn keel_bin() -> PathBuf {
    static BIN: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    BIN.get_or_init(locate).clone()
}

fn locate() -> PathBuf {
    if let Ok(bin) = std::env::var("KEEL_BIN") {
        return PathBuf::from(bin);
    }
    let exe = std::env::current_exe().expect("current_exe");
    let dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("test executable lives in <target>/<profile>/deps");
    let bin = dir.join(format!("keel{}", std::env::consts::EXE_SUFFIX));
    assert!(
        bin.is_file(),
        "the keel binary is missing at {}: build it first with \
         `cargo build -p keel` using the same CARGO_TARGET_DIR (or run `cargo test --workspace`), \
         or point KEEL_BIN at it",
        bin.display()
    );
    assert_fresh(&bin);
    bin
}

/// Fails when a source file of the binary (`src/` and `Cargo.toml` of api/, engine/,
/// engine/bpmn/, engine/feel/) is newer than the binary: the scenarios would test old code.
fn assert_fresh(bin: &Path) {
    let modified = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    let Some(bin_time) = modified(bin) else {
        return;
    };
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut newest: Option<(std::time::SystemTime, PathBuf)> = None;
    let crates = ["api", "engine", "engine/bpmn", "engine/feel"];
    let mut stack: Vec<PathBuf> = crates
        .iter()
        .map(|d| workspace.join(d).join("src"))
        .collect();
    stack.extend(crates.iter().map(|d| workspace.join(d).join("Cargo.toml")));
    while let Some(item) = stack.pop() {
        let paths: Vec<PathBuf> = if item.is_dir() {
            std::fs::read_dir(&item)
                .into_iter()
                .flatten()
                .flatten()
                .map(|e| e.path())
                .collect()
        } else {
            vec![item]
        };
        for path in paths {
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let source = path
                .extension()
                .is_some_and(|e| e == "rs" || e == "sql" || e == "toml");
            if let (true, Some(t)) = (source, modified(&path))
                && newest.as_ref().is_none_or(|(n, _)| t > *n)
            {
                newest = Some((t, path));
            }
        }
    }
    if let Some((time, path)) = newest {
        assert!(
            time <= bin_time,
            "the keel binary at {} is older than {}: rebuild it with `cargo build -p keel` \
             (same CARGO_TARGET_DIR) so the scenarios test the current code, or set KEEL_BIN to \
             use a binary as it is",
            bin.display(),
            path.display()
        );
    }
}

/// What a finished CLI command printed.
#[derive(Debug)]
pub struct CliOutput {
    /// Exit code (`None`: killed by a signal).
    pub code: Option<i32>,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

impl CliOutput {
    /// Panics with both streams unless the command exited 0.
    pub fn assert_ok(&self, what: &str) -> &Self {
        assert_eq!(self.code, Some(0), "{what} failed:\n{self}");
        self
    }
}

impl std::fmt::Display for CliOutput {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "exit: {:?}\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

/// Runs `keel ARGS...` to completion (blocking; call it from `spawn_blocking` when a server in
/// the same test must keep serving, or just accept the short block).
pub fn keel<I, S>(args: I) -> CliOutput
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    let out = Command::new(keel_bin())
        .args(args)
        .env_remove("KEEL_DB")
        .env_remove("KEEL_LISTEN")
        .output()
        .expect("run keel");
    CliOutput {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}
