//! HTTP API tests: the router over a real SQLite engine, driven with `tower::ServiceExt::oneshot`.
//!
//! This file holds the authentication and authorisation checks, which enumerate the route table
//! (`keel::http::openapi::routes`); `http/errors.rs` covers error shapes, paging and idempotency,
//! `http/flow.rs` the end-to-end paths, `http/more.rs` uploads, incidents and public endpoints.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "http/errors.rs"]
mod errors;
#[path = "http/flow.rs"]
mod flow;
#[path = "http/more.rs"]
mod more;
#[path = "http/support.rs"]
mod support;
#[path = "http/vocabulary.rs"]
mod vocabulary;

use axum::body::Body;
use axum::http::{Method, StatusCode};
use keel::http::openapi::{Access, routes};
use serde_json::json;
use support::Api;

fn concrete(path: &str) -> String {
    path.split('/')
        .map(|s| if s.starts_with('{') { "x" } else { s })
        .collect::<Vec<_>>()
        .join("/")
}

fn method(verb: keel::http::openapi::Verb) -> Method {
    Method::from_bytes(verb.as_str().as_bytes()).unwrap()
}

#[tokio::test]
async fn every_route_but_health_and_metrics_needs_a_valid_token() {
    let api = Api::new().await;
    let mut public = Vec::new();
    for route in routes() {
        let path = concrete(route.path);
        let m = method(route.verb);
        if route.access == Access::Public {
            public.push(route.path);
            let r = api.raw(m, &path, None, None, Body::empty()).await;
            assert_eq!(r.status, StatusCode::OK, "{path}");
            continue;
        }
        assert!(
            route.path.starts_with("/api/"),
            "{} is outside /api",
            route.path
        );
        let none = api
            .raw(m.clone(), &path, None, Some("application/json"), "{}")
            .await;
        assert_eq!(
            none.status,
            StatusCode::UNAUTHORIZED,
            "{} {path} without token",
            route.verb.as_str()
        );
        assert_eq!(none.code(), "unauthorized");
        assert_eq!(none.headers["www-authenticate"], "Bearer");
        for bogus in ["tok_0123456789abcdef.nope", "garbage", ""] {
            let r = api
                .raw(
                    m.clone(),
                    &path,
                    Some(bogus),
                    Some("application/json"),
                    "{}",
                )
                .await;
            assert_eq!(
                r.status,
                StatusCode::UNAUTHORIZED,
                "{path} with token {bogus:?}"
            );
        }
    }
    public.sort_unstable();
    assert_eq!(public, ["/health", "/metrics"]);
    // Deny by default: unknown API paths and wrong methods are 401 before anything else.
    let r = api
        .raw(Method::GET, "/api/v1/nope", None, None, Body::empty())
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let r = api
        .raw(
            Method::DELETE,
            "/api/v1/definitions",
            None,
            None,
            Body::empty(),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let r = api
        .raw(Method::GET, "/api", None, None, Body::empty())
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    // Basic auth is not a bearer token.
    let req = axum::http::Request::get("/api/v1/definitions")
        .header("authorization", "Basic dXNlcjpwYXNz")
        .body(Body::empty())
        .unwrap();
    assert_eq!(api.send(req).await.status, StatusCode::UNAUTHORIZED);
    // With a token: 404 / 405 in the error shape.
    let token = api.user("alice", &[], &[]).await;
    let r = api.get("/api/v1/nope", &token).await;
    assert_eq!(
        (r.status, r.code().as_str()),
        (StatusCode::NOT_FOUND, "not_found")
    );
    let r = api
        .raw(
            Method::DELETE,
            "/api/v1/definitions",
            Some(&token),
            None,
            Body::empty(),
        )
        .await;
    assert_eq!(r.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(r.code(), "method_not_allowed");
}

#[tokio::test]
async fn openapi_lists_every_route_of_the_table() {
    let api = Api::new().await;
    let token = api.user("alice", &[], &[]).await;
    let r = api.get("/api/v1/openapi.json", &token).await;
    assert_eq!(r.status, StatusCode::OK);
    let doc = r.json();
    assert_eq!(doc["openapi"], "3.1.0");
    let table = routes();
    let mut operations = 0;
    for route in &table {
        let op = &doc["paths"][route.path][route.verb.as_str().to_ascii_lowercase()];
        assert!(
            op.is_object(),
            "{} {} missing from openapi.json",
            route.verb.as_str(),
            route.path
        );
        assert!(op["summary"].is_string());
        assert!(
            op["responses"][route.status.to_string()].is_object(),
            "{}",
            route.path
        );
        match route.access {
            Access::Role(role) => assert_eq!(op["x-required-role"], role.as_str()),
            Access::Public => assert_eq!(op["security"], json!([])),
            Access::Authenticated => assert!(op["x-required-role"].is_null()),
        }
        // Every referenced schema exists.
        for reference in op.to_string().split("#/components/schemas/").skip(1) {
            let name = reference.split('"').next().unwrap();
            assert!(
                doc["components"]["schemas"][name].is_object(),
                "schema {name}"
            );
        }
    }
    for methods in doc["paths"].as_object().unwrap().values() {
        operations += methods.as_object().unwrap().len();
    }
    assert_eq!(
        operations,
        table.len(),
        "openapi.json documents routes the table does not hold"
    );
    assert!(
        doc["paths"]["/api/v1/signals"]["post"]["description"]
            .as_str()
            .unwrap()
            .contains("not buffered")
    );
}

#[tokio::test]
async fn role_routes_refuse_users_without_the_role() {
    let api = Api::new().await;
    let plain = api.user("plain", &["approvers"], &[]).await;
    for route in routes() {
        let Access::Role(role) = route.access else {
            continue;
        };
        let path = concrete(route.path);
        let r = api
            .raw(
                method(route.verb),
                &path,
                Some(&plain),
                Some("application/json"),
                "{}",
            )
            .await;
        assert_eq!(
            r.status,
            StatusCode::FORBIDDEN,
            "{path} needs {}",
            role.as_str()
        );
        assert_eq!(r.code(), "forbidden");
        assert!(
            r.json()["error"]["message"]
                .as_str()
                .unwrap()
                .contains(role.as_str())
        );
    }
    // Admin has every role: the same deploy goes through.
    let admin = api.user("root", &[], &["admin"]).await;
    api.deploy(&admin, support::APPROVAL).await;
    // A deployer is not an auditor.
    let deployer = api.user("dep", &[], &["deployer"]).await;
    let r = api.get("/api/v1/audit", &deployer).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let auditor = api.user("aud", &[], &["auditor"]).await;
    assert_eq!(
        api.get("/api/v1/audit", &auditor).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn instances_are_private_to_their_starter_unless_operator() {
    let api = Api::new().await;
    let admin = api.user("root", &[], &["admin"]).await;
    api.deploy(&admin, support::APPROVAL).await;
    let alice = api.user("alice", &[], &[]).await;
    let bob = api.user("bob", &[], &[]).await;
    let operator = api.user("op", &[], &["operator"]).await;
    let auditor = api.user("aud", &[], &["auditor"]).await;
    let mine = api.start(&alice, "approval", json!({})).await;
    api.start(&bob, "approval", json!({})).await;
    let id = mine["id"].as_str().unwrap();
    let path = format!("/api/v1/instances/{id}");
    assert_eq!(api.get(&path, &alice).await.status, StatusCode::OK);
    let r = api.get(&path, &bob).await;
    assert_eq!(
        (r.status, r.code().as_str()),
        (StatusCode::FORBIDDEN, "forbidden")
    );
    assert_eq!(
        api.get(&format!("{path}/audit"), &bob).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(api.get(&path, &operator).await.status, StatusCode::OK);
    assert_eq!(
        api.get(&format!("{path}/audit"), &alice).await.status,
        StatusCode::OK
    );
    assert_eq!(
        api.get(&format!("{path}/audit"), &auditor).await.status,
        StatusCode::OK
    );
    let r = api.get("/api/v1/instances", &alice).await;
    assert_eq!(r.total(), 1);
    assert_eq!(r.json()[0]["id"], id);
    assert_eq!(api.get("/api/v1/instances", &operator).await.total(), 2);
    // Cancelling and setting variables are operator actions.
    let r = api.post(&format!("{path}/cancel"), &alice, json!({})).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = api
        .put(
            &format!("{path}/variables"),
            &alice,
            json!({"variables": {"a": 1}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}
