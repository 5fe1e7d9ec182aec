//! CORS: pages from an allowed origin may call the HTTP APIs; others get no CORS headers;
//! a server started without `--cors-origin` sends none; a malformed origin is refused.

use chinwag_server::{Config, Server};
use reqwest::header::{ACCESS_CONTROL_ALLOW_ORIGIN, ORIGIN};

const PAGE: &str = "http://127.0.0.1:5173";

async fn start(origins: &[&str]) -> (Server, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(Config {
        listen: "127.0.0.1:0".parse().unwrap(),
        db: ":memory:".into(),
        files: dir.path().join("files"),
        notify_key: Some("k".into()),
        cors_origins: origins.iter().map(|o| o.to_string()).collect(),
        ..Default::default()
    })
    .await
    .unwrap();
    (server, dir)
}

/// A browser's preflight for a JSON POST to `/login` from `origin`; the allowed origin.
async fn preflight(server: &Server, origin: &str) -> Option<String> {
    let response = reqwest::Client::new()
        .request(
            reqwest::Method::OPTIONS,
            format!("http://{}/login", server.addr()),
        )
        .header(ORIGIN, origin)
        .header("Access-Control-Request-Method", "POST")
        .header(
            "Access-Control-Request-Headers",
            "content-type,authorization",
        )
        .send()
        .await
        .unwrap();
    response
        .headers()
        .get(ACCESS_CONTROL_ALLOW_ORIGIN)
        .map(|v| v.to_str().unwrap().to_string())
}

/// A simple GET from `origin`: the status and the allowed origin.
async fn get(server: &Server, origin: &str) -> (u16, Option<String>) {
    let response = reqwest::Client::new()
        .get(format!("http://{}/api/friend", server.addr()))
        .header(ORIGIN, origin)
        .send()
        .await
        .unwrap();
    let allowed = response
        .headers()
        .get(ACCESS_CONTROL_ALLOW_ORIGIN)
        .map(|v| v.to_str().unwrap().to_string());
    (response.status().as_u16(), allowed)
}

#[tokio::test]
async fn an_allowed_origin_gets_cors_headers_and_others_do_not() {
    let (server, _dir) = start(&[PAGE, "https://chat.example.com/"]).await;
    assert_eq!(preflight(&server, PAGE).await.as_deref(), Some(PAGE));
    assert_eq!(
        preflight(&server, "https://chat.example.com")
            .await
            .as_deref(),
        Some("https://chat.example.com"),
        "a trailing slash in the setting is ignored"
    );
    assert_eq!(preflight(&server, "http://evil.example").await, None);
    // Actual requests carry the header too, and still check who is asking.
    assert_eq!(get(&server, PAGE).await, (401, Some(PAGE.to_string())));
    assert_eq!(get(&server, "http://evil.example").await, (401, None));
}

#[tokio::test]
async fn any_origin_with_a_star() {
    let (server, _dir) = start(&["*"]).await;
    assert_eq!(
        preflight(&server, "http://anywhere.example")
            .await
            .as_deref(),
        Some("*")
    );
}

#[tokio::test]
async fn no_cors_headers_by_default() {
    let (server, _dir) = start(&[]).await;
    assert_eq!(preflight(&server, PAGE).await, None);
    assert_eq!(get(&server, PAGE).await.1, None);
}

#[tokio::test]
async fn a_malformed_origin_is_refused_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let result = Server::start(Config {
        listen: "127.0.0.1:0".parse().unwrap(),
        db: ":memory:".into(),
        files: dir.path().join("files"),
        notify_key: None,
        cors_origins: vec!["chat.example.com".into()],
        ..Default::default()
    })
    .await;
    let error = result
        .err()
        .expect("a malformed origin was accepted")
        .to_string();
    assert!(error.contains("--cors-origin"), "{error}");
}
