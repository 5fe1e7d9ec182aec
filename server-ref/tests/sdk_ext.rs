//! The SDK extension (`chinwag_wire::ext`) over a real socket and real HTTP: ACK, PING/PONG,
//! RECEIVED and the sync cursor, the extra message fields, EVENT relay and presence, KICKED,
//! `/api/sync`, `/api/call`, raw-body upload, and the id order of pushed messages.

mod common;

use common::{TestServer, Ws, call};
use serde_json::{Value, json};

/// Opens a 003 socket with the extension.
async fn ext_ws(t: &TestServer, token: &str) -> Ws {
    Ws::connect(&t.ws_url(&format!("?access_token={token}&ext=chinwag"))).await
}

/// The HTTP status a socket upgrade is refused with.
async fn refused(url: &str) -> u16 {
    match tokio_tungstenite::connect_async(url).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(resp)) => resp.status().as_u16(),
        Err(e) => panic!("unexpected error {e}"),
        Ok(_) => panic!("the upgrade was accepted"),
    }
}

/// Skips frames until one of this `type`.
async fn recv_type(ws: &mut Ws, kind: &str) -> Value {
    loop {
        let v = ws.recv().await;
        if v["type"] == kind {
            return v;
        }
    }
}

/// Skips frames until an `EVENT` with this method.
async fn recv_event(ws: &mut Ws, method: &str) -> Value {
    loop {
        let v = recv_type(ws, "EVENT").await;
        if v["method"] == method {
            return v;
        }
    }
}

/// Waits until the server has handled every frame sent before (frames of one socket are
/// handled in order, and PING is answered).
async fn flush(ws: &mut Ws) {
    ws.send(json!({"type": "PING"})).await;
    recv_type(ws, "PONG").await;
}

fn id_of(v: &Value) -> i64 {
    v.as_str()
        .map(|s| s.parse().unwrap())
        .or_else(|| v.as_i64())
        .unwrap_or_else(|| panic!("not an id: {v}"))
}

/// Creates a group through `/api/call`; returns its (id, gid).
async fn group(t: &TestServer, token: &str, gid: &str, members: &[i64]) -> (i64, String) {
    let (s, r) = call(
        t,
        token,
        "create",
        json!({"gid": gid, "name": gid, "type": "group", "members": members}),
    )
    .await;
    assert_eq!((s, &r["result"]), (200, &json!("success")), "{r}");
    (r["data"]["id"].as_i64().unwrap(), gid.to_string())
}

#[tokio::test]
async fn acks_duplicates_errors_and_extra_fields() {
    let t = TestServer::start().await;
    let (a, at) = t.user("alice").await;
    let (b, bt) = t.user("bob").await;
    let (c, _) = t.user("carol").await;
    t.befriend((a, &at), (b, &bt)).await;
    let mut wb = ext_ws(&t, &bt).await;
    let mut pb = t.module_ws(&bt).await;
    let mut wa = ext_ws(&t, &at).await;
    flush(&mut wa).await;
    flush(&mut wb).await;

    // A stored message: ACK with id and timestamp; the extension socket gets contentType and
    // cgid, the plain 003 socket of the same user does not.
    wa.send(json!({"type": "unicast", "receiverId": b.to_string(), "content": "hi", "gid": "c-1"}))
        .await;
    let ack = recv_type(&mut wa, "ACK").await;
    assert_eq!(ack["gid"], "c-1");
    let id = id_of(&ack["id"]);
    let ts = ack["timestamp"].as_i64().unwrap();
    assert!(ts > 1_600_000_000_000);
    let f = recv_type(&mut wb, "unicast").await;
    assert_eq!(
        f,
        json!({"type": "unicast", "senderId": a.to_string(), "receiverId": b.to_string(),
               "content": "hi", "timestamp": ts, "id": id.to_string(), "gid": "c-1",
               "contentType": "text", "cgid": format!("{a}&{b}")})
    );
    let p = pb.recv().await;
    assert_eq!(p["id"], id.to_string());
    assert!(
        p.get("contentType").is_none() && p.get("cgid").is_none(),
        "{p}"
    );

    // The same gid again: the same id and timestamp, and no second delivery.
    wa.send(json!({"type": "unicast", "receiverId": b, "content": "hi", "gid": "c-1"}))
        .await;
    let again = recv_type(&mut wa, "ACK").await;
    assert_eq!(again, ack);
    wb.silent(200).await;
    pb.silent(50).await;

    // Not friends: accepted but dropped, so the ACK has no id.
    wa.send(json!({"type": "unicast", "receiverId": c, "content": "hello?", "gid": "c-2"}))
        .await;
    assert_eq!(
        recv_type(&mut wa, "ACK").await,
        json!({"type": "ACK", "gid": "c-2"})
    );

    // No gid: the server names one, and the ACK carries it.
    wa.send(json!({"type": "unicast", "receiverId": b, "content": {"kind": "sticker"}}))
        .await;
    let ack = recv_type(&mut wa, "ACK").await;
    let gid = ack["gid"].as_str().unwrap().to_string();
    assert!(gid.starts_with("srv-"), "{ack}");
    let f = recv_type(&mut wb, "unicast").await;
    assert_eq!(
        (&f["gid"], &f["id"], &f["contentType"], &f["content"]),
        (
            &json!(gid),
            &ack["id"],
            &json!("json"),
            &json!({"kind": "sticker"})
        )
    );
    pb.recv().await;

    // A content type for string content, on extension sockets only.
    wa.send(json!({"type": "unicast", "receiverId": b, "content": "{\"id\":3}", "contentType": "file", "gid": "c-f"}))
        .await;
    recv_type(&mut wa, "ACK").await;
    let f = recv_type(&mut wb, "unicast").await;
    assert_eq!(
        (&f["contentType"], &f["content"]),
        (&json!("file"), &json!("{\"id\":3}"))
    );
    pb.recv().await;

    // A plain 003 socket's contentType is ignored: stored as text.
    pb.send(
        json!({"type": "unicast", "receiverId": a, "content": "plain", "contentType": "image"}),
    )
    .await;
    let f = recv_type(&mut wa, "unicast").await;
    assert_eq!(
        (&f["content"], &f["contentType"]),
        (&json!("plain"), &json!("text"))
    );

    // Failures: the error frame names the gid.
    wa.send(json!({"type": "multicast", "groupId": 9999, "content": "x", "gid": "c-3"}))
        .await;
    let e = recv_type(&mut wa, "ERROR").await;
    assert_eq!((e["code"].as_u64(), &e["gid"]), (Some(403), &json!("c-3")));
    wa.send(json!({"type": "unicast", "receiverId": b, "gid": "c-4"}))
        .await;
    let e = recv_type(&mut wa, "ERROR").await;
    assert_eq!((e["code"].as_u64(), &e["gid"]), (Some(400), &json!("c-4")));
    wa.send(json!({"type": "unicast", "receiverId": b, "content": "x", "gid": "c-1"}))
        .await;
    // Alice's retry of c-1 is acknowledged as the same message.
    assert_eq!(recv_type(&mut wa, "ACK").await["id"], id.to_string());
    // A gid is unique per sender: bob's c-1 is his own new message, not a conflict.
    pb.send(json!({"type": "unicast", "receiverId": a, "content": "x", "gid": "c-1"}))
        .await;
    let f = recv_type(&mut wa, "unicast").await;
    assert_eq!(
        (&f["gid"], &f["senderId"]),
        (&json!("c-1"), &json!(b.to_string()))
    );
    assert_ne!(f["id"], id.to_string());

    // PING/PONG on the extension socket; a plain 003 socket does not know PING.
    wa.send(json!({"type": "PING"})).await;
    assert_eq!(wa.recv().await, json!({"type": "PONG"}));
    pb.send(json!({"type": "PING"})).await;
    assert_eq!(pb.recv().await["type"], "ERROR");

    // ext=chinwag without a token is refused before the upgrade.
    assert_eq!(refused(&t.ws_url("?ext=chinwag")).await, 401);
}

#[tokio::test]
async fn xuanxuan_pushes_arrive_as_events_and_presence_is_announced() {
    let t = TestServer::start().await;
    let (a, at) = t.user("alice").await;
    let (b, bt) = t.user("bob").await;
    let (_c, ct) = t.user("carol").await;
    let (d, dt) = t.user("dave").await;
    let mut wa = ext_ws(&t, &at).await;
    let mut pa = t.module_ws(&at).await;
    let (mut xb, _) = t.xx_login("bob").await;

    // Bob's xuanxuan login reaches alice's extension socket as an EVENT.
    let e = recv_event(&mut wa, "login").await;
    assert_eq!(
        (e["data"]["id"].as_i64(), &e["data"]["status"]),
        (Some(b), &json!("online"))
    );

    // A chat made over /api/call: the member's extension socket gets `create`.
    let (_, gid) = group(&t, &bt, "g-team", &[a]).await;
    let e = recv_event(&mut wa, "create").await;
    assert_eq!(e["data"]["gid"], gid);
    assert_eq!(e["data"]["members"], json!([{"id": a}, {"id": b}]));

    // A rename on bob's xuanxuan socket: the xuanxuan push and the EVENT carry the same data.
    xb.send(json!({"module": "chat", "method": "changeName", "params": {"gid": gid, "name": "Team"}, "rid": "r1"}))
        .await;
    // The push goes out before the answer.
    let push = xb.recv_method("changeName").await;
    assert!(
        push.get("id").is_some() && push.get("rid").is_none(),
        "{push}"
    );
    let r = xb.recv().await;
    assert_eq!((&r["rid"], &r["result"]), (&json!("r1"), &json!("success")));
    let e = recv_event(&mut wa, "changeName").await;
    // The same chat; a xuanxuan socket shows its members as plain ids, the extension as {id}.
    assert_eq!(push["data"]["members"], json!([a, b]));
    let mut as_event = push["data"].clone();
    as_event["members"] = json!([{"id": a}, {"id": b}]);
    assert_eq!(e["data"], as_event);
    assert_eq!(e["data"]["name"], "Team");

    // A rename over /api/call (renaming is for administrators: bob, the owner, makes alice
    // one): the same, for both.
    let (s, _) = call(&t, &bt, "setAdmin", json!({"gid": gid, "admins": [a]})).await;
    assert_eq!(s, 200);
    let (s, r) = call(&t, &at, "changename", json!({"gid": gid, "name": "Team 2"})).await;
    assert_eq!(
        (s, &r["result"], &r["data"]["name"]),
        (200, &json!("success"), &json!("Team 2"))
    );
    assert_eq!(r["method"], "changename");
    assert_eq!(xb.recv_method("changeName").await["data"]["name"], "Team 2");
    assert_eq!(
        recv_event(&mut wa, "changeName").await["data"]["name"],
        "Team 2"
    );

    // Presence: dave's extension socket brings him online and its close takes him offline.
    let mut wd = ext_ws(&t, &dt).await;
    let e = recv_event(&mut wa, "userChangeStatus").await;
    assert_eq!(
        (e["data"]["id"].as_i64(), &e["data"]["status"]),
        (Some(d), &json!("online"))
    );
    flush(&mut wd).await;
    drop(wd);
    let e = recv_event(&mut wa, "userChangeStatus").await;
    assert_eq!(
        (e["data"]["id"].as_i64(), &e["data"]["status"]),
        (Some(d), &json!("offline"))
    );

    // Carol is no member: 403, in 003's error style.
    let (s, r) = call(&t, &ct, "changeName", json!({"gid": gid, "name": "Mine"})).await;
    assert_eq!(s, 403);
    assert!(r["error"].as_str().unwrap().contains("not a member"), "{r}");

    // The plain 003 socket saw none of it.
    pa.silent(200).await;
}

#[tokio::test]
async fn api_call_answers_like_the_socket_and_refuses_login() {
    let t = TestServer::start().await;
    let (a, at) = t.user("alice").await;
    let (b, bt) = t.user("bob").await;
    let (_, gid) = group(&t, &at, "g-call", &[b]).await;
    // Module defaults to chat; 000's positional params work too.
    let (s, r) = t
        .call(
            "POST",
            "/api/call",
            Some(&bt),
            Some(json!({"method": "members", "params": [gid]})),
        )
        .await;
    assert_eq!(
        (s, &r["module"], &r["result"]),
        (200, &json!("chat"), &json!("success")),
        "{r}"
    );
    let ids: Vec<i64> = r["data"][0]["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, vec![a, b]);
    assert!(r.get("rid").is_none());
    // A message posted over /api/call is stored and answered with its id.
    let (s, r) = call(
        &t,
        &bt,
        "message",
        json!([{"gid": "m-1", "cgid": gid, "content": "hello", "type": "normal", "contentType": "text"}]),
    )
    .await;
    assert_eq!(s, 200);
    assert!(r["data"][0]["id"].as_i64().unwrap() > 0);
    // History with 000's pager.
    let (s, r) = call(&t, &at, "history", json!([gid, 10, 1, 0, true])).await;
    assert_eq!((s, r["pager"]["recTotal"].as_u64()), (200, Some(1)));
    // Refused here.
    for m in ["login", "logout", "LogOut"] {
        let (s, r) = call(&t, &at, m, json!({})).await;
        assert_eq!(s, 400, "{m}");
        assert!(r["error"].as_str().unwrap().contains("POST /login"), "{r}");
    }
    assert_eq!(call(&t, &at, "getOfflineMessages", json!({})).await.0, 400);
    assert_eq!(call(&t, &at, "nosuch", json!({})).await.0, 400);
    // An unknown chat answers as one the caller may not see.
    assert_eq!(
        call(&t, &at, "history", json!({"gid": "nope"})).await.0,
        403
    );
    assert_eq!(
        t.status(
            "POST",
            "/api/call",
            None,
            Some(json!({"method": "getlist"}))
        )
        .await,
        401
    );
    assert_eq!(
        t.status("POST", "/api/call", Some(&at), Some(json!({"params": {}})))
            .await,
        400
    );
}

#[tokio::test]
async fn received_moves_the_cursor_and_sync_pages() {
    let t = TestServer::start().await;
    let (a, at) = t.user("alice").await;
    let (b, bt) = t.user("bob").await;
    let (c, ct) = t.user("carol").await;
    let (_, dt) = t.user("dave").await;
    t.befriend((a, &at), (b, &bt)).await;
    let (g, _) = group(&t, &at, "g-sync", &[b, c]).await;

    // Bob is offline: five direct messages go to his inbox.
    let mut wa = ext_ws(&t, &at).await;
    let mut ids = Vec::new();
    for i in 0..5 {
        wa.send(json!({"type": "unicast", "receiverId": b, "content": format!("m{i}"), "gid": format!("s-{i}")}))
            .await;
        ids.push(id_of(&recv_type(&mut wa, "ACK").await["id"]));
    }

    // No cursor yet: sync starts just before the oldest inbox message.
    let (s, r) = t.call("GET", "/api/sync", Some(&bt), None).await;
    assert_eq!(s, 200, "{r}");
    let got: Vec<i64> = r["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| id_of(&m["id"]))
        .collect();
    assert_eq!(got, ids);
    assert_eq!((id_of(&r["cursor"]), &r["more"]), (ids[4], &json!(false)));
    let m = &r["messages"][0];
    assert_eq!(
        (
            &m["type"],
            &m["receiverId"],
            &m["senderId"],
            &m["contentType"],
            &m["cgid"],
            &m["gid"]
        ),
        (
            &json!("unicast"),
            &json!(b.to_string()),
            &json!(a.to_string()),
            &json!("text"),
            &json!(format!("{a}&{b}")),
            &json!("s-0")
        )
    );

    // Paging with limit and after.
    let sync = async |query: String| {
        t.call("GET", &format!("/api/sync?{query}"), Some(&bt), None)
            .await
            .1
    };
    let r = sync("limit=2".into()).await;
    assert_eq!(r["messages"].as_array().unwrap().len(), 2);
    assert_eq!((id_of(&r["cursor"]), &r["more"]), (ids[1], &json!(true)));
    let r = sync(format!("limit=2&after={}", ids[1])).await;
    assert_eq!((id_of(&r["cursor"]), &r["more"]), (ids[3], &json!(true)));
    let r = sync(format!("limit=2&after={}", ids[3])).await;
    assert_eq!(r["messages"].as_array().unwrap().len(), 1);
    assert_eq!((id_of(&r["cursor"]), &r["more"]), (ids[4], &json!(false)));
    let r = sync(format!("after={}", ids[4])).await;
    assert_eq!(
        r,
        json!({"messages": [], "cursor": ids[4].to_string(), "more": false})
    );
    // Parameters in a JSON body work as in every /api endpoint; limit 0 is refused.
    let (_, r) = t
        .call(
            "GET",
            "/api/sync",
            Some(&bt),
            Some(json!({"after": ids[2], "limit": "1"})),
        )
        .await;
    assert_eq!(id_of(&r["messages"][0]["id"]), ids[3]);
    assert_eq!(
        t.status("GET", "/api/sync?limit=0", Some(&bt), None).await,
        400
    );
    assert_eq!(t.status("GET", "/api/sync", None, None).await, 401);

    // RECEIVED up to the third: no answer; the inbox loses those, the cursor moves there.
    let mut wb = ext_ws(&t, &bt).await;
    wb.send(json!({"type": "RECEIVED", "upTo": ids[2].to_string()}))
        .await;
    // Not answered: the next frame is the answer to a PING sent after it.
    wb.send(json!({"type": "PING"})).await;
    assert_eq!(wb.recv().await, json!({"type": "PONG"}));
    let (_, inbox) = t
        .call("GET", "/api/message?drop=false", Some(&bt), None)
        .await;
    let left: Vec<i64> = inbox[0]["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| id_of(&m["id"]))
        .collect();
    assert_eq!(left, ids[3..].to_vec());
    let (_, r) = t.call("GET", "/api/sync", Some(&bt), None).await;
    assert_eq!(r["messages"].as_array().unwrap().len(), 2);
    assert_eq!(id_of(&r["messages"][0]["id"]), ids[3]);
    // The cursor never moves back.
    wb.send(json!({"type": "RECEIVED", "upTo": ids[0]})).await;
    flush(&mut wb).await;
    let (_, r) = t.call("GET", "/api/sync", Some(&bt), None).await;
    assert_eq!(id_of(&r["messages"][0]["id"]), ids[3]);
    let (_, r) = t.call("GET", "/api/sync", Some(&bt), Some(json!({}))).await;
    assert_eq!(r["messages"].as_array().unwrap().len(), 2);
    // An id beyond the newest message does not move the cursor past messages to come.
    wb.send(json!({"type": "RECEIVED", "upTo": i64::MAX})).await;
    flush(&mut wb).await;
    wa.send(json!({"type": "unicast", "receiverId": b, "content": "later"}))
        .await;
    let later = id_of(&recv_type(&mut wa, "ACK").await["id"]);
    recv_type(&mut wb, "unicast").await;
    let (_, r) = t.call("GET", "/api/sync", Some(&bt), None).await;
    assert_eq!(id_of(&r["messages"][0]["id"]), later);
    let (_, r) = t
        .call(
            "GET",
            &format!("/api/sync?after={}", ids[4]),
            Some(&bt),
            None,
        )
        .await;
    assert_eq!(id_of(&r["cursor"]), later);
    // A bad RECEIVED gets an error frame.
    wb.send(json!({"type": "RECEIVED"})).await;
    assert_eq!(recv_type(&mut wb, "ERROR").await["code"], 400);

    // Group messages: the caller's own and those of a user they blocked are left out.
    let mut wc = ext_ws(&t, &ct).await;
    assert_eq!(
        t.status("POST", "/api/block", Some(&bt), Some(json!({"userId": c})))
            .await,
        200
    );
    wc.send(json!({"type": "multicast", "groupId": g, "content": "from carol"}))
        .await;
    let from_carol = id_of(&recv_type(&mut wc, "ACK").await["id"]);
    wb.send(json!({"type": "multicast", "groupId": g, "content": "from bob"}))
        .await;
    recv_type(&mut wb, "ACK").await;
    wa.send(json!({"type": "multicast", "groupId": g, "content": "from alice"}))
        .await;
    let from_alice = id_of(&recv_type(&mut wa, "ACK").await["id"]);
    let (_, r) = t
        .call("GET", &format!("/api/sync?after={later}"), Some(&bt), None)
        .await;
    let got: Vec<i64> = r["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| id_of(&m["id"]))
        .collect();
    assert_eq!(got, vec![from_alice]);
    let m = &r["messages"][0];
    assert_eq!(
        (&m["type"], &m["groupId"], &m["cgid"]),
        (&json!("multicast"), &json!(g.to_string()), &json!("g-sync"))
    );
    assert!(m.get("receiverId").is_none());
    // Carol (not blocked by anyone) sees alice's and bob's.
    let (_, r) = t
        .call(
            "GET",
            &format!("/api/sync?after={from_carol}"),
            Some(&ct),
            None,
        )
        .await;
    assert_eq!(r["messages"].as_array().unwrap().len(), 2);

    // A fresh user with an empty inbox starts at the newest message: nothing to sync.
    let (_, r) = t.call("GET", "/api/sync", Some(&dt), None).await;
    assert_eq!(
        (r["messages"].as_array().unwrap().len(), id_of(&r["cursor"])),
        (0, from_alice)
    );
}

#[tokio::test]
async fn raw_body_upload_and_download() {
    let t = TestServer::start().await;
    let (_, at) = t.user("alice").await;
    let (_, bt) = t.user("bob").await;
    let (_, gid) = group(&t, &at, "g-files", &[]).await;
    let bytes: Vec<u8> = (0..=255u8).cycle().take(70_000).collect();
    let resp = t
        .http
        .post(t.url(&format!("/files?gid={gid}&name=photo%20one.png")))
        .bearer_auth(&at)
        .header("content-type", "image/png")
        .body(bytes.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let v: Value = resp.json().await.unwrap();
    assert_eq!(
        (&v["result"], &v["data"]["name"]),
        (&json!("success"), &json!("photo one.png"))
    );
    let url = v["data"]["url"].as_str().unwrap().to_string();
    let down = t
        .http
        .get(t.url(&url))
        .bearer_auth(&at)
        .send()
        .await
        .unwrap();
    assert_eq!(down.status(), 200);
    assert_eq!(down.bytes().await.unwrap().to_vec(), bytes);
    // Listed like any upload.
    let (_, r) = call(&t, &at, "getList", json!({})).await;
    assert_eq!(r["result"], "success");
    let (s, r) = t
        .call(
            "POST",
            "/api/call",
            Some(&at),
            Some(json!({"module": "attach", "method": "getList", "params": {"gid": gid}})),
        )
        .await;
    assert_eq!((s, &r["data"][0]["size"]), (200, &json!(70_000)));
    // Same rules as multipart: token, membership, chat; and `name` is required.
    let raw = |path: String, token: Option<String>| {
        let mut req = t.http.post(t.url(&path)).body("x");
        if let Some(tk) = token {
            req = req.bearer_auth(tk);
        }
        async move { req.send().await.unwrap().status().as_u16() }
    };
    assert_eq!(
        raw(format!("/upload?gid={gid}&name=a"), Some(bt.clone())).await,
        403
    );
    assert_eq!(raw(format!("/upload?gid={gid}&name=a"), None).await, 401);
    assert_eq!(
        raw("/upload?gid=nope&name=a".into(), Some(at.clone())).await,
        403
    );
    assert_eq!(
        raw(format!("/upload?gid={gid}"), Some(at.clone())).await,
        400
    );
    assert_eq!(
        raw(format!("/upload?gid={gid}&name="), Some(at.clone())).await,
        400
    );
    assert_eq!(raw("/upload?name=a".into(), Some(at.clone())).await, 400);
}

#[tokio::test]
async fn logout_kicks_the_extension_sockets_of_that_token() {
    let t = TestServer::start().await;
    let (_, t1) = t.user("alice").await;
    let (_, l) = t
        .post("/login", json!({"name": "alice", "password": "pw-alice"}))
        .await;
    let t2 = l["data"]["token"].as_str().unwrap().to_string();
    let mut e1 = ext_ws(&t, &t1).await;
    let mut e2 = ext_ws(&t, &t2).await;
    let mut p1 = t.module_ws(&t1).await;
    flush(&mut e1).await;
    flush(&mut e2).await;
    let (_, r) = t.call("POST", "/logout", Some(&t1), None).await;
    assert_eq!(r["code"], 0);
    let k = e1.recv().await;
    assert_eq!(k["type"], "KICKED");
    assert!(k["reason"].as_str().unwrap().contains("logout"), "{k}");
    assert!(e1.next().await.is_none(), "closed after KICKED");
    // The other token's socket lives on; the plain 003 socket of the revoked token is closed
    // too, after an ERROR 401 frame.
    flush(&mut e2).await;
    assert_eq!(p1.recv().await["code"], 401);
    assert!(p1.next().await.is_none(), "closed after the ERROR frame");
    // The revoked token cannot reopen.
    assert_eq!(
        refused(&t.ws_url(&format!("?access_token={t1}&ext=chinwag"))).await,
        401
    );
}

#[tokio::test]
async fn concurrent_senders_reach_a_socket_in_id_order() {
    const EACH: usize = 150;
    let t = TestServer::start().await;
    let (a, at) = t.user("alice").await;
    let (b, bt) = t.user("bob").await;
    let (_c, ct) = t.user("carol").await;
    let (g, _) = group(&t, &ct, "g-order", &[a, b]).await;
    let mut wc = ext_ws(&t, &ct).await;
    let mut pc = t.module_ws(&ct).await;
    flush(&mut wc).await;
    let mut senders = Vec::new();
    for token in [at, bt] {
        let mut ws = ext_ws(&t, &token).await;
        flush(&mut ws).await;
        senders.push(tokio::spawn(async move {
            for i in 0..EACH {
                ws.send(json!({"type": "multicast", "groupId": g, "content": format!("n{i}")}))
                    .await;
            }
            let mut acked = 0;
            while acked < EACH {
                if ws.recv().await["type"] == "ACK" {
                    acked += 1;
                }
            }
        }));
    }
    let mut seen = Vec::new();
    while seen.len() < 2 * EACH {
        let f = recv_type(&mut wc, "multicast").await;
        seen.push(id_of(&f["id"]));
    }
    for s in senders {
        s.await.unwrap();
    }
    assert!(
        seen.windows(2).all(|w| w[0] < w[1]),
        "ids out of order on the extension socket: {seen:?}"
    );
    let mut plain = Vec::new();
    while plain.len() < 2 * EACH {
        plain.push(id_of(&pc.recv().await["id"]));
    }
    assert_eq!(plain, seen, "the plain socket sees the same order");
}
