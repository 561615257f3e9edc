//! Locating and running the `keel` binary.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The `keel` binary built in the same target directory as this test executable
/// (`<target>/debug/deps/<test>` → `<target>/debug/keel`). `KEEL_BIN` overrides it.
pub fn keel_bin() -> PathBuf {
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
    bin
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
