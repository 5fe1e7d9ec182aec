//! `demo`: starts the reference server in-process on a temporary SQLite database and has
//! two clients chat across dialects — alice over seed 002's REST API and seed 003's socket,
//! bob over the xuanxuan socket (seed 001) — printing a transcript. Exits 0 on success.

use std::time::Duration;

use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let server = chinwag_server::Server::start(chinwag_server::Config {
        listen: "127.0.0.1:0".parse()?,
        db: dir.path().join("demo.db").to_string_lossy().into_owned(),
        files: dir.path().join("files"),
        notify_key: Some("demo-key".into()),
    })
    .await
    .map_err(|e| e.to_string())?;
    let base = format!("http://{}", server.addr());
    let ws_base = format!("ws://{}/ws", server.addr());
    println!(
        "chinwag-server running in-process at {base} (SQLite in {})",
        dir.path().display()
    );
    let http = reqwest::Client::new();
    let post = |path: &str, body: Value| {
        let req = http.post(format!("{base}{path}")).json(&body);
        async move { req.send().await?.json::<Value>().await }
    };

    for name in ["alice", "bob"] {
        let r = post(
            "/register",
            json!({"name": name, "password": "secret", "password_repete": "secret"}),
        )
        .await?;
        println!("[002] register {name:<5} → id {}", r["data"]["id"]);
    }
    let login = post("/login", json!({"name": "alice", "password": "secret"})).await?;
    let alice_token = login["data"]["token"]
        .as_str()
        .ok_or("login failed")?
        .to_string();
    let alice = login["data"]["id"].as_i64().unwrap_or_default();

    // Bob logs in over the xuanxuan socket.
    let (mut bob_ws, _) = tokio_tungstenite::connect_async(ws_base.as_str()).await?;
    send(&mut bob_ws, json!({"module": "chat", "method": "login", "params": {"account": "bob", "password": "secret", "status": "online"}})).await?;
    let bob_login = until(&mut bob_ws, |v| v["method"] == "login").await?;
    let bob = bob_login["data"]["id"].as_i64().unwrap_or_default();
    println!(
        "[001] bob logged in over the xuanxuan socket (sid {}…)",
        &bob_login["sid"].as_str().unwrap_or("")[..8]
    );

    // Alice connects with the 003 socket; they become friends through the 003 extension.
    let (mut alice_ws, _) =
        tokio_tungstenite::connect_async(format!("{ws_base}?access_token={alice_token}")).await?;
    http.post(format!("{base}/api/friend"))
        .bearer_auth(&alice_token)
        .json(&json!({"userId": bob}))
        .send()
        .await?;
    let bob_token =
        post("/login", json!({"name": "bob", "password": "secret"})).await?["data"]["token"]
            .as_str()
            .unwrap_or_default()
            .to_string();
    let f = http
        .post(format!("{base}/api/friend"))
        .bearer_auth(&bob_token)
        .json(&json!({"userId": alice}))
        .send()
        .await?
        .json::<Value>()
        .await?;
    println!("[003] alice and bob are friends: {}", f["friends"]);

    // alice (003 unicast) → bob (xuanxuan push)
    send(&mut alice_ws, json!({"type": "unicast", "receiverId": bob.to_string(), "content": "Hi Bob! Sent over the 003 socket."})).await?;
    let push = until(&mut bob_ws, |v| {
        v["method"] == "message" && v.get("result").is_none()
    })
    .await?;
    println!("[001] bob   got : {}", push["data"][0]["content"]);

    // bob (xuanxuan message) → alice (003 frame)
    let cgid = format!("{}&{}", alice.min(bob), alice.max(bob));
    send(&mut bob_ws, json!({"module": "chat", "method": "message", "params": [{"gid": "demo-1", "cgid": cgid, "contentType": "text", "content": "Hello Alice, from xuanxuan."}]})).await?;
    let frame = until(&mut alice_ws, |v| v["type"] == "unicast").await?;
    println!(
        "[003] alice got : {} (from user {})",
        frame["content"], frame["senderId"]
    );

    // A group: alice creates it (003 REST), invites bob, bob accepts, alice multicasts.
    let group = http
        .post(format!("{base}/api/group"))
        .bearer_auth(&alice_token)
        .json(&json!({"name": "demo team"}))
        .send()
        .await?
        .json::<Value>()
        .await?;
    http.post(format!("{base}/api/request"))
        .bearer_auth(&alice_token)
        .json(&json!({"groupId": group, "userId": bob}))
        .send()
        .await?;
    let invites = http
        .get(format!("{base}/api/request"))
        .bearer_auth(&bob_token)
        .send()
        .await?
        .json::<Value>()
        .await?;
    http.put(format!(
        "{base}/api/request/{}",
        invites[0]["id"].as_str().unwrap_or_default()
    ))
    .bearer_auth(&bob_token)
    .send()
    .await?;
    println!("[003] group {group} \"demo team\": bob invited and accepted");
    send(
        &mut alice_ws,
        json!({"type": "multicast", "groupId": group, "content": "Welcome to the team."}),
    )
    .await?;
    let push = until(&mut bob_ws, |v| {
        v["method"] == "message" && v.get("result").is_none()
    })
    .await?;
    println!(
        "[001] bob   got : {} in chat {}",
        push["data"][0]["content"], push["data"][0]["cgid"]
    );

    // The backend pushes a notification to alice.
    http.post(format!("{base}/notification?to={alice}"))
        .header("X-Notify-Key", "demo-key")
        .json(&json!({"notificationType": "welcome", "content": "Thanks for trying Chinwag"}))
        .send()
        .await?;
    let note = until(&mut alice_ws, |v| v["type"] == "NOTIFICATION").await?;
    println!(
        "[003] alice got a notification: {} / {}",
        note["notificationType"], note["content"]
    );

    server.stop().await;
    println!("done: server stopped, temporary database removed");
    Ok(())
}

async fn send(ws: &mut Ws, v: Value) -> Result<(), Box<dyn std::error::Error>> {
    ws.send(Message::Text(v.to_string().into())).await?;
    Ok(())
}

/// The next JSON frame matching `pred` (5 s at most).
async fn until(
    ws: &mut Ws,
    pred: impl Fn(&Value) -> bool,
) -> Result<Value, Box<dyn std::error::Error>> {
    loop {
        let msg = tokio::time::timeout(Duration::from_secs(5), ws.next())
            .await?
            .ok_or("socket closed")??;
        if let Message::Text(t) = msg {
            let v: Value = serde_json::from_str(&t)?;
            if pred(&v) {
                return Ok(v);
            }
        }
    }
}
