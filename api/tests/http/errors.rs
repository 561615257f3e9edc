//! Error shapes (400/404/409/413/415/422), paging headers and `Idempotency-Key` replay.

use axum::http::{Method, StatusCode};
use serde_json::json;

use crate::support::{APPROVAL, Api, service_process};

#[tokio::test]
async fn malformed_bodies_are_400_with_the_error_shape() {
    let api = Api::new().await;
    let admin = api.user("root", &[], &["admin"]).await;
    api.deploy(&admin, APPROVAL).await;
    let path = "/api/v1/definitions/approval/instances";
    let cases: Vec<(String, &str)> = vec![
        ("{not json".into(), "malformed JSON"),
        (
            r#"{"variables": {"a": 1, "a": 2}}"#.into(),
            "duplicate JSON object key 'a'",
        ),
        (
            r#"{"variables": {"a": 1}, "variables": {}}"#.into(),
            "duplicate",
        ),
        (
            format!(
                r#"{{"variables": {{"v": {}1{}}}}}"#,
                "[".repeat(70),
                "]".repeat(70)
            ),
            "deeper than 64",
        ),
        (
            r#"{"variables": [1, 2]}"#.into(),
            "`variables` must be a JSON object",
        ),
        (
            r#"{"variables": "x"}"#.into(),
            "`variables` must be a JSON object",
        ),
        (r#"{"business_key": 5}"#.into(), "malformed JSON"),
    ];
    for (body, message) in cases {
        let r = api
            .raw(
                Method::POST,
                path,
                Some(&admin),
                Some("application/json"),
                body.clone(),
            )
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(r.code(), "bad_request");
        let text = r.json()["error"]["message"].as_str().unwrap().to_owned();
        assert!(text.contains(message), "{body}: {text}");
    }
    // Nothing was started by the refused requests.
    assert_eq!(api.get("/api/v1/instances", &admin).await.total(), 0);
    // Bad query parameters are 400 too.
    for query in ["limit=abc", "limit=-1", "offset=-5", "state=sleeping"] {
        let r = api.get(&format!("/api/v1/instances?{query}"), &admin).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{query}");
    }
    let r = api.get("/api/v1/audit?format=xml", &admin).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let r = api.get("/api/v1/audit?from=yesterday", &admin).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let r = api
        .post("/api/v1/jobs/activate", &admin, json!({"worker": "w"}))
        .await;
    assert_eq!(
        (r.status, r.code().as_str()),
        (StatusCode::BAD_REQUEST, "bad_request")
    );
}

#[tokio::test]
async fn unknown_ids_are_404_and_state_conflicts_409() {
    let api = Api::new().await;
    let admin = api.user("root", &[], &["admin"]).await;
    for path in [
        "/api/v1/instances/nope",
        "/api/v1/instances/nope/audit",
        "/api/v1/definitions/nope",
        "/api/v1/definitions/nope/versions",
        "/api/v1/definitions/nope/xml",
        "/api/v1/tasks/nope",
    ] {
        let r = api.get(path, &admin).await;
        assert_eq!(
            (r.status, r.code().as_str()),
            (StatusCode::NOT_FOUND, "not_found"),
            "{path}"
        );
    }
    let r = api
        .post("/api/v1/definitions/nope/instances", &admin, json!({}))
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = api
        .post(
            "/api/v1/messages",
            &admin,
            json!({"name": "ping", "correlation_key": "k"}),
        )
        .await;
    assert_eq!(
        (r.status, r.code().as_str()),
        (StatusCode::NOT_FOUND, "no_subscription")
    );
    let r = api
        .post(
            "/api/v1/messages",
            &admin,
            json!({"name": "ping", "correlation_key": "k", "ttl_ms": 60000}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        r.json(),
        json!({"correlated": [], "started": [], "buffered": true})
    );

    api.deploy(&admin, &service_process("svc", "work")).await;
    let instance = api.start(&admin, "svc", json!({})).await;
    let r = api
        .post(
            "/api/v1/jobs/activate",
            &admin,
            json!({"type": "work", "worker": "w1", "max_jobs": 1}),
        )
        .await;
    let job = r.json()["jobs"][0]["id"].as_str().unwrap().to_owned();
    let r = api
        .post(
            &format!("/api/v1/jobs/{job}/complete"),
            &admin,
            json!({"worker": "w2"}),
        )
        .await;
    assert_eq!(
        (r.status, r.code().as_str()),
        (StatusCode::CONFLICT, "conflict")
    );
    let id = instance["id"].as_str().unwrap();
    let r = api
        .post(
            &format!("/api/v1/instances/{id}/cancel"),
            &admin,
            json!({"reason": "test"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json()["state"], "cancelled");
    let r = api
        .post(&format!("/api/v1/instances/{id}/cancel"), &admin, json!({}))
        .await;
    assert_eq!(
        (r.status, r.code().as_str()),
        (StatusCode::CONFLICT, "conflict")
    );
}

#[tokio::test]
async fn invalid_bpmn_is_422_with_every_problem_and_big_bodies_413() {
    let api = Api::new().await;
    let deployer = api.user("dep", &[], &["deployer"]).await;
    let broken =
        service_process("broken", "work").replace(r#"<zeebe:taskDefinition type="work"/>"#, "");
    let r = api
        .raw(
            Method::POST,
            "/api/v1/deployments",
            Some(&deployer),
            Some("text/xml"),
            broken,
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    assert_eq!(r.code(), "invalid_bpmn");
    let details = r.json()["error"]["details"].clone();
    let first = &details[0];
    assert_eq!(first["file"], "process.bpmn");
    assert!(
        first["line"].as_u64().unwrap() >= 1 && first["column"].as_u64().unwrap() >= 1,
        "{details}"
    );
    assert!(
        first["message"].is_string() && first.get("element_id").is_some(),
        "{details}"
    );
    let doctype = format!("<!DOCTYPE x>\n{APPROVAL}");
    let r = api
        .raw(
            Method::POST,
            "/api/v1/deployments",
            Some(&deployer),
            Some("application/xml"),
            doctype,
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let r = api
        .raw(
            Method::POST,
            "/api/v1/deployments",
            Some(&deployer),
            Some("application/json"),
            "{}",
        )
        .await;
    assert_eq!(r.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);

    let big = vec![b' '; 11 * 1024 * 1024];
    let r = api
        .raw(
            Method::POST,
            "/api/v1/deployments",
            Some(&deployer),
            Some("application/xml"),
            big.clone(),
        )
        .await;
    assert_eq!(
        (r.status, r.code().as_str()),
        (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large")
    );
    let r = api
        .raw(
            Method::POST,
            "/api/v1/definitions/x/instances",
            Some(&deployer),
            Some("application/json"),
            big,
        )
        .await;
    assert_eq!(
        (r.status, r.code().as_str()),
        (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large")
    );
}

#[tokio::test]
async fn lists_page_with_total_count() {
    let api = Api::new().await;
    let admin = api.user("root", &[], &["admin"]).await;
    for key in ["p1", "p2", "p3"] {
        api.deploy(&admin, &service_process(key, "work")).await;
    }
    let r = api.get("/api/v1/definitions", &admin).await;
    assert_eq!((r.status, r.total()), (StatusCode::OK, 3));
    assert_eq!(r.json().as_array().unwrap().len(), 3);
    let r = api.get("/api/v1/definitions?limit=2", &admin).await;
    assert_eq!((r.total(), r.json().as_array().unwrap().len()), (3, 2));
    let r = api
        .get("/api/v1/definitions?limit=2&offset=2", &admin)
        .await;
    assert_eq!(r.json()[0]["key"], "p3");
    let r = api.get("/api/v1/definitions?limit=5000", &admin).await;
    assert_eq!((r.status, r.total()), (StatusCode::OK, 3));
    for _ in 0..3 {
        api.start(&admin, "p1", json!({})).await;
    }
    let r = api
        .get("/api/v1/instances?definition_key=p1&limit=1", &admin)
        .await;
    assert_eq!((r.total(), r.json().as_array().unwrap().len()), (3, 1));
    assert_eq!(
        api.get("/api/v1/instances?definition_key=p2", &admin)
            .await
            .total(),
        0
    );
    assert_eq!(
        api.get("/api/v1/instances?state=active", &admin)
            .await
            .total(),
        3
    );
}

#[tokio::test]
async fn idempotency_key_replays_the_first_result() {
    let api = Api::new().await;
    let admin = api.user("root", &[], &["admin"]).await;
    api.deploy(&admin, &service_process("svc", "work")).await;
    let send = |body: serde_json::Value, key: &'static str| {
        let api = &api;
        let admin = admin.clone();
        async move {
            let req = axum::http::Request::post("/api/v1/definitions/svc/instances")
                .header("authorization", format!("Bearer {admin}"))
                .header("content-type", "application/json")
                .header("idempotency-key", key)
                .body(axum::body::Body::from(body.to_string()))
                .unwrap();
            api.send(req).await
        }
    };
    let first = send(json!({"variables": {"n": 1}}), "order-42").await;
    assert_eq!(first.status, StatusCode::CREATED);
    let again = send(json!({"variables": {"n": 1}}), "order-42").await;
    assert_eq!(again.json()["id"], first.json()["id"]);
    let other = send(json!({"variables": {"n": 2}}), "order-42").await;
    assert_eq!(other.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(other.code(), "idempotency_key_reused");
    let fresh = send(json!({"variables": {"n": 2}}), "order-43").await;
    assert_ne!(fresh.json()["id"], first.json()["id"]);
    assert_eq!(api.get("/api/v1/instances", &admin).await.total(), 2);
}
