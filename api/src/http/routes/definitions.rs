//! Deployments and process definitions: upload BPMN (raw XML or multipart), list the latest
//! versions, read one version, its siblings, and its XML byte for byte.

use axum::body::Bytes;
use axum::extract::{FromRequest, Multipart, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use keel_engine::DeployFile;
use serde::Deserialize;

use crate::http::AppState;
use crate::http::auth::Caller;
use crate::http::dto::{DefinitionDto, DeploymentDto, ListPage, created};
use crate::http::error::{ApiError, ApiResult};
use crate::http::extract::{Paging, PathId, QueryParams};

/// File name given to a raw XML upload.
pub const RAW_FILE_NAME: &str = "process.bpmn";

/// `POST /api/v1/deployments`: raw `application/xml`/`text/xml`, or multipart file parts.
pub async fn deploy(
    State(state): State<AppState>,
    Caller(caller): Caller,
    req: Request,
) -> ApiResult<Response> {
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_ascii_lowercase();
    let mime = content_type.split(';').next().unwrap_or_default().trim();
    let files = match mime {
        "application/xml" | "text/xml" => {
            let bytes = Bytes::from_request(req, &state).await.map_err(|r| {
                if r.status() == StatusCode::PAYLOAD_TOO_LARGE {
                    ApiError::too_large()
                } else {
                    ApiError::bad_request("the request body could not be read")
                }
            })?;
            vec![DeployFile {
                name: RAW_FILE_NAME.to_owned(),
                content: bytes.to_vec(),
            }]
        }
        "multipart/form-data" => multipart_files(req, &state).await?,
        _ => {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "send the BPMN as application/xml, text/xml or multipart/form-data",
            ));
        }
    };
    let deployment = state.engine.deploy(files, &caller).await?;
    Ok(created(DeploymentDto::from(&deployment)))
}

/// Every part with a file name; other form fields are ignored.
async fn multipart_files(req: Request, state: &AppState) -> ApiResult<Vec<DeployFile>> {
    let multipart_error = |e: axum::extract::multipart::MultipartError| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::too_large()
        } else {
            ApiError::bad_request(format!("malformed multipart body: {}", e.body_text()))
        }
    };
    let mut multipart = Multipart::from_request(req, state).await.map_err(|r| {
        ApiError::bad_request(format!("malformed multipart body: {}", r.body_text()))
    })?;
    let mut files = Vec::new();
    while let Some(field) = multipart.next_field().await.map_err(multipart_error)? {
        let Some(name) = field.file_name().map(str::to_owned) else {
            continue;
        };
        let content = field.bytes().await.map_err(multipart_error)?;
        files.push(DeployFile {
            name,
            content: content.to_vec(),
        });
    }
    if files.is_empty() {
        return Err(ApiError::bad_request(
            "the multipart body holds no file part (a part with a filename)",
        ));
    }
    Ok(files)
}

/// `limit`/`offset` query.
#[derive(Debug, Deserialize)]
pub struct ListQuery {
    limit: Option<i64>,
    offset: Option<i64>,
}

/// `GET /api/v1/definitions`: the latest version of every key.
pub async fn list(
    State(state): State<AppState>,
    QueryParams(q): QueryParams<ListQuery>,
) -> ApiResult<ListPage<DefinitionDto>> {
    let (limit, offset) = Paging {
        limit: q.limit,
        offset: q.offset,
    }
    .resolve()?;
    let page = state.engine.latest_definitions(limit, offset).await?;
    Ok(ListPage {
        items: page.items.iter().map(DefinitionDto::from).collect(),
        total: page.total,
    })
}

/// `?version=N`.
#[derive(Debug, Deserialize)]
pub struct VersionQuery {
    version: Option<i64>,
}

/// `GET /api/v1/definitions/{key}[?version=N]`.
pub async fn get(
    State(state): State<AppState>,
    PathId(key): PathId,
    QueryParams(q): QueryParams<VersionQuery>,
) -> ApiResult<axum::Json<DefinitionDto>> {
    let def = state.engine.definition(&key, q.version).await?;
    Ok(axum::Json(DefinitionDto::from(&def)))
}

/// `GET /api/v1/definitions/{key}/versions`, newest first.
pub async fn versions(
    State(state): State<AppState>,
    PathId(key): PathId,
    QueryParams(q): QueryParams<ListQuery>,
) -> ApiResult<ListPage<DefinitionDto>> {
    let all = state.engine.definition_versions(&key).await?;
    let (items, total) = Paging {
        limit: q.limit,
        offset: q.offset,
    }
    .slice(all)?;
    Ok(ListPage {
        items: items.iter().map(DefinitionDto::from).collect(),
        total,
    })
}

/// `GET /api/v1/definitions/{key}/xml[?version=N]`: the deployed bytes.
pub async fn xml(
    State(state): State<AppState>,
    PathId(key): PathId,
    QueryParams(q): QueryParams<VersionQuery>,
) -> ApiResult<Response> {
    let bytes = state.engine.definition_xml(&key, q.version).await?;
    let mut response = bytes.into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/xml"),
    );
    Ok(response)
}
