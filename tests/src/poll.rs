//! Polling with a deadline: scenarios never sleep for a fixed time to wait for something.

use std::future::Future;
use std::time::{Duration, Instant};

/// How long [`eventually`] waits before failing the scenario.
pub const DEADLINE: Duration = Duration::from_secs(10);
/// Pause between two polls.
pub const INTERVAL: Duration = Duration::from_millis(20);

/// Calls `probe` every 20 ms until it returns `Some`, and returns that value; panics naming
/// `what` after [`DEADLINE`].
pub async fn eventually<T, F, Fut>(what: &str, probe: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    eventually_within(what, DEADLINE, probe).await
}

/// [`eventually`] with another deadline (for long runs such as crash recovery).
pub async fn eventually_within<T, F, Fut>(what: &str, deadline: Duration, mut probe: F) -> T
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Option<T>>,
{
    let until = Instant::now() + deadline;
    loop {
        if let Some(v) = probe().await {
            return v;
        }
        if Instant::now() >= until {
            panic!("timed out after {deadline:?} waiting for {what}");
        }
        tokio::time::sleep(INTERVAL).await;
    }
}
