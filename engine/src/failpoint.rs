//! Named failpoints: exact places where a test can make the engine crash, stall or fail.
//!
//! Compiled in only with the `failpoints` cargo feature (the test builds of the scenario suite
//! enable it; a release `keel` has none of this). `KEEL_FAILPOINTS` arms them when the process
//! starts: `name=action[@n][;name=action[@n]...]`, where `action` is
//! - `abort`: the process dies on the spot, like `kill -9` (no unwinding, no cleanup);
//! - `panic`: the current thread panics;
//! - `sleep(ms)`: the thread stalls for `ms` milliseconds;
//! - `error`: [`hit`] returns an error (the caller's storage-failure path runs),
//!
//! and `@n` fires it only on the n-th time the point is reached (default: every time).
//!
//! Points: `writer_before_flush`, `writer_before_commit`, `writer_after_commit` (committed,
//! callers not yet answered); `before_connector_call` (a connector's intent is committed, the
//! call not made) and `after_connector_call` (the call returned, its result not recorded);
//! `before_async_continuation` (a continuation job's lock is committed, the continuation not
//! applied).

/// True when this build has failpoints compiled in.
pub const ENABLED: bool = cfg!(feature = "failpoints");

/// A failure injected by an `error` failpoint.
#[derive(Debug, thiserror::Error)]
#[error("failpoint {0} injected an error")]
pub struct Injected(pub &'static str);

/// Reaches the failpoint `name`: does what `KEEL_FAILPOINTS` says, if anything.
#[cfg(not(feature = "failpoints"))]
#[inline(always)]
pub fn hit(_name: &'static str) -> Result<(), Injected> {
    Ok(())
}

/// Reaches the failpoint `name`: does what `KEEL_FAILPOINTS` says, if anything.
#[cfg(feature = "failpoints")]
pub fn hit(name: &'static str) -> Result<(), Injected> {
    armed::hit(name)
}

#[cfg(feature = "failpoints")]
mod armed {
    use std::collections::HashMap;
    use std::sync::OnceLock;
    use std::sync::atomic::{AtomicU64, Ordering};

    use super::Injected;

    #[derive(Debug)]
    enum Action {
        Abort,
        Panic,
        Sleep(u64),
        Error,
    }

    #[derive(Debug)]
    struct Point {
        action: Action,
        nth: Option<u64>,
        reached: AtomicU64,
    }

    fn points() -> &'static HashMap<String, Point> {
        static POINTS: OnceLock<HashMap<String, Point>> = OnceLock::new();
        POINTS.get_or_init(|| parse(&std::env::var("KEEL_FAILPOINTS").unwrap_or_default()))
    }

    fn parse(spec: &str) -> HashMap<String, Point> {
        let mut out = HashMap::new();
        for item in spec.split(';').map(str::trim).filter(|s| !s.is_empty()) {
            let Some((name, rest)) = item.split_once('=') else {
                eprintln!("KEEL_FAILPOINTS: ignoring '{item}' (expected name=action)");
                continue;
            };
            let (action, nth) = match rest.split_once('@') {
                Some((a, n)) => (a, n.parse().ok()),
                None => (rest, None),
            };
            let action = match action {
                "abort" => Action::Abort,
                "panic" => Action::Panic,
                "error" => Action::Error,
                other => match other
                    .strip_prefix("sleep(")
                    .and_then(|s| s.strip_suffix(')'))
                    .and_then(|ms| ms.parse().ok())
                {
                    Some(ms) => Action::Sleep(ms),
                    None => {
                        eprintln!("KEEL_FAILPOINTS: unknown action '{other}' for {name}");
                        continue;
                    }
                },
            };
            out.insert(
                name.trim().to_owned(),
                Point {
                    action,
                    nth,
                    reached: AtomicU64::new(0),
                },
            );
        }
        out
    }

    pub fn hit(name: &'static str) -> Result<(), Injected> {
        let Some(point) = points().get(name) else {
            return Ok(());
        };
        let count = point.reached.fetch_add(1, Ordering::SeqCst) + 1;
        if point.nth.is_some_and(|n| n != count) {
            return Ok(());
        }
        tracing::warn!(failpoint = name, count, action = ?point.action, "failpoint reached");
        match point.action {
            Action::Abort => std::process::abort(),
            #[allow(clippy::panic)] // the point of this action
            Action::Panic => panic!("failpoint {name}"),
            Action::Sleep(ms) => std::thread::sleep(std::time::Duration::from_millis(ms)),
            Action::Error => return Err(Injected(name)),
        }
        Ok(())
    }
}
