//! Deployment: parse and validate outside the writer, then store new definition versions
//! (identical content for a key creates no new version) and audit the deployment with the
//! SHA-256 of every file.

use crate::store::{built, query};
use std::sync::Arc;

use keel_bpmn::{Diagnostic, FlowNodeKind, Position, ProcessDefinition, Text};
use serde_json::json;
use sha2::{Digest, Sha256};

use super::Engine;
use super::batch::Batch;
use super::writer::{Op, Reply};
use crate::audit::Actor;
use crate::error::{Error, Result};
use crate::principal::Principal;
use crate::views::{DefinitionView, DeploymentView};

/// One uploaded file.
#[derive(Debug, Clone)]
pub struct DeployFile {
    /// File name (multipart part file name, or `process.bpmn`).
    pub name: String,
    /// The XML, byte for byte.
    pub content: Vec<u8>,
}

/// A file that parsed and validated.
pub(crate) struct ParsedFile {
    name: String,
    content: Vec<u8>,
    sha256: String,
    processes: Vec<Arc<ProcessDefinition>>,
}

pub(crate) struct DeployOp {
    files: Vec<ParsedFile>,
    actor: Actor,
}

impl Engine {
    /// Deploys BPMN files. Invalid files (any error, any DOCTYPE) deploy nothing.
    pub async fn deploy(
        &self,
        files: Vec<DeployFile>,
        caller: &Principal,
    ) -> Result<DeploymentView> {
        let mut parsed_files = Vec::new();
        let mut problems = Vec::new();
        for file in files {
            let parsed = keel_bpmn::parse(&file.content);
            let errors: Vec<Diagnostic> = parsed
                .diagnostics
                .iter()
                .filter(|d| d.is_error())
                .cloned()
                .collect();
            let executable: Vec<Arc<ProcessDefinition>> = parsed
                .processes
                .into_iter()
                .filter(|p| p.is_executable)
                .map(Arc::new)
                .collect();
            if errors.is_empty() && executable.is_empty() {
                problems.push((
                    file.name.clone(),
                    Diagnostic::error(
                        Position { line: 1, column: 1 },
                        None,
                        "the document has no executable process (set isExecutable=\"true\" on a process)",
                    ),
                ));
            }
            problems.extend(errors.into_iter().map(|d| (file.name.clone(), d)));
            problems.extend(
                unknown_connectors(&executable)
                    .into_iter()
                    .map(|d| (file.name.clone(), d)),
            );
            let sha256 = hex::encode(Sha256::digest(&file.content));
            parsed_files.push(ParsedFile {
                name: file.name,
                content: file.content,
                sha256,
                processes: executable,
            });
        }
        if parsed_files.is_empty() {
            return Err(Error::Invalid {
                code: "invalid_bpmn",
                message: "the request holds no BPMN file".into(),
            });
        }
        if !problems.is_empty() {
            return Err(Error::InvalidBpmn(problems));
        }
        match self
            .send(Op::Deploy(DeployOp {
                files: parsed_files,
                actor: caller.actor(),
            }))
            .await?
        {
            Reply::Deployment(d) => Ok(d),
            _ => Err(Error::Unavailable),
        }
    }
}

/// Service tasks whose fixed job type is reserved for built-in connectors (`keel:`) but names
/// none this release has: no worker may take such a job and the engine would never run it.
fn unknown_connectors(processes: &[Arc<ProcessDefinition>]) -> Vec<Diagnostic> {
    use crate::connector::{BUILTIN_TYPES, RESERVED_PREFIX};
    processes
        .iter()
        .flat_map(|p| p.nodes.iter())
        .filter_map(|node| {
            let FlowNodeKind::JobTask(task) = &node.kind else {
                return None;
            };
            let Text::Static(job_type) = &task.job_type else {
                return None;
            };
            (job_type.starts_with(RESERVED_PREFIX) && !BUILTIN_TYPES.contains(&job_type.as_str()))
                .then(|| {
                    Diagnostic::error(
                        node.position,
                        Some(&node.id),
                        format!(
                            "job type \"{job_type}\" is reserved for built-in connectors and names none (built in: {})",
                            BUILTIN_TYPES.join(", ")
                        ),
                    )
                })
        })
        .collect()
}

pub(crate) async fn execute(batch: &mut Batch<'_>, op: DeployOp) -> Result<Reply> {
    let deployment_id = batch.new_id();
    let mut definitions = Vec::new();
    let mut audit_defs = Vec::new();
    query("INSERT INTO deployments (id, created_at, created_by) VALUES ($1, $2, $3)")
        .bind(&deployment_id)
        .bind(batch.now_ms)
        .bind(&op.actor.id)
        .execute(&mut *batch.conn)
        .await?;
    for file in &op.files {
        for process in &file.processes {
            let latest: Option<crate::store::rows::DefinitionRow> = query(
                "SELECT id, key, version, name, deployment_id, resource_name, xml_sha256, deployed_at \
                 FROM definitions WHERE key = $1 ORDER BY version DESC LIMIT 1",
            )
            .bind(&process.key)
            .fetch_optional(&mut *batch.conn)
            .await?;
            if let Some(row) = latest.as_ref().filter(|r| r.xml_sha256 == file.sha256) {
                audit_defs.push(
                    json!({"id": row.id, "key": row.key, "version": row.version, "new": false}),
                );
                definitions.push(view(row));
                continue;
            }
            let previous = latest.as_ref().map(|r| r.id.clone());
            let version = latest.map(|r| r.version).unwrap_or(0) + 1;
            let id = format!("{}:{}", process.key, version);
            let row = crate::store::rows::DefinitionRow {
                id: id.clone(),
                key: process.key.clone(),
                version,
                name: process.name.clone(),
                deployment_id: deployment_id.clone(),
                resource_name: file.name.clone(),
                xml_sha256: file.sha256.clone(),
                deployed_at: batch.now_ms,
            };
            query(
                "INSERT INTO definitions (id, key, version, name, deployment_id, resource_name, xml, \
                 xml_sha256, deployed_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            )
            .bind(&row.id)
            .bind(&row.key)
            .bind(row.version)
            .bind(&row.name)
            .bind(&row.deployment_id)
            .bind(&row.resource_name)
            .bind(&file.content)
            .bind(&row.xml_sha256)
            .bind(row.deployed_at)
            .execute(&mut *batch.conn)
            .await?;
            batch.deployed.push((id.clone(), process.clone()));
            super::starts::on_deploy(batch, previous.as_deref(), &id, process).await?;
            audit_defs.push(json!({"id": id, "key": row.key, "version": version, "new": true}));
            definitions.push(view(&row));
        }
    }
    let resources: Vec<_> = op
        .files
        .iter()
        .map(|f| json!({"name": f.name, "sha256": f.sha256, "bytes": f.content.len()}))
        .collect();
    batch.append_audit(
        None,
        "deployment_created",
        None,
        op.actor,
        json!({"deployment_id": deployment_id, "resources": resources, "definitions": audit_defs}),
    );
    Ok(Reply::Deployment(DeploymentView {
        id: deployment_id,
        definitions,
    }))
}

pub(crate) fn view(row: &crate::store::rows::DefinitionRow) -> DefinitionView {
    DefinitionView {
        id: row.id.clone(),
        key: row.key.clone(),
        version: row.version,
        name: row.name.clone(),
        deployment_id: row.deployment_id.clone(),
        resource_name: row.resource_name.clone(),
        xml_sha256: row.xml_sha256.clone(),
        deployed_at: row.deployed_at,
    }
}

const DEFINITION_COLUMNS: &str =
    "id, key, version, name, deployment_id, resource_name, xml_sha256, deployed_at";

impl Engine {
    /// The latest version of every key.
    pub async fn latest_definitions(
        &self,
        limit: i64,
        offset: i64,
    ) -> Result<crate::views::Page<DefinitionView>> {
        let rows: Vec<crate::store::rows::DefinitionRow> = built(format!(
            "SELECT {DEFINITION_COLUMNS} FROM definitions d WHERE version = \
             (SELECT MAX(version) FROM definitions WHERE key = d.key) ORDER BY key LIMIT $1 OFFSET $2"
        ))
        .bind(limit)
        .bind(offset)
        .fetch_all(self.read())
        .await?;
        let total: i64 = query("SELECT COUNT(DISTINCT key) FROM definitions")
            .scalar(self.read())
            .await?;
        Ok(crate::views::Page {
            items: rows.iter().map(view).collect(),
            total,
        })
    }

    /// Definition `key` at `version` (latest when `None`).
    pub async fn definition(&self, key: &str, version: Option<i64>) -> Result<DefinitionView> {
        let row: Option<crate::store::rows::DefinitionRow> = built(format!(
            "SELECT {DEFINITION_COLUMNS} FROM definitions WHERE key = $1 AND ($2 IS NULL OR version = $2) \
             ORDER BY version DESC LIMIT 1"
        ))
        .bind(key)
        .bind(version)
        .fetch_optional(self.read())
        .await?;
        row.as_ref()
            .map(view)
            .ok_or_else(|| Error::NotFound(format!("definition {key}")))
    }

    /// Every version of `key`, newest first.
    pub async fn definition_versions(&self, key: &str) -> Result<Vec<DefinitionView>> {
        let rows: Vec<crate::store::rows::DefinitionRow> = built(format!(
            "SELECT {DEFINITION_COLUMNS} FROM definitions WHERE key = $1 ORDER BY version DESC"
        ))
        .bind(key)
        .fetch_all(self.read())
        .await?;
        if rows.is_empty() {
            return Err(Error::NotFound(format!("definition {key}")));
        }
        Ok(rows.iter().map(view).collect())
    }

    /// The deployed XML of `key` at `version` (latest when `None`), byte for byte.
    pub async fn definition_xml(&self, key: &str, version: Option<i64>) -> Result<Vec<u8>> {
        let xml: Option<Vec<u8>> = query(
            "SELECT xml FROM definitions WHERE key = $1 AND ($2 IS NULL OR version = $2) \
             ORDER BY version DESC LIMIT 1",
        )
        .bind(key)
        .bind(version)
        .scalar_optional(self.read())
        .await?;
        xml.ok_or_else(|| Error::NotFound(format!("definition {key}")))
    }
}
