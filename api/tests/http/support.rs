//! Test support: a real SQLite engine in a temp dir, the router driven with `oneshot`, users
//! with tokens, and the BPMN models the tests deploy.

use axum::Router;
use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use http_body_util::BodyExt;
use keel::http::{AppState, router};
use keel_engine::{Engine, EngineConfig, NewUser};
use serde_json::Value as Json;
use tower::ServiceExt;

/// Approval then provisioning (the end-to-end model).
pub const APPROVAL: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="defs" targetNamespace="http://keel.test">
  <bpmn:process id="approval" name="Approval" isExecutable="true">
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="approve"/>
    <bpmn:userTask id="approve" name="Approve request">
      <bpmn:extensionElements>
        <zeebe:assignmentDefinition candidateGroups="approvers"/>
      </bpmn:extensionElements>
    </bpmn:userTask>
    <bpmn:sequenceFlow id="f2" sourceRef="approve" targetRef="provision"/>
    <bpmn:serviceTask id="provision" name="Provision">
      <bpmn:extensionElements>
        <zeebe:taskDefinition type="provision"/>
      </bpmn:extensionElements>
    </bpmn:serviceTask>
    <bpmn:sequenceFlow id="f3" sourceRef="provision" targetRef="end"/>
    <bpmn:endEvent id="end"/>
  </bpmn:process>
</bpmn:definitions>
"#;

/// A process with one service task of type `job_type`, keyed `key`.
pub fn service_process(key: &str, job_type: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="defs_{key}" targetNamespace="http://keel.test">
  <bpmn:process id="{key}" isExecutable="true">
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="work"/>
    <bpmn:serviceTask id="work">
      <bpmn:extensionElements><zeebe:taskDefinition type="{job_type}"/></bpmn:extensionElements>
    </bpmn:serviceTask>
    <bpmn:sequenceFlow id="f2" sourceRef="work" targetRef="end"/>
    <bpmn:endEvent id="end"/>
  </bpmn:process>
</bpmn:definitions>
"#
    )
}

/// A response, buffered.
#[derive(Debug)]
pub struct Resp {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Resp {
    pub fn json(&self) -> Json {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The error code of an error body.
    pub fn code(&self) -> String {
        let body = self.json();
        let error = &body["error"];
        assert!(
            error["message"].is_string(),
            "error body without message: {body}"
        );
        assert!(
            error["details"].is_array(),
            "error body without details: {body}"
        );
        error["code"].as_str().unwrap_or_default().to_owned()
    }

    pub fn total(&self) -> i64 {
        self.headers["x-total-count"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap()
    }
}

/// An engine on a fresh SQLite file and the router over it.
pub struct Api {
    pub engine: Engine,
    pub router: Router,
    _dir: tempfile::TempDir,
}

impl Api {
    pub async fn new() -> Api {
        let dir = tempfile::tempdir().unwrap();
        let url = keel_engine::store::scratch::database_url(dir.path())
            .await
            .unwrap();
        let mut config = EngineConfig::new(&url);
        config.durability = keel_engine::store::Durability::Normal;
        let engine = Engine::open(config).await.unwrap();
        let router = router(AppState {
            engine: engine.clone(),
            metrics: None,
        });
        Api {
            engine,
            router,
            _dir: dir,
        }
    }

    /// Creates a user and returns its token.
    pub async fn user(&self, name: &str, groups: &[&str], roles: &[&str]) -> String {
        let user = NewUser {
            name: name.into(),
            groups: groups.iter().map(|g| g.to_string()).collect(),
            roles: roles.iter().map(|r| r.to_string()).collect(),
            email: None,
        };
        let (_, token) = self
            .engine
            .add_user(user, keel_engine::audit::Actor::system())
            .await
            .unwrap();
        token
    }

    pub async fn send(&self, req: Request<Body>) -> Resp {
        let response = self.router.clone().oneshot(req).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let body = response.into_body().collect().await.unwrap().to_bytes();
        Resp {
            status,
            headers,
            body,
        }
    }

    /// A request with an optional token and raw body.
    pub async fn raw(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        content_type: Option<&str>,
        body: impl Into<Body>,
    ) -> Resp {
        let mut req = Request::builder().method(method).uri(path);
        if let Some(t) = token {
            req = req.header(header::AUTHORIZATION, format!("Bearer {t}"));
        }
        if let Some(ct) = content_type {
            req = req.header(header::CONTENT_TYPE, ct);
        }
        self.send(req.body(body.into()).unwrap()).await
    }

    pub async fn get(&self, path: &str, token: &str) -> Resp {
        self.raw(Method::GET, path, Some(token), None, Body::empty())
            .await
    }

    pub async fn post(&self, path: &str, token: &str, body: Json) -> Resp {
        self.raw(
            Method::POST,
            path,
            Some(token),
            Some("application/json"),
            body.to_string(),
        )
        .await
    }

    pub async fn put(&self, path: &str, token: &str, body: Json) -> Resp {
        self.raw(
            Method::PUT,
            path,
            Some(token),
            Some("application/json"),
            body.to_string(),
        )
        .await
    }

    /// Deploys XML as `application/xml`; asserts 201 and returns the body.
    pub async fn deploy(&self, token: &str, xml: &str) -> Json {
        let r = self
            .raw(
                Method::POST,
                "/api/v1/deployments",
                Some(token),
                Some("application/xml"),
                xml.to_owned(),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        r.json()
    }

    /// Starts an instance; asserts 201 and returns it.
    pub async fn start(&self, token: &str, key: &str, body: Json) -> Json {
        let r = self
            .post(&format!("/api/v1/definitions/{key}/instances"), token, body)
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        r.json()
    }
}
