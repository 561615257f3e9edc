//! A real `keel serve` process on its own database (SQLite, or PostgreSQL with
//! `KEEL_TEST_DB=postgres`) and loopback port, killed on drop. Cluster scenarios start nodes on
//! one PostgreSQL database: [`Server::start_postgres`], then [`Server::start_node`].

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tempfile::TempDir;

use crate::api::Api;
use crate::cli::{keel, keel_bin};

/// One `keel serve` process. Dropping it kills the process (SIGKILL) and, with the last
/// handle, removes the database folder.
pub struct Server {
    child: Option<Child>,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// The database URL (`sqlite://<dir>/keel.db` or a fresh PostgreSQL database).
    pub db: String,
    dir: Arc<TempDir>,
    starts: u32,
    /// Extra environment for the next spawns (e.g. `KEEL_FAILPOINTS`).
    env: Vec<(String, String)>,
}

/// A free loopback port (bound, read, released: a tiny race we retry on).
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("find a free port")
}

impl Server {
    /// Starts a server on a fresh database.
    pub async fn start() -> Server {
        Server::start_with_env(&[]).await
    }

    /// Starts a server on a fresh database with extra environment variables (kept for
    /// restarts until [`Server::clear_env`]).
    pub async fn start_with_env(env: &[(&str, &str)]) -> Server {
        let dir = Arc::new(tempfile::tempdir().expect("tempdir"));
        let db = keel_engine::store::scratch::database_url(dir.path())
            .await
            .expect("a fresh database (KEEL_TEST_DB)");
        Server::start_in(dir, db, env).await
    }

    /// Starts a server on a fresh PostgreSQL database, whatever `KEEL_TEST_DB` says (the
    /// server at `KEEL_TEST_PG_URL`, default the local one).
    pub async fn start_postgres() -> Server {
        Server::start_postgres_with_env(&[]).await
    }

    /// [`Server::start_postgres`] with extra environment variables (e.g. `KEEL_POLL_MS`).
    pub async fn start_postgres_with_env(env: &[(&str, &str)]) -> Server {
        let dir = Arc::new(tempfile::tempdir().expect("tempdir"));
        let db = keel_engine::store::scratch::postgres_url()
            .await
            .expect("a fresh PostgreSQL database (KEEL_TEST_PG_URL)");
        Server::start_in(dir, db, env).await
    }

    /// Starts another node on the database `db` (a PostgreSQL URL shared by the cluster) and a
    /// free port, with a folder of its own for its log.
    pub async fn start_node(db: &str) -> Server {
        Server::start_node_with_env(db, &[]).await
    }

    /// [`Server::start_node`] with extra environment variables.
    pub async fn start_node_with_env(db: &str, env: &[(&str, &str)]) -> Server {
        let dir = Arc::new(tempfile::tempdir().expect("tempdir"));
        Server::start_in(dir, db.to_owned(), env).await
    }

    async fn start_in(dir: Arc<TempDir>, db: String, env: &[(&str, &str)]) -> Server {
        let mut server = Server {
            child: None,
            base: String::new(),
            db,
            dir,
            starts: 0,
            env: env
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        };
        server.spawn(None).await;
        server
    }

    /// Drops the extra environment: the next restart runs a plain server.
    pub fn clear_env(&mut self) {
        self.env.clear();
    }

    /// Drops one variable of the extra environment (e.g. `KEEL_FAILPOINTS`) for the next
    /// restarts, keeping the others.
    pub fn remove_env(&mut self, name: &str) {
        self.env.retain(|(k, _)| k != name);
    }

    /// Waits until the process exits by itself (a crash); true when it did within `timeout`.
    pub async fn wait_for_exit(&mut self, timeout: Duration) -> bool {
        let until = Instant::now() + timeout;
        while Instant::now() < until {
            if let Some(child) = self.child.as_mut()
                && child.try_wait().ok().flatten().is_some()
            {
                self.child = None;
                return true;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        false
    }

    /// The port the server listens on.
    pub fn port(&self) -> u16 {
        self.base
            .rsplit(':')
            .next()
            .and_then(|p| p.parse().ok())
            .expect("base has a port")
    }

    /// The process id of the running `keel serve` (for `kill -STOP`), if it runs.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// The database folder.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// Where the current process writes its stderr.
    pub fn log_path(&self) -> PathBuf {
        self.dir.path().join(format!("serve-{}.log", self.starts))
    }

    /// The server's stderr so far (for failure messages).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.log_path()).unwrap_or_default()
    }

    /// Spawns `keel serve` and waits until `/health` answers. Without a fixed `port` it retries
    /// on another free port when the chosen one was taken meanwhile; with one, it retries the
    /// same port for a while (a killed server's port can take a moment to free up).
    async fn spawn(&mut self, fixed: Option<u16>) {
        let attempts = if fixed.is_some() { 100 } else { 5 };
        for _attempt in 0..attempts {
            self.starts += 1;
            let port = fixed.unwrap_or_else(free_port);
            let log = std::fs::File::create(self.log_path()).expect("log file");
            let child = Command::new(keel_bin())
                .args(["serve", "--db", &self.db, "--listen"])
                .arg(format!("127.0.0.1:{port}"))
                .env_remove("KEEL_DB")
                .env_remove("KEEL_LISTEN")
                .env("KEEL_LOG", "warn")
                .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::from(log))
                .spawn()
                .expect("spawn keel serve");
            self.child = Some(child);
            self.base = format!("http://127.0.0.1:{port}");
            if self.wait_healthy().await {
                return;
            }
            let log = self.log();
            if !log.contains("cannot listen") {
                panic!("keel serve exited before answering /health:\n{log}");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("keel serve could not find a free port:\n{}", self.log());
    }

    /// Polls `/health` until it answers 200 (true) or the process exits (false).
    async fn wait_healthy(&mut self) -> bool {
        keel_engine::connector::http::install_crypto_provider();
        let http = reqwest::Client::new();
        let until = Instant::now() + Duration::from_secs(20);
        loop {
            if let Ok(r) = http.get(format!("{}/health", self.base)).send().await
                && r.status().as_u16() == 200
            {
                return true;
            }
            let child = self.child.as_mut().expect("child");
            if child.try_wait().expect("try_wait").is_some() {
                return false;
            }
            assert!(
                Instant::now() < until,
                "keel serve did not answer /health within 20 s:\n{}",
                self.log()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Sends SIGTERM (a graceful shutdown) and waits up to `timeout` for the process to
    /// exit; true when it did. [`Server::restart`] then starts it again on the same port.
    pub async fn terminate(&mut self, timeout: Duration) -> bool {
        let Some(pid) = self.pid() else {
            return true;
        };
        let sent = Command::new("kill")
            .args(["-TERM", &pid.to_string()])
            .status()
            .expect("run kill");
        assert!(sent.success(), "kill -TERM {pid}: {sent:?}");
        self.wait_for_exit(timeout).await
    }

    /// SIGKILLs the process (no graceful shutdown) and reaps it.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Kills the process and starts a new one on the same database and the same port, so
    /// existing [`Api`] clients keep working.
    pub async fn restart(&mut self) {
        let port = self.port();
        self.kill();
        self.spawn(Some(port)).await;
    }

    /// Spawns a second `keel serve` on this database (a free port) without waiting for it.
    pub fn spawn_second(&self) -> Guarded {
        let child = Command::new(keel_bin())
            .args(["serve", "--db", &self.db, "--listen"])
            .arg(format!("127.0.0.1:{}", free_port()))
            .env_remove("KEEL_DB")
            .env_remove("KEEL_LISTEN")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn a second keel serve");
        Guarded(Some(child))
    }

    /// Creates (or extends) a user with the real CLI and returns its token (last stdout line).
    pub fn user(&self, name: &str, groups: &[&str], roles: &[&str]) -> String {
        let mut args = vec![
            "user".to_owned(),
            "add".into(),
            name.into(),
            "--db".into(),
            self.db.clone(),
        ];
        for g in groups {
            args.extend(["--group".to_owned(), (*g).to_owned()]);
        }
        for r in roles {
            args.extend(["--role".to_owned(), (*r).to_owned()]);
        }
        let out = keel(&args);
        out.assert_ok("keel user add");
        let token = out
            .stdout
            .lines()
            .last()
            .unwrap_or_default()
            .trim()
            .to_owned();
        assert!(
            token.starts_with("tok_"),
            "keel user add: last stdout line is not a token:\n{out}"
        );
        token
    }

    /// An API client with `token`.
    pub fn api(&self, token: &str) -> Api {
        Api::new(&self.base, Some(token.to_owned()))
    }

    /// An API client without a token.
    pub fn anonymous(&self) -> Api {
        Api::new(&self.base, None)
    }

    /// A client for a new user with `roles` (and no groups).
    pub fn api_for(&self, name: &str, roles: &[&str]) -> Api {
        self.api(&self.user(name, &[], roles))
    }

    /// A client for a new admin user.
    pub fn admin(&self) -> Api {
        self.api_for("admin", &["admin"])
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A child process killed on drop unless it exited.
pub struct Guarded(Option<Child>);

impl Guarded {
    /// Polls until the process exits and returns its output, or `None` after `deadline`
    /// (the process is then killed on drop).
    pub async fn wait_exit(&mut self, deadline: Duration) -> Option<std::process::Output> {
        let until = Instant::now() + deadline;
        loop {
            let child = self.0.as_mut()?;
            if child.try_wait().expect("try_wait").is_some() {
                return self.0.take()?.wait_with_output().ok();
            }
            if Instant::now() >= until {
                return None;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

impl Drop for Guarded {
    fn drop(&mut self) {
        if let Some(mut child) = self.0.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
