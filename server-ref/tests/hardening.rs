//! The smaller hardening items and the seed readings, over real HTTP and WebSocket: message
//! gids scoped to their sender, RFC 6266 downloads, `Connection: close` after an oversize body,
//! RFC 6455 close codes, 002 `/receive` and free-text names, and xuanxuan refusals that keep
//! the request's `rid`.

mod common;

use common::{TestServer, Ws, call};
use futures::{SinkExt, StreamExt};
use serde_json::json;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::frame::Frame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::{Data, OpCode};

#[tokio::test]
async fn a_gid_names_a_message_only_among_its_senders() {
    let t = TestServer::start().await;
    let (a, at) = t.user("alice").await;
    let (b, bt) = t.user("bob").await;
    let pair = format!("{}&{}", a.min(b), a.max(b));
    let send = |token: String, content: &'static str| {
        let pair = pair.clone();
        let t = &t;
        async move {
            let m = json!([{"gid": "same-gid", "cgid": pair, "content": content}]);
            call(t, &token, "message", m).await
        }
    };
    let (s1, first) = send(at.clone(), "from alice").await;
    assert_eq!(s1, 200, "{first}");
    // Bob reusing alice's gid sends his own message; nothing tells him hers exists.
    let (s2, second) = send(bt.clone(), "from bob").await;
    assert_eq!(s2, 200, "{second}");
    assert_ne!(first["data"][0]["id"], second["data"][0]["id"]);
    assert_eq!(second["data"][0]["content"], "from bob");
    // Alice repeating it is still de-duplicated.
    let (_, again) = send(at, "from alice, again").await;
    assert_eq!(again["data"][0]["id"], first["data"][0]["id"]);
    let (_, history) = call(&t, &bt, "history", json!({"gid": pair})).await;
    assert_eq!(history["data"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn downloads_name_the_file_as_rfc_6266_says() {
    let t = TestServer::start().await;
    let (_, at) = t.user("alice").await;
    let (_, r) = call(
        &t,
        &at,
        "create",
        json!({"gid": "g-files", "name": "f", "members": []}),
    )
    .await;
    assert_eq!(r["result"], "success");
    let name = "报告\u{202E}fdp.exe";
    let up = t
        .http
        .post(t.url(&format!("/upload?gid=g-files&name={}", urlencode(name))))
        .bearer_auth(&at)
        .body("data")
        .send()
        .await
        .unwrap();
    let up: serde_json::Value = up.json().await.unwrap();
    assert_eq!(
        up["data"]["name"], "报告fdp.exe",
        "bidi controls are removed: {up}"
    );
    let down = t
        .http
        .get(t.url(up["data"]["url"].as_str().unwrap()))
        .bearer_auth(&at)
        .send()
        .await
        .unwrap();
    let disposition = down.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_string();
    assert_eq!(
        disposition,
        "attachment; filename=\"__fdp.exe\"; filename*=UTF-8''%E6%8A%A5%E5%91%8Afdp.exe"
    );
}

fn urlencode(s: &str) -> String {
    s.bytes().map(|b| format!("%{b:02X}")).collect()
}

#[tokio::test]
async fn an_oversize_body_is_refused_with_connection_close() {
    let t = TestServer::start().await;
    let (_, at) = t.user("alice").await;
    let big = "x".repeat(chinwag_wire::MAX_FRAME_BYTES + 10);
    let r = t
        .http
        .post(t.url("/login"))
        .json(&json!({"name": big, "password": "p"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["connection"], "close");
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["code"], 1, "{body}");
    let r = t
        .http
        .post(t.url("/api/group"))
        .bearer_auth(&at)
        .json(&json!({"name": big}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 413);
    assert_eq!(r.headers()["connection"], "close");
    // A request of the ordinary size keeps the connection.
    let r = t
        .http
        .get(t.url("/api/group"))
        .bearer_auth(&at)
        .send()
        .await
        .unwrap();
    assert!(r.headers().get("connection").is_none());
}

/// The close frame's code, after any frames before it.
async fn close_code(ws: &mut Ws) -> Option<u16> {
    while let Some(msg) = ws.inner.next().await {
        match msg {
            Ok(Message::Close(frame)) => return frame.map(|f| u16::from(f.code)),
            Ok(_) => continue,
            Err(_) => return None,
        }
    }
    None
}

#[tokio::test]
async fn sockets_refusing_a_frame_close_with_the_rfc_6455_code() {
    let t = TestServer::start().await;
    let (_, at) = t.user("alice").await;
    let mut ws = t.module_ws(&at).await;
    let invalid = Frame::message(vec![b'"', 0xff, 0xfe, b'"'], OpCode::Data(Data::Text), true);
    ws.send_raw(Message::Frame(invalid)).await;
    assert_eq!(close_code(&mut ws).await, Some(1007));
    let mut ws = Ws::connect(&t.ws_url("")).await;
    let huge = "x".repeat(chinwag_server::dialect::ws::HARD_FRAME_LIMIT + 1);
    let _ = ws.inner.send(Message::Text(huge.into())).await;
    assert_eq!(close_code(&mut ws).await, Some(1009));
}

#[tokio::test]
async fn a_xuanxuan_request_over_the_limit_is_answered_with_its_rid() {
    let t = TestServer::start().await;
    t.user("alice").await;
    let (mut ws, _) = t.xx_login("alice").await;
    let big = "x".repeat(chinwag_wire::MAX_FRAME_BYTES);
    ws.send(
        json!({"module": "chat", "method": "message", "rid": "r-big",
        "params": [{"gid": "m", "cgid": "g", "content": big}]}),
    )
    .await;
    let answer = loop {
        let v = ws.recv().await;
        if v.get("rid").is_some() {
            break v;
        }
    };
    assert_eq!(
        (&answer["rid"], &answer["method"], &answer["result"]),
        (&json!("r-big"), &json!("message"), &json!("fail")),
        "{answer}"
    );
    assert!(
        answer["message"]
            .as_str()
            .unwrap()
            .contains("exceeds the limit")
    );
}

#[tokio::test]
async fn receive_is_for_the_callers_own_messages_and_names_are_free_text() {
    let t = TestServer::start().await;
    let (_, tom) = t.user("Tom & Jerry").await;
    let (_, spike) = t.user("Spike").await;
    let (_, r) = t
        .post("/user/info", json!({"name": "Tom & Jerry", "token": spike}))
        .await;
    assert_eq!(r["data"]["name"], "Tom & Jerry", "{r}");
    let (_, r) = t
        .post(
            "/send",
            json!({"name": "Tom & Jerry", "msg": "woof", "token": spike}),
        )
        .await;
    assert_eq!(r["code"], 0, "{r}");
    // Spike asking for Tom's messages fails, and leaves them where they are.
    let (_, r) = t
        .post("/receive", json!({"name": "Tom & Jerry", "token": spike}))
        .await;
    assert_ne!(r["code"], 0, "{r}");
    let (_, r) = t
        .post("/receive", json!({"name": "Spike", "token": tom}))
        .await;
    assert_ne!(r["code"], 0, "{r}");
    let (_, r) = t
        .post("/receive", json!({"name": "Tom & Jerry", "token": tom}))
        .await;
    assert_eq!(r["data"]["messages"]["Spike"], json!(["woof"]), "{r}");
}
