//! One model, four dialects: a message sent in any dialect reaches online recipients in
//! theirs and offline recipients through their dialect's offline path; data survives a
//! restart on the same database file.

mod common;

use common::TestServer;
use serde_json::{Value, json};

#[tokio::test]
async fn direct_messages_cross_every_dialect() {
    let t = TestServer::start().await;
    let (a, at) = t.user("alice").await;
    let (b, bt) = t.user("bob").await;
    let mut wb = t.module_ws(&bt).await;
    let (mut xa, _) = t.xx_login("alice").await;
    // 002 /send → bob's 003 socket (002 has no friend rule: anyone not blocked).
    t.post(
        "/send",
        json!({"token": at, "name": "bob", "msg": "via 002"}),
    )
    .await;
    let f = wb.recv().await;
    assert_eq!(
        (
            f["type"].clone(),
            f["senderId"].clone(),
            f["content"].clone()
        ),
        (json!("unicast"), json!(a.to_string()), json!("via 002"))
    );
    // 003 unicast (friends) → alice's xuanxuan socket, as a `message` push in the one2one chat.
    t.befriend((a, &at), (b, &bt)).await;
    wb.send(json!({"type": "unicast", "receiverId": a, "content": "via 003"}))
        .await;
    let p = xa.recv_method("message").await;
    assert_eq!(
        (
            p["data"][0]["cgid"].clone(),
            p["data"][0]["user"].clone(),
            p["data"][0]["content"].clone()
        ),
        (json!(format!("{a}&{b}")), json!(b), json!("via 003"))
    );
    // xuanxuan message → bob's 003 socket.
    xa.request(
        "message",
        json!([{"gid": "x-1", "cgid": format!("{a}&{b}"), "content": "via xuanxuan"}]),
    )
    .await;
    let f = wb.recv().await;
    assert_eq!(
        (f["content"].clone(), f["receiverId"].clone()),
        (json!("via xuanxuan"), json!(b.to_string()))
    );
    // Offline bob: a xuanxuan message waits and is read through 002 /receive, once.
    drop(wb);
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    xa.request(
        "message",
        json!([{"gid": "x-2", "cgid": format!("{a}&{b}"), "content": "read me over 002"}]),
    )
    .await;
    let (_, r) = t.post("/receive", json!({"token": bt})).await;
    assert_eq!(
        r["data"]["messages"],
        json!({"alice": ["read me over 002"]})
    );
    let (_, off) = t.call("GET", "/api/message", Some(&bt), None).await;
    assert_eq!(off, json!([]));
    // The conversation is one chat: history has every message, whatever the dialect.
    let h = xa
        .request("history", json!({"gid": format!("{a}&{b}")}))
        .await;
    let texts: Vec<_> = h["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["content"].clone())
        .collect();
    assert_eq!(
        texts,
        vec![
            json!("via 002"),
            json!("via 003"),
            json!("via xuanxuan"),
            json!("read me over 002")
        ]
    );
}

#[tokio::test]
async fn groups_and_channels_cross_every_dialect() {
    let t = TestServer::start().await;
    let (a, at) = t.user("alice").await;
    let (b, bt) = t.user("bob").await;
    let (c, ct) = t.user("carol").await;
    // A 003 group with alice, bob and carol.
    let (_, g) = t
        .call(
            "POST",
            "/api/group",
            Some(&at),
            Some(json!({"name": "mixed"})),
        )
        .await;
    let g = g.as_str().unwrap().to_string();
    for (u, tok) in [(b, &bt), (c, &ct)] {
        t.call(
            "POST",
            "/api/request",
            Some(&at),
            Some(json!({"groupId": g, "userId": u})),
        )
        .await;
        let (_, reqs) = t.call("GET", "/api/request", Some(tok), None).await;
        t.call(
            "PUT",
            &format!("/api/request/{}", reqs[0]["id"].as_str().unwrap()),
            Some(tok),
            None,
        )
        .await;
    }
    let mut wa = t.module_ws(&at).await;
    let (mut xb, _) = t.xx_login("bob").await;
    // Bob (xuanxuan) sees the group in his chat list and posts into it.
    let list = xb.request("getList", Value::Null).await;
    let chat = list["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"].as_i64().map(|i| i.to_string()).as_deref() == Some(g.as_str()))
        .unwrap()
        .clone();
    let cgid = chat["gid"].as_str().unwrap().to_string();
    xb.request(
        "message",
        json!([{"gid": "gx-1", "cgid": cgid, "content": "from xuanxuan"}]),
    )
    .await;
    let f = wa.recv().await;
    assert_eq!(
        (
            f["type"].clone(),
            f["groupId"].clone(),
            f["senderId"].clone(),
            f["content"].clone()
        ),
        (
            json!("multicast"),
            json!(g),
            json!(b.to_string()),
            json!("from xuanxuan")
        )
    );
    // Alice (003) multicasts; bob gets a push; carol (offline) gets it at /api/message.
    wa.send(json!({"type": "multicast", "groupId": g, "content": "from 003"}))
        .await;
    assert_eq!(
        xb.recv_method("message").await["data"][0]["content"],
        "from 003"
    );
    let (_, off) = t
        .call("GET", "/api/message?type=multicast", Some(&ct), None)
        .await;
    let texts: Vec<_> = off
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|b| b["messages"].as_array().unwrap().clone())
        .map(|m| m["content"].clone())
        .collect();
    assert_eq!(texts, vec![json!("from xuanxuan"), json!("from 003")]);
    // A 002 channel is a public group: xuanxuan users find it, join it, and talk across.
    t.post(
        "/channel/send",
        json!({"token": ct, "name": "lobby", "message": "hi lobby"}),
    )
    .await;
    let public = xb.request("getPublicList", Value::Null).await;
    let lobby = public["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "lobby")
        .unwrap()["gid"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        xb.request("joinchat", json!({"gid": lobby})).await["result"],
        "success"
    );
    let h = xb.request("history", json!({"gid": lobby})).await;
    assert_eq!(h["data"][0]["content"], "hi lobby");
    xb.request(
        "message",
        json!([{"gid": "lb-1", "cgid": lobby, "content": "hello from xuanxuan"}]),
    )
    .await;
    let (_, r) = t
        .post("/channel/receive", json!({"token": ct, "name": "lobby"}))
        .await;
    let msgs: Vec<_> = r["data"]["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| (m["name"].clone(), m["msg"].clone()))
        .collect();
    assert_eq!(
        msgs,
        vec![
            (json!("carol"), json!("hi lobby")),
            (json!("bob"), json!("hello from xuanxuan"))
        ]
    );
    let (_, users) = t
        .post("/channel/list_users", json!({"token": ct, "name": "lobby"}))
        .await;
    assert_eq!(users["data"]["users"].as_array().unwrap().len(), 2);
    // A 003 client can post into the channel by its group id too.
    let (_, groups) = t.call("GET", "/api/group", Some(&bt), None).await;
    let lobby_id = groups
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["name"] == "lobby")
        .unwrap()["id"]
        .clone();
    let mut wb = t.module_ws(&bt).await;
    wb.send(json!({"type": "multicast", "groupId": lobby_id, "content": "from 003 into 002"}))
        .await;
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let (_, r) = t
        .post("/channel/receive", json!({"token": ct, "name": "lobby"}))
        .await;
    assert_eq!(r["data"]["messages"][0]["msg"], "from 003 into 002");
    let _ = a;
}

#[tokio::test]
async fn everything_survives_a_restart_on_the_same_database() {
    let mut t = TestServer::start().await;
    let (a, at) = t.user("alice").await;
    let (b, bt) = t.user("bob").await;
    t.befriend((a, &at), (b, &bt)).await;
    let (_, g) = t
        .call(
            "POST",
            "/api/group",
            Some(&at),
            Some(json!({"name": "durable"})),
        )
        .await;
    let mut wa = t.module_ws(&at).await;
    wa.send(json!({"type": "unicast", "receiverId": b, "content": "queued before restart"}))
        .await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let (mut xa, _) = t.xx_login("alice").await;
    xa.request("settings", json!({"settings": {"k": 1}})).await;
    t.restart().await;
    // Sockets were closed by the stop; tokens, users, friendships, groups, the offline queue,
    // settings and history are all still there.
    assert!(xa.next().await.is_none());
    let (_, info) = t
        .post("/user/info", json!({"token": at, "name": "bob"}))
        .await;
    assert_eq!(info["data"]["id"], b);
    assert_eq!(
        t.call("GET", "/api/friend", Some(&bt), None).await.1,
        json!([a.to_string()])
    );
    let (s, gi) = t
        .call(
            "GET",
            &format!("/api/group/{}", g.as_str().unwrap()),
            Some(&at),
            None,
        )
        .await;
    assert_eq!((s, gi["name"].clone()), (200, json!("durable")));
    let (_, off) = t.call("GET", "/api/message", Some(&bt), None).await;
    assert_eq!(off[0]["messages"][0]["content"], "queued before restart");
    let (mut xa2, login) = t.xx_login("alice").await;
    assert_eq!(login["data"]["status"], "online");
    assert_eq!(
        xa2.request("settings", Value::Null).await["data"],
        json!({"k": 1})
    );
    let h = xa2
        .request("history", json!({"gid": format!("{a}&{b}")}))
        .await;
    assert_eq!(h["data"][0]["content"], "queued before restart");
    // Users who were online before the stop are offline after it (000 serverStart).
    let (_, binfo) = t
        .post("/user/info", json!({"token": at, "name": "bob"}))
        .await;
    assert_eq!(binfo["data"]["status"], "offline");
}
