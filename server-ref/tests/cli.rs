//! The `chinwag-server` binary as the contract states it: flags, `GET /health`, graceful
//! shutdown on SIGTERM, `--db :memory:`, and an acknowledged message surviving `kill -9`.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

struct Running {
    child: Child,
    base: String,
}

async fn spawn(db: &str, files: &std::path::Path) -> Running {
    let port = free_port();
    let child = Command::new(env!("CARGO_BIN_EXE_chinwag-server"))
        .args([
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--db",
            db,
            "--notify-key",
            "k",
        ])
        .arg("--files")
        .arg(files)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Ok(r) = reqwest::get(format!("{base}/health")).await {
            assert_eq!(r.status(), 200);
            break;
        }
        assert!(Instant::now() < deadline, "server did not answer /health");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Running { child, base }
}

async fn post(base: &str, path: &str, body: Value) -> Value {
    reqwest::Client::new()
        .post(format!("{base}{path}"))
        .json(&body)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

#[tokio::test]
async fn sigterm_stops_gracefully_and_memory_db_works() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = spawn(":memory:", &dir.path().join("files")).await;
    let r = post(
        &s.base,
        "/register",
        json!({"name": "m", "password": "p", "password_repete": "p"}),
    )
    .await;
    assert_eq!(r["code"], 0);
    assert!(!dir.path().join(":memory:").exists());
    let pid = s.child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let deadline = Instant::now() + Duration::from_secs(10);
    let status = loop {
        if let Some(st) = s.child.try_wait().unwrap() {
            break st;
        }
        assert!(Instant::now() < deadline, "server did not exit on SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "exit status {status}");
}

#[tokio::test]
async fn acknowledged_message_survives_kill_9() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("k.db");
    let db = db.to_str().unwrap();
    let mut s = spawn(db, &dir.path().join("files")).await;
    for n in ["a", "b"] {
        post(
            &s.base,
            "/register",
            json!({"name": n, "password": "p", "password_repete": "p"}),
        )
        .await;
    }
    let ta = post(&s.base, "/login", json!({"name": "a", "password": "p"})).await["data"]["token"]
        .clone();
    let sent = post(
        &s.base,
        "/send",
        json!({"token": ta, "name": "b", "msg": "durable"}),
    )
    .await;
    assert_eq!(sent["code"], 0);
    s.child.kill().unwrap(); // SIGKILL
    s.child.wait().unwrap();
    let mut s2 = spawn(db, &dir.path().join("files")).await;
    let tb = post(&s2.base, "/login", json!({"name": "b", "password": "p"})).await["data"]["token"]
        .clone();
    let got = post(&s2.base, "/receive", json!({"token": tb})).await;
    assert_eq!(got["data"]["messages"], json!({"a": ["durable"]}));
    s2.child.kill().unwrap();
    s2.child.wait().unwrap();
}
