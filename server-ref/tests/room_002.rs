//! Seed 002 over real HTTP: every endpoint, the envelope, token spellings, bad input.

mod common;

use common::TestServer;
use serde_json::json;

#[tokio::test]
async fn register_login_info_and_errors() {
    let t = TestServer::start().await;
    let (s, r) = t
        .post(
            "/register",
            json!({"name": "ann", "password": "p1", "password_repete": "p1"}),
        )
        .await;
    assert_eq!(
        (s, r["code"].clone(), r["msg"].clone()),
        (200, json!(0), json!("success"))
    );
    assert!(r["data"]["id"].is_i64());
    let (_, dup) = t
        .post(
            "/register",
            json!({"name": "ann", "password": "p1", "password_repete": "p1"}),
        )
        .await;
    assert_eq!(dup["code"], 5);
    assert!(dup["msg"].as_str().unwrap().contains("taken"));
    assert!(dup.get("data").is_none(), "failure has no data: {dup}");
    let (_, mismatch) = t
        .post(
            "/register",
            json!({"name": "bo", "password": "a", "password_repete": "b"}),
        )
        .await;
    assert_ne!(mismatch["code"], 0);
    assert!(
        mismatch["msg"]
            .as_str()
            .unwrap()
            .contains("password_repete")
    );
    let (_, missing) = t.post("/register", json!({"name": "bo"})).await;
    assert!(
        missing["msg"].as_str().unwrap().contains("password"),
        "{missing}"
    );
    let (_, wrong_type) = t
        .post(
            "/register",
            json!({"name": ["x"], "password": "a", "password_repete": "a"}),
        )
        .await;
    assert_eq!(wrong_type["code"], 1);

    let (_, bad) = t
        .post("/login", json!({"name": "ann", "password": "nope"}))
        .await;
    assert_eq!(bad["code"], 2);
    let (_, ok) = t
        .post("/login", json!({"name": "ann", "password": "p1"}))
        .await;
    let token = ok["data"]["token"].as_str().unwrap().to_string();
    assert_eq!(ok["data"]["id"], r["data"]["id"]);

    // Token as access_token in the body, token in the query, and Bearer header.
    let (_, info) = t
        .post("/user/info", json!({"access_token": token, "name": "ann"}))
        .await;
    assert_eq!(
        (info["data"]["name"].clone(), info["data"]["id"].clone()),
        (json!("ann"), r["data"]["id"].clone())
    );
    let (_, info2) = t
        .post(&format!("/user/info?token={token}"), json!({"name": "ann"}))
        .await;
    assert_eq!(info2["code"], 0);
    let (_, info3) = t
        .call(
            "POST",
            "/user/info",
            Some(&token),
            Some(json!({"name": "ann"})),
        )
        .await;
    assert_eq!(info3["code"], 0);
    let (_, nobody) = t
        .post(
            "/user/info",
            json!({"access_token": token, "name": "ghost"}),
        )
        .await;
    assert_eq!(nobody["code"], 4);
    let (_, anon) = t.post("/user/info", json!({"name": "ann"})).await;
    assert_eq!(anon["code"], 2);

    // Form bodies and query-string parameters work too.
    let resp = t
        .http
        .post(t.url("/login"))
        .form(&[("name", "ann"), ("password", "p1")])
        .send()
        .await
        .unwrap();
    let form: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(form["code"], 0);
    let (_, q) = t.post("/login?name=ann&password=p1", json!({})).await;
    assert_eq!(q["code"], 0);

    // Malformed JSON gets the envelope, not a 500.
    let resp = t
        .http
        .post(t.url("/login"))
        .header("content-type", "application/json")
        .body("{bad")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let v: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(v["code"], 1);
    assert!(v["msg"].as_str().unwrap().contains("malformed JSON"));
    let resp = t
        .http
        .post(t.url("/login"))
        .header("content-type", "application/json")
        .body(vec![0xff, 0xfe, b'{'])
        .send()
        .await
        .unwrap();
    let v: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(v["code"], 1);

    // Logout revokes the token.
    let (_, out) = t.post("/logout", json!({"token": token})).await;
    assert_eq!(out["code"], 0);
    let (_, after) = t
        .post("/user/info", json!({"token": token, "name": "ann"}))
        .await;
    assert_eq!(after["code"], 2);
}

#[tokio::test]
async fn direct_messages_send_and_receive_once() {
    let t = TestServer::start().await;
    let (_, a) = t.user("alice").await;
    let (_, b) = t.user("bob").await;
    let (_, c) = t.user("carol").await;
    for m in ["m1", "m2"] {
        let (_, r) = t
            .post("/send", json!({"token": a, "name": "bob", "msg": m}))
            .await;
        assert_eq!(r, json!({"code": 0, "msg": "success"}));
    }
    t.post(
        "/send",
        json!({"token": c, "name": "bob", "msg": "from carol"}),
    )
    .await;
    let (_, none) = t
        .post("/send", json!({"token": a, "name": "nobody", "msg": "x"}))
        .await;
    assert_eq!(none["code"], 4);
    let (_, empty) = t
        .post("/send", json!({"token": a, "name": "bob", "msg": ""}))
        .await;
    assert_eq!(empty["code"], 1);

    // `name` is the receiver's own name (seed 002): another name is refused and consumes
    // nothing; the own name receives everything, grouped by sender, each message once.
    let (_, other) = t
        .post("/receive", json!({"token": b, "name": "carol"}))
        .await;
    assert_ne!(other["code"], 0);
    let (_, r2) = t.post("/receive", json!({"token": b, "name": "bob"})).await;
    assert_eq!(
        r2["data"]["messages"],
        json!({"alice": ["m1", "m2"], "carol": ["from carol"]})
    );
    let (_, r3) = t.post("/receive", json!({"token": b})).await;
    assert_eq!(r3["data"]["messages"], json!({}));
    // The sender does not receive its own direct messages.
    let (_, ra) = t.post("/receive", json!({"token": a})).await;
    assert_eq!(ra["data"]["messages"], json!({}));
}

#[tokio::test]
async fn channels_join_list_and_receive_since_previous_call() {
    let t = TestServer::start().await;
    let (_, a) = t.user("alice").await;
    let (_, b) = t.user("bob").await;
    let (_, missing) = t
        .post("/channel/list_users", json!({"token": a, "name": "lobby"}))
        .await;
    assert_eq!(missing["code"], 4);
    let (_, s) = t
        .post(
            "/channel/send",
            json!({"token": a, "name": "lobby", "message": "first"}),
        )
        .await;
    assert_eq!(s["code"], 0);
    // Bob's first receive joins him and shows what the channel said before.
    let (_, r) = t
        .post("/channel/receive", json!({"token": b, "name": "lobby"}))
        .await;
    let msgs = r["data"]["messages"].as_array().unwrap();
    assert_eq!(msgs.len(), 1);
    assert_eq!(
        (msgs[0]["name"].clone(), msgs[0]["msg"].clone()),
        (json!("alice"), json!("first"))
    );
    let dt = msgs[0]["datetime"].as_str().unwrap();
    assert_eq!(dt.len(), "2020.03.05:12:12:00".len());
    assert_eq!((&dt[4..5], &dt[7..8], &dt[10..11]), (".", ".", ":"));
    let (_, users) = t
        .post("/channel/list_users", json!({"token": a, "name": "lobby"}))
        .await;
    let names: Vec<_> = users["data"]["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(names, vec!["alice", "bob"]);
    // Only what arrived since the previous call.
    let (_, again) = t
        .post("/channel/receive", json!({"token": b, "name": "lobby"}))
        .await;
    assert_eq!(again["data"]["messages"], json!([]));
    t.post(
        "/channel/send",
        json!({"token": a, "name": "lobby", "message": "second"}),
    )
    .await;
    t.post(
        "/channel/send",
        json!({"token": b, "name": "lobby", "message": "third"}),
    )
    .await;
    let (_, next) = t
        .post("/channel/receive", json!({"token": b, "name": "lobby"}))
        .await;
    let texts: Vec<_> = next["data"]["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["msg"].clone())
        .collect();
    assert_eq!(texts, vec![json!("second"), json!("third")]);
    let (_, noname) = t.post("/channel/receive", json!({"token": b})).await;
    assert_eq!(noname["code"], 1);
}
