//! One SQL path for both databases.
//!
//! Keel writes its SQL once, with `$1`-style placeholders (SQLite reads `$N` as the N-th
//! parameter, PostgreSQL natively), and runs it on either backend's native sqlx driver. A
//! [`Query`] collects its arguments as [`Arg`]s; running it binds them to the native query of
//! the [`Target`] it runs on. This keeps native speed (no `sqlx::Any` value conversion) and
//! leaves the few real dialect differences to [`super::Dialect`].
//!
//! Row types implement [`Record`] (derive `sqlx::FromRow`), single values [`Scalar`].

use sqlx::postgres::{PgConnection, PgPool, PgRow};
use sqlx::sqlite::{SqliteConnection, SqlitePool, SqliteRow};
use sqlx::{AssertSqlSafe, Decode, FromRow, Postgres, Sqlite, Type};

use super::{Dialect, Result};

/// A row type both backends can decode.
pub trait Record:
    for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin
{
}
impl<T> Record for T where
    T: for<'r> FromRow<'r, SqliteRow> + for<'r> FromRow<'r, PgRow> + Send + Unpin
{
}

/// A single column value both backends can decode.
pub trait Scalar:
    for<'r> Decode<'r, Sqlite>
    + Type<Sqlite>
    + for<'r> Decode<'r, Postgres>
    + Type<Postgres>
    + Send
    + Unpin
{
}
impl<T> Scalar for T where
    T: for<'r> Decode<'r, Sqlite>
        + Type<Sqlite>
        + for<'r> Decode<'r, Postgres>
        + Type<Postgres>
        + Send
        + Unpin
{
}

/// One bound parameter.
#[derive(Debug, Clone)]
pub enum Arg<'q> {
    /// A 64-bit integer (every integer column is `BIGINT`/`INTEGER`).
    I64(Option<i64>),
    /// Borrowed text.
    Str(Option<&'q str>),
    /// Owned text.
    Text(Option<String>),
    /// Bytes.
    Bytes(&'q [u8]),
}

impl From<i64> for Arg<'_> {
    fn from(v: i64) -> Self {
        Arg::I64(Some(v))
    }
}
impl From<Option<i64>> for Arg<'_> {
    fn from(v: Option<i64>) -> Self {
        Arg::I64(v)
    }
}
impl<'q> From<&'q str> for Arg<'q> {
    fn from(v: &'q str) -> Self {
        Arg::Str(Some(v))
    }
}
impl<'q> From<&'q String> for Arg<'q> {
    fn from(v: &'q String) -> Self {
        Arg::Str(Some(v))
    }
}
impl<'q> From<Option<&'q str>> for Arg<'q> {
    fn from(v: Option<&'q str>) -> Self {
        Arg::Str(v)
    }
}
impl<'q> From<&'q Option<String>> for Arg<'q> {
    fn from(v: &'q Option<String>) -> Self {
        Arg::Str(v.as_deref())
    }
}
impl From<String> for Arg<'_> {
    fn from(v: String) -> Self {
        Arg::Text(Some(v))
    }
}
impl From<Option<String>> for Arg<'_> {
    fn from(v: Option<String>) -> Self {
        Arg::Text(v)
    }
}
impl<'q> From<&'q [u8]> for Arg<'q> {
    fn from(v: &'q [u8]) -> Self {
        Arg::Bytes(v)
    }
}
impl<'q> From<&'q Vec<u8>> for Arg<'q> {
    fn from(v: &'q Vec<u8>) -> Self {
        Arg::Bytes(v)
    }
}
impl<'q, T> From<&T> for Arg<'q>
where
    T: Copy + Into<Arg<'q>> + Numeric,
{
    fn from(v: &T) -> Self {
        (*v).into()
    }
}

/// Marker for numbers passed by reference (`&i64`).
pub trait Numeric {}
impl Numeric for i64 {}
impl Numeric for Option<i64> {}

/// Where a query runs: a pool (reads) or a connection inside a transaction.
pub enum Target<'e> {
    /// A SQLite pool.
    SqlitePool(&'e SqlitePool),
    /// A SQLite connection.
    Sqlite(&'e mut SqliteConnection),
    /// A PostgreSQL pool.
    PgPool(&'e PgPool),
    /// A PostgreSQL connection.
    Pg(&'e mut PgConnection),
    /// A write transaction that has begun.
    Begun(&'e mut super::WriteTx),
    /// A write transaction that begins at its first statement ([`super::WriteTx::ready`]).
    Deferred(&'e mut super::WriteTx),
}

/// Where a query runs, once a deferred write transaction has begun.
enum Ready<'e> {
    SqlitePool(&'e SqlitePool),
    Sqlite(&'e mut SqliteConnection),
    PgPool(&'e PgPool),
    Pg(&'e mut PgConnection),
}

impl<'e> Target<'e> {
    async fn ready(self) -> Result<Ready<'e>> {
        let tx = match self {
            Target::SqlitePool(p) => return Ok(Ready::SqlitePool(p)),
            Target::Sqlite(c) => return Ok(Ready::Sqlite(c)),
            Target::PgPool(p) => return Ok(Ready::PgPool(p)),
            Target::Pg(c) => return Ok(Ready::Pg(c)),
            Target::Begun(tx) => tx,
            Target::Deferred(tx) => {
                tx.ready().await?;
                tx
            }
        };
        match tx {
            super::WriteTx::Sqlite(tx) => Ok(Ready::Sqlite(&mut *tx)),
            super::WriteTx::Postgres(tx) => Ok(Ready::Pg(&mut *tx)),
            super::WriteTx::Deferred(_) => Err(super::Error::RolledBack(
                "the write transaction did not begin".into(),
            )),
        }
    }
}

/// SQL text: a literal, or text Keel assembled from its own literal fragments (never from
/// input; input is always bound).
#[derive(Debug, Clone)]
enum Text {
    Static(&'static str),
    Built(String),
}

/// A query with its arguments.
#[derive(Debug, Clone)]
pub struct Query<'q> {
    text: Text,
    args: Vec<Arg<'q>>,
}

/// A query from literal SQL.
pub fn query<'q>(sql: &'static str) -> Query<'q> {
    Query {
        text: Text::Static(sql),
        args: Vec::new(),
    }
}

/// A query from SQL Keel assembled from its own fragments (placeholders, column lists); every
/// value in it must still be bound.
pub fn built<'q>(sql: String) -> Query<'q> {
    Query {
        text: Text::Built(sql),
        args: Vec::new(),
    }
}

macro_rules! bind_all {
    ($query:expr, $args:expr) => {{
        let mut q = $query;
        for arg in $args {
            q = match arg {
                Arg::I64(v) => q.bind(v),
                Arg::Str(v) => q.bind(v),
                Arg::Text(v) => q.bind(v),
                Arg::Bytes(v) => q.bind(v),
            };
        }
        q
    }};
}

macro_rules! sql_text {
    ($text:expr) => {
        match $text {
            Text::Static(s) => sqlx::SqlStr::from_static(s),
            Text::Built(s) => sqlx::SqlSafeStr::into_sql_str(AssertSqlSafe(s)),
        }
    };
}

impl<'q> Query<'q> {
    /// Binds the next `$N`.
    pub fn bind(mut self, value: impl Into<Arg<'q>>) -> Self {
        self.args.push(value.into());
        self
    }

    /// Binds several values in order.
    pub fn bind_all(mut self, values: impl IntoIterator<Item = Arg<'q>>) -> Self {
        self.args.extend(values);
        self
    }

    /// Runs a statement; returns the number of rows it changed.
    pub async fn execute<'e>(self, on: impl Into<Target<'e>>) -> Result<u64> {
        let Query { text, args } = self;
        let sql = sql_text!(text);
        Ok(match on.into().ready().await? {
            Ready::SqlitePool(p) => bind_all!(sqlx::query::<Sqlite>(sql), args)
                .execute(p)
                .await?
                .rows_affected(),
            Ready::Sqlite(c) => bind_all!(sqlx::query::<Sqlite>(sql), args)
                .execute(c)
                .await?
                .rows_affected(),
            Ready::PgPool(p) => bind_all!(sqlx::query::<Postgres>(sql), args)
                .execute(p)
                .await?
                .rows_affected(),
            Ready::Pg(c) => bind_all!(sqlx::query::<Postgres>(sql), args)
                .execute(c)
                .await?
                .rows_affected(),
        })
    }

    /// Every row.
    pub async fn fetch_all<'e, T: Record>(self, on: impl Into<Target<'e>>) -> Result<Vec<T>> {
        let Query { text, args } = self;
        let sql = sql_text!(text);
        Ok(match on.into().ready().await? {
            Ready::SqlitePool(p) => {
                bind_all!(sqlx::query_as::<Sqlite, T>(sql), args)
                    .fetch_all(p)
                    .await?
            }
            Ready::Sqlite(c) => {
                bind_all!(sqlx::query_as::<Sqlite, T>(sql), args)
                    .fetch_all(c)
                    .await?
            }
            Ready::PgPool(p) => {
                bind_all!(sqlx::query_as::<Postgres, T>(sql), args)
                    .fetch_all(p)
                    .await?
            }
            Ready::Pg(c) => {
                bind_all!(sqlx::query_as::<Postgres, T>(sql), args)
                    .fetch_all(c)
                    .await?
            }
        })
    }

    /// The first row, if any.
    pub async fn fetch_optional<'e, T: Record>(
        self,
        on: impl Into<Target<'e>>,
    ) -> Result<Option<T>> {
        let Query { text, args } = self;
        let sql = sql_text!(text);
        Ok(match on.into().ready().await? {
            Ready::SqlitePool(p) => {
                bind_all!(sqlx::query_as::<Sqlite, T>(sql), args)
                    .fetch_optional(p)
                    .await?
            }
            Ready::Sqlite(c) => {
                bind_all!(sqlx::query_as::<Sqlite, T>(sql), args)
                    .fetch_optional(c)
                    .await?
            }
            Ready::PgPool(p) => {
                bind_all!(sqlx::query_as::<Postgres, T>(sql), args)
                    .fetch_optional(p)
                    .await?
            }
            Ready::Pg(c) => {
                bind_all!(sqlx::query_as::<Postgres, T>(sql), args)
                    .fetch_optional(c)
                    .await?
            }
        })
    }

    /// Exactly one row.
    pub async fn fetch_one<'e, T: Record>(self, on: impl Into<Target<'e>>) -> Result<T> {
        self.fetch_optional(on)
            .await?
            .ok_or_else(|| super::Error::Sqlx(sqlx::Error::RowNotFound))
    }

    /// The first column of every row.
    pub async fn scalars<'e, T: Scalar>(self, on: impl Into<Target<'e>>) -> Result<Vec<T>> {
        let rows: Vec<(T,)> = self.fetch_all(on).await?;
        Ok(rows.into_iter().map(|(v,)| v).collect())
    }

    /// The first column of the first row, if any.
    pub async fn scalar_optional<'e, T: Scalar>(
        self,
        on: impl Into<Target<'e>>,
    ) -> Result<Option<T>> {
        let row: Option<(T,)> = self.fetch_optional(on).await?;
        Ok(row.map(|(v,)| v))
    }

    /// The first column of exactly one row.
    pub async fn scalar<'e, T: Scalar>(self, on: impl Into<Target<'e>>) -> Result<T> {
        let (v,): (T,) = self.fetch_one(on).await?;
        Ok(v)
    }
}

/// The placeholder of parameter `n` in a statement whose every parameter Keel numbers itself:
/// `$n` on PostgreSQL, a plain `?` on SQLite. SQLite looks named parameters up by a linear scan
/// of the statement's names, once per bound value: with thousands of `$N` in a multi-row
/// statement binding turns quadratic, while `?` is bound by position. Only for statements made
/// entirely of generated placeholders (parameters in order, none reused).
fn placeholder(out: &mut String, dialect: Dialect, n: usize) {
    match dialect {
        Dialect::Sqlite => out.push('?'),
        Dialect::Postgres => {
            out.push('$');
            out.push_str(&n.to_string());
        }
    }
}

/// `VALUES ($1, ..., $cols), (...)` for `rows` rows, numbering from `$first`.
pub fn values_clause(dialect: Dialect, rows: usize, cols: usize, first: usize) -> String {
    let mut out = String::with_capacity(8 + rows * cols * 6);
    out.push_str("VALUES ");
    let mut n = first;
    for r in 0..rows {
        if r > 0 {
            out.push_str(", ");
        }
        out.push('(');
        for c in 0..cols {
            if c > 0 {
                out.push_str(", ");
            }
            placeholder(&mut out, dialect, n);
            n += 1;
        }
        out.push(')');
    }
    out
}

/// `$first, $first+1, ...` for `count` parameters (an `IN (...)` list).
pub fn placeholders(dialect: Dialect, count: usize, first: usize) -> String {
    let mut out = String::with_capacity(count * 6);
    for n in first..first + count {
        if n > first {
            out.push_str(", ");
        }
        placeholder(&mut out, dialect, n);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{Dialect, placeholders, values_clause};

    #[test]
    fn values_are_numbered_in_row_order() {
        let pg = Dialect::Postgres;
        assert_eq!(values_clause(pg, 2, 2, 1), "VALUES ($1, $2), ($3, $4)");
        assert_eq!(values_clause(pg, 1, 3, 4), "VALUES ($4, $5, $6)");
        assert_eq!(placeholders(pg, 3, 2), "$2, $3, $4");
        assert_eq!(
            values_clause(Dialect::Sqlite, 2, 2, 1),
            "VALUES (?, ?), (?, ?)"
        );
        assert_eq!(placeholders(Dialect::Sqlite, 2, 1), "?, ?");
    }
}
