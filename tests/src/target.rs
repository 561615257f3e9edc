//! A real HTTP server on a loopback port for connector scenarios: `POST /things` creates a
//! "thing" once per `Idempotency-Key` (a repeat with the same key answers the first response,
//! as an idempotent API does) and counts every request by key; `GET /things/{key}` looks the
//! thing up by key (200 or 404), which is what `keel:http`'s `reconcileUrl` calls. A test can
//! make the next requests fail with a status, or answer late (the thing exists at once).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use serde_json::{Value, json};

/// What the target saw and holds.
#[derive(Debug, Default)]
pub struct Seen {
    /// Every `POST /things`: its key (empty when the header was missing) and when it came.
    pub posts: Vec<(String, Instant)>,
    /// Every `GET /things/{key}`: the key.
    pub lookups: Vec<String>,
    /// Things created, by key.
    pub things: HashMap<String, Value>,
    /// Statuses the next posts answer with, one per post (then normal service).
    pub fail_next: Vec<u16>,
    /// Delays of the next posts' answers, one per post: the thing is created at once, the
    /// answer comes this many milliseconds later (a slow target).
    pub delay_next: Vec<u64>,
}

/// The running server.
#[derive(Debug, Clone)]
pub struct Target {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    seen: Arc<Mutex<Seen>>,
}

impl Target {
    /// Binds a free loopback port and serves until the test's runtime ends.
    pub async fn start() -> Target {
        let seen = Arc::new(Mutex::new(Seen::default()));
        let app = axum::Router::new()
            .route("/things", post(create))
            .route("/things/{key}", get(lookup))
            .with_state(seen.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the target server");
        let base = format!("http://{}", listener.local_addr().expect("local addr"));
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Target { base, seen }
    }

    /// Reads what was seen.
    pub fn seen<T>(&self, f: impl FnOnce(&Seen) -> T) -> T {
        f(&self.seen.lock().expect("target state"))
    }

    /// The next posts answer these statuses (without creating anything), in order.
    pub fn fail_next(&self, statuses: &[u16]) {
        self.seen.lock().expect("target state").fail_next = statuses.to_vec();
    }

    /// The next posts create their thing at once but answer only after these delays (ms), in
    /// order.
    pub fn delay_next(&self, millis: &[u64]) {
        self.seen.lock().expect("target state").delay_next = millis.to_vec();
    }

    /// Keys of all posts, in order.
    pub fn post_keys(&self) -> Vec<String> {
        self.seen(|s| s.posts.iter().map(|(k, _)| k.clone()).collect())
    }
}

async fn create(
    State(seen): State<Arc<Mutex<Seen>>>,
    headers: HeaderMap,
    Json(body): Json<Value>,
) -> (StatusCode, Json<Value>) {
    let key = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let (delay, answer) = {
        let mut seen = seen.lock().expect("target state");
        seen.posts.push((key.clone(), Instant::now()));
        let delay = if seen.delay_next.is_empty() {
            0
        } else {
            seen.delay_next.remove(0)
        };
        (delay, respond(&mut seen, key, body))
    };
    if delay > 0 {
        tokio::time::sleep(std::time::Duration::from_millis(delay)).await;
    }
    answer
}

fn respond(seen: &mut Seen, key: String, body: Value) -> (StatusCode, Json<Value>) {
    if !seen.fail_next.is_empty() {
        let status = seen.fail_next.remove(0);
        let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        return (status, Json(json!({"error": "injected by the test"})));
    }
    if let Some(thing) = seen.things.get(&key) {
        return (StatusCode::CREATED, Json(thing.clone()));
    }
    let thing = json!({"id": seen.things.len() + 1, "key": key, "request": body});
    seen.things.insert(key, thing.clone());
    (StatusCode::CREATED, Json(thing))
}

async fn lookup(
    State(seen): State<Arc<Mutex<Seen>>>,
    Path(key): Path<String>,
) -> (StatusCode, Json<Value>) {
    let mut seen = seen.lock().expect("target state");
    seen.lookups.push(key.clone());
    match seen.things.get(&key) {
        Some(thing) => (StatusCode::OK, Json(thing.clone())),
        None => (
            StatusCode::NOT_FOUND,
            Json(json!({"error": "no such thing"})),
        ),
    }
}
