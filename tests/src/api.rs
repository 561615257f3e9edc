//! A small HTTP client for Keel's API: raw calls returning [`Resp`], and asserting helpers for
//! the common steps of a scenario.

use std::time::Duration;

use serde_json::{Value, json};

use crate::poll::eventually;

/// A response: status, JSON body (a string when it is not JSON) and `X-Total-Count`.
#[derive(Debug, Clone)]
pub struct Resp {
    /// HTTP status.
    pub status: u16,
    /// Parsed body.
    pub body: Value,
    /// `X-Total-Count`, when present.
    pub total: Option<i64>,
    /// `Content-Type`, when present.
    pub content_type: Option<String>,
}

impl Resp {
    /// Panics unless the status is `status`; returns the body.
    pub fn expect(self, status: u16, what: &str) -> Value {
        assert_eq!(
            self.status, status,
            "{what}: expected HTTP {status}, got {} with {}",
            self.status, self.body
        );
        self.body
    }

    /// The error code of an error body.
    pub fn code(&self) -> &str {
        self.body["error"]["code"].as_str().unwrap_or("")
    }
}

/// A client bound to one server and (optionally) one token.
#[derive(Debug, Clone)]
pub struct Api {
    http: reqwest::Client,
    base: String,
    token: Option<String>,
}

impl Api {
    /// A client for `base` (`http://127.0.0.1:PORT`).
    pub fn new(base: &str, token: Option<String>) -> Api {
        // reqwest's TLS comes without a provider in this workspace (the engine picks ring).
        keel_engine::connector::http::install_crypto_provider();
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .expect("reqwest client");
        Api {
            http,
            base: base.to_owned(),
            token,
        }
    }

    /// Sends a request; `path` is relative to the server root (`/api/v1/...`). Panics when the
    /// server cannot be reached.
    pub async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<(&str, Vec<u8>)>,
        headers: &[(&str, &str)],
    ) -> Resp {
        self.try_send(method, path, body, headers)
            .await
            .unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    /// [`Api::send`], returning transport errors (for scenarios that kill the server).
    pub async fn try_send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<(&str, Vec<u8>)>,
        headers: &[(&str, &str)],
    ) -> Result<Resp, String> {
        let mut req = self.http.request(method, format!("{}{path}", self.base));
        if let Some(t) = &self.token {
            req = req.bearer_auth(t);
        }
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        if let Some((content_type, bytes)) = body {
            req = req.header("content-type", content_type).body(bytes);
        }
        let r = req.send().await.map_err(|e| e.to_string())?;
        let status = r.status().as_u16();
        let header = |name: &str| {
            r.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let total = header("x-total-count").and_then(|v| v.parse().ok());
        let content_type = header("content-type");
        let text = r.text().await.map_err(|e| e.to_string())?;
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
        Ok(Resp {
            status,
            body,
            total,
            content_type,
        })
    }

    /// POST with a JSON body and extra headers, returning transport errors.
    pub async fn try_post(
        &self,
        path: &str,
        body: &Value,
        headers: &[(&str, &str)],
    ) -> Result<Resp, String> {
        let bytes = serde_json::to_vec(body).expect("json");
        self.try_send(
            reqwest::Method::POST,
            path,
            Some(("application/json", bytes)),
            headers,
        )
        .await
    }

    /// GET.
    pub async fn get(&self, path: &str) -> Resp {
        self.send(reqwest::Method::GET, path, None, &[]).await
    }

    /// POST with a JSON body.
    pub async fn post(&self, path: &str, body: Value) -> Resp {
        let bytes = serde_json::to_vec(&body).expect("json");
        self.send(
            reqwest::Method::POST,
            path,
            Some(("application/json", bytes)),
            &[],
        )
        .await
    }

    /// PUT with a JSON body.
    pub async fn put(&self, path: &str, body: Value) -> Resp {
        let bytes = serde_json::to_vec(&body).expect("json");
        self.send(
            reqwest::Method::PUT,
            path,
            Some(("application/json", bytes)),
            &[],
        )
        .await
    }

    /// POSTs one BPMN file to `/api/v1/deployments`.
    pub async fn deploy_raw(&self, xml: &str) -> Resp {
        self.send(
            reqwest::Method::POST,
            "/api/v1/deployments",
            Some(("application/xml", xml.as_bytes().to_vec())),
            &[],
        )
        .await
    }

    /// Deploys and asserts 201; returns the deployment.
    pub async fn deploy(&self, xml: &str) -> Value {
        self.deploy_raw(xml).await.expect(201, "deploy")
    }

    /// Starts an instance of `key` with `variables`; asserts 201 and returns the instance.
    pub async fn start(&self, key: &str, variables: Value) -> Value {
        self.post(
            &format!("/api/v1/definitions/{key}/instances"),
            json!({ "variables": variables }),
        )
        .await
        .expect(201, &format!("start {key}"))
    }

    /// `GET /api/v1/instances/{id}`, asserting 200.
    pub async fn instance(&self, id: &str) -> Value {
        self.get(&format!("/api/v1/instances/{id}"))
            .await
            .expect(200, "get instance")
    }

    /// Polls until the instance has `state`; returns it.
    pub async fn wait_state(&self, id: &str, state: &str) -> Value {
        eventually(&format!("instance {id} to be {state}"), || async {
            let i = self.instance(id).await;
            (i["state"] == state).then_some(i)
        })
        .await
    }

    /// The instance's audit records, oldest first.
    pub async fn audit(&self, id: &str) -> Vec<Value> {
        let body = self
            .get(&format!("/api/v1/instances/{id}/audit?limit=1000"))
            .await
            .expect(200, "instance audit");
        body.as_array().expect("audit is an array").clone()
    }

    /// Activates up to `max` jobs of `job_type` for `worker` (no long poll).
    pub async fn activate(&self, job_type: &str, worker: &str, max: u32) -> Vec<Value> {
        let body = self
            .post(
                "/api/v1/jobs/activate",
                json!({"type": job_type, "worker": worker, "max_jobs": max, "lock_ms": 60_000}),
            )
            .await
            .expect(200, "activate jobs");
        body["jobs"].as_array().expect("jobs array").clone()
    }

    /// Polls until one job of `job_type` is handed to `worker`; returns it.
    pub async fn one_job(&self, job_type: &str, worker: &str) -> Value {
        eventually(&format!("a job of type {job_type}"), || async {
            self.activate(job_type, worker, 1).await.into_iter().next()
        })
        .await
    }

    /// Completes job `id` as `worker` with `variables`; asserts 200.
    pub async fn complete_job(&self, id: &str, worker: &str, variables: Value) {
        self.post(
            &format!("/api/v1/jobs/{id}/complete"),
            json!({"worker": worker, "variables": variables}),
        )
        .await
        .expect(200, "complete job");
    }

    /// The instance's incidents (any state).
    pub async fn incidents(&self, instance_id: &str) -> Vec<Value> {
        let body = self
            .get(&format!("/api/v1/incidents?instance_id={instance_id}"))
            .await
            .expect(200, "list incidents");
        body.as_array().expect("incidents array").clone()
    }

    /// Polls until the instance has an open incident; returns it.
    pub async fn open_incident(&self, instance_id: &str) -> Value {
        eventually(&format!("an open incident on {instance_id}"), || async {
            self.incidents(instance_id)
                .await
                .into_iter()
                .find(|i| i["state"] == "open")
        })
        .await
    }

    /// `GET /api/v1/tasks?QUERY`, asserting 200.
    pub async fn tasks(&self, query: &str) -> Vec<Value> {
        let body = self
            .get(&format!("/api/v1/tasks?{query}"))
            .await
            .expect(200, "list tasks");
        body.as_array().expect("tasks array").clone()
    }

    /// The single open task of an instance (polls until it exists).
    pub async fn task_of(&self, instance_id: &str) -> Value {
        eventually(&format!("an open task in {instance_id}"), || async {
            self.tasks(&format!("instance_id={instance_id}"))
                .await
                .into_iter()
                .next()
        })
        .await
    }
}
