//! Renders the OpenAPI 3.1 document from the route table: paths, methods, summaries, the
//! required role (`x-required-role` and the description), parameters, request bodies and
//! responses with their schemas.

use std::sync::OnceLock;

use serde_json::{Map, Value as Json, json};

use super::{Access, Payload, Reply, Route, Verb, routes, schemas};

/// The OpenAPI 3.1 document (built once).
pub fn document() -> &'static Json {
    static DOC: OnceLock<Json> = OnceLock::new();
    DOC.get_or_init(build)
}

fn schema_ref(name: &str) -> Json {
    json!({"$ref": format!("#/components/schemas/{name}")})
}

fn error_response(description: &str) -> Json {
    json!({"description": description, "content": {"application/json": {"schema": schema_ref("Error")}}})
}

fn operation(r: &Route) -> Json {
    let mut params: Vec<Json> = r
        .path
        .split('/')
        .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
        .map(|name| json!({"name": name, "in": "path", "required": true, "schema": {"type": "string"}}))
        .collect();
    params.extend(r.query.iter().map(|(name, ty, description)| {
        json!({"name": name, "in": "query", "required": false, "description": description, "schema": {"type": ty}})
    }));
    if r.path.ends_with("/instances") && r.verb == Verb::Post {
        params.push(json!({"name": "Idempotency-Key", "in": "header", "required": false, "schema": {"type": "string", "maxLength": 255}}));
    }
    let (content, headers) = match r.reply {
        Reply::Object(name) => (
            json!({"application/json": {"schema": schema_ref(name)}}),
            json!({}),
        ),
        Reply::List(name) => (
            json!({"application/json": {"schema": {"type": "array", "items": schema_ref(name)}}}),
            json!({"X-Total-Count": {"description": "items matching in all", "schema": {"type": "integer"}}}),
        ),
        Reply::Xml => (
            json!({"application/xml": {"schema": {"type": "string"}}}),
            json!({}),
        ),
        Reply::Metrics => (
            json!({"text/plain": {"schema": {"type": "string"}}}),
            json!({}),
        ),
        Reply::AuditStream => (
            json!({"application/x-ndjson": {"schema": schema_ref("AuditRecord")}, "text/csv": {"schema": {"type": "string"}}}),
            json!({}),
        ),
    };
    let mut responses = Map::new();
    responses.insert(
        r.status.to_string(),
        json!({"description": "success", "headers": headers, "content": content}),
    );
    let mut op = Map::new();
    op.insert("summary".into(), json!(r.summary));
    let tag = r
        .path
        .trim_start_matches("/api/v1/")
        .split('/')
        .next()
        .unwrap_or_default();
    op.insert("tags".into(), json!([tag]));
    op.insert(
        "operationId".into(),
        json!(format!("{} {}", r.verb.as_str(), r.path)),
    );
    let who = match r.access {
        Access::Public => {
            op.insert("security".into(), json!([]));
            "public (no token)".to_owned()
        }
        Access::Authenticated => "any authenticated user".to_owned(),
        Access::Role(role) => format!("role '{}' (admin has every role)", role.as_str()),
    };
    op.insert(
        "x-required-role".into(),
        json!(match r.access {
            Access::Role(role) => Some(role.as_str()),
            _ => None,
        }),
    );
    let description = if r.description.is_empty() {
        format!("Access: {who}.")
    } else {
        format!("{} Access: {who}.", r.description)
    };
    op.insert("description".into(), json!(description));
    if !params.is_empty() {
        op.insert("parameters".into(), Json::Array(params));
    }
    match r.request {
        Payload::None => {}
        Payload::Json(name) => {
            op.insert("requestBody".into(), json!({"required": false, "content": {"application/json": {"schema": schema_ref(name)}}}));
            responses.insert(
                "400".into(),
                error_response(
                    "malformed request (bad JSON, duplicate keys, nesting deeper than 64)",
                ),
            );
            responses.insert("413".into(), error_response("body larger than 10 MiB"));
        }
        Payload::Bpmn => {
            let file = json!({"type": "string", "contentMediaType": "application/xml"});
            op.insert("requestBody".into(), json!({"required": true, "content": {
                "application/xml": {"schema": file}, "text/xml": {"schema": file},
                "multipart/form-data": {"schema": {"type": "object", "additionalProperties": {"type": "string", "format": "binary"}}}}}));
            responses.insert("413".into(), error_response("body larger than 10 MiB"));
            responses.insert(
                "422".into(),
                error_response("invalid BPMN (code invalid_bpmn, every problem in details)"),
            );
        }
    }
    if r.access != Access::Public {
        responses.insert(
            "401".into(),
            error_response("missing or unknown bearer token"),
        );
        responses.insert("403".into(), error_response("not permitted"));
        if r.path.contains('{') {
            responses.insert("404".into(), error_response("unknown id"));
        }
    }
    op.insert("responses".into(), Json::Object(responses));
    Json::Object(op)
}

fn build() -> Json {
    let mut paths = Map::new();
    for r in routes() {
        let entry = paths.entry(r.path.to_owned()).or_insert_with(|| json!({}));
        if let Json::Object(methods) = entry {
            methods.insert(r.verb.as_str().to_ascii_lowercase(), operation(&r));
        }
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Keel BPMN engine API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "JSON, snake_case. Every route under /api/ needs Authorization: Bearer <token>. Lists are JSON arrays paged by limit/offset with X-Total-Count. Timestamps are RFC 3339 UTC with milliseconds. Errors: {\"error\": {\"code\", \"message\", \"details\"}}."
        },
        "security": [{"bearer": []}],
        "paths": paths,
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": schemas::components(),
        }
    })
}
