//! Fresh databases for tests, on the backend `KEEL_TEST_DB` names.
//!
//! Every suite that opens a database (engine, HTTP, scenarios) asks here for its URL, so one
//! suite runs unchanged against both backends: `KEEL_TEST_DB=sqlite` (default) gives a file in
//! the caller's temporary folder; `KEEL_TEST_DB=postgres` creates a new database on the server
//! at `KEEL_TEST_PG_URL` (default `postgres://postgres@127.0.0.1:5432/postgres`). Databases
//! left by runs older than an hour are dropped on the way, so repeated runs do not pile up.
//! Suites that need PostgreSQL whatever `KEEL_TEST_DB` says (several nodes on one database)
//! call [`postgres_url`].

use std::path::Path;
use std::str::FromStr;

use sqlx::Connection;
use sqlx::postgres::{PgConnectOptions, PgConnection};

use super::Result;

/// The default administrative URL of the test PostgreSQL server.
pub const DEFAULT_PG_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// The backend the tests run on, from `KEEL_TEST_DB`.
pub fn backend() -> &'static str {
    match std::env::var("KEEL_TEST_DB").as_deref() {
        Ok("postgres") | Ok("postgresql") => "postgres",
        _ => "sqlite",
    }
}

/// A URL of a new, empty database (`dir` holds the SQLite file).
pub async fn database_url(dir: &Path) -> Result<String> {
    if backend() == "sqlite" {
        return Ok(format!("sqlite://{}", dir.join("keel.db").display()));
    }
    postgres_url().await
}

/// The URL of a new, empty PostgreSQL database on the server at `KEEL_TEST_PG_URL`, whatever
/// `KEEL_TEST_DB` says.
pub async fn postgres_url() -> Result<String> {
    let admin = std::env::var("KEEL_TEST_PG_URL").unwrap_or_else(|_| DEFAULT_PG_URL.to_owned());
    create_postgres(&admin)
        .await
        .map_err(|e| super::Error::Scratch {
            url: super::redact_url(&admin),
            message: e.to_string(),
        })
}

async fn create_postgres(admin: &str) -> Result<String> {
    let options = PgConnectOptions::from_str(admin)?;
    let mut conn = PgConnection::connect_with(&options).await?;
    let now = jiff::Timestamp::now().as_second();
    drop_stale(&mut conn, now).await?;
    let name = format!(
        "keel_t_{now}_{}",
        uuid::Uuid::new_v4()
            .simple()
            .to_string()
            .get(..12)
            .unwrap_or("0")
    );
    // The name is ours (digits and hex), never input.
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut conn)
        .await?;
    conn.close().await?;
    let base = admin.rsplit_once('/').map(|(b, _)| b).unwrap_or(admin);
    Ok(format!("{base}/{name}"))
}

async fn drop_stale(conn: &mut PgConnection, now: i64) -> Result<()> {
    let names: Vec<(String,)> =
        sqlx::query_as("SELECT datname FROM pg_database WHERE datname LIKE 'keel\\_t\\_%'")
            .fetch_all(&mut *conn)
            .await?;
    for (name,) in names {
        let created = name
            .split('_')
            .nth(2)
            .and_then(|s| s.parse::<i64>().ok())
            .unwrap_or(now);
        let safe = name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if safe && now - created > 3600 {
            let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
                "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
            )))
            .execute(&mut *conn)
            .await;
        }
    }
    Ok(())
}
