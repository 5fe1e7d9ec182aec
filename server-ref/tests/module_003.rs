//! Seed 003 over a real socket and real HTTP: frames, friend/block rules, offline messages,
//! groups, requests, notifications, the friend/block extension, bad frames.

mod common;

use common::{NOTIFY_KEY, TestServer, Ws, group, invite_and_accept};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

#[tokio::test]
async fn unicast_reaches_friends_only_and_not_blockers() {
    let t = TestServer::start().await;
    let (a, at) = t.user("alice").await;
    let (b, bt) = t.user("bob").await;
    let mut wa = t.module_ws(&at).await;
    let mut wb = t.module_ws(&bt).await;
    // Not friends: dropped silently, sender not told.
    wa.send(json!({"type": "unicast", "receiverId": b.to_string(), "content": "hello?"}))
        .await;
    wb.silent(300).await;
    wa.silent(100).await;
    t.befriend((a, &at), (b, &bt)).await;
    wa.send(json!({"type": "unicast", "receiverId": b.to_string(), "content": "hi bob"}))
        .await;
    let f = wb.recv().await;
    assert_eq!(f["type"], "unicast");
    assert_eq!(f["senderId"], a.to_string());
    assert_eq!(f["receiverId"], b.to_string());
    assert_eq!(f["content"], "hi bob");
    assert!(f.get("groupId").is_none());
    assert!(f["timestamp"].as_i64().unwrap() > 1_600_000_000_000);
    // Structured content comes back as it was sent.
    wb.send(json!({"type": "unicast", "receiverId": a, "content": {"kind": "sticker", "id": 7}}))
        .await;
    assert_eq!(
        wa.recv().await["content"],
        json!({"kind": "sticker", "id": 7})
    );
    // Blocked: dropped even between friends.
    let (s, _) = t
        .call("POST", "/api/block", Some(&bt), Some(json!({"userId": a})))
        .await;
    assert_eq!(s, 200);
    let (_, blocks) = t.call("GET", "/api/block", Some(&bt), None).await;
    assert_eq!(blocks, json!([a.to_string()]));
    wa.send(json!({"type": "unicast", "receiverId": b, "content": "blocked"}))
        .await;
    wb.silent(300).await;
    let (s, _) = t
        .call("DELETE", &format!("/api/block/{a}"), Some(&bt), None)
        .await;
    assert_eq!(s, 200);
    wa.send(json!({"type": "unicast", "receiverId": b, "content": "unblocked"}))
        .await;
    assert_eq!(wb.recv().await["content"], "unblocked");
    // Ending the friendship stops delivery again.
    let (s, _) = t
        .call("DELETE", &format!("/api/friend/{b}"), Some(&at), None)
        .await;
    assert_eq!(s, 200);
    let (_, friends) = t.call("GET", "/api/friend", Some(&at), None).await;
    assert_eq!(friends, json!([]));
    wa.send(json!({"type": "unicast", "receiverId": b, "content": "gone"}))
        .await;
    wb.silent(300).await;
}

#[tokio::test]
async fn friend_extension_requests_and_errors() {
    let t = TestServer::start().await;
    let (a, at) = t.user("alice").await;
    let (b, bt) = t.user("bob").await;
    let (s, r) = t
        .call("POST", "/api/friend", Some(&at), Some(json!({"userId": b})))
        .await;
    assert_eq!(
        (s, r["friends"].clone(), r["id"].clone()),
        (200, json!(false), json!(b.to_string()))
    );
    let (_, pending) = t.call("GET", "/api/friend/requests", Some(&bt), None).await;
    assert_eq!(pending, json!([a.to_string()]));
    let (_, none) = t.call("GET", "/api/friend", Some(&at), None).await;
    assert_eq!(none, json!([]));
    t.call(
        "POST",
        "/api/friend",
        Some(&bt),
        Some(json!({"userId": a.to_string()})),
    )
    .await;
    let (_, both) = t.call("GET", "/api/friend", Some(&bt), None).await;
    assert_eq!(both, json!([a.to_string()]));
    let (s, e) = t
        .call(
            "POST",
            "/api/friend",
            Some(&at),
            Some(json!({"userId": 999})),
        )
        .await;
    assert_eq!(s, 404);
    assert!(e["error"].as_str().unwrap().contains("999"));
    let (s, _) = t
        .call("POST", "/api/friend", Some(&at), Some(json!({"userId": a})))
        .await;
    assert_eq!(s, 400);
    let (s, _) = t
        .call(
            "POST",
            "/api/friend",
            Some(&at),
            Some(json!({"userId": "x"})),
        )
        .await;
    assert_eq!(s, 400);
    let (s, _) = t.call("GET", "/api/friend", None, None).await;
    assert_eq!(s, 401);
    let (s, _) = t
        .call("GET", "/api/friend", Some("not-a-token"), None)
        .await;
    assert_eq!(s, 401);
}

#[tokio::test]
async fn groups_requests_and_their_403s() {
    let t = TestServer::start().await;
    let (a, at) = t.user("alice").await;
    let (b, bt) = t.user("bob").await;
    let (c, ct) = t.user("carol").await;
    let g = group(&t, &at, "team").await;
    let (s, info) = t
        .call("GET", &format!("/api/group/{g}"), Some(&at), None)
        .await;
    assert_eq!(s, 200);
    assert_eq!(
        info,
        json!({"id": g, "name": "team", "managerId": a.to_string(), "usersId": [a.to_string()]})
    );
    // Non-members: 403 to read, invite, rename, leave; a missing group looks the same.
    assert_eq!(
        t.status("GET", &format!("/api/group/{g}"), Some(&bt), None)
            .await,
        403
    );
    assert_eq!(
        t.status("GET", "/api/group/99999", Some(&at), None).await,
        403
    );
    assert_eq!(
        t.status("GET", "/api/group/abc", Some(&at), None).await,
        400
    );
    assert_eq!(
        t.status(
            "POST",
            "/api/request",
            Some(&bt),
            Some(json!({"groupId": g, "userId": c}))
        )
        .await,
        403
    );
    assert_eq!(
        t.status("DELETE", &format!("/api/group/{g}"), Some(&bt), None)
            .await,
        403
    );
    // Invitation: list shape, decline by the wrong user 403, accept.
    let (s, _) = t
        .call(
            "POST",
            "/api/request",
            Some(&at),
            Some(json!({"groupId": g, "userId": b})),
        )
        .await;
    assert_eq!(s, 200);
    let (_, reqs) = t.call("GET", "/api/request", Some(&bt), None).await;
    let r = reqs[0].clone();
    assert_eq!(
        (
            r["groupName"].clone(),
            r["groupId"].clone(),
            r["userId"].clone(),
            r["invitedBy"].clone()
        ),
        (
            json!("team"),
            json!(g),
            json!(b.to_string()),
            json!(a.to_string())
        )
    );
    let rid = r["id"].as_str().unwrap().to_string();
    assert_eq!(
        t.status("PUT", &format!("/api/request/{rid}"), Some(&ct), None)
            .await,
        403
    );
    assert_eq!(
        t.status("DELETE", &format!("/api/request/{rid}"), Some(&ct), None)
            .await,
        403
    );
    assert_eq!(
        t.status("PUT", &format!("/api/request/{rid}"), Some(&bt), None)
            .await,
        200
    );
    // Inviting a member is 403; a member may invite.
    assert_eq!(
        t.status(
            "POST",
            "/api/request",
            Some(&at),
            Some(json!({"groupId": g, "userId": b}))
        )
        .await,
        403
    );
    assert_eq!(
        t.status(
            "POST",
            "/api/request",
            Some(&bt),
            Some(json!({"groupId": g, "userId": c}))
        )
        .await,
        200
    );
    let (_, creqs) = t.call("GET", "/api/request", Some(&ct), None).await;
    let crid = creqs[0]["id"].as_str().unwrap().to_string();
    assert_eq!(
        t.status("DELETE", &format!("/api/request/{crid}"), Some(&ct), None)
            .await,
        200
    );
    assert_eq!(
        t.call("GET", "/api/request", Some(&ct), None).await.1,
        json!([])
    );
    // Rename: manager only.
    assert_eq!(
        t.status(
            "PUT",
            &format!("/api/group/{g}"),
            Some(&bt),
            Some(json!({"name": "x"}))
        )
        .await,
        403
    );
    assert_eq!(
        t.status(
            "PUT",
            &format!("/api/group/{g}"),
            Some(&at),
            Some(json!({"name": "crew"}))
        )
        .await,
        200
    );
    // Lists: detailed (default) and ids.
    let (_, list) = t.call("GET", "/api/group", Some(&bt), None).await;
    assert_eq!(list[0]["name"], "crew");
    assert_eq!(list[0]["usersId"], json!([a.to_string(), b.to_string()]));
    let (_, ids) = t
        .call("GET", "/api/group?detailed=false", Some(&bt), None)
        .await;
    assert_eq!(ids, json!([g]));
    // Remove member: manager only.
    invite_and_accept(&t, &at, &g, c, &ct).await;
    assert_eq!(
        t.status(
            "DELETE",
            &format!("/api/group/{g}?userId={c}"),
            Some(&bt),
            None
        )
        .await,
        403
    );
    assert_eq!(
        t.status(
            "DELETE",
            &format!("/api/group/{g}?userId={c}"),
            Some(&at),
            None
        )
        .await,
        200
    );
    assert_eq!(
        t.status("GET", &format!("/api/group/{g}"), Some(&ct), None)
            .await,
        403
    );
    // A member leaves; the manager leaving dissolves the group.
    let g2 = group(&t, &at, "second").await;
    invite_and_accept(&t, &at, &g2, b, &bt).await;
    assert_eq!(
        t.status("DELETE", &format!("/api/group/{g2}"), Some(&bt), None)
            .await,
        200
    );
    assert_eq!(
        t.status("GET", &format!("/api/group/{g2}"), Some(&bt), None)
            .await,
        403
    );
    assert_eq!(
        t.status("DELETE", &format!("/api/group/{g}"), Some(&at), None)
            .await,
        200
    );
    assert_eq!(
        t.status("GET", &format!("/api/group/{g}"), Some(&bt), None)
            .await,
        403
    );
    assert_eq!(
        t.call("GET", "/api/group", Some(&bt), None).await.1,
        json!([])
    );
    assert_eq!(
        t.status("POST", "/api/group", Some(&at), Some(json!({})))
            .await,
        400
    );
}

#[tokio::test]
async fn multicast_skips_blockers_and_offline_members_get_it_later() {
    let t = TestServer::start().await;
    let (a, at) = t.user("alice").await;
    let (b, bt) = t.user("bob").await;
    let (c, ct) = t.user("carol").await;
    let (d, dt) = t.user("dave").await;
    let g = group(&t, &at, "team").await;
    for (u, tok) in [(b, &bt), (c, &ct), (d, &dt)] {
        invite_and_accept(&t, &at, &g, u, tok).await;
    }
    t.call("POST", "/api/block", Some(&ct), Some(json!({"userId": a})))
        .await;
    let mut wa = t.module_ws(&at).await;
    let mut wb = t.module_ws(&bt).await;
    let mut wc = t.module_ws(&ct).await;
    wa.send(json!({"type": "multicast", "groupId": g, "content": "team news"}))
        .await;
    let f = wb.recv().await;
    assert_eq!(
        (
            f["type"].clone(),
            f["groupId"].clone(),
            f["senderId"].clone()
        ),
        (json!("multicast"), json!(g), json!(a.to_string()))
    );
    assert!(f.get("receiverId").is_none());
    wc.silent(300).await;
    wa.silent(100).await;
    // Dave was offline: it waits for him at /api/message.
    let (s, off) = t
        .call("GET", "/api/message?type=unicast", Some(&dt), None)
        .await;
    assert_eq!((s, off), (200, json!([])));
    let (_, off) = t
        .call("GET", "/api/message?drop=false", Some(&dt), None)
        .await;
    assert_eq!(off[0]["id"], a.to_string());
    assert_eq!(off[0]["messages"][0]["content"], "team news");
    let (_, off) = t
        .call("GET", "/api/message?type=multicast", Some(&dt), None)
        .await;
    assert_eq!(off[0]["messages"].as_array().unwrap().len(), 1);
    let (_, gone) = t.call("GET", "/api/message", Some(&dt), None).await;
    assert_eq!(gone, json!([]));
    // A non-member's multicast is refused with an error frame; the socket stays usable.
    let (_, et) = t.user("eve").await;
    let mut we = t.module_ws(&et).await;
    we.send(json!({"type": "multicast", "groupId": g, "content": "let me in"}))
        .await;
    let err = we.recv().await;
    assert_eq!(
        (err["type"].clone(), err["code"].clone()),
        (json!("ERROR"), json!(403))
    );
    // The same answer for a group that does not exist: nothing about the group leaks.
    we.send(json!({"type": "multicast", "groupId": 99999, "content": "x"}))
        .await;
    let missing = we.recv().await;
    assert_eq!(missing["code"], 403);
    assert_eq!(
        missing["message"].as_str().unwrap().replace("99999", &g),
        err["message"].as_str().unwrap()
    );
    wb.silent(200).await;
}

#[tokio::test]
async fn offline_direct_messages_sorted_and_dropped() {
    let t = TestServer::start().await;
    let (a, at) = t.user("alice").await;
    let (b, bt) = t.user("bob").await;
    let (c, ct) = t.user("carol").await;
    t.befriend((a, &at), (b, &bt)).await;
    t.befriend((c, &ct), (b, &bt)).await;
    let mut wa = t.module_ws(&at).await;
    let mut wc = t.module_ws(&ct).await;
    for i in 1..=3 {
        wa.send(json!({"type": "unicast", "receiverId": b, "content": format!("a{i}")}))
            .await;
    }
    // Two sockets are processed concurrently: let alice's land before carol's.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    wc.send(json!({"type": "unicast", "receiverId": b, "content": "c1"}))
        .await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let (_, desc) = t
        .call("GET", "/api/message?sort=desc&drop=false", Some(&bt), None)
        .await;
    assert_eq!(desc[0]["id"], c.to_string());
    let texts: Vec<_> = desc[1]["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["content"].clone())
        .collect();
    assert_eq!(texts, vec![json!("a3"), json!("a2"), json!("a1")]);
    assert_eq!(desc[1]["messages"][0]["receiverId"], b.to_string());
    let (_, asc) = t.call("GET", "/api/message", Some(&bt), None).await;
    assert_eq!(asc[0]["id"], a.to_string());
    assert_eq!(asc[0]["messages"][0]["content"], "a1");
    assert_eq!(
        t.call("GET", "/api/message", Some(&bt), None).await.1,
        json!([])
    );
    assert_eq!(
        t.status("GET", "/api/message?sort=sideways", Some(&bt), None)
            .await,
        400
    );
    assert_eq!(t.status("GET", "/api/message", None, None).await, 401);
}

#[tokio::test]
async fn notifications_by_key_to_online_targets() {
    let t = TestServer::start().await;
    let (a, at) = t.user("alice").await;
    let (b, bt) = t.user("bob").await;
    let (c, ct) = t.user("carol").await;
    let (_d, dt) = t.user("dave").await;
    let mut wa = t.module_ws(&at).await;
    let mut wb = t.module_ws(&bt).await;
    let mut wc = t.module_ws(&ct).await;
    let post = |query: String, key: Option<&'static str>, body: Value| {
        let mut req = t
            .http
            .post(t.url(&format!("/notification{query}")))
            .json(&body);
        if let Some(k) = key {
            req = req.header("X-Notify-Key", k);
        }
        async move { req.send().await.unwrap().status().as_u16() }
    };
    let body = json!({"notificationType": "order", "content": {"orderId": 5}});
    // Wrong or missing key: 403.
    assert_eq!(post(format!("?to={b}"), None, body.clone()).await, 403);
    assert_eq!(
        post(format!("?to={b}"), Some("wrong"), body.clone()).await,
        403
    );
    // Unicast (default type).
    assert_eq!(
        post(format!("?to={b}"), Some(NOTIFY_KEY), body.clone()).await,
        200
    );
    assert_eq!(
        wb.recv().await,
        json!({"type": "NOTIFICATION", "notificationType": "order", "content": {"orderId": 5}})
    );
    // `from` only filters those who blocked it.
    t.call("POST", "/api/block", Some(&bt), Some(json!({"userId": a})))
        .await;
    assert_eq!(
        post(
            format!("?type=unicast&to={b}&from={a}"),
            Some(NOTIFY_KEY),
            body.clone()
        )
        .await,
        200
    );
    wb.silent(300).await;
    // Multicast to a group's members; parameters may also come in the body.
    let g = group(&t, &at, "g").await;
    invite_and_accept(&t, &at, &g, c, &ct).await;
    assert_eq!(
        post(
            String::new(),
            Some(NOTIFY_KEY),
            json!({"type": "multicast", "to": g, "notificationType": "n", "content": "hi group"})
        )
        .await,
        200
    );
    assert_eq!(wa.recv().await["content"], "hi group");
    assert_eq!(wc.recv().await["content"], "hi group");
    // Broadcast to the friends of `from`; an offline friend simply misses it.
    t.befriend((c, &ct), (a, &at)).await;
    let (dd, _) = (_d, &dt);
    t.befriend((c, &ct), (dd, &dt)).await;
    assert_eq!(
        post(
            format!("?type=broadcast&from={c}"),
            Some(NOTIFY_KEY),
            json!({"notificationType": "n", "content": "bc"})
        )
        .await,
        200
    );
    assert_eq!(wa.recv().await["content"], "bc");
    wc.silent(200).await;
    let mut wd = t.module_ws(&dt).await;
    wd.silent(300).await;
    // Bad requests are 403 as the seed writes.
    assert_eq!(
        post("?type=broadcast".into(), Some(NOTIFY_KEY), body.clone()).await,
        403
    );
    assert_eq!(
        post(
            "?type=unicast&to=99999".into(),
            Some(NOTIFY_KEY),
            body.clone()
        )
        .await,
        403
    );
    assert_eq!(
        post(
            format!("?to={b}"),
            Some(NOTIFY_KEY),
            json!({"content": "no type"})
        )
        .await,
        403
    );
}

#[tokio::test]
async fn bad_frames_get_errors_and_the_socket_stays_open() {
    let t = TestServer::start().await;
    let (a, at) = t.user("alice").await;
    let (b, bt) = t.user("bob").await;
    t.befriend((a, &at), (b, &bt)).await;
    let mut wa = t.module_ws(&at).await;
    let mut wb = t.module_ws(&bt).await;
    let cases: Vec<Message> = vec![
        Message::Text("{not json".into()),
        Message::Text(
            json!({"type": "unicast", "content": "no receiver"})
                .to_string()
                .into(),
        ),
        Message::Text(
            json!({"type": "teleport", "receiverId": b, "content": "x"})
                .to_string()
                .into(),
        ),
        Message::Text(
            json!({"type": "unicast", "receiverId": [1], "content": "x"})
                .to_string()
                .into(),
        ),
        Message::Text(
            json!({"type": "unicast", "receiverId": 424242, "content": "x"})
                .to_string()
                .into(),
        ),
        Message::Text(
            json!({"type": "unicast", "receiverId": b})
                .to_string()
                .into(),
        ),
        Message::Text(json!([1, 2]).to_string().into()),
        Message::Binary(vec![0xff, 0xfe, 0xfd].into()),
        Message::Text(
            format!(
                "{{\"type\":\"unicast\",\"receiverId\":{b},\"content\":\"{}\"}}",
                "x".repeat(1_100_000)
            )
            .into(),
        ),
    ];
    for case in cases {
        wa.send_raw(case).await;
        let err = wa.recv().await;
        assert_eq!(err["type"], "ERROR", "{err}");
        assert!(err["code"].as_u64().unwrap() >= 400);
        assert!(!err["message"].as_str().unwrap().is_empty());
    }
    wb.silent(200).await;
    wa.send(json!({"type": "unicast", "receiverId": b, "content": "still here"}))
        .await;
    assert_eq!(wb.recv().await["content"], "still here");
    // A one-to-one chat cannot be reached as a "group": that would bypass the friend rule.
    let (_, et) = t.user("eve").await;
    let mut we = t.module_ws(&et).await;
    let (_, list) = t.call("GET", "/api/group", Some(&at), None).await;
    assert_eq!(list, json!([]), "one-to-one chats are not groups");
    for id in 1..=3 {
        we.send(json!({"type": "multicast", "groupId": id, "content": "sneaky"}))
            .await;
        assert_eq!(we.recv().await["code"], 403);
    }
    wa.send(json!({"type": "multicast", "groupId": 1, "content": "via group id"}))
        .await;
    assert_eq!(wa.recv().await["code"], 403);
    wb.silent(200).await;
    // A bad or empty token is refused before the upgrade.
    let bad = tokio_tungstenite::connect_async(t.ws_url("?access_token=nope")).await;
    assert!(bad.is_err());
    let empty = tokio_tungstenite::connect_async(t.ws_url("?access_token=")).await;
    assert!(empty.is_err());
    // A wrong HTTP method answers in JSON.
    let (s, body) = t.call("PATCH", "/api/group", Some(&at), None).await;
    assert_eq!((s, body["error"].is_string()), (405, true));
    let _ = Ws::connect(&t.ws_url(&format!("?access_token={at}"))).await;
}
