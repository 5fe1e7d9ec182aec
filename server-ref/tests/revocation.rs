//! Revocation reaches open sockets: after `POST /logout`, every socket opened with that token
//! (or xuanxuan sid) gets its dialect's final frame and is closed within a second; sockets
//! opened with the user's other tokens stay open.

mod common;

use std::time::Duration;

use common::{TestServer, Ws, group, invite_and_accept};
use serde_json::{Value, json};

/// The socket's final frame (the first `is_last` accepts; earlier pushes are skipped), then
/// its close, within one second.
async fn closed_within_a_second(ws: &mut Ws, is_last: impl Fn(&Value) -> bool) -> Value {
    let last = tokio::time::timeout(Duration::from_secs(1), async {
        loop {
            let frame = ws.next().await.expect("closed without a final frame");
            if is_last(&frame) {
                return frame;
            }
        }
    })
    .await
    .expect("no final frame within 1 s");
    let end = tokio::time::timeout(Duration::from_secs(1), ws.next())
        .await
        .expect("not closed within 1 s");
    assert!(end.is_none(), "a frame after the final one: {end:?}");
    last
}

async fn logout(t: &TestServer, token: &str) {
    let (_, r) = t.post("/logout", json!({"token": token})).await;
    assert_eq!(r["code"], 0, "{r}");
}

#[tokio::test]
async fn logout_closes_every_003_socket_opened_with_the_token() {
    let t = TestServer::start().await;
    let (a, at) = t.user("alice").await;
    let (b, bt) = t.user("bob").await;
    let g = group(&t, &bt, "crew").await;
    invite_and_accept(&t, &bt, &g, a, &at).await;
    // A second login of alice: its token is not revoked.
    let (_, other) = t
        .post("/login", json!({"name": "alice", "password": "pw-alice"}))
        .await;
    let other = other["data"]["token"].as_str().unwrap().to_string();
    let mut plain = t.module_ws(&at).await;
    let mut ext = Ws::connect(&t.ws_url(&format!("?access_token={at}&ext=chinwag"))).await;
    let mut kept = t.module_ws(&other).await;
    logout(&t, &at).await;
    let last = closed_within_a_second(&mut plain, |_| true).await;
    assert_eq!(
        (&last["type"], &last["code"]),
        (&json!("ERROR"), &json!(401)),
        "{last}"
    );
    let last = closed_within_a_second(&mut ext, |f| f["type"] != "EVENT").await;
    assert_eq!(last["type"], "KICKED", "{last}");
    // Group traffic still reaches the socket of the other token, and nothing else.
    let mut wb = t.module_ws(&bt).await;
    wb.send(json!({"type": "multicast", "groupId": g, "content": "still there?"}))
        .await;
    assert_eq!(kept.recv().await["content"], "still there?");
    // The revoked token opens nothing and calls nothing.
    assert!(
        tokio_tungstenite::connect_async(t.ws_url(&format!("?access_token={at}")))
            .await
            .is_err()
    );
    assert_eq!(t.status("GET", "/api/group", Some(&at), None).await, 401);
    let _ = b;
}

#[tokio::test]
async fn revoking_a_xuanxuan_sid_closes_its_socket() {
    let t = TestServer::start().await;
    t.user("carol").await;
    for (params, kick_method) in [
        (
            json!({"account": "carol", "password": "pw-carol", "status": "online"}),
            "null",
        ),
        (json!(["", "carol", "pw-carol", "online"]), "kickoff"),
    ] {
        let mut ws = Ws::connect(&t.ws_url("")).await;
        let login = ws.request("login", params).await;
        let sid = login["sid"].as_str().unwrap().to_string();
        // The sid is a token: it works over HTTP until it is revoked.
        assert_eq!(t.status("GET", "/api/group", Some(&sid), None).await, 200);
        logout(&t, &sid).await;
        let last = closed_within_a_second(&mut ws, |f| f.get("message").is_some()).await;
        assert_eq!(last["method"], kick_method, "{last}");
        assert_eq!(t.status("GET", "/api/group", Some(&sid), None).await, 401);
    }
}
