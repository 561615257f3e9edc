//! Users, tokens and the audit trail's read side.
//!
//! Tokens are `tok_<id>.<secret>` with a 256-bit random secret; only SHA-256(secret) is stored
//! and compared in constant time. User changes are audited; secrets never are.

use crate::store::query;
use serde_json::json;
use sha2::{Digest, Sha256};

use super::Engine;
use super::batch::Batch;
use super::writer::{Op, Reply};
use crate::audit::{Actor, AuditRecord, Verifier, VerifyError};
use crate::error::{Error, Result};
use crate::principal::{Principal, Role};
use crate::store::rows::AuditRow;

/// `keel user add`.
#[derive(Debug, Clone, Default)]
pub struct NewUser {
    /// Unique name.
    pub name: String,
    /// Groups to add.
    pub groups: Vec<String>,
    /// Roles to add.
    pub roles: Vec<String>,
    /// E-mail address.
    pub email: Option<String>,
}

/// A user.
#[derive(Debug, Clone, PartialEq)]
pub struct UserView {
    /// Id.
    pub id: String,
    /// Name.
    pub name: String,
    /// E-mail.
    pub email: Option<String>,
    /// Groups.
    pub groups: Vec<String>,
    /// Roles.
    pub roles: Vec<String>,
}

pub(crate) struct AddUserOp {
    user: NewUser,
    actor: Actor,
}

/// Filters for reading the audit trail.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// Only this instance.
    pub instance_id: Option<String>,
    /// Only instances of this definition key.
    pub definition_key: Option<String>,
    /// From this time (epoch ms, inclusive).
    pub from_ms: Option<i64>,
    /// To this time (epoch ms, exclusive).
    pub to_ms: Option<i64>,
}

impl AuditFilter {
    /// True when no filter is set (a full export, verifiable as one chain).
    pub fn is_full(&self) -> bool {
        self.instance_id.is_none()
            && self.definition_key.is_none()
            && self.from_ms.is_none()
            && self.to_ms.is_none()
    }
}

impl Engine {
    /// Creates a user (or adds groups and roles to an existing one) and issues a fresh token.
    /// Returns the user and the token (shown once).
    pub async fn add_user(&self, user: NewUser, actor: Actor) -> Result<(UserView, String)> {
        if user.name.trim().is_empty() {
            return Err(Error::Invalid {
                code: "invalid_user",
                message: "user name must not be empty".into(),
            });
        }
        for role in &user.roles {
            if Role::parse(role).is_none() {
                return Err(Error::Invalid {
                    code: "invalid_role",
                    message: format!(
                        "unknown role '{role}': use admin, deployer, operator, auditor or worker"
                    ),
                });
            }
        }
        match self.send(Op::AddUser(AddUserOp { user, actor })).await? {
            Reply::User(u, token) => Ok((u, token)),
            _ => Err(Error::Unavailable),
        }
    }

    /// The caller a bearer token belongs to, or `None` for a missing, malformed, unknown or
    /// revoked token.
    pub async fn authenticate(&self, token: &str) -> Result<Option<Principal>> {
        let Some((id, secret)) = token.strip_prefix("tok_").and_then(|t| t.split_once('.')) else {
            return Ok(None);
        };
        let row: Option<(String, String, String)> = query(
            "SELECT t.secret_sha256, u.id, u.name FROM tokens t JOIN users u ON u.id = t.user_id \
             WHERE t.id = $1 AND t.revoked_at IS NULL",
        )
        .bind(id)
        .fetch_optional(self.read())
        .await?;
        let Some((stored, user_id, name)) = row else {
            return Ok(None);
        };
        let presented = hex::encode(Sha256::digest(secret.as_bytes()));
        if !constant_time_eq(stored.as_bytes(), presented.as_bytes()) {
            return Ok(None);
        }
        let groups: Vec<String> =
            query("SELECT name FROM user_groups WHERE user_id = $1 ORDER BY name")
                .bind(&user_id)
                .scalars(self.read())
                .await?;
        let roles: Vec<String> =
            query("SELECT role FROM user_roles WHERE user_id = $1 ORDER BY role")
                .bind(&user_id)
                .scalars(self.read())
                .await?;
        Ok(Some(Principal {
            user_id,
            name,
            groups,
            roles,
        }))
    }

    /// Audit records matching `filter`, in `seq` order, `limit` at a time after `after_seq`.
    pub async fn audit_records(
        &self,
        filter: &AuditFilter,
        after_seq: i64,
        limit: i64,
    ) -> Result<Vec<AuditRecord>> {
        let rows: Vec<AuditRow> = query(
            "SELECT a.* FROM audit a WHERE a.seq > $1 \
             AND ($2 IS NULL OR a.instance_id = $2) \
             AND ($3 IS NULL OR a.instance_id IN (SELECT id FROM instances WHERE definition_key = $3)) \
             AND ($4 IS NULL OR a.at >= $4) AND ($5 IS NULL OR a.at < $5) \
             ORDER BY a.seq LIMIT $6",
        )
        .bind(after_seq)
        .bind(&filter.instance_id)
        .bind(&filter.definition_key)
        .bind(filter.from_ms.map(crate::clock::format_ms))
        .bind(filter.to_ms.map(crate::clock::format_ms))
        .bind(limit)
        .fetch_all(self.read())
        .await?;
        rows.iter().map(record_from_row).collect()
    }

    /// Verifies the whole stored trail; returns the number of records.
    pub async fn verify_audit(&self) -> Result<std::result::Result<u64, VerifyError>> {
        let mut verifier = Verifier::new(crate::audit::Mode::Full);
        let mut after = 0;
        loop {
            let page = self
                .audit_records(&AuditFilter::default(), after, 5000)
                .await?;
            let Some(last) = page.last() else { break };
            after = last.seq;
            for record in &page {
                if let Err(e) = verifier.push(record) {
                    return Ok(Err(e));
                }
            }
        }
        Ok(Ok(verifier.count()))
    }
}

/// Rebuilds an audit record from its row.
pub(crate) fn record_from_row(row: &AuditRow) -> Result<AuditRecord> {
    let corrupt = |message: String| {
        Error::Store(crate::store::Error::Corrupt {
            table: "audit",
            message,
        })
    };
    Ok(AuditRecord {
        v: u32::try_from(row.v).map_err(|e| corrupt(e.to_string()))?,
        seq: row.seq,
        at: row.at.clone(),
        instance_id: row.instance_id.clone(),
        instance_seq: row.instance_seq,
        element_id: row.element_id.clone(),
        kind: row.kind.clone(),
        actor: serde_json::from_str(&row.actor)
            .map_err(|e| corrupt(format!("seq {}: actor: {e}", row.seq)))?,
        data: serde_json::from_str(&row.data)
            .map_err(|e| corrupt(format!("seq {}: data: {e}", row.seq)))?,
        prev_hash: row.prev_hash.clone(),
        instance_prev_hash: row.instance_prev_hash.clone(),
        hash: row.hash.clone(),
    })
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

pub(crate) async fn add(batch: &mut Batch<'_>, op: AddUserOp) -> Result<Reply> {
    let user = op.user;
    let existing: Option<(String, Option<String>)> =
        query("SELECT id, email FROM users WHERE name = $1")
            .bind(&user.name)
            .fetch_optional(&mut *batch.conn)
            .await?;
    let created = existing.is_none();
    let user_id = match existing {
        Some((id, _)) => {
            if user.email.is_some() {
                query("UPDATE users SET email = $1 WHERE id = $2")
                    .bind(&user.email)
                    .bind(&id)
                    .execute(&mut *batch.conn)
                    .await?;
            }
            id
        }
        None => {
            let id = batch.new_id();
            query("INSERT INTO users (id, name, email, created_at) VALUES ($1, $2, $3, $4)")
                .bind(&id)
                .bind(&user.name)
                .bind(&user.email)
                .bind(batch.now_ms)
                .execute(&mut *batch.conn)
                .await?;
            id
        }
    };
    for group in &user.groups {
        query("INSERT INTO user_groups (user_id, name) VALUES ($1, $2) ON CONFLICT DO NOTHING")
            .bind(&user_id)
            .bind(group)
            .execute(&mut *batch.conn)
            .await?;
    }
    for role in &user.roles {
        query("INSERT INTO user_roles (user_id, role) VALUES ($1, $2) ON CONFLICT DO NOTHING")
            .bind(&user_id)
            .bind(role)
            .execute(&mut *batch.conn)
            .await?;
    }
    let token_id = hex::encode(rand::random::<[u8; 8]>());
    let secret = hex::encode(rand::random::<[u8; 32]>());
    query("INSERT INTO tokens (id, user_id, secret_sha256, created_at) VALUES ($1, $2, $3, $4)")
        .bind(&token_id)
        .bind(&user_id)
        .bind(hex::encode(Sha256::digest(secret.as_bytes())))
        .bind(batch.now_ms)
        .execute(&mut *batch.conn)
        .await?;
    let groups: Vec<String> =
        query("SELECT name FROM user_groups WHERE user_id = $1 ORDER BY name")
            .bind(&user_id)
            .scalars(&mut *batch.conn)
            .await?;
    let roles: Vec<String> = query("SELECT role FROM user_roles WHERE user_id = $1 ORDER BY role")
        .bind(&user_id)
        .scalars(&mut *batch.conn)
        .await?;
    batch.append_audit(
        None,
        if created {
            "user_created"
        } else {
            "user_changed"
        },
        Some(user.name.clone()),
        op.actor,
        json!({"user_id": user_id, "name": user.name, "email": user.email,
               "groups_added": user.groups, "roles_added": user.roles, "token_id": token_id}),
    );
    let view = UserView {
        id: user_id,
        name: user.name,
        email: user.email,
        groups,
        roles,
    };
    Ok(Reply::User(view, format!("tok_{token_id}.{secret}")))
}
